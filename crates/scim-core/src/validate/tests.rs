use super::*;
use crate::schema::builtin::{self, ENTERPRISE_USER_URN, GROUP_URN, USER_URN};
use serde_json::json;

fn users() -> (SchemaRegistry, ResourceType) {
    let registry = SchemaRegistry::builtin();
    let rt = registry.resource_type("Users").unwrap().clone();
    (registry, rt)
}

fn create(v: Value, compat: Compat) -> Result<Value, ScimError> {
    let (registry, rt) = users();
    let mut v = v;
    validate_create(&mut v, &registry, &rt, compat)?;
    Ok(v)
}

#[test]
fn a_connectors_create_body_validates() {
    let body = json!({
        "schemas": [USER_URN],
        "userName": "ann.lee",
        "name": {"givenName": "Ann", "familyName": "Lee"},
        "emails": [{"value": "ann@example.com", "primary": true}]
    });
    for compat in [Compat::strict(), Compat::tolerant()] {
        assert_eq!(create(body.clone(), compat).unwrap(), body);
    }
}

#[test]
fn mixed_case_keys_canonicalize() {
    let v = create(
        json!({"UserName": "a", "Emails": [{"Value": "a@b.c", "Primary": true}]}),
        Compat::tolerant(),
    )
    .unwrap();
    assert_eq!(
        v,
        json!({"schemas": [USER_URN], "userName": "a", "emails": [{"value": "a@b.c", "primary": true}]})
    );
}

#[test]
fn required_attributes() {
    let err = create(json!({"schemas": [USER_URN]}), Compat::tolerant()).unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
    assert!(err.detail().starts_with("userName:"), "{}", err.detail());
    let err = create(
        json!({"schemas": [USER_URN], "userName": null}),
        Compat::tolerant(),
    )
    .unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
}

#[test]
fn required_sub_attributes_and_extensions() {
    let registry = SchemaRegistry::builtin_builder()
        .schema(builtin::badge())
        .resource_type(
            ResourceType::new("Locker", "/Lockers", USER_URN)
                .with_extension(builtin::BADGE_URN, true),
        )
        .build()
        .unwrap();
    let rt = registry.resource_type("Locker").unwrap();
    let mut v = json!({"userName": "x"});
    let err = validate_create(&mut v, &registry, rt, Compat::tolerant()).unwrap_err();
    assert!(
        err.detail().contains(builtin::BADGE_URN),
        "{}",
        err.detail()
    );
    let mut v = json!({"userName": "x", builtin::BADGE_URN: {"badges": [{"display": "d"}]}});
    let err = validate_create(&mut v, &registry, rt, Compat::tolerant()).unwrap_err();
    assert!(err.detail().contains("badges[0].value"), "{}", err.detail());
    let mut v = json!({"userName": "x", builtin::BADGE_URN: {"badges": [{"value": "b1"}]}});
    validate_create(&mut v, &registry, rt, Compat::tolerant()).unwrap();
    assert_eq!(v["schemas"], json!([USER_URN, builtin::BADGE_URN]));
}

#[test]
fn booleans_and_numbers_sent_as_strings() {
    let v = create(
        json!({"userName": "a", "active": "False"}),
        Compat::tolerant(),
    )
    .unwrap();
    assert_eq!(v["active"], json!(false));
    let err = create(
        json!({"schemas": [USER_URN], "userName": "a", "active": "False"}),
        Compat::strict(),
    )
    .unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
}

#[test]
fn null_for_an_attribute_on_post_is_absent() {
    let v = create(
        json!({"userName": "a", "addresses": null, "name": {"givenName": null}}),
        Compat::tolerant(),
    )
    .unwrap();
    assert_eq!(v, json!({"schemas": [USER_URN], "userName": "a"}));
}

#[test]
fn read_only_attributes_sent_back_are_ignored() {
    let v = create(
        json!({
            "userName": "a", "id": "x", "meta": {"created": "nonsense"},
            "groups": [{"value": "g"}],
            ENTERPRISE_USER_URN: {"manager": {"value": "m", "displayName": "Boss"}}
        }),
        Compat::tolerant(),
    )
    .unwrap();
    assert_eq!(
        v,
        json!({
            "schemas": [USER_URN, ENTERPRISE_USER_URN],
            "userName": "a",
            ENTERPRISE_USER_URN: {"manager": {"value": "m"}}
        })
    );
}

#[test]
fn primary_true_on_two_items() {
    let body = json!({"schemas": [USER_URN], "userName": "a", "emails": [
        {"value": "a", "primary": true}, {"value": "b", "primary": true}
    ]});
    let err = create(body.clone(), Compat::strict()).unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
    assert!(err.detail().starts_with("emails:"), "{}", err.detail());
    let v = create(body, Compat::tolerant()).unwrap();
    assert_eq!(v["emails"][0]["primary"], json!(false));
    assert_eq!(v["emails"][1]["primary"], json!(true));
}

#[test]
fn max_items_and_strict_canonical_values() {
    let mut b = SchemaRegistry::builtin_builder();
    let user = b.schema_mut(USER_URN).unwrap();
    let emails = user.attribute_mut("emails").unwrap();
    emails.max_items = Some(1);
    emails
        .sub_attribute_mut("type")
        .unwrap()
        .strict_canonical_values = true;
    let registry = b.build().unwrap();
    let rt = registry.resource_type("User").unwrap();
    let mut v = json!({"userName": "a", "emails": [{"value": "a"}, {"value": "b"}]});
    let err = validate_create(&mut v, &registry, rt, Compat::tolerant()).unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
    let mut v = json!({"userName": "a", "emails": [{"value": "a", "type": "club"}]});
    let err = validate_create(&mut v, &registry, rt, Compat::tolerant()).unwrap_err();
    assert!(
        err.detail().starts_with("emails[0].type"),
        "{}",
        err.detail()
    );
}

