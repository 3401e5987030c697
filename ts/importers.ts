// Position importers (issue 16): pure functions turning a platform's positions export — Polymarket's
// Data API `GET /positions`, Kalshi's `GET /portfolio/positions` (+ markets and events), or a CSV —
// into positions and events in this library's conventions (prices per share of the HELD side).
// No network. Every row is validated before anything is returned, so a malformed input throws one
// HzError (naming the row and the field) and imports nothing. Market ids are data: everything keyed
// by them lives in Maps, never in plain objects (`"__proto__"` is a valid id).
import Papa from "papaparse";
import { fail, type HzErrorCode } from "./errors.js";
import { MAX_POSITION_SIZE } from "./validate.js";

/** The side of a binary contract held (same as the portfolio's `Side`). */
export type ImportedSide = "yes" | "no";

/**
 * A position read from an export. Structurally a `PositionInput` (with its `label` and
 * `resolvesAt`), so `portfolio.addPosition(p)` takes it as is and keeps both; prices are per share
 * of the side held.
 */
export interface ImportedPosition {
  /** The market id (Polymarket: `conditionId`; Kalshi: `ticker`; CSV: `market_id`). */
  marketId: string;
  /** The side held. */
  side: ImportedSide;
  /** Shares (contracts) held, > 0 and ≤ `MAX_POSITION_SIZE`. */
  size: number;
  /** Average price paid per share of the held side, in [0, 1]. */
  entryPrice: number;
  /** Current price per share of the held side, in [0, 1]. */
  currentPrice: number;
  /** A human-readable name of the market (Polymarket `title`, Kalshi `title`, CSV `label`). */
  label?: string;
  /** When the market is expected to resolve, in ms since the Unix epoch. */
  resolvesAt?: number;
}

/**
 * A group of mutually exclusive imported markets (at most one resolves YES), an `EventSpec` as is:
 * `portfolio.defineEvent(e.eventId, e)`.
 * Only groups of ≥ 2 imported markets are reported (an event needs 2 markets).
 */
export interface ImportedEvent {
  /** The event id (Polymarket `eventSlug`; Kalshi `event_ticker`; CSV `event_id`). */
  eventId: string;
  /** The imported markets of the event, in input order. */
  markets: string[];
  /** Whether one of `markets` must resolve YES. The platform importers always say false (see their docs). */
  exhaustive: boolean;
  /** The event's title when the input carries one (Kalshi `title`). */
  label?: string;
}

/** A note about one input row: why it was skipped, or what was assumed for it. */
export interface ImportNote {
  /** 1-based row number in the input (the array index + 1; CSV: data records after the header). */
  row: number;
  /** Human-readable reason. */
  reason: string;
}

/** What every importer returns. */
export interface ImportResult {
  /** The live positions, in input order, at most one per market. */
  positions: ImportedPosition[];
  /** Mutually exclusive groups of the imported markets (≥ 2 markets each). */
  events: ImportedEvent[];
  /** Rows not imported (resolved markets, closed positions, riskless complete sets) and why. */
  skipped: ImportNote[];
  /** Rows imported with an assumption worth checking (e.g. no quote: current price = entry price). */
  warnings: ImportNote[];
}

/** Most rows one import reads (positions, markets or events each). Larger inputs throw LIMIT_EXCEEDED. */
export const MAX_IMPORT_ROWS = 100_000;

// ───────────────────────────── shared checks ─────────────────────────────

/** Where a value came from, for messages: `Polymarket row 3 (market "0xab…")`. */
interface Ctx {
  readonly source: string;
  readonly row: number;
  marketId?: string;
}

function show(v: unknown): string {
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (typeof v === "string") return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v;
}

/** Throws an HzError whose message names the source, the row and the field; `field` is the field name. */
function bad(code: HzErrorCode, ctx: Ctx, field: string, what: string): never {
  const m = ctx.marketId === undefined ? "" : ` (market ${JSON.stringify(ctx.marketId)})`;
  fail(code, `${ctx.source} row ${ctx.row}${m}: ${field} ${what}`, { field, ...(ctx.marketId === undefined ? {} : { marketId: ctx.marketId }) });
}

function record(v: unknown, ctx: Ctx): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) bad("INVALID_ARGUMENT", ctx, "row", `must be an object, got ${show(v)}`);
  return v as Record<string, unknown>;
}

function rowsOf(v: unknown, what: string): readonly unknown[] {
  if (!Array.isArray(v)) fail("INVALID_ARGUMENT", `${what} must be an array, got ${show(v)}`, { field: what });
  if (v.length > MAX_IMPORT_ROWS) fail("LIMIT_EXCEEDED", `${what}: at most ${MAX_IMPORT_ROWS} rows, got ${v.length}`, { field: what });
  return v;
}

/** Own property only: a row parsed from JSON may have a `__proto__` key, but never an inherited field. */
function get(r: Record<string, unknown>, k: string): unknown {
  return Object.prototype.hasOwnProperty.call(r, k) ? r[k] : undefined;
}

