// Streamed statistics on pools under adversarial use: pool sizes 3 and 4 (chunks not divisible by
// the lanes, fewer blocks than workers), concurrent calls on one pool while a streamed run holds
// every worker, a worker crash mid-pass — each checked bit for bit against the whole-array path,
// and no job state left on the workers afterwards.
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { HzError } from "../dist/index.js";
import { WorkerPool, inlineBackend } from "../dist/backend.js";
import { streamingSettings, streams } from "../dist/simulation.js";
import { wasm } from "../dist/wasm.js";

const DEFAULT_THRESHOLD = streamingSettings.threshold;
afterEach(() => void (streamingSettings.threshold = DEFAULT_THRESHOLD));
const pools: WorkerPool[] = [];
afterAll(async () => void (await Promise.all(pools.map((p) => p.dispose()))));

function job(n: number, nSimulations: number, seed: number, correlated = false) {
  let s = seed;
  const u = () => (s = (s * 48271) % 2147483647) / 2147483647;
  const correlation = new Float64Array(correlated ? n * n : 0);
  if (correlated) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) correlation[i * n + j] = i === j ? 1 : 0.3;
  return {
    sizes: Float64Array.from({ length: n }, () => 10 + 100 * u()),
    entryPrices: Float64Array.from({ length: n }, () => 0.05 + 0.9 * u()),
    winProbs: Float64Array.from({ length: n }, () => 0.05 + 0.9 * u()),
    correlation,
    seed,
    nSimulations,
  };
}

const hex = (x: Float64Array) => [...x].map((v) => v.toString(16)).join(",");

/** The whole-array statistics (inline, default threshold). */
async function whole(j: ReturnType<typeof job>, bins: number): Promise<string> {
  streamingSettings.threshold = DEFAULT_THRESHOLD;
  return hex((await inlineBackend.simulateStats(j, bins, {})).stats);
}

describe("streamed statistics on pools of 3 and 4", () => {
  it("equal the whole-array ones for run lengths around the block and lane counts, and leave no state", async () => {
    const e = await wasm();
    const bs = e.blockSize();
    for (const size of [3, 4]) {
      const pool = new WorkerPool(size);
      pools.push(pool);
      for (const n of [1, 2, bs - 1, bs, bs + 1, 3 * bs + 1, 5 * bs - 7]) {
        for (const [bins, correlated] of [[50, false], [1, true]] as const) {
          const j = job(9, n, 100 + n, correlated);
          const want = await whole(j, bins);
          streamingSettings.threshold = 0;
          const got = await pool.simulateStats({ ...j, sizes: j.sizes.slice() }, bins, {});
          expect(hex(got.stats), `pool ${size}, n ${n}, bins ${bins}`).toBe(want);
        }
      }
      expect(await pool.jobStates()).toEqual(new Array(pool.liveWorkers).fill(0));
    }
  }, 120_000);
});

