//! Long-only minimum variance (exact active set).
//!
//! Primal active-set QP (Nocedal & Wright, Alg. 16.3) for min ½wᵀΣw s.t. 1ᵀw = 1, w ≥ 0.
//! The free set A carries a Cholesky factor of Σ_AA that is extended by one row when an
//! asset enters and downdated with Givens rotations when one leaves, so an iteration costs
//! O(|A|² + N·|A|). Each subproblem's optimum is w_A = Σ_AA⁻¹1 / 1ᵀΣ_AA⁻¹1; the method stops
//! when every excluded j has (Σw)_j ≥ wᵀΣw (non-negative multiplier), which with w_A ≥ 0
//! are the KKT conditions, sufficient for a global optimum since Σ is PSD.
use crate::linalg::{cholesky_solve, forward_substitute, symmetric_matrix};
use crate::{HzError, Result};
use ndarray::ArrayView2;

/// argmin wᵀΣw s.t. Σw = 1, w ≥ 0.
///
/// * `cov`: square and finite (else `InvalidArgument`); symmetrised as (Σ + Σᵀ)/2; a
///   negative variance is `InvalidArgument`. Empty → empty, N = 1 → [1].
/// * All-zero Σ → equal weights.
/// * Singular Σ (a zero-variance asset, duplicated or perfectly (anti-)correlated assets)
///   or indefinite input: only the principal blocks Σ_AA the method visits must be
///   positive definite. If one is not (a Schur-complement pivot ≤ 1e-14·Σ_jj), the solve is
///   restarted on Σ + λI with λ = 1e-12·tr(Σ)/N, then ×10 until it succeeds. A zero-variance
///   asset therefore receives (almost) all the weight, shared equally among several.
pub fn min_variance_long_only(cov: ArrayView2<f64>) -> Result<Vec<f64>> {
    let sigma = symmetric_matrix(cov, "covariance")?;
    let n = cov.nrows();
    if n == 0 {
        return Ok(Vec::new());
    }
    if let Some(i) = (0..n).position(|i| sigma[i * n + i] < 0.0) {
        return Err(HzError::InvalidArgument(format!(
            "covariance has a negative variance at index {i}: {}",
            sigma[i * n + i]
        )));
    }
    if n == 1 {
        return Ok(vec![1.0]);
    }
    let max_abs = sigma.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if max_abs == 0.0 {
        return Ok(vec![1.0 / n as f64; n]);
    }
    // Work on Σ / max|Σ_ij| (weights are scale free): no overflow, well-scaled tolerances.
    let sigma: Vec<f64> = sigma.iter().map(|v| v / max_abs).collect();
    let trace_mean = (0..n).map(|i| sigma[i * n + i]).sum::<f64>() / n as f64;
    let base = if trace_mean > 0.0 { trace_mean } else { 1.0 };

    let mut ridge = 0.0;
    let mut work = sigma.clone();
    loop {
        if let Some(w) = ActiveSet::new(&work, n).solve() {
            return Ok(w);
        }
        ridge = if ridge == 0.0 {
            1e-12 * base
        } else {
            ridge * 10.0
        };
        if ridge > 10.0 * n as f64 {
            // Unreachable: Σ/max|Σ| + λI is positive definite once λ > N.
            return Ok(vec![1.0 / n as f64; n]);
        }
        work.copy_from_slice(&sigma);
        for i in 0..n {
            work[i * n + i] += ridge;
        }
    }
}

struct ActiveSet<'a> {
    s: &'a [f64],
    n: usize,
    /// Free assets, in the order of the rows of `l`.
    free: Vec<usize>,
    in_free: Vec<bool>,
    /// Lower Cholesky factor of Σ_free,free (row stride n, size free.len()).
    l: Vec<f64>,
    w: Vec<f64>,
}

enum Added {
    Ok,
    Singular,
}

