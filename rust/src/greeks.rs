//! Greeks of a binary contract modelled as a zero-rate cash-or-nothing digital.
//!
//! Model: the YES contract pays 1 if a latent asset S (today S = 1) ends above a strike K at expiry
//! τ = t_hours / 8760 years, with zero rates and volatility σ. Its value is
//! V(S, σ, τ) = N(d2), d2 = (ln(S/K) − σ²τ/2)/(σ√τ), and K is the (implied) strike for which
//! V(1, σ, τ) = p, i.e. ln K = −(σ√τ·Φ⁻¹(p) + σ²τ/2). At S = 1 this gives, per YES share,
//!
//! * delta = ∂V/∂S = n(d2)/(σ√τ)
//! * gamma = ∂²V/∂S² = −n(d2)·d1/(σ²τ)
//! * vega  = ∂V/∂σ = −n(d2)·d1/σ                (per 1.00 of volatility)
//! * theta = −∂V/∂τ / 8760 = n(d2)·d1/(2τ)/8760 (per hour)
//!
//! with d2 = Φ⁻¹(p), d1 = d2 + σ√τ. A NO share is 1 − YES, so its Greeks are the negated YES ones.
//!
//! The default model of the library is Horizon's ([`GreeksModel::Horizon`], the seed SDK's
//! `prediction_greeks`): with p the contract price clamped to [0.01, 0.99], x = Φ⁻¹(p),
//! τ = t_hours / 24 (days) and s = max(√max(τ, 0), 0.001), per share held
//!
//! * delta = ±φ(x)                  (− for NO): value change per unit of the probit score x
//! * gamma = φ(x)/(σ·s)             (0 when σ ≤ 0)
//! * vega  = φ(x)·s
//! * theta = −φ(x)·σ/(2s)/24        (per hour)
//!
//! Only delta changes sign for NO (Horizon's convention, kept for parity). The formulas are
//! symmetric in p ↔ 1 − p, so the held side's price and the YES price give the same values. One
//! deliberate difference from Horizon: a settled contract (p exactly 0 or 1) has all Greeks 0,
//! where Horizon's clamp to [0.01, 0.99] would report the Greeks of a 1 % contract.
use crate::normal;
use crate::{HzError, Result};

/// Hours per year used to convert `t_hours` to τ in years (and theta to per hour).
pub const HOURS_PER_YEAR: f64 = 8760.0;

/// Which model [`prediction_greeks_with`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GreeksModel {
    /// Horizon SDK's model (the default): per unit of the probit score, τ in days.
    #[default]
    Horizon,
    /// Zero-rate cash-or-nothing digital on a latent S = 1, τ in years.
    Digital,
}

/// Position Greeks (per-share Greeks × size).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Greeks {
    pub delta: f64,
    pub gamma: f64,
    pub theta: f64,
    pub vega: f64,
}

/// NaN → 0, ±∞ → ±f64::MAX (only reachable with absurd inputs such as σ√τ overflowing).
#[inline]
fn finite(x: f64) -> f64 {
    if x.is_nan() {
        0.0
    } else {
        x.clamp(-f64::MAX, f64::MAX)
    }
}

/// Per-YES-share Greeks `(delta, gamma, theta, vega)` at YES price `p`, τ in years, volatility σ.
/// Degenerate cases (p ∈ {0, 1}, τ = 0, σ = 0, or σ²τ underflowing to 0) give all zeros: the
/// contract is then settled/deterministic and does not move with the latent.
pub fn yes_share_greeks(p: f64, tau: f64, sigma: f64) -> (f64, f64, f64, f64) {
    if !(p > 0.0 && p < 1.0) || !(tau > 0.0) || !(sigma > 0.0) {
        return (0.0, 0.0, 0.0, 0.0);
    }
    let s = sigma * tau.sqrt();
    if !(s * s > 0.0) {
        return (0.0, 0.0, 0.0, 0.0);
    }
    let d2 = normal::ppf(p);
    let d1 = d2 + s;
    let n = normal::pdf(d2);
    let delta = n / s;
    let gamma = -n * d1 / (s * s);
    let vega = -n * d1 / sigma;
    let theta = n * d1 / (2.0 * tau) / HOURS_PER_YEAR;
    (finite(delta), finite(gamma), finite(theta), finite(vega))
}

