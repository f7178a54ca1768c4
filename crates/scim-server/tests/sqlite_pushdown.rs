//! Property: the SQLite store's filter push-down returns exactly what in-memory evaluation
//! (`CompiledFilter::matches` on every stored resource) returns, on generated resources and
//! filters, including non-ASCII text that SQLite's own `lower()`/`LIKE` would get wrong.
#![cfg(feature = "sqlite")]

use proptest::prelude::*;
use scim_core::SchemaRegistry;
use scim_filter::CompiledFilter;
use scim_server::store::{ListRequest, RequestContext, ResourceStore, SqliteStore};
use serde_json::{Value, json};
use std::sync::Arc;

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

const WORDS: &[&str] = &[
    "ana",
    "ANA",
    "Ødegård",
    "ødegÅrd",
    "ΟΔΟΣ",
    "οδοσ",
    "οδος",
    "\u{212A}elvin",
    "kelvin",
    "straße",
    "STRASSE",
    "İstanbul",
    "istanbul",
    "",
    "a@example.com",
    "B@EXAMPLE.COM",
    "work",
    "Work",
    "home",
];

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(WORDS).prop_map(str::to_owned)
}

fn user() -> impl Strategy<Value = Value> {
    (
        word(),
        prop::option::of(word()),
        prop::option::of(word()),
        prop::option::of(any::<bool>()),
        prop::collection::vec((prop::option::of(word()), word()), 0..3),
        prop::option::of(word()),
        prop::option::of(word()),
    )
        .prop_map(|(name, title, family, active, emails, emp, ext)| {
            let mut u = json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": name,
            });
            if let Some(t) = title {
                u["title"] = json!(t);
            }
            if let Some(f) = family {
                u["name"] = json!({"familyName": f});
            }
            if let Some(a) = active {
                u["active"] = json!(a);
            }
            if !emails.is_empty() {
                u["emails"] = Value::Array(
                    emails
                        .into_iter()
                        .map(|(t, v)| match t {
                            Some(t) => json!({"type": t, "value": v}),
                            None => json!({"value": v}),
                        })
                        .collect(),
                );
            }
            if let Some(e) = emp {
                u[ENT] = json!({"employeeNumber": e});
            }
            if let Some(e) = ext {
                u["externalId"] = json!(e);
            }
            u
        })
}

const STR_ATTRS: &[&str] = &[
    "userName",
    "title",
    "name.familyName",
    "emails",
    "emails.value",
    "emails.type",
    "externalId",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    "groups.display",
];
const OPS: &[&str] = &["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"];

fn lit() -> impl Strategy<Value = String> {
    word().prop_map(|w| serde_json::to_string(&w).unwrap())
}

fn leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (prop::sample::select(STR_ATTRS), prop::sample::select(OPS), lit())
            .prop_map(|(a, o, l)| format!("{a} {o} {l}")),
        1 => (prop::sample::select(STR_ATTRS)).prop_map(|a| format!("{a} pr")),
        1 => (prop::sample::select(&["eq", "ne"][..]), any::<bool>())
            .prop_map(|(o, b)| format!("active {o} {b}")),
        1 => (prop::sample::select(&["eq", "ne"][..]), prop::sample::select(STR_ATTRS))
            .prop_map(|(o, a)| format!("{a} {o} null")),
        1 => Just("meta.created gt \"2000-01-01T00:00:00Z\"".to_owned()),
        2 => (prop::sample::select(OPS), lit(), prop::sample::select(OPS), lit(), any::<bool>())
            .prop_map(|(o1, l1, o2, l2, and)| {
                let j = if and { "and" } else { "or" };
                format!("emails[type {o1} {l1} {j} value {o2} {l2}]")
            }),
        1 => (prop::sample::select(OPS), lit())
            .prop_map(|(o, l)| format!("emails[not (value {o} {l})]")),
    ]
}

fn filter() -> impl Strategy<Value = String> {
    leaf().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) and ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) or ({b})")),
            inner.prop_map(|a| format!("not ({a})")),
        ]
    })
}

