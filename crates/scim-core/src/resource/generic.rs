//! The generic resource: a JSON object plus its resource type, with case-insensitive access.

use super::{Meta, canonicalize};
use crate::compat::Compat;
use crate::error::{ScimError, ScimType};
use crate::registry::SchemaRegistry;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

/// A resource as JSON: the form every engine (filter, patch, projection, validation) works on.
///
/// Lookups by attribute name are ASCII case-insensitive (RFC 7643 §2.1): an exact match is
/// tried first, so canonical resources pay nothing extra.
///
/// ```
/// use scim_core::resource::Resource;
/// use scim_core::{Compat, SchemaRegistry};
/// use serde_json::json;
///
/// let registry = SchemaRegistry::builtin();
/// let users = registry.resource_type("Users").unwrap();
/// let body = json!({"UserName": "bjensen", "id": "1"});
/// let user = Resource::from_json(users, body, &registry, Compat::tolerant()).unwrap();
/// assert_eq!(user.get("USERNAME"), Some(&json!("bjensen")));
/// assert_eq!(user.id(), Some("1"));
/// assert_eq!(user.resource_type(), "User");
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Resource {
    resource_type: String,
    attrs: Map<String, Value>,
}

/// A typed view of a resource (`User`, `Group`) that converts to and from [`Resource`]
/// without losing attributes it does not model.
pub trait TypedResource: Serialize + DeserializeOwned {
    /// The resource type's name, e.g. `User`.
    const RESOURCE_TYPE: &'static str;
    /// The core schema URN.
    const SCHEMA: &'static str;

    /// Reads the typed view from a (canonical) generic resource.
    fn from_resource(resource: &Resource) -> Result<Self, ScimError> {
        resource.to_typed()
    }

    /// Converts the typed view into a generic resource.
    fn into_resource(self) -> Result<Resource, ScimError> {
        Resource::from_typed(Self::RESOURCE_TYPE, &self)
    }
}

impl Resource {
    /// An empty resource of the given type.
    pub fn new(resource_type: impl Into<String>) -> Self {
        Resource {
            resource_type: resource_type.into(),
            attrs: Map::new(),
        }
    }

    /// Wraps an already canonical JSON object (e.g. read from storage). `invalidSyntax` when
    /// `value` is not an object.
    pub fn from_value(resource_type: impl Into<String>, value: Value) -> Result<Self, ScimError> {
        match value {
            Value::Object(attrs) => Ok(Resource {
                resource_type: resource_type.into(),
                attrs,
            }),
            _ => Err(ScimError::bad_request(
                ScimType::InvalidSyntax,
                "a resource must be a JSON object",
            )),
        }
    }

    /// Reads client JSON: canonicalizes it (see [`canonicalize`]) for the resource type.
    pub fn from_json(
        rt: &crate::registry::ResourceType,
        mut value: Value,
        registry: &SchemaRegistry,
        compat: Compat,
    ) -> Result<Self, ScimError> {
        canonicalize(&mut value, registry, rt, compat)?;
        Self::from_value(rt.name.clone(), value)
    }

    /// Serializes a typed view into a generic resource.
    pub fn from_typed<T: Serialize>(
        resource_type: impl Into<String>,
        typed: &T,
    ) -> Result<Self, ScimError> {
        let value = serde_json::to_value(typed).map_err(|e| {
            ScimError::new(500, None, format!("cannot serialize the resource: {e}"))
        })?;
        Self::from_value(resource_type, value)
    }

    /// Reads a typed view (`User`, `Group`, or any `Deserialize` type). Expects canonical
    /// keys; attributes the type does not model land in its catch-all map.
    ///
    /// A decoding error names the attribute that failed (`invalidValue`).
    pub fn to_typed<T: DeserializeOwned>(&self) -> Result<T, ScimError> {
        T::deserialize(&self.attrs).map_err(|e| {
            // Find the member that fails on its own, to name it (error path only).
            let culprit = self.attrs.iter().find_map(|(k, v)| {
                let mut one = Map::with_capacity(1);
                one.insert(k.clone(), v.clone());
                T::deserialize(&one).err().map(|e| (k, e))
            });
            let detail = match culprit {
                Some((k, e)) => format!("{}: {k}: {e}", self.resource_type),
                None => format!("{}: {e}", self.resource_type),
            };
            ScimError::bad_request(ScimType::InvalidValue, detail)
        })
    }

