//! The core User resource (RFC 7643 §4.1).

use super::{MultiValue, ResourceRef, read_extension, write_extension};
use crate::error::ScimError;
use crate::resource::{Field, Meta, TypedResource};
use crate::schema::builtin::{ENTERPRISE_USER_URN, USER_URN};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The components of a user's name (RFC 7643 §4.1.1, `name`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Name {
    /// The full name, formatted for display.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub formatted: Field<String>,
    /// The family (last) name.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub family_name: Field<String>,
    /// The given (first) name.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub given_name: Field<String>,
    /// The middle name(s).
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub middle_name: Field<String>,
    /// The honorific prefix(es), e.g. `Ms.`.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub honorific_prefix: Field<String>,
    /// The honorific suffix(es), e.g. `III`.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub honorific_suffix: Field<String>,
    /// Sub-attributes this model does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A physical mailing address (RFC 7643 §4.1.2, `addresses`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// The full address, formatted for display.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub formatted: Field<String>,
    /// The street address.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub street_address: Field<String>,
    /// The city or locality.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub locality: Field<String>,
    /// The state or region.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub region: Field<String>,
    /// The zip or postal code.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub postal_code: Field<String>,
    /// The country (ISO 3166-1 alpha-2, e.g. `US`).
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub country: Field<String>,
    /// The label (`work`, `home`, `other`).
    #[serde(default, rename = "type", skip_serializing_if = "Field::is_absent")]
    pub type_: Field<String>,
    /// Whether this is the preferred address.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub primary: Field<bool>,
    /// Sub-attributes this model does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A User (RFC 7643 §4.1). Extensions (the enterprise extension, the badge extension, any
/// other) live in `extra` under their URN; use [`User::enterprise`] and
/// [`User::extension`] to read them as types.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// The schema URNs of the representation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemas: Vec<String>,
    /// The service provider's identifier (read-only).
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub id: Field<String>,
    /// The provisioning client's identifier.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub external_id: Field<String>,
    /// Resource metadata (read-only).
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub meta: Field<Meta>,
    /// The unique login name (required on create and replace).
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub user_name: Field<String>,
    /// The components of the user's name.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub name: Field<Name>,
    /// The name to display.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub display_name: Field<String>,
    /// The casual name.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub nick_name: Field<String>,
    /// The URL of the user's online profile.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub profile_url: Field<String>,
    /// The title, e.g. `Vice President`.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub title: Field<String>,
    /// The relationship to the organization, e.g. `Employee`.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub user_type: Field<String>,
    /// The preferred language, e.g. `en-US`.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub preferred_language: Field<String>,
    /// The default location for localization, e.g. `en-US`.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub locale: Field<String>,
    /// The time zone, e.g. `America/Los_Angeles`.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub timezone: Field<String>,
    /// The administrative status.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub active: Field<bool>,
    /// The cleartext password (write-only; never returned).
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub password: Field<String>,
    /// Email addresses.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub emails: Field<Vec<MultiValue>>,
    /// Phone numbers.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub phone_numbers: Field<Vec<MultiValue>>,
    /// Instant messaging addresses.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub ims: Field<Vec<MultiValue>>,
    /// Photo URLs.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub photos: Field<Vec<MultiValue>>,
    /// Mailing addresses.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub addresses: Field<Vec<Address>>,
    /// The groups the user belongs to (read-only by default).
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub groups: Field<Vec<ResourceRef>>,
    /// Entitlements.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub entitlements: Field<Vec<MultiValue>>,
    /// Roles.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub roles: Field<Vec<MultiValue>>,
    /// X.509 certificates (base64 DER).
    #[serde(
        default,
        rename = "x509Certificates",
        skip_serializing_if = "Field::is_absent"
    )]
    pub x509_certificates: Field<Vec<MultiValue>>,
    /// Extensions and attributes this model does not know, in order.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl TypedResource for User {
    const RESOURCE_TYPE: &'static str = "User";
    const SCHEMA: &'static str = USER_URN;
}

impl User {
    /// A builder for a user with the given `userName`.
    ///
    /// ```
    /// use scim_core::resource::{EnterpriseUser, User};
    ///
    /// let user = User::builder("ann.lee")
    ///     .given_name("Ann")
    ///     .family_name("Lee")
    ///     .email("ann@example.com", Some("work"), true)
    ///     .enterprise(EnterpriseUser { department: "R&D".to_owned().into(), ..Default::default() })
    ///     .build();
    /// let json = serde_json::to_value(&user).unwrap();
    /// assert_eq!(json["schemas"][1], "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User");
    /// assert_eq!(json["name"]["givenName"], "Ann");
    /// assert_eq!(json["emails"][0]["primary"], true);
    /// ```
    pub fn builder(user_name: impl Into<String>) -> UserBuilder {
        UserBuilder {
            user: User {
                schemas: vec![USER_URN.to_owned()],
                user_name: Field::Value(user_name.into()),
                ..User::default()
            },
            error: None,
        }
    }

    /// The enterprise extension, if present.
    pub fn enterprise(&self) -> Option<Result<super::EnterpriseUser, ScimError>> {
        read_extension(&self.extra, ENTERPRISE_USER_URN)
    }

