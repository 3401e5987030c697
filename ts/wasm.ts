// Loads the WebAssembly engine once, the same way in every runtime: the `.wasm` file sits next to
// the generated glue (`pkg/`); a `file:` URL (Node, Deno, tests) is read from disk, anything else
// (browsers, bundlers such as Vite, which rewrite `new URL(…, import.meta.url)`) is fetched.
import initWasm, { initSync } from "../pkg/hz_portfolio.js";
import * as engine from "../pkg/hz_portfolio.js";
import { HzError, fail } from "./errors.js";

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

/**
 * Throws `WASM_LOAD_FAILED` where the JavaScript engine has no WebAssembly at all (Node 20 under
 * `--jitless`, in the main thread and its workers alike). Checked before any work is sent
 * anywhere, so every engine call fails the same typed way instead of with a ReferenceError. The
 * user's flag is respected, not overridden.
 */
export function requireWebAssembly(): void {
  if (typeof WebAssembly === "undefined") {
    fail(
      "WASM_LOAD_FAILED",
      "WebAssembly is unavailable in this JavaScript engine (Node disables it under --jitless): hz-portfolio computes in WebAssembly, run it without --jitless",
    );
  }
}

function describeSource(where: WasmSource): string {
  if (where instanceof URL) return where.protocol === "file:" ? `"${fileURLToPathLike(where)}"` : `"${where.href}"`;
  if (typeof where === "string") return `"${where}"`;
  if (where instanceof WebAssembly.Module) return "the given WebAssembly.Module";
  return `the given ${where.byteLength} bytes`;
}

// A readable path for messages without importing node:url (this module also runs in browsers).
function fileURLToPathLike(url: URL): string {
  return decodeURIComponent(url.pathname);
}

function isSource(v: unknown): v is WasmSource {
  return (
    typeof v === "string" ||
    v instanceof URL ||
    v instanceof ArrayBuffer ||
    ArrayBuffer.isView(v) ||
    (typeof SharedArrayBuffer !== "undefined" && v instanceof SharedArrayBuffer) ||
    v instanceof WebAssembly.Module
  );
}

async function load(source?: WasmSource): Promise<WasmEngine> {
  requireWebAssembly();
  if (source !== undefined && !isSource(source)) {
    fail("INVALID_ARGUMENT", "init(source): source must be a URL, a path-like URL string, bytes (ArrayBuffer or a typed array) or a WebAssembly.Module", { field: "source" });
  }
  const where = source ?? new URL("../pkg/hz_portfolio_bg.wasm", import.meta.url);
  try {
    const url = typeof where === "string" ? new URL(where, import.meta.url) : where;
    if (url instanceof URL && url.protocol === "file:") {
      initSync({ module: await readFileUrl(url) });
    } else {
      await initWasm({ module_or_path: url as URL | BufferSource | WebAssembly.Module });
    }
  } catch (err) {
    // A missing file (ENOENT), a failed fetch or bytes that are not this engine's wasm
    // (CompileError, LinkError): say what was tried and how to fix it.
    const why = err instanceof Error ? err.message : String(err);
    fail(
      "WASM_LOAD_FAILED",
      `could not load the engine's WebAssembly from ${describeSource(where)}: ${why}. ` +
        "init(source) takes the URL or path of hz_portfolio_bg.wasm (shipped in the package's pkg/ folder, " +
        "also exported as \"hz-portfolio/hz_portfolio_bg.wasm\"), its bytes, or a compiled WebAssembly.Module; " +
        "served over HTTP it needs the application/wasm content type",
      { field: "source" },
    );
  }
  return engine;
}

/**
 * Loads and instantiates the WebAssembly engine. Optional: every engine call initialises on
 * first use. Call it yourself to load early, or to point at the `.wasm` somewhere else (a CDN URL,
 * bytes you already have, a precompiled `WebAssembly.Module`). Idempotent: once loaded, later
 * calls return at once (whatever their source). A source that cannot be loaded rejects with
 * `HzError` `WASM_LOAD_FAILED` naming it (and a later call may try again).
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
