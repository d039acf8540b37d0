//! The rounding against IEEE 754's rules, checked on every 16-bit pattern, and the loss
//! scaler against PyTorch's `GradScaler` semantics.

use half::{bf16, f16};

use super::*;

/// The f32 value of each finite pattern of a format, its successor's (toward +∞ for
/// positive patterns, toward −∞ for negative ones) and its fraction's lowest bit.
fn neighbours(format: HalfFormat) -> Vec<(f32, f32, bool)> {
    let value = |bits: u16| match format {
        HalfFormat::F16 => f16::from_bits(bits).to_f32(),
        HalfFormat::Bf16 => bf16::from_bits(bits).to_f32(),
    };
    (0..=u16::MAX)
        .filter(|&bits| value(bits).is_finite() && value(bits.wrapping_add(1)).is_finite())
        .filter(|&bits| bits & 0x7fff != 0x7fff)
        .map(|bits| (value(bits), value(bits + 1), bits & 1 == 1))
        .collect()
}

#[test]
fn every_pattern_round_trips_and_agrees_with_half() {
    for format in [HalfFormat::F16, HalfFormat::Bf16] {
        let mut values: Vec<f32> = (0..=u16::MAX)
            .map(|bits| match format {
                HalfFormat::F16 => f16::from_bits(bits).to_f32(),
                HalfFormat::Bf16 => bf16::from_bits(bits).to_f32(),
            })
            .collect();
        let before = values.clone();
        format.round_slice(&mut values);
        for (bits, (&after, &was)) in values.iter().zip(&before).enumerate() {
            // Every pattern is a value of the format: it comes back unchanged (NaN stays NaN).
            assert!(
                after.to_bits() == was.to_bits() || (after.is_nan() && was.is_nan()),
                "{} pattern {bits:#06x}: {was} came back as {after}",
                format.name()
            );
            assert_eq!(
                format.round(f64::from(was)).to_bits(),
                f64::from(after).to_bits()
            );
        }
    }
}

#[test]
fn midpoints_round_to_the_even_neighbour() {
    for format in [HalfFormat::F16, HalfFormat::Bf16] {
        let pairs = neighbours(format);
        assert!(pairs.len() > 60_000, "{}", pairs.len());
        // Halved first near f32's top (bf16's largest values would overflow a + b), summed
        // first near zero (halving a subnormal would drop its last bit).
        let midpoint = |a: f32, b: f32| match a.abs() > 1.0 {
            true => a / 2.0 + b / 2.0,
            false => (a + b) / 2.0,
        };
        let mut midpoints: Vec<f32> = pairs.iter().map(|&(a, b, _)| midpoint(a, b)).collect();
        // The midpoint of two adjacent half values is exact in f32 (a few more bits).
        for (&m, &(a, b, _)) in midpoints.iter().zip(&pairs) {
            assert_eq!(f64::from(m), (f64::from(a) + f64::from(b)) / 2.0);
        }
        format.round_slice(&mut midpoints);
        for (&rounded, &(a, b, a_odd)) in midpoints.iter().zip(&pairs) {
            let even = if a_odd { b } else { a };
            assert_eq!(
                rounded.to_bits(),
                even.to_bits(),
                "{}: midpoint of {a} and {b}",
                format.name()
            );
            // Just off the midpoint, the nearer neighbour wins.
            let midpoint = midpoint(a, b);
            let toward = |target: f32| match target > midpoint {
                true => midpoint.next_up(),
                false => midpoint.next_down(),
            };
            assert_eq!(format.round(toward(b)).to_bits(), b.to_bits());
            assert_eq!(format.round(toward(a)).to_bits(), a.to_bits());
        }
    }
}

