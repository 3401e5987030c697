// Where engine work runs: inline (this thread) or a pool of workers. Portfolios talk to an
// EngineBackend and never know which.
import { transfer, wrap } from "comlink/dist/esm/comlink.mjs";
import type { Remote } from "comlink/dist/esm/comlink.mjs";
import { HzError, fail } from "./errors.js";
import { installErrorHandler, type EngineArgs, type EngineFunction, type EngineResult } from "./protocol.js";
import { availableCores, spawnWorker, type WorkerHandle } from "./runtime.js";
import {
  abortError,
  blocksPerChunk,
  checkSignal,
  simulateInline,
  simulateStatsInline,
  streams,
  throwIfAborted,
  twoPassProgress,
  type LongOperationOptions,
  type SimulationJob,
  type SimulationOutput,
  type SimulationStats,
} from "./simulation.js";
import { DRIVER_ON_CALLING_THREAD_MAX_MARKETS, joinAnswers, kellyJointInline, laneUnits, nextStep, unitArgs, type KellyJointArgs, type KellyStep } from "./kelly-joint.js";
import { options as checkOptions } from "./validate.js";
import { callEngine, requireWebAssembly, wasm, wasmPayload, workerUrl, type WasmEngine } from "./wasm.js";
import type { WorkerApi } from "./worker.js";

/** Where the engine runs: `"worker"` (default; off the main thread) or `"inline"` (same thread, same API). */
export type Runtime = "worker" | "inline";

/** The engine as seen by the facade. @internal */
export interface EngineBackend {
  readonly runtime: Runtime;
  call<K extends EngineFunction>(name: K, ...args: EngineArgs<K>): Promise<EngineResult<K>>;
  /**
   * Like `call`, abortable: an abort rejects at once with an `AbortError` (in the worker runtime
   * the busy worker is replaced; inline, a running engine function cannot be interrupted, so the
   * abort takes effect when it returns — except joint Kelly, which runs inline in unit calls of a
   * few tens of ms and stops between two).
   */
  callAbortable<K extends EngineFunction>(signal: AbortSignal | undefined, name: K, ...args: EngineArgs<K>): Promise<EngineResult<K>>;
  simulate(job: SimulationJob, control: LongOperationOptions): Promise<SimulationOutput>;
  /** Consumes `pnl`. */
  summarize(pnl: Float64Array, bins: number, signal?: AbortSignal): Promise<Float64Array>;
  /**
   * Simulates `job` and summarises it (`bins` histogram bins): from the whole P&L array for runs
   * up to `streamingSettings.threshold` scenarios, else streamed in memory independent of the
   * number of scenarios. Bit-identical either way.
   */
  simulateStats(job: SimulationJob, bins: number, control: LongOperationOptions): Promise<SimulationStats>;
  dispose(): Promise<void>;
}

/** Largest market count of an optimizer call that runs on the calling thread in the worker runtime. @internal */
export const CALLING_THREAD_MAX_MARKETS = 20;
/** Largest history (rows × markets) of such a call. @internal */
export const CALLING_THREAD_MAX_CELLS = 20_000;

/**
 * Whether an engine call is small enough to run on the calling thread's wasm even in the worker
 * runtime. Why: a worker round-trip costs ~0.25 ms (message, structured clone, scheduling) against
 * microseconds of work for closed forms and N ≤ 20 optimizers; the result is bit-identical since
 * it is the same wasm module. Exact joint Kelly runs inline only up to 10 markets (2^10 outcomes).
 * @internal
 */
export function runsOnCallingThread<K extends EngineFunction>(name: K, args: EngineArgs<K>): boolean {
  const a = args as unknown[];
  switch (name) {
    case "predictionGreeks":
    case "predictionGreeksBatch":
    case "kellyIndependent":
      return true;
    case "ledoitWolf":
    case "riskParity":
    case "minVariance":
    case "historyCorrelation": {
      const t = a[1] as number;
      const n = a[2] as number;
      return n <= CALLING_THREAD_MAX_MARKETS && t * n <= CALLING_THREAD_MAX_CELLS;
    }
    case "kellyJoint":
      return (a[0] as Float64Array).length <= 10 && (a[4] as Float64Array).length === 0;
    default:
      return false;
  }
}

