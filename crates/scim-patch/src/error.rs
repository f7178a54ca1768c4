//! [`PatchError`]: why a PATCH request was refused, and which operation refused it.

use scim_core::{ScimError, ScimType};
use std::fmt;

/// A refused PATCH request: the operation index, its path (with the byte span the path
/// parser blamed, when there is one), the RFC 7644 §3.12 `scimType` and a detail.
///
/// When [`crate::Patcher::apply`] returns a `PatchError`, the resource is exactly as it
/// was before the request.
///
/// ```
/// use scim_core::{ScimError, ScimType};
/// use scim_patch::Patcher;
/// use serde_json::json;
///
/// let registry = scim_core::SchemaRegistry::builtin();
/// let mut user = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///                       "id": "1", "userName": "bjensen"});
/// let body = json!({"Operations": [{"op": "remove", "path": "userName"}]});
/// let err = Patcher::new(&registry).apply_json(&mut user, &body).unwrap_err();
/// assert_eq!(err.operation(), Some(0));
/// assert_eq!(err.path(), Some("userName"));
/// assert_eq!(err.scim_type(), ScimType::InvalidValue);
/// let scim: ScimError = err.into();
/// assert_eq!(scim.status(), 400);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchError {
    operation: Option<usize>,
    path: Option<String>,
    span: Option<(usize, usize)>,
    scim_type: ScimType,
    detail: String,
}

impl PatchError {
    pub(crate) fn new(scim_type: ScimType, detail: impl Into<String>) -> Self {
        PatchError {
            operation: None,
            path: None,
            span: None,
            scim_type,
            detail: detail.into(),
        }
    }

    pub(crate) fn at(mut self, operation: usize, path: Option<&str>) -> Self {
        self.operation = Some(operation);
        if self.path.is_none() {
            self.path = path.map(str::to_owned);
        }
        self
    }

    pub(crate) fn with_span(mut self, start: usize, end: usize) -> Self {
        self.span = Some((start, end));
        self
    }

    pub(crate) fn from_scim(err: &ScimError) -> Self {
        PatchError::new(
            err.scim_type().unwrap_or(ScimType::InvalidValue),
            err.detail(),
        )
    }

    /// The index of the failing operation in `Operations`, when one failed (a body that
    /// is not a PatchOp at all has none).
    pub fn operation(&self) -> Option<usize> {
        self.operation
    }

    /// The failing operation's `path`, or for a path-less operation the value key that
    /// failed.
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    /// The byte range of [`PatchError::path`] the path parser blamed, if it did.
    pub fn span(&self) -> Option<(usize, usize)> {
        self.span
    }

    /// The RFC 7644 §3.12 `scimType`: `invalidSyntax`, `invalidPath`, `invalidFilter`,
    /// `noTarget`, `mutability` or `invalidValue`.
    pub fn scim_type(&self) -> ScimType {
        self.scim_type
    }

    /// The HTTP status (400 for every PATCH error).
    pub fn status(&self) -> u16 {
        self.scim_type.status()
    }

    /// The human-readable detail, without the operation and path.
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl fmt::Display for PatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(i) = self.operation {
            write!(f, "operation {i}")?;
            if let Some(p) = &self.path {
                write!(f, " ({p})")?;
            }
            f.write_str(": ")?;
        }
        write!(f, "{}: {}", self.scim_type, self.detail)
    }
}

impl std::error::Error for PatchError {}

impl From<PatchError> for ScimError {
    fn from(e: PatchError) -> Self {
        let detail = e.to_string();
        ScimError::of(e.scim_type, detail)
    }
}

pub(crate) fn invalid_value(detail: impl Into<String>) -> PatchError {
    PatchError::new(ScimType::InvalidValue, detail)
}

pub(crate) fn invalid_path(detail: impl Into<String>) -> PatchError {
    PatchError::new(ScimType::InvalidPath, detail)
}

pub(crate) fn no_target(detail: impl Into<String>) -> PatchError {
    PatchError::new(ScimType::NoTarget, detail)
}

pub(crate) fn mutability(detail: impl Into<String>) -> PatchError {
    PatchError::new(ScimType::Mutability, detail)
}
