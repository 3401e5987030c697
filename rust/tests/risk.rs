//! Risk engine: normal distribution, Greeks, correlation/copula, Monte Carlo and joint Kelly.
//! Fixtures come from fixtures/make_fixtures_risk.py (mpmath / numpy / scipy).
use hz_portfolio::correlation::{copula_factor, validate_correlation, CopulaFactor};
use hz_portfolio::greeks::prediction_greeks;
use hz_portfolio::joint_kelly::joint_kelly;
use hz_portfolio::montecarlo::{
    latent_block, outcome_blocks, outcome_words, simulate_blocks, summarize, SimSpec, BLOCK_SIZE,
};
use hz_portfolio::normal;
use ndarray::{array, Array2};

mod common;
use common::fixture;

fn rel_err(got: f64, want: f64) -> f64 {
    if want == 0.0 {
        got.abs()
    } else {
        ((got - want) / want).abs()
    }
}

/// Small deterministic uniform generator for test inputs.
fn lcg(seed: u64) -> impl FnMut() -> f64 {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    move || {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((s >> 11) as f64) / (1u64 << 53) as f64
    }
}

// ---------------------------------------------------------------- normal
#[test]
fn normal_matches_mpmath() {
    let fx = fixture("normal.json");
    for pt in fx.get("points").arr() {
        let x = pt.get("x").num();
        assert!(rel_err(normal::pdf(x), pt.get("pdf").num()) < 1e-14, "pdf({x})");
        assert!(rel_err(normal::cdf(x), pt.get("cdf").num()) < 1e-14, "cdf({x}) = {} vs {}", normal::cdf(x), pt.get("cdf").num());
        assert!(rel_err(normal::sf(x), pt.get("sf").num()) < 1e-14, "sf({x})");
    }
    for q in fx.get("quantiles").arr() {
        let p = q.get("p").num();
        let want = q.get("ppf").num();
        let got = normal::ppf(p);
        assert!(rel_err(got, want) < 1e-15 || (got - want).abs() < 2e-16, "ppf({p}) = {got} vs {want}");
    }
    assert_eq!(normal::ppf(0.0), f64::NEG_INFINITY);
    assert_eq!(normal::ppf(1.0), f64::INFINITY);
}

// ---------------------------------------------------------------- Greeks
#[test]
fn greeks_match_closed_form_fixture() {
    let fx = fixture("greeks.json");
    for c in fx.get("cases").arr() {
        let g = prediction_greeks(
            c.get("price").num(),
            c.get("size").num(),
            c.get("is_yes").bool(),
            c.get("t_hours").num(),
            c.get("vol").num(),
        )
        .unwrap();
        for (name, got) in [("delta", g.delta), ("gamma", g.gamma), ("theta", g.theta), ("vega", g.vega)] {
            let want = c.get(name).num();
            assert!(got.is_finite());
            assert!(rel_err(got, want) < 1e-10 || (got - want).abs() < 1e-12, "{name}: {got} vs {want} in {c:?}");
        }
    }
}

// ---------------------------------------------------------------- VaR / CVaR
#[test]
fn var_cvar_match_reference_samples() {
    let fx = fixture("risk_stats.json");
    for smp in fx.get("samples").arr() {
        let mut pnl = smp.get("pnl").nums();
        let s = summarize(&mut pnl, 20);
        for (name, got) in [
            ("var95", s.var95),
            ("cvar95", s.cvar95),
            ("var99", s.var99),
            ("cvar99", s.cvar99),
            ("expected", s.expected_pnl),
            ("win_probability", s.win_probability),
            ("max_loss", s.max_loss),
            ("max_gain", s.max_gain),
        ] {
            let want = smp.get(name).num();
            assert!((got - want).abs() <= 1e-12 * (1.0 + want.abs()), "{name}: {got} vs {want} (n = {})", pnl.len());
        }
        assert_eq!(s.hist_counts.iter().sum::<f64>(), pnl.len() as f64);
        let single = s.max_gain == -s.max_loss;
        assert_eq!(s.hist_edges.len(), if single { 2 } else { 21 });
    }
}

