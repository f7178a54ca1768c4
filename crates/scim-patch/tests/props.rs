//! Property tests: atomicity of refused requests, idempotence of `add` for present items,
//! the diff round trip, and a model-based test of group membership against a naive
//! reference implementation.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;
use proptest::prelude::*;
use proptest::sample::select;
use scim_patch::{Compat, ElementChange, Patcher, equivalent};
use serde_json::{Map, Value, json};

const IDS: [&str; 8] = ["a", "b", "C", "c", "d-1", "e\"q", "Ø", "ø"];
const MAILS: [&str; 5] = ["x@ex.com", "X@ex.com", "y@ex.com", "z@home.org", "w@w.w"];
const TYPES: [&str; 3] = ["work", "home", "other"];
const WORDS: [&str; 4] = ["Ann", "Bob", "", "Ødegård"];

fn opt<T: std::fmt::Debug + Clone + 'static>(
    s: impl Strategy<Value = T> + 'static,
) -> BoxedStrategy<Option<T>> {
    prop_oneof![Just(None), s.prop_map(Some)].boxed()
}

fn email() -> impl Strategy<Value = Value> {
    (select(&MAILS[..]), opt(select(&TYPES[..])), any::<bool>()).prop_map(|(v, t, p)| {
        let mut m = Map::new();
        m.insert("value".into(), json!(v));
        if let Some(t) = t {
            m.insert("type".into(), json!(t));
        }
        if p {
            m.insert("primary".into(), json!(true));
        }
        Value::Object(m)
    })
}

/// At most one `primary: true` per list, and no two items with the same `value`.
fn one_primary(items: Vec<Value>) -> Vec<Value> {
    let mut values: Vec<String> = Vec::new();
    let mut items: Vec<Value> = items
        .into_iter()
        .filter(|i| {
            let v = i["value"].as_str().unwrap().to_owned();
            let dup = values.iter().any(|s| s.eq_ignore_ascii_case(&v));
            values.push(v);
            !dup
        })
        .collect();
    let mut seen = false;
    for i in &mut items {
        if i.get("primary") == Some(&json!(true)) {
            if seen {
                i.as_object_mut().unwrap().shift_remove("primary");
            }
            seen = true;
        }
    }
    items
}

fn a_user() -> impl Strategy<Value = Value> {
    (
        select(&WORDS[..]),
        opt(select(&WORDS[..])),
        opt(select(&WORDS[..])),
        opt(any::<bool>()),
        opt((opt(select(&WORDS[..])), opt(select(&WORDS[..])))),
        proptest::collection::vec(email(), 0..4),
        proptest::collection::vec((select(&TYPES[..]), select(&WORDS[..])), 0..3),
        opt((opt(select(&WORDS[..])), opt(select(&IDS[..])))),
    )
        .prop_map(
            |(user_name, display, title, active, name, emails, addrs, ent)| {
                let mut u = Map::new();
                let mut schemas = vec![json!(USER)];
                u.insert("id".into(), json!("u1"));
                u.insert("userName".into(), json!(format!("user{user_name}")));
                if let Some(d) = display {
                    u.insert("displayName".into(), json!(d));
                }
                if let Some(t) = title {
                    u.insert("title".into(), json!(t));
                }
                if let Some(a) = active {
                    u.insert("active".into(), json!(a));
                }
                if let Some((g, f)) = name {
                    let mut n = Map::new();
                    if let Some(g) = g {
                        n.insert("givenName".into(), json!(g));
                    }
                    if let Some(f) = f {
                        n.insert("familyName".into(), json!(f));
                    }
                    if !n.is_empty() {
                        u.insert("name".into(), Value::Object(n));
                    }
                }
                if !emails.is_empty() {
                    u.insert("emails".into(), Value::Array(one_primary(emails)));
                }
                if !addrs.is_empty() {
                    let a: Vec<Value> = addrs
                        .into_iter()
                        .map(|(t, l)| json!({"type": t, "locality": l}))
                        .collect();
                    u.insert("addresses".into(), Value::Array(a));
                }
                if let Some((dept, mgr)) = ent {
                    let mut e = Map::new();
                    if let Some(d) = dept {
                        e.insert("department".into(), json!(d));
                    }
                    if let Some(m) = mgr {
                        e.insert("manager".into(), json!({"value": m}));
                    }
                    if !e.is_empty() {
                        schemas.push(json!(ENT));
                        u.insert(ENT.into(), Value::Object(e));
                    }
                }
                u.insert("schemas".into(), Value::Array(schemas));
                u.insert("meta".into(), json!({"resourceType": "User"}));
                Value::Object(u)
            },
        )
}

