// Order helpers shared by the Engine tests.
import { expect } from "vitest";
import { HzError, type Engine, type OrderFilled, type OrderInput, type OrderRejected, type OrderResult } from "../dist/index.js";

/** A buy of YES shares. */
export const buy = (marketId: string, size: number, extra: Partial<OrderInput> = {}): OrderInput => ({ marketId, side: "yes", action: "buy", size, ...extra });
/** A sell of YES shares. */
export const sell = (marketId: string, size: number, extra: Partial<OrderInput> = {}): OrderInput => ({ marketId, side: "yes", action: "sell", size, ...extra });
/** Any order. */
export const order = (marketId: string, side: "yes" | "no", action: "buy" | "sell", size: number, extra: Partial<OrderInput> = {}): OrderInput => ({ marketId, side, action, size, ...extra });

/** The fill, or a failed test naming the rejection. */
export function filled(r: OrderResult): OrderFilled {
  if (r.status !== "filled") throw new Error(`expected a fill, got ${r.reason}: ${r.message}`);
  return r;
}

/** The rejection, or a failed test naming the fill. */
export function rejected(r: OrderResult): OrderRejected {
  if (r.status !== "rejected") throw new Error(`expected a rejection, got a fill of ${r.size}`);
  return r;
}

/** Expects `fn` to throw (or reject with) an HzError with `code`, leaving the engine's JSON unchanged. */
export async function badInput(engine: Engine, fn: () => unknown, code: string, message?: RegExp): Promise<HzError> {
  const before = JSON.stringify(engine.toJSON());
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(HzError);
  expect((caught as HzError).code).toBe(code);
  if (message) expect((caught as HzError).message).toMatch(message);
  expect(JSON.stringify(engine.toJSON())).toBe(before);
  return caught as HzError;
}
