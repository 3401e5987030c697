import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  Engine,
  heldSidePrice,
  HzError,
  parsePriceCsv,
  Portfolio,
  RiskConfig,
  type EngineLike,
  type EngineFillLike,
  type EnginePriceLike,
  type OrderFilled,
  type OrderInput,
  type OrderResult,
  type RiskConfigOptions,
} from "../dist/index.js";
import { badInput, buy, filled, rejected, sell } from "./engine-helpers.js";
import { predictitPrices } from "./predictit.js";

const CSV = readFileSync(new URL("../data/predictit-2018-senate/prices.csv", import.meta.url), "utf8");
const T0 = Date.parse("2025-03-03T10:00:00Z");
const HOUR = 3_600_000;

function engineWith(risk: RiskConfigOptions | undefined, prices: Record<string, number>, capital?: number): Engine {
  const e = new Engine({ riskConfig: risk, capital });
  for (const [id, p] of Object.entries(prices)) e.pushPrice(id, p, T0);
  return e;
}

describe("RiskConfig: each limit accepts at the boundary and rejects beyond it", () => {
  it("is a class built from options; a plain object is accepted too; limits are validated", () => {
    const r = new RiskConfig({ maxPositionPerMarket: 500, maxOrderSize: 100 });
    expect(r).toMatchObject({ maxPositionPerMarket: 500, maxOrderSize: 100, maxTotalExposure: undefined });
    expect(RiskConfig.from({ maxPositionPerMarket: 1 })).toBeInstanceOf(RiskConfig);
    expect(new Engine({ riskConfig: { maxPositionPerMarket: 7 } }).riskConfig).toBeInstanceOf(RiskConfig);
    expect(() => new RiskConfig({} as RiskConfigOptions)).toThrow(HzError);
    expect(() => new RiskConfig({ maxPositionPerMarket: -1 })).toThrow(HzError);
    expect(() => new RiskConfig({ maxPositionPerMarket: 1, maxDailyLoss: NaN })).toThrow(HzError);
  });

  it("maxPositionPerMarket (shares held after the fill)", async () => {
    const e = engineWith({ maxPositionPerMarket: 500 }, { a: 0.5 });
    filled(await e.submitOrder(buy("a", 300)));
    filled(await e.submitOrder(buy("a", 200))); // exactly 500
    const r = rejected(await e.submitOrder(buy("a", 20)));
    expect(r).toMatchObject({ status: "rejected", reason: "maxPositionPerMarket", limit: 500, attempted: 520, excess: 20, size: 0 });
    expect(r.message).toMatch(/maxPositionPerMarket/);
    expect(e.position("a")!.size).toBe(500);
    // a sell is never rejected by the position limit
    filled(await e.submitOrder(sell("a", 100)));
    const fresh = engineWith({ maxPositionPerMarket: 500 }, { a: 0.5 });
    expect(rejected(await fresh.submitOrder(buy("a", 500.5)))).toMatchObject({ limit: 500, attempted: 500.5, excess: 0.5 });
    // NO shares count the same way
    filled(await fresh.submitOrder(buy("a", 500, { side: "no" })));
    expect(rejected(await fresh.submitOrder(buy("a", 1, { side: "no" }))).reason).toBe("maxPositionPerMarket");
  });

  it("maxOrderSize (shares per order)", async () => {
    const e = engineWith({ maxPositionPerMarket: 1e6, maxOrderSize: 100 }, { a: 0.5 });
    filled(await e.submitOrder(buy("a", 100)));
    expect(rejected(await e.submitOrder(buy("a", 101)))).toMatchObject({ reason: "maxOrderSize", limit: 100, attempted: 101, excess: 1 });
    filled(await e.submitOrder(buy("a", 100)));
    expect(rejected(await e.submitOrder(sell("a", 100.25)))).toMatchObject({ reason: "maxOrderSize", limit: 100, attempted: 100.25, excess: 0.25 });
    filled(await e.submitOrder(sell("a", 100)));
  });

  it("maxTotalExposure (Σ size × current price after the fill)", async () => {
    const e = engineWith({ maxPositionPerMarket: 1e6, maxTotalExposure: 100 }, { a: 0.5, b: 0.7 });
    filled(await e.submitOrder(buy("a", 100))); // 50
    filled(await e.submitOrder(buy("b", 100 / 0.6, { side: "no" }))); // NO at 0.3 → + 50 = 100 exactly
    expect(e.exposure()).toBeCloseTo(100, 12);
    const r = rejected(await e.submitOrder(buy("a", 10)));
    expect(r.reason).toBe("maxTotalExposure");
    expect(r.limit).toBe(100);
    expect(r.attempted).toBeCloseTo(105, 12);
    expect(r.excess).toBeCloseTo(5, 12);
    // exposure is mark-to-market: a price fall frees room
    e.pushPrice("a", 0.4, T0 + HOUR);
    filled(await e.submitOrder(buy("a", 25))); // 40 + 50 + 10 = 100
    expect(rejected(await e.submitOrder(buy("a", 0.01))).reason).toBe("maxTotalExposure");
  });

  it("maxDailyLoss (realised loss since 00:00 UTC of the engine clock)", async () => {
    for (const [limit, ok] of [
      [10, true],
      [9, false],
    ] as const) {
      const e = engineWith({ maxPositionPerMarket: 1e6, maxDailyLoss: limit }, { a: 0.5 });
      filled(await e.submitOrder(buy("a", 100)));
      e.pushPrice("a", 0.4, T0 + HOUR);
      const r = await e.submitOrder(sell("a", 100)); // realises (0.4 − 0.5) × 100 = −10
      if (ok) {
        expect(filled(r).realizedPnl).toBeCloseTo(-10, 12);
        expect(e.dailyRealizedPnl()).toBeCloseTo(-10, 12);
      } else {
        const rj = rejected(r);
        expect(rj).toMatchObject({ reason: "maxDailyLoss", limit: 9 });
        expect(rj.attempted).toBeCloseTo(10, 12);
        expect(rj.excess).toBeCloseTo(1, 12);
        // partial: the largest sale keeping the day's loss at 9 (90 shares)
        const p = filled(await e.submitOrder(sell("a", 100, { allowPartial: true })));
        expect(p.size).toBeCloseTo(90, 9);
        expect(p.partial).toBe(true);
        expect(p.violations[0]!.reason).toBe("maxDailyLoss");
        // a new UTC day starts from 0
        e.pushPrice("a", 0.4, Date.parse("2025-03-04T00:00:00Z"));
        expect(e.dailyRealizedPnl()).toBe(0);
        filled(await e.submitOrder(sell("a", 10)));
      }
    }
  });

  it("allowPartial fills the largest size satisfying every limit; never silently clipped otherwise", async () => {
    const e = engineWith({ maxPositionPerMarket: 500, maxOrderSize: 400 }, { a: 0.5 }, 1_000);
    const r1 = filled(await e.submitOrder(buy("a", 450, { allowPartial: true })));
    expect(r1).toMatchObject({ size: 400, requestedSize: 450, partial: true });
    expect(r1.violations.map((v) => v.reason)).toEqual(["maxOrderSize"]);
    const r2 = filled(await e.submitOrder(buy("a", 300, { allowPartial: true })));
    expect(r2.size).toBe(100); // position limit binds
    expect(rejected(await e.submitOrder(buy("a", 1, { allowPartial: true }))).reason).toBe("maxPositionPerMarket");
    // cash binds: 800 left at 0.5 → 1600 shares; the engine's position cap is elsewhere
    const c = engineWith({ maxPositionPerMarket: 1e6 }, { a: 0.5 }, 1_000);
    expect(rejected(await c.submitOrder(buy("a", 2001))).reason).toBe("insufficientCash");
    const pc = filled(await c.submitOrder(buy("a", 2001, { allowPartial: true })));
    expect(pc.size).toBeCloseTo(2000, 9);
    expect(c.cash()).toBeCloseTo(0, 9);
  });

  it("trading rules: cash, holdings, limit price, unknown market, one side per market", async () => {
    const e = engineWith({ maxPositionPerMarket: 1e6 }, { a: 0.5, b: 0.2 }, 100);
    filled(await e.submitOrder(buy("a", 200))); // exactly all the cash
    expect(e.cash()).toBe(0);
    expect(rejected(await e.submitOrder(buy("b", 1)))).toMatchObject({ reason: "insufficientCash", limit: 0, attempted: 0.2 });
    expect(rejected(await e.submitOrder(sell("a", 201)))).toMatchObject({ reason: "insufficientPosition", limit: 200, attempted: 201, excess: 1 });
    expect(rejected(await e.submitOrder(sell("b", 1)))).toMatchObject({ reason: "insufficientPosition", limit: 0 });
    expect(rejected(await e.submitOrder(sell("a", 1, { side: "no" }))).reason).toBe("insufficientPosition");
    await expect(e.submitOrder(buy("zzz", 1))).rejects.toMatchObject({ code: "UNKNOWN_MARKET", marketId: "zzz" });
    expect(rejected(await e.submitOrder(buy("a", 1, { side: "no" }))).reason).toBe("oppositeSide");
    // limit on the traded side's price: buy fills at ≤ limit, sell at ≥ limit
    expect(rejected(await e.submitOrder(sell("a", 10, { limitPrice: 0.51 })))).toMatchObject({ reason: "limitPrice", limit: 0.51, attempted: 0.5 });
    filled(await e.submitOrder(sell("a", 10, { limitPrice: 0.5 })));
    const n = engineWith(undefined, { m: 0.7 }); // NO price 0.3 (cash unlimited)
    expect(rejected(await n.submitOrder(buy("m", 10, { side: "no", limitPrice: 0.29 }))).reason).toBe("limitPrice");
    expect(filled(await n.submitOrder(buy("m", 10, { side: "no", limitPrice: 0.3 }))).price).toBe(0.3);
    expect(n.cash()).toBeCloseTo(-3, 12); // no capital: cash is a running balance
  });
});

