//! The logical structure of a filter: terms joined by `and`/`or`, grouped by
//! parentheses, `not (…)` and value-path brackets.
//!
//! Nesting is tracked on an explicit stack, so parsing is linear in the input
//! and cannot overflow the call stack whatever the nesting limit. A leaf
//! followed by `and` or `or` (the common case) goes straight into its group.

use super::lex::{
    self, EMPTY_PATH, LexError, LexKind, PathPos, attr_path, keyword, peek, skip_ws, unexpected,
};
use super::term::comparison_tail;
use crate::ast::{Filter, Span, ValuePath};
use crate::error::Expected;

/// Where the filter being parsed ends.
#[derive(PartialEq, Clone, Copy)]
pub(super) enum RootEnd {
    /// A whole filter: ends at the end of the text.
    Eof,
    /// A PATCH path's value filter: ends at `]`.
    Bracket,
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

/// The `or` of `and` chains being collected in one group.
#[derive(Default)]
struct Group {
    ors: Vec<Filter>,
    chain: Vec<Filter>,
}

impl Group {
    /// `term` joins the `and` chain.
    #[inline(always)]
    fn push_and(&mut self, term: Filter) {
        push(&mut self.chain, term);
    }

    /// `term` ends the `and` chain, which joins the `or` list.
    #[inline(always)]
    fn push_or(&mut self, term: Filter) {
        if self.chain.is_empty() {
            push(&mut self.ors, term);
        } else {
            self.chain.push(term);
            let and = Filter::And(std::mem::take(&mut self.chain));
            push(&mut self.ors, and);
        }
    }

    /// The `and` chain ended by `last` (the chain holds the terms before it).
    #[inline]
    fn end_chain(&mut self, last: Filter) -> Filter {
        if self.chain.is_empty() {
            return last;
        }
        self.chain.push(last);
        Filter::And(std::mem::take(&mut self.chain))
    }

    /// `last` ends the group.
    #[inline]
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
#[inline(always)]
fn push(v: &mut Vec<Filter>, f: Filter) {
    if v.capacity() == 0 {
        *v = Vec::with_capacity(4);
    }
    v.push(f);
}

/// What encloses the current group.
#[derive(PartialEq, Clone, Copy)]
enum Top {
    Root,
    Paren,
    Bracket,
}

/// The groups open at one point.
#[derive(Default)]
struct Groups {
    /// The outermost group.
    root: Group,
    /// Open parentheses; allocated only when a filter has some.
    stack: Vec<Frame>,
    /// The node of the open value path, if any. Value paths cannot nest, so
    /// there is at most one; it sits between the parentheses opened before
    /// it (`below` of them) and those opened inside it. The node is
    /// allocated when the bracket opens, and its attribute written in place.
    bracket: Option<Box<ValuePath>>,
    /// The group inside the value path's brackets.
    bracket_group: Group,
    /// How many parentheses were open when the bracket opened.
    below: usize,
}

impl Groups {
    /// How many parentheses and brackets are open.
    fn depth(&self) -> usize {
        self.stack.len() + usize::from(self.bracket.is_some())
    }

    /// The innermost group and what encloses it.
    #[inline(always)]
    fn top(&mut self) -> (Top, &mut Group) {
        let depth = self.stack.len();
        match self.stack.last_mut() {
            Some(frame) if depth > self.below => (Top::Paren, &mut frame.group),
            _ if self.bracket.is_some() => (Top::Bracket, &mut self.bracket_group),
            _ => (Top::Root, &mut self.root),
        }
    }
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

/// `and` or `or` at `pos`: whether it is `and`, and the position after it.
#[inline(always)]
fn connector(input: &str, pos: usize) -> Option<(bool, usize)> {
    match peek(input, pos) {
        Some(b'a' | b'A') => keyword(input, pos, "and").map(|e| (true, e)),
        Some(b'o' | b'O') => keyword(input, pos, "or").map(|e| (false, e)),
        _ => None,
    }
}

/// Parses the filter at `pos` with at most `limit` parentheses and brackets
/// open. Returns the filter and the position after it (at the `]` for
/// [`RootEnd::Bracket`]).
pub(super) fn logic(
    limit: usize,
    input: &str,
    mut pos: usize,
    root_end: RootEnd,
) -> Result<(Filter, usize), LexError> {
    let mut g = Groups::default();
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
            if g.depth() >= limit {
                return Err(nest_error(limit, pos, next));
            }
            g.stack.push(Frame {
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
            if in_bracket_root || g.bracket.is_some() {
                return Err(LexError::new(Span::new(p, p + 1), LexKind::NestedValuePath));
            }
            if path.has_sub_attr() {
                return Err(unexpected(p, &[Expected::Operator]));
            }
            if g.stack.len() >= limit {
                return Err(nest_error(limit, p, p + 1));
            }
            let mut vp = Box::new(ValuePath {
                attr: EMPTY_PATH,
                filter: Filter::And(Vec::new()),
                span: Span::new(pos, pos),
            });
            path.fill(input, &mut vp.attr);
            g.bracket = Some(vp);
            g.below = g.stack.len();
            pos = p + 1;
            continue;
        }
        let (leaf, end) = comparison_tail(input, path)?;
        pos = skip_ws(input, end);
        // The common case: the leaf joins the current group.
        if let Some((is_and, next)) = connector(input, pos) {
            let (_, group) = g.top();
            if is_and {
                group.push_and(Filter::from(leaf));
            } else {
                group.push_or(Filter::from(leaf));
            }
            pos = next;
            continue;
        }
        let mut term = Filter::from(leaf);
        // After a term: closers, then a connector or the end.
        loop {
            pos = skip_ws(input, pos);
            let (top, group) = g.top();
            match peek(input, pos) {
                Some(b')') if top == Top::Paren => {
                    let last = group.close(term);
                    term = match g.stack.pop() {
                        Some(Frame {
                            open: Open::Not, ..
                        }) => Filter::Not(Box::new(last)),
                        _ => last,
                    };
                    pos += 1;
                }
                Some(b']') if top == Top::Bracket => {
                    let inner = group.close(term);
                    let Some(vp) = g.bracket.take() else {
                        return Err(unexpected(pos, AFTER_TERM_EOF));
                    };
                    g.below = 0;
                    (term, pos) = value_path(input, vp, inner, pos + 1, root_end)?;
                }
                None if top == Top::Root && root_end == RootEnd::Eof => {
                    return Ok((group.close(term), pos));
                }
                Some(b']') if top == Top::Root && root_end == RootEnd::Bracket => {
                    return Ok((group.close(term), pos));
                }
                _ => {
                    let Some((is_and, next)) = connector(input, pos) else {
                        return Err(after_term_error(pos, top, in_bracket_root));
                    };
                    if is_and {
                        group.push_and(term);
                    } else {
                        group.push_or(term);
                    }
                    pos = next;
                    break;
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
        let (_, send) = lex::sub_attr(input, pos + 1)?;
        let (cmp, end) = comparison_tail(input, PathPos::name(pos + 1, send))?;
        let inner = std::mem::replace(&mut vp.filter, Filter::And(Vec::new()));
        vp.filter = Filter::and([inner, Filter::from(cmp)]);
        vp.span.end = end;
    }
    let end = vp.span.end;
    Ok((Filter::ValuePath(vp), end))
}

/// The error for nesting deeper than `limit` with the bracket `at..next`.
pub(super) fn nest_error(limit: usize, at: usize, next: usize) -> LexError {
    LexError::new(Span::new(at, next), LexKind::NestLimit(limit))
}
