// Events (mutually exclusive markets) through the public API, against independent references:
// exact enumeration of every joint state, brute-force maximisation of expected log growth, the
// Smoczynski–Tomkins reference race.
import { afterAll, describe, expect, it } from "vitest";
import { HzError, Portfolio, shutdown, type PortfolioMetrics } from "../dist/index.js";
import { build, type Pos } from "./portfolio-helpers.js";

afterAll(() => shutdown());


function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof HzError) return e.code;
    throw e;
  }
  return undefined;
}

describe("defineEvent / eventDefinitions / removeEvent", () => {
  it("defines, lists, redefines and removes", () => {
    const p = build([{ id: "a", side: "yes", size: 1, entry: 0.5, price: 0.5 }]);
    p.defineEvent("race", { markets: ["a", "b", "c"] });
    p.defineEvent("__proto__", { markets: ["__proto__", "constructor"], exhaustive: true });
    expect(p.eventDefinitions()).toEqual([
      { eventId: "race", markets: ["a", "b", "c"], exhaustive: false },
      { eventId: "__proto__", markets: ["__proto__", "constructor"], exhaustive: true },
    ]);
    p.defineEvent("race", { markets: ["a", "b"] }); // replaces, keeps its place
    expect(p.eventDefinitions()[0]!.markets).toEqual(["a", "b"]);
    p.defineEvent("other", { markets: ["c", "d"] }); // c is free again
    p.removeEvent("race");
    expect(p.eventDefinitions().map((d) => d.eventId)).toEqual(["__proto__", "other"]);
  });

  it("bad input is an HzError naming the event and market, and changes nothing", () => {
    const p = build([{ id: "a", side: "yes", size: 1, entry: 0.5, price: 0.5 }]);
    p.defineEvent("e1", { markets: ["a", "b"] });
    const before = JSON.stringify(p.toJSON());
    const bad: Array<[string, unknown, string | undefined]> = [
      ["e2", { markets: ["a", "c"] }, "a"], // a market in two events
      ["e2", { markets: ["c", "c"] }, "c"], // duplicate
      ["e2", { markets: ["c"] }, undefined], // fewer than 2
      ["e2", { markets: "c,d" }, undefined],
      ["e2", { markets: ["c", ""] }, undefined],
      ["e2", { markets: ["c", 3] }, undefined],
      ["e2", { markets: ["c", "d"], exhaustive: "yes" }, undefined],
      ["e2", { markets: ["c", "d"], mutuallyExclusive: true }, undefined],
      ["e2", null, undefined],
      ["e2", ["c", "d"], undefined],
      ["", { markets: ["c", "d"] }, undefined],
    ];
    for (const [id, spec, market] of bad) {
      let err: unknown;
      try {
        p.defineEvent(id, spec as never);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(spec)).toBeInstanceOf(HzError);
      const h = err as HzError;
      expect(h.code).toBe("INVALID_ARGUMENT");
      if (id !== "") {
        expect(h.eventId).toBe(id);
        expect(h.message).toContain(`"${id}"`);
      }
      if (market !== undefined) {
        expect(h.marketId).toBe(market);
        expect(h.message).toContain(`"${market}"`);
      }
      expect(JSON.stringify(p.toJSON())).toBe(before);
    }
    expect(code(() => p.removeEvent("nope"))).toBe("INVALID_ARGUMENT");
    expect(JSON.stringify(p.toJSON())).toBe(before);
  });

  it("is saved by toJSON and restored; version 1 JSON is still read", () => {
    const p = build([{ id: "a", side: "no", size: 3, entry: 0.4, price: 0.45 }]);
    p.defineEvent("race", { markets: ["a", "b"], exhaustive: true });
    const q = Portfolio.fromJSON(JSON.stringify(p.toJSON()));
    expect(q.eventDefinitions()).toEqual(p.eventDefinitions());
    expect(p.toJSON().version).toBe(3); // 3 since issue 16 (labels, resolvesAt)
    const v1 = { ...p.toJSON(), version: 1 } as Record<string, unknown>;
    delete v1.events;
    expect(Portfolio.fromJSON(v1 as never).eventDefinitions()).toEqual([]);
    // a v2 file with an invalid event is rejected as a whole
    const bad = { ...p.toJSON(), events: [{ eventId: "x", markets: ["a", "a"], exhaustive: false }] };
    expect(code(() => Portfolio.fromJSON(bad as never))).toBe("INVALID_ARGUMENT");
  });

  it("probabilities: unknown markets, event outcomes that are not held, exhaustive events that cannot be normalised", async () => {
    const p = build([{ id: "a", side: "yes", size: 10, entry: 0.3, price: 0.3 }]);
    p.defineEvent("race", { markets: ["a", "b"], exhaustive: true });
    await expect(p.metrics({ seed: 1, probs: { zzz: 0.5 } })).rejects.toMatchObject({ code: "UNKNOWN_MARKET", marketId: "zzz" });
    const m = await p.metrics({ seed: 1, probs: { b: 0.6 } }); // b is not held: it sets its outcome's probability
    expect(m.events.race!.states.map((s) => s.outcome)).toEqual(["a", "b"]);
    expect(m.events.race!.states[0]!.probability).toBeCloseTo(0.3 / 0.9, 14);
    let err: unknown;
    try {
      await p.metrics({ seed: 1, probs: { a: 0, b: 0 } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HzError);
    expect((err as HzError).code).toBe("INVALID_PROBABILITY");
    expect((err as HzError).eventId).toBe("race");
    expect((err as HzError).marketId).toBe("a");
    expect(Object.getPrototypeOf(m.events)).toBe(null);
  });
});

// ---------------------------------------------------------------- exact reference

/** A book with two events, one of them holding a NO and an unheld priced outcome, and two independent markets. */
const BOOK: Pos[] = [
  { id: "a", side: "yes", size: 100, entry: 0.3, price: 0.35 },
  { id: "b", side: "no", size: 80, entry: 0.6, price: 0.7 },
  { id: "d", side: "yes", size: 50, entry: 0.5, price: 0.55 },
  { id: "e", side: "yes", size: 70, entry: 0.4, price: 0.5 },
  { id: "x", side: "yes", size: 60, entry: 0.2, price: 0.25 },
  { id: "y", side: "no", size: 40, entry: 0.7, price: 0.6 },
];
const PROBS = { c: 0.2 };

function bookPortfolio(runtime: "inline" | "worker" = "inline", poolSize?: number): Portfolio {
  const p = new Portfolio({ capital: 10_000, runtime, ...(poolSize ? { poolSize } : {}) });
  for (const x of BOOK) p.addPosition({ marketId: x.id, side: x.side, size: x.size, entryPrice: x.entry, currentPrice: x.price });
  p.defineEvent("E1", { markets: ["a", "b", "c"] });
  p.defineEvent("E2", { markets: ["d", "e"], exhaustive: true });
  return p;
}

interface Atom {
  pnl: number;
  prob: number;
}

/** Every joint state of BOOK, computed independently of the library. */
function enumerateBook(): { atoms: Atom[]; e1: Map<string | null, [number, number]>; e2: Map<string, [number, number]> } {
  const byId = new Map(BOOK.map((x) => [x.id, x]));
  const posPnl = (id: string, wins: boolean) => {
    const x = byId.get(id)!;
    return x.size * ((wins ? 1 : 0) - x.entry);
  };
  // E1: q_a = 0.35 (YES price), q_b = 1 − 0.7 = 0.3 (held NO), q_c = 0.2 (probs), none = 0.15.
  const e1: Array<[string | null, number]> = [["a", 0.35], ["b", 0.3], ["c", 0.2], [null, 0.15]];
  // E2: 0.55 + 0.5 = 1.05 → scaled to 1.
  const e2: Array<[string, number]> = [["d", 0.55 / 1.05], ["e", 0.5 / 1.05]];
  const e1Pnl = (s: string | null) => posPnl("a", s === "a") + posPnl("b", s !== "b");
  const e2Pnl = (s: string) => posPnl("d", s === "d") + posPnl("e", s === "e");
  const atoms: Atom[] = [];
  for (const [s1, q1] of e1) {
    for (const [s2, q2] of e2) {
      for (const xw of [true, false]) {
        for (const yw of [true, false]) {
          atoms.push({
            pnl: e1Pnl(s1) + e2Pnl(s2) + posPnl("x", xw) + posPnl("y", yw),
            prob: q1 * q2 * (xw ? 0.25 : 0.75) * (yw ? 0.6 : 0.4),
          });
        }
      }
    }
  }
  atoms.sort((u, v) => u.pnl - v.pnl);
  return {
    atoms,
    e1: new Map(e1.map(([s, q]) => [s, [q, e1Pnl(s)]])),
    e2: new Map(e2.map(([s, q]) => [s, [q, e2Pnl(s)]])),
  };
}

/** Smallest value with CDF ≥ β. */
function quantile(atoms: Atom[], beta: number): number {
  let c = 0;
  for (const d of atoms) {
    c += d.prob;
    if (c >= beta - 1e-12) return d.pnl;
  }
  return atoms[atoms.length - 1]!.pnl;
}

function exactCvar(atoms: Atom[], alpha: number): number {
  let mass = alpha;
  let acc = 0;
  for (const d of atoms) {
    const take = Math.min(mass, d.prob);
    acc += take * d.pnl;
    mass -= take;
    if (mass <= 0) break;
  }
  return -acc / alpha;
}

describe("metrics() with events against exact enumeration", () => {
  const ref = enumerateBook();
  const mean = ref.atoms.reduce((s, a) => s + a.prob * a.pnl, 0);
  const sd = Math.sqrt(ref.atoms.reduce((s, a) => s + a.prob * (a.pnl - mean) ** 2, 0));
  const nSim = 200_000;
  let m: PortfolioMetrics;

  it("exact per-event states, worst/best case, expected P&L, overround", async () => {
    m = await bookPortfolio().metrics({ nSimulations: nSim, seed: 11, probs: PROBS });
    const e1 = m.events.E1!;
    expect(e1.markets).toEqual(["a", "b", "c"]);
    expect(e1.states.map((s) => s.outcome)).toEqual(["a", "b", "c", null]);
    for (const s of e1.states) {
      const [q, pnl] = ref.e1.get(s.outcome)!;
      expect(s.probability).toBeCloseTo(q, 14);
      expect(s.pnl).toBeCloseTo(pnl, 10);
    }
    expect(e1.overround).toBeCloseTo(-0.15, 14);
    const e1Pnls = [...ref.e1.values()].map((v) => v[1]);
    expect(e1.worstCaseLoss).toBeCloseTo(-Math.min(...e1Pnls), 10);
    expect(e1.bestCaseGain).toBeCloseTo(Math.max(...e1Pnls), 10);
    expect(e1.expectedPnl).toBeCloseTo([...ref.e1.values()].reduce((s, [q, v]) => s + q * v, 0), 10);
    const e2 = m.events.E2!;
    expect(e2.states.map((s) => s.outcome)).toEqual(["d", "e"]); // exhaustive and all known: no "none"
    expect(e2.overround).toBeCloseTo(0.05, 14);
    for (const s of e2.states) expect(s.probability).toBeCloseTo(ref.e2.get(s.outcome!)![0], 14);
    expect(m.worstCaseLoss).toBeCloseTo(-ref.atoms[0]!.pnl, 10);
  });

  it("Monte Carlo: mean, win probability, VaR inside the exact quantile band, CVaR", () => {
    expect(Math.abs(m.expectedPnl - mean)).toBeLessThanOrEqual((4 * sd) / Math.sqrt(nSim));
    const win = ref.atoms.filter((a) => a.pnl > 0).reduce((s, a) => s + a.prob, 0);
    expect(Math.abs(m.winProbability - win)).toBeLessThanOrEqual(4 * Math.sqrt((win * (1 - win)) / nSim));
    for (const [alpha, v, c] of [[0.05, m.var95, m.cvar95], [0.01, m.var99, m.cvar99]] as const) {
      const d = 5 * Math.sqrt((alpha * (1 - alpha)) / nSim);
      expect(v).toBeLessThanOrEqual(-quantile(ref.atoms, alpha - d) + 1e-9);
      expect(v).toBeGreaterThanOrEqual(-quantile(ref.atoms, alpha + d) - 1e-9);
      const slack = (5 * sd) / Math.sqrt(alpha * nSim);
      expect(c).toBeLessThanOrEqual(exactCvar(ref.atoms, alpha - d) + slack);
      expect(c).toBeGreaterThanOrEqual(exactCvar(ref.atoms, alpha + d) - slack);
    }
    // every simulated scenario is a possible joint state
    expect(m.maxLoss).toBeLessThanOrEqual(m.worstCaseLoss + 1e-9);
    expect(m.maxGain).toBeLessThanOrEqual(ref.atoms[ref.atoms.length - 1]!.pnl + 1e-9);
  });

  it("bit-identical inline, on the shared pool and on a pool of 3", async () => {
    const a = await bookPortfolio("worker").metrics({ nSimulations: 50_000, seed: 5, probs: PROBS });
    const own = bookPortfolio("worker", 3);
    const b = await own.metrics({ nSimulations: 50_000, seed: 5, probs: PROBS });
    await own.dispose();
    const c = await bookPortfolio("inline").metrics({ nSimulations: 50_000, seed: 5, probs: PROBS });
    for (const x of [b, c]) {
      expect(x.var95).toBe(a.var95);
      expect(x.cvar99).toBe(a.cvar99);
      expect(x.expectedPnl).toBe(a.expectedPnl);
      expect(x.pnlHistogram).toEqual(a.pnlHistogram);
    }
  });
});

describe("never two YES winners in an event", () => {
  // YES on every outcome at entry 0 with sizes 1, 2, 4: a scenario's P&L is the sum of the winners'
  // sizes, so only the values 1, 2 and 4 (one winner) or 0 ("none") may appear.
  const sizes = [1, 2, 4];
  const book = (prices: number[], exhaustive: boolean) => {
    const p = new Portfolio({ runtime: "inline" });
    prices.forEach((q, i) => p.addPosition({ marketId: `m${i}`, side: "yes", size: sizes[i]!, entryPrice: 0, currentPrice: q }));
    p.addPosition({ marketId: "ind", side: "yes", size: 1000, entryPrice: 0, currentPrice: 0.5 });
    p.defineEvent("ev", { markets: ["m0", "m1", "m2"], exhaustive });
    return p;
  };
  const cases: Array<[number[], boolean, number[][] | undefined]> = [
    [[0.5, 0.3, 0.2], true, undefined],
    [[0.6, 0.5, 0.4], false, undefined], // overround
    [[0.2, 0.1, 0.3], false, undefined], // "none" likely
    [[0.2, 0.1, 0.3], false, [[1, 0.9, 0.9, 0.5], [0.9, 1, 0.9, 0.5], [0.9, 0.9, 1, 0.5], [0.5, 0.5, 0.5, 1]]],
    [[0.5, 0.3, 0.2], true, [[1, -0.4, 0.3, -0.8], [-0.4, 1, 0.2, 0.3], [0.3, 0.2, 1, 0.1], [-0.8, 0.3, 0.1, 1]]],
  ];
  for (const [prices, exhaustive, corr] of cases) {
    it(`prices ${prices.join(", ")}${exhaustive ? " exhaustive" : ""}${corr ? " with a correlation" : ""}`, async () => {
      const n = 40_000;
      const m = await book(prices, exhaustive).metrics({ nSimulations: n, seed: 3, ...(corr ? { correlation: corr } : {}) });
      // P&L = 1000·[ind wins] + (winner's size or 0): read the exact values off the histogram edges.
      const { edges, counts } = m.pnlHistogram;
      const allowed = [0, 1, 2, 4, 1000, 1001, 1002, 1004];
      const covered = counts.reduce((s, c, i) => s + (allowed.some((v) => v >= edges[i]! && v <= edges[i + 1]!) ? c : 0), 0);
      expect(covered).toBe(n);
      expect(m.maxGain).toBeLessThanOrEqual(1004);
      // Each market keeps its state probability: E[P&L] = Σ q_k·size_k + 1000·0.5.
      const s = prices.reduce((a, b) => a + b, 0);
      const q = s > 1 || exhaustive ? prices.map((v) => v / s) : prices;
      const expected = q.reduce((acc, v, i) => acc + v * sizes[i]!, 0) + 500;
      expect(Math.abs(m.expectedPnl - expected)).toBeLessThan((4 * 501) / Math.sqrt(n));
    });
  }
});

describe("the copula carries dependence through the event's representative", () => {
  // Sizes 1, 2, 4 at entry 0 give distinct P&L per joint outcome.
  const freq = (m: PortfolioMetrics, x: number) => {
    const { edges, counts } = m.pnlHistogram;
    return counts.reduce((s, c, i) => s + (x >= edges[i]! && x <= edges[i + 1]! ? c : 0), 0) / m.nSimulations;
  };
  it("YES representative with ρ = 1: it wins exactly when the correlated market wins", async () => {
    const p = new Portfolio({ runtime: "inline" });
    p.addPosition({ marketId: "a", side: "yes", size: 1, entryPrice: 0, currentPrice: 0.6 });
    p.addPosition({ marketId: "b", side: "yes", size: 2, entryPrice: 0, currentPrice: 0.4 });
    p.addPosition({ marketId: "x", side: "yes", size: 4, entryPrice: 0, currentPrice: 0.6 });
    p.defineEvent("ev", { markets: ["a", "b"], exhaustive: true });
    const m = await p.metrics({ nSimulations: 50_000, seed: 2, correlation: [[1, 0, 1], [0, 1, 0], [1, 0, 1]] });
    expect(freq(m, 5) + freq(m, 2)).toBe(1); // (a, x) or (b, not x)
    expect(Math.abs(freq(m, 5) - 0.6)).toBeLessThan(4 * Math.sqrt(0.24 / 50_000));
  });
  it("two events whose representatives have ρ = 1 resolve together", async () => {
    const p = new Portfolio({ runtime: "inline" });
    for (const [id, size, price] of [["a", 1, 0.6], ["b", 2, 0.4], ["c", 4, 0.6], ["d", 8, 0.4]] as const) {
      p.addPosition({ marketId: id, side: "yes", size, entryPrice: 0, currentPrice: price });
    }
    p.defineEvent("e1", { markets: ["a", "b"], exhaustive: true });
    p.defineEvent("e2", { markets: ["c", "d"], exhaustive: true });
    const corr = [[1, 0, 1, 0], [0, 1, 0, 0], [1, 0, 1, 0], [0, 0, 0, 1]];
    const m = await p.metrics({ nSimulations: 50_000, seed: 4, correlation: corr });
    expect(freq(m, 5) + freq(m, 10)).toBe(1); // (a, c) or (b, d): never a with d or b with c
    expect(Math.abs(freq(m, 5) - 0.6)).toBeLessThan(4 * Math.sqrt(0.24 / 50_000));
  });
  it("NO-held representative: its held side's correlation is mapped to the event's latent", async () => {
    const p = new Portfolio({ runtime: "inline" });
    p.addPosition({ marketId: "a", side: "no", size: 1, entryPrice: 0, currentPrice: 0.4 }); // q_a = 0.6
    p.addPosition({ marketId: "b", side: "yes", size: 2, entryPrice: 0, currentPrice: 0.4 });
    p.addPosition({ marketId: "x", side: "yes", size: 4, entryPrice: 0, currentPrice: 0.6 });
    p.defineEvent("ev", { markets: ["a", "b"], exhaustive: true });
    // NO on a perfectly anti-correlated with x: x wins exactly when a resolves YES.
    const m = await p.metrics({ nSimulations: 50_000, seed: 2, correlation: [[1, 0, -1], [0, 1, 0], [-1, 0, 1]] });
    expect(freq(m, 4) + freq(m, 3)).toBe(1); // state a: x wins (4); state b: NO a + YES b win (3)
  });
});

// ---------------------------------------------------------------- Kelly

interface KMarket {
  id: string;
  side: "yes" | "no";
  price: number; // held side
}

/** Expected log growth of stakes f over the weighted joint states (win sets). */
function growth(markets: KMarket[], states: Array<{ prob: number; wins: Set<string> }>, f: number[]): number {
  const total = f.reduce((a, b) => a + b, 0);
  let g = 0;
  for (const s of states) {
    let w = 1 - total;
    markets.forEach((m, i) => {
      if (s.wins.has(m.id)) w += f[i]! / m.price;
    });
    if (!(w > 0)) return -Infinity;
    if (s.prob > 0) g += s.prob * Math.log(w);
  }
  return g;
}

/**
 * Brute-force maximiser: pattern search from several starts with every direction in {−1, 0, 1}^d
 * (d ≤ 4) or all ±e_i ± e_j (larger d), best move per iteration, step halved down to 1e-9, f ≥ 0.
 */
function bruteForce(dim: number, g: (f: number[]) => number): number[] {
  const dirs: number[][] = [];
  if (dim <= 4) {
    for (let c = 1; c < 3 ** dim; c++) dirs.push(Array.from({ length: dim }, (_, i) => (Math.floor(c / 3 ** i) % 3) - 1));
  } else {
    for (let i = 0; i < dim; i++) {
      for (const a of [1, -1]) {
        dirs.push(Array.from({ length: dim }, (_, k) => (k === i ? a : 0)));
        for (let j = i + 1; j < dim; j++) for (const b of [1, -1]) dirs.push(Array.from({ length: dim }, (_, k) => (k === i ? a : k === j ? b : 0)));
      }
    }
  }
  let best = new Array<number>(dim).fill(0);
  let bestG = g(best);
  const starts = [new Array<number>(dim).fill(0), new Array<number>(dim).fill(0.05), Array.from({ length: dim }, (_, i) => 0.02 * (i + 1))];
  for (const x0 of starts) {
    let x = x0;
    let gx = g(x);
    if (!Number.isFinite(gx)) continue;
    for (let step = 0.1; step > 1e-9; step /= 2) {
      for (let it = 0; it < 5000; it++) {
        let moved = false;
        let [bx, bg] = [x, gx];
        for (const d of dirs) {
          const y = x.map((v, i) => Math.max(0, v + step * d[i]!));
          const gy = g(y);
          if (gy > bg + 1e-16) [bx, bg, moved] = [y, gy, true];
        }
        if (!moved) break;
        [x, gx] = [bx, bg];
      }
    }
    if (gx > bestG) [best, bestG] = [x, gx];
  }
  return best;
}

/** The states of one event: outcome k (or none) with probability q, and who wins there. */
function eventStates(markets: Array<KMarket & { outcome: string }>, outcomes: Array<[string | null, number]>) {
  return outcomes.map(([o, prob]) => ({ prob, wins: new Set(markets.filter((m) => (m.side === "yes") === (m.outcome === o)).map((m) => m.id)) }));
}

describe("Kelly with events", () => {
  it("the Smoczynski–Tomkins reference race (and what binary Kelly would say)", async () => {
    const a = [0.35, 0.3, 0.25, 0.15];
    const ids = ["A", "B", "C", "D"];
    const p = new Portfolio({ runtime: "inline" });
    ids.forEach((id, i) => p.addPosition({ marketId: id, side: "yes", size: 10, entryPrice: a[i]! }));
    const probs = { A: 0.4, B: 0.3, C: 0.2, D: 0.1 };
    const binary = await p.optimizeKelly({ probs });
    expect(binary.A).toBeCloseTo(0.05 / 0.65, 14);
    expect([binary.B, binary.C, binary.D]).toEqual([0, 0, 0]);
    p.defineEvent("race", { markets: ids, exhaustive: true });
    for (const method of ["independent", "joint"] as const) {
      const f = await p.optimizeKelly({ probs, method });
      expect(f.A).toBeCloseTo(0.1, 12);
      expect(f.B).toBeCloseTo(0.3 / 7, 12);
      expect(f.C).toBe(0);
      expect(f.D).toBe(0);
    }
    // fraction and maxTotal apply as before
    const half = await p.optimizeKelly({ probs, fraction: 0.5 });
    expect(half.A).toBeCloseTo(0.05, 12);
    const capped = await p.optimizeKelly({ probs, maxTotal: 0.1 });
    expect(capped.A! + capped.B!).toBeCloseTo(0.1, 12);
    expect(capped.A! / capped.B!).toBeCloseTo(0.1 / (0.3 / 7), 9);
  });

  // Independent method: every event is its own exact problem; compare with brute force per event.
  const eventCases: Array<{ name: string; markets: Array<KMarket & { outcome: string; q: number }>; exhaustive: boolean }> = [
    {
      name: "YES only, prices summing above 1",
      exhaustive: true,
      markets: [
        { id: "a", outcome: "a", side: "yes", price: 0.5, q: 0.58 },
        { id: "b", outcome: "b", side: "yes", price: 0.4, q: 0.32 },
        { id: "c", outcome: "c", side: "yes", price: 0.2, q: 0.1 },
      ],
    },
    {
      name: "YES only, prices summing below 1, not exhaustive",
      exhaustive: false,
      markets: [
        { id: "a", outcome: "a", side: "yes", price: 0.3, q: 0.35 },
        { id: "b", outcome: "b", side: "yes", price: 0.25, q: 0.3 },
        { id: "c", outcome: "c", side: "yes", price: 0.2, q: 0.1 },
      ],
    },
    {
      name: "with a NO holding, prices summing below 1",
      exhaustive: false,
      markets: [
        { id: "a", outcome: "a", side: "yes", price: 0.3, q: 0.4 },
        { id: "b", outcome: "b", side: "no", price: 0.65, q: 0.3 }, // NO price; YES price 0.35
        { id: "c", outcome: "c", side: "yes", price: 0.15, q: 0.1 },
      ],
    },
    {
      // (NO on every outcome of an exhaustive event with YES prices summing above 1 would be an
      // arbitrage — unbounded log growth with leverage —, so c is held YES here.)
      name: "two NO holdings, YES prices summing above 1",
      exhaustive: true,
      markets: [
        { id: "a", outcome: "a", side: "no", price: 0.45, q: 0.6 }, // YES price 0.55
        { id: "b", outcome: "b", side: "no", price: 0.6, q: 0.15 }, // YES price 0.4
        { id: "c", outcome: "c", side: "yes", price: 0.15, q: 0.25 },
      ],
    },
  ];
  for (const c of eventCases) {
    it(`independent method, one event: ${c.name} = brute-force optimum`, async () => {
      const p = new Portfolio({ runtime: "inline" });
      for (const m of c.markets) p.addPosition({ marketId: m.id, side: m.side, size: 10, entryPrice: m.price });
      p.defineEvent("ev", { markets: c.markets.map((m) => m.id), exhaustive: c.exhaustive });
      const probs = Object.fromEntries(c.markets.map((m) => [m.id, m.q]));
      const f = await p.optimizeKelly({ probs, maxTotal: 100 });
      const s = c.markets.reduce((acc, m) => acc + m.q, 0);
      const outcomes: Array<[string | null, number]> = c.markets.map((m) => [m.outcome, c.exhaustive || s > 1 ? m.q / s : m.q]);
      if (!(c.exhaustive || s > 1)) outcomes.push([null, 1 - s]);
      const states = eventStates(c.markets, outcomes);
      const g = (x: number[]) => growth(c.markets, states, x);
      const bf = bruteForce(c.markets.length, g);
      const lib = c.markets.map((m) => f[m.id]!);
      expect(g(lib)).toBeGreaterThanOrEqual(g(bf) - 1e-10);
      lib.forEach((v, i) => expect(Math.abs(v - bf[i]!)).toBeLessThan(1e-4));
    });
  }

  it("several events and independent markets: each event exact, independent markets closed form; joint = brute force over the product space", async () => {
    const e1 = eventCases[0]!;
    const e2 = eventCases[2]!;
    const e2m = e2.markets.map((m) => ({ ...m, id: `2${m.id}`, outcome: `2${m.outcome}` }));
    const ind: KMarket & { q: number } = { id: "x", side: "yes", price: 0.4, q: 0.5 };
    const p = new Portfolio({ runtime: "inline" });
    for (const m of [...e1.markets, ...e2m, ind]) p.addPosition({ marketId: m.id, side: m.side, size: 10, entryPrice: m.price });
    p.defineEvent("e1", { markets: e1.markets.map((m) => m.id), exhaustive: true });
    p.defineEvent("e2", { markets: e2m.map((m) => m.id) });
    const probs = Object.fromEntries([...e1.markets, ...e2m, ind].map((m) => [m.id, m.q]));
    const f = await p.optimizeKelly({ probs, maxTotal: 100 });
    // independent method: closed form for x, each event's own optimum (brute force on its own)
    expect(f.x).toBeCloseTo((0.5 - 0.4) / 0.6, 14);
    const s1 = e1.markets.reduce((a, m) => a + m.q, 0);
    const st1 = eventStates(e1.markets, e1.markets.map((m) => [m.outcome, m.q / s1]));
    const bf1 = bruteForce(3, (x) => growth(e1.markets, st1, x));
    e1.markets.forEach((m, i) => expect(Math.abs(f[m.id]! - bf1[i]!)).toBeLessThan(1e-4));
    const st2 = eventStates(e2m, [...e2m.map((m) => [m.outcome, m.q] as [string, number]), [null, 1 - 0.8]]);
    const bf2 = bruteForce(3, (x) => growth(e2m, st2, x));
    e2m.forEach((m, i) => expect(Math.abs(f[m.id]! - bf2[i]!)).toBeLessThan(1e-4));

    // joint method: one problem over 3 × 4 × 2 = 24 joint states
    const all: KMarket[] = [...e1.markets, ...e2m, ind];
    const joint: Array<{ prob: number; wins: Set<string> }> = [];
    for (const a of st1) for (const b of st2) for (const xw of [true, false]) {
      joint.push({ prob: a.prob * b.prob * (xw ? 0.5 : 0.5), wins: new Set([...a.wins, ...b.wins, ...(xw ? ["x"] : [])]) });
    }
    const fj = await p.optimizeKelly({ probs, method: "joint", maxTotal: 100 });
    const g = (x: number[]) => growth(all, joint, x);
    const bf = bruteForce(all.length, g);
    const lib = all.map((m) => fj[m.id]!);
    expect(g(lib)).toBeGreaterThanOrEqual(g(bf) - 1e-10);
    lib.forEach((v, i) => expect(Math.abs(v - bf[i]!)).toBeLessThan(1e-3));
    // Monte Carlo joint (forced by a history) respects the events too: close to the exact optimum
    const h = Array.from({ length: 40 }, (_, t) => all.map((_, j) => Math.sin(1.7 * t + 2.3 * j) * 0.01 + (j === 6 ? 0.002 * t : 0)));
    const fm = await p.optimizeKelly({ probs, method: "joint", maxTotal: 100, returnsHistory: h, nSimulations: 400_000 });
    for (const m of all) expect(Number.isFinite(fm[m.id]!)).toBe(true);
  });

  it("an arbitrage (NO on every outcome, YES prices summing above 1) stays finite, within maxTotal", async () => {
    const p = new Portfolio({ runtime: "inline" });
    for (const [id, price] of [["a", 0.45], ["b", 0.6], ["c", 0.85]] as const) p.addPosition({ marketId: id, side: "no", size: 10, entryPrice: price });
    p.defineEvent("ev", { markets: ["a", "b", "c"], exhaustive: true });
    for (const method of ["independent", "joint"] as const) {
      const f = await p.optimizeKelly({ probs: { a: 0.6, b: 0.15, c: 0.25 }, maxTotal: 3, method });
      const total = f.a! + f.b! + f.c!;
      expect(Number.isFinite(total)).toBe(true);
      expect(total).toBeLessThanOrEqual(3 + 1e-9);
    }
  });

  it("degenerate: a NO on an impossible outcome stakes about all (like binary Kelly with q = 1), never NaN", async () => {
    const p = new Portfolio({ runtime: "inline" });
    p.addPosition({ marketId: "a", side: "no", size: 10, entryPrice: 0.5 });
    p.addPosition({ marketId: "b", side: "yes", size: 10, entryPrice: 0.5 });
    p.defineEvent("ev", { markets: ["a", "b"], exhaustive: true });
    const f = await p.optimizeKelly({ probs: { a: 0, b: 1 }, maxTotal: 5 });
    expect(Number.isFinite(f.a!) && Number.isFinite(f.b!)).toBe(true);
    expect(f.a! + f.b!).toBeLessThanOrEqual(1 + 1e-6);
    expect(f.a! + f.b!).toBeGreaterThan(0.99);
  });
});

// ---------------------------------------------------------------- Engine

describe("Engine events, maxPositionPerEvent, JSON, fromEngine and follow", () => {
  const T0 = Date.UTC(2026, 0, 1);
  async function engineWithEvent(limit: number) {
    const { Engine, RiskConfig } = await import("../dist/index.js");
    const e = new Engine({ riskConfig: new RiskConfig({ maxPositionPerMarket: 1_000, maxPositionPerEvent: limit }) });
    for (const [id, y] of [["dem", 0.55], ["rep", 0.4], ["ind", 0.05], ["other", 0.5]] as const) e.pushPrice(id, y, T0);
    e.defineEvent("senate", { markets: ["dem", "rep", "ind"] });
    return e;
  }

  it("defines and lists events; bad input changes nothing; events() is still the async iterator", async () => {
    const e = await engineWithEvent(100);
    expect(e.eventDefinitions()).toEqual([{ eventId: "senate", markets: ["dem", "rep", "ind"], exhaustive: false }]);
    const before = JSON.stringify(e.toJSON());
    expect(code(() => e.defineEvent("x", { markets: ["other", "dem"] }))).toBe("INVALID_ARGUMENT");
    expect(code(() => e.defineEvent("x", { markets: ["other"] }))).toBe("INVALID_ARGUMENT");
    expect(code(() => e.removeEvent("nope"))).toBe("INVALID_ARGUMENT");
    expect(JSON.stringify(e.toJSON())).toBe(before);
    const it = e.events();
    expect(typeof it[Symbol.asyncIterator]).toBe("function");
    await it.return!();
  });

  it("maxPositionPerEvent: shares over the event's markets (both sides) after the fill, exact boundary accepted", async () => {
    const e = await engineWithEvent(100);
    expect((await e.submitOrder({ marketId: "dem", side: "yes", action: "buy", size: 60 })).status).toBe("filled");
    expect((await e.submitOrder({ marketId: "other", side: "yes", action: "buy", size: 500 })).status).toBe("filled"); // not in the event
    const r = await e.submitOrder({ marketId: "rep", side: "no", action: "buy", size: 50 });
    expect(r.status).toBe("rejected");
    if (r.status === "rejected") {
      expect(r.reason).toBe("maxPositionPerEvent");
      expect([r.limit, r.attempted, r.excess]).toEqual([100, 110, 10]);
      expect(r.message).toContain('"senate"');
    }
    expect((await e.submitOrder({ marketId: "rep", side: "no", action: "buy", size: 40 })).status).toBe("filled"); // exactly 100
    const partial = await e.submitOrder({ marketId: "ind", side: "yes", action: "buy", size: 10, allowPartial: true });
    expect(partial.status).toBe("rejected"); // nothing fits
    expect((await e.submitOrder({ marketId: "dem", side: "yes", action: "sell", size: 30 })).status).toBe("filled"); // sells are never limited
    const p2 = await e.submitOrder({ marketId: "ind", side: "yes", action: "buy", size: 50, allowPartial: true });
    expect(p2.status === "filled" && p2.size).toBeCloseTo(30, 9);
  });

  it("engine JSON v2 saves events and the new limit; version 1 is still read", async () => {
    const { Engine } = await import("../dist/index.js");
    const e = await engineWithEvent(100);
    await e.submitOrder({ marketId: "dem", side: "yes", action: "buy", size: 10 });
    const j = e.toJSON();
    expect(j.version).toBe(2);
    const back = Engine.fromJSON(JSON.stringify(j));
    expect(back.eventDefinitions()).toEqual(e.eventDefinitions());
    expect(back.riskConfig?.maxPositionPerEvent).toBe(100);
    const v1 = { ...j, version: 1 } as Record<string, unknown>;
    delete v1.events;
    expect(Engine.fromJSON(v1 as never).eventDefinitions()).toEqual([]);
  });

  it("Portfolio.fromEngine carries the events; follow adopts events defined later", async () => {
    const e = await engineWithEvent(1_000);
    await e.submitOrder({ marketId: "dem", side: "yes", action: "buy", size: 10 });
    await e.submitOrder({ marketId: "rep", side: "yes", action: "buy", size: 10 });
    const p = Portfolio.fromEngine(e, { runtime: "inline" });
    expect(p.eventDefinitions()).toEqual(e.eventDefinitions());
    const m = await p.metrics({ seed: 1 });
    expect(m.events.senate!.states.map((s) => s.outcome)).toEqual(["dem", "rep", null]);
    const q = new Portfolio({ runtime: "inline" });
    q.defineEvent("mine", { markets: ["u", "v"] });
    const stop = q.follow(e); // the engine's events replace the portfolio's own when they exist
    expect(q.eventDefinitions().map((d) => d.eventId)).toEqual(["senate"]);
    e.defineEvent("house", { markets: ["h1", "h2"] });
    e.pushPrice("other", 0.52, T0 + 1);
    expect(q.eventDefinitions().map((d) => d.eventId)).toEqual(["senate", "house"]);
    stop();
  });
});

describe("examples/election-events.ts", () => {
  it("runs and prints the events' states, finite numbers only", async () => {
    const { execFileSync } = await import("node:child_process");
    const { fileURLToPath } = await import("node:url");
    const root = fileURLToPath(new URL("../", import.meta.url));
    const out = execFileSync(`${root}node_modules/.bin/tsx`, ["examples/election-events.ts"], { cwd: root, encoding: "utf8", timeout: 120_000 });
    expect(out).toContain("Event AZ-S1");
    expect(out).toContain("none of them");
    expect(out).not.toMatch(/NaN|Infinity/);
  }, 150_000);
});

describe("properties over random books with events (fast-check)", () => {
  it("exact results are consistent with the simulation; probabilities sum to 1; all finite", async () => {
    const fc = (await import("fast-check")).default;
    const price = fc.double({ min: 0.02, max: 0.98, noNaN: true });
    const pos = fc.record({ side: fc.constantFrom("yes" as const, "no" as const), size: fc.integer({ min: 0, max: 50 }), entry: price, price });
    await fc.assert(
      fc.asyncProperty(fc.array(pos, { minLength: 2, maxLength: 7 }), fc.integer({ min: 2, max: 5 }), fc.boolean(), fc.integer({ min: 0, max: 1000 }), async (book, k, exhaustive, seed) => {
        const p = new Portfolio({ runtime: "inline" });
        book.forEach((x, i) => p.addPosition({ marketId: `m${i}`, side: x.side, size: x.size, entryPrice: x.entry, currentPrice: x.price }));
        const members = Array.from({ length: Math.min(k, book.length) }, (_, i) => `m${i}`);
        if (members.length < 2) return;
        p.defineEvent("ev", { markets: members, exhaustive });
        const n = 20_000;
        const m = await p.metrics({ nSimulations: n, seed });
        const e = m.events.ev!;
        expect(e.states.reduce((s, x) => s + x.probability, 0)).toBeCloseTo(1, 12);
        for (const v of [e.worstCaseLoss, e.bestCaseGain, e.expectedPnl, e.overround, m.worstCaseLoss, m.var95, m.cvar95]) expect(Number.isFinite(v)).toBe(true);
        expect(m.maxLoss).toBeLessThanOrEqual(m.worstCaseLoss + 1e-9);
        expect(-e.worstCaseLoss).toBeLessThanOrEqual(e.expectedPnl + 1e-9);
        expect(e.expectedPnl).toBeLessThanOrEqual(e.bestCaseGain + 1e-9);
        // exact mean = event's expected P&L + Σ independent positions' expected P&L
        let mean = e.expectedPnl;
        let bound = 0;
        book.forEach((x, i) => {
          bound += x.size;
          if (i >= members.length) mean += x.size * (x.price - x.entry);
        });
        expect(Math.abs(m.expectedPnl - mean)).toBeLessThanOrEqual((5 * bound) / Math.sqrt(n) + 1e-9);
      }),
      { numRuns: 40, seed: 20261129 },
    );
  });
});
