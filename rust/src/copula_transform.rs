//! The copula transform z = L·ε of a tile of scenarios, register-blocked for f64x2 SIMD.
//!
//! # What is computed (the contract of [`crate::montecarlo`])
//! For every latent row s (a market's row of L, or an event representative's signed row) and every
//! scenario j of the tile: z_sj = Σ_k L_sk·ε_kj, each product rounded, then added to the running
//! sum in k ascending order, starting from +0. That is the scalar loop `z += l * e` over the
//! nonzero entries of the row, bit for bit:
//! * the lanes of an f64x2 are two *scenarios*, never two terms of one sum, so each scenario's
//!   additions happen in exactly the scalar order (IEEE add and mul are the same in a lane as in a
//!   scalar register; no FMA is used anywhere — wasm has none without relaxed-simd, which is not
//!   deterministic, and Rust never contracts mul + add on its own);
//! * rows are blocked [`ROWS`] at a time over the union of their nonzero columns, so a row also
//!   "adds" ±0 = L_sk·ε_kj for a column where it is zero. That is exact: x + (±0) = x for every
//!   x ≠ 0, and +0 + (±0) = +0; a running sum that starts at +0 can never become −0 (a
//!   round-to-nearest sum is −0 only when both terms are −0), so the skipped and the added zeros
//!   give the same bits.
//!
//! # Why it is fast
//! Each step of the inner loop loads the ε of [`LANES`] scenarios (two f64x2) once and uses them for
//! [`ROWS`] rows: 4 splat loads + 2 loads feed 8 multiplies and 8 adds into 8 accumulators that stay
//! in registers, instead of a load, a multiply-add and a store of z per term (the one-row axpy).
//! Rows are grouped in the order of their last nonzero column: the factor of a pivoted Cholesky is
//! triangular in pivot order, so consecutive rows of that order have nearly the same length and the
//! padding costs ~ROWS/2 columns per group rather than the 1.42× of rows taken in index order.
//! ε is laid out scenario-chunk-major ([`eps_index`]) so the inner loop reads it contiguously, and
//! each group's coefficients are packed in the order the loop reads them.

/// Scenarios per chunk: one step of the inner loop handles this many scenarios (two f64x2).
pub const LANES: usize = 4;
/// Rows of L per group: the accumulators are ROWS × LANES (8 f64x2 registers).
pub const ROWS: usize = 4;

/// Position of ε_kj (scenario j of the tile, column k of L) in a tile of `r` columns: chunk of
/// [`LANES`] scenarios, then column, then lane.
#[inline(always)]
pub fn eps_index(r: usize, j: usize, k: usize) -> usize {
    (j / LANES) * r * LANES + k * LANES + j % LANES
}

/// Scenarios per tile for `r` columns: a multiple of [`LANES`] with the tile of ε (r·tile f64)
/// within ~256 KiB, so ε and z stay in the core's L2 cache while every group streams over them.
pub fn tile_scenarios(r: usize) -> usize {
    ((32_768 / r.max(1)).clamp(16, 256) / LANES) * LANES
}

/// One group of up to ROWS latent rows: where its packed coefficients start and which columns they
/// cover. Only the last group can have fewer rows; it runs a kernel of its own size (no dummy rows).
#[derive(Debug, Clone)]
struct Group {
    /// number of rows (1..=ROWS)
    n: usize,
    /// output slot of each of the group's rows (the first `n` entries)
    slots: [usize; ROWS],
    /// the group's runs of columns: `runs[run_start .. run_end]`
    run_start: usize,
    run_end: usize,
    /// offset of the group's coefficients in `vals` (n per column, in run order)
    val_start: usize,
}

/// The latent rows of a run, packed for [`LatentRows::transform`].
#[derive(Debug, Clone)]
pub struct LatentRows {
    r: usize,
    n_slots: usize,
    groups: Vec<Group>,
    /// (first column, number of columns) of each run, ascending within a group
    runs: Vec<(usize, usize)>,
    vals: Vec<f64>,
}

