//! Element identity for multi-valued attributes, and a hash index over it.
//!
//! An element's identity is its `value` sub-attribute (compared as the schema says: case
//! exactly or not), or, for elements without `value`, the whole element. Group members
//! are looked up by `value` through [`Index`] (and [`crate::scan::IdSet`], which scans
//! the elements once for a set of identities), so adding or removing k members of an
//! n-member group costs O(n + k), not O(n·k).

use scim_core::AttributeDef;
use serde_json::Value;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// The `value` of an element, when the attribute has a `value` sub-attribute and the
/// element sets it to a string.
pub(crate) fn identity<'v>(attr: &AttributeDef, elem: &'v Value) -> Option<&'v str> {
    Ids::new(attr).of(elem)
}

/// How the elements of one multi-valued attribute are identified, worked out from the
/// schema once per operation rather than once per element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ids {
    complex: bool,
    /// `value` is the only sub-attribute name five bytes long.
    by_length: bool,
    exact: bool,
}

impl Ids {
    pub(crate) fn new(attr: &AttributeDef) -> Self {
        Ids {
            complex: attr.is_complex(),
            by_length: by_length(attr),
            exact: exact(attr),
        }
    }

    /// These identities, compared exactly or not whatever the schema says.
    #[cfg(test)]
    pub(crate) fn with_exact(attr: &AttributeDef, exact: bool) -> Self {
        Ids {
            exact,
            ..Ids::new(attr)
        }
    }

    /// Whether identities compare case-sensitively.
    pub(crate) fn exact(self) -> bool {
        self.exact
    }

    /// The identity of `elem` (see [`identity`]). Inlined where it is called for every
    /// element of a large group: the usual shape (a small canonical map whose first key is
    /// `value`) costs a few instructions; any other goes through [`Ids::of_any`].
    #[inline(always)]
    pub(crate) fn of(self, elem: &Value) -> Option<&str> {
        if self.complex
            && self.by_length
            && let Value::Object(m) = elem
            && m.len() <= 8
            && let Some((k, v)) = m.iter().next()
            && k.len() == 5
        {
            // Canonical elements only hold schema keys, and `value` is the only one five
            // bytes long: the key's bytes need not be read (a cache miss per element on
            // large groups), nor the keys after it.
            return v.as_str();
        }
        self.of_any(elem)
    }

