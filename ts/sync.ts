// Portfolio ↔ engine: build a Portfolio from an engine's positions and feeds, follow it live,
// and (de)serialise Portfolios. Used by Portfolio.fromEngine / follow / toJSON / fromJSON.
import { fail, HzError } from "./errors.js";
import { heldSidePrice, parseVersioned } from "./engine.js";
import type { Portfolio, PortfolioOptions, Side } from "./portfolio.js";
import * as check from "./validate.js";
import type { EventDefinition } from "./events.js";

/** `format` of {@link PortfolioJSON}. */
export const PORTFOLIO_JSON_FORMAT = "hz-portfolio/portfolio";
/** `version` of {@link PortfolioJSON} written by this release (3: positions may carry `label` and `resolvesAt`). It also reads version 2 (no labels) and version 1 (no events). */
export const PORTFOLIO_JSON_VERSION = 3;
/** Same as `MAX_PRICE_HISTORY` of portfolio.ts (kept here to avoid a load-time import cycle). */
const PORTFOLIO_MAX_HISTORY = 10_000;

/** A position as an {@link EngineLike} reports it. */
export interface EnginePositionLike {
  /** The market id. */
  readonly marketId: string;
  /** `"yes"` or `"no"`. */
  readonly side: Side;
  /** Shares held (0: closed). */
  readonly size: number;
  /** Average price paid per share of the side held, in [0, 1]. */
  readonly avgEntryPrice: number;
}

/** A fill as an {@link EngineLike} reports it: the market and the resulting position. */
export interface EngineFillLike {
  /** The market id of the fill. */
  readonly marketId: string;
  /** The position after the fill (size 0 when the fill closed it). */
  readonly position: EnginePositionLike;
}

/** A price tick as an {@link EngineLike} reports it. */
export interface EnginePriceLike {
  /** The market id of the tick. */
  readonly marketId: string;
  /** The market's new YES price, in [0, 1]. */
  readonly yesPrice: number;
}

/**
 * What `Portfolio.fromEngine` and `Portfolio.follow` need from a trading engine — implemented by
 * {@link Engine}, and small enough to wrap your own live engine:
 *
 * - `positions()` — the open positions (one side per market; positions with size 0 are skipped);
 * - `price(marketId)` — the current YES price of a market;
 * - `priceHistory(marketId)` — its recorded YES prices, oldest first, ending with the current one;
 * - `on("fill" | "price", listener)` — subscribe; returns an unsubscribe function. A `"price"`
 *   event must follow each new price, a `"fill"` event each fill (after the engine's state changed).
 *
 * All prices are YES prices; the portfolio converts them to the held side (NO: 1 − YES).
 */
export interface EngineLike {
  /** The open positions (one side per market; positions with size 0 are skipped). */
  positions(): Iterable<EnginePositionLike>;
  /** The current YES price of a market, in [0, 1]. */
  price(marketId: string): number;
  /**
   * Optional: the engine's events (groups of mutually exclusive markets). `fromEngine` copies them
   * and `follow` adopts them whenever they change (checked at each fill and tick).
   */
  eventDefinitions?(): readonly EventDefinition[];
  /** The market's recorded YES prices, oldest first, ending with the current one. */
  priceHistory(marketId: string): readonly number[];
  /** Calls `listener` after each fill (once the engine's state changed); returns an unsubscribe function. */
  on(event: "fill", listener: (fill: EngineFillLike) => void): () => void;
  /** Calls `listener` on each new price; returns an unsubscribe function. */
  on(event: "price", listener: (tick: EnginePriceLike) => void): () => void;
  /**
   * Optional: the held side's mark per share (e.g. {@link Engine.markPrice} under bid/ask quotes).
   * Without it the portfolio uses `price` (YES; NO: 1 − YES).
   */
  markPrice?(marketId: string, side: Side): number;
  /** Optional: the held side's recorded marks, oldest first (with `markPrice`). */
  markHistory?(marketId: string, side: Side): readonly number[];
  /**
   * Optional: true once a market is settled. An engine that has it must also emit
   * `on("settle", ({ marketId }) => …)`; `follow` then removes settled positions.
   */
  isSettled?(marketId: string): boolean;
}

