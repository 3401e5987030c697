// The paper-trading Engine: price feeds, orders checked by a RiskConfig, positions and cash.
// Pure TypeScript, no network, no wasm: everything here is synchronous bookkeeping.
import { fail, HzError } from "./errors.js";
import type { Side } from "./portfolio.js";
import { throwIfAborted } from "./simulation.js";
import * as check from "./validate.js";
import { EventBook, type EventDefinition, type EventSpec } from "./events.js";

/** `format` of {@link EngineJSON}. */
export const ENGINE_JSON_FORMAT = "hz-portfolio/engine";
/** `version` of {@link EngineJSON} written by this release (it also reads version 1, which had no events). */
export const ENGINE_JSON_VERSION = 2;
/** Default bound of the per-market price history kept by an {@link Engine} (`maxHistory`). */
export const DEFAULT_ENGINE_HISTORY = 10_000;
/** Largest `maxHistory` an {@link Engine} accepts. */
export const MAX_ENGINE_HISTORY = 10_000_000;
/**
 * Relative tolerance of every limit check (and of "sell everything held"): a quantity q is over a
 * limit L only when q > L + TOLERANCE × max(1, |L|). It absorbs floating-point rounding of sums
 * such as Σ size × price, so an order landing exactly on a limit is accepted.
 */
export const LIMIT_TOLERANCE = 1e-10;

const MS_PER_DAY = 86_400_000;
const ACTIONS = ["buy", "sell"] as const;

/** Buy or sell shares of one side of a market. */
export type OrderAction = "buy" | "sell";

/** Options of {@link RiskConfig}: each limit is a finite number ≥ 0; an omitted limit is not checked. */
export interface RiskConfigOptions {
  /** Most shares held in one market (of the side held), after the fill. Required. */
  maxPositionPerMarket: number;
  /** Most shares in one order. */
  maxOrderSize?: number;
  /** Most total exposure Σ size × current price (held side, mark-to-market) over all positions, after the fill. */
  maxTotalExposure?: number;
  /** Most realised loss in the current UTC day of the engine clock, after the fill (money, ≥ 0). */
  maxDailyLoss?: number;
  /** Most shares held over all markets of one event (see `Engine.defineEvent`), summed over both sides, after the fill. */
  maxPositionPerEvent?: number;
}

/** The limits a {@link RiskConfig} can report in a rejection. */
export type RiskLimit = "maxPositionPerMarket" | "maxOrderSize" | "maxTotalExposure" | "maxDailyLoss" | "maxPositionPerEvent";

/**
 * Pre-trade risk limits. Every order is checked against them before it fills; an order that would
 * break one is rejected (or, with `allowPartial: true`, reduced to the largest size that breaks
 * none) — never silently clipped. Each limit accepts an order landing exactly on it (within
 * {@link LIMIT_TOLERANCE}) and rejects one beyond it. A limit only constrains orders that increase
 * its quantity: a sell is never rejected for position or exposure, a buy never for daily loss.
 *
 * - `maxPositionPerMarket` — shares: size held in the market after the fill ≤ limit (one side is
 *   held per market, so this is the size of the side held).
 * - `maxOrderSize` — shares: the order's size ≤ limit.
 * - `maxTotalExposure` — money, mark-to-market: Σ over all positions of size × current price of the
 *   held side (NO: 1 − YES), after the fill (the fill adds size × fill price) ≤ limit.
 * - `maxDailyLoss` — money: −(realised P&L booked by fills since 00:00 UTC of the engine clock's
 *   day, including this fill) ≤ limit. Unrealised P&L is not counted (an order cannot change it).
 * - `maxPositionPerEvent` — shares: Σ size held over the markets of the order's event (see
 *   `Engine.defineEvent`; both sides count), after the fill ≤ limit. Markets in no event are not
 *   constrained by it.
 *
 * @example
 * ```ts
 * const risk = new RiskConfig({ maxPositionPerMarket: 500, maxOrderSize: 200, maxTotalExposure: 2_000 });
 * const engine = new Engine({ riskConfig: risk, capital: 10_000 });
 * ```
 */
export class RiskConfig {
  /** Most shares held in one market after a fill. */
  readonly maxPositionPerMarket: number;
  /** Most shares per order (undefined: unlimited). */
  readonly maxOrderSize: number | undefined;
  /** Most Σ size × current price after a fill (undefined: unlimited). */
  readonly maxTotalExposure: number | undefined;
  /** Most realised loss per UTC day (undefined: unlimited). */
  readonly maxDailyLoss: number | undefined;
  /** Most shares held over the markets of one event after a fill (undefined: unlimited). */
  readonly maxPositionPerEvent: number | undefined;

  /** Validates the limits (finite numbers ≥ 0; `maxPositionPerMarket` required) — else throws {@link HzError}. */
  constructor(options: RiskConfigOptions) {
    const o = check.options(options, "riskConfig");
    if (o.maxPositionPerMarket === undefined) {
      fail("INVALID_ARGUMENT", "riskConfig.maxPositionPerMarket is required (shares per market)", { field: "maxPositionPerMarket" });
    }
    this.maxPositionPerMarket = check.nonNegative(o.maxPositionPerMarket, "maxPositionPerMarket");
    this.maxOrderSize = o.maxOrderSize === undefined ? undefined : check.nonNegative(o.maxOrderSize, "maxOrderSize");
    this.maxTotalExposure = o.maxTotalExposure === undefined ? undefined : check.nonNegative(o.maxTotalExposure, "maxTotalExposure");
    this.maxDailyLoss = o.maxDailyLoss === undefined ? undefined : check.nonNegative(o.maxDailyLoss, "maxDailyLoss");
    this.maxPositionPerEvent = o.maxPositionPerEvent === undefined ? undefined : check.nonNegative(o.maxPositionPerEvent, "maxPositionPerEvent");
    Object.freeze(this);
  }

  /** A RiskConfig as is, or one built from a plain options object. */
  static from(config: RiskConfig | RiskConfigOptions): RiskConfig {
    return config instanceof RiskConfig ? config : new RiskConfig(config);
  }

  /** The limits as a plain object (omitted limits left out); `new RiskConfig(x.toJSON())` is equal. */
  toJSON(): RiskConfigOptions {
    const out: RiskConfigOptions = { maxPositionPerMarket: this.maxPositionPerMarket };
    if (this.maxOrderSize !== undefined) out.maxOrderSize = this.maxOrderSize;
    if (this.maxTotalExposure !== undefined) out.maxTotalExposure = this.maxTotalExposure;
    if (this.maxDailyLoss !== undefined) out.maxDailyLoss = this.maxDailyLoss;
    if (this.maxPositionPerEvent !== undefined) out.maxPositionPerEvent = this.maxPositionPerEvent;
    return out;
  }
}

/** Options of `new Engine`. */
export interface EngineOptions {
  /** Pre-trade limits (a {@link RiskConfig} or its options). Omitted: no risk limits. */
  riskConfig?: RiskConfig | RiskConfigOptions;
  /** Starting cash (> 0). Omitted: cash is not limited (it starts at 0 and may go negative). */
  capital?: number;
  /** Price observations kept per market (oldest dropped first), integer in [1, MAX_ENGINE_HISTORY]. Default 10 000. */
  maxHistory?: number;
}

