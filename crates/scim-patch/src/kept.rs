//! Identities of a resource's large multi-valued attributes, kept from one request to the
//! next, so that adding a member to a large group does not read every member.
//!
//! Without it, an `add` of one member scans the group for that member (an existing member
//! is merged, not duplicated): on a 10,000-member group, two cache misses per member. A
//! [`KeptIndex`] counts the hashes of the identities (`value`s) of each attribute it has
//! seen; an item whose hash is not counted is certainly new, and is appended without a
//! scan. A counted hash (the item is there, or another one hashes alike) falls back to
//! the scan, so the index never changes an answer, only how fast it is found.
//!
//! The index is built by the first request that needs it, and kept up to date by every
//! request applied through it: appended and removed elements adjust the counts; any other
//! change to an indexed attribute drops its entry, to be rebuilt when next needed. A failed
//! request leaves the index as it was.

use crate::index::{FxHasher, Ids, Key};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault};

/// Attributes with fewer elements are scanned: an index is not worth keeping for them.
pub(crate) const MIN_ELEMENTS: usize = KeptIndex::MIN_ELEMENTS;

/// How many elements of each identity hash an attribute holds.
type Counts = HashMap<u64, u32, BuildHasherDefault<FxHasher>>;

/// Identities of the large multi-valued attributes of one resource (a group's `members`),
/// kept beside the resource from one PATCH to the next.
///
/// It belongs to one resource, and is only correct while every change to that resource
/// goes through [`crate::Plan::apply_kept`] or [`crate::Patcher::apply_kept`] with it.
/// After changing the resource any other way (a PUT, a direct edit), [`KeptIndex::clear`]
/// it. As a safety net, an entry whose attribute no longer has the number of elements it
/// counted is dropped and rebuilt.
///
/// ```
/// use scim_core::SchemaRegistry;
/// use scim_patch::{KeptIndex, Patcher};
/// use serde_json::json;
///
/// let registry = SchemaRegistry::builtin();
/// let members: Vec<_> = (0..1000).map(|i| json!({"value": format!("user-{i}")})).collect();
/// let mut group = json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
///     "id": "g1", "displayName": "Everyone", "members": members,
///     "meta": {"resourceType": "Group"}
/// });
/// let mut kept = KeptIndex::new();
/// let patcher = Patcher::new(&registry);
/// let add = |id: &str| patcher.decode(&json!({"Operations": [
///     {"op": "add", "path": "members", "value": [{"value": id}]}
/// ]})).unwrap();
///
/// // The first add builds the index (one pass over the members) ...
/// patcher.apply_kept(&mut group, &add("user-1000"), &mut kept).unwrap();
/// assert!(!kept.is_empty());
/// // ... the next ones append without reading the members.
/// patcher.apply_kept(&mut group, &add("user-1001"), &mut kept).unwrap();
/// // An existing member is still found, and not added twice.
/// let again = patcher.apply_kept(&mut group, &add("USER-7"), &mut kept).unwrap();
/// assert!(again.is_noop());
/// assert_eq!(group["members"].as_array().unwrap().len(), 1002);
/// ```
#[derive(Debug, Clone, Default)]
pub struct KeptIndex {
    entries: Vec<Entry>,
}

impl KeptIndex {
    /// Attributes with fewer elements are not indexed (a scan is as fast), so a PATCH of
    /// them reports no [`crate::PatchOutcome::element_deltas`].
    pub const MIN_ELEMENTS: usize = 64;

    /// An empty index; entries are built as requests need them.
    pub fn new() -> Self {
        KeptIndex::default()
    }

    /// Forgets every entry (after the resource was changed other than through the index).
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Whether no attribute is indexed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn position(&self, ext: Option<&str>, key: &str) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| e.ext.as_deref() == ext && &*e.key == key)
    }
}

/// One indexed attribute.
#[derive(Debug, Clone)]
struct Entry {
    /// The extension URN holding the attribute, if any.
    ext: Option<Box<str>>,
    /// The attribute's canonical name.
    key: Box<str>,
    ids: Ids,
    /// The attribute's number of elements, as counted.
    len: usize,
    counts: Counts,
}

