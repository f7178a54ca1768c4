//! One list path serves `GET /{Endpoint}`, `POST /{Endpoint}/.search` and `POST /.search`.

use crate::engine::{Call, Inner, Served, json_body};
use crate::ops;
use crate::query::{ListQuery, parse_sort_order, split_list};
use crate::response;
use crate::store::ListRequest;
use bytes::Bytes;
use http::{Response, StatusCode};
use scim_core::{Compat, Quirk, ScimError, ScimType};
use scim_filter::ErrorKind;
use serde_json::{Value, json};
use std::sync::Arc;

const LIST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const SEARCH_URN: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// `GET /{Endpoint}` (query string) and `POST /{Endpoint}/.search` (SearchRequest body): one
/// list path for both.
pub(crate) async fn list(
    inner: &Inner,
    call: &Call<'_>,
    served: &Served,
    search: bool,
) -> Result<Response<Bytes>, ScimError> {
    let q = if search {
        search_body(call, inner.config.compat)?
    } else {
        ListQuery::try_from_query(call.parts.uri.query())?
    };
    let page = q.page_size(inner.config.max_results);
    let (total, resources) = run(inner, call, served, &call.grant, &q, page).await?;
    let projection = ops::projection(inner, served, &q.attributes, &q.excluded_attributes);
    let resources: Vec<ops::Output<'_>> = resources
        .into_iter()
        .map(|r| ops::output(call, served, &projection, r))
        .collect();
    Ok(respond(total, q.start_index, &resources))
}

/// `POST /.search`: every queryable resource type, in configuration order, paged as one list.
pub(crate) async fn root_search(
    inner: &Inner,
    call: &Call<'_>,
) -> Result<Response<Bytes>, ScimError> {
    let q = search_body(call, inner.config.compat)?;
    let page = q.page_size(inner.config.max_results);
    // Fetch each type's matches up to the end of the requested page, then page the
    // concatenation.
    let upto = q.start_index.saturating_sub(1).saturating_add(page);
    let mut total = 0;
    let mut all = Vec::new();
    let mut denied = None;
    let mut allowed = false;
    for (i, served) in inner
        .served
        .iter()
        .enumerate()
        .filter(|(_, s)| s.caps.query)
    {
        // Types the caller may not query are left out; none at all is 403.
        let grant = match inner.authorizer.authorize(
            &call.ctx,
            &inner.config.registry,
            &served.rt,
            crate::auth::Action::Query,
        ) {
            Ok(g) => g,
            Err(d) => {
                denied = Some(d);
                continue;
            }
        };
        allowed = true;
        let sub = ListQuery {
            start_index: 1,
            ..q.clone()
        };
        match run_or_skip(inner, call, served, &grant, &sub, upto).await {
            Ok((t, resources)) => {
                total += t;
                all.extend(resources.into_iter().map(|r| (i, r)));
            }
            // A filter naming an attribute this type does not have matches none of it.
            Err(Skip::UnknownAttribute) => {}
            Err(Skip::Error(e)) => return Err(e),
        }
    }
    if let (false, Some(d)) = (allowed, denied) {
        return Err(d.into());
    }
    // Each type's resources through its own projection.
    let projections: Vec<_> = inner
        .served
        .iter()
        .map(|served| ops::projection(inner, served, &q.attributes, &q.excluded_attributes))
        .collect();
    let resources: Vec<ops::Output<'_>> = all
        .into_iter()
        .skip(q.start_index - 1)
        .take(page)
        .filter_map(|(i, r)| {
            Some(ops::output(
                call,
                inner.served.get(i)?,
                projections.get(i)?,
                r,
            ))
        })
        .collect();
    Ok(respond(total, q.start_index, &resources))
}

enum Skip {
    UnknownAttribute,
    Error(ScimError),
}

async fn run_or_skip(
    inner: &Inner,
    call: &Call<'_>,
    served: &Served,
    grant: &crate::auth::Grant,
    q: &ListQuery,
    count: usize,
) -> Result<(usize, Vec<Arc<Value>>), Skip> {
    if let Some(text) = q.filter.as_deref()
        && let Err(e) = ops::list_filter(&inner.config.registry, served, grant, Some(text))
    {
        return Err(match e {
            ops::FilterFailure::Filter(e) if matches!(e.kind(), ErrorKind::UnknownAttribute(_)) => {
                Skip::UnknownAttribute
            }
            ops::FilterFailure::Hidden(_) => Skip::UnknownAttribute,
            e => Skip::Error(e.into()),
        });
    }
    run(inner, call, served, grant, q, count)
        .await
        .map_err(Skip::Error)
}

async fn run(
    inner: &Inner,
    call: &Call<'_>,
    served: &Served,
    grant: &crate::auth::Grant,
    q: &ListQuery,
    count: usize,
) -> Result<(usize, Vec<Arc<Value>>), ScimError> {
    let registry = &inner.config.registry;
    let filter = ops::list_filter(registry, served, grant, q.filter.as_deref())?;
    let sort = q
        .sort_by
        .as_deref()
        .map(|s| ops::compile_sort(registry, &served.rt, s))
        .transpose()?;
    if let Some(key) = &sort {
        ops::check_sort(served, grant, key)?;
    }
    let request = ListRequest {
        filter: filter.as_ref(),
        sort: sort.as_ref().map(|k| (k, q.sort_order)),
        start_index: q.start_index,
        count,
    };
    let ctx = crate::store::RequestContext {
        skip_members: !ops::wants_members(&q.attributes, &q.excluded_attributes),
        ..call.ctx.clone()
    };
    let page = inner.store.list(&ctx, &served.rt, &request).await?;
    let resources = page
        .resources
        .into_iter()
        .map(|r| ops::visible(served, grant, registry, r.resource))
        .collect();
    Ok((page.total_results, resources))
}

