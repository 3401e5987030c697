//! The JavaScript boundary — the only module that knows about wasm-bindgen.
//!
//! Conventions: matrices are flat row-major `f64` slices with explicit dimensions (they arrive as
//! `Float64Array` views copied once into wasm memory, results leave as fresh `Float64Array`s);
//! every fallible function returns `Result<_, JsValue>` whose error is a JS `Error` with
//! `name = "HzError"` and a stable `code` property (see [`HzError::code`]). The TypeScript facade
//! re-wraps it into its exported `HzError` class.

use ndarray::{Array2, ArrayView2};
use wasm_bindgen::prelude::*;

use crate::correlation::{self, CopulaFactor};
use crate::covariance::{self, ShrinkTarget};
use crate::error::HzError;
use crate::{greeks, joint_kelly, kelly, minvar, montecarlo, riskparity, streaming};
use crate::streaming::TailAccumulator;
use crate::events::{self, EventModel};
use crate::event_kelly;

fn to_js(err: HzError) -> JsValue {
    let e = js_sys::Error::new(&err.to_string());
    e.set_name("HzError");
    let _ = js_sys::Reflect::set(&e, &JsValue::from_str("code"), &JsValue::from_str(err.code()));
    e.into()
}

type JsResult<T> = std::result::Result<T, JsValue>;

fn matrix<'a>(data: &'a [f64], rows: usize, cols: usize, what: &str) -> Result<ArrayView2<'a, f64>, HzError> {
    if rows.checked_mul(cols) != Some(data.len()) {
        return Err(HzError::InvalidArgument(format!(
            "{what}: expected {rows}×{cols} = {} values, got {}",
            rows.saturating_mul(cols),
            data.len()
        )));
    }
    ArrayView2::from_shape((rows, cols), data)
        .map_err(|e| HzError::InvalidArgument(format!("{what}: {e}")))
}

fn flat(a: &Array2<f64>) -> impl Iterator<Item = f64> + '_ {
    a.iter().copied()
}

fn shrink_target(code: u8) -> Result<ShrinkTarget, HzError> {
    match code {
        0 => Ok(ShrinkTarget::Identity),
        1 => Ok(ShrinkTarget::ConstantCorrelation),
        _ => Err(HzError::InvalidArgument(format!("unknown shrinkage target code {code}"))),
    }
}

fn seed_u64(seed: f64) -> Result<u64, HzError> {
    if seed.is_finite() && seed >= 0.0 && seed.fract() == 0.0 && seed <= 9_007_199_254_740_991.0 {
        Ok(seed as u64)
    } else {
        Err(HzError::InvalidArgument(format!(
            "seed: must be an integer in [0, 2^53 − 1], got {seed}"
        )))
    }
}

/// Most markets of any computation that forms an N×N matrix (a covariance, a correlation, its
/// factor) or joint-Kelly scenarios: 1 000 (an 8 MB matrix). Mirrors `MAX_COVARIANCE_MARKETS` in
/// the TypeScript facade, which checks it first.
pub const MAX_COVARIANCE_MARKETS: usize = 1_000;
/// Most cells (T × N) of a returns history (mirrors the facade's `MAX_HISTORY_CELLS`).
pub const MAX_HISTORY_CELLS: usize = 50_000_000;
/// Most Monte Carlo scenarios of one run (mirrors the facade's `MAX_SIMULATIONS`).
pub const MAX_SIMULATIONS: usize = 10_000_000;
/// Most Monte Carlo scenarios of joint Kelly (mirrors the facade's `MAX_KELLY_SCENARIOS`).
pub const MAX_KELLY_SCENARIOS: usize = 2_000_000;
/// Most histogram bins of `summarizePnl`.
pub const MAX_HISTOGRAM_BINS: usize = 10_000;

fn limit(what: &str, value: usize, cap: usize) -> Result<(), HzError> {
    if value > cap {
        return Err(HzError::LimitExceeded(format!("{what}: {value} is above the cap of {cap}")));
    }
    Ok(())
}

/// A T×N returns history: caps (markets, cells) first, then the shape.
fn history(x: &[f64], t: usize, n: usize) -> Result<ArrayView2<'_, f64>, HzError> {
    limit("returnsHistory markets (columns)", n, MAX_COVARIANCE_MARKETS)?;
    limit("returnsHistory cells (rows × columns)", t.saturating_mul(n), MAX_HISTORY_CELLS)?;
    matrix(x, t, n, "returnsHistory")
}

fn factor_of(corr: &[f64], n: usize) -> Result<CopulaFactor, HzError> {
    limit("correlation markets", n, MAX_COVARIANCE_MARKETS)?;
    let c = matrix(corr, n, n, "correlation")?;
    correlation::validate_correlation(c)?;
    Ok(correlation::copula_factor(c))
}

// ---- The boundary in plain Rust ------------------------------------------------------------
// Each exported function below is `<name>_checked(…).map_err(to_js)`: all validation happens in
// these functions, so native tests and the fuzz targets (`fuzz/`) exercise exactly the path a
// JavaScript call takes.

