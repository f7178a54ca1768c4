//! The schema registry: schemas, resource types, and attribute-path resolution.
//!
//! Resolution is case-insensitive and allocation-free for ordinary names: every lookup goes
//! through maps keyed by the lowercase spelling, precomputed when the registry is built.
//!
//! ```
//! use scim_core::registry::{Resolved, SchemaRegistry};
//!
//! let registry = SchemaRegistry::builtin();
//! let users = registry.resource_type("users").unwrap();
//!
//! // Plain, dotted and URN-qualified paths, in any case.
//! match registry.resolve(users, "NAME.givenname").unwrap() {
//!     Resolved::Attribute { attr, sub, .. } => {
//!         assert_eq!(attr.name, "name");
//!         assert_eq!(sub.unwrap().name, "givenName");
//!     }
//!     other => panic!("{other:?}"),
//! }
//! // The bare extension URN names the extension object, not an attribute `User`.
//! let urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
//! assert!(matches!(registry.resolve(users, urn), Some(Resolved::Schema(_))));
//! let manager = registry.resolve(users, &format!("{urn}:manager.value")).unwrap();
//! assert!(manager.is_extension());
//! ```

use crate::schema::{AttributeDef, Schema, builtin, with_ascii_lowercase};
use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};

/// The schema URN of resource type representations (RFC 7643 §6).
pub const RESOURCE_TYPE_SCHEMA_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";

/// A schema extension of a resource type (RFC 7643 §6, `schemaExtensions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaExtension {
    /// The extension's schema URN.
    pub schema: String,
    /// Whether resources of the type must carry the extension.
    #[serde(default)]
    pub required: bool,
}

/// A resource type (RFC 7643 §6): its name, endpoint, core schema and extensions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceType {
    /// The resource type's id (usually equal to its name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The name, e.g. `User`; it is `meta.resourceType` of its resources.
    pub name: String,
    /// The endpoint relative to the base URL, e.g. `/Users`.
    pub endpoint: String,
    /// A human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The core schema URN.
    pub schema: String,
    /// The schema extensions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schema_extensions: Vec<SchemaExtension>,
}

impl ResourceType {
    /// A resource type with the given name, endpoint (e.g. `/Users`) and core schema URN.
    pub fn new(
        name: impl Into<String>,
        endpoint: impl Into<String>,
        schema: impl Into<String>,
    ) -> Self {
        let name = name.into();
        ResourceType {
            id: Some(name.clone()),
            description: Some(name.clone()),
            name,
            endpoint: endpoint.into(),
            schema: schema.into(),
            schema_extensions: Vec::new(),
        }
    }

    /// Adds a schema extension.
    #[must_use]
    pub fn with_extension(mut self, schema: impl Into<String>, required: bool) -> Self {
        self.schema_extensions.push(SchemaExtension {
            schema: schema.into(),
            required,
        });
        self
    }

    /// The standard `User` resource type at `/Users`, with the enterprise extension.
    pub fn user() -> Self {
        ResourceType::new("User", "/Users", builtin::USER_URN)
            .with_extension(builtin::ENTERPRISE_USER_URN, false)
    }

    /// The standard `Group` resource type at `/Groups`.
    pub fn group() -> Self {
        ResourceType::new("Group", "/Groups", builtin::GROUP_URN)
    }

    /// The representation served by `/ResourceTypes` (RFC 7643 §6, §8.6).
    pub fn to_representation(&self, location: Option<&str>) -> serde_json::Value {
        let mut obj = serde_json::Map::new();
        obj.insert(
            "schemas".into(),
            serde_json::json!([RESOURCE_TYPE_SCHEMA_URN]),
        );
        if let Ok(serde_json::Value::Object(body)) = serde_json::to_value(self) {
            obj.extend(body);
        }
        let mut meta = serde_json::Map::new();
        if let Some(location) = location {
            meta.insert("location".into(), location.into());
        }
        meta.insert("resourceType".into(), "ResourceType".into());
        obj.insert("meta".into(), serde_json::Value::Object(meta));
        serde_json::Value::Object(obj)
    }
}

