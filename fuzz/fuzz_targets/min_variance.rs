//! `minVariance(x, t, n)` through `bindings::min_variance_checked`.
#![no_main]
use libfuzzer_sys::fuzz_target;
mod common;

fuzz_target!(|data: &[u8]| {
    let mut inp = common::Input::new(data);
    let (t, n, x) = inp.history();
    let r = hz_portfolio::bindings::min_variance_checked(&x, t, n);
    common::check("minVariance", &r);
    if let Ok(v) = &r {
        let w = &v[..n];
        assert!(w.iter().all(|&x| x >= 0.0));
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{w:?}");
    }
});
