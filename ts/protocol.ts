// What crosses the worker boundary: the engine functions a worker serves, and how errors travel.
// comlink's default error serialisation drops the class and custom fields; ours keeps `code`.
import { transferHandlers } from "comlink/dist/esm/comlink.mjs";
import { HzError, type HzErrorCode } from "./errors.js";
import type { WasmEngine } from "./wasm.js";

/** Engine functions callable by name on any backend (inline or worker). */
export const ENGINE_FUNCTIONS = [
  "ledoitWolf",
  "riskParity",
  "minVariance",
  "kellyIndependent",
  "kellyJoint",
  "historyCorrelation",
  "predictionGreeks",
  "predictionGreeksBatch",
  "eventOutcomes",
  "kellyEvents",
] as const;

/** Names of {@link ENGINE_FUNCTIONS}. */
export type EngineFunction = (typeof ENGINE_FUNCTIONS)[number];
/** Arguments of an engine function. */
export type EngineArgs<K extends EngineFunction> = Parameters<WasmEngine[K]>;
/** Result of an engine function. */
export type EngineResult<K extends EngineFunction> = ReturnType<WasmEngine[K]>;

interface SerializedError {
  message: string;
  name: string;
  code?: string;
  stack?: string;
}

let installed = false;

/** Installs the error transfer handler (both sides of the boundary call this). */
export function installErrorHandler(): void {
  if (installed) return;
  installed = true;
  // Keep comlink's own detection of thrown values (a private marker); replace the encoding.
  const base = transferHandlers.get("throw")!;
  transferHandlers.set("throw", {
    canHandle: base.canHandle,
    serialize(v: { value: unknown }) {
      const err = v.value;
      if (!(err instanceof Error)) return [{ isError: false, value: err }, []];
      const code = (err as Error & { code?: unknown }).code;
      const out: SerializedError = { message: err.message, name: err.name, stack: err.stack, code: typeof code === "string" ? code : undefined };
      return [{ isError: true, value: out }, []];
    },
    deserialize(s: { isError: boolean; value: unknown }): never {
      if (!s.isError) throw s.value;
      const v = s.value as SerializedError;
      if (v.code !== undefined && v.name === "HzError") throw new HzError(v.code as HzErrorCode, v.message);
      throw Object.assign(new Error(v.message), { name: v.name, stack: v.stack });
    },
  } as never);
}
