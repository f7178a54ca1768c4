//! A three-state optional field: not sent, sent as `null`, or set.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An optional attribute that keeps "not sent", "sent as `null`" and "set" apart.
///
/// PUT and PATCH read them differently (RFC 7644 §3.5.1, §3.5.2): on PUT an absent attribute
/// and a `null` both clear the value, while a partial update leaves an absent one alone.
/// Use it with `#[serde(default, skip_serializing_if = "Field::is_absent")]`.
///
/// ```
/// use scim_core::resource::Field;
///
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct T {
///     #[serde(default, skip_serializing_if = "Field::is_absent")]
///     title: Field<String>,
/// }
/// let absent: T = serde_json::from_str("{}").unwrap();
/// let null: T = serde_json::from_str(r#"{"title": null}"#).unwrap();
/// let set: T = serde_json::from_str(r#"{"title": "Boss"}"#).unwrap();
/// assert!(absent.title.is_absent());
/// assert!(null.title.is_null());
/// assert_eq!(set.title.value().map(String::as_str), Some("Boss"));
/// assert_eq!(serde_json::to_string(&null).unwrap(), r#"{"title":null}"#);
/// assert_eq!(serde_json::to_string(&absent).unwrap(), "{}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Field<T> {
    /// Not sent.
    #[default]
    Absent,
    /// Sent as `null` (unassigned).
    Null,
    /// Sent with a value.
    Value(T),
}

impl<T> Field<T> {
    /// Whether the field was not sent.
    pub fn is_absent(&self) -> bool {
        matches!(self, Field::Absent)
    }

    /// Whether the field was sent as `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Field::Null)
    }

    /// Whether the field holds a value.
    pub fn is_value(&self) -> bool {
        matches!(self, Field::Value(_))
    }

    /// The value, if set.
    pub fn value(&self) -> Option<&T> {
        match self {
            Field::Value(v) => Some(v),
            _ => None,
        }
    }

    /// Mutable access to the value, if set.
    pub fn value_mut(&mut self) -> Option<&mut T> {
        match self {
            Field::Value(v) => Some(v),
            _ => None,
        }
    }

    /// The value, if set, dropping the absent/null distinction.
    pub fn into_value(self) -> Option<T> {
        match self {
            Field::Value(v) => Some(v),
            _ => None,
        }
    }

    /// Sets the value.
    pub fn set(&mut self, value: T) {
        *self = Field::Value(value);
    }
}

impl<T> From<T> for Field<T> {
    fn from(v: T) -> Self {
        Field::Value(v)
    }
}

impl<T> From<Option<T>> for Field<T> {
    /// `None` becomes [`Field::Null`].
    fn from(v: Option<T>) -> Self {
        v.map_or(Field::Null, Field::Value)
    }
}

impl<T: Serialize> Serialize for Field<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Value(v) => serializer.serialize_some(v),
            Field::Absent | Field::Null => serializer.serialize_none(),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Option::<T>::deserialize(deserializer)?.into())
    }
}