/** An order. Sizes are in shares and may be fractional. */
export interface OrderInput {
  /** Market id (the market must have a price). */
  marketId: string;
  /** The side traded: `"yes"` or `"no"` (case-insensitive). */
  side: Side;
  /** `"buy"` or `"sell"`. */
  action: OrderAction;
  /** Shares, a finite number > 0. */
  size: number;
  /** Price limit on the traded side's price, in [0, 1]: a buy fills only at ≤ limit, a sell only at ≥ limit. */
  limitPrice?: number;
  /** When a size-dependent limit is broken, fill the largest size that breaks none instead of rejecting. Default false. */
  allowPartial?: boolean;
}

/** An order as produced by `Portfolio.rebalanceOrders` (size in `sizeDelta`); accepted by `execute`. */
export interface RebalanceOrderLike {
  /** Market id (the market must have a price). */
  marketId: string;
  /** The side traded: `"yes"` or `"no"` (case-insensitive). */
  side: Side;
  /** `"buy"` or `"sell"`. */
  action: OrderAction;
  /** Shares to trade, a finite number > 0 (the order's size). */
  sizeDelta: number;
  /** Price limit on the traded side's price, in [0, 1]: a buy fills only at ≤ limit, a sell only at ≥ limit. */
  limitPrice?: number;
  /** When a size-dependent limit is broken, fill the largest size that breaks none instead of rejecting. Default: `ExecuteOptions.allowPartial`. */
  allowPartial?: boolean;
}

/** A position held by the engine (the shape of Horizon's stored position). */
export interface EnginePosition {
  /** The market id. */
  readonly marketId: string;
  /** The side held: `"yes"` or `"no"`. */
  readonly side: Side;
  /** Shares held (0 in the snapshot of a fill that closed the position). */
  readonly size: number;
  /** Size-weighted average price paid per share (unchanged by sells). */
  readonly avgEntryPrice: number;
  /** Current price of the held side (NO: 1 − YES). */
  readonly currentPrice: number;
  /** P&L realised by sells of this position: Σ (sell price − avgEntryPrice) × shares sold. */
  readonly realizedPnl: number;
  /** size × currentPrice − size × avgEntryPrice. */
  readonly unrealizedPnl: number;
}

/** Why an order was rejected: a {@link RiskLimit} or a trading rule. */
export type RejectReason =
  | RiskLimit
  /** Buy cost size × price above the cash available (only when the engine has `capital`). */
  | "insufficientCash"
  /** Selling more shares of a side than held (limit = shares held). */
  | "insufficientPosition"
  /** The feed price is not within the order's `limitPrice` (limit = limitPrice, attempted = price). */
  | "limitPrice"
  /** The market has no price yet. */
  | "unknownMarket"
  /** Buying one side of a market while holding the other (close it first; limit 0 = shares allowed). */
  | "oppositeSide";

/** One broken rule: which, its limit, the value the order would reach, and by how much it exceeds. */
export interface Violation {
  /** The rule broken: a {@link RiskLimit} or a trading rule. */
  reason: RejectReason;
  /** The limit (shares or money or price), when the rule has one. */
  limit?: number;
  /** What the order would reach (e.g. shares held after the fill). */
  attempted?: number;
  /** |attempted − limit| (> 0). */
  excess?: number;
  /** A readable explanation. */
  message: string;
}

/** A filled order. */
export interface OrderFilled {
  /** Always `"filled"`. */
  status: "filled";
  /** Engine-assigned id (`"o1"`, `"o2"`, …; rejected orders get ids too). */
  orderId: string;
  /** The order's market id. */
  marketId: string;
  /** The side traded: `"yes"` or `"no"`. */
  side: Side;
  /** `"buy"` or `"sell"`. */
  action: OrderAction;
  /** The size the order asked for. */
  requestedSize: number;
  /** Shares filled (< requestedSize only with `allowPartial`). */
  size: number;
  /** Fill price per share of the traded side (NO: 1 − YES). */
  price: number;
  /** The market's YES price at the fill. */
  yesPrice: number;
  /** Engine clock at the fill (ms since epoch). */
  time: number;
  /** True when `allowPartial` reduced the size. */
  partial: boolean;
  /** With `partial`: the binding limits at the requested size. */
  violations: Violation[];
  /** P&L realised by this fill (sells: (price − avgEntryPrice) × size; buys: 0). */
  realizedPnl: number;
  /** Cash after the fill. */
  cash: number;
  /** The resulting position (size 0 when this fill closed it). */
  position: EnginePosition;
}

/** A rejected order: the first broken rule at top level, all of them in `violations`. Nothing changed. */
export interface OrderRejected extends Violation {
  /** Always `"rejected"`. */
  status: "rejected";
  /** Engine-assigned id (`"x1"`, `"x2"`, …; a separate counter from filled orders, not saved). */
  orderId: string;
  /** The order's market id. */
  marketId: string;
  /** The side the order would have traded: `"yes"` or `"no"`. */
  side: Side;
  /** `"buy"` or `"sell"`. */
  action: OrderAction;
  /** The size the order asked for (shares). */
  requestedSize: number;
  /** Shares filled: 0. */
  size: 0;
  /** The price the order would have filled at (undefined for an unknown market). */
  price: number | undefined;
  /** Engine clock (ms since epoch; Date.now() before any tick). */
  time: number;
  /** Every broken rule (the first is repeated at top level). */
  violations: Violation[];
}

/** What `submitOrder` resolves to. */
export type OrderResult = OrderFilled | OrderRejected;

/** A price observation: the market's YES price at a time (ms since epoch). */
export interface PriceTick {
  /** The market id. */
  readonly marketId: string;
  /** The market's YES price, in [0, 1]. */
  readonly yesPrice: number;
  /** Tick time (ms since epoch). */
  readonly time: number;
}

/** A timestamp: ms since epoch, a Date, or a string `Date.parse` understands (e.g. ISO 8601). */
export type TimeInput = number | Date | string;

/** A recorded price row for {@link Engine.replay} (the CSV columns `timestamp,market_id,yes_price`). */
export interface ReplayRow {
  /** Time of the observation (ms since epoch, a Date or a `Date.parse` string). */
  timestamp: TimeInput;
  /** The market id. */
  marketId: string;
  /** The market's YES price, in [0, 1]. */
  yesPrice: number;
}

/** A replay row as written in the CSV header (`timestamp, market_id, yes_price`); also accepted by `replay`. */
export interface SnakeCaseReplayRow {
  /** Time of the observation (ms since epoch, a Date or a `Date.parse` string). */
  timestamp: TimeInput;
  /** The market id. */
  market_id: string;
  /** The market's YES price, in [0, 1]. */
  yes_price: number;
}

/** A tick from a user-supplied source for {@link Engine.consume} (`time` or `timestamp`; omitted: as in `pushPrice`). */
export interface TickInput {
  /** The market id. */
  marketId: string;
  /** The market's YES price, in [0, 1]. */
  yesPrice: number;
  /** Tick time (ms since epoch, a Date or a `Date.parse` string); takes precedence over `timestamp`. */
  time?: TimeInput;
  /** Alias of `time`, used when `time` is omitted. */
  timestamp?: TimeInput;
}

/** Options of {@link Engine.replay} and {@link Engine.consume}. */
export interface FeedOptions {
  /** Called (and awaited) after each tick is applied: trade from here. */
  onTick?: (tick: PriceTick, engine: Engine) => void | Promise<void>;
  /** Called (and awaited) once the last tick of each timestamp is applied (replay only; all markets are then at that time). */
  onTimestamp?: (time: number, engine: Engine) => void | Promise<void>;
  /** Aborting stops the feed before the next tick and rejects with an `"AbortError"`; ticks applied so far stay. */
  signal?: AbortSignal;
}

