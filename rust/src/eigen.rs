//! Selected eigenpairs of a dense symmetric matrix, for the correlation repair.
//!
//! The repair needs every eigenvalue (the smallest is reported, the signs decide what is clipped)
//! but eigenvectors only for the smaller of the negative and positive sets (the clipped matrix is a
//! low-rank update of the input, see `correlation::clip_negative_eigenvalues`). So instead of a
//! full decomposition (whose cost is dominated by accumulating every QR rotation into an N × N
//! matrix, and then forming that matrix from the Householder reflectors) this module does what
//! LAPACK's `dsyevx` path does:
//!
//! 1. [`Tridiagonal::new`]: Householder reduction A = Q·T·Qᵀ (row-major, full-matrix rank-2 updates
//!    so every inner loop is a contiguous dot or axpy), keeping the reflectors;
//! 2. [`Tridiagonal::eigenvalues`]: all eigenvalues of T by implicit QL without vectors, O(N²);
//! 3. [`Tridiagonal::eigenvectors`]: eigenvectors of T for the selected eigenvalues by inverse
//!    iteration (partially pivoted tridiagonal LU), re-orthogonalised within clusters of close
//!    eigenvalues (the `dstein` rule: gap < 10⁻³·‖T‖₁), then back-transformed by the reflectors.
//!
//! Everything is deterministic (fixed start vectors, fixed iteration counts, no threads), so the
//! result is the same bits on every runtime.

/// Test hook: times the unit-vector fallback of [`Tridiagonal::eigenvectors`] was taken.
#[cfg(test)]
pub(crate) static FALLBACKS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A symmetric matrix reduced to tridiagonal form: T (diagonal `d`, off-diagonal `e`) and the
/// reflectors H_k = I − β_k·v_k·v_kᵀ with A = Q·T·Qᵀ, Q = H_0·H_1·…·H_{N−3}.
pub struct Tridiagonal {
    n: usize,
    /// Diagonal of T.
    pub d: Vec<f64>,
    /// Off-diagonal of T: `e[i]` couples i and i + 1 (length N − 1; empty for N ≤ 1).
    pub e: Vec<f64>,
    /// Reflector k acts on indices k + 1 .. N: (β_k, v_k) with v_k of length N − k − 1.
    reflectors: Vec<(f64, Vec<f64>)>,
}

/// Σ x_i·y_i with four partial sums, so that the loop vectorises (f64x2 in wasm).
#[inline]
fn dot(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &y[..n]);
    let mut s = [0.0f64; 4];
    let xc = x.chunks_exact(4);
    let yc = y.chunks_exact(4);
    let (xr, yr) = (xc.remainder(), yc.remainder());
    for (a, b) in xc.zip(yc) {
        s[0] += a[0] * b[0];
        s[1] += a[1] * b[1];
        s[2] += a[2] * b[2];
        s[3] += a[3] * b[3];
    }
    let mut t = (s[0] + s[2]) + (s[1] + s[3]);
    for (a, b) in xr.iter().zip(yr) {
        t += a * b;
    }
    t
}

/// y ← y + a·x.
#[inline]
fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

