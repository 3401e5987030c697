// Property-based tests (fast-check) of the public API over random portfolios and histories.
// Engine-heavy properties run inline (same results as the workers, bit for bit); one property runs
// on the worker runtime to cover the pool.
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { Engine, Portfolio, shutdown, type PortfolioMetrics } from "../dist/index.js";

// A fixed seed keeps CI reproducible (a failure prints its case); set HZ_FC_SEED to explore anew.
fc.configureGlobal({ seed: Number(process.env.HZ_FC_SEED ?? 20261123) });

afterAll(() => shutdown());

interface Pos {
  side: "yes" | "no";
  size: number;
  entryPrice: number;
  currentPrice: number;
}

const price = fc.double({ min: 0.01, max: 0.99, noNaN: true });
const position: fc.Arbitrary<Pos> = fc.record({
  side: fc.constantFrom("yes" as const, "no" as const),
  size: fc.double({ min: 1, max: 1000, noNaN: true }),
  entryPrice: price,
  currentPrice: price,
});
const positions = (min = 1, max = 6) => fc.array(position, { minLength: min, maxLength: max });

/** T×n rows of price changes in [−0.1, 0.1]. */
const rows = (n: number, minT = 2, maxT = 25) =>
  fc.array(fc.array(fc.double({ min: -0.1, max: 0.1, noNaN: true }), { minLength: n, maxLength: n }), { minLength: minT, maxLength: maxT });

const portfolioWithHistory = positions(1, 6).chain((ps) => fc.tuple(fc.constant(ps), rows(ps.length)));

function build(ps: readonly Pos[], opts: { capital?: number; runtime?: "inline" | "worker"; ids?: string[] } = {}): Portfolio {
  const p = new Portfolio({ runtime: opts.runtime ?? "inline", ...(opts.capital === undefined ? {} : { capital: opts.capital }) });
  ps.forEach((x, i) => p.addPosition({ marketId: opts.ids?.[i] ?? `m${i}`, ...x }));
  return p;
}

function sum(w: Record<string, number>): number {
  return Object.values(w).reduce((a, b) => a + b, 0);
}

function expectWeights(w: Record<string, number>, ids: string[], total = 1): void {
  expect(Object.keys(w).sort()).toEqual([...ids].sort());
  for (const v of Object.values(w)) {
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeGreaterThanOrEqual(0);
  }
  expect(Math.abs(sum(w) - total)).toBeLessThanOrEqual(1e-12 * ids.length);
}

/** The risk numbers that must not move (everything derived from the scenarios). */
function risk(m: PortfolioMetrics) {
  return {
    expectedPnl: m.expectedPnl,
    var95: m.var95,
    cvar95: m.cvar95,
    var99: m.var99,
    cvar99: m.cvar99,
    winProbability: m.winProbability,
    maxLoss: m.maxLoss,
    maxGain: m.maxGain,
    pnlHistogram: m.pnlHistogram,
  };
}

