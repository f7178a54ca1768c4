//! The store contract suite: behaviour every [`ResourceStore`] must show, as one function
//! that any implementation runs in its own tests.
//!
//! ```no_run
//! # async fn demo() {
//! use scim_server::store::{MemoryStore, contract};
//! contract::run(|registry| MemoryStore::new(registry)).await;
//! # }
//! ```
//!
//! A store built on a fixed domain model (the case-management preset's own tables) cannot
//! keep every attribute of every schema; [`run_with`] runs the same checks with what it
//! declares in [`Supports`] instead. General-purpose stores run [`run`], which checks
//! everything.
//!
//! Each check panics with a message naming the broken rule, like an `assert!` in a test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::{ListRequest, Precondition, RequestContext, ResourceStore, StoreError, StoredResource};
use scim_core::SchemaRegistry;
use scim_core::registry::ResourceType;
use serde_json::{Value, json};
use std::sync::Arc;

/// What a store keeps beyond the core of the contract. [`Supports::ALL`] (what [`run`]
/// checks) is what a general-purpose store must keep; a store over fixed columns declares
/// less, and [`run_with`] adapts the checks without skipping their point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Supports {
    extra_attribute: &'static str,
    dangling_members: bool,
    unique_group_names: bool,
}

impl Supports {
    /// Everything: any attribute of the schemas is kept (the checks write, filter and sort
    /// on `title`), group members may name resources that do not exist (yet), and two
    /// groups may have names equal but for case.
    pub const ALL: Supports = Supports {
        extra_attribute: "title",
        dangling_members: true,
        unique_group_names: false,
    };

    /// The single-valued string attribute of users, other than `userName`, that the checks
    /// write, filter and sort on instead of `title` (e.g. `displayName`).
    #[must_use]
    pub const fn extra_attribute(mut self, name: &'static str) -> Self {
        self.extra_attribute = name;
        self
    }

    /// Group members must be existing users: the membership checks use only those, and
    /// adding a member that does not exist must fail.
    #[must_use]
    pub const fn existing_members_only(mut self) -> Self {
        self.dangling_members = false;
        self
    }

    /// Group display names are unique per tenant, case-insensitively: the checks use
    /// distinct names, and creating a name taken in another case must fail with
    /// [`StoreError::Uniqueness`].
    #[must_use]
    pub const fn unique_group_names(mut self) -> Self {
        self.unique_group_names = true;
        self
    }
}

impl Default for Supports {
    fn default() -> Self {
        Supports::ALL
    }
}

/// Runs every contract check against fresh stores made by `make`.
pub async fn run<S, F>(make: F)
where
    S: ResourceStore + 'static,
    F: Fn(Arc<SchemaRegistry>) -> S,
{
    run_with(make, Supports::ALL).await;
}

/// Runs every contract check against fresh stores made by `make`, adapted to what the store
/// [`Supports`].
pub async fn run_with<S, F>(make: F, supports: Supports)
where
    S: ResourceStore + 'static,
    F: Fn(Arc<SchemaRegistry>) -> S,
{
    let registry = Arc::new(SchemaRegistry::builtin());
    let fresh = || Arc::new(make(registry.clone()));
    let users = registry.resource_type("User").expect("User").clone();
    let groups = registry.resource_type("Group").expect("Group").clone();
    let extra = supports.extra_attribute;
    create_and_get(&*fresh(), &users).await;
    uniqueness_is_per_tenant_and_case_insensitive(&*fresh(), &users).await;
    tenants_are_isolated(&*fresh(), &users).await;
    replace_bumps_version_and_keeps_created(&*fresh(), &users, extra).await;
    preconditions(&*fresh(), &users, extra).await;
    delete_then_not_found(&*fresh(), &users).await;
    paging_in_insertion_order(&*fresh(), &users).await;
    memberships_stay_consistent(&*fresh(), &users, &groups, supports.dangling_members).await;
    unchanged_patch_keeps_version(&*fresh(), &users).await;
    filters_and_sorting(&*fresh(), &registry, &users, &groups, supports).await;
    concurrent_member_adds_all_land(fresh(), &users, &groups, supports.dangling_members).await;
}

fn ctx(tenant: &str) -> RequestContext {
    RequestContext::tenant(tenant)
}