describe("accounting", () => {
  it("average entry price and realised P&L over buy / buy / sell (hand-computed)", async () => {
    const e = new Engine({ riskConfig: new RiskConfig({ maxPositionPerMarket: 1_000 }), capital: 1_000 });
    e.pushPrice("fed", 0.4, T0);
    const b1 = filled(await e.submitOrder(buy("fed", 100))); // cost 40
    expect(b1).toMatchObject({ price: 0.4, size: 100, time: T0, realizedPnl: 0 });
    expect(b1.orderId).toMatch(/\S/);
    e.pushPrice("fed", 0.6, T0 + HOUR);
    filled(await e.submitOrder(buy("fed", 300))); // cost 180
    let pos = e.position("fed")!;
    expect(pos.size).toBe(400);
    expect(pos.avgEntryPrice).toBeCloseTo((40 + 180) / 400, 15); // 0.55
    expect(e.cash()).toBeCloseTo(1_000 - 220, 12);
    e.pushPrice("fed", 0.7, T0 + 2 * HOUR);
    const s = filled(await e.submitOrder(sell("fed", 200)));
    expect(s.realizedPnl).toBeCloseTo((0.7 - 0.55) * 200, 12); // 30
    pos = e.position("fed")!;
    expect(pos).toMatchObject({ marketId: "fed", side: "yes", size: 200, currentPrice: 0.7 });
    expect(pos.avgEntryPrice).toBeCloseTo(0.55, 15); // unchanged by the sell
    expect(pos.realizedPnl).toBeCloseTo(30, 12);
    expect(pos.unrealizedPnl).toBeCloseTo((0.7 - 0.55) * 200, 12);
    expect(e.cash()).toBeCloseTo(780 + 140, 12);
    expect(e.equity()).toBeCloseTo(920 + 140, 12);
    expect(s.position).toEqual(pos);
    // selling the rest closes the position; its realised P&L stays in the total
    e.pushPrice("fed", 0.5, T0 + 3 * HOUR);
    const s2 = filled(await e.submitOrder(sell("fed", 200)));
    expect(s2.position.size).toBe(0);
    expect(e.positions()).toEqual([]);
    expect(e.realizedPnl()).toBeCloseTo(30 - 10, 12);
    expect(e.cash()).toBeCloseTo(1_020, 12);
  });

  it("a NO position trades at 1 − YES", async () => {
    const e = engineWith(undefined, { m: 0.3 }, 1_000);
    const r = filled(await e.submitOrder({ marketId: "m", side: "NO" as "no", action: "buy", size: 100 }));
    expect(r).toMatchObject({ side: "no", price: 0.7, yesPrice: 0.3 });
    e.pushPrice("m", 0.2, T0 + 1);
    expect(e.position("m")!.currentPrice).toBeCloseTo(0.8, 15);
    expect(e.unrealizedPnl()).toBeCloseTo(10, 12);
  });
});

