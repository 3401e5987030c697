// Trading costs, quotes, settlement and risk controls of the Engine, and fees in Kelly and
// rebalancing — each rule against a hand-computed reference, plus a reconciliation property.
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  Engine,
  FeeModel,
  HzError,
  Portfolio,
  RiskConfig,
  ceilToCent,
  parsePriceCsv,
  shutdown,
  type EngineJSON,
} from "../dist/index.js";
import { badInput, filled, order, rejected } from "./engine-helpers.js";

fc.configureGlobal({ seed: Number(process.env.HZ_FC_SEED ?? 20261129) });
afterAll(() => shutdown());

const T0 = Date.parse("2025-03-03T10:00:00Z");
const SEC = 1000;
const HOUR = 3_600_000;
const fill = { marketId: "m", side: "yes" as const, action: "buy" as const };

describe("fee models (hand-computed)", () => {
  it("Kalshi: ⌈rate·C·P·(1 − P)⌉ to the cent — taker 100 @ 0.50 → 1.75, maker → 0.44", () => {
    expect(FeeModel.kalshi().fee({ ...fill, size: 100, price: 0.5 })).toBe(1.75);
    expect(FeeModel.kalshi({ maker: true }).fee({ ...fill, size: 100, price: 0.5 })).toBe(0.44);
    // rounding up: 1 contract at 0.50 is 0.0175 → 0.02; 10 at 0.30 is 0.147 → 0.15; exact cents stay
    expect(FeeModel.kalshi().fee({ ...fill, size: 1, price: 0.5 })).toBe(0.02);
    expect(FeeModel.kalshi().fee({ ...fill, size: 10, price: 0.3 })).toBe(0.15);
    expect(FeeModel.kalshi().fee({ ...fill, size: 200, price: 0.5 })).toBe(3.5);
    expect(FeeModel.kalshi({ multiplier: 0.5 }).fee({ ...fill, size: 100, price: 0.5 })).toBe(0.88); // 0.875 → 0.88
    expect(FeeModel.kalshi().fee({ ...fill, size: 100, price: 1 })).toBe(0);
    expect(ceilToCent(1.7500000000000002)).toBe(1.75);
    expect(ceilToCent(1.7500001)).toBe(1.76);
  });

  it("Polymarket rate·C·P·(1 − P), bps/10⁴·C·P, none, custom", () => {
    expect(FeeModel.polymarket({ rate: 0.07 }).fee({ ...fill, size: 100, price: 0.4 })).toBeCloseTo(0.07 * 100 * 0.4 * 0.6, 14);
    expect(FeeModel.bps(25).fee({ ...fill, size: 100, price: 0.4 })).toBeCloseTo(0.0025 * 40, 14);
    expect(FeeModel.none().fee({ ...fill, size: 100, price: 0.4 })).toBe(0);
    const seen: unknown[] = [];
    const c = FeeModel.custom((f) => (seen.push(f), 0.01 * f.size));
    expect(c.fee({ ...fill, size: 7, price: 0.3 })).toBeCloseTo(0.07, 14);
    expect(seen[0]).toEqual({ ...fill, size: 7, price: 0.3 });
  });

  it("bad fee input is an HzError", () => {
    expect(() => FeeModel.bps(-1)).toThrow(HzError);
    expect(() => FeeModel.polymarket({ rate: NaN })).toThrow(HzError);
    expect(() => FeeModel.kalshi({ multiplier: -2 })).toThrow(HzError);
    expect(() => FeeModel.custom(() => -1).fee({ ...fill, size: 1, price: 0.5 })).toThrow(/finite number ≥ 0/);
    expect(() => FeeModel.custom(() => {
      throw new Error("boom");
    }).fee({ ...fill, size: 1, price: 0.5 })).toThrow(HzError);
    expect(() => FeeModel.from(42 as never)).toThrow(HzError);
  });
});

