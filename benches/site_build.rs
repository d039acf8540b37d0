//! Time of whole builds (issue 21), the site stage above all:
//! - `site_build/prose_200_cold`: the generated 200-chapter prose book (`prose_book`), built
//!   from nothing, no cache, into a fresh directory: what mdBook does on every build;
//! - `site_build/prose_200_prose_edit`: the same book, one chapter's line changed before each
//!   build, with the cache of the builds before;
//! - `site_build/our_book_prose_edit`: this repository's book (its `content/` and `templates/`
//!   copied, trained once before timing), one chapter's line changed before each build.
//!
//! `cargo bench --bench site_build` runs them; `GRADBOOK_WRITE_BOOK=<dir> cargo bench --bench
//! site_build` only writes the 200-chapter book (for `scripts/bench_mdbook.sh`) and stops.

mod prose_book;

use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, SamplingMode};
use gradbook::build::{BuildOptions, build};

/// Copy the directory `from` to `to`, recursively.
fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Append to the chapter `file`, alternating two endings, so every build sees an edit.
fn edit(file: &Path, round: &mut u64) {
    let text = std::fs::read_to_string(file).unwrap();
    let text = text.trim_end_matches(['\n', '甲', '乙']).to_string();
    *round += 1;
    let ending = if round.is_multiple_of(2) {
        "甲"
    } else {
        "乙"
    };
    std::fs::write(file, format!("{text}{ending}\n")).unwrap();
}

fn site_build(c: &mut Criterion) {
    let mut group = c.benchmark_group("site_build");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));

    let prose = tempfile::tempdir().unwrap();
    prose_book::write_book(prose.path());
    let root = prose.path().join("gradbook");
    group.bench_function("prose_200_cold", |b| {
        b.iter(|| {
            let dest = tempfile::tempdir().unwrap();
            let options = BuildOptions {
                dest: Some(dest.path().join("book")),
                no_cache: true,
                ..BuildOptions::new(&root)
            };
            build(&options).expect("the prose book builds")
        })
    });
    build(&BuildOptions::new(&root)).expect("the prose book builds");
    let chapter = root.join("content/part-07/section-03.md");
    let mut round = 0;
    group.bench_function("prose_200_prose_edit", |b| {
        b.iter(|| {
            edit(&chapter, &mut round);
            build(&BuildOptions::new(&root)).expect("the prose book builds")
        })
    });

    let ours = tempfile::tempdir().unwrap();
    let repository = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in ["content", "templates"] {
        copy_dir(&repository.join(dir), &ours.path().join(dir));
    }
    build(&BuildOptions::new(ours.path())).expect("the book builds");
    let chapter = ours.path().join("content/init.md");
    group.bench_function("our_book_prose_edit", |b| {
        b.iter(|| {
            edit(&chapter, &mut round);
            build(&BuildOptions::new(ours.path())).expect("the book builds")
        })
    });
    group.finish();
}

fn main() {
    if let Some(dir) = std::env::var_os("GRADBOOK_WRITE_BOOK") {
        prose_book::write_book(Path::new(&dir));
        return;
    }
    let mut criterion = Criterion::default().configure_from_args();
    site_build(&mut criterion);
    criterion.final_summary();
}
