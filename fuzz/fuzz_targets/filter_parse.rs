#![no_main]
//! Arbitrary text as a filter: parsing never panics; what parses prints to
//! text that re-parses equal, normalizes, compiles and evaluates without panics.

use libfuzzer_sys::fuzz_target;
use scim_core::SchemaRegistry;
use scim_filter::{CompileOptions, CompiledFilter, Parser, UnknownAttributes};
use std::sync::OnceLock;

fn fixtures() -> &'static (SchemaRegistry, serde_json::Value) {
    static F: OnceLock<(SchemaRegistry, serde_json::Value)> = OnceLock::new();
    F.get_or_init(|| {
        let user = serde_json::json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "2819c223", "userName": "bjensen", "active": true,
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
                       {"value": "babs@jensen.org", "type": "home"}],
            "meta": {"lastModified": "2011-05-13T04:42:34Z", "resourceType": "User"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "employeeNumber": "701984", "manager": {"value": "26118915"}},
            "x": [1, "two", true, null, {"y": false}]
        });
        (SchemaRegistry::builtin(), user)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // A raised limit exercises the deep-tree paths (drop, print, compare, evaluate).
    let parser = Parser::new().nest_limit(100_000);
    let Ok(filter) = parser.parse_filter(text) else {
        return;
    };
    let printed = filter.to_string();
    let again = match parser.parse_filter(&printed) {
        Ok(f) => f,
        Err(e) => panic!("{printed:?} does not re-parse: {e}"),
    };
    assert_eq!(again, filter, "{printed:?}");
    let normal = filter.clone().normalize();
    assert!(normal.is_normalized());
    let (registry, user) = fixtures();
    let Some(rt) = registry.resource_type("User") else {
        return;
    };
    let options = CompileOptions::new().unknown_attributes(UnknownAttributes::Dynamic);
    if let Ok(compiled) = CompiledFilter::compile_with(&filter, registry, rt, options) {
        let a = compiled.matches(user);
        // Normalizing never changes the meaning.
        if let Ok(c2) = CompiledFilter::compile_with(&normal, registry, rt, options) {
            assert_eq!(a, c2.matches(user), "{printed:?}");
        }
    }
});
