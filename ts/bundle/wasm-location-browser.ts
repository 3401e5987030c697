// The browser entry's engine: hz_portfolio_bg.wasm.gz next to the entry (gzip: ≈ 156 kB instead of
// 380 kB, under webpack's 244 KiB asset hint; wasm.ts decompresses it). Written as the literal
// `new URL("./…", import.meta.url)` that Vite, webpack and Parcel rewrite to the emitted asset.
import type { WasmSource } from "../wasm.js";

/** The compressed `.wasm` next to this file. */
export function defaultWasm(): WasmSource {
  return new URL("./hz_portfolio_bg.wasm.gz", import.meta.url);
}
