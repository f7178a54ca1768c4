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
        ResourceConfig {
            name: "User".into(),
            capabilities: Capabilities::ALL,
        },
        ResourceConfig {
            name: "Group".into(),
            capabilities: Capabilities::READ_ONLY,
        },
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
