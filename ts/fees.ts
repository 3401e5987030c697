// Trading fees of prediction-market venues, as values the Engine charges on every fill and the
// Portfolio uses for Kelly sizing and rebalance estimates. Pure functions: no engine state here.
import { fail, HzError } from "./errors.js";
import type { Side } from "./portfolio.js";
import * as check from "./validate.js";

/** Kalshi's taker fee rate (fee = ⌈rate·C·P·(1 − P)⌉ to the cent). */
export const KALSHI_TAKER_RATE = 0.07;
/** Kalshi's maker fee rate on markets that charge makers. */
export const KALSHI_MAKER_RATE = 0.0175;

/** What a fee is charged on: one fill. `price` is the fill price of the side traded, `size` contracts. */
export interface FeeFill {
  /** The market traded. */
  marketId: string;
  /** The side traded. */
  side: Side;
  /** Buy or sell. */
  action: "buy" | "sell";
  /** Contracts filled (> 0). */
  size: number;
  /** Fill price per contract of the side traded, in [0, 1]. */
  price: number;
}

/** A user-supplied fee function: money charged for one fill (a finite number ≥ 0). */
export type FeeFunction = (fill: FeeFill) => number;

/** The saved form of a {@link FeeModel} (`FeeModel.fromJSON` restores it). */
export type FeeModelJSON =
  | {
      /** No fees. */
      kind: "none"
    }
  | {
      /** Kalshi's schedule. */
      kind: "kalshi";
      /** Maker rate (0.0175) instead of taker (0.07). */
      maker: boolean;
      /** Scale of the rate. */
      multiplier: number
    }
  | {
      /** Polymarket's taker schedule. */
      kind: "polymarket";
      /** rate in rate·C·P·(1 − P). */
      rate: number
    }
  | {
      /** A flat rate on notional. */
      kind: "bps";
      /** Basis points of C·P. */
      bps: number
    }
  | {
      /** A user function (saved by name only). */
      kind: "custom";
      /** The name to restore it by (`Engine.fromJSON(json, { feeModels: { [name]: … } })`). */
      name: string
    };

/** Rounds money up to the next cent, treating values within 1e-9 cent of a whole cent as that cent
 * (0.07·100·0.5·0.5 is 1.7500000000000002 in floating point and must stay 1.75, not become 1.76). */
export function ceilToCent(x: number): number {
  const cents = x * 100;
  const r = Math.round(cents);
  const snapped = Math.abs(cents - r) <= 1e-9 * Math.max(1, Math.abs(cents)) ? r : cents;
  return Math.ceil(snapped) / 100;
}

/**
 * A venue's fee schedule. Build one with a static constructor; the engine charges
 * {@link FeeModel.fee} on every fill, Kelly sizes on {@link FeeModel.effectivePrice}.
 *
 * | model | fee per fill (C contracts at price P of the side traded) | source |
 * |---|---|---|
 * | `none()` | 0 | |
 * | `kalshi({ maker?, multiplier? })` | ⌈multiplier·rate·C·P·(1 − P)⌉ to the cent; rate 0.07 taker, 0.0175 maker | Kalshi fee schedule |
 * | `polymarket({ rate })` | rate·C·P·(1 − P) (taker; makers pay nothing) | Polymarket fee docs |
 * | `bps(bps)` | bps/10⁴·C·P (notional) | flat-rate brokers |
 * | `custom(fn, name?)` | `fn(fill)` | yours |
 *
 * @example
 * ```ts
 * FeeModel.kalshi().fee({ marketId: "m", side: "yes", action: "buy", size: 100, price: 0.5 }); // 1.75
 * FeeModel.kalshi({ maker: true }).fee({ marketId: "m", side: "yes", action: "buy", size: 100, price: 0.5 }); // 0.44
 * ```
 */
export class FeeModel {
  /** Which schedule. */
  readonly kind: FeeModelJSON["kind"];
  readonly #rate: number;
  readonly #roundToCent: boolean;
  readonly #quadratic: boolean;
  readonly #fn: FeeFunction | undefined;
  readonly #json: FeeModelJSON;

  private constructor(json: FeeModelJSON, rate: number, quadratic: boolean, roundToCent: boolean, fn?: FeeFunction) {
    this.kind = json.kind;
    this.#json = json;
    this.#rate = rate;
    this.#quadratic = quadratic;
    this.#roundToCent = roundToCent;
    this.#fn = fn;
    Object.freeze(this);
  }

  /** No fees. */
  static none(): FeeModel {
    return new FeeModel({ kind: "none" }, 0, false, false);
  }

  /**
   * Kalshi: ⌈multiplier·rate·C·P·(1 − P)⌉ rounded up to the cent, per order fill; rate 0.07 (taker)
   * or 0.0175 (`maker: true`). `multiplier` (default 1, ≥ 0) scales it for markets with other rates.
   */
  static kalshi(options: { maker?: boolean; multiplier?: number } = {}): FeeModel {
    const o = check.options(options, "kalshi options");
    if (o.maker !== undefined && typeof o.maker !== "boolean") fail("INVALID_ARGUMENT", "kalshi fee: maker must be a boolean", { field: "maker" });
    const multiplier = check.nonNegative(o.multiplier ?? 1, "multiplier");
    const maker = o.maker === true;
    return new FeeModel({ kind: "kalshi", maker, multiplier }, multiplier * (maker ? KALSHI_MAKER_RATE : KALSHI_TAKER_RATE), true, true);
  }

