// Peak RSS of one Monte Carlo run, in its own process (workers are threads: their memory is in the
// process's RSS). `node --import tsx bench/mem-child.ts MODE nSimulations markets`, MODE one of
//   pool | inline   — the engine path of metrics() (simulate + summarise) on a 2-worker pool / inline;
//   metrics         — Portfolio.metrics() on its own 2-worker pool;
//   metrics-full    — the same with streaming disabled (the whole-array path, as before streaming).
// Prints one JSON line. Run it with --expose-gc --max-semi-space-size=1 to measure retention rather
// than V8's young-generation sizing (see bench/mem-metrics.ts).
import { readFileSync } from "node:fs";
import { book } from "./data.js";

// VmHWM/VmRSS of this process (kB). Not process.resourceUsage().maxRSS: Linux keeps ru_maxrss across
// execve, so a child would report its (large) parent's high-water mark.
const status = (k: string) => Number(/\d+/.exec(readFileSync("/proc/self/status", "utf8").split("\n").find((l) => l.startsWith(k)) ?? "0")![0]);
const gc = () => (globalThis as { gc?: () => void }).gc?.();

const [mode = "pool", simsArg = "100000", nArg = "500"] = process.argv.slice(2);
const sims = Number(simsArg);
const n = Number(nArg);
const { simulateStatsInline, streamingSettings } = await import("../dist/simulation.js");
const { WorkerPool } = await import("../dist/backend.js");
const { Portfolio } = await import("../dist/index.js");
const b = book(n);
const job = { sizes: b.sizes, entryPrices: b.entries, winProbs: b.probs, correlation: new Float64Array(0), seed: 42, nSimulations: sims };
if (mode === "metrics-full") streamingSettings.threshold = Infinity;
const pool = new WorkerPool(2);
const portfolio = new Portfolio({ capital: 1e6, poolSize: 2 });
for (let i = 0; i < n; i++) portfolio.addPosition({ marketId: `m${i}`, side: "yes", size: b.sizes[i]!, entryPrice: b.entries[i]!, currentPrice: b.probs[i]! });
const run = async (nSimulations: number): Promise<Float64Array | number[]> => {
  if (mode === "pool") return (await pool.simulateStats({ ...job, nSimulations }, 50, {})).stats;
  if (mode === "inline") return (await simulateStatsInline({ ...job, nSimulations }, 50)).stats;
  const m = await portfolio.metrics({ nSimulations, seed: 42 });
  return [m.expectedPnl, m.var95, m.cvar95, m.var99, m.cvar99, m.winProbability, m.maxLoss, m.maxGain, ...m.pnlHistogram.edges, ...m.pnlHistogram.counts];
};
// Warm-up: both workers started, their wasm instances compiled and tiered up, heaps at working size.
for (let i = 0; i < 3; i++) await run(2 * 8192);
gc();
const baseKb = status("VmHWM:");
const s = performance.now();
const stats = await run(sims);
const ms = performance.now() - s;
const peakKb = status("VmHWM:");
await pool.dispose();
await portfolio.dispose();
console.log(JSON.stringify({ mode, sims, n, baseKb, peakKb, ms, var95: stats[1], stats: Array.from(stats) }));
