//! Joint Kelly: maximise expected log growth over outcome scenarios.
//!
//! maximise G(f) = Σ_s P(s)·log(1 + Σ_i f_i·r_i(s)) over f ≥ 0, Σ f ≤ max_total, where
//! r_i(s) = (1 − P_i)/P_i if market i's held side wins in s and −1 otherwise (P_i = held price).
//!
//! Scenarios: exact enumeration of the 2^n outcomes (P(s) = Π p_i or (1 − p_i)) when `factor` is None
//! and at most 16 markets can matter; otherwise `n_scenarios` Monte Carlo scenarios generated with
//! [`crate::montecarlo::outcome_blocks`] (same block seeding as the P&L simulation; copula when a factor
//! is given), identical outcome patterns merged, P(s) = count/n. Scenarios with P(s) = 0 are dropped.
//!
//! Optimiser: primal active-set Newton method. Working set = {f_i = 0 fixed} ∪ {Σf = max_total};
//! Newton steps on the free variables (Hessian with a tiny ridge, equality-constrained when the budget
//! is active), a fraction-to-boundary rule that keeps every scenario's wealth 1 + f·r(s) > 0, Armijo
//! backtracking, and KKT multiplier checks to release constraints. It converges quadratically, so the
//! result is exact to ~1e-12 for well-conditioned problems (e.g. the single-market closed form
//! f = (p − P)/(1 − P)). For speed (issue 17): the Hessian is a weighted Gram product of the packed
//! outcomes through nibble-pair tables (chunked over scenarios), bounds are released at most
//! [`RELEASE_BATCH`] at a time, and large scenario sets are warm-started from a strided subsample;
//! none of these changes the optimum beyond the solver's tolerance, and all are deterministic.
//!
//! Degenerate markets (decided before optimising, one line each):
//! * price P = 1: the bet can only lose or break even → f = 0.
//! * held probability p = 0: never wins → f = 0.
//! * price P = 0: the odds are infinite; P is replaced by 1e-12 (the continuous limit, f → p for one market).
//! * p = 1 > P: a sure win. Log growth would be unbounded (f up to `max_total`, leverage included);
//!   p is replaced by 1 − 1e-12 (the continuous limit), which gives the closed form's all-in f → 1, so
//!   the joint total never exceeds the independent formula's on independent markets.
use crate::correlation::CopulaFactor;
use crate::events::EventModel;
use crate::montecarlo;
use crate::{HzError, Result};

/// Largest number of relevant markets solved by exact enumeration (2^16 = 65 536 outcomes).
pub const MAX_EXACT_MARKETS: usize = 16;
/// Prices below this are treated as this (infinite-odds limit).
pub const MIN_PRICE: f64 = 1e-12;
/// Held probabilities above this are treated as this (the sure-win limit).
pub const MAX_PROB: f64 = 1.0 - 1e-12;

/// Weighted outcome scenarios of the relevant markets, bit-packed (`words` u64 per scenario).
pub(crate) struct Scenarios {
    pub(crate) words: usize,
    pub(crate) bits: Vec<u64>,
    pub(crate) w: Vec<f64>,
}

impl Scenarios {
    fn len(&self) -> usize {
        self.w.len()
    }
}

/// `prices`/`probs`: held-side. Exact 2^N enumeration when `factor` is None and N ≤ 16, Monte Carlo
/// (`n_scenarios`, `seed`) otherwise. Returns the optimum f ≥ 0, Σf ≤ max_total (before any fraction).
pub fn joint_kelly(prices: &[f64], probs: &[f64], max_total: f64, factor: Option<&CopulaFactor>, n_scenarios: usize, seed: u64) -> Result<Vec<f64>> {
    let n = prices.len();
    if probs.len() != n {
        return Err(HzError::InvalidArgument(format!(
            "kelly: prices and probabilities differ in length ({n} vs {})",
            probs.len()
        )));
    }
    for i in 0..n {
        if !(prices[i].is_finite() && (0.0..=1.0).contains(&prices[i])) {
            return Err(HzError::InvalidPrice(format!("market {i}: price must be a finite number in [0, 1], got {}", prices[i])));
        }
        if !(probs[i].is_finite() && (0.0..=1.0).contains(&probs[i])) {
            return Err(HzError::InvalidProbability(format!(
                "market {i}: probability must be a finite number in [0, 1], got {}",
                probs[i]
            )));
        }
    }
    if !(max_total.is_finite() && max_total > 0.0) {
        return Err(HzError::InvalidArgument(format!("kelly: maxTotal must be a finite number > 0, got {max_total}")));
    }
    if let Some(f) = factor {
        if f.l.nrows() != n {
            return Err(HzError::InvalidArgument(format!(
                "kelly: correlation has {} rows for {n} markets",
                f.l.nrows()
            )));
        }
    }
    let mut out = vec![0.0; n];
    // Markets that can matter: some chance to win and a price below 1.
    let rel: Vec<usize> = (0..n).filter(|&i| probs[i] > 0.0 && prices[i] < 1.0).collect();
    if rel.is_empty() {
        return Ok(out);
    }
    let exact = factor.is_none() && rel.len() <= MAX_EXACT_MARKETS;
    if !exact && n_scenarios == 0 {
        return Err(HzError::InvalidArgument("kelly: nScenarios must be ≥ 1".into()));
    }
    let scen = if exact {
        enumerate(&rel.iter().map(|&i| probs[i].min(MAX_PROB)).collect::<Vec<_>>())
    } else {
        sample(probs, factor, None, &rel, n_scenarios, seed)
    };
    let a: Vec<f64> = rel.iter().map(|&i| 1.0 / prices[i].max(MIN_PRICE)).collect();
    let f = optimise(&scen, &a, max_total);
    for (k, &i) in rel.iter().enumerate() {
        out[i] = f[k];
    }
    Ok(out)
}

