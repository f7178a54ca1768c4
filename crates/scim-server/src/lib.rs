//! A framework-free SCIM 2.0 protocol engine over `http` types with pluggable storage.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]