impl<'a> ActiveSet<'a> {
    fn new(s: &'a [f64], n: usize) -> Self {
        ActiveSet {
            s,
            n,
            free: Vec::with_capacity(n),
            in_free: vec![false; n],
            l: vec![0.0; n * n],
            w: vec![0.0; n],
        }
    }

    /// Appends asset j to the free set, extending the Cholesky factor by one row.
    fn add(&mut self, j: usize) -> Added {
        let (n, m) = (self.n, self.free.len());
        let mut row: Vec<f64> = self.free.iter().map(|&i| self.s[j * n + i]).collect();
        forward_substitute(&self.l, n, m, &mut row);
        let sjj = self.s[j * n + j];
        let d = sjj - row.iter().map(|v| v * v).sum::<f64>();
        if !(d.is_finite() && d > 1e-14 * sjj && d > 0.0) {
            return Added::Singular;
        }
        self.l[m * n..m * n + m].copy_from_slice(&row);
        self.l[m * n + m] = d.sqrt();
        self.free.push(j);
        self.in_free[j] = true;
        Added::Ok
    }

    /// Removes the free asset at position `pos`: delete its row of L, then restore the
    /// lower-triangular shape with Givens rotations on column pairs (k, k+1).
    fn remove(&mut self, pos: usize) {
        let (n, m) = (self.n, self.free.len());
        for r in pos..m - 1 {
            self.l.copy_within((r + 1) * n..(r + 1) * n + m, r * n);
        }
        for k in pos..m - 1 {
            let a = self.l[k * n + k];
            let b = self.l[k * n + k + 1];
            let r = a.hypot(b);
            let (c, s) = if r == 0.0 { (1.0, 0.0) } else { (a / r, b / r) };
            for i in k..m - 1 {
                let x = self.l[i * n + k];
                let y = self.l[i * n + k + 1];
                self.l[i * n + k] = c * x + s * y;
                self.l[i * n + k + 1] = -s * x + c * y;
            }
            self.l[k * n + k + 1] = 0.0;
        }
        for r in 0..m - 1 {
            self.l[r * n + m - 1] = 0.0;
        }
        let j = self.free.remove(pos);
        self.in_free[j] = false;
        self.w[j] = 0.0;
    }

    /// The equality-constrained optimum on the free set: u = Σ_AA⁻¹1 / 1ᵀΣ_AA⁻¹1.
    fn subproblem(&self) -> Option<Vec<f64>> {
        let m = self.free.len();
        let mut u = vec![1.0; m];
        cholesky_solve(&self.l, self.n, m, &mut u);
        let s: f64 = u.iter().sum();
        if !(s.is_finite() && s > 0.0) {
            return None;
        }
        Some(u.iter().map(|v| v / s).collect())
    }