fn user(name: &str) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name})
}

fn all() -> ListRequest<'static> {
    ListRequest {
        filter: None,
        sort: None,
        start_index: 1,
        count: usize::MAX,
    }
}

/// `meta.version` is the ETag of the version the store reports.
fn assert_version_in_meta(s: &StoredResource, when: &str) {
    assert_eq!(
        s.resource["meta"]["version"],
        s.etag().as_str(),
        "meta.version is the ETag of the version ({when})"
    );
}

async fn create_and_get(store: &dyn ResourceStore, users: &ResourceType) {
    let c = store
        .create(&ctx("a"), users, user("bjensen"))
        .await
        .unwrap();
    assert!(!c.id.is_empty(), "create assigns an id");
    assert_eq!(c.resource["id"], c.id.as_str(), "the id is in the resource");
    let meta = &c.resource["meta"];
    assert_eq!(meta["resourceType"], "User", "meta.resourceType is set");
    assert!(
        meta["created"].is_string() && meta["lastModified"].is_string(),
        "timestamps are set"
    );
    assert_eq!(c.resource["userName"], "bjensen");
    assert_version_in_meta(&c, "created");
    let g = store.get(&ctx("a"), users, &c.id).await.unwrap();
    assert_eq!(g, c, "get returns what create returned");
    let other = store.create(&ctx("a"), users, user("other")).await.unwrap();
    assert_ne!(other.id, c.id, "ids are unique");
}

async fn uniqueness_is_per_tenant_and_case_insensitive(
    store: &dyn ResourceStore,
    users: &ResourceType,
) {
    store
        .create(&ctx("a"), users, user("bjensen"))
        .await
        .unwrap();
    let dup = store.create(&ctx("a"), users, user("BJensen")).await;
    assert!(
        matches!(dup, Err(StoreError::Uniqueness(_))),
        "userName is unique case-insensitively: {dup:?}"
    );
    store
        .create(&ctx("b"), users, user("bjensen"))
        .await
        .expect("uniqueness is per tenant");
    let second = store
        .create(&ctx("a"), users, user("second"))
        .await
        .unwrap();
    let clash = store
        .replace(
            &ctx("a"),
            users,
            &second.id,
            user("BJENSEN"),
            Precondition::None,
        )
        .await;
    assert!(
        matches!(clash, Err(StoreError::Uniqueness(_))),
        "replace checks uniqueness too"
    );
    store
        .replace(
            &ctx("a"),
            users,
            &second.id,
            user("Second"),
            Precondition::None,
        )
        .await
        .expect("a resource may keep its own value in another case");
}

