//! Figures in the page: `{{#ref …}}` references become numbered links (an unknown one stops
//! the build at its file and line), a figure drawn with another metric says so, and a block
//! that sweeps two keys gets explorable figures: one SVG per value of the first key, radio
//! buttons, and every variant in the HTML so that it is reachable without scripts.

mod common;

use std::time::Duration;

use common::webdriver::Browser;
use common::{SMALL_BLOCK, TestBook};

/// Two swept keys: depth (first) × activation.
const GRID_BLOCK: &str = r#"```experiment
id = "grid"
title = "深度与激活"
caption = "四个组合。"
data = { name = "spirals", samples = 96, noise = 0.1 }
model = { depth = 2, width = 6, activation = "sigmoid", init = "he_normal" }
train = { lr = 0.1, steps = 6, batch = 32, seed = 3, record_every = 3 }
sweep = { "model.depth" = [2, 4], "model.activation" = ["sigmoid", "relu"] }
plot = ["grad_norm_by_layer", "loss"]
```"#;

fn grid_book() -> TestBook {
    TestBook::new()
        .chapter("intro.md", "# 引言\n\n见 {{#ref grids.md#grid:loss}}。\n")
        .chapter(
            "grids.md",
            &format!("# 网格\n\n如 {{{{#ref grid}}}} 所示。\n\n{GRID_BLOCK}\n"),
        )
}

#[test]
fn a_reference_becomes_a_link_with_the_figure_number() {
    let book = TestBook::new()
        .chapter("a.md", "# 甲\n")
        .chapter(
            "ch.md",
            &format!(
                "# 章\n\n先看{{{{#ref small}}}}，再看 {{{{#ref small:loss}}}}。\n\n代码里不算：`{{{{#ref nope}}}}`，转义也不算：\\{{{{#ref nope}}}}。\n\n```text\n{{{{#ref nope}}}}\n```\n\n{SMALL_BLOCK}\n\n## {{{{#ref small}}}} 的含义\n"
            ),
        )
        .chapter("b.md", "# 乙\n\n回看 {{#ref ch.md#small}}。\n");
    let report = book.build().unwrap_or_else(|e| panic!("{e}"));
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let page = book.read("ch.html");
    assert!(
        page.contains("先看<a href=\"#fig-small-grad_norm_by_layer\" title=\"小实验：各层梯度范数\">图 2.1</a>，"),
        "{page}"
    );
    assert!(page.contains("<a href=\"#fig-small-loss\" title=\"小实验：训练损失\">图 2.2</a>"));
    assert!(
        page.contains("<code>{{#ref nope}}</code>"),
        "code spans stay"
    );
    assert!(
        page.contains("转义也不算：{{#ref nope}}"),
        "an escaped reference stays"
    );
    assert!(
        page.contains("{{#ref nope}}\n</code></pre>"),
        "code blocks stay"
    );
    assert!(
        page.contains("<h2 id=\"图-21-的含义\"><a href=\"#fig-small-grad_norm_by_layer\""),
        "{page}"
    );
    let other = book.read("b.html");
    assert!(
        other.contains("<a href=\"ch.html#fig-small-grad_norm_by_layer\" title=\"小实验：各层梯度范数\">图 2.1</a>"),
        "{other}"
    );
}

#[test]
fn an_unknown_reference_fails_with_file_line_and_the_known_ids() {
    let book = TestBook::new().chapter(
        "ch.md",
        &format!("# 章\n\n{SMALL_BLOCK}\n\n一段文字。\n另一行见 {{{{#ref smal}}}}。\n"),
    );
    let errors = book
        .build()
        .expect_err("an unknown reference stops the build");
    let shown = errors.to_string();
    // The heading, a blank line, the block, a blank line, a line of text, then the reference.
    let line = 2 + SMALL_BLOCK.lines().count() + 3;
    assert!(shown.contains(&format!("ch.md:{line}")), "{shown}");
    assert!(
        shown.contains("smal") && shown.contains("`small`"),
        "{shown}"
    );
    assert!(!book.out().exists(), "nothing is written");

    let book = TestBook::new()
        .chapter(
            "ch.md",
            &format!("# 章\n\n{SMALL_BLOCK}\n\n{{{{#ref small:grad_flow}}}}\n"),
        )
        .chapter(
            "x.md",
            "# X\n\n{{#ref nowhere.md#small}} 与 {{#ref ch.md#other}}\n",
        );
    let shown = book.build().expect_err("unknown figures").to_string();
    assert!(
        shown.contains("draws no `grad_flow`") && shown.contains("`grad_norm_by_layer`, `loss`"),
        "{shown}"
    );
    assert!(
        shown.contains("x.md:3") && shown.contains("not a chapter"),
        "{shown}"
    );
    assert!(
        shown.contains("no experiment `other` in `ch.md`"),
        "{shown}"
    );
}

#[test]
fn a_figure_of_another_metric_says_so_and_has_its_own_anchor() {
    let block = SMALL_BLOCK.replace(
        "plot = [\"grad_norm_by_layer\", \"loss\"]",
        "plot = [\"grad_norm_by_layer\", { kind = \"grad_norm_by_layer\", metric = \"delta\" }]",
    );
    let book = TestBook::new().chapter(
        "ch.md",
        &format!("# 章\n\n{block}\n\n见 {{{{#ref small:grad_norm_by_layer-2}}}}。\n"),
    );
    book.build().unwrap_or_else(|e| panic!("{e}"));
    let page = book.read("ch.html");
    assert!(page.contains("id=\"fig-small-grad_norm_by_layer\""));
    assert!(page.contains("id=\"fig-small-grad_norm_by_layer-2\""));
    assert!(page.contains("小实验：各层梯度范数。"), "{page}");
    assert!(page.contains("小实验：各层误差信号 δ 的范数。"), "{page}");
    assert!(page.contains("<a href=\"#fig-small-grad_norm_by_layer-2\" title=\"小实验：各层误差信号 δ 的范数\">图 1.2</a>"));
}

#[test]
fn a_two_key_sweep_gets_per_value_figures_and_controls_reachable_without_scripts() {
    let book = grid_book();
    let report = book.build().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.runs, 4);
    // All-runs figures plus one per depth, per figure kind.
    assert_eq!(report.figures, 2 * 3);
    for kind in ["grad_norm_by_layer", "loss"] {
        for depth in ["2", "4"] {
            let svg = book.read(&format!("figures/grids/grid-{kind}-depth-{depth}.svg"));
            assert!(
                svg.contains(&format!("（depth = {depth}）")),
                "{kind} {depth}"
            );
            // Only that depth's runs are drawn.
            assert!(
                svg.contains(&format!("depth={depth}, activation=relu")),
                "{svg}"
            );
            let other = if depth == "2" { "4" } else { "2" };
            assert!(!svg.contains(&format!("depth={other}, ")), "{svg}");
        }
    }
    let page = book.read("grids.html");
    assert!(
        page.contains("如 <a href=\"#fig-grid-grad_norm_by_layer\""),
        "{page}"
    );
    assert!(page.contains("<figure class=\"experiment-figure explorable\" id=\"fig-grid-loss\">"));
    assert!(page.contains("<fieldset class=\"variant-picker\"><legend>按 depth 查看</legend>"));
    assert!(page.contains(
        "<input type=\"radio\" name=\"pick-fig-grid-loss\" value=\"all\" checked> 全部运行"
    ));
    assert!(
        page.contains("<input type=\"radio\" name=\"pick-fig-grid-loss\" value=\"4\"> depth = 4")
    );
    for depth in ["2", "4"] {
        let div = format!(
            "<div class=\"plot variant\" data-variant=\"{depth}\" id=\"fig-grid-loss-{depth}\"><p class=\"variant-heading\">depth = {depth} <a href=\"figures/grids/grid-loss-depth-{depth}.svg\">SVG</a></p><svg"
        );
        assert!(page.contains(&div), "{depth}: {page}");
    }
    // Without scripts nothing is hidden: no `hidden` attribute, and the stylesheet hides
    // variants only under `.js` (the class the page's first script sets).
    assert!(
        !page.contains(" hidden>") || page.matches(" hidden>").count() == 1,
        "only the search results box is hidden"
    );
    let css = book.read("gradbook.css");
    assert!(css.contains(".js .explorable .variant { display: none; }"));
    assert!(css.contains(".variant-picker { display: none; }"));
    assert!(!css.contains("\n.explorable .variant { display: none"));
    assert!(book.read("intro.html").contains(
        "<a href=\"grids.html#fig-grid-loss\" title=\"深度与激活：训练损失\">图 2.2</a>"
    ));
    // One sweep key: no explorer.
    let single = TestBook::new().chapter("ch.md", &format!("# 章\n\n{SMALL_BLOCK}\n"));
    single.build().unwrap();
    assert!(!single.read("ch.html").contains("variant-picker"));
}

