//! `kellyIndependent(probs, prices, maxTotal, fraction)` through `bindings::kelly_independent_checked`.
#![no_main]
use libfuzzer_sys::fuzz_target;
mod common;

fuzz_target!(|data: &[u8]| {
    let mut inp = common::Input::new(data);
    let n = (inp.byte() % 64) as usize;
    let extra = (inp.byte() == 0xFF) as usize; // lengths that differ
    let max_total = inp.f64();
    let fraction = inp.f64();
    let probs = inp.vec(n);
    let prices = inp.vec(n + extra);
    let r = hz_portfolio::bindings::kelly_independent_checked(&probs, &prices, max_total, fraction);
    common::check("kellyIndependent", &r);
    if let Ok(f) = &r {
        assert!(f.iter().all(|&v| v >= 0.0));
        // rounding of the proportional scaling: relative 1e-12, plus one subnormal step per market
        // (a subnormal maxTotal such as 5e-324 cannot be split exactly)
        assert!(f.iter().sum::<f64>() <= max_total * (1.0 + 1e-12) + f.len() as f64 * 5e-324);
    }
});