fn temp_db() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join("scim-sqlite-tests");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{}.db", uuid::Uuid::new_v4()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn pushdown_agrees_with_in_memory_evaluation(
        users in prop::collection::vec(user(), 1..12),
        memberships in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
        filters in prop::collection::vec(filter(), 1..10),
        start in 1usize..4,
        count in 1usize..5,
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let registry = Arc::new(SchemaRegistry::builtin());
            let users_rt = registry.resource_type("User").unwrap().clone();
            let groups_rt = registry.resource_type("Group").unwrap().clone();
            let store = SqliteStore::open(temp_db(), registry.clone()).unwrap();
            let ctx = RequestContext::tenant("t");
            let mut ids = Vec::new();
            for u in users {
                // Duplicate userNames are refused, as they should be.
                if let Ok(c) = store.create(&ctx, &users_rt, u).await {
                    ids.push(c.id);
                }
            }
            if !memberships.is_empty() && !ids.is_empty() {
                let members: Vec<Value> = memberships
                    .iter()
                    .map(|i| json!({"value": i.get(&ids)}))
                    .collect();
                store
                    .create(&ctx, &groups_rt, json!({"displayName": "Δ Team", "members": members}))
                    .await
                    .unwrap();
            }
            // Ground truth: every stored user, in insertion order, evaluated in Rust.
            let mut stored = Vec::new();
            for id in &ids {
                stored.push(store.get(&ctx, &users_rt, id).await.unwrap());
            }
            for text in &filters {
                let Ok(f) = CompiledFilter::parse_and_compile(text, &registry, &users_rt) else {
                    continue;
                };
                let want: Vec<&str> = stored
                    .iter()
                    .filter(|s| f.matches(&s.resource).unwrap())
                    .map(|s| s.id.as_str())
                    .collect();
                let req = ListRequest { filter: Some(&f), sort: None, start_index: 1, count: usize::MAX };
                let page = store.list(&ctx, &users_rt, &req).await.unwrap();
                let got: Vec<&str> = page.resources.iter().map(|r| r.id.as_str()).collect();
                assert_eq!(got, want, "filter {text}");
                assert_eq!(page.total_results, want.len(), "total of {text}");
                // A page of it (keyset paging over the same filter).
                let req = ListRequest { start_index: start, count, ..req };
                let page = store.list(&ctx, &users_rt, &req).await.unwrap();
                let got: Vec<&str> = page.resources.iter().map(|r| r.id.as_str()).collect();
                let want_page: Vec<&str> = want.iter().skip(start - 1).take(count).copied().collect();
                assert_eq!(got, want_page, "page {start}+{count} of {text}");
                // Sorted by userName (SQL through the index, or Rust when it cannot), and by
                // title (Rust), both ways, against a stable sort with the same key.
                for attr in ["userName", "title"] {
                    let path = scim_filter::parse_attr_path(attr).unwrap();
                    let key = scim_filter::SortKey::compile(&path, &registry, &users_rt).unwrap();
                    for order in [scim_filter::SortOrder::Ascending, scim_filter::SortOrder::Descending] {
                        let mut matched: Vec<&scim_server::store::StoredResource> = stored
                            .iter()
                            .filter(|s| f.matches(&s.resource).unwrap())
                            .collect();
                        matched.sort_by(|a, b| key.compare(&a.resource, &b.resource, order));
                        let want: Vec<&str> = matched
                            .iter()
                            .skip(start - 1)
                            .take(count)
                            .map(|s| s.id.as_str())
                            .collect();
                        let req = ListRequest { sort: Some((&key, order)), ..req };
                        let page = store.list(&ctx, &users_rt, &req).await.unwrap();
                        let got: Vec<&str> = page.resources.iter().map(|r| r.id.as_str()).collect();
                        assert_eq!(got, want, "{text} sorted by {attr} {order:?}");
                        assert_eq!(page.total_results, matched.len());
                    }
                }
            }
        });
    }

    #[test]
    fn group_member_filters_agree(
        members in prop::collection::vec(word(), 0..5),
        filters in prop::collection::vec(
            (prop::sample::select(OPS), lit(), any::<bool>()).prop_map(|(o, l, vp)| {
                if vp { format!("members[value {o} {l}]") } else { format!("members.value {o} {l}") }
            }),
            1..6,
        ),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let registry = Arc::new(SchemaRegistry::builtin());
            let groups_rt = registry.resource_type("Group").unwrap().clone();
            let store = SqliteStore::open(temp_db(), registry.clone()).unwrap();
            let ctx = RequestContext::tenant("t");
            let ms: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
            let g = store
                .create(&ctx, &groups_rt, json!({"displayName": "g", "members": ms}))
                .await
                .unwrap();
            store.create(&ctx, &groups_rt, json!({"displayName": "empty"})).await.unwrap();
            let all = [g.clone(), store.list(&ctx, &groups_rt, &ListRequest { filter: None, sort: None, start_index: 2, count: 1 }).await.unwrap().resources.remove(0)];
            for text in &filters {
                let f = CompiledFilter::parse_and_compile(text, &registry, &groups_rt).unwrap();
                let want: Vec<&str> = all.iter().filter(|s| f.matches(&s.resource).unwrap()).map(|s| s.id.as_str()).collect();
                let req = ListRequest { filter: Some(&f), sort: None, start_index: 1, count: usize::MAX };
                let page = store.list(&ctx, &groups_rt, &req).await.unwrap();
                let got: Vec<&str> = page.resources.iter().map(|r| r.id.as_str()).collect();
                assert_eq!(got, want, "filter {text}");
            }
        });
    }
}
