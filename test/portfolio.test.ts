import { describe, expect, it } from "vitest";
import { HzError, Portfolio, type PositionInput } from "../dist/index.js";

function sample(): Portfolio {
  const p = new Portfolio({ name: "main", capital: 10_000 });
  p.addPosition({ marketId: "fed-cut", side: "yes", size: 400, entryPrice: 0.45, currentPrice: 0.52 });
  p.addPosition({ marketId: "recession", side: "no", size: 1000, entryPrice: 0.7, currentPrice: 0.65 });
  p.addPosition({ marketId: "btc-100k", side: "yes", size: 250, entryPrice: 0.3, currentPrice: 0.36 });
  return p;
}

/** Expects `fn` to throw an HzError with `code` and leave `p` unchanged. */
function rejects(p: Portfolio, fn: () => unknown, code: string, message?: RegExp): void {
  const before = JSON.stringify({ pos: p.positions(), hist: p.marketIds().map((id) => p.priceHistory(id)) });
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(HzError);
  expect((caught as HzError).code).toBe(code);
  if (message) expect((caught as HzError).message).toMatch(message);
  expect(JSON.stringify({ pos: p.positions(), hist: p.marketIds().map((id) => p.priceHistory(id)) })).toBe(before);
}

async function rejectsAsync(p: Portfolio, fn: () => Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const before = JSON.stringify(p.positions());
  const err = await fn().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HzError);
  expect((err as HzError).code).toBe(code);
  if (message) expect((err as HzError).message).toMatch(message);
  expect(JSON.stringify(p.positions())).toBe(before);
}

describe("bookkeeping conventions", () => {
  it("value, cost, pnl and pnlPct per position and in total", () => {
    const p = sample();
    const [a, b] = p.positions();
    expect(a).toMatchObject({ marketId: "fed-cut", side: "yes", size: 400, value: 400 * 0.52, cost: 400 * 0.45 });
    expect(a!.pnl).toBeCloseTo(400 * 0.07, 12);
    expect(a!.pnlPct).toBeCloseTo(0.07 / 0.45, 12);
    // a NO position carries the NO price
    expect(b!.value).toBeCloseTo(650, 12);
    expect(b!.pnl).toBeCloseTo(-50, 12);
    const value = 400 * 0.52 + 1000 * 0.65 + 250 * 0.36;
    const cost = 400 * 0.45 + 1000 * 0.7 + 250 * 0.3;
    expect(p.totalValue()).toBeCloseTo(value, 12);
    expect(p.pnl()).toBeCloseTo(value - cost, 12);
    expect(p.pnlPct()).toBeCloseTo((value - cost) / cost, 12);
  });

  it("weights are value / capital, capital defaulting to the total value", () => {
    const p = sample();
    expect(p.weights()["fed-cut"]).toBeCloseTo(208 / 10_000, 15);
    const q = new Portfolio();
    q.addPosition({ marketId: "a", side: "yes", size: 100, entryPrice: 0.5, currentPrice: 0.5 });
    q.addPosition({ marketId: "b", side: "no", size: 300, entryPrice: 0.5, currentPrice: 0.5 });
    expect(q.weights()).toEqual({ a: 0.25, b: 0.75 });
    expect(q.capital).toBe(200);
  });

  it("concentration is the HHI of value shares (1/N when equal)", () => {
    const q = new Portfolio();
    for (const id of ["a", "b", "c", "d"]) q.addPosition({ marketId: id, side: "yes", size: 10, entryPrice: 0.5, currentPrice: 0.5 });
    expect(q.concentration()).toBeCloseTo(0.25, 15);
    const p = sample();
    const v = [208, 650, 90];
    const tot = v.reduce((s, x) => s + x, 0);
    expect(p.concentration()).toBeCloseTo(v.reduce((s, x) => s + (x / tot) ** 2, 0), 14);
    expect(new Portfolio().concentration()).toBe(0);
  });

  it("addPosition replaces; currentPrice defaults to entryPrice; side is case-insensitive", () => {
    const p = new Portfolio();
    p.addPosition({ marketId: "a", side: "yes", size: 10, entryPrice: 0.4 });
    expect(p.positions()[0]!.currentPrice).toBe(0.4);
    p.addPosition({ marketId: "a", side: "NO" as "no", size: 5, entryPrice: 0.6, currentPrice: 0.7 });
    expect(p.positions()).toHaveLength(1);
    expect(p.positions()[0]).toMatchObject({ side: "no", size: 5, currentPrice: 0.7 });
    expect(p.priceHistory("a")).toEqual([0.7]);
  });

  it("updatePrice records observations; removePosition removes", () => {
    const p = sample();
    p.updatePrice("fed-cut", 0.6);
    p.updatePrice("fed-cut", 0.58);
    expect(p.priceHistory("fed-cut")).toEqual([0.52, 0.6, 0.58]);
    expect(p.positions()[0]!.currentPrice).toBe(0.58);
    p.removePosition("btc-100k");
    expect(p.marketIds()).toEqual(["fed-cut", "recession"]);
  });

  it("summary() is a readable table", () => {
    const s = sample().summary();
    expect(s).toContain('Portfolio "main"');
    expect(s).toMatch(/fed-cut\s+yes\s+400\.00\s+0\.4500\s+0\.5200/);
    expect(s).toContain("HHI");
  });

  it("zero positions: finite zeros everywhere", async () => {
    const p = new Portfolio({ capital: 100 });
    expect(p.totalValue()).toBe(0);
    expect(p.pnl()).toBe(0);
    expect(p.pnlPct()).toBe(0);
    expect(p.weights()).toEqual({});
    expect(await p.optimizeEqualWeight()).toEqual({});
    expect(await p.optimizeRiskParity()).toEqual({});
    expect(await p.optimizeMinVariance()).toEqual({});
    expect(await p.optimizeKelly({ probs: {} })).toEqual({});
    expect(p.rebalanceOrders({})).toEqual([]);
  });
});

