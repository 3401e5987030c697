// Deterministic inputs shared by every contestant (the orchestrator writes them to files for the
// native and Python servers, so all contestants see bit-identical data).

/** mulberry32: a small, fast, seeded 32-bit generator → uniform [0, 1). */
export function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** T×N returns with one common factor (so that shrinkage and correlations are non-trivial). */
export function returns(t: number, n: number, seed = 1): Float64Array {
  const u = uniform(seed);
  const f = Array.from({ length: t }, () => u() - 0.5);
  const load = Array.from({ length: n }, () => 2 * u() + 0.6);
  const vol = Array.from({ length: n }, () => 0.5 + u());
  const x = new Float64Array(t * n);
  for (let k = 0; k < t; k++) for (let i = 0; i < n; i++) x[k * n + i] = 0.01 * ((u() - 0.5) * vol[i]! + f[k]! * load[i]!);
  return x;
}

/** A book of N binary positions: sizes, entry prices, held-side win probabilities. */
export function book(n: number, seed = 2): { sizes: Float64Array; entries: Float64Array; probs: Float64Array } {
  const u = uniform(seed);
  const sizes = Float64Array.from({ length: n }, () => 1 + 99 * u());
  const entries = Float64Array.from({ length: n }, () => 0.05 + 0.9 * u());
  const probs = Float64Array.from({ length: n }, () => 0.05 + 0.9 * u());
  return { sizes, entries, probs };
}

/** Full-rank correlation: 0.3 everywhere, 0.6 within blocks of 10, 1 on the diagonal. */
export function correlation(n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) c[i * n + j] = i === j ? 1 : Math.floor(i / 10) === Math.floor(j / 10) ? 0.6 : 0.3;
  return c;
}

/** Joint Kelly inputs: N prices and held-side probabilities with an edge on most markets. */
export function kellyBook(n: number, seed = 3): { prices: Float64Array; probs: Float64Array } {
  const u = uniform(seed);
  const prices = Float64Array.from({ length: n }, () => 0.1 + 0.8 * u());
  const probs = prices.map((p) => Math.min(0.99, Math.max(0.01, p + 0.15 * (u() - 0.3))));
  return { prices, probs };
}
