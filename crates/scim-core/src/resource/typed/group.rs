//! The core Group resource (RFC 7643 §4.2).

use super::ResourceRef;
use crate::resource::{Field, Meta, TypedResource};
use crate::schema::builtin::GROUP_URN;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A Group (RFC 7643 §4.2).
///
/// ```
/// use scim_core::resource::Group;
///
/// let group = Group::builder("Tour Guides")
///     .member("2819c223", Some("Babs Jensen"))
///     .build();
/// let json = serde_json::to_value(&group).unwrap();
/// assert_eq!(json["schemas"][0], "urn:ietf:params:scim:schemas:core:2.0:Group");
/// assert_eq!(json["members"][0]["display"], "Babs Jensen");
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    /// The schema URNs of the representation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemas: Vec<String>,
    /// The service provider's identifier (read-only).
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub id: Field<String>,
    /// The provisioning client's identifier.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub external_id: Field<String>,
    /// Resource metadata (read-only).
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub meta: Field<Meta>,
    /// The group's name (required).
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub display_name: Field<String>,
    /// The members.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub members: Field<Vec<ResourceRef>>,
    /// Extensions and attributes this model does not know, in order.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl TypedResource for Group {
    const RESOURCE_TYPE: &'static str = "Group";
    const SCHEMA: &'static str = GROUP_URN;
}

impl Group {
    /// A builder for a group with the given `displayName`.
    pub fn builder(display_name: impl Into<String>) -> GroupBuilder {
        GroupBuilder(Group {
            schemas: vec![GROUP_URN.to_owned()],
            display_name: Field::Value(display_name.into()),
            ..Group::default()
        })
    }

    /// The member ids.
    pub fn member_ids(&self) -> impl Iterator<Item = &str> {
        self.members
            .value()
            .into_iter()
            .flatten()
            .filter_map(|m| m.value.value().map(String::as_str))
    }
}

/// Builds a [`Group`]; see [`Group::builder`].
#[derive(Debug, Clone)]
pub struct GroupBuilder(Group);

impl GroupBuilder {
    /// Sets `externalId`.
    #[must_use]
    pub fn external_id(mut self, v: impl Into<String>) -> Self {
        self.0.external_id = Field::Value(v.into());
        self
    }

    /// Adds a member by id, with an optional display name.
    #[must_use]
    pub fn member(self, id: impl Into<String>, display: Option<&str>) -> Self {
        let mut m = ResourceRef::new(id);
        if let Some(d) = display {
            m = m.with_display(d);
        }
        self.push(m)
    }

    /// Adds a member reference.
    #[must_use]
    pub fn member_ref(self, m: ResourceRef) -> Self {
        self.push(m)
    }

    fn push(mut self, m: ResourceRef) -> Self {
        match &mut self.0.members {
            Field::Value(items) => items.push(m),
            other => *other = Field::Value(vec![m]),
        }
        self
    }

    /// The group.
    pub fn build(self) -> Group {
        self.0
    }
}
