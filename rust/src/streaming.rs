//! Streamed risk statistics: summarising a Monte Carlo run in memory bounded independently of the
//! number of scenarios, bit-identical to [`montecarlo::summarize`] of the whole P&L array.
//!
//! A run is cut into chunks of whole seeding blocks (see [`crate::montecarlo`]). Pass 1 simulates each
//! chunk and keeps only
//! * each block's [`montecarlo::block_sum`], of the P&L as is and scaled by [`HUGE_SCALE`] (the
//!   caller folds them in block order: [`montecarlo::mean_of_block_sums`]);
//! * in a [`TailAccumulator`]: the count, the wins (P&L > 0), min, max and the [`montecarlo::tail_len`]`(n)`
//!   smallest values seen. The n-scenario sample's worst values are among the union of any partition's
//!   worst values, so accumulators of different workers merge exactly ([`TailAccumulator::absorb`]).
//!
//! Pass 2 simulates the same blocks again (same seeds, same P&L) and counts them into the histogram
//! fixed by the global min and max ([`histogram_blocks`]); counts add exactly.
//! [`finish`] then builds the statistics with [`RiskStats::from_parts`], as `summarize` does.
//!
//! Huge P&L (|x| > [`HUGE_PNL`], whose sums could overflow) is summarised scaled by [`HUGE_SCALE`],
//! as [`pnl_scale`] decides from the sample's largest magnitude — the rule of the whole-array path
//! (`bindings::summarize_pnl_checked`); hence pass 1 returns both block sums.
use crate::events::EventModel;
use crate::montecarlo::{self, block_len, block_sum, mean_of_block_sums, Histogram, RiskStats, SimSpec, BLOCK_SIZE};
use std::cmp::Ordering;

/// The exact power of two (2^-128) huge P&L is scaled by before it is summarised (and the
/// statistics scaled back).
pub const HUGE_SCALE: f64 = f64::from_bits((1023 - 128) << 52);
/// Largest |P&L| summarised unscaled, 2^936 = 2^960 / 2^24: sums of at most 2^24 (> 10^7) such
/// values cannot overflow.
pub const HUGE_PNL: f64 = f64::from_bits((1023 + 936) << 52);

/// The scale of a sample whose largest |P&L| is `max_abs`: 1, or [`HUGE_SCALE`] above [`HUGE_PNL`].
#[inline]
pub fn pnl_scale(max_abs: f64) -> f64 {
    if max_abs > HUGE_PNL {
        HUGE_SCALE
    } else {
        1.0
    }
}

/// Count, wins, min, max and the `keep` smallest values (in `total_cmp` order) of the values pushed.
#[derive(Debug, Clone)]
pub struct TailAccumulator {
    keep: usize,
    /// candidates: every value pushed that may be among the `keep` smallest; at most `keep + slack`
    buf: Vec<f64>,
    /// once `buf` held `keep` values: the keep-th smallest so far (values ≥ it can be dropped)
    threshold: Option<f64>,
    count: usize,
    wins: usize,
    lo: f64,
    hi: f64,
}

impl TailAccumulator {
    /// An empty accumulator keeping the `keep` smallest values.
    pub fn new(keep: usize) -> Self {
        TailAccumulator { keep, buf: Vec::new(), threshold: None, count: 0, wins: 0, lo: f64::INFINITY, hi: f64::NEG_INFINITY }
    }

    /// Room beyond `keep` before the candidates are cut back to `keep` (a quarter: each cut is a
    /// linear selection over 1.25·keep values, so the work per value pushed stays O(1)).
    fn limit(&self) -> usize {
        self.keep + (self.keep / 4).max(1024)
    }

    /// Cuts the candidates back to the `keep` smallest and sets the threshold.
    fn compact(&mut self) {
        if self.buf.len() > self.keep && self.keep > 0 {
            self.buf.select_nth_unstable_by(self.keep - 1, |a, b| a.total_cmp(b));
            self.buf.truncate(self.keep);
        }
        if self.keep > 0 && self.buf.len() == self.keep {
            // After the selection, the largest kept value: any later value not below it changes nothing.
            let t = self.buf.iter().copied().max_by(|a, b| a.total_cmp(b));
            self.threshold = t;
        }
    }