/// What an attribute path names, once resolved against a resource type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Resolved<'a> {
    /// A bare schema URN: the whole extension object (or, for the core URN, the core
    /// attributes).
    Schema(&'a Schema),
    /// An attribute, with an optional sub-attribute.
    Attribute {
        /// The schema the attribute belongs to (the core schema for `id`, `externalId`, `meta`).
        schema: &'a Schema,
        /// The attribute definition; `attr.name` is the canonical spelling.
        attr: &'a AttributeDef,
        /// The sub-attribute, for `name.givenName`.
        sub: Option<&'a AttributeDef>,
        /// Whether the attribute lives in an extension (nested under the URN key in resources).
        extension: bool,
    },
}

impl<'a> Resolved<'a> {
    /// Whether this names an extension attribute or an extension object.
    pub fn is_extension(&self) -> bool {
        match self {
            Resolved::Schema(_) => true,
            Resolved::Attribute { extension, .. } => *extension,
        }
    }

    /// The attribute definition, if this names an attribute.
    pub fn attribute(&self) -> Option<&'a AttributeDef> {
        match self {
            Resolved::Schema(_) => None,
            Resolved::Attribute { attr, .. } => Some(attr),
        }
    }

    /// The sub-attribute definition, if any.
    pub fn sub_attribute(&self) -> Option<&'a AttributeDef> {
        match self {
            Resolved::Schema(_) => None,
            Resolved::Attribute { sub, .. } => *sub,
        }
    }

    /// The definition of what the path names: the sub-attribute when given, else the attribute.
    pub fn target(&self) -> Option<&'a AttributeDef> {
        match self {
            Resolved::Schema(_) => None,
            Resolved::Attribute { attr, sub, .. } => Some(sub.unwrap_or(attr)),
        }
    }

    /// The schema the path belongs to.
    pub fn schema(&self) -> &'a Schema {
        match self {
            Resolved::Schema(s) | Resolved::Attribute { schema: s, .. } => s,
        }
    }
}

/// Why a registry could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// A resource type names a schema that was not registered.
    #[error("resource type {resource_type} names unknown schema {schema}")]
    UnknownSchema {
        /// The resource type.
        resource_type: String,
        /// The missing schema URN.
        schema: String,
    },
    /// Two schemas or resource types share an id, name or endpoint.
    #[error("duplicate {0}")]
    Duplicate(String),
}

/// Where a top-level attribute of a resource type lives.
#[derive(Debug, Clone, Copy)]
enum Loc {
    /// In the registry's common attributes (`id`, `externalId`, `meta`).
    Common(usize),
    /// In schema `schema` at attribute index `attr`; `extension` when not the core schema.
    Schema {
        schema: usize,
        attr: usize,
        extension: bool,
    },
}

#[derive(Debug, Clone)]
struct TypeEntry {
    rt: ResourceType,
    core: usize,
    /// Extension schema indices, in declaration order.
    extensions: Vec<usize>,
    /// Lowercase attribute name → location. Core and common attributes first; extension
    /// attributes are reachable unqualified only when no core attribute has their name.
    attrs: HashMap<String, Loc>,
    /// The same, keyed by the canonical spelling: canonicalized input hits it without
    /// case folding.
    exact: HashMap<String, Loc>,
}

/// Builds a [`SchemaRegistry`].
#[derive(Debug, Default, Clone)]
pub struct RegistryBuilder {
    schemas: Vec<Schema>,
    types: Vec<ResourceType>,
}