/// See [`ledoit_wolf`].
pub fn ledoit_wolf_checked(x: &[f64], t: usize, n: usize, target: u8) -> Result<Vec<f64>, HzError> {
    let target = shrink_target(target)?;
    let lw = covariance::ledoit_wolf(history(x, t, n)?, target)?;
    Ok(flat(&lw.covariance).chain(std::iter::once(lw.shrinkage)).collect())
}

/// See [`kelly_independent`].
pub fn kelly_independent_checked(probs: &[f64], prices: &[f64], max_total: f64, fraction: f64) -> Result<Vec<f64>, HzError> {
    kelly_scales(max_total, fraction)?;
    kelly::kelly_independent(probs, prices, max_total, fraction)
}

/// Largest `maxTotal` and `fraction` accepted by Kelly sizing (a million times the capital is
/// already meaningless; the cap keeps every weight — at most maxTotal × fraction — finite).
pub const MAX_KELLY_SCALE: f64 = 1e6;

fn kelly_scales(max_total: f64, fraction: f64) -> Result<(), HzError> {
    for (name, v) in [("maxTotal", max_total), ("fraction", fraction)] {
        if !(v.is_finite() && v > 0.0) {
            return Err(HzError::InvalidArgument(format!("{name}: must be a finite number > 0, got {v}")));
        }
        if v > MAX_KELLY_SCALE {
            return Err(HzError::InvalidArgument(format!("{name}: must be ≤ {MAX_KELLY_SCALE}, got {v}")));
        }
    }
    Ok(())
}

/// See [`kelly_joint`].
pub fn kelly_joint_checked(
    prices: &[f64],
    probs: &[f64],
    max_total: f64,
    fraction: f64,
    corr: &[f64],
    n_scenarios: usize,
    seed: f64,
) -> Result<Vec<f64>, HzError> {
    kelly_scales(max_total, fraction)?;
    let n = prices.len();
    limit("joint Kelly markets", n, MAX_COVARIANCE_MARKETS)?;
    limit("joint Kelly nSimulations", n_scenarios, MAX_KELLY_SCENARIOS)?;
    let seed = seed_u64(seed)?;
    let factor = if corr.is_empty() { None } else { Some(factor_of(corr, n)?) };
    let f = joint_kelly::joint_kelly(prices, probs, max_total, factor.as_ref(), n_scenarios, seed)?;
    Ok(f.into_iter().map(|v| v * fraction).collect())
}

/// See [`risk_parity`].
pub fn risk_parity_checked(x: &[f64], t: usize, n: usize, method: u8, budgets: &[f64]) -> Result<Vec<f64>, HzError> {
    if method > 1 {
        return Err(HzError::InvalidArgument(format!("unknown risk-parity method code {method}")));
    }
    let lw = covariance::ledoit_wolf(history(x, t, n)?, ShrinkTarget::Identity)?;
    let w = if method == 0 {
        riskparity::inverse_volatility(lw.covariance.view())
    } else {
        riskparity::equal_risk_contribution(lw.covariance.view(), if budgets.is_empty() { None } else { Some(budgets) })?
    };
    Ok(w.into_iter().chain(std::iter::once(lw.shrinkage)).collect())
}

/// See [`min_variance`].
pub fn min_variance_checked(x: &[f64], t: usize, n: usize) -> Result<Vec<f64>, HzError> {
    let lw = covariance::ledoit_wolf(history(x, t, n)?, ShrinkTarget::Identity)?;
    let w = minvar::min_variance_long_only(lw.covariance.view())?;
    Ok(w.into_iter().chain(std::iter::once(lw.shrinkage)).collect())
}

/// The Greeks model from its wire code: 0 = Horizon's (the default), 1 = digital.
fn greeks_model(code: u8) -> Result<greeks::GreeksModel, HzError> {
    match code {
        0 => Ok(greeks::GreeksModel::Horizon),
        1 => Ok(greeks::GreeksModel::Digital),
        _ => Err(HzError::InvalidArgument(format!("greeks: model code must be 0 (horizon) or 1 (digital), got {code}"))),
    }
}

/// See [`prediction_greeks`].
pub fn prediction_greeks_checked(price: f64, size: f64, is_yes: bool, t_hours: f64, vol: f64, model: u8) -> Result<Vec<f64>, HzError> {
    let model = greeks_model(model)?;
    greeks::prediction_greeks_with(price, size, is_yes, t_hours, vol, model).map(|g| vec![g.delta, g.gamma, g.theta, g.vega])
}

/// See [`prediction_greeks_batch`].
pub fn prediction_greeks_batch_checked(prices: &[f64], sizes: &[f64], is_yes: &[u8], t_hours: &[f64], vol: f64, model: u8) -> Result<Vec<f64>, HzError> {
    let model = greeks_model(model)?;
    if prices.len() != sizes.len() || prices.len() != is_yes.len() || prices.len() != t_hours.len() {
        return Err(HzError::InvalidArgument("greeks: prices, sizes, sides and hours to resolution differ in length".into()));
    }
    let mut out = Vec::with_capacity(prices.len() * 4);
    for i in 0..prices.len() {
        let g = greeks::prediction_greeks_with(prices[i], sizes[i], is_yes[i] != 0, t_hours[i], vol, model)?;
        out.extend_from_slice(&[g.delta, g.gamma, g.theta, g.vega]);
    }
    Ok(out)
}