    /// Runs the active-set method; `None` if a visited Σ_AA was numerically singular.
    fn solve(mut self) -> Option<Vec<f64>> {
        let n = self.n;
        // Start at the vertex of the least-variance asset.
        let k0 = (0..n).min_by(|&a, &b| self.s[a * n + a].total_cmp(&self.s[b * n + b]))?;
        if let Added::Singular = self.add(k0) {
            return None;
        }
        self.w[k0] = 1.0;
        let dmax = (0..n).map(|i| self.s[i * n + i]).fold(0.0f64, f64::max);
        let tol = 1e-15 * (n as f64 + 10.0) * dmax;
        // Assets whose entry was blocked immediately (numerically zero multiplier);
        // cleared whenever the iterate moves.
        let mut rejected = vec![false; n];
        let mut last_added: Option<usize> = None;
        let mut sw = vec![0.0; n];
        for _ in 0..(20 * n + 100) {
            let target = self.subproblem()?;
            // Step towards the subproblem optimum, stopping at the first blocking bound.
            let mut alpha = 1.0;
            let mut block: Option<usize> = None;
            for (pos, (&i, &ti)) in self.free.iter().zip(&target).enumerate() {
                let p = ti - self.w[i];
                if p < 0.0 {
                    let r = self.w[i] / -p;
                    if r < alpha {
                        alpha = r;
                        block = Some(pos);
                    }
                }
            }
            if let Some(pos) = block {
                let moved = alpha > 0.0;
                for (&i, &ti) in self.free.iter().zip(&target) {
                    self.w[i] += alpha * (ti - self.w[i]);
                }
                let j = self.free[pos];
                if moved {
                    rejected.iter_mut().for_each(|r| *r = false);
                } else if last_added == Some(j) {
                    rejected[j] = true;
                }
                self.remove(pos);
                last_added = None;
                continue;
            }
            for (&i, &ti) in self.free.iter().zip(&target) {
                self.w[i] = ti.max(0.0);
            }
            rejected.iter_mut().for_each(|r| *r = false);
            // Multipliers μ_j = (Σw)_j − wᵀΣw for excluded j.
            sw.iter_mut().for_each(|v| *v = 0.0);
            for &i in &self.free {
                let wi = self.w[i];
                for (acc, &sij) in sw.iter_mut().zip(&self.s[i * n..(i + 1) * n]) {
                    *acc += wi * sij;
                }
            }
            let var: f64 = self.free.iter().map(|&i| self.w[i] * sw[i]).sum();
            let mut best: Option<(usize, f64)> = None;
            for j in 0..n {
                if self.in_free[j] || rejected[j] {
                    continue;
                }
                let mu = sw[j] - var;
                if mu < -tol && best.is_none_or(|(_, b)| mu < b) {
                    best = Some((j, mu));
                }
            }
            match best {
                None => return Some(self.finish()),
                Some((j, _)) => {
                    if let Added::Singular = self.add(j) {
                        return None;
                    }
                    last_added = Some(j);
                }
            }
        }
        Some(self.finish())
    }

    fn finish(mut self) -> Vec<f64> {
        for v in self.w.iter_mut() {
            if !(v.is_finite() && *v > 0.0) {
                *v = 0.0;
            }
        }
        let s: f64 = self.w.iter().sum();
        if s > 0.0 {
            self.w.iter_mut().for_each(|v| *v /= s);
            self.w
        } else {
            vec![1.0 / self.n as f64; self.n]
        }
    }
}

#[cfg(test)]
mod tests {
    // In wasm32 (`npm run test:rust-wasm`) the same tests run under wasm-bindgen-test in Node.
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use ndarray::{array, Array2};

