//! The Bulk messages (RFC 7644 §3.7).

use crate::error::ScimError;
use serde::de::Deserializer;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The BulkRequest message schema URN.
pub const BULK_REQUEST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
/// The BulkResponse message schema URN.
pub const BULK_RESPONSE_URN: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

/// The HTTP method of a bulk operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum BulkMethod {
    /// `POST`: create.
    Post,
    /// `PUT`: replace.
    Put,
    /// `PATCH`: modify.
    Patch,
    /// `DELETE`: delete.
    Delete,
}

impl BulkMethod {
    /// The method name, upper case.
    pub fn as_str(self) -> &'static str {
        match self {
            BulkMethod::Post => "POST",
            BulkMethod::Put => "PUT",
            BulkMethod::Patch => "PATCH",
            BulkMethod::Delete => "DELETE",
        }
    }
}

impl<'de> Deserialize<'de> for BulkMethod {
    /// Any case is accepted.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        [
            BulkMethod::Post,
            BulkMethod::Put,
            BulkMethod::Patch,
            BulkMethod::Delete,
        ]
        .into_iter()
        .find(|m| m.as_str().eq_ignore_ascii_case(&s))
        .ok_or_else(|| serde::de::Error::custom(format!("unknown bulk method {s:?}")))
    }
}

/// One operation of a BulkRequest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkOperation {
    /// The method.
    pub method: BulkMethod,
    /// The client's temporary id (required for POST), referenced as `bulkId:<id>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_id: Option<String>,
    /// The expected version (ETag) of the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The resource path relative to the base URL, e.g. `/Users` or `/Groups/{id}`.
    pub path: String,
    /// The body: a resource for POST/PUT, a PatchOp for PATCH.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

/// A BulkRequest (RFC 7644 §3.7).
///
/// ```
/// use scim_core::message::{BulkMethod, BulkRequest};
///
/// let req: BulkRequest = serde_json::from_value(serde_json::json!({
///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
///     "failOnErrors": 1,
///     "Operations": [{"method": "post", "path": "/Users", "bulkId": "qwerty",
///                     "data": {"userName": "Alice"}}]
/// })).unwrap();
/// assert_eq!(req.operations[0].method, BulkMethod::Post);
/// assert_eq!(req.fail_on_errors, Some(1));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkRequest {
    /// `[BULK_REQUEST_URN]`.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// Stop after this many errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_on_errors: Option<u32>,
    /// The operations, in order.
    #[serde(rename = "Operations", alias = "operations")]
    pub operations: Vec<BulkOperation>,
}

impl BulkRequest {
    /// A request with the given operations.
    pub fn new(operations: Vec<BulkOperation>) -> Self {
        BulkRequest {
            schemas: vec![BULK_REQUEST_URN.to_owned()],
            fail_on_errors: None,
            operations,
        }
    }
}

/// The result of one bulk operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkOperationResponse {
    /// The method of the operation.
    pub method: BulkMethod,
    /// The operation's `bulkId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_id: Option<String>,
    /// The new version of the resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The resource's URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The HTTP status, a string on the wire (`"201"`); numbers are accepted on input.
    #[serde(with = "status")]
    pub status: u16,
    /// The error (or, optionally, the resource) for this operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
}

impl BulkOperationResponse {
    /// A failed operation with the SCIM error as its response.
    pub fn error(method: BulkMethod, bulk_id: Option<String>, error: &ScimError) -> Self {
        BulkOperationResponse {
            method,
            bulk_id,
            version: None,
            location: None,
            status: error.status(),
            response: serde_json::to_value(error).ok(),
        }
    }
}

/// A BulkResponse (RFC 7644 §3.7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulkResponse {
    /// `[BULK_RESPONSE_URN]`.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// One result per processed operation.
    #[serde(rename = "Operations", alias = "operations", default)]
    pub operations: Vec<BulkOperationResponse>,
}

impl BulkResponse {
    /// A response with the given results.
    pub fn new(operations: Vec<BulkOperationResponse>) -> Self {
        BulkResponse {
            schemas: vec![BULK_RESPONSE_URN.to_owned()],
            operations,
        }
    }
}

mod status {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(s: &u16, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&s.to_string())
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        N(u16),
        S(String),
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u16, D::Error> {
        match Repr::deserialize(d)? {
            Repr::N(n) => Ok(n),
            Repr::S(s) => s
                .trim()
                .parse()
                .map_err(|_| serde::de::Error::custom(format!("invalid status {s:?}"))),
        }
    }
}
