//! PATCH paths: parsing (through `scim-filter`) and the value-filter matcher that tests one
//! element of a multi-valued complex attribute.
//!
//! This is the only module that knows the filter crate's AST; the engine sees
//! [`ParsedPath`] and [`Matcher`].

use crate::error::PatchError;
use crate::memo::{self, Memo, Part};
use scim_core::{AttributeDef, ScimType};
use scim_filter::{CompValue, CompareOp, CompiledFilter, Filter, PatchPath};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;
use std::rc::Rc;
use std::sync::Arc;

/// A parsed PATCH path: the attribute part as text (`emails`, `name.givenName`,
/// `urn:…:User:manager`), an optional value filter and an optional sub-attribute after it.
#[derive(Debug)]
pub(crate) struct ParsedPath<'a> {
    pub(crate) attr: Cow<'a, str>,
    pub(crate) filter: Option<PathFilter>,
    pub(crate) sub: Option<Cow<'a, str>>,
    /// The whole path, to remember a compiled filter under.
    pub(crate) text: &'a str,
}

/// A path's value filter: parsed now, or remembered with its compiled form.
#[derive(Debug)]
pub(crate) enum PathFilter {
    Parsed(Filter),
    Memo(Rc<Memo>),
}

/// Whether `text` is a plain attribute path (`[URN:]name[.sub]`, no filter, no spaces):
/// such paths skip the filter parser and go straight to the registry.
fn is_plain(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with(['.', ':'])
        && !text.ends_with(['.', ':'])
        && !text.contains("..")
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'-' | b'.' | b':'))
}

/// Parses a PATCH path; errors are `invalidPath` (or `invalidFilter` inside brackets) with
/// the parser's byte span.
pub(crate) fn parse(text: &str) -> Result<ParsedPath<'_>, PatchError> {
    if is_plain(text) {
        return Ok(ParsedPath {
            attr: Cow::Borrowed(text),
            filter: None,
            sub: None,
            text,
        });
    }
    if let Some(m) = memo::get(text) {
        return Ok(ParsedPath {
            attr: m.attr.of(text),
            sub: m.sub.as_ref().map(|p| p.of(text)),
            filter: Some(PathFilter::Memo(m)),
            text,
        });
    }
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
    // The attribute and sub-attribute as written, when that is their canonical text (no
    // copy), else as printed.
    let attr = match text.get(..attr.name.len()) {
        Some(name) if attr.uri.is_none() && attr.sub_attr.is_none() && name == attr.name => {
            Cow::Borrowed(name)
        }
        _ => Cow::Owned(attr.full_text()),
    };
    let sub = sub_attr.map(|s| match text.strip_suffix(s.as_str()) {
        Some(rest) if rest.ends_with('.') => {
            Cow::Borrowed(text.get(rest.len()..).unwrap_or_default())
        }
        _ => Cow::Owned(s.to_string()),
    });
    Ok(ParsedPath {
        attr,
        filter: filter.map(PathFilter::Parsed),
        sub,
        text,
    })
}

/// A parsed filter with its compiled form (shared by the plans of one remembered path).
pub(crate) struct Compiled {
    filter: Filter,
    compiled: CompiledFilter,
}

impl fmt::Debug for Compiled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Compiled")
            .field("filter", &self.filter)
            .finish_non_exhaustive()
    }
}

/// A value filter bound to a multi-valued complex attribute (`emails[type eq "work"]`),
/// compiled by `scim-filter` and evaluated against one element at a time. The AST is kept
/// for the shapes the engine optimizes or upserts from.
pub(crate) struct Matcher<'r> {
    attr: &'r AttributeDef,
    c: Arc<Compiled>,
}

impl fmt::Debug for Matcher<'_> {
    /// The attribute by name (its definition is the schema's), the filter and its compiled form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Matcher")
            .field("attr", &self.attr.name)
            .field("filter", &self.c.filter)
            .field("compiled", &self.c.compiled)
            .finish()
    }
}

impl<'r> Matcher<'r> {
    /// Compiles `filter` against the sub-attributes of `attr`; an unknown sub-attribute
    /// or a type mismatch is `invalidFilter`.
    pub(crate) fn new(attr: &'r AttributeDef, filter: Filter) -> Result<Self, PatchError> {
        let compiled = CompiledFilter::compile_value_filter(&filter, attr).map_err(|e| {
            let span = e.span();
            PatchError::new(ScimType::InvalidFilter, e.to_string()).with_span(span.start, span.end)
        })?;
        Ok(Matcher {
            attr,
            c: Arc::new(Compiled { filter, compiled }),
        })
    }

    /// The matcher of the filter of `path` on `attr`: remembered when this thread compiled
    /// it against an equal attribute before, else compiled (and remembered).
    pub(crate) fn for_path(
        attr: &'r AttributeDef,
        path: &ParsedPath<'_>,
        filter: PathFilter,
    ) -> Result<Self, PatchError> {
        match filter {
            PathFilter::Memo(m) if m.fits(attr) => Ok(Matcher {
                attr,
                c: Arc::clone(&m.compiled),
            }),
            PathFilter::Memo(m) => Matcher::new(attr, m.compiled.filter.clone()),
            PathFilter::Parsed(filter) => {
                let matcher = Matcher::new(attr, filter)?;
                // The attribute and sub-attribute as where they are in the text (the
                // path's start and end), or as printed.
                let text = path.text;
                let attr_part = match text.get(..path.attr.len()) {
                    Some(a) if a == path.attr => Part::Prefix(a.len()),
                    _ => Part::Text(path.attr.as_ref().into()),
                };
                let sub = path.sub.as_deref().map(|s| {
                    if text.len() > s.len() && text.ends_with(s) {
                        Part::Suffix(s.len())
                    } else {
                        Part::Text(s.into())
                    }
                });
                memo::put(text, attr_part, sub, attr, Arc::clone(&matcher.c));
                Ok(matcher)
            }
        }
    }

    /// Whether the element `elem` satisfies the filter.
    pub(crate) fn matches(&self, elem: &Value) -> bool {
        self.c.compiled.matches_element(elem).unwrap_or(false)
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
        match &self.c.filter {
            Filter::Or(ops) => ops.iter().map(one).collect(),
            f => one(f).map(|s| vec![s]),
        }
    }

    /// The element a filter describes, when it is an `and` of `eq` comparisons with
    /// sub-attributes other than `primary` (`type eq "work"`): what an upsert creates.
    pub(crate) fn template(&self) -> Option<serde_json::Map<String, Value>> {
        let mut out = serde_json::Map::new();
        let ops: &[Filter] = match &self.c.filter {
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
                CompValue::String(s) => Value::String(s.to_string()),
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
        matches!(&self.c.filter, Filter::Compare(c)
            if c.op == CompareOp::Eq
                && c.path.sub_attr.is_none()
                && c.path.name.eq_ignore_ascii_case("primary")
                && c.value == CompValue::Bool(true))
    }
}
