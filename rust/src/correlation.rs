//! Correlation matrices for the Gaussian copula: validation, repair, pivoted Cholesky factor.
//!
//! * [`validate_correlation`] checks the user's matrix.
//! * [`copula_factor`] computes the eigenvalues of the input ([`symmetric_eigen`], nalgebra) to
//!   report the smallest one; a matrix with min eigenvalue < −[`REPAIR_TOLERANCE`] is repaired by
//!   flooring the negative eigenvalues at 0 and rescaling to a unit diagonal
//!   (C' = D^{-1/2}·V·max(Λ, 0)·Vᵀ·D^{-1/2}). The (repaired) matrix is then factored by a
//!   symmetrically pivoted Cholesky ([`pivoted_cholesky`]) that stops at the numerical rank, so
//!   PSD-but-singular inputs (ρ = ±1 between markets) are factored exactly with r < N columns.
use ndarray::{Array2, ArrayView2};
use crate::{HzError, Result};

/// Tolerance of the symmetry and unit-diagonal checks.
pub const VALIDATION_TOLERANCE: f64 = 1e-9;
/// Inputs whose smallest eigenvalue is below −REPAIR_TOLERANCE are repaired.
pub const REPAIR_TOLERANCE: f64 = 1e-10;

/// A factor L (N × r, r = numerical rank) with L·Lᵀ = the (possibly repaired) correlation.
#[derive(Debug, Clone)]
pub struct CopulaFactor {
    pub l: Array2<f64>,
    /// true when the input was indefinite and had to be repaired.
    pub repaired: bool,
    /// smallest eigenvalue of the input matrix (before repair) when it was not positive
    /// semi-definite; 0 when it was (then it is not computed: the factorisation proves PSD).
    pub min_eigenvalue: f64,
}

/// Square, finite, symmetric (1e-9), unit diagonal (1e-9), entries in [−1, 1] (with the same 1e-9
/// tolerance). Errors are `InvalidArgument` naming the offending row/column.
pub fn validate_correlation(c: ArrayView2<f64>) -> Result<()> {
    let (n, m) = c.dim();
    if n != m {
        return Err(HzError::InvalidArgument(format!("correlation: matrix must be square, got {n}×{m}")));
    }
    for i in 0..n {
        for j in 0..n {
            let v = c[[i, j]];
            if !v.is_finite() {
                return Err(HzError::InvalidArgument(format!("correlation[{i}][{j}]: must be finite, got {v}")));
            }
        }
    }
    for i in 0..n {
        let d = c[[i, i]];
        if (d - 1.0).abs() > VALIDATION_TOLERANCE {
            return Err(HzError::InvalidArgument(format!("correlation[{i}][{i}]: diagonal must be 1, got {d}")));
        }
        for j in 0..n {
            let v = c[[i, j]];
            if v.abs() > 1.0 + VALIDATION_TOLERANCE {
                return Err(HzError::InvalidArgument(format!("correlation[{i}][{j}]: must be in [-1, 1], got {v}")));
            }
            if j > i && (v - c[[j, i]]).abs() > VALIDATION_TOLERANCE {
                return Err(HzError::InvalidArgument(format!(
                    "correlation[{i}][{j}]: matrix must be symmetric, got {v} vs correlation[{j}][{i}] = {}",
                    c[[j, i]]
                )));
            }
        }
    }
    Ok(())
}