    /// The resource type's name.
    pub fn resource_type(&self) -> &str {
        &self.resource_type
    }

    /// Canonicalizes the resource in place for its registered resource type.
    pub fn canonicalize(
        &mut self,
        registry: &SchemaRegistry,
        compat: Compat,
    ) -> Result<(), ScimError> {
        let rt = registry.resource_type(&self.resource_type).ok_or_else(|| {
            ScimError::bad_request(
                ScimType::InvalidValue,
                format!("resource type {} is not registered", self.resource_type),
            )
        })?;
        let mut value = Value::Object(std::mem::take(&mut self.attrs));
        let result = canonicalize(&mut value, registry, rt, compat);
        if let Value::Object(attrs) = value {
            self.attrs = attrs;
        }
        result
    }

    fn key_of(&self, name: &str) -> Option<&String> {
        if let Some((k, _)) = self.attrs.get_key_value(name) {
            return Some(k);
        }
        self.attrs.keys().find(|k| k.eq_ignore_ascii_case(name))
    }

    /// The attribute called `name` (any case).
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.attrs.get(name).or_else(|| {
            self.attrs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        })
    }

    /// Mutable access to the attribute called `name` (any case).
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        let key = self.key_of(name)?.clone();
        self.attrs.get_mut(&key)
    }

    /// Sets an attribute, replacing any key that differs only in case; returns the old value.
    pub fn insert(&mut self, name: impl Into<String>, value: Value) -> Option<Value> {
        let name = name.into();
        let old = match self.key_of(&name) {
            Some(k) if *k != name => {
                let k = k.clone();
                self.attrs.shift_remove(&k)
            }
            _ => None,
        };
        self.attrs.insert(name, value).or(old)
    }

    /// Removes the attribute called `name` (any case), keeping the order of the others.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let key = self.key_of(name)?.clone();
        self.attrs.shift_remove(&key)
    }

    /// The `id`, if it is a string.
    pub fn id(&self) -> Option<&str> {
        self.get("id").and_then(Value::as_str)
    }

    /// The `externalId`, if it is a string.
    pub fn external_id(&self) -> Option<&str> {
        self.get("externalId").and_then(Value::as_str)
    }

    /// The URNs listed in `schemas`.
    pub fn schemas(&self) -> impl Iterator<Item = &str> {
        self.get("schemas")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
    }

    /// The extension object under `urn` (any case).
    pub fn extension(&self, urn: &str) -> Option<&Map<String, Value>> {
        self.get(urn).and_then(Value::as_object)
    }

    /// The `meta` attribute, parsed; `None` when absent or malformed.
    pub fn meta(&self) -> Option<Meta> {
        self.get("meta").and_then(|m| Meta::deserialize(m).ok())
    }

    /// Replaces the `meta` attribute.
    pub fn set_meta(&mut self, meta: &Meta) {
        if let Ok(v) = serde_json::to_value(meta) {
            self.insert("meta", v);
        }
    }

    /// The attributes.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.attrs
    }

    /// Mutable access to the attributes.
    pub fn as_map_mut(&mut self) -> &mut Map<String, Value> {
        &mut self.attrs
    }

    /// The resource as a JSON object.
    pub fn into_value(self) -> Value {
        Value::Object(self.attrs)
    }

    /// The resource type name and the attributes.
    pub fn into_parts(self) -> (String, Map<String, Value>) {
        (self.resource_type, self.attrs)
    }
}

impl Serialize for Resource {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.attrs.serialize(serializer)
    }
}

/// Reads any JSON object; the resource type is taken from `meta.resourceType` (empty when
/// absent). Keys are kept as sent: call [`Resource::canonicalize`] for client input.
impl<'de> Deserialize<'de> for Resource {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let attrs = Map::<String, Value>::deserialize(deserializer)?;
        let resource_type = attrs
            .get("meta")
            .and_then(|m| m.get("resourceType"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        Ok(Resource {
            resource_type,
            attrs,
        })
    }
}
