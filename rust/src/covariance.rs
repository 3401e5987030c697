//! Ledoit-Wolf shrinkage covariance.
//!
//! Both targets share one pass over the data: centre the columns, form the upper half of
//! XᵀX with row-wise rank-4 updates over contiguous slices (auto-vectorised), and gather
//! the O(T·N) moment sums the shrinkage formulas need.
//!
//! Numerical safety: the data are scaled by a power of two (exact) before any products
//! are formed so that fourth moments cannot overflow; the shrinkage intensity is scale
//! invariant and the covariance is scaled back at the end. A result that does not fit in
//! an `f64` is reported as `InvalidHistory` rather than returned as ∞/NaN.
use crate::{HzError, Result};
use ndarray::{Array2, ArrayView2};

/// Shrinkage target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShrinkTarget {
    /// μI with μ = tr(S)/p — identical to scikit-learn `ledoit_wolf`.
    Identity,
    /// Ledoit & Wolf (2004) constant-correlation target, divisor n.
    ConstantCorrelation,
}

/// A shrunk covariance and its shrinkage intensity δ ∈ [0, 1].
#[derive(Debug, Clone)]
pub struct Shrunk {
    pub covariance: Array2<f64>,
    pub shrinkage: f64,
}

/// `x`: T × N (rows = time steps). Centres the data, divisor T.
///
/// * `Identity`: scikit-learn `sklearn.covariance.ledoit_wolf(x)` (assume_centered=False),
///   same formulas, including its N = 1 case (variance with divisor T, shrinkage 0).
///   Degenerate cases: if sklearn's δ̂ (dispersion of S around μI) is 0 the shrinkage is 0
///   (sklearn would divide 0/0 only when all data are constant); the shrinkage is clamped
///   to [0, 1] (sklearn can return a −1e-17 rounding artefact).
/// * `ConstantCorrelation`: Ledoit & Wolf (2004), Ledoit's `covCor.m`, divisor T:
///   F_ii = s_ii, F_ij = r̄ √(s_ii s_jj), κ = (π̂ − ρ̂)/γ̂, δ = max(0, min(1, κ/T)).
///   A zero-variance (constant) column has correlation 0 with everything and its pairs are
///   excluded from the average r̄ (r̄ = 0 when no pair has two non-constant columns); its
///   terms in ρ̂ are 0 (their limit). If γ̂ = ‖S − F‖²_F is 0 (up to rounding, e.g. N ≤ 2,
///   where S = F already) then δ = 0.
///
/// Constant columns are detected exactly (every value equal) and centred to exact zeros.
/// Errors (`InvalidHistory`): fewer than 2 rows, no columns, any non-finite cell (named by
/// row and column), or a covariance too large to represent.
pub fn ledoit_wolf(x: ArrayView2<f64>, target: ShrinkTarget) -> Result<Shrunk> {
    let (t, n) = x.dim();
    if t < 2 {
        return Err(HzError::InvalidHistory(format!(
            "returns history needs at least 2 rows (time steps), got {t}"
        )));
    }
    if n == 0 {
        return Err(HzError::InvalidHistory(
            "returns history has no columns (markets)".to_string(),
        ));
    }

    // Copy to a contiguous row-major buffer, validating and finding the magnitude.
    let mut xc = vec![0.0f64; t * n];
    let mut max_abs = 0.0f64;
    for (r, row) in x.outer_iter().enumerate() {
        let dst = &mut xc[r * n..(r + 1) * n];
        for (c, (&v, d)) in row.iter().zip(dst.iter_mut()).enumerate() {
            if !v.is_finite() {
                return Err(HzError::InvalidHistory(format!(
                    "returns history has a non-finite value at row {r}, column {c}"
                )));
            }
            *d = v;
            max_abs = max_abs.max(v.abs());
        }
    }
    if max_abs == 0.0 {
        return Ok(Shrunk {
            covariance: Array2::zeros((n, n)),
            shrinkage: 0.0,
        });
    }

    // Exact power-of-two scaling so max |x| ∈ [1, 2): no overflow of 4th moments.
    let e = exponent(max_abs);
    let (s1, s2) = (pow2(-(e / 2)), pow2(-(e - e / 2)));
    for v in xc.iter_mut() {
        *v = *v * s1 * s2;
    }

    // Centre the columns (sequential row sums, as numpy does for axis=0 of a C array).
    let mut mean = vec![0.0f64; n];
    for row in xc.chunks_exact(n) {
        for (m, &v) in mean.iter_mut().zip(row) {
            *m += v;
        }
    }
    let tf = t as f64;
    for m in mean.iter_mut() {
        *m /= tf;
    }
    let mut constant = vec![true; n];
    {
        let (first, rest) = xc.split_at(n);
        for row in rest.chunks_exact(n) {
            for ((c, &v), &f) in constant.iter_mut().zip(row).zip(first) {
                *c &= v == f;
            }
        }
    }
    for row in xc.chunks_exact_mut(n) {
        for ((v, &m), &c) in row.iter_mut().zip(&mean).zip(&constant) {
            *v = if c { 0.0 } else { *v - m };
        }
    }

    let (mut cov, shrinkage) = if n == 1 {
        let ms: f64 = xc.iter().map(|v| v * v).sum::<f64>() / tf;
        (vec![ms], 0.0)
    } else {
        let g = gram_upper(&xc, t, n);
        match target {
            ShrinkTarget::Identity => identity_target(&xc, &g, t, n),
            ShrinkTarget::ConstantCorrelation => {
                constant_correlation_target(&xc, &g, t, n, &constant)
            }
        }
    };

    // Undo the scaling (cov scales by 2^(2e)).
    let mut finite = true;
    for v in cov.iter_mut() {
        *v = scale_pow2(*v, 2 * e);
        finite &= v.is_finite();
    }
    if !finite {
        return Err(HzError::InvalidHistory(
            "returns history values are too large: the covariance overflows".to_string(),
        ));
    }
    let covariance = Array2::from_shape_vec((n, n), cov)
        .map_err(|e| HzError::InvalidHistory(format!("internal shape error: {e}")))?;
    Ok(Shrunk {
        covariance,
        shrinkage,
    })
}