describe("Kelly and rebalancing with fees", () => {
  it("q = 0.55, a = 0.45, Polymarket 0.07 → f = 0.155207… (0.181818… without fees)", async () => {
    const p = new Portfolio({ runtime: "inline", capital: 1000 });
    p.addPosition({ marketId: "m", side: "yes", size: 10, entryPrice: 0.45 });
    const without = await p.optimizeKelly({ probs: { m: 0.55 } });
    const withFees = await p.optimizeKelly({ probs: { m: 0.55 }, fees: FeeModel.polymarket({ rate: 0.07 }) });
    expect(without.m).toBeCloseTo(0.1 / 0.55, 12);
    const a1 = 0.45 + 0.07 * 0.45 * 0.55;
    expect(withFees.m).toBeCloseTo((0.55 - a1) / (1 - a1), 12);
    expect(withFees.m).toBeCloseTo(0.155207, 6);
    // a NO holding sizes on its own (NO) price: a = 0.45 NO, YES prob 0.45 → NO prob 0.55
    const n = new Portfolio({ runtime: "inline" });
    n.addPosition({ marketId: "m", side: "no", size: 10, entryPrice: 0.45 });
    expect((await n.optimizeKelly({ probs: { m: 0.45 }, fees: FeeModel.polymarket({ rate: 0.07 }) })).m).toBeCloseTo(withFees.m!, 12);
    // the joint method uses the same effective price: one market is the closed form
    const j = await p.optimizeKelly({ probs: { m: 0.55 }, fees: FeeModel.polymarket({ rate: 0.07 }), method: "joint" });
    expect(j.m).toBeCloseTo(withFees.m!, 6);
  });

  it("rebalanceOrders(target, { fees }) adds estimatedFee", () => {
    const p = new Portfolio({ runtime: "inline", capital: 100 });
    p.addPosition({ marketId: "m", side: "yes", size: 100, entryPrice: 0.5 });
    const [o] = p.rebalanceOrders({ m: 0 }, { fees: FeeModel.kalshi() });
    expect(o).toMatchObject({ action: "sell", sizeDelta: 100, price: 0.5, estimatedFee: 1.75 });
    expect(p.rebalanceOrders({ m: 0 })[0]!.estimatedFee).toBeUndefined();
  });
});

