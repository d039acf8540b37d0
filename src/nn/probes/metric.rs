//! Every metric the engine records, as one type: its name (in the CSV, in claims and plot
//! specs), what its `layer` column counts, the probe that records it, and which layers it
//! means anything for. Text becomes a [`Metric`] once, where it is read (a claim, a plot spec);
//! everything past that carries the enum.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::nn::Activation;

/// One recorded quantity. The order of [`Metric::ALL`] is the order a record lists them in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Metric {
    /// ‖∂L/∂W‖_F of a layer (with L1/L2 penalties, before clipping).
    GradNorm,
    /// ‖∂L/∂b‖ of a layer.
    GradNormBias,
    /// ‖W‖_F of a layer.
    WeightNorm,
    /// The batch mean of each example's ‖∂ℓ_b/∂z_b‖ at a layer, ℓ_b that example's own loss
    /// (Nielsen's δ): Σ_b ‖row b of ∂L/∂Z‖ for the batch-mean loss L.
    DeltaNorm,
    /// ‖∂L/∂Z‖_F of a layer for the batch-mean loss L: the Frobenius norm of the whole
    /// batch's δ matrix (between `DeltaNorm`/√B and `DeltaNorm`).
    DeltaFrobenius,
    /// ‖ΔW‖/‖W‖ of a step's update.
    UpdateRatio,
    /// ‖Δb‖ of a step's update (no ratio: biases often start at 0).
    BiasUpdateNorm,
    /// Mean of a layer's outputs f(u).
    ActMean,
    /// Standard deviation of a layer's outputs.
    ActStd,
    /// Fraction of outputs with |f′(u)| < 1% of f′'s maximum (saturating activations).
    SaturatedFrac,
    /// Fraction of units with u ≤ 0 for every example of the batch (the ReLU family).
    DeadFrac,
    /// Mini-batch mean loss plus penalties, before the update.
    Loss,
    /// ‖∂L/∂θ‖ over all parameters, before clipping.
    GlobalGradNorm,
    /// ‖∂L/∂θ‖ after clipping (the same as before when nothing was clipped).
    ClippedGradNorm,
    /// 1 when clipping changed the gradient, else 0.
    Clipped,
    /// Loss over the whole training set.
    TrainLoss,
    /// Accuracy over the whole training set (classes only).
    TrainAccuracy,
    /// Loss over the whole test set.
    TestLoss,
    /// Accuracy over the whole test set (classes only).
    TestAccuracy,
    /// Recurrent nets: ‖∂L/∂h_t‖ at each time step t of the unrolled net.
    GradNormTime,
    /// Recurrent nets: spectral radius of each stacked layer's recurrent matrix.
    SpectralRadius,
    /// Recurrent nets: largest singular value of each recurrent matrix.
    TopSingularValue,
    /// LSTMs: the mean forget-gate activation.
    ForgetGateMean,
    /// The singular values of the input–output Jacobian at init, at one input (the first
    /// training example), largest first: `layer` counts their rank.
    JacobianSingularValue,
    /// mean(s²) of those singular values (1: lengths kept on average).
    JacobianMeanSquare,
    /// s_max/s_min of those singular values.
    JacobianCondition,
    /// λ_max, the top eigenvalue of the mini-batch loss's Hessian (power iteration).
    Sharpness,
    /// 2/η at the step's learning rate: gradient descent on a quadratic is stable only
    /// while λ_max stays below it (Cohen et al. 2021's edge of stability).
    StabilityThreshold,
    /// Emulated half precision: the fraction of a layer's ∂L/∂W entries that are non-zero
    /// in a full-precision pass on the same weights and batch but exactly 0 in the step's.
    UnderflowFrac,
    /// Emulated half precision: the loss scale S the step's backward pass used.
    LossScale,
    /// Emulated half precision: steps skipped so far because their scaled loss or
    /// gradients overflowed to inf or NaN.
    OverflowSteps,
    /// ReZero's learned branch scale α of each residual block that learns one, before the
    /// step's update; `layer` counts those blocks. Absent for nets without learned α.
    Alpha,
}

/// What a metric's `layer` column counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The dense layers of a feed-forward net, 1 (nearest the input) to L (the output).
    Layer,
    /// Nothing: one value for the whole network.
    Network,
    /// The time steps of an unrolled recurrent net, 1 = the first input.
    TimeStep,
    /// The stacked layers of a recurrent net.
    RecurrentLayer,
    /// The rank of a singular value, 1 = the largest.
    Rank,
    /// The residual blocks with a learned α, 1 = nearest the input.
    ResidualBlock,
}

/// The probe that records a metric, so a run records only what is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// Every recorded step, at no extra cost.
    Always,
    /// With `Probes::layer_stats`: δ, update ratio and activation statistics.
    LayerStats,
    /// At evaluation steps (`Probes::eval_every`), over the full data sets.
    Evaluation,
    /// Only recurrent training records it.
    Recurrent,
    /// The input–output Jacobian's spectrum at init (feed-forward nets without batch norm).
    Jacobian,
    /// With `Probes::sharpness_every`: the loss Hessian's top eigenvalue, and 2/η beside it.
    Sharpness,
    /// Every recorded step of a run in an emulated half format (`FitConfig::mixed_precision`).
    Precision,
}

