//! The build pipeline, stage by stage: load the book, parse every experiment block, run the
//! experiments, draw the figures, render the chapters and pages, then write the site through a
//! staging directory. Each stage is timed; every error of a stage is collected before stopping.
//! A build that writes first checks its destination and takes the book's lock, so it never
//! replaces an author's files and never overlaps another build of the same book.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::book::{self, Book};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::experiment::cache::Cache;
use crate::experiment::run::{Progress, Silent, experiment_cost, run_all};
use crate::experiment::{self, Experiment, PlotKind, Results};
use crate::locale::Language;
use crate::lock::BookLock;
use crate::markdown::{self, RenderedChapter};
use crate::plot;
use crate::render::figure::{self, FigureIndex};
use crate::render::{self, OutputFile, Templates};

#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The book directory (holding `content/`).
    pub root: PathBuf,
    /// Where the site goes; `<root>/book` by default.
    pub dest: Option<PathBuf>,
    /// Run everything and check it, but write nothing.
    pub dry_run: bool,
    /// Ignore the run cache: train every run again (and do not store the results).
    pub no_cache: bool,
    /// Threads for training runs, 1 to [`MAX_JOBS`]; `None` lets rayon choose
    /// (`RAYON_NUM_THREADS` or the cores). Output is identical whatever the count.
    pub jobs: Option<usize>,
}

/// The most training threads a build starts: more only adds threads that wait.
pub const MAX_JOBS: usize = 256;

impl BuildOptions {
    /// Build the book at `root` into its `book/`, with the cache, on all cores.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        BuildOptions {
            root: root.into(),
            dest: None,
            dry_run: false,
            no_cache: false,
            jobs: None,
        }
    }
}

/// What a successful build did.
#[derive(Debug, Clone, Default)]
pub struct BuildReport {
    pub warnings: Vec<Diagnostic>,
    pub chapters: usize,
    pub experiments: usize,
    /// Training runs (variants × seeds), and how many of them were trained or came from the cache.
    pub runs: usize,
    pub runs_trained: usize,
    pub runs_cached: usize,
    /// Claims (`expect`) checked, all of which held.
    pub claims: usize,
    pub figures: usize,
    pub files: usize,
    pub dest: PathBuf,
    /// The book's language (its words are the site's).
    pub language: Language,
    /// (stage name, time spent), in order.
    pub timings: Vec<(&'static str, Duration)>,
}

/// An experiment block of a chapter, parsed, with where it came from.
struct Block {
    chapter: usize,
    /// Line of the block's first TOML line in the chapter file.
    first_line: usize,
    experiment: Experiment,
    toml: String,
}

/// Build the book. On failure returns every error found (and the warnings so far), writing nothing.
pub fn build(options: &BuildOptions) -> Result<BuildReport, Diagnostics> {
    build_with_progress(options, &Silent)
}

/// [`build`], telling `progress` as training runs finish.
pub fn build_with_progress(
    options: &BuildOptions,
    progress: &dyn Progress,
) -> Result<BuildReport, Diagnostics> {
    let mut report = BuildReport {
        dest: options
            .dest
            .clone()
            .unwrap_or_else(|| options.root.join("book")),
        ..Default::default()
    };
    let mut clock = Instant::now();
    let mut lap = |report: &mut BuildReport, stage: &'static str| {
        report.timings.push((stage, clock.elapsed()));
        clock = Instant::now();
    };
    let fail = |report: &BuildReport, errors: Diagnostics| {
        let mut all = report.warnings.clone();
        all.extend(errors.0);
        Diagnostics(all)
    };

    check_jobs(options)?;
    let _lock = if options.dry_run {
        None
    } else {
        Some(prepare_destination(options, &report.dest, progress)?)
    };

    let book = book::load(&options.root, &mut report.warnings).map_err(|e| fail(&report, e))?;
    let templates = Templates::load(&options.root, book.words()).map_err(|e| fail(&report, e))?;
    report.chapters = book.chapters.len();
    report.language = book.config.language;
    lap(&mut report, "load");

    let blocks = parse_blocks(&book).map_err(|e| fail(&report, e))?;
    report.experiments = blocks.len();
    lap(&mut report, "parse");

