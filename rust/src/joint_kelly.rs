//! Joint Kelly: maximise expected log growth over outcome scenarios.
//!
//! maximise G(f) = Σ_s P(s)·log(1 + Σ_i f_i·r_i(s)) over f ≥ 0, Σ f ≤ max_total, where
//! r_i(s) = (1 − P_i)/P_i if market i's held side wins in s and −1 otherwise (P_i = held price).
//!
//! Scenarios: exact enumeration of the 2^n outcomes (P(s) = Π p_i or (1 − p_i)) when `factor` is None
//! and at most 16 markets can matter; otherwise `n_scenarios` Monte Carlo scenarios generated with
//! [`crate::montecarlo::outcome_blocks`] (same block seeding as the P&L simulation; copula when a factor
//! is given), cut into the fixed units of [`crate::kelly_units`] (identical outcome patterns merged
//! per unit, P(s) = count/n). Scenarios with P(s) = 0 are dropped.
//!
//! Optimiser: primal active-set Newton method. Working set = {f_i = 0 fixed} ∪ {Σf = max_total};
//! Newton steps on the free variables (Hessian with a tiny ridge, equality-constrained when the budget
//! is active), a fraction-to-boundary rule that keeps every scenario's wealth 1 + f·r(s) > 0, an exact
//! line search, and KKT multiplier checks to release constraints. It converges quadratically, so the
//! result is exact to ~1e-12 for well-conditioned problems (e.g. the single-market closed form
//! f = (p − P)/(1 − P)). For speed (issue 17): the Hessian is a weighted Gram product of the packed
//! outcomes through nibble-pair tables, bounds are released at most [`RELEASE_BATCH`] at a time,
//! and large scenario sets are warm-started from nested pseudo-random subsamples; none of these
//! changes the optimum beyond the solver's tolerance, and all are deterministic.
//!
//! Where the sums are computed: the optimiser only sees an [`Oracle`] answering
//! [`Request`]s with sums folded over the units in unit order. In one call ([`joint_kelly`]) every
//! unit is evaluated in place; the [`Driver`] instead suspends the optimiser at each request (it is
//! an `async fn` polled by hand) so that the caller — the TypeScript facade — can have the units
//! evaluated on a pool of workers, a range each, or inline one unit per call (abortable between
//! calls). The requests and the fold are the same, so every way gives the same bits.
//!
//! Degenerate markets (decided before optimising, one line each):
//! * price P = 1: the bet can only lose or break even → f = 0.
//! * held probability p = 0: never wins → f = 0.
//! * price P = 0: the odds are infinite; P is replaced by 1e-12 (the continuous limit, f → p for one market).
//! * p = 1 > P: a sure win. Log growth would be unbounded (f up to `max_total`, leverage included);
//!   p is replaced by 1 − 1e-12 (the continuous limit), which gives the closed form's all-in f → 1, so
//!   the joint total never exceeds the independent formula's on independent markets.
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::correlation::CopulaFactor;
use crate::events::EventModel;
use crate::kelly_units::{self, fold, KellyUnits, Request, Unit};
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
    pub(crate) fn len(&self) -> usize {
        self.w.len()
    }
}


/// What a joint-Kelly problem is, decided from its inputs alone (the same on every thread).
pub struct Plan {
    n: usize,
    /// Markets that can matter (some chance to win, price below 1).
    rel: Vec<usize>,
    /// Their payoff multipliers 1/price.
    a: Vec<f64>,
    /// Their held probabilities, capped at [`MAX_PROB`] (exact enumeration).
    p: Vec<f64>,
    max_total: f64,
    exact: bool,
    n_scen: usize,
    seed: u64,
    /// Scenarios per warm-start level (Monte Carlo; see [`kelly_units::level_counts`]).
    counts: Vec<usize>,
}

