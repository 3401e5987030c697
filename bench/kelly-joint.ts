export {};
// Ad-hoc timing of joint Kelly (Monte Carlo path, correlated through a history) in WASM (issue 17):
// `npx tsx bench/kelly-joint.ts [N] [scenarios] [reps]` — pools of 1 and 2 workers interleaved
// (the units are split across the pool; the ratio is the split's gain), inline unit by unit, the
// one-call wasm function, and an independent 10^6 × 100 `metrics()` on the 2-worker pool as the
// issue's yardstick (target: ≤ 8× it). Same book as the native `cargo run --release --example
// bench_kelly`. Prints min and median of `reps` warm runs; every result must be bit-identical.
const { wasm } = await import("../dist/wasm.js");
const { WorkerPool, inlineBackend } = await import("../dist/backend.js");
const { Portfolio } = await import("../dist/index.js");
const n = Number(process.argv[2] ?? 100);
const ns = Number(process.argv[3] ?? 100_000);
const reps = Number(process.argv[4] ?? 5);
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
const corr = engine.historyCorrelation(x, t, n).slice(1 + n * n);
const prices = Float64Array.from({ length: n }, () => 0.3 + 0.4 * (next() + 0.5));
const probs = prices.map((p) => Math.min(0.99, Math.max(0.01, p + 0.08 * next() + 0.02)));
const pools = { 1: new WorkerPool(1), 2: new WorkerPool(2) };
const onPool = (size: 1 | 2) => () => pools[size].call("kellyJoint", prices.slice(), probs.slice(), 1, 1, corr.slice(), ns, 42);
const inline = () => inlineBackend.call("kellyJoint", prices, probs, 1, 1, corr, ns, 42);
const oneCall = async () => engine.kellyJoint(prices, probs, 1, 1, corr, ns, 42);
// The yardstick, and a control of the machine's parallel headroom: the same embarrassingly parallel
// metrics() on pools of 1 and 2 (on a loaded shared machine a second worker may gain nothing).
const books = [1, 2].map((poolSize) => {
  const b = new Portfolio({ capital: 1e6, poolSize });
  for (let i = 0; i < 100; i++) b.addPosition({ marketId: `m${i}`, side: "yes", size: 10, entryPrice: 0.5, currentPrice: 0.3 + 0.004 * i });
  return b;
});
const metrics = (k: number) => async () => (await books[k]!.metrics({ nSimulations: 1_000_000, seed: 1 }), new Float64Array(0));

const runs: Record<string, () => Promise<Float64Array>> = { "pool of 1": onPool(1), "pool of 2": onPool(2), "inline (units)": inline, "one wasm call": oneCall, "metrics 10^6 × 100 (pool of 2)": metrics(1), "metrics 10^6 × 100 (pool of 1)": metrics(0) };
const times: Record<string, number[]> = {};
let ref: Float64Array | undefined;
let identical = true;
const t0 = performance.now();
for (const run of Object.values(runs)) await run(); // warm up: workers, compilation, tier-up
console.log(`warm-up (first calls) ${(performance.now() - t0).toFixed(0)} ms`);
for (let r = 0; r < reps; r++) {
  for (const [name, run] of Object.entries(runs)) {
    const a = performance.now();
    const out = await run();
    (times[name] ??= []).push(performance.now() - a);
    if (out.length === 0) continue;
    ref ??= out;
    identical &&= out.every((v, k) => Object.is(v, ref![k]));
  }
}
const stat = (v: number[]) => {
  const o = [...v].sort((a, b) => a - b);
  return { min: o[0]!, med: o[Math.floor(o.length / 2)]! };
};
for (const [name, v] of Object.entries(times)) {
  const { min, med } = stat(v);
  console.log(`${name.padEnd(32)} min ${min.toFixed(0).padStart(6)} ms   median ${med.toFixed(0).padStart(6)} ms`);
}
const p1 = stat(times["pool of 1"]!), p2 = stat(times["pool of 2"]!), m = stat(times["metrics 10^6 × 100 (pool of 2)"]!), m1 = stat(times["metrics 10^6 × 100 (pool of 1)"]!);
console.log(`control: metrics pool 1 / pool 2 = ${(m1.min / m.min).toFixed(2)} (min), ${(m1.med / m.med).toFixed(2)} (median) — the machine's parallel headroom in this run`);
console.log(`N = ${n}, ${ns} scenarios: pool 1 / pool 2 = ${(p1.min / p2.min).toFixed(2)} (min), ${(p1.med / p2.med).toFixed(2)} (median); pool of 2 / metrics 10^6 × 100 = ${(p2.min / m.min).toFixed(1)}× (min), ${(p2.med / m.med).toFixed(1)}× (median); nonzero ${ref!.filter((v) => v > 0).length}; bit-identical: ${identical}`);
await Promise.all([pools[1].dispose(), pools[2].dispose(), ...books.map((b) => b.dispose())]);
process.exit(0);
