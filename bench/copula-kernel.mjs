// Copula Monte Carlo kernel, one thread, several builds of the engine interleaved in one process
// (for kernel changes: same inputs, same seed, the P&L hash must not change).
//
//   node bench/copula-kernel.mjs before=/tmp/old-pkg after=pkg -- N nSimulations rounds
//
// Each directory holds a wasm-bindgen `--target web` build (hz_portfolio.js + hz_portfolio_bg.wasm;
// a "before" build: `git worktree add /tmp/old <commit>` there, `npm run build`, use its pkg/).
// Times are the process's CPU time (getrusage via process.cpuUsage): the machine may be shared,
// and wall time would count other processes' turns; WALL=1 times the wall clock instead.
// The book is the bench's (bench/data.ts): 0.3 correlation, 0.6 within blocks of 10.
// GFLOP/s count N(N+1) flops per scenario, as bench/run.ts does.
import { readFileSync } from "node:fs";
import path from "node:path";

const args = process.argv.slice(2);
const sep = args.indexOf("--");
if (sep < 1) throw new Error("usage: node bench/copula-kernel.mjs label=dir ... -- N nSimulations rounds");
const builds = args.slice(0, sep).map((s) => s.split("="));
const [N, sims, rounds] = args.slice(sep + 1).map(Number);
const engines = [];
for (const [label, dir] of builds) {
  const abs = path.resolve(dir);
  const m = await import(`${abs}/hz_portfolio.js?${label}`);
  m.initSync({ module: readFileSync(`${abs}/hz_portfolio_bg.wasm`) });
  engines.push({ label, m });
}
// the book of bench/data.ts: book(n, seed 2) and correlation(n)
let s = 2;
const u = () => ((s = (s * 48271) % 2147483647), s / 2147483647);
const sizes = Float64Array.from({ length: N }, () => 1 + 99 * u());
const entries = Float64Array.from({ length: N }, () => 0.05 + 0.9 * u());
const probs = Float64Array.from({ length: N }, () => 0.05 + 0.9 * u());
const corr = new Float64Array(N * N);
for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) corr[i * N + j] = i === j ? 1 : Math.floor(i / 10) === Math.floor(j / 10) ? 0.6 : 0.3;
const clock = () => (process.env.WALL ? performance.now() : process.cpuUsage().user / 1000);
const sim = engines.map((e) => new e.m.Simulation(sizes, entries, probs, corr));
const nBlocks = Math.ceil(sims / engines[0].m.blockSize());
const times = engines.map(() => []);
const hashes = engines.map(() => 0);
for (let r = 0; r < rounds + 2; r++) {
  for (let k0 = 0; k0 < engines.length; k0++) {
    const k = (k0 + r) % engines.length; // the order rotates every round
    const t = clock();
    const out = sim[k].simulate(42, sims, 0, nBlocks);
    const dt = clock() - t;
    if (r >= 2) times[k].push(dt); // two warm-up rounds (V8's baseline tier, caches)
    const w = new Uint32Array(out.buffer, out.byteOffset, out.length * 2);
    let h = 0;
    for (let i = 0; i < w.length; i++) h = (Math.imul(h, 31) + w[i]) | 0;
    hashes[k] = h >>> 0;
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const base = median(times[0]);
for (let k = 0; k < engines.length; k++) {
  const m = median(times[k]);
  console.log(
    `${engines[k].label.padEnd(8)} ${sims}×${N}: median ${m.toFixed(1)} ms (min ${Math.min(...times[k]).toFixed(1)}), ` +
      `${((sims * N * (N + 1)) / m / 1e6).toFixed(2)} GFLOP/s, ${((m * 1e6) / (sims * N)).toFixed(2)} ns/scenario·market, ` +
      `ratio ${(m / base).toFixed(3)}, P&L hash ${hashes[k].toString(16)}`,
  );
}
