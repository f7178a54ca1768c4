//! Messages and discovery documents, with the interop rows of INTEROP.md that concern them.

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use scim_core::discovery::{
    AuthenticationScheme, ResourceTypeDocument, SchemaDocument, ServiceProviderConfig,
};
use scim_core::message::{
    BulkMethod, BulkOperation, BulkOperationResponse, BulkRequest, BulkResponse, ListResponse,
    SearchRequest, SortOrder,
};
use scim_core::resource::{Field, Meta, Resource};
use scim_core::{ResourceType, ScimError, ScimType, schema::builtin};
use serde_json::{Value, json};

#[test]
fn attributes_as_a_comma_string_in_a_post_search_body() {
    let req: SearchRequest = serde_json::from_value(json!({
        "attributes": "emails,phoneNumbers",
        "excludedAttributes": ["members"],
        "sortOrder": "Descending"
    }))
    .unwrap();
    assert_eq!(req.attributes, ["emails", "phoneNumbers"]);
    assert_eq!(req.excluded_attributes, ["members"]);
    assert_eq!(req.sort_order, Some(SortOrder::Descending));
}

#[test]
fn start_index_below_1_or_count_negative() {
    let req = SearchRequest::from_query("startIndex=0&count=-5").unwrap();
    assert_eq!(req.effective_start_index(), 1);
    assert_eq!(req.effective_count(200), Some(0));
    assert!(SearchRequest::from_query("count=ten").is_err());
}

#[test]
fn count_above_the_server_maximum() {
    let req = SearchRequest::from_query("count=100000").unwrap();
    assert_eq!(req.effective_count(200), Some(200));
    assert_eq!(SearchRequest::new().effective_count(200), None);
}

#[test]
fn query_parameter_names_in_any_case() {
    let req = SearchRequest::from_query(
        "FILTER=userName%20eq%20%22x%22&SortBy=name.familyName&excludedattributes=members,%20emails",
    )
    .unwrap();
    assert_eq!(req.filter.as_deref(), Some("userName eq \"x\""));
    assert_eq!(req.sort_by.as_deref(), Some("name.familyName"));
    assert_eq!(req.excluded_attributes, ["members", "emails"]);
}

#[test]
fn search_request_serializes_canonically() {
    let mut req = SearchRequest::new();
    req.attributes = vec!["userName".into()];
    req.count = Some(10);
    assert_eq!(
        serde_json::to_value(&req).unwrap(),
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "attributes": ["userName"],
            "count": 10
        })
    );
}

#[test]
fn list_responses_always_carry_every_member() {
    let page = ListResponse::new(vec![json!({"id": "1"})], 5, 0);
    assert_eq!(
        serde_json::to_value(&page).unwrap(),
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": 5, "startIndex": 1, "itemsPerPage": 1,
            "Resources": [{"id": "1"}]
        })
    );
}

#[test]
fn servers_that_omit_resources_or_send_lowercase_resources() {
    let empty: ListResponse<Value> = serde_json::from_value(json!({"totalResults": 0})).unwrap();
    assert!(empty.resources.is_empty());
    assert_eq!(empty.start_index, 1);
    let lower: ListResponse<Resource> =
        serde_json::from_value(json!({"totalResults": 1, "resources": [{"id": "a"}]})).unwrap();
    assert_eq!(lower.resources[0].id(), Some("a"));
}

#[test]
fn cursor_pagination_members() {
    let page: ListResponse<Value> = serde_json::from_value(json!({
        "totalResults": 3, "itemsPerPage": 1, "Resources": [{}], "nextCursor": "abc"
    }))
    .unwrap();
    assert_eq!(page.next_cursor.as_deref(), Some("abc"));
    assert_eq!(serde_json::to_value(&page).unwrap()["nextCursor"], "abc");
}

#[test]
fn bulk_request_and_response() {
    let req: BulkRequest = serde_json::from_value(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "qwerty", "data": {"userName": "Alice"}},
            {"method": "patch", "path": "/Groups/1", "version": "W/\"1\"", "data": {"Operations": []}},
            {"method": "Delete", "path": "/Users/2"}
        ]
    }))
    .unwrap();
    let methods: Vec<_> = req.operations.iter().map(|o| o.method).collect();
    assert_eq!(
        methods,
        [BulkMethod::Post, BulkMethod::Patch, BulkMethod::Delete]
    );
    let out = serde_json::to_value(&req).unwrap();
    assert_eq!(out["Operations"][1]["method"], "PATCH");

    let err = ScimError::of(ScimType::Uniqueness, "userName taken");
    let resp = BulkResponse::new(vec![
        BulkOperationResponse {
            method: BulkMethod::Post,
            bulk_id: Some("qwerty".into()),
            version: Some("W/\"1\"".into()),
            location: Some("https://example.com/v2/Users/92b7".into()),
            status: 201,
            response: None,
        },
        BulkOperationResponse::error(BulkMethod::Post, None, &err),
    ]);
    let v = serde_json::to_value(&resp).unwrap();
    assert_eq!(v["Operations"][0]["status"], "201");
    assert_eq!(v["Operations"][1]["status"], "409");
    assert_eq!(v["Operations"][1]["response"]["scimType"], "uniqueness");
    // A numeric status from a lax server.
    let lax: BulkResponse = serde_json::from_value(json!({
        "Operations": [{"method": "DELETE", "status": 204}]
    }))
    .unwrap();
    assert_eq!(lax.operations[0].status, 204);
    let _ = BulkRequest::new(vec![BulkOperation {
        method: BulkMethod::Delete,
        bulk_id: None,
        version: None,
        path: "/Users/1".into(),
        data: None,
    }]);
}

