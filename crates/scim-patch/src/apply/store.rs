//! The storage half of a transaction: every change to the resource goes through a
//! primitive here that records how to undo it, and [`Tx::rollback_to`] replays those
//! records backwards. Also the record of what changed, for the outcome.

use super::present;
use crate::index::Ids;
use crate::kept::{ElementDelta, KeptIndex, Session};
use crate::lookup;
use crate::plan::AttrTarget;
use scim_core::Compat;
use serde_json::{Map, Value};

/// A changed attribute: `attr`, `urn:attr` in an extension, with `.sub` for a
/// sub-attribute (an extension URN alone for a whole extension).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Changed<'r> {
    pub(super) ext: Option<&'r str>,
    pub(super) attr: &'r str,
    pub(super) sub: Option<&'r str>,
}

impl Changed<'_> {
    pub(super) fn path(&self) -> String {
        let len = self.ext.map_or(0, |e| e.len() + 1) + self.attr.len();
        let mut p = String::with_capacity(len + self.sub.map_or(0, |s| s.len() + 1));
        if let Some(urn) = self.ext {
            p.push_str(urn);
            p.push(':');
        }
        p.push_str(self.attr);
        if let Some(sub) = self.sub {
            p.push('.');
            p.push_str(sub);
        }
        p
    }
}

/// Where an undo entry applies: the root object (`ext: None`) or an extension object.
#[derive(Debug)]
pub(super) enum Undo<'r> {
    /// `key` held `old` (at position `pos` when it was removed); `None`: it was absent.
    Key {
        ext: Option<&'r str>,
        key: &'r str,
        pos: usize,
        old: Option<Value>,
    },
    /// Items were appended to the array at `key`, which had `len` items.
    Truncate {
        ext: Option<&'r str>,
        key: &'r str,
        len: usize,
    },
    /// The element at `index` was `old`.
    Elem {
        ext: Option<&'r str>,
        key: &'r str,
        index: usize,
        old: Value,
    },
    /// Sub-attribute `sub` of the object at `key` (or of its element `index`) held `old`
    /// (at position `pos` when it was removed); `None`: it was absent.
    Sub {
        ext: Option<&'r str>,
        key: &'r str,
        index: Option<usize>,
        sub: &'r str,
        pos: usize,
        old: Option<Value>,
    },
    /// These elements were removed from these positions (ascending).
    Restore {
        ext: Option<&'r str>,
        key: &'r str,
        removed: Vec<(usize, Value)>,
    },
}

/// A suspended [`Tx`]: everything but the resource.
pub(super) struct Log<'a, 'r> {
    undo: Vec<Undo<'r>>,
    changed: Vec<Changed<'r>>,
    compat: Compat,
    kept: Option<Session<'a>>,
}

pub(super) struct Tx<'a, 'k, 'r> {
    pub(super) root: &'a mut Map<String, Value>,
    pub(super) undo: Vec<Undo<'r>>,
    pub(super) changed: Vec<Changed<'r>>,
    pub(super) compat: Compat,
    /// The identities kept between requests, when the caller keeps them.
    pub(super) kept: Option<Session<'k>>,
}

impl<'a, 'k, 'r> Tx<'a, 'k, 'r> {
    /// A transaction over `root`, with nothing recorded yet.
    pub(super) fn new(
        root: &'a mut Map<String, Value>,
        compat: Compat,
        kept: Option<&'k mut KeptIndex>,
    ) -> Self {
        Tx {
            root,
            undo: Vec::new(),
            changed: Vec::new(),
            compat,
            kept: kept.map(Session::new),
        }
    }

    /// The request succeeded: the kept identities catch up with it. Returns how the kept
    /// attributes that only gained or lost elements changed.
    pub(super) fn commit(mut self) -> Vec<ElementDelta> {
        match self.kept.take() {
            Some(kept) => kept.commit(self.root),
            None => Vec::new(),
        }
    }

