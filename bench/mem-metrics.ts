// Peak RSS and time of metrics() on a 2-worker pool at 10^4, 10^6 and 10^7 scenarios (issue 17),
// streamed (the default above streamingSettings.threshold) and with streaming disabled (the
// whole-array path: what metrics() did before). Each run is a child process (bench/mem-child.ts);
// the growth is the peak of a run minus the peak of the 10^4 run of the same mode.
//   npx tsx bench/mem-metrics.ts [markets=100] [rounds=2] [--semi=1|default]
// By default the children run with --expose-gc --max-semi-space-size=1: V8 otherwise grows each
// isolate's young generation (main thread + 2 workers) by steps of ~8 MB under a high allocation
// rate, sizing rather than retention (see test/soak.test.ts); `--semi=default` measures without it.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const semiDefault = process.argv.includes("--semi=default");
const n = Number(args[0] ?? 100);
const rounds = Number(args[1] ?? 2);
const SIMS = [1e4, 1e6, 1e7];
const MODES = ["metrics", "metrics-full"];

interface Run { mode: string; sims: number; peakKb: number; baseKb: number; ms: number; stats: number[] }
const runs: Run[] = [];
const flags = ["--expose-gc", ...(semiDefault ? [] : ["--max-semi-space-size=1"]), "--import", "tsx"];
for (let r = 0; r < rounds; r++) {
  // Interleaved, so load changes on the shared machine hit both modes alike.
  for (const sims of SIMS) {
    for (const mode of MODES) {
      const out = spawnSync(process.execPath, [...flags, path.join(ROOT, "bench/mem-child.ts"), mode, String(sims), String(n)], { cwd: ROOT, encoding: "utf8" });
      if (out.status !== 0) throw new Error(`mem-child ${mode} ${sims}: ${out.stderr}`);
      const m = JSON.parse(out.stdout.trim().split("\n").pop()!) as Run;
      runs.push(m);
      console.error(`round ${r + 1} ${mode} ${sims}: peak ${(m.peakKb / 1024).toFixed(1)} MiB, ${m.ms.toFixed(0)} ms`);
    }
  }
}
const med = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const pick = (mode: string, sims: number) => runs.filter((x) => x.mode === mode && x.sims === sims);
console.log(`metrics() on a 2-worker pool, ${n} markets, node ${process.version}, ${rounds} rounds, flags: ${flags.slice(0, -2).join(" ")}`);
console.log("| path | nSimulations | peak RSS MiB (median) | growth over 10^4 MiB (max over rounds) | time ms (median) |");
console.log("|---|---|---|---|---|");
for (const mode of MODES) {
  const base = pick(mode, 1e4);
  for (const sims of SIMS) {
    const xs = pick(mode, sims);
    const growth = Math.max(...xs.map((x) => x.peakKb - med(base.map((b) => b.peakKb)))) / 1024;
    console.log(`| ${mode === "metrics" ? "streamed above 10^6 (now)" : "whole array (before)"} | ${sims.toExponential(0)} | ${(med(xs.map((x) => x.peakKb)) / 1024).toFixed(1)} | ${sims === 1e4 ? "–" : growth.toFixed(1)} | ${med(xs.map((x) => x.ms)).toFixed(0)} |`);
  }
}
for (const mode of MODES) {
  const t6 = med(pick(mode, 1e6).map((x) => x.ms));
  const t7 = med(pick(mode, 1e7).map((x) => x.ms));
  console.log(`${mode}: time 10^7 / 10^6 = ${(t7 / t6).toFixed(2)}`);
}
const same = SIMS.every((sims) => {
  const [a, b] = [pick("metrics", sims)[0]!, pick("metrics-full", sims)[0]!];
  return a.stats.length === b.stats.length && a.stats.every((v, i) => Object.is(v, b.stats[i]));
});
console.log(`statistics bit-identical between the two paths at every size: ${same}`);
