// Portfolio risk metrics: Monte Carlo P&L distribution, Greeks, correlation.
import { fail } from "./errors.js";
import { checkCovarianceMarkets, toRows, type HistoryMatrix, type ReturnsHistory } from "./history.js";
import { backendFor, type EngineBackend, type Runtime } from "./backend.js";
import { checkSignal, parseStats, throwIfAborted, type LongOperationOptions, type PnlStats, type SimulationJob } from "./simulation.js";
import * as check from "./validate.js";
import { toTime } from "./engine.js";
import { MAX_POSITION_SIZE } from "./validate.js";
import type { Position, Side } from "./portfolio.js";
import { encodeEvents, resolveEvents, type EventDefinition, type EventEncoding, type EventMetrics } from "./events.js";

/** Largest `nSimulations` accepted by `metrics()`. */
export const MAX_SIMULATIONS = 10_000_000;
/** Bins of `pnlHistogram`. */
export const HISTOGRAM_BINS = 50;

/**
 * Which per-position Greeks model to use.
 *
 * - `"horizon"` (default): the Horizon SDK's model (`hz.prediction_greeks`). With p the contract's
 *   price clamped to [0.01, 0.99], x = Φ⁻¹(p) (the price's probit score), φ the standard normal
 *   density, τ = tHours / 24 (days) and s = max(√τ, 0.001): delta = ±size·φ(x) (− for NO),
 *   gamma = size·φ(x)/(vol·s) (0 when vol = 0), vega = size·φ(x)·s, theta = −size·φ(x)·vol/(2s)/24
 *   per hour. Only delta changes sign for NO. A settled contract (price exactly 0 or 1) has all
 *   Greeks 0 (Horizon would report a 1 % contract's).
 * - `"digital"`: a zero-rate cash-or-nothing digital on a latent S = 1, τ = tHours / 8760 years,
 *   d2 = Φ⁻¹(YES price); NO positions get the negated YES Greeks. Delta is ∂value/∂S per unit of S.
 *
 * See docs/concepts.md ("Greeks") for what the numbers mean to a trader.
 */
export type GreeksModel = "horizon" | "digital";

/** The models in wire order (the engine's model code is the index). @internal */
export const GREEKS_MODELS: readonly GreeksModel[] = ["horizon", "digital"];

/**
 * Greeks of a position (per-share Greeks × size), in money of the contract's currency.
 *
 * In the default `"horizon"` model (see {@link GreeksModel}): 100 YES shares at 0.60, 24 h, vol 0.2
 * have delta 38.63, i.e. the position gains about $0.386 per +0.01 move of the price's probit score
 * x = Φ⁻¹(price) — near p = 0.6 that is about $1 per +1 cent of price, since dp = φ(x)·dx and
 * 100·dp = delta·dx.
 */
export interface PredictionGreeks {
  /**
   * Horizon: ∂value/∂x, money per unit of the probit score x = Φ⁻¹(price) (size·φ(x), − for NO).
   * Digital: ∂value/∂S of the latent S (S = 1 now), money per unit of S.
   */
  delta: number;
  /** Horizon: size·φ(x)/(vol·√days), money per unit of x per unit of vol·√days. Digital: ∂²value/∂S². */
  gamma: number;
  /** Value change per hour of time decay (money per hour; negative = the position loses value as time passes). */
  theta: number;
  /** Horizon: size·φ(x)·√days, money per 1.00 of vol. Digital: ∂value/∂σ per 1.00 of annualised volatility. */
  vega: number;
}

/** Options of `metrics()`. */
export interface MetricsOptions extends LongOperationOptions {
  /** Monte Carlo scenarios, an integer in [1, MAX_SIMULATIONS]. Default 10 000. */
  nSimulations?: number;
  /** Integer seed in [0, 2^53 − 1]. Default: drawn at random and returned as `seed`. */
  seed?: number;
  /**
   * Hours to resolution for the Greeks of positions without a `resolvesAt` (≥ 0). Default 24.
   * A position with `resolvesAt` uses its own: max(0, resolvesAt − asOf) / 3 600 000.
   */
  tHours?: number;
  /**
   * "Now" for the positions' own times to resolution (`resolvesAt`): ms since the Unix epoch, a
   * valid `Date` or an ISO 8601 string with an offset. Default `Date.now()`.
   */
  asOf?: number | string | Date;
  /** Volatility of the latent variable for the Greeks (≥ 0; 0 is the σ → 0 limit, as in {@link predictionGreeks}). Default 0.2. */
  vol?: number;
  /** Greeks model: `"horizon"` (default, Horizon SDK parity) or `"digital"`. See {@link GreeksModel}. */
  greeksModel?: GreeksModel;
  /** Held-side price changes that correlate outcomes (else the recorded prices, if long enough). */
  returnsHistory?: ReturnsHistory;
  /**
   * YES probabilities by market (default: the current prices). Keys may also be markets of a
   * defined event that are not held (they set that outcome's state probability).
   */
  probs?: Record<string, number>;
  /** N×N correlation between positions' held sides (positions() order); wins over any history. */
  correlation?: ReadonlyArray<ArrayLike<number>>;
}

