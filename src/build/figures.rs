//! The build's figure stage: every block's figures drawn as SVG beside its CSV, numbered
//! per chapter, with one view per value of a block's first swept key, and the HTML that
//! takes each block's place.

use std::path::Path;

use rayon::prelude::*;

use super::blocks::Block;
use crate::book::Book;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::experiment::{Experiment, PlotKind, Results};
use crate::plot;
use crate::render::figure::{self, FigureIndex};
use crate::render::{self, OutputFile};

/// Where each block's figures start in its chapter: figures are numbered per chapter,
/// <chapter>.<k>, and a figure's number counts every figure before it, drawn or not.
pub(super) fn first_numbers(book: &Book, blocks: &[Block]) -> Vec<usize> {
    let mut drawn_in_chapter = vec![0usize; book.chapters.len()];
    blocks
        .iter()
        .map(|block| {
            let before = drawn_in_chapter[block.chapter];
            drawn_in_chapter[block.chapter] += block.experiment.plots.len();
            before
        })
        .collect()
}

/// What the figure stage has for a block: its drawing from the figure cache, or the results
/// of its runs to draw it from.
pub(super) enum ToDraw<'a> {
    Cached(BlockDrawing),
    Results(&'a Results),
}

/// Draw every block's figures into `files` (SVG + CSV) and return, per chapter, the HTML that
/// replaces each of its blocks, in order, and the index of figures that references resolve
/// against. `keep` is shown each block newly drawn without a problem (its index into
/// `blocks`), for the figure cache.
/// A block that sweeps two or more keys also gets, per figure, one figure per value of its
/// first swept key (`<id>-<name>-<key>-<value>.svg`), which the page lets the reader switch
/// between. Blocks are drawn in parallel and assembled in order, so the output never depends
/// on the thread count.
pub(super) fn draw_figures(
    book: &Book,
    blocks: &[Block],
    first_numbers: &[usize],
    to_draw: Vec<ToDraw>,
    keep: &(dyn Fn(usize, &BlockDrawing) + Sync),
    files: &mut Vec<OutputFile>,
) -> Result<(Vec<Vec<String>>, FigureIndex), Diagnostics> {
    let drawings: Vec<BlockDrawing> = to_draw
        .into_par_iter()
        .enumerate()
        .map(|(i, to_draw)| match to_draw {
            ToDraw::Cached(drawing) => drawing,
            ToDraw::Results(results) => {
                let drawing = draw_block(book, &blocks[i], results, first_numbers[i]);
                if drawing.errors.is_empty() {
                    keep(i, &drawing);
                }
                drawing
            }
        })
        .collect();

    let mut errors = Vec::new();
    let mut html: Vec<Vec<String>> = vec![Vec::new(); book.chapters.len()];
    let mut index = FigureIndex::new(book.chapters.len());
    for (block, drawing) in blocks.iter().zip(drawings) {
        files.extend(drawing.files);
        errors.extend(drawing.errors);
        index.add(block.chapter, drawing.figures);
        html[block.chapter].push(drawing.html);
    }
    if errors.is_empty() {
        Ok((html, index))
    } else {
        Err(Diagnostics(errors))
    }
}

/// What one block adds to the site: its CSV and SVG files, its figures for references, the
/// HTML that takes its place, and why any of its figures could not be drawn.
pub(super) struct BlockDrawing {
    pub(super) files: Vec<OutputFile>,
    pub(super) figures: figure::BlockFigures,
    pub(super) html: String,
    pub(super) errors: Vec<Diagnostic>,
}