/// All 2^m outcomes of m independent markets with positive probability.
fn enumerate(p: &[f64]) -> Scenarios {
    let m = p.len();
    let mut bits = Vec::with_capacity(1 << m);
    let mut w = Vec::with_capacity(1 << m);
    for s in 0u64..(1u64 << m) {
        let mut prob = 1.0;
        for (i, &pi) in p.iter().enumerate() {
            prob *= if (s >> i) & 1 == 1 { pi } else { 1.0 - pi };
        }
        if prob > 0.0 {
            bits.push(s);
            w.push(prob);
        }
    }
    Scenarios { words: 1, bits, w }
}

/// Monte Carlo outcomes (all markets simulated, as in the P&L simulation), projected on the relevant
/// markets and merged.
/// With `events`, each scenario draws one state per event (see [`crate::montecarlo`]).
pub(crate) fn sample(probs: &[f64], factor: Option<&CopulaFactor>, events: Option<&EventModel>, rel: &[usize], n_scen: usize, seed: u64) -> Scenarios {
    let n = probs.len();
    let wf = montecarlo::outcome_words(n);
    let wr = montecarlo::outcome_words(rel.len());
    let mut packed = vec![0u64; n_scen * wr];
    let chunk_blocks = 16;
    let mut buf = vec![0u64; chunk_blocks * montecarlo::BLOCK_SIZE * wf];
    let n_blocks = n_scen.div_ceil(montecarlo::BLOCK_SIZE);
    let mut b = 0;
    while b < n_blocks {
        let nb = chunk_blocks.min(n_blocks - b);
        let start = b * montecarlo::BLOCK_SIZE;
        let cnt = (n_scen - start).min(nb * montecarlo::BLOCK_SIZE);
        let out = &mut buf[..cnt * wf];
        montecarlo::outcome_blocks_with_events(probs, factor, events, seed, n_scen, b, out);
        for s in 0..cnt {
            let src = &out[s * wf..(s + 1) * wf];
            let dst = &mut packed[(start + s) * wr..(start + s + 1) * wr];
            for (k, &i) in rel.iter().enumerate() {
                if (src[i / 64] >> (i % 64)) & 1 == 1 {
                    dst[k / 64] |= 1u64 << (k % 64);
                }
            }
        }
        b += nb;
    }
    // Merge identical patterns (sorted, so the order and the weights are deterministic).
    let mut idx: Vec<usize> = (0..n_scen).collect();
    idx.sort_unstable_by(|&x, &y| packed[x * wr..(x + 1) * wr].cmp(&packed[y * wr..(y + 1) * wr]));
    let mut bits = Vec::new();
    let mut w = Vec::new();
    let inv = 1.0 / n_scen as f64;
    let mut k = 0;
    while k < n_scen {
        let key = &packed[idx[k] * wr..(idx[k] + 1) * wr];
        let mut c = 1;
        while k + c < n_scen && &packed[idx[k + c] * wr..(idx[k + c] + 1) * wr] == key {
            c += 1;
        }
        bits.extend_from_slice(key);
        w.push(c as f64 * inv);
        k += c;
    }
    Scenarios { words: wr, bits, w }
}

/// Dense SPD solve by Cholesky (a is k×k row-major, overwritten). Returns false if not SPD.
fn cholesky_in_place(a: &mut [f64], k: usize) -> bool {
    for j in 0..k {
        let mut d = a[j * k + j];
        for m in 0..j {
            d -= a[j * k + m] * a[j * k + m];
        }
        if !(d > 0.0) || !d.is_finite() {
            return false;
        }
        let d = d.sqrt();
        a[j * k + j] = d;
        for i in j + 1..k {
            let mut s = a[i * k + j];
            for m in 0..j {
                s -= a[i * k + m] * a[j * k + m];
            }
            a[i * k + j] = s / d;
        }
    }
    true
}

fn cholesky_solve(l: &[f64], k: usize, b: &[f64]) -> Vec<f64> {
    let mut y = b.to_vec();
    for i in 0..k {
        let mut s = y[i];
        for m in 0..i {
            s -= l[i * k + m] * y[m];
        }
        y[i] = s / l[i * k + i];
    }
    for i in (0..k).rev() {
        let mut s = y[i];
        for m in i + 1..k {
            s -= l[m * k + i] * y[m];
        }
        y[i] = s / l[i * k + i];
    }
    y
}

struct Solver<'a> {
    sc: &'a Scenarios,
    a: &'a [f64],
    m: usize,
}

