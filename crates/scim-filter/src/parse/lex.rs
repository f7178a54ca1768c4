//! Tokens, recognized with nom. Every function takes the whole text and a
//! byte position, and returns the token with the position after it.

use nom::IResult;
use nom::Parser as _;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while_m_n, take_while1};
use nom::character::complete::{char, digit0, digit1, one_of};
use nom::combinator::opt;

use crate::ast::Span;
use crate::error::{ErrorKind, Expected};

/// A lexing failure: where and what.
#[derive(Debug)]
pub(crate) struct LexError {
    pub(crate) span: Span,
    pub(crate) kind: ErrorKind,
}

pub(crate) type LexResult<T> = Result<(T, usize), LexError>;

// Tokens are recognized on bytes: every delimiter and name character is
// ASCII, so token boundaries are character boundaries of the text.
type NomRes<'a, T> = IResult<&'a [u8], T, ()>;

pub(crate) fn rest(input: &str, pos: usize) -> &str {
    input.get(pos..).unwrap_or("")
}

fn bytes_at(input: &str, pos: usize) -> &[u8] {
    input.as_bytes().get(pos..).unwrap_or(&[])
}

fn after(input: &str, rest: &[u8]) -> usize {
    input.len() - rest.len()
}

fn text(input: &str, from: usize, to: usize) -> &str {
    input.get(from..to).unwrap_or("")
}

pub(crate) const fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// Byte classes, looked up in one table.
const WS: u8 = 1;
const NAME: u8 = 2;
const DOLLAR: u8 = 4;
const ALPHA: u8 = 8;

// Evaluated at compile time: an out-of-bounds index would fail the build, not panic.
#[allow(clippy::indexing_slicing)]
const CLASSES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut c = 0;
        if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            c |= WS;
        }
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
            c |= NAME;
        }
        if b == b'$' {
            c |= DOLLAR;
        }
        if b.is_ascii_alphabetic() {
            c |= ALPHA;
        }
        t[i] = c;
        i += 1;
    }
    t
};

#[inline]
fn class(b: u8) -> u8 {
    CLASSES.get(usize::from(b)).copied().unwrap_or(0)
}

#[inline]
fn is_ws_byte(b: u8) -> bool {
    class(b) & WS != 0
}

/// RFC 7643 §2.1 `nameChar`.
#[inline]
fn is_name_byte(b: u8) -> bool {
    class(b) & NAME != 0
}

/// A byte of a word: a name character or `$`.
#[inline]
pub(crate) fn is_word_byte(b: u8) -> bool {
    class(b) & (NAME | DOLLAR) != 0
}

/// Characters of a URN prefix: printable ASCII except the filter's delimiters.
const fn is_urn_byte(b: u8) -> bool {
    b.is_ascii_graphic() && !matches!(b, b'(' | b')' | b'[' | b']' | b'"' | b'\\')
}

/// The position after any whitespace at `pos`.
pub(crate) fn skip_ws(input: &str, pos: usize) -> usize {
    let res: NomRes<'_, &[u8]> = take_while(is_ws_byte).parse(bytes_at(input, pos));
    match res {
        Ok((r, _)) => after(input, r),
        Err(_) => pos,
    }
}

/// The next byte, if any.
pub(crate) fn peek(input: &str, pos: usize) -> Option<u8> {
    input.as_bytes().get(pos).copied()
}

/// A word: a maximal run of letters, digits, `_`, `-` and `$`, as keywords and
/// names are delimited.
pub(crate) fn word(input: &str, pos: usize) -> Option<(&str, usize)> {
    let res: NomRes<'_, &[u8]> = take_while1(is_word_byte).parse(bytes_at(input, pos));
    res.ok().map(|(r, _)| {
        let end = after(input, r);
        (text(input, pos, end), end)
    })
}

/// The token shown as "found" in an error at `pos`: the run of characters up to
/// the next whitespace or delimiter (at least one character), cut at 40
/// characters; `None` at the end.
pub(crate) fn found_token(input: &str, pos: usize) -> (Option<String>, Span) {
    let r = rest(input, pos);
    let Some(first) = r.chars().next() else {
        return (None, Span::new(pos, pos));
    };
    let mut len = 0;
    for c in r.chars() {
        if is_ws(c) || (len > 0 && matches!(c, '(' | ')' | '[' | ']' | '"')) {
            break;
        }
        len += c.len_utf8();
        if matches!(c, '(' | ')' | '[' | ']' | '"') {
            break;
        }
    }
    let len = len.max(first.len_utf8());
    let tok = r.get(..len).unwrap_or("");
    let shown: String = if tok.chars().count() > 40 {
        tok.chars().take(40).chain(['…']).collect()
    } else {
        tok.to_owned()
    };
    (Some(shown), Span::new(pos, pos + len))
}