/** What `replay` / `consume` resolve to. */
export interface FeedSummary {
  /** Ticks applied. */
  ticks: number;
  /** Time of the first applied tick (ms since epoch; undefined when none). */
  firstTime: number | undefined;
  /** Time of the last applied tick (ms since epoch; undefined when none). */
  lastTime: number | undefined;
}

/** Options of {@link Engine.execute}. */
export interface ExecuteOptions {
  /** Submit the sells before the buys (frees cash first). Results stay in input order. Default true. */
  sellsFirst?: boolean;
  /** Applied to orders that do not say: see {@link OrderInput.allowPartial}. Default false. */
  allowPartial?: boolean;
}

/** Payloads of the engine's events. */
export interface EngineEventMap {
  /** An order filled (after the engine's state changed). */
  fill: OrderFilled;
  /** A price tick was applied. */
  price: PriceTick;
  /** An order was rejected. */
  reject: OrderRejected;
}

/** An event from {@link Engine.events}. */
export type EngineEvent = {
  [K in keyof EngineEventMap]: {
    /** The event name: `"fill"`, `"price"` or `"reject"`. */
    type: K;
    /** The event's payload (see {@link EngineEventMap}). */
    data: EngineEventMap[K]
  }
}[keyof EngineEventMap];

/** The versioned, lossless JSON form of an {@link Engine} (`engine.toJSON()`). */
export interface EngineJSON {
  /** Always {@link ENGINE_JSON_FORMAT} (`"hz-portfolio/engine"`). */
  format: typeof ENGINE_JSON_FORMAT;
  /** {@link ENGINE_JSON_VERSION} (version 1, without `events`, is still read). */
  version: typeof ENGINE_JSON_VERSION | 1;
  /** Starting cash, or null when cash is not limited. */
  capital: number | null;
  /** Price observations kept per market (the engine's `maxHistory`). */
  maxHistory: number;
  /** The risk limits' options, or null when the engine has no risk limits. */
  riskConfig: RiskConfigOptions | null;
  /** Cash at save time (money; may be negative when cash is not limited). */
  cash: number;
  /** Realised P&L of all fills, including closed positions. */
  realizedPnl: number;
  /** Realised P&L of the UTC day `day` (days since epoch), for `maxDailyLoss`. */
  daily: {
    /** The UTC day, in days since epoch. */
    day: number;
    /** Realised P&L booked in that day (money). */
    realizedPnl: number
  } | null;
  /** Number of the next filled order's id (`"o<n>"`), an integer ≥ 1. */
  nextOrderId: number;
  /** Markets in order of first tick; ticks `[time, yesPrice]`, oldest first (at most maxHistory). */
  markets: {
    /** The market id. */
    marketId: string;
    /** `[time (ms since epoch), YES price in [0, 1]]` pairs, oldest first. */
    ticks: [number, number][]
  }[];
  /** Open positions, in order of opening. */
  positions: {
    /** The market id (must have ticks in `markets`). */
    marketId: string;
    /** The side held: `"yes"` or `"no"`. */
    side: Side;
    /** Shares held (> 0). */
    size: number;
    /** Size-weighted average price paid per share of the held side, in [0, 1]. */
    avgEntryPrice: number;
    /** P&L realised by sells of this position (money). */
    realizedPnl: number
  }[];
  /** Event definitions in order (`{ eventId, markets, exhaustive }`); absent in version 1. */
  events?: EventDefinition[];
}

interface Market {
  id: string;
  times: number[];
  prices: number[];
}

interface Pos {
  marketId: string;
  side: Side;
  size: number;
  avgEntryPrice: number;
  realizedPnl: number;
}

type Listener<K extends keyof EngineEventMap> = (event: EngineEventMap[K]) => void;

/**
 * Price per share of `side` when the YES price is `yesPrice`: YES as is, NO = 1 − YES rounded to
 * 12 decimals (so 1 − 0.7 is 0.3, not 0.30000000000000004).
 */
export function heldSidePrice(side: Side, yesPrice: number): number {
  return side === "yes" ? yesPrice : Math.round((1 - yesPrice) * 1e12) / 1e12;
}

function over(x: number, limit: number): boolean {
  return x > limit + LIMIT_TOLERANCE * Math.max(1, Math.abs(limit));
}

function sideOf(v: unknown, field = "side"): Side {
  const s = typeof v === "string" ? v.toLowerCase() : v;
  if (s !== "yes" && s !== "no") fail("INVALID_ARGUMENT", `${field} must be "yes" or "no", got ${JSON.stringify(v) ?? String(v)}`, { field });
  return s;
}

/** Parses a {@link TimeInput} into ms since epoch (throws {@link HzError} INVALID_ARGUMENT). */
export function toTime(v: unknown, field = "time"): number {
  let t: number;
  if (typeof v === "number") t = v;
  else if (v instanceof Date) t = v.getTime();
  else if (typeof v === "string" && v.trim() !== "") t = /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : Date.parse(v);
  else t = NaN;
  if (!Number.isFinite(t)) fail("INVALID_ARGUMENT", `${field} must be a time (ms since epoch, a Date or an ISO 8601 string), got ${JSON.stringify(v) ?? String(v)}`, { field });
  return t === 0 ? 0 : t;
}

function validOrder(o: unknown, sizeField: "size" | "sizeDelta" = "size", where = "order"): Required<Omit<OrderInput, "limitPrice">> & { limitPrice?: number } {
  if (typeof o !== "object" || o === null) fail("INVALID_ARGUMENT", `${where} must be an order object`, { field: "order" });
  const r = o as Record<string, unknown>;
  const marketId = check.marketId(r.marketId);
  const side = sideOf(r.side);
  const action = check.oneOf(typeof r.action === "string" ? r.action.toLowerCase() : r.action, ACTIONS, "action");
  const size = check.finiteNumber(r[sizeField], sizeField, "INVALID_SIZE", marketId);
  if (size <= 0) fail("INVALID_SIZE", `market "${marketId}": ${sizeField} must be > 0, got ${size}`, { marketId, field: sizeField });
  const limitPrice = r.limitPrice === undefined ? undefined : check.price(r.limitPrice, "limitPrice", marketId);
  if (r.allowPartial !== undefined && typeof r.allowPartial !== "boolean") fail("INVALID_ARGUMENT", "allowPartial must be a boolean", { marketId, field: "allowPartial" });
  return { marketId, side, action, size, allowPartial: r.allowPartial === true, ...(limitPrice === undefined ? {} : { limitPrice }) };
}

/**
 * A paper-trading engine for binary YES/NO contracts: no network, fills at the feed price.
 *
 * - **Feeds** carry YES prices: push ticks with {@link Engine.pushPrice}, {@link Engine.replay} a recorded series
 *   (see {@link parsePriceCsv}), or {@link Engine.consume} any async iterable. A NO order fills at 1 − YES.
 *   The engine keeps a bounded price history per market (`maxHistory`).
 * - **Orders** ({@link Engine.submitOrder}) fill immediately and entirely at the current price of the side
 *   traded, after the {@link RiskConfig} and trading rules (cash, holdings, limit price, one side per
 *   market) are checked; otherwise they are rejected with the reason, limit and excess. Sizes are in
 *   fractional shares.
 * - **Accounting**: a buy costs size × price, a sell returns size × price and realises
 *   (price − avgEntryPrice) × size; sells leave the average entry price unchanged; a position sold to
 *   0 is closed (removed from `positions()`; its realised P&L stays in `realizedPnl()`).
 * - **Clock**: the engine clock is the latest tick time of any market; fills are stamped with it
 *   and `maxDailyLoss` counts the UTC day it falls in.
 * - **Errors**: bad input (malformed order, price outside [0, 1], stale tick, malformed rows, unknown
 *   JSON version…) is an {@link HzError} — thrown by synchronous methods, a rejected promise from
 *   async ones — and leaves the engine unchanged. Business rules (limits, cash, unknown market…)
 *   give a `{ status: "rejected" }` result instead.
 * - **Events**: {@link Engine.on} `"fill"`, `"price"`, `"reject"` (listeners run synchronously, after the
 *   state changed), or iterate {@link Engine.events}.
 *
 * @example
 * ```ts
 * const engine = new Engine({ riskConfig: new RiskConfig({ maxPositionPerMarket: 500 }), capital: 1_000 });
 * engine.pushPrice("fed-cut", 0.42, Date.parse("2025-01-01"));
 * const r = await engine.submitOrder({ marketId: "fed-cut", side: "yes", action: "buy", size: 100 });
 * if (r.status === "filled") console.log(r.price, r.position.avgEntryPrice, engine.cash()); // 0.42 0.42 958
 * ```
 */