impl Solver<'_> {
    /// Bit mask (per word) of a set of market indices.
    fn mask(&self, set: &[usize]) -> Vec<u64> {
        let mut m = vec![0u64; self.sc.words];
        for &i in set {
            m[i / 64] |= 1u64 << (i % 64);
        }
        m
    }

    /// Calls `visit(i)` for every market i in `mask` whose held side wins in scenario s (ascending i).
    #[inline(always)]
    fn for_wins(&self, s: usize, mask: &[u64], mut visit: impl FnMut(usize)) {
        let w = self.sc.words;
        for (k, &mk) in mask.iter().enumerate() {
            let mut x = self.sc.bits[s * w + k] & mk;
            while x != 0 {
                visit(k * 64 + x.trailing_zeros() as usize);
                x &= x - 1;
            }
        }
    }

    /// Wealth 1 + f·r(s) of every scenario, with `support` the indices where f ≠ 0.
    fn wealth(&self, f: &[f64], support: &[usize], wealth: &mut [f64]) {
        let total: f64 = support.iter().map(|&i| f[i]).sum();
        self.linear(support, &|i| f[i], 1.0 - total, wealth);
    }

    /// Change of wealth along direction d (on `free`).
    fn wealth_dir(&self, d: &[f64], free: &[usize], dw: &mut [f64]) {
        let mut full = vec![0.0; self.m];
        for (c, &i) in free.iter().enumerate() {
            full[i] = d[c];
        }
        let total: f64 = d.iter().sum();
        self.linear(free, &|i| full[i], -total, dw);
    }

    /// out_s = base + Σ_{i ∈ set, i wins in s} v(i)·a_i.
    ///
    /// Why byte tables: walking each scenario's winners costs a branchy bit loop per win; instead
    /// every byte of the packed outcome word that holds a market of `set` gets a 256-entry table of
    /// partial sums (table[b] = table[b without its lowest bit] + that bit's term, a fixed order),
    /// and each scenario adds one table entry per such byte, in ascending byte order.
    fn linear(&self, set: &[usize], v: &dyn Fn(usize) -> f64, base: f64, out: &mut [f64]) {
        let mask = self.mask(set);
        let mut va = vec![0.0; self.m];
        for &i in set {
            va[i] = v(i) * self.a[i];
        }
        let w = self.sc.words;
        // (word, shift) of the bytes that hold a market of `set`, and their tables.
        let mut bytes: Vec<(usize, u32)> = Vec::new();
        let mut tables: Vec<f64> = Vec::new();
        for (k, &mk) in mask.iter().enumerate() {
            for b in 0..8u32 {
                let mb = (mk >> (8 * b)) & 0xff;
                if mb == 0 {
                    continue;
                }
                bytes.push((k, 8 * b));
                let off = tables.len();
                tables.resize(off + 256, 0.0);
                for x in 1..256usize {
                    let low = x.trailing_zeros() as usize;
                    let rest = tables[off + (x & (x - 1))];
                    let i = k * 64 + 8 * b as usize + low;
                    tables[off + x] = if (mb >> low) & 1 == 1 { rest + va[i] } else { rest };
                }
            }
        }
        for (s, o) in out.iter_mut().enumerate() {
            let row = &self.sc.bits[s * w..(s + 1) * w];
            let mut acc = base;
            for (t, &(k, sh)) in bytes.iter().enumerate() {
                acc += tables[t * 256 + ((row[k] >> sh) & 0xff) as usize];
            }
            *o = acc;
        }
    }

    /// (φ'(α), φ''(α)) of φ(α) = Σ w log(W + α ΔW).
    fn dphi(&self, wealth: &[f64], dw: &[f64], alpha: f64) -> (f64, f64) {
        let mut d1 = 0.0;
        let mut d2 = 0.0;
        for ((&w, &x), &dx) in self.sc.w.iter().zip(wealth).zip(dw) {
            let q = dx / (x + alpha * dx);
            d1 += w * q;
            d2 -= w * q * q;
        }
        if d1.is_nan() {
            d1 = f64::NEG_INFINITY;
        }
        (d1, d2)
    }

    /// argmax of the concave φ on (0, hi) where φ'(0) = `d0` > 0 and φ'(hi) < 0 (or hi is the
    /// boundary of the domain): safeguarded Newton on φ'.
    fn line_max(&self, wealth: &[f64], dw: &[f64], hi: f64, d0: f64) -> f64 {
        let (mut lo, mut up) = (0.0f64, hi);
        let mut alpha = if hi > 1.0 { 1.0 } else { 0.5 * hi };
        for _ in 0..100 {
            let (v, h) = self.dphi(wealth, dw, alpha);
            if v.abs() <= 1e-13 * d0 {
                return alpha;
            }
            if v > 0.0 {
                lo = alpha;
            } else {
                up = alpha;
            }
            if up - lo <= 1e-15 * up {
                return lo;
            }
            let newton = if h < 0.0 && v.is_finite() { alpha - v / h } else { f64::NAN };
            alpha = if newton > lo && newton < up { newton } else { 0.5 * (lo + up) };
        }
        lo
    }

    /// Gradient of G for all markets.
    fn gradient(&self, wealth: &[f64]) -> Vec<f64> {
        let all: Vec<usize> = (0..self.m).collect();
        let mask = self.mask(&all);
        let mut a0 = 0.0;
        let mut ai = vec![0.0; self.m];
        for (s, (&w, &x)) in self.sc.w.iter().zip(wealth).enumerate() {
            let t = w / x;
            a0 += t;
            self.for_wins(s, &mask, |i| ai[i] += t);
        }
        (0..self.m).map(|i| self.a[i] * ai[i] - a0).collect()
    }

    /// Gradient and negated Hessian (positive semi-definite) restricted to `free`.
    ///
    /// The sums A_c = Σ_s t_s·x_sc and B_cd = Σ_s t2_s·x_sc·x_sd (t = w/W, t2 = t/W, x = 0/1 win
    /// matrix) form a weighted Gram product of the bit-packed outcome matrix. Scalar per-scenario
    /// outer products of the winners cost ~|wins|²/2 scattered adds per scenario; instead the free
    /// markets are cut into nibbles of 4 (one byte per scenario and nibble) and, for every pair of
    /// nibbles, each scenario adds its weight to one cell of a 16×16 table (`gram_pair`), which is
    /// expanded into the 4×4 block of B afterwards: (k/4)²/2 adds per scenario instead of
    /// ~k²/8, streamed from L1-resident tables. Every sum runs in scenario order per table and the
    /// expansion in a fixed order, so the result is deterministic.
    fn derivatives(&self, wealth: &[f64], free: &[usize]) -> (Vec<f64>, Vec<f64>) {
        let k = free.len();
        let ns = self.sc.len();
        let mask = self.mask(free);
        let mut pos = vec![0usize; self.m];
        for (c, &i) in free.iter().enumerate() {
            pos[i] = c;
        }
        let groups = k.div_ceil(4);
        let mut a0 = 0.0;
        let mut b0 = 0.0;
        let mut ai = vec![0.0; k];
        let mut bij = vec![0.0; k * k];
        let mut table = vec![0.0f64; 256];
        // Scenarios in chunks of GRAM_CHUNK, so the nibble matrix (k/4 bytes per scenario) and the
        // weights stay bounded (~35 MB at 1 000 free markets) whatever the scenario count; each
        // chunk's expanded sums are added to A and B in chunk order (deterministic).
        let chunk = GRAM_CHUNK.min(ns.max(1));
        let mut nib = vec![0u8; groups * chunk];
        let mut t = vec![0.0; chunk];
        let mut t2 = vec![0.0; chunk];
        let mut s0 = 0;
        while s0 < ns {
            let cn = chunk.min(ns - s0);
            nib[..groups * cn].fill(0);
            for s in 0..cn {
                let (w, x) = (self.sc.w[s0 + s], wealth[s0 + s]);
                let ts = w / x;
                let t2s = ts / x;
                a0 += ts;
                b0 += t2s;
                t[s] = ts;
                t2[s] = t2s;
                self.for_wins(s0 + s, &mask, |i| {
                    let c = pos[i];
                    nib[(c / 4) * cn + s] |= 1u8 << (c % 4);
                });
            }
            let (t, t2) = (&t[..cn], &t2[..cn]);
            for g1 in 0..groups {
                let r1 = &nib[g1 * cn..(g1 + 1) * cn];
                // Diagonal block and gradient: 16-entry tables of t and t2 per nibble value.
                let mut tt = [0.0f64; 16];
                let mut tt2 = [0.0f64; 16];
                for s in 0..cn {
                    let v = (r1[s] & 15) as usize;
                    tt[v] += t[s];
                    tt2[v] += t2[s];
                }
                let c0 = g1 * 4;
                let width1 = 4.min(k - c0);
                for i in 0..width1 {
                    ai[c0 + i] += (0..16).filter(|v| v >> i & 1 == 1).map(|v| tt[v]).sum::<f64>();
                    for j in i..width1 {
                        bij[(c0 + i) * k + c0 + j] += (0..16).filter(|v| v >> i & 1 == 1 && v >> j & 1 == 1).map(|v| tt2[v]).sum::<f64>();
                    }
                }
                for g2 in g1 + 1..groups {
                    let r2 = &nib[g2 * cn..(g2 + 1) * cn];
                    gram_pair(r1, r2, t2, &mut table);
                    let d0 = g2 * 4;
                    let width2 = 4.min(k - d0);
                    // rows[v1][j] = Σ_{v2 ∋ j} table[v1][v2]; B_ij = Σ_{v1 ∋ i} rows[v1][j].
                    let mut rows = [[0.0f64; 4]; 16];
                    for (v1, row) in rows.iter_mut().enumerate() {
                        for (j, r) in row.iter_mut().enumerate().take(width2) {
                            *r = (0..16).filter(|v2| v2 >> j & 1 == 1).map(|v2| table[v1 * 16 + v2]).sum();
                        }
                    }
                    for i in 0..width1 {
                        for j in 0..width2 {
                            bij[(c0 + i) * k + d0 + j] += (0..16).filter(|v1| v1 >> i & 1 == 1).map(|v1| rows[v1][j]).sum::<f64>();
                        }
                    }
                }
            }
            s0 += cn;
        }
        let g: Vec<f64> = (0..k).map(|c| self.a[free[c]] * ai[c] - a0).collect();
        // −H_cd = Σ w r_c r_d / W² with r = −1 + a·x: B0 − a_c B_c − a_d B_d + a_c a_d B_cd
        // (bij is filled for c ≤ d).
        let mut neg_h = vec![0.0; k * k];
        for c in 0..k {
            for d in c..k {
                let (ac, ad) = (self.a[free[c]], self.a[free[d]]);
                let v = b0 - ac * bij[c * k + c] - ad * bij[d * k + d] + ac * ad * bij[c * k + d];
                neg_h[c * k + d] = v;
                neg_h[d * k + c] = v;
            }
        }
        (g, neg_h)
    }
}

