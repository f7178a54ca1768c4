//! Discovery documents (RFC 7643 §5–§7): `ServiceProviderConfig`, and the `ResourceType` and
//! `Schema` representations as served by `/ResourceTypes` and `/Schemas`.
//!
//! ```
//! use scim_core::discovery::{AuthenticationScheme, ServiceProviderConfig};
//!
//! let config = ServiceProviderConfig::new()
//!     .with_patch(true)
//!     .with_filter(true, 200)
//!     .with_bulk(true, 1000, 1_048_576)
//!     .with_authentication_scheme(AuthenticationScheme::oauth_bearer_token());
//! let json = serde_json::to_value(&config).unwrap();
//! assert_eq!(json["filter"]["maxResults"], 200);
//! assert_eq!(json["authenticationSchemes"][0]["type"], "oauthbearertoken");
//! ```

use crate::registry::ResourceType;
use crate::resource::Meta;
use crate::schema::Schema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The ServiceProviderConfig schema URN.
pub const SERVICE_PROVIDER_CONFIG_URN: &str =
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";

/// `{"supported": bool}`: a feature switch (`patch`, `changePassword`, `sort`, `etag`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Supported {
    /// Whether the feature is supported.
    #[serde(default)]
    pub supported: bool,
    /// Members this model does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Supported {
    /// A switch set to `supported`.
    pub fn new(supported: bool) -> Self {
        Supported {
            supported,
            extra: Map::new(),
        }
    }
}

/// The `bulk` configuration (RFC 7643 §5).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkConfig {
    /// Whether Bulk is supported.
    #[serde(default)]
    pub supported: bool,
    /// The most operations in one request.
    #[serde(default)]
    pub max_operations: u64,
    /// The largest request body, in bytes.
    #[serde(default)]
    pub max_payload_size: u64,
    /// Members this model does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The `filter` configuration (RFC 7643 §5).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FilterConfig {
    /// Whether filtering is supported.
    #[serde(default)]
    pub supported: bool,
    /// The most resources one response returns.
    #[serde(default)]
    pub max_results: u64,
    /// Members this model does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One supported authentication scheme (RFC 7643 §5, `authenticationSchemes`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationScheme {
    /// The common name, e.g. `OAuth Bearer Token`.
    pub name: String,
    /// A description.
    #[serde(default)]
    pub description: String,
    /// The specification's URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec_uri: Option<String>,
    /// The documentation's URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_uri: Option<String>,
    /// The scheme: `oauth`, `oauth2`, `oauthbearertoken`, `httpbasic`, `httpdigest`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// Whether this is the preferred scheme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
    /// Members this model does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AuthenticationScheme {
    /// OAuth 2.0 bearer tokens (RFC 6750).
    pub fn oauth_bearer_token() -> Self {
        AuthenticationScheme {
            name: "OAuth Bearer Token".to_owned(),
            description: "Authentication scheme using the OAuth Bearer Token Standard".to_owned(),
            spec_uri: Some("https://www.rfc-editor.org/info/rfc6750".to_owned()),
            type_: Some("oauthbearertoken".to_owned()),
            ..Self::default()
        }
    }

    /// HTTP Basic (RFC 7617).
    pub fn http_basic() -> Self {
        AuthenticationScheme {
            name: "HTTP Basic".to_owned(),
            description: "Authentication scheme using the HTTP Basic Standard".to_owned(),
            spec_uri: Some("https://www.rfc-editor.org/info/rfc7617".to_owned()),
            type_: Some("httpbasic".to_owned()),
            ..Self::default()
        }
    }
}

