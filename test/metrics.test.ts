// metrics(), predictionGreeks and joint Kelly through the public API, against independent references:
// exact enumeration of outcomes, closed forms, finite differences, the scipy/mpmath fixture.
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { HzError, Portfolio, predictionGreeks, shutdown, type PortfolioMetrics } from "../dist/index.js";
import { build, randomBook, type Pos } from "./portfolio-helpers.js";

afterAll(() => shutdown());

/** Exact distribution of scenario P&L over all 2^N independent outcomes. */
function enumerate(book: Pos[]): Array<{ pnl: number; prob: number }> {
  const out: Array<{ pnl: number; prob: number }> = [];
  for (let mask = 0; mask < 1 << book.length; mask++) {
    let pnl = 0;
    let prob = 1;
    book.forEach((x, i) => {
      const win = (mask >> i) & 1;
      pnl += x.size * ((win ? 1 : 0) - x.entry);
      prob *= win ? x.price : 1 - x.price;
    });
    out.push({ pnl, prob });
  }
  return out.sort((a, b) => a.pnl - b.pnl);
}

/** The β-quantile of a discrete distribution (smallest value with CDF ≥ β). */
function quantile(dist: Array<{ pnl: number; prob: number }>, beta: number): number {
  let c = 0;
  for (const d of dist) {
    c += d.prob;
    if (c >= beta - 1e-12) return d.pnl;
  }
  return dist[dist.length - 1]!.pnl;
}

/** Exact expected shortfall: −mean of the worst (1 − β) probability mass. */
function exactCvar(dist: Array<{ pnl: number; prob: number }>, beta: number): number {
  let mass = 1 - beta;
  let acc = 0;
  for (const d of dist) {
    const take = Math.min(mass, d.prob);
    acc += take * d.pnl;
    mass -= take;
    if (mass <= 0) break;
  }
  return -acc / (1 - beta);
}

describe("Monte Carlo against exact enumeration (independent outcomes)", () => {
  for (const [n, seed] of [[1, 1], [3, 2], [6, 3], [9, 4], [12, 5]] as const) {
    it(`N = ${n}`, async () => {
      const book = randomBook(n, seed);
      const nSim = 200_000;
      const m = await build(book).metrics({ nSimulations: nSim, seed: 100 + n });
      const dist = enumerate(book);
      const mean = dist.reduce((s, d) => s + d.prob * d.pnl, 0);
      const sd = Math.sqrt(dist.reduce((s, d) => s + d.prob * (d.pnl - mean) ** 2, 0));
      expect(Math.abs(m.expectedPnl - mean)).toBeLessThanOrEqual((4 * sd) / Math.sqrt(nSim) + 1e-9);
      const win = dist.filter((d) => d.pnl > 0).reduce((s, d) => s + d.prob, 0);
      expect(Math.abs(m.winProbability - win)).toBeLessThanOrEqual(4 * Math.sqrt((win * (1 - win)) / nSim) + 1e-9);
      // VaR95 lies between the exact 4% and 6% quantiles of P&L (as losses)
      expect(m.var95).toBeLessThanOrEqual(-quantile(dist, 0.04) + 1e-9);
      expect(m.var95).toBeGreaterThanOrEqual(-quantile(dist, 0.06) - 1e-9);
      const cvar = exactCvar(dist, 0.95);
      expect(Math.abs(m.cvar95 - cvar)).toBeLessThanOrEqual(0.05 * Math.abs(cvar) + sd * 0.05);
      expect(m.var95).toBeLessThanOrEqual(m.cvar95 + 1e-9);
      expect(m.cvar95).toBeLessThanOrEqual(m.maxLoss + 1e-9);
      expect(m.var99).toBeLessThanOrEqual(m.cvar99 + 1e-9);
      const counts = m.pnlHistogram.counts.reduce((a, b) => a + b, 0);
      expect(counts).toBe(nSim);
      expect(m.pnlHistogram.edges).toHaveLength(m.pnlHistogram.counts.length + 1);
    });
  }
});

