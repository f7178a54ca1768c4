//! Checking and coercing attribute values against their definitions (RFC 7643 §2.3).
//!
//! [`coerce`] checks one value of an attribute (for a multi-valued attribute: one item) and
//! returns it in canonical form: sub-attribute keys in the schema's spelling, booleans and
//! numbers sent as strings converted when the [`Compat`] mode allows it, `null` members
//! dropped (`null` means absent). [`coerce_attribute_mut`] checks a whole attribute value,
//! including the multi-valued rules (an array, at most one `primary: true`, `max_items`).
//!
//! ```
//! use scim_core::schema::builtin;
//! use scim_core::{value, Compat, ScimType};
//! use serde_json::json;
//!
//! let user = builtin::user();
//! let active = user.attribute("active").unwrap();
//! assert_eq!(value::coerce(active, &json!("False"), Compat::tolerant()).unwrap(), json!(false));
//! let err = value::coerce(active, &json!("False"), Compat::strict()).unwrap_err();
//! assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
//!
//! let emails = user.attribute("emails").unwrap();
//! let item = json!({"VALUE": "a@b.c", "Primary": "true", "display": null});
//! assert_eq!(
//!     value::coerce(emails, &item, Compat::tolerant()).unwrap(),
//!     json!({"value": "a@b.c", "primary": true})
//! );
//! ```

use crate::compat::{Compat, Quirk};
use crate::error::{ScimError, ScimType};
use crate::schema::{AttributeDef, AttributeType};
use serde_json::{Map, Number, Value};
use std::fmt;

/// Checks and coerces one value of `attr` (for a multi-valued attribute: one item).
///
/// `null` stays `null` (absent). Errors are `invalidValue` (wrong type, non-numeric text,
/// a value outside strict canonical values) or `invalidSyntax` (two keys differing only in
/// case, unknown sub-attributes in strict mode), and name the attribute path.
pub fn coerce(attr: &AttributeDef, value: &Value, compat: Compat) -> Result<Value, ScimError> {
    let mut v = value.clone();
    coerce_mut(attr, &mut v, compat, &attr.name)?;
    Ok(v)
}

/// In-place form of [`coerce`]; `path` names the attribute in errors (e.g. `emails`,
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`).
///
/// On error, `value` may be partly rewritten; callers discard it.
pub fn coerce_mut(
    attr: &AttributeDef,
    value: &mut Value,
    compat: Compat,
    path: &str,
) -> Result<(), ScimError> {
    coerce_single(attr, value, compat, Path::Root(path))
}

/// Checks and coerces a whole attribute value (see [`coerce_attribute_mut`]), returning the
/// canonical copy.
///
/// ```
/// use scim_core::schema::builtin;
/// use scim_core::{value, Compat};
/// use serde_json::json;
///
/// let manager = builtin::enterprise_user().attribute("manager").unwrap().clone();
/// // Entra sends the single-valued `manager` as a one-item array.
/// let v = value::coerce_attribute(&manager, &json!([{"value": "26118915"}]), Compat::tolerant());
/// assert_eq!(v.unwrap(), json!({"value": "26118915"}));
/// ```
pub fn coerce_attribute(
    attr: &AttributeDef,
    value: &Value,
    compat: Compat,
) -> Result<Value, ScimError> {
    let mut v = value.clone();
    coerce_attribute_mut(attr, &mut v, compat, &attr.name)?;
    Ok(v)
}

/// Checks and coerces a whole attribute value in place: for a multi-valued attribute an
/// array (items coerced, `null` items dropped, at most one `primary: true`, at most
/// [`AttributeDef::max_items`] items); for a single-valued one a single value (a one-item
/// array is unwrapped with [`Quirk::UnwrapSingleItemArrays`]). `null` stays `null` (absent).
pub fn coerce_attribute_mut(
    attr: &AttributeDef,
    value: &mut Value,
    compat: Compat,
    path: &str,
) -> Result<(), ScimError> {
    coerce_attr(attr, value, compat, Path::Root(path))
}