describe("feeds and events", () => {
  it("pushPrice keeps a bounded history; ticks must not go back in time", async () => {
    const e = new Engine({ maxHistory: 3 });
    for (let i = 0; i < 10; i++) e.pushPrice("a", i / 10, T0 + i);
    expect(e.priceHistory("a")).toEqual([0.7, 0.8, 0.9]);
    expect(e.ticks("a").map((t) => t.time)).toEqual([T0 + 7, T0 + 8, T0 + 9]);
    expect(e.now()).toBe(T0 + 9);
    e.pushPrice("a", 0.5, new Date(T0 + 9)); // same time: accepted
    e.pushPrice("a", 0.6); // default: now, never older than the last tick
    expect(e.ticks("a")[2]!.time).toBeGreaterThanOrEqual(T0 + 9);
    expect(Engine.fromJSON(e.toJSON()).priceHistory("a")).toEqual(e.priceHistory("a"));
  });

  it("replay parses CSV, validates every row before applying any, and calls the strategy", async () => {
    const rows = parsePriceCsv(CSV);
    expect(rows).toHaveLength(2862);
    expect(rows[0]).toEqual({ timestamp: Date.parse("2018-06-01T00:00:00Z"), marketId: "PI2928-TX-S1-R", yesPrice: 0.74 });
    const e = new Engine();
    let ticks = 0;
    let stamps = 0;
    const s = await e.replay(rows, { onTick: () => void ticks++, onTimestamp: () => void stamps++ });
    expect(s.ticks).toBe(2862);
    expect(ticks).toBe(2862);
    expect(stamps).toBe(159);
    const { ids, prices } = predictitPrices();
    expect(e.marketIds()).toEqual(ids);
    for (const id of ids) expect(e.priceHistory(id)).toEqual(prices[id]);
  });

  it("consume takes any async iterable; events arrive through on() and events()", async () => {
    const e = new Engine();
    const seen: string[] = [];
    const off = e.on("price", (t) => seen.push(`${t.marketId}@${t.yesPrice}`));
    const it = e.events({ types: ["fill", "reject"] });
    async function* source() {
      yield { marketId: "a", yesPrice: 0.4, time: T0 };
      yield { marketId: "b", yesPrice: 0.6, timestamp: new Date(T0 + 1) };
    }
    const s = await e.consume(source(), {
      onTick: async (t, eng) => {
        if (t.marketId === "b") await eng.submitOrder(buy("a", 10));
      },
    });
    expect(s).toEqual({ ticks: 2, firstTime: T0, lastTime: T0 + 1 });
    off();
    e.pushPrice("a", 0.5, T0 + 2);
    expect(seen).toEqual(["a@0.4", "b@0.6"]);
    await e.submitOrder(sell("a", 1e6));
    const first = await it.next();
    const second = await it.next();
    expect(first.value).toMatchObject({ type: "fill", data: { marketId: "a", size: 10 } });
    expect(second.value).toMatchObject({ type: "reject", data: { reason: "insufficientPosition" } });
    await it.return!();
    expect((await it.next()).done).toBe(true);
  });
});

