// The gzip-compressed engine (issue 12: the browser entry loads hz_portfolio_bg.wasm.gz, the
// standalone entry embeds it): gzip is told from wasm by the first bytes, whatever the source
// (file, bytes, a server that already decompressed it), decompressed with the platform's
// DecompressionStream — checked against Node's zlib as the independent reference — and an engine
// loaded from gzip bytes computes exactly what the uncompressed one does.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { gunzip, isGzip, wasmBytes } from "../dist/gzip.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const wasm = new Uint8Array(readFileSync(join(root, "pkg/hz_portfolio_bg.wasm")));
const work = mkdtempSync(join(tmpdir(), "hz-gzip-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("gzip-compressed engine", () => {
  it("isGzip: the 1f 8b magic only", () => {
    expect(isGzip(gzipSync(wasm))).toBe(true);
    expect(isGzip(wasm)).toBe(false); // \0asm
    expect(isGzip(new Uint8Array([0x1f]))).toBe(false);
    expect(isGzip(new Uint8Array([]))).toBe(false);
    expect(isGzip(new Uint8Array([0x8b, 0x1f]))).toBe(false);
  });

  it("wasmBytes: uncompressed bytes pass through untouched; gzip decompresses to zlib's answer", async () => {
    expect(wasmBytes(wasm)).toBe(wasm);
    const gz = gzipSync(wasm, { level: 9 });
    const out = await wasmBytes(new Uint8Array(gz));
    expect(Buffer.from(out).equals(gunzipSync(gz))).toBe(true);
    expect(Buffer.from(out).equals(Buffer.from(wasm))).toBe(true);
    // The file the build ships is the same engine.
    const shipped = readFileSync(join(root, "dist/browser/hz_portfolio_bg.wasm.gz"));
    expect(Buffer.from(await gunzip(new Uint8Array(shipped))).equals(Buffer.from(wasm))).toBe(true);
  });

  it("a truncated gzip stream rejects (no partial engine)", async () => {
    const gz = gzipSync(wasm);
    await expect(gunzip(new Uint8Array(gz.subarray(0, gz.length >> 1)))).rejects.toThrow(/gzip data is corrupt or truncated/);
  });

  it("init() from gzip bytes or a .wasm.gz file computes bit-identically to the default engine; corrupt gzip → WASM_LOAD_FAILED", () => {
    const gzFile = join(work, "engine.wasm.gz");
    writeFileSync(gzFile, gzipSync(wasm, { level: 9 }));
    writeFileSync(join(work, "broken.wasm.gz"), gzipSync(wasm).subarray(0, 1000));
    const dist = pathToFileURL(join(root, "dist/index.js")).href;
    const metricsOf = (initCall: string) => {
      const code = `
        import { init, Portfolio, HzError } from ${JSON.stringify(dist)};
        import { readFileSync } from "node:fs";
        try { ${initCall} } catch (e) { console.log(JSON.stringify({ hz: e instanceof HzError, code: e.code, message: e.message })); process.exit(0); }
        const p = new Portfolio({ capital: 10_000 });
        p.addPosition({ marketId: "a", side: "yes", size: 400, entryPrice: 0.45, currentPrice: 0.52 });
        p.addPosition({ marketId: "b", side: "no", size: 1000, entryPrice: 0.7, currentPrice: 0.65 });
        const m = await p.metrics({ nSimulations: 20_000, seed: 7, tHours: 24, vol: 0.2 });
        console.log(JSON.stringify({ var95: m.var95, cvar95: m.cvar95, win: m.winProbability }));
      `;
      const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8", timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    };
    const reference = metricsOf("await init();");
    expect(reference.var95).toBeTypeOf("number");
    expect(metricsOf(`await init(new Uint8Array(readFileSync(${JSON.stringify(gzFile)})));`)).toEqual(reference);
    expect(metricsOf(`await init({ wasm: new URL(${JSON.stringify(pathToFileURL(gzFile).href)}) });`)).toEqual(reference);
    const broken = metricsOf(`await init({ wasm: new URL(${JSON.stringify(pathToFileURL(join(work, "broken.wasm.gz")).href)}) });`);
    expect(broken).toMatchObject({ hz: true, code: "WASM_LOAD_FAILED" });
    expect(broken.message).toContain("broken.wasm.gz");
  });
});
