//! `train.precision`'s half formats and `train.loss_scale`: what they parse to, what the
//! run is given, and the errors for what cannot train.

use super::LossScaleSpec;
use crate::experiment::parse::parse_block;
use crate::experiment::spec::SpecError;

const MLP: &str = "id = \"e\"\ntitle = \"t\"\ndata = { name = \"spirals\" }\nmodel = { depth = 3, width = 8, activation = \"tanh\" }\ntrain = { lr = 0.1, steps = 10 }\n";
const RNN: &str = "id = \"r\"\ntitle = \"t\"\ndata = { name = \"adding\", length = 5 }\nmodel = { kind = \"rnn\", hidden = 4 }\ntrain = { lr = 0.1, steps = 10 }\n";

fn with_train(base: &str, keys: &str) -> String {
    base.replace("steps = 10", &format!("steps = 10, {keys}"))
}

fn only_error(text: &str) -> SpecError {
    let errors = parse_block(text).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors.into_iter().next().unwrap()
}

#[test]
fn the_loss_scale_is_a_number_dynamic_or_a_table() {
    for (value, expected) in [
        ("1024", LossScaleSpec::Static(1024.0)),
        ("0.5", LossScaleSpec::Static(0.5)),
        (
            "\"dynamic\"",
            LossScaleSpec::Dynamic {
                init: 65536.0,
                growth_interval: 2000,
            },
        ),
        (
            "{ init = 256, growth_interval = 10 }",
            LossScaleSpec::Dynamic {
                init: 256.0,
                growth_interval: 10,
            },
        ),
        (
            "{ growth_interval = 10 }",
            LossScaleSpec::Dynamic {
                init: 65536.0,
                growth_interval: 10,
            },
        ),
    ] {
        let text = with_train(MLP, &format!("precision = \"f16\", loss_scale = {value}"));
        let run = parse_block(&text).unwrap().runs.remove(0);
        assert_eq!(run.train.loss_scale, Some(expected), "{value}");
        assert_eq!(run.train.precision.name(), "f16");
    }
    let bf16 = parse_block(&with_train(MLP, "precision = \"bf16\"")).unwrap();
    assert_eq!(bf16.runs[0].train.loss_scale, None);
    assert_eq!(format!("{:?}", bf16.runs[0].train.precision), "\"bf16\"");
}

#[test]
fn a_bad_loss_scale_or_half_format_is_refused_with_its_key() {
    for (keys, key, words) in [
        (
            "precision = \"f16\", loss_scale = 0",
            "train.loss_scale",
            "positive",
        ),
        (
            "precision = \"f16\", loss_scale = -8.0",
            "train.loss_scale",
            "positive",
        ),
        (
            "precision = \"f16\", loss_scale = nan",
            "train.loss_scale",
            "finite",
        ),
        (
            "precision = \"f16\", loss_scale = { init = 0 }",
            "train.loss_scale.init",
            "positive",
        ),
        (
            "precision = \"f16\", loss_scale = { growth_interval = 0 }",
            "train.loss_scale.growth_interval",
            "1 or more",
        ),
        (
            "precision = \"f16\", loss_scale = { init = 8, every = 2 }",
            "train.loss_scale",
            "every",
        ),
        (
            "precision = \"f16\", loss_scale = \"auto\"",
            "train.loss_scale",
            "\"dynamic\"",
        ),
        (
            "loss_scale = 1024",
            "train.loss_scale",
            "precision = \"f16\"",
        ),
        (
            "precision = \"f64\", loss_scale = 8",
            "train.loss_scale",
            "trains in f64",
        ),
    ] {
        let error = only_error(&with_train(MLP, keys));
        assert_eq!(error.key.as_deref(), Some(key), "{keys}: {error:?}");
        assert!(error.message.contains(words), "{keys}: {}", error.message);
    }
    let recurrent = only_error(&with_train(RNN, "precision = \"f16\""));
    assert_eq!(recurrent.key.as_deref(), Some("train.precision"));
    assert!(
        recurrent
            .message
            .contains("recurrent models train in f32 or f64")
    );
    let scaled = only_error(&with_train(RNN, "loss_scale = 8"));
    assert_eq!(scaled.key.as_deref(), Some("train.loss_scale"));
}