/// The reflector H = I − β·v·vᵀ with H·x = α·e₁: (β, v, α); β = 0 (H = I) when x is already a
/// multiple of e₁.
///
/// A tiny x (every |x_i| below 2^-300, e.g. correlations of 1e-160) is first scaled up by a power
/// of two: its squares would be subnormal or 0, making β = 2/‖v‖² overflow (then NaN everywhere)
/// or the reflection vanish. H is the same for any multiple of v (β scaled inversely), and α is
/// scaled back exactly; other x take the unscaled path, so ordinary results keep their bits.
fn householder(x: &[f64]) -> (f64, Vec<f64>, f64) {
    let mut v = x.to_vec();
    if v[1..].iter().all(|&t| t == 0.0) {
        let alpha = v[0];
        return (0.0, v, alpha);
    }
    const SMALL: f64 = f64::from_bits((1023 - 300) << 52); // 2^-300
    const UP: f64 = f64::from_bits((1023 + 600) << 52); // 2^600
    let mut unscale = 1.0;
    // At most twice: 2^-1074 (the least subnormal) · 2^1200 ≥ 2^-300.
    while v.iter().all(|&t| t.abs() < SMALL) {
        v.iter_mut().for_each(|t| *t *= UP);
        unscale /= UP;
    }
    let tail = dot(&v[1..], &v[1..]);
    let x0 = v[0];
    let norm = (x0 * x0 + tail).sqrt();
    let alpha = if x0 > 0.0 { -norm } else { norm };
    v[0] = x0 - alpha;
    let beta = 2.0 / (v[0] * v[0] + tail);
    (beta, v, alpha * unscale)
}

/// Row li of a symmetric block stored as its upper triangle (`row` = S[li, li..]): adds its
/// contributions to p = S·v (the diagonal and the entries right of it, and their mirror images).
#[inline]
fn upper_row_times(row: &[f64], v: &[f64], li: usize, p: &mut [f64]) {
    let vi = v[li];
    p[li] += row[0] * vi + dot(&row[1..], &v[li + 1..]);
    axpy(vi, &row[1..], &mut p[li + 1..]);
}

/// S[li, li..] −= v_li·w[li..] + w_li·v[li..] (the rank-2 update, upper triangle of row li).
#[inline]
fn update_upper_row(row: &mut [f64], v: &[f64], w: &[f64], li: usize) {
    let (vi, wi) = (v[li], w[li]);
    for ((r, &wj), &vj) in row.iter_mut().zip(&w[li..]).zip(&v[li..]) {
        *r -= vi * wj + wi * vj;
    }
}

impl Tridiagonal {
    /// Householder reduction of the symmetric N × N matrix `a` (row-major; only the upper triangle
    /// is read; consumed as the work array).
    ///
    /// Step k maps row k's tail x = A[k, k+1..] to α·e₁ with H = I − β·v·vᵀ and updates the
    /// trailing block S ← H·S·H = S − v·wᵀ − w·vᵀ, with p = β·S·v and w = p − (β/2)(pᵀv)·v. Only
    /// the upper triangle of S is kept, row by row, and the update of step k is fused with the
    /// product p of step k + 1: each row is read once per step, while it is in cache.
    pub fn new(mut a: Vec<f64>, n: usize) -> Tridiagonal {
        assert_eq!(a.len(), n * n, "Tridiagonal::new: a must be N × N");
        let mut d = vec![0.0; n];
        let mut e = vec![0.0; n.saturating_sub(1)];
        let steps = n.saturating_sub(2);
        let mut reflectors = Vec::with_capacity(steps);
        if steps > 0 {
            d[0] = a[0];
            let (mut beta, mut v, alpha) = householder(&a[1..n]);
            e[0] = alpha;
            let mut p = vec![0.0; n - 1];
            if beta != 0.0 {
                for li in 0..n - 1 {
                    let i = 1 + li;
                    upper_row_times(&a[i * n + i..(i + 1) * n], &v, li, &mut p);
                }
                p.iter_mut().for_each(|x| *x *= beta);
            }
            for k in 0..steps {
                let r0 = k + 1;
                let m = n - r0;
                // p → w.
                if beta != 0.0 {
                    let kf = 0.5 * beta * dot(&p[..m], &v);
                    axpy(-kf, &v, &mut p[..m]);
                    update_upper_row(&mut a[r0 * n + r0..(r0 + 1) * n], &v, &p, 0);
                }
                if k + 1 < steps {
                    d[k + 1] = a[r0 * n + r0];
                    let (beta2, v2, alpha2) = householder(&a[r0 * n + r0 + 1..(r0 + 1) * n]);
                    e[k + 1] = alpha2;
                    let mut p2 = vec![0.0; m - 1];
                    for li in 1..m {
                        let i = r0 + li;
                        let row = &mut a[i * n + i..(i + 1) * n];
                        if beta != 0.0 {
                            update_upper_row(row, &v, &p, li);
                        }
                        if beta2 != 0.0 {
                            upper_row_times(row, &v2, li - 1, &mut p2);
                        }
                    }
                    p2.iter_mut().for_each(|x| *x *= beta2);
                    reflectors.push((beta, std::mem::replace(&mut v, v2)));
                    beta = beta2;
                    p = p2;
                } else {
                    if beta != 0.0 {
                        for li in 1..m {
                            let i = r0 + li;
                            update_upper_row(&mut a[i * n + i..(i + 1) * n], &v, &p, li);
                        }
                    }
                    reflectors.push((beta, std::mem::take(&mut v)));
                }
            }
        }
        if n >= 2 {
            d[n - 2] = a[(n - 2) * n + n - 2];
            e[n - 2] = a[(n - 2) * n + n - 1];
        }
        if n >= 1 {
            d[n - 1] = a[(n - 1) * n + n - 1];
        }
        Tridiagonal { n, d, e, reflectors }
    }

