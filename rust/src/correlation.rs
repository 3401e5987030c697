//! Correlation matrices for the Gaussian copula: validation, repair, pivoted Cholesky factor.
//!
//! * [`validate_correlation`] checks the user's matrix.
//! * [`copula_factor`] first tries the pivoted Cholesky ([`pivoted_cholesky`]), whose negligible
//!   residual proves a matrix PSD; otherwise it computes the eigenvalues of the input (tridiagonal
//!   reduction + QL, [`crate::eigen`]) to report the smallest one, and a matrix with min eigenvalue
//!   < −[`REPAIR_TOLERANCE`] is repaired by flooring the negative eigenvalues at 0 and rescaling
//!   to a unit diagonal (C' = D^{-1/2}·V·max(Λ, 0)·Vᵀ·D^{-1/2}, formed as a low-rank update from
//!   eigenvectors of one side of zero only: [`clip_negative_eigenvalues`]). The (repaired) matrix
//!   is then factored by a symmetrically pivoted Cholesky that stops at the numerical rank, so
//!   PSD-but-singular inputs (ρ = ±1 between markets) are factored exactly with r < N columns.
//! * [`symmetric_eigen`] (nalgebra, full decomposition) and [`floor_eigenvalues`] are the previous
//!   repair, kept as the tests' reference and for the property tests.
use ndarray::{Array2, ArrayView2};
use crate::eigen::{weighted_outer_sum, Tridiagonal};
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

/// Full eigen-decomposition of a symmetric matrix: Householder tridiagonalisation + implicit
/// symmetric QR with Wilkinson shifts (nalgebra's `SymmetricEigen`; it replaced a cyclic Jacobi
/// method, 110 s at N = 1000, and was itself replaced in the repair by [`crate::eigen`], which
/// skips the eigenvectors the repair does not need). Returns (eigenvalues ascending, eigenvectors as
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
    // Row-major working factor (row i = L[i, 0..k]), so each entry's sum reads two contiguous
    // prefixes. Every sum runs over the previous columns in order, as it always has (the factor
    // is bit-for-bit the same); four rows at a time keep four independent sums in flight instead
    // of one serial chain.
    let mut lr = vec![0.0; n * n];
    let mut d: Vec<f64> = (0..n).map(|i| c[[i, i]]).collect();
    let mut done = vec![false; n];
    let mut todo: Vec<usize> = Vec::with_capacity(n);
    let mut r = 0;
    for k in 0..n {
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
        todo.clear();
        todo.extend((0..n).filter(|&i| !done[i]));
        let (lj, _) = lr.split_at(j * n + k);
        let lj = lj[j * n..].to_vec();
        let mut quads = todo.chunks_exact(4);
        for q in &mut quads {
            let mut s = [c[[q[0], j]], c[[q[1], j]], c[[q[2], j]], c[[q[3], j]]];
            let rows = [&lr[q[0] * n..q[0] * n + k], &lr[q[1] * n..q[1] * n + k], &lr[q[2] * n..q[2] * n + k], &lr[q[3] * n..q[3] * n + k]];
            for p in 0..k {
                let b = lj[p];
                s[0] -= rows[0][p] * b;
                s[1] -= rows[1][p] * b;
                s[2] -= rows[2][p] * b;
                s[3] -= rows[3][p] * b;
            }
            for (t, &i) in q.iter().enumerate() {
                let lij = s[t] / ljj;
                lr[i * n + k] = lij;
                d[i] -= lij * lij;
            }
        }
        for &i in quads.remainder() {
            let mut s = c[[i, j]];
            for (a, b) in lr[i * n..i * n + k].iter().zip(&lj) {
                s -= a * b;
            }
            let lij = s / ljj;
            lr[i * n + k] = lij;
            d[i] -= lij * lij;
        }
        lr[j * n + k] = ljj;
        r = k + 1;
    }
    let mut l = Array2::zeros((n, r));
    for i in 0..n {
        for k in 0..r {
            l[[i, k]] = lr[i * n + k];
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

/// Nearest-ish PSD correlation by eigenvalue flooring from a full decomposition (`symmetric_eigen`):
/// D^{-1/2}·V·max(Λ, 0)·Vᵀ·D^{-1/2}. The repair itself uses [`clip_negative_eigenvalues`] (same
/// matrix, less work); this form is kept as the tests' and the bench's reference.
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
    unit_diagonal(w.dot(&w.t()))
}

/// Which eigenpairs [`clip_negative_eigenvalues`] computes vectors for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClipForm {
    /// The smaller of the two sets below (the repair's choice).
    Auto,
    /// B = A + V₋·|Λ₋|·V₋ᵀ over the negative eigenvalues.
    UpdateNegative,
    /// B = V₊·Λ₊·V₊ᵀ over the positive eigenvalues.
    Positive,
}

