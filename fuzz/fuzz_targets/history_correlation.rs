//! `historyCorrelation(x, t, n)` through `bindings::history_correlation_checked`.
#![no_main]
use libfuzzer_sys::fuzz_target;
mod common;

fuzz_target!(|data: &[u8]| {
    let mut inp = common::Input::new(data);
    let (t, n, x) = inp.history();
    let r = hz_portfolio::bindings::history_correlation_checked(&x, t, n);
    common::check("historyCorrelation", &r);
    if let Ok(v) = &r {
        assert_eq!(v.len(), 1 + 2 * n * n);
        let corr = &v[1 + n * n..];
        for i in 0..n {
            assert_eq!(corr[i * n + i], 1.0);
        }
        assert!(corr.iter().all(|c| c.abs() <= 1.0));
    }
});