    let cache = if options.no_cache {
        Cache::disabled()
    } else {
        Cache::for_book(&options.root)
    };
    let experiments: Vec<&Experiment> = blocks.iter().map(|b| &b.experiment).collect();
    let (results, counts) = match options.jobs {
        Some(threads) => rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| {
                fail(
                    &report,
                    Diagnostics(vec![Diagnostic::error(
                        &options.root,
                        0,
                        format!("cannot start {threads} threads: {e}"),
                    )]),
                )
            })?
            .install(|| run_all(&experiments, &cache, progress)),
        None => run_all(&experiments, &cache, progress),
    };
    (report.runs_trained, report.runs_cached) = (counts.trained, counts.cached);
    report.runs = counts.trained + counts.cached;
    lap(&mut report, "run");

    refused_runs(&book, &blocks, &results).map_err(|e| fail(&report, e))?;
    report.claims = check_claims(&book, &blocks, &results).map_err(|e| fail(&report, e))?;
    lap(&mut report, "claims");

    let mut files = Vec::new();
    let (figure_html, figure_index) =
        draw_figures(&book, &blocks, &results, &mut files).map_err(|e| fail(&report, e))?;
    report.figures = files
        .iter()
        .filter(|f| f.path.extension().is_some_and(|e| e == "svg"))
        .count();
    lap(&mut report, "plot");

    let mut ref_errors = Vec::new();
    let bodies: Vec<RenderedChapter> = book
        .chapters
        .iter()
        .enumerate()
        .map(|(i, chapter)| {
            let file = book.content_dir().join(&chapter.path);
            markdown::render_chapter(
                &chapter.source,
                &file,
                &figure_html[i],
                &|target| figure_index.resolve(&book, i, target),
                book.words(),
                &mut report.warnings,
                &mut ref_errors,
            )
        })
        .collect();
    if !ref_errors.is_empty() {
        return Err(fail(&report, Diagnostics(ref_errors)));
    }
    files.extend(render::render_pages(&book, &bodies, &templates).map_err(|e| fail(&report, e))?);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    report.files = files.len();
    lap(&mut report, "render");

    if !options.dry_run {
        let notes = render::write_site(&report.dest, &files).map_err(|e| {
            fail(
                &report,
                Diagnostics(vec![Diagnostic::error(
                    &report.dest,
                    0,
                    format!("cannot write the site: {e}"),
                )]),
            )
        })?;
        report.warnings.extend(
            notes
                .iter()
                .map(|note| Diagnostic::warning(&report.dest, 0, note)),
        );
    }
    lap(&mut report, "write");
    Ok(report)
}

/// A thread count outside 1..=[`MAX_JOBS`] is refused before anything runs.
fn check_jobs(options: &BuildOptions) -> Result<(), Diagnostics> {
    match options.jobs {
        Some(jobs) if !(1..=MAX_JOBS).contains(&jobs) => Err(Diagnostics(vec![
            Diagnostic::error(
                &options.root,
                0,
                format!("cannot train on {jobs} threads: give 1 to {MAX_JOBS}"),
            )
            .with_hint("leave `-j` out to use every core"),
        ])),
        _ => Ok(()),
    }
}

/// Before a build that writes: refuse a bad destination, take the book's lock
/// (waiting, with word to `progress`, while another build holds it) and heal what an
/// interrupted build left beside the destination. Nothing is touched when this fails.
fn prepare_destination(
    options: &BuildOptions,
    dest: &Path,
    progress: &dyn Progress,
) -> Result<BookLock, Diagnostics> {
    let refuse = |file: &Path, message: String, hint: String| {
        Diagnostics(vec![Diagnostic::error(file, 0, message).with_hint(hint)])
    };
    if let Some((message, hint)) = render::check_destination(&options.root, dest) {
        return Err(refuse(dest, message, hint));
    }
    let lock =
        BookLock::acquire(&options.root, |path| progress.waiting_for_lock(path)).map_err(|e| {
            let path = BookLock::path_for(&options.root);
            refuse(
                &path,
                format!("cannot take the book's build lock: {e}"),
                "the book's directory must be writable".into(),
            )
        })?;
    render::recover(dest).map_err(|e| {
        refuse(
            dest,
            format!("cannot restore the site an interrupted build left beside it: {e}"),
            "check the directory's permissions, or move the `.book.old-*` directory to the destination yourself".into(),
        )
    })?;
    Ok(lock)
}