describe("optimizer weights", () => {
  it("Kelly (independent and joint): finite, ≥ 0, Σ ≤ maxTotal", async () => {
    await fc.assert(
      fc.asyncProperty(
        positions(1, 8),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 8, maxLength: 8 }),
        fc.double({ min: 0.05, max: 3, noNaN: true }),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        fc.constantFrom("independent" as const, "joint" as const),
        async (ps, qs, maxTotal, fraction, method) => {
          const p = build(ps);
          const probs = Object.fromEntries(p.marketIds().map((id, i) => [id, qs[i]!]));
          const w = await p.optimizeKelly({ probs, maxTotal, fraction, method, nSimulations: 2000 });
          expect(Object.keys(w)).toEqual(p.marketIds());
          for (const v of Object.values(w)) expect(Number.isFinite(v) && v >= 0).toBe(true);
          const cap = method === "joint" ? maxTotal * fraction : maxTotal;
          expect(sum(w)).toBeLessThanOrEqual(cap * (1 + 1e-9));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("equal weight, risk parity (inverse-vol, ERC) and min variance: finite, ≥ 0, Σ = 1 (T < N and constant columns included)", async () => {
    await fc.assert(
      fc.asyncProperty(portfolioWithHistory, fc.integer({ min: -1, max: 5 }), async ([ps, h], constantCol) => {
        const p = build(ps);
        const ids = p.marketIds();
        const hist = h.map((r) => r.map((v, j) => (j === constantCol ? 0.01 : v)));
        expectWeights(await p.optimizeEqualWeight(), ids);
        expectWeights(await p.optimizeRiskParity(hist), ids);
        expectWeights(await p.optimizeRiskParity(hist, { method: "erc" }), ids);
        expectWeights(await p.optimizeMinVariance(hist), ids);
      }),
      { numRuns: 60 },
    );
  });

  it("Ledoit-Wolf: symmetric, PSD diagonal, shrinkage in [0, 1]", async () => {
    await fc.assert(
      fc.asyncProperty(portfolioWithHistory, fc.constantFrom("identity" as const, "constant-correlation" as const), async ([ps, h], target) => {
        const p = build(ps);
        const { covariance: c, shrinkage } = await p.ledoitWolf(h, { target });
        expect(shrinkage).toBeGreaterThanOrEqual(0);
        expect(shrinkage).toBeLessThanOrEqual(1);
        const scale = Math.max(...c.flat().map(Math.abs), Number.MIN_VALUE);
        c.forEach((row, i) =>
          row.forEach((v, j) => {
            expect(Number.isFinite(v)).toBe(true);
            expect(Math.abs(v - c[j]![i]!)).toBeLessThanOrEqual(1e-14 * scale);
            // PSD ⇒ every 2×2 principal minor ≥ 0
            expect(c[i]![i]! * c[j]![j]! - v * v).toBeGreaterThanOrEqual(-1e-12 * scale * scale);
          }),
        );
      }),
      { numRuns: 60 },
    );
  });
});

describe("rebalancing", () => {
  it("applying rebalanceOrders(target) to a copy reproduces the target weights", async () => {
    await fc.assert(
      fc.property(
        positions(1, 6),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 7, maxLength: 7 }),
        fc.double({ min: 100, max: 1e6, noNaN: true }),
        (ps, raw, capital) => {
          const p = build(ps, { capital });
          const ids = [...p.marketIds(), "new-market"];
          const s = raw.slice(0, ids.length).reduce((a, b) => a + b, 0) || 1;
          const target = Object.fromEntries(ids.map((id, i) => [id, raw[i]! / s]));
          const orders = p.rebalanceOrders(target, { prices: { "new-market": 0.4 } });
          // apply the orders to a copy
          const copy = Portfolio.fromJSON(p.toJSON(), { runtime: "inline" });
          for (const o of orders) {
            const held = copy.positions().find((x) => x.marketId === o.marketId);
            const size = (held?.size ?? 0) + (o.action === "buy" ? o.sizeDelta : -o.sizeDelta);
            copy.addPosition({
              marketId: o.marketId,
              side: held?.side ?? o.side,
              size: Math.max(0, size),
              entryPrice: held?.entryPrice ?? o.price,
              currentPrice: held?.currentPrice ?? o.price,
            });
          }
          const w = copy.weights();
          for (const id of ids) expect(Math.abs((w[id] ?? 0) - target[id]!)).toBeLessThanOrEqual(1e-9);
          expect(copy.needsRebalance(target, 1e-9)).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("executing the orders on the paper Engine reproduces the target weights (Portfolio.fromEngine)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ yes: price, size: fc.double({ min: 1, max: 500, noNaN: true }), side: fc.constantFrom("yes" as const, "no" as const) }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 5, maxLength: 5 }),
        async (mk, raw) => {
          const engine = new Engine();
          mk.forEach((m, i) => engine.pushPrice(`m${i}`, m.yes, 1_000 + i));
          for (const [i, m] of mk.entries()) await engine.submitOrder({ marketId: `m${i}`, side: m.side, action: "buy", size: m.size });
          const capital = 10_000;
          const p = Portfolio.fromEngine(engine, { capital, runtime: "inline" });
          const ids = p.marketIds();
          const s = raw.slice(0, ids.length).reduce((a, b) => a + b, 0) || 1;
          const target = Object.fromEntries(ids.map((id, i) => [id, (raw[i]! / s) * 0.5]));
          const results = await engine.execute(p.rebalanceOrders(target));
          for (const r of results) expect(r.status).toBe("filled");
          const after = Portfolio.fromEngine(engine, { capital, runtime: "inline" }).weights();
          for (const id of ids) expect(Math.abs((after[id] ?? 0) - target[id]!)).toBeLessThanOrEqual(1e-9);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("risk metrics", () => {
  it("VaR ≤ CVaR ≤ maxLoss; every number finite", async () => {
    await fc.assert(
      fc.asyncProperty(positions(1, 6), fc.integer({ min: 0, max: 1e6 }), fc.boolean(), async (ps, seed, corr) => {
        const p = build(ps);
        const n = ps.length;
        const correlation = corr ? Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0.4))) : undefined;
        const m = await p.metrics({ nSimulations: 3000, seed, ...(correlation ? { correlation } : {}) });
        const tol = 1e-9 * Math.max(1, Math.abs(m.maxLoss));
        expect(m.var95).toBeLessThanOrEqual(m.cvar95 + tol);
        expect(m.cvar95).toBeLessThanOrEqual(m.maxLoss + tol);
        expect(m.var99).toBeLessThanOrEqual(m.cvar99 + tol);
        expect(m.cvar99).toBeLessThanOrEqual(m.maxLoss + tol);
        for (const v of Object.values(risk(m))) if (typeof v === "number") expect(Number.isFinite(v)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it("adding a zero-size position changes no risk number (bit-identical, same seed; with and without a history)", async () => {
    await fc.assert(
      fc.asyncProperty(portfolioWithHistory, position, fc.integer({ min: 0, max: 1e9 }), fc.nat(6), async ([ps, h], extra, seed, at) => {
        const a = build(ps);
        const k = Math.min(at, ps.length);
        const withZero = [...ps.slice(0, k), { ...extra, size: 0 }, ...ps.slice(k)];
        const ids = withZero.map((_, i) => (i === k ? "zero" : `m${i < k ? i : i - 1}`));
        const b = build(withZero, { ids });
        expect(risk(await b.metrics({ nSimulations: 2000, seed }))).toEqual(risk(await a.metrics({ nSimulations: 2000, seed })));
        // with a history (record form; the zero-size market's column is ignored)
        const rec = (idList: string[]) => Object.fromEntries(idList.map((id) => [id, h.map((r, t) => (id === "zero" ? 0.01 * t : r[Number(id.slice(1))]!))]));
        const ma = await a.metrics({ nSimulations: 2000, seed, returnsHistory: rec(a.marketIds()) });
        const mb = await b.metrics({ nSimulations: 2000, seed, returnsHistory: rec(b.marketIds()) });
        expect(risk(mb)).toEqual(risk(ma));
        expect(mb.correlationMatrix).toEqual(ma.correlationMatrix);
      }),
      { numRuns: 30 },
    );
  });

  it("same seed: bit-identical metrics on the worker runtime and inline", async () => {
    await fc.assert(
      fc.asyncProperty(positions(1, 5), fc.integer({ min: 0, max: 1e6 }), async (ps, seed) => {
        const a = await build(ps, { runtime: "inline" }).metrics({ nSimulations: 20_000, seed });
        const b = await build(ps, { runtime: "worker" }).metrics({ nSimulations: 20_000, seed });
        expect(risk(b)).toEqual(risk(a));
      }),
      { numRuns: 8 },
    );
  });
});

describe("permuting markets", () => {
  // Found (see rust/tests/properties.rs): Ledoit-Wolf's shrinkage sums over all pairs, whose order
  // changes with the permutation, so optimizer results agree to 1e-12, not always bit for bit.
  it("permutes optimizer results (to 1e-12)", async () => {
    await fc.assert(
      fc.asyncProperty(
        positions(2, 6).chain((ps) => fc.tuple(fc.constant(ps), rows(ps.length, ps.length + 3, 30), fc.shuffledSubarray([...ps.keys()], { minLength: ps.length, maxLength: ps.length }))),
        async ([ps, h, perm]) => {
          const a = build(ps);
          const b = build(perm.map((i) => ps[i]!), { ids: perm.map((i) => `m${i}`) });
          const hb = h.map((r) => perm.map((i) => r[i]!));
          const pairs: [Record<string, number>, Record<string, number>][] = [
            [await a.optimizeRiskParity(h), await b.optimizeRiskParity(hb)],
            [await a.optimizeRiskParity(h, { method: "erc" }), await b.optimizeRiskParity(hb, { method: "erc" })],
            [await a.optimizeMinVariance(h), await b.optimizeMinVariance(hb)],
          ];
          for (const [wa, wb] of pairs) for (const id of a.marketIds()) expect(Math.abs(wa[id]! - wb[id]!)).toBeLessThanOrEqual(1e-12);
          const probs = Object.fromEntries(a.marketIds().map((id, i) => [id, (i + 1) / (ps.length + 2)]));
          const ka = await a.optimizeKelly({ probs });
          const kb = await b.optimizeKelly({ probs });
          for (const id of a.marketIds()) expect(Math.abs(ka[id]! - kb[id]!)).toBeLessThanOrEqual(1e-12);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("keeps Monte Carlo results within sampling error", async () => {
    await fc.assert(
      fc.asyncProperty(positions(2, 6), fc.integer({ min: 0, max: 1e6 }), async (ps, seed) => {
        const n = 40_000;
        const a = await build(ps).metrics({ nSimulations: n, seed });
        const rev = [...ps.keys()].reverse();
        const b = await build(rev.map((i) => ps[i]!), { ids: rev.map((i) => `m${i}`) }).metrics({ nSimulations: n, seed });
        // sd of the scenario P&L: Σ size² p (1 − p) (independent outcomes, p = current price)
        const sd = Math.sqrt(ps.reduce((s, x) => s + x.size * x.size * x.currentPrice * (1 - x.currentPrice), 0));
        expect(Math.abs(a.expectedPnl - b.expectedPnl)).toBeLessThanOrEqual(6 * sd * Math.sqrt(2 / n) + 1e-9);
        const pw = (m: PortfolioMetrics) => m.winProbability;
        expect(Math.abs(pw(a) - pw(b))).toBeLessThanOrEqual(6 * Math.sqrt(0.5 / n));
      }),
      { numRuns: 20 },
    );
  });
});