// Plain decimal notation only: no hex/binary/octal, no "Infinity", no empty string (Number("") is 0).
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A finite number given as a JSON number or a decimal string (fixed-point fields are strings). */
function decimal(v: unknown, ctx: Ctx, field: string, code: HzErrorCode): number {
  let x: number;
  if (typeof v === "number") x = v;
  else if (typeof v === "string" && DECIMAL.test(v.trim())) x = Number(v.trim());
  else bad(code, ctx, field, `must be a number (or a decimal string), got ${show(v)}`);
  if (!Number.isFinite(x)) bad(code, ctx, field, `must be finite, got ${show(v)}`);
  return x === 0 ? 0 : x; // normalise −0
}

function priceIn(x: number, ctx: Ctx, field: string): number {
  if (!(x >= 0 && x <= 1)) bad("INVALID_PRICE", ctx, field, `must be a price in [0, 1], got ${show(x)}`);
  return x === 0 ? 0 : x;
}

function sizeIn(x: number, ctx: Ctx, field: string): number {
  if (x < 0) bad("INVALID_SIZE", ctx, field, `must be ≥ 0, got ${show(x)}`);
  if (x > MAX_POSITION_SIZE) bad("LIMIT_EXCEEDED", ctx, field, `must be ≤ ${MAX_POSITION_SIZE}, got ${show(x)}`);
  return x;
}

function nonEmptyString(v: unknown, ctx: Ctx, field: string): string {
  if (typeof v !== "string" || v.length === 0) bad("INVALID_ARGUMENT", ctx, field, `must be a non-empty string, got ${show(v)}`);
  return v;
}

function optionalString(v: unknown, ctx: Ctx, field: string): string | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") bad("INVALID_ARGUMENT", ctx, field, `must be a string, got ${show(v)}`);
  return v;
}

function optionalBoolean(v: unknown, ctx: Ctx, field: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== "boolean") bad("INVALID_ARGUMENT", ctx, field, `must be a boolean, got ${show(v)}`);
  return v;
}

/** Largest |ms| a Date can hold (±100 000 000 days). */
const MAX_TIME_MS = 8.64e15;
// ISO 8601 as the platforms emit it: a date, or a date-time with seconds/fraction optional and an
// offset required (a time without an offset would depend on the reader's time zone).
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/;

function daysIn(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/**
 * A strict ISO 8601 date (`2024-11-05`, read as 00:00 UTC) or date-time with an offset
 * (`2024-11-05T23:59:00Z`, `…+01:00`) → ms. Impossible dates (Feb 30, 25:00) are errors, where
 * `Date.parse` would roll them over. With `allowMs`, a plain integer is ms since the epoch.
 */
function isoTime(v: unknown, ctx: Ctx, field: string, allowMs = false): number {
  if (allowMs && typeof v === "string" && /^-?\d+$/.test(v)) {
    const ms = Number(v);
    if (!(Math.abs(ms) <= MAX_TIME_MS)) bad("INVALID_ARGUMENT", ctx, field, `must be within ±${MAX_TIME_MS} ms, got ${show(v)}`);
    return ms === 0 ? 0 : ms;
  }
  const m = typeof v === "string" ? ISO.exec(v) : null;
  const expect = allowMs ? "an ISO 8601 date or date-time with an offset, or ms since the epoch" : "an ISO 8601 date or date-time with an offset";
  if (m === null) bad("INVALID_ARGUMENT", ctx, field, `must be ${expect}, got ${show(v)}`);
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4] ?? "0", m[5] ?? "0", m[6] ?? "0"].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || s > 59) {
    bad("INVALID_ARGUMENT", ctx, field, `is not a valid date-time, got ${show(v)}`);
  }
  const ms = Date.parse(m[4] === undefined ? `${m[1]}-${m[2]}-${m[3]}T00:00:00Z` : (v as string).replace(" ", "T"));
  if (!Number.isFinite(ms)) bad("INVALID_ARGUMENT", ctx, field, `is not a valid date-time, got ${show(v)}`);
  return ms === 0 ? 0 : ms;
}

/** Groups imported markets by event id (input order), keeping groups of ≥ 2 markets. */
function eventsOf(groups: Map<string, { markets: string[]; label?: string }>, exhaustive: boolean): ImportedEvent[] {
  const out: ImportedEvent[] = [];
  for (const [eventId, g] of groups) {
    if (g.markets.length < 2) continue;
    out.push({ eventId, markets: g.markets, exhaustive, ...(g.label === undefined ? {} : { label: g.label }) });
  }
  return out;
}

function addToGroup(groups: Map<string, { markets: string[]; label?: string }>, eventId: string, marketId: string, label?: string): void {
  let g = groups.get(eventId);
  if (g === undefined) {
    g = label === undefined ? { markets: [] } : { markets: [], label };
    groups.set(eventId, g);
  }
  g.markets.push(marketId);
}

function position(marketId: string, side: ImportedSide, size: number, entryPrice: number, currentPrice: number, label?: string, resolvesAt?: number): ImportedPosition {
  const p: ImportedPosition = { marketId, side, size, entryPrice, currentPrice };
  if (label !== undefined) p.label = label;
  if (resolvesAt !== undefined) p.resolvesAt = resolvesAt;
  return p;
}

// ───────────────────────────── Polymarket ─────────────────────────────

/**
 * One row of Polymarket's Data API `GET https://data-api.polymarket.com/positions?user=…`
 * (schema: https://docs.polymarket.com/api-reference/core/get-current-positions-for-a-user).
 * Only the fields the importer reads are typed; others are ignored.
 */
