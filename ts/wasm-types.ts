// The public types of init(), apart from the engine module: they use no DOM or WebAssembly lib
// global, so a Node-only TypeScript project (lib ES2022 + @types/node, skipLibCheck false)
// compiles them.

/**
 * Where to load the engine's `.wasm` from: a URL, a path-like URL string (resolved against the
 * library's own URL), bytes (an `ArrayBuffer` or a typed array), or a compiled `WebAssembly.Module`.
 * Written without DOM types, so a Node-only project (`lib: ["ES2022"]`, `@types/node`) compiles it.
 */
export type WasmSource = URL | string | ArrayBuffer | ArrayBufferView | WasmModule;

/** A compiled `WebAssembly.Module` (named structurally: the `WebAssembly` namespace is a DOM/Node lib global). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface WasmModule {}

/** Options of {@link init}. */
export interface InitOptions {
  /** The engine's `.wasm`: its URL (e.g. on a CDN), its bytes, or a compiled `WebAssembly.Module`. Default: the copy shipped in the package. */
  wasm?: WasmSource;
  /**
   * The URL of hz-portfolio's browser worker module (`dist/browser/worker.js` in the package), where
   * a host serves it from elsewhere — e.g. a Content-Security-Policy that forbids `blob:` workers.
   * Default: found by your bundler, else started from the copy embedded in the library. The Node
   * entry (Node, Deno) embeds its `worker_threads` worker: nothing to point at there.
   */
  workerUrl?: URL | string;
}
