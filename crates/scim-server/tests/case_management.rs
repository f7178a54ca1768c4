//! The case-management preset: its store against the store contract and the filter
//! evaluator, and the whole engine over it, in-process.
#![cfg(feature = "sqlite")]

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use scim_core::SchemaRegistry;
use scim_core::ScimError;
use scim_core::message::{PatchOpKind, PatchOperation};
use scim_filter::CompiledFilter;
use scim_server::ScimServer;
use scim_server::auth::AllowAll;
use scim_server::presets::case_management::{CaseStore, config};
use scim_server::store::contract::{self, Supports};
use scim_server::store::{
    ListRequest, Patcher, Precondition, RequestContext, ResourceStore, StoreError,
};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;

// ---------------------------------------------------------------------------------------
// The store

/// What the app's tables keep, for the contract: users' extra attribute is `displayName`,
/// members are existing users, profile names are unique.
fn supports() -> Supports {
    Supports::ALL
        .extra_attribute("displayName")
        .existing_members_only()
        .unique_group_names()
}

fn temp_db() -> PathBuf {
    let dir = std::env::temp_dir().join("scim-case-management-tests");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{}.db", uuid::Uuid::new_v4()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_contract_holds_in_memory() {
    contract::run_with(|r| CaseStore::open_in_memory(r).unwrap(), supports()).await;
}

#[tokio::test]
async fn store_contract_holds_in_a_file_on_a_current_thread_runtime() {
    contract::run_with(|r| CaseStore::open(temp_db(), r).unwrap(), supports()).await;
}

fn all() -> ListRequest<'static> {
    ListRequest {
        filter: None,
        sort: None,
        start_index: 1,
        count: usize::MAX,
    }
}

