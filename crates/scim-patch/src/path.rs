//! PATCH paths: parsing (through `scim-filter`) and the value-filter matcher that tests one
//! element of a multi-valued complex attribute.
//!
//! This is the only module that knows the filter crate's AST; the engine sees
//! [`ParsedPath`] and [`Matcher`].

use crate::error::{PatchError, invalid_path};
use scim_core::{AttributeDef, AttributeType, ScimType};
use scim_filter::{CompValue, CompareOp, Filter, PatchPath};
use serde_json::Value;
use std::cmp::Ordering;

/// A parsed PATCH path: the attribute part as text (`emails`, `name.givenName`,
/// `urn:…:User:manager`), an optional value filter and an optional sub-attribute after it.
#[derive(Debug)]
pub(crate) struct ParsedPath {
    pub(crate) attr: String,
    pub(crate) filter: Option<Filter>,
    pub(crate) sub: Option<String>,
}

/// Parses a PATCH path; errors are `invalidPath` (or `invalidFilter` inside brackets) with
/// the parser's byte span.
pub(crate) fn parse(text: &str) -> Result<ParsedPath, PatchError> {
    let PatchPath {
        attr,
        filter,
        sub_attr,
        ..
    } = scim_filter::parse_path(text).map_err(|e| {
        let span = e.span();
        let kind = match e.scim_type() {
            ScimType::InvalidFilter => ScimType::InvalidFilter,
            _ => ScimType::InvalidPath,
        };
        PatchError::new(kind, e.to_string()).with_span(span.start, span.end)
    })?;
    Ok(ParsedPath {
        attr: attr.full_text(),
        filter,
        sub: sub_attr,
    })
}

/// A value filter bound to a multi-valued complex attribute (`emails[type eq "work"]`),
/// evaluated against one element at a time.
#[derive(Debug)]
pub(crate) struct Matcher<'r> {
    attr: &'r AttributeDef,
    filter: Filter,
}

impl<'r> Matcher<'r> {
    /// Binds `filter` to `attr`; in strict mode every compared name must be a
    /// sub-attribute of `attr`.
    pub(crate) fn new(
        attr: &'r AttributeDef,
        filter: Filter,
        strict: bool,
    ) -> Result<Self, PatchError> {
        if strict {
            check_names(attr, &filter)?;
        }
        Ok(Matcher { attr, filter })
    }

    /// Whether the element `elem` satisfies the filter.
    pub(crate) fn matches(&self, elem: &Value) -> bool {
        eval(self.attr, &self.filter, elem)
    }

    /// The `value` literals when the filter is `value eq "a"` or an `or` of such
    /// comparisons: element identities to look up in an index instead of scanning.
    pub(crate) fn identity_set(&self) -> Option<Vec<&str>> {
        fn one(f: &Filter) -> Option<&str> {
            match f {
                Filter::Compare(c)
                    if c.op == CompareOp::Eq
                        && c.path.uri.is_none()
                        && c.path.sub_attr.is_none()
                        && c.path.name.eq_ignore_ascii_case("value") =>
                {
                    match &c.value {
                        CompValue::String(s) => Some(s.as_str()),
                        _ => None,
                    }
                }
                _ => None,
            }
        }
        self.attr.sub_attribute("value")?;
        match &self.filter {
            Filter::Or(ops) => ops.iter().map(one).collect(),
            f => one(f).map(|s| vec![s]),
        }
    }

    /// The element a filter describes, when it is an `and` of `eq` comparisons with
    /// sub-attributes other than `primary` (`type eq "work"`): what an upsert creates.
    pub(crate) fn template(&self) -> Option<serde_json::Map<String, Value>> {
        let mut out = serde_json::Map::new();
        let ops: &[Filter] = match &self.filter {
            Filter::And(ops) => ops,
            f => std::slice::from_ref(f),
        };
        for f in ops {
            let Filter::Compare(c) = f else { return None };
            if c.op != CompareOp::Eq || c.path.uri.is_some() || c.path.sub_attr.is_some() {
                return None;
            }
            let sub = self.attr.sub_attribute(&c.path.name)?;
            if sub.name == "primary" {
                return None;
            }
            let v = match &c.value {
                CompValue::String(s) => Value::String(s.clone()),
                CompValue::Bool(b) => Value::Bool(*b),
                CompValue::Number(n) => Value::Number(n.clone()),
                CompValue::Null => return None,
            };
            out.insert(sub.name.clone(), v);
        }
        Some(out)
    }

