//! Canonicalization of incoming resource JSON: schema spelling of keys, URN-qualified keys
//! grouped under their extension, canonical `schemas`.

use crate::compat::{Compat, Quirk};
use crate::error::{ScimError, ScimType};
use crate::registry::{Resolved, ResourceType, SchemaRegistry, TopLevel};
use crate::schema::{AttributeDef, Schema};
use crate::value::{Path, canonical_keys, invalid_syntax, invalid_value, kind};
use serde_json::map::Entry;
use serde_json::{Map, Value};

/// The SCIM 1.x core schema URN some clients still send (OneLogin's default template).
pub const LEGACY_CORE_URN: &str = "urn:scim:schemas:core:1.0";

/// Rewrites a resource's JSON into canonical form, in place.
///
/// - attribute and sub-attribute names get the schema's spelling (any case is accepted);
/// - URN-qualified top-level keys (`"urn:…:enterprise:2.0:User:department": "x"`) are moved
///   into their extension object, and core-URN-qualified keys become plain attributes;
///   dotted keys (`"name.givenName"`) are moved into their complex attribute;
/// - extension URN keys in any case get the registered spelling;
/// - `schemas` lists the registered spellings; the SCIM 1.x core URN is read as the core
///   schema with [`Quirk::LegacyCoreUrn`]; with [`Quirk::InferSchemas`], the core URN and the
///   URN of every extension present are added when missing;
/// - unknown attributes and schema URNs are dropped with [`Quirk::IgnoreUnknownAttributes`],
///   refused otherwise (`invalidSyntax` for attributes, `invalidValue` for `schemas` items);
/// - two keys that name the same attribute (they differ only in case, or one is qualified)
///   are refused with `invalidSyntax`.
///
/// Values are not type-checked (validation does that) and `null`s are kept, so that typed
/// views can tell "sent as null" from "not sent". The function is idempotent. On error the
/// value may be partly rewritten.
///
/// ```
/// use scim_core::resource::canonicalize;
/// use scim_core::{Compat, SchemaRegistry};
/// use serde_json::json;
///
/// let registry = SchemaRegistry::builtin();
/// let users = registry.resource_type("Users").unwrap();
/// let mut body = json!({
///     "UserName": "bjensen",
///     "Emails": [{"Value": "b@example.com", "PRIMARY": true}],
///     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "R&D",
/// });
/// canonicalize(&mut body, &registry, users, Compat::tolerant()).unwrap();
/// assert_eq!(body, json!({
///     "schemas": [
///         "urn:ietf:params:scim:schemas:core:2.0:User",
///         "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
///     ],
///     "userName": "bjensen",
///     "emails": [{"value": "b@example.com", "primary": true}],
///     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D"}
/// }));
/// ```
pub fn canonicalize(
    value: &mut Value,
    registry: &SchemaRegistry,
    rt: &ResourceType,
    compat: Compat,
) -> Result<(), ScimError> {
    let Value::Object(map) = value else {
        return Err(ScimError::bad_request(
            ScimType::InvalidSyntax,
            format!("a resource must be a JSON object, got {}", kind(value)),
        ));
    };
    let core = registry.core_schema(rt).ok_or_else(|| {
        ScimError::bad_request(
            ScimType::InvalidValue,
            format!("resource type {} is not registered", rt.name),
        )
    })?;
    let mut cx = Cx {
        registry,
        rt,
        top: registry.top_level(rt),
        core,
        compat,
        ext_objects: Vec::new(),
    };
    let old = std::mem::take(map);
    // Room for the `id` and `meta` a store adds: a stored map is not grown (and its
    // capacity doubled) again.
    let mut out = Map::with_capacity(old.len() + 2);
    let mut schemas: Option<Value> = None;
    // `schemas` sent first (as usual) keeps its place, filled in once the extensions present
    // are known; sent later or inferred, it is moved to the front.
    let mut first = false;
    for (key, v) in old {
        if key.eq_ignore_ascii_case("schemas") {
            if schemas.is_some() {
                return Err(invalid_syntax(
                    &Path::Root("schemas"),
                    "two keys differ only in case",
                ));
            }
            if out.is_empty() {
                let key = if key == "schemas" {
                    key
                } else {
                    "schemas".to_owned()
                };
                out.insert(key, Value::Null);
                first = true;
            }
            schemas = Some(v);
            continue;
        }
        cx.place(&mut out, key, v)?;
    }
    match (cx.schemas(schemas, &out)?, first) {
        (Some(list), true) => {
            if let Some(slot) = crate::member::get_mut(&mut out, "schemas") {
                *slot = list;
            }
        }
        (Some(list), false) => {
            out.shift_insert(0, "schemas".to_owned(), list);
        }
        (None, true) => {
            out.shift_remove("schemas");
        }
        (None, false) => {}
    }
    *map = out;
    Ok(())
}