/// Eigen-decomposition of a symmetric matrix: Householder tridiagonalisation + implicit symmetric
/// QR with Wilkinson shifts (nalgebra's `SymmetricEigen`, O(N³) once — the cyclic Jacobi method it
/// replaced was O(N³) per sweep: 110 s at N = 1000). Returns (eigenvalues ascending, eigenvectors as
/// the columns of V, in the same order). Only the symmetric part ((a + aᵀ)/2) is used; non-finite
/// entries are read as 0.
pub fn symmetric_eigen(a: ArrayView2<f64>) -> (Vec<f64>, Array2<f64>) {
    let n = a.nrows().min(a.ncols());
    let m = nalgebra::DMatrix::<f64>::from_fn(n, n, |i, j| {
        let v = 0.5 * (a[[i, j]] + a[[j, i]]);
        if v.is_finite() {
            v
        } else {
            0.0
        }
    });
    let eig = nalgebra::SymmetricEigen::new(m);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&x, &y| eig.eigenvalues[x].total_cmp(&eig.eigenvalues[y]));
    let vals: Vec<f64> = order.iter().map(|&k| eig.eigenvalues[k]).collect();
    let mut vecs = Array2::zeros((n, n));
    for (col, &k) in order.iter().enumerate() {
        for i in 0..n {
            vecs[[i, col]] = eig.eigenvectors[(i, k)];
        }
    }
    (vals, vecs)
}

/// Symmetrically pivoted Cholesky of a PSD matrix: returns L (N × r) with rows in the ORIGINAL order
/// and L·Lᵀ = C up to the dropped Schur complement, whose diagonal is ≤ `tol` (r = numerical rank).
pub fn pivoted_cholesky(c: ArrayView2<f64>, tol: f64) -> Array2<f64> {
    pivoted_cholesky_parts(c, tol).0
}

/// The pivoted Cholesky factor plus the rows that were never pivots and their residual diagonal.
fn pivoted_cholesky_parts(c: ArrayView2<f64>, tol: f64) -> (Array2<f64>, Vec<usize>, Vec<f64>) {
    let n = c.nrows();
    // Column-major working factor: col k holds the k-th pivot step for every original row.
    let mut cols: Vec<Vec<f64>> = Vec::new();
    let mut d: Vec<f64> = (0..n).map(|i| c[[i, i]]).collect();
    let mut done = vec![false; n];
    for _k in 0..n {
        let mut j = usize::MAX;
        let mut best = f64::NEG_INFINITY;
        for i in 0..n {
            if !done[i] && d[i] > best {
                best = d[i];
                j = i;
            }
        }
        if j == usize::MAX || !(best > tol) {
            break;
        }
        done[j] = true;
        let ljj = best.sqrt();
        let mut col = vec![0.0; n];
        col[j] = ljj;
        for i in 0..n {
            if done[i] {
                continue;
            }
            let mut s = c[[i, j]];
            for prev in &cols {
                s -= prev[i] * prev[j];
            }
            let lij = s / ljj;
            col[i] = lij;
            d[i] -= lij * lij;
        }
        cols.push(col);
    }
    let r = cols.len();
    let mut l = Array2::zeros((n, r));
    for (k, col) in cols.iter().enumerate() {
        for i in 0..n {
            l[[i, k]] = col[i];
        }
    }
    let rest: Vec<usize> = (0..n).filter(|&i| !done[i]).collect();
    let rest_diag = rest.iter().map(|&i| d[i]).collect();
    (l, rest, rest_diag)
}

/// Whether the Schur complement dropped by the pivoted Cholesky is (numerically) positive
/// semi-definite and negligible — i.e. whether C itself is PSD. For PSD C every residual entry is
/// bounded by √(d_i d_j) ≤ tol; an indefinite C leaves a negative diagonal or a large off-diagonal.
fn residual_is_negligible(c: ArrayView2<f64>, l: &Array2<f64>, rest: &[usize], rest_diag: &[f64], tol: f64) -> bool {
    let slack = 1e-10;
    if rest_diag.iter().any(|&v| v < -slack) {
        return false;
    }
    for (a, &i) in rest.iter().enumerate() {
        for (b, &j) in rest.iter().enumerate().skip(a + 1) {
            let mut r = c[[i, j]];
            for k in 0..l.ncols() {
                r -= l[[i, k]] * l[[j, k]];
            }
            let bound = (rest_diag[a].max(0.0) * rest_diag[b].max(0.0)).sqrt().max(tol) + slack;
            if r.abs() > bound {
                return false;
            }
        }
    }
    true
}