export interface PolymarketPositionRow {
  /** Token id of the outcome held (not read: `conditionId` + `outcome` identify the position). */
  asset?: string;
  /** The market (CTF condition) id, `0x` + 64 hex digits: the imported `marketId`. */
  conditionId: string;
  /** Shares of the outcome held. */
  size: number | string;
  /** Average price paid per share of the outcome held. */
  avgPrice: number | string;
  /** Current price per share of the outcome held. */
  curPrice: number | string;
  /** Name of the outcome held: `"Yes"`/`"No"`, or a name (`"Lakers"`) on markets with named outcomes. */
  outcome: string;
  /** Index of the outcome held in the market's two outcomes (0 or 1). */
  outcomeIndex?: number;
  /** Name of the other outcome. */
  oppositeOutcome?: string;
  /** Market question, kept as the label. */
  title?: string;
  /** Market slug (not the id: see `conditionId`). */
  slug?: string;
  /** Slug of the event the market belongs to: the event id of negative-risk groups. */
  eventSlug?: string;
  /** Market end date, ISO 8601 (date or date-time): the resolution time. */
  endDate?: string;
  /** True when the market is one outcome of a negative-risk (mutually exclusive) event. */
  negativeRisk?: boolean;
  /** True once the market has resolved and the shares can be redeemed: such rows are skipped. */
  redeemable?: boolean;
  /** Other fields (`initialValue`, `currentValue`, `cashPnl`, …) are not read. */
  [field: string]: unknown;
}

interface PolyRow {
  row: number;
  marketId: string;
  side: ImportedSide;
  size: number;
  entry: number;
  current: number;
  label?: string;
  resolvesAt?: number;
  eventSlug?: string;
  negativeRisk: boolean;
}

const YES_NO = new Map<string, ImportedSide>([
  ["yes", "yes"],
  ["no", "no"],
]);

/**
 * Imports Polymarket positions: the JSON array returned by the Data API's `GET /positions`
 * (https://docs.polymarket.com/api-reference/core/get-current-positions-for-a-user).
 *
 * Field by field:
 * - `marketId` = `conditionId` (the market's on-chain id, unique per binary market, and what the
 *   Data API's `market=` filter takes; `slug` is only a display name).
 * - `side`: `outcome` `"Yes"`/`"No"` (any case) → `"yes"`/`"no"`. Markets whose two outcomes are
 *   names (`"Lakers"`/`"Celtics"`, `"Over"`/`"Under"`) are still binary: the outcome at
 *   `outcomeIndex` 0 is read as YES and index 1 as NO, and the label says which name YES stands for
 *   (`"Lakers vs. Celtics [YES = Lakers]"`), so `probs` are the probability of outcome 0.
 * - `size` = `size`; `entryPrice` = `avgPrice`; `currentPrice` = `curPrice` — all per share of the
 *   outcome held, which is the library's held-side convention (no 1 − p conversion).
 * - `resolvesAt` = `endDate` (ISO; a date alone is 00:00 UTC); absent or empty → omitted.
 * - `label` = `title`.
 * - Events: markets with `negativeRisk: true` sharing an `eventSlug` form one event (at most one
 *   resolves YES), `exhaustive: false` because the positions list only the markets held, not every
 *   outcome of the event.
 *
 * Skipped (in `skipped`): `redeemable` rows (resolved markets: redeem them, they carry no risk) and
 * rows of size 0. A wallet holding both outcomes of one market (`mergeable`) holds min(YES, NO)
 * complete sets worth exactly 1 each: they are riskless and not imported; the excess of the larger
 * side is imported at that side's `avgPrice`/`curPrice` (a warning names the row), and the smaller
 * side's row is skipped. Numbers may be JSON numbers or decimal strings; other fields are ignored.
 *
 * @throws {@link HzError} naming the row (1-based) and field, and importing nothing:
 * INVALID_ARGUMENT (not an array, missing `conditionId`, unknown outcome, bad `endDate`, the same
 * outcome twice), INVALID_PRICE (`avgPrice`/`curPrice` outside [0, 1]), INVALID_SIZE, LIMIT_EXCEEDED.
 */
