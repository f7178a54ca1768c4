//! RFC 7643 core schema for SCIM 2.0: schema definitions and the registry, resources,
//! messages, errors, validation and projection.
//!
//! ```
//! use scim_core::registry::SchemaRegistry;
//!
//! let registry = SchemaRegistry::builtin();
//! let users = registry.resource_type("Users").unwrap();
//! assert_eq!(users.name, "User");
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
pub mod discovery;
pub mod error;
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
pub use schema::{AttributeDef, AttributeType, Schema};
