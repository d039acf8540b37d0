//! Tests of `include.rs`: every directive form, escapes, line mapping and every error, against
//! an in-memory file system.

use std::collections::HashMap;

use super::*;

const CHAPTER: &str = "/book/src/ch.md";

/// A `read` over an in-memory map of absolute paths to contents.
fn disk(files: &[(&str, &str)]) -> impl Fn(&Path) -> io::Result<String> + use<> {
    let map: HashMap<PathBuf, String> = files
        .iter()
        .map(|(p, c)| (PathBuf::from(p), c.to_string()))
        .collect();
    move |p: &Path| {
        map.get(p)
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "not found"))
    }
}

fn expand_ok(text: &str, files: &[(&str, &str)]) -> Expanded {
    match expand(text, Path::new(CHAPTER), &disk(files)) {
        Ok(expanded) => expanded,
        Err(errors) => panic!("unexpected errors: {errors:#?}"),
    }
}

fn expand_err(text: &str, files: &[(&str, &str)]) -> Vec<IncludeError> {
    match expand(text, Path::new(CHAPTER), &disk(files)) {
        Ok(expanded) => panic!("expected errors, got {:?}", expanded.text),
        Err(errors) => errors,
    }
}

/// `locate` of every line of the expanded text, as (path, line).
fn origins(e: &Expanded) -> Vec<(String, usize)> {
    let lines = e.text.lines().count();
    (1..=lines)
        .map(|l| e.locate(l))
        .map(|(p, l)| (p.display().to_string(), l))
        .collect()
}

fn at(path: &str, lines: &[usize]) -> Vec<(String, usize)> {
    lines.iter().map(|&l| (path.to_string(), l)).collect()
}

/// (line, column) of each error, with its file.
fn places(errors: &[IncludeError]) -> Vec<(String, usize, usize)> {
    errors
        .iter()
        .map(|e| (e.file.display().to_string(), e.line, e.column))
        .collect()
}

const FOUR: (&str, &str) = ("/book/src/four.txt", "l1\nl2\nl3\nl4\n");

#[test]
fn text_without_directives_comes_back_identical_with_identity_mapping() {
    for text in [
        "",
        "plain { text }\n中文 }}\n",
        "a {{#ref fig-1}} b \\{{#ref x}}\n{{#toc}}{{/toc}}\n",
    ] {
        let e = expand_ok(text, &[]);
        assert_eq!(e.text, text);
        assert_eq!(e.title, None);
        assert_eq!(e.locate(2), (Path::new(CHAPTER), 2));
        assert_eq!(e.locate(0), (Path::new(CHAPTER), 0));
        assert_eq!(e.locate(40), (Path::new(CHAPTER), 40));
    }
    assert!(expand_ok("no braces\n", &[]).origins.is_empty());
}

#[test]
fn other_braces_stay_byte_identical_beside_directives() {
    let text = "{{#ref fig}} \\{{#ref fig}} {{#toc}}{{/toc}} {{ x }} {{#each a}}{{/each}}\n\
                {{#include four.txt:1}}\n{{#unknown a.rs}} {{#includex four.txt}} {{#include:x}}\n";
    let e = expand_ok(text, &[FOUR]);
    let expected = "{{#ref fig}} \\{{#ref fig}} {{#toc}}{{/toc}} {{ x }} {{#each a}}{{/each}}\n\
                    l1\n{{#unknown a.rs}} {{#includex four.txt}} {{#include:x}}\n";
    assert_eq!(e.text, expected);
}

#[test]
fn braces_before_multibyte_characters_are_read_safely() {
    let text = "{{中 {{ 中 {{#中 \\{{中 {{#include 中}} {{#title 中}}\n";
    let e = expand_ok(text, &[("/book/src/中", "x")]);
    assert_eq!(e.text, "{{中 {{ 中 {{#中 \\{{中 x \n");
    assert_eq!(e.title.as_deref(), Some("中"));
}

