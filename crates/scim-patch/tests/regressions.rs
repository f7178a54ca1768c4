//! Deterministic cases first found by the property tests in `props.rs`, each named after
//! the property it broke.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;
use scim_core::{Quirk, ScimType};
use scim_patch::{Compat, Patcher};
use serde_json::{Value, json};

fn user_with(emails: Value) -> Value {
    json!({"id": "u1", "userName": "userAnn", "emails": emails,
           "schemas": [USER], "meta": {"resourceType": "User"}})
}

/// Applies `body` to `once` again (tolerant) and asserts nothing changes nor is reported.
fn again_is_noop(once: &Value, body: &Value) {
    let mut twice = once.clone();
    let out = Patcher::new(registry())
        .with_compat(Compat::tolerant())
        .apply_json(&mut twice, body)
        .unwrap();
    assert!(out.is_noop(), "changed {:?} for {body}", out.changed());
    assert_eq!(&twice, once);
}

/// `successful_adds_are_idempotent`: `add emails[type eq "work"]` with
/// `{"value": "x@ex.com", "primary": true}` on a user with two work emails. Both are
/// selected, so both claim `primary`; the last selected keeps it (`KeepLastPrimary`),
/// whatever the elements held before. The winner used to be chosen among the elements
/// that changed only, so the second add moved `primary` to the first work email and
/// reported a change.
#[test]
fn filtered_add_of_primary_to_two_work_emails() {
    let body = ops(json!([{"op": "add", "path": "emails[type eq \"work\"]",
                          "value": {"value": "x@ex.com", "primary": true}}]));
    let expected = json!([
        {"value": "x@ex.com", "type": "work"},
        {"value": "x@ex.com", "type": "work", "primary": true}
    ]);
    // Both shrunk inputs proptest found: the present email first or second.
    for emails in [
        json!([{"value": "y@ex.com", "type": "work"}, {"value": "x@ex.com", "type": "work"}]),
        json!([{"value": "x@ex.com", "type": "work"}, {"value": "y@ex.com", "type": "work"}]),
    ] {
        let once = ok(&user_with(emails), &body, Some(Quirk::KeepLastPrimary));
        assert_eq!(once["emails"], expected);
        again_is_noop(&once, &body);
    }
}

/// The same rule for every way a filter sets `primary` on several elements: the last
/// selected element keeps it, and a second application is a no-op.
#[test]
fn filtered_primary_on_several_elements_is_idempotent() {
    let two_work = json!([{"value": "a", "type": "work"}, {"value": "b", "type": "work"}]);
    let cases = [
        json!({"op": "add", "path": "emails[type eq \"work\"].primary", "value": true}),
        json!({"op": "replace", "path": "emails[type eq \"work\"].primary", "value": true}),
        json!({"op": "add", "path": "emails[type eq \"work\"]", "value": {"primary": true}}),
        json!({"op": "replace", "path": "emails[type eq \"work\"]",
               "value": {"value": "q", "type": "work", "primary": true}}),
    ];
    for op in cases {
        let body = ops(json!([op]));
        let once = ok(
            &user_with(two_work.clone()),
            &body,
            Some(Quirk::KeepLastPrimary),
        );
        let primaries: Vec<usize> = (0..2)
            .filter(|&i| once["emails"][i].get("primary") == Some(&json!(true)))
            .collect();
        assert_eq!(primaries, [1], "{body}");
        assert!(once["emails"][0].get("primary").is_none(), "{body}");
        again_is_noop(&once, &body);
    }
}

/// A filter selecting two elements, one of them already primary: the request still sets
/// `primary` on two elements, so strict refuses it (it used to succeed and move `primary`
/// to the element that changed, and back again on the next application).
#[test]
fn filtered_primary_refused_in_strict_whatever_the_state() {
    let body = ops(json!([{"op": "add", "path": "emails[type eq \"work\"]",
                          "value": {"primary": true}}]));
    let r = user_with(json!([
        {"value": "a", "type": "work", "primary": true},
        {"value": "b", "type": "work"}
    ]));
    assert_eq!(strict(&r, &body), Err(ScimType::InvalidValue));
    let once = ok(&r, &body, Some(Quirk::KeepLastPrimary));
    assert_eq!(
        once["emails"],
        json!([{"value": "a", "type": "work"}, {"value": "b", "type": "work", "primary": true}])
    );
    again_is_noop(&once, &body);
}

/// An element that loses the claim keeps its `primary: false`, and one outside the
/// filter loses its `primary: true`.
#[test]
fn filtered_primary_demotes_only_what_it_must() {
    let body = ops(json!([{"op": "add", "path": "emails[type eq \"work\"]",
                          "value": {"primary": true}}]));
    let r = user_with(json!([
        {"value": "a", "type": "work", "primary": false},
        {"value": "h", "type": "home", "primary": true},
        {"value": "b", "type": "work"}
    ]));
    let once = ok(&r, &body, Some(Quirk::KeepLastPrimary));
    assert_eq!(
        once["emails"],
        json!([
            {"value": "a", "type": "work", "primary": false},
            {"value": "h", "type": "home"},
            {"value": "b", "type": "work", "primary": true}
        ])
    );
    again_is_noop(&once, &body);
}
