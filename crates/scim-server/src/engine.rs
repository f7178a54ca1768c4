//! The engine: one async function from `http::Request<Bytes>` to `http::Response<Bytes>`.

use crate::auth::{Action, AuthError, Authenticator, Authorizer, Grant};
use crate::config::{Capabilities, ServerConfig};
use crate::response::{self, set_header};
use crate::route::{Route, route};
use crate::store::{RequestContext, ResourceStore};
use bytes::Bytes;
use http::{Method, Request, Response, header};
use scim_core::registry::ResourceType;
use scim_core::{ScimError, ScimType};
use serde_json::Value;
use std::sync::Arc;

/// Why an engine could not be built from its configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A served resource type is not in the registry.
    #[error("resource type {0} is not in the registry")]
    UnknownResourceType(String),
}

/// A served resource type: its definition and what it allows.
#[derive(Debug, Clone)]
pub(crate) struct Served {
    pub(crate) rt: ResourceType,
    pub(crate) caps: Capabilities,
    pub(crate) filter: crate::FilterPolicy,
    /// The group type whose members this type's writable `groups` stand for (see
    /// [`crate::memberships`]); `None` when `groups` is read-only or absent.
    pub(crate) group_links: Option<ResourceType>,
}

/// The SCIM protocol engine. Cheap to clone; share one per service.
///
/// ```
/// use bytes::Bytes;
/// use scim_server::{ScimServer, ServerConfig, auth::AllowAll, store::MemoryStore};
/// use std::sync::Arc;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let config = ServerConfig::standard();
/// let store = MemoryStore::new(config.registry.clone());
/// let server = ScimServer::new(config, store, AllowAll).unwrap();
/// let req = http::Request::post("/scim/v2/Users")
///     .header("content-type", "application/scim+json")
///     .body(Bytes::from(r#"{"userName":"bjensen"}"#))
///     .unwrap();
/// let resp = server.handle(req).await;
/// assert_eq!(resp.status(), 201);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ScimServer {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) config: ServerConfig,
    pub(crate) store: Box<dyn ResourceStore>,
    pub(crate) auth: Box<dyn Authenticator>,
    pub(crate) served: Vec<Served>,
    /// `None` without hooks: nothing to call, and no changed attributes to compute for them.
    pub(crate) hooks: Option<Box<dyn crate::hooks::Hooks>>,
    pub(crate) audit: Box<dyn crate::hooks::AuditSink>,
    pub(crate) authorizer: Box<dyn Authorizer>,
    #[cfg(feature = "oauth")]
    pub(crate) token_endpoint: Option<crate::auth::TokenService>,
}

impl Inner {
    /// Runs the before-hooks of a write.
    pub(crate) async fn before(
        &self,
        call: &Call<'_>,
        write: &crate::hooks::Before<'_>,
    ) -> Result<(), scim_core::ScimError> {
        match &self.hooks {
            Some(hooks) => hooks.before(&call.ctx, write).await,
            None => Ok(()),
        }
    }

    /// Runs the after-hooks and records the audit event of a committed write to a resource
    /// of type `resource_type` (not always the endpoint's: a group whose members follow a
    /// user's `groups`). The changed `attributes` are computed only if someone sees them.
    pub(crate) async fn committed(
        &self,
        call: &Call<'_>,
        operation: crate::hooks::Operation,
        resource_type: &str,
        id: &str,
        resource: Option<&Value>,
        attributes: impl FnOnce() -> Vec<String>,
    ) {
        let audited = self.audit.enabled();
        if self.hooks.is_none() && !audited {
            return;
        }
        let attributes = attributes();
        if let Some(hooks) = &self.hooks {
            let after = crate::hooks::After {
                operation,
                resource_type,
                id,
                resource,
                attributes: &attributes,
            };
            hooks.after(&call.ctx, &after).await;
        }
        if !audited {
            return;
        }
        self.audit.record(&crate::hooks::AuditEvent {
            at: chrono::Utc::now(),
            principal: call.ctx.principal.clone(),
            tenant: call.ctx.tenant.clone(),
            operation,
            resource_type: resource_type.to_owned(),
            id: id.to_owned(),
            attributes,
        });
    }
}

