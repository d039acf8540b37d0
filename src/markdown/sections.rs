//! The searchable text of a chapter, cut at its headings: what the site's search index holds.

/// The text between one heading and the next.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SectionText {
    /// The heading's id; `None` for text before the first heading.
    pub id: Option<String>,
    pub heading: String,
    /// Paragraphs, list items and table cells as plain text, separated by single spaces.
    pub text: String,
}

pub(super) struct SectionCollector {
    sections: Vec<SectionText>,
}

impl SectionCollector {
    pub fn new() -> Self {
        SectionCollector {
            sections: vec![SectionText {
                id: None,
                heading: String::new(),
                text: String::new(),
            }],
        }
    }

    pub fn heading(&mut self, id: &str, heading: &str) {
        self.sections.push(SectionText {
            id: Some(id.to_string()),
            heading: heading.to_string(),
            text: String::new(),
        });
    }

    pub fn text(&mut self, text: &str) {
        let current = self.sections.last_mut().expect("always one section");
        current.text.push_str(text);
    }

    /// The end of a block: keep its words apart from the next block's.
    pub fn block_end(&mut self) {
        let current = self.sections.last_mut().expect("always one section");
        if !current.text.is_empty() && !current.text.ends_with(' ') {
            current.text.push(' ');
        }
    }

    pub fn finish(self) -> Vec<SectionText> {
        self.sections
            .into_iter()
            .filter(|s| s.id.is_some() || !s.text.trim().is_empty())
            .map(|mut s| {
                s.text = s.text.split_whitespace().collect::<Vec<_>>().join(" ");
                s
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::locale::Language;
    use crate::markdown::render;

    #[test]
    fn sections_and_links_are_collected_while_rendering() {
        let source =
            "# 章\n\n引子。\n\n## 第一节\n\n正文 `code` 与\n[链接](other.md#x)。\n\n- 列表项\n";
        let out = render(
            source,
            Path::new("ch.md"),
            &[],
            Language::ZhCn.words(),
            &mut Vec::new(),
        );
        let sections: Vec<(Option<&str>, &str)> = out
            .sections
            .iter()
            .map(|s| (s.id.as_deref(), s.text.as_str()))
            .collect();
        assert_eq!(
            sections,
            vec![
                (Some("章"), "引子。"),
                (Some("第一节"), "正文 code 与 链接。 列表项"),
            ]
        );
        assert_eq!(out.links.len(), 1);
        assert_eq!((out.links[0].line, out.links[0].column), (8, 1));
        assert_eq!(out.links[0].dest, "other.md#x");
        assert!(out.html.contains("href=\"other.html#x\""), "{}", out.html);
    }
}
