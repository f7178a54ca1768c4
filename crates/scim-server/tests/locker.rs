//! The locker-system preset through the engine's public API, on the in-memory and the SQLite
//! store: restricted schemas, read-only groups that never show members, memberships written
//! through the user's `groups`, one email, badges, tenants.

use bytes::Bytes;
use http::{Method, Request};
use scim_server::ScimServer;
use scim_server::auth::StaticBearer;
use scim_server::presets::{locker, seed_groups};
use scim_server::store::{MemoryStore, ResourceStore, SqliteStore};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const BADGE_URN: &str = "urn:ietf:params:scim:schemas:extension:badge:2.0:User";

struct Locker {
    server: ScimServer,
    /// Group name → id, per tenant.
    groups: BTreeMap<&'static str, BTreeMap<String, String>>,
}

/// The locker preset on `store`, groups seeded in both companies; token `a` acts in
/// company-a and `b` in company-b.
async fn locker_on(store: impl ResourceStore + 'static) -> Locker {
    let config = locker::config();
    let mut groups = BTreeMap::new();
    for tenant in locker::DEMO_TENANTS {
        let seeded = seed_groups(&store, &config.registry, tenant, locker::SEED_GROUPS)
            .await
            .unwrap();
        groups.insert(*tenant, seeded.into_iter().collect());
    }
    let auth = StaticBearer::new()
        .token("a", "company-a")
        .token("b", "company-b");
    Locker {
        server: ScimServer::new(config, store, auth).unwrap(),
        groups,
    }
}

fn temp_db() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join("scim-sqlite-tests");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("locker-{}.db", uuid::Uuid::new_v4()))
}

async fn stores() -> Vec<(&'static str, Locker)> {
    let registry = locker::config().registry;
    vec![
        (
            "memory",
            locker_on(MemoryStore::new(registry.clone())).await,
        ),
        (
            "sqlite",
            locker_on(SqliteStore::open(temp_db(), registry).unwrap()).await,
        ),
    ]
}

async fn send(
    s: &ScimServer,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "lockers.example")
        .header("authorization", format!("Bearer {token}"));
    if body.is_some() {
        b = b.header("content-type", "application/scim+json");
    }
    let bytes = body.map(|v| Bytes::from(v.to_string())).unwrap_or_default();
    let resp = s.handle(b.body(bytes).unwrap()).await;
    let status = resp.status().as_u16();
    let body = resp.into_body();
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body).unwrap()
    };
    (status, body)
}

fn locker_user(name: &str, groups: &[&str]) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", BADGE_URN],
        "userName": name,
        "name": {"givenName": "Ann", "familyName": "Berg"},
        "active": true,
        "emails": [{"value": format!("{name}@company-a.example"), "primary": true}],
        "groups": groups.iter().map(|g| json!({"value": g})).collect::<Vec<_>>(),
        BADGE_URN: {"badges": [{"value": "B-1001", "display": "Front door"}]}
    })
}