/// See [`history_correlation`].
pub fn history_correlation_checked(x: &[f64], t: usize, n: usize) -> Result<Vec<f64>, HzError> {
    let lw = covariance::ledoit_wolf(history(x, t, n)?, ShrinkTarget::Identity)?;
    let corr = covariance::correlation_from_covariance(lw.covariance.view());
    Ok(std::iter::once(lw.shrinkage).chain(flat(&lw.covariance)).chain(flat(&corr)).collect())
}

/// See [`summarize_pnl`]: `pnl` must be finite, `bins` ≤ [`MAX_HISTOGRAM_BINS`].
///
/// Huge P&L (sums that could overflow, |x|·n > 2^960) are summarised on values scaled by an exact
/// power of two and scaled back, so every statistic of finite scenarios is finite; ordinary input
/// is summarised unscaled (bit-identical to `montecarlo::summarize`).
pub fn summarize_pnl_checked(mut pnl: Vec<f64>, bins: usize) -> Result<Vec<f64>, HzError> {
    limit("histogram bins", bins, MAX_HISTOGRAM_BINS)?;
    limit("scenarios", pnl.len(), MAX_SIMULATIONS)?;
    let mut max_abs = 0.0f64;
    let mut wins = 0usize;
    for (i, &v) in pnl.iter().enumerate() {
        if !v.is_finite() {
            return Err(HzError::InvalidArgument(format!("pnl: scenario {i} is not finite ({v})")));
        }
        max_abs = max_abs.max(v.abs());
        wins += (v > 0.0) as usize;
    }
    let scale = streaming::pnl_scale(max_abs);
    if scale != 1.0 {
        pnl.iter_mut().for_each(|v| *v *= scale);
    }
    let mut s = montecarlo::summarize(&mut pnl, bins);
    // Wins of the P&L as given: scaling can underflow a tiny gain to 0 (the streamed path counts
    // unscaled too, see `streaming::TailAccumulator`).
    if !pnl.is_empty() {
        s.win_probability = wins as f64 / pnl.len() as f64;
    }
    Ok(stats_vector(&s, scale))
}

/// The flat statistics `[expected, var95, cvar95, var99, cvar99, winProbability, maxLoss, maxGain,
/// edges…, counts…]` of statistics computed on values scaled by `scale` (scaled back, finite).
fn stats_vector(s: &montecarlo::RiskStats, scale: f64) -> Vec<f64> {
    let back = |v: f64| (v / scale).clamp(-f64::MAX, f64::MAX);
    let mut out = vec![
        back(s.expected_pnl),
        back(s.var95),
        back(s.cvar95),
        back(s.var99),
        back(s.cvar99),
        s.win_probability,
        back(s.max_loss),
        back(s.max_gain),
    ];
    out.extend(s.hist_edges.iter().map(|&v| back(v)));
    out.extend_from_slice(&s.hist_counts);
    out
}

// ---- Exports -------------------------------------------------------------------------------

/// Ledoit-Wolf covariance of a T×N returns matrix. Returns `[cov (N×N row-major)…, shrinkage]`.
#[wasm_bindgen(js_name = ledoitWolf)]
pub fn ledoit_wolf(x: &[f64], t: usize, n: usize, target: u8) -> JsResult<Vec<f64>> {
    ledoit_wolf_checked(x, t, n, target).map_err(to_js)
}

/// Independent Kelly fractions from held-side probabilities and prices.
#[wasm_bindgen(js_name = kellyIndependent)]
pub fn kelly_independent(probs: &[f64], prices: &[f64], max_total: f64, fraction: f64) -> JsResult<Vec<f64>> {
    kelly_independent_checked(probs, prices, max_total, fraction).map_err(to_js)
}

/// Joint Kelly fractions (× `fraction`). `corr` (N×N, may be empty = independent) drives a copula.
#[wasm_bindgen(js_name = kellyJoint)]
pub fn kelly_joint(
    prices: &[f64],
    probs: &[f64],
    max_total: f64,
    fraction: f64,
    corr: &[f64],
    n_scenarios: usize,
    seed: f64,
) -> JsResult<Vec<f64>> {
    kelly_joint_checked(prices, probs, max_total, fraction, corr, n_scenarios, seed).map_err(to_js)
}

/// Risk-parity weights on the Ledoit-Wolf covariance of `x` (T×N). `method`: 0 inverse-vol, 1 ERC.
/// `budgets` empty = equal. Returns `[w…, shrinkage]`.
#[wasm_bindgen(js_name = riskParity)]
pub fn risk_parity(x: &[f64], t: usize, n: usize, method: u8, budgets: &[f64]) -> JsResult<Vec<f64>> {
    risk_parity_checked(x, t, n, method, budgets).map_err(to_js)
}