pub(crate) fn unexpected(input: &str, pos: usize, expected: &[Expected]) -> LexError {
    let (found, span) = found_token(input, pos);
    LexError {
        span,
        kind: ErrorKind::Unexpected {
            expected: expected.to_vec(),
            found,
        },
    }
}

/// An attribute name (RFC 7643 §2.1 `ATTRNAME`, plus `$ref`-style names):
/// the position after it.
fn attr_name(input: &str, pos: usize) -> Option<usize> {
    let res: NomRes<'_, _> = (
        take_while_m_n(1, 1, |b: u8| class(b) & (ALPHA | DOLLAR) != 0),
        take_while(is_name_byte),
    )
        .parse(bytes_at(input, pos));
    res.ok().map(|(r, _)| after(input, r))
}

/// An attribute name at `pos`, with the position after it.
pub(crate) fn attr_name_at(input: &str, pos: usize) -> Option<(&str, usize)> {
    attr_name(input, pos).map(|end| (text(input, pos, end), end))
}

/// The pieces of an attribute path: URN prefix, name and sub-attribute, with
/// the path's span.
pub(crate) struct RawPath<'a> {
    pub(crate) uri: Option<&'a str>,
    pub(crate) name: &'a str,
    pub(crate) sub: Option<&'a str>,
    pub(crate) span: Span,
}

/// `[URI ":"] ATTRNAME ["." ATTRNAME]` at `pos` (no leading whitespace).
pub(crate) fn attr_path(input: &str, pos: usize) -> LexResult<RawPath<'_>> {
    let b = bytes_at(input, pos);
    let is_urn = b.get(..4).is_some_and(|p| p.eq_ignore_ascii_case(b"urn:"));
    if is_urn {
        let res: NomRes<'_, &[u8]> = take_while1(is_urn_byte).parse(b);
        let Ok((r, _)) = res else {
            return Err(unexpected(input, pos, &[Expected::AttrPath]));
        };
        let end = after(input, r);
        let whole = text(input, pos, end);
        // Without a registry, split at the last colon; the rest is `name[.sub]`.
        let colon = whole.rfind(':').unwrap_or(0);
        let uri = whole.get(..colon).unwrap_or("");
        let tail_pos = pos + colon + 1;
        let (name, sub, stop) = name_and_sub(input, tail_pos, Expected::AttrName)?;
        if stop != end {
            return Err(unexpected(input, stop, &[Expected::Operator]));
        }
        let raw = RawPath {
            uri: Some(uri),
            name,
            sub,
            span: Span::new(pos, end),
        };
        return Ok((raw, end));
    }
    let (name, sub, end) = name_and_sub(input, pos, Expected::AttrPath)?;
    Ok((
        RawPath {
            uri: None,
            name,
            sub,
            span: Span::new(pos, end),
        },
        end,
    ))
}

#[allow(clippy::type_complexity)]
fn name_and_sub(
    input: &str,
    pos: usize,
    expected: Expected,
) -> Result<(&str, Option<&str>, usize), LexError> {
    let Some(name_end) = attr_name(input, pos) else {
        return Err(unexpected(input, pos, &[expected]));
    };
    let name = text(input, pos, name_end);
    if peek(input, name_end) != Some(b'.') {
        return Ok((name, None, name_end));
    }
    match attr_name(input, name_end + 1) {
        Some(end) => Ok((name, Some(text(input, name_end + 1, end)), end)),
        None => Err(unexpected(input, name_end + 1, &[Expected::AttrName])),
    }
}

