//! `kellyJoint(prices, probs, maxTotal, fraction, corr, nScenarios, seed)` through
//! `bindings::kelly_joint_checked` (exact enumeration, Monte Carlo, copula; caps).
#![no_main]
use libfuzzer_sys::fuzz_target;
mod common;

fuzz_target!(|data: &[u8]| {
    let mut inp = common::Input::new(data);
    let n = (inp.byte() % 20) as usize;
    let extra = (inp.byte() == 0xFF) as usize;
    let max_total = inp.f64();
    let fraction = inp.f64();
    let mode = inp.byte();
    // scenarios: small, zero, or (rarely) above the cap
    let n_scen = match mode % 8 {
        0 => 0,
        1 => hz_portfolio::bindings::MAX_KELLY_SCENARIOS + 1,
        _ => 1 + (inp.u16() % 3000) as usize,
    };
    let seed = if mode & 0x80 != 0 { inp.f64() } else { inp.byte() as f64 };
    let correlated = mode & 0x40 != 0;
    let prices = inp.vec(n);
    let probs = inp.vec(n + extra);
    let corr = if correlated {
        let mut c = inp.vec(n * n);
        if mode & 0x20 != 0 {
            // a valid-looking matrix: symmetric, unit diagonal
            for i in 0..n {
                c[i * n + i] = 1.0;
                for j in 0..i {
                    c[i * n + j] = c[j * n + i];
                }
            }
        }
        c
    } else {
        Vec::new()
    };
    let r = hz_portfolio::bindings::kelly_joint_checked(&prices, &probs, max_total, fraction, &corr, n_scen, seed);
    common::check("kellyJoint", &r);
    if let Ok(f) = &r {
        assert!(f.iter().all(|&v| v >= 0.0));
        assert!(f.iter().sum::<f64>() <= max_total * fraction * (1.0 + 1e-9) + f.len() as f64 * 5e-324, "{f:?}");
    }
});
