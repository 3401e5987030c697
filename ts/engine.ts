// The paper-trading Engine: price feeds, orders checked by a RiskConfig, positions and cash.
// Pure TypeScript, no network, no wasm: everything here is synchronous bookkeeping.
import Papa from "papaparse";
import { fail, HzError } from "./errors.js";
import type { Side } from "./portfolio.js";
import { throwIfAborted } from "./simulation.js";
import { FeeModel, type FeeFunction, type FeeModelJSON } from "./fees.js";
import { checkQuote, fillPrice, heldMark, MARK_MODES, mid, yesMark, type MarkMode, type Quote, type QuoteInput } from "./quotes.js";
import type { Journal } from "./journal.js";
import { checkRateLimit, DedupWindow, orderKey, TokenBucket, utcDay, type KillSwitchState } from "./risk-controls.js";
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
  /** Horizon's name for `maxTotalExposure` (one limit, two names; give either, or both equal). */
  maxPortfolioNotional?: number;
  /**
   * Equity drawdown since 00:00 UTC of the engine clock's day, in percent of that day's starting
   * equity (mark-to-market). When exceeded, the kill switch activates (it stays on until
   * `deactivateKillSwitch()`).
   */
  maxDailyDrawdownPct?: number;
  /** Lowest fill price (of the side traded) accepted; below it the order is rejected `"priceBand"`. */
  priceMin?: number;
  /** Highest fill price (of the side traded) accepted; above it the order is rejected `"priceBand"`. */
  priceMax?: number;
  /** An order identical (market, side, action, size, limit) to one filled less than this many ms of engine clock ago is rejected `"duplicate"`. */
  dedupWindowMs?: number;
  /** Token bucket: orders per second of engine clock (refill rate, > 0). */
  rateLimitSustained?: number;
  /** Token bucket: most orders in a burst (capacity, ≥ 1; default max(1, rateLimitSustained)). */
  rateLimitBurst?: number;
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
  /** Most equity drawdown in % since 00:00 UTC before the kill switch activates (undefined: none). */
  readonly maxDailyDrawdownPct: number | undefined;
  /** Lowest accepted fill price (undefined: 0). */
  readonly priceMin: number | undefined;
  /** Highest accepted fill price (undefined: 1). */
  readonly priceMax: number | undefined;
  /** Duplicate-order window in ms of engine clock (undefined: none). */
  readonly dedupWindowMs: number | undefined;
  /** Order rate limit (undefined: none). */
  readonly rateLimitSustained: number | undefined;
  /** Order burst capacity (undefined: no rate limit). */
  readonly rateLimitBurst: number | undefined;

  /** Horizon's name of {@link RiskConfig.maxTotalExposure}. */
  get maxPortfolioNotional(): number | undefined {
    return this.maxTotalExposure;
  }
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
    const exposure = o.maxTotalExposure === undefined ? undefined : check.nonNegative(o.maxTotalExposure, "maxTotalExposure");
    const notional = o.maxPortfolioNotional === undefined ? undefined : check.nonNegative(o.maxPortfolioNotional, "maxPortfolioNotional");
    if (exposure !== undefined && notional !== undefined && exposure !== notional) {
      fail("INVALID_ARGUMENT", `maxPortfolioNotional (${notional}) and maxTotalExposure (${exposure}) are one limit with two names: give one`, { field: "maxPortfolioNotional" });
    }
    this.maxTotalExposure = exposure ?? notional;
    this.maxDailyLoss = o.maxDailyLoss === undefined ? undefined : check.nonNegative(o.maxDailyLoss, "maxDailyLoss");
    this.maxDailyDrawdownPct = o.maxDailyDrawdownPct === undefined ? undefined : check.nonNegative(o.maxDailyDrawdownPct, "maxDailyDrawdownPct");
    this.priceMin = o.priceMin === undefined ? undefined : check.price(o.priceMin, "priceMin");
    this.priceMax = o.priceMax === undefined ? undefined : check.price(o.priceMax, "priceMax");
    if (this.priceMin !== undefined && this.priceMax !== undefined && this.priceMin > this.priceMax) {
      fail("INVALID_ARGUMENT", `priceMin ${this.priceMin} is above priceMax ${this.priceMax}`, { field: "priceMin" });
    }
    this.dedupWindowMs = o.dedupWindowMs === undefined ? undefined : check.nonNegative(o.dedupWindowMs, "dedupWindowMs");
    const rate = checkRateLimit(o.rateLimitSustained, o.rateLimitBurst);
    this.rateLimitSustained = rate?.sustained;
    this.rateLimitBurst = rate?.burst;
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
    if (this.maxDailyDrawdownPct !== undefined) out.maxDailyDrawdownPct = this.maxDailyDrawdownPct;
    if (this.priceMin !== undefined) out.priceMin = this.priceMin;
    if (this.priceMax !== undefined) out.priceMax = this.priceMax;
    if (this.dedupWindowMs !== undefined) out.dedupWindowMs = this.dedupWindowMs;
    if (this.rateLimitSustained !== undefined) out.rateLimitSustained = this.rateLimitSustained;
    if (this.rateLimitBurst !== undefined) out.rateLimitBurst = this.rateLimitBurst;
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
  /** Fees charged on every fill (a {@link FeeModel} or a function); per market: `setFees`. Default none. */
  fees?: FeeModel | FeeFunction;
  /** How positions are valued: `"mid"` (default) or `"bid"` (liquidation value). See {@link MarkMode}. */
  mark?: MarkMode;
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
  /** Fees paid by fills of this position (money; included in `realizedPnl`). */
  readonly feesPaid: number;
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
  /**
   * The position after a buy would exceed `MAX_POSITION_SIZE` (1e15 shares, the cap every Portfolio
   * and saved engine enforces; limit = the cap, attempted = shares after the fill). An order on a
   * market without a price is not a rejection but an `UNKNOWN_MARKET` {@link HzError}.
   */
  | "positionCap"
  /** Buying one side of a market while holding the other (close it first; limit 0 = shares allowed). */
  | "oppositeSide"
  /** The market was settled: it takes no more orders. */
  | "marketClosed"
  /** The fill price is outside [priceMin, priceMax] (limit = the bound crossed). */
  | "priceBand"
  /** The same order (market, side, action, size, limit) filled less than `dedupWindowMs` ago. */
  | "duplicate"
  /** The order rate limit's token bucket is empty. */
  | "rateLimit"
  /** The kill switch is on and the order would increase exposure. */
  | "killSwitch";

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
  /** Fee charged for this fill (money; paid from cash, booked in `realizedPnl`). */
  fee: number;
  /** P&L realised by this fill, net of its fee (sells: (price − avgEntryPrice) × size − fee; buys: −fee). */
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
  /** The price the order would have filled at (always set: an order on a market without a price is an `UNKNOWN_MARKET` HzError, not a rejection). */
  price: number | undefined;
  /** Engine clock (ms since epoch; Date.now() before any tick). */
  time: number;
  /** Every broken rule (the first is repeated at top level). */
  violations: Violation[];
}

/** What `submitOrder` resolves to. */
export type OrderResult = OrderFilled | OrderRejected;

/** A price observation: the market's YES quote and mark at a time (ms since epoch). */
export interface PriceTick {
  /** The market id. */
  readonly marketId: string;
  /** The market's YES mark (the mid, or the bid under `mark: "bid"`), in [0, 1]. */
  readonly yesPrice: number;
  /** YES bid (= ask = the price for a `pushPrice` tick). */
  readonly bid: number;
  /** YES ask. */
  readonly ask: number;
  /** Tick time (ms since epoch). */
  readonly time: number;
}

/**
 * A timestamp: ms since epoch within ±{@link MAX_TIME} (the Date range), a valid Date, decimal ms
 * as text, or a strict ISO 8601 string — a date (`"2025-03-01"`, UTC midnight) or a date-time with
 * an offset (`"2025-03-01T10:00:00Z"`, `"2025-03-01T10:00+01:00"`). Anything else is INVALID_ARGUMENT.
 */
export type TimeInput = number | Date | string;

/** A recorded price row for {@link Engine.replay} (the CSV columns `timestamp,market_id,yes_price[,bid,ask]`). */
export interface ReplayRow {
  /** Time of the observation (see {@link TimeInput}). */
  timestamp: TimeInput;
  /** The market id. */
  marketId: string;
  /** The market's YES price, in [0, 1] (a quote with bid = ask); optional when `bid` and `ask` are given. */
  yesPrice?: number;
  /** YES bid (with `ask`: the row is a quote). */
  bid?: number;
  /** YES ask (with `bid`). */
  ask?: number;
}

/** A row of {@link parsePriceCsv}: `yesPrice` is always set (the mid of a quote row, which also has `bid` and `ask`). */
export interface PriceRow extends ReplayRow {
  /** Time of the observation, ms since epoch. */
  timestamp: number;
  /** The YES price (a quote row: its mid). */
  yesPrice: number;
}

