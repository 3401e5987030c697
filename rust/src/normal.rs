//! Standard normal pdf, cdf and quantile.
//!
//! * [`cdf`] is W. J. Cody's rational Chebyshev approximation of Φ (ANORM, as used by R's `pnorm`),
//!   with the exact split of `exp(-x²/2)` so that it keeps full relative precision in the far lower
//!   tail (relative error ~1e-15 down to Φ(−37.5) ≈ 1e-308).
//! * [`ppf`] is Wichura's algorithm AS 241 (PPND16), relative error ~1e-16.
//! * [`pdf`] uses the same split of `exp(-x²/2)` as `cdf`.

/// 1/√(2π)
const M_1_SQRT_2PI: f64 = 0.398_942_280_401_432_677_939_946_059_934;
/// √32
const M_SQRT_32: f64 = 5.656_854_249_492_380_195_206_754_896_84;

/// exp(−x²/2) evaluated as exp(−xs²/2)·exp(−(x−xs)(x+xs)/2) with xs = trunc(16x)/16, which avoids
/// the cancellation error of forming x² for large |x|.
#[inline]
fn exp_half_sq(x: f64) -> f64 {
    let x = x.abs();
    if x > 40.0 {
        return 0.0; // exp(-800) underflows
    }
    let xsq = (x * 16.0).trunc() / 16.0;
    let del = (x - xsq) * (x + xsq);
    (-xsq * xsq * 0.5).exp() * (-del * 0.5).exp()
}

/// φ(x) = exp(−x²/2)/√(2π). φ(±∞) = 0; NaN in → NaN out.
pub fn pdf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    M_1_SQRT_2PI * exp_half_sq(x)
}

/// (Φ(x), 1 − Φ(x)), both with full relative precision (Cody's ANORM).
pub fn cdf_both(x: f64) -> (f64, f64) {
    const A: [f64; 5] = [
        2.2352520354606839287,
        161.02823106855587881,
        1067.6894854603709582,
        18154.981253343561249,
        0.065682337918207449113,
    ];
    const B: [f64; 4] = [47.20258190468824187, 976.09855173777669322, 10260.932208618978205, 45507.789335026729956];
    const C: [f64; 9] = [
        0.39894151208813466764,
        8.8831497943883759412,
        93.506656132177855979,
        597.27027639480026226,
        2494.5375852903726711,
        6848.1904505362823326,
        11602.651437647350124,
        9842.7148383839780218,
        1.0765576773720192317e-8,
    ];
    const D: [f64; 8] = [
        22.266688044328115691,
        235.38790178262499861,
        1519.377599407554805,
        6485.558298266760755,
        18615.571640885098091,
        34900.952721145977266,
        38912.003286093271411,
        19685.429676859990727,
    ];
    const P: [f64; 6] = [
        0.21589853405795699,
        0.1274011611602473639,
        0.022235277870649807,
        0.001421619193227893466,
        2.9112874951168792e-5,
        0.02307344176494017303,
    ];
    const Q: [f64; 5] = [
        1.28426009614491121,
        0.468238212480865118,
        0.0659881378689285515,
        0.00378239633202758244,
        7.29751555083966205e-5,
    ];
    if x.is_nan() {
        return (f64::NAN, f64::NAN);
    }
    let y = x.abs();
    if y <= 0.67448975 {
        let xsq = if y > f64::EPSILON * 0.5 { x * x } else { 0.0 };
        let mut xnum = A[4] * xsq;
        let mut xden = xsq;
        for i in 0..3 {
            xnum = (xnum + A[i]) * xsq;
            xden = (xden + B[i]) * xsq;
        }
        let temp = x * (xnum + A[3]) / (xden + B[3]);
        return (0.5 + temp, 0.5 - temp);
    }
    if y > 40.0 {
        return if x > 0.0 { (1.0, 0.0) } else { (0.0, 1.0) };
    }
    let temp = if y <= M_SQRT_32 {
        let mut xnum = C[8] * y;
        let mut xden = y;
        for i in 0..7 {
            xnum = (xnum + C[i]) * y;
            xden = (xden + D[i]) * y;
        }
        (xnum + C[7]) / (xden + D[7])
    } else {
        let xsq = 1.0 / (x * x);
        let mut xnum = P[5] * xsq;
        let mut xden = xsq;
        for i in 0..4 {
            xnum = (xnum + P[i]) * xsq;
            xden = (xden + Q[i]) * xsq;
        }
        let t = xsq * (xnum + P[4]) / (xden + Q[4]);
        (M_1_SQRT_2PI - t) / y
    };
    let small = exp_half_sq(y) * temp; // = Φ(−|x|)
    if x > 0.0 {
        (1.0 - small, small)
    } else {
        (small, 1.0 - small)
    }
}

