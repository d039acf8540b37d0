//! The HTML of an experiment block in a page: its numbered figures (SVG inlined so it follows
//! the page's colours), the links to its data, and the exact spec in a collapsed block.
//! A figure of a block that sweeps two or more keys is explorable: besides the figure of all
//! runs it holds one figure per value of the sweep's first key, and radio buttons that show
//! one of them (gradbook.js); without scripts every variant is shown, stacked, each headed by
//! its value. Also the book's index of figures, which `{{#ref …}}` references resolve against.

use std::path::Path;

use crate::book::Book;
use crate::experiment::{PlotKind, PlotSpec};
use crate::locale::{Words, fill};
use crate::markdown::{FigureLink, RefProblem, escape_html};
use crate::nn::Metric;

use super::links::normalize;

/// One drawn figure of a block.
pub struct FigureView {
    /// "3.2" or "2" for unnumbered chapters.
    pub number: String,
    /// The figure's name in its block: the plot kind, `<kind>-2` for a kind drawn again. Its
    /// anchor is `fig-<block id>-<name>`.
    pub name: String,
    pub caption_title: String,
    pub svg: String,
    /// Relative link from the page to the figure's SVG file.
    pub svg_href: String,
    /// The same figure per value of the sweep's first key (explorable figures).
    pub variants: Option<Variants>,
}

/// The per-value figures of an explorable figure.
pub struct Variants {
    /// The swept key as labels show it (`depth` for `model.depth`).
    pub key: String,
    pub views: Vec<VariantView>,
}

/// One value's figure.
pub struct VariantView {
    /// The value as labels show it (`5`, `relu`).
    pub value: String,
    /// The value made safe for file names and anchors, unique in the figure.
    pub slug: String,
    pub svg: String,
    pub svg_href: String,
}

/// The anchor of a figure of a block.
pub fn anchor(block_id: &str, name: &str) -> String {
    format!("fig-{block_id}-{name}")
}

/// `value` made safe for a file name or an anchor: ASCII letters, digits, `.` and `_`; other
/// runs of characters become one `-`. Unique among `taken` (the slugs of the values before it,
/// whose count numbers a value that has no safe characters or clashes).
pub fn value_slug(value: &str, taken: &[String]) -> String {
    let mut slug = String::new();
    for c in value.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_') {
            slug.push(c);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let n = taken.len() + 1;
    let slug = match slug.trim_matches('-') {
        "" => format!("v{n}"),
        s => s.to_string(),
    };
    if taken.contains(&slug) {
        format!("{slug}-v{n}")
    } else {
        slug
    }
}

/// `figures` all belong to the block `id`; `csv_href` is relative to the page.
pub fn block_html(
    id: &str,
    caption: Option<&str>,
    figures: &[FigureView],
    csv_href: &str,
    spec_toml: &str,
    words: &Words,
) -> String {
    let caption_words = &words.caption;
    let mut html = String::new();
    for (index, figure) in figures.iter().enumerate() {
        let anchor = anchor(id, &figure.name);
        // The block's caption describes the experiment: say it once, under its first figure.
        let caption_text = caption
            .filter(|_| index == 0)
            .map(|c| format!(" {}", escape_html(c)))
            .unwrap_or_default();
        let (class, plots, explore_note) = match &figure.variants {
            None => (
                "experiment-figure",
                format!(
                    "<div class=\"plot\">{}</div>\n",
                    strip_xml_declaration(&figure.svg)
                ),
                String::new(),
            ),
            Some(variants) => (
                "experiment-figure explorable",
                variant_plots(&anchor, figure, variants, words),
                format!(
                    " <span class=\"explore-note\">{}</span>",
                    fill(
                        &caption_words.explore_note,
                        &[("key", &escape_html(&variants.key))]
                    )
                ),
            ),
        };
        html.push_str(&format!(
            "<figure class=\"{class}\" id=\"{anchor}\">\n{plots}\
             <figcaption><span class=\"figure-number\">{number}</span>{title}{title_end}{caption_text}{explore_note}</figcaption>\n\
             <p class=\"figure-links\"><a href=\"{csv}\" download>{download}</a> · <a href=\"{svg_href}\">SVG</a></p>\n</figure>\n",
            number = fill(&caption_words.figure_number, &[("number", &figure.number)]),
            title_end = caption_words.title_end,
            download = caption_words.download_csv,
            title = escape_html(&figure.caption_title),
            csv = escape_html(csv_href),
            svg_href = escape_html(&figure.svg_href),
        ));
    }
    let code_id = format!("<code>{}</code>", escape_html(id));
    html.push_str(&format!(
        "<details class=\"experiment-spec\"><summary>{}</summary>\n<pre><code class=\"language-toml\">{}</code></pre>\n</details>\n",
        fill(&caption_words.spec_summary, &[("id", &code_id)]),
        escape_html(spec_toml.trim_end()),
    ));
    html
}

