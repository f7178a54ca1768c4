//! The discovery endpoints (RFC 7644 §4), generated from the configuration that enforces
//! behaviour, so they cannot lie.

use crate::engine::{Call, Inner};
use crate::response;
use bytes::Bytes;
use http::{Response, StatusCode};
use scim_core::{Schema, ScimError};
use serde_json::{Value, json};

const SPC_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const LIST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// `GET /ServiceProviderConfig`.
pub(crate) fn service_provider_config(inner: &Inner, call: &Call<'_>) -> Response<Bytes> {
    let patch = inner.served.iter().any(|s| s.caps.patch);
    let schemes: Vec<Value> = inner
        .auth
        .schemes()
        .into_iter()
        .map(|(type_, name, description)| json!({"type": type_, "name": name, "description": description}))
        .collect();
    let body = json!({
        "schemas": [SPC_URN],
        "documentationUri": "https://www.rfc-editor.org/rfc/rfc7644",
        "patch": {"supported": patch},
        "bulk": {
            "supported": inner.config.bulk.supported,
            "maxOperations": if inner.config.bulk.supported { inner.config.bulk.max_operations } else { 0 },
            "maxPayloadSize": if inner.config.bulk.supported { inner.config.bulk.max_payload_size } else { 0 },
        },
        "filter": {"supported": true, "maxResults": inner.config.max_results},
        "changePassword": {"supported": false},
        "sort": {"supported": true},
        "etag": {"supported": true},
        "authenticationSchemes": schemes,
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{}/ServiceProviderConfig", call.base_url),
        },
    });
    response::json(StatusCode::OK, &body)
}

/// The schemas the served resource types use (core and extensions), each once.
fn served_schemas(inner: &Inner) -> Vec<&Schema> {
    let registry = &inner.config.registry;
    let mut out: Vec<&Schema> = Vec::new();
    for s in &inner.served {
        let core = registry.core_schema(&s.rt).into_iter();
        let ext = registry.extensions(&s.rt).map(|(schema, _)| schema);
        for schema in core.chain(ext) {
            if !out.iter().any(|o| o.id == schema.id) {
                out.push(schema);
            }
        }
    }
    out
}

fn list_response(resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_URN],
        "totalResults": resources.len(),
        "startIndex": 1,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

/// `GET /Schemas` and `GET /Schemas/{urn}`, narrowed to what the caller's schema scopes
/// let it see: a schema it sees nothing of is absent, one it sees part of lists that part.
pub(crate) fn schemas(
    inner: &Inner,
    call: &Call<'_>,
    id: Option<&str>,
) -> Result<Response<Bytes>, ScimError> {
    let visibility = inner
        .authorizer
        .discovery_visibility(&call.ctx, &inner.config.registry);
    let visibility = visibility.as_ref();
    let represent = |s: &Schema| {
        let url = format!("{}/Schemas/{}", call.base_url, s.id);
        match visibility {
            Some(v) if !v.sees_schema(&s.id) => {
                let mut seen = s.clone();
                seen.attributes.retain(|a| v.sees(&s.id, &a.name));
                seen.to_representation(Some(&url))
            }
            _ => s.to_representation(Some(&url)),
        }
    };
    let all = served_schemas(inner)
        .into_iter()
        .filter(|s| visibility.is_none_or(|v| v.sees_some_of(&s.id)));
    match id {
        None => Ok(response::json(
            StatusCode::OK,
            &list_response(all.map(represent).collect()),
        )),
        Some(id) => all
            .into_iter()
            .find(|s| s.id.eq_ignore_ascii_case(id))
            .map(|s| response::json(StatusCode::OK, &represent(s)))
            .ok_or_else(|| ScimError::not_found(format!("no schema {id}"))),
    }
}

/// `GET /ResourceTypes` and `GET /ResourceTypes/{name}`.
pub(crate) fn resource_types(
    inner: &Inner,
    call: &Call<'_>,
    name: Option<&str>,
) -> Result<Response<Bytes>, ScimError> {
    let visibility = inner
        .authorizer
        .discovery_visibility(&call.ctx, &inner.config.registry);
    let visibility = visibility.as_ref();
    let represent = |s: &crate::engine::Served| {
        let mut rt = s.rt.to_representation(Some(&format!(
            "{}/ResourceTypes/{}",
            call.base_url, s.rt.name
        )));
        // Extensions the caller sees nothing of are not announced.
        if let Some(v) = visibility
            && let Some(exts) = rt.get_mut("schemaExtensions").and_then(Value::as_array_mut)
        {
            exts.retain(|e| e["schema"].as_str().is_some_and(|u| v.sees_some_of(u)));
        }
        rt
    };
    match name {
        None => Ok(response::json(
            StatusCode::OK,
            &list_response(inner.served.iter().map(represent).collect()),
        )),
        Some(name) => inner
            .served
            .iter()
            .find(|s| {
                s.rt.name.eq_ignore_ascii_case(name)
                    || s.rt
                        .id
                        .as_deref()
                        .is_some_and(|i| i.eq_ignore_ascii_case(name))
            })
            .map(|s| response::json(StatusCode::OK, &represent(s)))
            .ok_or_else(|| ScimError::not_found(format!("no resource type {name}"))),
    }
}
