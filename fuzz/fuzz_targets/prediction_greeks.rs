//! `predictionGreeks` and `predictionGreeksBatch` through `bindings::prediction_greeks*_checked`.
#![no_main]
use libfuzzer_sys::fuzz_target;
mod common;

fuzz_target!(|data: &[u8]| {
    let mut inp = common::Input::new(data);
    let n = (inp.byte() % 32) as usize;
    let ragged = inp.byte();
    let t_hours = inp.f64();
    let vol = inp.f64();
    let prices = inp.vec(n);
    let sizes = inp.vec(if ragged == 0xFF { n + 1 } else { n });
    let sides: Vec<u8> = (0..if ragged == 0xFE { n.saturating_sub(1) } else { n }).map(|_| inp.byte()).collect();
    // Read last so the seed corpus (made before models existed) keeps its meaning.
    let model = inp.byte() % 3; // 0 horizon, 1 digital, 2 an unknown code: must be a clean error
    // Per-position hours to resolution, read after everything else (same reason): the first is the
    // seed's `t_hours`, the others arbitrary; 0xFD makes them one too many (a clean error).
    let mut hours = vec![t_hours];
    hours.extend(inp.vec(if ragged == 0xFD { n } else { n.saturating_sub(1) }));
    hours.truncate(if ragged == 0xFD { n + 1 } else { n });
    let r = hz_portfolio::bindings::prediction_greeks_batch_checked(&prices, &sizes, &sides, &hours, vol, model);
    common::check("predictionGreeksBatch", &r);
    if let Ok(v) = &r {
        assert_eq!(v.len(), 4 * n);
    }
    if let (Some(&p), Some(&s)) = (prices.first(), sizes.first()) {
        let one = hz_portfolio::bindings::prediction_greeks_checked(p, s, sides.first().map_or(true, |&b| b & 1 == 1), t_hours, vol, model);
        common::check("predictionGreeks", &one);
    }
});
