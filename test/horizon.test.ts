// Horizon parity: the Horizon Greeks model (the default), pinned against its formulas (exact,
// mpmath) and against horizon-sdk 0.8.8's own output, both from fixtures/make_fixtures_horizon.py;
// and the rule that floating-point noise never produces orders.
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { MIN_ORDER_SIZE, Portfolio, WEIGHT_TOLERANCE, predictionGreeks, shutdown, type PredictionGreeks } from "../dist/index.js";

afterAll(() => shutdown());

type G = { delta: number; gamma: number; theta: number; vega: number };
const fixture = JSON.parse(readFileSync(new URL("../fixtures/horizon_greeks.json", import.meta.url), "utf8")) as {
  cases: Array<{ price: number; size: number; is_yes: boolean; t_hours: number; vol: number; settled?: boolean; exact: G; horizon: G }>;
};
const KEYS = ["delta", "gamma", "theta", "vega"] as const;

/** |a − b| ≤ rel·|b| (exact zeros must be exact). */
function near(a: number, b: number, rel: number): boolean {
  return b === 0 ? a === 0 : Math.abs(a - b) <= rel * Math.abs(b);
}

describe("Greeks, Horizon model (default)", () => {
  it("the issue's reference: 100 YES at 0.60, 24 h, vol 0.2", async () => {
    const g = await predictionGreeks({ price: 0.6, size: 100, side: "yes", tHours: 24, vol: 0.2, runtime: "inline" });
    // exact values (mpmath, 40 digits)
    expect(near(g.delta, 38.634253349686045488, 1e-14)).toBe(true);
    expect(near(g.gamma, 193.17126674843022744, 1e-14)).toBe(true);
    expect(near(g.vega, 38.634253349686045488, 1e-14)).toBe(true);
    expect(near(g.theta, -0.160976055623691856, 1e-14)).toBe(true);
    // what horizon-sdk 0.8.8 prints for hz.prediction_greeks(0.6, 100, True, 24, 0.2)
    expect(near(g.delta, 38.63425335238556, 1e-8)).toBe(true);
    expect(near(g.gamma, 193.17126676192777, 1e-8)).toBe(true);
    expect(near(g.theta, -0.16097605563493983, 1e-8)).toBe(true);
  });

  it(`formula grid (${fixture.cases.length} cases of price, tHours, vol, side, size): 1e-12 to the exact formula, 1e-8 to horizon-sdk`, async () => {
    for (const c of fixture.cases) {
      const g = await predictionGreeks({ price: c.price, size: c.size, side: c.is_yes ? "yes" : "no", tHours: c.t_hours, vol: c.vol, runtime: "inline" });
      for (const k of KEYS) {
        expect(near(g[k], c.exact[k], 1e-12), `${k} at ${JSON.stringify(c)}: ${g[k]}`).toBe(true);
        if (!c.settled) expect(near(g[k], c.horizon[k], 1e-8), `${k} vs horizon-sdk at ${JSON.stringify(c)}: ${g[k]}`).toBe(true);
      }
    }
  });

  it("settled contracts (price exactly 0 or 1) have all Greeks 0 — where Horizon's clamp reports a 1 % contract", async () => {
    for (const c of fixture.cases.filter((x) => x.settled)) {
      const g = await predictionGreeks({ price: c.price, size: c.size, side: c.is_yes ? "yes" : "no", runtime: "inline" });
      expect(g).toEqual({ delta: 0, gamma: 0, theta: 0, vega: 0 });
      expect(Math.abs(c.horizon.delta)).toBeGreaterThan(0.2);
    }
  });

  it("only delta changes sign for NO; the held side's or the YES price give the same values", async () => {
    const yes = await predictionGreeks({ price: 0.3, size: 10, side: "yes", runtime: "inline" });
    const noSame = await predictionGreeks({ price: 0.3, size: 10, side: "no", runtime: "inline" });
    const noMirror = await predictionGreeks({ price: 0.7, size: 10, side: "no", runtime: "inline" });
    expect(noSame).toEqual({ ...yes, delta: -yes.delta });
    for (const k of KEYS) expect(near(noMirror[k], noSame[k], 1e-15)).toBe(true);
  });

  it("is the default of predictionGreeks and metrics(); greeksModel: 'digital' gives the digital model; worker = inline bit for bit", async () => {
    const p = new Portfolio({ runtime: "inline" });
    p.addPosition({ marketId: "a", side: "yes", size: 100, entryPrice: 0.5, currentPrice: 0.6 });
    p.addPosition({ marketId: "b", side: "no", size: 50, entryPrice: 0.3, currentPrice: 0.25 });
    const m = await p.metrics({ nSimulations: 100, seed: 1 });
    expect(m.greeksModel).toBe("horizon");
    for (const pos of p.positions()) {
      const h = await predictionGreeks({ price: pos.currentPrice, size: pos.size, side: pos.side, runtime: "inline" });
      expect(m.greeks[pos.marketId]).toEqual(h);
    }
    const d = await p.metrics({ nSimulations: 100, seed: 1, greeksModel: "digital" });
    expect(d.greeksModel).toBe("digital");
    const dg = await predictionGreeks({ price: 0.6, size: 100, model: "digital", runtime: "inline" });
    expect(d.greeks.a).toEqual(dg);
    expect(d.greeks.a!.delta).not.toBeCloseTo(m.greeks.a!.delta, 0);
    const w: PredictionGreeks = await predictionGreeks({ price: 0.6, size: 100 });
    expect(w).toEqual(m.greeks.a);
  });

  it("vol 0: gamma and theta are 0, delta and vega are not (no NaN); tHours 0 stays finite through the √τ floor", async () => {
    const g = await predictionGreeks({ price: 0.6, size: 100, vol: 0, runtime: "inline" });
    expect(g.gamma).toBe(0);
    expect(Object.is(g.theta, 0)).toBe(true);
    expect(g.delta).toBeCloseTo(38.634253349686, 10);
    const t0 = await predictionGreeks({ price: 0.6, size: 100, tHours: 0, runtime: "inline" });
    for (const k of KEYS) expect(Number.isFinite(t0[k])).toBe(true);
    expect(t0.gamma).toBeCloseTo(38.634253349686045 / (0.2 * 0.001), 6);
  });

  it("an unknown model is an HzError naming the field", async () => {
    await expect(predictionGreeks({ price: 0.5, model: "bs" as never, runtime: "inline" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT", field: "model" });
    const p = new Portfolio({ runtime: "inline" });
    p.addPosition({ marketId: "a", side: "yes", size: 1, entryPrice: 0.5 });
    await expect(p.metrics({ greeksModel: "Horizon" as never })).rejects.toMatchObject({ code: "INVALID_ARGUMENT", field: "greeksModel" });
  });
});

describe("floating-point noise never trades", () => {
  function book(): Portfolio {
    const p = new Portfolio({ capital: 10_000, runtime: "inline" });
    p.addPosition({ marketId: "fed-cut", side: "yes", size: 400, entryPrice: 0.45, currentPrice: 0.52 });
    p.addPosition({ marketId: "recession", side: "no", size: 1000, entryPrice: 0.7, currentPrice: 0.65 });
    p.addPosition({ marketId: "btc-100k", side: "yes", size: 250, entryPrice: 0.3, currentPrice: 0.36 });
    return p;
  }

  it("a 1e-11 weight change emits no order and needsRebalance is false", () => {
    const p = book();
    const w = p.weights();
    const target = { ...w, "fed-cut": w["fed-cut"]! + 1e-11, "btc-100k": w["btc-100k"]! - 1e-11 };
    expect(p.rebalanceOrders(target)).toEqual([]);
    expect(p.needsRebalance(target)).toBe(false);
    expect(p.rebalanceOrders(p.weights())).toEqual([]);
  });

  it("a real change still trades, at the WEIGHT_TOLERANCE boundary and above", () => {
    const p = book();
    const w = p.weights();
    const above = { ...w, "fed-cut": w["fed-cut"]! + 4 * WEIGHT_TOLERANCE };
    expect(p.needsRebalance(above)).toBe(true);
    const orders = p.rebalanceOrders(above);
    expect(orders).toHaveLength(1);
    expect(orders[0]!.sizeDelta).toBeCloseTo((4 * WEIGHT_TOLERANCE * 10_000) / 0.52, 12);
  });

  it("orders below minOrderSize (default MIN_ORDER_SIZE shares) are omitted; sizeDelta is always > 0", () => {
    const p = book();
    const w = p.weights();
    // 1e-8 of capital 10 000 at 0.52 is 1.9e-4 shares: above the default, below minOrderSize 0.01
    const target = { ...w, "fed-cut": w["fed-cut"]! + 1e-8 };
    expect(p.rebalanceOrders(target)).toHaveLength(1);
    expect(p.rebalanceOrders(target, { minOrderSize: 0.01 })).toEqual([]);
    expect(MIN_ORDER_SIZE).toBe(1e-6);
    const tiny = new Portfolio({ capital: 1, runtime: "inline" });
    tiny.addPosition({ marketId: "x", side: "yes", size: 1, entryPrice: 0.5 });
    expect(tiny.rebalanceOrders({ x: tiny.weights().x! + 1e-7 })).toEqual([]); // 2e-7 shares
    for (const o of p.rebalanceOrders({ "fed-cut": 0.1 })) expect(o.sizeDelta).toBeGreaterThan(0);
  });
});
