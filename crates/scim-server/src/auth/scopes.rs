//! Authorization: what an authenticated caller may do, to which resources, and which
//! attributes it sees.
//!
//! After authentication the engine asks its [`Authorizer`] about every operation on a resource
//! type ([`Action`]); discovery endpoints and `/Bulk` itself need authentication only (each bulk
//! operation is authorized on its own). The answer is a [`Grant`] or a [`Denied`] (403 with a
//! SCIM error body). A grant may carry:
//!
//! - a **mandatory filter**, AND-ed into every query and checked against the target of every
//!   read and write: a resource outside it answers 404 as if absent, and a create or a write
//!   whose result falls outside it answers 403;
//! - a **visibility** (schema scopes): the attributes the caller may see and change. Invisible
//!   attributes are absent from responses; a filter or `sortBy` naming one is `invalidFilter`
//!   (400), exactly as if the attribute did not exist; writing one is 403; a PUT keeps the
//!   invisible attributes of the existing resource.
//!
//! [`Permissive`] (the default) grants every right; [`ScopePolicy`] maps scopes to rights.

use crate::store::RequestContext;
use scim_core::registry::ResourceType;
use scim_core::{SchemaRegistry, ScimError};
use scim_filter::{CompareOp, CompiledFilter, CompiledFold, Literal, ResolvedAttr};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// The scope that grants every operation and every attribute (the customer-identity platform's
/// behaviour for Basic identities).
pub const ALL_RIGHTS: &str = "*";

/// An operation on a resource type, as authorization sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Action {
    /// `GET /{Endpoint}/{id}`.
    Get,
    /// `GET /{Endpoint}`, `POST /{Endpoint}/.search` and `POST /.search`.
    Query,
    /// `POST /{Endpoint}`.
    Post,
    /// `PUT /{Endpoint}/{id}`.
    Put,
    /// `PATCH /{Endpoint}/{id}`.
    Patch,
    /// `DELETE /{Endpoint}/{id}`.
    Delete,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 6] = [
        Action::Get,
        Action::Query,
        Action::Post,
        Action::Put,
        Action::Patch,
        Action::Delete,
    ];

    /// The lower-case name used in scopes: `get`, `query`, `post`, `put`, `patch`, `delete`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Get => "get",
            Action::Query => "query",
            Action::Post => "post",
            Action::Put => "put",
            Action::Patch => "patch",
            Action::Delete => "delete",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refusal: the caller is known but lacks the right (403).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("forbidden: {0}")]
pub struct Denied(String);

impl Denied {
    /// A refusal with a detail for the error body.
    pub fn new(detail: impl Into<String>) -> Self {
        Denied(detail.into())
    }

    /// The detail.
    pub fn detail(&self) -> &str {
        &self.0
    }
}

impl From<Denied> for ScimError {
    fn from(d: Denied) -> ScimError {
        ScimError::new(403, None, d.0)
    }
}

/// What an authorized operation may touch. [`Grant::default`] is everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grant {
    filter: Option<String>,
    visibility: Option<Arc<Visibility>>,
}

impl Grant {
    /// Every resource and every attribute.
    pub fn full() -> Self {
        Grant::default()
    }

    /// Narrows the grant to resources matching `filter` (SCIM filter syntax, in the resource
    /// type's attributes); several filters are AND-ed.
    #[must_use]
    pub fn with_filter(mut self, filter: impl Into<String>) -> Self {
        let f = filter.into();
        self.filter = Some(match self.filter.take() {
            Some(old) => format!("({old}) and ({f})"),
            None => f,
        });
        self
    }

    /// Narrows the grant to the attributes `visibility` shows.
    #[must_use]
    pub fn with_visibility(mut self, visibility: Visibility) -> Self {
        self.visibility = Some(Arc::new(visibility));
        self
    }

    /// The mandatory filter, if any.
    pub fn filter(&self) -> Option<&str> {
        self.filter.as_deref()
    }

    /// The visibility, if attributes are restricted.
    pub fn visibility(&self) -> Option<&Visibility> {
        self.visibility.as_deref()
    }
}

