//! Long-form documentation.

#[doc = include_str!("docs/tolerance.md")]
pub mod tolerance {}