    /// ‖T‖₁ (the largest absolute row sum).
    pub fn norm1(&self) -> f64 {
        let n = self.n;
        (0..n)
            .map(|i| {
                let l = if i > 0 { self.e[i - 1].abs() } else { 0.0 };
                let r = if i + 1 < n { self.e[i].abs() } else { 0.0 };
                self.d[i].abs() + l + r
            })
            .fold(0.0, f64::max)
    }

    /// All eigenvalues of T (= of A), ascending: implicit QL with Wilkinson-type shifts and no
    /// eigenvectors (tqli), O(N²).
    pub fn eigenvalues(&self) -> Vec<f64> {
        let n = self.n;
        let mut d = self.d.clone();
        let mut e = self.e.clone();
        e.push(0.0);
        for l in 0..n {
            let mut iter = 0;
            loop {
                let mut m = l;
                while m + 1 < n {
                    let dd = d[m].abs() + d[m + 1].abs();
                    if e[m].abs() <= f64::EPSILON * dd {
                        break;
                    }
                    m += 1;
                }
                // An exhausted budget (never seen: QL converges cubically) keeps the current,
                // finite approximation rather than looping.
                if m == l || iter == 100 {
                    break;
                }
                iter += 1;
                let mut g = (d[l + 1] - d[l]) / (2.0 * e[l]);
                let mut r = g.hypot(1.0);
                g = d[m] - d[l] + e[l] / (g + if g >= 0.0 { r } else { -r });
                let (mut s, mut c, mut p) = (1.0, 1.0, 0.0);
                let mut underflow = false;
                for i in (l..m).rev() {
                    let f = s * e[i];
                    let b = c * e[i];
                    r = f.hypot(g);
                    e[i + 1] = r;
                    if r == 0.0 {
                        // Deflation by underflow: the rotation is the identity from here.
                        d[i + 1] -= p;
                        e[m] = 0.0;
                        underflow = true;
                        break;
                    }
                    s = f / r;
                    c = g / r;
                    g = d[i + 1] - p;
                    r = (d[i] - g) * s + 2.0 * c * b;
                    p = s * r;
                    d[i + 1] = g + p;
                    g = c * r - b;
                }
                if underflow {
                    continue;
                }
                d[l] -= p;
                e[l] = g;
                e[m] = 0.0;
            }
        }
        d.sort_by(f64::total_cmp);
        d
    }

