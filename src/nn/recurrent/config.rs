//! What a recurrent network is: which cell, how big, how its weights start, where it is read
//! out. Every choice has a configuration `name()` and parses back from it (`FromStr`), with
//! default parameters the caller then replaces (as the feed-forward engine's enums do).

use crate::nn::error::{ConfigError, UnknownName, by_name};
use std::fmt;
use std::str::FromStr;

use crate::nn::{Activation, Init};

/// The recurrent cell of every layer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    /// Elman's simple recurrent net: h_t = φ(x_t W_x + h_{t−1} W_h + b), with any of the
    /// engine's activations (tanh, relu, and linear for the ρ^(T−t) demonstration).
    Rnn { activation: Activation },
    /// Cho et al. 2014's gated recurrent unit (update gate z, reset gate r applied to
    /// h_{t−1} before its matrix product, as in the paper).
    Gru,
    /// Hochreiter & Schmidhuber 1997's long short-term memory with a forget gate (Gers et
    /// al. 2000). `forget_bias` starts the forget gate's bias, 1.0 by default as Jozefowicz
    /// et al. 2015 recommend, so the memory is kept (f ≈ σ(1) ≈ 0.73) from the first step.
    Lstm { forget_bias: f64 },
}

impl Cell {
    pub const ALL: [Cell; 3] = [
        Cell::Rnn {
            activation: Activation::Tanh,
        },
        Cell::Gru,
        Cell::Lstm { forget_bias: 1.0 },
    ];

    /// `rnn`, `gru` or `lstm`.
    pub fn name(self) -> &'static str {
        match self {
            Cell::Rnn { .. } => "rnn",
            Cell::Gru => "gru",
            Cell::Lstm { .. } => "lstm",
        }
    }

    /// How many H-wide blocks its pre-activations have: 1 (rnn), 3 (z, r, n), 4 (i, f, g, o).
    pub fn blocks(self) -> usize {
        match self {
            Cell::Rnn { .. } => 1,
            Cell::Gru => 3,
            Cell::Lstm { .. } => 4,
        }
    }

    /// Which block of the recurrent matrix feeds the candidate state (the one the probes
    /// take the spectrum of): the only one for rnn, n for gru, g for lstm.
    pub fn candidate_block(self) -> usize {
        match self {
            Cell::Rnn { .. } => 0,
            Cell::Gru | Cell::Lstm { .. } => 2,
        }
    }
}

impl FromStr for Cell {
    type Err = UnknownName;
    /// `rnn` (tanh), `gru` or `lstm` (forget bias 1).
    fn from_str(text: &str) -> Result<Self, UnknownName> {
        by_name("cell", text, &Cell::ALL, Cell::name)
    }
}

/// Where the network is read out: a linear layer on the top layer's hidden state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Readout {
    /// Only after the last input (adding problem, parity, delayed recall).
    #[default]
    LastStep,
    /// After every input (copy task); the loss is the mean over steps and examples.
    EveryStep,
}

impl Readout {
    pub fn name(self) -> &'static str {
        match self {
            Readout::LastStep => "last_step",
            Readout::EveryStep => "every_step",
        }
    }
}

impl FromStr for Readout {
    type Err = UnknownName;
    fn from_str(text: &str) -> Result<Self, UnknownName> {
        match text {
            "last_step" => Ok(Readout::LastStep),
            "every_step" => Ok(Readout::EveryStep),
            _ => Err(UnknownName::new(
                "readout",
                text,
                ["last_step", "every_step"],
            )),
        }
    }
}

