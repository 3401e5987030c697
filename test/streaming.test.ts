// Streamed metrics (runs above streamingSettings.threshold scenarios: per-worker worst-k summaries
// and a second pass for the histogram) against the whole-array path: bit-identical statistics for
// every book kind, pool size and runtime; progress and abort in both passes; bounded wasm memory.
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { Portfolio, shutdown, type PortfolioMetrics } from "../dist/index.js";
import { WorkerPool } from "../dist/backend.js";
import { streamingSettings } from "../dist/simulation.js";
import { build, randomBook, type Pos } from "./portfolio-helpers.js";

const DEFAULT_THRESHOLD = streamingSettings.threshold;
afterEach(() => void (streamingSettings.threshold = DEFAULT_THRESHOLD));
afterAll(() => shutdown());

type Setup = (p: Portfolio) => void;
interface Book {
  name: string;
  positions: Pos[];
  setup?: Setup;
  options?: Record<string, unknown>;
}

function history(rows: number, cols: number, seed: number): number[][] {
  let s = seed;
  const u = () => (s = (s * 48271) % 2147483647) / 2147483647 - 0.5;
  return Array.from({ length: rows }, () => {
    const common = u() * 0.03;
    return Array.from({ length: cols }, (_, j) => (j % 2 ? -common : common) + u() * 0.02);
  });
}

const BOOKS: Book[] = [
  { name: "independent, 30 markets", positions: randomBook(30, 7) },
  { name: "copula (history), 12 markets", positions: randomBook(12, 11), options: { returnsHistory: history(60, 12, 5) } },
  {
    name: "events + independent markets",
    positions: randomBook(10, 3),
    setup: (p) => {
      p.defineEvent("race", { markets: ["m0", "m1", "m2", "m3"] });
      p.defineEvent("cup", { markets: ["m5", "m6"], exhaustive: true });
    },
    options: { probs: { m0: 0.3, m1: 0.25, m2: 0.2, m3: 0.1, m5: 0.6, m6: 0.4 } },
  },
  {
    name: "events + copula",
    positions: randomBook(8, 21),
    setup: (p) => p.defineEvent("race", { markets: ["m1", "m2", "m3"] }),
    options: { returnsHistory: history(50, 8, 9), probs: { m1: 0.3, m2: 0.3, m3: 0.2 } },
  },
  // Two markets: four distinct P&L values, so the tail is all ties.
  { name: "ties (2 markets)", positions: randomBook(2, 5) },
  // Held sides that always win: every scenario has the same P&L.
  {
    name: "all-equal P&L",
    positions: [
      { id: "a", side: "yes", size: 100, entry: 0.4, price: 0.5 },
      { id: "b", side: "no", size: 50, entry: 0.3, price: 0.5 },
    ],
    options: { probs: { a: 1, b: 0 } },
  },
];

async function metricsOf(book: Book, nSimulations: number, where: { runtime: "inline" } | { poolSize: number }): Promise<PortfolioMetrics> {
  const p = new Portfolio({ capital: 10_000, ...where });
  try {
    for (const x of book.positions) p.addPosition({ marketId: x.id, side: x.side, size: x.size, entryPrice: x.entry, currentPrice: x.price });
    book.setup?.(p);
    return await p.metrics({ nSimulations, seed: 2025, tHours: 48, asOf: 0, ...book.options });
  } finally {
    await p.dispose();
  }
}

describe("streamed statistics equal the whole-array ones, bit for bit", () => {
  for (const book of BOOKS) {
    it(book.name, async () => {
      for (const n of [100_003, 19, 1]) {
        const full = await metricsOf(book, n, { runtime: "inline" });
        streamingSettings.threshold = 0;
        for (const where of [{ runtime: "inline" as const }, { poolSize: 1 }, { poolSize: 2 }, { poolSize: 3 }]) {
          const streamed = await metricsOf(book, n, where);
          expect(JSON.stringify(streamed), `${book.name}, n = ${n}, ${JSON.stringify(where)}`).toBe(JSON.stringify(full));
        }
        // And the whole-array path on a pool.
        streamingSettings.threshold = DEFAULT_THRESHOLD;
        expect(JSON.stringify(await metricsOf(book, n, { poolSize: 2 }))).toBe(JSON.stringify(full));
      }
    });
  }
});

