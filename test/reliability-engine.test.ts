// Regression tests of issue 11 (Reliability), engine / portfolio / validation half: each `describe`
// is one item of the issue and failed on the code before the fix. README "## Reliability" cites them.
import { spawnSync } from "node:child_process";
import { afterAll, describe, expect, it, vi } from "vitest";
import {
  Engine,
  HzError,
  MAX_POSITION_SIZE,
  MAX_TIME,
  parsePriceCsv,
  Portfolio,
  predictionGreeks,
  shutdown,
  type EngineFillLike,
  type EngineLike,
  type EnginePositionLike,
  type EnginePriceLike,
  type OrderResult,
  type Runtime,
} from "../dist/index.js";

afterAll(() => shutdown());

const T0 = Date.parse("2025-03-03T10:00:00Z");
const DIST = new URL("../dist/index.js", import.meta.url).href;

/** Runs an ES module in a fresh Node process (so an uncaught exception would be seen as a crash). */
function runNode(code: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Expects an HzError with `code` (thrown or rejected) and the state `snap()` unchanged. */
async function hz(fn: () => unknown, code: string, snap: () => string = () => "", message?: RegExp): Promise<HzError> {
  const before = snap();
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, String(caught)).toBeInstanceOf(HzError);
  expect((caught as HzError).code).toBe(code);
  if (message) expect((caught as HzError).message).toMatch(message);
  expect(snap()).toBe(before);
  return caught as HzError;
}

const engineSnap = (e: Engine) => () => JSON.stringify(e.toJSON());
const portfolioSnap = (p: Portfolio) => () => JSON.stringify(p.toJSON());

/** A scriptable EngineLike: emit() delivers events to the subscribed listeners, as a live engine would. */
class FakeEngine implements EngineLike {
  readonly listeners = { fill: new Set<(f: EngineFillLike) => void>(), price: new Set<(t: EnginePriceLike) => void>() };
  pos: EnginePositionLike[] = [];
  prices = new Map<string, number[]>();
  positions() {
    return this.pos;
  }
  price(id: string) {
    const h = this.prices.get(id);
    if (!h) throw new Error(`no price for ${id}`);
    return h[h.length - 1]!;
  }
  priceHistory(id: string) {
    return this.prices.get(id) ?? [];
  }
  on(event: "fill", l: (f: EngineFillLike) => void): () => void;
  on(event: "price", l: (t: EnginePriceLike) => void): () => void;
  on(event: "fill" | "price", l: (x: never) => void): () => void {
    const set = this.listeners[event] as Set<(x: never) => void>;
    set.add(l);
    return () => void set.delete(l);
  }
  fill(f: EngineFillLike) {
    for (const l of this.listeners.fill) l(f);
  }
  tick(t: EnginePriceLike) {
    for (const l of this.listeners.price) l(t);
  }
}

