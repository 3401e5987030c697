// Joint Kelly split over pools under adversarial use: pool size 3 with unit counts not divisible
// by the lanes, one unit only, more workers than units, two jobs at once on one pool, an abort
// while another job holds the lanes, and bad input (typed HzError, nothing kept on the workers).
import { afterAll, describe, expect, it } from "vitest";
import { HzError } from "../dist/index.js";
import { WorkerPool, inlineBackend } from "../dist/backend.js";
import { wasm } from "../dist/wasm.js";

const pools: WorkerPool[] = [];
afterAll(async () => void (await Promise.all(pools.map((p) => p.dispose()))));

function book(n: number, seed: number) {
  let s = seed;
  const u = () => (s = (s * 48271) % 2147483647) / 2147483647;
  const prices = Float64Array.from({ length: n }, () => 0.2 + 0.6 * u());
  const probs = prices.map((p) => Math.min(0.98, p + 0.05 + 0.1 * u()));
  const corr = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) corr[i * n + j] = i === j ? 1 : 0.25;
  return { prices, probs, corr };
}

const hex = (x: Float64Array) => [...x].map((v) => v.toString(16)).join(",");

describe("joint Kelly on pools", () => {
  it("is bit-identical for pools of 1–4 and inline, whatever the units per lane", async () => {
    const e = await wasm();
    const bs = e.blockSize();
    const sizes = [1, 2, 3, 4];
    const ps = sizes.map((k) => new WorkerPool(k));
    pools.push(...ps);
    // 1 unit, 2 units (more workers than units), 4 (not divisible by 3), 7 (by 2, 3 or 4)
    for (const units of [1, 2, 4, 7]) {
      const b = book(24, units);
      const ns = (units - 1) * bs + 100;
      const one = e.kellyJoint(b.prices, b.probs, 1, 0.5, b.corr, ns, 9);
      expect(hex(await inlineBackend.call("kellyJoint", b.prices, b.probs, 1, 0.5, b.corr, ns, 9))).toBe(hex(one));
      for (const [k, pool] of ps.entries()) {
        const out = await pool.call("kellyJoint", b.prices.slice(), b.probs.slice(), 1, 0.5, b.corr.slice(), ns, 9);
        expect(hex(out), `${units} units, pool of ${sizes[k]}`).toBe(hex(one));
      }
    }
    // Exact enumeration (16 markets, no correlation): one unit, whatever the pool.
    const x = book(16, 8);
    const exact = e.kellyJoint(x.prices, x.probs, 1, 1, new Float64Array(0), 1000, 2);
    for (const pool of ps) expect(hex(await pool.call("kellyJoint", x.prices.slice(), x.probs.slice(), 1, 1, new Float64Array(0), 1000, 2))).toBe(hex(exact));
    for (const pool of ps) expect(await pool.jobStates()).toEqual(new Array(pool.liveWorkers).fill(0));
  }, 120_000);

  it("two jobs at once on a pool of 3, and an abort while the other holds the lanes", async () => {
    const e = await wasm();
    const pool = new WorkerPool(3);
    pools.push(pool);
    const a = book(30, 1);
    const b = book(40, 2);
    const ra = e.kellyJoint(a.prices, a.probs, 1, 1, a.corr, 50_000, 3);
    const rb = e.kellyJoint(b.prices, b.probs, 1, 1, b.corr, 30_000, 4);
    const [x, y] = await Promise.all([
      pool.call("kellyJoint", a.prices.slice(), a.probs.slice(), 1, 1, a.corr.slice(), 50_000, 3),
      pool.call("kellyJoint", b.prices.slice(), b.probs.slice(), 1, 1, b.corr.slice(), 30_000, 4),
    ]);
    expect([hex(x), hex(y)]).toEqual([hex(ra), hex(rb)]);
    for (const wait of [0, 5, 40]) {
      const ac = new AbortController();
      const keep = pool.call("kellyJoint", a.prices.slice(), a.probs.slice(), 1, 1, a.corr.slice(), 50_000, 3);
      const gone = pool.callAbortable(ac.signal, "kellyJoint", b.prices.slice(), b.probs.slice(), 1, 1, b.corr.slice(), 300_000, 4);
      setTimeout(() => ac.abort(), wait);
      const [k, g] = await Promise.allSettled([keep, gone]);
      expect(k.status).toBe("fulfilled");
      expect(hex((k as PromiseFulfilledResult<Float64Array>).value)).toBe(hex(ra));
      expect(g.status).toBe("rejected");
      expect(((g as PromiseRejectedResult).reason as Error).name).toBe("AbortError");
      await new Promise((r) => setTimeout(r, 50));
      expect(await pool.jobStates()).toEqual(new Array(pool.liveWorkers).fill(0));
    }
  }, 120_000);

  it("bad input rejects with a typed HzError on every runtime and leaves nothing behind", async () => {
    const pool = new WorkerPool(3);
    pools.push(pool);
    const b = book(30, 5);
    const w = book(210, 6); // above DRIVER_ON_CALLING_THREAD_MAX_MARKETS: the optimiser runs on a worker
    const bad: Array<[string, Parameters<typeof inlineBackend.call<"kellyJoint">>]> = [
      ["210 markets, probability < 0", ["kellyJoint", w.prices, w.probs.map((p, i) => (i === 200 ? -0.1 : p)), 1, 1, w.corr, 20_000, 1]],
      ["210 markets, non-finite corr", ["kellyJoint", w.prices, w.probs, 1, 1, w.corr.map((v, k) => (k === 5 || k === 210 * 5 ? NaN : v)), 20_000, 1]],
      ["210 markets, maxTotal 0", ["kellyJoint", w.prices, w.probs, 0, 1, w.corr, 20_000, 1]],
      ["probability > 1", ["kellyJoint", b.prices, b.probs.map((p, i) => (i === 3 ? 1.5 : p)), 1, 1, b.corr, 20_000, 1]],
      ["NaN price", ["kellyJoint", b.prices.map((p, i) => (i === 7 ? NaN : p)), b.probs, 1, 1, b.corr, 20_000, 1]],
      ["corr of the wrong size", ["kellyJoint", b.prices, b.probs, 1, 1, b.corr.slice(1), 20_000, 1]],
      ["asymmetric corr", ["kellyJoint", b.prices, b.probs, 1, 1, b.corr.map((v, k) => (k === 1 ? 0.9 : v)), 20_000, 1]],
      ["negative fraction", ["kellyJoint", b.prices, b.probs, 1, -1, b.corr, 20_000, 1]],
      ["bad seed", ["kellyJoint", b.prices, b.probs, 1, 1, b.corr, 20_000, -1]],
    ];
    const e = await wasm();
    for (const [what, args] of bad) {
      let direct: unknown;
      try {
        e.kellyJoint(...(args.slice(1) as Parameters<typeof e.kellyJoint>));
      } catch (x) {
        direct = x;
      }
      for (const backend of [inlineBackend, pool]) {
        const err = await backend.call(...args).then(
          () => undefined,
          (x: unknown) => x,
        );
        expect(err, what).toBeInstanceOf(HzError);
        if (direct !== undefined) expect((err as HzError).code, what).toBe((direct as { code?: string }).code ?? (err as HzError).code);
      }
    }
    expect(await pool.jobStates()).toEqual(new Array(pool.liveWorkers).fill(0));
  }, 60_000);
});
