//! A framework-free SCIM 2.0 protocol engine: `http::Request<Bytes>` in,
//! `http::Response<Bytes>` out, with pluggable storage and authentication.
//!
//! Build a [`ScimServer`] from a [`ServerConfig`], a [`store::ResourceStore`] and an
//! [`auth::Authenticator`], then hand it requests from any HTTP host. The `tower` feature adds
//! [`service::ScimService`], which `scim serve` and the hosting examples use.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod auth;
mod bulk;
pub mod config;
mod discovery;
mod engine;
mod filter_policy;
pub mod hooks;
mod list;
mod memberships;
mod ops;
pub mod presets;
pub mod query;
mod resource;
pub mod response;
mod route;
#[cfg(feature = "tower")]
pub mod service;
pub mod store;

pub use bulk::BulkConfig;
pub use config::{Capabilities, PatchResponse, ResourceConfig, ServerConfig};
pub use engine::{ConfigError, ScimServer, ServerBuilder};
pub use filter_policy::FilterPolicy;