describe("a streamed run sharing its pool", () => {
  it("concurrent calls (streamed and not) on the same pool all give their solo results, no state left", async () => {
    const pool = new WorkerPool(2);
    pools.push(pool);
    const big = job(30, 400_000, 1);
    const mid = job(12, 100_000, 2, true);
    const small = job(5, 5_000, 3);
    const want = await Promise.all([whole(big, 50), whole(mid, 50), whole(small, 7)]);
    streamingSettings.threshold = 50_000; // big and mid stream, small does not
    const runs = [
      pool.simulateStats(big, 50, {}),
      pool.simulateStats(mid, 50, {}),
      pool.simulateStats(small, 7, {}),
      pool.simulateStats(job(5, 5_000, 3), 7, {}),
    ];
    const out = await Promise.all(runs);
    expect(out.map((o) => hex(o.stats))).toEqual([want[0], want[1], want[2], want[2]]);
    expect(await pool.jobStates()).toEqual(new Array(pool.liveWorkers).fill(0));
  }, 120_000);

  it("an abort of one streamed run leaves the others on the pool intact", async () => {
    const pool = new WorkerPool(2);
    pools.push(pool);
    const a = job(30, 600_000, 4);
    const b = job(20, 300_000, 5);
    const wantB = await whole(b, 50);
    streamingSettings.threshold = 0;
    for (const at of [0.1, 0.6]) {
      const ac = new AbortController();
      const runA = pool.simulateStats(a, 50, {
        signal: ac.signal,
        onProgress: (d, t) => {
          if (d >= at * t) ac.abort();
        },
      });
      const runB = pool.simulateStats(b, 50, {});
      const [ra, rb] = await Promise.allSettled([runA, runB]);
      expect(ra.status).toBe("rejected");
      expect(((ra as PromiseRejectedResult).reason as Error).name).toBe("AbortError");
      expect(rb.status).toBe("fulfilled");
      expect(hex((rb as PromiseFulfilledResult<{ stats: Float64Array }>).value.stats)).toBe(wantB);
      await new Promise((r) => setTimeout(r, 50));
      expect(await pool.jobStates()).toEqual(new Array(pool.liveWorkers).fill(0));
    }
  }, 120_000);

  it("a worker crash in either pass rejects with WORKER_FAILED, frees the survivors' state, and the pool recovers", async () => {
    const pool = new WorkerPool(2);
    pools.push(pool);
    const a = job(40, 2_000_000, 6);
    streamingSettings.threshold = 0;
    for (const at of [0.1, 0.6]) {
      let crashed: Promise<void> | undefined;
      const run = pool.simulateStats(a, 50, {
        onProgress: (d, t) => {
          if (!crashed && d >= at * t) crashed = pool.crashWorker(1);
        },
      });
      const err = await run.then(
        () => undefined,
        (x: unknown) => x,
      );
      await crashed;
      expect((err as HzError).code, `crash at ${at}`).toBe("WORKER_FAILED");
      await new Promise((r) => setTimeout(r, 50));
      expect(await pool.jobStates()).toEqual(new Array(pool.liveWorkers).fill(0));
    }
    const small = job(10, 40_000, 7);
    const want = await whole(small, 50);
    streamingSettings.threshold = 0;
    expect(hex((await pool.simulateStats(small, 50, {})).stats)).toBe(want);
  }, 120_000);
});

describe("huge books", () => {
  it("streamed and whole-array statistics agree, and tiny gains next to 2^1000 positions count as wins", async () => {
    // Two huge positions that cancel when one wins and the other loses, plus a tiny sure win:
    // 3/4 of the scenarios end above 0 (half of them at +5e-301, which the 2^-128 scaling of
    // huge P&L used to underflow to 0 on the whole-array path).
    const big = 2 ** 1000;
    const j = {
      sizes: Float64Array.of(big, big, 1e-300),
      entryPrices: Float64Array.of(0.5, 0.5, 0.5),
      winProbs: Float64Array.of(0.5, 0.5, 1),
      correlation: new Float64Array(0),
      seed: 3,
      nSimulations: 30_001,
    };
    const want = await whole(j, 20);
    const stats = (await inlineBackend.simulateStats(j, 20, {})).stats;
    expect(stats.every((v) => Number.isFinite(v))).toBe(true);
    expect(Math.abs(stats[5]! - 0.75)).toBeLessThan(0.02);
    const pool = new WorkerPool(3);
    pools.push(pool);
    streamingSettings.threshold = 0;
    for (const backend of [inlineBackend, pool]) expect(hex((await backend.simulateStats(j, 20, {})).stats)).toBe(want);
  });
});

describe("at the default threshold", () => {
  it("10^6 scenarios use the whole array, 10^6 + 1 stream, with the statistics of the whole array", async () => {
    expect(DEFAULT_THRESHOLD).toBe(1_000_000);
    expect(streams(1_000_000)).toBe(false);
    expect(streams(1_000_001)).toBe(true);
    const j = job(12, 1_000_001, 11, true);
    streamingSettings.threshold = 2_000_000;
    const want = hex((await inlineBackend.simulateStats(j, 50, {})).stats);
    streamingSettings.threshold = DEFAULT_THRESHOLD;
    const pool = new WorkerPool(3);
    pools.push(pool);
    expect(hex((await pool.simulateStats(j, 50, {})).stats)).toBe(want);
    expect(hex((await inlineBackend.simulateStats(j, 50, {})).stats)).toBe(want);
    expect(await pool.jobStates()).toEqual(new Array(pool.liveWorkers).fill(0));
  }, 120_000);
});
