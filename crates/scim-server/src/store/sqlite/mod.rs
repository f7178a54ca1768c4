//! The embedded SQLite store: one file, WAL mode, durable once a write returns.
//!
//! - Resources are rows of JSON (`resources`), with the values of the indexed attributes
//!   (`uniqueness: server` ones such as `userName`, `externalId`, a group's `displayName`)
//!   folded in Rust into `attr_index`, and group members in their own table (`members`), so
//!   adding one member to a 100,000-member group inserts one row. Every key starts with the
//!   tenant. See the `schema` module for the tables and their migrations.
//! - SQLite work runs on tokio's blocking threads: one writer connection behind a mutex (each
//!   write one `IMMEDIATE` transaction, `synchronous = FULL`) and a small pool of readers,
//!   which WAL lets run beside the writer.
//! - Filters are pushed down into SQL where that is exact, and evaluated in Rust on the
//!   candidates where it is not (see the `pushdown` module); paging by `startIndex` in the default
//!   (insertion) order is keyset paging on `seq` (see the `cursor` module). `sortBy` sorts the matches
//!   in Rust with [`scim_filter::SortKey::compare`].
//!
//! Observable behaviour is the [`super::MemoryStore`]'s: both pass [`super::contract`].

mod cursor;
mod pushdown;
mod schema;

use super::kind::{IndexDef, Kind, fold, kinds, now};
use super::{
    ListPage, ListRequest, Patcher, Precondition, RequestContext, ResourceStore, StoreError,
    StoredResource,
};
use async_trait::async_trait;
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use scim_core::SchemaRegistry;
use scim_core::message::{PatchOpKind, PatchOperation};
use scim_core::registry::ResourceType;
use scim_core::schema::AttributeType;
use scim_filter::{CompiledFilter, SortKey, SortOrder};
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// How many idle reader connections are kept.
const MAX_IDLE_READERS: usize = 4;

/// A [`ResourceStore`] in one SQLite file.
///
/// ```
/// use scim_server::store::{RequestContext, ResourceStore, SqliteStore};
/// use scim_core::SchemaRegistry;
/// use std::sync::Arc;
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let dir = std::env::temp_dir().join(format!("scim-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let registry = Arc::new(SchemaRegistry::builtin());
/// let store = SqliteStore::open(dir.join("scim.db"), registry.clone()).unwrap();
/// let users = registry.resource_type("User").unwrap();
/// let ctx = RequestContext::tenant("acme");
/// let created = store
///     .create(&ctx, users, serde_json::json!({"userName": "bjensen"}))
///     .await
///     .unwrap();
/// let read = store.get(&ctx, users, &created.id).await.unwrap();
/// assert_eq!(read.resource["userName"], "bjensen");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # });
/// ```
#[derive(Debug)]
pub struct SqliteStore {
    inner: Arc<Inner>,
    /// PATCHes read, apply and write under this lock, so concurrent ones never lose an update.
    patch_lock: tokio::sync::Mutex<()>,
}

struct Inner {
    path: PathBuf,
    durability: Durability,
    kinds: HashMap<String, Kind>,
    writer: Mutex<Writer>,
    readers: Mutex<Vec<Connection>>,
    cursors: cursor::Cursors,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .field("kinds", &self.kinds)
            .finish_non_exhaustive()
    }
}

struct Writer {
    conn: Connection,
    next_version: i64,
}

type R<T> = Result<T, StoreError>;

fn backend(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Backend(Box::new(e))
}

trait Db<T> {
    fn db(self) -> R<T>;
}

impl<T> Db<T> for rusqlite::Result<T> {
    fn db(self) -> R<T> {
        self.map_err(backend)
    }
}

/// Member ids are matched as the filter evaluator folds (character by character).
fn fold_member(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// How long a write waits for the disk before it returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Durability {
    /// `synchronous = FULL`: a write that returned survives a power loss or OS crash. The
    /// default.
    #[default]
    Full,
    /// `synchronous = NORMAL` (in WAL mode): a write that returned survives the process
    /// being killed, but the last ones may be lost on a power loss or OS crash. Writes are
    /// much faster (no `fsync` per commit).
    Process,
}

impl Durability {
    fn pragma(self) -> &'static str {
        match self {
            Durability::Full => "FULL",
            Durability::Process => "NORMAL",
        }
    }
}

fn connect(path: &Path, durability: Durability) -> R<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .db()?;
    conn.busy_timeout(std::time::Duration::from_secs(10)).db()?;
    conn.pragma_update(None, "journal_mode", "WAL").db()?;
    conn.pragma_update(None, "synchronous", durability.pragma())
        .db()?;
    pushdown::register(&conn).db()?;
    // Room for the fixed statements and a few list shapes.
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// A stored row.
#[derive(Debug)]
struct Row {
    seq: i64,
    id: String,
    version: i64,
    body: String,
}

impl Row {
    fn from_sql(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
        Ok(Row {
            seq: r.get(0)?,
            id: r.get(1)?,
            version: r.get(2)?,
            body: r.get(3)?,
        })
    }
}

/// The names a request is scoped by.
#[derive(Debug, Clone)]
struct Scope {
    tenant: String,
    rtype: String,
    kind: Kind,
}

impl Inner {
    fn scope(&self, ctx: &RequestContext, rt: &ResourceType) -> Scope {
        let rtype = rt.name.to_ascii_lowercase();
        Scope {
            tenant: ctx.tenant.clone(),
            kind: self.kinds.get(&rtype).cloned().unwrap_or_default(),
            rtype,
        }
    }

