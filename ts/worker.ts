// The one worker module, for Web Workers (browsers, Deno) and Node's worker_threads alike:
// it instantiates the wasm engine the main thread sends (`start`) and serves engine functions and
// Monte Carlo blocks over comlink. No top-level await: Vite bundles workers as classic scripts
// (iife) by default, which cannot hold one.
import { expose, transfer } from "comlink/dist/esm/comlink.mjs";
import { ENGINE_FUNCTIONS, installErrorHandler, type EngineArgs, type EngineFunction, type EngineResult } from "./protocol.js";
import { newSimulation, type SimulationJob } from "./simulation.js";
import { callEngine, initFrom, wasm, wasmMemoryBytes, type WasmEngine, type WasmPayload } from "./wasm.js";
import { nextStep, type KellyJointArgs, type KellyStep, type KellyUnitArgs } from "./kelly-joint.js";
import { workerEndpoint } from "./runtime.js";
import { READY_MESSAGE } from "./runtime-common.js";

installErrorHandler();

// Per-job state kept across calls until the job's `release(id)` (or this worker's end):
// prepared simulations, and joint-Kelly drivers and units (see backend.ts, "sticky lanes").
const sims = new Map<number, InstanceType<WasmEngine["Simulation"]>>();
const kellyDrivers = new Map<number, InstanceType<WasmEngine["KellyJointDriver"]>>();
const kellyUnits = new Map<number, InstanceType<WasmEngine["KellyJointUnits"]>>();

async function kellyStep(id: number): Promise<KellyStep> {
  const d = kellyDrivers.get(id);
  if (!d) throw new Error(`no joint-Kelly driver ${id}`);
  const step = nextStep(await wasm(), d);
  return transfer(step, [(step.request ?? step.result!).buffer]);
}

function prepared(id: number): InstanceType<WasmEngine["Simulation"]> {
  const sim = sims.get(id);
  if (!sim) throw new Error(`no prepared simulation ${id}`);
  return sim;
}

function buffered<T>(v: T): T {
  return v instanceof Float64Array ? transfer(v, [v.buffer]) : v;
}