async fn tenants_are_isolated(store: &dyn ResourceStore, users: &ResourceType) {
    let c = store.create(&ctx("a"), users, user("alice")).await.unwrap();
    let b = ctx("b");
    assert!(matches!(
        store.get(&b, users, &c.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        store.list(&b, users, &all()).await.unwrap().total_results,
        0
    );
    assert!(matches!(
        store
            .replace(&b, users, &c.id, user("x"), Precondition::None)
            .await,
        Err(StoreError::NotFound(_))
    ));
    let patcher = |_: &mut Value| Ok(true);
    assert!(matches!(
        store
            .patch(&b, users, &c.id, &patcher, Precondition::None)
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.delete(&b, users, &c.id, Precondition::None).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        store.get(&ctx("a"), users, &c.id).await.unwrap().resource["userName"],
        "alice"
    );
}

async fn replace_bumps_version_and_keeps_created(
    store: &dyn ResourceStore,
    users: &ResourceType,
    extra: &str,
) {
    let c = store.create(&ctx("a"), users, user("carol")).await.unwrap();
    let mut body = user("carol");
    body[extra] = json!("Boss");
    body["id"] = json!("forged");
    let r = store
        .replace(&ctx("a"), users, &c.id, body, Precondition::None)
        .await
        .unwrap();
    assert_ne!(r.version, c.version, "replace changes the version");
    assert_version_in_meta(&r, "replaced");
    assert_eq!(
        store.get(&ctx("a"), users, &c.id).await.unwrap(),
        r,
        "get returns what replace returned"
    );
    assert_eq!(r.resource["id"], c.id.as_str(), "the id is the store's");
    assert_eq!(
        r.resource["meta"]["created"], c.resource["meta"]["created"],
        "created is kept"
    );
    assert_eq!(r.resource[extra], "Boss");
}

async fn preconditions(store: &dyn ResourceStore, users: &ResourceType, extra: &str) {
    let c = store.create(&ctx("a"), users, user("dave")).await.unwrap();
    let stale = Precondition::Version("not-the-version");
    assert!(matches!(
        store
            .replace(&ctx("a"), users, &c.id, user("dave"), stale)
            .await,
        Err(StoreError::VersionMismatch { .. })
    ));
    let patcher = |v: &mut Value| {
        v[extra] = json!("x");
        Ok(true)
    };
    assert!(matches!(
        store.patch(&ctx("a"), users, &c.id, &patcher, stale).await,
        Err(StoreError::VersionMismatch { .. })
    ));
    assert!(matches!(
        store.delete(&ctx("a"), users, &c.id, stale).await,
        Err(StoreError::VersionMismatch { .. })
    ));
    let (p, changed) = store
        .patch(
            &ctx("a"),
            users,
            &c.id,
            &patcher,
            Precondition::Version(&c.version),
        )
        .await
        .unwrap();
    assert!(changed);
    assert_eq!(p.resource[extra], "x");
}

async fn delete_then_not_found(store: &dyn ResourceStore, users: &ResourceType) {
    let c = store.create(&ctx("a"), users, user("erin")).await.unwrap();
    store
        .delete(&ctx("a"), users, &c.id, Precondition::None)
        .await
        .unwrap();
    assert!(matches!(
        store.get(&ctx("a"), users, &c.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store
            .delete(&ctx("a"), users, &c.id, Precondition::None)
            .await,
        Err(StoreError::NotFound(_))
    ));
    store
        .create(&ctx("a"), users, user("erin"))
        .await
        .expect("a deleted resource's unique values are free again");
}

async fn paging_in_insertion_order(store: &dyn ResourceStore, users: &ResourceType) {
    for i in 0..7 {
        store
            .create(&ctx("a"), users, user(&format!("u{i}")))
            .await
            .unwrap();
    }
    let page = store
        .list(
            &ctx("a"),
            users,
            &ListRequest {
                start_index: 3,
                count: 2,
                ..all()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.total_results, 7);
    let names: Vec<_> = page
        .resources
        .iter()
        .map(|r| r.resource["userName"].clone())
        .collect();
    assert_eq!(
        names,
        [json!("u2"), json!("u3")],
        "pages follow insertion order"
    );
    let none = store
        .list(&ctx("a"), users, &ListRequest { count: 0, ..all() })
        .await
        .unwrap();
    assert_eq!(
        (none.total_results, none.resources.len()),
        (7, 0),
        "count=0 still counts"
    );
    let past = store
        .list(
            &ctx("a"),
            users,
            &ListRequest {
                start_index: 100,
                count: 10,
                ..all()
            },
        )
        .await
        .unwrap();
    assert_eq!((past.total_results, past.resources.len()), (7, 0));
}

async fn memberships_stay_consistent(
    store: &dyn ResourceStore,
    users: &ResourceType,
    groups: &ResourceType,
    dangling: bool,
) {
    let a = ctx("a");
    let u = store.create(&a, users, user("frank")).await.unwrap();
    // A member that names no resource (yet), where the store allows one.
    let ghost: Vec<Value> = if dangling {
        vec![json!("not-yet-created")]
    } else {
        Vec::new()
    };
    let mut members = vec![json!({"value": u.id, "type": "User"})];
    members.extend(ghost.iter().map(|v| json!({"value": v})));
    if !dangling {
        let bad = json!({"displayName": "Admins", "members": [{"value": u.id}, {"value": "not-yet-created"}]});
        assert!(
            store.create(&a, groups, bad).await.is_err(),
            "a member that is not a user is refused"
        );
    }
    let g = store
        .create(
            &a,
            groups,
            json!({"displayName": "Admins", "members": members}),
        )
        .await
        .unwrap();
    let seen = store.get(&a, users, &u.id).await.unwrap();
    assert_eq!(
        seen.resource["groups"][0]["value"],
        g.id.as_str(),
        "a member's groups show the group"
    );
    assert_eq!(seen.resource["groups"][0]["display"], "Admins");
    assert_ne!(
        seen.version, u.version,
        "the member's version changes with its groups"
    );
    assert_version_in_meta(&seen, "a member whose groups changed");
    let remove = |v: &mut Value| {
        let ms = v["members"].as_array_mut().unwrap();
        ms.retain(|m| m["value"] == "not-yet-created");
        Ok(true)
    };
    store
        .patch(&a, groups, &g.id, &remove, Precondition::None)
        .await
        .unwrap();
    let seen = store.get(&a, users, &u.id).await.unwrap();
    assert!(
        seen.resource
            .get("groups")
            .is_none_or(|g| g.as_array().is_some_and(Vec::is_empty)),
        "removal shows"
    );
    let add = |v: &mut Value| {
        let obj = v.as_object_mut().unwrap();
        let ms = obj.entry("members").or_insert_with(|| json!([]));
        ms.as_array_mut().unwrap().push(json!({"value": u.id}));
        Ok(true)
    };
    store
        .patch(&a, groups, &g.id, &add, Precondition::None)
        .await
        .unwrap();
    if !dangling {
        let before = store.get(&a, groups, &g.id).await.unwrap();
        let add_ghost = |v: &mut Value| {
            let obj = v.as_object_mut().unwrap();
            let ms = obj.entry("members").or_insert_with(|| json!([]));
            ms.as_array_mut()
                .unwrap()
                .push(json!({"value": "not-yet-created"}));
            Ok(true)
        };
        assert!(
            store
                .patch(&a, groups, &g.id, &add_ghost, Precondition::None)
                .await
                .is_err(),
            "a member that is not a user is refused"
        );
        assert_eq!(
            store.get(&a, groups, &g.id).await.unwrap(),
            before,
            "a refused PATCH changes nothing"
        );
    }
    store
        .delete(&a, users, &u.id, Precondition::None)
        .await
        .unwrap();
    let g = store.get(&a, groups, &g.id).await.unwrap();
    assert_version_in_meta(&g, "a group that lost a deleted member");
    let members: Vec<_> = g
        .resource
        .get("members")
        .and_then(Value::as_array)
        .map(|ms| ms.iter().map(|m| m["value"].clone()).collect())
        .unwrap_or_default();
    assert_eq!(
        members, ghost,
        "deleting a user removes it from every group"
    );
}

async fn filters_and_sorting(
    store: &dyn ResourceStore,
    registry: &SchemaRegistry,
    users: &ResourceType,
    groups: &ResourceType,
    supports: Supports,
) {
    let a = ctx("a");
    let extra = supports.extra_attribute;
    for (name, ext, value) in [
        ("Zoe", "E-1", "b"),
        ("adam", "e-1", "a"),
        ("Ødegård", "E-3", "c"),
    ] {
        let mut body = json!({"userName": name, "externalId": ext});
        body[extra] = json!(value);
        store.create(&a, users, body).await.unwrap();
    }
    store
        .create(&ctx("b"), users, json!({"userName": "zoe"}))
        .await
        .unwrap();
    let (group_names, admins): (&[&str], &[&str]) = if supports.unique_group_names {
        let taken = store
            .create(&a, groups, json!({"displayName": "Admins"}))
            .await
            .unwrap();
        let dup = store
            .create(&a, groups, json!({"displayName": "admins"}))
            .await;
        assert!(
            matches!(dup, Err(StoreError::Uniqueness(_))),
            "group names are unique case-insensitively: {dup:?}"
        );
        store
            .create(&ctx("b"), groups, json!({"displayName": "admins"}))
            .await
            .expect("group name uniqueness is per tenant");
        let _ = taken;
        (&["Staff"], &["Admins"])
    } else {
        (&["Admins", "admins", "Staff"], &["Admins", "admins"])
    };
    for g in group_names {
        store
            .create(&a, groups, json!({"displayName": g}))
            .await
            .unwrap();
    }
    let names = |page: super::ListPage, attr: &str| -> Vec<String> {
        page.resources
            .iter()
            .map(|r| r.resource[attr].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let cases: [(&ResourceType, String, &[&str]); 9] = [
        (users, r#"userName eq "ZOE""#.into(), &["Zoe"]),
        (users, r#"userName eq "ødegård""#.into(), &["Ødegård"]),
        (users, r#"externalId eq "E-1""#.into(), &["Zoe"]),
        (
            users,
            r#"userName eq "zoe" or userName eq "adam""#.into(),
            &["Zoe", "adam"],
        ),
        (
            users,
            format!(r#"userName eq "zoe" and {extra} eq "a""#),
            &[],
        ),
        (users, format!(r#"{extra} gt "a""#), &["Zoe", "Ødegård"]),
        (
            users,
            r#"not (userName eq "zoe")"#.into(),
            &["adam", "Ødegård"],
        ),
        (groups, r#"displayName eq "ADMINS""#.into(), admins),
        (users, r#"userName eq "nobody""#.into(), &[]),
    ];
    for (rt, text, want) in cases {
        let f = scim_filter::CompiledFilter::parse_and_compile(&text, registry, rt).unwrap();
        let req = ListRequest {
            filter: Some(&f),
            ..all()
        };
        let attr = if rt.name == "Group" {
            "displayName"
        } else {
            "userName"
        };
        let got = names(store.list(&a, rt, &req).await.unwrap(), attr);
        assert_eq!(got, want, "filter {text}");
    }
    let path = scim_filter::parse_attr_path(extra).unwrap();
    let key = scim_filter::SortKey::compile(&path, registry, users).unwrap();
    for (order, want) in [
        (
            scim_filter::SortOrder::Ascending,
            ["adam", "Zoe", "Ødegård"],
        ),
        (
            scim_filter::SortOrder::Descending,
            ["Ødegård", "Zoe", "adam"],
        ),
    ] {
        let req = ListRequest {
            sort: Some((&key, order)),
            ..all()
        };
        assert_eq!(
            names(store.list(&a, users, &req).await.unwrap(), "userName"),
            want,
            "sort {order:?}"
        );
    }
}

async fn unchanged_patch_keeps_version(store: &dyn ResourceStore, users: &ResourceType) {
    let c = store.create(&ctx("a"), users, user("gina")).await.unwrap();
    let noop = |_: &mut Value| Ok(false);
    let (p, changed) = store
        .patch(&ctx("a"), users, &c.id, &noop, Precondition::None)
        .await
        .unwrap();
    assert!(!changed);
    assert_eq!(
        p.version, c.version,
        "a PATCH that changes nothing keeps the version"
    );
    let failing = |v: &mut Value| {
        let _ = v;
        Err(scim_core::ScimError::bad_request(
            scim_core::ScimType::NoTarget,
            "nothing there",
        ))
    };
    assert!(matches!(
        store
            .patch(&ctx("a"), users, &c.id, &failing, Precondition::None)
            .await,
        Err(StoreError::Scim(_))
    ));
    assert_eq!(
        store.get(&ctx("a"), users, &c.id).await.unwrap().version,
        c.version
    );
}

async fn concurrent_member_adds_all_land<S: ResourceStore + 'static>(
    store: Arc<S>,
    users: &ResourceType,
    groups: &ResourceType,
    dangling: bool,
) {
    let a = ctx("a");
    let mut member_ids = Vec::with_capacity(200);
    for i in 0..200 {
        member_ids.push(if dangling {
            format!("m{i}")
        } else {
            store
                .create(&a, users, user(&format!("m{i}")))
                .await
                .unwrap()
                .id
        });
    }
    let g = store
        .create(&a, groups, json!({"displayName": "Crowd"}))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for member in member_ids {
        let store = store.clone();
        let (a, groups, id) = (a.clone(), groups.clone(), g.id.clone());
        tasks.push(tokio::spawn(async move {
            let add = move |v: &mut Value| {
                let obj = v.as_object_mut().unwrap();
                let ms = obj.entry("members").or_insert_with(|| json!([]));
                ms.as_array_mut()
                    .unwrap()
                    .push(json!({"value": member.clone()}));
                Ok(true)
            };
            store
                .patch(&a, &groups, &id, &add, Precondition::None)
                .await
                .map(|_| ())
        }));
    }
    for t in tasks {
        t.await.unwrap().expect("every concurrent PATCH succeeds");
    }
    let g = store.get(&a, groups, &g.id).await.unwrap();
    assert_eq!(
        g.resource["members"].as_array().unwrap().len(),
        200,
        "no member is lost"
    );
}