/// One block's figures, numbered from `before + 1` within its chapter.
fn draw_block(book: &Book, block: &Block, results: &Results, before: usize) -> BlockDrawing {
    let words = book.words();
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let chapter = &book.chapters[block.chapter];
    let dir = render::figure_dir(&chapter.path);
    let page_root = render::relative_root(&chapter.html_path());
    let href = |path: &Path| format!("{page_root}{}", render::url_path(path));
    let id = &block.experiment.id;
    let csv_path = dir.join(format!("{id}.csv"));
    files.push(OutputFile::new(&csv_path, results.to_csv()));
    let mut problem = |kind: PlotKind, problem: String| {
        let file = book.content_dir().join(&chapter.path);
        errors.push(
            Diagnostic::error(
                &file,
                block.first_line,
                format!("experiment `{id}`, plot `{kind}`: {problem}"),
            )
            .with_snippet_from(&chapter.source),
        );
    };
    let groups = sweep_groups(&block.experiment, results);

    let mut views = Vec::new();
    for (position, spec) in block.experiment.plots.iter().enumerate() {
        let kind = spec.kind;
        let counter = before + position + 1;
        let title = figure::figure_title(&block.experiment.title, spec, words);
        let svg = match plot::render(spec, results, &title, words) {
            Ok(svg) => svg,
            Err(e) => {
                problem(kind, e.to_string());
                continue;
            }
        };
        // A kind drawn twice (say, with two metrics) gets a numbered name.
        let repeat = block.experiment.plots[..position]
            .iter()
            .filter(|s| s.kind == kind)
            .count();
        let name = if repeat == 0 {
            kind.name().to_string()
        } else {
            format!("{}-{}", kind.name(), repeat + 1)
        };
        let svg_path = dir.join(format!("{id}-{name}.svg"));
        files.push(OutputFile::new(&svg_path, svg.clone()));
        let number = match chapter.number_label().as_str() {
            "" => counter.to_string(),
            n => format!("{n}.{counter}"),
        };
        let variants = groups.as_ref().map(|(key, values)| {
            let mut variants = figure::Variants {
                key: key.clone(),
                views: Vec::new(),
            };
            let mut slugs: Vec<String> = Vec::new();
            for (value, subset) in values {
                let slug = figure::value_slug(value, &slugs);
                slugs.push(slug.clone());
                let variant_title = figure::variant_title(&title, key, value, words);
                match plot::render(spec, subset, &variant_title, words) {
                    Ok(svg) => {
                        let path = dir.join(format!("{id}-{name}-{key}-{slug}.svg"));
                        files.push(OutputFile::new(&path, svg.clone()));
                        variants.views.push(figure::VariantView {
                            value: value.clone(),
                            slug,
                            svg,
                            svg_href: href(&path),
                        });
                    }
                    Err(e) => problem(kind, format!("runs with {key} = {value}: {e}")),
                }
            }
            variants
        });
        views.push(figure::FigureView {
            number,
            name,
            caption_title: title,
            svg,
            svg_href: href(&svg_path),
            variants,
        });
    }
    let figures = figure::BlockFigures {
        id: id.clone(),
        figures: views
            .iter()
            .map(|v| (v.name.clone(), v.number.clone(), v.caption_title.clone()))
            .collect(),
    };
    let html = figure::block_html(
        id,
        block.experiment.caption.as_deref(),
        &views,
        &href(&csv_path),
        &block.toml,
        words,
    );
    BlockDrawing {
        files,
        figures,
        html,
        errors,
    }
}

/// For a block that sweeps two or more keys and whose first key takes two or more values: that
/// key (as labels show it, `depth`) and, per value in order, the results of its runs only.
fn sweep_groups(
    experiment: &Experiment,
    results: &Results,
) -> Option<(String, Vec<(String, Results)>)> {
    let first = experiment.runs.first()?;
    if first.sweep_point.len() < 2 {
        return None;
    }
    let path = &first.sweep_point[0].0;
    let mut values: Vec<(String, Vec<&str>)> = Vec::new();
    for run in &experiment.runs {
        let (_, value) = run.sweep_point.iter().find(|(p, _)| p == path)?;
        match values.iter_mut().find(|(v, _)| v == value) {
            Some((_, labels)) => labels.push(&run.label),
            None => values.push((value.clone(), vec![&run.label])),
        }
    }
    if values.len() < 2 {
        return None;
    }
    let key = path.rsplit('.').next().unwrap_or(path).to_string();
    let groups = values
        .into_iter()
        .map(|(value, labels)| (value, results_of_runs(results, &labels)))
        .collect();
    Some((key, groups))
}

/// `results` restricted to the runs labelled `labels` (the data set's points and the problems
/// are kept whole).
fn results_of_runs(results: &Results, labels: &[&str]) -> Results {
    Results {
        runs: results
            .runs
            .iter()
            .filter(|r| labels.contains(&r.label.as_str()))
            .cloned()
            .collect(),
        points: results.points.clone(),
        problems: results.problems.clone(),
    }
}
