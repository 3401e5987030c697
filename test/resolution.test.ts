// Issue 16, library half: positions carry a label and a resolution time; the Greeks use each
// position's own time to resolution; the importers' output feeds addPosition and defineEvent as is.
// Expected Greeks are computed by hand from the Horizon model (docs/concepts.md "Greeks"):
// x = Φ⁻¹(p), s = max(√(tHours/24), 0.001), delta = size·φ(x), gamma = size·φ(x)/(vol·s),
// vega = size·φ(x)·s, theta = −size·φ(x)·vol/(2s)/24.
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { HzError, Portfolio, parsePositionsCsv, fromPolymarketPositions, fromKalshiPositions, shutdown } from "../dist/index.js";

afterAll(() => shutdown());

const PHI0 = 1 / Math.sqrt(2 * Math.PI); // φ(0) = 0.3989422804014327
const ASOF = Date.UTC(2026, 0, 1, 12); // 2026-01-01T12:00:00Z
const HOUR = 3_600_000;

function hzCode(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof HzError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error("expected an HzError");
}

describe("label and resolvesAt", () => {
  it("are kept by positions() and position(); resolvesAt is stored as ms from an ISO string, a Date or ms", () => {
    const p = new Portfolio({ runtime: "inline" });
    p.addPosition({ marketId: "a", side: "yes", size: 10, entryPrice: 0.4, label: "Will A happen?", resolvesAt: "2026-01-05T12:00:00Z" });
    p.addPosition({ marketId: "b", side: "no", size: 5, entryPrice: 0.3, resolvesAt: new Date(ASOF + 48 * HOUR) });
    p.addPosition({ marketId: "__proto__", side: "yes", size: 1, entryPrice: 0.5, resolvesAt: ASOF });
    p.addPosition({ marketId: "plain", side: "yes", size: 1, entryPrice: 0.5 });
    const [a, b, proto, plain] = p.positions();
    expect(a!.label).toBe("Will A happen?");
    expect(a!.resolvesAt).toBe(ASOF + 96 * HOUR);
    expect(b!.resolvesAt).toBe(ASOF + 48 * HOUR);
    expect(b!.label).toBeUndefined();
    expect(proto!.marketId).toBe("__proto__");
    expect(proto!.resolvesAt).toBe(ASOF);
    expect("label" in plain! || "resolvesAt" in plain!).toBe(false);
    expect(p.position("a")!.label).toBe("Will A happen?");
  });

  it("replacing a position replaces its label and resolution time", () => {
    const p = new Portfolio({ runtime: "inline" });
    p.addPosition({ marketId: "a", side: "yes", size: 10, entryPrice: 0.4, label: "old", resolvesAt: ASOF });
    p.addPosition({ marketId: "a", side: "yes", size: 12, entryPrice: 0.4 });
    expect(p.position("a")!.label).toBeUndefined();
    expect(p.position("a")!.resolvesAt).toBeUndefined();
  });

  it("bad values throw INVALID_ARGUMENT naming the market and change nothing", () => {
    const p = new Portfolio({ runtime: "inline" });
    p.addPosition({ marketId: "a", side: "yes", size: 10, entryPrice: 0.4, label: "keep", resolvesAt: ASOF });
    const before = JSON.stringify(p.toJSON());
    for (const bad of ["tomorrow", "2026-01-05T12:00:00", NaN, Infinity, 1e300, new Date(NaN), {}, true]) {
      const e = hzCode(() => p.addPosition({ marketId: "a", side: "yes", size: 1, entryPrice: 0.5, resolvesAt: bad as never }));
      expect(e.code).toBe("INVALID_ARGUMENT");
      expect(e.message).toMatch(/^market "a": resolvesAt must be a time/);
    }
    const e = hzCode(() => p.addPosition({ marketId: "a", side: "yes", size: 1, entryPrice: 0.5, label: 42 as never }));
    expect(e).toEqual({ code: "INVALID_ARGUMENT", message: 'market "a": label must be a string, got 42' });
    expect(JSON.stringify(p.toJSON())).toBe(before);
  });
});

describe("portfolio JSON version 3", () => {
  it("saves label and resolvesAt; version 2 (no labels) is still read", () => {
    const p = new Portfolio({ runtime: "inline", capital: 100 });
    p.addPosition({ marketId: "a", side: "yes", size: 10, entryPrice: 0.4, currentPrice: 0.45, label: "A?", resolvesAt: ASOF });
    p.addPosition({ marketId: "__proto__", side: "no", size: 3, entryPrice: 0.2 });
    const j = p.toJSON();
    expect(j.version).toBe(3);
    expect(j.positions[0]).toMatchObject({ label: "A?", resolvesAt: ASOF });
    expect("label" in j.positions[1]!).toBe(false);
    const q = Portfolio.fromJSON(JSON.stringify(j), { runtime: "inline" });
    expect(q.positions()).toEqual(p.positions());
    const v2 = { ...j, version: 2, positions: j.positions.map(({ label: _l, resolvesAt: _r, ...x }) => x) };
    const r = Portfolio.fromJSON(v2 as never, { runtime: "inline" });
    expect(r.position("a")!.currentPrice).toBe(0.45);
    expect(r.position("a")!.label).toBeUndefined();
    expect(hzCode(() => Portfolio.fromJSON({ ...j, version: 2 } as never)).code).toBe("INVALID_ARGUMENT");
    const bad = { ...j, positions: [{ ...j.positions[0]!, resolvesAt: "2026-01-01T00:00:00Z" }] };
    expect(hzCode(() => Portfolio.fromJSON(bad as never)).message).toMatch(/resolvesAt must be ms/);
  });
});

