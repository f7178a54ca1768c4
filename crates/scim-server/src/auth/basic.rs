//! HTTP Basic authentication of API users with argon2-hashed passwords, and the clock that
//! expiring credentials and caches read.
//!
//! Verifying an argon2 hash costs tens of milliseconds by design, so a successful verification
//! is cached for a short while ([`Users::cache_ttl`], 60 s by default): the cache keeps a
//! keyed SHA-256 of the password (the key is random per process), never the password itself.

use super::{AuthError, Authenticator};
use crate::store::RequestContext;
use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use async_trait::async_trait;
use base64::Engine;
use http::request::Parts;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of time, in whole seconds since the Unix epoch. Tests use [`ManualClock`].
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> u64;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }
}

/// A clock that moves only when told to (clones share the time).
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicU64>);

impl ManualClock {
    /// A clock at `now` seconds.
    pub fn at(now: u64) -> Self {
        ManualClock(Arc::new(AtomicU64::new(now)))
    }

    /// Moves the clock forward by `secs` seconds.
    pub fn advance(&self, secs: u64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Why a password could not be hashed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Hashes a password with argon2 (PHC string), for configuration files and [`UsersBuilder::user`].
pub fn hash_password(clear: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(clear.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// A fresh random secret (24 bytes from the operating system, URL-safe base64 without
/// padding: 32 characters), for generated client secrets, passwords and bearer tokens.
///
/// ```
/// let a = scim_server::auth::generate_secret();
/// assert_eq!(a.len(), 32);
/// assert_ne!(a, scim_server::auth::generate_secret());
/// ```
pub fn generate_secret() -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<24>())
}

/// The argon2 hash of a random secret nobody knows, made once: what an unknown name's secret
/// is checked against.
fn dummy_hash() -> Option<&'static str> {
    static DUMMY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| hash_password(&generate_secret()).ok())
        .as_deref()
}

/// Random bytes from the operating system.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    OsRng.fill_bytes(&mut b);
    b
}

/// Secrets (passwords, client secrets) by name, verified with argon2 and cached briefly.
pub(crate) struct Verifier<T> {
    entries: HashMap<String, (String, T)>,
    cache: Mutex<HashMap<String, ([u8; 32], u64)>>,
    cache_key: [u8; 32],
    pub(crate) cache_ttl: u64,
    pub(crate) clock: Arc<dyn Clock>,
}

impl<T> fmt::Debug for Verifier<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Names only: never hashes or secrets.
        let mut names: Vec<&String> = self.entries.keys().collect();
        names.sort();
        f.debug_struct("Verifier")
            .field("names", &names)
            .field("cache_ttl", &self.cache_ttl)
            .finish()
    }
}

impl<T: Clone> Verifier<T> {
    pub(crate) fn new() -> Self {
        Verifier {
            entries: HashMap::new(),
            cache: Mutex::new(HashMap::new()),
            cache_key: random_bytes(),
            cache_ttl: 60,
            clock: Arc::new(SystemClock),
        }
    }

    pub(crate) fn insert(&mut self, name: String, hash: String, value: T) {
        self.entries.insert(name, (hash, value));
    }

    fn keyed(&self, name: &str, secret: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.cache_key);
        h.update((name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update(secret.as_bytes());
        h.finalize().into()
    }

    /// The value stored under `name` when `secret` verifies against its hash.
    pub(crate) fn verify(&self, name: &str, secret: &str) -> Option<T> {
        let Some((hash, value)) = self.entries.get(name) else {
            // As slow as a wrong secret, so a caller cannot tell which names exist.
            if let Some(dummy) = dummy_hash()
                && let Ok(parsed) = PasswordHash::new(dummy)
            {
                let _ = Argon2::default().verify_password(secret.as_bytes(), &parsed);
            }
            return None;
        };
        let now = self.clock.now();
        let keyed = self.keyed(name, secret);
        if let Ok(cache) = self.cache.lock()
            && let Some((k, until)) = cache.get(name)
            && *k == keyed
            && now < *until
        {
            return Some(value.clone());
        }
        let parsed = PasswordHash::new(hash).ok()?;
        Argon2::default()
            .verify_password(secret.as_bytes(), &parsed)
            .ok()?;
        if self.cache_ttl > 0
            && let Ok(mut cache) = self.cache.lock()
        {
            cache.insert(name.to_owned(), (keyed, now.saturating_add(self.cache_ttl)));
        }
        Some(value.clone())
    }

    #[cfg(test)]
    fn cached(&self) -> usize {
        self.cache.lock().map(|c| c.len()).unwrap_or(0)
    }
}

/// An API user's identity: the tenant it belongs to and its scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Identity {
    tenant: String,
    scopes: Vec<String>,
}

/// API users (username, argon2 hash, tenant, scopes), shared by [`BasicAuth`] and the token
/// endpoint's password grant. Cheap to clone.
///
/// ```
/// use scim_server::auth::{ALL_RIGHTS, Users, hash_password};
///
/// let users = Users::builder()
///     .user("sync", &hash_password("pw").unwrap(), "acme", [ALL_RIGHTS])
///     .build();
/// assert_eq!(users.verify("sync", "pw").unwrap().tenant, "acme");
/// assert!(users.verify("sync", "nope").is_none());
/// ```
#[derive(Debug, Clone)]
pub struct Users(Arc<Verifier<Identity>>);

/// Builds [`Users`].
#[derive(Debug)]
pub struct UsersBuilder(Verifier<Identity>);