describe("Gaussian copula", () => {
  // Sizes 1 and 2 at entry 0.5: the four joint outcomes give four distinct P&L values (±0.5, ±1.5),
  // so the histogram (50 bins over [−1.5, 1.5]) reads off the joint frequencies.
  const two: Pos[] = [
    { id: "a", side: "yes", size: 1, entry: 0.5, price: 0.4 },
    { id: "b", side: "yes", size: 2, entry: 0.5, price: 0.4 },
  ];
  const freqs = (m: PortfolioMetrics) => {
    const { edges, counts } = m.pnlHistogram;
    const at = (x: number) => counts.reduce((s, c, i) => s + (x >= edges[i]! && x <= edges[i + 1]! ? c : 0), 0) / m.nSimulations;
    return { bothLose: at(-1.5), aWins: at(-0.5), bWins: at(0.5), bothWin: at(1.5) };
  };

  it("ρ = 1 with equal prices: both resolve together in every scenario", async () => {
    const m = await build(two).metrics({ nSimulations: 100_000, seed: 1, correlation: [[1, 1], [1, 1]] });
    const f = freqs(m);
    expect(f.aWins).toBe(0);
    expect(f.bWins).toBe(0);
    expect(f.bothWin + f.bothLose).toBe(1);
    expect(Math.abs(f.bothWin - 0.4)).toBeLessThan(4 * Math.sqrt(0.24 / 100_000));
    expect(m.correlationRepaired).toBe(false);
  });

  it("ρ = 0: joint frequencies are the products", async () => {
    const n = 200_000;
    const m = await build(two).metrics({ nSimulations: n, seed: 2, correlation: [[1, 0], [0, 1]] });
    const f = freqs(m);
    for (const [got, want] of [[f.bothWin, 0.16], [f.aWins, 0.24], [f.bWins, 0.24], [f.bothLose, 0.36]] as const) {
      expect(Math.abs(got - want)).toBeLessThan(4 * Math.sqrt((want * (1 - want)) / n));
    }
  });

  it("ρ = −1 (PSD, singular) with prices summing to 1: exactly one wins", async () => {
    const book: Pos[] = [
      { id: "a", side: "yes", size: 1, entry: 0.5, price: 0.3 },
      { id: "b", side: "yes", size: 2, entry: 0.5, price: 0.7 },
    ];
    const f = freqs(await build(book).metrics({ nSimulations: 50_000, seed: 3, correlation: [[1, -1], [-1, 1]] }));
    expect(f.bothWin).toBe(0);
    expect(f.bothLose).toBe(0);
  });

  it("an indefinite matrix is repaired and reported, not a crash", async () => {
    const c = [
      [1, 0.9, -0.9],
      [0.9, 1, 0.9],
      [-0.9, 0.9, 1],
    ];
    const book = [...two, { id: "c", side: "no" as const, size: 3, entry: 0.3, price: 0.5 }];
    const m = await build(book).metrics({ nSimulations: 20_000, seed: 4, correlation: c });
    expect(m.correlationRepaired).toBe(true);
    expect(Number.isFinite(m.var95)).toBe(true);
    // the reported matrix is the repaired one: unit diagonal, symmetric, positive semi-definite
    const r = m.correlationMatrix!;
    expect(r).not.toEqual(c);
    r.forEach((row, i) => {
      expect(row[i]).toBeCloseTo(1, 12);
      row.forEach((v, j) => expect(v).toBeCloseTo(r[j]![i]!, 12));
    });
    for (const x of [[1, -1, 1], [1, 1, 0], [0.3, -0.2, 0.9], [1, -1, -1]]) {
      const q = x.reduce((s, xi, i) => s + xi * x.reduce((t, xj, j) => t + r[i]![j]! * xj, 0), 0);
      expect(q).toBeGreaterThanOrEqual(-1e-12);
    }
    const worker = await build(book, "worker").metrics({ nSimulations: 20_000, seed: 4, correlation: c });
    expect(worker.correlationMatrix).toEqual(r);
  });

  it("with a history, outcomes follow the Ledoit-Wolf correlation of it", async () => {
    // Two markets driven by one factor: their LW correlation is high, so they co-move in the copula.
    let s = 9;
    const u = () => (s = (s * 48271) % 2147483647) / 2147483647 - 0.5;
    const rows = Array.from({ length: 200 }, () => {
      const f = u();
      return [f + 0.1 * u(), f + 0.1 * u()];
    });
    const m = await build(two).metrics({ nSimulations: 100_000, seed: 5, returnsHistory: rows });
    const rho = m.correlationMatrix![0]![1]!;
    expect(rho).toBeGreaterThan(0.9);
    expect(m.shrinkageIntensity).toBeGreaterThanOrEqual(0);
    expect(m.covarianceMatrix).toHaveLength(2);
    const f = freqs(m);
    // P(both win) for a bivariate normal copula exceeds independence and is below the comonotone bound
    expect(f.bothWin).toBeGreaterThan(0.16 + 0.1);
    expect(f.bothWin).toBeLessThan(0.4 + 1e-9);
  });
});

