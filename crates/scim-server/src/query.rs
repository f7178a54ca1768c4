//! List and search parameters (RFC 7644 §3.4.2), decoded from a query string or a
//! `.search` body into one [`ListQuery`], with the RFC's clamping.

use scim_core::{ScimError, ScimType};

pub use scim_filter::SortOrder;

/// The parameters of one list request, whichever way they arrived.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListQuery {
    /// The `filter` expression, unparsed.
    pub filter: Option<String>,
    /// The `sortBy` attribute path, unparsed.
    pub sort_by: Option<String>,
    /// The `sortOrder`.
    pub sort_order: SortOrder,
    /// The 1-based `startIndex`, already clamped to at least 1.
    pub start_index: usize,
    /// The requested `count`, already clamped to at least 0; `None` when not given.
    pub count: Option<usize>,
    /// The `attributes` to return.
    pub attributes: Vec<String>,
    /// The `excludedAttributes`.
    pub excluded_attributes: Vec<String>,
}

fn invalid(detail: String) -> ScimError {
    ScimError::bad_request(ScimType::InvalidValue, detail)
}

/// Parses an integer parameter; RFC 7644 §3.4.2.4 clamping is the caller's.
fn integer(name: &str, value: &str) -> Result<i64, ScimError> {
    let v = value.trim();
    match v.parse::<i64>() {
        Ok(n) => Ok(n),
        // Out-of-range digits: saturate rather than refuse.
        Err(_)
            if !v.is_empty()
                && v.trim_start_matches('-')
                    .bytes()
                    .all(|b| b.is_ascii_digit()) =>
        {
            Ok(if v.starts_with('-') {
                i64::MIN
            } else {
                i64::MAX
            })
        }
        Err(_) => Err(invalid(format!("{name} must be an integer, got {value:?}"))),
    }
}

/// Splits a comma-separated attribute list, dropping empty items.
pub(crate) fn split_list(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
}

impl ListQuery {
    /// Decodes the query string of a `GET` list request. Parameter names match
    /// case-insensitively; unknown parameters are ignored.
    ///
    /// ```
    /// use scim_server::query::ListQuery;
    ///
    /// let q = ListQuery::try_from_query(Some("filter=userName%20eq%20%22bjensen%22&startIndex=0&count=-5")).unwrap();
    /// assert_eq!(q.filter.as_deref(), Some("userName eq \"bjensen\""));
    /// assert_eq!((q.start_index, q.count), (1, Some(0)));
    /// ```
    pub fn try_from_query(query: Option<&str>) -> Result<ListQuery, ScimError> {
        let mut q = ListQuery {
            start_index: 1,
            ..ListQuery::default()
        };
        let Some(query) = query else { return Ok(q) };
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            let is = |name: &str| key.eq_ignore_ascii_case(name);
            if is("filter") {
                q.filter = Some(value.into_owned()).filter(|f| !f.trim().is_empty());
            } else if is("sortBy") {
                q.sort_by = Some(value.into_owned()).filter(|f| !f.trim().is_empty());
            } else if is("sortOrder") {
                q.sort_order = parse_sort_order(&value)?;
            } else if is("startIndex") {
                q.set_start_index(integer("startIndex", &value)?);
            } else if is("count") {
                q.set_count(integer("count", &value)?);
            } else if is("attributes") {
                q.attributes.extend(split_list(&value));
            } else if is("excludedAttributes") {
                q.excluded_attributes.extend(split_list(&value));
            }
        }
        Ok(q)
    }

    /// Sets `startIndex`, treating values below 1 as 1 (RFC 7644 §3.4.2.4).
    pub fn set_start_index(&mut self, n: i64) {
        self.start_index = usize::try_from(n.max(1)).unwrap_or(usize::MAX);
    }

    /// Sets `count`, treating negative values as 0 (RFC 7644 §3.4.2.4).
    pub fn set_count(&mut self, n: i64) {
        self.count = Some(usize::try_from(n.max(0)).unwrap_or(usize::MAX));
    }

    /// The page size to use: `count` capped at `max_results`, or `max_results`.
    pub fn page_size(&self, max_results: usize) -> usize {
        self.count.map_or(max_results, |c| c.min(max_results))
    }
}

/// Parses `ascending`/`descending` in any case.
pub(crate) fn parse_sort_order(value: &str) -> Result<SortOrder, ScimError> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(SortOrder::Ascending);
    }
    SortOrder::from_keyword(v).ok_or_else(|| {
        invalid(format!(
            "sortOrder must be \"ascending\" or \"descending\", got {value:?}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_every_parameter() {
        let q = ListQuery::try_from_query(Some(
            "FILTER=title+pr&sortby=name.familyName&SortOrder=Descending&startIndex=3&count=10&attributes=userName,%20emails&excludedAttributes=groups",
        ))
        .unwrap();
        assert_eq!(q.filter.as_deref(), Some("title pr"));
        assert_eq!(q.sort_by.as_deref(), Some("name.familyName"));
        assert_eq!(q.sort_order, SortOrder::Descending);
        assert_eq!(q.start_index, 3);
        assert_eq!(q.count, Some(10));
        assert_eq!(q.attributes, ["userName", "emails"]);
        assert_eq!(q.excluded_attributes, ["groups"]);
    }

    #[test]
    fn clamps_start_index_and_count() {
        let q = ListQuery::try_from_query(Some("startIndex=-7&count=-1")).unwrap();
        assert_eq!((q.start_index, q.count), (1, Some(0)));
        let q = ListQuery::try_from_query(Some("count=100000")).unwrap();
        assert_eq!(q.page_size(200), 200);
        let q = ListQuery::try_from_query(Some("count=99999999999999999999999")).unwrap();
        assert_eq!(q.page_size(50), 50);
        assert_eq!(ListQuery::try_from_query(None).unwrap().page_size(7), 7);
        assert_eq!(ListQuery::try_from_query(Some("")).unwrap().start_index, 1);
    }

    #[test]
    fn refuses_non_numbers_and_unknown_orders() {
        for q in ["count=ten", "startIndex=1.5", "sortOrder=up"] {
            let err = ListQuery::try_from_query(Some(q)).unwrap_err();
            assert_eq!(err.scim_type(), Some(ScimType::InvalidValue), "{q}");
        }
    }

    #[test]
    fn empty_filter_is_no_filter() {
        let q = ListQuery::try_from_query(Some("filter=&sortBy=")).unwrap();
        assert_eq!((q.filter, q.sort_by), (None, None));
    }
}