/// An attribute path for error messages, built on the stack and rendered only on error.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Path<'a> {
    /// A top-level name (possibly already qualified).
    Root(&'a str),
    /// `urn:name`: an extension attribute.
    Urn(&'a str, &'a str),
    /// `parent.name`.
    Field(&'a Path<'a>, &'a str),
    /// `parent[index]`.
    Index(&'a Path<'a>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root(name) => f.write_str(name),
            Path::Urn(urn, name) => write!(f, "{urn}:{name}"),
            Path::Field(Path::Root(""), name) => f.write_str(name),
            Path::Field(parent, name) => write!(f, "{parent}.{name}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

pub(crate) fn invalid_value(path: &Path<'_>, msg: impl fmt::Display) -> ScimError {
    ScimError::bad_request(ScimType::InvalidValue, format!("{path}: {msg}"))
}

pub(crate) fn invalid_syntax(path: &Path<'_>, msg: impl fmt::Display) -> ScimError {
    ScimError::bad_request(ScimType::InvalidSyntax, format!("{path}: {msg}"))
}

/// A short description of a JSON value's kind, for error messages.
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

pub(crate) fn coerce_attr(
    attr: &AttributeDef,
    value: &mut Value,
    compat: Compat,
    path: Path<'_>,
) -> Result<(), ScimError> {
    if value.is_null() {
        return Ok(());
    }
    if attr.multi_valued {
        let Value::Array(items) = value else {
            return Err(invalid_value(
                &path,
                format_args!("expected an array, got {}", kind(value)),
            ));
        };
        items.retain(|v| !v.is_null());
        for (i, item) in items.iter_mut().enumerate() {
            coerce_single(attr, item, compat, Path::Index(&path, i))?;
        }
        items.retain(|v| !v.is_null() && !matches!(v, Value::Object(m) if m.is_empty()));
        check_multi(attr, items, compat, &path)
    } else {
        if let Value::Array(items) = value {
            match items.as_mut_slice() {
                [one] if compat.allows(Quirk::UnwrapSingleItemArrays) => {
                    let one = std::mem::take(one);
                    *value = one;
                }
                _ => {
                    return Err(invalid_value(
                        &path,
                        "expected a single value, got an array",
                    ));
                }
            }
        }
        coerce_single(attr, value, compat, path)
    }
}

/// The multi-valued rules: at most `max_items` items, at most one `primary: true`.
pub(crate) fn check_multi(
    attr: &AttributeDef,
    items: &mut [Value],
    compat: Compat,
    path: &Path<'_>,
) -> Result<(), ScimError> {
    if let Some(max) = attr.max_items
        && items.len() > max
    {
        return Err(invalid_value(
            path,
            format_args!("at most {max} values allowed, got {}", items.len()),
        ));
    }
    let is_primary =
        |v: &Value| crate::member::of(v, "primary").and_then(Value::as_bool) == Some(true);
    let primaries = items.iter().filter(|v| is_primary(v)).count();
    if primaries > 1 {
        if !compat.allows(Quirk::KeepLastPrimary) {
            return Err(invalid_value(
                path,
                "more than one value has primary set to true",
            ));
        }
        let mut seen_last = false;
        for item in items.iter_mut().rev() {
            if is_primary(item) {
                if seen_last {
                    if let Some(p) = item.get_mut("primary") {
                        *p = Value::Bool(false);
                    }
                } else {
                    seen_last = true;
                }
            }
        }
    }
    Ok(())
}

pub(crate) fn coerce_single(
    attr: &AttributeDef,
    value: &mut Value,
    compat: Compat,
    path: Path<'_>,
) -> Result<(), ScimError> {
    if value.is_null() {
        return Ok(());
    }
    match attr.type_ {
        AttributeType::String => {
            let Value::String(s) = value else {
                return Err(expected(&path, "a string", value));
            };
            check_canonical(attr, s, &path)
        }
        AttributeType::Reference => match value {
            Value::String(_) => Ok(()),
            other => Err(expected(&path, "a reference string", other)),
        },
        AttributeType::Binary => match value {
            Value::String(s) if is_base64(s) => Ok(()),
            Value::String(_) => Err(invalid_value(&path, "expected base64-encoded binary")),
            other => Err(expected(&path, "a base64 string", other)),
        },
        AttributeType::Boolean => {
            let b = match value {
                Value::Bool(_) => return Ok(()),
                Value::String(s) if compat.allows(Quirk::BooleanStrings) => {
                    if s.eq_ignore_ascii_case("true") {
                        true
                    } else if s.eq_ignore_ascii_case("false") {
                        false
                    } else {
                        return Err(invalid_value(
                            &path,
                            format_args!("expected a boolean, got {s:?}"),
                        ));
                    }
                }
                other => return Err(expected(&path, "a boolean", other)),
            };
            *value = Value::Bool(b);
            Ok(())
        }
        AttributeType::Integer => {
            let n = match value {
                Value::Number(n) if n.is_i64() || n.is_u64() => return Ok(()),
                Value::Number(n) => {
                    return Err(invalid_value(
                        &path,
                        format_args!("expected an integer, got {n}"),
                    ));
                }
                Value::String(s) if compat.allows(Quirk::NumericStrings) => parse_integer(s)
                    .ok_or_else(|| {
                        invalid_value(&path, format_args!("expected an integer, got {s:?}"))
                    })?,
                other => return Err(expected(&path, "an integer", other)),
            };
            *value = Value::Number(n);
            Ok(())
        }
        AttributeType::Decimal => {
            let n = match value {
                Value::Number(_) => return Ok(()),
                Value::String(s) if compat.allows(Quirk::NumericStrings) => parse_decimal(s)
                    .ok_or_else(|| {
                        invalid_value(&path, format_args!("expected a decimal, got {s:?}"))
                    })?,
                other => return Err(expected(&path, "a decimal", other)),
            };
            *value = Value::Number(n);
            Ok(())
        }
        AttributeType::DateTime => match value {
            Value::String(s) => chrono::DateTime::parse_from_rfc3339(s)
                .map(|_| ())
                .map_err(|_| {
                    invalid_value(
                        &path,
                        format_args!("expected an RFC 3339 dateTime, got {s:?}"),
                    )
                }),
            other => Err(expected(&path, "a dateTime string", other)),
        },
        AttributeType::Complex => {
            let Value::Object(map) = value else {
                return Err(expected(&path, "an object", value));
            };
            fix_complex(attr, map, compat, &path, true)
        }
    }
}

fn expected(path: &Path<'_>, what: &str, got: &Value) -> ScimError {
    invalid_value(path, format_args!("expected {what}, got {}", kind(got)))
}

fn check_canonical(attr: &AttributeDef, s: &mut String, path: &Path<'_>) -> Result<(), ScimError> {
    if !attr.strict_canonical_values || attr.canonical_values.is_empty() {
        return Ok(());
    }
    let found = attr.canonical_values.iter().find(|c| {
        if attr.case_exact {
            c.as_str() == s.as_str()
        } else {
            c.eq_ignore_ascii_case(s)
        }
    });
    match found {
        Some(c) => {
            if c != s {
                c.clone_into(s);
            }
            Ok(())
        }
        None => Err(invalid_value(
            path,
            format_args!(
                "{s:?} is not one of the allowed values {:?}",
                attr.canonical_values
            ),
        )),
    }
}

fn parse_integer(s: &str) -> Option<Number> {
    if let Ok(i) = s.parse::<i64>() {
        return Some(Number::from(i));
    }
    s.parse::<u64>().ok().map(Number::from)
}

fn parse_decimal(s: &str) -> Option<Number> {
    let ok_chars = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
        && s.bytes().any(|b| b.is_ascii_digit());
    if !ok_chars {
        return None;
    }
    if let Some(n) = parse_integer(s) {
        return Some(n);
    }
    s.parse::<f64>().ok().and_then(Number::from_f64)
}

fn is_base64(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    s.len() - body.len() <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_'))
}

/// Which sub-attribute a key names: its canonical spelling, or `None` when unknown.
pub(crate) fn sub_attribute_for<'a>(
    attr: &'a AttributeDef,
    key: &str,
    compat: Compat,
) -> Option<&'a AttributeDef> {
    attr.sub_attribute(key).or_else(|| {
        if compat.allows(Quirk::MemberAliases) && key.eq_ignore_ascii_case("displayName") {
            attr.sub_attribute("display")
        } else {
            None
        }
    })
}

/// Rewrites a complex value's keys to the schema's spelling. With `full`, sub-attribute
/// values are coerced and `null` members dropped; without, only keys change.
pub(crate) fn fix_complex(
    attr: &AttributeDef,
    map: &mut Map<String, Value>,
    compat: Compat,
    path: &Path<'_>,
    full: bool,
) -> Result<(), ScimError> {
    // Fast path: keys already in the schema's spelling (stored or canonicalized resources)
    // are checked in place, without rebuilding the map.
    let canonical = map
        .keys()
        .all(|k| attr.sub_attributes.iter().any(|s| s.name == *k));
    if canonical {
        let mut saw_null = false;
        for (k, v) in map.iter_mut() {
            let Some(sub) = attr.sub_attributes.iter().find(|s| s.name == *k) else {
                continue;
            };
            let sub_path = Path::Field(path, &sub.name);
            if full {
                coerce_attr(sub, v, compat, sub_path)?;
                saw_null |= v.is_null();
            } else {
                canonical_keys(sub, v, compat, sub_path)?;
            }
        }
        if saw_null {
            map.retain(|_, v| !v.is_null());
        }
        return Ok(());
    }
    let old = std::mem::take(map);
    let mut out = Map::with_capacity(old.len());
    // Whether a key was filled through an alias (`displayName` for `display`); a real key
    // seen later replaces it.
    let mut alias_key: Option<&str> = None;
    for (key, mut v) in old {
        let Some(sub) = sub_attribute_for(attr, &key, compat) else {
            if compat.allows(Quirk::IgnoreUnknownAttributes) {
                continue;
            }
            return Err(invalid_syntax(
                &Path::Field(path, &key),
                "unknown sub-attribute",
            ));
        };
        let aliased = !sub.name.eq_ignore_ascii_case(&key);
        if out.contains_key(&sub.name) {
            if aliased {
                // An alias (`displayName`) next to the real key: the real key wins.
                continue;
            }
            if alias_key != Some(sub.name.as_str()) {
                return Err(invalid_syntax(
                    &Path::Field(path, &sub.name),
                    "two keys differ only in case",
                ));
            }
        }
        let sub_path = Path::Field(path, &sub.name);
        if full {
            coerce_attr(sub, &mut v, compat, sub_path)?;
            if v.is_null() {
                continue;
            }
        } else {
            canonical_keys(sub, &mut v, compat, sub_path)?;
        }
        if aliased {
            alias_key = Some(&sub.name);
        }
        let key = if key == sub.name {
            key
        } else {
            sub.name.clone()
        };
        out.insert(key, v);
    }
    *map = out;
    Ok(())
}

/// Rewrites keys only (no type checks), through arrays and complex values.
pub(crate) fn canonical_keys(
    attr: &AttributeDef,
    value: &mut Value,
    compat: Compat,
    path: Path<'_>,
) -> Result<(), ScimError> {
    if !attr.is_complex() {
        return Ok(());
    }
    match value {
        Value::Object(map) => fix_complex(attr, map, compat, &path, false),
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                if let Value::Object(map) = item {
                    fix_complex(attr, map, compat, &Path::Index(&path, i), false)?;
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::builtin;
    use serde_json::json;

    fn user_attr(name: &str) -> AttributeDef {
        builtin::user().attribute(name).unwrap().clone()
    }

    #[test]
    fn booleans_sent_as_strings() {
        let active = user_attr("active");
        for input in ["True", "true", "FALSE"] {
            let v = coerce(&active, &json!(input), Compat::tolerant()).unwrap();
            assert_eq!(v, json!(input.eq_ignore_ascii_case("true")));
            let err = coerce(&active, &json!(input), Compat::strict()).unwrap_err();
            assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
            assert!(err.detail().starts_with("active:"), "{}", err.detail());
        }
        let err = coerce(&active, &json!("yes"), Compat::tolerant()).unwrap_err();
        assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
        assert_eq!(
            coerce(&active, &json!(true), Compat::strict()).unwrap(),
            json!(true)
        );
    }

    #[test]
    fn numbers_sent_as_strings() {
        let int = AttributeDef::new("n", AttributeType::Integer);
        let dec = AttributeDef::new("d", AttributeType::Decimal);
        let t = Compat::tolerant();
        assert_eq!(coerce(&int, &json!("42"), t).unwrap(), json!(42));
        assert_eq!(coerce(&int, &json!("-7"), t).unwrap(), json!(-7));
        assert_eq!(coerce(&dec, &json!("1.5"), t).unwrap(), json!(1.5));
        assert_eq!(coerce(&dec, &json!("3"), t).unwrap(), json!(3));
        for bad in ["4x", "", "NaN", "inf", "1.5"] {
            let err = coerce(&int, &json!(bad), t).unwrap_err();
            assert_eq!(err.scim_type(), Some(ScimType::InvalidValue), "{bad}");
        }
        for bad in ["abc", "NaN", "infinity", "-"] {
            assert!(coerce(&dec, &json!(bad), t).is_err(), "{bad}");
        }
        assert!(coerce(&int, &json!(1.5), t).is_err());
        assert!(coerce(&int, &json!("42"), Compat::strict()).is_err());
    }

    #[test]
    fn date_times_are_rfc3339() {
        let created = builtin::common_attributes()
            .into_iter()
            .find(|a| a.name == "meta")
            .unwrap()
            .sub_attribute("created")
            .unwrap()
            .clone();
        let t = Compat::tolerant();
        assert!(coerce(&created, &json!("2010-01-23T04:56:22Z"), t).is_ok());
        assert!(coerce(&created, &json!("2010-01-23T04:56:22.123+02:00"), t).is_ok());
        let err = coerce(&created, &json!("yesterday"), t).unwrap_err();
        assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
        assert!(coerce(&created, &json!(3), t).is_err());
    }

    #[test]
    fn complex_values_get_canonical_keys() {
        let name = user_attr("name");
        let v = coerce(
            &name,
            &json!({"GivenName": "Ann", "FAMILYNAME": "Lee", "middleName": null}),
            Compat::strict(),
        )
        .unwrap();
        assert_eq!(v, json!({"givenName": "Ann", "familyName": "Lee"}));
        let err = coerce(
            &name,
            &json!({"givenName": "a", "givenname": "b"}),
            Compat::tolerant(),
        )
        .unwrap_err();
        assert_eq!(err.scim_type(), Some(ScimType::InvalidSyntax));
        assert!(err.detail().contains("name.givenName"), "{}", err.detail());
        assert_eq!(
            coerce(&name, &json!({"nope": 1}), Compat::tolerant()).unwrap(),
            json!({})
        );
        let err = coerce(&name, &json!({"nope": 1}), Compat::strict()).unwrap_err();
        assert_eq!(err.scim_type(), Some(ScimType::InvalidSyntax));
        let err = coerce(&name, &json!({"givenName": 1}), Compat::strict()).unwrap_err();
        assert!(
            err.detail().starts_with("name.givenName:"),
            "{}",
            err.detail()
        );
    }

    #[test]
    fn member_aliases() {
        let group = builtin::group();
        let members = group.attribute("members").unwrap();
        let v = coerce(
            members,
            &json!({"value": "1", "$ref": null, "displayName": "Ann"}),
            Compat::tolerant(),
        )
        .unwrap();
        assert_eq!(v, json!({"value": "1", "display": "Ann"}));
    }

    #[test]
    fn multi_valued_rules() {
        let mut emails = user_attr("emails");
        let t = Compat::tolerant();
        let mut v =
            json!([{"value": "a", "primary": true}, null, {"value": "b", "primary": "True"}]);
        coerce_attribute_mut(&emails, &mut v, t, "emails").unwrap();
        assert_eq!(
            v,
            json!([{"value": "a", "primary": false}, {"value": "b", "primary": true}])
        );
        let mut v = json!([{"value": "a", "primary": true}, {"value": "b", "primary": true}]);
        let err = coerce_attribute_mut(&emails, &mut v, Compat::strict(), "emails").unwrap_err();
        assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
        emails.max_items = Some(1);
        let mut v = json!([{"value": "a"}, {"value": "b"}]);
        let err = coerce_attribute_mut(&emails, &mut v, t, "emails").unwrap_err();
        assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
        let mut v = json!({"value": "a"});
        assert!(coerce_attribute_mut(&emails, &mut v, t, "emails").is_err());
        let manager = builtin::enterprise_user()
            .attribute("manager")
            .unwrap()
            .clone();
        let mut v = json!([{"value": "26118915"}]);
        coerce_attribute_mut(&manager, &mut v, t, "manager").unwrap();
        assert_eq!(v, json!({"value": "26118915"}));
        let mut v = json!([{"value": "26118915"}]);
        assert!(coerce_attribute_mut(&manager, &mut v, Compat::strict(), "manager").is_err());
    }

    #[test]
    fn strict_canonical_values() {
        let mut emails = user_attr("emails");
        emails
            .sub_attribute_mut("type")
            .unwrap()
            .strict_canonical_values = true;
        let t = Compat::tolerant();
        assert_eq!(
            coerce(&emails, &json!({"type": "WORK"}), t).unwrap(),
            json!({"type": "work"})
        );
        let err = coerce(&emails, &json!({"type": "club"}), t).unwrap_err();
        assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
        assert!(err.detail().starts_with("emails.type"), "{}", err.detail());
    }

    #[test]
    fn binary_and_reference() {
        let certs = user_attr("x509Certificates");
        let t = Compat::tolerant();
        assert!(coerce(&certs, &json!({"value": "TUlJREF3=="}), t).is_ok());
        assert!(coerce(&certs, &json!({"value": "not base64!"}), t).is_err());
        let photos = user_attr("photos");
        assert!(coerce(&photos, &json!({"value": 3}), t).is_err());
    }

    #[test]
    fn single_valued_complex_attribute_sent_as_a_one_item_array() {
        let manager = builtin::enterprise_user()
            .attribute("manager")
            .unwrap()
            .clone();
        let v = coerce_attribute(
            &manager,
            &json!([{"value": "26118915"}]),
            Compat::tolerant(),
        );
        assert_eq!(v.unwrap(), json!({"value": "26118915"}));
        let err = coerce_attribute(&manager, &json!([{"value": "26118915"}]), Compat::strict());
        assert_eq!(err.unwrap_err().scim_type(), Some(ScimType::InvalidValue));
        let two = json!([{"value": "1"}, {"value": "2"}]);
        assert!(coerce_attribute(&manager, &two, Compat::tolerant()).is_err());
    }
}
