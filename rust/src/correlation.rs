//! Correlation matrices for the Gaussian copula: validation, repair, pivoted Cholesky factor.
use ndarray::{Array2, ArrayView2};
use crate::Result;

/// A factor L (N × r, r = numerical rank) with L·Lᵀ = the (possibly repaired) correlation.
#[derive(Debug, Clone)]
pub struct CopulaFactor {
    pub l: Array2<f64>,
    /// true when the input was indefinite and had to be repaired.
    pub repaired: bool,
    /// smallest eigenvalue of the input matrix (before repair).
    pub min_eigenvalue: f64,
}

/// Square, finite, symmetric (1e-9), unit diagonal (1e-9), entries in [−1, 1].
pub fn validate_correlation(c: ArrayView2<f64>) -> Result<()> {
    let _ = c;
    todo!()
}

/// Factor a (validated) correlation matrix; repairs indefinite input.
pub fn copula_factor(c: ArrayView2<f64>) -> CopulaFactor {
    let _ = c;
    todo!()
}