/// The radio buttons and the plots of an explorable figure: all runs first (chosen), then one
/// per value, each headed by its value and with its own anchor and SVG link.
fn variant_plots(anchor: &str, figure: &FigureView, variants: &Variants, words: &Words) -> String {
    let key = escape_html(&variants.key);
    let name = format!("pick-{anchor}");
    let (legend, all_runs) = (
        fill(&words.caption.pick_legend, &[("key", &key)]),
        &words.caption.all_runs,
    );
    let mut html = format!(
        "<fieldset class=\"variant-picker\"><legend>{legend}</legend>\
         <label><input type=\"radio\" name=\"{name}\" value=\"all\" checked> {all_runs}</label>"
    );
    for view in &variants.views {
        html.push_str(&format!(
            "<label><input type=\"radio\" name=\"{name}\" value=\"{slug}\"> {key} = {value}</label>",
            slug = escape_html(&view.slug),
            value = escape_html(&view.value),
        ));
    }
    html.push_str("</fieldset>\n");
    html.push_str(&format!(
        "<div class=\"plot variant shown\" data-variant=\"all\"><p class=\"variant-heading\">{all_runs}</p>{}</div>\n",
        strip_xml_declaration(&figure.svg)
    ));
    for view in &variants.views {
        html.push_str(&format!(
            "<div class=\"plot variant\" data-variant=\"{slug}\" id=\"{anchor}-{slug}\"><p class=\"variant-heading\">{key} = {value} <a href=\"{href}\">SVG</a></p>{svg}</div>\n",
            slug = escape_html(&view.slug),
            value = escape_html(&view.value),
            href = escape_html(&view.svg_href),
            svg = strip_xml_declaration(&view.svg),
        ));
    }
    html
}

/// A standalone SVG file may start with an XML declaration; inline SVG must not.
fn strip_xml_declaration(svg: &str) -> &str {
    let trimmed = svg.trim_start();
    match trimmed.strip_prefix("<?xml") {
        Some(rest) => rest
            .split_once("?>")
            .map_or(trimmed, |(_, after)| after.trim_start()),
        None => trimmed,
    }
}

/// The title a figure gets under its block's title (naming a non-default metric).
pub fn figure_title(block_title: &str, spec: &PlotSpec, words: &Words) -> String {
    fill(
        &words.caption.title,
        &[("block", &block_title), ("subject", &subject(spec, words))],
    )
}

/// The title of one value's figure of an explorable figure titled `title`.
pub fn variant_title(title: &str, key: &str, value: &str, words: &Words) -> String {
    fill(
        &words.caption.variant_title,
        &[("title", &title), ("key", &key), ("value", &value)],
    )
}

/// What the figure shows, for its caption: its kind's words, naming the per-layer metric
/// when it is not the default gradient norm.
fn subject(spec: &PlotSpec, words: &Words) -> String {
    let kind = words.subject_of_kind(spec.kind.name());
    if !spec.kind.takes_layer_metric() || spec.metric == Metric::GradNorm {
        return kind.to_string();
    }
    let template = match spec.kind {
        PlotKind::GradFlow => &words.subject.flow,
        PlotKind::GradNormOverSteps => &words.subject.over_steps,
        _ => &words.subject.by_layer,
    };
    let name = spec.metric.name();
    let metric = words.subject_of_metric(name);
    fill(template, &[("metric", &metric), ("name", &name)])
}

/// A block's figures, for references: (name, number, caption title), in order.
#[derive(Debug)]
pub struct BlockFigures {
    pub id: String,
    pub figures: Vec<(String, String, String)>,
}

/// Every block's figures, per chapter (in `book.chapters` order).
#[derive(Debug)]
pub struct FigureIndex {
    chapters: Vec<Vec<BlockFigures>>,
}

impl FigureIndex {
    pub fn new(chapters: usize) -> Self {
        FigureIndex {
            chapters: (0..chapters).map(|_| Vec::new()).collect(),
        }
    }

    pub fn add(&mut self, chapter: usize, block: BlockFigures) {
        self.chapters[chapter].push(block);
    }