/// Φ(x). Φ(−∞) = 0, Φ(+∞) = 1; NaN in → NaN out.
pub fn cdf(x: f64) -> f64 {
    cdf_both(x).0
}

/// 1 − Φ(x) = Φ(−x), accurate in the upper tail.
pub fn sf(x: f64) -> f64 {
    cdf_both(x).1
}

/// Φ⁻¹(p), accurate to ~1e-15; ±∞ at 0 and 1. Wichura's AS 241 (PPND16).
/// NaN or p outside [0, 1] → NaN (callers validate probabilities first).
pub fn ppf(p: f64) -> f64 {
    if p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q
            * (((((((2509.0809287301226727 * r + 33430.575583588128105) * r + 67265.770927008700853) * r
                + 45921.953931549871457)
                * r
                + 13731.693765509461125)
                * r
                + 1971.5909503065514427)
                * r
                + 133.14166789178437745)
                * r
                + 3.387132872796366608)
            / (((((((5226.495278852854561 * r + 28729.085735721942674) * r + 39307.89580009271061) * r
                + 21213.794301586595867)
                * r
                + 5394.1960214247511077)
                * r
                + 687.1870074920579083)
                * r
                + 42.313330701600911252)
                * r
                + 1.0);
    }
    let mut r = if q < 0.0 { p } else { 1.0 - p };
    r = (-r.ln()).sqrt();
    let val = if r <= 5.0 {
        r -= 1.6;
        (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r + 0.24178072517745061177) * r
            + 1.27045825245236838258)
            * r
            + 3.64784832476320460504)
            * r
            + 5.7694972214606914055)
            * r
            + 4.6303378461565452959)
            * r
            + 1.42343711074968357734)
            / (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r + 0.0151986665636164571966)
                * r
                + 0.14810397642748007459)
                * r
                + 0.68976733498510000455)
                * r
                + 1.6763848301838038494)
                * r
                + 2.05319162663775882187)
                * r
                + 1.0)
    } else {
        r -= 5.0;
        (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 0.0012426609473880784386)
            * r
            + 0.026532189526576123093)
            * r
            + 0.29656057182850489123)
            * r
            + 1.7848265399172913358)
            * r
            + 5.4637849111641143699)
            * r
            + 6.6579046435011037772)
            / (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5)
                * r
                + 7.868691311456132591e-4)
                * r
                + 0.0148753612908506148525)
                * r
                + 0.13692988092273580531)
                * r
                + 0.59983220655588793769)
                * r
                + 1.0)
    };
    if q < 0.0 {
        -val
    } else {
        val
    }
}

#[cfg(test)]
mod tests {
    // In wasm32 (`npm run test:rust-wasm`) the same tests run under wasm-bindgen-test in Node.
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn symmetry_and_special_values() {
        assert_eq!(ppf(0.0), f64::NEG_INFINITY);
        assert_eq!(ppf(1.0), f64::INFINITY);
        assert_eq!(ppf(0.5), 0.0);
        assert_eq!(cdf(0.0), 0.5);
        assert_eq!(cdf(f64::NEG_INFINITY), 0.0);
        assert_eq!(cdf(f64::INFINITY), 1.0);
        assert_eq!(pdf(f64::INFINITY), 0.0);
        assert!((pdf(0.0) - M_1_SQRT_2PI).abs() < 1e-17);
        for &x in &[0.1, 0.7, 1.3, 2.5, 5.0, 7.5, 12.0] {
            assert!((cdf(x) + cdf(-x) - 1.0).abs() < 2e-16);
            assert_eq!(sf(x), cdf(-x));
        }
    }

    #[test]
    fn ppf_inverts_cdf() {
        for i in 1..200 {
            let p = i as f64 / 200.0;
            let x = ppf(p);
            assert!(((cdf(x) - p) / p).abs() < 1e-14, "p={p}");
        }
        for &p in &[1e-300, 1e-100, 1e-20, 1e-10, 1e-5] {
            let x = ppf(p);
            // conditioning: relative error of Φ(x) is ≈ x²·(relative error of x)
            assert!(((cdf(x) - p) / p).abs() < 4e-16 * (1.0 + x * x), "p={p}");
        }
    }
}
