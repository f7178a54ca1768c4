//! Every PATCH request of RFC 7644 §3.5.2.1–§3.5.2.3, run under both profiles, checked
//! against the behaviour the RFC text around it describes.
//!
//! Each request is written as the RFC prints it (paths, filters, attribute names such as
//! `nickname`, the missing space in `eq\"…`), with two changes: where the RFC elides part
//! of an identifier with `...` ("some text removed for readability") the full identifier
//! is used, and the add without a path (§3.5.2.1), whose printed JSON lacks the brace that
//! closes the operation, is sent well-formed. `scim-filter`'s `tests/parse.rs` parses the
//! elided paths exactly as printed.
//!
//! The tests after the examples check rules of the same sections that no example shows.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;
use serde_json::{Value, json};

/// Babs Jensen (RFC 7643 §8.2), whom the examples add to and remove from groups.
const BJENSEN: &str = "2819c223-7f76-453a-919d-413861904646";
/// James Smith, whom the §3.5.2.2 and §3.5.2.3 examples add (`08e1d05d...473d93df9210`).
const JSMITH: &str = "08e1d05d-121c-4561-8b96-473d93df9210";
/// Mandy Pepperidge, the other member of RFC 7643 §8.4's "Tour Guides".
const MANDY: &str = "902c246b-6245-4190-8e05-00816be7344a";

fn member(id: &str, display: &str) -> Value {
    json!({"display": display, "$ref": format!("https://example.com/v2/Users/{id}"), "value": id})
}

fn babs() -> Value {
    member(BJENSEN, "Babs Jensen")
}

fn james() -> Value {
    member(JSMITH, "James Smith")
}

fn mandy() -> Value {
    member(MANDY, "Mandy Pepperidge")
}

fn group_with(members: Value) -> Value {
    let mut g = group(0);
    g["members"] = members;
    g
}

/// RFC 7643 §8.2's user with other `emails` and `nickName`.
fn user_with(emails: Value, nick_name: Option<&str>) -> Value {
    let mut u = user();
    u["emails"] = emails;
    match nick_name {
        Some(n) => u["nickName"] = json!(n),
        None => {
            u.as_object_mut().unwrap().shift_remove("nickName");
        }
    }
    u
}

fn work_email() -> Value {
    json!({"value": "bjensen@example.com", "type": "work", "primary": true})
}

fn home_email() -> Value {
    json!({"value": "babs@jensen.org", "type": "home"})
}

/// `resource` with the attributes `except` lists removed, for "other attributes are
/// unaffected" checks.
fn without(resource: &Value, except: &[&str]) -> Value {
    let mut r = resource.clone();
    for name in except {
        r.as_object_mut().unwrap().shift_remove(*name);
    }
    r
}

// §3.5.2.1 Add Operation

/// §3.5.2.1, adding a member to a group: `{"op":"add","path":"members","value":[{…}]}`.
/// "If the user was already a member of this group, no changes should be made."
#[test]
fn rfc7644_3_5_2_1_add_member_to_group() {
    let g = group_with(json!([mandy()]));
    let body = ops(json!([{
        "op": "add",
        "path": "members",
        "value": [{
            "display": "Babs Jensen",
            "$ref": format!("https://example.com/v2/Users/{BJENSEN}"),
            "value": BJENSEN
        }]
    }]));
    let out = ok(&g, &body, None);
    assert_eq!(out["members"], json!([mandy(), babs()]));
    assert_eq!(without(&out, &["members"]), without(&g, &["members"]));
    // Already a member: no change.
    assert_eq!(ok(&out, &body, None), out);
}

