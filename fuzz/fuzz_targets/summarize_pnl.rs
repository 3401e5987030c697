//! `summarizePnl(pnl, bins)` through `bindings::summarize_pnl_checked`.
#![no_main]
use libfuzzer_sys::fuzz_target;
mod common;

fuzz_target!(|data: &[u8]| {
    let mut inp = common::Input::new(data);
    let bins = match inp.byte() {
        0xFF => hz_portfolio::bindings::MAX_HISTOGRAM_BINS + 1,
        0xFE => usize::MAX,
        b => b as usize,
    };
    let n = (inp.u16() % 4096) as usize;
    let pnl = inp.vec(n);
    let r = hz_portfolio::bindings::summarize_pnl_checked(pnl, bins);
    common::check("summarizePnl", &r);
    if let Ok(s) = &r {
        if n > 0 {
            let tol = 1e-9 * s[6].abs().max(1.0);
            assert!(s[1] <= s[2] + tol && s[2] <= s[6] + tol, "VaR95 {} CVaR95 {} maxLoss {}", s[1], s[2], s[6]);
            assert!(s[3] <= s[4] + tol && s[4] <= s[6] + tol);
            assert!((0.0..=1.0).contains(&s[5]));
        }
    }
});