    #[inline]
    fn candidate(&mut self, v: f64) {
        if self.keep == 0 {
            return;
        }
        if let Some(t) = self.threshold {
            // A value equal to the threshold is dropped: the kept multiset of the `keep` smallest is unchanged.
            if v.total_cmp(&t) != Ordering::Less {
                return;
            }
        }
        if self.buf.capacity() == 0 {
            self.buf.reserve_exact(self.limit());
        }
        self.buf.push(v);
        if self.buf.len() >= self.limit() {
            self.compact();
        }
    }

    /// Adds scenario P&L values.
    pub fn push_slice(&mut self, values: &[f64]) {
        for &v in values {
            self.count += 1;
            self.wins += (v > 0.0) as usize;
            if v.total_cmp(&self.lo) == Ordering::Less {
                self.lo = v;
            }
            if v.total_cmp(&self.hi) == Ordering::Greater {
                self.hi = v;
            }
            self.candidate(v);
        }
    }

    /// Scenarios pushed (or absorbed).
    pub fn count(&self) -> usize {
        self.count
    }

    /// `[count, wins, min, max]` (min = +∞, max = −∞ when empty).
    pub fn header(&self) -> [f64; 4] {
        [self.count as f64, self.wins as f64, self.lo, self.hi]
    }

    /// The kept values, ascending (at most `keep`), leaving the accumulator empty of candidates.
    pub fn take_sorted(&mut self) -> Vec<f64> {
        self.compact();
        let mut v = std::mem::take(&mut self.buf);
        v.sort_unstable_by(|a, b| a.total_cmp(b));
        self.threshold = None;
        v
    }

    /// The flat form `[count, wins, min, max, kept values ascending…]`, resetting the accumulator.
    pub fn take_flat(&mut self) -> Vec<f64> {
        let head = self.header();
        let mut kept = self.take_sorted();
        // Build in place: the kept values are the bulk; prepend the header.
        kept.splice(0..0, head);
        *self = TailAccumulator::new(self.keep);
        kept
    }

    /// Merges another accumulator's flat form (see [`TailAccumulator::take_flat`]). The result is the
    /// same as if this one had been pushed the other's values. Malformed input (shorter than the
    /// header) is ignored.
    pub fn absorb(&mut self, flat: &[f64]) {
        if flat.len() < 4 || !(flat[0] > 0.0) {
            return;
        }
        self.count += flat[0] as usize;
        self.wins += flat[1] as usize;
        if flat[2].total_cmp(&self.lo) == Ordering::Less {
            self.lo = flat[2];
        }
        if flat[3].total_cmp(&self.hi) == Ordering::Greater {
            self.hi = flat[3];
        }
        for &v in &flat[4..] {
            self.candidate(v);
        }
    }
}

/// Pass 1 over blocks `first_block .. first_block + n_blocks` of a run of `n_total` scenarios: pushes
/// their P&L into `acc` and returns, per block, `[block_sum, block_sum of the values × HUGE_SCALE]`.
pub fn accumulate_blocks(
    spec: &SimSpec,
    events: Option<&EventModel>,
    seed: u64,
    n_total: usize,
    first_block: usize,
    n_blocks: usize,
    acc: &mut TailAccumulator,
) -> Vec<f64> {
    let mut sums = Vec::with_capacity(2 * n_blocks);
    for_each_block(spec, events, seed, n_total, first_block, n_blocks, |block| {
        sums.push(block_sum(block));
        // Exactly what the whole-array path sums when it scales: each value scaled, then added.
        let mut s = 0.0;
        for &v in block {
            s += v * HUGE_SCALE;
        }
        sums.push(s);
        acc.push_slice(block);
    });
    sums
}

