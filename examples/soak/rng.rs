//! A small seeded random source (xorshift64*), so that a run is repeatable in what it asks for.

use std::time::Duration;

/// A seeded pseudo-random sequence.
pub struct Rng(u64);

impl Rng {
    /// A sequence from `seed` (any value; zero is moved off the fixed point).
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15 | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    /// A fraction in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A duration in `[0, max)`.
    pub fn duration_below(&mut self, max: Duration) -> Duration {
        max.mul_f64(self.unit())
    }

    /// An exponentially distributed duration of mean `mean` (the gaps of a Poisson process),
    /// capped at ten means.
    pub fn exponential(&mut self, mean: Duration) -> Duration {
        let x = -(1.0 - self.unit()).ln();
        mean.mul_f64(x.min(10.0))
    }
}
