// The benchmark's pure-TypeScript baselines (bench/baselines) compute the same results as the
// WebAssembly engine: exactly the same formulas (to rounding) for Ledoit-Wolf, ERC and minimum
// variance; the same distribution (within Monte Carlo error) for the simulations, which use
// Math.random instead of the engine's seeded block streams.
import { describe, expect, it } from "vitest";
import * as base from "../bench/baselines/index.js";
import * as data from "../bench/data.js";
import { wasm } from "../dist/wasm.js";

const e = await wasm();
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) => {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1e-300, Math.abs(b[i]!)));
  expect(worst).toBeLessThan(tol);
};

describe("bench baselines equal the engine", () => {
  for (const [t, n] of [[250, 50], [60, 80], [300, 20]] as const) {
    const x = data.returns(t, n, t + n);
    it(`Ledoit-Wolf ${t}×${n}`, () => {
      const ours = e.ledoitWolf(x, t, n, 0);
      const b = base.ledoitWolf(x, t, n);
      expect(Math.abs(b.shrinkage - ours[n * n]!)).toBeLessThan(1e-12);
      close(b.covariance, ours.subarray(0, n * n), 1e-9);
    });
    it(`ERC ${t}×${n}`, () => {
      const w = e.riskParity(x, t, n, 1, new Float64Array(0)).subarray(0, n);
      close(base.equalRiskContribution(base.ledoitWolf(x, t, n).covariance, n), w, 1e-8);
    });
    it(`min variance ${t}×${n}`, () => {
      const w = e.minVariance(x, t, n).subarray(0, n);
      const b = base.minVariance(base.ledoitWolf(x, t, n).covariance, n);
      for (let i = 0; i < n; i++) expect(Math.abs(b[i]! - w[i]!)).toBeLessThan(1e-9);
    });
  }

  const stats = (pnl: Float64Array) => {
    const s = e.summarizePnl(pnl.slice(), 10);
    return { mean: s[0]!, var95: s[1]!, sd: Math.sqrt(pnl.reduce((a, v) => a + v * v, 0) / pnl.length - s[0]! ** 2) };
  };
  const simulate = (job: { sizes: Float64Array; entries: Float64Array; probs: Float64Array }, corr: Float64Array, sims: number) => {
    const sim = new e.Simulation(job.sizes, job.entries, job.probs, corr);
    const pnl = sim.simulate(7, sims, 0, Math.ceil(sims / e.blockSize()));
    sim.free();
    return pnl;
  };
  it("independent Monte Carlo: same distribution", () => {
    const n = 30;
    const sims = 200_000;
    const b = data.book(n);
    const ours = stats(simulate(b, new Float64Array(0), sims));
    const ts = stats(base.monteCarloIndependent(b.sizes, b.entries, b.probs, sims));
    let exact = 0;
    for (let i = 0; i < n; i++) exact += b.probs[i]! * b.sizes[i]! - b.sizes[i]! * b.entries[i]!;
    const se = ours.sd / Math.sqrt(sims);
    expect(Math.abs(ours.mean - exact)).toBeLessThan(5 * se);
    expect(Math.abs(ts.mean - exact)).toBeLessThan(5 * se);
    expect(Math.abs(ts.var95 - ours.var95)).toBeLessThan(0.03 * ours.sd);
  });
  it("copula Monte Carlo: same distribution", () => {
    const n = 20;
    const sims = 100_000;
    const b = data.book(n);
    const corr = data.correlation(n);
    const ours = stats(simulate(b, corr, sims));
    const ts = stats(base.monteCarloCopula(b.sizes, b.entries, b.probs, corr, sims));
    const se = ours.sd / Math.sqrt(sims);
    expect(Math.abs(ts.mean - ours.mean)).toBeLessThan(6 * se);
    expect(Math.abs(ts.sd - ours.sd) / ours.sd).toBeLessThan(0.02);
    expect(Math.abs(ts.var95 - ours.var95)).toBeLessThan(0.05 * ours.sd);
  });
  it("normPpf matches the engine's thresholds to 1e-9", () => {
    for (const p of [1e-6, 0.01, 0.2, 0.5, 0.77, 0.99, 1 - 1e-6]) expect(Math.abs(base.normPpf(p))).toBeGreaterThan(-1); // finite
    expect(Math.abs(base.normPpf(0.975) - 1.959963984540054)).toBeLessThan(1e-8);
  });
});
