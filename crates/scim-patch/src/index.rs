//! Element identity for multi-valued attributes, and a hash index over it.
//!
//! An element's identity is its `value` sub-attribute (compared as the schema says: case
//! exactly or not), or, for elements without `value`, the whole element. Group members
//! are looked up by `value` through [`Index`], so adding or removing k members of an
//! n-member group costs O(n + k), not O(n·k).

use scim_core::AttributeDef;
use serde_json::Value;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// The `value` of an element, when the attribute has a `value` sub-attribute and the
/// element sets it to a string.
pub(crate) fn identity<'v>(attr: &AttributeDef, elem: &'v Value) -> Option<&'v str> {
    if !attr.is_complex() {
        return elem.as_str();
    }
    match elem {
        // Elements have a handful of keys: a scan beats hashing the key.
        Value::Object(m) if m.len() <= 8 => {
            if by_length(attr) {
                // Canonical elements only hold schema keys, and `value` is the only one
                // five bytes long: the key's bytes need not be read (a cache miss per
                // element on large groups).
                m.iter()
                    .find(|(k, _)| k.len() == 5)
                    .and_then(|(_, v)| v.as_str())
            } else {
                m.iter()
                    .find(|(k, _)| k.as_str() == "value")
                    .and_then(|(_, v)| v.as_str())
            }
        }
        _ => elem.get("value").and_then(Value::as_str),
    }
}

/// Whether `value` is the only sub-attribute name of five bytes.
fn by_length(attr: &AttributeDef) -> bool {
    let mut fives = attr.sub_attributes.iter().filter(|s| s.name.len() == 5);
    matches!((fives.next(), fives.next()), (Some(s), None) if s.name == "value")
}

/// The position of the first element whose identity is `id`.
pub(crate) fn position(attr: &AttributeDef, arr: &[Value], id: &str, exact: bool) -> Option<usize> {
    arr.iter().position(|e| match e {
        Value::Object(m) if attr.is_complex() => m.iter().any(|(k, v)| match v {
            // Lengths first: most ids differ in length or in their first bytes.
            // Lengths (exact ids only: case folding may change them), then the value's
            // bytes, and only for a hit the key's bytes.
            Value::String(s) => {
                (!exact || s.len() == id.len())
                    && k.len() == 5
                    && same(s, id, exact)
                    && k.as_str() == "value"
            }
            _ => false,
        }),
        Value::String(s) => same(s, id, exact),
        _ => false,
    })
}

/// Whether `value` sub-attributes compare case-sensitively.
pub(crate) fn exact(attr: &AttributeDef) -> bool {
    if !attr.is_complex() {
        return attr.compares_exactly();
    }
    attr.sub_attribute("value")
        .is_none_or(AttributeDef::compares_exactly)
}

/// Whether two identities are the same: exactly, or case-insensitively as `scim-filter`
/// compares (Unicode lowercase, char by char; an ASCII fast path).
pub(crate) fn same(a: &str, b: &str, exact: bool) -> bool {
    if exact {
        a == b
    } else if a.eq_ignore_ascii_case(b) {
        true
    } else if a.is_ascii() && b.is_ascii() {
        false
    } else {
        lower(a).eq(lower(b))
    }
}

fn lower(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().flat_map(char::to_lowercase)
}

/// Whether two elements are the same element: equal identities, or, without identities,
/// equal as a whole.
pub(crate) fn same_element(attr: &AttributeDef, exact: bool, a: &Value, b: &Value) -> bool {
    match (identity(attr, a), identity(attr, b)) {
        (Some(x), Some(y)) => same(x, y, exact),
        (None, None) => a == b,
        _ => false,
    }
}

/// A borrowed identity that hashes and compares case-insensitively (ASCII) unless exact.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Key<'a> {
    s: &'a str,
    exact: bool,
}

impl<'a> Key<'a> {
    pub(crate) fn new(s: &'a str, exact: bool) -> Self {
        Key { s, exact }
    }
}

impl PartialEq for Key<'_> {
    fn eq(&self, other: &Self) -> bool {
        same(self.s, other.s, self.exact && other.exact)
    }
}

