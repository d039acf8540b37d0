//! Sequential colour: viridis (perceptually uniform, colour-blind safe, and monotone in
//! lightness so it survives greyscale printing), the horizontal colour bar that labels it,
//! and the hatched grey that stands for "no data" (never a colour of the map).

use std::fmt::Write as _;
use std::sync::OnceLock;

use super::axis::Axis;
use super::clip;
use super::shapes;
use super::style::{self, FONT_LEGEND, FONT_TICK};

/// viridis at `t` in [0, 1] as `#rrggbb`: a degree-6 polynomial fit of matplotlib's table
/// (Matt Zucker's), within a few 1/255 of it, computed here so no table is shipped.
pub(crate) fn viridis(t: f64) -> String {
    const C: [[f64; 3]; 7] = [
        [0.277_727_327, 0.005_407_345, 0.334_099_805],
        [0.105_093_043, 1.404_613_530, 1.384_590_163],
        [-0.330_861_829, 0.214_847_559, 0.095_095_163],
        [-4.634_230_499, -5.799_100_973, -19.332_440_956],
        [6.228_269_936, 14.179_933_367, 56.690_552_601],
        [4.776_384_998, -13.745_145_378, -65.353_032_633],
        [-5.435_455_856, 4.645_852_612, 26.312_435_250],
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mut hex = String::from("#");
    for channel in 0..3 {
        let value = C.iter().rev().fold(0.0, |acc, c| acc * t + c[channel]);
        let _ = write!(hex, "{:02x}", (value.clamp(0.0, 1.0) * 255.0).round() as u8);
    }
    hex
}

/// viridis at `t` from a 256-entry table built once: a `'static` colour string, which is what
/// series and legend entries hold.
pub(crate) fn viridis_table(t: f64) -> &'static str {
    static TABLE: OnceLock<Vec<String>> = OnceLock::new();
    let table = TABLE.get_or_init(|| (0..256).map(|i| viridis(f64::from(i) / 255.0)).collect());
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    &table[(t * 255.0).round() as usize]
}

/// How many distinct colours a heat map uses: enough to look continuous, few enough that
/// neighbouring cells often share a colour and merge into one `<rect>`.
pub(crate) const LEVELS: u32 = 48;

/// The quantized level (0..LEVELS) of `value` on the colour range `[lo, hi]`.
pub(crate) fn level(value: f64, lo: f64, hi: f64) -> u32 {
    let t = if hi > lo {
        (value - lo) / (hi - lo)
    } else {
        0.5
    };
    ((t.clamp(0.0, 1.0) * f64::from(LEVELS)).floor() as u32).min(LEVELS - 1)
}

/// The colour of a quantized level (its bin's centre).
pub(crate) fn level_color(level: u32) -> &'static str {
    viridis_table((f64::from(level) + 0.5) / f64::from(LEVELS))
}

/// A horizontal colour bar: what the colours mean, drawn under the panels.
#[derive(Debug, Clone)]
pub(crate) struct ColorBar {
    pub label: String,
    /// Value axis of the bar (its `lo..hi` is the colour range; ticks are labelled).
    pub axis: Axis,
    /// `(from, to, colour)` pieces in axis units.
    pub stops: Vec<(f64, f64, String)>,
    /// Label for a hatched "no data" swatch beside the bar.
    pub missing: Option<String>,
}

/// Height a colour bar needs.
pub(crate) const BAR_HEIGHT: u32 = 74;

