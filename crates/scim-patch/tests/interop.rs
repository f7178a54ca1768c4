//! One test per PATCH row of INTEROP.md, each run under both profiles by the
//! `TestedProfiles` helper (`common::profiles`), naming the quirk that makes them differ.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;
use scim_core::{
    AttributeDef, AttributeType, Quirk, ResourceType, Schema, SchemaRegistry, ScimType,
};
use scim_patch::{Compat, Patcher};
use serde_json::json;

/// "PATCH keys and op names capitalized".
#[test]
fn patch_keys_and_op_names_capitalized() {
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"Op": "Replace", "Path": "userName", "Value": "x"}]});
    assert_eq!(
        ok(&user(), &body, Some(Quirk::PatchKeyCase))["userName"],
        "x"
    );
    let body = ops(json!([{"op": "Add", "path": "title", "value": "Boss"}]));
    assert_eq!(
        ok(&user(), &body, Some(Quirk::PatchKeyCase))["title"],
        "Boss"
    );
}

/// "attribute names in any case": RFC 7643 §2.1, so both profiles; written canonically.
#[test]
fn attribute_names_in_any_case() {
    let body = ops(json!([
        {"op": "replace", "path": "USERNAME", "value": "x"},
        {"op": "replace", "path": "Name.GivenName", "value": "Ann"},
        {"op": "add", "value": {"NickName": "N", "Emails": [{"Value": "n@x.example", "TYPE": "other"}]}}
    ]));
    let out = ok(&user(), &body, None);
    assert_eq!(out["userName"], "x");
    assert_eq!(out["name"]["givenName"], "Ann");
    assert_eq!(out["nickName"], "N");
    assert_eq!(
        out["emails"][2],
        json!({"value": "n@x.example", "type": "other"})
    );
    assert!(out.get("NickName").is_none() && out.get("USERNAME").is_none());
}

/// "two keys in one object that differ only in case".
#[test]
fn two_keys_differing_only_in_case() {
    let body =
        ops(json!([{"op": "add", "path": "name", "value": {"givenName": "a", "GIVENNAME": "b"}}]));
    assert_eq!(err(&user(), &body, None), ScimType::InvalidSyntax);
    let body = ops(json!([{"op": "add", "path": "title", "value": "a", "Value": "b"}]));
    assert_eq!(
        run(Compat::tolerant(), &user(), &body).0,
        Err(ScimType::InvalidSyntax)
    );
}

/// "booleans sent as strings".
#[test]
fn booleans_sent_as_strings() {
    let body = ops(json!([{"op": "replace", "path": "active", "value": "False"}]));
    assert_eq!(
        ok(&user(), &body, Some(Quirk::BooleanStrings))["active"],
        json!(false)
    );
    assert_eq!(strict(&user(), &body), Err(ScimType::InvalidValue));
    let body = ops(
        json!([{"op": "replace", "path": "emails[type eq \"home\"].primary", "value": "TRUE"}]),
    );
    let out = ok(&user(), &body, Some(Quirk::BooleanStrings));
    assert_eq!(out["emails"][1]["primary"], json!(true));
    assert!(out["emails"][0].get("primary").is_none(), "primary moved");
    let body = ops(json!([{"op": "replace", "path": "active", "value": "yes"}]));
    assert_eq!(err(&user(), &body, None), ScimType::InvalidValue);
}

fn registry_with_numbers() -> SchemaRegistry {
    let ext = Schema::new(
        "urn:example:params:scim:schemas:extension:locker:2.0:User",
        "Locker",
        vec![
            AttributeDef::new("lockerNumber", AttributeType::Integer),
            AttributeDef::new("deposit", AttributeType::Decimal),
        ],
    );
    SchemaRegistry::builder()
        .schema(scim_core::schema::builtin::user())
        .schema(ext)
        .resource_type(ResourceType::new("User", "/Users", USER).with_extension(
            "urn:example:params:scim:schemas:extension:locker:2.0:User",
            false,
        ))
        .build()
        .unwrap()
}

