//! The embedded SQLite store (`SqliteStore`), called directly through the `ResourceStore`
//! trait on a current-thread tokio runtime (each call hops to a blocking thread), on a file
//! under `target/`:
//!
//! - `create_10k_users/{full,process}`: 10,000 `create` calls into a fresh file, one
//!   transaction each, with `Durability::Full` (an fsync per commit, the default) and
//!   `Durability::Process` (`synchronous = NORMAL`);
//! - `username_eq_of_100k`: `list` with `userName eq "user054321"` among 100,000 users (the
//!   `attr_index` lookup, then the one resource read and materialized);
//! - `emails_work_example_of_100k`: `list` with the pushed-down
//!   `emails[type eq "work" and value ew "@example.com"]` over 100,000 users (10,000 match):
//!   the total counted in SQL (a `json_each` scan calling the Rust comparison) plus the first
//!   page of 100 read and materialized; `…_page_2` is the following page with the same
//!   filter, as a client pages through (keyset: the count is not redone); `…_cold` is page 1
//!   right after a write, so the count and the scan are redone over all 100,000 users;
//! - `get_one_user_of_100k`: one `get` (row read, JSON parse, derived `groups` looked up);
//! - `add_member_to_100k_group`: one PATCH `add members` of a new member to a group of
//!   100,000 members, with `skip_members` (the response does not echo the members): the
//!   membership-table delta, the group's new version, and the new member's version bump.

use criterion::{Criterion, criterion_group, criterion_main};
use scim_core::SchemaRegistry;
use scim_core::message::{PatchOpKind, PatchOperation};
use scim_core::registry::ResourceType;
use scim_server::store::{
    Durability, ListRequest, Patcher, Precondition, RequestContext, ResourceStore, SqliteStore,
};
use serde_json::{Value, json};
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

const USERS: usize = 100_000;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

fn dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-sqlite");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn fresh(name: &str) -> PathBuf {
    let p = dir().join(name);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
    }
    p
}

fn user(i: usize) -> Value {
    let domain = if i.is_multiple_of(10) {
        "example.com"
    } else {
        "example.org"
    };
    // The engine benchmarks' user, with a second email and one work domain in ten.
    let mut user = scim_benches::user(i);
    user["emails"] = json!([
        {"value": format!("user{i}@{domain}"), "type": "work", "primary": true},
        {"value": format!("user{i}@home.example.com"), "type": "home"}
    ]);
    user
}

struct AddMember(Vec<PatchOperation>);

impl Patcher for AddMember {
    fn apply(&self, resource: &mut Value) -> Result<bool, scim_core::ScimError> {
        let obj = resource.as_object_mut().unwrap();
        let list = obj.entry("members").or_insert_with(|| json!([]));
        for op in &self.0 {
            for m in op.value.as_ref().unwrap().as_array().unwrap() {
                list.as_array_mut().unwrap().push(m.clone());
            }
        }
        Ok(true)
    }

    fn operations(&self) -> &[PatchOperation] {
        &self.0
    }
}

struct Fixture {
    store: SqliteStore,
    registry: Arc<SchemaRegistry>,
    users: ResourceType,
    groups: ResourceType,
    group: String,
    first_user: String,
}

fn fixture(rt: &Runtime) -> Fixture {
    let registry = Arc::new(SchemaRegistry::builtin());
    let users = registry.resource_type("User").unwrap().clone();
    let groups = registry.resource_type("Group").unwrap().clone();
    let path = fresh("fixture-100k.db");
    let store = SqliteStore::open_with(&path, registry.clone(), Durability::Process).unwrap();
    let ctx = RequestContext::tenant("bench");
    let started = Instant::now();
    let (group, first_user) = rt.block_on(async {
        let mut ids = Vec::with_capacity(USERS);
        for i in 0..USERS {
            ids.push(store.create(&ctx, &users, user(i)).await.unwrap().id);
        }
        let members: Vec<Value> = ids
            .iter()
            .map(|id| json!({"value": id, "type": "User"}))
            .collect();
        let group = store
            .create(
                &ctx,
                &groups,
                json!({"displayName": "Everyone", "members": members}),
            )
            .await
            .unwrap()
            .id;
        (group, ids.swap_remove(0))
    });
    eprintln!(
        "fixture: 100,000 users and a 100,000-member group in {:?}",
        started.elapsed()
    );
    Fixture {
        store,
        registry,
        users,
        groups,
        group,
        first_user,
    }
}

