//! Property tests: nothing is lost through typed views, canonicalize is idempotent,
//! validation never panics.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use proptest::prelude::*;
use scim_core::resource::{Group, Resource, TypedResource, User, canonicalize};
use scim_core::validate::{validate_create, validate_replace};
use scim_core::{Compat, SchemaRegistry};
use serde_json::{Map, Value, json};

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e9f64..1e9).prop_map(|f| json!(f)),
        "[a-zA-Z0-9 :._$-]{0,12}".prop_map(Value::String),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z$]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Keys a client might send: known names in odd case, qualified names, unknown names.
fn key() -> impl Strategy<Value = String> {
    let known = prop::sample::select(vec![
        "userName",
        "USERNAME",
        "name",
        "Name.GivenName",
        "name.familyName",
        "emails",
        "Emails",
        "active",
        "groups",
        "id",
        "meta",
        "schemas",
        "displayName",
        "addresses",
        "x509Certificates",
        "employeeNumber",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:manager.value",
        "urn:ietf:params:scim:schemas:core:2.0:User:nickName",
        "urn:unknown:ext",
        "nope",
    ]);
    prop_oneof![
        3 => known.prop_map(str::to_owned),
        1 => "[a-zA-Z]{1,10}",
    ]
}

fn body() -> impl Strategy<Value = Value> {
    prop::collection::vec((key(), json_value()), 0..8).prop_map(|pairs| {
        let mut m = Map::new();
        for (k, v) in pairs {
            m.insert(k, v);
        }
        Value::Object(m)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn unknown_extension_data_survives_typed_views(
        ext in prop::collection::btree_map("[a-z]{1,8}", json_value(), 0..5),
        unknown in prop::collection::btree_map("x-[a-z]{1,8}", json_value(), 0..3),
        name in "[a-z]{1,10}",
    ) {
        let urn = "urn:example:params:scim:schemas:extension:acme:2.0:User";
        let mut user = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", urn],
            "userName": name,
            "name": {"givenName": "Ann", "x-nick": {"deep": [1, 2]}},
            "emails": [{"value": "a@b.c", "primary": true, "x-verified": true}],
            "title": null,
        });
        let obj = user.as_object_mut().unwrap();
        obj.insert(urn.to_owned(), Value::Object(ext.into_iter().collect()));
        for (k, v) in unknown {
            obj.insert(k, v);
        }
        let generic = Resource::from_value("User", user.clone()).unwrap();
        let typed = User::from_resource(&generic).unwrap();
        prop_assert_eq!(typed.into_resource().unwrap().into_value(), user.clone());

        let mut group = user;
        let obj = group.as_object_mut().unwrap();
        for k in ["userName", "name", "emails", "title"] {
            obj.shift_remove(k);
        }
        obj.insert("displayName".into(), json!("G"));
        let generic = Resource::from_value("Group", group.clone()).unwrap();
        let typed = Group::from_resource(&generic).unwrap();
        prop_assert_eq!(typed.into_resource().unwrap().into_value(), group);
    }

    #[test]
    fn canonicalize_is_idempotent(body in body(), strict in any::<bool>()) {
        let registry = SchemaRegistry::builtin();
        let users = registry.resource_type("Users").unwrap();
        let compat = if strict { Compat::strict() } else { Compat::tolerant() };
        let mut once = body;
        if canonicalize(&mut once, &registry, users, compat).is_ok() {
            let mut twice = once.clone();
            canonicalize(&mut twice, &registry, users, compat).unwrap();
            prop_assert_eq!(twice, once);
        }
    }

    #[test]
    fn validation_never_panics(body in body(), other in json_value(), strict in any::<bool>()) {
        let registry = SchemaRegistry::builtin();
        let compat = if strict { Compat::strict() } else { Compat::tolerant() };
        for endpoint in ["Users", "Groups"] {
            let rt = registry.resource_type(endpoint).unwrap();
            let mut v = body.clone();
            let _ = validate_create(&mut v, &registry, rt, compat);
            let mut v = body.clone();
            let _ = validate_replace(&mut v, &other, &registry, rt, compat);
            let mut v = other.clone();
            let _ = validate_create(&mut v, &registry, rt, compat);
        }
    }

    #[test]
    fn validated_resources_validate_again(body in body()) {
        let registry = SchemaRegistry::builtin();
        let users = registry.resource_type("Users").unwrap();
        let mut once = body;
        if validate_create(&mut once, &registry, users, Compat::tolerant()).is_ok() {
            let mut twice = once.clone();
            validate_create(&mut twice, &registry, users, Compat::tolerant()).unwrap();
            prop_assert_eq!(twice, once);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn projection_keeps_id_and_schemas_and_never_returns_password(
        attrs in prop::collection::vec(key(), 0..4),
        excluded in prop::collection::vec(key(), 0..4),
    ) {
        let registry = SchemaRegistry::builtin();
        let users = registry.resource_type("Users").unwrap();
        let user = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "1", "userName": "a", "password": "secret",
            "name": {"givenName": "Ann"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "d"}
        });
        let p = scim_core::project::Projection::new(&registry, users, &attrs, &excluded);
        let out = p.apply(&user);
        prop_assert_eq!(&out["id"], &json!("1"));
        prop_assert!(out.get("schemas").is_some());
        prop_assert!(out.get("password").is_none());
        let mut in_place = user.clone();
        p.apply_mut(&mut in_place);
        prop_assert_eq!(&in_place, &out);
        prop_assert_eq!(
            serde_json::to_string(&p.view(&user)).unwrap(),
            serde_json::to_string(&out).unwrap()
        );
    }

    #[test]
    fn the_projection_view_writes_what_apply_copies(
        body in body(),
        attrs in prop::collection::vec(key(), 0..3),
        excluded in prop::collection::vec(key(), 0..3),
    ) {
        let registry = SchemaRegistry::builtin();
        let users = registry.resource_type("Users").unwrap();
        let p = scim_core::project::Projection::new(&registry, users, &attrs, &excluded);
        prop_assert_eq!(
            serde_json::to_string(&p.view(&body)).unwrap(),
            serde_json::to_string(&p.apply(&body)).unwrap()
        );
    }
}
