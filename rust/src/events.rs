//! Events: groups of mutually exclusive markets (at most one listed outcome resolves YES).
//!
//! An event has states s = 0..S (the facade lists one state per listed outcome whose probability
//! is known, in listed order, then — when it is logically possible — the state "none of them",
//! last). Exactly one state happens. A market of the event is tied to one state k: its YES side wins
//! iff the state is k, its NO side wins iff the state is not k. The state probabilities are already
//! normalised by the facade (they sum to 1); this module only checks them.
//!
//! Exact results (no simulation): the P&L of the event's positions in every state, hence its worst
//! and best case and its expected P&L, and the worst case of a whole book: the worst state of each
//! event plus every independent market at its own worst (losing), a separable minimum, so it is exact.
use crate::{HzError, Result};

/// Tolerance on Σ state probabilities = 1 (the facade normalises in f64, so the sum is 1 ± a few ulps).
pub const PROB_SUM_TOLERANCE: f64 = 1e-9;

/// Events over a list of markets (the positions of a computation, in their order).
#[derive(Debug, Clone, PartialEq)]
pub struct EventModel {
    /// Per market: `Some((event, state))` when it belongs to an event, else `None` (independent).
    pub member: Vec<Option<(usize, usize)>>,
    /// Per market: true when the YES side is held.
    pub is_yes: Vec<bool>,
    /// Per event: its state probabilities (sum 1).
    pub probs: Vec<Vec<f64>>,
}

impl EventModel {
    /// An empty model of `n` independent markets held on the sides given.
    pub fn independent(is_yes: Vec<bool>) -> Self {
        EventModel { member: vec![None; is_yes.len()], is_yes, probs: Vec::new() }
    }

    /// Builds a model from the flat form used at the JavaScript boundary:
    /// `event_of[i]` = event index or −1, `state_of[i]` = the market's state in its event,
    /// `event_probs` = the events' state probabilities concatenated, `event_sizes[e]` = states of event e.
    ///
    /// Errors (`InvalidArgument` unless said): lengths that differ; an event index or state out of
    /// range; two markets on the same state of one event; an event without states; a
    /// probability outside [0, 1] or sums away from 1 (`InvalidProbability`).
    pub fn from_flat(is_yes: &[u8], event_of: &[i32], state_of: &[u32], event_probs: &[f64], event_sizes: &[u32]) -> Result<Self> {
        let n = is_yes.len();
        if event_of.len() != n || state_of.len() != n {
            return Err(HzError::InvalidArgument(format!(
                "events: {n} sides but {} event indices and {} states",
                event_of.len(),
                state_of.len()
            )));
        }
        let total: usize = event_sizes.iter().map(|&s| s as usize).sum();
        if total != event_probs.len() {
            return Err(HzError::InvalidArgument(format!(
                "events: the event sizes add up to {total} states but {} probabilities were given",
                event_probs.len()
            )));
        }
        let mut probs = Vec::with_capacity(event_sizes.len());
        let mut off = 0;
        for (e, &s) in event_sizes.iter().enumerate() {
            let s = s as usize;
            if s < 1 {
                return Err(HzError::InvalidArgument(format!("event {e}: needs at least 1 state, got {s}")));
            }
            let q = event_probs[off..off + s].to_vec();
            off += s;
            let mut sum = 0.0;
            for (k, &v) in q.iter().enumerate() {
                if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                    return Err(HzError::InvalidProbability(format!("event {e} state {k}: probability must be in [0, 1], got {v}")));
                }
                sum += v;
            }
            if (sum - 1.0).abs() > PROB_SUM_TOLERANCE {
                return Err(HzError::InvalidProbability(format!("event {e}: state probabilities must sum to 1, got {sum}")));
            }
            probs.push(q);
        }
        let mut member = Vec::with_capacity(n);
        let mut taken: Vec<Vec<bool>> = probs.iter().map(|q| vec![false; q.len()]).collect();
        for i in 0..n {
            let e = event_of[i];
            if e < 0 {
                member.push(None);
                continue;
            }
            let e = e as usize;
            let k = state_of[i] as usize;
            if e >= probs.len() {
                return Err(HzError::InvalidArgument(format!("market {i}: event index {e} out of range ({} events)", probs.len())));
            }
            if k >= probs[e].len() {
                return Err(HzError::InvalidArgument(format!("market {i}: state {k} out of range for event {e} ({} states)", probs[e].len())));
            }
            if taken[e][k] {
                return Err(HzError::InvalidArgument(format!("market {i}: state {k} of event {e} already belongs to another market")));
            }
            taken[e][k] = true;
            member.push(Some((e, k)));
        }
        Ok(EventModel { member, is_yes: is_yes.iter().map(|&b| b != 0).collect(), probs })
    }

    /// Number of markets.
    pub fn len(&self) -> usize {
        self.member.len()
    }

    /// True when there are no markets.
    pub fn is_empty(&self) -> bool {
        self.member.is_empty()
    }

    /// Number of events.
    pub fn n_events(&self) -> usize {
        self.probs.len()
    }

    /// Markets of event `e` with their states: (market, state), ascending market index.
    pub fn members(&self, e: usize) -> Vec<(usize, usize)> {
        self.member
            .iter()
            .enumerate()
            .filter_map(|(i, m)| match m {
                Some((ev, k)) if *ev == e => Some((i, *k)),
                _ => None,
            })
            .collect()
    }

    /// Does market i's held side win when its event is in state `s`? (i must be a member.)
    #[inline]
    pub fn wins(&self, i: usize, s: usize) -> bool {
        match self.member[i] {
            Some((_, k)) => (s == k) == self.is_yes[i],
            None => false,
        }
    }

    /// Held-side win probability of member market i (its state's probability, or 1 − it for NO).
    pub fn member_win_prob(&self, i: usize) -> Option<f64> {
        self.member[i].map(|(e, k)| {
            let q = self.probs[e][k];
            if self.is_yes[i] {
                q
            } else {
                (1.0 - q).max(0.0)
            }
        })
    }

    /// The representative market of event e for the copula: the member whose state is most likely
    /// (ties: the lowest state index, i.e. first listed). None when the event has no member.
    pub fn representative(&self, e: usize) -> Option<usize> {
        let mut best: Option<(usize, usize)> = None;
        for (i, k) in self.members(e) {
            let better = match best {
                None => true,
                Some((_, bk)) => {
                    let (q, bq) = (self.probs[e][k], self.probs[e][bk]);
                    q > bq || (q == bq && k < bk)
                }
            };
            if better {
                best = Some((i, k));
            }
        }
        best.map(|(i, _)| i)
    }

    /// The order in which event e's states are laid out on [0, 1) when a state is drawn from one
    /// uniform: the representative's state first (so its YES outcome is the event u < q_rep, exactly
    /// like a binary market), then the other states ascending.
    pub fn draw_order(&self, e: usize) -> Vec<usize> {
        let s = self.probs[e].len();
        match self.representative(e).and_then(|i| self.member[i]) {
            Some((_, k)) => std::iter::once(k).chain((0..s).filter(|&x| x != k)).collect(),
            None => (0..s).collect(),
        }
    }
}