/** An engine event that `Portfolio.follow` could not apply (passed to {@link FollowOptions.onError}). */
export type FollowEvent =
  | {
      /** A fill. */
      type: "fill";
      /** The fill as the engine reported it. */
      data: EngineFillLike;
    }
  | {
      /** A price tick. */
      type: "price";
      /** The tick as the engine reported it. */
      data: EnginePriceLike;
    }
  | {
      /** A settlement (engines that have `isSettled`). */
      type: "settle";
      /** The settlement as the engine reported it. */
      data: {
        /** The settled market. */
        marketId: string
      };
    };

/** Options of `Portfolio.follow`. */
export interface FollowOptions {
  /**
   * Called when an engine event cannot be applied to the portfolio (e.g. a custom {@link EngineLike}
   * reports a price outside [0, 1], a size above `MAX_POSITION_SIZE`, a side that is not yes/no, or
   * its `price()` / `priceHistory()` throws). `error` is an {@link HzError} naming the market and
   * field (a non-HzError cause is wrapped, code `INVALID_ARGUMENT`, kept as `cause`). The event is
   * applied all-or-nothing: after a failure the portfolio is exactly as before that event (so it may
   * now differ from the engine: rebuild it with `Portfolio.fromEngine` to resynchronise), and
   * following goes on. Default: `console.error`. Nothing thrown here — not even by `onError`
   * itself, which is then logged with `console.error` — reaches the engine, so a follow listener
   * can never crash the host process.
   */
  onError?: (error: HzError, event: FollowEvent) => void;
}

/** Options of `Portfolio.fromEngine`: the Portfolio's options plus how much feed history to load. */
export interface FromEngineOptions extends PortfolioOptions {
  /** Price observations loaded per market (the most recent), integer in [1, MAX_PRICE_HISTORY]. Default MAX_PRICE_HISTORY. */
  maxHistory?: number;
}

/** The versioned, lossless JSON form of a Portfolio (`portfolio.toJSON()`). */
export interface PortfolioJSON {
  /** Always {@link PORTFOLIO_JSON_FORMAT} (`"hz-portfolio/portfolio"`). */
  format: typeof PORTFOLIO_JSON_FORMAT;
  /** {@link PORTFOLIO_JSON_VERSION} (3). Versions 2 (no `label`/`resolvesAt`) and 1 (no `events`) are still read. */
  version: typeof PORTFOLIO_JSON_VERSION | 1 | 2;
  /** The Portfolio's name (label shown by `summary()`). */
  name: string;
  /** `configuredCapital`, or null. */
  capital: number | null;
  /** Default metrics seed, or null. */
  seed: number | null;
  /** Positions in order; `prices` = the recorded price observations (held side, oldest first, last = currentPrice). */
  positions: {
    /** The market id. */
    marketId: string;
    /** The side held: `"yes"` or `"no"`. */
    side: Side;
    /** Shares held (≥ 0). */
    size: number;
    /** Average price paid per share of the held side, in [0, 1]. */
    entryPrice: number;
    /** Current price per share of the held side, in [0, 1] (= the last of `prices`). */
    currentPrice: number;
    /** Recorded held-side prices, oldest first, ending with `currentPrice` (at most 10 000). */
    prices: number[];
    /** The position's label (version 3; omitted when it has none). */
    label?: string;
    /** When the market resolves, ms since the Unix epoch (version 3; omitted when unknown). */
    resolvesAt?: number;
  }[];
  /** Event definitions in order (`{ eventId, markets, exhaustive }`); absent in version 1. */
  events?: EventDefinition[];
}

/** A Portfolio constructor (passed in by portfolio.ts, so this module has no runtime import of it). @internal */
export type PortfolioClass = new (options?: PortfolioOptions) => Portfolio;

