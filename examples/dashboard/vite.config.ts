// Vite config of the dashboard (npm run dashboard / npm run build:dashboard, from the repository root).
// "hz-portfolio" resolves to the built package (dist/) through the repository's package.json
// "exports" (a self-reference), exactly as it would from node_modules in a user's app. Vite bundles
// the library's worker (`new Worker(new URL("./worker.js", import.meta.url), { type: "module" })`)
// in its default worker format and emits the compressed engine it fetches
// (`new URL("./hz_portfolio_bg.wasm.gz", import.meta.url)`): nothing about workers or wasm to configure.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));
const repo = fileURLToPath(new URL("../..", import.meta.url));

export default defineConfig({
  root: here,
  base: "./", // relative asset URLs: the build can be served from any path
  build: { target: "es2022", outDir: "dist", emptyOutDir: true },
  // The dev server may read the price data and the built library outside the app's root.
  server: { fs: { allow: [repo] } },
});
