//! Filter parsing and evaluation: `cargo bench -p scim-benches --bench filter`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use scim_core::SchemaRegistry;
use scim_filter::{CompiledFilter, Parser, parse_filter};

const SIMPLE: &str = r#"userName eq "bjensen""#;
/// Five clauses, 94 characters, with a value path.
const FIVE_90: &str = r#"title pr and userType eq "Employee" and emails[type eq "work" and value co "@ex.com"] or id pr"#;
/// Five clauses with a value path and a URN-qualified attribute (179 characters).
const FIVE_URN: &str = r#"title pr and userType eq "Employee" and emails[type eq "work" and value co "@example.com"] or urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#;

/// The RFC 7643 §8.2 full User, canonicalized.
fn user() -> serde_json::Value {
    serde_json::json!({
      "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
      "id": "2819c223-7f76-453a-919d-413861904646",
      "externalId": "701984",
      "userName": "bjensen@example.com",
      "name": {"formatted": "Ms. Barbara J Jensen, III", "familyName": "Jensen", "givenName": "Barbara",
               "middleName": "Jane", "honorificPrefix": "Ms.", "honorificSuffix": "III"},
      "displayName": "Babs Jensen",
      "nickName": "Babs",
      "profileUrl": "https://login.example.com/bjensen",
      "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
                 {"value": "babs@jensen.org", "type": "home"}],
      "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood",
                     "region": "CA", "postalCode": "91608", "country": "USA",
                     "formatted": "100 Universal City Plaza\nHollywood, CA 91608 USA", "primary": true}],
      "phoneNumbers": [{"value": "555-555-5555", "type": "work"}, {"value": "555-555-4444", "type": "mobile"}],
      "ims": [{"value": "someaimhandle", "type": "aim"}],
      "photos": [{"value": "https://photos.example.com/profilephoto/72930000000Ccne/F", "type": "photo"}],
      "userType": "Employee",
      "title": "Tour Guide",
      "preferredLanguage": "en-US",
      "locale": "en-US",
      "timezone": "America/Los_Angeles",
      "active": true,
      "groups": [{"value": "e9e30dba-f08f-4109-8486-d5c6a331660a", "$ref": "https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a", "display": "Tour Guides"}],
      "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx"}],
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
        "employeeNumber": "701984", "costCenter": "4130", "organization": "Universal Studios",
        "division": "Theme Park", "department": "Tour Operations",
        "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "$ref": "../Users/26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"}
      },
      "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T04:42:34Z",
               "version": "W/\"3694e05e9dff591\"", "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"}
    })
}

fn parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse");
    g.bench_function("simple", |b| {
        b.iter(|| parse_filter(black_box(SIMPLE)).unwrap())
    });
    g.bench_function("five_clauses_94_chars", |b| {
        b.iter(|| parse_filter(black_box(FIVE_90)).unwrap())
    });
    g.bench_function("five_clauses_urn_179_chars", |b| {
        b.iter(|| parse_filter(black_box(FIVE_URN)).unwrap())
    });
    g.finish();

    // Linear in depth: nested parentheses and `not (`, parsed with the limit raised.
    let mut g = c.benchmark_group("parse_nested");
    for depth in [20usize, 10_000] {
        let parser = Parser::new().nest_limit(depth);
        let parens = format!("{}title pr{}", "(".repeat(depth), ")".repeat(depth));
        g.bench_with_input(BenchmarkId::new("parens", depth), &parens, |b, t| {
            b.iter(|| parser.parse_filter(black_box(t)).unwrap())
        });
        let nots = format!("{}title pr{}", "not (".repeat(depth), ")".repeat(depth));
        g.bench_with_input(BenchmarkId::new("not", depth), &nots, |b, t| {
            b.iter(|| parser.parse_filter(black_box(t)).unwrap())
        });
    }
    // The default limit rejects 10,000 levels at level 65.
    let deep = format!("{}title pr{}", "(".repeat(10_000), ")".repeat(10_000));
    g.bench_function("parens/10000_default_limit_error", |b| {
        b.iter(|| parse_filter(black_box(&deep)).unwrap_err())
    });
    g.finish();
}

fn eval(c: &mut Criterion) {
    let registry = SchemaRegistry::builtin();
    let rt = registry.resource_type("User").unwrap();
    let user = user();
    let mut g = c.benchmark_group("eval");
    // Times `CompiledFilter::matches` only: the filter is parsed and compiled once, outside.
    for (name, text) in [
        ("simple", SIMPLE),
        ("five_clauses_94_chars", FIVE_90),
        ("five_clauses_urn_179_chars", FIVE_URN),
    ] {
        let compiled = CompiledFilter::parse_and_compile(text, &registry, rt).unwrap();
        g.bench_function(name, |b| {
            b.iter(|| compiled.matches(black_box(&user)).unwrap())
        });
    }
    g.finish();

    let mut g = c.benchmark_group("compile");
    for (name, text) in [("simple", SIMPLE), ("five_clauses_urn_179_chars", FIVE_URN)] {
        let f = parse_filter(text).unwrap();
        g.bench_function(name, |b| {
            b.iter(|| CompiledFilter::compile(black_box(&f), &registry, rt).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, parse, eval);
criterion_main!(benches);
