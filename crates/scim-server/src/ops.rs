//! The engine's calls into `scim-core`, `scim-filter` and `scim-patch`, in one place.

use crate::engine::{Call, Inner, Served};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use scim_core::message::PatchOp;
use scim_core::project::Projection;
use scim_core::registry::ResourceType;
use scim_core::validate::{validate_create, validate_replace};
use scim_core::{SchemaRegistry, ScimError, ScimType};
use scim_filter::{CompiledFilter, FilterError, SortKey, parse_attr_path};
use serde_json::Value;

/// Compiles a `filter` parameter for a resource type.
pub(crate) fn compile_filter(
    registry: &SchemaRegistry,
    rt: &ResourceType,
    text: &str,
) -> Result<CompiledFilter, FilterError> {
    CompiledFilter::parse_and_compile(text, registry, rt)
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
    format!("{}{}/{}", call.base_url, served.rt.endpoint, id)
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

/// Turns a stored resource into what the client sees: `meta.location`, `$ref`s of a user's
/// groups, then the projection.
pub(crate) fn output(
    call: &Call<'_>,
    served: &Served,
    projection: &Projection<'_>,
    mut resource: Value,
) -> Value {
    let id = resource
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let (Some(id), Some(meta)) = (id, resource.get_mut("meta").and_then(Value::as_object_mut)) {
        meta.insert(
            "location".into(),
            Value::String(location(call, served, &id)),
        );
    }
    if let Some(groups) = resource.get_mut("groups").and_then(Value::as_array_mut) {
        for g in groups {
            let gid = g.get("value").and_then(Value::as_str).map(str::to_owned);
            if let (Some(obj), Some(gid)) = (g.as_object_mut(), gid) {
                obj.entry("$ref")
                    .or_insert_with(|| Value::String(format!("{}/Groups/{gid}", call.base_url)));
            }
        }
    }
    projection.apply_mut(&mut resource);
    resource
}

/// A PATCH planned once (paths parsed and resolved, values checked): the
/// [`crate::store::Patcher`] the store runs under its own concurrency control. A password the
/// patch writes is hashed before it is stored.
pub(crate) struct PlannedPatch<'a> {
    plan: scim_patch::Plan<'a>,
    op: &'a PatchOp,
}

impl std::fmt::Debug for PlannedPatch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlannedPatch")
            .field("op", &self.op)
            .finish()
    }
}

impl crate::store::Patcher for PlannedPatch<'_> {
    fn apply(&self, resource: &mut Value) -> Result<bool, ScimError> {
        let outcome = self.plan.apply(resource).map_err(ScimError::from)?;
        if resource.get("password").is_some_and(|p| !is_hashed(p)) {
            hash_password(resource)?;
        }
        Ok(!outcome.is_noop())
    }

    fn operations(&self) -> &[scim_core::message::PatchOperation] {
        &self.op.operations
    }
}

/// Plans `op` for a resource type.
pub(crate) fn patcher<'a>(
    inner: &'a Inner,
    served: &'a Served,
    op: &'a PatchOp,
) -> Result<PlannedPatch<'a>, ScimError> {
    let plan = scim_patch::Patcher::new(&inner.config.registry)
        .with_compat(inner.config.compat)
        .plan(&served.rt, op)
        .map_err(ScimError::from)?;
    Ok(PlannedPatch { plan, op })
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
    resource
        .get("members")
        .map(|m| member_values(m).collect())
        .unwrap_or_default()
}
