//! Risk parity: inverse volatility and equal risk contribution (Spinu 2013).
use crate::linalg::{cholesky_in_place, cholesky_solve, symmetric_matrix};
use crate::{HzError, Result};
use ndarray::ArrayView2;

/// w_i ∝ 1/σ_i.
///
/// Never fails. Zero-variance assets take the σ → 0 limit: all the weight is shared
/// equally among them. A variance that is negative or not finite is treated as infinite
/// (weight 0); if no asset has a usable variance the weights are equal. Empty → empty.
/// Only the diagonal is read (a non-square input uses its leading square block).
pub fn inverse_volatility(cov: ArrayView2<f64>) -> Vec<f64> {
    let (r, c) = cov.dim();
    let n = r.min(c);
    if n == 0 {
        return Vec::new();
    }
    let var: Vec<f64> = (0..n).map(|i| cov[[i, i]]).collect();
    let usable = |v: f64| v.is_finite() && v >= 0.0;
    let zeros = var.iter().filter(|&&v| v == 0.0).count();
    if zeros > 0 {
        let w = 1.0 / zeros as f64;
        return var
            .iter()
            .map(|&v| if v == 0.0 { w } else { 0.0 })
            .collect();
    }
    let sd_min = var
        .iter()
        .filter(|&&v| usable(v))
        .map(|v| v.sqrt())
        .fold(f64::INFINITY, f64::min);
    if !sd_min.is_finite() {
        return vec![1.0 / n as f64; n];
    }
    // σ_min/σ_i ∈ (0, 1]: no overflow for tiny variances.
    let raw: Vec<f64> = var
        .iter()
        .map(|&v| if usable(v) { sd_min / v.sqrt() } else { 0.0 })
        .collect();
    let s: f64 = raw.iter().sum();
    raw.iter().map(|v| v / s).collect()
}

/// Equal (or budgeted) risk contribution; `budgets` sum to 1 (None → 1/N).
///
/// Spinu's convex formulation: minimise ½yᵀΣy − Σ b_i ln y_i, w = y/Σy, so that the risk
/// contributions w_i(Σw)_i / wᵀΣw equal b_i. It is solved in correlation coordinates
/// (y_i = z_i/σ_i, scale free) with budgets rescaled so min b = 1 (self-concordant, so
/// Newton converges globally), by Newton with Armijo backtracking to machine precision.
///
/// * `budgets`: length N, finite and > 0, normalised to sum 1; else `InvalidArgument`.
/// * `cov`: square, finite (`InvalidArgument` otherwise), symmetrised; a negative variance
///   is `InvalidArgument`. Empty → empty; N = 1 → [1].
/// * Zero-variance assets: the σ → 0 limit puts all weight on them; it is shared ∝ √b_i
///   (the limit for uncorrelated assets at the same rate; equal budgets → equal split).
/// * If the correlation matrix is not numerically positive definite (singular: the problem
///   can be unbounded, e.g. perfectly anti-correlated assets; or indefinite input), a ridge
///   λI is added to it with λ the smallest of 1e-12, 1e-11, … that makes it so.
pub fn equal_risk_contribution(cov: ArrayView2<f64>, budgets: Option<&[f64]>) -> Result<Vec<f64>> {
    let sigma = symmetric_matrix(cov, "covariance")?;
    let n = cov.nrows();
    let b: Vec<f64> = match budgets {
        None => vec![1.0 / n.max(1) as f64; n],
        Some(b) => {
            if b.len() != n {
                return Err(HzError::InvalidArgument(format!(
                    "budgets must have one entry per asset: got {}, expected {n}",
                    b.len()
                )));
            }
            for (i, &v) in b.iter().enumerate() {
                if !(v.is_finite() && v > 0.0) {
                    return Err(HzError::InvalidArgument(format!(
                        "risk budget at index {i} must be finite and > 0, got {v}"
                    )));
                }
            }
            // Normalised by the largest first, so the sum cannot overflow (budgets up to f64::MAX).
            let m = b.iter().cloned().fold(0.0, f64::max);
            let s: f64 = b.iter().map(|v| v / m).sum();
            b.iter().map(|v| v / m / s).collect()
        }
    };
    if n == 0 {
        return Ok(Vec::new());
    }
    let var: Vec<f64> = (0..n).map(|i| sigma[i * n + i]).collect();
    if let Some(i) = var.iter().position(|&v| v < 0.0) {
        return Err(HzError::InvalidArgument(format!(
            "covariance has a negative variance at index {i}: {}",
            var[i]
        )));
    }
    if n == 1 {
        return Ok(vec![1.0]);
    }
    if var.contains(&0.0) {
        let raw: Vec<f64> = var
            .iter()
            .zip(&b)
            .map(|(&v, &bi)| if v == 0.0 { bi.sqrt() } else { 0.0 })
            .collect();
        let s: f64 = raw.iter().sum();
        return Ok(raw.iter().map(|v| v / s).collect());
    }
    let sd: Vec<f64> = var.iter().map(|v| v.sqrt()).collect();

    // Correlation matrix, with a ridge if it is not numerically positive definite.
    let mut corr = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            corr[i * n + j] = if i == j {
                1.0
            } else {
                sigma[i * n + j] / sd[i] / sd[j]
            };
        }
    }
    let mut ridge = 0.0;
    let mut work = corr.clone();
    while !cholesky_in_place(&mut work, n, 1e-12) {
        ridge = if ridge == 0.0 { 1e-12 } else { ridge * 10.0 };
        if ridge > 1e6 {
            break; // unreachable for finite correlations (|eigenvalues| ≤ N·max|c_ij|)
        }
        work.copy_from_slice(&corr);
        for i in 0..n {
            work[i * n + i] += ridge;
        }
    }
    for i in 0..n {
        corr[i * n + i] += ridge;
    }

    let z = spinu_newton(&corr, n, &b);
    // y_i = z_i/σ_i, normalised through σ_min/σ_i to avoid overflow.
    let sd_min = sd.iter().cloned().fold(f64::INFINITY, f64::min);
    let y: Vec<f64> = z
        .iter()
        .zip(&sd)
        .map(|(&zi, &s)| zi * (sd_min / s))
        .collect();
    let s: f64 = y.iter().sum();
    let w: Vec<f64> = y.iter().map(|v| v / s).collect();
    if w.iter().all(|v| v.is_finite() && *v >= 0.0) {
        Ok(w)
    } else {
        Ok(inverse_volatility(cov))
    }
}

