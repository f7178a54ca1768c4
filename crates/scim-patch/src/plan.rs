//! Stage two: decoded operations resolved against the schema into checked [`Step`]s, before
//! any resource is touched. Paths are parsed and bound to attribute definitions, values are
//! type-checked and coerced (canonical key spelling, tolerant booleans and numbers), and
//! path-less values are split into one step per attribute.

use crate::error::{PatchError, invalid_path, invalid_value, no_target};
use crate::path::{self, Matcher, ParsedPath};
use scim_core::message::{PatchOp, PatchOpKind};
use scim_core::value::{coerce_attribute_mut, coerce_mut};
use scim_core::{AttributeDef, Compat, Quirk, Resolved, ResourceType, Schema, SchemaRegistry};
use serde_json::{Map, Value};
use std::fmt;

/// One checked step. A path-less operation yields one step per attribute in its value.
pub(crate) struct Step<'r> {
    pub(crate) index: usize,
    pub(crate) op: PatchOpKind,
    /// The operation's path, or the value key of a path-less operation (for errors).
    pub(crate) label: String,
    pub(crate) target: Target<'r>,
    pub(crate) value: Option<Value>,
}

impl fmt::Debug for Step<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Step");
        d.field("operation", &self.index)
            .field("op", &self.op.as_str())
            .field("label", &self.label)
            .field("target", &self.target);
        if let Some(v) = &self.value {
            d.field("value", &format_args!("{v}"));
        }
        d.finish()
    }
}

/// What a step operates on.
pub(crate) enum Target<'r> {
    /// An unknown attribute, ignored in the tolerant mode.
    Ignore,
    /// The `schemas` key of a path-less value.
    Schemas,
    /// A whole extension object (the bare extension URN as a path); `bool`: required.
    Extension(&'r Schema, bool),
    /// An attribute, with an optional value filter and sub-attribute.
    Attr(AttrTarget<'r>),
}

impl fmt::Debug for Target<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Ignore => f.write_str("Ignore"),
            Target::Schemas => f.write_str("Schemas"),
            Target::Extension(s, _) => write!(f, "Extension({})", s.id),
            Target::Attr(t) => {
                let mut d = f.debug_struct("Attr");
                if let Some(ext) = t.ext {
                    d.field("extension", &ext);
                }
                d.field("attr", &t.attr.name);
                if let Some(m) = &t.filter {
                    d.field("filter", m);
                }
                if let Some(s) = t.sub {
                    d.field("sub", &s.name);
                }
                d.finish()
            }
        }
    }
}

/// An attribute target: `ext` is the extension URN the attribute lives under, if any.
pub(crate) struct AttrTarget<'r> {
    pub(crate) ext: Option<&'r str>,
    pub(crate) attr: &'r AttributeDef,
    pub(crate) sub: Option<&'r AttributeDef>,
    pub(crate) filter: Option<Box<Matcher<'r>>>,
}

struct Cx<'r> {
    registry: &'r SchemaRegistry,
    rt: &'r ResourceType,
    core: &'r Schema,
    compat: Compat,
}

/// Resolves every operation of `patch` into steps.
pub(crate) fn plan<'r>(
    registry: &'r SchemaRegistry,
    rt: &'r ResourceType,
    patch: &PatchOp,
    compat: Compat,
) -> Result<Vec<Step<'r>>, PatchError> {
    let core = registry
        .core_schema(rt)
        .ok_or_else(|| invalid_value(format!("resource type {} is not registered", rt.name)))?;
    let cx = Cx {
        registry,
        rt,
        core,
        compat,
    };
    let mut steps = Vec::with_capacity(patch.operations.len());
    for (i, op) in patch.operations.iter().enumerate() {
        let label = op.path.as_deref();
        cx.operation(i, op.op, label, op.value.as_ref(), &mut steps)
            .map_err(|e| e.at(i, label))?;
    }
    Ok(steps)
}

impl<'r> Cx<'r> {
    fn operation(
        &self,
        index: usize,
        op: PatchOpKind,
        path: Option<&str>,
        value: Option<&Value>,
        steps: &mut Vec<Step<'r>>,
    ) -> Result<(), PatchError> {
        let Some(path) = path else {
            if op == PatchOpKind::Remove {
                return Err(no_target("remove needs a path"));
            }
            return match value {
                Some(Value::Object(map)) => self.object(index, op, map, None, steps),
                Some(_) => Err(invalid_value(
                    "without a path, the value must be an object of attributes",
                )),
                None => Err(invalid_value(format!("{} needs a value", op.as_str()))),
            };
        };
        let parsed = path::parse(path)?;
        let target = self.resolve(parsed)?;
        match (&target, op) {
            (Target::Extension(schema, _), PatchOpKind::Add | PatchOpKind::Replace) => {
                return match value {
                    Some(Value::Object(map)) => self.object(index, op, map, Some(schema), steps),
                    Some(Value::Null) if op == PatchOpKind::Replace => {
                        steps.push(step(index, PatchOpKind::Remove, path, target, None));
                        Ok(())
                    }
                    _ => Err(invalid_value("an extension's value must be an object")),
                };
            }
            (Target::Ignore | Target::Extension(..), _) => {
                steps.push(step(index, op, path, target, None));
                return Ok(());
            }
            _ => {}
        }
        let (op, value) = self.value_for(op, &target, path, value)?;
        steps.push(step(index, op, path, target, value));
        Ok(())
    }

