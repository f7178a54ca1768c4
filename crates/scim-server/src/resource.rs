//! Create, read, replace, patch and delete of one resource.

use crate::config::PatchResponse;
use crate::engine::{Call, Inner, Served, json_body};
use crate::hooks::{Before, Operation, changed_attributes};
use crate::memberships;
use crate::ops;
use crate::query::ListQuery;
use crate::response::{self, set_header};
use crate::store::{Precondition, StoredResource};
use bytes::Bytes;
use http::{Response, StatusCode, header};
use scim_core::ScimError;
use scim_core::message::PatchOp;
use std::collections::BTreeSet;

/// The `attributes`/`excludedAttributes` of the query string (RFC 7644 §3.9 applies them to
/// every operation that returns a resource).
fn projection(call: &Call<'_>) -> Result<ListQuery, ScimError> {
    ListQuery::try_from_query(call.parts.uri.query())
}

/// The entity tags of a conditional header (RFC 7232 §3.1, §3.2).
#[derive(Debug)]
enum Tags {
    /// `*`.
    Any,
    /// A list of tags, by opaque value (weak comparison: `W/"3"` matches `"3"`).
    List(Vec<String>),
}

impl Tags {
    fn matches(&self, version: &str) -> bool {
        match self {
            Tags::Any => true,
            Tags::List(tags) => tags.iter().any(|t| t == version),
        }
    }
}

/// The tags of header `name`, or `None` when it is absent or empty.
fn tags(call: &Call<'_>, name: header::HeaderName) -> Option<Tags> {
    let mut list = Vec::new();
    for value in call.parts.headers.get_all(name) {
        let raw = value.to_str().ok()?.trim();
        if raw == "*" {
            return Some(Tags::Any);
        }
        list.extend(
            raw.split(',')
                .map(opaque_tag)
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
        );
    }
    (!list.is_empty()).then_some(Tags::List(list))
}

fn precondition_failed(id: &str, current: &str) -> ScimError {
    ScimError::new(
        412,
        None,
        format!("resource {id} does not match If-Match (its version is W/\"{current}\")"),
    )
}

/// Resolves `If-Match` into the version a write expects. One tag passes straight to the store,
/// which checks it atomically with the write; a list or `*` is checked against the current
/// version, which then becomes the expectation (so a concurrent change still fails).
async fn expected_version(
    inner: &Inner,
    call: &Call<'_>,
    served: &Served,
    id: &str,
) -> Result<Option<String>, ScimError> {
    match tags(call, header::IF_MATCH) {
        None => Ok(None),
        Some(Tags::List(mut one)) if one.len() == 1 => Ok(one.pop()),
        Some(tags) => {
            let current = inner.store.get(&call.ctx, &served.rt, id).await?;
            if tags.matches(&current.version) {
                Ok(Some(current.version))
            } else {
                Err(precondition_failed(id, &current.version))
            }
        }
    }
}

/// `W/"abc"` → `abc`; `"abc"` → `abc`.
pub(crate) fn opaque_tag(tag: &str) -> &str {
    let t = tag.trim();
    let t = t
        .strip_prefix("W/")
        .or_else(|| t.strip_prefix("w/"))
        .unwrap_or(t);
    t.trim_matches('"')
}

fn with_etag(mut resp: Response<Bytes>, stored: &StoredResource) -> Response<Bytes> {
    set_header(&mut resp, header::ETAG, &stored.etag());
    resp
}

fn respond(
    inner: &Inner,
    call: &Call<'_>,
    served: &Served,
    status: StatusCode,
    stored: StoredResource,
) -> Result<Response<Bytes>, ScimError> {
    let p = projection(call)?;
    let projection = ops::projection(inner, served, &p.attributes, &p.excluded_attributes);
    let etag = stored.etag();
    let resource = ops::visible(served, &call.grant, &inner.config.registry, stored.resource);
    let body = ops::output(call, served, &projection, resource);
    let mut resp = response::serialized(status, &body);
    set_header(&mut resp, header::ETAG, &etag);
    Ok(resp)
}

