//! Resource metadata (RFC 7643 §3.1, `meta`).

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The `meta` attribute of a resource (RFC 7643 §3.1). Every member is read-only and set by
/// the service provider. Timestamps are kept in UTC and written as RFC 3339 with `Z`.
///
/// ```
/// use scim_core::resource::Meta;
///
/// let meta: Meta = serde_json::from_value(serde_json::json!({
///     "resourceType": "User",
///     "created": "2010-01-23T04:56:22Z",
///     "version": "W/\"3694e05e9dff590\""
/// })).unwrap();
/// assert_eq!(meta.resource_type.as_deref(), Some("User"));
/// assert_eq!(serde_json::to_value(&meta).unwrap()["created"], "2010-01-23T04:56:22Z");
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    /// The resource type's name, e.g. `User`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// When the resource was added.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "rfc3339")]
    pub created: Option<DateTime<Utc>>,
    /// When the resource last changed.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "rfc3339")]
    pub last_modified: Option<DateTime<Utc>>,
    /// The resource's URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The resource's version (an entity tag, e.g. `W/"a330bc54f0671c9"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Members this model does not know, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Meta {
    /// Metadata for a new resource of the given type, created and last modified at `now`.
    pub fn new(resource_type: impl Into<String>, now: DateTime<Utc>) -> Self {
        Meta {
            resource_type: Some(resource_type.into()),
            created: Some(now),
            last_modified: Some(now),
            ..Meta::default()
        }
    }

    /// Sets the location.
    #[must_use]
    pub fn with_location(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }

    /// Sets the version.
    #[must_use]
    pub fn with_version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// Records a modification at `now` with a new version.
    pub fn touch(&mut self, now: DateTime<Utc>, version: impl Into<String>) {
        self.last_modified = Some(now);
        self.version = Some(version.into());
    }
}

/// Formats a timestamp as RFC 3339 in UTC with `Z` and only the fractional digits needed.
pub fn format_date_time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

mod rfc3339 {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        t: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => serializer.serialize_str(&super::format_date_time(t)),
            None => serializer.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        let Some(s) = Option::<String>::deserialize(deserializer)? else {
            return Ok(None);
        };
        DateTime::parse_from_rfc3339(&s)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|e| serde::de::Error::custom(format!("invalid dateTime {s:?}: {e}")))
    }
}