    /// Splits a path-less value (or an extension object) into one step per attribute.
    fn object(
        &self,
        index: usize,
        op: PatchOpKind,
        map: &Map<String, Value>,
        ext: Option<&'r Schema>,
        steps: &mut Vec<Step<'r>>,
    ) -> Result<(), PatchError> {
        let as_paths = self.compat.allows(Quirk::PathlessKeysAsPaths);
        for (key, v) in map {
            let label = match ext {
                Some(s) => format!("{}:{key}", s.id),
                None => key.clone(),
            };
            let fail = |e: PatchError| e.at(index, Some(&label));
            if ext.is_none() && key.eq_ignore_ascii_case("schemas") {
                steps.push(step(index, op, &label, Target::Schemas, Some(v.clone())));
                continue;
            }
            let qualified = key.contains('.') || (ext.is_none() && key.contains(':'));
            let resolved = match ext {
                Some(_) => self.registry.resolve(self.rt, &label),
                None => self.registry.resolve(self.rt, key),
            };
            match resolved {
                None => {
                    if !self.compat.allows(Quirk::IgnoreUnknownAttributes) {
                        return Err(fail(invalid_path(format!("unknown attribute {key:?}"))));
                    }
                }
                Some(Resolved::Schema(s)) => {
                    if ext.is_some() {
                        return Err(fail(invalid_path("a schema URN inside an extension")));
                    }
                    let is_core = std::ptr::eq(s, self.core);
                    match v {
                        Value::Object(inner) => {
                            let inner_ext = if is_core { None } else { Some(s) };
                            self.object(index, op, inner, inner_ext, steps)?;
                        }
                        Value::Null if !is_core && op == PatchOpKind::Replace => {
                            let required = self.required(s);
                            let t = Target::Extension(s, required);
                            steps.push(step(index, PatchOpKind::Remove, &label, t, None));
                        }
                        _ => {
                            return Err(fail(invalid_value(
                                "an extension's value must be an object",
                            )));
                        }
                    }
                }
                Some(Resolved::Attribute {
                    schema,
                    attr,
                    sub,
                    extension,
                }) => {
                    if qualified && !as_paths {
                        return Err(fail(invalid_path(format!(
                            "{key:?} is a path, not an attribute name"
                        ))));
                    }
                    let target = Target::Attr(AttrTarget {
                        ext: extension.then_some(schema.id.as_str()),
                        attr,
                        sub,
                        filter: None,
                    });
                    let (op, value) = self.value_for(op, &target, &label, Some(v)).map_err(fail)?;
                    steps.push(step(index, op, &label, target, value));
                }
            }
        }
        Ok(())
    }

    fn required(&self, s: &Schema) -> bool {
        self.registry
            .extensions(self.rt)
            .any(|(e, req)| req && std::ptr::eq(e, s))
    }