/// Draw `bar` with its top at `top`, centred in a canvas `width` wide.
pub(crate) fn draw_bar(out: &mut String, bar: &ColorBar, top: f64, width: f64) {
    let bar_width = 300.0;
    let swatch_room = if bar.missing.is_some() { 150.0 } else { 0.0 };
    let x0 = ((width - bar_width - swatch_room) / 2.0).round();
    let x1 = x0 + bar_width;
    let (y0, height) = (top + 32.0, 12.0);
    shapes::text(
        out,
        ((x0 + x1) / 2.0, top + 24.0),
        FONT_LEGEND,
        "middle",
        &bar.label,
    );
    let span = bar.axis.hi - bar.axis.lo;
    let at = |v: f64| x0 + (v - bar.axis.lo) / span * bar_width;
    out.push_str("<g shape-rendering=\"crispEdges\">\n");
    for (from, to, color) in &bar.stops {
        let (a, b) = (at(*from).round(), at(*to).round());
        rect(out, (a, y0), (b - a, height), color);
    }
    out.push_str("</g>\n");
    let _ = writeln!(
        out,
        "<rect x=\"{}\" y=\"{}\" width=\"{bar_width}\" height=\"{height}\" fill=\"none\" stroke=\"currentColor\" stroke-opacity=\"0.5\"/>",
        style::number(x0),
        style::number(y0)
    );
    let mut ticks = String::new();
    for tick in &bar.axis.ticks {
        let x = style::number(at(*tick));
        let _ = write!(ticks, "M{x} {}v4", style::number(y0 + height));
        shapes::text(
            out,
            (at(*tick), y0 + height + 18.0),
            FONT_TICK,
            "middle",
            &bar.axis.label(*tick),
        );
    }
    let _ = writeln!(out, "<path d=\"{ticks}\" stroke=\"currentColor\"/>");
    if let Some(missing) = &bar.missing {
        let sx = x1 + 24.0;
        hatched(out, (sx, y0), (22.0, height));
        shapes::text(out, (sx + 28.0, y0 + 10.0), FONT_TICK, "start", missing);
    }
}

fn rect(out: &mut String, (x, y): (f64, f64), (w, h): (f64, f64), fill: &str) {
    let _ = writeln!(
        out,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\"/>",
        style::number(x),
        style::number(y),
        style::number(w),
        style::number(h)
    );
}

/// A faint grey rectangle with diagonal hatching in the text colour: "no data here", readable
/// on light and dark pages and distinct from every viridis colour even in greyscale.
pub(crate) fn hatched(out: &mut String, (x, y): (f64, f64), (w, h): (f64, f64)) {
    let _ = writeln!(
        out,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"currentColor\" fill-opacity=\"0.12\"/>",
        style::number(x),
        style::number(y),
        style::number(w),
        style::number(h)
    );
    let spacing = 6.0;
    let mut d = String::new();
    let mut offset = -h;
    while offset < w {
        let from = (x + offset, y + h);
        let to = (x + offset + h, y);
        if let Some((a, b)) = clip::clip_segment(from, to, (x, x + w), (y, y + h)) {
            let _ = write!(
                d,
                "M{} {}L{} {}",
                style::number(a.0),
                style::number(a.1),
                style::number(b.0),
                style::number(b.1)
            );
        }
        offset += spacing;
    }
    let _ = writeln!(
        out,
        "<path d=\"{d}\" stroke=\"currentColor\" stroke-opacity=\"0.45\" stroke-width=\"1\"/>"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viridis_ends_match_matplotlib() {
        let near = |hex: String, want: [u8; 3]| {
            (0..3).all(|i| {
                let got = u8::from_str_radix(&hex[1 + 2 * i..3 + 2 * i], 16).unwrap();
                got.abs_diff(want[i]) <= 4
            })
        };
        assert!(near(viridis(0.0), [0x44, 0x01, 0x54]), "{}", viridis(0.0));
        assert!(near(viridis(1.0), [0xfd, 0xe7, 0x25]), "{}", viridis(1.0));
        assert_eq!(viridis(f64::NAN), viridis(0.0));
    }

    #[test]
    fn levels_cover_the_range() {
        assert_eq!(level(0.0, 0.0, 1.0), 0);
        assert_eq!(level(1.0, 0.0, 1.0), LEVELS - 1);
        assert_eq!(level(5.0, 2.0, 2.0), LEVELS / 2);
    }
}
