/**
 * Stable error codes carried by {@link HzError}. Switch on these, not on messages.
 *
 * - `INVALID_PRICE` — a price is not a finite number in [0, 1] (or is 0 where a division needs it).
 * - `INVALID_SIZE` — a size is negative or not finite.
 * - `INVALID_PROBABILITY` — a probability is not a finite number in [0, 1].
 * - `UNKNOWN_MARKET` — a market id that the portfolio (or engine) does not hold.
 * - `INVALID_HISTORY` — a returns history with the wrong shape, too few rows or non-finite cells.
 * - `INVALID_ARGUMENT` — any other invalid argument (ids, capital, options, weights, matrices…).
 * - `LIMIT_EXCEEDED` — an input above a documented resource cap.
 * - `ENGINE_FAILURE` — the WebAssembly engine failed unexpectedly (a bug: please report it).
 * - `WORKER_FAILED` — an engine worker died or was terminated during the call (the next call uses a fresh worker).
 * - `INVALID_STATE` — the object can no longer be used (e.g. a disposed portfolio or a shut-down engine).
 * - `JOURNAL_CORRUPT` — an engine journal is damaged before its last record (a torn last record is
 *   dropped silently; anything earlier is never skipped): restore the journal from a backup.
 * - `WASM_LOAD_FAILED` — the engine's WebAssembly could not be loaded: a wrong path, URL or bytes given to
 *   `init()`, or a JavaScript engine without WebAssembly (e.g. Node started with `--jitless`).
 */
export type HzErrorCode =
  | "INVALID_PRICE"
  | "INVALID_SIZE"
  | "INVALID_PROBABILITY"
  | "UNKNOWN_MARKET"
  | "INVALID_HISTORY"
  | "INVALID_ARGUMENT"
  | "LIMIT_EXCEEDED"
  | "ENGINE_FAILURE"
  | "WORKER_FAILED"
  | "INVALID_STATE"
  | "JOURNAL_CORRUPT"
  | "WASM_LOAD_FAILED";

const CODES: ReadonlySet<string> = new Set<HzErrorCode>([
  "INVALID_PRICE",
  "INVALID_SIZE",
  "INVALID_PROBABILITY",
  "UNKNOWN_MARKET",
  "INVALID_HISTORY",
  "INVALID_ARGUMENT",
  "LIMIT_EXCEEDED",
  "ENGINE_FAILURE",
  "WORKER_FAILED",
  "INVALID_STATE",
  "JOURNAL_CORRUPT",
  "WASM_LOAD_FAILED",
]);

/** Extra context attached to an {@link HzError}. */
export interface HzErrorDetails {
  /** The market the error is about, when there is one. */
  marketId?: string;
  /** The field or argument at fault, e.g. `"currentPrice"` or `"probs"`. */
  field?: string;
  /** The event (group of mutually exclusive markets) the error is about, when there is one. */
  eventId?: string;
}

/**
 * The one error type thrown by hz-portfolio for bad input or engine failures.
 * A call that throws it leaves the portfolio unchanged.
 */
export class HzError extends Error {
  /** Stable, machine-readable code. */
  readonly code: HzErrorCode;
  /** The market the error is about, if any. */
  declare readonly marketId?: string;
  /** The field or argument at fault, if any. */
  declare readonly field?: string;
  /** The event the error is about, if any. */
  declare readonly eventId?: string;

  constructor(code: HzErrorCode, message: string, details: HzErrorDetails = {}) {
    super(message);
    this.name = "HzError";
    this.code = code;
    if (details.marketId !== undefined) (this as { marketId?: string }).marketId = details.marketId;
    if (details.field !== undefined) (this as { field?: string }).field = details.field;
    if (details.eventId !== undefined) (this as { eventId?: string }).eventId = details.eventId;
  }

  /** Rebuilds an `HzError` from an error thrown by the wasm engine (plain `Error` + `code`). */
  static from(err: unknown): unknown {
    if (err instanceof HzError) return err;
    const code = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
    if (err instanceof Error && typeof code === "string" && CODES.has(code)) {
      return new HzError(code as HzErrorCode, err.message);
    }
    if (typeof WebAssembly !== "undefined" && err instanceof WebAssembly.RuntimeError) {
      return new HzError("ENGINE_FAILURE", `engine failure (this is a bug, please report it): ${err.message}`);
    }
    return err;
  }
}

/** Shorthand used across the facade. */
export function fail(code: HzErrorCode, message: string, details?: HzErrorDetails): never {
  throw new HzError(code, message, details);
}
