//! Data sets: the types (`sets.rs`: classes, regression targets, either, with splits),
//! the toy generators (`toy.rs`), and the bundled 8×8 digits (`digits.rs`).

pub(crate) mod digits;
pub(crate) mod sets;
pub(crate) mod toy;