#[test]
fn whole_file_include_drops_the_final_newline_and_carriage_returns() {
    let e = expand_ok("x\n{{#include four.txt}}\ny\n", &[FOUR]);
    assert_eq!(e.text, "x\nl1\nl2\nl3\nl4\ny\n");
    let e = expand_ok(
        "{{#include crlf.txt}}|",
        &[("/book/src/crlf.txt", "a\r\nb\r\n")],
    );
    assert_eq!(e.text, "a\nb|");
}

#[test]
fn line_ranges_select_like_mdbook() {
    let cases = [
        ("four.txt:2", "l2"),
        ("four.txt::2", "l1\nl2"),
        ("four.txt:2:", "l2\nl3\nl4"),
        ("four.txt:2:3", "l2\nl3"),
        ("four.txt:3:99", "l3\nl4"), // past the end: stops there
        ("four.txt::99", "l1\nl2\nl3\nl4"),
        ("four.txt:4:4", "l4"),
        ("four.txt:", "l1\nl2\nl3\nl4"),
        ("four.txt::", "l1\nl2\nl3\nl4"),
        ("four.txt:+2", "l2"), // `usize::from_str` takes a sign, as in mdBook
    ];
    for (arg, want) in cases {
        let e = expand_ok(&format!("<{{{{#include {arg}}}}}>"), &[FOUR]);
        assert_eq!(e.text, format!("<{want}>"), "{arg}");
    }
}

#[test]
fn extra_words_after_an_include_path_are_ignored_and_space_is_allowed() {
    let e = expand_ok(
        "{{ #include  four.txt:2 extra words }}|{{#include\n four.txt:3}}",
        &[FOUR],
    );
    assert_eq!(e.text, "l2|l3");
}

const ANCHORS: (&str, &str) = (
    "/book/src/code.rs",
    "// ANCHOR: all\nfn a() {}\n/* ANCHOR: inner */\nlet x;\n\
     ////ANCHOR_END:inner\nfn b() {}\n// ANCHOR_END: all\ntail\n// ANCHOR: open-end\nlast1\nlast2\n",
);

#[test]
fn anchors_take_their_lines_without_any_marker_lines() {
    let e = expand_ok("{{#include code.rs:all}}", &[ANCHORS]);
    assert_eq!(e.text, "fn a() {}\nlet x;\nfn b() {}");
    assert_eq!(origins(&e), at("/book/src/code.rs", &[2, 4, 6]));
    let e = expand_ok("{{#include code.rs:inner}}", &[ANCHORS]);
    assert_eq!(e.text, "let x;");
    // No ANCHOR_END: to the end of the file.
    let e = expand_ok("{{#include code.rs:open-end}}", &[ANCHORS]);
    assert_eq!(e.text, "last1\nlast2");
    // Whatever follows the anchor name is ignored, as mdBook does.
    assert_eq!(
        expand_ok("{{#include code.rs:inner:x}}", &[ANCHORS]).text,
        "let x;"
    );
}

#[test]
fn whole_files_and_ranges_keep_anchor_markers_as_mdbook_does() {
    let e = expand_ok("{{#include code.rs:1:3}}", &[ANCHORS]);
    assert_eq!(e.text, "// ANCHOR: all\nfn a() {}\n/* ANCHOR: inner */");
}

const TWICE: (&str, &str) = (
    "/book/src/twice.rs",
    "head\n// ANCHOR: a\none\n// ANCHOR_END: a\nmiddle\n// ANCHOR: a\ntwo\n// ANCHOR_END: a\n",
);

#[test]
fn a_repeated_anchor_gives_include_the_first_section_and_rustdoc_include_all() {
    assert_eq!(expand_ok("{{#include twice.rs:a}}", &[TWICE]).text, "one");
    let e = expand_ok("{{#rustdoc_include twice.rs:a}}", &[TWICE]);
    assert_eq!(e.text, "one\ntwo");
    assert_eq!(origins(&e), at("/book/src/twice.rs", &[3, 7]));
}

#[test]
fn rustdoc_include_shows_only_the_selected_lines() {
    assert_eq!(
        expand_ok("{{#rustdoc_include four.txt:2:3}}", &[FOUR]).text,
        "l2\nl3"
    );
    assert_eq!(
        expand_ok("{{#rustdoc_include four.txt}}", &[FOUR]).text,
        "l1\nl2\nl3\nl4"
    );
}

