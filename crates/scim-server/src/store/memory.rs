//! The in-memory store: per-tenant tables with indexes on `id`, case-folded unique
//! attributes (`userName`), `externalId`, a group's case-folded `displayName`, and group
//! membership.
//!
//! Each tenant has its own lock, held only for the in-memory work of one operation (never
//! across an `.await`), so tenants never contend and reads run in parallel.
//!
//! Rows share their JSON with readers (an `Arc`): a read copies nothing unless it leaves
//! `members` out or derives a user's `groups`. A group is PATCHed in place, with its member
//! identities kept between requests ([`scim_patch::KeptIndex`]) and memberships relinked
//! by the members added and removed, so adding one member to a group of 10,000 neither
//! copies nor reads the others.

use super::kind::{IndexDef, Kind, fold, now};
use super::{
    ListPage, ListRequest, Precondition, RequestContext, ResourceStore, StoreError, StoredResource,
};
use async_trait::async_trait;
use scim_core::registry::ResourceType;
use scim_core::{SchemaRegistry, ScimError};
use scim_patch::{ElementChange, KeptIndex};

use scim_filter::{CompareOp, CompiledFold, Literal, ResolvedAttr};
use serde_json::{Map, Value};
use std::borrow::Cow;
// The fast, unkeyed hash only where the store or its configuration chooses the keys (ids are
// generated UUIDs); client-chosen values (indexed attributes, member ids) keep SipHash.
use rustc_hash::FxHashMap;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// A complete, concurrent in-memory [`ResourceStore`].
///
/// ```
/// use scim_server::store::{MemoryStore, RequestContext, ResourceStore};
/// use scim_core::SchemaRegistry;
/// use std::sync::Arc;
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let registry = Arc::new(SchemaRegistry::builtin());
/// let store = MemoryStore::new(registry.clone());
/// let users = registry.resource_type("User").unwrap();
/// let ctx = RequestContext::tenant("acme");
/// let created = store
///     .create(&ctx, users, serde_json::json!({"userName": "bjensen"}))
///     .await
///     .unwrap();
/// let read = store.get(&ctx, users, &created.id).await.unwrap();
/// assert_eq!(read.resource["userName"], "bjensen");
/// // Another tenant never sees it.
/// assert!(store.get(&RequestContext::tenant("other"), users, &created.id).await.is_err());
/// # });
/// ```
#[derive(Debug)]
pub struct MemoryStore {
    registry: Arc<SchemaRegistry>,
    /// Resource type name (lowercase) → what the store must know about it.
    kinds: HashMap<String, Kind>,
    /// Keyed by tenant names, which come from the authenticator's configuration.
    tenants: RwLock<FxHashMap<String, Arc<RwLock<Tenant>>>>,
    versions: AtomicU64,
}

#[derive(Debug, Default)]
struct Tenant {
    /// Keyed by the (configured) resource type names.
    tables: FxHashMap<String, Table>,
    /// Member id → ids of the groups listing it.
    memberships: HashMap<String, BTreeSet<String>>,
    /// Group id → its resource type key (to read `displayName` for derived `groups`).
    group_kind: HashMap<String, String>,
}

#[derive(Debug, Default)]
struct Table {
    /// Id → insertion sequence.
    ids: FxHashMap<String, u64>,
    /// Insertion sequence → row: scans walk this in the default list order without hashing.
    rows: BTreeMap<u64, Row>,
    /// Indexed attribute name (from the configuration) → folded value (the client's) → the
    /// rows holding it.
    indexes: FxHashMap<String, HashMap<String, Postings>>,
    next_seq: u64,
}

impl Table {
    /// The rows whose indexed attribute `ix` equals `value` (folded as the index folds).
    fn lookup(&self, ix: &IndexDef, value: &str) -> Option<&Postings> {
        self.indexes.get(&ix.name)?.get(&fold(value, ix.case_exact))
    }

    fn get(&self, id: &str) -> Option<&Row> {
        self.ids.get(id).and_then(|seq| self.rows.get(seq))
    }

    fn get_mut(&mut self, id: &str) -> Option<&mut Row> {
        let seq = self.ids.get(id)?;
        self.rows.get_mut(seq)
    }

    fn put(&mut self, row: Row) {
        self.ids.insert(row.id.clone(), row.seq);
        self.rows.insert(row.seq, row);
    }

