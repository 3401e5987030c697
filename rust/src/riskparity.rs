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
            let s: f64 = b.iter().sum();
            if !s.is_finite() {
                return Err(HzError::InvalidArgument(
                    "risk budgets sum overflows".to_string(),
                ));
            }
            b.iter().map(|v| v / s).collect()
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

/// Minimises ½zᵀCz − Σ b'_i ln z_i with b' = b / min b (so every log term is
/// self-concordant) by Newton with backtracking. Returns z > 0.
fn spinu_newton(c: &[f64], n: usize, b: &[f64]) -> Vec<f64> {
    let bmin = b.iter().cloned().fold(f64::INFINITY, f64::min);
    let bp: Vec<f64> = b.iter().map(|v| v / bmin).collect();
    let bsum: f64 = bp.iter().sum();
    let objective = |z: &[f64], cz: &[f64]| -> f64 {
        z.iter()
            .zip(cz)
            .zip(&bp)
            .map(|((zi, ci), bi)| 0.5 * zi * ci - bi * zi.ln())
            .sum()
    };
    // Start: z ∝ √b', a few multiplicative fixed-point sweeps z_i ← √(z_i · b'_i/(Cz)_i)
    // (cheap, O(N²) each), then scale so that zᵀCz = Σb' (true at the optimum).
    let mut z: Vec<f64> = bp.iter().map(|v| v.sqrt()).collect();
    let mut cz = vec![0.0; n];
    for _ in 0..8 {
        crate::linalg::mat_vec(c, n, &z, &mut cz);
        if cz.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
            break;
        }
        for ((zi, ci), bi) in z.iter_mut().zip(&cz).zip(&bp) {
            *zi = (*zi * bi / ci).sqrt();
        }
    }
    if z.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
        z = bp.iter().map(|v| v.sqrt()).collect();
    }
    crate::linalg::mat_vec(c, n, &z, &mut cz);
    let q: f64 = z.iter().zip(&cz).map(|(a, b)| a * b).sum();
    if q > 0.0 && q.is_finite() {
        let s = (bsum / q).sqrt();
        z.iter_mut().for_each(|v| *v *= s);
    }
    let mut h = vec![0.0; n * n];
    let mut dz = vec![0.0; n];
    let mut trial = vec![0.0; n];
    let mut ctrial = vec![0.0; n];
    let mut small_steps = 0;
    for _ in 0..500 {
        crate::linalg::mat_vec(c, n, &z, &mut cz);
        h.copy_from_slice(c);
        for i in 0..n {
            dz[i] = -(cz[i] - bp[i] / z[i]);
            h[i * n + i] += bp[i] / (z[i] * z[i]);
        }
        let grad_neg = dz.clone();
        if !cholesky_in_place(&mut h, n, 0.0) {
            break;
        }
        cholesky_solve(&h, n, n, &mut dz);
        let dec: f64 = grad_neg.iter().zip(&dz).map(|(g, d)| g * d).sum();
        if !(dec.is_finite()) {
            break;
        }
        let lam = dec.max(0.0).sqrt();
        // Backtracking (Armijo) from the full Newton step; near the optimum (λ small) the
        // full step is taken without comparing objective values lost in rounding.
        let mut t = 1.0;
        while z.iter().zip(&dz).any(|(zi, di)| zi + t * di <= 0.0) {
            t *= 0.5;
        }
        if lam > 1e-4 {
            let f0 = objective(&z, &cz);
            loop {
                for ((tr, zi), di) in trial.iter_mut().zip(&z).zip(&dz) {
                    *tr = zi + t * di;
                }
                crate::linalg::mat_vec(c, n, &trial, &mut ctrial);
                let f1 = objective(&trial, &ctrial);
                if f1 <= f0 - 0.25 * t * dec || t < 1e-12 {
                    break;
                }
                t *= 0.5;
            }
        }
        if t < 1e-12 {
            break;
        }
        for (zi, di) in z.iter_mut().zip(&dz) {
            *zi += t * di;
        }
        // Converged to machine precision: λ² is ~ the remaining objective gap.
        if lam < 1e-9 * bsum.sqrt() {
            small_steps += 1;
            if small_steps >= 2 || lam < 1e-15 * bsum.sqrt() {
                break;
            }
        }
    }
    z
}

#[cfg(test)]
mod tests {
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