/// How each H × H block of the recurrent matrix W_h starts. The block's spectrum sets how
/// a gradient scales per step back in time, so this is the knob the chapter turns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RecurrentInit {
    /// U(−1/√H, 1/√H), PyTorch's default for `nn.RNN`/`nn.LSTM`/`nn.GRU` (spectral radius
    /// ≈ 0.58 for a tanh RNN: its gradients vanish).
    Pytorch,
    /// `gain` × a random orthogonal matrix (Saxe et al. 2014): every singular value and
    /// eigenvalue modulus equals `gain`, so a linear RNN scales gradients by exactly gain^k.
    Orthogonal { gain: f64 },
    /// `scale` × I, Le et al. 2015's IRNN (with relu and zero biases).
    Identity { scale: f64 },
    /// N(0, std²).
    Normal { std: f64 },
    /// N(0, 1/H), Glorot's variance for a square matrix (spectral radius ≈ 1).
    XavierNormal,
}

impl RecurrentInit {
    pub const ALL: [RecurrentInit; 5] = [
        RecurrentInit::Pytorch,
        RecurrentInit::Orthogonal { gain: 1.0 },
        RecurrentInit::Identity { scale: 1.0 },
        RecurrentInit::Normal { std: 0.1 },
        RecurrentInit::XavierNormal,
    ];

    pub fn name(self) -> &'static str {
        match self {
            RecurrentInit::Pytorch => "pytorch",
            RecurrentInit::Orthogonal { .. } => "orthogonal",
            RecurrentInit::Identity { .. } => "identity",
            RecurrentInit::Normal { .. } => "normal",
            RecurrentInit::XavierNormal => "xavier_normal",
        }
    }
}

impl FromStr for RecurrentInit {
    type Err = UnknownName;
    /// A name from [`RecurrentInit::name`]; gain 1, scale 1, std 0.1 by default.
    fn from_str(text: &str) -> Result<Self, UnknownName> {
        by_name(
            "recurrent init",
            text,
            &RecurrentInit::ALL,
            RecurrentInit::name,
        )
    }
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The whole architecture.
#[derive(Debug, Clone, PartialEq)]
pub struct RecurrentConfig {
    pub cell: Cell,
    /// Features per time step.
    pub input_dim: usize,
    /// H, the state size of every layer.
    pub hidden: usize,
    /// Stacked layers: layer l reads layer l−1's hidden states as its inputs.
    pub layers: usize,
    /// Outputs of the linear readout (classes, or regression targets).
    pub output_dim: usize,
    pub readout: Readout,
    pub recurrent_init: RecurrentInit,
    /// Input-to-hidden weights, drawn per gate block as a (fan_in × H) matrix.
    pub input_init: Init,
    /// Readout weights (H × output_dim); its bias starts at zero.
    pub readout_init: Init,
}

impl RecurrentConfig {
    /// One layer read out at the last step, initialized as PyTorch does: every weight
    /// U(−1/√H, 1/√H), biases zero (but the LSTM's forget bias).
    pub fn new(cell: Cell, input_dim: usize, hidden: usize, output_dim: usize) -> Self {
        let limit = 1.0 / (hidden.max(1) as f64).sqrt();
        RecurrentConfig {
            cell,
            input_dim,
            hidden,
            layers: 1,
            output_dim,
            readout: Readout::LastStep,
            recurrent_init: RecurrentInit::Pytorch,
            input_init: Init::Uniform { limit },
            readout_init: Init::Uniform { limit },
        }
    }

    /// Checks the sizes; the trainer refuses a configuration that fails this.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.input_dim == 0 || self.hidden == 0 || self.layers == 0 || self.output_dim == 0 {
            return Err(ConfigError::RecurrentSizes {
                input_dim: self.input_dim,
                hidden: self.hidden,
                layers: self.layers,
                output_dim: self.output_dim,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for cell in Cell::ALL {
            assert_eq!(cell.name().parse::<Cell>(), Ok(cell));
        }
        for init in RecurrentInit::ALL {
            assert_eq!(init.name().parse::<RecurrentInit>(), Ok(init));
        }
        for readout in [Readout::LastStep, Readout::EveryStep] {
            assert_eq!(readout.name().parse::<Readout>(), Ok(readout));
        }
        assert!("transformer".parse::<Cell>().is_err());
        assert_eq!("lstm".parse::<Cell>(), Ok(Cell::Lstm { forget_bias: 1.0 }));
    }
}
