//! Validation of a resource against its schemas for create (POST) and replace (PUT).
//!
//! [`validate`] canonicalizes the JSON (see [`canonicalize`]) and then checks it:
//!
//! - `schemas` lists the core schema and every extension present (tolerant mode infers
//!   them with [`Quirk::InferSchemas`], strict mode answers `invalidSyntax`);
//! - types, with the tolerant coercions of [`crate::value`]; `null` means absent and is
//!   removed; strict `canonicalValues`, at most one `primary: true` and `max_items`;
//! - `readOnly` attributes and sub-attributes sent by the client are removed (RFC 7644
//!   §3.5.1), except that on replace an `id` that contradicts the existing one is refused;
//! - required attributes (and required sub-attributes of the values present) and required
//!   extensions are present;
//! - on replace, `immutable` attributes keep their value: a change is refused
//!   (`mutability`), an omitted value is carried over from the existing resource.
//!
//! Read-only sub-attributes of a writable attribute are removed too (the enterprise
//! `manager.displayName`), except when *every* sub-attribute is read-only: then the host made
//! the attribute itself writable (the locker system's user `groups`) and its items are kept.
//!
//! ```
//! use scim_core::validate::validate_create;
//! use scim_core::{Compat, SchemaRegistry, ScimType};
//! use serde_json::json;
//!
//! let registry = SchemaRegistry::builtin();
//! let users = registry.resource_type("Users").unwrap();
//! let mut body = json!({"UserName": "bjensen", "active": "True", "id": "ignored"});
//! validate_create(&mut body, &registry, users, Compat::tolerant()).unwrap();
//! assert_eq!(body, json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!     "userName": "bjensen",
//!     "active": true
//! }));
//!
//! let mut body = json!({"displayName": "no userName"});
//! let err = validate_create(&mut body, &registry, users, Compat::tolerant()).unwrap_err();
//! assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
//! ```

use crate::compat::{Compat, Quirk};
use crate::error::{ScimError, ScimType};
use crate::member;
use crate::registry::{ResourceType, SchemaRegistry};
use crate::resource::canonicalize;
use crate::schema::{AttributeDef, Mutability};
use crate::value::{Path, coerce_attr, invalid_syntax, invalid_value};
use serde_json::{Map, Value};

/// What the validated resource is for.
#[derive(Debug, Clone, Copy)]
pub enum Operation<'e> {
    /// A new resource (POST).
    Create,
    /// A replacement (PUT) of `existing`, the stored (canonical) resource.
    Replace(&'e Value),
}

/// Validates a new resource (POST), canonicalizing and coercing it in place.
pub fn validate_create(
    value: &mut Value,
    registry: &SchemaRegistry,
    rt: &ResourceType,
    compat: Compat,
) -> Result<(), ScimError> {
    validate(value, registry, rt, Operation::Create, compat)
}

/// Validates a replacement (PUT) of `existing`, canonicalizing and coercing it in place.
pub fn validate_replace(
    value: &mut Value,
    existing: &Value,
    registry: &SchemaRegistry,
    rt: &ResourceType,
    compat: Compat,
) -> Result<(), ScimError> {
    validate(value, registry, rt, Operation::Replace(existing), compat)
}

/// Validates a resource for `op`, canonicalizing and coercing it in place. On error the
/// value may be partly rewritten.
pub fn validate(
    value: &mut Value,
    registry: &SchemaRegistry,
    rt: &ResourceType,
    op: Operation<'_>,
    compat: Compat,
) -> Result<(), ScimError> {
    canonicalize(value, registry, rt, compat)?;
    let Value::Object(map) = value else {
        return Err(ScimError::bad_request(
            ScimType::InvalidSyntax,
            "a resource must be a JSON object",
        ));
    };
    let core = registry.core_schema(rt).ok_or_else(|| {
        ScimError::bad_request(
            ScimType::InvalidValue,
            format!("resource type {} is not registered", rt.name),
        )
    })?;
    let existing = match op {
        Operation::Create => None,
        Operation::Replace(Value::Object(e)) => Some(e),
        Operation::Replace(_) => None,
    };
    check_schemas(map, registry, rt, &core.id, compat)?;

    // Common attributes (`id`, `externalId`, `meta`) and the core schema's attributes.
    for attr in registry
        .common_attributes()
        .iter()
        .chain(core.attributes.iter())
    {
        check_attribute(map, attr, existing, compat, Path::Root(&attr.name))?;
    }
    for (schema, required) in registry.extensions(rt) {
        // Absent, null or an object: found without hashing, removed only when null.
        let sent = member::get_mut(map, &schema.id).map(|v| v.is_null());
        if sent != Some(false) {
            if sent.is_some() {
                map.shift_remove(&schema.id);
            }
            if required {
                return Err(invalid_value(
                    &Path::Root(&schema.id),
                    "the required extension is missing",
                ));
            }
            continue;
        }
        let old_ext = existing
            .and_then(|e| member::get(e, &schema.id))
            .and_then(Value::as_object);
        let Some(Value::Object(ext)) = member::get_mut(map, &schema.id) else {
            return Err(invalid_syntax(
                &Path::Root(&schema.id),
                "an extension must be an object",
            ));
        };
        for attr in &schema.attributes {
            check_attribute(
                ext,
                attr,
                old_ext,
                compat,
                Path::Urn(&schema.id, &attr.name),
            )?;
        }
    }
    Ok(())
}