#[test]
fn playground_wraps_the_whole_file_in_a_rust_fence() {
    let files = [
        ("/book/src/ex.rs", "fn main() {}\r\n"),
        ("/book/src/bare.rs", "fn f() {}"),
    ];
    let e = expand_ok("{{#playground ex.rs}}\nafter", &files);
    assert_eq!(e.text, "```rust\nfn main() {}\r\n```\n\nafter");
    let e = expand_ok("{{#playground bare.rs editable  no_run}}", &files);
    assert_eq!(e.text, "```rust,editable,no_run\nfn f() {}\n```\n");
    let e = expand_ok("{{#playpen bare.rs}}", &files);
    assert_eq!(e.text, "```rust\nfn f() {}\n```\n");
    // A playground path has no line range: the colon is part of the name.
    assert_eq!(expand_err("{{#playground bare.rs:1}}", &files).len(), 1);
}

#[test]
fn title_is_removed_and_the_last_one_wins() {
    let e = expand_ok(
        "{{#title First}}\n# Heading\n{{#title   Second one }}x\n",
        &[],
    );
    assert_eq!(e.text, "\n# Heading\nx\n");
    assert_eq!(e.title.as_deref(), Some("Second one ")); // mdBook keeps trailing space
    let files = [("/book/src/t.md", "{{#title From include}}body")];
    let e = expand_ok("{{#title Chapter}}\n{{#include t.md}}\n", &files);
    assert_eq!(
        (e.text.as_str(), e.title.as_deref()),
        ("\nbody\n", Some("From include"))
    );
}

#[test]
fn escapes_lose_their_backslash_and_are_not_expanded() {
    let text = "\\{{#include four.txt}} \n\\{{#rustdoc_include a}}\n\\{{#playground a.rs}}\n\
                \\{{#title T}}\n\\{{#playpen x}}\n";
    let e = expand_ok(text, &[]);
    let want = "{{#include four.txt}} \n{{#rustdoc_include a}}\n{{#playground a.rs}}\n\
                {{#title T}}\n{{#playpen x}}\n";
    assert_eq!((e.text.as_str(), e.title), (want, None));
    // mdBook's escape runs to the last `}}` on its line, so what follows stays literal too.
    let e = expand_ok(
        "\\{{#include a}} and {{#include four.txt:1}}\n{{#include four.txt:2}}",
        &[FOUR],
    );
    assert_eq!(e.text, "{{#include a}} and {{#include four.txt:1}}\nl2");
    // So a second escape on the line keeps its backslash, as in mdBook.
    let e = expand_ok("\\{{#include a}} \\{{#include b}}", &[]);
    assert_eq!(e.text, "{{#include a}} \\{{#include b}}");
    // An escape with no `}}` on its line is no escape.
    let e = expand_ok("\\{{#include four.txt:1\n}}", &[FOUR]);
    assert_eq!(e.text, "\\l1");
}

#[test]
fn directives_in_code_fences_are_expanded() {
    let e = expand_ok("```rust\n{{#include four.txt:1:2}}\n```\n", &[FOUR]);
    assert_eq!(e.text, "```rust\nl1\nl2\n```\n");
}

#[test]
fn nested_includes_resolve_against_their_own_directory_even_outside_the_book() {
    let files = [
        (
            "/book/src/part/a.md",
            "A1\n{{#include ../../examples/x.rs:2}}\nA3\n",
        ),
        (
            "/book/src/part/../../examples/x.rs",
            "x1\nx2 {{#include y.rs}}\n",
        ),
        ("/book/src/part/../../examples/y.rs", "y\n"),
    ];
    let e = expand_ok("C1\n{{#include part/a.md}}\nC3", &files);
    assert_eq!(e.text, "C1\nA1\nx2 y\nA3\nC3");
    let want = [
        (CHAPTER, 1),
        ("/book/src/part/a.md", 1),
        ("/book/src/part/../../examples/x.rs", 2),
        ("/book/src/part/a.md", 3),
        (CHAPTER, 3),
    ];
    assert_eq!(origins(&e), want.map(|(p, l)| (p.to_string(), l)));
}

