//! `POST /Bulk` (RFC 7644 §3.7).
//!
//! Each operation runs through the engine itself, as a request of its own with the caller's
//! credentials, so it behaves exactly as if sent alone and is atomic on its own (Bulk as a
//! whole is not, per the RFC). `bulkId:` references in paths and data resolve to the ids of
//! resources created earlier in the request; an operation whose references are not resolved
//! yet waits for a later pass, so operations may come in any order.

use crate::engine::{Call, ScimServer, json_body};
use crate::response;
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use scim_core::message::bulk::{
    BulkMethod, BulkOperation, BulkOperationResponse, BulkRequest, BulkResponse,
};
use scim_core::{ScimError, ScimType};
use serde_json::Value;
use std::collections::HashMap;

/// Bulk settings (advertised in `/ServiceProviderConfig`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkConfig {
    /// Whether `/Bulk` is served.
    pub supported: bool,
    /// The most operations one request may carry (`maxOperations`; more answers 413).
    pub max_operations: usize,
    /// The largest request body, in bytes (`maxPayloadSize`; larger answers 413).
    pub max_payload_size: usize,
}

impl Default for BulkConfig {
    fn default() -> Self {
        BulkConfig {
            supported: true,
            max_operations: 1000,
            max_payload_size: 1 << 20,
        }
    }
}

const PREFIX: &str = "bulkId:";

/// The bulkIds a value or path refers to.
fn references(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => {
            if let Some(id) = s.strip_prefix(PREFIX) {
                out.push(id.to_owned());
            }
        }
        Value::Array(items) => items.iter().for_each(|i| references(i, out)),
        Value::Object(m) => m.values().for_each(|i| references(i, out)),
        _ => {}
    }
}

fn path_references(path: &str, out: &mut Vec<String>) {
    for seg in path.split('/') {
        if let Some(id) = seg.strip_prefix(PREFIX) {
            out.push(id.to_owned());
        }
    }
}