    /// Sets the enterprise extension (and lists its URN in `schemas`).
    pub fn set_enterprise(&mut self, ext: &super::EnterpriseUser) -> Result<(), ScimError> {
        write_extension(&mut self.extra, &mut self.schemas, ENTERPRISE_USER_URN, ext)
    }

    /// An extension under `urn` (any case), read as `T`.
    pub fn extension<T: serde::de::DeserializeOwned>(
        &self,
        urn: &str,
    ) -> Option<Result<T, ScimError>> {
        read_extension(&self.extra, urn)
    }

    /// Sets an extension under `urn` (and lists the URN in `schemas`).
    pub fn set_extension<T: Serialize>(&mut self, urn: &str, ext: &T) -> Result<(), ScimError> {
        write_extension(&mut self.extra, &mut self.schemas, urn, ext)
    }

    /// The primary email, or the only one.
    pub fn primary_email(&self) -> Option<&str> {
        let emails = self.emails.value()?;
        emails
            .iter()
            .find(|e| e.is_primary())
            .or(match emails.as_slice() {
                [one] => Some(one),
                _ => None,
            })
            .and_then(|e| e.value.value())
            .map(String::as_str)
    }
}

/// Builds a [`User`]; see [`User::builder`].
#[derive(Debug, Clone)]
pub struct UserBuilder {
    user: User,
    error: Option<ScimError>,
}

impl UserBuilder {
    fn with_name(mut self, f: impl FnOnce(&mut Name)) -> Self {
        let mut name = match std::mem::take(&mut self.user.name) {
            Field::Value(n) => n,
            Field::Absent | Field::Null => Name::default(),
        };
        f(&mut name);
        self.user.name = Field::Value(name);
        self
    }

    /// Sets `externalId`.
    #[must_use]
    pub fn external_id(mut self, v: impl Into<String>) -> Self {
        self.user.external_id = Field::Value(v.into());
        self
    }

    /// Sets `name.givenName`.
    #[must_use]
    pub fn given_name(self, v: impl Into<String>) -> Self {
        self.with_name(|n| n.given_name = Field::Value(v.into()))
    }

    /// Sets `name.familyName`.
    #[must_use]
    pub fn family_name(self, v: impl Into<String>) -> Self {
        self.with_name(|n| n.family_name = Field::Value(v.into()))
    }

    /// Sets `name.formatted`.
    #[must_use]
    pub fn formatted_name(self, v: impl Into<String>) -> Self {
        self.with_name(|n| n.formatted = Field::Value(v.into()))
    }

    /// Sets `displayName`.
    #[must_use]
    pub fn display_name(mut self, v: impl Into<String>) -> Self {
        self.user.display_name = Field::Value(v.into());
        self
    }

    /// Sets `title`.
    #[must_use]
    pub fn title(mut self, v: impl Into<String>) -> Self {
        self.user.title = Field::Value(v.into());
        self
    }

    /// Sets `active`.
    #[must_use]
    pub fn active(mut self, v: bool) -> Self {
        self.user.active = Field::Value(v);
        self
    }

    /// Sets `password`.
    #[must_use]
    pub fn password(mut self, v: impl Into<String>) -> Self {
        self.user.password = Field::Value(v.into());
        self
    }

    /// Adds an email.
    #[must_use]
    pub fn email(mut self, value: impl Into<String>, type_: Option<&str>, primary: bool) -> Self {
        let mut item = MultiValue::new(value);
        if let Some(t) = type_ {
            item = item.with_type(t);
        }
        if primary {
            item = item.with_primary(true);
        }
        push(&mut self.user.emails, item);
        self
    }

    /// Adds a phone number.
    #[must_use]
    pub fn phone_number(mut self, value: impl Into<String>, type_: Option<&str>) -> Self {
        let mut item = MultiValue::new(value);
        if let Some(t) = type_ {
            item = item.with_type(t);
        }
        push(&mut self.user.phone_numbers, item);
        self
    }

    /// Adds an address.
    #[must_use]
    pub fn address(mut self, address: Address) -> Self {
        push(&mut self.user.addresses, address);
        self
    }

    /// Sets the enterprise extension.
    #[must_use]
    pub fn enterprise(mut self, ext: super::EnterpriseUser) -> Self {
        if let Err(e) = self.user.set_enterprise(&ext) {
            self.error = Some(e);
        }
        self
    }

    /// Sets an extension under `urn`.
    #[must_use]
    pub fn extension<T: Serialize>(mut self, urn: &str, ext: &T) -> Self {
        if let Err(e) = self.user.set_extension(urn, ext) {
            self.error = Some(e);
        }
        self
    }

    /// Sets any other attribute as JSON.
    #[must_use]
    pub fn attribute(mut self, name: impl Into<String>, value: Value) -> Self {
        self.user.extra.insert(name.into(), value);
        self
    }

    /// The user.
    pub fn build(self) -> User {
        self.user
    }

    /// The user, or the first error an extension raised while serializing.
    pub fn try_build(self) -> Result<User, ScimError> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.user),
        }
    }
}

fn push<T>(field: &mut Field<Vec<T>>, item: T) {
    match field {
        Field::Value(items) => items.push(item),
        _ => *field = Field::Value(vec![item]),
    }
}
