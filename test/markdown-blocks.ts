// Runs every ```ts block of a Markdown file as written (against the built package, imported as
// "hz-portfolio" — the package resolves itself): shared by the README and the migration guide tests.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";

const root = fileURLToPath(new URL("../", import.meta.url));

/** The ```ts blocks of `file` (relative to the repository root). */
export function tsBlocks(file: string): string[] {
  const text = readFileSync(new URL(`../${file}`, import.meta.url), "utf8");
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** Declares one test per block: it runs with tsx, prints something, and prints no NaN. */
export function runBlocks(blocks: readonly string[], scratch: string): void {
  const dir = new URL(`../test-results/${scratch}/`, import.meta.url);
  mkdirSync(dir, { recursive: true });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  blocks.forEach((code, i) => {
    const title = code.split("\n").find((l) => !l.startsWith("import") && l.trim() !== "") ?? "";
    it(`block ${i + 1} runs: ${title.slice(0, 60)}`, () => {
      const file = new URL(`block-${i + 1}.mts`, dir);
      writeFileSync(file, code);
      const out = execFileSync(`${root}node_modules/.bin/tsx`, [fileURLToPath(file)], { cwd: root, encoding: "utf8", timeout: 120_000 });
      expect(out.trim().length).toBeGreaterThan(0);
      expect(out).not.toMatch(/NaN/);
    }, 150_000);
  });
}