function sideOf(v: unknown, marketId: string): Side {
  const s = typeof v === "string" ? v.toLowerCase() : v;
  if (s !== "yes" && s !== "no") fail("INVALID_ARGUMENT", `market "${marketId}": side must be "yes" or "no", got ${check.show(v)}`, { marketId, field: "side" });
  return s;
}

/** Adds a position with a price record: addPosition at the oldest price, then updatePrice for the rest. */
function load(p: Portfolio, pos: { marketId: string; side: Side; size: number; entryPrice: number; label?: string; resolvesAt?: number }, prices: readonly number[]): void {
  p.addPosition({ ...pos, currentPrice: prices[0]! });
  for (let i = 1; i < prices.length; i++) p.updatePrice(pos.marketId, prices[i]!);
}

/** The held side's recorded prices of an engine market (the most recent `limit`), ending with the current price. */
function heldSeries(engine: EngineLike, marketId: string, side: Side, limit: number): number[] {
  if (typeof engine.markPrice === "function" && typeof engine.markHistory === "function") {
    const marks = Array.from(engine.markHistory(marketId, side));
    const current = engine.markPrice(marketId, side);
    const tail = marks.slice(Math.max(0, marks.length - limit));
    if (tail.length === 0 || tail[tail.length - 1] !== current) {
      tail.push(current);
      if (tail.length > limit) tail.shift();
    }
    return tail.map((x) => check.price(x, "markPrice", marketId));
  }
  const yes = engine.priceHistory(marketId);
  if (!Array.isArray(yes) && !ArrayBuffer.isView(yes)) fail("INVALID_ARGUMENT", `engine.priceHistory("${marketId}") must return an array`, { marketId, field: "priceHistory" });
  const current = engine.price(marketId);
  const tail = Array.from(yes.slice(Math.max(0, yes.length - limit)));
  if (tail.length === 0 || tail[tail.length - 1] !== current) {
    tail.push(current);
    if (tail.length > limit) tail.shift();
  }
  return tail.map((y) => heldSidePrice(side, check.price(y, "yesPrice", marketId)));
}

/** A validated engine position (an average entry price outside [0, 1] is an error, not clamped). */
function enginePosition(pos: EnginePositionLike): { marketId: string; side: Side; size: number; entryPrice: number } {
  if (typeof pos !== "object" || pos === null) fail("INVALID_ARGUMENT", `engine positions must be objects, got ${check.show(pos)}`, { field: "positions" });
  const id = check.marketId(pos.marketId);
  return { marketId: id, side: sideOf(pos.side, id), size: check.size(pos.size, "size", id), entryPrice: check.price(pos.avgEntryPrice, "avgEntryPrice", id) };
}

/** Validates an engine position and its price series, then loads it (all checks before any change). */
function loadFromEngine(p: Portfolio, engine: EngineLike, raw: EnginePositionLike, limit: number, before?: () => void): void {
  const pos = enginePosition(raw);
  const series = heldSeries(engine, pos.marketId, pos.side, limit);
  before?.();
  load(p, pos, series);
}

/**
 * A Portfolio holding the engine's open positions (entry price = average entry price, current price
 * = held side's current price), each with the held side's price series from the engine's feeds as
 * its recorded history (at most `maxHistory`), in the engine's position order. @internal
 */
