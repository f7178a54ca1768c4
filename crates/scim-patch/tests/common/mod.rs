//! Fixtures and the `TestedProfiles` helper shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use scim_core::message::PATCH_OP_URN;
use scim_core::{Compat, Quirk, SchemaRegistry, ScimType};
use scim_patch::{PatchError, Patcher};
use serde_json::{Value, json};
use std::sync::OnceLock;

pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

pub fn registry() -> &'static SchemaRegistry {
    static R: OnceLock<SchemaRegistry> = OnceLock::new();
    R.get_or_init(SchemaRegistry::builtin)
}

/// A PatchOp body with the given operations.
pub fn ops(operations: Value) -> Value {
    json!({"schemas": [PATCH_OP_URN], "Operations": operations})
}

/// RFC 7643 §8.2's full user, trimmed.
pub fn user() -> Value {
    json!({
        "schemas": [USER, ENT],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "701984",
        "userName": "bjensen@example.com",
        "name": {"formatted": "Ms. Barbara J Jensen, III", "familyName": "Jensen",
                 "givenName": "Barbara", "middleName": "Jane"},
        "displayName": "Babs Jensen",
        "nickName": "Babs",
        "title": "Tour Guide",
        "active": true,
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "addresses": [
            {"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood",
             "region": "CA", "postalCode": "91608", "country": "USA", "primary": true},
            {"type": "home", "streetAddress": "456 Hollywood Blvd", "locality": "Hollywood",
             "region": "CA", "postalCode": "91608", "country": "USA"}
        ],
        "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx"}],
        ENT: {"employeeNumber": "701984", "costCenter": "4130", "department": "Tour Operations",
              "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"}},
        "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z",
                 "lastModified": "2011-05-13T04:42:34Z", "version": "W/\"3694e05e9dff591\"",
                 "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"}
    })
}

pub fn group(members: usize) -> Value {
    let members: Vec<Value> = (0..members)
        .map(|i| json!({"value": format!("m{i:06}"), "display": format!("Member {i}")}))
        .collect();
    json!({
        "schemas": [GROUP],
        "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "displayName": "Tour Guides",
        "members": members,
        "meta": {"resourceType": "Group", "created": "2010-01-23T04:56:22Z",
                 "lastModified": "2011-05-13T04:42:34Z", "version": "W/\"3694e05e9dff592\""}
    })
}

/// A PATCH result: the resource after it, or the error's scimType.
pub type Outcome = Result<Value, ScimType>;

/// Applies `body` to a copy of `resource` in `compat`; on error also checks atomicity
/// (the resource is byte-for-byte unchanged).
pub fn run(compat: Compat, resource: &Value, body: &Value) -> (Outcome, Option<PatchError>) {
    let mut r = resource.clone();
    let before = serde_json::to_string(&r).unwrap();
    let result = Patcher::new(registry())
        .with_compat(compat)
        .apply_json(&mut r, body);
    kept_plan_agrees(compat, resource, body, &r, &result);
    match result {
        Ok(_) => (Ok(r), None),
        Err(e) => {
            assert_eq!(
                serde_json::to_string(&r).unwrap(),
                before,
                "not atomic: {e}"
            );
            (Err(e.scim_type()), Some(e))
        }
    }
}

/// A plan kept and applied twice (its values copied) gives what `apply_json` gave (the
/// plan used once, its values moved).
fn kept_plan_agrees(
    compat: Compat,
    resource: &Value,
    body: &Value,
    spent: &Value,
    result: &Result<scim_patch::PatchOutcome, PatchError>,
) {
    let p = Patcher::new(registry()).with_compat(compat);
    let (Ok(patch), Some(rt)) = (
        p.decode(body),
        scim_patch::resource_type_of(registry(), resource),
    ) else {
        return;
    };
    let plan = match p.plan(rt, &patch) {
        Ok(plan) => plan,
        Err(e) => {
            assert_eq!(
                result.as_ref().err().map(ToString::to_string),
                Some(e.to_string())
            );
            return;
        }
    };
    for _ in 0..2 {
        let mut kept = resource.clone();
        let out = plan.apply(&mut kept);
        assert_eq!(&kept, if result.is_ok() { spent } else { resource });
        match (&out, result) {
            (Ok(k), Ok(s)) => assert_eq!(k, s),
            (Err(k), Err(s)) => assert_eq!(k.to_string(), s.to_string()),
            _ => panic!("kept plan: {out:?}, spent plan: {result:?}"),
        }
    }
}

/// The `TestedProfiles` helper: runs a case under the strict and the tolerant profile and
/// asserts identical results, unless `quirk` names the switch that makes them differ —
/// then the results must differ, switching it off in the tolerant profile must change the
/// result, and switching it on in the strict profile must give the tolerant result.
/// Returns the tolerant result.
pub fn profiles(resource: &Value, body: &Value, quirk: Option<Quirk>) -> Outcome {
    let strict = run(Compat::strict(), resource, body).0;
    let tolerant = run(Compat::tolerant(), resource, body).0;
    match quirk {
        None => assert_eq!(strict, tolerant, "strict and tolerant differ for {body}"),
        Some(q) => {
            assert_ne!(
                strict, tolerant,
                "{q:?} should make a difference for {body}"
            );
            let without = run(Compat::tolerant().without(q), resource, body).0;
            assert_ne!(
                without, tolerant,
                "tolerant without {q:?} should change the result"
            );
            let with = run(Compat::strict().with(q), resource, body).0;
            // Decoding quirks need their companions (key case) to reach the engine.
            if with.is_ok() || tolerant.is_err() {
                assert_eq!(with, tolerant, "strict with {q:?} should act tolerantly");
            }
        }
    }
    tolerant
}

/// The tolerant result, which must succeed.
pub fn ok(resource: &Value, body: &Value, quirk: Option<Quirk>) -> Value {
    match profiles(resource, body, quirk) {
        Ok(v) => v,
        Err(t) => panic!("expected success, got {t} for {body}"),
    }
}

/// The error both profiles give (with `quirk: None`) or the tolerant one.
pub fn err(resource: &Value, body: &Value, quirk: Option<Quirk>) -> ScimType {
    match profiles(resource, body, quirk) {
        Ok(v) => panic!("expected an error, got {v} for {body}"),
        Err(t) => t,
    }
}

/// The strict result alone.
pub fn strict(resource: &Value, body: &Value) -> Outcome {
    run(Compat::strict(), resource, body).0
}
