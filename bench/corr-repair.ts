export {};
// Correlation repair timing in WASM (issue 17): the copula factor of an indefinite N×N correlation
// (validation, eigen-decomposition, eigenvalue floor, pivoted Cholesky), inline, warm.
// `npx tsx bench/corr-repair.ts [N] [repeats] [baselinePkgDir]` — with a baseline pkg/ directory
// (e.g. a copy of an older build's pkg/), both builds run alternately in the same process, so the
// ratio is measured under the same machine load.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as data from "./data.js";

const n = Number(process.argv[2] ?? 1000);
const repeats = Number(process.argv[3] ?? 3);
const dirs = [resolve("pkg"), ...(process.argv[4] ? [resolve(process.argv[4])] : [])];

/** Symmetric, unit diagonal, off-diagonal uniform in [−1, 1]: about half the eigenvalues negative. */
function randomIndefinite(size: number, seed: number): Float64Array {
  const u = data.uniform(seed);
  const c = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    c[i * size + i] = 1;
    for (let j = i + 1; j < size; j++) c[i * size + j] = c[j * size + i] = 2 * u() - 1;
  }
  return c;
}

type Engine = { Simulation: new (s: Float64Array, e: Float64Array, p: Float64Array, c: Float64Array) => { repaired: boolean; minEigenvalue: number; usedCorrelation(): Float64Array; free(): void } };
const engines: { label: string; m: Engine }[] = [];
for (const [k, dir] of dirs.entries()) {
  const m = await import(pathToFileURL(`${dir}/hz_portfolio.js`).href);
  m.initSync({ module: readFileSync(`${dir}/hz_portfolio_bg.wasm`) });
  engines.push({ label: k === 0 ? "current" : "baseline", m });
}
const run = (e: Engine, size: number, c: Float64Array) => {
  const b = data.book(size);
  const t0 = performance.now();
  const sim = new e.Simulation(b.sizes, b.entries, b.probs, c);
  const ms = performance.now() - t0;
  // metrics() also reports the repaired matrix (L·Lᵀ): timed separately.
  const t1 = performance.now();
  const used = sim.usedCorrelation();
  const usedMs = performance.now() - t1;
  const out = { ms, usedMs, repaired: sim.repaired, minEig: sim.minEigenvalue, used };
  sim.free();
  return out;
};
// Warm-up: V8 runs a long first call of a wasm function on its baseline tier.
for (const e of engines) for (let k = 0; k < 3; k++) run(e.m, 200, randomIndefinite(200, 9 + k));
/** −0.5 off the diagonal (the runtime suite's abort case): one negative eigenvalue, one N − 1 cluster. */
const minusHalf = (size: number) => Float64Array.from({ length: size * size }, (_, k) => (k % (size + 1) === 0 ? 1 : -0.5));
const which = process.env.CASE ?? "random";
const c = which === "minus-half" ? minusHalf(n) : randomIndefinite(n, 7);
console.log(`case ${which} (CASE=random | minus-half)`);
const times: Record<string, number[]> = {};
const usedTimes: Record<string, number[]> = {};
const used: Record<string, Float64Array> = {};
for (let r = 0; r < repeats; r++) {
  for (const e of engines) {
    const o = run(e.m, n, c);
    (times[e.label] ??= []).push(o.ms);
    (usedTimes[e.label] ??= []).push(o.usedMs);
    used[e.label] = o.used;
    if (r === 0) console.log(`${e.label}: repaired ${o.repaired}, min eigenvalue ${o.minEig}`);
  }
}
for (const e of engines) {
  const t = times[e.label]!.slice().sort((a, b) => a - b);
  const u = usedTimes[e.label]!.slice().sort((a, b) => a - b);
  console.log(`${e.label}: N = ${n}, factor ${t.map((v) => v.toFixed(0)).join(" / ")} ms (median ${t[Math.floor(t.length / 2)]!.toFixed(0)}); usedCorrelation() median ${u[Math.floor(u.length / 2)]!.toFixed(0)} ms`);
}
if (engines.length === 2) {
  const a = times.current!, b = times.baseline!;
  console.log(`ratio current / baseline per repeat: ${a.map((v, k) => (v / b[k]!).toFixed(3)).join(", ")}`);
  let d = 0;
  for (let k = 0; k < used.current!.length; k++) d = Math.max(d, Math.abs(used.current![k]! - used.baseline![k]!));
  console.log(`max |repaired current − baseline| = ${d.toExponential(2)}`);
}
process.exit(0);