describe("execute", () => {
  it("submits a batch (sells first), reports each result in input order, through the RiskConfig", async () => {
    const e = engineWith({ maxPositionPerMarket: 1_000, maxOrderSize: 300 }, { a: 0.5, b: 0.2 }, 100);
    await e.submitOrder(buy("a", 200)); // all the cash
    const results = await e.execute([
      { marketId: "b", side: "yes", action: "buy", sizeDelta: 250 }, // needs the sale's cash
      { marketId: "a", side: "yes", action: "sell", sizeDelta: 100 },
      { marketId: "b", side: "yes", action: "buy", sizeDelta: 301 },
    ]);
    expect(results.map((r) => r.status)).toEqual(["filled", "filled", "rejected"]);
    expect(results[2]).toMatchObject({ reason: "maxOrderSize", limit: 300, excess: 1 });
    expect(e.position("b")!.size).toBe(250);
    expect(e.cash()).toBeCloseTo(0, 12);
  });

  it("replay stops when its signal aborts; ticks applied so far stay", async () => {
    const e = new Engine();
    const ac = new AbortController();
    const rows = parsePriceCsv(CSV).slice(0, 100);
    const err = await e.replay(rows, { onTick: (_t, _e) => void (e.ticks(rows[0]!.marketId).length === 1 && ac.abort()), signal: ac.signal }).catch((x: unknown) => x);
    expect((err as Error).name).toBe("AbortError");
    expect(e.marketIds()).toEqual([rows[0]!.marketId]);
  });
});