export class Engine {
  /** The risk limits (undefined: none). */
  readonly riskConfig: RiskConfig | undefined;
  /** Starting cash (undefined: cash is not limited). */
  readonly capital: number | undefined;
  /** Price observations kept per market. */
  readonly maxHistory: number;
  #cash: number;
  #realized = 0;
  #day: { day: number; realizedPnl: number } | undefined;
  #nextOrderId = 1;
  #rejected = 1;
  #clock: number | undefined;
  readonly #markets = new Map<string, Market>();
  readonly #positions = new Map<string, Pos>();
  readonly #events = new EventBook();
  readonly #listeners: { [K in keyof EngineEventMap]: Set<Listener<K>> } = { fill: new Set(), price: new Set(), reject: new Set() };

  /** Validates the options (throws {@link HzError}). */
  constructor(options: EngineOptions = {}) {
    const o = check.options(options, "options");
    this.riskConfig = o.riskConfig === undefined ? undefined : RiskConfig.from(o.riskConfig);
    this.capital = o.capital === undefined ? undefined : check.positive(o.capital, "capital");
    this.maxHistory = check.integerInRange(o.maxHistory ?? DEFAULT_ENGINE_HISTORY, "maxHistory", 1, MAX_ENGINE_HISTORY, "LIMIT_EXCEEDED");
    this.#cash = this.capital ?? 0;
  }

  // ---------------------------------------------------------------- state

  /** Cash: starting capital − Σ buy costs + Σ sell proceeds (from 0 when `capital` was omitted). */
  cash(): number {
    return this.#cash;
  }

  /** The engine clock: the latest tick time of any market (ms since epoch), undefined before any tick. */
  now(): number | undefined {
    return this.#clock;
  }

