//! `riskParity(x, t, n, method, budgets)` through `bindings::risk_parity_checked`.
#![no_main]
use libfuzzer_sys::fuzz_target;
mod common;

fuzz_target!(|data: &[u8]| {
    let mut inp = common::Input::new(data);
    let method = inp.byte() % 3; // 2 = an unknown method code
    let budgets_mode = inp.byte();
    let (t, n, x) = inp.history();
    let budgets = match budgets_mode % 4 {
        0 => inp.vec(n),
        1 => inp.vec((budgets_mode / 4) as usize % 8),
        _ => Vec::new(),
    };
    let r = hz_portfolio::bindings::risk_parity_checked(&x, t, n, method, &budgets);
    common::check("riskParity", &r);
    if let Ok(v) = &r {
        let w = &v[..n];
        assert!(w.iter().all(|&x| x >= 0.0));
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{w:?}");
    }
});