/// §3.5.2.1, adding attributes without a path:
/// `{"op":"add","value":{"emails":[{"value":"babs@jensen.org","type":"home"}],"nickname":"Babs"}}`.
/// The email is added to `emails`; `nickname` is added, or replaces an existing value.
#[test]
fn rfc7644_3_5_2_1_add_without_path() {
    let body = ops(json!([{
        "op": "add",
        "value": {
            "emails": [{"value": "babs@jensen.org", "type": "home"}],
            "nickname": "Babs"
        }
    }]));
    let u = user_with(json!([work_email()]), None);
    let out = ok(&u, &body, None);
    assert_eq!(out["emails"], json!([work_email(), home_email()]));
    assert_eq!(out["nickName"], "Babs");
    assert!(out.get("nickname").is_none(), "canonical spelling");
    assert_eq!(
        without(&out, &["emails", "nickName"]),
        without(&u, &["emails", "nickName"])
    );
    // An existing nickname is replaced.
    let u = user_with(json!([work_email()]), Some("Barb"));
    assert_eq!(ok(&u, &body, None)["nickName"], "Babs");
    // The email already present: not added twice (§3.5.2.1, "no changes SHOULD be made").
    let u = user_with(json!([work_email(), home_email()]), Some("Babs"));
    assert_eq!(ok(&u, &body, None), u);
}

// §3.5.2.2 Remove Operation

/// §3.5.2.2, removing a single member from a group:
/// `"path":"members[value eq \"2819c223-7f76-...413861904646\"]"`.
#[test]
fn rfc7644_3_5_2_2_remove_single_member() {
    let g = group_with(json!([babs(), mandy()]));
    let body = ops(json!([{
        "op": "remove",
        "path": format!("members[value eq \"{BJENSEN}\"]")
    }]));
    let out = ok(&g, &body, None);
    assert_eq!(out["members"], json!([mandy()]));
}

/// §3.5.2.2, removing all members of a group: `{"op":"remove","path":"members"}`.
#[test]
fn rfc7644_3_5_2_2_remove_all_members() {
    let g = group_with(json!([babs(), mandy()]));
    let out = ok(&g, &ops(json!([{"op": "remove", "path": "members"}])), None);
    assert!(out.get("members").is_none());
    assert_eq!(out, without(&g, &["members"]));
}

/// §3.5.2.2, removing values of a complex multi-valued attribute:
/// `"path":"emails[type eq \"work\" and value ew \"example.com\"]"`. Only the matched
/// values go; when none remain, the attribute is unassigned.
#[test]
fn rfc7644_3_5_2_2_remove_complex_values() {
    let body = ops(json!([{
        "op": "remove",
        "path": "emails[type eq \"work\" and value ew \"example.com\"]"
    }]));
    let other_work = json!({"value": "babs@jensen.org", "type": "work"});
    let u = user_with(
        json!([work_email(), home_email(), other_work.clone()]),
        Some("Babs"),
    );
    let out = ok(&u, &body, None);
    assert_eq!(out["emails"], json!([home_email(), other_work]));
    assert_eq!(without(&out, &["emails"]), without(&u, &["emails"]));
    // No value left: unassigned.
    let u = user_with(json!([work_email()]), Some("Babs"));
    let out = ok(&u, &body, None);
    assert!(out.get("emails").is_none());
}

/// §3.5.2.2, removing one member and adding another in one request. The RFC prints the
/// path without a space after `eq`: `"members[value eq\"2819c223...919d-413861904646\"]"`.
#[test]
fn rfc7644_3_5_2_2_remove_and_add_member() {
    let g = group_with(json!([babs(), mandy()]));
    let body = ops(json!([
        {
            "op": "remove",
            "path": format!("members[value eq\"{BJENSEN}\"]")
        },
        {
            "op": "add",
            "path": "members",
            "value": [{
                "display": "James Smith",
                "$ref": format!("https://example.com/v2/Users/{JSMITH}"),
                "value": JSMITH
            }]
        }
    ]));
    let out = ok(&g, &body, None);
    assert_eq!(out["members"], json!([mandy(), james()]));
}

/// §3.5.2.2, replacing all members with a different list by a remove then an add.
#[test]
fn rfc7644_3_5_2_2_replace_all_members_by_remove_and_add() {
    let g = group_with(json!([mandy()]));
    let body = ops(json!([
        {"op": "remove", "path": "members"},
        {
            "op": "add",
            "path": "members",
            "value": [
                {
                    "display": "Babs Jensen",
                    "$ref": format!("https://example.com/v2/Users/{BJENSEN}"),
                    "value": BJENSEN
                },
                {
                    "display": "James Smith",
                    "$ref": format!("https://example.com/v2/Users/{JSMITH}"),
                    "value": JSMITH
                }
            ]
        }
    ]));
    let out = ok(&g, &body, None);
    assert_eq!(out["members"], json!([babs(), james()]));
}