describe("Greeks (digital model)", () => {
  const fixture = JSON.parse(readFileSync(new URL("../fixtures/greeks.json", import.meta.url), "utf8")) as {
    cases: Array<{ price: number; size: number; is_yes: boolean; t_hours: number; vol: number; delta: number; gamma: number; theta: number; vega: number }>;
  };

  it("match closed forms computed independently (scipy/mpmath fixture) to 1e-10", async () => {
    for (const c of fixture.cases) {
      const g = await predictionGreeks({ price: c.price, size: c.size, side: c.is_yes ? "yes" : "no", tHours: c.t_hours, vol: c.vol, model: "digital", runtime: "inline" });
      for (const k of ["delta", "gamma", "theta", "vega"] as const) {
        expect(Math.abs(g[k] - c[k])).toBeLessThanOrEqual(1e-10 * Math.max(1, Math.abs(c[k])));
      }
    }
  });

  it("match central finite differences of V = N(d2(S, σ, τ))", async () => {
    // An independent Φ (local erfc), so the reference does not reuse the engine's normal functions.
    const Phi = (x: number) => 0.5 * erfc(-x / Math.SQRT2);
    for (const [p, tHours, vol] of [[0.3, 24, 0.2], [0.62, 72, 0.5], [0.5, 6, 1.0]] as const) {
      const tau = tHours / 8760;
      const g = await predictionGreeks({ price: p, size: 1, side: "yes", tHours, vol, model: "digital", runtime: "inline" });
      const d2at1 = inverse(Phi, p);
      const m = d2at1 * vol * Math.sqrt(tau) + (vol * vol * tau) / 2; // drift making V(1) = p
      const V = (S: number, s: number, t: number) => Phi((Math.log(S) + m - (s * s * t) / 2) / (s * Math.sqrt(t)));
      const h = 1e-4 * vol * Math.sqrt(tau); // steps small relative to the latent scale σ√τ
      const h2 = 2e-3 * vol * Math.sqrt(tau);
      const delta = (V(1 + h, vol, tau) - V(1 - h, vol, tau)) / (2 * h);
      const gamma = (V(1 + h2, vol, tau) - 2 * V(1, vol, tau) + V(1 - h2, vol, tau)) / (h2 * h2);
      // vega/theta: hold the latent distance ln S + m fixed, as the closed forms do
      const Vst = (s: number, t: number) => Phi((d2at1 * vol * Math.sqrt(tau) + (vol * vol * tau) / 2 - (s * s * t) / 2) / (s * Math.sqrt(t)));
      const vega = (Vst(vol + 1e-6, tau) - Vst(vol - 1e-6, tau)) / 2e-6;
      const theta = -(Vst(vol, tau + 1e-9) - Vst(vol, tau - 1e-9)) / 2e-9 / 8760;
      expect(Math.abs(g.delta - delta) / Math.abs(delta)).toBeLessThan(1e-6);
      expect(Math.abs(g.gamma - gamma) / Math.max(1, Math.abs(gamma))).toBeLessThan(1e-5); // a second difference: 1e-5 is its precision
      expect(Math.abs(g.vega - vega) / Math.max(1e-9, Math.abs(vega))).toBeLessThan(1e-6);
      expect(Math.abs(g.theta - theta) / Math.max(1e-12, Math.abs(theta))).toBeLessThan(1e-5);
    }
  });

  it("NO negates YES; degenerate inputs give zeros, never NaN; metrics carry position Greeks", async () => {
    const yes = await predictionGreeks({ price: 0.3, size: 10, side: "yes", model: "digital", runtime: "inline" });
    const no = await predictionGreeks({ price: 0.7, size: 10, side: "no", model: "digital", runtime: "inline" });
    for (const k of ["delta", "gamma", "theta", "vega"] as const) expect(no[k]).toBeCloseTo(-yes[k], 9);
    for (const price of [0, 1]) expect(await predictionGreeks({ price, size: 5, model: "digital", runtime: "inline" })).toEqual({ delta: 0, gamma: 0, theta: 0, vega: 0 });
    expect(await predictionGreeks({ price: 0.4, size: 5, tHours: 0, model: "digital", runtime: "inline" })).toEqual({ delta: 0, gamma: 0, theta: 0, vega: 0 });
    const p = build([{ id: "a", side: "yes", size: 10, entry: 0.5, price: 0.3 }]);
    const m = await p.metrics({ nSimulations: 100, seed: 1, greeksModel: "digital" });
    expect(m.greeks.a!.delta).toBeCloseTo(yes.delta, 9);
  });
});

