// Portfolio ↔ engine: build a Portfolio from an engine's positions and feeds, follow it live,
// and (de)serialise Portfolios. Used by Portfolio.fromEngine / follow / toJSON / fromJSON.
import { fail } from "./errors.js";
import { heldSidePrice, parseVersioned } from "./engine.js";
import type { Portfolio, PortfolioOptions, Side } from "./portfolio.js";
import * as check from "./validate.js";
import type { EventDefinition } from "./events.js";

/** `format` of {@link PortfolioJSON}. */
export const PORTFOLIO_JSON_FORMAT = "hz-portfolio/portfolio";
/** `version` of {@link PortfolioJSON} written by this release (it also reads version 1, which had no events). */
export const PORTFOLIO_JSON_VERSION = 2;
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
  /** {@link PORTFOLIO_JSON_VERSION} (version 1, without `events`, is still read). */
  version: typeof PORTFOLIO_JSON_VERSION | 1;
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
    prices: number[]
  }[];
  /** Event definitions in order (`{ eventId, markets, exhaustive }`); absent in version 1. */
  events?: EventDefinition[];
}

/** A Portfolio constructor (passed in by portfolio.ts, so this module has no runtime import of it). @internal */
export type PortfolioClass = new (options?: PortfolioOptions) => Portfolio;

function sideOf(v: unknown, marketId: string): Side {
  const s = typeof v === "string" ? v.toLowerCase() : v;
  if (s !== "yes" && s !== "no") fail("INVALID_ARGUMENT", `market "${marketId}": side must be "yes" or "no", got ${JSON.stringify(v) ?? String(v)}`, { marketId, field: "side" });
  return s;
}

/** Adds a position with a price record: addPosition at the oldest price, then updatePrice for the rest. */
function load(p: Portfolio, pos: { marketId: string; side: Side; size: number; entryPrice: number }, prices: readonly number[]): void {
  p.addPosition({ ...pos, currentPrice: prices[0]! });
  for (let i = 1; i < prices.length; i++) p.updatePrice(pos.marketId, prices[i]!);
}

/** The held side's recorded prices of an engine market (the most recent `limit`), ending with the current price. */
function heldSeries(engine: EngineLike, marketId: string, side: Side, limit: number): number[] {
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

function loadFromEngine(p: Portfolio, engine: EngineLike, pos: EnginePositionLike, limit: number): void {
  const id = check.marketId(pos.marketId);
  const side = sideOf(pos.side, id);
  const entryPrice = Math.min(1, Math.max(0, check.finiteNumber(pos.avgEntryPrice, "avgEntryPrice", "INVALID_PRICE", id)));
  load(p, { marketId: id, side, size: pos.size, entryPrice }, heldSeries(engine, id, side, limit));
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
  for (const pos of engine.positions()) {
    if (typeof pos !== "object" || pos === null) fail("INVALID_ARGUMENT", "engine.positions() must yield position objects", { field: "positions" });
    if (check.size(pos.size, "size", pos.marketId) > 0) loadFromEngine(p, engine, pos, limit);
  }
  return p;
}

/**
 * Keeps `p` in sync with `engine` until the returned function is called: each `"price"` tick of a
 * held market appends the held-side price (`updatePrice`); each `"fill"` sets the position from the
 * fill's resulting position (same side: replaced in place, keeping its record; new market or side:
 * loaded with its feed history like `fromEngine`; size 0: removed). Start from
 * `Portfolio.fromEngine(engine)` to begin in sync. @internal
 */
export function followEngine(p: Portfolio, engine: EngineLike): () => void {
  if (typeof engine !== "object" || engine === null || typeof engine.on !== "function") {
    fail("INVALID_ARGUMENT", "follow expects an engine with on(\"fill\" | \"price\", listener) (see EngineLike)", { field: "engine" });
  }
  const heldSide = (id: string): Side | undefined => p.positions().find((x) => x.marketId === id)?.side;
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
  const offPrice = engine.on("price", (tick) => {
    sync();
    const side = heldSide(tick.marketId);
    if (side !== undefined) p.updatePrice(tick.marketId, heldSidePrice(side, tick.yesPrice));
  });
  const offFill = engine.on("fill", (fill) => {
    sync();
    const pos = fill.position;
    const id = fill.marketId;
    const side = heldSide(id);
    if (!(pos.size > 0)) {
      if (side !== undefined) p.removePosition(id);
      return;
    }
    const newSide = sideOf(pos.side, id);
    if (side === newSide) {
      p.addPosition({
        marketId: id,
        side: newSide,
        size: pos.size,
        entryPrice: Math.min(1, Math.max(0, pos.avgEntryPrice)),
        currentPrice: heldSidePrice(newSide, engine.price(id)),
      });
    } else {
      if (side !== undefined) p.removePosition(id);
      loadFromEngine(p, engine, pos, PORTFOLIO_MAX_HISTORY);
    }
  });
  let active = true;
  return () => {
    if (!active) return;
    active = false;
    offPrice();
    offFill();
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
    })),
    events: p.eventDefinitions().map((d) => ({ eventId: d.eventId, markets: [...d.markets], exhaustive: d.exhaustive })),
  };
}

/**
 * Rebuilds a Portfolio from {@link PortfolioJSON} (object or text); `options` may add settings that
 * are not saved (e.g. `runtime`). Throws HzError (INVALID_ARGUMENT for another format/version). @internal
 */
export function portfolioFromJSON(Class: PortfolioClass, json: PortfolioJSON | string, options: Omit<PortfolioOptions, "name" | "capital" | "seed"> = {}): Portfolio {
  const j = parseVersioned(json, PORTFOLIO_JSON_FORMAT, [1, PORTFOLIO_JSON_VERSION], "portfolio");
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
    load(p, { marketId: id, side: sideOf(x.side, id), size: x.size as number, entryPrice: x.entryPrice as number }, prices);
  }
  if (j.version !== 1) {
    if (!Array.isArray(j.events)) fail("INVALID_ARGUMENT", "portfolio JSON: events must be an array", { field: "events" });
    p.replaceEvents(j.events as EventDefinition[]);
  }
  return p;
}
