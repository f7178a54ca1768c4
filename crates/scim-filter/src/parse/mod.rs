//! The parser. Tokens are recognized in [`lex`]; the nesting of parentheses,
//! `not (…)` and value-path brackets is tracked on an explicit stack, so
//! parsing is linear in the input and cannot overflow the call stack whatever
//! the nesting limit.
//!
//! Failures are small [`LexError`]s (a span and a kind) while parsing; the
//! public [`FilterError`], which owns a copy of the text and names the token
//! found, is built once, when the parse has failed.

mod lex;
mod logic;
mod term;

use crate::ast::{AttrPath, Filter, PatchPath, Span};
use crate::error::{Context, ErrorKind, Expected, FilterError};
use lex::{LexError, PathPos, attr_path, peek, skip_ws, unexpected};
use logic::RootEnd;

/// The default nesting limit: parentheses and brackets open at once.
pub const DEFAULT_NEST_LIMIT: usize = 64;
/// The default maximum input length: 1 MiB.
pub const DEFAULT_MAX_LEN: usize = 1 << 20;

/// A parser with limits: `Parser::new().nest_limit(64).max_len(1 << 20)`.
///
/// The nesting depth counts the parentheses (including those of `not (…)`)
/// and value-path brackets open at one point: `((a pr))` has depth 2. A text
/// at exactly the limit parses; one level more is an
/// [`ErrorKind::NestLimit`] error pointing at the bracket that went over.
#[derive(Clone, Copy, Debug)]
pub struct Parser {
    nest_limit: usize,
    max_len: usize,
}

impl Default for Parser {
    fn default() -> Self {
        Parser {
            nest_limit: DEFAULT_NEST_LIMIT,
            max_len: DEFAULT_MAX_LEN,
        }
    }
}

impl Parser {
    /// A parser with the default limits (64 levels, 1 MiB).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets how many parentheses and brackets may be open at once.
    pub fn nest_limit(mut self, limit: usize) -> Self {
        self.nest_limit = limit;
        self
    }

    /// Sets the maximum input length in bytes.
    pub fn max_len(mut self, max: usize) -> Self {
        self.max_len = max;
        self
    }

    fn check_len(&self, input: &str, ctx: Context) -> Result<(), FilterError> {
        if input.len() > self.max_len {
            return Err(FilterError::new(
                input,
                Span::new(self.max_len, input.len()),
                ErrorKind::TooLong { max: self.max_len },
                ctx,
            ));
        }
        Ok(())
    }

    /// Parses a filter (RFC 7644 §3.4.2.2).
    pub fn parse_filter(&self, input: &str) -> Result<Filter, FilterError> {
        self.check_len(input, Context::Filter)?;
        match logic::logic(self.nest_limit, input, 0, RootEnd::Eof) {
            Ok((f, _)) => Ok(f),
            Err(e) => Err(e.into_error(input, Context::Filter)),
        }
    }

    /// Parses a PATCH path (RFC 7644 §3.5.2): `attrPath / valuePath [subAttr]`.
    pub fn parse_path(&self, input: &str) -> Result<PatchPath, FilterError> {
        self.check_len(input, Context::PatchPath)?;
        self.patch_path(input)
            .map_err(|e| e.into_error(input, Context::PatchPath))
    }

    /// Parses a `sortBy` attribute path (RFC 7644 §3.4.2.3).
    pub fn parse_attr_path(&self, input: &str) -> Result<AttrPath, FilterError> {
        self.check_len(input, Context::SortBy)?;
        let map = |e: LexError| e.into_error(input, Context::SortBy);
        let start = skip_ws(input, 0);
        let mut path = PathPos::default();
        attr_path(input, start, &[Expected::AttrPath], &mut path).map_err(map)?;
        let end = skip_ws(input, path.end);
        if end != input.len() {
            return Err(map(unexpected(end, &[Expected::End])));
        }
        Ok(path.to_path(input))
    }

    fn patch_path(&self, input: &str) -> Result<PatchPath, LexError> {
        let start = skip_ws(input, 0);
        let mut path = PathPos::default();
        attr_path(input, start, &[Expected::AttrPath], &mut path)?;
        let attr = path.to_path(input);
        let mut pos = path.end;
        let mut filter = None;
        let mut sub_attr = None;
        if peek(input, pos) == Some(b'[') {
            if attr.sub_attr.is_some() {
                return Err(unexpected(pos, &[Expected::End]));
            }
            if self.nest_limit == 0 {
                return Err(logic::nest_error(0, pos, pos + 1));
            }
            let (f, close) = logic::logic(self.nest_limit, input, pos + 1, RootEnd::Bracket)?;
            filter = Some(f);
            pos = close + 1;
            if peek(input, pos) == Some(b'.') {
                let (sub, end) = lex::sub_attr(input, pos + 1)?;
                sub_attr = Some(sub.into());
                pos = end;
            }
        }
        let end = skip_ws(input, pos);
        if end != input.len() {
            let expected: &'static [Expected] = if filter.is_some() && sub_attr.is_none() {
                &[Expected::Char('.'), Expected::End]
            } else if filter.is_none() && attr.sub_attr.is_none() {
                &[Expected::Char('['), Expected::End]
            } else {
                &[Expected::End]
            };
            return Err(unexpected(end, expected));
        }
        Ok(PatchPath {
            attr,
            filter,
            sub_attr,
            span: Span::new(start, pos),
        })
    }
}

/// Parses a filter with the default limits. See [`Parser::parse_filter`].
pub fn parse_filter(input: &str) -> Result<Filter, FilterError> {
    Parser::new().parse_filter(input)
}

/// Parses a PATCH path with the default limits. See [`Parser::parse_path`].
pub fn parse_path(input: &str) -> Result<PatchPath, FilterError> {
    Parser::new().parse_path(input)
}

/// Parses a `sortBy` attribute path with the default limits. See [`Parser::parse_attr_path`].
pub fn parse_attr_path(input: &str) -> Result<AttrPath, FilterError> {
    Parser::new().parse_attr_path(input)
}

/// A JSON number that is the whole of `s`.
pub(crate) fn number_from_str(s: &str) -> Option<serde_json::Number> {
    match lex::number(s, 0) {
        Ok(Some((n, end))) if end == s.len() => Some(n),
        _ => None,
    }
}