/** What `metrics()` returns. Money in the contracts' currency; positive VaR/CVaR/maxLoss = loss. */
export interface PortfolioMetrics extends PnlStats {
  /** Positions held (including zero-size ones). */
  numPositions: number;
  /** Σ size × currentPrice. */
  totalValue: number;
  /** Σ (value − cost). */
  totalPnl: number;
  /** totalPnl / Σ cost (0 when nothing was paid). */
  totalPnlPct: number;
  /** HHI of value shares. */
  concentration: number;
  /** Position Greeks by market (per-share Greeks × size); every id an own key, in the key order described at `Weights`. */
  greeks: Record<string, PredictionGreeks>;
  /**
   * Correlation used by the copula (rows = `correlationMarkets`) — the repaired matrix when the given
   * one was not positive semi-definite — or null when outcomes are independent.
   */
  correlationMatrix: number[][] | null;
  /** Ledoit-Wolf covariance of the history (rows = `correlationMarkets`), or null without a history. */
  covarianceMatrix: number[][] | null;
  /** Markets of the matrix rows: the positions with size > 0, in positions() order. */
  correlationMarkets: string[];
  /** Ledoit-Wolf shrinkage intensity of the history (0 when no history was used). */
  shrinkageIntensity: number;
  /** True when the given correlation was not positive semi-definite and was repaired. */
  correlationRepaired: boolean;
  /** The seed used (pass it back to reproduce the run). */
  seed: number;
  /** Scenarios simulated. */
  nSimulations: number;
  /** Hours to resolution used for the Greeks of positions without `resolvesAt` (the `tHours` option). */
  tHours: number;
  /** Hours to resolution used for each position's Greeks, keyed like `greeks`. */
  tHoursByMarket: Record<string, number>;
  /**
   * The `asOf` time used (ms since the Unix epoch): the option, else the time of the call when some
   * position has a `resolvesAt`; null when neither (then nothing depends on the clock, and the same
   * seed gives identical results).
   */
  asOf: number | null;
  /** Volatility used for the Greeks. */
  vol: number;
  /** Greeks model used. */
  greeksModel: GreeksModel;
  /** Exact results per defined event, keyed by event id (a null-prototype object). */
  events: Record<string, EventMetrics>;
  /**
   * Exact worst-case loss of the whole portfolio over every possible joint outcome (positive =
   * loss): each event in its worst state, every other position losing. Not simulated.
   */
  worstCaseLoss: number;
}

/** What `metrics()` needs from a portfolio. @internal */
export interface MetricsInput {
  positions: Position[];
  totalValue: number;
  totalPnl: number;
  totalPnlPct: number;
  concentration: number;
  /** History restricted to the given markets (argument or recorded), or undefined. */
  history: (ids: readonly string[]) => HistoryMatrix | undefined;
  /** The portfolio's events (none when omitted). */
  events?: readonly EventDefinition[];
}

/** A uniformly random integer seed in [0, 2^53). */
export function randomSeed(): number {
  const words = new Uint32Array(2);
  globalThis.crypto.getRandomValues(words);
  return (words[0]! & 0x1fffff) * 2 ** 32 + words[1]!;
}

function isYes(side: Side): number {
  return side === "yes" ? 1 : 0;
}