    /// Lets go of the resource, keeping what is needed to finish the request later with
    /// [`Tx::resume`] (so that the caller can look at the resource in between).
    pub(super) fn suspend(self) -> Log<'k, 'r> {
        Log {
            undo: self.undo,
            changed: self.changed,
            compat: self.compat,
            kept: self.kept,
        }
    }

    /// Takes up a suspended request on the same resource.
    pub(super) fn resume(root: &'a mut Map<String, Value>, log: Log<'k, 'r>) -> Self {
        Tx {
            root,
            undo: log.undo,
            changed: log.changed,
            compat: log.compat,
            kept: log.kept,
        }
    }

    /// Tells the kept identities that attribute `key` of `ext` changed other than by
    /// appending or removing elements.
    fn touch(&mut self, ext: Option<&str>, key: &str) {
        if let Some(kept) = &mut self.kept {
            kept.changed(ext, key);
        }
    }

    // ----- storage primitives, each recording its undo entry -----

    pub(super) fn container(&self, ext: Option<&str>) -> Option<&Map<String, Value>> {
        match ext {
            None => Some(self.root),
            Some(urn) => lookup::get(self.root, urn)?.as_object(),
        }
    }

    pub(super) fn container_mut(&mut self, ext: Option<&str>) -> Option<&mut Map<String, Value>> {
        match ext {
            None => Some(self.root),
            Some(urn) => lookup::get_mut(self.root, urn)?.as_object_mut(),
        }
    }

    pub(super) fn get(&self, ext: Option<&str>, key: &str) -> Option<&Value> {
        present(lookup::get(self.container(ext)?, key))
    }

    /// Sets `key` (creating the extension object, and its `schemas` entry, if needed).
    pub(super) fn set(&mut self, ext: Option<&'r str>, key: &'r str, v: Value) {
        if let Some(urn) = ext
            && self.container(ext).is_none()
        {
            self.set(None, urn, Value::Object(Map::new()));
            self.add_schema(urn);
        }
        self.touch(ext, key);
        let Some(c) = self.container_mut(ext) else {
            return;
        };
        let old = match lookup::get_mut(c, key) {
            Some(slot) => Some(std::mem::replace(slot, v)),
            None => {
                c.insert(key.to_owned(), v);
                None
            }
        };
        self.undo.push(Undo::Key {
            ext,
            key,
            pos: 0,
            old,
        });
    }

    /// Removes `key`; an extension object left empty goes too, with its `schemas` entry.
    pub(super) fn remove(&mut self, ext: Option<&'r str>, key: &'r str) {
        let Some(c) = self.container_mut(ext) else {
            return;
        };
        let Some(pos) = c.keys().position(|k| k == key) else {
            return;
        };
        let old = c.shift_remove(key);
        let now_empty = c.is_empty();
        self.touch(ext, key);
        self.undo.push(Undo::Key { ext, key, pos, old });
        if let (Some(urn), true) = (ext, now_empty) {
            self.remove(None, urn);
            self.remove_schema(urn);
        }
    }

    pub(super) fn schemas(&self) -> Vec<Value> {
        match lookup::get(self.root, "schemas") {
            Some(Value::Array(a)) => a.clone(),
            _ => Vec::new(),
        }
    }

    pub(super) fn add_schema(&mut self, urn: &'r str) {
        let mut s = self.schemas();
        if !s
            .iter()
            .any(|v| v.as_str().is_some_and(|v| v.eq_ignore_ascii_case(urn)))
        {
            s.push(Value::String(urn.to_owned()));
            self.set(None, "schemas", Value::Array(s));
        }
    }

    pub(super) fn remove_schema(&mut self, urn: &str) {
        let mut s = self.schemas();
        let before = s.len();
        s.retain(|v| !v.as_str().is_some_and(|v| v.eq_ignore_ascii_case(urn)));
        if s.len() != before {
            self.set(None, "schemas", Value::Array(s));
        }
    }

