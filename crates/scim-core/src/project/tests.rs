use super::*;
use crate::schema::builtin::{ENTERPRISE_USER_URN, USER_URN};
use serde_json::json;

fn user() -> Value {
    json!({
        "schemas": [USER_URN, ENTERPRISE_USER_URN],
        "id": "2819c223",
        "externalId": "bjensen",
        "meta": {"resourceType": "User", "version": "W/\"a330bc54f0671c9\""},
        "userName": "bjensen",
        "password": "t1meMa$heen",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        ENTERPRISE_USER_URN: {"employeeNumber": "701984", "manager": {"value": "26118915", "displayName": "John Smith"}}
    })
}

fn run(attrs: &[&str], excluded: &[&str]) -> Value {
    let registry = SchemaRegistry::builtin();
    let users = registry.resource_type("Users").unwrap();
    let p = Projection::new(&registry, users, attrs, excluded);
    let out = p.apply(&user());
    let mut in_place = user();
    p.apply_mut(&mut in_place);
    assert_eq!(in_place, out, "apply and apply_mut agree");
    assert_eq!(
        serde_json::to_string(&p.view(&user())).unwrap(),
        serde_json::to_string(&out).unwrap(),
        "the view writes what apply copies"
    );
    out
}

#[test]
fn default_returns_everything_but_never() {
    let mut expected = user();
    expected.as_object_mut().unwrap().shift_remove("password");
    assert_eq!(run(&[], &[]), expected);
}

#[test]
fn id_and_schemas_are_always_returned() {
    assert_eq!(
        run(&["userName"], &[]),
        json!({"schemas": [USER_URN, ENTERPRISE_USER_URN], "id": "2819c223", "userName": "bjensen"})
    );
    let out = run(&[], &["id", "schemas", "userName"]);
    assert_eq!(out["id"], "2819c223");
    assert!(out.get("schemas").is_some());
    assert!(out.get("userName").is_none());
}

#[test]
fn password_is_never_returned() {
    assert!(run(&["password"], &[]).get("password").is_none());
    assert!(run(&[USER_URN], &[]).get("password").is_none());
}

#[test]
fn excluding_a_core_attribute_keeps_extensions() {
    let out = run(&[], &["userName", "emails", "name.givenName"]);
    assert_eq!(out[ENTERPRISE_USER_URN], user()[ENTERPRISE_USER_URN]);
    assert_eq!(out["name"], json!({"familyName": "Jensen"}));
    assert!(out.get("emails").is_none());
}

#[test]
fn urn_qualified_paths() {
    let out = run(
        &[
            &format!("{ENTERPRISE_USER_URN}:manager.value"),
            "urn:ietf:params:scim:schemas:core:2.0:User:userName",
        ],
        &[],
    );
    assert_eq!(
        out,
        json!({
            "schemas": [USER_URN, ENTERPRISE_USER_URN], "id": "2819c223", "userName": "bjensen",
            ENTERPRISE_USER_URN: {"manager": {"value": "26118915"}}
        })
    );
    let out = run(&[ENTERPRISE_USER_URN], &[]);
    assert_eq!(out[ENTERPRISE_USER_URN], user()[ENTERPRISE_USER_URN]);
    assert!(out.get("userName").is_none());
    let out = run(&[], &[ENTERPRISE_USER_URN]);
    assert!(out.get(ENTERPRISE_USER_URN).is_none());
    assert_eq!(out["userName"], "bjensen");
}

#[test]
fn multi_valued_sub_attributes() {
    let out = run(&["emails.value"], &[]);
    assert_eq!(
        out["emails"],
        json!([{"value": "bjensen@example.com"}, {"value": "babs@jensen.org"}])
    );
}

#[test]
fn returned_request_attributes() {
    let mut b = SchemaRegistry::builtin_builder();
    b.schema_mut(USER_URN)
        .unwrap()
        .attribute_mut("emails")
        .unwrap()
        .returned = Returned::Request;
    let registry = b.build().unwrap();
    let users = registry.resource_type("Users").unwrap();
    let none: &[&str] = &[];
    let p = Projection::new(&registry, users, none, none);
    assert!(p.apply(&user()).get("emails").is_none());
    let p = Projection::new(&registry, users, &["emails"], none);
    assert!(p.apply(&user()).get("emails").is_some());
}