/** Computes the metrics of a portfolio snapshot. @internal */
export async function computeMetrics(input: MetricsInput, options: MetricsOptions, engine: EngineBackend): Promise<PortfolioMetrics> {
  const o = check.options(options, "options");
  const nSimulations = check.integerInRange(o.nSimulations ?? 10_000, "nSimulations", 1, MAX_SIMULATIONS, "LIMIT_EXCEEDED");
  const seed = o.seed === undefined ? randomSeed() : check.integerInRange(o.seed, "seed", 0, Number.MAX_SAFE_INTEGER);
  const tHours = check.nonNegative(o.tHours ?? 24, "tHours");
  const givenAsOf = o.asOf === undefined ? undefined : toTime(o.asOf, "asOf");
  // vol = 0 is the σ → 0 limit, as predictionGreeks gives (they agree on every input).
  const vol = check.nonNegative(o.vol ?? 0.2, "vol");
  const greeksModel = check.oneOf(o.greeksModel ?? "horizon", GREEKS_MODELS, "greeksModel");
  checkSignal(o.signal);
  if (o.onProgress !== undefined && typeof o.onProgress !== "function") fail("INVALID_ARGUMENT", "onProgress must be a function", { field: "onProgress" });
  throwIfAborted(o.signal);

  const positions = input.positions;
  const index = new Map(positions.map((p, i) => [p.marketId, i]));
  const winProbs = positions.map((p) => p.currentPrice);
  const eventDefs = input.events ?? [];
  const eventMarkets = new Set(eventDefs.flatMap((d) => d.markets));
  const yesProbs = new Map<string, number>();
  if (o.probs !== undefined) {
    const probs = check.plainObject(o.probs, "probs");
    for (const [id, q] of Object.entries(probs)) {
      const i = index.get(id);
      if (i === undefined && !eventMarkets.has(id)) fail("UNKNOWN_MARKET", `probs: market "${id}" is not held (nor listed in an event)`, { marketId: id, field: "probs" });
      const yes = check.probability(q, "probs", id);
      yesProbs.set(id, yes);
      if (i !== undefined) winProbs[i] = positions[i]!.side === "yes" ? yes : 1 - yes;
    }
  }
  // Events: state probabilities, then each held member wins with its state's probability.
  const events = resolveEvents(eventDefs, (id) => {
    const i = index.get(id);
    return i === undefined ? undefined : positions[i]!.side === "yes" ? positions[i]!.currentPrice : 1 - positions[i]!.currentPrice;
  }, yesProbs);
  for (const e of events) {
    e.outcomes.forEach((m, k) => {
      const i = m === null ? undefined : index.get(m);
      if (i !== undefined) winProbs[i] = positions[i]!.side === "yes" ? e.probs[k]! : Math.max(0, 1 - e.probs[k]!);
    });
  }
  const active = positions.flatMap((p, i) => (p.size > 0 ? [i] : []));
  const activeIds = active.map((i) => positions[i]!.marketId);
  const n = active.length;

  let correlation: Float64Array | undefined;
  if (o.correlation !== undefined) {
    const c = o.correlation;
    if (!Array.isArray(c) || c.length !== positions.length) {
      fail("INVALID_ARGUMENT", `correlation must be a ${positions.length}×${positions.length} matrix (positions() order)`, { field: "correlation" });
    }
    checkCovarianceMarkets(n, "correlation");
    const full = positions.length;
    // Index loops, not forEach(): the holes of a sparse array are missing rows, not nothing.
    for (let i = 0; i < full; i++) {
      const row = c[i] as ArrayLike<number> | undefined;
      if (row === null || typeof row !== "object" || row.length !== full) {
        fail("INVALID_ARGUMENT", `correlation row ${i} (market "${positions[i]!.marketId}") must have ${full} entries, got ${check.show(row)}`, { marketId: positions[i]!.marketId, field: "correlation" });
      }
      for (let j = 0; j < full; j++) {
        const v = row[j];
        if (typeof v !== "number" || !Number.isFinite(v)) {
          fail("INVALID_ARGUMENT", `correlation[${i}][${j}] (markets "${positions[i]!.marketId}", "${positions[j]!.marketId}") must be a finite number, got ${check.show(v)}`, { field: "correlation" });
        }
      }
    }
    correlation = new Float64Array(n * n);
    active.forEach((i, a) => active.forEach((j, b) => (correlation![a * n + b] = (c[i] as ArrayLike<number>)[j]!)));
  }
  const history = o.correlation === undefined || o.returnsHistory !== undefined ? input.history(activeIds) : undefined;

  // Greeks of every position (zero-size ones are simply zero), each at its own time to resolution.
  const asOf = givenAsOf ?? (positions.some((p) => p.resolvesAt !== undefined) ? Date.now() : null);
  const hours = positions.map((p) => (p.resolvesAt === undefined || asOf === null ? tHours : Math.max(0, p.resolvesAt - asOf) / 3.6e6));
  const greeksFlat = await engine.call(
    "predictionGreeksBatch",
    new Float64Array(positions.map((p) => p.currentPrice)),
    new Float64Array(positions.map((p) => p.size)),
    new Uint8Array(positions.map((p) => isYes(p.side))),
    new Float64Array(hours),
    vol,
    GREEKS_MODELS.indexOf(greeksModel),
  );
  const greeks = check.record(
    positions.map((p, i) => [p.marketId, { delta: greeksFlat[4 * i]!, gamma: greeksFlat[4 * i + 1]!, theta: greeksFlat[4 * i + 2]!, vega: greeksFlat[4 * i + 3]! }] as const),
  );

  let covarianceMatrix: number[][] | null = null;
  let shrinkageIntensity = 0;
  if (history && n > 0) {
    const out = await engine.callAbortable(o.signal, "historyCorrelation", history.data, history.rows, history.cols);
    shrinkageIntensity = out[0]!;
    covarianceMatrix = toRows(out, n, 1);
    correlation ??= out.slice(1 + n * n);
  }

  // Exact per-event results and worst case, over every position (size 0 contributes 0).
  const exact = await engine.call(
    "eventOutcomes",
    new Float64Array(positions.map((p) => p.size)),
    new Float64Array(positions.map((p) => p.entryPrice)),
    ...eventArgs(encodeEvents(events, positions.map((p) => p.marketId), positions.map((p) => p.side === "yes"))),
  );
  const eventMetrics: Record<string, EventMetrics> = Object.create(null);
  let at = 1;
  for (const e of events) {
    const [worst, best, expected] = [exact[at]!, exact[at + 1]!, exact[at + 2]!];
    at += 3;
    eventMetrics[e.eventId] = {
      markets: [...e.markets],
      states: e.outcomes.map((outcome, k) => ({ outcome, probability: e.probs[k]!, pnl: exact[at + k]! })),
      worstCaseLoss: -worst + 0,
      bestCaseGain: best + 0,
      expectedPnl: expected,
      overround: e.overround,
    };
    at += e.probs.length;
  }

  const base = {
    events: eventMetrics,
    worstCaseLoss: -exact[0]! + 0,
    numPositions: positions.length,
    totalValue: input.totalValue,
    totalPnl: input.totalPnl,
    totalPnlPct: input.totalPnlPct,
    concentration: input.concentration,
    greeks,
    correlationMatrix: correlation && n > 0 ? toRows(correlation, n) : null,
    covarianceMatrix,
    correlationMarkets: activeIds,
    shrinkageIntensity,
    seed,
    nSimulations,
    tHours,
    tHoursByMarket: check.record(positions.map((p, i) => [p.marketId, hours[i]!] as const)),
    asOf,
    vol,
    greeksModel,
  };
  if (n === 0) {
    o.onProgress?.(nSimulations, nSimulations);
    const zeros: PnlStats = { expectedPnl: 0, var95: 0, cvar95: 0, var99: 0, cvar99: 0, winProbability: 0, maxLoss: 0, maxGain: 0, pnlHistogram: { edges: [], counts: [] } };
    return { ...base, ...zeros, correlationRepaired: false };
  }
  const job: SimulationJob = {
    sizes: new Float64Array(active.map((i) => positions[i]!.size)),
    entryPrices: new Float64Array(active.map((i) => positions[i]!.entryPrice)),
    winProbs: new Float64Array(active.map((i) => winProbs[i]!)),
    correlation: correlation ?? new Float64Array(0),
    seed,
    nSimulations,
    ...(events.length > 0
      ? { events: encodeEvents(events, activeIds, active.map((i) => positions[i]!.side === "yes")) }
      : {}),
  };
  const sim = await engine.simulateStats(job, HISTOGRAM_BINS, { signal: o.signal, onProgress: o.onProgress });
  const stats = parseStats(sim.stats);
  const correlationMatrix = sim.repairedCorrelation ? toRows(sim.repairedCorrelation, n) : base.correlationMatrix;
  return { ...base, ...stats, correlationMatrix, correlationRepaired: sim.correlationRepaired };
}