describe("joint Kelly", () => {
  it("single market = the closed form (YES and NO)", async () => {
    const p = build([
      { id: "y", side: "yes", size: 1, entry: 0.5, price: 0.5 },
      { id: "n", side: "no", size: 1, entry: 0.4, price: 0.4 },
    ]);
    const y = await p.optimizeKelly({ probs: { y: 0.7 }, method: "joint" });
    expect(y.y).toBeCloseTo(0.4, 8);
    const n = await p.optimizeKelly({ probs: { n: 0.3 }, method: "joint" });
    expect(n.n).toBeCloseTo(0.5, 8);
    const half = await p.optimizeKelly({ probs: { y: 0.7 }, method: "joint", fraction: 0.5 });
    expect(half.y).toBeCloseTo(0.2, 8);
  });

  it("two independent markets = a brute-force grid search of expected log growth", async () => {
    const P = [0.4, 0.55];
    const q = [0.6, 0.7];
    const p = build([
      { id: "a", side: "yes", size: 1, entry: P[0]!, price: P[0]! },
      { id: "b", side: "yes", size: 1, entry: P[1]!, price: P[1]! },
    ]);
    const w = await p.optimizeKelly({ probs: { a: q[0]!, b: q[1]! }, method: "joint" });
    const G = (f: number[]) => {
      let g = 0;
      for (let s = 0; s < 4; s++) {
        const wa = s & 1;
        const wb = (s >> 1) & 1;
        const prob = (wa ? q[0]! : 1 - q[0]!) * (wb ? q[1]! : 1 - q[1]!);
        const r = 1 + f[0]! * (wa ? (1 - P[0]!) / P[0]! : -1) + f[1]! * (wb ? (1 - P[1]!) / P[1]! : -1);
        g += prob * Math.log(r);
      }
      return g;
    };
    let best = { g: -Infinity, f: [0, 0] };
    for (let i = 0; i <= 1000; i++) {
      for (let j = 0; i + j <= 1000; j++) {
        const f = [i / 1000, j / 1000];
        if (1 - f[0]! - f[1]! <= 0) continue;
        const g = G(f);
        if (g > best.g) best = { g, f };
      }
    }
    expect(Math.abs(w.a! - best.f[0]!)).toBeLessThan(2e-3);
    expect(Math.abs(w.b! - best.f[1]!)).toBeLessThan(2e-3);
    expect(G([w.a!, w.b!])).toBeGreaterThanOrEqual(best.g - 1e-9);
    // never more in total than the independent formula
    const indep = await p.optimizeKelly({ probs: { a: q[0]!, b: q[1]! }, maxTotal: 10 });
    expect(w.a! + w.b!).toBeLessThanOrEqual(indep.a! + indep.b! + 1e-9);
  });

  it("respects maxTotal and runs correlated (Monte Carlo) with a history", async () => {
    const book = randomBook(4, 77).map((x) => ({ ...x, side: "yes" as const, entry: 0.4, price: 0.4 }));
    const p = build(book, "worker");
    const probs = { m0: 0.6, m1: 0.65, m2: 0.55, m3: 0.7 };
    const w = await p.optimizeKelly({ probs, method: "joint", maxTotal: 0.3 });
    const tot = Object.values(w).reduce((a, b) => a + b, 0);
    expect(tot).toBeLessThanOrEqual(0.3 + 1e-9);
    const rows = Array.from({ length: 30 }, (_, t) => [Math.sin(t), Math.sin(t) + 0.1 * Math.cos(3 * t), Math.cos(t), Math.sin(2 * t)]);
    const wc = await p.optimizeKelly({ probs, method: "joint", returnsHistory: rows, nSimulations: 20_000, seed: 3 });
    expect(Object.values(wc).every((x) => Number.isFinite(x) && x >= 0)).toBe(true);
    expect(await p.optimizeKelly({ probs, method: "joint", returnsHistory: rows, nSimulations: 20_000, seed: 3 })).toEqual(wc);
  });
});

