//! The HTML of an experiment block in a page: its numbered figures (SVG inlined so it follows
//! the page's colours), the links to its data, and the exact spec in a collapsed block.

use crate::experiment::PlotKind;
use crate::markdown::escape_html;

/// One drawn figure of a block.
pub struct FigureView<'a> {
    /// "3.2" or "2" for unnumbered chapters.
    pub number: String,
    pub kind: PlotKind,
    pub caption_title: &'a str,
    pub svg: &'a str,
    /// Relative link from the page to the figure's SVG file.
    pub svg_href: String,
}

/// `figures` all belong to the block `id`; `csv_href` is relative to the page.
pub fn block_html(
    id: &str,
    caption: Option<&str>,
    figures: &[FigureView],
    csv_href: &str,
    spec_toml: &str,
) -> String {
    let mut html = String::new();
    for (index, figure) in figures.iter().enumerate() {
        let anchor = format!("fig-{id}-{}", figure.kind.name());
        // The block's caption describes the experiment: say it once, under its first figure.
        let caption_text = caption
            .filter(|_| index == 0)
            .map(|c| format!(" {}", escape_html(c)))
            .unwrap_or_default();
        html.push_str(&format!(
            "<figure class=\"experiment-figure\" id=\"{anchor}\">\n<div class=\"plot\">{svg}</div>\n\
             <figcaption><span class=\"figure-number\">图 {number}</span>{title}。{caption_text}</figcaption>\n\
             <p class=\"figure-links\"><a href=\"{csv}\" download>下载数据 (CSV)</a> · <a href=\"{svg_href}\">SVG</a></p>\n</figure>\n",
            svg = strip_xml_declaration(figure.svg),
            number = figure.number,
            title = escape_html(figure.caption_title),
            csv = escape_html(csv_href),
            svg_href = escape_html(&figure.svg_href),
        ));
    }
    html.push_str(&format!(
        "<details class=\"experiment-spec\"><summary>实验设置 <code>{id}</code>（改动后重新构建即可复现）</summary>\n<pre><code class=\"language-toml\">{}</code></pre>\n</details>\n",
        escape_html(spec_toml.trim_end()),
        id = escape_html(id),
    ));
    html
}

/// A standalone SVG file may start with an XML declaration; inline SVG must not.
fn strip_xml_declaration(svg: &str) -> &str {
    let trimmed = svg.trim_start();
    match trimmed.strip_prefix("<?xml") {
        Some(rest) => rest
            .split_once("?>")
            .map_or(trimmed, |(_, after)| after.trim_start()),
        None => trimmed,
    }
}

/// The title a kind of figure gets under a block's title.
pub fn kind_title(block_title: &str, kind: PlotKind) -> String {
    format!("{block_title}：{}", kind.subject())
}
