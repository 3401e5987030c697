// Self-hosting: init() points at files served elsewhere (a CDN, another path) — the engine (the
// .wasm, or with ?gz the .wasm.gz; ?missing: a URL that serves nothing) or, with ?worker, the
// worker module (a Content-Security-Policy without blob: workers). The worker pool's workers get
// the same engine; nothing is fetched from next to the bundle.
import * as lib from "hz-portfolio";
import { run } from "./portfolio.mjs";

const q = new URLSearchParams(location.search);
const options = q.has("worker")
  ? { workerUrl: new URL("/elsewhere/worker.js", location.href) }
  : { wasm: new URL(q.has("missing") ? "/elsewhere/missing.wasm" : q.has("gz") ? "/elsewhere/engine.wasm.gz" : "/elsewhere/engine.wasm", location.href) };
lib
  .init(options)
  .then(() => run(lib))
  .then(
    (r) => (window.__hz = { ok: r }),
    (e) => (window.__hz = { error: `${e.name}: ${e.code ?? ""} ${e.message}` }),
  );