/** Options of {@link predictionGreeks}. */
export interface GreeksInput {
  /** Price per share of the held side, in [0, 1]. */
  price: number;
  /** Shares held (≥ 0). Default 1. */
  size?: number;
  /** Held side. Default `"yes"`. */
  side?: Side;
  /** Hours to resolution (≥ 0). Default 24. */
  tHours?: number;
  /** Volatility (≥ 0). Default 0.2. With 0: all zeros in the digital model; gamma and theta 0 in Horizon's. */
  vol?: number;
  /** Greeks model: `"horizon"` (default) or `"digital"`. See {@link GreeksModel}. */
  model?: GreeksModel;
  /** Where to compute. Default `"worker"` (the shared engine). */
  runtime?: Runtime;
}

/** Largest number of positions in one batch {@link predictionGreeks} call. */
export const MAX_GREEKS_BATCH = 10_000_000;

/**
 * Greeks of one binary contract position in the chosen {@link GreeksModel} (default `"horizon"`,
 * the Horizon SDK's `prediction_greeks`; `"digital"` = zero-rate cash-or-nothing digital).
 *
 * With an array of inputs, the Greeks of every position in input order, computed in one engine call
 * per distinct (tHours, vol, model) — e.g. 10 000 positions in about a millisecond. Every entry is
 * validated first (a bad entry rejects the whole call; the error's field names its index).
 *
 * Both forms run on the calling thread's wasm even in the worker runtime: a closed form costs
 * microseconds, a worker round-trip ~0.25 ms, and the numbers are bit-identical (same module).
 *
 * @example
 * ```ts
 * const g = await predictionGreeks({ price: 0.6, size: 100, side: "yes", tHours: 24, vol: 0.2 });
 * // g.delta ≈ 38.634, g.gamma ≈ 193.17, g.vega ≈ 38.634, g.theta ≈ −0.16098 (per hour)
 * const [a, b] = await predictionGreeks([{ price: 0.6 }, { price: 0.3, side: "no" }]);
 * ```
 */
