//! What every store derives from the schema registry: which attributes it indexes, which
//! resource types hold `members`, which show derived `groups`, and how index keys fold.

use chrono::{SecondsFormat, Utc};
use scim_core::SchemaRegistry;
use scim_core::schema::{AttributeType, Uniqueness};
use std::collections::HashMap;

/// One indexed attribute.
#[derive(Debug, Clone)]
pub(crate) struct IndexDef {
    /// The attribute's canonical name.
    pub(crate) name: String,
    /// Whether values compare case-sensitively.
    pub(crate) case_exact: bool,
    /// Whether a value may belong to one resource only (per tenant).
    pub(crate) unique: bool,
}

/// What a store derives from a resource type's schema.
#[derive(Debug, Clone, Default)]
pub(crate) struct Kind {
    /// Indexed top-level single-valued string attributes: those with `uniqueness`
    /// server/global (`userName`), `externalId`, and a group's `displayName`.
    pub(crate) indexes: Vec<IndexDef>,
    /// Whether resources of this type have `members` (groups).
    pub(crate) has_members: bool,
    /// Whether resources of this type show a `groups` attribute derived from group members
    /// (read-only, or written by the engine through the members when a product makes it
    /// writable).
    pub(crate) derived_groups: bool,
}

/// The kinds of every resource type, keyed by the lowercase type name.
pub(crate) fn kinds(registry: &SchemaRegistry) -> HashMap<String, Kind> {
    let mut kinds = HashMap::new();
    for rt in registry.resource_types() {
        let mut kind = Kind::default();
        if let Some(schema) = registry.core_schema(rt) {
            kind.has_members = schema.attribute("members").is_some_and(|m| m.multi_valued);
            let common = registry.common_attributes().iter();
            for a in schema.attributes.iter().chain(common) {
                let unique = a.uniqueness != Uniqueness::None;
                let wanted = unique
                    || a.name == "externalId"
                    || (kind.has_members && a.name == "displayName");
                if wanted && a.name != "id" && !a.multi_valued && a.type_ == AttributeType::String {
                    kind.indexes.push(IndexDef {
                        name: a.name.clone(),
                        case_exact: a.case_exact,
                        unique,
                    });
                }
            }
            kind.derived_groups = schema.attribute("groups").is_some_and(|g| g.multi_valued);
        }
        kinds.insert(rt.name.to_ascii_lowercase(), kind);
    }
    kinds
}

/// An index key: the value itself when case-exact, else its Unicode lowercase (in Rust, never
/// with a database's ASCII-only folding).
pub(crate) fn fold(s: &str, case_exact: bool) -> String {
    if case_exact {
        s.to_owned()
    } else {
        s.to_lowercase()
    }
}

/// A `meta.created`/`lastModified` timestamp for now.
pub(crate) fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The member id of a `members[value eq "…"]` PATCH path (the form IdPs send to remove one
/// member), for stores that apply member removals as deltas; `None` for any other path.
#[cfg(feature = "sqlite")]
pub(crate) fn removed_member(path: &str) -> Option<String> {
    let p = scim_filter::parse_path(path).ok()?;
    let on_members = p.attr.uri.is_none()
        && p.attr.sub_attr.is_none()
        && p.sub_attr.is_none()
        && p.attr.name.eq_ignore_ascii_case("members");
    let Some(scim_filter::Filter::Compare(c)) = &p.filter else {
        return None;
    };
    let on_value = c.path.uri.is_none()
        && c.path.sub_attr.is_none()
        && c.path.name.eq_ignore_ascii_case("value");
    let scim_filter::CompValue::String(v) = &c.value else {
        return None;
    };
    (on_members && on_value && c.op == scim_filter::CompareOp::Eq).then(|| v.to_string())
}