  /** Open positions (size > 0), in order of opening (a reopened position goes last). */
  positions(): EnginePosition[] {
    return [...this.#positions.values()].map((p) => this.#snapshot(p));
  }

  /** The open position in a market, or undefined. */
  position(marketId: string): EnginePosition | undefined {
    const p = this.#positions.get(check.marketId(marketId));
    return p && this.#snapshot(p);
  }

  /** Markets with at least one tick, in order of first tick. */
  marketIds(): string[] {
    return [...this.#markets.keys()];
  }

  /** True when the market has a price. */
  hasMarket(marketId: string): boolean {
    return this.#markets.has(marketId);
  }

  /** Current YES price of a market (throws UNKNOWN_MARKET when it has none). */
  price(marketId: string): number {
    const m = this.#market(marketId);
    return m.prices[m.prices.length - 1]!;
  }

  /** Recorded YES prices of a market, oldest first, at most `maxHistory` (a copy; throws UNKNOWN_MARKET). */
  priceHistory(marketId: string): number[] {
    const m = this.#market(marketId);
    return m.prices.slice(-this.maxHistory);
  }

  /** Recorded ticks of a market, oldest first, at most `maxHistory` (throws UNKNOWN_MARKET). */
  ticks(marketId: string): PriceTick[] {
    const m = this.#market(marketId);
    const start = Math.max(0, m.prices.length - this.maxHistory);
    const out: PriceTick[] = [];
    for (let i = start; i < m.prices.length; i++) out.push({ marketId: m.id, yesPrice: m.prices[i]!, time: m.times[i]! });
    return out;
  }

  /** Σ size × currentPrice over open positions (their market value; also the `maxTotalExposure` quantity). */
  positionsValue(): number {
    let v = 0;
    for (const p of this.#positions.values()) v += p.size * this.#heldPrice(p);
    return v;
  }

  /** Total exposure (= {@link positionsValue}). */
  exposure(): number {
    return this.positionsValue();
  }

  /** Σ size × avgEntryPrice over open positions. */
  positionsCost(): number {
    let c = 0;
    for (const p of this.#positions.values()) c += p.size * p.avgEntryPrice;
    return c;
  }

  /** cash + positionsValue. */
  equity(): number {
    return this.#cash + this.positionsValue();
  }

  /** Realised P&L of every fill since the start (closed positions included). */
  realizedPnl(): number {
    return this.#realized;
  }

  /** Unrealised P&L of open positions: positionsValue − positionsCost (= `Portfolio.pnl()` of `Portfolio.fromEngine`). */
  unrealizedPnl(): number {
    return this.positionsValue() - this.positionsCost();
  }

  /** Realised P&L booked in the current UTC day of the engine clock (the `maxDailyLoss` quantity is −min(0, this)). */
  dailyRealizedPnl(): number {
    return this.#dayRealized();
  }

  // ---------------------------------------------------------------- feeds

  /**
   * Applies a YES price tick and emits `"price"`. `time`: ms since epoch, a Date or an ISO string;
   * default: `Date.now()`, raised to the market's last tick time if that is later. A tick older than
   * the market's last one throws INVALID_ARGUMENT (equal times are accepted). Throws {@link HzError}
   * without changing anything on bad input.
   */
  pushPrice(marketId: string, yesPrice: number, time?: TimeInput): PriceTick {
    const tick = this.#checkTick(marketId, yesPrice, time, this.#lastTime(marketId));
    this.#apply(tick);
    return tick;
  }

  /**
   * Replays recorded rows (`{ timestamp, marketId, yesPrice }` — e.g. from {@link parsePriceCsv} — or
   * the CSV's own `{ timestamp, market_id, yes_price }`) in
   * order. All rows are validated first — a malformed one rejects with an {@link HzError} naming
   * its row number (1-based) and nothing is applied. Rows of one market must not go back in time.
   * `onTick` / `onTimestamp` are awaited, so a strategy can trade during the replay.
   */
  async replay(rows: readonly (ReplayRow | SnakeCaseReplayRow)[], options: FeedOptions = {}): Promise<FeedSummary> {
    const o = check.options(options, "options");
    if (!Array.isArray(rows)) fail("INVALID_ARGUMENT", "replay expects an array of rows { timestamp, marketId, yesPrice }", { field: "rows" });
    const last = new Map<string, number | undefined>();
    const ticks: PriceTick[] = [];
    rows.forEach((r, i) => {
      const n = i + 1;
      if (typeof r !== "object" || r === null) fail("INVALID_ARGUMENT", `row ${n}: expected { timestamp, marketId, yesPrice }`, { field: `row ${n}` });
      try {
        const snake = !("marketId" in r) && "market_id" in r;
        const id = snake ? check.marketId(r.market_id, "market_id") : check.marketId((r as ReplayRow).marketId);
        const yes = snake ? r.yes_price : (r as ReplayRow).yesPrice;
        const before = last.has(id) ? last.get(id) : this.#lastTime(id);
        const t = this.#checkTick(id, yes, r.timestamp === undefined ? NaN : r.timestamp, before, "timestamp");
        last.set(id, t.time);
        ticks.push(t);
      } catch (e) {
        throw rowError(e, `row ${n}`);
      }
    });
    return this.#feed(ticks, o);
  }

  /** Parses CSV text (see {@link parsePriceCsv}) and replays it. */
  async replayCsv(csv: string, options: FeedOptions = {}): Promise<FeedSummary> {
    return this.replay(parsePriceCsv(csv), options);
  }

  /**
   * Applies ticks from any (async) iterable as they arrive, until it ends or `signal` aborts. Each
   * tick is validated on arrival: a bad one rejects with an {@link HzError} naming its position
   * (1-based) — ticks before it stay applied, as they already happened.
   */
  async consume(source: AsyncIterable<TickInput> | Iterable<TickInput>, options: FeedOptions = {}): Promise<FeedSummary> {
    const o = check.options(options, "options");
    if (source === null || typeof source !== "object" || (!(Symbol.asyncIterator in source) && !(Symbol.iterator in source))) {
      fail("INVALID_ARGUMENT", "consume expects an iterable or async iterable of ticks", { field: "source" });
    }
    const summary: FeedSummary = { ticks: 0, firstTime: undefined, lastTime: undefined };
    let n = 0;
    throwIfAborted(o.signal);
    for await (const item of source as AsyncIterable<TickInput>) {
      n++;
      throwIfAborted(o.signal);
      let tick: PriceTick;
      try {
        if (typeof item !== "object" || item === null) fail("INVALID_ARGUMENT", "expected { marketId, yesPrice, time? }", { field: "tick" });
        const id = check.marketId(item.marketId);
        tick = this.#checkTick(id, item.yesPrice, item.time ?? item.timestamp, this.#lastTime(id));
      } catch (e) {
        throw rowError(e, `tick ${n}`);
      }
      this.#apply(tick);
      summary.ticks++;
      summary.firstTime ??= tick.time;
      summary.lastTime = tick.time;
      await o.onTick?.(tick, this);
    }
    return summary;
  }

  // ---------------------------------------------------------------- orders

  /**
   * Checks an order against the trading rules and the {@link RiskConfig}, then fills it at the
   * current price of the side traded (NO: 1 − YES) — applied before the promise settles, with
   * `"fill"` / `"reject"` emitted synchronously. Business-rule failures resolve to
   * `{ status: "rejected", reason, limit, attempted, excess, message, violations }`; a malformed
   * order (size ≤ 0 or not finite, limitPrice outside [0, 1], unknown side/action, bad marketId)
   * rejects the promise with an {@link HzError} and changes nothing.
   *
   * Checked, in this order: unknown market, opposite side held, limit price, shares held (sells),
   * maxOrderSize, maxPositionPerMarket, maxTotalExposure, maxDailyLoss, cash. With
   * `allowPartial: true`, size-dependent failures fill the largest size satisfying all of them.
   */
  async submitOrder(order: OrderInput): Promise<OrderResult> {
    return this.#submit(this.#known(validOrder(order)));
  }

  /** An order on a market without a price feed is bad input (`UNKNOWN_MARKET`), not a business rejection. */
  #known<T extends { marketId: string }>(o: T, where = "order"): T {
    if (!this.#markets.has(o.marketId)) {
      fail("UNKNOWN_MARKET", `${where}: market "${o.marketId}" is unknown to the engine (no price yet)`, { marketId: o.marketId, field: "marketId" });
    }
    return o;
  }

  /**
   * Submits a batch — `Portfolio.rebalanceOrders(...)` output (`sizeDelta`) or {@link OrderInput}s
   * (`size`) — and returns one result per order, in input order. All orders are validated before
   * any is submitted (a malformed one rejects with an {@link HzError} naming its index, nothing
   * submitted); sells go first by default. Each order passes the same checks as `submitOrder`.
   */
  async execute(orders: readonly (OrderInput | RebalanceOrderLike)[], options: ExecuteOptions = {}): Promise<OrderResult[]> {
    const o = check.options(options, "options");
    if (!Array.isArray(orders)) fail("INVALID_ARGUMENT", "execute expects an array of orders", { field: "orders" });
    const sellsFirst = o.sellsFirst ?? true;
    if (typeof sellsFirst !== "boolean") fail("INVALID_ARGUMENT", "sellsFirst must be a boolean", { field: "sellsFirst" });
    if (o.allowPartial !== undefined && typeof o.allowPartial !== "boolean") fail("INVALID_ARGUMENT", "allowPartial must be a boolean", { field: "allowPartial" });
    const valid = orders.map((x, i) => {
      try {
        const field = typeof x === "object" && x !== null && "sizeDelta" in x && !("size" in x) ? "sizeDelta" : "size";
        const v = this.#known(validOrder(x, field, `orders[${i}]`), `orders[${i}]`);
        if (o.allowPartial && (x as OrderInput).allowPartial === undefined) v.allowPartial = true;
        return v;
      } catch (e) {
        throw rowError(e, `orders[${i}]`);
      }
    });
    const sequence = valid.map((_, i) => i);
    if (sellsFirst) sequence.sort((a, b) => Number(valid[a]!.action === "buy") - Number(valid[b]!.action === "buy"));
    const results: OrderResult[] = new Array(valid.length);
    for (const i of sequence) results[i] = this.#submit(valid[i]!);
    return results;
  }

  // ---------------------------------------------------------------- event definitions

  /**
   * Declares that `spec.markets` are mutually exclusive outcomes of one event (at most one resolves
   * YES; exactly one with `exhaustive: true`). Markets may be listed before they have a price; a
   * market belongs to at most one event; redefining an id replaces it. Used by
   * `RiskConfig.maxPositionPerEvent`, saved by `toJSON`, and carried to portfolios by
   * `Portfolio.fromEngine` / `follow`. Throws {@link HzError} INVALID_ARGUMENT (naming the event
   * and the market) without changing anything.
   */
  defineEvent(eventId: string, spec: EventSpec): void {
    this.#events.define(eventId, spec);
  }

  /** The defined events, in order of definition (copies). (`events()` is the async iterator of fills and ticks.) */
  eventDefinitions(): EventDefinition[] {
    return this.#events.list();
  }

  /** Removes an event definition (HzError INVALID_ARGUMENT when it is not defined). */
  removeEvent(eventId: string): void {
    this.#events.remove(eventId);
  }

  /** Shares held over the markets of `marketId`'s event, both sides (0 when it is in no event). */
  #eventShares(marketId: string): number {
    const e = this.#events.eventOf(marketId);
    if (e === undefined) return 0;
    let s = 0;
    for (const m of this.#events.marketsOf(e)!) s += this.#positions.get(m)?.size ?? 0;
    return s;
  }

  // ---------------------------------------------------------------- events

  /** Calls `listener` on each event of `type` (synchronously, after the state changed). Returns an unsubscribe function. */
  on<K extends keyof EngineEventMap>(type: K, listener: (event: EngineEventMap[K]) => void): () => void {
    const set = this.#listeners[check.oneOf(type, ["fill", "price", "reject"] as const, "event") as K] as Set<Listener<K>> | undefined;
    if (!set) fail("INVALID_ARGUMENT", `unknown event ${String(type)}`, { field: "event" });
    if (typeof listener !== "function") fail("INVALID_ARGUMENT", "listener must be a function", { field: "listener" });
    const fn = (e: EngineEventMap[K]) => listener(e);
    set.add(fn);
    return () => void set.delete(fn);
  }

  /**
   * The engine's events as an async iterator (`for await (const e of engine.events())`), buffered
   * from the call on. Ends when the loop breaks (`return()`) or `signal` aborts.
   */
  events(options: { types?: readonly (keyof EngineEventMap)[]; signal?: AbortSignal } = {}): AsyncIterableIterator<EngineEvent> {
    const o = check.options(options, "options");
    const types = (o.types ?? ["fill", "price", "reject"]).map((t) => check.oneOf(t, ["fill", "price", "reject"] as const, "types"));
    const queue: EngineEvent[] = [];
    let wake: (() => void) | undefined;
    let done = false;
    const offs = types.map((t) => this.on(t, (data: EngineEventMap[typeof t]) => {
      queue.push({ type: t, data } as EngineEvent);
      wake?.();
    }));
    const finish = () => {
      done = true;
      offs.forEach((off) => off());
      o.signal?.removeEventListener("abort", finish);
      wake?.();
    };
    if (o.signal?.aborted) finish();
    else o.signal?.addEventListener("abort", finish);
    const it: AsyncIterableIterator<EngineEvent> = {
      async next(): Promise<IteratorResult<EngineEvent>> {
        while (queue.length === 0 && !done) await new Promise<void>((r) => (wake = r));
        wake = undefined;
        const e = queue.shift();
        return e ? { value: e, done: false } : { value: undefined, done: true };
      },
      async return(): Promise<IteratorResult<EngineEvent>> {
        finish();
        queue.length = 0;
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return it;
      },
    };
    return it;
  }

  // ---------------------------------------------------------------- persistence

  /** A versioned, lossless JSON form (`{ format: "hz-portfolio/engine", version: 1, … }`); listeners are not saved. */
  toJSON(): EngineJSON {
    return {
      format: ENGINE_JSON_FORMAT,
      version: ENGINE_JSON_VERSION,
      capital: this.capital ?? null,
      maxHistory: this.maxHistory,
      riskConfig: this.riskConfig?.toJSON() ?? null,
      cash: this.#cash,
      realizedPnl: this.#realized,
      daily: this.#day ? { ...this.#day } : null,
      nextOrderId: this.#nextOrderId,
      markets: [...this.#markets.values()].map((m) => {
        const start = Math.max(0, m.prices.length - this.maxHistory);
        const ticks: [number, number][] = [];
        for (let i = start; i < m.prices.length; i++) ticks.push([m.times[i]!, m.prices[i]!]);
        return { marketId: m.id, ticks };
      }),
      positions: [...this.#positions.values()].map((p) => ({ ...p })),
      events: this.#events.list().map((d) => ({ eventId: d.eventId, markets: [...d.markets], exhaustive: d.exhaustive })),
    };
  }

  /**
   * Restores an engine from `toJSON()` output (an object or its JSON text). Throws {@link HzError}
   * (INVALID_ARGUMENT) on another format or version, or on inconsistent content.
   */
  static fromJSON(json: EngineJSON | string): Engine {
    const j = parseVersioned(json, ENGINE_JSON_FORMAT, [1, ENGINE_JSON_VERSION], "engine") as Partial<Record<keyof EngineJSON, unknown>>;
    const e = new Engine({
      riskConfig: j.riskConfig === null ? undefined : (check.options(j.riskConfig as RiskConfigOptions, "riskConfig") as RiskConfigOptions),
      capital: j.capital === null ? undefined : (j.capital as number),
      maxHistory: j.maxHistory as number,
    });
    e.#cash = check.finiteNumber(j.cash, "cash", "INVALID_ARGUMENT");
    e.#realized = check.finiteNumber(j.realizedPnl, "realizedPnl", "INVALID_ARGUMENT");
    if (j.daily !== null) {
      const d = check.options(j.daily as { day: number; realizedPnl: number }, "daily");
      e.#day = { day: check.finiteNumber(d.day, "daily.day", "INVALID_ARGUMENT"), realizedPnl: check.finiteNumber(d.realizedPnl, "daily.realizedPnl", "INVALID_ARGUMENT") };
    }
    e.#nextOrderId = check.integerInRange(j.nextOrderId, "nextOrderId", 1, Number.MAX_SAFE_INTEGER);
    if (!Array.isArray(j.markets)) fail("INVALID_ARGUMENT", "engine JSON: markets must be an array", { field: "markets" });
    for (const [k, m] of (j.markets as unknown[]).entries()) {
      const mm = check.options(m as { marketId: string; ticks: unknown }, `markets[${k}]`);
      const id = check.marketId(mm.marketId, `markets[${k}].marketId`);
      if (e.#markets.has(id)) fail("INVALID_ARGUMENT", `engine JSON: market "${id}" appears twice`, { marketId: id, field: "markets" });
      if (!Array.isArray(mm.ticks) || mm.ticks.length === 0) fail("INVALID_ARGUMENT", `engine JSON: market "${id}" needs a non-empty ticks array`, { marketId: id, field: "ticks" });
      if (mm.ticks.length > e.maxHistory) fail("INVALID_ARGUMENT", `engine JSON: market "${id}" has more than maxHistory ticks`, { marketId: id, field: "ticks" });
      let lastTime: number | undefined;
      for (const [i, t] of (mm.ticks as unknown[]).entries()) {
        if (!Array.isArray(t) || t.length !== 2) fail("INVALID_ARGUMENT", `engine JSON: market "${id}" ticks[${i}] must be [time, yesPrice]`, { marketId: id, field: "ticks" });
        const tick = e.#checkTick(id, t[1], check.finiteNumber(t[0], `ticks[${i}] time`, "INVALID_ARGUMENT", id), lastTime);
        lastTime = tick.time;
        e.#record(tick);
      }
    }
    if (!Array.isArray(j.positions)) fail("INVALID_ARGUMENT", "engine JSON: positions must be an array", { field: "positions" });
    for (const [k, p] of (j.positions as unknown[]).entries()) {
      const pp = check.options(p as Pos, `positions[${k}]`);
      const id = check.marketId(pp.marketId, `positions[${k}].marketId`);
      if (!e.#markets.has(id)) fail("UNKNOWN_MARKET", `engine JSON: position in market "${id}" which has no ticks`, { marketId: id, field: "positions" });
      if (e.#positions.has(id)) fail("INVALID_ARGUMENT", `engine JSON: two positions in market "${id}"`, { marketId: id, field: "positions" });
      const size = check.size(pp.size, "size", id);
      if (size <= 0) fail("INVALID_SIZE", `engine JSON: market "${id}": size must be > 0`, { marketId: id, field: "size" });
      e.#positions.set(id, {
        marketId: id,
        side: sideOf(pp.side),
        size,
        avgEntryPrice: check.price(pp.avgEntryPrice, "avgEntryPrice", id),
        realizedPnl: check.finiteNumber(pp.realizedPnl, "realizedPnl", "INVALID_ARGUMENT", id),
      });
    }
    if (j.version !== 1) {
      if (!Array.isArray(j.events)) fail("INVALID_ARGUMENT", "engine JSON: events must be an array", { field: "events" });
      e.#events.replaceAll(j.events as EventDefinition[]);
    }
    return e;
  }

  // ---------------------------------------------------------------- internals

  #market(marketId: string): Market {
    const id = check.marketId(marketId);
    const m = this.#markets.get(id);
    if (!m) fail("UNKNOWN_MARKET", `market "${id}" has no price yet`, { marketId: id, field: "marketId" });
    return m;
  }

  #lastTime(marketId: string): number | undefined {
    const m = this.#markets.get(marketId);
    return m ? m.times[m.times.length - 1] : undefined;
  }

  #heldPrice(p: Pos): number {
    const m = this.#markets.get(p.marketId)!;
    return heldSidePrice(p.side, m.prices[m.prices.length - 1]!);
  }

  #snapshot(p: Pos): EnginePosition {
    const currentPrice = this.#heldPrice(p);
    return {
      marketId: p.marketId,
      side: p.side,
      size: p.size,
      avgEntryPrice: p.avgEntryPrice,
      currentPrice,
      realizedPnl: p.realizedPnl,
      unrealizedPnl: p.size * currentPrice - p.size * p.avgEntryPrice,
    };
  }