    fn remove(&mut self, id: &str) -> Option<Row> {
        let seq = self.ids.remove(id)?;
        self.rows.remove(&seq)
    }
}

/// The insertion sequences of the rows holding one indexed value: one row for a unique
/// attribute, so that case takes no allocation of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Postings {
    One(u64),
    Many(BTreeSet<u64>),
}

impl Postings {
    fn insert(&mut self, seq: u64) {
        match self {
            Postings::One(one) if *one == seq => {}
            Postings::One(one) => *self = Postings::Many(BTreeSet::from([*one, seq])),
            Postings::Many(set) => {
                set.insert(seq);
            }
        }
    }

    /// Removes `seq`; true when no row is left.
    fn remove(&mut self, seq: u64) -> bool {
        match self {
            Postings::One(one) => *one == seq,
            Postings::Many(set) => {
                set.remove(&seq);
                match set.len() {
                    0 => true,
                    1 => {
                        if let Some(&last) = set.first() {
                            *self = Postings::One(last);
                        }
                        false
                    }
                    _ => false,
                }
            }
        }
    }

    /// The sequences, in ascending order.
    fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        let (one, many) = match self {
            Postings::One(seq) => (Some(*seq), None),
            Postings::Many(set) => (None, Some(set)),
        };
        one.into_iter().chain(many.into_iter().flatten().copied())
    }
}

#[derive(Debug, Clone)]
struct Row {
    id: String,
    seq: u64,
    version: u64,
    /// The stored JSON, `meta.version` included (kept in step with `version`), shared with
    /// the readers it was handed to: a write replaces it, or copies it first if it is shared.
    resource: Arc<Value>,
    /// Identities of the resource's large multi-valued attributes (a group's `members`),
    /// kept between PATCHes that change it in place; empty after any other write.
    kept: KeptIndex,
}

impl Row {
    /// Sets the version, in `meta.version` too, and optionally `meta.lastModified`.
    fn set_version(&mut self, version: u64, last_modified: Option<String>) {
        self.version = version;
        set_meta(Arc::make_mut(&mut self.resource), version, last_modified);
    }
}

/// Writes `meta.version` (and optionally `meta.lastModified`) into a resource's `meta`.
fn set_meta(resource: &mut Value, version: u64, last_modified: Option<String>) {
    if let Some(meta) = resource.get_mut("meta").and_then(Value::as_object_mut) {
        if let Some(ts) = last_modified {
            meta.insert("lastModified".into(), Value::String(ts));
        }
        meta.insert(
            "version".into(),
            Value::String(super::weak_etag(&version.to_string())),
        );
    }
}

impl MemoryStore {
    /// An empty store for the resource types of `registry`.
    pub fn new(registry: Arc<SchemaRegistry>) -> Self {
        let kinds = super::kind::kinds(&registry);
        MemoryStore {
            registry,
            kinds,
            tenants: RwLock::new(FxHashMap::default()),
            versions: AtomicU64::new(1),
        }
    }

    /// The registry this store was built for.
    pub fn registry(&self) -> &Arc<SchemaRegistry> {
        &self.registry
    }

