//! The storage contract: one small async trait every store implements.
//!
//! A store keeps resources as canonical JSON per tenant and resource type, assigns ids,
//! versions and timestamps, enforces uniqueness (per tenant), and keeps group `members` and
//! users' derived `groups` consistent. The engine owns everything protocol-shaped (routing,
//! validation, projection, `meta.location`).
//!
//! [`MemoryStore`] is the complete in-memory implementation; [`contract`] is the suite any
//! implementation runs in its own tests.

pub mod contract;
pub(crate) mod kind;
mod memory;
#[cfg(feature = "sqlite")]
pub mod sqlite;

pub use memory::MemoryStore;
#[cfg(feature = "sqlite")]
pub use sqlite::{Durability, SqliteStore};

use async_trait::async_trait;
use scim_core::message::PatchOperation;
use scim_core::registry::ResourceType;
use scim_core::{ScimError, ScimType};
use scim_filter::{CompiledFilter, SortKey};
use scim_patch::{ElementDelta, KeptIndex};
use serde_json::Value;
use std::fmt;
use std::sync::Arc;

use scim_filter::SortOrder;

/// Who is calling and on behalf of which tenant. Every store operation is scoped by it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestContext {
    /// The tenant (company) the request acts in; `""` is the default tenant.
    pub tenant: String,
    /// The authenticated principal, if any.
    pub principal: Option<String>,
    /// The scopes granted to the principal.
    pub scopes: Vec<String>,
    /// A hint from the projection: when true, the caller will not return `members` (e.g.
    /// `excludedAttributes=members`), so a store need not load them.
    pub skip_members: bool,
}

impl RequestContext {
    /// A context in the given tenant with no principal.
    pub fn tenant(tenant: impl Into<String>) -> Self {
        RequestContext {
            tenant: tenant.into(),
            ..RequestContext::default()
        }
    }
}

/// A stored resource: its id, its version (the ETag value), and the full canonical JSON
/// including `id`, `meta.created`, `meta.lastModified` and `meta.version`.
///
/// The JSON is shared and immutable: a store may hand out the very value it keeps (a read
/// costs a reference count, not a copy), and the engine writes responses from it. To change
/// it, copy it (`Value::clone(&stored.resource)`) or use [`Arc::make_mut`].
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResource {
    /// The resource id.
    pub id: String,
    /// The opaque version; the ETag is `W/"{version}"`.
    pub version: String,
    /// The resource JSON.
    pub resource: Arc<Value>,
}

impl StoredResource {
    /// The weak ETag of this version.
    pub fn etag(&self) -> String {
        weak_etag(&self.version)
    }
}

/// `W/"{version}"`.
fn weak_etag(version: &str) -> String {
    ["W/\"", version, "\""].concat()
}

/// The paging, filter and sort of a list request, handed to the store so it can push work
/// down. `start_index` is 1-based; `count` is already capped by the engine.
#[derive(Debug, Clone, Copy)]
pub struct ListRequest<'a> {
    /// The compiled filter, if any.
    pub filter: Option<&'a CompiledFilter>,
    /// The compiled sort key and order, if any.
    pub sort: Option<(&'a SortKey, SortOrder)>,
    /// The 1-based index of the first result.
    pub start_index: usize,
    /// The most resources to return.
    pub count: usize,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct ListPage {
    /// How many resources match in all.
    pub total_results: usize,
    /// The resources of the page, in order.
    pub resources: Vec<StoredResource>,
}

/// A precondition: the version a write expects (from `If-Match`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition<'a> {
    /// No precondition.
    None,
    /// The current version must be this one (weak comparison: the `W/` and quotes are
    /// stripped before it gets here).
    Version(&'a str),
}

/// The changes a PATCH request makes, applied by the store under its own concurrency control.
pub trait Patcher: Send + Sync {
    /// Applies the patch to `resource` in place; returns whether anything changed. On error,
    /// `resource` must be left exactly as it was.
    fn apply(&self, resource: &mut Value) -> Result<bool, ScimError>;

    /// The validated operations, for stores that apply some of them as deltas (e.g. member
    /// adds and removes against a membership table) instead of calling [`Patcher::apply`].
    /// Empty when the patch is not expressed as operations.
    fn operations(&self) -> &[PatchOperation] {
        &[]
    }

    /// Applies the patch to the stored `resource` itself, without a copy, for stores that
    /// keep resources in memory: `kept`, when the store keeps one, holds the identities of
    /// its large multi-valued attributes between requests ([`scim_patch::KeptIndex`]), and
    /// `check` (the store's own rules, such as uniqueness) runs on the result before it is
    /// committed. On any error, `resource` and `kept` must be left as they were.
    ///
    /// The default applies [`Patcher::apply`] to a copy, and clears `kept` when the
    /// resource changes.
    fn apply_in_place(
        &self,
        resource: &mut Value,
        kept: Option<&mut KeptIndex>,
        check: &mut dyn FnMut(&Value) -> Result<(), ScimError>,
    ) -> Result<Applied, ScimError> {
        apply_on_copy(self, resource, kept, check)
    }
}

/// [`Patcher::apply_in_place`] by way of [`Patcher::apply`] on a copy: `resource` is
/// replaced only when the patch changed it and `check` accepts the result, and `kept` is
/// then cleared.
pub fn apply_on_copy<P: Patcher + ?Sized>(
    patcher: &P,
    resource: &mut Value,
    kept: Option<&mut KeptIndex>,
    check: &mut dyn FnMut(&Value) -> Result<(), ScimError>,
) -> Result<Applied, ScimError> {
    let mut next = resource.clone();
    if !patcher.apply(&mut next)? {
        return Ok(Applied::default());
    }
    check(&next)?;
    *resource = next;
    if let Some(kept) = kept {
        kept.clear();
    }
    Ok(Applied {
        changed: true,
        attributes: None,
        deltas: Vec::new(),
    })
}

/// What [`Patcher::apply_in_place`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Whether the resource changed.
    pub changed: bool,
    /// The top-level attributes that changed (`members`, `urn:…:manager`), when known.
    pub attributes: Option<Vec<String>>,
    /// The elements appended to or removed from attributes `kept` tracks (a group's
    /// `members`), when that is all that happened to them; an attribute that changed in
    /// another way has no delta here.
    pub deltas: Vec<ElementDelta>,
}