// §3.5.2.3 Replace Operation

/// §3.5.2.3, replacing all members of a group in a single replace operation.
#[test]
fn rfc7644_3_5_2_3_replace_members() {
    let g = group_with(json!([mandy()]));
    let body = ops(json!([{
        "op": "replace",
        "path": "members",
        "value": [
            {
                "display": "Babs Jensen",
                "$ref": format!("https://example.com/v2/Users/{BJENSEN}"),
                "value": BJENSEN
            },
            {
                "display": "James Smith",
                "$ref": format!("https://example.com/v2/Users/{JSMITH}"),
                "value": JSMITH
            }
        ]
    }]));
    let out = ok(&g, &body, None);
    assert_eq!(out["members"], json!([babs(), james()]));
    assert_eq!(without(&out, &["members"]), without(&g, &["members"]));
}

/// §3.5.2.3, replacing a user's entire work address: `"path":"addresses[type eq \"work\"]"`.
#[test]
fn rfc7644_3_5_2_3_replace_work_address() {
    let address = json!({
        "type": "work",
        "streetAddress": "911 Universal City Plaza",
        "locality": "Hollywood",
        "region": "CA",
        "postalCode": "91608",
        "country": "US",
        "formatted": "911 Universal City Plaza\nHollywood, CA 91608 US",
        "primary": true
    });
    let body = ops(json!([{
        "op": "replace",
        "path": "addresses[type eq \"work\"]",
        "value": address.clone()
    }]));
    let u = user();
    let out = ok(&u, &body, None);
    assert_eq!(
        out["addresses"],
        json!([address, u["addresses"][1].clone()])
    );
    assert_eq!(without(&out, &["addresses"]), without(&u, &["addresses"]));
}

/// §3.5.2.3, replacing one sub-attribute of the work address:
/// `"path":"addresses[type eq \"work\"].streetAddress","value":"1010 Broadway Ave"`.
/// Its other sub-attributes and the other addresses are kept.
#[test]
fn rfc7644_3_5_2_3_replace_work_street_address() {
    let body = ops(json!([{
        "op": "replace",
        "path": "addresses[type eq \"work\"].streetAddress",
        "value": "1010 Broadway Ave"
    }]));
    let u = user();
    let out = ok(&u, &body, None);
    let mut expected = u.clone();
    expected["addresses"][0]["streetAddress"] = json!("1010 Broadway Ave");
    assert_eq!(out, expected);
}

/// §3.5.2.3, replacing all values of some attributes without a path:
/// `{"op":"replace","value":{"emails":[…],"nickname":"Babs"}}`. Other attributes are
/// unaffected.
#[test]
fn rfc7644_3_5_2_3_replace_without_path() {
    let body = ops(json!([{
        "op": "replace",
        "value": {
            "emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"}
            ],
            "nickname": "Babs"
        }
    }]));
    let u = user_with(
        json!([{"value": "babs@other.example", "type": "other", "primary": true}]),
        Some("Barb"),
    );
    let out = ok(&u, &body, None);
    assert_eq!(out["emails"], json!([work_email(), home_email()]));
    assert_eq!(out["nickName"], "Babs");
    assert!(out.get("nickname").is_none(), "canonical spelling");
    assert_eq!(
        without(&out, &["emails", "nickName"]),
        without(&u, &["emails", "nickName"])
    );
}

// Rules of §3.5.2 that no example shows.
/// §3.5.2.2 rule (no RFC example): a filter on `value` removes the matched values of a
/// multi-valued attribute; with none left, the attribute is unassigned.
#[test]
fn remove_x509_certificate_by_value() {
    let body = ops(json!([{"op": "remove", "path":
        "x509certificates[value eq \"MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx\"]"}]));
    let out = ok(&user(), &body, None);
    assert!(out.get("x509Certificates").is_none());
}

/// §3.5.2 with §3.10 (no RFC example): remove an extension attribute by its URN-qualified
/// path.
#[test]
fn remove_extension_attribute_by_urn_path() {
    let body = ops(json!([{"op": "remove", "path": format!("{ENT}:manager")}]));
    let out = ok(&user(), &body, None);
    assert!(out[ENT].get("manager").is_none());
    assert_eq!(out[ENT]["employeeNumber"], "701984");
}

