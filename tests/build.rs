//! Building fixture books end to end: order, figures, data, math, errors, atomicity,
//! determinism.

mod common;

use common::{SMALL_BLOCK, TestBook, snapshot};

fn position(haystack: &str, needle: &str) -> usize {
    haystack
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not found"))
}

#[test]
fn chapter_order_follows_summary() {
    let book = TestBook::new()
        .chapter("zeta.md", "# 第一章\n\n先读我。\n")
        .chapter("alpha.md", "# 第二章\n\n再读我。\n")
        .chapter("mid.md", "# 第三章\n\n最后。\n");
    let report = book.build().unwrap();
    assert_eq!(report.chapters, 3);

    let index = book.read("index.html");
    assert!(
        index.contains("先读我"),
        "index.html is the first chapter of SUMMARY.md"
    );
    assert!(index.contains("<html lang=\"zh-CN\">"));
    // The table of contents is written once, for every page, in SUMMARY's order.
    for toc in [book.read("toc.js"), book.read("toc.html")] {
        assert!(position(&toc, "第一章") < position(&toc, "第二章"));
        assert!(position(&toc, "第二章") < position(&toc, "第三章"));
        assert!(position(&toc, "zeta.html") < position(&toc, "alpha.html"));
    }
    assert!(!index.contains("第三章"), "no page carries the whole list");

    let alpha = book.read("alpha.html");
    assert!(alpha.contains("rel=\"prev\" href=\"zeta.html\""), "{alpha}");
    assert!(alpha.contains("rel=\"next\" href=\"mid.html\""));
    assert!(
        alpha.contains("data-current=\"alpha.html\""),
        "toc.js marks the page's chapter"
    );
    assert!(
        index.contains("data-current=\"zeta.html\""),
        "index.html is the first chapter"
    );
}

#[test]
fn nested_chapters_link_relatively() {
    let book = TestBook::new()
        .chapter("a.md", "# A\n")
        .chapter("part/b.md", "# B\n\n[回到 A](../a.html)\n");
    book.build().unwrap();
    let b = book.read("part/b.html");
    assert!(b.contains("href=\"../gradbook.css\""));
    assert!(b.contains("rel=\"prev\" href=\"../a.html\""));
    assert!(
        !b.contains("href=\"/"),
        "no site-absolute links: the book must work from file:// and a Pages subpath"
    );
}

#[test]
fn figures_svg_and_tidy_csv_are_written_and_linked() {
    let book = TestBook::new().chapter("ch.md", &format!("# 章\n\n{SMALL_BLOCK}\n"));
    let report = book.build().unwrap();
    assert_eq!((report.experiments, report.runs, report.figures), (1, 2, 2));

    for kind in ["grad_norm_by_layer", "loss"] {
        let svg = book.read(&format!("figures/ch/small-{kind}.svg"));
        assert!(svg.contains("<svg") && svg.contains("<title>"), "{kind}");
    }
    let csv = book.read("figures/ch/small.csv");
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("run,seed,step,layer,metric,value"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let grad: Vec<_> = rows.iter().filter(|r| r[4] == "grad_norm").collect();
    // 2 runs × steps {0, 4, 8, 11} × 5 weight layers, each (run, step, layer) once.
    assert_eq!(grad.len(), 2 * 4 * 5);
    let mut keys: Vec<(&str, &str, &str, &str)> =
        grad.iter().map(|r| (r[0], r[1], r[2], r[3])).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), grad.len(), "one row per (run, step, layer)");
    assert!(
        rows.iter()
            .filter(|r| r[4] == "loss")
            .all(|r| r[3].is_empty()),
        "loss has an empty layer"
    );

    let page = book.read("ch.html");
    assert!(page.contains("href=\"figures/ch/small.csv\" download>下载数据 (CSV)</a>"));
    assert!(page.contains("<svg"), "figures are inlined");
    assert!(page.contains("图 1.1") && page.contains("图 1.2"));
    assert!(page.contains("<details class=\"experiment-spec\">"));
}