/// Correlation from covariance; a zero-variance column gets 1 on the diagonal and 0 elsewhere.
///
/// Never fails: a non-square input uses its leading min(rows, cols) square block; a
/// variance that is not finite and > 0 is treated as zero variance; non-finite covariances
/// give correlation 0; results are clamped to [−1, 1].
pub fn correlation_from_covariance(cov: ArrayView2<f64>) -> Array2<f64> {
    let (r, c) = cov.dim();
    let n = r.min(c);
    let sd: Vec<f64> = (0..n)
        .map(|i| {
            let v = cov[[i, i]];
            if v.is_finite() && v > 0.0 {
                v.sqrt()
            } else {
                0.0
            }
        })
        .collect();
    let mut out = Array2::zeros((n, n));
    for i in 0..n {
        out[[i, i]] = 1.0;
        for j in 0..n {
            if i == j || sd[i] == 0.0 || sd[j] == 0.0 {
                continue;
            }
            // Divide step by step so a huge covariance cannot overflow the product.
            let v = cov[[i, j]] / sd[i] / sd[j];
            out[[i, j]] = if v.is_finite() {
                v.clamp(-1.0, 1.0)
            } else {
                0.0
            };
        }
    }
    out
}

/// Unbiased binary exponent of a positive finite number: 2^e ≤ v < 2^(e+1).
fn exponent(v: f64) -> i32 {
    let bits = v.to_bits();
    let raw = ((bits >> 52) & 0x7ff) as i32;
    if raw == 0 {
        // subnormal: value = mantissa · 2^-1074
        let mant = bits & ((1u64 << 52) - 1);
        (63 - mant.leading_zeros() as i32) - 1074
    } else {
        raw - 1023
    }
}