/** Runs everything on the calling thread. */
class InlineBackend implements EngineBackend {
  readonly runtime = "inline" as const;
  call<K extends EngineFunction>(name: K, ...args: EngineArgs<K>): Promise<EngineResult<K>> {
    return this.callAbortable(undefined, name, ...args);
  }
  async callAbortable<K extends EngineFunction>(signal: AbortSignal | undefined, name: K, ...args: EngineArgs<K>): Promise<EngineResult<K>> {
    checkSignal(signal);
    throwIfAborted(signal);
    const e = await wasm();
    // Joint Kelly runs unit by unit (the same bits as the one-call function), so it can stop.
    if (name === "kellyJoint") return (await kellyJointInline(e, args as KellyJointArgs, signal)) as EngineResult<K>;
    const fn = e[name] as (...a: unknown[]) => EngineResult<K>;
    const out = callEngine(e, () => fn(...(args as unknown[])));
    // The wasm call ran to completion on this thread; an abort meanwhile still wins.
    throwIfAborted(signal);
    return out;
  }
  simulate(job: SimulationJob, control: LongOperationOptions): Promise<SimulationOutput> {
    return simulateInline(job, control);
  }
  simulateStats(job: SimulationJob, bins: number, control: LongOperationOptions): Promise<SimulationStats> {
    return simulateStatsInline(job, bins, control);
  }
  async summarize(pnl: Float64Array, bins: number, signal?: AbortSignal): Promise<Float64Array> {
    checkSignal(signal);
    throwIfAborted(signal);
    const e = await wasm();
    const out = callEngine(e, (x) => x.summarizePnl(pnl, bins));
    throwIfAborted(signal);
    return out;
  }
  async dispose(): Promise<void> {}
}

/** The inline backend (stateless, shared). */
export const inlineBackend: EngineBackend = new InlineBackend();

/**
 * One use of a worker: an engine call, or a whole lane of a job (a Monte Carlo run's prepare +
 * chunks, a joint-Kelly job's units and requests), which must stay on the worker holding the job's
 * state. `done` turns true when the caller got its answer (result, error, abort or worker
 * failure), so a lane stops sending work.
 */
interface Lease {
  done: boolean;
}

/**
 * A pool slot's worker. It exists synchronously from the moment it is chosen (the thread starts
 * asynchronously), so concurrent dispatch decisions see each other's leases.
 */
class PoolWorker {
  /** Leases in flight. The worker is idle when this is empty. */
  readonly leases = new Set<Lease>();
  /**
   * How each lease in flight is rejected if the worker dies. Entries are removed when their lease
   * settles, so nothing outlives its call: this replaces a race against a never-settling "dead"
   * promise, whose reactions kept every result ever returned by the worker reachable.
   */
  readonly onFailure = new Set<(error: HzError) => void>();
  /** Set once, when the worker died or was terminated. */
  failure: HzError | undefined;
  handle: WorkerHandle | undefined;
  /** The worker's API once its thread runs; rejects if it could not start. */
  ready!: Promise<Remote<WorkerApi>>;
  constructor(readonly index: number) {}
}

/** A promise with its resolve function exposed. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Ids of jobs keeping state on workers (simulations, joint Kelly): unique per process. */
let nextJobId = 1;

/**
 * A job's sticky hold on one worker: a lease held from its opening until the job ends, so that
 * state kept on the worker across several calls (keyed by the job id) stays reachable, and the
 * worker counts as busy for other callers meanwhile. Every `call` rejects as soon as the lease
 * does (abort, worker failure).
 */
interface Lane {
  readonly worker: PoolWorker;
  call<T>(fn: (api: Remote<WorkerApi>) => Promise<T>): Promise<T>;
}

/** What a worker's `prepare` returns. */
type PrepareInfo = Awaited<ReturnType<WorkerApi["prepare"]>>;

/**
 * A pool of engine workers. Workers start on first use, restart after a crash, and do not keep a
 * Node process alive while idle. A call goes to an idle worker (a running one first, else a new
 * one while the pool is below its size), else to the least busy one; Monte Carlo chunks are
 * spread over one lane per worker. Aborting a call rejects it at once and terminates its worker if
 * nobody else is using it (a running wasm function cannot be interrupted otherwise); the slot
 * restarts on its next use.
 */
export class WorkerPool implements EngineBackend {
  readonly runtime = "worker" as const;
  readonly #slots: Array<PoolWorker | undefined>;
  #disposed = false;

  constructor(readonly size: number) {
    this.#slots = new Array<PoolWorker | undefined>(size).fill(undefined);
    installErrorHandler();
  }

