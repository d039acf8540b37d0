//! The build's checks of experiment blocks: every block of every chapter parsed and
//! validated (duplicate ids, the work limit), runs the engine refused, and claims checked
//! against what the runs measured; every error located at its chapter line.

use rayon::prelude::*;

use crate::book::Book;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::experiment::run::experiment_cost;
use crate::experiment::{self, Experiment, Results};
use crate::markdown;

/// An experiment block of a chapter, parsed, with where it came from.
pub(super) struct Block {
    pub(super) chapter: usize,
    /// Line of the block's first TOML line in the chapter file.
    pub(super) first_line: usize,
    pub(super) experiment: Experiment,
    pub(super) toml: String,
}

/// Every experiment block of every chapter, parsed and validated; all errors, located.
pub(super) fn parse_blocks(book: &Book) -> Result<Vec<Block>, Diagnostics> {
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

/// Runs the engine refused (a configuration the spec checks let through) fail the build at
/// their block.
pub(super) fn refused_runs(book: &Book, ran: &[(&Block, &Results)]) -> Result<(), Diagnostics> {
    let errors: Vec<Diagnostic> = ran
        .iter()
        .flat_map(|&(block, results)| {
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

/// Check each block's claims against what its runs measured. Returns how many held, per
/// block; a claim that fails, or refers to something the results lack, is an error at the
/// claim's line.
pub(super) fn check_claims(
    book: &Book,
    ran: &[(&Block, &Results)],
) -> Result<Vec<usize>, Diagnostics> {
    // Blocks in parallel (claims over many seeds take quantiles of long series); their
    // verdicts are gathered in block order.
    let verdicts: Vec<(usize, Vec<Diagnostic>)> = ran
        .par_iter()
        .map(|&(block, results)| claims_of_block(book, block, results))
        .collect();
    let held = verdicts.iter().map(|(held, _)| *held).collect();
    let errors: Vec<Diagnostic> = verdicts.into_iter().flat_map(|(_, e)| e).collect();
    if errors.is_empty() {
        Ok(held)
    } else {
        Err(Diagnostics(errors))
    }
}

/// How many of one block's claims held, and an error for each that did not.
fn claims_of_block(book: &Book, block: &Block, results: &Results) -> (usize, Vec<Diagnostic>) {
    let chapter = &book.chapters[block.chapter];
    let file = book.content_dir().join(&chapter.path);
    let (mut held, mut errors) = (0, Vec::new());
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
    (held, errors)
}
