// Loads the WebAssembly engine once, the same way in every runtime and thread. The main thread
// obtains the engine's bytes (or a compiled Module) once — from init({ wasm }), else from the
// default location of its build: next to the loading file in the published browser entry (gzip),
// embedded in the published Node entry and in the standalone browser entry (gzip), `../pkg/` in
// the unbundled build — decompresses gzip bytes (gzip.ts), and sends the result to each worker at
// start, so every thread runs the very same engine and a self-hosted `.wasm` reaches the workers too.
import { initSync } from "../pkg/hz_portfolio.js";
import * as engine from "../pkg/hz_portfolio.js";
import { HzError, fail } from "./errors.js";
import { defaultWasm } from "./wasm-location.js";
import { readFileUrl } from "./runtime.js";
import { wasmBytes } from "./gzip.js";

/** The raw wasm-bindgen exports. */
export type WasmEngine = typeof engine;

import type { InitOptions, WasmModule, WasmSource } from "./wasm-types.js";

export type { InitOptions, WasmModule, WasmSource } from "./wasm-types.js";

/** What the main thread hands each worker: bytes or a compiled module. @internal */
export type WasmPayload = Uint8Array | WasmModule;

let loading: Promise<WasmEngine> | undefined;
/** The instance's linear memory, once instantiated (for the memory tests). */
let memory: { buffer: ArrayBuffer } | undefined;

/** Bytes of this thread's wasm linear memory (it only grows), or 0 before the engine is loaded. @internal */
export function wasmMemoryBytes(): number {
  return memory?.buffer.byteLength ?? 0;
}
let payload: Promise<WasmPayload> | undefined;
let configured: WasmSource | undefined;
let configuredWorkerUrl: URL | string | undefined;

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

/** Stands for the build's own engine in messages when it is embedded (not a file). */
const EMBEDDED = "\0embedded";

function describeSource(where: WasmSource): string {
  if (where === EMBEDDED) return "the engine embedded in hz-portfolio";
  if (where instanceof URL) return where.protocol === "file:" ? `"${decodeURIComponent(where.pathname)}"` : `"${where.href}"`;
  if (typeof where === "string") return `"${where}"`;
  if (where instanceof WebAssembly.Module) return "the given WebAssembly.Module";
  return `the given ${(where as ArrayBuffer).byteLength} bytes`;
}

function isSource(v: unknown): v is WasmSource {
  return (
    typeof v === "string" ||
    v instanceof URL ||
    v instanceof ArrayBuffer ||
    ArrayBuffer.isView(v) ||
    (typeof SharedArrayBuffer !== "undefined" && v instanceof SharedArrayBuffer) ||
    (typeof WebAssembly !== "undefined" && v instanceof WebAssembly.Module)
  );
}

/** Turns a source into what `initSync` and a worker take: a compiled module, or uncompressed bytes. */
async function toPayload(where: WasmSource): Promise<WasmPayload> {
  if (where instanceof WebAssembly.Module) return where;
  if (where instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && where instanceof SharedArrayBuffer)) return wasmBytes(new Uint8Array(where.slice(0)));
  if (ArrayBuffer.isView(where)) return wasmBytes(new Uint8Array(where.buffer.slice(where.byteOffset, where.byteOffset + where.byteLength)));
  const here = import.meta.url; // through a variable: bundlers warn about new URL(variable, import.meta.url)
  const url = typeof where === "string" ? new URL(where, here) : (where as URL);
  if (url.protocol === "file:") return wasmBytes(await readFileUrl(url));
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
  // Compiled while downloading where the server says application/wasm (then structured-cloned to
  // workers, no second compile of the bytes per worker); bytes otherwise. A copy of the response
  // is kept for a server that labels gzip bytes application/wasm: they are then decompressed.
  if (typeof WebAssembly.compileStreaming === "function" && response.headers.get("content-type")?.startsWith("application/wasm")) {
    const copy = response.clone();
    try {
      return await WebAssembly.compileStreaming(response);
    } catch {
      return wasmBytes(new Uint8Array(await copy.arrayBuffer()));
    }
  }
  return wasmBytes(new Uint8Array(await response.arrayBuffer()));
}

function loadFailed(where: WasmSource, err: unknown): HzError {
  // A missing file (ENOENT), a failed fetch or bytes that are not this engine's wasm
  // (CompileError, LinkError): say what was tried and how to fix it.
  if (err instanceof HzError) return err;
  const why = err instanceof Error ? err.message : String(err);
  return new HzError(
    "WASM_LOAD_FAILED",
    `could not load the engine's WebAssembly from ${describeSource(where)}: ${why}. ` +
      "Fix: serve the engine there — hz-portfolio's dist/browser/hz_portfolio_bg.wasm.gz (gzip, what the browser entry " +
      "loads) or the uncompressed dist/browser/hz_portfolio_bg.wasm (exported as \"hz-portfolio/hz_portfolio_bg.wasm\") — " +
      "or call init({ wasm }) first with its URL, its bytes or a compiled WebAssembly.Module",
    { field: "wasm" },
  );
}

/** The bytes or module every thread instantiates (fetched or read once). @internal */
export function wasmPayload(): Promise<WasmPayload> {
  requireWebAssembly();
  const where = configured ?? defaultWasm(import.meta.url);
  payload ??= toPayload(where).catch((err: unknown) => {
    payload = undefined;
    throw loadFailed(configured === undefined && !(where instanceof URL) && typeof where !== "string" ? EMBEDDED : where, err);
  });
  return payload;
}

/** The worker module URL given to `init`, if any. @internal */
export function workerUrl(): URL | string | undefined {
  return configuredWorkerUrl;
}

async function load(): Promise<WasmEngine> {
  const p = await wasmPayload();
  try {
    memory = initSync({ module: p as Uint8Array | WebAssembly.Module }).memory;
  } catch (err) {
    payload = undefined;
    throw loadFailed(configured ?? "the bytes of the default hz_portfolio_bg.wasm", err);
  }
  return engine;
}

function isInitOptions(v: unknown): v is InitOptions {
  return typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

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
export function init(options?: InitOptions | WasmSource): Promise<void> {
  requireWebAssembly();
  const o: InitOptions = options === undefined ? {} : isInitOptions(options) ? options : { wasm: options };
  if (o.wasm !== undefined && !isSource(o.wasm)) {
    fail("INVALID_ARGUMENT", "init({ wasm }): wasm must be a URL, a path-like URL string, bytes (ArrayBuffer or a typed array) or a WebAssembly.Module", { field: "wasm" });
  }
  if (o.workerUrl !== undefined && !(typeof o.workerUrl === "string" || o.workerUrl instanceof URL)) {
    fail("INVALID_ARGUMENT", "init({ workerUrl }): workerUrl must be a URL or a URL string", { field: "workerUrl" });
  }
  if (!loading) {
    if (o.wasm !== undefined) {
      configured = o.wasm;
      payload = undefined;
    }
    if (o.workerUrl !== undefined) configuredWorkerUrl = o.workerUrl;
  }
  loading ??= load().catch((err) => {
    // Forget the failed source: a later init() tries again, with its own source or the default.
    loading = undefined;
    configured = undefined;
    payload = undefined;
    throw err;
  });
  return loading.then(() => undefined);
}

/**
 * Inside a worker: instantiates the engine from what the main thread sent. @internal
 */
export function initFrom(p: WasmPayload): void {
  if (loading) return;
  try {
    memory = initSync({ module: p as Uint8Array | WebAssembly.Module }).memory;
  } catch (err) {
    throw loadFailed(p as WasmSource, err);
  }
  loading = Promise.resolve(engine);
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
