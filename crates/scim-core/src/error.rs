//! The RFC 7644 §3.12 error response: an HTTP status, an optional `scimType` and a detail.
//!
//! ```
//! use scim_core::{ScimError, ScimType};
//!
//! let err = ScimError::conflict(ScimType::Uniqueness, "userName \"bjensen\" is taken");
//! let json = serde_json::to_value(&err).unwrap();
//! assert_eq!(json["status"], "409"); // a string on the wire
//! assert_eq!(json["scimType"], "uniqueness");
//! assert_eq!(json["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error");
//! ```

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The schema URN of SCIM error responses.
pub const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// The `scimType` detail error keyword (RFC 7644 §3.12, Table 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum ScimType {
    /// `invalidFilter` (400): the filter syntax is invalid or the filter is not supported.
    InvalidFilter,
    /// `tooMany` (400): the filter yields more results than the server will return.
    TooMany,
    /// `uniqueness` (409): one or more unique attribute values are in use.
    Uniqueness,
    /// `mutability` (400): the request tries to change an immutable or read-only attribute.
    Mutability,
    /// `invalidSyntax` (400): the request body is not a valid SCIM message.
    InvalidSyntax,
    /// `invalidPath` (400): a PATCH path is invalid or names an unknown attribute.
    InvalidPath,
    /// `noTarget` (400): a PATCH path matched nothing.
    NoTarget,
    /// `invalidValue` (400): a value is missing, of the wrong type, or not allowed.
    InvalidValue,
    /// `invalidVers` (400): the SCIM protocol version is not supported.
    InvalidVers,
    /// `sensitive` (403): the request cannot be completed because of sensitive data in the URI.
    Sensitive,
}

impl ScimType {
    /// The wire keyword, e.g. `"invalidFilter"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ScimType::InvalidFilter => "invalidFilter",
            ScimType::TooMany => "tooMany",
            ScimType::Uniqueness => "uniqueness",
            ScimType::Mutability => "mutability",
            ScimType::InvalidSyntax => "invalidSyntax",
            ScimType::InvalidPath => "invalidPath",
            ScimType::NoTarget => "noTarget",
            ScimType::InvalidValue => "invalidValue",
            ScimType::InvalidVers => "invalidVers",
            ScimType::Sensitive => "sensitive",
        }
    }

    /// The HTTP status the RFC pairs with this keyword.
    pub fn status(self) -> u16 {
        match self {
            ScimType::Uniqueness => 409,
            ScimType::Sensitive => 403,
            _ => 400,
        }
    }
}

impl fmt::Display for ScimType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A SCIM error: both a Rust error and the RFC 7644 §3.12 JSON body.
///
/// `status` is serialized as a string (as the RFC's examples show) and parsed from a string
/// or a number (some servers send a number).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.display())]
pub struct ScimError {
    status: u16,
    scim_type: Option<ScimType>,
    detail: String,
}

impl ScimError {
    /// An error with the given HTTP status, optional `scimType` and detail.
    pub fn new(status: u16, scim_type: Option<ScimType>, detail: impl Into<String>) -> Self {
        ScimError {
            status,
            scim_type,
            detail: detail.into(),
        }
    }

    /// A 400 with the given `scimType`.
    pub fn bad_request(scim_type: ScimType, detail: impl Into<String>) -> Self {
        Self::new(400, Some(scim_type), detail)
    }

    /// A 409 with the given `scimType` (usually [`ScimType::Uniqueness`]).
    pub fn conflict(scim_type: ScimType, detail: impl Into<String>) -> Self {
        Self::new(409, Some(scim_type), detail)
    }

    /// An error whose status is the one the RFC pairs with `scim_type`.
    pub fn of(scim_type: ScimType, detail: impl Into<String>) -> Self {
        Self::new(scim_type.status(), Some(scim_type), detail)
    }

    /// A 404 without `scimType`.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(404, None, detail)
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The `scimType` keyword, if any.
    pub fn scim_type(&self) -> Option<ScimType> {
        self.scim_type
    }

    /// The human-readable detail.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    fn display(&self) -> String {
        match self.scim_type {
            Some(t) => format!("{} {}: {}", self.status, t, self.detail),
            None => format!("{}: {}", self.status, self.detail),
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire<S> {
    #[serde(default)]
    schemas: Vec<String>,
    status: S,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scim_type: Option<ScimType>,
    #[serde(default)]
    detail: Option<String>,
}

impl Serialize for ScimError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Wire {
            schemas: vec![ERROR_URN.to_owned()],
            status: self.status.to_string(),
            scim_type: self.scim_type,
            detail: Some(self.detail.clone()),
        }
        .serialize(serializer)
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum StatusRepr {
    Number(u16),
    Text(String),
}

impl<'de> Deserialize<'de> for ScimError {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = Wire::<StatusRepr>::deserialize(deserializer)?;
        let status = match wire.status {
            StatusRepr::Number(n) => n,
            StatusRepr::Text(t) => t
                .trim()
                .parse()
                .map_err(|_| serde::de::Error::custom(format!("invalid status {t:?}")))?,
        };
        Ok(ScimError {
            status,
            scim_type: wire.scim_type,
            detail: wire.detail.unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_string_and_numeric_status() {
        let a: ScimError = serde_json::from_str(
            r#"{"schemas":[],"status":"400","scimType":"invalidFilter","detail":"x"}"#,
        )
        .unwrap();
        let b: ScimError = serde_json::from_str(r#"{"status":404,"detail":"gone"}"#).unwrap();
        assert_eq!(a.status(), 400);
        assert_eq!(a.scim_type(), Some(ScimType::InvalidFilter));
        assert_eq!(b.status(), 404);
        assert_eq!(b.to_string(), "404: gone");
        assert_eq!(a.to_string(), "400 invalidFilter: x");
    }

    #[test]
    fn round_trips_every_keyword() {
        for t in [
            ScimType::InvalidFilter,
            ScimType::TooMany,
            ScimType::Uniqueness,
            ScimType::Mutability,
            ScimType::InvalidSyntax,
            ScimType::InvalidPath,
            ScimType::NoTarget,
            ScimType::InvalidValue,
            ScimType::InvalidVers,
            ScimType::Sensitive,
        ] {
            let e = ScimError::of(t, "d");
            let json = serde_json::to_string(&e).unwrap();
            assert!(json.contains(&format!("\"scimType\":\"{}\"", t.as_str())));
            assert_eq!(serde_json::from_str::<ScimError>(&json).unwrap(), e);
        }
    }
}
