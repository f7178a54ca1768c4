//! Authentication: who is calling, and in which tenant.
//!
//! The engine asks its [`Authenticator`] for a [`RequestContext`] before anything else; a
//! failure answers 401 with a `WWW-Authenticate` challenge and a SCIM error body.

use crate::store::RequestContext;
use async_trait::async_trait;
use http::request::Parts;
use std::collections::HashMap;
use std::fmt;

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

/// Static bearer tokens, each mapped to a tenant; a token holder has every right.
///
/// ```
/// use scim_server::auth::StaticBearer;
///
/// let auth = StaticBearer::new().token("s3cret", "");
/// # let _ = auth;
/// ```
#[derive(Clone, Default)]
pub struct StaticBearer {
    tokens: HashMap<String, String>,
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

    /// Accepts `token` for `tenant` (`""` is the default tenant).
    #[must_use]
    pub fn token(mut self, token: impl Into<String>, tenant: impl Into<String>) -> Self {
        self.tokens.insert(token.into(), tenant.into());
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
            Some(tenant) => Ok(RequestContext {
                principal: Some("token".into()),
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
