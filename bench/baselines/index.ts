// Straightforward pure-TypeScript versions of the engine's algorithms: what a JavaScript user
// would write today without WebAssembly. Same formulas as the engine (so the results agree —
// see baselines.test.ts), written the obvious way: flat Float64Arrays, plain loops, textbook
// linear algebra, Math.random for Monte Carlo. No SIMD, no blocking, no algebraic shortcuts.

/** scikit-learn `ledoit_wolf` ported literally (centre, S = XᵀX/T, β from (X²)ᵀX², δ from S). */
export function ledoitWolf(x: Float64Array, t: number, n: number): { covariance: Float64Array; shrinkage: number } {
  const xc = new Float64Array(t * n);
  for (let j = 0; j < n; j++) {
    let m = 0;
    for (let k = 0; k < t; k++) m += x[k * n + j]!;
    m /= t;
    for (let k = 0; k < t; k++) xc[k * n + j] = x[k * n + j]! - m;
  }
  const s = new Float64Array(n * n);
  const b = new Float64Array(n * n); // (X²)ᵀ X²
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let acc = 0;
      let acc2 = 0;
      for (let k = 0; k < t; k++) {
        const a = xc[k * n + i]!;
        const c = xc[k * n + j]!;
        acc += a * c;
        acc2 += a * a * c * c;
      }
      s[i * n + j] = s[j * n + i] = acc / t;
      b[i * n + j] = b[j * n + i] = acc2;
    }
  }
  if (n === 1) return { covariance: s, shrinkage: 0 };
  let trace = 0;
  for (let i = 0; i < n; i++) trace += s[i * n + i]!;
  const mu = trace / n;
  let beta_ = 0;
  let delta_ = 0;
  for (let k = 0; k < n * n; k++) {
    beta_ += b[k]!;
    delta_ += s[k]! * s[k]!;
  }
  const beta = (1 / (n * t)) * (beta_ / t - delta_);
  const delta = (delta_ - 2 * mu * trace + n * mu * mu) / n;
  const shrinkage = delta > 0 ? Math.min(1, Math.max(0, Math.min(beta, delta) / delta)) : 0;
  const cov = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) cov[i * n + j] = (1 - shrinkage) * s[i * n + j]! + (i === j ? shrinkage * mu : 0);
  }
  return { covariance: cov, shrinkage };
}

/** In-place Cholesky of an SPD matrix (lower triangle); false if not positive definite. */
export function cholesky(a: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= a[i * n + k]! * a[j * n + k]!;
      if (i === j) {
        if (!(s > 0)) return false;
        a[i * n + i] = Math.sqrt(s);
      } else {
        a[i * n + j] = s / a[j * n + j]!;
      }
    }
    for (let j = i + 1; j < n; j++) a[i * n + j] = 0;
  }
  return true;
}

/** Solves (L Lᵀ) x = b in place. */
export function cholSolve(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * b[k]!;
    b[i] = s / l[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * b[k]!;
    b[i] = s / l[i * n + i]!;
  }
}

/** Equal risk contribution: Spinu's convex problem min ½yᵀΣy − Σ ln(y_i)/N by damped Newton, w = y/Σy. */
export function equalRiskContribution(cov: Float64Array, n: number): Float64Array {
  const b = 1 / n;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = 1 / Math.sqrt(cov[i * n + i]!) / n;
  const sy = new Float64Array(n);
  const h = new Float64Array(n * n);
  const g = new Float64Array(n);
  const f = (v: Float64Array): number => {
    let q = 0;
    let lg = 0;
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let j = 0; j < n; j++) r += cov[i * n + j]! * v[j]!;
      q += v[i]! * r;
      lg += Math.log(v[i]!);
    }
    return 0.5 * q - b * lg;
  };
  for (let it = 0; it < 200; it++) {
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let j = 0; j < n; j++) r += cov[i * n + j]! * y[j]!;
      sy[i] = r;
    }
    let gnorm = 0;
    for (let i = 0; i < n; i++) {
      g[i] = -(sy[i]! - b / y[i]!);
      gnorm = Math.max(gnorm, Math.abs(g[i]! * y[i]!));
    }
    if (gnorm < 1e-15) break;
    h.set(cov);
    for (let i = 0; i < n; i++) h[i * n + i] = h[i * n + i]! + b / (y[i]! * y[i]!);
    if (!cholesky(h, n)) break;
    cholSolve(h, n, g); // g = Newton step
    let step = 1;
    for (let i = 0; i < n; i++) if (g[i]! < 0) step = Math.min(step, -0.99 * y[i]! / g[i]!);
    const f0 = f(y);
    const trial = new Float64Array(n);
    for (let k = 0; k < 60; k++) {
      for (let i = 0; i < n; i++) trial[i] = y[i]! + step * g[i]!;
      if (f(trial) <= f0) break;
      step /= 2;
    }
    let change = 0;
    for (let i = 0; i < n; i++) {
      change = Math.max(change, Math.abs(trial[i]! - y[i]!) / y[i]!);
      y[i] = trial[i]!;
    }
    if (change < 1e-14) break;
  }
  let s = 0;
  for (let i = 0; i < n; i++) s += y[i]!;
  for (let i = 0; i < n; i++) y[i]! /= s;
  return y.map((v) => v / 1); // copy
}