fn group_ids(user: &Value) -> Vec<String> {
    let mut ids: Vec<String> = user["groups"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|g| g["value"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

fn sorted(ids: &[&String]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| (*s).clone()).collect();
    v.sort();
    v
}

#[tokio::test]
async fn discovery_describes_exactly_the_locker_system() {
    for (store, l) in stores().await {
        let s = &l.server;
        let (st, schemas) = send(s, "a", Method::GET, "/api/Schemas", None).await;
        assert_eq!(st, 200, "{store}");
        let ids: Vec<&str> = schemas["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids.len(), 3, "{store}: {ids:?}");
        assert!(ids.contains(&BADGE_URN), "{store}");
        let (_, user) = send(
            s,
            "a",
            Method::GET,
            "/api/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
            None,
        )
        .await;
        let names: Vec<&str> = user["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap())
            .collect();
        let mut sorted_names = names.clone();
        sorted_names.sort_unstable();
        assert_eq!(
            sorted_names,
            ["active", "emails", "groups", "name", "userName"],
            "{store}"
        );

        let groups = user["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == "groups")
            .unwrap();
        assert_eq!(groups["mutability"], "readWrite", "{store}");
        let (_, rts) = send(s, "a", Method::GET, "/api/ResourceTypes/User", None).await;
        assert_eq!(rts["schemaExtensions"][0]["schema"], BADGE_URN, "{store}");
        let (_, spc) = send(s, "a", Method::GET, "/api/ServiceProviderConfig", None).await;
        assert_eq!(spc["bulk"]["supported"], false, "{store}");
        assert_eq!(spc["patch"]["supported"], true, "{store}");
        let (st, _) = send(s, "a", Method::GET, "/scim/v2/Users", None).await;
        assert_eq!(st, 404, "{store}: only /api is served");
    }
}

#[tokio::test]
async fn groups_are_read_only_and_never_show_members() {
    for (store, l) in stores().await {
        let s = &l.server;
        let staff = &l.groups["company-a"]["Staff lockers"];
        let (st, _) = send(
            s,
            "a",
            Method::POST,
            "/api/Users",
            Some(locker_user("ann", &[staff])),
        )
        .await;
        assert_eq!(st, 201, "{store}");
        let (st, g) = send(s, "a", Method::GET, &format!("/api/Groups/{staff}"), None).await;
        assert_eq!(st, 200, "{store}");
        assert_eq!(g["displayName"], "Staff lockers", "{store}");
        assert!(g.get("members").is_none(), "{store}: {g}");
        let (_, asked) = send(
            s,
            "a",
            Method::GET,
            &format!("/api/Groups/{staff}?attributes=members"),
            None,
        )
        .await;
        assert!(asked.get("members").is_none(), "{store}: returned never");
        let (st, list) = send(
            s,
            "a",
            Method::GET,
            "/api/Groups?filter=displayName%20sw%20%22staff%22",
            None,
        )
        .await;
        assert_eq!(st, 200, "{store}");
        assert_eq!(list["totalResults"], 1, "{store}");
        assert!(list["Resources"][0].get("members").is_none(), "{store}");
        let group =
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "x"});
        for (method, path) in [
            (Method::POST, "/api/Groups".to_owned()),
            (Method::PUT, format!("/api/Groups/{staff}")),
            (Method::PATCH, format!("/api/Groups/{staff}")),
            (Method::DELETE, format!("/api/Groups/{staff}")),
        ] {
            let (st, err) = send(s, "a", method.clone(), &path, Some(group.clone())).await;
            assert_eq!(st, 405, "{store}: {method} {path}");
            assert_eq!(err["status"], "405", "{store}");
        }
    }
}

#[tokio::test]
async fn one_email_exactly_and_only_locker_attributes() {
    for (store, l) in stores().await {
        let s = &l.server;
        let mut two = locker_user("two", &[]);
        two["emails"] = json!([{"value": "a@x.example"}, {"value": "b@x.example"}]);
        let (st, err) = send(s, "a", Method::POST, "/api/Users", Some(two)).await;
        assert_eq!(
            (st, err["scimType"].as_str()),
            (400, Some("invalidValue")),
            "{store}: {err}"
        );
        let mut none = locker_user("none", &[]);
        none.as_object_mut().unwrap().remove("emails");
        let (st, err) = send(s, "a", Method::POST, "/api/Users", Some(none)).await;
        assert_eq!(
            (st, err["scimType"].as_str()),
            (400, Some("invalidValue")),
            "{store}: {err}"
        );
        let mut extra = locker_user("extra", &[]);
        extra["title"] = json!("Boss");
        let (st, created) = send(s, "a", Method::POST, "/api/Users", Some(extra)).await;
        assert_eq!(
            st, 201,
            "{store}: unknown attributes are ignored in tolerant mode"
        );
        assert!(created.get("title").is_none(), "{store}");
        assert_eq!(
            created[BADGE_URN]["badges"][0]["display"], "Front door",
            "{store}"
        );
        let id = created["id"].as_str().unwrap();
        let add = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "emails", "value": [{"value": "second@x.example"}]}]});
        let (st, err) = send(
            s,
            "a",
            Method::PATCH,
            &format!("/api/Users/{id}"),
            Some(add),
        )
        .await;
        assert_eq!(
            (st, err["scimType"].as_str()),
            (400, Some("invalidValue")),
            "{store}: {err}"
        );
        let (_, list) = send(s, "a", Method::GET, "/api/Users", None).await;
        assert_eq!(
            list["totalResults"], 1,
            "{store}: the refused creates left nothing"
        );
    }
}

