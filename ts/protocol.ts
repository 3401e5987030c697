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
  transferHandlers.set("throw", {
    canHandle: (v: unknown): v is { value: unknown } => typeof v === "object" && v !== null && "value" in v && (v as { isError?: unknown }).isError === true,
    serialize(v: { value: unknown }) {
      const err = v.value;
      const code = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
      const out: SerializedError =
        err instanceof Error
          ? { message: err.message, name: err.name, stack: err.stack, code: typeof code === "string" ? code : undefined }
          : { message: String(err), name: "Error" };
      return [out, []];
    },
    deserialize(s: SerializedError): never {
      if (s.code !== undefined && s.name === "HzError") throw new HzError(s.code as HzErrorCode, s.message);
      const e = new Error(s.message);
      e.name = s.name;
      throw e;
    },
  } as never);
}
