//! Turns a figure description (panels, legend, colour bar) into one SVG document. Each panel's
//! scaffold (grid, axes, ticks, tick labels, axis descriptions) is drawn by plotters in
//! `panel.rs`; gradbook writes the title, the data (cells, bands, lines, markers), the legend
//! and the colour bar, then wraps everything with `<title>`/`<desc>` for screen readers.

use crate::locale::Words;
use std::fmt::Write as _;

use super::axis::Axis;
use super::colormap::{self, ColorBar};
use super::legend::{self, LegendEntry};
use super::panel::{self, Geometry};
use super::shapes::{self, Marker};
use super::style::{self, FONT_TITLE, WIDTH};

/// One plotted line (or scatter) in data units (the axes decide how values map).
#[derive(Debug, Clone)]
pub(crate) struct Series {
    pub color: &'static str,
    pub dash: Option<&'static str>,
    pub points: Vec<(f64, f64)>,
    /// Join the points with a line (off for scatter plots and lone markers).
    pub line: bool,
    /// Drawn at every point inside the plot.
    pub point_marker: Marker,
    /// Drawn at the last drawable point, pulled inside the plot if the value is off-scale
    /// (the ✕ of a diverged run).
    pub end_marker: Marker,
}

impl Series {
    /// A plain line without markers.
    pub(crate) fn line(
        color: &'static str,
        dash: Option<&'static str>,
        points: Vec<(f64, f64)>,
    ) -> Self {
        Series {
            color,
            dash,
            points,
            line: true,
            point_marker: Marker::None,
            end_marker: Marker::None,
        }
    }

    /// One marker at `at`, kept inside the plot even when `at` is off-scale.
    pub(crate) fn marker(color: &'static str, marker: Marker, at: (f64, f64)) -> Self {
        Series {
            color,
            dash: None,
            points: vec![at],
            line: false,
            point_marker: Marker::None,
            end_marker: marker,
        }
    }
}

/// A translucent band between two curves in data units: `(x, low, high)` per point (the
/// interquartile range over seeds).
#[derive(Debug, Clone)]
pub(crate) struct Band {
    pub color: &'static str,
    pub points: Vec<(f64, f64, f64)>,
}

/// A filled rectangle in plotted units (heat-map cell, decision region); `fill: None` is a
/// hatched "no data" cell.
#[derive(Debug, Clone)]
pub(crate) struct Cell {
    pub x: (f64, f64),
    pub y: (f64, f64),
    pub fill: Option<String>,
}

/// One set of axes and what is drawn on them.
#[derive(Debug, Clone)]
pub(crate) struct Panel {
    /// Shown above the panel; empty for a single-panel figure.
    pub subtitle: String,
    pub x: Axis,
    pub y: Axis,
    pub cells: Vec<Cell>,
    /// Opacity of the cells' fills (decision regions are tints, heat maps are opaque).
    pub cell_opacity: f64,
    pub bands: Vec<Band>,
    pub series: Vec<Series>,
}

impl Panel {
    pub(crate) fn new(x: Axis, y: Axis) -> Self {
        Panel {
            subtitle: String::new(),
            x,
            y,
            cells: Vec::new(),
            cell_opacity: 1.0,
            bands: Vec::new(),
            series: Vec::new(),
        }
    }
}

/// Everything needed to draw one figure.
#[derive(Debug, Clone)]
pub(crate) struct FigureSpec {
    pub title: String,
    /// What is plotted, for `<desc>`.
    pub description: String,
    pub panels: Vec<Panel>,
    /// Panels per row: 1 draws full-width panels, 2 small multiples.
    pub columns: usize,
    pub legend: Vec<LegendEntry>,
    /// Consecutive legend entries to keep on one row.
    pub legend_group: usize,
    pub colorbar: Option<ColorBar>,
}