struct Cx<'a> {
    registry: &'a SchemaRegistry,
    rt: &'a ResourceType,
    /// The type's top-level names, looked up without finding the type each time.
    top: Option<TopLevel<'a>>,
    core: &'a Schema,
    compat: Compat,
    /// The extensions whose whole object was sent, to refuse a second spelling of its key.
    ext_objects: Vec<&'a str>,
}

fn unknown(compat: Compat, path: &Path<'_>, what: &str) -> Result<(), ScimError> {
    if compat.allows(Quirk::IgnoreUnknownAttributes) {
        Ok(())
    } else {
        Err(invalid_syntax(path, format_args!("unknown {what}")))
    }
}

fn duplicate(path: &Path<'_>) -> ScimError {
    invalid_syntax(
        path,
        "the attribute appears twice (keys differ only in case or qualification)",
    )
}

impl<'a> Cx<'a> {
    /// Places one top-level member of the incoming object.
    fn place(
        &mut self,
        out: &mut Map<String, Value>,
        key: String,
        v: Value,
    ) -> Result<(), ScimError> {
        if !key.contains(':') {
            return self.place_core(out, key, v, false);
        }
        let Some((schema, rest)) = self.registry.split_urn(self.rt, &key) else {
            return unknown(self.compat, &Path::Root(&key), "attribute or schema URN");
        };
        let is_core = std::ptr::eq(schema, self.core);
        match (rest.is_empty(), is_core) {
            (true, true) => match v {
                // The core attributes nested under the core URN.
                Value::Object(inner) => {
                    for (k, v) in inner {
                        self.place_core(out, k, v, true)?;
                    }
                    Ok(())
                }
                Value::Null => Ok(()),
                other => Err(invalid_syntax(
                    &Path::Root(&self.core.id),
                    format_args!("expected an object, got {}", kind(&other)),
                )),
            },
            (true, false) => self.place_extension_object(out, schema, v),
            (false, true) => self.place_core(out, rest.to_owned(), v, true),
            (false, false) => {
                let ext = extension_map(out, schema)?;
                place_schema_attr(ext, schema, rest.to_owned(), v, self.compat)
            }
        }
    }

    /// Places a core or common attribute (`name` may be dotted: `name.givenName`).
    fn place_core(
        &self,
        out: &mut Map<String, Value>,
        key: String,
        v: Value,
        qualified: bool,
    ) -> Result<(), ScimError> {
        let dot = key.find('.');
        let head = dot.and_then(|i| key.get(..i)).unwrap_or(&key);
        let found = match self.top {
            Some(top) if !head.contains(':') => top.locate(head),
            _ => match self.registry.resolve(self.rt, head) {
                Some(Resolved::Attribute {
                    schema,
                    attr,
                    extension,
                    ..
                }) => Some((schema, attr, extension)),
                _ => None,
            },
        };
        match found {
            Some((_, attr, false)) => {
                let path = Path::Root(&attr.name);
                match dot {
                    None => {
                        let owned = (key == attr.name).then_some(key);
                        insert_attr(out, attr, None, v, self.compat, path, owned)
                    }
                    Some(i) => {
                        let sub = key.get(i + 1..);
                        insert_attr(out, attr, sub, v, self.compat, path, None)
                    }
                }
            }
            // An extension attribute sent unqualified at the top level: moved into its
            // extension when tolerant.
            Some((schema, _, true))
                if !qualified && self.compat.allows(Quirk::IgnoreUnknownAttributes) =>
            {
                let ext = extension_map(out, schema)?;
                place_schema_attr(ext, schema, key, v, self.compat)
            }
            _ => unknown(self.compat, &Path::Root(&key), "attribute"),
        }
    }

