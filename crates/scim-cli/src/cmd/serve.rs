//! `scim serve`: run a SCIM server over HTTP.

use clap::Args;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use scim_server::auth::{AllowAll, Authenticator, StaticBearer};
use scim_server::service::ScimService;
use scim_server::store::MemoryStore;
use scim_server::{ScimServer, ServerConfig};
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// Run a SCIM 2.0 server (standard User with the enterprise extension, and Group).
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Keep resources in memory (lost on exit).
    #[arg(long)]
    memory: bool,
    /// A bearer token with every right in the default tenant (repeatable). Without any,
    /// every request is let through.
    #[arg(long = "token", value_name = "TOKEN")]
    tokens: Vec<String>,
    /// The base path of the endpoints.
    #[arg(long, default_value = "/scim/v2")]
    base_path: String,
    /// A TOML file of API clients, API users, tenants, scopes and static tokens; enables
    /// HTTP Basic for API users and the token endpoint `POST /connect/token`.
    #[arg(long, value_name = "FILE")]
    config: Option<std::path::PathBuf>,
}

pub(crate) fn run(args: ServeArgs) -> Result<(), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve(args))
}

async fn serve(args: ServeArgs) -> Result<(), Box<dyn std::error::Error>> {
    super::serve_config::init_logging();
    let config = ServerConfig::standard().with_base_path(args.base_path.clone());
    let store = MemoryStore::new(config.registry.clone());
    let file = match &args.config {
        Some(path) => Some(super::serve_config::FileConfig::read(path)?),
        None => None,
    };
    let server = if let Some(file) = file {
        let loaded = file.load(&args.tokens)?;
        ScimServer::builder(config, store, loaded.auth)
            .authorizer(loaded.policy)
            .token_endpoint(loaded.tokens)
            .build()?
    } else if args.tokens.is_empty() {
        build(config, store, AllowAll)?
    } else {
        let auth = args
            .tokens
            .iter()
            .fold(StaticBearer::new(), |auth, t| auth.token(t.clone(), ""));
        build(config, store, auth)?
    };
    let _ = args.memory; // The in-memory store is the only one until SQLite lands.
    let listener = TcpListener::bind(args.addr).await?;
    let local = listener.local_addr()?;
    say(&format!(
        "scim: serving SCIM 2.0 at http://{local}{} (in-memory store)",
        args.base_path.trim_end_matches('/')
    ));
    if args.config.is_some() {
        say("scim: credentials from --config; tokens at POST /connect/token");
    } else if args.tokens.is_empty() {
        say("scim: no --token given: every request is allowed");
    } else {
        say("scim: send `Authorization: Bearer <token>` with one of the --token values");
    }
    let service = super::serve_config::Logged::new(ScimService::new(server));
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

/// Prints a status line. A closed stdout (the parent stopped reading) must not stop the server.
fn say(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn build(
    config: ServerConfig,
    store: MemoryStore,
    auth: impl Authenticator + 'static,
) -> Result<ScimServer, Box<dyn std::error::Error>> {
    Ok(ScimServer::new(config, store, auth)?)
}