/// `POST /{Endpoint}`.
pub(crate) async fn create(
    inner: &Inner,
    call: &Call<'_>,
    served: &Served,
) -> Result<Response<Bytes>, ScimError> {
    let body = json_body(call)?;
    let resource = ops::prepare_create(inner, served, body)?;
    let registry = &inner.config.registry;
    if let Some(v) = call.grant.visibility() {
        v.check_write(registry, &served.rt, &resource)?;
    }
    let forced = ops::mandatory_filter(registry, served, &call.grant)?;
    if !ops::in_scope(forced.as_ref(), &resource) {
        return Err(outside_grant());
    }
    ops::check_references(inner, call, ops::body_member_ids(&resource)).await?;
    let before = Before {
        operation: Operation::Create,
        resource_type: &served.rt.name,
        id: None,
        resource: Some(&resource),
        patch: None,
    };
    let wanted = served
        .group_links
        .as_ref()
        .and_then(|g| Some((g, memberships::listed(&resource)?)));
    if let Some((group_rt, wanted)) = &wanted {
        memberships::check_exist(inner, &call.ctx, group_rt, wanted).await?;
    }
    inner.before(call, &before).await?;
    let mut stored = inner.store.create(&call.ctx, &served.rt, resource).await?;
    if let Some((group_rt, wanted)) = &wanted {
        memberships::sync(inner, call, group_rt, &stored.id, &BTreeSet::new(), wanted).await?;
        stored = inner.store.get(&call.ctx, &served.rt, &stored.id).await?;
    }
    inner
        .committed(
            call,
            Operation::Create,
            &served.rt.name,
            &stored.id,
            Some(&stored.resource),
            || changed_attributes(None, Some(&stored.resource)),
        )
        .await;
    let location = ops::location(call, served, &stored.id);
    let mut resp = respond(inner, call, served, StatusCode::CREATED, stored)?;
    set_header(&mut resp, header::LOCATION, &location);
    Ok(resp)
}

/// `GET /{Endpoint}/{id}`.
pub(crate) async fn get(
    inner: &Inner,
    call: &Call<'_>,
    served: &Served,
    id: &str,
) -> Result<Response<Bytes>, ScimError> {
    let p = projection(call)?;
    let ctx = crate::store::RequestContext {
        skip_members: !ops::wants_members(&p.attributes, &p.excluded_attributes),
        ..call.ctx.clone()
    };
    let stored = inner.store.get(&ctx, &served.rt, id).await?;
    let forced = ops::mandatory_filter(&inner.config.registry, served, &call.grant)?;
    if !ops::in_scope(forced.as_ref(), &stored.resource) {
        return Err(not_found(id));
    }
    if tags(call, header::IF_NONE_MATCH).is_some_and(|t| t.matches(&stored.version)) {
        return Ok(with_etag(
            response::empty(StatusCode::NOT_MODIFIED),
            &stored,
        ));
    }
    respond(inner, call, served, StatusCode::OK, stored)
}

/// `PUT /{Endpoint}/{id}`.
pub(crate) async fn replace(
    inner: &Inner,
    call: &Call<'_>,
    served: &Served,
    id: &str,
) -> Result<Response<Bytes>, ScimError> {
    let mut body = json_body(call)?;
    let current = inner.store.get(&call.ctx, &served.rt, id).await?;
    let registry = &inner.config.registry;
    let forced = ops::mandatory_filter(registry, served, &call.grant)?;
    if !ops::in_scope(forced.as_ref(), &current.resource) {
        return Err(not_found(id));
    }
    if let Some(tags) = tags(call, header::IF_MATCH)
        && !tags.matches(&current.version)
    {
        return Err(precondition_failed(id, &current.version));
    }
    if let Some(v) = call.grant.visibility() {
        // Writing an invisible attribute is refused; the invisible attributes of the existing
        // resource are kept.
        v.check_write(registry, &served.rt, &body)?;
        let hidden = v.invisible(registry, &served.rt, &current.resource);
        crate::auth::merge_hidden(&mut body, hidden);
    }
    let resource = ops::prepare_replace(inner, served, id, body, &current.resource)?;
    if !ops::in_scope(forced.as_ref(), &resource) {
        return Err(outside_grant());
    }
    ops::check_references(inner, call, ops::body_member_ids(&resource)).await?;
    let before = Before {
        operation: Operation::Replace,
        resource_type: &served.rt.name,
        id: Some(id),
        resource: Some(&resource),
        patch: None,
    };
    // Memberships written through `groups` (absent: left as they are).
    let links = served.group_links.as_ref().and_then(|g| {
        let wanted = memberships::listed(&resource)?;
        let now = memberships::listed(&current.resource).unwrap_or_default();
        Some((g, now, wanted))
    });
    if let Some((group_rt, now, wanted)) = &links {
        memberships::check_exist(inner, &call.ctx, group_rt, wanted.difference(now)).await?;
    }
    inner.before(call, &before).await?;
    let mut stored = inner
        .store
        .replace(
            &call.ctx,
            &served.rt,
            id,
            resource,
            Precondition::Version(&current.version),
        )
        .await?;
    if let Some((group_rt, now, wanted)) = &links {
        memberships::sync(inner, call, group_rt, id, now, wanted).await?;
        stored = inner.store.get(&call.ctx, &served.rt, id).await?;
    }
    inner
        .committed(
            call,
            Operation::Replace,
            &served.rt.name,
            id,
            Some(&stored.resource),
            || changed_attributes(Some(&current.resource), Some(&stored.resource)),
        )
        .await;
    respond(inner, call, served, StatusCode::OK, stored)
}