/// Long-only minimum-variance weights on the Ledoit-Wolf covariance of `x` (T×N). Returns `[w…, shrinkage]`.
#[wasm_bindgen(js_name = minVariance)]
pub fn min_variance(x: &[f64], t: usize, n: usize) -> JsResult<Vec<f64>> {
    min_variance_checked(x, t, n).map_err(to_js)
}

/// Greeks of one position: `[delta, gamma, theta, vega]`; `model` 0 = Horizon's, 1 = digital.
#[wasm_bindgen(js_name = predictionGreeks)]
pub fn prediction_greeks(price: f64, size: f64, is_yes: bool, t_hours: f64, vol: f64, model: u8) -> JsResult<Vec<f64>> {
    prediction_greeks_checked(price, size, is_yes, t_hours, vol, model).map_err(to_js)
}

/// Greeks of many positions at once: `[delta, gamma, theta, vega]` per position, concatenated;
/// `t_hours[i]` is position i's own time to resolution (hours, ≥ 0); `model` 0 = Horizon's, 1 = digital.
#[wasm_bindgen(js_name = predictionGreeksBatch)]
pub fn prediction_greeks_batch(prices: &[f64], sizes: &[f64], is_yes: &[u8], t_hours: &[f64], vol: f64, model: u8) -> JsResult<Vec<f64>> {
    prediction_greeks_batch_checked(prices, sizes, is_yes, t_hours, vol, model).map_err(to_js)
}

/// Correlation used by the copula, from a history: Ledoit-Wolf covariance → correlation.
/// Returns `[shrinkage, cov (N×N)…, corr (N×N)…]`.
#[wasm_bindgen(js_name = historyCorrelation)]
pub fn history_correlation(x: &[f64], t: usize, n: usize) -> JsResult<Vec<f64>> {
    history_correlation_checked(x, t, n).map_err(to_js)
}

/// Number of scenarios per Monte Carlo block (fixed; blocks are the unit of parallel work).
#[wasm_bindgen(js_name = blockSize)]
pub fn block_size() -> usize {
    montecarlo::BLOCK_SIZE
}

/// A prepared Monte Carlo simulation: inputs validated and the copula factor computed once, so
/// that repeated `simulate` calls (chunks, possibly on several workers) only do the sampling.
#[wasm_bindgen]
pub struct Simulation {
    sizes: Vec<f64>,
    entry_prices: Vec<f64>,
    win_probs: Vec<f64>,
    factor: Option<CopulaFactor>,
    /// Events among the positions (None: every market independent).
    events: Option<EventModel>,
    /// The streamed summary of the blocks accumulated here (see `accumulate`), once one is.
    acc: Option<TailAccumulator>,
}

impl Simulation {
    /// See [`Simulation::new`].
    pub fn try_new(sizes: Vec<f64>, entry_prices: Vec<f64>, win_probs: Vec<f64>, corr: &[f64]) -> Result<Simulation, HzError> {
        let n = sizes.len();
        if entry_prices.len() != n || win_probs.len() != n {
            return Err(HzError::InvalidArgument("simulation: inputs differ in length".into()));
        }
        for i in 0..n {
            if !(sizes[i].is_finite() && sizes[i] >= 0.0) {
                return Err(HzError::InvalidSize(format!("position {i}: size must be finite and ≥ 0")));
            }
            if !(entry_prices[i].is_finite() && (0.0..=1.0).contains(&entry_prices[i])) {
                return Err(HzError::InvalidPrice(format!("position {i}: entryPrice must be in [0, 1]")));
            }
            if !(win_probs[i].is_finite() && (0.0..=1.0).contains(&win_probs[i])) {
                return Err(HzError::InvalidProbability(format!("position {i}: probability must be in [0, 1]")));
            }
        }
        // Scenario P&L is bounded by Σ size: keep it (and every statistic) finite.
        if !sizes.iter().sum::<f64>().is_finite() {
            return Err(HzError::InvalidSize("simulation: the total size of the positions overflows".into()));
        }
        let factor = if corr.is_empty() { None } else { Some(factor_of(corr, n)?) };
        Ok(Simulation { sizes, entry_prices, win_probs, factor, events: None, acc: None })
    }

    /// See [`Simulation::simulate`].
    pub fn try_simulate(&self, seed: f64, n_total: usize, first_block: usize, n_blocks: usize) -> Result<Vec<f64>, HzError> {
        limit("nSimulations", n_total, MAX_SIMULATIONS)?;
        let seed = seed_u64(seed)?;
        let bs = montecarlo::BLOCK_SIZE;
        let start = first_block.saturating_mul(bs).min(n_total);
        let end = first_block.saturating_add(n_blocks).saturating_mul(bs).min(n_total);
        let mut out = vec![0.0; end - start];
        let spec = montecarlo::SimSpec {
            sizes: &self.sizes,
            entry_prices: &self.entry_prices,
            win_probs: &self.win_probs,
            factor: self.factor.as_ref(),
        };
        montecarlo::simulate_blocks_with_events(&spec, self.events.as_ref(), seed, n_total, first_block, &mut out);
        Ok(out)
    }