fn substitute(v: &mut Value, ids: &HashMap<String, String>) {
    match v {
        Value::String(s) => {
            if let Some(id) = s.strip_prefix(PREFIX).and_then(|b| ids.get(b)) {
                *s = id.clone();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| substitute(i, ids)),
        Value::Object(m) => m.values_mut().for_each(|i| substitute(i, ids)),
        _ => {}
    }
}

fn substitute_path(path: &str, ids: &HashMap<String, String>) -> String {
    path.split('/')
        .map(
            |seg| match seg.strip_prefix(PREFIX).and_then(|b| ids.get(b)) {
                Some(id) => id.as_str(),
                None => seg,
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

fn method(m: BulkMethod) -> Method {
    match m {
        BulkMethod::Post => Method::POST,
        BulkMethod::Put => Method::PUT,
        BulkMethod::Patch => Method::PATCH,
        BulkMethod::Delete => Method::DELETE,
    }
}

/// Handles `POST /Bulk`.
pub(crate) async fn bulk(
    server: &ScimServer,
    call: &Call<'_>,
) -> Result<Response<Bytes>, ScimError> {
    let config = server.config();
    let limits = config.bulk;
    if !limits.supported {
        return Err(ScimError::new(
            501,
            None,
            "Bulk is not supported by this service provider",
        ));
    }
    if call.body.len() > limits.max_payload_size {
        return Err(ScimError::new(
            413,
            None,
            format!(
                "the bulk request exceeds maxPayloadSize ({} bytes)",
                limits.max_payload_size
            ),
        ));
    }
    let body = json_body(call)?;
    let request: BulkRequest = serde_json::from_value(body).map_err(|e| {
        ScimError::bad_request(
            ScimType::InvalidSyntax,
            format!("malformed BulkRequest: {e}"),
        )
    })?;
    if request.operations.len() > limits.max_operations {
        return Err(ScimError::new(
            413,
            None,
            format!(
                "the bulk request has {} operations; maxOperations is {}",
                request.operations.len(),
                limits.max_operations
            ),
        ));
    }
    // bulkIds defined by the request: references to anything else can never resolve.
    let defined: Vec<&str> = request
        .operations
        .iter()
        .filter_map(|o| o.bulk_id.as_deref())
        .collect();
    let fail_on_errors = request.fail_on_errors.map(|n| n.max(1) as usize);
    let mut ids: HashMap<String, String> = HashMap::new();
    let mut results: Vec<Option<BulkOperationResponse>> = vec![None; request.operations.len()];
    let mut pending: Vec<usize> = (0..request.operations.len()).collect();
    let mut errors = 0;
    'passes: while !pending.is_empty() {
        let mut deferred = Vec::new();
        let mut progressed = false;
        for &i in &pending {
            let Some(op) = request.operations.get(i) else {
                continue;
            };
            let mut refs = Vec::new();
            path_references(&op.path, &mut refs);
            if let Some(data) = &op.data {
                references(data, &mut refs);
            }
            if let Some(unknown) = refs.iter().find(|r| !defined.contains(&r.as_str())) {
                let err = ScimError::bad_request(
                    ScimType::InvalidValue,
                    format!("bulkId {unknown:?} is not defined in this request"),
                );
                set(
                    &mut results,
                    i,
                    Some(BulkOperationResponse::error(
                        op.method,
                        op.bulk_id.clone(),
                        &err,
                    )),
                );
                errors += 1;
            } else if refs.iter().any(|r| !ids.contains_key(r)) {
                deferred.push(i);
                continue;
            } else {
                let result = run(server, call, op, &ids).await;
                if (200..300).contains(&result.status) {
                    if let (Some(bulk_id), Some(id)) = (&op.bulk_id, created_id(&result)) {
                        ids.insert(bulk_id.clone(), id);
                    }
                } else {
                    errors += 1;
                }
                set(&mut results, i, Some(result));
            }
            progressed = true;
            if fail_on_errors.is_some_and(|max| errors >= max) {
                break 'passes;
            }
        }
        if !progressed {
            // What is left refers to operations that failed or to each other in a cycle.
            for &i in &deferred {
                if let Some(op) = request.operations.get(i) {
                    let err = ScimError::new(
                        409,
                        Some(ScimType::InvalidValue),
                        "a bulkId this operation refers to could not be resolved (failed or circular)",
                    );
                    set(
                        &mut results,
                        i,
                        Some(BulkOperationResponse::error(
                            op.method,
                            op.bulk_id.clone(),
                            &err,
                        )),
                    );
                }
            }
            break;
        }
        pending = deferred;
    }
    let body = BulkResponse::new(results.into_iter().flatten().collect());
    Ok(response::json(
        StatusCode::OK,
        &serde_json::to_value(&body).unwrap_or(Value::Null),
    ))
}

fn set(results: &mut [Option<BulkOperationResponse>], i: usize, r: Option<BulkOperationResponse>) {
    if let Some(slot) = results.get_mut(i) {
        *slot = r;
    }
}

/// The id of the resource an operation created, from its `Location`.
fn created_id(result: &BulkOperationResponse) -> Option<String> {
    let loc = result.location.as_deref()?;
    loc.rsplit('/').next().map(str::to_owned)
}

/// Runs one operation through the engine.
async fn run(
    server: &ScimServer,
    call: &Call<'_>,
    op: &BulkOperation,
    ids: &HashMap<String, String>,
) -> BulkOperationResponse {
    let fail = |e: ScimError| BulkOperationResponse::error(op.method, op.bulk_id.clone(), &e);
    let path = substitute_path(&op.path, ids);
    let endpoint = path.trim_start_matches('/').split('/').next().unwrap_or("");
    if !path.starts_with('/') || endpoint.is_empty() || endpoint.eq_ignore_ascii_case("Bulk") {
        return fail(ScimError::bad_request(
            ScimType::InvalidPath,
            format!("{:?} is not a resource path", op.path),
        ));
    }
    let mut data = op.data.clone();
    if let Some(d) = &mut data {
        substitute(d, ids);
    }
    let config = server.config();
    let uri = format!("{}{}", config.base_path.trim_end_matches('/'), path);
    let mut builder = Request::builder()
        .method(method(op.method))
        .uri(uri.as_str());
    for name in [header::AUTHORIZATION, header::HOST] {
        if let Some(v) = call.parts.headers.get(&name) {
            builder = builder.header(name, v.clone());
        }
    }
    if let Some(version) = &op.version {
        builder = builder.header(header::IF_MATCH, version.as_str());
    }
    let body = match &data {
        Some(d) => {
            builder = builder.header(header::CONTENT_TYPE, response::SCIM_JSON);
            Bytes::from(d.to_string())
        }
        None => Bytes::new(),
    };
    let Ok(req) = builder.body(body) else {
        return fail(ScimError::bad_request(
            ScimType::InvalidPath,
            format!("{:?} is not a valid path", op.path),
        ));
    };
    // A bulk operation is a request like any other (but cannot nest another Bulk).
    let resp = server.handle_bulk_operation(req).await;
    let status = resp.status().as_u16();
    let header = |name: header::HeaderName| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let version = header(header::ETAG);
    let location = header(header::LOCATION).or_else(|| {
        (op.method != BulkMethod::Delete && (200..300).contains(&status))
            .then(|| format!("{}{}", call.base_url, path))
    });
    let response = (!(200..300).contains(&status))
        .then(|| serde_json::from_slice::<Value>(resp.body()).ok())
        .flatten();
    BulkOperationResponse {
        method: op.method,
        bulk_id: op.bulk_id.clone(),
        version,
        location,
        status,
        response,
    }
}