impl RegistryBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a schema.
    #[must_use]
    pub fn schema(mut self, schema: Schema) -> Self {
        self.schemas.push(schema);
        self
    }

    /// Registers a resource type; its schemas must be registered too (in any order).
    #[must_use]
    pub fn resource_type(mut self, rt: ResourceType) -> Self {
        self.types.push(rt);
        self
    }

    /// Mutable access to a registered schema, for overriding characteristics.
    pub fn schema_mut(&mut self, urn: &str) -> Option<&mut Schema> {
        self.schemas
            .iter_mut()
            .find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// Builds the registry and its lookup indices.
    pub fn build(self) -> Result<SchemaRegistry, RegistryError> {
        let mut schema_index = HashMap::default();
        for (i, s) in self.schemas.iter().enumerate() {
            if schema_index.insert(s.id.to_ascii_lowercase(), i).is_some() {
                return Err(RegistryError::Duplicate(format!("schema {}", s.id)));
            }
        }
        let common = builtin::common_attributes();
        let find = |urn: &str, rt: &ResourceType| {
            schema_index
                .get(&urn.to_ascii_lowercase())
                .copied()
                .ok_or_else(|| RegistryError::UnknownSchema {
                    resource_type: rt.name.clone(),
                    schema: urn.to_owned(),
                })
        };
        let mut types = Vec::new();
        let mut type_index = HashMap::default();
        for rt in self.types {
            let core = find(&rt.schema, &rt)?;
            let extensions = rt
                .schema_extensions
                .iter()
                .map(|e| find(&e.schema, &rt))
                .collect::<Result<Vec<_>, _>>()?;
            let mut attrs = HashMap::default();
            for (i, a) in common.iter().enumerate() {
                attrs.insert(a.name.to_ascii_lowercase(), Loc::Common(i));
            }
            for (schema, extension) in
                std::iter::once((core, false)).chain(extensions.iter().map(|&e| (e, true)))
            {
                let Some(s) = self.schemas.get(schema) else {
                    continue;
                };
                for (attr, a) in s.attributes.iter().enumerate() {
                    attrs
                        .entry(a.name.to_ascii_lowercase())
                        .or_insert(Loc::Schema {
                            schema,
                            attr,
                            extension,
                        });
                }
            }
            let exact = attrs
                .values()
                .filter_map(|loc| {
                    let name = match *loc {
                        Loc::Common(i) => &common.get(i)?.name,
                        Loc::Schema { schema, attr, .. } => {
                            &self.schemas.get(schema)?.attributes.get(attr)?.name
                        }
                    };
                    Some((name.clone(), *loc))
                })
                .collect();
            let index = types.len();
            let endpoint = rt.endpoint.trim_start_matches('/').to_ascii_lowercase();
            for key in [rt.name.to_ascii_lowercase(), endpoint] {
                if let Some(prev) = type_index.insert(key, index)
                    && prev != index
                {
                    return Err(RegistryError::Duplicate(format!(
                        "resource type {}",
                        rt.name
                    )));
                }
            }
            types.push(TypeEntry {
                rt,
                core,
                extensions,
                attrs,
                exact,
            });
        }
        Ok(SchemaRegistry {
            schemas: self.schemas,
            schema_index,
            common,
            types,
            type_index,
        })
    }
}

/// Schemas and resource types, with precomputed case-insensitive lookups.
#[derive(Debug, Clone)]
pub struct SchemaRegistry {
    schemas: Vec<Schema>,
    schema_index: HashMap<String, usize>,
    common: Vec<AttributeDef>,
    types: Vec<TypeEntry>,
    type_index: HashMap<String, usize>,
}

impl SchemaRegistry {
    /// A builder for a custom registry.
    pub fn builder() -> RegistryBuilder {
        RegistryBuilder::new()
    }

    /// A builder pre-loaded with the standard schemas and resource types: User (with the
    /// enterprise extension) at `/Users` and Group at `/Groups`.
    pub fn builtin_builder() -> RegistryBuilder {
        RegistryBuilder::new()
            .schema(builtin::user())
            .schema(builtin::enterprise_user())
            .schema(builtin::group())
            .resource_type(ResourceType::user())
            .resource_type(ResourceType::group())
    }

