//! RFC 7644 protocol messages: PatchOp, ListResponse, SearchRequest, Bulk. The Error
//! message is [`crate::ScimError`].

pub mod bulk;
pub mod list;
pub mod patch;
pub mod search;

pub use bulk::{
    BULK_REQUEST_URN, BULK_RESPONSE_URN, BulkMethod, BulkOperation, BulkOperationResponse,
    BulkRequest, BulkResponse,
};
pub use list::{LIST_RESPONSE_URN, ListResponse};
pub use patch::{PATCH_OP_URN, PatchOp, PatchOpKind, PatchOperation};
pub use search::{SEARCH_REQUEST_URN, SearchRequest, SortOrder};
