//! `sortBy`/`sortOrder` (RFC 7644 §3.4.2.3): a schema-aware comparator.

use std::cmp::Ordering;

use scim_core::schema::AttributeType;
use scim_core::{ResourceType, SchemaRegistry};
use serde_json::Value;

use crate::ast::AttrPath;
use crate::compile::{CompileOptions, ResolvedAttr, parse_date_time, resolve_attr_path};
use crate::error::{Context, FilterError};
use crate::eval::{is_present, num_cmp};

/// `sortOrder`: `ascending` (the default) or `descending`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum SortOrder {
    /// `ascending`: missing values last.
    #[default]
    Ascending,
    /// `descending`: the exact reverse, so missing values first.
    Descending,
}

impl SortOrder {
    /// Parses `ascending`/`descending` in any case.
    pub fn from_keyword(s: &str) -> Option<SortOrder> {
        if s.eq_ignore_ascii_case("ascending") {
            Some(SortOrder::Ascending)
        } else if s.eq_ignore_ascii_case("descending") {
            Some(SortOrder::Descending)
        } else {
            None
        }
    }
}

/// A `sortBy` attribute resolved against a resource type; compares resources.
///
/// Strings compare case-insensitively unless the attribute is `caseExact`,
/// dateTimes as instants, numbers as numbers, `false` before `true`. A
/// multi-valued attribute sorts by its primary value, else its first.
/// Resources without a value (absent, `null`, `""`, `[]`) sort last in
/// ascending order and first in descending order. Values of different JSON
/// types order booleans, numbers, strings, then the rest.
#[derive(Clone, Debug)]
pub struct SortKey {
    keys: Vec<Box<str>>,
    attr: ResolvedAttr,
}

impl SortKey {
    /// Resolves `path` (from [`crate::parse_attr_path`]) against `rt`; an
    /// unknown attribute is an `invalidFilter` error.
    pub fn compile(
        path: &AttrPath,
        registry: &SchemaRegistry,
        rt: &ResourceType,
    ) -> Result<SortKey, FilterError> {
        Self::compile_with(path, registry, rt, CompileOptions::default())
    }

    /// [`Self::compile`] with options (unknown attributes may sort dynamically).
    pub fn compile_with(
        path: &AttrPath,
        registry: &SchemaRegistry,
        rt: &ResourceType,
        options: CompileOptions,
    ) -> Result<SortKey, FilterError> {
        let (keys, attr) = resolve_attr_path(path, registry, rt, options).map_err(|e| {
            e.with_context(Context::SortBy)
                .with_input(&path.to_string())
        })?;
        Ok(SortKey { keys, attr })
    }

    /// The attribute sorted by.
    pub fn attr(&self) -> &ResolvedAttr {
        &self.attr
    }

    /// The value a resource sorts by, if it has one.
    pub fn value<'v>(&self, resource: &'v Value) -> Option<&'v Value> {
        let mut cur = resource;
        for k in &self.keys {
            if let Value::Array(items) = cur {
                cur = pick(items)?;
            }
            let Value::Object(m) = cur else { return None };
            cur = m.get(&**k).or_else(|| {
                m.iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(k))
                    .map(|(_, v)| v)
            })?;
        }
        if let Value::Array(items) = cur {
            cur = pick(items)?;
        }
        is_present(cur).then_some(cur)
    }

    /// Orders two resources by this key.
    pub fn compare(&self, a: &Value, b: &Value, order: SortOrder) -> Ordering {
        let ord = match (self.value(a), self.value(b)) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(x), Some(y)) => self.compare_values(x, y),
        };
        match order {
            SortOrder::Ascending => ord,
            SortOrder::Descending => ord.reverse(),
        }
    }

    fn compare_values(&self, a: &Value, b: &Value) -> Ordering {
        match (a, b) {
            (Value::String(x), Value::String(y)) => {
                if self.attr.type_ == Some(AttributeType::DateTime)
                    && let (Some(p), Some(q)) = (parse_date_time(x), parse_date_time(y))
                {
                    return p.cmp(&q);
                }
                if self.attr.case_exact {
                    x.cmp(y)
                } else {
                    x.chars()
                        .flat_map(char::to_lowercase)
                        .cmp(y.chars().flat_map(char::to_lowercase))
                }
            }
            (Value::Number(x), Value::Number(y)) => num_cmp(x, y).unwrap_or(Ordering::Equal),
            (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
            _ => rank(a).cmp(&rank(b)),
        }
    }
}

fn pick(items: &[Value]) -> Option<&Value> {
    items
        .iter()
        .find(|i| i.get("primary") == Some(&Value::Bool(true)))
        .or_else(|| items.iter().find(|i| is_present(i)))
}

fn rank(v: &Value) -> u8 {
    match v {
        Value::Bool(_) => 0,
        Value::Number(_) => 1,
        Value::String(_) => 2,
        _ => 3,
    }
}