export function fromPolymarketPositions(rows: readonly PolymarketPositionRow[]): ImportResult {
  const list = rowsOf(rows, "Polymarket positions");
  const skipped: ImportNote[] = [];
  const warnings: ImportNote[] = [];
  const parsed: PolyRow[] = [];
  for (const [i, raw] of list.entries()) {
    const ctx: Ctx = { source: "Polymarket", row: i + 1 };
    const r = record(raw, ctx);
    ctx.marketId = nonEmptyString(get(r, "conditionId"), ctx, "conditionId");
    if (optionalBoolean(get(r, "redeemable"), ctx, "redeemable")) {
      skipped.push({ row: ctx.row, reason: "redeemable: the market has resolved (redeem the shares on Polymarket); not a live position" });
      continue;
    }
    const outcome = nonEmptyString(get(r, "outcome"), ctx, "outcome");
    let side = YES_NO.get(outcome.trim().toLowerCase());
    let title = optionalString(get(r, "title"), ctx, "title");
    if (side === undefined) {
      // A named outcome: the market is binary all the same; outcome 0 plays YES.
      const idx = get(r, "outcomeIndex");
      if (idx !== 0 && idx !== 1) bad("INVALID_ARGUMENT", ctx, "outcomeIndex", `must be 0 or 1 for the named outcome ${show(outcome)}, got ${show(idx)}`);
      side = idx === 0 ? "yes" : "no";
      const yesName = idx === 0 ? outcome : optionalString(get(r, "oppositeOutcome"), ctx, "oppositeOutcome");
      if (yesName !== undefined) title = `${title ?? ctx.marketId} [YES = ${yesName}]`;
    }
    const size = sizeIn(decimal(get(r, "size"), ctx, "size", "INVALID_SIZE"), ctx, "size");
    const entry = priceIn(decimal(get(r, "avgPrice"), ctx, "avgPrice", "INVALID_PRICE"), ctx, "avgPrice");
    const current = priceIn(decimal(get(r, "curPrice"), ctx, "curPrice", "INVALID_PRICE"), ctx, "curPrice");
    const end = get(r, "endDate");
    const resolvesAt = end === undefined || end === null || end === "" ? undefined : isoTime(end, ctx, "endDate");
    const eventSlug = optionalString(get(r, "eventSlug"), ctx, "eventSlug");
    const negativeRisk = optionalBoolean(get(r, "negativeRisk"), ctx, "negativeRisk");
    if (size === 0) {
      skipped.push({ row: ctx.row, reason: "size 0: no shares held" });
      continue;
    }
    parsed.push({ row: ctx.row, marketId: ctx.marketId, side, size, entry, current, label: title, resolvesAt, eventSlug, negativeRisk });
  }

  // One position per market: pair the two outcomes of a market held together.
  const byMarket = new Map<string, PolyRow[]>();
  for (const p of parsed) {
    const same = byMarket.get(p.marketId);
    if (same === undefined) byMarket.set(p.marketId, [p]);
    else {
      if (same.some((q) => q.side === p.side)) {
        bad("INVALID_ARGUMENT", { source: "Polymarket", row: p.row, marketId: p.marketId }, "outcome", `held twice: row ${same[0]!.row} already holds this outcome of the market`);
      }
      same.push(p);
    }
  }
  const positions: ImportedPosition[] = [];
  const groups = new Map<string, { markets: string[] }>();
  for (const [marketId, held] of byMarket) {
    let keep = held[0]!;
    let size = keep.size;
    if (held.length === 2) {
      const [a, b] = held as [PolyRow, PolyRow];
      const sets = Math.min(a.size, b.size);
      const big = a.size >= b.size ? a : b;
      const small = big === a ? b : a;
      size = big.size - sets;
      skipped.push({ row: small.row, reason: `both outcomes held: ${sets} complete sets (one YES + one NO, worth 1 each) are riskless and not imported` });
      if (size === 0) {
        skipped.push({ row: big.row, reason: `both outcomes held in equal size: ${sets} complete sets are riskless and not imported` });
        continue;
      }
      warnings.push({ row: big.row, reason: `both outcomes held: imported the net ${size} shares of ${big.side.toUpperCase()} (the ${sets} complete sets are riskless)` });
      keep = big;
    }
    positions.push(position(marketId, keep.side, size, keep.entry, keep.current, keep.label, keep.resolvesAt));
    if (keep.negativeRisk && keep.eventSlug !== undefined) addToGroup(groups, keep.eventSlug, marketId);
  }
  return { positions, events: eventsOf(groups, false), skipped, warnings };
}

// ───────────────────────────── Kalshi ─────────────────────────────

/**
 * One element of `market_positions` in Kalshi's `GET /portfolio/positions` response
 * (https://docs.kalshi.com/api-reference/portfolio/get-positions). Three generations are read: integer
 * cents only (`position`, `market_exposure`, …), cents alongside `_dollars`/`_fp` strings, and
 * `_dollars`/`_fp` strings only (fractional contracts allowed).
 */
export interface KalshiMarketPosition {
  /** The market ticker: the imported `marketId`. */
  ticker: string;
  /** Contracts as a fixed-point string ("10.00", "-2.50"): positive YES, negative NO. */
  position_fp?: string;
  /** Legacy integer contracts: positive YES, negative NO. */
  position?: number;
  /** Cost of the position held, dollars as a fixed-point string. */
  market_exposure_dollars?: string;
  /** Legacy: cost of the position held, in cents. */
  market_exposure?: number;
  /** Realised P&L (dollars string / legacy cents): checked to be a number, not imported. */
  realized_pnl_dollars?: string;
  /** Legacy realised P&L in cents (not imported). */
  realized_pnl?: number;
  /** Fees paid (dollars string / legacy cents): checked to be a number, not part of the entry price. */
  fees_paid_dollars?: string;
  /** Legacy fees paid in cents (not imported). */
  fees_paid?: number;
  /** Other fields (`total_traded`, `resting_orders_count`, `last_updated_ts`, …) are not read. */
  [field: string]: unknown;
}

/** Kalshi's `GET /portfolio/positions` response (`event_positions` and `cursor` are not read). */
export interface KalshiPositionsResponse {
  /** The market positions. */
  market_positions: readonly KalshiMarketPosition[];
  /** Other fields are not read. */
  [field: string]: unknown;
}