describe("rebalancing", () => {
  it("sizeDelta = |Δw| × capital / price with buy/sell and weights", () => {
    const p = sample();
    const orders = p.rebalanceOrders({ "fed-cut": 0.05, recession: 0.05 });
    const byId = Object.fromEntries(orders.map((o) => [o.marketId, o]));
    expect(byId["fed-cut"]!.action).toBe("buy");
    expect(byId["fed-cut"]!.sizeDelta).toBeCloseTo(((0.05 - 0.0208) * 10_000) / 0.52, 9);
    expect(byId["recession"]!.action).toBe("sell");
    expect(byId["recession"]!.sizeDelta).toBeCloseTo(((0.065 - 0.05) * 10_000) / 0.65, 9);
    expect(byId["recession"]!.side).toBe("no");
    // absent from the target → sold out
    expect(byId["btc-100k"]).toMatchObject({ action: "sell", targetWeight: 0 });
    expect(byId["btc-100k"]!.currentWeight).toBeCloseTo(0.009, 15);
    expect(byId["btc-100k"]!.sizeDelta).toBeCloseTo(250, 9);
  });

  it("threshold omits small moves; needsRebalance agrees", () => {
    const p = sample();
    const w = p.weights();
    const target = { ...w, "fed-cut": w["fed-cut"]! + 0.001 };
    expect(p.rebalanceOrders(target, { threshold: 0.002 })).toEqual([]);
    expect(p.rebalanceOrders(target)).toHaveLength(1);
    expect(p.needsRebalance(target, 0.002)).toBe(false);
    expect(p.needsRebalance(target, 0.0005)).toBe(true);
    expect(p.needsRebalance(w)).toBe(false);
  });

  it("a target market not held needs a price", () => {
    const p = sample();
    rejects(p, () => p.rebalanceOrders({ newmkt: 0.1 }), "UNKNOWN_MARKET", /newmkt/);
    const o = p.rebalanceOrders({ newmkt: 0.1 }, { prices: { newmkt: 0.25 } }).find((x) => x.marketId === "newmkt")!;
    expect(o).toMatchObject({ action: "buy", side: "yes", currentWeight: 0, targetWeight: 0.1, price: 0.25 });
    expect(o.sizeDelta).toBeCloseTo(4000, 9);
  });

  it("rejects negative or non-finite target weights", () => {
    const p = sample();
    rejects(p, () => p.rebalanceOrders({ "fed-cut": -0.1 }), "INVALID_ARGUMENT", /fed-cut/);
    rejects(p, () => p.rebalanceOrders({ "fed-cut": Number.NaN }), "INVALID_ARGUMENT");
    rejects(p, () => p.needsRebalance({ "fed-cut": Infinity }, 0), "INVALID_ARGUMENT");
  });
});