/// Scenarios per chunk of the Gram product in `Solver::derivatives` (smaller chunks measured ~25 %
/// slower at 100 markets × 100 000 scenarios; tests use small chunks to exercise the chunking).
#[cfg(not(test))]
const GRAM_CHUNK: usize = 1 << 17;
#[cfg(test)]
const GRAM_CHUNK: usize = 1 << 12;

/// table[16·v1 + v2] = Σ_s t2_s over scenarios whose nibbles are (v1, v2) = (r1_s, r2_s).
#[inline(never)]
fn gram_pair(r1: &[u8], r2: &[u8], t2: &[f64], table: &mut [f64]) {
    let table: &mut [f64; 256] = table.try_into().expect("256-entry table");
    table.fill(0.0);
    for ((&x, &y), &w) in r1.iter().zip(r2).zip(t2) {
        // A u8 pair always indexes inside 256 entries: no bounds check in the hot loop.
        table[((x as usize) << 4 | y as usize) & 255] += w;
    }
}

/// Newton direction on the free set; with the budget active the step keeps Σd = 0 and the budget
/// multiplier μ is returned. Returns (d, μ) or None when the system cannot be solved.
fn newton_direction(g: &[f64], neg_h: &[f64], budget: bool) -> Option<(Vec<f64>, f64)> {
    let k = g.len();
    let scale = (0..k).map(|c| neg_h[c * k + c].abs()).fold(0.0, f64::max).max(1e-300);
    let mut ridge = 1e-13 * scale;
    for _ in 0..30 {
        let mut a = neg_h.to_vec();
        for c in 0..k {
            a[c * k + c] += ridge;
        }
        if cholesky_in_place(&mut a, k) {
            let y1 = cholesky_solve(&a, k, g);
            if !budget {
                return Some((y1, 0.0));
            }
            let ones = vec![1.0; k];
            let y2 = cholesky_solve(&a, k, &ones);
            let mu = y1.iter().sum::<f64>() / y2.iter().sum::<f64>();
            let d: Vec<f64> = y1.iter().zip(&y2).map(|(u, v)| u - mu * v).collect();
            if d.iter().all(|v| v.is_finite()) && mu.is_finite() {
                return Some((d, mu));
            }
        }
        ridge *= 100.0;
    }
    None
}

