//! The case-management app: users searchable on a few attributes, authorization profiles
//! as groups that gain and lose members by PATCH only, over the app's own relational tables.
//!
//! - [`config`] is the [`ServerConfig`](crate::ServerConfig): the User and Group schemas
//!   restricted to what the app stores, profiles read/query/PATCH only, and the filter policy.

mod config;

pub use config::config;
