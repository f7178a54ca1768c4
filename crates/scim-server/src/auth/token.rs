//! The built-in OAuth 2.0 token endpoint (RFC 6749) and the authenticator of the tokens it
//! issues.
//!
//! `POST /connect/token` (form-urlencoded) accepts:
//!
//! - `grant_type=password` with the API user's `username` and `password`;
//! - `grant_type=refresh_token` with a `refresh_token`.
//!
//! Either may ask for a narrower `scope` (space-separated; each must be one the user, or the
//! login being refreshed, holds: `invalid_scope` otherwise); without it the token carries
//! every scope of the user.
//!
//! The client authenticates with `Authorization: Basic` (client id and secret) or the
//! `client_id`/`client_secret` form fields. A success answers
//! `{"access_token","token_type":"Bearer","expires_in","refresh_token","scope"}` with
//! `Cache-Control: no-store`; a failure answers an RFC 6749 §5.2 error body
//! (`invalid_request`, `invalid_client`, `invalid_grant`, `unsupported_grant_type`).
//!
//! Access tokens live 1 hour and refresh tokens 30 days by default. A refresh token is used once:
//! using it rotates it (a new pair is issued), and presenting it again is `invalid_grant`, which
//! also revokes every token descended from the same login. Tokens are 32 random bytes; the
//! store keeps only their SHA-256.

use super::basic::{Clock, SystemClock, Verifier, basic_credentials, random_bytes};
use super::{ALL_RIGHTS, AuthError, Authenticator, Users};
use crate::store::RequestContext;
use async_trait::async_trait;
use base64::Engine;
use bytes::Bytes;
use http::request::Parts;
use http::{Method, Request, Response, StatusCode, header};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

/// Whether a token is an access or a refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Sent as `Authorization: Bearer`.
    Access,
    /// Exchanged for a new pair at the token endpoint.
    Refresh,
}

/// What a stored token stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// Access or refresh.
    pub kind: TokenKind,
    /// The API user's tenant.
    pub tenant: String,
    /// The API user.
    pub principal: String,
    /// The API user's scopes.
    pub scopes: Vec<String>,
    /// The client the token was issued to.
    pub client_id: String,
    /// When the token expires (seconds since the Unix epoch).
    pub expires_at: u64,
    /// The login the token descends from (shared by every rotation of it).
    pub family: u64,
    /// For a refresh token: whether it was already used.
    pub used: bool,
}

/// Where issued tokens live, keyed by the SHA-256 of the token.
pub trait TokenStore: Send + Sync + fmt::Debug {
    /// Stores a token.
    fn put(&self, hash: [u8; 32], record: TokenRecord);
    /// Reads a token.
    fn get(&self, hash: &[u8; 32]) -> Option<TokenRecord>;
    /// Marks a refresh token used; returns its record as it was, or `None` when it is unknown
    /// (atomic: of two concurrent uses, one sees `used: true`).
    fn mark_used(&self, hash: &[u8; 32]) -> Option<TokenRecord>;
    /// Revokes every token of a family.
    fn revoke_family(&self, family: u64);
    /// Forgets tokens that expired before `now`.
    fn purge(&self, now: u64);
}

/// Tokens in memory (lost on restart).
#[derive(Debug, Default)]
pub struct MemoryTokenStore {
    tokens: Mutex<HashMap<[u8; 32], TokenRecord>>,
}

impl TokenStore for MemoryTokenStore {
    fn put(&self, hash: [u8; 32], record: TokenRecord) {
        if let Ok(mut t) = self.tokens.lock() {
            t.insert(hash, record);
        }
    }

    fn get(&self, hash: &[u8; 32]) -> Option<TokenRecord> {
        self.tokens.lock().ok()?.get(hash).cloned()
    }

    fn mark_used(&self, hash: &[u8; 32]) -> Option<TokenRecord> {
        let mut t = self.tokens.lock().ok()?;
        let r = t.get_mut(hash)?;
        let before = r.clone();
        r.used = true;
        Some(before)
    }

    fn revoke_family(&self, family: u64) {
        if let Ok(mut t) = self.tokens.lock() {
            t.retain(|_, r| r.family != family);
        }
    }

    fn purge(&self, now: u64) {
        if let Ok(mut t) = self.tokens.lock() {
            t.retain(|_, r| r.expires_at > now);
        }
    }
}

/// An API client: its secret's argon2 hash and the tenants it may act in (empty: any).
#[derive(Debug, Clone)]
struct ClientInfo {
    tenants: Vec<String>,
}

