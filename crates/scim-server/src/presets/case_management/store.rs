//! [`CaseStore`]: the [`ResourceStore`] over the app's own tables.

use super::columns::{PROFILES, Table, USERS};
use super::db::{Db, R, Sql, Writer, blocking};
use super::records::{self as rec, check_precondition, owned_precondition};
use super::rows::{ProfileRow, Stamp, UserRow};
use super::{deltas, filter};
use crate::store::{
    ListPage, ListRequest, Patcher, Precondition, RequestContext, ResourceStore, StoreError,
    StoredResource,
};
use async_trait::async_trait;
use rusqlite::Connection;
use rusqlite::types::Value as SqlValue;
use scim_core::registry::ResourceType;
use scim_core::schema::builtin::{GROUP_URN, USER_URN};
use scim_core::{SchemaRegistry, ScimError};
use scim_filter::{CompiledFilter, SortKey, SortOrder};
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

/// The case-management app's [`ResourceStore`]: users and authorization profiles in the
/// app's own relational tables (`users`, `profiles`, `user_profiles`) in SQLite, not JSON
/// documents.
///
/// - A resource type on the core User schema is a row of `users`, one on the core Group
///   schema a row of `profiles`; a profile's `members` and a user's `groups` are computed
///   from `user_profiles`. Attributes without a column are refused (`invalidValue`), and
///   members must be users of the tenant.
/// - Filters become SQL over the column map (`invalidFilter` for an attribute with no
///   column), sorting is by mapped columns, paging by `LIMIT`/`OFFSET`, and `totalResults`
///   a `COUNT`.
/// - Member adds and removes by PATCH insert and delete links; any other PATCH is
///   read-modify-write inside one write transaction.
/// - `userName` and profile names are unique per tenant, case-insensitively (409); ids are
///   UUIDs; versions bump only on change; tenants never see each other's rows.
///
/// SQLite work runs on tokio's blocking threads, so the store works from any tokio runtime.
///
/// ```
/// use scim_server::presets::case_management::{CaseStore, config};
/// use scim_server::store::{RequestContext, ResourceStore};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let registry = config().registry;
/// let store = CaseStore::open_in_memory(registry.clone()).unwrap();
/// let ctx = RequestContext::tenant("acme");
/// let ids = store.seed_profiles("acme", &["Case worker", "Supervisor"]).await.unwrap();
/// let users = registry.resource_type("User").unwrap();
/// let ann = store
///     .create(&ctx, users, serde_json::json!({"userName": "ann"}))
///     .await
///     .unwrap();
/// assert_eq!(ann.resource["active"], true);
/// # let _ = ids;
/// # });
/// ```
#[derive(Debug)]
pub struct CaseStore {
    db: Db,
    registry: Arc<SchemaRegistry>,
}

/// Which table a resource type lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    User,
    Profile,
}

impl Kind {
    fn of(rt: &ResourceType) -> R<Kind> {
        if rt.schema.eq_ignore_ascii_case(USER_URN) {
            Ok(Kind::User)
        } else if rt.schema.eq_ignore_ascii_case(GROUP_URN) {
            Ok(Kind::Profile)
        } else {
            Err(StoreError::Scim(ScimError::new(
                501,
                None,
                format!(
                    "the case-management app keeps users and authorization profiles, not {}",
                    rt.name
                ),
            )))
        }
    }

    fn table(self) -> &'static Table {
        match self {
            Kind::User => &USERS,
            Kind::Profile => &PROFILES,
        }
    }
}

/// A resource's row, as loaded.
#[derive(Debug, Clone)]
enum Loaded {
    User(Stamp, UserRow),
    Profile(Stamp, String),
}

impl Loaded {
    fn stamp(&self) -> &Stamp {
        match self {
            Loaded::User(s, _) | Loaded::Profile(s, _) => s,
        }
    }
}

/// What one request works on: the tenant, the table and the resource type's name.
#[derive(Debug, Clone)]
struct Scope {
    tenant: String,
    kind: Kind,
    resource_type: String,
}

impl Scope {
    fn new(ctx: &RequestContext, rt: &ResourceType) -> R<Scope> {
        Ok(Scope {
            tenant: ctx.tenant.clone(),
            kind: Kind::of(rt)?,
            resource_type: rt.name.clone(),
        })
    }