/** Long-only minimum variance by the primal active-set method, refactoring Σ_AA at every step. */
export function minVariance(cov: Float64Array, n: number): Float64Array {
  const w = new Float64Array(n);
  let k0 = 0;
  for (let i = 1; i < n; i++) if (cov[i * n + i]! < cov[k0 * n + k0]!) k0 = i;
  let free = [k0];
  w[k0] = 1;
  let dmax = 0;
  for (let i = 0; i < n; i++) dmax = Math.max(dmax, cov[i * n + i]!);
  const tol = 1e-15 * (n + 10) * dmax;
  for (let it = 0; it < 20 * n + 100; it++) {
    const m = free.length;
    const l = new Float64Array(m * m);
    for (let a = 0; a < m; a++) for (let c = 0; c < m; c++) l[a * m + c] = cov[free[a]! * n + free[c]!]!;
    cholesky(l, m);
    const u = new Float64Array(m).fill(1);
    cholSolve(l, m, u);
    let su = 0;
    for (let a = 0; a < m; a++) su += u[a]!;
    for (let a = 0; a < m; a++) u[a]! /= su;
    let alpha = 1;
    let block = -1;
    for (let a = 0; a < m; a++) {
      const p = u[a]! - w[free[a]!]!;
      if (p < 0 && w[free[a]!]! / -p < alpha) {
        alpha = w[free[a]!]! / -p;
        block = a;
      }
    }
    for (let a = 0; a < m; a++) w[free[a]!] = w[free[a]!]! + alpha * (u[a]! - w[free[a]!]!);
    if (block >= 0) {
      w[free[block]!] = 0;
      free = free.filter((_, a) => a !== block);
      continue;
    }
    const sw = new Float64Array(n);
    for (const i of free) for (let j = 0; j < n; j++) sw[j] = sw[j]! + w[i]! * cov[i * n + j]!;
    let v = 0;
    for (const i of free) v += w[i]! * sw[i]!;
    let best = -1;
    let bestMu = -tol;
    for (let j = 0; j < n; j++) {
      if (free.includes(j)) continue;
      const mu = sw[j]! - v;
      if (mu < bestMu) [best, bestMu] = [j, mu];
    }
    if (best < 0) break;
    free.push(best);
  }
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.max(0, w[i]!);
  return w.map((v) => Math.max(0, v) / s);
}

/** Independent-outcome Monte Carlo P&L with Math.random (scenario-major, the obvious loop). */
export function monteCarloIndependent(sizes: Float64Array, entries: Float64Array, probs: Float64Array, sims: number): Float64Array {
  const n = sizes.length;
  const gain = sizes.map((s, i) => s * (1 - entries[i]!));
  const loss = sizes.map((s, i) => -s * entries[i]!);
  const pnl = new Float64Array(sims);
  for (let j = 0; j < sims; j++) {
    let v = 0;
    for (let i = 0; i < n; i++) v += Math.random() < probs[i]! ? gain[i]! : loss[i]!;
    pnl[j] = v;
  }
  return pnl;
}

/** Φ⁻¹ (Acklam's rational approximation with one Halley step: ~1e-15 relative). */
export function normPpf(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  let x: number;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p > 1 - 0.02425) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  }
  return x;
}

/** Gaussian-copula Monte Carlo: Cholesky of the correlation, polar-method normals, z = Lε. */
export function monteCarloCopula(sizes: Float64Array, entries: Float64Array, probs: Float64Array, corr: Float64Array, sims: number): Float64Array {
  const n = sizes.length;
  const l = corr.slice();
  if (!cholesky(l, n)) throw new Error("correlation is not positive definite");
  const thr = Array.from(probs, (p) => (p <= 0 ? -Infinity : p >= 1 ? Infinity : normPpf(p)));
  const gain = sizes.map((s, i) => s * (1 - entries[i]!));
  const loss = sizes.map((s, i) => -s * entries[i]!);
  const eps = new Float64Array(n);
  const pnl = new Float64Array(sims);
  let spare = NaN;
  const normal = (): number => {
    if (!Number.isNaN(spare)) {
      const v = spare;
      spare = NaN;
      return v;
    }
    for (;;) {
      const u = 2 * Math.random() - 1;
      const v = 2 * Math.random() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const f = Math.sqrt((-2 * Math.log(s)) / s);
        spare = v * f;
        return u * f;
      }
    }
  };
  for (let j = 0; j < sims; j++) {
    for (let k = 0; k < n; k++) eps[k] = normal();
    let v = 0;
    for (let i = 0; i < n; i++) {
      let z = 0;
      for (let k = 0; k <= i; k++) z += l[i * n + k]! * eps[k]!;
      v += z < thr[i]! ? gain[i]! : loss[i]!;
    }
    pnl[j] = v;
  }
  return pnl;
}
