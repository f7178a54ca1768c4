//! Examples of hosting and using the SCIM toolkit; see the `examples/` targets.
//!
//! The hosting examples (`cargo run -p scim-examples --example axum`, `--example hyper`) are
//! thin `main`s over the functions here, so `tests/hosting.rs` runs exactly the code they run.

use axum::Router;
use axum::routing::get;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use scim_server::auth::AllowAll;
use scim_server::service::ScimService;
use scim_server::store::MemoryStore;
use scim_server::{ConfigError, ScimServer, ServerConfig};
use tokio::net::TcpListener;

/// Where the SCIM endpoints live in both examples.
pub const BASE_PATH: &str = "/scim/v2";

/// The standard User (with the enterprise extension) and Group configuration under
/// [`BASE_PATH`], on the in-memory store, letting every request through.
///
/// Real hosts put a `StaticBearer` or their own `Authenticator` here.
pub fn standard_server() -> Result<ScimServer, ConfigError> {
    let config = ServerConfig::standard().with_base_path(BASE_PATH);
    let store = MemoryStore::new(config.registry.clone());
    ScimServer::new(config, store, AllowAll)
}

/// An axum router that serves `server` under [`BASE_PATH`], beside the host's own routes
/// (here a `/healthz`).
///
/// `route_service` hands the service the full path, which is what the engine's base path
/// expects. (`nest_service` would strip the prefix: the engine would then need an empty base
/// path and `public_url` set, or `meta.location` would lose the prefix.)
pub fn axum_router(server: ScimServer) -> Router {
    let scim = ScimService::new(server);
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route_service(BASE_PATH, scim.clone())
        .route_service(&format!("{BASE_PATH}/{{*rest}}"), scim)
}

/// Serves `server` with axum on `listener` until the task is dropped.
pub async fn serve_axum(listener: TcpListener, server: ScimServer) -> std::io::Result<()> {
    axum::serve(listener, axum_router(server)).await
}

/// Serves `server` with bare hyper 1 (through hyper-util's HTTP/1 + HTTP/2 auto builder) on
/// `listener`, one task per connection, until the task is dropped.
pub async fn serve_hyper(listener: TcpListener, server: ScimServer) -> std::io::Result<()> {
    let service = ScimService::new(server);
    loop {
        let (stream, _) = listener.accept().await?;
        let service = TowerToHyperService::new(service.clone());
        tokio::spawn(async move {
            // A connection error (a client hanging up) ends only that connection.
            let _ = auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
