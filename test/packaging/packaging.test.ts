// Packaging (issue 12): the packed tarball, installed into fresh consumer projects made from
// test/packaging/templates/, in every runtime and bundler a user brings — each runs the same
// portfolio (metrics() on the default worker runtime, fixed seed) and must print numbers
// bit-identical to Node's, without console errors or bundler warnings from this package, and (for
// processes) exit by itself. Bundlers run from this repository's devDependencies against the
// consumer project; browsers are Debian's Chromium through playwright-core.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { gzipSync } from "node:zlib";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const templates = join(root, "test/packaging/templates");
const bin = (name: string) => join(root, "node_modules/.bin", name);
let work: string;
let app: string;
let reference: string;
let browser: Browser | undefined;

/** Runs a process that must exit by itself (a hanging idle worker would hit the timeout). */
function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): { stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: 60_000, env: { ...process.env, NO_COLOR: "1", ...env } });
  expect(r.error, `${cmd} ${args.join(" ")} did not exit by itself`).toBeUndefined();
  expect(r.status, `${cmd} ${args.join(" ")}\n${r.stdout}\n${r.stderr}`).toBe(0); // tsc reports on stdout
  return { stdout: r.stdout, stderr: r.stderr };
}

/** A case's project: its template and the shared portfolio, in the consumer app. */
function project(name: string): string {
  const dir = join(app, name);
  cpSync(join(templates, name), dir, { recursive: true });
  cpSync(join(templates, "portfolio.mjs"), join(dir, "portfolio.mjs"));
  return dir;
}

const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json", ".gz": "application/gzip" };

interface ServeOptions {
  /** Answer `x.gz` as the compressed body of `x` (`Content-Encoding: gzip`), as some static hosts do. */
  gzipEncoding?: boolean;
  /** Answer `x.wasm.gz` as it is but labelled `application/wasm` (a host that maps the inner extension). */
  gzipAsWasm?: boolean;
  /** Extra response headers (a Content-Security-Policy). */
  headers?: Record<string, string>;
}