    fn rng(seed: u64) -> impl FnMut() -> f64 {
        let mut s = seed.wrapping_mul(0x9E3779B97F4A7C15).wrapping_add(1);
        move || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) - 0.5
        }
    }

    /// Random SPD Σ = AᵀA/T (+ scales); `t < n` gives a rank-deficient Σ.
    pub(crate) fn random_cov(n: usize, t: usize, seed: u64) -> Array2<f64> {
        let mut next = rng(seed);
        // a common factor with mixed-sign loadings makes many weights hit zero
        let a = Array2::from_shape_fn((t, n), |_| next());
        let f: Vec<f64> = (0..t).map(|_| next()).collect();
        let load: Vec<f64> = (0..n).map(|_| 2.0 * next() + 0.6).collect();
        let scales: Vec<f64> = (0..n).map(|_| 0.05 + (next() + 0.5)).collect();
        let x = Array2::from_shape_fn((t, n), |(k, i)| (a[[k, i]] + f[k] * load[i]) * scales[i]);
        x.t().dot(&x) / t as f64
    }

    pub(crate) fn kkt_violation(cov: &Array2<f64>, w: &[f64]) -> f64 {
        let n = w.len();
        let sw: Vec<f64> = (0..n)
            .map(|i| (0..n).map(|j| cov[[i, j]] * w[j]).sum())
            .collect();
        let var: f64 = w.iter().zip(&sw).map(|(a, b)| a * b).sum();
        let scale = cov.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let mut worst = (w.iter().sum::<f64>() - 1.0).abs();
        for i in 0..n {
            worst = worst.max((-w[i]).max(0.0));
            if w[i] > 1e-12 {
                worst = worst.max((sw[i] - var).abs() / scale);
            } else {
                worst = worst.max((var - sw[i]).max(0.0) / scale);
            }
        }
        worst
    }

    #[test]
    fn kkt_on_random_spd() {
        for (n, t, seed) in [
            (2, 10, 1),
            (3, 20, 2),
            (8, 30, 3),
            (25, 60, 4),
            (60, 200, 5),
            (120, 400, 6),
            (200, 300, 7),
        ] {
            let c = random_cov(n, t, seed);
            let w = min_variance_long_only(c.view()).unwrap();
            let zeros = w.iter().filter(|&&v| v == 0.0).count();
            let v = kkt_violation(&c, &w);
            assert!(v < 1e-10, "n={n} seed={seed} zeros={zeros} kkt={v}");
        }
    }

    #[test]
    fn degenerate_inputs() {
        assert!(min_variance_long_only(Array2::<f64>::zeros((0, 0)).view())
            .unwrap()
            .is_empty());
        assert_eq!(
            min_variance_long_only(array![[0.3]].view()).unwrap(),
            vec![1.0]
        );
        assert_eq!(
            min_variance_long_only(Array2::<f64>::zeros((3, 3)).view()).unwrap(),
            vec![1.0 / 3.0; 3]
        );
        // zero-variance assets take the weight, equally
        let z = array![[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]];
        let w = min_variance_long_only(z.view()).unwrap();
        assert!(
            w[0] < 1e-9 && (w[1] - 0.5).abs() < 1e-9 && (w[2] - 0.5).abs() < 1e-9,
            "{w:?}"
        );
        // duplicated asset (rank deficient), perfectly anti-correlated pair
        let d = array![[1.0, 1.0, 0.2], [1.0, 1.0, 0.2], [0.2, 0.2, 2.0]];
        let w = min_variance_long_only(d.view()).unwrap();
        assert!(
            w.iter().all(|v| v.is_finite() && *v >= 0.0)
                && (w.iter().sum::<f64>() - 1.0).abs() < 1e-12
        );
        assert!(kkt_violation(&d, &w) < 1e-9, "{w:?}");
        let a = array![[1.0, -2.0], [-2.0, 4.0]];
        let w = min_variance_long_only(a.view()).unwrap();
        assert!((w[0] - 2.0 / 3.0).abs() < 1e-6, "{w:?}");
        // rank-deficient random Σ (T < N)
        let c = random_cov(30, 10, 9);
        let w = min_variance_long_only(c.view()).unwrap();
        assert!(
            w.iter().all(|v| v.is_finite() && *v >= 0.0)
                && (w.iter().sum::<f64>() - 1.0).abs() < 1e-12
        );
        // indefinite input
        let bad = array![[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]];
        let w = min_variance_long_only(bad.view()).unwrap();
        assert!(
            w.iter().all(|v| v.is_finite() && *v >= 0.0)
                && (w.iter().sum::<f64>() - 1.0).abs() < 1e-12
        );
        // extreme scales
        for s in [1e-300, 1e300] {
            let c = random_cov(6, 20, 3).mapv(|v| v * s);
            let w = min_variance_long_only(c.view()).unwrap();
            assert!(w.iter().all(|v| v.is_finite()));
        }
    }

    #[test]
    fn validation() {
        assert!(matches!(
            min_variance_long_only(Array2::<f64>::zeros((2, 3)).view()),
            Err(HzError::InvalidArgument(_))
        ));
        let nan = array![[1.0, f64::NAN], [0.0, 1.0]];
        assert!(matches!(
            min_variance_long_only(nan.view()),
            Err(HzError::InvalidArgument(_))
        ));
        let neg = array![[-1.0, 0.0], [0.0, 1.0]];
        assert!(matches!(
            min_variance_long_only(neg.view()),
            Err(HzError::InvalidArgument(_))
        ));
    }
}