describe("replay of the real PredictIt data (2018 Senate)", () => {
  /** A scripted strategy: buy dips, sell into rallies, take cheap NO on favourites. */
  async function run(engine: Engine, follower?: Portfolio) {
    const counts: Record<string, number> = {};
    const fills: OrderFilled[] = [];
    const mismatches: string[] = [];
    engine.on("fill", (f) => {
      fills.push(f);
      if (!follower) return;
      // the follower's listener ran first: it already reflects this fill
      const held = follower.positions().find((x) => x.marketId === f.marketId);
      if (f.position.size === 0) {
        if (held) mismatches.push(`${f.orderId}: closed but still held`);
      } else if (!held || held.size !== f.position.size || held.entryPrice !== f.position.avgEntryPrice || held.side !== f.position.side) {
        mismatches.push(`${f.orderId}: follower out of sync`);
      }
    });
    let day = 0;
    await engine.replay(parsePriceCsv(CSV), {
      onTimestamp: async (_t, e) => {
        if (++day < 6) return;
        for (const id of e.marketIds()) {
          const h = e.priceHistory(id);
          const change = h[h.length - 1]! - h[h.length - 6]!;
          const pos = e.position(id);
          let r: OrderResult | undefined;
          if (change <= -0.05 && (!pos || pos.side === "yes")) r = await e.submitOrder(buy(id, day % 25 === 0 ? 12_000 : 400));
          else if (change >= 0.05 && pos) r = await e.submitOrder({ marketId: id, side: pos.side, action: "sell", size: pos.size / 2 + 50, allowPartial: true });
          else if (h[h.length - 1]! >= 0.85 && !pos && day % 20 === 0) r = await e.submitOrder(buy(id, 1_500, { side: "no", limitPrice: 0.2 }));
          if (r) {
            const k = r.status === "filled" ? (r.partial ? "partial" : "filled") : r.reason;
            counts[k] = (counts[k] ?? 0) + 1;
          }
        }
      },
    });
    return { counts, fills, mismatches };
  }

  const risk = new RiskConfig({ maxPositionPerMarket: 20_000, maxOrderSize: 10_000, maxTotalExposure: 6_000, maxDailyLoss: 200 });

  it("Portfolio.fromEngine matches the engine exactly; follow tracks every fill; a risk-parity rebalance reaches the target", async () => {
    const engine = new Engine({ riskConfig: risk, capital: 10_000 });
    const follower = new Portfolio({ name: "follower" });
    const unfollow = follower.follow(engine);
    const { counts, fills, mismatches } = await run(engine, follower);
    unfollow();
    expect(counts.filled).toBeGreaterThan(100);
    expect(counts.partial).toBeGreaterThan(0);
    expect(counts.maxOrderSize).toBeGreaterThan(0);
    expect(counts.maxTotalExposure).toBeGreaterThan(0);
    expect(fills.length).toBe((counts.filled ?? 0) + (counts.partial ?? 0));
    expect(mismatches).toEqual([]);

    const ep = engine.positions();
    expect(ep.length).toBeGreaterThan(5);
    const p = Portfolio.fromEngine(engine, { capital: engine.equity(), name: "replay", seed: 7, runtime: "inline" });
    expect(p.marketIds()).toEqual(ep.map((x) => x.marketId));
    p.positions().forEach((x, i) => {
      const e = ep[i]!;
      expect([x.side, x.size, x.entryPrice, x.currentPrice]).toEqual([e.side, e.size, e.avgEntryPrice, e.currentPrice]);
      expect(x.pnl).toBe(e.unrealizedPnl);
      // the held side's price series from the feed
      const yes = engine.priceHistory(x.marketId);
      expect(p.priceHistory(x.marketId)).toEqual(yes.map((y) => heldSidePrice(x.side, y)));
    });
    expect(p.totalValue()).toBe(engine.positionsValue());
    expect(p.pnl()).toBe(engine.unrealizedPnl());
    expect(p.totalCost()).toBe(engine.positionsCost());
    expect(p.capital).toBe(engine.equity());
    expect(p.recordedReturns()!.length).toBe(158);

    // the follower built the same book, with the same histories
    expect(follower.positions()).toEqual(p.positions());
    for (const id of p.marketIds()) expect(follower.priceHistory(id)).toEqual(p.priceHistory(id));

    // Rebalance 10% of equity in risk parity (weights from the recorded histories).
    const w = await p.optimizeRiskParity();
    const target = Object.fromEntries(Object.entries(w).map(([id, x]) => [id, 0.1 * x]));
    const orders = p.rebalanceOrders(target);
    const results = await engine.execute(orders);
    expect(results).toHaveLength(orders.length);
    for (const r of results) expect(r.status).toBe("filled");
    const after = Portfolio.fromEngine(engine, { capital: p.capital });
    for (const [id, tw] of Object.entries(target)) {
      const pos = engine.position(id);
      const targetSize = (tw * p.capital) / p.positions().find((x) => x.marketId === id)!.currentPrice;
      expect(Math.abs((pos?.size ?? 0) - targetSize)).toBeLessThanOrEqual(1);
      expect(after.weights()[id]).toBeCloseTo(tw, 6);
    }
  });

  it("the same replay is deterministic and survives a JSON round trip mid-way", async () => {
    const a = new Engine({ riskConfig: risk, capital: 10_000 });
    await run(a);
    const b = new Engine({ riskConfig: risk.toJSON(), capital: 10_000 });
    await run(b);
    expect(JSON.stringify(b.toJSON())).toBe(JSON.stringify(a.toJSON()));
  });
});

