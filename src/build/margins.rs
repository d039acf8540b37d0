//! `gradbook check --margins`: every claim of the book with how far it is from failing (see
//! `experiment::claims::margin`), so a bound set 6× away from what was measured shows up.
//! The runs come from the run cache (trained where missing); claims are checked as in a build.

use std::path::PathBuf;

use super::blocks::{check_claims, parse_blocks, refused_runs};
use super::{BuildOptions, check_jobs};
use crate::book;
use crate::diagnostic::Diagnostics;
use crate::experiment::Results;
use crate::experiment::cache::Cache;
use crate::experiment::claims::margin;
use crate::experiment::run::{Progress, run_all};

/// One claim and its margin.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimMargin {
    pub file: PathBuf,
    /// The claim's line in the chapter.
    pub line: usize,
    pub block: String,
    pub claim: String,
    /// The factor the measured side may move by before the claim fails; `None` for a claim
    /// without a comparison (`diverged`, `==`).
    pub margin: Option<f64>,
}

/// Every claim's margin, in book order. Fails as a build does when a claim does not hold.
pub fn claim_margins(
    options: &BuildOptions,
    progress: &dyn Progress,
) -> Result<Vec<ClaimMargin>, Diagnostics> {
    check_jobs(options)?;
    let book = book::load(&options.root, &mut Vec::new())?;
    let blocks = parse_blocks(&book).map_err(|e| Diagnostics(book.relocate(e.0)))?;
    let cache = if options.no_cache {
        Cache::disabled()
    } else {
        Cache::for_book(&options.root)
    };
    let experiments: Vec<_> = blocks.iter().map(|b| &b.experiment).collect();
    let (results, _) = run_all(&experiments, &cache, progress);
    let ran: Vec<(&_, &Results)> = blocks.iter().zip(&results).collect();
    refused_runs(&book, &ran)?;
    check_claims(&book, &ran).map_err(|e| Diagnostics(book.relocate(e.0)))?;
    let mut margins = Vec::new();
    for (block, results) in &ran {
        let chapter = &book.chapters[block.chapter];
        for claim in &block.experiment.claims {
            let located = book.relocate(vec![crate::diagnostic::Diagnostic::warning(
                &book.content_dir().join(&chapter.path),
                block.first_line + claim.line - 1,
                "",
            )]);
            margins.push(ClaimMargin {
                file: located[0].file.clone(),
                line: located[0].line,
                block: block.experiment.id.clone(),
                claim: claim.text.clone(),
                margin: margin(&claim.syntax, results).ok().flatten(),
            });
        }
    }
    Ok(margins)
}
