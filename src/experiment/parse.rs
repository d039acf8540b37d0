//! From block text to a validated [`Experiment`]: TOML syntax, the keys one by one (`schema`),
//! variants (cases × sweep), seeds, sizes and ranges (`sizes`, `ranges`), the figures the runs
//! can fill (`applicable`) and claims. Every problem becomes a [`SpecError`] located at the
//! key it concerns; all of a block's problems are reported together.

use super::applicable::plot_problem;
use super::claims::{Claim, parse_claim};
use super::locate::{error_at, error_at_item, toml_error};
use super::mean_field::predict_for;
use super::plot_spec::{FigureNeeds, PlotEntry, PlotKind, PlotSpec};
use super::ranges::range_problems;
use super::schema::{block_keys, concerns, settings_keys};
use super::sizes::MAX_SEEDS;
use super::spec::{Experiment, ProbeNeeds, RunSpec, Seeds, SpecError, TrainSpec};
use super::suggest::with_suggestion;
use super::variants::{Variant, set_path, shown_value, sweep_error, variants};
use crate::nn::{Metric, Probe};

/// Parse and validate one block. Returns every problem found, not just the first.
pub fn parse_block(text: &str) -> Result<Experiment, Vec<SpecError>> {
    let tree: toml::Table = toml::from_str(text).map_err(|e| vec![toml_error(text, &e)])?;
    let mut errors = Vec::new();
    let mut top_problems = Vec::new();
    let block = block_keys(&tree, &mut top_problems);
    // Without usable settings tables there is nothing to check the runs against.
    let settings_given = !top_problems
        .iter()
        .any(|(key, _)| ["data", "model", "train"].contains(&key.as_str()));
    for (key, message) in top_problems {
        errors.push(key_error(text, &key, &message));
    }
    if !is_valid_id(&block.id) {
        errors.push(error_at(
            text,
            &["id"],
            "id must be non-empty and use only a-z, 0-9, '-' and '_'",
        ));
    }
    let plots = plot_specs(text, block.plot.as_ref(), &mut errors);
    let seed_list = seed_list(text, block.seeds.as_ref(), &mut errors);
    if !settings_given {
        return Err(errors);
    }
    let base: toml::Table = [
        ("data", &block.data),
        ("model", &block.model),
        ("train", &block.train),
    ]
    .into_iter()
    .map(|(key, table)| (key.to_string(), toml::Value::Table(table.clone())))
    .collect();

    let mut runs: Vec<RunSpec> = Vec::new();
    let mut reported: Vec<(String, String)> = Vec::new();
    let seeds_per_variant = seed_list.as_ref().map_or(1, Vec::len);
    let all_variants = variants(
        text,
        block.case.as_deref(),
        &block.sweep,
        seeds_per_variant,
        &mut errors,
    );
    for variant in all_variants {
        let mut settings = base.clone();
        for (path, value) in &variant.overrides {
            set_path(&mut settings, path, value.clone());
        }
        let label = variant.label.clone();
        let in_run = |message: &str| match label.as_str() {
            "" => message.to_string(),
            _ => format!("{message} (in run `{label}`)"),
        };
        // The variant's own keys that a problem about `key` concerns (none: a base key).
        let made_by = |key: &str| -> Vec<&str> {
            variant
                .overrides
                .iter()
                .map(|(path, _)| path.as_str())
                .filter(|path| concerns(key, path) || concerns(path, key))
                .collect()
        };
        let checked = settings_keys(&settings);
        let bad: Vec<String> = checked
            .problems
            .iter()
            .map(|(key, _)| key.clone())
            .chain(checked.unchecked)
            .collect();
        for (key, message) in checked.problems {
            let made = made_by(&key);
            if made.is_empty() {
                let e = key_error(text, &key, &message);
                if !errors.contains(&e) {
                    errors.push(e);
                }
            } else if !reported.contains(&(key.clone(), message.clone())) {
                // A misspelt swept key breaks every point of the sweep: say it once.
                reported.push((key.clone(), message.clone()));
                errors.push(SpecError {
                    hint: unknown_key_hint(&message),
                    ..variant_error(text, &variant, &made, &in_run(&message))
                });
            }
        }
        let run = match toml::Value::Table(checked.usable).try_into::<RunSpec>() {
            Ok(run) => run,
            Err(e) => {
                let changed: Vec<&str> =
                    variant.overrides.iter().map(|(p, _)| p.as_str()).collect();
                errors.push(variant_error(
                    text,
                    &variant,
                    &changed,
                    &in_run(e.message()),
                ));
                continue;
            }
        };
        for (key, message) in range_problems(&run) {
            // A key already reported as bad was left out: what is said about it now is moot.
            if bad.iter().any(|b| concerns(b, &key)) {
                continue;
            }
            let made = made_by(&key);
            let e = if made.is_empty() {
                error_at(text, &key.split('.').collect::<Vec<_>>(), &message)
            } else {
                variant_error(text, &variant, &made, &in_run(&message))
            };
            // A base value that is wrong is wrong in every run: report it once.
            if !errors.contains(&e) {
                errors.push(e);
            }
        }
        let seeds = seed_list.clone().unwrap_or_else(|| vec![run.train.seed]);
        let sweep_point = variant
            .swept
            .iter()
            .filter_map(|path| {
                let (_, value) = variant.overrides.iter().rev().find(|(p, _)| p == path)?;
                Some((path.clone(), shown_value(value)))
            })
            .collect();
        runs.push(RunSpec {
            label,
            seeds,
            seeds_vary_data: matches!(&block.seeds, Some(Seeds::Table(t)) if t.data),
            sweep_point,
            ..run
        });
    }
    if runs.len() == 1 && runs[0].label.is_empty() {
        runs[0].label = block.id.clone();
    }
    // Figures are checked against the runs only when the runs themselves are sound.
    let plots = match plots {
        Some(mut plots) if errors.is_empty() => {
            check_plots_apply(text, block.plot.as_ref(), &mut plots, &runs, &mut errors);
            plots.into_iter().map(|(_, spec)| spec).collect()
        }
        Some(plots) => plots.into_iter().map(|(_, spec)| spec).collect(),
        None => default_plots(&runs),
    };

    let labels: Vec<&str> = runs.iter().map(|r| r.label.as_str()).collect();
    let claims = claims(text, &block.expect, &labels, &mut errors);
    for run in &mut runs {
        run.needs = probe_needs(&plots, &claims, &run.train);
    }
    if errors.is_empty() {
        Ok(Experiment {
            id: block.id,
            title: block.title,
            caption: block.caption,
            note: block.note,
            plots,
            runs,
            claims,
        })
    } else {
        Err(errors)
    }
}