    fn place_extension_object(
        &mut self,
        out: &mut Map<String, Value>,
        schema: &'a Schema,
        v: Value,
    ) -> Result<(), ScimError> {
        if self.ext_objects.contains(&schema.id.as_str()) {
            return Err(duplicate(&Path::Root(&schema.id)));
        }
        self.ext_objects.push(&schema.id);
        match v {
            Value::Object(inner) => {
                let ext = extension_map(out, schema)?;
                for (k, v) in inner {
                    if k.contains(':') {
                        // A qualified key inside the extension object: accept its own URN.
                        match self.registry.split_urn(self.rt, &k) {
                            Some((s, rest)) if std::ptr::eq(s, schema) && !rest.is_empty() => {
                                place_schema_attr(ext, schema, rest.to_owned(), v, self.compat)?;
                            }
                            _ => {
                                unknown(self.compat, &Path::Urn(&schema.id, &k), "attribute")?;
                            }
                        }
                    } else {
                        place_schema_attr(ext, schema, k, v, self.compat)?;
                    }
                }
                Ok(())
            }
            Value::Null => {
                if !out.contains_key(&schema.id) {
                    out.insert(schema.id.clone(), Value::Null);
                }
                Ok(())
            }
            other => Err(invalid_syntax(
                &Path::Root(&schema.id),
                format_args!("an extension must be an object, got {}", kind(&other)),
            )),
        }
    }

    /// The canonical `schemas` value, or `None` when it stays absent.
    fn schemas(
        &self,
        schemas: Option<Value>,
        out: &Map<String, Value>,
    ) -> Result<Option<Value>, ScimError> {
        let path = Path::Root("schemas");
        let mut list: Vec<Value> = match schemas {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => {
                let mut list = Vec::with_capacity(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    let Value::String(urn) = item else {
                        return Err(invalid_syntax(
                            &Path::Index(&path, i),
                            format_args!("expected a schema URN string, got {}", kind(&item)),
                        ));
                    };
                    let canonical = self.schema_urn(&urn);
                    let Some(canonical) = canonical else {
                        if self.compat.allows(Quirk::IgnoreUnknownAttributes) {
                            continue;
                        }
                        return Err(invalid_value(
                            &Path::Index(&path, i),
                            format_args!(
                                "unknown schema {urn:?} for resource type {}",
                                self.rt.name
                            ),
                        ));
                    };
                    if list.iter().any(|v: &Value| v.as_str() == Some(canonical)) {
                        continue;
                    }
                    list.push(if urn == canonical {
                        Value::String(urn)
                    } else {
                        Value::String(canonical.to_owned())
                    });
                }
                list
            }
            Some(other) => {
                return Err(invalid_syntax(
                    &path,
                    format_args!("expected an array of schema URNs, got {}", kind(&other)),
                ));
            }
        };
        if self.compat.allows(Quirk::InferSchemas) {
            if !list
                .iter()
                .any(|v| v.as_str() == Some(self.core.id.as_str()))
            {
                list.insert(0, Value::String(self.core.id.clone()));
            }
            for (ext, _) in self.registry.extensions(self.rt) {
                let present = crate::member::get(out, &ext.id).is_some_and(|v| !v.is_null());
                if present && !list.iter().any(|v| v.as_str() == Some(ext.id.as_str())) {
                    list.push(Value::String(ext.id.clone()));
                }
            }
        }
        if list.is_empty() {
            return Ok(None);
        }
        Ok(Some(Value::Array(list)))
    }

    /// The registered spelling of a schema URN of this resource type.
    fn schema_urn(&self, urn: &str) -> Option<&str> {
        if urn.eq_ignore_ascii_case(&self.core.id)
            || (urn.eq_ignore_ascii_case(LEGACY_CORE_URN)
                && self.compat.allows(Quirk::LegacyCoreUrn))
        {
            return Some(&self.core.id);
        }
        self.registry.extension(self.rt, urn).map(|s| s.id.as_str())
    }
}

/// The extension object for `schema` in `out`, created when absent.
fn extension_map<'m>(
    out: &'m mut Map<String, Value>,
    schema: &Schema,
) -> Result<&'m mut Map<String, Value>, ScimError> {
    if !out.contains_key(&schema.id) {
        out.insert(schema.id.clone(), Value::Object(Map::new()));
    }
    match out.get_mut(&schema.id) {
        Some(slot) => {
            if slot.is_null() {
                *slot = Value::Object(Map::new());
            }
            match slot {
                Value::Object(m) => Ok(m),
                _ => Err(duplicate(&Path::Root(&schema.id))),
            }
        }
        None => Err(duplicate(&Path::Root(&schema.id))),
    }
}