impl Plan {
    /// Validates the inputs (`factor_rows`: rows of the correlation factor, if any).
    pub fn new(prices: &[f64], probs: &[f64], max_total: f64, factor_rows: Option<usize>, n_scenarios: usize, seed: u64) -> Result<Plan> {
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
        if let Some(rows) = factor_rows {
            if rows != n {
                return Err(HzError::InvalidArgument(format!("kelly: correlation has {rows} rows for {n} markets")));
            }
        }
        let rel: Vec<usize> = (0..n).filter(|&i| probs[i] > 0.0 && prices[i] < 1.0).collect();
        let exact = factor_rows.is_none() && rel.len() <= MAX_EXACT_MARKETS;
        if !rel.is_empty() && !exact && n_scenarios == 0 {
            return Err(HzError::InvalidArgument("kelly: nScenarios must be ≥ 1".into()));
        }
        let a = rel.iter().map(|&i| 1.0 / prices[i].max(MIN_PRICE)).collect();
        let p = rel.iter().map(|&i| probs[i].min(MAX_PROB)).collect();
        // Few markets converge in a few iterations anyway (measured: the warm start slowed the
        // 16-market enumeration), so only larger books are warm-started.
        let counts = if exact || rel.is_empty() { vec![] } else { kelly_units::level_counts(n_scenarios, rel.len() > MAX_EXACT_MARKETS) };
        Ok(Plan { n, rel, a, p, max_total, exact, n_scen: n_scenarios, seed, counts })
    }

    /// Units of the problem (0 when no market can matter).
    pub fn n_units(&self) -> usize {
        if self.rel.is_empty() {
            0
        } else if self.exact {
            1
        } else {
            self.n_scen.div_ceil(kelly_units::unit_len(self.rel.len()))
        }
    }

    /// Units `first .. first + count` (`probs` and `factor` as given to [`Plan::new`]).
    pub fn units(&self, probs: &[f64], factor: Option<CopulaFactor>, first: usize, count: usize) -> KellyUnits {
        if self.exact {
            KellyUnits::exact(kelly_units::enumerate(&self.p), self.a.clone())
        } else {
            KellyUnits::monte_carlo(probs, factor, &self.rel, self.a.clone(), self.n_scen, self.seed, &self.counts, first, count)
        }
    }

    /// Warm-start levels the optimiser goes through (1 = none).
    fn n_levels(&self) -> usize {
        self.counts.len().max(1)
    }

    /// The optimum of the relevant markets spread over all markets.
    fn spread(&self, f: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.n];
        for (k, &i) in self.rel.iter().enumerate() {
            out[i] = f[k];
        }
        out
    }
}

/// `prices`/`probs`: held-side. Exact 2^N enumeration when `factor` is None and N ≤ 16, Monte Carlo
/// (`n_scenarios`, `seed`) otherwise. Returns the optimum f ≥ 0, Σf ≤ max_total (before any fraction).
pub fn joint_kelly(prices: &[f64], probs: &[f64], max_total: f64, factor: Option<&CopulaFactor>, n_scenarios: usize, seed: u64) -> Result<Vec<f64>> {
    let plan = Plan::new(prices, probs, max_total, factor.map(|f| f.l.nrows()), n_scenarios, seed)?;
    let nu = plan.n_units();
    if nu == 0 {
        return Ok(vec![0.0; plan.n]);
    }
    let mut oracle = Local { units: plan.units(probs, factor.cloned(), 0, nu) };
    let f = block_on(optimise_levels(&mut oracle, &plan.a, plan.max_total, plan.n_levels()));
    Ok(plan.spread(&f))
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


/// Most bounds released per KKT check (see the release step in [`solve`]).
const RELEASE_BATCH: usize = 16;

/// A point of the active-set method: f, its bound set and whether the budget is active.
struct ActiveSet {
    f: Vec<f64>,
    fixed: Vec<bool>,
    budget: bool,
}

/// Answers the optimiser's [`Request`]s with sums folded over every unit (see the module docs).
pub(crate) trait Oracle {
    /// The folded answer to `req`.
    async fn ask(&mut self, req: Request) -> Vec<f64>;
}

/// Every unit evaluated in place, in unit order.
struct Local {
    units: KellyUnits,
}

impl Oracle for Local {
    async fn ask(&mut self, req: Request) -> Vec<f64> {
        let answers = self.units.answer_all(&req);
        fold(&req, &answers, self.units.len())
    }
}

/// One unit (the event optimiser's states) evaluated in place.
struct OneUnit<'a> {
    unit: Unit,
    a: &'a [f64],
}