    fn load(&self, c: &Connection, id: &str) -> R<Loaded> {
        let found = match self.kind {
            Kind::User => rec::load_user(c, &self.tenant, id)?.map(|(s, r)| Loaded::User(s, r)),
            Kind::Profile => {
                rec::load_profile(c, &self.tenant, id)?.map(|(s, n)| Loaded::Profile(s, n))
            }
        };
        found.ok_or_else(|| StoreError::NotFound(id.to_owned()))
    }

    /// The resource of a loaded row; a profile's members only when `members`.
    fn resource(&self, c: &Connection, loaded: &Loaded, members: bool) -> R<StoredResource> {
        let resource = match loaded {
            Loaded::User(stamp, row) => {
                let groups = rec::user_groups(c, &self.tenant, &stamp.id)?;
                row.to_json(stamp, &self.resource_type, &groups)
            }
            Loaded::Profile(stamp, name) => {
                let list = match members {
                    true => Some(rec::profile_members(c, &self.tenant, &stamp.id)?),
                    false => None,
                };
                ProfileRow::to_json(name, stamp, &self.resource_type, list.as_deref())
            }
        };
        let stamp = loaded.stamp();
        Ok(StoredResource {
            id: stamp.id.clone(),
            version: stamp.version.to_string(),
            resource: Arc::new(resource),
        })
    }

    /// Loads and renders the resource `id`.
    fn reload(&self, c: &Connection, id: &str, members: bool) -> R<StoredResource> {
        let loaded = self.load(c, id)?;
        self.resource(c, &loaded, members)
    }

    /// Writes the resource JSON `new` over the loaded row; whether anything changed.
    fn update(&self, c: &Connection, loaded: &Loaded, new: &Value) -> R<bool> {
        match loaded {
            Loaded::User(stamp, old) => {
                let row = UserRow::from_json(new)?;
                rec::update_user(c, &self.tenant, stamp, old, &row)
            }
            Loaded::Profile(stamp, old) => {
                let row = ProfileRow::from_json(new)?;
                rec::update_profile(c, &self.tenant, stamp, old, &row)
            }
        }
    }
}

/// A row checked before the write transaction starts.
enum NewRow {
    User(UserRow),
    Profile(ProfileRow),
}

impl NewRow {
    fn from_json(kind: Kind, resource: &Value) -> Result<NewRow, ScimError> {
        Ok(match kind {
            Kind::User => NewRow::User(UserRow::from_json(resource)?),
            Kind::Profile => NewRow::Profile(ProfileRow::from_json(resource)?),
        })
    }
}

/// A list request, owned, for blocking work.
struct ListJob {
    scope: Scope,
    filter: Option<CompiledFilter>,
    sort: Option<(SortKey, SortOrder)>,
    offset: usize,
    count: usize,
    members: bool,
}