/// 2^k for |k| ≤ 1022 (callers split larger exponents).
fn pow2(k: i32) -> f64 {
    let k = k.clamp(-1022, 1023);
    f64::from_bits(((k + 1023) as u64) << 52)
}

/// v · 2^k for any k, in steps that stay within the normal exponent range.
fn scale_pow2(mut v: f64, mut k: i32) -> f64 {
    while k != 0 {
        let step = k.clamp(-1000, 1000);
        v *= pow2(step);
        k -= step;
    }
    v
}

/// Upper triangle (incl. diagonal) of XᵀX for a row-major T × N buffer, as a flat N × N
/// matrix (strict lower triangle left at 0). Rank-4 row updates over contiguous slices.
fn gram_upper(x: &[f64], t: usize, n: usize) -> Vec<f64> {
    let mut g = vec![0.0f64; n * n];
    let mut k = 0;
    while k + 4 <= t {
        let r0 = &x[k * n..(k + 1) * n];
        let r1 = &x[(k + 1) * n..(k + 2) * n];
        let r2 = &x[(k + 2) * n..(k + 3) * n];
        let r3 = &x[(k + 3) * n..(k + 4) * n];
        for i in 0..n {
            let (a0, a1, a2, a3) = (r0[i], r1[i], r2[i], r3[i]);
            let gi = &mut g[i * n + i..(i + 1) * n];
            for ((((gij, &b0), &b1), &b2), &b3) in gi
                .iter_mut()
                .zip(&r0[i..])
                .zip(&r1[i..])
                .zip(&r2[i..])
                .zip(&r3[i..])
            {
                *gij += a0 * b0 + a1 * b1 + a2 * b2 + a3 * b3;
            }
        }
        k += 4;
    }
    while k < t {
        let r0 = &x[k * n..(k + 1) * n];
        for i in 0..n {
            let a0 = r0[i];
            let gi = &mut g[i * n + i..(i + 1) * n];
            for (gij, &b0) in gi.iter_mut().zip(&r0[i..]) {
                *gij += a0 * b0;
            }
        }
        k += 1;
    }
    g
}

/// Σ_k (Σ_i x_ki²)² — sklearn's `beta_ = sum(X2.T @ X2)` in O(T·N).
fn sum_sq_row_norms_sq(x: &[f64], n: usize) -> f64 {
    x.chunks_exact(n)
        .map(|row| {
            let r: f64 = row.iter().map(|v| v * v).sum();
            r * r
        })
        .sum()
}

/// Full symmetric S = G/T from the upper-triangular Gram matrix.
fn full_cov(g: &[f64], t: usize, n: usize) -> Vec<f64> {
    let tf = t as f64;
    let mut s = vec![0.0f64; n * n];
    for i in 0..n {
        for j in i..n {
            let v = g[i * n + j] / tf;
            s[i * n + j] = v;
            s[j * n + i] = v;
        }
    }
    s
}

/// sklearn `ledoit_wolf_shrinkage` + `_ledoit_wolf`, on centred data.
fn identity_target(x: &[f64], g: &[f64], t: usize, n: usize) -> (Vec<f64>, f64) {
    let tf = t as f64;
    let pf = n as f64;
    let beta_ = sum_sq_row_norms_sq(x, n);
    // delta_ = Σ_ij (XᵀX)_ij² / T²
    let mut diag_sq = 0.0;
    let mut off_sq = 0.0;
    let mut trace_g = 0.0;
    for i in 0..n {
        let row = &g[i * n + i..(i + 1) * n];
        diag_sq += row[0] * row[0];
        trace_g += row[0];
        off_sq += row[1..].iter().map(|v| v * v).sum::<f64>();
    }
    let delta_ = (diag_sq + 2.0 * off_sq) / (tf * tf);
    let emp_cov_trace_sum = trace_g / tf;
    let mu = emp_cov_trace_sum / pf;
    let beta = 1.0 / (pf * tf) * (beta_ / tf - delta_);
    let delta = (delta_ - 2.0 * mu * emp_cov_trace_sum + pf * mu * mu) / pf;
    let beta = beta.min(delta);
    let shrinkage = if beta == 0.0 || delta.is_nan() || delta <= 0.0 || !beta.is_finite() {
        0.0
    } else {
        (beta / delta).clamp(0.0, 1.0)
    };
    let mut s = full_cov(g, t, n);
    for (k, v) in s.iter_mut().enumerate() {
        *v *= 1.0 - shrinkage;
        if k % (n + 1) == 0 {
            *v += shrinkage * mu;
        }
    }
    (s, shrinkage)
}

