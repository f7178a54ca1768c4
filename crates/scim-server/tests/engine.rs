//! Behaviour of the engine through its public API, in-process.

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use scim_server::auth::{AllowAll, StaticBearer};
use scim_server::store::MemoryStore;
use scim_server::{Capabilities, PatchResponse, ResourceConfig, ScimServer, ServerConfig};
use serde_json::{Value, json};

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

fn server_with(config: ServerConfig) -> ScimServer {
    let store = MemoryStore::new(config.registry.clone());
    ScimServer::new(config, store, AllowAll).unwrap()
}

fn server() -> ScimServer {
    server_with(ServerConfig::standard())
}

async fn send(s: &ScimServer, method: Method, path: &str, body: Option<Value>) -> Resp {
    send_with(s, method, path, body, &[]).await
}

async fn send_with(
    s: &ScimServer,
    method: Method,
    path: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Resp {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "example.com");
    if body.is_some() {
        b = b.header("content-type", "application/scim+json");
    }
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let bytes = body.map(|v| Bytes::from(v.to_string())).unwrap_or_default();
    let resp = s.handle(b.body(bytes).unwrap()).await;
    let (parts, body) = resp.into_parts();
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body).unwrap()
    };
    Resp {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

async fn create_user(s: &ScimServer, name: &str) -> Value {
    let r = send(
        s,
        Method::POST,
        "/scim/v2/Users",
        Some(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": name,
            "name": {"givenName": name.to_uppercase(), "familyName": "Jensen"},
            "emails": [{"value": format!("{name}@example.com"), "type": "work", "primary": true}],
            "active": true
        })),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body
}

fn assert_error(r: &Resp, status: u16, scim_type: Option<&str>) {
    assert_eq!(r.status.as_u16(), status, "{}", r.body);
    assert_eq!(
        r.body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
    );
    assert_eq!(
        r.body["status"],
        json!(status.to_string()),
        "status is a string"
    );
    assert_eq!(r.body["scimType"].as_str(), scim_type, "{}", r.body);
    assert!(r.body["detail"].as_str().is_some_and(|d| !d.is_empty()));
}

#[tokio::test]
async fn create_answers_201_with_location_etag_and_no_password() {
    let s = server();
    let r = send(
        &s,
        Method::POST,
        "/scim/v2/Users",
        Some(json!({
            "userName": "bjensen", "password": "t1meMa$heen", "id": "client-chosen"
        })),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.headers["content-type"], "application/scim+json");
    let id = r.body["id"].as_str().unwrap();
    assert_ne!(id, "client-chosen", "id is the server's");
    assert_eq!(
        r.body["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:User"])
    );
    let location = r.body["meta"]["location"].as_str().unwrap();
    assert_eq!(location, format!("http://example.com/scim/v2/Users/{id}"));
    assert_eq!(r.headers["location"], location);
    assert_eq!(
        r.headers["etag"],
        r.body["meta"]["version"].as_str().unwrap()
    );
    assert!(r.headers["etag"].to_str().unwrap().starts_with("W/\""));
    assert_eq!(r.body["meta"]["resourceType"], "User");
    assert!(
        r.body.get("password").is_none(),
        "password is never returned"
    );
    let got = send(&s, Method::GET, &format!("/scim/v2/Users/{id}"), None).await;
    assert!(got.body.get("password").is_none());
}

#[tokio::test]
async fn duplicate_user_name_is_409_uniqueness_case_insensitively() {
    let s = server();
    create_user(&s, "bjensen").await;
    let r = send(
        &s,
        Method::POST,
        "/scim/v2/Users",
        Some(json!({"userName": "BJENSEN"})),
    )
    .await;
    assert_error(&r, 409, Some("uniqueness"));
}

#[tokio::test]
async fn get_unknown_is_404_and_delete_then_get_is_404() {
    let s = server();
    assert_error(
        &send(&s, Method::GET, "/scim/v2/Users/nope", None).await,
        404,
        None,
    );
    let u = create_user(&s, "gone").await;
    let path = format!("/scim/v2/Users/{}", u["id"].as_str().unwrap());
    let d = send(&s, Method::DELETE, &path, None).await;
    assert_eq!(d.status, StatusCode::NO_CONTENT);
    assert_error(&send(&s, Method::GET, &path, None).await, 404, None);
    assert_error(&send(&s, Method::DELETE, &path, None).await, 404, None);
}

#[tokio::test]
async fn list_filters_pages_and_clamps() {
    let s = server();
    for n in ["alice", "bob", "carol", "dave"] {
        create_user(&s, n).await;
    }
    let r = send(
        &s,
        Method::GET,
        "/scim/v2/Users?filter=userName%20eq%20%22BOB%22",
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
    );
    assert_eq!(r.body["totalResults"], 1);
    assert_eq!(r.body["Resources"][0]["userName"], "bob");
    assert!(
        r.body["Resources"][0]["schemas"].is_array(),
        "each item carries schemas"
    );

    let r = send(&s, Method::GET, "/scim/v2/Users?count=0", None).await;
    assert_eq!(
        (r.body["totalResults"].clone(), r.body["Resources"].clone()),
        (json!(4), json!([]))
    );
    assert_eq!(r.body["itemsPerPage"], 0);

    let r = send(
        &s,
        Method::GET,
        "/scim/v2/Users?startIndex=0&count=-5",
        None,
    )
    .await;
    assert_eq!(r.body["startIndex"], 1);
    assert_eq!(r.body["Resources"], json!([]));

    let r = send(&s, Method::GET, "/scim/v2/Users?startIndex=2&count=2", None).await;
    let names: Vec<_> = r.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userName"].clone())
        .collect();
    assert_eq!(names, [json!("bob"), json!("carol")]);
    assert_eq!(
        (r.body["startIndex"].clone(), r.body["itemsPerPage"].clone()),
        (json!(2), json!(2))
    );

    let r = send(
        &s,
        Method::GET,
        "/scim/v2/Users?filter=userName%20eq%20%22nobody%22",
        None,
    )
    .await;
    assert_eq!(
        (r.body["totalResults"].clone(), r.body["Resources"].clone()),
        (json!(0), json!([]))
    );
}

