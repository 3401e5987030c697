//! Copula Monte Carlo kernel timing and a bit checksum of the P&L (to check that kernel changes
//! keep seeded results bit for bit): `cargo run --release --example bench_copula -- N scenarios`
use hz_portfolio::copula_transform::LatentRows;
use hz_portfolio::correlation::copula_factor;
use hz_portfolio::montecarlo::{simulate_blocks, SimSpec};
use ndarray::Array2;
use std::time::Instant;

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).map(|a| a.parse().unwrap()).collect();
    let n = *args.first().unwrap_or(&300);
    let m = *args.get(1).unwrap_or(&100_000);
    let mut c = Array2::<f64>::from_elem((n, n), 0.3);
    for i in 0..n {
        for j in 0..n {
            if i / 10 == j / 10 {
                c[[i, j]] = 0.5;
            }
        }
        c[[i, i]] = 1.0;
    }
    let f = copula_factor(c.view());
    let sizes: Vec<f64> = (0..n).map(|i| 1.0 + (i % 7) as f64).collect();
    let entries: Vec<f64> = (0..n).map(|i| 0.2 + 0.6 * ((i * 13 % 17) as f64 / 17.0)).collect();
    let probs: Vec<f64> = entries.iter().map(|&e| (e + 0.05).min(0.99)).collect();
    let spec = SimSpec { sizes: &sizes, entry_prices: &entries, win_probs: &probs, factor: Some(&f) };
    let mut out = vec![0.0; m];
    simulate_blocks(&spec, 1, m, 0, &mut out);
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let t = Instant::now();
        simulate_blocks(&spec, 1, m, 0, &mut out);
        best = best.min(t.elapsed().as_secs_f64());
    }
    let r = f.l.ncols();
    let (nnz, work) = density(&f.l);
    println!("L nnz {nnz}, multiply-adds of the blocked transform (padding included) {work}");
    let hash = out.iter().fold(0xcbf29ce484222325u64, |h, v| (h ^ v.to_bits()).wrapping_mul(0x100000001b3));
    println!("copula {m}x{n} rank {r}: {:.1} ms, {:.2} GFLOP/s (N(N+1) per scenario), {:.2} ns/scenario·market, hash {hash:016x}",
        best * 1e3, (m * n * (n + 1)) as f64 / best / 1e9, best * 1e9 / (m * n) as f64);
}

/// Nonzeros of L, and the multiply-adds per scenario of the register-blocked transform.
fn density(l: &ndarray::Array2<f64>) -> (usize, usize) {
    let rows: Vec<Vec<(usize, f64)>> =
        (0..l.nrows()).map(|i| (0..l.ncols()).filter(|&k| l[[i, k]] != 0.0).map(|k| (k, l[[i, k]])).collect()).collect();
    let nnz = rows.iter().map(|r| r.len()).sum();
    (nnz, LatentRows::new(l.ncols(), &rows).work())
}
