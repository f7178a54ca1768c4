//! The heap a `MemoryStore` keeps per stored user: creates users through the engine (as the
//! `server` bench does) and reports the live heap bytes and blocks they added, measured by
//! `dhat`'s counting allocator.
//!
//! ```text
//! cargo run --release -p scim-benches --example store_memory [USERS]
//! ```

use bytes::Bytes;
use http::Request;
use scim_server::auth::AllowAll;
use scim_server::store::MemoryStore;
use scim_server::{ScimServer, ServerConfig};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn user(i: usize) -> Bytes {
    Bytes::from(scim_benches::user(i).to_string())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let users: usize = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 100_000,
    };
    let _profiler = dhat::Profiler::builder().testing().build();
    let rt = tokio::runtime::Builder::new_current_thread().build()?;
    let config = ServerConfig::standard();
    let store = MemoryStore::new(config.registry.clone());
    let server = ScimServer::new(config, store, AllowAll)?;
    // One user first, so that tables and the runtime's own allocations are not counted.
    let post = |i| {
        Request::post("/scim/v2/Users")
            .header("content-type", "application/scim+json")
            .body(user(i))
    };
    rt.block_on(server.handle(post(0)?));
    let before = dhat::HeapStats::get();
    for i in 1..=users {
        let resp = rt.block_on(server.handle(post(i)?));
        if resp.status() != 201 {
            return Err(format!("create {i} answered {}", resp.status()).into());
        }
    }
    let after = dhat::HeapStats::get();
    let per = |a: usize, b: usize| a.saturating_sub(b) as f64 / users.max(1) as f64;
    println!(
        "{users} users: {:.0} heap bytes and {:.1} blocks per user",
        per(after.curr_bytes, before.curr_bytes),
        per(after.curr_blocks, before.curr_blocks),
    );
    Ok(())
}