/// Per-share Greeks `(delta, gamma, theta, vega)` of Horizon's model for a YES share at price `p`
/// (the formulas are symmetric in p ↔ 1 − p), `t_hours` hours to resolution, volatility `vol`.
/// A settled price (exactly 0 or 1) gives all zeros.
pub fn horizon_share_greeks(p: f64, t_hours: f64, vol: f64) -> (f64, f64, f64, f64) {
    if !(p > 0.0 && p < 1.0) {
        return (0.0, 0.0, 0.0, 0.0);
    }
    let x = normal::ppf(p.clamp(0.01, 0.99));
    let phi = normal::pdf(x);
    // Horizon floors √τ at 0.001 so that an expiring contract keeps finite Greeks.
    let s = (t_hours / 24.0).max(0.0).sqrt().max(0.001);
    let gamma = if vol > 0.0 { phi / (vol * s) } else { 0.0 };
    let vega = phi * s;
    let theta = -phi * vol / (2.0 * s) / 24.0;
    (finite(phi), finite(gamma), finite(theta), finite(vega))
}

/// Greeks of a position in the chosen `model`; see [`prediction_greeks`] for the arguments, the
/// validation and the degenerate cases of the digital model, and [`horizon_share_greeks`] for
/// Horizon's (where only delta is negated for a NO position).
pub fn prediction_greeks_with(price: f64, size: f64, is_yes: bool, t_hours: f64, vol: f64, model: GreeksModel) -> Result<Greeks> {
    match model {
        GreeksModel::Digital => prediction_greeks(price, size, is_yes, t_hours, vol),
        GreeksModel::Horizon => {
            validate(price, size, t_hours, vol)?;
            let (d, g, t, v) = horizon_share_greeks(price, t_hours, vol);
            let sign = if is_yes { 1.0 } else { -1.0 };
            let scale = |x: f64| finite(x * size) + 0.0;
            Ok(Greeks { delta: scale(sign * d), gamma: scale(g), theta: scale(t), vega: scale(v) })
        }
    }
}

fn validate(price: f64, size: f64, t_hours: f64, vol: f64) -> Result<()> {
    if !(price.is_finite() && (0.0..=1.0).contains(&price)) {
        return Err(HzError::InvalidPrice(format!("greeks: price must be a finite number in [0, 1], got {price}")));
    }
    if !(size.is_finite() && size >= 0.0) {
        return Err(HzError::InvalidSize(format!("greeks: size must be a finite number ≥ 0, got {size}")));
    }
    if !(t_hours.is_finite() && t_hours >= 0.0) {
        return Err(HzError::InvalidArgument(format!("greeks: timeToExpiryHours must be a finite number ≥ 0, got {t_hours}")));
    }
    if !(vol.is_finite() && vol >= 0.0) {
        return Err(HzError::InvalidArgument(format!("greeks: volatility must be a finite number ≥ 0, got {vol}")));
    }
    Ok(())
}

/// Greeks of a position of `size` shares of the held side (`is_yes`) bought/priced at `price`
/// (the held side's price), `t_hours` hours before resolution, latent volatility `vol` (annualised).
///
/// Validation: `price` finite in [0, 1] (`InvalidPrice`), `size` finite ≥ 0 (`InvalidSize`),
/// `t_hours` finite ≥ 0 and `vol` finite ≥ 0 (`InvalidArgument`).
///
/// Degenerate cases return all-zero Greeks (never NaN): price 0 or 1 (outcome certain), `t_hours = 0`
/// (expired), `vol = 0` (this standalone function accepts σ = 0 and treats it as "no diffusion").
/// Results that would overflow (only with absurd σ·√τ) saturate at ±f64::MAX.
pub fn prediction_greeks(price: f64, size: f64, is_yes: bool, t_hours: f64, vol: f64) -> Result<Greeks> {
    validate(price, size, t_hours, vol)?;
    let p = if is_yes { price } else { 1.0 - price };
    let (d, g, t, v) = yes_share_greeks(p, t_hours / HOURS_PER_YEAR, vol);
    let sign = if is_yes { 1.0 } else { -1.0 };
    // `+ 0.0` turns −0.0 into +0.0 so that zero Greeks compare/serialise cleanly.
    let scale = |x: f64| finite(sign * x * size) + 0.0;
    Ok(Greeks { delta: scale(d), gamma: scale(g), theta: scale(t), vega: scale(v) })
}