/**
 * A market object of Kalshi's `GET /markets` / `GET /markets/{ticker}`
 * (https://docs.kalshi.com/api-reference/market/get-markets): the quote, resolution time and title.
 */
export interface KalshiMarket {
  /** The market ticker. */
  ticker: string;
  /** The event it belongs to. */
  event_ticker?: string;
  /** Market title (the label). */
  title?: string;
  /** Short title of the YES side (the label when `title` is absent). */
  yes_sub_title?: string;
  /** Best YES bid, dollars string (preferred) / legacy cents. */
  yes_bid_dollars?: string;
  /** Legacy best YES bid, in cents. */
  yes_bid?: number;
  /** Best YES ask, dollars string (preferred) / legacy cents. */
  yes_ask_dollars?: string;
  /** Legacy best YES ask, in cents. */
  yes_ask?: number;
  /** Last traded YES price, dollars string (preferred) / legacy cents. */
  last_price_dollars?: string;
  /** Legacy last traded YES price, in cents. */
  last_price?: number;
  /** `"yes"`/`"no"`/`"scalar"` once determined, else `""`: a determined market's position is skipped. */
  result?: string;
  /** Expected expiration (ISO): the resolution time. */
  expected_expiration_time?: string | null;
  /** Trading close (ISO): the resolution time when no expected expiration is given. */
  close_time?: string;
  /** Other fields are not read. */
  [field: string]: unknown;
}

/** An event object of Kalshi's `GET /events` (https://docs.kalshi.com/api-reference/events/get-events). */
export interface KalshiEvent {
  /** The event ticker: the imported `eventId`. */
  event_ticker: string;
  /** True when at most one market of the event resolves YES. */
  mutually_exclusive?: boolean;
  /** Event title (the event's label). */
  title?: string;
  /** Nested markets (`with_nested_markets=true`): used as quotes and to map tickers to the event. */
  markets?: readonly KalshiMarket[];
  /** Other fields are not read. */
  [field: string]: unknown;
}

/** Options of {@link fromKalshiPositions}. */
export interface KalshiImportOptions {
  /** Market objects, or a `GET /markets` response (`{ markets: [...] }`): quotes, titles, times, events. */
  markets?: readonly KalshiMarket[] | {
    /** The markets of a `GET /markets` page. */
    markets: readonly KalshiMarket[]
  };
  /** Event objects, or a `GET /events` response (`{ events: [...] }`): mutually exclusive groups. */
  events?: readonly KalshiEvent[] | {
    /** The events of a `GET /events` page. */
    events: readonly KalshiEvent[]
  };
}

/** Reads a list given as an array or as `{ [key]: array }` (a raw API response). */
function listOption(v: unknown, key: string): readonly unknown[] {
  if (v === undefined) return [];
  if (typeof v === "object" && v !== null && !Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, key)) {
    return rowsOf((v as Record<string, unknown>)[key], `Kalshi ${key}`);
  }
  return rowsOf(v, `Kalshi ${key}`);
}

/**
 * A Kalshi amount in dollars: the `<name>_dollars` fixed-point string when present (exact, and the only
 * form in current responses), else the legacy integer cents `<name>` / 100; undefined when neither.
 */
function dollars(r: Record<string, unknown>, name: string, ctx: Ctx, code: HzErrorCode): { value: number; field: string } | undefined {
  const d = get(r, `${name}_dollars`);
  if (d !== undefined && d !== null) return { value: decimal(d, ctx, `${name}_dollars`, code), field: `${name}_dollars` };
  const c = get(r, name);
  if (c !== undefined && c !== null) return { value: decimal(c, ctx, name, code) / 100, field: name };
  return undefined;
}

interface KalshiQuote {
  yes?: number;
  how: string;
}

/** The YES price of a market object: mid of a two-sided book, else the last trade, else none. */
function yesQuote(m: Record<string, unknown>, ctx: Ctx): KalshiQuote {
  const price = (name: string) => {
    const x = dollars(m, name, ctx, "INVALID_PRICE");
    return x === undefined ? undefined : priceIn(x.value, ctx, x.field);
  };
  const bid = price("yes_bid");
  const ask = price("yes_ask");
  const last = price("last_price");
  // Kalshi quotes an empty side as a bid of 0 / an ask of 1.00 (100¢): not a price.
  if (bid !== undefined && ask !== undefined && bid > 0 && ask < 1 && bid <= ask) return { yes: (bid + ask) / 2, how: "mid" };
  if (last !== undefined && last > 0) return { yes: last, how: "last" };
  return { how: "none" };
}