/// "numbers sent as strings for integer/decimal attributes".
#[test]
fn numbers_sent_as_strings() {
    let reg = registry_with_numbers();
    let urn = "urn:example:params:scim:schemas:extension:locker:2.0:User";
    let mut u =
        json!({"schemas": [USER], "id": "1", "userName": "a", "meta": {"resourceType": "User"}});
    let body = ops(json!([
        {"op": "add", "path": format!("{urn}:lockerNumber"), "value": "42"},
        {"op": "add", "path": format!("{urn}:deposit"), "value": "12.5"}
    ]));
    let strict = Patcher::new(&reg).with_compat(Compat::strict());
    let e = strict.apply_json(&mut u.clone(), &body).unwrap_err();
    assert_eq!(e.scim_type(), ScimType::InvalidValue);
    let only = Patcher::new(&reg).with_compat(Compat::strict().with(Quirk::NumericStrings));
    only.apply_json(&mut u, &body).unwrap();
    assert_eq!(u[urn], json!({"lockerNumber": 42, "deposit": 12.5}));
    let bad = ops(json!([{"op": "replace", "path": format!("{urn}:lockerNumber"), "value": "4x"}]));
    let e = Patcher::new(&reg).apply_json(&mut u, &bad).unwrap_err();
    assert_eq!(e.scim_type(), ScimType::InvalidValue);
}

/// "PATCH without path, with dotted or URN-qualified keys".
#[test]
fn pathless_with_dotted_or_urn_qualified_keys() {
    let body = ops(json!([{"op": "replace", "value": {
        "name.givenName": "Ann",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "R&D"
    }}]));
    let out = ok(&user(), &body, Some(Quirk::PathlessKeysAsPaths));
    assert_eq!(out["name"]["givenName"], "Ann");
    assert_eq!(out["name"]["familyName"], "Jensen");
    assert_eq!(out[ENT]["department"], "R&D");
    assert_eq!(strict(&user(), &body), Err(ScimType::InvalidPath));
}

/// "PATCH without path, with a whole extension object": RFC, both profiles.
#[test]
fn pathless_with_whole_extension_object() {
    let body = ops(json!([{"op": "add", "value": {ENT: {"employeeNumber": "7"}}}]));
    let out = ok(&user(), &body, None);
    assert_eq!(out[ENT]["employeeNumber"], "7");
    assert_eq!(out[ENT]["costCenter"], "4130", "merged, not replaced");
}

/// "remove of members by value list" (and the strict safety rule).
#[test]
fn remove_of_members_by_value_list() {
    let g = group(3);
    let body = ops(json!([{"op": "remove", "path": "members", "value": [{"value": "m000001"}]}]));
    let out = ok(&g, &body, Some(Quirk::RemoveMembersByValue));
    let values: Vec<_> = out["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].clone())
        .collect();
    assert_eq!(values, [json!("m000000"), json!("m000002")]);
    // Strict: refused with 400, never read as "remove all members".
    let (res, e) = run(Compat::strict(), &g, &body);
    assert_eq!(res, Err(ScimType::InvalidValue));
    let e = e.unwrap();
    assert_eq!(e.status(), 400);
    assert_eq!(e.operation(), Some(0));
    assert_eq!(e.path(), Some("members"));
}

/// "remove of members by filter".
#[test]
fn remove_of_members_by_filter() {
    let body = ops(json!([{"op": "remove", "path": "members[value eq \"m000002\"]"}]));
    let out = ok(&group(3), &body, None);
    assert_eq!(out["members"].as_array().unwrap().len(), 2);
}

/// "replace of the primary email", including the tolerant fallback.
#[test]
fn replace_of_the_primary_email() {
    let body =
        ops(json!([{"op": "replace", "path": "emails[primary eq true].value", "value": "a@b.c"}]));
    let out = ok(&user(), &body, None);
    assert_eq!(
        out["emails"][0],
        json!({"value": "a@b.c", "type": "work", "primary": true})
    );
    // No primary email, exactly one email: tolerant sets it.
    let mut one = user();
    one["emails"] = json!([{"value": "x@y.z", "type": "work"}]);
    let out = ok(&one, &body, Some(Quirk::PrimaryEmailFallback));
    assert_eq!(out["emails"], json!([{"value": "a@b.c", "type": "work"}]));
    assert_eq!(strict(&one, &body), Err(ScimType::NoTarget));
    // No primary, two emails: noTarget in both.
    let mut two = user();
    two["emails"][0]
        .as_object_mut()
        .unwrap()
        .shift_remove("primary");
    assert_eq!(err(&two, &body, None), ScimType::NoTarget);
}

/// The connector body `{"Op":"Replace","Path":"emails[primary eq true].value","Value":"…"}`.
#[test]
fn connector_replace_primary_email_capitalized() {
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"Op": "Replace", "Path": "emails[primary eq true].value", "Value": "new@example.com"}]});
    let out = ok(&user(), &body, Some(Quirk::PatchKeyCase));
    assert_eq!(out["emails"][0]["value"], "new@example.com");
}