/// Places `key` (an attribute name of `schema`, possibly dotted) into an extension object.
fn place_schema_attr(
    target: &mut Map<String, Value>,
    schema: &Schema,
    key: String,
    v: Value,
    compat: Compat,
) -> Result<(), ScimError> {
    let (head, sub) = match key.split_once('.') {
        Some((h, s)) => (h, Some(s)),
        None => (key.as_str(), None),
    };
    let Some(attr) = schema.attribute(head) else {
        return unknown(compat, &Path::Urn(&schema.id, &key), "attribute");
    };
    let path = Path::Urn(&schema.id, &attr.name);
    match sub {
        Some(sub) => insert_attr(target, attr, Some(sub), v, compat, path, None),
        None => {
            let owned = (key == attr.name).then_some(key);
            insert_attr(target, attr, None, v, compat, path, owned)
        }
    }
}

/// Inserts an attribute (or, with `sub`, one of its sub-attributes) with canonical keys.
fn insert_attr(
    target: &mut Map<String, Value>,
    attr: &AttributeDef,
    sub: Option<&str>,
    mut v: Value,
    compat: Compat,
    path: Path<'_>,
    owned_key: Option<String>,
) -> Result<(), ScimError> {
    let Some(sub) = sub else {
        canonical_keys(attr, &mut v, compat, path)?;
        return merge(
            target,
            owned_key.unwrap_or_else(|| attr.name.clone()),
            v,
            &path,
        );
    };
    let sub_def = if attr.multi_valued {
        None
    } else {
        attr.sub_attribute(sub)
    };
    let Some(sub_def) = sub_def else {
        return unknown(compat, &Path::Field(&path, sub), "attribute");
    };
    let sub_path = Path::Field(&path, &sub_def.name);
    canonical_keys(sub_def, &mut v, compat, sub_path)?;
    let mut one = Map::with_capacity(1);
    one.insert(sub_def.name.clone(), v);
    merge(target, attr.name.clone(), Value::Object(one), &path)
}

