//! The built-in schemas: core User and Group (RFC 7643 §4), the enterprise User extension
//! (§4.3), the locker system's badge extension, and the common attributes (§3.1).
//!
//! ```
//! use scim_core::schema::{builtin, Mutability, Returned};
//!
//! let user = builtin::user();
//! let password = user.attribute("password").unwrap();
//! assert_eq!(password.returned, Returned::Never);
//! assert_eq!(user.attribute("groups").unwrap().mutability, Mutability::ReadOnly);
//! ```

use super::{AttributeDef as A, AttributeType, Mutability, Returned, Schema, Uniqueness};

/// The core User schema URN.
pub const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The core Group schema URN.
pub const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The enterprise User extension URN.
pub const ENTERPRISE_USER_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// The default URN of the locker system's badge extension (configurable, see [`badge_with_urn`]).
pub const BADGE_URN: &str = "urn:ietf:params:scim:schemas:extension:badge:2.0:User";

fn s(name: &str, description: &str) -> A {
    A::string(name).describe(description)
}

/// The `value`/`display`/`type`/`primary` sub-attributes shared by the multi-valued User
/// attributes (RFC 7643 §2.4).
fn multi_valued(name: &str, description: &str, value: A, types: &[&str]) -> A {
    let mut subs = vec![
        value,
        s("display", "A human-readable name, primarily used for display purposes."),
        s("type", "A label indicating the attribute's function.").canonical(types),
        A::boolean("primary").describe(
            "A Boolean value indicating the 'primary' or preferred attribute value for this attribute.",
        ),
    ];
    if let (true, Some(t)) = (types.is_empty(), subs.get_mut(2)) {
        t.canonical_values.clear();
    }
    A::complex(name, subs).multi().describe(description)
}

/// The common attributes every resource has (RFC 7643 §3.1): `id`, `externalId`, `meta`.
///
/// They belong to no schema's `attributes` list in `/Schemas`, but filters, sorting and
/// projection resolve them for every resource type.
pub fn common_attributes() -> Vec<A> {
    vec![
        s(
            "id",
            "A unique identifier for a SCIM resource as defined by the service provider.",
        )
        .case_exact()
        .mutability(Mutability::ReadOnly)
        .returned(Returned::Always)
        .uniqueness(Uniqueness::Server),
        s(
            "externalId",
            "An identifier for the resource as defined by the provisioning client.",
        )
        .case_exact(),
        A::complex(
            "meta",
            vec![
                s(
                    "resourceType",
                    "The name of the resource type of the resource.",
                )
                .case_exact()
                .mutability(Mutability::ReadOnly),
                A::date_time("created")
                    .describe("The DateTime that the resource was added to the service provider.")
                    .mutability(Mutability::ReadOnly),
                A::date_time("lastModified")
                    .describe(
                        "The most recent DateTime that the details of this resource were updated.",
                    )
                    .mutability(Mutability::ReadOnly),
                A::reference("location", &["uri"])
                    .describe("The URI of the resource being returned.")
                    .case_exact()
                    .mutability(Mutability::ReadOnly),
                s("version", "The version of the resource being returned.")
                    .case_exact()
                    .mutability(Mutability::ReadOnly),
            ],
        )
        .describe("Resource metadata.")
        .mutability(Mutability::ReadOnly),
    ]
}

