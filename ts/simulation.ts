// Running Monte Carlo blocks. Scenarios are cut into fixed blocks (BLOCK_SIZE, set by the engine),
// each with its own seeded random stream, so the P&L of every scenario — and therefore every
// statistic — is the same whoever computes which block. This module runs them on the current
// thread in chunks (so V8 tiers the wasm up, progress is reported and aborts are honoured).
import { fail } from "./errors.js";
import { callEngine, wasm, type WasmEngine } from "./wasm.js";
import type { EventEncoding } from "./events.js";

/** Inputs of one Monte Carlo run (positions with size 0 already removed). */
export interface SimulationJob {
  sizes: Float64Array;
  entryPrices: Float64Array;
  /** Held-side win probabilities. */
  winProbs: Float64Array;
  /** N×N correlation between held sides, row-major; empty = independent outcomes. */
  correlation: Float64Array;
  seed: number;
  nSimulations: number;
  /** Events among the markets (absent: every market independent). */
  events?: EventEncoding;
}

/** Cancellation and progress for long operations. */
export interface LongOperationOptions {
  /** Aborting rejects the call with an error named `"AbortError"` and stops the remaining work. */
  signal?: AbortSignal;
  /** Called with (scenarios done, total), monotonically increasing, ending at (total, total). */
  onProgress?: (done: number, total: number) => void;
}

/** Scenario P&L in scenario order, plus what the engine reported about the correlation. */
export interface SimulationOutput {
  pnl: Float64Array;
  correlationRepaired: boolean;
  minEigenvalue: number;
  /** The repaired correlation (N×N row-major) when `correlationRepaired`. */
  repairedCorrelation?: Float64Array;
}

/** The standard abort error for an aborted `signal`: its reason if that is an `AbortError`, else a new one. */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === "AbortError") return reason;
  return new DOMException("the operation was aborted", "AbortError");
}

/** Throws the standard abort error when `signal` is aborted. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError(signal);
}

/**
 * Rejects anything but an `AbortSignal` (or undefined) with `INVALID_ARGUMENT`. Duck-typed rather
 * than `instanceof`, so signals of another realm (a test DOM, an iframe) are accepted; both
 * runtimes check it, so an object that merely has `aborted` fails the same way everywhere instead
 * of as a TypeError inside the worker backend.
 */
export function checkSignal(signal: unknown): asserts signal is AbortSignal | undefined {
  if (signal === undefined) return;
  const s = signal as Partial<AbortSignal> | null;
  if (
    typeof s !== "object" ||
    s === null ||
    typeof s.aborted !== "boolean" ||
    typeof s.addEventListener !== "function" ||
    typeof s.removeEventListener !== "function"
  ) {
    fail("INVALID_ARGUMENT", "signal must be an AbortSignal", { field: "signal" });
  }
}

/** Gives the event loop a turn (timers, abort events) without the 4 ms clamp of nested timeouts. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Blocks per wasm call: at most ~4M scenario·markets (a few milliseconds: long enough for V8 to
 * tier the code up and to amortise a worker round trip, short enough for prompt aborts), and at
 * most 1/8 of the run so progress is reported and work spreads evenly over a pool.
 */
export function blocksPerChunk(blockSize: number, markets: number, nBlocks: number): number {
  return Math.max(1, Math.min(Math.floor(2 ** 22 / (blockSize * Math.max(1, markets))), Math.ceil(nBlocks / 8)));
}