export function portfolioFromEngine(Class: PortfolioClass, engine: EngineLike, options: FromEngineOptions = {}): Portfolio {
  if (typeof engine !== "object" || engine === null || typeof engine.positions !== "function") {
    fail("INVALID_ARGUMENT", "fromEngine expects an engine (see EngineLike)", { field: "engine" });
  }
  const { maxHistory, ...portfolioOptions } = check.options(options, "options");
  const limit = check.integerInRange(maxHistory ?? PORTFOLIO_MAX_HISTORY, "maxHistory", 1, PORTFOLIO_MAX_HISTORY, "LIMIT_EXCEEDED");
  const p = new Class(portfolioOptions);
  syncEvents(p, engine);
  const seen = new Set<string>();
  const all: unknown = engine.positions();
  if (typeof all !== "object" || all === null || typeof (all as Iterable<unknown>)[Symbol.iterator] !== "function") {
    fail("INVALID_ARGUMENT", `engine.positions() must return an iterable of positions, got ${check.show(all)}`, { field: "positions" });
  }
  for (const raw of all as Iterable<EnginePositionLike>) {
    const pos = enginePosition(raw);
    if (pos.size === 0) continue;
    // One position per market: a second one (e.g. both sides) is an engine error, not something to pick from.
    if (seen.has(pos.marketId)) {
      fail("INVALID_ARGUMENT", `engine.positions() reports two positions in market "${pos.marketId}" (one side per market is supported)`, { marketId: pos.marketId, field: "positions" });
    }
    seen.add(pos.marketId);
    loadFromEngine(p, engine, raw, limit);
  }
  return p;
}

/** An HzError for a follow failure (non-HzError causes are wrapped and kept as `cause`). */
function followError(e: unknown, type: string, marketId: unknown): HzError {
  if (e instanceof HzError) return e;
  const id = typeof marketId === "string" ? marketId : undefined;
  const message = e instanceof Error ? e.message : check.show(e);
  const err = new HzError("INVALID_ARGUMENT", `follow: the engine's "${type}" event${id === undefined ? "" : ` for market "${id}"`} could not be applied: ${message}`, { marketId: id, field: type });
  (err as { cause?: unknown }).cause = e;
  return err;
}

/**
 * Keeps `p` in sync with `engine` until the returned function is called: each `"price"` tick of a
 * held market appends the held-side price (`updatePrice`); each `"fill"` sets the position from the
 * fill's resulting position (same side: replaced in place, keeping its record; new market or side:
 * loaded with its feed history like `fromEngine`; size 0: removed). Each event is applied
 * all-or-nothing and in O(1) for the markets other than its own; an event that cannot be applied
 * goes to `options.onError` (see {@link FollowOptions}) and never throws into the engine.
 * Start from `Portfolio.fromEngine(engine)` to begin in sync. @internal
 */
