//! `ledoitWolf(x, t, n, target)` through `bindings::ledoit_wolf_checked`.
#![no_main]
use libfuzzer_sys::fuzz_target;
mod common;

fuzz_target!(|data: &[u8]| {
    let mut inp = common::Input::new(data);
    let target = inp.byte() % 3; // 2 = an unknown target code
    let (t, n, x) = inp.history();
    let r = hz_portfolio::bindings::ledoit_wolf_checked(&x, t, n, target);
    common::check("ledoitWolf", &r);
    if let Ok(v) = &r {
        assert_eq!(v.len(), n * n + 1);
        let s = v[n * n];
        assert!((0.0..=1.0).contains(&s), "shrinkage {s}");
    }
});
