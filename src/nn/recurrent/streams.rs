//! The random streams of the recurrent engine: initial weights and sequence data.
//!
//! They must differ from the feed-forward engine's streams for the same seed, so a book that
//! trains an MLP and an RNN from seed 1 does not draw both from one sequence. The engine's
//! `Init` and `Data` purposes are keyed with a salted seed: SplitMix64 (`rng.rs`) turns any
//! change of the seed into an unrelated ChaCha key, so the salted streams are independent of
//! the unsalted ones. The salts are part of the determinism contract: never change them.

use crate::nn::rng::{Purpose, RandomStream};

/// "RNN-INIT" and "RNN-DATA" in ASCII: arbitrary, fixed forever.
const INIT_SALT: u64 = 0x524E_4E2D_494E_4954;
const DATA_SALT: u64 = 0x524E_4E2D_4441_5441;

/// The stream every recurrent weight is drawn from, in parameter order.
pub fn init_stream(seed: u64) -> RandomStream {
    RandomStream::new(seed ^ INIT_SALT, Purpose::Init)
}

/// The stream a sequence data set is generated from.
pub fn data_stream(seed: u64) -> RandomStream {
    RandomStream::new(seed ^ DATA_SALT, Purpose::Data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recurrent_streams_differ_from_the_engines() {
        let first = |mut rng: RandomStream| rng.next_u64();
        assert_ne!(
            first(init_stream(1)),
            first(RandomStream::new(1, Purpose::Init))
        );
        assert_ne!(
            first(data_stream(1)),
            first(RandomStream::new(1, Purpose::Data))
        );
        assert_ne!(first(init_stream(1)), first(data_stream(1)));
        assert_eq!(first(init_stream(5)), first(init_stream(5)));
    }
}
