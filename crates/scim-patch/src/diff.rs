//! [`diff`]: the smallest PatchOp that turns one resource into another.

use crate::equiv::{equivalent, unassigned};
use crate::index;
use scim_core::message::{PatchOp, PatchOpKind, PatchOperation};
use scim_core::schema::Mutability;
use scim_core::{AttributeDef, ResourceType, SchemaRegistry};
use serde_json::{Map, Value};

/// The smallest PatchOp that turns `old` into `new`, as a connector sends it when "only
/// the attributes that changed are sent".
///
/// - only changed attributes appear; read-only attributes (`id`, `meta`, `groups`,
///   `manager.displayName`) and attributes the schemas do not define are left out, since a
///   PATCH cannot set them;
/// - a single-valued complex attribute gets `remove name.sub` for cleared sub-attributes
///   and one `replace name` with only the changed sub-attributes (a merge);
/// - a multi-valued attribute whose items have a `value` changes by identity: one
///   `remove attr[value eq "a" or value eq "b"]` for the items that went (or changed) and
///   one `add attr` with the items that came (or changed), never a whole-array replace;
///   items without `value` (addresses) are compared whole, and the attribute is replaced
///   when they differ;
/// - extension attributes use URN-qualified paths; an extension that disappears entirely
///   is removed by its URN.
///
/// The resource type comes from `meta.resourceType` or `schemas` (of `new`, else `old`).
/// `Plan::apply(old, diff(old, new))` gives a resource [`crate::equivalent`] to `new`
/// in every writable attribute.
///
/// ```
/// use scim_core::SchemaRegistry;
/// use serde_json::json;
///
/// let registry = SchemaRegistry::builtin();
/// let old = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
///                  "displayName": "Ops", "members": [{"value": "a"}, {"value": "b"}]});
/// let new = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
///                  "displayName": "Ops", "members": [{"value": "b"}, {"value": "c"}]});
/// let patch = scim_patch::diff(&old, &new, &registry);
/// assert_eq!(serde_json::to_value(&patch).unwrap()["Operations"], json!([
///     {"op": "remove", "path": "members[value eq \"a\"]"},
///     {"op": "add", "path": "members", "value": [{"value": "c"}]}
/// ]));
/// ```
pub fn diff(old: &Value, new: &Value, registry: &SchemaRegistry) -> PatchOp {
    let rt =
        crate::resource_type_of(registry, new).or_else(|| crate::resource_type_of(registry, old));
    match rt {
        Some(rt) => diff_typed(old, new, registry, rt),
        None => PatchOp::new(untyped(old, new)),
    }
}

/// [`diff`] for resources of a known type.
pub fn diff_typed(
    old: &Value,
    new: &Value,
    registry: &SchemaRegistry,
    rt: &ResourceType,
) -> PatchOp {
    let mut ops = Vec::new();
    let core = registry.core_schema(rt);
    let common = registry
        .common_attributes()
        .iter()
        .filter(|a| a.mutability != Mutability::ReadOnly);
    for attr in common.chain(core.into_iter().flat_map(|s| s.attributes.iter())) {
        attribute(
            &mut ops,
            None,
            attr,
            old.get(&attr.name),
            new.get(&attr.name),
        );
    }
    for (schema, _) in registry.extensions(rt) {
        let urn = schema.id.as_str();
        let (o, n) = (old.get(urn), new.get(urn));
        let writable = |v: Option<&Value>| {
            schema.attributes.iter().any(|a| {
                a.mutability != Mutability::ReadOnly
                    && v.and_then(|v| v.get(&a.name))
                        .is_some_and(|v| !unassigned(v))
            })
        };
        if writable(o) && !writable(n) && n.is_none_or(unassigned) {
            ops.push(PatchOperation::new(PatchOpKind::Remove, Some(urn), None));
            continue;
        }
        for attr in &schema.attributes {
            attribute(
                &mut ops,
                Some(urn),
                attr,
                o.and_then(|o| o.get(&attr.name)),
                n.and_then(|n| n.get(&attr.name)),
            );
        }
    }
    PatchOp::new(ops)
}

fn path(ext: Option<&str>, name: &str) -> String {
    match ext {
        Some(urn) => format!("{urn}:{name}"),
        None => name.to_owned(),
    }
}

fn live(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| !unassigned(v))
}

fn attribute(
    ops: &mut Vec<PatchOperation>,
    ext: Option<&str>,
    attr: &AttributeDef,
    old: Option<&Value>,
    new: Option<&Value>,
) {
    if attr.mutability == Mutability::ReadOnly {
        return;
    }
    let (old, new) = (live(old), live(new));
    let p = || path(ext, &attr.name);
    match (old, new) {
        (None, None) => {}
        (Some(_), None) => ops.push(PatchOperation::new(PatchOpKind::Remove, Some(&p()), None)),
        (None, Some(n)) => {
            let n = writable_part(attr, n);
            let kind = if attr.multi_valued {
                PatchOpKind::Add
            } else {
                PatchOpKind::Replace
            };
            ops.push(PatchOperation::new(kind, Some(&p()), Some(n)));
        }
        (Some(o), Some(n)) => {
            if equivalent(o, n) {
                return;
            }
            match (attr.multi_valued, attr.is_complex(), o, n) {
                (true, _, Value::Array(o), Value::Array(n)) => multi(ops, &p(), attr, o, n),
                (false, true, Value::Object(o), Value::Object(n)) => complex(ops, &p(), attr, o, n),
                _ => ops.push(PatchOperation::new(
                    PatchOpKind::Replace,
                    Some(&p()),
                    Some(writable_part(attr, n)),
                )),
            }
        }
    }
}

