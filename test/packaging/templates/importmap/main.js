// A browser app: the result goes to window.__hz (read by the test through Chromium).
import * as lib from "hz-portfolio";
import { run } from "./portfolio.mjs";

run(lib).then(
  (r) => (window.__hz = { ok: r }),
  (e) => (window.__hz = { error: `${e.name}: ${e.code ?? ""} ${e.message}` }),
);