  #dayRealized(): number {
    if (!this.#day || this.#clock === undefined) return 0;
    return this.#day.day === Math.floor(this.#clock / MS_PER_DAY) ? this.#day.realizedPnl : 0;
  }

  /** Validates a tick against the previous time of its market (throws HzError). */
  #checkTick(marketId: string, yesPrice: unknown, time: unknown, lastTime: number | undefined, timeField = "time"): PriceTick {
    const id = check.marketId(marketId);
    const p = check.price(yesPrice, "yesPrice", id);
    const t = time === undefined ? Math.max(Date.now(), lastTime ?? -Infinity) : toTime(time, timeField);
    if (lastTime !== undefined && t < lastTime) {
      fail("INVALID_ARGUMENT", `market "${id}": tick at ${new Date(t).toISOString()} is older than the last one (${new Date(lastTime).toISOString()})`, { marketId: id, field: timeField });
    }
    return { marketId: id, yesPrice: p, time: t };
  }

  #record(tick: PriceTick): void {
    let m = this.#markets.get(tick.marketId);
    if (!m) {
      m = { id: tick.marketId, times: [], prices: [] };
      this.#markets.set(tick.marketId, m);
    }
    m.times.push(tick.time);
    m.prices.push(tick.yesPrice);
    // Trim in batches (amortised O(1)); readers take the last maxHistory.
    if (m.prices.length > this.maxHistory + Math.min(this.maxHistory, 4096)) {
      m.prices.splice(0, m.prices.length - this.maxHistory);
      m.times.splice(0, m.times.length - this.maxHistory);
    }
    if (this.#clock === undefined || tick.time > this.#clock) this.#clock = tick.time;
  }

  #apply(tick: PriceTick): void {
    this.#record(tick);
    this.#emit("price", tick);
  }

  async #feed(ticks: PriceTick[], o: FeedOptions): Promise<FeedSummary> {
    const summary: FeedSummary = { ticks: 0, firstTime: undefined, lastTime: undefined };
    for (let i = 0; i < ticks.length; i++) {
      throwIfAborted(o.signal);
      const t = ticks[i]!;
      this.#apply(t);
      summary.ticks++;
      summary.firstTime ??= t.time;
      summary.lastTime = t.time;
      if (o.onTick) await o.onTick(t, this);
      if (o.onTimestamp && (i + 1 === ticks.length || ticks[i + 1]!.time !== t.time)) await o.onTimestamp(t.time, this);
    }
    return summary;
  }

  #emit<K extends keyof EngineEventMap>(type: K, event: EngineEventMap[K]): void {
    for (const fn of [...this.#listeners[type]] as Listener<K>[]) {
      try {
        fn(event);
      } catch (e) {
        // A failing listener must not corrupt the engine or starve the others: surface it asynchronously.
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }

  /** Violations of the order at size `s` (size-independent ones included). */
  #violations(o: ReturnType<typeof validOrder>, s: number, price: number, pos: Pos | undefined): Violation[] {
    const v: Violation[] = [];
    const r = this.riskConfig;
    const id = o.marketId;
    const add = (reason: RejectReason, limit: number, attempted: number, message: string) =>
      v.push({ reason, limit, attempted, excess: Math.abs(attempted - limit), message });
    if (o.action === "buy" && pos && pos.side !== o.side) {
      add("oppositeSide", 0, s, `market "${id}": holds ${pos.size} ${pos.side.toUpperCase()} shares; close them before buying ${o.side.toUpperCase()}`);
    }
    if (o.limitPrice !== undefined && (o.action === "buy" ? price > o.limitPrice : price < o.limitPrice)) {
      add("limitPrice", o.limitPrice, price, `market "${id}": ${o.side.toUpperCase()} price ${price} is ${o.action === "buy" ? "above" : "below"} the limit ${o.limitPrice}`);
    }
    if (o.action === "sell") {
      const held = pos && pos.side === o.side ? pos.size : 0;
      if (over(s, held)) add("insufficientPosition", held, s, `market "${id}": selling ${s} ${o.side.toUpperCase()} shares, ${held} held`);
    }
    if (r?.maxOrderSize !== undefined && over(s, r.maxOrderSize)) {
      add("maxOrderSize", r.maxOrderSize, s, `order size ${s} exceeds maxOrderSize ${r.maxOrderSize} by ${s - r.maxOrderSize}`);
    }
    if (o.action === "buy") {
      const held = pos && pos.side === o.side ? pos.size : 0;
      if (r && over(held + s, r.maxPositionPerMarket)) {
        add("maxPositionPerMarket", r.maxPositionPerMarket, held + s, `market "${id}": position would be ${held + s} shares, maxPositionPerMarket ${r.maxPositionPerMarket}`);
      }
      if (r?.maxPositionPerEvent !== undefined && this.#events.eventOf(id) !== undefined) {
        const after = this.#eventShares(id) + s;
        if (over(after, r.maxPositionPerEvent)) {
          add("maxPositionPerEvent", r.maxPositionPerEvent, after, `event "${this.#events.eventOf(id)}": shares held over its markets would be ${after}, maxPositionPerEvent ${r.maxPositionPerEvent}`);
        }
      }
      const cost = s * price;
      if (r?.maxTotalExposure !== undefined && cost > 0) {
        const after = this.positionsValue() + cost;
        if (over(after, r.maxTotalExposure)) add("maxTotalExposure", r.maxTotalExposure, after, `total exposure would be ${after}, maxTotalExposure ${r.maxTotalExposure}`);
      }
      if (this.capital !== undefined && over(cost, this.#cash)) {
        add("insufficientCash", this.#cash, cost, `order costs ${cost}, cash is ${this.#cash}`);
      }
    } else if (r?.maxDailyLoss !== undefined && pos && pos.side === o.side) {
      const realized = (price - pos.avgEntryPrice) * Math.min(s, pos.size);
      const lossAfter = -(this.#dayRealized() + realized);
      if (realized < 0 && over(lossAfter, r.maxDailyLoss)) {
        add("maxDailyLoss", r.maxDailyLoss, lossAfter, `realised loss today would be ${lossAfter}, maxDailyLoss ${r.maxDailyLoss}`);
      }
    }
    return v;
  }

  /** The largest size ≤ s that passes every size-dependent check. */
  #largestSize(o: ReturnType<typeof validOrder>, s: number, price: number, pos: Pos | undefined): number {
    const r = this.riskConfig;
    let m = s;
    if (r?.maxOrderSize !== undefined) m = Math.min(m, r.maxOrderSize);
    const held = pos && pos.side === o.side ? pos.size : 0;
    if (o.action === "buy") {
      if (r) m = Math.min(m, r.maxPositionPerMarket - held);
      if (r?.maxPositionPerEvent !== undefined && this.#events.eventOf(o.marketId) !== undefined) m = Math.min(m, r.maxPositionPerEvent - this.#eventShares(o.marketId));
      if (price > 0) {
        if (r?.maxTotalExposure !== undefined) m = Math.min(m, (r.maxTotalExposure - this.positionsValue()) / price);
        if (this.capital !== undefined) m = Math.min(m, this.#cash / price);
      }
    } else {
      m = Math.min(m, held);
      if (r?.maxDailyLoss !== undefined && pos && price < pos.avgEntryPrice) {
        m = Math.min(m, (r.maxDailyLoss + this.#dayRealized()) / (pos.avgEntryPrice - price));
      }
    }
    return m > 0 ? m : 0;
  }

  #submit(o: ReturnType<typeof validOrder>): OrderResult {
    // Filled orders are numbered o1, o2, … (saved with the engine); rejected ones x1, x2, … from a
    // counter that is not part of the saved state, so a rejection changes nothing.
    const base = { orderId: "", marketId: o.marketId, side: o.side, action: o.action, requestedSize: o.size };
    const m = this.#markets.get(o.marketId);
    const reject = (violations: Violation[], price: number | undefined): OrderRejected => {
      const res: OrderRejected = { status: "rejected", ...violations[0]!, ...base, orderId: `x${this.#rejected++}`, size: 0, price, time: this.#clock ?? Date.now(), violations };
      this.#emit("reject", res);
      return res;
    };
    if (!m) return reject([{ reason: "unknownMarket", message: `market "${o.marketId}" has no price yet` }], undefined);
    const yesPrice = m.prices[m.prices.length - 1]!;
    const price = heldSidePrice(o.side, yesPrice);
    const pos = this.#positions.get(o.marketId);
    const violations = this.#violations(o, o.size, price, pos);
    let size = o.size;
    if (violations.length > 0) {
      const sizeFree = violations.some((v) => v.reason === "oppositeSide" || v.reason === "limitPrice");
      if (!o.allowPartial || sizeFree) return reject(violations, price);
      size = this.#largestSize(o, o.size, price, pos);
      if (!(size > 0) || this.#violations(o, size, price, pos).length > 0) return reject(violations, price);
    }
    // Fill.
    let realizedPnl = 0;
    let p: Pos;
    if (o.action === "buy") {
      this.#cash -= size * price;
      if (pos) {
        p = pos;
        const avg = (pos.size * pos.avgEntryPrice + size * price) / (pos.size + size);
        pos.avgEntryPrice = Math.min(1, Math.max(0, avg));
        pos.size += size;
      } else {
        p = { marketId: o.marketId, side: o.side, size, avgEntryPrice: price, realizedPnl: 0 };
        this.#positions.set(o.marketId, p);
      }
    } else {
      p = pos!;
      size = Math.min(size, p.size);
      realizedPnl = (price - p.avgEntryPrice) * size;
      this.#cash += size * price;
      p.realizedPnl += realizedPnl;
      p.size -= size;
      this.#realized += realizedPnl;
      const day = Math.floor(this.#clock! / MS_PER_DAY);
      this.#day = { day, realizedPnl: (this.#day?.day === day ? this.#day.realizedPnl : 0) + realizedPnl };
      if (!over(p.size, 0) || p.size <= LIMIT_TOLERANCE * Math.max(1, size)) {
        p.size = 0;
        this.#positions.delete(o.marketId);
      }
    }
    if (this.capital !== undefined && this.#cash < 0 && !over(-this.#cash, 0)) this.#cash = 0; // rounding at the cash limit
    const res: OrderFilled = {
      status: "filled",
      ...base,
      orderId: `o${this.#nextOrderId++}`,
      size,
      price,
      yesPrice,
      time: this.#clock!,
      partial: size < o.size,
      violations: size < o.size ? violations : [],
      realizedPnl,
      cash: this.#cash,
      position: this.#snapshot(p),
    };
    this.#emit("fill", res);
    return res;
  }
}

/** Re-labels an HzError with where it happened (row / tick / order index), keeping its code. */
function rowError(e: unknown, where: string): unknown {
  if (!(e instanceof HzError)) return e;
  return new HzError(e.code, `${where}: ${e.message}`, { marketId: e.marketId, field: e.field === undefined ? where : `${where}: ${e.field}` });
}

/** Parses `json` (object or text) and checks its `format` and `version` (HzError INVALID_ARGUMENT otherwise). @internal */
export function parseVersioned(json: unknown, format: string, version: number | readonly number[], what: string): Record<string, unknown> {
  let j = json;
  if (typeof j === "string") {
    try {
      j = JSON.parse(j);
    } catch (e) {
      fail("INVALID_ARGUMENT", `${what} JSON: not valid JSON (${(e as Error).message})`, { field: "json" });
    }
  }
  if (typeof j !== "object" || j === null || Array.isArray(j)) fail("INVALID_ARGUMENT", `${what} JSON must be an object`, { field: "json" });
  const r = j as Record<string, unknown>;
  if (r.format !== format) fail("INVALID_ARGUMENT", `${what} JSON: format must be "${format}", got ${JSON.stringify(r.format) ?? "nothing"}`, { field: "format" });
  const versions: readonly number[] = typeof version === "number" ? [version] : version;
  if (!versions.includes(r.version as number)) {
    fail("INVALID_ARGUMENT", `${what} JSON: unsupported version ${JSON.stringify(r.version) ?? "(none)"} of "${format}" (this release reads version ${versions.join(" and ")})`, { field: "version" });
  }
  return r;
}

/**
 * Parses price CSV text with a header naming the columns `timestamp`, `market_id`, `yes_price` (any
 * order, extra columns ignored; `\n` or `\r\n`; blank lines skipped). Timestamps: ISO 8601 or ms
 * since epoch. A malformed row throws {@link HzError} naming its row number (1-based, header
 * excluded) and line number.
 */
export function parsePriceCsv(csv: string): ReplayRow[] {
  if (typeof csv !== "string") fail("INVALID_ARGUMENT", "parsePriceCsv expects CSV text", { field: "csv" });
  const lines = csv.split(/\r?\n/);
  const header = (lines[0] ?? "").split(",").map((h) => h.trim().toLowerCase());
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) fail("INVALID_ARGUMENT", `CSV header must name the columns timestamp,market_id,yes_price (got "${lines[0] ?? ""}")`, { field: "header" });
    return i;
  };
  const [ti, mi, pi] = [col("timestamp"), col("market_id"), col("yes_price")];
  const rows: ReplayRow[] = [];
  let n = 0;
  for (let l = 1; l < lines.length; l++) {
    const line = lines[l]!;
    if (line.trim() === "") continue;
    n++;
    const where = `CSV row ${n} (line ${l + 1})`;
    const cells = line.split(",").map((c) => c.trim());
    if (cells.length !== header.length) fail("INVALID_ARGUMENT", `${where}: expected ${header.length} columns, got ${cells.length}`, { field: where });
    const id = cells[mi]!;
    if (id === "") fail("INVALID_ARGUMENT", `${where}: market_id is empty`, { field: `${where}: market_id` });
    const timestamp = toTime(cells[ti], `${where}: timestamp`);
    const ps = cells[pi]!;
    const yesPrice = ps === "" ? NaN : Number(ps);
    if (!Number.isFinite(yesPrice) || yesPrice < 0 || yesPrice > 1) {
      fail("INVALID_PRICE", `${where}: yes_price must be a number in [0, 1], got ${JSON.stringify(ps)}`, { marketId: id, field: `${where}: yes_price` });
    }
    rows.push({ timestamp, marketId: id, yesPrice });
  }
  return rows;
}