export function followEngine(p: Portfolio, engine: EngineLike, options: FollowOptions = {}): () => void {
  if (typeof engine !== "object" || engine === null || typeof engine.on !== "function") {
    fail("INVALID_ARGUMENT", "follow expects an engine with on(\"fill\" | \"price\", listener) (see EngineLike)", { field: "engine" });
  }
  const o = check.options(options, "options");
  if (o.onError !== undefined && typeof o.onError !== "function") fail("INVALID_ARGUMENT", `onError must be a function, got ${check.show(o.onError)}`, { field: "onError" });
  const report = (e: unknown, event: FollowEvent) => {
    const err = followError(e, event.type, (event.data as { marketId?: unknown } | null)?.marketId);
    try {
      if (o.onError) o.onError(err, event);
      else console.error(`hz-portfolio: Portfolio.follow could not apply an engine event: ${err.message}`);
    } catch (inner) {
      console.error("hz-portfolio: Portfolio.follow's onError threw", inner);
    }
  };
  // O(1) per event: look up only the ticked market (positions() would copy every position).
  const heldSide = (id: string): Side | undefined => p.position(id)?.side;
  // The engine's events are adopted when they change (an engine without events leaves the
  // portfolio's own definitions alone).
  let lastEvents = "[]";
  const sync = () => {
    if (typeof engine.eventDefinitions !== "function") return;
    const defs = engine.eventDefinitions();
    const text = JSON.stringify(defs);
    if (text === lastEvents) return;
    p.replaceEvents(defs);
    lastEvents = text;
  };
  sync();
  // Under bid/ask quotes the held side's mark is not 1 − YES mark ("bid" marks NO at 1 − ask).
  const mark = (id: string, side: Side, yes: () => unknown): number =>
    typeof engine.markPrice === "function" ? check.price(engine.markPrice(id, side), "markPrice", id) : heldSidePrice(side, check.price(yes(), "yesPrice", id));
  const onPrice = (tick: EnginePriceLike) => {
    sync();
    const id = check.marketId(tick.marketId);
    const side = heldSide(id);
    if (side !== undefined) p.updatePrice(id, mark(id, side, () => tick.yesPrice));
  };
  const onFill = (fill: EngineFillLike) => {
    sync();
    const id = check.marketId(fill.marketId);
    const raw = fill.position;
    if (typeof raw !== "object" || raw === null) fail("INVALID_ARGUMENT", `market "${id}": a fill must carry the resulting position, got ${check.show(raw)}`, { marketId: id, field: "position" });
    const side = heldSide(id);
    if (check.size(raw.size, "size", id) === 0) {
      if (side !== undefined) p.removePosition(id);
      return;
    }
    const pos = enginePosition(raw);
    if (pos.marketId !== id) fail("INVALID_ARGUMENT", `a fill of market "${id}" carries a position in market "${pos.marketId}"`, { marketId: id, field: "position" });
    if (side === pos.side) {
      p.addPosition({ ...pos, currentPrice: mark(id, pos.side, () => engine.price(id)) });
    } else {
      loadFromEngine(p, engine, raw, PORTFOLIO_MAX_HISTORY, () => {
        if (side !== undefined) p.removePosition(id);
      });
    }
  };
  const guard = <T>(type: FollowEvent["type"], apply: (x: T) => void) => (x: T) => {
    try {
      apply(x);
    } catch (e) {
      report(e, { type, data: x } as FollowEvent);
    }
  };
  let offPrice: unknown;
  try {
    offPrice = engine.on("price", guard("price", onPrice));
  } catch (e) {
    throw followError(e, "subscribe", undefined); // a custom engine's bug, as a typed error
  }
  if (typeof offPrice !== "function") {
    fail("INVALID_ARGUMENT", `follow: engine.on("price", …) must return an unsubscribe function, got ${check.show(offPrice)}`, { field: "engine" });
  }
  let offFill: unknown;
  try {
    offFill = engine.on("fill", guard("fill", onFill));
  } catch (e) {
    throw followError(e, "subscribe", undefined);
  } finally {
    if (typeof offFill !== "function") (offPrice as () => void)();
  }
  if (typeof offFill !== "function") {
    fail("INVALID_ARGUMENT", `follow: engine.on("fill", …) must return an unsubscribe function, got ${check.show(offFill)}`, { field: "engine" });
  }
  // Settled markets leave the portfolio. Only engines that declare settlement (`isSettled`) are
  // asked for "settle" events: a hand-written EngineLike may treat any unknown name as "price".
  let offSettle: () => void = () => {};
  if (typeof engine.isSettled === "function") {
    const onSettle = (st: { marketId: string }) => {
      const id = check.marketId(st.marketId);
      if (heldSide(id) !== undefined) p.removePosition(id);
    };
    try {
      const off: unknown = (engine as unknown as { on(e: "settle", l: (s: { marketId: string }) => void): unknown }).on("settle", guard("settle", onSettle));
      if (typeof off === "function") offSettle = off as () => void;
    } catch {
      // an EngineLike that declares isSettled but has no "settle" event: nothing to follow
    }
  }
  let active = true;
  return () => {
    if (!active) return;
    active = false;
    offSettle();
    (offPrice as () => void)();
    (offFill as () => void)();
  };
}

/** Gives `p` the engine's events, when the engine has some. */
function syncEvents(p: Portfolio, engine: EngineLike): void {
  if (typeof engine.eventDefinitions !== "function") return;
  const defs = engine.eventDefinitions();
  if (defs.length > 0) p.replaceEvents(defs);
}