describe("quotes", () => {
  it("fills: buy YES at the ask, sell YES at the bid, buy NO at 1 − bid, sell NO at 1 − ask", async () => {
    const e = new Engine();
    e.pushQuote("m", { bid: 0.41, ask: 0.44 }, T0);
    expect(e.quote("m")).toEqual({ bid: 0.41, ask: 0.44, mid: 0.425 });
    expect(filled(await e.submitOrder(order("m", "yes", "buy", 10))).price).toBe(0.44);
    expect(filled(await e.submitOrder(order("m", "yes", "sell", 10))).price).toBe(0.41);
    expect(filled(await e.submitOrder(order("m", "no", "buy", 10))).price).toBe(0.59);
    expect(filled(await e.submitOrder(order("m", "no", "sell", 10))).price).toBe(0.56);
    // pushPrice is a quote with bid = ask
    e.pushPrice("m", 0.5, T0 + 1);
    expect(e.quote("m")).toEqual({ bid: 0.5, ask: 0.5, mid: 0.5 });
  });

  it("limitPrice applies to the fill price", async () => {
    const e = new Engine();
    e.pushQuote("m", { bid: 0.4, ask: 0.45 }, T0);
    expect(rejected(await e.submitOrder(order("m", "yes", "buy", 1, { limitPrice: 0.44 }))).reason).toBe("limitPrice");
    expect(filled(await e.submitOrder(order("m", "yes", "buy", 1, { limitPrice: 0.45 }))).price).toBe(0.45);
    e.pushQuote("n", { bid: 0.4, ask: 0.45 }, T0);
    expect(rejected(await e.submitOrder(order("n", "no", "buy", 1, { limitPrice: 0.59 }))).reason).toBe("limitPrice"); // fills at 0.6
    expect(filled(await e.submitOrder(order("n", "no", "buy", 1, { limitPrice: 0.6 }))).price).toBe(0.6);
  });

  it("marking: mid by default, bid = liquidation value (YES at bid, NO at 1 − ask)", async () => {
    for (const mark of ["mid", "bid"] as const) {
      const e = new Engine({ mark });
      e.pushQuote("y", { bid: 0.4, ask: 0.5 }, T0);
      e.pushQuote("n", { bid: 0.2, ask: 0.3 }, T0);
      await e.submitOrder(order("y", "yes", "buy", 10)); // at 0.5
      await e.submitOrder(order("n", "no", "buy", 10)); // at 0.8
      const yMark = mark === "mid" ? 0.45 : 0.4;
      const nMark = mark === "mid" ? 0.75 : 0.7;
      expect(e.price("y")).toBe(yMark);
      expect(e.position("y")!.currentPrice).toBe(yMark);
      expect(e.position("n")!.currentPrice).toBe(nMark);
      expect(e.positionsValue()).toBeCloseTo(10 * yMark + 10 * nMark, 12);
      expect(e.equity()).toBeCloseTo(-5 - 8 + 10 * yMark + 10 * nMark, 12);
      expect(e.priceHistory("y")).toEqual([yMark]);
      const p = Portfolio.fromEngine(e, { runtime: "inline" });
      expect(p.positions().map((x) => x.currentPrice)).toEqual([yMark, nMark]);
      const stop = p.follow(e);
      e.pushQuote("n", { bid: 0.1, ask: 0.2 }, T0 + 1);
      expect(p.positions()[1]!.currentPrice).toBe(mark === "mid" ? 0.85 : 0.8);
      stop();
    }
  });

  it("bad quotes are HzErrors and change nothing (bid > ask, outside [0, 1])", async () => {
    const e = new Engine();
    e.pushQuote("m", { bid: 0.4, ask: 0.5 }, T0);
    await badInput(e, () => e.pushQuote("m", { bid: 0.6, ask: 0.5 }, T0 + 1), "INVALID_ARGUMENT");
    await badInput(e, () => e.pushQuote("m", { bid: -0.1, ask: 0.5 }, T0 + 1), "INVALID_PRICE");
    await badInput(e, () => e.pushQuote("m", { bid: 0.1, ask: 1.5 }, T0 + 1), "INVALID_PRICE");
    await badInput(e, () => e.pushQuote("m", null as never, T0 + 1), "INVALID_ARGUMENT");
  });

  it("replays and CSV accept optional bid/ask columns", async () => {
    const rows = parsePriceCsv("timestamp,market_id,yes_price,bid,ask\n2025-01-01T00:00:00Z,a,0.5,,\n2025-01-01T00:00:00Z,b,,0.3,0.34\n");
    expect(rows).toEqual([
      { timestamp: Date.parse("2025-01-01T00:00:00Z"), marketId: "a", yesPrice: 0.5 },
      { timestamp: Date.parse("2025-01-01T00:00:00Z"), marketId: "b", yesPrice: 0.32, bid: 0.3, ask: 0.34 },
    ]);
    const e = new Engine();
    await e.replay(rows);
    expect(e.quote("b")).toEqual({ bid: 0.3, ask: 0.34, mid: 0.32 });
    expect(e.quote("a")).toEqual({ bid: 0.5, ask: 0.5, mid: 0.5 });
    expect(() => parsePriceCsv("timestamp,market_id,bid,ask\n1,a,0.5,0.4\n")).toThrow(/bid 0.5 is above ask 0.4/);
  });
});

