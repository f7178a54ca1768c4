//! Errors of parsing and resolving filters and paths.

use std::fmt;

use crate::ast::{CompareOp, Span};

/// What text was being parsed; decides the SCIM `scimType` of an error.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum Context {
    /// A `filter` query parameter (`invalidFilter`).
    Filter,
    /// A PATCH operation's `path` (`invalidPath`).
    PatchPath,
    /// A `sortBy` attribute path (`invalidFilter`... per RFC 7644 §3.4.2.3 a
    /// bad `sortBy` is a bad query, reported as `invalidFilter`).
    SortBy,
}

/// One thing the parser would have accepted where it failed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum Expected {
    /// An attribute path such as `name.givenName`.
    AttrPath,
    /// An attribute name (after a URN prefix or a dot).
    AttrName,
    /// One of `eq ne co sw ew gt ge lt le pr`.
    Operator,
    /// `true`, `false`, `null`, a number or a string.
    Value,
    /// A keyword such as `and`.
    Keyword(&'static str),
    /// A punctuation character such as `)`.
    Char(char),
    /// The end of the text.
    End,
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::AttrPath => f.write_str("an attribute path"),
            Expected::AttrName => f.write_str("an attribute name"),
            Expected::Operator => f.write_str("a comparison operator"),
            Expected::Value => f.write_str("a value"),
            Expected::Keyword(k) => write!(f, "\"{k}\""),
            Expected::Char(c) => write!(f, "\"{c}\""),
            Expected::End => f.write_str("end of input"),
        }
    }
}

/// What went wrong.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text does not follow the grammar here.
    Unexpected {
        /// What would have been accepted.
        expected: Vec<Expected>,
        /// The offending token, or `None` at the end of the text.
        found: Option<String>,
    },
    /// Parentheses, `not (` and brackets nest deeper than the limit.
    NestLimit {
        /// The configured limit.
        limit: usize,
    },
    /// The text is longer than the limit.
    TooLong {
        /// The configured limit in bytes.
        max: usize,
    },
    /// A string literal has no closing quote.
    UnterminatedString,
    /// A backslash escape that JSON does not define.
    InvalidEscape,
    /// A `\u` escape that is not four hex digits or is an unpaired surrogate.
    InvalidUnicodeEscape,
    /// A raw control character inside a string literal.
    ControlCharacter,
    /// A number that is malformed or out of range.
    InvalidNumber,
    /// A value path inside a value path.
    NestedValuePath,
    /// The resource type is not in the registry.
    UnknownResourceType(String),
    /// The attribute is not defined by the resource type's schemas.
    UnknownAttribute(String),
    /// The operator cannot apply to the attribute's type (`gt` on a boolean).
    OperatorNotAllowed {
        /// The operator.
        op: CompareOp,
        /// The attribute's type, as RFC 7643 spells it.
        attr_type: &'static str,
    },
    /// The literal does not fit the attribute's type.
    InvalidLiteral {
        /// What the attribute's type needs, e.g. `a dateTime string`.
        expected: &'static str,
    },
    /// A comparison on a complex attribute without a sub-attribute.
    ComplexComparison(String),
    /// A value filter on an attribute that is neither multi-valued nor complex.
    NotMultiValued(String),
}

/// An error in a filter, PATCH path or `sortBy` path, pointing at bytes of the text.
///
/// `Display` is a short lower-case message with the byte offset:
/// `expected a comparison operator at byte 9, found "eqq"`. [`FilterError::render`]
/// adds the text and a caret line.
#[derive(Clone, PartialEq, Eq)]
pub struct FilterError {
    input: String,
    span: Span,
    kind: ErrorKind,
    context: Context,
}

impl FilterError {
    pub(crate) fn new(input: &str, span: Span, kind: ErrorKind, context: Context) -> Self {
        FilterError {
            input: input.to_owned(),
            span,
            kind,
            context,
        }
    }

    /// This error with the text its spans point into (errors from compiling
    /// an already-parsed filter have none until it is attached).
    pub fn with_input(mut self, input: &str) -> Self {
        input.clone_into(&mut self.input);
        self
    }

    pub(crate) fn with_context(mut self, context: Context) -> Self {
        self.context = context;
        self
    }

    /// The text that failed.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// The offending bytes.
    pub fn span(&self) -> Span {
        self.span
    }

