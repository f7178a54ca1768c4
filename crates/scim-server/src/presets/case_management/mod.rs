//! The case-management app: users searchable on a few attributes, authorization profiles
//! as groups that gain and lose members by PATCH only, over the app's own relational tables.
//!
//! - [`config`] is the [`ServerConfig`](crate::ServerConfig): the User and Group schemas
//!   restricted to what the app stores, profiles read/query/PATCH only, and the filter policy.
//! - [`CaseStore`] is the [`ResourceStore`](crate::store::ResourceStore) over the app's tables
//!   (`users`, `profiles`, `user_profiles`) in SQLite: it shows that storage plugs onto an
//!   existing domain model, with filters translated to SQL through one attribute → column map.
//!
//! ```
//! use scim_server::auth::AllowAll;
//! use scim_server::presets::case_management::{CaseStore, config};
//! use scim_server::ScimServer;
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let config = config();
//! let store = CaseStore::open_in_memory(config.registry.clone()).unwrap();
//! // SCIM clients cannot create profiles: the app seeds them.
//! store.seed_profiles("", &["Case worker", "Supervisor"]).await.unwrap();
//! let server = ScimServer::new(config, store, AllowAll).unwrap();
//! # let _ = server;
//! # });
//! ```

mod columns;
mod config;
mod db;
mod deltas;
mod filter;
mod records;
mod rows;
mod store;
mod tables;

pub use config::config;
pub use store::CaseStore;

/// The base path of the case-management app's SCIM API.
pub const BASE_PATH: &str = "/scim/v2";

/// The authorization profiles `scim serve --preset case-management` seeds when its
/// configuration names none.
pub const DEFAULT_PROFILES: &[&str] = &["Case worker", "Team lead", "Auditor"];
