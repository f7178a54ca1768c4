//! The parser. Tokens are recognized in [`lex`]; the nesting of parentheses,
//! `not (…)` and value-path brackets is tracked on an explicit stack, so
//! parsing is linear in the input and cannot overflow the call stack whatever
//! the nesting limit.
//!
//! Failures are small [`LexError`]s (a span and a kind) while parsing; the
//! public [`FilterError`], which owns a copy of the text and names the token
//! found, is built once, when the parse has failed.

mod lex;

use crate::ast::{AttrPath, CompValue, CompareOp, Comparison, Filter, PatchPath, Span, ValuePath};
use crate::error::{Context, ErrorKind, Expected, FilterError};
use lex::{EMPTY_PATH, LexError, LexKind, PathPos, attr_path, keyword, peek, skip_ws, unexpected};

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

/// An open parenthesis: a group, or the operand of `not`.
#[derive(Clone, Copy)]
enum Open {
    Paren,
    Not,
}

/// An open parenthesis on the parser's stack.
struct Frame {
    open: Open,
    group: Group,
}

/// The open bracket of a value path. Value paths cannot nest, so there is at
/// most one; it sits between the parentheses opened before it (`below` of
/// them) and those opened inside it. The node is allocated when the bracket
/// opens, and its attribute written in place.
struct Bracket {
    vp: Box<ValuePath>,
    below: usize,
    group: Group,
}

/// The `or` of `and` chains being collected in one group.
#[derive(Default)]
struct Group {
    ors: Vec<Filter>,
    chain: Vec<Filter>,
}

impl Group {
    /// `term` joins the `and` chain.
    fn push_and(&mut self, term: Filter) {
        push(&mut self.chain, term);
    }

    /// `term` ends the `and` chain, which joins the `or` list.
    fn push_or(&mut self, term: Filter) {
        let and = self.end_chain(term);
        push(&mut self.ors, and);
    }

    /// The `and` chain ended by `last` (the chain holds the terms before it).
    fn end_chain(&mut self, last: Filter) -> Filter {
        if self.chain.is_empty() {
            return last;
        }
        self.chain.push(last);
        Filter::And(std::mem::take(&mut self.chain))
    }

    /// `last` ends the group.
    fn close(&mut self, last: Filter) -> Filter {
        let and = self.end_chain(last);
        if self.ors.is_empty() {
            and
        } else {
            self.ors.push(and);
            Filter::Or(std::mem::take(&mut self.ors))
        }
    }
}

/// Pushes `f`, allocating room for four operands at once: a junction has at
/// least two, and most have a few.
#[inline]
fn push(v: &mut Vec<Filter>, f: Filter) {
    if v.capacity() == 0 {
        *v = Vec::with_capacity(4);
    }
    v.push(f);
}

#[derive(PartialEq, Clone, Copy)]
enum Top {
    Root,
    Paren,
    Bracket,
}

#[derive(PartialEq, Clone, Copy)]
enum RootEnd {
    /// A whole filter: ends at the end of the text.
    Eof,
    /// A PATCH path's value filter: ends at `]`.
    Bracket,
}