    fn spec(&self) -> montecarlo::SimSpec<'_> {
        montecarlo::SimSpec { sizes: &self.sizes, entry_prices: &self.entry_prices, win_probs: &self.win_probs, factor: self.factor.as_ref() }
    }

    /// See [`Simulation::accumulate`].
    pub fn try_accumulate(&mut self, seed: f64, n_total: usize, first_block: usize, n_blocks: usize) -> Result<Vec<f64>, HzError> {
        limit("nSimulations", n_total, MAX_SIMULATIONS)?;
        let seed = seed_u64(seed)?;
        let n_blocks = n_blocks.min(n_total.div_ceil(montecarlo::BLOCK_SIZE).saturating_sub(first_block));
        let mut acc = self.acc.take().unwrap_or_else(|| TailAccumulator::new(montecarlo::tail_len(n_total)));
        let sums = streaming::accumulate_blocks(&self.spec(), self.events.as_ref(), seed, n_total, first_block, n_blocks, &mut acc);
        self.acc = Some(acc);
        Ok(sums)
    }

    /// See [`Simulation::histogram`].
    #[allow(clippy::too_many_arguments)]
    pub fn try_histogram(&self, seed: f64, n_total: usize, first_block: usize, n_blocks: usize, lo: f64, hi: f64, bins: usize) -> Result<Vec<f64>, HzError> {
        limit("nSimulations", n_total, MAX_SIMULATIONS)?;
        limit("histogram bins", bins, MAX_HISTOGRAM_BINS)?;
        let seed = seed_u64(seed)?;
        if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
            return Err(HzError::InvalidArgument("histogram: min and max must be finite, min ≤ max".into()));
        }
        let n_blocks = n_blocks.min(n_total.div_ceil(montecarlo::BLOCK_SIZE).saturating_sub(first_block));
        Ok(streaming::histogram_blocks(&self.spec(), self.events.as_ref(), seed, n_total, first_block, n_blocks, lo, hi, bins))
    }

    /// See [`Simulation::finish_stats`].
    pub fn try_finish_stats(&mut self, n_total: usize, bins: usize, block_sums: &[f64], counts: &[f64]) -> Result<Vec<f64>, HzError> {
        limit("nSimulations", n_total, MAX_SIMULATIONS)?;
        limit("histogram bins", bins, MAX_HISTOGRAM_BINS)?;
        let mut acc = self.acc.take().unwrap_or_else(|| TailAccumulator::new(montecarlo::tail_len(n_total)));
        if acc.count() != n_total || block_sums.len() != 2 * n_total.div_ceil(montecarlo::BLOCK_SIZE) || counts.len() != bins.max(1) {
            return Err(HzError::InvalidArgument(format!(
                "streamed statistics: {} of {n_total} scenarios accumulated, {} block sums, {} counts",
                acc.count(),
                block_sums.len() / 2,
                counts.len()
            )));
        }
        let (s, scale) = streaming::finish(n_total, bins, &mut acc, block_sums, counts);
        Ok(stats_vector(&s, scale))
    }
}

#[wasm_bindgen]
impl Simulation {
    /// `corr`: N×N correlation between the positions' held sides, or empty for independence.
    #[wasm_bindgen(constructor)]
    pub fn new(sizes: Vec<f64>, entry_prices: Vec<f64>, win_probs: Vec<f64>, corr: &[f64]) -> JsResult<Simulation> {
        Simulation::try_new(sizes, entry_prices, win_probs, corr).map_err(to_js)
    }

    /// Whether the correlation had to be repaired (it was not positive semi-definite).
    #[wasm_bindgen(getter)]
    pub fn repaired(&self) -> bool {
        self.factor.as_ref().map_or(false, |f| f.repaired)
    }

    /// Smallest eigenvalue of the correlation as given (NaN-free; 1 when independent).
    /// The correlation the copula actually uses, L·Lᵀ (N×N row-major): the input itself unless it
    /// was repaired. Empty for independent outcomes.
    #[wasm_bindgen(js_name = usedCorrelation)]
    pub fn used_correlation(&self) -> Vec<f64> {
        match &self.factor {
            None => Vec::new(),
            Some(f) => correlation::factor_product(&f.l).iter().copied().collect(),
        }
    }

    #[wasm_bindgen(getter, js_name = minEigenvalue)]
    pub fn min_eigenvalue(&self) -> f64 {
        self.factor.as_ref().map_or(1.0, |f| f.min_eigenvalue)
    }

    /// P&L of the scenarios in blocks `first_block .. first_block + n_blocks` of a run of `n_total`.
    pub fn simulate(&self, seed: f64, n_total: usize, first_block: usize, n_blocks: usize) -> JsResult<Vec<f64>> {
        self.try_simulate(seed, n_total, first_block, n_blocks).map_err(to_js)
    }

    /// Streaming pass 1 over blocks `first_block .. first_block + n_blocks` of a run of `n_total`:
    /// folds their P&L into this simulation's summary (count, wins, min, max, worst values) and
    /// returns per block `[sum, sum of the values × 2^-128]` (see the `streaming` module).
    pub fn accumulate(&mut self, seed: f64, n_total: usize, first_block: usize, n_blocks: usize) -> JsResult<Vec<f64>> {
        self.try_accumulate(seed, n_total, first_block, n_blocks).map_err(to_js)
    }

