//! Generators for the LaTeX path: formulas built from the commands and environments the
//! chapters use (and ones pulldown-latex may not know), broken on purpose now and then, and
//! chapter Markdown that carries them in `$…$` and `$$…$$` next to the other constructs.

use proptest::prelude::*;

use super::blocks::{Scale, block};

/// Tokens for mutating formulas and chapters.
pub const WORDS: &[&str] = &[
    "\\",
    "{",
    "}",
    "^",
    "_",
    "&",
    "\\\\",
    "$",
    "$$",
    "\\left(",
    "\\right)",
    "\\frac",
    "\\sqrt",
    "\\begin{cases}",
    "\\end{cases}",
    "\\begin{",
    "\\end{",
    "\\text{",
    "#",
    "%",
    "~",
    "'",
    "\n",
    "\\mathbb",
    "\\operatorname",
    "\\tag{1}",
    "\\limits",
    "\\over",
    "{{#ref ",
    "}}",
    "```",
];

fn atom() -> BoxedStrategy<String> {
    prop::sample::select(
        &[
            "x",
            "y",
            "W",
            "z^l",
            "1",
            "0.25",
            "\\alpha",
            "\\sigma",
            "\\delta",
            "\\nabla",
            "\\partial",
            "\\infty",
            "\\ell",
            "\\theta",
            "\\eta",
            "+",
            "-",
            "=",
            "\\le",
            "\\ge",
            "\\cdot",
            "\\times",
            "\\odot",
            "\\in",
            "\\to",
            "\\sum",
            "\\prod",
            "\\int",
            "\\lim",
            "\\max",
            "\\log",
            "\\|",
            "|",
            "(",
            ")",
            "[",
            "]",
            "\\{",
            "\\}",
            ",",
            "\\quad",
            "\\,",
            "'",
            "\\top",
            "\\ldots",
            "\\approx",
            "\\sim",
            "\\mid",
            "\\notacommand",
            "\\",
            "{",
            "}",
            "^",
            "_",
            "&",
            "\\\\",
            "#",
            "%",
            "~",
            "é",
            "中",
        ][..],
    )
    .prop_map(str::to_string)
    .boxed()
}

/// A formula: atoms under commands, scripts and environments, nested a few levels.
pub fn formula() -> BoxedStrategy<String> {
    atom()
        .prop_recursive(4, 40, 3, |inner| {
            let two = (inner.clone(), inner.clone());
            prop_oneof![
                2 => prop::collection::vec(inner.clone(), 1..5).prop_map(|v| v.join(" ")),
                1 => inner.clone().prop_map(|a| format!("{{{a}}}")),
                2 => (inner.clone(), prop::sample::select(&["^", "_", "^{", "_{"][..]), inner.clone())
                    .prop_map(|(a, s, b)| if s.ends_with('{') { format!("{a}{s}{b}}}") } else { format!("{a}{s}{b}") }),
                1 => two.clone().prop_map(|(a, b)| format!("\\frac{{{a}}}{{{b}}}")),
                1 => two.clone().prop_map(|(a, b)| format!("\\binom{{{a}}}{{{b}}}")),
                1 => inner.clone().prop_map(|a| format!("\\sqrt{{{a}}}")),
                1 => two.clone().prop_map(|(n, a)| format!("\\sqrt[{n}]{{{a}}}")),
                1 => (prop::sample::select(&["(", "[", "\\{", ".", "|", "\\|", "\\langle"][..]), inner.clone(), prop::sample::select(&[")", "]", "\\}", ".", "|", "\\|", "\\rangle"][..]))
                    .prop_map(|(l, a, r)| format!("\\left{l} {a} \\right{r}")),
                1 => (prop::sample::select(&["mathbb", "mathrm", "mathcal", "mathbf", "boldsymbol", "operatorname", "text", "hat", "bar", "overline", "tilde", "vec", "underbrace", "color{red}", "tag"][..]), inner.clone())
                    .prop_map(|(c, a)| format!("\\{c}{{{a}}}")),
                1 => (prop::sample::select(&["cases", "pmatrix", "bmatrix", "matrix", "aligned", "array", "align", "nosuchenv"][..]), prop::collection::vec(two, 1..4))
                    .prop_map(|(env, rows)| {
                        let body: Vec<String> = rows.iter().map(|(a, b)| format!("{a} & {b}")).collect();
                        format!("\\begin{{{env}}} {} \\end{{{env}}}", body.join(" \\\\ "))
                    }),
                1 => inner.prop_map(|a| a.chars().rev().collect()),
            ]
        })
        .boxed()
}

fn paragraph() -> BoxedStrategy<String> {
    let word = prop_oneof![
        4 => prop::sample::select(&["梯度", "vanishing", "the", "*em*", "**strong**", "`code`", "[link](b.md#x)", "[ext](https://e.org)", "<span>", "&amp;", "\\$", "{{#ref e-loss}}", "{{#ref nowhere}}", "{{#ref", "[^1]", "~~x~~"][..])
            .prop_map(str::to_string),
        3 => formula().prop_map(|f| format!("${f}$")),
        1 => formula().prop_map(|f| format!("$${f}$$")),
        1 => Just("$".to_string()),
    ];
    prop::collection::vec(word, 1..10)
        .prop_map(|w| w.join(" "))
        .boxed()
}

/// A chapter: headings, paragraphs with math, display math, code, tables, experiment blocks.
pub fn chapter() -> BoxedStrategy<String> {
    let part = prop_oneof![
        6 => paragraph(),
        2 => (1usize..7, paragraph(), prop::option::of("[a-z]{1,5}"))
            .prop_map(|(n, t, id)| format!("{} {t}{}", "#".repeat(n), id.map(|i| format!(" {{#{i}}}")).unwrap_or_default())),
        2 => formula().prop_map(|f| format!("$$\n{f}\n$$")),
        1 => formula().prop_map(|f| format!("```rust\nlet x = \"${f}$\";\n```")),
        1 => block(Scale::Parse).prop_map(|b| format!("```experiment\n{b}```")),
        1 => paragraph().prop_map(|p| format!("> {p}\n>\n> $x$")),
        1 => paragraph().prop_map(|p| format!("- {p}\n  - $a_1$\n\n1. two")),
        1 => paragraph().prop_map(|p| format!("| a | $b$ |\n|---|---|\n| {p} | 1 |")),
        1 => Just("[^1]: a footnote with $x^2$".to_string()),
        1 => Just("```experiment\nid = \"unclosed\"".to_string()),
    ];
    (
        prop::collection::vec(part, 0..8),
        prop::sample::select(&["\n\n", "\n", "\r\n\r\n"][..]),
    )
        .prop_map(|(parts, gap)| parts.join(gap))
        .boxed()
}