const AFTER_TERM_EOF: &[Expected] = &[
    Expected::Keyword("and"),
    Expected::Keyword("or"),
    Expected::End,
];
const AFTER_TERM_PAREN: &[Expected] = &[
    Expected::Keyword("and"),
    Expected::Keyword("or"),
    Expected::Char(')'),
];
const AFTER_TERM_BRACKET: &[Expected] = &[
    Expected::Keyword("and"),
    Expected::Keyword("or"),
    Expected::Char(']'),
];
const TERM_START: &[Expected] = &[
    Expected::AttrPath,
    Expected::Keyword("not"),
    Expected::Char('('),
];

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
        match self.logic(input, 0, RootEnd::Eof) {
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
                return Err(nest_error(0, pos, pos + 1));
            }
            let (f, close) = self.logic(input, pos + 1, RootEnd::Bracket)?;
            filter = Some(f);
            pos = close + 1;
            if peek(input, pos) == Some(b'.') {
                let (sub, end) = lex_sub_attr(input, pos + 1)?;
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

    /// The logical structure: terms joined by `and`/`or`, grouped by
    /// parentheses, `not (…)` and value-path brackets, on an explicit stack.
    /// Returns the filter and the position after it (at the `]` for
    /// [`RootEnd::Bracket`]).
    fn logic(
        &self,
        input: &str,
        mut pos: usize,
        root_end: RootEnd,
    ) -> Result<(Filter, usize), LexError> {
        let mut root = Group::default();
        // Open parentheses; allocated only when a filter has some.
        let mut stack: Vec<Frame> = Vec::new();
        let mut bracket: Option<Bracket> = None;
        let in_bracket_root = root_end == RootEnd::Bracket;
        loop {
            // A term is expected at `pos`.
            pos = skip_ws(input, pos);
            let opening = match peek(input, pos) {
                Some(b'(') => Some((Open::Paren, pos + 1)),
                Some(b'n' | b'N') => keyword(input, pos, "not").and_then(|wend| {
                    let p = skip_ws(input, wend);
                    (peek(input, p) == Some(b'(')).then_some((Open::Not, p + 1))
                }),
                Some(b) if lex::is_word_byte(b) => None,
                _ => return Err(unexpected(pos, TERM_START)),
            };
            if let Some((open, next)) = opening {
                if stack.len() + usize::from(bracket.is_some()) >= self.nest_limit {
                    return Err(nest_error(self.nest_limit, pos, next));
                }
                stack.push(Frame {
                    open,
                    group: Group::default(),
                });
                pos = next;
                continue;
            }
            let mut path = PathPos::default();
            attr_path(input, pos, TERM_START, &mut path)?;
            let p = skip_ws(input, path.end);
            if peek(input, p) == Some(b'[') {
                if in_bracket_root || bracket.is_some() {
                    return Err(LexError::new(Span::new(p, p + 1), LexKind::NestedValuePath));
                }
                if path.has_sub_attr() {
                    return Err(unexpected(p, &[Expected::Operator]));
                }
                if stack.len() >= self.nest_limit {
                    return Err(nest_error(self.nest_limit, p, p + 1));
                }
                let mut vp = Box::new(ValuePath {
                    attr: EMPTY_PATH,
                    filter: Filter::And(Vec::new()),
                    span: Span::new(pos, pos),
                });
                path.fill(input, &mut vp.attr);
                bracket = Some(Bracket {
                    vp,
                    below: stack.len(),
                    group: Group::default(),
                });
                pos = p + 1;
                continue;
            }
            let (mut term, end) = comparison_tail(input, path)?;
            pos = end;
            // After a term: a connector, a closer, or the end.
            loop {
                pos = skip_ws(input, pos);
                let below = bracket.as_ref().map_or(0, |b| b.below);
                let depth = stack.len();
                let (top, group) = match (stack.last_mut(), &mut bracket) {
                    (Some(frame), _) if depth > below => (Top::Paren, &mut frame.group),
                    (_, Some(b)) => (Top::Bracket, &mut b.group),
                    _ => (Top::Root, &mut root),
                };
                match peek(input, pos) {
                    Some(b')') if top == Top::Paren => {
                        let last = group.close(term);
                        term = match stack.pop() {
                            Some(Frame {
                                open: Open::Not, ..
                            }) => Filter::Not(Box::new(last)),
                            _ => last,
                        };
                        pos += 1;
                    }
                    Some(b']') if top == Top::Bracket => {
                        let inner = group.close(term);
                        let Some(b) = bracket.take() else {
                            return Err(unexpected(pos, AFTER_TERM_EOF));
                        };
                        pos += 1;
                        (term, pos) = value_path(input, b.vp, inner, pos, root_end)?;
                    }
                    None if top == Top::Root && root_end == RootEnd::Eof => {
                        return Ok((root.close(term), pos));
                    }
                    Some(b']') if top == Top::Root && root_end == RootEnd::Bracket => {
                        return Ok((root.close(term), pos));
                    }
                    Some(b @ (b'a' | b'A' | b'o' | b'O')) => {
                        let is_and = matches!(b, b'a' | b'A');
                        let kw = if is_and { "and" } else { "or" };
                        let Some(e) = keyword(input, pos, kw) else {
                            return Err(after_term_error(pos, top, in_bracket_root));
                        };
                        if is_and {
                            group.push_and(term);
                        } else {
                            group.push_or(term);
                        }
                        pos = e;
                        break;
                    }
                    _ => return Err(after_term_error(pos, top, in_bracket_root)),
                }
            }
        }
    }
}

/// What a term at `pos` cannot be followed by.
fn after_term_error(pos: usize, top: Top, in_bracket_root: bool) -> LexError {
    let expected = match top {
        Top::Bracket => AFTER_TERM_BRACKET,
        Top::Paren => AFTER_TERM_PAREN,
        Top::Root if in_bracket_root => AFTER_TERM_BRACKET,
        Top::Root => AFTER_TERM_EOF,
    };
    unexpected(pos, expected)
}