#[tokio::test]
async fn count_above_the_maximum_is_capped() {
    let mut config = ServerConfig::standard();
    config.max_results = 2;
    let s = server_with(config);
    for n in ["a1", "a2", "a3"] {
        create_user(&s, n).await;
    }
    let r = send(&s, Method::GET, "/scim/v2/Users?count=100000", None).await;
    assert_eq!(r.body["totalResults"], 3);
    assert_eq!(r.body["itemsPerPage"], 2);
    let spc = send(&s, Method::GET, "/scim/v2/ServiceProviderConfig", None).await;
    assert_eq!(spc.body["filter"]["maxResults"], 2);
}

#[tokio::test]
async fn bad_filters_are_400_invalid_filter() {
    let s = server();
    for q in [
        "userName%20eqq%20%22x%22",
        "nope%20eq%201",
        "(userName%20eq%20%22x%22",
    ] {
        let r = send(&s, Method::GET, &format!("/scim/v2/Users?filter={q}"), None).await;
        assert_error(&r, 400, Some("invalidFilter"));
    }
}

#[tokio::test]
async fn sort_by_orders_and_missing_values_sort_last() {
    let s = server();
    for n in ["carol", "alice", "bob"] {
        create_user(&s, n).await;
    }
    let r = send(
        &s,
        Method::GET,
        "/scim/v2/Users?sortBy=userName&sortOrder=descending",
        None,
    )
    .await;
    let names: Vec<_> = r.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userName"].clone())
        .collect();
    assert_eq!(names, [json!("carol"), json!("bob"), json!("alice")]);
}

#[tokio::test]
async fn attributes_and_excluded_attributes_project() {
    let s = server();
    create_user(&s, "proj").await;
    let r = send(&s, Method::GET, "/scim/v2/Users?attributes=userName", None).await;
    let u = &r.body["Resources"][0];
    assert!(
        u["id"].is_string() && u["schemas"].is_array(),
        "id and schemas are always returned"
    );
    assert_eq!(u["userName"], "proj");
    assert!(u.get("emails").is_none() && u.get("name").is_none());
    let r = send(
        &s,
        Method::GET,
        "/scim/v2/Users?excludedAttributes=emails,name",
        None,
    )
    .await;
    let u = &r.body["Resources"][0];
    assert!(u.get("emails").is_none() && u.get("name").is_none());
    assert_eq!(u["userName"], "proj");
}

#[tokio::test]
async fn search_endpoints_share_the_list_path() {
    let s = server();
    create_user(&s, "searcher").await;
    create_user(&s, "other").await;
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": "userName sw \"sea\"", "attributes": "userName,emails", "startIndex": 1, "count": 10,
        "sortOrder": "ascending"
    });
    let r = send(
        &s,
        Method::POST,
        "/scim/v2/Users/.search",
        Some(body.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["totalResults"], 1);
    assert!(r.body["Resources"][0].get("name").is_none());
    assert!(r.body["Resources"][0]["emails"].is_array());
    let r = send(&s, Method::POST, "/scim/v2/.search", Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body["totalResults"], 1,
        "root search skips types without the attribute"
    );
    let r = send(&s, Method::GET, "/scim/v2/.search", None).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn put_ignores_read_only_attributes_and_refuses_a_contradicting_id() {
    let s = server();
    let u = create_user(&s, "putter").await;
    let id = u["id"].as_str().unwrap();
    let path = format!("/scim/v2/Users/{id}");
    let mut body = u.clone();
    body["title"] = json!("Boss");
    body["meta"] = json!({"created": "1999-01-01T00:00:00Z"});
    body["groups"] = json!([{"value": "g1"}]);
    let r = send(&s, Method::PUT, &path, Some(body.clone())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["title"], "Boss");
    assert_eq!(r.body["meta"]["created"], u["meta"]["created"]);
    assert!(r.body.get("groups").is_none());
    assert_ne!(r.body["meta"]["version"], u["meta"]["version"]);
    body["id"] = json!("another");
    assert_error(
        &send(&s, Method::PUT, &path, Some(body)).await,
        400,
        Some("mutability"),
    );
}

#[tokio::test]
async fn patch_applies_connector_bodies_and_noops_keep_the_version() {
    let s = server();
    let u = create_user(&s, "patchy").await;
    let path = format!("/scim/v2/Users/{}", u["id"].as_str().unwrap());
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"Op": "Replace", "Path": "emails[primary eq true].value", "Value": "new@example.com"}]
    });
    let r = send(&s, Method::PATCH, &path, Some(body.clone())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["emails"][0]["value"], "new@example.com");
    let again = send(&s, Method::PATCH, &path, Some(body)).await;
    assert_eq!(
        again.body["meta"]["version"], r.body["meta"]["version"],
        "a no-op PATCH keeps the version"
    );
    let bad = send(
        &s,
        Method::PATCH,
        &path,
        Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "remove", "path": "userName"}]
        })),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let after = send(&s, Method::GET, &path, None).await;
    assert_eq!(
        after.body["userName"], "patchy",
        "a failed PATCH changes nothing"
    );
}

#[tokio::test]
async fn patch_can_answer_204() {
    let mut config = ServerConfig::standard();
    config.patch_response = PatchResponse::NoContent;
    let s = server_with(config);
    let u = create_user(&s, "quiet").await;
    let path = format!("/scim/v2/Users/{}", u["id"].as_str().unwrap());
    let r = send(
        &s,
        Method::PATCH,
        &path,
        Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "active", "value": false}]
        })),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(r.headers.contains_key("etag"));
}

