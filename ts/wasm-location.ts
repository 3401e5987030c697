// Where the unbundled build (dist/*.js) finds the engine: the wasm-bindgen output in ../pkg/.
// The published entries replace this module (scripts/bundle.mjs): the browser entry with the
// `.wasm` next to it, the Node entry with the bytes embedded.
import type { WasmSource } from "./wasm.js";

/** The default `.wasm` of this build. */
export function defaultWasm(base: string): WasmSource {
  return new URL("../pkg/hz_portfolio_bg.wasm", base);
}
