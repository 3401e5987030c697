//! Joint Kelly's scenario units: the outcome scenarios of one problem cut into fixed units, and
//! every sum over scenarios the optimiser of [`crate::joint_kelly`] asks for, per unit.
//!
//! Why units (issue 17): the objective, gradient, Hessian and line-search slopes are sums over
//! scenarios. Each unit answers a [`Request`] with its partial sums, and the optimiser folds the
//! partials in unit order ([`fold`]). The units are fixed by the problem (scenario count, market
//! count), never by who evaluates them, so the result is bit-identical whether one thread
//! evaluates every unit or a pool of workers holds a contiguous range each.
//!
//! Monte Carlo units are ranges of [`unit_len`] scenarios of the block-seeded outcome streams of
//! [`crate::montecarlo`] (a unit never straddles a block, so any worker regenerates its units from
//! the seed). Each unit keeps its scenarios merged (identical outcome patterns weighted by their
//! count) at every warm-start level: level L holds the scenarios s with
//! `splitmix64(s)` divisible by 8^L (nested subsets, ~1 in 8^L), weighted count / (scenarios of
//! the level over the whole run), so the folded sums of a level are its full-sample averages.
use crate::correlation::CopulaFactor;
use crate::joint_kelly::Scenarios;
use crate::montecarlo;

/// One in this many scenarios of a level is in the next (warm-start) level.
pub(crate) const WARM_START_STRIDE: usize = 8;
/// Levels with more scenarios than this are warm-started from the next level.
pub(crate) const WARM_START_SCENARIOS: usize = 20_000;

/// Scenarios per Monte Carlo unit for `m` relevant markets: a power of two dividing the block
/// size. Why it shrinks with m: a unit's Gram product costs ~(k/4)²/2 adds per scenario (k free
/// markets), and the inline runtime can only honour an abort between unit calls — measured, a unit
/// stays within a few tens of ms up to 1 000 markets.
pub(crate) fn unit_len(m: usize) -> usize {
    if m <= 256 {
        montecarlo::BLOCK_SIZE
    } else if m <= 512 {
        montecarlo::BLOCK_SIZE / 2
    } else {
        montecarlo::BLOCK_SIZE / 4
    }
}

/// Warm-start level of Monte Carlo scenario `s` (s is in levels 0..=level).
fn level_of(s: usize) -> usize {
    (montecarlo::splitmix64(s as u64).trailing_zeros() / 3) as usize
}

/// Scenarios of each warm-start level of an `n_scen`-scenario run, level 0 (all) first; with
/// `warm`, levels are added while the last one has more than [`WARM_START_SCENARIOS`].
pub(crate) fn level_counts(n_scen: usize, warm: bool) -> Vec<usize> {
    let mut counts = vec![n_scen];
    if !warm {
        return counts;
    }
    let mut per = [0usize; 22];
    for s in 0..n_scen {
        per[level_of(s).min(21)] += 1;
    }
    // counts[L] = scenarios of level ≥ L.
    while *counts.last().unwrap() > WARM_START_SCENARIOS {
        let l = counts.len();
        counts.push(per[l..].iter().sum());
    }
    counts
}

/// A query of the optimiser about one warm-start level. `set` lists market indices (ascending).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Request {
    /// Sets each scenario's wealth 1 + f·r(s) (f is 0 off `set`); answers [1] if every wealth is
    /// positive and finite, else [0] (fold: min).
    Wealth { level: usize, f: Vec<f64>, set: Vec<usize> },
    /// Sets wealth as `Wealth`; answers the Gram sums over the free markets `set`:
    /// [A0, B0, A_c (k), B_cd (c ≤ d, row-major, k(k+1)/2)] (fold: sum; see [`Sums::gram`]).
    Gram { level: usize, f: Vec<f64>, set: Vec<usize> },
    /// Keeps the wealth change along `d` (one entry per market of `set`); answers [largest step
    /// keeping every wealth positive] (fold: min).
    Direction { level: usize, d: Vec<f64>, set: Vec<usize> },
    /// Answers [φ'(α), φ''(α)] of φ(α) = Σ w log(W + α ΔW) on the kept wealth and change (fold: sum).
    Slope { level: usize, alpha: f64 },
    /// Sets wealth as `Wealth`; answers [A0, A_i for every market] (fold: sum).
    Gradient { level: usize, f: Vec<f64>, set: Vec<usize> },
}