  /** Polymarket (taker): rate·C·P·(1 − P), not rounded. `rate` ≥ 0 (e.g. 0.07). */
  static polymarket(options: { rate: number }): FeeModel {
    const o = check.options(options, "polymarket options");
    const rate = check.nonNegative(o.rate, "rate");
    return new FeeModel({ kind: "polymarket", rate }, rate, true, false);
  }

  /** A flat rate on notional: bps/10⁴·C·P (`bps` ≥ 0). */
  static bps(bps: number): FeeModel {
    const b = check.nonNegative(bps, "bps");
    return new FeeModel({ kind: "bps", bps: b }, b / 1e4, false, false);
  }

  /**
   * Your own schedule: `fn(fill)` returns the money charged for a fill (finite, ≥ 0; anything else
   * rejects the order with an HzError). `name` identifies it in saved engines: restore with
   * `Engine.fromJSON(json, { feeModels: { [name]: FeeModel.custom(fn, name) } })`.
   */
  static custom(fn: FeeFunction, name = "custom"): FeeModel {
    if (typeof fn !== "function") fail("INVALID_ARGUMENT", "FeeModel.custom expects a function (fill) => fee", { field: "fees" });
    if (typeof name !== "string" || name === "") fail("INVALID_ARGUMENT", "FeeModel.custom: name must be a non-empty string", { field: "name" });
    return new FeeModel({ kind: "custom", name }, 0, false, false, fn);
  }

  /** A FeeModel as is, or a {@link FeeFunction} wrapped by {@link FeeModel.custom}. */
  static from(model: FeeModel | FeeFunction, field = "fees"): FeeModel {
    if (model instanceof FeeModel) return model;
    if (typeof model === "function") return FeeModel.custom(model);
    return fail("INVALID_ARGUMENT", `${field} must be a FeeModel (FeeModel.kalshi(), …) or a function (fill) => fee`, { field });
  }

  /** Money charged for one fill (finite, ≥ 0). Throws {@link HzError} if a custom function misbehaves. */
  fee(fill: FeeFill): number {
    const { size, price } = fill;
    if (this.#fn) {
      let f: unknown;
      try {
        f = this.#fn({ ...fill });
      } catch (e) {
        if (e instanceof HzError) throw e;
        fail("INVALID_ARGUMENT", `market "${fill.marketId}": the custom fee function threw: ${e instanceof Error ? e.message : String(e)}`, { marketId: fill.marketId, field: "fees" });
      }
      if (typeof f !== "number" || !Number.isFinite(f) || f < 0) {
        fail("INVALID_ARGUMENT", `market "${fill.marketId}": the custom fee function must return a finite number ≥ 0, got ${typeof f === "number" ? f : typeof f}`, { marketId: fill.marketId, field: "fees" });
      }
      return f === 0 ? 0 : f;
    }
    if (this.#rate === 0 || size === 0) return 0;
    const raw = this.#quadratic ? this.#rate * size * price * (1 - price) : this.#rate * size * price;
    return this.#roundToCent ? ceilToCent(raw) : raw;
  }

  /**
   * Fee per contract at the margin when buying at `price`: rate·P·(1 − P) for the quadratic models
   * (Kalshi before its rounding to the cent, which does not act at the margin), bps/10⁴·P for bps,
   * `fn` for one contract for a custom model.
   */
  marginalFee(price: number, marketId = "", side: Side = "yes"): number {
    if (this.#fn) return this.fee({ marketId, side, action: "buy", size: 1, price });
    return this.#quadratic ? this.#rate * price * (1 - price) : this.#rate * price;
  }

  /** The price Kelly sizes on: a′ = a + fee per contract at the margin (capped at 1). */
  effectivePrice(price: number, marketId = "", side: Side = "yes"): number {
    return Math.min(1, price + this.marginalFee(price, marketId, side));
  }

  /** The saved form (a custom model saves its name only). */
  toJSON(): FeeModelJSON {
    return { ...this.#json };
  }

  /**
   * Restores {@link FeeModel.toJSON} output. A custom model is looked up by name in `custom`
   * (functions cannot be saved): a missing one is an HzError saying what to pass.
   */
  static fromJSON(json: unknown, custom: Readonly<Record<string, FeeModel>> = {}, field = "fees"): FeeModel {
    const j = check.options(json as FeeModelJSON, field) as Partial<Record<string, unknown>>;
    switch (j.kind) {
      case "none":
        return FeeModel.none();
      case "kalshi":
        return FeeModel.kalshi({ maker: j.maker as boolean, multiplier: j.multiplier as number });
      case "polymarket":
        return FeeModel.polymarket({ rate: j.rate as number });
      case "bps":
        return FeeModel.bps(j.bps as number);
      case "custom": {
        const name = j.name;
        const m = typeof name === "string" && Object.prototype.hasOwnProperty.call(custom, name) ? custom[name] : undefined;
        if (!(m instanceof FeeModel) || m.kind !== "custom") {
          fail("INVALID_ARGUMENT", `${field}: the saved custom fee model "${String(name)}" needs its function: pass { feeModels: { "${String(name)}": FeeModel.custom(fn, "${String(name)}") } }`, { field });
        }
        return m;
      }
      default:
        return fail("INVALID_ARGUMENT", `${field}: unknown fee model kind ${JSON.stringify(j.kind) ?? String(j.kind)}`, { field });
    }
  }
}