#[test]
fn var_cvar_hand_computed() {
    // n = 10: k95 = 0.5 → i = 0: VaR = CVaR = −worst.
    let mut v = vec![3.0, -7.0, 1.0, 0.0, 2.0, -1.0, 5.0, 4.0, -2.0, 6.0];
    let s = summarize(&mut v, 4);
    assert_eq!((s.var95, s.cvar95, s.var99, s.cvar99), (7.0, 7.0, 7.0, 7.0));
    assert_eq!(s.expected_pnl, 1.1);
    assert_eq!(s.win_probability, 0.6);
    // n = 20: k95 = 1 exactly → i = 0.
    let mut v: Vec<f64> = (0..20).map(|i| (i as f64) - 3.0).collect();
    let s = summarize(&mut v, 4);
    assert_eq!((s.var95, s.cvar95), (3.0, 3.0));
    // n = 40: k95 = 2 → i = 1, CVaR = mean of the two worst; k99 = 0.4 → i = 0.
    let mut v: Vec<f64> = (0..40).map(|i| i as f64).collect();
    let s = summarize(&mut v, 4);
    assert_eq!((s.var95, s.cvar95, s.var99, s.cvar99), (-1.0, -0.5, 0.0, 0.0));
    // n = 1000: k95 = 50, k99 = 10.
    let mut v: Vec<f64> = (0..1000).map(|i| -(i as f64)).collect();
    let s = summarize(&mut v, 4);
    assert_eq!(s.var95, 950.0);
    assert_eq!(s.cvar95, (950..1000).map(|x| x as f64).sum::<f64>() / 50.0);
    assert_eq!(s.var99, 990.0);
    assert_eq!(s.cvar99, (990..1000).map(|x| x as f64).sum::<f64>() / 10.0);
    // n = 10 000: k95 must be 500 exactly (not 500.0000000000004).
    let mut v: Vec<f64> = (0..10_000).map(|i| i as f64).collect();
    let s = summarize(&mut v, 4);
    assert_eq!(s.var95, -499.0);
    assert_eq!(s.cvar95, -249.5);
}

// ---------------------------------------------------------------- Monte Carlo vs exact enumeration
struct Book {
    sizes: Vec<f64>,
    entries: Vec<f64>,
    probs: Vec<f64>,
}

fn random_book(n: usize, seed: u64) -> Book {
    let mut u = lcg(seed);
    Book {
        sizes: (0..n).map(|_| 1.0 + 99.0 * u()).collect(),
        entries: (0..n).map(|_| 0.05 + 0.9 * u()).collect(),
        probs: (0..n).map(|_| 0.05 + 0.9 * u()).collect(),
    }
}

/// Exact P&L distribution over all 2^n outcomes: (value, probability) sorted by value.
fn exact_distribution(b: &Book) -> Vec<(f64, f64)> {
    let n = b.sizes.len();
    let mut d = Vec::with_capacity(1 << n);
    for s in 0u32..(1u32 << n) {
        let mut pnl = 0.0;
        let mut pr = 1.0;
        for i in 0..n {
            if (s >> i) & 1 == 1 {
                pnl += b.sizes[i] * (1.0 - b.entries[i]);
                pr *= b.probs[i];
            } else {
                pnl -= b.sizes[i] * b.entries[i];
                pr *= 1.0 - b.probs[i];
            }
        }
        d.push((pnl, pr));
    }
    d.sort_by(|a, b| a.0.total_cmp(&b.0));
    d
}

fn exact_quantile(d: &[(f64, f64)], q: f64) -> f64 {
    let mut c = 0.0;
    for &(v, p) in d {
        c += p;
        if c >= q {
            return v;
        }
    }
    d.last().unwrap().0
}

fn exact_tail_mean(d: &[(f64, f64)], q: f64) -> f64 {
    let mut c = 0.0;
    let mut s = 0.0;
    for &(v, p) in d {
        let take = p.min(q - c);
        if take <= 0.0 {
            break;
        }
        s += take * v;
        c += take;
    }
    s / q
}

