//! `scim patch` end to end.
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
    let dir = std::env::temp_dir().join(format!("scim-cli-patch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_string(v).unwrap()).unwrap();
    p.to_str().unwrap().to_owned()
}

fn resources() -> Value {
    json!([
        {"id": "g1", "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Ops",
         "members": [{"value": "a"}, {"value": "b"}], "meta": {"resourceType": "Group"}},
        {"id": "u1", "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                                 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
         "UserName": "bj", "emails": [{"value": "x@y.example", "type": "work", "primary": true}],
         "meta": {"resourceType": "User"}}
    ])
}

fn lines(out: &str) -> Vec<Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn batch_applies_each_line_to_a_fresh_copy_in_order() {
    let file = temp("batch.json", &resources());
    let input = [
        json!({"id": 1, "ref": "g1", "patch": {"Operations": [{"op": "add", "path": "members", "value": [{"value": "c"}]}]}}),
        json!({"id": 2, "ref": "g1", "unknown": true, "patch": {"Operations": [{"op": "remove", "path": "members", "value": [{"value": "a"}]}]}}),
        json!({"id": "three", "ref": "u1", "patch": {"Operations": [{"Op": "Replace", "Path": "emails[primary eq true].value", "Value": "n@y.example"}]}}),
        json!({"id": 4, "resource": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "z", "meta": {"resourceType": "User"}},
               "patch": {"Operations": [{"op": "replace", "path": "active", "value": "True"}]}}),
        json!({"id": 5, "ref": "g1", "patch": {"Operations": [{"op": "remove", "path": "members[value eq \"zz\"]"}]}}),
        json!({"id": 6, "ref": "g1", "patch": "not a patchop"}),
    ]
    .iter()
    .map(|v| v.to_string())
    .chain(["{broken".to_owned()])
    .collect::<Vec<_>>()
    .join("\n");
    let (code, out, _) = scim(&["patch", "apply", "--resources", &file], &input);
    assert_eq!(code, 0);
    let out = lines(&out);
    assert_eq!(out.len(), 7);
    assert_eq!(out[0]["id"], 1);
    assert_eq!(
        out[0]["result"]["members"],
        json!([{"value": "a"}, {"value": "b"}, {"value": "c"}])
    );
    assert_eq!(
        out[1]["result"]["members"],
        json!([{"value": "b"}]),
        "fresh copy of g1"
    );
    assert_eq!(out[2]["id"], "three");
    assert_eq!(out[2]["result"]["userName"], "bj", "canonical names");
    assert_eq!(out[2]["result"]["emails"][0]["value"], "n@y.example");
    assert_eq!(out[3]["result"]["active"], true);
    assert_eq!(out[4]["ok"], false);
    assert_eq!(out[4]["result"], Value::Null);
    assert!(out[4]["error"].as_str().unwrap().starts_with("noTarget: "));
    assert!(
        out[5]["error"]
            .as_str()
            .unwrap()
            .starts_with("invalidSyntax: ")
    );
    assert_eq!(out[6]["id"], Value::Null);
    assert_eq!(out[6]["ok"], false);
    for o in &out[..4] {
        assert_eq!(o["ok"], true);
        assert_eq!(o["error"], Value::Null);
    }
}

#[test]
fn strict_refuses_remove_members_with_a_value_list() {
    let file = temp("strict.json", &resources());
    let line = json!({"id": 1, "ref": "g1", "patch": {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "remove", "path": "members", "value": [{"value": "a"}]}]}});
    let (code, out, _) = scim(
        &["patch", "apply", "--strict", "--resources", &file],
        &line.to_string(),
    );
    assert_eq!(code, 0);
    let out = lines(&out);
    assert_eq!(out[0]["ok"], false);
    assert!(
        out[0]["error"]
            .as_str()
            .unwrap()
            .starts_with("invalidValue: operation 0 (members): ")
    );
}

#[test]
fn single_resource_and_diff() {
    let r = temp("one.json", &resources()[1]);
    let p = temp(
        "p.json",
        &json!({"Operations": [{"op": "add", "path": "title", "value": "Boss"}]}),
    );
    let (code, out, _) = scim(&["patch", "apply", "--resource", &r, &p], "");
    assert_eq!(code, 0);
    let patched: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(patched["title"], "Boss");
    let new = temp("new.json", &patched);
    let (code, out, _) = scim(&["patch", "diff", &r, &new], "");
    assert_eq!(code, 0);
    let d: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        d["Operations"],
        json!([{"op": "replace", "path": "title", "value": "Boss"}])
    );
    let bad = temp(
        "bad.json",
        &json!({"Operations": [{"op": "remove", "path": "userName"}]}),
    );
    let (code, _, err) = scim(&["patch", "apply", "--resource", &r, &bad], "");
    assert_eq!(code, 1);
    assert!(err.contains("invalidValue"), "{err}");
}

#[test]
fn plan_prints_the_checked_steps() {
    let p = temp(
        "plan.json",
        &json!({"Operations": [
            {"op": "replace", "value": {"name.givenName": "Ann", "title": "T"}},
            {"op": "remove", "path": "emails[type eq \"work\"]"}
        ]}),
    );
    let (code, out, _) = scim(&["patch", "plan", "--resource-type", "User", &p], "");
    assert_eq!(code, 0);
    assert!(out.contains("givenName") && out.contains("filter"), "{out}");
    let (code, _, err) = scim(&["patch", "plan", "--strict", &p], "");
    assert_eq!(code, 1);
    assert!(err.contains("invalid"), "{err}");
}
