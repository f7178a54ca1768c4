//! Ready-made configurations for the products built on this engine: the locker system and
//! the case-management app. Each preset is a [`ServerConfig`](crate::ServerConfig) (schemas,
//! capabilities, filter policy) plus what the product needs around it.
//!
//! Both products serve groups their API cannot create, so a host seeds them with
//! [`seed_groups`].

#[cfg(feature = "sqlite")]
pub mod case_management;
pub mod locker;

use crate::store::{ListRequest, RequestContext, ResourceStore, StoreError};
use scim_core::{SchemaRegistry, ScimError, ScimType};
use scim_filter::CompiledFilter;
use serde_json::{Value, json};

/// Makes sure the groups named `names` exist in `tenant` (matched by `displayName`, case
/// insensitively): creates the missing ones and returns `(name, id)` for every name, in order.
/// Running it again creates nothing.
///
/// ```
/// use scim_server::presets::{locker, seed_groups};
/// use scim_server::store::MemoryStore;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let config = locker::config();
/// let store = MemoryStore::new(config.registry.clone());
/// let first = seed_groups(&store, &config.registry, "company-a", &["Staff lockers"]).await.unwrap();
/// let again = seed_groups(&store, &config.registry, "company-a", &["staff lockers"]).await.unwrap();
/// assert_eq!(first[0].1, again[0].1);
/// # }
/// ```
pub async fn seed_groups(
    store: &dyn ResourceStore,
    registry: &SchemaRegistry,
    tenant: &str,
    names: &[&str],
) -> Result<Vec<(String, String)>, StoreError> {
    let rt = registry
        .resource_type("Group")
        .ok_or_else(|| ScimError::bad_request(ScimType::InvalidValue, "no Group resource type"))?;
    let ctx = RequestContext {
        skip_members: true,
        ..RequestContext::tenant(tenant)
    };
    let mut seeded = Vec::with_capacity(names.len());
    for name in names {
        let text = format!("displayName eq {}", Value::String((*name).to_owned()));
        let filter = CompiledFilter::parse_and_compile(&text, registry, rt)
            .map_err(|e| ScimError::bad_request(ScimType::InvalidFilter, e.to_string()))?;
        let request = ListRequest {
            filter: Some(&filter),
            sort: None,
            start_index: 1,
            count: 1,
        };
        let page = store.list(&ctx, rt, &request).await?;
        let id = match page.resources.into_iter().next() {
            Some(found) => found.id,
            None => {
                let group = json!({"schemas": [rt.schema], "displayName": name});
                store.create(&ctx, rt, group).await?.id
            }
        };
        seeded.push(((*name).to_owned(), id));
    }
    Ok(seeded)
}