/// B = V·max(Λ, 0)·Vᵀ for the symmetric `a` (the nearest PSD matrix in the Frobenius norm), with
/// `tri` its tridiagonal reduction and `vals` its eigenvalues (ascending). Eigenvectors are only
/// computed for one side of zero: the clipped eigenvalues, as the low-rank update
/// A + V₋·|Λ₋|·V₋ᵀ, or — when more than half are negative — the kept ones, V₊·Λ₊·V₊ᵀ. Zero
/// eigenvalues contribute nothing to either form.
pub fn clip_negative_eigenvalues(a: ArrayView2<f64>, tri: &Tridiagonal, vals: &[f64], form: ClipForm) -> Array2<f64> {
    let n = vals.len();
    let neg: Vec<f64> = vals.iter().copied().filter(|&v| v < 0.0).collect();
    let pos: Vec<f64> = vals.iter().copied().filter(|&v| v > 0.0).collect();
    let update = match form {
        ClipForm::Auto => neg.len() <= pos.len(),
        ClipForm::UpdateNegative => true,
        ClipForm::Positive => false,
    };
    let sel = if update { neg } else { pos };
    let weights: Vec<f64> = sel.iter().map(|l| l.abs()).collect();
    // V·|Λ|·Vᵀ over the selected pairs (upper triangle only, mirrored).
    let g = weighted_outer_sum(&tri.eigenvectors(&sel), &weights, n);
    let mut b = Array2::from_shape_vec((n, n), g).expect("N × N");
    if update {
        b += &a;
    }
    b
}

/// D^{-1/2}·B·D^{-1/2} with D = diag(B), exactly symmetric, unit diagonal, entries clamped to
/// [−1, 1]; a row whose diagonal vanishes becomes independent (unit vector).
pub fn unit_diagonal(mut b: Array2<f64>) -> Array2<f64> {
    let n = b.nrows();
    // Exactly symmetric (the product's rounding need not be).
    for i in 0..n {
        for j in i + 1..n {
            let v = 0.5 * (b[[i, j]] + b[[j, i]]);
            b[[i, j]] = v;
            b[[j, i]] = v;
        }
    }
    let scale: Vec<f64> = (0..n).map(|i| if b[[i, i]] > 1e-300 { 1.0 / b[[i, i]].sqrt() } else { 0.0 }).collect();
    let mut out = Array2::eye(n);
    for i in 0..n {
        for j in i + 1..n {
            let v = (b[[i, j]] * scale[i] * scale[j]).clamp(-1.0, 1.0);
            out[[i, j]] = v;
            out[[j, i]] = v;
        }
    }
    out
}