describe("Kelly", () => {
  it("pins the closed form for YES and NO", async () => {
    const p = new Portfolio({ capital: 1000 });
    p.addPosition({ marketId: "a", side: "yes", size: 1, entryPrice: 0.5, currentPrice: 0.5 });
    p.addPosition({ marketId: "b", side: "yes", size: 1, entryPrice: 0.5, currentPrice: 0.5 });
    p.addPosition({ marketId: "c", side: "yes", size: 1, entryPrice: 0.5, currentPrice: 0.5 });
    p.addPosition({ marketId: "d", side: "no", size: 1, entryPrice: 0.4, currentPrice: 0.4 });
    const w = await p.optimizeKelly({ probs: { a: 0.7, b: 0.55, c: 0.5, d: 0.3 }, maxTotal: 10 });
    expect(w.a).toBeCloseTo(0.4, 14);
    expect(w.b).toBeCloseTo(0.1, 14);
    expect(w.c).toBe(0);
    // NO at Pn = 0.4 with YES probability 0.3: ((1 − 0.3) − 0.4)/(1 − 0.4) = 0.5
    expect(w.d).toBeCloseTo(0.5, 14);
  });

  it("scales to maxTotal, applies fraction, gives 0 to markets absent from probs", async () => {
    const p = new Portfolio();
    p.addPosition({ marketId: "a", side: "yes", size: 1, entryPrice: 0.5, currentPrice: 0.5 });
    p.addPosition({ marketId: "b", side: "yes", size: 1, entryPrice: 0.5, currentPrice: 0.5 });
    p.addPosition({ marketId: "z", side: "yes", size: 1, entryPrice: 0.5, currentPrice: 0.5 });
    const w = await p.optimizeKelly({ probs: { a: 0.9, b: 0.8 }, maxTotal: 0.5 });
    // raw 0.8 and 0.6 → scaled to sum 0.5
    expect(w.a).toBeCloseTo((0.8 / 1.4) * 0.5, 14);
    expect(w.b).toBeCloseTo((0.6 / 1.4) * 0.5, 14);
    expect(w.z).toBe(0);
    const half = await p.optimizeKelly({ probs: { a: 0.7 }, fraction: 0.5 });
    expect(half.a).toBeCloseTo(0.2, 14);
  });

  it("validates probs, maxTotal and fraction", async () => {
    const p = sample();
    await rejectsAsync(p, () => p.optimizeKelly(undefined as never), "INVALID_ARGUMENT", /probs/);
    await rejectsAsync(p, () => p.optimizeKelly({} as never), "INVALID_ARGUMENT", /probs/);
    await rejectsAsync(p, () => p.optimizeKelly({ probs: { nope: 0.5 } }), "UNKNOWN_MARKET", /nope/);
    await rejectsAsync(p, () => p.optimizeKelly({ probs: { "fed-cut": 1.5 } }), "INVALID_PROBABILITY", /fed-cut/);
    await rejectsAsync(p, () => p.optimizeKelly({ probs: { "fed-cut": Number.NaN } }), "INVALID_PROBABILITY");
    await rejectsAsync(p, () => p.optimizeKelly({ probs: { "fed-cut": 0.6 }, maxTotal: 0 }), "INVALID_ARGUMENT", /maxTotal/);
    await rejectsAsync(p, () => p.optimizeKelly({ probs: { "fed-cut": 0.6 }, fraction: -1 }), "INVALID_ARGUMENT", /fraction/);
    await rejectsAsync(p, () => p.optimizeKelly({ probs: { "fed-cut": 0.6 }, maxTotal: 1e7, method: "joint" }), "INVALID_ARGUMENT", /maxTotal/);
    await rejectsAsync(p, () => p.optimizeKelly({ probs: { "fed-cut": 0.6 }, fraction: 1e300 }), "INVALID_ARGUMENT", /fraction/);
  });
});

