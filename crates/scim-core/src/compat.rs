//! The compat mode: which real-world client quirks (see INTEROP.md) are accepted.
//!
//! [`Compat::strict`] follows the RFCs only; [`Compat::tolerant`] (the default) accepts every
//! quirk listed in [`Quirk`]. A host can flip single behaviours:
//!
//! ```
//! use scim_core::{Compat, Quirk};
//!
//! let compat = Compat::tolerant().without(Quirk::FilteredReplaceUpsert);
//! assert!(compat.allows(Quirk::BooleanStrings));
//! assert!(!compat.allows(Quirk::FilteredReplaceUpsert));
//! assert!(!Compat::strict().allows(Quirk::BooleanStrings));
//! ```

/// One named client quirk. Each is off in [`Compat::strict`] and on in [`Compat::tolerant`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Quirk {
    /// `"True"`/`"false"` (any case) accepted where the schema says boolean.
    BooleanStrings,
    /// Numeric strings (`"42"`) accepted where the schema says integer or decimal.
    NumericStrings,
    /// PatchOp member names and op values in any case (`"Op":"Replace"`, `"Path"`, `"Value"`).
    PatchKeyCase,
    /// Unknown members in a PatchOp or its operations (Entra's top-level `id`, per-op `name`)
    /// are ignored instead of refused.
    IgnoreUnknownPatchMembers,
    /// Path-less PATCH values whose keys are dotted or URN-qualified paths
    /// (`{"name.givenName": "Ann"}`) are applied as paths.
    PathlessKeysAsPaths,
    /// `remove` on `members` with a `value` list removes exactly those members.
    RemoveMembersByValue,
    /// `replace emails[primary eq true].value` with no primary email sets the value on the only
    /// email, if there is exactly one.
    PrimaryEmailFallback,
    /// `replace emails[type eq "work"].value` with no work email adds `{"type":"work","value":…}`
    /// instead of answering `noTarget` (Entra expects this).
    FilteredReplaceUpsert,
    /// Several `add`s that target one filtered element fill the same (created) element.
    FilteredAddUpsert,
    /// Path-less `replace` values that repeat `id`, `schemas` or `meta` unchanged are ignored.
    IgnoreUnchangedReadOnly,
    /// A single-valued complex attribute sent as a one-item array is unwrapped (Entra `manager`).
    UnwrapSingleItemArrays,
    /// Member items with `"$ref": null` read as absent, and `displayName` aliased to `display`.
    MemberAliases,
    /// `schemas` missing or incomplete on POST/PUT is inferred from the endpoint.
    InferSchemas,
    /// The SCIM 1.x core URN (`urn:scim:schemas:core:1.0`) is read as the 2.0 core schema.
    LegacyCoreUrn,
    /// Two items with `primary: true`: the last one stays primary instead of `invalidValue`.
    KeepLastPrimary,
    /// Unknown schema URNs and attributes on input are ignored instead of refused.
    IgnoreUnknownAttributes,
}

impl Quirk {
    /// Every quirk, in declaration order.
    pub const ALL: [Quirk; 16] = [
        Quirk::BooleanStrings,
        Quirk::NumericStrings,
        Quirk::PatchKeyCase,
        Quirk::IgnoreUnknownPatchMembers,
        Quirk::PathlessKeysAsPaths,
        Quirk::RemoveMembersByValue,
        Quirk::PrimaryEmailFallback,
        Quirk::FilteredReplaceUpsert,
        Quirk::FilteredAddUpsert,
        Quirk::IgnoreUnchangedReadOnly,
        Quirk::UnwrapSingleItemArrays,
        Quirk::MemberAliases,
        Quirk::InferSchemas,
        Quirk::LegacyCoreUrn,
        Quirk::KeepLastPrimary,
        Quirk::IgnoreUnknownAttributes,
    ];

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// The set of accepted quirks. `Default` is [`Compat::tolerant`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Compat {
    bits: u32,
}

impl Compat {
    /// RFC 7643/7644 only: every quirk off.
    pub const fn strict() -> Self {
        Compat { bits: 0 }
    }

    /// Every quirk of INTEROP.md on (the default).
    pub fn tolerant() -> Self {
        Compat {
            bits: Quirk::ALL.iter().fold(0, |acc, q| acc | q.bit()),
        }
    }

    /// Whether `quirk` is accepted.
    pub fn allows(self, quirk: Quirk) -> bool {
        self.bits & quirk.bit() != 0
    }

    /// This mode with `quirk` switched on.
    #[must_use]
    pub fn with(self, quirk: Quirk) -> Self {
        Compat {
            bits: self.bits | quirk.bit(),
        }
    }

    /// This mode with `quirk` switched off.
    #[must_use]
    pub fn without(self, quirk: Quirk) -> Self {
        Compat {
            bits: self.bits & !quirk.bit(),
        }
    }

    /// Whether this is exactly the strict mode.
    pub fn is_strict(self) -> bool {
        self.bits == 0
    }
}

impl Default for Compat {
    fn default() -> Self {
        Compat::tolerant()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerant_has_all_and_strict_none() {
        for q in Quirk::ALL {
            assert!(Compat::tolerant().allows(q), "{q:?}");
            assert!(!Compat::strict().allows(q), "{q:?}");
            assert!(Compat::strict().with(q).allows(q));
            assert!(!Compat::tolerant().without(q).allows(q));
        }
        assert_eq!(Compat::default(), Compat::tolerant());
        assert!(Compat::strict().is_strict());
    }
}