/// Every filter answers exactly what the filter evaluator answers on the same resources.
#[tokio::test]
async fn sql_filters_agree_with_the_evaluator() {
    let config = config();
    let registry = config.registry.clone();
    let store = CaseStore::open_in_memory(registry.clone()).unwrap();
    let users = registry.resource_type("User").unwrap();
    let groups = registry.resource_type("Group").unwrap();
    let ctx = RequestContext::tenant("t");
    let bodies = [
        json!({"userName": "ann", "name": {"givenName": "Ann", "familyName": "Lee"},
               "emails": [{"value": "Ann@X.org", "type": "work", "primary": true}],
               "externalId": "A-1"}),
        json!({"userName": "Åsa", "name": {"givenName": "Åsa"}, "active": false,
               "displayName": "Åsa Ödman", "emails": [{"value": "asa@y.org"}]}),
        json!({"userName": "bob", "name": {"familyName": "ANN"}, "displayName": ""}),
        json!({"userName": "carl", "externalId": "a-1", "emails": [{"value": "c@x.org", "type": "home"}]}),
    ];
    let mut ids = Vec::new();
    for b in bodies {
        ids.push(store.create(&ctx, users, b).await.unwrap().id);
    }
    let p = store
        .seed_profiles("t", &["Clerks", "Judges"])
        .await
        .unwrap();
    let add = |who: &[&String]| {
        let members: Vec<Value> = who.iter().map(|id| json!({"value": id})).collect();
        move |v: &mut Value| {
            v["members"] = json!(members.clone());
            Ok(true)
        }
    };
    store
        .patch(
            &ctx,
            groups,
            &p[0],
            &add(&[&ids[0], &ids[1]]),
            Precondition::None,
        )
        .await
        .unwrap();
    store
        .patch(&ctx, groups, &p[1], &add(&[&ids[1]]), Precondition::None)
        .await
        .unwrap();
    let everyone: Vec<Value> = store
        .list(&ctx, users, &all())
        .await
        .unwrap()
        .resources
        .into_iter()
        .map(|r| std::sync::Arc::unwrap_or_clone(r.resource))
        .collect();
    let profiles: Vec<Value> = store
        .list(&ctx, groups, &all())
        .await
        .unwrap()
        .resources
        .into_iter()
        .map(|r| std::sync::Arc::unwrap_or_clone(r.resource))
        .collect();
    let check = |rt: &str, text: &str, got: Vec<Value>| {
        let rt = registry.resource_type(rt).unwrap();
        let f = CompiledFilter::parse_and_compile(text, &registry, rt).unwrap();
        let pool = if rt.name == "User" {
            &everyone
        } else {
            &profiles
        };
        let want: Vec<&Value> = pool.iter().filter(|r| f.matches(r).unwrap()).collect();
        let got: Vec<&Value> = got.iter().collect();
        assert_eq!(got, want, "{text}");
        want.len()
    };
    let user_filters = [
        r#"userName eq "ANN""#,
        r#"userName eq "åsa""#,
        r#"userName ne "ann""#,
        r#"userName sw "A""#,
        r#"userName ew "N""#,
        r#"userName co """#,
        r#"userName ew """#,
        r#"userName gt "b""#,
        r#"userName le "bob""#,
        r#"name.givenName eq "ann" or name.familyName eq "ann""#,
        r#"name.givenName pr"#,
        r#"name.familyName eq null"#,
        r#"not (name.givenName sw "a")"#,
        r#"displayName pr"#,
        r#"displayName ne "x""#,
        r#"displayName eq """#,
        r#"active eq true"#,
        r#"active ne true"#,
        r#"externalId eq "A-1""#,
        r#"externalId ne "A-1""#,
        r#"emails eq "ann@x.org""#,
        r#"emails.value ew "x.org""#,
        r#"emails.type ne "work""#,
        r#"emails.type eq null"#,
        r#"emails pr"#,
        r#"emails[type eq "work" and primary eq true]"#,
        r#"emails[type eq "work" or value co "Y"]"#,
        r#"not (emails[primary eq true])"#,
        r#"emails.primary eq false"#,
        r#"groups.display eq "clerks""#,
        r#"groups[display eq "Judges"]"#,
        r#"not (groups pr)"#,
        r#"groups.value ne "x""#,
        r#"meta.created gt "2000-01-01T00:00:00Z""#,
        r#"meta.lastModified lt "2000-01-01T00:00:00Z""#,
        r#"meta.created sw "2""#,
        r#"id pr and not (userName eq "bob")"#,
    ];
    let mut matched = 0;
    for text in user_filters {
        let rt = registry.resource_type("User").unwrap();
        let f = CompiledFilter::parse_and_compile(text, &registry, rt).unwrap();
        let req = ListRequest {
            filter: Some(&f),
            ..all()
        };
        let got = store.list(&ctx, users, &req).await.unwrap().resources;
        matched += check(
            "User",
            text,
            got.into_iter()
                .map(|r| std::sync::Arc::unwrap_or_clone(r.resource))
                .collect(),
        );
    }
    assert!(matched > 30, "the filters are not all empty: {matched}");
    let id_filter = format!(r#"members[value eq "{}"]"#, ids[1].to_uppercase());
    for text in [
        r#"displayName eq "CLERKS""#,
        r#"displayName sw "j""#,
        r#"members pr"#,
        r#"members.display eq "ann""#,
        id_filter.as_str(),
    ] {
        let f = CompiledFilter::parse_and_compile(text, &registry, groups).unwrap();
        let req = ListRequest {
            filter: Some(&f),
            ..all()
        };
        let got = store.list(&ctx, groups, &req).await.unwrap().resources;
        check(
            "Group",
            text,
            got.into_iter()
                .map(|r| std::sync::Arc::unwrap_or_clone(r.resource))
                .collect(),
        );
    }
}

#[tokio::test]
async fn sorting_and_paging_happen_in_sql() {
    let registry = config().registry;
    let store = CaseStore::open_in_memory(registry.clone()).unwrap();
    let users = registry.resource_type("User").unwrap();
    let ctx = RequestContext::tenant("t");
    for (name, given) in [
        ("u1", Some("bo")),
        ("u2", None),
        ("u3", Some("Al")),
        ("u4", Some("ál")),
    ] {
        let mut body = json!({"userName": name});
        if let Some(g) = given {
            body["name"] = json!({"givenName": g});
        }
        store.create(&ctx, users, body).await.unwrap();
    }
    let path = scim_filter::parse_attr_path("name.givenName").unwrap();
    let key = scim_filter::SortKey::compile(&path, &registry, users).unwrap();
    for (order, want) in [
        (scim_filter::SortOrder::Ascending, ["u3", "u1", "u4", "u2"]),
        (scim_filter::SortOrder::Descending, ["u2", "u4", "u1", "u3"]),
    ] {
        let page = store
            .list(
                &ctx,
                users,
                &ListRequest {
                    sort: Some((&key, order)),
                    ..all()
                },
            )
            .await
            .unwrap();
        let names: Vec<_> = page
            .resources
            .iter()
            .map(|r| r.resource["userName"].clone())
            .collect();
        assert_eq!(names, want.map(Value::from), "{order:?}");
        // The evaluator's comparator orders them the same way.
        let mut sorted: Vec<Value> = page
            .resources
            .iter()
            .map(|r| Value::clone(&r.resource))
            .collect();
        sorted.sort_by(|a, b| key.compare(a, b, order));
        let again: Vec<_> = sorted.iter().map(|r| r["userName"].clone()).collect();
        assert_eq!(again, names);
    }
    let page = store
        .list(
            &ctx,
            users,
            &ListRequest {
                sort: Some((&key, scim_filter::SortOrder::Ascending)),
                start_index: 2,
                count: 2,
                ..all()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.total_results, 4);
    let names: Vec<_> = page
        .resources
        .iter()
        .map(|r| r.resource["userName"].clone())
        .collect();
    assert_eq!(names, [json!("u1"), json!("u4")]);
    let path = scim_filter::parse_attr_path("groups.display").unwrap();
    let key = scim_filter::SortKey::compile(&path, &registry, users).unwrap();
    let err = store
        .list(
            &ctx,
            users,
            &ListRequest {
                sort: Some((&key, scim_filter::SortOrder::Ascending)),
                ..all()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Scim(e) if e.detail().contains("cannot sort by")));
}

/// A PATCH known only by its operations: running it whole is an error, so a success proves
/// the member deltas were applied as link inserts and deletes.
struct DeltasOnly(Vec<PatchOperation>);

impl Patcher for DeltasOnly {
    fn apply(&self, _: &mut Value) -> Result<bool, ScimError> {
        Err(ScimError::new(500, None, "the patch ran whole"))
    }

    fn operations(&self) -> &[PatchOperation] {
        &self.0
    }
}

fn member_op(kind: PatchOpKind, path: &str, value: Option<Value>) -> DeltasOnly {
    DeltasOnly(vec![PatchOperation {
        op: kind,
        path: Some(path.into()),
        value,
    }])
}

#[tokio::test]
async fn member_patches_are_link_deltas() {
    let registry = config().registry;
    let store = CaseStore::open_in_memory(registry.clone()).unwrap();
    let (users, groups) = (
        registry.resource_type("User").unwrap(),
        registry.resource_type("Group").unwrap(),
    );
    let ctx = RequestContext::tenant("t");
    let ann = store
        .create(&ctx, users, json!({"userName": "ann"}))
        .await
        .unwrap();
    let p = store
        .seed_profiles("t", &["Clerks"])
        .await
        .unwrap()
        .remove(0);
    let v0 = store.get(&ctx, groups, &p).await.unwrap().version;

    let add = member_op(
        PatchOpKind::Add,
        "members",
        Some(json!([{"value": ann.id.to_uppercase()}])),
    );
    let stale = store
        .patch(&ctx, groups, &p, &add, Precondition::Version("0"))
        .await;
    assert!(
        matches!(stale, Err(StoreError::VersionMismatch { .. })),
        "{stale:?}"
    );
    let (after, changed) = store
        .patch(&ctx, groups, &p, &add, Precondition::Version(&v0))
        .await
        .unwrap();
    assert!(changed);
    assert_eq!(
        after.resource["members"][0]["value"],
        ann.id.as_str(),
        "ids match in any case"
    );
    let user = store.get(&ctx, users, &ann.id).await.unwrap();
    assert_ne!(user.version, ann.version, "the member is bumped");

    let (again, changed) = store
        .patch(&ctx, groups, &p, &add, Precondition::None)
        .await
        .unwrap();
    assert!(!changed, "adding a member twice changes nothing");
    assert_eq!(again.version, after.version);

    let quiet = RequestContext {
        skip_members: true,
        ..ctx.clone()
    };
    let ghost = member_op(
        PatchOpKind::Add,
        "members",
        Some(json!([{"value": "nobody"}])),
    );
    let err = store
        .patch(&quiet, groups, &p, &ghost, Precondition::None)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Scim(e) if e.detail().contains("no user has id")),
        "{err}"
    );

    let absent = member_op(PatchOpKind::Remove, "members[value eq \"nobody\"]", None);
    let err = store
        .patch(&ctx, groups, &p, &absent, Precondition::None)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("the patch ran whole"),
        "a removal that matches nothing is the engine's to judge: {err}"
    );
    let remove = member_op(
        PatchOpKind::Remove,
        &format!("members[value eq \"{}\"]", ann.id),
        None,
    );
    let (gone, changed) = store
        .patch(&quiet, groups, &p, &remove, Precondition::None)
        .await
        .unwrap();
    assert!(changed && gone.resource.get("members").is_none());
    assert!(
        store
            .get(&ctx, users, &ann.id)
            .await
            .unwrap()
            .resource
            .get("groups")
            .is_none()
    );
}

