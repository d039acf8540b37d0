//! The random streams of the recurrent engine: initial weights and sequence data, each with
//! its own stream id in `rng.rs`, so a book that trains an MLP and an RNN from seed 1 does
//! not draw both from one sequence.

use crate::nn::rng::{Purpose, RandomStream};

/// The stream every recurrent weight is drawn from, in parameter order.
pub fn init_stream(seed: u64) -> RandomStream {
    RandomStream::new(seed, Purpose::RecurrentInit)
}

/// The stream a sequence data set is generated from.
pub fn data_stream(seed: u64) -> RandomStream {
    RandomStream::new(seed, Purpose::RecurrentData)
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