fn run(spec: &SimSpec, seed: u64, n: usize) -> Vec<f64> {
    let mut out = vec![0.0; n];
    simulate_blocks(spec, seed, n, 0, &mut out);
    out
}

#[test]
fn independent_mc_matches_exact_enumeration() {
    for (k, &n) in [1usize, 3, 6, 9, 12].iter().enumerate() {
        let b = random_book(n, 100 + k as u64);
        let d = exact_distribution(&b);
        let mean: f64 = d.iter().map(|(v, p)| v * p).sum();
        let var: f64 = d.iter().map(|(v, p)| p * (v - mean) * (v - mean)).sum();
        let pwin: f64 = d.iter().filter(|(v, _)| *v > 0.0).map(|(_, p)| p).sum();
        let spec = SimSpec { sizes: &b.sizes, entry_prices: &b.entries, win_probs: &b.probs, factor: None };
        let m = 200_000;
        let mut pnl = run(&spec, 42 + k as u64, m);
        let s = summarize(&mut pnl, 50);
        let se = (var / m as f64).sqrt();
        assert!((s.expected_pnl - mean).abs() < 4.0 * se + 1e-12, "n={n}: mean {} vs {mean}", s.expected_pnl);
        let se_w = (pwin * (1.0 - pwin) / m as f64).sqrt();
        assert!((s.win_probability - pwin).abs() < 4.0 * se_w + 1e-12, "n={n}: win {} vs {pwin}", s.win_probability);
        let q4 = exact_quantile(&d, 0.04);
        let q6 = exact_quantile(&d, 0.06);
        assert!(-s.var95 >= q4 - 1e-9 && -s.var95 <= q6 + 1e-9, "n={n}: VaR95 {} outside [{q4}, {q6}]", -s.var95);
        let tail = exact_tail_mean(&d, 0.05);
        let tol = 4.0 * (var / (0.05 * m as f64)).sqrt();
        assert!((-s.cvar95 - tail).abs() < tol, "n={n}: CVaR95 {} vs {tail}", -s.cvar95);
    }
}

// ---------------------------------------------------------------- copula
fn outcomes(probs: &[f64], factor: Option<&CopulaFactor>, seed: u64, n: usize) -> Vec<u64> {
    let mut out = vec![0u64; n * outcome_words(probs.len())];
    outcome_blocks(probs, factor, seed, n, 0, &mut out);
    out
}

#[test]
fn copula_rho_one_resolves_together() {
    let c = array![[1.0, 1.0], [1.0, 1.0]];
    validate_correlation(c.view()).unwrap();
    let f = copula_factor(c.view());
    assert_eq!(f.l.ncols(), 1);
    assert!(!f.repaired);
    let n = 50_000;
    let o = outcomes(&[0.37, 0.37], Some(&f), 9, n);
    let both = o.iter().filter(|&&w| w == 3).count();
    assert!(o.iter().all(|&w| w == 0 || w == 3), "ρ = 1 markets of equal price resolved differently");
    assert!(((both as f64 / n as f64) - 0.37).abs() < 4.0 * (0.37 * 0.63 / n as f64).sqrt());
    // The P&L agrees: positions of 1 and 2 shares bought at 0 pay 0 or 3 only.
    let spec = SimSpec { sizes: &[1.0, 2.0], entry_prices: &[0.0, 0.0], win_probs: &[0.37, 0.37], factor: Some(&f) };
    let pnl = run(&spec, 9, n);
    assert!(pnl.iter().all(|&v| v == 0.0 || v == 3.0));
    // ρ = −1: never together (held side probabilities 0.3 and 0.7 → exactly complementary).
    let c = array![[1.0, -1.0], [-1.0, 1.0]];
    let f = copula_factor(c.view());
    let o = outcomes(&[0.3, 0.7], Some(&f), 3, n);
    assert!(o.iter().all(|&w| w == 1 || w == 2));
}

