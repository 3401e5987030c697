// Peak RSS of one Monte Carlo run (simulate + summarize), in its own process:
// `node --import tsx bench/mem-child.ts pool|inline nSimulations markets`. Prints one JSON line.
import { readFileSync } from "node:fs";
import { book } from "./data.js";

// VmHWM/VmRSS of this process (kB). Not process.resourceUsage().maxRSS: Linux keeps ru_maxrss across
// execve, so a child would report its (large) parent's high-water mark.
const status = (k: string) => Number(/\d+/.exec(readFileSync("/proc/self/status", "utf8").split("\n").find((l) => l.startsWith(k)) ?? "0")![0]);

const [mode = "pool", simsArg = "100000", nArg = "500"] = process.argv.slice(2);
const sims = Number(simsArg);
const n = Number(nArg);
const { wasm } = await import("../dist/wasm.js");
const { simulateInline } = await import("../dist/simulation.js");
const { WorkerPool } = await import("../dist/backend.js");
const b = book(n);
const job = { sizes: b.sizes, entryPrices: b.entries, winProbs: b.probs, correlation: new Float64Array(0), seed: 42, nSimulations: sims };
const engine = await wasm();
const pool = new WorkerPool(2);
if (mode === "pool") {
  // start both workers (and their wasm instances) before taking the baseline
  await pool.simulate({ ...job, nSimulations: 2 * 8192 }, {});
} else {
  await simulateInline({ ...job, nSimulations: 8192 });
}
const baseKb = status("VmHWM:");
const s = performance.now();
const out = mode === "pool" ? await pool.simulate(job, {}) : await simulateInline(job);
const stats = mode === "pool" ? await pool.summarize(out.pnl, 50) : engine.summarizePnl(out.pnl, 50);
const ms = performance.now() - s;
const peakKb = status("VmHWM:");
await pool.dispose();
console.log(JSON.stringify({ mode, sims, n, baseKb, peakKb, ms, var95: stats[1] }));