#[test]
fn service_provider_config_builder() {
    let config = ServiceProviderConfig::new()
        .with_patch(true)
        .with_etag(true)
        .with_authentication_scheme(AuthenticationScheme::http_basic());
    let v = serde_json::to_value(&config).unwrap();
    assert_eq!(
        v["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"])
    );
    assert_eq!(v["patch"], json!({"supported": true}));
    assert_eq!(
        v["bulk"],
        json!({"supported": false, "maxOperations": 0, "maxPayloadSize": 0})
    );
    assert_eq!(v["etag"]["supported"], true);
    assert!(v.get("meta").is_none(), "nulls are omitted");
}

#[test]
fn discovery_documents_match_the_registry_representations() {
    let rt = ResourceType::user();
    let doc = ResourceTypeDocument::new(rt.clone(), Some("/v2/ResourceTypes/User"));
    assert_eq!(
        serde_json::to_value(&doc).unwrap(),
        rt.to_representation(Some("/v2/ResourceTypes/User"))
    );
    let schema = builtin::group();
    let doc = SchemaDocument::new(schema.clone(), Some("/v2/Schemas/g"));
    assert_eq!(
        serde_json::to_value(&doc).unwrap(),
        schema.to_representation(Some("/v2/Schemas/g"))
    );
}

#[test]
fn resources_have_case_insensitive_access() {
    let mut r = Resource::from_value(
        "User",
        json!({"id": "1", "userName": "a", "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}),
    )
    .unwrap();
    assert_eq!(r.get("USERNAME"), Some(&json!("a")));
    assert_eq!(r.insert("UserName", json!("b")), Some(json!("a")));
    assert_eq!(
        r.as_map().keys().collect::<Vec<_>>(),
        ["id", "schemas", "UserName"]
    );
    assert_eq!(r.remove("username"), Some(json!("b")));
    assert_eq!(
        r.schemas().collect::<Vec<_>>(),
        ["urn:ietf:params:scim:schemas:core:2.0:User"]
    );
    let now = chrono::DateTime::parse_from_rfc3339("2024-01-02T03:04:05.250Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    r.set_meta(&Meta::new("User", now).with_version("W/\"1\""));
    assert_eq!(
        r.get("meta").unwrap()["created"],
        "2024-01-02T03:04:05.250Z"
    );
    assert_eq!(r.meta().unwrap().version.as_deref(), Some("W/\"1\""));
    assert!(Resource::from_value("User", json!([])).is_err());
}

#[test]
fn typed_fields_keep_not_sent_null_and_set_apart() {
    let u: scim_core::resource::User = serde_json::from_value(
        json!({"userName": "a", "title": null, "name": {"givenName": null}}),
    )
    .unwrap();
    assert!(u.display_name.is_absent());
    assert!(u.title.is_null());
    assert!(u.name.value().unwrap().given_name.is_null());
    assert_eq!(u.user_name, Field::Value("a".to_owned()));
    assert_eq!(
        serde_json::to_value(&u).unwrap(),
        json!({"userName": "a", "title": null, "name": {"givenName": null}})
    );
}

#[test]
fn typed_decoding_errors_name_the_attribute() {
    let r = Resource::from_value("User", json!({"userName": "a", "active": "yes"})).unwrap();
    let err = r.to_typed::<scim_core::resource::User>().unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
    assert!(
        err.detail().starts_with("User: active:"),
        "{}",
        err.detail()
    );
}

#[test]
fn schema_documents_list_every_registered_schema() {
    let registry = scim_core::SchemaRegistry::builtin();
    let docs = scim_core::discovery::schema_documents(&registry, "https://example.com/v2");
    let ids: Vec<_> = docs.iter().map(|d| d.schema.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            builtin::USER_URN,
            builtin::ENTERPRISE_USER_URN,
            builtin::GROUP_URN
        ]
    );
    assert_eq!(
        docs[0].meta.as_ref().unwrap().location.as_deref(),
        Some("https://example.com/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User")
    );
}

#[test]
fn built_resources_validate_in_strict_mode() {
    use scim_core::resource::{Badge, EnterpriseUser, Group, Manager, User};
    let registry = scim_core::SchemaRegistry::builder()
        .schema(builtin::user())
        .schema(builtin::enterprise_user())
        .schema(builtin::group())
        .schema(builtin::badge())
        .resource_type(ResourceType::user().with_extension(builtin::BADGE_URN, false))
        .resource_type(ResourceType::group())
        .build()
        .unwrap();
    let user = User::builder("ann.lee")
        .given_name("Ann")
        .family_name("Lee")
        .email("ann@example.com", Some("work"), true)
        .active(true)
        .enterprise(
            EnterpriseUser::builder()
                .department("R&D")
                .manager(Manager::new("26118915"))
                .build(),
        )
        .extension(Badge::URN, &Badge::builder().badge("B-1", None).build())
        .try_build()
        .unwrap();
    let body = serde_json::to_value(&user).unwrap();
    let mut v = body.clone();
    let users = registry.resource_type("Users").unwrap();
    scim_core::validate::validate_create(&mut v, &registry, users, scim_core::Compat::strict())
        .unwrap();
    assert_eq!(v, body);

    let group = Group::builder("Tour Guides")
        .member("2819c223", Some("Babs"))
        .build();
    let body = serde_json::to_value(&group).unwrap();
    let mut v = body.clone();
    let groups = registry.resource_type("Groups").unwrap();
    scim_core::validate::validate_create(&mut v, &registry, groups, scim_core::Compat::strict())
        .unwrap();
    assert_eq!(v, body);
}
