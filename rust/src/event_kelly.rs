//! Kelly sizing when some markets form events (mutually exclusive outcomes, see [`crate::events`]).
//!
//! Markets are those that take part (the facade passes the markets of `probs`); `prices` and
//! `probs` are held-side; the probabilities of event members are read from the event's states.
//!
//! * [`kelly_events_independent`] — markets outside events: the binary closed form
//!   f = (p − P)/(1 − P) (negatives → 0). An event is sized as a whole, exactly: YES-only members by
//!   the Smoczynski–Tomkins closed form ([`crate::events::smoczynski_tomkins`]); with a NO member,
//!   by the log-growth optimiser of [`crate::joint_kelly`] on the event's states (budget
//!   `max_total`). Then × `fraction`, and scaled down proportionally when Σf > `max_total`.
//! * [`kelly_events_joint`] — one log-growth problem over the product of the events' states and the
//!   2^n outcomes of the independent markets: exact enumeration when it has ≤ [`MAX_EXACT_STATES`]
//!   states and no copula, Monte Carlo scenarios (events respected) otherwise; then × `fraction`.
//!
//! Sure wins: a state of probability 0 gets the weight [`MIN_STATE_WEIGHT`] in the optimiser (the
//! continuous limit, as joint Kelly does for p = 1), so a NO on an impossible outcome stakes ≈ 1 —
//! like the binary closed form for p = 1 — instead of running to the budget.
use crate::correlation::CopulaFactor;
use crate::events::{smoczynski_tomkins, EventModel};
use crate::joint_kelly::{self, Scenarios, MAX_PROB, MIN_PRICE};
use crate::{HzError, Result};

/// Largest product state space solved by exact enumeration.
pub const MAX_EXACT_STATES: usize = 65_536;
/// Weight given to a state of probability 0 in the optimiser (the sure-win limit).
pub const MIN_STATE_WEIGHT: f64 = 1e-12;

fn check_inputs(model: &EventModel, prices: &[f64], probs: &[f64], max_total: f64) -> Result<()> {
    let n = model.len();
    if prices.len() != n || probs.len() != n {
        return Err(HzError::InvalidArgument(format!(
            "kelly: {n} markets but {} prices and {} probabilities",
            prices.len(),
            probs.len()
        )));
    }
    for i in 0..n {
        if !(prices[i].is_finite() && (0.0..=1.0).contains(&prices[i])) {
            return Err(HzError::InvalidPrice(format!("market {i}: price must be a finite number in [0, 1], got {}", prices[i])));
        }
        if !(probs[i].is_finite() && (0.0..=1.0).contains(&probs[i])) {
            return Err(HzError::InvalidProbability(format!("market {i}: probability must be a finite number in [0, 1], got {}", probs[i])));
        }
    }
    if !(max_total.is_finite() && max_total > 0.0) {
        return Err(HzError::InvalidArgument(format!("kelly: maxTotal must be a finite number > 0, got {max_total}")));
    }
    Ok(())
}

/// Held-side win probability of market i (from its event's states for members).
fn win_prob(model: &EventModel, probs: &[f64], i: usize) -> f64 {
    model.member_win_prob(i).unwrap_or(probs[i])
}

/// Default Kelly with events (see the module docs). Returns f × fraction, Σ ≤ max_total.
pub fn kelly_events_independent(model: &EventModel, prices: &[f64], probs: &[f64], max_total: f64, fraction: f64) -> Result<Vec<f64>> {
    check_inputs(model, prices, probs, max_total)?;
    if !(fraction.is_finite() && fraction > 0.0) {
        return Err(HzError::InvalidArgument(format!("kelly: fraction must be a finite number > 0, got {fraction}")));
    }
    let n = model.len();
    let mut f = vec![0.0; n];
    for i in 0..n {
        if model.member[i].is_none() && prices[i] < 1.0 {
            f[i] = ((probs[i] - prices[i]) / (1.0 - prices[i])).max(0.0);
        }
    }
    for e in 0..model.n_events() {
        let members = model.members(e);
        if members.is_empty() {
            continue;
        }
        let fe = if members.iter().all(|&(i, _)| model.is_yes[i]) {
            let q: Vec<f64> = members.iter().map(|&(_, k)| model.probs[e][k]).collect();
            let a: Vec<f64> = members.iter().map(|&(i, _)| prices[i]).collect();
            smoczynski_tomkins(&q, &a)
        } else {
            event_optimum(model, e, &members, prices, max_total)
        };
        for (&(i, _), v) in members.iter().zip(fe) {
            f[i] = v;
        }
    }
    for v in f.iter_mut() {
        *v *= fraction;
    }
    let total: f64 = f.iter().sum();
    if total > max_total {
        let r = max_total / total;
        f.iter_mut().for_each(|v| *v *= r);
    }
    Ok(f)
}