    /// The standard registry: User (with the enterprise extension) and Group.
    pub fn builtin() -> Self {
        // The built-in definitions are consistent by construction; the fallback is unreachable
        // but keeps this constructor infallible without a panic path.
        Self::builtin_builder()
            .build()
            .unwrap_or_else(|_| SchemaRegistry {
                schemas: Vec::new(),
                schema_index: HashMap::default(),
                common: builtin::common_attributes(),
                types: Vec::new(),
                type_index: HashMap::default(),
            })
    }

    /// Every registered schema, in registration order.
    pub fn schemas(&self) -> &[Schema] {
        &self.schemas
    }

    /// The schema with the given URN (any case).
    pub fn schema(&self, urn: &str) -> Option<&Schema> {
        with_ascii_lowercase(urn, |k| self.schema_index.get(k).copied())
            .and_then(|i| self.schemas.get(i))
    }

    /// The common attributes (`id`, `externalId`, `meta`).
    pub fn common_attributes(&self) -> &[AttributeDef] {
        &self.common
    }

    /// Every resource type, in registration order.
    pub fn resource_types(&self) -> impl Iterator<Item = &ResourceType> {
        self.types.iter().map(|t| &t.rt)
    }

    /// The resource type with the given name (`User`) or endpoint (`Users`, `/Users`), any case.
    pub fn resource_type(&self, name_or_endpoint: &str) -> Option<&ResourceType> {
        self.entry_by_name(name_or_endpoint).map(|t| &t.rt)
    }

    fn entry_by_name(&self, name: &str) -> Option<&TypeEntry> {
        let name = name.trim_start_matches('/');
        with_ascii_lowercase(name, |k| self.type_index.get(k).copied())
            .and_then(|i| self.types.get(i))
    }

    fn entry(&self, rt: &ResourceType) -> Option<&TypeEntry> {
        // The registry's own value, then a clone of it (hosts keep clones), then any spelling.
        self.types
            .iter()
            .find(|t| std::ptr::eq(&t.rt, rt))
            .or_else(|| self.types.iter().find(|t| t.rt.name == rt.name))
            .or_else(|| self.entry_by_name(&rt.name))
    }

    /// The core schema of a resource type.
    pub fn core_schema(&self, rt: &ResourceType) -> Option<&Schema> {
        self.entry(rt).and_then(|t| self.schemas.get(t.core))
    }

    /// The extension schemas of a resource type, with their `required` flags.
    pub fn extensions<'a>(
        &'a self,
        rt: &ResourceType,
    ) -> impl Iterator<Item = (&'a Schema, bool)> + 'a {
        let entry = self.entry(rt);
        entry
            .into_iter()
            .flat_map(|t| t.extensions.iter().zip(t.rt.schema_extensions.iter()))
            .filter_map(|(&i, e)| self.schemas.get(i).map(|s| (s, e.required)))
    }

    /// The extension schema of `rt` whose URN is `urn` (any case).
    pub fn extension(&self, rt: &ResourceType, urn: &str) -> Option<&Schema> {
        self.extensions(rt)
            .map(|(s, _)| s)
            .find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// The schema (core or extension of `rt`) whose URN is the longest case-insensitive prefix
    /// of `path` followed by `:` or the end, and the rest of the path after that colon.
    pub fn split_urn<'p>(&self, rt: &ResourceType, path: &'p str) -> Option<(&Schema, &'p str)> {
        let entry = self.entry(rt)?;
        let mut best: Option<(&Schema, &'p str)> = None;
        for &i in std::iter::once(&entry.core).chain(entry.extensions.iter()) {
            let Some(s) = self.schemas.get(i) else {
                continue;
            };
            let n = s.id.len();
            let Some(head) = path.get(..n) else { continue };
            if !head.eq_ignore_ascii_case(&s.id) {
                continue;
            }
            let rest = match path.get(n..) {
                Some("") => "",
                Some(r) if r.starts_with(':') => r.get(1..).unwrap_or(""),
                _ => continue,
            };
            if best.is_none_or(|(b, _)| b.id.len() < n) {
                best = Some((s, rest));
            }
        }
        best
    }

    /// Resolves an attribute path (`userName`, `name.givenName`, a URN-qualified path, or a
    /// bare schema URN; any case) against a resource type.
    ///
    /// URN-qualified paths split on the longest registered schema URN. An unqualified name is
    /// looked up among the core and common attributes, then among the extensions' attributes.
    pub fn resolve<'a>(&'a self, rt: &ResourceType, path: &str) -> Option<Resolved<'a>> {
        let entry = self.entry(rt)?;
        if path.contains(':') {
            let (schema, rest) = self.split_urn(rt, path)?;
            if rest.is_empty() {
                return Some(Resolved::Schema(schema));
            }
            let (name, sub) = split_sub(rest);
            let is_core = schema
                .id
                .eq_ignore_ascii_case(&self.schemas.get(entry.core)?.id);
            let attr = match schema.attribute(name) {
                Some(a) => a,
                None if is_core => self
                    .common
                    .iter()
                    .find(|a| a.name.eq_ignore_ascii_case(name))?,
                None => return None,
            };
            return with_sub(schema, attr, sub, !is_core);
        }
        let (name, sub) = split_sub(path);
        let loc = match entry.exact.get(name) {
            Some(loc) => *loc,
            None => with_ascii_lowercase(name, |k| entry.attrs.get(k).copied())?,
        };
        match loc {
            Loc::Common(i) => with_sub(
                self.schemas.get(entry.core)?,
                self.common.get(i)?,
                sub,
                false,
            ),
            Loc::Schema {
                schema,
                attr,
                extension,
            } => {
                let s = self.schemas.get(schema)?;
                with_sub(s, s.attributes.get(attr)?, sub, extension)
            }
        }
    }
}