    pub(super) fn array(&self, ext: Option<&str>, key: &str) -> &[Value] {
        lookup::elements(self.root, ext, key)
    }

    /// For each item's identity, whether the kept identities show it is certainly not an
    /// element of attribute `key` (`None`: nothing is kept, look for every item).
    pub(super) fn known_absent(
        &mut self,
        ext: Option<&str>,
        key: &str,
        ids: Ids,
        items: &[Value],
    ) -> Option<Vec<bool>> {
        let touched = self.touched(ext, key);
        let kept = self.kept.as_mut()?;
        let arr = lookup::elements(self.root, ext, key);
        let items = items.iter().map(|i| ids.of(i));
        Some(kept.absent(ext, key, ids, arr, items, touched))
    }

    /// Whether the request already changed attribute `key`.
    fn touched(&self, ext: Option<&str>, key: &str) -> bool {
        self.changed.iter().any(|c| c.ext == ext && c.attr == key)
    }

    pub(super) fn array_mut(&mut self, ext: Option<&str>, key: &str) -> Option<&mut Vec<Value>> {
        lookup::get_mut(self.container_mut(ext)?, key)?.as_array_mut()
    }

    /// Appends items to a multi-valued attribute (creating it when absent).
    pub(super) fn append(&mut self, ext: Option<&'r str>, key: &'r str, items: Vec<Value>) {
        if items.is_empty() {
            return;
        }
        match self.array_mut(ext, key) {
            Some(arr) => {
                let len = arr.len();
                arr.extend(items);
                self.undo.push(Undo::Truncate { ext, key, len });
                if let Some(kept) = &mut self.kept {
                    let arr = lookup::elements(self.root, ext, key);
                    kept.appended(ext, key, arr.get(len..).unwrap_or_default());
                }
            }
            None => self.set(ext, key, Value::Array(items)),
        }
    }

    /// The complex value at `key`, or its element `index`.
    pub(super) fn object_mut(
        &mut self,
        ext: Option<&str>,
        key: &str,
        index: Option<usize>,
    ) -> Option<&mut Map<String, Value>> {
        let v = lookup::get_mut(self.container_mut(ext)?, key)?;
        let v = match index {
            Some(i) => v.as_array_mut()?.get_mut(i)?,
            None => v,
        };
        v.as_object_mut()
    }

    /// Sets (`Some`) or removes (`None`) sub-attribute `sub` in place, recording the old
    /// value; the object must exist.
    pub(super) fn set_sub(
        &mut self,
        ext: Option<&'r str>,
        key: &'r str,
        index: Option<usize>,
        sub: &'r str,
        v: Option<Value>,
    ) {
        self.touch(ext, key);
        let Some(o) = self.object_mut(ext, key, index) else {
            return;
        };
        let (pos, old) = match v {
            Some(v) => match lookup::get_mut(o, sub) {
                Some(slot) => (0, Some(std::mem::replace(slot, v))),
                None => {
                    o.insert(sub.to_owned(), v);
                    (0, None)
                }
            },
            None => match o.keys().position(|k| k == sub) {
                Some(pos) => (pos, o.shift_remove(sub)),
                None => return,
            },
        };
        self.undo.push(Undo::Sub {
            ext,
            key,
            index,
            sub,
            pos,
            old,
        });
    }

    /// Replaces the element at `index`.
    pub(super) fn set_elem(&mut self, ext: Option<&'r str>, key: &'r str, index: usize, v: Value) {
        self.touch(ext, key);
        if let Some(slot) = self.array_mut(ext, key).and_then(|a| a.get_mut(index)) {
            let old = std::mem::replace(slot, v);
            self.undo.push(Undo::Elem {
                ext,
                key,
                index,
                old,
            });
        }
    }