/// One cyclic coordinate-descent sweep on Spinu's objective: each z_i set to the exact minimiser
/// along z_i, the positive root of C_ii z² + a z − b'_i = 0 (a = Σ_{j≠i} C_ij z_j), written without
/// cancellation; `cz` = C z is updated column by column and refreshed at the end.
fn coordinate_sweep(c: &[f64], n: usize, bp: &[f64], z: &mut [f64], cz: &mut [f64]) {
    for i in 0..n {
        let cii = c[i * n + i];
        let a = cz[i] - cii * z[i];
        let disc = (a * a + 4.0 * cii * bp[i]).sqrt();
        let zi = if a > 0.0 { 2.0 * bp[i] / (a + disc) } else { (disc - a) / (2.0 * cii) };
        if !(zi.is_finite() && zi > 0.0) {
            continue;
        }
        let d = zi - z[i];
        if d != 0.0 {
            for (k, ck) in cz.iter_mut().enumerate() {
                *ck += c[k * n + i] * d;
            }
            z[i] = zi;
        }
    }
    crate::linalg::mat_vec(c, n, z, cz); // no drift from the column updates
}

/// Minimises Spinu's F(z) = ½zᵀCz − Σ b'_i ln z_i, b' = b / max b ∈ (0, 1] (so no budget ratio
/// can overflow; a ratio below the smallest double is raised to it), for any budgets > 0.
///
/// Earlier versions rescaled by min b and took Newton steps in z: with budgets spanning hundreds of
/// orders of magnitude (1e-300 : 1 : 3) b/min b overflows or the steps stall at the positivity
/// bound, so the result silently missed its budgets. Here:
/// 1. cyclic coordinate descent — each z_i set to the exact minimiser of F along z_i, the positive
///    root of C_ii z² + a z − b'_i = 0 (a = Σ_{j≠i} C_ij z_j), written without cancellation —
///    brings every z_i, however tiny its budget, to its right order of magnitude;
/// 2. damped Newton in the log-weights u = ln z: direction −H⁻¹∇F with H = ZCZ + diag(b') (the
///    exact Hessian in u at the optimum, positive definite everywhere, Jacobi-scaled so tiny
///    budgets do not make it ill-conditioned), Armijo backtracking on F, and at most a factor e²
///    change of any z_i per step. z = e^u stays positive without a boundary to stop at.
///
/// Converged when every risk contribution z_i(Cz)_i matches b'_i to ~1e-14 relative. Returns z > 0.
fn spinu_newton(c: &[f64], n: usize, b: &[f64]) -> Vec<f64> {
    let bmax = b.iter().cloned().fold(0.0, f64::max);
    let bp: Vec<f64> = b.iter().map(|v| (v / bmax).max(f64::from_bits(1))).collect();
    let bsum: f64 = bp.iter().sum();
    let objective = |z: &[f64], cz: &[f64]| -> f64 {
        z.iter()
            .zip(cz)
            .zip(&bp)
            .map(|((zi, ci), bi)| 0.5 * zi * ci - bi * zi.ln())
            .sum()
    };
    // Error of risk contribution i relative to what double precision can resolve: its budget,
    // or the rounding of (Cz)_i = Σ C_ij z_j (an asset whose marginal risk nearly cancels — a
    // hedge — cannot have a contribution below ~1e-16 of its gross terms), or 1e-290 (subnormal
    // budgets carry few significant bits).
    let abs_c: Vec<f64> = c.iter().map(|v| v.abs()).collect();
    let residual = |z: &[f64], cz: &[f64]| -> f64 {
        let mut gross = vec![0.0; n];
        crate::linalg::mat_vec(&abs_c, n, z, &mut gross);
        (0..n)
            .map(|i| (z[i] * cz[i] - bp[i]).abs() / bp[i].max(1e-15 * z[i] * gross[i]).max(1e-290))
            .fold(0.0, f64::max)
    };

    // Start: z ∝ √b', scaled so that zᵀCz = Σb' (true at the optimum).
    let mut z: Vec<f64> = bp.iter().map(|v| v.sqrt()).collect();
    let mut cz = vec![0.0; n];
    crate::linalg::mat_vec(c, n, &z, &mut cz);
    let q: f64 = z.iter().zip(&cz).map(|(a, b)| a * b).sum();
    if q > 0.0 && q.is_finite() {
        let s = (bsum / q).sqrt();
        z.iter_mut().for_each(|v| *v *= s);
    }
    // 1. Coordinate descent sweeps, O(N²) each (Cz kept up to date column by column).
    crate::linalg::mat_vec(c, n, &z, &mut cz);
    for _ in 0..50 {
        coordinate_sweep(c, n, &bp, &mut z, &mut cz);
        if residual(&z, &cz) < 1e-2 {
            break;
        }
    }

    // 2. Damped Newton in u = ln z.
    let mut h = vec![0.0; n * n];
    let mut g = vec![0.0; n];
    let mut du = vec![0.0; n];
    let mut scale = vec![0.0; n];
    let mut trial = vec![0.0; n];
    let mut ctrial = vec![0.0; n];
    let mut last = f64::INFINITY;
    let mut sweeps_left = 5;
    for _ in 0..500 {
        crate::linalg::mat_vec(c, n, &z, &mut cz);
        // Stop at machine precision, or when rounding stalls progress (Newton would at least
        // halve an error above rounding level). The residual, not the Newton decrement, decides:
        // the decrement hardly sees the error of a tiny-budget asset.
        let r = residual(&z, &cz);
        if r <= 1e-14 || (r < 1e-10 && r > 0.5 * last) {
            break;
        }
        if r > 0.5 * last && sweeps_left > 0 {
            // Newton stalls in the flat valley of assets whose marginal risk must nearly
            // cancel (hedges with tiny budgets): exact coordinate steps get it moving again.
            sweeps_left -= 1;
            for _ in 0..20 {
                coordinate_sweep(c, n, &bp, &mut z, &mut cz);
            }
            last = f64::INFINITY;
            continue;
        }
        last = r;
        for i in 0..n {
            g[i] = z[i] * cz[i] - bp[i];
            for j in 0..n {
                h[i * n + j] = z[i] * c[i * n + j] * z[j];
            }
            h[i * n + i] += bp[i];
        }
        // Jacobi scaling: unit diagonal, so entries of tiny-budget rows are not lost.
        for i in 0..n {
            scale[i] = 1.0 / h[i * n + i].sqrt();
        }
        for i in 0..n {
            for j in 0..n {
                // one factor at a time: scale[i]² alone overflows for a subnormal budget
                h[i * n + j] = h[i * n + j] * scale[i] * scale[j];
            }
            du[i] = -g[i] * scale[i];
        }
        if !cholesky_in_place(&mut h, n, 0.0) {
            break;
        }
        cholesky_solve(&h, n, n, &mut du);
        for i in 0..n {
            du[i] *= scale[i];
        }
        let dec: f64 = -g.iter().zip(&du).map(|(a, b)| a * b).sum::<f64>();
        if !(dec.is_finite() && du.iter().all(|v| v.is_finite())) {
            break;
        }
        // Trust region: no z_i changes by more than a factor e² in one step.
        let dmax = du.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let mut t = if dmax > 2.0 { 2.0 / dmax } else { 1.0 };
        // Backtracking (Armijo) unless the decrement is already at rounding level, where
        // objective differences are lost in rounding and the full Newton step is right.
        if dec > 1e-20 * bsum {
            let f0 = objective(&z, &cz);
            loop {
                for i in 0..n {
                    trial[i] = z[i] * (t * du[i]).exp();
                }
                crate::linalg::mat_vec(c, n, &trial, &mut ctrial);
                let f1 = objective(&trial, &ctrial);
                if f1 <= f0 - 1e-4 * t * dec || t < 1e-12 {
                    break;
                }
                t *= 0.5;
            }
        }
        if t < 1e-12 {
            break;
        }
        for i in 0..n {
            z[i] *= (t * du[i]).exp();
        }
    }
    z
}

