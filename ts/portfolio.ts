// The Portfolio facade: synchronous bookkeeping in TypeScript, maths in the wasm engine.
import { fail, HzError } from "./errors.js";
import { checkCovarianceMarkets, historyFor, historyMatrix, toRows, type HistoryMatrix, type ReturnsHistory } from "./history.js";
import { computeMetrics, eventArgs, type MetricsOptions, type PortfolioMetrics } from "./metrics.js";
import { EventBook, encodeEvents, resolveEvents, type EventDefinition, type EventSpec } from "./events.js";
import { backendFor, type EngineBackend, type Runtime } from "./backend.js";
import { checkSignal, throwIfAborted } from "./simulation.js";
import { FeeModel, type FeeFunction } from "./fees.js";
import { toTime } from "./engine.js";
import * as check from "./validate.js";
import { followEngine, portfolioFromEngine, portfolioFromJSON, portfolioToJSON, type EngineLike, type FollowOptions, type FromEngineOptions, type PortfolioJSON } from "./sync.js";

// `[Symbol.asyncDispose]` below and wasm-bindgen's `[Symbol.dispose]` (in the engine's .d.ts, which
// the published types reach) need these well-known symbols in the consumer's types. A browser
// project with lib ES2022 + DOM and no @types/node (which declares them) has neither before lib
// ESNext, and `skipLibCheck: false` would report our .d.ts. Declared exactly as lib.esnext.disposable
// and @types/node declare them, so the declarations merge wherever those are present too.
declare global {
  interface SymbolConstructor {
    /** The well-known symbol of `using` declarations (explicit resource management). */
    readonly dispose: unique symbol;
    /** The well-known symbol of `await using` declarations (explicit resource management). */
    readonly asyncDispose: unique symbol;
  }
}

/** The side of a binary contract held. A share pays 1 if its side wins, else 0. */
export type Side = "yes" | "no";

/** What `addPosition` takes. Prices are per share of the side held (a NO position carries the NO price). */
export interface PositionInput {
  /** Non-empty market id. */
  marketId: string;
  /** `"yes"` or `"no"` (case-insensitive). */
  side: Side;
  /** Number of shares, ≥ 0. */
  size: number;
  /** Average price paid per share, in [0, 1]. */
  entryPrice: number;
  /** Current price per share of the held side, in [0, 1]; defaults to `entryPrice`. */
  currentPrice?: number;
  /** A human-readable name of the market (e.g. the question), kept with the position. */
  label?: string;
  /**
   * When the market is expected to resolve: ms since the Unix epoch, a valid `Date` or an ISO 8601
   * string with an offset (validated like the Engine's times); stored as ms. The Greeks of
   * `metrics()` then use this position's own time to resolution (see `MetricsOptions.asOf`).
   */
  resolvesAt?: number | string | Date;
}

/** A position as reported by `positions()`, with derived values. */
export interface Position {
  /** The market id. */
  readonly marketId: string;
  /** The side held. */
  readonly side: Side;
  /** Shares held (≥ 0). */
  readonly size: number;
  /** Average price paid per share of the held side, in [0, 1]. */
  readonly entryPrice: number;
  /** Current price per share of the held side, in [0, 1]. */
  readonly currentPrice: number;
  /** size × currentPrice */
  readonly value: number;
  /** size × entryPrice */
  readonly cost: number;
  /** value − cost */
  readonly pnl: number;
  /** pnl / cost (0 when cost is 0; ±Number.MAX_VALUE when the quotient overflows: a subnormal cost, entry price below ~1e-308) */
  readonly pnlPct: number;
  /** The position's label, when it has one. */
  readonly label?: string;
  /** When the market is expected to resolve (ms since the Unix epoch), when known. */
  readonly resolvesAt?: number;
}

/** Options of `new Portfolio`. */
export interface PortfolioOptions {
  /** A label shown by `summary()`. Default `"portfolio"`. */
  name?: string;
  /** Capital the weights are measured against (> 0). Default: the total value of the positions. */
  capital?: number;
  /** Default seed of `metrics()` when a call gives none (integer in [0, 2^53 − 1]). Default: a fresh random seed per call. */
  seed?: number;
  /**
   * `"worker"` (default): the engine runs off the main thread (Web Worker / worker_threads);
   * `"inline"`: on the calling thread. Same API, bit-identical results.
   */
  runtime?: Runtime;
  /**
   * Worker runtime only: run on a pool of this many workers owned by this portfolio (stopped by
   * `dispose()`). Default: the process-wide shared engine (see `sharedEngine`).
   */
  poolSize?: number;
}

/**
 * Weights keyed by marketId (fractions of capital). Every id is an own property (`"__proto__"` and
 * `"toString"` included). Key order is JavaScript's: integer-like ids (`"7"`, `"42"`) come first in
 * ascending order, then the other ids in `positions()` order — iterate `marketIds()` to visit the
 * weights in `positions()` order whatever the ids.
 */
export type Weights = Record<string, number>;