#[cfg(test)]
mod tests {
    // In wasm32 (`npm run test:rust-wasm`) the same tests run under wasm-bindgen-test in Node.
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// V(S, σ, τ) = N((ln S − ln K)/(σ√τ) − σ√τ/2) with K implied from p at (σ0, τ0).
    fn value(ln_k: f64, s: f64, sigma: f64, tau: f64) -> f64 {
        let st = sigma * tau.sqrt();
        normal::cdf((s.ln() - ln_k) / st - st / 2.0)
    }

    fn ln_strike(p: f64, sigma: f64, tau: f64) -> f64 {
        let st = sigma * tau.sqrt();
        -(st * normal::ppf(p) + st * st / 2.0)
    }

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-8)
    }

    #[test]
    fn matches_finite_differences() {
        for &(p, hours, sigma) in &[(0.5, 24.0, 0.8), (0.2, 240.0, 1.5), (0.93, 6.0, 0.5), (0.03, 1000.0, 2.0), (0.6, 72.0, 3.0)] {
            let tau = hours / HOURS_PER_YEAR;
            let lk = ln_strike(p, sigma, tau);
            assert!((value(lk, 1.0, sigma, tau) - p).abs() < 1e-13);
            let g = prediction_greeks(p, 1.0, true, hours, sigma).unwrap();
            // Central differences with one Richardson step (error O(h⁴)), steps relative to each scale.
            let rich = |d: &dyn Fn(f64) -> f64, h: f64| (4.0 * d(h / 2.0) - d(h)) / 3.0;
            let st = sigma * tau.sqrt();
            let v = |s: f64| value(lk, s, sigma, tau);
            let delta = rich(&|h| (v(1.0 + h) - v(1.0 - h)) / (2.0 * h), 0.02 * st);
            let gamma = rich(&|h| (v(1.0 + h) - 2.0 * v(1.0) + v(1.0 - h)) / (h * h), 0.05 * st);
            let vs = |x: f64| value(lk, 1.0, x, tau);
            let vega = rich(&|h| (vs(sigma + h) - vs(sigma - h)) / (2.0 * h), 0.02 * sigma);
            let vt = |x: f64| value(lk, 1.0, sigma, x);
            let theta = -rich(&|h| (vt(tau + h) - vt(tau - h)) / (2.0 * h), 0.02 * tau) / HOURS_PER_YEAR;
            assert!(close(g.delta, delta, 1e-6), "delta {} vs {}", g.delta, delta);
            assert!(close(g.gamma, gamma, 1e-6), "gamma {} vs {}", g.gamma, gamma);
            assert!(close(g.vega, vega, 1e-6), "vega {} vs {}", g.vega, vega);
            assert!(close(g.theta, theta, 1e-6), "theta {} vs {}", g.theta, theta);
            let no = prediction_greeks(1.0 - p, 2.5, false, hours, sigma).unwrap();
            assert!(close(no.delta, -2.5 * g.delta, 1e-12));
            assert!(close(no.gamma, -2.5 * g.gamma, 1e-12));
            assert!(close(no.theta, -2.5 * g.theta, 1e-12));
            assert!(close(no.vega, -2.5 * g.vega, 1e-12));
        }
    }

    #[test]
    fn degenerate_cases_are_zero() {
        let z = Greeks::default();
        assert_eq!(prediction_greeks(0.0, 10.0, true, 24.0, 1.0).unwrap(), z);
        assert_eq!(prediction_greeks(1.0, 10.0, false, 24.0, 1.0).unwrap(), z);
        assert_eq!(prediction_greeks(0.4, 10.0, true, 0.0, 1.0).unwrap(), z);
        assert_eq!(prediction_greeks(0.4, 10.0, true, 24.0, 0.0).unwrap(), z);
        assert_eq!(prediction_greeks(0.4, 0.0, true, 24.0, 1.0).unwrap(), z);
        let g = prediction_greeks(0.4, 1e300, true, 1e-300, 1e300).unwrap();
        assert!(g.delta.is_finite() && g.gamma.is_finite() && g.theta.is_finite() && g.vega.is_finite());
        let g = prediction_greeks(0.4, 1.0, true, 1e-300, 1e-300).unwrap();
        assert!(g.delta.is_finite() && g.gamma.is_finite() && g.theta.is_finite() && g.vega.is_finite());
    }

    /// The reference values, exact to 40 digits (mpmath). Horizon 0.8.8 prints 38.63425335238556:
    /// its Φ⁻¹ is Acklam's approximation without refinement (7e-11 relative here).
    #[test]
    fn horizon_reference() {
        let g = prediction_greeks_with(0.6, 100.0, true, 24.0, 0.2, GreeksModel::Horizon).unwrap();
        assert!(close(g.delta, 38.634_253_349_686_045_488, 1e-14), "{g:?}");
        assert!(close(g.gamma, 193.171_266_748_430_227_44, 1e-14), "{g:?}");
        assert!(close(g.vega, 38.634_253_349_686_045_488, 1e-14), "{g:?}");
        assert!(close(g.theta, -0.160_976_055_623_691_856, 1e-14), "{g:?}");
        assert!(close(g.delta, 38.634_253_352_385_56, 1e-8), "agrees with horizon-sdk to 1e-8");
        let no = prediction_greeks_with(0.4, 100.0, false, 24.0, 0.2, GreeksModel::Horizon).unwrap();
        assert_eq!((no.delta, no.gamma, no.theta, no.vega), (-g.delta, g.gamma, g.theta, g.vega));
        let z = Greeks::default();
        assert_eq!(prediction_greeks_with(0.0, 10.0, true, 24.0, 0.2, GreeksModel::Horizon).unwrap(), z);
        assert_eq!(prediction_greeks_with(1.0, 10.0, false, 24.0, 0.2, GreeksModel::Horizon).unwrap(), z);
        let v0 = prediction_greeks_with(0.6, 100.0, true, 24.0, 0.0, GreeksModel::Horizon).unwrap();
        assert_eq!((v0.gamma, v0.theta), (0.0, 0.0));
        assert!(v0.theta.is_sign_positive());
        // The clamp: 0.001 is priced as 0.01; the √τ floor keeps an expiring contract finite.
        let lo = prediction_greeks_with(0.001, 1.0, true, 0.0, 0.2, GreeksModel::Horizon).unwrap();
        let x = normal::ppf(0.01);
        assert!(close(lo.delta, normal::pdf(x), 1e-15));
        assert!(close(lo.gamma, normal::pdf(x) / (0.2 * 0.001), 1e-14));
        assert!(matches!(prediction_greeks_with(1.2, 1.0, true, 1.0, 1.0, GreeksModel::Horizon), Err(HzError::InvalidPrice(_))));
    }

    #[test]
    fn validation() {
        assert!(matches!(prediction_greeks(1.2, 1.0, true, 1.0, 1.0), Err(HzError::InvalidPrice(_))));
        assert!(matches!(prediction_greeks(f64::NAN, 1.0, true, 1.0, 1.0), Err(HzError::InvalidPrice(_))));
        assert!(matches!(prediction_greeks(0.5, -1.0, true, 1.0, 1.0), Err(HzError::InvalidSize(_))));
        assert!(matches!(prediction_greeks(0.5, f64::INFINITY, true, 1.0, 1.0), Err(HzError::InvalidSize(_))));
        assert!(matches!(prediction_greeks(0.5, 1.0, true, -1.0, 1.0), Err(HzError::InvalidArgument(_))));
        assert!(matches!(prediction_greeks(0.5, 1.0, true, 1.0, -0.1), Err(HzError::InvalidArgument(_))));
        assert!(matches!(prediction_greeks(0.5, 1.0, true, 1.0, f64::NAN), Err(HzError::InvalidArgument(_))));
    }
}