    /// The summary accumulated here, `[count, wins, min, max, worst values ascending…]`, and forgets it.
    #[wasm_bindgen(js_name = takeSummary)]
    pub fn take_summary(&mut self) -> Vec<f64> {
        self.acc.take().map_or_else(|| vec![0.0, 0.0, f64::INFINITY, f64::NEG_INFINITY], |mut a| a.take_flat())
    }

    /// Merges another simulation's `takeSummary` (of the same run of `n_total`) into this one's.
    #[wasm_bindgen(js_name = absorbSummary)]
    pub fn absorb_summary(&mut self, n_total: usize, flat: &[f64]) {
        self.acc.get_or_insert_with(|| TailAccumulator::new(montecarlo::tail_len(n_total))).absorb(flat);
    }

    /// `[count, wins, min, max]` of the summary held here.
    #[wasm_bindgen(js_name = summaryRange)]
    pub fn summary_range(&self) -> Vec<f64> {
        self.acc.as_ref().map_or_else(|| vec![0.0, 0.0, f64::INFINITY, f64::NEG_INFINITY], |a| a.header().to_vec())
    }

    /// Streaming pass 2: the histogram counts (`bins` bins between the run's min `lo` and max `hi`)
    /// of blocks `first_block .. first_block + n_blocks`.
    #[allow(clippy::too_many_arguments)]
    pub fn histogram(&self, seed: f64, n_total: usize, first_block: usize, n_blocks: usize, lo: f64, hi: f64, bins: usize) -> JsResult<Vec<f64>> {
        self.try_histogram(seed, n_total, first_block, n_blocks, lo, hi, bins).map_err(to_js)
    }

    /// The statistics of the streamed run (every scenario accumulated or absorbed here), in the
    /// format of `summarizePnl` and bit-identical to it: `block_sums` are the pairs `accumulate`
    /// returned, for all blocks in order; `counts` the summed `histogram` counts.
    #[wasm_bindgen(js_name = finishStats)]
    pub fn finish_stats(&mut self, n_total: usize, bins: usize, block_sums: &[f64], counts: &[f64]) -> JsResult<Vec<f64>> {
        self.try_finish_stats(n_total, bins, block_sums, counts).map_err(to_js)
    }
}

// ---- Joint Kelly in units (issue 17) ----------------------------------------------------------
// The optimiser runs on the calling thread (`KellyJointDriver`), the sums over scenarios in
// `KellyJointUnits` anywhere (each worker holds a contiguous range of units across the whole
// optimisation); see `joint_kelly` and `kelly_units`. Same numbers as `kellyJoint`, bit for bit.

/// The plan of a joint-Kelly call, after the boundary's checks (shared by the driver and the units).
fn kelly_plan(prices: &[f64], probs: &[f64], max_total: f64, fraction: f64, corr: &[f64], n_scenarios: usize, seed: f64) -> Result<joint_kelly::Plan, HzError> {
    kelly_scales(max_total, fraction)?;
    let n = prices.len();
    limit("joint Kelly markets", n, MAX_COVARIANCE_MARKETS)?;
    limit("joint Kelly nSimulations", n_scenarios, MAX_KELLY_SCENARIOS)?;
    let seed = seed_u64(seed)?;
    let rows = if corr.is_empty() {
        None
    } else {
        // Validated here (cheap); the factor itself is built where the units are.
        limit("correlation markets", n, MAX_COVARIANCE_MARKETS)?;
        correlation::validate_correlation(matrix(corr, n, n, "correlation")?)?;
        Some(n)
    };
    joint_kelly::Plan::new(prices, probs, max_total, rows, n_scenarios, seed)
}

/// The joint-Kelly optimiser, suspended at each request for sums over scenarios: `next()` gives
/// the request (undefined when done), `answer()` takes every unit's answer in unit order (from
/// `KellyJointUnits` built with the same arguments), `result()` the fractions (× `fraction`).
#[wasm_bindgen(js_name = KellyJointDriver)]
pub struct KellyJointDriver {
    driver: joint_kelly::Driver,
    fraction: f64,
}

#[wasm_bindgen(js_class = KellyJointDriver)]
impl KellyJointDriver {
    /// Same arguments as `kellyJoint`; the same checks and typed errors (the correlation's factor
    /// is built by the units).
    #[wasm_bindgen(constructor)]
    pub fn new(prices: &[f64], probs: &[f64], max_total: f64, fraction: f64, corr: &[f64], n_scenarios: usize, seed: f64) -> JsResult<KellyJointDriver> {
        let plan = kelly_plan(prices, probs, max_total, fraction, corr, n_scenarios, seed).map_err(to_js)?;
        Ok(KellyJointDriver { driver: joint_kelly::Driver::new(plan), fraction })
    }

    /// Units of the problem (0: nothing to optimise, the result is ready).
    #[wasm_bindgen(getter)]
    pub fn units(&self) -> usize {
        self.driver.plan().n_units()
    }