/** The API a worker serves. @internal */
export const workerApi = {
  /** Instantiates the engine from the main thread's bytes or module (sent once, at start). */
  start(payload: WasmPayload): void {
    initFrom(payload);
  },
  async call<K extends EngineFunction>(name: K, args: EngineArgs<K>): Promise<EngineResult<K>> {
    if (!(ENGINE_FUNCTIONS as readonly string[]).includes(name)) throw new Error(`unknown engine function ${String(name)}`);
    const e = await wasm();
    const fn = e[name] as (...a: unknown[]) => EngineResult<K>;
    return buffered(callEngine(e, () => fn(...(args as unknown[]))));
  },
  async prepare(
    id: number,
    job: Omit<SimulationJob, "seed" | "nSimulations">,
  ): Promise<{ repaired: boolean; minEigenvalue: number; blockSize: number; repairedCorrelation?: Float64Array }> {
    const e = await wasm();
    const sim = callEngine(e, (x) => newSimulation(x, job));
    sims.get(id)?.free();
    sims.set(id, sim);
    const repaired = sim.repaired;
    return { repaired, minEigenvalue: sim.minEigenvalue, blockSize: e.blockSize(), repairedCorrelation: repaired ? sim.usedCorrelation() : undefined };
  },
  async simulate(id: number, seed: number, nTotal: number, firstBlock: number, nBlocks: number): Promise<Float64Array> {
    const e = await wasm();
    const sim = sims.get(id);
    if (!sim) throw new Error(`no prepared simulation ${id}`);
    return buffered(callEngine(e, () => sim.simulate(seed, nTotal, firstBlock, nBlocks)));
  },
  /** Streaming pass 1 over a chunk of blocks (see the engine's `Simulation.accumulate`): returns the block sums, keeps the summary here. */
  async accumulate(id: number, seed: number, nTotal: number, firstBlock: number, nBlocks: number): Promise<Float64Array> {
    const e = await wasm();
    const sim = prepared(id);
    return buffered(callEngine(e, () => sim.accumulate(seed, nTotal, firstBlock, nBlocks)));
  },
  /** This worker's streamed summary of simulation `id` (moved out). */
  async takeSummary(id: number): Promise<Float64Array> {
    const e = await wasm();
    const sim = prepared(id);
    return buffered(callEngine(e, () => sim.takeSummary()));
  },
  /** Merges another worker's summary into this one's; returns `[count, wins, min, max]` of the result. */
  async absorbSummaries(id: number, nTotal: number, flats: Float64Array[]): Promise<Float64Array> {
    const e = await wasm();
    const sim = prepared(id);
    for (const f of flats) callEngine(e, () => sim.absorbSummary(nTotal, f));
    return buffered(callEngine(e, () => sim.summaryRange()));
  },
  /** Streaming pass 2 over a chunk of blocks: histogram counts between the run's min and max. */
  async histogram(id: number, seed: number, nTotal: number, firstBlock: number, nBlocks: number, lo: number, hi: number, bins: number): Promise<Float64Array> {
    const e = await wasm();
    const sim = prepared(id);
    return buffered(callEngine(e, () => sim.histogram(seed, nTotal, firstBlock, nBlocks, lo, hi, bins)));
  },
  /** The streamed run's statistics from the summary held here (every scenario accumulated or absorbed). */
  async finishStats(id: number, nTotal: number, bins: number, sums: Float64Array, counts: Float64Array): Promise<Float64Array> {
    const e = await wasm();
    const sim = prepared(id);
    return buffered(callEngine(e, () => sim.finishStats(nTotal, bins, sums, counts)));
  },
  /** Starts job `id`'s joint-Kelly optimiser here; returns its first request (or the result). */
  async kellyStart(id: number, args: KellyJointArgs): Promise<KellyStep> {
    const e = await wasm();
    const d = callEngine(e, (x) => new x.KellyJointDriver(...args));
    kellyDrivers.get(id)?.free();
    kellyDrivers.set(id, d);
    return kellyStep(id);
  },
  /** Gives job `id`'s optimiser every unit's answer (unit order); returns its next step. */
  async kellyAnswer(id: number, answers: Float64Array): Promise<KellyStep> {
    const e = await wasm();
    const d = kellyDrivers.get(id);
    if (!d) throw new Error(`no joint-Kelly driver ${id}`);
    callEngine(e, () => d.answer(answers));
    return kellyStep(id);
  },
  /** Builds job `id`'s units `first .. first + count` here (scenarios from the seed), kept until release. */
  async kellyUnits(id: number, args: KellyUnitArgs, first: number, count: number): Promise<void> {
    const e = await wasm();
    const u = callEngine(e, (x) => new x.KellyJointUnits(...args, first, count));
    kellyUnits.get(id)?.free();
    kellyUnits.set(id, u);
  },
  /** Job `id`'s units' answers to a request, concatenated in unit order. */
  async kellySums(id: number, request: Float64Array): Promise<Float64Array> {
    const e = await wasm();
    const u = kellyUnits.get(id);
    if (!u) throw new Error(`no joint-Kelly units ${id}`);
    return buffered(callEngine(e, () => u.answerAll(request)));
  },
  /** Frees whatever job `id` keeps here. */
  release(id: number): void {
    for (const m of [sims, kellyDrivers, kellyUnits]) {
      m.get(id)?.free();
      m.delete(id);
    }
  },
  /** Test hook: jobs whose state this worker keeps (simulations, joint-Kelly drivers and units). */
  jobStates(): number {
    return sims.size + kellyDrivers.size + kellyUnits.size;
  },
  async summarize(pnl: Float64Array, bins: number): Promise<Float64Array> {
    const e = await wasm();
    return buffered(callEngine(e, (x) => x.summarizePnl(pnl, bins)));
  },
  /** Test hook: a full garbage collection of this worker's heap when the process runs with `--expose-gc` (V8 flags reach every thread). */
  collectGarbage(): number {
    (globalThis as { gc?: () => void }).gc?.();
    // This thread's JS heap in use after the collection (Node; NaN elsewhere).
    return (globalThis as { process?: { memoryUsage?: () => { heapUsed: number } } }).process?.memoryUsage?.().heapUsed ?? NaN;
  },

  /** Test hook: bytes of this worker's wasm linear memory (it never shrinks: its high-water mark). */
  wasmMemory(): number {
    return wasmMemoryBytes();
  },

  /** Test hook: makes this worker die abruptly, as a crash (an uncaught error) would. */
  crash(): void {
    setTimeout(() => {
      throw new Error("engine worker crashed (test hook)");
    }, 0);
  },
};

/** Type of the worker's API as seen through comlink. @internal */
export type WorkerApi = typeof workerApi;

// The runtime modules return the endpoint synchronously in the published entries, a promise in
// the unbundled build; either way it is awaited without a top-level await.
void Promise.resolve(workerEndpoint()).then((endpoint) => {
  expose(workerApi, endpoint);
  endpoint.postMessage({ hz: READY_MESSAGE });
});