#[tokio::test]
async fn profiles_are_seeded_once_by_name() {
    let registry = config().registry;
    let store = CaseStore::open_in_memory(registry.clone()).unwrap();
    let first = store
        .seed_profiles("t", &["Clerks", "Judges"])
        .await
        .unwrap();
    let again = store
        .seed_profiles("t", &["JUDGES", "Clerks", "Admins", "admins"])
        .await
        .unwrap();
    assert_eq!(again[0], first[1]);
    assert_eq!(again[1], first[0]);
    assert_eq!(
        again[2], again[3],
        "a name repeated in one call is one profile"
    );
    let groups = registry.resource_type("Group").unwrap();
    let ctx = RequestContext::tenant("t");
    let judges = store.get(&ctx, groups, &first[1]).await.unwrap();
    assert_eq!(
        judges.resource["displayName"], "Judges",
        "the existing spelling is kept"
    );
    let other = store.seed_profiles("u", &["Clerks"]).await.unwrap();
    assert_ne!(other[0], first[0], "tenants have their own profiles");
    assert!(store.seed_profiles("t", &[""]).await.is_err());
}

#[tokio::test]
async fn data_survives_reopening_the_file() {
    let path = temp_db();
    let registry = config().registry;
    let users = registry.resource_type("User").unwrap().clone();
    let groups = registry.resource_type("Group").unwrap().clone();
    let ctx = RequestContext::tenant("t");
    let (u, p) = {
        let store = CaseStore::open(&path, registry.clone()).unwrap();
        assert_eq!(store.path(), Some(path.as_path()));
        let u = store
            .create(&ctx, &users, json!({"userName": "keep"}))
            .await
            .unwrap();
        let p = store
            .seed_profiles("t", &["Clerks"])
            .await
            .unwrap()
            .remove(0);
        let add = |v: &mut Value| {
            v["members"] = json!([{"value": u.id}]);
            Ok(true)
        };
        store
            .patch(&ctx, &groups, &p, &add, Precondition::None)
            .await
            .unwrap();
        (u, p)
    };
    let store = CaseStore::open(&path, registry.clone()).unwrap();
    let back = store.get(&ctx, &users, &u.id).await.unwrap();
    assert_eq!(back.resource["groups"][0]["value"], p.as_str());
    assert_eq!(store.seed_profiles("t", &["clerks"]).await.unwrap(), [p]);
}

