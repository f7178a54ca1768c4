//! One attribute definition and its RFC 7643 §2.2 / §7 characteristics.

use serde::{Deserialize, Serialize};

/// An attribute's data type (RFC 7643 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AttributeType {
    /// `"string"`: a sequence of Unicode characters (§2.3.1).
    #[default]
    String,
    /// `"boolean"`: `true` or `false` (§2.3.2).
    Boolean,
    /// `"decimal"`: a real number with at least one digit after the point (§2.3.3).
    Decimal,
    /// `"integer"`: a whole number (§2.3.4).
    Integer,
    /// `"dateTime"`: an `xsd:dateTime` instant, e.g. `2008-01-23T04:56:22Z` (§2.3.5).
    DateTime,
    /// `"binary"`: base64-encoded bytes (§2.3.6).
    Binary,
    /// `"reference"`: a URI to a resource (§2.3.7).
    Reference,
    /// `"complex"`: a set of sub-attributes (§2.3.8).
    Complex,
}

impl AttributeType {
    /// The RFC spelling, e.g. `"dateTime"`.
    pub fn as_str(self) -> &'static str {
        match self {
            AttributeType::String => "string",
            AttributeType::Boolean => "boolean",
            AttributeType::Decimal => "decimal",
            AttributeType::Integer => "integer",
            AttributeType::DateTime => "dateTime",
            AttributeType::Binary => "binary",
            AttributeType::Reference => "reference",
            AttributeType::Complex => "complex",
        }
    }
}

/// When and how an attribute may be modified (RFC 7643 §7, `mutability`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Mutability {
    /// `"readOnly"`: set by the service provider only.
    ReadOnly,
    /// `"readWrite"`: may be updated and read at any time (the default).
    #[default]
    ReadWrite,
    /// `"immutable"`: may be set once (at creation or while unset), never changed.
    Immutable,
    /// `"writeOnly"`: may be set but is never returned (e.g. `password`).
    WriteOnly,
}

/// When an attribute is returned in a response (RFC 7643 §7, `returned`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Returned {
    /// `"always"`: returned regardless of `attributes`/`excludedAttributes` (e.g. `id`).
    Always,
    /// `"never"`: never returned (e.g. `password`).
    Never,
    /// `"default"`: returned unless excluded (the default).
    #[default]
    Default,
    /// `"request"`: returned only when named in `attributes`.
    Request,
}

/// How unique a value must be (RFC 7643 §7, `uniqueness`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Uniqueness {
    /// `"none"`: no uniqueness (the default).
    #[default]
    None,
    /// `"server"`: unique within the service provider (per tenant).
    Server,
    /// `"global"`: globally unique.
    Global,
}

/// An attribute definition with every RFC 7643 §7 characteristic.
///
/// Fields are public so a service can override characteristics before registering a schema
/// (e.g. make User `groups` writable, or Group `members` `returned: never`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributeDef {
    /// The attribute name, in the schema's canonical spelling.
    pub name: String,
    /// The data type.
    #[serde(rename = "type", default)]
    pub type_: AttributeType,
    /// Whether the attribute holds a list of values.
    #[serde(default)]
    pub multi_valued: bool,
    /// A human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether a value is required on create and replace.
    #[serde(default)]
    pub required: bool,
    /// Suggested values (e.g. `work`, `home`); see [`AttributeDef::strict_canonical_values`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub canonical_values: Vec<String>,
    /// Whether string comparisons are case-sensitive.
    #[serde(default)]
    pub case_exact: bool,
    /// When the attribute may be changed.
    #[serde(default)]
    pub mutability: Mutability,
    /// When the attribute is returned.
    #[serde(default)]
    pub returned: Returned,
    /// How unique a value must be.
    #[serde(default)]
    pub uniqueness: Uniqueness,
    /// For references: the resource types referenced (`User`, `Group`, `external`, `uri`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference_types: Vec<String>,
    /// For complex attributes: the sub-attributes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sub_attributes: Vec<AttributeDef>,
    /// Not part of RFC 7643: when true, values outside `canonicalValues` are refused
    /// (`invalidValue`). Never serialized.
    #[serde(skip, default)]
    pub strict_canonical_values: bool,
    /// Not part of RFC 7643: the most items a multi-valued attribute may hold (a product may
    /// allow only one email). Never serialized.
    #[serde(skip, default)]
    pub max_items: Option<usize>,
}