impl Request {
    fn op(&self) -> u8 {
        match self {
            Request::Wealth { .. } => 0,
            Request::Gram { .. } => 1,
            Request::Direction { .. } => 2,
            Request::Slope { .. } => 3,
            Request::Gradient { .. } => 4,
        }
    }

    /// [op, level, α, len(v), v…, len(set), set…] (f64s, so it crosses to workers as one array).
    pub(crate) fn encode(&self) -> Vec<f64> {
        let (level, alpha, v, set): (usize, f64, &[f64], &[usize]) = match self {
            Request::Wealth { level, f, set } | Request::Gram { level, f, set } | Request::Gradient { level, f, set } => (*level, 0.0, f, set),
            Request::Direction { level, d, set } => (*level, 0.0, d, set),
            Request::Slope { level, alpha } => (*level, *alpha, &[], &[]),
        };
        let mut out = Vec::with_capacity(5 + v.len() + set.len());
        out.extend_from_slice(&[self.op() as f64, level as f64, alpha, v.len() as f64]);
        out.extend_from_slice(v);
        out.push(set.len() as f64);
        out.extend(set.iter().map(|&i| i as f64));
        out
    }

    /// Inverse of [`Request::encode`]; None for anything it did not produce.
    pub(crate) fn decode(x: &[f64], m: usize) -> Option<Request> {
        let idx = |v: f64| (v >= 0.0 && v.fract() == 0.0 && v < 1e15).then_some(v as usize);
        let (&op, rest) = x.split_first()?;
        let level = idx(*rest.first()?)?;
        let alpha = *rest.get(1)?;
        let nv = idx(*rest.get(2)?)?;
        let v = rest.get(3..3usize.checked_add(nv)?)?.to_vec();
        let ns = idx(*rest.get(3 + nv)?)?;
        let set_raw = rest.get(4 + nv..(4 + nv).checked_add(ns)?)?;
        if 4 + nv + ns != rest.len() {
            return None;
        }
        let set: Vec<usize> = set_raw.iter().map(|&v| idx(v).filter(|&i| i < m)).collect::<Option<_>>()?;
        if set.windows(2).any(|w| w[0] >= w[1]) {
            return None;
        }
        Some(match op as u8 {
            0 | 1 | 4 if v.len() == m => match op as u8 {
                0 => Request::Wealth { level, f: v, set },
                1 => Request::Gram { level, f: v, set },
                _ => Request::Gradient { level, f: v, set },
            },
            2 if v.len() == set.len() => Request::Direction { level, d: v, set },
            3 => Request::Slope { level, alpha },
            _ => return None,
        })
    }

    /// Values in each unit's answer.
    pub(crate) fn answer_len(&self, m: usize) -> usize {
        match self {
            Request::Wealth { .. } | Request::Direction { .. } => 1,
            Request::Slope { .. } => 2,
            Request::Gram { set, .. } => 2 + set.len() + set.len() * (set.len() + 1) / 2,
            Request::Gradient { .. } => 1 + m,
        }
    }
}

/// Folds the units' answers (`answers`: one [`Request::answer_len`] slice per unit, in unit
/// order): minima for `Wealth`/`Direction`, sums in unit order otherwise.
pub(crate) fn fold(req: &Request, answers: &[f64], n_units: usize) -> Vec<f64> {
    let len = answers.len() / n_units.max(1);
    let mut out = answers[..len].to_vec();
    for u in 1..n_units {
        let part = &answers[u * len..(u + 1) * len];
        match req {
            Request::Wealth { .. } | Request::Direction { .. } => out[0] = out[0].min(part[0]),
            _ => out.iter_mut().zip(part).for_each(|(o, p)| *o += p),
        }
    }
    out
}