/// `PATCH /{Endpoint}/{id}`.
pub(crate) async fn patch(
    inner: &Inner,
    call: &Call<'_>,
    served: &Served,
    id: &str,
) -> Result<Response<Bytes>, ScimError> {
    let body = json_body(call)?;
    let op = PatchOp::from_json(&body, inner.config.compat)?;
    let registry = &inner.config.registry;
    if let Some(v) = call.grant.visibility() {
        v.check_patch(registry, &served.rt, &op)?;
    }
    let forced = ops::mandatory_filter(registry, served, &call.grant)?;
    let planned = ops::patcher(inner, &served.rt, &op)?;
    let patcher = Guarded {
        patch: &planned,
        forced: forced.as_ref(),
        visibility: call
            .grant
            .visibility()
            .map(|v| (v, &**registry, &served.rt)),
        id,
    };
    let added = ops::patched_member_ids(&op);
    ops::check_references(inner, call, added.iter().map(String::as_str)).await?;
    let before = Before {
        operation: Operation::Patch,
        resource_type: &served.rt.name,
        id: Some(id),
        resource: None,
        patch: Some(&op),
    };
    inner.before(call, &before).await?;
    let expected = expected_version(inner, call, served, id).await?;
    let precondition = expected
        .as_deref()
        .map_or(Precondition::None, Precondition::Version);
    let (stored, changed) = match &served.group_links {
        None => {
            inner
                .store
                .patch(&call.ctx, &served.rt, id, &patcher, precondition)
                .await?
        }
        Some(group_rt) => {
            patch_with_memberships(inner, call, served, group_rt, id, &patcher, precondition)
                .await?
        }
    };
    if changed {
        inner
            .committed(
                call,
                Operation::Patch,
                &served.rt.name,
                id,
                Some(&stored.resource),
                || planned.changed_attributes(),
            )
            .await;
    }
    match inner.config.patch_response {
        PatchResponse::Resource => respond(inner, call, served, StatusCode::OK, stored),
        PatchResponse::NoContent => Ok(with_etag(response::empty(StatusCode::NO_CONTENT), &stored)),
    }
}

/// A PATCH of a type whose `groups` are writable: the group ids the patch would add are
/// checked first (a preview on the current resource), then the patch runs in the store and
/// the memberships follow the `groups` it left.
async fn patch_with_memberships(
    inner: &Inner,
    call: &Call<'_>,
    served: &Served,
    group_rt: &scim_core::registry::ResourceType,
    id: &str,
    patcher: &Guarded<'_>,
    precondition: Precondition<'_>,
) -> Result<(StoredResource, bool), ScimError> {
    let current = inner.store.get(&call.ctx, &served.rt, id).await?;
    let mut preview = serde_json::Value::clone(&current.resource);
    crate::store::Patcher::apply(patcher, &mut preview)?;
    let now = memberships::listed(&current.resource).unwrap_or_default();
    let wanted = memberships::listed(&preview).unwrap_or_default();
    memberships::check_exist(inner, &call.ctx, group_rt, wanted.difference(&now)).await?;
    let tracking = memberships::Tracking::new(patcher);
    let (mut stored, changed) = inner
        .store
        .patch(&call.ctx, &served.rt, id, &tracking, precondition)
        .await?;
    if let Some((before, after)) = tracking.seen()
        && before != after
    {
        memberships::sync(inner, call, group_rt, id, &before, &after).await?;
        stored = inner.store.get(&call.ctx, &served.rt, id).await?;
    }
    Ok((stored, changed))
}