/** Runs a whole simulation on this thread. */
export async function simulateInline(job: SimulationJob, control: LongOperationOptions = {}): Promise<SimulationOutput> {
  checkSignal(control.signal);
  throwIfAborted(control.signal);
  const e = await wasm();
  // Building the simulation (the copula factor, and the eigen repair of an indefinite correlation)
  // is one synchronous wasm call on this thread: an abort meanwhile takes effect when it returns.
  const sim = callEngine(e, (x) => newSimulation(x, job));
  try {
    const pnl = new Float64Array(job.nSimulations);
    const blockSize = e.blockSize();
    const nBlocks = Math.ceil(job.nSimulations / blockSize);
    const step = blocksPerChunk(blockSize, job.sizes.length, nBlocks);
    let lastYield = Date.now();
    for (let b = 0; b < nBlocks; b += step) {
      throwIfAborted(control.signal);
      const chunk = callEngine(e, () => sim.simulate(job.seed, job.nSimulations, b, Math.min(step, nBlocks - b)));
      pnl.set(chunk, b * blockSize);
      const done = Math.min(job.nSimulations, (b + step) * blockSize);
      control.onProgress?.(done, job.nSimulations);
      if (Date.now() - lastYield > 20 && done < job.nSimulations) {
        await yieldToEventLoop();
        lastYield = Date.now();
      }
    }
    throwIfAborted(control.signal);
    const repaired = sim.repaired;
    return { pnl, correlationRepaired: repaired, minEigenvalue: sim.minEigenvalue, repairedCorrelation: repaired ? sim.usedCorrelation() : undefined };
  } finally {
    try {
      sim.free();
    } catch {
      // only fails after an engine trap, whose error is the one worth reporting
    }
  }
}

/** A run's statistics (the engine's `summarizePnl` format, see {@link parseStats}) and what the engine reported about the correlation. */
export interface SimulationStats {
  /** `[expected, var95, cvar95, var99, cvar99, winProbability, maxLoss, maxGain, edges…, counts…]`. */
  stats: Float64Array;
  /** Whether the correlation had to be repaired (it was not positive semi-definite). */
  correlationRepaired: boolean;
  /** Smallest eigenvalue of the correlation as given (1 when independent). */
  minEigenvalue: number;
  /** The repaired correlation (N×N row-major) when `correlationRepaired`. */
  repairedCorrelation?: Float64Array;
}

/**
 * Runs above `threshold` scenarios are summarised by streaming (memory independent of the number
 * of scenarios: per worker the worst 5 % plus a few blocks; two passes over the blocks), smaller
 * ones from the whole P&L array (one pass, 8 bytes per scenario). Both give bit-identical
 * statistics (see rust/src/streaming.rs), so this is only a speed/memory trade-off; tests lower it.
 * @internal
 */
export const streamingSettings = { threshold: 1_000_000 };

/** Whether a run of `n` scenarios is summarised by streaming. @internal */
export function streams(n: number): boolean {
  return n > streamingSettings.threshold;
}

/**
 * Progress of a two-pass (streamed) run as one monotone count: half a scenario per scenario and
 * pass, reported only when it grows, ending at (total, total).
 * @internal
 */
export function twoPassProgress(total: number, onProgress?: (done: number, total: number) => void): (pass1: number, pass2: number) => void {
  let last = -1;
  return (a, b) => {
    const d = Math.floor((a + b) / 2);
    if (d > last) {
      last = d;
      onProgress?.(d, total);
    }
  };
}