#[tokio::test]
async fn memberships_are_written_through_the_users_groups() {
    for (store, l) in stores().await {
        let s = &l.server;
        let a = &l.groups["company-a"];
        let (staff, visitors, admins) = (
            &a["Staff lockers"],
            &a["Visitor lockers"],
            &a["Locker administrators"],
        );

        // Create with a group: it shows with the group's name.
        let (st, u) = send(
            s,
            "a",
            Method::POST,
            "/api/Users",
            Some(locker_user("ann", &[staff])),
        )
        .await;
        assert_eq!(st, 201, "{store}: {u}");
        assert_eq!(group_ids(&u), sorted(&[staff]), "{store}");
        assert_eq!(u["groups"][0]["display"], "Staff lockers", "{store}");
        let id = u["id"].as_str().unwrap().to_owned();
        let path = format!("/api/Users/{id}");

        // Filter a group by membership: the relation is real, not a copy on the user.
        let q = format!("/api/Groups?filter=members.value%20eq%20%22{id}%22");
        let (_, found) = send(s, "a", Method::GET, &q, None).await;
        assert_eq!(found["totalResults"], 1, "{store}: {found}");
        assert_eq!(found["Resources"][0]["id"], staff.as_str(), "{store}");

        // PATCH add and remove.
        let patch = |ops: Value| json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
        let (st, u) = send(
            s,
            "a",
            Method::PATCH,
            &path,
            Some(patch(
                json!([{"op": "add", "path": "groups", "value": [{"value": admins}]}]),
            )),
        )
        .await;
        assert_eq!(st, 200, "{store}: {u}");
        assert_eq!(group_ids(&u), sorted(&[staff, admins]), "{store}");
        let (st, u) = send(
            s,
            "a",
            Method::PATCH,
            &path,
            Some(patch(
                json!([{"op": "remove", "path": format!("groups[value eq \"{staff}\"]")}]),
            )),
        )
        .await;
        assert_eq!(st, 200, "{store}: {u}");
        assert_eq!(group_ids(&u), sorted(&[admins]), "{store}");
        let (st, u) = send(
            s,
            "a",
            Method::PATCH,
            &path,
            Some(patch(
                json!([{"op": "replace", "path": "groups", "value": [{"value": visitors}]}]),
            )),
        )
        .await;
        assert_eq!(st, 200, "{store}: {u}");
        assert_eq!(group_ids(&u), sorted(&[visitors]), "{store}");

        // An unknown group changes nothing.
        let before = send(s, "a", Method::GET, &path, None).await.1;
        let (st, err) = send(
            s,
            "a",
            Method::PATCH,
            &path,
            Some(patch(
                json!([{"op": "add", "path": "groups", "value": [{"value": "no-such-group"}]},
                              {"op": "replace", "path": "active", "value": false}]),
            )),
        )
        .await;
        assert_eq!(
            (st, err["scimType"].as_str()),
            (400, Some("invalidValue")),
            "{store}: {err}"
        );
        assert_eq!(
            send(s, "a", Method::GET, &path, None).await.1,
            before,
            "{store}"
        );

        // PUT: the listed groups become the memberships; without `groups` they stay.
        let mut put = locker_user("ann", &[staff, admins]);
        put["active"] = json!(false);
        let (st, u) = send(s, "a", Method::PUT, &path, Some(put.clone())).await;
        assert_eq!(st, 200, "{store}: {u}");
        assert_eq!(group_ids(&u), sorted(&[staff, admins]), "{store}");
        put.as_object_mut().unwrap().remove("groups");
        let (_, u) = send(s, "a", Method::PUT, &path, Some(put)).await;
        assert_eq!(
            group_ids(&u),
            sorted(&[staff, admins]),
            "{store}: omitted groups are kept"
        );

        // A user without a group (no locker rights) is possible.
        let (_, u) = send(
            s,
            "a",
            Method::PATCH,
            &path,
            Some(patch(json!([{"op": "remove", "path": "groups"}]))),
        )
        .await;
        assert_eq!(group_ids(&u), Vec::<String>::new(), "{store}: {u}");
        let (_, found) = send(s, "a", Method::GET, &q, None).await;
        assert_eq!(found["totalResults"], 0, "{store}");

        // Creating with an unknown group creates nothing.
        let (st, _) = send(
            s,
            "a",
            Method::POST,
            "/api/Users",
            Some(locker_user("bob", &["nope"])),
        )
        .await;
        assert_eq!(st, 400, "{store}");
        let (_, list) = send(
            s,
            "a",
            Method::GET,
            "/api/Users?filter=userName%20eq%20%22bob%22",
            None,
        )
        .await;
        assert_eq!(list["totalResults"], 0, "{store}");

        // Deleting the user takes it out of its groups.
        send(
            s,
            "a",
            Method::PATCH,
            &path,
            Some(patch(
                json!([{"op": "add", "path": "groups", "value": [{"value": staff}]}]),
            )),
        )
        .await;
        let (st, _) = send(s, "a", Method::DELETE, &path, None).await;
        assert_eq!(st, 204, "{store}");
        let (_, found) = send(s, "a", Method::GET, &q, None).await;
        assert_eq!(found["totalResults"], 0, "{store}");
    }
}