impl Oracle for OneUnit<'_> {
    async fn ask(&mut self, req: Request) -> Vec<f64> {
        self.unit.answer(self.a, &req)
    }
}

/// Runs a future that never waits (every [`Oracle`] but the driver's answers at once).
fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// The request the driver's optimiser waits on, and the units' answers once given.
#[derive(Default)]
struct Mailbox {
    request: Option<Vec<f64>>,
    answers: Option<Vec<f64>>,
}

/// The driver's oracle: posts each request to the mailbox and waits for the answers.
struct Remote {
    mail: Rc<RefCell<Mailbox>>,
    n_units: usize,
}

impl Oracle for Remote {
    async fn ask(&mut self, req: Request) -> Vec<f64> {
        self.mail.borrow_mut().request = Some(req.encode());
        let answers = std::future::poll_fn(|_| match self.mail.borrow_mut().answers.take() {
            Some(a) => Poll::Ready(a),
            None => Poll::Pending,
        })
        .await;
        fold(&req, &answers, self.n_units)
    }
}

/// The optimiser's run, suspended at its pending request.
type Run = Pin<Box<dyn Future<Output = Vec<f64>>>>;

/// The optimiser of one joint-Kelly problem, suspended at each request so that the caller can have
/// the units evaluated anywhere ([`KellyUnits`] built from the same [`Plan`]): `next_request` gives the
/// encoded request (None when done); `answer` takes every unit's answer, concatenated in unit order.
pub struct Driver {
    plan: Plan,
    mail: Rc<RefCell<Mailbox>>,
    run: Option<Run>,
    result: Option<Vec<f64>>,
    /// Values each unit answers to the pending request.
    answer_len: usize,
}

impl Driver {
    /// A driver for `plan`.
    pub fn new(plan: Plan) -> Driver {
        let mail = Rc::new(RefCell::new(Mailbox::default()));
        let nu = plan.n_units();
        let (run, result): (Option<Run>, _) = if nu == 0 {
            (None, Some(vec![]))
        } else {
            let mut oracle = Remote { mail: mail.clone(), n_units: nu };
            let (a, max_total, levels) = (plan.a.clone(), plan.max_total, plan.n_levels());
            (Some(Box::pin(async move { optimise_levels(&mut oracle, &a, max_total, levels).await })), None)
        };
        let mut d = Driver { plan, mail, run, result, answer_len: 0 };
        d.poll();
        d
    }

    /// The plan (to build the units).
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    fn poll(&mut self) {
        let Some(run) = self.run.as_mut() else { return };
        if let Poll::Ready(f) = run.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            self.result = Some(f);
            self.run = None;
        }
    }

    /// The pending request, encoded (None once the optimum is known).
    pub fn next_request(&mut self) -> Option<Vec<f64>> {
        let req = self.mail.borrow_mut().request.take()?;
        self.answer_len = Request::decode(&req, self.plan.a.len()).map_or(0, |r| r.answer_len(self.plan.a.len()));
        Some(req)
    }

    /// Gives the units' answers to the request last returned by `next_request`, and runs the optimiser to
    /// its next request.
    pub fn answer(&mut self, answers: Vec<f64>) -> Result<()> {
        if self.run.is_none() || answers.len() != self.answer_len * self.plan.n_units() {
            return Err(HzError::InvalidArgument(format!(
                "kelly: expected {} answers, got {}",
                self.answer_len * self.plan.n_units(),
                answers.len()
            )));
        }
        self.mail.borrow_mut().answers = Some(answers);
        self.poll();
        Ok(())
    }

    /// The optimum over all markets (before any fraction); None while running.
    pub fn result(&self) -> Option<Vec<f64>> {
        self.result.as_ref().map(|f| if self.plan.rel.is_empty() { vec![0.0; self.plan.n] } else { self.plan.spread(f) })
    }
}