describe("save / restore", () => {
  async function tradedEngine(): Promise<Engine> {
    const e = new Engine({ riskConfig: new RiskConfig({ maxPositionPerMarket: 5_000, maxDailyLoss: 500 }), capital: 10_000 });
    await e.replay(parsePriceCsv(CSV).slice(0, 18 * 60));
    for (const [i, id] of e.marketIds().slice(0, 6).entries()) await e.submitOrder({ marketId: id, side: i % 2 ? "no" : "yes", action: "buy", size: 500 + 100 * i });
    await e.submitOrder(sell(e.marketIds()[0]!, 200));
    return e;
  }

  it("engine and portfolio round trips are lossless and give identical metrics for the same seed", async () => {
    const e = await tradedEngine();
    const text = JSON.stringify(e.toJSON());
    const e2 = Engine.fromJSON(text);
    expect(JSON.stringify(e2.toJSON())).toBe(text);
    expect(Engine.fromJSON(e.toJSON()).toJSON()).toEqual(e.toJSON());
    expect(e2.cash()).toBe(e.cash());
    expect(e2.positions()).toEqual(e.positions());
    expect(e2.riskConfig).toEqual(e.riskConfig);
    expect(e2.dailyRealizedPnl()).toBe(e.dailyRealizedPnl());

    // (runtime "inline": the worker runtime needs the built dist/; results are identical either way)
    const p = Portfolio.fromEngine(e, { capital: 10_000, name: "saved", seed: 99, runtime: "inline" });
    const p2 = Portfolio.fromEngine(e2, { capital: 10_000, name: "saved", seed: 99, runtime: "inline" });
    const p3 = Portfolio.fromJSON(JSON.stringify(p.toJSON()), { runtime: "inline" });
    expect(p3.toJSON()).toEqual(p.toJSON());
    expect([p3.name, p3.configuredCapital, p3.seed]).toEqual(["saved", 10_000, 99]);
    const m = await p.metrics({ nSimulations: 20_000, seed: 7 });
    expect(m.correlationMatrix).not.toBeNull(); // the feed history correlates the outcomes
    expect(await p2.metrics({ nSimulations: 20_000, seed: 7 })).toEqual(m);
    expect(await p3.metrics({ nSimulations: 20_000, seed: 7 })).toEqual(m);
    // the portfolio's own seed is restored too
    expect(await p3.metrics({ nSimulations: 20_000 })).toEqual(await p.metrics({ nSimulations: 20_000 }));
  });

  it("an engine restored from JSON trades on exactly like the original", async () => {
    const a = await tradedEngine();
    const b = Engine.fromJSON(a.toJSON());
    for (const e of [a, b]) {
      e.pushPrice(e.marketIds()[1]!, 0.3, e.now()! + HOUR);
      await e.submitOrder({ marketId: e.marketIds()[1]!, side: "no", action: "sell", size: 100 });
      await e.submitOrder(buy(e.marketIds()[0]!, 10_000));
    }
    expect(b.toJSON()).toEqual(a.toJSON());
  });
});

