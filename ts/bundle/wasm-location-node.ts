// The Node/Deno entry's engine: the bytes embedded in the entry (esbuild's binary loader), so a
// Node bundle (esbuild, webpack, ncc) or a serverless zip needs no file next to it.
import bytes from "../../pkg/hz_portfolio_bg.wasm";
import type { WasmSource } from "../wasm.js";

/** The embedded `.wasm`. */
export function defaultWasm(): WasmSource {
  return bytes;
}
