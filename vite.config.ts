import { defineConfig } from "vite";

// Vite serves/bundles the browser examples; the engine's .wasm is picked up through
// `new URL("…_bg.wasm", import.meta.url)` in ts/wasm.ts.
export default defineConfig({
  build: { target: "es2022" },
  worker: { format: "es" },
});