/// §3.5.2.3: replacing a complex attribute keeps the sub-attributes not given.
#[test]
fn replace_complex_keeps_unspecified_sub_attributes() {
    let body = ops(json!([{"op": "replace", "path": "name", "value": {"givenName": "Barb"}}]));
    let out = ok(&user(), &body, None);
    assert_eq!(out["name"]["givenName"], "Barb");
    assert_eq!(out["name"]["familyName"], "Jensen");
    assert_eq!(out["name"]["middleName"], "Jane");
    let body = ops(json!([{"op": "replace", "value": {"name": {"givenName": "Barb"}}}]));
    assert_eq!(ok(&user(), &body, None)["name"]["familyName"], "Jensen");
}

/// §3.5.2.3: a replace on an attribute with no value acts as an add.
#[test]
fn replace_of_unassigned_attribute_adds_it() {
    let body =
        ops(json!([{"op": "replace", "path": "profileUrl", "value": "https://x.example/b"}]));
    assert_eq!(
        ok(&user(), &body, None)["profileUrl"],
        "https://x.example/b"
    );
}

/// §3.5.2 (no RFC example): the bare extension URN addresses the whole extension object.
#[test]
fn bare_extension_urn_path() {
    let body = ops(
        json!([{"op": "add", "path": ENT, "value": {"division": "West", "department": "Ops"}}]),
    );
    let out = ok(&user(), &body, None);
    assert_eq!(out[ENT]["division"], "West");
    assert_eq!(out[ENT]["department"], "Ops");
    assert_eq!(out[ENT]["costCenter"], "4130");
    let out = ok(&user(), &ops(json!([{"op": "remove", "path": ENT}])), None);
    assert!(out.get(ENT).is_none());
    assert_eq!(out["schemas"], json!([USER]));
}

/// Adding the first extension attribute creates the extension and lists its schema.
#[test]
fn extension_created_on_first_attribute() {
    let mut u = user();
    u.as_object_mut().unwrap().shift_remove(ENT);
    u["schemas"] = json!([USER]);
    let body = ops(json!([{"op": "add", "path": format!("{ENT}:costCenter"), "value": "9"}]));
    let out = ok(&u, &body, None);
    assert_eq!(out[ENT], json!({"costCenter": "9"}));
    assert_eq!(out["schemas"], json!([USER, ENT]));
    // Removing it again removes the object and the schema.
    let back = ok(
        &out,
        &ops(json!([{"op": "remove", "path": format!("{ENT}:costCenter")}])),
        None,
    );
    assert_eq!(back, u);
}

/// once, whose value is moved into the last element).
#[test]
fn filtered_edits_reach_every_selected_element() {
    let mut u = user();
    u["emails"] = json!([
        {"value": "a@work.example", "type": "work"},
        {"value": "h@home.example", "type": "home"},
        {"value": "b@work.example", "type": "work"}
    ]);
    let body = ops(json!([
        {"op": "replace", "path": "emails[type eq \"work\"].display", "value": "Work"},
        {"op": "add", "path": "emails[type eq \"work\"]", "value": {"display": "W"}}
    ]));
    let out = ok(&u, &body, None);
    assert_eq!(out["emails"][0]["display"], "W");
    assert_eq!(out["emails"][2]["display"], "W");
    assert!(out["emails"][1].get("display").is_none());
    let body = ops(json!([
        {"op": "replace", "path": "emails[type eq \"work\"]", "value": {"value": "x@work.example", "type": "work"}}
    ]));
    let out = ok(&u, &body, None);
    assert_eq!(out["emails"][0]["value"], "x@work.example");
    assert_eq!(out["emails"][2]["value"], "x@work.example");
    let body = ops(json!([
        {"op": "replace", "path": "emails[type eq \"work\"].display", "value": "Work"}
    ]));
    let out = ok(&u, &body, None);
    assert_eq!(out["emails"][0]["display"], "Work");
    assert_eq!(out["emails"][2]["display"], "Work");
}
