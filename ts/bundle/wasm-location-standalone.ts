// The standalone browser entry's engine: the gzip-compressed .wasm embedded as base64
// (scripts/bundle.mjs defines it), for bundlers that do not emit the files a module references with
// `new URL("…", import.meta.url)` (esbuild, rollup): nothing to copy, nothing fetched. wasm.ts
// decompresses it (gzip.ts).
import type { WasmSource } from "../wasm.js";

declare const __HZ_WASM_GZ_BASE64__: string;

let bytes: Uint8Array | undefined;

function fromBase64(text: string): Uint8Array {
  // Uint8Array.fromBase64 (ES2026) where present; atob otherwise.
  const native = (Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array }).fromBase64;
  if (typeof native === "function") return native(text);
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** The embedded engine (gzip bytes), decoded once. */
export function defaultWasm(): WasmSource {
  return (bytes ??= fromBase64(__HZ_WASM_GZ_BASE64__));
}
