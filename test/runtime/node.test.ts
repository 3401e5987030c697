// The runtime suite in Node (worker_threads), plus Node-only checks: clean exit and packaging.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import * as lib from "../../dist/index.js";
import { cases } from "./suite.js";

const expected = JSON.parse(readFileSync(new URL("./expected-metrics.json", import.meta.url), "utf8"));
const root = fileURLToPath(new URL("../../", import.meta.url));

describe("runtime suite (Node)", () => {
  afterAll(() => lib.shutdown());
  for (const c of cases) it(c.name, () => c.run(lib, expected), 120_000);
});

describe("Node process lifecycle", () => {
  const script = (body: string) => `
    import { Portfolio, shutdown } from ${JSON.stringify(join(root, "dist/index.js"))};
    const p = new Portfolio({ capital: 1000 ${body.includes("poolSize") ? ", poolSize: 2" : ""} });
    p.addPosition({ marketId: "a", side: "yes", size: 100, entryPrice: 0.5, currentPrice: 0.6 });
    const m = await p.metrics({ nSimulations: 100000, seed: 1 });
    console.log(m.var95.toFixed(6));
    ${body}
  `;
  for (const [name, body] of [
    ["exits after dispose() of an own pool", "/* poolSize */ await p.dispose();"],
    ["exits after shutdown() of the shared engine", "await shutdown();"],
    ["exits with idle workers and no explicit clean-up", ""],
  ] as const) {
    it(name, () => {
      const r = spawnSync(process.execPath, ["--input-type=module", "-e", script(body)], { timeout: 30_000, encoding: "utf8" });
      expect(r.error).toBeUndefined(); // a timeout would mean a hanging handle
      expect(r.status).toBe(0);
      expect(Number(r.stdout.trim())).toBeGreaterThanOrEqual(0);
    });
  }
});

describe("packaging", () => {
  it("npm pack → install into an empty project → import from Node ESM and Deno → metrics", () => {
    const dir = mkdtempSync(join(tmpdir(), "hz-pack-"));
    try {
      const out = execFileSync("npm", ["pack", "--json", "--pack-destination", dir], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
      const { filename, files } = (JSON.parse(out) as Array<{ filename: string; files: Array<{ path: string }> }>)[0]!;
      const paths = files.map((f) => f.path);
      expect(paths).toContain("dist/browser/hz_portfolio_bg.wasm");
      expect(paths).toContain("dist/browser/worker.js");
      expect(paths).toContain("dist/node/index.js");
      expect(paths).toContain("dist/index.d.ts");
      const app = join(dir, "app");
      execFileSync("mkdir", ["-p", app]);
      writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", version: "1.0.0", type: "module", private: true }));
      // --prefer-offline, not --offline: `npm ci` on a fresh machine caches tarballs but not the
      // registry documents a plain install asks for, so --offline failed there (ENOTCACHED comlink).
      execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", join(dir, filename)], { cwd: app, stdio: "ignore" });
      const code = `
        import { Portfolio, shutdown } from "hz-portfolio";
        const p = new Portfolio({ capital: 1000 });
        p.addPosition({ marketId: "a", side: "yes", size: 100, entryPrice: 0.5, currentPrice: 0.6 });
        p.addPosition({ marketId: "b", side: "no", size: 50, entryPrice: 0.4, currentPrice: 0.3 });
        const w = await new Portfolio({ runtime: "inline" }).optimizeEqualWeight();
        const m = await p.metrics({ nSimulations: 20000, seed: 9 });
        console.log(JSON.stringify({ var95: m.var95, cvar95: m.cvar95, win: m.winProbability, w }));
        await shutdown();
      `;
      writeFileSync(join(app, "main.mjs"), code);
      const fromNode = execFileSync(process.execPath, ["main.mjs"], { cwd: app, encoding: "utf8", timeout: 60_000 });
      const deno = join(root, "node_modules/.bin/deno");
      const fromDeno = execFileSync(deno, ["run", "-A", "main.mjs"], { cwd: app, encoding: "utf8", timeout: 60_000, env: { ...process.env, NO_COLOR: "1" } });
      const a = JSON.parse(fromNode);
      expect(a.var95).toBeGreaterThan(0);
      expect(JSON.parse(fromDeno)).toEqual(a);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
