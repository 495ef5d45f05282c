//! A small, fast, seedable PRNG (splitmix64): the generator needs speed and reproducibility,
//! not cryptographic quality, and no new dependency.

/// splitmix64 (Steele, Lea and Flood): one add and three xor-shift-multiplies per number.
#[derive(Debug, Clone)]
pub(super) struct SplitMix64(u64);

impl SplitMix64 {
    pub(super) fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub(super) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`) by multiply-shift: the bias, below n / 2^64, is
    /// irrelevant here and there is no division.
    pub(super) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `0..n`, skewed towards small values (density about 1/sqrt(x)): a few
    /// popular items and heavy users, a long tail of the others.
    pub(super) fn skewed_below(&mut self, n: u64) -> u64 {
        // n * u^2 for a uniform u in [0, 1).
        let a = u128::from(self.below(n));
        (a * a / u128::from(n)) as u64
    }
}

/// A seed for one stream (a day) derived from the generator's seed, so that streams do not
/// overlap and each day can be generated on its own.
pub(super) fn stream_seed(seed: u64, stream: u64) -> u64 {
    let mut mix = SplitMix64::new(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
    mix.next_u64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_stays_below_and_covers_the_range() {
        let mut r = SplitMix64::new(7);
        let mut seen = [false; 10];
        for _ in 0..1000 {
            let v = r.below(10) as usize;
            seen[v] = true;
            assert!(r.skewed_below(10) < 10);
        }
        assert!(seen.iter().all(|s| *s));
    }

    #[test]
    fn streams_differ() {
        assert_ne!(stream_seed(1, 0), stream_seed(1, 1));
        assert_ne!(stream_seed(1, 0), stream_seed(2, 0));
    }
}
