//! Every JSON example of RFC 7643 §8 (with its verified errata, see `fixtures/README.md`)
//! parses into the typed models and serializes back with nothing lost.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use scim_core::discovery::{ResourceTypeDocument, SchemaDocument, ServiceProviderConfig};
use scim_core::resource::{EnterpriseUser, Group, Resource, TypedResource, User};
use scim_core::validate::validate_create;
use scim_core::{Compat, SchemaRegistry};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Parses `json` as `T` and serializes it back; the result must equal the input.
fn round_trip<T: Serialize + DeserializeOwned>(json: &Value) -> T {
    let typed: T = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(&serde_json::to_value(&typed).unwrap(), json);
    typed
}

/// Generic → typed → generic must also be lossless.
fn generic_round_trip<T: TypedResource>(json: &Value) {
    let generic = Resource::from_value(T::RESOURCE_TYPE, json.clone()).unwrap();
    let typed = T::from_resource(&generic).unwrap();
    assert_eq!(&typed.into_resource().unwrap().into_value(), json);
}

fn validates(json: &Value, endpoint: &str) {
    let registry = SchemaRegistry::builtin();
    let rt = registry.resource_type(endpoint).unwrap();
    for compat in [Compat::strict(), Compat::tolerant()] {
        let mut v = json.clone();
        validate_create(&mut v, &registry, rt, compat).unwrap();
    }
}

#[test]
fn section_8_1_minimal_user() {
    let json = fixture("rfc7643-8.1-minimal-user.json");
    let user: User = round_trip(&json);
    assert_eq!(user.user_name.value().unwrap(), "bjensen@example.com");
    let meta = user.meta.value().unwrap();
    assert_eq!(
        meta.created.unwrap().to_rfc3339(),
        "2010-01-23T04:56:22+00:00"
    );
    generic_round_trip::<User>(&json);
    validates(&json, "Users");
}

#[test]
fn section_8_2_full_user() {
    let json = fixture("rfc7643-8.2-full-user.json");
    let user: User = round_trip(&json);
    assert_eq!(user.primary_email(), Some("bjensen@example.com"));
    assert_eq!(
        user.addresses.value().unwrap()[0].country.value().unwrap(),
        "US"
    );
    assert_eq!(user.groups.value().unwrap().len(), 3);
    assert!(user.extra.is_empty(), "{:?}", user.extra.keys());
    generic_round_trip::<User>(&json);
    validates(&json, "Users");
}

#[test]
fn section_8_3_enterprise_user() {
    let json = fixture("rfc7643-8.3-enterprise-user.json");
    let user: User = round_trip(&json);
    let ext: EnterpriseUser = user.enterprise().unwrap().unwrap();
    assert_eq!(ext.cost_center.value().unwrap(), "4130");
    assert_eq!(
        ext.manager.value().unwrap().display_name.value().unwrap(),
        "John Smith"
    );
    // Writing the typed extension back changes nothing.
    let mut again = user.clone();
    again.set_enterprise(&ext).unwrap();
    assert_eq!(serde_json::to_value(&again).unwrap(), json);
    generic_round_trip::<User>(&json);
    validates(&json, "Users");
}

#[test]
fn section_8_4_group() {
    let json = fixture("rfc7643-8.4-group.json");
    let group: Group = round_trip(&json);
    assert_eq!(group.member_ids().count(), 2);
    generic_round_trip::<Group>(&json);
    validates(&json, "Groups");
}

#[test]
fn section_8_5_service_provider_config() {
    let json = fixture("rfc7643-8.5-service-provider-config.json");
    let config: ServiceProviderConfig = round_trip(&json);
    assert_eq!(config.bulk.max_operations, 1000);
    assert_eq!(config.filter.max_results, 200);
    assert_eq!(config.authentication_schemes.len(), 2);
}

#[test]
fn section_8_6_resource_types() {
    let json = fixture("rfc7643-8.6-resource-types.json");
    let docs: Vec<ResourceTypeDocument> = round_trip(&json);
    assert_eq!(docs[0].resource_type.schema_extensions.len(), 1);
    // Our own representation of the same resource type has the RFC's shape.
    let ours = scim_core::ResourceType::user()
        .to_representation(Some("https://example.com/v2/ResourceTypes/User"));
    let rfc = &json[0];
    for key in ["schemas", "id", "name", "endpoint", "schema", "meta"] {
        assert_eq!(ours[key], rfc[key], "{key}");
    }
}