/// Log-growth optimum of one event's members over its states (budget `max_total`).
fn event_optimum(model: &EventModel, e: usize, members: &[(usize, usize)], prices: &[f64], max_total: f64) -> Vec<f64> {
    // Members that can matter: price < 1 and some state where they win.
    let rel: Vec<usize> = (0..members.len())
        .filter(|&j| {
            let i = members[j].0;
            prices[i] < 1.0 && (0..model.probs[e].len()).any(|s| model.wins(i, s) && model.probs[e][s] > 0.0)
        })
        .collect();
    let mut out = vec![0.0; members.len()];
    if rel.is_empty() {
        return out;
    }
    let words = rel.len().div_ceil(64).max(1);
    let mut sc = Scenarios { words, bits: Vec::new(), w: Vec::new() };
    for (s, &q) in model.probs[e].iter().enumerate() {
        let mut b = vec![0u64; words];
        for (c, &j) in rel.iter().enumerate() {
            if model.wins(members[j].0, s) {
                b[c / 64] |= 1u64 << (c % 64);
            }
        }
        sc.bits.extend_from_slice(&b);
        sc.w.push(q.max(MIN_STATE_WEIGHT));
    }
    let a: Vec<f64> = rel.iter().map(|&j| 1.0 / prices[members[j].0].max(MIN_PRICE)).collect();
    let f = joint_kelly::optimise(&sc, &a, max_total);
    for (c, &j) in rel.iter().enumerate() {
        out[j] = f[c];
    }
    out
}

/// Joint Kelly with events (see the module docs). Returns the optimum × fraction.
#[allow(clippy::too_many_arguments)]
pub fn kelly_events_joint(
    model: &EventModel,
    prices: &[f64],
    probs: &[f64],
    max_total: f64,
    fraction: f64,
    factor: Option<&CopulaFactor>,
    n_scenarios: usize,
    seed: u64,
) -> Result<Vec<f64>> {
    check_inputs(model, prices, probs, max_total)?;
    let n = model.len();
    if let Some(f) = factor {
        if f.l.nrows() != n {
            return Err(HzError::InvalidArgument(format!("kelly: correlation has {} rows for {n} markets", f.l.nrows())));
        }
    }
    let mut out = vec![0.0; n];
    let rel: Vec<usize> = (0..n).filter(|&i| win_prob(model, probs, i) > 0.0 && prices[i] < 1.0).collect();
    if rel.is_empty() {
        return Ok(out);
    }
    // Size of the product state space over what matters: relevant independent markets × events
    // with a relevant member.
    let indep: Vec<usize> = rel.iter().copied().filter(|&i| model.member[i].is_none()).collect();
    let mut events: Vec<usize> = rel.iter().filter_map(|&i| model.member[i].map(|(e, _)| e)).collect();
    events.sort_unstable();
    events.dedup();
    let mut fits = indep.len() < 17;
    if fits {
        let mut states = 1usize << indep.len();
        for &e in &events {
            states = states.saturating_mul(model.probs[e].len());
        }
        fits = states <= MAX_EXACT_STATES;
    }
    let scen = if factor.is_none() && fits {
        enumerate(model, probs, &rel, &indep, &events)
    } else {
        if n_scenarios == 0 {
            return Err(HzError::InvalidArgument("kelly: nScenarios must be ≥ 1".into()));
        }
        let wp: Vec<f64> = (0..n).map(|i| win_prob(model, probs, i)).collect();
        joint_kelly::sample(&wp, factor, Some(model), &rel, n_scenarios, seed)
    };
    let a: Vec<f64> = rel.iter().map(|&i| 1.0 / prices[i].max(MIN_PRICE)).collect();
    let f = joint_kelly::optimise(&scen, &a, max_total);
    for (c, &i) in rel.iter().enumerate() {
        out[i] = f[c] * fraction;
    }
    Ok(out)
}

/// Every joint outcome of the relevant independent markets (2 each) and of the events (their states).
fn enumerate(model: &EventModel, probs: &[f64], rel: &[usize], indep: &[usize], events: &[usize]) -> Scenarios {
    let words = rel.len().div_ceil(64).max(1);
    let pos = |i: usize| rel.iter().position(|&r| r == i).unwrap();
    let indep_pos: Vec<usize> = indep.iter().map(|&i| pos(i)).collect();
    let p: Vec<f64> = indep.iter().map(|&i| probs[i].min(MAX_PROB)).collect();
    // Members of each enumerated event that are relevant, with their bit positions.
    let ev_members: Vec<Vec<(usize, usize)>> = events
        .iter()
        .map(|&e| model.members(e).into_iter().filter(|(i, _)| rel.contains(i)).map(|(i, _)| (i, pos(i))).collect())
        .collect();
    let radix: Vec<usize> = events.iter().map(|&e| model.probs[e].len()).collect();
    let mut sc = Scenarios { words, bits: Vec::new(), w: Vec::new() };
    let mut digits = vec![0usize; events.len()];
    loop {
        let mut w_ev = 1.0;
        let mut b_ev = vec![0u64; words];
        for (d, &e) in events.iter().enumerate() {
            let s = digits[d];
            w_ev *= model.probs[e][s].max(MIN_STATE_WEIGHT);
            for &(i, c) in &ev_members[d] {
                if model.wins(i, s) {
                    b_ev[c / 64] |= 1u64 << (c % 64);
                }
            }
        }
        for mask in 0u64..(1u64 << indep.len()) {
            let mut w = w_ev;
            let mut b = b_ev.clone();
            for (t, &c) in indep_pos.iter().enumerate() {
                if (mask >> t) & 1 == 1 {
                    w *= p[t];
                    b[c / 64] |= 1u64 << (c % 64);
                } else {
                    w *= 1.0 - p[t];
                }
            }
            if w > 0.0 {
                sc.bits.extend_from_slice(&b);
                sc.w.push(w);
            }
        }
        // Next combination of event states (mixed radix, first event fastest).
        let mut d = 0;
        while d < digits.len() {
            digits[d] += 1;
            if digits[d] < radix[d] {
                break;
            }
            digits[d] = 0;
            d += 1;
        }
        if d == digits.len() {
            break;
        }
    }
    sc
}

