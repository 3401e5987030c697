// Facade-level checks of Ledoit-Wolf and the optimizers against independent references:
// scikit-learn / Ledoit's covCor.m fixtures (fixtures/make_fixtures_lw.py), closed forms and KKT.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ledoitWolf, Portfolio } from "../dist/index.js";
import { predictitReturns } from "./predictit.js";

interface LwCase {
  name: string;
  T: number;
  N: number;
  X: number[];
  identity: { covariance: number[]; shrinkage: number };
  constant_correlation: { covariance: number[]; shrinkage: number };
}
const fixture = JSON.parse(readFileSync(new URL("../fixtures/ledoit_wolf.json", import.meta.url), "utf8")) as {
  cases: LwCase[];
  predictit: LwCase & { markets: string[] };
};

const rowsOf = (flat: number[], T: number, N: number) => Array.from({ length: T }, (_, t) => flat.slice(t * N, (t + 1) * N));

function expectMatrixClose(actual: number[][], expectedFlat: number[], n: number, tol: number): void {
  const scale = Math.max(...expectedFlat.map(Math.abs), 1e-300);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(Math.abs(actual[i]![j]! - expectedFlat[i * n + j]!)).toBeLessThanOrEqual(tol * scale);
}

function portfolioOf(n: number, runtime: "inline" | "worker" = "inline"): Portfolio {
  const p = new Portfolio({ capital: 1000, runtime });
  for (let j = 0; j < n; j++) p.addPosition({ marketId: `m${j}`, side: j % 3 === 0 ? "no" : "yes", size: 10 + j, entryPrice: 0.5, currentPrice: 0.4 + 0.01 * (j % 20) });
  return p;
}

const matVec = (S: number[][], w: number[]) => S.map((row) => row.reduce((s, x, j) => s + x * w[j]!, 0));

/** Seeded normal-ish rows with a common factor. */
function randomRows(T: number, N: number, seed: number): number[][] {
  let s = seed;
  const u = () => ((s = (s * 16807) % 2147483647) / 2147483647) - 0.5;
  return Array.from({ length: T }, () => {
    const f = u();
    return Array.from({ length: N }, (_, j) => f * (0.5 + (j % 4) * 0.3) + u() * (1 + j * 0.1));
  });
}

describe("Ledoit-Wolf", () => {
  for (const c of fixture.cases) {
    it(`identity target = scikit-learn ledoit_wolf (${c.name}, T=${c.T} N=${c.N})`, async () => {
      const r = await ledoitWolf(rowsOf(c.X, c.T, c.N), { runtime: "inline" });
      expect(r.shrinkage).toBeCloseTo(c.identity.shrinkage, 12);
      expectMatrixClose(r.covariance, c.identity.covariance, c.N, 1e-12);
    });
    it(`constant-correlation target = Ledoit & Wolf (2004) covCor (${c.name})`, async () => {
      const r = await ledoitWolf(rowsOf(c.X, c.T, c.N), { target: "constant-correlation", runtime: "inline" });
      expect(r.shrinkage).toBeCloseTo(c.constant_correlation.shrinkage, 10);
      expectMatrixClose(r.covariance, c.constant_correlation.covariance, c.N, 1e-10);
    });
  }

  it("is symmetric with shrinkage in [0, 1], also for T < N and constant columns", async () => {
    const rows = randomRows(5, 12, 7).map((r) => [...r, 0.25]); // a constant last column
    const r = await ledoitWolf(rows, { runtime: "inline" });
    expect(r.shrinkage).toBeGreaterThanOrEqual(0);
    expect(r.shrinkage).toBeLessThanOrEqual(1);
    r.covariance.forEach((row, i) => row.forEach((v, j) => (expect(Number.isFinite(v)).toBe(true), expect(v).toBe(r.covariance[j]![i]!))));
  });

  it("the same in a worker as inline", async () => {
    const c = fixture.cases[2]!;
    expect(await ledoitWolf(rowsOf(c.X, c.T, c.N), { runtime: "worker" })).toEqual(await ledoitWolf(rowsOf(c.X, c.T, c.N), { runtime: "inline" }));
  });
});

