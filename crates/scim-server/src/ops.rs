//! The engine's calls into `scim-core`, `scim-filter` and `scim-patch`, in one place.

use crate::auth::Grant;
use crate::engine::{Call, Inner, Served};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use scim_core::member;
use scim_core::message::PatchOp;
use scim_core::project::Projection;
use scim_core::registry::ResourceType;
use scim_core::validate::{validate_create, validate_replace};
use scim_core::{SchemaRegistry, ScimError, ScimType};
use scim_filter::{CompiledFilter, FilterError, SortKey, parse_attr_path};
use serde_json::Value;
use std::sync::Arc;

/// Why a filter could not be compiled for a resource type.
#[derive(Debug)]
pub(crate) enum FilterFailure {
    /// The filter text or its attributes are invalid.
    Filter(FilterError),
    /// The resource type's filter policy refuses it.
    Policy(ScimError),
    /// It names an attribute the caller cannot see (schema scopes): as if unknown.
    Hidden(String),
}

impl From<FilterFailure> for ScimError {
    fn from(f: FilterFailure) -> ScimError {
        match f {
            FilterFailure::Filter(e) => e.to_scim_error(),
            FilterFailure::Policy(e) => e,
            FilterFailure::Hidden(name) => ScimError::bad_request(
                ScimType::InvalidFilter,
                format!("unknown attribute {name:?} in the filter"),
            ),
        }
    }
}

/// Compiles the `filter` of a list request as the caller may run it: the caller's filter must
/// name only attributes it can see (else `invalidFilter`, as for an unknown attribute), and the
/// grant's mandatory filter is AND-ed in.
pub(crate) fn list_filter(
    registry: &SchemaRegistry,
    served: &Served,
    grant: &Grant,
    text: Option<&str>,
) -> Result<Option<CompiledFilter>, FilterFailure> {
    let user = match text {
        Some(text) => {
            let parsed = scim_filter::parse_filter(text).map_err(FilterFailure::Filter)?;
            let rewritten = served
                .filter
                .apply(&parsed, registry, &served.rt)
                .map_err(FilterFailure::Policy)?;
            let compiled = CompiledFilter::compile(&rewritten, registry, &served.rt)
                .map_err(|e| FilterFailure::Filter(e.with_input(text)))?;
            if let Some(v) = grant.visibility() {
                v.check_filter(&served.rt, &compiled)
                    .map_err(FilterFailure::Hidden)?;
            }
            Some((rewritten, compiled))
        }
        None => None,
    };
    let Some(mandatory) = grant.filter() else {
        return Ok(user.map(|(_, c)| c));
    };
    let forced = parse_mandatory(mandatory)?;
    let combined = match user {
        Some((rewritten, _)) => scim_filter::Filter::and([forced, rewritten]),
        None => forced,
    };
    CompiledFilter::compile(&combined, registry, &served.rt)
        .map(Some)
        .map_err(|e| FilterFailure::Policy(mandatory_error(mandatory, &e)))
}

fn parse_mandatory(text: &str) -> Result<scim_filter::Filter, FilterFailure> {
    scim_filter::parse_filter(text).map_err(|e| FilterFailure::Policy(mandatory_error(text, &e)))
}

fn mandatory_error(text: &str, e: &FilterError) -> ScimError {
    ScimError::new(
        500,
        None,
        format!("the authorization filter {text:?} is invalid: {e}"),
    )
}

/// The grant's mandatory filter, compiled for the resource type.
pub(crate) fn mandatory_filter(
    registry: &SchemaRegistry,
    served: &Served,
    grant: &Grant,
) -> Result<Option<CompiledFilter>, ScimError> {
    let Some(text) = grant.filter() else {
        return Ok(None);
    };
    let f = parse_mandatory(text).map_err(ScimError::from)?;
    CompiledFilter::compile(&f, registry, &served.rt)
        .map(Some)
        .map_err(|e| mandatory_error(text, &e))
}

/// Whether `resource` is inside the mandatory filter (a resource the filter cannot evaluate is
/// outside).
pub(crate) fn in_scope(filter: Option<&CompiledFilter>, resource: &Value) -> bool {
    filter.is_none_or(|f| f.matches(resource).unwrap_or(false))
}

