//! Per-resource-type filter policy: aliases that expand to filters, and an allow-list of
//! filterable attributes (RFC 7644 §3.4.2.2 leaves which attributes are filterable to the
//! service provider).
//!
//! The policy rewrites the parsed filter before it is compiled: `givenName eq "Ann"` with the
//! alias `givenName → name.givenName` becomes `name.givenName eq "Ann"`, and `name co "x"` with
//! `name → name.givenName, name.familyName` becomes
//! `name.givenName co "x" or name.familyName co "x"`. Then every attribute must be allowed.

use scim_core::registry::{Resolved, ResourceType, SchemaRegistry};
use scim_core::{ScimError, ScimType};
use scim_filter::{AttrPath, Comparison, Filter, Fold, ValuePath, parse_attr_path};

/// Aliases and the filterable attributes of one resource type. The default allows every
/// attribute and has no aliases.
///
/// ```
/// use scim_server::FilterPolicy;
///
/// let policy = FilterPolicy::default()
///     .alias("givenName", &["name.givenName"])
///     .alias("name", &["name.givenName", "name.familyName"])
///     .allow(&["userName", "name.givenName", "name.familyName", "active"]);
/// # let _ = policy;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterPolicy {
    aliases: Vec<(String, Vec<String>)>,
    filterable: Option<Vec<String>>,
}

impl FilterPolicy {
    /// Adds an alias: a filter on `name` (any case) means the `or` of the same test on each
    /// of `paths`.
    #[must_use]
    pub fn alias(mut self, name: &str, paths: &[&str]) -> Self {
        self.aliases.push((
            name.to_owned(),
            paths.iter().map(|p| (*p).to_owned()).collect(),
        ));
        self
    }

    /// Restricts filters to these attribute paths (after alias expansion). Naming a complex
    /// attribute allows its sub-attributes.
    #[must_use]
    pub fn allow(mut self, paths: &[&str]) -> Self {
        self.filterable = Some(paths.iter().map(|p| (*p).to_owned()).collect());
        self
    }

    /// Whether the policy changes nothing.
    pub fn is_open(&self) -> bool {
        self.aliases.is_empty() && self.filterable.is_none()
    }

    /// Rewrites `filter` by the aliases and checks it against the allow-list.
    pub fn apply(
        &self,
        filter: &Filter,
        registry: &SchemaRegistry,
        rt: &ResourceType,
    ) -> Result<Filter, ScimError> {
        if self.is_open() {
            return Ok(filter.clone());
        }
        let mut rewriter = Rewriter {
            policy: self,
            registry,
            rt,
            outer: Vec::new(),
        };
        filter.fold(&mut rewriter)
    }

    fn alias_for(&self, path: &AttrPath) -> Option<&[String]> {
        if path.uri.is_some() || path.sub_attr.is_some() {
            return None;
        }
        self.aliases
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(&path.name))
            .map(|(_, p)| p.as_slice())
    }
}

/// `(attribute, sub-attribute)` in the schema's spelling, with the URN for extensions.
fn canonical(
    registry: &SchemaRegistry,
    rt: &ResourceType,
    text: &str,
) -> Option<(String, Option<String>)> {
    match registry.resolve(rt, text)? {
        Resolved::Schema(s) => Some((s.id.clone(), None)),
        Resolved::Attribute {
            schema,
            attr,
            sub,
            extension,
        } => {
            let name = if extension {
                format!("{}:{}", schema.id, attr.name)
            } else {
                attr.name.clone()
            };
            Some((name, sub.map(|s| s.name.clone())))
        }
    }
}

struct Rewriter<'a> {
    policy: &'a FilterPolicy,
    registry: &'a SchemaRegistry,
    rt: &'a ResourceType,
    /// The value paths being folded (their paths name sub-attributes of these).
    outer: Vec<AttrPath>,
}