/// Inserts `key: v`, merging two objects when both sides are objects with disjoint keys.
fn merge(
    target: &mut Map<String, Value>,
    key: String,
    v: Value,
    path: &Path<'_>,
) -> Result<(), ScimError> {
    // One lookup: the usual case is a key seen for the first time.
    let mut slot = match target.entry(key) {
        Entry::Vacant(e) => {
            e.insert(v);
            return Ok(());
        }
        Entry::Occupied(slot) => slot,
    };
    match slot.get_mut() {
        Value::Object(existing) => {
            let Value::Object(new) = v else {
                return Err(duplicate(path));
            };
            for (k, v) in new {
                if existing.contains_key(&k) {
                    return Err(duplicate(&Path::Field(path, &k)));
                }
                existing.insert(k, v);
            }
            Ok(())
        }
        _ => Err(duplicate(path)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::builtin::{ENTERPRISE_USER_URN, USER_URN};
    use serde_json::json;

    fn canon(v: Value, compat: Compat) -> Result<Value, ScimError> {
        let registry = SchemaRegistry::builtin();
        let users = registry.resource_type("Users").unwrap();
        let mut v = v;
        canonicalize(&mut v, &registry, users, compat)?;
        let mut again = v.clone();
        canonicalize(&mut again, &registry, users, compat)?;
        assert_eq!(again, v, "canonicalize is idempotent");
        Ok(v)
    }

    #[test]
    fn attribute_names_in_any_case() {
        let v = canon(
            json!({"schemas": [USER_URN], "username": "a", "NAME": {"GivenName": "Ann"}, "Emails": [{"VALUE": "x"}]}),
            Compat::strict(),
        )
        .unwrap();
        assert_eq!(
            v,
            json!({"schemas": [USER_URN], "userName": "a", "name": {"givenName": "Ann"}, "emails": [{"value": "x"}]})
        );
    }

    #[test]
    fn two_keys_that_differ_only_in_case() {
        for body in [
            json!({"userName": "alice", "username": "admin"}),
            json!({"name": {"givenName": "a", "GIVENNAME": "b"}}),
            json!({"userName": "a", "urn:ietf:params:scim:schemas:core:2.0:User:userName": "b"}),
            json!({"schemas": [], "Schemas": []}),
            json!({
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "a"},
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "b"
            }),
            json!({
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "a"},
                "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER": {"division": "b"}
            }),
        ] {
            let err = canon(body.clone(), Compat::tolerant()).unwrap_err();
            assert_eq!(err.scim_type(), Some(ScimType::InvalidSyntax), "{body}");
        }
    }

    #[test]
    fn urn_qualified_keys_are_grouped_under_their_extension() {
        let v = canon(
            json!({
                "schemas": [USER_URN.to_uppercase()],
                "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:Department": "R&D",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {"EmployeeNumber": "7"},
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value": "m1",
                "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName": "Ann",
                "name.familyName": "Lee"
            }),
            Compat::tolerant(),
        )
        .unwrap();
        assert_eq!(
            v,
            json!({
                "schemas": [USER_URN, ENTERPRISE_USER_URN],
                ENTERPRISE_USER_URN: {"department": "R&D", "employeeNumber": "7", "manager": {"value": "m1"}},
                "name": {"givenName": "Ann", "familyName": "Lee"}
            })
        );
    }

    #[test]
    fn legacy_scim_1_core_urn() {
        let body = json!({"schemas": ["urn:scim:schemas:core:1.0"], "userName": "x"});
        let v = canon(body.clone(), Compat::tolerant()).unwrap();
        assert_eq!(v, json!({"schemas": [USER_URN], "userName": "x"}));
        let err = canon(body, Compat::strict()).unwrap_err();
        assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
    }

    #[test]
    fn unknown_schema_urns_and_attributes() {
        let ad = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/User";
        let body = json!({
            "schemas": [USER_URN, ad],
            "userName": "x",
            "nope": 1,
            ad: {"a": 1},
            "name": {"nope": 2}
        });
        let v = canon(body.clone(), Compat::tolerant()).unwrap();
        assert_eq!(
            v,
            json!({"schemas": [USER_URN], "userName": "x", "name": {}})
        );
        let err = canon(body, Compat::strict()).unwrap_err();
        assert!(err.scim_type().is_some());
        let err = canon(json!({"userName": "x", "nope": 1}), Compat::strict()).unwrap_err();
        assert_eq!(err.scim_type(), Some(ScimType::InvalidSyntax));
        assert!(err.detail().starts_with("nope:"), "{}", err.detail());
    }

    #[test]
    fn schemas_missing_is_inferred_only_when_tolerant() {
        let body = json!({"userName": "x", ENTERPRISE_USER_URN: {"department": "d"}});
        let v = canon(body.clone(), Compat::tolerant()).unwrap();
        assert_eq!(v["schemas"], json!([USER_URN, ENTERPRISE_USER_URN]));
        let v = canon(body, Compat::strict()).unwrap();
        assert!(v.get("schemas").is_none());
    }

    #[test]
    fn schemas_come_first_wherever_they_were_sent() {
        let keys = |v: &Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
        for body in [
            json!({"SCHEMAS": [USER_URN.to_uppercase()], "userName": "x", "title": "t"}),
            json!({"userName": "x", "title": "t", "schemas": [USER_URN]}),
            json!({"userName": "x", "title": "t"}),
        ] {
            let v = canon(body, Compat::tolerant()).unwrap();
            assert_eq!(keys(&v), ["schemas", "userName", "title"]);
            assert_eq!(v["schemas"], json!([USER_URN]));
        }
        // Sent first but nothing left to list: no `schemas` member at all.
        for body in [
            json!({"schemas": null, "userName": "x"}),
            json!({"schemas": [], "userName": "x"}),
        ] {
            let v = canon(body, Compat::strict()).unwrap();
            assert_eq!(keys(&v), ["userName"]);
        }
    }

    #[test]
    fn nulls_are_kept_and_non_objects_refused() {
        let v = canon(
            json!({"addresses": null, "userName": "x"}),
            Compat::strict(),
        )
        .unwrap();
        assert_eq!(v, json!({"addresses": null, "userName": "x"}));
        assert!(canon(json!([1]), Compat::tolerant()).is_err());
        assert!(canon(json!({"schemas": "x"}), Compat::tolerant()).is_err());
    }

    #[test]
    fn schema_urns_in_any_case() {
        let v = canon(
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:user", "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER"],
                "userName": "x",
                "Urn:Ietf:Params:Scim:Schemas:Extension:Enterprise:2.0:User": {"department": "d"}
            }),
            Compat::strict(),
        )
        .unwrap();
        assert_eq!(
            v,
            json!({"schemas": [USER_URN, ENTERPRISE_USER_URN], "userName": "x", ENTERPRISE_USER_URN: {"department": "d"}})
        );
    }
}