/** A replay row as written in the CSV header (`timestamp, market_id, yes_price`); also accepted by `replay`. */
export interface SnakeCaseReplayRow {
  /** Time of the observation (see {@link TimeInput}). */
  timestamp: TimeInput;
  /** The market id. */
  market_id: string;
  /** The market's YES price, in [0, 1] (optional when `bid` and `ask` are given). */
  yes_price?: number;
  /** YES bid (with `ask`). */
  bid?: number;
  /** YES ask (with `bid`). */
  ask?: number;
}

/** A tick from a user-supplied source for {@link Engine.consume} (`time` or `timestamp`; omitted: as in `pushPrice`). */
export interface TickInput {
  /** The market id. */
  marketId: string;
  /** The market's YES price, in [0, 1] (optional when `bid` and `ask` are given). */
  yesPrice?: number;
  /** YES bid (with `ask`: the tick is a quote). */
  bid?: number;
  /** YES ask (with `bid`). */
  ask?: number;
  /** Tick time (see {@link TimeInput}); takes precedence over `timestamp`. */
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

/** A settled market: what `settle` did to it (and, for an event, to its other markets). */
export interface Settlement {
  /** The market settled. */
  marketId: string;
  /** The winning side. */
  outcome: Side;
  /** Engine clock of the settlement (ms since epoch). */
  time: number;
  /** The position closed by the settlement (its size before; undefined when none was held). */
  position: EnginePosition | undefined;
  /** Cash paid out: size × 1 when the held side won, else 0. */
  payout: number;
  /** Realised P&L of the settlement: payout − size × avgEntryPrice. */
  realizedPnl: number;
  /** Cash after the settlement. */
  cash: number;
}

/** Payloads of the engine's events. */
export interface EngineEventMap {
  /** An order filled (after the engine's state changed). */
  fill: OrderFilled;
  /** A price tick was applied. */
  price: PriceTick;
  /** An order was rejected. */
  reject: OrderRejected;
  /** A market was settled (one event per market, an event's cascade included). */
  settle: Settlement;
}

/** What `engine.status()` reports. */
export interface EngineStatus {
  /** True while the kill switch is on. */
  killSwitchActive: boolean;
  /** Why it is on (null when off). */
  killSwitchReason: string | null;
  /** Number of open positions. */
  openPositions: number;
  /** Realised P&L since the start, net of fees. */
  realizedPnl: number;
  /** Unrealised P&L of open positions at the mark. */
  unrealizedPnl: number;
  /** Equity now − equity at 00:00 UTC of the engine clock's day (mark-to-market, fees included). */
  dailyPnl: number;
  /** Fees paid since the start. */
  feesPaid: number;
  /** cash + positions at the mark. */
  equity: number;
  /** Cash. */
  cash: number;
}

/** An event from {@link Engine.events}. */
export type EngineEvent = {
  [K in keyof EngineEventMap]: {
    /** The event name: `"fill"`, `"price"`, `"reject"` or `"settle"`. */
    type: K;
    /** The event's payload (see {@link EngineEventMap}). */
    data: EngineEventMap[K]
  }
}[keyof EngineEventMap];

/** The versioned, lossless JSON form of an {@link Engine} (`engine.toJSON()`). */
export interface EngineJSON {
  /** Always {@link ENGINE_JSON_FORMAT} (`"hz-portfolio/engine"`). */
  format: typeof ENGINE_JSON_FORMAT;
  /** {@link ENGINE_JSON_VERSION} (2) when written by this release; version 1 files (no events, quotes or fees) are read too. */
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
  /** Markets in order of first tick; ticks `[time, yesPrice]` or `[time, bid, ask]`, oldest first (at most maxHistory). */
  markets: {
    /** The market id. */
    marketId: string;
    /** `[time (ms since epoch), YES price]` (bid = ask) or `[time, YES bid, YES ask]`, oldest first. */
    ticks: ([number, number] | [number, number, number])[]
  }[];
  /** Version 2: how positions are marked. */
  mark?: MarkMode;
  /** Version 2: the default fee model. */
  fees?: FeeModelJSON;
  /** Version 2: per-market fee models (`setFees`), in order of setting. */
  marketFees?: {
    /** The market. */
    marketId: string;
    /** Its fee model. */
    fees: FeeModelJSON
  }[];
  /** Version 2: fees paid since the start. */
  feesPaid?: number;
  /** Version 2: settled markets, in order of settlement. */
  settled?: {
    /** The market. */
    marketId: string;
    /** The winning side. */
    outcome: Side;
    /** Time of the settlement (ms since epoch). */
    time: number
  }[];
  /** Version 2: the kill switch. */
  killSwitch?: KillSwitchState;
  /** Version 2: equity at 00:00 UTC of `day` (for `maxDailyDrawdownPct` and `dailyPnl`), or null before any tick. */
  dayStart?: {
    /** The UTC day, in days since epoch. */
    day: number;
    /** Equity at its start (money). */
    equity: number
  } | null;
  /** Version 2: fills inside the dedup window: `[order key, time]`. */
  recentFills?: [string, number][];
  /** Version 2: the rate limiter's bucket, or null without a rate limit. */
  rateBucket?: {
    /** Tokens left. */
    tokens: number;
    /** Engine time of the last refill (ms), null before the first order. */
    time: number | null
  } | null;
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
    /** P&L realised by sells of this position (money, net of fees). */
    realizedPnl: number;
    /** Version 2: fees paid by fills of this position. */
    feesPaid?: number
  }[];
  /** Event definitions in order (`{ eventId, markets, exhaustive }`); absent in version 1. */
  events?: EventDefinition[];
}

interface Market {
  id: string;
  times: number[];
  /** YES bids (= asks for price ticks). */
  bids: number[];
  asks: number[];
}

interface Pos {
  marketId: string;
  side: Side;
  size: number;
  avgEntryPrice: number;
  realizedPnl: number;
  feesPaid: number;
}

type Listener<K extends keyof EngineEventMap> = (event: EngineEventMap[K]) => void;

/** One journaled change of an engine (compact keys: journals hold many of them). */
type JournalOp =
  | { k: "q"; m: string; b: number; a: number; t: number }
  | { k: "o"; o: OrderInput }
  | { k: "s"; m: string; x: Side; t: number }
  | { k: "f"; m: string; f: FeeModelJSON }
  | { k: "K"; on: boolean; why: string | null }
  | { k: "e"; id: string; m: string[]; x: boolean }
  | { k: "E"; id: string };

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
  if (s !== "yes" && s !== "no") fail("INVALID_ARGUMENT", `${field} must be "yes" or "no", got ${check.show(v)}`, { field });
  return s;
}

/**
 * Latest (and, negated, earliest) time accepted, in ms since epoch: the range of a JavaScript Date
 * (±100 000 000 days around 1970, about years −271 821 to 275 760). Beyond it a time cannot be
 * shown or compared as a date, so it is bad input, not a clock value.
 */
export const MAX_TIME = 8.64e15;

// Strict ISO 8601: a date (UTC midnight), or a date-time with seconds optional and an explicit
// offset (Z or ±HH:MM) — a time without an offset would depend on the machine's time zone.
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):(\d{2})))?$/;
// Decimal numbers only (no hex, binary, octal, "Infinity" or blank, all of which Number() accepts).
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The number written in decimal text `s` (surrounding blanks allowed), or NaN for anything else. @internal */
export function decimalNumber(s: string): number {
  const t = s.trim();
  return DECIMAL.test(t) ? Number(t) : NaN;
}

function isoTime(s: string): number {
  const m = ISO_TIME.exec(s);
  if (!m) return NaN;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [h, mi, sec] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  const ms = Number((m[7] ?? "").padEnd(3, "0").slice(0, 3));
  const offset = m[9] === undefined ? 0 : (m[9] === "-" ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59 || Number(m[10] ?? 0) > 23 || Number(m[11] ?? 0) > 59) return NaN;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d); // Date.UTC would map years 0–99 to 1900–1999
  // A day past the month's end rolls over (2025-02-30 → March 2): such a date does not exist.
  if (date.getUTCMonth() !== mo - 1) return NaN;
  date.setUTCHours(h, mi, sec, ms);
  return date.getTime() - offset * 60_000;
}

/**
 * Parses a {@link TimeInput} into ms since epoch (throws {@link HzError} INVALID_ARGUMENT naming
 * `field`). Accepted: a finite number of ms in [−MAX_TIME, MAX_TIME], a valid Date, decimal ms as
 * text, or a strict ISO 8601 string (`2025-03-01`, `2025-03-01T10:00Z`, `2025-03-01T10:00:00.5+01:00`).
 */
export function toTime(v: unknown, field = "time"): number {
  let t: number;
  if (typeof v === "number") t = v;
  else if (v instanceof Date) t = v.getTime();
  else if (typeof v === "string") t = DECIMAL.test(v.trim()) && !/[eE]/.test(v) ? Number(v.trim()) : isoTime(v.trim());
  else t = NaN;
  if (!(Math.abs(t) <= MAX_TIME)) {
    fail(
      "INVALID_ARGUMENT",
      `${field} must be a time: ms since epoch within ±${MAX_TIME}, a valid Date or an ISO 8601 string with an offset (e.g. "2025-03-01T10:00:00Z"), got ${check.show(v)}`,
      { field },
    );
  }
  return t === 0 ? 0 : t;
}

