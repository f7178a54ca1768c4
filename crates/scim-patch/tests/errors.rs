//! Each error case with its `scimType`, operation index and path; and what a request
//! reports as changed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;
use scim_core::{ScimError, ScimType};
use scim_patch::{Compat, Patcher};
use serde_json::{Value, json};

fn error(resource: &Value, body: &Value) -> scim_patch::PatchError {
    let (res, e) = run(Compat::tolerant(), resource, body);
    assert!(res.is_err(), "expected an error for {body}");
    e.unwrap()
}

#[test]
fn remove_without_path_is_no_target() {
    let body = ops(json!([{"op": "remove", "value": {"title": "x"}}]));
    assert_eq!(err(&user(), &body, None), ScimType::NoTarget);
}

#[test]
fn filter_matching_nothing_is_no_target() {
    let body = ops(
        json!([{"op": "replace", "path": "emails[value eq \"none@x\"].display", "value": "x"}]),
    );
    // Tolerant upserts only from `eq` filters on non-primary sub-attributes; this one
    // names `value`, so tolerant creates it; with `co` neither mode has a target.
    let body_co =
        ops(json!([{"op": "replace", "path": "emails[value co \"none\"].display", "value": "x"}]));
    assert_eq!(err(&user(), &body_co, None), ScimType::NoTarget);
    assert_eq!(strict(&user(), &body), Err(ScimType::NoTarget));
    let rm = ops(json!([{"op": "remove", "path": "members[value eq \"nobody\"]"}]));
    assert_eq!(err(&group(2), &rm, None), ScimType::NoTarget);
}

#[test]
fn read_only_attributes_are_mutability() {
    for body in [
        ops(json!([{"op": "replace", "path": "id", "value": "x"}])),
        ops(json!([{"op": "add", "path": "groups", "value": [{"value": "g"}]}])),
        ops(json!([{"op": "replace", "path": "meta.version", "value": "W/\"9\""}])),
        ops(json!([{"op": "replace", "path": "manager.displayName", "value": "x"}])),
        ops(json!([{"op": "remove", "path": "id"}])),
    ] {
        let e = error(&user(), &body);
        assert_eq!(e.scim_type(), ScimType::Mutability, "{body}");
        assert_eq!(e.operation(), Some(0));
    }
}

#[test]
fn immutable_sub_attributes_are_mutability_once_set() {
    let g = group(2);
    let body = ops(
        json!([{"op": "replace", "path": "members[value eq \"m000000\"].value", "value": "other"}]),
    );
    assert_eq!(err(&g, &body, None), ScimType::Mutability);
    let body = ops(
        json!([{"op": "replace", "path": "members[value eq \"m000000\"]", "value": {"value": "zzz"}}]),
    );
    assert_eq!(err(&g, &body, None), ScimType::Mutability);
    // Unset immutable values may be set.
    let body =
        ops(json!([{"op": "add", "path": "members[value eq \"m000000\"].type", "value": "User"}]));
    assert_eq!(ok(&g, &body, None)["members"][0]["type"], "User");
}

#[test]
fn unknown_attribute_is_invalid_path_when_strict() {
    let body = ops(json!([{"op": "add", "path": "nope", "value": "x"}]));
    assert_eq!(strict(&user(), &body), Err(ScimType::InvalidPath));
    let body = ops(json!([{"op": "add", "path": "emails[type eq \"work\"].nope", "value": "x"}]));
    assert_eq!(err(&user(), &body, None), ScimType::InvalidPath);
}

#[test]
fn malformed_paths_and_filters() {
    let e = error(
        &user(),
        &ops(json!([{"op": "add", "path": "emails[type eq", "value": "x"}])),
    );
    assert!(matches!(
        e.scim_type(),
        ScimType::InvalidFilter | ScimType::InvalidPath
    ));
    assert!(e.span().is_some());
    let e = error(
        &user(),
        &ops(json!([{"op": "add", "path": "a..b", "value": "x"}])),
    );
    assert_eq!(e.scim_type(), ScimType::InvalidPath);
    let e = error(
        &user(),
        &ops(json!([{"op": "add", "path": "userName[value eq \"x\"]", "value": "x"}])),
    );
    assert_eq!(e.scim_type(), ScimType::InvalidPath);
}