#[test]
fn the_store_needs_users_and_groups_in_its_registry() {
    let registry = SchemaRegistry::builder()
        .schema(scim_core::schema::builtin::user())
        .resource_type(scim_core::ResourceType::new(
            "User",
            "/Users",
            scim_core::schema::builtin::USER_URN,
        ))
        .build()
        .unwrap();
    let err = CaseStore::open_in_memory(Arc::new(registry)).unwrap_err();
    assert!(err.to_string().contains("Group"), "{err}");
}

// ---------------------------------------------------------------------------------------
// The engine over it

struct Resp {
    status: StatusCode,
    body: Value,
}

async fn server() -> (ScimServer, Vec<String>) {
    let config = config();
    let store = CaseStore::open_in_memory(config.registry.clone()).unwrap();
    let profiles = store
        .seed_profiles("", &["Case worker", "Supervisor"])
        .await
        .unwrap();
    (ScimServer::new(config, store, AllowAll).unwrap(), profiles)
}

async fn send(s: &ScimServer, method: Method, path: &str, body: Option<Value>) -> Resp {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "cases.example");
    if body.is_some() {
        b = b.header("content-type", "application/scim+json");
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
        body,
    }
}

fn assert_error(r: &Resp, status: u16, scim_type: Option<&str>) {
    assert_eq!(r.status.as_u16(), status, "{}", r.body);
    assert_eq!(r.body["scimType"].as_str(), scim_type, "{}", r.body);
    assert!(r.body["detail"].as_str().is_some_and(|d| !d.is_empty()));
}

