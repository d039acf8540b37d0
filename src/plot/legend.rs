//! The legend, laid out by gradbook below the plot instead of by plotters inside it: plotters
//! sizes legend boxes from UTF-8 byte length (Chinese labels come out twice too wide) and
//! places them over the data. Entries form a grid whose column width fits the longest label.

use super::shapes::{self, Marker};
use super::style::{self, FONT_LEGEND};

/// One legend line: a line sample in the series' colour and dash, an optional marker, a label.
#[derive(Debug, Clone)]
pub(crate) struct LegendEntry {
    pub label: String,
    pub color: &'static str,
    pub dash: Option<&'static str>,
    pub marker: Marker,
    /// Entries sharing a group (a run) start on a fresh group boundary; see [`layout`].
    pub group: usize,
}

const SWATCH: f64 = 30.0;
const SWATCH_GAP: f64 = 7.0;
const COLUMN_GAP: f64 = 22.0;
const ROW_HEIGHT: f64 = 23.0;
const PADDING: f64 = 6.0;

/// A legend ready to place: its SVG and the height it needs.
pub(crate) struct Legend {
    pub svg: String,
    pub height: u32,
}

/// Lay `entries` out in a grid below `top`, within `(left, right)`, centred on `centre` where
/// it fits. When `group_size` is above one and a row has room for that many cells, each group
/// of entries starts on a multiple of `group_size` (the per-layer figure pairs a run's "step 0"
/// and "last step" entries, so every run reads across one row even if one run has only one).
pub(crate) fn layout(
    entries: &[LegendEntry],
    top: f64,
    (left, right): (f64, f64),
    centre: f64,
    group_size: usize,
) -> Legend {
    let width = right - left;
    if entries.is_empty() {
        return Legend {
            svg: String::new(),
            height: 0,
        };
    }
    let label_room = width - SWATCH - SWATCH_GAP;
    let labels: Vec<String> = entries
        .iter()
        .map(|e| style::fit_text(&e.label, FONT_LEGEND, label_room))
        .collect();
    let widest = labels
        .iter()
        .map(|l| style::text_width(l, FONT_LEGEND))
        .fold(0.0, f64::max);
    let column_width = SWATCH + SWATCH_GAP + widest + COLUMN_GAP;
    let mut columns =
        (((width + COLUMN_GAP) / column_width).floor() as usize).clamp(1, entries.len());
    let aligned = group_size > 1 && columns >= group_size;
    if aligned {
        columns -= columns % group_size;
    }
    let cells = cell_indices(entries, if aligned { group_size } else { 1 });
    let rows = cells.last().map_or(0, |last| last / columns + 1);
    let used_columns = columns.min(cells.last().map_or(1, |last| last + 1));
    let grid_width = used_columns as f64 * column_width - COLUMN_GAP;
    let left = (centre - grid_width / 2.0)
        .min(right - grid_width)
        .max(left);

    let mut svg = String::from("<g stroke-width=\"2\">\n");
    for ((entry, label), cell) in entries.iter().zip(&labels).zip(cells) {
        let x = left + (cell % columns) as f64 * column_width;
        let middle = top + PADDING + (cell / columns) as f64 * ROW_HEIGHT + ROW_HEIGHT / 2.0;
        let y = middle.round();
        let (x0, x1) = (x.round(), (x + SWATCH).round());
        shapes::polyline(&mut svg, &[(x0, y), (x1, y)], entry.color, entry.dash);
        shapes::marker(&mut svg, entry.marker, ((x0 + x1) / 2.0, y), entry.color);
        // 0.35 em below the middle puts the x-height of the text on the swatch line.
        shapes::text(
            &mut svg,
            (x + SWATCH + SWATCH_GAP, middle + FONT_LEGEND * 0.35),
            FONT_LEGEND,
            "start",
            label,
        );
    }
    svg.push_str("</g>\n");
    let height = (2.0 * PADDING + rows as f64 * ROW_HEIGHT).ceil() as u32;
    Legend { svg, height }
}

/// Grid cell of each entry: consecutive, except that a new group starts at a multiple of
/// `group_size`.
fn cell_indices(entries: &[LegendEntry], group_size: usize) -> Vec<usize> {
    let mut cells = Vec::with_capacity(entries.len());
    let mut next = 0_usize;
    for (i, entry) in entries.iter().enumerate() {
        if i > 0 && entry.group != entries[i - 1].group {
            next = next.div_ceil(group_size) * group_size;
        }
        cells.push(next);
        next += 1;
    }
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(label: &str, group: usize) -> LegendEntry {
        LegendEntry {
            label: label.to_string(),
            color: "#0072B2",
            dash: None,
            marker: Marker::None,
            group,
        }
    }

    #[test]
    fn short_labels_share_a_row_and_long_ones_stack() {
        let short = layout(&[entry("a", 0), entry("b", 1)], 0.0, (0.0, 600.0), 300.0, 1);
        let long_label = "很长的标签".repeat(8);
        let long = [entry(&long_label, 0), entry(&long_label, 1)];
        assert!(layout(&long, 0.0, (0.0, 600.0), 300.0, 1).height > short.height);
    }

    #[test]
    fn overlong_labels_are_shortened_to_fit() {
        let legend = layout(
            &[entry(&"发散".repeat(100), 0)],
            0.0,
            (0.0, 300.0),
            150.0,
            1,
        );
        assert!(legend.svg.contains('…'));
    }

    #[test]
    fn groups_stay_on_one_row() {
        // Room for three columns, but pairs must not be split: two columns, two rows.
        let entries: Vec<_> = ["a", "b", "c", "d"]
            .iter()
            .enumerate()
            .map(|(i, label)| entry(label, i / 2))
            .collect();
        let column = SWATCH + SWATCH_GAP + style::text_width("a", FONT_LEGEND) + COLUMN_GAP;
        let legend = layout(&entries, 0.0, (0.0, column * 3.0), 0.0, 2);
        let two_rows = (2.0 * PADDING + 2.0 * ROW_HEIGHT).ceil() as u32;
        assert_eq!(legend.height, two_rows);
    }

    #[test]
    fn a_short_group_does_not_shift_the_next_one() {
        let entries = [entry("x", 0), entry("y", 1), entry("z", 1)];
        assert_eq!(cell_indices(&entries, 2), vec![0, 2, 3]);
        assert_eq!(cell_indices(&entries, 1), vec![0, 1, 2]);
    }
}
