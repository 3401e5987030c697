//! Quick timing of the heavy kernels in release mode:
//! `cargo run --release -p hz-portfolio-engine --example bench_opt`
use hz_portfolio::covariance::{ledoit_wolf, ShrinkTarget};
use hz_portfolio::minvar::min_variance_long_only;
use hz_portfolio::riskparity::equal_risk_contribution;
use ndarray::Array2;
use std::time::Instant;

fn data(t: usize, n: usize, seed: u64) -> Array2<f64> {
    let mut s = seed;
    let mut next = move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 11) as f64 / (1u64 << 53) as f64) - 0.5
    };
    let f: Vec<f64> = (0..t).map(|_| next()).collect();
    let load: Vec<f64> = (0..n).map(|_| 2.0 * next() + 0.6).collect();
    Array2::from_shape_fn((t, n), |(k, i)| next() + f[k] * load[i])
}

fn time<F: FnMut()>(label: &str, reps: usize, mut f: F) {
    f(); // warm-up
    let start = Instant::now();
    for _ in 0..reps {
        f();
    }
    let ms = start.elapsed().as_secs_f64() * 1e3 / reps as f64;
    println!("{label:<45} {ms:>9.3} ms");
}

fn main() {
    let x = data(1000, 200, 1);
    time("ledoit_wolf identity 1000x200", 50, || {
        std::hint::black_box(ledoit_wolf(x.view(), ShrinkTarget::Identity).unwrap());
    });
    time("ledoit_wolf constant-correlation 1000x200", 50, || {
        std::hint::black_box(ledoit_wolf(x.view(), ShrinkTarget::ConstantCorrelation).unwrap());
    });
    for (t, n) in [(1000, 500), (600, 500), (2000, 500)] {
        let y = data(t, n, 2);
        let cov = ledoit_wolf(y.view(), ShrinkTarget::Identity)
            .unwrap()
            .covariance;
        let raw = y.t().dot(&y) / t as f64;
        let w = min_variance_long_only(cov.view()).unwrap();
        let nz = w.iter().filter(|&&v| v > 0.0).count();
        time(
            &format!("min_variance N={n} (LW cov from T={t}, {nz} held)"),
            10,
            || {
                std::hint::black_box(min_variance_long_only(cov.view()).unwrap());
            },
        );
        let w = min_variance_long_only(raw.view()).unwrap();
        let nz = w.iter().filter(|&&v| v > 0.0).count();
        time(
            &format!("min_variance N={n} (sample cov T={t}, {nz} held)"),
            10,
            || {
                std::hint::black_box(min_variance_long_only(raw.view()).unwrap());
            },
        );
    }
    let y = data(1000, 500, 3);
    let cov = ledoit_wolf(y.view(), ShrinkTarget::Identity)
        .unwrap()
        .covariance;
    time("equal_risk_contribution N=500", 5, || {
        std::hint::black_box(equal_risk_contribution(cov.view(), None).unwrap());
    });
}
