//! Geometry on plotted coordinates: clipping polylines and polygons to the plot rectangle and
//! thinning vertices closer than a pixel (so long runs do not bloat the SVG).

/// Drop vertices within half a pixel (both ways) of the last kept one: long runs with many
/// steps per pixel would otherwise bloat the SVG without changing what is drawn. The final
/// vertex is always kept so the line ends where the data ends.
pub(crate) fn thin(points: impl Iterator<Item = (f64, f64)>) -> Vec<(f64, f64)> {
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

/// The visible parts of a polyline whose vertices may be missing (`None`: not drawable, which
/// breaks the line) or outside the rectangle `[x0, x1] × [y0, y1]`: consecutive segments are
/// clipped (Liang–Barsky) and chained while they stay connected.
pub(crate) fn clipped_pieces(
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

pub(crate) fn clip_segment(
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
