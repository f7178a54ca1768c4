//! scim-patch hot paths. Every measurement starts from a fresh copy of its resource (made
//! outside the timing, see `timed_on_fresh`); the timed part resolves the parsed PatchOp
//! against the schema and applies it (`Patcher::apply`: plan + apply, with the undo log
//! that makes it atomic, dropped inside the timing).

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use criterion::{Criterion, criterion_group, criterion_main};
use scim_core::{Compat, SchemaRegistry};
use scim_patch::{PatchOp, Patcher};
use serde_json::{Value, json};
use std::hint::black_box;
use std::time::{Duration, Instant};

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn user() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "701984",
        "userName": "bjensen@example.com",
        "name": {"formatted": "Ms. Barbara J Jensen, III", "familyName": "Jensen",
                 "givenName": "Barbara", "middleName": "Jane"},
        "displayName": "Babs Jensen",
        "nickName": "Babs",
        "title": "Tour Guide",
        "active": true,
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "phoneNumbers": [{"value": "555-555-5555", "type": "work"}],
        "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza",
                       "locality": "Hollywood", "region": "CA", "postalCode": "91608",
                       "country": "USA", "primary": true}],
        ENT: {"employeeNumber": "701984", "costCenter": "4130", "department": "Tour Operations",
              "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}},
        "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z",
                 "lastModified": "2011-05-13T04:42:34Z", "version": "W/\"3694e05e9dff591\""}
    })
}

fn member_id(i: usize) -> String {
    format!("{i:08x}-7f76-453a-919d-413861904646")
}

fn group(n: usize) -> Value {
    let members: Vec<Value> = (0..n)
        .map(|i| json!({"value": member_id(i), "display": format!("User {i}")}))
        .collect();
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "displayName": "Everyone",
        "members": members,
        "meta": {"resourceType": "Group"}
    })
}

/// Times `routine` alone on a fresh copy of `base` per iteration, deserialized from JSON
/// text as a store would load it: making the copy and dropping the patched resource are
/// outside the timing; dropping the undo log is inside (it is part of the request).
fn timed_on_fresh<R>(
    base: &Value,
    mut routine: impl FnMut(&mut Value) -> R,
) -> impl FnMut(u64) -> Duration {
    let text = serde_json::to_string(base).unwrap();
    move |iters| {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            let mut r: Value = serde_json::from_str(&text).unwrap();
            let start = Instant::now();
            let out = routine(&mut r);
            total += start.elapsed();
            black_box(out);
        }
        total
    }
}

fn patch(body: Value) -> PatchOp {
    PatchOp::from_json(&body, Compat::tolerant()).unwrap()
}

fn bench_user(c: &mut Criterion) {
    let registry = SchemaRegistry::builtin();
    let patcher = Patcher::new(&registry);
    let base = user();
    let three = patch(json!({"Operations": [
        {"op": "replace", "path": "name.givenName", "value": "Barb"},
        {"op": "add", "path": "emails", "value": [{"value": "b@new.example", "type": "other", "primary": true}]},
        {"op": "replace", "path": "emails[type eq \"home\"].display", "value": "Home"}
    ]}));
    let refused = patch(json!({"Operations": [
        {"op": "replace", "path": "name.givenName", "value": "Barb"},
        {"op": "add", "path": "emails", "value": [{"value": "b@new.example", "type": "other", "primary": true}]},
        {"op": "replace", "path": "id", "value": "other"}
    ]}));
    c.bench_function("patch/user_3_ops", |b| {
        b.iter_custom(timed_on_fresh(&base, |u| {
            patcher.apply(u, black_box(&three)).unwrap()
        }))
    });
    let rt = registry.resource_type("User").unwrap();
    c.bench_function("patch/user_3_ops_plan_only", |b| {
        b.iter(|| patcher.plan(rt, black_box(&three)).unwrap())
    });
    let planned = patcher.plan(rt, &three).unwrap();
    c.bench_function("patch/user_3_ops_apply_planned", |b| {
        b.iter_custom(timed_on_fresh(&base, |u| {
            planned.apply(black_box(u)).unwrap()
        }))
    });
    c.bench_function("patch/user_3_ops_refused_rolled_back", |b| {
        b.iter_custom(timed_on_fresh(&base, |u| {
            patcher.apply(u, black_box(&refused)).unwrap_err()
        }))
    });
    let new = {
        let mut n = base.clone();
        n["name"]["givenName"] = json!("Barb");
        n["title"] = json!("Senior Tour Guide");
        n["emails"][1] = json!({"value": "babs@jensen.example", "type": "home"});
        n[ENT]["department"] = json!("Tours");
        n.as_object_mut().unwrap().shift_remove("nickName");
        n
    };
    c.bench_function("diff/two_users", |b| {
        b.iter(|| scim_patch::diff(black_box(&base), black_box(&new), &registry))
    });
}

