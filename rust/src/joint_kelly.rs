//! Joint Kelly: maximise expected log growth over outcome scenarios.
use crate::correlation::CopulaFactor;
use crate::Result;

/// `prices`/`probs`: held-side. Exact 2^N enumeration when `factor` is None and N ≤ 16, Monte Carlo
/// (`n_scenarios`, `seed`) otherwise. Returns the optimum f ≥ 0, Σf ≤ max_total (before any fraction).
pub fn joint_kelly(prices: &[f64], probs: &[f64], max_total: f64, factor: Option<&CopulaFactor>, n_scenarios: usize, seed: u64) -> Result<Vec<f64>> {
    let _ = (prices, probs, max_total, factor, n_scenarios, seed);
    todo!()
}