describe("item 4: a follow listener failure never takes the host process down", () => {
  it("a real engine: two 6e14 buys with a following portfolio, in a fresh process, exit 0", () => {
    const r = runNode(`
      import { Engine, Portfolio } from ${JSON.stringify(DIST)};
      const e = new Engine();
      e.pushPrice("a", 0.5, ${T0});
      const p = new Portfolio({ runtime: "inline" });
      p.follow(e);
      const r1 = await e.submitOrder({ marketId: "a", side: "yes", action: "buy", size: 6e14 });
      const r2 = await e.submitOrder({ marketId: "a", side: "yes", action: "buy", size: 6e14 });
      await new Promise((r) => setTimeout(r, 20));
      console.log(r1.status, r2.status, r2.reason, p.position("a").size === e.position("a").size);
    `);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe("filled rejected positionCap true");
  });

  it("a custom engine reporting a fill above MAX_POSITION_SIZE, in a fresh process: onError gets an HzError, exit 0", () => {
    const r = runNode(`
      import { Portfolio } from ${JSON.stringify(DIST)};
      const listeners = [];
      const engine = {
        positions: () => [], price: () => 0.5, priceHistory: () => [0.5],
        on: (type, l) => { if (type === "fill") listeners.push(l); return () => {}; },
      };
      const p = new Portfolio({ runtime: "inline" });
      const errors = [];
      p.follow(engine, { onError: (err, ev) => errors.push([err.code, err.marketId, ev.type]) });
      for (const l of listeners) l({ marketId: "a", position: { marketId: "a", side: "yes", size: 2e15, avgEntryPrice: 0.5 } });
      // without onError: logged, never thrown
      const p2 = new Portfolio({ runtime: "inline" });
      p2.follow(engine);
      listeners[1]({ marketId: "b", position: { marketId: "b", side: "yes", size: 2e15, avgEntryPrice: 0.5 } });
      await new Promise((r) => setTimeout(r, 20));
      console.log(JSON.stringify(errors), p.marketIds().length, p2.marketIds().length);
    `);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(`[["LIMIT_EXCEEDED","a","fill"]] 0 0`);
    expect(r.stderr).toMatch(/could not apply an engine event.*market "b"/);
  });

  it("each failing event is reported with the event and applied all-or-nothing; following goes on", () => {
    const engine = new FakeEngine();
    engine.prices.set("a", [0.4, 0.5]);
    engine.prices.set("b", [0.3]);
    engine.pos = [{ marketId: "a", side: "yes", size: 10, avgEntryPrice: 0.4 }];
    const p = Portfolio.fromEngine(engine, { runtime: "inline" });
    const seen: [HzError, string][] = [];
    const stop = p.follow(engine, { onError: (err, ev) => seen.push([err, ev.type]) });
    const before = JSON.stringify(p.toJSON());
    engine.tick({ marketId: "a", yesPrice: 2 }); // price outside [0, 1]
    // a side switch whose history cannot be read: the old YES position must stay
    engine.prices.set("a", Object.assign([0.5], { slice: () => { throw new TypeError("feed down"); } }) as never);
    engine.fill({ marketId: "a", position: { marketId: "a", side: "no", size: 5, avgEntryPrice: 0.5 } });
    engine.fill({ marketId: "a", position: { marketId: "a", side: "maybe" as never, size: 5, avgEntryPrice: 0.5 } });
    engine.fill({ marketId: "a", position: { marketId: "a", side: "yes", size: 5, avgEntryPrice: 2 } });
    expect(JSON.stringify(p.toJSON())).toBe(before);
    expect(seen.map(([e, t]) => [e.code, e.marketId, t])).toEqual([
      ["INVALID_PRICE", "a", "price"],
      ["INVALID_ARGUMENT", "a", "fill"],
      ["INVALID_ARGUMENT", "a", "fill"],
      ["INVALID_PRICE", "a", "fill"],
    ]);
    expect(seen[1]![0].message).toMatch(/feed down/);
    expect((seen[1]![0] as HzError & { cause?: unknown }).cause).toBeInstanceOf(TypeError);
    engine.tick({ marketId: "a", yesPrice: 0.6 });
    expect(p.position("a")!.currentPrice).toBe(0.6);
    stop();
  });

  it("an onError that throws is logged, not thrown into the engine", () => {
    const engine = new FakeEngine();
    engine.prices.set("a", [0.5]);
    const p = new Portfolio({ runtime: "inline" });
    p.addPosition({ marketId: "a", side: "yes", size: 1, entryPrice: 0.5 });
    p.follow(engine, { onError: () => { throw new Error("handler bug"); } });
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(() => engine.tick({ marketId: "a", yesPrice: NaN })).not.toThrow();
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
  });
});