/** Options of `optimizeKelly`. */
export interface KellyOptions {
  /**
   * YES probabilities of held markets (held markets absent here get weight 0). Required. Keys may
   * also be markets of a defined event that are not held: they only set that outcome's probability.
   */
  probs: Record<string, number>;
  /** Cap on the sum of fractions; larger totals are scaled down proportionally. Default 1. */
  maxTotal?: number;
  /** Fractional Kelly multiplier (e.g. 0.5 = half Kelly). Default 1. */
  fraction?: number;
  /**
   * `"independent"` (default): the closed form per market; a defined event holding markets of
   * `probs` is sized as a whole, exactly (Smoczynski–Tomkins for YES-only holdings, the log-growth
   * optimiser on its states with a NO holding). `"joint"`: maximise expected log growth over joint
   * outcomes (exact enumeration up to 16 markets — with events, up to 65 536 joint states —, Monte
   * Carlo beyond or when correlated; events respected).
   */
  method?: "independent" | "joint";
  /** Joint method only: held-side price changes used to correlate outcomes (see `metrics`). */
  returnsHistory?: ReturnsHistory;
  /**
   * Trading costs: Kelly sizes each market on the effective price a′ = a + fee per share at the
   * margin (quadratic models: a′ = a + rate·a(1 − a); see {@link FeeModel.effectivePrice}), so
   * f = (q − a′)/(1 − a′) in the closed form, and a′ is the cost per share in the joint method.
   */
  fees?: FeeModel | FeeFunction;
  /** Joint method only: Monte Carlo scenarios when enumeration is not used. Default 100 000. */
  nSimulations?: number;
  /** Joint method only: seed of the Monte Carlo scenarios. Default 42. */
  seed?: number;
  /**
   * Joint method only: aborting rejects the call with an `AbortError`. The Monte Carlo path stops
   * within 100 ms in both runtimes (worker: the busy workers are replaced; inline: between scenario
   * unit calls); exact enumeration (≤ 16 markets, milliseconds) runs to its end, its result dropped.
   */
  signal?: AbortSignal;
}

/** Options of `optimizeRiskParity`. */
export interface RiskParityOptions {
  /** `"inverse-vol"` (default; w ∝ 1/σ) or `"erc"` (equal risk contributions, Spinu's method). */
  method?: "inverse-vol" | "erc";
  /** ERC only: risk budgets per market (> 0, normalised to sum 1). Default equal. */
  budgets?: Record<string, number>;
}

/** Options of `ledoitWolf`. */
export interface LedoitWolfOptions {
  /** `"identity"` (default, = scikit-learn) or `"constant-correlation"` (Ledoit & Wolf 2004). */
  target?: "identity" | "constant-correlation";
}

/** A Ledoit-Wolf shrinkage estimate. */
export interface LedoitWolfResult {
  /** N×N shrunk covariance (rows in the order of the history's columns). */
  covariance: number[][];
  /** Shrinkage intensity δ ∈ [0, 1]. */
  shrinkage: number;
}

/** One rebalancing order. */
export interface RebalanceOrder {
  /** The market to trade. */
  marketId: string;
  /** The side the order trades: the held side, or `"yes"` for a market not yet held. */
  side: Side;
  /** Buy or sell shares of `side`. */
  action: "buy" | "sell";
  /** Number of shares, ≥ 0: |targetWeight − currentWeight| × capital / price. */
  sizeDelta: number;
  /** The market's weight now (value / capital). */
  currentWeight: number;
  /** The weight asked for. */
  targetWeight: number;
  /** The price per share used for the conversion. */
  price: number;
  /** With `options.fees`: the fee of filling the order at `price` (money). */
  estimatedFee?: number;
}

/** Options of `rebalanceOrders`. */
export interface RebalanceOptions {
  /**
   * Orders whose |Δweight| ≤ max(threshold, {@link WEIGHT_TOLERANCE}) are omitted. Default 0
   * (Horizon's `rebalance_orders` has no threshold; its `needs_rebalance` defaults to 0.05).
   */
  threshold?: number;
  /** Orders smaller than this many shares are omitted. Default {@link MIN_ORDER_SIZE}. */
  minOrderSize?: number;
  /** A fee model: each order then carries `estimatedFee` (the fee of filling it at `price`). */
  fees?: FeeModel | FeeFunction;
  /** Prices of target markets that are not held (required for those), per share of `"yes"`. */
  prices?: Record<string, number>;
}

interface Held {
  marketId: string;
  side: Side;
  size: number;
  entryPrice: number;
  currentPrice: number;
  label: string | undefined;
  resolvesAt: number | undefined;
  /** Recorded current prices, oldest first (bounded). */
  prices: number[];
}

/**
 * Weight differences at or below this are floating-point noise, never a reason to trade: weights
 * are value / capital, whose rounding error is ~1e-16 relative, so a 1e-11 change is an artefact
 * (it once emitted a 2.6e-9-share order). `needsRebalance` and `rebalanceOrders` ignore them.
 */
export const WEIGHT_TOLERANCE = 1e-9;
/** Default smallest order `rebalanceOrders` emits, in shares (far below any platform's tick). */
export const MIN_ORDER_SIZE = 1e-6;

/** Most price observations kept per market (oldest dropped first). */
export const MAX_PRICE_HISTORY = 10_000;
/** Extra observations a record may hold before it is trimmed back to MAX_PRICE_HISTORY (batch trimming). */
const PRICE_TRIM_SLACK = 1024;
/** Observations needed before the recorded prices are used as a history (giving 2 returns). */
const MIN_RECORDED_OBSERVATIONS = 3;