#[test]
fn a_line_belongs_to_where_its_first_character_came_from() {
    let files = [
        ("/book/src/abc.txt", "1\n2\n3"),
        ("/book/src/empty.txt", ""),
    ];
    let e = expand_ok("top\nbefore {{#include abc.txt}} after\nnext\n", &files);
    assert_eq!(e.text, "top\nbefore 1\n2\n3 after\nnext\n");
    let file = "/book/src/abc.txt";
    let want = [
        (CHAPTER, 1),
        (CHAPTER, 2),
        (file, 2),
        (file, 3),
        (CHAPTER, 3),
    ];
    assert_eq!(origins(&e), want.map(|(p, l)| (p.to_string(), l)));
    // An include at the start of a line takes the line; an empty one leaves it to what follows.
    let e = expand_ok(
        "{{#include abc.txt}} {{#include abc.txt:2}}\n{{#include empty.txt}}\nz",
        &files,
    );
    assert_eq!(e.text, "1\n2\n3 2\n\nz");
    let want = [(file, 1), (file, 2), (file, 3), (CHAPTER, 2), (CHAPTER, 3)];
    assert_eq!(origins(&e), want.map(|(p, l)| (p.to_string(), l)));
    // A directive spread over lines: what follows is on the directive's last line.
    let e = expand_ok("{{#include\nabc.txt:1}} tail\nend", &files);
    assert_eq!(e.text, "1 tail\nend");
    assert_eq!(
        origins(&e),
        [(file, 1), (CHAPTER, 3)].map(|(p, l)| (p.to_string(), l))
    );
}

#[test]
fn locate_through_ranges_titles_and_playgrounds() {
    let files = [FOUR, ("/book/src/ex.rs", "fn a() {}\nfn b() {}\n")];
    let text = "{{#title T}}\n{{#include four.txt:3:}}\nmid\n{{#playground ex.rs}}\nend\n";
    let e = expand_ok(text, &files);
    assert_eq!(
        e.text,
        "\nl3\nl4\nmid\n```rust\nfn a() {}\nfn b() {}\n```\n\nend\n"
    );
    let (four, ex) = ("/book/src/four.txt", "/book/src/ex.rs");
    let want = [
        (CHAPTER, 1),
        (four, 3),
        (four, 4),
        (CHAPTER, 3),
        (CHAPTER, 4), // the fences belong to the directive
        (ex, 1),
        (ex, 2),
        (CHAPTER, 4),
        (CHAPTER, 4), // the newline mdBook adds after the fence, then the directive's own
        (CHAPTER, 5),
    ];
    assert_eq!(origins(&e), want.map(|(p, l)| (p.to_string(), l)));
    assert_eq!(e.locate(0), (Path::new(CHAPTER), 0));
}

#[test]
fn locate_through_anchor_gaps_in_nested_includes() {
    let files = [
        ANCHORS,
        ("/book/src/n.md", "n1\n{{#include code.rs:all}}\nn3"),
    ];
    let e = expand_ok("c1\n{{#include n.md}}\nc3", &files);
    assert_eq!(e.text, "c1\nn1\nfn a() {}\nlet x;\nfn b() {}\nn3\nc3");
    let (n, code) = ("/book/src/n.md", "/book/src/code.rs");
    let want = [
        (CHAPTER, 1),
        (n, 1),
        (code, 2),
        (code, 4),
        (code, 6),
        (n, 3),
        (CHAPTER, 3),
    ];
    assert_eq!(origins(&e), want.map(|(p, l)| (p.to_string(), l)));
}

#[test]
fn a_missing_file_names_the_resolved_path_and_the_directory_it_is_relative_to() {
    let errors = expand_err("ok\n中文 {{#include ../gone.rs}}\n", &[]);
    assert_eq!(places(&errors), [(CHAPTER.to_string(), 2, 4)]);
    let e = &errors[0];
    assert!(
        e.message.contains("/book/src/../gone.rs: not found"),
        "{}",
        e.message
    );
    assert!(
        e.hint
            .as_deref()
            .unwrap()
            .contains("relative to the directory"),
        "{e:?}"
    );
    assert!(e.hint.as_deref().unwrap().contains("(/book/src)"), "{e:?}");
    assert_eq!(e.snippet.as_deref(), Some("中文 {{#include ../gone.rs}}"));
}

