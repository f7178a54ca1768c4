//! Memberships written through a user's `groups` attribute.
//!
//! RFC 7643 makes a user's `groups` read-only: memberships change through the group's
//! `members`. A product whose groups are read-only resources (the locker system) makes the
//! user's `groups` writable instead, so its clients assign a user to groups by writing the
//! user. When a served type's `groups` is multi-valued and not `readOnly`, and the registry
//! has a group type, the engine turns each write of `groups` into member adds and removes on
//! the groups, which every store keeps anyway; the user's `groups` stays derived from them.
//!
//! - create: the listed groups gain the user;
//! - replace: the memberships become the listed ones; a body without `groups` leaves them as
//!   they are (RFC 7644 §3.5.1 lets a service read an omitted attribute as not asserted, and
//!   dropping a locker user's rights because a client forgot a field is the worse failure);
//! - patch: the memberships follow the `groups` the patch leaves on the user.
//!
//! Every listed group must exist in the caller's tenant (else 400 `invalidValue`, before
//! anything is written).

use crate::engine::{Call, Inner};
use crate::store::{Patcher, Precondition, RequestContext, StoreError};
use scim_core::message::{PatchOp, PatchOpKind, PatchOperation};
use scim_core::registry::ResourceType;
use scim_core::schema::Mutability;
use scim_core::{SchemaRegistry, ScimError, ScimType};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Mutex;

/// The group type whose members a served type's writable `groups` stand for, if it has one.
pub(crate) fn group_type(registry: &SchemaRegistry, rt: &ResourceType) -> Option<ResourceType> {
    let groups = registry.core_schema(rt)?.attribute("groups")?;
    if !groups.multi_valued || groups.mutability == Mutability::ReadOnly {
        return None;
    }
    registry
        .resource_types()
        .find(|t| {
            registry
                .core_schema(t)
                .and_then(|s| s.attribute("members"))
                .is_some_and(|m| m.multi_valued)
        })
        .cloned()
}

/// The group ids listed in a resource's `groups`, or `None` when it has no `groups` key.
pub(crate) fn listed(resource: &Value) -> Option<BTreeSet<String>> {
    let groups = resource.get("groups")?;
    Some(
        groups
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|g| g.get("value").and_then(Value::as_str))
            .map(str::to_owned)
            .collect(),
    )
}

/// Refuses group ids that name no group in the caller's tenant.
pub(crate) async fn check_exist<'i>(
    inner: &Inner,
    ctx: &RequestContext,
    group_rt: &ResourceType,
    ids: impl IntoIterator<Item = &'i String>,
) -> Result<(), ScimError> {
    let ctx = RequestContext {
        skip_members: true,
        ..ctx.clone()
    };
    for id in ids {
        match inner.store.get(&ctx, group_rt, id).await {
            Ok(_) => {}
            Err(StoreError::NotFound(_)) => {
                return Err(ScimError::bad_request(
                    ScimType::InvalidValue,
                    format!("groups: no group has id {id:?}"),
                ));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Makes user `user_id` a member of exactly the groups in `wanted`, given that it is a member
/// of those in `current`: one member add or remove per group that differs. A group that
/// vanished meanwhile is skipped.
pub(crate) async fn sync(
    inner: &Inner,
    call: &Call<'_>,
    group_rt: &ResourceType,
    user_id: &str,
    current: &BTreeSet<String>,
    wanted: &BTreeSet<String>,
) -> Result<(), ScimError> {
    let ctx = RequestContext {
        skip_members: true,
        ..call.ctx.clone()
    };
    let add = PatchOp::new(vec![PatchOperation::new(
        PatchOpKind::Add,
        Some("members"),
        Some(json!([{ "value": user_id }])),
    )]);
    let filter_value = Value::String(user_id.to_owned()).to_string();
    let remove = PatchOp::new(vec![PatchOperation::new(
        PatchOpKind::Remove,
        Some(&format!("members[value eq {filter_value}]")),
        None,
    )]);
    let changes = wanted
        .difference(current)
        .map(|g| (g, &add))
        .chain(current.difference(wanted).map(|g| (g, &remove)));
    for (gid, op) in changes {
        let planned = crate::ops::patcher(inner, group_rt, op)?;
        match inner
            .store
            .patch(
                &ctx,
                group_rt,
                gid,
                &planned as &dyn Patcher,
                Precondition::None,
            )
            .await
        {
            // Audited as the group's own change: its members changed.
            Ok((stored, true)) => {
                inner
                    .committed(
                        call,
                        crate::hooks::Operation::Patch,
                        &group_rt.name,
                        gid,
                        Some(&stored.resource),
                        || vec!["members".to_owned()],
                    )
                    .await;
            }
            Ok((_, false)) | Err(StoreError::NotFound(_)) => {}
            // Removing a member the group no longer lists: nothing to do.
            Err(StoreError::Scim(e)) if e.scim_type() == Some(ScimType::NoTarget) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// A [`Patcher`] that records the group ids a resource listed before and after the patch it
/// wraps, for [`sync`].
pub(crate) struct Tracking<'a> {
    inner: &'a dyn Patcher,
    seen: Mutex<Option<(BTreeSet<String>, BTreeSet<String>)>>,
}

impl<'a> Tracking<'a> {
    pub(crate) fn new(inner: &'a dyn Patcher) -> Self {
        Tracking {
            inner,
            seen: Mutex::new(None),
        }
    }

    /// The group ids before and after the last successful application, if it changed the
    /// resource.
    pub(crate) fn seen(&self) -> Option<(BTreeSet<String>, BTreeSet<String>)> {
        self.seen.lock().ok().and_then(|mut s| s.take())
    }
}

impl Patcher for Tracking<'_> {
    fn apply(&self, resource: &mut Value) -> Result<bool, ScimError> {
        let before = listed(resource).unwrap_or_default();
        let changed = self.inner.apply(resource)?;
        if let Ok(mut seen) = self.seen.lock() {
            *seen = changed.then(|| (before, listed(resource).unwrap_or_default()));
        }
        Ok(changed)
    }

    fn operations(&self) -> &[PatchOperation] {
        self.inner.operations()
    }

    fn apply_in_place(
        &self,
        resource: &mut Value,
        kept: Option<&mut scim_patch::KeptIndex>,
        check: &mut dyn FnMut(&Value) -> Result<(), ScimError>,
    ) -> Result<crate::store::Applied, ScimError> {
        let before = listed(resource).unwrap_or_default();
        let applied = self.inner.apply_in_place(resource, kept, check)?;
        if let Ok(mut seen) = self.seen.lock() {
            *seen = applied
                .changed
                .then(|| (before, listed(resource).unwrap_or_default()));
        }
        Ok(applied)
    }
}