describe("item 5: the engine enforces the position cap; every state toJSON writes restores", () => {
  it("a buy past MAX_POSITION_SIZE is rejected (positionCap), state unchanged; allowPartial fills up to the cap", async () => {
    const e = new Engine();
    e.pushPrice("a", 0.5, T0);
    expect((await e.submitOrder({ marketId: "a", side: "yes", action: "buy", size: 6e14 })).status).toBe("filled");
    const before = JSON.stringify(e.toJSON());
    const r = await e.submitOrder({ marketId: "a", side: "yes", action: "buy", size: 6e14 });
    expect(r.status).toBe("rejected");
    if (r.status === "rejected") expect([r.reason, r.limit, r.attempted]).toEqual(["positionCap", MAX_POSITION_SIZE, 1.2e15]);
    expect(JSON.stringify(e.toJSON())).toBe(before);
    expect(Engine.fromJSON(JSON.stringify(e.toJSON())).position("a")!.size).toBe(6e14);
    const partial = await e.submitOrder({ marketId: "a", side: "yes", action: "buy", size: 6e14, allowPartial: true });
    expect(partial.status === "filled" && partial.size).toBe(4e14);
    expect(e.position("a")!.size).toBe(MAX_POSITION_SIZE);
    expect(Engine.fromJSON(JSON.stringify(e.toJSON())).toJSON()).toEqual(e.toJSON());
  });

  it("an order above the cap (1e308 shares) is LIMIT_EXCEEDED: no Infinity, no NaN", async () => {
    const e = new Engine();
    e.pushPrice("a", 0.5, T0);
    await hz(() => e.submitOrder({ marketId: "a", side: "yes", action: "buy", size: 1e308 }), "LIMIT_EXCEEDED", engineSnap(e), /market "a"/);
    await hz(() => e.execute([{ marketId: "a", side: "yes", action: "buy", sizeDelta: 2e15 }]), "LIMIT_EXCEEDED", engineSnap(e), /orders\[0\]/);
    expect([e.cash(), e.equity()]).toEqual([0, 0]);
  });

  it("a buy landing within the cash tolerance leaves cash at 0, never below; negative cash under capital does not restore", async () => {
    const e = new Engine({ capital: 1e12 });
    e.pushPrice("a", 0.5, T0);
    const r = await e.submitOrder({ marketId: "a", side: "yes", action: "buy", size: 2e12 + 100 }); // cost = cash + 50, within 1e-10 × 1e12
    expect(r.status).toBe("filled");
    expect(e.cash()).toBe(0);
    const saved = e.toJSON();
    expect(Engine.fromJSON(JSON.stringify(saved)).toJSON()).toEqual(saved);
    await hz(() => Engine.fromJSON({ ...saved, cash: -1 }), "INVALID_ARGUMENT", () => "", /cash must be ≥ 0/);
    expect(Engine.fromJSON({ ...saved, cash: 2e12 }).cash()).toBe(2e12); // above capital: profits
  });

  it("many random orders: every state toJSON writes restores equal", async () => {
    const e = new Engine({ capital: 1e15 });
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 300; i++) {
      const id = `m${i % 3}`;
      e.pushPrice(id, Math.round(rnd() * 100) / 100, T0 + i * 3_600_000);
      const size = [1e-12, 1e-10, 1, 1e6, 5e14, 9.9e14][Math.floor(rnd() * 6)]!;
      const order = { marketId: id, side: rnd() < 0.5 ? "yes" : "no", action: rnd() < 0.6 ? "buy" : "sell", size, allowPartial: rnd() < 0.5 } as const;
      await e.submitOrder(order);
      const j = e.toJSON();
      const numbers = [j.cash, j.realizedPnl, ...j.positions.flatMap((x) => [x.size, x.avgEntryPrice, x.realizedPnl])];
      expect(numbers.every(Number.isFinite), JSON.stringify(j.positions)).toBe(true);
      expect(Engine.fromJSON(JSON.stringify(j)).toJSON()).toEqual(j);
    }
  });
});

describe("item 6: a sell of a side not held is always insufficientPosition; execute is never half-applied", () => {
  it("tiny sells with nothing held, or holding the other side", async () => {
    const e = new Engine();
    e.pushPrice("a", 0.4, T0);
    for (const size of [1e-10, 1e-12, 5e-324]) {
      const r = await e.submitOrder({ marketId: "a", side: "no", action: "sell", size });
      expect(r.status === "rejected" && r.reason).toBe("insufficientPosition");
    }
    await e.submitOrder({ marketId: "a", side: "yes", action: "buy", size: 100 });
    const before = JSON.stringify(e.toJSON());
    const r = await e.submitOrder({ marketId: "a", side: "no", action: "sell", size: 1e-10 });
    expect(r.status === "rejected" && [r.reason, r.limit]).toEqual(["insufficientPosition", 0]);
    expect(JSON.stringify(e.toJSON())).toBe(before);
    expect(e.position("a")!.size).toBe(100);
  });

  it("execute: a batch with such a sell returns one result per order (the sell rejected), nothing thrown", async () => {
    const e = new Engine();
    e.pushPrice("a", 0.4, T0);
    e.pushPrice("b", 0.5, T0);
    const results: OrderResult[] = await e.execute([
      { marketId: "b", side: "yes", action: "buy", size: 10 },
      { marketId: "a", side: "yes", action: "sell", size: 1e-11 },
    ]);
    expect(results.map((r) => r.status)).toEqual(["filled", "rejected"]);
    // a validation failure anywhere rejects the whole batch before anything fills
    await hz(() => e.execute([{ marketId: "b", side: "yes", action: "buy", size: 1 }, { marketId: "b", side: "yes", action: "buy", size: -1 }]), "INVALID_SIZE", engineSnap(e), /orders\[1\]/);
  });
});

