export {};
// Ad-hoc timing of joint Kelly (Monte Carlo path, correlated through a history) in WASM, inline and
// on the 2-worker pool: `npx tsx bench/kelly-joint.ts [N] [scenarios]` (same book as the native
// `cargo run --release --example bench_kelly`).
const { wasm } = await import("../dist/wasm.js");
const { WorkerPool } = await import("../dist/backend.js");
const n = Number(process.argv[2] ?? 100);
const ns = Number(process.argv[3] ?? 100_000);
const t = 250;
let s = 7n;
const M = (1n << 64n) - 1n;
const next = () => {
  s = (s * 6364136223846793005n + 1442695040888963407n) & M;
  return Number(s >> 11n) / 2 ** 53 - 0.5;
};
const f = Array.from({ length: t }, next);
const load = Array.from({ length: n }, () => next() + 0.2);
const x = new Float64Array(t * n);
for (let k = 0; k < t * n; k++) x[k] = 0.02 * (next() + f[Math.floor(k / n)]! * load[k % n]!);
const engine = await wasm();
const c = engine.historyCorrelation(x, t, n);
const corr = c.slice(1 + n * n);
const prices = Float64Array.from({ length: n }, () => 0.3 + 0.4 * (next() + 0.5));
const probs = prices.map((p) => Math.min(0.99, Math.max(0.01, p + 0.08 * next() + 0.02)));
const pool = new WorkerPool(2);
const time = async (label: string, run: () => Promise<Float64Array> | Float64Array) => {
  const t0 = performance.now();
  const out = await run();
  const ms = performance.now() - t0;
  console.log(`${label}: ${ms.toFixed(0)} ms, ${out.filter((v) => v > 0).length} nonzero`);
  return out;
};
const a = await time("pool (first call)", () => pool.call("kellyJoint", prices.slice(), probs.slice(), 1, 1, corr.slice(), ns, 42));
const b = await time("pool (warm)", () => pool.call("kellyJoint", prices.slice(), probs.slice(), 1, 1, corr.slice(), ns, 42));
const i = await time("inline", () => engine.kellyJoint(prices, probs, 1, 1, corr, ns, 42));
console.log("bit-identical pool/inline:", a.every((v, k) => Object.is(v, b[k]) && Object.is(v, i[k])));
await pool.dispose();
process.exit(0);