    /// Resolve the target of a `{{#ref …}}` written in chapter `from`: `id`, `id:name`,
    /// `path.md#id` or `path.md#id:name` (the path relative to the chapter's file).
    pub fn resolve(
        &self,
        book: &Book,
        from: usize,
        target: &str,
    ) -> Result<FigureLink, RefProblem> {
        let words = book.words();
        let problem = |message: String, hint: Option<String>| RefProblem { message, hint };
        let (path, rest) = match target.split_once('#') {
            Some((path, rest)) => (path, rest),
            None => ("", target),
        };
        let (id, name) = match rest.split_once(':') {
            Some((id, name)) => (id, Some(name)),
            None => (rest, None),
        };
        let chapter = if path.is_empty() {
            from
        } else {
            let here = book.chapters[from].path.parent().unwrap_or(Path::new(""));
            let resolved = normalize(&here.join(path));
            book.chapters
                .iter()
                .position(|c| c.path == resolved)
                .ok_or_else(|| {
                    problem(
                        format!("figure reference `{target}`: `{}` is not a chapter in SUMMARY.md", resolved.display()),
                        Some("write another chapter's figure as {{#ref other.md#<block id>}}, the path relative to this chapter's file".into()),
                    )
                })?
        };
        let blocks = &self.chapters[chapter];
        let where_ = if chapter == from {
            "this chapter".to_string()
        } else {
            format!("`{}`", book.chapters[chapter].path.display())
        };
        let Some(block) = blocks.iter().find(|b| b.id == id) else {
            let ids: Vec<String> = blocks.iter().map(|b| format!("`{}`", b.id)).collect();
            let hint = if ids.is_empty() {
                format!("{where_} has no experiment blocks")
            } else {
                format!("the experiment ids in {where_} are {}", ids.join(", "))
            };
            return Err(problem(
                format!("unknown figure reference `{target}`: no experiment `{id}` in {where_}"),
                Some(hint),
            ));
        };
        let names = || {
            block
                .figures
                .iter()
                .map(|(n, _, _)| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let figure = match name {
            None => block.figures.first(),
            Some(name) => block.figures.iter().find(|(n, _, _)| n == name),
        };
        let Some((name, number, title)) = figure else {
            return Err(match name {
                Some(name) => problem(
                    format!(
                        "unknown figure reference `{target}`: experiment `{id}` draws no `{name}`"
                    ),
                    Some(format!("its figures are {}", names())),
                ),
                None => problem(
                    format!("figure reference `{target}`: experiment `{id}` draws no figure"),
                    None,
                ),
            });
        };
        Ok(FigureLink {
            dest: format!("{path}#{}", anchor(id, name)),
            label: fill(&words.caption.figure_number, &[("number", number)]),
            title: title.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::locale::Language;

    #[test]
    fn slugs_are_safe_and_unique() {
        assert_eq!(value_slug("relu", &[]), "relu");
        assert_eq!(value_slug("0.1", &[]), "0.1");
        assert_eq!(value_slug("[8, 8]", &[]), "8-8");
        assert_eq!(value_slug("8 8", &["8-8".into()]), "8-8-v2");
        assert_eq!(value_slug("梯度", &["a".into()]), "v2");
    }

    #[test]
    fn every_kind_and_layer_metric_has_its_words_in_every_language() {
        for language in Language::ALL {
            let words = language.words();
            let kinds: Vec<&str> = PlotKind::ALL.iter().map(|k| k.name()).collect();
            let table: Vec<&str> = words.kind.keys().map(String::as_str).collect();
            let mut sorted = kinds.clone();
            sorted.sort_unstable();
            assert_eq!(table, sorted, "{language}: [kind] names exactly the kinds");
            // Every metric a per-layer figure may be asked to draw, and the recurrent one.
            let drawable = Metric::ALL.into_iter().filter(|m| m.is_layer_norm());
            for metric in drawable.chain([Metric::GradNormTime]) {
                assert!(
                    words.metric_name.contains_key(metric.name()),
                    "{language}: {metric}"
                );
                // The default metric's caption is its kind's own words.
                if metric.is_layer_norm() && metric != Metric::GradNorm {
                    assert!(
                        words.metric_subject.contains_key(metric.name()),
                        "{language}: {metric}"
                    );
                }
            }
        }
    }

    #[test]
    fn titles_name_a_non_default_metric_in_the_book_language() {
        let mut spec = PlotSpec::new(PlotKind::GradFlow);
        let (zh, en) = (Language::ZhCn.words(), Language::En.words());
        assert_eq!(figure_title("块", &spec, zh), "块：梯度随层与训练步的变化");
        spec.metric = Metric::DeltaNorm;
        assert_eq!(
            figure_title("块", &spec, zh),
            "块：误差信号 δ 的范数随层与训练步的变化"
        );
        assert_eq!(
            figure_title("Block", &spec, en),
            "Block: Norm of the error signal δ by layer and training step"
        );
        let loss = PlotSpec::new(PlotKind::Loss);
        assert_eq!(figure_title("Block", &loss, en), "Block: Training loss");
        // Captions are prose: the metric's CSV name stays out of them (issue 20).
        spec.metric = Metric::UnderflowFrac;
        assert!(!figure_title("块", &spec, zh).contains("underflow_frac"));
        assert_eq!(variant_title("T", "depth", "3", en), "T (depth = 3)");
    }
}