#[test]
fn schemas_missing_or_incomplete() {
    let err = create(json!({"userName": "a"}), Compat::strict()).unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::InvalidSyntax));
    let err = create(
        json!({"schemas": [USER_URN], "userName": "a", ENTERPRISE_USER_URN: {"department": "d"}}),
        Compat::strict(),
    )
    .unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::InvalidSyntax));
    let v = create(
        json!({"userName": "a", ENTERPRISE_USER_URN: {"department": "d"}}),
        Compat::tolerant(),
    )
    .unwrap();
    assert_eq!(v["schemas"], json!([USER_URN, ENTERPRISE_USER_URN]));
}

#[test]
fn unknown_attributes_and_schemas() {
    let ad = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/User";
    let body = json!({"schemas": [USER_URN, ad], "userName": "a", ad: {"x": 1}, "shoeSize": 4});
    let v = create(body.clone(), Compat::tolerant()).unwrap();
    assert_eq!(v, json!({"schemas": [USER_URN], "userName": "a"}));
    assert!(create(body, Compat::strict()).is_err());
}

#[test]
fn immutable_changes_are_rejected_on_replace() {
    let registry = SchemaRegistry::builtin();
    let groups = registry.resource_type("Groups").unwrap();
    let mut b = SchemaRegistry::builtin_builder();
    b.schema_mut(USER_URN)
        .unwrap()
        .attribute_mut("userName")
        .unwrap()
        .mutability = Mutability::Immutable;
    let registry2 = b.build().unwrap();
    let users = registry2.resource_type("Users").unwrap();
    let existing = json!({"schemas": [USER_URN], "id": "1", "userName": "a"});
    let mut v = json!({"userName": "b"});
    let err =
        validate_replace(&mut v, &existing, &registry2, users, Compat::tolerant()).unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::Mutability));
    let mut v = json!({"userName": "a", "id": "1"});
    validate_replace(&mut v, &existing, &registry2, users, Compat::tolerant()).unwrap();
    let mut v = json!({"displayName": "x"});
    validate_replace(&mut v, &existing, &registry2, users, Compat::tolerant()).unwrap();
    assert_eq!(
        v["userName"], "a",
        "an omitted immutable value is carried over"
    );
    let mut v = json!({"userName": "a", "id": "2"});
    let err =
        validate_replace(&mut v, &existing, &registry2, users, Compat::tolerant()).unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::Mutability));
    // Group members' sub-attributes are immutable, the list itself is not.
    let existing =
        json!({"schemas": [GROUP_URN], "id": "g", "displayName": "G", "members": [{"value": "1"}]});
    let mut v = json!({"displayName": "G", "members": [{"value": "2"}]});
    validate_replace(&mut v, &existing, &registry, groups, Compat::tolerant()).unwrap();
}

#[test]
fn validation_is_idempotent() {
    let body = json!({"UserName": "a", "ACTIVE": "true", "emails": [{"value": "x", "primary": "TRUE"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "7"});
    let once = create(body, Compat::tolerant()).unwrap();
    let twice = create(once.clone(), Compat::strict()).unwrap();
    assert_eq!(once, twice);
}

#[test]
fn a_product_that_makes_user_groups_writable() {
    let mut b = SchemaRegistry::builtin_builder();
    b.schema_mut(USER_URN)
        .unwrap()
        .attribute_mut("groups")
        .unwrap()
        .mutability = Mutability::ReadWrite;
    let registry = b.build().unwrap();
    let users = registry.resource_type("Users").unwrap();
    let mut v = json!({"userName": "a", "groups": [{"value": "g1", "display": "Lockers"}]});
    validate_create(&mut v, &registry, users, Compat::tolerant()).unwrap();
    assert_eq!(v["groups"], json!([{"value": "g1", "display": "Lockers"}]));
}

#[test]
fn extension_attributes_sent_unqualified_move_into_their_extension() {
    let v = create(
        json!({"userName": "a", "employeeNumber": "7"}),
        Compat::tolerant(),
    )
    .unwrap();
    assert_eq!(v[ENTERPRISE_USER_URN], json!({"employeeNumber": "7"}));
    let err = create(
        json!({"schemas": [USER_URN], "userName": "a", "employeeNumber": "7"}),
        Compat::strict(),
    )
    .unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::InvalidSyntax));
}

#[test]
fn member_items_with_null_ref_or_display_name() {
    let registry = SchemaRegistry::builtin();
    let groups = registry.resource_type("Groups").unwrap();
    let mut v = json!({"displayName": "G", "members": [{"value": "id", "$ref": null, "displayName": "Ann"}]});
    validate_create(&mut v, &registry, groups, Compat::tolerant()).unwrap();
    assert_eq!(v["members"], json!([{"value": "id", "display": "Ann"}]));
}

#[test]
fn group_display_name_is_required() {
    // RFC 7643 §4.2 and erratum 5368.
    let registry = SchemaRegistry::builtin();
    let groups = registry.resource_type("Groups").unwrap();
    let mut v = json!({"schemas": [GROUP_URN], "members": []});
    let err = validate_create(&mut v, &registry, groups, Compat::strict()).unwrap_err();
    assert!(err.detail().starts_with("displayName:"), "{}", err.detail());
}