/// The attributes a caller may see and change: whole schemas (core or extension) and single
/// attributes of a schema. `id`, `schemas` and `meta` are always visible.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Visibility {
    /// Lower-case schema URNs seen whole.
    schemas: Vec<String>,
    /// Lower-case (schema URN, attribute name) pairs.
    attributes: Vec<(String, String)>,
}

impl Visibility {
    /// Nothing but `id`, `schemas` and `meta`.
    pub fn none() -> Self {
        Visibility::default()
    }

    /// Adds a target: a schema URN (the whole schema) or `URN:attribute` (one top-level
    /// attribute of that schema), resolved against `registry`'s schemas. An unknown URN is
    /// taken as a whole schema.
    pub fn add(&mut self, registry: &SchemaRegistry, target: &str) {
        let lower = target.trim().to_ascii_lowercase();
        let whole = registry
            .schemas()
            .iter()
            .any(|s| s.id.eq_ignore_ascii_case(target.trim()));
        if !whole
            && let Some((urn, attr)) = lower.rsplit_once(':')
            && registry
                .schemas()
                .iter()
                .any(|s| s.id.eq_ignore_ascii_case(urn))
        {
            self.attributes.push((urn.to_owned(), attr.to_owned()));
            return;
        }
        self.schemas.push(lower);
    }

    /// Whether the whole schema `urn` is visible.
    pub fn sees_schema(&self, urn: &str) -> bool {
        self.schemas.iter().any(|s| s.eq_ignore_ascii_case(urn))
    }

    /// Whether attribute `name` of schema `urn` is visible.
    pub fn sees(&self, urn: &str, name: &str) -> bool {
        self.sees_schema(urn)
            || self
                .attributes
                .iter()
                .any(|(u, a)| u.eq_ignore_ascii_case(urn) && a.eq_ignore_ascii_case(name))
    }

    /// Whether anything of schema `urn` is visible.
    pub fn sees_some_of(&self, urn: &str) -> bool {
        self.sees_schema(urn)
            || self
                .attributes
                .iter()
                .any(|(u, _)| u.eq_ignore_ascii_case(urn))
    }

    /// Splits `resource` into what the caller sees (left in place) and what it does not
    /// (returned, as an object of the same shape). Extension URNs the caller sees nothing of
    /// are also dropped from `schemas`.
    pub(crate) fn split(
        &self,
        registry: &SchemaRegistry,
        rt: &ResourceType,
        resource: &mut Value,
    ) -> Map<String, Value> {
        let mut hidden = Map::new();
        let Some(obj) = resource.as_object_mut() else {
            return hidden;
        };
        let keys: Vec<String> = obj.keys().cloned().collect();
        let mut dropped_urns = Vec::new();
        for key in keys {
            if always_visible(&key) {
                continue;
            }
            match extension_of(registry, rt, &key) {
                Some(urn) => {
                    if self.sees_schema(&urn) {
                        continue;
                    }
                    if !self.sees_some_of(&urn) {
                        if let Some(v) = obj.remove(&key) {
                            hidden.insert(key, v);
                        }
                        dropped_urns.push(urn);
                        continue;
                    }
                    let Some(inner) = obj.get_mut(&key).and_then(Value::as_object_mut) else {
                        continue;
                    };
                    let mut gone = Map::new();
                    let names: Vec<String> = inner.keys().cloned().collect();
                    for name in names {
                        if !self.sees(&urn, &name)
                            && let Some(v) = inner.remove(&name)
                        {
                            gone.insert(name, v);
                        }
                    }
                    if !gone.is_empty() {
                        hidden.insert(key, Value::Object(gone));
                    }
                }
                None => {
                    if !self.sees(&rt.schema, &key)
                        && let Some(v) = obj.remove(&key)
                    {
                        hidden.insert(key, v);
                    }
                }
            }
        }
        if !dropped_urns.is_empty()
            && let Some(schemas) = obj.get_mut("schemas").and_then(Value::as_array_mut)
        {
            schemas.retain(|s| {
                !s.as_str()
                    .is_some_and(|s| dropped_urns.iter().any(|u| u.eq_ignore_ascii_case(s)))
            });
        }
        hidden
    }

    /// Removes what the caller cannot see from a resource about to be returned.
    pub(crate) fn hide(&self, registry: &SchemaRegistry, rt: &ResourceType, resource: &mut Value) {
        let _ = self.split(registry, rt, resource);
    }

