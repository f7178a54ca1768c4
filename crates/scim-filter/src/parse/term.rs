//! Leaves: `attrPath pr` and `attrPath compareOp compValue`.
//!
//! A leaf's node is allocated first and its strings written into it, rather
//! than built on the stack and moved into the box: copying a node that was
//! just written costs more than writing it where it stays.

use compact_str::CompactString;

use super::lex::{self, EMPTY_PATH, LexError, PathPos, keyword, peek, skip_ws, unexpected};
use crate::ast::{AttrPath, CompValue, CompareOp, Comparison, Filter, Span};
use crate::error::Expected;

/// A leaf just parsed: two words, cheap to move.
pub(super) enum Leaf {
    Compare(Box<Comparison>),
    Present(Box<AttrPath>),
}

impl From<Leaf> for Filter {
    #[inline(always)]
    fn from(leaf: Leaf) -> Filter {
        match leaf {
            Leaf::Compare(c) => Filter::Compare(c),
            Leaf::Present(p) => Filter::Present(p),
        }
    }
}

/// A comparison holding no strings, to be filled in place.
const EMPTY_COMPARISON: Comparison = Comparison {
    path: EMPTY_PATH,
    op: CompareOp::Eq,
    value: CompValue::String(CompactString::const_new("")),
    span: Span::new(0, 0),
    op_span: Span::new(0, 0),
    value_span: Span::new(0, 0),
};

/// After the attribute path `path`: `pr`, or an operator and a value. Returns
/// the leaf and the position after it.
#[inline(always)]
pub(super) fn comparison_tail(input: &str, path: PathPos) -> Result<(Leaf, usize), LexError> {
    let p = skip_ws(input, path.end);
    // Operators are two letters followed by a word boundary.
    let two = input.as_bytes().get(p..p + 2);
    let bounded = !peek(input, p + 2).is_some_and(lex::is_word_byte);
    let (op, wend) = match two {
        Some(w) if bounded && w.eq_ignore_ascii_case(b"pr") => {
            let mut attr = Box::new(EMPTY_PATH);
            path.fill(input, &mut attr);
            return Ok((Leaf::Present(attr), p + 2));
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
    Ok((Leaf::Compare(c), vend))
}

/// A comparison value at `pos`, written to `out` (an empty string); the
/// position after it.
#[inline(always)]
fn value(input: &str, pos: usize, out: &mut CompValue) -> Result<usize, LexError> {
    let (value, end) = match peek(input, pos) {
        Some(b'"') => {
            return match out {
                CompValue::String(s) => lex::string(input, pos, s),
                _ => {
                    let mut s = CompactString::default();
                    let end = lex::string(input, pos, &mut s)?;
                    *out = CompValue::String(s);
                    Ok(end)
                }
            };
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