/// `n` without read-only sub-attributes and unassigned members.
fn writable_part(attr: &AttributeDef, n: &Value) -> Value {
    let strip = |m: &Map<String, Value>| {
        Value::Object(
            m.iter()
                .filter(|(k, v)| {
                    !unassigned(v)
                        && attr
                            .sub_attribute(k)
                            .is_none_or(|s| s.mutability != Mutability::ReadOnly)
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        )
    };
    match n {
        Value::Object(m) if attr.is_complex() => strip(m),
        Value::Array(items) if attr.is_complex() => Value::Array(
            items
                .iter()
                .filter(|v| !unassigned(v))
                .map(|v| match v {
                    Value::Object(m) => strip(m),
                    other => other.clone(),
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

fn complex(
    ops: &mut Vec<PatchOperation>,
    p: &str,
    attr: &AttributeDef,
    o: &Map<String, Value>,
    n: &Map<String, Value>,
) {
    let mut changed = Map::new();
    for sub in &attr.sub_attributes {
        if sub.mutability == Mutability::ReadOnly {
            continue;
        }
        let (a, b) = (live(o.get(&sub.name)), live(n.get(&sub.name)));
        match (a, b) {
            (Some(_), None) => ops.push(PatchOperation::new(
                PatchOpKind::Remove,
                Some(&format!("{p}.{}", sub.name)),
                None,
            )),
            (_, Some(b)) if a != Some(b) => {
                changed.insert(sub.name.clone(), b.clone());
            }
            _ => {}
        }
    }
    if !changed.is_empty() {
        ops.push(PatchOperation::new(
            PatchOpKind::Replace,
            Some(p),
            Some(Value::Object(changed)),
        ));
    }
}

fn multi(ops: &mut Vec<PatchOperation>, p: &str, attr: &AttributeDef, o: &[Value], n: &[Value]) {
    let o: Vec<&Value> = o.iter().filter(|v| !unassigned(v)).collect();
    let n: Vec<&Value> = n.iter().filter(|v| !unassigned(v)).collect();
    let exact = index::exact(attr);
    let ids = |items: &[&Value]| -> Option<Vec<String>> {
        let ids: Vec<&str> = items
            .iter()
            .map(|v| index::identity(attr, v))
            .collect::<Option<_>>()?;
        let mut set = index::index_with_capacity(ids.len());
        for id in &ids {
            if set.insert(index::Key::new(id, exact), ()).is_some() {
                return None;
            }
        }
        Some(ids.into_iter().map(str::to_owned).collect())
    };
    let (Some(oid), Some(nid)) = (ids(&o), ids(&n)) else {
        let all: Vec<Value> = n.iter().map(|v| writable_part(attr, v)).collect();
        ops.push(PatchOperation::new(
            PatchOpKind::Replace,
            Some(p),
            Some(Value::Array(all)),
        ));
        return;
    };
    let mut new_index = index::index_with_capacity(n.len());
    for (i, id) in nid.iter().enumerate() {
        new_index.insert(index::Key::new(id, exact), i);
    }
    let mut old_index = index::index_with_capacity(o.len());
    for (i, id) in oid.iter().enumerate() {
        old_index.insert(index::Key::new(id, exact), i);
    }
    let mut gone: Vec<&str> = Vec::new();
    for (item, id) in o.iter().zip(&oid) {
        match new_index
            .get(&index::Key::new(id, exact))
            .and_then(|&i| n.get(i))
        {
            Some(m) if equivalent(&writable_part(attr, item), &writable_part(attr, m)) => {}
            _ => gone.push(id),
        }
    }
    let mut came: Vec<Value> = Vec::new();
    for (item, id) in n.iter().zip(&nid) {
        let same = old_index
            .get(&index::Key::new(id, exact))
            .and_then(|&i| o.get(i))
            .is_some_and(|m| equivalent(&writable_part(attr, item), &writable_part(attr, m)));
        if !same {
            came.push(writable_part(attr, item));
        }
    }
    if !gone.is_empty() {
        let filter = gone
            .iter()
            .map(|id| format!("value eq {}", Value::String((*id).to_owned())))
            .collect::<Vec<_>>()
            .join(" or ");
        ops.push(PatchOperation::new(
            PatchOpKind::Remove,
            Some(&format!("{p}[{filter}]")),
            None,
        ));
    }
    if !came.is_empty() {
        ops.push(PatchOperation::new(
            PatchOpKind::Add,
            Some(p),
            Some(Value::Array(came)),
        ));
    }
}

/// Without a resource type: every top-level key except `id`, `meta` and `schemas`
/// replaced or removed whole.
fn untyped(old: &Value, new: &Value) -> Vec<PatchOperation> {
    let empty = Map::new();
    let o = old.as_object().unwrap_or(&empty);
    let n = new.as_object().unwrap_or(&empty);
    let skip = |k: &str| matches!(k, "id" | "meta" | "schemas");
    let mut ops = Vec::new();
    for (k, v) in o {
        if !skip(k) && !unassigned(v) && n.get(k).is_none_or(unassigned) {
            ops.push(PatchOperation::new(PatchOpKind::Remove, Some(k), None));
        }
    }
    for (k, v) in n {
        if !skip(k) && !unassigned(v) && !o.get(k).is_some_and(|w| equivalent(v, w)) {
            ops.push(PatchOperation::new(
                PatchOpKind::Replace,
                Some(k),
                Some(v.clone()),
            ));
        }
    }
    ops
}
