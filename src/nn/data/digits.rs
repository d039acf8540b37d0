//! The UCI 8×8 handwritten digits (Alpaydin & Kaynak 1998, CC BY 4.0), shipped inside the
//! binary as `data/digits.csv.gz` so that loading them needs no network or data directory.
//! See `data/README.md` for the source, licence and checksums.

use std::io::Read;

use flate2::read::GzDecoder;
use ndarray::Array2;

use crate::nn::data::sets::Dataset;

/// The gzipped CSV: one image per line, 64 pixel values 0..=16 (row by row) then the label.
const DIGITS_CSV_GZ: &[u8] = include_bytes!("../../../data/digits.csv.gz");

/// Images in the set.
const SAMPLES: usize = 1797;
/// Pixels per image (8 × 8).
const FEATURES: usize = 64;
const CLASSES: usize = 10;
/// The largest pixel value: the count of ink pixels in a 4×4 block of the 32×32 original.
const MAX_PIXEL: f64 = 16.0;

/// All 1,797 handwritten digits of the UCI "Optical Recognition of Handwritten Digits" set
/// (8×8 version, as scikit-learn ships it), in the file's order: row i of `inputs` holds
/// image i's 64 pixels row by row, scaled from 0..=16 to [0, 1]; `labels[i]` is its digit
/// 0..9; 10 classes.
///
/// Decodes the embedded file on every call (about a millisecond); keep the result if you
/// need it more than once.
pub fn digits() -> Dataset {
    parse(&csv_bytes()).unwrap_or_else(|problem| panic!("data/digits.csv.gz: {problem}"))
}

/// The embedded file, decompressed.
fn csv_bytes() -> Vec<u8> {
    let mut csv = Vec::with_capacity(270_000);
    GzDecoder::new(DIGITS_CSV_GZ)
        .read_to_end(&mut csv)
        .unwrap_or_else(|error| panic!("data/digits.csv.gz does not decompress: {error}"));
    csv
}