#[test]
fn every_error_is_reported_with_its_place() {
    let text = "{{#include gone.a}}\n  {{#include four.txt:nope}} {{#include code.rs:nope}}\n\
                {{#playground gone.b}}\n";
    let errors = expand_err(text, &[FOUR, ANCHORS]);
    let c = CHAPTER.to_string();
    assert_eq!(
        places(&errors),
        [
            (c.clone(), 1, 1),
            (c.clone(), 2, 3),
            (c.clone(), 2, 30),
            (c, 3, 1)
        ]
    );
    assert!(
        errors[1]
            .message
            .contains("no anchor `nope` in /book/src/four.txt"),
        "{errors:?}"
    );
    assert!(
        errors[1]
            .hint
            .as_deref()
            .unwrap()
            .contains("the file has no anchors")
    );
    let listed = errors[2].hint.as_deref().unwrap();
    assert_eq!(listed, "the file's anchors are `all`, `inner`, `open-end`");
}

#[test]
fn an_error_in_an_included_file_names_that_file_and_line() {
    let files = [
        ("/book/src/sub/../four.txt", FOUR.1),
        (
            "/book/src/sub/inc.md",
            "fine\n\tsee {{#include ../four.txt:9}}\n",
        ),
    ];
    let errors = expand_err("{{#include sub/inc.md}}", &files);
    assert_eq!(
        places(&errors),
        [("/book/src/sub/inc.md".to_string(), 2, 6)]
    );
    let e = &errors[0];
    assert_eq!(
        e.message,
        "line range `:9` starts at line 9, but /book/src/sub/../four.txt has 4 lines"
    );
}

#[test]
fn bad_line_ranges_are_errors_where_mdbook_would_guess() {
    let cases = [
        ("four.txt:0", "line range `:0` counts from 0"),
        ("four.txt:0:2", "line range `:0:2` counts from 0"),
        ("four.txt::0", "line range `::0` counts from 0"),
        (
            "four.txt:3:2",
            "line range `:3:2` is empty: it starts at line 3, after 2",
        ),
        ("four.txt:2:x", "malformed line range `:2:x`"),
        ("four.txt::x", "malformed line range `::x`"),
        ("four.txt:1:2:3", "malformed line range `:1:2:3`"),
        (
            "four.txt:5",
            "line range `:5` starts at line 5, but /book/src/four.txt has 4 lines",
        ),
        (
            "four.txt:5:",
            "line range `:5:` starts at line 5, but /book/src/four.txt has 4 lines",
        ),
    ];
    for (arg, message) in cases {
        let errors = expand_err(&format!("x {{{{#include {arg}}}}}"), &[FOUR]);
        assert_eq!(places(&errors), [(CHAPTER.to_string(), 1, 3)], "{arg}");
        assert_eq!(errors[0].message, message, "{arg}");
    }
}

#[test]
fn directives_without_an_argument_stay_text_and_a_range_without_a_path_is_an_error() {
    let text = "{{#include}} {{#include }}\n{{#include  }} {{#rustdoc_include :3}}\n{{#title}} {{ #playground }}";
    let errors = expand_err(text, &[]);
    let c = CHAPTER.to_string();
    assert_eq!(places(&errors), [(c, 2, 16)]);
    assert_eq!(errors[0].message, "`{{#rustdoc_include}}` has no path");
    let prose = "Write `{{#include}}` or {{ #playground }} with a path; `{{#title}}` too.\n";
    let expanded = expand_ok(prose, &[]);
    assert_eq!(expanded.text, prose);
    assert_eq!(expanded.title, None);
}