impl LatentRows {
    /// `rows[s]` = the nonzero entries (k, L_sk) of latent row s, k ascending and < `r`.
    /// (Entries out of range are ignored: the caller builds rows from an N × r matrix.)
    pub fn new(r: usize, rows: &[Vec<(usize, f64)>]) -> Self {
        let n_slots = rows.len();
        // Order of the last nonzero column (then the first, then the slot: deterministic).
        let mut order: Vec<usize> = (0..n_slots).collect();
        let key = |s: usize| {
            let row = &rows[s];
            (row.last().map_or(0, |e| e.0 + 1), row.first().map_or(0, |e| e.0), s)
        };
        order.sort_by_key(|&s| key(s));
        let mut groups = Vec::with_capacity(n_slots.div_ceil(ROWS));
        let mut runs = Vec::new();
        let mut vals = Vec::new();
        let mut dense = vec![[0.0f64; ROWS]; r];
        let mut used = vec![false; r];
        for members in order.chunks(ROWS) {
            let mut slots = [n_slots; ROWS];
            for (rr, &s) in members.iter().enumerate() {
                slots[rr] = s;
                for &(k, v) in &rows[s] {
                    if k < r {
                        dense[k][rr] = v;
                        used[k] = true;
                    }
                }
            }
            let (run_start, val_start) = (runs.len(), vals.len());
            let mut k = 0;
            while k < r {
                if !used[k] {
                    k += 1;
                    continue;
                }
                let k0 = k;
                while k < r && used[k] {
                    vals.extend_from_slice(&dense[k][..members.len()]);
                    dense[k] = [0.0; ROWS];
                    used[k] = false;
                    k += 1;
                }
                runs.push((k0, k - k0));
            }
            groups.push(Group { n: members.len(), slots, run_start, run_end: runs.len(), val_start });
        }
        LatentRows { r, n_slots, groups, runs, vals }
    }

    /// Number of latent rows (output slots).
    pub fn n_slots(&self) -> usize {
        self.n_slots
    }

    /// Multiply-adds per scenario, padding included (the one-row loop does nnz(L) of them).
    pub fn work(&self) -> usize {
        self.groups.iter().map(|g| self.runs[g.run_start..g.run_end].iter().map(|&(_, len)| len * g.n).sum::<usize>()).sum()
    }

    /// z of `chunks` chunks of [`LANES`] scenarios: `eps` holds the tile in the [`eps_index`] layout
    /// (at least r·LANES·chunks values) and `z[s·stride + j]` receives z_sj for slot s and scenario
    /// j < LANES·chunks. `z` must hold n_slots·stride values and stride ≥ LANES·chunks.
    pub fn transform(&self, eps: &[f64], chunks: usize, z: &mut [f64], stride: usize) {
        let r = self.r;
        assert!(eps.len() >= r * LANES * chunks, "copula transform: ε tile too short");
        assert!(stride >= LANES * chunks && z.len() >= self.n_slots * stride, "copula transform: z tile too short");
        for g in &self.groups {
            let runs = &self.runs[g.run_start..g.run_end];
            let n_vals = runs.iter().map(|&(_, len)| len).sum::<usize>() * g.n;
            let vals = &self.vals[g.val_start..g.val_start + n_vals];
            const _: () = assert!(ROWS == 4, "one kernel size per possible group size");
            match g.n {
                4 => group::<4>(vals, runs, eps, r, chunks, &g.slots, z, stride),
                3 => group::<3>(vals, runs, eps, r, chunks, &g.slots, z, stride),
                2 => group::<2>(vals, runs, eps, r, chunks, &g.slots, z, stride),
                _ => group::<1>(vals, runs, eps, r, chunks, &g.slots, z, stride),
            }
        }
    }
}

/// One group of R rows over every chunk of the tile.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn group<const R: usize>(vals: &[f64], runs: &[(usize, usize)], eps: &[f64], r: usize, chunks: usize, slots: &[usize], z: &mut [f64], stride: usize) {
    for c in 0..chunks {
        let e = &eps[c * r * LANES..(c + 1) * r * LANES];
        let acc = kernel::group_chunk::<R>(vals, runs, e);
        for (rr, &s) in slots[..R].iter().enumerate() {
            z[s * stride + c * LANES..s * stride + (c + 1) * LANES].copy_from_slice(&acc[rr]);
        }
    }
}