#[cfg(test)]
mod tests {
    // In wasm32 (`npm run test:rust-wasm`) the same tests run under wasm-bindgen-test in Node.
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn model(is_yes: &[u8], event_of: &[i32], state_of: &[u32], probs: &[f64], sizes: &[u32]) -> EventModel {
        EventModel::from_flat(is_yes, event_of, state_of, probs, sizes).unwrap()
    }

    /// Expected log growth of stakes f over the event's states.
    fn growth(m: &EventModel, e: usize, prices: &[f64], f: &[f64]) -> f64 {
        let total: f64 = f.iter().sum();
        m.probs[e]
            .iter()
            .enumerate()
            .map(|(s, &q)| {
                let mut w = 1.0 - total;
                for (i, &fi) in f.iter().enumerate() {
                    if m.wins(i, s) {
                        w += fi / prices[i];
                    }
                }
                if q > 0.0 {
                    q * w.ln()
                } else {
                    0.0
                }
            })
            .sum()
    }

    #[test]
    fn reference_race_through_the_optimiser_too() {
        let m = model(&[1, 1, 1, 1], &[0, 0, 0, 0], &[0, 1, 2, 3], &[0.4, 0.3, 0.2, 0.1], &[4]);
        let prices = [0.35, 0.30, 0.25, 0.15];
        let st = kelly_events_independent(&m, &prices, &[0.0; 4], 10.0, 1.0).unwrap();
        assert!((st[0] - 0.1).abs() < 1e-14 && (st[1] - 0.3 / 7.0).abs() < 1e-14, "{st:?}");
        let members = m.members(0);
        let opt = event_optimum(&m, 0, &members, &prices, 10.0);
        for k in 0..4 {
            assert!((opt[k] - st[k]).abs() < 1e-8, "{opt:?} vs {st:?}");
        }
        let joint = kelly_events_joint(&m, &prices, &[0.0; 4], 10.0, 1.0, None, 0, 0).unwrap();
        for k in 0..4 {
            assert!((joint[k] - st[k]).abs() < 1e-8, "{joint:?} vs {st:?}");
        }
        assert!(growth(&m, 0, &prices, &st) > 0.0);
    }

    #[test]
    fn monte_carlo_joint_matches_exact_enumeration() {
        // Two events (one with a NO holding) and an independent market; an identity correlation
        // forces the Monte Carlo path (same distribution as the exact enumeration).
        let m = model(&[1, 1, 0, 1, 1], &[0, 0, 1, 1, -1], &[0, 1, 0, 1, 0], &[0.5, 0.3, 0.2, 0.4, 0.35, 0.25], &[3, 3]);
        let prices = [0.4, 0.32, 0.55, 0.3, 0.4];
        let probs = [0.0, 0.0, 0.0, 0.0, 0.5];
        let exact = kelly_events_joint(&m, &prices, &probs, 10.0, 1.0, None, 0, 0).unwrap();
        let eye = ndarray::Array2::<f64>::eye(5);
        let f = crate::correlation::copula_factor(eye.view());
        let mc = kelly_events_joint(&m, &prices, &probs, 10.0, 1.0, Some(&f), 1_000_000, 3).unwrap();
        for i in 0..5 {
            assert!((mc[i] - exact[i]).abs() < 0.02, "{mc:?} vs {exact:?}");
        }
        assert!(exact.iter().any(|&v| v > 0.01), "{exact:?}");
    }

    #[test]
    fn no_holdings_beat_every_nearby_point() {
        // YES on 0, NO on 1 of a 3-state event (last = none), prices summing above 1.
        let m = model(&[1, 0], &[0, 0], &[0, 1], &[0.5, 0.3, 0.2], &[3]);
        let prices = [0.45, 0.75];
        let f = kelly_events_independent(&m, &prices, &[0.0; 2], 10.0, 1.0).unwrap();
        let g = growth(&m, 0, &prices, &f);
        for d0 in [-1e-3, 0.0, 1e-3] {
            for d1 in [-1e-3, 0.0, 1e-3] {
                let x = [(f[0] + d0).max(0.0), (f[1] + d1).max(0.0)];
                assert!(growth(&m, 0, &prices, &x) <= g + 1e-12, "{x:?} beats {f:?}");
            }
        }
    }
}
