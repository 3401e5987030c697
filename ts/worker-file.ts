// The engine worker as a file next to this module: the literal `new Worker(new URL("./worker.js",
// import.meta.url), { type: "module" })` that Vite and webpack detect, bundle and emit. The
// standalone browser entry (for bundlers without worker detection: esbuild, rollup) replaces this
// module with ts/bundle/worker-file-standalone.ts, so that its output names no file a bundler
// would not emit (the browser would log a 404 before the embedded copy starts).

/** Starts the worker module next to this file; returns it with its URL (for messages). */
export function startWorkerFile(): { worker: Worker; url: string } | undefined {
  // The URL for messages through a variable: bundlers rewrite each literal `new URL("…",
  // import.meta.url)` (a second one would emit the file twice).
  const here = import.meta.url;
  const url = new URL("worker.js", here).href;
  return { worker: new Worker(new URL("./worker.js", import.meta.url), { type: "module" }), url };
}