/// The ListResponse (RFC 7644 §3.4.2), serialized around the resources: they are written
/// once, never copied into an envelope `Value` first.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ListEnvelope<'a, T> {
    schemas: [&'static str; 1],
    total_results: usize,
    start_index: usize,
    items_per_page: usize,
    #[serde(rename = "Resources")]
    resources: &'a [T],
}

fn respond<T: serde::Serialize>(
    total: usize,
    start_index: usize,
    resources: &[T],
) -> Response<Bytes> {
    let envelope = ListEnvelope {
        schemas: [LIST_URN],
        total_results: total,
        start_index,
        items_per_page: resources.len(),
        resources,
    };
    response::serialized(StatusCode::OK, &envelope)
}

/// Decodes a SearchRequest body (RFC 7644 §3.4.3). Member names match in any case;
/// `attributes`/`excludedAttributes` may be an array or a comma-separated string; numbers may
/// arrive as numeric strings.
pub(crate) fn search_body(call: &Call<'_>, compat: Compat) -> Result<ListQuery, ScimError> {
    let body = if call.body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        json_body(call)?
    };
    let obj = body.as_object().ok_or_else(|| {
        ScimError::bad_request(
            ScimType::InvalidSyntax,
            "a SearchRequest must be a JSON object",
        )
    })?;
    let mut q = ListQuery {
        start_index: 1,
        ..ListQuery::default()
    };
    let mut schemas_ok = false;
    for (key, value) in obj {
        let is = |name: &str| key.eq_ignore_ascii_case(name);
        let text = |v: &Value| -> Result<Option<String>, ScimError> {
            match v {
                Value::Null => Ok(None),
                Value::String(s) if s.trim().is_empty() => Ok(None),
                Value::String(s) => Ok(Some(s.clone())),
                _ => Err(ScimError::bad_request(
                    ScimType::InvalidValue,
                    format!("{key} must be a string"),
                )),
            }
        };
        let list = |v: &Value| -> Result<Vec<String>, ScimError> {
            match v {
                Value::Null => Ok(Vec::new()),
                Value::String(s) => Ok(split_list(s).collect()),
                Value::Array(items) => items
                    .iter()
                    .map(|i| {
                        i.as_str().map(str::to_owned).ok_or_else(|| {
                            ScimError::bad_request(
                                ScimType::InvalidValue,
                                format!("{key} must hold strings"),
                            )
                        })
                    })
                    .collect(),
                _ => Err(ScimError::bad_request(
                    ScimType::InvalidValue,
                    format!("{key} must be an array or a comma-separated string"),
                )),
            }
        };
        let int = |v: &Value| -> Result<Option<i64>, ScimError> {
            let bad = || {
                ScimError::bad_request(ScimType::InvalidValue, format!("{key} must be an integer"))
            };
            match v {
                Value::Null => Ok(None),
                Value::Number(n) => n
                    .as_i64()
                    .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
                    .map(Some)
                    .ok_or_else(bad),
                Value::String(s) => s.trim().parse().map(Some).map_err(|_| bad()),
                _ => Err(bad()),
            }
        };
        if is("schemas") {
            let ok = match value {
                Value::Array(a) => a.iter().any(|s| {
                    s.as_str()
                        .is_some_and(|s| s.eq_ignore_ascii_case(SEARCH_URN))
                }),
                _ => false,
            };
            schemas_ok = ok;
        } else if is("filter") {
            q.filter = text(value)?;
        } else if is("sortBy") {
            q.sort_by = text(value)?;
        } else if is("sortOrder") {
            if let Some(order) = text(value)? {
                q.sort_order = parse_sort_order(&order)?;
            }
        } else if is("startIndex") {
            if let Some(n) = int(value)? {
                q.set_start_index(n);
            }
        } else if is("count") {
            if let Some(n) = int(value)? {
                q.set_count(n);
            }
        } else if is("attributes") {
            q.attributes = list(value)?;
        } else if is("excludedAttributes") {
            q.excluded_attributes = list(value)?;
        }
    }
    if !schemas_ok && !compat.allows(Quirk::InferSchemas) {
        return Err(ScimError::bad_request(
            ScimType::InvalidSyntax,
            format!("schemas must contain {SEARCH_URN}"),
        ));
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_response_is_the_envelope_serde_json_would_write() {
        let resources = vec![json!({"id": "1", "userName": "a\"b"}), json!({"id": "2"})];
        let want = json!({
            "schemas": [LIST_URN],
            "totalResults": 12,
            "startIndex": 3,
            "itemsPerPage": 2,
            "Resources": resources,
        });
        let resp = respond(12, 3, &resources);
        assert_eq!(resp.body().as_ref(), serde_json::to_vec(&want).unwrap());
        let empty = respond::<Value>(0, 1, &[]);
        let want = json!({"schemas": [LIST_URN], "totalResults": 0, "startIndex": 1,
            "itemsPerPage": 0, "Resources": []});
        assert_eq!(empty.body().as_ref(), serde_json::to_vec(&want).unwrap());
    }
}