#[test]
fn wrong_types_are_invalid_value() {
    for body in [
        ops(json!([{"op": "replace", "path": "userName", "value": 5}])),
        ops(json!([{"op": "replace", "path": "emails", "value": "x"}])),
        ops(json!([{"op": "add", "path": "name", "value": "x"}])),
        ops(json!([{"op": "add", "path": "title"}])),
        ops(json!([{"op": "add", "value": "x"}])),
        ops(json!([{"op": "add", "path": "title", "value": null}])),
    ] {
        assert_eq!(err(&user(), &body, None), ScimType::InvalidValue, "{body}");
    }
}

#[test]
fn removing_required_attributes_is_refused() {
    let body = ops(json!([{"op": "remove", "path": "userName"}]));
    assert_eq!(err(&user(), &body, None), ScimType::InvalidValue);
    let body = ops(json!([{"op": "replace", "path": "userName", "value": null}]));
    assert_eq!(err(&user(), &body, None), ScimType::InvalidValue);
}

#[test]
fn malformed_bodies_are_invalid_syntax() {
    for body in [
        json!([]),
        json!({"Operations": 3}),
        json!({"Operations": [{"op": "merge"}]}),
    ] {
        let e = error(&user(), &body);
        assert_eq!(e.scim_type(), ScimType::InvalidSyntax, "{body}");
    }
}

#[test]
fn errors_name_the_operation_and_path_and_convert_to_scim_errors() {
    let body = ops(json!([
        {"op": "replace", "path": "title", "value": "ok"},
        {"op": "add", "path": "nickName", "value": "fine"},
        {"op": "replace", "path": "emails[type eq \"pager\"].value", "value": "x"}
    ]));
    let (res, e) = run(Compat::strict(), &user(), &body);
    assert_eq!(res, Err(ScimType::NoTarget));
    let e = e.unwrap();
    assert_eq!(e.operation(), Some(2));
    assert_eq!(e.path(), Some("emails[type eq \"pager\"].value"));
    assert!(
        e.to_string()
            .starts_with("operation 2 (emails[type eq \"pager\"].value): noTarget: "),
        "{e}"
    );
    let s: ScimError = e.into();
    assert_eq!(s.status(), 400);
    assert_eq!(s.scim_type(), Some(ScimType::NoTarget));
}

#[test]
fn a_failing_request_leaves_the_resource_byte_for_byte() {
    let mut u = user();
    let before = serde_json::to_string(&u).unwrap();
    let body = ops(json!([
        {"op": "remove", "path": "addresses"},
        {"op": "replace", "path": "name", "value": {"givenName": "X"}},
        {"op": "add", "path": "emails", "value": [{"value": "new@x.example", "primary": true}]},
        {"op": "remove", "path": format!("{ENT}:manager")},
        {"op": "remove", "path": format!("{ENT}:employeeNumber")},
        {"op": "remove", "path": format!("{ENT}:costCenter")},
        {"op": "remove", "path": format!("{ENT}:department")},
        {"op": "add", "path": "nickName", "value": "a"},
        {"op": "remove", "path": "emails[type eq \"home\"]"},
        {"op": "replace", "path": "id", "value": "boom"}
    ]));
    let e = Patcher::new(registry())
        .apply_json(&mut u, &body)
        .unwrap_err();
    assert_eq!(e.operation(), Some(9));
    assert_eq!(serde_json::to_string(&u).unwrap(), before);
}

#[test]
fn outcome_lists_changed_paths_and_no_ops() {
    let mut u = user();
    let body = ops(json!([
        {"op": "replace", "path": "name.givenName", "value": "Barbara"},
        {"op": "replace", "path": "title", "value": "Tour Guide"},
        {"op": "add", "path": "emails", "value": [{"value": "babs@jensen.org", "type": "home"}]}
    ]));
    let out = Patcher::new(registry()).apply_json(&mut u, &body).unwrap();
    assert!(out.is_noop(), "{:?}", out.changed());
    assert_eq!(u, user());
    let body = ops(json!([
        {"op": "replace", "path": "name.givenName", "value": "Barb"},
        {"op": "replace", "path": format!("{ENT}:department"), "value": "X"},
        {"op": "add", "path": "nickName", "value": "B"}
    ]));
    let out = Patcher::new(registry()).apply_json(&mut u, &body).unwrap();
    assert_eq!(
        out.changed(),
        ["name.givenName", &format!("{ENT}:department"), "nickName"]
    );
}
