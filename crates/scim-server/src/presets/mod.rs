//! Ready-made configurations for the products built on this engine: the locker system and
//! the case-management app. Each preset is a [`ServerConfig`](crate::ServerConfig) (schemas,
//! capabilities, filter policy) plus what the product needs around it.

#[cfg(feature = "sqlite")]
pub mod case_management;
pub mod locker;
