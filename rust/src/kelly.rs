//! Independent Kelly sizing for binary contracts.
use crate::{HzError, Result};

/// `probs`/`prices`: held-side win probabilities and held-side prices.
/// f_i = (p_i − P_i)/(1 − P_i), negatives → 0, × fraction, scaled down so Σf ≤ max_total.
///
/// A price of 1 (nothing left to win) gets 0. Errors: length mismatch → `InvalidArgument`;
/// a probability outside [0, 1] or non-finite → `InvalidProbability`; a price outside
/// [0, 1] or non-finite → `InvalidPrice`; `max_total` or `fraction` not finite and > 0 →
/// `InvalidArgument`.
pub fn kelly_independent(
    probs: &[f64],
    prices: &[f64],
    max_total: f64,
    fraction: f64,
) -> Result<Vec<f64>> {
    if probs.len() != prices.len() {
        return Err(HzError::InvalidArgument(format!(
            "probs and prices must have the same length, got {} and {}",
            probs.len(),
            prices.len()
        )));
    }
    if !(max_total.is_finite() && max_total > 0.0) {
        return Err(HzError::InvalidArgument(format!(
            "maxTotal must be finite and > 0, got {max_total}"
        )));
    }
    if !(fraction.is_finite() && fraction > 0.0) {
        return Err(HzError::InvalidArgument(format!(
            "fraction must be finite and > 0, got {fraction}"
        )));
    }
    for (i, (&p, &price)) in probs.iter().zip(prices.iter()).enumerate() {
        if !(p.is_finite() && (0.0..=1.0).contains(&p)) {
            return Err(HzError::InvalidProbability(format!(
                "probability at index {i} must be in [0, 1], got {p}"
            )));
        }
        if !(price.is_finite() && (0.0..=1.0).contains(&price)) {
            return Err(HzError::InvalidPrice(format!(
                "price at index {i} must be in [0, 1], got {price}"
            )));
        }
    }
    let mut f: Vec<f64> = probs
        .iter()
        .zip(prices.iter())
        .map(|(&p, &price)| {
            if price >= 1.0 {
                return 0.0;
            }
            let k = (p - price) / (1.0 - price);
            if k > 0.0 {
                k * fraction
            } else {
                0.0
            }
        })
        .collect();
    let total: f64 = f.iter().sum();
    if total > max_total {
        let scale = max_total / total;
        for v in f.iter_mut() {
            *v *= scale;
        }
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    // In wasm32 (`npm run test:rust-wasm`) the same tests run under wasm-bindgen-test in Node.
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn spec_values() {
        let f = kelly_independent(&[0.70, 0.55, 0.5], &[0.50, 0.50, 0.5], 10.0, 1.0).unwrap();
        assert!((f[0] - 0.40).abs() < 1e-15);
        assert!((f[1] - 0.10).abs() < 1e-15);
        assert_eq!(f[2], 0.0);
    }

    #[test]
    fn negative_edge_price_one_and_fraction() {
        let f = kelly_independent(&[0.3, 1.0, 0.9], &[0.5, 1.0, 0.6], 10.0, 0.5).unwrap();
        assert_eq!(f[0], 0.0);
        assert_eq!(f[1], 0.0);
        assert!((f[2] - 0.5 * 0.75).abs() < 1e-15);
    }

    #[test]
    fn caps_total_proportionally() {
        let f = kelly_independent(&[0.70, 0.55], &[0.50, 0.50], 0.25, 1.0).unwrap();
        let s: f64 = f.iter().sum();
        assert!((s - 0.25).abs() < 1e-15);
        assert!((f[0] / f[1] - 4.0).abs() < 1e-12);
    }

    #[test]
    fn validation() {
        assert!(matches!(
            kelly_independent(&[0.5], &[0.5, 0.4], 1.0, 1.0),
            Err(HzError::InvalidArgument(_))
        ));
        assert!(matches!(
            kelly_independent(&[1.5], &[0.5], 1.0, 1.0),
            Err(HzError::InvalidProbability(_))
        ));
        assert!(matches!(
            kelly_independent(&[f64::NAN], &[0.5], 1.0, 1.0),
            Err(HzError::InvalidProbability(_))
        ));
        assert!(matches!(
            kelly_independent(&[0.5], &[-0.1], 1.0, 1.0),
            Err(HzError::InvalidPrice(_))
        ));
        assert!(matches!(
            kelly_independent(&[0.5], &[f64::INFINITY], 1.0, 1.0),
            Err(HzError::InvalidPrice(_))
        ));
        assert!(matches!(
            kelly_independent(&[0.5], &[0.5], 0.0, 1.0),
            Err(HzError::InvalidArgument(_))
        ));
        assert!(matches!(
            kelly_independent(&[0.5], &[0.5], f64::INFINITY, 1.0),
            Err(HzError::InvalidArgument(_))
        ));
        assert!(matches!(
            kelly_independent(&[0.5], &[0.5], 1.0, 0.0),
            Err(HzError::InvalidArgument(_))
        ));
        assert!(matches!(
            kelly_independent(&[0.5], &[0.5], 1.0, f64::NAN),
            Err(HzError::InvalidArgument(_))
        ));
        assert_eq!(
            kelly_independent(&[], &[], 1.0, 1.0).unwrap(),
            Vec::<f64>::new()
        );
    }
}
