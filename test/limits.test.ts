// Resource limits: documented caps enforced with LIMIT_EXCEEDED before any allocation, and flat
// memory across repeated metrics() calls (inline wasm memory; process RSS with the worker pool).
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import {
  HzError,
  ledoitWolf,
  MAX_COVARIANCE_MARKETS,
  MAX_HISTORY_CELLS,
  MAX_KELLY_SCENARIOS,
  MAX_POSITION_SIZE,
  MAX_PRICE_HISTORY,
  MAX_SIMULATIONS,
  Portfolio,
  shutdown,
  type Runtime,
} from "../dist/index.js";
import { initSync } from "../pkg/hz_portfolio.js";

afterAll(() => shutdown());

async function code(fn: () => unknown): Promise<string | undefined> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(HzError);
    return (e as HzError).code;
  }
  return undefined;
}

function portfolio(n: number, runtime: Runtime, observations = 1): Portfolio {
  const p = new Portfolio({ runtime });
  for (let i = 0; i < n; i++) {
    p.addPosition({ marketId: `m${i}`, side: "yes", size: 10 + i, entryPrice: 0.5, currentPrice: 0.5 });
    for (let k = 1; k < observations; k++) p.updatePrice(`m${i}`, 0.5 + 0.01 * Math.sin(i * 7 + k * 3));
  }
  return p;
}

/** Index reads of `claims` arrays: a cap must reject before any cell is read. */
let cellReads = 0;
/** An array-like that claims `length` entries without allocating them, and counts reads of them. */
const claims = (length: number) =>
  new Proxy({ length } as ArrayLike<number>, {
    get: (t, k) => {
      if (typeof k === "string" && /^\d+$/.test(k)) cellReads++;
      return k === "length" ? t.length : undefined;
    },
  });

describe("documented caps", () => {
  it("are exported with their documented values", () => {
    expect({ MAX_SIMULATIONS, MAX_HISTORY_CELLS, MAX_PRICE_HISTORY, MAX_KELLY_SCENARIOS, MAX_COVARIANCE_MARKETS, MAX_POSITION_SIZE }).toEqual({
      MAX_SIMULATIONS: 10_000_000,
      MAX_HISTORY_CELLS: 50_000_000,
      MAX_PRICE_HISTORY: 10_000,
      MAX_KELLY_SCENARIOS: 2_000_000,
      MAX_COVARIANCE_MARKETS: 1_000,
      MAX_POSITION_SIZE: 1e15,
    });
  });

  for (const runtime of ["inline", "worker"] as const) {
    describe(runtime, () => {
      it("nSimulations: the cap is accepted, one above is LIMIT_EXCEEDED", async () => {
        const p = portfolio(2, runtime);
        expect(await code(() => p.metrics({ nSimulations: MAX_SIMULATIONS + 1 }))).toBe("LIMIT_EXCEEDED");
        expect(await code(() => p.optimizeKelly({ probs: { m0: 0.6 }, method: "joint", nSimulations: MAX_KELLY_SCENARIOS + 1 }))).toBe("LIMIT_EXCEEDED");
      });

      it("history cells: LIMIT_EXCEEDED before the history is read or allocated", async () => {
        const p = portfolio(3, runtime);
        // 3 × 2e7 claimed cells: rejected before any is read (reading them would allocate 480 MB)
        cellReads = 0;
        expect(await code(() => p.optimizeRiskParity({ m0: claims(2e7), m1: claims(2e7), m2: claims(2e7) }))).toBe("LIMIT_EXCEEDED");
        // holey (no rows allocated), and every row read is counted
        const rows = new Proxy(new Array<number[]>(Math.ceil(MAX_HISTORY_CELLS / 3) + 1), {
          get: (t, k, r) => {
            if (typeof k === "string" && /^\d+$/.test(k)) cellReads++;
            return Reflect.get(t, k, r) as unknown;
          },
        });
        expect(await code(() => p.optimizeMinVariance(rows))).toBe("LIMIT_EXCEEDED");
        expect(cellReads).toBe(0);
      });

      it(`covariance markets: ${MAX_COVARIANCE_MARKETS} work, ${MAX_COVARIANCE_MARKETS + 1} are LIMIT_EXCEEDED before any N×N allocation`, async () => {
        const n = MAX_COVARIANCE_MARKETS;
        const at = portfolio(n, runtime);
        const h = [0, 1, 2].map((t) => Array.from({ length: n }, (_, j) => Math.sin(t * 13 + j) * 0.01));
        const lw = await at.ledoitWolf(h);
        expect(lw.covariance.length).toBe(n);
        const over = portfolio(n + 1, runtime, 3);
        const hOver = [0, 1, 2].map((t) => Array.from({ length: n + 1 }, (_, j) => Math.sin(t * 13 + j) * 0.01));
        cellReads = 0;
        expect(await code(() => over.ledoitWolf(hOver))).toBe("LIMIT_EXCEEDED");
        expect(await code(() => over.optimizeRiskParity(hOver))).toBe("LIMIT_EXCEEDED");
        expect(await code(() => over.optimizeMinVariance(hOver))).toBe("LIMIT_EXCEEDED");
        // the recorded prices (3 observations per market) would form a history: capped too
        expect(await code(() => over.optimizeRiskParity())).toBe("LIMIT_EXCEEDED");
        expect(await code(() => over.metrics({ nSimulations: 10, seed: 1 }))).toBe("LIMIT_EXCEEDED");
        expect(await code(() => over.optimizeKelly({ probs: Object.fromEntries(over.marketIds().map((id) => [id, 0.6])), method: "joint" }))).toBe("LIMIT_EXCEEDED");
        // 10 000 markets (an 800 MB covariance), also through the standalone export; the rows are never read
        expect(await code(() => ledoitWolf([claims(10_000), claims(10_000)] as never, { runtime }))).toBe("LIMIT_EXCEEDED");
        expect(cellReads).toBe(0);
        // without a history (recorded prices too short) the optimizers need no covariance: equal weight
        const short = portfolio(n + 1, runtime, 1);
        const w = await short.optimizeRiskParity();
        expect(Object.keys(w).length).toBe(n + 1);
      });

      it("metrics of more than MAX_COVARIANCE_MARKETS positions without a history stay available (independent outcomes)", async () => {
        const p = portfolio(MAX_COVARIANCE_MARKETS + 500, runtime);
        const m = await p.metrics({ nSimulations: 200, seed: 3 });
        expect(Number.isFinite(m.var95) && m.correlationMatrix === null).toBe(true);
      });
    });
  }

  it("position size above MAX_POSITION_SIZE is LIMIT_EXCEEDED (totals stay finite below it)", async () => {
    const p = new Portfolio({ runtime: "inline" });
    expect(await code(() => p.addPosition({ marketId: "a", side: "yes", size: 1e16, entryPrice: 0.5 }))).toBe("LIMIT_EXCEEDED");
    for (let i = 0; i < 5; i++) p.addPosition({ marketId: `a${i}`, side: "yes", size: MAX_POSITION_SIZE, entryPrice: 0.25, currentPrice: 0.75 });
    expect(Number.isFinite(p.pnl()) && Number.isFinite(p.totalValue())).toBe(true);
    const m = await p.metrics({ nSimulations: 1000, seed: 1 });
    for (const v of [m.expectedPnl, m.var95, m.cvar95, m.maxLoss, m.maxGain]) expect(Number.isFinite(v)).toBe(true);
  });

  it("recorded prices keep the last MAX_PRICE_HISTORY observations", () => {
    const p = new Portfolio({ runtime: "inline" });
    p.addPosition({ marketId: "a", side: "yes", size: 1, entryPrice: 0.5 });
    for (let i = 0; i < MAX_PRICE_HISTORY + 5; i++) p.updatePrice("a", (i % 100) / 100);
    const h = p.priceHistory("a");
    expect(h.length).toBe(MAX_PRICE_HISTORY);
    expect(h[h.length - 1]).toBe(((MAX_PRICE_HISTORY + 4) % 100) / 100);
  });
});

