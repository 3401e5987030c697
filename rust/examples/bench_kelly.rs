//! Joint Kelly timing (Monte Carlo path, correlated through a history), release mode:
//! `cargo run --release -p hz-portfolio-engine --example bench_kelly -- 100 100000`
use hz_portfolio::bindings::{history_correlation_checked, kelly_joint_checked};
use std::time::Instant;


fn main() {
    let args: Vec<usize> = std::env::args().skip(1).map(|a| a.parse().unwrap()).collect();
    let n = *args.first().unwrap_or(&100);
    let ns = *args.get(1).unwrap_or(&100_000);
    let t = 250;
    let mut s = 7u64;
    let mut next = move || {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((s >> 11) as f64 / (1u64 << 53) as f64) - 0.5
    };
    let f: Vec<f64> = (0..t).map(|_| next()).collect();
    let load: Vec<f64> = (0..n).map(|_| next() + 0.2).collect();
    let x: Vec<f64> = (0..t * n).map(|k| 0.02 * (next() + f[k / n] * load[k % n])).collect();
    let c = history_correlation_checked(&x, t, n).unwrap();
    let corr = &c[1 + n * n..];
    let prices: Vec<f64> = (0..n).map(|_| 0.3 + 0.4 * (next() + 0.5)).collect();
    let probs: Vec<f64> = prices.iter().map(|&p| (p + 0.08 * next() + 0.02).clamp(0.01, 0.99)).collect();
    let start = Instant::now();
    let out = kelly_joint_checked(&prices, &probs, 1.0, 1.0, corr, ns, 42.0).unwrap();
    let el = start.elapsed().as_secs_f64();
    let nz = out.iter().filter(|&&v| v > 0.0).count();
    let sum: f64 = out.iter().sum();
    println!("N={n} scen={ns}: {:.3} s, {nz} nonzero, sum {sum:.15}", el);
    let bits: Vec<String> = out.iter().map(|v| format!("{:016x}", v.to_bits())).collect();
    std::fs::write(format!("/tmp/perf-kelly-{n}-{ns}.txt"), bits.join("\n")).unwrap();
}
