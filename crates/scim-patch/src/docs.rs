//! Long-form documentation.

#[doc = include_str!("docs/tolerance.md")]
pub mod tolerance {}

#[doc = include_str!("docs/semantics.md")]
pub mod semantics {}