/// One unit: its merged scenarios per warm-start level, and the wealth and wealth change last set.
pub(crate) struct Unit {
    levels: Vec<Scenarios>,
    wealth: Vec<f64>,
    dw: Vec<f64>,
}

impl Unit {
    /// A unit holding `sc` at level 0, with the warm-start levels of [`crate::joint_kelly::optimise`]
    /// (a pseudo-random 1-in-8 subset of each level's merged list, renormalised) while a level has
    /// more than [`WARM_START_SCENARIOS`] scenarios and `warm`.
    pub(crate) fn from_scenarios(sc: Scenarios, warm: bool) -> Unit {
        let mut levels = vec![sc];
        while warm && levels.last().unwrap().len() > WARM_START_SCENARIOS {
            let sc = levels.last().unwrap();
            let wd = sc.words;
            // Hash of the index, not a plain stride: the list is sorted by outcome pattern.
            let picked: Vec<usize> = (0..sc.len()).filter(|&s| montecarlo::splitmix64(s as u64).is_multiple_of(WARM_START_STRIDE as u64)).collect();
            let total: f64 = picked.iter().map(|&s| sc.w[s]).sum();
            let mut bits = Vec::with_capacity(picked.len() * wd);
            for &s in &picked {
                bits.extend_from_slice(&sc.bits[s * wd..(s + 1) * wd]);
            }
            let sub = Scenarios { words: wd, bits, w: picked.iter().map(|&s| sc.w[s] / total).collect() };
            levels.push(sub);
        }
        Unit { levels, wealth: Vec::new(), dw: Vec::new() }
    }

    /// Levels held.
    pub(crate) fn n_levels(&self) -> usize {
        self.levels.len()
    }

    /// This unit's answer to `req` (`a` = payoff multipliers 1/price of the relevant markets).
    pub(crate) fn answer(&mut self, a: &[f64], req: &Request) -> Vec<f64> {
        let level = match req {
            Request::Wealth { level, .. } | Request::Gram { level, .. } | Request::Direction { level, .. } | Request::Slope { level, .. } | Request::Gradient { level, .. } => *level,
        };
        let Some(sc) = self.levels.get(level) else {
            // A level this unit does not have (not produced by the optimiser): empty sums.
            return match req {
                Request::Wealth { .. } => vec![1.0],
                Request::Direction { .. } => vec![f64::INFINITY],
                _ => vec![0.0; req.answer_len(a.len())],
            };
        };
        let sums = Sums { sc, a, m: a.len() };
        let ns = sc.len();
        self.wealth.resize(ns, 1.0);
        self.dw.resize(ns, 0.0);
        match req {
            Request::Wealth { f, set, .. } => {
                sums.wealth(f, set, &mut self.wealth);
                vec![if self.wealth.iter().all(|&x| x > 0.0 && x.is_finite()) { 1.0 } else { 0.0 }]
            }
            Request::Gram { f, set, .. } => {
                sums.wealth(f, set, &mut self.wealth);
                sums.gram(&self.wealth, set)
            }
            Request::Direction { d, set, .. } => {
                sums.wealth_dir(d, set, &mut self.dw);
                let mut alpha_dom = f64::INFINITY;
                for (&x, &dx) in self.wealth.iter().zip(&self.dw) {
                    if dx < 0.0 {
                        alpha_dom = alpha_dom.min(x / -dx);
                    }
                }
                vec![alpha_dom]
            }
            Request::Slope { alpha, .. } => {
                let (d1, d2) = sums.slope(&self.wealth, &self.dw, *alpha);
                vec![d1, d2]
            }
            Request::Gradient { f, set, .. } => {
                sums.wealth(f, set, &mut self.wealth);
                sums.gradient(&self.wealth)
            }
        }
    }
}