  /** Workers started and not dead (test hook). @internal */
  get liveWorkers(): number {
    return this.#slots.filter((w) => w !== undefined).length;
  }

  #start(i: number): PoolWorker {
    const w = new PoolWorker(i);
    this.#slots[i] = w;
    w.ready = (async () => {
      // The engine's bytes first: a wasm that cannot be loaded is WASM_LOAD_FAILED (naming its
      // URL), not a worker failure, and no thread is started for nothing.
      const payload = await wasmPayload();
      let handle: WorkerHandle;
      try {
        handle = await spawnWorker(workerUrl());
      } catch (err) {
        throw new HzError("WORKER_FAILED", `could not start engine worker ${i}: ${err instanceof Error ? err.message : String(err)}`);
      }
      w.handle = handle;
      if (w.failure) {
        // Killed (abort, shutdown) while its thread was starting.
        handle.terminate();
        throw w.failure;
      }
      handle.onExit((reason) => this.#fail(w, new HzError("WORKER_FAILED", `engine worker ${i} failed: ${reason}`)));
      this.#syncRef(w);
      const api = wrap<WorkerApi>(handle.endpoint);
      await api.start(payload);
      return api;
    })().catch((err: unknown) => {
      const error = err instanceof HzError ? err : new HzError("WORKER_FAILED", `could not start engine worker ${i}: ${err instanceof Error ? err.message : String(err)}`);
      // Failed first, then terminated: a Web Worker's terminate reports its exit synchronously,
      // which must not replace this error with a generic WORKER_FAILED.
      const running = !w.failure;
      this.#fail(w, error);
      if (running) w.handle?.terminate();
      throw error;
    });
    w.ready.catch(() => {});
    return w;
  }

  /** Marks `w` dead: its slot restarts on next use and every lease in flight rejects with `error`. */
  #fail(w: PoolWorker, error: HzError): void {
    if (w.failure) return;
    w.failure = error;
    if (this.#slots[w.index] === w) this.#slots[w.index] = undefined;
    for (const reject of w.onFailure) reject(error);
    w.onFailure.clear();
    w.leases.clear();
  }