/// Rank tolerance of the pivoted Cholesky for an N × N correlation matrix.
pub fn rank_tolerance(n: usize) -> f64 {
    1e-12 * (n.max(1) as f64)
}

/// Nearest-ish PSD correlation by eigenvalue flooring: D^{-1/2}·V·max(Λ, 0)·Vᵀ·D^{-1/2}.
/// Rows whose floored diagonal vanishes become independent (unit vector).
pub fn floor_eigenvalues(vals: &[f64], vecs: &Array2<f64>) -> Array2<f64> {
    let n = vals.len();
    // B = V·max(Λ, 0)·Vᵀ = W·Wᵀ with W = V_+·√Λ_+ (the positive eigenpairs only): one blocked
    // matrix product (ndarray → matrixmultiply) instead of an O(N³) triple loop over strided columns.
    let pos: Vec<usize> = (0..n).filter(|&k| vals[k] > 0.0).collect();
    let mut w = Array2::<f64>::zeros((n, pos.len()));
    for (c, &k) in pos.iter().enumerate() {
        let s = vals[k].sqrt();
        for i in 0..n {
            w[[i, c]] = vecs[[i, k]] * s;
        }
    }
    let mut b = w.dot(&w.t());
    // Exactly symmetric (the product's rounding need not be).
    for i in 0..n {
        for j in i + 1..n {
            let v = 0.5 * (b[[i, j]] + b[[j, i]]);
            b[[i, j]] = v;
            b[[j, i]] = v;
        }
    }
    let scale: Vec<f64> = (0..n).map(|i| if b[[i, i]] > 1e-300 { 1.0 / b[[i, i]].sqrt() } else { 0.0 }).collect();
    let mut out = Array2::zeros((n, n));
    for i in 0..n {
        for j in 0..n {
            out[[i, j]] = if i == j {
                1.0
            } else {
                (b[[i, j]] * scale[i] * scale[j]).clamp(-1.0, 1.0)
            };
        }
    }
    out
}

/// Factor a (validated) correlation matrix; repairs indefinite input. Never panics: a non-square input
/// uses its leading square block, non-finite entries are read as 0, entries are clamped to [−1, 1],
/// the matrix is symmetrised and its diagonal set to 1. An empty matrix gives a 0 × 0 factor and
/// min_eigenvalue 1.
pub fn copula_factor(c: ArrayView2<f64>) -> CopulaFactor {
    let n = c.nrows().min(c.ncols());
    if n == 0 {
        return CopulaFactor { l: Array2::zeros((0, 0)), repaired: false, min_eigenvalue: 1.0 };
    }
    let mut s = Array2::zeros((n, n));
    for i in 0..n {
        for j in 0..n {
            if i == j {
                s[[i, j]] = 1.0;
            } else {
                let a = c[[i, j]];
                let b = c[[j, i]];
                let a = if a.is_finite() { a } else { 0.0 };
                let b = if b.is_finite() { b } else { 0.0 };
                s[[i, j]] = (0.5 * (a + b)).clamp(-1.0, 1.0);
            }
        }
    }
    // Fast path, O(N²·r): a PSD matrix (also a singular one) factors with a negligible residual.
    // Only an indefinite one pays for the O(N³) eigen-decomposition and repair.
    let tol = rank_tolerance(n);
    let (l, rest, rest_diag) = pivoted_cholesky_parts(s.view(), tol);
    if residual_is_negligible(s.view(), &l, &rest, &rest_diag, tol) {
        return CopulaFactor { l, repaired: false, min_eigenvalue: 0.0 };
    }
    let (vals, vecs) = symmetric_eigen(s.view());
    let min_eigenvalue = vals.first().copied().unwrap_or(1.0);
    let repaired = min_eigenvalue < -REPAIR_TOLERANCE;
    let target = if repaired { floor_eigenvalues(&vals, &vecs) } else { s };
    let l = pivoted_cholesky(target.view(), tol);
    CopulaFactor { l, repaired, min_eigenvalue }
}

