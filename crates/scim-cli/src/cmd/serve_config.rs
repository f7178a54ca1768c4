//! `scim serve --config scim.toml`: API clients, API users, tenants, scopes and static tokens,
//! and the request log.
//!
//! ```toml
//! [tokens]                 # the token endpoint, POST /connect/token
//! access_ttl = 3600        # seconds (default 1 hour)
//! refresh_ttl = 2592000    # seconds (default 30 days)
//!
//! [[tenants]]
//! name = "acme"
//!
//! [[clients]]              # OAuth clients of the token endpoint
//! id = "connector"
//! secret = "s3cret"        # or secret_hash = "$argon2id$…"
//! tenants = ["acme"]       # the tenants whose users it may log in (empty: any)
//!
//! [[users]]                # API users: HTTP Basic, and the password grant
//! username = "sync"
//! password = "pw"          # or password_hash = "$argon2id$…"
//! tenant = "acme"
//! scopes = ["SCIM:user:get"]   # omitted: every right ("*")
//!
//! [[bearer]]               # static bearer tokens
//! token = "t0ken"
//! tenant = "acme"
//! scopes = ["*"]
//!
//! [scopes]
//! operation_scopes = ["User", "Group"]     # require SCIM:user:get, SCIM:user:post, …
//! schema = { core = ["urn:ietf:params:scim:schemas:core:2.0:User"] }
//! [[scopes.filters]]                       # mandatory filters
//! scope = "segment:emea"                   # omitted: for every caller
//! resource_type = "User"
//! filter = 'title eq "emea"'
//!
//! [seed]                   # groups made at start in every tenant, if missing
//! groups = ["Case worker", "Auditor"]  # (authorization profiles with --preset case-management)
//! ```
//!
//! Cleartext passwords and secrets are hashed with argon2 at load and never printed.

use scim_server::auth::{
    ALL_RIGHTS, AnyOf, BasicAuth, ScopePolicy, StaticBearer, TokenService, Users, hash_password,
};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Instant;