#[test]
fn in_a_browser_a_radio_button_shows_its_variant() {
    let Some(browser) = Browser::start(1000, 900) else {
        return;
    };
    let book = grid_book();
    book.build().unwrap_or_else(|e| panic!("{e}"));
    let url = format!("file://{}", book.out().join("grids.html").display());
    browser.goto(&url);
    let shown = |variant: &str| {
        browser.is_displayed(&browser.find(&format!(
            "#fig-grid-loss .variant[data-variant=\"{variant}\"]"
        )))
    };
    assert!(shown("all") && !shown("2") && !shown("4"), "all runs first");
    assert!(browser.is_displayed(&browser.find("#fig-grid-loss .variant-picker")));
    browser.click(&browser.find("#fig-grid-loss input[value=\"4\"]"));
    assert!(
        browser.wait_for(
            "return getComputedStyle(document.querySelector('#fig-grid-loss [data-variant=\"4\"]')).display === 'block'",
            Duration::from_secs(5)
        )
    );
    assert!(!shown("all") && !shown("2") && shown("4"));
    assert!(
        browser.is_displayed(
            &browser.find("#fig-grid-grad_norm_by_layer .variant[data-variant=\"all\"]")
        ),
        "the other figure keeps its own choice"
    );
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    browser.eval("document.getElementById('fig-grid-loss').scrollIntoView(); return 0");
    browser.screenshot(&dir.join("explorable-depth-4.png"));
    // A link to a variant's anchor chooses it.
    browser.goto(&format!("{url}#fig-grid-loss-2"));
    browser.refresh();
    assert!(browser.wait_for(
        "return getComputedStyle(document.querySelector('#fig-grid-loss [data-variant=\"2\"]')).display === 'block'",
        Duration::from_secs(5)
    ));
    // Scripts off (no `js` class): every variant is shown, stacked, and the controls are not.
    browser.eval("document.documentElement.classList.remove('js'); return 0");
    assert!(shown("all") && shown("2") && shown("4"));
    assert!(!browser.is_displayed(&browser.find("#fig-grid-loss .variant-picker")));
    browser.eval("document.getElementById('fig-grid-loss').scrollIntoView(); return 0");
    browser.screenshot(&dir.join("explorable-no-js.png"));
}
