//! Tokens. Every function takes the whole text and a byte position, and
//! returns the token with the position after it.
//!
//! The tokens every filter is made of (whitespace, words, names, URN
//! prefixes, string literals) are scanned with byte loops over one class
//! table; numbers, which are rare and have a fiddly grammar, are recognized
//! with nom. Every delimiter and name character is ASCII, so token boundaries
//! are character boundaries of the text.

use compact_str::CompactString;
use nom::IResult;
use nom::Parser as _;
use nom::branch::alt;
use nom::bytes::complete::tag;
use nom::character::complete::{char, digit0, digit1, one_of};
use nom::combinator::opt;
use scim_core::schema::builtin::{ENTERPRISE_USER_URN, GROUP_URN, USER_URN};

use crate::ast::{AttrPath, Span};
use crate::error::{Context, ErrorKind, Expected, FilterError};

/// A lexing or parsing failure: where and what, kept small and cheap to
/// build. The rich [`FilterError`] (with the offending token and an owned
/// copy of the text) is made once, at the boundary, by [`LexError::into_error`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct LexError {
    pub(crate) span: Span,
    pub(crate) kind: LexKind,
}

/// What a [`LexError`] is; mirrors [`ErrorKind`] without owned data.
#[derive(Debug, Clone, Copy)]
pub(crate) enum LexKind {
    /// Something else is at `span.start`; the token found there is read
    /// from the text when the error is built.
    Unexpected(&'static [Expected]),
    NestLimit(usize),
    UnterminatedString,
    InvalidEscape,
    InvalidUnicodeEscape,
    ControlCharacter,
    InvalidNumber,
    NestedValuePath,
}

impl LexError {
    pub(crate) const fn new(span: Span, kind: LexKind) -> Self {
        LexError { span, kind }
    }

