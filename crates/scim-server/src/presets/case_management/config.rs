//! The preset's [`ServerConfig`]: the schemas restricted to what the app stores, what each
//! endpoint allows, and which attributes filters may name.

use crate::{Capabilities, FilterPolicy, ResourceConfig, ServerConfig};
use scim_core::SchemaRegistry;
use scim_core::registry::{RegistryError, ResourceType};
use scim_core::schema::builtin::{self, USER_URN};
use scim_core::schema::{Mutability, Schema, Uniqueness};
use std::sync::Arc;

/// Authorization profiles are read, searched and PATCHed (members only: `displayName` is
/// read-only); the app creates, renames and deletes them.
const PROFILE_CAPABILITIES: Capabilities = Capabilities {
    create: false,
    read: true,
    query: true,
    replace: false,
    patch: true,
    delete: false,
};

/// The case-management app's configuration: users and authorization profiles (served as
/// `Group`) under `/scim/v2`.
///
/// - `User` keeps `userName` (unique, case-insensitively), `name` (`givenName`,
///   `familyName`, and `formatted`, which is computed and read-only), `displayName`, `active`,
///   one email (`emails` with `value`, `type`, `primary`; at most one item), `externalId` and
///   the read-only `groups`. Every operation is allowed. Filters may name `userName`,
///   `givenName`/`familyName` (aliases of `name.givenName`/`name.familyName`), `name` (either
///   of the two), `active`, `id`, `externalId` and `emails.value`.
/// - `Group` keeps `displayName` (read-only, unique: the app names its profiles) and
///   `members`. Read, query and PATCH only (POST, PUT and DELETE answer 405); filters may name
///   `displayName` and `id`.
///
/// Pair it with [`CaseStore`](super::CaseStore) over the same registry:
///
/// ```
/// use scim_server::auth::AllowAll;
/// use scim_server::presets::case_management::{CaseStore, config};
/// use scim_server::ScimServer;
///
/// let config = config();
/// let store = CaseStore::open_in_memory(config.registry.clone()).unwrap();
/// let server = ScimServer::new(config, store, AllowAll).unwrap();
/// # let _ = server;
/// ```
pub fn config() -> ServerConfig {
    // The definitions are fixed and consistent (a test builds them); the fallback is
    // unreachable but keeps this constructor free of a panic path.
    let registry = registry().unwrap_or_else(|_| SchemaRegistry::builtin());
    let mut config = ServerConfig::standard().with_base_path(super::BASE_PATH);
    config.registry = Arc::new(registry);
    config.resources = vec![
        ResourceConfig::new("User").filter(user_filter()),
        ResourceConfig::new("Group")
            .capabilities(PROFILE_CAPABILITIES)
            .filter(FilterPolicy::default().allow(&["displayName", "id"])),
    ];
    config
}

/// The User filter policy: the aliases a case worker's search box uses, and the attributes a
/// connector looks users up by.
fn user_filter() -> FilterPolicy {
    FilterPolicy::default()
        .alias("name", &["name.givenName", "name.familyName"])
        .alias("givenName", &["name.givenName"])
        .alias("familyName", &["name.familyName"])
        .allow(&[
            "userName",
            "name.givenName",
            "name.familyName",
            "active",
            "id",
            "externalId",
            "emails.value",
        ])
}

/// The registry: the core User and Group schemas cut down to the app's columns, with no
/// extension.
pub(super) fn registry() -> Result<SchemaRegistry, RegistryError> {
    SchemaRegistry::builder()
        .schema(user_schema())
        .schema(group_schema())
        .resource_type(ResourceType::new("User", "/Users", USER_URN))
        .resource_type(ResourceType::group())
        .build()
}

fn user_schema() -> Schema {
    let mut user = builtin::user().restrict(&[
        "userName",
        "name",
        "displayName",
        "active",
        "emails",
        "groups",
    ]);
    if let Some(name) = user.attribute_mut("name") {
        name.sub_attributes
            .retain(|s| matches!(s.name.as_str(), "formatted" | "familyName" | "givenName"));
        if let Some(formatted) = name.sub_attribute_mut("formatted") {
            formatted.mutability = Mutability::ReadOnly;
            formatted.description =
                Some("The given and family names, joined by a space (computed).".into());
        }
    }
    if let Some(emails) = user.attribute_mut("emails") {
        emails
            .sub_attributes
            .retain(|s| matches!(s.name.as_str(), "value" | "type" | "primary"));
        emails.max_items = Some(1);
        emails.description = Some("The user's email address (the app keeps one).".into());
        if let Some(value) = emails.sub_attribute_mut("value") {
            value.required = true;
        }
    }
    user
}

fn group_schema() -> Schema {
    let mut group = builtin::group().with_description("Authorization profile");
    if let Some(name) = group.attribute_mut("displayName") {
        name.mutability = Mutability::ReadOnly;
        name.required = false;
        name.uniqueness = Uniqueness::Server;
        name.description = Some("The profile's name, given by the app (read-only).".into());
    }
    if let Some(members) = group.attribute_mut("members") {
        members.description = Some("The users holding this profile.".into());
    }
    group
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_builds_without_the_enterprise_extension() {
        let registry = registry().unwrap();
        let users = registry.resource_type("Users").unwrap();
        assert!(users.schema_extensions.is_empty());
        let user = registry.core_schema(users).unwrap();
        let names: Vec<_> = user.attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "userName",
                "name",
                "displayName",
                "active",
                "emails",
                "groups"
            ]
        );
        let emails = user.attribute("emails").unwrap();
        assert_eq!(emails.max_items, Some(1));
        let subs: Vec<_> = emails
            .sub_attributes
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(subs, ["value", "type", "primary"]);
        let groups = registry.resource_type("Groups").unwrap();
        let group = registry.core_schema(groups).unwrap();
        let display = group.attribute("displayName").unwrap();
        assert_eq!(display.mutability, Mutability::ReadOnly);
    }

    #[test]
    fn groups_are_read_query_and_patch_only() {
        let config = config();
        assert_eq!(config.base_path, "/scim/v2");
        let group = config.resources.iter().find(|r| r.name == "Group").unwrap();
        assert!(group.capabilities.patch && group.capabilities.query);
        assert!(!group.capabilities.create && !group.capabilities.replace);
        assert!(!group.capabilities.delete);
    }
}