/// The optimum of the levels `levels − 1, …, 0`, each warm-started from the previous one.
///
/// Why a warm start: from f = 0 the active-set method releases every market with an edge and then
/// fixes the losers one Newton iteration at a time (~m iterations, each a Gram product over all
/// scenarios). A subsample of ~1/8 of the scenarios (recursively) gets close to the final support
/// cheaply; the full problem starts from that point and working set when every scenario's wealth
/// is positive there (cold start otherwise), and converges to the same KKT point (to the solver's
/// ~1e-12), in a few full-size iterations on the final support. The subsamples are fixed functions
/// of the scenarios, so the result is deterministic.
async fn optimise_levels<O: Oracle>(o: &mut O, a: &[f64], max_total: f64, levels: usize) -> Vec<f64> {
    let mut warm = None;
    for level in (0..levels).rev() {
        warm = Some(solve(o, level, a, max_total, warm).await);
    }
    warm.map(|w| w.f).unwrap_or_default()
}

/// The optimum f ≥ 0, Σf ≤ max_total of Σ_s w_s log(1 + f·r(s)) over one set of weighted
/// scenarios (the event optimiser's states), warm-started from subsamples above
/// [`kelly_units::WARM_START_SCENARIOS`] scenarios when more than [`MAX_EXACT_MARKETS`] markets.
pub(crate) fn optimise(sc: &Scenarios, a: &[f64], max_total: f64) -> Vec<f64> {
    let sc = Scenarios { words: sc.words, bits: sc.bits.clone(), w: sc.w.clone() };
    let unit = Unit::from_scenarios(sc, a.len() > MAX_EXACT_MARKETS);
    let levels = unit.n_levels();
    block_on(optimise_levels(&mut OneUnit { unit, a }, a, max_total, levels))
}

/// (φ'(α), φ''(α)) of the line search (φ' = −∞ where a wealth crosses 0: the sum is NaN there).
async fn slope<O: Oracle>(o: &mut O, level: usize, alpha: f64) -> (f64, f64) {
    let r = o.ask(Request::Slope { level, alpha }).await;
    (if r[0].is_nan() { f64::NEG_INFINITY } else { r[0] }, r[1])
}

