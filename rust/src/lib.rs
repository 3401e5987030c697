//! hz-portfolio engine: the maths behind the `hz-portfolio` TypeScript library.
//!
//! One module per concept; `bindings` is the only module that knows about JavaScript.
//! Matrices cross the boundary as flat row-major `f64` slices with explicit dimensions.

pub mod error;
pub mod linalg;
pub mod covariance;
pub mod kelly;
pub mod riskparity;
pub mod minvar;
pub mod normal;
pub mod greeks;
pub mod eigen;
pub mod correlation;
pub mod events;
pub mod copula_transform;
pub mod montecarlo;
pub mod streaming;
pub mod kelly_units;
pub mod joint_kelly;
pub mod event_kelly;
pub mod bindings;
#[cfg(test)]
mod test_gen;

pub use error::{HzError, Result};