/// The value path `vp` closed by the `]` before `pos`, with the filter
/// `inner`, and the position after it.
///
/// In a whole filter, `emails[type eq "work"].value eq "x"` is read as
/// `emails[type eq "work" and value eq "x"]`; the value path's span then
/// covers the comparison.
fn value_path(
    input: &str,
    mut vp: Box<ValuePath>,
    inner: Filter,
    pos: usize,
    root_end: RootEnd,
) -> Result<(Filter, usize), LexError> {
    vp.filter = inner;
    vp.span.end = pos;
    if peek(input, pos) == Some(b'.') && root_end == RootEnd::Eof {
        let (_, send) = lex_sub_attr(input, pos + 1)?;
        let (cmp, end) = comparison_tail(input, PathPos::name(pos + 1, send))?;
        let inner = std::mem::replace(&mut vp.filter, Filter::And(Vec::new()));
        vp.filter = Filter::and([inner, cmp]);
        vp.span.end = end;
    }
    let end = vp.span.end;
    Ok((Filter::ValuePath(vp), end))
}

fn nest_error(limit: usize, at: usize, next: usize) -> LexError {
    LexError::new(Span::new(at, next), LexKind::NestLimit(limit))
}

fn lex_sub_attr(input: &str, pos: usize) -> Result<(&str, usize), LexError> {
    lex::attr_name_at(input, pos).ok_or(unexpected(pos, &[Expected::AttrName]))
}

/// A comparison holding no strings, to be filled in place.
const EMPTY_COMPARISON: Comparison = Comparison {
    path: EMPTY_PATH,
    op: CompareOp::Eq,
    value: CompValue::Null,
    span: Span::new(0, 0),
    op_span: Span::new(0, 0),
    value_span: Span::new(0, 0),
};

/// After the attribute path `path`: `pr`, or an operator and a value.
///
/// The node is allocated first and its strings written into it, rather than
/// built on the stack and moved: moving a freshly written node costs more
/// than writing it.
#[inline(always)]
fn comparison_tail(input: &str, path: PathPos) -> Result<(Filter, usize), LexError> {
    let p = skip_ws(input, path.end);
    // Operators are two letters followed by a word boundary.
    let two = input.as_bytes().get(p..p + 2);
    let bounded = !peek(input, p + 2).is_some_and(lex::is_word_byte);
    let (op, wend) = match two {
        Some(w) if bounded && w.eq_ignore_ascii_case(b"pr") => {
            let mut attr = Box::new(EMPTY_PATH);
            path.fill(input, &mut attr);
            return Ok((Filter::Present(attr), p + 2));
        }
        Some(&[a, b]) if bounded => match CompareOp::from_bytes(a, b) {
            Some(op) => (op, p + 2),
            None => return Err(unexpected(p, &[Expected::Operator])),
        },
        _ => return Err(unexpected(p, &[Expected::Operator])),
    };
    let vp = skip_ws(input, wend);
    let mut c = Box::new(EMPTY_COMPARISON);
    let vend = value(input, vp, &mut c.value)?;
    path.fill(input, &mut c.path);
    c.op = op;
    c.span = Span::new(path.start, vend);
    c.op_span = Span::new(p, wend);
    c.value_span = Span::new(vp, vend);
    Ok((Filter::Compare(c), vend))
}

/// A comparison value at `pos`, written to `out`; the position after it.
#[inline(always)]
fn value(input: &str, pos: usize, out: &mut CompValue) -> Result<usize, LexError> {
    let (value, end) = match peek(input, pos) {
        Some(b'"') => {
            let (s, e) = lex::string(input, pos)?;
            (CompValue::String(s), e)
        }
        Some(b'-' | b'0'..=b'9') => match lex::number(input, pos)? {
            Some((n, e)) => (CompValue::Number(n), e),
            None => return Err(unexpected(pos, &[Expected::Value])),
        },
        Some(b't' | b'T') => match keyword(input, pos, "true") {
            Some(e) => (CompValue::Bool(true), e),
            None => return Err(unexpected(pos, &[Expected::Value])),
        },
        Some(b'f' | b'F') => match keyword(input, pos, "false") {
            Some(e) => (CompValue::Bool(false), e),
            None => return Err(unexpected(pos, &[Expected::Value])),
        },
        Some(b'n' | b'N') => match keyword(input, pos, "null") {
            Some(e) => (CompValue::Null, e),
            None => return Err(unexpected(pos, &[Expected::Value])),
        },
        _ => return Err(unexpected(pos, &[Expected::Value])),
    };
    *out = value;
    Ok(end)
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
