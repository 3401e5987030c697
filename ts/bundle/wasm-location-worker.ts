// Workers never load the engine themselves: the main thread sends it (worker.ts `start`).
import { fail } from "../errors.js";
import type { WasmSource } from "../wasm.js";

/** Never used: the engine comes from the main thread. */
export function defaultWasm(): WasmSource {
  return fail("INVALID_STATE", "an engine worker has no engine yet: the main thread sends it at start");
}