    /// The invisible part of `resource` (empty when the caller sees all of it).
    pub(crate) fn invisible(
        &self,
        registry: &SchemaRegistry,
        rt: &ResourceType,
        resource: &Value,
    ) -> Map<String, Value> {
        let mut copy = resource.clone();
        self.split(registry, rt, &mut copy)
    }

    /// Refuses (403) a request body that names an attribute the caller cannot see.
    pub(crate) fn check_write(
        &self,
        registry: &SchemaRegistry,
        rt: &ResourceType,
        body: &Value,
    ) -> Result<(), ScimError> {
        match self.invisible(registry, rt, body).keys().next() {
            Some(key) => Err(forbidden_attribute(key)),
            None => Ok(()),
        }
    }

    /// Refuses (403) a PATCH operation path that names an attribute the caller cannot see, or a
    /// path-less value that holds one.
    pub(crate) fn check_patch(
        &self,
        registry: &SchemaRegistry,
        rt: &ResourceType,
        op: &scim_core::message::PatchOp,
    ) -> Result<(), ScimError> {
        for o in &op.operations {
            match o.path.as_deref().map(str::trim) {
                Some(path) if !path.is_empty() => {
                    let (urn, rest) = match registry.split_urn(rt, path) {
                        Some((schema, rest)) => (schema.id.clone(), rest),
                        None => (rt.schema.clone(), path),
                    };
                    let name_end = rest.find(['.', '[']).unwrap_or(rest.len());
                    let name = rest.get(..name_end).unwrap_or(rest);
                    let ok = if name.is_empty() {
                        // The whole extension object.
                        self.sees_schema(&urn)
                    } else {
                        always_visible(name) && urn.eq_ignore_ascii_case(&rt.schema)
                            || self.sees(&urn, name)
                    };
                    if !ok {
                        return Err(forbidden_attribute(path));
                    }
                }
                _ => {
                    if let Some(value) = &o.value {
                        self.check_write(registry, rt, value)?;
                    }
                }
            }
        }
        Ok(())
    }
}

impl Visibility {
    /// Whether a compiled filter's attribute is visible.
    pub(crate) fn sees_resolved(&self, rt: &ResourceType, attr: &ResolvedAttr) -> bool {
        match &attr.extension {
            Some(urn) => self.sees(urn, &attr.name),
            None => always_visible(&attr.name) || self.sees(&rt.schema, &attr.name),
        }
    }

    /// Checks that a filter names only visible attributes; the error is the first invisible
    /// attribute's name.
    pub(crate) fn check_filter(
        &self,
        rt: &ResourceType,
        filter: &CompiledFilter,
    ) -> Result<(), String> {
        let mut check = FilterCheck {
            visibility: self,
            rt,
            depth: 0,
            bad: None,
        };
        filter.fold(&mut check);
        match check.bad {
            Some(name) => Err(name),
            None => Ok(()),
        }
    }
}

/// Walks a compiled filter for attributes the caller cannot see. Leaves inside a value path
/// name sub-attributes of the value path's attribute, which is checked on entry.
struct FilterCheck<'a> {
    visibility: &'a Visibility,
    rt: &'a ResourceType,
    depth: usize,
    bad: Option<String>,
}

impl FilterCheck<'_> {
    fn leaf(&mut self, attr: &ResolvedAttr) {
        if self.depth == 0 && self.bad.is_none() && !self.visibility.sees_resolved(self.rt, attr) {
            self.bad = Some(attr.name.clone());
        }
    }
}

impl CompiledFold for FilterCheck<'_> {
    type Output = ();
    fn present(&mut self, attr: &ResolvedAttr) {
        self.leaf(attr);
    }
    fn compare(&mut self, attr: &ResolvedAttr, _op: CompareOp, _literal: Literal<'_>) {
        self.leaf(attr);
    }
    fn and(&mut self, _operands: Vec<()>) {}
    fn or(&mut self, _operands: Vec<()>) {}
    fn not(&mut self, _operand: ()) {}
    fn constant(&mut self, _value: bool) {}
    fn enter_value_path(&mut self, attr: &ResolvedAttr) {
        self.leaf(attr);
        self.depth += 1;
    }
    fn value_path(&mut self, _attr: &ResolvedAttr, _inner: ()) {
        self.depth = self.depth.saturating_sub(1);
    }
}

