//! The word tables: both parse and hold the same words with the same placeholders; English
//! has no Chinese character. (tests/locale_words.rs checks the Chinese table for English UI
//! words, and both languages in built sites.)

use super::*;

/// Every word of a table as (dotted key, text), in table order.
fn entries(words: &Words) -> Vec<(String, String)> {
    fn walk(prefix: &str, value: &toml::Value, out: &mut Vec<(String, String)>) {
        match value {
            toml::Value::Table(table) => {
                for (key, value) in table {
                    let path = if prefix.is_empty() {
                        key.clone()
                    } else {
                        format!("{prefix}.{key}")
                    };
                    walk(&path, value, out);
                }
            }
            toml::Value::String(text) => out.push((prefix.to_string(), text.clone())),
            other => panic!("{prefix}: a word is text, found {other}"),
        }
    }
    let mut out = Vec::new();
    walk("", &toml::Value::try_from(words).unwrap(), &mut out);
    out
}

#[test]
fn both_tables_parse_and_hold_the_same_words_with_the_same_placeholders() {
    let zh = entries(Language::ZhCn.words());
    let en = entries(Language::En.words());
    let keys = |e: &[(String, String)]| e.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
    assert_eq!(
        keys(&zh),
        keys(&en),
        "the maps (kind, metric_*) have the same keys"
    );
    for ((key, zh_text), (_, en_text)) in zh.iter().zip(&en) {
        let (mut a, mut b) = (placeholders(zh_text), placeholders(en_text));
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b, "`{key}`: zh-CN {zh_text:?}, en {en_text:?}");
        assert!(!en_text.trim().is_empty(), "`{key}` is empty in en");
    }
}

#[test]
fn a_table_missing_a_word_or_with_a_stray_one_does_not_parse() {
    let full = Language::En.table();
    let missing = full.replace("back_to_top = \"Back to top\"\n", "");
    let error = toml::from_str::<Words>(&missing).unwrap_err().to_string();
    assert!(error.contains("missing field `back_to_top`"), "{error}");
    let stray = full.replace("[page]\n", "[page]\nbackto_top = \"x\"\n");
    let error = toml::from_str::<Words>(&stray).unwrap_err().to_string();
    assert!(error.contains("unknown field `backto_top`"), "{error}");
}

#[test]
fn english_has_no_chinese_character() {
    for (key, text) in entries(Language::En.words()) {
        assert!(
            !text.chars().any(is_cjk),
            "en `{key}` has a Chinese character: {text:?}"
        );
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{303f}' | '\u{3400}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '\u{ff00}'..='\u{ffef}')
}

#[test]
fn fill_replaces_named_placeholders_once() {
    assert_eq!(
        fill(
            "{run}（第 {step} 步发散）",
            &[("run", &"relu {step}"), ("step", &40)]
        ),
        "relu {step}（第 40 步发散）"
    );
    assert_eq!(fill("a {b} {c", &[("x", &1)]), "a {b} {c");
    assert_eq!(placeholders("{a} and {b}{c}"), ["a", "b", "c"]);
}

#[test]
fn languages_are_named_by_their_tags_and_an_unknown_one_lists_those_that_exist() {
    assert_eq!("zh-CN".parse::<Language>(), Ok(Language::ZhCn));
    assert_eq!("en".parse::<Language>(), Ok(Language::En));
    let error = "fr".parse::<Language>().unwrap_err().to_string();
    assert_eq!(
        error,
        "unknown language `fr`: gradbook has words for `zh-CN` and `en`"
    );
}