/**
 * Imports Kalshi positions: the response of `GET /portfolio/positions`
 * (https://docs.kalshi.com/api-reference/portfolio/get-positions), optionally with market objects
 * (`GET /markets`) for quotes, titles and times, and events (`GET /events`) for mutually exclusive
 * groups. Every schema generation the docs have shown is read — integer cents only, cents next to
 * `_dollars`/`_fp` strings, and strings only (with fractional contracts):
 *
 * - `marketId` = `ticker`.
 * - Contracts: `position_fp` (string, may be fractional) else `position` (integer); when both are
 *   present they must agree (the docs say they match). Positive → `"yes"`, negative → `"no"`,
 *   `size` = |contracts|. 0 → skipped (a closed position still listed for its realised P&L).
 * - `entryPrice` = cost ÷ |contracts|, with cost = `market_exposure_dollars` else `market_exposure`
 *   / 100 ("cost of the aggregate market position"). Not `total_traded`, which is everything ever
 *   spent on the market including shares since sold. The cost is of the side held, so the result is
 *   already a held-side price; it excludes `fees_paid` (model costs with a `FeeModel`).
 *   `realized_pnl`/`fees_paid` are checked to be numbers and not imported.
 * - Every amount: the `_dollars` string when present (exact, sub-cent), else the cents integer / 100.
 * - `currentPrice`, from the market object with that ticker (in `markets`, or nested in `events`):
 *   the mid of `yes_bid`/`yes_ask` when both sides are quoted (bid > 0, ask < 1), else `last_price`
 *   when > 0; a YES price converted to the held side (NO: 1 − YES). Without a market or a quote the
 *   current price is the entry price, and a warning names the row.
 * - A market whose `result` is set (`"yes"`, `"no"`, `"scalar"`) is determined: the row is skipped.
 * - `resolvesAt` = the market's `expected_expiration_time`, else its `close_time`; `label` = its
 *   `title`, else `yes_sub_title`.
 * - Events: markets whose event (`event_ticker` of the market, or the event nesting it) has
 *   `mutually_exclusive: true` form one event, `exhaustive: false` (Kalshi promises at most one YES,
 *   not exactly one), labelled with the event `title`. Non-exclusive events are not groups.
 *
 * @throws {@link HzError} naming the row (1-based index in `market_positions`, `markets` or
 * `events`) and field, and importing nothing: INVALID_ARGUMENT (shape, missing ticker, duplicate
 * ticker, disagreeing `position`/`position_fp`, bad time), INVALID_PRICE (a quote outside [0, 1], an
 * entry above 1), INVALID_SIZE, LIMIT_EXCEEDED.
 */