/// Builds a [`ScimServer`] with optional hooks and an audit sink.
#[derive(Debug)]
pub struct ServerBuilder {
    config: ServerConfig,
    store: Box<dyn ResourceStore>,
    auth: Box<dyn Authenticator>,
    hooks: Option<Box<dyn crate::hooks::Hooks>>,
    audit: Box<dyn crate::hooks::AuditSink>,
    authorizer: Box<dyn Authorizer>,
    #[cfg(feature = "oauth")]
    token_endpoint: Option<crate::auth::TokenService>,
}

impl ServerBuilder {
    /// Sets who may do what (default: [`crate::auth::Permissive`], every right).
    #[must_use]
    pub fn authorizer(mut self, authorizer: impl Authorizer + 'static) -> Self {
        self.authorizer = Box::new(authorizer);
        self
    }

    /// Serves the OAuth 2.0 token endpoint of `tokens` at its path (`/connect/token` by
    /// default), outside the SCIM base path.
    #[cfg(feature = "oauth")]
    #[must_use]
    pub fn token_endpoint(mut self, tokens: crate::auth::TokenService) -> Self {
        self.token_endpoint = Some(tokens);
        self
    }

    /// Sets the hooks run around every write.
    #[must_use]
    pub fn hooks(mut self, hooks: impl crate::hooks::Hooks + 'static) -> Self {
        self.hooks = Some(Box::new(hooks));
        self
    }

    /// Sets where audit events go (default: [`crate::hooks::TracingAudit`]).
    #[must_use]
    pub fn audit(mut self, audit: impl crate::hooks::AuditSink + 'static) -> Self {
        self.audit = Box::new(audit);
        self
    }

    /// Builds the engine.
    pub fn build(self) -> Result<ScimServer, ConfigError> {
        let mut served = Vec::new();
        for rc in &self.config.resources {
            let rt = self
                .config
                .registry
                .resource_type(&rc.name)
                .ok_or_else(|| ConfigError::UnknownResourceType(rc.name.clone()))?;
            served.push(Served {
                rt: rt.clone(),
                caps: rc.capabilities,
                filter: rc.filter.clone(),
                group_links: crate::memberships::group_type(&self.config.registry, rt),
            });
        }
        Ok(ScimServer {
            inner: Arc::new(Inner {
                config: self.config,
                store: self.store,
                auth: self.auth,
                served,
                hooks: self.hooks,
                audit: self.audit,
                authorizer: self.authorizer,
                #[cfg(feature = "oauth")]
                token_endpoint: self.token_endpoint,
            }),
        })
    }
}

/// What a handler sees of a request.
#[derive(Debug)]
pub(crate) struct Call<'a> {
    pub(crate) ctx: RequestContext,
    pub(crate) parts: &'a http::request::Parts,
    pub(crate) body: &'a Bytes,
    /// The absolute URL of the base path, without a trailing slash.
    pub(crate) base_url: String,
    /// What the caller may touch in the routed resource type (everything elsewhere).
    pub(crate) grant: Grant,
}

impl ScimServer {
    /// Builds an engine from its configuration, a store and an authenticator, with no hooks
    /// and audit events logged through `tracing`.
    pub fn new(
        config: ServerConfig,
        store: impl ResourceStore + 'static,
        auth: impl Authenticator + 'static,
    ) -> Result<Self, ConfigError> {
        Self::builder(config, store, auth).build()
    }

    /// A builder, for hooks and a custom audit sink.
    pub fn builder(
        config: ServerConfig,
        store: impl ResourceStore + 'static,
        auth: impl Authenticator + 'static,
    ) -> ServerBuilder {
        ServerBuilder {
            config,
            store: Box::new(store),
            auth: Box::new(auth),
            hooks: None,
            audit: Box::new(crate::hooks::TracingAudit),
            authorizer: Box::new(crate::auth::Permissive),
            #[cfg(feature = "oauth")]
            token_endpoint: None,
        }
    }