/** A tick time for messages (ISO 8601; every accepted time is in the Date range). */
function isoOf(t: number): string {
  return Math.abs(t) <= MAX_TIME ? new Date(t).toISOString() : String(t);
}

function validOrder(o: unknown, sizeField: "size" | "sizeDelta" = "size", where = "order"): Required<Omit<OrderInput, "limitPrice">> & { limitPrice?: number } {
  if (typeof o !== "object" || o === null) fail("INVALID_ARGUMENT", `${where} must be an order object`, { field: "order" });
  const r = o as Record<string, unknown>;
  const marketId = check.marketId(r.marketId);
  const side = sideOf(r.side);
  const action = check.oneOf(typeof r.action === "string" ? r.action.toLowerCase() : r.action, ACTIONS, "action");
  const size = check.finiteNumber(r[sizeField], sizeField, "INVALID_SIZE", marketId);
  if (size <= 0) fail("INVALID_SIZE", `market "${marketId}": ${sizeField} must be > 0, got ${size}`, { marketId, field: sizeField });
  // No order can be filled beyond the position cap: reject it as input above a cap, like addPosition.
  check.size(size, sizeField, marketId);
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
 *   async ones — and leaves the engine unchanged, as does an order on a market without a price
 *   (`UNKNOWN_MARKET`) or above `MAX_POSITION_SIZE` (`LIMIT_EXCEEDED`). Business rules (limits, cash, holdings…)
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
  /** How positions are valued (`"mid"` or `"bid"`). */
  readonly mark: MarkMode;
  #fees: FeeModel;
  readonly #marketFees = new Map<string, FeeModel>();
  #feesPaid = 0;
  readonly #settled = new Map<string, { outcome: Side; time: number }>();
  #killSwitch: KillSwitchState = { active: false, reason: null };
  #dayStart: { day: number; equity: number } | undefined;
  #dedup: DedupWindow | undefined;
  #bucket: TokenBucket | undefined;
  #journal: Journal | undefined;
  #cash: number;
  #realized = 0;
  #day: { day: number; realizedPnl: number } | undefined;
  #nextOrderId = 1;
  #rejected = 1;
  #clock: number | undefined;
  readonly #markets = new Map<string, Market>();
  readonly #positions = new Map<string, Pos>();
  readonly #events = new EventBook();
  readonly #listeners: { [K in keyof EngineEventMap]: Set<Listener<K>> } = { fill: new Set(), price: new Set(), reject: new Set(), settle: new Set() };

  /** Validates the options (throws {@link HzError}). */
  constructor(options: EngineOptions = {}) {
    const o = check.options(options, "options");
    this.riskConfig = o.riskConfig === undefined ? undefined : RiskConfig.from(o.riskConfig);
    this.capital = o.capital === undefined ? undefined : check.positive(o.capital, "capital");
    this.maxHistory = check.integerInRange(o.maxHistory ?? DEFAULT_ENGINE_HISTORY, "maxHistory", 1, MAX_ENGINE_HISTORY, "LIMIT_EXCEEDED");
    this.mark = check.oneOf(o.mark ?? "mid", MARK_MODES, "mark");
    this.#fees = o.fees === undefined ? FeeModel.none() : FeeModel.from(o.fees);
    this.#cash = this.capital ?? 0;
    const r = this.riskConfig;
    if (r?.dedupWindowMs !== undefined) this.#dedup = new DedupWindow(r.dedupWindowMs);
    if (r?.rateLimitSustained !== undefined) this.#bucket = new TokenBucket(r.rateLimitSustained, r.rateLimitBurst!);
  }

  // ---------------------------------------------------------------- durability

  /**
   * An engine kept in a journal (see {@link openJournal}): an empty journal starts a new engine with
   * `options`; otherwise the engine is recovered — its latest snapshot, then every record after it,
   * replayed exactly — and `options`, if given, must agree with the recovered configuration (else
   * HzError INVALID_ARGUMENT). From then on every state change is journaled: an order (`submitOrder`,
   * `execute`) or a settlement is durable when its promise resolves; synchronous changes (`pushPrice`,
   * `pushQuote`, `setFees`, the kill switch) after `await engine.flush()`, or within the journal's
   * `flushIntervalMs` (default 100 ms). A torn last record (a crash mid-write) is dropped; damage
   * before it is HzError JOURNAL_CORRUPT. Custom fee functions are not saved: pass them again in
   * `feeModels`, and keep them deterministic.
   */
  static async open(journal: Journal, options?: EngineOptions & { feeModels?: Readonly<Record<string, FeeModel>> }): Promise<Engine> {
    if (typeof journal !== "object" || journal === null || typeof (journal as Journal).recover !== "function") {
      fail("INVALID_ARGUMENT", "Engine.open expects a journal from openJournal(location)", { field: "journal" });
    }
    try {
      return await Engine.#open(journal, options);
    } catch (e) {
      // No engine to close: release the journal's store here (a file handle would leak otherwise).
      await journal.close().catch(() => {});
      throw e;
    }
  }

  static async #open(journal: Journal, options?: EngineOptions & { feeModels?: Readonly<Record<string, FeeModel>> }): Promise<Engine> {
    const { feeModels, ...engineOptions } = check.options(options, "options");
    const records = await journal.recover();
    let e: Engine;
    if (records.length === 0) {
      e = new Engine(engineOptions);
      journal.record({ snapshot: e.toJSON() });
      await journal.flush();
    } else {
      const first = check.options(records[0] as { snapshot: EngineJSON }, "journal record 1");
      if (first.snapshot === undefined) fail("JOURNAL_CORRUPT", "journal record 1 is not a snapshot: this is not an engine journal", { field: "record 1" });
      e = Engine.fromJSON(first.snapshot, { feeModels });
      for (let i = 1; i < records.length; i++) {
        const r = records[i] as { op?: JournalOp };
        if (typeof r !== "object" || r === null || r.op === undefined) fail("JOURNAL_CORRUPT", `journal record ${i + 1} is not an engine operation`, { field: `record ${i + 1}` });
        try {
          e.#replayOp(r.op, feeModels ?? {});
        } catch (x) {
          if (x instanceof HzError && x.code === "JOURNAL_CORRUPT") throw x;
          fail("JOURNAL_CORRUPT", `journal record ${i + 1} cannot be replayed (${x instanceof Error ? x.message : String(x)})`, { field: `record ${i + 1}` });
        }
      }
      if (options !== undefined && Object.keys(engineOptions).length > 0) {
        const want = new Engine(engineOptions).#config();
        const have = e.#config();
        if (JSON.stringify(want) !== JSON.stringify(have)) {
          fail("INVALID_ARGUMENT", `Engine.open: options disagree with the journal's engine (journal: ${JSON.stringify(have)}, options: ${JSON.stringify(want)}); open without options to recover it as saved`, { field: "options" });
        }
      }
    }
    e.#journal = journal;
    return e;
  }

  /** The configuration that `Engine.open` compares with its options. */
  #config(): unknown {
    const j = this.toJSON();
    return { capital: j.capital, maxHistory: j.maxHistory, riskConfig: j.riskConfig, mark: j.mark, fees: j.fees };
  }

  /** Makes every change so far durable (a journaled engine; resolves at once otherwise). */
  async flush(): Promise<void> {
    await this.#journal?.flush();
  }

  /** Writes a snapshot and drops the journal records it covers (a journaled engine). */
  async compact(): Promise<void> {
    if (!this.#journal) fail("INVALID_STATE", "compact() needs an engine opened with Engine.open(journal)", { field: "journal" });
    await this.#journal.compact({ snapshot: this.toJSON() });
  }

  /** Flushes and closes the journal; the engine then refuses changes (INVALID_STATE). */
  async close(): Promise<void> {
    await this.#journal?.close();
  }

  /** Journals a change (before its events are emitted, so the journal order is the apply order). */
  #log(op: JournalOp): void {
    this.#journal?.record({ op });
  }

  /** Throws INVALID_STATE when the engine's journal was closed (a change could not be made durable). */
  #writable(): void {
    if (this.#journal?.closed) fail("INVALID_STATE", "the engine's journal is closed: reopen it with Engine.open(await openJournal(…))", { field: "journal" });
  }

  /** Applies a journaled operation during recovery (nothing is journaled again). */
  #replayOp(op: JournalOp, feeModels: Readonly<Record<string, FeeModel>>): void {
    switch (op.k) {
      case "q":
        this.#apply(this.#checkTick(op.m, checkQuote({ bid: op.b, ask: op.a }, op.m), op.t, this.#lastTime(op.m)));
        return;
      case "o":
        this.#submit(this.#known(validOrder(op.o)));
        return;
      case "s":
        this.#settleNow(op.m, sideOf(op.x), op.t);
        return;
      case "f":
        this.#marketFees.set(check.marketId(op.m), FeeModel.fromJSON(op.f, feeModels));
        return;
      case "K":
        this.#killSwitch = op.on ? { active: true, reason: String(op.why) } : { active: false, reason: null };
        return;
      case "e":
        this.#events.define(op.id, { markets: op.m, exhaustive: op.x });
        return;
      case "E":
        this.#events.remove(op.id);
        return;
      default:
        fail("JOURNAL_CORRUPT", `unknown journal operation ${JSON.stringify(op)}`, { field: "journal" });
    }
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

  /** Current YES mark of a market: the mid, or the bid under `mark: "bid"` (throws UNKNOWN_MARKET when it has no price). */
  price(marketId: string): number {
    const m = this.#market(marketId);
    const i = m.bids.length - 1;
    return yesMark(m.bids[i]!, m.asks[i]!, this.mark);
  }

  /** Current YES quote of a market `{ bid, ask, mid }` (throws UNKNOWN_MARKET when it has none). */
  quote(marketId: string): Quote {
    const m = this.#market(marketId);
    const i = m.bids.length - 1;
    return { bid: m.bids[i]!, ask: m.asks[i]!, mid: mid(m.bids[i]!, m.asks[i]!) };
  }

  /** Recorded YES marks of a market, oldest first, at most `maxHistory` (a copy; throws UNKNOWN_MARKET). */
  priceHistory(marketId: string): number[] {
    const m = this.#market(marketId);
    const out: number[] = [];
    for (let i = Math.max(0, m.bids.length - this.maxHistory); i < m.bids.length; i++) out.push(yesMark(m.bids[i]!, m.asks[i]!, this.mark));
    return out;
  }

  /**
   * The held side's mark per share now (YES: the YES mark; NO: 1 − mid, or 1 − ask under
   * `mark: "bid"`) — what `Portfolio.fromEngine` and `follow` use as a position's current price.
   */
  markPrice(marketId: string, side: Side): number {
    const m = this.#market(marketId);
    const i = m.bids.length - 1;
    return heldMark(sideOf(side), m.bids[i]!, m.asks[i]!, this.mark);
  }

  /** The held side's recorded marks, oldest first, at most `maxHistory` (see {@link Engine.markPrice}). */
  markHistory(marketId: string, side: Side): number[] {
    const m = this.#market(marketId);
    const sd = sideOf(side);
    const out: number[] = [];
    for (let i = Math.max(0, m.bids.length - this.maxHistory); i < m.bids.length; i++) out.push(heldMark(sd, m.bids[i]!, m.asks[i]!, this.mark));
    return out;
  }

  /** Recorded ticks of a market, oldest first, at most `maxHistory` (throws UNKNOWN_MARKET). */
  ticks(marketId: string): PriceTick[] {
    const m = this.#market(marketId);
    const start = Math.max(0, m.bids.length - this.maxHistory);
    const out: PriceTick[] = [];
    for (let i = start; i < m.bids.length; i++) out.push(this.#tickOf(m.id, m.bids[i]!, m.asks[i]!, m.times[i]!));
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

  /** Fees paid since the start (money). */
  feesPaid(): number {
    return this.#feesPaid;
  }

  /** The fee model of a market: its own (`setFees`) or the engine's default. */
  feeModel(marketId: string): FeeModel {
    return this.#marketFees.get(check.marketId(marketId)) ?? this.#fees;
  }

  /** Sets the fee model of one market (a {@link FeeModel} or a function; `FeeModel.none()` for none). */
  setFees(marketId: string, model: FeeModel | FeeFunction): void {
    this.#writable();
    const id = check.marketId(marketId);
    const m = FeeModel.from(model);
    this.#log({ k: "f", m: id, f: m.toJSON() });
    this.#marketFees.set(id, m);
  }

  /** True once the market was settled (it then takes no orders and no ticks). */
  isSettled(marketId: string): boolean {
    return this.#settled.has(marketId);
  }

  /** The settlement of a market `{ outcome, time }`, or undefined. */
  settlement(marketId: string): {
    /** The winning side. */
    outcome: Side;
    /** Engine clock of the settlement (ms since epoch). */
    time: number
  } | undefined {
    const s = this.#settled.get(marketId);
    return s && { ...s };
  }

  /**
   * Turns the kill switch on: orders that would increase exposure (buys) are rejected
   * `"killSwitch"` until {@link Engine.deactivateKillSwitch}; sells pass.
   */
  activateKillSwitch(reason: string): void {
    if (typeof reason !== "string" || reason.trim() === "") fail("INVALID_ARGUMENT", "activateKillSwitch needs a reason (a non-empty string)", { field: "reason" });
    this.#writable();
    this.#log({ k: "K", on: true, why: reason });
    this.#killSwitch = { active: true, reason };
  }

  /** Turns the kill switch off. */
  deactivateKillSwitch(): void {
    this.#writable();
    this.#log({ k: "K", on: false, why: null });
    this.#killSwitch = { active: false, reason: null };
  }

  /** A snapshot of the engine's state for dashboards and bots. */
  status(): EngineStatus {
    const equity = this.equity();
    return {
      killSwitchActive: this.#killSwitch.active,
      killSwitchReason: this.#killSwitch.reason,
      openPositions: this.#positions.size,
      realizedPnl: this.#realized,
      unrealizedPnl: this.unrealizedPnl(),
      dailyPnl: this.#dayStart && this.#clock !== undefined && this.#dayStart.day === utcDay(this.#clock) ? equity - this.#dayStart.equity : 0,
      feesPaid: this.#feesPaid,
      equity,
      cash: this.#cash,
    };
  }

  // ---------------------------------------------------------------- event definitions

  /**
   * Declares that `spec.markets` are mutually exclusive outcomes of one event (at most one resolves
   * YES; exactly one with `exhaustive: true`). Markets may be listed before they have a price; a
   * market belongs to at most one event; redefining an id replaces it. Used by
   * `RiskConfig.maxPositionPerEvent` and by `settle` (an outcome settled YES settles the event's
   * other markets NO), saved by `toJSON`, and carried to portfolios by `Portfolio.fromEngine` /
   * `follow`. Throws {@link HzError} INVALID_ARGUMENT (naming the event and the market) without
   * changing anything.
   */
  defineEvent(eventId: string, spec: EventSpec): void {
    this.#writable();
    this.#events.define(eventId, spec);
    const d = this.#events.list().find((x) => x.eventId === eventId)!;
    this.#log({ k: "e", id: d.eventId, m: [...d.markets], x: d.exhaustive });
  }

  /** The defined events, in order of definition (copies). (`events()` is the async iterator of fills and ticks.) */
  eventDefinitions(): EventDefinition[] {
    return this.#events.list();
  }

  /** Removes an event definition (HzError INVALID_ARGUMENT when it is not defined). */
  removeEvent(eventId: string): void {
    this.#writable();
    this.#events.remove(eventId);
    this.#log({ k: "E", id: eventId });
  }

  /** Shares held over the markets of `marketId`'s event, both sides (0 when it is in no event). */
  #eventShares(marketId: string): number {
    const e = this.#events.eventOf(marketId);
    if (e === undefined) return 0;
    let s = 0;
    for (const m of this.#events.marketsOf(e)!) s += this.#positions.get(m)?.size ?? 0;
    return s;
  }

  // ---------------------------------------------------------------- feeds

  /**
   * Applies a YES price tick and emits `"price"`. `time`: ms since epoch, a Date or an ISO string;
   * default: `Date.now()`, raised to the market's last tick time if that is later. A tick older than
   * the market's last one throws INVALID_ARGUMENT (equal times are accepted). Throws {@link HzError}
   * without changing anything on bad input.
   */
  pushPrice(marketId: string, yesPrice: number, time?: TimeInput): PriceTick {
    this.#writable();
    const tick = this.#checkTick(marketId, yesPrice, time, this.#lastTime(marketId));
    this.#apply(tick);
    return tick;
  }

  /**
   * Applies a YES quote `{ bid, ask }` (0 ≤ bid ≤ ask ≤ 1) and emits `"price"`; times as in
   * {@link Engine.pushPrice}. Buys then fill at the ask (YES) or 1 − bid (NO), sells at the bid
   * (YES) or 1 − ask (NO); positions are marked by `mark`. Bad input throws {@link HzError},
   * nothing changed.
   */
  pushQuote(marketId: string, quote: QuoteInput, time?: TimeInput): PriceTick {
    this.#writable();
    const id = check.marketId(marketId);
    const q = checkQuote(quote, id);
    const tick = this.#checkTick(id, q, time, this.#lastTime(id));
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
    this.#writable();
    const o = check.options(options, "options");
    if (!Array.isArray(rows)) fail("INVALID_ARGUMENT", "replay expects an array of rows { timestamp, marketId, yesPrice }", { field: "rows" });
    const last = new Map<string, number | undefined>();
    const ticks: PriceTick[] = [];
    // An index loop, not forEach(): a hole of a sparse array is a missing row, not nothing.
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      const n = i + 1;
      if (typeof r !== "object" || r === null) fail("INVALID_ARGUMENT", `row ${n}: expected { timestamp, marketId, yesPrice }, got ${check.show(r)}`, { field: `row ${n}` });
      try {
        const snake = !("marketId" in r) && "market_id" in r;
        const id = snake ? check.marketId(r.market_id, "market_id") : check.marketId((r as ReplayRow).marketId);
        const yes = snake ? r.yes_price : (r as ReplayRow).yesPrice;
        const quoted = r.bid !== undefined || r.ask !== undefined;
        const before = last.has(id) ? last.get(id) : this.#lastTime(id);
        const t = this.#checkTick(id, quoted ? checkQuote({ bid: r.bid, ask: r.ask }, id) : yes, r.timestamp === undefined ? NaN : r.timestamp, before, "timestamp");
        last.set(id, t.time);
        ticks.push(t);
      } catch (e) {
        throw rowError(e, `row ${n}`);
      }
    }
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
    this.#writable();
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
        const quoted = item.bid !== undefined || item.ask !== undefined;
        tick = this.#checkTick(id, quoted ? checkQuote({ bid: item.bid, ask: item.ask }, id) : item.yesPrice, item.time ?? item.timestamp, this.#lastTime(id));
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
   * order (size ≤ 0, not finite or above `MAX_POSITION_SIZE`, limitPrice outside [0, 1], unknown
   * side/action, bad marketId, a market without a price) rejects the promise with an
   * {@link HzError} and changes nothing.
   *
   * Checked, in this order: opposite side held, limit price, shares held (sells; a side not held
   * is always `insufficientPosition`), maxOrderSize, maxPositionPerMarket, positionCap
   * (`MAX_POSITION_SIZE` after the fill), maxTotalExposure, cash (buys), maxDailyLoss (sells). With
   * `allowPartial: true`, size-dependent failures fill the largest size satisfying all of them.
   */
  async submitOrder(order: OrderInput): Promise<OrderResult> {
    this.#writable();
    const r = this.#submit(this.#known(validOrder(order)));
    await this.#journal?.flush(); // acknowledged = durable
    return r;
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
    // An index loop, not map(): a sparse array's holes are orders too (malformed ones).
    const valid: ReturnType<typeof validOrder>[] = [];
    for (let i = 0; i < orders.length; i++) {
      const x = orders[i];
      try {
        const field = typeof x === "object" && x !== null && "sizeDelta" in x && !("size" in x) ? "sizeDelta" : "size";
        const v = this.#known(validOrder(x, field, `orders[${i}]`), `orders[${i}]`);
        if (o.allowPartial && (x as OrderInput).allowPartial === undefined) v.allowPartial = true;
        valid.push(v);
      } catch (e) {
        throw rowError(e, `orders[${i}]`);
      }
    }
    const sequence = valid.map((_, i) => i);
    if (sellsFirst) sequence.sort((a, b) => Number(valid[a]!.action === "buy") - Number(valid[b]!.action === "buy"));
    this.#writable();
    const results: OrderResult[] = new Array(valid.length);
    for (const i of sequence) results[i] = this.#submit(valid[i]!);
    await this.#journal?.flush(); // acknowledged = durable
    return results;
  }

  // ---------------------------------------------------------------- settlement

  /**
   * Settles a market: each share of the winning side pays 1, the other side 0. The position (if
   * any) closes; realised P&L += payout − size × avgEntryPrice; cash += payout; the market's price
   * becomes 1 (YES won) or 0 and a `"settle"` event is emitted. The market is then closed: orders
   * are rejected `"marketClosed"` and ticks throw. Settling an event's outcome YES settles the
   * event's other markets NO (each with its own `"settle"` event). Resolves to the settlements, the
   * market's first. Bad input (unknown market or outcome, a market already settled, a time before
   * its last tick) rejects with an {@link HzError} and changes nothing.
   */
  async settle(marketId: string, outcome: Side, time?: TimeInput): Promise<Settlement[]> {
    this.#writable();
    const id = check.marketId(marketId);
    const won = sideOf(outcome, "outcome");
    if (this.#settled.has(id)) {
      const s = this.#settled.get(id)!;
      fail("INVALID_STATE", `market "${id}" was already settled ${s.outcome.toUpperCase()} at ${new Date(s.time).toISOString()}`, { marketId: id, field: "marketId" });
    }
    if (!this.#markets.has(id)) fail("UNKNOWN_MARKET", `settle: market "${id}" is unknown to the engine (no price yet)`, { marketId: id, field: "marketId" });
    const cascade = won === "yes" ? this.#eventSiblings(id).filter((m) => !this.#settled.has(m)) : [];
    const last = Math.max(this.#lastTime(id) ?? -Infinity, ...cascade.map((m) => this.#lastTime(m) ?? -Infinity));
    const t = time === undefined ? Math.max(this.#clock ?? Date.now(), last) : toTime(time);
    if (t < last) fail("INVALID_ARGUMENT", `settle: market "${id}": time ${isoOf(t)} is before the last tick (${isoOf(last)})`, { marketId: id, field: "time" });
    const out = this.#settleNow(id, won, t);
    await this.#journal?.flush(); // acknowledged = durable
    return out;
  }

  /** Settles a validated market (and, for an event's YES, the event's other markets NO). */
  #settleNow(id: string, won: Side, t: number): Settlement[] {
    this.#log({ k: "s", m: id, x: won, t });
    const cascade = won === "yes" ? this.#eventSiblings(id).filter((m) => !this.#settled.has(m)) : [];
    const out = [this.#settleOne(id, won, t)];
    for (const m of cascade) out.push(this.#settleOne(m, "no", t));
    this.#checkDrawdown();
    return out;
  }

  #settleOne(id: string, won: Side, t: number): Settlement {
    const final = won === "yes" ? 1 : 0;
    this.#record({ marketId: id, yesPrice: final, bid: final, ask: final, time: t });
    this.#settled.set(id, { outcome: won, time: t });
    const pos = this.#positions.get(id);
    let payout = 0;
    let realizedPnl = 0;
    let position: EnginePosition | undefined;
    if (pos) {
      position = this.#snapshot(pos);
      payout = pos.side === won ? pos.size : 0;
      realizedPnl = payout - pos.size * pos.avgEntryPrice;
      this.#cash += payout;
      this.#realized += realizedPnl;
      this.#bookDaily(realizedPnl);
      pos.realizedPnl += realizedPnl;
      this.#positions.delete(id);
    }
    const res: Settlement = { marketId: id, outcome: won, time: t, position, payout, realizedPnl, cash: this.#cash };
    this.#emit("settle", res);
    return res;
  }

  /** The other markets of the event `marketId` belongs to (none when it is in no event). */
  #eventSiblings(marketId: string): string[] {
    const e = this.#events.eventOf(marketId);
    return e === undefined ? [] : this.#events.marketsOf(e)!.filter((m) => m !== marketId);
  }

  // ---------------------------------------------------------------- events

  /**
   * Calls `listener` on each event of `type` (synchronously, after the state changed). Returns an
   * unsubscribe function. A listener that throws changes nothing in the engine and does not stop the
   * other listeners; its error is rethrown asynchronously, like an EventTarget listener's (in Node an
   * uncaught exception): catch inside your listener. `Portfolio.follow` does, and reports to its `onError`.
   */
  on<K extends keyof EngineEventMap>(type: K, listener: (event: EngineEventMap[K]) => void): () => void {
    const set = this.#listeners[check.oneOf(type, ["fill", "price", "reject", "settle"] as const, "event") as K] as Set<Listener<K>> | undefined;
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
    if (o.types !== undefined && !Array.isArray(o.types)) fail("INVALID_ARGUMENT", `types must be an array of event names, got ${check.show(o.types)}`, { field: "types" });
    // Array.from visits the holes of a sparse array (map() would skip them and subscribe to nothing).
    const types = Array.from(o.types ?? ["fill", "price", "reject", "settle"], (t) => check.oneOf(t, ["fill", "price", "reject", "settle"] as const, "types"));
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
        const start = Math.max(0, m.bids.length - this.maxHistory);
        const ticks: ([number, number] | [number, number, number])[] = [];
        for (let i = start; i < m.bids.length; i++) ticks.push(m.bids[i] === m.asks[i] ? [m.times[i]!, m.bids[i]!] : [m.times[i]!, m.bids[i]!, m.asks[i]!]);
        return { marketId: m.id, ticks };
      }),
      positions: [...this.#positions.values()].map((p) => ({ ...p })),
      events: this.#events.list().map((d) => ({ eventId: d.eventId, markets: [...d.markets], exhaustive: d.exhaustive })),
      mark: this.mark,
      fees: this.#fees.toJSON(),
      marketFees: [...this.#marketFees].map(([marketId, f]) => ({ marketId, fees: f.toJSON() })),
      feesPaid: this.#feesPaid,
      settled: [...this.#settled].map(([marketId, x]) => ({ marketId, ...x })),
      killSwitch: { ...this.#killSwitch },
      dayStart: this.#dayStart ? { ...this.#dayStart } : null,
      recentFills: this.#dedup ? this.#dedup.recent.map(([k, t]) => [k, t] as [string, number]) : [],
      rateBucket: this.#bucket ? this.#bucket.toJSON() : null,
    };
  }

  /**
   * Restores an engine from `toJSON()` output (an object or its JSON text; versions 1 and 2).
   * Throws {@link HzError} (INVALID_ARGUMENT) on another format or version, or on inconsistent
   * content. A saved custom fee model needs its function back: `{ feeModels: { [name]: FeeModel.custom(fn, name) } }`.
   */
  static fromJSON(json: EngineJSON | string, options: { feeModels?: Readonly<Record<string, FeeModel>> } = {}): Engine {
    const j = parseVersioned(json, ENGINE_JSON_FORMAT, [1, ENGINE_JSON_VERSION], "engine") as Partial<Record<keyof EngineJSON, unknown>>;
    const custom = check.options(options, "options").feeModels ?? {};
    const v2 = j.version === 2;
    const e = new Engine({
      riskConfig: j.riskConfig === null ? undefined : (check.options(j.riskConfig as RiskConfigOptions, "riskConfig") as RiskConfigOptions),
      capital: j.capital === null ? undefined : (j.capital as number),
      maxHistory: j.maxHistory as number,
      mark: v2 ? (j.mark as MarkMode) : "mid",
      fees: v2 ? FeeModel.fromJSON(j.fees, custom, "fees") : undefined,
    });
    e.#cash = check.finiteNumber(j.cash, "cash", "INVALID_ARGUMENT");
    // With capital, cash never goes below 0 (buys beyond it are rejected): a negative value was not
    // written by toJSON. Without capital cash may be negative. Cash above capital is legitimate (profits).
    if (e.capital !== undefined && e.#cash < 0) {
      fail("INVALID_ARGUMENT", `engine JSON: cash must be ≥ 0 when capital is set (buys beyond the cash are rejected), got ${e.#cash}`, { field: "cash" });
    }
    e.#realized = check.finiteNumber(j.realizedPnl, "realizedPnl", "INVALID_ARGUMENT");
    if (j.daily !== null) {
      const d = check.options(j.daily as { day: number; realizedPnl: number }, "daily");
      // A UTC day number of a time in the Date range: an integer in [−1e8, 1e8].
      const day = check.integerInRange(d.day, "daily.day", -MAX_TIME / MS_PER_DAY, MAX_TIME / MS_PER_DAY);
      e.#day = { day, realizedPnl: check.finiteNumber(d.realizedPnl, "daily.realizedPnl", "INVALID_ARGUMENT") };
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
        if (!Array.isArray(t) || !(t.length === 2 || (v2 && t.length === 3))) fail("INVALID_ARGUMENT", `engine JSON: market "${id}" ticks[${i}] must be [time, yesPrice]${v2 ? " or [time, bid, ask]" : ""}`, { marketId: id, field: "ticks" });
        const price = t.length === 3 ? checkQuote({ bid: t[1], ask: t[2] }, id) : t[1];
        const tick = e.#checkTick(id, price, check.finiteNumber(t[0], `ticks[${i}] time`, "INVALID_ARGUMENT", id), lastTime);
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
        feesPaid: v2 ? check.nonNegative(pp.feesPaid, "feesPaid", id) : 0,
      });
    }
    if (v2) {
      if (!Array.isArray(j.events)) fail("INVALID_ARGUMENT", "engine JSON: events must be an array", { field: "events" });
      e.#events.replaceAll(j.events as EventDefinition[]);
      e.#restoreV2(j, custom);
    }
    else e.#dayStart = e.#clock === undefined ? undefined : { day: utcDay(e.#clock), equity: e.equity() };
    return e;
  }

  /** The version-2 state: fees, settlements, kill switch, day start, dedup window, rate bucket. */
  #restoreV2(j: Partial<Record<keyof EngineJSON, unknown>>, custom: Readonly<Record<string, FeeModel>>): void {
    const list = (v: unknown, field: string): unknown[] => {
      if (!Array.isArray(v)) fail("INVALID_ARGUMENT", `engine JSON: ${field} must be an array`, { field });
      return v;
    };
    for (const [k, x] of list(j.marketFees, "marketFees").entries()) {
      const r = check.options(x as { marketId: string; fees: unknown }, `marketFees[${k}]`);
      this.#marketFees.set(check.marketId(r.marketId, `marketFees[${k}].marketId`), FeeModel.fromJSON(r.fees, custom, `marketFees[${k}].fees`));
    }
    this.#feesPaid = check.nonNegative(j.feesPaid, "feesPaid");
    for (const [k, x] of list(j.settled, "settled").entries()) {
      const r = check.options(x as { marketId: string; outcome: Side; time: number }, `settled[${k}]`);
      const id = check.marketId(r.marketId, `settled[${k}].marketId`);
      if (!this.#markets.has(id)) fail("UNKNOWN_MARKET", `engine JSON: settled market "${id}" has no ticks`, { marketId: id, field: "settled" });
      if (this.#positions.has(id)) fail("INVALID_ARGUMENT", `engine JSON: settled market "${id}" still has a position`, { marketId: id, field: "settled" });
      this.#settled.set(id, { outcome: sideOf(r.outcome, `settled[${k}].outcome`), time: check.finiteNumber(r.time, `settled[${k}].time`, "INVALID_ARGUMENT", id) });
    }
    const ks = check.options(j.killSwitch as KillSwitchState, "killSwitch");
    if (typeof ks.active !== "boolean" || (ks.active ? typeof ks.reason !== "string" : ks.reason !== null)) {
      fail("INVALID_ARGUMENT", "engine JSON: killSwitch must be { active: boolean, reason: string | null }", { field: "killSwitch" });
    }
    this.#killSwitch = { active: ks.active, reason: ks.reason ?? null };
    if (j.dayStart === null) this.#dayStart = undefined;
    else {
      const d = check.options(j.dayStart as { day: number; equity: number }, "dayStart");
      this.#dayStart = { day: check.integerInRange(d.day, "dayStart.day", -1e8, 1e8), equity: check.finiteNumber(d.equity, "dayStart.equity", "INVALID_ARGUMENT") };
    }
    const recent = list(j.recentFills, "recentFills").map((x, k) => {
      if (!Array.isArray(x) || x.length !== 2 || typeof x[0] !== "string") fail("INVALID_ARGUMENT", `engine JSON: recentFills[${k}] must be [key, time]`, { field: "recentFills" });
      return [x[0], check.finiteNumber(x[1], `recentFills[${k}] time`, "INVALID_ARGUMENT")] as [string, number];
    });
    if (this.#dedup) this.#dedup.recent.push(...recent);
    if (j.rateBucket !== null && j.rateBucket !== undefined) {
      if (!this.#bucket) fail("INVALID_ARGUMENT", "engine JSON: rateBucket without a rate limit in riskConfig", { field: "rateBucket" });
      const b = check.options(j.rateBucket as { tokens: number; time: number | null }, "rateBucket");
      const tokens = check.nonNegative(b.tokens, "rateBucket.tokens");
      if (tokens > this.#bucket.burst) fail("INVALID_ARGUMENT", "engine JSON: rateBucket.tokens above rateLimitBurst", { field: "rateBucket" });
      this.#bucket = new TokenBucket(this.#bucket.sustained, this.#bucket.burst, { tokens, time: b.time === null ? null : check.finiteNumber(b.time, "rateBucket.time", "INVALID_ARGUMENT") });
    }
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
    const i = m.bids.length - 1;
    return heldMark(p.side, m.bids[i]!, m.asks[i]!, this.mark);
  }

  #tickOf(marketId: string, bid: number, ask: number, time: number): PriceTick {
    return { marketId, yesPrice: yesMark(bid, ask, this.mark), bid, ask, time };
  }

  /** Books realised P&L in the current UTC day (for maxDailyLoss). */
  #bookDaily(realizedPnl: number): void {
    const day = utcDay(this.#clock!);
    this.#day = { day, realizedPnl: (this.#day?.day === day ? this.#day.realizedPnl : 0) + realizedPnl };
  }

  /** Activates the kill switch when the equity drawdown since 00:00 UTC exceeds maxDailyDrawdownPct. */
  #checkDrawdown(): void {
    const limit = this.riskConfig?.maxDailyDrawdownPct;
    if (limit === undefined || this.#killSwitch.active || !this.#dayStart || !(this.#dayStart.equity > 0)) return;
    const equity = this.equity();
    const dd = ((this.#dayStart.equity - equity) / this.#dayStart.equity) * 100;
    if (over(dd, limit)) {
      this.#killSwitch = {
        active: true,
        reason: `maxDailyDrawdownPct: equity fell ${dd.toFixed(2)}% since 00:00 UTC (from ${this.#dayStart.equity.toFixed(2)} to ${equity.toFixed(2)}), limit ${limit}%`,
      };
    }
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
      feesPaid: p.feesPaid,
    };
  }

  #dayRealized(): number {
    if (!this.#day || this.#clock === undefined) return 0;
    return this.#day.day === Math.floor(this.#clock / MS_PER_DAY) ? this.#day.realizedPnl : 0;
  }

  /** Validates a tick (a YES price, or a checked quote) against the previous time of its market (throws HzError). */
  #checkTick(marketId: string, price: unknown, time: unknown, lastTime: number | undefined, timeField = "time"): PriceTick {
    const id = check.marketId(marketId);
    const s = this.#settled.get(id);
    if (s) fail("INVALID_STATE", `market "${id}" was settled ${s.outcome.toUpperCase()}: it takes no more ticks`, { marketId: id, field: "marketId" });
    let bid: number;
    let ask: number;
    if (typeof price === "object" && price !== null) ({ bid, ask } = price as QuoteInput);
    else bid = ask = check.price(price, "yesPrice", id);
    const t = time === undefined ? Math.max(Date.now(), lastTime ?? -Infinity) : toTime(time, timeField);
    if (lastTime !== undefined && t < lastTime) {
      fail("INVALID_ARGUMENT", `market "${id}": tick at ${isoOf(t)} is older than the last one (${isoOf(lastTime)}); ticks of a market must not go back in time`, { marketId: id, field: timeField });
    }
    return this.#tickOf(id, bid, ask, t);
  }

  #record(tick: PriceTick): void {
    // A new UTC day of the engine clock: its starting equity is the equity before this tick.
    const day = utcDay(tick.time);
    if (this.#clock === undefined || (tick.time > this.#clock && day !== utcDay(this.#clock))) {
      this.#dayStart = { day, equity: this.equity() };
    }
    let m = this.#markets.get(tick.marketId);
    if (!m) {
      m = { id: tick.marketId, times: [], bids: [], asks: [] };
      this.#markets.set(tick.marketId, m);
    }
    m.times.push(tick.time);
    m.bids.push(tick.bid);
    m.asks.push(tick.ask);
    // Trim in batches (amortised O(1)); readers take the last maxHistory.
    if (m.bids.length > this.maxHistory + Math.min(this.maxHistory, 4096)) {
      const drop = m.bids.length - this.maxHistory;
      m.bids.splice(0, drop);
      m.asks.splice(0, drop);
      m.times.splice(0, drop);
    }
    if (this.#clock === undefined || tick.time > this.#clock) this.#clock = tick.time;
  }

  #apply(tick: PriceTick): void {
    this.#log({ k: "q", m: tick.marketId, b: tick.bid, a: tick.ask, t: tick.time });
    this.#record(tick);
    this.#checkDrawdown();
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

  /** Fee of filling `o` at size `s` and `price` (the market's model; may throw HzError for a custom one). */
  #fee(o: ReturnType<typeof validOrder>, s: number, price: number): number {
    return this.feeModel(o.marketId).fee({ marketId: o.marketId, side: o.side, action: o.action, size: s, price });
  }

  /** Violations of rules that do not depend on the size: closed market, kill switch, rate limit, duplicate. */
  #gates(o: ReturnType<typeof validOrder>, now: number): Violation[] {
    const v: Violation[] = [];
    const id = o.marketId;
    const settled = this.#settled.get(id);
    if (settled) v.push({ reason: "marketClosed", message: `market "${id}" was settled ${settled.outcome.toUpperCase()} at ${isoOf(settled.time)}: it takes no more orders` });
    if (this.#killSwitch.active && o.action === "buy") {
      v.push({ reason: "killSwitch", message: `kill switch is on (${this.#killSwitch.reason}): only orders that reduce exposure (sells) pass` });
    }
    if (this.#bucket && this.#bucket.available(now) < 1 - 1e-9) {
      const r = this.riskConfig!;
      v.push({ reason: "rateLimit", limit: r.rateLimitBurst, message: `rate limit: more than ${r.rateLimitBurst} orders in a burst or ${r.rateLimitSustained}/s sustained (engine clock); retry later` });
    }
    if (this.#dedup) {
      const t = this.#dedup.duplicateOf(orderKey(o), now);
      if (t !== undefined) {
        v.push({ reason: "duplicate", limit: this.#dedup.windowMs, attempted: now - t, excess: this.#dedup.windowMs - (now - t), message: `market "${id}": the same order filled ${now - t} ms ago (dedupWindowMs ${this.#dedup.windowMs})` });
      }
    }
    return v;
  }

  /** Violations of the order at size `s` (size-independent ones included). */
  #violations(o: ReturnType<typeof validOrder>, s: number, price: number, pos: Pos | undefined): Violation[] {
    const v: Violation[] = [];
    const r = this.riskConfig;
    const id = o.marketId;
    const add = (reason: RejectReason, limit: number, attempted: number, message: string) =>
      v.push({ reason, limit, attempted, excess: Math.abs(attempted - limit), message });
    if (r?.priceMin !== undefined && price < r.priceMin) add("priceBand", r.priceMin, price, `market "${id}": fill price ${price} is below priceMin ${r.priceMin}`);
    if (r?.priceMax !== undefined && price > r.priceMax) add("priceBand", r.priceMax, price, `market "${id}": fill price ${price} is above priceMax ${r.priceMax}`);
    if (o.action === "buy" && pos && pos.side !== o.side) {
      add("oppositeSide", 0, s, `market "${id}": holds ${pos.size} ${pos.side.toUpperCase()} shares; close them before buying ${o.side.toUpperCase()}`);
    }
    if (o.limitPrice !== undefined && (o.action === "buy" ? price > o.limitPrice : price < o.limitPrice)) {
      add("limitPrice", o.limitPrice, price, `market "${id}": ${o.side.toUpperCase()} price ${price} is ${o.action === "buy" ? "above" : "below"} the limit ${o.limitPrice}`);
    }
    if (o.action === "sell") {
      const held = pos && pos.side === o.side ? pos.size : 0;
      // The tolerance absorbs rounding of a held size, never a side that is not held at all.
      if (held === 0 || over(s, held)) add("insufficientPosition", held, s, `market "${id}": selling ${s} ${o.side.toUpperCase()} shares, ${held} held`);
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
      // Exact (no tolerance): a saved engine must restore, and check.size rejects sizes above the cap.
      if (held + s > check.MAX_POSITION_SIZE) {
        add("positionCap", check.MAX_POSITION_SIZE, held + s, `market "${id}": position would be ${held + s} shares, above MAX_POSITION_SIZE ${check.MAX_POSITION_SIZE}`);
      }
      const cost = s * price;
      if (r?.maxTotalExposure !== undefined && cost > 0) {
        const after = this.positionsValue() + cost;
        if (over(after, r.maxTotalExposure)) add("maxTotalExposure", r.maxTotalExposure, after, `total exposure would be ${after}, maxTotalExposure ${r.maxTotalExposure}`);
      }
      const fee = this.#fee(o, s, price);
      if (this.capital !== undefined && over(cost + fee, this.#cash)) {
        add("insufficientCash", this.#cash, cost + fee, `order costs ${cost}${fee > 0 ? ` + fee ${fee}` : ""}, cash is ${this.#cash}`);
      }
    } else if (this.capital !== undefined && pos && pos.side === o.side && over(this.#fee(o, Math.min(s, pos.size), price) - Math.min(s, pos.size) * price, this.#cash)) {
      const fee = this.#fee(o, Math.min(s, pos.size), price);
      add("insufficientCash", this.#cash, fee - Math.min(s, pos.size) * price, `the fee ${fee} is more than the sale's proceeds plus cash ${this.#cash}`);
    } else if (r?.maxDailyLoss !== undefined && pos && pos.side === o.side) {
      const realized = (price - pos.avgEntryPrice) * Math.min(s, pos.size) - this.#fee(o, Math.min(s, pos.size), price);
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
      m = Math.min(m, check.MAX_POSITION_SIZE - held);
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
    if (!(m > 0)) return 0;
    // Fees are not linear in the size (Kalshi rounds to the cent): shrink to the largest size that
    // passes every check, by bisection on [0, m] (the checks are monotone in the size).
    if (this.#violations(o, m, price, pos).length > 0) {
      let lo = 0;
      let hi = m;
      for (let k = 0; k < 64 && hi - lo > 1e-12 * Math.max(1, hi); k++) {
        const mid = (lo + hi) / 2;
        if (this.#violations(o, mid, price, pos).length > 0) hi = mid;
        else lo = mid;
      }
      m = lo;
    }
    return m > 0 ? m : 0;
  }

  #submit(o: ReturnType<typeof validOrder>): OrderResult {
    // Filled orders are numbered o1, o2, … (saved with the engine); rejected ones x1, x2, … from a
    // counter that is not part of the saved state. A rejection changes no saved state except the
    // rate limiter's bucket (a rejected order still used a token, as it would at a venue).
    const base = { orderId: "", marketId: o.marketId, side: o.side, action: o.action, requestedSize: o.size };
    const m = this.#markets.get(o.marketId)!;
    const now = this.#clock!;
    const i = m.bids.length - 1;
    const yesPrice = yesMark(m.bids[i]!, m.asks[i]!, this.mark);
    const price = fillPrice(o.side, o.action, m.bids[i]!, m.asks[i]!);
    const pos = this.#positions.get(o.marketId);
    const gates = this.#gates(o, now);
    const takeToken = () => {
      if (!gates.some((g) => g.reason === "rateLimit")) this.#bucket?.take(now);
    };
    const reject = (violations: Violation[]): OrderRejected => {
      this.#log({ k: "o", o });
      takeToken();
      const res: OrderRejected = { status: "rejected", ...violations[0]!, ...base, orderId: `x${this.#rejected++}`, size: 0, price, time: now, violations };
      this.#emit("reject", res);
      return res;
    };
    // Fees of custom models may throw (HzError): every fee is computed before anything changes.
    const violations = [...gates, ...this.#violations(o, o.size, price, pos)];
    let size = o.size;
    if (violations.length > 0) {
      const sizeFree = violations.some((v) => SIZE_FREE.has(v.reason));
      if (!o.allowPartial || sizeFree) return reject(violations);
      size = this.#largestSize(o, o.size, price, pos);
      if (!(size > 0) || this.#violations(o, size, price, pos).length > 0) return reject(violations);
    }
    if (o.action === "sell") size = Math.min(size, pos!.size);
    const fee = this.#fee(o, size, price);
    this.#log({ k: "o", o });
    takeToken();
    // Fill.
    let realizedPnl = 0 - fee; // not −fee: −0 would leak into results
    let p: Pos;
    if (o.action === "buy") {
      this.#cash -= size * price + fee;
      if (pos) {
        p = pos;
        const avg = (pos.size * pos.avgEntryPrice + size * price) / (pos.size + size);
        pos.avgEntryPrice = Math.min(1, Math.max(0, avg));
        pos.size += size;
      } else {
        p = { marketId: o.marketId, side: o.side, size, avgEntryPrice: price, realizedPnl: 0, feesPaid: 0 };
        this.#positions.set(o.marketId, p);
      }
    } else {
      p = pos!;
      realizedPnl += (price - p.avgEntryPrice) * size;
      this.#cash += size * price - fee;
      p.size -= size;
      if (!over(p.size, 0) || p.size <= LIMIT_TOLERANCE * Math.max(1, size)) {
        p.size = 0;
        this.#positions.delete(o.marketId);
      }
    }
    p.realizedPnl += realizedPnl;
    p.feesPaid += fee;
    this.#feesPaid += fee;
    this.#realized += realizedPnl;
    if (o.action === "sell" || fee !== 0) this.#bookDaily(realizedPnl);
    this.#dedup?.add(orderKey(o), now);
    // An order passed the cash check (cost + fee) within its tolerance: any negative remainder is
    // rounding at the cash limit. Cash of an engine with capital is never negative (fromJSON rejects it).
    if (this.capital !== undefined && this.#cash < 0) this.#cash = 0;
    const res: OrderFilled = {
      status: "filled",
      ...base,
      orderId: `o${this.#nextOrderId++}`,
      size,
      price,
      yesPrice,
      time: now,
      partial: size < o.size,
      violations: size < o.size ? violations : [],
      fee,
      realizedPnl,
      cash: this.#cash,
      position: this.#snapshot(p),
    };
    this.#checkDrawdown();
    this.#emit("fill", res);
    return res;
  }
}

/** Rules no smaller size can satisfy: `allowPartial` does not apply to them. */
const SIZE_FREE: ReadonlySet<RejectReason> = new Set<RejectReason>(["oppositeSide", "limitPrice", "marketClosed", "killSwitch", "rateLimit", "duplicate", "priceBand"]);

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
  if (r.format !== format) fail("INVALID_ARGUMENT", `${what} JSON: format must be "${format}", got ${check.show(r.format)}`, { field: "format" });
  const versions: readonly number[] = typeof version === "number" ? [version] : version;
  if (!versions.includes(r.version as number)) {
    fail("INVALID_ARGUMENT", `${what} JSON: unsupported version ${check.show(r.version)} of "${format}" (this release reads version ${versions.join(" and ")})`, { field: "version" });
  }
  return r;
}

/**
 * Parses price CSV text (RFC 4180, read by papaparse: quoted fields, `\n`, `\r\n` or `\r` line ends,
 * blank lines skipped) with a header naming the columns `timestamp`, `market_id`, and `yes_price`
 * and/or `bid`, `ask` (a row with a bid and an ask is a quote — its `yesPrice` is the mid — else its
 * yes_price is a price tick; any order, extra columns ignored; cells are trimmed). Timestamps: a strict ISO 8601 string (a date,
 * or a date-time with an offset) or decimal ms since epoch within ±{@link MAX_TIME}; prices: decimal numbers in [0, 1] (not hex,
 * binary or `Infinity`). A malformed row throws {@link HzError} naming its row number (1-based, header
 * excluded), line number and field.
 */
export function parsePriceCsv(csv: string): PriceRow[] {
  if (typeof csv !== "string") fail("INVALID_ARGUMENT", `parsePriceCsv expects CSV text, got ${check.show(csv)}`, { field: "csv" });
  let header: string[] | undefined;
  let cols: [number, number, number, number, number] = [0, 0, 0, -1, -1];
  const rows: PriceRow[] = [];
  let n = 0; // data rows
  let prev = 0; // cursor after the previous record
  let linesBefore = 0; // physical line breaks before `prev`
  let error: unknown;
  // One line end for the whole text: files mixing \r\n, \r and \n (e.g. edited by hand) still parse,
  // where papaparse would detect one kind and glue the lines ending in the others.
  const text = csv.replace(/\r\n?/g, "\n");
  Papa.parse<string[]>(text, {
    delimiter: ",",
    newline: "\n",
    skipEmptyLines: "greedy",
    step: (r, parser) => {
      try {
        const segment = text.slice(prev, r.meta.cursor);
        const skipped = /^(?:[ \t]*\n)*/.exec(segment)![0];
        const line = linesBefore + lineBreaks(skipped) + 1;
        linesBefore += lineBreaks(segment);
        prev = r.meta.cursor;
        const cells = r.data.map((c) => c.trim());
        if (header === undefined) {
          header = cells.map((h) => h.toLowerCase());
          const [bi, ai] = [header.indexOf("bid"), header.indexOf("ask")];
          const quoted = bi >= 0 && ai >= 0;
          const col = (name: string) => {
            const i = header!.indexOf(name);
            if (i < 0 && !(name === "yes_price" && quoted)) fail("INVALID_ARGUMENT", `CSV header must name the columns timestamp,market_id,yes_price (or bid,ask) (got ${check.show(r.data.join(","))})`, { field: "header" });
            return i;
          };
          cols = [col("timestamp"), col("market_id"), col("yes_price"), quoted ? bi : -1, quoted ? ai : -1];
          return;
        }
        n++;
        const where = `CSV row ${n} (line ${line})`;
        if (r.errors.length > 0) fail("INVALID_ARGUMENT", `${where}: ${r.errors[0]!.message}`, { field: where });
        if (cells.length !== header.length) fail("INVALID_ARGUMENT", `${where}: expected ${header.length} columns, got ${cells.length}`, { field: where });
        const [ti, mi, pi, bi, ai] = cols;
        const id = cells[mi]!;
        if (id === "") fail("INVALID_ARGUMENT", `${where}: market_id is empty`, { field: `${where}: market_id` });
        const timestamp = toTime(cells[ti], `${where}: timestamp`);
        if (bi >= 0 && (cells[bi] !== "" || cells[ai] !== "")) {
          const num = (c: string, f: string) => {
            const x = decimalNumber(c);
            if (!(x >= 0 && x <= 1)) fail("INVALID_PRICE", `${where}: ${f} must be a decimal number in [0, 1], got ${check.show(c)}`, { marketId: id, field: `${where}: ${f}` });
            return x === 0 ? 0 : x;
          };
          const q = checkQuote({ bid: num(cells[bi]!, "bid"), ask: num(cells[ai]!, "ask") }, id);
          rows.push({ timestamp, marketId: id, yesPrice: mid(q.bid, q.ask), bid: q.bid, ask: q.ask });
          return;
        }
        if (pi < 0) fail("INVALID_ARGUMENT", `${where}: bid and ask are empty and there is no yes_price column`, { marketId: id, field: `${where}: bid` });
        const ps = cells[pi]!;
        const yesPrice = decimalNumber(ps);
        if (!(yesPrice >= 0 && yesPrice <= 1)) {
          fail("INVALID_PRICE", `${where}: yes_price must be a decimal number in [0, 1], got ${check.show(ps)}`, { marketId: id, field: `${where}: yes_price` });
        }
        rows.push({ timestamp, marketId: id, yesPrice: yesPrice === 0 ? 0 : yesPrice });
      } catch (e) {
        error = e;
        parser.abort();
      }
    },
  });
  if (error !== undefined) throw error;
  if (header === undefined) fail("INVALID_ARGUMENT", "CSV header must name the columns timestamp,market_id,yes_price (got an empty text)", { field: "header" });
  return rows;
}

function lineBreaks(s: string): number {
  return s.match(/\n/g)?.length ?? 0;
}
