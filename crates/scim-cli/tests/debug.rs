//! `scim debug` end to end.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::scim;
use serde_json::{Value, json};

fn temp(name: &str, v: &Value) -> String {
    let dir = std::env::temp_dir().join(format!("scim-cli-debug-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_string(v).unwrap()).unwrap();
    p.to_str().unwrap().to_owned()
}

#[test]
fn filter_ast_prints_the_pretty_tree() {
    let (code, out, err) = scim(
        &[
            "debug",
            "filter-ast",
            r#"userName EQ "bjensen" and (emails[type eq "work"] or not (title pr))"#,
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    snapbox::assert_data_eq!(
        out,
        snapbox::str![[r#"
And[
    Compare(userName@0..8 eq "bjensen"@12..21),
    Or[
        ValuePath(
            emails@27..33,
            Compare(type@34..38 eq "work"@42..48),
        ),
        Not(
            Present(title@58..63),
        ),
    ],
]

"#]]
    );
}

#[test]
fn filter_ast_error_has_a_caret_and_exit_1() {
    let (code, out, err) = scim(&["debug", "filter-ast", "title pr and (userName eq"], "");
    assert_eq!(code, 1);
    assert!(out.is_empty());
    snapbox::assert_data_eq!(
        err,
        snapbox::str![[r#"
title pr and (userName eq
                         ^
expected a value at byte 25, found end of input

"#]]
    );
}

#[test]
fn filter_resolved_shows_schemas_types_and_literals() {
    let (code, out, err) = scim(
        &[
            "debug",
            "filter-resolved",
            r#"meta.lastModified ge "2011-05-13T04:42:34Z" and urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    snapbox::assert_data_eq!(
        out,
        snapbox::str![[r#"
resource type User (core schema urn:ietf:params:scim:schemas:core:2.0:User)
and
  meta.lastModified ge "2011-05-13T04:42:34Z"
    attribute: urn:ietf:params:scim:schemas:core:2.0:User:meta.lastModified
    type: dateTime, caseExact: false, multiValued: false
    keys: ["meta", "lastModified"]
    literal: dateTime 2011-05-13T04:42:34Z
  urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"
    attribute: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber
    type: string, caseExact: false, multiValued: false
    keys: ["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "employeeNumber"]
    literal: string "701984" (case-insensitive)

"#]]
    );
    // Another resource type.
    let (code, out, _) = scim(
        &[
            "debug",
            "filter-resolved",
            "--resource-type",
            "Group",
            r#"members[value eq "2819c223"]"#,
        ],
        "",
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("attribute: urn:ietf:params:scim:schemas:core:2.0:Group:members.value\n"),
        "{out}"
    );
}

#[test]
fn filter_resolved_errors_exit_1() {
    // Resolution errors point into the filter, as parse errors do.
    let (code, out, err) = scim(&["debug", "filter-resolved", "active gt true"], "");
    assert_eq!(code, 1);
    assert!(out.is_empty());
    snapbox::assert_data_eq!(
        err,
        snapbox::str![[r#"
active gt true
       ^^
operator "gt" not allowed on a boolean at byte 7

"#]]
    );
    let (code, _, err) = scim(&["debug", "filter-resolved", "nick pr"], "");
    assert_eq!(code, 1);
    assert!(
        err.contains("^^^^\nunknown attribute \"nick\" at byte 0"),
        "{err}"
    );
    let (code, _, err) = scim(
        &[
            "debug",
            "filter-resolved",
            "--resource-type",
            "Nope",
            "id pr",
        ],
        "",
    );
    assert_eq!(code, 1);
    snapbox::assert_data_eq!(
        err,
        snapbox::str![[r#"
error: unknown resource type "Nope"

"#]]
    );
}

#[test]
fn patch_plan_uses_the_resource_type_of_the_resource() {
    let group = temp(
        "group.json",
        &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g1", "displayName": "Ops"}),
    );
    let patch = temp(
        "members.json",
        &json!({"Operations": [{"op": "remove", "path": "members[value eq \"a\"]"}]}),
    );
    let (code, out, err) = scim(&["debug", "patch-plan", "--resource", &group, &patch], "");
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("resource type Group\nPlan {\n"), "{out}");
    assert!(out.contains("attr: \"members\""), "{out}");
    assert!(
        out.contains(r#"filter: Compare(value@8..13 eq "a"@17..20)"#),
        "{out}"
    );
}

#[test]
fn patch_plan_errors_point_into_the_path() {
    let user = temp(
        "user.json",
        &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bj"}),
    );
    let bad_filter = temp(
        "bad-filter.json",
        &json!({"Operations": [
            {"op": "add", "path": "title", "value": "Boss"},
            {"op": "remove", "path": "emails[type eqq \"work\"]"}
        ]}),
    );
    let (code, out, err) = scim(
        &["debug", "patch-plan", "--resource", &user, &bad_filter],
        "",
    );
    assert_eq!(code, 1);
    assert!(out.is_empty());
    snapbox::assert_data_eq!(
        err,
        snapbox::str![[r#"
emails[type eqq "work"]
            ^^^
error: operation 1 (emails[type eqq "work"]): invalidPath: expected a comparison operator at byte 12, found "eqq"

"#]]
    );
    let unknown = temp(
        "unknown.json",
        &json!({"Operations": [{"op": "remove", "path": "emails[typo eq \"work\"]"}]}),
    );
    let (code, _, err) = scim(&["debug", "patch-plan", "--resource", &user, &unknown], "");
    assert_eq!(code, 1);
    snapbox::assert_data_eq!(
        err,
        snapbox::str![[r#"
emails[typo eq "work"]
       ^^^^
error: operation 0 (emails[typo eq "work"]): invalidFilter: unknown attribute "typo" at byte 7

"#]]
    );
    // Errors without a path span print the message alone.
    let not_patch = temp("not-patch.json", &json!({"Operations": "none"}));
    let (code, _, err) = scim(
        &["debug", "patch-plan", "--resource", &user, &not_patch],
        "",
    );
    assert_eq!(code, 1);
    assert!(err.starts_with("error: ") && !err.contains('^'), "{err}");
    let (code, _, err) = scim(
        &[
            "debug",
            "patch-plan",
            "--resource",
            "/nonexistent.json",
            &not_patch,
        ],
        "",
    );
    assert_eq!(code, 1);
    assert!(err.starts_with("error: /nonexistent.json: "), "{err}");
}