/// Pass 2 over blocks `first_block .. first_block + n_blocks`: their counts in the histogram of `bins`
/// bins of a run whose min and max are `lo` and `hi` (both unscaled; scaled here as [`finish`] does).
#[allow(clippy::too_many_arguments)]
pub fn histogram_blocks(
    spec: &SimSpec,
    events: Option<&EventModel>,
    seed: u64,
    n_total: usize,
    first_block: usize,
    n_blocks: usize,
    lo: f64,
    hi: f64,
    bins: usize,
) -> Vec<f64> {
    let scale = pnl_scale(lo.abs().max(hi.abs()));
    let mut h = Histogram::new(lo * scale, hi * scale, bins);
    for_each_block(spec, events, seed, n_total, first_block, n_blocks, |block| {
        if scale == 1.0 {
            block.iter().for_each(|&v| h.add(v));
        } else {
            block.iter().for_each(|&v| h.add(v * scale));
        }
    });
    h.counts
}

/// Calls `f` with the P&L of each block `first_block .. first_block + n_blocks` in turn, through one
/// block-sized buffer (so memory does not grow with the chunk).
fn for_each_block(spec: &SimSpec, events: Option<&EventModel>, seed: u64, n_total: usize, first_block: usize, n_blocks: usize, mut f: impl FnMut(&[f64])) {
    let mut pnl = Vec::with_capacity(BLOCK_SIZE);
    for b in first_block..first_block.saturating_add(n_blocks) {
        let len = block_len(n_total, b);
        if len == 0 {
            break;
        }
        pnl.clear();
        pnl.resize(len, 0.0);
        montecarlo::simulate_blocks_with_events(spec, events, seed, n_total, b, &mut pnl);
        f(&pnl);
    }
}