/// Scenario counts above this are first solved on a strided subsample (see [`optimise`]).
const WARM_START_SCENARIOS: usize = 20_000;
/// One scenario in this many is in that subsample.
const WARM_START_STRIDE: usize = 8;

/// Most bounds released per KKT check (see the release step in [`solve`]).
const RELEASE_BATCH: usize = 16;

/// A point of the active-set method: f, its bound set and whether the budget is active.
struct ActiveSet {
    f: Vec<f64>,
    fixed: Vec<bool>,
    budget: bool,
}

/// The optimum f ≥ 0, Σf ≤ max_total of Σ_s w_s log(1 + f·r(s)).
///
/// Why a warm start: from f = 0 the active-set method releases every market with an edge and then
/// fixes the losers one Newton iteration at a time (~m iterations, each a Gram product over all
/// scenarios). Above [`WARM_START_SCENARIOS`] scenarios the same problem is first solved on a
/// pseudo-random 1-in-[`WARM_START_STRIDE`] subset of the scenarios (recursively), and the full problem starts from that point and
/// working set when every scenario's wealth is positive there (cold start otherwise). It converges
/// to the same KKT point (to the solver's ~1e-12), in a few full-size iterations on the final
/// support. The subsample is a fixed function of the scenario list, so the result is deterministic.
pub(crate) fn optimise(sc: &Scenarios, a: &[f64], max_total: f64) -> Vec<f64> {
    optimise_active(sc, a, max_total).f
}