    /// Runs `f` in one write transaction. When `moves` is set, cached page positions of the
    /// tenant are retired before and after.
    fn write<T>(
        &self,
        tenant: &str,
        moves: bool,
        f: impl FnOnce(&rusqlite::Transaction<'_>, &mut i64) -> R<T>,
    ) -> R<T> {
        let mut w = lock(&self.writer);
        let Writer { conn, next_version } = &mut *w;
        if moves {
            self.cursors.bump(tenant);
        }
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .db()?;
        let mut version = *next_version;
        let out = f(&tx, &mut version)?;
        tx.commit().db()?;
        *next_version = version;
        if moves {
            self.cursors.bump(tenant);
        }
        Ok(out)
    }

    /// Runs `f` on a reader connection, inside one read transaction (a consistent snapshot).
    fn read<T>(&self, f: impl FnOnce(&Connection) -> R<T>) -> R<T> {
        let pooled = lock(&self.readers).pop();
        let conn = match pooled {
            Some(c) => c,
            None => connect(&self.path, self.durability)?,
        };
        let out = (|| {
            let tx = conn.unchecked_transaction().db()?;
            let out = f(&tx)?;
            tx.commit().db()?;
            Ok(out)
        })();
        let mut readers = lock(&self.readers);
        if readers.len() < MAX_IDLE_READERS {
            readers.push(conn);
        }
        out
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> R<T> + Send + 'static) -> R<T> {
    tokio::task::spawn_blocking(f).await.map_err(backend)?
}

fn load(conn: &Connection, s: &Scope, id: &str) -> R<Option<Row>> {
    conn.prepare_cached(
        "SELECT seq, id, version, body FROM resources WHERE tenant = ?1 AND id = ?2 AND rtype = ?3",
    )
    .db()?
    .query_row(params![s.tenant, id, s.rtype], Row::from_sql)
    .optional()
    .db()
}

fn parse(body: &str) -> R<Value> {
    serde_json::from_str(body).map_err(backend)
}

fn to_text(v: &Value) -> R<String> {
    serde_json::to_string(v).map_err(backend)
}

/// The full resource of a row: `meta.version`, the group's members (when `members`), the
/// user's derived `groups`.
fn materialize(conn: &Connection, s: &Scope, row: &Row, members: bool) -> R<StoredResource> {
    let mut resource = parse(&row.body)?;
    if let Some(obj) = resource.as_object_mut() {
        if let Some(meta) = obj.get_mut("meta").and_then(Value::as_object_mut) {
            meta.insert(
                "version".into(),
                Value::String(format!("W/\"{}\"", row.version)),
            );
        }
        if s.kind.has_members {
            if !members {
                obj.shift_remove("members");
            } else if let Some(slot) = obj.get_mut("members")
                && slot.is_array()
            {
                let mut stmt = conn
                    .prepare_cached("SELECT body FROM members WHERE gseq = ?1 ORDER BY pos")
                    .db()?;
                let rows = stmt.query_map([row.seq], |r| r.get::<_, String>(0)).db()?;
                let mut list = Vec::new();
                for body in rows {
                    list.push(parse(&body.db()?)?);
                }
                *slot = Value::Array(list);
            }
        }
        if s.kind.derived_groups {
            obj.shift_remove("groups");
            let mut stmt = conn
                .prepare_cached(
                    "SELECT DISTINCT g.id, CASE WHEN json_type(g.body, '$.displayName') = 'text' \
                     THEN g.body ->> '$.displayName' END \
                     FROM members m JOIN resources g ON g.seq = m.gseq \
                     WHERE m.tenant = ?1 AND m.member = ?2 ORDER BY g.id",
                )
                .db()?;
            let rows = stmt
                .query_map(params![s.tenant, row.id], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
                })
                .db()?;
            let mut groups = Vec::new();
            for g in rows {
                let (gid, display) = g.db()?;
                let mut m = Map::new();
                m.insert("value".into(), Value::String(gid));
                if let Some(d) = display {
                    m.insert("display".into(), Value::String(d));
                }
                m.insert("type".into(), Value::String("direct".into()));
                groups.push(Value::Object(m));
            }
            if !groups.is_empty() {
                obj.insert("groups".into(), Value::Array(groups));
            }
        }
    }
    Ok(StoredResource {
        id: row.id.clone(),
        version: row.version.to_string(),
        resource: Arc::new(resource),
    })
}

/// Removes what the store derives or owns from incoming JSON.
fn strip_owned(kind: &Kind, resource: &mut Value) {
    if let Some(obj) = resource.as_object_mut() {
        obj.shift_remove("id");
        obj.shift_remove("meta");
        if kind.derived_groups {
            obj.shift_remove("groups");
        }
    }
}

/// `schemas` first, then `id`, the rest, and `meta`.
fn arrange(resource: &mut Value, id: &str, meta: Map<String, Value>) {
    if let Some(obj) = resource.as_object_mut() {
        let mut out = Map::with_capacity(obj.len() + 2);
        if let Some(schemas) = obj.shift_remove("schemas") {
            out.insert("schemas".into(), schemas);
        }
        out.insert("id".into(), Value::String(id.to_owned()));
        out.extend(std::mem::take(obj));
        out.insert("meta".into(), Value::Object(meta));
        *obj = out;
    }
}

/// Takes a group's member list out of the body, leaving `[]` where it goes.
fn split_members(kind: &Kind, resource: &mut Value) -> Vec<Value> {
    if !kind.has_members {
        return Vec::new();
    }
    match resource.get_mut("members") {
        Some(Value::Array(list)) => std::mem::take(list),
        _ => Vec::new(),
    }
}

fn member_id(m: &Value) -> Option<&str> {
    m.get("value").and_then(Value::as_str)
}

fn check_unique(tx: &Connection, s: &Scope, resource: &Value, own: Option<i64>) -> R<()> {
    for ix in s.kind.indexes.iter().filter(|ix| ix.unique) {
        let Some(v) = resource.get(&ix.name).and_then(Value::as_str) else {
            continue;
        };
        let taken: Option<i64> = tx
            .prepare_cached(
                "SELECT seq FROM attr_index WHERE tenant = ?1 AND rtype = ?2 AND name = ?3 \
                 AND folded = ?4 AND seq <> ?5 LIMIT 1",
            )
            .db()?
            .query_row(
                params![
                    s.tenant,
                    s.rtype,
                    ix.name,
                    fold(v, ix.case_exact),
                    own.unwrap_or(-1)
                ],
                |r| r.get(0),
            )
            .optional()
            .db()?;
        if taken.is_some() {
            return Err(StoreError::Uniqueness(format!(
                "{} {v:?} is already in use",
                ix.name
            )));
        }
    }
    Ok(())
}

fn index_values(tx: &Connection, s: &Scope, seq: i64, resource: &Value) -> R<()> {
    tx.prepare_cached("DELETE FROM attr_index WHERE seq = ?1")
        .db()?
        .execute([seq])
        .db()?;
    let mut stmt = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO attr_index (tenant, rtype, name, folded, seq) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .db()?;
    for ix in &s.kind.indexes {
        if let Some(v) = resource.get(&ix.name).and_then(Value::as_str) {
            stmt.execute(params![
                s.tenant,
                s.rtype,
                ix.name,
                fold(v, ix.case_exact),
                seq
            ])
            .db()?;
        }
    }
    Ok(())
}

/// Appends members to a group from position `from`.
fn insert_members(tx: &Connection, tenant: &str, gseq: i64, from: i64, list: &[Value]) -> R<()> {
    let mut stmt = tx
        .prepare_cached(
            "INSERT INTO members (gseq, pos, tenant, member, mfold, body) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .db()?;
    for (i, m) in list.iter().enumerate() {
        let id = member_id(m).unwrap_or_default();
        let pos = from + i64::try_from(i).map_err(backend)?;
        stmt.execute(params![gseq, pos, tenant, id, fold_member(id), to_text(m)?])
            .db()?;
    }
    Ok(())
}

fn member_set(tx: &Connection, gseq: i64) -> R<BTreeSet<String>> {
    let mut stmt = tx
        .prepare_cached("SELECT member FROM members WHERE gseq = ?1 AND member <> ''")
        .db()?;
    let rows = stmt.query_map([gseq], |r| r.get::<_, String>(0)).db()?;
    let mut out = BTreeSet::new();
    for r in rows {
        out.insert(r.db()?);
    }
    Ok(out)
}

/// Bumps the version of resource `id` (of any type) in the tenant: its derived `groups` changed.
fn touch(tx: &Connection, tenant: &str, id: &str, version: &mut i64, ts: &str) -> R<()> {
    *version += 1;
    tx.prepare_cached(
        "UPDATE resources SET version = ?1, body = json_set(body, '$.meta.lastModified', ?2) \
         WHERE tenant = ?3 AND id = ?4",
    )
    .db()?
    .execute(params![*version, ts, tenant, id])
    .db()?;
    Ok(())
}

fn touch_seq(tx: &Connection, seq: i64, version: &mut i64, ts: &str) -> R<()> {
    *version += 1;
    tx.prepare_cached(
        "UPDATE resources SET version = ?1, body = json_set(body, '$.meta.lastModified', ?2) \
         WHERE seq = ?3",
    )
    .db()?
    .execute(params![*version, ts, seq])
    .db()?;
    Ok(())
}

fn check_precondition(id: &str, row: &Row, precondition: Precondition<'_>) -> R<()> {
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

/// Writes a new state of an existing row (replace, or a PATCH applied in Rust).
fn write_row(
    tx: &Connection,
    s: &Scope,
    old: &Row,
    mut resource: Value,
    version: &mut i64,
) -> R<()> {
    strip_owned(&s.kind, &mut resource);
    check_unique(tx, s, &resource, Some(old.seq))?;
    let ts = now();
    let mut meta = parse(&old.body)?
        .get("meta")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    meta.insert("lastModified".into(), Value::String(ts.clone()));
    arrange(&mut resource, &old.id, meta);
    let list = split_members(&s.kind, &mut resource);
    *version += 1;
    tx.prepare_cached("UPDATE resources SET version = ?1, body = ?2 WHERE seq = ?3")
        .db()?
        .execute(params![*version, to_text(&resource)?, old.seq])
        .db()?;
    index_values(tx, s, old.seq, &resource)?;
    if s.kind.has_members {
        let before = member_set(tx, old.seq)?;
        tx.prepare_cached("DELETE FROM members WHERE gseq = ?1")
            .db()?
            .execute([old.seq])
            .db()?;
        insert_members(tx, &s.tenant, old.seq, 0, &list)?;
        let after: BTreeSet<String> = list
            .iter()
            .filter_map(member_id)
            .filter(|m| !m.is_empty())
            .map(str::to_owned)
            .collect();
        for changed in before.symmetric_difference(&after) {
            touch(tx, &s.tenant, changed, version, &ts)?;
        }
    }
    Ok(())
}

/// A PATCH operation applied as a delta on the `members` table.
#[derive(Debug, Clone)]
enum Delta {
    /// `add` with path `members`: new member objects.
    Add(Vec<Value>),
    /// `remove` with path `members[value eq "…"]`.
    Remove(String),
}

/// The deltas of a PATCH that only adds or removes members, in the two forms IdPs send. Any
/// other operation, or a member object the PATCH engine might rewrite, makes the whole
/// PATCH go through [`Patcher::apply`].
fn plan_deltas(ops: &[PatchOperation]) -> Option<Vec<Delta>> {
    if ops.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(ops.len());
    for op in ops {
        let path = op.path.as_deref()?;
        match op.op {
            PatchOpKind::Add => {
                if !path.trim().eq_ignore_ascii_case("members") {
                    return None;
                }
                let items = match op.value.as_ref()? {
                    Value::Array(items) => items.clone(),
                    item @ Value::Object(_) => vec![item.clone()],
                    _ => return None,
                };
                for item in &items {
                    let obj = item.as_object()?;
                    if obj
                        .get("value")
                        .and_then(Value::as_str)
                        .is_none_or(str::is_empty)
                    {
                        return None;
                    }
                    let canonical = obj.iter().all(|(k, v)| {
                        v.is_string() && matches!(k.as_str(), "value" | "display" | "type" | "$ref")
                    });
                    if !canonical
                        || obj
                            .get("type")
                            .and_then(Value::as_str)
                            .is_some_and(|t| t != "User" && t != "Group")
                    {
                        return None;
                    }
                }
                out.push(Delta::Add(items));
            }
            PatchOpKind::Remove => out.push(Delta::Remove(super::kind::removed_member(path)?)),
            PatchOpKind::Replace => return None,
        }
    }
    Some(out)
}

/// Applies member deltas; `None` when they cannot be applied as deltas (the caller falls
/// back to [`Patcher::apply`]; the transaction is rolled back).
fn apply_deltas(
    tx: &Connection,
    s: &Scope,
    row: &Row,
    deltas: &[Delta],
    version: &mut i64,
) -> R<Option<()>> {
    let ts = now();
    let mut touched: BTreeSet<String> = BTreeSet::new();
    for d in deltas {
        match d {
            Delta::Add(items) => {
                let mut seen = BTreeSet::new();
                for item in items {
                    let id = member_id(item).unwrap_or_default();
                    let f = fold_member(id);
                    let exists: Option<i64> = tx
                        .prepare_cached("SELECT 1 FROM members WHERE gseq = ?1 AND mfold = ?2")
                        .db()?
                        .query_row(params![row.seq, f], |r| r.get(0))
                        .optional()
                        .db()?;
                    if exists.is_some() || !seen.insert(f) {
                        return Ok(None);
                    }
                }
                let next: i64 = tx
                    .prepare_cached("SELECT coalesce(max(pos) + 1, 0) FROM members WHERE gseq = ?1")
                    .db()?
                    .query_row([row.seq], |r| r.get(0))
                    .db()?;
                insert_members(tx, &s.tenant, row.seq, next, items)?;
                touched.extend(items.iter().filter_map(member_id).map(str::to_owned));
            }
            Delta::Remove(v) => {
                let f = fold_member(v);
                let mut stmt = tx
                    .prepare_cached("SELECT member FROM members WHERE gseq = ?1 AND mfold = ?2")
                    .db()?;
                let gone: Vec<String> = stmt
                    .query_map(params![row.seq, f], |r| r.get(0))
                    .db()?
                    .collect::<Result<_, _>>()
                    .db()?;
                let left: i64 = tx
                    .prepare_cached("SELECT count(*) FROM members WHERE gseq = ?1")
                    .db()?
                    .query_row([row.seq], |r| r.get(0))
                    .db()?;
                // Nothing to remove (an error or a no-op, as the PATCH engine decides), or
                // the last members (the engine decides what an emptied list looks like).
                if gone.is_empty() || left <= i64::try_from(gone.len()).map_err(backend)? {
                    return Ok(None);
                }
                tx.prepare_cached("DELETE FROM members WHERE gseq = ?1 AND mfold = ?2")
                    .db()?
                    .execute(params![row.seq, f])
                    .db()?;
                touched.extend(gone);
            }
        }
    }
    // The body needs `members` where the list goes, and a new `lastModified`.
    let body = parse(&row.body)?;
    let needs_slot = !body.get("members").is_some_and(Value::is_array);
    *version += 1;
    let sql = if needs_slot {
        "UPDATE resources SET version = ?1, \
         body = json_set(json_set(body, '$.meta.lastModified', ?2), '$.members', json('[]')) \
         WHERE seq = ?3"
    } else {
        "UPDATE resources SET version = ?1, body = json_set(body, '$.meta.lastModified', ?2) \
         WHERE seq = ?3"
    };
    tx.prepare_cached(sql)
        .db()?
        .execute(params![*version, ts, row.seq])
        .db()?;
    // Every touched id joined or left the group (adds of present members were declined).
    for id in touched.iter().filter(|id| !id.is_empty()) {
        touch(tx, &s.tenant, id, version, &ts)?;
    }
    Ok(Some(()))
}

/// Whether a list needs members loaded to evaluate its filter in Rust.
struct ListPlan {
    where_sql: String,
    params: Vec<SqlValue>,
    /// The SQL condition is exactly the filter.
    exact: bool,
    eval_members: bool,
}

fn plan_list(s: &Scope, filter: Option<&CompiledFilter>) -> ListPlan {
    let mut r = pushdown::Renderer::new("?1", "?2");
    let _ = r.param(SqlValue::Text(s.tenant.clone()));
    let _ = r.param(SqlValue::Text(s.rtype.clone()));
    let mut where_sql = String::from("r.tenant = ?1 AND r.rtype = ?2");
    let Some(f) = filter else {
        return ListPlan {
            where_sql,
            params: r.params,
            exact: true,
            eval_members: false,
        };
    };
    let mut fold = pushdown::SqlFold::new(&s.kind);
    let pushed = f.fold(&mut fold);
    let mut exact = pushed.exact;
    match pushed.cond.as_ref().map(|c| r.top(c)) {
        Some(Some(sql)) => {
            where_sql.push_str(" AND (");
            where_sql.push_str(&sql);
            where_sql.push(')');
        }
        Some(None) => {
            exact = false;
            // Rendering may have bound parameters before failing: start over without them.
            r.params.truncate(2);
        }
        None => {}
    }
    ListPlan {
        where_sql,
        params: r.params,
        exact,
        eval_members: s.kind.has_members && fold.mentions_members,
    }
}

/// What a list call hands the blocking side.
struct ListJob {
    scope: Scope,
    filter: Option<CompiledFilter>,
    sort: Option<(SortKey, SortOrder)>,
    start_index: usize,
    count: usize,
    skip_members: bool,
}

fn candidates(
    conn: &Connection,
    plan: &ListPlan,
    after: i64,
    f: &mut dyn FnMut(Row) -> R<bool>,
) -> R<()> {
    let n = plan.params.len();
    let sql = format!(
        "SELECT r.seq, r.id, r.version, r.body FROM resources r WHERE {} AND r.seq > ?{} \
         ORDER BY r.seq",
        plan.where_sql,
        n + 1
    );
    let mut stmt = conn.prepare_cached(&sql).db()?;
    let mut params: Vec<SqlValue> = plan.params.clone();
    params.push(SqlValue::Integer(after));
    let mut rows = stmt.query(rusqlite::params_from_iter(params)).db()?;
    while let Some(r) = rows.next().db()? {
        if !f(Row::from_sql(r).db()?)? {
            break;
        }
    }
    Ok(())
}

fn matches(conn: &Connection, job: &ListJob, plan: &ListPlan, row: &Row) -> R<bool> {
    let Some(f) = &job.filter else {
        return Ok(true);
    };
    if plan.exact {
        return Ok(true);
    }
    let view = materialize(conn, &job.scope, row, plan.eval_members)?;
    f.matches(&view.resource)
        .map_err(|e| StoreError::Scim(e.to_scim_error()))
}

/// The index a sort key can use: a top-level single-valued string attribute with an
/// `attr_index` entry.
fn sort_index<'k>(kind: &'k Kind, key: &SortKey) -> Option<&'k IndexDef> {
    let a = key.attr();
    if a.extension.is_some() || a.sub_attr.is_some() || a.multi_valued {
        return None;
    }
    if a.type_ != Some(AttributeType::String) {
        return None;
    }
    kind.indexes
        .iter()
        .find(|ix| ix.name == a.name && ix.case_exact == a.case_exact)
}

/// A sorted page straight from SQL, ordered by the folded values in `attr_index`: values
/// ascending (descending), resources without one (or with `""`) last (first), ties in
/// insertion order, as [`SortKey::compare`] with a stable sort orders them. `None` when the
/// folded values cannot stand in for the comparison: `str::to_lowercase` writes a final
/// sigma as `ς` where the sort key folds it to `σ`.
fn sorted_by_index(
    conn: &Connection,
    job: &ListJob,
    plan: &ListPlan,
    ix: &IndexDef,
    order: SortOrder,
) -> R<Option<ListPage>> {
    let s = &job.scope;
    if !ix.case_exact {
        let sigma: bool = conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM attr_index WHERE tenant = ?1 AND rtype = ?2 \
                 AND name = ?3 AND instr(folded, 'ς') > 0)",
            )
            .db()?
            .query_row(params![s.tenant, s.rtype, ix.name], |r| r.get(0))
            .db()?;
        if sigma {
            return Ok(None);
        }
    }
    let n = plan.params.len();
    let count_sql = format!("SELECT count(*) FROM resources r WHERE {}", plan.where_sql);
    let total: i64 = conn
        .prepare_cached(&count_sql)
        .db()?
        .query_row(rusqlite::params_from_iter(plan.params.iter()), |r| r.get(0))
        .db()?;
    let total = usize::try_from(total).map_err(backend)?;
    let mut resources = Vec::new();
    let skip = job.start_index.saturating_sub(1);
    if job.count > 0 && skip < total {
        let dir = match order {
            SortOrder::Ascending => "ASC",
            SortOrder::Descending => "DESC",
        };
        let sql = format!(
            "SELECT r.seq, r.id, r.version, r.body FROM resources r \
             LEFT JOIN attr_index x ON x.tenant = ?1 AND x.rtype = ?2 AND x.name = ?{} \
             AND x.seq = r.seq \
             WHERE {} \
             ORDER BY (coalesce(x.folded, '') = '') {dir}, x.folded {dir}, r.seq ASC \
             LIMIT ?{} OFFSET ?{}",
            n + 1,
            plan.where_sql,
            n + 2,
            n + 3
        );
        let mut params = plan.params.clone();
        params.push(SqlValue::Text(ix.name.clone()));
        params.push(SqlValue::Integer(
            i64::try_from(job.count).unwrap_or(i64::MAX),
        ));
        params.push(SqlValue::Integer(i64::try_from(skip).map_err(backend)?));
        let mut stmt = conn.prepare_cached(&sql).db()?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(params), Row::from_sql)
            .db()?;
        for row in rows {
            resources.push(materialize(conn, s, &row.db()?, !job.skip_members)?);
        }
    }
    Ok(Some(ListPage {
        total_results: total,
        resources,
    }))
}