/// The statistics of a streamed run of `n` ≥ 1 scenarios: `acc` holds every scenario (merged),
/// `block_sums` the pairs of [`accumulate_blocks`] for blocks 0, 1, … in order, `counts` the summed
/// counts of [`histogram_blocks`]. Returns the statistics (scaled when huge) and the scale; equal to
/// `summarize` of the whole array (scaled by the same rule).
pub fn finish(n: usize, bins: usize, acc: &mut TailAccumulator, block_sums: &[f64], counts: &[f64]) -> (RiskStats, f64) {
    if n == 0 {
        return (RiskStats::empty(), 1.0);
    }
    let [_, wins, lo, hi] = acc.header();
    let scale = pnl_scale(lo.abs().max(hi.abs()));
    let pick = if scale == 1.0 { 0 } else { 1 };
    let expected = mean_of_block_sums(block_sums.iter().skip(pick).step_by(2).copied(), n);
    let mut worst = acc.take_sorted();
    if scale != 1.0 {
        worst.iter_mut().for_each(|v| *v *= scale);
    }
    let mut h = Histogram::new(lo * scale, hi * scale, bins);
    for (c, &x) in h.counts.iter_mut().zip(counts) {
        *c = x;
    }
    (RiskStats::from_parts(n, expected, &worst, wins as usize, lo * scale, hi * scale, h), scale)
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::montecarlo::{summarize, tail_len};

    fn lcg(seed: &mut u64) -> f64 {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((*seed >> 11) as f64) / 9_007_199_254_740_992.0
    }

    /// Streams `values` in uneven chunks over `parts` accumulators, then compares with `summarize`.
    fn check(values: &[f64], bins: usize, parts: usize) {
        let n = values.len();
        let mut accs: Vec<TailAccumulator> = (0..parts).map(|_| TailAccumulator::new(tail_len(n))).collect();
        let mut sums = Vec::new();
        for (b, block) in values.chunks(BLOCK_SIZE).enumerate() {
            sums.push(block_sum(block));
            sums.push(block.iter().fold(0.0, |s, &v| s + v * HUGE_SCALE));
            accs[(b * 7 + 3) % parts].push_slice(block);
        }
        let mut main = accs.remove(0);
        for mut a in accs {
            let flat = a.take_flat();
            main.absorb(&flat);
        }
        let [_, _, lo, hi] = main.header();
        let scale = pnl_scale(lo.abs().max(hi.abs()));
        let mut h = Histogram::new(lo * scale, hi * scale, bins);
        values.iter().for_each(|&v| h.add(v * scale));
        let (s, sc) = finish(n, bins, &mut main, &sums, &h.counts);
        let mut all: Vec<f64> = values.iter().map(|&v| v * sc).collect();
        let full = summarize(&mut all, bins);
        assert_eq!(format!("{s:?}"), format!("{full:?}"));
        assert_eq!(s.expected_pnl.to_bits(), full.expected_pnl.to_bits());
        assert_eq!(s.cvar95.to_bits(), full.cvar95.to_bits());
        assert_eq!(s.cvar99.to_bits(), full.cvar99.to_bits());
    }

    #[test]
    fn streamed_equals_whole_array() {
        let mut seed = 1u64;
        for &n in &[1usize, 2, 7, 19, 20, 21, 100, 1000, 8192, 8193, 50_000, 100_003] {
            let v: Vec<f64> = (0..n).map(|_| (lcg(&mut seed) - 0.6) * 1000.0).collect();
            for parts in [1, 2, 3] {
                check(&v, 50, parts);
            }
            // ties: a few distinct values
            let t: Vec<f64> = (0..n).map(|_| ((lcg(&mut seed) * 5.0).floor() - 2.0) * 3.5).collect();
            check(&t, 50, 2);
            // all equal
            check(&vec![-2.25; n], 50, 2);
            check(&vec![0.0; n], 7, 3);
            // huge values (scaled path)
            let hv: Vec<f64> = (0..n).map(|_| (lcg(&mut seed) - 0.5) * 1e300).collect();
            check(&hv, 50, 2);
        }
    }

    /// Orders and values that stress the candidate buffer: descending runs (every value a new
    /// candidate, compaction after compaction), ties at the cut, signed zeros, subnormals.
    #[test]
    fn adversarial_orders_and_values() {
        for &n in &[1usize, 20, 21, 8191, 8193, 40_000, 70_001] {
            let desc: Vec<f64> = (0..n).map(|i| (n - i) as f64 - 0.5 * n as f64).collect();
            check(&desc, 50, 3);
            let asc: Vec<f64> = desc.iter().rev().copied().collect();
            check(&asc, 1, 2);
            // half the values equal to the value at the cut, the rest around it
            let cut: Vec<f64> = (0..n).map(|i| if i % 2 == 0 { -1.0 } else { (i % 7) as f64 - 3.0 }).collect();
            check(&cut, 50, 3);
            let zeros: Vec<f64> = (0..n).map(|i| [0.0, -0.0, 5e-324, -5e-324][i % 4]).collect();
            check(&zeros, 50, 2);
            check(&zeros, 1, 3);
            // sawtooth: descending blocks, each a little lower
            let saw: Vec<f64> = (0..n).map(|i| -((i / 1000) as f64) * 0.25 - (1000 - i % 1000) as f64).collect();
            check(&saw, 50, 3);
        }
    }

    /// The engine's own passes (uneven chunks over two accumulators, one absorbing the other) equal
    /// `summarize` of the simulated P&L array, for independent and copula books.
    #[test]
    fn passes_equal_summarize_of_the_simulation() {
        let n = 13;
        let sizes: Vec<f64> = (0..n).map(|i| 10.0 + 7.0 * i as f64).collect();
        let entries: Vec<f64> = (0..n).map(|i| 0.1 + 0.06 * i as f64).collect();
        let probs: Vec<f64> = (0..n).map(|i| 0.9 - 0.05 * i as f64).collect();
        let corr: Vec<f64> = (0..n * n).map(|k| if k / n == k % n { 1.0 } else { 0.35 }).collect();
        let factor = crate::correlation::copula_factor(ndarray::ArrayView2::from_shape((n, n), &corr).unwrap());
        for factor in [None, Some(&factor)] {
            let spec = SimSpec { sizes: &sizes, entry_prices: &entries, win_probs: &probs, factor };
            for &total in &[5usize, 8192, 50_001] {
                let n_blocks = total.div_ceil(BLOCK_SIZE);
                let mut all = vec![0.0; total];
                montecarlo::simulate_blocks(&spec, 9, total, 0, &mut all);
                let full = summarize(&mut all.clone(), 50);
                let keep = tail_len(total);
                let (mut a, mut b) = (TailAccumulator::new(keep), TailAccumulator::new(keep));
                let mut sums = vec![0.0; 2 * n_blocks];
                let mut first = 0;
                for (c, width) in [1usize, 2, 1, 3].iter().cycle().enumerate() {
                    if first >= n_blocks {
                        break;
                    }
                    let nb = (*width).min(n_blocks - first);
                    let acc = if c % 2 == 0 { &mut a } else { &mut b };
                    let s = accumulate_blocks(&spec, None, 9, total, first, nb, acc);
                    sums[2 * first..2 * (first + nb)].copy_from_slice(&s);
                    first += nb;
                }
                a.absorb(&b.take_flat());
                let [_, _, lo, hi] = a.header();
                let mut counts = vec![0.0; 50];
                for blk in 0..n_blocks {
                    let c = histogram_blocks(&spec, None, 9, total, blk, 1, lo, hi, 50);
                    counts.iter_mut().zip(&c).for_each(|(x, y)| *x += y);
                }
                let (s, scale) = finish(total, 50, &mut a, &sums, &counts);
                assert_eq!(scale, 1.0);
                assert_eq!(format!("{s:?}"), format!("{full:?}"), "total {total}, copula {}", factor.is_some());
            }
        }
    }

    /// The VaR index of both levels is inside the kept tail for large runs too (k = (1 − β)·n is
    /// rarely an integer there; the index arithmetic is that of `var_cvar_tail`).
    #[test]
    fn tail_len_covers_both_levels_at_large_n() {
        let mut seed = 5u64;
        let mut ns: Vec<usize> = Vec::new();
        for c in [1_000_000usize, 2_000_000, 10_000_000, 1 << 24] {
            ns.extend(c - 50..c + 50);
        }
        ns.extend((0..20_000).map(|_| 5000 + (lcg(&mut seed) * 2e7) as usize));
        for n in ns {
            let m = tail_len(n);
            for beta in [0.95, 0.99] {
                let k = montecarlo::tail_count(beta, n);
                let i = ((k.ceil() as usize).max(1) - 1).min(n - 1);
                assert!(i < m, "n {n}, β {beta}: index {i}, kept {m}");
            }
            assert!(m <= n / 20 + 2, "n {n}: keeps {m}");
        }
    }

    #[test]
    fn tail_len_covers_both_levels() {
        for n in 1..5000 {
            let m = tail_len(n);
            assert!(m >= 1 && m <= n);
            let mut v: Vec<f64> = (0..n).map(|x| x as f64).collect();
            let full = summarize(&mut v, 5);
            let (a, b) = montecarlo::var_cvar_tail(&v[..m], n, 0.95);
            let (c, d) = montecarlo::var_cvar_tail(&v[..m], n, 0.99);
            assert_eq!((a, b, c, d), (full.var95, full.cvar95, full.var99, full.cvar99));
        }
    }
}