describe("a user-supplied EngineLike", () => {
  /** A hand-written live engine: one market, YES prices, fills announced with the resulting position. */
  function handEngine() {
    const fillL = new Set<(f: EngineFillLike) => void>();
    const priceL = new Set<(t: EnginePriceLike) => void>();
    const history: number[] = [0.5, 0.55, 0.6];
    let pos = { marketId: "x", side: "no" as const, size: 100, avgEntryPrice: 0.45 };
    const engine: EngineLike = {
      positions: () => (pos.size > 0 ? [pos] : []),
      price: () => history[history.length - 1]!,
      priceHistory: () => history,
      on(event: "fill" | "price", listener: ((f: EngineFillLike) => void) | ((t: EnginePriceLike) => void)) {
        const set = (event === "fill" ? fillL : priceL) as Set<typeof listener>;
        set.add(listener);
        return () => void set.delete(listener);
      },
    } as EngineLike;
    return {
      engine,
      tick(y: number) {
        history.push(y);
        priceL.forEach((l) => l({ marketId: "x", yesPrice: y }));
      },
      fill(size: number, avg: number) {
        pos = { ...pos, size, avgEntryPrice: avg };
        fillL.forEach((l) => l({ marketId: "x", position: pos }));
      },
    };
  }

  it("fromEngine and follow work with it", () => {
    const h = handEngine();
    const p = Portfolio.fromEngine(h.engine, { capital: 1_000 });
    expect(p.positions()[0]).toMatchObject({ marketId: "x", side: "no", size: 100, entryPrice: 0.45 });
    expect(p.positions()[0]!.currentPrice).toBeCloseTo(0.4, 15);
    expect(p.priceHistory("x")).toEqual([0.5, 0.45, 0.4]); // NO = 1 − YES, rounded to 12 decimals
    const off = p.follow(h.engine);
    h.tick(0.58);
    expect(p.priceHistory("x")).toHaveLength(4);
    expect(p.positions()[0]!.currentPrice).toBeCloseTo(0.42, 15);
    h.fill(150, 0.44);
    expect(p.positions()[0]).toMatchObject({ size: 150, entryPrice: 0.44 });
    expect(p.priceHistory("x")).toHaveLength(4);
    h.fill(0, 0.44);
    expect(p.positions()).toEqual([]);
    off();
    h.tick(0.6);
    h.fill(10, 0.4);
    expect(p.positions()).toEqual([]);
    expect(Portfolio.fromEngine(h.engine, { maxHistory: 2 }).priceHistory("x")).toEqual([0.42, 0.4]);
  });
});