#[test]
fn copula_rho_zero_is_independent() {
    let f = copula_factor(Array2::<f64>::eye(2).view());
    let n = 200_000;
    let (p1, p2) = (0.3, 0.6);
    let o = outcomes(&[p1, p2], Some(&f), 5, n);
    let cnt = |m: u64| o.iter().filter(|&&w| w == m).count() as f64 / n as f64;
    for (mask, p) in [(3u64, p1 * p2), (1, p1 * (1.0 - p2)), (2, (1.0 - p1) * p2), (0, (1.0 - p1) * (1.0 - p2))] {
        assert!((cnt(mask) - p).abs() < 4.0 * (p * (1.0 - p) / n as f64).sqrt(), "mask {mask}: {} vs {p}", cnt(mask));
    }
}

#[test]
fn copula_latent_correlation_and_orthant_probabilities() {
    let c = array![[1.0, 0.6, -0.3], [0.6, 1.0, 0.2], [-0.3, 0.2, 1.0]];
    validate_correlation(c.view()).unwrap();
    let f = copula_factor(c.view());
    let diff = (f.l.dot(&f.l.t()) - &c).iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(diff < 1e-13);
    let blocks = 20;
    let mut z: Vec<Vec<f64>> = vec![Vec::new(); 3];
    for b in 0..blocks {
        let zb = latent_block(&f, 77, b, BLOCK_SIZE);
        for i in 0..3 {
            z[i].extend_from_slice(&zb[i * BLOCK_SIZE..(i + 1) * BLOCK_SIZE]);
        }
    }
    let n = z[0].len() as f64;
    let mean = |v: &[f64]| v.iter().sum::<f64>() / n;
    for i in 0..3 {
        for j in 0..3 {
            let (mi, mj) = (mean(&z[i]), mean(&z[j]));
            let cov = z[i].iter().zip(&z[j]).map(|(a, b)| (a - mi) * (b - mj)).sum::<f64>() / n;
            let si = (z[i].iter().map(|a| (a - mi) * (a - mi)).sum::<f64>() / n).sqrt();
            let sj = (z[j].iter().map(|a| (a - mj) * (a - mj)).sum::<f64>() / n).sqrt();
            let rho = cov / (si * sj);
            let want = c[[i, j]];
            assert!((rho - want).abs() < 4.0 * (1.0 - want * want + 1e-3) / n.sqrt(), "ρ[{i}][{j}] = {rho} vs {want}");
        }
    }
    // Outcomes at p = 0.5: P(both win) = 1/4 + asin(ρ)/(2π).
    let m = 20 * BLOCK_SIZE;
    let o = outcomes(&[0.5, 0.5, 0.5], Some(&f), 77, m);
    for (i, j) in [(0, 1), (0, 2), (1, 2)] {
        let both = o.iter().filter(|&&w| (w >> i) & 1 == 1 && (w >> j) & 1 == 1).count() as f64 / m as f64;
        let want = 0.25 + c[[i, j]].asin() / (2.0 * std::f64::consts::PI);
        assert!((both - want).abs() < 4.0 * (want * (1.0 - want) / m as f64).sqrt(), "({i},{j}): {both} vs {want}");
    }
    // The wins are exactly z_i < Φ⁻¹(p_i) for the same latent draws.
    let probs = [0.2, 0.5, 0.9];
    let o = outcomes(&probs, Some(&f), 77, BLOCK_SIZE);
    let zb = latent_block(&f, 77, 0, BLOCK_SIZE);
    for j in 0..BLOCK_SIZE {
        for i in 0..3 {
            assert_eq!((o[j] >> i) & 1 == 1, zb[i * BLOCK_SIZE + j] < normal::ppf(probs[i]));
        }
    }
}