/// How Monte Carlo units are generated (kept so that each unit is generated on first use).
struct Source {
    probs: Vec<f64>,
    factor: Option<CopulaFactor>,
    rel: Vec<usize>,
    n_scen: usize,
    seed: u64,
    counts: Vec<usize>,
    /// The last block generated (units smaller than a block share it).
    block: Option<(usize, Vec<u64>)>,
}

impl Source {
    /// Unit `u` of the run (see the module docs).
    fn unit(&mut self, u: usize) -> Unit {
        let n = self.probs.len();
        let wf = montecarlo::outcome_words(n);
        let wr = montecarlo::outcome_words(self.rel.len());
        let ul = unit_len(self.rel.len());
        let start = (u * ul).min(self.n_scen);
        let end = ((u + 1) * ul).min(self.n_scen);
        let b = start / montecarlo::BLOCK_SIZE;
        if self.block.as_ref().map(|x| x.0) != Some(b) {
            let mut out = vec![0u64; montecarlo::block_len(self.n_scen, b) * wf];
            montecarlo::outcome_blocks(&self.probs, self.factor.as_ref(), self.seed, self.n_scen, b, &mut out);
            self.block = Some((b, out));
        }
        let out = &self.block.as_ref().unwrap().1;
        let off = b * montecarlo::BLOCK_SIZE;
        // The unit's outcomes projected on the relevant markets.
        let mut packed = vec![0u64; (end - start) * wr];
        for s in start..end {
            let src = &out[(s - off) * wf..(s - off + 1) * wf];
            let dst = &mut packed[(s - start) * wr..(s - start + 1) * wr];
            for (k, &i) in self.rel.iter().enumerate() {
                if (src[i / 64] >> (i % 64)) & 1 == 1 {
                    dst[k / 64] |= 1u64 << (k % 64);
                }
            }
        }
        let levels = (0..self.counts.len())
            .map(|l| {
                let idx: Vec<usize> = (start..end).filter(|&s| l == 0 || level_of(s) >= l).map(|s| s - start).collect();
                merge(&packed, wr, idx, 1.0 / self.counts[l] as f64)
            })
            .collect();
        Unit { levels, wealth: Vec::new(), dw: Vec::new() }
    }
}

/// The units of one joint-Kelly problem held by one evaluator (all of them, or a worker's
/// contiguous range `first ..`). Monte Carlo units are generated on first use, one per call when
/// answered one by one (so an inline caller can stop between two).
pub struct KellyUnits {
    a: Vec<f64>,
    first: usize,
    units: Vec<Option<Unit>>,
    source: Option<Source>,
}

impl KellyUnits {
    /// Units `first .. first + count` of a Monte Carlo run (see the module docs): `probs` and
    /// `factor` cover all markets (simulated as in the P&L simulation), `rel` the relevant ones,
    /// `a` their payoff multipliers, `counts` the run's [`level_counts`].
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn monte_carlo(probs: &[f64], factor: Option<CopulaFactor>, rel: &[usize], a: Vec<f64>, n_scen: usize, seed: u64, counts: &[usize], first: usize, count: usize) -> KellyUnits {
        let source = Source { probs: probs.to_vec(), factor, rel: rel.to_vec(), n_scen, seed, counts: counts.to_vec(), block: None };
        KellyUnits { a, first, units: (0..count).map(|_| None).collect(), source: Some(source) }
    }

    /// One unit of exact scenarios (weights = probabilities), without warm-start levels.
    pub(crate) fn exact(sc: Scenarios, a: Vec<f64>) -> KellyUnits {
        KellyUnits { a, first: 0, units: vec![Some(Unit::from_scenarios(sc, false))], source: None }
    }

