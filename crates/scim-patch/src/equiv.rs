//! Equality of resources as SCIM means it, used by [`crate::diff`] and its property tests.

use serde_json::Value;

/// Whether two resources (or attribute values) are the same SCIM data:
///
/// - `null`, an empty array and an empty object are the same as an absent member
///   (RFC 7643 §2.5: unassigned);
/// - arrays (multi-valued attributes, `schemas`) are compared as sets: every item of one
///   has an equal item in the other, in any order; items are compared whole, recursively;
/// - everything else compares as JSON (strings exactly, numbers by value).
///
/// ```
/// use scim_patch::equivalent;
/// use serde_json::json;
///
/// assert!(equivalent(
///     &json!({"userName": "a", "nickName": null, "emails": [{"value": "x"}, {"value": "y"}]}),
///     &json!({"emails": [{"value": "y"}, {"value": "x", "display": null}], "userName": "a"}),
/// ));
/// assert!(!equivalent(&json!({"userName": "a"}), &json!({"userName": "A"})));
/// ```
pub fn equivalent(a: &Value, b: &Value) -> bool {
    match (unassigned(a), unassigned(b)) {
        (true, true) => return true,
        (true, false) | (false, true) => return false,
        _ => {}
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            // The usual case, the same keys in the same order, needs no lookups.
            if x.len() == y.len() && x.keys().zip(y.keys()).all(|(a, b)| a == b) {
                return x.values().zip(y.values()).all(|(a, b)| equivalent(a, b));
            }
            x.iter()
                .all(|(k, v)| equivalent(v, y.get(k).unwrap_or(&Value::Null)))
                && y.iter().all(|(k, v)| x.contains_key(k) || unassigned(v))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.iter().all(|v| y.iter().any(|w| equivalent(v, w)))
                && y.iter().all(|w| x.iter().any(|v| equivalent(v, w)))
        }
        _ => a == b,
    }
}

/// Whether a value means "unassigned": `null`, `[]` or an object whose members are all
/// unassigned.
pub(crate) fn unassigned(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.values().all(unassigned),
        _ => false,
    }
}