#[test]
fn indefinite_correlation_is_repaired_and_reported() {
    let c = array![
        [1.0, 0.9, 0.9, -0.9],
        [0.9, 1.0, 0.9, 0.9],
        [0.9, 0.9, 1.0, 0.9],
        [-0.9, 0.9, 0.9, 1.0]
    ];
    validate_correlation(c.view()).unwrap();
    let f = copula_factor(c.view());
    assert!(f.repaired);
    assert!(f.min_eigenvalue < -0.1);
    let r = f.l.dot(&f.l.t());
    for i in 0..4 {
        assert!((r[[i, i]] - 1.0).abs() < 1e-12);
    }
    let spec = SimSpec { sizes: &[1.0; 4], entry_prices: &[0.5; 4], win_probs: &[0.5; 4], factor: Some(&f) };
    let pnl = run(&spec, 1, 10_000);
    assert!(pnl.iter().all(|v| v.is_finite()));
}

// ---------------------------------------------------------------- determinism
#[test]
fn blocks_are_deterministic_and_independent_of_chunking() {
    let b = random_book(7, 11);
    let c = array![
        [1.0, 0.5, 0.2, 0.0, 0.0, 0.0, 0.1],
        [0.5, 1.0, 0.3, 0.0, 0.0, 0.0, 0.0],
        [0.2, 0.3, 1.0, 0.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, -0.4],
        [0.1, 0.0, 0.0, 0.0, 0.0, -0.4, 1.0]
    ];
    let f = copula_factor(c.view());
    for factor in [None, Some(&f)] {
        let spec = SimSpec { sizes: &b.sizes, entry_prices: &b.entries, win_probs: &b.probs, factor };
        let n_total = 3 * BLOCK_SIZE + 1234; // 4 blocks, the last one short
        let all = run(&spec, 2024, n_total);
        let mut pieces = Vec::new();
        for blk in 0..4 {
            let len = (n_total - blk * BLOCK_SIZE).min(BLOCK_SIZE);
            let mut out = vec![0.0; len];
            simulate_blocks(&spec, 2024, n_total, blk, &mut out);
            pieces.extend_from_slice(&out);
        }
        assert_eq!(all.len(), pieces.len());
        assert!(all.iter().zip(&pieces).all(|(a, b)| a.to_bits() == b.to_bits()));
        let mut two = vec![0.0; n_total - BLOCK_SIZE];
        simulate_blocks(&spec, 2024, n_total, 1, &mut two);
        assert!(two.iter().zip(&all[BLOCK_SIZE..]).all(|(a, b)| a.to_bits() == b.to_bits()));
        // Same seed → identical; different seed → different.
        assert_eq!(run(&spec, 2024, n_total), all);
        let other = run(&spec, 2025, n_total);
        assert!(other.iter().zip(&all).filter(|(a, b)| a != b).count() > n_total / 10);
        // Outcome bits reproduce the P&L exactly (same streams).
        let o = outcomes(&b.probs, factor, 2024, n_total);
        for j in 0..n_total {
            let mut p = 0.0;
            for i in 0..7 {
                p += if (o[j] >> i) & 1 == 1 { b.sizes[i] * (1.0 - b.entries[i]) } else { -(b.sizes[i] * b.entries[i]) };
            }
            assert_eq!(p.to_bits(), all[j].to_bits());
        }
    }
}

#[test]
fn degenerate_probabilities_in_simulation() {
    let f = copula_factor(array![[1.0, 0.5], [0.5, 1.0]].view());
    for factor in [None, Some(&f)] {
        let spec = SimSpec { sizes: &[2.0, 3.0], entry_prices: &[0.25, 0.5], win_probs: &[0.0, 1.0], factor };
        let pnl = run(&spec, 3, 5000);
        assert!(pnl.iter().all(|&v| v == -0.5 + 1.5));
    }
}

// ---------------------------------------------------------------- joint Kelly
fn growth_independent(prices: &[f64], probs: &[f64], f: &[f64]) -> f64 {
    let n = prices.len();
    let mut g = 0.0;
    for s in 0u32..(1 << n) {
        let mut w = 1.0;
        let mut pr = 1.0;
        for i in 0..n {
            if (s >> i) & 1 == 1 {
                w += f[i] * (1.0 - prices[i]) / prices[i];
                pr *= probs[i];
            } else {
                w -= f[i];
                pr *= 1.0 - probs[i];
            }
        }
        if pr > 0.0 {
            if w <= 0.0 {
                return f64::NEG_INFINITY;
            }
            g += pr * w.ln();
        }
    }
    g
}