    /// The pending request for the units; undefined once the optimum is known.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<Vec<f64>> {
        self.driver.next_request()
    }

    /// Every unit's answer to the last request, concatenated in unit order.
    pub fn answer(&mut self, answers: Vec<f64>) -> JsResult<()> {
        self.driver.answer(answers).map_err(to_js)
    }

    /// The joint-Kelly fractions (× `fraction`), once `next()` returned undefined.
    pub fn result(&self) -> JsResult<Vec<f64>> {
        match self.driver.result() {
            Some(f) => Ok(f.into_iter().map(|v| v * self.fraction).collect()),
            None => Err(to_js(HzError::InvalidArgument("kelly: the optimisation has not finished".into()))),
        }
    }
}

/// Units `first .. first + count` of a joint-Kelly problem (scenarios generated from the seed here
/// and kept until `free()`), answering the driver's requests.
#[wasm_bindgen(js_name = KellyJointUnits)]
pub struct KellyJointUnits {
    units: crate::kelly_units::KellyUnits,
}

#[wasm_bindgen(js_class = KellyJointUnits)]
impl KellyJointUnits {
    /// `kellyJoint`'s arguments (less `fraction`), and the range of units to hold.
    #[wasm_bindgen(constructor)]
    #[allow(clippy::too_many_arguments)]
    pub fn new(prices: &[f64], probs: &[f64], max_total: f64, corr: &[f64], n_scenarios: usize, seed: f64, first: usize, count: usize) -> JsResult<KellyJointUnits> {
        KellyJointUnits::try_new(prices, probs, max_total, corr, n_scenarios, seed, first, count).map_err(to_js)
    }

    /// Units held.
    #[wasm_bindgen(getter)]
    pub fn count(&self) -> usize {
        self.units.len()
    }

    /// Held unit `k`'s answer to a driver request.
    #[wasm_bindgen(js_name = answerOne)]
    pub fn answer_one(&mut self, request: &[f64], k: usize) -> JsResult<Vec<f64>> {
        self.units.answer_encoded(request, Some(k)).ok_or_else(|| to_js(HzError::InvalidArgument("kelly: malformed unit request".into())))
    }

    /// Every held unit's answer to a driver request, concatenated in unit order.
    #[wasm_bindgen(js_name = answerAll)]
    pub fn answer_all(&mut self, request: &[f64]) -> JsResult<Vec<f64>> {
        self.units.answer_encoded(request, None).ok_or_else(|| to_js(HzError::InvalidArgument("kelly: malformed unit request".into())))
    }
}

impl KellyJointUnits {
    /// See [`KellyJointUnits::new`].
    #[allow(clippy::too_many_arguments)]
    pub fn try_new(prices: &[f64], probs: &[f64], max_total: f64, corr: &[f64], n_scenarios: usize, seed: f64, first: usize, count: usize) -> Result<KellyJointUnits, HzError> {
        let plan = kelly_plan(prices, probs, max_total, 1.0, corr, n_scenarios, seed)?;
        if first.checked_add(count).is_none_or(|end| end > plan.n_units()) {
            return Err(HzError::InvalidArgument(format!("kelly: units {first}..+{count} outside 0..{}", plan.n_units())));
        }
        let factor = if corr.is_empty() { None } else { Some(factor_of(corr, prices.len())?) };
        Ok(KellyJointUnits { units: plan.units(probs, factor, first, count) })
    }

    /// See [`KellyJointUnits::answer_all`].
    pub fn answer_all_native(&mut self, request: &[f64]) -> Option<Vec<f64>> {
        self.units.answer_encoded(request, None)
    }
}

/// Risk statistics of scenario P&L (the values are moved into wasm memory once and sorted there).
/// Returns `[expected, var95, cvar95, var99, cvar99, winProbability, maxLoss, maxGain, edges(bins+1)…, counts(bins)…]`.
/// Errors: a non-finite value (`INVALID_ARGUMENT`), more than [`MAX_HISTOGRAM_BINS`] bins or
/// [`MAX_SIMULATIONS`] values (`LIMIT_EXCEEDED`).
#[wasm_bindgen(js_name = summarizePnl)]
pub fn summarize_pnl(pnl: Vec<f64>, bins: usize) -> JsResult<Vec<f64>> {
    summarize_pnl_checked(pnl, bins).map_err(to_js)
}

// ---- Events (mutually exclusive markets) ----------------------------------------------------
// The flat form of an event model (see `EventModel::from_flat`): per market `is_yes`, `event_of`
// (event index or −1) and `state_of`; per event its state probabilities (concatenated in
// `event_probs`) and its number of states (`event_sizes`).

/// Most states of one event (listed outcomes + "none"); mirrors the facade's cap on markets per event.
pub const MAX_EVENT_STATES: usize = 10_001;

fn event_model(is_yes: &[u8], event_of: &[i32], state_of: &[u32], event_probs: &[f64], event_sizes: &[u32]) -> Result<EventModel, HzError> {
    for &s in event_sizes {
        limit("states of an event", s as usize, MAX_EVENT_STATES)?;
    }
    EventModel::from_flat(is_yes, event_of, state_of, event_probs, event_sizes)
}

