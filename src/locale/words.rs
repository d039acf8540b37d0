//! The shape of a word table: one struct per group of `src/locale/<language>.toml`, every
//! field required and no unknown key allowed, so both tables always hold the same words.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Every word of one language.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Words {
    pub figure: FigureWords,
    pub axis: AxisWords,
    pub legend: LegendWords,
    pub desc: DescWords,
    pub caption: CaptionWords,
    pub subject: SubjectWords,
    pub page: PageWords,
    pub search: SearchWords,
    pub serve: ServeWords,
    pub progress: ProgressWords,
    /// What each figure kind shows, keyed by the kind's name (`grad_flow`).
    pub kind: BTreeMap<String, String>,
    /// A per-layer metric's name on axes and in `<desc>`, keyed by its CSV name.
    pub metric_name: BTreeMap<String, String>,
    /// A per-layer metric's name in captions, keyed by its CSV name.
    pub metric_subject: BTreeMap<String, String>,
}

/// Words inside figures: panel titles, quantities, what an empty panel says.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FigureWords {
    pub none: String,
    pub list_separator: String,
    pub loss: String,
    pub accuracy_percent: String,
    pub sharpness: String,
    pub loss_scale: String,
    pub stability_threshold: String,
    pub train_set: String,
    pub test_set: String,
    pub activations: String,
    pub gradients: String,
    pub act_mean: String,
    pub act_std: String,
    pub saturated_frac: String,
    pub dead_frac: String,
    pub histogram_subtitle: String,
    pub run_step: String,
    pub no_data: String,
    pub no_data_after_divergence: String,
}

/// Axis titles and the words that qualify them.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AxisWords {
    pub steps: String,
    pub layer: String,
    pub layer_short: String,
    pub time_back: String,
    pub singular_value_rank: String,
    pub input_x1: String,
    pub input_x2: String,
    pub log_scale: String,
    pub linear_scale: String,
    pub with_scale: String,
}

/// Legend entries and the run labels of panels.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LegendWords {
    pub diverged_at: String,
    pub diverged: String,
    pub already_diverged: String,
    pub run_at_step: String,
    pub diverged_no_data: String,
    pub class: String,
    pub theory: String,
    pub mean_field: String,
}

/// The sentences of a figure's `<desc>` (what it plots, for screen readers and search).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DescWords {
    pub seeds: String,
    pub log: String,
    pub linear: String,
    pub over_steps: String,
    pub over_steps_sides: String,
    pub loss_capped: String,
    pub by_layer: String,
    pub theory: String,
    pub mean_field: String,
    pub reference: String,
    pub layer_lines: String,
    pub grad_flow: String,
    pub grad_flow_missing: String,
    pub histograms: String,
    pub histogram_seeds: String,
    pub activation_stats: String,
    pub decision_boundary: String,
    pub sampled_points: String,
}

/// The HTML around a figure: its caption, number, links and the spec it was drawn from.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CaptionWords {
    pub title: String,
    pub variant_title: String,
    pub figure_number: String,
    pub title_end: String,
    pub explore_note: String,
    pub download_csv: String,
    pub pick_legend: String,
    pub all_runs: String,
    pub spec_summary: String,
}

/// Caption subjects of figures that draw a per-layer metric other than the default.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectWords {
    pub by_layer: String,
    pub flow: String,
    pub over_steps: String,
}

/// Page chrome: header, sidebar, chapter navigation, the 404 page.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PageWords {
    pub section_link: String,
    pub skip_to_content: String,
    pub toggle_sidebar: String,
    pub contents: String,
    pub search_book: String,
    pub search_placeholder: String,
    pub print_title: String,
    pub print: String,
    pub toggle_theme: String,
    pub dark_theme: String,
    /// The header link to the book's repository (mdBook's `git-repository-url`).
    pub git_repository: String,
    pub page_nav: String,
    pub previous_title: String,
    pub previous: String,
    pub next_title: String,
    pub next: String,
    pub back_to_top: String,
    pub not_found_title: String,
    pub not_found_text: String,
    pub first_chapter: String,
}

/// The search box's messages (gradbook.js).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SearchWords {
    pub index_failed: String,
    pub no_results: String,
    pub found: String,
}

/// `gradbook serve`'s own pages: its 404 and the build-error overlay.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServeWords {
    pub not_found: String,
    pub home: String,
    pub build_failed: String,
}

/// The command line's progress lines while it trains.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProgressWords {
    /// An indicatif template after the bar: `{pos}`, `{len}`, `{msg}`, `{eta}`.
    pub bar: String,
    pub experiment_done: String,
    pub waiting_for_lock: String,
}

impl Words {
    /// What the figure kind named `kind` shows; the name itself for a kind the table lacks
    /// (a test checks that every kind has its words).
    pub fn subject_of_kind<'a>(&'a self, kind: &'a str) -> &'a str {
        self.kind.get(kind).map_or(kind, String::as_str)
    }

    /// The axis and `<desc>` name of the per-layer metric `metric` (its CSV name); the CSV
    /// name itself for one the table lacks.
    pub fn name_of_metric<'a>(&'a self, metric: &'a str) -> &'a str {
        self.metric_name.get(metric).map_or(metric, String::as_str)
    }

    /// The caption name of the per-layer metric `metric`; the CSV name itself for one the
    /// table lacks.
    pub fn subject_of_metric<'a>(&'a self, metric: &'a str) -> &'a str {
        self.metric_subject
            .get(metric)
            .map_or(metric, String::as_str)
    }
}
