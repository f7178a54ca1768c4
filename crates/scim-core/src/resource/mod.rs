//! Resources: canonicalization of incoming JSON, the generic [`Resource`] and typed views.

mod canonical;

pub use canonical::{LEGACY_CORE_URN, canonicalize};