/// argmax of the concave φ on (0, hi) where φ'(0) = `d0` > 0 and φ'(hi) < 0 (or hi is the
/// boundary of the domain): safeguarded Newton on φ'.
async fn line_max<O: Oracle>(o: &mut O, level: usize, hi: f64, d0: f64) -> f64 {
    let (mut lo, mut up) = (0.0f64, hi);
    let mut alpha = if hi > 1.0 { 1.0 } else { 0.5 * hi };
    for _ in 0..100 {
        let (v, h) = slope(o, level, alpha).await;
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

/// Gradient and negated Hessian (positive semi-definite) restricted to `free` at f (sets the wealth).
async fn derivatives<O: Oracle>(o: &mut O, level: usize, a: &[f64], f: &[f64], free: &[usize]) -> (Vec<f64>, Vec<f64>) {
    let s = o.ask(Request::Gram { level, f: f.to_vec(), set: free.to_vec() }).await;
    let k = free.len();
    let (a0, b0) = (s[0], s[1]);
    let ai = &s[2..2 + k];
    let bij = &s[2 + k..];
    // Where row c of the packed upper triangle starts.
    let mut row = vec![0usize; k];
    let mut off = 0;
    for (c, r) in row.iter_mut().enumerate() {
        *r = off;
        off += k - c;
    }
    let b = |c: usize, d: usize| bij[row[c] + (d - c)];
    let g: Vec<f64> = (0..k).map(|c| a[free[c]] * ai[c] - a0).collect();
    // −H_cd = Σ w r_c r_d / W² with r = −1 + a·x: B0 − a_c B_c − a_d B_d + a_c a_d B_cd.
    let mut neg_h = vec![0.0; k * k];
    for c in 0..k {
        for d in c..k {
            let (ac, ad) = (a[free[c]], a[free[d]]);
            let v = b0 - ac * b(c, c) - ad * b(d, d) + ac * ad * b(c, d);
            neg_h[c * k + d] = v;
            neg_h[d * k + c] = v;
        }
    }
    (g, neg_h)
}

/// Gradient of G for all markets at f (`support`: where f ≠ 0; sets the wealth).
async fn gradient<O: Oracle>(o: &mut O, level: usize, a: &[f64], f: &[f64], support: Vec<usize>) -> Vec<f64> {
    let s = o.ask(Request::Gradient { level, f: f.to_vec(), set: support }).await;
    (0..a.len()).map(|i| a[i] * s[1 + i] - s[0]).collect()
}

async fn solve<O: Oracle>(o: &mut O, level: usize, a: &[f64], max_total: f64, warm: Option<ActiveSet>) -> ActiveSet {
    let m = a.len();
    let mut f = vec![0.0; m];
    let mut fixed = vec![true; m];
    let mut budget = false;
    if let Some(w) = warm {
        let support: Vec<usize> = (0..m).filter(|&i| w.f[i] != 0.0).collect();
        let ok = o.ask(Request::Wealth { level, f: w.f.clone(), set: support }).await;
        if ok[0] == 1.0 {
            f = w.f;
            fixed = w.fixed;
            budget = w.budget;
        }
    }
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
            let (g, neg_h) = derivatives(o, level, a, &f, &free).await;
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
            let alpha_dom = o.ask(Request::Direction { level, d: d.clone(), set: free.clone() }).await[0];
            // Exact line search: φ(α) = Σ w log(W + α ΔW) is concave; maximise it on [0, α_bound]
            // (φ' → −∞ at the wealth boundary α_dom, so the maximiser keeps every wealth positive).
            let mut at_bound = false;
            let alpha;
            if alpha_bound < alpha_dom && slope(o, level, alpha_bound).await.0 >= 0.0 {
                alpha = alpha_bound;
                at_bound = true;
            } else {
                let hi0 = alpha_bound.min(alpha_dom);
                if !hi0.is_finite() {
                    alpha = 1.0;
                } else {
                    alpha = line_max(o, level, hi0, dec).await;
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
        let g = gradient(o, level, a, &f, support).await;
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
    use crate::kelly_units::GRAM_CHUNK;
    use ndarray::Array2;

    fn book(n: usize) -> (Vec<f64>, Vec<f64>, CopulaFactor) {
        let prices: Vec<f64> = (0..n).map(|i| 0.3 + 0.4 * ((i * 37 % 101) as f64 / 101.0)).collect();
        let probs: Vec<f64> = prices.iter().enumerate().map(|(i, &p)| (p + 0.1 * ((i * 53 % 97) as f64 / 97.0) - 0.03).clamp(0.01, 0.99)).collect();
        let c = Array2::from_shape_fn((n, n), |(i, j)| if i == j { 1.0 } else { 0.3 });
        (prices, probs, copula_factor(c.view()))
    }

    fn one_unit<'a>(sc: &Scenarios, a: &'a [f64]) -> OneUnit<'a> {
        OneUnit { unit: Unit::from_scenarios(Scenarios { words: sc.words, bits: sc.bits.clone(), w: sc.w.clone() }, false), a }
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
        let free: Vec<usize> = vec![0, 1, 2, 3, 5, 6, 7, 8, 10, 12, 17, 19, 23];
        let f: Vec<f64> = (0..n).map(|i| if free.contains(&i) { 0.02 * (i % 3) as f64 } else { 0.0 }).collect();
        let (g, neg_h) = block_on(derivatives(&mut one_unit(&sc, &a), 0, &a, &f, &free));
        let wealth: Vec<f64> = (0..sc.len()).map(|s| 1.0 + (0..n).map(|j| f[j] * if sc.bits[s] >> j & 1 == 1 { a[j] - 1.0 } else { -1.0 }).sum::<f64>()).collect();
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
            // The unit path (as the facade runs it) and the one-set path (events).
            let fu = joint_kelly(&prices, &probs, max_total, Some(&factor), 30_000, 11).unwrap();
            let fs = optimise(&sc, &a, max_total);
            let diff = fu.iter().zip(&fs).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
            // Same scenarios, merged per unit vs globally, other warm-start subsamples: the same KKT
            // point to the conditioning of this 120-market problem (measured 6e-10).
            assert!(diff < 1e-8, "max_total {max_total}: units vs one merged set differ by {diff}");
            for f in [fu, fs] {
                let support: Vec<usize> = (0..n).filter(|&i| f[i] > 0.0).collect();
                // More markets with an edge at f = 0 than one release batch: the batching is exercised.
                assert!((0..n).filter(|&i| probs[i] > prices[i]).count() > 2 * RELEASE_BATCH);
                assert!(!support.is_empty());
                let mut o = one_unit(&sc, &a);
                assert_eq!(block_on(o.ask(Request::Wealth { level: 0, f: f.clone(), set: support.clone() })), vec![1.0]);
                let g = block_on(gradient(&mut o, 0, &a, &f, support.clone()));
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
    }

    /// The subsample warm start reaches the cold start's optimum, and repeated calls are bit-identical.
    #[test]
    fn warm_start_matches_cold_start() {
        let n = 40;
        let (prices, probs, factor) = book(n);
        let rel: Vec<usize> = (0..n).collect();
        let sc = sample(&probs, Some(&factor), None, &rel, 60_000, 9);
        assert!(sc.len() > kelly_units::WARM_START_SCENARIOS);
        let a: Vec<f64> = prices.iter().map(|p| 1.0 / p).collect();
        for max_total in [0.3, 1.0, 3.0] {
            let warm = optimise(&sc, &a, max_total);
            let cold = block_on(optimise_levels(&mut one_unit(&sc, &a), &a, max_total, 1));
            let diff = warm.iter().zip(&cold).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
            assert!(diff < 1e-8, "max_total {max_total}: warm vs cold differ by {diff}");
            assert!(warm.iter().sum::<f64>() <= max_total * (1.0 + 1e-12));
            let again = optimise(&sc, &a, max_total);
            assert!(warm.iter().zip(&again).all(|(x, y)| x.to_bits() == y.to_bits()));
            // The unit path's warm start (nested levels of the raw scenarios) reaches it too.
            let units = joint_kelly(&prices, &probs, max_total, Some(&factor), 60_000, 9).unwrap();
            let diff = units.iter().zip(&cold).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
            assert!(diff < 1e-8, "max_total {max_total}: units vs cold differ by {diff}");
        }
    }

    /// The driver answered by units held in any ranges (a pool of any size) gives `joint_kelly`'s
    /// bits; the exact path too.
    #[test]
    fn driver_matches_one_call_for_any_split() {
        for (n, corr, ns) in [(60usize, true, 50_000usize), (10, false, 0), (20, false, 30_000)] {
            let (prices, probs, factor) = book(n);
            let factor = corr.then_some(factor);
            let direct = joint_kelly(&prices, &probs, 1.0, factor.as_ref(), ns, 4).unwrap();
            let plan = || Plan::new(&prices, &probs, 1.0, factor.as_ref().map(|f| f.l.nrows()), ns, 4).unwrap();
            let nu = plan().n_units();
            assert!(nu >= 1);
            for lanes in [1usize, 2, 3, 4] {
                let lanes = lanes.min(nu);
                let p = plan();
                let mut held: Vec<KellyUnits> = (0..lanes).map(|l| {
                    let (a, b) = (l * nu / lanes, (l + 1) * nu / lanes);
                    p.units(&probs, factor.clone(), a, b - a)
                }).collect();
                let mut d = Driver::new(p);
                let mut asks = 0;
                while let Some(req) = d.next_request() {
                    let answers: Vec<f64> = held.iter_mut().flat_map(|u| u.answer_encoded(&req, None).unwrap()).collect();
                    d.answer(answers).unwrap();
                    asks += 1;
                }
                let f = d.result().unwrap();
                assert!(asks > 2);
                assert!(f.iter().zip(&direct).all(|(x, y)| x.to_bits() == y.to_bits()), "n {n}, {lanes} lanes: {f:?} vs {direct:?}");
            }
        }
    }
}