export async function predictionGreeks(input: GreeksInput): Promise<PredictionGreeks>;
export async function predictionGreeks(input: readonly GreeksInput[]): Promise<PredictionGreeks[]>;
export async function predictionGreeks(input: GreeksInput | readonly GreeksInput[]): Promise<PredictionGreeks | PredictionGreeks[]> {
  if (Array.isArray(input)) return predictionGreeksMany(input as readonly GreeksInput[]);
  const g = greeksArgs(input as GreeksInput, "");
  const out = await backendFor(g.runtime, undefined).call("predictionGreeks", g.price, g.size, g.yes, g.tHours, g.vol, g.model);
  return { delta: out[0]!, gamma: out[1]!, theta: out[2]!, vega: out[3]! };
}

interface CheckedGreeksInput {
  price: number;
  size: number;
  yes: boolean;
  tHours: number;
  vol: number;
  model: number;
  runtime: Runtime;
}

/** Validates one {@link GreeksInput}; `at` prefixes field names in errors (e.g. `"[3]."`). */
function greeksArgs(input: GreeksInput, at: string): CheckedGreeksInput {
  if (typeof input !== "object" || input === null) fail("INVALID_ARGUMENT", `predictionGreeks expects an options object${at ? ` at ${at}` : ""}`, { field: at ? `${at}input` : "input" });
  const price = check.price(input.price, `${at}price`);
  const size = check.size(input.size ?? 1, `${at}size`);
  const sideRaw = typeof input.side === "string" ? input.side.toLowerCase() : input.side ?? "yes";
  if (sideRaw !== "yes" && sideRaw !== "no") fail("INVALID_ARGUMENT", `side must be "yes" or "no", got ${check.show(input.side)}`, { field: `${at}side` });
  const tHours = check.nonNegative(input.tHours ?? 24, `${at}tHours`);
  const vol = check.nonNegative(input.vol ?? 0.2, `${at}vol`);
  const model = GREEKS_MODELS.indexOf(check.oneOf(input.model ?? "horizon", GREEKS_MODELS, `${at}model`));
  const runtime = check.oneOf(input.runtime ?? "worker", ["worker", "inline"] as const, `${at}runtime`);
  return { price, size, yes: sideRaw === "yes", tHours, vol, model, runtime };
}

