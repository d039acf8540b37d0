//! The look shared by every figure: canvas size, type sizes, colours, dash patterns, and the
//! text helpers (XML escaping, width estimates) that the layout code relies on.

/// Canvas width in SVG user units. The page scales the SVG to its column (`width:100%`), so
/// this only fixes the aspect ratio and how large text is relative to the plot; 600 keeps
/// labels legible (≈ 9 px) when a phone shrinks the figure to ~390 px.
pub(crate) const WIDTH: u32 = 600;
// Panel margins and label areas are in `panel::Geometry`.

pub(crate) const FONT_TITLE: f64 = 18.0;
pub(crate) const FONT_AXIS: f64 = 15.0;
pub(crate) const FONT_TICK: f64 = 14.0;
pub(crate) const FONT_LEGEND: f64 = 15.0;

pub(crate) const LINE_WIDTH: u32 = 2;
pub(crate) const MARKER_RADIUS: u32 = 3;

/// Okabe–Ito colour-blind-safe palette, reordered so the colours that read well on both light
/// and dark backgrounds come first; yellow (invisible on white) is last, and Okabe–Ito's
/// black is `currentColor` so it follows the page's text colour.
pub(crate) const PALETTE: [&str; 8] = [
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "currentColor",
    "#F0E442",
];

/// `stroke-dasharray` values, `None` = solid; distinct so runs stay apart in greyscale too.
pub(crate) const DASHES: [Option<&str>; 5] =
    [None, Some("7 4"), Some("2 3"), Some("9 3 2 3"), Some("4 2")];

pub(crate) fn color(index: usize) -> &'static str {
    PALETTE[index % PALETTE.len()]
}

pub(crate) fn dash(index: usize) -> Option<&'static str> {
    DASHES[index % DASHES.len()]
}

/// Escape text for use in SVG element content and attribute values.
pub(crate) fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            other => out.push(other),
        }
    }
    out
}

/// Rough advance width of one character in em. No font metrics are available at build time,
/// so: ASCII ≈ 0.55 em (a little generous for sans-serif), CJK and full-width forms ≈ 1 em,
/// other symbols (·, ‖, ∂, superscripts) ≈ 0.65 em.
fn char_width_em(c: char) -> f64 {
    match c as u32 {
        0x20..=0x7E => 0.55,
        0x1100..=0x11FF | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F => {
            1.0
        }
        0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 => 1.0,
        _ => 0.65,
    }
}

/// Estimated rendered width of `text` at `font_px`.
pub(crate) fn text_width(text: &str, font_px: f64) -> f64 {
    text.chars().map(char_width_em).sum::<f64>() * font_px
}

/// The longest prefix of `text` that fits in `max_px` (ending in "…" when shortened).
pub(crate) fn fit_text(text: &str, font_px: f64, max_px: f64) -> String {
    if text_width(text, font_px) <= max_px {
        return text.to_string();
    }
    let budget = max_px - text_width("…", font_px);
    let mut used = 0.0;
    let mut out = String::new();
    for c in text.chars() {
        used += char_width_em(c) * font_px;
        if used > budget {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// The largest font size ≤ `preferred` (but ≥ 60 % of it) at which `text` fits in `max_px`.
pub(crate) fn font_to_fit(text: &str, preferred: f64, max_px: f64) -> f64 {
    let width = text_width(text, preferred);
    if width <= max_px {
        preferred
    } else {
        (preferred * max_px / width).max(preferred * 0.6).floor()
    }
}

/// Make plotters' SVG body theme-neutral and compact: drop its `<svg>` wrapper, turn its black
/// (text, axes, grid) into `currentColor` so the page's text colour decides, and drop
/// attributes that restate defaults. Grid lines keep their low opacity, which reads as a faint
/// line on white and on dark backgrounds alike.
pub(crate) fn adopt_plotters_body(svg: &str) -> String {
    let body_start = svg.find('>').map_or(0, |i| i + 1);
    let body_end = svg.rfind("</svg>").unwrap_or(svg.len());
    let body = svg[body_start..body_end].trim_start_matches('\n');
    let mut out = String::with_capacity(body.len());
    // plotters puts text content on its own line; those line breaks would become spaces around
    // the label (shifting centred text), so each `<text>…</text>` is joined onto one line.
    let mut in_text = false;
    for line in body.lines() {
        let line = line
            .replace("#000000", "currentColor")
            .replace(" opacity=\"1\"", "")
            .replace(" font-family=\"sans-serif\"", "");
        out.push_str(&round_font_sizes(&line));
        if line.starts_with("<text") && !line.contains("</text>") {
            in_text = true;
        } else if !in_text || line.starts_with("</text>") {
            in_text = false;
            out.push('\n');
        }
    }
    out
}

/// plotters writes `font-size` as (integer size) / 1.24, e.g. 12.9 for 16; round back to the
/// whole pixel size that [`plotters_font_size`] encoded.
fn round_font_sizes(line: &str) -> String {
    const KEY: &str = "font-size=\"";
    let Some(start) = line.find(KEY).map(|i| i + KEY.len()) else {
        return line.to_string();
    };
    let Some(len) = line[start..].find('"') else {
        return line.to_string();
    };
    match line[start..start + len].parse::<f64>() {
        Ok(size) => format!("{}{}{}", &line[..start], size.round(), &line[start + len..]),
        Err(_) => line.to_string(),
    }
}

/// A coordinate or size with at most one decimal and no trailing ".0".
pub(crate) fn number(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    let text = format!("{rounded:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text).to_string();
    if text == "-0" { "0".to_string() } else { text }
}

/// The size to hand plotters so that its SVG says `font-size="px"` (after
/// [`adopt_plotters_body`] rounds it): plotters keeps whole pixels and divides by 1.24.
pub(crate) fn plotters_font_size(px: f64) -> f64 {
    (px.round() * 1.24).round()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_counts_as_full_em_and_ascii_as_about_half() {
        assert_eq!(text_width("发散", 10.0), 20.0);
        assert!((text_width("relu", 10.0) - 22.0).abs() < 1e-9);
    }

    #[test]
    fn fit_text_shortens_only_when_needed() {
        assert_eq!(fit_text("relu", 10.0, 100.0), "relu");
        let short = fit_text("一二三四五六七八九十", 10.0, 50.0);
        assert!(short.ends_with('…'));
        assert!(text_width(&short, 10.0) <= 50.0);
    }

    #[test]
    fn adoption_replaces_black_and_rounds_font_sizes() {
        let svg = "<svg width=\"1\">\n<text font-size=\"13.000000000000002\" opacity=\"1\" fill=\"#000000\">\nx\n</text>\n</svg>\n";
        let body = adopt_plotters_body(svg);
        assert_eq!(
            body,
            "<text font-size=\"13\" fill=\"currentColor\">x</text>\n"
        );
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(2.25), "2.3");
        assert_eq!(number(-0.01), "0");
    }
}
