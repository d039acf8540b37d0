//! Per-layer init overrides (`NetworkConfig::init_overrides`): the named layers' weights
//! redrawn with their own init after the network is built, from a stream of their own, so
//! every other parameter keeps the bits it has without overrides.

use super::Network;
use crate::nn::Float;
use crate::nn::layers::architecture::NetworkConfig;
use crate::nn::rng::{Purpose, RandomStream};

impl<T: Float> Network<T> {
    /// Redraw each overridden layer's weights (in layer order) from the seed's
    /// `InitOverride` stream, times `config.init.gain`; the biases stay as drawn.
    pub(super) fn override_inits(&mut self, config: &NetworkConfig, seed: u64) {
        if config.init_overrides.is_empty() {
            return;
        }
        let mut rng = RandomStream::new(seed, Purpose::InitOverride);
        for (&index, &init) in &config.init_overrides {
            let layer = &mut self.layers[index];
            let (fan_in, fan_out) = (layer.fan_in(), layer.units());
            layer.dense.weights =
                init.weights_with_gain(fan_in, fan_out, config.init.gain, &mut rng);
        }
    }
}