#[cfg(test)]
mod tests {
    // In wasm32 (`npm run test:rust-wasm`) the same tests run under wasm-bindgen-test in Node.
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use ndarray::array;

    fn llt(l: &Array2<f64>) -> Array2<f64> {
        l.dot(&l.t())
    }

    fn max_abs_diff(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
        a.iter().zip(b.iter()).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
    }

    #[test]
    fn eigen_reconstructs() {
        let a = array![[4.0, 1.0, -2.0, 0.5], [1.0, 3.0, 0.0, 1.5], [-2.0, 0.0, 5.0, -1.0], [0.5, 1.5, -1.0, 2.0]];
        let (vals, v) = symmetric_eigen(a.view());
        let mut lam = Array2::zeros((4, 4));
        for i in 0..4 {
            lam[[i, i]] = vals[i];
        }
        let rec = v.dot(&lam).dot(&v.t());
        assert!(max_abs_diff(&rec, &a) < 1e-12);
        assert!(max_abs_diff(&v.t().dot(&v), &Array2::eye(4)) < 1e-12);
        assert!(vals.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn singular_psd_is_exact() {
        let c = array![[1.0, 1.0, 0.3], [1.0, 1.0, 0.3], [0.3, 0.3, 1.0]];
        let f = copula_factor(c.view());
        assert!(!f.repaired);
        assert_eq!(f.l.ncols(), 2);
        assert!(max_abs_diff(&llt(&f.l), &c) < 1e-12);
        assert!(f.min_eigenvalue.abs() < 1e-12);
    }

    #[test]
    fn pivoting_keeps_original_row_order() {
        let c = array![[1.0, 0.2, 0.6], [0.2, 1.0, -0.3], [0.6, -0.3, 1.0]];
        let f = copula_factor(c.view());
        assert_eq!(f.l.ncols(), 3);
        assert!(max_abs_diff(&llt(&f.l), &c) < 1e-13);
    }

    #[test]
    fn indefinite_is_repaired() {
        let c = array![[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]];
        let f = copula_factor(c.view());
        assert!(f.repaired);
        assert!(f.min_eigenvalue < -0.5);
        let r = llt(&f.l);
        for i in 0..3 {
            assert!((r[[i, i]] - 1.0).abs() < 1e-12);
        }
        let (vals, _) = symmetric_eigen(r.view());
        assert!(vals[0] > -1e-12);
    }

    /// The cyclic Jacobi eigen-decomposition this module used before (an independent reference).
    fn jacobi_reference(a: ArrayView2<f64>) -> (Vec<f64>, Array2<f64>) {
        let n = a.nrows().min(a.ncols());
        let mut m = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                let v = 0.5 * (a[[i, j]] + a[[j, i]]);
                m[i * n + j] = if v.is_finite() { v } else { 0.0 };
            }
        }
        let mut v = vec![0.0; n * n];
        for i in 0..n {
            v[i * n + i] = 1.0;
        }
        let norm2: f64 = m.iter().map(|x| x * x).sum();
        for _sweep in 0..100 {
            let mut off = 0.0;
            for p in 0..n {
                for q in p + 1..n {
                    off += m[p * n + q] * m[p * n + q];
                }
            }
            if off <= 1e-32 * norm2 || off == 0.0 {
                break;
            }
            for p in 0..n {
                for q in p + 1..n {
                    let apq = m[p * n + q];
                    if apq == 0.0 {
                        continue;
                    }
                    let app = m[p * n + p];
                    let aqq = m[q * n + q];
                    if apq.abs() < 1e-18 * (app.abs() + aqq.abs()) * 1e-3 {
                        m[p * n + q] = 0.0;
                        m[q * n + p] = 0.0;
                        continue;
                    }
                    let theta = (aqq - app) / (2.0 * apq);
                    let t = if theta.abs() > 1e150 {
                        0.5 / theta
                    } else {
                        theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt())
                    };
                    let t = if theta == 0.0 { 1.0 } else { t };
                    let c = 1.0 / (t * t + 1.0).sqrt();
                    let s = t * c;
                    for k in 0..n {
                        let akp = m[k * n + p];
                        let akq = m[k * n + q];
                        m[k * n + p] = c * akp - s * akq;
                        m[k * n + q] = s * akp + c * akq;
                    }
                    for k in 0..n {
                        let apk = m[p * n + k];
                        let aqk = m[q * n + k];
                        m[p * n + k] = c * apk - s * aqk;
                        m[q * n + k] = s * apk + c * aqk;
                    }
                    m[p * n + q] = 0.0;
                    m[q * n + p] = 0.0;
                    for k in 0..n {
                        let vkp = v[k * n + p];
                        let vkq = v[k * n + q];
                        v[k * n + p] = c * vkp - s * vkq;
                        v[k * n + q] = s * vkp + c * vkq;
                    }
                }
            }
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&x, &y| m[x * n + x].total_cmp(&m[y * n + y]));
        let vals: Vec<f64> = order.iter().map(|&k| m[k * n + k]).collect();
        let mut vecs = Array2::zeros((n, n));
        for (col, &k) in order.iter().enumerate() {
            for i in 0..n {
                vecs[[i, col]] = v[i * n + k];
            }
        }
        (vals, vecs)
    }

    /// A random symmetric matrix with unit diagonal and entries in [−1, 1] (usually indefinite).
    fn random_correlation_like(n: usize, seed: u64) -> Array2<f64> {
        let mut x = seed;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut c = Array2::eye(n);
        for i in 0..n {
            for j in i + 1..n {
                let v = 2.0 * next() - 1.0;
                c[[i, j]] = v;
                c[[j, i]] = v;
            }
        }
        c
    }

    #[test]
    fn repair_equals_the_jacobi_repair() {
        for (n, seed) in [(3, 1u64), (5, 2), (10, 3), (25, 4), (60, 5)] {
            let c = random_correlation_like(n, seed);
            let (v1, e1) = symmetric_eigen(c.view());
            let (v2, e2) = jacobi_reference(c.view());
            assert!(v1[0] < -REPAIR_TOLERANCE, "n = {n}: the test matrix should be indefinite");
            for k in 0..n {
                assert!((v1[k] - v2[k]).abs() <= 1e-10 * (1.0 + v2[k].abs()), "eigenvalue {k}: {} vs {}", v1[k], v2[k]);
            }
            let r1 = floor_eigenvalues(&v1, &e1);
            let r2 = floor_eigenvalues(&v2, &e2);
            assert!(max_abs_diff(&r1, &r2) <= 1e-10, "n = {n}: repaired matrices differ by {}", max_abs_diff(&r1, &r2));
        }
    }

    #[test]
    fn validation_errors() {
        assert!(validate_correlation(array![[1.0, 0.5], [0.5, 1.0]].view()).is_ok());
        assert!(validate_correlation(Array2::<f64>::zeros((2, 3)).view()).is_err());
        let e = validate_correlation(array![[1.0, 0.5], [0.4, 1.0]].view()).unwrap_err();
        assert!(matches!(e, HzError::InvalidArgument(ref m) if m.contains("[0][1]")));
        assert!(validate_correlation(array![[1.0, 1.5], [1.5, 1.0]].view()).is_err());
        assert!(validate_correlation(array![[1.1, 0.0], [0.0, 1.0]].view()).is_err());
        assert!(validate_correlation(array![[1.0, f64::NAN], [f64::NAN, 1.0]].view()).is_err());
    }
}
