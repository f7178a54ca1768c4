//! RFC 7644 filters and attribute paths: nom parser, canonical printing, compiled evaluation.
//!
//! ```
//! use scim_core::SchemaRegistry;
//! use scim_filter::{CompiledFilter, parse_filter};
//!
//! let registry = SchemaRegistry::builtin();
//! let users = registry.resource_type("User").unwrap();
//! let filter = parse_filter(r#"userName EQ "BJensen" and (emails[type eq "work"])"#)?;
//! assert_eq!(filter.to_string(), r#"userName eq "BJensen" and emails[type eq "work"]"#);
//!
//! let compiled = CompiledFilter::compile(&filter, &registry, users)?;
//! let user = serde_json::json!({
//!     "userName": "bjensen",
//!     "emails": [{"value": "bjensen@example.com", "type": "work"}]
//! });
//! assert!(compiled.matches(&user)?);
//!
//! let err = parse_filter(r#"userName eqq "bjensen""#).unwrap_err();
//! assert_eq!(err.to_string(), r#"expected a comparison operator at byte 9, found "eqq""#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Two forms
//!
//! - [`ast`]: [`Filter`], [`PatchPath`] and [`AttrPath`] are the parsed text, with byte
//!   [`Span`]s. [`Display`](std::fmt::Display) prints the canonical form, which re-parses to an
//!   equal tree (spans do not take part in equality). Parentheses that only group are not kept;
//!   `a and b and c` is one node with three operands. [`Filter::normalize`] also flattens
//!   explicitly parenthesized groups of the same operator; a normalized filter prints without
//!   any redundant parentheses. [`Fold`] translates a tree bottom-up.
//! - [`CompiledFilter`]: the tree resolved once against a [`scim_core::SchemaRegistry`] and a
//!   resource type (attribute definitions, `caseExact`, types, dateTime literals parsed,
//!   junctions flattened). It evaluates against canonicalized JSON resources
//!   ([`CompiledFilter::matches`]), tests single elements for PATCH value filters
//!   ([`CompiledFilter::compile_value_filter`], [`CompiledFilter::matches_element`],
//!   [`resolve_patch_path`]) and folds into a store's query ([`CompiledFold`]).
//!   [`SortKey`] orders resources for `sortBy`/`sortOrder`.
//!
//! # Evaluation rules
//!
//! - Strings compare case-insensitively (Unicode lower case) unless the attribute is
//!   `caseExact`, `binary` or a `reference`; dateTimes as instants; integers and decimals as
//!   numbers; booleans only with `eq`/`ne`. An operator that cannot apply to the attribute's
//!   type (`gt` on a boolean) is an `invalidFilter` error at compile time, not a silent false.
//! - A multi-valued attribute matches if any value matches; `emails co "x"` compares the
//!   `value` sub-attribute of each email; `emails[…]` needs one element to satisfy the whole
//!   inner filter. `ne` matches when some value differs, and when there is no value at all: an
//!   unassigned attribute equals nothing.
//! - `pr` is false for absent, `null`, `""`, `[]` and `{}`; `eq null` is `not pr`.
//! - The Entra form `emails[type eq "work"].value eq "x"` is read as
//!   `emails[type eq "work" and value eq "x"]`.
//!
//! # Limits
//!
//! [`Parser`] bounds the input length (1 MiB) and the nesting of parentheses and brackets
//! (64), both configurable. Parsing is linear and keeps its own stack; dropping, cloning,
//! comparing, printing, normalizing, compiling and evaluating never recurse on the depth of a
//! tree, so raising the limit cannot overflow the call stack. ([`Filter`] implements `Drop`
//! for this reason: match it by reference.)

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
mod explain;
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
pub use explain::Explain;
pub use parse::{
    DEFAULT_MAX_LEN, DEFAULT_NEST_LIMIT, Parser, parse_attr_path, parse_filter, parse_path,
};
pub use sort::{SortKey, SortOrder};