#[test]
fn joint_kelly_single_market_closed_form() {
    let mut u = lcg(5);
    for _ in 0..200 {
        let price = 0.01 + 0.98 * u();
        let p = u();
        let mt = if u() < 0.3 { 0.05 + 0.5 * u() } else { 1.0 };
        let f = joint_kelly(&[price], &[p], mt, None, 0, 0).unwrap();
        let want = ((p - price) / (1.0 - price)).clamp(0.0, mt);
        assert!((f[0] - want).abs() < 1e-9, "p={p} P={price} M={mt}: {} vs {want}", f[0]);
    }
}

#[test]
fn joint_kelly_two_markets_matches_grid_search() {
    for (prices, probs, mt) in [
        ([0.5, 0.4], [0.6, 0.5], 1.0),
        ([0.3, 0.7], [0.45, 0.85], 1.0),
        ([0.2, 0.25], [0.5, 0.6], 0.6),
        ([0.6, 0.5], [0.55, 0.7], 1.0),
    ] {
        let f = joint_kelly(&prices, &probs, mt, None, 0, 0).unwrap();
        let g = growth_independent(&prices, &probs, &f);
        // coarse grid, then a fine grid around the best point
        let mut best = (f64::NEG_INFINITY, 0.0, 0.0);
        let steps = 400;
        for a in 0..=steps {
            for b in 0..=(steps - a) {
                let (x, y) = (mt * a as f64 / steps as f64, mt * b as f64 / steps as f64);
                let v = growth_independent(&prices, &probs, &[x, y]);
                if v > best.0 {
                    best = (v, x, y);
                }
            }
        }
        let h = mt / steps as f64;
        let (cx, cy) = (best.1, best.2);
        for a in -200..=200 {
            for b in -200..=200 {
                let (x, y) = (cx + h * a as f64 / 100.0, cy + h * b as f64 / 100.0);
                if x < 0.0 || y < 0.0 || x + y > mt {
                    continue;
                }
                let v = growth_independent(&prices, &probs, &[x, y]);
                if v > best.0 {
                    best = (v, x, y);
                }
            }
        }
        assert!(g >= best.0 - 1e-12, "{prices:?}: growth {g} < grid {}", best.0);
        assert!((f[0] - best.1).abs() < 2e-4 && (f[1] - best.2).abs() < 2e-4, "{f:?} vs grid ({}, {})", best.1, best.2);
    }
}

#[test]
fn joint_kelly_matches_scipy_fixture() {
    let fx = fixture("joint_kelly.json");
    for c in fx.get("cases").arr() {
        let prices = c.get("prices").nums();
        let probs = c.get("probs").nums();
        let mt = c.get("max_total").num();
        let want = c.get("f").nums();
        let f = joint_kelly(&prices, &probs, mt, None, 0, 0).unwrap();
        let g = growth_independent(&prices, &probs, &f);
        assert!(g >= c.get("growth").num() - 1e-12, "growth {g} below scipy's");
        for (a, b) in f.iter().zip(&want) {
            assert!((a - b).abs() < 1e-5, "{f:?} vs {want:?}");
        }
    }
}

