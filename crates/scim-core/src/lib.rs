//! RFC 7643 core schema for SCIM 2.0: schema definitions and the registry, resources,
//! messages, errors, validation and projection.
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`schema`] | attribute definitions (RFC 7643 §2, §7) and the built-in User, Group, enterprise and badge schemas |
//! | [`registry`] | schemas and resource types with case-insensitive path resolution |
//! | [`value`] | type checks and tolerant coercion of one attribute value |
//! | [`resource`] | canonicalization, the generic [`Resource`], [`Meta`](resource::Meta), typed views |
//! | [`validate`] | validation for create (POST) and replace (PUT) |
//! | [`project`] | `attributes` / `excludedAttributes` with the `returned` characteristic |
//! | [`message`] | PatchOp, ListResponse, SearchRequest, Bulk |
//! | [`discovery`] | ServiceProviderConfig, ResourceType and Schema documents |
//! | [`ident`] | `SchemaUri` and `AttributeName`, case-insensitive identifier newtypes |
//! | [`compat`] | the strict and tolerant modes and their named quirks; [`interop`] lists what each accepts |
//! | [`error`] | the RFC 7644 §3.12 error |
//!
//! A server's path for a POST body: validate (which canonicalizes), store, project.
//!
//! ```
//! use scim_core::project::Projection;
//! use scim_core::registry::SchemaRegistry;
//! use scim_core::validate::validate_create;
//! use scim_core::Compat;
//! use serde_json::json;
//!
//! let registry = SchemaRegistry::builtin();
//! let users = registry.resource_type("Users").unwrap();
//! assert_eq!(users.name, "User");
//!
//! let mut body = json!({
//!     "UserName": "bjensen",
//!     "password": "t1meMa$heen",
//!     "Emails": [{"value": "b@example.com", "primary": "True"}]
//! });
//! validate_create(&mut body, &registry, users, Compat::tolerant()).unwrap();
//! body["id"] = json!("2819c223");
//!
//! let out = Projection::default_for(&registry, users).apply(&body);
//! assert_eq!(out, json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!     "userName": "bjensen",
//!     "emails": [{"value": "b@example.com", "primary": true}],
//!     "id": "2819c223"
//! }));
//! ```

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod compat;
#[doc = include_str!("docs/interop.md")]
pub mod interop {}
pub mod discovery;
pub mod error;
pub mod ident;
pub mod member;
pub mod message;
pub mod project;
pub mod registry;
pub mod resource;
pub mod schema;
pub mod validate;
pub mod value;

pub use compat::{Compat, Quirk};
pub use error::{ScimError, ScimType};
pub use registry::{Resolved, ResourceType, SchemaRegistry};
pub use resource::Resource;
pub use schema::{AttributeDef, AttributeType, Schema};