    /// Units held.
    pub fn len(&self) -> usize {
        self.units.len()
    }

    /// Whether no unit is held.
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    /// Answer of held unit `k` (the `first + k`-th of the run).
    pub(crate) fn answer(&mut self, req: &Request, k: usize) -> Vec<f64> {
        if self.units[k].is_none() {
            let u = self.source.as_mut().expect("Monte Carlo units have a source").unit(self.first + k);
            self.units[k] = Some(u);
            if self.units.iter().all(Option::is_some) {
                // Every unit exists: the block cache is no longer needed.
                if let Some(s) = self.source.as_mut() {
                    s.block = None;
                }
            }
        }
        self.units[k].as_mut().unwrap().answer(&self.a, req)
    }

    /// Answers of every held unit, concatenated in unit order.
    pub(crate) fn answer_all(&mut self, req: &Request) -> Vec<f64> {
        let mut out = Vec::with_capacity(req.answer_len(self.a.len()) * self.units.len());
        for k in 0..self.units.len() {
            out.extend(self.answer(req, k));
        }
        out
    }

    /// Answer of held unit `k` (all held units, concatenated, when None) to an encoded request
    /// (see [`Request::encode`]); None if the request is malformed or `k` out of range.
    pub fn answer_encoded(&mut self, x: &[f64], k: Option<usize>) -> Option<Vec<f64>> {
        let req = Request::decode(x, self.a.len())?;
        match k {
            Some(k) if k < self.units.len() => Some(self.answer(&req, k)),
            Some(_) => None,
            None => Some(self.answer_all(&req)),
        }
    }

    /// First unit held.
    pub fn first(&self) -> usize {
        self.first
    }
}

/// The scenarios `idx` of `packed` (`wr` words each), identical patterns merged (sorted, so the
/// order and the weights are deterministic), each weighted count × `unit_weight`.
fn merge(packed: &[u64], wr: usize, mut idx: Vec<usize>, unit_weight: f64) -> Scenarios {
    let row = |x: usize| &packed[x * wr..(x + 1) * wr];
    idx.sort_unstable_by(|&x, &y| row(x).cmp(row(y)).then(x.cmp(&y)));
    let mut bits = Vec::new();
    let mut w = Vec::new();
    let mut k = 0;
    while k < idx.len() {
        let key = row(idx[k]);
        let mut c = 1;
        while k + c < idx.len() && row(idx[k + c]) == key {
            c += 1;
        }
        bits.extend_from_slice(key);
        w.push(c as f64 * unit_weight);
        k += c;
    }
    Scenarios { words: wr, bits, w }
}

/// All 2^m outcomes of m independent markets with positive probability (`p` already capped at [`crate::joint_kelly::MAX_PROB`]).
pub(crate) fn enumerate(p: &[f64]) -> Scenarios {
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

/// The sums over one set of weighted scenarios.
pub(crate) struct Sums<'a> {
    pub(crate) sc: &'a Scenarios,
    pub(crate) a: &'a [f64],
    pub(crate) m: usize,
}