const SHRINK_TARGETS = ["identity", "constant-correlation"] as const;
const RP_METHODS = ["inverse-vol", "erc"] as const;
const KELLY_METHODS = ["independent", "joint"] as const;
const RUNTIMES = ["worker", "inline"] as const;
/** Largest worker pool a portfolio may ask for. */
const MAX_POOL_SIZE = 64;

function side(v: unknown, marketId: string): Side {
  const s = typeof v === "string" ? v.toLowerCase() : v;
  if (s !== "yes" && s !== "no") {
    fail("INVALID_ARGUMENT", `market "${marketId}": side must be "yes" or "no", got ${check.show(v)}`, {
      marketId,
      field: "side",
    });
  }
  return s;
}

/** A position's `resolvesAt` as ms (validated like the Engine's times; the error names the market). */
function resolutionTime(v: unknown, marketId: string): number {
  try {
    return toTime(v, "resolvesAt");
  } catch (e) {
    if (e instanceof HzError) fail(e.code, `market "${marketId}": ${e.message}`, { marketId, field: "resolvesAt" });
    throw e;
  }
}

function equalWeights(ids: readonly string[]): Weights {
  return check.record(ids.map((id) => [id, 1 / ids.length] as const));
}

function keyed(ids: readonly string[], values: ArrayLike<number>): Weights {
  return check.record(ids.map((id, i) => [id, values[i]!] as const));
}

/**
 * pnl / cost as reported by `pnlPct`: 0 when cost is 0, and saturated at ±Number.MAX_VALUE when
 * the quotient overflows — only possible for a subnormal cost (an entry price below ~1e-308), where
 * the true return is beyond any double. Never ±Infinity or NaN. @internal
 */
export function pnlRatio(pnl: number, cost: number): number {
  return cost === 0 ? 0 : saturate(pnl / cost);
}

/** A quotient that overflowed (a finite number over a tiny one) as ±Number.MAX_VALUE; others unchanged. */
function saturate(r: number): number {
  return Number.isFinite(r) || Number.isNaN(r) ? r : Math.sign(r) * Number.MAX_VALUE;
}

/** A percentage for summary(): x × 100 with 2 decimals, in exponent form when x × 100 overflows a double. */
function percent(x: number): string {
  const y = x * 100;
  if (Number.isFinite(y)) return y.toFixed(2);
  const [mantissa, exponent] = x.toExponential(2).split("e");
  return `${mantissa}e+${Number(exponent) + 2}`;
}

/** Appends a price, trimming the oldest in batches so each append is amortised O(1) (readers take the last MAX_PRICE_HISTORY). */
function pushPrice(prices: number[], p: number): void {
  prices.push(p);
  if (prices.length > MAX_PRICE_HISTORY + PRICE_TRIM_SLACK) prices.splice(0, prices.length - MAX_PRICE_HISTORY);
}

/** The last MAX_PRICE_HISTORY observations of a record (a copy). */
function lastPrices(prices: readonly number[]): number[] {
  return prices.slice(Math.max(0, prices.length - MAX_PRICE_HISTORY));
}

function snapshot(h: Held): Position {
  const value = h.size * h.currentPrice;
  const cost = h.size * h.entryPrice;
  const pnl = value - cost;
  return {
    marketId: h.marketId,
    side: h.side,
    size: h.size,
    entryPrice: h.entryPrice,
    currentPrice: h.currentPrice,
    value,
    cost,
    pnl,
    pnlPct: pnlRatio(pnl, cost),
    ...(h.label === undefined ? {} : { label: h.label }),
    ...(h.resolvesAt === undefined ? {} : { resolvesAt: h.resolvesAt }),
  };
}

/**
 * A portfolio of binary prediction-market positions.
 *
 * Bookkeeping (`addPosition`, `weights`, `rebalanceOrders`, …) is synchronous; anything computed
 * by the WebAssembly engine (optimizers, Ledoit-Wolf, metrics) returns a Promise. Every call
 * validates its input and throws {@link HzError} without changing the portfolio.
 *
 * @example
 * ```ts
 * const p = new Portfolio({ name: "main", capital: 10_000 });
 * p.addPosition({ marketId: "fed-cut", side: "yes", size: 400, entryPrice: 0.45, currentPrice: 0.52 });
 * const w = await p.optimizeRiskParity();
 * for (const o of p.rebalanceOrders(w)) console.log(o.action, o.sizeDelta, o.marketId);
 * ```
 */
export class Portfolio {
  /** Label shown by `summary()`. */
  readonly name: string;
  #capital: number | undefined;
  readonly #engine: EngineBackend;
  readonly #held = new Map<string, Held>();
  readonly #events = new EventBook();