describe("fees in the engine", () => {
  it("every fill reports its fee; cash pays it; realised P&L is net; feesPaid per position and in total", async () => {
    const e = new Engine({ capital: 1000, fees: FeeModel.kalshi() });
    e.pushPrice("m", 0.5, T0);
    const b = filled(await e.submitOrder(order("m", "yes", "buy", 100)));
    expect(b.fee).toBe(1.75);
    expect(b.realizedPnl).toBe(-1.75);
    expect(e.cash()).toBeCloseTo(1000 - 50 - 1.75, 12);
    e.pushPrice("m", 0.6, T0 + HOUR);
    const s = filled(await e.submitOrder(order("m", "yes", "sell", 100)));
    expect(s.fee).toBe(1.68); // 0.07·100·0.6·0.4 = 1.68
    expect(s.realizedPnl).toBeCloseTo(10 - 1.68, 12);
    expect(e.cash()).toBeCloseTo(1000 - 50 - 1.75 + 60 - 1.68, 12);
    expect(e.realizedPnl()).toBeCloseTo(10 - 1.75 - 1.68, 12);
    expect(e.feesPaid()).toBeCloseTo(3.43, 12);
    expect(s.position.feesPaid).toBeCloseTo(3.43, 12);
  });

  it("setFees overrides per market; insufficientCash includes the fee (exactly enough is accepted)", async () => {
    const e = new Engine({ capital: 51.75, fees: FeeModel.none() });
    e.pushPrice("m", 0.5, T0);
    e.pushPrice("free", 0.5, T0);
    e.setFees("m", FeeModel.kalshi());
    expect(e.feeModel("m").kind).toBe("kalshi");
    expect(e.feeModel("free").kind).toBe("none");
    const r = rejected(await e.submitOrder(order("m", "yes", "buy", 101))); // 50.5 + 1.77
    expect(r.reason).toBe("insufficientCash");
    expect(r.attempted).toBeCloseTo(50.5 + 1.77, 12);
    expect(filled(await e.submitOrder(order("m", "yes", "buy", 100))).fee).toBe(1.75); // 50 + 1.75 = all the cash
    expect(e.cash()).toBe(0);
  });

  it("allowPartial with fees fills the largest size whose cost plus fee fits", async () => {
    const e = new Engine({ capital: 10, fees: FeeModel.polymarket({ rate: 0.1 }) });
    e.pushPrice("m", 0.5, T0);
    const f = filled(await e.submitOrder(order("m", "yes", "buy", 100, { allowPartial: true })));
    // s·0.5 + 0.1·s·0.25 = 10 → s = 10 / 0.525
    // (within LIMIT_TOLERANCE: a fill landing on the cash limit is accepted)
    expect(Math.abs(f.size - 10 / 0.525)).toBeLessThan(1e-9 * (10 / 0.525));
    expect(f.partial).toBe(true);
    expect(e.cash()).toBeGreaterThanOrEqual(0);
  });

  it("a custom fee function that throws rejects the order with an HzError and changes nothing", async () => {
    const e = new Engine({ fees: () => {
      throw new Error("fee service down");
    } });
    e.pushPrice("m", 0.5, T0);
    await badInput(e, () => e.submitOrder(order("m", "yes", "buy", 1)), "INVALID_ARGUMENT");
  });
});