    /// The byte offset where the error is.
    pub fn offset(&self) -> usize {
        self.span.start
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// What was being parsed.
    pub fn context(&self) -> Context {
        self.context
    }

    /// The SCIM `scimType`: `invalidPath` for PATCH paths, `invalidFilter` otherwise.
    pub fn scim_type(&self) -> scim_core::ScimType {
        match self.context {
            Context::PatchPath => scim_core::ScimType::InvalidPath,
            Context::Filter | Context::SortBy => scim_core::ScimType::InvalidFilter,
        }
    }

    /// The RFC 7644 §3.12 error: status 400, [`Self::scim_type`], this message as detail.
    pub fn to_scim_error(&self) -> scim_core::ScimError {
        scim_core::ScimError::new(400, Some(self.scim_type()), self.to_string())
    }

    /// The line of the text that holds the error, a run of `^` under the
    /// offending bytes, then the message. Long lines are cut to a window
    /// around the error, marked with `…`.
    pub fn render(&self) -> String {
        if self.input.is_empty() && self.span.end > 0 {
            return self.to_string();
        }
        let (line, caret_col, caret_len) = caret_line(&self.input, self.span);
        let mut out = String::with_capacity(line.len() + caret_col + caret_len + 80);
        out.push_str(&line);
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', caret_col));
        out.extend(std::iter::repeat_n('^', caret_len.max(1)));
        out.push('\n');
        out.push_str(&self.to_string());
        out
    }
}

/// The window of the line holding `span.start`, the caret's column in
/// characters within that window, and the caret's length in characters.
pub(crate) fn caret_line(input: &str, span: Span) -> (String, usize, usize) {
    const BEFORE: usize = 40;
    const AFTER: usize = 40;
    let start = floor_char(input, span.start.min(input.len()));
    let end = floor_char(input, span.end.clamp(start, input.len()));
    let line_start = input
        .get(..start)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1);
    let line_end = input
        .get(start..)
        .and_then(|s| s.find('\n'))
        .map_or(input.len(), |i| start + i);
    let before = input.get(line_start..start).unwrap_or("");
    let marked = input.get(start..end.min(line_end)).unwrap_or("");
    let after = input.get(end.min(line_end)..line_end).unwrap_or("");

    let mut line = String::new();
    let before_chars = before.chars().count();
    let col = if before_chars > BEFORE {
        line.push('…');
        line.extend(before.chars().skip(before_chars - BEFORE));
        BEFORE + 1
    } else {
        line.push_str(before);
        before_chars
    };
    let marked_chars = marked.chars().count();
    let shown = marked_chars.min(AFTER);
    line.extend(marked.chars().take(shown));
    let after_chars = after.chars().count();
    let room = AFTER.saturating_sub(shown);
    line.extend(after.chars().take(room));
    if marked_chars > shown || after_chars > room {
        line.push('…');
    }
    (line, col, shown)
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.span.start;
        match &self.kind {
            ErrorKind::Unexpected { expected, found } => {
                f.write_str("expected ")?;
                let n = expected.len();
                for (i, e) in expected.iter().enumerate() {
                    if i > 0 {
                        f.write_str(if i + 1 == n { " or " } else { ", " })?;
                    }
                    write!(f, "{e}")?;
                }
                write!(f, " at byte {at}, found ")?;
                match found {
                    Some(t) => crate::ast::write_json_string(f, t),
                    None => f.write_str("end of input"),
                }
            }
            ErrorKind::NestLimit { limit } => {
                write!(f, "nesting deeper than {limit} levels at byte {at}")
            }
            ErrorKind::TooLong { max } => write!(f, "input longer than {max} bytes"),
            ErrorKind::UnterminatedString => {
                write!(f, "unterminated string starting at byte {at}")
            }
            ErrorKind::InvalidEscape => write!(f, "invalid escape at byte {at}"),
            ErrorKind::InvalidUnicodeEscape => {
                write!(f, "invalid unicode escape at byte {at}")
            }
            ErrorKind::ControlCharacter => {
                write!(f, "unescaped control character in string at byte {at}")
            }
            ErrorKind::InvalidNumber => write!(f, "invalid number at byte {at}"),
            ErrorKind::NestedValuePath => write!(f, "nested value path at byte {at}"),
            ErrorKind::UnknownResourceType(rt) => write!(f, "unknown resource type \"{rt}\""),
            ErrorKind::UnknownAttribute(a) => write!(f, "unknown attribute \"{a}\" at byte {at}"),
            ErrorKind::OperatorNotAllowed { op, attr_type } => {
                write!(
                    f,
                    "operator \"{op}\" not allowed on a {attr_type} at byte {at}"
                )
            }
            ErrorKind::InvalidLiteral { expected } => {
                write!(f, "expected {expected} at byte {at}")
            }
            ErrorKind::ComplexComparison(a) => write!(
                f,
                "\"{a}\" is complex: compare one of its sub-attributes, at byte {at}"
            ),
            ErrorKind::NotMultiValued(a) => write!(
                f,
                "\"{a}\" is not a multi-valued or complex attribute at byte {at}"
            ),
        }
    }
}

impl fmt::Debug for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The input can be a megabyte: show the message, not the text.
        f.debug_struct("FilterError")
            .field("message", &self.to_string())
            .field("span", &self.span)
            .field("kind", &self.kind)
            .field("context", &self.context)
            .finish()
    }
}

impl std::error::Error for FilterError {}