/// Ledoit & Wolf (2004) constant-correlation target (covCor.m), on centred data.
fn constant_correlation_target(
    x: &[f64],
    g: &[f64],
    t: usize,
    n: usize,
    constant: &[bool],
) -> (Vec<f64>, f64) {
    let tf = t as f64;
    let s = full_cov(g, t, n);
    let var: Vec<f64> = (0..n).map(|i| s[i * n + i]).collect();
    // A column whose variance is exactly 0 is treated as constant.
    let valid: Vec<bool> = (0..n).map(|i| !constant[i] && var[i] > 0.0).collect();
    let sd: Vec<f64> = var
        .iter()
        .zip(&valid)
        .map(|(&v, &ok)| if ok { v.sqrt() } else { 0.0 })
        .collect();

    // r̄ = mean correlation over pairs of non-constant columns.
    let mut r_sum = 0.0;
    let mut pairs = 0usize;
    for i in 0..n {
        if !valid[i] {
            continue;
        }
        for j in (i + 1)..n {
            if valid[j] {
                r_sum += s[i * n + j] / (sd[i] * sd[j]);
                pairs += 1;
            }
        }
    }
    let r_bar = if pairs > 0 { r_sum / pairs as f64 } else { 0.0 };

    // π̂ = Σ_ij [ (1/T) Σ_k x_ki² x_kj² − s_ij² ]
    let s_frob_sq: f64 = s.iter().map(|v| v * v).sum();
    let pi_hat = sum_sq_row_norms_sq(x, n) / tf - s_frob_sq;

    // Σ_i π̂_ii and the i≠j part of ρ̂ in O(T·N):
    //   Σ_{i≠j} (sd_j/sd_i) θ_ij, θ_ij = (1/T) Σ_k x_ki³ x_kj − s_ii s_ij
    //   = (1/T) Σ_k (Σ_i x_ki³/sd_i)(Σ_j sd_j x_kj) − (1/T) Σ_i Σ_k x_ki⁴
    //     − [ Σ_ij sd_i sd_j s_ij − Σ_i s_ii² ]       (sums over non-constant columns)
    let inv_sd: Vec<f64> = sd
        .iter()
        .map(|&v| if v > 0.0 { 1.0 / v } else { 0.0 })
        .collect();
    let mut cross = 0.0;
    let mut fourth = 0.0;
    for row in x.chunks_exact(n) {
        let mut a = 0.0;
        let mut b = 0.0;
        let mut q = 0.0;
        for ((&v, &is), &sdv) in row.iter().zip(&inv_sd).zip(&sd) {
            let v2 = v * v;
            a += v2 * v * is;
            b += sdv * v;
            q += v2 * v2;
        }
        cross += a * b;
        fourth += q;
    }
    let sum_pi_diag = fourth / tf - var.iter().map(|v| v * v).sum::<f64>();
    let mut sds = 0.0;
    let mut var_sq_valid = 0.0;
    for i in 0..n {
        if !valid[i] {
            continue;
        }
        var_sq_valid += var[i] * var[i];
        let row = &s[i * n..(i + 1) * n];
        let mut acc = 0.0;
        for j in 0..n {
            acc += sd[j] * row[j];
        }
        sds += sd[i] * acc;
    }
    // (Columns outside `valid` are exact zeros or underflow to 0 in x⁴, so `fourth` is
    // already the sum over valid columns.)
    let theta_sum = (cross - fourth) / tf - (sds - var_sq_valid);
    let rho_hat = sum_pi_diag + r_bar * theta_sum;

    // Target and γ̂ = ‖S − F‖²_F.
    let mut f = s.clone();
    let mut gamma = 0.0;
    // Upper triangle, mirrored: the target (and so the result) is exactly symmetric.
    for i in 0..n {
        for j in (i + 1)..n {
            let fij = r_bar * sd[i] * sd[j];
            let d = s[i * n + j] - fij;
            gamma += 2.0 * d * d;
            f[i * n + j] = fij;
            f[j * n + i] = fij;
        }
    }
    let shrinkage = if gamma > 1e-28 * s_frob_sq && gamma.is_finite() {
        let kappa = (pi_hat - rho_hat) / gamma;
        let d = kappa / tf;
        if d.is_finite() {
            d.clamp(0.0, 1.0)
        } else {
            0.0
        }
    } else {
        0.0
    };
    let out = s
        .iter()
        .zip(&f)
        .map(|(&sv, &fv)| shrinkage * fv + (1.0 - shrinkage) * sv)
        .collect();
    (out, shrinkage)
}

