//! Figures in another language: the English words reach every kind, and nothing of the
//! Chinese table is left (the other tests check our book's Chinese words).

use super::fixture;
use super::*;
use crate::locale::Language;

/// The gallery with its runs renamed `run1`, `run2`, … (its labels are Chinese, as an
/// author of our book would write them). A run's rows, histograms and grids are its own, so
/// renaming the run renames them all.
fn gallery_with_ascii_labels() -> Results {
    let mut results = fixture::gallery();
    for (i, run) in results.runs.iter_mut().enumerate() {
        run.label = format!("run{}", i + 1);
    }
    results
}

#[test]
fn english_figures_have_no_chinese_character() {
    let results = gallery_with_ascii_labels();
    let en = Language::En.words();
    for kind in PlotKind::ALL {
        let svg = render(&PlotSpec::new(kind), &results, "t", en).unwrap();
        let chinese: String = svg
            .chars()
            .filter(|c| {
                ('\u{3000}'..='\u{9fff}').contains(c) || ('\u{ff00}'..='\u{ffef}').contains(c)
            })
            .collect();
        assert!(chinese.is_empty(), "{kind}: {chinese}");
        assert!(
            svg.contains("; runs: run1, run2"),
            "{kind}: an English <desc>"
        );
        let axes = [
            "Training step",
            "Layer",
            "Time steps back",
            "Class 0",
            "Rank of the singular value",
        ];
        assert!(axes.iter().any(|w| svg.contains(w)), "{kind}: {svg}");
    }
    let empty = render(&PlotSpec::new(PlotKind::Loss), &Results::default(), "t", en);
    assert!(empty.unwrap().contains("(no data to draw)"));
}