impl Entry {
    /// An entry counting the elements of `arr`.
    fn count(ext: Option<&str>, key: &str, ids: Ids, arr: &[Value]) -> Self {
        let mut counts = Counts::with_capacity_and_hasher(arr.len(), Default::default());
        for id in arr.iter().filter_map(|e| element_id(ids, e)) {
            *counts.entry(hash_of(id, ids.exact())).or_default() += 1;
        }
        Entry {
            ext: ext.map(Box::from),
            key: Box::from(key),
            ids,
            len: arr.len(),
            counts,
        }
    }
}

/// The hash under which an identity is counted.
fn hash_of(id: &str, exact: bool) -> u64 {
    BuildHasherDefault::<FxHasher>::default().hash_one(Key::new(id, exact))
}

/// What one request did to the indexed attributes, applied to the index only when the
/// request succeeds.
#[derive(Debug, Default)]
struct Pending {
    /// The identities appended and removed, in order, with their hashes.
    changes: Vec<(u64, ElementChange)>,
    /// Elements appended minus elements removed.
    delta: isize,
    /// Changed other than by appending or removing elements: the entry is dropped.
    dirty: bool,
}

impl Pending {
    /// Whether the request has not changed the attribute.
    fn is_clean(&self) -> bool {
        !self.dirty && self.delta == 0 && self.changes.is_empty()
    }

    /// Whether the request appended an element whose identity hashes to `h`.
    fn added(&self, h: u64) -> bool {
        self.changes
            .iter()
            .any(|(ch, c)| *ch == h && matches!(c, ElementChange::Added(_)))
    }
}

/// One element appended to, or removed from, a multi-valued attribute: its identity
/// (`value`) as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ElementChange {
    /// An element with this identity was appended.
    Added(String),
    /// An element with this identity was removed.
    Removed(String),
}

/// How one attribute indexed by a [`KeptIndex`] changed in a request that only appended
/// or removed its elements (see [`crate::PatchOutcome::element_deltas`]): what a store that
/// keeps memberships elsewhere needs, without comparing the lists before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElementDelta {
    attribute: String,
    changes: Vec<ElementChange>,
}

impl ElementDelta {
    /// The attribute: `members`, or `urn:…:name` in an extension.
    pub fn attribute(&self) -> &str {
        &self.attribute
    }

    /// The identities appended and removed, in the order the request did it (an element
    /// appended then removed appears twice). Elements without an identity are not listed.
    pub fn changes(&self) -> &[ElementChange] {
        &self.changes
    }
}

/// A [`KeptIndex`] during one request. Dropped without [`Session::commit`] (the request
/// failed), it leaves the index as it was.
#[derive(Debug)]
pub(crate) struct Session<'k> {
    kept: &'k mut KeptIndex,
    /// One per entry of `kept`, in the same order.
    pending: Vec<Pending>,
    /// Entries before this one were there when the request started.
    base: usize,
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        // Entries built during a failed request may reflect a state it undid.
        self.kept.entries.truncate(self.base);
    }
}

impl<'k> Session<'k> {
    pub(crate) fn new(kept: &'k mut KeptIndex) -> Self {
        let pending = kept.entries.iter().map(|_| Pending::default()).collect();
        let base = kept.entries.len();
        Session {
            kept,
            pending,
            base,
        }
    }