    /// The configuration the engine was built from.
    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    /// Handles one request. Never fails: every failure is a SCIM error response.
    pub async fn handle(&self, req: Request<Bytes>) -> Response<Bytes> {
        #[cfg(feature = "oauth")]
        if let Some(tokens) = &self.inner.token_endpoint
            && tokens.serves(req.uri().path())
        {
            return tokens.handle(req).await;
        }
        let (parts, body) = req.into_parts();
        let mut tenant = None;
        let result = match self.prepare(&parts, &body, &mut tenant).await {
            Ok((Route::Bulk, call)) => self.bulk(&call).await,
            Ok((route, call)) => self.serve(route, &call).await,
            Err(f) => Err(f),
        };
        let mut resp = self.render(&parts, result);
        if let Some(t) = tenant {
            resp.extensions_mut().insert(crate::auth::Tenant(t));
        }
        resp
    }

    /// Handles one operation of a Bulk request: like [`ScimServer::handle`], but a nested
    /// `/Bulk` is refused (and the future does not contain Bulk's, so it is not recursive).
    pub(crate) async fn handle_bulk_operation(&self, req: Request<Bytes>) -> Response<Bytes> {
        let (parts, body) = req.into_parts();
        let result = match self.prepare(&parts, &body, &mut None).await {
            Ok((Route::Bulk, _)) => Err(ScimError::bad_request(
                ScimType::InvalidPath,
                "a bulk operation cannot target /Bulk",
            )
            .into()),
            Ok((route, call)) => self.serve(route, &call).await,
            Err(f) => Err(f),
        };
        self.render(&parts, result)
    }

    async fn bulk(&self, call: &Call<'_>) -> Result<Response<Bytes>, Failure> {
        if call.parts.method != Method::POST {
            return Err(Failure::MethodNotAllowed("POST".into()));
        }
        Ok(crate::bulk::bulk(self, call).await?)
    }

    fn render(
        &self,
        parts: &http::request::Parts,
        result: Result<Response<Bytes>, Failure>,
    ) -> Response<Bytes> {
        match result {
            Ok(resp) => resp,
            Err(Failure::Scim(e)) => response::error(&e),
            Err(Failure::Auth(e)) => {
                let mut resp = response::error(&ScimError::new(401, None, e.to_string()));
                set_header(
                    &mut resp,
                    header::WWW_AUTHENTICATE,
                    self.inner.auth.challenge(),
                );
                resp
            }
            Err(Failure::MethodNotAllowed(allow)) => {
                let mut resp = response::error(&ScimError::new(
                    405,
                    None,
                    format!("{} is not allowed here; allowed: {allow}", parts.method),
                ));
                set_header(&mut resp, header::ALLOW, &allow);
                resp
            }
        }
    }

