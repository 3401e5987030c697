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

// Packaging (the packed tarball in consumer projects, every runtime and bundler): test/packaging/.