/// Exact P&L of one event's positions.
#[derive(Debug, Clone, PartialEq)]
pub struct EventOutcome {
    /// P&L of the event's positions in each state (against cost basis).
    pub state_pnl: Vec<f64>,
    /// min over states of the P&L (every state counts: a state priced at 0 can still happen).
    pub worst: f64,
    /// max over states of the P&L.
    pub best: f64,
    /// Σ_s P(s)·P&L(s).
    pub expected: f64,
}

/// Exact per-event P&L and the worst-case P&L of the whole book (events respected, independent
/// markets each losing). Markets are summed in index order. `sizes`/`entry` per market of the model.
pub fn event_outcomes(model: &EventModel, sizes: &[f64], entry: &[f64]) -> Result<(Vec<EventOutcome>, f64)> {
    let n = model.len();
    if sizes.len() != n || entry.len() != n {
        return Err(HzError::InvalidArgument(format!(
            "events: {n} markets but {} sizes and {} entry prices",
            sizes.len(),
            entry.len()
        )));
    }
    for i in 0..n {
        if !(sizes[i].is_finite() && sizes[i] >= 0.0) {
            return Err(HzError::InvalidSize(format!("market {i}: size must be finite and ≥ 0, got {}", sizes[i])));
        }
        if !(entry[i].is_finite() && (0.0..=1.0).contains(&entry[i])) {
            return Err(HzError::InvalidPrice(format!("market {i}: entry price must be in [0, 1], got {}", entry[i])));
        }
    }
    let mut out: Vec<EventOutcome> = model
        .probs
        .iter()
        .map(|q| EventOutcome { state_pnl: vec![0.0; q.len()], worst: 0.0, best: 0.0, expected: 0.0 })
        .collect();
    let mut worst_independent = 0.0;
    for i in 0..n {
        let gain = sizes[i] * (1.0 - entry[i]);
        let loss = -(sizes[i] * entry[i]);
        match model.member[i] {
            None => worst_independent += loss.min(gain),
            Some((e, _)) => {
                for (s, v) in out[e].state_pnl.iter_mut().enumerate() {
                    *v += if model.wins(i, s) { gain } else { loss };
                }
            }
        }
    }
    let mut worst_total = worst_independent;
    for (e, o) in out.iter_mut().enumerate() {
        o.worst = o.state_pnl.iter().copied().fold(f64::INFINITY, f64::min);
        o.best = o.state_pnl.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        o.expected = o.state_pnl.iter().zip(&model.probs[e]).map(|(v, q)| v * q).sum::<f64>() + 0.0;
        worst_total += o.worst;
    }
    Ok((out, worst_total + 0.0))
}