/// The inner loop: the R × LANES accumulators of one group over one chunk of scenarios.
/// `vals` = the group's coefficients (R per column, in run order), `eps` = one chunk of ε
/// (r·LANES values, column-major within the chunk); every run lies within 0..r (built so by
/// [`LatentRows::new`]), which the bounds below check once per call.
mod kernel {
    use super::LANES;

    #[inline(always)]
    pub fn group_chunk<const R: usize>(vals: &[f64], runs: &[(usize, usize)], eps: &[f64]) -> [[f64; LANES]; R] {
        let mut n = 0;
        for &(k0, len) in runs {
            assert!((k0 + len) * LANES <= eps.len());
            n += len;
        }
        assert!(n * R <= vals.len());
        // SAFETY: every run's ε range and the coefficients it reads were checked above.
        unsafe { imp::group_chunk::<R>(vals.as_ptr(), runs, eps.as_ptr()) }
    }

    /// wasm32 with simd128 (the build always enables it: scripts/build.sh).
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    mod imp {
        use super::super::LANES;
        use core::arch::wasm32::*;

        #[inline(always)]
        pub unsafe fn group_chunk<const R: usize>(vals: *const f64, runs: &[(usize, usize)], eps: *const f64) -> [[f64; LANES]; R] {
            let z = f64x2_splat(0.0);
            let mut acc = [[z; 2]; R];
            let mut v = vals;
            for &(k0, len) in runs {
                let mut e = eps.add(k0 * LANES);
                for _ in 0..len {
                    let e0 = (e as *const v128).read_unaligned();
                    let e1 = (e.add(2) as *const v128).read_unaligned();
                    for (rr, a) in acc.iter_mut().enumerate() {
                        let l = f64x2_splat(*v.add(rr));
                        // two roundings (mul, then add), as the scalar `z += l * e`
                        a[0] = f64x2_add(a[0], f64x2_mul(l, e0));
                        a[1] = f64x2_add(a[1], f64x2_mul(l, e1));
                    }
                    v = v.add(R);
                    e = e.add(LANES);
                }
            }
            let mut out = [[0.0; LANES]; R];
            for (o, a) in out.iter_mut().zip(&acc) {
                (o.as_mut_ptr() as *mut v128).write_unaligned(a[0]);
                (o.as_mut_ptr().add(2) as *mut v128).write_unaligned(a[1]);
            }
            out
        }
    }

    /// x86-64: SSE2 is part of the base instruction set (mulpd/addpd, never FMA).
    #[cfg(target_arch = "x86_64")]
    mod imp {
        use super::super::LANES;
        use core::arch::x86_64::*;

        #[inline(always)]
        pub unsafe fn group_chunk<const R: usize>(vals: *const f64, runs: &[(usize, usize)], eps: *const f64) -> [[f64; LANES]; R] {
            let z = _mm_setzero_pd();
            let mut acc = [[z; 2]; R];
            let mut v = vals;
            for &(k0, len) in runs {
                let mut e = eps.add(k0 * LANES);
                for _ in 0..len {
                    let e0 = _mm_loadu_pd(e);
                    let e1 = _mm_loadu_pd(e.add(2));
                    for (rr, a) in acc.iter_mut().enumerate() {
                        let l = _mm_set1_pd(*v.add(rr));
                        a[0] = _mm_add_pd(a[0], _mm_mul_pd(l, e0));
                        a[1] = _mm_add_pd(a[1], _mm_mul_pd(l, e1));
                    }
                    v = v.add(R);
                    e = e.add(LANES);
                }
            }
            let mut out = [[0.0; LANES]; R];
            for (o, a) in out.iter_mut().zip(&acc) {
                _mm_storeu_pd(o.as_mut_ptr(), a[0]);
                _mm_storeu_pd(o.as_mut_ptr().add(2), a[1]);
            }
            out
        }
    }

    /// Anything else: the same blocking in scalars (the compiler vectorises it where it can).
    #[cfg(not(any(all(target_arch = "wasm32", target_feature = "simd128"), target_arch = "x86_64")))]
    mod imp {
        use super::super::LANES;