    /// Unit eigenvectors of A for the given eigenvalues (ascending, as returned by
    /// [`Tridiagonal::eigenvalues`]), as the rows of a k × N row-major matrix.
    pub fn eigenvectors(&self, lambdas: &[f64]) -> Vec<f64> {
        let n = self.n;
        let k = lambdas.len();
        let mut y = vec![0.0; k * n];
        if n == 0 || k == 0 {
            return y;
        }
        let norm = self.norm1().max(f64::MIN_POSITIVE);
        // dstein's tolerances: a vector is re-orthogonalised against the previous ones whose
        // eigenvalue is closer than `ortol` (further ones are orthogonal to ~ε·‖T‖/ortol = 10³·ε
        // by themselves; unlike dstein the window slides instead of chaining whole clusters, which
        // at N = 1000 would span hundreds of vectors); equal shifts are separated by `sep` so that
        // the solves differ.
        let ortol = 1e-3 * norm;
        let sep = 10.0 * f64::EPSILON * norm;
        let mut cluster_start = 0;
        let mut prev_shift = f64::NEG_INFINITY;
        let mut lu = TridiagonalLu::new(n);
        for j in 0..k {
            let mut shift = lambdas[j];
            while lambdas[j] - lambdas[cluster_start] >= ortol {
                cluster_start += 1;
            }
            if j > cluster_start && shift < prev_shift + sep {
                shift = prev_shift + sep;
            }
            prev_shift = shift;
            lu.factor(&self.d, &self.e, shift, sep.max(f64::MIN_POSITIVE));
            // A fixed, deterministic start vector with components of both signs.
            let (done, rest) = y.split_at_mut(j * n);
            let x = &mut rest[..n];
            let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ (j as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
            for xi in x.iter_mut() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *xi = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            }
            // Three solves: with an eigenvalue accurate to ε·‖T‖ the first already amplifies the
            // wanted direction by ~1/ε; the others clean up and absorb the re-orthogonalisation.
            for _ in 0..3 {
                let s = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                if s > 0.0 {
                    let inv = 1.0 / s;
                    x.iter_mut().for_each(|v| *v *= inv);
                }
                lu.solve(x);
                for c in cluster_start..j {
                    let u = &done[c * n..(c + 1) * n];
                    let h = dot(u, x);
                    axpy(-h, u, x);
                }
            }
            let nrm = dot(x, x).sqrt();
            if nrm > 0.0 && nrm.is_finite() {
                let inv = 1.0 / nrm;
                x.iter_mut().for_each(|v| *v *= inv);
            } else {
                // Unreachable for finite input; a unit vector keeps the result finite.
                #[cfg(test)]
                FALLBACKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                x.iter_mut().for_each(|v| *v = 0.0);
                x[j.min(n - 1)] = 1.0;
            }
        }
        self.back_transform(&mut y);
        y
    }

    /// Y ← Q·Y for the k vectors stored as rows of `y`: the reflectors in reverse order, on blocks
    /// of vectors so that a block stays in cache while every reflector streams past it once.
    fn back_transform(&self, y: &mut [f64]) {
        let n = self.n;
        const BLOCK: usize = 16;
        for block in y.chunks_mut(BLOCK * n) {
            for (idx, (beta, v)) in self.reflectors.iter().enumerate().rev() {
                if *beta == 0.0 {
                    continue;
                }
                let off = idx + 1;
                for row in block.chunks_mut(n) {
                    let seg = &mut row[off..];
                    let h = beta * dot(v, seg);
                    axpy(-h, v, seg);
                }
            }
        }
    }
}

