//! Risk parity: inverse volatility and equal risk contribution (Spinu 2013).
use ndarray::ArrayView2;
use crate::Result;

/// w_i ∝ 1/σ_i.
pub fn inverse_volatility(cov: ArrayView2<f64>) -> Vec<f64> {
    let _ = cov;
    todo!()
}

/// Equal (or budgeted) risk contribution; `budgets` sum to 1 (None → 1/N).
pub fn equal_risk_contribution(cov: ArrayView2<f64>, budgets: Option<&[f64]>) -> Result<Vec<f64>> {
    let _ = (cov, budgets);
    todo!()
}
