//! Member PATCHes on a profile as link inserts and deletes.
//!
//! The forms IdPs send to add and remove members become deltas on `user_profiles`, so adding
//! one member to a large profile inserts one row and reads none of the others:
//!
//! - `add` with path `members` and member objects (`value`, and `display`, `type: User`,
//!   `$ref`, which the store computes);
//! - `remove` with path `members[value eq "…"]`;
//! - `remove` with path `members` and a list of `{"value": "…"}` (the Entra form the engine
//!   accepts in tolerant mode; strict mode refuses it before the store sees it).
//!
//! Any other operation makes the whole PATCH a read-modify-write through the engine's patcher.
//! So does a removal that matches no member (the engine decides whether that is `noTarget` or
//! a no-op), so both paths answer alike.

use super::db::R;
use super::filter::fold;
use super::records::{link, resolve_members, unlink};
use rusqlite::Connection;
use scim_core::message::{PatchOpKind, PatchOperation};
use serde_json::Value;

/// One member change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Delta {
    /// Give the profile to these users (member values as sent).
    Add(Vec<String>),
    /// `remove members[value eq "…"]`: the member must be there.
    Remove(String),
    /// `remove members` with a value list: those of them that are members.
    RemoveListed(Vec<String>),
}

/// The deltas of a PATCH that only adds and removes members, or `None`.
pub(crate) fn plan(ops: &[PatchOperation]) -> Option<Vec<Delta>> {
    if ops.is_empty() {
        return None;
    }
    ops.iter().map(delta).collect()
}

fn is_members(path: &str) -> bool {
    path.trim().eq_ignore_ascii_case("members")
}

fn delta(op: &PatchOperation) -> Option<Delta> {
    let path = op.path.as_deref()?;
    match op.op {
        PatchOpKind::Add if is_members(path) => {
            let values = member_values(op.value.as_ref()?, &["value", "display", "type", "$ref"])?;
            Some(Delta::Add(values))
        }
        PatchOpKind::Remove if is_members(path) => match op.value.as_ref()? {
            Value::Null => None,
            v => Some(Delta::RemoveListed(member_values(v, &["value"])?)),
        },
        PatchOpKind::Remove if op.value.is_none() => {
            crate::store::kind::removed_member(path).map(Delta::Remove)
        }
        _ => None,
    }
}

/// The `value`s of a member object or list, when every item is an object of string
/// sub-attributes among `allowed` (any case) with a non-empty `value`, and any `type` is
/// `User`.
fn member_values(v: &Value, allowed: &[&str]) -> Option<Vec<String>> {
    let items = match v {
        Value::Array(items) => items.as_slice(),
        Value::Object(_) => std::slice::from_ref(v),
        _ => return None,
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let mut value = None;
        for (k, sub) in item.as_object()? {
            let s = sub.as_str()?;
            if !allowed.iter().any(|a| a.eq_ignore_ascii_case(k)) {
                return None;
            }
            if k.eq_ignore_ascii_case("type") && !s.eq_ignore_ascii_case("User") {
                return None;
            }
            if k.eq_ignore_ascii_case("value") {
                value = Some(s);
            }
        }
        out.push(value.filter(|s| !s.is_empty())?.to_owned());
    }
    Some(out)
}

/// Applies deltas to profile `id`: `Some(changed)`, or `None` when they cannot stand in for
/// the patch (the caller rolls back what was done and runs the patch whole). Touched users
/// are bumped; the profile is not (the caller bumps it when something changed).
pub(crate) fn apply(
    c: &Connection,
    tenant: &str,
    id: &str,
    deltas: &[Delta],
    ts: &str,
) -> R<Option<bool>> {
    let mut changed = false;
    for d in deltas {
        match d {
            Delta::Add(values) => {
                let users = resolve_members(c, tenant, values)?;
                changed |= link(c, tenant, id, &users, ts)? > 0;
            }
            Delta::Remove(value) => {
                if unlink(c, tenant, id, &[fold(value)], ts)? == 0 {
                    return Ok(None);
                }
                changed = true;
            }
            Delta::RemoveListed(values) => {
                let folded: Vec<String> = values.iter().map(|v| fold(v)).collect();
                changed |= unlink(c, tenant, id, &folded, ts)? > 0;
            }
        }
    }
    Ok(Some(changed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn op(kind: PatchOpKind, path: Option<&str>, value: Option<Value>) -> PatchOperation {
        PatchOperation {
            op: kind,
            path: path.map(str::to_owned),
            value,
        }
    }

    #[test]
    fn the_member_forms_idps_send() {
        let ops = [
            op(
                PatchOpKind::Add,
                Some("Members"),
                Some(json!([{"value": "a", "display": "A", "type": "User"}, {"Value": "b"}])),
            ),
            op(PatchOpKind::Remove, Some("members[value eq \"c\"]"), None),
            op(
                PatchOpKind::Remove,
                Some("members"),
                Some(json!([{"value": "d"}])),
            ),
        ];
        assert_eq!(
            plan(&ops).unwrap(),
            [
                Delta::Add(vec!["a".into(), "b".into()]),
                Delta::Remove("c".into()),
                Delta::RemoveListed(vec!["d".into()]),
            ]
        );
    }

    #[test]
    fn anything_else_runs_the_patch_whole() {
        for o in [
            op(
                PatchOpKind::Replace,
                Some("members"),
                Some(json!([{"value": "a"}])),
            ),
            op(
                PatchOpKind::Add,
                None,
                Some(json!({"members": [{"value": "a"}]})),
            ),
            op(
                PatchOpKind::Add,
                Some("members"),
                Some(json!([{"value": "g", "type": "Group"}])),
            ),
            op(
                PatchOpKind::Add,
                Some("members"),
                Some(json!([{"value": ""}])),
            ),
            op(PatchOpKind::Add, Some("members"), Some(json!(["a"]))),
            op(PatchOpKind::Remove, Some("members"), None),
            op(PatchOpKind::Remove, Some("members[value sw \"a\"]"), None),
            op(PatchOpKind::Remove, Some("members[display eq \"a\"]"), None),
            op(
                PatchOpKind::Remove,
                Some("members"),
                Some(json!([{"value": "a", "display": "A"}])),
            ),
            op(PatchOpKind::Replace, Some("displayName"), Some(json!("x"))),
        ] {
            assert_eq!(plan(std::slice::from_ref(&o)), None, "{o:?}");
        }
        assert_eq!(plan(&[]), None);
    }
}
