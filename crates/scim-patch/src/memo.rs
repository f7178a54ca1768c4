//! A per-thread memo of value-filter paths (`emails[type eq "work"].value`).
//!
//! Parsing such a path and compiling its filter against the attribute cost more than the
//! rest of planning an operation, and clients send the same few paths again and again.
//! Both are pure functions of the path text and the attribute's definition, so the memo
//! keys on the text and keeps a copy of the definition the filter was compiled against: a
//! hit whose attribute (resolved afresh, through the current registry) is not equal to
//! that copy is compiled again. The memo holds [`CAPACITY`] paths per thread and replaces
//! the oldest first. A path is remembered the second time it is compiled, so that paths
//! seen once (`members[value eq "<id>"]`) cost no copy of a definition and evict nothing.

use crate::path::Compiled;
use scim_core::AttributeDef;
use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

/// Paths remembered per thread.
pub(crate) const CAPACITY: usize = 32;

/// A part of a path's text: its first or last `n` bytes (as written), or other text (as
/// printed canonically).
#[derive(Debug, Clone)]
pub(crate) enum Part {
    Prefix(usize),
    Suffix(usize),
    Text(Box<str>),
}

impl Part {
    /// The part, taken from `text` (the path it was taken from, or an equal one) when it
    /// is a prefix or suffix.
    pub(crate) fn of<'t>(&self, text: &'t str) -> Cow<'t, str> {
        match self {
            Part::Prefix(n) => Cow::Borrowed(text.get(..*n).unwrap_or_default()),
            Part::Suffix(n) => Cow::Borrowed(
                text.get(text.len().saturating_sub(*n)..)
                    .unwrap_or_default(),
            ),
            Part::Text(s) => Cow::Owned(s.to_string()),
        }
    }
}

/// A remembered value-filter path.
#[derive(Debug)]
pub(crate) struct Memo {
    text: Box<str>,
    /// The attribute part (`emails`).
    pub(crate) attr: Part,
    /// The sub-attribute after the filter (`value`).
    pub(crate) sub: Option<Part>,
    /// The definition the filter was compiled against.
    def: AttributeDef,
    pub(crate) compiled: Arc<Compiled>,
}

impl Memo {
    /// Whether the filter was compiled against an attribute equal to `attr`.
    pub(crate) fn fits(&self, attr: &AttributeDef) -> bool {
        self.def == *attr
    }
}

#[derive(Debug, Default)]
struct Table {
    memos: Vec<Rc<Memo>>,
    /// The slot the next new path replaces, once the table is full.
    next: usize,
    /// Hashes of paths compiled once, not yet remembered (a ring).
    seen: Vec<u64>,
    seen_next: usize,
}

/// Hashes of once-compiled paths kept per thread.
const SEEN: usize = 4 * CAPACITY;

thread_local! {
    static TABLE: RefCell<Table> = RefCell::default();
}

/// The memo of `text`, if this thread has one.
pub(crate) fn get(text: &str) -> Option<Rc<Memo>> {
    TABLE
        .try_with(|t| {
            let t = t.try_borrow().ok()?;
            t.memos.iter().find(|m| *m.text == *text).cloned()
        })
        .ok()
        .flatten()
}

/// Notes that the path `text` was compiled against `def`: remembered the second time.
pub(crate) fn put(
    text: &str,
    attr: Part,
    sub: Option<Part>,
    def: &AttributeDef,
    compiled: Arc<Compiled>,
) {
    let _ = TABLE.try_with(|t| {
        let Ok(mut t) = t.try_borrow_mut() else {
            return;
        };
        let h = hash(text);
        if !t.seen.contains(&h) {
            if t.seen.len() < SEEN {
                t.seen.push(h);
            } else {
                let at = t.seen_next % SEEN;
                if let Some(slot) = t.seen.get_mut(at) {
                    *slot = h;
                }
                t.seen_next = at + 1;
            }
            return;
        }
        let memo = Rc::new(Memo {
            text: text.into(),
            attr,
            sub,
            def: def.clone(),
            compiled,
        });
        if let Some(old) = t.memos.iter_mut().find(|m| *m.text == *text) {
            *old = memo;
            return;
        }
        if t.memos.len() < CAPACITY {
            t.memos.push(memo);
            return;
        }
        let at = t.next % CAPACITY;
        if let Some(slot) = t.memos.get_mut(at) {
            *slot = memo;
        }
        t.next = at + 1;
    });
}