/// The token endpoint and the authenticator of its tokens. Cheap to clone; give one clone to
/// [`crate::ServerBuilder::token_endpoint`] and another (inside [`super::AnyOf`] or alone) as
/// the authenticator.
///
/// ```
/// use scim_server::auth::{ALL_RIGHTS, TokenService, Users, hash_password};
///
/// let users = Users::builder()
///     .user("sync", &hash_password("pw").unwrap(), "acme", [ALL_RIGHTS])
///     .build();
/// let tokens = TokenService::builder(users)
///     .client("connector", &hash_password("secret").unwrap(), ["acme"])
///     .build();
/// # let _ = tokens;
/// ```
#[derive(Debug, Clone)]
pub struct TokenService(Arc<TokenInner>);

#[derive(Debug)]
struct TokenInner {
    path: String,
    users: Users,
    clients: Verifier<ClientInfo>,
    store: Box<dyn TokenStore>,
    clock: Arc<dyn Clock>,
    access_ttl: u64,
    refresh_ttl: u64,
    issued: std::sync::atomic::AtomicU64,
}

/// Builds a [`TokenService`].
#[derive(Debug)]
pub struct TokenServiceBuilder {
    inner: TokenInner,
}

impl TokenService {
    /// A token service for these API users, with no client yet.
    pub fn builder(users: Users) -> TokenServiceBuilder {
        TokenServiceBuilder {
            inner: TokenInner {
                path: "/connect/token".into(),
                users,
                clients: Verifier::new(),
                store: Box::new(MemoryTokenStore::default()),
                clock: Arc::new(SystemClock),
                access_ttl: 3600,
                refresh_ttl: 30 * 24 * 3600,
                issued: std::sync::atomic::AtomicU64::new(0),
            },
        }
    }

    /// Whether a request to `path` is for the token endpoint.
    pub fn serves(&self, path: &str) -> bool {
        path.trim_end_matches('/')
            .eq_ignore_ascii_case(self.0.path.trim_end_matches('/'))
    }

    /// Handles one request to the token endpoint.
    pub async fn handle(&self, req: Request<Bytes>) -> Response<Bytes> {
        let (parts, body) = req.into_parts();
        match self.grant(&parts, &body) {
            Ok(resp) => resp,
            Err(r) => r.response(),
        }
    }

    fn grant(&self, parts: &Parts, body: &Bytes) -> Result<Response<Bytes>, Refusal> {
        let inner = &*self.0;
        if parts.method != Method::POST {
            return Err(Refusal(
                StatusCode::METHOD_NOT_ALLOWED,
                "invalid_request",
                "the token endpoint takes POST",
            ));
        }
        let form: HashMap<String, String> = form_urlencoded::parse(body).into_owned().collect();
        let field = |name: &str| form.get(name).map(String::as_str).filter(|v| !v.is_empty());
        // Client authentication: Basic header, else form fields.
        let (client_id, secret) = match basic_credentials(parts) {
            // RFC 6749 §2.3.1: both are form-urlencoded before Basic encoding.
            Some((id, secret)) => (form_decode(&id), form_decode(&secret)),
            None => match (field("client_id"), field("client_secret")) {
                (Some(id), Some(secret)) => (id.to_owned(), secret.to_owned()),
                _ => return Err(invalid_client()),
            },
        };
        let Some(client) = inner.clients.verify(&client_id, &secret) else {
            return Err(invalid_client());
        };
        let now = inner.clock.now();
        match field("grant_type") {
            Some("password") => {
                let (Some(username), Some(password)) = (field("username"), field("password"))
                else {
                    return Err(bad_request(
                        "invalid_request",
                        "username and password are required",
                    ));
                };
                let Some(ctx) = inner.users.verify(username, password) else {
                    return Err(bad_request(
                        "invalid_grant",
                        "unknown user or wrong password",
                    ));
                };
                if !client.tenants.is_empty() && !client.tenants.contains(&ctx.tenant) {
                    return Err(bad_request(
                        "invalid_grant",
                        "the user's tenant is not open to this client",
                    ));
                }
                let scopes = narrow(&ctx.scopes, field("scope"))?;
                let family = u64::from_le_bytes(random_bytes());
                Ok(self.issue(
                    &client_id,
                    ctx.tenant,
                    ctx.principal.unwrap_or_default(),
                    scopes,
                    family,
                    now,
                ))
            }
            Some("refresh_token") => {
                let Some(token) = field("refresh_token") else {
                    return Err(bad_request("invalid_request", "refresh_token is required"));
                };
                let hash = token_hash(token);
                let invalid = || bad_request("invalid_grant", "the refresh token is not valid");
                let Some(peek) = inner.store.get(&hash) else {
                    return Err(invalid());
                };
                if peek.kind != TokenKind::Refresh || peek.client_id != client_id {
                    return Err(invalid());
                }
                // A refused scope leaves the refresh token unused.
                let scopes = if peek.used {
                    Vec::new()
                } else {
                    narrow(&peek.scopes, field("scope"))?
                };
                let Some(record) = inner.store.mark_used(&hash) else {
                    return Err(invalid());
                };
                if record.used {
                    // A reused refresh token may have been stolen: end the whole login.
                    inner.store.revoke_family(record.family);
                    return Err(invalid());
                }
                if record.expires_at <= now {
                    return Err(invalid());
                }
                Ok(self.issue(
                    &client_id,
                    record.tenant,
                    record.principal,
                    scopes,
                    record.family,
                    now,
                ))
            }
            Some(_) => Err(bad_request(
                "unsupported_grant_type",
                "grant_type must be password or refresh_token",
            )),
            None => Err(bad_request("invalid_request", "grant_type is required")),
        }
    }