/// Puts the invisible attributes of an existing resource back into a PUT body (extension
/// objects merged attribute by attribute).
pub(crate) fn merge_hidden(body: &mut Value, hidden: Map<String, Value>) {
    let Some(obj) = body.as_object_mut() else {
        return;
    };
    for (key, value) in hidden {
        match (obj.get_mut(&key), value) {
            (Some(Value::Object(into)), Value::Object(from)) => {
                for (k, v) in from {
                    into.insert(k, v);
                }
            }
            (_, value) => {
                obj.insert(key, value);
            }
        }
    }
}

fn forbidden_attribute(name: &str) -> ScimError {
    ScimError::new(
        403,
        None,
        format!("the caller may not write attribute {name:?}"),
    )
}

fn always_visible(key: &str) -> bool {
    ["id", "schemas", "meta"]
        .iter()
        .any(|k| k.eq_ignore_ascii_case(key))
}

/// The extension URN (as registered) a top-level key names, if it names one of `rt`'s.
fn extension_of(registry: &SchemaRegistry, rt: &ResourceType, key: &str) -> Option<String> {
    registry.extension(rt, key).map(|s| s.id.clone())
}

/// Decides whether a caller may perform an operation, and what it may touch.
pub trait Authorizer: Send + Sync + fmt::Debug {
    /// Authorizes `action` on resources of type `rt` for the caller `ctx`.
    fn authorize(
        &self,
        ctx: &RequestContext,
        registry: &SchemaRegistry,
        rt: &ResourceType,
        action: Action,
    ) -> Result<Grant, Denied>;

    /// What the caller may see of the schemas, for the discovery endpoints (`/Schemas`,
    /// `/ResourceTypes`), which need authentication only. `None` (the default): everything.
    fn discovery_visibility(
        &self,
        _ctx: &RequestContext,
        _registry: &SchemaRegistry,
    ) -> Option<Visibility> {
        None
    }
}

/// Grants every authenticated caller every right (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct Permissive;

impl Authorizer for Permissive {
    fn authorize(
        &self,
        _ctx: &RequestContext,
        _registry: &SchemaRegistry,
        _rt: &ResourceType,
        _action: Action,
    ) -> Result<Grant, Denied> {
        Ok(Grant::full())
    }
}

/// A mandatory filter and when it applies.
#[derive(Debug, Clone, PartialEq, Eq)]
struct MandatoryFilter {
    /// Applies to callers holding this scope; `None`: to every caller.
    scope: Option<String>,
    /// The resource type name (any case).
    resource_type: String,
    /// The SCIM filter.
    filter: String,
}

/// Authorization by scopes, configured per deployment.
///
/// - **Operation scopes:** [`ScopePolicy::require`] makes an action on a resource type need one
///   of some scopes; [`ScopePolicy::scim_operation_scopes`] is the ready mapping
///   `SCIM:user:get`, `SCIM:user:post`, `SCIM:user:put`, `SCIM:user:patch`,
///   `SCIM:user:delete`, `SCIM:user:query` (and the same for groups). Actions with no
///   requirement are open to every authenticated caller.
/// - **Mandatory filters:** [`ScopePolicy::mandatory_filter`] narrows a resource type for every
///   caller or for the holders of a scope (a "segment" scope); every filter that applies is
///   AND-ed.
/// - **Schema scopes:** once [`ScopePolicy::schema_scope`] is called, a caller sees only the
///   schemas and attributes its scopes map to (plus `id`, `schemas` and `meta`).
///
/// The scope [`ALL_RIGHTS`] (`*`) passes every operation and schema check (mandatory filters
/// tied to a scope still apply to its holders only; unconditional ones apply to everyone).
///
/// ```
/// use scim_server::auth::{Action, ScopePolicy};
///
/// let policy = ScopePolicy::new()
///     .scim_operation_scopes(["User", "Group"])
///     .require("User", Action::Get, "users:read")
///     .mandatory_filter(Some("segment:emea"), "User", r#"addresses[country eq "DE"]"#)
///     .schema_scope("core", "urn:ietf:params:scim:schemas:core:2.0:User")
///     .schema_scope(
///         "hr",
///         "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
///     );
/// # let _ = policy;
/// ```
#[derive(Debug, Clone, Default)]
pub struct ScopePolicy {
    operations: HashMap<(String, Action), Vec<String>>,
    filters: Vec<MandatoryFilter>,
    schema_scopes: Option<Vec<(String, String)>>,
}