/// The core User schema (RFC 7643 §4.1, representation §8.7.1).
pub fn user() -> Schema {
    let name = A::complex(
        "name",
        vec![
            s("formatted", "The full name, including all middle names, titles, and suffixes as appropriate, formatted for display (e.g., 'Ms. Barbara J Jensen, III')."),
            s("familyName", "The family name of the User, or last name in most Western languages (e.g., 'Jensen' given the full name 'Ms. Barbara J Jensen, III')."),
            s("givenName", "The given name of the User, or first name in most Western languages (e.g., 'Barbara' given the full name 'Ms. Barbara J Jensen, III')."),
            s("middleName", "The middle name(s) of the User (e.g., 'Jane' given the full name 'Ms. Barbara J Jensen, III')."),
            s("honorificPrefix", "The honorific prefix(es) of the User, or title in most Western languages (e.g., 'Ms.' given the full name 'Ms. Barbara J Jensen, III')."),
            s("honorificSuffix", "The honorific suffix(es) of the User, or suffix in most Western languages (e.g., 'III' given the full name 'Ms. Barbara J Jensen, III')."),
        ],
    )
    .describe("The components of the user's real name.");

    let addresses = A::complex(
        "addresses",
        vec![
            s("formatted", "The full mailing address, formatted for display or use with a mailing label."),
            s("streetAddress", "The full street address component, which may include house number, street name, P.O. box, and multi-line extended street address information."),
            s("locality", "The city or locality component."),
            s("region", "The state or region component."),
            s("postalCode", "The zip code or postal code component."),
            s("country", "The country name component."),
            s("type", "A label indicating the attribute's function, e.g., 'work' or 'home'.")
                .canonical(&["work", "home", "other"]),
            A::boolean("primary").describe(
                "A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., the preferred mailing address or primary email address.",
            ),
        ],
    )
    .multi()
    .describe("A physical mailing address for this User.");

    let ro = Mutability::ReadOnly;
    let groups = A::complex(
        "groups",
        vec![
            s("value", "The identifier of the User's group.").mutability(ro),
            A::reference("$ref", &["User", "Group"])
                .describe("The URI of the corresponding 'Group' resource to which the user belongs.")
                .mutability(ro),
            s("display", "A human-readable name, primarily used for display purposes.").mutability(ro),
            s("type", "A label indicating the attribute's function, e.g., 'direct' or 'indirect'.")
                .canonical(&["direct", "indirect"])
                .mutability(ro),
        ],
    )
    .multi()
    .mutability(ro)
    .describe("A list of groups to which the user belongs, either through direct membership, through nested groups, or dynamically calculated.");

    Schema::new(
        USER_URN,
        "User",
        vec![
            s("userName", "Unique identifier for the User, typically used by the user to directly authenticate to the service provider. REQUIRED.")
                .required()
                .uniqueness(Uniqueness::Server),
            name,
            s("displayName", "The name of the User, suitable for display to end-users."),
            s("nickName", "The casual way to address the user in real life."),
            A::reference("profileUrl", &["external"])
                .describe("A fully qualified URL pointing to a page representing the User's online profile."),
            s("title", "The user's title, such as \"Vice President.\""),
            s("userType", "Used to identify the relationship between the organization and the user."),
            s("preferredLanguage", "Indicates the User's preferred written or spoken language."),
            s("locale", "Used to indicate the User's default location for purposes of localizing items such as currency, date time format, or numerical representations."),
            s("timezone", "The User's time zone in the 'Olson' time zone database format, e.g., 'America/Los_Angeles'."),
            A::boolean("active").describe("A Boolean value indicating the User's administrative status."),
            s("password", "The User's cleartext password.")
                .mutability(Mutability::WriteOnly)
                .returned(Returned::Never),
            multi_valued(
                "emails",
                "Email addresses for the user.",
                s("value", "Email addresses for the user."),
                &["work", "home", "other"],
            ),
            multi_valued(
                "phoneNumbers",
                "Phone numbers for the User.",
                s("value", "Phone number of the User."),
                &["work", "home", "mobile", "fax", "pager", "other"],
            ),
            multi_valued(
                "ims",
                "Instant messaging addresses for the User.",
                s("value", "Instant messaging address for the User."),
                &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
            ),
            multi_valued(
                "photos",
                "URLs of photos of the User.",
                A::reference("value", &["external"]).describe("URL of a photo of the User."),
                &["photo", "thumbnail"],
            ),
            addresses,
            groups,
            multi_valued(
                "entitlements",
                "A list of entitlements for the User that represent a thing the User has.",
                s("value", "The value of an entitlement."),
                &[],
            ),
            multi_valued(
                "roles",
                "A list of roles for the User that collectively represent who the User is, e.g., 'Student', 'Faculty'.",
                s("value", "The value of a role."),
                &[],
            ),
            multi_valued(
                "x509Certificates",
                "A list of certificates issued to the User.",
                A::new("value", AttributeType::Binary).describe("The value of an X.509 certificate."),
                &[],
            ),
        ],
    )
    .with_description("User Account")
}

