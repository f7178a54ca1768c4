//! RFC 7643 §7 schema definitions: attributes and their characteristics.
//!
//! A [`Schema`] serializes to exactly the RFC 7643 §7 JSON shape (camelCase enum values,
//! absent optional characteristics omitted) and parses it back.
//!
//! ```
//! use scim_core::schema::{AttributeDef, AttributeType, Mutability};
//!
//! let attr = AttributeDef::new("nickName", AttributeType::String);
//! assert_eq!(attr.mutability, Mutability::ReadWrite);
//! let json = serde_json::to_value(&attr).unwrap();
//! assert_eq!(json["type"], "string");
//! assert_eq!(json["mutability"], "readWrite");
//! ```

mod attribute;
pub mod builtin;
mod lower;

pub use attribute::{AttributeDef, AttributeType, Mutability, Returned, Uniqueness};
pub(crate) use lower::with_ascii_lowercase;

use serde::{Deserialize, Serialize};

/// The schema URN of schema representations themselves (RFC 7643 §7).
pub const SCHEMA_SCHEMA_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// A schema (RFC 7643 §7): a URN id, a name and its attribute definitions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schema {
    /// The schema URN, e.g. `urn:ietf:params:scim:schemas:core:2.0:User`.
    pub id: String,
    /// A human-readable name, e.g. `User`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The top-level attributes.
    #[serde(default)]
    pub attributes: Vec<AttributeDef>,
}

impl Schema {
    /// A schema with the given URN, name and attributes.
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        attributes: Vec<AttributeDef>,
    ) -> Self {
        Schema {
            id: id.into(),
            name: Some(name.into()),
            description: None,
            attributes,
        }
    }

    /// Sets the description.
    #[must_use]
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The top-level attribute called `name` (ASCII case-insensitive).
    pub fn attribute(&self, name: &str) -> Option<&AttributeDef> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// Mutable access to the top-level attribute called `name`, for overriding characteristics
    /// before the schema is registered.
    pub fn attribute_mut(&mut self, name: &str) -> Option<&mut AttributeDef> {
        self.attributes
            .iter_mut()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// Keeps only the top-level attributes named in `names` (any case), in schema order.
    ///
    /// A service that supports a subset of a schema (the locker system supports only a few
    /// User attributes) declares it this way, so that `/Schemas` advertises only what is real.
    ///
    /// ```
    /// use scim_core::schema::builtin;
    ///
    /// let user = builtin::user().restrict(&["userName", "ACTIVE"]);
    /// let names: Vec<_> = user.attributes.iter().map(|a| a.name.as_str()).collect();
    /// assert_eq!(names, ["userName", "active"]);
    /// ```
    #[must_use]
    pub fn restrict(mut self, names: &[&str]) -> Self {
        self.attributes
            .retain(|a| names.iter().any(|n| a.name.eq_ignore_ascii_case(n)));
        self
    }

    /// The schema's JSON representation as served by `/Schemas` (RFC 7643 §7, §8.7), with
    /// `schemas` and a `meta` block pointing at `location`.
    pub fn to_representation(&self, location: Option<&str>) -> serde_json::Value {
        let mut obj = serde_json::Map::new();
        obj.insert("schemas".into(), serde_json::json!([SCHEMA_SCHEMA_URN]));
        if let Ok(serde_json::Value::Object(body)) = serde_json::to_value(self) {
            obj.extend(body);
        }
        let mut meta = serde_json::Map::new();
        meta.insert("resourceType".into(), "Schema".into());
        if let Some(location) = location {
            meta.insert("location".into(), location.into());
        }
        obj.insert("meta".into(), serde_json::Value::Object(meta));
        serde_json::Value::Object(obj)
    }
}
