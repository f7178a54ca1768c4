//! RFC 7644 filters and attribute paths: nom parser, canonical printing, compiled evaluation.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod ast;

pub use compact_str::CompactString;
mod compile;
mod error;
mod eval;
mod parse;
mod sort;

pub use ast::{
    AttrPath, CompValue, CompareOp, Comparison, Filter, Fold, PatchPath, Span, ValuePath,
};
pub use compile::{
    CompileOptions, CompiledFilter, CompiledFold, EvalError, Literal, ResolvedAttr,
    ResolvedPatchPath, UnknownAttributes, resolve_patch_path,
};
pub use error::{Context, ErrorKind, Expected, FilterError};
pub use parse::{
    DEFAULT_MAX_LEN, DEFAULT_NEST_LIMIT, Parser, parse_attr_path, parse_filter, parse_path,
};
pub use sort::{SortKey, SortOrder};