fn a_group() -> impl Strategy<Value = Value> {
    (
        opt(select(&WORDS[..])),
        proptest::collection::vec((select(&IDS[..]), opt(select(&WORDS[..]))), 0..6),
    )
        .prop_map(|(name, members)| {
            let mut g = group(0);
            let mut seen: Vec<String> = Vec::new();
            let m: Vec<Value> = members
                .into_iter()
                .filter(|(id, _)| {
                    let dup = seen.iter().any(|s| ci(s, id));
                    seen.push((*id).to_owned());
                    !dup
                })
                .map(|(id, d)| match d {
                    Some(d) => json!({"value": id, "display": d}),
                    None => json!({"value": id}),
                })
                .collect();
            let o = g.as_object_mut().unwrap();
            if m.is_empty() {
                o.shift_remove("members");
            } else {
                o.insert("members".into(), Value::Array(m));
            }
            if let Some(n) = name {
                o.insert("displayName".into(), json!(n));
            }
            g
        })
}

const PATHS: [&str; 22] = [
    "userName",
    "displayName",
    "title",
    "active",
    "name",
    "name.givenName",
    "emails",
    "emails[type eq \"work\"]",
    "emails[type eq \"work\"].value",
    "emails[primary eq true].value",
    "emails[value eq \"x@ex.com\"].primary",
    "addresses[type eq \"home\"].locality",
    "members",
    "members[value eq \"a\"]",
    "members[value eq \"b\" or value eq \"C\"].display",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "manager.value",
    "id",
    "meta.version",
    "emails[type eq",
    "nope",
];

fn a_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        select(&WORDS[..]).prop_map(|w| json!(w)),
        any::<bool>().prop_map(|b| json!(b)),
        Just(json!("True")),
        Just(json!(7)),
        email(),
        proptest::collection::vec(email(), 0..3).prop_map(Value::Array),
        proptest::collection::vec(select(&IDS[..]), 0..3)
            .prop_map(|ids| Value::Array(ids.into_iter().map(|i| json!({"value": i})).collect())),
        Just(json!({"givenName": "Zed", "familyName": null})),
        Just(json!({"department": "R&D", "manager": {"value": "m"}})),
        Just(json!({"title": "T", "name.givenName": "Q", "id": "u1", "nickname": "n"})),
    ]
}

fn an_op() -> impl Strategy<Value = Value> {
    (
        select(&["add", "replace", "remove", "Add", "REPLACE"][..]),
        opt(select(&PATHS[..])),
        opt(a_value()),
    )
        .prop_map(|(op, path, value)| {
            let mut m = Map::new();
            m.insert("op".into(), json!(op));
            if let Some(p) = path {
                m.insert("path".into(), json!(p));
            }
            if let Some(v) = value {
                m.insert("value".into(), v);
            }
            Value::Object(m)
        })
}

fn a_body() -> impl Strategy<Value = Value> {
    proptest::collection::vec(an_op(), 1..5).prop_map(|o| ops(Value::Array(o)))
}

