//! Criterion benchmarks of the SCIM toolkit; run with `cargo bench -p scim-benches`.

use serde_json::{Value, json};

/// The `i`-th user of the engine benchmarks: a unique `userName`, a `familyName` shared by
/// one user in 1,000, `title` "Engineer" for one in ten, and one work email.
pub fn user(i: usize) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": format!("user{i:06}"),
        "name": {"givenName": format!("Given{i}"), "familyName": format!("Family{}", i % 1000)},
        "displayName": format!("User Number {i}"),
        "title": if i.is_multiple_of(10) { "Engineer" } else { "Clerk" },
        "active": !i.is_multiple_of(3),
        "emails": [{"value": format!("user{i}@example.com"), "type": "work", "primary": true}],
    })
}