impl Rewriter<'_> {
    /// Checks that `path` (relative to the innermost value path, if any) is filterable.
    fn check(&self, path: &AttrPath) -> Result<(), ScimError> {
        let Some(allowed) = &self.policy.filterable else {
            return Ok(());
        };
        let text = match self.outer.last() {
            Some(outer) => format!("{}.{}", outer.full_text(), path.name),
            None => path.full_text(),
        };
        // Unknown attributes are left for the compiler, which names them.
        let Some((attr, sub)) = canonical(self.registry, self.rt, &text) else {
            return Ok(());
        };
        let ok = allowed
            .iter()
            .any(|a| match canonical(self.registry, self.rt, a) {
                Some((a_attr, None)) => a_attr == attr,
                Some((a_attr, a_sub)) => a_attr == attr && a_sub == sub,
                None => false,
            });
        if ok {
            Ok(())
        } else {
            Err(ScimError::bad_request(
                ScimType::InvalidFilter,
                format!(
                    "attribute \"{text}\" is not filterable here; filterable: {}",
                    allowed.join(", ")
                ),
            ))
        }
    }

    /// The paths a path stands for: its alias expansion (outside value paths) or itself.
    fn expand(&self, path: &AttrPath) -> Result<Vec<AttrPath>, ScimError> {
        let alias = if self.outer.is_empty() {
            self.policy.alias_for(path)
        } else {
            None
        };
        let paths = match alias {
            Some(targets) => targets
                .iter()
                .map(|t| {
                    parse_attr_path(t).map(|mut p| {
                        p.span = path.span;
                        p
                    })
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| e.to_scim_error())?,
            None => vec![path.clone()],
        };
        for p in &paths {
            self.check(p)?;
        }
        Ok(paths)
    }
}

impl Fold for Rewriter<'_> {
    type Output = Result<Filter, ScimError>;

    fn compare(&mut self, c: &Comparison) -> Self::Output {
        let parts = self
            .expand(&c.path)?
            .into_iter()
            .map(|path| Filter::Compare(Box::new(Comparison { path, ..c.clone() })));
        Ok(Filter::or(parts))
    }

    fn present(&mut self, path: &AttrPath) -> Self::Output {
        Ok(Filter::or(
            self.expand(path)?.into_iter().map(Filter::present),
        ))
    }

    fn and(&mut self, operands: Vec<Self::Output>) -> Self::Output {
        Ok(Filter::and(
            operands.into_iter().collect::<Result<Vec<_>, _>>()?,
        ))
    }

    fn or(&mut self, operands: Vec<Self::Output>) -> Self::Output {
        Ok(Filter::or(
            operands.into_iter().collect::<Result<Vec<_>, _>>()?,
        ))
    }

    fn not(&mut self, operand: Option<Self::Output>) -> Self::Output {
        let inner = operand
            .ok_or_else(|| ScimError::bad_request(ScimType::InvalidFilter, "empty not"))??;
        Ok(Filter::negate(inner))
    }

    fn enter_value_path(&mut self, vp: &ValuePath) {
        self.outer.push(vp.attr.clone());
    }

    fn value_path(&mut self, vp: &ValuePath, inner: Option<Self::Output>) -> Self::Output {
        self.outer.pop();
        let inner = inner.ok_or_else(|| {
            ScimError::bad_request(ScimType::InvalidFilter, "empty value filter")
        })??;
        // A value path is allowed when its attribute, or one of its sub-attributes, is.
        if let Some(allowed) = &self.policy.filterable
            && let Some((attr, _)) = canonical(self.registry, self.rt, &vp.attr.full_text())
            && !allowed.iter().any(|a| {
                canonical(self.registry, self.rt, a).is_some_and(|(a_attr, _)| a_attr == attr)
            })
        {
            return Err(ScimError::bad_request(
                ScimType::InvalidFilter,
                format!(
                    "attribute \"{}\" is not filterable here; filterable: {}",
                    vp.attr,
                    allowed.join(", ")
                ),
            ));
        }
        Ok(Filter::value_path(vp.attr.clone(), inner))
    }
}
