// Joint Kelly driven in units (issue 17). The optimiser (wasm `KellyJointDriver`) asks for sums
// over scenarios; the scenarios are cut into fixed units (fixed by the problem, never by the pool)
// held by `KellyJointUnits`, whose answers are folded in unit order — so the result is the same
// bits whether one thread holds every unit (inline, here) or each worker of a pool holds a
// contiguous range (backend.ts). Driving it from TypeScript is also what makes the inline runtime
// abortable: an abort takes effect between unit calls, each a few tens of ms at most.
import type { EngineArgs } from "./protocol.js";
import { throwIfAborted, yieldToEventLoop } from "./simulation.js";
import { callEngine, type WasmEngine } from "./wasm.js";

/** `kellyJoint`'s arguments: prices, probs, maxTotal, fraction, corr, nScenarios, seed. @internal */
export type KellyJointArgs = EngineArgs<"kellyJoint">;

/** What a unit holder is built from: `kellyJoint`'s arguments without `fraction`. @internal */
export type KellyUnitArgs = [prices: Float64Array, probs: Float64Array, maxTotal: number, corr: Float64Array, nScenarios: number, seed: number];

/** A joint-Kelly driver's next step: the request for the units, or the result. @internal */
export interface KellyStep {
  units: number;
  request?: Float64Array;
  result?: Float64Array;
}

/** The next step of `d` (see {@link KellyStep}). @internal */
export function nextStep(e: WasmEngine, d: InstanceType<WasmEngine["KellyJointDriver"]>): KellyStep {
  const request = d.next();
  return request === undefined ? { units: d.units, result: callEngine(e, () => d.result()) } : { units: d.units, request };
}

/**
 * Most markets for which the worker runtime runs the optimiser itself on the calling thread: its
 * per-iteration work (a Cholesky of the free markets, ≤ 200³/3 flops: ~3 ms) is then cheaper than
 * the round trip to a worker it saves on every request. Larger books run it on a worker, keeping
 * the calling thread free. Either way the numbers are the same. @internal
 */
export const DRIVER_ON_CALLING_THREAD_MAX_MARKETS = 200;

/** The unit holders' arguments of a call. @internal */
export function unitArgs(args: KellyJointArgs): KellyUnitArgs {
  const [prices, probs, maxTotal, , corr, nScenarios, seed] = args;
  return [prices, probs, maxTotal, corr, nScenarios, seed];
}

/** Unit range [first, end) of lane `l` of `lanes` over `units` units (contiguous, in unit order). @internal */
export function laneUnits(units: number, lanes: number, l: number): [first: number, end: number] {
  return [Math.floor((l * units) / lanes), Math.floor(((l + 1) * units) / lanes)];
}

/** The lanes' answers joined in lane (= unit) order. @internal */
export function joinAnswers(parts: Float64Array[]): Float64Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Joint Kelly on this thread, one unit per wasm call, giving the event loop a turn every ~20 ms
 * so that an abort is seen between calls. @internal
 */
export async function kellyJointInline(e: WasmEngine, args: KellyJointArgs, signal?: AbortSignal): Promise<Float64Array> {
  const driver = callEngine(e, (x) => new x.KellyJointDriver(...args));
  let units: InstanceType<WasmEngine["KellyJointUnits"]> | undefined;
  try {
    let request = driver.next();
    if (request !== undefined) {
      units = callEngine(e, (x) => new x.KellyJointUnits(...unitArgs(args), 0, driver.units));
      const held = units;
      let lastYield = Date.now();
      while (request !== undefined) {
        const req = request;
        const parts: Float64Array[] = [];
        for (let k = 0; k < held.count; k++) {
          parts.push(callEngine(e, () => held.answerOne(req, k)));
          if (Date.now() - lastYield > 20) {
            await yieldToEventLoop();
            lastYield = Date.now();
            throwIfAborted(signal);
          }
        }
        callEngine(e, () => driver.answer(joinAnswers(parts)));
        request = driver.next();
      }
    }
    throwIfAborted(signal);
    return callEngine(e, () => driver.result());
  } finally {
    try {
      units?.free();
      driver.free();
    } catch {
      // only fails after an engine trap, whose error is the one worth reporting
    }
  }
}