export function fromKalshiPositions(response: KalshiPositionsResponse, options: KalshiImportOptions = {}): ImportResult {
  if (typeof response !== "object" || response === null || Array.isArray(response)) {
    fail("INVALID_ARGUMENT", `Kalshi response must be the object returned by GET /portfolio/positions, got ${show(response)}`, { field: "response" });
  }
  const rows = rowsOf(get(response as Record<string, unknown>, "market_positions"), "Kalshi market_positions");
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    fail("INVALID_ARGUMENT", `Kalshi options must be { markets?, events? }, got ${show(options)}`, { field: "options" });
  }

  // Market objects by ticker (explicit `markets` first, then those nested in events), and the event
  // each market belongs to.
  const markets = new Map<string, { m: Record<string, unknown>; ctx: Ctx }>();
  const eventOf = new Map<string, string>();
  for (const [i, raw] of listOption(options.markets, "markets").entries()) {
    const ctx: Ctx = { source: "Kalshi markets", row: i + 1 };
    const m = record(raw, ctx);
    const t = nonEmptyString(get(m, "ticker"), ctx, "ticker");
    if (!markets.has(t)) markets.set(t, { m, ctx: { ...ctx, marketId: t } });
    const e = optionalString(get(m, "event_ticker"), ctx, "event_ticker");
    if (e !== undefined && !eventOf.has(t)) eventOf.set(t, e);
  }
  const events = new Map<string, { exclusive: boolean; title?: string }>();
  for (const [i, raw] of listOption(options.events, "events").entries()) {
    const ctx: Ctx = { source: "Kalshi events", row: i + 1 };
    const e = record(raw, ctx);
    const id = nonEmptyString(get(e, "event_ticker"), ctx, "event_ticker");
    const exclusive = optionalBoolean(get(e, "mutually_exclusive"), ctx, "mutually_exclusive");
    const title = optionalString(get(e, "title"), ctx, "title");
    if (!events.has(id)) events.set(id, title === undefined ? { exclusive } : { exclusive, title });
    const nested = get(e, "markets");
    if (nested === undefined || nested === null) continue;
    for (const [j, rawM] of rowsOf(nested, `Kalshi events row ${i + 1} markets`).entries()) {
      const mctx: Ctx = { source: `Kalshi events row ${i + 1} markets`, row: j + 1 };
      const m = record(rawM, mctx);
      const t = nonEmptyString(get(m, "ticker"), mctx, "ticker");
      if (!markets.has(t)) markets.set(t, { m, ctx: { ...mctx, marketId: t } });
      eventOf.set(t, id); // nesting is authoritative
    }
  }

  const positions: ImportedPosition[] = [];
  const skipped: ImportNote[] = [];
  const warnings: ImportNote[] = [];
  const groups = new Map<string, { markets: string[]; label?: string }>();
  const seen = new Map<string, number>();
  for (const [i, raw] of rows.entries()) {
    const ctx: Ctx = { source: "Kalshi", row: i + 1 };
    const r = record(raw, ctx);
    const ticker = nonEmptyString(get(r, "ticker"), ctx, "ticker");
    ctx.marketId = ticker;
    const prev = seen.get(ticker);
    if (prev !== undefined) bad("INVALID_ARGUMENT", ctx, "ticker", `is listed twice (also row ${prev})`);
    seen.set(ticker, ctx.row);

    const fp = get(r, "position_fp");
    const legacy = get(r, "position");
    let contracts: number;
    if (fp !== undefined && fp !== null) {
      contracts = decimal(fp, ctx, "position_fp", "INVALID_SIZE");
      if (legacy !== undefined && legacy !== null && decimal(legacy, ctx, "position", "INVALID_SIZE") !== contracts) {
        bad("INVALID_ARGUMENT", ctx, "position_fp", `${show(fp)} disagrees with position ${show(legacy)}`);
      }
    } else if (legacy !== undefined && legacy !== null) {
      contracts = decimal(legacy, ctx, "position", "INVALID_SIZE");
    } else {
      bad("INVALID_ARGUMENT", ctx, "position_fp", "is missing (and so is the legacy position)");
    }
    const size = sizeIn(Math.abs(contracts), ctx, fp !== undefined && fp !== null ? "position_fp" : "position");
    const side: ImportedSide = contracts < 0 ? "no" : "yes";
    const cost = dollars(r, "market_exposure", ctx, "INVALID_PRICE");
    for (const extra of ["realized_pnl", "fees_paid"]) dollars(r, extra, ctx, "INVALID_ARGUMENT");
    if (size === 0) {
      skipped.push({ row: ctx.row, reason: "position 0: no contracts held (a closed position listed for its realised P&L)" });
      continue;
    }
    if (cost === undefined) bad("INVALID_ARGUMENT", ctx, "market_exposure_dollars", "is missing (and so is the legacy market_exposure)");
    if (cost.value < 0) bad("INVALID_PRICE", ctx, cost.field, `must be ≥ 0, got ${show(cost.value)}`);
    const entry = cost.value / size;
    if (!(entry <= 1)) bad("INVALID_PRICE", ctx, cost.field, `gives an entry price ${show(entry)} per contract (${show(cost.value)} / ${show(size)}), above 1`);

    const mk = markets.get(ticker);
    let current = entry;
    let label: string | undefined;
    let resolvesAt: number | undefined;
    if (mk !== undefined) {
      const result = optionalString(get(mk.m, "result"), mk.ctx, "result");
      if (result !== undefined) {
        skipped.push({ row: ctx.row, reason: `market determined (result ${JSON.stringify(result)}): settled by Kalshi, not a live position` });
        continue;
      }
      const q = yesQuote(mk.m, mk.ctx);
      if (q.yes !== undefined) current = side === "yes" ? q.yes : 1 - q.yes;
      else warnings.push({ row: ctx.row, reason: "the market has no two-sided quote and no last trade: current price = entry price" });
      label = optionalString(get(mk.m, "title"), mk.ctx, "title") ?? optionalString(get(mk.m, "yes_sub_title"), mk.ctx, "yes_sub_title");
      const exp = get(mk.m, "expected_expiration_time");
      const close = get(mk.m, "close_time");
      if (exp !== undefined && exp !== null && exp !== "") resolvesAt = isoTime(exp, mk.ctx, "expected_expiration_time");
      else if (close !== undefined && close !== null && close !== "") resolvesAt = isoTime(close, mk.ctx, "close_time");
    } else {
      warnings.push({ row: ctx.row, reason: "no market object for this ticker: current price = entry price" });
    }
    positions.push(position(ticker, side, size, entry, current === 0 ? 0 : current, label, resolvesAt));
    const ev = eventOf.get(ticker);
    const info = ev === undefined ? undefined : events.get(ev);
    if (ev !== undefined && info !== undefined && info.exclusive) addToGroup(groups, ev, ticker, info.title);
  }
  return { positions, events: eventsOf(groups, false), skipped, warnings };
}

// ───────────────────────────── CSV ─────────────────────────────

const CSV_REQUIRED = ["market_id", "side", "size", "entry_price"] as const;
const CSV_COLUMNS = new Set<string>([...CSV_REQUIRED, "current_price", "event_id", "resolves_at", "label"]);

/**
 * Parses positions from CSV text (RFC 4180, read by papaparse: quoted fields with commas, quotes and
 * line breaks, `\n`/`\r\n`/`\r` line ends, a UTF-8 BOM, blank lines skipped). A header is required
 * and names the columns, in any order (case-insensitive): `market_id`, `side`, `size`, `entry_price`
 * and optionally `current_price`, `event_id`, `resolves_at`, `label`; any other column is an error
 * (a misspelt optional column would otherwise be dropped silently). Cells are trimmed.
 *
 * - `side`: `yes` or `no` (any case). `size` ≥ 0 and prices in [0, 1]: plain decimals (no hex,
 *   no `Infinity`); prices are per share of the side held. A size of 0 is skipped.
 * - `current_price` empty or absent → the entry price. `label` empty → none.
 * - `resolves_at`: ISO 8601 date (00:00 UTC) or date-time with an offset, or ms since the epoch.
 * - `event_id`: rows sharing it form an event (`exhaustive: false`); an event id on a single row
 *   forms no event (an event needs 2 markets) and is reported in `warnings`.
 *
 * Rows are numbered from 1 after the header, blank lines not counted.
 *
 * @throws {@link HzError} naming the row and column, and importing nothing: INVALID_ARGUMENT (no
 * header, a missing/unknown/duplicate column, a wrong cell count, an unknown side, a market listed
 * twice, a bad time), INVALID_SIZE, INVALID_PRICE, LIMIT_EXCEEDED.
 */