    /// Routes, checks the body size, authenticates (noting the caller's tenant in `tenant`)
    /// and authorizes.
    async fn prepare<'a>(
        &self,
        parts: &'a http::request::Parts,
        body: &'a Bytes,
        tenant: &mut Option<String>,
    ) -> Result<(Route, Call<'a>), Failure> {
        let inner = &*self.inner;
        let config = &inner.config;
        let route = route(
            &config.base_path,
            inner.served.iter().map(|s| s.rt.endpoint.as_str()),
            parts.uri.path(),
        )
        .ok_or_else(|| ScimError::not_found(format!("no endpoint at {}", parts.uri.path())))?;
        let limit = self.body_limit_for(&route);
        if body.len() > limit {
            return Err(ScimError::new(
                413,
                None,
                format!("the request body exceeds {limit} bytes"),
            )
            .into());
        }
        let ctx = inner
            .auth
            .authenticate(parts)
            .await
            .map_err(Failure::Auth)?;
        *tenant = Some(ctx.tenant.clone());
        let grant = self.authorize(&route, &parts.method, &ctx)?;
        let call = Call {
            ctx,
            parts,
            body,
            base_url: self.base_url(parts),
            grant,
        };
        Ok((route, call))
    }

    /// Asks the authorizer about an operation on a resource type (403 when denied). Discovery,
    /// `/Bulk` and root `.search` (authorized per type) need authentication only.
    fn authorize(
        &self,
        route: &Route,
        method: &Method,
        ctx: &RequestContext,
    ) -> Result<Grant, Failure> {
        let inner = &*self.inner;
        let (i, action) = match (route, method) {
            (Route::Collection(i), &Method::GET | &Method::HEAD) => (*i, Action::Query),
            (Route::Collection(i), &Method::POST) => (*i, Action::Post),
            (Route::Search(i), &Method::POST) => (*i, Action::Query),
            (Route::Item(i, _), &Method::GET | &Method::HEAD) => (*i, Action::Get),
            (Route::Item(i, _), &Method::PUT) => (*i, Action::Put),
            (Route::Item(i, _), &Method::PATCH) => (*i, Action::Patch),
            (Route::Item(i, _), &Method::DELETE) => (*i, Action::Delete),
            _ => return Ok(Grant::full()),
        };
        let served = served(inner, i)?;
        Ok(inner
            .authorizer
            .authorize(ctx, &inner.config.registry, &served.rt, action)
            .map_err(ScimError::from)?)
    }

    /// Serves every route but `/Bulk`.
    async fn serve(&self, route: Route, call: &Call<'_>) -> Result<Response<Bytes>, Failure> {
        let inner = &*self.inner;
        let m = &call.parts.method;
        let get_only = |f: &dyn Fn() -> Response<Bytes>| {
            if m == Method::GET || m == Method::HEAD {
                Ok(f())
            } else {
                Err(Failure::MethodNotAllowed("GET".into()))
            }
        };
        match route {
            Route::ServiceProviderConfig => {
                get_only(&|| crate::discovery::service_provider_config(inner, call))
            }
            Route::Schemas(id) => {
                if m != Method::GET && m != Method::HEAD {
                    return Err(Failure::MethodNotAllowed("GET".into()));
                }
                Ok(crate::discovery::schemas(inner, call, id.as_deref())?)
            }
            Route::ResourceTypes(name) => {
                if m != Method::GET && m != Method::HEAD {
                    return Err(Failure::MethodNotAllowed("GET".into()));
                }
                Ok(crate::discovery::resource_types(
                    inner,
                    call,
                    name.as_deref(),
                )?)
            }
            Route::Me => {
                Err(
                    ScimError::new(501, None, "/Me is not supported by this service provider")
                        .into(),
                )
            }
            // Served by `handle` only, never from inside a bulk operation.
            Route::Bulk => Err(ScimError::bad_request(
                ScimType::InvalidPath,
                "a bulk operation cannot target /Bulk",
            )
            .into()),
            Route::RootSearch => {
                if m != Method::POST {
                    return Err(Failure::MethodNotAllowed("POST".into()));
                }
                Ok(crate::list::root_search(inner, call).await?)
            }
            Route::Collection(i) => {
                let served = served(inner, i)?;
                match *m {
                    Method::GET | Method::HEAD if served.caps.query => {
                        Ok(crate::list::list(inner, call, served, false).await?)
                    }
                    Method::POST if served.caps.create => {
                        Ok(crate::resource::create(inner, call, served).await?)
                    }
                    _ => Err(Failure::MethodNotAllowed(allow_collection(served.caps))),
                }
            }
            Route::Search(i) => {
                let served = served(inner, i)?;
                if m == Method::POST && served.caps.query {
                    Ok(crate::list::list(inner, call, served, true).await?)
                } else {
                    Err(Failure::MethodNotAllowed(if served.caps.query {
                        "POST".into()
                    } else {
                        String::new()
                    }))
                }
            }
            Route::Item(i, id) => {
                let served = served(inner, i)?;
                let caps = served.caps;
                match *m {
                    Method::GET | Method::HEAD if caps.read => {
                        Ok(crate::resource::get(inner, call, served, &id).await?)
                    }
                    Method::PUT if caps.replace => {
                        Ok(crate::resource::replace(inner, call, served, &id).await?)
                    }
                    Method::PATCH if caps.patch => {
                        Ok(crate::resource::patch(inner, call, served, &id).await?)
                    }
                    Method::DELETE if caps.delete => {
                        Ok(crate::resource::delete(inner, call, served, &id).await?)
                    }
                    _ => Err(Failure::MethodNotAllowed(allow_item(caps))),
                }
            }
        }
    }

    /// The largest body accepted at `path`: `bulk.maxPayloadSize` for `/Bulk`, else
    /// `max_body_bytes`. Hosts that read bodies themselves use it to refuse early (413).
    pub fn body_limit(&self, path: &str) -> usize {
        let inner = &*self.inner;
        match route(
            &inner.config.base_path,
            inner.served.iter().map(|s| s.rt.endpoint.as_str()),
            path,
        ) {
            Some(r) => self.body_limit_for(&r),
            None => inner.config.max_body_bytes,
        }
    }

    fn body_limit_for(&self, route: &Route) -> usize {
        let config = &self.inner.config;
        match route {
            Route::Bulk if config.bulk.supported => config.bulk.max_payload_size,
            _ => config.max_body_bytes,
        }
    }

    fn base_url(&self, parts: &http::request::Parts) -> String {
        let config = &self.inner.config;
        if let Some(url) = &config.public_url {
            return url.trim_end_matches('/').to_owned();
        }
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| parts.uri.authority().map(|a| a.as_str()))
            .unwrap_or("localhost");
        let scheme = parts.uri.scheme_str().unwrap_or("http");
        [scheme, "://", host, config.base_path.trim_end_matches('/')].concat()
    }
}