/// The configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileConfig {
    #[serde(default)]
    tokens: TokenSettings,
    #[serde(default)]
    tenants: Vec<TenantConfig>,
    #[serde(default)]
    clients: Vec<ClientConfig>,
    #[serde(default)]
    users: Vec<UserConfig>,
    #[serde(default)]
    bearer: Vec<BearerConfig>,
    #[serde(default)]
    scopes: ScopesConfig,
    #[serde(default)]
    seed: SeedConfig,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedConfig {
    groups: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenSettings {
    access_ttl: Option<u64>,
    refresh_ttl: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TenantConfig {
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientConfig {
    id: String,
    secret: Option<String>,
    secret_hash: Option<String>,
    #[serde(default)]
    tenants: Vec<String>,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("id", &self.id)
            .finish()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserConfig {
    username: String,
    password: Option<String>,
    password_hash: Option<String>,
    tenant: String,
    scopes: Option<Vec<String>>,
}

impl std::fmt::Debug for UserConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserConfig")
            .field("username", &self.username)
            .field("tenant", &self.tenant)
            .finish()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BearerConfig {
    token: String,
    #[serde(default)]
    tenant: String,
    scopes: Option<Vec<String>>,
}

impl std::fmt::Debug for BearerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BearerConfig")
            .field("tenant", &self.tenant)
            .finish()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScopesConfig {
    #[serde(default)]
    operation_scopes: Vec<String>,
    #[serde(default)]
    schema: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    filters: Vec<FilterConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FilterConfig {
    scope: Option<String>,
    resource_type: String,
    filter: String,
}

/// A configuration error, with the offending entry named (never its secret).
#[derive(Debug)]
pub(crate) struct ConfigFileError(String);

impl std::fmt::Display for ConfigFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigFileError {}

fn err(msg: impl Into<String>) -> ConfigFileError {
    ConfigFileError(msg.into())
}

/// What the configuration file sets up.
#[derive(Debug)]
pub(crate) struct Loaded {
    /// Every authenticator, in order: issued tokens, static tokens, Basic users.
    pub(crate) auth: AnyOf,
    /// The token endpoint.
    pub(crate) tokens: TokenService,
    /// Who may do what.
    pub(crate) policy: ScopePolicy,
}

impl FileConfig {
    /// Reads and parses a configuration file.
    pub(crate) fn read(path: &std::path::Path) -> Result<FileConfig, ConfigFileError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| err(format!("cannot read {}: {e}", path.display())))?;
        toml::from_str(&text).map_err(|e| err(format!("{}: {e}", path.display())))
    }

    /// Credentials made up at start: one OAuth client holding `tenants`, and API users
    /// `(username, password, tenant)` with every right in their tenant.
    pub(crate) fn generated(
        client: (&str, &str),
        users: &[(String, String, String)],
        tenants: &[&str],
    ) -> FileConfig {
        FileConfig {
            tenants: tenants
                .iter()
                .map(|t| TenantConfig {
                    name: (*t).to_owned(),
                })
                .collect(),
            clients: vec![ClientConfig {
                id: client.0.to_owned(),
                secret: Some(client.1.to_owned()),
                secret_hash: None,
                tenants: tenants.iter().map(|t| (*t).to_owned()).collect(),
            }],
            users: users
                .iter()
                .map(|(username, password, tenant)| UserConfig {
                    username: username.clone(),
                    password: Some(password.clone()),
                    password_hash: None,
                    tenant: tenant.clone(),
                    scopes: None,
                })
                .collect(),
            ..FileConfig::default()
        }
    }

    /// Every tenant the file names (in `[[tenants]]`, or as a user's or token's tenant),
    /// each once, in order of appearance.
    pub(crate) fn tenant_names(&self) -> Vec<String> {
        let named = self.tenants.iter().map(|t| t.name.as_str());
        let used = self.users.iter().map(|u| u.tenant.as_str());
        let tokens = self.bearer.iter().map(|b| b.tenant.as_str());
        let mut all: Vec<String> = Vec::new();
        for t in named.chain(used).chain(tokens) {
            if !all.iter().any(|seen| seen == t) {
                all.push(t.to_owned());
            }
        }
        all
    }

    /// The groups `[seed]` asks for (`None` when the file does not say).
    pub(crate) fn seed_groups(&self) -> Option<&[String]> {
        self.seed.groups.as_deref()
    }

    /// Builds the authenticators and the policy; `extra_tokens` are `--token` values (every
    /// right in the default tenant).
    pub(crate) fn load(self, extra_tokens: &[String]) -> Result<Loaded, ConfigFileError> {
        let known =
            |tenant: &str| self.tenants.is_empty() || self.tenants.iter().any(|t| t.name == tenant);
        let mut users = Users::builder();
        for u in &self.users {
            if !known(&u.tenant) {
                return Err(err(format!(
                    "user {:?}: tenant {:?} is not in [[tenants]]",
                    u.username, u.tenant
                )));
            }
            let hash = secret_hash(
                u.password.as_deref(),
                u.password_hash.as_deref(),
                &format!("user {:?}", u.username),
                "password",
            )?;
            let scopes = u
                .scopes
                .clone()
                .unwrap_or_else(|| vec![ALL_RIGHTS.to_owned()]);
            users = users.user(&u.username, &hash, &u.tenant, scopes);
        }
        let users = users.build();
        let mut tokens = TokenService::builder(users.clone());
        if let Some(t) = self.tokens.access_ttl {
            tokens = tokens.access_ttl(t);
        }
        if let Some(t) = self.tokens.refresh_ttl {
            tokens = tokens.refresh_ttl(t);
        }
        for c in &self.clients {
            if let Some(t) = c.tenants.iter().find(|t| !known(t)) {
                return Err(err(format!(
                    "client {:?}: tenant {t:?} is not in [[tenants]]",
                    c.id
                )));
            }
            let hash = secret_hash(
                c.secret.as_deref(),
                c.secret_hash.as_deref(),
                &format!("client {:?}", c.id),
                "secret",
            )?;
            tokens = tokens.client(&c.id, &hash, c.tenants.clone());
        }
        let tokens = tokens.build();
        let mut bearer = StaticBearer::new();
        for t in extra_tokens {
            bearer = bearer.token(t.clone(), "");
        }
        for b in &self.bearer {
            let scopes = b
                .scopes
                .clone()
                .unwrap_or_else(|| vec![ALL_RIGHTS.to_owned()]);
            bearer = bearer.token_with_scopes(b.token.clone(), b.tenant.clone(), scopes);
        }
        let auth = AnyOf::new()
            .or(tokens.clone())
            .or(bearer)
            .or(BasicAuth::new(users));
        let mut policy = ScopePolicy::new()
            .scim_operation_scopes(self.scopes.operation_scopes.iter().map(String::as_str));
        for (scope, targets) in &self.scopes.schema {
            for t in targets {
                policy = policy.schema_scope(scope.clone(), t.clone());
            }
        }
        for f in &self.scopes.filters {
            scim_filter::parse_filter(&f.filter)
                .map_err(|e| err(format!("scopes.filters: {e}")))?;
            policy =
                policy.mandatory_filter(f.scope.as_deref(), &f.resource_type, f.filter.clone());
        }
        Ok(Loaded {
            auth,
            tokens,
            policy,
        })
    }
}

fn secret_hash(
    clear: Option<&str>,
    hash: Option<&str>,
    what: &str,
    field: &str,
) -> Result<String, ConfigFileError> {
    match (clear, hash) {
        (Some(_), Some(_)) => Err(err(format!(
            "{what}: give {field} or {field}_hash, not both"
        ))),
        (Some(c), None) => hash_password(c).map_err(|e| err(format!("{what}: {e}"))),
        (None, Some(h)) if h.starts_with("$argon2") => Ok(h.to_owned()),
        (None, Some(_)) => Err(err(format!(
            "{what}: {field}_hash must be an argon2 PHC string"
        ))),
        (None, None) => Err(err(format!("{what}: {field} or {field}_hash is required"))),
    }
}

/// Installs the log subscriber: `tracing` to stderr, filtered by `SCIM_LOG` (default `info`).
pub(crate) fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SCIM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

/// A service that logs every request: request id, method, path (never the query or a
/// header), status, latency and tenant; the id is echoed as `x-request-id`.
#[derive(Debug, Clone)]
pub(crate) struct Logged<S> {
    inner: S,
    next_id: Arc<AtomicU64>,
}

impl<S> Logged<S> {
    pub(crate) fn new(inner: S) -> Self {
        Logged {
            inner,
            next_id: Arc::new(AtomicU64::new(1)),
        }
    }
}

impl<S, B, T> tower_service::Service<http::Request<B>> for Logged<S>
where
    S: tower_service::Service<http::Request<B>, Response = http::Response<T>, Error = Infallible>,
    S::Future: Send + 'static,
    T: Send + 'static,
{
    type Response = http::Response<T>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<http::Response<T>, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let method = req.method().clone();
        let path = req.uri().path().to_owned();
        let started = Instant::now();
        let fut = self.inner.call(req);
        Box::pin(async move {
            let mut resp = fut.await?;
            let tenant = resp
                .extensions()
                .get::<scim_server::auth::Tenant>()
                .map(|t| t.0.clone());
            tracing::info!(
                request_id = id,
                method = %method,
                path = %path,
                status = resp.status().as_u16(),
                latency_ms = started.elapsed().as_secs_f64() * 1000.0,
                tenant = %tenant.as_deref().unwrap_or("-"),
                "request"
            );
            if let Ok(v) = http::HeaderValue::from_str(&id.to_string()) {
                resp.headers_mut().insert("x-request-id", v);
            }
            Ok(resp)
        })
    }
}
