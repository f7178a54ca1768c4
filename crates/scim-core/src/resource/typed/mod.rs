//! Typed views of the standard resources and extensions.
//!
//! Every optional attribute is a [`Field`], so "not sent", "sent as `null`" and "set" stay
//! apart; every struct has an `extra` map that keeps attributes (and extensions) it does
//! not model, in order, so converting generic → typed → generic never loses data.

mod badge;
mod enterprise;
mod group;
mod user;

pub use badge::{Badge, BadgeBuilder, BadgeItem};
pub use enterprise::{EnterpriseUser, EnterpriseUserBuilder, Manager};
pub use group::{Group, GroupBuilder};
pub use user::{Address, Name, User, UserBuilder};

use super::Field;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One item of a multi-valued attribute with the standard sub-attributes (RFC 7643 §2.4):
/// `emails`, `phoneNumbers`, `ims`, `photos`, `entitlements`, `roles`, `x509Certificates`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MultiValue {
    /// The value (`"bjensen@example.com"`).
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub value: Field<String>,
    /// A human-readable name.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub display: Field<String>,
    /// The label (`"work"`, `"home"`).
    #[serde(default, rename = "type", skip_serializing_if = "Field::is_absent")]
    pub type_: Field<String>,
    /// Whether this is the preferred value.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub primary: Field<bool>,
    /// Sub-attributes this model does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl MultiValue {
    /// An item with the given value.
    pub fn new(value: impl Into<String>) -> Self {
        MultiValue {
            value: Field::Value(value.into()),
            ..MultiValue::default()
        }
    }

    /// Sets the type.
    #[must_use]
    pub fn with_type(mut self, type_: impl Into<String>) -> Self {
        self.type_ = Field::Value(type_.into());
        self
    }

    /// Sets `primary`.
    #[must_use]
    pub fn with_primary(mut self, primary: bool) -> Self {
        self.primary = Field::Value(primary);
        self
    }

    /// Sets the display name.
    #[must_use]
    pub fn with_display(mut self, display: impl Into<String>) -> Self {
        self.display = Field::Value(display.into());
        self
    }

    /// Whether `primary` is `true`.
    pub fn is_primary(&self) -> bool {
        self.primary.value() == Some(&true)
    }
}

/// A reference to another resource: a group's `members` item or a user's `groups` item.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ResourceRef {
    /// The referenced resource's `id`.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub value: Field<String>,
    /// The referenced resource's URI.
    #[serde(default, rename = "$ref", skip_serializing_if = "Field::is_absent")]
    pub ref_: Field<String>,
    /// A human-readable name.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub display: Field<String>,
    /// `User` or `Group` for members, `direct` or `indirect` for a user's groups.
    #[serde(default, rename = "type", skip_serializing_if = "Field::is_absent")]
    pub type_: Field<String>,
    /// Sub-attributes this model does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ResourceRef {
    /// A reference to the resource with the given id.
    pub fn new(value: impl Into<String>) -> Self {
        ResourceRef {
            value: Field::Value(value.into()),
            ..ResourceRef::default()
        }
    }

    /// Sets the display name.
    #[must_use]
    pub fn with_display(mut self, display: impl Into<String>) -> Self {
        self.display = Field::Value(display.into());
        self
    }

    /// Sets the URI.
    #[must_use]
    pub fn with_ref(mut self, uri: impl Into<String>) -> Self {
        self.ref_ = Field::Value(uri.into());
        self
    }

    /// Sets the type.
    #[must_use]
    pub fn with_type(mut self, type_: impl Into<String>) -> Self {
        self.type_ = Field::Value(type_.into());
        self
    }
}

/// Reads an extension object out of a catch-all map.
fn read_extension<T: serde::de::DeserializeOwned>(
    extra: &Map<String, Value>,
    urn: &str,
) -> Option<Result<T, crate::ScimError>> {
    let v = extra.get(urn).or_else(|| {
        extra
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(urn))
            .map(|(_, v)| v)
    })?;
    Some(T::deserialize(v).map_err(|e| {
        crate::ScimError::bad_request(crate::ScimType::InvalidValue, format!("{urn}: {e}"))
    }))
}

/// Writes an extension object into a catch-all map and lists its URN in `schemas`.
fn write_extension<T: Serialize>(
    extra: &mut Map<String, Value>,
    schemas: &mut Vec<String>,
    urn: &str,
    ext: &T,
) -> Result<(), crate::ScimError> {
    let v = serde_json::to_value(ext)
        .map_err(|e| crate::ScimError::new(500, None, format!("cannot serialize {urn}: {e}")))?;
    extra.insert(urn.to_owned(), v);
    if !schemas.iter().any(|s| s.eq_ignore_ascii_case(urn)) {
        schemas.push(urn.to_owned());
    }
    Ok(())
}
