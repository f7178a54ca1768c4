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
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
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

    /// A `Serialize` view of the projection of `resource`: written member by member, with
    /// exactly the output of serializing [`Projection::apply`]'s copy, but without building
    /// it.
    ///
    /// ```
    /// use scim_core::project::Projection;
    /// use scim_core::SchemaRegistry;
    /// use serde_json::json;
    ///
    /// let registry = SchemaRegistry::builtin();
    /// let users = registry.resource_type("Users").unwrap();
    /// let user = json!({"id": "1", "userName": "bjensen", "password": "secret",
    ///     "meta": {"resourceType": "User"}});
    /// let p = Projection::default_for(&registry, users);
    /// assert_eq!(
    ///     serde_json::to_string(&p.view(&user)).unwrap(),
    ///     r#"{"id":"1","userName":"bjensen","meta":{"resourceType":"User"}}"#
    /// );
    /// // As if `meta` had another value.
    /// let meta = json!({"resourceType": "User", "location": "https://example.com/Users/1"});
    /// let members = [("meta", meta.clone())];
    /// assert_eq!(
    ///     serde_json::to_value(p.view(&user).replacing(&members)).unwrap(),
    ///     json!({"id": "1", "userName": "bjensen", "meta": meta})
    /// );
    /// ```
    pub fn view<'a>(&'a self, resource: &'a Value) -> Projected<'a, 'r> {
        Projected {
            projection: self,
            resource,
            replaced: &[],
            added: None,
        }
    }

    fn top<V>(&self, key: &str, v: V, take: impl FnOnce(V) -> Value) -> Option<Value> {
        let mut v = take(v);
        self.top_mut(key, &mut v).then_some(v)
    }

    fn core_id(&self) -> &'r str {
        self.core.map_or("", |c| c.id.as_str())
    }

    /// What becomes of the top-level member `key`.
    fn top_of(&self, key: &str) -> Member<'r> {
        if key == "schemas" {
            return Member::AsIs;
        }
        if key.contains(':') {
            return match self.registry.extension(self.rt, key) {
                Some(schema) => Member::Extension(schema),
                None => Member::Drop,
            };
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
            Some((attr, false)) => match self.keep(self.core_id(), attr) {
                Keep::No => Member::Drop,
                keep => Member::Attr(attr, keep),
            },
            // Not defined by the schemas: only without `attributes`.
            _ if self.include.is_none() => Member::AsIs,
            _ => Member::Drop,
        }
    }

    /// Whether the top-level member `key` stays, after trimming `v` to what is returned.
    fn top_mut(&self, key: &str, v: &mut Value) -> bool {
        match self.top_of(key) {
            Member::AsIs => true,
            Member::Drop => false,
            Member::Extension(schema) => self.keep_extension(schema, v),
            Member::Attr(attr, keep) => {
                self.filter_subs(self.core_id(), attr, keep, v);
                // Only unnamed sub-attributes were there: nothing to return.
                keep == Keep::Whole || !is_empty(v)
            }
        }
    }

    /// Whether the extension object `schema` can be returned at all (`None` when it is
    /// excluded), and whether `attributes` names it whole.
    fn extension_whole(&self, schema: &Schema) -> Option<bool> {
        let id = schema.id.as_str();
        if self
            .exclude
            .iter()
            .any(|s| s.schema == id && s.attr.is_none())
        {
            return None;
        }
        Some(
            self.include
                .as_ref()
                .is_some_and(|inc| inc.iter().any(|s| s.schema == id && s.attr.is_none())),
        )
    }

    /// What becomes of the member `key` of the extension object `schema`.
    fn extension_member(&self, schema: &'r Schema, whole: bool, key: &str) -> Member<'r> {
        let Some(attr) = schema.attribute(key) else {
            return if self.include.is_none() || whole {
                Member::AsIs
            } else {
                Member::Drop
            };
        };
        let keep = if whole {
            if attr.returned == Returned::Never || self.excluded(&schema.id, attr) {
                Keep::No
            } else {
                Keep::Whole
            }
        } else {
            self.keep(&schema.id, attr)
        };
        match keep {
            Keep::No => Member::Drop,
            keep => Member::Attr(attr, keep),
        }
    }

    fn keep_extension(&self, schema: &'r Schema, v: &mut Value) -> bool {
        let Some(whole) = self.extension_whole(schema) else {
            return false;
        };
        let Value::Object(map) = v else {
            return false;
        };
        map.retain(|k, v| match self.extension_member(schema, whole, k) {
            Member::AsIs => true,
            Member::Drop | Member::Extension(_) => false,
            Member::Attr(attr, keep) => {
                self.filter_subs(&schema.id, attr, keep, v);
                keep == Keep::Whole || !is_empty(v)
            }
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

    /// How the sub-attributes of a kept attribute are trimmed.
    fn subs(&self, attr: &AttributeDef, keep: Keep) -> Subs {
        if !attr.is_complex() {
            Subs::All
        } else if keep == Keep::Whole && self.exclude.is_empty() && all_plain(attr) {
            // Every sub-attribute stays (the default projection's usual case): only empty
            // items of a multi-valued attribute go.
            Subs::NonEmptyItems
        } else {
            Subs::Filter
        }
    }

    /// Under [`Subs::Filter`], whether the sub-attribute `name` of `attr` stays.
    fn keeps_sub(&self, schema: &str, attr: &AttributeDef, keep: Keep, name: &str) -> bool {
        match attr.sub_attribute(name) {
            Some(sub) => self.keep_sub(schema, attr, sub, keep),
            None => keep == Keep::Whole,
        }
    }

    fn filter_subs(&self, schema: &str, attr: &AttributeDef, keep: Keep, v: &mut Value) {
        let filter = |map: &mut Map<String, Value>| {
            map.retain(|k, _| self.keeps_sub(schema, attr, keep, k));
        };
        match (self.subs(attr, keep), v) {
            (Subs::All, _) => {}
            (Subs::NonEmptyItems, Value::Array(items)) => {
                items.retain(|i| !matches!(i, Value::Object(m) if m.is_empty()));
            }
            (Subs::NonEmptyItems, _) => {}
            (Subs::Filter, Value::Object(map)) => filter(map),
            (Subs::Filter, Value::Array(items)) => {
                for item in items.iter_mut() {
                    if let Value::Object(map) = item {
                        filter(map);
                    }
                }
                items.retain(|i| !matches!(i, Value::Object(m) if m.is_empty()));
            }
            (Subs::Filter, _) => {}
        }
    }
}

/// What becomes of one member of a resource or of an extension object.
#[derive(Debug, Clone, Copy)]
enum Member<'r> {
    /// Kept as it is (`schemas`, members no schema defines).
    AsIs,
    /// Left out.
    Drop,
    /// A defined attribute, kept as [`Keep`] says (never [`Keep::No`]).
    Attr(&'r AttributeDef, Keep),
    /// An extension object, whose members are decided one by one.
    Extension(&'r Schema),
}

/// How the sub-attributes of a kept attribute are trimmed.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Subs {
    /// Not complex: the value as it is.
    All,
    /// Every sub-attribute stays; a multi-valued attribute loses its empty items.
    NonEmptyItems,
    /// Each sub-attribute is decided by [`Projection::keeps_sub`]; items of a multi-valued
    /// attribute left empty go.
    Filter,
}

/// The projection of a resource as [`Serialize`], from [`Projection::view`]: serializing it
/// writes what serializing [`Projection::apply`]'s copy would, member by member.
#[derive(Debug, Clone, Copy)]
pub struct Projected<'a, 'r> {
    projection: &'a Projection<'r>,
    resource: &'a Value,
    replaced: &'a [(&'a str, Value)],
    added: Option<Added<'a>>,
}

/// A member [`Projected::adding`] puts into a top-level object.
#[derive(Debug, Clone, Copy)]
struct Added<'a> {
    object: &'a str,
    key: &'a str,
    value: &'a Value,
}