describe("bad input leaves the portfolio unchanged", () => {
  const good: PositionInput = { marketId: "m", side: "yes", size: 1, entryPrice: 0.5, currentPrice: 0.5 };
  const cases: Array<[string, Partial<PositionInput> | Record<string, unknown>, string, RegExp?]> = [
    ["NaN price", { currentPrice: Number.NaN }, "INVALID_PRICE", /currentPrice/],
    ["price > 1", { entryPrice: 1.2 }, "INVALID_PRICE", /entryPrice/],
    ["price < 0", { currentPrice: -0.1 }, "INVALID_PRICE"],
    ["∞ size", { size: Infinity }, "INVALID_SIZE", /size/],
    ["negative size", { size: -1 }, "INVALID_SIZE", /"m"/],
    ["string size", { size: "10" }, "INVALID_SIZE"],
    ["unknown side", { side: "maybe" }, "INVALID_ARGUMENT", /side/],
    ["empty id", { marketId: "" }, "INVALID_ARGUMENT", /marketId/],
    ["non-string id", { marketId: 42 }, "INVALID_ARGUMENT", /marketId/],
  ];
  for (const [name, patch, code, msg] of cases) {
    it(`addPosition: ${name}`, () => {
      const p = sample();
      rejects(p, () => p.addPosition({ ...good, ...patch } as PositionInput), code, msg);
    });
  }

  it("updatePrice / removePosition on unknown markets and bad prices", () => {
    const p = sample();
    rejects(p, () => p.updatePrice("nope", 0.5), "UNKNOWN_MARKET", /nope/);
    rejects(p, () => p.updatePrice("fed-cut", 2), "INVALID_PRICE", /fed-cut/);
    rejects(p, () => p.updatePrice("fed-cut", Number.POSITIVE_INFINITY), "INVALID_PRICE");
    rejects(p, () => p.removePosition("nope"), "UNKNOWN_MARKET");
  });

  it("capital must be > 0", () => {
    for (const capital of [0, -5, Number.NaN, Infinity]) {
      expect(() => new Portfolio({ capital })).toThrowError(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    }
  });

  it("histories: wrong width, ragged, too short, NaN, missing market", async () => {
    const p = sample();
    await rejectsAsync(p, () => p.optimizeRiskParity([[0.1, 0.2], [0.1, 0.2]]), "INVALID_HISTORY", /expected 3/);
    await rejectsAsync(p, () => p.optimizeMinVariance([[0.1, 0.2, 0.3], [0.1, 0.2]]), "INVALID_HISTORY", /row 1/);
    await rejectsAsync(p, () => p.optimizeMinVariance([[0.1, 0.2, 0.3]]), "INVALID_HISTORY", /at least 2 rows/);
    await rejectsAsync(p, () => p.ledoitWolf([[0.1, 0.2, 0.3], [0.1, Number.NaN, 0.3]]), "INVALID_HISTORY", /recession/);
    await rejectsAsync(p, () => p.optimizeRiskParity({ "fed-cut": [1, 2], recession: [1, 2] }), "INVALID_HISTORY", /btc-100k/);
    await rejectsAsync(p, () => p.optimizeRiskParity({ "fed-cut": [1, 2], recession: [1, 2], "btc-100k": [1] }), "INVALID_HISTORY", /ragged/);
    await rejectsAsync(p, () => p.optimizeRiskParity(undefined, { method: "magic" as "erc" }), "INVALID_ARGUMENT", /method/);
  });
});

describe("histories", () => {
  it("recorded prices form the history once every market has ≥ 3 observations", async () => {
    const p = new Portfolio();
    p.addPosition({ marketId: "a", side: "yes", size: 10, entryPrice: 0.5, currentPrice: 0.5 });
    p.addPosition({ marketId: "b", side: "no", size: 10, entryPrice: 0.5, currentPrice: 0.5 });
    expect(p.recordedReturns()).toBeNull();
    expect(await p.optimizeRiskParity()).toEqual({ a: 0.5, b: 0.5 });
    for (const [a, b] of [[0.52, 0.49], [0.55, 0.47], [0.5, 0.5], [0.6, 0.44]]) {
      p.updatePrice("a", a!);
      p.updatePrice("b", b!);
    }
    p.updatePrice("a", 0.61); // a has one more observation: the last m = 5 of each are used
    const r = p.recordedReturns()!;
    expect(r).toHaveLength(4);
    expect(r[3]![0]).toBeCloseTo(0.01, 14);
    expect(r[0]![1]).toBeCloseTo(-0.01, 14);
    // an explicit history wins, and the recorded one equals passing it explicitly
    expect(await p.optimizeMinVariance()).toEqual(await p.optimizeMinVariance(r));
    expect(await p.optimizeRiskParity()).toEqual(await p.optimizeRiskParity(r));
  });

  it("record form equals row form", async () => {
    const p = sample();
    const rows = [
      [0.01, -0.02, 0.03],
      [0.02, 0.01, -0.01],
      [-0.01, 0.0, 0.02],
      [0.0, 0.02, 0.01],
    ];
    const rec = { "fed-cut": rows.map((r) => r[0]!), recession: rows.map((r) => r[1]!), "btc-100k": rows.map((r) => r[2]!), other: [1] };
    expect(await p.ledoitWolf(rec)).toEqual(await p.ledoitWolf(rows));
  });
});

describe("replacing a position", () => {
  it("same side keeps the price record, the other side restarts it", () => {
    const p = new Portfolio();
    p.addPosition({ marketId: "a", side: "yes", size: 10, entryPrice: 0.4, currentPrice: 0.4 });
    p.updatePrice("a", 0.45);
    p.addPosition({ marketId: "a", side: "yes", size: 20, entryPrice: 0.42, currentPrice: 0.45 });
    expect(p.priceHistory("a")).toEqual([0.4, 0.45]);
    p.addPosition({ marketId: "a", side: "yes", size: 20, entryPrice: 0.42, currentPrice: 0.5 });
    expect(p.priceHistory("a")).toEqual([0.4, 0.45, 0.5]);
    p.addPosition({ marketId: "a", side: "no", size: 20, entryPrice: 0.5, currentPrice: 0.5 });
    expect(p.priceHistory("a")).toEqual([0.5]);
  });
});

describe("setCapital", () => {
  it("changes what weights are measured against, validates, and can be cleared", () => {
    const p = sample();
    p.setCapital(5_000);
    expect(p.weights()["fed-cut"]).toBeCloseTo(208 / 5_000, 15);
    rejects(p, () => p.setCapital(-1), "INVALID_ARGUMENT", /capital/);
    p.setCapital(undefined);
    expect(p.capital).toBeCloseTo(p.totalValue(), 12);
  });
});