describe("Greeks at each position's own time to resolution", () => {
  it("uses max(0, resolvesAt − asOf) hours, else the tHours option (hand-computed, p = 0.5)", async () => {
    const p = new Portfolio({ runtime: "inline" });
    p.addPosition({ marketId: "four-days", side: "yes", size: 100, entryPrice: 0.5, resolvesAt: ASOF + 96 * HOUR });
    p.addPosition({ marketId: "no-date", side: "no", size: 100, entryPrice: 0.5 });
    p.addPosition({ marketId: "past", side: "yes", size: 100, entryPrice: 0.5, resolvesAt: ASOF - HOUR });
    const m = await p.metrics({ asOf: new Date(ASOF), tHours: 24, vol: 0.2, nSimulations: 100, seed: 1 });
    expect(m.asOf).toBe(ASOF);
    expect(m.tHours).toBe(24);
    expect({ ...m.tHoursByMarket }).toEqual({ "four-days": 96, "no-date": 24, past: 0 });
    const d = 100 * PHI0; // 39.894228…
    // four days: s = 2
    const g4 = m.greeks["four-days"]!;
    expect(g4.delta).toBeCloseTo(d, 10);
    expect(g4.vega).toBeCloseTo(d * 2, 10); // 79.788456
    expect(g4.gamma).toBeCloseTo(d / (0.2 * 2), 10); // 99.735570
    expect(g4.theta).toBeCloseTo((-d * 0.2) / 4 / 24, 12); // −0.0831130
    // no resolvesAt: tHours = 24, s = 1; NO flips the delta only
    const g1 = m.greeks["no-date"]!;
    expect(g1.delta).toBeCloseTo(-d, 10);
    expect(g1.vega).toBeCloseTo(d, 10);
    expect(g1.theta).toBeCloseTo((-d * 0.2) / 2 / 24, 12); // −0.1662259
    // already past: 0 hours, s = 0.001
    const g0 = m.greeks.past!;
    expect(g0.vega).toBeCloseTo(d * 0.001, 12);
    expect(g0.theta).toBeCloseTo((-d * 0.2) / 0.002 / 24, 8); // −166.2259
  });

  it("asOf accepts an ISO string or ms, defaults to now, and is validated", async () => {
    const p = new Portfolio({ runtime: "inline" });
    const soon = Date.now() + 48 * HOUR;
    p.addPosition({ marketId: "a", side: "yes", size: 1, entryPrice: 0.5, resolvesAt: soon });
    const iso = await p.metrics({ asOf: new Date(ASOF).toISOString(), nSimulations: 10, seed: 1 });
    expect(iso.asOf).toBe(ASOF);
    const t0 = Date.now();
    const now = await p.metrics({ nSimulations: 10, seed: 1 });
    expect(now.asOf).toBeGreaterThanOrEqual(t0);
    expect(now.tHoursByMarket.a).toBeGreaterThan(47.9);
    expect(now.tHoursByMarket.a).toBeLessThanOrEqual(48);
    await expect(p.metrics({ asOf: "noon" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringMatching(/^asOf must be a time/) });
  });
});

describe("importers feed addPosition and defineEvent as is", () => {
  const dir = new URL("../fixtures/importers/", import.meta.url);
  const read = (f: string) => readFileSync(new URL(f, dir), "utf8");

  it("CSV: positions with labels and resolution times, and its event", async () => {
    const r = parsePositionsCsv(read("positions.csv"));
    const p = new Portfolio({ runtime: "inline" });
    for (const x of r.positions) p.addPosition(x);
    for (const e of r.events) p.defineEvent(e.eventId, e);
    expect(p.marketIds()).toEqual(r.positions.map((x) => x.marketId));
    expect(p.position("fed-cut-dec")).toMatchObject({ label: "Fed cut in December, 2026?", resolvesAt: Date.UTC(2026, 11, 10, 19) });
    expect(p.position("__proto__")!.side).toBe("no");
    expect(p.eventDefinitions()).toEqual([{ eventId: "pres-2028", markets: ["election-alice", "election-bob"], exhaustive: false }]);
    const m = await p.metrics({ asOf: Date.UTC(2026, 11, 9, 19), nSimulations: 100, seed: 3 });
    expect(m.tHoursByMarket["fed-cut-dec"]).toBe(24);
    expect(m.events["pres-2028"]!.worstCaseLoss).toBeGreaterThan(0);
  });

  it("Polymarket and Kalshi JSON", () => {
    for (const r of [
      fromPolymarketPositions(JSON.parse(read("polymarket-positions.json"))),
      fromKalshiPositions(JSON.parse(read("kalshi-positions-fp.json")), { markets: JSON.parse(read("kalshi-markets-dollars.json")), events: JSON.parse(read("kalshi-events.json")) }),
    ]) {
      const p = new Portfolio({ runtime: "inline" });
      for (const x of r.positions) p.addPosition(x);
      for (const e of r.events) p.defineEvent(e.eventId, e);
      expect(p.positions().map((x) => [x.marketId, x.label, x.resolvesAt])).toEqual(r.positions.map((x) => [x.marketId, x.label, x.resolvesAt]));
      expect(p.eventDefinitions().map((e) => e.eventId)).toEqual(r.events.map((e) => e.eventId));
    }
  });

  it("defineEvent refuses a spec whose eventId differs", () => {
    const p = new Portfolio({ runtime: "inline" });
    expect(hzCode(() => p.defineEvent("x", { eventId: "y", markets: ["a", "b"] })).code).toBe("INVALID_ARGUMENT");
    expect(p.eventDefinitions()).toEqual([]);
  });
});