/// The top-level attributes of one resource type, for many lookups of plain names (no `.`,
/// no URN) without finding the type's entry each time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TopLevel<'a> {
    registry: &'a SchemaRegistry,
    entry: &'a TypeEntry,
}

impl<'a> TopLevel<'a> {
    /// What [`SchemaRegistry::resolve`] finds for a plain `name`: the attribute, and whether
    /// it lives in an extension.
    pub(crate) fn get(&self, name: &str) -> Option<(&'a AttributeDef, bool)> {
        self.locate(name)
            .map(|(_, attr, extension)| (attr, extension))
    }

    /// [`TopLevel::get`] with the schema the attribute belongs to (the core schema for the
    /// common attributes).
    pub(crate) fn locate(&self, name: &str) -> Option<(&'a Schema, &'a AttributeDef, bool)> {
        let entry = self.entry;
        let loc = match entry.exact.get(name) {
            Some(loc) => *loc,
            None => with_ascii_lowercase(name, |k| entry.attrs.get(k).copied())?,
        };
        match loc {
            Loc::Common(i) => Some((
                self.registry.schemas.get(entry.core)?,
                self.registry.common.get(i)?,
                false,
            )),
            Loc::Schema {
                schema,
                attr,
                extension,
            } => {
                let schema = self.registry.schemas.get(schema)?;
                Some((schema, schema.attributes.get(attr)?, extension))
            }
        }
    }
}

impl SchemaRegistry {
    /// The top-level attribute lookup of `rt`.
    pub(crate) fn top_level(&self, rt: &ResourceType) -> Option<TopLevel<'_>> {
        let entry = self.entry(rt)?;
        // `resolve` needs the core schema for common attributes; so does this.
        self.schemas.get(entry.core)?;
        Some(TopLevel {
            registry: self,
            entry,
        })
    }
}

fn split_sub(path: &str) -> (&str, Option<&str>) {
    match path.split_once('.') {
        Some((a, s)) => (a, Some(s)),
        None => (path, None),
    }
}