    /// For each identity, whether it is certainly not among the elements of `arr` (the
    /// attribute `key`, in extension `ext`, identified by `ids`): `false` means "look".
    /// The entry is found or built by [`Session::follow`].
    pub(crate) fn absent<'i>(
        &mut self,
        ext: Option<&str>,
        key: &str,
        ids: Ids,
        arr: &[Value],
        items: impl Iterator<Item = Option<&'i str>>,
        touched: bool,
    ) -> Vec<bool> {
        let at = self.follow(ext, key, ids, arr, touched);
        let usable = at.and_then(|at| {
            let (entry, pending) = (self.kept.entries.get(at)?, self.pending.get(at)?);
            let expected = entry.len.checked_add_signed(pending.delta)?;
            (!pending.dirty && entry.ids == ids && expected == arr.len())
                .then_some((entry, pending))
        });
        match usable {
            Some((entry, pending)) => items
                .map(|id| {
                    id.is_some_and(|id| {
                        let h = hash_of(id, ids.exact());
                        !entry.counts.contains_key(&h) && !pending.added(h)
                    })
                })
                .collect(),
            None => items.map(|_| false).collect(),
        }
    }

    /// The position of the entry of attribute `key` (elements `arr`, identified by `ids`),
    /// built when it has none and is large enough; when the request already `touched` the
    /// attribute, a new entry is only kept for later requests if the request succeeds, and
    /// is not used by this one. Called before the request appends or removes elements.
    pub(crate) fn follow(
        &mut self,
        ext: Option<&str>,
        key: &str,
        ids: Ids,
        arr: &[Value],
        touched: bool,
    ) -> Option<usize> {
        match self.kept.position(ext, key) {
            Some(at) => {
                // Untouched by this request, yet not what it counted: the resource was
                // changed elsewhere (or the schema was). Counted again from what it is.
                let untouched = self.pending.get(at).is_some_and(Pending::is_clean);
                if let Some(e) = self.kept.entries.get_mut(at)
                    && untouched
                    && (e.ids != ids || e.len != arr.len())
                {
                    *e = Entry::count(ext, key, ids, arr);
                }
                Some(at)
            }
            None if arr.len() >= MIN_ELEMENTS => {
                // Built from what the request made of the attribute, an entry could not say
                // what the request changed before it: it is dropped at the end.
                self.kept.entries.push(Entry::count(ext, key, ids, arr));
                self.pending.push(Pending {
                    dirty: touched,
                    ..Pending::default()
                });
                Some(self.kept.entries.len() - 1)
            }
            None => None,
        }
    }

    /// The identities and the pending changes of attribute `key`, when it is indexed and
    /// its changes are still being followed.
    fn followed(&mut self, ext: Option<&str>, key: &str) -> Option<(Ids, &mut Pending)> {
        let at = self.kept.position(ext, key)?;
        let ids = self.kept.entries.get(at)?.ids;
        self.pending
            .get_mut(at)
            .filter(|p| !p.dirty)
            .map(|p| (ids, p))
    }

    /// `items` are being appended to attribute `key`.
    pub(crate) fn appended(&mut self, ext: Option<&str>, key: &str, items: &[Value]) {
        let Some((ids, p)) = self.followed(ext, key) else {
            return;
        };
        for item in items {
            if let Some(id) = element_id(ids, item) {
                let h = hash_of(id, ids.exact());
                p.changes.push((h, ElementChange::Added(id.to_owned())));
            }
        }
        p.delta = p.delta.saturating_add_unsigned(items.len());
    }

    /// `removed` elements were taken out of attribute `key`.
    pub(crate) fn removed<'v>(
        &mut self,
        ext: Option<&str>,
        key: &str,
        removed: impl ExactSizeIterator<Item = &'v Value>,
    ) {
        let Some((ids, p)) = self.followed(ext, key) else {
            return;
        };
        p.delta = p.delta.saturating_sub_unsigned(removed.len());
        for e in removed {
            if let Some(id) = element_id(ids, e) {
                let h = hash_of(id, ids.exact());
                p.changes.push((h, ElementChange::Removed(id.to_owned())));
            }
        }
    }

    /// Attribute `key` of `ext` changed some other way (`key` may also be an extension URN
    /// with `ext` `None`: the whole extension changed).
    pub(crate) fn changed(&mut self, ext: Option<&str>, key: &str) {
        for at in 0..self.kept.entries.len() {
            let hit = self.kept.entries.get(at).is_some_and(|e| {
                (e.ext.as_deref() == ext && &*e.key == key)
                    || (ext.is_none() && e.ext.as_deref() == Some(key))
            });
            if hit {
                self.mark_dirty_at(at);
            }
        }
    }

    /// Part of the request was undone: what it recorded can no longer be told apart.
    pub(crate) fn rolled_back(&mut self) {
        let base = self.base;
        for (at, p) in self.pending.iter_mut().enumerate() {
            if at >= base || !p.is_clean() {
                p.dirty = true;
            }
        }
    }

    fn mark_dirty_at(&mut self, at: usize) {
        if let Some(p) = self.pending.get_mut(at) {
            p.dirty = true;
        }
    }

    /// The request succeeded: brings the index up to date with `root`. Returns how the
    /// indexed attributes that only gained or lost elements changed.
    pub(crate) fn commit(mut self, root: &Map<String, Value>) -> Vec<ElementDelta> {
        let mut pending = std::mem::take(&mut self.pending).into_iter();
        let mut deltas = Vec::new();
        self.kept.entries.retain_mut(|entry| {
            let Some(p) = pending.next() else {
                return false;
            };
            if p.dirty {
                return false;
            }
            // In the request's order, so that an element appended then removed is gone.
            for (h, c) in &p.changes {
                match c {
                    ElementChange::Added(_) => *entry.counts.entry(*h).or_default() += 1,
                    ElementChange::Removed(_) => {
                        if let Some(n) = entry.counts.get_mut(h) {
                            *n = n.saturating_sub(1);
                            if *n == 0 {
                                entry.counts.remove(h);
                            }
                        }
                    }
                }
            }
            let Some(len) = entry.len.checked_add_signed(p.delta) else {
                return false;
            };
            entry.len = len;
            // The safety net: the attribute has the length the entry counted.
            let fits = len == crate::lookup::elements(root, entry.ext.as_deref(), &entry.key).len();
            if fits && !p.changes.is_empty() {
                let attribute = match &entry.ext {
                    Some(urn) => format!("{urn}:{}", entry.key),
                    None => entry.key.to_string(),
                };
                deltas.push(ElementDelta {
                    attribute,
                    changes: p.changes.into_iter().map(|(_, c)| c).collect(),
                });
            }
            fits
        });
        self.base = self.kept.entries.len();
        deltas
    }
}

