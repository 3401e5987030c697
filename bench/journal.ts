// The cost of durability: the PredictIt trading session (ticks as quotes, ~1 150 orders, fees,
// settlements; test/journal/workload.mjs) on a plain Engine, on a journaled one with an in-memory
// store (framing + checksums only), and on a file journal (every order fsync'd before it is
// acknowledged, ticks flushed every 100 ms). Reports operations per second and ratios in one run.
// `npx tsx bench/journal.ts` (writes bench/journal-results.md); `--quick` runs 1 round, prints only.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Engine, Journal, openJournal, type JournalStore } from "../dist/index.js";
// @ts-expect-error a plain .mjs module shared with the crash test
import { engineOptions, session } from "../test/journal/workload.mjs";

const QUICK = process.argv.includes("--quick");
const ROUNDS = QUICK ? 1 : 5;
const dir = mkdtempSync(path.join(os.tmpdir(), "hz-journal-bench-"));

class MemoryStore implements JournalStore {
  lines: string[] = [];
  async append(l: readonly string[]) {
    this.lines.push(...l);
  }
  async read() {
    return this.lines;
  }
  async replace(l: readonly string[]) {
    this.lines = [...l];
  }
  async close() {}
}

const contestants: Record<string, (k: number) => Promise<Engine>> = {
  "no journal": async () => new Engine(engineOptions()),
  "journal, memory store": async () => Engine.open(new Journal(new MemoryStore()), engineOptions()),
  "journal, file (fsync per order)": async (k) => Engine.open(await openJournal(path.join(dir, `j${k}.log`)), engineOptions()),
};
const ms: Record<string, number[]> = {};
let ops = 0;
for (let r = 0; r < ROUNDS + 1; r++) {
  for (const [name, make] of Object.entries(contestants)) {
    const e = await make(r);
    const t = performance.now();
    ops = await session(e);
    await e.flush();
    const dt = performance.now() - t;
    await e.close();
    if (r > 0 || QUICK) (ms[name] ??= []).push(dt); // round 0 warms up V8
  }
}
rmSync(dir, { recursive: true, force: true });
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
const base = median(ms["no journal"]!);
const lines = [
  `| store | session ms (median of ${ROUNDS}) | operations/s | × no journal |`,
  "|---|---|---|---|",
  ...Object.keys(contestants).map((name) => {
    const m = median(ms[name]!);
    return `| ${name} | ${m.toFixed(1)} | ${Math.round((ops / m) * 1000).toLocaleString("en-US")} | ${(m / base).toFixed(2)} |`;
  }),
];
const md = `# Journal cost\n\n${ops} operations (the PredictIt session of test/journal/workload.mjs), ${os.cpus()[0]?.model ?? "?"}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.\n\n${lines.join("\n")}\n`;
console.log(md);
if (!QUICK) writeFileSync(new URL("./journal-results.md", import.meta.url), md);
