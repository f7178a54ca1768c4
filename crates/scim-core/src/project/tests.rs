use super::*;
use crate::schema::builtin::{ENTERPRISE_USER_URN, USER_URN};
use serde_json::json;

fn user() -> Value {
    json!({
        "schemas": [USER_URN, ENTERPRISE_USER_URN],
        "id": "2819c223",
        "externalId": "bjensen",
        "meta": {"resourceType": "User", "version": "W/\"a330bc54f0671c9\""},
        "userName": "bjensen",
        "password": "t1meMa$heen",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        ENTERPRISE_USER_URN: {"employeeNumber": "701984", "manager": {"value": "26118915", "displayName": "John Smith"}}
    })
}

fn run(attrs: &[&str], excluded: &[&str]) -> Value {
    let registry = SchemaRegistry::builtin();
    let users = registry.resource_type("Users").unwrap();
    let p = Projection::new(&registry, users, attrs, excluded);
    let out = p.apply(&user());
    let mut in_place = user();
    p.apply_mut(&mut in_place);
    assert_eq!(in_place, out, "apply and apply_mut agree");
    out
}

#[test]
fn default_returns_everything_but_never() {
    let mut expected = user();
    expected.as_object_mut().unwrap().shift_remove("password");
    assert_eq!(run(&[], &[]), expected);
}

#[test]
fn id_and_schemas_are_always_returned() {
    assert_eq!(
        run(&["userName"], &[]),
        json!({"schemas": [USER_URN, ENTERPRISE_USER_URN], "id": "2819c223", "userName": "bjensen"})
    );
    let out = run(&[], &["id", "schemas", "userName"]);
    assert_eq!(out["id"], "2819c223");
    assert!(out.get("schemas").is_some());
    assert!(out.get("userName").is_none());
}

#[test]
fn password_is_never_returned() {
    assert!(run(&["password"], &[]).get("password").is_none());
    assert!(run(&[USER_URN], &[]).get("password").is_none());
}

#[test]
fn excluding_a_core_attribute_keeps_extensions() {
    let out = run(&[], &["userName", "emails", "name.givenName"]);
    assert_eq!(out[ENTERPRISE_USER_URN], user()[ENTERPRISE_USER_URN]);
    assert_eq!(out["name"], json!({"familyName": "Jensen"}));
    assert!(out.get("emails").is_none());
}

#[test]
fn urn_qualified_paths() {
    let out = run(
        &[
            &format!("{ENTERPRISE_USER_URN}:manager.value"),
            "urn:ietf:params:scim:schemas:core:2.0:User:userName",
        ],
        &[],
    );
    assert_eq!(
        out,
        json!({
            "schemas": [USER_URN, ENTERPRISE_USER_URN], "id": "2819c223", "userName": "bjensen",
            ENTERPRISE_USER_URN: {"manager": {"value": "26118915"}}
        })
    );
    let out = run(&[ENTERPRISE_USER_URN], &[]);
    assert_eq!(out[ENTERPRISE_USER_URN], user()[ENTERPRISE_USER_URN]);
    assert!(out.get("userName").is_none());
    let out = run(&[], &[ENTERPRISE_USER_URN]);
    assert!(out.get(ENTERPRISE_USER_URN).is_none());
    assert_eq!(out["userName"], "bjensen");
}

#[test]
fn multi_valued_sub_attributes() {
    let out = run(&["emails.value"], &[]);
    assert_eq!(
        out["emails"],
        json!([{"value": "bjensen@example.com"}, {"value": "babs@jensen.org"}])
    );
}

#[test]
fn returned_request_attributes() {
    let mut b = SchemaRegistry::builtin_builder();
    b.schema_mut(USER_URN)
        .unwrap()
        .attribute_mut("emails")
        .unwrap()
        .returned = Returned::Request;
    let registry = b.build().unwrap();
    let users = registry.resource_type("Users").unwrap();
    let none: &[&str] = &[];
    let p = Projection::new(&registry, users, none, none);
    assert!(p.apply(&user()).get("emails").is_none());
    let p = Projection::new(&registry, users, &["emails"], none);
    assert!(p.apply(&user()).get("emails").is_some());
}

#[test]
fn unknown_paths_are_ignored() {
    assert_eq!(run(&[], &["nope", "name.nope"]), run(&[], &[]));
}

#[test]
fn named_sub_attributes_that_are_absent_leave_nothing() {
    let out = run(&["name.middleName", "emails.display"], &[]);
    assert!(out.get("name").is_none());
    assert!(out.get("emails").is_none());
}
