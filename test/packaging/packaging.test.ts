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
  expect(r.status, `${cmd} ${args.join(" ")}\n${r.stderr}`).toBe(0);
  return { stdout: r.stdout, stderr: r.stderr };
}

/** A case's project: its template and the shared portfolio, in the consumer app. */
function project(name: string): string {
  const dir = join(app, name);
  cpSync(join(templates, name), dir, { recursive: true });
  cpSync(join(templates, "portfolio.mjs"), join(dir, "portfolio.mjs"));
  return dir;
}

const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json" };

/** Serves `dir` statically (as any static host would: .wasm as application/wasm). */
async function serve(dir: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = join(dir, decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    const file = existsSync(path) && !path.endsWith("/") ? path : join(path, "index.html");
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/`, server };
}

/** Opens `page` in Chromium; returns the result and every console error / page error. */
async function inBrowser(dir: string, page = ""): Promise<{ result: { ok?: string; error?: string }; errors: string[] }> {
  const { url, server } = await serve(dir);
  try {
    return await openPage(url + page);
  } finally {
    server.close();
  }
}

/** Opens `url` in Chromium; returns the result and every console error / warning / page error. */
async function openPage(url: string): Promise<{ result: { ok?: string; error?: string }; errors: string[] }> {
  browser ??= await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu"] });
  const tab = await browser.newPage();
  const errors: string[] = [];
  tab.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") errors.push(`${m.type()}: ${m.text()} ${m.location().url}`);
  });
  tab.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  try {
    await tab.goto(url);
    await tab.waitForFunction(() => (globalThis as { __hz?: unknown }).__hz !== undefined, undefined, { timeout: 30_000 });
    const result = (await tab.evaluate(() => (globalThis as { __hz?: unknown }).__hz)) as { ok?: string; error?: string };
    return { result, errors };
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
  it("the tarball: no dependencies, no source maps, the wasm next to the browser entry, LICENSE", () => {
    const pkg = JSON.parse(readFileSync(join(app, "node_modules/hz-portfolio/package.json"), "utf8"));
    expect(pkg.dependencies).toBeUndefined();
    const files = (dir: string): string[] => readdirSync(dir, { recursive: true }).map(String);
    const shipped = files(join(app, "node_modules/hz-portfolio"));
    expect(shipped.filter((f) => f.endsWith(".map"))).toEqual([]);
    expect(shipped).toContain("LICENSE");
    expect(shipped).toContain(join("dist", "browser", "hz_portfolio_bg.wasm"));
    expect(shipped).toContain(join("dist", "browser", "worker.js"));
    const reference_ = JSON.parse(reference);
    expect(reference_.var95).toBeGreaterThan(0);
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

  it("TypeScript strict, Node-only (lib ES2022, @types/node, skipLibCheck false), and with DOM libs", () => {
    const dir = project("ts-node");
    run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], dir);
    run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.dom.json"], dir);
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
    const { result, errors } = await inBrowser(join(dir, "dist"));
    expect(result).toEqual({ ok: reference });
    expect(errors).toEqual([]);
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
      const { result, errors } = await openPage(url);
      expect(result).toEqual({ ok: reference });
      expect(errors).toEqual([]);
    } finally {
      vite.kill();
    }
  });

  it("esbuild browser bundle (wasm and worker copied next to it, as documented): same numbers, no console errors", async () => {
    const esbuild = await import("esbuild");
    const dir = project("esbuild-browser");
    const r = await esbuild.build({ absWorkingDir: dir, entryPoints: ["main.js", "main-init.js"], bundle: true, platform: "browser", format: "esm", outdir: "out", logLevel: "silent" });
    expect(r.warnings.map((w) => w.text)).toEqual([]);
    for (const f of ["hz_portfolio_bg.wasm", "worker.js"]) cpSync(join(app, "node_modules/hz-portfolio/dist/browser", f), join(dir, "out", f));
    const { result, errors } = await inBrowser(dir);
    expect(result).toEqual({ ok: reference });
    expect(errors).toEqual([]);
  });

  it("esbuild browser bundle without worker.js next to it: the embedded worker starts (one 404 logged by the browser)", async () => {
    const dir = join(app, "esbuild-browser");
    rmSync(join(dir, "out/worker.js"));
    const { result, errors } = await inBrowser(dir);
    expect(result).toEqual({ ok: reference });
    expect(errors.filter((e) => !/404/.test(e))).toEqual([]);
  });

  it("esbuild browser bundle without the wasm: WASM_LOAD_FAILED naming the URL and the fix", async () => {
    const dir = join(app, "esbuild-browser");
    rmSync(join(dir, "out/hz_portfolio_bg.wasm"));
    const { result } = await inBrowser(dir);
    expect(result.error).toMatch(/WASM_LOAD_FAILED could not load the engine's WebAssembly from "http:\/\/127\.0\.0\.1:\d+\/out\/hz_portfolio_bg\.wasm": HTTP 404.*init\(\{ wasm \}\)/);
  });

  it("init({ wasm }) with the .wasm served elsewhere reaches the pool's workers: same numbers", async () => {
    const dir = join(app, "esbuild-browser");
    mkdirSync(join(dir, "elsewhere"));
    cpSync(join(app, "node_modules/hz-portfolio/dist/browser/hz_portfolio_bg.wasm"), join(dir, "elsewhere/engine.wasm"));
    const { result } = await inBrowser(dir, "init.html");
    expect(result).toEqual({ ok: reference });
  });

  it("plain page with an import map (no bundler): same numbers, no console errors", async () => {
    project("importmap");
    const { result, errors } = await inBrowser(app, "importmap/");
    expect(result).toEqual({ ok: reference });
    expect(errors).toEqual([]);
  });

  it("webpack 5 browser (no worker/wasm config): same numbers in Chromium, no warnings from the package", async () => {
    const dir = project("webpack-browser");
    const { stdout, stderr } = run(process.execPath, [join(root, "node_modules/webpack-cli/bin/cli.js"), "--config", "webpack.config.cjs", "--no-color"], dir);
    // webpack's one performance hint: the engine's .wasm (≈ 251 KiB) is above its 244 KiB
    // recommendation (documented in the README); nothing else.
    const warnings = `${stdout}\n${stderr}`.split("\n").filter((l) => /^(WARNING|ERROR)/.test(l));
    expect(warnings.filter((l) => !l.startsWith("WARNING in asset size limit"))).toEqual([]);
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