#[cfg(test)]
mod tests {
    // In wasm32 (`npm run test:rust-wasm`) the same tests run under wasm-bindgen-test in Node.
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use ndarray::{array, Array2};

    fn risk_contributions(cov: &Array2<f64>, w: &[f64]) -> Vec<f64> {
        let n = w.len();
        let sw: Vec<f64> = (0..n)
            .map(|i| (0..n).map(|j| cov[[i, j]] * w[j]).sum())
            .collect();
        let v: f64 = w.iter().zip(&sw).map(|(a, b)| a * b).sum();
        w.iter().zip(&sw).map(|(a, b)| a * b / v).collect()
    }

    fn random_spd(n: usize, seed: u64) -> Array2<f64> {
        let mut s = seed;
        let mut next = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) - 0.5
        };
        let t = n + 5;
        let a = Array2::from_shape_fn((t, n), |_| next());
        let scales: Vec<f64> = (0..n).map(|_| 0.01 + (next() + 0.5)).collect();
        let mut c = a.t().dot(&a) / t as f64;
        for i in 0..n {
            for j in 0..n {
                c[[i, j]] *= scales[i] * scales[j];
            }
        }
        c
    }

    #[test]
    fn inverse_vol_basic_and_degenerate() {
        let c = array![[4.0, 0.3], [0.3, 1.0]];
        let w = inverse_volatility(c.view());
        assert!((w[0] - 1.0 / 3.0).abs() < 1e-15 && (w[1] - 2.0 / 3.0).abs() < 1e-15);
        let z = array![[4.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]];
        assert_eq!(inverse_volatility(z.view()), vec![0.0, 0.5, 0.5]);
        assert_eq!(
            inverse_volatility(Array2::<f64>::zeros((3, 3)).view()),
            vec![1.0 / 3.0; 3]
        );
        assert!(inverse_volatility(Array2::<f64>::zeros((0, 0)).view()).is_empty());
        let nan = array![[f64::NAN, 0.0], [0.0, 1.0]];
        assert_eq!(inverse_volatility(nan.view()), vec![0.0, 1.0]);
        let tiny = array![[1e-320, 0.0], [0.0, 1e300]];
        let w = inverse_volatility(tiny.view());
        assert!(w.iter().all(|v| v.is_finite()) && w[0] > 0.999);
    }

    #[test]
    fn erc_spec_vector() {
        let c = array![
            [1.0, 0.0015, -0.0119],
            [0.0015, 1.0, -0.0308],
            [-0.0119, -0.0308, 1.0]
        ];
        let b = [0.1594, 0.0126, 0.8280];
        let w = equal_risk_contribution(c.view(), Some(&b)).unwrap();
        let expect = [0.279863, 0.087749, 0.632388];
        for (a, e) in w.iter().zip(expect) {
            assert!((a - e).abs() < 1e-6, "{w:?}");
        }
        let rc = risk_contributions(&c, &w);
        let bs: f64 = b.iter().sum();
        for (r, bi) in rc.iter().zip(b) {
            assert!((r - bi / bs).abs() < 1e-12, "{rc:?}");
        }
    }

    #[test]
    fn erc_random_spd_equal_contributions() {
        for (n, seed) in [(2, 1), (5, 2), (20, 3), (60, 4), (150, 5)] {
            let c = random_spd(n, seed);
            let w = equal_risk_contribution(c.view(), None).unwrap();
            assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            let rc = risk_contributions(&c, &w);
            for r in &rc {
                assert!((r - 1.0 / n as f64).abs() < 1e-10, "n={n} {rc:?}");
            }
            // budgets spanning orders of magnitude
            let b: Vec<f64> = (0..n).map(|i| 10f64.powi((i % 5) as i32 - 2)).collect();
            let w = equal_risk_contribution(c.view(), Some(&b)).unwrap();
            let bs: f64 = b.iter().sum();
            let rc = risk_contributions(&c, &w);
            for (r, bi) in rc.iter().zip(&b) {
                assert!((r - bi / bs).abs() < 1e-10, "n={n} {rc:?}");
            }
        }
    }

    /// Two-asset budgeted ERC by bisection on w₀ (RC₀/RC₁ is increasing in w₀): a reference that
    /// shares nothing with the solver.
    fn erc2_bisection(c: [[f64; 2]; 2], b0: f64, b1: f64) -> [f64; 2] {
        let (mut lo, mut hi) = (0.0f64, 1.0f64);
        for _ in 0..200 {
            let w0 = 0.5 * (lo + hi);
            let w = [w0, 1.0 - w0];
            let rc0 = w[0] * (c[0][0] * w[0] + c[0][1] * w[1]);
            let rc1 = w[1] * (c[1][0] * w[0] + c[1][1] * w[1]);
            if rc0 * b1 < rc1 * b0 {
                lo = w0;
            } else {
                hi = w0;
            }
        }
        let w0 = 0.5 * (lo + hi);
        [w0, 1.0 - w0]
    }

    #[test]
    fn erc_meets_tiny_and_subnormal_budgets() {
        // Positively correlated, as in the issue: with budgets 1e-300 : 1 : 3 the old solver
        // stopped at a risk-contribution ratio of 2.495 instead of 3 (and 1e-310 fell back to
        // inverse volatility).
        let c = array![[0.04, 0.018, 0.02], [0.018, 0.09, 0.03], [0.02, 0.03, 0.0625]];
        let reference = erc2_bisection([[0.09, 0.03], [0.03, 0.0625]], 1.0, 3.0);
        for tiny in [1e-8, 1e-50, 1e-100, 1e-200, 1e-300, 1e-307, 1e-310, 1e-320, 5e-324] {
            let w = equal_risk_contribution(c.view(), Some(&[tiny, 1.0, 3.0])).unwrap();
            assert!(w.iter().all(|v| v.is_finite() && *v >= 0.0), "{tiny}: {w:?}");
            let rc = risk_contributions(&c, &w);
            assert!((rc[2] / rc[1] - 3.0).abs() < 1e-12, "{tiny}: ratio {} {w:?}", rc[2] / rc[1]);
            assert!(w[0] < 1e-6, "{tiny}: {w:?}");
            if tiny <= 1e-50 {
                // The other two are the two-asset solution (the tiny budget's effect is ~tiny).
                assert!((w[1] - reference[0]).abs() < 1e-12 && (w[2] - reference[1]).abs() < 1e-12, "{tiny}: {w:?} vs {reference:?}");
            }
            if tiny >= 1e-300 {
                // The tiny asset's own contribution also matches its budget, relative to the others.
                assert!((rc[0] / rc[1] / tiny - 1.0).abs() < 1e-9, "{tiny}: {}", rc[0] / rc[1] / tiny);
            }
        }
        // Budgets across 300 orders of magnitude on random covariances (where low-budget assets
        // also hedge the others: their marginal risk must cancel, the hardest case).
        for (n, seed) in [(4, 11), (12, 12), (40, 13)] {
            let c = random_spd(n, seed);
            let b: Vec<f64> = (0..n).map(|i| 10f64.powi(-(((i * 37) % 301) as i32))).collect();
            let w = equal_risk_contribution(c.view(), Some(&b)).unwrap();
            let rc = risk_contributions(&c, &w);
            let (k, &bk) = b.iter().enumerate().max_by(|a, b| a.1.partial_cmp(b.1).unwrap()).unwrap();
            let bs: f64 = b.iter().sum();
            let _ = (k, bk);
            for i in 0..n {
                // relative to its budget, or 1e-14 of the total risk where the asset's marginal
                // risk cancels (a hedge: rounding of Σ C_ij w_j allows no better)
                let err = (rc[i] - b[i] / bs).abs();
                assert!(err <= 1e-9 * b[i] / bs || err <= 1e-14, "n={n} i={i} b={} rc={} w={}", b[i], rc[i], w[i]);
            }
        }
        // Huge budgets do not overflow.
        let w = equal_risk_contribution(c.view(), Some(&[f64::MAX, f64::MAX, f64::MAX])).unwrap();
        let eq = equal_risk_contribution(c.view(), None).unwrap();
        for (a, e) in w.iter().zip(&eq) {
            assert!((a - e).abs() < 1e-14, "{w:?} vs {eq:?}");
        }
    }

    #[test]
    fn erc_degenerate() {
        let one = array![[0.04]];
        assert_eq!(
            equal_risk_contribution(one.view(), None).unwrap(),
            vec![1.0]
        );
        assert!(
            equal_risk_contribution(Array2::<f64>::zeros((0, 0)).view(), None)
                .unwrap()
                .is_empty()
        );
        // zero-variance assets take everything, ∝ √b
        let z = array![[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]];
        let w = equal_risk_contribution(z.view(), Some(&[0.2, 0.16, 0.64])).unwrap();
        assert!(
            (w[0]).abs() < 1e-15
                && (w[1] - 1.0 / 3.0).abs() < 1e-12
                && (w[2] - 2.0 / 3.0).abs() < 1e-12
        );
        assert_eq!(
            equal_risk_contribution(Array2::<f64>::zeros((2, 2)).view(), None).unwrap(),
            vec![0.5, 0.5]
        );
        // perfectly anti-correlated (unbounded without the ridge) and perfectly correlated
        for s in [-1.0, 1.0] {
            let c = array![[1.0, s * 2.0], [s * 2.0, 4.0]];
            let w = equal_risk_contribution(c.view(), None).unwrap();
            assert!(w.iter().all(|v| v.is_finite()), "{w:?}");
            assert!((w[0] - 2.0 / 3.0).abs() < 1e-4, "{w:?}");
        }
        // indefinite input still yields finite weights
        let bad = array![[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]];
        let w = equal_risk_contribution(bad.view(), None).unwrap();
        assert!(w.iter().all(|v| v.is_finite() && *v >= 0.0));
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        // tiny and huge scales
        let c = array![[1e-300, 0.0], [0.0, 1e300]];
        let w = equal_risk_contribution(c.view(), None).unwrap();
        assert!(w.iter().all(|v| v.is_finite()) && w[0] > 0.99);
    }

    #[test]
    fn erc_validation() {
        let c = array![[1.0, 0.0], [0.0, 1.0]];
        assert!(matches!(
            equal_risk_contribution(c.view(), Some(&[1.0])),
            Err(HzError::InvalidArgument(_))
        ));
        assert!(matches!(
            equal_risk_contribution(c.view(), Some(&[1.0, 0.0])),
            Err(HzError::InvalidArgument(_))
        ));
        assert!(matches!(
            equal_risk_contribution(c.view(), Some(&[1.0, -1.0])),
            Err(HzError::InvalidArgument(_))
        ));
        assert!(matches!(
            equal_risk_contribution(c.view(), Some(&[1.0, f64::NAN])),
            Err(HzError::InvalidArgument(_))
        ));
        let w = equal_risk_contribution(c.view(), Some(&[3.0, 1.0])).unwrap();
        assert!((w[0] / w[1] - 3f64.sqrt()).abs() < 1e-12);
        let nan = array![[1.0, f64::NAN], [0.0, 1.0]];
        assert!(matches!(
            equal_risk_contribution(nan.view(), None),
            Err(HzError::InvalidArgument(_))
        ));
        let rect = Array2::<f64>::zeros((2, 3));
        assert!(matches!(
            equal_risk_contribution(rect.view(), None),
            Err(HzError::InvalidArgument(_))
        ));
        let neg = array![[-1.0, 0.0], [0.0, 1.0]];
        assert!(matches!(
            equal_risk_contribution(neg.view(), None),
            Err(HzError::InvalidArgument(_))
        ));
    }
}
