//! The random numbers behind the programs: SplitMix64, a 64-bit generator small enough to read
//! at a glance, fully determined by its seed, and fast in the debug build that `cargo test`
//! makes.
//!
//! Each case has a generator of its own, derived from the run's seed and the case's index, so
//! that one case can be generated again without the cases before it.

/// The increment of SplitMix64's state (the golden ratio's 64-bit fraction, odd).
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function: a bijection of `u64` that mixes every input bit into every
/// output bit.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A weighted alternative for [`Rng::pick`]: its weight, and what builds its value.
pub type Choice<T> = (u32, fn(&mut Rng) -> T);

/// A SplitMix64 generator.
pub struct Rng {
    state: u64,
}

impl Rng {
    /// The generator of case `index` of a run seeded with `seed`. The starting state is a mix
    /// of both numbers, so that nearby seeds or indices give unrelated streams.
    pub fn for_case(seed: u64, index: u64) -> Rng {
        Rng {
            state: mix(seed ^ mix(index.wrapping_add(GAMMA))),
        }
    }

    /// The next 64 random bits.
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GAMMA);
        mix(self.state)
    }

    /// A number in `0..n`, each about equally likely (`n` > 0). It is the high half of a
    /// 64×64-bit product, whose bias, below `n / 2^64`, is out of reach here.
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0, "an empty range");
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// `true` with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        // The top 53 bits, as a fraction in [0, 1) with every bit of an f64's mantissa.
        ((self.next_u64() >> 11) as f64) / ((1u64 << 53) as f64) < p
    }

    /// One of `items`, each equally likely.
    pub fn choose<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// One of `choices`, each with probability proportional to its weight, and what it builds.
    pub fn pick<T>(&mut self, choices: &[Choice<T>]) -> T {
        let total: u64 = choices.iter().map(|&(weight, _)| u64::from(weight)).sum();
        let mut ticket = self.below(total);
        for &(weight, build) in choices {
            let weight = u64::from(weight);
            if ticket < weight {
                return build(self);
            }
            ticket -= weight;
        }
        unreachable!("the ticket is below the total weight")
    }
}