#[test]
fn unknown_paths_are_ignored() {
    assert_eq!(run(&[], &["nope", "name.nope"]), run(&[], &[]));
}

#[test]
fn named_sub_attributes_that_are_absent_leave_nothing() {
    let out = run(&["name.middleName", "emails.display"], &[]);
    assert!(out.get("name").is_none());
    assert!(out.get("emails").is_none());
}

/// A user with everything the projection must get right: unknown members at every level,
/// empty items, items that are not objects, a complex attribute that is not an object,
/// `returned: never` values, a dotted key and unknown or odd extension objects.
fn odd_user(enterprise: Value) -> Value {
    json!({
        "schemas": [USER_URN, ENTERPRISE_USER_URN],
        "id": "x",
        "userName": "u\"ser",
        "password": "secret",
        "name": {"givenName": "G", "middleName": "M", "unknownSub": 1},
        "emails": [{}, {"value": "a", "display": "A", "primary": true}, "loose",
            {"display": "only"}, {"bogus": 1}],
        "x509Certificates": [],
        "groups": [{"value": "g1", "display": "G1", "type": "direct", "$ref": "https://g/1"}],
        "meta": {"resourceType": "User", "created": "2024-01-01T00:00:00Z",
            "version": "W/\"1\"", "location": "https://x"},
        "addresses": "not-an-array",
        "phoneNumbers": [{}],
        "unknownTop": {"a": 1},
        "name.givenName": "dotted",
        "urn:unknown:ext": {"a": 1},
        ENTERPRISE_USER_URN: enterprise,
    })
}

/// The builtin registry, and one where some (sub-)attributes are `returned: request` or
/// `never`.
fn registries() -> Vec<SchemaRegistry> {
    let mut b = SchemaRegistry::builtin_builder();
    let user = b.schema_mut(USER_URN).unwrap();
    let emails = user.attribute_mut("emails").unwrap();
    for sub in &mut emails.sub_attributes {
        match sub.name.as_str() {
            "display" => sub.returned = Returned::Request,
            "primary" => sub.returned = Returned::Never,
            _ => {}
        }
    }
    user.attribute_mut("title").unwrap().returned = Returned::Request;
    let name = user.attribute_mut("name").unwrap();
    for sub in &mut name.sub_attributes {
        if sub.name == "middleName" {
            sub.returned = Returned::Request;
        }
    }
    let ent = b.schema_mut(ENTERPRISE_USER_URN).unwrap();
    ent.attribute_mut("department").unwrap().returned = Returned::Request;
    let manager = ent.attribute_mut("manager").unwrap();
    for sub in &mut manager.sub_attributes {
        if sub.name == "displayName" {
            sub.returned = Returned::Never;
        }
    }
    vec![SchemaRegistry::builtin(), b.build().unwrap()]
}