/** The array form of {@link predictionGreeks}: one batch engine call per (tHours, vol, model, runtime). */
async function predictionGreeksMany(inputs: readonly GreeksInput[]): Promise<PredictionGreeks[]> {
  const n = inputs.length;
  if (n > MAX_GREEKS_BATCH) fail("LIMIT_EXCEEDED", `predictionGreeks: at most ${MAX_GREEKS_BATCH} positions per call, got ${n}`, { field: "input" });
  // Validated straight into typed arrays: per-entry objects and field-name strings would cost more
  // than the Greeks themselves (the slow path builds them only to throw the precise error).
  const price = new Float64Array(n);
  const size = new Float64Array(n);
  const yes = new Uint8Array(n);
  const tHours = new Float64Array(n);
  const vol = new Float64Array(n);
  const model = new Uint8Array(n);
  const inline = new Uint8Array(n);
  let uniform = true;
  for (let i = 0; i < n; i++) {
    const x = inputs[i] as GreeksInput;
    const fast =
      typeof x === "object" && x !== null &&
      typeof x.price === "number" && x.price >= 0 && x.price <= 1 &&
      (x.size === undefined || (typeof x.size === "number" && x.size >= 0 && x.size <= MAX_POSITION_SIZE)) &&
      (x.side === undefined || x.side === "yes" || x.side === "no") &&
      (x.tHours === undefined || (typeof x.tHours === "number" && x.tHours >= 0 && x.tHours < Infinity)) &&
      (x.vol === undefined || (typeof x.vol === "number" && x.vol >= 0 && x.vol < Infinity)) &&
      (x.model === undefined || x.model === "horizon" || x.model === "digital") &&
      (x.runtime === undefined || x.runtime === "worker" || x.runtime === "inline");
    if (fast) {
      price[i] = x.price;
      size[i] = x.size ?? 1;
      yes[i] = x.side === "no" ? 0 : 1;
      tHours[i] = x.tHours ?? 24;
      vol[i] = x.vol ?? 0.2;
      model[i] = x.model === "digital" ? 1 : 0;
      inline[i] = x.runtime === "inline" ? 1 : 0;
    } else {
      const g = greeksArgs(x, `[${i}].`); // throws on bad input; also accepts e.g. side "YES"
      price[i] = g.price;
      size[i] = g.size;
      yes[i] = g.yes ? 1 : 0;
      tHours[i] = g.tHours;
      vol[i] = g.vol;
      model[i] = g.model;
      inline[i] = g.runtime === "inline" ? 1 : 0;
    }
    if (uniform && i > 0 && (vol[i] !== vol[0] || model[i] !== model[0] || inline[i] !== inline[0])) uniform = false;
  }
  const flatOut = new Float64Array(4 * n);
  const run = async (idx: Int32Array | undefined) => {
    const at = idx ? idx[0]! : 0;
    const pick = (a: Float64Array) => (idx ? Float64Array.from(idx, (i) => a[i]!) : a);
    const flat = await backendFor(inline[at] ? "inline" : "worker", undefined).call(
      "predictionGreeksBatch",
      pick(price),
      pick(size),
      idx ? Uint8Array.from(idx, (i) => yes[i]!) : yes,
      pick(tHours), // hours per position
      vol[at]!,
      model[at]!,
    );
    if (!idx) flatOut.set(flat);
    else idx.forEach((i, k) => flatOut.set(flat.subarray(4 * k, 4 * k + 4), 4 * i));
  };
  if (n > 0 && uniform) await run(undefined);
  else {
    // Group by the batch binding's shared parameters (vol, model, runtime), keeping input order within each group.
    const groups = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      const key = `${vol[i]}|${model[i]}|${inline[i]}`;
      const list = groups.get(key);
      if (list) list.push(i);
      else groups.set(key, [i]);
    }
    for (const list of groups.values()) await run(Int32Array.from(list));
  }
  const out = new Array<PredictionGreeks>(n);
  for (let i = 0; i < n; i++) out[i] = { delta: flatOut[4 * i]!, gamma: flatOut[4 * i + 1]!, theta: flatOut[4 * i + 2]!, vega: flatOut[4 * i + 3]! };
  return out;
}

/** The event encoding as the engine functions' trailing arguments. @internal */
export function eventArgs(e: EventEncoding): [Uint8Array, Int32Array, Uint32Array, Float64Array, Uint32Array] {
  return [e.isYes, e.eventOf, e.stateOf, e.eventProbs, e.eventSizes];
}
