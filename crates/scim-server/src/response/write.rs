//! Compact JSON output of `serde_json` values, byte for byte what `serde_json::to_vec`
//! writes, with a faster string escaper (response bodies are mostly string content, and
//! `serde_json` examines it one byte at a time).

use serde_json::Value;

/// Appends the compact JSON text of `v` to `out`.
pub(crate) fn value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        // `serde_json`'s own number output (itoa/ryu); writing to a `Vec` cannot fail.
        Value::Number(n) => serde_json::to_writer(&mut *out, n).unwrap_or(()),
        Value::String(s) => string(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                value(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                string(out, k);
                out.push(b':');
                value(out, item);
            }
            out.push(b'}');
        }
    }
}

/// Appends an unsigned integer.
pub(crate) fn usize(out: &mut Vec<u8>, mut n: usize) {
    // Digits from the right, without the formatting machinery.
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        if let Some(d) = digits.get_mut(at) {
            // `n % 10` is below 10.
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || at == 0 {
            break;
        }
    }
    out.extend_from_slice(digits.get(at..).unwrap_or_default());
}

/// Appends `s` as a JSON string: `"` and `\` escaped, control characters as `\b`, `\t`,
/// `\n`, `\f`, `\r` or `\u00xx`, everything else (non-ASCII included) as is.
pub(crate) fn string(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    if is_clean(bytes) {
        out.extend_from_slice(bytes);
    } else {
        escaped(out, bytes);
    }
    out.push(b'"');
}

/// Whether nothing in `bytes` needs escaping: eight bytes at a time, then the tail.
fn is_clean(bytes: &[u8]) -> bool {
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if needs_escape(u64::from_le_bytes(word)) {
            return false;
        }
    }
    // Byte by byte: a short copy into a word would cost a `memcpy` call.
    chunks.remainder().iter().all(|&b| escape(b).is_none())
}

/// The string contents of `bytes` with escapes, clean runs copied whole.
fn escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if let Some(esc) = escape(b) {
            out.extend_from_slice(bytes.get(start..i).unwrap_or_default());
            esc.write(out);
            start = i + 1;
        }
    }
    out.extend_from_slice(bytes.get(start..).unwrap_or_default());
}

/// Whether any byte of the eight in `x` is a control character, `"` or `\` (the classic
/// SWAR "has a byte below n" and "has a zero byte" tests, which never miss one).
fn needs_escape(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below_space = x.wrapping_sub(ONES * 0x20) & !x;
    let quote = x ^ (ONES * u64::from(b'"'));
    let backslash = x ^ (ONES * u64::from(b'\\'));
    let zero = |v: u64| v.wrapping_sub(ONES) & !v;
    (below_space | zero(quote) | zero(backslash)) & HIGH != 0
}

/// How one byte is escaped.
#[derive(Debug, Clone, Copy)]
enum Escape {
    /// A two-character escape such as `\n`.
    Short(u8),
    /// `\u00xx`.
    Unicode(u8),
}

impl Escape {
    fn write(self, out: &mut Vec<u8>) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        match self {
            Escape::Short(c) => out.extend_from_slice(&[b'\\', c]),
            Escape::Unicode(b) => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX.get(usize::from(b >> 4)).copied().unwrap_or(b'0'),
                HEX.get(usize::from(b & 0xf)).copied().unwrap_or(b'0'),
            ]),
        }
    }
}

fn escape(b: u8) -> Option<Escape> {
    Some(match b {
        b'"' => Escape::Short(b'"'),
        b'\\' => Escape::Short(b'\\'),
        0x08 => Escape::Short(b'b'),
        0x0c => Escape::Short(b'f'),
        b'\n' => Escape::Short(b'n'),
        b'\r' => Escape::Short(b'r'),
        b'\t' => Escape::Short(b't'),
        0x00..=0x1f => Escape::Unicode(b),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn ours(v: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        value(&mut out, v);
        out
    }

    #[test]
    fn writes_what_serde_json_writes() {
        let v = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "name": {"formatted": "Ms. Barbara J Jensen, III", "givenName": "Bärbel"},
            "quote\"back\\slash": "tab\there\nnew\u{1}\u{1f}\u{7f}\u{8}\u{c}\r/",
            "n": [0, -1, 1.5, 1e300, -0.0, 18446744073709551615u64, i64::MIN],
            "t": true, "f": false, "z": null, "e": {}, "a": [],
            "long": "0123456789abcdef\"0123456789abcdef\\0123456789abcdef",
        });
        assert_eq!(ours(&v), serde_json::to_vec(&v).unwrap());
    }

    #[test]
    fn writes_integers() {
        let mut out = Vec::new();
        usize(&mut out, 0);
        out.push(b' ');
        usize(&mut out, 100_000);
        out.push(b' ');
        usize(&mut out, usize::MAX);
        assert_eq!(out, format!("0 100000 {}", usize::MAX).as_bytes());
    }

    proptest! {
        #[test]
        fn any_string_is_escaped_as_serde_json_does(s in "(?s).{0,40}", t in "[\\x00-\\x7f]{0,40}") {
            for s in [s, t] {
                let v = Value::String(s);
                prop_assert_eq!(ours(&v), serde_json::to_vec(&v).unwrap());
            }
        }
    }
}