/// Refuses a `sortBy` on an attribute the caller cannot see, as if it did not exist.
pub(crate) fn check_sort(served: &Served, grant: &Grant, key: &SortKey) -> Result<(), ScimError> {
    match grant.visibility() {
        Some(v) if !v.sees_resolved(&served.rt, key.attr()) => Err(ScimError::bad_request(
            ScimType::InvalidValue,
            format!("unknown attribute {:?} in sortBy", key.attr().name),
        )),
        _ => Ok(()),
    }
}

/// Compiles a `sortBy` parameter for a resource type.
pub(crate) fn compile_sort(
    registry: &SchemaRegistry,
    rt: &ResourceType,
    text: &str,
) -> Result<SortKey, ScimError> {
    let path = parse_attr_path(text).map_err(|e| e.to_scim_error())?;
    SortKey::compile(&path, registry, rt).map_err(|e| e.to_scim_error())
}

/// The prefix of a stored password hash (PHC string format).
const HASH_PREFIX: &str = "$argon2";

/// Replaces a cleartext `password` by its argon2 hash (PHC string). The cleartext is never
/// stored and, being `returned: never`, the hash is never returned.
pub(crate) fn hash_password(resource: &mut Value) -> Result<(), ScimError> {
    let Some(slot) = resource.get_mut("password") else {
        return Ok(());
    };
    let Some(clear) = slot.as_str() else {
        return Ok(());
    };
    let salt = SaltString::generate(&mut OsRng);
    let hash = Argon2::default()
        .hash_password(clear.as_bytes(), &salt)
        .map_err(|e| ScimError::bad_request(ScimType::InvalidValue, format!("password: {e}")))?;
    *slot = Value::String(hash.to_string());
    Ok(())
}

/// Validates a POST body and prepares it for the store.
pub(crate) fn prepare_create(
    inner: &Inner,
    served: &Served,
    mut body: Value,
) -> Result<Value, ScimError> {
    let config = &inner.config;
    validate_create(&mut body, &config.registry, &served.rt, config.compat)?;
    hash_password(&mut body)?;
    Ok(body)
}

/// Validates a PUT body against the existing resource and prepares it for the store. A
/// password the client did not send (it can never read it back) is kept.
pub(crate) fn prepare_replace(
    inner: &Inner,
    served: &Served,
    id: &str,
    mut body: Value,
    existing: &Value,
) -> Result<Value, ScimError> {
    let config = &inner.config;
    if let Some(sent) = body.get("id").and_then(Value::as_str)
        && sent != id
    {
        return Err(ScimError::bad_request(
            ScimType::Mutability,
            format!("id {sent:?} in the body contradicts the URL's {id:?}"),
        ));
    }
    validate_replace(
        &mut body,
        existing,
        &config.registry,
        &served.rt,
        config.compat,
    )?;
    hash_password(&mut body)?;
    if let (Some(obj), Some(old)) = (body.as_object_mut(), existing.get("password"))
        && !obj.contains_key("password")
    {
        obj.insert("password".into(), old.clone());
    }
    Ok(body)
}

/// Whether a stored password value is a hash (as opposed to cleartext a PATCH just wrote).
pub(crate) fn is_hashed(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.starts_with(HASH_PREFIX))
}

/// The URL of one resource.
pub(crate) fn location(call: &Call<'_>, served: &Served, id: &str) -> String {
    [&call.base_url, &served.rt.endpoint, "/", id].concat()
}

/// Compiles the `attributes`/`excludedAttributes` projection for a resource type.
pub(crate) fn projection<'r>(
    inner: &'r Inner,
    served: &'r Served,
    attributes: &[String],
    excluded: &[String],
) -> Projection<'r> {
    Projection::new(&inner.config.registry, &served.rt, attributes, excluded)
}

/// What the caller may see of a stored resource: the resource itself, or a copy without the
/// attributes the grant hides.
pub(crate) fn visible(
    served: &Served,
    grant: &Grant,
    registry: &SchemaRegistry,
    resource: Arc<Value>,
) -> Arc<Value> {
    match grant.visibility() {
        Some(v) => {
            let mut copy = Arc::unwrap_or_clone(resource);
            v.hide(registry, &served.rt, &mut copy);
            Arc::new(copy)
        }
        None => resource,
    }
}

