// One suite, three runtimes: run by vitest in Node (test/runtime/node.test.ts), by vitest in
// Chromium (test/runtime/browser.test.ts) and by Deno (test/runtime/deno.test.ts), always against
// the built package. It depends on nothing runtime-specific: the library and the committed
// expectation are passed in.
import type * as HzLib from "../../dist/index.js";

/** The built package's exports. */
export type Lib = typeof HzLib;

/** One test case. */
export interface Case {
  name: string;
  run(lib: Lib, expected: unknown): Promise<void>;
}

function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}

function assertEqualJson(actual: unknown, expected: unknown, message: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`assertion failed: ${message}\n  actual:   ${a.slice(0, 400)}\n  expected: ${e.slice(0, 400)}`);
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error("assertion failed: expected the call to reject");
    },
    (e: unknown) => e,
  );
}

/** A fixed portfolio with a deterministic history (6 markets, YES and NO). */
export function fixedPortfolio(lib: Lib, options: ConstructorParameters<Lib["Portfolio"]>[0] = {}): HzLib.Portfolio {
  const p = new lib.Portfolio({ name: "determinism", capital: 10_000, ...options });
  const book: Array<[string, "yes" | "no", number, number, number]> = [
    ["fed-cut", "yes", 400, 0.45, 0.52],
    ["recession", "no", 1000, 0.7, 0.65],
    ["btc-100k", "yes", 250, 0.3, 0.36],
    ["senate-d", "yes", 600, 0.41, 0.38],
    ["cpi-above-3", "no", 800, 0.55, 0.6],
    ["zero", "yes", 0, 0.5, 0.5],
  ];
  for (const [marketId, side, size, entryPrice, currentPrice] of book) p.addPosition({ marketId, side, size, entryPrice, currentPrice });
  return p;
}

/** 40 deterministic rows of correlated price changes for the fixed portfolio. */
export function fixedHistory(): number[][] {
  let s = 12345;
  const u = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
  return Array.from({ length: 40 }, () => {
    const common = u() * 0.02;
    return [common + u() * 0.01, -common + u() * 0.02, u() * 0.03, common * 0.5 + u() * 0.01, u() * 0.015, u() * 0.01];
  });
}

const DETERMINISM = { nSimulations: 50_000, seed: 2024, tHours: 48, vol: 0.3 };
/** Scenarios of the streamed determinism cases: above the streaming threshold (10^6). */
const STREAMED = 1_100_000;

/** What the determinism case compares (also what make-expected writes). */
export async function determinismSnapshot(lib: Lib, options: ConstructorParameters<Lib["Portfolio"]>[0]): Promise<unknown> {
  const p = fixedPortfolio(lib, options);
  try {
    const independent = await p.metrics(DETERMINISM);
    const copula = await p.metrics({ ...DETERMINISM, returnsHistory: fixedHistory() });
    // Above 10^6 scenarios the statistics are streamed (two passes, per-worker summaries): the
    // same bits in every runtime and pool size.
    const streamed = await p.metrics({ ...DETERMINISM, nSimulations: STREAMED });
    const streamedCopula = await p.metrics({ ...DETERMINISM, nSimulations: STREAMED, returnsHistory: fixedHistory() });
    return { independent, copula, streamed, streamedCopula };
  } finally {
    await p.dispose();
  }
}

