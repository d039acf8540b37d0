//! Whole-figure tests on synthetic results (`fixture.rs` has the full gallery and the ignored
//! test that writes it to /tmp/plotcheck for looking at in a browser).

use super::fixture;
use super::*;
use crate::experiment::results::Measurement;
use crate::locale::Language;

/// [`super::render`] with our book's words, which the checks below look for.
fn render(spec: &PlotSpec, results: &Results, title: &str) -> Result<String, PlotError> {
    super::render(spec, results, title, Language::ZhCn.words())
}

/// Kinds drawn from rows alone (histograms and decision regions need more; see the gallery).
const FROM_ROWS: [PlotKind; 6] = [
    PlotKind::GradNormByLayer,
    PlotKind::GradFlow,
    PlotKind::GradNormOverSteps,
    PlotKind::Loss,
    PlotKind::Accuracy,
    PlotKind::ActivationStats,
];

fn grad_norm_by_layer(results: &Results, title: &str) -> String {
    render(&PlotSpec::new(PlotKind::GradNormByLayer), results, title).unwrap()
}

fn loss(results: &Results, title: &str) -> String {
    render(&PlotSpec::new(PlotKind::Loss), results, title).unwrap()
}

/// A measurement of seed 1 of `run`.
type Row<'a> = (&'a str, Measurement);

fn row(run: &str, step: u64, layer: Option<u32>, metric: Metric, value: f64) -> Row<'_> {
    let measurement = Measurement {
        step,
        layer,
        metric,
        value,
    };
    (run, measurement)
}

/// `runs` (their summaries) with `rows` recorded as seed 1 of their runs.
fn with_rows(runs: Vec<RunSummary>, rows: Vec<Row>) -> Results {
    let mut results = Results {
        runs,
        ..Default::default()
    };
    for (run, measurement) in rows {
        results.record(run, 1, measurement);
    }
    results
}

/// Every measurement with its run's label, to change in place.
fn measurements_mut(results: &mut Results) -> impl Iterator<Item = (&str, &mut Measurement)> {
    results.runs.iter_mut().flat_map(|run| {
        let RunSummary { label, seeds, .. } = run;
        let label = label.as_str();
        seeds
            .iter_mut()
            .flat_map(move |s| s.outcome.measurements.iter_mut().map(move |m| (label, m)))
    })
}

/// Two runs, 11 layers, gradient norms at steps 0 and 299; "ReLU（He 初始化）" diverges at 40.
fn two_runs() -> Results {
    let runs = [("sigmoid", None), ("ReLU（He 初始化）", Some(40))];
    let mut rows = Vec::new();
    for layer in 1..=11u32 {
        let depth_from_output = f64::from(11 - layer);
        for step in [0, 299] {
            let shrink = if step == 0 { 1.0 } else { 0.5 };
            rows.push(row(
                "sigmoid",
                step,
                Some(layer),
                Metric::GradNorm,
                shrink * 0.25f64.powf(depth_from_output),
            ));
            rows.push(row(
                runs[1].0,
                step,
                Some(layer),
                Metric::GradNorm,
                shrink * 1.4f64.powf(depth_from_output),
            ));
        }
    }
    for step in (0..300).step_by(5) {
        let t = step as f64;
        rows.push(row(
            "sigmoid",
            step,
            None,
            Metric::Loss,
            0.7 - 0.2 * (1.0 - (-t / 120.0).exp()),
        ));
        let exploding = if step < 40 {
            0.7 + (t / 6.0).exp() / 20.0
        } else {
            f64::NAN
        };
        rows.push(row(runs[1].0, step, None, Metric::Loss, exploding));
    }
    let runs = runs
        .iter()
        .map(|(label, diverged_at)| RunSummary {
            label: label.to_string(),
            diverged_at: *diverged_at,
            seeds: Vec::new(),
        })
        .collect();
    with_rows(runs, rows)
}

/// Every tag closed in order, every entity one of XML's five or numeric.
fn assert_well_formed(svg: &str) {
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.trim_end().ends_with("</svg>"));
    let mut open: Vec<&str> = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        let end = start + rest[start..].find('>').expect("unterminated tag");
        let tag = &rest[start + 1..end];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(open.pop(), Some(name), "mismatched </{name}>");
        } else if !tag.ends_with('/') {
            open.push(tag.split_whitespace().next().expect("empty tag"));
        }
        rest = &rest[end + 1..];
    }
    assert!(open.is_empty(), "unclosed: {open:?}");
    for (i, _) in svg.match_indices('&') {
        let entity = &svg[i..];
        assert!(
            ["&lt;", "&gt;", "&amp;", "&quot;", "&apos;", "&#"]
                .iter()
                .any(|e| entity.starts_with(e)),
            "bare & at {i}"
        );
    }
}