/// `gradbook clean`: under the book's lock, heal an interrupted build (restoring the last
/// complete site when `dest` is missing), remove the leftovers beside `dest`, and remove the
/// run cache. The site itself stays. Returns notes on what could not be removed.
pub fn clean(root: &Path, dest: &Path) -> std::io::Result<Vec<String>> {
    let _lock = BookLock::acquire(root, |_| {})?;
    let notes = render::recover(dest)?;
    experiment::cache::clean(root)?;
    Ok(notes)
}

/// Every experiment block of every chapter, parsed and validated; all errors, located.
fn parse_blocks(book: &Book) -> Result<Vec<Block>, Diagnostics> {
    let max_cost = book.config.experiments.max_cost;
    let mut blocks = Vec::new();
    let mut errors = Vec::new();
    for (index, chapter) in book.chapters.iter().enumerate() {
        let file = book.content_dir().join(&chapter.path);
        let mut ids: Vec<(String, usize)> = Vec::new();
        for block in markdown::find_experiment_blocks(&chapter.source) {
            match experiment::parse_block(&block.toml) {
                Ok(parsed) => {
                    if let Some((_, first)) = ids.iter().find(|(id, _)| *id == parsed.id) {
                        errors.push(
                            Diagnostic::error(&file, block.first_line, format!("duplicate experiment id `{}`", parsed.id))
                                .with_snippet_from(&chapter.source)
                                .with_hint(format!("ids must be unique within a chapter; `{}` is first used at line {first}", parsed.id)),
                        );
                    }
                    ids.push((parsed.id.clone(), block.first_line));
                    let cost = experiment_cost(&parsed);
                    if cost > max_cost {
                        errors.push(
                            Diagnostic::error(&file, block.first_line, format!(
                                "experiment `{}` asks for {cost:.2e} units of work (parameters × batch × steps, plus data, evaluations and a fixed overhead, summed over its runs), over the limit of {max_cost:.2e}",
                                parsed.id
                            ))
                            .with_snippet_from(&chapter.source)
                            .with_hint("make it smaller (fewer steps, seeds or variants, a narrower net), or raise the limit with `max_cost = …` under [experiments] in content/book.toml"),
                        );
                    }
                    blocks.push(Block {
                        chapter: index,
                        first_line: block.first_line,
                        experiment: parsed,
                        toml: block.toml,
                    });
                }
                Err(problems) => errors.extend(problems.into_iter().map(|p| {
                    let line = block.first_line + p.line.max(1) - 1;
                    let message = match &p.key {
                        Some(key) => format!("experiment block, key `{key}`: {}", p.message),
                        None => format!("experiment block: {}", p.message),
                    };
                    let d = Diagnostic::error(&file, line, message)
                        .with_column(p.column)
                        .with_snippet_from(&chapter.source);
                    match p.hint {
                        Some(hint) => d.with_hint(hint),
                        None => d,
                    }
                })),
            }
        }
    }
    if errors.is_empty() {
        Ok(blocks)
    } else {
        Err(Diagnostics(errors))
    }
}

