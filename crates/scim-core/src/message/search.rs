//! The SearchRequest message (RFC 7644 §3.4.3) and the equivalent query parameters (§3.4.2).

use crate::error::{ScimError, ScimType};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The SearchRequest message schema URN.
pub const SEARCH_REQUEST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// The sort direction (RFC 7644 §3.4.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    /// `ascending` (the default).
    #[default]
    Ascending,
    /// `descending`.
    Descending,
}

impl SortOrder {
    /// Parses `ascending`/`descending` in any case.
    pub fn parse(s: &str) -> Option<SortOrder> {
        if s.eq_ignore_ascii_case("ascending") {
            Some(SortOrder::Ascending)
        } else if s.eq_ignore_ascii_case("descending") {
            Some(SortOrder::Descending)
        } else {
            None
        }
    }
}

impl<'de> Deserialize<'de> for SortOrder {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        SortOrder::parse(&s).ok_or_else(|| de::Error::custom(format!("invalid sortOrder {s:?}")))
    }
}

/// A query: the body of `POST /.search` (RFC 7644 §3.4.3) or the query parameters of a GET
/// (§3.4.2).
///
/// `attributes` and `excludedAttributes` are read from an array or a comma-separated string;
/// `startIndex` and `count` from a number or a numeric string.
///
/// ```
/// use scim_core::message::SearchRequest;
///
/// let body = serde_json::json!({
///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
///     "attributes": "emails, phoneNumbers",
///     "filter": "userName sw \"b\"",
///     "startIndex": 0,
///     "count": "-5"
/// });
/// let req: SearchRequest = serde_json::from_value(body).unwrap();
/// assert_eq!(req.attributes, ["emails", "phoneNumbers"]);
/// assert_eq!(req.effective_start_index(), 1);
/// assert_eq!(req.effective_count(100), Some(0));
///
/// let q = SearchRequest::from_query("filter=userName%20eq%20%22bjensen%22&count=10").unwrap();
/// assert_eq!(q.filter.as_deref(), Some("userName eq \"bjensen\""));
/// assert_eq!(q.count, Some(10));
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchRequest {
    /// `[SEARCH_REQUEST_URN]` on output.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemas: Vec<String>,
    /// Attributes to return (`attributes`).
    #[serde(
        default,
        deserialize_with = "names",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub attributes: Vec<String>,
    /// Attributes to leave out (`excludedAttributes`).
    #[serde(
        default,
        deserialize_with = "names",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub excluded_attributes: Vec<String>,
    /// The filter expression (unparsed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// The attribute to sort by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_by: Option<String>,
    /// The sort direction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_order: Option<SortOrder>,
    /// The 1-based index of the first result, as sent.
    #[serde(
        default,
        deserialize_with = "int",
        skip_serializing_if = "Option::is_none"
    )]
    pub start_index: Option<i64>,
    /// The page size, as sent.
    #[serde(
        default,
        deserialize_with = "int",
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<i64>,
    /// RFC 9865: the cursor of the page to return.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

impl SearchRequest {
    /// A request with `schemas` set and nothing else.
    pub fn new() -> Self {
        SearchRequest {
            schemas: vec![SEARCH_REQUEST_URN.to_owned()],
            ..Self::default()
        }
    }

    /// `startIndex`, with values below 1 read as 1 (RFC 7644 §3.4.2.4).
    pub fn effective_start_index(&self) -> u64 {
        self.start_index.map_or(1, |i| i.max(1).unsigned_abs())
    }

    /// `count` capped at `max_results`, with negative values read as 0; `None` when not sent.
    pub fn effective_count(&self, max_results: u64) -> Option<u64> {
        self.count.map(|c| c.max(0).unsigned_abs().min(max_results))
    }

    /// Reads the query parameters of a GET (`filter`, `attributes`, `excludedAttributes`,
    /// `sortBy`, `sortOrder`, `startIndex`, `count`, `cursor`; names in any case).
    /// Unknown parameters are ignored; malformed numbers and sort orders are `invalidValue`.
    pub fn from_query(query: &str) -> Result<Self, ScimError> {
        let mut req = SearchRequest::default();
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            let is = |name: &str| k.eq_ignore_ascii_case(name);
            if is("filter") {
                req.filter = Some(v.into_owned());
            } else if is("attributes") {
                req.attributes = split_names(&v);
            } else if is("excludedAttributes") {
                req.excluded_attributes = split_names(&v);
            } else if is("sortBy") {
                req.sort_by = Some(v.into_owned());
            } else if is("sortOrder") {
                req.sort_order = Some(SortOrder::parse(&v).ok_or_else(|| invalid(&k, &v))?);
            } else if is("startIndex") {
                req.start_index = Some(v.trim().parse().map_err(|_| invalid(&k, &v))?);
            } else if is("count") {
                req.count = Some(v.trim().parse().map_err(|_| invalid(&k, &v))?);
            } else if is("cursor") {
                req.cursor = Some(v.into_owned());
            }
        }
        Ok(req)
    }
}

fn invalid(k: &str, v: &str) -> ScimError {
    ScimError::bad_request(ScimType::InvalidValue, format!("{k}: invalid value {v:?}"))
}

/// Splits a comma-separated attribute list, trimming blanks and dropping empty items.
pub fn split_names(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn names<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(Vec::new()),
        Value::String(s) => Ok(split_names(&s)),
        Value::Array(items) => items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.trim().to_owned()),
                other => Err(de::Error::custom(format!(
                    "expected an attribute name, got {other}"
                ))),
            })
            .collect(),
        other => Err(de::Error::custom(format!(
            "expected an array or a comma-separated string, got {other}"
        ))),
    }
}

fn int<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| de::Error::custom(format!("expected an integer, got {n}"))),
        Value::String(s) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| de::Error::custom(format!("expected an integer, got {s:?}"))),
        other => Err(de::Error::custom(format!(
            "expected an integer, got {other}"
        ))),
    }
}
