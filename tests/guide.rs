//! The study guide itself: every chapter of the plan exists and is in SUMMARY.md, each has at
//! least two experiment blocks with claims, and every error of the source articles listed in
//! the plan is corrected where its topic lives, in a "常见误区" box naming the source.

use std::path::Path;

use gradbook::experiment::parse_block;
use gradbook::markdown::find_experiment_blocks;

/// The chapters of the plan, in order (the fifteenth, on Transformers, added by issue 20).
const CHAPTERS: [&str; 16] = [
    "backprop.md",
    "speed-of-learning.md",
    "saturation.md",
    "weight-scale.md",
    "init.md",
    "relu.md",
    "orthogonal.md",
    "mean-field.md",
    "normalization.md",
    "residual.md",
    "transformer.md",
    "exploding.md",
    "optimizers.md",
    "rnn.md",
    "mixed-precision.md",
    "practice.md",
];

/// The marker that opens a common-mistake box.
const MARKER: &str = "> **常见误区**（seeds/";

/// Each error the plan lists: (chapter, source article, a word the correction must contain,
/// whether it must be a box or may be corrected in the prose).
const SEED_ERRORS: [(&str, &str, &str, bool); 23] = [
    ("saturation.md", "000", "压缩", true),
    ("backprop.md", "000", "\\odot", true),
    ("saturation.md", "000", "Xavier", true),
    ("init.md", "000", "sqrt", true),
    ("residual.md", "000", "跳跃连接", true),
    (
        "exploding.md",
        "000",
        "梯度裁剪可以防止梯度爆炸和梯度消失",
        true,
    ),
    ("optimizers.md", "000", "学习率过大", true),
    ("optimizers.md", "000", "Adam", true),
    ("exploding.md", "000", "ReLU", true),
    ("normalization.md", "000", "内部协变量偏移", true),
    ("normalization.md", "001", "批归一化", true),
    ("weight-scale.md", "001", "导数都不大于 1", true),
    ("weight-scale.md", "001", "100", true),
    ("residual.md", "001", "无损", true),
    ("speed-of-learning.md", "001", "加深", true),
    ("mean-field.md", "002", "规模", true),
    ("exploding.md", "002", "权重裁剪", true),
    ("optimizers.md", "002", "代码 4.1", false),
    ("practice.md", "002", "代码 4.2", true),
    ("optimizers.md", "002", "RMSprop", true),
    ("backprop.md", "003", "w_i<1", true),
    ("relu.md", "003", "八分之一", false),
    ("relu.md", "003", "死亡", true),
];

fn content(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("content")
        .join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The text of every common-mistake box of a chapter (a blockquote opening with the marker).
fn boxes(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.starts_with('>')) {
            (None, true) if line.starts_with(MARKER) => current = Some(line.to_string()),
            (Some(quote), true) => quote.push_str(line),
            (Some(_), false) => found.extend(current.take()),
            _ => {}
        }
    }
    found.extend(current);
    found
}

#[test]
fn every_chapter_of_the_plan_is_listed_in_order() {
    let summary = content("SUMMARY.md");
    let positions: Vec<usize> = CHAPTERS
        .iter()
        .map(|chapter| {
            summary
                .find(&format!("]({chapter})"))
                .unwrap_or_else(|| panic!("{chapter} is not in SUMMARY.md"))
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "the chapters follow the plan's order"
    );
}

#[test]
fn every_chapter_has_two_experiments_each_with_claims() {
    for chapter in CHAPTERS {
        let text = content(chapter);
        let blocks = find_experiment_blocks(&text);
        assert!(
            blocks.len() >= 2,
            "{chapter} has {} experiment block(s)",
            blocks.len()
        );
        for block in blocks {
            let experiment = parse_block(&block.toml)
                .unwrap_or_else(|e| panic!("{chapter}:{}: {e:?}", block.first_line));
            assert!(
                !experiment.claims.is_empty(),
                "{chapter}: block `{}` has no expect",
                experiment.id
            );
        }
        assert!(
            text.contains("## 小结") && text.contains("## 练习"),
            "{chapter} ends with a summary and exercises"
        );
    }
}

#[test]
fn every_seed_error_of_the_plan_is_corrected_where_its_topic_lives() {
    for (chapter, seed, word, in_a_box) in SEED_ERRORS {
        let text = content(chapter);
        let corrected = if in_a_box {
            boxes(&text)
                .iter()
                .any(|b| b.starts_with(&format!("{MARKER}{seed}")) && b.contains(word))
        } else {
            text.contains(&format!("seeds/{seed}")) && text.contains(word)
        };
        assert!(
            corrected,
            "{chapter}: no correction of seeds/{seed} mentioning `{word}`"
        );
    }
}

/// The prose a reader reads: the chapter without fenced blocks (code, experiments), display
/// math and HTML comments.
fn prose(text: &str) -> String {
    let mut kept = String::new();
    let mut fence: Option<&str> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        match fence {
            Some(marker) if trimmed.starts_with(marker) => fence = None,
            Some(_) => {}
            None if trimmed.starts_with("```") => fence = Some("```"),
            None if trimmed.starts_with("~~~") => fence = Some("~~~"),
            None => {
                kept.push_str(line);
                kept.push('\n');
            }
        }
    }
    let mut out = String::new();
    let mut rest = kept.as_str();
    // Drop `$$…$$` and `<!-- … -->`, whichever opens first, until neither is left.
    loop {
        let math = rest.find("$$").map(|at| (at, "$$", "$$"));
        let comment = rest.find("<!--").map(|at| (at, "<!--", "-->"));
        let Some((at, open, close)) = [math, comment].into_iter().flatten().min() else {
            out.push_str(rest);
            break;
        };
        out.push_str(&rest[..at]);
        let after = &rest[at + open.len()..];
        rest = after
            .find(close)
            .map_or("", |end| &after[end + close.len()..]);
    }
    out
}

/// Chinese characters (the CJK unified ideographs, with extension A), not punctuation.
fn chinese_characters(text: &str) -> usize {
    text.chars()
        .filter(|c| matches!(*c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}'))
        .count()
}

#[test]
fn prose_counting_skips_code_math_and_comments() {
    let text =
        "中文\n```experiment\n实验\n```\n$$\n公式\n$$\n<!-- 注释 -->文字，。\n~~~\n代码\n~~~\n";
    assert_eq!(chinese_characters(&prose(text)), 4);
}

#[test]
fn every_chapter_has_three_thousand_chinese_characters_of_prose() {
    let thin: Vec<String> = CHAPTERS
        .iter()
        .map(|file| (file, chinese_characters(&prose(&content(file)))))
        .filter(|(_, count)| *count < 3000)
        .map(|(file, count)| format!("{file}: {count}"))
        .collect();
    assert!(
        thin.is_empty(),
        "chapters with fewer than 3,000 Chinese characters of prose (outside code, experiment \
         blocks and display math): {thin:?}"
    );
}