/// A JSON number at `pos`; `Ok(None)` if there is none.
pub(crate) fn number(
    input: &str,
    pos: usize,
) -> Result<Option<(serde_json::Number, usize)>, LexError> {
    let res: NomRes<'_, _> = (
        opt(char('-')),
        alt((
            tag(&b"0"[..]),
            (one_of("123456789"), digit0).map(|_| &b""[..]),
        )),
        opt((char('.'), digit1)),
        opt((one_of("eE"), opt(one_of("+-")), digit1)),
    )
        .parse(bytes_at(input, pos));
    let Ok((r2, _)) = res else {
        return Ok(None);
    };
    let end = after(input, r2);
    let r2 = rest(input, end);
    let text = text(input, pos, end);
    // A number runs into the next token only if malformed (`01`, `1.`, `1e`, `1x`).
    let bad_follow = r2
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '$');
    let invalid = |end: usize| LexError {
        span: Span::new(pos, end),
        kind: ErrorKind::InvalidNumber,
    };
    if bad_follow {
        let run = r2
            .find(|c: char| {
                !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '$' | '+' | '-'))
            })
            .unwrap_or(r2.len());
        return Err(invalid(end + run));
    }
    let n = if let Ok(i) = text.parse::<i64>() {
        serde_json::Number::from(i)
    } else if let Ok(u) = text.parse::<u64>() {
        serde_json::Number::from(u)
    } else {
        match text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
        {
            Some(n) if n.as_f64().is_some_and(f64::is_finite) => n,
            _ => return Err(invalid(end)),
        }
    };
    Ok(Some((n, end)))
}

/// A JSON string at `pos`, which holds `"`. Linear in the literal's length.
pub(crate) fn string(input: &str, pos: usize) -> LexResult<compact_str::CompactString> {
    let bytes = input.as_bytes();
    let start = pos + 1;
    let mut i = start;
    // Fast path: no escapes.
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => {
                let s = input.get(start..i).unwrap_or("");
                return Ok((s.into(), i + 1));
            }
            b'\\' => break,
            0..=0x1f => {
                return Err(LexError {
                    span: Span::new(i, i + 1),
                    kind: ErrorKind::ControlCharacter,
                });
            }
            _ => i += 1,
        }
    }
    let mut out = String::from(input.get(start..i).unwrap_or(""));
    let mut plain = i;
    loop {
        let Some(&b) = bytes.get(i) else {
            return Err(LexError {
                span: Span::new(pos, input.len()),
                kind: ErrorKind::UnterminatedString,
            });
        };
        match b {
            b'"' => {
                out.push_str(input.get(plain..i).unwrap_or(""));
                return Ok((out.into(), i + 1));
            }
            0..=0x1f => {
                return Err(LexError {
                    span: Span::new(i, i + 1),
                    kind: ErrorKind::ControlCharacter,
                });
            }
            b'\\' => {
                out.push_str(input.get(plain..i).unwrap_or(""));
                let esc = i;
                let bad = |end: usize, kind| LexError {
                    span: Span::new(esc, end),
                    kind,
                };
                let c = match bytes.get(i + 1) {
                    Some(b'"') => '"',
                    Some(b'\\') => '\\',
                    Some(b'/') => '/',
                    Some(b'b') => '\u{8}',
                    Some(b'f') => '\u{c}',
                    Some(b'n') => '\n',
                    Some(b'r') => '\r',
                    Some(b't') => '\t',
                    Some(b'u') => {
                        let hi = hex4(input, i + 2)
                            .ok_or_else(|| bad(i + 2, ErrorKind::InvalidUnicodeEscape))?;
                        i += 6;
                        let c = if (0xD800..0xDC00).contains(&hi) {
                            let lo = (bytes.get(i) == Some(&b'\\')
                                && bytes.get(i + 1) == Some(&b'u'))
                            .then(|| hex4(input, i + 2))
                            .flatten()
                            .filter(|lo| (0xDC00..0xE000).contains(lo))
                            .ok_or_else(|| bad(i, ErrorKind::InvalidUnicodeEscape))?;
                            i += 6;
                            char::decode_utf16([hi, lo]).next().and_then(Result::ok)
                        } else {
                            char::from_u32(u32::from(hi))
                        };
                        let c = c.ok_or_else(|| bad(i, ErrorKind::InvalidUnicodeEscape))?;
                        out.push(c);
                        plain = i;
                        continue;
                    }
                    Some(_) => {
                        let w = input
                            .get(i + 1..)
                            .and_then(|s| s.chars().next())
                            .map_or(1, char::len_utf8);
                        return Err(bad(i + 1 + w, ErrorKind::InvalidEscape));
                    }
                    None => {
                        return Err(LexError {
                            span: Span::new(pos, input.len()),
                            kind: ErrorKind::UnterminatedString,
                        });
                    }
                };
                out.push(c);
                i += 2;
                plain = i;
            }
            _ => i += 1,
        }
    }
}

fn hex4(input: &str, pos: usize) -> Option<u16> {
    let h = input.get(pos..pos + 4)?;
    if !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u16::from_str_radix(h, 16).ok()
}
