//! The engine: one async function from `http::Request<Bytes>` to `http::Response<Bytes>`.

use crate::auth::{AuthError, Authenticator};
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
}

/// What a handler sees of a request.
#[derive(Debug)]
pub(crate) struct Call<'a> {
    pub(crate) ctx: RequestContext,
    pub(crate) parts: &'a http::request::Parts,
    pub(crate) body: &'a Bytes,
    /// The absolute URL of the base path, without a trailing slash.
    pub(crate) base_url: String,
}

impl ScimServer {
    /// Builds an engine from its configuration, a store and an authenticator.
    pub fn new(
        config: ServerConfig,
        store: impl ResourceStore + 'static,
        auth: impl Authenticator + 'static,
    ) -> Result<Self, ConfigError> {
        let mut served = Vec::new();
        for rc in &config.resources {
            let rt = config
                .registry
                .resource_type(&rc.name)
                .ok_or_else(|| ConfigError::UnknownResourceType(rc.name.clone()))?;
            served.push(Served {
                rt: rt.clone(),
                caps: rc.capabilities,
            });
        }
        Ok(ScimServer {
            inner: Arc::new(Inner {
                config,
                store: Box::new(store),
                auth: Box::new(auth),
                served,
            }),
        })
    }

    /// The configuration the engine was built from.
    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    /// Handles one request. Never fails: every failure is a SCIM error response.
    pub async fn handle(&self, req: Request<Bytes>) -> Response<Bytes> {
        let (parts, body) = req.into_parts();
        match self.dispatch(&parts, &body).await {
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

    async fn dispatch(
        &self,
        parts: &http::request::Parts,
        body: &Bytes,
    ) -> Result<Response<Bytes>, Failure> {
        let inner = &*self.inner;
        let config = &inner.config;
        if body.len() > config.max_body_bytes {
            return Err(ScimError::new(
                413,
                None,
                format!("the request body exceeds {} bytes", config.max_body_bytes),
            )
            .into());
        }
        let route = route(
            &config.base_path,
            inner.served.iter().map(|s| s.rt.endpoint.as_str()),
            parts.uri.path(),
        )
        .ok_or_else(|| ScimError::not_found(format!("no endpoint at {}", parts.uri.path())))?;
        let ctx = inner
            .auth
            .authenticate(parts)
            .await
            .map_err(Failure::Auth)?;
        let call = Call {
            ctx,
            parts,
            body,
            base_url: self.base_url(parts),
        };
        let m = &parts.method;
        let get_only = |f: &dyn Fn() -> Response<Bytes>| {
            if m == Method::GET || m == Method::HEAD {
                Ok(f())
            } else {
                Err(Failure::MethodNotAllowed("GET".into()))
            }
        };
        match route {
            Route::ServiceProviderConfig => {
                get_only(&|| crate::discovery::service_provider_config(inner, &call))
            }
            Route::Schemas(id) => {
                if m != Method::GET && m != Method::HEAD {
                    return Err(Failure::MethodNotAllowed("GET".into()));
                }
                Ok(crate::discovery::schemas(inner, &call, id.as_deref())?)
            }
            Route::ResourceTypes(name) => {
                if m != Method::GET && m != Method::HEAD {
                    return Err(Failure::MethodNotAllowed("GET".into()));
                }
                Ok(crate::discovery::resource_types(
                    inner,
                    &call,
                    name.as_deref(),
                )?)
            }
            Route::Me => {
                Err(
                    ScimError::new(501, None, "/Me is not supported by this service provider")
                        .into(),
                )
            }
            Route::Bulk => {
                Err(
                    ScimError::new(501, None, "Bulk is not supported by this service provider")
                        .into(),
                )
            }
            Route::RootSearch => {
                if m != Method::POST {
                    return Err(Failure::MethodNotAllowed("POST".into()));
                }
                Ok(crate::list::root_search(inner, &call).await?)
            }
            Route::Collection(i) => {
                let served = served(inner, i)?;
                match *m {
                    Method::GET | Method::HEAD if served.caps.query => {
                        Ok(crate::list::list_get(inner, &call, served).await?)
                    }
                    Method::POST if served.caps.create => {
                        Ok(crate::resource::create(inner, &call, served).await?)
                    }
                    _ => Err(Failure::MethodNotAllowed(allow_collection(served.caps))),
                }
            }
            Route::Search(i) => {
                let served = served(inner, i)?;
                if m == Method::POST && served.caps.query {
                    Ok(crate::list::list_search(inner, &call, served).await?)
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
                        Ok(crate::resource::get(inner, &call, served, &id).await?)
                    }
                    Method::PUT if caps.replace => {
                        Ok(crate::resource::replace(inner, &call, served, &id).await?)
                    }
                    Method::PATCH if caps.patch => {
                        Ok(crate::resource::patch(inner, &call, served, &id).await?)
                    }
                    Method::DELETE if caps.delete => {
                        Ok(crate::resource::delete(inner, &call, served, &id).await?)
                    }
                    _ => Err(Failure::MethodNotAllowed(allow_item(caps))),
                }
            }
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
        format!(
            "{scheme}://{host}{}",
            config.base_path.trim_end_matches('/')
        )
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
    serde_json::from_slice(call.body).map_err(|e| {
        ScimError::bad_request(ScimType::InvalidSyntax, format!("malformed JSON: {e}"))
    })
}