export const cases: Case[] = [
  {
    name: "determinism: inline, 1 worker and 3 workers give the committed metrics",
    async run(lib, expected) {
      for (const options of [{ runtime: "inline" as const }, { poolSize: 1 }, { poolSize: 3 }]) {
        assertEqualJson(await determinismSnapshot(lib, options), expected, `metrics with ${JSON.stringify(options)}`);
      }
    },
  },
  {
    name: "errors from inside a worker keep their HzError class and code",
    async run(lib) {
      const p = fixedPortfolio(lib, { poolSize: 1 });
      try {
        const asym = Array.from({ length: 6 }, (_, i) => Array.from({ length: 6 }, (_, j) => (i === j ? 1 : i < j ? 0.5 : 0.1)));
        const err = await rejection(p.metrics({ nSimulations: 1000, seed: 1, correlation: asym }));
        assert(err instanceof lib.HzError, `expected HzError, got ${String(err)}`);
        assert(err.code === "INVALID_ARGUMENT", `code ${err.code}`);
        const ok = await p.metrics({ nSimulations: 1000, seed: 1 });
        assert(Number.isFinite(ok.var95), "a call after an error works");
      } finally {
        await p.dispose();
      }
    },
  },
  {
    name: "progress is monotone and reaches the total; abort rejects with AbortError and stops the work",
    async run(lib) {
      const p = fixedPortfolio(lib, { poolSize: 2 });
      try {
        const seen: number[] = [];
        const m = await p.metrics({ nSimulations: 300_000, seed: 3, onProgress: (done, total) => (assert(total === 300_000, "total"), seen.push(done)) });
        assert(Number.isFinite(m.cvar95), "metrics finite");
        assert(seen.length > 1, "several progress reports");
        assert(seen.every((d, i) => i === 0 || d > seen[i - 1]!), `monotone: ${seen.join(",")}`);
        assert(seen[seen.length - 1] === 300_000, "ends at the total");

        const ac = new AbortController();
        const after: number[] = [];
        const run = p.metrics({
          nSimulations: 5_000_000,
          seed: 4,
          signal: ac.signal,
          onProgress: (done) => {
            after.push(done);
            if (after.length === 2) ac.abort();
          },
        });
        const err = await rejection(run);
        assert(err instanceof Error && err.name === "AbortError", `AbortError, got ${String(err)}`);
        const countAtReject = after.length;
        await new Promise((r) => setTimeout(r, 100));
        assert(after.length === countAtReject, "no progress after the rejection");
        assert(after[after.length - 1]! < 5_000_000, "the remaining blocks were not computed");
        const pre = new AbortController();
        pre.abort();
        const err2 = await rejection(p.metrics({ nSimulations: 1000, signal: pre.signal }));
        assert(err2 instanceof Error && err2.name === "AbortError", "an already-aborted signal rejects at once");
      } finally {
        await p.dispose();
      }
    },
  },
  {
    name: "a worker that dies mid-call rejects with WORKER_FAILED, and the next call works",
    async run(lib) {
      await lib.sharedEngine.configure({ poolSize: 1 });
      try {
        const p = fixedPortfolio(lib);
        const run = p.metrics({ nSimulations: 5_000_000, seed: 5, returnsHistory: fixedHistory() });
        await new Promise((r) => setTimeout(r, 30));
        await lib.sharedEngine.crashWorker(0).catch(() => {});
        const err = await rejection(run);
        assert(err instanceof lib.HzError && err.code === "WORKER_FAILED", `WORKER_FAILED, got ${String(err)}`);
        const m = await p.metrics({ nSimulations: 20_000, seed: 5 });
        const inline = await fixedPortfolio(lib, { runtime: "inline" }).metrics({ nSimulations: 20_000, seed: 5 });
        assertEqualJson(m, inline, "fresh worker gives the same result as inline");
      } finally {
        await lib.sharedEngine.configure({});
      }
    },
  },
  {
    name: "the main thread stays responsive while a large metrics() runs in a worker",
    async run(lib) {
      const p = fixedPortfolio(lib, { poolSize: 1 });
      try {
        await p.metrics({ nSimulations: 10_000, seed: 1 }); // start the worker first
        // Counts, not clock bounds: a main thread that computed the run itself would service no
        // timer until the end; one that only assembles chunks services many. (A wall-clock bound
        // on the longest gap failed on a loaded machine.)
        let ticks = 0;
        const timer = setInterval(() => void ticks++, 5);
        await p.metrics({ nSimulations: 2_000_000, seed: 6, returnsHistory: fixedHistory() });
        clearInterval(timer);
        assert(ticks >= 3, `the main thread serviced ${ticks} timer ticks during the run`);
      } finally {
        await p.dispose();
      }
    },
  },
  {
    // The CSV parser is an npm dependency (papaparse): it must load and behave the same in every runtime.
    name: "parsePriceCsv: quoted fields, \\r line ends, strict numbers and times (issue 11)",
    async run(lib) {
      const rows = lib.parsePriceCsv('timestamp,market_id,yes_price\r"2025-03-01T00:00:00Z","a,b",".25"\r\r1740873600000,"say ""x""",0.5\r');
      assertEqualJson(rows, [
        { timestamp: Date.UTC(2025, 2, 1), marketId: "a,b", yesPrice: 0.25 },
        { timestamp: Date.UTC(2025, 2, 2), marketId: 'say "x"', yesPrice: 0.5 },
      ], "parsed rows");
      for (const bad of ["2025-03-01T00:00:00Z,a,0x1", "hello 1,a,0.5"]) {
        let err: unknown;
        try {
          lib.parsePriceCsv(`timestamp,market_id,yes_price\n${bad}`);
        } catch (e) {
          err = e;
        }
        assert(err instanceof lib.HzError && /CSV row 1 \(line 2\)/.test(err.message), `${bad}: ${String(err)}`);
      }
    },
  },
  {
    name: "abort rejects within 100 ms and frees the busy worker (joint Kelly; Monte Carlo on a repaired copula); the pool works after; dispose mid-call is WORKER_FAILED",
    async run(lib) {
      const p = new lib.Portfolio({ capital: 10_000, poolSize: 2 });
      try {
        const n = 80;
        for (let i = 0; i < n; i++) p.addPosition({ marketId: `m${i}`, side: "yes", size: 10, entryPrice: 0.5, currentPrice: 0.4 + (i % 20) / 100 });
        const probs = Object.fromEntries(p.marketIds().map((id, i) => [id, 0.45 + (i % 10) / 40]));
        const corr = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : -0.3)));
        for (const start of [
          (signal: AbortSignal) => p.optimizeKelly({ probs, method: "joint", nSimulations: 2_000_000, signal }), // seconds of work since the Gram-product solver
          (signal: AbortSignal) => p.metrics({ nSimulations: 10_000_000, seed: 1, correlation: corr, signal }),
        ]) {
          // Measured ~1 ms; one retry absorbs a scheduler or GC stall of this shared test machine
          // (the work itself lasts seconds, so a real regression fails both attempts).
          let best = Infinity;
          for (let attempt = 0; attempt < 2 && best >= 100; attempt++) {
            const ac = new AbortController();
            const run = start(ac.signal);
            await new Promise((r) => setTimeout(r, 200));
            const t0 = performance.now();
            ac.abort();
            const err = await rejection(run);
            best = Math.min(best, performance.now() - t0);
            assert(err instanceof Error && err.name === "AbortError", `AbortError, got ${String(err)}`);
          }
          assert(best < 100, `abort took ${best.toFixed(1)} ms`);
        }
        const m = await p.metrics({ nSimulations: 1_000, seed: 2 });
        assert(m.nSimulations === 1_000, "the pool works after aborts");
        const run = p.metrics({ nSimulations: 10_000_000, seed: 3 });
        await new Promise((r) => setTimeout(r, 100));
        await p.dispose();
        const err = await rejection(run);
        assert(err instanceof lib.HzError && err.code === "WORKER_FAILED", `WORKER_FAILED, got ${String(err)}`);
      } finally {
        await p.dispose();
      }
    },
  },
];