#[cfg(test)]
mod tests {
    // In wasm32 (`npm run test:rust-wasm`) the same tests run under wasm-bindgen-test in Node.
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use ndarray::{array, Array2};

    fn lcg_data(t: usize, n: usize, seed: u64) -> Array2<f64> {
        let mut s = seed;
        Array2::from_shape_fn((t, n), |_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) - 0.5
        })
    }

    #[test]
    fn exponent_and_pow2() {
        for &v in &[1.0, 1.5, 2.0, 3.9, 0.1, 1e-300, 5e-324, 1e308] {
            let e = exponent(v);
            let lo = pow2(e / 2) * pow2(e - e / 2);
            assert!(lo <= v && v < 2.0 * lo, "{v} {e}");
        }
    }

    #[test]
    fn validation_errors() {
        let one_row = Array2::<f64>::zeros((1, 3));
        assert!(matches!(
            ledoit_wolf(one_row.view(), ShrinkTarget::Identity),
            Err(HzError::InvalidHistory(_))
        ));
        let no_cols = Array2::<f64>::zeros((5, 0));
        assert!(matches!(
            ledoit_wolf(no_cols.view(), ShrinkTarget::Identity),
            Err(HzError::InvalidHistory(_))
        ));
        let mut bad = Array2::<f64>::zeros((4, 3));
        bad[[2, 1]] = f64::NAN;
        match ledoit_wolf(bad.view(), ShrinkTarget::ConstantCorrelation) {
            Err(HzError::InvalidHistory(m)) => {
                assert!(m.contains("row 2") && m.contains("column 1"), "{m}")
            }
            other => panic!("{other:?}"),
        }
        bad[[2, 1]] = f64::INFINITY;
        assert!(ledoit_wolf(bad.view(), ShrinkTarget::Identity).is_err());
    }

    #[test]
    fn single_column_is_variance() {
        let x = array![[1.0], [2.0], [4.0]];
        for tgt in [ShrinkTarget::Identity, ShrinkTarget::ConstantCorrelation] {
            let r = ledoit_wolf(x.view(), tgt).unwrap();
            let m = 7.0 / 3.0;
            let v =
                ((1.0 - m) * (1.0f64 - m) + (2.0 - m) * (2.0 - m) + (4.0 - m) * (4.0 - m)) / 3.0;
            assert!((r.covariance[[0, 0]] - v).abs() < 1e-14);
            assert_eq!(r.shrinkage, 0.0);
        }
    }

    #[test]
    fn constant_columns_and_degenerate_inputs_are_finite() {
        let mut x = lcg_data(10, 5, 3);
        for r in 0..10 {
            x[[r, 2]] = 0.1;
        }
        for tgt in [ShrinkTarget::Identity, ShrinkTarget::ConstantCorrelation] {
            let r = ledoit_wolf(x.view(), tgt).unwrap();
            assert!(r.covariance.iter().all(|v| v.is_finite()));
            assert!((0.0..=1.0).contains(&r.shrinkage));
            for j in 0..5 {
                if j != 2 {
                    assert_eq!(r.covariance[[2, j]], 0.0);
                }
            }
            // all-constant and all-zero data
            let c = Array2::from_elem((6, 4), 0.3);
            let rc = ledoit_wolf(c.view(), tgt).unwrap();
            assert!(rc.covariance.iter().all(|&v| v == 0.0) && rc.shrinkage == 0.0);
            let z = Array2::<f64>::zeros((6, 4));
            assert!(ledoit_wolf(z.view(), tgt)
                .unwrap()
                .covariance
                .iter()
                .all(|&v| v == 0.0));
            // two columns (S = F for constant correlation), T < N, extreme magnitudes
            for (t, n, scale) in [
                (5, 2, 1.0),
                (3, 20, 1.0),
                (50, 6, 1e150),
                (50, 6, 1e-160),
                (4, 3, 5e-324),
            ] {
                let d = lcg_data(t, n, 7).mapv(|v| v * scale);
                let r = ledoit_wolf(d.view(), tgt).unwrap();
                assert!(
                    r.covariance.iter().all(|v| v.is_finite()),
                    "{t}x{n} {scale}"
                );
                assert!((0.0..=1.0).contains(&r.shrinkage));
            }
            let huge = lcg_data(50, 6, 7).mapv(|v| v * 1e300);
            assert!(matches!(
                ledoit_wolf(huge.view(), tgt),
                Err(HzError::InvalidHistory(_))
            ));
        }
    }

    #[test]
    fn scale_invariant_shrinkage() {
        let x = lcg_data(30, 7, 11);
        for tgt in [ShrinkTarget::Identity, ShrinkTarget::ConstantCorrelation] {
            let a = ledoit_wolf(x.view(), tgt).unwrap();
            let y = x.mapv(|v| v * 1e-3);
            let b = ledoit_wolf(y.view(), tgt).unwrap();
            assert!((a.shrinkage - b.shrinkage).abs() < 1e-12);
        }
    }

    #[test]
    fn non_contiguous_view() {
        let x = lcg_data(12, 4, 5);
        let xt = x.t().to_owned();
        let v = xt.t(); // same values, column-major layout
        let a = ledoit_wolf(x.view(), ShrinkTarget::Identity).unwrap();
        let b = ledoit_wolf(v, ShrinkTarget::Identity).unwrap();
        assert_eq!(a.covariance, b.covariance);
    }

    #[test]
    fn correlation_from_cov() {
        let c = array![[4.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 0.0]];
        let r = correlation_from_covariance(c.view());
        assert_eq!(r[[0, 0]], 1.0);
        assert_eq!(r[[2, 2]], 1.0);
        assert!((r[[0, 1]] - 1.0).abs() < 1e-15);
        assert_eq!(r[[0, 2]], 0.0);
        let bad = array![[1.0, 3.0], [3.0, 1.0]];
        assert_eq!(correlation_from_covariance(bad.view())[[0, 1]], 1.0);
        let nan = array![[f64::NAN, 1.0], [1.0, 1.0]];
        let rn = correlation_from_covariance(nan.view());
        assert!(rn.iter().all(|v| v.is_finite()));
        assert_eq!(
            correlation_from_covariance(Array2::<f64>::zeros((0, 0)).view()).dim(),
            (0, 0)
        );
    }
}