/// `sub` ⊆ `sup`, where an empty array counts as absent. Schema characteristics the RFC
/// leaves out (e.g. `caseExact` on booleans) are emitted by us with their defaults.
fn assert_subset(sub: &Value, sup: &Value, path: &str) {
    match (sub, sup) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                let p = format!("{path}.{k}");
                match b.get(k) {
                    Some(w) => assert_subset(v, w, &p),
                    None => assert!(
                        matches!(v, Value::Array(x) if x.is_empty()),
                        "{p} lost on the round trip"
                    ),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{path}: length");
            for (i, (v, w)) in a.iter().zip(b).enumerate() {
                assert_subset(v, w, &format!("{path}[{i}]"));
            }
        }
        _ => assert_eq!(sub, sup, "{path}"),
    }
}

#[test]
fn section_8_7_1_resource_schemas() {
    let json = fixture("rfc7643-8.7.1-resource-schemas.json");
    let docs: Vec<SchemaDocument> = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(docs.len(), 3);
    assert_subset(&json, &serde_json::to_value(&docs).unwrap(), "8.7.1");
}

#[test]
fn section_8_7_2_service_provider_schemas() {
    let json = fixture("rfc7643-8.7.2-service-provider-schemas.json");
    let docs: Vec<SchemaDocument> = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(docs.len(), 3);
    assert_subset(&json, &serde_json::to_value(&docs).unwrap(), "8.7.2");
}

/// Structural differences between the RFC's §8.7.1 and our built-in schemas, each for a
/// reason the RFC itself gives.
const ALLOWED: &[&str] = &[
    // §4.1.2 lists `primary` among the sub-attributes of addresses; §8.7.1 omits it.
    "urn:ietf:params:scim:schemas:core:2.0:User:addresses.primary: only in ours",
    // §4.2 and §2.4 give group members a `display`; §8.7.1 omits it.
    "urn:ietf:params:scim:schemas:core:2.0:Group:members.display: only in ours",
];

fn compare(ours: &Value, rfc: &Value, path: &str, diffs: &mut Vec<String>) {
    let empty = Vec::new();
    let ours = ours.as_array().unwrap_or(&empty);
    let rfc = rfc.as_array().unwrap_or(&empty);
    for r in rfc {
        let name = r["name"].as_str().unwrap();
        if !ours.iter().any(|o| o["name"] == r["name"]) {
            diffs.push(format!("{path}{name}: only in the RFC"));
        }
    }
    for o in ours {
        let name = o["name"].as_str().unwrap();
        let p = format!("{path}{name}");
        let Some(r) = rfc.iter().find(|r| r["name"] == o["name"]) else {
            diffs.push(format!("{p}: only in ours"));
            continue;
        };
        for key in [
            "type",
            "multiValued",
            "required",
            "caseExact",
            "mutability",
            "returned",
            "uniqueness",
        ] {
            // Compared where the RFC states the characteristic.
            if let Some(rv) = r.get(key)
                && o.get(key) != Some(rv)
            {
                diffs.push(format!("{p}.{key}: ours {:?}, RFC {rv}", o.get(key)));
            }
        }
        for key in ["canonicalValues", "referenceTypes"] {
            let ov = o.get(key).cloned().unwrap_or(Value::Array(Vec::new()));
            let rv = r.get(key).cloned().unwrap_or(Value::Array(Vec::new()));
            if ov != rv {
                diffs.push(format!("{p}.{key}: ours {ov}, RFC {rv}"));
            }
        }
        compare(
            o.get("subAttributes").unwrap_or(&Value::Null),
            r.get("subAttributes").unwrap_or(&Value::Null),
            &format!("{p}."),
            diffs,
        );
    }
}

#[test]
fn builtin_schemas_match_section_8_7_1() {
    let json = fixture("rfc7643-8.7.1-resource-schemas.json");
    let mut diffs = Vec::new();
    for schema in [
        scim_core::schema::builtin::user(),
        scim_core::schema::builtin::group(),
        scim_core::schema::builtin::enterprise_user(),
    ] {
        let rfc = json
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == schema.id.as_str())
            .unwrap();
        assert_eq!(rfc["name"], schema.name.as_deref().unwrap());
        let ours = serde_json::to_value(&schema).unwrap();
        compare(
            &ours["attributes"],
            &rfc["attributes"],
            &format!("{}:", schema.id),
            &mut diffs,
        );
    }
    let unexpected: Vec<_> = diffs
        .iter()
        .filter(|d| !ALLOWED.contains(&d.as_str()))
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:#?}");
    for allowed in ALLOWED {
        assert!(
            diffs.iter().any(|d| d == allowed),
            "stale allow-list entry: {allowed}"
        );
    }
}
