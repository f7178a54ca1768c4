//! Every PATCH example of RFC 7644 §3.5.2, under both profiles.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;
use serde_json::json;

const BJENSEN: &str = "2819c223-7f76-453a-919d-413861904646";
const JSMITH: &str = "902c246b-6245-4190-8e05-00816be7344a";

fn group_with(members: serde_json::Value) -> serde_json::Value {
    let mut g = group(0);
    g["members"] = members;
    g
}

/// §3.5.2.1: add a member to a group.
#[test]
fn add_member_to_group() {
    let g = group_with(json!([{"value": JSMITH, "display": "James Smith"}]));
    let body = ops(json!([{"op": "add", "path": "members", "value": [{
        "display": "Babs Jensen",
        "$ref": format!("https://example.com/v2/Users/{BJENSEN}"),
        "value": BJENSEN
    }]}]));
    let out = ok(&g, &body, None);
    assert_eq!(out["members"].as_array().unwrap().len(), 2);
    assert_eq!(out["members"][1]["value"], BJENSEN);
    assert_eq!(out["members"][1]["display"], "Babs Jensen");
}

/// §3.5.2.1: add without a path: attributes merged, multi-valued appended.
#[test]
fn add_without_path() {
    let body = ops(json!([{"op": "add", "value": {
        "emails": [{"value": "babs@jensen.org", "type": "home"}, {"value": "b@new.example", "type": "other"}],
        "nickname": "Babsy"
    }}]));
    let out = ok(&user(), &body, None);
    assert_eq!(out["nickName"], "Babsy");
    assert!(out.get("nickname").is_none(), "canonical spelling");
    let emails = out["emails"].as_array().unwrap();
    assert_eq!(emails.len(), 3, "babs@jensen.org is not duplicated");
    assert_eq!(emails[2]["value"], "b@new.example");
}

/// §3.5.2.2: remove a single member.
#[test]
fn remove_single_member() {
    let g = group_with(json!([{"value": BJENSEN}, {"value": JSMITH}]));
    let body = ops(json!([{"op": "remove", "path": format!("members[value eq \"{BJENSEN}\"]")}]));
    let out = ok(&g, &body, None);
    assert_eq!(out["members"], json!([{"value": JSMITH}]));
}

/// §3.5.2.2: remove all members.
#[test]
fn remove_all_members() {
    let g = group_with(json!([{"value": BJENSEN}, {"value": JSMITH}]));
    let out = ok(&g, &ops(json!([{"op": "remove", "path": "members"}])), None);
    assert!(out.get("members").is_none());
}

/// §3.5.2.2: remove multi-valued items matched by a complex filter.
#[test]
fn remove_emails_matching_complex_filter() {
    let body = ops(json!([{"op": "remove",
        "path": "emails[type eq \"work\" and value ew \"example.com\"]"}]));
    let out = ok(&user(), &body, None);
    assert_eq!(
        out["emails"],
        json!([{"value": "babs@jensen.org", "type": "home"}])
    );
}

/// §3.5.2.2: remove all members, then add new ones (one request).
#[test]
fn replace_all_members_by_remove_and_add() {
    let g = group_with(json!([{"value": "old"}]));
    let body = ops(json!([
        {"op": "remove", "path": "members"},
        {"op": "add", "path": "members", "value": [
            {"display": "Babs Jensen", "$ref": format!("https://example.com/v2/Users/{BJENSEN}"), "value": BJENSEN},
            {"display": "James Smith", "$ref": format!("https://example.com/v2/Users/{JSMITH}"), "value": JSMITH}
        ]}
    ]));
    let out = ok(&g, &body, None);
    let m = out["members"].as_array().unwrap();
    assert_eq!(m.len(), 2);
    assert_eq!(m[0]["value"], BJENSEN);
}

/// §3.5.2.2: remove a certificate by value.
#[test]
fn remove_x509_certificate_by_value() {
    let body = ops(json!([{"op": "remove", "path":
        "x509certificates[value eq \"MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx\"]"}]));
    let out = ok(&user(), &body, None);
    assert!(out.get("x509Certificates").is_none());
}

/// §3.5.2.2: remove an extension attribute by its URN-qualified path.
#[test]
fn remove_extension_attribute_by_urn_path() {
    let body = ops(json!([{"op": "remove", "path": format!("{ENT}:manager")}]));
    let out = ok(&user(), &body, None);
    assert!(out[ENT].get("manager").is_none());
    assert_eq!(out[ENT]["employeeNumber"], "701984");
}

/// §3.5.2.3: replace all members.
#[test]
fn replace_members() {
    let g = group_with(json!([{"value": "old"}]));
    let body = ops(json!([{"op": "replace", "path": "members", "value": [
        {"display": "Babs Jensen", "value": BJENSEN},
        {"display": "James Smith", "value": JSMITH}
    ]}]));
    let out = ok(&g, &body, None);
    assert_eq!(
        out["members"],
        json!([
            {"display": "Babs Jensen", "value": BJENSEN},
            {"display": "James Smith", "value": JSMITH}
        ])
    );
}

/// §3.5.2.3: replace the work address (whole element).
#[test]
fn replace_work_address() {
    let body = ops(
        json!([{"op": "replace", "path": "addresses[type eq \"work\"]", "value": {
            "type": "work", "streetAddress": "911 Universal City Plaza", "locality": "Hollywood",
            "region": "CA", "postalCode": "91608", "country": "US", "formatted": "911 Universal City Plaza\nHollywood, CA 91608 US",
            "primary": true
        }}]),
    );
    let out = ok(&user(), &body, None);
    assert_eq!(
        out["addresses"][0]["streetAddress"],
        "911 Universal City Plaza"
    );
    assert_eq!(out["addresses"][0]["country"], "US");
    assert_eq!(out["addresses"][1]["type"], "home");
}

/// §3.5.2.3: replace one sub-attribute of the work address; its siblings are kept.
#[test]
fn replace_work_address_street() {
    let body = ops(
        json!([{"op": "replace", "path": "addresses[type eq \"work\"].streetAddress",
        "value": "1010 Broadway Ave"}]),
    );
    let out = ok(&user(), &body, None);
    assert_eq!(out["addresses"][0]["streetAddress"], "1010 Broadway Ave");
    assert_eq!(out["addresses"][0]["locality"], "Hollywood");
    assert_eq!(out["addresses"][1]["streetAddress"], "456 Hollywood Blvd");
}

/// §3.5.2.3: replace without a path.
#[test]
fn replace_without_path() {
    let body = ops(json!([{"op": "replace", "value": {
        "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
                   {"value": "babs@jensen.org", "type": "home"}],
        "nickname": "Babs2"
    }}]));
    let out = ok(&user(), &body, None);
    assert_eq!(out["nickName"], "Babs2");
    assert_eq!(out["emails"].as_array().unwrap().len(), 2);
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

/// §3.5.2: the bare extension URN addresses the whole extension object.
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

/// §3.5.2.3/§3.5.2.1 with a filter that selects several elements: each gets the value
/// (`common::run` also checks a kept plan, whose value is copied, against a plan used
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