/// B = Σ_r w_r·y_r·y_rᵀ (N × N row-major, exactly symmetric) for the k vectors y_r (rows of the
/// k × N row-major `y`) and weights w_r ≥ 0: the matrix of selected eigenpairs. Only the upper
/// triangle is computed — half the flops of a general product — as dot products of the columns
/// of Z = diag(√w)·Y (stored N × k), two by two so that each loaded value is used twice, on
/// blocks of columns that stay in cache.
pub fn weighted_outer_sum(y: &[f64], weights: &[f64], n: usize) -> Vec<f64> {
    let k = weights.len();
    assert_eq!(y.len(), k * n, "weighted_outer_sum: y must be k × N");
    // Z padded to an even number of rows with zeros.
    let np = n + n % 2;
    let mut z = vec![0.0; np * k];
    for (r, (row, &w)) in y.chunks_exact(n.max(1)).zip(weights).enumerate() {
        let s = w.max(0.0).sqrt();
        for (i, &v) in row.iter().enumerate() {
            z[i * k + r] = v * s;
        }
    }
    let mut b = vec![0.0; n * n];
    const JB: usize = 32;
    for jb in (0..np).step_by(JB) {
        let je = (jb + JB).min(np);
        for i in (0..je).step_by(2) {
            let (zi0, zi1) = (&z[i * k..(i + 1) * k], &z[(i + 1) * k..(i + 2) * k]);
            for j in (jb.max(i)..je).step_by(2) {
                let (zj0, zj1) = (&z[j * k..(j + 1) * k], &z[(j + 1) * k..(j + 2) * k]);
                let mut acc = [[0.0f64; 2]; 4];
                let mut r = 0;
                while r + 2 <= k {
                    for h in 0..2 {
                        acc[0][h] += zi0[r + h] * zj0[r + h];
                        acc[1][h] += zi0[r + h] * zj1[r + h];
                        acc[2][h] += zi1[r + h] * zj0[r + h];
                        acc[3][h] += zi1[r + h] * zj1[r + h];
                    }
                    r += 2;
                }
                if r < k {
                    acc[0][0] += zi0[r] * zj0[r];
                    acc[1][0] += zi0[r] * zj1[r];
                    acc[2][0] += zi1[r] * zj0[r];
                    acc[3][0] += zi1[r] * zj1[r];
                }
                let v = acc.map(|a| a[0] + a[1]);
                for (t, (ii, jj)) in [(i, j), (i, j + 1), (i + 1, j), (i + 1, j + 1)].into_iter().enumerate() {
                    if ii < n && jj < n && jj >= ii {
                        b[ii * n + jj] = v[t];
                    }
                }
            }
        }
    }
    for i in 0..n {
        for j in 0..i {
            b[i * n + j] = b[j * n + i];
        }
    }
    b
}

/// LU factorisation with partial pivoting of the tridiagonal T − σI (LAPACK `dgttrf`), reused
/// across shifts.
struct TridiagonalLu {
    /// U's diagonal, first and second super-diagonals; L's multipliers; whether rows i, i+1 swapped.
    u0: Vec<f64>,
    u1: Vec<f64>,
    u2: Vec<f64>,
    l: Vec<f64>,
    swap: Vec<bool>,
}

impl TridiagonalLu {
    fn new(n: usize) -> TridiagonalLu {
        TridiagonalLu { u0: vec![0.0; n], u1: vec![0.0; n], u2: vec![0.0; n], l: vec![0.0; n], swap: vec![false; n] }
    }

    /// Factor T − σI; a zero pivot (σ an exact eigenvalue) is replaced by `tiny`, which is what
    /// makes the following solve blow up in the eigenvector's direction.
    fn factor(&mut self, d: &[f64], e: &[f64], sigma: f64, tiny: f64) {
        let n = d.len();
        for i in 0..n {
            self.u0[i] = d[i] - sigma;
            self.u1[i] = if i + 1 < n { e[i] } else { 0.0 };
            self.u2[i] = 0.0;
        }
        for i in 0..n.saturating_sub(1) {
            let sub = e[i];
            if self.u0[i].abs() >= sub.abs() {
                self.swap[i] = false;
                let f = if self.u0[i] != 0.0 { sub / self.u0[i] } else { 0.0 };
                self.l[i] = f;
                self.u0[i + 1] -= f * self.u1[i];
            } else {
                // Row i + 1 becomes the pivot row.
                self.swap[i] = true;
                let f = self.u0[i] / sub;
                self.l[i] = f;
                self.u0[i] = sub;
                let t = self.u1[i];
                self.u1[i] = self.u0[i + 1];
                self.u0[i + 1] = t - f * self.u0[i + 1];
                if i + 2 < n {
                    self.u2[i] = self.u1[i + 1];
                    self.u1[i + 1] *= -f;
                }
            }
        }
        for i in 0..n {
            if self.u0[i].abs() < tiny {
                self.u0[i] = if self.u0[i] < 0.0 { -tiny } else { tiny };
            }
        }
    }

