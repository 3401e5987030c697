// Bid/ask quotes of a binary market and the prices they imply: which side of the book a fill
// takes, and how a position is marked. All prices here are per share; quotes are YES quotes.
import { fail } from "./errors.js";
import type { Side } from "./portfolio.js";
import * as check from "./validate.js";

/** A YES quote: the best bid and ask for YES shares (0 ≤ bid ≤ ask ≤ 1). */
export interface QuoteInput {
  /** Best YES bid, in [0, 1]. */
  bid: number;
  /** Best YES ask, in [bid, 1]. */
  ask: number;
}

/** A market's quote with its mid. */
export interface Quote extends QuoteInput {
  /** (bid + ask) / 2, rounded to 12 decimals. */
  mid: number;
}

/**
 * How positions are valued: `"mid"` (default) marks YES at the mid and NO at 1 − mid; `"bid"` is the
 * liquidation value: YES at the bid, NO at 1 − ask (what selling now would fetch).
 */
export type MarkMode = "mid" | "bid";

/** The mark modes, for validation. @internal */
export const MARK_MODES: readonly MarkMode[] = ["mid", "bid"];

/** Rounds to 12 decimals, so that 1 − 0.7 is 0.3 and (0.41 + 0.43)/2 is 0.42. */
export function round12(x: number): number {
  return Math.round(x * 1e12) / 1e12;
}

/** Validates a quote (HzError INVALID_PRICE naming the market and field; bid > ask is INVALID_ARGUMENT). */
export function checkQuote(q: unknown, marketId: string): QuoteInput {
  if (typeof q !== "object" || q === null) fail("INVALID_ARGUMENT", `market "${marketId}": a quote is { bid, ask }`, { marketId, field: "quote" });
  const r = q as Record<string, unknown>;
  const bid = check.price(r.bid, "bid", marketId);
  const ask = check.price(r.ask, "ask", marketId);
  if (bid > ask) fail("INVALID_ARGUMENT", `market "${marketId}": bid ${bid} is above ask ${ask} (a YES quote needs bid ≤ ask)`, { marketId, field: "bid" });
  return { bid, ask };
}

/** The mid of a quote. */
export function mid(bid: number, ask: number): number {
  return bid === ask ? bid : round12((bid + ask) / 2);
}

/**
 * The fill price per share of the side traded: buy YES at the ask, sell YES at the bid, buy NO at
 * 1 − bid, sell NO at 1 − ask (a NO share is the other side of a YES share).
 */
export function fillPrice(side: Side, action: "buy" | "sell", bid: number, ask: number): number {
  if (side === "yes") return action === "buy" ? ask : bid;
  return round12(1 - (action === "buy" ? bid : ask));
}

/** The YES mark of a quote: the mid, or the bid under `"bid"` marking. */
export function yesMark(bid: number, ask: number, mode: MarkMode): number {
  return mode === "bid" ? bid : mid(bid, ask);
}

/** The mark per share of a held side: YES at the YES mark; NO at 1 − mid, or 1 − ask under `"bid"`. */
export function heldMark(side: Side, bid: number, ask: number, mode: MarkMode): number {
  if (side === "yes") return yesMark(bid, ask, mode);
  return round12(1 - (mode === "bid" ? ask : mid(bid, ask)));
}