#[cfg(test)]
mod boundary_tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use crate::bindings::{summarize_pnl_checked, Simulation};
    use crate::montecarlo::BLOCK_SIZE;

    /// The streamed statistics as the pool computes them (chunks of `step` blocks dealt round-robin
    /// over `lanes` simulations, summaries absorbed by the first), against `summarizePnl` of the
    /// whole simulated array: the engine's two public paths, bit for bit.
    fn streamed_vs_whole(sizes: &[f64], entries: &[f64], probs: &[f64], n: usize, bins: usize, lanes: usize, step: usize) {
        let new = || Simulation::try_new(sizes.to_vec(), entries.to_vec(), probs.to_vec(), &[]).unwrap();
        let whole = summarize_pnl_checked(new().try_simulate(7.0, n, 0, n.div_ceil(BLOCK_SIZE)).unwrap(), bins).unwrap();
        let mut sims: Vec<Simulation> = (0..lanes).map(|_| new()).collect();
        let n_blocks = n.div_ceil(BLOCK_SIZE);
        let mut sums = vec![0.0; 2 * n_blocks];
        for (c, first) in (0..n_blocks).step_by(step).enumerate() {
            let s = sims[c % lanes].try_accumulate(7.0, n, first, step).unwrap();
            sums[2 * first..2 * first + s.len()].copy_from_slice(&s);
        }
        let (anchor, rest) = sims.split_first_mut().unwrap();
        for s in rest {
            anchor.absorb_summary(n, &s.take_summary());
        }
        let range = anchor.summary_range();
        let mut counts = vec![0.0; bins.max(1)];
        for first in (0..n_blocks).step_by(step) {
            let c = anchor.try_histogram(7.0, n, first, step, range[2], range[3], bins).unwrap();
            counts.iter_mut().zip(&c).for_each(|(x, y)| *x += y);
        }
        let streamed = anchor.try_finish_stats(n, bins, &sums, &counts).unwrap();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&streamed), bits(&whole), "n {n}, bins {bins}, lanes {lanes}, step {step}: {streamed:?} vs {whole:?}");
    }

    #[test]
    fn huge_book_counts_tiny_wins_in_both_paths() {
        // Two huge positions that cancel exactly when one wins and the other loses, plus a tiny sure
        // win: half the scenarios end at +5e-301 > 0 while |P&L| reaches 2^1000 (the scaled
        // path, where 5e-301 · 2^-128 underflows to 0). A win is a P&L > 0 as simulated
        // (3/4 of the scenarios: those and the quarter where both huge positions win).
        let big = 2f64.powi(1000);
        let (sizes, entries, probs) = ([big, big, 1e-300], [0.5, 0.5, 0.5], [0.5, 0.5, 1.0]);
        for n in [1usize, 3, BLOCK_SIZE, BLOCK_SIZE + 1, 3 * BLOCK_SIZE - 5] {
            streamed_vs_whole(&sizes, &entries, &probs, n, 1, 2, 1);
            streamed_vs_whole(&sizes, &entries, &probs, n, 9, 3, 2);
        }
        let whole = summarize_pnl_checked(
            Simulation::try_new(sizes.to_vec(), entries.to_vec(), probs.to_vec(), &[]).unwrap().try_simulate(7.0, 4000, 0, 1).unwrap(),
            5,
        )
        .unwrap();
        assert!((whole[5] - 0.75).abs() < 0.03, "win probability {}", whole[5]);
    }

    #[test]
    fn ordinary_books_at_block_boundaries() {
        let sizes: Vec<f64> = (0..7).map(|i| 10.0 + 13.0 * i as f64).collect();
        let entries: Vec<f64> = (0..7).map(|i| 0.15 + 0.1 * i as f64).collect();
        let probs: Vec<f64> = (0..7).map(|i| 0.8 - 0.09 * i as f64).collect();
        for n in [1usize, 2, 19, 20, 21, 39, 40, 41, BLOCK_SIZE - 1, BLOCK_SIZE, BLOCK_SIZE + 1, 2 * BLOCK_SIZE + 7] {
            for (lanes, step) in [(1, 1), (2, 1), (3, 1), (4, 2), (3, 5)] {
                for bins in [1, 2, 50] {
                    streamed_vs_whole(&sizes, &entries, &probs, n, bins, lanes, step);
                }
            }
        }
    }
}