impl<F> Patcher for F
where
    F: Fn(&mut Value) -> Result<bool, ScimError> + Send + Sync,
{
    fn apply(&self, resource: &mut Value) -> Result<bool, ScimError> {
        self(resource)
    }
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No resource with that id in the tenant (404).
    #[error("resource {0} not found")]
    NotFound(String),
    /// A unique attribute's value is taken (409 `uniqueness`).
    #[error("{0}")]
    Uniqueness(String),
    /// The precondition failed: the resource has another version (412).
    #[error("resource {id} has version {current}, not the expected one")]
    VersionMismatch {
        /// The resource id.
        id: String,
        /// Its current version.
        current: String,
    },
    /// A SCIM error raised while applying a change (e.g. by the PATCH engine).
    #[error(transparent)]
    Scim(#[from] ScimError),
    /// The storage backend failed.
    #[error("storage failure: {0}")]
    Backend(Box<dyn std::error::Error + Send + Sync>),
}

impl From<StoreError> for ScimError {
    fn from(e: StoreError) -> ScimError {
        match e {
            StoreError::NotFound(id) => ScimError::not_found(format!("resource {id} not found")),
            StoreError::Uniqueness(d) => ScimError::conflict(ScimType::Uniqueness, d),
            e @ StoreError::VersionMismatch { .. } => ScimError::new(412, None, e.to_string()),
            StoreError::Scim(e) => e,
            StoreError::Backend(e) => ScimError::new(500, None, format!("storage failure: {e}")),
        }
    }
}

/// Where resources live. Implementations must be safe to call concurrently; every operation is
/// scoped to `ctx.tenant`, and one tenant never sees another's resources.
#[async_trait]
pub trait ResourceStore: Send + Sync + fmt::Debug {
    /// Stores a new resource (canonical, validated JSON without `id`/`meta`); assigns `id`,
    /// `meta.created`, `meta.lastModified` and `meta.version`. Fails with
    /// [`StoreError::Uniqueness`] when a `uniqueness: server` attribute's value is taken
    /// (strings compared case-insensitively unless `caseExact`).
    async fn create(
        &self,
        ctx: &RequestContext,
        rt: &ResourceType,
        resource: Value,
    ) -> Result<StoredResource, StoreError>;

    /// Reads one resource, with derived attributes (a user's `groups`) filled in.
    async fn get(
        &self,
        ctx: &RequestContext,
        rt: &ResourceType,
        id: &str,
    ) -> Result<StoredResource, StoreError>;

    /// Lists the resources that match, sorted and paged.
    async fn list(
        &self,
        ctx: &RequestContext,
        rt: &ResourceType,
        request: &ListRequest<'_>,
    ) -> Result<ListPage, StoreError>;

    /// Replaces a resource's stored attributes (canonical JSON; `id`/`meta` are the store's).
    async fn replace(
        &self,
        ctx: &RequestContext,
        rt: &ResourceType,
        id: &str,
        resource: Value,
        precondition: Precondition<'_>,
    ) -> Result<StoredResource, StoreError>;

    /// Applies a PATCH. Returns the resource after it and whether anything changed; a PATCH
    /// that changes nothing keeps the version.
    ///
    /// The default is read-modify-write with an optimistic version check, retried on a lost
    /// race; stores override it with their own locking or with deltas (a membership table
    /// need not rewrite a 100,000-member group).
    async fn patch(
        &self,
        ctx: &RequestContext,
        rt: &ResourceType,
        id: &str,
        patcher: &dyn Patcher,
        precondition: Precondition<'_>,
    ) -> Result<(StoredResource, bool), StoreError> {
        const ATTEMPTS: usize = 16;
        let mut last = None;
        for _ in 0..ATTEMPTS {
            let current = self.get(ctx, rt, id).await?;
            if let Precondition::Version(v) = precondition
                && v != current.version
            {
                return Err(StoreError::VersionMismatch {
                    id: id.to_owned(),
                    current: current.version,
                });
            }
            let mut resource = Value::clone(&current.resource);
            if !patcher.apply(&mut resource)? {
                return Ok((current, false));
            }
            match self
                .replace(
                    ctx,
                    rt,
                    id,
                    resource,
                    Precondition::Version(&current.version),
                )
                .await
            {
                Ok(stored) => return Ok((stored, true)),
                Err(e @ StoreError::VersionMismatch { .. }) => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| StoreError::NotFound(id.to_owned())))
    }

    /// Deletes a resource; deleting a user also removes it from every group.
    async fn delete(
        &self,
        ctx: &RequestContext,
        rt: &ResourceType,
        id: &str,
        precondition: Precondition<'_>,
    ) -> Result<(), StoreError>;
}
