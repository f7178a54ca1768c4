//! Properties: printing round-trips, parsing and evaluation never panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use scim_core::SchemaRegistry;
use scim_filter::{
    AttrPath, CompValue, CompareOp, CompileOptions, CompiledFilter, Filter, SortKey, SortOrder,
    UnknownAttributes, parse_attr_path, parse_filter, parse_path,
};
use serde_json::Value;

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z][a-zA-Z0-9_-]{0,8}",
        Just("$ref".to_owned()),
        Just("not".to_owned()),
        Just("and".to_owned()),
        Just("or".to_owned()),
        Just("pr".to_owned()),
        Just("userName".to_owned()),
        Just("emails".to_owned()),
    ]
}

fn attr_path(allow_uri: bool) -> impl Strategy<Value = AttrPath> {
    let uri = if allow_uri {
        prop_oneof![
            3 => Just(None),
            1 => Just(Some("urn:ietf:params:scim:schemas:core:2.0:User".to_owned())),
            1 => Just(Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".to_owned())),
            1 => "urn:[a-z]{1,5}:[a-zA-Z0-9.]{1,6}".prop_map(Some),
        ]
        .boxed()
    } else {
        Just(None).boxed()
    };
    (uri, name(), proptest::option::of(name())).prop_map(|(uri, name, sub)| AttrPath {
        uri: uri.map(Into::into),
        name: name.into(),
        sub_attr: sub.map(Into::into),
        span: Default::default(),
    })
}

fn comp_value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        Just(CompValue::Null),
        any::<bool>().prop_map(CompValue::Bool),
        any::<i64>().prop_map(|i| CompValue::Number(i.into())),
        any::<u64>().prop_map(|i| CompValue::Number(i.into())),
        any::<f64>()
            .prop_filter_map("finite", serde_json::Number::from_f64)
            .prop_map(CompValue::Number),
        any::<String>().prop_map(|s| CompValue::String(s.into())),
        "[a-zA-Z@. ]{0,10}".prop_map(|s| CompValue::String(s.into())),
    ]
}

fn op() -> impl Strategy<Value = CompareOp> {
    proptest::sample::select(CompareOp::ALL.to_vec())
}

fn leaf(allow_uri: bool) -> impl Strategy<Value = Filter> {
    prop_oneof![
        (attr_path(allow_uri), op(), comp_value()).prop_map(|(p, o, v)| Filter::compare(p, o, v)),
        attr_path(allow_uri).prop_map(Filter::present),
    ]
}

/// Filters without value paths, normalized when `normal` (junctions built by
/// the flattening constructors), otherwise with arbitrary nesting.
fn logic(inner: BoxedStrategy<Filter>, normal: bool) -> impl Strategy<Value = Filter> {
    inner.prop_recursive(5, 48, 4, move |inner| {
        prop_oneof![
            inner.clone().prop_map(Filter::negate),
            proptest::collection::vec(inner.clone(), 2..5).prop_map(move |v| if normal {
                Filter::and(v)
            } else {
                Filter::And(v)
            }),
            proptest::collection::vec(inner, 2..5).prop_map(move |v| if normal {
                Filter::or(v)
            } else {
                Filter::Or(v)
            }),
        ]
    })
}

fn filter(normal: bool) -> impl Strategy<Value = Filter> {
    let value_path = (
        (name()).prop_map(AttrPath::new),
        logic(leaf(false).boxed(), normal),
    )
        .prop_map(|(a, f)| Filter::value_path(a, f));
    let term = prop_oneof![4 => leaf(true), 1 => value_path].boxed();
    logic(term, normal)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn normalized_asts_round_trip(f in filter(true)) {
        prop_assert!(f.is_normalized());
        let text = f.to_string();
        let parsed = parse_filter(&text).map_err(|e| TestCaseError::fail(e.render()))?;
        prop_assert_eq!(&parsed, &f, "{}", text);
        prop_assert!(parsed.is_normalized());
    }

    #[test]
    fn any_ast_round_trips(f in filter(false)) {
        let text = f.to_string();
        let parsed = parse_filter(&text).map_err(|e| TestCaseError::fail(e.render()))?;
        prop_assert_eq!(&parsed, &f, "{}", text);
        prop_assert_eq!(parsed.clone().normalize(), f.normalize());
    }

    #[test]
    fn strings_escape_and_unescape(s in any::<String>()) {
        let f = Filter::compare(AttrPath::new("a"), CompareOp::Eq, CompValue::String(s.into()));
        prop_assert_eq!(parse_filter(&f.to_string()).unwrap(), f);
    }

    #[test]
    fn parse_never_panics(s in any::<String>()) {
        let _ = parse_filter(&s);
        let _ = parse_path(&s);
        let _ = parse_attr_path(&s);
    }

    #[test]
    fn parse_never_panics_on_filter_like_text(
        s in r#"([a-zA-Z.:$\[\]() "\\]|eq|pr|and|or|not|urn:|[0-9.eE+-]|\\u[0-9a-fA-F]{0,4}){0,40}"#
    ) {
        if let Ok(f) = parse_filter(&s) {
            prop_assert_eq!(parse_filter(&f.to_string()).unwrap(), f);
        }
        if let Ok(p) = parse_path(&s) {
            prop_assert_eq!(parse_path(&p.to_string()).unwrap(), p);
        }
    }

    #[test]
    fn evaluation_never_panics(resource in json_value(), filters in proptest::collection::vec(filter(false), 1..4)) {
        let registry = SchemaRegistry::builtin();
        let options = CompileOptions::new().unknown_attributes(UnknownAttributes::Dynamic);
        for rt in ["User", "Group"] {
            let rt = registry.resource_type(rt).unwrap();
            for f in &filters {
                for texts in FIXED {
                    let g = parse_filter(texts).unwrap();
                    let c = CompiledFilter::compile_with(&g, &registry, rt, options).unwrap();
                    let _ = c.matches(&resource);
                }
                if let Ok(c) = CompiledFilter::compile_with(f, &registry, rt, options) {
                    let _ = c.matches(&resource);
                }
                let _ = CompiledFilter::compile(f, &registry, rt).map(|c| c.matches(&resource));
            }
            for key in ["userName", "emails", "meta.lastModified", "name.givenName"] {
                let k = SortKey::compile(&parse_attr_path(key).unwrap(), &registry, rt);
                if let Ok(k) = k {
                    let _ = k.compare(&resource, &resource, SortOrder::Descending);
                }
            }
        }
    }
}

const FIXED: &[&str] = &[
    r#"userName eq "bjensen" and emails[type eq "work" and value co "x"]"#,
    r#"meta.lastModified gt "2011-05-13T04:42:34Z" or not (active eq true)"#,
    r#"emails co "a" or name.givenName sw "b" or x gt 1 or y lt "z" or z pr"#,
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value ne "q""#,
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "[a-zA-Z0-9@.:-]{0,12}".prop_map(Value::String),
        Just(Value::String("2011-05-13T04:42:34Z".into())),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec(
                (
                    proptest::sample::select(vec![
                        "userName",
                        "emails",
                        "type",
                        "value",
                        "primary",
                        "meta",
                        "lastModified",
                        "name",
                        "givenName",
                        "active",
                        "x",
                        "y",
                        "z",
                        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                        "manager",
                    ]),
                    inner
                ),
                0..6
            )
            .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}