fn check_schemas(
    map: &Map<String, Value>,
    registry: &SchemaRegistry,
    rt: &ResourceType,
    core: &str,
    compat: Compat,
) -> Result<(), ScimError> {
    let listed = |urn: &str| {
        member::get(map, "schemas")
            .and_then(Value::as_array)
            .is_some_and(|l| l.iter().any(|v| v.as_str() == Some(urn)))
    };
    let path = Path::Root("schemas");
    if !listed(core) {
        // Canonicalize infers it when tolerant, so only strict mode gets here.
        return Err(invalid_syntax(
            &path,
            format_args!("must contain the core schema {core}"),
        ));
    }
    if !compat.allows(Quirk::InferSchemas) {
        for (ext, _) in registry.extensions(rt) {
            if member::get(map, &ext.id).is_some_and(|v| !v.is_null()) && !listed(&ext.id) {
                return Err(invalid_syntax(
                    &path,
                    format_args!("must list the extension {} present in the resource", ext.id),
                ));
            }
        }
    }
    Ok(())
}

/// Checks one attribute of `map` (top level or an extension object).
fn check_attribute(
    map: &mut Map<String, Value>,
    attr: &AttributeDef,
    existing: Option<&Map<String, Value>>,
    compat: Compat,
    path: Path<'_>,
) -> Result<(), ScimError> {
    let old = existing
        .and_then(|e| member::get(e, &attr.name))
        .filter(|v| !v.is_null());
    // Most attributes of a schema are absent from a given resource: find that out without
    // hashing the name.
    let here = member::contains(map, &attr.name);
    if attr.mutability == Mutability::ReadOnly {
        let sent = if here {
            map.shift_remove(&attr.name)
        } else {
            None
        };
        // An `id` that contradicts the resource being replaced is an error, not a no-op.
        if attr.name == "id"
            && let (Some(sent @ Value::String(_)), Some(old)) = (&sent, old)
            && sent != old
        {
            return Err(ScimError::bad_request(
                ScimType::Mutability,
                format!("{path}: does not match the resource's id"),
            ));
        }
        return Ok(());
    }
    let slot = if here {
        member::get_mut(map, &attr.name)
    } else {
        None
    };
    let present = match slot {
        Some(v) => {
            coerce_attr(attr, v, compat, path)?;
            strip_and_check_subs(attr, v, &path)?;
            !is_empty(v)
        }
        None => false,
    };
    if here && !present {
        map.shift_remove(&attr.name);
    }
    if attr.mutability == Mutability::Immutable
        && let Some(old) = old
    {
        match map.get(&attr.name) {
            Some(new) if new != old => {
                return Err(ScimError::bad_request(
                    ScimType::Mutability,
                    format!("{path}: the attribute is immutable and already set"),
                ));
            }
            Some(_) => {}
            None => {
                map.insert(attr.name.clone(), old.clone());
            }
        }
        return Ok(());
    }
    if attr.required && !present {
        return Err(invalid_value(&path, "the attribute is required"));
    }
    Ok(())
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

/// Removes read-only sub-attributes and checks required sub-attributes of each complex value.
fn strip_and_check_subs(
    attr: &AttributeDef,
    value: &mut Value,
    path: &Path<'_>,
) -> Result<(), ScimError> {
    if !attr.is_complex() {
        return Ok(());
    }
    // A writable attribute whose sub-attributes are all read-only was made writable by the
    // host: its sub-attributes follow it.
    let strip = !attr
        .sub_attributes
        .iter()
        .all(|s| s.mutability == Mutability::ReadOnly);
    let check = |map: &mut Map<String, Value>, path: &Path<'_>| -> Result<(), ScimError> {
        for sub in &attr.sub_attributes {
            if sub.mutability == Mutability::ReadOnly && strip {
                map.shift_remove(&sub.name);
            } else if sub.required && map.get(&sub.name).is_none_or(is_empty) {
                return Err(invalid_value(
                    &Path::Field(path, &sub.name),
                    "the sub-attribute is required",
                ));
            }
        }
        Ok(())
    };
    match value {
        Value::Object(map) => check(map, path),
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                if let Value::Object(map) = item {
                    check(map, &Path::Index(path, i))?;
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
