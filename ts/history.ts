// Returns histories: user input (rows or a record keyed by market) → one validated T×N Float64Array.
import { fail } from "./errors.js";
import { show } from "./validate.js";

/**
 * Per-step changes of each position's held-side price.
 * - `number[][]`: T rows (time steps) × N columns, columns in `positions()` order;
 * - `Record<marketId, number[]>`: one series per held market (all the same length; keys that are
 *   not held are ignored).
 */
export type ReturnsHistory = ReadonlyArray<ArrayLike<number>> | Readonly<Record<string, ArrayLike<number>>>;

/** A validated history matrix, row-major. */
export interface HistoryMatrix {
  data: Float64Array;
  rows: number;
  cols: number;
}

/** Largest history accepted (rows × columns), to fail fast before allocating. */
export const MAX_HISTORY_CELLS = 50_000_000;

/**
 * Most markets of a computation that forms an N×N matrix: Ledoit-Wolf, risk parity, minimum
 * variance, the copula of `metrics()` (a history or a `correlation`) and joint Kelly. 1 000 markets
 * = an 8 MB matrix (10 000 would need 800 MB). The engine enforces the same cap.
 */
export const MAX_COVARIANCE_MARKETS = 1_000;

/** Throws LIMIT_EXCEEDED when `n` markets are above {@link MAX_COVARIANCE_MARKETS}. */
export function checkCovarianceMarkets(n: number, field = "returnsHistory"): void {
  if (n > MAX_COVARIANCE_MARKETS) {
    fail("LIMIT_EXCEEDED", `${field}: ${n} markets are above the cap of ${MAX_COVARIANCE_MARKETS} for covariance-based computations`, { field });
  }
}

function cell(v: unknown, row: number, marketId: string): number {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    fail("INVALID_HISTORY", `returnsHistory: market "${marketId}" row ${row} is ${show(v)}, expected a finite number`, {
      marketId,
      field: "returnsHistory",
    });
  }
  return v;
}

function checkSize(rows: number, cols: number): void {
  if (rows < 2) {
    fail("INVALID_HISTORY", `returnsHistory needs at least 2 rows (time steps), got ${rows}`, { field: "returnsHistory" });
  }
  if (rows * cols > MAX_HISTORY_CELLS) {
    fail("LIMIT_EXCEEDED", `returnsHistory has ${rows}×${cols} cells, above the cap of ${MAX_HISTORY_CELLS}`, { field: "returnsHistory" });
  }
}

/** Validates `h` against the held markets (in `positions()` order) and packs it row-major. */
export function historyMatrix(h: ReturnsHistory, marketIds: readonly string[]): HistoryMatrix {
  checkCovarianceMarkets(marketIds.length);
  return pack(h, marketIds);
}

function pack(h: ReturnsHistory, marketIds: readonly string[]): HistoryMatrix {
  const cols = marketIds.length;
  if (Array.isArray(h)) {
    const rows = h.length;
    checkSize(rows, cols);
    const data = new Float64Array(rows * cols);
    for (let t = 0; t < rows; t++) {
      const row = h[t] as ArrayLike<number> | undefined;
      if (row === null || typeof row !== "object" || typeof row.length !== "number") {
        fail("INVALID_HISTORY", `returnsHistory row ${t} is not an array (got ${show(row)})`, { field: "returnsHistory" });
      }
      if (row.length !== cols) {
        fail(
          "INVALID_HISTORY",
          `returnsHistory row ${t} has ${row.length} values, expected ${cols} (one per position, in positions() order)`,
          { field: "returnsHistory" },
        );
      }
      for (let j = 0; j < cols; j++) data[t * cols + j] = cell(row[j], t, marketIds[j]!);
    }
    return { data, rows, cols };
  }
  if (h === null || typeof h !== "object") {
    fail("INVALID_HISTORY", `returnsHistory must be rows of numbers or an object keyed by marketId, got ${h === null ? "null" : typeof h}`, {
      field: "returnsHistory",
    });
  }
  const rec = h as Readonly<Record<string, ArrayLike<number>>>;
  let rows = -1;
  for (const id of marketIds) {
    const series = Object.prototype.hasOwnProperty.call(rec, id) ? rec[id] : undefined;
    if (series === undefined || series === null || typeof series !== "object" || typeof series.length !== "number") {
      fail("INVALID_HISTORY", `returnsHistory has no series for held market "${id}"`, { marketId: id, field: "returnsHistory" });
    }
    if (rows === -1) rows = series.length;
    else if (series.length !== rows) {
      fail("INVALID_HISTORY", `returnsHistory series are ragged: market "${id}" has ${series.length} values, expected ${rows}`, {
        marketId: id,
        field: "returnsHistory",
      });
    }
  }
  if (cols === 0) return { data: new Float64Array(0), rows: 0, cols: 0 };
  checkSize(rows, cols);
  const data = new Float64Array(rows * cols);
  marketIds.forEach((id, j) => {
    const series = rec[id]!;
    for (let t = 0; t < rows; t++) data[t * cols + j] = cell(series[t], t, id);
  });
  return { data, rows, cols };
}

/** Unpacks a row-major n×n matrix into rows. */
export function toRows(flat: ArrayLike<number>, n: number, offset = 0): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < n; i++) out.push(Array.from({ length: n }, (_, j) => flat[offset + i * n + j]!));
  return out;
}

/**
 * The history of the markets `ids` (a subset of the held `allIds`, in any order): row form is
 * validated against every held market (its columns are in positions() order) and then narrowed;
 * record form only needs the series of `ids`.
 */
export function historyFor(h: ReturnsHistory, allIds: readonly string[], ids: readonly string[]): HistoryMatrix {
  checkCovarianceMarkets(ids.length);
  if (!Array.isArray(h)) return pack(h, ids);
  const full = pack(h, allIds);
  if (ids.length === allIds.length && ids.every((id, j) => id === allIds[j])) return full;
  const col = new Map(allIds.map((id, j) => [id, j]));
  const cols = ids.length;
  const data = new Float64Array(full.rows * cols);
  for (let t = 0; t < full.rows; t++) {
    ids.forEach((id, j) => (data[t * cols + j] = full.data[t * full.cols + col.get(id)!]!));
  }
  return { data, rows: full.rows, cols };
}
