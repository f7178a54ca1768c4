//! Parser tests: every RFC 7644 example, canonical printing, paths, errors and limits.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use scim_core::SchemaRegistry;
use scim_filter::{
    AttrPath, CompValue, CompareOp, CompiledFilter, ErrorKind, Filter, Parser, parse_attr_path,
    parse_filter, parse_path,
};
use serde_json::json;

/// Parses `input`, checks that it prints as itself and re-parses equal.
fn verified(input: &str) -> Filter {
    parses_to(input, input)
}

/// Parses `input`, checks that it prints as `canonical`, and that `canonical` parses equal.
fn parses_to(input: &str, canonical: &str) -> Filter {
    let f = parse_filter(input).unwrap_or_else(|e| panic!("{}", e.render()));
    assert_eq!(f.to_string(), canonical, "canonical form of {input:?}");
    let again = parse_filter(canonical).unwrap_or_else(|e| panic!("{}", e.render()));
    assert_eq!(again, f, "re-parse of {canonical:?}");
    f
}

fn path(name: &str) -> AttrPath {
    AttrPath::new(name)
}
fn sub(name: &str, sub: &str) -> AttrPath {
    AttrPath::new(name).with_sub_attr(sub)
}
fn s(v: &str) -> CompValue {
    CompValue::String(v.into())
}
fn cmp(p: AttrPath, op: CompareOp, v: CompValue) -> Filter {
    Filter::compare(p, op, v)
}
fn pr(p: AttrPath) -> Filter {
    Filter::present(p)
}
use CompareOp::*;

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// The 17 filters of RFC 7644 §3.4.2.2, Figure 2, as printed (without `filter=`).
#[test]
fn rfc7644_3_4_2_2_examples() {
    assert_eq!(
        verified(r#"userName eq "bjensen""#),
        cmp(path("userName"), Eq, s("bjensen"))
    );
    assert_eq!(
        verified(r#"name.familyName co "O'Malley""#),
        cmp(sub("name", "familyName"), Co, s("O'Malley"))
    );
    assert_eq!(
        verified(r#"userName sw "J""#),
        cmp(path("userName"), Sw, s("J"))
    );
    assert_eq!(
        verified(&format!(r#"{USER}:userName sw "J""#)),
        cmp(path("userName").with_uri(USER), Sw, s("J"))
    );
    assert_eq!(verified("title pr"), pr(path("title")));
    for (op, o) in [("gt", Gt), ("ge", Ge), ("lt", Lt), ("le", Le)] {
        assert_eq!(
            verified(&format!(r#"meta.lastModified {op} "2011-05-13T04:42:34Z""#)),
            cmp(sub("meta", "lastModified"), o, s("2011-05-13T04:42:34Z"))
        );
    }
    assert_eq!(
        verified(r#"title pr and userType eq "Employee""#),
        Filter::And(vec![
            pr(path("title")),
            cmp(path("userType"), Eq, s("Employee"))
        ])
    );
    assert_eq!(
        verified(r#"title pr or userType eq "Intern""#),
        Filter::Or(vec![
            pr(path("title")),
            cmp(path("userType"), Eq, s("Intern"))
        ])
    );
    assert_eq!(
        verified(&format!(r#"schemas eq "{ENTERPRISE}""#)),
        cmp(path("schemas"), Eq, s(ENTERPRISE))
    );
    let emails_or = Filter::Or(vec![
        cmp(path("emails"), Co, s("example.com")),
        cmp(sub("emails", "value"), Co, s("example.org")),
    ]);
    assert_eq!(
        verified(
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#
        ),
        Filter::And(vec![
            cmp(path("userType"), Eq, s("Employee")),
            emails_or.clone()
        ])
    );
    // Erratum 7319 (reported): Figure 1's ABNF has no space between `not` and `(`, this
    // example has one. Both spellings parse (see `keywords_any_case_and_precedence`).
    assert_eq!(
        verified(
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#
        ),
        Filter::And(vec![
            cmp(path("userType"), Ne, s("Employee")),
            Filter::negate(emails_or)
        ])
    );
    assert_eq!(
        parses_to(
            r#"userType eq "Employee" and (emails.type eq "work")"#,
            r#"userType eq "Employee" and emails.type eq "work""#
        ),
        Filter::And(vec![
            cmp(path("userType"), Eq, s("Employee")),
            cmp(sub("emails", "type"), Eq, s("work"))
        ])
    );
    let work_example = Filter::value_path(
        path("emails"),
        Filter::And(vec![
            cmp(path("type"), Eq, s("work")),
            cmp(path("value"), Co, s("@example.com")),
        ]),
    );
    assert_eq!(
        verified(
            r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#
        ),
        Filter::And(vec![
            cmp(path("userType"), Eq, s("Employee")),
            work_example.clone()
        ])
    );
    assert_eq!(
        verified(
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#
        ),
        Filter::Or(vec![
            work_example,
            Filter::value_path(
                path("ims"),
                Filter::And(vec![
                    cmp(path("type"), Eq, s("xmpp")),
                    cmp(path("value"), Co, s("@foo.com")),
                ])
            )
        ])
    );
}

/// RFC 7644 §3.4.2.2: `filter=userName Eq "john"` and `filter=Username eq "john"`
/// "evaluate to the same logical value": names and operators are case-insensitive.
#[test]
fn rfc7644_3_4_2_2_case_insensitive_example() {
    let a = parses_to(r#"userName Eq "john""#, r#"userName eq "john""#);
    let b = verified(r#"Username eq "john""#);
    assert_eq!(a, cmp(path("userName"), Eq, s("john")));
    assert_eq!(b, cmp(path("Username"), Eq, s("john")));
    let registry = SchemaRegistry::builtin();
    let rt = registry.resource_type("User").unwrap();
    let (a, b) = (
        CompiledFilter::compile(&a, &registry, rt).unwrap(),
        CompiledFilter::compile(&b, &registry, rt).unwrap(),
    );
    for (user, expected) in [
        (json!({"userName": "john"}), true),
        (json!({"userName": "John"}), true),
        (json!({"userName": "jane"}), false),
        (json!({}), false),
    ] {
        assert_eq!(a.matches(&user).unwrap(), expected, "{user}");
        assert_eq!(b.matches(&user).unwrap(), expected, "{user}");
    }
}

/// RFC 7644 §3.5.2, Figure 8's example paths, then the paths of the §3.5.2.1–§3.5.2.3
/// example requests exactly as printed, `...` elisions included.
#[test]
fn rfc7644_3_5_2_paths() {
    // Figure 8.
    let p = parse_path("members").unwrap();
    assert_eq!(p.attr, path("members"));
    assert!(p.filter.is_none() && p.sub_attr.is_none());

    let p = parse_path("name.familyName").unwrap();
    assert_eq!(p.attr, sub("name", "familyName"));
    assert!(p.filter.is_none());

    let p = parse_path(r#"addresses[type eq "work"]"#).unwrap();
    assert_eq!(p.attr, path("addresses"));
    assert_eq!(p.filter, Some(cmp(path("type"), Eq, s("work"))));
    assert!(p.sub_attr.is_none());

    let id = "2819c223-7f76-453a-919d-413861904646";
    let p = parse_path(&format!(r#"members[value eq "{id}"]"#)).unwrap();
    assert_eq!(p.attr, path("members"));
    assert_eq!(p.filter, Some(cmp(path("value"), Eq, s(id))));
    assert!(p.sub_attr.is_none());

    let p = parse_path(&format!(r#"members[value eq "{id}"].displayName"#)).unwrap();
    assert_eq!(p.attr, path("members"));
    assert_eq!(p.filter, Some(cmp(path("value"), Eq, s(id))));
    assert_eq!(p.sub_attr.as_deref(), Some("displayName"));
    assert_eq!(
        p.to_string(),
        format!(r#"members[value eq "{id}"].displayName"#)
    );

    // §3.5.2.2, removing a single member.
    let elided = "2819c223-7f76-...413861904646";
    let p = parse_path(&format!(r#"members[value eq "{elided}"]"#)).unwrap();
    assert_eq!(p.attr, path("members"));
    assert_eq!(p.filter, Some(cmp(path("value"), Eq, s(elided))));

    // §3.5.2.2, removing complex values.
    let p = parse_path(r#"emails[type eq "work" and value ew "example.com"]"#).unwrap();
    assert_eq!(p.attr, path("emails"));
    assert_eq!(
        p.filter,
        Some(Filter::And(vec![
            cmp(path("type"), Eq, s("work")),
            cmp(path("value"), Ew, s("example.com"))
        ]))
    );

    // §3.5.2.2, removing and adding a member: no space between `eq` and the value.
    let elided = "2819c223...919d-413861904646";
    let p = parse_path(&format!(r#"members[value eq"{elided}"]"#)).unwrap();
    assert_eq!(p.attr, path("members"));
    assert_eq!(p.filter, Some(cmp(path("value"), Eq, s(elided))));
    assert_eq!(p.to_string(), format!(r#"members[value eq "{elided}"]"#));

    // §3.5.2.3, replacing the work address's street.
    let p = parse_path(r#"addresses[type eq "work"].streetAddress"#).unwrap();
    assert_eq!(p.attr, path("addresses"));
    assert_eq!(p.filter, Some(cmp(path("type"), Eq, s("work"))));
    assert_eq!(p.sub_attr.as_deref(), Some("streetAddress"));
}

/// PATCH paths no RFC example shows: extension URNs and a boolean in a value filter.
#[test]
fn extension_and_boolean_paths() {
    let p = parse_path(&format!("{ENTERPRISE}:employeeNumber")).unwrap();
    assert_eq!(p.attr, path("employeeNumber").with_uri(ENTERPRISE));

    let p = parse_path(&format!("{ENTERPRISE}:manager.value")).unwrap();
    assert_eq!(
        p.attr,
        path("manager").with_uri(ENTERPRISE).with_sub_attr("value")
    );

    // Without a registry, the bare extension URN splits at its last colon.
    let p = parse_path(ENTERPRISE).unwrap();
    assert_eq!(
        p.attr,
        path("User").with_uri("urn:ietf:params:scim:schemas:extension:enterprise:2.0")
    );
    assert_eq!(p.to_string(), ENTERPRISE);

    let p = parse_path(r#"emails[primary eq true].value"#).unwrap();
    assert_eq!(
        p.filter,
        Some(cmp(path("primary"), Eq, CompValue::Bool(true)))
    );
    assert_eq!(p.sub_attr.as_deref(), Some("value"));
}

#[test]
fn sort_by_paths() {
    assert_eq!(parse_attr_path("userName").unwrap(), path("userName"));
    assert_eq!(
        parse_attr_path(" name.givenName ").unwrap(),
        sub("name", "givenName")
    );
    assert_eq!(
        parse_attr_path(&format!("{USER}:name.familyName")).unwrap(),
        sub("name", "familyName").with_uri(USER)
    );
    assert_eq!(parse_attr_path("meta.lastModified").unwrap().span.end, 17);
    for bad in [
        "",
        "name.",
        "a b",
        "emails[type eq \"work\"]",
        "1abc",
        "a.b.c",
    ] {
        assert!(parse_attr_path(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn keywords_any_case_and_precedence() {
    parses_to(
        r#"userName EQ "x" AND active Eq true"#,
        r#"userName eq "x" and active eq true"#,
    );
    parses_to(r#"NOT (title PR) Or a Pr"#, "not (title pr) or a pr");
    // `and` binds tighter than `or`.
    let f = verified("a pr or b pr and c pr or d pr");
    assert_eq!(
        f,
        Filter::Or(vec![
            pr(path("a")),
            Filter::And(vec![pr(path("b")), pr(path("c"))]),
            pr(path("d")),
        ])
    );
    parses_to("(a pr or b pr) and c pr", "(a pr or b pr) and c pr");
    parses_to("a pr or (b pr and c pr)", "a pr or b pr and c pr");
    // Explicit same-kind groups are kept (and print with parentheses) until normalized.
    let g = verified("a pr and (b pr and c pr)");
    assert!(!g.is_normalized());
    assert_eq!(g.normalize().to_string(), "a pr and b pr and c pr");
    parses_to("((((a pr))))", "a pr");
    parses_to("not(a pr)", "not (a pr)");
    parses_to("not  (  a pr  )", "not (a pr)");
    parses_to("\t a   eq\n\"x\"\r\n", r#"a eq "x""#);
    parses_to(r#"a eq"x"and(b pr)"#, r#"a eq "x" and b pr"#);
}

#[test]
fn word_boundaries_and_names() {
    // `primaryEmail` is an attribute, not `pr`.
    assert_eq!(
        verified(r#"primaryEmail co "x""#),
        cmp(path("primaryEmail"), Co, s("x"))
    );
    assert_eq!(verified("prefix pr"), pr(path("prefix")));
    assert_eq!(verified("notes pr"), pr(path("notes")));
    assert_eq!(verified("not pr"), pr(path("not")));
    assert_eq!(
        verified("and pr and or pr"),
        Filter::And(vec![pr(path("and")), pr(path("or"))])
    );
    assert_eq!(
        verified(r#"members[$ref eq "https://x/Users/1"]"#),
        Filter::value_path(
            path("members"),
            cmp(path("$ref"), Eq, s("https://x/Users/1"))
        )
    );
    verified("x-custom_attr2 pr");
    verified("manager.$ref pr");
    verified(r#"eqq eq "eq""#);
}

#[test]
fn values() {
    let v = |f: &str| match &parse_filter(f).unwrap() {
        Filter::Compare(c) => c.value.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(v("a eq true"), CompValue::Bool(true));
    assert_eq!(v("a eq FALSE"), CompValue::Bool(false));
    assert_eq!(v("a eq Null"), CompValue::Null);
    assert_eq!(v("a eq 0"), CompValue::Number(0.into()));
    assert_eq!(v("a eq -17"), CompValue::Number((-17).into()));
    assert_eq!(
        v("a eq 18446744073709551615"),
        CompValue::Number(u64::MAX.into())
    );
    assert_eq!(
        v("a eq 1.5"),
        CompValue::Number(serde_json::Number::from_f64(1.5).unwrap())
    );
    assert_eq!(
        v("a eq -2.5E-3"),
        CompValue::Number(serde_json::Number::from_f64(-0.0025).unwrap())
    );
    assert_eq!(
        v("a eq 1e2"),
        CompValue::Number(serde_json::Number::from_f64(100.0).unwrap())
    );
    assert_eq!(
        v(r#"a eq "q\"b\\s\/b\bf\fn\nr\rt\t""#),
        s("q\"b\\s/b\u{8}f\u{c}n\nr\rt\t")
    );
    assert_eq!(v(r#"a eq "\u00e9\u00C9""#), s("éÉ"));
    assert_eq!(v(r#"a eq "\ud83d\ude00""#), s("😀"));
    assert_eq!(v(r#"a eq "Ødegård 😀""#), s("Ødegård 😀"));
    assert_eq!(v(r#"a eq """#), s(""));
    // Printing escapes what JSON needs and re-parses equal.
    verified(r#"a eq "q\"b\\s\n\u0001""#);
    parses_to(r#"a eq "\/\u00e9""#, r#"a eq "/é""#);
    parses_to("a eq 1E2", "a eq 100.0");
}

#[test]
fn entra_value_path_with_sub_attribute() {
    assert_eq!(
        parses_to(
            r#"emails[type eq "work"].value eq "ann@example.com""#,
            r#"emails[type eq "work" and value eq "ann@example.com"]"#
        ),
        Filter::value_path(
            path("emails"),
            Filter::And(vec![
                cmp(path("type"), Eq, s("work")),
                cmp(path("value"), Eq, s("ann@example.com"))
            ])
        )
    );
    parses_to(
        r#"emails[type eq "work"].value pr and userName sw "a""#,
        r#"emails[type eq "work" and value pr] and userName sw "a""#,
    );
}

/// Each invalid filter, the byte offset of its error, and the error kind's name.
const INVALID: &[(&str, usize, &str)] = &[
    ("", 0, "Unexpected"),
    ("   ", 3, "Unexpected"),
    (r#"userName eqq "bjensen""#, 9, "Unexpected"),
    (r#"userName "bjensen""#, 9, "Unexpected"),
    ("userName eq", 11, "Unexpected"),
    ("userName eq ", 12, "Unexpected"),
    ("userName", 8, "Unexpected"),
    ("userName eq bjensen", 12, "Unexpected"),
    (r#"userName eq "bjensen"#, 12, "UnterminatedString"),
    (r#"userName eq "bj\xensen""#, 15, "InvalidEscape"),
    (r#"a eq "\u12G4""#, 6, "InvalidUnicodeEscape"),
    (r#"a eq "\ud83d""#, 6, "InvalidUnicodeEscape"),
    (r#"a eq "\ude00""#, 6, "InvalidUnicodeEscape"),
    (r#"a eq "\ud83d\u0041""#, 6, "InvalidUnicodeEscape"),
    ("a eq \"x\ny\"", 7, "ControlCharacter"),
    ("a eq 01", 5, "InvalidNumber"),
    ("a eq 1.", 5, "InvalidNumber"),
    ("a eq 1e", 5, "InvalidNumber"),
    ("a eq -", 5, "Unexpected"),
    ("a eq 1x", 5, "InvalidNumber"),
    ("a eq .5", 5, "Unexpected"),
    ("a eq +1", 5, "Unexpected"),
    ("a eq 1e999", 5, "InvalidNumber"),
    ("a eq tru", 5, "Unexpected"),
    ("a eq trueish", 5, "Unexpected"),
    ("title prx", 6, "Unexpected"),
    ("title pr x", 9, "Unexpected"),
    ("title pr and", 12, "Unexpected"),
    ("title pr or", 11, "Unexpected"),
    ("title pr andd b pr", 9, "Unexpected"),
    ("and", 3, "Unexpected"),
    ("(title pr", 9, "Unexpected"),
    ("title pr)", 8, "Unexpected"),
    ("()", 1, "Unexpected"),
    ("(", 1, "Unexpected"),
    ("not title pr", 4, "Unexpected"),
    ("not (title pr", 13, "Unexpected"),
    ("not ()", 5, "Unexpected"),
    ("emails[type eq \"work\"", 21, "Unexpected"),
    ("emails[]", 7, "Unexpected"),
    ("emails[type eq \"work\"]]", 22, "Unexpected"),
    ("emails[type eq \"work\")", 21, "Unexpected"),
    ("emails[type[value pr]]", 11, "NestedValuePath"),
    ("emails.value[type pr]", 12, "Unexpected"),
    ("emails[type pr].", 16, "Unexpected"),
    ("emails[type pr].value", 21, "Unexpected"),
    ("name.", 5, "Unexpected"),
    ("name.givenName.x pr", 14, "Unexpected"),
    ("1abc pr", 0, "Unexpected"),
    ("-a pr", 0, "Unexpected"),
    ("\"a\" eq \"b\"", 0, "Unexpected"),
    ("a eq \"b\" c", 9, "Unexpected"),
    ("a eq \"b\" \"c\"", 9, "Unexpected"),
    (
        "urn:ietf:params:scim:schemas:core:2.0:User: pr",
        43,
        "Unexpected",
    ),
    (
        "urn:ietf:params:scim:schemas:core:2.0:User:1x pr",
        43,
        "Unexpected",
    ),
    ("a pr;", 4, "Unexpected"),
    ("a.b$ pr", 3, "Unexpected"),
    ("a eq [1]", 5, "Unexpected"),
    ("a eq {}", 5, "Unexpected"),
    ("a % 3", 2, "Unexpected"),
    ("a pr and not", 12, "Unexpected"),
    ("ä pr", 0, "Unexpected"),
];

fn kind_name(k: &ErrorKind) -> String {
    let d = format!("{k:?}");
    d.split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap()
        .to_owned()
}

#[test]
fn invalid_filters_fail_at_the_right_byte() {
    assert!(INVALID.len() >= 50);
    for &(input, offset, kind) in INVALID {
        let e = match parse_filter(input) {
            Ok(f) => panic!("{input:?} parsed as {f}"),
            Err(e) => e,
        };
        assert_eq!(
            (e.offset(), kind_name(e.kind()).as_str()),
            (offset, kind),
            "{input:?}: {e}"
        );
        assert_eq!(e.scim_type(), scim_core::ScimType::InvalidFilter);
        // The message names the same byte.
        assert!(e.to_string().contains(&format!("byte {offset}")), "{e}");
    }
}

#[test]
fn invalid_paths_are_invalid_path_errors() {
    for (input, offset) in [
        ("", 0),
        ("emails[type eq \"work\"", 21),
        ("emails[type eq \"work\"]x", 22),
        ("emails[type eq \"work\"].", 23),
        ("name.givenName[type pr]", 14),
        ("members[value eq 1]].x", 19),
        ("a b", 2),
        ("emails[x[y pr]]", 8),
    ] {
        let e = parse_path(input).unwrap_err();
        assert_eq!(e.offset(), offset, "{input:?}: {e}");
        assert_eq!(e.scim_type(), scim_core::ScimType::InvalidPath);
    }
}

#[test]
fn error_text() {
    let msg = |f: &str| parse_filter(f).unwrap_err().to_string();
    snapbox::assert_data_eq!(
        msg(r#"userName eqq "bjensen""#),
        snapbox::str![[r#"expected a comparison operator at byte 9, found "eqq""#]]
    );
    snapbox::assert_data_eq!(
        msg("(title pr"),
        snapbox::str![[r#"expected "and", "or" or ")" at byte 9, found end of input"#]]
    );
    snapbox::assert_data_eq!(
        msg(""),
        snapbox::str![[
            r#"expected an attribute path, "not" or "(" at byte 0, found end of input"#
        ]]
    );
    snapbox::assert_data_eq!(
        msg("a eq trueish"),
        snapbox::str![[r#"expected a value at byte 5, found "trueish""#]]
    );
    snapbox::assert_data_eq!(
        msg(r#"a eq "\q""#),
        snapbox::str!["invalid escape at byte 6"]
    );
    snapbox::assert_data_eq!(
        parse_filter(r#"userName eqq "bjensen""#)
            .unwrap_err()
            .render(),
        snapbox::str![[r#"
userName eqq "bjensen"
         ^^^
expected a comparison operator at byte 9, found "eqq"
"#]]
    );
    snapbox::assert_data_eq!(
        parse_filter("a pr and\n  b eq").unwrap_err().render(),
        snapbox::str![[r#"
  b eq
      ^
expected a value at byte 15, found end of input
"#]]
    );
    snapbox::assert_data_eq!(
        Parser::new()
            .nest_limit(2)
            .parse_filter("(((a pr)))")
            .unwrap_err()
            .render(),
        snapbox::str![[r#"
(((a pr)))
  ^
nesting deeper than 2 levels at byte 2
"#]]
    );
}

#[test]
fn render_cuts_long_lines_around_the_error() {
    let long = format!("a eq \"{}\" and b eqq 1", "x".repeat(200));
    let r = parse_filter(&long).unwrap_err().render();
    let lines: Vec<&str> = r.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0].starts_with('…'));
    assert!(lines[0].chars().count() < 100);
    let caret = lines[1].find('^').unwrap();
    assert_eq!(
        &lines[0].chars().skip(caret).take(3).collect::<String>(),
        "eqq"
    );
    assert_eq!(
        lines[2],
        "expected a comparison operator at byte 214, found \"eqq\""
    );
    // Non-ASCII before the error: the caret counts characters, not bytes.
    let r = parse_filter("ø eq 1").unwrap_err().render();
    assert!(r.starts_with("ø eq 1\n^\n"), "{r}");
    let r = parse_filter(r#"a eq "Ødegård" xx"#).unwrap_err().render();
    assert_eq!(r.lines().nth(1).unwrap(), "               ^^");
}

#[test]
fn nest_limit_boundaries() {
    let nested = |n: usize| format!("{}a pr{}", "(".repeat(n), ")".repeat(n));
    let p = Parser::new();
    assert!(p.parse_filter(&nested(64)).is_ok());
    let e = p.parse_filter(&nested(65)).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::NestLimit { limit: 64 });
    assert_eq!(e.offset(), 64);
    let nots = |n: usize| format!("{}a pr{}", "not (".repeat(n), ")".repeat(n));
    assert!(p.parse_filter(&nots(64)).is_ok());
    assert_eq!(p.parse_filter(&nots(65)).unwrap_err().offset(), 64 * 5);
    // Brackets count too.
    let p2 = Parser::new().nest_limit(1);
    assert!(p2.parse_filter("emails[type pr]").is_ok());
    assert!(p2.parse_filter("(emails[type pr])").is_err());
    assert!(Parser::new().nest_limit(0).parse_filter("a pr").is_ok());
    assert!(Parser::new().nest_limit(0).parse_filter("(a pr)").is_err());
}

#[test]
fn deep_and_huge_inputs_are_safe() {
    let n = 10_000;
    let parens = format!("{}a pr{}", "(".repeat(n), ")".repeat(n));
    let nots = format!("{}a pr{}", "not (".repeat(n), ")".repeat(n));
    let mixed: String = (0..n)
        .map(|i| {
            if i % 2 == 0 {
                "a pr and ("
            } else {
                "b pr or ("
            }
        })
        .collect::<String>()
        + "c pr"
        + &")".repeat(n);
    for text in [&parens, &nots, &mixed] {
        // Default limit: an error, quickly.
        let e = parse_filter(text).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::NestLimit { .. }));
        // Raised limit: a result; printing, cloning, comparing, hashing,
        // debugging, normalizing and dropping it must not overflow the stack.
        let f = Parser::new().nest_limit(n).parse_filter(text).unwrap();
        let printed = f.to_string();
        let g = f.clone();
        assert_eq!(f, g);
        let _ = format!("{f:?}");
        let mut h = std::collections::hash_map::DefaultHasher::new();
        std::hash::Hash::hash(&f, &mut h);
        let again = Parser::new().nest_limit(n).parse_filter(&printed).unwrap();
        assert_eq!(again, f);
        let normal = g.normalize();
        assert!(normal.is_normalized());
        drop(f);
    }
    // A 100,000-character literal.
    let lit = format!("a eq \"{}\"", "é\\n".repeat(40_000));
    let f = parse_filter(&lit).unwrap();
    assert_eq!(f.to_string().len(), lit.len());
    // 1 MiB: the limit is inclusive.
    let big = format!("a eq \"{}\"", "x".repeat((1 << 20) - 7));
    assert_eq!(big.len(), 1 << 20);
    assert!(parse_filter(&big).is_ok());
    let bigger = format!("{big} ");
    assert_eq!(
        parse_filter(&bigger).unwrap_err().kind(),
        &ErrorKind::TooLong { max: 1 << 20 }
    );
    // Many terms in one flat node.
    let many = vec!["a pr"; 300].join(" or ");
    match &parse_filter(&many).unwrap() {
        Filter::Or(v) => assert_eq!(v.len(), 300),
        other => panic!("{other:?}"),
    }
}

#[test]
fn spans_point_into_the_text() {
    let text = r#"name.givenName eq "Ann" and emails[type eq "work"]"#;
    let f = parse_filter(text).unwrap();
    let Filter::And(v) = &f else { panic!() };
    let Filter::Compare(c) = &v[0] else { panic!() };
    assert_eq!((c.path.span.start, c.path.span.end), (0, 14));
    assert_eq!(&text[c.op_span.start..c.op_span.end], "eq");
    assert_eq!(&text[c.value_span.start..c.value_span.end], "\"Ann\"");
    let Filter::ValuePath(vp) = &v[1] else {
        panic!()
    };
    assert_eq!(
        &text[vp.span.start..vp.span.end],
        r#"emails[type eq "work"]"#
    );
}

#[test]
fn fold_translates_to_sql() {
    use scim_filter::{Comparison, Fold, ValuePath};
    /// A toy translation: `WHERE` text with `?` placeholders and bind values.
    struct Sql {
        binds: Vec<String>,
        prefix: Vec<String>,
    }
    impl Sql {
        fn column(&self, p: &AttrPath) -> String {
            let mut c = self.prefix.join("_");
            if !c.is_empty() {
                c.push('_');
            }
            c.push_str(&p.name.to_lowercase());
            if let Some(s) = &p.sub_attr {
                c.push('_');
                c.push_str(&s.to_lowercase());
            }
            c
        }
    }
    impl Fold for Sql {
        type Output = String;
        fn compare(&mut self, c: &Comparison) -> String {
            let col = self.column(&c.path);
            let v = match &c.value {
                CompValue::String(s) => s.to_string(),
                other => other.to_string(),
            };
            let (op, v) = match c.op {
                Eq => ("=", v),
                Ne => ("<>", v),
                Co => ("LIKE", format!("%{v}%")),
                Sw => ("LIKE", format!("{v}%")),
                Ew => ("LIKE", format!("%{v}")),
                Gt => (">", v),
                Ge => (">=", v),
                Lt => ("<", v),
                Le => ("<=", v),
            };
            self.binds.push(v);
            format!("{col} {op} ?")
        }
        fn present(&mut self, p: &AttrPath) -> String {
            format!("{} IS NOT NULL", self.column(p))
        }
        fn and(&mut self, v: Vec<String>) -> String {
            format!("({})", v.join(" AND "))
        }
        fn or(&mut self, v: Vec<String>) -> String {
            format!("({})", v.join(" OR "))
        }
        fn not(&mut self, v: Option<String>) -> String {
            format!("NOT {}", v.unwrap())
        }
        fn enter_value_path(&mut self, vp: &ValuePath) {
            self.prefix.push(vp.attr.name.as_str().to_lowercase());
        }
        fn value_path(&mut self, vp: &ValuePath, inner: Option<String>) -> String {
            self.prefix.pop();
            format!(
                "EXISTS (SELECT 1 FROM {} WHERE {})",
                vp.attr.name.to_lowercase(),
                inner.unwrap()
            )
        }
    }
    let f = parse_filter(
        r#"userName sw "b" and not (title pr) or emails[type eq "work" and value co "@x.org"]"#,
    )
    .unwrap();
    let mut sql = Sql {
        binds: vec![],
        prefix: vec![],
    };
    let w = f.fold(&mut sql);
    assert_eq!(
        w,
        "((username LIKE ? AND NOT title IS NOT NULL) OR EXISTS (SELECT 1 FROM emails WHERE (emails_type = ? AND emails_value LIKE ?)))"
    );
    assert_eq!(sql.binds, ["b%", "work", "%@x.org%"]);
}

#[test]
fn pretty_debug_puts_one_node_per_line() {
    let f = verified(
        r#"userName eq "x" and (emails[type eq "work" and not (primary pr)] or title pr)"#,
    );
    snapbox::assert_data_eq!(
        format!("{f:#?}"),
        snapbox::str![[r#"
And[
    Compare(userName@0..8 eq "x"@12..15),
    Or[
        ValuePath(
            emails@21..27,
            And[
                Compare(type@28..32 eq "work"@36..42),
                Not(
                    Present(primary@52..59),
                ),
            ],
        ),
        Present(title@68..73),
    ],
]
"#]]
    );
    // A leaf alone prints as in the compact form.
    assert_eq!(
        format!("{:#?}", verified("title pr")),
        "Present(title@0..5)"
    );
    // Deep trees print without recursion (the indentation makes the text
    // quadratic in the depth, so the depth stays moderate here).
    let deep = format!("{}a pr{}", "not (".repeat(2_000), ")".repeat(2_000));
    let f = Parser::new().nest_limit(2_000).parse_filter(&deep).unwrap();
    assert_eq!(format!("{f:#?}").lines().count(), 4_001);
}
