// The bad-input battery: table-driven cases across the public API. Each case either throws an
// HzError with the expected code or returns a finite, documented answer — and never changes the
// portfolio (JSON.stringify(p.toJSON()) before/after). Cases that reach the engine run for both
// runtimes ("inline" and the default worker pool).
import { afterAll, describe, expect, it } from "vitest";
import {
  Engine,
  HzError,
  ledoitWolf,
  MAX_COVARIANCE_MARKETS,
  MAX_KELLY_SCENARIOS,
  MAX_POSITION_SIZE,
  MAX_SIMULATIONS,
  Portfolio,
  predictionGreeks,
  shutdown,
  type Runtime,
} from "../dist/index.js";

afterAll(() => shutdown());

type Expect = { code: string } | { ok: (result: unknown, p: Portfolio) => void };

interface Case {
  name: string;
  /** true: reaches the engine (run for both runtimes). */
  engine?: boolean;
  /** The portfolio the case acts on (default: `sample(runtime)`). */
  setup?: (runtime: Runtime) => Portfolio;
  run: (p: Portfolio, runtime: Runtime) => unknown;
  expect: Expect;
}

function sample(runtime: Runtime = "inline"): Portfolio {
  const p = new Portfolio({ name: "battery", capital: 10_000, runtime });
  p.addPosition({ marketId: "fed-cut", side: "yes", size: 400, entryPrice: 0.45, currentPrice: 0.52 });
  p.addPosition({ marketId: "recession", side: "no", size: 1000, entryPrice: 0.7, currentPrice: 0.65 });
  p.addPosition({ marketId: "btc-100k", side: "yes", size: 250, entryPrice: 0.3, currentPrice: 0.36 });
  for (const x of [0.53, 0.55, 0.51]) p.updatePrice("fed-cut", x);
  for (const x of [0.66, 0.64, 0.6]) p.updatePrice("recession", x);
  for (const x of [0.35, 0.4, 0.38]) p.updatePrice("btc-100k", x);
  return p;
}

const ids = ["fed-cut", "recession", "btc-100k"];
const goodRows = [
  [0.01, -0.02, 0.005],
  [-0.01, 0.01, 0.0],
  [0.02, 0.0, -0.01],
  [0.0, -0.01, 0.02],
];

function finiteDeep(v: unknown): boolean {
  if (typeof v === "number") return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(finiteDeep);
  if (v && typeof v === "object") return Object.values(v).every(finiteDeep);
  return true;
}

/** A finite weight vector over the held markets summing to `total`. */
function weightsOk(total = 1) {
  return (w: unknown, p: Portfolio) => {
    const r = w as Record<string, number>;
    expect(Object.keys(r)).toEqual(p.marketIds());
    expect(finiteDeep(r)).toBe(true);
    for (const v of Object.values(r)) expect(v).toBeGreaterThanOrEqual(0);
    expect(Object.values(r).reduce((a, b) => a + b, 0)).toBeCloseTo(total, 12);
  };
}
const finite = (v: unknown) => expect(finiteDeep(v)).toBe(true);

function bigPortfolio(n: number, runtime: Runtime): Portfolio {
  const p = new Portfolio({ runtime });
  for (let i = 0; i < n; i++) p.addPosition({ marketId: `m${i}`, side: i % 2 ? "no" : "yes", size: 1 + (i % 7), entryPrice: 0.5, currentPrice: 0.25 + (i % 50) / 100 });
  return p;
}

const corr3 = (f: (i: number, j: number) => number) => [0, 1, 2].map((i) => [0, 1, 2].map((j) => f(i, j)));