describe("streamed runs: progress, abort, memory", () => {
  const book: Pos[] = randomBook(40, 13);
  it("progress is monotone over both passes and ends at the total", async () => {
    streamingSettings.threshold = 0;
    for (const runtime of ["inline", "worker"] as const) {
      const p = build(book, runtime);
      const seen: number[] = [];
      try {
        await p.metrics({ nSimulations: 300_000, seed: 1, onProgress: (d, t) => (expect(t).toBe(300_000), seen.push(d)) });
      } finally {
        await p.dispose();
      }
      expect(seen.length).toBeGreaterThan(4);
      expect(seen.every((d, i) => i === 0 || d > seen[i - 1]!)).toBe(true);
      expect(seen[seen.length - 1]).toBe(300_000);
    }
  });

  // Progress past half the total means pass 2 (the histogram pass) is running.
  for (const [phase, at] of [["pass 1", 0.2], ["pass 2", 0.7]] as const) {
    it(`an abort in ${phase} rejects within 100 ms and stops the work (pool and inline)`, async () => {
      streamingSettings.threshold = 0;
      for (const where of [{ poolSize: 2 }, { runtime: "inline" as const }]) {
        const p = new Portfolio({ capital: 10_000, ...where });
        for (const x of book) p.addPosition({ marketId: x.id, side: x.side, size: x.size, entryPrice: x.entry, currentPrice: x.price });
        try {
          const ac = new AbortController();
          const total = 3_000_000;
          const after: number[] = [];
          let abortedAt = 0;
          const run = p.metrics({
            nSimulations: total,
            seed: 4,
            signal: ac.signal,
            onProgress: (d) => {
              after.push(d);
              if (!abortedAt && d >= at * total) {
                abortedAt = performance.now();
                ac.abort();
              }
            },
          });
          const err = await run.then(
            () => undefined,
            (e: unknown) => e,
          );
          const latency = performance.now() - abortedAt;
          expect((err as Error | undefined)?.name, JSON.stringify(where)).toBe("AbortError");
          expect(latency).toBeLessThan(100);
          const count = after.length;
          await new Promise((r) => setTimeout(r, 100));
          expect(after.length).toBe(count);
          expect(after[after.length - 1]!).toBeLessThan(total);
          // The engine still works afterwards.
          const ok = await p.metrics({ nSimulations: 20_000, seed: 1 });
          expect(Number.isFinite(ok.cvar95)).toBe(true);
        } finally {
          await p.dispose();
        }
      }
    });
  }

  it("wasm memory of the workers stays bounded at 10^7 scenarios (the whole-array path needs 80 MB for the sort alone)", async () => {
    const b = randomBook(20, 17);
    const job = {
      sizes: new Float64Array(b.map((x) => x.size)),
      entryPrices: new Float64Array(b.map((x) => x.entry)),
      winProbs: new Float64Array(b.map((x) => x.price)),
      correlation: new Float64Array(0),
      seed: 42,
    };
    const pool = new WorkerPool(2);
    try {
      await pool.simulateStats({ ...job, nSimulations: 10_000 }, 50, {});
      await pool.simulateStats({ ...job, nSimulations: 10_000 }, 50, {});
      const before = await pool.wasmMemory();
      const sims = 10_000_000;
      const out = await pool.simulateStats({ ...job, nSimulations: sims }, 50, {});
      expect(out.stats.length).toBe(8 + 51 + 50);
      const after = await pool.wasmMemory();
      expect(after.length).toBe(2);
      // Per worker: its worst-k candidates (≤ 1.25 · 500 001 values = 5 MB), the summary it
      // absorbs (the other worker's worst 500 001 values, 4 MB) and one block: ≤ 12 MB of growth.
      const growth = after.map((a, i) => a - (before[i] ?? 0));
      for (const g of growth) expect(g).toBeLessThanOrEqual(12 * 2 ** 20);
    } finally {
      await pool.dispose();
    }
  });
});
