//! RFC 7644 §3.5.2 PATCH for SCIM resources: exact, atomic and fast, with a tolerant mode
//! for the known client quirks, and [`diff`], which computes the smallest PatchOp between
//! two resources.
//!
//! A request goes through three stages:
//!
//! 1. **decode**: [`PatchOp::from_json`] reads the body (any key and op-name case, unknown
//!    members ignored in the tolerant mode);
//! 2. **plan**: [`Patcher::plan`] parses every path (through `scim-filter`), binds it to
//!    the schema, and type-checks and canonicalizes every value, before any resource is
//!    touched; the [`Plan`] can be applied to many resources. Each thread remembers the
//!    last few value-filter paths it compiled (`emails[type eq "work"].value`), with the
//!    attribute definition they were compiled against;
//! 3. **apply**: [`Plan::apply`] changes the resource in place, recording an undo log; when
//!    an operation fails, the log is replayed and the resource is exactly as before.
//!    A host that keeps resources between requests can keep a [`KeptIndex`] beside each
//!    one and apply through it ([`Plan::apply_kept`]): adding a member to a large group
//!    then reads none of the others.
//!
//! ```
//! use scim_core::SchemaRegistry;
//! use scim_patch::Patcher;
//! use serde_json::json;
//!
//! let registry = SchemaRegistry::builtin();
//! let mut group = json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
//!     "id": "g1", "displayName": "Tour Guides",
//!     "members": [{"value": "u1"}, {"value": "u2"}],
//!     "meta": {"resourceType": "Group"}
//! });
//! let body = json!({
//!     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
//!     "Operations": [
//!         {"op": "add", "path": "members", "value": [{"value": "u3"}, {"value": "u1"}]},
//!         {"op": "remove", "path": "members[value eq \"u2\"]"}
//!     ]
//! });
//! let outcome = Patcher::new(&registry).apply_json(&mut group, &body).unwrap();
//! assert_eq!(group["members"], json!([{"value": "u1"}, {"value": "u3"}]));
//! assert_eq!(outcome.changed(), ["members"]);
//!
//! // A failing request changes nothing.
//! let before = group.clone();
//! let bad = json!({"Operations": [
//!     {"op": "add", "path": "members", "value": [{"value": "u4"}]},
//!     {"op": "remove", "path": "members[value eq \"nobody\"]"}
//! ]});
//! let err = Patcher::new(&registry).apply_json(&mut group, &bad).unwrap_err();
//! assert_eq!(err.operation(), Some(1));
//! assert_eq!(err.scim_type().as_str(), "noTarget");
//! assert_eq!(group, before);
//! ```
//!
//! The tolerant behaviours, each a [`Quirk`] switch of [`Compat`], are listed in
//! [`docs::tolerance`]; every semantic decision is in [`docs::semantics`].

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod apply;
mod diff;
pub mod docs;
mod equiv;
mod error;
mod given;
mod index;
mod kept;
mod lookup;
mod memo;
mod path;
mod plan;
mod scan;

pub use diff::{diff, diff_typed};
pub use equiv::equivalent;
pub use error::PatchError;
pub use kept::{ElementChange, ElementDelta, KeptIndex};
pub use scim_core::message::{PatchOp, PatchOpKind, PatchOperation};
pub use scim_core::{Compat, Quirk};

use scim_core::{ResourceType, SchemaRegistry, ScimType};
use serde_json::Value;
use std::fmt;

/// Applies PatchOps against the schemas of a registry, in a compat mode
/// ([`Compat::tolerant`] unless set).
#[derive(Debug, Clone, Copy)]
pub struct Patcher<'r> {
    registry: &'r SchemaRegistry,
    compat: Compat,
}

impl<'r> Patcher<'r> {
    /// A patcher over `registry` in the tolerant mode.
    pub fn new(registry: &'r SchemaRegistry) -> Self {
        Patcher {
            registry,
            compat: Compat::tolerant(),
        }
    }

    /// This patcher with another compat mode.
    #[must_use]
    pub fn with_compat(mut self, compat: Compat) -> Self {
        self.compat = compat;
        self
    }

    /// The compat mode.
    pub fn compat(&self) -> Compat {
        self.compat
    }