    /// Removes the elements at `indices` (ascending); an emptied attribute is removed.
    pub(super) fn remove_elems(
        &mut self,
        ext: Option<&'r str>,
        key: &'r str,
        ids: Ids,
        indices: &[usize],
    ) {
        if indices.is_empty() {
            return;
        }
        // A large attribute's identities are followed from here on, so that the removal is
        // reported as a delta.
        let touched = self.touched(ext, key);
        if let Some(kept) = &mut self.kept {
            kept.follow(
                ext,
                key,
                ids,
                lookup::elements(self.root, ext, key),
                touched,
            );
        }
        let Some(arr) = self.array_mut(ext, key) else {
            return;
        };
        // One pass: each kept element moves once, each removed one into the undo entry.
        let mut want = indices.iter().copied().peekable();
        let mut i = 0usize;
        let extracted = arr.extract_if(.., |_| {
            let hit = want.peek() == Some(&i);
            if hit {
                want.next();
            }
            i += 1;
            hit
        });
        let removed: Vec<(usize, Value)> = indices.iter().copied().zip(extracted).collect();
        let empty = arr.is_empty();
        if let Some(kept) = &mut self.kept {
            kept.removed(ext, key, removed.iter().map(|(_, v)| v));
        }
        self.undo.push(Undo::Restore { ext, key, removed });
        if empty {
            self.remove(ext, key);
        }
    }

    /// Undoes every change recorded after the first `mark` entries.
    pub(super) fn rollback_to(&mut self, mark: usize) {
        if let Some(kept) = &mut self.kept {
            kept.rolled_back();
        }
        while self.undo.len() > mark {
            let Some(u) = self.undo.pop() else { break };
            match u {
                Undo::Key { ext, key, pos, old } => {
                    if let Some(c) = self.container_mut(ext) {
                        restore_entry(c, key, pos, old);
                    }
                }
                Undo::Truncate { ext, key, len } => {
                    if let Some(a) = self.array_mut(ext, key) {
                        a.truncate(len);
                    }
                }
                Undo::Elem {
                    ext,
                    key,
                    index,
                    old,
                } => {
                    if let Some(slot) = self.array_mut(ext, key).and_then(|a| a.get_mut(index)) {
                        *slot = old;
                    }
                }
                Undo::Sub {
                    ext,
                    key,
                    index,
                    sub,
                    pos,
                    old,
                } => {
                    if let Some(o) = self.object_mut(ext, key, index) {
                        restore_entry(o, sub, pos, old);
                    }
                }
                Undo::Restore { ext, key, removed } => {
                    if let Some(a) = self.array_mut(ext, key) {
                        let kept = std::mem::take(a);
                        let mut out = Vec::with_capacity(kept.len() + removed.len());
                        let mut kept = kept.into_iter();
                        for (i, v) in removed {
                            while out.len() < i {
                                match kept.next() {
                                    Some(k) => out.push(k),
                                    None => break,
                                }
                            }
                            out.push(v);
                        }
                        out.extend(kept);
                        *a = out;
                    }
                }
            }
        }
    }

    /// Records that the attribute of `t` (or its sub-attribute `sub`) changed.
    pub(super) fn mark(&mut self, t: &AttrTarget<'r>, sub: Option<&'r str>) {
        self.mark_path(Changed {
            ext: t.ext,
            attr: &t.attr.name,
            sub,
        });
    }

    pub(super) fn mark_path(&mut self, c: Changed<'r>) {
        if !self.changed.contains(&c) {
            self.changed.push(c);
        }
    }
}

/// Puts a map entry back as it was: absent (`old` is `None`), or `old` in place or at `pos`.
fn restore_entry(
    map: &mut serde_json::Map<String, Value>,
    key: &str,
    pos: usize,
    old: Option<Value>,
) {
    match (old, map.get_mut(key)) {
        (None, _) => {
            map.shift_remove(key);
        }
        (Some(old), Some(slot)) => *slot = old,
        (Some(old), None) => {
            let pos = pos.min(map.len());
            map.shift_insert(pos, key.to_owned(), old);
        }
    }
}