impl Simulation {
    /// See [`Simulation::with_events`].
    #[allow(clippy::too_many_arguments)]
    pub fn try_new_with_events(
        sizes: Vec<f64>,
        entry_prices: Vec<f64>,
        win_probs: Vec<f64>,
        corr: &[f64],
        is_yes: &[u8],
        event_of: &[i32],
        state_of: &[u32],
        event_probs: &[f64],
        event_sizes: &[u32],
    ) -> Result<Simulation, HzError> {
        let mut sim = Simulation::try_new(sizes, entry_prices, win_probs, corr)?;
        let model = event_model(is_yes, event_of, state_of, event_probs, event_sizes)?;
        if model.len() != sim.sizes.len() {
            return Err(HzError::InvalidArgument("simulation: the event model has another number of markets".into()));
        }
        sim.events = Some(model);
        Ok(sim)
    }
}

#[wasm_bindgen]
impl Simulation {
    /// A simulation whose markets may form events (one state drawn per event and scenario).
    #[wasm_bindgen(js_name = withEvents)]
    #[allow(clippy::too_many_arguments)]
    pub fn with_events(
        sizes: Vec<f64>,
        entry_prices: Vec<f64>,
        win_probs: Vec<f64>,
        corr: &[f64],
        is_yes: &[u8],
        event_of: &[i32],
        state_of: &[u32],
        event_probs: &[f64],
        event_sizes: &[u32],
    ) -> JsResult<Simulation> {
        Simulation::try_new_with_events(sizes, entry_prices, win_probs, corr, is_yes, event_of, state_of, event_probs, event_sizes).map_err(to_js)
    }
}

/// See [`event_outcomes`].
pub fn event_outcomes_checked(
    sizes: &[f64],
    entry: &[f64],
    is_yes: &[u8],
    event_of: &[i32],
    state_of: &[u32],
    event_probs: &[f64],
    event_sizes: &[u32],
) -> Result<Vec<f64>, HzError> {
    let model = event_model(is_yes, event_of, state_of, event_probs, event_sizes)?;
    let (outcomes, worst) = events::event_outcomes(&model, sizes, entry)?;
    let mut out = vec![worst];
    for o in outcomes {
        out.extend_from_slice(&[o.worst, o.best, o.expected]);
        out.extend_from_slice(&o.state_pnl);
    }
    Ok(out)
}

/// Exact event outcomes: `[worst-case P&L of the book, then per event: worst, best, expected, P&L per state…]`.
#[wasm_bindgen(js_name = eventOutcomes)]
pub fn event_outcomes(sizes: &[f64], entry: &[f64], is_yes: &[u8], event_of: &[i32], state_of: &[u32], event_probs: &[f64], event_sizes: &[u32]) -> JsResult<Vec<f64>> {
    event_outcomes_checked(sizes, entry, is_yes, event_of, state_of, event_probs, event_sizes).map_err(to_js)
}

/// See [`kelly_events`].
#[allow(clippy::too_many_arguments)]
pub fn kelly_events_checked(
    prices: &[f64],
    probs: &[f64],
    is_yes: &[u8],
    event_of: &[i32],
    state_of: &[u32],
    event_probs: &[f64],
    event_sizes: &[u32],
    max_total: f64,
    fraction: f64,
    joint: bool,
    corr: &[f64],
    n_scenarios: usize,
    seed: f64,
) -> Result<Vec<f64>, HzError> {
    kelly_scales(max_total, fraction)?;
    let model = event_model(is_yes, event_of, state_of, event_probs, event_sizes)?;
    let n = prices.len();
    if !joint {
        return event_kelly::kelly_events_independent(&model, prices, probs, max_total, fraction);
    }
    limit("joint Kelly markets", n, MAX_COVARIANCE_MARKETS)?;
    limit("joint Kelly nSimulations", n_scenarios, MAX_KELLY_SCENARIOS)?;
    let seed = seed_u64(seed)?;
    let factor = if corr.is_empty() { None } else { Some(factor_of(corr, n)?) };
    event_kelly::kelly_events_joint(&model, prices, probs, max_total, fraction, factor.as_ref(), n_scenarios, seed)
}

/// Kelly fractions when markets form events (`joint` false: per market / per event exactly; true:
/// one log-growth problem over the joint states). Held-side `prices` and `probs`.
#[wasm_bindgen(js_name = kellyEvents)]
#[allow(clippy::too_many_arguments)]
pub fn kelly_events(
    prices: &[f64],
    probs: &[f64],
    is_yes: &[u8],
    event_of: &[i32],
    state_of: &[u32],
    event_probs: &[f64],
    event_sizes: &[u32],
    max_total: f64,
    fraction: f64,
    joint: bool,
    corr: &[f64],
    n_scenarios: usize,
    seed: f64,
) -> JsResult<Vec<f64>> {
    kelly_events_checked(prices, probs, is_yes, event_of, state_of, event_probs, event_sizes, max_total, fraction, joint, corr, n_scenarios, seed).map_err(to_js)
}
