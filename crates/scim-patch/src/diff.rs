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
    let attrs: Vec<&AttributeDef> = common
        .chain(core.into_iter().flat_map(|s| s.attributes.iter()))
        .collect();
    each_attribute(&mut ops, None, &attrs, old.as_object(), new.as_object());
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
        if o.is_none() && n.is_none() {
            continue;
        }
        if writable(o) && !writable(n) && n.is_none_or(unassigned) {
            ops.push(PatchOperation::new(PatchOpKind::Remove, Some(urn), None));
            continue;
        }
        let attrs: Vec<&AttributeDef> = schema.attributes.iter().collect();
        each_attribute(
            &mut ops,
            Some(urn),
            &attrs,
            o.and_then(Value::as_object),
            n.and_then(Value::as_object),
        );
    }
    PatchOp::new(ops)
}

/// Diffs every attribute of `attrs` (in that order) between two objects, looking each key
/// up once (by the schema's spelling) instead of each attribute in both maps.
fn each_attribute(
    ops: &mut Vec<PatchOperation>,
    ext: Option<&str>,
    attrs: &[&AttributeDef],
    old: Option<&Map<String, Value>>,
    new: Option<&Map<String, Value>>,
) {
    fn place<'v>(
        attrs: &[&AttributeDef],
        m: Option<&'v Map<String, Value>>,
    ) -> Vec<Option<&'v Value>> {
        let mut at: Vec<Option<&'v Value>> = vec![None; attrs.len()];
        for (k, v) in m.into_iter().flatten() {
            if let Some(slot) = attrs
                .iter()
                .position(|a| a.name == *k)
                .and_then(|i| at.get_mut(i))
            {
                *slot = Some(v);
            }
        }
        at
    }
    let (o, n) = (place(attrs, old), place(attrs, new));
    for ((attr, o), n) in attrs.iter().zip(o).zip(n) {
        attribute(ops, ext, attr, o, n);
    }
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

/// Whether two elements are equivalent in their writable sub-attributes (no copies).
fn same_writable(attr: &AttributeDef, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) if attr.is_complex() => {
            if x.len() == y.len() && x.keys().zip(y.keys()).all(|(a, b)| a == b) {
                return x.iter().zip(y.values()).all(|((k, a), b)| {
                    attr.sub_attribute(k)
                        .is_some_and(|s| s.mutability == Mutability::ReadOnly)
                        || equivalent(a, b)
                });
            }
            let writable = |k: &str| {
                attr.sub_attribute(k)
                    .is_none_or(|s| s.mutability != Mutability::ReadOnly)
            };
            x.iter()
                .filter(|(k, _)| writable(k))
                .all(|(k, v)| equivalent(v, y.get(k).unwrap_or(&Value::Null)))
                && y.iter()
                    .filter(|(k, _)| writable(k))
                    .all(|(k, v)| x.contains_key(k) || unassigned(v))
        }
        _ => equivalent(a, b),
    }
}

/// Where the element with identity `id` is in `ids` (a scan for small lists, else the
/// index).
struct Finder<'a> {
    ids: &'a [&'a str],
    exact: bool,
    index: Option<index::Index<'a, usize>>,
}

impl<'a> Finder<'a> {
    fn new(ids: &'a [&'a str], exact: bool) -> Self {
        let index = (ids.len() > 16).then(|| {
            let mut m = index::index_with_capacity(ids.len());
            for (i, id) in ids.iter().enumerate() {
                m.entry(index::Key::new(id, exact)).or_insert(i);
            }
            m
        });
        Finder { ids, exact, index }
    }

    fn find(&self, id: &str) -> Option<usize> {
        match &self.index {
            Some(m) => m.get(&index::Key::new(id, self.exact)).copied(),
            None => self.ids.iter().position(|x| index::same(x, id, self.exact)),
        }
    }

    /// Whether no identity repeats.
    fn distinct(&self) -> bool {
        match &self.index {
            Some(m) => m.len() == self.ids.len(),
            None => self
                .ids
                .iter()
                .enumerate()
                .all(|(i, id)| self.find(id) == Some(i)),
        }
    }
}

fn multi(ops: &mut Vec<PatchOperation>, p: &str, attr: &AttributeDef, o: &[Value], n: &[Value]) {
    let o: Vec<&Value> = o.iter().filter(|v| !unassigned(v)).collect();
    let n: Vec<&Value> = n.iter().filter(|v| !unassigned(v)).collect();
    let exact = index::exact(attr);
    let oid: Option<Vec<&str>> = o.iter().map(|v| index::identity(attr, v)).collect();
    let nid: Option<Vec<&str>> = n.iter().map(|v| index::identity(attr, v)).collect();
    let (Some(oref), Some(nref)) = (oid, nid) else {
        return replace_all(ops, p, attr, &n);
    };
    let (old_at, new_at) = (Finder::new(&oref, exact), Finder::new(&nref, exact));
    if !old_at.distinct() || !new_at.distinct() {
        return replace_all(ops, p, attr, &n);
    }
    let mut gone: Vec<&str> = Vec::new();
    for (item, id) in o.iter().zip(&oref) {
        match new_at.find(id).and_then(|i| n.get(i)) {
            Some(m) if same_writable(attr, item, m) => {}
            _ => gone.push(id),
        }
    }
    let mut came: Vec<Value> = Vec::new();
    for (item, id) in n.iter().zip(&nref) {
        let same = old_at
            .find(id)
            .and_then(|i| o.get(i))
            .is_some_and(|m| same_writable(attr, item, m));
        if !same {
            came.push(writable_part(attr, item));
        }
    }
    if !gone.is_empty() {
        let mut filter = String::new();
        for (i, id) in gone.iter().enumerate() {
            if i > 0 {
                filter.push_str(" or ");
            }
            filter.push_str("value eq ");
            filter.push_str(&Value::String((*id).to_owned()).to_string());
        }
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

/// The whole attribute replaced (items without identities, or repeated identities).
fn replace_all(ops: &mut Vec<PatchOperation>, p: &str, attr: &AttributeDef, n: &[&Value]) {
    let all: Vec<Value> = n.iter().map(|v| writable_part(attr, v)).collect();
    ops.push(PatchOperation::new(
        PatchOpKind::Replace,
        Some(p),
        Some(Value::Array(all)),
    ));
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