    /// The registry.
    pub fn registry(&self) -> &'r SchemaRegistry {
        self.registry
    }

    /// Decodes a PatchOp body in this patcher's compat mode.
    pub fn decode(&self, body: &Value) -> Result<PatchOp, PatchError> {
        PatchOp::from_json(body, self.compat).map_err(|e| PatchError::from_scim(&e))
    }

    /// Resolves every operation against the schemas of `rt` without touching a resource:
    /// paths parsed and bound, values type-checked and canonicalized.
    pub fn plan(&self, rt: &'r ResourceType, patch: &PatchOp) -> Result<Plan<'r>, PatchError> {
        let steps = plan::plan(self.registry, rt, patch, self.compat)?;
        Ok(Plan {
            steps,
            compat: self.compat,
        })
    }

    /// Applies `patch` to `resource` (a canonical resource whose type is found from
    /// `meta.resourceType` or `schemas`). On error, `resource` is unchanged.
    pub fn apply(&self, resource: &mut Value, patch: &PatchOp) -> Result<PatchOutcome, PatchError> {
        let rt = self.type_of(resource)?;
        self.plan(rt, patch)?.apply_once(resource, None)
    }

    /// [`Patcher::apply`], using and updating identities of `resource` kept from earlier
    /// requests (see [`KeptIndex`]). On error, `resource` and `kept` are unchanged.
    pub fn apply_kept(
        &self,
        resource: &mut Value,
        patch: &PatchOp,
        kept: &mut KeptIndex,
    ) -> Result<PatchOutcome, PatchError> {
        let rt = self.type_of(resource)?;
        self.plan(rt, patch)?.apply_once(resource, Some(kept))
    }

    fn type_of(&self, resource: &Value) -> Result<&'r ResourceType, PatchError> {
        resource_type_of(self.registry, resource).ok_or_else(|| {
            PatchError::new(
                ScimType::InvalidValue,
                "the resource's type is unknown (no meta.resourceType or core schema)",
            )
        })
    }

    /// Applies `patch` to a resource of type `rt`. On error, `resource` is unchanged.
    pub fn apply_to(
        &self,
        rt: &'r ResourceType,
        resource: &mut Value,
        patch: &PatchOp,
    ) -> Result<PatchOutcome, PatchError> {
        self.plan(rt, patch)?.apply_once(resource, None)
    }

    /// Decodes `body` and applies it (see [`Patcher::apply`]).
    pub fn apply_json(
        &self,
        resource: &mut Value,
        body: &Value,
    ) -> Result<PatchOutcome, PatchError> {
        let patch = self.decode(body)?;
        self.apply(resource, &patch)
    }
}

/// The resource type of a resource: by `meta.resourceType`, else by its core schema URN.
pub fn resource_type_of<'r>(
    registry: &'r SchemaRegistry,
    resource: &Value,
) -> Option<&'r ResourceType> {
    if let Some(rt) = lookup::member(resource, "meta")
        .and_then(|m| lookup::member(m, "resourceType"))
        .and_then(Value::as_str)
        .and_then(|n| registry.resource_type(n))
    {
        return Some(rt);
    }
    let schemas = lookup::member(resource, "schemas")?.as_array()?;
    registry.resource_types().find(|rt| {
        schemas.iter().any(|s| {
            s.as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case(&rt.schema))
        })
    })
}

/// A PatchOp resolved against a resource type's schemas, ready to apply to any number of
/// resources of that type. Its `Debug` form is the checked plan.
pub struct Plan<'r> {
    steps: Vec<plan::Step<'r>>,
    compat: Compat,
}

impl fmt::Debug for Plan<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Plan")
            .field("compat", &self.compat)
            .field("steps", &self.steps)
            .finish()
    }
}