export function parsePositionsCsv(text: string): ImportResult {
  if (typeof text !== "string") fail("INVALID_ARGUMENT", `parsePositionsCsv expects CSV text, got ${show(text)}`, { field: "text" });
  // One line-end style for the whole text: papaparse detects a single newline kind, so a file mixing
  // \r\n and \n (edited by hand) would otherwise glue lines together. Papaparse strips the BOM.
  const parsed = Papa.parse<string[]>(text.replace(/\r\n?/g, "\n"), { delimiter: ",", newline: "\n", skipEmptyLines: "greedy" });
  const data = parsed.data;
  if (data.length === 0) fail("INVALID_ARGUMENT", "CSV: a header row is required (market_id,side,size,entry_price[,current_price,event_id,resolves_at,label]), got an empty text", { field: "header" });
  if (data.length - 1 > MAX_IMPORT_ROWS) fail("LIMIT_EXCEEDED", `CSV: at most ${MAX_IMPORT_ROWS} rows, got ${data.length - 1}`, { field: "rows" });
  const firstError = parsed.errors[0];
  if (firstError !== undefined) {
    const row = firstError.row ?? 0;
    fail("INVALID_ARGUMENT", `CSV ${row === 0 ? "header" : `row ${row}`}: ${firstError.message}`, { field: row === 0 ? "header" : "row" });
  }
  const header = data[0]!.map((h) => h.trim().toLowerCase());
  const col = new Map<string, number>();
  for (const [i, h] of header.entries()) {
    if (!CSV_COLUMNS.has(h)) {
      fail("INVALID_ARGUMENT", `CSV header: unknown column ${show(data[0]![i])} (expected market_id, side, size, entry_price, current_price, event_id, resolves_at, label)`, { field: "header" });
    }
    if (col.has(h)) fail("INVALID_ARGUMENT", `CSV header: column ${h} appears twice`, { field: "header" });
    col.set(h, i);
  }
  for (const c of CSV_REQUIRED) {
    if (!col.has(c)) fail("INVALID_ARGUMENT", `CSV header: missing required column ${c} (got ${show(data[0]!.join(","))})`, { field: "header" });
  }

  const positions: ImportedPosition[] = [];
  const skipped: ImportNote[] = [];
  const warnings: ImportNote[] = [];
  const groups = new Map<string, { markets: string[]; label?: string }>();
  const firstRow = new Map<string, number>(); // event id → its first row (for the single-row warning)
  const seen = new Map<string, number>();
  for (let i = 1; i < data.length; i++) {
    const ctx: Ctx = { source: "CSV", row: i };
    const cells = data[i]!;
    if (cells.length !== header.length) bad("INVALID_ARGUMENT", ctx, "row", `has ${cells.length} cells, the header has ${header.length}`);
    const cell = (name: string): string => {
      const j = col.get(name);
      return j === undefined ? "" : cells[j]!.trim();
    };
    const id = cell("market_id");
    if (id === "") bad("INVALID_ARGUMENT", ctx, "market_id", "is empty");
    ctx.marketId = id;
    const prev = seen.get(id);
    if (prev !== undefined) bad("INVALID_ARGUMENT", ctx, "market_id", `is listed twice (also row ${prev}); one position per market`);
    seen.set(id, i);
    const side = YES_NO.get(cell("side").toLowerCase());
    if (side === undefined) bad("INVALID_ARGUMENT", ctx, "side", `must be "yes" or "no", got ${show(cell("side"))}`);
    const num = (name: string, code: HzErrorCode) => {
      const s = cell(name);
      if (!DECIMAL.test(s)) bad(code, ctx, name, `must be a decimal number, got ${show(s)}`);
      return decimal(s, ctx, name, code);
    };
    const size = sizeIn(num("size", "INVALID_SIZE"), ctx, "size");
    const entry = priceIn(num("entry_price", "INVALID_PRICE"), ctx, "entry_price");
    const current = cell("current_price") === "" ? entry : priceIn(num("current_price", "INVALID_PRICE"), ctx, "current_price");
    const when = cell("resolves_at");
    const resolvesAt = when === "" ? undefined : isoTime(when, ctx, "resolves_at", true);
    const label = cell("label") === "" ? undefined : cell("label");
    const eventId = cell("event_id");
    if (size === 0) {
      skipped.push({ row: i, reason: "size 0: no shares held" });
      continue;
    }
    positions.push(position(id, side, size, entry, current, label, resolvesAt));
    if (eventId !== "") {
      addToGroup(groups, eventId, id);
      if (!firstRow.has(eventId)) firstRow.set(eventId, i);
    }
  }
  for (const [eventId, g] of groups) {
    if (g.markets.length < 2) warnings.push({ row: firstRow.get(eventId)!, reason: `event_id ${JSON.stringify(eventId)} is on a single position: an event needs 2 markets, none formed` });
  }
  return { positions, events: eventsOf(groups, false), skipped, warnings };
}
