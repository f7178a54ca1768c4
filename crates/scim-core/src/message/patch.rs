//! The PatchOp message (RFC 7644 §3.5.2): decoding with the known client quirks, canonical
//! encoding.
//!
//! ```
//! use scim_core::message::{PatchOp, PatchOpKind};
//! use scim_core::Compat;
//!
//! // An identity-governance connector's body: capitalized keys and op name.
//! let body = serde_json::json!({
//!     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
//!     "Operations": [{"Op": "Replace", "Path": "emails[primary eq true].value", "Value": "a@b.c"}]
//! });
//! let patch = PatchOp::from_json(&body, Compat::tolerant()).unwrap();
//! assert_eq!(patch.operations[0].op, PatchOpKind::Replace);
//! assert_eq!(patch.operations[0].path.as_deref(), Some("emails[primary eq true].value"));
//!
//! // Output is always canonical.
//! let out = serde_json::to_value(&patch).unwrap();
//! assert_eq!(out["Operations"][0]["op"], "replace");
//! assert!(PatchOp::from_json(&body, Compat::strict()).is_err());
//! ```

use crate::compat::{Compat, Quirk};
use crate::error::{ScimError, ScimType};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// The PatchOp message schema URN.
pub const PATCH_OP_URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A PATCH operation's kind (RFC 7644 §3.5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PatchOpKind {
    /// `"add"` (§3.5.2.1).
    Add,
    /// `"remove"` (§3.5.2.2).
    Remove,
    /// `"replace"` (§3.5.2.3).
    Replace,
}

impl PatchOpKind {
    /// The canonical lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            PatchOpKind::Add => "add",
            PatchOpKind::Remove => "remove",
            PatchOpKind::Replace => "replace",
        }
    }
}

/// One operation of a PatchOp.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatchOperation {
    /// The operation kind.
    pub op: PatchOpKind,
    /// The target path (unparsed), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The value, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

impl PatchOperation {
    /// An operation with the given kind, optional path and optional value.
    pub fn new(op: PatchOpKind, path: Option<&str>, value: Option<Value>) -> Self {
        PatchOperation {
            op,
            path: path.map(str::to_owned),
            value,
        }
    }
}

/// A PatchOp request body: `{"schemas": [PATCH_OP_URN], "Operations": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatchOp {
    /// Always `[PATCH_OP_URN]` on output.
    pub schemas: Vec<String>,
    /// The operations, applied in order.
    #[serde(rename = "Operations")]
    pub operations: Vec<PatchOperation>,
}

impl PatchOp {
    /// A PatchOp with the given operations.
    pub fn new(operations: Vec<PatchOperation>) -> Self {
        PatchOp {
            schemas: vec![PATCH_OP_URN.to_owned()],
            operations,
        }
    }

    /// Decodes a PatchOp body. With [`Quirk::PatchKeyCase`], member names and op values are
    /// matched in any case; with [`Quirk::IgnoreUnknownPatchMembers`], unknown members are
    /// ignored; with [`Quirk::InferSchemas`], a missing `schemas` is accepted. Two members whose
    /// names differ only in case are always refused (`invalidSyntax`).
    pub fn from_json(body: &Value, compat: Compat) -> Result<PatchOp, ScimError> {
        let obj = body
            .as_object()
            .ok_or_else(|| syntax("a PatchOp body must be a JSON object"))?;
        let keys = Keys::new(obj, compat, &["schemas", "Operations"], "PatchOp")?;
        match keys.get("schemas") {
            Some(Value::Array(schemas)) => {
                let ok = schemas.iter().any(|s| {
                    s.as_str()
                        .is_some_and(|s| s.eq_ignore_ascii_case(PATCH_OP_URN))
                });
                if !ok && !compat.allows(Quirk::InferSchemas) {
                    return Err(syntax(format!("schemas must contain {PATCH_OP_URN}")));
                }
            }
            None | Some(Value::Null) if compat.allows(Quirk::InferSchemas) => {}
            _ => {
                return Err(syntax(format!(
                    "schemas must be an array containing {PATCH_OP_URN}"
                )));
            }
        }
        let ops = match keys.get("Operations") {
            Some(Value::Array(ops)) => ops,
            Some(_) => return Err(syntax("Operations must be an array")),
            None => return Err(syntax("a PatchOp needs Operations")),
        };
        let operations = ops
            .iter()
            .enumerate()
            .map(|(i, op)| decode_operation(i, op, compat))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PatchOp {
            schemas: vec![PATCH_OP_URN.to_owned()],
            operations,
        })
    }
}

/// Deserializes in the tolerant compat mode; use [`PatchOp::from_json`] to choose the mode.
impl<'de> Deserialize<'de> for PatchOp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(deserializer)?;
        PatchOp::from_json(&v, Compat::tolerant()).map_err(serde::de::Error::custom)
    }
}

fn syntax(detail: impl Into<String>) -> ScimError {
    ScimError::bad_request(ScimType::InvalidSyntax, detail)
}