fn optimise_active(sc: &Scenarios, a: &[f64], max_total: f64) -> ActiveSet {
    let ns = sc.len();
    // Few markets converge in a few iterations anyway (measured: the warm start slowed the
    // 16-market enumeration), so only larger books are warm-started.
    let warm = if ns > WARM_START_SCENARIOS && a.len() > MAX_EXACT_MARKETS {
        let wd = sc.words;
        // A pseudo-random 1-in-STRIDE subset by a hash of the index: the scenario list is sorted by
        // outcome pattern (merged Monte Carlo draws, or the 2^n enumeration), so a plain stride would
        // be biased (every 8th enumerated outcome has the three lowest markets losing).
        let picked: Vec<usize> = (0..ns).filter(|&s| montecarlo::splitmix64(s as u64) % WARM_START_STRIDE as u64 == 0).collect();
        let total: f64 = picked.iter().map(|&s| sc.w[s]).sum();
        let mut bits = Vec::with_capacity(picked.len() * wd);
        for &s in &picked {
            bits.extend_from_slice(&sc.bits[s * wd..(s + 1) * wd]);
        }
        let sub = Scenarios { words: wd, bits, w: picked.iter().map(|&s| sc.w[s] / total).collect() };
        Some(optimise_active(&sub, a, max_total))
    } else {
        None
    };
    solve(sc, a, max_total, warm)
}

fn solve(sc: &Scenarios, a: &[f64], max_total: f64, warm: Option<ActiveSet>) -> ActiveSet {
    let m = a.len();
    let solver = Solver { sc, a, m };
    let ns = sc.len();
    let mut f = vec![0.0; m];
    let mut fixed = vec![true; m];
    let mut budget = false;
    let mut wealth = vec![1.0; ns];
    if let Some(w) = warm {
        let support: Vec<usize> = (0..m).filter(|&i| w.f[i] != 0.0).collect();
        solver.wealth(&w.f, &support, &mut wealth);
        if wealth.iter().all(|&x| x > 0.0 && x.is_finite()) {
            f = w.f;
            fixed = w.fixed;
            budget = w.budget;
        } else {
            wealth.fill(1.0);
        }
    }
    let mut dw = vec![0.0; ns];
    let tol = |i: usize| 1e-11 * a[i].max(1.0);
    let mut mu = 0.0;
    let max_outer = 50 + 4 * m;
    for _outer in 0..max_outer {
        // ---- Newton iterations on the current working set.
        for _inner in 0..200 {
            let free: Vec<usize> = (0..m).filter(|&i| !fixed[i]).collect();
            if free.is_empty() {
                break;
            }
            solver.wealth(&f, &free, &mut wealth);
            let (g, neg_h) = solver.derivatives(&wealth, &free);
            let Some((d, mu_new)) = newton_direction(&g, &neg_h, budget) else { break };
            mu = mu_new;
            let dec: f64 = g.iter().zip(&d).map(|(x, y)| x * y).sum();
            let dmax = d.iter().fold(0.0f64, |acc, v| acc.max(v.abs()));
            if !(dec > 1e-26) || dmax < 1e-15 {
                break;
            }
            // Largest step keeping f ≥ 0 and Σf ≤ max_total.
            let mut alpha_bound = f64::INFINITY;
            let mut blocking: Option<usize> = None;
            for (c, &i) in free.iter().enumerate() {
                if d[c] < 0.0 {
                    let t = f[i] / -d[c];
                    if t < alpha_bound {
                        alpha_bound = t;
                        blocking = Some(i);
                    }
                }
            }
            let sum_d: f64 = d.iter().sum();
            let sum_f: f64 = f.iter().sum();
            let mut hits_budget = false;
            if !budget && sum_d > 0.0 {
                let t = ((max_total - sum_f) / sum_d).max(0.0);
                if t < alpha_bound {
                    alpha_bound = t;
                    blocking = None;
                    hits_budget = true;
                }
            }
            // Largest step keeping every scenario's wealth positive (fraction to the boundary).
            solver.wealth_dir(&d, &free, &mut dw);
            let mut alpha_dom = f64::INFINITY;
            for s in 0..ns {
                if dw[s] < 0.0 {
                    alpha_dom = alpha_dom.min(wealth[s] / -dw[s]);
                }
            }
            // Exact line search: φ(α) = Σ w log(W + α ΔW) is concave; maximise it on [0, α_bound]
            // (φ' → −∞ at the wealth boundary α_dom, so the maximiser keeps every wealth positive).
            let mut at_bound = false;
            let alpha;
            if alpha_bound < alpha_dom && solver.dphi(&wealth, &dw, alpha_bound).0 >= 0.0 {
                alpha = alpha_bound;
                at_bound = true;
            } else {
                let hi0 = alpha_bound.min(alpha_dom);
                if !hi0.is_finite() {
                    alpha = 1.0;
                } else {
                    alpha = solver.line_max(&wealth, &dw, hi0, dec);
                }
            }
            if !(alpha > 0.0) && !at_bound {
                break;
            }
            for (c, &i) in free.iter().enumerate() {
                f[i] = (f[i] + alpha * d[c]).max(0.0);
            }
            if at_bound {
                // The working set grows: keep iterating on the new one (even after a zero-length step).
                if hits_budget {
                    budget = true;
                    let s: f64 = f.iter().sum();
                    if s > 0.0 {
                        let r = max_total / s;
                        f.iter_mut().for_each(|v| *v *= r);
                    }
                } else if let Some(i) = blocking {
                    f[i] = 0.0;
                    fixed[i] = true;
                }
            } else if alpha * dmax < 1e-16 {
                break;
            }
        }
        // ---- KKT check: release the budget or a bound whose multiplier has the wrong sign.
        let support: Vec<usize> = (0..m).filter(|&i| f[i] != 0.0).collect();
        solver.wealth(&f, &support, &mut wealth);
        let g = solver.gradient(&wealth);
        let free: Vec<usize> = (0..m).filter(|&i| !fixed[i]).collect();
        if budget {
            mu = if free.is_empty() { mu } else { free.iter().map(|&i| g[i]).sum::<f64>() / free.len() as f64 };
            if mu < -1e-12 {
                budget = false;
                continue;
            }
        } else {
            mu = 0.0;
        }
        // Release at most RELEASE_BATCH bounds, the most violated first (ties: lower index). Why:
        // releasing every market with an edge at once (from f = 0: about half the book) makes the
        // method fix the losers back one Newton iteration each, with Hessians over the whole
        // released set; growing the set in batches keeps it near the final support.
        let mut viol: Vec<(f64, usize)> = (0..m).filter(|&i| fixed[i] && g[i] - mu > tol(i)).map(|i| (g[i] - mu, i)).collect();
        if viol.is_empty() {
            break;
        }
        viol.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        for &(_, i) in viol.iter().take(RELEASE_BATCH) {
            fixed[i] = false;
        }
    }
    // Clean up: non-negative, within budget.
    for v in f.iter_mut() {
        if !(v.is_finite() && *v > 0.0) {
            *v = 0.0;
        }
    }
    let s: f64 = f.iter().sum();
    if s > max_total {
        let r = max_total / s;
        f.iter_mut().for_each(|v| *v *= r);
    }
    ActiveSet { f, fixed, budget }
}

