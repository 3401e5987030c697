// The public init(), typed with the DOM-free types of wasm-types.ts only: the published .d.ts of
// the entry never reaches the wasm-bindgen glue's declarations (which need the DOM lib).
import type { InitOptions, WasmSource } from "./wasm-types.js";
import { init as initEngine } from "./wasm.js";

/**
 * Loads and instantiates the WebAssembly engine, and sets what every engine worker loads.
 * Optional: every engine call initialises on first use. Call it (before the first engine call)
 * to load early, or to point at the `.wasm` somewhere else — a CDN URL, bytes you already have,
 * a precompiled `WebAssembly.Module` — which the pool's workers then load too; `workerUrl` tells
 * where the worker module is served if neither your bundler nor the embedded copy can be used.
 * Idempotent: once loaded, later calls return at once (whatever their options). A source that
 * cannot be loaded rejects with `HzError` `WASM_LOAD_FAILED` naming it and the fix (and a later
 * call may try again). `init(source)` is short for `init({ wasm: source })`.
 *
 * @example
 * ```ts
 * await init({ wasm: new URL("https://cdn.example.com/hz_portfolio_bg.wasm") });
 * ```
 */
export const init: (options?: InitOptions | WasmSource) => Promise<void> = initEngine;
