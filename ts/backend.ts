// Where engine work runs: inline (this thread) or a pool of workers. Portfolios talk to an
// EngineBackend and never know which.
import { transfer, wrap } from "comlink/dist/esm/comlink.mjs";
import type { Remote } from "comlink";
import { HzError, fail } from "./errors.js";
import { installErrorHandler, type EngineArgs, type EngineFunction, type EngineResult } from "./protocol.js";
import { availableCores, spawnWorker, type WorkerHandle } from "./runtime.js";
import { blocksPerChunk, simulateInline, throwIfAborted, type LongOperationOptions, type SimulationJob, type SimulationOutput } from "./simulation.js";
import { callEngine, wasm } from "./wasm.js";
import type { WorkerApi } from "./worker.js";

/** Where the engine runs: `"worker"` (default; off the main thread) or `"inline"` (same thread, same API). */
export type Runtime = "worker" | "inline";

/** The engine as seen by the facade. @internal */
export interface EngineBackend {
  readonly runtime: Runtime;
  call<K extends EngineFunction>(name: K, ...args: EngineArgs<K>): Promise<EngineResult<K>>;
  simulate(job: SimulationJob, control: LongOperationOptions): Promise<SimulationOutput>;
  /** Consumes `pnl`. */
  summarize(pnl: Float64Array, bins: number): Promise<Float64Array>;
  dispose(): Promise<void>;
}

/** Runs everything on the calling thread. */
class InlineBackend implements EngineBackend {
  readonly runtime = "inline" as const;
  async call<K extends EngineFunction>(name: K, ...args: EngineArgs<K>): Promise<EngineResult<K>> {
    const e = await wasm();
    const fn = e[name] as (...a: unknown[]) => EngineResult<K>;
    return callEngine(e, () => fn(...(args as unknown[])));
  }
  simulate(job: SimulationJob, control: LongOperationOptions): Promise<SimulationOutput> {
    return simulateInline(job, control);
  }
  async summarize(pnl: Float64Array, bins: number): Promise<Float64Array> {
    const e = await wasm();
    return callEngine(e, (x) => x.summarizePnl(pnl, bins));
  }
  async dispose(): Promise<void> {}
}

/** The inline backend (stateless, shared). */
export const inlineBackend: EngineBackend = new InlineBackend();

interface PoolWorker {
  handle: WorkerHandle;
  api: Remote<WorkerApi>;
  /** Rejects when the worker dies. */
  dead: Promise<never>;
  busy: number;
}

let nextSimulationId = 1;

/**
 * A pool of engine workers. Workers start on first use, restart after a crash, and do not keep a
 * Node process alive while idle. Monte Carlo blocks are spread over all workers; other calls go to
 * the least busy one.
 */
export class WorkerPool implements EngineBackend {
  readonly runtime = "worker" as const;
  readonly #slots: Array<Promise<PoolWorker> | undefined>;
  #disposed = false;

  constructor(readonly size: number) {
    this.#slots = new Array<Promise<PoolWorker> | undefined>(size).fill(undefined);
    installErrorHandler();
  }

  #start(i: number): Promise<PoolWorker> {
    const slot = (async () => {
      const handle = await spawnWorker();
      handle.unref();
      const dead = new Promise<never>((_, reject) =>
        handle.onExit((reason) => {
          if (this.#slots[i] === slot) this.#slots[i] = undefined;
          reject(new HzError("WORKER_FAILED", `engine worker ${i} failed: ${reason}`));
        }),
      );
      dead.catch(() => {});
      return { handle, api: wrap<WorkerApi>(handle.endpoint), dead, busy: 0 };
    })();
    this.#slots[i] = slot;
    slot.catch(() => {
      if (this.#slots[i] === slot) this.#slots[i] = undefined;
    });
    return slot;
  }

  #worker(i: number): Promise<PoolWorker> {
    if (this.#disposed) fail("INVALID_STATE", "the engine was shut down or the portfolio disposed");
    return this.#slots[i] ?? this.#start(i);
  }

  /** Runs `fn` on worker `i`; rejects with WORKER_FAILED if the worker dies meanwhile. */
  async #on<T>(i: number, fn: (api: Remote<WorkerApi>) => Promise<T>): Promise<T> {
    const w = await this.#worker(i);
    if (w.busy++ === 0) w.handle.ref();
    try {
      return await Promise.race([fn(w.api), w.dead]);
    } finally {
      if (--w.busy === 0) w.handle.unref();
    }
  }

