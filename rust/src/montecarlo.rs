//! Monte Carlo scenario P&L for binary positions, streamed in fixed, independently seeded blocks.
use crate::correlation::CopulaFactor;

/// Scenarios per block. Fixed so that results do not depend on how blocks are spread over workers.
pub const BLOCK_SIZE: usize = 8192;

/// Inputs of one simulation (positions with zero size already removed).
pub struct SimSpec<'a> {
    pub sizes: &'a [f64],
    pub entry_prices: &'a [f64],
    /// held-side win probabilities
    pub win_probs: &'a [f64],
    pub factor: Option<&'a CopulaFactor>,
}

/// Writes the P&L of blocks `first_block .. first_block + out.len()/BLOCK_SIZE` (the last block of a
/// run of `n_total` scenarios may be short) into `out`.
pub fn simulate_blocks(spec: &SimSpec, seed: u64, n_total: usize, first_block: usize, out: &mut [f64]) {
    let _ = (spec, seed, n_total, first_block, out);
    todo!()
}

/// Risk statistics of a scenario P&L sample.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskStats {
    pub expected_pnl: f64,
    pub var95: f64,
    pub cvar95: f64,
    pub var99: f64,
    pub cvar99: f64,
    pub win_probability: f64,
    pub max_loss: f64,
    pub max_gain: f64,
    pub hist_edges: Vec<f64>,
    pub hist_counts: Vec<f64>,
}

/// Summarises scenario P&L (sorts `pnl` in place).
pub fn summarize(pnl: &mut [f64], bins: usize) -> RiskStats {
    let _ = (pnl, bins);
    todo!()
}