/// `DELETE /{Endpoint}/{id}`.
pub(crate) async fn delete(
    inner: &Inner,
    call: &Call<'_>,
    served: &Served,
    id: &str,
) -> Result<Response<Bytes>, ScimError> {
    if let Some(forced) = ops::mandatory_filter(&inner.config.registry, served, &call.grant)? {
        let current = inner.store.get(&call.ctx, &served.rt, id).await?;
        if !ops::in_scope(Some(&forced), &current.resource) {
            return Err(not_found(id));
        }
    }
    let expected = expected_version(inner, call, served, id).await?;
    let precondition = expected
        .as_deref()
        .map_or(Precondition::None, Precondition::Version);
    let before = Before {
        operation: Operation::Delete,
        resource_type: &served.rt.name,
        id: Some(id),
        resource: None,
        patch: None,
    };
    inner.before(call, &before).await?;
    inner
        .store
        .delete(&call.ctx, &served.rt, id, precondition)
        .await?;
    inner
        .committed(call, Operation::Delete, &served.rt.name, id, None, Vec::new)
        .await;
    Ok(response::empty(StatusCode::NO_CONTENT))
}

/// A resource outside the caller's mandatory filter: absent, as far as the caller knows.
fn not_found(id: &str) -> ScimError {
    ScimError::not_found(format!("resource {id} not found"))
}

/// A write whose result would fall outside the caller's mandatory filter.
fn outside_grant() -> ScimError {
    ScimError::new(
        403,
        None,
        "the resource would fall outside what the caller may access",
    )
}

/// A planned PATCH under the caller's grant, checked inside the store's concurrency control:
/// the target must be inside the mandatory filter (else 404) and stay inside it (else 403), and
/// the attributes the caller cannot see must not change (else 403).
struct Guarded<'a> {
    patch: &'a ops::PlannedPatch<'a>,
    forced: Option<&'a scim_filter::CompiledFilter>,
    visibility: Option<(
        &'a crate::auth::Visibility,
        &'a scim_core::SchemaRegistry,
        &'a scim_core::registry::ResourceType,
    )>,
    id: &'a str,
}

impl crate::store::Patcher for Guarded<'_> {
    fn apply(&self, resource: &mut serde_json::Value) -> Result<bool, ScimError> {
        // In place, with the checks inside the patch's own transaction; nothing is kept
        // between requests here (one scan beats building an index used once).
        let applied = self.apply_in_place(resource, None, &mut |_| Ok(()))?;
        Ok(applied.changed)
    }

    /// None under a mandatory filter: a store that applies operations as deltas (a
    /// membership table) never loads the resource, so it could not check that the target is
    /// inside the filter. Such a patch goes through [`Guarded::apply`] instead.
    fn operations(&self) -> &[scim_core::message::PatchOperation] {
        if self.forced.is_some() {
            return &[];
        }
        self.patch.operations()
    }

    /// The target must be inside the mandatory filter; the result must stay inside it and
    /// show the caller's invisible attributes unchanged. Checked on the patched resource
    /// before the store commits.
    fn apply_in_place(
        &self,
        resource: &mut serde_json::Value,
        kept: Option<&mut scim_patch::KeptIndex>,
        check: &mut dyn FnMut(&serde_json::Value) -> Result<(), ScimError>,
    ) -> Result<crate::store::Applied, ScimError> {
        if !ops::in_scope(self.forced, resource) {
            return Err(not_found(self.id));
        }
        let before = self
            .visibility
            .map(|(v, registry, rt)| v.invisible(registry, rt, resource));
        self.patch.apply_in_place(resource, kept, &mut |next| {
            if let (Some(before), Some((v, registry, rt))) = (&before, self.visibility)
                && v.invisible(registry, rt, next) != *before
            {
                return Err(ScimError::new(
                    403,
                    None,
                    "the patch changes attributes the caller may not write",
                ));
            }
            if !ops::in_scope(self.forced, next) {
                return Err(outside_grant());
            }
            check(next)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::opaque_tag;

    #[test]
    fn weak_and_strong_tags_compare_by_value() {
        assert_eq!(opaque_tag("W/\"3\""), "3");
        assert_eq!(opaque_tag("\"3\""), "3");
        assert_eq!(opaque_tag(" w/\"abc\" "), "abc");
    }
}