describe("settlement", () => {
  it("the winning side pays 1, the other 0; realised P&L = payout − cost basis; the market closes", async () => {
    const e = new Engine({ capital: 1000 });
    e.pushPrice("w", 0.3, T0);
    e.pushPrice("l", 0.3, T0);
    await e.submitOrder(order("w", "yes", "buy", 100)); // cost 30
    await e.submitOrder(order("l", "no", "buy", 50)); // NO at 0.7: cost 35
    const events: unknown[] = [];
    e.on("settle", (s) => events.push(s));
    const [sw] = await e.settle("w", "yes", T0 + HOUR);
    expect(sw).toMatchObject({ marketId: "w", outcome: "yes", payout: 100, realizedPnl: 70, cash: 1000 - 65 + 100 });
    const [sl] = await e.settle("l", "yes", T0 + HOUR);
    expect(sl).toMatchObject({ marketId: "l", outcome: "yes", payout: 0, realizedPnl: -35 });
    expect(events).toHaveLength(2);
    expect(e.positions()).toEqual([]);
    expect(e.realizedPnl()).toBeCloseTo(35, 12);
    expect(e.cash()).toBeCloseTo(1035, 12);
    expect(e.price("w")).toBe(1);
    expect(e.price("l")).toBe(1);
    expect(e.isSettled("w")).toBe(true);
    expect(rejected(await e.submitOrder(order("w", "yes", "sell", 1))).reason).toBe("marketClosed");
    await badInput(e, () => e.pushPrice("w", 0.5, T0 + 2 * HOUR), "INVALID_STATE");
  });

  it("settling an event's outcome YES settles the event's other markets NO (cascade), each with its settle event", async () => {
    const e = new Engine({ capital: 1000 });
    e.defineEvent("senate", { markets: ["dem", "rep", "ind"], exhaustive: true });
    e.pushPrice("dem", 0.45, T0);
    e.pushPrice("rep", 0.5, T0);
    // "ind" has no price yet: it is settled NO all the same
    await e.submitOrder(order("dem", "yes", "buy", 100)); // 45
    await e.submitOrder(order("rep", "no", "buy", 100)); // NO at 0.5: 50
    const seen: string[] = [];
    e.on("settle", (x) => seen.push(`${x.marketId}:${x.outcome}`));
    const out = await e.settle("dem", "yes", T0 + HOUR);
    expect(out.map((x) => [x.marketId, x.outcome, x.payout])).toEqual([["dem", "yes", 100], ["rep", "no", 100], ["ind", "no", 0]]);
    expect(seen).toEqual(["dem:yes", "rep:no", "ind:no"]);
    expect(e.realizedPnl()).toBeCloseTo(55 + 50, 12);
    expect(e.cash()).toBeCloseTo(1000 - 95 + 200, 12);
    for (const m of ["dem", "rep", "ind"]) expect(e.isSettled(m)).toBe(true);
    expect(e.price("rep")).toBe(0);
    // settling an outcome NO settles only that market
    const f = new Engine();
    f.defineEvent("ev", { markets: ["a", "b"] });
    f.pushPrice("a", 0.3, T0);
    f.pushPrice("b", 0.6, T0);
    expect((await f.settle("a", "no")).map((x) => x.marketId)).toEqual(["a"]);
    expect(f.isSettled("b")).toBe(false);
    // saved and restored
    expect(JSON.stringify(Engine.fromJSON(JSON.stringify(e)))).toBe(JSON.stringify(e));
  });

  it("bad settlements are HzErrors and change nothing (twice, unknown outcome, unknown market, before the last tick)", async () => {
    const e = new Engine();
    e.pushPrice("m", 0.5, T0);
    e.pushPrice("x", 0.5, T0);
    await e.settle("x", "no", T0);
    await badInput(e, () => e.settle("x", "yes"), "INVALID_STATE");
    await badInput(e, () => e.settle("m", "maybe" as never), "INVALID_ARGUMENT");
    await badInput(e, () => e.settle("ghost", "yes"), "UNKNOWN_MARKET");
    await badInput(e, () => e.settle("m", "yes", T0 - 1), "INVALID_ARGUMENT");
  });

  it("follow() removes settled positions from the Portfolio", async () => {
    const e = new Engine();
    e.pushPrice("a", 0.4, T0);
    e.pushPrice("b", 0.4, T0);
    await e.submitOrder(order("a", "yes", "buy", 10));
    await e.submitOrder(order("b", "yes", "buy", 10));
    const p = Portfolio.fromEngine(e, { runtime: "inline" });
    const stop = p.follow(e);
    await e.settle("a", "no");
    expect(p.marketIds()).toEqual(["b"]);
    stop();
  });
});

