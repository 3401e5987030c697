//! Long-only minimum variance (exact active set).
use ndarray::ArrayView2;
use crate::Result;

/// argmin wᵀΣw s.t. Σw = 1, w ≥ 0.
pub fn min_variance_long_only(cov: ArrayView2<f64>) -> Result<Vec<f64>> {
    let _ = cov;
    todo!()
}
