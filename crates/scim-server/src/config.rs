//! The engine's configuration: base path, resource types and what each allows, limits,
//! compat mode and response settings. Discovery documents are generated from it, so they
//! describe exactly what is enforced.

use scim_core::{Compat, SchemaRegistry};
use std::sync::Arc;

/// The operations a resource type allows. Anything else answers 405 with a SCIM error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// `POST /{Endpoint}`.
    pub create: bool,
    /// `GET /{Endpoint}/{id}`.
    pub read: bool,
    /// `GET /{Endpoint}` and `POST /{Endpoint}/.search` (and inclusion in root `.search`).
    pub query: bool,
    /// `PUT /{Endpoint}/{id}`.
    pub replace: bool,
    /// `PATCH /{Endpoint}/{id}`.
    pub patch: bool,
    /// `DELETE /{Endpoint}/{id}`.
    pub delete: bool,
}

impl Capabilities {
    /// Every operation.
    pub const ALL: Capabilities = Capabilities {
        create: true,
        read: true,
        query: true,
        replace: true,
        patch: true,
        delete: true,
    };

    /// Read and query only (e.g. the locker system's user groups).
    pub const READ_ONLY: Capabilities = Capabilities {
        create: false,
        read: true,
        query: true,
        replace: false,
        patch: false,
        delete: false,
    };
}

impl Default for Capabilities {
    fn default() -> Self {
        Capabilities::ALL
    }
}

/// One served resource type: its name in the registry and what it allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceConfig {
    /// The resource type name in the registry (e.g. `User`).
    pub name: String,
    /// The operations allowed.
    pub capabilities: Capabilities,
}

/// How PATCH answers a success.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PatchResponse {
    /// `200 OK` with the resource (the default).
    #[default]
    Resource,
    /// `204 No Content` (Entra prefers it for groups).
    NoContent,
}

/// The engine's configuration.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The base path the endpoints live under, e.g. `/scim/v2` (matched case-insensitively).
    pub base_path: String,
    /// The schemas and resource types.
    pub registry: Arc<SchemaRegistry>,
    /// The served resource types, in the registry's terms, with their capabilities.
    pub resources: Vec<ResourceConfig>,
    /// The most resources one list answer returns (`filter.maxResults`).
    pub max_results: usize,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Strict RFC behaviour or tolerance of client quirks.
    pub compat: Compat,
    /// How PATCH answers a success.
    pub patch_response: PatchResponse,
    /// When true, group members must name existing resources (`invalidValue` otherwise).
    /// Off by default: real clients add members before the users exist.
    pub strict_references: bool,
    /// The absolute URL the base path is reached at (e.g. `https://example.com/scim/v2`), used
    /// for `meta.location` and `Location`. When `None`, it is derived from the request's `Host`.
    pub public_url: Option<String>,
}

impl ServerConfig {
    /// The standard configuration: User (with the enterprise extension) and Group under
    /// `/scim/v2`, every operation allowed, tolerant.
    pub fn standard() -> Self {
        ServerConfig {
            base_path: "/scim/v2".into(),
            registry: Arc::new(SchemaRegistry::builtin()),
            resources: vec![
                ResourceConfig {
                    name: "User".into(),
                    capabilities: Capabilities::ALL,
                },
                ResourceConfig {
                    name: "Group".into(),
                    capabilities: Capabilities::ALL,
                },
            ],
            max_results: 200,
            max_body_bytes: 1 << 20,
            compat: Compat::tolerant(),
            patch_response: PatchResponse::Resource,
            strict_references: false,
            public_url: None,
        }
    }

    /// Sets the base path.
    #[must_use]
    pub fn with_base_path(mut self, base_path: impl Into<String>) -> Self {
        self.base_path = base_path.into();
        self
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig::standard()
    }
}