#[test]
fn math_becomes_mathml() {
    let book = TestBook::new().chapter("m.md", "# 数学\n\n行内 $\\sigma'(z) \\le \\frac14$。\n\n$$\n\\prod_{l=1}^{L} w_l \\sigma'(z_l)\n$$\n");
    let report = book.build().unwrap();
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let page = book.read("m.html");
    assert!(page.contains("<math"), "{page}");
    assert!(page.contains("<mfrac>"));
    assert!(page.contains("display=\"block\""));
}

#[test]
fn a_formula_that_cannot_convert_is_a_warning_with_file_and_line() {
    let book = TestBook::new().chapter(
        "m.md",
        "# 数学\n\n好的 $x$。\n\n坏的 $\\nosuchcommand{x}$。\n",
    );
    let report = book.build().unwrap();
    assert_eq!(report.warnings.len(), 1);
    let shown = report.warnings[0].to_string();
    assert!(shown.contains("m.md:5"), "{shown}");
    assert!(book.read("m.html").contains("<code class=\"math-error\">"));
}

#[test]
fn unknown_key_fails_with_file_line_and_key_and_exit_code() {
    let block = SMALL_BLOCK.replace("batch = 32", "batch = 32, momentun = 0.9");
    let book = TestBook::new().chapter("bad.md", &format!("# 坏块\n\n一些文字。\n\n{block}\n"));
    let output = book.run_cli(&["build"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad.md:10"),
        "file and line of the key:\n{stderr}"
    );
    assert!(stderr.contains("momentun"), "the key:\n{stderr}");
    assert!(!book.out().exists(), "nothing written");
}

#[test]
fn impossible_values_are_located_errors() {
    let block = SMALL_BLOCK
        .replace("depth = 4", "depth = 0")
        .replace("lr = 0.1", "lr = -0.1");
    let book = TestBook::new().chapter("bad.md", &format!("# 坏值\n\n{block}\n"));
    let errors = book.build().unwrap_err();
    let shown = errors.to_string();
    assert!(
        shown.contains("model.depth") && shown.contains("bad.md:7"),
        "{shown}"
    );
    assert!(
        shown.contains("train.lr") && shown.contains("bad.md:8"),
        "{shown}"
    );
}

#[test]
fn a_failed_build_leaves_the_previous_site_byte_for_byte() {
    let book = TestBook::new().chapter("ch.md", &format!("# 章\n\n{SMALL_BLOCK}\n"));
    book.build().unwrap();
    let before = snapshot(&book.out());
    assert!(before.len() > 5);

    let broken = book.file(
        "content/ch.md",
        &format!(
            "# 章\n\n{}\n",
            SMALL_BLOCK.replace("width = 8", "width = \"wide\"")
        ),
    );
    assert!(broken.build().is_err());
    assert_eq!(snapshot(&broken.out()), before);
}

#[test]
fn missing_chapter_is_an_error_naming_summary_and_line() {
    let book = TestBook::new().chapter("a.md", "# A\n").file(
        "content/SUMMARY.md",
        "# Summary\n\n- [A](a.md)\n- [B](missing.md)\n",
    );
    let shown = book.build().unwrap_err().to_string();
    assert!(shown.contains("SUMMARY.md:4"), "{shown}");
    assert!(shown.contains("missing.md"), "{shown}");
}

#[test]
fn unlisted_chapter_is_a_warning() {
    let book = TestBook::new()
        .chapter("a.md", "# A\n")
        .file("content/orphan.md", "# 孤儿\n");
    let report = book.build().unwrap();
    assert_eq!(report.warnings.len(), 1);
    assert!(report.warnings[0].to_string().contains("orphan.md"));
}

#[test]
fn two_builds_are_byte_identical() {
    let book = TestBook::new()
        .chapter("ch.md", &format!("# 章\n\n$a^2$\n\n{SMALL_BLOCK}\n"))
        .chapter("two.md", "# 二\n");
    let first = book.root().join("first");
    let second = book.root().join("second");
    book.build_to(&first).unwrap();
    book.build_to(&second).unwrap();
    let (a, b) = (snapshot(&first), snapshot(&second));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(
            bytes == &b[path],
            "{} differs between builds",
            path.display()
        );
    }
}
