//! Native timings of the Monte Carlo and joint Kelly engines:
//! `cargo run --release --example bench_mc`
use hz_portfolio::correlation::copula_factor;
use hz_portfolio::joint_kelly::joint_kelly;
use hz_portfolio::montecarlo::{simulate_blocks, summarize, SimSpec};
use ndarray::Array2;
use std::time::Instant;

fn lcg(seed: u64) -> impl FnMut() -> f64 {
    let mut s = seed;
    move || {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((s >> 11) as f64) / (1u64 << 53) as f64
    }
}

fn main() {
    let mut u = lcg(1);
    let n = 100;
    let sizes: Vec<f64> = (0..n).map(|_| 1.0 + 99.0 * u()).collect();
    let entries: Vec<f64> = (0..n).map(|_| 0.05 + 0.9 * u()).collect();
    let probs: Vec<f64> = (0..n).map(|_| 0.05 + 0.9 * u()).collect();

    // Independent: 10^6 scenarios × 100 markets.
    let spec = SimSpec { sizes: &sizes, entry_prices: &entries, win_probs: &probs, factor: None };
    let m = 1_000_000;
    let mut out = vec![0.0; m];
    simulate_blocks(&spec, 1, m, 0, &mut out); // warm-up
    let t = Instant::now();
    let reps = 5;
    for r in 0..reps {
        simulate_blocks(&spec, r, m, 0, &mut out);
    }
    let dt = t.elapsed().as_secs_f64() / reps as f64;
    println!("independent MC 1e6 x 100: {:.1} ms ({:.2} ns per scenario·market)", dt * 1e3, dt * 1e9 / (m * n) as f64);
    let t = Instant::now();
    let s = summarize(&mut out, 50);
    println!("summarize 1e6: {:.1} ms (E = {:.3}, VaR95 = {:.3})", t.elapsed().as_secs_f64() * 1e3, s.expected_pnl, s.var95);

    // Copula: 10^5 scenarios × 100 markets, full-rank correlation (one factor 0.4 + block structure).
    let mut c = Array2::<f64>::from_elem((n, n), 0.4);
    for i in 0..n {
        for j in 0..n {
            if i / 10 == j / 10 {
                c[[i, j]] = 0.6;
            }
        }
        c[[i, i]] = 1.0;
    }
    let t = Instant::now();
    let f = copula_factor(c.view());
    println!("copula_factor 100x100: {:.1} ms (rank {}, min eig {:.3})", t.elapsed().as_secs_f64() * 1e3, f.l.ncols(), f.min_eigenvalue);
    let spec = SimSpec { sizes: &sizes, entry_prices: &entries, win_probs: &probs, factor: Some(&f) };
    let m = 100_000;
    let mut out = vec![0.0; m];
    simulate_blocks(&spec, 1, m, 0, &mut out);
    let t = Instant::now();
    for r in 0..reps {
        simulate_blocks(&spec, r, m, 0, &mut out);
    }
    let dt = t.elapsed().as_secs_f64() / reps as f64;
    println!("copula MC 1e5 x 100 (rank {}): {:.1} ms ({:.2} ns per scenario·market)", f.l.ncols(), dt * 1e3, dt * 1e9 / (m * n) as f64);

    // Joint Kelly, N = 16, exact enumeration.
    let k = 16;
    let prices: Vec<f64> = (0..k).map(|_| 0.1 + 0.8 * u()).collect();
    let kp: Vec<f64> = prices.iter().map(|&p| (p + 0.15 * (u() - 0.3)).clamp(0.01, 0.99)).collect();
    let t = Instant::now();
    let fk = joint_kelly(&prices, &kp, 1.0, None, 0, 0).unwrap();
    println!(
        "joint Kelly N=16 exact: {:.1} ms (Σf = {:.4}, {} markets > 0)",
        t.elapsed().as_secs_f64() * 1e3,
        fk.iter().sum::<f64>(),
        fk.iter().filter(|&&v| v > 0.0).count()
    );
    // All 16 with an edge (the hardest exact case).
    let kp2: Vec<f64> = prices.iter().map(|&p| (p + 0.05).min(0.99)).collect();
    let t = Instant::now();
    let fk = joint_kelly(&prices, &kp2, 1.0, None, 0, 0).unwrap();
    println!("joint Kelly N=16 exact, all with edge: {:.1} ms (Σf = {:.4})", t.elapsed().as_secs_f64() * 1e3, fk.iter().sum::<f64>());
    // Monte Carlo joint Kelly with a copula: 30 markets, 10^5 scenarios.
    let k = 30;
    let f30 = copula_factor(c.slice(ndarray::s![..k, ..k]).view());
    let prices: Vec<f64> = (0..k).map(|_| 0.1 + 0.8 * u()).collect();
    let kp: Vec<f64> = prices.iter().map(|&p| (p + 0.1 * (u() - 0.3)).clamp(0.01, 0.99)).collect();
    let t = Instant::now();
    let fk = joint_kelly(&prices, &kp, 1.0, Some(&f30), 100_000, 1).unwrap();
    println!("joint Kelly N=30 copula MC 1e5: {:.1} ms (Σf = {:.4})", t.elapsed().as_secs_f64() * 1e3, fk.iter().sum::<f64>());
}
