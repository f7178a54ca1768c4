//! `attributes` / `excludedAttributes` projection (RFC 7644 §3.4.2.5, §3.9) with the
//! `returned` characteristic (RFC 7643 §7).
//!
//! - `returned: always` attributes (`id`) and `schemas` are always in the output;
//! - `returned: never` attributes (`password`) never are, at any level;
//! - `returned: request` attributes appear only when named in `attributes`;
//! - `returned: default` attributes appear unless `attributes` is given and does not name
//!   them, or `excludedAttributes` names them.
//!
//! Paths are resolved once, when the [`Projection`] is built: plain (`userName`), dotted
//! (`name.givenName`, `emails.value`), URN-qualified, or a bare extension URN (the whole
//! extension object). Unknown paths are ignored. Excluding a core attribute never drops an
//! extension object.
//!
//! ```
//! use scim_core::project::Projection;
//! use scim_core::SchemaRegistry;
//! use serde_json::json;
//!
//! let registry = SchemaRegistry::builtin();
//! let users = registry.resource_type("Users").unwrap();
//! let user = json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!     "id": "1", "userName": "bjensen", "password": "secret",
//!     "name": {"givenName": "Barbara", "familyName": "Jensen"},
//!     "emails": [{"value": "b@example.com", "type": "work"}]
//! });
//! let p = Projection::new(&registry, users, &["name.givenName", "EMAILS.value"], &[] as &[&str]);
//! assert_eq!(p.apply(&user), json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!     "id": "1",
//!     "name": {"givenName": "Barbara"},
//!     "emails": [{"value": "b@example.com"}]
//! }));
//! let p = Projection::new(&registry, users, &[] as &[&str], &["emails", "name"]);
//! assert_eq!(p.apply(&user), json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!     "id": "1", "userName": "bjensen"
//! }));
//! ```

use crate::registry::{Resolved, ResourceType, SchemaRegistry, TopLevel};
use crate::schema::{AttributeDef, Returned, Schema};
use serde_json::{Map, Value};

/// One resolved path: a schema, optionally an attribute, optionally a sub-attribute.
#[derive(Debug, Clone, Copy)]
struct Sel<'r> {
    schema: &'r str,
    attr: Option<&'r str>,
    sub: Option<&'r str>,
}

/// A compiled `attributes`/`excludedAttributes` projection for one resource type.
#[derive(Debug, Clone)]
pub struct Projection<'r> {
    registry: &'r SchemaRegistry,
    rt: &'r ResourceType,
    core: Option<&'r Schema>,
    /// The type's top-level attributes, looked up once per member of every resource.
    top_level: Option<TopLevel<'r>>,
    /// `attributes`; `None` when not given (or empty).
    include: Option<Vec<Sel<'r>>>,
    exclude: Vec<Sel<'r>>,
}

/// How much of one attribute the output keeps.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Keep {
    No,
    /// The attribute, with its sub-attributes filtered by `returned` and exclusions.
    Whole,
    /// Only the sub-attributes named in `attributes` (plus `returned: always` ones).
    Named,
}

