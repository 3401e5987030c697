// Builds the published entries from ts/ with esbuild (after tsc wrote the unbundled dist/ and its
// .d.ts). Each entry is self-contained — comlink, idb, crc-32 and papaparse are bundled, so there
// is no bare import at run time (an import map needs only "hz-portfolio", a module worker resolves
// nothing) — and picks its runtime at build time instead of sniffing at run time:
//   dist/browser/index.js   for bundlers that detect workers and assets (Vite, webpack, Parcel) and
//                           import maps: module Web Workers from worker.js next to it; the engine
//                           gzip-compressed next to it (hz_portfolio_bg.wasm.gz, ≈ 156 kB: under
//                           webpack's 244 KiB asset hint); the journal in IndexedDB; the worker source
//                           embedded too, started from a blob: URL if worker.js cannot be.
//   dist/browser/worker.js  the worker module Vite and webpack detect (no top-level await, no imports).
//   dist/browser-standalone/index.js
//                           for bundlers that detect neither (esbuild, rollup): the same with the
//                           engine (gzip, base64) and the worker source embedded, and no
//                           `new URL("…", import.meta.url)` at all — nothing to copy, nothing fetched.
//   dist/browser/hz_portfolio_bg.wasm  the uncompressed engine, for users who self-host it.
//   dist/node/index.js      worker_threads (Node, and Deno through node:worker_threads, so idle
//   dist/node/index.cjs     workers are unref'd and never keep a process alive); the .wasm and the
//                           worker embedded (a Node bundle or serverless zip needs no extra file);
//                           the journal in a file. The .cjs is the same for require() on Node ≥ 20.0.
import * as esbuild from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { constants, gzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const ts = (f) => join(root, "ts", f);

/** Swaps the runtime-specific modules of ts/ for the given implementations. */
function swap(map) {
  return {
    name: "hz-swap",
    setup(build) {
      build.onResolve({ filter: /^\.\/(runtime|wasm-location|journal-store|worker-file)\.js$/ }, (args) => {
        const name = args.path.slice(2, -3);
        if (!args.importer.startsWith(join(root, "ts")) || !map[name]) return undefined;
        return { path: map[name] };
      });
      // wasm-bindgen's glue falls back to `new URL('hz_portfolio_bg.wasm', import.meta.url)` when
      // init gets nothing; we always pass the module, and the fallback would make bundlers emit a
      // second copy of the .wasm (and Vite's iife workers rewrite import.meta).
      build.onLoad({ filter: /pkg[\\/]hz_portfolio\.js$/ }, async (args) => {
        const { readFileSync } = await import("node:fs");
        const src = readFileSync(args.path, "utf8");
        const out = src.replace("new URL('hz_portfolio_bg.wasm', import.meta.url)", "undefined");
        if (out === src) throw new Error("bundle: wasm-bindgen glue changed: update scripts/bundle.mjs");
        return { contents: out, loader: "js" };
      });
    },
  };
}

const common = { bundle: true, target: "es2022", legalComments: "inline", logLevel: "warning", charset: "utf8" };
// CommonJS has no import.meta: the file's URL from __filename instead.
const cjsImportMeta = {
  define: { "import.meta.url": "__hzImportMetaUrl" },
  banner: { js: 'var __hzImportMetaUrl = typeof __filename === "string" && __filename.startsWith("/") ? require("node:url").pathToFileURL(__filename).href : "file:///";' },
};

const web = { runtime: ts("runtime-web.ts") };
const node = { runtime: ts("runtime-node.ts") };
const workerWasm = { "wasm-location": ts("bundle/wasm-location-worker.ts") };

// 1. Workers.
// The embedded web worker is minified: a bundler minifies the entry around it but not a string
// (≈ 24 kB instead of 53 kB in each browser entry; the worker file stays readable).
const webWorker = await esbuild.build({ ...common, entryPoints: [ts("worker.ts")], format: "esm", platform: "browser", write: false, minify: true, plugins: [swap({ ...web, ...workerWasm })] });
const webWorkerSource = webWorker.outputFiles[0].text;
const nodeWorker = await esbuild.build({ ...common, ...cjsImportMeta, entryPoints: [ts("worker.ts")], format: "cjs", platform: "node", write: false, plugins: [swap({ ...node, ...workerWasm })] });
const nodeWorkerSource = nodeWorker.outputFiles[0].text;

mkdirSync(join(root, "dist/browser"), { recursive: true });
mkdirSync(join(root, "dist/node"), { recursive: true });
await esbuild.build({ ...common, entryPoints: [ts("worker.ts")], outfile: join(root, "dist/browser/worker.js"), format: "esm", platform: "browser", plugins: [swap({ ...web, ...workerWasm })] });

// 2. Entries.
// The engine, gzip-compressed (deterministic: zlib writes no time stamp): a file next to the
// browser entry, embedded (base64) in the standalone one. wasm.ts tells gzip from wasm by magic bytes.
const wasmFile = readFileSync(join(root, "pkg/hz_portfolio_bg.wasm"));
const wasmGz = gzipSync(wasmFile, { level: constants.Z_BEST_COMPRESSION });
copyFileSync(join(root, "pkg/hz_portfolio_bg.wasm"), join(root, "dist/browser/hz_portfolio_bg.wasm"));
writeFileSync(join(root, "dist/browser/hz_portfolio_bg.wasm.gz"), wasmGz);
const browserStore = { "journal-store": ts("bundle/journal-store-browser.ts") };
await esbuild.build({
  ...common,
  entryPoints: [ts("index.ts")],
  outfile: join(root, "dist/browser/index.js"),
  format: "esm",
  platform: "browser",
  define: { __HZ_WEB_WORKER_SOURCE__: JSON.stringify(webWorkerSource) },
  plugins: [swap({ ...web, ...browserStore, "wasm-location": ts("bundle/wasm-location-browser.ts") })],
});
mkdirSync(join(root, "dist/browser-standalone"), { recursive: true });
await esbuild.build({
  ...common,
  entryPoints: [ts("index.ts")],
  outfile: join(root, "dist/browser-standalone/index.js"),
  format: "esm",
  platform: "browser",
  define: { __HZ_WEB_WORKER_SOURCE__: JSON.stringify(webWorkerSource), __HZ_WASM_GZ_BASE64__: JSON.stringify(wasmGz.toString("base64")) },
  plugins: [swap({ ...web, ...browserStore, "wasm-location": ts("bundle/wasm-location-standalone.ts"), "worker-file": ts("bundle/worker-file-standalone.ts") })],
});
// What bundlers see: the browser entry names exactly its two files; the standalone entry none (a
// bundler without asset detection would leave the URL to a file it did not emit: a 404).
const assetUrls = (f) => [...readFileSync(join(root, f), "utf8").matchAll(/new URL\(\s*["'`]([^"'`]+)["'`]\s*,\s*import\.meta\.url\s*\)/g)].map((m) => m[1]);
const expectUrls = (f, want) => {
  const got = assetUrls(f).sort().join(", ");
  if (got !== want.sort().join(", ")) throw new Error(`bundle: ${f} references [${got}], expected [${want.join(", ")}]`);
};
expectUrls("dist/browser/index.js", ["./hz_portfolio_bg.wasm.gz", "./worker.js"]);
expectUrls("dist/browser/worker.js", []);
expectUrls("dist/browser-standalone/index.js", []);

const nodeEntry = {
  ...common,
  entryPoints: [ts("index.ts")],
  platform: "node",
  target: ["es2022", "node20"],
  loader: { ".wasm": "binary" },
  plugins: [swap({ ...node, "wasm-location": ts("bundle/wasm-location-node.ts"), "journal-store": ts("bundle/journal-store-node.ts") })],
};
// Two full copies (ESM and CJS), not an ESM wrapper over the CJS build: bundled into a user's ESM
// Node bundle, the CJS build's require("node:…") calls become esbuild's throwing __require shim
// ("Dynamic require of node:worker_threads is not supported"). The price: `import` and `require`
// of the package in one process are two modules (two pools); the README says so.
await esbuild.build({ ...nodeEntry, outfile: join(root, "dist/node/index.js"), format: "esm", define: { __HZ_NODE_WORKER_SOURCE__: JSON.stringify(nodeWorkerSource) } });
await esbuild.build({
  ...nodeEntry,
  ...cjsImportMeta,
  outfile: join(root, "dist/node/index.cjs"),
  format: "cjs",
  define: { ...cjsImportMeta.define, __HZ_NODE_WORKER_SOURCE__: JSON.stringify(nodeWorkerSource) },
});
// 3. Declarations. tsc's .d.ts reach the wasm-bindgen glue's (engine function signatures), which
// name DOM globals (RequestInfo, BufferSource, WebAssembly.*) in its init functions: ship a copy
// with local stand-ins, so a Node-only project (lib ES2022 + @types/node, skipLibCheck false)
// compiles, and point the .d.ts at it (the package ships no pkg/).
const glue = readFileSync(join(root, "pkg/hz_portfolio.d.ts"), "utf8");
writeFileSync(
  join(root, "dist/hz_portfolio.d.ts"),
  "// wasm-bindgen's declarations with local stand-ins for the DOM lib types its init functions name.\n" +
    "type RequestInfo = string | URL;\ntype BufferSource = ArrayBuffer | ArrayBufferView;\n" +
    "declare namespace WebAssembly {\n  interface Module {}\n  interface Memory {}\n  interface Table {}\n}\n" +
    glue,
);
for (const f of readdirSync(join(root, "dist"))) {
  if (!f.endsWith(".d.ts")) continue;
  const path = join(root, "dist", f);
  const text = readFileSync(path, "utf8");
  if (text.includes("../pkg/hz_portfolio.js")) writeFileSync(path, text.replaceAll("../pkg/hz_portfolio.js", "./hz_portfolio.js"));
}
// 4. The same declarations for require() (the "require" types condition): a folder whose
// package.json says "commonjs", so TypeScript reads them as CommonJS declarations. Under
// "module": "node16" (no require() of ES modules) the ES module declarations would make a CommonJS
// file's require("hz-portfolio") an error (TS1479), though dist/node/index.cjs runs on Node ≥ 20.0.
mkdirSync(join(root, "dist/cjs-types"), { recursive: true });
writeFileSync(join(root, "dist/cjs-types/package.json"), '{ "type": "commonjs" }\n');
for (const f of readdirSync(join(root, "dist"))) {
  if (f.endsWith(".d.ts")) copyFileSync(join(root, "dist", f), join(root, "dist/cjs-types", f));
}
console.log("bundle: dist/browser/, dist/browser-standalone/, dist/node/ and dist/cjs-types/ ready");
