//! A `tower::Service` adapter (feature `tower`): reads the body with a size limit, then runs
//! the engine. Hosts on hyper, axum or anything tower-shaped use it.
//!
//! The limit is enforced while reading: a body over it answers 413 before it is buffered
//! whole.

use crate::engine::ScimServer;
use crate::response;
use bytes::Bytes;
use http_body::Body;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use scim_core::{ScimError, ScimType};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The engine as a `tower::Service<http::Request<B>>`, for any body type `B`.
#[derive(Debug, Clone)]
pub struct ScimService {
    server: ScimServer,
}

impl ScimService {
    /// Wraps an engine.
    pub fn new(server: ScimServer) -> Self {
        ScimService { server }
    }

    /// The wrapped engine.
    pub fn get_ref(&self) -> &ScimServer {
        &self.server
    }

    /// The wrapped engine, mutably.
    pub fn get_mut(&mut self) -> &mut ScimServer {
        &mut self.server
    }

    /// Unwraps the engine.
    pub fn into_inner(self) -> ScimServer {
        self.server
    }
}

/// The future a [`ScimService`] returns.
pub type ResponseFuture =
    Pin<Box<dyn Future<Output = Result<http::Response<Full<Bytes>>, Infallible>> + Send>>;

impl<B> tower_service::Service<http::Request<B>> for ScimService
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = http::Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let server = self.server.clone();
        Box::pin(async move {
            let limit = server.config().max_body_bytes;
            let (parts, body) = req.into_parts();
            let bytes = match Limited::new(body, limit).collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(e) => {
                    let err = if e.downcast_ref::<LengthLimitError>().is_some() {
                        ScimError::new(413, None, format!("the request body exceeds {limit} bytes"))
                    } else {
                        ScimError::bad_request(
                            ScimType::InvalidSyntax,
                            format!("could not read the request body: {e}"),
                        )
                    };
                    return Ok(response::error(&err).map(Full::new));
                }
            };
            let resp = server.handle(http::Request::from_parts(parts, bytes)).await;
            Ok(resp.map(Full::new))
        })
    }
}