impl<'r> Projection<'r> {
    /// Compiles a projection. Empty `attributes` means "not given". Paths that do not resolve
    /// are ignored.
    pub fn new<S: AsRef<str>>(
        registry: &'r SchemaRegistry,
        rt: &'r ResourceType,
        attributes: &[S],
        excluded_attributes: &[S],
    ) -> Self {
        let resolve = |paths: &[S]| -> Vec<Sel<'r>> {
            paths
                .iter()
                .filter_map(|p| registry.resolve(rt, p.as_ref().trim()))
                .map(|r| match r {
                    Resolved::Schema(s) => Sel {
                        schema: &s.id,
                        attr: None,
                        sub: None,
                    },
                    Resolved::Attribute {
                        schema, attr, sub, ..
                    } => Sel {
                        schema: &schema.id,
                        attr: Some(&attr.name),
                        sub: sub.map(|s| s.name.as_str()),
                    },
                })
                .collect()
        };
        let include = (!attributes.is_empty()).then(|| resolve(attributes));
        Projection {
            registry,
            rt,
            core: registry.core_schema(rt),
            top_level: registry.top_level(rt),
            include,
            exclude: resolve(excluded_attributes),
        }
    }

    /// The projection a query asks for (its `attributes` and `excludedAttributes`).
    pub fn from_request(
        registry: &'r SchemaRegistry,
        rt: &'r ResourceType,
        request: &crate::message::SearchRequest,
    ) -> Self {
        Self::new(
            registry,
            rt,
            &request.attributes,
            &request.excluded_attributes,
        )
    }

    /// The default projection: everything `returned: default` or `always`.
    pub fn default_for(registry: &'r SchemaRegistry, rt: &'r ResourceType) -> Self {
        Self::new::<&str>(registry, rt, &[], &[])
    }

    /// The projected copy of `resource`; only kept values are cloned.
    pub fn apply(&self, resource: &Value) -> Value {
        let Value::Object(map) = resource else {
            return resource.clone();
        };
        let mut out = Map::with_capacity(map.len());
        for (key, v) in map {
            if let Some(v) = self.top(key, v, |v| v.clone()) {
                out.insert(key.clone(), v);
            }
        }
        Value::Object(out)
    }

    /// Projects `resource` in place.
    pub fn apply_mut(&self, resource: &mut Value) {
        let Value::Object(map) = resource else {
            return;
        };
        // In place: kept entries are neither moved nor re-hashed.
        map.retain(|key, v| self.top_mut(key, v));
    }

    fn top<V>(&self, key: &str, v: V, take: impl FnOnce(V) -> Value) -> Option<Value> {
        let mut v = take(v);
        self.top_mut(key, &mut v).then_some(v)
    }

    /// Whether the top-level member `key` stays, after trimming `v` to what is returned.
    fn top_mut(&self, key: &str, v: &mut Value) -> bool {
        if key == "schemas" {
            return true;
        }
        let core_id = self.core.map_or("", |c| c.id.as_str());
        if key.contains(':') {
            return self
                .registry
                .extension(self.rt, key)
                .is_some_and(|schema| self.keep_extension(schema, v));
        }
        let found = match self.top_level {
            Some(top) if !key.contains('.') => top.get(key),
            _ => self.registry.resolve(self.rt, key).and_then(|r| match r {
                Resolved::Attribute {
                    attr, extension, ..
                } => Some((attr, extension)),
                Resolved::Schema(_) => None,
            }),
        };
        match found {
            Some((attr, false)) => {
                let keep = self.keep(core_id, attr);
                if keep == Keep::No {
                    return false;
                }
                self.filter_subs(core_id, attr, keep, v);
                // Only unnamed sub-attributes were there: nothing to return.
                keep == Keep::Whole || !is_empty(v)
            }
            // Not defined by the schemas: only without `attributes`.
            _ => self.include.is_none(),
        }
    }

    fn keep_extension(&self, schema: &Schema, v: &mut Value) -> bool {
        let id = schema.id.as_str();
        if self
            .exclude
            .iter()
            .any(|s| s.schema == id && s.attr.is_none())
        {
            return false;
        }
        let Value::Object(map) = v else {
            return false;
        };
        let whole = self
            .include
            .as_ref()
            .is_some_and(|inc| inc.iter().any(|s| s.schema == id && s.attr.is_none()));
        map.retain(|k, v| {
            let Some(attr) = schema.attribute(k) else {
                return self.include.is_none() || whole;
            };
            let keep = if whole {
                if attr.returned == Returned::Never || self.excluded(id, attr) {
                    Keep::No
                } else {
                    Keep::Whole
                }
            } else {
                self.keep(id, attr)
            };
            if keep == Keep::No {
                return false;
            }
            self.filter_subs(id, attr, keep, v);
            keep == Keep::Whole || !is_empty(v)
        });
        !map.is_empty()
    }

    fn excluded(&self, schema: &str, attr: &AttributeDef) -> bool {
        self.exclude
            .iter()
            .any(|s| s.schema == schema && s.attr == Some(attr.name.as_str()) && s.sub.is_none())
    }

    fn keep(&self, schema: &str, attr: &AttributeDef) -> Keep {
        match attr.returned {
            Returned::Never => return Keep::No,
            Returned::Always => return Keep::Whole,
            _ => {}
        }
        let name = Some(attr.name.as_str());
        match &self.include {
            Some(inc) => {
                let mut keep = Keep::No;
                for s in inc.iter().filter(|s| s.schema == schema) {
                    if s.attr.is_none() || (s.attr == name && s.sub.is_none()) {
                        keep = Keep::Whole;
                        break;
                    }
                    if s.attr == name {
                        keep = Keep::Named;
                    }
                }
                if keep == Keep::Whole && self.excluded(schema, attr) {
                    return Keep::No;
                }
                keep
            }
            None if attr.returned == Returned::Request || self.excluded(schema, attr) => Keep::No,
            None => Keep::Whole,
        }
    }

    fn keep_sub(&self, schema: &str, attr: &AttributeDef, sub: &AttributeDef, keep: Keep) -> bool {
        match sub.returned {
            Returned::Never => return false,
            Returned::Always => return true,
            _ => {}
        }
        let is = |s: &Sel<'_>| {
            s.schema == schema
                && s.attr == Some(attr.name.as_str())
                && s.sub == Some(sub.name.as_str())
        };
        if self.exclude.iter().any(is) {
            return false;
        }
        match keep {
            Keep::No => false,
            // A named parent brings its `request` sub-attributes along.
            Keep::Whole => sub.returned != Returned::Request || self.include.is_some(),
            Keep::Named => self.include.as_ref().is_some_and(|inc| inc.iter().any(is)),
        }
    }

    fn filter_subs(&self, schema: &str, attr: &AttributeDef, keep: Keep, v: &mut Value) {
        if !attr.is_complex() {
            return;
        }
        if keep == Keep::Whole && self.exclude.is_empty() && all_plain(attr) {
            // Every sub-attribute stays (the default projection's usual case): only empty
            // items of a multi-valued attribute go, as below.
            if let Value::Array(items) = v {
                items.retain(|i| !matches!(i, Value::Object(m) if m.is_empty()));
            }
            return;
        }
        let filter = |map: &mut Map<String, Value>| {
            map.retain(|k, _| match attr.sub_attribute(k) {
                Some(sub) => self.keep_sub(schema, attr, sub, keep),
                None => keep == Keep::Whole,
            });
        };
        match v {
            Value::Object(map) => filter(map),
            Value::Array(items) => {
                for item in items.iter_mut() {
                    if let Value::Object(map) = item {
                        filter(map);
                    }
                }
                items.retain(|i| !matches!(i, Value::Object(m) if m.is_empty()));
            }
            _ => {}
        }
    }
}

/// Whether every sub-attribute of `attr` is `returned: default` or `always`, so a whole
/// attribute keeps them all unless one is excluded.
fn all_plain(attr: &AttributeDef) -> bool {
    attr.sub_attributes
        .iter()
        .all(|s| matches!(s.returned, Returned::Default | Returned::Always))
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