const cases: Case[] = [
  // ---- addPosition / updatePrice / removePosition (bookkeeping) ---------------------------
  { name: "size NaN", run: (p) => p.addPosition({ marketId: "x", side: "yes", size: NaN, entryPrice: 0.5 }), expect: { code: "INVALID_SIZE" } },
  { name: "size +∞", run: (p) => p.addPosition({ marketId: "x", side: "yes", size: Infinity, entryPrice: 0.5 }), expect: { code: "INVALID_SIZE" } },
  { name: "size −∞", run: (p) => p.addPosition({ marketId: "x", side: "yes", size: -Infinity, entryPrice: 0.5 }), expect: { code: "INVALID_SIZE" } },
  { name: "size negative", run: (p) => p.addPosition({ marketId: "x", side: "yes", size: -1, entryPrice: 0.5 }), expect: { code: "INVALID_SIZE" } },
  { name: "size as a string", run: (p) => p.addPosition({ marketId: "x", side: "yes", size: "10" as unknown as number, entryPrice: 0.5 }), expect: { code: "INVALID_SIZE" } },
  { name: "size huge (1e308, above MAX_POSITION_SIZE)", run: (p) => p.addPosition({ marketId: "x", side: "yes", size: 1e308, entryPrice: 0.5 }), expect: { code: "LIMIT_EXCEEDED" } },
  { name: "size just above MAX_POSITION_SIZE", run: (p) => p.addPosition({ marketId: "x", side: "yes", size: MAX_POSITION_SIZE * 1.000001, entryPrice: 0.5 }), expect: { code: "LIMIT_EXCEEDED" } },
  {
    name: "size −0 is stored as +0 (fresh portfolio)",
    setup: (runtime) => new Portfolio({ runtime }),
    run: (p) => {
      const q = Portfolio.fromJSON(p.toJSON(), { runtime: "inline" });
      q.addPosition({ marketId: "x", side: "yes", size: -0, entryPrice: -0 });
      return q.positions()[0];
    },
    expect: { ok: (pos) => expect(Object.is((pos as { size: number }).size, 0) && Object.is((pos as { entryPrice: number }).entryPrice, 0)).toBe(true) },
  },
  { name: "entryPrice NaN", run: (p) => p.addPosition({ marketId: "x", side: "yes", size: 1, entryPrice: NaN }), expect: { code: "INVALID_PRICE" } },
  { name: "entryPrice above 1", run: (p) => p.addPosition({ marketId: "x", side: "yes", size: 1, entryPrice: 1.0000001 }), expect: { code: "INVALID_PRICE" } },
  { name: "currentPrice −1e-300", run: (p) => p.addPosition({ marketId: "x", side: "yes", size: 1, entryPrice: 0.5, currentPrice: -1e-300 }), expect: { code: "INVALID_PRICE" } },
  { name: "currentPrice −∞", run: (p) => p.addPosition({ marketId: "x", side: "yes", size: 1, entryPrice: 0.5, currentPrice: -Infinity }), expect: { code: "INVALID_PRICE" } },
  { name: "empty marketId", run: (p) => p.addPosition({ marketId: "", side: "yes", size: 1, entryPrice: 0.5 }), expect: { code: "INVALID_ARGUMENT" } },
  { name: "numeric marketId", run: (p) => p.addPosition({ marketId: 42 as unknown as string, side: "yes", size: 1, entryPrice: 0.5 }), expect: { code: "INVALID_ARGUMENT" } },
  { name: "null marketId", run: (p) => p.addPosition({ marketId: null as unknown as string, side: "yes", size: 1, entryPrice: 0.5 }), expect: { code: "INVALID_ARGUMENT" } },
  { name: "symbol marketId", run: (p) => p.addPosition({ marketId: Symbol("x") as unknown as string, side: "yes", size: 1, entryPrice: 0.5 }), expect: { code: "INVALID_ARGUMENT" } },
  { name: "unknown side", run: (p) => p.addPosition({ marketId: "x", side: "maybe" as "yes", size: 1, entryPrice: 0.5 }), expect: { code: "INVALID_ARGUMENT" } },
  { name: "addPosition(null)", run: (p) => p.addPosition(null as never), expect: { code: "INVALID_ARGUMENT" } },
  { name: "updatePrice of an unknown market", run: (p) => p.updatePrice("nope", 0.5), expect: { code: "UNKNOWN_MARKET" } },
  { name: "updatePrice NaN", run: (p) => p.updatePrice("fed-cut", NaN), expect: { code: "INVALID_PRICE" } },
  { name: "updatePrice +∞", run: (p) => p.updatePrice("fed-cut", Infinity), expect: { code: "INVALID_PRICE" } },
  { name: "removePosition of an unknown market", run: (p) => p.removePosition("nope"), expect: { code: "UNKNOWN_MARKET" } },
  { name: "new Portfolio capital 0", run: () => new Portfolio({ capital: 0 }), expect: { code: "INVALID_ARGUMENT" } },
  { name: "new Portfolio capital NaN", run: () => new Portfolio({ capital: NaN }), expect: { code: "INVALID_ARGUMENT" } },
  { name: "new Portfolio capital −∞", run: () => new Portfolio({ capital: -Infinity }), expect: { code: "INVALID_ARGUMENT" } },
  { name: "new Portfolio runtime 'gpu'", run: () => new Portfolio({ runtime: "gpu" as Runtime }), expect: { code: "INVALID_ARGUMENT" } },
  { name: "new Portfolio seed 1.5", run: () => new Portfolio({ seed: 1.5 }), expect: { code: "INVALID_ARGUMENT" } },
  {
    name: "duplicate id: addPosition replaces in place (documented)",
    run: (p) => {
      const q = Portfolio.fromJSON(p.toJSON(), { runtime: "inline" });
      q.addPosition({ marketId: "fed-cut", side: "yes", size: 1, entryPrice: 0.5, currentPrice: 0.51 });
      return q.marketIds();
    },
    expect: { ok: (r) => expect(r).toEqual(ids) },
  },

  // ---- rebalancing ---------------------------------------------------------------------
  { name: "target weight NaN", run: (p) => p.rebalanceOrders({ "fed-cut": NaN }), expect: { code: "INVALID_ARGUMENT" } },
  { name: "target weight −0.1", run: (p) => p.rebalanceOrders({ "fed-cut": -0.1 }), expect: { code: "INVALID_ARGUMENT" } },
  { name: "target weight huge (1e308: non-finite order size)", run: (p) => p.rebalanceOrders({ "fed-cut": 1e308 }), expect: { code: "INVALID_ARGUMENT" } },
  { name: "target weight −0 sells out", run: (p) => p.rebalanceOrders({ "fed-cut": -0, recession: 0.5, "btc-100k": 0.1 }), expect: { ok: finite } },
  { name: "unpriced unknown target market", run: (p) => p.rebalanceOrders({ elsewhere: 0.1 }), expect: { code: "UNKNOWN_MARKET" } },
  { name: "target as an array", run: (p) => p.rebalanceOrders([0.5] as never), expect: { code: "INVALID_ARGUMENT" } },
  { name: "threshold +∞", run: (p) => p.rebalanceOrders({}, { threshold: Infinity }), expect: { code: "INVALID_ARGUMENT" } },
  { name: "needsRebalance threshold NaN", run: (p) => p.needsRebalance({}, NaN), expect: { code: "INVALID_ARGUMENT" } },

  // ---- Kelly -------------------------------------------------------------------------------
  { name: "Kelly probs NaN", engine: true, run: (p) => p.optimizeKelly({ probs: { "fed-cut": NaN } }), expect: { code: "INVALID_PROBABILITY" } },
  { name: "Kelly probs 1.5", engine: true, run: (p) => p.optimizeKelly({ probs: { "fed-cut": 1.5 } }), expect: { code: "INVALID_PROBABILITY" } },
  { name: "Kelly probs of an unknown market", engine: true, run: (p) => p.optimizeKelly({ probs: { nope: 0.5 } }), expect: { code: "UNKNOWN_MARKET" } },
  { name: "Kelly without probs", engine: true, run: (p) => p.optimizeKelly({} as never), expect: { code: "INVALID_ARGUMENT" } },
  { name: "Kelly maxTotal 0", engine: true, run: (p) => p.optimizeKelly({ probs: { "fed-cut": 0.6 }, maxTotal: 0 }), expect: { code: "INVALID_ARGUMENT" } },
  { name: "Kelly fraction +∞", engine: true, run: (p) => p.optimizeKelly({ probs: { "fed-cut": 0.6 }, fraction: Infinity }), expect: { code: "INVALID_ARGUMENT" } },
  { name: "Kelly probs −0 (finite: weight 0)", engine: true, run: (p) => p.optimizeKelly({ probs: { "fed-cut": -0 } }), expect: { ok: (w) => expect(w).toEqual({ "fed-cut": 0, recession: expect.any(Number), "btc-100k": 0 }) } },
  {
    name: "joint Kelly nSimulations above the cap",
    engine: true,
    run: (p) => p.optimizeKelly({ probs: { "fed-cut": 0.6 }, method: "joint", nSimulations: MAX_KELLY_SCENARIOS + 1 }),
    expect: { code: "LIMIT_EXCEEDED" },
  },
  { name: "joint Kelly history with NaN", engine: true, run: (p) => p.optimizeKelly({ probs: { "fed-cut": 0.6 }, method: "joint", returnsHistory: [[NaN, 0, 0], [0, 0, 0]] }), expect: { code: "INVALID_HISTORY" } },

  // ---- histories ------------------------------------------------------------------------------
  { name: "history cell NaN", engine: true, run: (p) => p.optimizeRiskParity([[0.01, NaN, 0], [0, 0.01, 0.02]]), expect: { code: "INVALID_HISTORY" } },
  { name: "history cell +∞", engine: true, run: (p) => p.optimizeMinVariance([[0.01, Infinity, 0], [0, 0.01, 0.02]]), expect: { code: "INVALID_HISTORY" } },
  { name: "history cell −∞ (ledoitWolf)", engine: true, run: (p) => p.ledoitWolf([[0.01, -Infinity, 0], [0, 0.01, 0.02]]), expect: { code: "INVALID_HISTORY" } },
  { name: "history cell as a string", engine: true, run: (p) => p.optimizeRiskParity([[0.01, "0.1" as unknown as number, 0], [0, 0.01, 0.02]]), expect: { code: "INVALID_HISTORY" } },
  { name: "empty history []", engine: true, run: (p) => p.optimizeRiskParity([]), expect: { code: "INVALID_HISTORY" } },
  { name: "history with one row", engine: true, run: (p) => p.optimizeMinVariance([[0.01, 0.02, 0.03]]), expect: { code: "INVALID_HISTORY" } },
  { name: "ragged rows", engine: true, run: (p) => p.optimizeRiskParity([[0.01, 0.02, 0.03], [0.01, 0.02]]), expect: { code: "INVALID_HISTORY" } },
  { name: "ragged record", engine: true, run: (p) => p.optimizeRiskParity({ "fed-cut": [0.01, 0.02, 0.0], recession: [0.01, 0.0], "btc-100k": [0, 0.01, 0.02] }), expect: { code: "INVALID_HISTORY" } },
  { name: "record missing a held market", engine: true, run: (p) => p.optimizeMinVariance({ "fed-cut": [0.01, 0.02], recession: [0.01, 0.0] }), expect: { code: "INVALID_HISTORY" } },
  { name: "history rows of the wrong width", engine: true, run: (p) => p.ledoitWolf([[0.01, 0.02], [0.0, 0.01]]), expect: { code: "INVALID_HISTORY" } },
  { name: "history as a number", engine: true, run: (p) => p.optimizeRiskParity(5 as never), expect: { code: "INVALID_HISTORY" } },
  { name: "T < N (2 rows × 3 markets): finite weights", engine: true, run: (p) => p.optimizeMinVariance([[0.01, -0.02, 0.005], [-0.01, 0.01, 0.0]]), expect: { ok: weightsOk() } },
  { name: "T < N: Ledoit-Wolf is finite", engine: true, run: (p) => p.ledoitWolf([[0.01, -0.02, 0.005], [-0.01, 0.01, 0.0]]), expect: { ok: finite } },
  { name: "constant columns: ERC finite", engine: true, run: (p) => p.optimizeRiskParity(goodRows.map((r) => [r[0]!, 0.01, r[2]!]), { method: "erc" }), expect: { ok: weightsOk() } },
  { name: "all-zero history: equal weight", engine: true, run: (p) => p.optimizeMinVariance([[0, 0, 0], [0, 0, 0], [0, 0, 0]]), expect: { ok: (w) => expect(Object.values(w as object)).toEqual([1 / 3, 1 / 3, 1 / 3]) } },
  { name: "−0 cells are plain zeros", engine: true, run: (p) => p.optimizeRiskParity(goodRows.map((r) => [r[0]!, -0, r[2]!])), expect: { ok: weightsOk() } },
  { name: "huge cells (1e300): covariance overflows", engine: true, run: (p) => p.ledoitWolf(goodRows.map((r) => r.map((v) => v * 1e302))), expect: { code: "INVALID_HISTORY" } },
  { name: "tiny cells (1e-300): finite", engine: true, run: (p) => p.optimizeMinVariance(goodRows.map((r) => r.map((v) => v * 1e-300))), expect: { ok: weightsOk() } },
  { name: "ledoitWolf target 'bogus'", engine: true, run: (p) => p.ledoitWolf(goodRows, { target: "bogus" as never }), expect: { code: "INVALID_ARGUMENT" } },
  { name: "ERC budget negative", engine: true, run: (p) => p.optimizeRiskParity(goodRows, { method: "erc", budgets: { "fed-cut": -1, recession: 1, "btc-100k": 1 } }), expect: { code: "INVALID_ARGUMENT" } },
  { name: "ERC budget of an unknown market", engine: true, run: (p) => p.optimizeRiskParity(goodRows, { method: "erc", budgets: { nope: 1 } }), expect: { code: "UNKNOWN_MARKET" } },
  { name: "risk-parity method 'magic'", engine: true, run: (p) => p.optimizeRiskParity(goodRows, { method: "magic" as never }), expect: { code: "INVALID_ARGUMENT" } },

  // ---- metrics ------------------------------------------------------------------------------
  { name: "nSimulations above the cap", engine: true, run: (p) => p.metrics({ nSimulations: MAX_SIMULATIONS + 1 }), expect: { code: "LIMIT_EXCEEDED" } },
  { name: "nSimulations 0", engine: true, run: (p) => p.metrics({ nSimulations: 0 }), expect: { code: "INVALID_ARGUMENT" } },
  { name: "nSimulations NaN", engine: true, run: (p) => p.metrics({ nSimulations: NaN }), expect: { code: "INVALID_ARGUMENT" } },
  { name: "nSimulations 1.5", engine: true, run: (p) => p.metrics({ nSimulations: 1.5 }), expect: { code: "INVALID_ARGUMENT" } },
  { name: "seed −1", engine: true, run: (p) => p.metrics({ seed: -1 }), expect: { code: "INVALID_ARGUMENT" } },
  { name: "seed 2^53", engine: true, run: (p) => p.metrics({ seed: 2 ** 53 }), expect: { code: "INVALID_ARGUMENT" } },
  { name: "vol 0 (zero Greeks, as predictionGreeks)", engine: true, run: (p) => p.metrics({ vol: 0, nSimulations: 100, seed: 1, greeksModel: "digital" }), expect: { ok: (m) => { finite(m); for (const g of Object.values((m as { greeks: Record<string, Record<string, number>> }).greeks)) expect(Object.values(g).every((v) => v === 0)).toBe(true); } } },
  { name: "vol −0.1", engine: true, run: (p) => p.metrics({ vol: -0.1 }), expect: { code: "INVALID_ARGUMENT" } },
  { name: "tHours −1", engine: true, run: (p) => p.metrics({ tHours: -1 }), expect: { code: "INVALID_ARGUMENT" } },
  { name: "tHours +∞", engine: true, run: (p) => p.metrics({ tHours: Infinity }), expect: { code: "INVALID_ARGUMENT" } },
  { name: "metrics probs NaN", engine: true, run: (p) => p.metrics({ probs: { "fed-cut": NaN } }), expect: { code: "INVALID_PROBABILITY" } },
  { name: "correlation with NaN", engine: true, run: (p) => p.metrics({ correlation: corr3((i, j) => (i === j ? 1 : i + j === 1 ? NaN : 0)) }), expect: { code: "INVALID_ARGUMENT" } },
  { name: "correlation of the wrong size", engine: true, run: (p) => p.metrics({ correlation: [[1, 0], [0, 1]] }), expect: { code: "INVALID_ARGUMENT" } },
  { name: "correlation not symmetric", engine: true, run: (p) => p.metrics({ correlation: corr3((i, j) => (i === j ? 1 : i < j ? 0.5 : 0.2)) }), expect: { code: "INVALID_ARGUMENT" } },
  { name: "correlation with diagonal 2", engine: true, run: (p) => p.metrics({ correlation: corr3((i, j) => (i === j ? 2 : 0)) }), expect: { code: "INVALID_ARGUMENT" } },
  { name: "correlation entry 1.5", engine: true, run: (p) => p.metrics({ correlation: corr3((i, j) => (i === j ? 1 : 1.5)) }), expect: { code: "INVALID_ARGUMENT" } },
  {
    name: "indefinite correlation: repaired, finite",
    engine: true,
    run: (p) => p.metrics({ nSimulations: 2000, seed: 1, correlation: corr3((i, j) => (i === j ? 1 : -0.9)) }),
    expect: { ok: (m) => (finite(m), expect((m as { correlationRepaired: boolean }).correlationRepaired).toBe(true)) },
  },
  { name: "metrics with a ragged history", engine: true, run: (p) => p.metrics({ returnsHistory: [[0.01, 0.02, 0.03], [0.01]] }), expect: { code: "INVALID_HISTORY" } },
  { name: "metrics options as a string", engine: true, run: (p) => p.metrics("fast" as never), expect: { code: "INVALID_ARGUMENT" } },
  { name: "metrics on an empty portfolio: zeros", engine: true, setup: (runtime) => new Portfolio({ runtime }), run: (p) => p.metrics({ seed: 1, nSimulations: 100 }), expect: { ok: finite } },
  { name: "predictionGreeks price NaN", engine: true, run: (_p, runtime) => predictionGreeks({ price: NaN, runtime }), expect: { code: "INVALID_PRICE" } },
  { name: "predictionGreeks vol −∞", engine: true, run: (_p, runtime) => predictionGreeks({ price: 0.5, vol: -Infinity, runtime }), expect: { code: "INVALID_ARGUMENT" } },
  { name: "predictionGreeks size above MAX_POSITION_SIZE", engine: true, run: (_p, runtime) => predictionGreeks({ price: 0.5, size: 1e300, runtime }), expect: { code: "LIMIT_EXCEEDED" } },

  // ---- many markets --------------------------------------------------------------------
  {
    name: "10^5 markets: bookkeeping and equal weight are finite",
    engine: true,
    setup: (runtime) => bigPortfolio(100_000, runtime),
    run: async (p) => ({ w: await p.optimizeEqualWeight(), c: p.concentration(), v: p.totalValue(), o: p.rebalanceOrders(await p.optimizeEqualWeight()).length, s: p.summary().length }),
    expect: { ok: finite },
  },
  {
    name: "10^5 markets: a covariance-based optimizer is LIMIT_EXCEEDED",
    engine: true,
    setup: (runtime) => bigPortfolio(100_000, runtime),
    run: (p) => p.optimizeRiskParity([new Array(100_000).fill(0.01), new Array(100_000).fill(-0.01)]),
    expect: { code: "LIMIT_EXCEEDED" },
  },
  {
    name: "10^5 markets: metrics with a correlation is LIMIT_EXCEEDED (no 10^10-cell matrix is read)",
    engine: true,
    setup: (runtime) => bigPortfolio(100_000, runtime),
    run: (p) => p.metrics({ nSimulations: 10, seed: 1, correlation: new Array(100_000).fill(new Float64Array(100_000)) as never /* one shared row */ }),
    expect: { code: "LIMIT_EXCEEDED" },
  },
  {
    name: "10^5 markets: independent metrics are finite",
    engine: true,
    setup: (runtime) => bigPortfolio(100_000, runtime),
    run: (p) => p.metrics({ nSimulations: 50, seed: 1 }),
    expect: { ok: finite },
  },
  {
    name: `standalone ledoitWolf with ${MAX_COVARIANCE_MARKETS + 1} columns`,
    engine: true,
    run: (_p, runtime) => ledoitWolf([new Array(MAX_COVARIANCE_MARKETS + 1).fill(0), new Array(MAX_COVARIANCE_MARKETS + 1).fill(1)], { runtime }),
    expect: { code: "LIMIT_EXCEEDED" },
  },

  // ---- JSON --------------------------------------------------------------------------
  { name: "Portfolio JSON with a future version", run: (p) => Portfolio.fromJSON({ ...p.toJSON(), version: 4 } as never), expect: { code: "INVALID_ARGUMENT" } },
  { name: "Portfolio JSON of another format", run: (p) => Portfolio.fromJSON({ ...p.toJSON(), format: "other" } as never), expect: { code: "INVALID_ARGUMENT" } },
  { name: "Portfolio JSON text that does not parse", run: () => Portfolio.fromJSON("{not json"), expect: { code: "INVALID_ARGUMENT" } },
  {
    name: "Portfolio JSON with duplicate ids",
    run: (p) => {
      const j = p.toJSON();
      return Portfolio.fromJSON({ ...j, positions: [j.positions[0]!, j.positions[0]!] });
    },
    expect: { code: "INVALID_ARGUMENT" },
  },
  {
    name: "Portfolio JSON with a non-string id",
    run: (p) => {
      const j = p.toJSON();
      return Portfolio.fromJSON({ ...j, positions: [{ ...j.positions[0]!, marketId: 7 as unknown as string }] });
    },
    expect: { code: "INVALID_ARGUMENT" },
  },
  {
    name: "Portfolio JSON with a NaN size (as null in JSON text)",
    run: (p) => Portfolio.fromJSON(JSON.stringify({ ...p.toJSON(), positions: [{ ...p.toJSON().positions[0]!, size: NaN }] })),
    expect: { code: "INVALID_SIZE" },
  },
  { name: "Engine JSON with a future version", run: () => Engine.fromJSON({ ...new Engine().toJSON(), version: 99 } as never), expect: { code: "INVALID_ARGUMENT" } },
];

async function runCase(c: Case, runtime: Runtime): Promise<void> {
  const p = c.setup ? c.setup(runtime) : sample(runtime);
  const before = JSON.stringify(p.toJSON());
  let result: unknown;
  let error: unknown;
  try {
    result = await c.run(p, runtime);
  } catch (e) {
    error = e;
  }
  if ("code" in c.expect) {
    expect(error, `expected ${c.expect.code}, got a result`).toBeInstanceOf(HzError);
    expect((error as HzError).code, (error as Error).message).toBe(c.expect.code);
  } else {
    if (error !== undefined) throw error;
    c.expect.ok(result, p);
  }
  expect(JSON.stringify(p.toJSON())).toBe(before);
}

describe("bad-input battery", () => {
  it("has at least 40 cases", () => expect(cases.length).toBeGreaterThanOrEqual(40));
  for (const c of cases) {
    it(`${c.name}${c.engine ? " (inline)" : ""}`, () => runCase(c, "inline"));
    if (c.engine) it(`${c.name} (worker)`, () => runCase(c, "worker"));
  }
});