/// L·Lᵀ (N × N, exactly symmetric) of a factor L (N × r): the correlation the copula uses, as
/// reported after a repair. Upper triangle only ([`weighted_outer_sum`]): half the flops of a
/// general product.
pub fn factor_product(l: &Array2<f64>) -> Array2<f64> {
    let (n, r) = l.dim();
    let lt: Vec<f64> = l.t().iter().copied().collect();
    Array2::from_shape_vec((n, n), weighted_outer_sum(&lt, &vec![1.0; r], n)).expect("N × N")
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
    // Indefinite (or PSD beyond the Cholesky's tolerance): every eigenvalue, but eigenvectors only
    // for the smaller side of zero (see `eigen`).
    let tri = Tridiagonal::new(s.iter().copied().collect(), n);
    let vals = tri.eigenvalues();
    let min_eigenvalue = vals.first().copied().unwrap_or(1.0);
    let repaired = min_eigenvalue < -REPAIR_TOLERANCE;
    let target = if repaired { unit_diagonal(clip_negative_eigenvalues(s.view(), &tri, &vals, ClipForm::Auto)) } else { s };
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

    /// Test matrices for the repair: random (about half the eigenvalues negative), a few negatives
    /// (a one-factor correlation plus small noise), a huge cluster (−0.5 off the diagonal) and
    /// repeated eigenvalues on both sides of zero (block-diagonal copies).
    fn repair_cases() -> Vec<(String, Array2<f64>)> {
        let mut cases = Vec::new();
        for (n, seed) in [(3, 12u64), (4, 13), (7, 14), (16, 15), (40, 16), (97, 17), (150, 18), (200, 19)] {
            cases.push((format!("random n = {n}"), random_correlation_like(n, seed)));
        }
        for (n, seed) in [(30, 21u64), (120, 22), (200, 23)] {
            // Uniform noise of amplitude h has a spectrum of radius ≈ 2·h·√(N/3): 0.7 here, around the
            // factor model's bulk at 0.4 — roughly one eigenvalue in six becomes negative.
            let h = 0.35 / (n as f64 / 3.0).sqrt();
            let noise = random_correlation_like(n, seed);
            let c = Array2::from_shape_fn((n, n), |(i, j)| if i == j { 1.0 } else { 0.6 + h * noise[[i, j]] });
            cases.push((format!("one factor + noise n = {n}"), c));
        }
        let n = 60;
        cases.push(("−0.5 off the diagonal".into(), Array2::from_shape_fn((n, n), |(i, j)| if i == j { 1.0 } else { -0.5 })));
        let b = array![[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]];
        let mut c = Array2::eye(15);
        for blk in 0..5 {
            c.slice_mut(ndarray::s![3 * blk..3 * blk + 3, 3 * blk..3 * blk + 3]).assign(&b);
        }
        cases.push(("5 copies of a 3 × 3 indefinite block".into(), c));
        cases
    }

    #[test]
    fn repair_equals_the_full_decomposition_repair() {
        for (name, c) in repair_cases() {
            let n = c.nrows();
            let (v_old, e_old) = symmetric_eigen(c.view());
            let old = floor_eigenvalues(&v_old, &e_old);
            let tri = Tridiagonal::new(c.iter().copied().collect(), n);
            let vals = tri.eigenvalues();
            assert!(vals[0] < -REPAIR_TOLERANCE, "{name}: the test matrix should be indefinite");
            for k in 0..n {
                assert!((vals[k] - v_old[k]).abs() <= 1e-10 * (1.0 + v_old[k].abs()), "{name}: eigenvalue {k}: {} vs {}", vals[k], v_old[k]);
            }
            for form in [ClipForm::Auto, ClipForm::UpdateNegative, ClipForm::Positive] {
                let new = unit_diagonal(clip_negative_eigenvalues(c.view(), &tri, &vals, form));
                let d = max_abs_diff(&new, &old);
                assert!(d <= 1e-10, "{name}, {form:?}: repaired matrices differ by {d}");
            }
            // The factor the copula uses reproduces the same repaired matrix.
            let f = copula_factor(c.view());
            assert!(f.repaired);
            assert!((f.min_eigenvalue - v_old[0]).abs() <= 1e-10 * (1.0 + v_old[0].abs()));
            let d = max_abs_diff(&llt(&f.l), &old);
            assert!(d <= 1e-10, "{name}: L·Lᵀ differs from the old repair by {d}");
        }
    }

    /// Against the Jacobi reference: the clipped matrix B has eigenvalues max(λ, 0), is at
    /// Frobenius distance √(Σ_{λ<0} λ²) from A (the nearest PSD matrix), and the repaired matrix is
    /// symmetric with a unit diagonal and no negative eigenvalue.
    #[test]
    fn repair_invariants_against_jacobi() {
        for (name, c) in repair_cases() {
            let n = c.nrows();
            let (lam, _) = jacobi_reference(c.view());
            let tri = Tridiagonal::new(c.iter().copied().collect(), n);
            let vals = tri.eigenvalues();
            let b = clip_negative_eigenvalues(c.view(), &tri, &vals, ClipForm::Auto);
            let (mu, _) = jacobi_reference(b.view());
            for k in 0..n {
                assert!((mu[k] - lam[k].max(0.0)).abs() <= 1e-10 * (1.0 + lam[k].abs()), "{name}: eigenvalue {k} of B: {} vs max({}, 0)", mu[k], lam[k]);
            }
            let dist2: f64 = (&c - &b).iter().map(|x| x * x).sum();
            let want: f64 = lam.iter().filter(|&&l| l < 0.0).map(|l| l * l).sum();
            assert!((dist2 - want).abs() <= 1e-10 * (1.0 + want), "{name}: ‖A − B‖² = {dist2}, Σ λ₋² = {want}");
            let r = unit_diagonal(b);
            for i in 0..n {
                assert_eq!(r[[i, i]], 1.0);
                for j in 0..n {
                    assert_eq!(r[[i, j]], r[[j, i]]);
                }
            }
            let (rho, _) = jacobi_reference(r.view());
            assert!(rho[0] >= -1e-12, "{name}: repaired matrix has eigenvalue {}", rho[0]);
        }
    }

    /// The pivoted Cholesky as first written (one Vec per column, one serial sum per entry): the
    /// row-major, four-rows-at-a-time version must give the same bits, since every correlated
    /// Monte Carlo result goes through this factor.
    fn pivoted_cholesky_by_columns(c: ArrayView2<f64>, tol: f64) -> Array2<f64> {
        let n = c.nrows();
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
        Array2::from_shape_fn((n, cols.len()), |(i, k)| cols[k][i])
    }

    #[test]
    fn pivoted_cholesky_is_bit_identical_to_the_column_version() {
        let mut cases: Vec<Array2<f64>> = repair_cases().into_iter().map(|(_, c)| unit_diagonal(floor_eigenvalues(&symmetric_eigen(c.view()).0, &symmetric_eigen(c.view()).1))).collect();
        cases.push(array![[1.0, 1.0, 0.3], [1.0, 1.0, 0.3], [0.3, 0.3, 1.0]]);
        for n in [1, 5, 33, 101] {
            cases.push(Array2::from_shape_fn((n, n), |(i, j)| if i == j { 1.0 } else if i / 10 == j / 10 { 0.6 } else { 0.3 }));
        }
        for c in cases {
            let tol = rank_tolerance(c.nrows());
            let (a, b) = (pivoted_cholesky(c.view(), tol), pivoted_cholesky_by_columns(c.view(), tol));
            assert_eq!(a.dim(), b.dim());
            assert!(a.iter().zip(b.iter()).all(|(x, y)| x.to_bits() == y.to_bits()));
        }
    }

    #[test]
    fn factor_product_is_l_lt() {
        for (_, c) in repair_cases() {
            let f = copula_factor(c.view());
            let p = factor_product(&f.l);
            assert!(max_abs_diff(&p, &llt(&f.l)) < 1e-13);
            assert!(p.iter().zip(p.t().iter()).all(|(a, b)| a == b));
        }
        assert_eq!(factor_product(&Array2::zeros((0, 0))).dim(), (0, 0));
    }

    /// −0.5 off the diagonal has eigenvalues 1.5 (N − 1 times) and 1 − (N − 1)/2 (vector 1/√N):
    /// clipping adds ((N − 1)/2 − 1)/N to every entry, so the repaired matrix is known exactly —
    /// off the diagonal (−0.5 + c)/(1 + c) with c = ((N − 1)/2 − 1)/N.
    #[test]
    fn minus_half_repair_has_a_closed_form() {
        for n in [5usize, 64, 1000] {
            let a = Array2::from_shape_fn((n, n), |(i, j)| if i == j { 1.0 } else { -0.5 });
            let nf = n as f64;
            let cc = ((nf - 1.0) / 2.0 - 1.0) / nf;
            let exact = (-0.5 + cc) / (1.0 + cc);
            let tri = Tridiagonal::new(a.iter().copied().collect(), n);
            let vals = tri.eigenvalues();
            assert!((vals[0] - (1.0 - (nf - 1.0) / 2.0)).abs() < 1e-12 * nf);
            let r = unit_diagonal(clip_negative_eigenvalues(a.view(), &tri, &vals, ClipForm::Auto));
            let err = r.iter().enumerate().map(|(k, &v)| (v - if k / n == k % n { 1.0 } else { exact }).abs()).fold(0.0, f64::max);
            assert!(err < 1e-13, "n = {n}: repaired matrix off by {err}");
            let f = copula_factor(a.view());
            let p = factor_product(&f.l);
            let err = p.iter().enumerate().map(|(k, &v)| (v - if k / n == k % n { 1.0 } else { exact }).abs()).fold(0.0, f64::max);
            // The repaired matrix is singular (rank N − 1): its factor drops a Schur complement up
            // to the rank tolerance, and the null vector 1/√N amplifies the repair's ~1e-13 error in
            // that complement by N (at N = 1000: 9.2e-10 on one diagonal entry).
            assert_eq!(f.l.ncols(), n - 1);
            assert!(err <= rank_tolerance(n), "n = {n}: L·Lᵀ off by {err}");
        }
    }

    /// An indefinite matrix with couplings so small their squares are subnormal or 0 (legal
    /// correlations): the repair stays finite, keeps the tiny block as it is (identity up to
    /// 1e-12) and repairs the ±0.9 block as the same block alone.
    #[test]
    fn repair_with_tiny_couplings_is_finite() {
        let alone = copula_factor(array![[1.0, 0.9, 0.9], [0.9, 1.0, -0.9], [0.9, -0.9, 1.0]].view());
        let alone = factor_product(&alone.l);
        for tiny in [1e-160, -1e-158, 2e-162, 1e-300, 5e-324] {
            let n = 5;
            let mut c = Array2::eye(n);
            let mut set = |i: usize, j: usize, v: f64| {
                c[[i, j]] = v;
                c[[j, i]] = v;
            };
            set(0, 2, tiny);
            set(0, 4, tiny);
            set(3, 4, -tiny);
            set(1, 2, 0.9);
            set(1, 3, 0.9);
            set(2, 3, -0.9);
            let f = copula_factor(c.view());
            assert!(f.repaired && f.min_eigenvalue.is_finite(), "tiny {tiny:e}");
            assert!(f.l.iter().all(|v| v.is_finite()), "tiny {tiny:e}: {:?}", f.l);
            let p = factor_product(&f.l);
            for (i, j) in [(1usize, 2usize), (1, 3), (2, 3)] {
                assert!((p[[i, j]] - alone[[i - 1, j - 1]]).abs() < 1e-12, "tiny {tiny:e}: [{i}][{j}] {p:?}");
            }
            for (i, j) in [(0usize, 0usize), (4, 4), (0, 4), (0, 1)] {
                assert!((p[[i, j]] - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12, "tiny {tiny:e}: [{i}][{j}] {p:?}");
            }
        }
    }

    /// Adversarial correlations (entries from {0, ±1, ±0.5, ±1e-160, ±1e-300, ±5e-324, random},
    /// exact ±1 blocks, N = 1 … 12 and a few of 30 … 70): the factor is finite, L·Lᵀ has a unit diagonal and entries in
    /// [−1, 1], the minimum eigenvalue is finite, and inverse iteration never needs its fallback.
    #[test]
    fn adversarial_correlations_factor_finitely() {
        let mut g = crate::test_gen::Gen(0xC0_44E1_A710);
        let pool = [0.0, 1.0, -1.0, 0.5, -0.5, 1e-160, -1e-160, 1e-300, -1e-300, 5e-324, -5e-324];
        for case in 0..3000 {
            let n = if case % 100 == 99 { 30 + case % 41 } else { 1 + case % 12 };
            let mut c = Array2::eye(n);
            // a base of ±1 blocks (each market a copy, sign flipped or not, of a block's first)
            let blocks = 1 + g.below(n);
            let sign: Vec<f64> = (0..n).map(|_| if g.below(2) == 0 { 1.0 } else { -1.0 }).collect();
            for i in 0..n {
                for j in 0..i {
                    let v = if case % 3 == 0 && i % blocks == j % blocks {
                        sign[i] * sign[j]
                    } else if g.below(3) == 0 {
                        2.0 * g.unit() - 1.0
                    } else {
                        pool[g.below(pool.len())]
                    };
                    c[[i, j]] = v;
                    c[[j, i]] = v;
                }
            }
            let before = crate::eigen::FALLBACKS.load(std::sync::atomic::Ordering::Relaxed);
            let f = copula_factor(c.view());
            assert!(f.min_eigenvalue.is_finite(), "case {case}: {c:?}");
            assert!(f.l.iter().all(|v| v.is_finite()), "case {case}: {c:?}");
            let p = factor_product(&f.l);
            for i in 0..n {
                assert!((p[[i, i]] - 1.0).abs() < 1e-9, "case {case}: diagonal {} of {c:?}", p[[i, i]]);
            }
            assert!(p.iter().all(|v| v.abs() <= 1.0 + 1e-9), "case {case}");
            assert_eq!(crate::eigen::FALLBACKS.load(std::sync::atomic::Ordering::Relaxed), before, "case {case}: fallback taken for {c:?}");
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
