//! `scim filter` end to end.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::scim;
use serde_json::{Value, json};

#[test]
fn parse_prints_canonical_form_and_ast() {
    let (code, out, _) = scim(
        &["filter", "parse", r#"userName EQ "bjensen" AND (title pr)"#],
        "",
    );
    assert_eq!(code, 0);
    snapbox::assert_data_eq!(
        out,
        snapbox::str![[r#"
userName eq "bjensen" and title pr
And[Compare(userName@0..8 eq "bjensen"@12..21), Present(title@27..32)]

"#]]
    );
}

#[test]
fn parse_error_has_a_caret_and_exit_1() {
    let (code, out, err) = scim(&["filter", "parse", r#"userName eqq "bjensen""#], "");
    assert_eq!(code, 1);
    assert!(out.is_empty());
    snapbox::assert_data_eq!(
        err,
        snapbox::str![[r#"
userName eqq "bjensen"
         ^^^
expected a comparison operator at byte 9, found "eqq"

"#]]
    );
    let (code, out, _) = scim(
        &[
            "filter",
            "parse",
            "--path",
            r#"emails[type eq "work"].value"#,
        ],
        "",
    );
    assert_eq!(code, 0);
    assert!(out.starts_with("emails[type eq \"work\"].value\n"));
}

fn resources_file(resources: &Value) -> tempfile_path::TempPath {
    tempfile_path::TempPath::with(&resources.to_string())
}

/// A minimal temporary file (no extra dependency).
mod tempfile_path {
    pub(crate) struct TempPath(pub(crate) std::path::PathBuf);
    impl TempPath {
        pub(crate) fn with(text: &str) -> Self {
            use std::sync::atomic::{AtomicUsize, Ordering};
            static N: AtomicUsize = AtomicUsize::new(0);
            let p = std::env::temp_dir().join(format!(
                "scim-cli-test-{}-{}.json",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::write(&p, text).unwrap();
            TempPath(p)
        }
        pub(crate) fn as_str(&self) -> &str {
            self.0.to_str().unwrap()
        }
    }
    impl Drop for TempPath {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

fn eval_lines(resources: &Value, stdin: &str) -> Vec<Value> {
    let file = resources_file(resources);
    let (code, out, err) = scim(&["filter", "eval", "--resources", file.as_str()], stdin);
    assert_eq!(code, 0, "{err}");
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn sample() -> Value {
    json!([
        {"id": "u1", "userName": "bjensen", "active": true,
         "name": {"familyName": "Ødegård"},
         "emails": [{"value": "b@example.com", "type": "work"}],
         "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "7"},
         "urn:example:custom:1.0:User": {"shoe": 44, "vip": true},
         "meta": {"resourceType": "User", "lastModified": "2011-05-13T04:42:34Z"}},
        {"id": "g1", "displayName": "Tour Guides", "members": [{"value": "u1"}],
         "meta": {"resourceType": "Group"}},
        {"id": "u2", "userName": "ann", "active": false, "meta": {"resourceType": "User"}}
    ])
}

#[test]
fn eval_answers_one_line_per_input_line_in_order() {
    let input = [
        r#"{"id": "q1", "filter": "userName eq \"BJENSEN\""}"#,
        "",
        r#"{"id": "q2", "filter": "displayName sw \"tour\" or active eq false", "note": "ignored"}"#,
        "this is not json",
        r#"{"id": "q3", "filter": "userName eqq 1"}"#,
        r#"{"id": "q4", "filter": "urn:example:custom:1.0:User:shoe gt 43 and urn:example:custom:1.0:User:vip eq true"}"#,
        r#"{"id": "q5", "filter": "urn:example:custom:1.0:User:vip gt \"a\""}"#,
        r#"{"id": "q6", "filter": "name.familyName eq \"ØDEGÅRD\" and meta.lastModified eq \"2011-05-13T06:42:34+02:00\""}"#,
        r#"{"id": "q7", "filter": "members[value eq \"u1\"] or emails[type eq \"work\"].value eq \"b@example.com\""}"#,
        r#"{"id": "q8"}"#,
        r#"{"id": "q9", "filter": "userName ne \"x\""}"#,
        "   ",
    ]
    .join("\n");
    let out = eval_lines(&sample(), &input);
    let ids: Vec<&Value> = out.iter().map(|o| &o["id"]).collect();
    assert_eq!(
        ids,
        [
            &json!("q1"),
            &json!("q2"),
            &Value::Null,
            &json!("q3"),
            &json!("q4"),
            &json!("q5"),
            &json!("q6"),
            &json!("q7"),
            &json!("q8"),
            &json!("q9")
        ]
    );
    let row = |i: usize| (&out[i]["parsed"], &out[i]["matches"], &out[i]["errors"]);
    assert_eq!(row(0), (&json!(true), &json!(["u1"]), &json!([])));
    assert_eq!(row(1), (&json!(true), &json!(["g1", "u2"]), &json!([])));
    assert_eq!(row(2).0, &json!(false));
    assert!(out[2]["error"].is_string());
    assert_eq!(row(3).0, &json!(false));
    assert_eq!(
        out[3]["error"],
        json!("expected a comparison operator at byte 9, found \"eqq\"")
    );
    assert_eq!(row(4), (&json!(true), &json!(["u1"]), &json!([])));
    assert_eq!(row(5), (&json!(true), &json!([]), &json!(["u1"])));
    assert!(out[5]["error"].is_string());
    assert_eq!(row(6), (&json!(true), &json!(["u1"]), &json!([])));
    assert_eq!(row(7), (&json!(true), &json!(["u1", "g1"]), &json!([])));
    assert_eq!(row(8).0, &json!(false));
    // An unassigned attribute equals nothing: `ne` matches the group too.
    assert_eq!(
        row(9),
        (&json!(true), &json!(["u1", "g1", "u2"]), &json!([]))
    );
    for o in &out {
        assert!(o["error"].is_null() || o["error"].is_string());
    }
}

#[test]
fn eval_survives_huge_and_deep_filters() {
    let deep = format!("{}userName pr{}", "(".repeat(10_000), ")".repeat(10_000));
    let nots = format!(
        "{}userName pr{}",
        "not (".repeat(10_000),
        ")".repeat(10_000)
    );
    let huge = format!("userName eq \"{}\"", "x".repeat(1_000_000));
    let too_big = format!("userName eq \"{}\"", "x".repeat(1 << 20));
    let input = [&deep, &nots, &huge, &too_big]
        .iter()
        .enumerate()
        .map(|(i, f)| json!({"id": i, "filter": f}).to_string())
        .collect::<Vec<_>>()
        .join("\n");
    let out = eval_lines(&sample(), &input);
    assert_eq!(out.len(), 4);
    assert_eq!(out[0]["parsed"], json!(false));
    assert!(out[0]["error"].as_str().unwrap().contains("nesting"));
    assert_eq!(out[1]["parsed"], json!(false));
    assert_eq!(
        (&out[2]["parsed"], &out[2]["matches"]),
        (&json!(true), &json!([]))
    );
    assert_eq!(out[3]["parsed"], json!(false));
}

#[test]
fn eval_does_many_checks_quickly() {
    // 1,000 resources × 200 filters = 200,000 checks (a debug build; the
    // release build does a million in a fraction of a second).
    let resources: Vec<Value> = (0..1000)
        .map(|i| {
            json!({"id": format!("u{i}"), "userName": format!("user{i}"), "active": i % 2 == 0,
                   "emails": [{"value": format!("u{i}@example.com"), "type": "work"}],
                   "meta": {"resourceType": "User"}})
        })
        .collect();
    let input = (0..200)
        .map(|i| {
            json!({"id": i, "filter": format!("userName eq \"USER{i}\" or emails[type eq \"work\" and value sw \"u{i}@\"] and active eq true")})
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n");
    let start = std::time::Instant::now();
    let out = eval_lines(&Value::Array(resources), &input);
    assert_eq!(out.len(), 200);
    assert_eq!(out[3]["matches"], json!(["u3"]));
    assert!(start.elapsed().as_secs() < 20);
}
