//! Resources: canonicalization of incoming JSON, the generic [`Resource`], [`Meta`], the
//! three-state [`Field`], and the typed views [`User`], [`Group`], [`EnterpriseUser`] and
//! [`Badge`].
//!
//! The JSON form is the truth; typed views convert to and from it and keep every attribute
//! they do not model in a catch-all map (`extra`), so a round trip never drops data.
//!
//! ```
//! use scim_core::resource::{Resource, TypedResource, User};
//! use serde_json::json;
//!
//! let json = json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:example:custom"],
//!     "userName": "bjensen",
//!     "urn:example:custom": {"shoeSize": 42}
//! });
//! let generic = Resource::from_value("User", json.clone()).unwrap();
//! let user = User::from_resource(&generic).unwrap();
//! assert_eq!(user.user_name.value().map(String::as_str), Some("bjensen"));
//! assert_eq!(user.into_resource().unwrap().into_value(), json);
//! ```

mod canonical;
mod field;
mod generic;
mod meta;
pub mod typed;

pub use canonical::{LEGACY_CORE_URN, canonicalize};
pub use field::Field;
pub use generic::{Resource, TypedResource};
pub use meta::{Meta, format_date_time};
pub use typed::{
    Address, Badge, BadgeItem, EnterpriseUser, Group, Manager, MultiValue, Name, ResourceRef, User,
};
