// Self-hosting the engine: init({ wasm }) points at a .wasm served elsewhere (a CDN, another
// path); the worker pool's workers get it too (nothing is fetched from next to the bundle).
import * as lib from "hz-portfolio";
import { run } from "./portfolio.mjs";

lib
  .init({ wasm: new URL("/elsewhere/engine.wasm", location.href) })
  .then(() => run(lib))
  .then(
    (r) => (window.__hz = { ok: r }),
    (e) => (window.__hz = { error: `${e.name}: ${e.code ?? ""} ${e.message}` }),
  );
