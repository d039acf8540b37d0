//! Reference curves: a block's `theory = "0.25^(L-l)"` formula turned into points anchored to
//! the data, or a curve computed elsewhere (the engine's mean-field prediction) passed in as
//! points. Either way the figure draws it dashed in the text colour and names it in the legend.

use super::PlotError;
use crate::experiment::claims::evaluate_formula;
use crate::experiment::mean_field::{MeanFieldCurve, MeanFieldRun};
use crate::experiment::plot_spec::{MEAN_FIELD, Theory};
use crate::locale::{Words, fill};

/// A curve to draw over a figure, in the figure's data units.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// Legend text.
    pub label: String,
    /// `(x, y)` in the figure's data units, ascending x; non-finite y breaks the curve.
    pub points: Vec<(f64, f64)>,
}

/// Samples per layer: a formula need not be straight on a log axis between layers.
const SAMPLES_PER_LAYER: u32 = 4;

/// The theory curve over layers `1..=layers`, scaled so it passes through `anchor` at the
/// last layer: y(l) = anchor · f(l, L) / f(L, L). Only the shape comes from the formula,
/// the level from the data, so "does the slope match?" is what the reader compares.
pub(crate) fn anchored_by_layer(
    theory: &Theory,
    layers: u32,
    anchor: f64,
    words: &Words,
) -> Result<Reference, PlotError> {
    let total = f64::from(layers);
    let f = |l: f64| {
        evaluate_formula(&theory.formula, &[("l", l), ("L", total)]).map_err(PlotError::Formula)
    };
    let at_last = f(total)?;
    if !at_last.is_finite() || at_last == 0.0 {
        return Err(PlotError::TheoryVanishesAtLastLayer {
            formula: theory.formula_text.clone(),
            value: at_last,
            layers,
        });
    }
    if !anchor.is_finite() || anchor <= 0.0 {
        return Err(PlotError::NothingToAnchorTo {
            formula: theory.formula_text.clone(),
            anchor,
        });
    }
    let mut points = Vec::new();
    for i in 0..=layers.saturating_sub(1) * SAMPLES_PER_LAYER {
        let l = 1.0 + f64::from(i) / f64::from(SAMPLES_PER_LAYER);
        points.push((l, anchor * f(l)? / at_last));
    }
    Ok(Reference {
        label: fill(&words.legend.theory, &[("label", &theory.label)]),
        points,
    })
}

/// The mean-field prediction of one run, anchored at its last hidden layer H:
/// y(l) = y(H)·relative(l), one point per hidden layer, with y(H) the run's median there.
pub(crate) fn mean_field_by_layer(
    curve: &MeanFieldCurve,
    prediction: &MeanFieldRun,
    medians: &[(f64, f64)],
    words: &Words,
) -> Result<Reference, PlotError> {
    let last_hidden = prediction.relative.len();
    let anchor = medians
        .iter()
        .find(|(x, _)| *x == last_hidden as f64)
        .map_or(f64::NAN, |&(_, median)| median);
    if !anchor.is_finite() || anchor <= 0.0 {
        return Err(PlotError::NothingToAnchorTo {
            formula: MEAN_FIELD.into(),
            anchor,
        });
    }
    let points = (1..=last_hidden)
        .map(|l| (l as f64, anchor * prediction.relative[l - 1]))
        .collect();
    let label = match &curve.label {
        Some(label) => fill(&words.legend.theory, &[("label", label)]),
        None => fill(&words.legend.mean_field, &[("layer", &last_hidden)]),
    };
    Ok(Reference { label, points })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::claims::parse_formula;
    use crate::experiment::plot_spec::THEORY_VARIABLES;
    use crate::locale::Language;

    fn theory(text: &str) -> Theory {
        Theory {
            formula_text: text.into(),
            formula: parse_formula(text, THEORY_VARIABLES).unwrap(),
            label: text.into(),
        }
    }

    #[test]
    fn curve_passes_through_the_anchor_at_the_last_layer() {
        let curve =
            anchored_by_layer(&theory("0.25^(L-l)"), 5, 2.0, Language::ZhCn.words()).unwrap();
        assert_eq!(curve.points.first(), Some(&(1.0, 2.0 * 0.25f64.powi(4))));
        assert_eq!(curve.points.last(), Some(&(5.0, 2.0)));
        assert_eq!(curve.points.len(), 17);
    }

    #[test]
    fn the_mean_field_curve_passes_through_the_last_hidden_layer() {
        let prediction = MeanFieldRun {
            run: "tanh".into(),
            activation: "tanh",
            sigma_w2: 0.5,
            sigma_b2: 0.0,
            relative: vec![0.25, 0.5, 1.0],
        };
        let curve = MeanFieldCurve {
            label: None,
            runs: vec![prediction.clone()],
        };
        let medians = [(1.0, 9.0), (2.0, 9.0), (3.0, 4.0), (4.0, 7.0)];
        let words = Language::En.words();
        let reference = mean_field_by_layer(&curve, &prediction, &medians, words).unwrap();
        assert_eq!(reference.points, vec![(1.0, 1.0), (2.0, 2.0), (3.0, 4.0)]);
        assert_eq!(reference.label, "Mean field, anchored at layer 3");
        let err = mean_field_by_layer(&curve, &prediction, &medians[..2], words).unwrap_err();
        assert!(err.to_string().contains("mean_field"), "{err}");
    }

    #[test]
    fn a_formula_that_is_zero_at_the_anchor_is_an_error() {
        let err = anchored_by_layer(&theory("L-l"), 5, 2.0, Language::ZhCn.words()).unwrap_err();
        assert!(err.to_string().contains("cannot be anchored"), "{err}");
    }
}
