//! The enterprise User extension (RFC 7643 §4.3).

use crate::resource::Field;
use crate::schema::builtin::ENTERPRISE_USER_URN;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The enterprise User extension, the object under
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User` (RFC 7643 §4.3).
///
/// ```
/// use scim_core::resource::{EnterpriseUser, Manager};
///
/// let ext = EnterpriseUser::builder()
///     .employee_number("701984")
///     .department("Tour Operations")
///     .manager(Manager::new("26118915"))
///     .build();
/// let json = serde_json::to_value(&ext).unwrap();
/// assert_eq!(json["manager"]["value"], "26118915");
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnterpriseUser {
    /// The employee number.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub employee_number: Field<String>,
    /// The cost center.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub cost_center: Field<String>,
    /// The organization.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub organization: Field<String>,
    /// The division.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub division: Field<String>,
    /// The department.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub department: Field<String>,
    /// The user's manager.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub manager: Field<Manager>,
    /// Attributes this model does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl EnterpriseUser {
    /// The extension's schema URN.
    pub const URN: &'static str = ENTERPRISE_USER_URN;

    /// A builder.
    pub fn builder() -> EnterpriseUserBuilder {
        EnterpriseUserBuilder(EnterpriseUser::default())
    }
}

/// Builds an [`EnterpriseUser`].
#[derive(Debug, Clone, Default)]
pub struct EnterpriseUserBuilder(EnterpriseUser);

impl EnterpriseUserBuilder {
    /// Sets `employeeNumber`.
    #[must_use]
    pub fn employee_number(mut self, v: impl Into<String>) -> Self {
        self.0.employee_number = Field::Value(v.into());
        self
    }

    /// Sets `costCenter`.
    #[must_use]
    pub fn cost_center(mut self, v: impl Into<String>) -> Self {
        self.0.cost_center = Field::Value(v.into());
        self
    }

    /// Sets `organization`.
    #[must_use]
    pub fn organization(mut self, v: impl Into<String>) -> Self {
        self.0.organization = Field::Value(v.into());
        self
    }

    /// Sets `division`.
    #[must_use]
    pub fn division(mut self, v: impl Into<String>) -> Self {
        self.0.division = Field::Value(v.into());
        self
    }

    /// Sets `department`.
    #[must_use]
    pub fn department(mut self, v: impl Into<String>) -> Self {
        self.0.department = Field::Value(v.into());
        self
    }

    /// Sets `manager`.
    #[must_use]
    pub fn manager(mut self, v: Manager) -> Self {
        self.0.manager = Field::Value(v);
        self
    }

    /// The extension.
    pub fn build(self) -> EnterpriseUser {
        self.0
    }
}

/// The enterprise extension's `manager` (RFC 7643 §4.3).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manager {
    /// The manager's `id`.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub value: Field<String>,
    /// The manager's URI.
    #[serde(default, rename = "$ref", skip_serializing_if = "Field::is_absent")]
    pub ref_: Field<String>,
    /// The manager's display name (read-only).
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub display_name: Field<String>,
    /// Sub-attributes this model does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Manager {
    /// A manager reference by `id`.
    pub fn new(value: impl Into<String>) -> Self {
        Manager {
            value: Field::Value(value.into()),
            ..Manager::default()
        }
    }
}