    /// The public error for `input`.
    pub(crate) fn into_error(self, input: &str, ctx: Context) -> FilterError {
        let (span, kind) = match self.kind {
            LexKind::Unexpected(expected) => {
                let (found, span) = found_token(input, self.span.start);
                let kind = ErrorKind::Unexpected {
                    expected: expected.to_vec(),
                    found,
                };
                (span, kind)
            }
            LexKind::NestLimit(limit) => (self.span, ErrorKind::NestLimit { limit }),
            LexKind::UnterminatedString => (self.span, ErrorKind::UnterminatedString),
            LexKind::InvalidEscape => (self.span, ErrorKind::InvalidEscape),
            LexKind::InvalidUnicodeEscape => (self.span, ErrorKind::InvalidUnicodeEscape),
            LexKind::ControlCharacter => (self.span, ErrorKind::ControlCharacter),
            LexKind::InvalidNumber => (self.span, ErrorKind::InvalidNumber),
            LexKind::NestedValuePath => (self.span, ErrorKind::NestedValuePath),
        };
        FilterError::new(input, span, kind, ctx)
    }
}

type NomRes<'a, T> = IResult<&'a [u8], T, ()>;

fn rest(input: &str, pos: usize) -> &str {
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

const fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// Byte classes, looked up in one table.
const WS: u8 = 1;
const NAME: u8 = 2;
const DOLLAR: u8 = 4;
const ALPHA: u8 = 8;
/// Printable ASCII except the filter's delimiters: the characters of a URN prefix.
const URN: u8 = 16;
/// Ends the plain run of a string literal: `"`, `\` or a control character.
const STR_STOP: u8 = 32;

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
        if b.is_ascii_graphic() && !matches!(b, b'(' | b')' | b'[' | b']' | b'"' | b'\\') {
            c |= URN;
        }
        if b == b'"' || b == b'\\' || b < 0x20 {
            c |= STR_STOP;
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

/// A byte of a word: a name character or `$`.
#[inline]
pub(crate) fn is_word_byte(b: u8) -> bool {
    class(b) & (NAME | DOLLAR) != 0
}

/// The first position at or after `pos` whose byte is not in `mask`.
#[inline]
fn scan(bytes: &[u8], mut pos: usize, mask: u8) -> usize {
    while let Some(&b) = bytes.get(pos) {
        if class(b) & mask == 0 {
            break;
        }
        pos += 1;
    }
    pos
}

/// The position after any whitespace at `pos`.
#[inline]
pub(crate) fn skip_ws(input: &str, pos: usize) -> usize {
    scan(input.as_bytes(), pos, WS)
}

/// The next byte, if any.
#[inline]
pub(crate) fn peek(input: &str, pos: usize) -> Option<u8> {
    input.as_bytes().get(pos).copied()
}

/// Whether the keyword `kw` (lower case) is at `pos` in any case, ending at a
/// word boundary. Returns the position after it.
#[inline]
pub(crate) fn keyword(input: &str, pos: usize, kw: &str) -> Option<usize> {
    let end = pos + kw.len();
    let w = input.as_bytes().get(pos..end)?;
    (w.eq_ignore_ascii_case(kw.as_bytes()) && !peek(input, end).is_some_and(is_word_byte))
        .then_some(end)
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

/// Something other than `expected` is at `pos`.
#[inline]
pub(crate) const fn unexpected(pos: usize, expected: &'static [Expected]) -> LexError {
    LexError::new(Span::new(pos, pos), LexKind::Unexpected(expected))
}

/// An attribute name (RFC 7643 §2.1 `ATTRNAME`, plus `$ref`-style names):
/// the position after it.
#[inline]
fn attr_name(input: &str, pos: usize) -> Option<usize> {
    let first = peek(input, pos)?;
    (class(first) & (ALPHA | DOLLAR) != 0).then(|| scan(input.as_bytes(), pos + 1, NAME))
}

/// A sub-attribute name at `pos` (after a `.`), with the position after it.
pub(crate) fn sub_attr(input: &str, pos: usize) -> Result<(&str, usize), LexError> {
    match attr_name(input, pos) {
        Some(end) => Ok((text(input, pos, end), end)),
        None => Err(unexpected(pos, &[Expected::AttrName])),
    }
}

/// The schema URNs filters name most, stored without allocating.
const KNOWN_URNS: [CompactString; 3] = [
    CompactString::const_new(USER_URN),
    CompactString::const_new(ENTERPRISE_USER_URN),
    CompactString::const_new(GROUP_URN),
];

/// `uri` as a string: a known schema URN spelled exactly so is shared, not copied.
fn urn_string(uri: &str) -> CompactString {
    for known in &KNOWN_URNS {
        if known.as_str() == uri {
            return known.clone();
        }
    }
    uri.into()
}

/// Where the pieces of an attribute path are in the text: the URN prefix is
/// `start..name - 1` (when `name > start`), the name `name..name_end`, the
/// sub-attribute `name_end + 1..end` (when `end > name_end`).
///
/// Lexing a path yields only these positions; the strings are copied once,
/// into the node that keeps them ([`PathPos::fill`]).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PathPos {
    pub(crate) start: usize,
    name: usize,
    name_end: usize,
    pub(crate) end: usize,
}

impl PathPos {
    /// A path of one name, `start..end`.
    pub(crate) const fn name(start: usize, end: usize) -> Self {
        PathPos {
            start,
            name: start,
            name_end: end,
            end,
        }
    }

    /// Whether the path has a sub-attribute.
    pub(crate) const fn has_sub_attr(&self) -> bool {
        self.end > self.name_end
    }

    /// Writes the path into `path`, which holds no strings yet.
    #[inline]
    pub(crate) fn fill(self, input: &str, path: &mut AttrPath) {
        if self.name > self.start {
            path.uri = Some(urn_string(text(input, self.start, self.name - 1)));
        }
        path.name = text(input, self.name, self.name_end).into();
        if self.has_sub_attr() {
            path.sub_attr = Some(text(input, self.name_end + 1, self.end).into());
        }
        path.span = Span::new(self.start, self.end);
    }

    /// The path as a new value.
    pub(crate) fn to_path(self, input: &str) -> AttrPath {
        let mut path = EMPTY_PATH;
        self.fill(input, &mut path);
        path
    }
}

/// A path holding no strings, to be filled in place.
pub(crate) const EMPTY_PATH: AttrPath = AttrPath {
    uri: None,
    name: CompactString::const_new(""),
    sub_attr: None,
    span: Span::new(0, 0),
};

/// `[URI ":"] ATTRNAME ["." ATTRNAME]` at `pos` (no leading whitespace).
///
/// Without a registry, a URN prefix is split at its last colon; the rest is
/// `name[.sub]`. `expected` is what the error names when no path starts at `pos`.
#[inline(always)]
pub(crate) fn attr_path(
    input: &str,
    pos: usize,
    expected: &'static [Expected],
    out: &mut PathPos,
) -> Result<(), LexError> {
    let bytes = input.as_bytes();
    let is_urn = bytes
        .get(pos..pos + 4)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"urn:"));
    if !is_urn {
        let (name_end, end) = name_and_sub(input, pos, expected)?;
        out.start = pos;
        out.name = pos;
        out.name_end = name_end;
        out.end = end;
        return Ok(());
    }
    *out = urn_path(input, pos)?;
    Ok(())
}

/// An attribute path at `pos`, which starts with `urn:`.
fn urn_path(input: &str, pos: usize) -> Result<PathPos, LexError> {
    let end = scan(input.as_bytes(), pos, URN);
    let colon = text(input, pos, end).rfind(':').unwrap_or(0);
    let name = pos + colon + 1;
    let (name_end, stop) = name_and_sub(input, name, &[Expected::AttrName])?;
    if stop != end {
        return Err(unexpected(stop, &[Expected::Operator]));
    }
    Ok(PathPos {
        start: pos,
        name,
        name_end,
        end,
    })
}

/// `ATTRNAME ["." ATTRNAME]` at `pos`: the ends of the name and of the whole.
#[inline(always)]
fn name_and_sub(
    input: &str,
    pos: usize,
    expected: &'static [Expected],
) -> Result<(usize, usize), LexError> {
    let Some(name_end) = attr_name(input, pos) else {
        return Err(unexpected(pos, expected));
    };
    if peek(input, name_end) != Some(b'.') {
        return Ok((name_end, name_end));
    }
    match attr_name(input, name_end + 1) {
        Some(end) => Ok((name_end, end)),
        None => Err(unexpected(name_end + 1, &[Expected::AttrName])),
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
    let invalid = |end: usize| LexError::new(Span::new(pos, end), LexKind::InvalidNumber);
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

/// A JSON string at `pos`, which holds `"`, unescaped into `out` (which is
/// empty). Returns the position after it. Linear in the literal's length.
#[inline(always)]
pub(crate) fn string(input: &str, pos: usize, out: &mut CompactString) -> Result<usize, LexError> {
    let bytes = input.as_bytes();
    let start = pos + 1;
    // Fast path: no escapes.
    let i = scan_plain(bytes, start);
    match bytes.get(i) {
        Some(b'"') => {
            *out = CompactString::from(text(input, start, i));
            Ok(i + 1)
        }
        Some(b'\\') => string_escaped(input, pos, i, out),
        Some(_) => Err(LexError::new(
            Span::new(i, i + 1),
            LexKind::ControlCharacter,
        )),
        None => Err(LexError::new(
            Span::new(pos, input.len()),
            LexKind::UnterminatedString,
        )),
    }
}

/// The first position at or after `pos` that ends a plain run of a string
/// literal (`"`, `\` or a control character), or the end.
#[inline]
fn scan_plain(bytes: &[u8], pos: usize) -> usize {
    scan_until(bytes, pos, STR_STOP)
}

/// The first position at or after `pos` whose byte is in `mask`.
#[inline]
fn scan_until(bytes: &[u8], mut pos: usize, mask: u8) -> usize {
    while let Some(&b) = bytes.get(pos) {
        if class(b) & mask != 0 {
            break;
        }
        pos += 1;
    }
    pos
}

/// The rest of the string literal opened at `pos`, whose first escape is at `i`.
fn string_escaped(
    input: &str,
    pos: usize,
    mut i: usize,
    out: &mut CompactString,
) -> Result<usize, LexError> {
    let bytes = input.as_bytes();
    out.push_str(text(input, pos + 1, i));
    loop {
        let plain = i;
        i = scan_plain(bytes, i);
        out.push_str(text(input, plain, i));
        let Some(&b) = bytes.get(i) else {
            return Err(LexError::new(
                Span::new(pos, input.len()),
                LexKind::UnterminatedString,
            ));
        };
        match b {
            b'"' => return Ok(i + 1),
            b'\\' => {
                let esc = i;
                let bad = |end: usize, kind| LexError::new(Span::new(esc, end), kind);
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
                            .ok_or_else(|| bad(i + 2, LexKind::InvalidUnicodeEscape))?;
                        i += 6;
                        let c = if (0xD800..0xDC00).contains(&hi) {
                            let lo = (bytes.get(i) == Some(&b'\\')
                                && bytes.get(i + 1) == Some(&b'u'))
                            .then(|| hex4(input, i + 2))
                            .flatten()
                            .filter(|lo| (0xDC00..0xE000).contains(lo))
                            .ok_or_else(|| bad(i, LexKind::InvalidUnicodeEscape))?;
                            i += 6;
                            char::decode_utf16([hi, lo]).next().and_then(Result::ok)
                        } else {
                            char::from_u32(u32::from(hi))
                        };
                        let c = c.ok_or_else(|| bad(i, LexKind::InvalidUnicodeEscape))?;
                        out.push(c);
                        continue;
                    }
                    Some(_) => {
                        let w = input
                            .get(i + 1..)
                            .and_then(|s| s.chars().next())
                            .map_or(1, char::len_utf8);
                        return Err(bad(i + 1 + w, LexKind::InvalidEscape));
                    }
                    None => {
                        return Err(LexError::new(
                            Span::new(pos, input.len()),
                            LexKind::UnterminatedString,
                        ));
                    }
                };
                out.push(c);
                i += 2;
            }
            _ => {
                return Err(LexError::new(
                    Span::new(i, i + 1),
                    LexKind::ControlCharacter,
                ));
            }
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
