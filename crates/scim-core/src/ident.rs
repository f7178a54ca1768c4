//! Identifier newtypes: [`SchemaUri`] and [`AttributeName`], compared ASCII
//! case-insensitively (RFC 7643 §2.1, §3) and validated once, at construction.
//!
//! ```
//! use scim_core::ident::{AttributeName, SchemaUri};
//!
//! let uri: SchemaUri = "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER".parse().unwrap();
//! assert_eq!(uri, SchemaUri::USER);
//! assert_eq!(uri.as_str(), "urn:ietf:params:scim:schemas:core:2.0:User"); // registered spelling
//! let name: AttributeName = "UserName".parse().unwrap();
//! assert_eq!(name, "userName".parse::<AttributeName>().unwrap());
//! assert!("9lives".parse::<AttributeName>().is_err());
//! ```

use crate::schema::builtin;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

/// A schema URI (`urn:ietf:params:scim:schemas:core:2.0:User`), compared case-insensitively.
///
/// Registered URIs parse to their registered spelling; any other well-formed URI (an
/// extension of the host's) is kept as sent.
#[derive(Clone)]
pub struct SchemaUri(Cow<'static, str>);

/// Why a string is not a [`SchemaUri`]: empty, containing whitespace or control
/// characters, or without a `:` scheme separator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid schema URI")]
pub struct InvalidSchemaUri {
    _priv: (),
}

impl SchemaUri {
    /// `urn:ietf:params:scim:schemas:core:2.0:User` (RFC 7643 §4.1).
    pub const USER: SchemaUri = SchemaUri(Cow::Borrowed(builtin::USER_URN));
    /// `urn:ietf:params:scim:schemas:core:2.0:Group` (RFC 7643 §4.2).
    pub const GROUP: SchemaUri = SchemaUri(Cow::Borrowed(builtin::GROUP_URN));
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User` (RFC 7643 §4.3).
    pub const ENTERPRISE_USER: SchemaUri = SchemaUri(Cow::Borrowed(builtin::ENTERPRISE_USER_URN));
    /// The locker system's badge extension under its default URN.
    pub const BADGE: SchemaUri = SchemaUri(Cow::Borrowed(builtin::BADGE_URN));
    /// `urn:ietf:params:scim:schemas:core:2.0:Schema` (RFC 7643 §7).
    pub const SCHEMA: SchemaUri = SchemaUri(Cow::Borrowed(crate::schema::SCHEMA_SCHEMA_URN));
    /// `urn:ietf:params:scim:schemas:core:2.0:ResourceType` (RFC 7643 §6).
    pub const RESOURCE_TYPE: SchemaUri =
        SchemaUri(Cow::Borrowed(crate::registry::RESOURCE_TYPE_SCHEMA_URN));
    /// `urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig` (RFC 7643 §5).
    pub const SERVICE_PROVIDER_CONFIG: SchemaUri =
        SchemaUri(Cow::Borrowed(crate::discovery::SERVICE_PROVIDER_CONFIG_URN));
    /// `urn:ietf:params:scim:api:messages:2.0:ListResponse` (RFC 7644 §3.4.2).
    pub const LIST_RESPONSE: SchemaUri =
        SchemaUri(Cow::Borrowed(crate::message::LIST_RESPONSE_URN));
    /// `urn:ietf:params:scim:api:messages:2.0:SearchRequest` (RFC 7644 §3.4.3).
    pub const SEARCH_REQUEST: SchemaUri =
        SchemaUri(Cow::Borrowed(crate::message::SEARCH_REQUEST_URN));
    /// `urn:ietf:params:scim:api:messages:2.0:PatchOp` (RFC 7644 §3.5.2).
    pub const PATCH_OP: SchemaUri = SchemaUri(Cow::Borrowed(crate::message::PATCH_OP_URN));
    /// `urn:ietf:params:scim:api:messages:2.0:BulkRequest` (RFC 7644 §3.7).
    pub const BULK_REQUEST: SchemaUri = SchemaUri(Cow::Borrowed(crate::message::BULK_REQUEST_URN));
    /// `urn:ietf:params:scim:api:messages:2.0:BulkResponse` (RFC 7644 §3.7).
    pub const BULK_RESPONSE: SchemaUri =
        SchemaUri(Cow::Borrowed(crate::message::BULK_RESPONSE_URN));
    /// `urn:ietf:params:scim:api:messages:2.0:Error` (RFC 7644 §3.12).
    pub const ERROR: SchemaUri = SchemaUri(Cow::Borrowed(crate::error::ERROR_URN));

    const REGISTERED: [SchemaUri; 13] = [
        Self::USER,
        Self::GROUP,
        Self::ENTERPRISE_USER,
        Self::BADGE,
        Self::SCHEMA,
        Self::RESOURCE_TYPE,
        Self::SERVICE_PROVIDER_CONFIG,
        Self::LIST_RESPONSE,
        Self::SEARCH_REQUEST,
        Self::PATCH_OP,
        Self::BULK_REQUEST,
        Self::BULK_RESPONSE,
        Self::ERROR,
    ];

    /// The URI text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is one of the URIs registered by RFC 7643/7644 (or the badge extension).
    pub fn is_registered(&self) -> bool {
        Self::REGISTERED
            .iter()
            .any(|r| r.0.eq_ignore_ascii_case(&self.0))
    }
}

impl FromStr for SchemaUri {
    type Err = InvalidSchemaUri;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(r) = Self::REGISTERED
            .iter()
            .find(|r| r.0.eq_ignore_ascii_case(s))
        {
            return Ok(r.clone());
        }
        let well_formed = !s.is_empty()
            && s.contains(':')
            && !s.starts_with(':')
            && s.chars().all(|c| !c.is_whitespace() && !c.is_control());
        if well_formed {
            Ok(SchemaUri(Cow::Owned(s.to_owned())))
        } else {
            Err(InvalidSchemaUri { _priv: () })
        }
    }
}

impl TryFrom<&str> for SchemaUri {
    type Error = InvalidSchemaUri;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl PartialEq for SchemaUri {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl Eq for SchemaUri {}

impl PartialEq<str> for SchemaUri {
    fn eq(&self, other: &str) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }
}

impl Hash for SchemaUri {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_lowercase(&self.0, state);
    }
}

impl fmt::Debug for SchemaUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for SchemaUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for SchemaUri {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SchemaUri {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = Cow::<'de, str>::deserialize(deserializer)?;
        s.parse()
            .map_err(|_| serde::de::Error::custom(format!("invalid schema URI {s:?}")))
    }
}

/// An attribute name (RFC 7643 §2.1: `ALPHA *(nameChar)`, nameChar `-`, `_`, DIGIT, ALPHA;
/// plus the reserved `$ref`), compared case-insensitively and kept in the spelling given.
#[derive(Clone)]
pub struct AttributeName(Box<str>);

/// Why a string is not an [`AttributeName`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid attribute name")]
pub struct InvalidAttributeName {
    _priv: (),
}

impl AttributeName {
    /// The name as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `s` is a valid attribute name.
    pub fn is_valid(s: &str) -> bool {
        if s.eq_ignore_ascii_case("$ref") {
            return true;
        }
        let mut bytes = s.bytes();
        bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
            && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }
}

impl FromStr for AttributeName {
    type Err = InvalidAttributeName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if Self::is_valid(s) {
            Ok(AttributeName(s.into()))
        } else {
            Err(InvalidAttributeName { _priv: () })
        }
    }
}

impl TryFrom<&str> for AttributeName {
    type Error = InvalidAttributeName;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl PartialEq for AttributeName {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl Eq for AttributeName {}

impl PartialEq<str> for AttributeName {
    fn eq(&self, other: &str) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }
}

impl Hash for AttributeName {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_lowercase(&self.0, state);
    }
}

impl fmt::Debug for AttributeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for AttributeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for AttributeName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for AttributeName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = Cow::<'de, str>::deserialize(deserializer)?;
        s.parse()
            .map_err(|_| serde::de::Error::custom(format!("invalid attribute name {s:?}")))
    }
}

fn hash_lowercase<H: Hasher>(s: &str, state: &mut H) {
    for b in s.bytes() {
        state.write_u8(b.to_ascii_lowercase());
    }
    state.write_u8(0xff);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// One row per input: it parses, its accessors and `Display` give `$shown`, every
    /// alternative spelling compares (and hashes) equal, and `Display` re-parses equal.
    macro_rules! test_parse {
        ($($test:ident: $ty:ty, $input:expr => $shown:expr, [$($alt:expr),*];)*) => {$(
            #[test]
            fn $test() {
                let parsed: $ty = $input.parse().unwrap();
                assert_eq!(parsed.as_str(), $shown);
                assert_eq!(parsed.to_string(), $shown);
                let reparsed: $ty = parsed.to_string().parse().unwrap();
                assert_eq!(reparsed, parsed);
                let mut set = HashSet::new();
                set.insert(parsed.clone());
                $(
                    let alt: $ty = $alt.parse().unwrap();
                    assert_eq!(alt, parsed, "{} vs {}", $alt, $input);
                    assert!(set.contains(&alt), "hash of {}", $alt);
                )*
                let json = serde_json::to_value(&parsed).unwrap();
                assert_eq!(serde_json::from_value::<$ty>(json).unwrap(), parsed);
            }
        )*};
    }

    test_parse! {
        user_uri: SchemaUri, "urn:ietf:params:scim:schemas:core:2.0:User"
            => builtin::USER_URN, ["URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER"];
        user_uri_in_odd_case_gets_registered_spelling: SchemaUri,
            "urn:ietf:params:scim:schemas:core:2.0:user" => builtin::USER_URN, [];
        enterprise_uri: SchemaUri, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user"
            => builtin::ENTERPRISE_USER_URN, [];
        host_extension_uri: SchemaUri, "urn:example:locker:2.0:Badge"
            => "urn:example:locker:2.0:Badge", ["URN:EXAMPLE:LOCKER:2.0:BADGE"];
        microsoft_uri: SchemaUri,
            "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
            => "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group", [];
        user_name: AttributeName, "userName" => "userName", ["USERNAME", "username"];
        ref_name: AttributeName, "$ref" => "$ref", ["$REF"];
        dashed_name: AttributeName, "x-custom_1" => "x-custom_1", ["X-CUSTOM_1"];
    }

    #[test]
    fn invalid_identifiers() {
        for s in ["", "no-colon", ":x", "urn:a b", "urn:a\n"] {
            assert!(s.parse::<SchemaUri>().is_err(), "{s:?}");
        }
        for s in ["", "1st", "-a", "a.b", "a b", "$refs", "ä"] {
            assert!(s.parse::<AttributeName>().is_err(), "{s:?}");
        }
        assert_eq!(
            "x".parse::<AttributeName>().map(|n| n.to_string()),
            Ok("x".to_owned())
        );
        assert!(SchemaUri::USER.is_registered());
        assert!(!"urn:x:y".parse::<SchemaUri>().unwrap().is_registered());
        assert_eq!(
            SchemaUri::PATCH_OP,
            *"urn:ietf:params:scim:api:messages:2.0:patchop"
        );
    }
}