fn served(inner: &Inner, i: usize) -> Result<&Served, Failure> {
    inner
        .served
        .get(i)
        .ok_or_else(|| ScimError::not_found("no such endpoint").into())
}

fn allow_collection(caps: Capabilities) -> String {
    let mut v = Vec::new();
    if caps.query {
        v.push("GET");
    }
    if caps.create {
        v.push("POST");
    }
    v.join(", ")
}

fn allow_item(caps: Capabilities) -> String {
    let mut v = Vec::new();
    for (ok, m) in [
        (caps.read, "GET"),
        (caps.replace, "PUT"),
        (caps.patch, "PATCH"),
        (caps.delete, "DELETE"),
    ] {
        if ok {
            v.push(m);
        }
    }
    v.join(", ")
}

/// How a request failed, before it becomes a response.
#[derive(Debug)]
pub(crate) enum Failure {
    Scim(ScimError),
    Auth(AuthError),
    MethodNotAllowed(String),
}

impl From<ScimError> for Failure {
    fn from(e: ScimError) -> Self {
        Failure::Scim(e)
    }
}

/// Parses a request body as JSON. `application/scim+json` and `application/json` (any
/// parameters) are accepted; a body without `Content-Type` is read as JSON.
pub(crate) fn json_body(call: &Call<'_>) -> Result<Value, ScimError> {
    if let Some(ct) = call.parts.headers.get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or("");
        let essence = ct.split(';').next().unwrap_or("").trim();
        let ok = essence.eq_ignore_ascii_case("application/scim+json")
            || essence.eq_ignore_ascii_case("application/json")
            || essence.eq_ignore_ascii_case("application/json+scim")
            || essence.is_empty();
        if !ok {
            return Err(ScimError::new(
                415,
                None,
                format!("unsupported Content-Type {ct:?}; send application/scim+json"),
            ));
        }
    }
    if call.body.iter().all(u8::is_ascii_whitespace) {
        return Err(ScimError::bad_request(
            ScimType::InvalidSyntax,
            "the request body is empty",
        ));
    }
    // Checked as a whole once, so the parser does not check each string again.
    let text = std::str::from_utf8(call.body).map_err(|e| {
        ScimError::bad_request(
            ScimType::InvalidSyntax,
            format!("the request body is not UTF-8 text: {e}"),
        )
    })?;
    serde_json::from_str(text).map_err(|e| {
        ScimError::bad_request(ScimType::InvalidSyntax, format!("malformed JSON: {e}"))
    })
}