impl Users {
    /// An empty set of users, to fill with [`UsersBuilder::user`].
    pub fn builder() -> UsersBuilder {
        UsersBuilder(Verifier::new())
    }

    /// The request context of `username` when `password` is right (tenant, principal and
    /// scopes), or `None`.
    pub fn verify(&self, username: &str, password: &str) -> Option<RequestContext> {
        self.0.verify(username, password).map(|id| RequestContext {
            principal: Some(username.to_owned()),
            scopes: id.scopes,
            ..RequestContext::tenant(id.tenant)
        })
    }
}

impl UsersBuilder {
    /// Adds an API user: its argon2 hash (PHC string, see [`hash_password`]), its tenant and
    /// its scopes ([`super::ALL_RIGHTS`] for every right).
    #[must_use]
    pub fn user<S: Into<String>>(
        mut self,
        username: &str,
        password_hash: &str,
        tenant: &str,
        scopes: impl IntoIterator<Item = S>,
    ) -> Self {
        self.0.insert(
            username.to_owned(),
            password_hash.to_owned(),
            Identity {
                tenant: tenant.to_owned(),
                scopes: scopes.into_iter().map(Into::into).collect(),
            },
        );
        self
    }

    /// How long a verified password is remembered, in seconds (0: never).
    #[must_use]
    pub fn cache_ttl(mut self, secs: u64) -> Self {
        self.0.cache_ttl = secs;
        self
    }

    /// The clock of the cache.
    #[must_use]
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.0.clock = Arc::new(clock);
        self
    }

    /// The users.
    pub fn build(self) -> Users {
        Users(Arc::new(self.0))
    }
}

/// The `user:password` of an `Authorization: Basic …` header, when there is one.
pub(crate) fn basic_credentials(parts: &Parts) -> Option<(String, String)> {
    let value = parts
        .headers
        .get(http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("Basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// HTTP Basic authentication (RFC 7617) of [`Users`].
#[derive(Debug, Clone)]
pub struct BasicAuth {
    users: Users,
}

impl BasicAuth {
    /// Authenticates these users.
    pub fn new(users: Users) -> Self {
        BasicAuth { users }
    }
}

fn is_basic(parts: &Parts) -> bool {
    parts
        .headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .is_some_and(|(s, _)| s.eq_ignore_ascii_case("Basic"))
}

#[async_trait]
impl Authenticator for BasicAuth {
    async fn authenticate(&self, parts: &Parts) -> Result<RequestContext, AuthError> {
        if !is_basic(parts) {
            return Err(AuthError::Missing);
        }
        let (user, password) = basic_credentials(parts)
            .ok_or_else(|| AuthError::Invalid("malformed Basic credentials".into()))?;
        self.users
            .verify(&user, &password)
            .ok_or_else(|| AuthError::Invalid("unknown user or wrong password".into()))
    }

    fn challenge(&self) -> &str {
        "Basic realm=\"scim\", charset=\"UTF-8\""
    }

    fn schemes(&self) -> Vec<(&'static str, &'static str, &'static str)> {
        vec![(
            "httpbasic",
            "HTTP Basic",
            "Authentication with an API user's name and password (RFC 7617).",
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(auth: &str) -> Parts {
        http::Request::builder()
            .header("authorization", auth)
            .body(())
            .unwrap()
            .into_parts()
            .0
    }

    fn basic(user: &str, pw: &str) -> String {
        let enc = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pw}"));
        format!("Basic {enc}")
    }

    #[tokio::test]
    async fn basic_verifies_and_caches_a_keyed_hash_only() {
        let clock = ManualClock::at(1000);
        let users = Users::builder()
            .user("u", &hash_password("pw").unwrap(), "acme", ["*"])
            .cache_ttl(5)
            .clock(clock.clone())
            .build();
        let auth = BasicAuth::new(users.clone());
        let ctx = auth.authenticate(&parts(&basic("u", "pw"))).await.unwrap();
        assert_eq!(ctx.tenant, "acme");
        assert_eq!(ctx.principal.as_deref(), Some("u"));
        assert_eq!(ctx.scopes, vec!["*".to_owned()]);
        assert_eq!(users.0.cached(), 1);
        // A wrong password never matches the cached entry.
        assert!(matches!(
            auth.authenticate(&parts(&basic("u", "px"))).await,
            Err(AuthError::Invalid(_))
        ));
        assert!(auth.authenticate(&parts(&basic("u", "pw"))).await.is_ok());
        clock.advance(6);
        assert!(auth.authenticate(&parts(&basic("u", "pw"))).await.is_ok());
        assert!(matches!(
            auth.authenticate(&parts("Bearer x")).await,
            Err(AuthError::Missing)
        ));
        assert!(matches!(
            auth.authenticate(&parts("Basic !!!")).await,
            Err(AuthError::Invalid(_))
        ));
        let debug = format!("{users:?}");
        assert!(!debug.contains("argon2") && !debug.contains("pw\""));
    }

    #[test]
    fn unknown_names_are_checked_against_a_dummy_hash() {
        let users = Users::builder()
            .user("u", &hash_password("pw").unwrap(), "acme", ["*"])
            .build();
        let dummy = dummy_hash().expect("a dummy hash");
        assert!(PasswordHash::new(dummy).is_ok());
        assert_eq!(dummy_hash(), Some(dummy));
        assert!(users.verify("nobody", "pw").is_none());
        assert!(users.verify("u", "pw").is_some());
    }
}