fn sql_int(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl ListJob {
    fn run(&self, c: &Connection) -> R<ListPage> {
        let s = &self.scope;
        let table = s.kind.table();
        let mut params = vec![SqlValue::Text(s.tenant.clone())];
        let mut where_sql = format!("{}.tenant = ?1", table.alias);
        if let Some(f) = &self.filter {
            let cond = filter::condition(table, f, 2)?;
            where_sql.push_str(" AND ");
            where_sql.push_str(&cond.sql);
            params.extend(cond.params);
        }
        let mut order = String::new();
        if let Some((key, dir)) = &self.sort {
            order.push_str(&filter::order_by(table, key, *dir)?);
            order.push_str(", ");
        }
        order.push_str(table.alias);
        order.push_str(".seq ASC");
        let from = format!("FROM {} {} WHERE {where_sql}", table.name, table.alias);
        let total: i64 = c
            .prepare_cached(&format!("SELECT count(*) {from}"))
            .sql()?
            .query_row(rusqlite::params_from_iter(params.iter()), |r| r.get(0))
            .sql()?;
        let total = rec::count(total)?;
        let mut resources = Vec::new();
        if self.count > 0 && self.offset < total {
            let n = params.len();
            let columns = match s.kind {
                Kind::User => rec::USER_COLUMNS,
                Kind::Profile => rec::PROFILE_COLUMNS,
            };
            let sql = format!(
                "SELECT {columns} {from} ORDER BY {order} LIMIT ?{} OFFSET ?{}",
                n + 1,
                n + 2
            );
            params.push(SqlValue::Integer(sql_int(self.count)));
            params.push(SqlValue::Integer(sql_int(self.offset)));
            let mut stmt = c.prepare_cached(&sql).sql()?;
            let mut rows = stmt.query(rusqlite::params_from_iter(params)).sql()?;
            let mut page = Vec::new();
            while let Some(r) = rows.next().sql()? {
                page.push(
                    match s.kind {
                        Kind::User => rec::user_from_sql(r).map(|(st, u)| Loaded::User(st, u)),
                        Kind::Profile => {
                            rec::profile_from_sql(r).map(|(st, n)| Loaded::Profile(st, n))
                        }
                    }
                    .sql()?,
                );
            }
            for loaded in &page {
                resources.push(s.resource(c, loaded, self.members)?);
            }
        }
        Ok(ListPage {
            total_results: total,
            resources,
        })
    }
}

/// Where a PATCH stands after its first step.
enum Step {
    /// Done as member deltas (or an error-free no-op).
    Done(StoredResource, bool),
    /// The patch must be applied to this resource, then written over this row.
    Apply(Box<(Writer, Loaded, StoredResource)>),
}

impl CaseStore {
    /// Opens (creating if needed) the app database at `path`, in WAL mode, creating the
    /// tables it lacks. `registry` must serve the core User and Group schemas (as
    /// [`config`](super::config)'s does).
    pub fn open(path: impl AsRef<Path>, registry: Arc<SchemaRegistry>) -> Result<Self, StoreError> {
        check_registry(&registry)?;
        Ok(CaseStore {
            db: Db::open(path.as_ref())?,
            registry,
        })
    }

    /// A store in a new private in-memory database (for tests and demos).
    pub fn open_in_memory(registry: Arc<SchemaRegistry>) -> Result<Self, StoreError> {
        check_registry(&registry)?;
        Ok(CaseStore {
            db: Db::in_memory()?,
            registry,
        })
    }

    /// The database file (`None` in memory).
    pub fn path(&self) -> Option<&Path> {
        self.db.path()
    }

    /// The registry this store was opened with.
    pub fn registry(&self) -> &Arc<SchemaRegistry> {
        &self.registry
    }

    /// Makes sure the tenant has profiles called `names`, since SCIM clients cannot create
    /// them: a name that exists (in any case) is kept as it is, a new one is created. Returns
    /// the ids, in the order of `names`. A blank name is an `invalidValue`.
    pub async fn seed_profiles(
        &self,
        tenant: &str,
        names: &[&str],
    ) -> Result<Vec<String>, StoreError> {
        let tenant = tenant.to_owned();
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        self.db
            .write(move |c| {
                let mut ids = Vec::with_capacity(names.len());
                for name in names {
                    let row = ProfileRow::from_json(&serde_json::json!({"displayName": name}))?;
                    let id = match rec::find_profile(c, &tenant, &row.name)? {
                        Some(id) => id,
                        None => rec::insert_profile(c, &tenant, &row)?,
                    };
                    ids.push(id);
                }
                Ok(ids)
            })
            .await
    }
}

/// The registry must define the resource types the tables hold.
fn check_registry(registry: &SchemaRegistry) -> R<()> {
    for urn in [USER_URN, GROUP_URN] {
        if !registry
            .resource_types()
            .any(|rt| rt.schema.eq_ignore_ascii_case(urn))
        {
            return Err(StoreError::Scim(ScimError::new(
                500,
                None,
                format!("the case-management store needs a resource type on {urn}"),
            )));
        }
    }
    Ok(())
}

#[async_trait]
impl ResourceStore for CaseStore {
    async fn create(
        &self,
        ctx: &RequestContext,
        rt: &ResourceType,
        resource: Value,
    ) -> Result<StoredResource, StoreError> {
        let scope = Scope::new(ctx, rt)?;
        let row = NewRow::from_json(scope.kind, &resource)?;
        self.db
            .write(move |c| {
                let id = match &row {
                    NewRow::User(u) => rec::insert_user(c, &scope.tenant, u)?,
                    NewRow::Profile(p) => rec::insert_profile(c, &scope.tenant, p)?,
                };
                scope.reload(c, &id, true)
            })
            .await
    }

    async fn get(
        &self,
        ctx: &RequestContext,
        rt: &ResourceType,
        id: &str,
    ) -> Result<StoredResource, StoreError> {
        let scope = Scope::new(ctx, rt)?;
        let (id, members) = (id.to_owned(), !ctx.skip_members);
        self.db.read(move |c| scope.reload(c, &id, members)).await
    }

    async fn list(
        &self,
        ctx: &RequestContext,
        rt: &ResourceType,
        request: &ListRequest<'_>,
    ) -> Result<ListPage, StoreError> {
        let job = ListJob {
            scope: Scope::new(ctx, rt)?,
            filter: request.filter.cloned(),
            sort: request.sort.map(|(k, o)| (k.clone(), o)),
            offset: request.start_index.saturating_sub(1),
            count: request.count,
            members: !ctx.skip_members,
        };
        self.db.read(move |c| job.run(c)).await
    }

    async fn replace(
        &self,
        ctx: &RequestContext,
        rt: &ResourceType,
        id: &str,
        resource: Value,
        precondition: Precondition<'_>,
    ) -> Result<StoredResource, StoreError> {
        let scope = Scope::new(ctx, rt)?;
        // Refuse what the tables cannot hold before taking the writer.
        NewRow::from_json(scope.kind, &resource)?;
        let (id, pre) = (id.to_owned(), owned_precondition(precondition));
        self.db
            .write(move |c| {
                let loaded = scope.load(c, &id)?;
                check_precondition(loaded.stamp(), pre.as_deref())?;
                scope.update(c, &loaded, &resource)?;
                scope.reload(c, &id, true)
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
        let scope = Scope::new(ctx, rt)?;
        let planned = match scope.kind {
            Kind::Profile => deltas::plan(patcher.operations()),
            Kind::User => None,
        };
        let (id, pre, members) = (
            id.to_owned(),
            owned_precondition(precondition),
            !ctx.skip_members,
        );
        let w = self.db.writer().await;
        let s = scope.clone();
        let step = blocking(move || {
            w.begin()?;
            let loaded = s.load(&w, &id)?;
            check_precondition(loaded.stamp(), pre.as_deref())?;
            if let Some(planned) = planned {
                w.execute_batch("SAVEPOINT deltas").sql()?;
                let ts = rec::now();
                match deltas::apply(&w, &s.tenant, &id, &planned, &ts)? {
                    Some(changed) => {
                        w.execute_batch("RELEASE deltas").sql()?;
                        if changed {
                            rec::touch_profile(&w, &s.tenant, &id, &ts)?;
                        }
                        let stored = s.reload(&w, &id, members)?;
                        w.commit()?;
                        return Ok(Step::Done(stored, changed));
                    }
                    None => w
                        .execute_batch("ROLLBACK TO deltas; RELEASE deltas")
                        .sql()?,
                }
            }
            let current = s.resource(&w, &loaded, true)?;
            Ok(Step::Apply(Box::new((w, loaded, current))))
        })
        .await?;
        let (w, loaded, current) = match step {
            Step::Done(stored, changed) => return Ok((stored, changed)),
            Step::Apply(open) => *open,
        };
        // The engine's patch runs here, on the async side, while the writer stays held and
        // the transaction open; on an error the transaction is rolled back.
        let mut resource = Value::clone(&current.resource);
        let changed = match patcher.apply(&mut resource) {
            Ok(changed) => changed,
            Err(e) => {
                blocking(move || w.rollback()).await?;
                return Err(e.into());
            }
        };
        blocking(move || {
            let changed = changed && scope.update(&w, &loaded, &resource)?;
            let stored = if changed || !members {
                scope.reload(&w, &loaded.stamp().id, members)?
            } else {
                current
            };
            w.commit()?;
            Ok((stored, changed))
        })
        .await
    }

    async fn delete(
        &self,
        ctx: &RequestContext,
        rt: &ResourceType,
        id: &str,
        precondition: Precondition<'_>,
    ) -> Result<(), StoreError> {
        let scope = Scope::new(ctx, rt)?;
        let (id, pre) = (id.to_owned(), owned_precondition(precondition));
        self.db
            .write(move |c| {
                let loaded = scope.load(c, &id)?;
                check_precondition(loaded.stamp(), pre.as_deref())?;
                match scope.kind {
                    Kind::User => rec::delete_user(c, &scope.tenant, &id),
                    Kind::Profile => rec::delete_profile(c, &scope.tenant, &id),
                }
            })
            .await
    }
}