/// Turns a stored resource, already [`visible`], into what the client sees: `meta.location`,
/// `$ref`s of a user's groups, then the projection, written as it is serialized (the stored
/// JSON is never copied; only a user's `groups` are, to add their `$ref`s).
pub(crate) fn output<'a>(
    call: &Call<'_>,
    served: &Served,
    projection: &'a Projection<'a>,
    resource: Arc<Value>,
) -> Output<'a> {
    let location = match member::of(&resource, "id").and_then(Value::as_str) {
        Some(id) if member::of(&resource, "meta").is_some_and(Value::is_object) => {
            Some(Value::String(location(call, served, id)))
        }
        _ => None,
    };
    let groups = member::of(&resource, "groups")
        .and_then(Value::as_array)
        .map(|groups| {
            let mut groups = groups.clone();
            for g in &mut groups {
                let gid = g.get("value").and_then(Value::as_str).map(str::to_owned);
                if let (Some(obj), Some(gid)) = (g.as_object_mut(), gid) {
                    obj.entry("$ref").or_insert_with(|| {
                        Value::String(format!("{}/Groups/{gid}", call.base_url))
                    });
                }
            }
            [("groups", Value::Array(groups))]
        });
    Output {
        projection,
        resource,
        location,
        groups,
    }
}

/// A resource as the client sees it, from [`output`]; serializing it writes the response.
#[derive(Debug)]
pub(crate) struct Output<'a> {
    projection: &'a Projection<'a>,
    resource: Arc<Value>,
    /// `meta.location`, added as the resource is written.
    location: Option<Value>,
    /// The `groups` written in place of the resource's.
    groups: Option<[(&'static str, Value); 1]>,
}

impl serde::Serialize for Output<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut view = self.projection.view(&self.resource);
        if let Some(groups) = &self.groups {
            view = view.replacing(groups);
        }
        if let Some(location) = &self.location {
            view = view.adding("meta", "location", location);
        }
        view.serialize(serializer)
    }
}

/// A PATCH planned once (paths parsed and resolved, values checked): the
/// [`crate::store::Patcher`] the store runs under its own concurrency control. A password the
/// patch writes is hashed before it is stored.
pub(crate) struct PlannedPatch<'a> {
    plan: scim_patch::Plan<'a>,
    op: &'a PatchOp,
    /// The top-level attributes the last successful application changed.
    changed: std::sync::Mutex<Vec<String>>,
}

impl PlannedPatch<'_> {
    /// The top-level attributes the committed application changed (for hooks and audit).
    pub(crate) fn changed_attributes(&self) -> Vec<String> {
        self.changed.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

impl std::fmt::Debug for PlannedPatch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlannedPatch")
            .field("op", &self.op)
            .finish()
    }
}

impl PlannedPatch<'_> {
    /// Remembers the top-level attributes a successful application changed.
    fn record(&self, outcome: &scim_patch::PatchOutcome) {
        if let Ok(mut changed) = self.changed.lock() {
            let mut top: Vec<String> = outcome
                .changed()
                .iter()
                .map(|p| top_level(p).to_owned())
                .collect();
            top.sort();
            top.dedup();
            *changed = top;
        }
    }
}

/// Why an in-place application stopped: the store's check, or a password to hash (which
/// the copying path does).
enum InPlaceStop {
    Check(ScimError),
    Password,
}

impl crate::store::Patcher for PlannedPatch<'_> {
    fn apply(&self, resource: &mut Value) -> Result<bool, ScimError> {
        let outcome = self.plan.apply(resource).map_err(ScimError::from)?;
        if resource.get("password").is_some_and(|p| !is_hashed(p)) {
            hash_password(resource)?;
        }
        self.record(&outcome);
        Ok(!outcome.is_noop())
    }

    fn operations(&self) -> &[scim_core::message::PatchOperation] {
        &self.op.operations
    }

    fn apply_in_place(
        &self,
        resource: &mut Value,
        mut kept: Option<&mut scim_patch::KeptIndex>,
        check: &mut dyn FnMut(&Value) -> Result<(), ScimError>,
    ) -> Result<crate::store::Applied, ScimError> {
        let applied = self
            .plan
            .apply_checked(resource, kept.as_deref_mut(), |next| {
                if next.get("password").is_some_and(|p| !is_hashed(p)) {
                    return Err(InPlaceStop::Password);
                }
                check(next).map_err(InPlaceStop::Check)
            });
        match applied {
            Ok(outcome) => {
                self.record(&outcome);
                Ok(crate::store::Applied {
                    changed: !outcome.is_noop(),
                    attributes: Some(self.changed_attributes()),
                    deltas: outcome.element_deltas().to_vec(),
                })
            }
            Err(scim_patch::Checked::Patch(e)) => Err(ScimError::from(e)),
            Err(scim_patch::Checked::Refused(InPlaceStop::Check(e))) => Err(e),
            // A password is hashed on a copy, as `apply` does it.
            Err(scim_patch::Checked::Refused(InPlaceStop::Password)) => {
                crate::store::apply_on_copy(self, resource, kept, check)
            }
        }
    }
}