impl Plan<'_> {
    /// Applies the plan to `resource`, atomically: on error, `resource` is unchanged.
    pub fn apply(&self, resource: &mut Value) -> Result<PatchOutcome, PatchError> {
        let steps = apply::Steps::Kept(&self.steps);
        run(resource, steps, self.compat, None, unchecked)
    }

    /// [`Plan::apply`], using and updating identities of `resource` kept from earlier
    /// requests (see [`KeptIndex`]): adding a member to a large group then reads no other
    /// member. The resource ends as [`Plan::apply`] leaves it; the outcome also tells how
    /// the indexed attributes gained or lost elements ([`PatchOutcome::element_deltas`]).
    /// On error, `resource` and `kept` are both unchanged.
    pub fn apply_kept(
        &self,
        resource: &mut Value,
        kept: &mut KeptIndex,
    ) -> Result<PatchOutcome, PatchError> {
        let steps = apply::Steps::Kept(&self.steps);
        run(resource, steps, self.compat, Some(kept), unchecked)
    }

    /// [`Plan::apply`] (with `kept` identities, as [`Plan::apply_kept`], when given), with
    /// `check` run on the patched resource before the request is committed: when the check
    /// fails, the resource and `kept` are restored exactly and its error is returned. This lets a host patch a stored resource in place (no copy)
    /// and still refuse results that break its own rules (uniqueness, access).
    ///
    /// ```
    /// use scim_core::SchemaRegistry;
    /// use scim_patch::{Checked, KeptIndex, Patcher};
    /// use serde_json::json;
    ///
    /// let registry = SchemaRegistry::builtin();
    /// let rt = registry.resource_type("Group").unwrap();
    /// let mut group = json!({
    ///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    ///     "id": "g1", "displayName": "Ops", "members": [{"value": "u1"}],
    ///     "meta": {"resourceType": "Group"}
    /// });
    /// let before = group.clone();
    /// let patcher = Patcher::new(&registry);
    /// let op = patcher.decode(&json!({"Operations": [
    ///     {"op": "replace", "path": "displayName", "value": "Admins"}
    /// ]})).unwrap();
    /// let plan = patcher.plan(rt, &op).unwrap();
    /// let taken = ["Admins"];
    /// let refused = plan.apply_checked(&mut group, None, |g| {
    ///     match g["displayName"].as_str() {
    ///         Some(name) if taken.contains(&name) => Err("displayName is taken"),
    ///         _ => Ok(()),
    ///     }
    /// });
    /// assert!(matches!(refused, Err(Checked::Refused("displayName is taken"))));
    /// assert_eq!(group, before);
    /// ```
    pub fn apply_checked<E>(
        &self,
        resource: &mut Value,
        kept: Option<&mut KeptIndex>,
        check: impl FnOnce(&Value) -> Result<(), E>,
    ) -> Result<PatchOutcome, Checked<E>> {
        let steps = apply::Steps::Kept(&self.steps);
        match apply::execute(resource, steps, self.compat, kept, check) {
            Ok(done) => Ok(PatchOutcome::from(done)),
            Err(apply::Refused::Patch(e)) => Err(Checked::Patch(e)),
            Err(apply::Refused::Check(e)) => Err(Checked::Refused(e)),
        }
    }

    /// [`Plan::apply`] for a plan used once: its values are moved into the resource
    /// rather than copied.
    fn apply_once(
        mut self,
        resource: &mut Value,
        kept: Option<&mut KeptIndex>,
    ) -> Result<PatchOutcome, PatchError> {
        let steps = apply::Steps::Spent(&mut self.steps);
        run(resource, steps, self.compat, kept, unchecked)
    }

    /// The number of checked steps (a path-less operation has one per attribute).
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// Whether the plan has no steps.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

/// [`apply::execute`] without a check of the result.
fn run(
    resource: &mut Value,
    steps: apply::Steps<'_, '_>,
    compat: Compat,
    kept: Option<&mut KeptIndex>,
    check: fn(&Value) -> Result<(), std::convert::Infallible>,
) -> Result<PatchOutcome, PatchError> {
    match apply::execute(resource, steps, compat, kept, check) {
        Ok(done) => Ok(PatchOutcome::from(done)),
        Err(apply::Refused::Patch(e)) => Err(e),
        Err(apply::Refused::Check(never)) => match never {},
    }
}

/// The check of [`Plan::apply`]: none.
fn unchecked(_: &Value) -> Result<(), std::convert::Infallible> {
    Ok(())
}

/// Why [`Plan::apply_checked`] refused a request.
#[derive(Debug)]
pub enum Checked<E> {
    /// An operation failed.
    Patch(PatchError),
    /// The operations succeeded; the caller's check of the result failed.
    Refused(E),
}

/// What a successful PATCH changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatchOutcome {
    changed: Vec<String>,
    deltas: Vec<ElementDelta>,
}

impl From<apply::Executed> for PatchOutcome {
    fn from(done: apply::Executed) -> Self {
        PatchOutcome {
            changed: done.changed,
            deltas: done.deltas,
        }
    }
}

impl PatchOutcome {
    /// The attribute paths that really changed, in first-change order
    /// (`members`, `name.givenName`,
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`).
    pub fn changed(&self) -> &[String] {
        &self.changed
    }

    /// Whether nothing changed: the server should not bump `meta.version` or
    /// `meta.lastModified`.
    pub fn is_noop(&self) -> bool {
        self.changed.is_empty()
    }

    /// For each attribute a [`KeptIndex`] tracks that the request changed only by
    /// appending or removing elements, which elements (see [`ElementDelta`]). An attribute
    /// in [`PatchOutcome::changed`] without a delta here changed some other way (or was
    /// not tracked): compare it whole.
    pub fn element_deltas(&self) -> &[ElementDelta] {
        &self.deltas
    }
}