    fn issue(
        &self,
        client_id: &str,
        tenant: String,
        principal: String,
        scopes: Vec<String>,
        family: u64,
        now: u64,
    ) -> Response<Bytes> {
        let inner = &*self.0;
        let n = inner
            .issued
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if n % 64 == 63 {
            inner.store.purge(now);
        }
        let access = new_token();
        let refresh = new_token();
        let record = TokenRecord {
            kind: TokenKind::Access,
            tenant,
            principal,
            scopes,
            client_id: client_id.to_owned(),
            expires_at: now.saturating_add(inner.access_ttl),
            family,
            used: false,
        };
        inner.store.put(
            token_hash(&refresh),
            TokenRecord {
                kind: TokenKind::Refresh,
                expires_at: now.saturating_add(inner.refresh_ttl),
                ..record.clone()
            },
        );
        let scope = record.scopes.join(" ");
        inner.store.put(token_hash(&access), record);
        let body = json!({
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": inner.access_ttl,
            "refresh_token": refresh,
            "scope": scope,
        });
        oauth_json(StatusCode::OK, &body)
    }
}

impl TokenServiceBuilder {
    /// Adds an API client: its id, its secret's argon2 hash, and the tenants whose API users it
    /// may log in (none: any).
    #[must_use]
    pub fn client<S: Into<String>>(
        mut self,
        client_id: &str,
        secret_hash: &str,
        tenants: impl IntoIterator<Item = S>,
    ) -> Self {
        self.inner.clients.insert(
            client_id.to_owned(),
            secret_hash.to_owned(),
            ClientInfo {
                tenants: tenants.into_iter().map(Into::into).collect(),
            },
        );
        self
    }

    /// Access token lifetime in seconds (default 3600).
    #[must_use]
    pub fn access_ttl(mut self, secs: u64) -> Self {
        self.inner.access_ttl = secs;
        self
    }

    /// Refresh token lifetime in seconds (default 30 days).
    #[must_use]
    pub fn refresh_ttl(mut self, secs: u64) -> Self {
        self.inner.refresh_ttl = secs;
        self
    }

    /// The clock (tests use [`super::ManualClock`]).
    #[must_use]
    pub fn clock(mut self, clock: impl Clock + Clone + 'static) -> Self {
        self.inner.clients.clock = Arc::new(clock.clone());
        self.inner.clock = Arc::new(clock);
        self
    }

    /// Where tokens are stored (default: memory).
    #[must_use]
    pub fn store(mut self, store: impl TokenStore + 'static) -> Self {
        self.inner.store = Box::new(store);
        self
    }

    /// The endpoint path (default `/connect/token`).
    #[must_use]
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.inner.path = path.into();
        self
    }

    /// The service.
    pub fn build(self) -> TokenService {
        TokenService(Arc::new(self.inner))
    }
}

#[async_trait]
impl Authenticator for TokenService {
    async fn authenticate(&self, parts: &Parts) -> Result<RequestContext, AuthError> {
        let token = super::bearer_token(parts).ok_or(AuthError::Missing)?;
        let inner = &*self.0;
        let record = inner
            .store
            .get(&token_hash(token))
            .filter(|r| r.kind == TokenKind::Access)
            .ok_or_else(|| AuthError::Invalid("unknown access token".into()))?;
        if record.expires_at <= inner.clock.now() {
            return Err(AuthError::Invalid("the access token has expired".into()));
        }
        Ok(RequestContext {
            principal: Some(record.principal),
            scopes: record.scopes,
            ..RequestContext::tenant(record.tenant)
        })
    }

