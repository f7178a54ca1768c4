//! Evaluation: the data-driven corpus in `testdata/eval.json`, sorting, PATCH
//! path resolution and the compiled fold.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::cmp::Ordering;

use scim_core::schema::builtin;
use scim_core::{AttributeDef, AttributeType, ResourceType, Schema, SchemaRegistry};
use scim_filter::{
    CompareOp, CompileOptions, CompiledFilter, CompiledFold, ErrorKind, Literal, ResolvedAttr,
    SortKey, SortOrder, UnknownAttributes, parse_attr_path, parse_filter, parse_path,
    resolve_patch_path,
};
use serde_json::{Value, json};

const TEST_EXT: &str = "urn:example:params:scim:schemas:extension:test:2.0:User";

/// The built-in schemas plus a test extension with every attribute type.
fn registry() -> SchemaRegistry {
    let ext = Schema::new(
        TEST_EXT,
        "Test",
        vec![
            AttributeDef::new("count", AttributeType::Integer),
            AttributeDef::new("score", AttributeType::Decimal),
            AttributeDef::new("blob", AttributeType::Binary),
            AttributeDef::date_time("since"),
            AttributeDef::boolean("flags").multi(),
            AttributeDef::string("tags").multi(),
            AttributeDef::string("code").case_exact(),
        ],
    );
    SchemaRegistry::builder()
        .schema(builtin::user())
        .schema(builtin::enterprise_user())
        .schema(ext)
        .schema(builtin::group())
        .resource_type(ResourceType::user().with_extension(TEST_EXT, false))
        .resource_type(ResourceType::group())
        .build()
        .unwrap()
}