    /// Whether the filter is exactly `primary eq true`.
    pub(crate) fn is_primary_true(&self) -> bool {
        matches!(&self.filter, Filter::Compare(c)
            if c.op == CompareOp::Eq
                && c.path.sub_attr.is_none()
                && c.path.name.eq_ignore_ascii_case("primary")
                && c.value == CompValue::Bool(true))
    }
}

fn check_names(attr: &AttributeDef, f: &Filter) -> Result<(), PatchError> {
    let check = |name: &str, sub: Option<&String>| -> Result<(), PatchError> {
        let Some(def) = attr.sub_attribute(name) else {
            return Err(PatchError::new(
                ScimType::InvalidFilter,
                format!("{} has no sub-attribute {name:?}", attr.name),
            ));
        };
        if let Some(s) = sub
            && def.sub_attribute(s).is_none()
        {
            return Err(invalid_path(format!("{}.{name} has no {s:?}", attr.name)));
        }
        Ok(())
    };
    match f {
        Filter::Compare(c) => check(&c.path.name, c.path.sub_attr.as_ref()),
        Filter::Present(p) => check(&p.name, p.sub_attr.as_ref()),
        Filter::Not(inner) => check_names(attr, inner),
        Filter::And(ops) | Filter::Or(ops) => ops.iter().try_for_each(|o| check_names(attr, o)),
        Filter::ValuePath(_) => Err(PatchError::new(
            ScimType::InvalidFilter,
            "a value filter cannot nest another value filter",
        )),
    }
}

fn field<'v>(
    attr: &'v AttributeDef,
    elem: &'v Value,
    name: &str,
) -> (Option<&'v AttributeDef>, Option<&'v Value>) {
    let def = attr.sub_attribute(name);
    let v = match (def, elem) {
        (Some(d), Value::Object(m)) => m.get(&d.name),
        (None, Value::Object(m)) => m
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v),
        _ => None,
    };
    (def, v.filter(|v| !v.is_null()))
}

fn eval(attr: &AttributeDef, f: &Filter, elem: &Value) -> bool {
    match f {
        Filter::Compare(c) => {
            let (def, v) = field(attr, elem, &c.path.name);
            let exact = def.is_some_and(AttributeDef::compares_exactly);
            let ty = def.map_or(AttributeType::String, |d| d.type_);
            match v {
                None => c.op == CompareOp::Ne && c.value != CompValue::Null,
                Some(v) => compare(v, c.op, &c.value, exact, ty),
            }
        }
        Filter::Present(p) => match field(attr, elem, &p.name).1 {
            None => false,
            Some(Value::String(s)) => !s.is_empty(),
            Some(Value::Array(a)) => !a.is_empty(),
            Some(Value::Object(o)) => !o.is_empty(),
            Some(_) => true,
        },
        Filter::Not(inner) => !eval(attr, inner, elem),
        Filter::And(ops) => ops.iter().all(|o| eval(attr, o, elem)),
        Filter::Or(ops) => ops.iter().any(|o| eval(attr, o, elem)),
        Filter::ValuePath(_) => false,
    }
}

fn compare(v: &Value, op: CompareOp, lit: &CompValue, exact: bool, ty: AttributeType) -> bool {
    let ord = match (v, lit) {
        (_, CompValue::Null) => return op == CompareOp::Ne,
        (Value::String(s), CompValue::String(l)) => {
            if op.is_substring() {
                let (s, l) = if exact {
                    (s.clone(), l.clone())
                } else {
                    (s.to_lowercase(), l.to_lowercase())
                };
                return match op {
                    CompareOp::Co => s.contains(&l),
                    CompareOp::Sw => s.starts_with(&l),
                    _ => s.ends_with(&l),
                };
            }
            if ty == AttributeType::DateTime {
                match (
                    chrono::DateTime::parse_from_rfc3339(s),
                    chrono::DateTime::parse_from_rfc3339(l),
                ) {
                    (Ok(a), Ok(b)) => a.cmp(&b),
                    _ => s.as_str().cmp(l.as_str()),
                }
            } else if exact {
                s.as_str().cmp(l.as_str())
            } else if s.eq_ignore_ascii_case(l) {
                Ordering::Equal
            } else {
                s.to_lowercase().cmp(&l.to_lowercase())
            }
        }
        (Value::Bool(b), CompValue::Bool(l)) => {
            if op.is_ordering() {
                return false;
            }
            b.cmp(l)
        }
        (Value::Number(n), CompValue::Number(l)) => match (n.as_f64(), l.as_f64()) {
            (Some(a), Some(b)) => match a.partial_cmp(&b) {
                Some(o) => o,
                None => return false,
            },
            _ => return false,
        },
        _ => return op == CompareOp::Ne,
    };
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}
