//! Authentication, authorization, tenants and the token endpoint, through `ScimServer::handle`.

use base64::Engine;
use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use scim_core::SchemaRegistry;
use scim_server::auth::{
    ALL_RIGHTS, AnyOf, BasicAuth, ScopePolicy, StaticBearer, Users, hash_password,
};
use scim_server::store::{MemoryStore, ResourceStore};
use scim_server::{ScimServer, ServerConfig};
use serde_json::{Value, json};
use std::sync::Arc;

const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

#[derive(Debug)]
struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

async fn call(
    s: &ScimServer,
    auth: Option<&str>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Resp {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "example.com");
    if let Some(a) = auth {
        b = b.header("authorization", a);
    }
    if body.is_some() {
        b = b.header("content-type", "application/scim+json");
    }
    let bytes = body.map(|v| Bytes::from(v.to_string())).unwrap_or_default();
    let (parts, body) = s.handle(b.body(bytes).unwrap()).await.into_parts();
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

fn bearer(t: &str) -> String {
    format!("Bearer {t}")
}

fn basic(user: &str, pw: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pw}"))
    )
}

fn assert_scim_error(r: &Resp, status: u16) {
    assert_eq!(r.status.as_u16(), status, "{}", r.body);
    assert_eq!(
        r.body["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
    assert_eq!(r.body["status"], status.to_string());
}

fn server(
    auth: impl scim_server::auth::Authenticator + 'static,
    policy: ScopePolicy,
) -> ScimServer {
    let config = ServerConfig::standard();
    let store = MemoryStore::new(config.registry.clone());
    ScimServer::builder(config, store, auth)
        .authorizer(policy)
        .build()
        .unwrap()
}

fn user(name: &str) -> Value {
    json!({
        "schemas": [CORE, ENT],
        "userName": name,
        "title": "engineer",
        "emails": [{"value": format!("{name}@example.com"), "type": "work"}],
        ENT: {"department": "R&D", "employeeNumber": "42"},
    })
}

fn patch(path: Option<&str>, value: Value) -> Value {
    let mut op = json!({"op": "replace", "value": value});
    if let Some(p) = path {
        op["path"] = json!(p);
    }
    json!({"schemas": [PATCH], "Operations": [op]})
}

// ---------------------------------------------------------------- tenants

/// Every operation across two tenants, on any store: a store's own tests call this with
/// their constructor.
async fn tenant_isolation<S: ResourceStore + 'static>(make: impl Fn(Arc<SchemaRegistry>) -> S) {
    let auth = StaticBearer::new().token("a", "acme").token("b", "globex");
    let config = ServerConfig::standard();
    let store = make(config.registry.clone());
    let s = ScimServer::new(config, store, auth).unwrap();
    let (a, b) = (Some("Bearer a"), Some("Bearer b"));

    let u = call(&s, a, Method::POST, "/scim/v2/Users", Some(user("bjensen"))).await;
    assert_eq!(u.status, 201);
    let uid = u.body["id"].as_str().unwrap().to_owned();
    let g = call(
        &s,
        a,
        Method::POST,
        "/scim/v2/Groups",
        Some(json!({"displayName": "admins", "members": [{"value": uid}]})),
    )
    .await;
    assert_eq!(g.status, 201);
    let gid = g.body["id"].as_str().unwrap().to_owned();

    for (path, kind) in [
        (format!("/scim/v2/Users/{uid}"), "user"),
        (format!("/scim/v2/Groups/{gid}"), "group"),
    ] {
        let r = call(&s, b, Method::GET, &path, None).await;
        assert_scim_error(&r, 404);
        let body = if kind == "user" {
            user("bjensen")
        } else {
            json!({"displayName": "admins"})
        };
        let r = call(&s, b, Method::PUT, &path, Some(body)).await;
        assert_scim_error(&r, 404);
        let r = call(
            &s,
            b,
            Method::PATCH,
            &path,
            Some(patch(Some("displayName"), json!("x"))),
        )
        .await;
        assert_scim_error(&r, 404);
        let r = call(&s, b, Method::DELETE, &path, None).await;
        assert_scim_error(&r, 404);
    }
    // Not found by list, filter, .search or root .search.
    let r = call(&s, b, Method::GET, "/scim/v2/Users", None).await;
    assert_eq!(r.body["totalResults"], 0);
    let r = call(
        &s,
        b,
        Method::GET,
        "/scim/v2/Users?filter=userName%20eq%20%22bjensen%22",
        None,
    )
    .await;
    assert_eq!(r.body["totalResults"], 0);
    let search = json!({"schemas": [SEARCH], "filter": "userName eq \"bjensen\""});
    let r = call(
        &s,
        b,
        Method::POST,
        "/scim/v2/Users/.search",
        Some(search.clone()),
    )
    .await;
    assert_eq!(r.body["totalResults"], 0);
    let r = call(
        &s,
        b,
        Method::POST,
        "/scim/v2/.search",
        Some(json!({"schemas": [SEARCH]})),
    )
    .await;
    assert_eq!(r.body["totalResults"], 0);
    // Bulk operations act in the caller's tenant too.
    let bulk = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": [{"method": "DELETE", "path": format!("/Users/{uid}")}],
    });
    let r = call(&s, b, Method::POST, "/scim/v2/Bulk", Some(bulk)).await;
    assert_eq!(r.body["Operations"][0]["status"], "404", "{}", r.body);
    // The same userName is free in the other tenant.
    let r = call(&s, b, Method::POST, "/scim/v2/Users", Some(user("bjensen"))).await;
    assert_eq!(r.status, 201);
    // The first tenant's resources are intact.
    let r = call(&s, a, Method::GET, &format!("/scim/v2/Groups/{gid}"), None).await;
    assert_eq!(r.body["members"][0]["value"], uid.as_str());
    let r = call(&s, a, Method::GET, "/scim/v2/Users", None).await;
    assert_eq!(r.body["totalResults"], 1);
    let r = call(&s, a, Method::POST, "/scim/v2/Users/.search", Some(search)).await;
    assert_eq!(r.body["totalResults"], 1);
}