impl<'a> Projected<'a, '_> {
    /// Projects the resource as if its top-level members named here had these values (in
    /// their place; a member the resource lacks is not added). The engine uses it for what
    /// it adds on the way out, such as `meta.location`.
    #[must_use]
    pub fn replacing(mut self, members: &'a [(&'a str, Value)]) -> Self {
        self.replaced = members;
        self
    }

    /// Projects the resource as if its top-level object `object` also held `key` with `value`
    /// (where `Map::insert` would put it: in place of its own `key`, else last; nothing is
    /// added when the resource has no object `object`). Cheaper than replacing the whole
    /// object: the engine adds `meta.location` this way.
    ///
    /// ```
    /// use scim_core::project::Projection;
    /// use scim_core::SchemaRegistry;
    /// use serde_json::json;
    ///
    /// let registry = SchemaRegistry::builtin();
    /// let users = registry.resource_type("Users").unwrap();
    /// let user = json!({"id": "1", "meta": {"resourceType": "User"}});
    /// let p = Projection::new(&registry, users, &["meta.location"], &[]);
    /// let location = json!("https://example.com/Users/1");
    /// assert_eq!(
    ///     serde_json::to_string(&p.view(&user).adding("meta", "location", &location)).unwrap(),
    ///     r#"{"id":"1","meta":{"location":"https://example.com/Users/1"}}"#
    /// );
    /// ```
    #[must_use]
    pub fn adding(mut self, object: &'a str, key: &'a str, value: &'a Value) -> Self {
        self.added = Some(Added { object, key, value });
        self
    }
}