/// A problem with a key of the block as written, at its line.
fn key_error(text: &str, key: &str, message: &str) -> SpecError {
    SpecError {
        hint: unknown_key_hint(message),
        ..error_at(text, &key.split('.').collect::<Vec<_>>(), message)
    }
}

fn unknown_key_hint(message: &str) -> Option<String> {
    message
        .contains("unknown field")
        .then(|| "check the spelling; README.md lists every key of an experiment block".to_string())
}

/// Without a `plot`: the gradient norm by layer and the loss (a recurrent net: the gradient
/// through time and the loss).
fn default_plots(runs: &[RunSpec]) -> Vec<PlotSpec> {
    let recurrent = !runs.is_empty() && runs.iter().all(|r| r.model.is_recurrent());
    let gradients = if recurrent {
        PlotKind::GradThroughTime
    } else {
        PlotKind::GradNormByLayer
    };
    vec![PlotSpec::new(gradients), PlotSpec::new(PlotKind::Loss)]
}

/// Refuse figures the runs cannot fill, at the `plot` entry; compute the mean-field
/// curves the others ask for.
fn check_plots_apply(
    text: &str,
    plot: Option<&toml::Value>,
    plots: &mut [(usize, PlotSpec)],
    runs: &[RunSpec],
    errors: &mut Vec<SpecError>,
) {
    let is_list = matches!(plot, Some(toml::Value::Array(_)));
    for (index, spec) in plots.iter_mut() {
        let problem = plot_problem(spec, runs).or_else(|| predict_for(spec, runs).err());
        if let Some(message) = problem {
            errors.push(if is_list {
                error_at_item(text, "plot", *index, &message)
            } else {
                error_at(text, &["plot"], &message)
            });
        }
    }
}

fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// The block's figures as written: `plot` as a name, a table, or a list of them, each with
/// its position in the list; `None` when the block gives no `plot` (the defaults apply).
fn plot_specs(
    text: &str,
    plot: Option<&toml::Value>,
    errors: &mut Vec<SpecError>,
) -> Option<Vec<(usize, PlotSpec)>> {
    let entries: Vec<&toml::Value> = match plot? {
        toml::Value::Array(list) => list.iter().collect(),
        single => vec![single],
    };
    let is_list = matches!(plot, Some(toml::Value::Array(_)));
    let mut specs: Vec<(usize, PlotSpec)> = Vec::new();
    for (index, entry) in entries.into_iter().enumerate() {
        let problem = |message: &str| {
            let message = with_suggestion(message);
            if is_list {
                error_at_item(text, "plot", index, &message)
            } else {
                error_at(text, &["plot"], &message)
            }
        };
        let resolved = PlotEntry::try_from(entry.clone())
            .map_err(|e| format!("a plot is a name such as \"loss\" or a table such as {{ kind = \"grad_flow\" }}: {}", e.message()))
            .and_then(|entry| entry.resolve().map_err(|e| e.to_string()));
        match resolved {
            Ok(spec) if specs.iter().any(|(_, s)| *s == spec) => {
                errors.push(problem(&format!("plot `{}` is listed twice", spec.kind)))
            }
            Ok(spec) => specs.push((index, spec)),
            Err(message) => errors.push(problem(&message)),
        }
    }
    Some(specs)
}