describe("item 7: only valid times and decimal numbers", () => {
  it("times outside the Date range are bad input; an older tick after the latest valid one is an HzError", async () => {
    const e = new Engine();
    await hz(() => e.pushPrice("a", 0.5, 1e300), "INVALID_ARGUMENT", engineSnap(e), /ms since epoch within/);
    await hz(() => e.pushPrice("a", 0.5, MAX_TIME + 1), "INVALID_ARGUMENT", engineSnap(e));
    await hz(() => e.pushPrice("a", 0.5, new Date(NaN)), "INVALID_ARGUMENT", engineSnap(e));
    e.pushPrice("a", 0.5, MAX_TIME);
    await hz(() => e.pushPrice("a", 0.5, -MAX_TIME), "INVALID_ARGUMENT", engineSnap(e), /\+275760-09-13T00:00:00.000Z/);
    expect(Engine.fromJSON(JSON.stringify(e.toJSON())).now()).toBe(MAX_TIME);
    await hz(() => Engine.fromJSON({ ...e.toJSON(), markets: [{ marketId: "a", ticks: [[1e300, 0.5]] }] }), "INVALID_ARGUMENT");
  });

  it("strict ISO 8601 strings with an offset, or decimal ms; no lenient Date.parse", async () => {
    const e = new Engine();
    for (const bad of ["hello 1", "2025-02-30", "2025-13-01", "2025-03-01T10:00:00", "2025-03-01 10:00:00Z", "Mar 1 2025", "0x10", "1e3", "", "  ", "2025-03-01T24:00:00Z"]) {
      await hz(() => e.pushPrice("a", 0.5, bad), "INVALID_ARGUMENT", engineSnap(e), /time/);
    }
    e.pushPrice("a", 0.5, "2024-02-29");
    expect(e.now()).toBe(Date.UTC(2024, 1, 29));
    e.pushPrice("a", 0.5, "2025-03-01T10:00:00.5+01:00");
    expect(e.now()).toBe(Date.UTC(2025, 2, 1, 9, 0, 0, 500));
    e.pushPrice("a", 0.5, "2025-03-01T10:00Z");
    expect(e.now()).toBe(Date.UTC(2025, 2, 1, 10));
    e.pushPrice("a", 0.5, String(Date.UTC(2025, 2, 2)));
    expect(e.now()).toBe(Date.UTC(2025, 2, 2));
    // older, so rejected — and the message shows it parsed as year 99, not 1999
    await hz(() => e.pushPrice("a", 0.5, "0099-01-01T00:00:00Z"), "INVALID_ARGUMENT", engineSnap(e), /tick at 0099-01-01T00:00:00.000Z/);
  });

  it("CSV: hex, binary, Infinity, blank prices and non-ISO timestamps are HzErrors naming row, line and field", () => {
    const h = "timestamp,market_id,yes_price\n";
    for (const p of ["0x1", "0b0", "0o1", "Infinity", "", "1_0", "0.5abc"]) {
      let err: unknown;
      try {
        parsePriceCsv(`${h}2025-03-01T00:00:00Z,a,0.5\n2025-03-01T00:00:00Z,a,${p}\n`);
      } catch (e) {
        err = e;
      }
      expect(err, p).toBeInstanceOf(HzError);
      expect([(err as HzError).code, (err as HzError).field]).toEqual(["INVALID_PRICE", "CSV row 2 (line 3): yes_price"]);
    }
    for (const t of ["hello 1", "2025-03-01 00:00"]) {
      expect(() => parsePriceCsv(`${h}${t},a,0.5`)).toThrow(/CSV row 1 \(line 2\): timestamp must be a time/);
    }
    expect(parsePriceCsv(`${h}1700000000000,a,.5\n2025-03-01,b,1e-1\n`).map((r) => [r.timestamp, r.yesPrice])).toEqual([
      [1_700_000_000_000, 0.5],
      [Date.UTC(2025, 2, 1), 0.1],
    ]);
  });
});

const PROTO_IDS = ["__proto__", "toString", "constructor", "hasOwnProperty", "valueOf"];

function protoPortfolio(runtime: Runtime): Portfolio {
  const p = new Portfolio({ capital: 1_000, runtime });
  PROTO_IDS.forEach((id, i) => p.addPosition({ marketId: id, side: i % 2 ? "no" : "yes", size: 100 + 10 * i, entryPrice: 0.4, currentPrice: 0.5 }));
  const moves = [0.02, -0.01, 0.03, -0.02, 0.01, 0.0, -0.03];
  for (let t = 0; t < moves.length; t++) PROTO_IDS.forEach((id, i) => p.updatePrice(id, 0.5 + moves[(t + i) % moves.length]! * (1 + i / 10)));
  return p;
}

function ownKeys(r: object): string[] {
  return Object.keys(r);
}

