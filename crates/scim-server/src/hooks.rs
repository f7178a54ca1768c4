//! Host callbacks around every write, and an audit event for every change.
//!
//! [`Hooks::before`] runs after validation and before the store is touched; returning an
//! error refuses the request with that SCIM error and changes nothing. [`Hooks::after`] runs
//! once the change is committed, for side effects. Every committed change also produces an
//! [`AuditEvent`] for the [`AuditSink`] (by default [`TracingAudit`], which logs through
//! `tracing` under the target `scim::audit`), unless the sink says it is not
//! [enabled](AuditSink::enabled): `TracingAudit` is when a subscriber takes INFO events of
//! that target. With no hooks and no enabled sink, the engine skips computing which
//! attributes a write changed.
//!
//! Where a user's `groups` are writable, the memberships a user write changes are committed
//! as `members` patches of each group: [`Hooks::after`] and the audit sink see one
//! [`Operation::Patch`] per group changed, before the event of the user write itself.

use crate::store::RequestContext;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use scim_core::ScimError;
use scim_core::message::PatchOp;
use serde_json::Value;
use std::fmt;

/// The kind of write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `POST /{Endpoint}`.
    Create,
    /// `PUT /{Endpoint}/{id}`.
    Replace,
    /// `PATCH /{Endpoint}/{id}`.
    Patch,
    /// `DELETE /{Endpoint}/{id}`.
    Delete,
}

impl Operation {
    /// A lowercase name (`create`, `replace`, `patch`, `delete`).
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Replace => "replace",
            Operation::Patch => "patch",
            Operation::Delete => "delete",
        }
    }
}

/// A write about to happen.
#[derive(Debug, Clone, Copy)]
pub struct Before<'a> {
    /// The kind of write.
    pub operation: Operation,
    /// The resource type name (e.g. `User`).
    pub resource_type: &'a str,
    /// The target id (absent for create).
    pub id: Option<&'a str>,
    /// The validated resource to store (create, replace).
    pub resource: Option<&'a Value>,
    /// The PatchOp (patch).
    pub patch: Option<&'a PatchOp>,
}

/// A write that was committed.
#[derive(Debug, Clone, Copy)]
pub struct After<'a> {
    /// The kind of write.
    pub operation: Operation,
    /// The resource type name.
    pub resource_type: &'a str,
    /// The resource id.
    pub id: &'a str,
    /// The resource as stored now (absent after delete).
    pub resource: Option<&'a Value>,
    /// The top-level attributes the write changed.
    pub attributes: &'a [String],
}

/// Host callbacks around writes. Both methods default to doing nothing.
#[async_trait]
pub trait Hooks: Send + Sync + fmt::Debug {
    /// Runs before a write; an error refuses the request and changes nothing.
    async fn before(&self, ctx: &RequestContext, write: &Before<'_>) -> Result<(), ScimError> {
        let _ = (ctx, write);
        Ok(())
    }

    /// Runs after a write was committed.
    async fn after(&self, ctx: &RequestContext, write: &After<'_>) {
        let _ = (ctx, write);
    }
}

/// No hooks.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHooks;

impl Hooks for NoHooks {}

/// One committed change: who, in which tenant, what, which attributes, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// When the change was committed.
    pub at: DateTime<Utc>,
    /// The authenticated principal, if any.
    pub principal: Option<String>,
    /// The tenant.
    pub tenant: String,
    /// The kind of write.
    pub operation: Operation,
    /// The resource type name.
    pub resource_type: String,
    /// The resource id.
    pub id: String,
    /// The top-level attributes the change touched.
    pub attributes: Vec<String>,
}

/// Where audit events go.
pub trait AuditSink: Send + Sync + fmt::Debug {
    /// Records one event. Must not block for long: it runs on the request path.
    fn record(&self, event: &AuditEvent);

    /// Whether events are recorded at all; when not (and no hooks are set), the engine does
    /// not build them. Defaults to true.
    fn enabled(&self) -> bool {
        true
    }
}

/// Logs audit events through `tracing` (target `scim::audit`, level INFO).
#[derive(Debug, Clone, Copy, Default)]
pub struct TracingAudit;

impl AuditSink for TracingAudit {
    /// Whether a `tracing` subscriber takes INFO events of the target `scim::audit`.
    fn enabled(&self) -> bool {
        tracing::enabled!(target: "scim::audit", tracing::Level::INFO)
    }

    fn record(&self, e: &AuditEvent) {
        tracing::info!(
            target: "scim::audit",
            at = %e.at.to_rfc3339(),
            principal = e.principal.as_deref().unwrap_or("-"),
            tenant = %e.tenant,
            operation = e.operation.as_str(),
            resource_type = %e.resource_type,
            id = %e.id,
            attributes = %e.attributes.join(","),
            "scim change"
        );
    }
}

/// The top-level attributes whose values differ between `old` and `new` (either may be
/// absent), in a stable order; `id`, `meta` and `schemas` are not attributes of interest.
pub(crate) fn changed_attributes(old: Option<&Value>, new: Option<&Value>) -> Vec<String> {
    let (o, n) = (
        old.and_then(Value::as_object),
        new.and_then(Value::as_object),
    );
    let of_interest = |k: &str| !matches!(k, "id" | "meta" | "schemas");
    // Names are borrowed until the list is final: only the ones returned are copied.
    let mut out: Vec<&str> =
        Vec::with_capacity(n.map_or(0, |m| m.len()) + o.map_or(0, |m| m.len()));
    if let Some(n) = n {
        out.extend(
            n.iter()
                .filter(|(k, v)| of_interest(k) && o.and_then(|o| o.get(*k)) != Some(*v))
                .map(|(k, _)| k.as_str()),
        );
    }
    if let Some(o) = o {
        out.extend(
            o.keys()
                .filter(|k| of_interest(k) && n.is_none_or(|n| !n.contains_key(*k)))
                .map(String::as_str),
        );
    }
    out.sort_unstable();
    out.dedup();
    out.into_iter().map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changed_attributes_are_top_level_differences() {
        let old = json!({"id": "1", "userName": "a", "title": "x", "meta": {"version": "1"}});
        let new = json!({"id": "1", "userName": "a", "active": true, "meta": {"version": "2"}});
        assert_eq!(
            changed_attributes(Some(&old), Some(&new)),
            ["active", "title"]
        );
        assert_eq!(changed_attributes(None, Some(&new)), ["active", "userName"]);
        assert!(changed_attributes(Some(&old), Some(&old)).is_empty());
        assert_eq!(changed_attributes(Some(&old), None), ["title", "userName"]);
        assert!(changed_attributes(None, None).is_empty());
    }
}
