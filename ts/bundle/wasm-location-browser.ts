// The browser entry's engine: hz_portfolio_bg.wasm next to the entry. Written as the literal
// `new URL("./…", import.meta.url)` that Vite, webpack and Parcel rewrite to the emitted asset.
import type { WasmSource } from "../wasm.js";

/** The `.wasm` next to this file. */
export function defaultWasm(): WasmSource {
  return new URL("./hz_portfolio_bg.wasm", import.meta.url);
}
