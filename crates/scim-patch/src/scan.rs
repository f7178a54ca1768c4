//! One pass over a large multi-valued attribute looking for a set of identities: the
//! listed members of a removal, the `value eq` terms of an `or` filter, the items of an
//! add.
//!
//! On a large group each element costs a cache miss or two (its map, then its `value`
//! string), so the pass loads the identities of a chunk of elements, then their first
//! words, before testing any: the loads of a chunk overlap. A small bit filter over the
//! ids' first words then rejects most elements without hashing their whole identity; its
//! outcome is counted rather than branched on, and only the elements that pass it are
//! looked up.

use crate::index::{self, FOLD, Ids, Index, Key, head};
use serde_json::Value;

/// Elements loaded together.
const CHUNK: usize = 16;

/// The high bit of every byte of a word: set in the bytes of non-ASCII characters.
const HIGH: u64 = 0x8080_8080_8080_8080;

/// A set of identities (each with a value), to find in one pass over many elements.
#[derive(Debug)]
pub(crate) struct IdSet<'a, V> {
    map: Index<'a, V>,
    exact: bool,
    /// One bit per filter key of an id (see [`IdSet::filter_key`]); a power of two long.
    filter: Vec<u64>,
}

impl<'a, V> IdSet<'a, V> {
    /// An empty set with room for `n` identities compared exactly or not.
    pub(crate) fn new(exact: bool, n: usize) -> Self {
        // About 32 bits per id: a few percent of other elements get past the filter.
        let words = (n.saturating_mul(32) / 64)
            .clamp(8, 1 << 14)
            .next_power_of_two();
        IdSet {
            map: index::index_with_capacity(n),
            exact,
            filter: vec![0; words],
        }
    }

    /// Adds `id` with `v`; when it is already there, keeps the first value and returns `v`.
    pub(crate) fn insert(&mut self, id: &'a str, v: V) -> Option<V> {
        let key = Key::new(id, self.exact);
        if self.map.contains_key(&key) {
            return Some(v);
        }
        if let Some(k) = self.filter_key(id) {
            let (word, bit) = self.slot(k);
            if let Some(w) = self.filter.get_mut(word) {
                *w |= bit;
            }
        }
        self.map.insert(key, v);
        None
    }

    /// The value of `id`.
    pub(crate) fn get(&self, id: &'a str) -> Option<&V> {
        self.map.get(&Key::new(id, self.exact))
    }

    /// The values, in no order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &V> {
        self.map.values()
    }

    /// The key under which an element's first word must be found in the filter, if it can
    /// match `id`: its first eight bytes (with the case bit set unless exact). An element
    /// whose first word does not decide (shorter than eight bytes, or non-ASCII when
    /// compared without case) is always looked up.
    ///
    /// Without case, ids match when their Unicode lowercase is the same. An element with an
    /// ASCII first word lowercases to a text starting with those eight bytes lowercased, so
    /// it can only match an id whose lowercase starts with the same eight ASCII bytes; ids
    /// whose lowercase does not start so need no key.
    fn filter_key(&self, id: &str) -> Option<u64> {
        if self.exact {
            return head(id);
        }
        let w = if id.is_ascii() {
            head(id)?
        } else {
            let lowered: String = index::lower(id).collect();
            head(&lowered)?
        };
        (w & HIGH == 0).then_some(w | FOLD)
    }

    /// The filter word and bit of a key.
    #[inline(always)]
    fn slot(&self, key: u64) -> (usize, u64) {
        // A product's top bits depend on every bit of its factors.
        let h = (key ^ (key >> 29)).wrapping_mul(index::SEED);
        let bits = self.filter.len() * 64;
        let at = (h >> (64 - bits.trailing_zeros())) as usize;
        (at / 64, 1 << (at % 64))
    }

    /// Whether an element with first word `w` (and length `len`) may be in the set.
    #[inline(always)]
    fn may_contain(&self, len: usize, w: u64) -> bool {
        if len < 8 || (!self.exact && w & HIGH != 0) {
            return true;
        }
        let (word, bit) = self.slot(if self.exact { w } else { w | FOLD });
        self.filter.get(word).is_some_and(|x| x & bit != 0)
    }

    /// Calls `f(i, Some(v), elem)` for every element of `arr` whose identity is in the set
    /// (`v` its value), and `f(i, None, elem)` for every element without an identity, in
    /// order.
    pub(crate) fn scan(
        &mut self,
        by: Ids,
        arr: &'a [Value],
        mut f: impl FnMut(usize, Option<&mut V>, &'a Value),
    ) {
        for (c, chunk) in arr.chunks(CHUNK).enumerate() {
            // The identities of the whole chunk, then their first words, then the filter:
            // all the loads of a chunk are issued before anything depends on them, and the
            // filter's outcome is counted, not branched on, so an element that passes (a
            // hit, or a rare false positive) throws away no loads in flight.
            let mut ids: [Option<&'a str>; CHUNK] = [None; CHUNK];
            for (id, e) in ids.iter_mut().zip(chunk) {
                *id = by.of(e);
            }
            let mut words = [0u64; CHUNK];
            for (w, id) in words.iter_mut().zip(&ids) {
                *w = id.and_then(head).unwrap_or(0);
            }
            let mut candidates = [0u8; CHUNK];
            let mut n = 0;
            for (i, (id, w)) in ids.iter().zip(words).enumerate() {
                let keep = id.is_none_or(|id| self.may_contain(id.len(), w));
                if let Some(slot) = candidates.get_mut(n) {
                    *slot = i as u8;
                }
                n += usize::from(keep);
            }
            // Then the few candidates, looked up in the map.
            for &i in candidates.get(..n).unwrap_or_default() {
                let i = usize::from(i);
                let (Some(id), Some(e)) = (ids.get(i), chunk.get(i)) else {
                    continue;
                };
                let at = c * CHUNK + i;
                match id {
                    None => f(at, None, e),
                    Some(id) => {
                        if let Some(v) = self.map.get_mut(&Key::new(id, self.exact)) {
                            f(at, Some(v), e);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORDS: [&str; 16] = [
        "",
        "a",
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
        "abcdefg\u{212A}-long",
    ];

    #[test]
    fn the_filter_never_hides_a_match() {
        let members = scim_core::schema::builtin::group();
        let attr = members.attribute("members").unwrap();
        let arr: Vec<Value> = WORDS
            .iter()
            .chain(&["ABCDEFGk-LONG", "no", "nothing-like-it"])
            .map(|w| serde_json::json!({"value": w}))
            .collect();
        for exact in [false, true] {
            let by = Ids::with_exact(attr, exact);
            for id in WORDS {
                let mut set = IdSet::new(exact, 1);
                set.insert(id, ());
                let mut got = Vec::new();
                set.scan(by, &arr, |i, v, _| {
                    if v.is_some() {
                        got.push(i);
                    }
                });
                let want: Vec<usize> = arr
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| by.of(e).is_some_and(|s| index::same(s, id, exact)))
                    .map(|(i, _)| i)
                    .collect();
                assert_eq!(got, want, "{id:?}, exact: {exact}");
            }
        }
    }

    #[test]
    fn insert_keeps_the_first_value() {
        let mut set = IdSet::new(false, 2);
        assert_eq!(set.insert("Abc", 1), None);
        assert_eq!(set.insert("aBC", 2), Some(2));
        assert_eq!(set.get("ABC"), Some(&1));
        assert_eq!(set.values().count(), 1);
    }
}
