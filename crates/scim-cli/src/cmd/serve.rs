//! `scim serve`: run a SCIM server over HTTP.

use bytes::Bytes;
use clap::Args;
use http_body_util::Full;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use scim_server::auth::{AllowAll, StaticBearer};
use scim_server::service::{ResponseFuture, ScimService};
use scim_server::store::{MemoryStore, ResourceStore, SqliteStore};
use scim_server::{ScimServer, ServerConfig};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::TcpListener;
use tower_service::Service;

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
    /// The most seconds one request may take, reading its body included; past it the
    /// answer is 503 with a SCIM error body.
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    request_timeout: u64,
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
    let file = match &args.config {
        Some(path) => Some(super::serve_config::FileConfig::read(path)?),
        None => None,
    };
    let (server, described) = if args.memory {
        let store = MemoryStore::new(config.registry.clone());
        (
            build(config, store, &args.tokens, file)?,
            "in-memory store".to_owned(),
        )
    } else {
        let store = SqliteStore::open(&args.db, config.registry.clone())
            .map_err(|e| format!("cannot open {}: {e}", args.db.display()))?;
        let described = format!("SQLite store {}", args.db.display());
        (build(config, store, &args.tokens, file)?, described)
    };
    let listener = TcpListener::bind(args.addr).await?;
    let local = listener.local_addr()?;
    say(&format!(
        "scim: serving SCIM 2.0 at http://{local}{} ({described})",
        args.base_path.trim_end_matches('/')
    ));
    if args.config.is_some() {
        say("scim: credentials from --config; tokens at POST /connect/token");
    } else if args.tokens.is_empty() {
        say("scim: no --token given: every request is allowed");
    } else {
        say("scim: send `Authorization: Bearer <token>` with one of the --token values");
    }
    let service = super::serve_config::Logged::new(Timed {
        inner: ScimService::new(server),
        limit: Duration::from_secs(args.request_timeout),
    });
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

/// The engine's service with `--request-timeout` around each call (body reading included):
/// past it, the request is dropped and answered 503 with a SCIM error body.
#[derive(Debug, Clone)]
struct Timed {
    inner: ScimService,
    limit: Duration,
}

impl<B> Service<http::Request<B>> for Timed
where
    ScimService: Service<
            http::Request<B>,
            Response = http::Response<Full<Bytes>>,
            Error = Infallible,
            Future = ResponseFuture,
        >,
{
    type Response = http::Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Service::<http::Request<B>>::poll_ready(&mut self.inner, cx)
    }

    fn call(&mut self, req: http::Request<B>) -> ResponseFuture {
        let answer = self.inner.call(req);
        let limit = self.limit;
        Box::pin(async move {
            match tokio::time::timeout(limit, answer).await {
                Ok(answered) => answered,
                Err(_elapsed) => Ok(timed_out(limit)),
            }
        })
    }
}

/// The 503 SCIM error for a request past `--request-timeout`.
fn timed_out(limit: Duration) -> http::Response<Full<Bytes>> {
    let detail = format!(
        "the request took longer than {} s (--request-timeout)",
        limit.as_secs()
    );
    let err = scim_core::ScimError::new(503, None, detail);
    let mut resp = http::Response::new(Full::from(serde_json::to_string(&err).unwrap_or_default()));
    *resp.status_mut() = http::StatusCode::SERVICE_UNAVAILABLE;
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(scim_server::response::SCIM_JSON),
    );
    resp
}

/// Prints a status line. A closed stdout (the parent stopped reading) must not stop the server.
fn say(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// The engine on `store`, with the credentials of `--config` (tokens, Basic users, scopes),
/// else the `--token` values, else letting every request through.
fn build(
    config: ServerConfig,
    store: impl ResourceStore + 'static,
    tokens: &[String],
    file: Option<super::serve_config::FileConfig>,
) -> Result<ScimServer, Box<dyn std::error::Error>> {
    if let Some(file) = file {
        let loaded = file.load(tokens)?;
        return Ok(ScimServer::builder(config, store, loaded.auth)
            .authorizer(loaded.policy)
            .token_endpoint(loaded.tokens)
            .build()?);
    }
    if tokens.is_empty() {
        return Ok(ScimServer::new(config, store, AllowAll)?);
    }
    let auth = tokens
        .iter()
        .fold(StaticBearer::new(), |auth, t| auth.token(t.clone(), ""));
    Ok(ScimServer::new(config, store, auth)?)
}