/// A name that is no metric.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "metric `{name}` is not recorded by the engine; metrics are {}",
    Metric::names_list()
)]
pub struct UnknownMetric {
    pub name: String,
}

impl Metric {
    /// Every metric: per layer, whole network, then recurrent.
    pub const ALL: [Metric; 32] = [
        Metric::GradNorm,
        Metric::GradNormBias,
        Metric::WeightNorm,
        Metric::DeltaNorm,
        Metric::DeltaFrobenius,
        Metric::UpdateRatio,
        Metric::BiasUpdateNorm,
        Metric::ActMean,
        Metric::ActStd,
        Metric::SaturatedFrac,
        Metric::DeadFrac,
        Metric::Loss,
        Metric::GlobalGradNorm,
        Metric::ClippedGradNorm,
        Metric::Clipped,
        Metric::TrainLoss,
        Metric::TrainAccuracy,
        Metric::TestLoss,
        Metric::TestAccuracy,
        Metric::GradNormTime,
        Metric::SpectralRadius,
        Metric::TopSingularValue,
        Metric::ForgetGateMean,
        Metric::JacobianSingularValue,
        Metric::JacobianMeanSquare,
        Metric::JacobianCondition,
        Metric::Sharpness,
        Metric::StabilityThreshold,
        Metric::UnderflowFrac,
        Metric::LossScale,
        Metric::OverflowSteps,
        Metric::Alpha,
    ];

