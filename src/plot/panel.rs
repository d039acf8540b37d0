//! One panel of a figure: plotters draws its scaffold (grid, axes, ticks and their labels,
//! axis descriptions) and tells where the axis ends land in pixels; this module then maps the
//! panel's cells, bands, lines and markers to pixels, clipped to the plot rectangle.

use std::fmt::Write as _;
use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;

use super::axis::Axis;
use super::clip::{clipped_pieces, thin};
use super::colormap;
use super::frame::Panel;
use super::shapes::{self, Marker};
use super::style::{self, FONT_AXIS, FONT_TICK};

/// Font of a panel's subtitle.
pub(crate) const SUBTITLE_FONT: f64 = 15.0;

/// Opacity of interquartile bands: the median line stays the figure, the band its context.
const BAND_OPACITY: f64 = 0.2;

/// Margins and label areas of a panel, in pixels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Geometry {
    /// Panel height including its subtitle band and x-axis labels.
    pub height: u32,
    top: u32,
    left: u32,
    right: u32,
    y_labels: u32,
    x_labels: u32,
}

impl Geometry {
    /// A full-width panel (the single-panel figures of old: plot 600 × 350 below the title).
    pub(crate) const WIDE: Geometry = Geometry {
        height: 350,
        top: 0,
        left: 6,
        right: 22,
        y_labels: 78,
        x_labels: 56,
    };
    /// Small multiples two to a row: still ≈ 9 px text on a 390 px phone.
    pub(crate) const NARROW: Geometry = Geometry {
        height: 262,
        top: 30,
        left: 4,
        right: 12,
        y_labels: 64,
        x_labels: 50,
    };

    /// Horizontal centre of the plot area of a panel starting at `left`, `width` wide.
    pub(crate) fn plot_centre(&self, left: u32, width: u32) -> f64 {
        let plot_left = f64::from(left + self.left + self.y_labels);
        (plot_left + f64::from(left + width - self.right)) / 2.0
    }
}

/// Maps plotted units of one panel to pixels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PixelMap {
    x: (f64, f64),
    y: (f64, f64),
    left: f64,
    right: f64,
    bottom: f64,
    top: f64,
}

impl PixelMap {
    fn pixels(self, (px, py): (f64, f64)) -> (f64, f64) {
        let fx = (px - self.x.0) / (self.x.1 - self.x.0);
        let fy = (py - self.y.0) / (self.y.1 - self.y.0);
        (
            self.left + fx * (self.right - self.left),
            self.bottom + fy * (self.top - self.bottom),
        )
    }

    fn inside(self, (px, py): (f64, f64)) -> bool {
        (self.x.0..=self.x.1).contains(&px) && (self.y.0..=self.y.1).contains(&py)
    }

    fn clamp(self, (px, py): (f64, f64)) -> (f64, f64) {
        (px.clamp(self.x.0, self.x.1), py.clamp(self.y.0, self.y.1))
    }
}