/// How the embedded CSV deviates from its fixed shape (only a damaged file does).
#[derive(Debug, thiserror::Error)]
enum DamagedFile {
    #[error("not UTF-8: {0}")]
    NotUtf8(#[from] std::str::Utf8Error),
    #[error("more than {SAMPLES} lines")]
    TooManyLines,
    #[error("line {line} has only {fields} fields, not {}", FEATURES + 1)]
    TooFewFields { line: usize, fields: usize },
    #[error("line {line}, field {field}: `{text}` is not a pixel 0..=16")]
    BadPixel {
        line: usize,
        field: usize,
        text: String,
    },
    #[error("line {line} has no label")]
    NoLabel { line: usize },
    #[error("line {line}: label `{text}` is not a digit 0..9")]
    BadLabel { line: usize, text: String },
    #[error("line {line} has more than {} fields", FEATURES + 1)]
    TooManyFields { line: usize },
    #[error("{lines} lines, not {SAMPLES}")]
    LineCount { lines: usize },
}

/// Parses the CSV strictly: exactly `SAMPLES` lines of `FEATURES` pixels in 0..=16 and a
/// label below `CLASSES`. The file is fixed, so any deviation means it was damaged.
fn parse(csv: &[u8]) -> Result<Dataset, DamagedFile> {
    let text = std::str::from_utf8(csv)?;
    let mut inputs = Array2::zeros((SAMPLES, FEATURES));
    let mut labels = Vec::with_capacity(SAMPLES);
    for (row, line) in text.lines().enumerate() {
        let line_number = row + 1;
        if row >= SAMPLES {
            return Err(DamagedFile::TooManyLines);
        }
        let mut fields = line.split(',');
        for column in 0..FEATURES {
            let field = fields.next().ok_or(DamagedFile::TooFewFields {
                line: line_number,
                fields: column,
            })?;
            let pixel: u8 = field
                .parse()
                .ok()
                .filter(|&value| f64::from(value) <= MAX_PIXEL)
                .ok_or_else(|| DamagedFile::BadPixel {
                    line: line_number,
                    field: column + 1,
                    text: field.to_string(),
                })?;
            inputs[(row, column)] = f64::from(pixel) / MAX_PIXEL;
        }
        let field = fields
            .next()
            .ok_or(DamagedFile::NoLabel { line: line_number })?;
        let label: usize = field
            .parse()
            .ok()
            .filter(|&label| label < CLASSES)
            .ok_or_else(|| DamagedFile::BadLabel {
                line: line_number,
                text: field.to_string(),
            })?;
        if fields.next().is_some() {
            return Err(DamagedFile::TooManyFields { line: line_number });
        }
        labels.push(label);
    }
    if labels.len() != SAMPLES {
        return Err(DamagedFile::LineCount {
            lines: labels.len(),
        });
    }
    Ok(Dataset {
        inputs,
        labels,
        classes: CLASSES,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_decoded_file_is_the_one_we_ship() {
        let csv = csv_bytes();
        assert_eq!(csv.len(), 264_712);
        // BLAKE3 of the decompressed CSV; data/README.md gives its SHA-256 too.
        assert_eq!(
            blake3::hash(&csv).to_hex().as_str(),
            "f84230aa70dfb2e9da69c9c09d8c1fb7fb743a0cce3676204f3b3933c2115f15"
        );
    }

    #[test]
    fn digits_have_the_known_shape_classes_and_range() {
        let data = digits();
        assert_eq!(data.len(), 1797);
        assert_eq!(data.input_dim(), 64);
        assert_eq!(data.inputs.dim(), (1797, 64));
        assert_eq!(data.classes, 10);
        let counts: Vec<usize> = (0..10)
            .map(|digit| data.labels.iter().filter(|&&label| label == digit).count())
            .collect();
        assert_eq!(
            counts,
            vec![178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
        );
        assert!(data.inputs.iter().all(|&x| (0.0..=1.0).contains(&x)));
        // Both ends of the range occur, and every value is a multiple of 1/16.
        assert!(data.inputs.iter().any(|&x| x == 0.0));
        assert!(data.inputs.iter().any(|&x| x == 1.0));
        assert!(data.inputs.iter().all(|&x| (x * 16.0).fract() == 0.0));
        // Sum of all raw pixel values (0..=16) in the file.
        let raw_total: f64 = data.inputs.iter().map(|&x| x * 16.0).sum();
        assert_eq!(raw_total, 561_718.0);
        // The first image, a 0, as the file has it.
        assert_eq!(data.labels[0], 0);
        let first: Vec<f64> = data.inputs.row(0).iter().map(|&x| x * 16.0).collect();
        assert_eq!(&first[..8], &[0.0, 0.0, 5.0, 13.0, 9.0, 1.0, 0.0, 0.0]);
        // Decoding is deterministic.
        assert_eq!(data, digits());
    }

    #[test]
    fn damaged_files_are_rejected() {
        let good = "0,".repeat(FEATURES) + "3\n";
        let many = good.repeat(SAMPLES);
        assert!(parse(many.as_bytes()).is_ok());
        assert!(
            parse(good.as_bytes())
                .unwrap_err()
                .to_string()
                .contains("1 lines")
        );
        let cases = [
            ("0,".repeat(FEATURES) + "10\n", "label `10`"),
            (
                "17,".to_string() + &"0,".repeat(FEATURES - 1) + "3\n",
                "`17` is not a pixel",
            ),
            ("0,".repeat(FEATURES - 1) + "3\n", "no label"),
            ("0,".repeat(FEATURES + 1) + "3\n", "more than 65 fields"),
        ];
        for (line, message) in cases {
            let csv = line + &many;
            let problem = parse(csv.as_bytes()).unwrap_err().to_string();
            assert!(problem.contains(message), "{problem}");
        }
        let extra = many + &good;
        assert!(
            parse(extra.as_bytes())
                .unwrap_err()
                .to_string()
                .contains("more than 1797 lines")
        );
    }
}