/// Plans `op` for a resource type.
pub(crate) fn patcher<'a>(
    inner: &'a Inner,
    rt: &'a ResourceType,
    op: &'a PatchOp,
) -> Result<PlannedPatch<'a>, ScimError> {
    let plan = scim_patch::Patcher::new(&inner.config.registry)
        .with_compat(inner.config.compat)
        .plan(rt, op)
        .map_err(ScimError::from)?;
    Ok(PlannedPatch {
        plan,
        op,
        changed: std::sync::Mutex::new(Vec::new()),
    })
}

/// Whether a response with these `attributes`/`excludedAttributes` can show `members`, so
/// the store knows whether to load them.
pub(crate) fn wants_members(attributes: &[String], excluded: &[String]) -> bool {
    let names_members = |a: &String| {
        let a = a.trim();
        let tail = a.rsplit(':').next().unwrap_or(a);
        tail.eq_ignore_ascii_case("members") || tail.to_ascii_lowercase().starts_with("members.")
    };
    let excluded_whole = excluded.iter().any(|a| {
        let tail = a.trim().rsplit(':').next().unwrap_or(a);
        tail.eq_ignore_ascii_case("members")
    });
    !excluded_whole && (attributes.is_empty() || attributes.iter().any(names_members))
}

/// The `value`s of a `members` list.
fn member_values(members: &Value) -> impl Iterator<Item = &str> {
    members
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m.get("value").and_then(Value::as_str))
}

/// The member ids a PATCH writes: values of operations whose path names `members`, and
/// `members` inside path-less values (any case).
pub(crate) fn patched_member_ids(op: &PatchOp) -> Vec<String> {
    let mut ids = Vec::new();
    for o in &op.operations {
        let Some(value) = &o.value else { continue };
        match o.path.as_deref() {
            Some(p)
                if p.trim()
                    .get(..7)
                    .is_some_and(|h| h.eq_ignore_ascii_case("members")) =>
            {
                let list = if value.is_array() {
                    value.clone()
                } else {
                    Value::Array(vec![value.clone()])
                };
                ids.extend(member_values(&list).map(str::to_owned));
            }
            None => {
                if let Some(obj) = value.as_object() {
                    for (k, v) in obj {
                        if k.eq_ignore_ascii_case("members") {
                            ids.extend(member_values(v).map(str::to_owned));
                        }
                    }
                }
            }
            Some(_) => {}
        }
    }
    ids
}

/// With `strict_references`, refuses member ids that name no resource of a served type in the
/// caller's tenant.
pub(crate) async fn check_references<'i>(
    inner: &Inner,
    call: &Call<'_>,
    ids: impl IntoIterator<Item = &'i str>,
) -> Result<(), ScimError> {
    if !inner.config.strict_references {
        return Ok(());
    }
    for id in ids {
        let mut found = false;
        for served in &inner.served {
            if inner.store.get(&call.ctx, &served.rt, id).await.is_ok() {
                found = true;
                break;
            }
        }
        if !found {
            return Err(ScimError::bad_request(
                ScimType::InvalidValue,
                format!("members: no resource has id {id:?}"),
            ));
        }
    }
    Ok(())
}

/// The member ids of a resource body.
pub(crate) fn body_member_ids(resource: &Value) -> Vec<&str> {
    member::of(resource, "members")
        .map(|m| member_values(m).collect())
        .unwrap_or_default()
}

/// The top-level attribute of a changed path: `name.givenName` → `name`,
/// `emails[type eq "work"].value` → `emails`, `urn:…:User:manager.value` → `urn:…:User`.
fn top_level(path: &str) -> &str {
    if path.starts_with("urn:") {
        // Extension attributes live under their URN; the URN is the top-level key.
        return path.rsplit_once(':').map_or(path, |(urn, _)| urn);
    }
    let end = path.find(['.', '[']).unwrap_or(path.len());
    path.get(..end).unwrap_or(path)
}