describe("item 8: market ids that are Object.prototype names are data", () => {
  for (const runtime of ["inline", "worker"] as const) {
    it(`weights, every optimizer, metrics().greeks and rebalanceOrders keep "__proto__" & co. (${runtime})`, async () => {
      const p = protoPortfolio(runtime);
      const ids = p.marketIds();
      expect(ids).toEqual(PROTO_IDS);
      const w = p.weights();
      expect(ownKeys(w)).toEqual(PROTO_IDS);
      expect(Object.getPrototypeOf(w)).toBe(Object.prototype);
      const outputs = [
        w,
        await p.optimizeEqualWeight(),
        await p.optimizeRiskParity(),
        await p.optimizeRiskParity(undefined, { method: "erc", budgets: Object.fromEntries(PROTO_IDS.map((id, i) => [id, i + 1])) }),
        await p.optimizeMinVariance(),
        await p.optimizeKelly({ probs: Object.fromEntries(PROTO_IDS.map((id) => [id, 0.7])) }),
        await p.optimizeKelly({ probs: Object.fromEntries(PROTO_IDS.map((id) => [id, 0.7])), method: "joint" }),
        (await p.metrics({ nSimulations: 1_000, seed: 1 })).greeks,
      ];
      for (const o of outputs) {
        expect(ownKeys(o)).toEqual(PROTO_IDS);
        for (const id of PROTO_IDS) expect(Object.prototype.hasOwnProperty.call(o, id)).toBe(true);
      }
      expect(JSON.parse(JSON.stringify(outputs[2]))).toHaveProperty(["__proto__"]);
      const target = outputs[1]!;
      const orders = p.rebalanceOrders(target as Record<string, number>);
      expect(orders.map((o) => o.marketId).sort()).toEqual([...PROTO_IDS].sort());
      expect(p.needsRebalance(w)).toBe(false);
    });
  }

  it("needsRebalance and rebalanceOrders read targets and prices by own property only", () => {
    const p = new Portfolio({ capital: 1_000, runtime: "inline" });
    p.addPosition({ marketId: "x", side: "yes", size: 100, entryPrice: 0.5, currentPrice: 0.5 }); // weight 0.05
    expect(p.needsRebalance({ x: 0.05, y: 0.3 })).toBe(true);
    expect(p.needsRebalance({ x: 0.05, toString: 0.3 })).toBe(true);
    expect(p.needsRebalance({ x: 0.05 })).toBe(false);
    // an unheld "toString" needs its price in options.prices, as an own key
    expect(() => p.rebalanceOrders({ x: 0.05, toString: 0.3 })).toThrow(/options.prices\["toString"\]/);
    const orders = p.rebalanceOrders(JSON.parse('{"x":0.05,"__proto__":0.3}'), { prices: JSON.parse('{"__proto__":0.5}') });
    expect(orders).toEqual([{ marketId: "__proto__", side: "yes", action: "buy", sizeDelta: 600, currentWeight: 0, targetWeight: 0.3, price: 0.5 }]);
  });

  it("key order: integer-like ids first (JavaScript's rule, documented at Weights); marketIds() keeps positions() order", async () => {
    const p = new Portfolio({ capital: 100, runtime: "inline" });
    for (const id of ["b", "20", "a", "3"]) p.addPosition({ marketId: id, side: "yes", size: 10, entryPrice: 0.5 });
    expect(p.marketIds()).toEqual(["b", "20", "a", "3"]);
    expect(p.positions().map((x) => x.marketId)).toEqual(["b", "20", "a", "3"]);
    for (const o of [p.weights(), await p.optimizeEqualWeight(), await p.optimizeRiskParity(), (await p.metrics({ nSimulations: 10, seed: 1 })).greeks]) {
      expect(Object.keys(o)).toEqual(["3", "20", "b", "a"]);
    }
  });
});