fn a_resource() -> impl Strategy<Value = Value> {
    prop_oneof![a_user(), a_group()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// A refused request leaves the resource byte for byte as it was, in both modes
    /// (`common::run` asserts it), and a no-op request changes nothing.
    #[test]
    fn refused_requests_are_atomic(resource in a_resource(), body in a_body()) {
        for compat in [Compat::strict(), Compat::tolerant()] {
            let mut r = resource.clone();
            let before = serde_json::to_string(&r).unwrap();
            match Patcher::new(registry()).with_compat(compat).apply_json(&mut r, &body) {
                Err(_) => prop_assert_eq!(serde_json::to_string(&r).unwrap(), before),
                Ok(out) => if out.is_noop() { prop_assert_eq!(&r, &resource) },
            }
        }
    }

    /// A plan kept and applied (its values copied) does exactly what `Patcher::apply` does
    /// with a plan used once (its values moved), and can be applied again.
    #[test]
    fn kept_and_spent_plans_agree(resource in a_resource(), body in a_body()) {
        for compat in [Compat::strict(), Compat::tolerant()] {
            let p = Patcher::new(registry()).with_compat(compat);
            let Ok(patch) = p.decode(&body) else { continue };
            let rt = scim_patch::resource_type_of(registry(), &resource).unwrap();
            let mut spent = resource.clone();
            let spent_out = p.apply_to(rt, &mut spent, &patch);
            let Ok(plan) = p.plan(rt, &patch) else {
                prop_assert!(spent_out.is_err());
                continue;
            };
            for _ in 0..2 {
                let mut kept = resource.clone();
                let kept_out = plan.apply(&mut kept);
                prop_assert_eq!(serde_json::to_string(&kept).unwrap(), serde_json::to_string(&spent).unwrap());
                match (&kept_out, &spent_out) {
                    (Ok(k), Ok(s)) => prop_assert_eq!(k, s),
                    (Err(k), Err(s)) => prop_assert_eq!(k.to_string(), s.to_string()),
                    _ => prop_assert!(false, "{:?} vs {:?}", kept_out, spent_out),
                }
            }
        }
    }

    /// Adding items that are already present changes nothing and reports no change.
    #[test]
    fn add_of_present_items_is_idempotent(resource in a_resource(), pick in any::<prop::sample::Index>()) {
        let attr = if resource.get("members").is_some() { "members" } else { "emails" };
        let Some(items) = resource.get(attr).and_then(Value::as_array).filter(|a| !a.is_empty()) else {
            return Ok(());
        };
        let item = pick.get(items).clone();
        let body = ops(json!([{"op": "add", "path": attr, "value": [item]}]));
        for compat in [Compat::strict(), Compat::tolerant()] {
            let mut r = resource.clone();
            let out = Patcher::new(registry()).with_compat(compat).apply_json(&mut r, &body).unwrap();
            prop_assert!(out.is_noop());
            prop_assert_eq!(&r, &resource);
        }
    }

    /// A successful `add` applied again changes nothing. (With a value filter, the first
    /// add may move the element out of the filter's reach — `add emails[type eq "work"]`
    /// with `{"type": "home"}` — and the second then has no target.)
    #[test]
    fn successful_adds_are_idempotent(resource in a_resource(), value in a_value(), path in select(&PATHS[..])) {
        let body = ops(json!([{"op": "add", "path": path, "value": value}]));
        let p = Patcher::new(registry());
        let mut once = resource.clone();
        if p.apply_json(&mut once, &body).is_ok() {
            let mut twice = once.clone();
            match p.apply_json(&mut twice, &body) {
                Ok(out) => {
                    prop_assert!(out.is_noop(), "{:?} {}", out.changed(), body);
                    prop_assert_eq!(twice, once);
                }
                Err(e) => prop_assert!(path.contains('[') && e.scim_type() == scim_core::ScimType::NoTarget, "{e}"),
            }
        }
    }

    /// `apply(old, diff(old, new))` is equivalent to `new` (see `scim_patch::equivalent`),
    /// with the strict profile: `diff` emits RFC-only PatchOps.
    #[test]
    fn diff_round_trip_users(old in a_user(), new in a_user()) {
        round_trip(&old, &new)?;
    }

    #[test]
    fn diff_round_trip_groups(old in a_group(), new in a_group()) {
        round_trip(&old, &new)?;
    }
}

fn round_trip(old: &Value, new: &Value) -> Result<(), TestCaseError> {
    let patch = scim_patch::diff(old, new, registry());
    let mut r = old.clone();
    let p = Patcher::new(registry()).with_compat(Compat::strict());
    if let Err(e) = p.apply(&mut r, &patch) {
        return Err(TestCaseError::fail(format!(
            "{e}\n{}",
            serde_json::to_string(&patch).unwrap()
        )));
    }
    prop_assert!(
        equivalent(&r, new),
        "\nold {old}\nnew {new}\ngot {r}\npatch {}",
        serde_json::to_string(&patch).unwrap()
    );
    if equivalent(old, new) {
        prop_assert!(patch.operations.is_empty());
    }
    Ok(())
}

// ----- model-based: group membership against a naive reference -----

#[derive(Debug, Clone)]
enum MOp {
    Add(Vec<&'static str>),
    RemoveFilter(&'static str),
    RemoveList(Vec<&'static str>),
    Replace(Vec<&'static str>),
    RemoveAll,
}

fn mop() -> impl Strategy<Value = MOp> {
    let ids = || proptest::collection::vec(select(&IDS[..]), 0..4);
    prop_oneof![
        ids().prop_map(MOp::Add),
        select(&IDS[..]).prop_map(MOp::RemoveFilter),
        ids().prop_map(MOp::RemoveList),
        ids().prop_map(MOp::Replace),
        Just(MOp::RemoveAll),
    ]
}

fn to_json(op: &MOp) -> Value {
    let items = |ids: &[&str]| Value::Array(ids.iter().map(|i| json!({"value": i})).collect());
    match op {
        MOp::Add(ids) => json!({"op": "add", "path": "members", "value": items(ids)}),
        MOp::RemoveFilter(id) => {
            json!({"op": "remove", "path": format!("members[value eq {}]", json!(id))})
        }
        MOp::RemoveList(ids) => json!({"op": "remove", "path": "members", "value": items(ids)}),
        MOp::Replace(ids) => json!({"op": "replace", "path": "members", "value": items(ids)}),
        MOp::RemoveAll => json!({"op": "remove", "path": "members"}),
    }
}

/// Case-insensitive, as `members.value` (caseExact: false) compares: Unicode lowercase.
fn ci(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

/// The reference: membership as a list of ids, compared case-insensitively.
fn model(state: &mut Vec<String>, op: &MOp) -> Result<(), ()> {
    let has = |s: &[String], id: &str| s.iter().position(|m| ci(m, id));
    match op {
        MOp::Add(ids) => {
            for id in ids {
                if has(state, id).is_none() {
                    state.push((*id).to_owned());
                }
            }
        }
        MOp::RemoveFilter(id) => {
            let before = state.len();
            state.retain(|m| !ci(m, id));
            if state.len() == before {
                return Err(());
            }
        }
        MOp::RemoveList(ids) => state
            .retain(|m| has(&ids.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(), m).is_none()),
        MOp::Replace(ids) => {
            state.clear();
            for id in ids {
                if has(state, id).is_none() {
                    state.push((*id).to_owned());
                }
            }
        }
        MOp::RemoveAll => state.clear(),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn membership_matches_the_reference(requests in proptest::collection::vec(proptest::collection::vec(mop(), 1..4), 1..6)) {
        let mut g = group(0);
        let mut state: Vec<String> = Vec::new();
        let p = Patcher::new(registry());
        for request in &requests {
            let body = ops(Value::Array(request.iter().map(to_json).collect()));
            let mut next = state.clone();
            let expected = request.iter().try_for_each(|op| model(&mut next, op));
            let got = p.apply_json(&mut g, &body);
            prop_assert_eq!(got.is_ok(), expected.is_ok(), "{}", body);
            if expected.is_ok() {
                state = next;
            }
            let members: Vec<String> = g.get("members").and_then(Value::as_array).map(|a| {
                a.iter().map(|m| m["value"].as_str().unwrap().to_owned()).collect()
            }).unwrap_or_default();
            prop_assert_eq!(&members, &state, "{}", body);
        }
    }
}

// ----- the same model on a large group: the indexed and word-at-a-time paths -----

/// Long ids that differ only in case, only in length, or only in a non-ASCII letter whose
/// lowercase is ASCII (the Kelvin sign lowercases to `k`), and short ones.
const LONG_IDS: [&str; 12] = [
    "2819c223-7f76-453a-919d-413861904646",
    "2819C223-7F76-453A-919D-413861904646",
    "2819c223-7f76-453a-919d-41386190464",
    "2819c223-7f76-453a-919d-413861904647",
    "\u{212A}elvin-7f76-453a",
    "kelvin-7f76-453a",
    "KELVIN-7F76-453A",
    "Ødegård-7f76-453a",
    "ødegård-7f76-453a",
    "m000012",
    "M000013",
    "c",
];

#[derive(Debug, Clone)]
enum LOp {
    Add(Vec<&'static str>),
    RemoveFilter(Vec<&'static str>),
    RemoveList(Vec<&'static str>),
}

fn lop() -> impl Strategy<Value = LOp> {
    let ids = |n| proptest::collection::vec(select(&LONG_IDS[..]), n);
    prop_oneof![
        ids(0..7).prop_map(LOp::Add),
        ids(1..4).prop_map(LOp::RemoveFilter),
        ids(0..7).prop_map(LOp::RemoveList),
    ]
}

fn lop_json(op: &LOp) -> Value {
    let items = |ids: &[&str]| Value::Array(ids.iter().map(|i| json!({"value": i})).collect());
    match op {
        LOp::Add(ids) => json!({"op": "add", "path": "members", "value": items(ids)}),
        LOp::RemoveFilter(ids) => {
            let f: Vec<String> = ids
                .iter()
                .map(|i| format!("value eq {}", json!(i)))
                .collect();
            json!({"op": "remove", "path": format!("members[{}]", f.join(" or "))})
        }
        LOp::RemoveList(ids) => json!({"op": "remove", "path": "members", "value": items(ids)}),
    }
}

fn lop_model(state: &mut Vec<String>, op: &LOp) -> Result<(), ()> {
    let listed = |ids: &[&str], m: &str| ids.iter().any(|i| ci(i, m));
    match op {
        LOp::Add(ids) => {
            for id in ids {
                if !state.iter().any(|m| ci(m, id)) {
                    state.push((*id).to_owned());
                }
            }
        }
        LOp::RemoveFilter(ids) => {
            let before = state.len();
            state.retain(|m| !listed(ids, m));
            if state.len() == before {
                return Err(());
            }
        }
        LOp::RemoveList(ids) => state.retain(|m| !listed(ids, m)),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn large_group_membership_matches_the_reference(requests in proptest::collection::vec(proptest::collection::vec(lop(), 1..4), 1..5)) {
        let mut g = group(80);
        let mut state: Vec<String> = (0..80).map(|i| format!("m{i:06}")).collect();
        let p = Patcher::new(registry());
        for request in &requests {
            let body = ops(Value::Array(request.iter().map(lop_json).collect()));
            let before = g.clone();
            let mut next = state.clone();
            let expected = request.iter().try_for_each(|op| lop_model(&mut next, op));
            let got = p.apply_json(&mut g, &body);
            prop_assert_eq!(got.is_ok(), expected.is_ok(), "{}", body);
            if expected.is_ok() {
                state = next;
            } else {
                prop_assert_eq!(&g, &before, "{}", body);
            }
            let members: Vec<String> = g.get("members").and_then(Value::as_array).map(|a| {
                a.iter().map(|m| m["value"].as_str().unwrap().to_owned()).collect()
            }).unwrap_or_default();
            prop_assert_eq!(&members, &state, "{}", body);
        }
    }
}

// ----- identities kept between requests: the same answers as without them -----

#[derive(Debug, Clone)]
enum KOp {
    Large(LOp),
    AddWithDisplay(&'static str, &'static str),
    Replace(Vec<&'static str>),
    RemoveAll,
    PathlessAdd(Vec<&'static str>),
    DisplayName(&'static str),
    Missing,
}

fn kop() -> impl Strategy<Value = KOp> {
    let ids = |n| proptest::collection::vec(select(&LONG_IDS[..]), n);
    prop_oneof![
        6 => lop().prop_map(KOp::Large),
        1 => (select(&LONG_IDS[..]), select(&WORDS[..])).prop_map(|(i, w)| KOp::AddWithDisplay(i, w)),
        1 => ids(0..3).prop_map(KOp::Replace),
        1 => Just(KOp::RemoveAll),
        1 => ids(1..3).prop_map(KOp::PathlessAdd),
        1 => select(&WORDS[..]).prop_map(KOp::DisplayName),
        1 => Just(KOp::Missing),
    ]
}

fn kop_json(op: &KOp) -> Value {
    let items = |ids: &[&str]| Value::Array(ids.iter().map(|i| json!({"value": i})).collect());
    match op {
        KOp::Large(op) => lop_json(op),
        KOp::AddWithDisplay(id, d) => {
            json!({"op": "add", "path": "members", "value": [{"value": id, "display": d}]})
        }
        KOp::Replace(ids) => json!({"op": "replace", "path": "members", "value": items(ids)}),
        KOp::RemoveAll => json!({"op": "remove", "path": "members"}),
        KOp::PathlessAdd(ids) => json!({"op": "add", "value": {"members": items(ids)}}),
        KOp::DisplayName(w) => json!({"op": "replace", "path": "displayName", "value": w}),
        KOp::Missing => json!({"op": "remove", "path": "members[value eq \"nobody\"]"}),
    }
}

fn member_values(g: &Value) -> Vec<String> {
    g.get("members")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|m| m["value"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A group patched through a `KeptIndex`, request after request (failed ones included),
    /// ends up byte for byte as the same group patched without one, with the same outcome
    /// or error each time.
    #[test]
    fn kept_identities_change_no_answer(
        size in prop_oneof![Just(0usize), Just(63), Just(80)],
        requests in proptest::collection::vec(proptest::collection::vec(kop(), 1..4), 1..8),
    ) {
        let p = Patcher::new(registry());
        let mut plain = group(size);
        let mut indexed = plain.clone();
        let mut kept = scim_patch::KeptIndex::new();
        for request in &requests {
            let body = ops(Value::Array(request.iter().map(kop_json).collect()));
            let patch = p.decode(&body).unwrap();
            let before = member_values(&indexed);
            let want = p.apply(&mut plain, &patch);
            let got = p.apply_kept(&mut indexed, &patch, &mut kept);
            match (&want, &got) {
                (Ok(w), Ok(g)) => {
                    prop_assert_eq!(w.changed(), g.changed(), "{}", body);
                    // A delta, when there is one, turns the old members into the new ones.
                    for d in g.element_deltas() {
                        prop_assert_eq!(d.attribute(), "members");
                        let mut now = before.clone();
                        for c in d.changes() {
                            match c {
                                ElementChange::Added(id) => now.push(id.clone()),
                                ElementChange::Removed(id) => {
                                    let at = now.iter().position(|m| m == id);
                                    prop_assert!(at.is_some(), "{} removed but absent", id);
                                    now.remove(at.unwrap());
                                }
                            }
                        }
                        let mut after = member_values(&indexed);
                        now.sort();
                        after.sort();
                        prop_assert_eq!(now, after, "{}", body);
                    }
                }
                (Err(w), Err(g)) => prop_assert_eq!(w.to_string(), g.to_string(), "{}", body),
                _ => prop_assert!(false, "{:?} vs {:?} for {}", want, got, body),
            }
            prop_assert_eq!(
                serde_json::to_string(&indexed).unwrap(),
                serde_json::to_string(&plain).unwrap(),
                "{}", body
            );
        }
    }
}