/// Draw every block's figures into `files` (SVG + CSV) and return, per chapter, the HTML that
/// replaces each of its blocks, in order, and the index of figures that references resolve
/// against. Figures are numbered per chapter: <chapter>.<k>. A block that sweeps two or
/// more keys also gets, per figure, one figure per value of its first swept key
/// (`<id>-<name>-<key>-<value>.svg`), which the page lets the reader switch between.
fn draw_figures(
    book: &Book,
    blocks: &[Block],
    results: &[Results],
    files: &mut Vec<OutputFile>,
) -> Result<(Vec<Vec<String>>, FigureIndex), Diagnostics> {
    let words = book.words();
    let mut errors = Vec::new();
    let mut html: Vec<Vec<String>> = vec![Vec::new(); book.chapters.len()];
    let mut index = FigureIndex::new(book.chapters.len());
    let mut counters = vec![0usize; book.chapters.len()];
    for (block, results) in blocks.iter().zip(results) {
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
            counters[block.chapter] += 1;
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
                "" => counters[block.chapter].to_string(),
                n => format!("{n}.{}", counters[block.chapter]),
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
        index.add(
            block.chapter,
            figure::BlockFigures {
                id: id.clone(),
                figures: views
                    .iter()
                    .map(|v| (v.name.clone(), v.number.clone(), v.caption_title.clone()))
                    .collect(),
            },
        );
        html[block.chapter].push(figure::block_html(
            id,
            block.experiment.caption.as_deref(),
            &views,
            &href(&csv_path),
            &block.toml,
            words,
        ));
    }
    if errors.is_empty() {
        Ok((html, index))
    } else {
        Err(Diagnostics(errors))
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

/// Runs the engine refused (a configuration the spec checks let through) fail the build at
/// their block.
fn refused_runs(book: &Book, blocks: &[Block], results: &[Results]) -> Result<(), Diagnostics> {
    let errors: Vec<Diagnostic> = blocks
        .iter()
        .zip(results)
        .flat_map(|(block, results)| {
            let chapter = &book.chapters[block.chapter];
            let file = book.content_dir().join(&chapter.path);
            results.problems.iter().map(move |problem| {
                Diagnostic::error(
                    &file,
                    block.first_line,
                    format!("experiment `{}`: {problem}", block.experiment.id),
                )
                .with_snippet_from(&chapter.source)
            })
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Diagnostics(errors))
    }
}

/// Check every block's claims against what its runs measured. Returns how many held; a claim
/// that fails, or refers to something the results lack, is an error at the claim's line.
fn check_claims(book: &Book, blocks: &[Block], results: &[Results]) -> Result<usize, Diagnostics> {
    let mut errors = Vec::new();
    let mut held = 0;
    for (block, results) in blocks.iter().zip(results) {
        let chapter = &book.chapters[block.chapter];
        let file = book.content_dir().join(&chapter.path);
        for claim in &block.experiment.claims {
            let line = block.first_line + claim.line - 1;
            let error = |message: String| {
                Diagnostic::error(&file, line, message).with_snippet_from(&chapter.source)
            };
            match claim.check(results) {
                Ok(None) => held += 1,
                Ok(Some(failure)) => errors.push(
                    error(format!("experiment `{}`: {failure}", block.experiment.id)).with_hint(
                        "the prose may be stale: check the figure, then fix the text or the claim",
                    ),
                ),
                Err(problem) => errors.push(error(format!(
                    "experiment `{}`, claim `{}`: {problem}",
                    block.experiment.id, claim.text
                ))),
            }
        }
    }
    if errors.is_empty() {
        Ok(held)
    } else {
        Err(Diagnostics(errors))
    }
}

/// Run the one block `content/<chapter>.md#<id>` (the path as given, relative to the book root
/// or to `content/`), using the cache. For `gradbook run`.
pub fn run_block(
    options: &BuildOptions,
    target: &str,
    progress: &dyn Progress,
) -> Result<(Experiment, Results), Diagnostics> {
    check_jobs(options)?;
    let mut warnings = Vec::new();
    let book = book::load(&options.root, &mut warnings)?;
    let usage = |message: String| {
        Diagnostics(vec![Diagnostic::error(Path::new(target), 0, message)
            .with_hint("write the block as content/<chapter>.md#<id>, e.g. content/what-vanishes.md#sigmoid-vs-relu")])
    };
    let (path, id) = target
        .split_once('#')
        .ok_or_else(|| usage("no `#<id>` after the chapter".into()))?;
    let path = Path::new(path);
    let relative = path.strip_prefix("content").unwrap_or(path);
    let blocks = parse_blocks(&book)?;
    let chapter = book
        .chapters
        .iter()
        .position(|c| c.path == relative)
        .ok_or_else(|| {
            usage(format!(
                "`{}` is not a chapter listed in SUMMARY.md",
                relative.display()
            ))
        })?;
    let block = blocks
        .into_iter()
        .find(|b| b.chapter == chapter && b.experiment.id == id)
        .ok_or_else(|| {
            usage(format!(
                "`{}` has no experiment with id `{id}`",
                relative.display()
            ))
        })?;
    let cache = if options.no_cache {
        Cache::disabled()
    } else {
        Cache::for_book(&options.root)
    };
    let (mut results, _) = run_all(&[&block.experiment], &cache, progress);
    Ok((block.experiment, results.remove(0)))
}