    /// x ← (T − σI)⁻¹·x.
    fn solve(&self, x: &mut [f64]) {
        let n = x.len();
        for i in 0..n.saturating_sub(1) {
            if self.swap[i] {
                let t = x[i];
                x[i] = x[i + 1];
                x[i + 1] = t - self.l[i] * x[i + 1];
            } else {
                x[i + 1] -= self.l[i] * x[i];
            }
        }
        for i in (0..n).rev() {
            let mut s = x[i];
            if i + 1 < n {
                s -= self.u1[i] * x[i + 1];
            }
            if i + 2 < n {
                s -= self.u2[i] * x[i + 2];
            }
            x[i] = s / self.u0[i];
        }
    }
}

#[cfg(test)]
mod tests {
    // In wasm32 (`npm run test:rust-wasm`) the same tests run under wasm-bindgen-test in Node.
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn xorshift(seed: u64) -> impl FnMut() -> f64 {
        let mut x = seed;
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    fn random_symmetric(n: usize, seed: u64) -> Vec<f64> {
        let mut next = xorshift(seed);
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in i..n {
                let v = 4.0 * next() - 2.0;
                a[i * n + j] = v;
                a[j * n + i] = v;
            }
        }
        a
    }

    /// Max |V·Λ·Vᵀ − A| and max |V·Vᵀ − I| for all eigenpairs (rows of `v` are the vectors).
    fn errors(a: &[f64], n: usize) -> (f64, f64) {
        let t = Tridiagonal::new(a.to_vec(), n);
        let vals = t.eigenvalues();
        assert!(vals.windows(2).all(|w| w[0] <= w[1]));
        let v = t.eigenvectors(&vals);
        let (mut rec, mut orth) = (0.0f64, 0.0f64);
        for i in 0..n {
            for j in 0..n {
                let mut s = 0.0;
                for k in 0..n {
                    s += v[k * n + i] * vals[k] * v[k * n + j];
                }
                rec = rec.max((s - a[i * n + j]).abs());
                let g = dot(&v[i * n..(i + 1) * n], &v[j * n..(j + 1) * n]);
                orth = orth.max((g - if i == j { 1.0 } else { 0.0 }).abs());
            }
        }
        (rec, orth)
    }

    #[test]
    fn full_decomposition_reconstructs() {
        for (n, seed) in [(1, 1u64), (2, 2), (3, 3), (4, 4), (17, 5), (64, 6), (150, 7)] {
            let a = random_symmetric(n, seed);
            let (rec, orth) = errors(&a, n);
            assert!(rec < 1e-11 * n as f64, "n = {n}: reconstruction error {rec}");
            assert!(orth < 1e-11 * n as f64, "n = {n}: orthogonality error {orth}");
        }
    }

    #[test]
    fn weighted_outer_sum_matches_the_definition() {
        for (k, n, seed) in [(0usize, 3usize, 1u64), (1, 1, 2), (1, 4, 3), (3, 5, 4), (7, 8, 5), (40, 71, 6)] {
            let mut next = xorshift(seed);
            let y: Vec<f64> = (0..k * n).map(|_| next() - 0.5).collect();
            let w: Vec<f64> = (0..k).map(|_| 3.0 * next()).collect();
            let b = weighted_outer_sum(&y, &w, n);
            for i in 0..n {
                for j in 0..n {
                    let want: f64 = (0..k).map(|r| w[r] * y[r * n + i] * y[r * n + j]).sum();
                    assert!((b[i * n + j] - want).abs() < 1e-13, "k = {k}, n = {n}: B[{i}][{j}]");
                    assert_eq!(b[i * n + j], b[j * n + i]);
                }
            }
        }
    }