    /// The name in the CSV, in claims and in plot specs.
    pub fn name(self) -> &'static str {
        match self {
            Metric::GradNorm => "grad_norm",
            Metric::GradNormBias => "grad_norm_bias",
            Metric::WeightNorm => "weight_norm",
            Metric::DeltaNorm => "delta_norm",
            Metric::DeltaFrobenius => "delta_frobenius",
            Metric::UpdateRatio => "update_ratio",
            Metric::BiasUpdateNorm => "bias_update_norm",
            Metric::ActMean => "act_mean",
            Metric::ActStd => "act_std",
            Metric::SaturatedFrac => "saturated_frac",
            Metric::DeadFrac => "dead_frac",
            Metric::Loss => "loss",
            Metric::GlobalGradNorm => "global_grad_norm",
            Metric::ClippedGradNorm => "clipped_grad_norm",
            Metric::Clipped => "clipped",
            Metric::TrainLoss => "train_loss",
            Metric::TrainAccuracy => "train_accuracy",
            Metric::TestLoss => "test_loss",
            Metric::TestAccuracy => "test_accuracy",
            Metric::GradNormTime => "grad_norm_time",
            Metric::SpectralRadius => "spectral_radius",
            Metric::TopSingularValue => "top_singular_value",
            Metric::ForgetGateMean => "forget_gate_mean",
            Metric::JacobianSingularValue => "jacobian_sv",
            Metric::JacobianMeanSquare => "jacobian_mean_sq",
            Metric::JacobianCondition => "jacobian_condition",
            Metric::Sharpness => "sharpness",
            Metric::StabilityThreshold => "stability_threshold",
            Metric::UnderflowFrac => "underflow_frac",
            Metric::LossScale => "loss_scale",
            Metric::OverflowSteps => "overflow_steps",
            Metric::Alpha => "alpha",
        }
    }

    /// Short names a plot spec also accepts (`metric = "delta"`).
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Metric::GradNorm => &["grad"],
            Metric::DeltaNorm => &["delta"],
            _ => &[],
        }
    }

    /// The metric named `name` or one of its [`aliases`](Metric::aliases).
    pub fn from_name_or_alias(name: &str) -> Option<Metric> {
        Metric::ALL
            .into_iter()
            .find(|m| m.name() == name || m.aliases().contains(&name))
    }

    pub fn scope(self) -> Scope {
        match self {
            Metric::GradNorm
            | Metric::GradNormBias
            | Metric::WeightNorm
            | Metric::DeltaNorm
            | Metric::DeltaFrobenius
            | Metric::UpdateRatio
            | Metric::BiasUpdateNorm
            | Metric::ActMean
            | Metric::ActStd
            | Metric::SaturatedFrac
            | Metric::DeadFrac
            | Metric::UnderflowFrac => Scope::Layer,
            Metric::GradNormTime => Scope::TimeStep,
            Metric::SpectralRadius | Metric::TopSingularValue => Scope::RecurrentLayer,
            Metric::JacobianSingularValue => Scope::Rank,
            Metric::Alpha => Scope::ResidualBlock,
            Metric::Loss
            | Metric::GlobalGradNorm
            | Metric::ClippedGradNorm
            | Metric::Clipped
            | Metric::TrainLoss
            | Metric::TrainAccuracy
            | Metric::TestLoss
            | Metric::TestAccuracy
            | Metric::ForgetGateMean
            | Metric::JacobianMeanSquare
            | Metric::JacobianCondition
            | Metric::Sharpness
            | Metric::StabilityThreshold
            | Metric::LossScale
            | Metric::OverflowSteps => Scope::Network,
        }
    }

    pub fn probe(self) -> Probe {
        match self {
            Metric::GradNorm
            | Metric::GradNormBias
            | Metric::WeightNorm
            | Metric::Loss
            | Metric::GlobalGradNorm
            | Metric::ClippedGradNorm
            | Metric::Clipped
            | Metric::Alpha => Probe::Always,
            Metric::DeltaNorm
            | Metric::DeltaFrobenius
            | Metric::UpdateRatio
            | Metric::BiasUpdateNorm
            | Metric::ActMean
            | Metric::ActStd
            | Metric::SaturatedFrac
            | Metric::DeadFrac => Probe::LayerStats,
            Metric::TrainLoss | Metric::TrainAccuracy | Metric::TestLoss | Metric::TestAccuracy => {
                Probe::Evaluation
            }
            Metric::GradNormTime
            | Metric::SpectralRadius
            | Metric::TopSingularValue
            | Metric::ForgetGateMean => Probe::Recurrent,
            Metric::JacobianSingularValue
            | Metric::JacobianMeanSquare
            | Metric::JacobianCondition => Probe::Jacobian,
            Metric::Sharpness | Metric::StabilityThreshold => Probe::Sharpness,
            Metric::UnderflowFrac | Metric::LossScale | Metric::OverflowSteps => Probe::Precision,
        }
    }

    /// Whether the metric means something for a layer with `activation`: saturation for
    /// activations that saturate, death for those whose units can die (the engine records 0
    /// for the others, which a figure or claim should not read as "none").
    pub fn applies_to(self, activation: Activation) -> bool {
        match self {
            Metric::SaturatedFrac => activation.saturating_max_derivative().is_some(),
            Metric::DeadFrac => activation.can_die(),
            _ => true,
        }
    }

    /// A norm of one layer's parameters, gradients or update: what a by-layer gradient
    /// figure can draw on a log axis.
    pub fn is_layer_norm(self) -> bool {
        matches!(
            self,
            Metric::GradNorm
                | Metric::GradNormBias
                | Metric::WeightNorm
                | Metric::DeltaNorm
                | Metric::DeltaFrobenius
                | Metric::UpdateRatio
                | Metric::BiasUpdateNorm
        )
    }

    /// A per-layer fraction (0 to 1) that a by-layer or over-steps figure can draw on a
    /// linear axis.
    pub fn is_layer_fraction(self) -> bool {
        self == Metric::UnderflowFrac
    }

    /// "grad_norm, grad_norm_bias, …", for messages.
    pub fn names_list() -> String {
        let names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
        names.join(", ")
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Metric {
    type Err = UnknownMetric;
    /// The metric with this exact name (no aliases: the CSV's and the claims' names).
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Metric::ALL
            .into_iter()
            .find(|m| m.name() == name)
            .ok_or_else(|| UnknownMetric { name: name.into() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_parse_back() {
        for metric in Metric::ALL {
            assert_eq!(metric.name().parse::<Metric>(), Ok(metric));
            assert_eq!(Metric::from_name_or_alias(metric.name()), Some(metric));
            for alias in metric.aliases() {
                assert_eq!(Metric::from_name_or_alias(alias), Some(metric));
                assert!(
                    alias.parse::<Metric>().is_err(),
                    "aliases are for plot specs"
                );
            }
        }
        let mut names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Metric::ALL.len());
        let error = "accuracy".parse::<Metric>().unwrap_err().to_string();
        assert!(
            error.contains("`accuracy` is not recorded") && error.contains("test_accuracy"),
            "{error}"
        );
    }

    #[test]
    fn saturation_and_death_follow_the_activation() {
        let leaky = Activation::LeakyRelu { slope: 0.01 };
        for (activation, saturates, dies) in [
            (Activation::Sigmoid, true, false),
            (Activation::Tanh, true, false),
            (Activation::Relu, false, true),
            (leaky, false, true),
            (Activation::Linear, false, false),
        ] {
            assert_eq!(Metric::SaturatedFrac.applies_to(activation), saturates);
            assert_eq!(Metric::DeadFrac.applies_to(activation), dies);
            assert!(Metric::GradNorm.applies_to(activation));
        }
    }

    #[test]
    fn probes_and_scopes_partition_the_metrics() {
        let stats = Metric::ALL
            .iter()
            .filter(|m| m.probe() == Probe::LayerStats);
        assert!(stats.clone().all(|m| m.scope() == Scope::Layer));
        assert_eq!(stats.count(), 8);
        assert!(
            Metric::ALL
                .iter()
                .filter(|m| m.is_layer_norm())
                .all(|m| m.scope() == Scope::Layer)
        );
        assert_eq!(Metric::GradNormTime.scope(), Scope::TimeStep);
    }
}