fn decode_operation(index: usize, op: &Value, compat: Compat) -> Result<PatchOperation, ScimError> {
    let where_ = format!("Operations[{index}]");
    let obj = op
        .as_object()
        .ok_or_else(|| syntax(format!("{where_} must be a JSON object")))?;
    let keys = Keys::new(obj, compat, &["op", "path", "value"], &where_)?;
    let op = match keys.get("op") {
        Some(Value::String(s)) => parse_kind(s, compat).ok_or_else(|| {
            syntax(format!(
                "{where_}: unknown op {s:?}; expected add, remove or replace"
            ))
        })?,
        Some(_) => return Err(syntax(format!("{where_}: op must be a string"))),
        None => return Err(syntax(format!("{where_}: op is required"))),
    };
    let path = match keys.get("path") {
        Some(Value::String(s)) => Some(s.clone()),
        None | Some(Value::Null) => None,
        Some(_) => {
            return Err(ScimError::bad_request(
                ScimType::InvalidPath,
                format!("{where_}: path must be a string"),
            ));
        }
    };
    let value = keys.get("value").cloned();
    Ok(PatchOperation { op, path, value })
}

fn parse_kind(s: &str, compat: Compat) -> Option<PatchOpKind> {
    let kinds = [PatchOpKind::Add, PatchOpKind::Remove, PatchOpKind::Replace];
    if compat.allows(Quirk::PatchKeyCase) {
        kinds
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
    } else {
        kinds.into_iter().find(|k| k.as_str() == s)
    }
}

/// The known members of a JSON object, looked up by canonical name.
struct Keys<'a> {
    found: Vec<(&'static str, &'a Value)>,
}

impl<'a> Keys<'a> {
    fn new(
        obj: &'a Map<String, Value>,
        compat: Compat,
        known: &[&'static str],
        where_: &str,
    ) -> Result<Self, ScimError> {
        let mut found: Vec<(&'static str, &'a Value)> = Vec::with_capacity(known.len());
        for (k, v) in obj {
            let canonical = known.iter().find(|n| {
                if compat.allows(Quirk::PatchKeyCase) {
                    n.eq_ignore_ascii_case(k)
                } else {
                    **n == k.as_str()
                }
            });
            match canonical {
                Some(&name) => {
                    if found.iter().any(|(n, _)| *n == name) {
                        return Err(syntax(format!(
                            "{where_}: member {name:?} appears twice (names differ only in case)"
                        )));
                    }
                    found.push((name, v));
                }
                None if compat.allows(Quirk::IgnoreUnknownPatchMembers) => {}
                None => return Err(syntax(format!("{where_}: unknown member {k:?}"))),
            }
        }
        Ok(Keys { found })
    }

    fn get(&self, name: &str) -> Option<&'a Value> {
        self.found.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tolerant(v: Value) -> Result<PatchOp, ScimError> {
        PatchOp::from_json(&v, Compat::tolerant())
    }

    #[test]
    fn decodes_rfc_body() {
        let p = PatchOp::from_json(
            &json!({"schemas": [PATCH_OP_URN], "Operations": [
                {"op": "add", "path": "members", "value": [{"value": "2819c223"}]},
                {"op": "remove", "path": "members[value eq \"2819c223\"]"}
            ]}),
            Compat::strict(),
        )
        .unwrap();
        assert_eq!(p.operations.len(), 2);
        assert_eq!(p.operations[1].op, PatchOpKind::Remove);
        assert_eq!(p.operations[1].value, None);
    }

    #[test]
    fn unknown_members_in_the_patchop_or_its_operations() {
        let body = json!({"schemas": [PATCH_OP_URN], "id": "x", "Operations": [
            {"name": "addMember", "op": "add", "path": "members", "value": []}
        ]});
        assert!(tolerant(body.clone()).is_ok());
        let err = PatchOp::from_json(&body, Compat::strict()).unwrap_err();
        assert_eq!(err.scim_type(), Some(ScimType::InvalidSyntax));
    }

    #[test]
    fn keys_differing_only_in_case_are_refused() {
        let err = tolerant(json!({"schemas": [PATCH_OP_URN], "Operations": [
            {"op": "add", "value": 1, "Value": 2}
        ]}))
        .unwrap_err();
        assert_eq!(err.scim_type(), Some(ScimType::InvalidSyntax));
    }

    #[test]
    fn bad_bodies_get_invalid_syntax() {
        for body in [
            json!([]),
            json!({"schemas": [PATCH_OP_URN]}),
            json!({"schemas": [PATCH_OP_URN], "Operations": {}}),
            json!({"schemas": [PATCH_OP_URN], "Operations": [1]}),
            json!({"schemas": [PATCH_OP_URN], "Operations": [{"path": "x"}]}),
            json!({"schemas": [PATCH_OP_URN], "Operations": [{"op": "merge"}]}),
            json!({"schemas": [PATCH_OP_URN], "Operations": [{"op": 1}]}),
            json!({"schemas": "x", "Operations": []}),
        ] {
            let err = tolerant(body.clone()).unwrap_err();
            assert_eq!(err.status(), 400, "{body}");
            assert_eq!(err.scim_type(), Some(ScimType::InvalidSyntax), "{body}");
        }
        let err = tolerant(json!({"Operations": [{"op": "add", "path": 3}]})).unwrap_err();
        assert_eq!(err.scim_type(), Some(ScimType::InvalidPath));
    }

    #[test]
    fn missing_schemas_is_inferred_only_when_tolerant() {
        let body = json!({"Operations": [{"op": "remove", "path": "title"}]});
        assert!(tolerant(body.clone()).is_ok());
        assert!(PatchOp::from_json(&body, Compat::strict()).is_err());
    }

    #[test]
    fn serializes_canonically_and_deserializes_tolerantly() {
        let p: PatchOp = serde_json::from_value(
            json!({"Operations": [{"OP": "ADD", "PATH": "title", "VALUE": "x"}]}),
        )
        .unwrap();
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            json!({"schemas": [PATCH_OP_URN], "Operations": [{"op": "add", "path": "title", "value": "x"}]})
        );
    }
}
