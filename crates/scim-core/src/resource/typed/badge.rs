//! The locker system's badge extension.

use crate::resource::Field;
use crate::schema::builtin::BADGE_URN;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The locker system's badge extension: the object under [`BADGE_URN`] (or the URN the host
/// configured with [`crate::schema::builtin::badge_with_urn`]).
///
/// ```
/// use scim_core::resource::{Badge, User};
///
/// let badge = Badge::builder().badge("B-1001", Some("Front door")).build();
/// let user = User::builder("ann").extension(Badge::URN, &badge).build();
/// let back: Badge = user.extension(Badge::URN).unwrap().unwrap();
/// assert_eq!(back, badge);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Badge {
    /// The user's badges.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub badges: Field<Vec<BadgeItem>>,
    /// Attributes this model does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One badge: its identifier and a display name.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BadgeItem {
    /// The badge identifier (required).
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub value: Field<String>,
    /// A human-readable name of the badge.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub display: Field<String>,
    /// Sub-attributes this model does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Badge {
    /// The default URN of the extension.
    pub const URN: &'static str = BADGE_URN;

    /// A builder.
    pub fn builder() -> BadgeBuilder {
        BadgeBuilder(Badge::default())
    }

    /// The badge identifiers.
    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.badges
            .value()
            .into_iter()
            .flatten()
            .filter_map(|b| b.value.value().map(String::as_str))
    }
}

/// Builds a [`Badge`] extension.
#[derive(Debug, Clone, Default)]
pub struct BadgeBuilder(Badge);

impl BadgeBuilder {
    /// Adds a badge.
    #[must_use]
    pub fn badge(mut self, value: impl Into<String>, display: Option<&str>) -> Self {
        let item = BadgeItem {
            value: Field::Value(value.into()),
            display: display.map_or(Field::Absent, |d| Field::Value(d.to_owned())),
            extra: Map::new(),
        };
        match &mut self.0.badges {
            Field::Value(items) => items.push(item),
            other => *other = Field::Value(vec![item]),
        }
        self
    }

    /// The extension.
    pub fn build(self) -> Badge {
        self.0
    }
}