describe("risk parity", () => {
  it("a diagonal covariance gives inverse-volatility weights", async () => {
    // Orthogonal ±1 patterns (Hadamard columns) scaled per market: the sample covariance is diagonal.
    const H = [
      [1, 1, 1, 1],
      [1, -1, 1, -1],
      [1, 1, -1, -1],
      [1, -1, -1, 1],
    ];
    const scales = [0.01, 0.02, 0.04];
    const rows = H.map((h) => scales.map((s, j) => s * h[j + 1]!));
    const p = portfolioOf(3);
    const { covariance } = await p.ledoitWolf(rows);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) if (i !== j) expect(Math.abs(covariance[i]![j]!)).toBeLessThan(1e-18);
    const inv = covariance.map((r, i) => 1 / Math.sqrt(r[i]!));
    const tot = inv.reduce((a, b) => a + b, 0);
    const w = await p.optimizeRiskParity(rows);
    inv.forEach((x, j) => expect(w[`m${j}`]).toBeCloseTo(x / tot, 14));
  });

  it("ERC equalises risk contributions (and honours budgets) on the Ledoit-Wolf covariance", async () => {
    const rows = randomRows(60, 6, 11);
    const p = portfolioOf(6);
    const S = (await p.ledoitWolf(rows)).covariance;
    for (const budgets of [undefined, { m0: 0.1, m1: 0.1, m2: 0.2, m3: 0.2, m4: 0.3, m5: 0.1 }]) {
      const w = await p.optimizeRiskParity(rows, { method: "erc", budgets });
      const x = p.marketIds().map((id) => w[id]!);
      expect(x.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      const Sx = matVec(S, x);
      const risk = x.reduce((s, xi, i) => s + xi * Sx[i]!, 0);
      x.forEach((xi, i) => expect(Math.abs((xi * Sx[i]!) / risk - (budgets ? Object.values(budgets)[i]! : 1 / 6))).toBeLessThan(1e-8));
    }
  });
});

describe("minimum variance", () => {
  it("satisfies the long-only KKT conditions on random histories", async () => {
    for (const [T, N, seed] of [[40, 8, 3], [25, 15, 5], [100, 30, 9], [12, 20, 13]] as const) {
      const rows = randomRows(T, N, seed);
      const p = portfolioOf(N);
      const S = (await p.ledoitWolf(rows)).covariance;
      const w = await p.optimizeMinVariance(rows);
      const x = p.marketIds().map((id) => w[id]!);
      expect(x.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      x.forEach((xi) => expect(xi).toBeGreaterThanOrEqual(0));
      const g = matVec(S, x);
      const v = x.reduce((s, xi, i) => s + xi * g[i]!, 0);
      x.forEach((xi, i) => {
        if (xi > 1e-12) expect(Math.abs(g[i]! - v)).toBeLessThan(1e-10 * Math.abs(v) + 1e-15);
        else expect(g[i]!).toBeGreaterThanOrEqual(v * (1 - 1e-9));
      });
    }
  });
});

describe("real data: PredictIt 2018 Senate markets", () => {
  const { ids, rows } = predictitReturns();
  const p = new Portfolio({ capital: 10_000, runtime: "inline" });
  ids.forEach((id, j) => p.addPosition({ marketId: id, side: "yes", size: 100 + 10 * j, entryPrice: 0.5, currentPrice: 0.5 }));

  it("uses the markets in the fixture's order", () => {
    expect(ids).toEqual(fixture.predictit.markets);
    expect(rows.length).toBe(fixture.predictit.T);
  });

  it("Ledoit-Wolf of the 158×18 daily changes = scikit-learn", async () => {
    const r = await p.ledoitWolf(rows);
    expect(r.shrinkage).toBeCloseTo(fixture.predictit.identity.shrinkage, 12);
    expectMatrixClose(r.covariance, fixture.predictit.identity.covariance, ids.length, 1e-12);
  });

  it("all four optimizers give finite, non-negative weights summing to 1 (Kelly: ≤ maxTotal)", async () => {
    const results = {
      equal: await p.optimizeEqualWeight(),
      inverseVol: await p.optimizeRiskParity(rows),
      erc: await p.optimizeRiskParity(rows, { method: "erc" }),
      minVariance: await p.optimizeMinVariance(rows),
    };
    for (const w of Object.values(results)) {
      expect(Object.keys(w)).toEqual(ids);
      const x = Object.values(w);
      x.forEach((v) => (expect(Number.isFinite(v)).toBe(true), expect(v).toBeGreaterThanOrEqual(0)));
      expect(x.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
    const probs = Object.fromEntries(ids.map((id, j) => [id, 0.3 + 0.04 * j]));
    const k = await p.optimizeKelly({ probs, maxTotal: 0.8 });
    const kx = Object.values(k);
    kx.forEach((v) => (expect(Number.isFinite(v)).toBe(true), expect(v).toBeGreaterThanOrEqual(0)));
    expect(kx.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(0.8 + 1e-12);
  });
});