fn bench_groups(c: &mut Criterion) {
    let registry = SchemaRegistry::builtin();
    let patcher = Patcher::new(&registry);
    let g10k = group(10_000);
    let add_one = patch(json!({"Operations": [
        {"op": "add", "path": "members", "value": [{"value": member_id(0x0fff_ffff), "display": "New"}]}
    ]}));
    let mut slow = c.benchmark_group("patch/group");
    slow.sample_size(30)
        .measurement_time(Duration::from_secs(8));
    slow.bench_function("add_1_member_to_10k_cloned_exact_capacity", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut g = g10k.clone();
                let start = Instant::now();
                let out = patcher.apply(&mut g, black_box(&add_one)).unwrap();
                total += start.elapsed();
                black_box(out);
            }
            total
        })
    });
    slow.bench_function("add_1_member_to_10k", |b| {
        b.iter_custom(timed_on_fresh(&g10k, |g| {
            patcher.apply(g, black_box(&add_one)).unwrap()
        }))
    });
    // The same add on a group whose member identities an earlier request counted and a
    // `KeptIndex` kept (as a store keeping resources between requests does): the new
    // member's hash is not counted, so no member is read. Copying the group and its index
    // is outside the timing; the add, with its undo log and the index update, is inside.
    // The earlier request re-adds a present member: a no-op that counts the identities.
    let mut built = scim_patch::KeptIndex::new();
    let warm = patch(json!({"Operations": [
        {"op": "add", "path": "members", "value": [{"value": member_id(1), "display": "User 1"}]}
    ]}));
    let mut warmed = g10k.clone();
    assert!(
        patcher
            .apply_kept(&mut warmed, &warm, &mut built)
            .unwrap()
            .is_noop()
    );
    assert_eq!(warmed, g10k);
    assert!(!built.is_empty());
    let text = serde_json::to_string(&g10k).unwrap();
    slow.bench_function("add_1_member_to_10k_kept_index", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut g: Value = serde_json::from_str(&text).unwrap();
                let mut kept = built.clone();
                let start = Instant::now();
                let out = patcher
                    .apply_kept(&mut g, black_box(&add_one), &mut kept)
                    .unwrap();
                total += start.elapsed();
                black_box(out);
            }
            total
        })
    });
    let g100k = group(100_000);
    let listed: Vec<Value> = (0..1000)
        .map(|i| json!({"value": member_id(i * 97)}))
        .collect();
    let remove_list = patch(json!({"Operations": [
        {"op": "remove", "path": "members", "value": listed}
    ]}));
    let filter = (0..1000)
        .map(|i| format!("value eq \"{}\"", member_id(i * 97)))
        .collect::<Vec<_>>()
        .join(" or ");
    let remove_filter = patch(json!({"Operations": [
        {"op": "remove", "path": format!("members[{filter}]")}
    ]}));
    let group_rt = registry.resource_type("Group").unwrap();
    slow.bench_function("plan_only_remove_1000_listed", |b| {
        b.iter(|| patcher.plan(group_rt, black_box(&remove_list)).unwrap())
    });
    slow.bench_function("remove_1000_listed_from_100k", |b| {
        b.iter_custom(timed_on_fresh(&g100k, |g| {
            patcher.apply(g, black_box(&remove_list)).unwrap()
        }))
    });
    slow.bench_function("remove_1000_by_or_filter_from_100k", |b| {
        b.iter_custom(timed_on_fresh(&g100k, |g| {
            patcher.apply(g, black_box(&remove_filter)).unwrap()
        }))
    });
    slow.finish();
}

criterion_group!(benches, bench_user, bench_groups);
criterion_main!(benches);
