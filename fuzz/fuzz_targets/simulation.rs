//! `new Simulation(sizes, entryPrices, winProbs, corr)` and `simulate(seed, nTotal, firstBlock,
//! nBlocks)` through `bindings::Simulation::{try_new, try_simulate}`.
#![no_main]
use hz_portfolio::bindings::{Simulation, MAX_SIMULATIONS};
use libfuzzer_sys::fuzz_target;
mod common;

fuzz_target!(|data: &[u8]| {
    let mut inp = common::Input::new(data);
    let n = (inp.byte() % 12) as usize;
    let mode = inp.byte();
    let sizes = inp.vec(n);
    let entry = inp.vec(if mode == 0xFF { n + 1 } else { n });
    let probs = inp.vec(n);
    let corr = if mode & 1 == 1 {
        let mut c = inp.vec(n * n);
        if mode & 2 == 2 {
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
    let sim = match Simulation::try_new(sizes, entry, probs, &corr) {
        Ok(s) => s,
        Err(e) => {
            common::check("Simulation::new", &Err(e));
            return;
        }
    };
    let seed = if mode & 4 == 4 { inp.f64() } else { inp.u16() as f64 };
    let n_total = match inp.byte() % 16 {
        0 => 0,
        1 => MAX_SIMULATIONS + 1,
        _ => (inp.u16() % 20_000) as usize,
    };
    let first = (inp.byte() % 4) as usize;
    let blocks = match inp.byte() % 8 {
        0 => usize::MAX,
        k => k as usize % 4,
    };
    let r = sim.try_simulate(seed, n_total, first, blocks);
    common::check("Simulation::simulate", &r);
    if let Ok(pnl) = r {
        let r2 = hz_portfolio::bindings::summarize_pnl_checked(pnl, 50);
        common::check("summarizePnl(simulated)", &r2);
        if let Ok(s) = &r2 {
            if s.len() > 8 {
                let tol = 1e-9 * s[6].abs().max(1.0);
                assert!(s[1] <= s[2] + tol && s[2] <= s[6] + tol, "VaR95 {} CVaR95 {} maxLoss {}", s[1], s[2], s[6]);
            }
        }
    }
});
