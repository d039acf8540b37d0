//! Turns a figure description (axes, series, legend) into one SVG document. plotters draws
//! the scaffold (grid, axes, ticks, tick labels, axis descriptions) and maps data to pixels;
//! gradbook writes the title, the series lines (clipped here, with dash patterns), markers and
//! the legend, then wraps everything with `<title>`/`<desc>` for screen readers.

use std::fmt::Write as _;
use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;

use super::axis::Axis;
use super::legend::{self, LegendEntry};
use super::shapes::{self, Marker};
use super::style::{
    self, CHART_HEIGHT, FONT_AXIS, FONT_TICK, FONT_TITLE, MARGIN_LEFT, MARGIN_RIGHT, TITLE_BAND,
    WIDTH, X_LABEL_AREA, Y_LABEL_AREA,
};

/// One plotted line in data units (the axes decide how values map).
#[derive(Debug, Clone)]
pub(crate) struct Series {
    pub color: &'static str,
    pub dash: Option<&'static str>,
    pub points: Vec<(f64, f64)>,
    /// Drawn at every point inside the plot.
    pub point_marker: Marker,
    /// Drawn at the last drawable point (kept inside the plot even if the value is off-scale).
    pub end_marker: Marker,
}

/// Everything needed to draw one figure.
#[derive(Debug, Clone)]
pub(crate) struct FigureSpec {
    pub title: String,
    /// One sentence for `<desc>`.
    pub description: String,
    pub x: Axis,
    pub y: Axis,
    pub series: Vec<Series>,
    pub legend: Vec<LegendEntry>,
    /// Consecutive legend entries to keep on one row.
    pub legend_group: usize,
}

/// The series mapped to pixels: visible line pieces and markers, by series index.
struct Drawn {
    lines: Vec<(usize, Vec<(f64, f64)>)>,
    markers: Vec<(usize, Marker, (f64, f64))>,
}

/// The SVG document for `spec`. Deterministic: same spec, same bytes.
pub(crate) fn draw(spec: &FigureSpec) -> String {
    let plot_left = f64::from(MARGIN_LEFT + Y_LABEL_AREA);
    let plot_centre = (plot_left + f64::from(WIDTH - MARGIN_RIGHT)) / 2.0;
    // The legend may use the full width (under the y labels too) so that pairs of CJK labels
    // still fit side by side; it is centred under the plot when narrower.
    let legend = legend::layout(
        &spec.legend,
        f64::from(CHART_HEIGHT),
        (12.0, f64::from(WIDTH) - 12.0),
        plot_centre,
        spec.legend_group,
    );
    let height = CHART_HEIGHT + legend.height + 4;

    let mut scaffold = String::new();
    // Drawing into a String cannot fail in practice; if plotters ever reports an error, the
    // figure degrades to whatever scaffold was drawn plus the "no data" note, never a panic.
    let drawn = draw_scaffold(spec, &mut scaffold, height).unwrap_or_else(|_| Drawn {
        lines: Vec::new(),
        markers: Vec::new(),
    });

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" font-family=\"sans-serif\">"
    );
    let _ = writeln!(svg, "<title>{}</title>", style::escape_xml(&spec.title));
    let _ = writeln!(svg, "<desc>{}</desc>", style::escape_xml(&spec.description));
    let title_px = style::font_to_fit(&spec.title, FONT_TITLE, f64::from(WIDTH - 16));
    let title = style::fit_text(&spec.title, title_px, f64::from(WIDTH - 16));
    svg.push_str("<g font-weight=\"bold\">\n");
    shapes::text(
        &mut svg,
        (f64::from(WIDTH) / 2.0, 26.0),
        title_px,
        "middle",
        &title,
    );
    svg.push_str("</g>\n");
    svg.push_str(&style::adopt_plotters_body(&scaffold));

    if drawn.lines.is_empty() && drawn.markers.is_empty() {
        let centre_y = f64::from(TITLE_BAND + CHART_HEIGHT - X_LABEL_AREA) / 2.0;
        let centre_x = plot_centre;
        shapes::text(
            &mut svg,
            (centre_x, centre_y),
            FONT_AXIS,
            "middle",
            "（没有可绘制的数据）",
        );
    }
    svg.push_str("<g fill=\"none\" stroke-width=\"2\" stroke-linejoin=\"round\">\n");
    for (series, points) in &drawn.lines {
        let s = &spec.series[*series];
        shapes::polyline(&mut svg, points, s.color, s.dash);
    }
    svg.push_str("</g>\n");
    for (series, marker, at) in &drawn.markers {
        shapes::marker(&mut svg, *marker, *at, spec.series[*series].color);
    }
    svg.push_str("<g fill=\"none\">\n");
    svg.push_str(&legend.svg);
    svg.push_str("</g>\n</svg>\n");
    svg
}

