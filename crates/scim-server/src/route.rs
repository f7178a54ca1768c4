//! Routing: which endpoint a request path names.
//!
//! Endpoint names match case-insensitively under a configurable base path (itself matched
//! case-insensitively), and a trailing slash is tolerated (INTEROP.md).

use percent_encoding::percent_decode_str;

/// An endpoint of the SCIM protocol (RFC 7644 §3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// `/ServiceProviderConfig`.
    ServiceProviderConfig,
    /// `/Schemas` or `/Schemas/{urn}`.
    Schemas(Option<String>),
    /// `/ResourceTypes` or `/ResourceTypes/{name}`.
    ResourceTypes(Option<String>),
    /// `POST /.search` at the root.
    RootSearch,
    /// `/Bulk`.
    Bulk,
    /// `/Me` and anything below it.
    Me,
    /// `/{Endpoint}`: the collection of resource type number `.0`.
    Collection(usize),
    /// `/{Endpoint}/.search`.
    Search(usize),
    /// `/{Endpoint}/{id}`.
    Item(usize, String),
}

/// Matches `path` against `base` and the configured endpoints (`/Users`, …, in resource type
/// order). `None` means no endpoint is there (404).
pub(crate) fn route<'e>(
    base: &str,
    endpoints: impl IntoIterator<Item = &'e str>,
    path: &str,
) -> Option<Route> {
    let rest = strip_base(base, path)?;
    let mut segments = rest.split('/').filter(|s| !s.is_empty());
    let first = segments.next();
    let second = segments.next();
    if segments.next().is_some() {
        return match first {
            Some(f) if f.eq_ignore_ascii_case("Me") => Some(Route::Me),
            _ => None,
        };
    }
    let first = first?;
    let is = |name: &str| first.eq_ignore_ascii_case(name);
    let decoded = second.map(decode);
    if is("ServiceProviderConfig") || is("ServiceProviderConfigs") {
        return decoded.is_none().then_some(Route::ServiceProviderConfig);
    }
    if is("Schemas") {
        return Some(Route::Schemas(decoded));
    }
    if is("ResourceTypes") {
        return Some(Route::ResourceTypes(decoded));
    }
    if is(".search") {
        return decoded.is_none().then_some(Route::RootSearch);
    }
    if is("Bulk") {
        return decoded.is_none().then_some(Route::Bulk);
    }
    if is("Me") {
        return Some(Route::Me);
    }
    let index = endpoints
        .into_iter()
        .position(|e| e.trim_start_matches('/').eq_ignore_ascii_case(first))?;
    Some(match decoded {
        None => Route::Collection(index),
        Some(id) if id == ".search" => Route::Search(index),
        Some(id) => Route::Item(index, id),
    })
}

fn decode(segment: &str) -> String {
    percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

/// The path below `base`, or `None` when the path is not under it.
fn strip_base<'p>(base: &str, path: &'p str) -> Option<&'p str> {
    let base = base.trim_end_matches('/');
    if base.is_empty() {
        return Some(path);
    }
    let head = path.get(..base.len())?;
    if !head.eq_ignore_ascii_case(base) {
        return None;
    }
    let rest = path.get(base.len()..)?;
    (rest.is_empty() || rest.starts_with('/')).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPS: [&str; 2] = ["/Users", "/Groups"];

    fn r(base: &str, path: &str) -> Option<Route> {
        route(base, EPS, path)
    }

    #[test]
    fn routes_endpoints_case_insensitively_with_trailing_slash() {
        let cases = [
            ("/scim/v2/Users", Some(Route::Collection(0))),
            ("/scim/v2/users/", Some(Route::Collection(0))),
            ("/SCIM/V2/GROUPS", Some(Route::Collection(1))),
            ("/scim/v2/Users/abc", Some(Route::Item(0, "abc".into()))),
            ("/scim/v2/Users/abc/", Some(Route::Item(0, "abc".into()))),
            ("/scim/v2/Users/a%20b", Some(Route::Item(0, "a b".into()))),
            ("/scim/v2/Users/.search", Some(Route::Search(0))),
            ("/scim/v2/.search", Some(Route::RootSearch)),
            (
                "/scim/v2/ServiceProviderConfig",
                Some(Route::ServiceProviderConfig),
            ),
            ("/scim/v2/schemas", Some(Route::Schemas(None))),
            (
                "/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
                Some(Route::Schemas(Some(
                    "urn:ietf:params:scim:schemas:core:2.0:User".into(),
                ))),
            ),
            (
                "/scim/v2/ResourceTypes/User",
                Some(Route::ResourceTypes(Some("User".into()))),
            ),
            ("/scim/v2/Bulk", Some(Route::Bulk)),
            ("/scim/v2/Me", Some(Route::Me)),
            ("/scim/v2/Me/x/y", Some(Route::Me)),
            ("/scim/v2", None),
            ("/scim/v2/", None),
            ("/scim/v2/Nope", None),
            ("/scim/v2/Users/a/b", None),
            ("/scim/v2x/Users", None),
            ("/other/Users", None),
        ];
        for (path, want) in cases {
            assert_eq!(r("/scim/v2", path), want, "{path}");
        }
    }

    #[test]
    fn empty_and_slash_base_paths() {
        assert_eq!(r("", "/Users"), Some(Route::Collection(0)));
        assert_eq!(r("/", "/Users"), Some(Route::Collection(0)));
        assert_eq!(r("/api/", "/api/users"), Some(Route::Collection(0)));
    }
}