fn with_sub<'a>(
    schema: &'a Schema,
    attr: &'a AttributeDef,
    sub: Option<&str>,
    extension: bool,
) -> Option<Resolved<'a>> {
    let sub = match sub {
        Some(name) => Some(attr.sub_attribute(name)?),
        None => None,
    };
    Some(Resolved::Attribute {
        schema,
        attr,
        sub,
        extension,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::builtin::*;

    fn names(r: Resolved<'_>) -> (String, String, Option<String>, bool) {
        match r {
            Resolved::Schema(s) => (s.id.clone(), String::new(), None, true),
            Resolved::Attribute {
                schema,
                attr,
                sub,
                extension,
            } => (
                schema.id.clone(),
                attr.name.clone(),
                sub.map(|s| s.name.clone()),
                extension,
            ),
        }
    }

    #[test]
    fn resolves_paths_in_any_case() {
        let reg = SchemaRegistry::builtin();
        let users = reg.resource_type("User").unwrap();
        let cases = [
            ("userName", (USER_URN, "userName", None, false)),
            ("USERNAME", (USER_URN, "userName", None, false)),
            (
                "name.familyName",
                (USER_URN, "name", Some("familyName"), false),
            ),
            ("emails.VALUE", (USER_URN, "emails", Some("value"), false)),
            ("id", (USER_URN, "id", None, false)),
            (
                "meta.lastModified",
                (USER_URN, "meta", Some("lastModified"), false),
            ),
            (
                "urn:ietf:params:scim:schemas:core:2.0:User:userName",
                (USER_URN, "userName", None, false),
            ),
            (
                "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:name.givenName",
                (USER_URN, "name", Some("givenName"), false),
            ),
            (
                "urn:ietf:params:scim:schemas:core:2.0:User:meta.created",
                (USER_URN, "meta", Some("created"), false),
            ),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
                (ENTERPRISE_USER_URN, "manager", Some("value"), true),
            ),
            (
                "employeeNumber",
                (ENTERPRISE_USER_URN, "employeeNumber", None, true),
            ),
        ];
        for (path, (urn, attr, sub, ext)) in cases {
            let got = names(reg.resolve(users, path).unwrap_or_else(|| panic!("{path}")));
            assert_eq!(
                got,
                (urn.to_owned(), attr.to_owned(), sub.map(str::to_owned), ext),
                "{path}"
            );
        }
    }

    #[test]
    fn bare_extension_urn_names_the_extension() {
        let reg = SchemaRegistry::builtin();
        let users = reg.resource_type("/users").unwrap();
        let r = reg
            .resolve(
                users,
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user",
            )
            .unwrap();
        assert_eq!(
            r,
            Resolved::Schema(reg.schema(ENTERPRISE_USER_URN).unwrap())
        );
    }

    #[test]
    fn unknown_paths_do_not_resolve() {
        let reg = SchemaRegistry::builtin();
        let users = reg.resource_type("Users").unwrap();
        let groups = reg.resource_type("Groups").unwrap();
        for path in [
            "nope",
            "name.nope",
            "userName.sub",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:nope",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0",
            "urn:unknown:thing:x",
            "",
        ] {
            assert!(reg.resolve(users, path).is_none(), "{path}");
        }
        assert!(reg.resolve(groups, "userName").is_none());
        assert!(reg.resolve(groups, "members.value").is_some());
    }

    #[test]
    fn builder_rejects_unknown_schemas_and_duplicates() {
        let err = SchemaRegistry::builder()
            .resource_type(ResourceType::group())
            .build()
            .unwrap_err();
        assert!(matches!(err, RegistryError::UnknownSchema { .. }));
        let err = SchemaRegistry::builder()
            .schema(group())
            .schema(group())
            .build()
            .unwrap_err();
        assert!(matches!(err, RegistryError::Duplicate(_)));
    }

    #[test]
    fn overrides_apply_before_build() {
        let mut b = SchemaRegistry::builtin_builder();
        b.schema_mut(USER_URN)
            .unwrap()
            .attribute_mut("groups")
            .unwrap()
            .mutability = crate::schema::Mutability::ReadWrite;
        let reg = b.build().unwrap();
        let users = reg.resource_type("User").unwrap();
        let groups = reg.resolve(users, "groups").unwrap().attribute().unwrap();
        assert_eq!(groups.mutability, crate::schema::Mutability::ReadWrite);
    }
}
