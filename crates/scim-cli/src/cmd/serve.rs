//! `scim serve`: run a SCIM server over HTTP.

use super::serve_preset::{self, Preset};
use bytes::Bytes;
use clap::Args;
use http_body_util::Full;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use scim_server::auth::{AllowAll, StaticBearer};
use scim_server::presets::case_management::CaseStore;
use scim_server::presets::seed_groups;
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

/// Run a SCIM 2.0 server: standard User (with the enterprise extension) and Group, or one of
/// the product presets.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Which product to serve: its base path, schemas, capabilities, store and seeded groups.
    #[arg(long, value_enum, default_value = "standard")]
    preset: Preset,
    /// Keep resources in memory (lost on exit) instead of in the SQLite file.
    #[arg(long, conflicts_with = "db")]
    memory: bool,
    /// The SQLite database file, created if missing [default: scim.db, locker.db or
    /// case-management.db by preset].
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,
    /// A bearer token with every right in the default tenant (repeatable). Without any (and
    /// without --config), the standard preset lets every request through, the locker preset
    /// makes up an OAuth client and API users, and the case-management preset a token.
    #[arg(long = "token", value_name = "TOKEN")]
    tokens: Vec<String>,
    /// The base path of the endpoints [default: the preset's, /scim/v2 or /api].
    #[arg(long)]
    base_path: Option<String>,
    /// The most seconds one request may take, reading its body included; past it the
    /// answer is 503 with a SCIM error body.
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    request_timeout: u64,
    /// A TOML file of API clients, API users, tenants, scopes, static tokens and groups to
    /// seed; enables HTTP Basic for API users and the token endpoint `POST /connect/token`.
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
    let preset = args.preset;
    let mut config = preset.config();
    if let Some(base_path) = &args.base_path {
        config = config.with_base_path(base_path.clone());
    }
    let base_path = config.base_path.trim_end_matches('/').to_owned();
    let mut file = match &args.config {
        Some(path) => Some(super::serve_config::FileConfig::read(path)?),
        None => None,
    };
    let mut tokens = args.tokens.clone();
    let generated = serve_preset::generate(preset, &mut file, &mut tokens);
    let has_file = file.is_some();
    let tenants = serve_preset::seed_tenants(file.as_ref());
    let groups = serve_preset::seed_groups(preset, file.as_ref());
    let names: Vec<&str> = groups.iter().map(String::as_str).collect();
    let db = args
        .db
        .clone()
        .unwrap_or_else(|| PathBuf::from(preset.default_db()));
    let (server, described) = match (preset, args.memory) {
        (Preset::CaseManagement, memory) => {
            let registry = config.registry.clone();
            let (store, described) = if memory {
                (
                    CaseStore::open_in_memory(registry)?,
                    "in-memory app tables".to_owned(),
                )
            } else {
                let store = CaseStore::open(&db, registry)
                    .map_err(|e| format!("cannot open {}: {e}", db.display()))?;
                (store, format!("app tables in {}", db.display()))
            };
            for tenant in &tenants {
                store.seed_profiles(tenant, &names).await?;
            }
            (build(config, store, &tokens, file)?, described)
        }
        (_, true) => {
            let store = MemoryStore::new(config.registry.clone());
            seed_everywhere(&store, &config, &tenants, &names).await?;
            (
                build(config, store, &tokens, file)?,
                "in-memory store".to_owned(),
            )
        }
        (_, false) => {
            let store = SqliteStore::open(&db, config.registry.clone())
                .map_err(|e| format!("cannot open {}: {e}", db.display()))?;
            seed_everywhere(&store, &config, &tenants, &names).await?;
            let described = format!("SQLite store {}", db.display());
            (build(config, store, &tokens, file)?, described)
        }
    };
    let listener = TcpListener::bind(args.addr).await?;
    let local = listener.local_addr()?;
    let origin = format!("http://{local}");
    say(&format!(
        "scim: serving SCIM 2.0 at {origin}{base_path} ({} preset, {described})",
        preset.label()
    ));
    if !names.is_empty() {
        let shown: Vec<&str> = tenants
            .iter()
            .map(|t| {
                if t.is_empty() {
                    "(default)"
                } else {
                    t.as_str()
                }
            })
            .collect();
        say(&format!(
            "scim: groups {} in tenants {}",
            names.join(", "),
            shown.join(", ")
        ));
    }
    let hints = serve_preset::auth_hints(
        &origin,
        &format!("{origin}{base_path}"),
        &generated,
        has_file,
        !tokens.is_empty(),
    );
    for line in hints {
        say(&line);
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

/// Seeds the groups `names` in each of `tenants`.
async fn seed_everywhere(
    store: &dyn ResourceStore,
    config: &ServerConfig,
    tenants: &[String],
    names: &[&str],
) -> Result<(), Box<dyn std::error::Error>> {
    for tenant in tenants {
        seed_groups(store, &config.registry, tenant, names).await?;
    }
    Ok(())
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