/** Simulates `job` and summarises its P&L into `bins` histogram bins, on this thread. */
export async function simulateStatsInline(job: SimulationJob, bins: number, control: LongOperationOptions = {}): Promise<SimulationStats> {
  if (!streams(job.nSimulations)) {
    const sim = await simulateInline(job, control);
    const e = await wasm();
    const stats = callEngine(e, (x) => x.summarizePnl(sim.pnl, bins));
    throwIfAborted(control.signal);
    return { stats, correlationRepaired: sim.correlationRepaired, minEigenvalue: sim.minEigenvalue, repairedCorrelation: sim.repairedCorrelation };
  }
  checkSignal(control.signal);
  throwIfAborted(control.signal);
  const e = await wasm();
  const sim = callEngine(e, (x) => newSimulation(x, job));
  try {
    const total = job.nSimulations;
    const blockSize = e.blockSize();
    const nBlocks = Math.ceil(total / blockSize);
    const step = blocksPerChunk(blockSize, job.sizes.length, nBlocks);
    const progress = twoPassProgress(total, control.onProgress);
    const sums = new Float64Array(2 * nBlocks);
    const counts = new Float64Array(Math.max(1, bins));
    let lastYield = Date.now();
    let range: Float64Array | undefined;
    for (const pass of [1, 2] as const) {
      for (let b = 0; b < nBlocks; b += step) {
        throwIfAborted(control.signal);
        const nb = Math.min(step, nBlocks - b);
        if (pass === 1) {
          sums.set(callEngine(e, () => sim.accumulate(job.seed, total, b, nb)), 2 * b);
        } else {
          const c = callEngine(e, () => sim.histogram(job.seed, total, b, nb, range![2]!, range![3]!, bins));
          for (let k = 0; k < c.length; k++) counts[k]! += c[k]!;
        }
        const done = Math.min(total, (b + nb) * blockSize);
        progress(pass === 1 ? done : total, pass === 1 ? 0 : done);
        if (Date.now() - lastYield > 20) {
          await yieldToEventLoop();
          lastYield = Date.now();
        }
      }
      if (pass === 1) range = sim.summaryRange();
    }
    throwIfAborted(control.signal);
    const stats = callEngine(e, () => sim.finishStats(total, bins, sums, counts));
    const repaired = sim.repaired;
    return { stats, correlationRepaired: repaired, minEigenvalue: sim.minEigenvalue, repairedCorrelation: repaired ? sim.usedCorrelation() : undefined };
  } finally {
    try {
      sim.free();
    } catch {
      // only fails after an engine trap, whose error is the one worth reporting
    }
  }
}

/**
 * Statistics of a scenario P&L sample (scenario P&L = Σ size × (payout − entryPrice), in the
 * contracts' currency). VaR/CVaR use the skfolio/Riskfolio definition; positive = loss.
 */
export interface PnlStats {
  /** Mean scenario P&L at resolution, against cost basis. */
  expectedPnl: number;
  /** Value at risk at 95%: −r(i), i = max(0, ⌈0.05·n⌉ − 1) of the sorted scenario P&L r. */
  var95: number;
  /** Conditional VaR (expected shortfall) at 95%: the mean loss of the worst 5% of scenarios. */
  cvar95: number;
  /** Value at risk at 99%. */
  var99: number;
  /** Conditional VaR at 99%. */
  cvar99: number;
  /** Share of scenarios with P&L > 0. */
  winProbability: number;
  /** −(worst scenario P&L). */
  maxLoss: number;
  /** Best scenario P&L. */
  maxGain: number;
  /** Scenario P&L histogram (50 equal-width bins): `edges` has one more entry than `counts`. */
  pnlHistogram: {
    /** Bin edges in P&L units, ascending (bins + 1 values; the last bin is closed). */
    edges: number[];
    /** Scenarios per bin (they sum to nSimulations). */
    counts: number[];
  };
}

/** Decodes the engine's `summarizePnl` output. */
export function parseStats(s: Float64Array): PnlStats {
  const nb = s.length > 8 ? (s.length - 9) / 2 : -1; // -1: no histogram (no scenarios)
  if (!Number.isInteger(nb)) fail("ENGINE_FAILURE", "engine returned malformed statistics");
  return {
    expectedPnl: s[0]!,
    var95: s[1]!,
    cvar95: s[2]!,
    var99: s[3]!,
    cvar99: s[4]!,
    winProbability: s[5]!,
    maxLoss: s[6]!,
    maxGain: s[7]!,
    pnlHistogram: nb < 0 ? { edges: [], counts: [] } : { edges: Array.from(s.subarray(8, 9 + nb)), counts: Array.from(s.subarray(9 + nb)) },
  };
}

/** A prepared wasm Simulation of `job` (with its events, when it has some). @internal */
export function newSimulation(x: WasmEngine, job: Omit<SimulationJob, "seed" | "nSimulations">): InstanceType<WasmEngine["Simulation"]> {
  const ev = job.events;
  if (!ev) return new x.Simulation(job.sizes, job.entryPrices, job.winProbs, job.correlation);
  return x.Simulation.withEvents(job.sizes, job.entryPrices, job.winProbs, job.correlation, ev.isYes, ev.eventOf, ev.stateOf, ev.eventProbs, ev.eventSizes);
}