describe("risk controls", () => {
  it("maxPortfolioNotional is maxTotalExposure under Horizon's name", async () => {
    const r = new RiskConfig({ maxPositionPerMarket: 1e6, maxPortfolioNotional: 50 });
    expect(r.maxTotalExposure).toBe(50);
    expect(r.maxPortfolioNotional).toBe(50);
    expect(() => new RiskConfig({ maxPositionPerMarket: 1, maxPortfolioNotional: 5, maxTotalExposure: 6 })).toThrow(HzError);
    const e = new Engine({ riskConfig: r });
    e.pushPrice("m", 0.5, T0);
    expect(filled(await e.submitOrder(order("m", "yes", "buy", 100))).size).toBe(100); // exactly 50
    expect(rejected(await e.submitOrder(order("m", "yes", "buy", 0.01))).reason).toBe("maxTotalExposure");
  });

  it("priceMin / priceMax bound the fill price (boundaries accepted)", async () => {
    const e = new Engine({ riskConfig: { maxPositionPerMarket: 1e6, priceMin: 0.05, priceMax: 0.95 } });
    e.pushQuote("m", { bid: 0.04, ask: 0.05 }, T0);
    expect(filled(await e.submitOrder(order("m", "yes", "buy", 1))).price).toBe(0.05);
    const r = rejected(await e.submitOrder(order("m", "yes", "sell", 1))); // at the bid 0.04
    expect(r).toMatchObject({ reason: "priceBand", limit: 0.05, attempted: 0.04 });
    expect(rejected(await e.submitOrder(order("m", "no", "buy", 1))).reason).toBe("priceBand"); // NO at 0.96
    expect(() => new RiskConfig({ maxPositionPerMarket: 1, priceMin: 0.6, priceMax: 0.5 })).toThrow(HzError);
  });

  it("dedupWindowMs rejects an identical order filled less than the window ago (engine clock)", async () => {
    const e = new Engine({ riskConfig: { maxPositionPerMarket: 1e6, dedupWindowMs: 1000 } });
    e.pushPrice("m", 0.5, T0);
    filled(await e.submitOrder(order("m", "yes", "buy", 5)));
    expect(rejected(await e.submitOrder(order("m", "yes", "buy", 5))).reason).toBe("duplicate");
    filled(await e.submitOrder(order("m", "yes", "buy", 6))); // another size is another order
    filled(await e.submitOrder(order("m", "yes", "buy", 5, { limitPrice: 0.6 }))); // another limit too
    e.pushPrice("m", 0.5, T0 + 999);
    expect(rejected(await e.submitOrder(order("m", "yes", "buy", 5))).reason).toBe("duplicate");
    e.pushPrice("m", 0.5, T0 + 1000);
    filled(await e.submitOrder(order("m", "yes", "buy", 5)));
  });

  it("rateLimitSustained / rateLimitBurst: a token bucket on the engine clock", async () => {
    const e = new Engine({ riskConfig: { maxPositionPerMarket: 1e6, rateLimitSustained: 2, rateLimitBurst: 3 } });
    e.pushPrice("m", 0.5, T0);
    for (let i = 0; i < 3; i++) filled(await e.submitOrder(order("m", "yes", "buy", 1)));
    expect(rejected(await e.submitOrder(order("m", "yes", "buy", 1))).reason).toBe("rateLimit");
    e.pushPrice("m", 0.5, T0 + 499); // 0.998 tokens
    expect(rejected(await e.submitOrder(order("m", "yes", "buy", 1))).reason).toBe("rateLimit");
    e.pushPrice("m", 0.5, T0 + 500); // one token
    filled(await e.submitOrder(order("m", "yes", "buy", 1)));
    e.pushPrice("m", 0.5, T0 + 60 * SEC); // refilled to the burst, not beyond
    for (let i = 0; i < 3; i++) filled(await e.submitOrder(order("m", "yes", "buy", 1)));
    expect(rejected(await e.submitOrder(order("m", "yes", "buy", 1))).reason).toBe("rateLimit");
    // a rejected order (here: selling more than held) still uses a token
    e.pushPrice("m", 0.5, T0 + 120 * SEC);
    for (let i = 0; i < 3; i++) expect(rejected(await e.submitOrder(order("m", "no", "sell", 1))).reason).toBe("insufficientPosition");
    expect(rejected(await e.submitOrder(order("m", "yes", "buy", 1))).reason).toBe("rateLimit");
  });

  it("kill switch: buys rejected, sells pass; status() reports it", async () => {
    const e = new Engine({ capital: 100 });
    e.pushPrice("m", 0.5, T0);
    await e.submitOrder(order("m", "yes", "buy", 10));
    e.activateKillSwitch("manual stop");
    expect(rejected(await e.submitOrder(order("m", "yes", "buy", 1))).reason).toBe("killSwitch");
    expect(rejected(await e.submitOrder(order("m", "no", "buy", 1))).reason).toBe("killSwitch");
    filled(await e.submitOrder(order("m", "yes", "sell", 5)));
    expect(e.status()).toMatchObject({ killSwitchActive: true, killSwitchReason: "manual stop", openPositions: 1, cash: 97.5, equity: 100, feesPaid: 0 });
    e.deactivateKillSwitch();
    filled(await e.submitOrder(order("m", "yes", "buy", 1)));
    expect(() => e.activateKillSwitch("")).toThrow(HzError);
  });

  it("maxDailyDrawdownPct activates the kill switch when equity falls more than the limit since 00:00 UTC", async () => {
    const day = Date.parse("2025-03-03T00:00:00Z");
    const e = new Engine({ capital: 1000, riskConfig: { maxPositionPerMarket: 1e6, maxDailyDrawdownPct: 5 } });
    e.pushPrice("m", 0.5, day + HOUR); // day start equity: 1000
    await e.submitOrder(order("m", "yes", "buy", 1000)); // all in at 0.5
    e.pushPrice("m", 0.45, day + 2 * HOUR); // equity 950: −5.0 %, exactly the limit
    expect(e.status().killSwitchActive).toBe(false);
    expect(e.status().dailyPnl).toBeCloseTo(-50, 9);
    e.pushPrice("m", 0.449, day + 3 * HOUR); // −5.1 %
    expect(e.status().killSwitchActive).toBe(true);
    expect(e.status().killSwitchReason).toMatch(/maxDailyDrawdownPct/);
    expect(rejected(await e.submitOrder(order("m", "yes", "buy", 1))).reason).toBe("killSwitch");
    // a new day starts from that day's equity; the switch stays on until deactivated
    e.pushPrice("m", 0.449, day + 25 * HOUR);
    expect(e.status().dailyPnl).toBe(0);
    expect(e.status().killSwitchActive).toBe(true);
  });
});