impl FigureSpec {
    /// A one-panel figure.
    pub(crate) fn single(title: &str, description: String, panel: Panel) -> Self {
        FigureSpec {
            title: title.to_string(),
            description,
            panels: vec![panel],
            columns: 1,
            legend: Vec::new(),
            legend_group: 1,
            colorbar: None,
        }
    }
}

/// Band drawn above the panels for the figure title.
const TITLE_BAND: u32 = 40;

/// The SVG document for `spec`, an empty panel saying so in `words`' language.
/// Deterministic: same spec, same bytes.
pub(crate) fn draw(spec: &FigureSpec, words: &Words) -> String {
    let columns = spec.columns.clamp(1, spec.panels.len().max(1));
    let geometry = if columns == 1 {
        Geometry::WIDE
    } else {
        Geometry::NARROW
    };
    let rows = spec.panels.len().div_ceil(columns).max(1) as u32;
    let panel_width = WIDTH / columns as u32;
    let panels_bottom = TITLE_BAND + rows * geometry.height;
    let centre = if columns == 1 {
        geometry.plot_centre(0, WIDTH)
    } else {
        f64::from(WIDTH) / 2.0
    };
    // The legend may use the full width (under the y labels too) so that pairs of CJK labels
    // still fit side by side; it is centred under the plot when narrower.
    let legend = legend::layout(
        &spec.legend,
        f64::from(panels_bottom),
        (12.0, f64::from(WIDTH) - 12.0),
        centre,
        spec.legend_group,
    );
    let bar_top = panels_bottom + legend.height;
    let bar_height = if spec.colorbar.is_some() {
        colormap::BAR_HEIGHT
    } else {
        0
    };
    let height = bar_top + bar_height + 4;

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" font-family=\"sans-serif\">"
    );
    let _ = writeln!(svg, "<title>{}</title>", style::escape_xml(&spec.title));
    let _ = writeln!(svg, "<desc>{}</desc>", style::escape_xml(&spec.description));
    let room = f64::from(WIDTH - 16);
    let title_px = style::font_to_fit(&spec.title, FONT_TITLE, room);
    let title = style::fit_text(&spec.title, title_px, room);
    svg.push_str("<g font-weight=\"bold\">\n");
    shapes::text(
        &mut svg,
        (f64::from(WIDTH) / 2.0, 26.0),
        title_px,
        "middle",
        &title,
    );
    svg.push_str("</g>\n");

    let placed: Vec<(u32, u32)> = (0..spec.panels.len())
        .map(|i| {
            let (row, column) = ((i / columns) as u32, (i % columns) as u32);
            (column * panel_width, TITLE_BAND + row * geometry.height)
        })
        .collect();
    let (scaffold, maps) = panel::scaffolds(&spec.panels, &placed, panel_width, geometry, height);
    svg.push_str(&style::adopt_plotters_body(&scaffold));
    for ((spec_panel, map), (left, top)) in spec.panels.iter().zip(&maps).zip(&placed) {
        if !spec_panel.subtitle.is_empty() {
            let centre = geometry.plot_centre(*left, panel_width);
            // Centred on the plot, which sits right of the panel's middle: the room is twice
            // the distance to the panel's right edge.
            let room = 2.0 * (f64::from(left + panel_width) - centre) - 8.0;
            let title = style::fit_text(&spec_panel.subtitle, panel::SUBTITLE_FONT, room);
            let at = (centre, f64::from(*top) + 18.0);
            shapes::text(&mut svg, at, panel::SUBTITLE_FONT, "middle", &title);
        }
        // A panel whose scaffold plotters could not draw (never seen in practice) stays empty
        // rather than failing the build.
        if let Some(map) = map {
            panel::draw_data(&mut svg, spec_panel, map, &words.figure.no_data);
        }
    }

    svg.push_str("<g fill=\"none\">\n");
    svg.push_str(&legend.svg);
    svg.push_str("</g>\n");
    if let Some(bar) = &spec.colorbar {
        colormap::draw_bar(&mut svg, bar, f64::from(bar_top), f64::from(WIDTH));
    }
    svg.push_str("</svg>\n");
    svg
}
