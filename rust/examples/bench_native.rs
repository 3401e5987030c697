//! Native contestant of `npm run bench` (bench/run.ts): the same crate compiled for the host.
//!
//! A tiny line server so that the orchestrator can interleave it with the other contestants:
//! each stdin line is `op path t n sims reps` (inputs are little-endian f64 files written by the
//! orchestrator); the answer is one JSON line `{"ms":[…],"check":x}`. The first request for a
//! given (op, shape) runs once untimed (warm caches, page faults) before the timed repetitions.
//!
//! ops: `lw` (Ledoit-Wolf identity, x = T×N), `erc` (LW + equal risk contribution), `minvar`
//! (LW + long-only minimum variance), `mc` (N sizes, N entries, N probs, optional N×N correlation
//! → P&L of `sims` scenarios, single thread), `summ` (the same simulation then summarize), `jk`
//! (N prices, N probs → exact joint Kelly).
//!
//! `cargo run --release -p hz-portfolio-engine --example bench_native`
use hz_portfolio::correlation::copula_factor;
use hz_portfolio::covariance::{ledoit_wolf, ShrinkTarget};
use hz_portfolio::joint_kelly::joint_kelly;
use hz_portfolio::minvar::min_variance_long_only;
use hz_portfolio::montecarlo::{simulate_blocks, summarize, SimSpec};
use hz_portfolio::riskparity::equal_risk_contribution;
use ndarray::ArrayView2;
use std::collections::HashSet;
use std::io::{BufRead, Write};
use std::time::Instant;

fn read_f64(path: &str) -> Vec<f64> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    bytes.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect()
}

fn run(op: &str, data: &[f64], t: usize, n: usize, sims: usize) -> f64 {
    match op {
        "lw" => {
            let x = ArrayView2::from_shape((t, n), data).unwrap();
            ledoit_wolf(x, ShrinkTarget::Identity).unwrap().shrinkage
        }
        "erc" => {
            let x = ArrayView2::from_shape((t, n), data).unwrap();
            let c = ledoit_wolf(x, ShrinkTarget::Identity).unwrap().covariance;
            equal_risk_contribution(c.view(), None).unwrap()[0]
        }
        "minvar" => {
            let x = ArrayView2::from_shape((t, n), data).unwrap();
            let c = ledoit_wolf(x, ShrinkTarget::Identity).unwrap().covariance;
            min_variance_long_only(c.view()).unwrap().iter().cloned().fold(0.0, f64::max)
        }
        "mc" | "summ" => {
            let (sizes, rest) = data.split_at(n);
            let (entries, rest) = rest.split_at(n);
            let (probs, corr) = rest.split_at(n);
            // The copula factor is prepared once per run, as `new Simulation(…)` does.
            let factor = if corr.is_empty() { None } else { Some(copula_factor(ArrayView2::from_shape((n, n), corr).unwrap())) };
            let spec = SimSpec { sizes, entry_prices: entries, win_probs: probs, factor: factor.as_ref() };
            let mut out = vec![0.0; sims];
            simulate_blocks(&spec, 42, sims, 0, &mut out);
            if op == "summ" {
                summarize(&mut out, 50).var95
            } else {
                out.iter().sum::<f64>() / sims as f64
            }
        }
        "jk" => {
            let (prices, probs) = data.split_at(n);
            joint_kelly(prices, probs, 1.0, None, 0, 0).unwrap().iter().sum()
        }
        _ => panic!("unknown op {op}"),
    }
}

fn main() {
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout();
    let mut warmed: HashSet<String> = HashSet::new();
    for line in stdin.lock().lines() {
        let line = line.unwrap();
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.is_empty() {
            continue;
        }
        if f[0] == "quit" {
            break;
        }
        let (op, path) = (f[0], f[1]);
        let num = |i: usize| f[i].parse::<usize>().unwrap();
        let (t, n, sims, reps) = (num(2), num(3), num(4), num(5));
        let data = read_f64(path);
        let key = format!("{op} {t} {n} {sims}");
        if warmed.insert(key) {
            std::hint::black_box(run(op, &data, t, n, sims));
        }
        let mut ms = Vec::with_capacity(reps);
        let mut check = 0.0;
        for _ in 0..reps {
            let t0 = Instant::now();
            check = std::hint::black_box(run(op, &data, t, n, sims));
            ms.push(t0.elapsed().as_secs_f64() * 1e3);
        }
        let ms: Vec<String> = ms.iter().map(|v| format!("{v:.6}")).collect();
        writeln!(stdout, "{{\"ms\":[{}],\"check\":{}}}", ms.join(","), if check.is_finite() { check } else { 0.0 }).unwrap();
        stdout.flush().unwrap();
    }
}