/// `None` when the block gives no `seeds` (each variant runs with its `train.seed`).
fn seed_list(text: &str, seeds: Option<&Seeds>, errors: &mut Vec<SpecError>) -> Option<Vec<u64>> {
    let seeds = match seeds? {
        Seeds::Table(table) => match (&table.count, &table.list) {
            (Some(n), None) => &Seeds::Count(*n),
            (None, Some(list)) => &Seeds::List(list.clone()),
            _ => {
                errors.push(error_at(
                    text,
                    &["seeds"],
                    "a seeds table takes `count = N` or `list = [...]` (one of them), and `data = true` to draw the data with each seed",
                ));
                return None;
            }
        },
        other => other,
    };
    let list = match seeds {
        Seeds::Count(n) if (1..=MAX_SEEDS as i64).contains(n) => (1..=*n as u64).collect(),
        Seeds::Count(n) => {
            errors.push(error_at(
                text,
                &["seeds"],
                &format!("seeds must be between 1 and {MAX_SEEDS}, got {n}"),
            ));
            return None;
        }
        Seeds::List(list) => list.clone(),
        Seeds::Table(_) => unreachable!("unwrapped above"),
    };
    let mut unique = list.clone();
    unique.sort_unstable();
    unique.dedup();
    if list.is_empty() || unique.len() != list.len() || list.len() > MAX_SEEDS {
        errors.push(error_at(
            text,
            &["seeds"],
            &format!("seeds must be 1 to {MAX_SEEDS} different numbers"),
        ));
        return None;
    }
    Some(list)
}

/// A problem in a variant, located at what made it: the sweep when a swept key is involved,
/// otherwise its `[[case]]`.
fn variant_error(text: &str, variant: &Variant, keys: &[&str], message: &str) -> SpecError {
    match variant.case {
        Some(case) if !keys.iter().any(|k| variant.swept.iter().any(|s| s == k)) => SpecError {
            key: Some(keys.join(", ")),
            ..error_at_item(text, "case", case, message)
        },
        _ => sweep_error(text, &keys.join("\", \""), message),
    }
}

fn claims(
    text: &str,
    sources: &[String],
    runs: &[&str],
    errors: &mut Vec<SpecError>,
) -> Vec<Claim> {
    let mut claims = Vec::new();
    for (index, source) in sources.iter().enumerate() {
        let mut problem =
            |message: String| errors.push(error_at_item(text, "expect", index, &message));
        let syntax = match parse_claim(source) {
            Ok(syntax) => syntax,
            Err(e) => {
                problem(format!(
                    "claim `{source}`: {} (at character {})",
                    e.message, e.column
                ));
                continue;
            }
        };
        let line = error_at_item(text, "expect", index, "").line;
        let claim = Claim {
            text: source.clone(),
            line,
            syntax,
        };
        let missing: Vec<String> = claim
            .runs()
            .into_iter()
            .filter(|r| !runs.contains(&r.as_str()))
            .collect();
        if let Some(run) = missing.first() {
            let names: Vec<String> = runs.iter().map(|r| format!("'{r}'")).collect();
            problem(format!(
                "claim `{source}` names run '{run}', but the runs are {}",
                names.join(", ")
            ));
            continue;
        }
        if claim.syntax.run.is_none() && runs.len() > 1 {
            problem(format!(
                "claim `{source}` must say which run: add `where run = '…'`"
            ));
            continue;
        }
        claims.push(claim);
    }
    claims
}

/// Which probes the block's figures and claims read, so runs record them (and only them).
fn probe_needs(plots: &[PlotSpec], claims: &[Claim], train: &TrainSpec) -> ProbeNeeds {
    let figures: Vec<FigureNeeds> = plots.iter().map(|p| p.kind.needs(p.metric)).collect();
    let read: Vec<Probe> = claims
        .iter()
        .flat_map(Claim::metrics)
        .map(Metric::probe)
        .collect();
    let mut histogram_steps: Vec<u64> = plots
        .iter()
        .zip(&figures)
        .filter(|(_, needs)| needs.histograms)
        .flat_map(|(p, _)| p.steps.clone().unwrap_or_else(|| vec![0]))
        .collect();
    histogram_steps.sort_unstable();
    histogram_steps.dedup();
    ProbeNeeds {
        layer_stats: figures.iter().any(|n| n.layer_stats) || read.contains(&Probe::LayerStats),
        evaluate: train.eval_every > 0
            || figures.iter().any(|n| n.evaluate)
            || read.contains(&Probe::Evaluation),
        histogram_steps,
        decision_grid: figures.iter().any(|n| n.decision_grid),
        jacobian: figures.iter().any(|n| n.jacobian) || read.contains(&Probe::Jacobian),
        sharpness: figures.iter().any(|n| n.sharpness) || read.contains(&Probe::Sharpness),
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