  /**
   * Retires `w` at once (no new lease can reach it) and terminates its thread — after the current
   * task when `later`: a synchronous terminate can take a while (Deno joins the thread), and the
   * caller whose abort triggered it should get its rejection first.
   */
  #kill(w: PoolWorker, error: HzError, later = false): void {
    this.#fail(w, error);
    // Without a handle yet, `ready` terminates the thread as soon as it exists.
    if (later) setTimeout(() => w.handle?.terminate(), 0);
    else w.handle?.terminate();
  }

  /** Keeps the process alive exactly while the worker has leases (Node). */
  #syncRef(w: PoolWorker): void {
    if (!w.handle || w.failure) return;
    if (w.leases.size > 0) w.handle.ref();
    else w.handle.unref();
  }

  /**
   * The worker for a new lease, not one of `exclude`: an idle running worker, else a new one in an
   * empty slot, else (unless `idleOnly`) the least busy. Undefined when none qualifies.
   */
  #pick(exclude?: ReadonlySet<PoolWorker>, idleOnly = false): PoolWorker | undefined {
    if (this.#disposed) fail("INVALID_STATE", "the engine was shut down or the portfolio disposed");
    requireWebAssembly();
    let best: PoolWorker | undefined;
    let empty = -1;
    for (let i = 0; i < this.size; i++) {
      const w = this.#slots[i];
      if (!w) {
        if (empty < 0) empty = i;
      } else if (!exclude?.has(w)) {
        if (w.leases.size === 0) return w;
        if (!best || w.leases.size < best.leases.size) best = w;
      }
    }
    return empty >= 0 ? this.#start(empty) : idleOnly ? undefined : best;
  }

  /**
   * Runs `body` on worker `w` under a lease. The promise settles exactly once: with the body's
   * outcome, with WORKER_FAILED if the worker dies, or with an `AbortError` as soon as `signal`
   * aborts. Every listener it added (abort, worker failure) is removed when it settles.
   */
  #lease<T>(w: PoolWorker, signal: AbortSignal | undefined, body: (api: Remote<WorkerApi>, lease: Lease) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (w.failure) return reject(w.failure);
      if (signal?.aborted) return reject(abortError(signal));
      const lease: Lease = { done: false };
      const settle = (finish: () => void) => {
        if (lease.done) return;
        lease.done = true;
        w.leases.delete(lease);
        w.onFailure.delete(onFailure);
        signal?.removeEventListener("abort", onAbort);
        this.#syncRef(w);
        finish();
      };
      const onFailure = (error: HzError) => settle(() => reject(error));
      const onAbort = () => {
        settle(() => reject(abortError(signal!)));
        // The worker is still computing what nobody waits for now: replace it, unless another
        // caller is using it (its call would fail too; the abandoned work then just finishes).
        if (w.leases.size === 0 && !w.failure) this.#kill(w, new HzError("WORKER_FAILED", `engine worker ${w.index} was terminated after an abort`), true);
      };
      w.leases.add(lease);
      w.onFailure.add(onFailure);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#syncRef(w);
      w.ready.then((api) => (lease.done ? undefined : body(api, lease))).then(
        (v) => settle(() => resolve(v as T)),
        (e: unknown) => settle(() => reject(e)),
      );
    });
  }

  /**
   * A lane of the job that lasts until `ended` resolves, on `w` (see {@link Lane}). The lease's
   * rejection (abort, worker failure) rejects every call in flight and every later one.
   */
  #lane(w: PoolWorker, signal: AbortSignal | undefined, ended: Promise<void>): Lane {
    let gotApi!: (api: Remote<WorkerApi>) => void;
    const api = new Promise<Remote<WorkerApi>>((resolve) => (gotApi = resolve));
    // Rejections of the calls in flight, removed as each settles: a race against the lease per
    // call would keep every answer reachable until the job ends.
    const inFlight = new Set<(error: unknown) => void>();
    let lost: unknown;
    this.#lease(w, signal, (a) => {
      gotApi(a);
      return ended;
    }).then(
      () => (lost = new HzError("INVALID_STATE", "the job's lane was used after the job ended")),
      (error: unknown) => {
        lost = error;
        for (const reject of inFlight) reject(error);
        inFlight.clear();
      },
    );
    return {
      worker: w,
      call: <T>(fn: (api: Remote<WorkerApi>) => Promise<T>) =>
        new Promise<T>((resolve, reject) => {
          if (lost !== undefined) return reject(lost);
          inFlight.add(reject);
          api.then(fn).then(
            (v) => (inFlight.delete(reject), resolve(v)),
            (e: unknown) => (inFlight.delete(reject), reject(e)),
          );
        }),
    };
  }

  /**
   * Joint Kelly split across the pool (issue 17): the scenario units in contiguous ranges on up
   * to `size` workers (one lane each; idle workers only beyond the first), the optimiser on this
   * thread (or on the first lane for large books, see DRIVER_ON_CALLING_THREAD_MAX_MARKETS), and
   * this thread ferries each request to every lane and their answers, joined in unit order, to the
   * optimiser. Units and fold are fixed by the problem, so the result is the same bits for any
   * pool size. An abort rejects at once (the lanes' leases) and replaces the workers nobody else
   * uses; every worker still alive frees the job's state, whatever the outcome.
   */
  async #kellyJoint(signal: AbortSignal | undefined, args: KellyJointArgs): Promise<Float64Array> {
    const id = nextJobId++;
    let end!: () => void;
    const ended = new Promise<void>((resolve) => (end = resolve));
    const lanes: Lane[] = [this.#lane(this.#pick()!, signal, ended)];
    let local: InstanceType<WasmEngine["KellyJointDriver"]> | undefined;
    try {
      let start: () => Promise<KellyStep>;
      let answer: (answers: Float64Array) => Promise<KellyStep>;
      if (args[0].length <= DRIVER_ON_CALLING_THREAD_MAX_MARKETS) {
        const e = await wasm();
        const d = (local = callEngine(e, (x) => new x.KellyJointDriver(...args)));
        start = async () => nextStep(e, d);
        answer = async (answers) => (callEngine(e, () => d.answer(answers)), nextStep(e, d));
      } else {
        start = () => lanes[0]!.call((api) => api.kellyStart(id, args));
        answer = (answers) => lanes[0]!.call((api) => api.kellyAnswer(id, transfer(answers, [answers.buffer])));
      }
      let step = await start();
      if (step.result) return step.result;
      const n = step.units;
      const used = new Set([lanes[0]!.worker]);
      for (let k = 1; k < Math.min(this.size, n) && !this.#disposed; k++) {
        const w = this.#pick(used, true);
        if (!w) break;
        used.add(w);
        lanes.push(this.#lane(w, signal, ended));
      }
      const units = unitArgs(args);
      await Promise.all(
        lanes.map((lane, l) => {
          const [first, last] = laneUnits(n, lanes.length, l);
          return lane.call((api) => api.kellyUnits(id, units, first, last - first));
        }),
      );
      while (step.request) {
        throwIfAborted(signal);
        const request = step.request;
        step = await answer(joinAnswers(await Promise.all(lanes.map((lane) => lane.call((api) => api.kellySums(id, request))))));
      }
      throwIfAborted(signal);
      return step.result!;
    } finally {
      end();
      local?.free();
      for (const { worker: w } of lanes) if (!w.failure) w.ready.then((api) => api.release(id)).catch(() => {});
    }
  }

  call<K extends EngineFunction>(name: K, ...args: EngineArgs<K>): Promise<EngineResult<K>> {
    return this.callAbortable(undefined, name, ...args);
  }

  /**
   * Arguments are moved, not copied: every typed array the facade passes is built for this one
   * call, so its buffer is transferred to the worker (large histories cross the boundary once).
   */
  async callAbortable<K extends EngineFunction>(signal: AbortSignal | undefined, name: K, ...args: EngineArgs<K>): Promise<EngineResult<K>> {
    if (runsOnCallingThread(name, args)) return inlineBackend.callAbortable(signal, name, ...args);
    checkSignal(signal);
    throwIfAborted(signal);
    if (name === "kellyJoint") return (await this.#kellyJoint(signal, args as KellyJointArgs)) as EngineResult<K>;
    const w = this.#pick()!;
    const buffers = new Set<ArrayBuffer>();
    for (const a of args as unknown[]) if (ArrayBuffer.isView(a) && a.buffer instanceof ArrayBuffer && a.buffer.byteLength > 0) buffers.add(a.buffer);
    return this.#lease(w, signal, (api) => api.call(name, transfer(args, [...buffers])) as Promise<EngineResult<K>>);
  }

  async summarize(pnl: Float64Array, bins: number, signal?: AbortSignal): Promise<Float64Array> {
    checkSignal(signal);
    throwIfAborted(signal);
    return this.#lease(this.#pick()!, signal, (api) => api.summarize(transfer(pnl, [pnl.buffer]), bins));
  }

  async simulate(job: SimulationJob, control: LongOperationOptions): Promise<SimulationOutput> {
    const { signal, onProgress } = control;
    checkSignal(signal);
    throwIfAborted(signal);
    const id = nextJobId++;
    const total = job.nSimulations;
    const inputs = { sizes: job.sizes, entryPrices: job.entryPrices, winProbs: job.winProbs, correlation: job.correlation, events: job.events };
    const used = new Set<PoolWorker>();
    const first = this.#pick()!;
    used.add(first);
    let pnl = new Float64Array(0);
    let blockSize = 0;
    let nBlocks = 0;
    let step = 1;
    let nChunks = 0;
    let next = 0;
    let done = 0;
    let stop = false;
    // One lane per worker; each takes the next chunk when it finishes one. Chunks are written at
    // their block's place, so the result does not depend on who computed what.
    const run = async (api: Remote<WorkerApi>, lease: Lease) => {
      while (!stop && !lease.done && next < nChunks) {
        const firstBlock = next++ * step;
        const chunk = await api.simulate(id, job.seed, total, firstBlock, Math.min(step, nBlocks - firstBlock));
        if (stop || lease.done) return;
        pnl.set(chunk, firstBlock * blockSize);
        done += chunk.length;
        onProgress?.(done, total);
        if (done === total) allChunks();
      }
    };
    let allChunks!: () => void;
    const chunksDone = new Promise<void>((resolve) => (allChunks = resolve));
    let gotInfo!: (info: PrepareInfo) => void;
    const infoReady = new Promise<PrepareInfo>((resolve) => (gotInfo = resolve));
    try {
      // The first lane prepares first (it validates the inputs and tells the block size), on
      // whichever worker is free — then the other lanes prepare on theirs.
      const firstLane = this.#lease(first, signal, async (api, lease) => {
        const info = await api.prepare(id, inputs);
        blockSize = info.blockSize;
        nBlocks = Math.ceil(total / blockSize);
        step = blocksPerChunk(blockSize, job.sizes.length, nBlocks);
        nChunks = Math.ceil(nBlocks / step);
        pnl = new Float64Array(total);
        gotInfo(info);
        await run(api, lease);
      });
      const info = await Promise.race([infoReady, firstLane.then(() => infoReady)]);
      const lanes = [firstLane];
      // Extra lanes only on idle (or new) workers: a lane queued behind another caller's long call
      // would hold this run until that call ends, for no gain.
      for (let k = 1; k < Math.min(this.size, nChunks) && !this.#disposed && !stop; k++) {
        const w = this.#pick(used, true);
        if (!w) break;
        used.add(w);
        lanes.push(
          this.#lease(w, signal, async (api, lease) => {
            await api.prepare(id, inputs);
            await run(api, lease);
          }),
        );
      }
      // Done when every chunk is in, even if a lane is still preparing (its worker was slower to
      // build the copula): that lane then finds no chunk left, and keeps its worker marked busy
      // until it ends, so new calls go elsewhere.
      const all = Promise.all(lanes);
      all.catch(() => {});
      await Promise.race([chunksDone, all]);
      throwIfAborted(signal);
      return { pnl, correlationRepaired: info.repaired, minEigenvalue: info.minEigenvalue, repairedCorrelation: info.repairedCorrelation };
    } finally {
      stop = true;
      for (const w of used) if (!w.failure) w.ready.then((api) => api.release(id)).catch(() => {});
    }
  }

  async simulateStats(job: SimulationJob, bins: number, control: LongOperationOptions): Promise<SimulationStats> {
    if (streams(job.nSimulations)) return this.#streamStats(job, bins, control);
    const sim = await this.simulate(job, control);
    const stats = await this.summarize(sim.pnl, bins, control.signal);
    return { stats, correlationRepaired: sim.correlationRepaired, minEigenvalue: sim.minEigenvalue, repairedCorrelation: sim.repairedCorrelation };
  }

  /**
   * The streamed summary of a run over one lane per worker, each lane under its lease (so aborts
   * and worker failures end it at once, in any phase):
   * 1. pass 1 — each lane takes chunks of blocks, its worker folds them into its own summary
   *    (wins, min, max, worst values) and returns only the block sums; a lane that ends hands its
   *    summary to the main thread, which passes them to the anchor (the first lane's worker);
   * 2. the anchor merges them and tells the global min and max;
   * 3. pass 2 — the lanes take the chunks again (same seeds, same P&L) and return histogram counts;
   * 4. the anchor finishes the statistics.
   * Nothing here depends on which lane ran which chunk (see rust/src/streaming.rs).
   */
  async #streamStats(job: SimulationJob, bins: number, control: LongOperationOptions): Promise<SimulationStats> {
    const { signal } = control;
    checkSignal(signal);
    throwIfAborted(signal);
    const id = nextJobId++;
    const total = job.nSimulations;
    const { seed } = job;
    const inputs = { sizes: job.sizes, entryPrices: job.entryPrices, winProbs: job.winProbs, correlation: job.correlation, events: job.events };
    const used = new Set<PoolWorker>();
    const first = this.#pick()!;
    used.add(first);
    const progress = twoPassProgress(total, control.onProgress);
    let blockSize = 0;
    let nBlocks = 0;
    let step = 1;
    let nChunks = 0;
    let sums = new Float64Array(0);
    const counts = new Float64Array(Math.max(1, bins));
    let stop = false;
    // Pass 1: chunks handed out, scenarios done, lanes holding a summary not yet handed over.
    let next1 = 0;
    let done1 = 0;
    let holding = 0;
    const summaries: Float64Array[] = [];
    let next2 = 0;
    let done2 = 0;
    // Gates between the phases; all opened (with `undefined` for the range) when the call ends, so no lane waits forever.
    const summariesIn = deferred<void>();
    const rangeKnown = deferred<Float64Array | undefined>();
    const countsIn = deferred<void>();
    const scenarios = (firstBlock: number, nb: number) => Math.min(total, (firstBlock + nb) * blockSize) - firstBlock * blockSize;
    const lane = async (api: Remote<WorkerApi>, lease: Lease, anchor: boolean): Promise<Float64Array | undefined> => {
      const live = () => !stop && !lease.done;
      let took = false;
      while (live() && next1 < nChunks) {
        if (!took) holding++;
        took = true;
        const firstBlock = next1++ * step;
        const nb = Math.min(step, nBlocks - firstBlock);
        const s = await api.accumulate(id, seed, total, firstBlock, nb);
        if (!live()) return undefined;
        sums.set(s, 2 * firstBlock);
        done1 += scenarios(firstBlock, nb);
        progress(done1, 0);
      }
      if (took) {
        if (!anchor) {
          const flat = await api.takeSummary(id);
          if (!live()) return undefined;
          summaries.push(flat);
        }
        holding--;
        if (done1 === total && holding === 0) summariesIn.resolve();
      }
      if (anchor) {
        await summariesIn.promise;
        if (!live()) return undefined;
        const flats = summaries.splice(0);
        rangeKnown.resolve(await api.absorbSummaries(id, total, transfer(flats, flats.map((f) => f.buffer))));
      }
      const range = await rangeKnown.promise;
      if (!range || !live()) return undefined;
      while (live() && next2 < nChunks) {
        const firstBlock = next2++ * step;
        const nb = Math.min(step, nBlocks - firstBlock);
        const c = await api.histogram(id, seed, total, firstBlock, nb, range[2]!, range[3]!, bins);
        if (!live()) return undefined;
        for (let k = 0; k < c.length; k++) counts[k]! += c[k]!;
        done2 += scenarios(firstBlock, nb);
        progress(total, done2);
        if (done2 === total) countsIn.resolve();
      }
      if (!anchor) return undefined;
      await countsIn.promise;
      if (!live()) return undefined;
      return api.finishStats(id, total, bins, transfer(sums, [sums.buffer]), counts);
    };
    let gotInfo!: (info: PrepareInfo) => void;
    const infoReady = new Promise<PrepareInfo>((resolve) => (gotInfo = resolve));
    try {
      const firstLane = this.#lease(first, signal, async (api, lease) => {
        const info = await api.prepare(id, inputs);
        blockSize = info.blockSize;
        nBlocks = Math.ceil(total / blockSize);
        step = blocksPerChunk(blockSize, job.sizes.length, nBlocks);
        nChunks = Math.ceil(nBlocks / step);
        sums = new Float64Array(2 * nBlocks);
        gotInfo(info);
        return lane(api, lease, true);
      });
      const info = await Promise.race([infoReady, firstLane.then(() => infoReady)]);
      const lanes: Array<Promise<unknown>> = [firstLane];
      for (let k = 1; k < Math.min(this.size, nChunks) && !this.#disposed && !stop; k++) {
        const w = this.#pick(used, true);
        if (!w) break;
        used.add(w);
        lanes.push(
          this.#lease(w, signal, async (api, lease) => {
            await api.prepare(id, inputs);
            return lane(api, lease, false);
          }),
        );
      }
      // The anchor's lane returns the statistics; another lane's failure ends the call too.
      const all = Promise.all(lanes);
      all.catch(() => {});
      const stats = await Promise.race([firstLane, all.then(() => firstLane)]);
      throwIfAborted(signal);
      if (!stats) fail("ENGINE_FAILURE", "the streamed statistics were not produced");
      return { stats, correlationRepaired: info.repaired, minEigenvalue: info.minEigenvalue, repairedCorrelation: info.repairedCorrelation };
    } finally {
      stop = true;
      summariesIn.resolve();
      rangeKnown.resolve(undefined);
      countsIn.resolve();
      summaries.length = 0;
      for (const w of used) if (!w.failure) w.ready.then((api) => api.release(id)).catch(() => {});
    }
  }

  /** Terminates every worker; in-flight calls reject with WORKER_FAILED. The pool can be used again. */
  async terminate(): Promise<void> {
    const workers = this.#slots.splice(0, this.size, ...new Array<undefined>(this.size).fill(undefined));
    for (const w of workers) if (w) this.#kill(w, new HzError("WORKER_FAILED", `engine worker ${w.index} was terminated during the call (shutdown or dispose)`));
  }

  /** Terminates the workers for good. */
  async dispose(): Promise<void> {
    this.#disposed = true;
    await this.terminate();
  }

  /**
   * Test hook: a full garbage collection in every live worker (under `--expose-gc`), so memory
   * tests measure what is retained rather than what a worker's collector has not reclaimed yet.
   * Returns each live worker's JS heap in use afterwards (bytes; NaN where unknown). @internal
   */
  async collectGarbage(): Promise<number[]> {
    const live = this.#slots.filter((w): w is PoolWorker => w !== undefined);
    return Promise.all(live.map((w) => this.#lease(w, undefined, (api) => api.collectGarbage())));
  }

  /** Test hook: each live worker's wasm linear memory in bytes (its high-water mark). @internal */
  async wasmMemory(): Promise<number[]> {
    const live = this.#slots.filter((w): w is PoolWorker => w !== undefined);
    return Promise.all(live.map((w) => this.#lease(w, undefined, (api) => api.wasmMemory())));
  }

  /** Test hook: per live worker, the jobs whose state it keeps (see the worker's `release`). @internal */
  async jobStates(): Promise<number[]> {
    const live = this.#slots.filter((w): w is PoolWorker => w !== undefined);
    return Promise.all(live.map((w) => this.#lease(w, undefined, (api) => api.jobStates())));
  }

  /** Test hook: makes worker `i` crash (as an uncaught error in the worker would). @internal */
  async crashWorker(i = 0): Promise<void> {
    if (this.#disposed) fail("INVALID_STATE", "the engine was shut down or the portfolio disposed");
    const w = this.#slots[i] ?? this.#start(i);
    await (await w.ready).crash();
  }
}

let shared: WorkerPool | undefined;
let sharedSize: number | undefined;

/** The process-wide engine used by portfolios that do not ask for their own pool size. */
export const sharedEngine = {
  /**
   * Sets the shared pool's size (default: the available cores; `configure()` or `configure({})`
   * restores it). Restarts the pool if it is running: calls in flight reject with WORKER_FAILED.
   */
  async configure(options?: { poolSize?: number }): Promise<void> {
    const size = checkOptions(options, "options").poolSize;
    if (size !== undefined && !(Number.isInteger(size) && size >= 1 && size <= 64)) {
      fail("INVALID_ARGUMENT", `poolSize must be an integer in [1, 64], got ${String(size)}`, { field: "poolSize" });
    }
    sharedSize = size;
    const old = shared;
    shared = undefined;
    await old?.dispose();
  },
  /** The shared pool's size once started (undefined before first use). */
  get poolSize(): number | undefined {
    return shared?.size ?? sharedSize;
  },
  /** Stops the shared workers (a later call starts them again). Lets Node processes exit at once. */
  async shutdown(): Promise<void> {
    const old = shared;
    shared = undefined;
    await old?.dispose();
  },
  /** Test hook: makes shared worker `i` crash as an uncaught error would. @internal */
  async crashWorker(i = 0): Promise<void> {
    await (await this.pool()).crashWorker(i);
  },
  /** @internal */
  async pool(): Promise<WorkerPool> {
    if (!shared) {
      const size = sharedSize ?? (await availableCores());
      shared ??= new WorkerPool(size);
    }
    return shared;
  },
};

/** Stops the shared engine's workers (see `sharedEngine.shutdown`). */
export function shutdown(): Promise<void> {
  return sharedEngine.shutdown();
}

/** A backend that resolves the shared pool lazily (so constructing a Portfolio stays synchronous). */
class SharedBackend implements EngineBackend {
  readonly runtime = "worker" as const;
  async call<K extends EngineFunction>(name: K, ...args: EngineArgs<K>): Promise<EngineResult<K>> {
    // Small calls never start the shared pool (see runsOnCallingThread).
    if (runsOnCallingThread(name, args)) return inlineBackend.call(name, ...args);
    return (await sharedEngine.pool()).call(name, ...args);
  }
  async callAbortable<K extends EngineFunction>(signal: AbortSignal | undefined, name: K, ...args: EngineArgs<K>): Promise<EngineResult<K>> {
    if (runsOnCallingThread(name, args)) return inlineBackend.callAbortable(signal, name, ...args);
    return (await sharedEngine.pool()).callAbortable(signal, name, ...args);
  }
  async simulate(job: SimulationJob, control: LongOperationOptions): Promise<SimulationOutput> {
    return (await sharedEngine.pool()).simulate(job, control);
  }
  async summarize(pnl: Float64Array, bins: number, signal?: AbortSignal): Promise<Float64Array> {
    return (await sharedEngine.pool()).summarize(pnl, bins, signal);
  }
  async simulateStats(job: SimulationJob, bins: number, control: LongOperationOptions): Promise<SimulationStats> {
    return (await sharedEngine.pool()).simulateStats(job, bins, control);
  }
  async dispose(): Promise<void> {}
}

/** The backend for `new Portfolio({ runtime, poolSize })`: inline, the shared pool, or an own pool. @internal */
export function backendFor(runtime: Runtime, poolSize: number | undefined): EngineBackend {
  if (runtime === "inline") return inlineBackend;
  if (poolSize === undefined) return new SharedBackend();
  return new WorkerPool(poolSize);
}