/// Draw grid, axes and labels with plotters into `out` and map the series to pixels.
fn draw_scaffold(
    spec: &FigureSpec,
    out: &mut String,
    height: u32,
) -> Result<Drawn, Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(out, (WIDTH, height)).into_drawing_area();
    let (upper, _) = root.split_vertically(CHART_HEIGHT);
    let (x, y) = (&spec.x, &spec.y);
    let mut chart = ChartBuilder::on(&upper)
        .margin_top(TITLE_BAND)
        .margin_left(MARGIN_LEFT)
        .margin_right(MARGIN_RIGHT)
        .x_label_area_size(X_LABEL_AREA)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(TickedRange(x), TickedRange(y))?;

    // plotters has one style for both axis descriptions: shrink both if either is too long.
    let plot_height = f64::from(CHART_HEIGHT - TITLE_BAND - X_LABEL_AREA);
    let plot_width = f64::from(WIDTH - MARGIN_LEFT - Y_LABEL_AREA - MARGIN_RIGHT);
    let desc_px = style::font_to_fit(&y.description, FONT_AXIS, plot_height)
        .min(style::font_to_fit(&x.description, FONT_AXIS, plot_width));
    let tick_font = ("sans-serif", style::plotters_font_size(FONT_TICK));
    let x_label = |v: &f64| x.label(*v);
    let y_label = |v: &f64| y.label(*v);
    chart
        .configure_mesh()
        .x_desc(x.description.as_str())
        .y_desc(y.description.as_str())
        .label_style(tick_font)
        .x_label_style(tick_font)
        .y_label_style(tick_font)
        .axis_desc_style(("sans-serif", style::plotters_font_size(desc_px)))
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .bold_line_style(BLACK.mix(0.14))
        .light_line_style(BLACK.mix(0.06))
        .axis_style(BLACK.mix(0.75))
        .set_all_tick_mark_size(4)
        .draw()?;

    let mut drawn = Drawn {
        lines: Vec::new(),
        markers: Vec::new(),
    };
    // Interpolate between plotters' pixels for the axis ends instead of asking plotters for
    // every point: it rounds to whole pixels, which makes gentle curves visibly stair-stepped.
    let (left, bottom) = chart.backend_coord(&(x.lo, y.lo));
    let (right, top) = chart.backend_coord(&(x.hi, y.hi));
    let to_pixels = |(px, py): (f64, f64)| {
        let fx = (px - x.lo) / (x.hi - x.lo);
        let fy = (py - y.lo) / (y.hi - y.lo);
        (
            f64::from(left) + fx * f64::from(right - left),
            f64::from(bottom) + fy * f64::from(top - bottom),
        )
    };
    for (index, series) in spec.series.iter().enumerate() {
        let positions: Vec<Option<(f64, f64)>> = series
            .points
            .iter()
            .map(|&(px, py)| Some((x.position(px)?, y.position(py)?)))
            .collect();
        for piece in clipped_pieces(&positions, (x.lo, x.hi), (y.lo, y.hi)) {
            drawn
                .lines
                .push((index, thin(piece.into_iter().map(to_pixels))));
        }
        for (i, position) in positions.iter().enumerate() {
            let Some((px, py)) = *position else { continue };
            // A point with no drawable neighbour has no line through it: give it a dot.
            let isolated = (i == 0 || positions[i - 1].is_none())
                && positions.get(i + 1).is_none_or(Option::is_none);
            let marker = match series.point_marker {
                Marker::None if isolated => Marker::Circle,
                marker => marker,
            };
            let inside = (x.lo..=x.hi).contains(&px) && (y.lo..=y.hi).contains(&py);
            if marker != Marker::None && inside {
                drawn.markers.push((index, marker, to_pixels((px, py))));
            }
        }
        if let Some(&(px, py)) = positions.iter().flatten().last() {
            if series.end_marker != Marker::None {
                let inside = (px.clamp(x.lo, x.hi), py.clamp(y.lo, y.hi));
                drawn
                    .markers
                    .push((index, series.end_marker, to_pixels(inside)));
            }
        }
    }
    drop(chart);
    root.present()?;
    Ok(drawn)
}