/// The identity of an element as the index counts it (a bare string is its own).
fn element_id(ids: Ids, e: &Value) -> Option<&str> {
    match e {
        Value::String(s) => Some(s),
        e => ids.of(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Patcher;
    use scim_core::SchemaRegistry;
    use serde_json::json;

    fn group(n: usize) -> Value {
        let members: Vec<Value> = (0..n).map(|i| json!({"value": format!("m{i}")})).collect();
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "id": "g", "displayName": "G", "members": members,
            "meta": {"resourceType": "Group"}
        })
    }

    fn apply(g: &mut Value, kept: &mut KeptIndex, ops: Value) -> bool {
        let registry = SchemaRegistry::builtin();
        let p = Patcher::new(&registry);
        let patch = p.decode(&json!({"Operations": ops})).unwrap();
        p.apply_kept(g, &patch, kept).is_ok()
    }

    /// (elements counted, distinct hashes) of the one entry.
    fn entry(kept: &KeptIndex) -> Option<(usize, usize)> {
        assert!(kept.entries.len() <= 1);
        kept.entries.first().map(|e| (e.len, e.counts.len()))
    }

    fn add(id: &str) -> Value {
        json!([{"op": "add", "path": "members", "value": [{"value": id}]}])
    }

    #[test]
    fn built_when_large_then_kept_up_to_date() {
        let mut kept = KeptIndex::new();
        let mut small = group(MIN_ELEMENTS - 2);
        assert!(apply(&mut small, &mut kept, add("x")));
        assert_eq!(entry(&kept), None, "small attributes are scanned");
        assert!(apply(&mut small, &mut kept, add("y")));
        assert_eq!(entry(&kept), None);
        // Now large enough: the next add counts the elements, then its own item.
        assert!(apply(&mut small, &mut kept, add("z")));
        assert_eq!(entry(&kept), Some((MIN_ELEMENTS + 1, MIN_ELEMENTS + 1)));
        // Adds and removals adjust the counts.
        let remove = json!([{"op": "remove", "path": "members", "value": [{"value": "M0"}, {"value": "x"}]}]);
        assert!(apply(&mut small, &mut kept, remove));
        assert_eq!(entry(&kept), Some((MIN_ELEMENTS - 1, MIN_ELEMENTS - 1)));
        assert!(apply(&mut small, &mut kept, add("M0")));
        assert_eq!(entry(&kept), Some((MIN_ELEMENTS, MIN_ELEMENTS)));
        // A present member (other case) is found by the scan the count sends it to.
        assert!(apply(&mut small, &mut kept, add("m0")));
        assert_eq!(entry(&kept), Some((MIN_ELEMENTS, MIN_ELEMENTS)));
    }

    #[test]
    fn a_failed_request_leaves_the_index_as_it_was() {
        let mut kept = KeptIndex::new();
        let mut g = group(100);
        assert!(apply(&mut g, &mut kept, add("new")));
        let before = entry(&kept);
        let failing = json!([
            {"op": "add", "path": "members", "value": [{"value": "other"}]},
            {"op": "remove", "path": "members[value eq \"nobody\"]"}
        ]);
        assert!(!apply(&mut g, &mut kept, failing.clone()));
        assert_eq!(entry(&kept), before);
        // An index built by a failed request is not kept.
        let mut fresh = KeptIndex::new();
        assert!(!apply(&mut g, &mut fresh, failing));
        assert!(fresh.is_empty());
    }

    #[test]
    fn a_refused_check_leaves_the_index_and_resource_as_they_were() {
        let registry = SchemaRegistry::builtin();
        let p = Patcher::new(&registry);
        let rt = registry.resource_type("Group").unwrap();
        let mut kept = KeptIndex::new();
        let mut g = group(100);
        assert!(apply(&mut g, &mut kept, add("new")));
        let (before, counted) = (g.clone(), entry(&kept));
        let op = p.decode(&json!({"Operations": add("other")})).unwrap();
        let plan = p.plan(rt, &op).unwrap();
        let refused = plan.apply_checked(&mut g, Some(&mut kept), |g| {
            assert_eq!(g["members"].as_array().unwrap().len(), 102);
            Err("no")
        });
        assert!(matches!(refused, Err(crate::Checked::Refused("no"))));
        assert_eq!(g, before);
        assert_eq!(entry(&kept), counted);
        // Accepted, it reports the member it added.
        let done = plan
            .apply_checked(&mut g, Some(&mut kept), |_| Ok::<(), ()>(()))
            .unwrap();
        assert_eq!(entry(&kept), Some((102, 102)));
        let deltas = done.element_deltas();
        assert_eq!(deltas.len(), 1);
        assert_eq!(deltas[0].attribute(), "members");
        assert_eq!(deltas[0].changes(), [ElementChange::Added("other".into())]);
    }

    #[test]
    fn other_changes_drop_the_entry() {
        let mut kept = KeptIndex::new();
        let mut g = group(100);
        assert!(apply(&mut g, &mut kept, add("new")));
        let display =
            json!([{"op": "replace", "path": "members[value eq \"m3\"].display", "value": "D"}]);
        assert!(apply(&mut g, &mut kept, display));
        assert!(kept.is_empty());
        assert!(apply(&mut g, &mut kept, add("again")));
        assert_eq!(entry(&kept), Some((102, 102)));
        let replace = json!([{"op": "replace", "path": "members", "value": [{"value": "only"}]}]);
        assert!(apply(&mut g, &mut kept, replace));
        assert!(kept.is_empty());
    }

    #[test]
    fn an_index_out_of_step_with_its_resource_is_counted_again() {
        let mut kept = KeptIndex::new();
        let mut g = group(100);
        assert!(apply(&mut g, &mut kept, add("new")));
        // Changed behind the index's back: "m5" goes, so its count is stale.
        g["members"].as_array_mut().unwrap().remove(5);
        assert!(apply(&mut g, &mut kept, add("m5")));
        assert_eq!(entry(&kept), Some((101, 101)));
        let ids: Vec<&str> = g["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["value"].as_str().unwrap())
            .collect();
        assert_eq!(ids.iter().filter(|i| **i == "m5").count(), 1);
    }

    #[test]
    fn unknown_identities_are_looked_for_and_new_ones_are_not() {
        let mut kept = KeptIndex::new();
        let g = group(100);
        let registry = SchemaRegistry::builtin();
        let attr = registry.resource_type("Group").unwrap();
        let members = registry
            .schema(&attr.schema)
            .unwrap()
            .attribute("members")
            .unwrap();
        let ids = Ids::new(members);
        let arr = g["members"].as_array().unwrap();
        let mut s = Session::new(&mut kept);
        let got = s.absent(
            None,
            "members",
            ids,
            arr,
            [Some("m1"), Some("M2"), Some("zz"), None].into_iter(),
            false,
        );
        assert_eq!(got, [false, false, true, false]);
    }
}