  constructor(options: PortfolioOptions = {}) {
    const o = check.options(options, "options");
    if (o.name !== undefined && typeof o.name !== "string") fail("INVALID_ARGUMENT", "name must be a string", { field: "name" });
    this.name = o.name ?? "portfolio";
    this.#capital = o.capital === undefined ? undefined : check.positive(o.capital, "capital");
    this.seed = o.seed === undefined ? undefined : check.integerInRange(o.seed, "seed", 0, Number.MAX_SAFE_INTEGER);
    this.runtime = check.oneOf(o.runtime ?? "worker", RUNTIMES, "runtime");
    const poolSize = o.poolSize === undefined ? undefined : check.integerInRange(o.poolSize, "poolSize", 1, MAX_POOL_SIZE);
    this.#engine = backendFor(this.runtime, poolSize);
  }

  /** Where this portfolio's engine work runs. */
  readonly runtime: Runtime;

  /** Stops this portfolio's own worker pool, if it has one (`poolSize`); the shared engine is left running. */
  async dispose(): Promise<void> {
    await this.#engine.dispose();
  }

  /** `await using p = new Portfolio(…)` disposes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  /** Default seed of `metrics()` (undefined: a random seed per call, reported in the result). */
  readonly seed: number | undefined;

  /** The capital given at construction (undefined: weights are measured against the total value). */
  get configuredCapital(): number | undefined {
    return this.#capital;
  }

  /**
   * Changes the capital the weights are measured against (e.g. to track an engine's equity);
   * `undefined` measures against the total value again.
   */
  setCapital(capital: number | undefined): void {
    this.#capital = capital === undefined ? undefined : check.positive(capital, "capital");
  }

  /** Capital the weights are measured against: the configured capital, else the total value. */
  get capital(): number {
    return this.#capital ?? this.totalValue();
  }

  /**
   * Adds a position, or replaces the one held in the same market (keeping its place in
   * `positions()`). Its `currentPrice` is the first price observation; replacing a position on the
   * same side keeps the market's price record (appending `currentPrice` if it changed), replacing it
   * with the other side restarts the record.
   */
  addPosition(pos: PositionInput): void {
    if (typeof pos !== "object" || pos === null) fail("INVALID_ARGUMENT", "addPosition expects a position object", { field: "position" });
    const id = check.marketId(pos.marketId);
    const s = side(pos.side, id);
    const size = check.size(pos.size, "size", id);
    const entryPrice = check.price(pos.entryPrice, "entryPrice", id);
    const currentPrice = pos.currentPrice === undefined ? entryPrice : check.price(pos.currentPrice, "currentPrice", id);
    if (pos.label !== undefined && typeof pos.label !== "string") {
      fail("INVALID_ARGUMENT", `market "${id}": label must be a string, got ${check.show(pos.label)}`, { marketId: id, field: "label" });
    }
    const resolvesAt = pos.resolvesAt === undefined ? undefined : resolutionTime(pos.resolvesAt, id);
    const old = this.#held.get(id);
    let prices = [currentPrice];
    if (old && old.side === s) {
      prices = old.prices;
      if (prices[prices.length - 1] !== currentPrice) pushPrice(prices, currentPrice);
    }
    this.#held.set(id, { marketId: id, side: s, size, entryPrice, currentPrice, label: pos.label, resolvesAt, prices });
  }

  /** Sets the current price (of the held side) and records it as a new observation. */
  updatePrice(marketId: string, price: number): void {
    const h = this.#get(marketId);
    const p = check.price(price, "price", h.marketId);
    h.currentPrice = p;
    pushPrice(h.prices, p);
  }

  /**
   * Declares that `spec.markets` are mutually exclusive outcomes of one event: at most one resolves
   * YES (exactly one with `exhaustive: true`). Markets may be listed before they are held; a market
   * belongs to at most one event. Redefining an event id replaces it. Risk (`metrics()`) and Kelly
   * then respect the event. Throws {@link HzError} INVALID_ARGUMENT (naming the event and the
   * market) without changing anything: fewer than 2 markets, a duplicate, a market already in
   * another event, an unknown field.
   */
  defineEvent(eventId: string, spec: EventSpec): void {
    this.#events.define(eventId, spec);
  }

  /** The defined events, in order of definition (copies). */
  eventDefinitions(): EventDefinition[] {
    return this.#events.list();
  }

  /** Removes an event (HzError INVALID_ARGUMENT when it is not defined); its markets become independent. */
  removeEvent(eventId: string): void {
    this.#events.remove(eventId);
  }

  /** Replaces every event definition at once (all validated first). @internal */
  replaceEvents(defs: readonly EventDefinition[]): void {
    this.#events.replaceAll(defs);
  }

  /** Removes a held position. */
  removePosition(marketId: string): void {
    this.#get(marketId);
    this.#held.delete(marketId);
  }