/// The connector bodies: members add and remove with `[{"value": "<id>"}]`.
#[test]
fn connector_members_add_and_remove_by_value() {
    let add = ops(json!([{"op": "add", "path": "members", "value": [{"value": "u-42"}]}]));
    let out = ok(&group(2), &add, None);
    assert_eq!(out["members"][2], json!({"value": "u-42"}));
    let remove = ops(json!([{"op": "remove", "path": "members", "value": [{"value": "u-42"}]}]));
    let back = ok(&out, &remove, Some(Quirk::RemoveMembersByValue));
    assert_eq!(back, group(2));
}

/// "add of a multi-valued item that already exists": no duplicate, no error, no change.
#[test]
fn add_of_a_multi_valued_item_that_already_exists() {
    let g = group(3);
    let body = ops(json!([{"op": "add", "path": "members", "value": [{"value": "m000001"}]}]));
    assert_eq!(ok(&g, &body, None), g);
    let mut r = g.clone();
    let outcome = Patcher::new(registry()).apply_json(&mut r, &body).unwrap();
    assert!(outcome.is_noop());
    // Case-insensitively too (members.value is not caseExact), and for emails.
    let body = ops(
        json!([{"op": "add", "path": "emails", "value": [{"value": "BABS@jensen.org", "type": "home"}]}]),
    );
    assert_eq!(
        ok(&user(), &body, None)["emails"].as_array().unwrap().len(),
        2
    );
}

/// "`emails[type eq "work"].value` replace when no work email exists".
#[test]
fn filtered_replace_upsert_of_work_email() {
    let mut u = user();
    u["emails"] = json!([{"value": "babs@jensen.org", "type": "home"}]);
    let body = ops(
        json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "w@x.example"}]),
    );
    let out = ok(&u, &body, Some(Quirk::FilteredReplaceUpsert));
    assert_eq!(
        out["emails"][1],
        json!({"type": "work", "value": "w@x.example"})
    );
    assert_eq!(strict(&u, &body), Err(ScimType::NoTarget));
    // When a work email exists, both replace it.
    let out = ok(&user(), &body, None);
    assert_eq!(out["emails"][0]["value"], "w@x.example");
    assert_eq!(out["emails"].as_array().unwrap().len(), 2);
}

/// "`primary: true` on two items".
#[test]
fn primary_true_on_two_items() {
    let body = ops(json!([{"op": "add", "path": "emails", "value": [
        {"value": "p1@x.example", "primary": true}, {"value": "p2@x.example", "primary": true}
    ]}]));
    let out = ok(&user(), &body, Some(Quirk::KeepLastPrimary));
    let primaries: Vec<_> = out["emails"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["primary"] == json!(true))
        .map(|e| e["value"].clone())
        .collect();
    assert_eq!(primaries, [json!("p2@x.example")]);
    assert_eq!(strict(&user(), &body), Err(ScimType::InvalidValue));
}

/// `primary: true` set on one element clears it on the others (RFC 7643 §2.4).
#[test]
fn primary_on_one_element_clears_the_others() {
    let body = ops(
        json!([{"op": "add", "path": "emails", "value": [{"value": "new@x.example", "primary": true}]}]),
    );
    let out = ok(&user(), &body, None);
    assert!(out["emails"][0].get("primary").is_none());
    assert_eq!(out["emails"][2]["primary"], json!(true));
}

/// "path-less replace that repeats read-only values unchanged (Okta)".
#[test]
fn pathless_replace_repeating_read_only_values_unchanged() {
    let u = user();
    let body = ops(json!([{"op": "replace", "value": {
        "id": u["id"], "schemas": u["schemas"], "meta": u["meta"], "displayName": "New"
    }}]));
    let out = ok(&u, &body, Some(Quirk::IgnoreUnchangedReadOnly));
    assert_eq!(out["displayName"], "New");
    assert_eq!(strict(&u, &body), Err(ScimType::Mutability));
    let changed = ops(json!([{"op": "replace", "value": {"id": "other", "displayName": "New"}}]));
    assert_eq!(err(&u, &changed, None), ScimType::Mutability);
}