/// The `/ServiceProviderConfig` document (RFC 7643 §5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceProviderConfig {
    /// Always `[SERVICE_PROVIDER_CONFIG_URN]` when built here.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// Human-readable help.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_uri: Option<String>,
    /// PATCH support.
    #[serde(default)]
    pub patch: Supported,
    /// Bulk support and limits.
    #[serde(default)]
    pub bulk: BulkConfig,
    /// Filter support and the result cap.
    #[serde(default)]
    pub filter: FilterConfig,
    /// Password change support.
    #[serde(default)]
    pub change_password: Supported,
    /// Sorting support.
    #[serde(default)]
    pub sort: Supported,
    /// ETag support.
    #[serde(default)]
    pub etag: Supported,
    /// Supported authentication schemes.
    #[serde(default)]
    pub authentication_schemes: Vec<AuthenticationScheme>,
    /// Resource metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Members this model does not know (e.g. RFC 9865 `pagination`).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Default for ServiceProviderConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl ServiceProviderConfig {
    /// A configuration with every feature off.
    pub fn new() -> Self {
        ServiceProviderConfig {
            schemas: vec![SERVICE_PROVIDER_CONFIG_URN.to_owned()],
            documentation_uri: None,
            patch: Supported::default(),
            bulk: BulkConfig::default(),
            filter: FilterConfig::default(),
            change_password: Supported::default(),
            sort: Supported::default(),
            etag: Supported::default(),
            authentication_schemes: Vec::new(),
            meta: None,
            extra: Map::new(),
        }
    }

    /// Sets PATCH support.
    #[must_use]
    pub fn with_patch(mut self, supported: bool) -> Self {
        self.patch.supported = supported;
        self
    }

    /// Sets Bulk support and limits.
    #[must_use]
    pub fn with_bulk(
        mut self,
        supported: bool,
        max_operations: u64,
        max_payload_size: u64,
    ) -> Self {
        self.bulk.supported = supported;
        self.bulk.max_operations = max_operations;
        self.bulk.max_payload_size = max_payload_size;
        self
    }

    /// Sets filter support and the result cap.
    #[must_use]
    pub fn with_filter(mut self, supported: bool, max_results: u64) -> Self {
        self.filter.supported = supported;
        self.filter.max_results = max_results;
        self
    }

    /// Sets password change support.
    #[must_use]
    pub fn with_change_password(mut self, supported: bool) -> Self {
        self.change_password.supported = supported;
        self
    }

    /// Sets sorting support.
    #[must_use]
    pub fn with_sort(mut self, supported: bool) -> Self {
        self.sort.supported = supported;
        self
    }

    /// Sets ETag support.
    #[must_use]
    pub fn with_etag(mut self, supported: bool) -> Self {
        self.etag.supported = supported;
        self
    }

    /// Adds an authentication scheme.
    #[must_use]
    pub fn with_authentication_scheme(mut self, scheme: AuthenticationScheme) -> Self {
        self.authentication_schemes.push(scheme);
        self
    }

    /// Sets the documentation URI.
    #[must_use]
    pub fn with_documentation_uri(mut self, uri: impl Into<String>) -> Self {
        self.documentation_uri = Some(uri.into());
        self
    }

    /// Sets `meta`.
    #[must_use]
    pub fn with_meta(mut self, meta: Meta) -> Self {
        self.meta = Some(meta);
        self
    }
}

/// A `/ResourceTypes` document: a [`ResourceType`] with `schemas` and `meta` (RFC 7643 §6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceTypeDocument {
    /// Always `[RESOURCE_TYPE_SCHEMA_URN]` when built here.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// The resource type.
    #[serde(flatten)]
    pub resource_type: ResourceType,
    /// Resource metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

impl ResourceTypeDocument {
    /// The document for `rt`, with `meta.location` when given.
    pub fn new(rt: ResourceType, location: Option<&str>) -> Self {
        ResourceTypeDocument {
            schemas: vec![crate::registry::RESOURCE_TYPE_SCHEMA_URN.to_owned()],
            resource_type: rt,
            meta: Some(Meta {
                resource_type: Some("ResourceType".to_owned()),
                location: location.map(str::to_owned),
                ..Meta::default()
            }),
        }
    }
}

/// A `/Schemas` document: a [`Schema`] with `schemas` and `meta` (RFC 7643 §7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchemaDocument {
    /// Always `[SCHEMA_SCHEMA_URN]` when built here.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// The schema.
    #[serde(flatten)]
    pub schema: Schema,
    /// Resource metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

impl SchemaDocument {
    /// The document for `schema`, with `meta.location` when given.
    pub fn new(schema: Schema, location: Option<&str>) -> Self {
        SchemaDocument {
            schemas: vec![crate::schema::SCHEMA_SCHEMA_URN.to_owned()],
            schema,
            meta: Some(Meta {
                resource_type: Some("Schema".to_owned()),
                location: location.map(str::to_owned),
                ..Meta::default()
            }),
        }
    }
}

/// The `/Schemas` documents of every schema in `registry`, with `meta.location` under
/// `base_url` (e.g. `https://example.com/scim/v2`).
pub fn schema_documents(
    registry: &crate::registry::SchemaRegistry,
    base_url: &str,
) -> Vec<SchemaDocument> {
    let base = base_url.trim_end_matches('/');
    registry
        .schemas()
        .iter()
        .map(|s| {
            let location = format!("{base}/Schemas/{}", s.id);
            SchemaDocument::new(s.clone(), Some(&location))
        })
        .collect()
}

/// The `/ResourceTypes` documents of every resource type in `registry`, with
/// `meta.location` under `base_url`.
///
/// ```
/// use scim_core::discovery::resource_type_documents;
/// use scim_core::SchemaRegistry;
///
/// let docs = resource_type_documents(&SchemaRegistry::builtin(), "https://example.com/v2/");
/// let user = serde_json::to_value(&docs[0]).unwrap();
/// assert_eq!(user["meta"]["location"], "https://example.com/v2/ResourceTypes/User");
/// assert_eq!(user["schemaExtensions"][0]["required"], false);
/// ```
pub fn resource_type_documents(
    registry: &crate::registry::SchemaRegistry,
    base_url: &str,
) -> Vec<ResourceTypeDocument> {
    let base = base_url.trim_end_matches('/');
    registry
        .resource_types()
        .map(|rt| {
            let id = rt.id.as_deref().unwrap_or(&rt.name);
            let location = format!("{base}/ResourceTypes/{id}");
            ResourceTypeDocument::new(rt.clone(), Some(&location))
        })
        .collect()
}