    fn resolve(&self, mut parsed: ParsedPath<'_>) -> Result<Target<'r>, PatchError> {
        let Some(resolved) = self.registry.resolve(self.rt, &parsed.attr) else {
            if self.compat.allows(Quirk::IgnoreUnknownAttributes) {
                return Ok(Target::Ignore);
            }
            return Err(invalid_path(format!("unknown attribute {:?}", parsed.attr)));
        };
        match resolved {
            Resolved::Schema(s) => {
                if parsed.filter.is_some() || parsed.sub.is_some() || std::ptr::eq(s, self.core) {
                    return Err(invalid_path(format!(
                        "{:?} names a schema, not an attribute",
                        parsed.attr
                    )));
                }
                Ok(Target::Extension(s, self.required(s)))
            }
            Resolved::Attribute {
                schema,
                attr,
                sub,
                extension,
            } => {
                let ext = extension.then_some(schema.id.as_str());
                let Some(filter) = parsed.filter.take() else {
                    return Ok(Target::Attr(AttrTarget {
                        ext,
                        attr,
                        sub,
                        filter: None,
                    }));
                };
                if sub.is_some() || !attr.is_complex() {
                    return Err(invalid_path(format!(
                        "a value filter needs a complex attribute, not {:?}",
                        parsed.attr
                    )));
                }
                if !attr.multi_valued && !self.compat.allows(Quirk::UnwrapSingleItemArrays) {
                    return Err(invalid_path(format!(
                        "{} is single-valued; value filters apply to multi-valued attributes",
                        attr.name
                    )));
                }
                let matcher = Matcher::for_path(attr, &parsed, filter)?;
                let sub = match &parsed.sub {
                    Some(name) => Some(attr.sub_attribute(name).ok_or_else(|| {
                        invalid_path(format!("{} has no sub-attribute {name:?}", attr.name))
                    })?),
                    None => None,
                };
                Ok(Target::Attr(AttrTarget {
                    ext,
                    attr,
                    sub,
                    filter: Some(Box::new(matcher)),
                }))
            }
        }
    }

    /// Checks and coerces an operation's value for its target; a `replace` with `null`
    /// becomes a `remove`.
    fn value_for(
        &self,
        op: PatchOpKind,
        target: &Target<'r>,
        label: &str,
        value: Option<&Value>,
    ) -> Result<(PatchOpKind, Option<Value>), PatchError> {
        let Target::Attr(t) = target else {
            return Ok((op, value.cloned()));
        };
        let scim = |e: scim_core::ScimError| PatchError::from_scim(&e);
        if op == PatchOpKind::Remove {
            let whole = t.filter.is_none() && t.sub.is_none() && t.attr.multi_valued;
            return match value {
                Some(v) if whole && !v.is_null() => {
                    if !self.compat.allows(Quirk::RemoveMembersByValue) {
                        return Err(invalid_value(format!(
                            "remove of {} with a value list is not RFC 7644; use a filter \
                             ({}[value eq \"…\"]) — refused rather than removing every value",
                            t.attr.name, t.attr.name
                        )));
                    }
                    let items = match v {
                        Value::Array(items) => items.as_slice(),
                        other => std::slice::from_ref(other),
                    };
                    Ok((op, Some(self.listed(t.attr, items, label)?)))
                }
                _ => Ok((op, None)),
            };
        }
        let Some(v) = value else {
            return Err(invalid_value(format!("{} needs a value", op.as_str())));
        };
        let mut v = v.clone();
        match (t.sub, &t.filter) {
            (Some(sub), _) => coerce_attribute_mut(sub, &mut v, self.compat, label),
            (None, Some(_)) => {
                if let Value::Array(items) = &mut v
                    && items.len() == 1
                    && self.compat.allows(Quirk::UnwrapSingleItemArrays)
                    && let Some(one) = items.pop()
                {
                    v = one;
                }
                coerce_mut(t.attr, &mut v, self.compat, label)
            }
            (None, None) => {
                if op == PatchOpKind::Add && t.attr.multi_valued {
                    merge_duplicate_items(t.attr, &mut v);
                }
                coerce_attribute_mut(t.attr, &mut v, self.compat, label)
            }
        }
        .map_err(scim)?;
        if v.is_null() {
            if op == PatchOpKind::Add {
                return Err(invalid_value("add needs a non-null value"));
            }
            return Ok((PatchOpKind::Remove, None));
        }
        Ok((op, Some(v)))
    }
}

impl Cx<'_> {
    /// The items of a `remove` value list: for a complex attribute with `value`, each item
    /// reduced to its `value` string (all a removal compares; no copy of the rest), other
    /// items checked and canonicalized whole.
    fn listed(
        &self,
        attr: &AttributeDef,
        items: &[Value],
        label: &str,
    ) -> Result<Value, PatchError> {
        let by_value = attr.is_complex() && attr.sub_attribute("value").is_some();
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let id = match item {
                Value::Object(m) if by_value => m
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("value"))
                    .and_then(|(_, v)| v.as_str()),
                _ => None,
            };
            match id {
                Some(id) => out.push(Value::String(id.to_owned())),
                None if item.is_null() => {}
                None => {
                    let mut v = item.clone();
                    coerce_mut(attr, &mut v, self.compat, label)
                        .map_err(|e| PatchError::from_scim(&e))?;
                    out.push(v);
                }
            }
        }
        Ok(Value::Array(out))
    }
}

fn step<'r>(
    index: usize,
    op: PatchOpKind,
    label: &str,
    target: Target<'r>,
    value: Option<Value>,
) -> Step<'r> {
    Step {
        index,
        op,
        label: label.to_owned(),
        target,
        value,
    }
}

/// Items of one `add` that name the same element (same identity) are merged into the first,
/// later sub-attributes winning. Coercion's primary rule then sees one item per element, and
/// the request applies the same way a second time (a reported change is a real change).
fn merge_duplicate_items(attr: &scim_core::AttributeDef, v: &mut Value) {
    let Value::Array(items) = v else {
        return;
    };
    if items.len() < 2 {
        return;
    }
    let exact = crate::index::exact(attr);
    let mut first: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for item in std::mem::take(items) {
        let key = crate::index::identity(attr, &item).map(|id| {
            if exact {
                id.to_owned()
            } else {
                id.to_lowercase()
            }
        });
        let at = key.as_ref().and_then(|k| first.get(k).copied());
        match (at, key) {
            (Some(at), _) => {
                // The identity keeps its first spelling; other sub-attributes: later wins.
                if let (Some(Value::Object(target)), Value::Object(add)) = (out.get_mut(at), item) {
                    target.extend(add.into_iter().filter(|(k, _)| k != "value"));
                }
            }
            (None, Some(k)) => {
                first.insert(k, out.len());
                out.push(item);
            }
            (None, None) => out.push(item),
        }
    }
    *items = out;
}