#[tokio::test]
async fn group_members_and_user_groups_stay_consistent() {
    let s = server();
    let u = create_user(&s, "member").await;
    let uid = u["id"].as_str().unwrap();
    let g = send(
        &s,
        Method::POST,
        "/scim/v2/Groups",
        Some(json!({"displayName": "Admins"})),
    )
    .await;
    assert_eq!(g.status, StatusCode::CREATED, "{}", g.body);
    let gpath = format!("/scim/v2/Groups/{}", g.body["id"].as_str().unwrap());
    let add = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "members", "value": [{"value": uid}]}]});
    let r = send(&s, Method::PATCH, &gpath, Some(add)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let user = send(&s, Method::GET, &format!("/scim/v2/Users/{uid}"), None).await;
    assert_eq!(user.body["groups"][0]["value"], g.body["id"]);
    assert_eq!(user.body["groups"][0]["display"], "Admins");
    assert_eq!(
        user.body["groups"][0]["$ref"],
        format!("http://example.com{gpath}")
    );
    send(&s, Method::DELETE, &format!("/scim/v2/Users/{uid}"), None).await;
    let group = send(&s, Method::GET, &gpath, None).await;
    assert!(
        group.body.get("members").is_none_or(|m| m == &json!([])),
        "{}",
        group.body
    );
}

#[tokio::test]
async fn capabilities_answer_405_with_allow() {
    let mut config = ServerConfig::standard();
    config.resources = vec![
        ResourceConfig::new("User"),
        ResourceConfig::new("Group").capabilities(Capabilities::READ_ONLY),
    ];
    let s = server_with(config);
    let r = send(
        &s,
        Method::POST,
        "/scim/v2/Groups",
        Some(json!({"displayName": "x"})),
    )
    .await;
    assert_error(&r, 405, None);
    assert_eq!(r.headers["allow"], "GET");
    let r = send(&s, Method::DELETE, "/scim/v2/Groups/abc", None).await;
    assert_error(&r, 405, None);
    assert_eq!(
        send(&s, Method::GET, "/scim/v2/Groups", None).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn discovery_is_generated_from_configuration() {
    let s = server();
    let spc = send(&s, Method::GET, "/scim/v2/ServiceProviderConfig", None).await;
    assert_eq!(spc.status, StatusCode::OK);
    assert_eq!(spc.body["patch"]["supported"], true);
    assert_eq!(spc.body["etag"]["supported"], true);
    let schemas = send(&s, Method::GET, "/scim/v2/Schemas", None).await;
    assert_eq!(schemas.body["totalResults"], 3);
    let ids: Vec<_> = schemas.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].clone())
        .collect();
    assert!(ids.contains(&json!(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    )));
    let one = send(
        &s,
        Method::GET,
        "/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group",
        None,
    )
    .await;
    assert_eq!(one.body["name"], "Group");
    assert!(
        one.body["meta"]["location"]
            .as_str()
            .unwrap()
            .ends_with("/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group")
    );
    let rts = send(&s, Method::GET, "/scim/v2/ResourceTypes", None).await;
    assert_eq!(rts.body["totalResults"], 2);
    let user = send(&s, Method::GET, "/scim/v2/ResourceTypes/User", None).await;
    assert_eq!(user.body["endpoint"], "/Users");
    assert_eq!(user.body["schemaExtensions"][0]["required"], false);
    for m in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
        for p in [
            "/scim/v2/ServiceProviderConfig",
            "/scim/v2/Schemas",
            "/scim/v2/ResourceTypes",
        ] {
            assert_error(&send(&s, m.clone(), p, Some(json!({}))).await, 405, None);
        }
    }
    assert_error(
        &send(&s, Method::GET, "/scim/v2/Schemas/urn:nope", None).await,
        404,
        None,
    );
}

