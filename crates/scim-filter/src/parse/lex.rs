//! Tokens, recognized with nom. Every function takes the whole text and a
//! byte position, and returns the token with the position after it.

use nom::IResult;
use nom::Parser as _;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::{char, digit0, digit1, one_of, satisfy};
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

type NomRes<'a, T> = IResult<&'a str, T, ()>;

pub(crate) fn rest(input: &str, pos: usize) -> &str {
    input.get(pos..).unwrap_or("")
}

fn after(input: &str, rest: &str) -> usize {
    input.len() - rest.len()
}

pub(crate) const fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// RFC 7643 §2.1 `nameChar`.
const fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Characters of a URN prefix: printable ASCII except the filter's delimiters.
const fn is_urn_char(c: char) -> bool {
    c.is_ascii_graphic() && !matches!(c, '(' | ')' | '[' | ']' | '"' | '\\')
}

/// The position after any whitespace at `pos`.
pub(crate) fn skip_ws(input: &str, pos: usize) -> usize {
    let r = rest(input, pos);
    let res: NomRes<'_, &str> = take_while(is_ws).parse(r);
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
    let r = rest(input, pos);
    let res: NomRes<'_, &str> = take_while1(|c: char| is_name_char(c) || c == '$').parse(r);
    res.ok().map(|(r, w)| (w, after(input, r)))
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

/// An attribute name (RFC 7643 §2.1 `ATTRNAME`, plus `$ref`-style names).
fn attr_name(r: &str) -> NomRes<'_, &str> {
    let (r2, _) = (
        satisfy(|c: char| c.is_ascii_alphabetic() || c == '$'),
        take_while(is_name_char),
    )
        .parse(r)?;
    Ok((r2, consumed(r, r2)))
}

/// The part of `r` a parser consumed to leave `r2`. (Computed from lengths:
/// nom's `recognize` measures pointer offsets, which some parsers' empty
/// remainders at the end of input do not preserve.)
fn consumed<'a>(r: &'a str, r2: &str) -> &'a str {
    r.get(..r.len() - r2.len()).unwrap_or("")
}

/// An attribute name at `pos`, with the position after it.
pub(crate) fn attr_name_at(input: &str, pos: usize) -> Option<(&str, usize)> {
    attr_name(rest(input, pos))
        .ok()
        .map(|(r, n)| (n, after(input, r)))
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
    let r = rest(input, pos);
    let is_urn = r.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"));
    if is_urn {
        let res: NomRes<'_, &str> = take_while1(is_urn_char).parse(r);
        let Ok((_, whole)) = res else {
            return Err(unexpected(input, pos, &[Expected::AttrPath]));
        };
        let end = pos + whole.len();
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
    let r = rest(input, pos);
    let Ok((r, name)) = attr_name(r) else {
        return Err(unexpected(input, pos, &[expected]));
    };
    let dot: NomRes<'_, char> = char('.').parse(r);
    let Ok((r2, _)) = dot else {
        return Ok((name, None, after(input, r)));
    };
    match attr_name(r2) {
        Ok((r3, sub)) => Ok((name, Some(sub), after(input, r3))),
        Err(_) => Err(unexpected(input, after(input, r2), &[Expected::AttrName])),
    }
}

/// A JSON number at `pos`; `Ok(None)` if there is none.
pub(crate) fn number(
    input: &str,
    pos: usize,
) -> Result<Option<(serde_json::Number, usize)>, LexError> {
    let r = rest(input, pos);
    let res: NomRes<'_, _> = (
        opt(char('-')),
        alt((tag("0"), (one_of("123456789"), digit0).map(|_| ""))),
        opt((char('.'), digit1)),
        opt((one_of("eE"), opt(one_of("+-")), digit1)),
    )
        .parse(r);
    let Ok((r2, _)) = res else {
        return Ok(None);
    };
    let text = consumed(r, r2);
    let end = after(input, r2);
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
pub(crate) fn string(input: &str, pos: usize) -> LexResult<String> {
    let bytes = input.as_bytes();
    let start = pos + 1;
    let mut i = start;
    // Fast path: no escapes.
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => {
                let s = input.get(start..i).unwrap_or("");
                return Ok((s.to_owned(), i + 1));
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
                return Ok((out, i + 1));
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
