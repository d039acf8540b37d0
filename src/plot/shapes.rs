//! The few SVG elements gradbook writes itself (rather than through plotters): dashed
//! polylines, polygons and point markers. plotters' SVG backend has no `stroke-dasharray`, and drawing
//! dashes as separate segments would bloat the file, so series lines are written here.

use std::fmt::Write as _;

use super::style::{self, LINE_WIDTH, MARKER_RADIUS};

/// A symbol drawn at data points or at the end of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    None,
    /// Filled circle: a measured point.
    Circle,
    /// ✕: the last finite point of a run that diverged.
    Cross,
    /// Filled square, triangle and diamond: further classes of data points, so classes differ
    /// in shape as well as colour (for colour-blind readers and greyscale prints).
    Square,
    Triangle,
    Diamond,
}

impl Marker {
    /// A distinct shape per index (circle, square, triangle, diamond, repeating).
    pub(crate) fn nth(index: usize) -> Marker {
        [
            Marker::Circle,
            Marker::Square,
            Marker::Triangle,
            Marker::Diamond,
        ][index % 4]
    }
}

/// A stroked line through pixel `points` (at least two).
pub(crate) fn polyline(out: &mut String, points: &[(f64, f64)], color: &str, dash: Option<&str>) {
    if points.len() < 2 {
        return;
    }
    let _ = write!(out, "<polyline stroke=\"{color}\"");
    if let Some(dash) = dash {
        let _ = write!(out, " stroke-dasharray=\"{dash}\"");
    }
    out.push_str(" points=\"");
    for (i, (x, y)) in points.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{},{}", style::number(*x), style::number(*y));
    }
    out.push_str("\"/>\n");
}

/// `marker` centred on pixel `(x, y)`.
pub(crate) fn marker(out: &mut String, marker: Marker, (x, y): (f64, f64), color: &str) {
    let (x, y) = (style::number(x), style::number(y));
    match marker {
        Marker::None => {}
        Marker::Circle => {
            let _ = writeln!(
                out,
                "<circle cx=\"{x}\" cy=\"{y}\" r=\"{MARKER_RADIUS}\" fill=\"{color}\"/>"
            );
        }
        Marker::Cross => {
            // Larger and thicker than the line so it reads as "stopped here", not as data.
            // Relative moves keep the path independent of the centre's decimals.
            let _ = writeln!(
                out,
                "<path d=\"M{x} {y}m-5 -5l10 10m0 -10l-10 10\" stroke=\"{color}\" stroke-width=\"{}\" stroke-linecap=\"round\"/>",
                LINE_WIDTH + 1
            );
        }
        Marker::Square => {
            let _ = writeln!(out, "<path d=\"M{x} {y}m-3 -3h6v6h-6z\" fill=\"{color}\"/>");
        }
        Marker::Triangle => {
            let _ = writeln!(
                out,
                "<path d=\"M{x} {y}m0 -4l3.5 6h-7z\" fill=\"{color}\"/>"
            );
        }
        Marker::Diamond => {
            let _ = writeln!(
                out,
                "<path d=\"M{x} {y}m0 -4l4 4l-4 4l-4 -4z\" fill=\"{color}\"/>"
            );
        }
    }
}

/// A filled polygon through pixel `points` (at least three), e.g. an interquartile band.
pub(crate) fn polygon(out: &mut String, points: &[(f64, f64)], fill: &str, opacity: f64) {
    if points.len() < 3 {
        return;
    }
    let _ = write!(
        out,
        "<polygon fill=\"{fill}\" fill-opacity=\"{opacity}\" points=\""
    );
    for (i, (x, y)) in points.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{},{}", style::number(*x), style::number(*y));
    }
    out.push_str("\"/>\n");
}

/// A line of text; `anchor` is the SVG `text-anchor`.
pub(crate) fn text(
    out: &mut String,
    (x, y): (f64, f64),
    font_px: f64,
    anchor: &str,
    content: &str,
) {
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" font-size=\"{}\" text-anchor=\"{anchor}\" fill=\"currentColor\">{}</text>",
        style::number(x),
        style::number(y),
        style::number(font_px),
        style::escape_xml(content)
    );
}