describe("engine JSON version 2", () => {
  async function busy(): Promise<Engine> {
    const custom = FeeModel.custom((f) => 0.001 * f.size, "flat-mill");
    const e = new Engine({
      capital: 1000,
      mark: "bid",
      fees: FeeModel.kalshi(),
      riskConfig: { maxPositionPerMarket: 1e6, dedupWindowMs: 5000, rateLimitSustained: 1, rateLimitBurst: 5, priceMin: 0.01, maxDailyDrawdownPct: 50 },
    });
    e.setFees("p", FeeModel.polymarket({ rate: 0.05 }));
    e.setFees("c", custom);
    e.pushQuote("k", { bid: 0.4, ask: 0.43 }, T0);
    e.pushPrice("p", 0.6, T0);
    e.pushPrice("c", 0.2, T0);
    e.pushPrice("s", 0.2, T0);
    await e.submitOrder(order("k", "yes", "buy", 33));
    await e.submitOrder(order("p", "no", "buy", 10));
    await e.submitOrder(order("c", "yes", "buy", 10));
    await e.submitOrder(order("s", "yes", "buy", 10));
    await e.settle("s", "yes", T0 + 1);
    e.activateKillSwitch("saved on purpose");
    return e;
  }

  it("round-trips losslessly (quotes, fees, settlement, kill switch, dedup window, rate bucket)", async () => {
    const e = await busy();
    const text = JSON.stringify(e);
    const back = Engine.fromJSON(text, { feeModels: { "flat-mill": FeeModel.custom((f) => 0.001 * f.size, "flat-mill") } });
    expect(JSON.stringify(back)).toBe(text);
    expect(back.status()).toEqual(e.status());
    // behaviour survives too: the dedup window and the bucket
    e.deactivateKillSwitch();
    back.deactivateKillSwitch();
    const a = await e.submitOrder(order("k", "yes", "buy", 33));
    const b = await back.submitOrder(order("k", "yes", "buy", 33));
    expect(b).toEqual(a);
    expect(JSON.stringify(back)).toBe(JSON.stringify(e));
  });

  it("a saved custom fee model needs its function: an HzError says what to pass", async () => {
    const text = JSON.stringify(await busy());
    expect(() => Engine.fromJSON(text)).toThrow(/flat-mill.*feeModels/);
  });

  it("reads version-1 files", async () => {
    const v1: EngineJSON = {
      format: "hz-portfolio/engine",
      version: 1,
      capital: 100,
      maxHistory: 10,
      riskConfig: { maxPositionPerMarket: 50 },
      cash: 80,
      realizedPnl: 0,
      daily: null,
      nextOrderId: 2,
      markets: [{ marketId: "m", ticks: [[T0, 0.4], [T0 + 1, 0.5]] }],
      positions: [{ marketId: "m", side: "yes", size: 50, avgEntryPrice: 0.4, realizedPnl: 0 }],
    };
    const e = Engine.fromJSON(v1);
    expect(e.quote("m")).toEqual({ bid: 0.5, ask: 0.5, mid: 0.5 });
    expect(e.position("m")).toMatchObject({ size: 50, feesPaid: 0, currentPrice: 0.5 });
    expect(e.feesPaid()).toBe(0);
    expect(e.toJSON().version).toBe(2);
    expect(Engine.fromJSON(JSON.stringify(e)).toJSON()).toEqual(e.toJSON());
  });
});