/// A path's hash, for the ring of once-compiled paths.
fn hash(text: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    BuildHasherDefault::<crate::index::FxHasher>::default().hash_one(text)
}

/// Forgets every path this thread remembers.
#[cfg(test)]
pub(crate) fn clear() {
    let _ = TABLE.try_with(|t| {
        if let Ok(mut t) = t.try_borrow_mut() {
            *t = Table::default();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Patcher, Plan};
    use scim_core::SchemaRegistry;
    use serde_json::json;

    fn user() -> serde_json::Value {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "u1", "userName": "u",
            "emails": [{"value": "a@x", "type": "Work"}, {"value": "b@x", "type": "home"}],
            "meta": {"resourceType": "User"}
        })
    }

    fn apply(registry: &SchemaRegistry, body: &serde_json::Value) -> serde_json::Value {
        let mut u = user();
        Patcher::new(registry).apply_json(&mut u, body).unwrap();
        u
    }

    #[test]
    fn a_remembered_filter_is_compiled_again_for_another_definition() {
        clear();
        let body = json!({"Operations": [
            {"op": "replace", "path": "emails[type eq \"work\"].display", "value": "W"}
        ]});
        let plain = SchemaRegistry::builtin();
        let mut b = SchemaRegistry::builtin_builder();
        let emails = b
            .schema_mut("urn:ietf:params:scim:schemas:core:2.0:User")
            .and_then(|s| s.attribute_mut("emails"))
            .and_then(|a| a.sub_attribute_mut("type"))
            .unwrap();
        emails.case_exact = true;
        emails.canonical_values.clear();
        let exact = b.build().unwrap();
        // Remembered (the second time) against the builtin definition, where `type`
        // ignores case.
        assert_eq!(apply(&plain, &body)["emails"][0]["display"], "W");
        assert!(get("emails[type eq \"work\"].display").is_none());
        assert_eq!(apply(&plain, &body)["emails"][0]["display"], "W");
        assert_eq!(
            get("emails[type eq \"work\"].display")
                .map(|m| m.fits(plain.schemas()[0].attribute("emails").unwrap())),
            Some(true)
        );
        // The same text against `caseExact` types: compiled again, `Work` is not `work`.
        let out = apply(&exact, &body);
        assert!(out["emails"][0].get("display").is_none(), "{out}");
        // And a hit again for the builtin one.
        assert_eq!(apply(&plain, &body)["emails"][0]["display"], "W");
    }

    #[test]
    fn the_memo_keeps_its_capacity() {
        clear();
        let registry = SchemaRegistry::builtin();
        for i in 0..CAPACITY + 5 {
            let body = json!({"Operations": [
                {"op": "remove", "path": format!("emails[value eq \"{i}@x\"]")}
            ]});
            let _ = apply_err(&registry, &body);
            let _ = apply_err(&registry, &body);
        }
        let n = TABLE.with(|t| t.borrow().memos.len());
        assert_eq!(n, CAPACITY);
        assert!(
            get("emails[value eq \"0@x\"]").is_none(),
            "the oldest went first"
        );
        assert!(get(&format!("emails[value eq \"{}@x\"]", CAPACITY + 4)).is_some());
    }

    fn apply_err(registry: &SchemaRegistry, body: &serde_json::Value) -> bool {
        let mut u = user();
        Patcher::new(registry).apply_json(&mut u, body).is_err()
    }

    #[test]
    fn paths_compiled_once_are_not_remembered() {
        clear();
        let registry = SchemaRegistry::builtin();
        for i in 0..3 * CAPACITY {
            let body = json!({"Operations": [
                {"op": "remove", "path": format!("emails[value eq \"{i}@x\"]")}
            ]});
            let _ = apply_err(&registry, &body);
        }
        assert_eq!(TABLE.with(|t| t.borrow().memos.len()), 0);
    }

    #[test]
    fn plans_stay_send_and_sync() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Plan<'static>>();
    }
}