impl Sums<'_> {
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
    pub(crate) fn wealth(&self, f: &[f64], support: &[usize], wealth: &mut [f64]) {
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
    fn slope(&self, wealth: &[f64], dw: &[f64], alpha: f64) -> (f64, f64) {
        let mut d1 = 0.0;
        let mut d2 = 0.0;
        for ((&w, &x), &dx) in self.sc.w.iter().zip(wealth).zip(dw) {
            let q = dx / (x + alpha * dx);
            d1 += w * q;
            d2 -= w * q * q;
        }
        (d1, d2)
    }

    /// [A0, A_i for all markets] with A0 = Σ_s t_s, A_i = Σ_{s: i wins} t_s, t = w/W.
    pub(crate) fn gradient(&self, wealth: &[f64]) -> Vec<f64> {
        let all: Vec<usize> = (0..self.m).collect();
        let mask = self.mask(&all);
        let mut out = vec![0.0; 1 + self.m];
        let (a0, ai) = out.split_at_mut(1);
        for (s, (&w, &x)) in self.sc.w.iter().zip(wealth).enumerate() {
            let t = w / x;
            a0[0] += t;
            self.for_wins(s, &mask, |i| ai[i] += t);
        }
        out
    }

    /// The sums behind the gradient and Hessian on `free`: [A0, B0, A_c, B_cd (c ≤ d)].
    ///
    /// A_c = Σ_s t_s·x_sc and B_cd = Σ_s t2_s·x_sc·x_sd (t = w/W, t2 = t/W, x = 0/1 win matrix)
    /// form a weighted Gram product of the bit-packed outcome matrix. Scalar per-scenario outer
    /// products of the winners cost ~|wins|²/2 scattered adds per scenario; instead the free
    /// markets are cut into nibbles of 4 (one byte per scenario and nibble) and, for every pair of
    /// nibbles, each scenario adds its weight to one cell of a 16×16 table (`gram_pair`), which is
    /// expanded into the 4×4 block of B afterwards: (k/4)²/2 adds per scenario instead of
    /// ~k²/8, streamed from L1-resident tables. Every sum runs in scenario order per table and the
    /// expansion in a fixed order, so the result is deterministic.
    pub(crate) fn gram(&self, wealth: &[f64], free: &[usize]) -> Vec<f64> {
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
        // weights stay bounded whatever the scenario count; each chunk's expanded sums are added
        // to A and B in chunk order (deterministic).
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
        let mut out = Vec::with_capacity(2 + k + k * (k + 1) / 2);
        out.push(a0);
        out.push(b0);
        out.extend_from_slice(&ai);
        for c in 0..k {
            out.extend_from_slice(&bij[c * k + c..(c + 1) * k]);
        }
        out
    }
}

/// Scenarios per chunk of the Gram product in [`Sums::gram`] (above a unit's size in production;
/// tests use small chunks to exercise the chunking).
#[cfg(not(test))]
const GRAM_CHUNK: usize = 1 << 17;
#[cfg(test)]
pub(crate) const GRAM_CHUNK: usize = 1 << 12;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip_and_reject_garbage() {
        let reqs = [
            Request::Wealth { level: 1, f: vec![0.1, 0.0, 0.3], set: vec![0, 2] },
            Request::Gram { level: 0, f: vec![0.1, 0.2, 0.3], set: vec![0, 1, 2] },
            Request::Direction { level: 2, d: vec![0.5, -0.5], set: vec![1, 2] },
            Request::Slope { level: 0, alpha: 0.25 },
            Request::Gradient { level: 0, f: vec![0.0; 3], set: vec![] },
        ];
        for r in &reqs {
            assert_eq!(Request::decode(&r.encode(), 3).as_ref(), Some(r));
        }
        assert_eq!(Request::decode(&[], 3), None);
        assert_eq!(Request::decode(&[9.0, 0.0, 0.0, 0.0, 0.0], 3), None);
        assert_eq!(Request::decode(&[0.0, 0.0, 0.0, 3.0, 0.1, 0.2, 0.3, 1.0, 7.0], 3), None, "index out of range");
        assert_eq!(Request::decode(&[0.0, 0.0, 0.0, 3.0, 0.1, 0.2, 0.3, 2.0, 1.0, 1.0], 3), None, "repeated index");
    }

    #[test]
    fn levels_are_nested_and_about_one_in_eight() {
        let c = level_counts(1_000_000, true);
        assert!(c.len() >= 3 && *c.last().unwrap() <= WARM_START_SCENARIOS, "{c:?}");
        for w in c.windows(2) {
            let r = w[0] as f64 / w[1] as f64;
            assert!((7.0..9.0).contains(&r), "{c:?}");
        }
        assert_eq!(level_counts(1_000_000, false), vec![1_000_000]);
    }
}