#[test]
fn corpus() {
    let data: Value =
        serde_json::from_str(include_str!("../testdata/eval.json")).expect("testdata/eval.json");
    let registry = registry();
    let mut failures = Vec::new();
    let cases = data["cases"].as_array().unwrap();
    assert!(cases.len() >= 100, "{}", cases.len());
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let text = case["filter"].as_str().unwrap();
        let resource = &data["resources"][case["on"].as_str().unwrap()];
        assert!(resource.is_object(), "{name}: unknown resource");
        let rt = registry
            .resource_type(case["type"].as_str().unwrap_or("User"))
            .unwrap();
        let options = match case["mode"].as_str() {
            Some("dynamic") => CompileOptions::new().unknown_attributes(UnknownAttributes::Dynamic),
            _ => CompileOptions::new(),
        };
        let filter = parse_filter(text).unwrap_or_else(|e| panic!("{name}: {}", e.render()));
        let got = match CompiledFilter::compile_with(&filter, &registry, rt, options) {
            Err(e) => {
                assert_eq!(e.scim_type(), scim_core::ScimType::InvalidFilter);
                json!("compile_error")
            }
            Ok(c) => match c.matches(resource) {
                Ok(b) => json!(b),
                Err(e) => {
                    assert_eq!(
                        e.to_scim_error().scim_type(),
                        Some(scim_core::ScimType::InvalidFilter)
                    );
                    json!("eval_error")
                }
            },
        };
        if got != case["expect"] {
            failures.push(format!(
                "{name}: {text}: expected {}, got {got}",
                case["expect"]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn compile_errors_point_into_the_text() {
    let registry = registry();
    let rt = registry.resource_type("User").unwrap();
    let text = r#"userName eq "x" and active gt true"#;
    let e = CompiledFilter::parse_and_compile(text, &registry, rt).unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::OperatorNotAllowed {
            op: CompareOp::Gt,
            attr_type: "boolean"
        }
    );
    snapbox::assert_data_eq!(
        e.render(),
        snapbox::str![[r#"
userName eq "x" and active gt true
                           ^^
operator "gt" not allowed on a boolean at byte 27
"#]]
    );
    let e = CompiledFilter::parse_and_compile("shoeSize eq 9", &registry, rt).unwrap_err();
    snapbox::assert_data_eq!(
        e.to_string(),
        snapbox::str![[r#"unknown attribute "shoeSize" at byte 0"#]]
    );
    let e =
        CompiledFilter::parse_and_compile(r#"meta.created lt "soon""#, &registry, rt).unwrap_err();
    snapbox::assert_data_eq!(
        e.render(),
        snapbox::str![[r#"
meta.created lt "soon"
                ^^^^^^
expected a dateTime such as "2011-05-13T04:42:34Z" at byte 16
"#]]
    );
}

#[test]
fn deep_filters_evaluate_without_recursion() {
    let registry = registry();
    let rt = registry.resource_type("User").unwrap();
    let user = json!({"userName": "bjensen", "active": true});
    let n = 20_000;
    let nots = format!(
        "{}userName eq \"bjensen\"{}",
        "not (".repeat(n),
        ")".repeat(n)
    );
    let mixed: String = (0..n)
        .map(|i| {
            if i % 2 == 0 {
                "active eq false or ("
            } else {
                "userName pr and ("
            }
        })
        .collect::<String>()
        + "userName sw \"bj\""
        + &")".repeat(n);
    for (text, expect) in [(&nots, true), (&mixed, true)] {
        let f = scim_filter::Parser::new()
            .nest_limit(n)
            .parse_filter(text)
            .unwrap();
        let c = CompiledFilter::compile(&f, &registry, rt).unwrap();
        assert_eq!(c.matches(&user).unwrap(), expect);
        let _ = format!("{c:?}");
        let c2 = c.clone();
        drop(c);
        drop(f);
        drop(c2);
    }
    // 300 terms in one `or` node.
    let many = (0..300)
        .map(|i| format!("userName eq \"u{i}\""))
        .collect::<Vec<_>>()
        .join(" or ");
    let c = CompiledFilter::parse_and_compile(&many, &registry, rt).unwrap();
    assert!(!c.matches(&user).unwrap());
    assert!(c.matches(&json!({"userName": "U299"})).unwrap());
}

#[test]
fn normalizing_keeps_the_meaning() {
    let registry = registry();
    let rt = registry.resource_type("User").unwrap();
    let user = json!({"userName": "bjensen", "title": "Boss", "active": true});
    for text in [
        r#"userName pr and (title pr and (active eq false or (nickName pr or title eq "boss")))"#,
        r#"(userName pr or title pr) and not (active eq true and (title pr and nickName pr))"#,
    ] {
        let f = parse_filter(text).unwrap();
        let n = f.clone().normalize();
        assert!(n.is_normalized());
        let a = CompiledFilter::compile(&f, &registry, rt).unwrap();
        let b = CompiledFilter::compile(&n, &registry, rt).unwrap();
        assert_eq!(a.matches(&user), b.matches(&user), "{text}");
    }
}

fn sorted(key: &str, order: SortOrder, resources: &[Value]) -> Vec<String> {
    let registry = registry();
    let rt = registry.resource_type("User").unwrap();
    let k = SortKey::compile(&parse_attr_path(key).unwrap(), &registry, rt).unwrap();
    let mut v: Vec<&Value> = resources.iter().collect();
    v.sort_by(|a, b| k.compare(a, b, order));
    v.iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn sort_by() {
    let users = [
        json!({"id": "1", "userName": "bob", "title": "Zookeeper", "meta": {"lastModified": "2011-05-13T04:42:34Z"}, "emails": [{"value": "z@x", "primary": false}, {"value": "b@x", "primary": true}]}),
        json!({"id": "2", "userName": "Alice", "meta": {"lastModified": "2011-05-13T05:42:34+02:00"}, "emails": [{"value": "c@x"}]}),
        json!({"id": "3", "userName": "carol", "title": "analyst", "meta": {"lastModified": "2011-05-13T04:42:34.5Z"}}),
        json!({"id": "4", "userName": "Dave", "title": ""}),
    ];
    // Case-insensitive strings; missing values last ascending, first descending.
    assert_eq!(
        sorted("userName", SortOrder::Ascending, &users),
        ["2", "1", "3", "4"]
    );
    assert_eq!(
        sorted("title", SortOrder::Ascending, &users),
        ["3", "1", "2", "4"]
    );
    assert_eq!(
        sorted("title", SortOrder::Descending, &users),
        ["2", "4", "1", "3"]
    );
    // dateTimes as instants, whatever the offset.
    assert_eq!(
        sorted("meta.lastModified", SortOrder::Ascending, &users),
        ["2", "1", "3", "4"]
    );
    // Multi-valued: the primary value.
    assert_eq!(
        sorted("emails", SortOrder::Ascending, &users),
        ["1", "2", "3", "4"]
    );
    assert_eq!(
        sorted("emails.value", SortOrder::Descending, &users),
        ["3", "4", "2", "1"]
    );
    // caseExact: byte order.
    let ids = [json!({"id": "b"}), json!({"id": "B"}), json!({"id": "a"})];
    assert_eq!(sorted("id", SortOrder::Ascending, &ids), ["B", "a", "b"]);
    assert_eq!(
        SortOrder::from_keyword("DESCENDING"),
        Some(SortOrder::Descending)
    );
    // Unknown sort attribute: invalidFilter.
    let registry = registry();
    let rt = registry.resource_type("User").unwrap();
    let e = SortKey::compile(&parse_attr_path("shoeSize").unwrap(), &registry, rt).unwrap_err();
    assert_eq!(e.scim_type(), scim_core::ScimType::InvalidFilter);
    let k = SortKey::compile(&parse_attr_path("shoeSize").unwrap(), &registry, rt);
    assert!(k.is_err());
    let numbers = [
        json!({"id": "x", TEST_EXT: {"count": 10}}),
        json!({"id": "y", TEST_EXT: {"count": 9}}),
    ];
    assert_eq!(
        sorted(&format!("{TEST_EXT}:count"), SortOrder::Ascending, &numbers),
        ["y", "x"]
    );
    let k = SortKey::compile(&parse_attr_path("userName").unwrap(), &registry, rt).unwrap();
    assert_eq!(
        k.compare(
            &json!({"userName": "Ødegård"}),
            &json!({"userName": "øDEGÅRD"}),
            SortOrder::Ascending
        ),
        Ordering::Equal
    );
}

#[test]
fn patch_paths_resolve() {
    let registry = registry();
    let user = registry.resource_type("User").unwrap();
    let group = registry.resource_type("Group").unwrap();

    // The bare extension URN names the extension object, not an attribute `User`.
    let p = parse_path(builtin::ENTERPRISE_USER_URN).unwrap();
    let r = resolve_patch_path(&p, &registry, user).unwrap();
    assert!(r.attr.is_none() && r.extension);
    assert_eq!(r.schema.id, builtin::ENTERPRISE_USER_URN);

    let p = parse_path(&format!("{}:manager.value", builtin::ENTERPRISE_USER_URN)).unwrap();
    let r = resolve_patch_path(&p, &registry, user).unwrap();
    assert_eq!(r.attr.unwrap().name, "manager");
    assert_eq!(r.sub_attr.unwrap().name, "value");
    assert!(r.extension);

    let p = parse_path("name.givenName").unwrap();
    let r = resolve_patch_path(&p, &registry, user).unwrap();
    assert_eq!(
        (
            r.attr.unwrap().name.as_str(),
            r.sub_attr.unwrap().name.as_str()
        ),
        ("name", "givenName")
    );

    let p = parse_path(r#"emails[type eq "work"].value"#).unwrap();
    let r = resolve_patch_path(&p, &registry, user).unwrap();
    assert_eq!(r.attr.unwrap().name, "emails");
    assert_eq!(r.sub_attr.unwrap().name, "value");
    let f = r.value_filter.unwrap();
    assert!(
        f.matches_element(&json!({"type": "WORK", "value": "a@b"}))
            .unwrap()
    );
    assert!(
        !f.matches_element(&json!({"type": "home", "value": "a@b"}))
            .unwrap()
    );

    let p = parse_path(r#"emails[primary eq true].value"#).unwrap();
    let f = resolve_patch_path(&p, &registry, user)
        .unwrap()
        .value_filter
        .unwrap();
    assert!(f.matches_element(&json!({"primary": true})).unwrap());
    assert!(!f.matches_element(&json!({"value": "x"})).unwrap());

    let p = parse_path(r#"members[value eq "2819c223"]"#).unwrap();
    let r = resolve_patch_path(&p, &registry, group).unwrap();
    let f = r.value_filter.unwrap();
    assert!(
        f.matches_element(&json!({"value": "2819c223", "display": "Babs"}))
            .unwrap()
    );
    assert!(
        f.matches_element(&json!({"value": "2819C223"})).unwrap(),
        "members.value is not caseExact"
    );
    let p = parse_path(r#"members[$ref eq "https://x/Users/A"]"#).unwrap();
    let f = resolve_patch_path(&p, &registry, group)
        .unwrap()
        .value_filter
        .unwrap();
    assert!(
        !f.matches_element(&json!({"$ref": "https://x/Users/a"}))
            .unwrap(),
        "references compare exactly"
    );

    // Direct use of compile_value_filter (the patch crate's entry point).
    let emails = builtin::user();
    let emails = emails.attribute("emails").unwrap();
    let vf = CompiledFilter::compile_value_filter(
        &parse_filter(r#"type eq "work" and not (value ew ".org")"#).unwrap(),
        emails,
    )
    .unwrap();
    assert!(
        vf.matches_element(&json!({"type": "work", "value": "a@b.com"}))
            .unwrap()
    );
    assert!(
        !vf.matches_element(&json!({"type": "work", "value": "a@b.org"}))
            .unwrap()
    );

    // Errors are invalidPath.
    for bad in [
        "shoeSize",
        "name.middle_name_x",
        r#"userName[value eq "x"]"#,
        r#"emails[colour eq "red"]"#,
        r#"emails[type eq "work"].colour"#,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:nope",
    ] {
        let p = parse_path(bad).unwrap();
        let e = resolve_patch_path(&p, &registry, user).unwrap_err();
        assert_eq!(e.scim_type(), scim_core::ScimType::InvalidPath, "{bad}");
    }
}

#[test]
fn compiled_fold_translates_to_sql_with_binds() {
    /// A store that keeps core attributes as columns and emails in a side table.
    #[derive(Default)]
    struct Sql {
        binds: Vec<Value>,
        in_value_path: bool,
    }
    impl Sql {
        fn column(&self, a: &ResolvedAttr) -> String {
            let name = match &a.sub_attr {
                Some(s) if !self.in_value_path => format!("{}_{}", a.name, s),
                _ => a.name.clone(),
            };
            let col = name.to_lowercase();
            if a.case_exact || a.type_ != Some(AttributeType::String) {
                col
            } else {
                format!("LOWER({col})")
            }
        }
    }
    impl CompiledFold for Sql {
        type Output = String;
        fn present(&mut self, a: &ResolvedAttr) -> String {
            format!("{} IS NOT NULL", self.column(a))
        }
        fn compare(&mut self, a: &ResolvedAttr, op: CompareOp, lit: Literal<'_>) -> String {
            let col = self.column(a);
            let ci = !a.case_exact && a.type_ == Some(AttributeType::String);
            let bind = match lit {
                Literal::Null => {
                    return format!(
                        "{col} IS {}NULL",
                        if op == CompareOp::Eq { "" } else { "NOT " }
                    );
                }
                Literal::Bool(b) => json!(b),
                Literal::Number(n) => json!(n),
                Literal::String(s) if ci => json!(s.to_lowercase()),
                Literal::String(s) => json!(s),
                Literal::DateTime(d) => json!(d.to_rfc3339()),
                _ => json!(null),
            };
            let (sql_op, bind) = match (op, bind) {
                (CompareOp::Co, Value::String(s)) => ("LIKE", json!(format!("%{s}%"))),
                (CompareOp::Sw, Value::String(s)) => ("LIKE", json!(format!("{s}%"))),
                (CompareOp::Ew, Value::String(s)) => ("LIKE", json!(format!("%{s}"))),
                (CompareOp::Eq, b) => ("=", b),
                (CompareOp::Ne, b) => ("<>", b),
                (CompareOp::Gt, b) => (">", b),
                (CompareOp::Ge, b) => (">=", b),
                (CompareOp::Lt, b) => ("<", b),
                (_, b) => ("<=", b),
            };
            self.binds.push(bind);
            format!("{col} {sql_op} ?{}", self.binds.len())
        }
        fn and(&mut self, v: Vec<String>) -> String {
            format!("({})", v.join(" AND "))
        }
        fn or(&mut self, v: Vec<String>) -> String {
            format!("({})", v.join(" OR "))
        }
        fn not(&mut self, v: String) -> String {
            format!("NOT {v}")
        }
        fn constant(&mut self, b: bool) -> String {
            if b { "1=1" } else { "1=0" }.into()
        }
        fn enter_value_path(&mut self, _: &ResolvedAttr) {
            self.in_value_path = true;
        }
        fn value_path(&mut self, a: &ResolvedAttr, inner: String) -> String {
            self.in_value_path = false;
            format!(
                "EXISTS (SELECT 1 FROM {} WHERE {inner})",
                a.name.to_lowercase()
            )
        }
    }
    let registry = registry();
    let rt = registry.resource_type("User").unwrap();
    let c = CompiledFilter::parse_and_compile(
        r#"UserName eq "BJensen" and (id eq "ABC" or not (meta.lastModified gt "2011-05-13T06:42:34+02:00")) and emails[type eq "Work" and primary eq true] and title eq null"#,
        &registry,
        rt,
    )
    .unwrap();
    let mut sql = Sql::default();
    let w = c.fold(&mut sql);
    assert_eq!(
        w,
        "(LOWER(username) = ?1 AND (id = ?2 OR NOT meta_lastmodified > ?3) AND EXISTS (SELECT 1 FROM emails WHERE (LOWER(type) = ?4 AND primary = ?5)) AND LOWER(title) IS NULL)"
    );
    assert_eq!(
        sql.binds,
        [
            json!("bjensen"),
            json!("ABC"),
            json!("2011-05-13T04:42:34+00:00"),
            json!("work"),
            json!(true)
        ]
    );
}

#[test]
fn explain_shows_each_resolution() {
    let registry = SchemaRegistry::builtin();
    let users = registry.resource_type("User").unwrap();
    let c = CompiledFilter::parse_and_compile(
        r#"meta.lastModified gt "2011-05-13T04:42:34+02:00" and emails[type eq "Work" or not (primary pr)] or urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq null"#,
        &registry,
        users,
    )
    .unwrap();
    snapbox::assert_data_eq!(
        c.explain(users).to_string(),
        snapbox::str![[r#"
or
  and
    meta.lastModified gt "2011-05-13T02:42:34Z"
      attribute: urn:ietf:params:scim:schemas:core:2.0:User:meta.lastModified
      type: dateTime, caseExact: false, multiValued: false
      keys: ["meta", "lastModified"]
      literal: dateTime 2011-05-13T02:42:34Z
    emails[…]
      attribute: urn:ietf:params:scim:schemas:core:2.0:User:emails
      type: complex, caseExact: false, multiValued: true
      keys: ["emails"]
      some element satisfies:
        or
          type eq "Work"
            attribute: urn:ietf:params:scim:schemas:core:2.0:User:emails.type
            type: string, caseExact: false, multiValued: false
            keys: ["type"]
            literal: string "Work" (case-insensitive)
          not
            primary pr
              attribute: urn:ietf:params:scim:schemas:core:2.0:User:emails.primary
              type: boolean, caseExact: false, multiValued: false
              keys: ["primary"]
              test: the attribute has a non-empty value
  urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq null
    attribute: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value
    type: string, caseExact: false, multiValued: false
    keys: ["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "manager", "value"]
    test: the attribute has no value

"#]]
    );
    // Without the resource type, core attributes have no schema prefix.
    let c = CompiledFilter::parse_and_compile(r#"userName eq "x""#, &registry, users).unwrap();
    assert!(c.to_string().contains("attribute: userName\n"), "{c}");
    // Dynamic attributes say so.
    let f = parse_filter("custom.thing eq 1").unwrap();
    let options = CompileOptions::new().unknown_attributes(UnknownAttributes::Dynamic);
    let c = CompiledFilter::compile_with(&f, &registry, users, options).unwrap();
    assert!(
        c.explain(users).to_string().contains("type: unknown"),
        "{c}"
    );
    // Deep filters print without recursion (the indentation makes the text
    // quadratic in the depth, so the depth stays moderate here).
    let deep = format!("{}title pr{}", "not (".repeat(2_000), ")".repeat(2_000));
    let f = scim_filter::Parser::new()
        .nest_limit(2_000)
        .parse_filter(&deep)
        .unwrap();
    let c = CompiledFilter::compile(&f, &registry, users).unwrap();
    assert_eq!(c.explain(users).to_string().lines().count(), 2_000 + 5);
}