describe("memory across 1,000 metrics() calls", () => {
  const calls = 1_000;
  const small = () => portfolio(4, "inline", 6); // recorded history → Ledoit-Wolf + copula each call

  it("inline: the wasm memory does not grow after warm-up", async () => {
    const p = small();
    for (let i = 0; i < 50; i++) await p.metrics({ nSimulations: 2_000, seed: i });
    // initSync returns the already-initialised instance's exports (memory included)
    const exports = initSync({ module: readFileSync(new URL("../pkg/hz_portfolio_bg.wasm", import.meta.url)) }) as { memory: WebAssembly.Memory };
    const before = exports.memory.buffer.byteLength;
    for (let i = 0; i < calls; i++) await p.metrics({ nSimulations: 2_000, seed: i });
    const after = exports.memory.buffer.byteLength;
    expect(after - before).toBeLessThanOrEqual(1 << 20);
  }, 120_000);

  it("worker pool: process RSS (workers included) stays bounded", async () => {
    const p = new Portfolio({ runtime: "worker", poolSize: 2 });
    try {
      for (let i = 0; i < 4; i++) {
        p.addPosition({ marketId: `m${i}`, side: "yes", size: 10 + i, entryPrice: 0.5, currentPrice: 0.5 });
        for (let k = 1; k < 6; k++) p.updatePrice(`m${i}`, 0.5 + 0.01 * Math.sin(i * 7 + k * 3));
      }
      for (let i = 0; i < 50; i++) await p.metrics({ nSimulations: 2_000, seed: i });
      globalThis.gc?.();
      const before = process.memoryUsage().rss;
      for (let i = 0; i < calls; i++) await p.metrics({ nSimulations: 2_000, seed: i });
      globalThis.gc?.();
      const after = process.memoryUsage().rss;
      // a leak of one 16 KB P&L buffer per call would already be 16 MB
      expect(after - before).toBeLessThan(64 * 2 ** 20);
    } finally {
      await p.dispose();
    }
  }, 120_000);
});
