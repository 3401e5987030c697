//! The event entry points: `Simulation.withEvents(…)` + `simulate`, `eventOutcomes(…)` and
//! `kellyEvents(…)` (both methods), through their `bindings::*_checked` twins, on arbitrary
//! event models (indices and states out of range, probabilities that do not sum to 1, …).
#![no_main]
use hz_portfolio::bindings::{event_outcomes_checked, kelly_events_checked, Simulation};
use libfuzzer_sys::fuzz_target;
mod common;

fuzz_target!(|data: &[u8]| {
    let mut inp = common::Input::new(data);
    let n = (inp.byte() % 9) as usize;
    let n_events = (inp.byte() % 4) as usize;
    let mode = inp.byte();
    let sizes = inp.vec(n);
    let prices = inp.vec(n);
    let probs = inp.vec(n);
    let is_yes: Vec<u8> = (0..n).map(|_| inp.byte() & 1).collect();
    let event_of: Vec<i32> = (0..n).map(|_| (inp.byte() % (n_events as u8 + 2)) as i32 - 1).collect();
    let state_of: Vec<u32> = (0..n).map(|_| (inp.byte() % 6) as u32).collect();
    let event_sizes: Vec<u32> = (0..n_events).map(|_| (inp.byte() % 6) as u32).collect();
    let total: usize = event_sizes.iter().map(|&s| s as usize).sum::<usize>() + if mode & 8 == 8 { 1 } else { 0 };
    let mut event_probs = inp.vec(total);
    if mode & 16 == 16 {
        // Mostly valid: normalise every event's probabilities.
        let mut off = 0;
        for &s in &event_sizes {
            let s = s as usize;
            let chunk = &mut event_probs[off..off + s];
            chunk.iter_mut().for_each(|v| *v = if v.is_finite() { v.abs().min(1.0) } else { 0.5 });
            let sum: f64 = chunk.iter().sum();
            if sum > 0.0 {
                chunk.iter_mut().for_each(|v| *v /= sum);
            }
            off += s;
        }
    }
    let corr = if mode & 1 == 1 {
        let mut c = vec![0.0; n * n];
        for i in 0..n {
            c[i * n + i] = 1.0;
        }
        c
    } else {
        Vec::new()
    };
    let r = event_outcomes_checked(&sizes, &prices, &is_yes, &event_of, &state_of, &event_probs, &event_sizes);
    common::check("eventOutcomes", &r);
    for joint in [false, true] {
        let r = kelly_events_checked(&prices, &probs, &is_yes, &event_of, &state_of, &event_probs, &event_sizes, 1.0 + (mode >> 5) as f64, 1.0, joint, &corr, 500, 1.0);
        common::check("kellyEvents", &r);
        if let Ok(f) = r {
            assert!(f.iter().all(|&v| v >= 0.0), "negative Kelly stake {f:?}");
        }
    }
    match Simulation::try_new_with_events(sizes, prices.clone(), probs, &corr, &is_yes, &event_of, &state_of, &event_probs, &event_sizes) {
        Ok(sim) => common::check("Simulation::simulate(events)", &sim.try_simulate(3.0, 9000, 0, 2)),
        Err(e) => common::check("Simulation::withEvents", &Err(e)),
    }
});
