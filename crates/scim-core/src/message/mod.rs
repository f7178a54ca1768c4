//! RFC 7644 protocol messages.

pub mod patch;

pub use patch::{PATCH_OP_URN, PatchOp, PatchOpKind, PatchOperation};
