//! `scim serve`: run a SCIM server over HTTP.

use clap::Args;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use scim_server::auth::{AllowAll, StaticBearer};
use scim_server::service::ScimService;
use scim_server::store::{MemoryStore, ResourceStore, SqliteStore};
use scim_server::{ScimServer, ServerConfig};
use std::net::SocketAddr;
use std::path::PathBuf;
use tokio::net::TcpListener;

/// Run a SCIM 2.0 server (standard User with the enterprise extension, and Group).
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Keep resources in memory (lost on exit) instead of in the SQLite file.
    #[arg(long, conflicts_with = "db")]
    memory: bool,
    /// The SQLite database file (created if missing).
    #[arg(long, value_name = "PATH", default_value = "scim.db")]
    db: PathBuf,
    /// A bearer token with every right in the default tenant (repeatable). Without any,
    /// every request is let through.
    #[arg(long = "token", value_name = "TOKEN")]
    tokens: Vec<String>,
    /// The base path of the endpoints.
    #[arg(long, default_value = "/scim/v2")]
    base_path: String,
}

pub(crate) fn run(args: ServeArgs) -> Result<(), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve(args))
}

async fn serve(args: ServeArgs) -> Result<(), Box<dyn std::error::Error>> {
    let config = ServerConfig::standard().with_base_path(args.base_path.clone());
    let (server, described) = if args.memory {
        let store = MemoryStore::new(config.registry.clone());
        (
            build(config, store, &args.tokens)?,
            "in-memory store".to_owned(),
        )
    } else {
        let store = SqliteStore::open(&args.db, config.registry.clone())
            .map_err(|e| format!("cannot open {}: {e}", args.db.display()))?;
        let described = format!("SQLite store {}", args.db.display());
        (build(config, store, &args.tokens)?, described)
    };
    let listener = TcpListener::bind(args.addr).await?;
    let local = listener.local_addr()?;
    println!(
        "scim: serving SCIM 2.0 at http://{local}{} ({described})",
        args.base_path.trim_end_matches('/')
    );
    if args.tokens.is_empty() {
        println!("scim: no --token given: every request is allowed");
    } else {
        println!("scim: send `Authorization: Bearer <token>` with one of the --token values");
    }
    let service = ScimService::new(server);
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => accepted?,
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        let service = TowerToHyperService::new(service.clone());
        tokio::spawn(async move {
            let _ = auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn build(
    config: ServerConfig,
    store: impl ResourceStore + 'static,
    tokens: &[String],
) -> Result<ScimServer, Box<dyn std::error::Error>> {
    if tokens.is_empty() {
        return Ok(ScimServer::new(config, store, AllowAll)?);
    }
    let auth = tokens
        .iter()
        .fold(StaticBearer::new(), |auth, t| auth.token(t.clone(), ""));
    Ok(ScimServer::new(config, store, auth)?)
}
