// Importers (issue 16): Polymarket Data API positions, Kalshi portfolio positions (three schema
// generations), CSV. Fixtures in fixtures/importers/ follow the published schemas (see its README);
// every expectation below is computed by hand from the fixture values.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { HzError } from "../ts/errors.js";
import {
  fromKalshiPositions,
  fromPolymarketPositions,
  parsePositionsCsv,
  type ImportResult,
  type KalshiPositionsResponse,
  type PolymarketPositionRow,
} from "../ts/importers.js";

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/importers/${name}`, import.meta.url), "utf8");
const json = <T>(name: string): T => JSON.parse(fixture(name)) as T;

const poly = () => json<PolymarketPositionRow[]>("polymarket-positions.json");
const kalshi = (gen: "cents" | "mixed" | "fp") => json<KalshiPositionsResponse>(`kalshi-positions-${gen}.json`);
const marketsCents = () => json<{ markets: never[] }>("kalshi-markets-cents.json");
const marketsDollars = () => json<{ markets: never[] }>("kalshi-markets-dollars.json");
const events = () => json<{ events: never[] }>("kalshi-events.json");

const ALICE = "0xdd22472e552920b8438158ea7238bfadfa4f736aa4cee91a6b86c39ead110917";
const BOB = "0x26ee82bee2493a302d21283cb578f7e2fff2dd15743854f53034d12420863b55";
const CAROL = "0x4e4f77e7dbf4cab666e9a1943674d7ae66348e862df03ea6f44b11eb95731928";
const FED = "0x9c1a953fe92c8357f1b646ba25d983aa83e90c525992db14fb726fa895cb5763";
const NBA = "0x3b5c8e1f2a4d6079b8c1e3f5a7d9b0c2e4f6a8b0d2c4e6f8a0b2c4d6e8f0a2b4";
const RECESSION = "0x8eee3789813eead2d47db3bdf6a1c5021f564ef18e2aefc8b80b9dcd5d6f8ac5";

/** Expects `fn` to throw an HzError with `code`, whose message matches every pattern, and whose field is `field`. */
function throwsHz(fn: () => unknown, code: string, field: string | undefined, ...patterns: RegExp[]): HzError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(HzError);
  const e = caught as HzError;
  expect(e.code).toBe(code);
  if (field !== undefined) expect(e.field).toBe(field);
  for (const p of patterns) expect(e.message).toMatch(p);
  return e;
}

/** Every number in a result is finite (no NaN/Infinity anywhere). */
function allFinite(r: ImportResult): void {
  for (const p of r.positions) {
    for (const x of [p.size, p.entryPrice, p.currentPrice, ...(p.resolvesAt === undefined ? [] : [p.resolvesAt])]) expect(Number.isFinite(x)).toBe(true);
    expect(p.entryPrice).toBeGreaterThanOrEqual(0);
    expect(p.entryPrice).toBeLessThanOrEqual(1);
    expect(p.currentPrice).toBeGreaterThanOrEqual(0);
    expect(p.currentPrice).toBeLessThanOrEqual(1);
  }
}

/** Compares positions field by field, prices to 12 decimals (float division/mids). */
function expectPositions(actual: ImportResult["positions"], expected: Array<Record<string, unknown>>): void {
  expect(actual.map((p) => p.marketId)).toEqual(expected.map((p) => p.marketId));
  for (const [i, e] of expected.entries()) {
    const a = actual[i]!;
    expect(a.side).toBe(e.side);
    expect(a.size).toBeCloseTo(e.size as number, 12);
    expect(a.entryPrice).toBeCloseTo(e.entryPrice as number, 12);
    expect(a.currentPrice).toBeCloseTo(e.currentPrice as number, 12);
    expect(a.label).toBe(e.label);
    expect(a.resolvesAt).toBe(e.resolvesAt);
  }
}

/** dist/ is rebuilt concurrently by other work: retry its import for a while. */
async function loadPortfolio(): Promise<typeof import("../dist/index.js")> {
  let last: unknown;
  for (let i = 0; i < 60; i++) {
    try {
      return await import("../dist/index.js");
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  throw last;
}

/** Import → Portfolio (inline) → addPosition each (without label/resolvesAt) → finite weights. */
async function roundTrip(r: ImportResult): Promise<void> {
  const { Portfolio } = await loadPortfolio();
  const p = new Portfolio({ runtime: "inline" });
  for (const x of r.positions) p.addPosition({ marketId: x.marketId, side: x.side, size: x.size, entryPrice: x.entryPrice, currentPrice: x.currentPrice });
  expect(p.positions().map((x) => x.marketId)).toEqual(r.positions.map((x) => x.marketId));
  const w = p.weights();
  // Own properties only (w["__proto__"] would read the prototype). This main's weights() still writes
  // `out[id] = …`, which drops a "__proto__" market (the reliability branch's check.record fixes it):
  // such a market is checked when present.
  const values = r.positions.flatMap((x) => {
    const d = Object.getOwnPropertyDescriptor(w, x.marketId);
    if (d === undefined && x.marketId === "__proto__") return [];
    return [d?.value as unknown];
  });
  for (const v of values) expect(Number.isFinite(v)).toBe(true);
  if (values.length === r.positions.length) expect((values as number[]).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12); // no capital: weights of the total value
  await p.dispose();
}

describe("fromPolymarketPositions", () => {
  it("reads the Data API rows: sides, held-side prices, negRisk event, named outcomes, redeemable and mergeable rows", () => {
    const r = fromPolymarketPositions(poly());
    expectPositions(r.positions, [
      { marketId: FED, side: "yes", size: 400, entryPrice: 0.45, currentPrice: 0.52, label: "Fed rate cut in December 2026?", resolvesAt: Date.UTC(2026, 11, 10) },
      { marketId: ALICE, side: "yes", size: 1000, entryPrice: 0.31, currentPrice: 0.35, label: "Will Alice Example win the 2028 presidential election?", resolvesAt: Date.UTC(2028, 10, 7, 12) },
      // A NO row: avgPrice/curPrice are already NO prices — no 1 − p.
      { marketId: BOB, side: "no", size: 500, entryPrice: 0.82, currentPrice: 0.8, label: "Will Bob Sample win the 2028 presidential election?", resolvesAt: Date.UTC(2028, 10, 7, 12) },
      { marketId: CAROL, side: "yes", size: 250.5, entryPrice: 0.12, currentPrice: 0.08, label: "Will Carol Placeholder win the 2028 presidential election?", resolvesAt: Date.UTC(2028, 10, 7, 12) },
      // Named outcomes: "Celtics" is outcomeIndex 1 → NO; outcome 0 ("Lakers") plays YES.
      { marketId: NBA, side: "no", size: 300, entryPrice: 0.47, currentPrice: 0.55, label: "Lakers vs. Celtics [YES = Lakers]", resolvesAt: Date.UTC(2026, 11, 3, 3) },
      // YES 200 + NO 50 of one market: 50 riskless complete sets dropped, net YES 150 at the YES prices.
      { marketId: RECESSION, side: "yes", size: 150, entryPrice: 0.4, currentPrice: 0.45, label: "US recession in 2026?", resolvesAt: Date.UTC(2027, 1, 28) },
    ]);
    expect(r.events).toEqual([{ eventId: "presidential-election-winner-2028", markets: [ALICE, BOB, CAROL], exhaustive: false }]);
    expect(r.skipped.map((s) => s.row)).toEqual([5, 8]);
    expect(r.skipped[0]!.reason).toMatch(/redeemable/);
    expect(r.skipped[1]!.reason).toMatch(/50 complete sets/);
    expect(r.warnings).toEqual([{ row: 7, reason: expect.stringMatching(/net 150 shares of YES/) }]);
    allFinite(r);
  });

  it("reads decimal strings, skips size 0, drops equal complete sets entirely, lowercase outcomes", () => {
    const base = { conditionId: "m", avgPrice: "0.25", curPrice: "0.5", outcome: "yes", size: "10" };
    const r = fromPolymarketPositions([
      base,
      { ...base, conditionId: "zero", size: 0 },
      { ...base, conditionId: "pair", size: 5 },
      { ...base, conditionId: "pair", outcome: "NO", size: 5 },
    ]);
    expect(r.positions).toEqual([{ marketId: "m", side: "yes", size: 10, entryPrice: 0.25, currentPrice: 0.5 }]);
    expect(r.skipped.map((s) => s.row)).toEqual([2, 4, 3]);
    expect(r.events).toEqual([]);
  });

  it("market ids and event slugs are data: __proto__ works", () => {
    const row = { conditionId: "__proto__", outcome: "Yes", size: 3, avgPrice: 0.2, curPrice: 0.3, negativeRisk: true, eventSlug: "__proto__" };
    const r = fromPolymarketPositions([row, { ...row, conditionId: "constructor" }]);
    expect(r.positions.map((p) => p.marketId)).toEqual(["__proto__", "constructor"]);
    expect(r.events).toEqual([{ eventId: "__proto__", markets: ["__proto__", "constructor"], exhaustive: false }]);
  });

  it("a negRisk group of one held market is no event (an event needs 2 markets)", () => {
    const r = fromPolymarketPositions([{ conditionId: "a", outcome: "Yes", size: 1, avgPrice: 0.1, curPrice: 0.1, negativeRisk: true, eventSlug: "e" }]);
    expect(r.events).toEqual([]);
  });

  it("malformed rows throw HzError naming row and field, importing nothing", () => {
    const rows = poly();
    const bad = (i: number, patch: Record<string, unknown>) => rows.map((r, j) => (j === i ? { ...r, ...patch } : r));
    throwsHz(() => fromPolymarketPositions(bad(2, { avgPrice: 1.2 })), "INVALID_PRICE", "avgPrice", /Polymarket row 3/, /avgPrice/, /0x26ee/);
    throwsHz(() => fromPolymarketPositions(bad(0, { curPrice: "NaN" })), "INVALID_PRICE", "curPrice", /row 1/);
    throwsHz(() => fromPolymarketPositions(bad(1, { size: -5 })), "INVALID_SIZE", "size", /row 2/);
    throwsHz(() => fromPolymarketPositions(bad(1, { size: "0x10" })), "INVALID_SIZE", "size", /row 2/);
    throwsHz(() => fromPolymarketPositions(bad(1, { size: 1e16 })), "LIMIT_EXCEEDED", "size", /row 2/);
    throwsHz(() => fromPolymarketPositions(bad(3, { conditionId: "" })), "INVALID_ARGUMENT", "conditionId", /row 4/);
    throwsHz(() => fromPolymarketPositions(bad(5, { outcomeIndex: undefined })), "INVALID_ARGUMENT", "outcomeIndex", /row 6/, /Celtics/);
    throwsHz(() => fromPolymarketPositions(bad(0, { endDate: "2026-02-30" })), "INVALID_ARGUMENT", "endDate", /row 1/);
    throwsHz(() => fromPolymarketPositions(bad(0, { endDate: "next week" })), "INVALID_ARGUMENT", "endDate", /row 1/);
    throwsHz(() => fromPolymarketPositions(bad(0, { negativeRisk: "yes" })), "INVALID_ARGUMENT", "negativeRisk", /row 1/);
    throwsHz(() => fromPolymarketPositions([...rows, rows[0]!]), "INVALID_ARGUMENT", "outcome", /row 9/, /row 1 already holds/);
    throwsHz(() => fromPolymarketPositions([rows[0]!, null] as never), "INVALID_ARGUMENT", "row", /row 2/);
    throwsHz(() => fromPolymarketPositions({ rows } as never), "INVALID_ARGUMENT", undefined, /must be an array/);
  });
});

describe("fromKalshiPositions", () => {
  // The same book in each generation; fp adds fractional contracts (see fixtures/importers/README.md).
  const expectedCents = [
    { marketId: "KXFEDDECISION-26DEC-C25", side: "yes", size: 120, entryPrice: 0.39, currentPrice: 0.42, label: "Will the Fed cut rates by 25bps in December 2026?", resolvesAt: Date.UTC(2026, 11, 9, 19, 5) },
    { marketId: "KXFEDDECISION-26DEC-H0", side: "no", size: 80, entryPrice: 0.55, currentPrice: 0.47, label: "Will the Fed hold rates in December 2026?", resolvesAt: Date.UTC(2026, 11, 9, 19, 5) },
    { marketId: "KXFEDDECISION-26DEC-H25", side: "yes", size: 50, entryPrice: 0.05, currentPrice: 0.05, label: "Will the Fed hike rates by 25bps in December 2026?", resolvesAt: Date.UTC(2026, 11, 9, 19, 5) },
    { marketId: "KXRAINNYCM-26DEC-4", side: "yes", size: 30, entryPrice: 0.35, currentPrice: 0.33, label: "Will NYC get more than 4 inches of rain in December 2026?", resolvesAt: Date.UTC(2027, 0, 1, 4, 59) },
    { marketId: "KXGDP-26Q4-T3.0", side: "yes", size: 10, entryPrice: 0.6, currentPrice: 0.6, label: undefined, resolvesAt: undefined },
  ];
  const fedEvent = {
    eventId: "KXFEDDECISION-26DEC",
    markets: ["KXFEDDECISION-26DEC-C25", "KXFEDDECISION-26DEC-H0", "KXFEDDECISION-26DEC-H25"],
    exhaustive: false,
    label: "Fed decision in December 2026",
  };

  function common(r: ImportResult): void {
    expect(r.events).toEqual([fedEvent]); // the rain event is not mutually exclusive
    expect(r.skipped.map((s) => s.row)).toEqual([6, 7]);
    expect(r.skipped[0]!.reason).toMatch(/determined/);
    expect(r.skipped[1]!.reason).toMatch(/position 0/);
    expect(r.warnings).toEqual([{ row: 5, reason: expect.stringMatching(/no market object/) }]);
    allFinite(r);
  }

  it("generation 1, integer cents: entry = market_exposure/100/|position|, mid quote, NO = 1 − YES", () => {
    const r = fromKalshiPositions(kalshi("cents"), { markets: marketsCents(), events: events() });
    expectPositions(r.positions, expectedCents);
    common(r);
  });

  it("generation 2, cents next to _dollars/_fp: reads the strings, agrees with generation 1", () => {
    const r = fromKalshiPositions(kalshi("mixed"), { markets: marketsDollars().markets, events: events().events });
    expectPositions(r.positions, expectedCents);
    common(r);
  });

  it("generation 3, _dollars/_fp only with fractional contracts", () => {
    const r = fromKalshiPositions(kalshi("fp"), { markets: marketsDollars(), events: events() });
    expectPositions(r.positions, [
      { ...expectedCents[0]!, size: 120.5 }, // 46.995 / 120.5 = 0.39
      { ...expectedCents[1]!, size: 80.25 }, // 44.1375 / 80.25 = 0.55
      expectedCents[2]!,
      { ...expectedCents[3]!, size: 30.5 }, // 10.675 / 30.5 = 0.35
      expectedCents[4]!,
    ]);
    common(r);
  });

  it("without market objects: current = entry with a warning per row, no events", () => {
    const r = fromKalshiPositions(kalshi("cents"));
    expect(r.positions.map((p) => p.currentPrice)).toEqual(r.positions.map((p) => p.entryPrice));
    expect(r.positions).toHaveLength(6); // the determined CPI market is unknown here, so it is imported
    expect(r.warnings.map((w) => w.row)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.events).toEqual([]);
    expect(r.skipped.map((s) => s.row)).toEqual([7]);
  });

  it("events with nested markets give quotes and membership; a bare array of market positions is not accepted", () => {
    const response = {
      market_positions: [
        { ticker: "__proto__", position_fp: "-10.00", market_exposure_dollars: "7.000000" },
        { ticker: "B", position_fp: "4.00", market_exposure_dollars: "1.000000" },
      ],
    };
    const r = fromKalshiPositions(response, {
      events: [
        {
          event_ticker: "E",
          mutually_exclusive: true,
          markets: [
            { ticker: "__proto__", yes_bid_dollars: "0.2000", yes_ask_dollars: "0.3000", close_time: "2027-01-01T00:00:00+01:00" },
            { ticker: "B", yes_bid_dollars: "0.0000", yes_ask_dollars: "1.0000", last_price_dollars: "0.0000", yes_sub_title: "B wins" },
          ],
        },
      ],
    });
    expectPositions(r.positions, [
      { marketId: "__proto__", side: "no", size: 10, entryPrice: 0.7, currentPrice: 0.75, label: undefined, resolvesAt: Date.UTC(2026, 11, 31, 23) },
      { marketId: "B", side: "yes", size: 4, entryPrice: 0.25, currentPrice: 0.25, label: "B wins", resolvesAt: undefined },
    ]);
    expect(r.warnings).toEqual([{ row: 2, reason: expect.stringMatching(/no two-sided quote/) }]);
    expect(r.events).toEqual([{ eventId: "E", markets: ["__proto__", "B"], exhaustive: false }]);
    throwsHz(() => fromKalshiPositions(response.market_positions as never), "INVALID_ARGUMENT", "response");
  });

  it("malformed input throws HzError naming row and field, importing nothing", () => {
    const resp = kalshi("mixed");
    const bad = (i: number, patch: Record<string, unknown>) => ({ ...resp, market_positions: resp.market_positions.map((r, j) => (j === i ? { ...r, ...patch } : r)) });
    throwsHz(() => fromKalshiPositions(bad(1, { position: -79 })), "INVALID_ARGUMENT", "position_fp", /Kalshi row 2/, /KXFEDDECISION-26DEC-H0/, /disagrees/);
    throwsHz(() => fromKalshiPositions(bad(0, { market_exposure_dollars: "500.0000" })), "INVALID_PRICE", "market_exposure_dollars", /row 1/, /above 1/);
    throwsHz(() => fromKalshiPositions(bad(0, { market_exposure_dollars: "-1.0000" })), "INVALID_PRICE", "market_exposure_dollars", /row 1/);
    throwsHz(() => fromKalshiPositions(bad(2, { position_fp: "1e400" })), "INVALID_SIZE", "position_fp", /row 3/);
    throwsHz(() => fromKalshiPositions(bad(2, { position_fp: "0x10", position: undefined })), "INVALID_SIZE", "position_fp", /row 3/);
    throwsHz(() => fromKalshiPositions(bad(3, { position_fp: undefined, position: undefined })), "INVALID_ARGUMENT", "position_fp", /row 4/, /missing/);
    throwsHz(() => fromKalshiPositions(bad(3, { market_exposure_dollars: undefined, market_exposure: undefined })), "INVALID_ARGUMENT", "market_exposure_dollars", /row 4/);
    throwsHz(() => fromKalshiPositions(bad(4, { fees_paid_dollars: "n/a" })), "INVALID_ARGUMENT", "fees_paid_dollars", /row 5/);
    throwsHz(() => fromKalshiPositions(bad(4, { ticker: "KXFEDDECISION-26DEC-C25" })), "INVALID_ARGUMENT", "ticker", /row 5/, /also row 1/);
    const markets = marketsDollars().markets as Array<Record<string, unknown>>;
    markets[1] = { ...markets[1], yes_ask_dollars: "1.5000" };
    throwsHz(() => fromKalshiPositions(resp, { markets } as never), "INVALID_PRICE", "yes_ask_dollars", /Kalshi markets row 2/);
    markets[1] = { ...markets[1], yes_ask_dollars: "0.5400", expected_expiration_time: "2026-12-09 19:05" };
    throwsHz(() => fromKalshiPositions(resp, { markets } as never), "INVALID_ARGUMENT", "expected_expiration_time", /markets row 2/);
    throwsHz(() => fromKalshiPositions(resp, { events: [{ event_ticker: "E", mutually_exclusive: "true" }] } as never), "INVALID_ARGUMENT", "mutually_exclusive", /events row 1/);
    throwsHz(() => fromKalshiPositions(null as never), "INVALID_ARGUMENT", "response");
  });
});

describe("parsePositionsCsv", () => {
  it("reads the fixture: BOM, CRLF, quoted commas/quotes/newlines, __proto__, events, ISO and ms times", () => {
    const r = parsePositionsCsv(fixture("positions.csv"));
    expectPositions(r.positions, [
      { marketId: "fed-cut-dec", side: "yes", size: 400, entryPrice: 0.45, currentPrice: 0.52, label: "Fed cut in December, 2026?", resolvesAt: Date.UTC(2026, 11, 10, 19) },
      { marketId: "__proto__", side: "no", size: 1000, entryPrice: 0.7, currentPrice: 0.65, label: 'Recession "hard landing" 2026', resolvesAt: undefined },
      { marketId: "election-alice", side: "yes", size: 250.5, entryPrice: 0.31, currentPrice: 0.35, label: "Will Alice win?\nPresidential election, 2028", resolvesAt: Date.UTC(2028, 10, 7) },
      { marketId: "election-bob", side: "no", size: 120, entryPrice: 0.82, currentPrice: 0.82, label: "Bob (NO)", resolvesAt: 1857211200000 },
    ]);
    expect(r.events).toEqual([{ eventId: "pres-2028", markets: ["election-alice", "election-bob"], exhaustive: false }]);
    expect(r.skipped).toEqual([{ row: 5, reason: expect.stringMatching(/size 0/) }]); // the blank line is not a row
    expect(r.warnings).toEqual([]);
    allFinite(r);
  });

  it("columns in any order, only the required ones, \\r line ends, single-row event warned", () => {
    const r = parsePositionsCsv("SIZE,Market_ID,entry_price,side,event_id\r10,a,0.5,no,e1\r20,b,0.25,yes,\r");
    expect(r.positions).toEqual([
      { marketId: "a", side: "no", size: 10, entryPrice: 0.5, currentPrice: 0.5 },
      { marketId: "b", side: "yes", size: 20, entryPrice: 0.25, currentPrice: 0.25 },
    ]);
    expect(r.events).toEqual([]);
    expect(r.warnings).toEqual([{ row: 1, reason: expect.stringMatching(/e1.*single position/) }]);
    expect(parsePositionsCsv("market_id,side,size,entry_price\n")).toEqual({ positions: [], events: [], skipped: [], warnings: [] });
  });

  it("malformed CSV throws HzError naming row and column, importing nothing", () => {
    const H = "market_id,side,size,entry_price,current_price,resolves_at\n";
    const ok = "a,yes,1,0.5,0.5,\n";
    throwsHz(() => parsePositionsCsv(H + ok + "b,yes,1,1.5,,\n"), "INVALID_PRICE", "entry_price", /CSV row 2/, /"b"/);
    throwsHz(() => parsePositionsCsv(H + ok + "b,yes,1,0.5,0x1,\n"), "INVALID_PRICE", "current_price", /row 2/);
    throwsHz(() => parsePositionsCsv(H + ok + "b,yes,Infinity,0.5,,\n"), "INVALID_SIZE", "size", /row 2/);
    throwsHz(() => parsePositionsCsv(H + ok + "b,yes,-1,0.5,,\n"), "INVALID_SIZE", "size", /row 2/);
    throwsHz(() => parsePositionsCsv(H + ok + "b,maybe,1,0.5,,\n"), "INVALID_ARGUMENT", "side", /row 2/);
    throwsHz(() => parsePositionsCsv(H + ok + "a,no,1,0.5,,\n"), "INVALID_ARGUMENT", "market_id", /row 2/, /also row 1/);
    throwsHz(() => parsePositionsCsv(H + ok + ",no,1,0.5,,\n"), "INVALID_ARGUMENT", "market_id", /row 2/);
    throwsHz(() => parsePositionsCsv(H + ok + "b,no,1,0.5\n"), "INVALID_ARGUMENT", "row", /row 2/, /4 cells/);
    throwsHz(() => parsePositionsCsv(H + ok + "b,no,1,0.5,,2026-13-01\n"), "INVALID_ARGUMENT", "resolves_at", /row 2/);
    throwsHz(() => parsePositionsCsv(H + ok + "b,no,1,0.5,,2026-01-01T10:00\n"), "INVALID_ARGUMENT", "resolves_at", /row 2/);
    throwsHz(() => parsePositionsCsv(H + ok + 'b,no,1,0.5,,"unterminated\n'), "INVALID_ARGUMENT", undefined, /CSV row 2/);
    throwsHz(() => parsePositionsCsv("market_id,side,size\na,yes,1\n"), "INVALID_ARGUMENT", "header", /entry_price/);
    throwsHz(() => parsePositionsCsv("market_id,side,size,entry_price,curent_price\n"), "INVALID_ARGUMENT", "header", /curent_price/);
    throwsHz(() => parsePositionsCsv("market_id,side,size,entry_price,size\n"), "INVALID_ARGUMENT", "header", /twice/);
    throwsHz(() => parsePositionsCsv(""), "INVALID_ARGUMENT", "header");
    throwsHz(() => parsePositionsCsv(42 as never), "INVALID_ARGUMENT", "text");
  });
});

describe("round trip into a Portfolio", () => {
  it("Polymarket", async () => roundTrip(fromPolymarketPositions(poly())));
  it("Kalshi, each generation", async () => {
    await roundTrip(fromKalshiPositions(kalshi("cents"), { markets: marketsCents(), events: events() }));
    await roundTrip(fromKalshiPositions(kalshi("mixed"), { markets: marketsDollars(), events: events() }));
    await roundTrip(fromKalshiPositions(kalshi("fp"), { markets: marketsDollars(), events: events() }));
  });
  it("CSV", async () => roundTrip(parsePositionsCsv(fixture("positions.csv"))));
});