/** The versioned JSON form of a Portfolio. @internal */
export function portfolioToJSON(p: Portfolio): PortfolioJSON {
  return {
    format: PORTFOLIO_JSON_FORMAT,
    version: PORTFOLIO_JSON_VERSION,
    name: p.name,
    capital: p.configuredCapital ?? null,
    seed: p.seed ?? null,
    positions: p.positions().map((x) => ({
      marketId: x.marketId,
      side: x.side,
      size: x.size,
      entryPrice: x.entryPrice,
      currentPrice: x.currentPrice,
      prices: p.priceHistory(x.marketId),
      ...(x.label === undefined ? {} : { label: x.label }),
      ...(x.resolvesAt === undefined ? {} : { resolvesAt: x.resolvesAt }),
    })),
    events: p.eventDefinitions().map((d) => ({ eventId: d.eventId, markets: [...d.markets], exhaustive: d.exhaustive })),
  };
}

/**
 * Rebuilds a Portfolio from {@link PortfolioJSON} (object or text); `options` may add settings that
 * are not saved (e.g. `runtime`). Throws HzError (INVALID_ARGUMENT for another format/version). @internal
 */
export function portfolioFromJSON(Class: PortfolioClass, json: PortfolioJSON | string, options: Omit<PortfolioOptions, "name" | "capital" | "seed"> = {}): Portfolio {
  const j = parseVersioned(json, PORTFOLIO_JSON_FORMAT, [1, 2, PORTFOLIO_JSON_VERSION], "portfolio");
  const extra = check.options(options, "options") as PortfolioOptions;
  const p = new Class({
    ...extra,
    name: j.name as string,
    ...(j.capital === null ? {} : { capital: j.capital as number }),
    ...(j.seed === null ? {} : { seed: j.seed as number }),
  });
  if (!Array.isArray(j.positions)) fail("INVALID_ARGUMENT", "portfolio JSON: positions must be an array", { field: "positions" });
  const seen = new Set<string>();
  for (const [k, raw] of (j.positions as unknown[]).entries()) {
    const x = check.options(raw as PortfolioJSON["positions"][number], `positions[${k}]`);
    const id = check.marketId(x.marketId, `positions[${k}].marketId`);
    if (seen.has(id)) fail("INVALID_ARGUMENT", `portfolio JSON: market "${id}" appears twice`, { marketId: id, field: "positions" });
    seen.add(id);
    const prices = x.prices;
    if (!Array.isArray(prices) || prices.length === 0 || prices.length > PORTFOLIO_MAX_HISTORY) {
      fail("INVALID_ARGUMENT", `portfolio JSON: market "${id}": prices must be a non-empty array of at most ${PORTFOLIO_MAX_HISTORY}`, { marketId: id, field: "prices" });
    }
    if (prices[prices.length - 1] !== x.currentPrice) {
      fail("INVALID_ARGUMENT", `portfolio JSON: market "${id}": the last recorded price must equal currentPrice`, { marketId: id, field: "prices" });
    }
    if (j.version !== PORTFOLIO_JSON_VERSION && (x.label !== undefined || x.resolvesAt !== undefined)) {
      fail("INVALID_ARGUMENT", `portfolio JSON version ${String(j.version)}: market "${id}": label and resolvesAt need version ${PORTFOLIO_JSON_VERSION}`, { marketId: id, field: "positions" });
    }
    if (x.resolvesAt !== undefined && typeof x.resolvesAt !== "number") {
      fail("INVALID_ARGUMENT", `portfolio JSON: market "${id}": resolvesAt must be ms since the Unix epoch, got ${check.show(x.resolvesAt)}`, { marketId: id, field: "resolvesAt" });
    }
    load(p, {
      marketId: id,
      side: sideOf(x.side, id),
      size: x.size as number,
      entryPrice: x.entryPrice as number,
      ...(x.label === undefined ? {} : { label: x.label as string }),
      ...(x.resolvesAt === undefined ? {} : { resolvesAt: x.resolvesAt }),
    }, prices);
  }
  if (j.version !== 1) {
    if (!Array.isArray(j.events)) fail("INVALID_ARGUMENT", "portfolio JSON: events must be an array", { field: "events" });
    p.replaceEvents(j.events as EventDefinition[]);
  }
  return p;
}
