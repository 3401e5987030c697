// Argument checks shared by the facade. Each throws HzError naming the market and field.
import { fail, type HzErrorCode } from "./errors.js";

/** Describes where a value came from, for messages: `market "fed-cut" field currentPrice`. */
function where(field: string, marketId?: string): string {
  return marketId === undefined ? field : `market "${marketId}": ${field}`;
}

/**
 * A short description of any value for an error message. Never throws: error formatting must not
 * turn bad input (a BigInt, a circular object, a Symbol, an object whose toString throws) into a
 * TypeError instead of the HzError being built.
 */
export function show(v: unknown): string {
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (typeof v === "string") return JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v);
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

/** `obj[key]` when `key` is an own property of `obj`, else undefined: a market id such as `"toString"` or `"__proto__"` must never read `Object.prototype`. */
export function own<T>(obj: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

/**
 * A plain object keyed by market id, built with `Object.defineProperty` so that every id is an own,
 * enumerable data property — `"__proto__"` included (an assignment `out["__proto__"] = x` would set
 * the prototype instead). Key order is JavaScript's: integer-like ids first (ascending), then the
 * others in insertion order.
 */
export function record<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

export function finiteNumber(v: unknown, field: string, code: HzErrorCode, marketId?: string): number {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    fail(code, `${where(field, marketId)} must be a finite number, got ${show(v)}`, { marketId, field });
  }
  return v === 0 ? 0 : v; // normalise −0
}

export function price(v: unknown, field: string, marketId?: string): number {
  const p = finiteNumber(v, field, "INVALID_PRICE", marketId);
  if (p < 0 || p > 1) fail("INVALID_PRICE", `${where(field, marketId)} must be in [0, 1], got ${show(v)}`, { marketId, field });
  return p;
}

export function probability(v: unknown, field: string, marketId?: string): number {
  const p = finiteNumber(v, field, "INVALID_PROBABILITY", marketId);
  if (p < 0 || p > 1) fail("INVALID_PROBABILITY", `${where(field, marketId)} must be in [0, 1], got ${show(v)}`, { marketId, field });
  return p;
}

/**
 * Largest position size (shares) accepted: 1e15. Keeps every total (value, cost, P&L, scenario
 * P&L) finite — sizes near 1e308 would overflow Σ size × price to ∞ and pnl to NaN.
 */
export const MAX_POSITION_SIZE = 1e15;

export function size(v: unknown, field: string, marketId?: string): number {
  const s = finiteNumber(v, field, "INVALID_SIZE", marketId);
  if (s < 0) fail("INVALID_SIZE", `${where(field, marketId)} must be ≥ 0, got ${show(v)}`, { marketId, field });
  if (s > MAX_POSITION_SIZE) fail("LIMIT_EXCEEDED", `${where(field, marketId)} must be ≤ ${MAX_POSITION_SIZE}, got ${show(v)}`, { marketId, field });
  return s;
}

export function positive(v: unknown, field: string): number {
  const x = finiteNumber(v, field, "INVALID_ARGUMENT");
  if (x <= 0) fail("INVALID_ARGUMENT", `${field} must be > 0, got ${show(v)}`, { field });
  return x;
}

export function nonNegative(v: unknown, field: string, marketId?: string): number {
  const x = finiteNumber(v, field, "INVALID_ARGUMENT", marketId);
  if (x < 0) fail("INVALID_ARGUMENT", `${where(field, marketId)} must be ≥ 0, got ${show(v)}`, { marketId, field });
  return x;
}

export function marketId(v: unknown, field = "marketId"): string {
  if (typeof v !== "string" || v.length === 0) {
    fail("INVALID_ARGUMENT", `${field} must be a non-empty string, got ${show(v)}`, { field });
  }
  return v;
}

export function plainObject(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    fail("INVALID_ARGUMENT", `${field} must be an object keyed by marketId, got ${Array.isArray(v) ? "an array" : show(v)}`, { field });
  }
  return v as Record<string, unknown>;
}

export function options<T extends object>(v: T | undefined, field: string): Partial<T> {
  if (v === undefined) return {};
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    fail("INVALID_ARGUMENT", `${field} must be an options object, got ${show(v)}`, { field });
  }
  return v;
}

export function oneOf<T extends string>(v: unknown, allowed: readonly T[], field: string): T {
  if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
    fail("INVALID_ARGUMENT", `${field} must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${show(v)}`, { field });
  }
  return v as T;
}

export function integerInRange(v: unknown, field: string, min: number, max: number, code: HzErrorCode = "INVALID_ARGUMENT"): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    fail("INVALID_ARGUMENT", `${field} must be an integer ≥ ${min}, got ${show(v)}`, { field });
  }
  if (v > max) fail(code, `${field} must be ≤ ${max}, got ${show(v)}`, { field });
  return v;
}
