//! A gallery book that draws every figure kind from real runs: each SVG parses as XML, has a
//! title and a non-empty plot path, never writes NaN or infinity, and a diverging run is
//! marked. Two builds give the same bytes.

mod common;

use common::{TestBook, snapshot};
use gradbook::experiment::PlotKind;

const GALLERY: &str = r#"# 图库

```experiment
id = "depth"
title = "sigmoid 与 ReLU"
data = { name = "moons", samples = 256, noise = 0.15, test_fraction = 0.25 }
model = { depth = 6, width = 16, activation = "sigmoid", init = "he_normal" }
train = { optimizer = "sgd", lr = 0.2, steps = 60, batch = 32, record_every = 3 }
sweep = { "model.activation" = ["sigmoid", "relu"] }
seeds = 2
plot = [
  { kind = "grad_norm_by_layer", theory = "0.25^(L-l)", theory_label = "每层 ×0.25" },
  { kind = "grad_norm_by_layer", metric = "delta" },
  "grad_flow",
  "grad_norm_over_steps",
  "loss",
  "accuracy",
  { kind = "activation_hist", steps = [0] },
  "activation_stats",
  "decision_boundary",
  "jacobian_spectrum",
  "sharpness",
]
expect = ["median(test_accuracy[step=last]) > 0.5 where run = 'relu'"]
```

```experiment
id = "explode"
title = "学习率过大"
data = { name = "spirals", samples = 128 }
model = { depth = 12, width = 16, activation = "relu", init = { name = "mean_field", sigma_w2 = 4.0 } }
train = { lr = 3.0, steps = 40, batch = 32 }
plot = ["loss", "grad_flow"]
expect = ["diverged"]
```

```experiment
id = "memory"
title = "循环网络"
data = { name = "adding", length = 20, samples = 128 }
model = { kind = "lstm", hidden = 8 }
train = { optimizer = "adam", lr = 0.01, steps = 20, batch = 32, record_every = 5 }
plot = ["grad_through_time", "grad_through_time_flow"]
expect = ["grad_norm_time[layer=last, step=0] > grad_norm_time[layer=1, step=0]"]
```

```experiment
id = "half"
title = "半精度"
data = { name = "spirals", samples = 128 }
model = { depth = 6, width = 16, activation = "sigmoid", init = "xavier_normal" }
train = { lr = 0.1, steps = 20, batch = 32, precision = "f16", loss_scale = { init = 16777216, growth_interval = 5 } }
plot = ["loss_scale", { kind = "grad_norm_by_layer", metric = "underflow_frac" }]
expect = ["overflow_steps[step=last] >= 1", "loss_scale[step=last] < loss_scale[step=0]"]
```
"#;

#[test]
fn every_kind_draws_a_valid_figure_and_divergence_is_marked() {
    let book = TestBook::new().chapter("gallery.md", GALLERY);
    let report = book.build().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.figures, 17);
    let mut kinds_seen = Vec::new();
    for entry in std::fs::read_dir(book.out().join("figures/gallery")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "svg") {
            continue;
        }
        let svg = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let document =
            roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{name} is not XML: {e}"));
        let root = document.root_element();
        assert_eq!(root.tag_name().name(), "svg", "{name}");
        let title = root
            .children()
            .find(|n| n.has_tag_name("title"))
            .and_then(|n| n.text());
        assert!(title.is_some_and(|t| !t.is_empty()), "{name} has a <title>");
        assert!(
            root.children().any(|n| n.has_tag_name("desc")),
            "{name} has a <desc>"
        );
        let drawn = document.descendants().any(|n| {
            let points = n.attribute("points").or(n.attribute("d")).unwrap_or("");
            (n.has_tag_name("polyline") || n.has_tag_name("path") || n.has_tag_name("polygon"))
                && points.len() > 10
        }) || document
            .descendants()
            .filter(|n| n.has_tag_name("rect"))
            .count()
            > 20;
        assert!(drawn, "{name} draws something");
        for bad in ["NaN", "inf"] {
            assert!(!svg.contains(bad), "{name} contains {bad}");
        }
        kinds_seen.extend(
            PlotKind::ALL
                .iter()
                .filter(|k| name.contains(k.name()))
                .map(|k| k.name()),
        );
    }
    for kind in PlotKind::ALL {
        assert!(
            kinds_seen.contains(&kind.name()),
            "no figure of kind {}",
            kind.name()
        );
    }
    let loss =
        std::fs::read_to_string(book.out().join("figures/gallery/explode-loss.svg")).unwrap();
    assert!(
        loss.contains("发散"),
        "the diverging run is marked in its legend"
    );
    assert!(loss.contains('✕'), "and with a cross");
}

#[test]
fn figures_are_byte_identical_across_builds() {
    let book = TestBook::new().chapter("gallery.md", GALLERY);
    let (first, second) = (book.root().join("first"), book.root().join("second"));
    book.build_to(&first).unwrap();
    std::fs::remove_dir_all(book.root().join(".gradbook")).unwrap();
    book.build_to(&second).unwrap();
    assert_eq!(
        snapshot(&first.join("figures")),
        snapshot(&second.join("figures"))
    );
}