#[test]
fn joint_kelly_independent_total_never_exceeds_independent_formula() {
    let mut u = lcg(99);
    for case in 0..60 {
        let n = 1 + (u() * 8.0) as usize;
        let prices: Vec<f64> = (0..n).map(|_| 0.05 + 0.9 * u()).collect();
        let probs: Vec<f64> = (0..n).map(|_| u()).collect();
        let mt = if case % 3 == 0 { 0.3 } else { 1.0 };
        let f = joint_kelly(&prices, &probs, mt, None, 0, 0).unwrap();
        let indep: f64 = (0..n).map(|i| ((probs[i] - prices[i]) / (1.0 - prices[i])).max(0.0)).sum();
        let total: f64 = f.iter().sum();
        assert!(total <= indep + 1e-9, "case {case}: Σf = {total} > {indep}");
        assert!(total <= mt + 1e-12);
        assert!(f.iter().all(|&v| v >= 0.0 && v.is_finite()));
        for i in 0..n {
            if probs[i] <= prices[i] {
                assert!(f[i] < 1e-9, "negative-edge market {i} got {}", f[i]);
            }
        }
        // KKT: no small move improves growth
        let g = growth_independent(&prices, &probs, &f);
        for i in 0..n {
            let mut h = f.clone();
            h[i] += 1e-4;
            if h.iter().sum::<f64>() <= mt {
                assert!(growth_independent(&prices, &probs, &h) <= g + 1e-12);
            }
        }
    }
}

#[test]
fn joint_kelly_monte_carlo_paths() {
    // Identity copula ≈ exact independent answer.
    let prices = [0.4, 0.3, 0.55];
    let probs = [0.5, 0.42, 0.6];
    let exact = joint_kelly(&prices, &probs, 1.0, None, 0, 0).unwrap();
    let f_id = copula_factor(Array2::<f64>::eye(3).view());
    let mc = joint_kelly(&prices, &probs, 1.0, Some(&f_id), 400_000, 7).unwrap();
    for (a, b) in exact.iter().zip(&mc) {
        assert!((a - b).abs() < 0.01, "{exact:?} vs {mc:?}");
    }
    // Same seed → identical.
    assert_eq!(mc, joint_kelly(&prices, &probs, 1.0, Some(&f_id), 400_000, 7).unwrap());
    // ρ = 1 duplicates: together they get the single-market Kelly (on the sampled frequency).
    let f1 = copula_factor(array![[1.0, 1.0], [1.0, 1.0]].view());
    let two = joint_kelly(&[0.4, 0.4], &[0.5, 0.5], 1.0, Some(&f1), 100_000, 3).unwrap();
    let o = outcomes(&[0.5, 0.5], Some(&f1), 3, 100_000);
    let freq = o.iter().filter(|&&w| w == 3).count() as f64 / 100_000.0;
    let single = (freq - 0.4) / 0.6;
    assert!((two[0] + two[1] - single).abs() < 1e-9, "{two:?} vs {single}");
    // N > 16 independent: Monte Carlo.
    let mut u = lcg(3);
    let n = 20;
    let prices: Vec<f64> = (0..n).map(|_| 0.1 + 0.8 * u()).collect();
    let probs: Vec<f64> = prices.iter().map(|&p| (p + 0.2 * (u() - 0.3)).clamp(0.0, 1.0)).collect();
    let f = joint_kelly(&prices, &probs, 1.0, None, 50_000, 1).unwrap();
    assert!(f.iter().all(|v| v.is_finite() && *v >= 0.0));
    assert!(f.iter().sum::<f64>() <= 1.0 + 1e-12);
}

#[test]
fn joint_kelly_degenerate_inputs() {
    // price 0 (free contract) → the infinite-odds limit f = p; price 1 → 0; p = 0 → 0.
    let f = joint_kelly(&[0.0], &[0.3], 1.0, None, 0, 0).unwrap();
    assert!((f[0] - 0.3).abs() < 1e-9);
    let f = joint_kelly(&[1.0, 0.5], &[1.0, 0.0], 1.0, None, 0, 0).unwrap();
    assert_eq!(f, vec![0.0, 0.0]);
    // sure win → budget binds
    let f = joint_kelly(&[0.5], &[1.0], 0.7, None, 0, 0).unwrap();
    assert!((f[0] - 0.7).abs() < 1e-12);
    // wealth stays positive in every possible scenario
    let prices = [0.5, 0.5, 0.5];
    let probs = [0.9, 0.9, 0.9];
    let f = joint_kelly(&prices, &probs, 3.0, None, 0, 0).unwrap();
    assert!(f.iter().sum::<f64>() < 1.0);
    assert!(growth_independent(&prices, &probs, &f).is_finite());
}