#[cfg(test)]
mod sure_win_tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn a_sure_win_bets_everything_but_no_more() {
        for &(price, max_total) in &[(0.5, 3.0), (0.2, 1.0), (0.9, 10.0)] {
            let f = joint_kelly(&[price], &[1.0], max_total, None, 0, 0).unwrap();
            assert!(f[0] <= 1.0 + 1e-12 && f[0] > 1.0 - 1e-6, "price {price}: f = {}", f[0]);
        }
        // with another (independent) market the total stays within the independent total
        let f = joint_kelly(&[0.5, 0.4], &[1.0, 0.6], 5.0, None, 0, 0).unwrap();
        let indep = 1.0 + (0.6 - 0.4) / 0.6;
        assert!(f.iter().sum::<f64>() <= indep + 1e-9, "{f:?}");
    }
}

#[cfg(test)]
mod tests {
    // In wasm32 (`npm run test:rust-wasm`) the same tests run under wasm-bindgen-test in Node.
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn single_market_closed_form() {
        for &(p, price) in &[(0.6, 0.5), (0.3, 0.2), (0.9, 0.7), (0.55, 0.54), (0.4, 0.5), (0.99, 0.01)] {
            let f = joint_kelly(&[price], &[p], 1.0, None, 0, 0).unwrap();
            let expect = ((p - price) / (1.0 - price)).clamp(0.0, 1.0);
            assert!((f[0] - expect).abs() < 1e-9, "p={p} P={price}: {} vs {expect}", f[0]);
        }
        // budget binding
        let f = joint_kelly(&[0.2], &[0.8], 0.5, None, 0, 0).unwrap();
        assert!((f[0] - 0.5).abs() < 1e-12);
    }

    #[test]
    fn validation() {
        assert!(matches!(joint_kelly(&[1.5], &[0.5], 1.0, None, 0, 0), Err(HzError::InvalidPrice(_))));
        assert!(matches!(joint_kelly(&[0.5], &[-0.1], 1.0, None, 0, 0), Err(HzError::InvalidProbability(_))));
        assert!(matches!(joint_kelly(&[0.5], &[0.6], 0.0, None, 0, 0), Err(HzError::InvalidArgument(_))));
        assert!(matches!(joint_kelly(&[0.5, 0.4], &[0.6], 1.0, None, 0, 0), Err(HzError::InvalidArgument(_))));
        assert_eq!(joint_kelly(&[], &[], 1.0, None, 0, 0).unwrap(), Vec::<f64>::new());
        assert_eq!(joint_kelly(&[1.0, 0.5], &[0.9, 0.0], 1.0, None, 0, 0).unwrap(), vec![0.0, 0.0]);
    }
}

#[cfg(test)]
mod gram_tests {
    use super::*;
    use crate::correlation::copula_factor;
    use ndarray::Array2;

    fn book(n: usize) -> (Vec<f64>, Vec<f64>, CopulaFactor) {
        let prices: Vec<f64> = (0..n).map(|i| 0.3 + 0.4 * ((i * 37 % 101) as f64 / 101.0)).collect();
        let probs: Vec<f64> = prices.iter().enumerate().map(|(i, &p)| (p + 0.1 * ((i * 53 % 97) as f64 / 97.0) - 0.03).clamp(0.01, 0.99)).collect();
        let c = Array2::from_shape_fn((n, n), |(i, j)| if i == j { 1.0 } else { 0.3 });
        (prices, probs, copula_factor(c.view()))
    }