    fn challenge(&self) -> &str {
        "Bearer realm=\"scim\""
    }

    fn schemes(&self) -> Vec<(&'static str, &'static str, &'static str)> {
        vec![(
            "oauth2",
            "OAuth 2.0",
            "Bearer access tokens from the token endpoint (RFC 6749 password and refresh-token grants).",
        )]
    }
}

fn form_decode(s: &str) -> String {
    let spaced = s.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

/// The scopes a token gets: the `scope` the client asked for (space-separated, RFC 6749
/// §3.3), each of which the grant must hold (`*` holds every scope), else all of the grant's.
/// Asking for more is `invalid_scope`.
fn narrow(granted: &[String], requested: Option<&str>) -> Result<Vec<String>, Refusal> {
    let Some(requested) = requested else {
        return Ok(granted.to_vec());
    };
    let everything = granted.iter().any(|g| g == ALL_RIGHTS);
    let mut scopes: Vec<String> = Vec::new();
    for scope in requested.split_ascii_whitespace() {
        if !everything && !granted.iter().any(|g| g == scope) {
            return Err(bad_request(
                "invalid_scope",
                "the requested scope exceeds what the user was granted",
            ));
        }
        if !scopes.iter().any(|s| s == scope) {
            scopes.push(scope.to_owned());
        }
    }
    if scopes.is_empty() {
        return Ok(granted.to_vec());
    }
    Ok(scopes)
}

fn new_token() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn oauth_json(status: StatusCode, body: &serde_json::Value) -> Response<Bytes> {
    let mut resp = Response::new(Bytes::from(body.to_string()));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    h.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    h.insert(header::PRAGMA, header::HeaderValue::from_static("no-cache"));
    resp
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response<Bytes> {
    oauth_json(
        status,
        &json!({"error": error, "error_description": description}),
    )
}

/// An RFC 6749 §5.2 error: status, `error` and `error_description`.
#[derive(Debug)]
struct Refusal(StatusCode, &'static str, &'static str);

impl Refusal {
    fn response(&self) -> Response<Bytes> {
        let mut resp = oauth_error(self.0, self.1, self.2);
        if self.0 == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Basic realm=\"token\""),
            );
        }
        resp
    }
}

fn bad_request(error: &'static str, description: &'static str) -> Refusal {
    Refusal(StatusCode::BAD_REQUEST, error, description)
}

fn invalid_client() -> Refusal {
    Refusal(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "client authentication failed",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(family: u64, expires_at: u64) -> TokenRecord {
        TokenRecord {
            kind: TokenKind::Refresh,
            tenant: "t".into(),
            principal: "u".into(),
            scopes: Vec::new(),
            client_id: "c".into(),
            expires_at,
            family,
            used: false,
        }
    }

    #[test]
    fn memory_store_marks_use_once_and_revokes_families() {
        let store = MemoryTokenStore::default();
        store.put([1; 32], record(7, 100));
        store.put([2; 32], record(7, 50));
        store.put([3; 32], record(8, 100));
        assert!(!store.mark_used(&[1; 32]).unwrap().used);
        assert!(store.mark_used(&[1; 32]).unwrap().used);
        store.purge(60);
        assert!(store.get(&[2; 32]).is_none());
        store.revoke_family(7);
        assert!(store.get(&[1; 32]).is_none());
        assert!(store.get(&[3; 32]).is_some());
    }

    #[test]
    fn a_requested_scope_narrows_the_grant_and_never_widens_it() {
        let all = vec![ALL_RIGHTS.to_owned()];
        let some = vec!["SCIM:user:get".to_owned(), "SCIM:user:query".to_owned()];
        assert_eq!(narrow(&some, None).unwrap(), some);
        assert_eq!(narrow(&some, Some("  ")).unwrap(), some);
        assert_eq!(
            narrow(&some, Some("SCIM:user:get SCIM:user:get")).unwrap(),
            ["SCIM:user:get"]
        );
        assert_eq!(
            narrow(&all, Some("SCIM:user:post")).unwrap(),
            ["SCIM:user:post"]
        );
        let refused = narrow(&some, Some("SCIM:user:get SCIM:user:delete")).unwrap_err();
        assert_eq!(
            (refused.0, refused.1),
            (StatusCode::BAD_REQUEST, "invalid_scope")
        );
    }

    #[test]
    fn tokens_are_random_and_stored_by_hash() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_ne!(token_hash(&a), token_hash(&b));
        assert_eq!(form_decode("my+client%3Aid"), "my client:id");
    }
}