/** Serves `dir` statically (as any static host would: .wasm as application/wasm, .gz as application/gzip). */
async function serve(dir: string, options: ServeOptions = {}): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = join(dir, decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    const file = existsSync(path) && !path.endsWith("/") ? path : join(path, "index.html");
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    const encoded = options.gzipEncoding && file.endsWith(".gz");
    const type = TYPES[extname(encoded || (options.gzipAsWasm && file.endsWith(".wasm.gz")) ? file.slice(0, -3) : file)] ?? "application/octet-stream";
    res.writeHead(200, { "content-type": type, ...(encoded ? { "content-encoding": "gzip" } : {}), ...options.headers }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/`, server };
}

/** What a page computed, what went wrong, and every request it made (workers' too): HTTP paths, or "blob:". */
interface PageRun {
  result: { ok?: string; error?: string };
  errors: string[];
  requests: string[];
}

/** Opens `page` in Chromium; returns the result and every console error / page error / failed request. */
async function inBrowser(dir: string, page = "", options: ServeOptions = {}): Promise<PageRun> {
  const { url, server } = await serve(dir, options);
  try {
    return await openPage(url + page);
  } finally {
    server.close();
  }
}

/**
 * Opens `url` in Chromium; returns the result and every console error / warning, page error and
 * failed request (an HTTP status ≥ 400 or a network failure: a 404 the page recovers from still
 * counts).
 */
async function openPage(url: string): Promise<PageRun> {
  browser ??= await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu"] });
  const tab = await browser.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  tab.on("request", (r) => requests.push(r.url().startsWith("http") ? new URL(r.url()).pathname : r.url().slice(0, 5)));
  tab.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") errors.push(`${m.type()}: ${m.text()} ${m.location().url}`);
  });
  tab.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  tab.on("requestfailed", (r) => errors.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
  tab.on("response", (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  try {
    await tab.goto(url);
    await tab.waitForFunction(() => (globalThis as { __hz?: unknown }).__hz !== undefined, undefined, { timeout: 30_000 });
    const result = (await tab.evaluate(() => (globalThis as { __hz?: unknown }).__hz)) as { ok?: string; error?: string };
    return { result, errors, requests };
  } finally {
    await tab.close();
  }
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "hz-packaging-"));
  const out = execFileSync("npm", ["pack", "--json", "--pack-destination", work], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const { filename } = (JSON.parse(out) as Array<{ filename: string }>)[0]!;
  app = join(work, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", type: "module", private: true }));
  // --prefer-offline, not --offline: a fresh machine's npm cache holds tarballs but not the registry
  // documents a plain install asks for. The package has no dependencies, so this resolves nothing.
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", join(work, filename)], { cwd: app, stdio: "ignore" });
  // Node's types for the TypeScript case, as a Node project would have installed them.
  mkdirSync(join(app, "node_modules/@types"), { recursive: true });
  symlinkSync(join(root, "node_modules/@types/node"), join(app, "node_modules/@types/node"));
  const dir = project("node-esm");
  reference = run(process.execPath, ["main.mjs"], dir).stdout.trim();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("packaging: the packed tarball in consumer projects", { timeout: 90_000 }, () => {
  it("the tarball: no dependencies, no source maps, the engine and worker next to the browser entry, the standalone entry, LICENSE", () => {
    const pkg = JSON.parse(readFileSync(join(app, "node_modules/hz-portfolio/package.json"), "utf8"));
    expect(pkg.dependencies).toBeUndefined();
    const files = (dir: string): string[] => readdirSync(dir, { recursive: true }).map(String);
    const shipped = files(join(app, "node_modules/hz-portfolio"));
    expect(shipped.filter((f) => f.endsWith(".map"))).toEqual([]);
    expect(shipped).toContain("LICENSE");
    for (const f of ["hz_portfolio_bg.wasm.gz", "hz_portfolio_bg.wasm", "worker.js", "index.js"]) expect(shipped).toContain(join("dist", "browser", f));
    expect(shipped).toContain(join("dist", "browser-standalone", "index.js"));
    expect(shipped.filter((f) => f.startsWith(join("dist", "browser-standalone")) && !f.endsWith(".d.ts"))).toEqual([join("dist", "browser-standalone"), join("dist", "browser-standalone", "index.js")]);
    // Every file a bundler emits for the browser entry stays under webpack's 244 KiB hint.
    const size = (f: string) => readFileSync(join(app, "node_modules/hz-portfolio/dist/browser", f)).byteLength;
    expect(size("hz_portfolio_bg.wasm.gz")).toBeLessThan(244 * 1024);
    expect(size("worker.js")).toBeLessThan(244 * 1024);
    const reference_ = JSON.parse(reference);
    expect(reference_.var95).toBeGreaterThan(0);
  });

  it("the sizes README.md and docs/concepts.md state are the package's (within 10 %)", async () => {
    const esbuild = await import("esbuild");
    const pkgDir = join(app, "node_modules/hz-portfolio");
    const bytes = (f: string) => readFileSync(join(pkgDir, f)).byteLength;
    // What a bundler adds to a minified browser bundle importing everything: the standalone entry
    // (no condition, esbuild's default) and the browser entry ("production", Vite and webpack).
    const minified = async (conditions: string[]) =>
      (await esbuild.build({ stdin: { contents: 'export * from "hz-portfolio";', resolveDir: app }, bundle: true, minify: true, format: "esm", platform: "browser", write: false, conditions, logLevel: "silent" })).outputFiles[0]!.contents;
    const standalone = await minified([]);
    const browser = await minified(["production"]);
    const worker = (await esbuild.build({ entryPoints: [join(pkgDir, "dist/browser/worker.js")], minify: true, format: "esm", write: false, logLevel: "silent" })).outputFiles[0]!.contents;
    const kB = (n: number) => n / 1000;
    const KiB = (n: number) => n / 1024;
    const wasm = bytes("dist/browser/hz_portfolio_bg.wasm");
    const gz = bytes("dist/browser/hz_portfolio_bg.wasm.gz");
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const concepts = readFileSync(join(root, "docs/concepts.md"), "utf8");
    const claims: Array<[string, RegExp, number]> = [
      [readme, /`hz-portfolio\/hz_portfolio_bg\.wasm` \((\d+) kB/, kB(wasm)],
      [readme, /`hz-portfolio\/hz_portfolio_bg\.wasm\.gz` \((\d+) kB\)/, kB(gz)],
      [readme, /ships gzip-compressed, ≈ (\d+) KiB/, KiB(gz)],
      [readme, /the worker is ≈ (\d+) KiB/, KiB(worker.byteLength)],
      [readme, /≈ (\d+) KiB with every export/, KiB(browser.byteLength)],
      [readme, /`dist\/browser-standalone\/index\.js`: ≈ (\d+) kB in a\s+minified bundle/, kB(standalone.byteLength)],
      [readme, /minified bundle, (\d+) kB gzipped/, kB(gzipSync(standalone, { level: 9 }).byteLength)],
      [readme, /the Node entry embeds the worker and the `\.wasm` \(≈ (\d+) kB\)/, kB(bytes("dist/node/index.js"))],
      [concepts, /ships gzip-compressed to browsers\*\* \((\d+) kB →/, kB(wasm)],
      [concepts, /ships gzip-compressed to browsers\*\* \(\d+ kB → (\d+) kB\)/, kB(gz)],
      [concepts, /The price: ≈ (\d+) kB more JavaScript/, kB(standalone.byteLength - browser.byteLength)],
    ];
    const wrong = claims.flatMap(([text, re, actual]) => {
      const m = re.exec(text);
      if (!m) return [`not found: ${re}`];
      const stated = Number(m[1]);
      return Math.abs(stated - actual) / actual < 0.1 ? [] : [`${re} states ${stated}; the package has ${actual.toFixed(1)}`];
    });
    expect(wrong).toEqual([]);
  });

  it("every package file README.md, docs/concepts.md and the shipped types name is in the tarball", () => {
    const pkgDir = join(app, "node_modules/hz-portfolio");
    const texts: Array<[string, string]> = [
      ["README.md", readFileSync(join(root, "README.md"), "utf8")],
      ["docs/concepts.md", readFileSync(join(root, "docs/concepts.md"), "utf8")],
      ...readdirSync(join(pkgDir, "dist"))
        .filter((f) => f.endsWith(".d.ts"))
        .map((f): [string, string] => [`dist/${f}`, readFileSync(join(pkgDir, "dist", f), "utf8")]),
    ];
    // `dist/…` at the start of a path or after `hz-portfolio/` (not `examples/dashboard/dist/`);
    // one level of braces: `dist/node/index.{js,cjs}`.
    const expand = (p: string): string[] => {
      const m = /^(.*)\{([^}]*)\}(.*)$/.exec(p);
      return m ? m[2]!.split(",").map((x) => m[1] + x + m[3]) : [p];
    };
    const missing = texts.flatMap(([name, text]) =>
      [...text.matchAll(/(?:hz-portfolio\/|(?<![\w/.-]))(dist\/[\w./{},-]*[\w}/])/g)]
        .flatMap((m) => expand(m[1]!))
        .filter((p) => !existsSync(join(pkgDir, p)))
        .map((p) => `${name}: ${p}`),
    );
    expect([...new Set(missing)]).toEqual([]);
  });

  it("Node ESM: bit-identical reference, exits without shutdown()", () => {
    // The reference run is the Node ESM case (beforeAll); it exited by itself.
    expect(JSON.parse(reference).rp).toBeTypeOf("object");
  });

  it("a worker module that cannot be loaded: HzError WORKER_FAILED naming it and the fix; the process exits", () => {
    const out = JSON.parse(run(process.execPath, ["bad-worker.mjs"], join(app, "node-esm")).stdout);
    expect(out).toMatchObject({ hz: true, code: "WORKER_FAILED" });
    expect(out.message).toContain("no-such-dir/worker.js");
    expect(out.message).toContain("init({ workerUrl })");
  });

  it("Node CommonJS: require('hz-portfolio') works, same numbers, exits", () => {
    const dir = project("node-cjs");
    expect(run(process.execPath, ["main.cjs"], dir).stdout.trim()).toBe(reference);
    // As on Node < 20.19, which cannot require() an ES module: the "require" entry is CommonJS.
    expect(run(process.execPath, ["--no-experimental-require-module", "main.cjs"], dir).stdout.trim()).toBe(reference);
  });

  it("Deno from node_modules without shutdown(): same numbers, exits", () => {
    const dir = join(app, "node-esm");
    expect(run(bin("deno"), ["run", "-A", "main.mjs"], dir).stdout.trim()).toBe(reference);
  });

  it("TypeScript strict, Node-only (lib ES2022, @types/node, skipLibCheck false), with DOM libs, and browser-only (DOM, no @types/node)", () => {
    const dir = project("ts-node");
    run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], dir);
    run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.dom.json"], dir);
    // A browser app's tsconfig: ES2022 + DOM and no @types/node (which is what declares
    // Symbol.dispose / Symbol.asyncDispose before lib ESNext), also through "hz-portfolio/standalone".
    run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.browser.json"], dir);
    // "module": "Node16" cannot require() an ES module: a CommonJS file's require("hz-portfolio")
    // needs CommonJS declarations (the "require" types condition).
    run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.node16.json"], dir);
  });

  it("esbuild Node bundle: runs from another folder (nothing next to it), same numbers, exits", async () => {
    const esbuild = await import("esbuild");
    const dir = project("esbuild-node");
    const r = await esbuild.build({ absWorkingDir: dir, entryPoints: ["main.mjs"], bundle: true, platform: "node", format: "esm", outfile: "out/app.mjs", logLevel: "silent" });
    expect(r.warnings.map((w) => w.text)).toEqual([]);
    const elsewhere = join(work, "esbuild-node-elsewhere");
    mkdirSync(elsewhere);
    cpSync(join(dir, "out/app.mjs"), join(elsewhere, "app.mjs"));
    expect(run(process.execPath, ["app.mjs"], elsewhere).stdout.trim()).toBe(reference);
  });

  it("Vite production build with no config file: same numbers in Chromium, no warnings, no console errors", async () => {
    const dir = project("vite");
    const { stdout, stderr } = run(process.execPath, [join(root, "node_modules/vite/bin/vite.js"), "build"], dir);
    expect(`${stdout}\n${stderr}`).not.toMatch(/warn|error|\(!\)/i);
    // Vite's "production" condition picks the browser entry: the worker and the compressed engine
    // are emitted as files.
    const assets = readdirSync(join(dir, "dist/assets"));
    expect(assets.filter((f) => /^hz_portfolio_bg\.wasm-.*\.gz$/.test(f))).toHaveLength(1);
    expect(assets.filter((f) => /^worker-.*\.js$/.test(f))).toHaveLength(1);
    const { result, errors, requests } = await inBrowser(join(dir, "dist"));
    expect(result).toEqual({ ok: reference });
    expect(errors).toEqual([]);
    // Each fetched by the browser (the worker once per pool worker, from its cache).
    const fetched = [...new Set(requests.filter((r) => r.startsWith("/assets/")))].map((r) => r.replace(/-[\w-]+\./, "-HASH."));
    expect(fetched.sort()).toEqual(["/assets/hz_portfolio_bg.wasm-HASH.gz", "/assets/index-HASH.js", "/assets/worker-HASH.js"]);
  });

  it("Vite dev server with no config file (dependency pre-bundling): same numbers in Chromium, no console errors", async () => {
    const dir = join(app, "vite");
    const vite = spawn(process.execPath, [join(root, "node_modules/vite/bin/vite.js"), "--port", "0", "--strictPort", "false"], { cwd: dir, env: { ...process.env, NO_COLOR: "1" } });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        vite.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          const m = /Local:\s+(http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        vite.on("exit", (code) => reject(new Error(`vite exited (${code}): ${out}`)));
      });
      const { result, errors, requests } = await openPage(url);
      expect(result).toEqual({ ok: reference });
      expect(errors).toEqual([]);
      // The "development" condition picks the browser entry: its engine file is fetched.
      expect(requests.filter((r) => r.endsWith("hz_portfolio_bg.wasm.gz"))).toHaveLength(1);
    } finally {
      vite.kill();
    }
  });

  it("esbuild browser bundle, nothing copied (the standalone entry): same numbers, no console errors, no failed request", async () => {
    const esbuild = await import("esbuild");
    const dir = project("esbuild-browser");
    const r = await esbuild.build({ absWorkingDir: dir, entryPoints: ["main.js", "main-init.js"], bundle: true, platform: "browser", format: "esm", outdir: "out", logLevel: "silent", metafile: true });
    expect(r.warnings.map((w) => w.text)).toEqual([]);
    // esbuild's conditions (browser, import, default; no development/production) pick the standalone entry.
    expect(Object.keys(r.metafile!.inputs).filter((f) => f.includes("hz-portfolio"))).toEqual(["../node_modules/hz-portfolio/dist/browser-standalone/index.js"]);
    expect(readdirSync(join(dir, "out")).sort()).toEqual(["main-init.js", "main.js"]);
    const { result, errors, requests } = await inBrowser(dir);
    expect(result).toEqual({ ok: reference });
    expect(errors).toEqual([]);
    // The page and its bundle only: the engine and the workers (blob:) come from the bundle itself.
    expect(requests.filter((r) => r !== "blob:")).toEqual(["/", "/out/main.js"]);
    expect(requests).toContain("blob:");
  });

  it("export conditions: development/production → the browser entry; neither (esbuild, rolldown) → the standalone entry; hz-portfolio/standalone", async () => {
    const esbuild = await import("esbuild");
    const dir = join(app, "esbuild-browser");
    writeFileSync(join(dir, "standalone.js"), 'export * from "hz-portfolio/standalone";\n');
    const picked = async (entry: string, conditions?: string[]) => {
      const r = await esbuild.build({ absWorkingDir: dir, entryPoints: [entry], bundle: true, platform: "browser", format: "esm", write: false, metafile: true, logLevel: "silent", conditions });
      return Object.keys(r.metafile.inputs).filter((f) => f.includes("hz-portfolio")).map((f) => f.replace(/^.*node_modules\/hz-portfolio\//, ""));
    };
    expect(await picked("main.js")).toEqual(["dist/browser-standalone/index.js"]);
    expect(await picked("main.js", ["production"])).toEqual(["dist/browser/index.js"]);
    expect(await picked("main.js", ["development"])).toEqual(["dist/browser/index.js"]);
    expect(await picked("standalone.js", ["production"])).toEqual(["dist/browser-standalone/index.js"]);
    // rolldown (Vite's bundler, used alone) adds no development/production condition either.
    const { rolldown } = await import("rolldown");
    const bundle = await rolldown({ cwd: dir, input: join(dir, "main.js"), platform: "browser", logLevel: "silent" });
    const { output } = await bundle.generate({ format: "esm" });
    expect(output.flatMap((c) => ("moduleIds" in c ? c.moduleIds : [])).filter((m) => m.includes("hz-portfolio")).map((f) => f.replace(/^.*node_modules\/hz-portfolio\//, ""))).toEqual(["dist/browser-standalone/index.js"]);
  });

  it("the standalone entry's embedded engine, decoded with atob (Node 20 has no Uint8Array.fromBase64), inline: same numbers as the Node entry inline", () => {
    const dir = join(app, "node-esm");
    const code = (entry: string) => `
      import * as lib from ${JSON.stringify(entry)};
      const p = new lib.Portfolio({ capital: 10_000, runtime: "inline" });
      p.addPosition({ marketId: "a", side: "yes", size: 400, entryPrice: 0.45, currentPrice: 0.52 });
      p.addPosition({ marketId: "b", side: "no", size: 1000, entryPrice: 0.7, currentPrice: 0.65 });
      const m = await p.metrics({ nSimulations: 20_000, seed: 42, tHours: 24, vol: 0.2 });
      console.log(typeof Uint8Array.fromBase64, JSON.stringify([m.var95, m.cvar95, m.winProbability, m.expectedPnl]));
    `;
    const standalone = run(process.execPath, ["--input-type=module", "-e", code("hz-portfolio/standalone")], dir).stdout.trim();
    expect(standalone.startsWith("undefined ")).toBe(true);
    expect(standalone).toBe(run(process.execPath, ["--input-type=module", "-e", code("hz-portfolio")], dir).stdout.trim());
  });

  it("a browser entry in a host without Web Workers (Node): WORKER_FAILED that says so and names the fixes, not a CSP hint", () => {
    const dir = join(app, "node-esm");
    const code = `
      import { Portfolio } from "hz-portfolio/standalone";
      const p = new Portfolio({ capital: 100 });
      p.addPosition({ marketId: "a", side: "yes", size: 10, entryPrice: 0.5 });
      try { await p.metrics({ nSimulations: 1000, seed: 1 }); console.log("{}"); }
      catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }
    `;
    const out = JSON.parse(run(process.execPath, ["--input-type=module", "-e", code], dir).stdout);
    expect(out.code).toBe("WORKER_FAILED");
    expect(out.message).toContain("no Web Workers");
    expect(out.message).toContain('runtime: "inline"');
    expect(out.message).not.toContain("Content-Security-Policy");
  });

  it("init({ wasm }) with the .wasm (or the .wasm.gz) served elsewhere reaches the pool's workers: same numbers, nothing else fetched", async () => {
    const dir = join(app, "esbuild-browser");
    mkdirSync(join(dir, "elsewhere"));
    for (const [from, to] of [["hz_portfolio_bg.wasm", "engine.wasm"], ["hz_portfolio_bg.wasm.gz", "engine.wasm.gz"]]) {
      cpSync(join(app, "node_modules/hz-portfolio/dist/browser", from!), join(dir, "elsewhere", to!));
    }
    for (const page of ["init.html", "init.html?gz"]) {
      const { result, errors } = await inBrowser(dir, page);
      expect(result).toEqual({ ok: reference });
      expect(errors).toEqual([]);
    }
    // A URL that does not serve the engine: WASM_LOAD_FAILED naming it and the fix (the embedded
    // engine is not used behind the user's back).
    const { result } = await inBrowser(dir, "init.html?missing");
    expect(result.error).toMatch(/WASM_LOAD_FAILED could not load the engine's WebAssembly from "http:\/\/127\.0\.0\.1:\d+\/elsewhere\/missing\.wasm": HTTP 404.*init\(\{ wasm \}\)/);
  });

  it("the standalone entry under a Content-Security-Policy: blob: workers forbidden → WORKER_FAILED naming the fix; init({ workerUrl }) → same numbers", async () => {
    const dir = join(app, "esbuild-browser");
    const csp = { "content-security-policy": "worker-src 'self'" };
    const denied = await inBrowser(dir, "", { headers: csp });
    expect(denied.result.error).toMatch(/WORKER_FAILED .*worker-src blob:.*init\(\{ workerUrl \}\)/);
    // The escape hatch: the worker module served by the page's own origin.
    cpSync(join(app, "node_modules/hz-portfolio/dist/browser/worker.js"), join(dir, "elsewhere/worker.js"));
    const { result, errors } = await inBrowser(dir, "init.html?worker", { headers: csp });
    expect(result).toEqual({ ok: reference });
    expect(errors).toEqual([]);
  });

  it("plain page with an import map (no bundler): same numbers, no console errors, no failed request", async () => {
    project("importmap");
    const { result, errors } = await inBrowser(app, "importmap/");
    expect(result).toEqual({ ok: reference });
    expect(errors).toEqual([]);
  });

  it("import map, hosts that label the .wasm.gz otherwise: same numbers, no console errors", async () => {
    // Content-Encoding: gzip — the browser decompresses, the library gets the .wasm (told by its
    // first bytes); application/wasm on the gzip bytes — streaming compilation fails, the bytes are
    // decompressed instead.
    for (const options of [{ gzipEncoding: true }, { gzipAsWasm: true }]) {
      const { result, errors } = await inBrowser(app, "importmap/", options);
      expect(result, JSON.stringify(options)).toEqual({ ok: reference });
      expect(errors, JSON.stringify(options)).toEqual([]);
    }
  });

  it("import map, worker.js missing next to the entry: the embedded worker starts, same numbers; the 404 is recorded", async () => {
    const copy = join(app, "browser-without-worker");
    cpSync(join(app, "node_modules/hz-portfolio/dist/browser"), copy, { recursive: true });
    rmSync(join(copy, "worker.js"));
    const page = join(app, "importmap-without-worker");
    cpSync(join(app, "importmap"), page, { recursive: true });
    const html = join(page, "index.html");
    writeFileSync(html, readFileSync(html, "utf8").replace("/node_modules/hz-portfolio/dist/browser/index.js", "/browser-without-worker/index.js"));
    const { result, errors } = await inBrowser(app, "importmap-without-worker/");
    expect(result).toEqual({ ok: reference });
    // The browser entry's fallback works, and a worker's failed request does reach `errors`.
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.filter((e) => !/worker\.js/.test(e))).toEqual([]);
    expect(errors.some((e) => e.startsWith("HTTP 404") && e.endsWith("/browser-without-worker/worker.js"))).toBe(true);
  });

  it("import map, the engine file missing next to the entry: WASM_LOAD_FAILED naming the URL and the fix", async () => {
    // A copy of the browser entry's folder without hz_portfolio_bg.wasm.gz.
    const copy = join(app, "browser-without-wasm");
    cpSync(join(app, "node_modules/hz-portfolio/dist/browser"), copy, { recursive: true });
    rmSync(join(copy, "hz_portfolio_bg.wasm.gz"));
    const page = join(app, "importmap-without-wasm");
    cpSync(join(app, "importmap"), page, { recursive: true });
    const html = join(page, "index.html");
    writeFileSync(html, readFileSync(html, "utf8").replace("/node_modules/hz-portfolio/dist/browser/index.js", "/browser-without-wasm/index.js"));
    const { result } = await inBrowser(app, "importmap-without-wasm/");
    expect(result.error).toMatch(
      /WASM_LOAD_FAILED could not load the engine's WebAssembly from "http:\/\/127\.0\.0\.1:\d+\/browser-without-wasm\/hz_portfolio_bg\.wasm\.gz": HTTP 404.*init\(\{ wasm \}\)/,
    );
  });

  it("webpack 5 browser (no worker/wasm config): no warning, no performance hint; same numbers in Chromium, no console errors", async () => {
    const dir = project("webpack-browser");
    const cli = [join(root, "node_modules/webpack-cli/bin/cli.js"), "--config", "webpack.config.cjs", "--no-color"];
    const { stdout, stderr } = run(process.execPath, cli, dir);
    // Performance hints ("asset size limit", "entrypoint size limit") are warnings too.
    expect(`${stdout}\n${stderr}`.split("\n").filter((l) => /WARNING|ERROR|Critical dependency|performance/i.test(l))).toEqual([]);
    run(process.execPath, [...cli, "--json", "stats.json"], dir);
    const stats = JSON.parse(readFileSync(join(dir, "stats.json"), "utf8")) as {
      warnings: unknown[];
      errors: unknown[];
      assets: Array<{ name: string; size: number }>;
      entrypoints: Record<string, { assetsSize?: number }>;
    };
    expect(stats.warnings).toEqual([]);
    expect(stats.errors).toEqual([]);
    // The emitted worker and compressed engine, and the entry chunk, each under the 244 KiB hint.
    const names = stats.assets.map((a) => a.name);
    expect(names.some((n) => n.endsWith(".gz"))).toBe(true);
    expect(names.filter((n) => n.endsWith(".wasm"))).toEqual([]);
    for (const a of stats.assets) expect(a.size, a.name).toBeLessThan(244 * 1024);
    expect(stats.entrypoints.main!.assetsSize).toBeLessThan(244 * 1024);
    const { result, errors } = await inBrowser(dir);
    expect(result).toEqual({ ok: reference });
    expect(errors).toEqual([]);
  });

  it("webpack 5 Node target: the bundle runs from another folder, same numbers, exits", () => {
    const dir = project("webpack-node");
    const { stdout, stderr } = run(process.execPath, [join(root, "node_modules/webpack-cli/bin/cli.js"), "--config", "webpack.config.cjs", "--no-color"], dir);
    expect(`${stdout}\n${stderr}`).not.toMatch(/Critical dependency|WARNING|ERROR/);
    const elsewhere = join(work, "webpack-node-elsewhere");
    cpSync(join(dir, "dist"), elsewhere, { recursive: true });
    expect(run(process.execPath, ["main.mjs"], elsewhere).stdout.trim()).toBe(reference);
  });
});