    /// The nibble-table Gram product equals the per-scenario outer products it replaces.
    #[test]
    fn gram_derivatives_match_scalar_sums() {
        let n = 24;
        let (prices, probs, factor) = book(n);
        let rel: Vec<usize> = (0..n).collect();
        let sc = sample(&probs, Some(&factor), None, &rel, 10_000, 5);
        assert!(sc.len() > 2 * GRAM_CHUNK, "{} distinct scenarios: the chunking is exercised", sc.len());
        let a: Vec<f64> = prices.iter().map(|p| 1.0 / p).collect();
        let solver = Solver { sc: &sc, a: &a, m: n };
        let f: Vec<f64> = (0..n).map(|i| 0.02 * (i % 3) as f64).collect();
        let support: Vec<usize> = (0..n).filter(|&i| f[i] != 0.0).collect();
        let mut wealth = vec![0.0; sc.len()];
        solver.wealth(&f, &support, &mut wealth);
        let free: Vec<usize> = vec![0, 2, 3, 5, 6, 7, 8, 10, 1, 23, 17, 12, 19];
        let (g, neg_h) = solver.derivatives(&wealth, &free);
        let k = free.len();
        for (c, &i) in free.iter().enumerate() {
            let mut gi = 0.0;
            for (s, (&w, &x)) in sc.w.iter().zip(&wealth).enumerate() {
                let r = |j: usize| if sc.bits[s] >> j & 1 == 1 { a[j] - 1.0 } else { -1.0 };
                gi += w * r(i) / x;
            }
            assert!((g[c] - gi).abs() <= 1e-12 * gi.abs().max(1.0), "g[{c}] {} vs {gi}", g[c]);
            for (d, &j) in free.iter().enumerate() {
                let mut h = 0.0;
                for (s, (&w, &x)) in sc.w.iter().zip(&wealth).enumerate() {
                    let r = |j: usize| if sc.bits[s] >> j & 1 == 1 { a[j] - 1.0 } else { -1.0 };
                    h += w * r(i) * r(j) / (x * x);
                }
                assert!((neg_h[c * k + d] - h).abs() <= 1e-11 * h.abs().max(1.0), "H[{c},{d}] {} vs {h}", neg_h[c * k + d]);
            }
        }
    }

    /// Batched releases and the warm start end at a KKT point: equal marginal growth μ on the
    /// support (μ = 0 when the budget is slack), no more on the markets left at 0.
    #[test]
    fn result_satisfies_kkt_with_many_markets() {
        let n = 120;
        let (prices, probs, factor) = book(n);
        let rel: Vec<usize> = (0..n).collect();
        let sc = sample(&probs, Some(&factor), None, &rel, 30_000, 11);
        let a: Vec<f64> = prices.iter().map(|p| 1.0 / p).collect();
        for max_total in [0.2, 5.0] {
            let f = optimise(&sc, &a, max_total);
            let solver = Solver { sc: &sc, a: &a, m: n };
            let support: Vec<usize> = (0..n).filter(|&i| f[i] > 0.0).collect();
            // More markets with an edge at f = 0 than one release batch: the batching is exercised.
            assert!((0..n).filter(|&i| probs[i] > prices[i]).count() > 2 * RELEASE_BATCH);
            assert!(!support.is_empty());
            let mut wealth = vec![0.0; sc.len()];
            solver.wealth(&f, &support, &mut wealth);
            assert!(wealth.iter().all(|&x| x > 0.0));
            let g = solver.gradient(&wealth);
            let total: f64 = f.iter().sum();
            let mu = if total >= max_total * (1.0 - 1e-12) { support.iter().map(|&i| g[i]).sum::<f64>() / support.len() as f64 } else { 0.0 };
            for i in 0..n {
                if f[i] > 0.0 {
                    assert!((g[i] - mu).abs() < 1e-7, "max_total {max_total}, market {i}: g {} vs μ {mu}", g[i]);
                } else {
                    assert!(g[i] - mu < 1e-7, "max_total {max_total}, market {i} at 0 has g {} > μ {mu}", g[i]);
                }
            }
        }
    }

    /// The subsample warm start reaches the cold start's optimum, and repeated calls are bit-identical.
    #[test]
    fn warm_start_matches_cold_start() {
        let n = 40;
        let (prices, probs, factor) = book(n);
        let rel: Vec<usize> = (0..n).collect();
        let sc = sample(&probs, Some(&factor), None, &rel, 60_000, 9);
        assert!(sc.len() > WARM_START_SCENARIOS);
        let a: Vec<f64> = prices.iter().map(|p| 1.0 / p).collect();
        for max_total in [0.3, 1.0, 3.0] {
            let warm = optimise(&sc, &a, max_total);
            let cold = solve(&sc, &a, max_total, None).f;
            let diff = warm.iter().zip(&cold).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
            assert!(diff < 1e-8, "max_total {max_total}: warm vs cold differ by {diff}");
            assert!(warm.iter().sum::<f64>() <= max_total * (1.0 + 1e-12));
            let again = optimise(&sc, &a, max_total);
            assert!(warm.iter().zip(&again).all(|(x, y)| x.to_bits() == y.to_bits()));
        }
    }
}