/// Smoczynski & Tomkins (2010): Kelly stakes on mutually exclusive outcomes, YES bets only.
///
/// `q[k]`: probability of outcome k (the remaining 1 − Σq is states that cannot be bet on: the
/// "none" state and unpriced outcomes); `a[k]`: the price of outcome k (payout 1/a per unit staked).
/// Sort by q/a descending; add outcomes to S while q_k/a_k > R(S), R(S) = (1 − Σ_S q)/(1 − Σ_S a);
/// stake f_k = q_k − a_k·R for k ∈ S, 0 otherwise. The maximiser of Σ_k q_k log(R + f_k/a_k) +
/// (1 − Σq) log R is exactly this even when Σq < 1 (the KKT conditions give the Lagrange multiplier
/// 1 whatever the unbettable mass) and whatever Σa (prices summing above or below 1).
///
/// Degenerate input: a_k ≤ MIN_PRICE is read as MIN_PRICE (the infinite-odds limit), q_k = 0 never
/// bets; a_k ≥ 1 never bets (it cannot enter S: adding it would need Σ_S q > 1).
pub fn smoczynski_tomkins(q: &[f64], a: &[f64]) -> Vec<f64> {
    let n = q.len().min(a.len());
    let a: Vec<f64> = a[..n].iter().map(|&x| x.max(crate::joint_kelly::MIN_PRICE)).collect();
    let mut order: Vec<usize> = (0..n).filter(|&k| q[k] > 0.0 && a[k] < 1.0).collect();
    // Descending q/a; ties by index so the result does not depend on the sort.
    order.sort_by(|&x, &y| (q[y] / a[y]).total_cmp(&(q[x] / a[x])).then(x.cmp(&y)));
    let (mut sq, mut sa, mut r) = (0.0f64, 0.0f64, 1.0f64);
    let mut set = Vec::new();
    for &k in &order {
        if q[k] / a[k] > r {
            sq += q[k];
            sa += a[k];
            set.push(k);
            // 1 − Σa stays > 0 while outcomes enter (see the module docs); guard rounding anyway.
            r = if 1.0 - sa > 0.0 { ((1.0 - sq) / (1.0 - sa)).max(0.0) } else { 0.0 };
        } else {
            break;
        }
    }
    let mut f = vec![0.0; n];
    for &k in &set {
        f[k] = (q[k] - a[k] * r).max(0.0);
    }
    f
}

#[cfg(test)]
mod tests {
    // In wasm32 (`npm run test:rust-wasm`) the same tests run under wasm-bindgen-test in Node.
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn reference_race() {
        let f = smoczynski_tomkins(&[0.40, 0.30, 0.20, 0.10], &[0.35, 0.30, 0.25, 0.15]);
        assert!((f[0] - 0.1).abs() < 1e-15, "{f:?}");
        assert!((f[1] - 0.3 / 7.0).abs() < 1e-15, "{f:?}");
        assert_eq!(&f[2..], &[0.0, 0.0]);
    }

    #[test]
    fn one_outcome_is_the_binary_closed_form() {
        for &(q, a) in &[(0.6, 0.5), (0.3, 0.2), (0.4, 0.5)] {
            let f = smoczynski_tomkins(&[q], &[a]);
            assert!((f[0] - ((q - a) / (1.0 - a)).max(0.0)).abs() < 1e-15);
        }
    }

    #[test]
    fn flat_model_validation() {
        assert!(EventModel::from_flat(&[1, 1], &[0, 0], &[0, 1], &[0.5, 0.5], &[2]).is_ok());
        assert!(EventModel::from_flat(&[1, 1], &[0, 0], &[0, 0], &[0.5, 0.5], &[2]).is_err());
        assert!(EventModel::from_flat(&[1], &[1], &[0], &[0.5, 0.5], &[2]).is_err());
        assert!(matches!(EventModel::from_flat(&[1], &[0], &[0], &[0.5, 0.6], &[2]), Err(HzError::InvalidProbability(_))));
        assert!(EventModel::from_flat(&[1], &[0], &[0], &[1.0], &[1]).is_ok());
        assert!(EventModel::from_flat(&[], &[], &[], &[], &[0]).is_err());
    }

    #[test]
    fn outcomes_and_worst_case() {
        // Event: YES 10 @0.4 on state 0, NO 5 @0.7 on state 1, states {0, 1, none}; one independent YES 2 @0.5.
        let m = EventModel::from_flat(&[1, 0, 1], &[0, 0, -1], &[0, 1, 0], &[0.5, 0.3, 0.2], &[3]).unwrap();
        let (o, worst) = event_outcomes(&m, &[10.0, 5.0, 2.0], &[0.4, 0.7, 0.5]).unwrap();
        // state 0: +6 + 1.5 ; state 1: −4 − 3.5 ; none: −4 + 1.5
        assert_eq!(o[0].state_pnl, vec![7.5, -7.5, -2.5]);
        assert_eq!(o[0].worst, -7.5);
        assert_eq!(o[0].best, 7.5);
        assert!((o[0].expected - (0.5 * 7.5 - 0.3 * 7.5 - 0.2 * 2.5)).abs() < 1e-12);
        assert_eq!(worst, -8.5);
    }
}