#[test]
fn f16_overflows_to_infinity_and_underflows_to_zero_as_ieee_says() {
    let f = HalfFormat::F16;
    assert_eq!(f.round(65504.0_f32), 65504.0);
    // 65520 is the midpoint between 65504 (odd fraction) and the next power 65536: ∞.
    assert_eq!(f.round(65519.99_f32), 65504.0);
    assert_eq!(f.round(65520.0_f32), f32::INFINITY);
    assert_eq!(f.round(-1e6_f32), f32::NEG_INFINITY);
    let smallest = 2f32.powi(-24);
    assert_eq!(f.round(smallest), smallest);
    // Half the smallest subnormal ties to 0 (even); a hair above rounds up to it.
    assert_eq!(f.round(smallest / 2.0), 0.0);
    assert_eq!(f.round((smallest / 2.0).next_up()), smallest);
    assert_eq!(f.round(1e-9_f32), 0.0);
    // bf16 keeps f32's range: no overflow at 1e6, and 1e-30 survives.
    let b = HalfFormat::Bf16;
    assert!((b.round(1e6_f32) - 1e6).abs() < 1e6 * 2f32.powi(-8));
    assert!(b.round(1e-30_f32) > 0.0);
    assert!(f.round(f32::NAN).is_nan() && b.round(f64::NAN).is_nan());
}

#[test]
fn the_dynamic_scaler_halves_on_overflow_and_doubles_after_clean_steps() {
    let mut scaler = LossScaler::new(LossScaling::Dynamic {
        init: 1024.0,
        growth_interval: 3,
    });
    assert_eq!(scaler.after_step(false), Verdict::Skip);
    assert_eq!(scaler.scale(), 512.0);
    for _ in 0..2 {
        assert_eq!(scaler.after_step(true), Verdict::Apply);
    }
    assert_eq!(scaler.scale(), 512.0);
    assert_eq!(scaler.after_step(true), Verdict::Apply);
    assert_eq!(scaler.scale(), 1024.0);
    // An overflow restarts the count of clean steps.
    scaler.after_step(true);
    scaler.after_step(true);
    scaler.after_step(false);
    scaler.after_step(true);
    scaler.after_step(true);
    assert_eq!((scaler.scale(), scaler.skipped_steps), (512.0, 2));
    // Endless overflow ends the run once S falls below 2⁻²⁴.
    let verdicts: Vec<Verdict> = (0..40).map(|_| scaler.after_step(false)).collect();
    let first_stop = verdicts.iter().position(|&v| v == Verdict::Diverge);
    assert_eq!(first_stop, Some(9 + 24), "512 = 2⁹ halves 34 times to 2⁻²⁵");
}

#[test]
fn a_static_scale_skips_and_no_scale_diverges() {
    let mut fixed = LossScaler::new(LossScaling::Static(256.0));
    assert_eq!(fixed.after_step(false), Verdict::Skip);
    assert_eq!(fixed.after_step(true), Verdict::Apply);
    assert_eq!((fixed.scale(), fixed.skipped_steps), (256.0, 1));
    let mut none = LossScaler::new(LossScaling::None);
    assert_eq!(none.scale(), 1.0);
    assert_eq!(none.after_step(false), Verdict::Diverge);
}

#[test]
fn the_block_conversions_agree_with_halfs_scalar_ones_on_arbitrary_f32s() {
    // Every 4099th f32 bit pattern (about a million, all exponents and signs): the stack-
    // buffered slice path (F16C where the CPU has it) against `half`'s one-value path.
    let values: Vec<f32> = (0..=u32::MAX).step_by(4099).map(f32::from_bits).collect();
    for format in [HalfFormat::F16, HalfFormat::Bf16] {
        let mut rounded = values.clone();
        format.round_slice(&mut rounded);
        for (&x, &r) in values.iter().zip(&rounded) {
            let scalar = match format {
                HalfFormat::F16 => f16::from_f32(x).to_f32(),
                HalfFormat::Bf16 => bf16::from_f32(x).to_f32(),
            };
            assert!(
                r.to_bits() == scalar.to_bits() || (r.is_nan() && scalar.is_nan()),
                "{} of {:#010x}: {r} vs {scalar}",
                format.name(),
                x.to_bits()
            );
        }
    }
}