    /// [`Ids::of`] for any shape.
    #[inline(never)]
    fn of_any(self, elem: &Value) -> Option<&str> {
        if !self.complex {
            return elem.as_str();
        }
        match elem {
            // Elements have a handful of keys: a scan beats hashing the key.
            Value::Object(m) if m.len() <= 8 => {
                if self.by_length {
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

    /// The position of the first element whose identity is `id`: one scan, no index, no
    /// allocation. A string element of a complex attribute counts as its own identity.
    ///
    /// On a large group each element costs a cache miss or two (its map, then its `value`
    /// string) and a few instructions: the loop is short, so the processor keeps the
    /// loads of many elements in flight at once.
    pub(crate) fn position(self, arr: &[Value], id: &str) -> Option<usize> {
        let probe = Probe::new(id, self.exact);
        arr.iter().position(|e| match e {
            Value::String(s) => probe.test(s),
            e => self.of(e).is_some_and(|s| probe.test(s)),
        })
    }
}

/// Whether `value` is the only sub-attribute name of five bytes.
fn by_length(attr: &AttributeDef) -> bool {
    let mut fives = attr.sub_attributes.iter().filter(|s| s.name.len() == 5);
    matches!((fives.next(), fives.next()), (Some(s), None) if s.name == "value")
}

/// One identity compared with many, with what [`same`] needs to know about it worked out
/// once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Probe<'a> {
    id: &'a str,
    exact: bool,
    ascii: bool,
    /// The id's first eight bytes (with the ASCII case bit set unless exact), when it has
    /// eight and compares by bytes (exactly, or ASCII without case).
    head: Option<u64>,
    /// The bits a case-insensitive ASCII comparison ignores (`0x20` in every byte).
    fold: u64,
}

impl<'a> Probe<'a> {
    pub(crate) fn new(id: &'a str, exact: bool) -> Self {
        let ascii = id.is_ascii();
        let fold = if exact { 0 } else { FOLD };
        let head = head(id).filter(|_| exact || ascii).map(|w| w | fold);
        Probe {
            id,
            exact,
            ascii,
            head,
            fold,
        }
    }

    /// False when a string of length `len` whose first word is `head` (anything when
    /// shorter than eight bytes) cannot match; true when it may.
    #[inline(always)]
    pub(crate) fn may_match(&self, len: usize, head: u64) -> bool {
        let Some(want) = self.head else {
            return true;
        };
        // Equal ids have equal lengths, except that a non-ASCII string may lowercase to a
        // shorter ASCII id (see `matches`); equal lengths mean equal bytes up to the case
        // bit of ASCII letters.
        if len == self.id.len() {
            head | self.fold == want
        } else {
            !self.exact && len > self.id.len()
        }
    }

    /// `same(s, id, exact)`: [`Probe::may_match`] on `s`'s length and first word, then
    /// [`Probe::matches`].
    #[inline(always)]
    pub(crate) fn test(&self, s: &str) -> bool {
        self.may_match(s.len(), head(s).unwrap_or(0)) && self.matches(s)
    }

    /// `same(s, id, exact)`, reading as few bytes of `s` as possible.
    #[inline]
    pub(crate) fn matches(&self, s: &str) -> bool {
        if self.exact {
            return s == self.id;
        }
        if !self.ascii {
            return same(s, self.id, false);
        }
        // The id is ASCII, so its lowercase has its length. Lowercasing a char maps ASCII to
        // ASCII byte for byte, and maps a non-ASCII char (two bytes or more) to one char,
        // which is shorter when it is ASCII: a string whose lowercase is ASCII is never
        // shorter than that lowercase, and only as long when it is ASCII itself.
        match s.len().cmp(&self.id.len()) {
            std::cmp::Ordering::Less => false,
            std::cmp::Ordering::Equal => s.eq_ignore_ascii_case(self.id),
            std::cmp::Ordering::Greater => !s.is_ascii() && same(s, self.id, false),
        }
    }
}

/// Whether `value` sub-attributes compare case-sensitively.
pub(crate) fn exact(attr: &AttributeDef) -> bool {
    if !attr.is_complex() {
        return attr.compares_exactly();
    }
    attr.sub_attribute("value")
        .is_none_or(AttributeDef::compares_exactly)
}

/// The first eight bytes of `s` as a word, when it has eight.
#[inline]
pub(crate) fn head(s: &str) -> Option<u64> {
    s.as_bytes()
        .first_chunk::<8>()
        .map(|c| u64::from_le_bytes(*c))
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

pub(crate) fn lower(s: &str) -> impl Iterator<Item = char> + '_ {
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

/// Hashes `bytes` eight at a time. With `fold`, each byte's `0x20` bit is set first: ASCII
/// letters that differ only in case hash the same (a few other bytes collide too, which
/// costs a comparison, not a wrong answer).
fn hash_bytes<H: Hasher>(bytes: &[u8], fold: bool, state: &mut H) {
    let mask = if fold { FOLD } else { 0 };
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        if let Some(w) = w.first_chunk::<8>() {
            state.write_u64(u64::from_le_bytes(*w) | mask);
        }
    }
    let tail = words
        .remainder()
        .iter()
        .rev()
        .fold(0u64, |w, b| (w << 8) | u64::from(*b));
    state.write_u64((tail | mask) ^ (bytes.len() as u64).rotate_left(56));
}

/// The bit that distinguishes ASCII upper from lower case, in every byte of a word.
pub(crate) const FOLD: u64 = 0x2020_2020_2020_2020;

/// The Fx multiplier.
pub(crate) const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

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
        self.h = (self.h.rotate_left(5) ^ n).wrapping_mul(SEED);
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
        assert_ne!(h("ab", false), h("ac", false));
        // Non-ASCII case folds as scim-filter does, and may change the length.
        assert_eq!(Key::new("ØDEGÅRD", false), Key::new("ødegård", false));
        assert_eq!(h("ØDEGÅRD", false), h("ødegård", false));
        assert_eq!(Key::new("\u{212A}elvin", false), Key::new("kelvin", false));
        assert_eq!(h("\u{212A}elvin", false), h("kelvin", false));
        assert_ne!(Key::new("ØDEGÅRD", true), Key::new("ødegård", true));
    }

    #[test]
    fn probes_agree_with_same() {
        let words = [
            "",
            "a",
            "A",
            "2819c223-7f76-453a-919d-413861904646",
            "2819C223-7F76-453A-919D-413861904646",
            "2819c223-7f76-453a-919d-41386190464",
            "2819c223@7f76",
            "2819c223`7f76",
            "kelvin-long-id",
            "KELVIN-LONG-ID",
            "\u{212A}elvin-long-id",
            "\u{212A}ELVIN-LONG-ID",
            "Ødegård-long-id",
            "ødegård-long-id",
            "İstanbul-long-id",
            "i\u{307}stanbul-long-id",
            "straße-long-id",
        ];
        for id in words {
            for exact in [false, true] {
                let p = Probe::new(id, exact);
                for s in words {
                    let word = head(s).unwrap_or(0);
                    let want = same(s, id, exact);
                    assert_eq!(p.matches(s), want, "{s:?} vs {id:?}, exact: {exact}");
                    assert!(!want || p.may_match(s.len(), word), "{s:?} vs {id:?}");
                }
            }
        }
    }

    /// The inlined fast path of `of` gives what a plain lookup of `value` gives, for the
    /// canonical shape and every other.
    #[test]
    fn identities_of_every_shape() {
        use serde_json::json;
        let group = scim_core::schema::builtin::group();
        let members = group.attribute("members").unwrap();
        let user = scim_core::schema::builtin::user();
        let emails = user.attribute("emails").unwrap();
        let many: serde_json::Map<String, Value> = (0..9)
            .map(|i| (format!("k{i}"), json!(i)))
            .chain([("value".to_owned(), json!("deep"))])
            .collect();
        let shapes = [
            json!({"value": "m1", "display": "x"}),
            json!({"display": "x", "value": "m2"}),
            json!({"value": 5, "display": "x"}),
            json!({"value": null}),
            json!({"display": "no value"}),
            json!({}),
            Value::Object(many),
            json!("bare"),
            json!(7),
        ];
        for attr in [members, emails] {
            let ids = Ids::new(attr);
            for e in &shapes {
                let naive = e.get("value").and_then(Value::as_str);
                assert_eq!(ids.of(e), naive, "{e}");
            }
        }
    }

    #[test]
    fn chunked_position_is_the_first_match() {
        let members = scim_core::schema::builtin::group();
        let attr = members.attribute("members").unwrap();
        let ids = Ids::new(attr);
        let mut arr: Vec<Value> = (0..40)
            .map(|i| serde_json::json!({"value": format!("member-{i:04}-7f76"), "display": "x"}))
            .collect();
        arr[3] = serde_json::json!({"display": "no value"});
        arr[17] = serde_json::json!("member-0017-7F76");
        arr[20] = serde_json::json!({"display": "value second", "value": "MEMBER-0020-7f76"});
        arr[39] = serde_json::json!({"value": "member-0005-7F76"});
        for id in [
            "member-0000-7f76",
            "member-0017-7f76",
            "Member-0020-7F76",
            "member-0005-7f76",
        ] {
            let naive = arr.iter().position(|e| {
                let s = match e {
                    Value::String(s) => Some(s.as_str()),
                    e => identity(attr, e),
                };
                s.is_some_and(|s| same(s, id, false))
            });
            assert_eq!(ids.position(&arr, id), naive, "{id}");
        }
        assert_eq!(ids.position(&arr, "member-0040-7f76"), None);
        assert_eq!(ids.position(&arr, "no value"), None);
    }
}
