//! Building `application/scim+json` responses and SCIM error bodies.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use scim_core::ScimError;
use serde_json::Value;

/// The SCIM media type (RFC 7644 §3.1).
pub const SCIM_JSON: &str = "application/scim+json";

/// A response with a JSON body and the SCIM content type.
pub(crate) fn json(status: StatusCode, body: &Value) -> Response<Bytes> {
    serialized(status, body)
}

/// A response with the SCIM content type and `body` serialized as compact JSON.
pub(crate) fn serialized(status: StatusCode, body: &impl serde::Serialize) -> Response<Bytes> {
    let mut bytes = Vec::with_capacity(1024);
    // Serializing JSON values and plain structs into a `Vec` cannot fail.
    let _ = serde_json::to_writer(&mut bytes, body);
    let mut resp = Response::new(Bytes::from(bytes));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    resp
}

/// An RFC 7644 §3.12 error response.
pub(crate) fn error(err: &ScimError) -> Response<Bytes> {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_value(err).unwrap_or(Value::Null);
    json(status, &body)
}

/// An empty response (e.g. `204 No Content`).
pub(crate) fn empty(status: StatusCode) -> Response<Bytes> {
    let mut resp = Response::new(Bytes::new());
    *resp.status_mut() = status;
    resp
}

/// Sets a header from a string, skipping values that are not valid header text.
pub(crate) fn set_header(resp: &mut Response<Bytes>, name: header::HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(name, v);
    }
}