describe("item 10: HzError, never a TypeError, for hostile values", () => {
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  const hostile = [1n, circular, Symbol("s"), Object.create(null), { toString: () => { throw new Error("no"); } }];

  it("BigInt, circular, Symbol and toString-less values in side, time, JSON format and version", async () => {
    const p = new Portfolio({ runtime: "inline" });
    const e = new Engine();
    e.pushPrice("a", 0.5, T0);
    for (const v of hostile) {
      await hz(() => p.addPosition({ marketId: "a", side: v as never, size: 1, entryPrice: 0.5 }), "INVALID_ARGUMENT", portfolioSnap(p));
      await hz(() => e.pushPrice("a", 0.5, v as never), "INVALID_ARGUMENT", engineSnap(e));
      await hz(() => e.submitOrder({ marketId: "a", side: v as never, action: "buy", size: 1 }), "INVALID_ARGUMENT", engineSnap(e));
      await hz(() => Engine.fromJSON({ format: v, version: 1 } as never), "INVALID_ARGUMENT");
      await hz(() => Engine.fromJSON({ format: "hz-portfolio/engine", version: v } as never), "INVALID_ARGUMENT");
      await hz(() => Portfolio.fromJSON({ format: v, version: 1 } as never), "INVALID_ARGUMENT");
      await hz(() => Portfolio.fromJSON({ format: "hz-portfolio/portfolio", version: v } as never), "INVALID_ARGUMENT");
      await hz(() => e.replay([{ timestamp: v as never, marketId: "a", yesPrice: 0.5 }]), "INVALID_ARGUMENT", engineSnap(e), /row 1/);
      await hz(() => predictionGreeks({ price: 0.5, side: v as never, runtime: "inline" }), "INVALID_ARGUMENT");
    }
  });

  it("sparse arrays: correlation, replay rows, execute orders, history rows", async () => {
    const p = new Portfolio({ runtime: "inline" });
    p.addPosition({ marketId: "a", side: "yes", size: 1, entryPrice: 0.5 });
    p.addPosition({ marketId: "b", side: "yes", size: 1, entryPrice: 0.5 });
    await hz(() => p.metrics({ correlation: new Array(2), nSimulations: 10 }), "INVALID_ARGUMENT", portfolioSnap(p), /correlation row 0/);
    await hz(() => p.metrics({ correlation: [[1, 0], new Array(2)], nSimulations: 10 }), "INVALID_ARGUMENT", portfolioSnap(p), /correlation\[1\]\[0\]/);
    await hz(() => p.optimizeMinVariance(new Array(3)), "INVALID_HISTORY", portfolioSnap(p));
    const e = new Engine();
    e.pushPrice("a", 0.5, T0);
    await hz(() => e.replay(new Array(3)), "INVALID_ARGUMENT", engineSnap(e), /row 1/);
    await hz(() => e.execute(new Array(2)), "INVALID_ARGUMENT", engineSnap(e), /orders\[0\]/);
    await hz(() => e.execute([{ marketId: "a", side: "yes", action: "buy", size: 1 }, , ] as never), "INVALID_ARGUMENT", engineSnap(e), /orders\[1\]/);
    await hz(() => p.optimizeMinVariance([[0.1, 0.2], [0.1, Object.create(null)], [0, 0]]), "INVALID_HISTORY", portfolioSnap(p));
  });

  it("follow() on an engine whose on() returns a non-function: HzError, nothing left subscribed", async () => {
    const subscribed: string[] = [];
    const engine = {
      positions: () => [],
      price: () => 0.5,
      priceHistory: () => [0.5],
      on: (type: string) => {
        subscribed.push(type);
        return type === "price" ? () => void subscribed.splice(subscribed.indexOf("price"), 1) : 42;
      },
    } as unknown as EngineLike;
    const p = new Portfolio({ runtime: "inline" });
    await hz(() => p.follow(engine), "INVALID_ARGUMENT", portfolioSnap(p), /unsubscribe function/);
    expect(subscribed).toEqual(["fill"]); // the "price" subscription was undone; "fill" returned no way to undo it
    await hz(() => p.follow({ ...engine, on: () => undefined } as unknown as EngineLike), "INVALID_ARGUMENT", portfolioSnap(p), /engine.on\("price"/);
    await hz(() => p.follow({ ...engine, on: () => { throw new TypeError("boom"); } } as unknown as EngineLike), "INVALID_ARGUMENT", portfolioSnap(p), /boom/);
    await hz(() => Portfolio.fromEngine({ ...engine, positions: () => 5 } as unknown as EngineLike), "INVALID_ARGUMENT", () => "", /iterable/);
    const e = new Engine();
    await hz(() => e.events({ types: new Array(1) }), "INVALID_ARGUMENT", engineSnap(e));
    await hz(() => e.events({ types: 5 as never }), "INVALID_ARGUMENT", engineSnap(e));
  });
});

describe("item 11: finite outputs from legal input", () => {
  it("entryPrice 5e-324: pnlPct saturates at Number.MAX_VALUE; summary and metrics stay finite", async () => {
    const p = new Portfolio({ runtime: "inline" });
    p.addPosition({ marketId: "a", side: "yes", size: 400, entryPrice: 5e-324, currentPrice: 0.5 });
    expect(p.positions()[0]!.pnlPct).toBe(Number.MAX_VALUE);
    expect(p.pnlPct()).toBe(Number.MAX_VALUE);
    expect(p.summary()).not.toMatch(/Infinity|NaN/);
    expect(p.summary()).toMatch(/1\.80e\+310%/);
    const m = await p.metrics({ nSimulations: 100, seed: 1 });
    expect(m.totalPnlPct).toBe(Number.MAX_VALUE);
    p.addPosition({ marketId: "b", side: "yes", size: 400, entryPrice: 1e-300, currentPrice: 0.5 });
    expect(Number.isFinite(p.positions()[1]!.pnlPct)).toBe(true);
  });

  it("capital 5e-324: weights saturate at Number.MAX_VALUE, rebalance orders stay finite", () => {
    const p = new Portfolio({ capital: 5e-324, runtime: "inline" });
    p.addPosition({ marketId: "a", side: "yes", size: 400, entryPrice: 0.4, currentPrice: 0.5 });
    expect(p.weights()).toEqual({ a: Number.MAX_VALUE });
    expect(p.summary()).not.toMatch(/Infinity|NaN/);
    const orders = p.rebalanceOrders({ a: 0.5 });
    expect(orders.every((o) => Number.isFinite(o.sizeDelta) && Number.isFinite(o.currentWeight))).toBe(true);
    expect(p.needsRebalance({ a: 0.5 })).toBe(true);
  });

  for (const runtime of ["inline", "worker"] as const) {
    it(`ERC meets tiny and subnormal budgets on positively correlated markets (${runtime})`, async () => {
      // Three positively correlated markets (common factor + noise).
      const rows: number[][] = [];
      let s = 3;
      const rnd = () => ((s = (s * 69069 + 1) % 2 ** 32) / 2 ** 32) - 0.5;
      for (let t = 0; t < 60; t++) {
        const f = rnd();
        rows.push([f + 0.5 * rnd(), 0.8 * f + 0.6 * rnd(), 1.2 * f + 0.4 * rnd()]);
      }
      const p = new Portfolio({ runtime });
      for (const id of ["a", "b", "c"]) p.addPosition({ marketId: id, side: "yes", size: 10, entryPrice: 0.5 });
      const { covariance: c } = await p.ledoitWolf(rows);
      for (const tiny of [1e-100, 1e-300, 1e-310, 5e-324]) {
        const w = await p.optimizeRiskParity(rows, { method: "erc", budgets: { a: tiny, b: 1, c: 3 } });
        const x = [w.a!, w.b!, w.c!];
        const cx = c.map((row) => row.reduce((acc, v, j) => acc + v * x[j]!, 0));
        const rc = x.map((xi, i) => xi * cx[i]!);
        expect(x.every((v) => Number.isFinite(v) && v >= 0), `${tiny}: ${x}`).toBe(true);
        expect(Math.abs(rc[2]! / rc[1]! - 3), `budget ${tiny}: ratio ${rc[2]! / rc[1]!}`).toBeLessThan(1e-9);
        expect(x[0]!).toBeLessThan(1e-50);
        expect(x[1]! + x[2]!).toBeCloseTo(1, 12);
      }
    });
  }
});

describe("item 12: smaller inconsistencies", () => {
  it("rebalanceOrders never emits sizeDelta 0 (a weight change that underflows to 0 shares)", async () => {
    const p = new Portfolio({ capital: 0.5, runtime: "inline" });
    p.addPosition({ marketId: "a", side: "yes", size: 0, entryPrice: 0.5, currentPrice: 1 });
    const orders = p.rebalanceOrders({ a: 5e-324 });
    expect(orders).toEqual([]);
    const e = new Engine();
    e.pushPrice("a", 1, T0);
    expect(await e.execute(orders)).toEqual([]);
  });

  it("metrics({ vol: 0 }) gives the Greeks predictionGreeks gives (digital: all zero; Horizon: gamma and theta zero)", async () => {
    const p = new Portfolio({ runtime: "inline" });
    p.addPosition({ marketId: "a", side: "no", size: 10, entryPrice: 0.5, currentPrice: 0.4 });
    const d = await p.metrics({ vol: 0, nSimulations: 10, seed: 1, greeksModel: "digital" });
    const gd = await predictionGreeks({ price: 0.4, size: 10, side: "no", vol: 0, model: "digital", runtime: "inline" });
    expect(d.greeks.a).toEqual(gd);
    expect(Object.values(gd).every((v) => v === 0)).toBe(true);
    expect(d.vol).toBe(0);
    const h = await p.metrics({ vol: 0, nSimulations: 10, seed: 1 });
    const gh = await predictionGreeks({ price: 0.4, size: 10, side: "no", vol: 0, runtime: "inline" });
    expect(h.greeks.a).toEqual(gh);
    expect([gh.gamma, gh.theta]).toEqual([0, 0]);
    expect(Number.isFinite(gh.delta) && gh.delta < 0).toBe(true);
  });

  it("fromEngine: two positions in one market, or avgEntryPrice outside [0, 1], are HzErrors naming the market", async () => {
    const engine = new FakeEngine();
    engine.prices.set("m", [0.5]);
    engine.pos = [
      { marketId: "m", side: "yes", size: 1, avgEntryPrice: 0.5 },
      { marketId: "m", side: "no", size: 2, avgEntryPrice: 0.5 },
    ];
    let err = await hz(() => Portfolio.fromEngine(engine, { runtime: "inline" }), "INVALID_ARGUMENT", () => "", /two positions in market "m"/);
    expect(err.marketId).toBe("m");
    engine.pos = [{ marketId: "m", side: "yes", size: 1, avgEntryPrice: 2 }];
    err = await hz(() => Portfolio.fromEngine(engine, { runtime: "inline" }), "INVALID_PRICE", () => "", /market "m": avgEntryPrice/);
    expect([err.marketId, err.field]).toEqual(["m", "avgEntryPrice"]);
  });

  it("Engine.fromJSON rejects what toJSON never writes: negative cash under capital, a fractional daily.day", async () => {
    const e = new Engine({ capital: 100 });
    e.pushPrice("a", 0.5, T0);
    await e.submitOrder({ marketId: "a", side: "yes", action: "buy", size: 10 });
    await e.submitOrder({ marketId: "a", side: "yes", action: "sell", size: 5 });
    const j = e.toJSON();
    expect(j.daily).not.toBeNull();
    await hz(() => Engine.fromJSON({ ...j, cash: -0.01 }), "INVALID_ARGUMENT", () => "", /cash/);
    await hz(() => Engine.fromJSON({ ...j, daily: { day: 20_150.5, realizedPnl: 0 } }), "INVALID_ARGUMENT", () => "", /daily.day/);
    expect(Engine.fromJSON({ ...j, capital: null, cash: -50 }).cash()).toBe(-50); // no capital: cash may be negative
  });

  it("CSV: quoted fields lose their quotes; \\r-only and mixed line ends parse; a broken quote names its row", () => {
    const rows = parsePriceCsv('timestamp,market_id,yes_price\r"2025-03-01T00:00:00Z","a,b",".25"\r\r2025-03-02,"say ""x""",0.5\r\n2025-03-03,c,1');
    expect(rows).toEqual([
      { timestamp: Date.UTC(2025, 2, 1), marketId: "a,b", yesPrice: 0.25 },
      { timestamp: Date.UTC(2025, 2, 2), marketId: 'say "x"', yesPrice: 0.5 },
      { timestamp: Date.UTC(2025, 2, 3), marketId: "c", yesPrice: 1 },
    ]);
    expect(() => parsePriceCsv('timestamp,market_id,yes_price\n2025-03-01,"a,0.5\n')).toThrow(/CSV row 1 \(line 2\)/);
  });

  it("follow handles a tick without copying the other positions (O(1) per tick)", () => {
    const e = new Engine();
    const p = new Portfolio({ runtime: "inline" });
    for (let i = 0; i < 50; i++) {
      e.pushPrice(`m${i}`, 0.5, T0);
      p.addPosition({ marketId: `m${i}`, side: "yes", size: 1, entryPrice: 0.5 });
    }
    p.follow(e);
    const positions = vi.spyOn(p, "positions");
    for (let t = 1; t <= 200; t++) e.pushPrice(`m${t % 50}`, 0.5 + (t % 7) / 100, T0 + t);
    expect(positions).not.toHaveBeenCalled();
    expect(p.position("m7")!.currentPrice).toBe(e.price("m7"));
    // a long-followed market keeps exactly MAX_PRICE_HISTORY observations
    for (let t = 0; t < 10_500; t++) e.pushPrice("m1", (t % 10) / 10, T0 + 1_000 + t);
    expect(p.priceHistory("m1")).toHaveLength(10_000);
    expect(p.priceHistory("m1").at(-1)).toBe(0.9);
    expect(Portfolio.fromJSON(JSON.stringify(p.toJSON())).priceHistory("m1")).toEqual(p.priceHistory("m1"));
  });
});
