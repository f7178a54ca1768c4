//! The ListResponse message (RFC 7644 §3.4.2).

use serde::{Deserialize, Serialize};

/// The ListResponse message schema URN.
pub const LIST_RESPONSE_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// A page of query results (RFC 7644 §3.4.2), generic over the resource representation.
///
/// Output always carries `schemas`, `totalResults`, `startIndex`, `itemsPerPage` and
/// `Resources` (an empty array when nothing matched). Input is tolerant of servers that omit
/// `Resources`, spell it `resources`, or omit the paging members.
///
/// ```
/// use scim_core::message::ListResponse;
/// use serde_json::{json, Value};
///
/// let page = ListResponse::<Value>::new(Vec::new(), 0, 1);
/// assert_eq!(serde_json::to_value(&page).unwrap(), json!({
///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
///     "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": []
/// }));
/// let lax: ListResponse<Value> =
///     serde_json::from_value(json!({"totalResults": 1, "resources": [{"id": "1"}]})).unwrap();
/// assert_eq!(lax.resources.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListResponse<T> {
    /// Always `[LIST_RESPONSE_URN]` when built here.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// The number of results the query matched (across all pages).
    #[serde(default)]
    pub total_results: u64,
    /// The 1-based index of the first result in this page.
    #[serde(default = "one")]
    pub start_index: u64,
    /// The number of results in this page.
    #[serde(default)]
    pub items_per_page: u64,
    /// The results of this page.
    #[serde(rename = "Resources", alias = "resources", default = "Vec::new")]
    pub resources: Vec<T>,
    /// RFC 9865: the cursor of the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// RFC 9865: the cursor of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_cursor: Option<String>,
}

fn one() -> u64 {
    1
}

impl<T> ListResponse<T> {
    /// A page of `resources` out of `total_results`, starting at `start_index` (1-based);
    /// `itemsPerPage` is the page's length.
    pub fn new(resources: Vec<T>, total_results: u64, start_index: u64) -> Self {
        ListResponse {
            schemas: vec![LIST_RESPONSE_URN.to_owned()],
            total_results,
            start_index: start_index.max(1),
            items_per_page: resources.len() as u64,
            resources,
            next_cursor: None,
            previous_cursor: None,
        }
    }

    /// Converts each resource.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> ListResponse<U> {
        ListResponse {
            schemas: self.schemas,
            total_results: self.total_results,
            start_index: self.start_index,
            items_per_page: self.items_per_page,
            resources: self.resources.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
            previous_cursor: self.previous_cursor,
        }
    }
}
