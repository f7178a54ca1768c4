#![no_main]
//! Arbitrary bytes as resource JSON: canonicalize, validate (create and replace, strict and
//! tolerant), typed views and projection never panic; canonicalize is idempotent, and a
//! validated resource validates again unchanged.

use libfuzzer_sys::fuzz_target;
use scim_core::project::Projection;
use scim_core::resource::{Group, Resource, TypedResource, User, canonicalize};
use scim_core::validate::{validate_create, validate_replace};
use scim_core::{Compat, SchemaRegistry};

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let registry = SchemaRegistry::builtin();
    for endpoint in ["Users", "Groups"] {
        let Some(rt) = registry.resource_type(endpoint) else {
            return;
        };
        for compat in [Compat::strict(), Compat::tolerant()] {
            let mut once = value.clone();
            if canonicalize(&mut once, &registry, rt, compat).is_ok() {
                let mut twice = once.clone();
                assert!(canonicalize(&mut twice, &registry, rt, compat).is_ok());
                assert_eq!(twice, once, "canonicalize is idempotent");
            }
            let mut created = value.clone();
            if validate_create(&mut created, &registry, rt, compat).is_ok() {
                let mut again = created.clone();
                assert!(validate_create(&mut again, &registry, rt, compat).is_ok());
                assert_eq!(again, created, "validation is idempotent");
                let mut replaced = value.clone();
                let _ = validate_replace(&mut replaced, &created, &registry, rt, compat);
            }
        }
        let _ = Projection::new(&registry, rt, &["userName", "members.value"], &["emails"])
            .apply(&value);
        if let Ok(generic) = Resource::from_value(rt.name.clone(), value.clone()) {
            if let Ok(user) = User::from_resource(&generic) {
                let _ = user.into_resource();
            }
            if let Ok(group) = Group::from_resource(&generic) {
                let _ = group.into_resource();
            }
        }
    }
});
