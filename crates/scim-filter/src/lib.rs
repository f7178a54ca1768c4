//! RFC 7644 filters and attribute paths: nom parser, canonical printing, compiled evaluation.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]
