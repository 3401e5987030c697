//! Standard normal pdf, cdf and quantile.

/// φ(x)
pub fn pdf(x: f64) -> f64 { let _ = x; todo!() }
/// Φ(x)
pub fn cdf(x: f64) -> f64 { let _ = x; todo!() }
/// Φ⁻¹(p), accurate to ~1e-15; ±∞ at 0 and 1.
pub fn ppf(p: f64) -> f64 { let _ = p; todo!() }