/// "unknown members in the PatchOp or its operations (Entra test suites)".
#[test]
fn unknown_members_in_the_patchop_or_its_operations() {
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "id": "x",
        "Operations": [{"name": "addMember", "op": "add", "path": "members", "value": [{"value": "n"}]}]});
    let out = ok(&group(1), &body, Some(Quirk::IgnoreUnknownPatchMembers));
    assert_eq!(out["members"][1]["value"], "n");
    assert_eq!(strict(&group(1), &body), Err(ScimType::InvalidSyntax));
}

/// "several adds that target one filtered element (Entra)".
#[test]
fn several_adds_to_one_filtered_element() {
    let mut u = user();
    u.as_object_mut().unwrap().shift_remove("addresses");
    let body = ops(json!([
        {"op": "add", "path": "addresses[type eq \"work\"].locality", "value": "Redmond"},
        {"op": "add", "path": "addresses[type eq \"work\"].region", "value": "WA"},
        {"op": "add", "path": "addresses[type eq \"work\"].postalCode", "value": "98052"}
    ]));
    let out = ok(&u, &body, Some(Quirk::FilteredAddUpsert));
    assert_eq!(
        out["addresses"],
        json!([
            {"type": "work", "locality": "Redmond", "region": "WA", "postalCode": "98052"}
        ])
    );
    assert_eq!(strict(&u, &body), Err(ScimType::NoTarget));
}

/// "single-valued complex attribute sent as a one-item array (Entra `manager`)".
#[test]
fn single_valued_complex_sent_as_one_item_array() {
    let body = ops(json!([{"op": "Add", "path": "manager", "value": [{"value": "26118915"}]}]));
    let out = ok(&user(), &body, Some(Quirk::PatchKeyCase));
    assert_eq!(out[ENT]["manager"]["value"], "26118915");
    assert_eq!(
        out[ENT]["manager"]["displayName"], "John Smith",
        "siblings kept"
    );
    let body = ops(json!([{"op": "add", "path": "manager", "value": [{"value": "26118915"}]}]));
    ok(&user(), &body, Some(Quirk::UnwrapSingleItemArrays));
    // A value filter on it matches or not.
    let hit = ops(
        json!([{"op": "remove", "path": format!("{ENT}:manager[value eq \"26118915-6090-4610-87e4-49d8ca9f808d\"]")}]),
    );
    let out = ok(&user(), &hit, Some(Quirk::UnwrapSingleItemArrays));
    assert!(out[ENT].get("manager").is_none());
    let miss = ops(json!([{"op": "remove", "path": "manager[value eq \"nobody\"]"}]));
    assert_eq!(
        run(Compat::tolerant(), &user(), &miss).0,
        Err(ScimType::NoTarget)
    );
    assert_eq!(strict(&user(), &miss), Err(ScimType::InvalidPath));
}

/// "`add` on a single-valued attribute that already has a value": it is replaced.
#[test]
fn add_on_single_valued_attribute_replaces() {
    let body = ops(json!([{"op": "add", "path": "externalId", "value": "new-ext"}]));
    assert_eq!(ok(&user(), &body, None)["externalId"], "new-ext");
}

/// "member items with `"$ref": null` or `displayName` instead of `display`".
#[test]
fn member_items_with_null_ref_and_display_name() {
    let body = ops(json!([{"op": "add", "path": "members", "value": [
        {"value": "id-9", "$ref": null, "displayName": "Ann"}
    ]}]));
    let out = ok(&group(0), &body, Some(Quirk::MemberAliases));
    assert_eq!(out["members"], json!([{"value": "id-9", "display": "Ann"}]));
}

/// "`replace members` with `[]`".
#[test]
fn replace_members_with_empty_array() {
    let body = ops(json!([{"op": "replace", "path": "members", "value": []}]));
    let out = ok(&group(5), &body, None);
    assert!(out.get("members").is_none());
    let body = ops(json!([{"op": "replace", "value": {"members": []}}]));
    assert!(ok(&group(5), &body, None).get("members").is_none());
}

/// Unknown attributes: ignored when tolerant, `invalidPath` when strict.
#[test]
fn unknown_attributes_in_paths_and_values() {
    let body = ops(json!([{"op": "replace", "path": "favoriteColor", "value": "blue"}]));
    assert_eq!(
        ok(&user(), &body, Some(Quirk::IgnoreUnknownAttributes)),
        user()
    );
    let body = ops(json!([{"op": "add", "value": {"favoriteColor": "blue", "title": "T"}}]));
    assert_eq!(
        ok(&user(), &body, Some(Quirk::IgnoreUnknownAttributes))["title"],
        "T"
    );
    assert_eq!(strict(&user(), &body), Err(ScimType::InvalidPath));
}