/// A copy of the object `v` with `key` set to `value`.
fn inserted(v: &Value, key: &str, value: &Value) -> Value {
    let mut copy = v.clone();
    if let Value::Object(map) = &mut copy {
        map.insert(key.to_owned(), value.clone());
    }
    copy
}

impl Serialize for Projected<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let p = self.projection;
        let Value::Object(map) = self.resource else {
            return self.resource.serialize(serializer);
        };
        let mut out = serializer.serialize_map(None)?;
        for (key, v) in map {
            let v = self
                .replaced
                .iter()
                .find(|(k, _)| *k == key)
                .map_or(v, |(_, r)| r);
            let member = p.top_of(key);
            let added = self
                .added
                .filter(|a| a.object == key && v.is_object())
                .map(|a| (a.key, a.value));
            // A defined attribute takes the added member as it is written; anything else is
            // rare enough to be copied.
            let copy;
            let (v, added) = match (added, member) {
                (Some(_), Member::Attr(..)) | (None, _) => (v, added),
                (Some((k, x)), _) => {
                    copy = inserted(v, k, x);
                    (&copy, None)
                }
            };
            match member {
                Member::AsIs => out.serialize_entry(key, v)?,
                Member::Drop => {}
                Member::Extension(schema) => {
                    if let (Some(whole), Value::Object(map)) = (p.extension_whole(schema), v) {
                        let ext = ExtensionView {
                            p,
                            schema,
                            whole,
                            map,
                        };
                        if ext.kept() {
                            out.serialize_entry(key, &ext)?;
                        }
                    }
                }
                Member::Attr(attr, keep) => {
                    let view = AttrView {
                        added,
                        ..AttrView::new(p, p.core_id(), attr, keep, v)
                    };
                    if view.kept() {
                        out.serialize_entry(key, &view)?;
                    }
                }
            }
        }
        out.end()
    }
}

/// A kept attribute, trimmed to its returned sub-attributes as it is written.
struct AttrView<'a, 'r> {
    p: &'a Projection<'r>,
    schema: &'a str,
    attr: &'a AttributeDef,
    keep: Keep,
    subs: Subs,
    v: &'a Value,
    /// A member written into the object `v` (see [`Projected::adding`]).
    added: Option<(&'a str, &'a Value)>,
}

impl<'a, 'r> AttrView<'a, 'r> {
    fn new(
        p: &'a Projection<'r>,
        schema: &'a str,
        attr: &'a AttributeDef,
        keep: Keep,
        v: &'a Value,
    ) -> Self {
        AttrView {
            p,
            schema,
            attr,
            keep,
            subs: p.subs(attr, keep),
            v,
            added: None,
        }
    }

    fn keeps(&self, name: &str) -> bool {
        self.p.keeps_sub(self.schema, self.attr, self.keep, name)
    }

    /// Whether an item of a multi-valued attribute is written.
    fn item_kept(&self, item: &Value) -> bool {
        match (self.subs, item) {
            (Subs::All, _) => true,
            (Subs::NonEmptyItems, Value::Object(m)) => !m.is_empty(),
            (Subs::Filter, Value::Object(m)) => m.keys().any(|k| self.keeps(k)),
            _ => true,
        }
    }