impl ScopePolicy {
    /// No requirement: every authenticated caller has every right.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes `action` on `resource_type` need `scope` (or any other scope required for it).
    #[must_use]
    pub fn require(
        mut self,
        resource_type: &str,
        action: Action,
        scope: impl Into<String>,
    ) -> Self {
        self.operations
            .entry((resource_type.to_ascii_lowercase(), action))
            .or_default()
            .push(scope.into());
        self
    }

    /// The ready mapping `SCIM:{type}:{action}` for each named resource type (`User` →
    /// `SCIM:user:get`, … ; `Group` → `SCIM:group:get`, …).
    #[must_use]
    pub fn scim_operation_scopes<'a>(
        mut self,
        resource_types: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        for rt in resource_types {
            let noun = rt.to_ascii_lowercase();
            for action in Action::ALL {
                self = self.require(rt, action, format!("SCIM:{noun}:{action}"));
            }
        }
        self
    }

    /// Narrows `resource_type` to resources matching `filter`, for holders of `scope` (or for
    /// everyone when `None`).
    #[must_use]
    pub fn mandatory_filter(
        mut self,
        scope: Option<&str>,
        resource_type: &str,
        filter: impl Into<String>,
    ) -> Self {
        self.filters.push(MandatoryFilter {
            scope: scope.map(str::to_owned),
            resource_type: resource_type.to_owned(),
            filter: filter.into(),
        });
        self
    }

    /// Enables schema scopes and maps `scope` to `target`: a schema URN (core or extension),
    /// or `URN:attribute` for one top-level attribute of that schema.
    #[must_use]
    pub fn schema_scope(mut self, scope: impl Into<String>, target: impl Into<String>) -> Self {
        self.schema_scopes
            .get_or_insert_with(Vec::new)
            .push((scope.into(), target.into()));
        self
    }
}

fn holds(ctx: &RequestContext, scope: &str) -> bool {
    ctx.scopes.iter().any(|s| s == scope)
}

fn all_rights(ctx: &RequestContext) -> bool {
    holds(ctx, ALL_RIGHTS)
}

impl Authorizer for ScopePolicy {
    fn authorize(
        &self,
        ctx: &RequestContext,
        registry: &SchemaRegistry,
        rt: &ResourceType,
        action: Action,
    ) -> Result<Grant, Denied> {
        if !all_rights(ctx)
            && let Some(needed) = self.operations.get(&(rt.name.to_ascii_lowercase(), action))
            && !needed.iter().any(|s| holds(ctx, s))
        {
            return Err(Denied::new(format!(
                "{action} on {} needs one of the scopes {}",
                rt.name,
                needed.join(", ")
            )));
        }
        let mut grant = Grant::full();
        for f in &self.filters {
            let applies = f.resource_type.eq_ignore_ascii_case(&rt.name)
                && f.scope.as_deref().is_none_or(|s| holds(ctx, s));
            if applies {
                grant = grant.with_filter(f.filter.clone());
            }
        }
        if let Some(v) = self.visibility(ctx, registry) {
            grant = grant.with_visibility(v);
        }
        Ok(grant)
    }

    fn discovery_visibility(
        &self,
        ctx: &RequestContext,
        registry: &SchemaRegistry,
    ) -> Option<Visibility> {
        self.visibility(ctx, registry)
    }
}