#[tokio::test]
async fn content_types_and_malformed_bodies() {
    let s = server();
    let post = |ct: Option<&'static str>, body: &'static str| {
        let s = s.clone();
        async move {
            let mut b = Request::post("/scim/v2/Users");
            if let Some(ct) = ct {
                b = b.header("content-type", ct);
            }
            s.handle(b.body(Bytes::from(body)).unwrap()).await
        }
    };
    assert_eq!(
        post(Some("application/json"), r#"{"userName":"j1"}"#)
            .await
            .status(),
        201
    );
    assert_eq!(
        post(
            Some("application/scim+json; charset=utf-8"),
            r#"{"userName":"j2"}"#
        )
        .await
        .status(),
        201
    );
    assert_eq!(post(None, r#"{"userName":"j3"}"#).await.status(), 201);
    assert_eq!(
        post(Some("text/plain"), r#"{"userName":"j4"}"#)
            .await
            .status(),
        415
    );
    let bad = post(Some("application/json"), r#"{"userName":"#).await;
    assert_eq!(bad.status(), 400);
    let body: Value = serde_json::from_slice(bad.body()).unwrap();
    assert_eq!(body["scimType"], "invalidSyntax");
    // Bytes that are not UTF-8 text, inside a string.
    let not_text = Request::post("/scim/v2/Users")
        .header("content-type", "application/json")
        .body(Bytes::from_static(b"{\"userName\":\"j\xff5\"}"))
        .unwrap();
    let bad = s.handle(not_text).await;
    assert_eq!(bad.status(), 400);
    let body: Value = serde_json::from_slice(bad.body()).unwrap();
    assert_eq!(body["scimType"], "invalidSyntax");
    assert!(body["detail"].as_str().unwrap().contains("UTF-8"), "{body}");
}

#[tokio::test]
async fn routing_tolerates_case_and_trailing_slashes() {
    let s = server();
    let u = create_user(&s, "routed").await;
    let id = u["id"].as_str().unwrap();
    assert_eq!(
        send(&s, Method::GET, &format!("/SCIM/V2/users/{id}/"), None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        send(
            &s,
            Method::GET,
            "/scim/v2/Users/?filter=userName%20pr",
            None
        )
        .await
        .body["totalResults"],
        1
    );
    assert_error(
        &send(&s, Method::GET, "/scim/v2/Nope", None).await,
        404,
        None,
    );
    assert_error(&send(&s, Method::GET, "/scim/v2/Me", None).await, 501, None);
}

#[tokio::test]
async fn bearer_tokens_gate_every_request() {
    let config = ServerConfig::standard();
    let store = MemoryStore::new(config.registry.clone());
    let s = ScimServer::new(config, store, StaticBearer::new().token("s3cret", "")).unwrap();
    let r = send(&s, Method::GET, "/scim/v2/Users", None).await;
    assert_error(&r, 401, None);
    assert!(
        r.headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    let r = send_with(
        &s,
        Method::GET,
        "/scim/v2/Users",
        None,
        &[("authorization", "Bearer wrong")],
    )
    .await;
    assert_error(&r, 401, None);
    let r = send_with(
        &s,
        Method::GET,
        "/scim/v2/Users",
        None,
        &[("authorization", "Bearer s3cret")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let mut config = ServerConfig::standard();
    config.max_body_bytes = 64;
    let s = server_with(config);
    let r = send(
        &s,
        Method::POST,
        "/scim/v2/Users",
        Some(json!({"userName": "x".repeat(100)})),
    )
    .await;
    assert_error(&r, 413, None);
}

#[tokio::test]
async fn if_match_mismatch_is_412() {
    let s = server();
    let u = create_user(&s, "etagged").await;
    let path = format!("/scim/v2/Users/{}", u["id"].as_str().unwrap());
    let r = send_with(&s, Method::DELETE, &path, None, &[("if-match", "W/\"0\"")]).await;
    assert_error(&r, 412, None);
    let etag = u["meta"]["version"].as_str().unwrap().to_owned();
    let r = send_with(&s, Method::DELETE, &path, None, &[("if-match", &etag)]).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn store_contract_holds_for_the_memory_store() {
    scim_server::store::contract::run(MemoryStore::new).await;
}

fn patch_body(ops: Value) -> Option<Value> {
    Some(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops}))
}

#[tokio::test]
async fn attribute_overrides_apply_to_output_and_input() {
    use scim_core::SchemaRegistry;
    use scim_core::schema::Returned;
    use scim_core::schema::builtin::{GROUP_URN, USER_URN};
    let mut b = SchemaRegistry::builtin_builder();
    b.schema_mut(GROUP_URN)
        .unwrap()
        .attribute_mut("members")
        .unwrap()
        .returned = Returned::Never;
    b.schema_mut(USER_URN)
        .unwrap()
        .attribute_mut("emails")
        .unwrap()
        .max_items = Some(1);
    let mut config = ServerConfig::standard();
    config.registry = std::sync::Arc::new(b.build().unwrap());
    let s = server_with(config);

    let u = create_user(&s, "solo").await;
    let uid = u["id"].as_str().unwrap();
    let two = json!({"userName": "two", "emails": [{"value": "a@x.org"}, {"value": "b@x.org"}]});
    assert_error(
        &send(&s, Method::POST, "/scim/v2/Users", Some(two)).await,
        400,
        Some("invalidValue"),
    );
    let add =
        patch_body(json!([{"op": "add", "path": "emails", "value": [{"value": "second@x.org"}]}]));
    let r = send(&s, Method::PATCH, &format!("/scim/v2/Users/{uid}"), add).await;
    assert_error(&r, 400, Some("invalidValue"));

    let g = send(
        &s,
        Method::POST,
        "/scim/v2/Groups",
        Some(json!({"displayName": "Lockers", "members": [{"value": uid}]})),
    )
    .await;
    assert_eq!(g.status, StatusCode::CREATED, "{}", g.body);
    assert!(
        g.body.get("members").is_none(),
        "members are never returned: {}",
        g.body
    );
    let listed = send(&s, Method::GET, "/scim/v2/Groups", None).await;
    assert!(listed.body["Resources"][0].get("members").is_none());
    let user = send(&s, Method::GET, &format!("/scim/v2/Users/{uid}"), None).await;
    assert_eq!(
        user.body["groups"][0]["display"], "Lockers",
        "memberships still hold"
    );
    let schema = send(
        &s,
        Method::GET,
        &format!("/scim/v2/Schemas/{GROUP_URN}"),
        None,
    )
    .await;
    let members = schema.body["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "members")
        .unwrap();
    assert_eq!(members["returned"], "never", "discovery tells the truth");
}

#[tokio::test]
async fn excluded_members_are_not_returned() {
    let s = server();
    let u = create_user(&s, "m1").await;
    send(
        &s,
        Method::POST,
        "/scim/v2/Groups",
        Some(json!({"displayName": "Big", "members": [{"value": u["id"]}]})),
    )
    .await;
    let r = send(
        &s,
        Method::GET,
        "/scim/v2/Groups?excludedAttributes=members",
        None,
    )
    .await;
    assert_eq!(r.body["Resources"][0]["displayName"], "Big");
    assert!(r.body["Resources"][0].get("members").is_none());
    let r = send(
        &s,
        Method::GET,
        "/scim/v2/Groups?attributes=members.value",
        None,
    )
    .await;
    assert_eq!(r.body["Resources"][0]["members"][0]["value"], u["id"]);
}

#[tokio::test]
async fn strict_references_refuse_unknown_members() {
    let mut config = ServerConfig::standard();
    config.strict_references = true;
    let s = server_with(config);
    let u = create_user(&s, "real").await;
    let bad = json!({"displayName": "G", "members": [{"value": "ghost"}]});
    assert_error(
        &send(&s, Method::POST, "/scim/v2/Groups", Some(bad)).await,
        400,
        Some("invalidValue"),
    );
    let ok = send(
        &s,
        Method::POST,
        "/scim/v2/Groups",
        Some(json!({"displayName": "G", "members": [{"value": u["id"]}]})),
    )
    .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    let path = format!("/scim/v2/Groups/{}", ok.body["id"].as_str().unwrap());
    let add = patch_body(json!([{"op": "add", "path": "members", "value": [{"value": "ghost"}]}]));
    assert_error(
        &send(&s, Method::PATCH, &path, add).await,
        400,
        Some("invalidValue"),
    );
    let pathless =
        patch_body(json!([{"op": "replace", "value": {"members": [{"value": "ghost"}]}}]));
    assert_error(
        &send(&s, Method::PATCH, &path, pathless).await,
        400,
        Some("invalidValue"),
    );
    let lenient = server();
    let g = send(
        &lenient,
        Method::POST,
        "/scim/v2/Groups",
        Some(json!({"displayName": "G", "members": [{"value": "ghost"}]})),
    )
    .await;
    assert_eq!(
        g.status,
        StatusCode::CREATED,
        "unknown members are accepted by default"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_member_adds_all_land() {
    let s = server();
    let g = send(
        &s,
        Method::POST,
        "/scim/v2/Groups",
        Some(json!({"displayName": "Crowd"})),
    )
    .await;
    let path = format!("/scim/v2/Groups/{}", g.body["id"].as_str().unwrap());
    let mut tasks = Vec::new();
    for i in 0..1000 {
        let (s, path) = (s.clone(), path.clone());
        tasks.push(tokio::spawn(async move {
            let add = patch_body(json!([{"op": "add", "path": "members", "value": [{"value": format!("member-{i}")}]}]));
            send(&s, Method::PATCH, &path, add).await.status
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::OK);
    }
    let r = send(&s, Method::GET, &path, None).await;
    assert_eq!(
        r.body["members"].as_array().unwrap().len(),
        1000,
        "no member is lost"
    );
}

#[tokio::test]
async fn etags_and_preconditions() {
    let s = server();
    let u = create_user(&s, "tagged").await;
    let path = format!("/scim/v2/Users/{}", u["id"].as_str().unwrap());
    let etag = u["meta"]["version"].as_str().unwrap().to_owned();
    let strong = etag.trim_start_matches("W/").to_owned();

    let r = send_with(&s, Method::GET, &path, None, &[("if-none-match", &etag)]).await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    assert_eq!(r.headers["etag"], etag.as_str());
    let r = send_with(&s, Method::GET, &path, None, &[("if-none-match", "*")]).await;
    assert_eq!(
        r.status,
        StatusCode::NOT_MODIFIED,
        "* matches any current version"
    );
    let r = send_with(
        &s,
        Method::GET,
        &path,
        None,
        &[("if-none-match", "W/\"other\"")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);

    let op = patch_body(json!([{"op": "replace", "path": "title", "value": "T"}]));
    let r = send_with(
        &s,
        Method::PATCH,
        &path,
        op.clone(),
        &[("if-match", "W/\"stale\"")],
    )
    .await;
    assert_error(&r, 412, None);
    // Weak comparison: the strong form of the same tag matches, and so does a list holding it.
    let r = send_with(
        &s,
        Method::PATCH,
        &path,
        op.clone(),
        &[("if-match", &strong)],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let now = r.body["meta"]["version"].as_str().unwrap().to_owned();
    assert_ne!(now, etag, "a change gives a new version");
    let list = format!("W/\"stale\", {now}");
    let mut put = r.body.clone();
    put["title"] = json!("U");
    let r = send_with(
        &s,
        Method::PUT,
        &path,
        Some(put.clone()),
        &[("if-match", &list)],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = send_with(&s, Method::PUT, &path, Some(put), &[("if-match", &etag)]).await;
    assert_error(&r, 412, None);
    let r = send_with(&s, Method::DELETE, &path, None, &[("if-match", "*")]).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_members_version_changes_with_its_groups() {
    let s = server();
    let u = create_user(&s, "joiner").await;
    let uid = u["id"].as_str().unwrap();
    let upath = format!("/scim/v2/Users/{uid}");
    let before = send(&s, Method::GET, &upath, None).await.headers["etag"].clone();
    send(
        &s,
        Method::POST,
        "/scim/v2/Groups",
        Some(json!({"displayName": "G", "members": [{"value": uid}]})),
    )
    .await;
    let r = send_with(
        &s,
        Method::GET,
        &upath,
        None,
        &[("if-none-match", before.to_str().unwrap())],
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "derived groups changed, so the ETag did"
    );
    assert_ne!(r.headers["etag"], before);
}

#[tokio::test]
async fn tenants_never_see_each_other() {
    let config = ServerConfig::standard();
    let store = MemoryStore::new(config.registry.clone());
    let auth = StaticBearer::new()
        .token("acme-token", "acme")
        .token("globex-token", "globex");
    let s = ScimServer::new(config, store, auth).unwrap();
    let acme = [("authorization", "Bearer acme-token")];
    let globex = [("authorization", "Bearer globex-token")];
    let r = send_with(
        &s,
        Method::POST,
        "/scim/v2/Users",
        Some(json!({"userName": "same"})),
        &acme,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let path = format!("/scim/v2/Users/{}", r.body["id"].as_str().unwrap());
    let r = send_with(
        &s,
        Method::POST,
        "/scim/v2/Users",
        Some(json!({"userName": "same"})),
        &globex,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "uniqueness is per tenant");
    assert_error(
        &send_with(&s, Method::GET, &path, None, &globex).await,
        404,
        None,
    );
    let r = send_with(
        &s,
        Method::GET,
        "/scim/v2/Users?filter=userName%20eq%20%22same%22",
        None,
        &globex,
    )
    .await;
    assert_eq!(r.body["totalResults"], 1);
    let op = patch_body(json!([{"op": "replace", "path": "title", "value": "x"}]));
    assert_error(
        &send_with(&s, Method::PATCH, &path, op, &globex).await,
        404,
        None,
    );
    assert_error(
        &send_with(
            &s,
            Method::PUT,
            &path,
            Some(json!({"userName": "same"})),
            &globex,
        )
        .await,
        404,
        None,
    );
    assert_error(
        &send_with(&s, Method::DELETE, &path, None, &globex).await,
        404,
        None,
    );
    assert_eq!(
        send_with(&s, Method::GET, &path, None, &acme).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn strict_mode_refuses_what_tolerant_mode_accepts() {
    let mut config = ServerConfig::standard();
    config.compat = scim_core::Compat::strict();
    let strict = server_with(config);
    let body = json!({"userName": "noschemas"});
    let r = send(&strict, Method::POST, "/scim/v2/Users", Some(body.clone())).await;
    assert_error(&r, 400, Some("invalidSyntax"));
    assert_eq!(
        send(&server(), Method::POST, "/scim/v2/Users", Some(body))
            .await
            .status,
        StatusCode::CREATED
    );
}

fn bulk_body(ops: Value, fail_on_errors: Option<u32>) -> Option<Value> {
    let mut b = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": ops});
    if let Some(n) = fail_on_errors {
        b["failOnErrors"] = json!(n);
    }
    Some(b)
}

#[tokio::test]
async fn bulk_resolves_bulk_ids_in_any_order() {
    let s = server();
    let ops = json!([
        {"method": "POST", "path": "/Groups", "bulkId": "grp",
         "data": {"displayName": "Tour Guides", "members": [{"type": "User", "value": "bulkId:usr"}]}},
        {"method": "POST", "path": "/Users", "bulkId": "usr", "data": {"userName": "Alice"}},
        {"method": "PATCH", "path": "/Users/bulkId:usr",
         "data": {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                  "Operations": [{"op": "replace", "path": "title", "value": "Guide"}]}},
    ]);
    let r = send(&s, Method::POST, "/scim/v2/Bulk", bulk_body(ops, None)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:BulkResponse"])
    );
    let results = r.body["Operations"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let statuses: Vec<_> = results.iter().map(|o| o["status"].clone()).collect();
    assert_eq!(
        statuses,
        [json!("201"), json!("201"), json!("200")],
        "statuses are strings, in request order"
    );
    assert_eq!(results[0]["bulkId"], "grp");
    assert!(results[1]["version"].as_str().unwrap().starts_with("W/"));
    let user_loc = results[1]["location"].as_str().unwrap();
    let uid = user_loc.rsplit('/').next().unwrap();
    let group = send(
        &s,
        Method::GET,
        results[0]["location"].as_str().unwrap(),
        None,
    )
    .await;
    assert_eq!(
        group.body["members"][0]["value"], uid,
        "bulkId reference replaced by the id"
    );
    let user = send(&s, Method::GET, &format!("/scim/v2/Users/{uid}"), None).await;
    assert_eq!(user.body["title"], "Guide");
    assert_eq!(user.body["groups"][0]["display"], "Tour Guides");
}

#[tokio::test]
async fn bulk_errors_fail_on_errors_and_limits() {
    let s = server();
    create_user(&s, "taken").await;
    let ops = json!([
        {"method": "POST", "path": "/Users", "data": {"userName": "taken"}},
        {"method": "POST", "path": "/Users", "data": {"userName": "fresh"}},
        {"method": "POST", "path": "/Users", "data": {"userName": "TAKEN"}},
        {"method": "POST", "path": "/Users", "data": {"userName": "later"}},
    ]);
    let r = send(
        &s,
        Method::POST,
        "/scim/v2/Bulk",
        bulk_body(ops.clone(), Some(2)),
    )
    .await;
    let results = r.body["Operations"].as_array().unwrap();
    assert_eq!(
        results.len(),
        3,
        "processing stops at the second error: {}",
        r.body
    );
    assert_eq!(results[0]["status"], "409");
    assert_eq!(results[0]["response"]["scimType"], "uniqueness");
    assert_eq!(results[1]["status"], "201");

    let ops = json!([
        {"method": "POST", "path": "/Users", "data": {"userName": "x"}, "bulkId": "a"},
        {"method": "PATCH", "path": "/Users/bulkId:nope", "data": {}},
        {"method": "PUT", "path": "/Users/bulkId:c", "bulkId": "d", "data": {"userName": "bulkId:d"}},
        {"method": "POST", "path": "/Users", "bulkId": "c", "data": {"userName": "bulkId:d"}},
        {"method": "POST", "path": "/Bulk", "data": {}},
    ]);
    let r = send(&s, Method::POST, "/scim/v2/Bulk", bulk_body(ops, None)).await;
    let results = r.body["Operations"].as_array().unwrap();
    assert_eq!(results[0]["status"], "201");
    assert_eq!(results[1]["status"], "400", "unknown bulkId: {}", r.body);
    assert_eq!(
        results[2]["status"], "409",
        "circular references: {}",
        r.body
    );
    assert_eq!(results[3]["status"], "409");
    assert_eq!(results[4]["status"], "400", "no nested Bulk");

    let mut config = ServerConfig::standard();
    config.bulk.max_operations = 2;
    config.bulk.max_payload_size = 400;
    let small = server_with(config);
    let three = json!([{"method": "DELETE", "path": "/Users/a"}, {"method": "DELETE", "path": "/Users/b"}, {"method": "DELETE", "path": "/Users/c"}]);
    assert_error(
        &send(
            &small,
            Method::POST,
            "/scim/v2/Bulk",
            bulk_body(three, None),
        )
        .await,
        413,
        None,
    );
    let big = json!([{"method": "POST", "path": "/Users", "data": {"userName": "y".repeat(500)}}]);
    assert_error(
        &send(&small, Method::POST, "/scim/v2/Bulk", bulk_body(big, None)).await,
        413,
        None,
    );
    let spc = send(&small, Method::GET, "/scim/v2/ServiceProviderConfig", None).await;
    assert_eq!(
        spc.body["bulk"],
        json!({"supported": true, "maxOperations": 2, "maxPayloadSize": 400})
    );
    assert_eq!(
        send(&small, Method::GET, "/scim/v2/Bulk", None)
            .await
            .status,
        StatusCode::METHOD_NOT_ALLOWED
    );
}

#[tokio::test]
async fn filter_aliases_and_allow_lists() {
    use scim_server::FilterPolicy;
    let mut config = ServerConfig::standard();
    config.resources = vec![
        ResourceConfig::new("User").filter(
            FilterPolicy::default()
                .alias("givenName", &["name.givenName"])
                .alias("familyName", &["name.familyName"])
                .alias("name", &["name.givenName", "name.familyName"])
                .allow(&["userName", "name.givenName", "name.familyName", "active"]),
        ),
        ResourceConfig::new("Group")
            .capabilities(Capabilities {
                create: true,
                ..Capabilities::READ_ONLY
            })
            .filter(FilterPolicy::default().allow(&["displayName"])),
    ];
    let s = server_with(config);
    create_user(&s, "ann").await; // givenName ANN, familyName Jensen
    let other = send(
        &s,
        Method::POST,
        "/scim/v2/Users",
        Some(json!({"userName": "bob", "name": {"givenName": "Bob", "familyName": "Annson"}})),
    )
    .await;
    assert_eq!(other.status, StatusCode::CREATED);
    let search = |filter: &str| {
        let s = s.clone();
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": filter});
        async move { send(&s, Method::POST, "/scim/v2/Users/.search", Some(body)).await }
    };
    let names = |r: &Resp| -> Vec<String> {
        r.body["Resources"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|u| u["userName"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(names(&search(r#"givenName eq "ann""#).await), ["ann"]);
    assert_eq!(names(&search(r#"familyName sw "ann""#).await), ["bob"]);
    assert_eq!(
        names(&search(r#"name co "ann""#).await),
        ["ann", "bob"],
        "name expands to given or family name"
    );
    assert_eq!(
        names(&search(r#"name co "ann" and active eq true"#).await),
        ["ann"]
    );
    assert_eq!(
        names(&search(r#"userName eq "bob" or not (givenName pr)"#).await),
        ["bob"]
    );
    let r = search(r#"title eq "x""#).await;
    assert_error(&r, 400, Some("invalidFilter"));
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("not filterable"),
        "{}",
        r.body
    );
    assert_error(
        &search(r#"emails[type eq "work"]"#).await,
        400,
        Some("invalidFilter"),
    );
    assert_error(&search(r#"nosuch eq 1"#).await, 400, Some("invalidFilter"));

    send(
        &s,
        Method::POST,
        "/scim/v2/Groups",
        Some(json!({"displayName": "Profile A"})),
    )
    .await;
    let r = send(
        &s,
        Method::GET,
        "/scim/v2/Groups?filter=displayName%20eq%20%22profile%20a%22",
        None,
    )
    .await;
    assert_eq!(r.body["totalResults"], 1);
    let r = send(
        &s,
        Method::GET,
        "/scim/v2/Groups?filter=externalId%20eq%20%22x%22",
        None,
    )
    .await;
    assert_error(&r, 400, Some("invalidFilter"));
}

mod hooks_and_audit {
    use super::*;
    use scim_server::hooks::{After, AuditEvent, AuditSink, Before, Hooks, Operation};
    use scim_server::store::RequestContext;
    use std::sync::{Arc, Mutex};

    #[derive(Debug, Default)]
    struct Recorder {
        after: Mutex<Vec<(Operation, String, Vec<String>)>>,
        audit: Mutex<Vec<AuditEvent>>,
    }

    impl Recorder {
        /// The operations the after-hooks saw, with the attributes each changed.
        fn ops(&self) -> Vec<(Operation, Vec<String>)> {
            let after = self.after.lock().unwrap();
            after.iter().map(|(o, _, a)| (*o, a.clone())).collect()
        }
    }

    #[derive(Debug, Clone)]
    struct Host(Arc<Recorder>);

    #[async_trait::async_trait]
    impl Hooks for Host {
        async fn before(
            &self,
            _: &RequestContext,
            w: &Before<'_>,
        ) -> Result<(), scim_core::ScimError> {
            let reserved = w
                .resource
                .and_then(|r| r["userName"].as_str())
                .is_some_and(|u| u.starts_with("admin"));
            if reserved {
                return Err(scim_core::ScimError::bad_request(
                    scim_core::ScimType::InvalidValue,
                    "userName is reserved",
                ));
            }
            if w.operation == Operation::Delete && w.id == Some("protected") {
                return Err(scim_core::ScimError::new(403, None, "protected"));
            }
            Ok(())
        }

        async fn after(&self, _: &RequestContext, w: &After<'_>) {
            self.0.after.lock().unwrap().push((
                w.operation,
                w.id.to_owned(),
                w.attributes.to_vec(),
            ));
        }
    }

    impl AuditSink for Host {
        fn record(&self, e: &AuditEvent) {
            self.0.audit.lock().unwrap().push(e.clone());
        }
    }

    #[tokio::test]
    async fn hooks_refuse_and_observe_and_every_change_is_audited() {
        let rec = Arc::new(Recorder::default());
        let config = ServerConfig::standard();
        let store = MemoryStore::new(config.registry.clone());
        let auth = StaticBearer::new().token("t", "acme");
        let s = ScimServer::builder(config, store, auth)
            .hooks(Host(rec.clone()))
            .audit(Host(rec.clone()))
            .build()
            .unwrap();
        let h = [("authorization", "Bearer t")];

        let r = send_with(
            &s,
            Method::POST,
            "/scim/v2/Users",
            Some(json!({"userName": "admin1"})),
            &h,
        )
        .await;
        assert_error(&r, 400, Some("invalidValue"));
        let list = send_with(&s, Method::GET, "/scim/v2/Users", None, &h).await;
        assert_eq!(
            list.body["totalResults"], 0,
            "a refused write changes nothing"
        );

        let r = send_with(
            &s,
            Method::POST,
            "/scim/v2/Users",
            Some(json!({"userName": "ok", "title": "T"})),
            &h,
        )
        .await;
        let path = format!("/scim/v2/Users/{}", r.body["id"].as_str().unwrap());
        let op = patch_body(json!([{"op": "replace", "path": "name.givenName", "value": "Ok"}]));
        send_with(&s, Method::PATCH, &path, op.clone(), &h).await;
        send_with(&s, Method::PATCH, &path, op, &h).await; // no change: no event
        send_with(&s, Method::DELETE, &path, None, &h).await;

        assert_eq!(
            rec.ops(),
            [
                (
                    Operation::Create,
                    vec!["title".to_owned(), "userName".to_owned()]
                ),
                (Operation::Patch, vec!["name".to_owned()]),
                (Operation::Delete, vec![]),
            ]
        );
        let audit = rec.audit.lock().unwrap().clone();
        assert_eq!(audit.len(), 3);
        assert!(
            audit
                .iter()
                .all(|e| e.tenant == "acme" && e.principal.is_some() && e.resource_type == "User")
        );
    }

    /// A sink that records nothing: `enabled` is false.
    #[derive(Debug, Clone)]
    struct Off(Arc<Recorder>);

    impl AuditSink for Off {
        fn record(&self, e: &AuditEvent) {
            self.0.audit.lock().unwrap().push(e.clone());
        }

        fn enabled(&self) -> bool {
            false
        }
    }

    /// Creates, patches and deletes one user.
    async fn writes(s: &ScimServer) {
        let h = [("authorization", "Bearer t")];
        let r = send_with(
            s,
            Method::POST,
            "/scim/v2/Users",
            Some(json!({"userName": "ok", "title": "T"})),
            &h,
        )
        .await;
        assert_eq!(r.status, 201);
        let path = format!("/scim/v2/Users/{}", r.body["id"].as_str().unwrap());
        let op = patch_body(json!([{"op": "replace", "path": "title", "value": "U"}]));
        assert_eq!(send_with(s, Method::PATCH, &path, op, &h).await.status, 200);
        assert_eq!(
            send_with(s, Method::DELETE, &path, None, &h).await.status,
            204
        );
    }

    fn server(hooks: Option<Host>, audit: Off) -> ScimServer {
        let config = ServerConfig::standard();
        let store = MemoryStore::new(config.registry.clone());
        let auth = StaticBearer::new().token("t", "acme");
        let mut b = ScimServer::builder(config, store, auth).audit(audit);
        if let Some(h) = hooks {
            b = b.hooks(h);
        }
        b.build().unwrap()
    }

    #[tokio::test]
    async fn a_disabled_audit_sink_gets_no_events_and_hooks_still_see_changes() {
        let rec = Arc::new(Recorder::default());
        writes(&server(None, Off(rec.clone()))).await;
        assert!(rec.audit.lock().unwrap().is_empty());
        assert!(rec.after.lock().unwrap().is_empty());

        writes(&server(Some(Host(rec.clone())), Off(rec.clone()))).await;
        assert!(rec.audit.lock().unwrap().is_empty());
        assert_eq!(
            rec.ops(),
            [
                (
                    Operation::Create,
                    vec!["title".to_owned(), "userName".to_owned()]
                ),
                (Operation::Patch, vec!["title".to_owned()]),
                (Operation::Delete, vec![]),
            ]
        );
    }

    #[test]
    fn tracing_audit_is_enabled_by_a_subscriber_that_takes_info() {
        use scim_server::hooks::TracingAudit;
        assert!(!TracingAudit.enabled(), "no subscriber");
        let info = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_writer(std::io::sink)
            .finish();
        tracing::subscriber::with_default(info, || assert!(TracingAudit.enabled()));
        let warn = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_writer(std::io::sink)
            .finish();
        tracing::subscriber::with_default(warn, || assert!(!TracingAudit.enabled()));
    }
}

/// What the engine adds on the way out (`meta.location`, the `$ref` of a user's groups) is
/// projected like the stored attributes, and every response shows the same resource.
#[tokio::test]
async fn added_members_follow_the_projection() {
    let s = server();
    let created = create_user(&s, "proj").await;
    let uid = created["id"].as_str().unwrap();
    let upath = format!("/scim/v2/Users/{uid}");
    let location = format!("http://example.com{upath}");
    assert_eq!(created["meta"]["location"], location.as_str());
    let keys = |v: &Value| {
        v["meta"]
            .as_object()
            .map(|m| m.keys().cloned().collect::<Vec<_>>())
    };
    assert_eq!(
        keys(&created).unwrap(),
        [
            "resourceType",
            "created",
            "lastModified",
            "version",
            "location"
        ]
    );
    let got = send(&s, Method::GET, &upath, None).await;
    assert_eq!(got.body, created, "GET shows what POST returned");
    let list = send(
        &s,
        Method::GET,
        "/scim/v2/Users?filter=userName%20eq%20%22proj%22",
        None,
    )
    .await;
    assert_eq!(list.body["Resources"][0], created, "a list shows it too");

    let only = send(
        &s,
        Method::GET,
        &format!("{upath}?attributes=meta.location"),
        None,
    )
    .await;
    assert_eq!(
        only.body,
        json!({"schemas": created["schemas"], "id": uid, "meta": {"location": location}})
    );
    let without = send(
        &s,
        Method::GET,
        &format!("{upath}?excludedAttributes=meta.location,name"),
        None,
    )
    .await;
    assert!(
        without.body["meta"].get("location").is_none(),
        "{}",
        without.body
    );
    assert_eq!(without.body["meta"]["version"], created["meta"]["version"]);
    assert!(without.body.get("name").is_none());
    let none = send(
        &s,
        Method::GET,
        &format!("{upath}?excludedAttributes=meta"),
        None,
    )
    .await;
    assert!(none.body.get("meta").is_none(), "{}", none.body);

    let g = send(
        &s,
        Method::POST,
        "/scim/v2/Groups",
        Some(json!({"displayName": "Readers", "members": [{"value": uid}]})),
    )
    .await;
    assert_eq!(g.status, StatusCode::CREATED, "{}", g.body);
    let gref = format!(
        "http://example.com/scim/v2/Groups/{}",
        g.body["id"].as_str().unwrap()
    );
    let refs = send(
        &s,
        Method::GET,
        &format!("{upath}?attributes=groups.$ref"),
        None,
    )
    .await;
    assert_eq!(
        refs.body["groups"],
        json!([{"$ref": gref}]),
        "{}",
        refs.body
    );
    let values = send(
        &s,
        Method::GET,
        &format!("{upath}?attributes=groups.value"),
        None,
    )
    .await;
    assert_eq!(values.body["groups"], json!([{"value": g.body["id"]}]));
    let whole = send(&s, Method::GET, &upath, None).await;
    assert_eq!(
        whole.body["groups"],
        json!([{"value": g.body["id"], "display": "Readers", "type": "direct", "$ref": gref}])
    );
}