impl AttributeDef {
    /// A single-valued, optional, readWrite attribute of the given type with RFC defaults.
    pub fn new(name: impl Into<String>, type_: AttributeType) -> Self {
        AttributeDef {
            name: name.into(),
            type_,
            multi_valued: false,
            description: None,
            required: false,
            canonical_values: Vec::new(),
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            reference_types: Vec::new(),
            sub_attributes: Vec::new(),
            strict_canonical_values: false,
            max_items: None,
        }
    }

    /// A `string` attribute.
    pub fn string(name: impl Into<String>) -> Self {
        Self::new(name, AttributeType::String)
    }

    /// A `boolean` attribute.
    pub fn boolean(name: impl Into<String>) -> Self {
        Self::new(name, AttributeType::Boolean)
    }

    /// A `dateTime` attribute.
    pub fn date_time(name: impl Into<String>) -> Self {
        Self::new(name, AttributeType::DateTime)
    }

    /// A `reference` attribute to the given reference types.
    pub fn reference(name: impl Into<String>, types: &[&str]) -> Self {
        let mut a = Self::new(name, AttributeType::Reference);
        a.reference_types = types.iter().map(|t| (*t).to_owned()).collect();
        a
    }

    /// A `complex` attribute with the given sub-attributes.
    pub fn complex(name: impl Into<String>, sub_attributes: Vec<AttributeDef>) -> Self {
        let mut a = Self::new(name, AttributeType::Complex);
        a.sub_attributes = sub_attributes;
        a
    }

    /// Sets `multiValued: true`.
    #[must_use]
    pub fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }

    /// Sets `required: true`.
    #[must_use]
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Sets `caseExact: true`.
    #[must_use]
    pub fn case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }

    /// Sets the mutability.
    #[must_use]
    pub fn mutability(mut self, m: Mutability) -> Self {
        self.mutability = m;
        self
    }

    /// Sets when the attribute is returned.
    #[must_use]
    pub fn returned(mut self, r: Returned) -> Self {
        self.returned = r;
        self
    }

    /// Sets the uniqueness.
    #[must_use]
    pub fn uniqueness(mut self, u: Uniqueness) -> Self {
        self.uniqueness = u;
        self
    }

    /// Sets the description.
    #[must_use]
    pub fn describe(mut self, d: impl Into<String>) -> Self {
        self.description = Some(d.into());
        self
    }

    /// Sets the canonical values.
    #[must_use]
    pub fn canonical(mut self, values: &[&str]) -> Self {
        self.canonical_values = values.iter().map(|v| (*v).to_owned()).collect();
        self
    }

    /// The sub-attribute called `name` (ASCII case-insensitive).
    ///
    /// ```
    /// use scim_core::schema::builtin;
    ///
    /// let user = builtin::user();
    /// let name = user.attribute("NAME").unwrap();
    /// assert_eq!(name.sub_attribute("givenname").unwrap().name, "givenName");
    /// ```
    pub fn sub_attribute(&self, name: &str) -> Option<&AttributeDef> {
        self.sub_attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// Mutable access to a sub-attribute, for overriding characteristics.
    pub fn sub_attribute_mut(&mut self, name: &str) -> Option<&mut AttributeDef> {
        self.sub_attributes
            .iter_mut()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// Whether this is a complex attribute.
    pub fn is_complex(&self) -> bool {
        self.type_ == AttributeType::Complex
    }

    /// Whether string values compare case-sensitively. `binary` is always exact.
    pub fn compares_exactly(&self) -> bool {
        self.case_exact || self.type_ == AttributeType::Binary
    }
}