describe("reproducibility and edge cases", () => {
  const book = randomBook(5, 42);

  it("same seed → identical objects (inline and worker); different seeds differ", async () => {
    const a = await build(book).metrics({ nSimulations: 30_000, seed: 11 });
    const b = await build(book).metrics({ nSimulations: 30_000, seed: 11 });
    const c = await build(book, "worker").metrics({ nSimulations: 30_000, seed: 11 });
    expect(b).toEqual(a);
    expect(JSON.stringify(c)).toBe(JSON.stringify(a));
    const d = await build(book).metrics({ nSimulations: 30_000, seed: 12 });
    expect(d.pnlHistogram.counts).not.toEqual(a.pnlHistogram.counts);
  });

  it("without a seed, a random one is drawn and returned (and reproduces the run)", async () => {
    const p = build(book);
    const a = await p.metrics({ nSimulations: 5_000 });
    const b = await p.metrics({ nSimulations: 5_000 });
    expect(Number.isSafeInteger(a.seed)).toBe(true);
    expect(a.seed).not.toBe(b.seed);
    expect(await p.metrics({ nSimulations: 5_000, seed: a.seed })).toEqual(a);
  });

  it("zero positions → a metrics object of zeros (no NaN)", async () => {
    const m = await new Portfolio({ runtime: "inline" }).metrics({ seed: 1 });
    for (const k of ["numPositions", "totalValue", "totalPnl", "totalPnlPct", "concentration", "expectedPnl", "var95", "cvar95", "var99", "cvar99", "winProbability", "maxLoss", "maxGain"] as const) {
      expect(m[k]).toBe(0);
    }
    expect(m.correlationMatrix).toBeNull();
  });

  it("probs override the current prices as win probabilities", async () => {
    const p = build([{ id: "a", side: "no", size: 10, entry: 0.5, price: 0.5 }]);
    const m = await p.metrics({ nSimulations: 50_000, seed: 1, probs: { a: 0.9 } }); // YES 0.9 → NO wins 10%
    expect(Math.abs(m.winProbability - 0.1)).toBeLessThan(4 * Math.sqrt(0.09 / 50_000));
  });

  const bad: Array<[string, Record<string, unknown>, string]> = [
    ["nSimulations 0", { nSimulations: 0 }, "INVALID_ARGUMENT"],
    ["nSimulations 1.5", { nSimulations: 1.5 }, "INVALID_ARGUMENT"],
    ["nSimulations NaN", { nSimulations: Number.NaN }, "INVALID_ARGUMENT"],
    ["nSimulations above the cap", { nSimulations: 1e9 }, "LIMIT_EXCEEDED"],
    ["vol < 0", { vol: -0.2 }, "INVALID_ARGUMENT"],
    ["vol NaN", { vol: Number.NaN }, "INVALID_ARGUMENT"],
    ["tHours < 0", { tHours: -1 }, "INVALID_ARGUMENT"],
    ["probs > 1", { probs: { m0: 1.2 } }, "INVALID_PROBABILITY"],
    ["probs unknown market", { probs: { zz: 0.5 } }, "UNKNOWN_MARKET"],
    ["correlation wrong size", { correlation: [[1]] }, "INVALID_ARGUMENT"],
    ["correlation not symmetric", { correlation: [[1, 0.2, 0, 0, 0], [0.3, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1]] }, "INVALID_ARGUMENT"],
    ["correlation diagonal ≠ 1", { correlation: [[0.9, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1]] }, "INVALID_ARGUMENT"],
    ["correlation with NaN", { correlation: [[1, Number.NaN, 0, 0, 0], [Number.NaN, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1]] }, "INVALID_ARGUMENT"],
    ["seed negative", { seed: -1 }, "INVALID_ARGUMENT"],
  ];
  for (const runtime of ["inline", "worker"] as const) {
    for (const [name, options, code] of bad) {
      it(`${runtime}: ${name} → ${code}`, async () => {
        const p = build(book, runtime);
        const err = await p.metrics(options).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(HzError);
        expect((err as HzError).code).toBe(code);
      });
    }
  }
});

/** erfc with ~1e-15 relative accuracy (continued fraction / series), for the finite-difference reference. */
function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 2) {
    // erf series
    let sum = x;
    let term = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  // continued fraction (Lentz)
  let f = x;
  let C = x;
  let D = 0;
  for (let n = 1; n < 300; n++) {
    const a = n / 2;
    D = x + a * D;
    D = 1 / D;
    C = x + a / C;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

function inverse(F: (x: number) => number, p: number): number {
  let lo = -40;
  let hi = 40;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (F(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

describe("joint Kelly cancellation", () => {
  it("an aborted signal rejects with AbortError", async () => {
    const p = build([{ id: "a", side: "yes", size: 1, entry: 0.5, price: 0.5 }]);
    const ac = new AbortController();
    ac.abort();
    const err = await p.optimizeKelly({ probs: { a: 0.7 }, method: "joint", signal: ac.signal }).catch((e: unknown) => e);
    expect((err as Error).name).toBe("AbortError");
  });
});