    /// Whether the trimmed value is an empty object or array.
    fn is_empty(&self) -> bool {
        let added = self.added.map(|(k, _)| k);
        match (self.subs, self.v) {
            (Subs::Filter, Value::Object(m)) => !m
                .keys()
                .map(String::as_str)
                .chain(added)
                .any(|k| self.keeps(k)),
            (_, Value::Object(m)) => m.is_empty() && added.is_none(),
            (Subs::All, v) => is_empty(v),
            (_, Value::Array(items)) => !items.iter().any(|i| self.item_kept(i)),
            (_, v) => is_empty(v),
        }
    }

    /// Whether the attribute is written: only named sub-attributes that are all absent leave
    /// nothing to return.
    fn kept(&self) -> bool {
        self.keep == Keep::Whole || !self.is_empty()
    }
}

impl Serialize for AttrView<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match (self.subs, self.v) {
            (Subs::Filter, Value::Object(map)) => SubsView {
                attr: self,
                map,
                filter: true,
                added: self.added,
            }
            .serialize(serializer),
            (_, Value::Object(map)) if self.added.is_some() => SubsView {
                attr: self,
                map,
                filter: false,
                added: self.added,
            }
            .serialize(serializer),
            (Subs::All, v) => v.serialize(serializer),
            (_, Value::Array(items)) => {
                let mut seq = serializer.serialize_seq(None)?;
                for item in items.iter().filter(|i| self.item_kept(i)) {
                    match (self.subs, item) {
                        (Subs::Filter, Value::Object(map)) => {
                            seq.serialize_element(&SubsView {
                                attr: self,
                                map,
                                filter: true,
                                added: None,
                            })?;
                        }
                        _ => seq.serialize_element(item)?,
                    }
                }
                seq.end()
            }
            (_, v) => v.serialize(serializer),
        }
    }
}

/// The kept sub-attributes of one complex value (all of them unless `filter`), with the
/// added member.
struct SubsView<'a, 'b, 'r> {
    attr: &'b AttrView<'a, 'r>,
    map: &'a Map<String, Value>,
    filter: bool,
    added: Option<(&'a str, &'a Value)>,
}

impl Serialize for SubsView<'_, '_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let kept = |k: &str| !self.filter || self.attr.keeps(k);
        let mut out = serializer.serialize_map(None)?;
        let mut added = self.added;
        for (k, v) in self.map {
            let v = match added {
                Some((key, value)) if key == k => {
                    added = None;
                    value
                }
                _ => v,
            };
            if kept(k) {
                out.serialize_entry(k, v)?;
            }
        }
        // Not among the object's own members: last.
        if let Some((key, value)) = added
            && kept(key)
        {
            out.serialize_entry(key, value)?;
        }
        out.end()
    }
}

/// An extension object, trimmed as it is written.
struct ExtensionView<'a, 'r> {
    p: &'a Projection<'r>,
    schema: &'r Schema,
    whole: bool,
    map: &'a Map<String, Value>,
}

/// One written member of an extension object.
enum Written<'a, 'r> {
    AsIs(&'a Value),
    Attr(AttrView<'a, 'r>),
}

impl<'a, 'r> ExtensionView<'a, 'r> {
    fn member(&self, key: &str, v: &'a Value) -> Option<Written<'a, 'r>> {
        match self.p.extension_member(self.schema, self.whole, key) {
            Member::AsIs => Some(Written::AsIs(v)),
            Member::Drop | Member::Extension(_) => None,
            Member::Attr(attr, keep) => {
                let view = AttrView::new(self.p, &self.schema.id, attr, keep, v);
                view.kept().then_some(Written::Attr(view))
            }
        }
    }

    /// Whether any member is written (an empty extension object is left out).
    fn kept(&self) -> bool {
        self.map.iter().any(|(k, v)| self.member(k, v).is_some())
    }
}

impl Serialize for ExtensionView<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_map(None)?;
        for (k, v) in self.map {
            match self.member(k, v) {
                Some(Written::AsIs(v)) => out.serialize_entry(k, v)?,
                Some(Written::Attr(view)) => out.serialize_entry(k, &view)?,
                None => {}
            }
        }
        out.end()
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
