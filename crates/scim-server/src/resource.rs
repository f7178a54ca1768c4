//! Create, read, replace, patch and delete of one resource.

use crate::config::PatchResponse;
use crate::engine::{Call, Inner, Served, json_body};
use crate::ops;
use crate::query::ListQuery;
use crate::response::{self, set_header};
use crate::store::{Precondition, StoredResource};
use bytes::Bytes;
use http::{Response, StatusCode, header};
use scim_core::ScimError;
use scim_core::message::PatchOp;

/// The `attributes`/`excludedAttributes` of the query string (RFC 7644 §3.9 applies them to
/// every operation that returns a resource).
fn projection(call: &Call<'_>) -> Result<ListQuery, ScimError> {
    ListQuery::try_from_query(call.parts.uri.query())
}

/// Parses `If-Match` into a precondition. `*` and absence mean none; weak and strong tags
/// compare by their opaque value (weak comparison, RFC 7232 §2.3.2).
fn if_match(call: &Call<'_>) -> Option<String> {
    let raw = call
        .parts
        .headers
        .get(header::IF_MATCH)?
        .to_str()
        .ok()?
        .trim();
    if raw == "*" || raw.is_empty() {
        return None;
    }
    let first = raw.split(',').next().unwrap_or(raw).trim();
    Some(opaque_tag(first).to_owned())
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
    let body = ops::output(call, served, &projection, stored.resource.clone());
    Ok(with_etag(response::json(status, &body), &stored))
}

/// `POST /{Endpoint}`.
pub(crate) async fn create(
    inner: &Inner,
    call: &Call<'_>,
    served: &Served,
) -> Result<Response<Bytes>, ScimError> {
    let body = json_body(call)?;
    let resource = ops::prepare_create(inner, served, body)?;
    ops::check_references(inner, call, ops::body_member_ids(&resource)).await?;
    let stored = inner.store.create(&call.ctx, &served.rt, resource).await?;
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
    respond(inner, call, served, StatusCode::OK, stored)
}

/// `PUT /{Endpoint}/{id}`.
pub(crate) async fn replace(
    inner: &Inner,
    call: &Call<'_>,
    served: &Served,
    id: &str,
) -> Result<Response<Bytes>, ScimError> {
    let body = json_body(call)?;
    let expected = if_match(call);
    let current = inner.store.get(&call.ctx, &served.rt, id).await?;
    if let Some(v) = &expected
        && *v != current.version
    {
        return Err(ScimError::new(
            412,
            None,
            format!("resource {id} has changed (version {})", current.version),
        ));
    }
    let resource = ops::prepare_replace(inner, served, id, body, &current.resource)?;
    ops::check_references(inner, call, ops::body_member_ids(&resource)).await?;
    let stored = inner
        .store
        .replace(
            &call.ctx,
            &served.rt,
            id,
            resource,
            Precondition::Version(&current.version),
        )
        .await?;
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
    let patcher = ops::patcher(inner, served, &op)?;
    let added = ops::patched_member_ids(&op);
    ops::check_references(inner, call, added.iter().map(String::as_str)).await?;
    let expected = if_match(call);
    let precondition = expected
        .as_deref()
        .map_or(Precondition::None, Precondition::Version);
    let (stored, _changed) = inner
        .store
        .patch(&call.ctx, &served.rt, id, &patcher, precondition)
        .await?;
    match inner.config.patch_response {
        PatchResponse::Resource => respond(inner, call, served, StatusCode::OK, stored),
        PatchResponse::NoContent => Ok(with_etag(response::empty(StatusCode::NO_CONTENT), &stored)),
    }
}

/// `DELETE /{Endpoint}/{id}`.
pub(crate) async fn delete(
    inner: &Inner,
    call: &Call<'_>,
    served: &Served,
    id: &str,
) -> Result<Response<Bytes>, ScimError> {
    let expected = if_match(call);
    let precondition = expected
        .as_deref()
        .map_or(Precondition::None, Precondition::Version);
    inner
        .store
        .delete(&call.ctx, &served.rt, id, precondition)
        .await?;
    Ok(response::empty(StatusCode::NO_CONTENT))
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