/// Drop vertices within half a pixel (both ways) of the last kept one: long runs with many
/// steps per pixel would otherwise bloat the SVG without changing what is drawn. The final
/// vertex is always kept so the line ends where the data ends.
fn thin(points: impl Iterator<Item = (f64, f64)>) -> Vec<(f64, f64)> {
    let mut kept: Vec<(f64, f64)> = Vec::new();
    let mut skipped = None;
    for p in points {
        match kept.last() {
            Some(&(x, y)) if (p.0 - x).abs() < 0.5 && (p.1 - y).abs() < 0.5 => skipped = Some(p),
            _ => {
                kept.push(p);
                skipped = None;
            }
        }
    }
    kept.extend(skipped);
    kept
}

/// An [`Axis`] as a plotters coordinate: linear over the axis' plotted units, with the ticks
/// (bold grid lines, labelled) and minor ticks (light grid lines) chosen in `axis.rs`.
/// (plotters' own `with_key_points` wrapper loses the label formatter bound for `f64`.)
struct TickedRange<'a>(&'a Axis);

impl Ranged for TickedRange<'_> {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let fraction = (value - self.0.lo) / (self.0.hi - self.0.lo);
        (f64::from(limit.0) + f64::from(limit.1 - limit.0) * fraction).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.0.minor.clone()
        } else {
            self.0.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.0.lo..self.0.hi
    }
}

/// The visible parts of a polyline whose vertices may be missing (`None`: not drawable, which
/// breaks the line) or outside the rectangle `[x0, x1] × [y0, y1]`: consecutive segments are
/// clipped (Liang–Barsky) and chained while they stay connected.
fn clipped_pieces(
    points: &[Option<(f64, f64)>],
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
) -> Vec<Vec<(f64, f64)>> {
    let mut pieces: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut open = false;
    for pair in points.windows(2) {
        let (Some(a), Some(b)) = (pair[0], pair[1]) else {
            open = false;
            continue;
        };
        let Some((from, to)) = clip_segment(a, b, (x0, x1), (y0, y1)) else {
            open = false;
            continue;
        };
        match pieces.last_mut() {
            Some(piece) if open && piece.last() == Some(&from) => piece.push(to),
            _ => pieces.push(vec![from, to]),
        }
        // The chain continues only if this segment reached its true end point.
        open = to == b;
    }
    pieces
}

fn clip_segment(
    a: (f64, f64),
    b: (f64, f64),
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
) -> Option<((f64, f64), (f64, f64))> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
    for (p, q) in [
        (-dx, a.0 - x0),
        (dx, x1 - a.0),
        (-dy, a.1 - y0),
        (dy, y1 - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    if t0 > t1 {
        return None;
    }
    let at = |t: f64| {
        if t == 0.0 {
            a
        } else if t == 1.0 {
            b
        } else {
            (a.0 + t * dx, a.1 + t * dy)
        }
    };
    Some((at(t0), at(t1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_inside_stay_whole_and_connected() {
        let points = [Some((0.0, 0.0)), Some((1.0, 1.0)), Some((2.0, 0.5))];
        assert_eq!(
            clipped_pieces(&points, (0.0, 2.0), (0.0, 1.0)),
            vec![vec![(0.0, 0.0), (1.0, 1.0), (2.0, 0.5)]]
        );
    }

    #[test]
    fn excursions_above_the_range_split_the_line_at_the_edge() {
        let points = [Some((0.0, 0.5)), Some((1.0, 1.5)), Some((2.0, 0.5))];
        let pieces = clipped_pieces(&points, (0.0, 2.0), (0.0, 1.0));
        assert_eq!(
            pieces,
            vec![vec![(0.0, 0.5), (0.5, 1.0)], vec![(1.5, 1.0), (2.0, 0.5)]]
        );
    }

    #[test]
    fn missing_points_break_the_line() {
        let points = [Some((0.0, 0.5)), None, Some((2.0, 0.5)), Some((3.0, 0.5))];
        assert_eq!(
            clipped_pieces(&points, (0.0, 3.0), (0.0, 1.0)),
            vec![vec![(2.0, 0.5), (3.0, 0.5)]]
        );
    }
}
