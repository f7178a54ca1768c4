#![no_main]
//! Arbitrary text as a PATCH path: parsing never panics; what parses prints
//! to text that re-parses equal, resolves, and its value filter evaluates.

use libfuzzer_sys::fuzz_target;
use scim_core::SchemaRegistry;
use scim_filter::{parse_path, resolve_patch_path};
use std::sync::OnceLock;

fn registry() -> &'static SchemaRegistry {
    static R: OnceLock<SchemaRegistry> = OnceLock::new();
    R.get_or_init(SchemaRegistry::builtin)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(path) = parse_path(text) else {
        return;
    };
    let printed = path.to_string();
    match parse_path(&printed) {
        Ok(again) => assert_eq!(again, path, "{printed:?}"),
        Err(e) => panic!("{printed:?} does not re-parse: {e}"),
    }
    let registry = registry();
    for rt_name in ["User", "Group"] {
        let Some(rt) = registry.resource_type(rt_name) else {
            continue;
        };
        if let Ok(resolved) = resolve_patch_path(&path, registry, rt)
            && let Some(f) = &resolved.value_filter
        {
            for element in [
                serde_json::json!({"value": "a@b.c", "type": "work", "primary": true}),
                serde_json::json!({"value": "2819c223", "display": "Ann", "$ref": "x"}),
                serde_json::json!("plain"),
                serde_json::json!(null),
            ] {
                let _ = f.matches_element(&element);
            }
        }
    }
});
