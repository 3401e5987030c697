//! Events in the Monte Carlo: never two YES winners in an event, state frequencies, the block
//! seeding contract (results independent of how blocks are split), and no change without events.
use hz_portfolio::correlation::copula_factor;
use hz_portfolio::events::EventModel;
use hz_portfolio::montecarlo::{outcome_blocks, outcome_blocks_with_events, outcome_words, simulate_blocks, simulate_blocks_with_events, SimSpec, BLOCK_SIZE};
use ndarray::Array2;
use proptest::prelude::*;

/// A model of `n` markets where markets 0..k form one event (states 0..k, then "none" when `none`).
fn model(n: usize, k: usize, yes: &[bool], q: &[f64]) -> EventModel {
    let event_of: Vec<i32> = (0..n).map(|i| if i < k { 0 } else { -1 }).collect();
    let state_of: Vec<u32> = (0..n).map(|i| if i < k { i as u32 } else { 0 }).collect();
    let is_yes: Vec<u8> = yes.iter().map(|&b| b as u8).collect();
    EventModel::from_flat(&is_yes, &event_of, &state_of, q, &[q.len() as u32]).unwrap()
}

fn normalised(raw: &[f64]) -> Vec<f64> {
    let s: f64 = raw.iter().sum();
    raw.iter().map(|v| v / s).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn never_two_yes_winners(k in 2usize..6, extra in 0usize..3, raw in prop::collection::vec(0.0f64..1.0, 7), none in any::<bool>(), corr in any::<bool>(), seed in any::<u64>()) {
        let n = k + extra;
        let mut q: Vec<f64> = raw[..k + none as usize].to_vec();
        if q.iter().sum::<f64>() == 0.0 { q[0] = 1.0; }
        let q = normalised(&q);
        let yes = vec![true; n];
        let m = model(n, k, &yes, &q);
        let probs = vec![0.5; n];
        let factor = if corr {
            let mut c = Array2::<f64>::eye(n);
            for i in 0..n { for j in 0..n { if i != j { c[[i, j]] = 0.4; } } }
            Some(copula_factor(c.view()))
        } else { None };
        let len = 3000;
        let w = outcome_words(n);
        let mut out = vec![0u64; len * w];
        outcome_blocks_with_events(&probs, factor.as_ref(), Some(&m), seed, len, 0, &mut out);
        let mut freq = vec![0usize; q.len()];
        for s in 0..len {
            let bits = out[s * w] & ((1u64 << k) - 1);
            prop_assert!(bits.count_ones() <= 1, "scenario {} has winners {:b}", s, bits);
            let state = if bits == 0 { q.len() - 1 } else { bits.trailing_zeros() as usize };
            if bits == 0 { prop_assert!(none, "no winner in an exhaustive event"); }
            freq[state] += 1;
        }
        for (st, &f) in freq.iter().enumerate() {
            let p = q[st];
            let tol = 5.0 * (p * (1.0 - p) / len as f64).sqrt() + 1e-9;
            prop_assert!((f as f64 / len as f64 - p).abs() <= tol, "state {} frequency {} vs {}", st, f as f64 / len as f64, p);
        }
    }
}

#[test]
fn without_events_nothing_changes_and_blocks_are_independent_of_the_split() {
    let n = 5;
    let sizes = [3.0, 1.0, 2.0, 5.0, 4.0];
    let entries = [0.3, 0.5, 0.2, 0.6, 0.4];
    let probs = [0.35, 0.45, 0.15, 0.5, 0.7];
    let spec = SimSpec { sizes: &sizes, entry_prices: &entries, win_probs: &probs, factor: None };
    let total = 2 * BLOCK_SIZE + 100;
    let mut a = vec![0.0; total];
    let mut b = vec![0.0; total];
    simulate_blocks(&spec, 9, total, 0, &mut a);
    simulate_blocks_with_events(&spec, Some(&EventModel::independent(vec![true; n])), 9, total, 0, &mut b);
    assert_eq!(a, b);
    let mut w1 = vec![0u64; total];
    let mut w2 = vec![0u64; total];
    outcome_blocks(&probs, None, 9, total, 0, &mut w1);
    outcome_blocks_with_events(&probs, None, None, 9, total, 0, &mut w2);
    assert_eq!(w1, w2);
    // With an event (markets 0..3, YES/NO mixed) and a copula: whole run = block by block.
    let m = model(n, 3, &[true, false, true, true, false], &[0.3, 0.25, 0.2, 0.25]);
    let mut c = Array2::<f64>::eye(n);
    c[[0, 3]] = 0.5;
    c[[3, 0]] = 0.5;
    let f = copula_factor(c.view());
    for factor in [None, Some(&f)] {
        let spec = SimSpec { sizes: &sizes, entry_prices: &entries, win_probs: &probs, factor };
        let mut whole = vec![0.0; total];
        simulate_blocks_with_events(&spec, Some(&m), 4, total, 0, &mut whole);
        let mut parts = vec![0.0; total];
        for blk in 0..3 {
            let start = blk * BLOCK_SIZE;
            let end = (start + BLOCK_SIZE).min(total);
            simulate_blocks_with_events(&spec, Some(&m), 4, total, blk, &mut parts[start..end]);
        }
        assert_eq!(whole, parts);
    }
}