        #[inline(always)]
        pub unsafe fn group_chunk<const R: usize>(vals: *const f64, runs: &[(usize, usize)], eps: *const f64) -> [[f64; LANES]; R] {
            let mut acc = [[0.0f64; LANES]; R];
            let mut v = vals;
            for &(k0, len) in runs {
                let mut e = eps.add(k0 * LANES);
                for _ in 0..len {
                    for (rr, a) in acc.iter_mut().enumerate() {
                        let l = *v.add(rr);
                        for (q, x) in a.iter_mut().enumerate() {
                            *x += l * *e.add(q);
                        }
                    }
                    v = v.add(R);
                    e = e.add(LANES);
                }
            }
            acc
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// The scalar one-row loop of the module contract: nonzero entries only, k ascending.
    fn reference(rows: &[Vec<(usize, f64)>], eps: &[f64], r: usize, n_scen: usize) -> Vec<Vec<f64>> {
        rows.iter()
            .map(|row| {
                (0..n_scen)
                    .map(|j| {
                        let mut z = 0.0;
                        for &(k, l) in row {
                            z += l * eps[eps_index(r, j, k)];
                        }
                        z
                    })
                    .collect()
            })
            .collect()
    }

    use crate::test_gen::Gen;

    #[test]
    fn equals_the_scalar_loop_bit_for_bit() {
        let mut g = Gen(0x9E37_79B9_7F4A_7C15);
        for case in 0..60 {
            let r = 1 + g.below(40);
            let n_rows = 1 + g.below(23);
            // rows: dense prefixes in a shuffled order (a pivoted Cholesky), random holes, a few
            // empty rows, entries of both signs and exact zeros skipped
            let rows: Vec<Vec<(usize, f64)>> = (0..n_rows)
                .map(|_| {
                    let last = g.below(r + 1);
                    let holes = case % 3 == 0;
                    let mut row = Vec::new();
                    for k in 0..last {
                        if !holes || g.below(4) != 0 {
                            row.push((k, 2.0 * g.unit() - 1.0));
                        }
                    }
                    row
                })
                .collect();
            let chunks = 1 + g.below(9);
            let n_scen = chunks * LANES;
            let mut eps = vec![0.0; r * n_scen];
            for v in eps.iter_mut() {
                // heavy-tailed, with some exact zeros (ε can be +0)
                *v = if g.below(17) == 0 { 0.0 } else { (2.0 * g.unit() - 1.0) * 4.0 * g.unit().powi(3).recip().min(1e3) };
            }
            let lr = LatentRows::new(r, &rows);
            let stride = n_scen + g.below(3);
            let mut z = vec![f64::NAN; (n_rows + 1) * stride];
            lr.transform(&eps, chunks, &mut z, stride);
            let want = reference(&rows, &eps, r, n_scen);
            for (s, w) in want.iter().enumerate() {
                for (j, &x) in w.iter().enumerate() {
                    assert_eq!(z[s * stride + j].to_bits(), x.to_bits(), "case {case}: row {s}, scenario {j}");
                }
            }
        }
    }

    #[test]
    fn pivot_order_padding_is_small() {
        // A lower-triangular factor whose rows are permuted (pivoted Cholesky): grouped by length,
        // the padded work is within ROWS/2 columns per row of the nonzeros.
        let n = 300;
        let perm: Vec<usize> = (0..n).map(|i| (i * 7 + 3) % n).collect();
        let rows: Vec<Vec<(usize, f64)>> = (0..n).map(|i| (0..=perm[i]).map(|k| (k, 0.5)).collect()).collect();
        let nnz: usize = rows.iter().map(|r| r.len()).sum();
        let lr = LatentRows::new(n, &rows);
        assert!(lr.work() <= nnz + n * ROWS / 2, "work {} vs nnz {nnz}", lr.work());
    }

    #[test]
    fn tiles_are_whole_chunks() {
        for r in [1, 3, 10, 100, 300, 1000, 5000] {
            let t = tile_scenarios(r);
            assert!(t % LANES == 0 && t >= 16 && t <= 256);
        }
    }
}
