//! Independent Kelly sizing for binary contracts.
use crate::Result;

/// `probs`/`prices`: held-side win probabilities and held-side prices.
/// f_i = (p_i − P_i)/(1 − P_i), negatives → 0, × fraction, scaled down so Σf ≤ max_total.
pub fn kelly_independent(probs: &[f64], prices: &[f64], max_total: f64, fraction: f64) -> Result<Vec<f64>> {
    let _ = (probs, prices, max_total, fraction);
    todo!()
}
