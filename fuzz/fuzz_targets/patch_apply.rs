#![no_main]
//! Arbitrary PatchOp JSON applied to a fixed User and a fixed Group, in the strict and the
//! tolerant mode: never panics, and a refused request leaves the resource byte for byte
//! as it was. A successful request applied to the result again never panics either.
//! On a large group, the same requests applied through a `KeptIndex` (built by an earlier
//! request, carried from one request to the next) give byte for byte the same results.

use libfuzzer_sys::fuzz_target;
use scim_core::{Compat, SchemaRegistry};
use scim_patch::{KeptIndex, Patcher};
use serde_json::{Value, json};
use std::sync::OnceLock;

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// A group large enough for its members to be indexed, and its index.
fn large_group(registry: &SchemaRegistry) -> &'static (Value, KeptIndex) {
    static G: OnceLock<(Value, KeptIndex)> = OnceLock::new();
    G.get_or_init(|| {
        let members: Vec<Value> = (0..70)
            .map(|i| json!({"value": format!("m{i}"), "display": format!("M{i}")}))
            .collect();
        let mut group = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "id": "g2", "displayName": "Everyone", "members": members,
            "meta": {"resourceType": "Group"}
        });
        let mut kept = KeptIndex::new();
        let warm = json!({"Operations": [{"op": "add", "path": "members", "value": [{"value": "m0"}]}]});
        let patcher = Patcher::new(registry);
        if let Ok(op) = patcher.decode(&warm) {
            let _ = patcher.apply_kept(&mut group, &op, &mut kept);
        }
        (group, kept)
    })
}

fn fixtures() -> &'static (SchemaRegistry, Vec<(Value, String)>) {
    static F: OnceLock<(SchemaRegistry, Vec<(Value, String)>)> = OnceLock::new();
    F.get_or_init(|| {
        let user = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
            "id": "u1", "userName": "bjensen", "displayName": "Babs",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "active": true,
            "emails": [{"value": "b@example.com", "type": "work", "primary": true},
                       {"value": "b@home.example", "type": "home"}],
            "addresses": [{"type": "work", "locality": "Hollywood"}],
            ENT: {"employeeNumber": "7", "manager": {"value": "m1", "displayName": "Boss"}},
            "meta": {"resourceType": "User", "version": "W/\"1\""}
        });
        let group = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "id": "g1", "displayName": "Ops",
            "members": [{"value": "a", "display": "A"}, {"value": "b"}, {"value": "c", "type": "User"}],
            "meta": {"resourceType": "Group"}
        });
        let resources = [user, group]
            .into_iter()
            .map(|r| {
                let s = serde_json::to_string(&r).unwrap_or_default();
                (r, s)
            })
            .collect();
        (SchemaRegistry::builtin(), resources)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let (registry, resources) = fixtures();
    for compat in [Compat::tolerant(), Compat::strict()] {
        let patcher = Patcher::new(registry).with_compat(compat);
        for (resource, text) in resources {
            let mut r = resource.clone();
            match patcher.apply_json(&mut r, &body) {
                Err(_) => {
                    let after = serde_json::to_string(&r).unwrap_or_default();
                    assert_eq!(&after, text, "a refused PATCH changed the resource");
                }
                Ok(outcome) => {
                    if outcome.is_noop() {
                        assert_eq!(&r, resource, "a no-op PATCH changed the resource");
                    }
                    let snapshot = r.clone();
                    if patcher.apply_json(&mut r, &body).is_err() {
                        assert_eq!(r, snapshot, "a refused PATCH changed the resource");
                    }
                }
            }
        }
        let (group, kept) = large_group(registry);
        let Ok(op) = patcher.decode(&body) else {
            continue;
        };
        let (mut plain, mut indexed, mut kept) = (group.clone(), group.clone(), kept.clone());
        for _ in 0..2 {
            // The same paths changed, or the same error (a kept index also reports deltas).
            let want = patcher
                .apply(&mut plain, &op)
                .map(|o| o.changed().to_vec())
                .map_err(|e| e.to_string());
            let got = patcher
                .apply_kept(&mut indexed, &op, &mut kept)
                .map(|o| o.changed().to_vec())
                .map_err(|e| e.to_string());
            assert_eq!(want, got, "a kept index changed the outcome");
            let (p, i) = (serde_json::to_string(&plain), serde_json::to_string(&indexed));
            assert_eq!(p.ok(), i.ok(), "a kept index changed the result");
        }
    }
});