fn patch_body(ops: Value) -> Option<Value> {
    Some(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops}))
}

async fn create_user(s: &ScimServer, user_name: &str, given: &str, family: &str) -> Value {
    let r = send(
        s,
        Method::POST,
        "/scim/v2/Users",
        Some(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": user_name,
            "name": {"givenName": given, "familyName": family},
            "emails": [{"value": format!("{user_name}@cases.example"), "type": "work", "primary": true}],
            "active": true
        })),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body
}

fn names(r: &Resp) -> Vec<String> {
    r.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userName"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn users_are_created_and_found_as_connectors_look_them_up() {
    let (s, _) = server().await;
    let ann = create_user(&s, "ann.lee", "Ann", "Lee").await;
    assert_eq!(ann["name"]["formatted"], "Ann Lee", "computed");
    assert_eq!(ann["emails"][0]["primary"], true);
    assert!(
        ann["meta"]["location"]
            .as_str()
            .unwrap()
            .ends_with(ann["id"].as_str().unwrap())
    );
    create_user(&s, "bo.ann", "Bo", "Ann").await;
    create_user(&s, "cy.king", "Cy", "King").await;

    let r = send(
        &s,
        Method::GET,
        "/scim/v2/Users?filter=userName%20eq%20%22ANN.LEE%22",
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["totalResults"], 1);
    assert_eq!(r.body["Resources"][0]["id"], ann["id"]);

    let search = |filter: &str| {
        Some(
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                    "filter": filter, "sortBy": "userName"}),
        )
    };
    let r = send(
        &s,
        Method::POST,
        "/scim/v2/Users/.search",
        search(r#"givenName eq "ann""#),
    )
    .await;
    assert_eq!(names(&r), ["ann.lee"]);
    let r = send(
        &s,
        Method::POST,
        "/scim/v2/Users/.search",
        search(r#"name eq "Ann""#),
    )
    .await;
    assert_eq!(names(&r), ["ann.lee", "bo.ann"], "given or family name");
    let r = send(
        &s,
        Method::POST,
        "/scim/v2/Users/.search",
        search(r#"familyName sw "K""#),
    )
    .await;
    assert_eq!(names(&r), ["cy.king"]);
    let dup = send(
        &s,
        Method::POST,
        "/scim/v2/Users",
        Some(json!({"userName": "Ann.Lee"})),
    )
    .await;
    assert_error(&dup, 409, Some("uniqueness"));
    let cy = send(
        &s,
        Method::GET,
        "/scim/v2/Users?filter=userName%20eq%20%22cy.king%22",
        None,
    )
    .await;
    let cy_id = cy.body["Resources"][0]["id"].as_str().unwrap().to_owned();
    let off = patch_body(json!([{"op": "replace", "path": "active", "value": false}]));
    let r = send(&s, Method::PATCH, &format!("/scim/v2/Users/{cy_id}"), off).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = send(
        &s,
        Method::POST,
        "/scim/v2/Users/.search",
        search("active eq true"),
    )
    .await;
    assert_eq!(names(&r), ["ann.lee", "bo.ann"]);
    let r = send(
        &s,
        Method::POST,
        "/scim/v2/Users/.search",
        search("active eq false"),
    )
    .await;
    assert_eq!(names(&r), ["cy.king"]);

    for filter in [
        r#"title eq "Boss""#,
        r#"nickName pr"#,
        r#"emails.type eq "work""#,
    ] {
        let r = send(&s, Method::POST, "/scim/v2/Users/.search", search(filter)).await;
        assert_error(&r, 400, Some("invalidFilter"));
    }
    let r = send(
        &s,
        Method::GET,
        "/scim/v2/Users?filter=title%20eq%20%22Boss%22",
        None,
    )
    .await;
    assert_error(&r, 400, Some("invalidFilter"));
}

#[tokio::test]
async fn the_one_email_is_patched_and_a_second_is_refused() {
    let (s, _) = server().await;
    let ann = create_user(&s, "ann", "Ann", "Lee").await;
    let path = format!("/scim/v2/Users/{}", ann["id"].as_str().unwrap());
    let r = send(
        &s,
        Method::PATCH,
        &path,
        Some(json!({"Operations": [{"Op": "Replace", "Path": "emails[primary eq true].value", "Value": "new@x"}]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body["emails"],
        json!([{"value": "new@x", "type": "work", "primary": true}])
    );
    assert_ne!(r.body["meta"]["version"], ann["meta"]["version"]);
    let got = send(&s, Method::GET, &path, None).await;
    assert_eq!(got.body["emails"][0]["value"], "new@x");

    let second =
        patch_body(json!([{"op": "add", "path": "emails", "value": [{"value": "two@x"}]}]));
    assert_error(
        &send(&s, Method::PATCH, &path, second).await,
        400,
        Some("invalidValue"),
    );
    let two = json!({"userName": "two", "emails": [{"value": "a@x"}, {"value": "b@x"}]});
    assert_error(
        &send(&s, Method::POST, "/scim/v2/Users", Some(two)).await,
        400,
        Some("invalidValue"),
    );
    let unchanged = send(&s, Method::GET, &path, None).await;
    assert_eq!(unchanged.body, got.body, "a refused PATCH changes nothing");

    let same = patch_body(json!([{"op": "replace", "path": "name.givenName", "value": "Ann"}]));
    let r = send(&s, Method::PATCH, &path, same).await;
    assert_eq!(
        r.body["meta"]["version"], got.body["meta"]["version"],
        "no change, no bump"
    );
    let put = json!({"userName": "ann", "name": {"givenName": "Anne"}, "active": false});
    let r = send(&s, Method::PUT, &path, Some(put)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body["name"],
        json!({"formatted": "Anne", "givenName": "Anne"})
    );
    assert!(r.body.get("emails").is_none(), "PUT replaces");
}

#[tokio::test]
async fn profiles_gain_and_lose_members_by_patch_only() {
    let (s, profiles) = server().await;
    let ann = create_user(&s, "ann", "Ann", "Lee").await;
    let bo = create_user(&s, "bo", "Bo", "Ek").await;
    let (ann_id, bo_id) = (ann["id"].as_str().unwrap(), bo["id"].as_str().unwrap());

    let r = send(
        &s,
        Method::GET,
        "/scim/v2/Groups?filter=displayName%20eq%20%22case%20WORKER%22",
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["totalResults"], 1);
    let worker = r.body["Resources"][0].clone();
    assert_eq!(worker["id"], profiles[0].as_str());
    assert_eq!(worker["displayName"], "Case worker");
    assert!(worker.get("members").is_none());
    let wpath = format!("/scim/v2/Groups/{}", profiles[0]);

    let add = patch_body(
        json!([{"op": "Add", "path": "members", "value": [{"value": ann_id}, {"value": bo_id}]}]),
    );
    let r = send(&s, Method::PATCH, &wpath, add).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body["members"],
        json!([
            {"value": ann_id, "display": "ann", "type": "User"},
            {"value": bo_id, "display": "bo", "type": "User"}
        ])
    );
    let user = send(&s, Method::GET, &format!("/scim/v2/Users/{ann_id}"), None).await;
    assert_eq!(user.body["groups"][0]["value"], profiles[0].as_str());
    assert_eq!(user.body["groups"][0]["display"], "Case worker");
    assert!(
        user.body["groups"][0]["$ref"]
            .as_str()
            .unwrap()
            .ends_with(&profiles[0])
    );

    let remove =
        patch_body(json!([{"op": "Remove", "path": "members", "value": [{"value": ann_id}]}]));
    let r = send(&s, Method::PATCH, &wpath, remove).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body["members"],
        json!([{"value": bo_id, "display": "bo", "type": "User"}])
    );
    let user = send(&s, Method::GET, &format!("/scim/v2/Users/{ann_id}"), None).await;
    assert!(user.body.get("groups").is_none(), "{}", user.body);

    let by_filter =
        patch_body(json!([{"op": "remove", "path": format!("members[value eq \"{bo_id}\"]")}]));
    let r = send(&s, Method::PATCH, &wpath, by_filter.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.get("members").is_none());
    let again = send(&s, Method::PATCH, &wpath, by_filter).await;
    assert_error(&again, 400, Some("noTarget"));

    let ghost =
        patch_body(json!([{"op": "add", "path": "members", "value": [{"value": "no-such-user"}]}]));
    assert_error(
        &send(&s, Method::PATCH, &wpath, ghost).await,
        400,
        Some("invalidValue"),
    );
    let rename = patch_body(json!([{"op": "replace", "path": "displayName", "value": "Boss"}]));
    assert_error(
        &send(&s, Method::PATCH, &wpath, rename).await,
        400,
        Some("mutability"),
    );

    assert_error(
        &send(
            &s,
            Method::POST,
            "/scim/v2/Groups",
            Some(json!({"displayName": "New"})),
        )
        .await,
        405,
        None,
    );
    assert_error(
        &send(&s, Method::PUT, &wpath, Some(json!({"displayName": "New"}))).await,
        405,
        None,
    );
    assert_error(&send(&s, Method::DELETE, &wpath, None).await, 405, None);
    let r = send(&s, Method::GET, "/scim/v2/Groups?filter=members%20pr", None).await;
    assert_error(&r, 400, Some("invalidFilter"));
}

#[tokio::test]
async fn deleting_a_user_takes_it_out_of_its_profiles() {
    let (s, profiles) = server().await;
    let ann = create_user(&s, "ann", "Ann", "Lee").await;
    let ann_id = ann["id"].as_str().unwrap();
    let spath = format!("/scim/v2/Groups/{}", profiles[1]);
    let add = patch_body(json!([{"op": "add", "path": "members", "value": [{"value": ann_id}]}]));
    let before = send(&s, Method::PATCH, &spath, add).await;
    assert_eq!(before.body["members"][0]["value"], ann_id);

    let upath = format!("/scim/v2/Users/{ann_id}");
    let r = send(&s, Method::DELETE, &upath, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_error(&send(&s, Method::GET, &upath, None).await, 404, None);
    let after = send(&s, Method::GET, &spath, None).await;
    assert!(after.body.get("members").is_none(), "{}", after.body);
    assert_ne!(
        after.body["meta"]["version"],
        before.body["meta"]["version"]
    );
}

#[tokio::test]
async fn discovery_tells_what_the_app_keeps() {
    let (s, _) = server().await;
    let r = send(
        &s,
        Method::GET,
        "/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let attrs: Vec<_> = r.body["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        attrs,
        [
            "userName",
            "name",
            "displayName",
            "active",
            "emails",
            "groups"
        ]
    );
    let r = send(&s, Method::GET, "/scim/v2/ResourceTypes/User", None).await;
    assert!(r.body.get("schemaExtensions").is_none(), "{}", r.body);
}