    #[test]
    fn clusters_and_split_tridiagonals() {
        // −0.5 everywhere off the diagonal: eigenvalue 1.5 with multiplicity
        // N − 1 (one big cluster, T splits into zero off-diagonals), and 1 − 0.5·(N − 1).
        let n = 40;
        let a: Vec<f64> = (0..n * n).map(|k| if k / n == k % n { 1.0 } else { -0.5 }).collect();
        let t = Tridiagonal::new(a.clone(), n);
        let vals = t.eigenvalues();
        assert!((vals[0] - (1.0 - 0.5 * (n - 1) as f64)).abs() < 1e-12);
        assert!(vals[1..].iter().all(|&v| (v - 1.5).abs() < 1e-12));
        let (rec, orth) = errors(&a, n);
        assert!(rec < 1e-11 && orth < 1e-11, "{rec} {orth}");
        // Block-diagonal copies of one matrix: every eigenvalue repeated, T with exact zeros.
        let b = [[2.0, 1.0, 0.0], [1.0, -1.0, 0.5], [0.0, 0.5, 0.3]];
        let n = 12;
        let mut a = vec![0.0; n * n];
        for blk in 0..4 {
            for i in 0..3 {
                for j in 0..3 {
                    a[(3 * blk + i) * n + 3 * blk + j] = b[i][j];
                }
            }
        }
        let (rec, orth) = errors(&a, n);
        assert!(rec < 1e-12 && orth < 1e-12, "{rec} {orth}");
        // Diagonal and zero matrices: nothing to reduce.
        let diag: Vec<f64> = (0..25).map(|k| if k % 6 == 0 { (k / 6) as f64 - 2.0 } else { 0.0 }).collect();
        let (rec, orth) = errors(&diag, 5);
        assert!(rec < 1e-14 && orth < 1e-14, "{rec} {orth}");
        let (rec, orth) = errors(&[0.0; 9], 3);
        assert!(rec < 1e-14 && orth < 1e-14, "{rec} {orth}");
        assert!(Tridiagonal::new(Vec::new(), 0).eigenvalues().is_empty());
    }

    /// Entries so small that a Householder tail's squared norm is subnormal (1e-160² = 1e-320):
    /// β = 2/‖v‖² must not overflow (it did: β = ∞, then NaN everywhere). Also 1e-300 entries
    /// (squares underflow to 0) and matrices of one or two markets.
    #[test]
    fn tiny_entries_stay_finite() {
        for tiny in [1e-160, 1e-155, 2e-162, 1e-300, f64::MIN_POSITIVE, 5e-324] {
            // An indefinite 3 × 3 block (±0.9) coupled to market 0 by `tiny` only.
            let n = 4;
            let mut a = vec![0.0; n * n];
            for i in 0..n {
                a[i * n + i] = 1.0;
            }
            let mut set = |i: usize, j: usize, v: f64| {
                a[i * n + j] = v;
                a[j * n + i] = v;
            };
            set(0, 2, tiny);
            set(1, 2, 0.9);
            set(1, 3, 0.9);
            set(2, 3, -0.9);
            let (rec, orth) = errors(&a, n);
            assert!(rec < 1e-13 && orth < 1e-13, "tiny {tiny:e}: {rec} {orth}");
            // Tiny entries everywhere off the diagonal, some negative.
            for n in [1usize, 2, 3, 5] {
                let a: Vec<f64> = (0..n * n).map(|k| if k / n == k % n { 1.0 } else if (k / n + k % n) % 3 == 0 { -tiny } else { tiny }).collect();
                let (rec, orth) = errors(&a, n);
                assert!(rec < 1e-14 && orth < 1e-14, "tiny {tiny:e}, n {n}: {rec} {orth}");
            }
        }
    }
}
