//! The build pipeline, stage by stage: load the book, parse every experiment block, run the
//! experiments, draw the figures, render the chapters and pages, then write the site through a
//! staging directory. Each stage is timed; every error of a stage is collected before stopping.
//! A build that writes first checks its destination and takes the book's lock, so it never
//! replaces an author's files and never overlaps another build of the same book.
//! The pipeline is `build_with_progress`; the checks of blocks and claims are in
//! `build/blocks.rs`, the figure stage in `build/figures.rs`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::book;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::experiment::cache::Cache;
use crate::experiment::run::{Progress, Silent, cache_key, run_all};
use crate::experiment::{self, Experiment, Results};
use crate::locale::Language;
use crate::lock::BookLock;
use crate::render::{self, Templates};

mod blocks;
mod chapters;
mod figure_cache;
mod figures;
mod margins;
pub mod mdbook;

pub use margins::{ClaimMargin, claim_margins};

use blocks::{Block, check_claims, parse_blocks, refused_runs};
use chapters::render_chapters;
use figure_cache::CachedBlock;
use figures::{ToDraw, draw_figures, first_numbers};

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
            .unwrap_or_else(|| crate::book::default_dest(&options.root)),
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
    // From here on, what is said about a chapter's text names the file it came from.
    let fail = |report: &BuildReport, errors: Diagnostics| {
        let mut relocated = report.clone();
        relocated.warnings = book.relocate(relocated.warnings);
        fail(&relocated, Diagnostics(book.relocate(errors.0)))
    };
    let templates = Templates::load(&options.root, book.words()).map_err(|e| fail(&report, e))?;
    report.chapters = book.chapters.len();
    report.language = book.config.language;
    lap(&mut report, "load");

    let mut files = Vec::new();
    let (figure_html, figure_index) =
        experiment_stages(&book, options, progress, &mut report, &mut lap, &mut files)
            .map_err(|e| fail(&report, e))?;

    let bodies = render_chapters(
        &book,
        &figure_html,
        &figure_index,
        options.no_cache,
        &mut report.warnings,
    )
    .map_err(|e| fail(&report, e))?;
    files.extend(render::render_pages(&book, &bodies, &templates).map_err(|e| fail(&report, e))?);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    if let Some(pair) = files.windows(2).find(|pair| pair[0].path == pair[1].path) {
        let path = book.content_dir().join(&pair[0].path);
        return Err(fail(
            &report,
            Diagnostics(vec![
                Diagnostic::error(
                    &path,
                    0,
                    format!(
                        "`{}` would take the place of a figure of the site",
                        pair[0].path.display()
                    ),
                )
                .with_hint("rename the file: gradbook writes the figures under figures/"),
            ]),
        ));
    }
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
    report.warnings = book.relocate(std::mem::take(&mut report.warnings));
    Ok(report)
}

/// The stages that make figures: parse every block, reuse what the figure cache holds, run
/// the rest, check their claims and draw them into `files`. Returns, per chapter, the HTML
/// that replaces each block, and the index references resolve against. For `build` and for
/// the mdBook preprocessor.
pub(crate) fn experiment_stages(
    book: &book::Book,
    options: &BuildOptions,
    progress: &dyn Progress,
    report: &mut BuildReport,
    lap: &mut dyn FnMut(&mut BuildReport, &'static str),
    files: &mut Vec<render::OutputFile>,
) -> Result<(Vec<Vec<String>>, render::figure::FigureIndex), Diagnostics> {
    let blocks = parse_blocks(book)?;
    report.experiments = blocks.len();
    lap(report, "parse");

    // A block whose figures the figure cache holds needs no run, claim or drawing.
    let figure_cache = figure_cache::for_book(book, options.no_cache);
    let first_numbers = first_numbers(book, &blocks);
    let figure_keys: Vec<String> = blocks
        .par_iter()
        .zip(&first_numbers)
        .map(|(block, &before)| figure_cache::key_of(book, block, before))
        .collect();
    let mut reused: Vec<Option<CachedBlock>> = figure_keys
        .par_iter()
        .map(|key| figure_cache::load(&figure_cache, key))
        .collect();
    let pending: Vec<usize> = (0..blocks.len()).filter(|&i| reused[i].is_none()).collect();
    lap(report, "reuse");

    let cache = if options.no_cache {
        Cache::disabled()
    } else {
        Cache::for_book(&options.root)
    };
    let experiments: Vec<&Experiment> = pending.iter().map(|&i| &blocks[i].experiment).collect();
    let (results, counts) = match options.jobs {
        Some(threads) => rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| {
                Diagnostics(vec![Diagnostic::error(
                    &options.root,
                    0,
                    format!("cannot start {threads} threads: {e}"),
                )])
            })?
            .install(|| run_all(&experiments, &cache, progress)),
        None => run_all(&experiments, &cache, progress),
    };
    report.runs = distinct_runs(&blocks);
    report.runs_trained = counts.trained;
    report.runs_cached = report.runs - counts.trained;
    lap(report, "run");

    let ran: Vec<(&Block, &Results)> = pending.iter().map(|&i| &blocks[i]).zip(&results).collect();
    refused_runs(book, &ran)?;
    let held = check_claims(book, &ran)?;
    let mut claims_held: Vec<usize> = reused
        .iter()
        .map(|r| r.as_ref().map_or(0, |r| r.claims_held))
        .collect();
    for (&i, held) in pending.iter().zip(held) {
        claims_held[i] = held;
    }
    report.claims = claims_held.iter().sum();
    lap(report, "claims");

    let mut ran_results = results.iter();
    let to_draw: Vec<ToDraw> = blocks
        .iter()
        .zip(reused.iter_mut())
        .map(|(block, reused)| match reused.take() {
            Some(cached) => ToDraw::Cached(cached.into_drawing(&block.experiment.id)),
            None => ToDraw::Results(ran_results.next().expect("one result per pending block")),
        })
        .collect();
    let keep = |i: usize, drawing: &figures::BlockDrawing| {
        if let Some(cached) = CachedBlock::of(drawing, claims_held[i]) {
            figure_cache::store(&figure_cache, &figure_keys[i], &cached);
        }
    };
    let (figure_html, figure_index) =
        draw_figures(book, &blocks, &first_numbers, to_draw, &keep, files)?;
    report.figures = files
        .iter()
        .filter(|f| f.path.extension().is_some_and(|e| e == "svg"))
        .count();
    lap(report, "plot");
    Ok((figure_html, figure_index))
}

/// How many distinct runs (normalized spec and seed) the book's blocks ask for.
fn distinct_runs(blocks: &[Block]) -> usize {
    let keys: std::collections::HashSet<String> = blocks
        .iter()
        .flat_map(|b| &b.experiment.runs)
        .flat_map(|run| run.seeds.iter().map(|&seed| cache_key(run, seed)))
        .collect();
    keys.len()
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

/// Run the one block `content/<chapter>.md#<id>` (the path as given, relative to the book root
/// or to the chapters' folder, `content/` or mdBook's `src/`), using the cache. For
/// `gradbook run`.
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
    let source_dir = book.content_dir();
    let source_name = source_dir
        .strip_prefix(&options.root)
        .unwrap_or(&source_dir);
    let relative = path
        .strip_prefix(source_name)
        .or_else(|_| path.strip_prefix(&source_dir))
        .unwrap_or(path);
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
