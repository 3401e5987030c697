//! Small dense linear-algebra helpers shared by the optimizers (Cholesky, SPD solves).
//!
//! Matrices are flat row-major `f64` slices of an `n × n` matrix (stride `n`).
use crate::{HzError, Result};
use ndarray::ArrayView2;

/// Validates a covariance-like matrix (square, every cell finite) and returns a
/// flat row-major copy symmetrised as `(A + Aᵀ)/2`.
/// Errors are `InvalidArgument` naming `what` and the offending cell.
pub fn symmetric_matrix(a: ArrayView2<f64>, what: &str) -> Result<Vec<f64>> {
    let (r, c) = a.dim();
    if r != c {
        return Err(HzError::InvalidArgument(format!(
            "{what} must be square, got {r}×{c}"
        )));
    }
    let n = r;
    let mut out = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            let v = a[[i, j]];
            if !v.is_finite() {
                return Err(HzError::InvalidArgument(format!(
                    "{what} has a non-finite value at row {i}, column {j}"
                )));
            }
            out[i * n + j] = v;
        }
    }
    for i in 0..n {
        for j in (i + 1)..n {
            let s = 0.5 * out[i * n + j] + 0.5 * out[j * n + i];
            out[i * n + j] = s;
            out[j * n + i] = s;
        }
    }
    Ok(out)
}

/// In-place Cholesky factorisation `A = L Lᵀ` of the flat `n × n` matrix `a`
/// (only the lower triangle is read; on success the lower triangle holds `L` and the
/// strict upper triangle is zeroed). Fails (returns `false`) if some pivot
/// `L_ii²` is not greater than `rel_tol · A_ii` (or not finite), i.e. the matrix is not
/// numerically positive definite.
pub fn cholesky_in_place(a: &mut [f64], n: usize, rel_tol: f64) -> bool {
    if a.len() < n * n {
        return false;
    }
    // Row-oriented (Cholesky–Banachiewicz): L_ij = (a_ij − ⟨L_i,0..j, L_j,0..j⟩) / L_jj,
    // both rows contiguous.
    for i in 0..n {
        let (done, rest) = a.split_at_mut(i * n);
        let row_i = &mut rest[..n];
        for j in 0..i {
            let row_j = &done[j * n..j * n + j];
            let d = dot(&row_i[..j], row_j);
            row_i[j] = (row_i[j] - d) / done[j * n + j];
        }
        let aii = row_i[i];
        let d = aii - dot(&row_i[..i], &row_i[..i]);
        if !(d.is_finite() && d > 0.0 && d > rel_tol * aii.abs()) {
            return false;
        }
        row_i[i] = d.sqrt();
        for v in row_i[i + 1..].iter_mut() {
            *v = 0.0;
        }
    }
    true
}

/// Dot product with four independent accumulators (lets LLVM vectorise the reduction).
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let len = a.len().min(b.len());
    let (a, b) = (&a[..len], &b[..len]);
    let mut acc = [0.0f64; 4];
    let mut ca = a.chunks_exact(4);
    let mut cb = b.chunks_exact(4);
    for (x, y) in (&mut ca).zip(&mut cb) {
        acc[0] += x[0] * y[0];
        acc[1] += x[1] * y[1];
        acc[2] += x[2] * y[2];
        acc[3] += x[3] * y[3];
    }
    let mut tail = 0.0;
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        tail += x * y;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Solves `L x = b` in place (`L` lower triangular, flat with row stride `stride`, size `m`).
pub fn forward_substitute(l: &[f64], stride: usize, m: usize, b: &mut [f64]) {
    for i in 0..m {
        let row = &l[i * stride..i * stride + i];
        b[i] = (b[i] - dot(row, &b[..i])) / l[i * stride + i];
    }
}

/// Solves `Lᵀ x = b` in place (`L` lower triangular, flat with row stride `stride`, size `m`).
pub fn backward_substitute_t(l: &[f64], stride: usize, m: usize, b: &mut [f64]) {
    for i in (0..m).rev() {
        let xi = b[i] / l[i * stride + i];
        b[i] = xi;
        // subtract column i of Lᵀ (= row i of L) from the unknowns above
        let row = &l[i * stride..i * stride + i];
        for (bk, lk) in b[..i].iter_mut().zip(row.iter()) {
            *bk -= lk * xi;
        }
    }
}

/// Solves `(L Lᵀ) x = b` in place.
pub fn cholesky_solve(l: &[f64], stride: usize, m: usize, b: &mut [f64]) {
    forward_substitute(l, stride, m, b);
    backward_substitute_t(l, stride, m, b);
}

/// `y = A x` for a flat `n × n` matrix.
pub fn mat_vec(a: &[f64], n: usize, x: &[f64], y: &mut [f64]) {
    for i in 0..n {
        let row = &a[i * n..(i + 1) * n];
        y[i] = dot(row, x);
    }
}

#[cfg(test)]
mod tests {
    // In wasm32 (`npm run test:rust-wasm`) the same tests run under wasm-bindgen-test in Node.
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn cholesky_solves_spd_system() {
        let a = vec![4.0, 2.0, 0.4, 2.0, 5.0, 1.0, 0.4, 1.0, 3.0];
        let mut l = a.clone();
        assert!(cholesky_in_place(&mut l, 3, 1e-14));
        let mut x = vec![1.0, 2.0, 3.0];
        cholesky_solve(&l, 3, 3, &mut x);
        let mut y = vec![0.0; 3];
        mat_vec(&a, 3, &x, &mut y);
        for (yi, bi) in y.iter().zip([1.0, 2.0, 3.0]) {
            assert!((yi - bi).abs() < 1e-14);
        }
    }

    #[test]
    fn cholesky_rejects_singular_and_indefinite() {
        let mut a = vec![1.0, 1.0, 1.0, 1.0];
        assert!(!cholesky_in_place(&mut a, 2, 1e-14));
        let mut b = vec![1.0, 2.0, 2.0, 1.0];
        assert!(!cholesky_in_place(&mut b, 2, 1e-14));
        let mut c = vec![0.0];
        assert!(!cholesky_in_place(&mut c, 1, 1e-14));
    }

    #[test]
    fn symmetric_matrix_validates() {
        let a = ndarray::array![[1.0, 0.2], [0.4, 1.0]];
        let s = symmetric_matrix(a.view(), "cov").unwrap();
        assert!((s[1] - 0.3).abs() < 1e-15 && (s[2] - 0.3).abs() < 1e-15);
        let b = ndarray::array![[1.0, f64::NAN], [0.0, 1.0]];
        assert!(symmetric_matrix(b.view(), "cov").is_err());
        let c = ndarray::Array2::<f64>::zeros((2, 3));
        assert!(symmetric_matrix(c.view(), "cov").is_err());
    }
}
