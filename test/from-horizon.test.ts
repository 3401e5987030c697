// Every ```ts block of docs/from-horizon.md (the migration guide from the Horizon SDK) runs as
// written against the built package, imported as "hz-portfolio" (the package resolves itself), and
// exits cleanly. The blocks assert their own numbers, so the guide cannot drift from the code.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../", import.meta.url));
const guide = readFileSync(new URL("../docs/from-horizon.md", import.meta.url), "utf8");
const blocks = [...guide.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const dir = new URL("../test-results/from-horizon/", import.meta.url);

describe("docs/from-horizon.md examples", () => {
  mkdirSync(dir, { recursive: true });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it("has the worked examples", () => expect(blocks.length).toBeGreaterThanOrEqual(9));
  it("links the Python script that produced Horizon's side", () => {
    expect(guide).toContain("from-horizon/horizon_side.py");
    expect(readFileSync(new URL("../docs/from-horizon/horizon_side.py", import.meta.url), "utf8")).toContain("import horizon as hz");
  });
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
});
