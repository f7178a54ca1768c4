//! Authentication: who is calling, and in which tenant.
//!
//! The engine asks its [`Authenticator`] for a [`RequestContext`] before anything else; a
//! failure answers 401 with a `WWW-Authenticate` challenge and a SCIM error body.

mod basic;
mod scopes;
#[cfg(feature = "oauth")]
mod token;
#[cfg(feature = "oauth")]
pub use token::{
    MemoryTokenStore, TokenKind, TokenRecord, TokenService, TokenServiceBuilder, TokenStore,
};

pub use basic::{
    BasicAuth, Clock, HashError, ManualClock, SystemClock, Users, UsersBuilder, generate_secret,
    hash_password,
};

pub(crate) use scopes::merge_hidden;
pub use scopes::{
    ALL_RIGHTS, Action, Authorizer, Denied, Grant, Permissive, ScopePolicy, Visibility,
};

use crate::store::RequestContext;
use async_trait::async_trait;
use http::request::Parts;
use std::collections::HashMap;
use std::fmt;

/// The tenant a request was served in, attached to its response as an extension once the
/// caller is authenticated, so request logs can name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant(pub String);

/// Why a request could not be authenticated (401).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No credentials were sent.
    #[error("authentication required")]
    Missing,
    /// The credentials are not valid (unknown, malformed or expired).
    #[error("invalid credentials: {0}")]
    Invalid(String),
}

/// Turns a request's credentials into a [`RequestContext`].
#[async_trait]
pub trait Authenticator: Send + Sync + fmt::Debug {
    /// Authenticates the request whose head is `parts`.
    async fn authenticate(&self, parts: &Parts) -> Result<RequestContext, AuthError>;

    /// The `WWW-Authenticate` challenge sent with a 401.
    fn challenge(&self) -> &str {
        "Bearer realm=\"scim\""
    }

    /// The authentication schemes for `/ServiceProviderConfig` (`type`, `name`, `description`).
    fn schemes(&self) -> Vec<(&'static str, &'static str, &'static str)> {
        Vec::new()
    }
}

/// Lets every request through, in the default tenant (for tests and local development).
#[derive(Debug, Clone, Copy, Default)]
pub struct AllowAll;

#[async_trait]
impl Authenticator for AllowAll {
    async fn authenticate(&self, _parts: &Parts) -> Result<RequestContext, AuthError> {
        Ok(RequestContext::tenant(""))
    }
}

/// Static bearer tokens, each mapped to a tenant and scopes ([`StaticBearer::token`] gives
/// every right).
///
/// ```
/// use scim_server::auth::StaticBearer;
///
/// let auth = StaticBearer::new().token("s3cret", "");
/// # let _ = auth;
/// ```
#[derive(Clone, Default)]
pub struct StaticBearer {
    tokens: HashMap<String, (String, Vec<String>)>,
}

impl fmt::Debug for StaticBearer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the tokens.
        f.debug_struct("StaticBearer")
            .field("tokens", &self.tokens.len())
            .finish()
    }
}

impl StaticBearer {
    /// No tokens yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Accepts `token` for `tenant` (`""` is the default tenant), with every right
    /// ([`ALL_RIGHTS`]).
    #[must_use]
    pub fn token(self, token: impl Into<String>, tenant: impl Into<String>) -> Self {
        self.token_with_scopes(token, tenant, [ALL_RIGHTS])
    }

    /// Accepts `token` for `tenant` with the given scopes.
    #[must_use]
    pub fn token_with_scopes<S: Into<String>>(
        mut self,
        token: impl Into<String>,
        tenant: impl Into<String>,
        scopes: impl IntoIterator<Item = S>,
    ) -> Self {
        self.tokens.insert(
            token.into(),
            (tenant.into(), scopes.into_iter().map(Into::into).collect()),
        );
        self
    }
}

/// The token of an `Authorization: Bearer …` header (scheme matched case-insensitively).
pub fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts
        .headers
        .get(http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("Bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

#[async_trait]
impl Authenticator for StaticBearer {
    async fn authenticate(&self, parts: &Parts) -> Result<RequestContext, AuthError> {
        let token = bearer_token(parts).ok_or(AuthError::Missing)?;
        match self.tokens.get(token) {
            Some((tenant, scopes)) => Ok(RequestContext {
                principal: Some("token".into()),
                scopes: scopes.clone(),
                ..RequestContext::tenant(tenant.clone())
            }),
            None => Err(AuthError::Invalid("unknown bearer token".into())),
        }
    }

    fn schemes(&self) -> Vec<(&'static str, &'static str, &'static str)> {
        vec![(
            "oauthbearertoken",
            "OAuth Bearer Token",
            "Authentication with a bearer token (RFC 6750).",
        )]
    }
}

/// Several authenticators in turn: the first that finds its kind of credentials decides
/// (e.g. issued tokens, static tokens and Basic users side by side). The 401 challenge lists
/// every scheme.
#[derive(Debug)]
pub struct AnyOf {
    members: Vec<Box<dyn Authenticator>>,
    challenge: String,
}

impl AnyOf {
    /// No authenticator yet (every request is 401).
    pub fn new() -> Self {
        AnyOf {
            members: Vec::new(),
            challenge: String::new(),
        }
    }

    /// Adds an authenticator, tried after the ones before it.
    #[must_use]
    pub fn or(mut self, auth: impl Authenticator + 'static) -> Self {
        let c = auth.challenge();
        if !self.challenge.split(", ").any(|x| x == c) {
            if !self.challenge.is_empty() {
                self.challenge.push_str(", ");
            }
            self.challenge.push_str(c);
        }
        self.members.push(Box::new(auth));
        self
    }
}

impl Default for AnyOf {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl Authenticator for AnyOf {
    async fn authenticate(&self, parts: &Parts) -> Result<RequestContext, AuthError> {
        let mut last = AuthError::Missing;
        for a in &self.members {
            match a.authenticate(parts).await {
                Ok(ctx) => return Ok(ctx),
                Err(AuthError::Missing) => {}
                // A bearer token unknown to one issuer may belong to the next.
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn challenge(&self) -> &str {
        if self.challenge.is_empty() {
            "Bearer realm=\"scim\""
        } else {
            &self.challenge
        }
    }

    fn schemes(&self) -> Vec<(&'static str, &'static str, &'static str)> {
        let mut all: Vec<(&'static str, &'static str, &'static str)> = Vec::new();
        for a in &self.members {
            for s in a.schemes() {
                if !all.iter().any(|x| x.0 == s.0) {
                    all.push(s);
                }
            }
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(auth: Option<&str>) -> Parts {
        let mut b = http::Request::builder();
        if let Some(a) = auth {
            b = b.header("authorization", a);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[tokio::test]
    async fn static_bearer_accepts_known_tokens_only() {
        let auth = StaticBearer::new().token("t1", "acme");
        let ctx = auth.authenticate(&parts(Some("bearer t1"))).await.unwrap();
        assert_eq!(ctx.tenant, "acme");
        assert_eq!(
            auth.authenticate(&parts(None)).await,
            Err(AuthError::Missing)
        );
        assert!(matches!(
            auth.authenticate(&parts(Some("Bearer nope"))).await,
            Err(AuthError::Invalid(_))
        ));
        assert_eq!(
            auth.authenticate(&parts(Some("Basic dTpw"))).await,
            Err(AuthError::Missing)
        );
        assert!(!format!("{auth:?}").contains("t1"));
    }
}