describe("bad input → HzError with a code, engine unchanged", () => {
  async function sample(): Promise<Engine> {
    const e = engineWith({ maxPositionPerMarket: 1_000 }, { a: 0.5, b: 0.25 }, 1_000);
    await e.submitOrder(buy("a", 100));
    return e;
  }

  it("malformed orders reject the promise", async () => {
    const e = await sample();
    await badInput(e, () => e.submitOrder(buy("a", 0)), "INVALID_SIZE");
    await badInput(e, () => e.submitOrder(buy("a", -5)), "INVALID_SIZE");
    await badInput(e, () => e.submitOrder(buy("a", NaN)), "INVALID_SIZE");
    await badInput(e, () => e.submitOrder(buy("a", Infinity)), "INVALID_SIZE");
    await badInput(e, () => e.submitOrder(buy("a", 1, { limitPrice: 1.2 })), "INVALID_PRICE");
    await badInput(e, () => e.submitOrder(buy("a", 1, { limitPrice: -0.1 })), "INVALID_PRICE");
    await badInput(e, () => e.submitOrder({ ...buy("a", 1), side: "maybe" as "yes" }), "INVALID_ARGUMENT", /side/);
    await badInput(e, () => e.submitOrder({ ...buy("a", 1), action: "hold" as "buy" }), "INVALID_ARGUMENT", /action/);
    await badInput(e, () => e.submitOrder({ ...buy("", 1) }), "INVALID_ARGUMENT");
    await expect(e.submitOrder(buy("a", 0))).rejects.toBeInstanceOf(HzError);
    // a batch with one bad order submits nothing
    await badInput(e, () => e.execute([buy("b", 1), { marketId: "a", side: "yes", action: "sell", sizeDelta: NaN }]), "INVALID_SIZE", /orders\[1\]/);
  });

  it("unknown market, bad prices and stale ticks", async () => {
    const e = await sample();
    await badInput(e, () => e.price("nope"), "UNKNOWN_MARKET");
    await badInput(e, () => e.priceHistory("nope"), "UNKNOWN_MARKET");
    await badInput(e, () => e.pushPrice("a", 1.01, T0 + 1), "INVALID_PRICE");
    await badInput(e, () => e.pushPrice("a", -0.01, T0 + 1), "INVALID_PRICE");
    await badInput(e, () => e.pushPrice("a", NaN, T0 + 1), "INVALID_PRICE");
    await badInput(e, () => e.pushPrice("a", 0.5, T0 - 1), "INVALID_ARGUMENT", /older/);
    await badInput(e, () => e.pushPrice("a", 0.5, "not a date"), "INVALID_ARGUMENT");
    // an order on a market with no price is bad input: UNKNOWN_MARKET, nothing changes
    await badInput(e, () => e.submitOrder(buy("nope", 1)), "UNKNOWN_MARKET");
    await badInput(e, () => e.execute([buy("a", 1), buy("nope", 1)]), "UNKNOWN_MARKET");
    // a business rejection does not change the saved state either
    const before = JSON.stringify(e.toJSON());
    expect(rejected(await e.submitOrder(sell("a", 1e6))).orderId).toMatch(/^x/);
    expect(JSON.stringify(e.toJSON())).toBe(before);
  });

  it("replay also takes the CSV's snake_case rows", async () => {
    const e = new Engine({ riskConfig: { maxPositionPerMarket: 10 } });
    await e.replay([
      { timestamp: "2018-06-01T00:00:00Z", market_id: "a", yes_price: 0.5 },
      { timestamp: "2018-06-02T00:00:00Z", market_id: "a", yes_price: 0.55 },
    ]);
    expect(e.priceHistory("a")).toEqual([0.5, 0.55]);
  });

  it("malformed replay rows name the row number and nothing is applied", async () => {
    const e = await sample();
    const good = { timestamp: T0 + 5, marketId: "a", yesPrice: 0.6 };
    let err = await badInput(e, () => e.replay([good, good, { ...good, yesPrice: 2 }]), "INVALID_PRICE", /row 3/);
    expect(err.field).toMatch(/row 3/);
    err = await badInput(e, () => e.replay([good, { ...good, timestamp: "yesterday-ish" }]), "INVALID_ARGUMENT", /row 2/);
    await badInput(e, () => e.replay([good, { ...good, timestamp: T0 + 4 }]), "INVALID_ARGUMENT", /row 2.*older/);
    await badInput(e, () => e.replay([{ ...good, timestamp: T0 - 1 }]), "INVALID_ARGUMENT", /row 1/);
    await badInput(e, () => e.replay([good, { ...good, marketId: "" }]), "INVALID_ARGUMENT", /row 2/);
    await badInput(e, () => e.replay([good, null as never]), "INVALID_ARGUMENT", /row 2/);
    const lines = CSV.trim().split("\n");
    const broken = [...lines.slice(0, 10), "2018-06-01T00:00:00Z,PI9999,abc", ...lines.slice(10)].join("\n");
    await badInput(e, () => e.replayCsv(broken), "INVALID_PRICE", /row 10 \(line 11\)/);
    await badInput(e, () => e.replayCsv("time,id,price\n1,a,0.5"), "INVALID_ARGUMENT", /header/);
    await badInput(e, () => e.replayCsv(`${lines[0]}\n2018-06-01T00:00:00Z,a`), "INVALID_ARGUMENT", /row 1/);
    expect(() => parsePriceCsv(`${lines[0]}\nnope,a,0.5`)).toThrow(/row 1/);
  });

  it("JSON of another format or version", async () => {
    const e = await sample();
    const j = e.toJSON();
    for (const bad of [
      { ...j, version: 3 },
      { ...j, version: undefined },
      { ...j, format: "hz-portfolio/portfolio" },
      "{not json",
      null,
      { ...j, cash: "lots" },
      { ...j, positions: [{ ...j.positions[0]!, marketId: "ghost" }] },
    ]) {
      await badInput(e, () => Engine.fromJSON(bad as never), (bad as { positions?: unknown[] })?.positions?.length === 1 && (bad as typeof j).positions[0]!.marketId === "ghost" ? "UNKNOWN_MARKET" : "INVALID_ARGUMENT");
    }
    expect(() => Engine.fromJSON({ ...j, version: 3 } as never)).toThrow(/version/);
    const p = Portfolio.fromEngine(e);
    const pj = p.toJSON();
    expect(() => Portfolio.fromJSON({ ...pj, version: 99 } as never)).toThrow(HzError);
    expect(() => Portfolio.fromJSON(j as never)).toThrow(/format/);
    expect(() => Portfolio.fromJSON({ ...pj, positions: [{ ...pj.positions[0]!, currentPrice: 0.123 }] })).toThrow(HzError);
  });

  it("engine options", () => {
    expect(() => new Engine({ capital: 0 })).toThrow(HzError);
    expect(() => new Engine({ maxHistory: 0 })).toThrow(HzError);
    expect(() => new Engine({ riskConfig: { maxPositionPerMarket: "1" as never } })).toThrow(HzError);
    expect(() => new Engine().on("tick" as "fill", () => {})).toThrow(HzError);
  });
});