fn create_10k(c: &mut Criterion) {
    let rt = runtime();
    let registry = Arc::new(SchemaRegistry::builtin());
    let users = registry.resource_type("User").unwrap().clone();
    let mut g = c.benchmark_group("sqlite");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    for (name, durability) in [("full", Durability::Full), ("process", Durability::Process)] {
        g.bench_function(format!("create_10k_users/{name}"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let path = fresh(&format!("create-{name}.db"));
                    let store =
                        SqliteStore::open_with(&path, registry.clone(), durability).unwrap();
                    let ctx = RequestContext::tenant("bench");
                    let started = Instant::now();
                    rt.block_on(async {
                        for i in 0..10_000 {
                            black_box(store.create(&ctx, &users, user(i)).await.unwrap());
                        }
                    });
                    total += started.elapsed();
                }
                total
            })
        });
    }
    g.finish();
}

fn queries(c: &mut Criterion) {
    let rt = runtime();
    let f = fixture(&rt);
    let ctx = RequestContext::tenant("bench");
    let mut g = c.benchmark_group("sqlite");
    let by_name = scim_filter::CompiledFilter::parse_and_compile(
        r#"userName eq "user054321""#,
        &f.registry,
        &f.users,
    )
    .unwrap();
    g.bench_function("username_eq_of_100k", |b| {
        b.iter(|| {
            let page = rt
                .block_on(f.store.list(
                    &ctx,
                    &f.users,
                    &ListRequest {
                        filter: Some(&by_name),
                        sort: None,
                        start_index: 1,
                        count: 100,
                    },
                ))
                .unwrap();
            assert_eq!(page.total_results, 1);
            black_box(page)
        })
    });
    let emails = scim_filter::CompiledFilter::parse_and_compile(
        r#"emails[type eq "work" and value ew "@example.com"]"#,
        &f.registry,
        &f.users,
    )
    .unwrap();
    g.sample_size(20);
    for (name, start) in [
        ("emails_work_example_of_100k", 1),
        ("emails_work_example_of_100k_page_2", 101),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let page = rt
                    .block_on(f.store.list(
                        &ctx,
                        &f.users,
                        &ListRequest {
                            filter: Some(&emails),
                            sort: None,
                            start_index: start,
                            count: 100,
                        },
                    ))
                    .unwrap();
                assert_eq!(page.total_results, USERS / 10);
                assert_eq!(page.resources.len(), 100);
                black_box(page)
            })
        });
    }
    // Cold: a write before each run retires the cached count and page positions, so the
    // whole filter runs over the 100,000 users (the write is not timed).
    g.bench_function("emails_work_example_of_100k_cold", |b| {
        b.iter_batched(
            || {
                rt.block_on(f.store.replace(
                    &ctx,
                    &f.users,
                    &f.first_user,
                    user(0),
                    Precondition::None,
                ))
                .unwrap();
            },
            |()| {
                let page = rt
                    .block_on(f.store.list(
                        &ctx,
                        &f.users,
                        &ListRequest {
                            filter: Some(&emails),
                            sort: None,
                            start_index: 1,
                            count: 100,
                        },
                    ))
                    .unwrap();
                assert_eq!(page.total_results, USERS / 10);
                black_box(page)
            },
            criterion::BatchSize::PerIteration,
        )
    });
    g.bench_function("get_one_user_of_100k", |b| {
        b.iter(|| {
            black_box(
                rt.block_on(f.store.get(&ctx, &f.users, &f.first_user))
                    .unwrap(),
            )
        })
    });
    g.sample_size(50);
    let mut ctx_skip = ctx.clone();
    ctx_skip.skip_members = true;
    g.bench_function("add_member_to_100k_group", |b| {
        b.iter(|| {
            let id = uuid_like();
            let patch = AddMember(vec![PatchOperation::new(
                PatchOpKind::Add,
                Some("members"),
                Some(json!([{"value": id, "type": "User"}])),
            )]);
            let (stored, changed) = rt
                .block_on(
                    f.store
                        .patch(&ctx_skip, &f.groups, &f.group, &patch, Precondition::None),
                )
                .unwrap();
            assert!(changed);
            black_box(stored)
        })
    });
    g.finish();
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!("new-member-{}", N.fetch_add(1, Ordering::Relaxed))
}

criterion_group!(benches, create_10k, queries);
criterion_main!(benches);
