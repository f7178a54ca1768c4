//! The locker system: locker users with one email, a badge extension and read-only user
//! groups whose members are never returned.
//!
//! - Base path `/api`; Users carry `userName` (unique), `name`, `active`, exactly one email
//!   (a second is `invalidValue`), `groups` and the badge extension (`badges`: `value`,
//!   `display`); `/Schemas` advertises only these attributes.
//! - Groups are read-only resources (POST/PUT/PATCH/DELETE answer 405) and never return their
//!   `members`. A user's memberships are written through the user's `groups`, which this
//!   preset makes writable (see the engine's membership rules): a user without a group has no
//!   locker rights.
//! - No Bulk. Filters are open (`userName eq "…"` is how clients find a user).
//!
//! The API cannot create groups, so a host seeds them ([`super::seed_groups`] with
//! [`SEED_GROUPS`]). Clients log in with the OAuth 2.0 password grant; `scim serve --preset
//! locker` sets up a client holding both [`DEMO_TENANTS`] and one API user per company.
//!
//! ```
//! use scim_server::presets::locker;
//!
//! let config = locker::config();
//! assert_eq!(config.base_path, "/api");
//! let users = config.registry.resource_type("User").unwrap();
//! assert!(config.registry.resolve(users, "badges.display").is_some());
//! assert!(config.registry.resolve(users, "title").is_none());
//! ```

use crate::config::{Capabilities, ResourceConfig, ServerConfig};
use scim_core::SchemaRegistry;
use scim_core::registry::ResourceType;
use scim_core::schema::builtin::{self, BADGE_URN, USER_URN};
use scim_core::schema::{Mutability, Returned};
use std::sync::Arc;

/// The base path of the locker system's SCIM API.
pub const BASE_PATH: &str = "/api";

/// The user groups a fresh locker system has in each company.
pub const SEED_GROUPS: &[&str] = &["Staff lockers", "Visitor lockers", "Locker administrators"];

/// The two companies `scim serve --preset locker` serves as tenants.
pub const DEMO_TENANTS: &[&str] = &["company-a", "company-b"];

/// The User attributes the locker system has.
const USER_ATTRIBUTES: &[&str] = &["userName", "name", "active", "emails", "groups"];

/// The locker system's schemas: the restricted User with the badge extension, and Group.
pub fn registry() -> SchemaRegistry {
    let mut user = builtin::user().restrict(USER_ATTRIBUTES);
    if let Some(emails) = user.attribute_mut("emails") {
        emails.max_items = Some(1);
        emails.required = true;
    }
    if let Some(groups) = user.attribute_mut("groups") {
        groups.mutability = Mutability::ReadWrite;
        groups.description = Some(
            "The locker user groups the User belongs to; writable: a User without a group \
             has no locker rights."
                .into(),
        );
        if let Some(value) = groups.sub_attribute_mut("value") {
            value.mutability = Mutability::ReadWrite;
        }
    }
    let mut group = builtin::group();
    if let Some(members) = group.attribute_mut("members") {
        members.returned = Returned::Never;
    }
    let built = SchemaRegistry::builder()
        .schema(user)
        .schema(builtin::badge())
        .schema(group)
        .resource_type(
            ResourceType::new("User", "/Users", USER_URN).with_extension(BADGE_URN, false),
        )
        .resource_type(ResourceType::group())
        .build();
    // The definitions above are consistent by construction; were they not, the standard
    // registry keeps the server serving rather than panicking.
    built.unwrap_or_else(|_| SchemaRegistry::builtin())
}

/// The locker system's engine configuration.
pub fn config() -> ServerConfig {
    let mut config = ServerConfig::standard().with_base_path(BASE_PATH);
    config.registry = Arc::new(registry());
    config.resources = vec![
        ResourceConfig::new("User"),
        ResourceConfig::new("Group").capabilities(Capabilities::READ_ONLY),
    ];
    config.bulk.supported = false;
    config
}