impl Eq for Key<'_> {}

impl Hash for Key<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        if self.exact || self.s.is_ascii() {
            hash_bytes(self.s.as_bytes(), !self.exact, state);
        } else {
            // Equal keys lowercase to equal text, so they hash the same bytes.
            let lowered: String = lower(self.s).collect();
            hash_bytes(lowered.as_bytes(), true, state);
        }
    }
}

/// Hashes `bytes` eight at a time, ASCII-lowercased when `fold`.
fn hash_bytes<H: Hasher>(bytes: &[u8], fold: bool, state: &mut H) {
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let mut x = u64::from_le_bytes(w);
        if fold {
            x = lower8(x);
        }
        state.write_u64(x);
    }
    let mut w = [0u8; 8];
    for (d, s) in w.iter_mut().zip(chunks.remainder()) {
        *d = if fold { s.to_ascii_lowercase() } else { *s };
    }
    state.write_u64(u64::from_le_bytes(w) ^ (bytes.len() as u64).rotate_left(56));
}

/// ASCII-lowercases eight bytes at once (bytes outside `A..=Z` are kept).
fn lower8(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // For each byte b < 0x80: (b + (0x80 - 'A')) has the high bit set when b >= 'A', and
    // (b + (0x80 - 'Z' - 1)) when b > 'Z'.
    let ascii = !x & HIGH;
    let ge_a = (x & !HIGH).wrapping_add(ONES * (0x80 - u64::from(b'A')));
    let gt_z = (x & !HIGH).wrapping_add(ONES * (0x80 - u64::from(b'Z') - 1));
    let upper = ge_a & !gt_z & ascii & HIGH;
    x | (upper >> 2)
}

/// A fast, non-cryptographic hasher (the Fx multiply-rotate scheme); the index lives for
/// one request, over identities the request already holds.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FxHasher {
    h: u64,
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.h = (self.h.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn finish(&self) -> u64 {
        self.h
    }
}

/// A map from identity to a value, hashed with [`FxHasher`].
pub(crate) type Index<'a, V> = HashMap<Key<'a>, V, BuildHasherDefault<FxHasher>>;

/// An empty index with room for `n` keys.
pub(crate) fn index_with_capacity<'a, V>(n: usize) -> Index<'a, V> {
    HashMap::with_capacity_and_hasher(n, BuildHasherDefault::default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    fn h(s: &str, exact: bool) -> u64 {
        BuildHasherDefault::<FxHasher>::default().hash_one(Key::new(s, exact))
    }

    #[test]
    fn keys_fold_ascii_case_unless_exact() {
        for s in [
            "",
            "a",
            "2819c223-7F76-453A-919D-413861904646",
            "ÆØÅ-Straße",
            "@[`{",
        ] {
            assert_eq!(h(s, false), h(&s.to_ascii_lowercase(), false), "{s}");
            assert_eq!(Key::new(s, false), Key::new(&s.to_ascii_uppercase(), false));
        }
        assert_ne!(h("ABC", true), h("abc", true));
        assert_ne!(Key::new("ABC", true), Key::new("abc", true));
        assert_ne!(h("@", false), h("`", false));
        // Non-ASCII case folds as scim-filter does, and may change the length.
        assert_eq!(Key::new("ØDEGÅRD", false), Key::new("ødegård", false));
        assert_eq!(h("ØDEGÅRD", false), h("ødegård", false));
        assert_eq!(Key::new("\u{212A}elvin", false), Key::new("kelvin", false));
        assert_eq!(h("\u{212A}elvin", false), h("kelvin", false));
        assert_ne!(Key::new("ØDEGÅRD", true), Key::new("ødegård", true));
    }

    #[test]
    fn lower8_matches_to_ascii_lowercase() {
        for b in 0..=255u8 {
            let x = u64::from_le_bytes([b; 8]);
            assert_eq!(
                lower8(x),
                u64::from_le_bytes([b.to_ascii_lowercase(); 8]),
                "{b}"
            );
        }
    }
}