impl ScopePolicy {
    /// What the caller's schema scopes let it see (`None`: no schema scopes configured, or
    /// every right).
    fn visibility(&self, ctx: &RequestContext, registry: &SchemaRegistry) -> Option<Visibility> {
        let map = self.schema_scopes.as_ref()?;
        if all_rights(ctx) {
            return None;
        }
        let mut v = Visibility::none();
        for (scope, target) in map {
            if holds(ctx, scope) {
                v.add(registry, target);
            }
        }
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

    fn ctx(scopes: &[&str]) -> RequestContext {
        RequestContext {
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            ..RequestContext::tenant("t")
        }
    }

    #[test]
    fn operation_scopes_need_the_mapped_scope() {
        let reg = SchemaRegistry::builtin();
        let user = reg.resource_type("User").unwrap();
        let p = ScopePolicy::new().scim_operation_scopes(["User"]);
        assert!(
            p.authorize(&ctx(&["SCIM:user:get"]), &reg, user, Action::Get)
                .is_ok()
        );
        let denied = p
            .authorize(&ctx(&["SCIM:user:get"]), &reg, user, Action::Delete)
            .unwrap_err();
        assert!(denied.detail().contains("SCIM:user:delete"));
        assert!(
            p.authorize(&ctx(&["*"]), &reg, user, Action::Delete)
                .is_ok()
        );
        let group = reg.resource_type("Group").unwrap();
        assert!(p.authorize(&ctx(&[]), &reg, group, Action::Delete).is_ok());
    }

    #[test]
    fn filters_apply_to_scope_holders_and_combine() {
        let reg = SchemaRegistry::builtin();
        let user = reg.resource_type("User").unwrap();
        let p = ScopePolicy::new()
            .mandatory_filter(None, "user", "active eq true")
            .mandatory_filter(Some("seg:a"), "User", "title eq \"a\"");
        let g = p.authorize(&ctx(&[]), &reg, user, Action::Get).unwrap();
        assert_eq!(g.filter(), Some("active eq true"));
        let g = p
            .authorize(&ctx(&["seg:a"]), &reg, user, Action::Get)
            .unwrap();
        assert_eq!(g.filter(), Some("(active eq true) and (title eq \"a\")"));
    }

    #[test]
    fn visibility_splits_schemas_and_attributes() {
        let reg = SchemaRegistry::builtin();
        let user = reg.resource_type("User").unwrap();
        let mut v = Visibility::none();
        v.add(&reg, &format!("{CORE}:userName"));
        v.add(&reg, &format!("{ENT}:department"));
        let mut r = json!({
            "schemas": [CORE, ENT],
            "id": "1",
            "userName": "a",
            "title": "t",
            ENT: {"department": "d", "employeeNumber": "7"},
        });
        let hidden = v.split(&reg, user, &mut r);
        assert_eq!(
            r,
            json!({"schemas": [CORE, ENT], "id": "1", "userName": "a", ENT: {"department": "d"}})
        );
        assert_eq!(
            Value::Object(hidden),
            json!({"title": "t", ENT: {"employeeNumber": "7"}})
        );

        let mut core_only = Visibility::none();
        core_only.add(&reg, CORE);
        let mut r = json!({"schemas": [CORE, ENT], "userName": "a", ENT: {"department": "d"}});
        core_only.hide(&reg, user, &mut r);
        assert_eq!(r, json!({"schemas": [CORE], "userName": "a"}));
    }

    #[test]
    fn patch_paths_are_checked() {
        let reg = SchemaRegistry::builtin();
        let user = reg.resource_type("User").unwrap();
        let mut v = Visibility::none();
        v.add(&reg, CORE);
        let op = |path: Option<&str>, value: Value| {
            scim_core::message::PatchOp::from_json(
                &json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{"op": "replace", "path": path, "value": value}],
                }),
                scim_core::Compat::tolerant(),
            )
            .unwrap()
        };
        assert!(
            v.check_patch(&reg, user, &op(Some("name.givenName"), json!("x")))
                .is_ok()
        );
        let e = v
            .check_patch(
                &reg,
                user,
                &op(Some(&format!("{ENT}:department")), json!("x")),
            )
            .unwrap_err();
        assert_eq!(e.status(), 403);
        assert!(
            v.check_patch(&reg, user, &op(Some(ENT), json!({})))
                .is_err()
        );
        assert!(
            v.check_patch(&reg, user, &op(None, json!({ENT: {"department": "x"}})))
                .is_err()
        );
        assert!(
            v.check_patch(&reg, user, &op(None, json!({"title": "x"})))
                .is_ok()
        );
    }
}