    /// The table key (the lowercase type name) and kind of a resource type, borrowed from
    /// the store (a type the registry does not know gets an owned key and no indexes).
    fn kind(&self, rt: &ResourceType) -> (Cow<'_, str>, Cow<'_, Kind>) {
        // A handful of kinds: a scan without hashing or case-folding a copy.
        match self
            .kinds
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(&rt.name))
        {
            Some((key, kind)) => (Cow::Borrowed(key), Cow::Borrowed(kind)),
            None => (
                Cow::Owned(rt.name.to_ascii_lowercase()),
                Cow::Owned(Kind::default()),
            ),
        }
    }

    fn tenant(&self, name: &str) -> Arc<RwLock<Tenant>> {
        if let Ok(map) = self.tenants.read()
            && let Some(t) = map.get(name)
        {
            return t.clone();
        }
        match self.tenants.write() {
            Ok(mut map) => map.entry(name.to_owned()).or_default().clone(),
            Err(poisoned) => poisoned
                .into_inner()
                .entry(name.to_owned())
                .or_default()
                .clone(),
        }
    }

    fn next_version(&self) -> u64 {
        self.versions.fetch_add(1, Ordering::Relaxed)
    }

    /// Writes a new state of an existing row: checks uniqueness, keeps the store-owned parts
    /// (`id`, `meta.created`), re-indexes, relinks memberships and bumps the version.
    fn write_row(
        &self,
        t: &mut Tenant,
        key: &str,
        kind: &Kind,
        id: &str,
        old: &Row,
        mut resource: Value,
    ) -> Result<Row, StoreError> {
        strip_owned(kind, &mut resource);
        t.check_unique(key, kind, &resource, Some(old.seq))?;
        if let (Some(obj), Some(old_obj)) = (resource.as_object_mut(), old.resource.as_object()) {
            let mut meta = old_obj
                .get("meta")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            meta.insert("lastModified".into(), Value::String(now()));
            place_owned(obj, id, meta);
        }
        t.unindex(key, kind, old.seq, &old.resource);
        t.index(key, kind, old.seq, &resource);
        if kind.has_members {
            let (before, after) = (member_ids(&old.resource), member_ids(&resource));
            let bump = || self.next_version();
            t.relink(id, key, &before, &after, &bump);
        }
        let version = self.next_version();
        set_meta(&mut resource, version, None);
        let row = Row {
            id: id.to_owned(),
            seq: old.seq,
            version,
            resource: Arc::new(resource),
            kept: KeptIndex::new(),
        };
        if let Some(table) = t.tables.get_mut(key) {
            table.put(row.clone());
        }
        Ok(row)
    }
}

impl MemoryStore {
    /// PATCH of a group, applied to the stored resource itself under the tenant's write
    /// lock: no copy of a large group, its member identities kept between requests, and
    /// memberships relinked by the members added and removed rather than by comparing the
    /// lists. Uniqueness is checked inside the patch's transaction, so a refused patch
    /// leaves the row exactly as it was.
    #[allow(clippy::too_many_arguments)]
    fn patch_in_place(
        &self,
        t: &mut Tenant,
        key: &str,
        kind: &Kind,
        id: &str,
        patcher: &dyn super::Patcher,
        precondition: Precondition<'_>,
        ctx: &RequestContext,
    ) -> Result<(StoredResource, bool), StoreError> {
        let not_found = || StoreError::NotFound(id.to_owned());
        let (mut resource, mut kept, version, seq) = {
            let row = t.table_mut(key).and_then(|table| table.get_mut(id));
            let row = row.ok_or_else(not_found)?;
            check_precondition(id, row, precondition)?;
            // Copied only if a reader still holds it.
            let resource = Arc::unwrap_or_clone(std::mem::take(&mut row.resource));
            (
                resource,
                std::mem::take(&mut row.kept),
                row.version,
                row.seq,
            )
        };
        // A group too small for the kept index reports no member deltas: its members are
        // compared whole. A large one changed other than by appends and removals is looked
        // up in the membership index.
        let small_before =
            (members_len(&resource) < KeptIndex::MIN_ELEMENTS).then(|| member_ids(&resource));
        t.unindex(key, kind, seq, &resource);
        let applied = {
            let t: &Tenant = t;
            patcher.apply_in_place(&mut resource, Some(&mut kept), &mut |next| {
                t.check_unique(key, kind, next, Some(seq))
                    .map_err(ScimError::from)
            })
        };
        t.index(key, kind, seq, &resource);
        let changed = matches!(&applied, Ok(a) if a.changed);
        let bump = || self.next_version();
        if let Ok(applied) = &applied
            && changed
        {
            let delta = applied.deltas.iter().find(|d| d.attribute() == "members");
            let members_changed = applied
                .attributes
                .as_ref()
                .is_none_or(|a| a.iter().any(|p| p == "members"));
            match (delta, small_before) {
                (Some(delta), _) => t.relink_changes(id, key, delta.changes(), &resource, &bump),
                _ if !members_changed => {}
                (None, Some(before)) => t.relink(id, key, &before, &member_ids(&resource), &bump),
                (None, None) => {
                    let before = t.members_of(id);
                    t.relink(id, key, &before, &member_ids(&resource), &bump);
                }
            }
        }
        let version = if changed {
            let next = self.next_version();
            set_meta(&mut resource, next, Some(now()));
            next
        } else {
            version
        };
        let row = t.table_mut(key).and_then(|table| table.get_mut(id));
        let row = row.ok_or_else(not_found)?;
        row.version = version;
        row.resource = Arc::new(resource);
        row.kept = kept;
        applied?;
        let row = t.tables.get(key).and_then(|table| table.get(id));
        let row = row.ok_or_else(not_found)?;
        Ok((
            t.materialize_with(kind, id, row, !ctx.skip_members),
            changed,
        ))
    }
}

