//! Shared input decoding for the boundary fuzz targets.
//!
//! The byte string is read front to back. Numbers are tagged (one byte, then maybe more):
//! tag % 16 = 0 NaN, 1 +∞, 2 −∞, 3 −0, 4 0, 5 1, 6 1e308, 7 −1e308, 8 5e-324 (subnormal),
//! 9 a raw little-endian f64 (the next 8 bytes: seeds use this), 10–12 a price-like byte/255,
//! 13–15 a return-like (byte/255 − 0.5)·0.4. Past the end of the input, values continue from a
//! deterministic generator of ordinary numbers, so short inputs still give full matrices.
//! `fuzz/make_seeds.py` writes seeds in this format from `fixtures/`.
#![allow(dead_code)]

use hz_portfolio::HzError;

pub struct Input<'a> {
    data: &'a [u8],
    pos: usize,
    state: u64,
}

impl<'a> Input<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Input { data, pos: 0, state: 0x9E37_79B9_7F4A_7C15 ^ data.len() as u64 }
    }

    fn next_state(&mut self) -> u64 {
        self.state = self.state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.state >> 33
    }

    pub fn exhausted(&self) -> bool {
        self.pos >= self.data.len()
    }

    pub fn byte(&mut self) -> u8 {
        if let Some(&b) = self.data.get(self.pos) {
            self.pos += 1;
            b
        } else {
            self.next_state() as u8
        }
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    pub fn bool(&mut self) -> bool {
        self.byte() & 1 == 1
    }

    pub fn f64(&mut self) -> f64 {
        if self.exhausted() {
            return (self.next_state() % 10_000) as f64 / 10_000.0;
        }
        let tag = self.byte();
        match tag % 16 {
            0 => f64::NAN,
            1 => f64::INFINITY,
            2 => f64::NEG_INFINITY,
            3 => -0.0,
            4 => 0.0,
            5 => 1.0,
            6 => 1e308,
            7 => -1e308,
            8 => 5e-324,
            9 => {
                let mut b = [0u8; 8];
                for x in b.iter_mut() {
                    *x = self.byte();
                }
                f64::from_le_bytes(b)
            }
            10..=12 => self.byte() as f64 / 255.0,
            _ => (self.byte() as f64 / 255.0 - 0.5) * 0.4,
        }
    }

    pub fn vec(&mut self, len: usize) -> Vec<f64> {
        (0..len).map(|_| self.f64()).collect()
    }

    /// Dimensions of a T×N history: T ≤ 512, N ≤ 64, except that N = 0xFFFF asks for one
    /// market above the covariance cap; the data length is T·N unless `mismatch` is set.
    pub fn history(&mut self) -> (usize, usize, Vec<f64>) {
        let t = (self.u16() % 513) as usize;
        let raw_n = self.u16();
        let n = if raw_n == 0xFFFF { hz_portfolio::bindings::MAX_COVARIANCE_MARKETS + 1 } else { (raw_n % 65) as usize };
        let mismatch = self.byte() == 0xFF;
        let len = if mismatch { (self.u16() % 1024) as usize } else if n > 64 { 2 * n } else { t * n };
        (t, n, self.vec(len))
    }
}

/// The fuzz oracle: an `Ok` result must be entirely finite; an error must carry a stable code.
pub fn check(what: &str, r: &Result<Vec<f64>, HzError>) {
    match r {
        Ok(v) => {
            if let Some(i) = v.iter().position(|x| !x.is_finite()) {
                panic!("{what}: Ok result holds a non-finite value at {i}: {}", v[i]);
            }
        }
        Err(e) => {
            let code = e.code();
            assert!(
                matches!(code, "INVALID_PRICE" | "INVALID_SIZE" | "INVALID_PROBABILITY" | "UNKNOWN_MARKET" | "INVALID_HISTORY" | "INVALID_ARGUMENT" | "LIMIT_EXCEEDED"),
                "{what}: unexpected code {code}"
            );
        }
    }
}