impl Inner {
    fn list(&self, job: &ListJob) -> R<ListPage> {
        let plan = plan_list(&job.scope, job.filter.as_ref());
        let skip = job.start_index.saturating_sub(1);
        let s = &job.scope;
        if let Some((key, order)) = &job.sort {
            if plan.exact
                && let Some(ix) = sort_index(&s.kind, key)
                && let Some(page) =
                    self.read(|conn| sorted_by_index(conn, job, &plan, ix, *order))?
            {
                return Ok(page);
            }
            return self.read(|conn| {
                let mut matched: Vec<(Row, Value)> = Vec::new();
                candidates(conn, &plan, 0, &mut |row| {
                    if matches(conn, job, &plan, &row)? {
                        let body = parse(&row.body)?;
                        matched.push((row, body));
                    }
                    Ok(true)
                })?;
                matched.sort_by(|a, b| key.compare(&a.1, &b.1, *order));
                let total_results = matched.len();
                let mut resources = Vec::new();
                for (row, _) in matched.iter().skip(skip).take(job.count) {
                    resources.push(materialize(conn, s, row, !job.skip_members)?);
                }
                Ok(ListPage {
                    total_results,
                    resources,
                })
            });
        }
        let key = cursor::Key {
            tenant: s.tenant.clone(),
            rtype: s.rtype.clone(),
            // An inexact plan's SQL is only part of the filter: the key names the whole one.
            query: if plan.exact {
                format!("{}|{:?}", plan.where_sql, plan.params)
            } else {
                format!("{}|{:?}|{:?}", plan.where_sql, plan.params, job.filter)
            },
        };
        let generation = self.cursors.generation(&s.tenant);
        let entry = self.cursors.get(&key, generation);
        let (page, total, max_seq) = self.read(|conn| {
            let max_seq: i64 = conn
                .prepare_cached(
                    "SELECT coalesce(max(seq), 0) FROM resources WHERE tenant = ?1 AND rtype = ?2",
                )
                .db()?
                .query_row(params![s.tenant, s.rtype], |r| r.get(0))
                .db()?;
            let n = plan.params.len();
            let mut page: Vec<Row> = Vec::new();
            let total = if plan.exact || job.filter.is_none() {
                let (base, after) = entry.total.unwrap_or((0, 0));
                let sql = format!(
                    "SELECT count(*) FROM resources r WHERE {} AND r.seq > ?{}",
                    plan.where_sql,
                    n + 1
                );
                let mut params = plan.params.clone();
                params.push(SqlValue::Integer(after));
                let more: i64 = conn
                    .prepare_cached(&sql)
                    .db()?
                    .query_row(rusqlite::params_from_iter(params), |r| r.get(0))
                    .db()?;
                let total = base + usize::try_from(more).map_err(backend)?;
                if job.count > 0 && skip < total {
                    let (p, from) = entry.resume(skip);
                    let sql = format!(
                        "SELECT r.seq, r.id, r.version, r.body FROM resources r WHERE {} \
                         AND r.seq > ?{} ORDER BY r.seq LIMIT ?{} OFFSET ?{}",
                        plan.where_sql,
                        n + 1,
                        n + 2,
                        n + 3
                    );
                    let mut params = plan.params.clone();
                    params.push(SqlValue::Integer(from));
                    params.push(SqlValue::Integer(
                        i64::try_from(job.count).unwrap_or(i64::MAX),
                    ));
                    params.push(SqlValue::Integer(i64::try_from(skip - p).map_err(backend)?));
                    let mut stmt = conn.prepare_cached(&sql).db()?;
                    let rows = stmt
                        .query_map(rusqlite::params_from_iter(params), Row::from_sql)
                        .db()?;
                    for row in rows {
                        page.push(row.db()?);
                    }
                }
                total
            } else {
                // Candidates are evaluated in Rust: count (once, then only newer rows) and
                // collect the page in one pass where possible.
                let wanted = skip..skip.saturating_add(job.count);
                match entry.total {
                    None => {
                        let mut i = 0usize;
                        candidates(conn, &plan, 0, &mut |row| {
                            if matches(conn, job, &plan, &row)? {
                                if wanted.contains(&i) {
                                    page.push(row);
                                }
                                i += 1;
                            }
                            Ok(true)
                        })?;
                        i
                    }
                    Some((base, after)) => {
                        let mut more = 0usize;
                        candidates(conn, &plan, after, &mut |row| {
                            if matches(conn, job, &plan, &row)? {
                                more += 1;
                            }
                            Ok(true)
                        })?;
                        if job.count > 0 {
                            let (p, from) = entry.resume(skip);
                            let mut i = p;
                            candidates(conn, &plan, from, &mut |row| {
                                if matches(conn, job, &plan, &row)? {
                                    if wanted.contains(&i) {
                                        page.push(row);
                                    }
                                    i += 1;
                                }
                                Ok(i < wanted.end)
                            })?;
                        }
                        base + more
                    }
                }
            };
            let mut resources = Vec::with_capacity(page.len());
            for row in &page {
                resources.push(materialize(conn, s, row, !job.skip_members)?);
            }
            let last = page.last().map(|r| r.seq);
            Ok((resources, total, (max_seq, last)))
        })?;
        let (max_seq, last) = max_seq;
        let end = last.map(|seq| (skip + page.len(), seq));
        self.cursors.record(key, generation, end, (total, max_seq));
        Ok(ListPage {
            total_results: total,
            resources: page,
        })
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` for the resource types of
    /// `registry`, in WAL mode, and brings its schema up to date.
    pub fn open(path: impl AsRef<Path>, registry: Arc<SchemaRegistry>) -> Result<Self, StoreError> {
        Self::open_with(path, registry, Durability::Full)
    }

    /// [`SqliteStore::open`] with a chosen [`Durability`].
    pub fn open_with(
        path: impl AsRef<Path>,
        registry: Arc<SchemaRegistry>,
        durability: Durability,
    ) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let mut conn = connect(&path, durability)?;
        schema::migrate(&mut conn).map_err(backend)?;
        let max: i64 = conn
            .query_row("SELECT coalesce(max(version), 0) FROM resources", [], |r| {
                r.get(0)
            })
            .db()?;
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                path,
                durability,
                kinds: kinds(&registry),
                writer: Mutex::new(Writer {
                    conn,
                    next_version: max,
                }),
                readers: Mutex::new(Vec::new()),
                cursors: cursor::Cursors::default(),
            }),
            patch_lock: tokio::sync::Mutex::new(()),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    async fn patch_once(
        &self,
        ctx: &RequestContext,
        rt: &ResourceType,
        id: &str,
        patcher: &dyn Patcher,
        precondition: Precondition<'_>,
    ) -> R<Option<(StoredResource, bool)>> {
        let inner = self.inner.clone();
        let s = inner.scope(ctx, rt);
        if s.kind.has_members
            && let Some(deltas) = plan_deltas(patcher.operations())
        {
            let (id2, pre) = (id.to_owned(), precondition_owned(precondition));
            let (inner2, s2, skip) = (inner.clone(), s.clone(), ctx.skip_members);
            let done = blocking(move || {
                inner2.write_optional(&s2.tenant.clone(), |tx, version| {
                    let row =
                        load(tx, &s2, &id2)?.ok_or_else(|| StoreError::NotFound(id2.clone()))?;
                    check_precondition(
                        &id2,
                        &row,
                        pre.as_deref()
                            .map_or(Precondition::None, Precondition::Version),
                    )?;
                    if apply_deltas(tx, &s2, &row, &deltas, version)?.is_none() {
                        return Ok(None);
                    }
                    let row =
                        load(tx, &s2, &id2)?.ok_or_else(|| StoreError::NotFound(id2.clone()))?;
                    Ok(Some(materialize(tx, &s2, &row, !skip)?))
                })
            })
            .await?;
            if let Some(stored) = done {
                return Ok(Some((stored, true)));
            }
        }
        let (id2, s2, inner2) = (id.to_owned(), s.clone(), inner.clone());
        let current = blocking(move || {
            inner2.read(|conn| {
                let row =
                    load(conn, &s2, &id2)?.ok_or_else(|| StoreError::NotFound(id2.clone()))?;
                Ok((materialize(conn, &s2, &row, true)?, row.version))
            })
        })
        .await?;
        let (current, version) = current;
        check_precondition(
            id,
            &Row {
                seq: 0,
                id: id.to_owned(),
                version,
                body: String::new(),
            },
            precondition,
        )?;
        let mut resource = Value::clone(&current.resource);
        if !patcher.apply(&mut resource)? {
            let mut current = current;
            if ctx.skip_members
                && s.kind.has_members
                && let Some(obj) = Arc::make_mut(&mut current.resource).as_object_mut()
            {
                obj.shift_remove("members");
            }
            return Ok(Some((current, false)));
        }
        let (id2, skip) = (id.to_owned(), ctx.skip_members);
        let written = blocking(move || {
            inner.write(&s.tenant.clone(), true, |tx, v| {
                let Some(old) = load(tx, &s, &id2)? else {
                    return Err(StoreError::NotFound(id2.clone()));
                };
                if old.version != version {
                    return Ok(None);
                }
                write_row(tx, &s, &old, resource, v)?;
                let row = load(tx, &s, &id2)?.ok_or_else(|| StoreError::NotFound(id2.clone()))?;
                Ok(Some(materialize(tx, &s, &row, !skip)?))
            })
        })
        .await?;
        Ok(written.map(|stored| (stored, true)))
    }
}

impl Inner {
    /// [`Inner::write`] whose closure may decline (`Ok(None)`): then nothing is committed.
    fn write_optional<T>(
        &self,
        tenant: &str,
        f: impl FnOnce(&rusqlite::Transaction<'_>, &mut i64) -> R<Option<T>>,
    ) -> R<Option<T>> {
        let mut w = lock(&self.writer);
        let Writer { conn, next_version } = &mut *w;
        self.cursors.bump(tenant);
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .db()?;
        let mut version = *next_version;
        let Some(out) = f(&tx, &mut version)? else {
            return Ok(None);
        };
        tx.commit().db()?;
        *next_version = version;
        self.cursors.bump(tenant);
        Ok(Some(out))
    }
}

fn precondition_owned(p: Precondition<'_>) -> Option<String> {
    match p {
        Precondition::None => None,
        Precondition::Version(v) => Some(v.to_owned()),
    }
}

#[async_trait]
impl ResourceStore for SqliteStore {
    async fn create(
        &self,
        ctx: &RequestContext,
        rt: &ResourceType,
        mut resource: Value,
    ) -> Result<StoredResource, StoreError> {
        let inner = self.inner.clone();
        let s = inner.scope(ctx, rt);
        strip_owned(&s.kind, &mut resource);
        let id = uuid::Uuid::new_v4().to_string();
        let ts = now();
        let mut meta = Map::new();
        meta.insert("resourceType".into(), Value::String(rt.name.clone()));
        meta.insert("created".into(), Value::String(ts.clone()));
        meta.insert("lastModified".into(), Value::String(ts.clone()));
        arrange(&mut resource, &id, meta);
        blocking(move || {
            let list = split_members(&s.kind, &mut resource);
            inner.write(&s.tenant.clone(), !list.is_empty(), |tx, version| {
                check_unique(tx, &s, &resource, None)?;
                *version += 1;
                tx.prepare_cached(
                    "INSERT INTO resources (tenant, rtype, id, version, body) \
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .db()?
                .execute(params![
                    s.tenant,
                    s.rtype,
                    id,
                    *version,
                    to_text(&resource)?
                ])
                .db()?;
                let seq = tx.last_insert_rowid();
                index_values(tx, &s, seq, &resource)?;
                if !list.is_empty() {
                    insert_members(tx, &s.tenant, seq, 0, &list)?;
                    let ids: BTreeSet<&str> = list
                        .iter()
                        .filter_map(member_id)
                        .filter(|m| !m.is_empty())
                        .collect();
                    for m in ids {
                        touch(tx, &s.tenant, m, version, &ts)?;
                    }
                }
                let row = load(tx, &s, &id)?.ok_or_else(|| StoreError::NotFound(id.clone()))?;
                materialize(tx, &s, &row, true)
            })
        })
        .await
    }

    async fn get(
        &self,
        ctx: &RequestContext,
        rt: &ResourceType,
        id: &str,
    ) -> Result<StoredResource, StoreError> {
        let inner = self.inner.clone();
        let s = inner.scope(ctx, rt);
        let (id, skip) = (id.to_owned(), ctx.skip_members);
        blocking(move || {
            inner.read(|conn| {
                let row = load(conn, &s, &id)?.ok_or_else(|| StoreError::NotFound(id.clone()))?;
                materialize(conn, &s, &row, !skip)
            })
        })
        .await
    }

    async fn list(
        &self,
        ctx: &RequestContext,
        rt: &ResourceType,
        request: &ListRequest<'_>,
    ) -> Result<ListPage, StoreError> {
        let inner = self.inner.clone();
        let job = ListJob {
            scope: inner.scope(ctx, rt),
            filter: request.filter.cloned(),
            sort: request.sort.map(|(k, o)| (k.clone(), o)),
            start_index: request.start_index.max(1),
            count: request.count,
            skip_members: ctx.skip_members,
        };
        blocking(move || inner.list(&job)).await
    }

    async fn replace(
        &self,
        ctx: &RequestContext,
        rt: &ResourceType,
        id: &str,
        resource: Value,
        precondition: Precondition<'_>,
    ) -> Result<StoredResource, StoreError> {
        let inner = self.inner.clone();
        let s = inner.scope(ctx, rt);
        let (id, pre) = (id.to_owned(), precondition_owned(precondition));
        blocking(move || {
            inner.write(&s.tenant.clone(), true, |tx, version| {
                let old = load(tx, &s, &id)?.ok_or_else(|| StoreError::NotFound(id.clone()))?;
                check_precondition(
                    &id,
                    &old,
                    pre.as_deref()
                        .map_or(Precondition::None, Precondition::Version),
                )?;
                write_row(tx, &s, &old, resource, version)?;
                let row = load(tx, &s, &id)?.ok_or_else(|| StoreError::NotFound(id.clone()))?;
                materialize(tx, &s, &row, true)
            })
        })
        .await
    }

    async fn patch(
        &self,
        ctx: &RequestContext,
        rt: &ResourceType,
        id: &str,
        patcher: &dyn Patcher,
        precondition: Precondition<'_>,
    ) -> Result<(StoredResource, bool), StoreError> {
        // PATCHes serialize here; a replace or delete racing one is caught by the version
        // check inside the write and the PATCH is tried again.
        let _guard = self.patch_lock.lock().await;
        const ATTEMPTS: usize = 16;
        for _ in 0..ATTEMPTS {
            if let Some(done) = self.patch_once(ctx, rt, id, patcher, precondition).await? {
                return Ok(done);
            }
        }
        Err(StoreError::Backend(
            "a PATCH kept racing other writes of the same resource".into(),
        ))
    }

    async fn delete(
        &self,
        ctx: &RequestContext,
        rt: &ResourceType,
        id: &str,
        precondition: Precondition<'_>,
    ) -> Result<(), StoreError> {
        let inner = self.inner.clone();
        let s = inner.scope(ctx, rt);
        let (id, pre) = (id.to_owned(), precondition_owned(precondition));
        blocking(move || {
            inner.write(&s.tenant.clone(), true, |tx, version| {
                let row = load(tx, &s, &id)?.ok_or_else(|| StoreError::NotFound(id.clone()))?;
                check_precondition(
                    &id,
                    &row,
                    pre.as_deref()
                        .map_or(Precondition::None, Precondition::Version),
                )?;
                let ts = now();
                tx.prepare_cached("DELETE FROM attr_index WHERE seq = ?1")
                    .db()?
                    .execute([row.seq])
                    .db()?;
                if s.kind.has_members {
                    let before = member_set(tx, row.seq)?;
                    tx.prepare_cached("DELETE FROM members WHERE gseq = ?1")
                        .db()?
                        .execute([row.seq])
                        .db()?;
                    for m in before {
                        touch(tx, &s.tenant, &m, version, &ts)?;
                    }
                }
                tx.prepare_cached("DELETE FROM resources WHERE seq = ?1")
                    .db()?
                    .execute([row.seq])
                    .db()?;
                // Remove the deleted resource from every group that lists it.
                let gseqs: Vec<i64> = tx
                    .prepare_cached(
                        "SELECT DISTINCT gseq FROM members WHERE tenant = ?1 AND member = ?2",
                    )
                    .db()?
                    .query_map(params![s.tenant, id], |r| r.get(0))
                    .db()?
                    .collect::<Result<_, _>>()
                    .db()?;
                tx.prepare_cached("DELETE FROM members WHERE tenant = ?1 AND member = ?2")
                    .db()?
                    .execute(params![s.tenant, id])
                    .db()?;
                for g in gseqs {
                    touch_seq(tx, g, version, &ts)?;
                }
                Ok(())
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(filter: &str, rt: &str) -> ListPlan {
        let registry = SchemaRegistry::builtin();
        let rt = registry.resource_type(rt).unwrap();
        let f = CompiledFilter::parse_and_compile(filter, &registry, rt).unwrap();
        let kinds = kinds(&registry);
        let scope = Scope {
            tenant: "t".into(),
            rtype: rt.name.to_ascii_lowercase(),
            kind: kinds.get(&rt.name.to_ascii_lowercase()).cloned().unwrap(),
        };
        plan_list(&scope, Some(&f))
    }

    #[test]
    fn what_is_pushed_down() {
        let p = plan(r#"userName eq "BJensen""#, "User");
        assert!(
            p.exact && p.where_sql.contains("attr_index"),
            "{}",
            p.where_sql
        );
        assert!(p.params.contains(&SqlValue::Text("bjensen".into())));
        let p = plan(r#"userName eq "ΟΔΟΣ""#, "User");
        assert!(
            p.exact && !p.where_sql.contains("attr_index"),
            "sigma: no index"
        );
        let p = plan(
            r#"emails[type eq "work" and value ew "@example.com"]"#,
            "User",
        );
        assert!(
            p.exact && p.where_sql.contains("json_each"),
            "{}",
            p.where_sql
        );
        let p = plan(r#"members[value eq "x"]"#, "Group");
        assert!(p.exact && p.eval_members && p.where_sql.contains("FROM members"));
        let p = plan(r#"displayName eq "Admins""#, "Group");
        assert!(p.exact && p.where_sql.contains("attr_index"));
        let p = plan(r#"id eq "abc""#, "User");
        assert!(p.exact && p.where_sql.contains("r.id = "));
        let p = plan(
            r#"userName sw "b" and meta.created gt "2020-01-01T00:00:00Z""#,
            "User",
        );
        assert!(
            !p.exact && p.where_sql.contains("scim_leaf"),
            "narrowed, then Rust"
        );
        let p = plan(
            r#"userName sw "b" or meta.created gt "2020-01-01T00:00:00Z""#,
            "User",
        );
        assert!(
            !p.exact && !p.where_sql.contains("scim_leaf"),
            "nothing to narrow"
        );
        let p = plan(r#"not (groups.value eq "g")"#, "User");
        assert!(!p.exact);
    }
}