/// The number of elements of a resource's `members`.
fn members_len(resource: &Value) -> usize {
    resource
        .get("members")
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

fn poisoned() -> StoreError {
    StoreError::Backend("a store lock was poisoned by a panic".into())
}

/// The string value of a top-level attribute, if it is one.
fn str_attr<'v>(resource: &'v Value, name: &str) -> Option<&'v str> {
    scim_core::member::of(resource, name).and_then(Value::as_str)
}

/// The `value`s of a resource's `members`.
fn member_ids(resource: &Value) -> BTreeSet<String> {
    resource
        .get("members")
        .and_then(Value::as_array)
        .map(|ms| {
            ms.iter()
                .filter_map(|m| m.get("value").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

impl Table {
    /// Checks the unique attributes of `resource` against the table, ignoring the row `own`.
    fn check_unique(
        &self,
        kind: &Kind,
        resource: &Value,
        own: Option<u64>,
    ) -> Result<(), StoreError> {
        for ix in kind.indexes.iter().filter(|ix| ix.unique) {
            let Some(v) = str_attr(resource, &ix.name) else {
                continue;
            };
            let taken = self
                .lookup(ix, v)
                .is_some_and(|rows| rows.iter().any(|seq| Some(seq) != own));
            if taken {
                return Err(StoreError::Uniqueness(format!(
                    "{} {v:?} is already in use",
                    ix.name
                )));
            }
        }
        Ok(())
    }

    fn index(&mut self, kind: &Kind, seq: u64, resource: &Value) {
        for ix in &kind.indexes {
            if let Some(v) = str_attr(resource, &ix.name) {
                if !self.indexes.contains_key(&ix.name) {
                    self.indexes.insert(ix.name.clone(), HashMap::new());
                }
                let Some(values) = self.indexes.get_mut(&ix.name) else {
                    continue;
                };
                match values.entry(fold(v, ix.case_exact)) {
                    Entry::Occupied(mut rows) => rows.get_mut().insert(seq),
                    Entry::Vacant(slot) => {
                        slot.insert(Postings::One(seq));
                    }
                }
            }
        }
    }

    fn unindex(&mut self, kind: &Kind, seq: u64, resource: &Value) {
        for ix in &kind.indexes {
            if let (Some(v), Some(m)) =
                (str_attr(resource, &ix.name), self.indexes.get_mut(&ix.name))
            {
                let folded = fold(v, ix.case_exact);
                if m.get_mut(&folded).is_some_and(|rows| rows.remove(seq)) {
                    m.remove(&folded);
                }
            }
        }
    }
}

impl Tenant {
    /// Checks the unique attributes of `resource` against table `key`, ignoring the row `own`.
    fn check_unique(
        &self,
        key: &str,
        kind: &Kind,
        resource: &Value,
        own: Option<u64>,
    ) -> Result<(), StoreError> {
        match self.tables.get(key) {
            Some(table) => table.check_unique(kind, resource, own),
            None => Ok(()),
        }
    }

    /// The table of type `key`, created empty if need be (the key is copied only then).
    fn table_mut(&mut self, key: &str) -> Option<&mut Table> {
        if !self.tables.contains_key(key) {
            self.tables.insert(key.to_owned(), Table::default());
        }
        self.tables.get_mut(key)
    }

    fn index(&mut self, key: &str, kind: &Kind, seq: u64, resource: &Value) {
        if let Some(table) = self.table_mut(key) {
            table.index(kind, seq, resource);
        }
    }

    fn unindex(&mut self, key: &str, kind: &Kind, seq: u64, resource: &Value) {
        if let Some(table) = self.tables.get_mut(key) {
            table.unindex(kind, seq, resource);
        }
    }

    /// Records that group `gid` now lists `new` instead of `old`, and bumps the versions of
    /// the members whose derived `groups` changed.
    fn relink(
        &mut self,
        gid: &str,
        key: &str,
        old: &BTreeSet<String>,
        new: &BTreeSet<String>,
        bump: &dyn Fn() -> u64,
    ) {
        for removed in old.difference(new) {
            if let Some(gs) = self.memberships.get_mut(removed) {
                gs.remove(gid);
                if gs.is_empty() {
                    self.memberships.remove(removed);
                }
            }
            self.touch_member(removed, bump);
        }
        for added in new.difference(old) {
            self.memberships
                .entry(added.clone())
                .or_default()
                .insert(gid.to_owned());
            self.touch_member(added, bump);
        }
        self.group_kind.insert(gid.to_owned(), key.to_owned());
    }

    /// [`Tenant::relink`] from the members a PATCH appended and removed, in order; `group`
    /// is the group after it. Members it removed are checked against what is left (an id
    /// may be listed twice), with one pass over the group only when there are removals.
    fn relink_changes(
        &mut self,
        gid: &str,
        key: &str,
        changes: &[ElementChange],
        group: &Value,
        bump: &dyn Fn() -> u64,
    ) {
        let removals = changes
            .iter()
            .any(|c| matches!(c, ElementChange::Removed(_)));
        let left: Option<HashSet<&str>> = removals.then(|| {
            group
                .get("members")
                .and_then(Value::as_array)
                .map(|ms| {
                    ms.iter()
                        .filter_map(|m| m.get("value").and_then(Value::as_str))
                        .collect()
                })
                .unwrap_or_default()
        });
        let mut touched: Vec<&str> = Vec::with_capacity(changes.len());
        for c in changes {
            let (ElementChange::Added(uid) | ElementChange::Removed(uid)) = c;
            if touched.contains(&uid.as_str()) {
                continue;
            }
            touched.push(uid);
            if left.as_ref().is_none_or(|l| l.contains(uid.as_str())) {
                self.memberships
                    .entry(uid.clone())
                    .or_default()
                    .insert(gid.to_owned());
            } else if let Some(gs) = self.memberships.get_mut(uid) {
                gs.remove(gid);
                if gs.is_empty() {
                    self.memberships.remove(uid);
                }
            }
        }
        for uid in touched {
            self.touch_member(uid, bump);
        }
        self.group_kind.insert(gid.to_owned(), key.to_owned());
    }

    /// The ids the membership index lists as members of group `gid` (a scan of the index).
    fn members_of(&self, gid: &str) -> BTreeSet<String> {
        self.memberships
            .iter()
            .filter(|(_, gs)| gs.contains(gid))
            .map(|(m, _)| m.clone())
            .collect()
    }

    /// Bumps the version of member `id` (whatever table it is in), since its derived
    /// `groups` changed.
    fn touch_member(&mut self, id: &str, bump: &dyn Fn() -> u64) {
        for table in self.tables.values_mut() {
            if let Some(row) = table.get_mut(id) {
                row.set_version(bump(), Some(now()));
                return;
            }
        }
    }

    /// The stored form of a row, with derived `groups` filled in when the kind has them.
    fn materialize(&self, kind: &Kind, id: &str, row: &Row) -> StoredResource {
        self.materialize_with(kind, id, row, true)
    }

    /// [`Tenant::materialize`], leaving out `members` when the caller will not return them
    /// (a large group listed with `excludedAttributes=members` is never copied whole).
    ///
    /// The row's JSON is handed out as it is (a reference count) unless something must be
    /// left out or derived: `members` skipped, or a member's `groups`.
    fn materialize_with(&self, kind: &Kind, id: &str, row: &Row, members: bool) -> StoredResource {
        let skip_members = !members && kind.has_members && row.resource.get("members").is_some();
        // Only kinds with derived `groups` look in the membership index.
        let groups = kind
            .derived_groups
            .then(|| self.memberships.get(id))
            .flatten();
        let resource = match (&*row.resource, skip_members || groups.is_some()) {
            (Value::Object(obj), true) => {
                let mut copy: Map<String, Value> = obj
                    .iter()
                    .filter(|(k, _)| !skip_members || k.as_str() != "members")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if let Some(gids) = groups {
                    copy.insert("groups".into(), Value::Array(self.groups(gids)));
                }
                Arc::new(Value::Object(copy))
            }
            _ => Arc::clone(&row.resource),
        };
        StoredResource {
            id: id.to_owned(),
            version: row.version.to_string(),
            resource,
        }
    }

    /// The derived `groups` of a member of the groups `gids`.
    fn groups(&self, gids: &BTreeSet<String>) -> Vec<Value> {
        gids.iter()
            .map(|gid| {
                let mut g = Map::new();
                g.insert("value".into(), Value::String(gid.clone()));
                if let Some(display) = self.group_display(gid) {
                    g.insert("display".into(), Value::String(display.to_owned()));
                }
                g.insert("type".into(), Value::String("direct".into()));
                Value::Object(g)
            })
            .collect()
    }

    fn group_display(&self, gid: &str) -> Option<&str> {
        let key = self.group_kind.get(gid)?;
        let row = self.tables.get(key)?.get(gid)?;
        str_attr(&row.resource, "displayName")
    }
}

/// Puts the store-owned members into a resource without them: `schemas` first, then `id`,
/// the client's members in their order, and `meta` last.
fn place_owned(obj: &mut Map<String, Value>, id: &str, meta: Map<String, Value>) {
    // Reordered in place: only the moved members are hashed.
    let mut at = 0;
    match obj.keys().position(|k| k == "schemas") {
        Some(0) => at = 1,
        Some(_) => {
            if let Some(schemas) = obj.shift_remove("schemas") {
                obj.shift_insert(0, "schemas".into(), schemas);
                at = 1;
            }
        }
        None => {}
    }
    obj.shift_insert(at, "id".into(), Value::String(id.to_owned()));
    obj.insert("meta".into(), Value::Object(meta));
}

/// Removes what the store derives or owns from incoming JSON.
fn strip_owned(kind: &Kind, resource: &mut Value) {
    if let Some(obj) = resource.as_object_mut() {
        let owned = |k: &str| k == "id" || k == "meta" || (kind.derived_groups && k == "groups");
        // Usually there is nothing to strip: a scan finds out without hashing.
        if obj.keys().any(|k| owned(k)) {
            obj.retain(|k, _| !owned(k));
        }
    }
}

fn check_precondition(
    id: &str,
    row: &Row,
    precondition: Precondition<'_>,
) -> Result<(), StoreError> {
    match precondition {
        Precondition::Version(v) if v != row.version.to_string() => {
            Err(StoreError::VersionMismatch {
                id: id.to_owned(),
                current: row.version.to_string(),
            })
        }
        _ => Ok(()),
    }
}

#[async_trait]
impl ResourceStore for MemoryStore {
    async fn create(
        &self,
        ctx: &RequestContext,
        rt: &ResourceType,
        mut resource: Value,
    ) -> Result<StoredResource, StoreError> {
        let (key, kind) = self.kind(rt);
        let key = &*key;
        strip_owned(&kind, &mut resource);
        let id = uuid::Uuid::new_v4().to_string();
        let ts = now();
        let version = self.next_version();
        if let Some(obj) = resource.as_object_mut() {
            let mut meta = Map::with_capacity(4);
            meta.insert("resourceType".into(), Value::String(rt.name.clone()));
            meta.insert("created".into(), Value::String(ts.clone()));
            meta.insert("lastModified".into(), Value::String(ts));
            meta.insert(
                "version".into(),
                Value::String(super::weak_etag(&version.to_string())),
            );
            place_owned(obj, &id, meta);
        }
        let tenant = self.tenant(&ctx.tenant);
        let mut t = tenant.write().map_err(|_| poisoned())?;
        let Some(table) = t.table_mut(key) else {
            return Err(StoreError::Backend("no table for the resource type".into()));
        };
        table.check_unique(&kind, &resource, None)?;
        let seq = table.next_seq;
        table.next_seq += 1;
        table.index(&kind, seq, &resource);
        if kind.has_members {
            let members = member_ids(&resource);
            let bump = || self.next_version();
            t.relink(&id, key, &BTreeSet::new(), &members, &bump);
        }
        let row = Row {
            id: id.clone(),
            seq,
            version,
            resource: Arc::new(resource),
            kept: KeptIndex::new(),
        };
        // The response shares the row's JSON.
        let stored = t.materialize(&kind, &id, &row);
        if let Some(table) = t.table_mut(key) {
            table.put(row);
        }
        Ok(stored)
    }

    async fn get(
        &self,
        ctx: &RequestContext,
        rt: &ResourceType,
        id: &str,
    ) -> Result<StoredResource, StoreError> {
        let (key, kind) = self.kind(rt);
        let key = &*key;
        let tenant = self.tenant(&ctx.tenant);
        let t = tenant.read().map_err(|_| poisoned())?;
        let row = t
            .tables
            .get(key)
            .and_then(|table| table.get(id))
            .ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
        Ok(t.materialize_with(&kind, id, row, !ctx.skip_members))
    }

    async fn list(
        &self,
        ctx: &RequestContext,
        rt: &ResourceType,
        request: &ListRequest<'_>,
    ) -> Result<ListPage, StoreError> {
        let (key, kind) = self.kind(rt);
        let key = &*key;
        let tenant = self.tenant(&ctx.tenant);
        let t = tenant.read().map_err(|_| poisoned())?;
        let Some(table) = t.tables.get(key) else {
            return Ok(ListPage {
                total_results: 0,
                resources: Vec::new(),
            });
        };
        // Candidates: an index lookup when the filter is an equality on an indexed attribute,
        // else every row in insertion order.
        let equality = request.filter.and_then(|f| f.fold(&mut StringEquality));
        let indexed = equality.as_ref().and_then(|(attr, value)| {
            let (attr, value) = (attr.as_str(), value.as_str());
            if attr == "id" {
                return Some(
                    table
                        .ids
                        .get(value)
                        .copied()
                        .into_iter()
                        .collect::<Vec<_>>(),
                );
            }
            let ix = kind.indexes.iter().find(|ix| ix.name == attr)?;
            Some(
                table
                    .lookup(ix, value)
                    .map(|rows| rows.iter().collect())
                    .unwrap_or_default(),
            )
        });
        // Matching rows by reference; only the returned page is materialized.
        let mut matched: Vec<&Row> = Vec::new();
        let has_memberships = kind.derived_groups && !t.memberships.is_empty();
        let consider = |row: &'_ Row| -> Result<bool, StoreError> {
            let Some(f) = request.filter else {
                return Ok(true);
            };
            let matches = if has_memberships && t.memberships.contains_key(&row.id) {
                // Derived `groups` are part of what the filter sees.
                f.matches(&t.materialize(&kind, &row.id, row).resource)
            } else {
                f.matches(&row.resource)
            };
            matches.map_err(|e| StoreError::Scim(e.to_scim_error()))
        };
        match indexed {
            // In ascending sequence order: the default list order.
            Some(seqs) => {
                for row in seqs.iter().filter_map(|seq| table.rows.get(seq)) {
                    if consider(row)? {
                        matched.push(row);
                    }
                }
            }
            None => {
                for row in table.rows.values() {
                    if consider(row)? {
                        matched.push(row);
                    }
                }
            }
        }
        if let Some((key, order)) = request.sort {
            matched.sort_by(|a, b| key.compare(&a.resource, &b.resource, order));
        }
        let total_results = matched.len();
        let resources = matched
            .into_iter()
            .skip(request.start_index.saturating_sub(1))
            .take(request.count)
            .map(|row| t.materialize_with(&kind, &row.id, row, !ctx.skip_members))
            .collect();
        Ok(ListPage {
            total_results,
            resources,
        })
    }

    async fn replace(
        &self,
        ctx: &RequestContext,
        rt: &ResourceType,
        id: &str,
        mut resource: Value,
        precondition: Precondition<'_>,
    ) -> Result<StoredResource, StoreError> {
        let (key, kind) = self.kind(rt);
        let key = &*key;
        strip_owned(&kind, &mut resource);
        let tenant = self.tenant(&ctx.tenant);
        let mut t = tenant.write().map_err(|_| poisoned())?;
        let old = t
            .tables
            .get(key)
            .and_then(|table| table.get(id))
            .cloned()
            .ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
        check_precondition(id, &old, precondition)?;
        let row = self.write_row(&mut t, key, &kind, id, &old, resource)?;
        Ok(t.materialize(&kind, id, &row))
    }

    async fn patch(
        &self,
        ctx: &RequestContext,
        rt: &ResourceType,
        id: &str,
        patcher: &dyn super::Patcher,
        precondition: Precondition<'_>,
    ) -> Result<(StoredResource, bool), StoreError> {
        let (key, kind) = self.kind(rt);
        let key = &*key;
        let tenant = self.tenant(&ctx.tenant);
        // One write lock for read-modify-write: concurrent PATCHes of one resource serialize
        // here and none is lost.
        let mut t = tenant.write().map_err(|_| poisoned())?;
        if kind.has_members && !kind.derived_groups {
            return self.patch_in_place(&mut t, key, &kind, id, patcher, precondition, ctx);
        }
        let current = {
            let row = t
                .tables
                .get(key)
                .and_then(|table| table.get(id))
                .ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
            check_precondition(id, row, precondition)?;
            t.materialize(&kind, id, row)
        };
        let mut resource = Value::clone(&current.resource);
        if !patcher.apply(&mut resource)? {
            return Ok((current, false));
        }
        let Some(old) = t.tables.get(key).and_then(|table| table.get(id)).cloned() else {
            return Err(StoreError::NotFound(id.to_owned()));
        };
        let row = self.write_row(&mut t, key, &kind, id, &old, resource)?;
        Ok((t.materialize(&kind, id, &row), true))
    }

    async fn delete(
        &self,
        ctx: &RequestContext,
        rt: &ResourceType,
        id: &str,
        precondition: Precondition<'_>,
    ) -> Result<(), StoreError> {
        let (key, kind) = self.kind(rt);
        let key = &*key;
        let tenant = self.tenant(&ctx.tenant);
        let mut t = tenant.write().map_err(|_| poisoned())?;
        let row = t
            .tables
            .get(key)
            .and_then(|table| table.get(id))
            .cloned()
            .ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
        check_precondition(id, &row, precondition)?;
        t.unindex(key, &kind, row.seq, &row.resource);
        if let Some(table) = t.tables.get_mut(key) {
            table.remove(id);
        }
        let bump = || self.next_version();
        if kind.has_members {
            let before = member_ids(&row.resource);
            t.relink(id, key, &before, &BTreeSet::new(), &bump);
            t.group_kind.remove(id);
        }
        // Remove the deleted resource from every group that lists it.
        if let Some(gids) = t.memberships.remove(id) {
            for gid in gids {
                let Some(gkey) = t.group_kind.get(&gid).cloned() else {
                    continue;
                };
                let version = bump();
                if let Some(grow) = t.tables.get_mut(&gkey).and_then(|tb| tb.get_mut(&gid)) {
                    if let Some(ms) = Arc::make_mut(&mut grow.resource)
                        .get_mut("members")
                        .and_then(Value::as_array_mut)
                    {
                        ms.retain(|m| m.get("value").and_then(Value::as_str) != Some(id));
                    }
                    grow.set_version(version, Some(now()));
                }
            }
        }
        Ok(())
    }
}

/// Finds a top-level string equality (`userName eq "x"`) that an index can answer. Under `and`
/// any operand's equality narrows the candidates (the whole filter is still evaluated on
/// them); under `or` and `not` none is used.
struct StringEquality;

impl CompiledFold for StringEquality {
    type Output = Option<(String, String)>;

    fn present(&mut self, _: &ResolvedAttr) -> Self::Output {
        None
    }

    fn compare(
        &mut self,
        attr: &ResolvedAttr,
        op: CompareOp,
        literal: Literal<'_>,
    ) -> Self::Output {
        match (op, literal) {
            (CompareOp::Eq, Literal::String(s))
                if attr.extension.is_none() && attr.sub_attr.is_none() && !attr.multi_valued =>
            {
                Some((attr.name.clone(), s.to_owned()))
            }
            _ => None,
        }
    }

    fn and(&mut self, operands: Vec<Self::Output>) -> Self::Output {
        operands.into_iter().flatten().next()
    }

    fn or(&mut self, _: Vec<Self::Output>) -> Self::Output {
        None
    }

    fn not(&mut self, _: Self::Output) -> Self::Output {
        None
    }

    fn constant(&mut self, _: bool) -> Self::Output {
        None
    }

    fn value_path(&mut self, _: &ResolvedAttr, _: Self::Output) -> Self::Output {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::Postings;

    #[test]
    fn postings_hold_one_row_inline_and_several_in_order() {
        let mut p = Postings::One(7);
        p.insert(7);
        assert_eq!(
            p,
            Postings::One(7),
            "inserting the same row twice keeps one"
        );
        p.insert(3);
        p.insert(9);
        assert_eq!(p.iter().collect::<Vec<_>>(), [3, 7, 9]);
        assert!(!p.remove(7));
        assert!(!p.remove(42), "removing an absent row leaves the others");
        assert!(!p.remove(3));
        assert_eq!(p, Postings::One(9), "one row left is held inline again");
        assert!(!Postings::One(9).remove(1));
        assert!(p.remove(9), "the last row removed empties it");
    }
}