#[tokio::test]
async fn one_tenant_never_reads_finds_changes_or_deletes_anothers_resources() {
    tenant_isolation(MemoryStore::new).await;
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_never_meet_on_the_sqlite_store() {
    let dir = std::env::temp_dir().join("scim-auth-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("tenants-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    tenant_isolation(|registry| scim_server::store::SqliteStore::open(&path, registry).unwrap())
        .await;
    let _ = std::fs::remove_file(&path);
}

// ---------------------------------------------------------------- 401 / 403

#[tokio::test]
async fn missing_or_bad_credentials_are_401_with_a_challenge_and_missing_scope_is_403() {
    let auth = StaticBearer::new()
        .token_with_scopes("reader", "t", ["SCIM:user:get", "SCIM:user:query"])
        .token("admin", "t");
    let s = server(
        auth,
        ScopePolicy::new().scim_operation_scopes(["User", "Group"]),
    );
    for a in [None, Some("Bearer nope"), Some("Basic Zm9vOmJhcg==")] {
        let r = call(&s, a, Method::GET, "/scim/v2/Users", None).await;
        assert_scim_error(&r, 401);
        assert_eq!(r.headers["www-authenticate"], "Bearer realm=\"scim\"");
    }
    let reader = Some("Bearer reader");
    let r = call(&s, reader, Method::GET, "/scim/v2/Users", None).await;
    assert_eq!(r.status, 200);
    let r = call(&s, reader, Method::POST, "/scim/v2/Users", Some(user("x"))).await;
    assert_scim_error(&r, 403);
    assert!(r.headers.get("www-authenticate").is_none());
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("SCIM:user:post")
    );
    let r = call(&s, reader, Method::GET, "/scim/v2/Groups", None).await;
    assert_scim_error(&r, 403);
    // Root .search leaves out the types the caller may not query.
    let r = call(
        &s,
        reader,
        Method::POST,
        "/scim/v2/.search",
        Some(json!({"schemas": [SEARCH]})),
    )
    .await;
    assert_eq!(r.status, 200);
    // Discovery needs authentication only.
    let r = call(&s, reader, Method::GET, "/scim/v2/Schemas", None).await;
    assert_eq!(r.status, 200);
    let r = call(&s, None, Method::GET, "/scim/v2/Schemas", None).await;
    assert_eq!(r.status, 401);
    // Every right.
    let admin = Some("Bearer admin");
    let r = call(&s, admin, Method::POST, "/scim/v2/Users", Some(user("x"))).await;
    assert_eq!(r.status, 201);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let r = call(
        &s,
        reader,
        Method::DELETE,
        &format!("/scim/v2/Users/{id}"),
        None,
    )
    .await;
    assert_scim_error(&r, 403);
    let r = call(
        &s,
        reader,
        Method::GET,
        &format!("/scim/v2/Users/{id}"),
        None,
    )
    .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn basic_users_with_every_right_or_scoped_next_to_bearer_tokens() {
    let users = Users::builder()
        .user("all", &hash_password("pw1").unwrap(), "t", [ALL_RIGHTS])
        .user(
            "ro",
            &hash_password("pw2").unwrap(),
            "t",
            ["SCIM:user:query"],
        )
        .build();
    let auth = AnyOf::new()
        .or(StaticBearer::new().token("tok", "t"))
        .or(BasicAuth::new(users));
    let s = server(auth, ScopePolicy::new().scim_operation_scopes(["User"]));
    let r = call(
        &s,
        Some(&basic("all", "pw1")),
        Method::POST,
        "/scim/v2/Users",
        Some(user("u")),
    )
    .await;
    assert_eq!(r.status, 201);
    let r = call(
        &s,
        Some(&basic("ro", "pw2")),
        Method::GET,
        "/scim/v2/Users",
        None,
    )
    .await;
    assert_eq!(r.body["totalResults"], 1);
    let r = call(
        &s,
        Some(&basic("ro", "pw2")),
        Method::POST,
        "/scim/v2/Users",
        Some(user("v")),
    )
    .await;
    assert_scim_error(&r, 403);
    let r = call(
        &s,
        Some(&basic("ro", "bad")),
        Method::GET,
        "/scim/v2/Users",
        None,
    )
    .await;
    assert_scim_error(&r, 401);
    let challenge = r.headers["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.contains("Bearer") && challenge.contains("Basic"),
        "{challenge}"
    );
    let r = call(
        &s,
        Some(&bearer("tok")),
        Method::GET,
        "/scim/v2/Users",
        None,
    )
    .await;
    assert_eq!(r.body["totalResults"], 1);
    let r = call(
        &s,
        Some(&bearer("tok")),
        Method::GET,
        "/scim/v2/ServiceProviderConfig",
        None,
    )
    .await;
    let schemes: Vec<&str> = r.body["authenticationSchemes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["type"].as_str().unwrap())
        .collect();
    assert_eq!(schemes, ["oauthbearertoken", "httpbasic"]);
}

// ---------------------------------------------------------------- schema scopes

#[tokio::test]
async fn schema_scopes_hide_refuse_and_keep_invisible_attributes() {
    let auth = StaticBearer::new()
        .token("admin", "t")
        .token_with_scopes("core", "t", ["core"])
        .token_with_scopes("dept", "t", ["core", "dept"]);
    let policy = ScopePolicy::new()
        .schema_scope("core", CORE)
        .schema_scope("dept", format!("{ENT}:department"));
    let s = server(auth, policy);
    let admin = Some("Bearer admin");
    let core = Some("Bearer core");
    let dept = Some("Bearer dept");
    let r = call(
        &s,
        admin,
        Method::POST,
        "/scim/v2/Users",
        Some(user("bjensen")),
    )
    .await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    let item = format!("/scim/v2/Users/{id}");

    // Absent from responses.
    let r = call(&s, core, Method::GET, &item, None).await;
    assert_eq!(r.status, 200);
    assert!(r.body.get(ENT).is_none(), "{}", r.body);
    assert_eq!(r.body["schemas"], json!([CORE]));
    assert_eq!(r.body["userName"], "bjensen");
    let r = call(&s, dept, Method::GET, &item, None).await;
    assert_eq!(r.body[ENT], json!({"department": "R&D"}));
    let r = call(&s, core, Method::GET, "/scim/v2/Users", None).await;
    assert!(r.body["Resources"][0].get(ENT).is_none());

    // Absent from discovery: no schema it sees nothing of, only the attributes it sees.
    let urns = |r: &Resp| -> Vec<String> {
        r.body["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let r = call(&s, core, Method::GET, "/scim/v2/Schemas", None).await;
    assert_eq!(urns(&r), [CORE], "{}", r.body);
    let r = call(
        &s,
        core,
        Method::GET,
        &format!("/scim/v2/Schemas/{ENT}"),
        None,
    )
    .await;
    assert_scim_error(&r, 404);
    let r = call(
        &s,
        dept,
        Method::GET,
        &format!("/scim/v2/Schemas/{ENT}"),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let names: Vec<&str> = r.body["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["department"]);
    let r = call(&s, core, Method::GET, "/scim/v2/ResourceTypes/User", None).await;
    assert!(
        r.body["schemaExtensions"]
            .as_array()
            .is_none_or(Vec::is_empty),
        "{}",
        r.body
    );
    let r = call(&s, dept, Method::GET, "/scim/v2/ResourceTypes/User", None).await;
    assert_eq!(r.body["schemaExtensions"][0]["schema"], ENT);
    let r = call(&s, admin, Method::GET, "/scim/v2/Schemas", None).await;
    assert_eq!(urns(&r).len(), 3, "{}", r.body);

    // Absent from filter evaluation: an unknown attribute.
    let f = format!("/scim/v2/Users?filter={ENT}:employeeNumber%20eq%20%2242%22");
    let r = call(&s, core, Method::GET, &f, None).await;
    assert_scim_error(&r, 400);
    assert_eq!(r.body["scimType"], "invalidFilter");
    let r = call(&s, dept, Method::GET, &f, None).await;
    assert_eq!(r.body["scimType"], "invalidFilter");
    let f = format!("/scim/v2/Users?filter={ENT}:department%20eq%20%22R%26D%22");
    let r = call(&s, dept, Method::GET, &f, None).await;
    assert_eq!(r.body["totalResults"], 1, "{}", r.body);
    let r = call(&s, admin, Method::GET, "/scim/v2/Users?sortBy=title", None).await;
    assert_eq!(r.status, 200);
    let r = call(&s, dept, Method::GET, "/scim/v2/Users?sortBy=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", None).await;
    assert_scim_error(&r, 400);
    // Root .search: a type whose attribute is invisible matches nothing, as for unknown ones.
    let search = json!({"schemas": [SEARCH], "filter": format!("{ENT}:employeeNumber eq \"42\"")});
    let r = call(&s, core, Method::POST, "/scim/v2/.search", Some(search)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["totalResults"], 0);

    // Writing them is 403.
    let r = call(
        &s,
        core,
        Method::POST,
        "/scim/v2/Users",
        Some(user("other")),
    )
    .await;
    assert_scim_error(&r, 403);
    let r = call(&s, core, Method::PUT, &item, Some(user("bjensen"))).await;
    assert_scim_error(&r, 403);
    let p = patch(Some(&format!("{ENT}:employeeNumber")), json!("7"));
    let r = call(&s, dept, Method::PATCH, &item, Some(p)).await;
    assert_scim_error(&r, 403);
    let p = patch(None, json!({ENT: {"employeeNumber": "7"}}));
    let r = call(&s, dept, Method::PATCH, &item, Some(p)).await;
    assert_scim_error(&r, 403);
    let p = patch(Some(&format!("{ENT}:department")), json!("Sales"));
    let r = call(&s, dept, Method::PATCH, &item, Some(p)).await;
    assert_eq!(r.status, 200, "{}", r.body);

    // A PUT keeps what the caller cannot see.
    let put = json!({"schemas": [CORE], "userName": "bjensen", "title": "lead"});
    let r = call(&s, core, Method::PUT, &item, Some(put)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.get(ENT).is_none());
    let r = call(&s, admin, Method::GET, &item, None).await;
    assert_eq!(r.body["title"], "lead");
    assert_eq!(
        r.body[ENT],
        json!({"department": "Sales", "employeeNumber": "42"})
    );
    let put = json!({"schemas": [CORE, ENT], "userName": "bjensen", ENT: {"department": "Ops"}});
    let r = call(&s, dept, Method::PUT, &item, Some(put)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = call(&s, admin, Method::GET, &item, None).await;
    assert_eq!(
        r.body[ENT],
        json!({"department": "Ops", "employeeNumber": "42"})
    );
    assert!(
        r.body.get("title").is_none(),
        "the core-visible caller removed title"
    );
}

// ---------------------------------------------------------------- mandatory filters

#[tokio::test]
async fn mandatory_filters_narrow_queries_and_writes() {
    let auth =
        StaticBearer::new()
            .token("admin", "t")
            .token_with_scopes("emea", "t", ["segment:emea"]);
    let policy =
        ScopePolicy::new().mandatory_filter(Some("segment:emea"), "User", "title eq \"emea\"");
    let s = server(auth, policy);
    let admin = Some("Bearer admin");
    let emea = Some("Bearer emea");
    let mut ids = Vec::new();
    for (name, title) in [("a", "emea"), ("b", "us"), ("c", "emea")] {
        let mut u = user(name);
        u["title"] = json!(title);
        let r = call(&s, admin, Method::POST, "/scim/v2/Users", Some(u)).await;
        ids.push(r.body["id"].as_str().unwrap().to_owned());
    }
    let r = call(&s, emea, Method::GET, "/scim/v2/Users", None).await;
    assert_eq!(r.body["totalResults"], 2);
    let r = call(
        &s,
        emea,
        Method::GET,
        "/scim/v2/Users?filter=userName%20eq%20%22b%22",
        None,
    )
    .await;
    assert_eq!(r.body["totalResults"], 0);
    let r = call(
        &s,
        emea,
        Method::POST,
        "/scim/v2/.search",
        Some(json!({"schemas": [SEARCH]})),
    )
    .await;
    assert_eq!(r.body["totalResults"], 2);
    let r = call(&s, admin, Method::GET, "/scim/v2/Users", None).await;
    assert_eq!(r.body["totalResults"], 3);

    // Outside the filter: as if absent.
    let outside = format!("/scim/v2/Users/{}", ids[1]);
    assert_scim_error(&call(&s, emea, Method::GET, &outside, None).await, 404);
    assert_scim_error(
        &call(&s, emea, Method::PUT, &outside, Some(user("b"))).await,
        404,
    );
    let p = patch(Some("displayName"), json!("x"));
    assert_scim_error(&call(&s, emea, Method::PATCH, &outside, Some(p)).await, 404);
    assert_scim_error(&call(&s, emea, Method::DELETE, &outside, None).await, 404);
    assert_eq!(
        call(&s, admin, Method::GET, &outside, None).await.status,
        200
    );

    // Creating or moving a resource outside it: 403.
    let mut u = user("d");
    u["title"] = json!("us");
    assert_scim_error(
        &call(&s, emea, Method::POST, "/scim/v2/Users", Some(u)).await,
        403,
    );
    let mut u = user("d");
    u["title"] = json!("emea");
    assert_eq!(
        call(&s, emea, Method::POST, "/scim/v2/Users", Some(u))
            .await
            .status,
        201
    );
    let inside = format!("/scim/v2/Users/{}", ids[0]);
    let p = patch(Some("title"), json!("us"));
    assert_scim_error(&call(&s, emea, Method::PATCH, &inside, Some(p)).await, 403);
    let mut u = user("a");
    u["title"] = json!("us");
    assert_scim_error(&call(&s, emea, Method::PUT, &inside, Some(u)).await, 403);
    let r = call(&s, admin, Method::GET, &inside, None).await;
    assert_eq!(r.body["title"], "emea");
    let p = patch(Some("displayName"), json!("Anna"));
    assert_eq!(
        call(&s, emea, Method::PATCH, &inside, Some(p)).await.status,
        200
    );
    assert_eq!(
        call(&s, emea, Method::DELETE, &inside, None).await.status,
        204
    );
}

/// Member adds and removes are deltas in stores with a membership table; a mandatory filter
/// on groups still holds for them: a group outside it is absent to the caller, and unchanged.
async fn member_deltas_respect_mandatory_filters(
    name: &str,
    config: ServerConfig,
    store: impl ResourceStore + 'static,
    user: Value,
    groups: [&str; 2],
) {
    let auth = StaticBearer::new().token("admin", "t").token_with_scopes(
        "emea",
        "t",
        ["segment:emea", ALL_RIGHTS],
    );
    let policy = ScopePolicy::new().mandatory_filter(
        Some("segment:emea"),
        "Group",
        "displayName sw \"emea\"",
    );
    let base = config.base_path.clone();
    let s = ScimServer::builder(config, store, auth)
        .authorizer(policy)
        .build()
        .unwrap();
    let admin = Some("Bearer admin");
    let emea = Some("Bearer emea");
    let u = call(
        &s,
        admin,
        Method::POST,
        &format!("{base}/Users"),
        Some(user),
    )
    .await;
    assert_eq!(u.status, 201, "{name}: {}", u.body);
    let uid = u.body["id"].as_str().unwrap().to_owned();
    let add = json!({"schemas": [PATCH], "Operations": [
        {"op": "add", "path": "members", "value": [{"value": uid}]}]});
    let remove = json!({"schemas": [PATCH], "Operations": [
        {"op": "remove", "path": format!("members[value eq \"{uid}\"]")}]});
    let [inside, outside] = groups.map(|id| format!("{base}/Groups/{id}"));
    // Outside: as if absent, and nothing changes.
    let r = call(&s, emea, Method::PATCH, &outside, Some(add.clone())).await;
    assert_scim_error(&r, 404);
    let r = call(&s, admin, Method::GET, &outside, None).await;
    assert!(
        r.body["members"].as_array().is_none_or(Vec::is_empty),
        "{name}: {}",
        r.body
    );
    let r = call(&s, admin, Method::PATCH, &outside, Some(add.clone())).await;
    assert_eq!(r.status, 200, "{name}: {}", r.body);
    let r = call(&s, emea, Method::PATCH, &outside, Some(remove.clone())).await;
    assert_scim_error(&r, 404);
    let r = call(&s, admin, Method::GET, &outside, None).await;
    assert_eq!(r.body["members"][0]["value"], uid.as_str(), "{name}");
    // Inside: both work.
    let r = call(&s, emea, Method::PATCH, &inside, Some(add)).await;
    assert_eq!(r.status, 200, "{name}: {}", r.body);
    assert_eq!(r.body["members"][0]["value"], uid.as_str(), "{name}");
    let r = call(&s, emea, Method::PATCH, &inside, Some(remove)).await;
    assert_eq!(r.status, 200, "{name}: {}", r.body);
}

/// Creates the two groups (`emea staff` inside the filter, `us staff` outside) in `store`.
async fn two_groups(store: &dyn ResourceStore, registry: &SchemaRegistry) -> [String; 2] {
    let seeded =
        scim_server::presets::seed_groups(store, registry, "t", &["emea staff", "us staff"])
            .await
            .unwrap();
    [seeded[0].1.clone(), seeded[1].1.clone()]
}

#[tokio::test]
async fn mandatory_filters_hold_for_member_patches_in_memory() {
    let config = ServerConfig::standard();
    let store = MemoryStore::new(config.registry.clone());
    let ids = two_groups(&store, &config.registry).await;
    let ids = [ids[0].as_str(), ids[1].as_str()];
    member_deltas_respect_mandatory_filters("memory", config, store, user("m"), ids).await;
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mandatory_filters_hold_for_member_deltas_in_sqlite() {
    let dir = std::env::temp_dir().join("scim-auth-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("deltas-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let config = ServerConfig::standard();
    let store = scim_server::store::SqliteStore::open(&path, config.registry.clone()).unwrap();
    let ids = two_groups(&store, &config.registry).await;
    let ids = [ids[0].as_str(), ids[1].as_str()];
    member_deltas_respect_mandatory_filters("sqlite", config, store, user("m"), ids).await;
    let _ = std::fs::remove_file(&path);
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mandatory_filters_hold_for_member_deltas_in_the_case_management_tables() {
    use scim_server::presets::case_management::{CaseStore, config};
    let config = config();
    let store = CaseStore::open_in_memory(config.registry.clone()).unwrap();
    let ids = store
        .seed_profiles("t", &["emea staff", "us staff"])
        .await
        .unwrap();
    let user = json!({"schemas": [CORE], "userName": "m"});
    let ids = [ids[0].as_str(), ids[1].as_str()];
    member_deltas_respect_mandatory_filters("case tables", config, store, user, ids).await;
}

// ---------------------------------------------------------------- token endpoint

#[cfg(feature = "oauth")]
mod oauth {
    use super::*;
    use scim_server::auth::{ManualClock, TokenService};

    struct Setup {
        server: ScimServer,
        clock: ManualClock,
    }

    fn setup() -> Setup {
        let clock = ManualClock::at(1_000_000);
        let users = Users::builder()
            .user("sync", &hash_password("pw").unwrap(), "acme", [ALL_RIGHTS])
            .user(
                "other",
                &hash_password("pw").unwrap(),
                "globex",
                [ALL_RIGHTS],
            )
            .clock(clock.clone())
            .build();
        let tokens = TokenService::builder(users)
            .client(
                "conn",
                &hash_password("secret").unwrap(),
                ["acme", "globex"],
            )
            .client("narrow", &hash_password("secret").unwrap(), ["acme"])
            .access_ttl(10)
            .refresh_ttl(100)
            .clock(clock.clone())
            .build();
        let config = ServerConfig::standard();
        let store = MemoryStore::new(config.registry.clone());
        let server = ScimServer::builder(config, store, tokens.clone())
            .token_endpoint(tokens)
            .build()
            .unwrap();
        Setup { server, clock }
    }

    async fn token(s: &ScimServer, client: Option<&str>, form: &str) -> Resp {
        let mut b = Request::post("/connect/token")
            .header("content-type", "application/x-www-form-urlencoded");
        if let Some(c) = client {
            b = b.header("authorization", c);
        }
        let (parts, body) = s
            .handle(b.body(Bytes::from(form.to_owned())).unwrap())
            .await
            .into_parts();
        Resp {
            status: parts.status,
            headers: parts.headers,
            body: serde_json::from_slice(&body).unwrap(),
        }
    }

    #[tokio::test]
    async fn a_token_carries_the_scope_asked_for_and_never_more() {
        let users = Users::builder()
            .user("sync", &hash_password("pw").unwrap(), "acme", [ALL_RIGHTS])
            .user(
                "reader",
                &hash_password("pw").unwrap(),
                "acme",
                ["SCIM:user:get", "SCIM:user:query"],
            )
            .build();
        let tokens = TokenService::builder(users)
            .client("conn", &hash_password("secret").unwrap(), ["acme"])
            .build();
        let config = ServerConfig::standard();
        let store = MemoryStore::new(config.registry.clone());
        let s = ScimServer::builder(config, store, tokens.clone())
            .token_endpoint(tokens)
            .authorizer(ScopePolicy::new().scim_operation_scopes(["User", "Group"]))
            .build()
            .unwrap();
        let client = basic("conn", "secret");

        // Without `scope`: every right of the user.
        let r = token(
            &s,
            Some(&client),
            "grant_type=password&username=sync&password=pw",
        )
        .await;
        assert_eq!((r.status.as_u16(), &r.body["scope"]), (200, &json!("*")));
        let all = bearer(r.body["access_token"].as_str().unwrap());
        let r = call(
            &s,
            Some(&all),
            Method::POST,
            "/scim/v2/Users",
            Some(user("a")),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.body);

        // Narrowed at login: reads only.
        let r = token(
            &s,
            Some(&client),
            "grant_type=password&username=sync&password=pw&scope=SCIM%3Auser%3Aget+SCIM%3Auser%3Aquery",
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["scope"], "SCIM:user:get SCIM:user:query");
        let read = bearer(r.body["access_token"].as_str().unwrap());
        let refresh = r.body["refresh_token"].as_str().unwrap().to_owned();
        let r = call(&s, Some(&read), Method::GET, "/scim/v2/Users", None).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = call(
            &s,
            Some(&read),
            Method::POST,
            "/scim/v2/Users",
            Some(user("b")),
        )
        .await;
        assert_scim_error(&r, 403);

        // A refresh may narrow further, never widen.
        let form = format!("grant_type=refresh_token&refresh_token={refresh}&scope=SCIM:user:post");
        let r = token(&s, Some(&client), &form).await;
        assert_eq!(
            (r.status.as_u16(), &r.body["error"]),
            (400, &json!("invalid_scope"))
        );
        let form = format!("grant_type=refresh_token&refresh_token={refresh}&scope=SCIM:user:get");
        let r = token(&s, Some(&client), &form).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["scope"], "SCIM:user:get");

        // A user cannot ask for a scope it does not hold.
        let r = token(
            &s,
            Some(&client),
            "grant_type=password&username=reader&password=pw&scope=SCIM:user:delete",
        )
        .await;
        assert_eq!(
            (r.status.as_u16(), &r.body["error"]),
            (400, &json!("invalid_scope"))
        );
    }

    #[tokio::test]
    async fn password_grant_refresh_rotation_reuse_and_expiry() {
        let Setup { server: s, clock } = setup();
        let client = basic("conn", "secret");
        let r = token(
            &s,
            Some(&client),
            "grant_type=password&username=sync&password=pw",
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.headers["cache-control"], "no-store");
        assert_eq!(r.body["token_type"], "Bearer");
        assert_eq!(r.body["expires_in"], 10);
        let access = r.body["access_token"].as_str().unwrap().to_owned();
        let refresh = r.body["refresh_token"].as_str().unwrap().to_owned();

        let r = call(
            &s,
            Some(&bearer(&access)),
            Method::POST,
            "/scim/v2/Users",
            Some(user("u")),
        )
        .await;
        assert_eq!(r.status, 201);

        // Expired access token: 401 with a challenge.
        clock.advance(11);
        let r = call(
            &s,
            Some(&bearer(&access)),
            Method::GET,
            "/scim/v2/Users",
            None,
        )
        .await;
        assert_scim_error(&r, 401);
        assert!(r.headers.contains_key("www-authenticate"));

        // Refresh (client credentials in the form this time): a new pair.
        let form = format!(
            "grant_type=refresh_token&refresh_token={refresh}&client_id=conn&client_secret=secret"
        );
        let r = token(&s, None, &form).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let access2 = r.body["access_token"].as_str().unwrap().to_owned();
        let refresh2 = r.body["refresh_token"].as_str().unwrap().to_owned();
        assert_ne!(refresh, refresh2);
        let r = call(
            &s,
            Some(&bearer(&access2)),
            Method::GET,
            "/scim/v2/Users",
            None,
        )
        .await;
        assert_eq!(r.body["totalResults"], 1, "same tenant as the login");

        // Reuse of a rotated refresh token is refused, and ends the login.
        let r = token(&s, None, &form).await;
        assert_eq!(r.status, 400);
        assert_eq!(r.body["error"], "invalid_grant");
        let r = call(
            &s,
            Some(&bearer(&access2)),
            Method::GET,
            "/scim/v2/Users",
            None,
        )
        .await;
        assert_eq!(r.status, 401);
        let form2 = format!("grant_type=refresh_token&refresh_token={refresh2}");
        let r = token(&s, Some(&client), &form2).await;
        assert_eq!(r.body["error"], "invalid_grant");

        // An expired refresh token is refused.
        let r = token(
            &s,
            Some(&client),
            "grant_type=password&username=sync&password=pw",
        )
        .await;
        let refresh3 = r.body["refresh_token"].as_str().unwrap().to_owned();
        clock.advance(101);
        let r = token(
            &s,
            Some(&client),
            &format!("grant_type=refresh_token&refresh_token={refresh3}"),
        )
        .await;
        assert_eq!(r.body["error"], "invalid_grant");
    }

    #[tokio::test]
    async fn rfc6749_errors_and_tenants_per_client() {
        let Setup { server: s, .. } = setup();
        let r = token(
            &s,
            Some(&basic("conn", "wrong")),
            "grant_type=password&username=sync&password=pw",
        )
        .await;
        assert_eq!(r.status, 401);
        assert_eq!(r.body["error"], "invalid_client");
        assert!(r.headers.contains_key("www-authenticate"));
        let r = token(&s, None, "grant_type=password&username=sync&password=pw").await;
        assert_eq!(r.body["error"], "invalid_client");
        let client = basic("conn", "secret");
        let r = token(
            &s,
            Some(&client),
            "grant_type=password&username=sync&password=nope",
        )
        .await;
        assert_eq!(
            (r.status.as_u16(), r.body["error"].as_str()),
            (400, Some("invalid_grant"))
        );
        let r = token(&s, Some(&client), "grant_type=client_credentials").await;
        assert_eq!(r.body["error"], "unsupported_grant_type");
        let r = token(&s, Some(&client), "grant_type=password&username=sync").await;
        assert_eq!(r.body["error"], "invalid_request");
        let r = token(
            &s,
            Some(&client),
            "grant_type=refresh_token&refresh_token=made-up",
        )
        .await;
        assert_eq!(r.body["error"], "invalid_grant");

        // One client, two tenants.
        let r = token(
            &s,
            Some(&client),
            "grant_type=password&username=other&password=pw",
        )
        .await;
        let globex = r.body["access_token"].as_str().unwrap().to_owned();
        let r = token(
            &s,
            Some(&client),
            "grant_type=password&username=sync&password=pw",
        )
        .await;
        let acme = r.body["access_token"].as_str().unwrap().to_owned();
        let r = call(
            &s,
            Some(&bearer(&acme)),
            Method::POST,
            "/scim/v2/Users",
            Some(user("u")),
        )
        .await;
        assert_eq!(r.status, 201);
        let r = call(
            &s,
            Some(&bearer(&globex)),
            Method::GET,
            "/scim/v2/Users",
            None,
        )
        .await;
        assert_eq!(r.body["totalResults"], 0);
        // A client limited to one tenant cannot log in another's users.
        let r = token(
            &s,
            Some(&basic("narrow", "secret")),
            "grant_type=password&username=other&password=pw",
        )
        .await;
        assert_eq!(r.body["error"], "invalid_grant");
        // An access token is not a refresh token.
        let r = token(
            &s,
            Some(&client),
            &format!("grant_type=refresh_token&refresh_token={acme}"),
        )
        .await;
        assert_eq!(r.body["error"], "invalid_grant");
    }
}