#[tokio::test]
async fn companies_are_tenants() {
    for (store, l) in stores().await {
        let s = &l.server;
        let a_staff = &l.groups["company-a"]["Staff lockers"];
        let b_staff = &l.groups["company-b"]["Staff lockers"];
        assert_ne!(a_staff, b_staff, "{store}: each company has its own groups");
        let (st, _) = send(
            s,
            "b",
            Method::POST,
            "/api/Users",
            Some(locker_user("ann", &[a_staff])),
        )
        .await;
        assert_eq!(
            st, 400,
            "{store}: company-a's group is unknown in company-b"
        );
        let (st, _) = send(
            s,
            "a",
            Method::POST,
            "/api/Users",
            Some(locker_user("ann", &[a_staff])),
        )
        .await;
        assert_eq!(st, 201, "{store}");
        let (st, _) = send(
            s,
            "b",
            Method::POST,
            "/api/Users",
            Some(locker_user("ann", &[b_staff])),
        )
        .await;
        assert_eq!(st, 201, "{store}: the same userName in another company");
        let (st, err) = send(
            s,
            "a",
            Method::POST,
            "/api/Users",
            Some(locker_user("ANN", &[])),
        )
        .await;
        assert_eq!(
            (st, err["scimType"].as_str()),
            (409, Some("uniqueness")),
            "{store}"
        );
        let (_, list) = send(
            s,
            "b",
            Method::GET,
            "/api/Users?filter=userName%20eq%20%22Ann%22",
            None,
        )
        .await;
        assert_eq!(list["totalResults"], 1, "{store}");
        assert_eq!(
            group_ids(&list["Resources"][0]),
            sorted(&[b_staff]),
            "{store}"
        );
    }
}

/// Memberships written through a user's `groups` are audited as changes of the groups too.
#[tokio::test]
async fn membership_changes_are_audited_as_group_changes() {
    use scim_server::hooks::{AuditEvent, AuditSink, Operation};
    use std::sync::{Arc, Mutex};

    #[derive(Debug, Clone, Default)]
    struct Sink(Arc<Mutex<Vec<AuditEvent>>>);
    impl AuditSink for Sink {
        fn record(&self, event: &AuditEvent) {
            self.0.lock().unwrap().push(event.clone());
        }
    }
    let config = locker::config();
    let store = MemoryStore::new(config.registry.clone());
    let seeded = seed_groups(&store, &config.registry, "company-a", locker::SEED_GROUPS)
        .await
        .unwrap();
    let (staff, visitors) = (&seeded[0].1, &seeded[1].1);
    let sink = Sink::default();
    let s = ScimServer::builder(config, store, StaticBearer::new().token("a", "company-a"))
        .audit(sink.clone())
        .build()
        .unwrap();
    let taken = || {
        std::mem::take(&mut *sink.0.lock().unwrap())
            .into_iter()
            .map(|e| (e.operation, e.resource_type, e.id, e.attributes, e.tenant))
            .collect::<Vec<_>>()
    };
    let members = || vec!["members".to_owned()];
    let a = || "company-a".to_owned();

    let (st, user) = send(
        &s,
        "a",
        Method::POST,
        "/api/Users",
        Some(locker_user("ann", &[staff])),
    )
    .await;
    assert_eq!(st, 201, "{user}");
    let id = user["id"].as_str().unwrap().to_owned();
    // Each group change is recorded as it commits, before the request's own event.
    let events = taken();
    assert_eq!(events.len(), 2, "{events:?}");
    let staff_event = (
        Operation::Patch,
        "Group".into(),
        staff.clone(),
        members(),
        a(),
    );
    assert_eq!(events[0], staff_event);
    assert_eq!(
        (events[1].0, events[1].2.as_str()),
        (Operation::Create, id.as_str())
    );

    // Moving her: one event for the user, one per group that changed.
    let (st, _) = send(
        &s,
        "a",
        Method::PUT,
        &format!("/api/Users/{id}"),
        Some(locker_user("ann", &[visitors])),
    )
    .await;
    assert_eq!(st, 200);
    let mut events = taken();
    assert_eq!(events.pop().map(|e| e.0), Some(Operation::Replace));
    let mut groups = events;
    groups.sort_by(|x, y| x.2.cmp(&y.2));
    let mut expected = vec![
        (
            Operation::Patch,
            "Group".into(),
            staff.clone(),
            members(),
            a(),
        ),
        (
            Operation::Patch,
            "Group".into(),
            visitors.clone(),
            members(),
            a(),
        ),
    ];
    expected.sort_by(|x, y| x.2.cmp(&y.2));
    assert_eq!(groups, expected);

    // The same groups again: nothing changed in any group.
    let (st, _) = send(
        &s,
        "a",
        Method::PUT,
        &format!("/api/Users/{id}"),
        Some(locker_user("ann", &[visitors])),
    )
    .await;
    assert_eq!(st, 200);
    assert!(taken().iter().all(|e| e.1 == "User"));
}