#[test]
fn unterminated_directives_are_errors_and_scanning_goes_on() {
    let text = "{{#include four.txt:1\n\nnext {{#include gone.rs}}\n{{#include four.txt} x\n{{#playground a";
    let errors = expand_err(text, &[FOUR]);
    let c = CHAPTER.to_string();
    assert_eq!(
        places(&errors),
        [(1, 1), (3, 6), (4, 1), (5, 1)].map(|(l, col)| (c.clone(), l, col))
    );
    assert_eq!(errors[0].message, "`{{#include` is not closed by `}}`");
    assert!(errors[1].message.contains("gone.rs"), "{errors:?}");
    assert_eq!(errors[3].message, "`{{#playground` is not closed by `}}`");
}

/// Files /book/src/f1.md … f{n}.md, each including the next; the last includes nothing.
fn chain(n: usize) -> Vec<(String, String)> {
    (1..=n)
        .map(|i| {
            let body = if i < n {
                format!("f{i} {{{{#include f{}.md}}}}", i + 1)
            } else {
                "end".into()
            };
            (format!("/book/src/f{i}.md"), body)
        })
        .collect()
}

fn borrowed(files: &[(String, String)]) -> Vec<(&str, &str)> {
    files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect()
}

#[test]
fn ten_nested_includes_are_fine_and_eleven_are_an_error() {
    let ten = chain(10);
    let e = expand_ok("{{#include f1.md}}", &borrowed(&ten));
    assert_eq!(e.text, "f1 f2 f3 f4 f5 f6 f7 f8 f9 end"); // f10.md is the tenth level
    let eleven = chain(11);
    let errors = expand_err("{{#include f1.md}}", &borrowed(&eleven));
    assert_eq!(places(&errors), [("/book/src/f10.md".to_string(), 1, 5)]);
    let message = &errors[0].message;
    assert!(
        message.starts_with(
            "`{{#include}}` nests includes more than 10 deep: /book/src/ch.md → /book/src/f1.md → "
        ),
        "{message}"
    );
    assert!(
        message.ends_with("/book/src/f10.md → /book/src/f11.md"),
        "{message}"
    );
}

#[test]
fn an_include_cycle_is_reported_once() {
    let files = [(
        "/book/src/loop.md",
        "a {{#include loop.md}} b {{#include loop.md}}\n",
    )];
    let errors = expand_err("{{#include loop.md}}", &files);
    assert_eq!(places(&errors), [("/book/src/loop.md".to_string(), 1, 3)]);
    assert!(
        errors[0]
            .hint
            .as_deref()
            .unwrap()
            .contains("includes itself")
    );
}

#[test]
fn an_error_becomes_a_located_diagnostic() {
    let errors = expand_err("x {{#include gone.rs}}", &[]);
    let shown = errors[0].to_string();
    assert!(
        shown.starts_with("/book/src/ch.md:1:3: `{{#include}}` cannot read /book/src/gone.rs"),
        "{shown}"
    );
    let d = Diagnostic::from(errors[0].clone());
    let rendered = d.to_string();
    assert!(rendered.contains("--> /book/src/ch.md:1:3"), "{rendered}");
    assert!(
        rendered.contains("1 | x {{#include gone.rs}}"),
        "{rendered}"
    );
    assert!(rendered.contains("hint: paths are relative"), "{rendered}");
}

#[test]
fn an_error_in_a_file_included_twice_is_reported_once() {
    let files = [("/book/src/bad.md", "{{#include gone.rs}}")];
    let errors = expand_err("{{#include bad.md}}\n{{#include bad.md:1}}", &files);
    assert_eq!(places(&errors), [("/book/src/bad.md".to_string(), 1, 1)]);
}

#[test]
fn included_files_lists_every_file_once_but_not_the_chapter() {
    let files = [
        FOUR,
        ("/book/src/ch.md", "self"),
        (
            "/book/src/n.md",
            "{{#include four.txt:1}} {{#playground four.txt}}",
        ),
    ];
    let e = expand_ok(
        "{{#include n.md}} {{#include four.txt:2}} {{#include ch.md}}",
        &files,
    );
    let listed: Vec<&Path> = e.included_files().collect();
    assert_eq!(
        listed,
        [Path::new("/book/src/n.md"), Path::new("/book/src/four.txt")]
    );
    assert!(expand_ok("plain", &[]).included_files().next().is_none());
}
