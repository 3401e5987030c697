// Loads the WebAssembly engine once, the same way in every runtime: the `.wasm` file sits next to
// the generated glue (`pkg/`); a `file:` URL (Node, Deno, tests) is read from disk, anything else
// (browsers, bundlers such as Vite, which rewrite `new URL(…, import.meta.url)`) is fetched.
import initWasm, { initSync } from "../pkg/hz_portfolio.js";
import * as engine from "../pkg/hz_portfolio.js";
import { HzError } from "./errors.js";

/** The raw wasm-bindgen exports. */
export type WasmEngine = typeof engine;

/** Where to load the engine's `.wasm` from: a URL, a path-like URL string, bytes, or a compiled module. */
export type WasmSource = URL | string | BufferSource | WebAssembly.Module;

let loading: Promise<WasmEngine> | undefined;

async function readFileUrl(url: URL): Promise<Uint8Array> {
  // Hidden from bundlers: this branch only runs where `file:` URLs exist (Node, Deno).
  const fsModule = "node:fs/promises";
  const { readFile } = (await import(/* @vite-ignore */ fsModule)) as typeof import("node:fs/promises");
  return readFile(url);
}

async function load(source?: WasmSource): Promise<WasmEngine> {
  const where = source ?? new URL("../pkg/hz_portfolio_bg.wasm", import.meta.url);
  const url = typeof where === "string" ? new URL(where, import.meta.url) : where;
  if (url instanceof URL && url.protocol === "file:") {
    initSync({ module: await readFileUrl(url) });
  } else {
    await initWasm({ module_or_path: url as URL | BufferSource | WebAssembly.Module });
  }
  return engine;
}

/**
 * Loads and instantiates the WebAssembly engine. Optional: every engine call initialises on
 * first use. Call it yourself to load early, or to point at the `.wasm` somewhere else (a CDN URL,
 * bytes you already have, a precompiled `WebAssembly.Module`). Idempotent.
 */
export function init(source?: WasmSource): Promise<void> {
  loading ??= load(source).catch((err) => {
    loading = undefined;
    throw err;
  });
  return loading.then(() => undefined);
}

/** The engine, loaded on first use. */
export async function wasm(): Promise<WasmEngine> {
  await init();
  return engine;
}

/** Runs `fn` against the engine, turning engine errors into {@link HzError}s. */
export async function withEngine<T>(fn: (e: WasmEngine) => T): Promise<T> {
  const e = await wasm();
  return callEngine(e, fn);
}

/** Synchronous variant for code that already holds the loaded engine (workers, chunked loops). */
export function callEngine<T>(e: WasmEngine, fn: (e: WasmEngine) => T): T {
  try {
    return fn(e);
  } catch (err) {
    // A trap (an engine bug) surfaces as ENGINE_FAILURE; in the worker runtime the pool replaces
    // the worker, inline the instance stays loaded.
    throw HzError.from(err);
  }
}