/// Draw every panel's scaffold with plotters, panel `i` at `placed[i]` (its top-left pixel);
/// returns plotters' SVG and each panel's pixel map (`None` if plotters failed on it).
pub(crate) fn scaffolds(
    panels: &[Panel],
    placed: &[(u32, u32)],
    width: u32,
    geometry: Geometry,
    height: u32,
) -> (String, Vec<Option<PixelMap>>) {
    let mut out = String::new();
    let mut maps = Vec::new();
    {
        let root =
            SVGBackend::with_string(&mut out, (super::style::WIDTH, height)).into_drawing_area();
        for (panel, (left, top)) in panels.iter().zip(placed) {
            let area = root.clone().shrink((*left, *top), (width, geometry.height));
            maps.push(scaffold(panel, &area, width, geometry).ok());
        }
        let _ = root.present();
    }
    (out, maps)
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

fn scaffold(
    panel: &Panel,
    area: &Area<'_>,
    width: u32,
    g: Geometry,
) -> Result<PixelMap, Box<dyn std::error::Error>> {
    let (x, y) = (&panel.x, &panel.y);
    let top = if panel.subtitle.is_empty() {
        g.top
    } else {
        g.top.max(30)
    };
    let mut chart = ChartBuilder::on(area)
        .margin_top(top)
        .margin_left(g.left)
        .margin_right(g.right)
        .x_label_area_size(g.x_labels)
        .y_label_area_size(g.y_labels)
        .build_cartesian_2d(TickedRange(x), TickedRange(y))?;
    // plotters has one style for both axis descriptions: shrink both if either is too long.
    let plot_height = f64::from(g.height - top - g.x_labels);
    let plot_width = f64::from(width - g.left - g.y_labels - g.right);
    let desc_px = style::font_to_fit(&y.description, FONT_AXIS, plot_height)
        .min(style::font_to_fit(&x.description, FONT_AXIS, plot_width));
    let tick_font = ("sans-serif", style::plotters_font_size(FONT_TICK));
    let x_label = |v: &f64| x.label(*v);
    let y_label = |v: &f64| y.label(*v);
    let mut mesh = chart.configure_mesh();
    mesh.label_style(tick_font)
        .x_label_style(tick_font)
        .y_label_style(tick_font)
        .axis_desc_style(("sans-serif", style::plotters_font_size(desc_px)))
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .bold_line_style(BLACK.mix(0.14))
        .light_line_style(BLACK.mix(0.06))
        .axis_style(BLACK.mix(0.75))
        .set_all_tick_mark_size(4);
    if !x.description.is_empty() {
        mesh.x_desc(x.description.as_str());
    }
    if !y.description.is_empty() {
        mesh.y_desc(y.description.as_str());
    }
    mesh.draw()?;
    // Interpolate between plotters' pixels for the axis ends instead of asking plotters for
    // every point: it rounds to whole pixels, which makes gentle curves visibly stair-stepped.
    let (left, bottom) = chart.backend_coord(&(x.lo, y.lo));
    let (right, top) = chart.backend_coord(&(x.hi, y.hi));
    Ok(PixelMap {
        x: (x.lo, x.hi),
        y: (y.lo, y.hi),
        left: f64::from(left),
        right: f64::from(right),
        bottom: f64::from(bottom),
        top: f64::from(top),
    })
}

/// Write the panel's data: cells, then bands, then lines, then markers (so markers stay on
/// top); a panel with nothing drawable says so in its middle.
pub(crate) fn draw_data(svg: &mut String, panel: &Panel, map: &PixelMap, no_data: &str) {
    let mut drawn_anything = false;
    if !panel.cells.is_empty() {
        let _ = writeln!(
            svg,
            "<g shape-rendering=\"crispEdges\" fill-opacity=\"{}\">",
            style::number(panel.cell_opacity)
        );
        for cell in &panel.cells {
            let (x0, x1) = (cell.x.0.max(map.x.0), cell.x.1.min(map.x.1));
            let (y0, y1) = (cell.y.0.max(map.y.0), cell.y.1.min(map.y.1));
            if !(x0 < x1 && y0 < y1) {
                continue;
            }
            // Whole pixels, each edge rounded on its own, so neighbouring cells meet exactly.
            let (a, b) = (map.pixels((x0, y1)), map.pixels((x1, y0)));
            let (a, b) = ((a.0.round(), a.1.round()), (b.0.round(), b.1.round()));
            let size = (b.0 - a.0, b.1 - a.1);
            match &cell.fill {
                Some(fill) => {
                    let _ = writeln!(
                        svg,
                        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\"/>",
                        a.0, a.1, size.0, size.1
                    );
                }
                None => colormap::hatched(svg, a, size),
            }
            drawn_anything = true;
        }
        svg.push_str("</g>\n");
    }
    for band in &panel.bands {
        for piece in band_pieces(band, panel, map) {
            shapes::polygon(svg, &piece, band.color, BAND_OPACITY);
            drawn_anything = true;
        }
    }
    let mut markers = Vec::new();
    svg.push_str("<g fill=\"none\" stroke-width=\"2\" stroke-linejoin=\"round\">\n");
    for series in &panel.series {
        let positions: Vec<Option<(f64, f64)>> = series
            .points
            .iter()
            .map(|&(px, py)| Some((panel.x.position(px)?, panel.y.position(py)?)))
            .collect();
        if series.line {
            for piece in clipped_pieces(&positions, map.x, map.y) {
                let pixels = thin(piece.into_iter().map(|p| map.pixels(p)));
                shapes::polyline(svg, &pixels, series.color, series.dash);
                drawn_anything = true;
            }
        }
        for (i, position) in positions.iter().enumerate() {
            let Some(p) = *position else { continue };
            // A point with no drawable neighbour has no line through it: give it a dot.
            let isolated = (i == 0 || positions[i - 1].is_none())
                && positions.get(i + 1).is_none_or(Option::is_none);
            let marker = match series.point_marker {
                Marker::None if isolated && series.line => Marker::Circle,
                marker => marker,
            };
            if marker != Marker::None && map.inside(p) {
                markers.push((marker, map.pixels(p), series.color));
            }
        }
        if let Some(&p) = positions.iter().flatten().last()
            && series.end_marker != Marker::None
        {
            markers.push((series.end_marker, map.pixels(map.clamp(p)), series.color));
        }
    }
    svg.push_str("</g>\n");
    for (marker, at, color) in &markers {
        shapes::marker(svg, *marker, *at, color);
        drawn_anything = true;
    }
    if !drawn_anything {
        let centre = map.pixels(((map.x.0 + map.x.1) / 2.0, (map.y.0 + map.y.1) / 2.0));
        shapes::text(svg, centre, FONT_AXIS, "middle", no_data);
    }
}

/// The band as pixel polygons: one per stretch of points whose bounds are both drawable,
/// vertices pulled inside the plot rectangle.
fn band_pieces(band: &super::frame::Band, panel: &Panel, map: &PixelMap) -> Vec<Vec<(f64, f64)>> {
    let mut pieces = Vec::new();
    let mut stretch: Vec<(f64, f64, f64)> = Vec::new();
    let close = |stretch: &mut Vec<(f64, f64, f64)>, pieces: &mut Vec<Vec<(f64, f64)>>| {
        if stretch.len() >= 2 {
            let upper = stretch.iter().map(|&(x, _, hi)| (x, hi));
            let lower = stretch.iter().rev().map(|&(x, lo, _)| (x, lo));
            pieces.push(
                upper
                    .chain(lower)
                    .map(|p| map.pixels(map.clamp(p)))
                    .collect(),
            );
        }
        stretch.clear();
    };
    for &(x, lo, hi) in &band.points {
        let position = (|| {
            Some((
                panel.x.position(x)?,
                panel.y.position(lo)?,
                panel.y.position(hi)?,
            ))
        })();
        match position {
            Some(p) => stretch.push(p),
            None => close(&mut stretch, &mut pieces),
        }
    }
    close(&mut stretch, &mut pieces);
    pieces
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
