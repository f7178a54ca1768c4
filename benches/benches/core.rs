//! scim-core hot paths: canonicalize, validate and project a full RFC 7643 §8.3 user.

#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use scim_core::project::Projection;
use scim_core::resource::canonicalize;
use scim_core::validate::validate_create;
use scim_core::{Compat, SchemaRegistry};
use serde_json::Value;
use std::hint::black_box;

fn user() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../crates/scim-core/tests/fixtures/rfc7643-8.3-enterprise-user.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn mixed_case(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let k = if k.contains(':') {
                        k.clone()
                    } else {
                        k.to_uppercase()
                    };
                    (k, mixed_case(v))
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(mixed_case).collect()),
        other => other.clone(),
    }
}

fn bench(c: &mut Criterion) {
    let registry = SchemaRegistry::builtin();
    let users = registry.resource_type("Users").unwrap();
    let canonical = user();
    let shouting = mixed_case(&canonical);
    c.bench_function("canonicalize/canonical", |b| {
        b.iter_batched(
            || canonical.clone(),
            |mut v| canonicalize(&mut v, &registry, users, Compat::tolerant()).unwrap(),
            criterion::BatchSize::SmallInput,
        )
    });
    c.bench_function("canonicalize/upper-case keys", |b| {
        b.iter_batched(
            || shouting.clone(),
            |mut v| canonicalize(&mut v, &registry, users, Compat::tolerant()).unwrap(),
            criterion::BatchSize::SmallInput,
        )
    });
    c.bench_function("validate_create/full user", |b| {
        b.iter_batched(
            || canonical.clone(),
            |mut v| validate_create(&mut v, &registry, users, Compat::tolerant()).unwrap(),
            criterion::BatchSize::SmallInput,
        )
    });
    let projection = Projection::new(&registry, users, &["userName", "emails.value"], &[]);
    c.bench_function("project/attributes", |b| {
        b.iter(|| black_box(projection.apply(black_box(&canonical))))
    });
    let excluded = Projection::new(&registry, users, &[], &["groups", "x509Certificates"]);
    c.bench_function("project/excludedAttributes", |b| {
        b.iter(|| black_box(excluded.apply(black_box(&canonical))))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