  async #leastBusy(): Promise<number> {
    let best = 0;
    let bestBusy = Infinity;
    for (let i = 0; i < this.size; i++) {
      const s = this.#slots[i];
      if (!s) return i;
      const busy = (await s.catch(() => undefined))?.busy ?? 0;
      if (busy < bestBusy) [best, bestBusy] = [i, busy];
    }
    return best;
  }

  /**
   * Arguments are moved, not copied: every typed array the facade passes is built for this one
   * call, so its buffer is transferred to the worker (large histories cross the boundary once).
   */
  async call<K extends EngineFunction>(name: K, ...args: EngineArgs<K>): Promise<EngineResult<K>> {
    const i = await this.#leastBusy();
    const buffers = new Set<ArrayBuffer>();
    for (const a of args as unknown[]) if (ArrayBuffer.isView(a) && a.buffer instanceof ArrayBuffer && a.buffer.byteLength > 0) buffers.add(a.buffer);
    return this.#on(i, (api) => api.call(name, transfer(args, [...buffers])) as Promise<EngineResult<K>>);
  }

  async summarize(pnl: Float64Array, bins: number): Promise<Float64Array> {
    const i = await this.#leastBusy();
    return this.#on(i, (api) => api.summarize(transfer(pnl, [pnl.buffer]), bins));
  }

  async simulate(job: SimulationJob, control: LongOperationOptions): Promise<SimulationOutput> {
    const { signal, onProgress } = control;
    throwIfAborted(signal);
    const id = nextSimulationId++;
    const total = job.nSimulations;
    const inputs = { sizes: job.sizes, entryPrices: job.entryPrices, winProbs: job.winProbs, correlation: job.correlation, events: job.events };
    // Prepare on worker 0 first: it validates inputs and tells the block size.
    const info = await this.#on(0, (api) => api.prepare(id, inputs));
    const nBlocks = Math.ceil(total / info.blockSize);
    const step = blocksPerChunk(info.blockSize, job.sizes.length, nBlocks);
    const nChunks = Math.ceil(nBlocks / step);
    const lanes = Math.min(this.size, nChunks);
    const pnl = new Float64Array(total);
    let next = 0;
    let done = 0;
    let stop = false;
    const aborted = new Promise<never>((_, reject) => {
      signal?.addEventListener("abort", () => {
        stop = true;
        try {
          throwIfAborted(signal);
        } catch (e) {
          reject(e);
        }
      }, { once: true });
    });
    aborted.catch(() => {});
    const lane = async (i: number) => {
      if (i > 0) await this.#on(i, (api) => api.prepare(id, inputs));
      while (!stop && next < nChunks) {
        const first = next++ * step;
        const chunk = await this.#on(i, (api) => api.simulate(id, job.seed, total, first, Math.min(step, nBlocks - first)));
        if (stop) return;
        pnl.set(chunk, first * info.blockSize);
        done += chunk.length;
        onProgress?.(done, total);
      }
    };
    try {
      await Promise.race([
        Promise.all(Array.from({ length: lanes }, (_, i) => lane(i))).catch((e: unknown) => {
          stop = true;
          throw e;
        }),
        aborted,
      ]);
      throwIfAborted(signal);
      return { pnl, correlationRepaired: info.repaired, minEigenvalue: info.minEigenvalue, repairedCorrelation: info.repairedCorrelation };
    } finally {
      stop = true;
      for (let i = 0; i < lanes; i++) {
        const s = this.#slots[i];
        if (s) void s.then((w) => w.api.release(id)).catch(() => {});
      }
    }
  }

  /** Terminates every worker; in-flight calls reject with WORKER_FAILED. The pool can be used again. */
  async terminate(): Promise<void> {
    const slots = this.#slots.splice(0, this.size, ...new Array<undefined>(this.size).fill(undefined));
    await Promise.all(slots.map(async (s) => (await s?.catch(() => undefined))?.handle.terminate()));
  }

  /** Terminates the workers for good. */
  async dispose(): Promise<void> {
    this.#disposed = true;
    await this.terminate();
  }

  /** Test hook: makes worker `i` crash (as an uncaught error in the worker would). @internal */
  async crashWorker(i = 0): Promise<void> {
    const w = await this.#worker(i);
    await w.api.crash();
  }
}

let shared: WorkerPool | undefined;
let sharedSize: number | undefined;

/** The process-wide engine used by portfolios that do not ask for their own pool size. */
export const sharedEngine = {
  /** Sets the shared pool's size (default: the available cores). Restarts the pool if it is running. */
  async configure(options: { poolSize?: number }): Promise<void> {
    const size = options.poolSize;
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
    return (await sharedEngine.pool()).call(name, ...args);
  }
  async simulate(job: SimulationJob, control: LongOperationOptions): Promise<SimulationOutput> {
    return (await sharedEngine.pool()).simulate(job, control);
  }
  async summarize(pnl: Float64Array, bins: number): Promise<Float64Array> {
    return (await sharedEngine.pool()).summarize(pnl, bins);
  }
  async dispose(): Promise<void> {}
}

/** The backend for `new Portfolio({ runtime, poolSize })`: inline, the shared pool, or an own pool. @internal */
export function backendFor(runtime: Runtime, poolSize: number | undefined): EngineBackend {
  if (runtime === "inline") return inlineBackend;
  if (poolSize === undefined) return new SharedBackend();
  return new WorkerPool(poolSize);
}
