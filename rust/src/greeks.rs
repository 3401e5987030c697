//! Greeks of a binary contract modelled as a zero-rate cash-or-nothing digital.
use crate::Result;

/// Position Greeks (per-share Greeks × size).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Greeks {
    pub delta: f64,
    pub gamma: f64,
    pub theta: f64,
    pub vega: f64,
}

/// `price` is the held side's price; `is_yes` the held side.
pub fn prediction_greeks(price: f64, size: f64, is_yes: bool, t_hours: f64, vol: f64) -> Result<Greeks> {
    let _ = (price, size, is_yes, t_hours, vol);
    todo!()
}