  /** Snapshots of the positions, in insertion order (the column order of histories). */
  positions(): Position[] {
    return [...this.#held.values()].map(snapshot);
  }

  /** The snapshot of one held position, or undefined when the market is not held (O(1): no other position is copied). */
  position(marketId: string): Position | undefined {
    const h = this.#held.get(check.marketId(marketId));
    return h && snapshot(h);
  }

  /** Market ids in `positions()` order. */
  marketIds(): string[] {
    return [...this.#held.keys()];
  }

  /** Recorded price observations of a held market (oldest first, at most MAX_PRICE_HISTORY; a copy). */
  priceHistory(marketId: string): number[] {
    return lastPrices(this.#get(marketId).prices);
  }

  /**
   * value / capital per market (0 for all when capital is 0; ±Number.MAX_VALUE if the quotient
   * overflows, i.e. a capital below ~1e-293); see {@link Weights} for the key order.
   */
  weights(): Weights {
    return check.record(this.#weights());
  }

  /** value / capital per market, in positions() order. */
  #weights(): Map<string, number> {
    const capital = this.capital;
    const out = new Map<string, number>();
    // Saturated like pnlPct: a legal but tiny capital (e.g. 5e-324) must not give an infinite weight.
    for (const h of this.#held.values()) out.set(h.marketId, capital > 0 ? saturate((h.size * h.currentPrice) / capital) : 0);
    return out;
  }

  /** Σ size × currentPrice. */
  totalValue(): number {
    let v = 0;
    for (const h of this.#held.values()) v += h.size * h.currentPrice;
    return v;
  }

  /** Σ size × entryPrice. */
  totalCost(): number {
    let c = 0;
    for (const h of this.#held.values()) c += h.size * h.entryPrice;
    return c;
  }

  /** Unrealised P&L against cost basis: totalValue − totalCost. */
  pnl(): number {
    return this.totalValue() - this.totalCost();
  }

  /** pnl / totalCost (0 when nothing was paid; saturated at ±Number.MAX_VALUE when the quotient overflows). */
  pnlPct(): number {
    return pnlRatio(this.pnl(), this.totalCost());
  }

  /** Herfindahl-Hirschman index Σ s² of value shares s = value / Σ value (1/N when equal; 0 when empty or worthless). */
  concentration(): number {
    const total = this.totalValue();
    if (total <= 0) return 0;
    let hhi = 0;
    for (const h of this.#held.values()) {
      const s = (h.size * h.currentPrice) / total;
      hhi += s * s;
    }
    return hhi;
  }

  /** A readable table of the positions and totals. */
  summary(): string {
    const rows = this.positions();
    const w = this.#weights();
    const f = (x: number, d = 2) => x.toFixed(d);
    const header = ["market", "side", "size", "entry", "price", "value", "pnl", "pnl%", "weight"];
    const body = rows.map((r) => [
      r.marketId,
      r.side,
      f(r.size, 2),
      f(r.entryPrice, 4),
      f(r.currentPrice, 4),
      f(r.value),
      f(r.pnl),
      percent(r.pnlPct) + "%",
      percent(w.get(r.marketId)!) + "%",
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
    return [
      `Portfolio "${this.name}": ${rows.length} position${rows.length === 1 ? "" : "s"}, capital ${f(this.capital)}`,
      line(header),
      ...body.map(line),
      `total value ${f(this.totalValue())}  cost ${f(this.totalCost())}  pnl ${f(this.pnl())} (${percent(this.pnlPct())}%)  HHI ${f(this.concentration(), 4)}`,
    ].join("\n");
  }

  /**
   * True when some market's |target − current weight| exceeds max(`threshold`, {@link WEIGHT_TOLERANCE}).
   * `threshold` defaults to 0 (Horizon's `needs_rebalance` defaults to 0.05: pass it to match).
   */
  needsRebalance(target: Weights, threshold = 0): boolean {
    const t = this.#target(target);
    const th = Math.max(check.nonNegative(threshold, "threshold"), WEIGHT_TOLERANCE);
    const current = this.#weights();
    const ids = new Set([...current.keys(), ...t.keys()]);
    for (const id of ids) if (Math.abs((t.get(id) ?? 0) - (current.get(id) ?? 0)) > th) return true;
    return false;
  }

  /**
   * Orders that move the current weights to `target`: for each market in current ∪ target,
   * sizeDelta = |target − current| × capital / price. Markets absent from `target` are sold out.
   * Noise never trades: differences ≤ max(threshold, {@link WEIGHT_TOLERANCE}) and orders below
   * `minOrderSize` shares (default {@link MIN_ORDER_SIZE}) are omitted, so every order has sizeDelta > 0.
   */
  rebalanceOrders(target: Weights, options: RebalanceOptions = {}): RebalanceOrder[] {
    const t = this.#target(target);
    const o = check.options(options, "options");
    const th = Math.max(check.nonNegative(o.threshold ?? 0, "threshold"), WEIGHT_TOLERANCE);
    const minOrderSize = check.nonNegative(o.minOrderSize ?? MIN_ORDER_SIZE, "minOrderSize");
    const fees = o.fees === undefined ? undefined : FeeModel.from(o.fees);
    const prices = o.prices === undefined ? {} : check.plainObject(o.prices, "prices");
    const capital = this.capital;
    const current = this.#weights();
    const orders: RebalanceOrder[] = [];
    const ids = [...this.#held.keys(), ...[...t.keys()].filter((id) => !this.#held.has(id))];
    for (const id of ids) {
      const h = this.#held.get(id);
      const cw = current.get(id) ?? 0;
      const tw = t.get(id) ?? 0;
      const dw = tw - cw;
      let price: number;
      if (h) price = h.currentPrice;
      else if (Object.prototype.hasOwnProperty.call(prices, id)) price = check.price(check.own(prices, id), "prices", id);
      else fail("UNKNOWN_MARKET", `target market "${id}" is not held: pass its price in options.prices["${id}"]`, { marketId: id, field: "prices" });
      if (Math.abs(dw) <= th || dw === 0) continue;
      if (price <= 0) fail("INVALID_PRICE", `market "${id}": price is 0, cannot convert a weight into shares`, { marketId: id, field: "price" });
      const sizeDelta = (Math.abs(dw) * capital) / price;
      if (!Number.isFinite(sizeDelta)) {
        fail("INVALID_ARGUMENT", `market "${id}": target weight ${tw} gives an order size that is not finite`, { marketId: id, field: "target weight" });
      }
      // Noise never trades, and a weight change that underflows to 0 shares is no order
      // (Engine.execute refuses size 0, so such an order would make the whole batch fail).
      if (sizeDelta < minOrderSize || sizeDelta === 0) continue;
      const order: RebalanceOrder = {
        marketId: id,
        side: h?.side ?? "yes",
        action: dw > 0 ? "buy" : "sell",
        sizeDelta,
        currentWeight: cw,
        targetWeight: tw,
        price,
      };
      if (fees) order.estimatedFee = fees.fee({ marketId: id, side: order.side, action: order.action, size: sizeDelta, price });
      orders.push(order);
    }
    return orders;
  }

  /** Equal weights 1/N over the held markets. */
  async optimizeEqualWeight(): Promise<Weights> {
    return equalWeights(this.marketIds());
  }

  /**
   * Kelly fractions for binary contracts. YES at price P with YES probability q: f = (q − P)/(1 − P);
   * NO at NO price Pn: f = ((1 − q) − Pn)/(1 − Pn). Negative → 0, × fraction, scaled so Σf ≤ maxTotal.
   * Markets of a defined event are sized together over the event's states (see `method`).
   */
  async optimizeKelly(options: KellyOptions): Promise<Weights> {
    const o = check.options(options, "options");
    if (o.probs === undefined) fail("INVALID_ARGUMENT", "optimizeKelly needs options.probs (YES probabilities keyed by marketId)", { field: "probs" });
    const probs = check.plainObject(o.probs, "probs");
    const maxTotal = check.positive(o.maxTotal ?? 1, "maxTotal");
    const fraction = check.positive(o.fraction ?? 1, "fraction");
    for (const [field, v] of [["maxTotal", maxTotal], ["fraction", fraction]] as const) {
      if (v > MAX_KELLY_SCALE) fail("INVALID_ARGUMENT", `${field} must be ≤ ${MAX_KELLY_SCALE}, got ${v}`, { field });
    }
    const method = check.oneOf(o.method ?? "independent", KELLY_METHODS, "method");
    const nSim = check.integerInRange(o.nSimulations ?? 100_000, "nSimulations", 1, MAX_KELLY_SCENARIOS, "LIMIT_EXCEEDED");
    const seed = check.integerInRange(o.seed ?? 42, "seed", 0, Number.MAX_SAFE_INTEGER);
    const fees = o.fees === undefined ? undefined : FeeModel.from(o.fees);
    const ids: string[] = [];
    const heldProbs: number[] = [];
    const heldPrices: number[] = [];
    const yesProbs = new Map<string, number>();
    for (const [id, q] of Object.entries(probs)) {
      const h = this.#held.get(id);
      const inEvent = this.#events.eventOf(id) !== undefined;
      if (!h && !inEvent) fail("UNKNOWN_MARKET", `probs: market "${id}" is not held (nor listed in an event)`, { marketId: id, field: "probs" });
      const yes = check.probability(q, "probs", id);
      yesProbs.set(id, yes);
      if (!h) continue; // an event outcome that is not held: it only sets its state's probability
      ids.push(id);
      heldProbs.push(h.side === "yes" ? yes : 1 - yes);
      heldPrices.push(fees ? fees.effectivePrice(h.currentPrice, id, h.side) : h.currentPrice);
    }
    // Events that hold a market of `probs` size their markets together (see kellyEvents).
    const events = this.#events.size === 0 || !ids.some((id) => this.#events.eventOf(id) !== undefined)
      ? []
      : resolveEvents(this.#events.list(), (id) => {
        const h = this.#held.get(id);
        return h === undefined ? undefined : h.side === "yes" ? h.currentPrice : 1 - h.currentPrice;
      }, yesProbs);
    if (method === "joint") checkCovarianceMarkets(ids.length, "probs");
    const history = method === "joint" ? this.#history(o.returnsHistory, ids) : undefined;
    checkSignal(o.signal);
    throwIfAborted(o.signal);
    const out = new Map<string, number>();
    for (const id of this.#held.keys()) out.set(id, 0);
    if (ids.length === 0) return check.record(out);
    let f: Float64Array;
    if (events.length > 0) {
      const n = ids.length;
      const enc = eventArgs(encodeEvents(events, ids, ids.map((id) => this.#held.get(id)!.side === "yes")));
      const corr = history ? (await this.#engine.call("historyCorrelation", history.data, history.rows, history.cols)).slice(1 + n * n) : new Float64Array(0);
      f = await this.#engine.call("kellyEvents", new Float64Array(heldPrices), new Float64Array(heldProbs), ...enc, maxTotal, fraction, method === "joint", corr, nSim, seed);
      throwIfAborted(o.signal);
    } else if (method === "independent") {
      f = await this.#engine.call("kellyIndependent", new Float64Array(heldProbs), new Float64Array(heldPrices), maxTotal, fraction);
    } else {
      const n = ids.length;
      const corr = history ? (await this.#engine.callAbortable(o.signal, "historyCorrelation", history.data, history.rows, history.cols)).slice(1 + n * n) : new Float64Array(0);
      f = await this.#engine.callAbortable(o.signal, "kellyJoint", new Float64Array(heldPrices), new Float64Array(heldProbs), maxTotal, fraction, corr, nSim, seed);
      throwIfAborted(o.signal);
    }
    ids.forEach((id, i) => out.set(id, f[i]!));
    return check.record(out);
  }

  /**
   * Risk parity on the Ledoit-Wolf covariance of the history (argument, else the recorded prices).
   * Default inverse volatility; `method: "erc"` gives equal (or budgeted) risk contributions.
   * Without a usable history: equal weight.
   */
  async optimizeRiskParity(returnsHistory?: ReturnsHistory, options: RiskParityOptions = {}): Promise<Weights> {
    const o = check.options(options, "options");
    const method = check.oneOf(o.method ?? "inverse-vol", RP_METHODS, "method");
    const ids = this.marketIds();
    let budgets = new Float64Array(0);
    if (o.budgets !== undefined) {
      if (method !== "erc") fail("INVALID_ARGUMENT", `budgets apply to method "erc" only`, { field: "budgets" });
      const b = check.plainObject(o.budgets, "budgets");
      for (const id of Object.keys(b)) if (!this.#held.has(id)) fail("UNKNOWN_MARKET", `budgets: market "${id}" is not held`, { marketId: id, field: "budgets" });
      budgets = new Float64Array(ids.map((id) => check.positive(check.own(b, id), `budgets["${id}"]`)));
    }
    const h = this.#history(returnsHistory, ids);
    if (ids.length === 0) return check.record([]);
    if (!h) return equalWeights(ids);
    const w = await this.#engine.call("riskParity", h.data, h.rows, h.cols, method === "erc" ? 1 : 0, budgets);
    return keyed(ids, w);
  }

  /**
   * Long-only minimum variance (exact active set) on the Ledoit-Wolf covariance of the history
   * (argument, else the recorded prices). Without a usable history: equal weight.
   */
  async optimizeMinVariance(returnsHistory?: ReturnsHistory): Promise<Weights> {
    const ids = this.marketIds();
    const h = this.#history(returnsHistory, ids);
    if (ids.length === 0) return check.record([]);
    if (!h) return equalWeights(ids);
    const w = await this.#engine.call("minVariance", h.data, h.rows, h.cols);
    return keyed(ids, w);
  }

  /**
   * Risk metrics: Monte Carlo P&L at resolution (VaR/CVaR at 95% and 99%, win probability, expected
   * P&L, histogram), per-position Greeks, and the correlation used. Outcomes are independent unless a
   * history (argument, else the recorded prices once they are long enough) or a `correlation` is
   * available, in which case they are drawn through a Gaussian copula. Same seed → identical result.
   */
  async metrics(options: MetricsOptions = {}): Promise<PortfolioMetrics> {
    const o = check.options(options, "options");
    return computeMetrics(
      {
        positions: this.positions(),
        totalValue: this.totalValue(),
        totalPnl: this.pnl(),
        totalPnlPct: this.pnlPct(),
        concentration: this.concentration(),
        history: (ids) => this.#history(o.returnsHistory, ids),
        events: this.#events.list(),
      },
      this.seed !== undefined && o.seed === undefined ? { ...o, seed: this.seed } : options,
      this.#engine,
    );
  }

  // @engine-sync-methods (Portfolio.fromEngine, follow, toJSON, fromJSON go here)

  /**
   * A portfolio of an engine's open positions: size, entry price = the engine's average entry
   * price, current price = the held side's current price (NO: 1 − YES), and as recorded history the
   * held side's price series from the engine's feeds (the most recent `maxHistory`, default and at
   * most `MAX_PRICE_HISTORY`), so risk parity, min variance and correlated metrics need no extra
   * argument. Positions keep the engine's order. Works with any {@link EngineLike}.
   */
  static fromEngine(engine: EngineLike, options: FromEngineOptions = {}): Portfolio {
    return portfolioFromEngine(Portfolio, engine, options);
  }

  /**
   * Keeps this portfolio in sync with `engine` (its fills and price ticks) until the returned
   * function is called. Start from `Portfolio.fromEngine(engine)` to begin in sync. Each event is
   * applied all-or-nothing, in O(1) for the other markets; one that cannot be applied (bad data from
   * a custom engine) is passed to `options.onError` (default `console.error`) and never thrown into
   * the engine — a follow listener cannot crash the host process. See {@link FollowOptions}.
   */
  follow(engine: EngineLike, options: FollowOptions = {}): () => void {
    return followEngine(this, engine, options);
  }

  /**
   * A versioned, lossless JSON form (`{ format: "hz-portfolio/portfolio", version: 3, … }`): name,
   * configured capital, seed, positions (with their `label` and `resolvesAt`) and their recorded
   * prices, and the events. Runtime settings are not saved. `fromJSON` also reads versions 1 and 2.
   */
  toJSON(): PortfolioJSON {
    return portfolioToJSON(this);
  }

  /**
   * Restores a portfolio from `toJSON()` output (object or JSON text); `options` may choose settings
   * that are not saved (e.g. `runtime`). Throws {@link HzError} on another format or version.
   */
  static fromJSON(json: PortfolioJSON | string, options: Omit<PortfolioOptions, "name" | "capital" | "seed"> = {}): Portfolio {
    return portfolioFromJSON(Portfolio, json, options);
  }

  /** Ledoit-Wolf shrinkage covariance of a history whose columns are the held positions. */
  async ledoitWolf(returnsHistory: ReturnsHistory, options: LedoitWolfOptions = {}): Promise<LedoitWolfResult> {
    if (returnsHistory === undefined) fail("INVALID_HISTORY", "ledoitWolf needs a returnsHistory", { field: "returnsHistory" });
    return ledoitWolfOf(historyMatrix(returnsHistory, this.marketIds()), options, this.#engine);
  }

  /**
   * The history the engine uses: the argument when given, else the recorded prices
   * (the last m observations of every market, m = the shortest record, returns = Δp) when m ≥ 3.
   * @internal
   */
  #history(returnsHistory: ReturnsHistory | undefined, ids: readonly string[]): HistoryMatrix | undefined {
    if (returnsHistory !== undefined) return historyFor(returnsHistory, this.marketIds(), ids);
    if (ids.length === 0) return undefined;
    const records = ids.map((id) => this.#get(id).prices);
    let m = MAX_PRICE_HISTORY; // records may hold a little more until trimmed (see pushPrice)
    for (const r of records) m = Math.min(m, r.length);
    if (m < MIN_RECORDED_OBSERVATIONS) return undefined;
    checkCovarianceMarkets(ids.length, "recorded prices");
    const n = ids.length;
    const data = new Float64Array((m - 1) * n);
    records.forEach((r, j) => {
      const off = r.length - m;
      for (let t = 1; t < m; t++) data[(t - 1) * n + j] = r[off + t]! - r[off + t - 1]!;
    });
    return { data, rows: m - 1, cols: n };
  }

  /** The history `metrics()` and the optimizers would use with no argument (null when too short). */
  recordedReturns(): number[][] | null {
    const h = this.#history(undefined, this.marketIds());
    if (!h) return null;
    const rows: number[][] = [];
    for (let t = 0; t < h.rows; t++) rows.push(Array.from(h.data.subarray(t * h.cols, (t + 1) * h.cols)));
    return rows;
  }

  #get(marketId: string): Held {
    const id = check.marketId(marketId);
    const h = this.#held.get(id);
    if (!h) fail("UNKNOWN_MARKET", `market "${id}" is not held`, { marketId: id, field: "marketId" });
    return h;
  }

  #target(target: Weights): Map<string, number> {
    const t = check.plainObject(target, "target");
    const out = new Map<string, number>();
    for (const [id, w] of Object.entries(t)) {
      check.marketId(id, "target key");
      out.set(id, check.nonNegative(w, "target weight", id));
    }
    return out;
  }
}

/** Largest `maxTotal` and `fraction` accepted by `optimizeKelly` (keeps every weight finite). */
export const MAX_KELLY_SCALE = 1e6;

/** Most Monte Carlo scenarios accepted by joint Kelly. */
export const MAX_KELLY_SCENARIOS = 2_000_000;

async function ledoitWolfOf(h: HistoryMatrix, options: LedoitWolfOptions, engine: EngineBackend): Promise<LedoitWolfResult> {
  const o = check.options(options, "options");
  const target = check.oneOf(o.target ?? "identity", SHRINK_TARGETS, "target");
  if (h.cols === 0) return { covariance: [], shrinkage: 0 };
  const out = await engine.call("ledoitWolf", h.data, h.rows, h.cols, target === "identity" ? 0 : 1);
  return { covariance: toRows(out, h.cols), shrinkage: out[h.cols * h.cols]! };
}

/**
 * Ledoit-Wolf shrinkage covariance of a T×N history (rows = time steps).
 * `target: "identity"` reproduces scikit-learn's `ledoit_wolf`; `"constant-correlation"` is
 * Ledoit & Wolf (2004). Both centre the data and use divisor T.
 */
export async function ledoitWolf(returnsHistory: ReadonlyArray<ArrayLike<number>>, options: LedoitWolfOptions & { runtime?: Runtime } = {}): Promise<LedoitWolfResult> {
  if (!Array.isArray(returnsHistory)) fail("INVALID_HISTORY", "ledoitWolf expects rows of numbers (T × N)", { field: "returnsHistory" });
  const first = returnsHistory[0];
  const n = first && typeof first === "object" ? first.length : 0;
  checkCovarianceMarkets(n);
  const ids = Array.from({ length: n }, (_, j) => `column ${j}`);
  const runtime = check.oneOf(options?.runtime ?? "worker", RUNTIMES, "runtime");
  return ledoitWolfOf(historyMatrix(returnsHistory, ids), options, backendFor(runtime, undefined));
}

export { HzError };