#[test]
fn the_view_writes_what_apply_copies() {
    let ent = |rest: &str| format!("{ENTERPRISE_USER_URN}:{rest}");
    let paths: Vec<String> = [
        "userName",
        "title",
        "name",
        "name.givenName",
        "name.middleName",
        "emails",
        "emails.value",
        "emails.display",
        "EMAILS.primary",
        "meta",
        "meta.location",
        "id",
        "schemas",
        "password",
        "groups.value",
        "x509Certificates",
        "addresses.street",
        "phoneNumbers",
        "urn:ietf:params:scim:schemas:core:2.0:User:userName",
        "nope",
        "name.nope",
        ENTERPRISE_USER_URN,
    ]
    .into_iter()
    .map(str::to_owned)
    .chain([
        ent("employeeNumber"),
        ent("department"),
        ent("manager"),
        ent("manager.value"),
        ent("manager.displayName"),
    ])
    .collect();
    let mut sets: Vec<Vec<&str>> = vec![vec![]];
    for (i, a) in paths.iter().enumerate() {
        sets.push(vec![a]);
        for b in &paths[i + 1..] {
            sets.push(vec![a, b]);
        }
    }
    let resources = [
        user(),
        odd_user(
            json!({"employeeNumber": "1", "manager": {"displayName": "only"},
            "nope": 2, "department": "d"}),
        ),
        odd_user(json!({"manager": {"value": "m"}})),
        odd_user(json!({})),
        odd_user(json!("not an object")),
        json!("not an object"),
    ];
    let mut compared = 0;
    for registry in registries() {
        let users = registry.resource_type("Users").unwrap();
        for include in &sets {
            for exclude in sets.iter().filter(|e| include.is_empty() || e.len() < 2) {
                let p = Projection::new(&registry, users, include, exclude);
                for r in &resources {
                    let copied = serde_json::to_string(&p.apply(r)).unwrap();
                    let viewed = serde_json::to_string(&p.view(r)).unwrap();
                    assert_eq!(
                        viewed, copied,
                        "attributes={include:?} excluded={exclude:?}"
                    );
                    compared += 1;
                }
            }
        }
    }
    assert!(compared > 10_000);
}

#[test]
fn added_members_are_projected_where_insert_puts_them() {
    let paths = [
        "meta",
        "meta.location",
        "meta.version",
        "name.givenName",
        "name.honorificPrefix",
        "emails.value",
        "userName",
        ENTERPRISE_USER_URN,
        "unknownTop",
        "nope",
    ];
    let sets: Vec<Vec<&str>> = std::iter::once(vec![])
        .chain(paths.iter().map(|p| vec![*p]))
        .collect();
    let value = json!("https://example.com/Users/x");
    let additions = [
        ("meta", "location"),
        ("meta", "version"),
        ("name", "givenName"),
        ("name", "honorificPrefix"),
        ("name", "nope"),
        ("emails", "value"),
        (ENTERPRISE_USER_URN, "department"),
        ("unknownTop", "b"),
        ("nope", "x"),
    ];
    let resources = [
        user(),
        odd_user(json!({"employeeNumber": "1", "nope": 2})),
        odd_user(json!("not an object")),
        json!({"id": "1", "meta": {}, "name": {}}),
    ];
    for registry in registries() {
        let users = registry.resource_type("Users").unwrap();
        for include in &sets {
            for exclude in &sets {
                let p = Projection::new(&registry, users, include, exclude);
                for r in &resources {
                    for (object, key) in additions {
                        let mut copy = r.clone();
                        if let Some(Value::Object(map)) = copy.get_mut(object) {
                            map.insert(key.to_owned(), value.clone());
                        }
                        assert_eq!(
                            serde_json::to_string(&p.view(r).adding(object, key, &value)).unwrap(),
                            serde_json::to_string(&p.apply(&copy)).unwrap(),
                            "{object}.{key} with attributes={include:?} excluded={exclude:?}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn replaced_members_are_projected_in_their_place() {
    let registry = SchemaRegistry::builtin();
    let users = registry.resource_type("Users").unwrap();
    let meta = json!({"resourceType": "User", "location": "https://x/Users/2819c223"});
    let name = json!({"givenName": "B", "honorificPrefix": "Ms."});
    let absent = json!("never added");
    let members = [
        ("name", name.clone()),
        ("meta", meta.clone()),
        ("nickName", absent),
    ];
    for (attrs, excluded) in [
        (vec![], vec![]),
        (vec!["meta.location", "name.givenName"], vec![]),
        (vec![], vec!["meta.resourceType", "name"]),
    ] {
        let p = Projection::new(&registry, users, &attrs, &excluded);
        let mut replaced = user();
        replaced["meta"] = meta.clone();
        replaced["name"] = name.clone();
        assert_eq!(
            serde_json::to_string(&p.view(&user()).replacing(&members)).unwrap(),
            serde_json::to_string(&p.apply(&replaced)).unwrap()
        );
    }
}
