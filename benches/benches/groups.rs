//! Member PATCHes of a large group through the whole engine (`ScimServer::handle`) on the
//! in-memory store, which patches a group in place, keeps its member identities between
//! requests and relinks memberships by the members added. Each iteration adds one new
//! member to a group of 10,000 (so the group grows by one per iteration); the response
//! leaves `members` out (`excludedAttributes=members`), as provisioning clients that do
//! not read it back ask.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use bytes::Bytes;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use http::Request;
use scim_server::auth::AllowAll;
use scim_server::store::MemoryStore;
use scim_server::{ScimServer, ServerConfig};
use serde_json::{Value, json};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn request(method: &str, path: &str, body: &Value) -> Request<Bytes> {
    Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/scim+json")
        .header("host", "bench.local")
        .body(Bytes::from(body.to_string()))
        .unwrap()
}

fn member_id(i: usize) -> String {
    format!("{i:08x}-7f76-453a-919d-413861904646")
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let config = ServerConfig::standard();
    let store = MemoryStore::new(config.registry.clone());
    let server = ScimServer::new(config, store, AllowAll).unwrap();
    let members: Vec<Value> = (0..10_000)
        .map(|i| json!({"value": member_id(i)}))
        .collect();
    let group = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                       "displayName": "Everyone", "members": members});
    let resp = rt.block_on(server.handle(request("POST", "/scim/v2/Groups", &group)));
    assert_eq!(resp.status(), 201);
    let created: Value = serde_json::from_slice(resp.body()).unwrap();
    let path = format!(
        "/scim/v2/Groups/{}?excludedAttributes=members",
        created["id"].as_str().unwrap()
    );
    let add = |i: usize| {
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
               "Operations": [{"op": "add", "path": "members", "value": [{"value": member_id(i)}]}]})
    };
    // The first PATCH counts the member identities; the measured ones find them kept.
    let resp = rt.block_on(server.handle(request("PATCH", &path, &add(10_000))));
    assert_eq!(resp.status(), 200);
    let mut next = 10_001;
    c.bench_function("server/patch add 1 member to a 10k-member group", |b| {
        b.iter_batched(
            || {
                next += 1;
                request("PATCH", &path, &add(next))
            },
            |req| {
                let resp = rt.block_on(server.handle(req));
                assert_eq!(resp.status(), 200);
            },
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(group_benches, benches);
criterion_main!(group_benches);
