//! The server engine in-process: whole requests through `ScimServer::handle` on the
//! in-memory store (routing, authentication, validation, the store, projection and JSON
//! serialization included), on a current-thread tokio runtime.

use bytes::Bytes;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use http::Request;
use scim_server::auth::AllowAll;
use scim_server::store::MemoryStore;
use scim_server::{ScimServer, ServerConfig};
use std::hint::black_box;
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

// The allocator `scim serve` ships with (the engine allocates per request; glibc's malloc
// alone was about a third of a GET's instructions).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// 100,000 users; `SCIM_BENCH_USERS` overrides it (e.g. a small store for instruction-count
/// profiling under callgrind).
fn users() -> usize {
    std::env::var("SCIM_BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

fn server() -> ScimServer {
    let config = ServerConfig::standard();
    let store = MemoryStore::new(config.registry.clone());
    ScimServer::new(config, store, AllowAll).unwrap()
}

fn user(i: usize) -> Bytes {
    Bytes::from(scim_benches::user(i).to_string())
}

fn post(path: &str, body: Bytes) -> Request<Bytes> {
    Request::post(path)
        .header("content-type", "application/scim+json")
        .header("host", "bench.local")
        .body(body)
        .unwrap()
}

fn get(path: &str) -> Request<Bytes> {
    Request::get(path)
        .header("host", "bench.local")
        .body(Bytes::new())
        .unwrap()
}

/// A server with `n` users; returns the id of the user in the middle.
fn populated(rt: &Runtime, n: usize) -> (ScimServer, String) {
    let s = server();
    let mut middle = String::new();
    for i in 0..n {
        let resp = rt.block_on(s.handle(post("/scim/v2/Users", user(i))));
        assert_eq!(resp.status(), 201);
        if i == n / 2 {
            let v: serde_json::Value = serde_json::from_slice(resp.body()).unwrap();
            middle = v["id"].as_str().unwrap().to_owned();
        }
    }
    (s, middle)
}

fn benches(c: &mut Criterion) {
    let rt = runtime();
    let n = users();
    let (s, id) = populated(&rt, n);

    // GET /Users/{id} among 100,000 users: the whole request, response JSON included.
    let path = format!("/scim/v2/Users/{id}");
    c.bench_function("server/get_by_id (100k users)", |b| {
        b.iter(|| {
            let resp = rt.block_on(s.handle(get(black_box(&path))));
            assert_eq!(resp.status(), 200);
        })
    });

    // GET /Users?filter=userName eq "…" among 100,000 users: the case-folded index.
    let filter = format!(
        "/scim/v2/Users?filter=userName%20eq%20%22USER{:06}%22",
        n / 3
    );
    c.bench_function("server/list userName eq (100k users)", |b| {
        b.iter(|| {
            let resp = rt.block_on(s.handle(get(black_box(&filter))));
            assert_eq!(resp.status(), 200);
        })
    });

    // A non-indexed filter evaluated over every one of 100,000 users (count=10 returned).
    let scan = "/scim/v2/Users?filter=title%20eq%20%22Engineer%22%20and%20name.familyName%20sw%20%22Family99%22&count=10";
    let mut group = c.benchmark_group("server/scan");
    group.sample_size(10);
    group.bench_function("non-indexed filter (100k users)", |b| {
        b.iter(|| {
            let resp = rt.block_on(s.handle(get(black_box(scan))));
            assert_eq!(resp.status(), 200);
        })
    });
    group.finish();

    // POST /Users: JSON parsing, validation, uniqueness, storage and the 201 response, into a
    // store that already holds 100,000 users. Every iteration creates a new user; building
    // its request body is setup, outside the timing.
    let mut i = n;
    c.bench_function("server/create (100k users)", |b| {
        b.iter_batched(
            || {
                i += 1;
                post("/scim/v2/Users", user(i))
            },
            |req| {
                let resp = rt.block_on(s.handle(req));
                assert_eq!(resp.status(), 201);
            },
            BatchSize::SmallInput,
        )
    });

    // The same create into a store whose size stays at 100,000: each created user is deleted
    // again outside the timing, so the allocator reuses memory. The bench above also pays
    // for the store's growth: on a VM, the first touch of each new page of memory is a
    // page fault that can cost as much as the create itself.
    let delete = |id: &str| {
        Request::delete(format!("/scim/v2/Users/{id}"))
            .body(Bytes::new())
            .unwrap()
    };
    c.bench_function("server/create, store size steady (100k users)", |b| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            for _ in 0..iters {
                i += 1;
                let req = post("/scim/v2/Users", user(i));
                let start = Instant::now();
                let resp = rt.block_on(s.handle(req));
                timed += start.elapsed();
                assert_eq!(resp.status(), 201);
                let v: serde_json::Value = serde_json::from_slice(resp.body()).unwrap();
                let id = v["id"].as_str().unwrap();
                assert_eq!(rt.block_on(s.handle(delete(id))).status(), 204);
            }
            timed
        })
    });
}

criterion_group!(server_benches, benches);
criterion_main!(server_benches);
