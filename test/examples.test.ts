// The runnable examples: examples/node-script.ts (tsx, worker_threads pool) and examples/deno.ts
// (Deno, Web Workers) run as child processes against the built package; their stdout must be
// identical, and the numbers they print must be those the library computes here for the same
// portfolio and seed.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { heldSidePrice, parsePriceCsv, Portfolio, shutdown } from "../dist/index.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const run = promisify(execFile);

async function runExample(cmd: string, args: string[]): Promise<string> {
  const { stdout } = await run(join(root, cmd), args, { cwd: root, timeout: 60_000, maxBuffer: 1 << 24, env: { ...process.env, NO_COLOR: "1" } });
  return stdout;
}

/** The examples' portfolio, built here directly. */
function examplePortfolio(): Portfolio {
  const asOf = Date.parse("2018-10-01T00:00:00Z");
  const closes = new Map<string, number[]>();
  for (const r of parsePriceCsv(readFileSync(join(root, "data/predictit-2018-senate/prices.csv"), "utf8"))) {
    if ((r.timestamp as number) > asOf) continue;
    if (!closes.has(r.marketId)) closes.set(r.marketId, []);
    closes.get(r.marketId)!.push(r.yesPrice);
  }
  const p = new Portfolio({ name: "senate-2018", capital: 10_000, runtime: "inline" });
  const book = [
    ["PI2928-TX-S1-R", "yes", 2000, 0.72],
    ["PI3484-MO-S1-D", "no", 1500, 0.5],
    ["PI2999-FL-S1-D", "yes", 1200, 0.55],
    ["PI2941-WV-S1-D", "yes", 1000, 0.68],
    ["PI2998-IN-S1-D", "no", 800, 0.45],
  ] as const;
  for (const [marketId, side, size, entryPrice] of book) {
    const yes = closes.get(marketId)!;
    p.addPosition({ marketId, side, size, entryPrice, currentPrice: heldSidePrice(side, yes[yes.length - 61]!) });
    for (const y of yes.slice(-60)) p.updatePrice(marketId, heldSidePrice(side, y));
  }
  return p;
}

/** `  name   value` lines of the risk block. */
function printedMetrics(stdout: string): Record<string, string> {
  const block = stdout.slice(stdout.indexOf("Risk at resolution"), stdout.indexOf("Greeks"));
  return Object.fromEntries([...block.matchAll(/^ {2}(\w+) +(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

describe("examples", () => {
  afterAll(() => shutdown());
  let nodeOut = "";

  it("examples/node-script.ts runs in Node and prints the library's numbers", async () => {
    nodeOut = await runExample("node_modules/.bin/tsx", ["examples/node-script.ts"]);
    const p = examplePortfolio();
    expect(nodeOut).toContain(p.summary());

    const m = await p.metrics({ nSimulations: 200_000, seed: 2018, tHours: 72, vol: 0.25 });
    const printed = printedMetrics(nodeOut);
    const keys = ["expectedPnl", "var95", "cvar95", "var99", "cvar99", "winProbability", "maxLoss", "maxGain", "concentration", "shrinkageIntensity"] as const;
    expect(Object.keys(printed)).toEqual([...keys]);
    for (const k of keys) expect(printed[k], k).toBe(String(m[k]));
    for (const [id, g] of Object.entries(m.greeks)) expect(nodeOut).toContain(`${id.padEnd(15)} delta ${g.delta.toFixed(6)}  gamma ${g.gamma.toFixed(6)}`);

    const rp = await p.optimizeRiskParity();
    const mv = await p.optimizeMinVariance();
    for (const id of p.marketIds()) {
      const line = nodeOut.split("\n").find((l) => l.startsWith(`  ${id} `) && l.trim().split(/\s+/).length === 6)!;
      const cols = line.trim().split(/\s+/);
      expect(cols[3], `risk parity ${id}`).toBe(rp[id]!.toFixed(6));
      expect(cols[5], `min variance ${id}`).toBe(mv[id]!.toFixed(6));
    }
    const orders = p.rebalanceOrders(Object.fromEntries(Object.entries(rp).map(([id, w]) => [id, 0.4 * w])), { threshold: 0.001 });
    expect(orders.length).toBeGreaterThan(0);
    for (const o of orders) expect(nodeOut).toContain(`${o.action.padEnd(4)} ${o.sizeDelta.toFixed(4).padStart(10)} ${o.side.padEnd(3)} ${o.marketId} @ ${o.price}`);
  }, 90_000);

  it("examples/deno.ts runs in Deno and prints exactly what the Node script prints", async () => {
    const denoOut = await runExample("node_modules/.bin/deno", ["run", "-A", "examples/deno.ts"]);
    expect(printedMetrics(denoOut).var95).toMatch(/^-?\d/);
    expect(denoOut).toBe(nodeOut || (await runExample("node_modules/.bin/tsx", ["examples/node-script.ts"])));
  }, 90_000);
});

describe("examples/engine-replay.ts", () => {
  it("replays with quotes and fees, settles every market by its resolution, and its P&L is net of fees", async () => {
    const out = await runExample("node_modules/.bin/tsx", ["examples/engine-replay.ts"]);
    expect(out).toMatch(/Settled 18 markets by their 2018 resolutions: payouts [\d.]+; open positions 0/);
    const fin = /Final: cash ([-\d.]+)\s+P&L ([-\d.]+) net of ([\d.]+) fees \(realised ([-\d.]+)\)/.exec(out);
    expect(fin).not.toBeNull();
    const [cash, pnl, fees, realised] = fin!.slice(1).map(Number) as [number, number, number, number];
    expect(fees).toBeGreaterThan(0);
    expect(pnl).toBeCloseTo(realised, 2); // everything settled: all P&L is realised
    expect(cash - 10_000).toBeCloseTo(pnl, 2);
    expect(out).toContain("the live follower agrees: true");
    expect(out).toContain("restored engine equal: true");
    expect(out).not.toMatch(/NaN|Infinity/);
  }, 120_000);
});