/// The core Group schema (RFC 7643 §4.2, representation §8.7.1).
pub fn group() -> Schema {
    let im = Mutability::Immutable;
    Schema::new(
        GROUP_URN,
        "Group",
        vec![
            // RFC 7643 erratum 5368: §8.7.1 said `required: false`; §4.2 and the erratum say
            // REQUIRED.
            s("displayName", "A human-readable name for the Group. REQUIRED.").required(),
            A::complex(
                "members",
                vec![
                    s("value", "Identifier of the member of this Group.").mutability(im),
                    A::reference("$ref", &["User", "Group"])
                        .describe("The URI corresponding to a SCIM resource that is a member of this Group.")
                        .mutability(im),
                    s("display", "A human-readable name, primarily used for display purposes.")
                        .mutability(im),
                    s("type", "A label indicating the type of resource, e.g., 'User' or 'Group'.")
                        .canonical(&["User", "Group"])
                        .mutability(im),
                ],
            )
            .multi()
            .describe("A list of members of the Group."),
        ],
    )
    .with_description("Group")
}

/// The enterprise User extension (RFC 7643 §4.3, representation §8.7.1).
pub fn enterprise_user() -> Schema {
    Schema::new(
        ENTERPRISE_USER_URN,
        "EnterpriseUser",
        vec![
            s("employeeNumber", "Numeric or alphanumeric identifier assigned to a person, typically based on order of hire or association with an organization."),
            s("costCenter", "Identifies the name of a cost center."),
            s("organization", "Identifies the name of an organization."),
            s("division", "Identifies the name of a division."),
            s("department", "Identifies the name of a department."),
            A::complex(
                "manager",
                vec![
                    s("value", "The id of the SCIM resource representing the User's manager. REQUIRED."),
                    A::reference("$ref", &["User"])
                        .describe("The URI of the SCIM resource representing the User's manager. REQUIRED."),
                    s("displayName", "The displayName of the User's manager. OPTIONAL and READ-ONLY.")
                        .mutability(Mutability::ReadOnly),
                ],
            )
            .describe("The User's manager. A complex type that optionally allows service providers to represent organizational hierarchy by referencing the 'id' attribute of another User."),
        ],
    )
    .with_description("Enterprise User")
}

/// The locker system's badge extension under its default URN [`BADGE_URN`].
pub fn badge() -> Schema {
    badge_with_urn(BADGE_URN)
}

/// The locker system's badge extension under a URN of the host's choosing: one multi-valued
/// complex attribute `badges` whose items carry only `value` (required) and `display`.
pub fn badge_with_urn(urn: &str) -> Schema {
    Schema::new(
        urn,
        "Badge",
        vec![
            A::complex(
                "badges",
                vec![
                    s("value", "The badge identifier.").required(),
                    s("display", "A human-readable name of the badge."),
                ],
            )
            .multi()
            .describe("The locker badges of the User."),
        ],
    )
    .with_description("Locker system badges")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_has_every_rfc_attribute() {
        let user = user();
        let names: Vec<_> = user.attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "userName",
                "name",
                "displayName",
                "nickName",
                "profileUrl",
                "title",
                "userType",
                "preferredLanguage",
                "locale",
                "timezone",
                "active",
                "password",
                "emails",
                "phoneNumbers",
                "ims",
                "photos",
                "addresses",
                "groups",
                "entitlements",
                "roles",
                "x509Certificates"
            ]
        );
        let emails = user.attribute("emails").unwrap();
        assert!(emails.multi_valued);
        assert_eq!(
            emails.sub_attribute("type").unwrap().canonical_values,
            ["work", "home", "other"]
        );
        assert!(
            user.attribute("roles")
                .unwrap()
                .sub_attribute("type")
                .unwrap()
                .canonical_values
                .is_empty()
        );
    }

    #[test]
    fn manager_has_value_ref_and_display_name() {
        let e = enterprise_user();
        let m = e.attribute("manager").unwrap();
        let subs: Vec<_> = m.sub_attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(subs, ["value", "$ref", "displayName"]);
    }

    #[test]
    fn badge_items_carry_only_value_and_display() {
        let b = badge_with_urn("urn:example:badge");
        assert_eq!(b.id, "urn:example:badge");
        let badges = b.attribute("badges").unwrap();
        assert!(badges.multi_valued);
        assert_eq!(badges.sub_attributes.len(), 2);
        assert!(badges.sub_attribute("value").unwrap().required);
    }
}