describe("reconciliation property", () => {
  it("after any sequence of quotes, fills and settlements: cash = capital − buys + sells + payouts − fees, and equity − capital = realised + unrealised", async () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant("quote" as const), m: fc.integer({ min: 0, max: 2 }), bid: fc.double({ min: 0, max: 1, noNaN: true }), spread: fc.double({ min: 0, max: 0.1, noNaN: true }) }),
      fc.record({ kind: fc.constant("order" as const), m: fc.integer({ min: 0, max: 2 }), side: fc.constantFrom("yes" as const, "no" as const), action: fc.constantFrom("buy" as const, "sell" as const), size: fc.double({ min: 0.01, max: 500, noNaN: true }) }),
      fc.record({ kind: fc.constant("settle" as const), m: fc.integer({ min: 0, max: 2 }), outcome: fc.constantFrom("yes" as const, "no" as const) }),
    );
    const fees = fc.constantFrom(FeeModel.none(), FeeModel.kalshi(), FeeModel.polymarket({ rate: 0.07 }), FeeModel.bps(30));
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), fees, fc.constantFrom("mid" as const, "bid" as const), async (steps, model, mark) => {
        const capital = 10_000;
        const e = new Engine({ capital, fees: model, mark });
        let t = T0;
        let flows = 0; // − buys + sells + payouts − fees
        for (const m of ["m0", "m1", "m2"]) e.pushPrice(m, 0.5, t);
        e.on("fill", (f) => (flows += (f.action === "buy" ? -1 : 1) * f.size * f.price - f.fee));
        e.on("settle", (s) => (flows += s.payout));
        for (const s of steps) {
          const id = `m${s.m}`;
          if (e.isSettled(id)) continue;
          t += 1000;
          if (s.kind === "quote") e.pushQuote(id, { bid: s.bid, ask: Math.min(1, s.bid + s.spread) }, t);
          else if (s.kind === "order") await e.submitOrder(order(id, s.side, s.action, s.size));
          else await e.settle(id, s.outcome, t);
        }
        const tol = 1e-9 * capital;
        expect(Math.abs(e.cash() - (capital + flows))).toBeLessThan(tol);
        expect(Math.abs(e.equity() - capital - (e.realizedPnl() + e.unrealizedPnl()))).toBeLessThan(tol);
        expect(Math.abs(e.equity() - (e.cash() + e.positionsValue()))).toBeLessThan(tol);
        const back = Engine.fromJSON(JSON.stringify(e));
        expect(JSON.stringify(back)).toBe(JSON.stringify(e));
      }),
      { numRuns: 150 },
    );
  });
});