/// Every number in every `points` attribute, which must all be finite.
fn polyline_numbers(svg: &str) -> Vec<f64> {
    svg.split("points=\"")
        .skip(1)
        .flat_map(|tail| {
            tail[..tail.find('"').unwrap()]
                .split([' ', ','])
                .filter(|n| !n.is_empty())
                .map(|n| n.parse::<f64>().expect(n))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn assert_sound_figure(svg: &str, results: &Results) {
    assert_well_formed(svg);
    assert!(svg.contains("<title>") && svg.contains("<desc>"));
    for run in &results.runs {
        assert!(
            svg.contains(&style::escape_xml(&run.label)),
            "missing label {}",
            run.label
        );
    }
    assert!(
        !svg.contains("NaN") && !svg.contains("inf"),
        "non-finite value in SVG"
    );
    let numbers = polyline_numbers(svg);
    assert!(numbers.iter().all(|n| n.is_finite()));
    assert!(
        !numbers.is_empty() || svg.matches("<rect").count() > 2,
        "nothing plotted"
    );
    assert!(svg.contains("currentColor"));
    assert!(
        !svg.contains("#000000"),
        "black left over, invisible on dark pages"
    );
}

/// Every number in `x`, `y`, `cx`, `cy`, `width`, `height` attributes and path data is finite.
fn assert_finite_attributes(svg: &str, kind: PlotKind) {
    for attribute in [
        " x=\"",
        " y=\"",
        " cx=\"",
        " cy=\"",
        " width=\"",
        " height=\"",
        " d=\"M",
    ] {
        for tail in svg.split(attribute).skip(1) {
            let number = tail.split(['"', ' ', 'm', 'v', 'L', 'h']).next().unwrap();
            assert!(
                number.parse::<f64>().is_ok_and(f64::is_finite),
                "{kind}: {attribute}{number}"
            );
        }
    }
}

#[test]
fn every_kind_renders_a_sound_figure() {
    let results = fixture::gallery();
    for kind in PlotKind::ALL {
        let svg = render(&PlotSpec::new(kind), &results, "图：测试 & <检查>").unwrap();
        assert_sound_figure(&svg, &results);
        assert!(
            svg.contains("<title>图：测试 &amp; &lt;检查&gt;</title>"),
            "{kind}"
        );
    }
}

#[test]
fn same_input_gives_identical_bytes_and_small_files() {
    for kind in PlotKind::ALL {
        let svg = render(&PlotSpec::new(kind), &fixture::gallery(), "t").unwrap();
        assert_eq!(
            svg,
            render(&PlotSpec::new(kind), &fixture::gallery(), "t").unwrap()
        );
        assert!(svg.len() < 150_000, "{kind}: {} bytes", svg.len());
        assert_finite_attributes(&svg, kind);
    }
}

#[test]
fn per_layer_figure_has_both_steps_and_layer_axis() {
    let svg = grad_norm_by_layer(&two_runs(), "t");
    assert!(svg.contains("sigmoid · 第 0 步") && svg.contains("sigmoid · 第 299 步"));
    assert!(svg.contains("层（1 = 最靠近输入）") && svg.contains("对数坐标"));
    assert!(
        svg.contains("stroke-dasharray"),
        "last-step curves are dashed"
    );
    assert_eq!(
        svg.matches("<circle").count(),
        2 * 11 + 2,
        "dots on step-0 curves and their legend swatches"
    );
}

#[test]
fn diverged_run_is_marked_in_loss_legend() {
    let svg = loss(&two_runs(), "t");
    assert!(svg.contains("ReLU（He 初始化）（第 40 步发散）"));
    assert!(!svg.contains("sigmoid（"));
    assert_eq!(
        svg.matches("<path").count(),
        2,
        "✕ at the last finite point and in the legend"
    );
    assert!(
        svg.contains("截断"),
        "the exploding run is cut off and <desc> says so"
    );
}

#[test]
fn zeros_and_negatives_on_log_axis_stay_finite() {
    let mut results = two_runs();
    for (_, r) in measurements_mut(&mut results)
        .filter(|(_, r)| r.metric == Metric::GradNorm && r.layer <= Some(3))
    {
        r.value = if r.layer == Some(1) { 0.0 } else { -1.0 };
    }
    let (run, infinite) = row("sigmoid", 0, Some(4), Metric::GradNorm, f64::INFINITY);
    results.record(run, 1, infinite);
    let svg = grad_norm_by_layer(&results, "t");
    assert_sound_figure(&svg, &results);
}

#[test]
fn diverged_gradients_fall_back_to_last_finite_step() {
    let mut results = two_runs();
    for (_, r) in
        measurements_mut(&mut results).filter(|(run, r)| *run == "sigmoid" && r.step == 299)
    {
        r.value = f64::NAN;
    }
    let svg = grad_norm_by_layer(&results, "t");
    assert_sound_figure(&svg, &results);
    assert!(!svg.contains("sigmoid · 第 299 步"));
}

#[test]
fn constant_and_single_point_series_render() {
    let results = with_rows(
        vec![RunSummary {
            label: "flat".into(),
            diverged_at: None,
            seeds: Vec::new(),
        }],
        vec![
            row("flat", 0, Some(1), Metric::GradNorm, 0.5),
            row("flat", 0, Some(2), Metric::GradNorm, 0.5),
            row("flat", 7, None, Metric::Loss, 1.0),
            row("flat", 8, None, Metric::Loss, f64::NAN),
        ],
    );
    let kinds = [
        PlotKind::GradNormByLayer,
        PlotKind::GradFlow,
        PlotKind::GradNormOverSteps,
        PlotKind::Loss,
    ];
    for kind in kinds {
        let svg = render(&PlotSpec::new(kind), &results, "t").unwrap();
        assert_well_formed(&svg);
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        assert!(
            !svg.contains("没有可绘制的数据"),
            "{kind}: the data is there"
        );
    }
}

#[test]
fn extreme_values_never_reach_the_svg_as_non_finite_numbers() {
    let extremes = [
        f64::MAX,
        -f64::MAX,
        1e300,
        -1e300,
        1e-300,
        f64::MIN_POSITIVE,
        0.0,
    ];
    let odd = [f64::INFINITY, f64::NEG_INFINITY, f64::NAN];
    let mut rows = Vec::new();
    for (i, value) in extremes.iter().chain(&odd).enumerate() {
        let whole = [
            Metric::Loss,
            Metric::TestLoss,
            Metric::TrainAccuracy,
            Metric::TestAccuracy,
        ];
        for metric in whole {
            rows.push(row("x", i as u64, None, metric, *value));
        }
        for metric in [
            Metric::GradNorm,
            Metric::ActMean,
            Metric::ActStd,
            Metric::SaturatedFrac,
            Metric::DeadFrac,
        ] {
            rows.push(row("x", 0, Some(i as u32 + 1), metric, *value));
            rows.push(row("x", 9, Some(i as u32 + 1), metric, value.abs()));
        }
    }
    let runs = vec![RunSummary {
        label: "x".into(),
        diverged_at: Some(7),
        seeds: Vec::new(),
    }];
    let results = with_rows(runs, rows);
    for kind in FROM_ROWS {
        let svg = render(&PlotSpec::new(kind), &results, "t").unwrap();
        assert_sound_figure(&svg, &results);
        assert_finite_attributes(&svg, kind);
    }
}

#[test]
fn empty_results_give_a_valid_placeholder() {
    for kind in FROM_ROWS {
        let svg = render(&PlotSpec::new(kind), &Results::default(), "空").unwrap();
        assert_well_formed(&svg);
        assert!(svg.contains("没有可绘制的数据"), "{kind}");
    }
}

#[test]
fn figures_needing_more_than_rows_say_what_is_missing() {
    let rows_only = two_runs();
    let err = render(&PlotSpec::new(PlotKind::DecisionBoundary), &rows_only, "t").unwrap_err();
    assert_eq!(err, PlotError::NoDecisionGrids);
    assert!(err.to_string().contains("2-D"), "{err}");
    let err = render(&PlotSpec::new(PlotKind::ActivationHist), &rows_only, "t").unwrap_err();
    assert!(err.to_string().contains("histograms"), "{err}");
    let err = render(&PlotSpec::new(PlotKind::Accuracy), &rows_only, "t").unwrap_err();
    assert!(err.to_string().contains("train_accuracy"), "{err}");
}

#[test]
fn plot_kind_names_round_trip_and_errors_list_them() {
    for kind in PlotKind::ALL {
        assert_eq!(kind.name().parse::<PlotKind>(), Ok(kind));
    }
    let err = "histogram".parse::<PlotKind>().unwrap_err().to_string();
    assert!(
        err.contains("grad_norm_by_layer") && err.contains("loss"),
        "{err}"
    );
}
