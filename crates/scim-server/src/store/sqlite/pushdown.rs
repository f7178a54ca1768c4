//! Filter push-down: a [`CompiledFold`] that turns a compiled filter into an SQL condition
//! with bind parameters, plus the Rust functions it calls from SQL.
//!
//! # Exactness
//!
//! Every node becomes a [`Pushed`]: a condition every matching resource satisfies (or none:
//! "true") and whether that condition is *exact* (satisfied by matching resources only).
//! `and` keeps the conditions it has, `or` needs one per operand, `not` and value paths need
//! an exact operand. The store runs the condition in SQL; when the whole filter is not exact,
//! it evaluates [`scim_filter::CompiledFilter::matches`] in Rust on the candidates. SQL only
//! ever narrows, so a filter is never answered wrongly.
//!
//! Leaves are compared by `scim_leaf`, a function written in Rust and registered on every
//! connection: it walks the JSON of an attribute the way the in-memory evaluator does (arrays
//! fan out, `ne` is "some value differs or there is none", `pr` is RFC 7644's) and compares
//! strings with Unicode-aware case folding (`char::to_lowercase`), never with SQLite's
//! ASCII-only `lower()`, `NOCASE` or `LIKE`. What it does not implement (numbers, dateTimes
//! compared as instants, attributes of unknown type, derived `groups`, `meta.version`) stays
//! inexact and is evaluated in Rust.
//!
//! Equality on an indexed attribute (`userName`, `externalId`, a group's `displayName`) is a
//! lookup in the `attr_index` table; `id eq` uses the primary key; value paths use
//! `json_each` over the attribute (or the `members` table for a group's members).

use super::{IndexDef, Kind};
use rusqlite::types::Value as SqlValue;
use scim_core::schema::AttributeType;
use scim_filter::{CompareOp, CompiledFold, Literal, ResolvedAttr};
use serde_json::Value;
use std::fmt::Write as _;

/// The comparison a `scim_leaf` call makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LeafKind {
    /// A string compared case-insensitively.
    StrFolded = 0,
    /// A string compared exactly.
    StrExact = 1,
    /// A boolean.
    Bool = 2,
    /// `pr`.
    Present = 3,
    /// `eq null` (with `eq`) or `ne null` (with `ne`).
    Null = 4,
}

/// A condition in SQL-to-be, relative to a JSON root (the resource or one element).
#[derive(Debug, Clone)]
pub(crate) enum Cond {
    /// A constant.
    Const(bool),
    /// `scim_leaf` on the values at `keys` below the root.
    Leaf {
        keys: Vec<String>,
        op: CompareOp,
        kind: LeafKind,
        lit: SqlValue,
    },
    /// `userName eq "x"` answered by the `attr_index` table.
    Indexed { name: String, folded: String },
    /// `id eq "x"`.
    Id(String),
    /// Some element of the group's `members` satisfies the inner condition.
    Members(Box<Cond>),
    /// Some element of the multi-valued attribute at `keys` satisfies the inner condition.
    Each { keys: Vec<String>, inner: Box<Cond> },
    /// All of them.
    And(Vec<Cond>),
    /// Some of them.
    Or(Vec<Cond>),
    /// The negation.
    Not(Box<Cond>),
}

/// What a node of the filter pushes down.
#[derive(Debug, Clone)]
pub(crate) struct Pushed {
    /// A condition every matching resource satisfies; `None` is "true".
    pub(crate) cond: Option<Cond>,
    /// Whether exactly the matching resources satisfy `cond`.
    pub(crate) exact: bool,
}

impl Pushed {
    fn exact(cond: Cond) -> Self {
        Pushed {
            cond: Some(cond),
            exact: true,
        }
    }

    fn unknown() -> Self {
        Pushed {
            cond: None,
            exact: false,
        }
    }
}

/// The fold from a compiled filter to [`Pushed`].
#[derive(Debug)]
pub(crate) struct SqlFold<'k> {
    kind: &'k Kind,
    /// Inside a value path: the attribute whose elements the leaves look at.
    in_value_path: Option<ResolvedAttr>,
    /// Whether the filter looks at a group's `members` (so Rust evaluation needs them).
    pub(crate) mentions_members: bool,
}

impl<'k> SqlFold<'k> {
    pub(crate) fn new(kind: &'k Kind) -> Self {
        SqlFold {
            kind,
            in_value_path: None,
            mentions_members: false,
        }
    }

    fn is_members(&self, attr: &ResolvedAttr) -> bool {
        self.kind.has_members && attr.extension.is_none() && attr.name == "members"
    }

    fn is_unpushable(&self, attr: &ResolvedAttr) -> bool {
        attr.extension.is_none()
            && ((self.kind.derived_groups && attr.name == "groups")
                || (attr.name == "meta" && attr.sub_attr.as_deref() == Some("version")))
    }

    /// The leaf kind and literal of a comparison the SQL side can make exactly.
    fn leaf_test(
        attr: &ResolvedAttr,
        op: CompareOp,
        lit: Literal<'_>,
    ) -> Option<(LeafKind, SqlValue)> {
        match (attr.type_?, lit) {
            (_, Literal::Null) if matches!(op, CompareOp::Eq | CompareOp::Ne) => {
                Some((LeafKind::Null, SqlValue::Null))
            }
            (
                AttributeType::String | AttributeType::Reference | AttributeType::Binary,
                Literal::String(s),
            ) => {
                let kind = if attr.case_exact {
                    LeafKind::StrExact
                } else {
                    LeafKind::StrFolded
                };
                Some((kind, SqlValue::Text(s.to_owned())))
            }
            // dateTime compared by substring: the compiled filter compares the text exactly.
            (AttributeType::DateTime, Literal::String(s)) if op.is_substring() => {
                Some((LeafKind::StrExact, SqlValue::Text(s.to_owned())))
            }
            (AttributeType::Boolean, Literal::Bool(b))
                if matches!(op, CompareOp::Eq | CompareOp::Ne) =>
            {
                Some((LeafKind::Bool, SqlValue::Integer(i64::from(b))))
            }
            _ => None,
        }
    }

    /// The keys of a top-level attribute below the resource root.
    fn top_keys(attr: &ResolvedAttr) -> Vec<String> {
        let mut keys = Vec::with_capacity(3);
        if let Some(ext) = &attr.extension {
            keys.push(ext.clone());
        }
        if !attr.name.is_empty() {
            keys.push(attr.name.clone());
        }
        if let Some(sub) = &attr.sub_attr {
            keys.push(sub.clone());
        }
        keys
    }

    /// The keys of an element's sub-attribute inside a value path.
    fn element_keys(parent: &ResolvedAttr, attr: &ResolvedAttr) -> Vec<String> {
        let simple_parent = parent.type_.is_some_and(|t| t != AttributeType::Complex);
        if simple_parent && attr.name == "value" {
            return Vec::new();
        }
        let mut keys = vec![attr.name.clone()];
        if let Some(sub) = &attr.sub_attr {
            keys.push(sub.clone());
        }
        keys
    }

    fn leaf(
        &mut self,
        attr: &ResolvedAttr,
        op: CompareOp,
        test: Option<(LeafKind, SqlValue)>,
    ) -> Pushed {
        if self.in_value_path.is_none() && self.is_members(attr) {
            self.mentions_members = true;
        }
        let Some((kind, lit)) = test else {
            return Pushed::unknown();
        };
        if attr.type_.is_none() || attr.extension.as_deref().is_some_and(|e| e.contains('"')) {
            return Pushed::unknown();
        }
        if let Some(parent) = &self.in_value_path {
            if attr.extension.is_some() {
                return Pushed::unknown();
            }
            let keys = Self::element_keys(parent, attr);
            return Pushed::exact(Cond::Leaf {
                keys,
                op,
                kind,
                lit,
            });
        }
        if self.is_members(attr) {
            self.mentions_members = true;
            // Some member satisfies it: exact for "some value" operators only.
            let positive = match kind {
                LeafKind::Null => false,
                _ => op != CompareOp::Ne,
            };
            if !positive {
                return Pushed::unknown();
            }
            let keys = attr.sub_attr.iter().cloned().collect();
            return Pushed::exact(Cond::Members(Box::new(Cond::Leaf {
                keys,
                op,
                kind,
                lit,
            })));
        }
        if self.is_unpushable(attr) {
            return Pushed::unknown();
        }
        if attr.extension.is_none()
            && attr.sub_attr.is_none()
            && !attr.multi_valued
            && op == CompareOp::Eq
            && let SqlValue::Text(s) = &lit
        {
            if attr.name == "id" && attr.case_exact {
                return Pushed::exact(Cond::Id(s.clone()));
            }
            if let Some(ix) = self.kind.indexes.iter().find(|ix| ix.name == attr.name)
                && let Some(folded) = index_key(ix, attr, s)
            {
                return Pushed::exact(Cond::Indexed {
                    name: ix.name.clone(),
                    folded,
                });
            }
        }
        Pushed::exact(Cond::Leaf {
            keys: Self::top_keys(attr),
            op,
            kind,
            lit,
        })
    }
}

/// The `attr_index` key that finds exactly the resources whose `attr` equals `s` as the filter
/// compares, if there is one. The index folds with `str::to_lowercase` (as uniqueness does),
/// the filter with `char::to_lowercase`; they differ only on the Greek capital sigma, so a
/// literal with a sigma is left to `scim_leaf`.
fn index_key(ix: &IndexDef, attr: &ResolvedAttr, s: &str) -> Option<String> {
    if ix.case_exact != attr.case_exact || attr.type_ != Some(AttributeType::String) {
        return None;
    }
    if ix.case_exact {
        return Some(s.to_owned());
    }
    if s.chars().any(|c| matches!(c, 'Σ' | 'σ' | 'ς')) {
        return None;
    }
    Some(super::fold(s, false))
}

impl CompiledFold for SqlFold<'_> {
    type Output = Pushed;

    fn present(&mut self, attr: &ResolvedAttr) -> Pushed {
        self.leaf(
            attr,
            CompareOp::Eq,
            Some((LeafKind::Present, SqlValue::Null)),
        )
    }

    fn compare(&mut self, attr: &ResolvedAttr, op: CompareOp, literal: Literal<'_>) -> Pushed {
        let test = Self::leaf_test(attr, op, literal);
        self.leaf(attr, op, test)
    }

    fn and(&mut self, operands: Vec<Pushed>) -> Pushed {
        let exact = operands.iter().all(|p| p.exact);
        let conds: Vec<Cond> = operands.into_iter().filter_map(|p| p.cond).collect();
        let cond = match conds.len() {
            0 => None,
            1 => conds.into_iter().next(),
            _ => Some(Cond::And(conds)),
        };
        Pushed { cond, exact }
    }

    fn or(&mut self, operands: Vec<Pushed>) -> Pushed {
        let exact = operands.iter().all(|p| p.exact);
        let mut conds = Vec::with_capacity(operands.len());
        for p in operands {
            match p.cond {
                Some(c) => conds.push(c),
                None => return Pushed::unknown(),
            }
        }
        Pushed {
            cond: Some(Cond::Or(conds)),
            exact,
        }
    }

    fn not(&mut self, operand: Pushed) -> Pushed {
        match operand {
            Pushed {
                cond: Some(c),
                exact: true,
            } => Pushed::exact(Cond::Not(Box::new(c))),
            _ => Pushed::unknown(),
        }
    }

    fn constant(&mut self, value: bool) -> Pushed {
        Pushed::exact(Cond::Const(value))
    }

    fn enter_value_path(&mut self, attr: &ResolvedAttr) {
        self.in_value_path = Some(attr.clone());
    }

    fn value_path(&mut self, attr: &ResolvedAttr, inner: Pushed) -> Pushed {
        self.in_value_path = None;
        let Pushed { cond, exact } = inner;
        let Some(cond) = cond else {
            return Pushed::unknown();
        };
        if self.is_members(attr) {
            self.mentions_members = true;
            return Pushed {
                cond: Some(Cond::Members(Box::new(cond))),
                exact,
            };
        }
        if self.is_unpushable(attr)
            || attr.type_.is_none()
            || attr.extension.as_deref().is_some_and(|e| e.contains('"'))
        {
            return Pushed::unknown();
        }
        let mut keys = Self::top_keys(attr);
        if attr.sub_attr.is_some() {
            keys.pop();
        }
        Pushed {
            cond: Some(Cond::Each {
                keys,
                inner: Box::new(cond),
            }),
            exact,
        }
    }
}

/// A JSON path (`$."a"."b"`) for keys without quotes or backslashes.
fn json_path(keys: &[String]) -> Option<String> {
    let mut p = String::from("$");
    for k in keys {
        if k.contains('"') || k.contains('\\') {
            return None;
        }
        let _ = write!(p, ".\"{k}\"");
    }
    Some(p)
}

/// Renders SQL for conditions, collecting bind parameters (`?` placeholders, numbered from
/// `first`).
#[derive(Debug)]
pub(crate) struct Renderer {
    pub(crate) params: Vec<SqlValue>,
    /// The SQL expression of the tenant (to scope sub-queries).
    tenant: String,
    rtype: String,
}

/// The element JSON of a `json_each` row.
const EACH_JSON: &str = "CASE e.type WHEN 'text' THEN json_quote(e.value) WHEN 'true' THEN 'true' \
     WHEN 'false' THEN 'false' WHEN 'null' THEN 'null' WHEN 'integer' THEN CAST(e.value AS TEXT) \
     WHEN 'real' THEN CAST(e.value AS TEXT) ELSE e.value END";

impl Renderer {
    /// A renderer whose sub-queries use `tenant` and `rtype` (SQL expressions).
    pub(crate) fn new(tenant: &str, rtype: &str) -> Self {
        Renderer {
            params: Vec::new(),
            tenant: tenant.to_owned(),
            rtype: rtype.to_owned(),
        }
    }

    fn bind(&mut self, v: SqlValue) -> String {
        self.params.push(v);
        format!("?{}", self.params.len())
    }

    /// Binds a value and returns its placeholder.
    pub(crate) fn param(&mut self, v: SqlValue) -> String {
        self.bind(v)
    }

    /// SQL for `cond` at the top level (the resource is row `r`). `None` when some key
    /// cannot be written as a JSON path.
    pub(crate) fn top(&mut self, cond: &Cond) -> Option<String> {
        self.render(cond, Root::Resource)
    }

    fn leaf_sql(
        &mut self,
        json: &str,
        rest: &[String],
        op: CompareOp,
        kind: LeafKind,
        lit: &SqlValue,
    ) -> String {
        let rest = self.bind(SqlValue::Text(rest.join("\u{1f}")));
        let op = self.bind(SqlValue::Integer(op_code(op)));
        let kind = self.bind(SqlValue::Integer(kind as i64));
        let lit = self.bind(lit.clone());
        format!("scim_leaf({json}, {rest}, {op}, {kind}, {lit})")
    }

    fn render(&mut self, cond: &Cond, root: Root<'_>) -> Option<String> {
        Some(match cond {
            Cond::Const(true) => "1".into(),
            Cond::Const(false) => "0".into(),
            Cond::Leaf {
                keys,
                op,
                kind,
                lit,
            } => match root {
                Root::Resource => {
                    let (first, rest) = keys.split_first()?;
                    let path = json_path(std::slice::from_ref(first))?;
                    let path = self.bind(SqlValue::Text(path));
                    self.leaf_sql(&format!("(r.body -> {path})"), rest, *op, *kind, lit)
                }
                Root::Element(el) => match keys.split_first() {
                    // An object element: SQLite extracts the first key's value, so Rust
                    // parses only that (any other element is walked whole, as the
                    // evaluator walks it).
                    Some((first, rest)) => {
                        let path = json_path(std::slice::from_ref(first))?;
                        let path = self.bind(SqlValue::Text(path));
                        let sub = format!("({} -> {path})", el.object);
                        let fast = self.leaf_sql(&sub, rest, *op, *kind, lit);
                        let whole = self.leaf_sql(el.json, keys, *op, *kind, lit);
                        format!(
                            "(CASE WHEN {} = 'object' THEN {fast} ELSE {whole} END)",
                            el.type_
                        )
                    }
                    None => self.leaf_sql(el.json, keys, *op, *kind, lit),
                },
            },
            Cond::Indexed { name, folded } => {
                let (t, rt) = (self.tenant.clone(), self.rtype.clone());
                let name = self.bind(SqlValue::Text(name.clone()));
                let folded = self.bind(SqlValue::Text(folded.clone()));
                format!(
                    "r.seq IN (SELECT seq FROM attr_index WHERE tenant = {t} AND rtype = {rt} \
                     AND name = {name} AND folded = {folded})"
                )
            }
            Cond::Id(id) => {
                let id = self.bind(SqlValue::Text(id.clone()));
                format!("r.id = {id}")
            }
            Cond::Members(inner) => {
                let inner = self.render(
                    inner,
                    Root::Element(Element {
                        json: "m.body",
                        object: "m.body",
                        type_: "json_type(m.body)",
                    }),
                )?;
                format!("EXISTS (SELECT 1 FROM members m WHERE m.gseq = r.seq AND ({inner}))")
            }
            Cond::Each { keys, inner } => {
                let Root::Resource = root else {
                    return None;
                };
                let path = self.bind(SqlValue::Text(json_path(keys)?));
                let each = self.render(
                    inner,
                    Root::Element(Element {
                        json: EACH_JSON,
                        object: "e.value",
                        type_: "e.type",
                    }),
                )?;
                let one = format!("(r.body -> {path})");
                let one_type = format!("json_type(r.body, {path})");
                let single = self.render(
                    inner,
                    Root::Element(Element {
                        json: &one,
                        object: &one,
                        type_: &one_type,
                    }),
                )?;
                format!(
                    "(CASE WHEN json_type(r.body, {path}) = 'array' \
                     THEN EXISTS (SELECT 1 FROM json_each(r.body, {path}) e \
                     WHERE e.type <> 'null' AND ({each})) \
                     WHEN coalesce(json_type(r.body, {path}), 'null') = 'null' THEN 0 \
                     ELSE ({single}) END)"
                )
            }
            Cond::And(cs) | Cond::Or(cs) => {
                let sep = if matches!(cond, Cond::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                let mut parts = Vec::with_capacity(cs.len());
                for c in cs {
                    parts.push(format!("({})", self.render(c, root)?));
                }
                parts.join(sep)
            }
            Cond::Not(c) => format!("NOT ({})", self.render(c, root)?),
        })
    }
}

#[derive(Debug, Clone, Copy)]
struct Element<'a> {
    /// The element's JSON text.
    json: &'a str,
    /// The element as a JSON object (used when `type_` is `'object'`).
    object: &'a str,
    /// The element's JSON type name.
    type_: &'a str,
}

#[derive(Debug, Clone, Copy)]
enum Root<'a> {
    /// The resource row `r`.
    Resource,
    /// An element of a multi-valued attribute.
    Element(Element<'a>),
}

fn op_code(op: CompareOp) -> i64 {
    match op {
        CompareOp::Eq => 0,
        CompareOp::Ne => 1,
        CompareOp::Co => 2,
        CompareOp::Sw => 3,
        CompareOp::Ew => 4,
        CompareOp::Gt => 5,
        CompareOp::Ge => 6,
        CompareOp::Lt => 7,
        CompareOp::Le => 8,
    }
}

fn op_from(code: i64) -> Option<CompareOp> {
    Some(match code {
        0 => CompareOp::Eq,
        1 => CompareOp::Ne,
        2 => CompareOp::Co,
        3 => CompareOp::Sw,
        4 => CompareOp::Ew,
        5 => CompareOp::Gt,
        6 => CompareOp::Ge,
        7 => CompareOp::Lt,
        8 => CompareOp::Le,
        _ => return None,
    })
}

/// Registers `scim_leaf(json, keys, op, kind, literal)` on a connection.
pub(crate) fn register(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        "scim_leaf",
        5,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            // The arity is fixed at 5, so `get_raw` stays in range.
            let text = |i: usize| ctx.get_raw(i).as_str_or_null().ok().flatten();
            let json = text(0);
            let keys = text(1).unwrap_or_default();
            let op: i64 = ctx.get(2)?;
            let kind: i64 = ctx.get(3)?;
            let lit = match ctx.get_raw(4) {
                rusqlite::types::ValueRef::Text(t) => {
                    Lit::Text(std::str::from_utf8(t).unwrap_or_default())
                }
                rusqlite::types::ValueRef::Integer(i) => Lit::Int(i),
                _ => Lit::Null,
            };
            let value = json.and_then(|t| serde_json::from_str::<Value>(t).ok());
            let keys: Vec<&str> = if keys.is_empty() {
                Vec::new()
            } else {
                keys.split('\u{1f}').collect()
            };
            Ok(leaf(value.as_ref(), &keys, op, kind, lit))
        },
    )
}

/// What `scim_leaf` computes, as the in-memory evaluator does.
/// A literal as `scim_leaf` receives it.
#[derive(Debug, Clone, Copy)]
enum Lit<'a> {
    Text(&'a str),
    Int(i64),
    Null,
}

fn leaf(value: Option<&Value>, keys: &[&str], op: i64, kind: i64, lit: Lit<'_>) -> bool {
    let Some(op) = op_from(op) else { return false };
    let Some(v) = value else {
        // No value at all.
        return match kind {
            4 => op == CompareOp::Eq,
            3 => false,
            _ => op == CompareOp::Ne,
        };
    };
    match kind {
        3 => any_value(v, keys, &mut |x| is_present(x)),
        4 => any_value(v, keys, &mut |x| is_present(x)) != (op == CompareOp::Eq),
        _ => {
            let test = |x: &Value, op: CompareOp| compare_one(x, op, kind, lit);
            if op == CompareOp::Ne {
                let mut seen = false;
                let differs = any_value(v, keys, &mut |x| {
                    if x.is_null() {
                        return false;
                    }
                    seen = true;
                    !test(x, CompareOp::Eq)
                });
                differs || !seen
            } else {
                any_value(v, keys, &mut |x| test(x, op))
            }
        }
    }
}

fn get<'v>(m: &'v serde_json::Map<String, Value>, key: &str) -> Option<&'v Value> {
    m.get(key).or_else(|| {
        m.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// Whether `f` holds for some value at `keys` below `v` (arrays fan out).
fn any_value(v: &Value, keys: &[&str], f: &mut dyn FnMut(&Value) -> bool) -> bool {
    let Some((k, rest)) = keys.split_first() else {
        return match v {
            Value::Array(items) => items.iter().any(&mut *f),
            other => f(other),
        };
    };
    match v {
        Value::Object(m) => get(m, k).is_some_and(|c| any_value(c, rest, f)),
        Value::Array(items) => items.iter().any(|item| match item {
            Value::Object(m) => get(m, k).is_some_and(|c| any_value(c, rest, f)),
            _ => false,
        }),
        _ => false,
    }
}

fn is_present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => a.iter().any(is_present),
        Value::Object(o) => !o.is_empty(),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

fn lower(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

fn by_ordering(op: CompareOp, ord: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match op {
        CompareOp::Eq => ord == Equal,
        CompareOp::Ne => ord != Equal,
        CompareOp::Gt => ord == Greater,
        CompareOp::Ge => ord != Less,
        CompareOp::Lt => ord == Less,
        CompareOp::Le => ord != Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

fn compare_one(v: &Value, op: CompareOp, kind: i64, lit: Lit<'_>) -> bool {
    match (kind, lit) {
        (0 | 1, Lit::Text(l)) => {
            let Value::String(s) = v else { return false };
            let (s, l) = if kind == 1 {
                (
                    std::borrow::Cow::Borrowed(s.as_str()),
                    std::borrow::Cow::Borrowed(l),
                )
            } else {
                (lower(s).into(), lower(l).into())
            };
            match op {
                CompareOp::Co => s.contains(&*l),
                CompareOp::Sw => s.starts_with(&*l),
                CompareOp::Ew => s.ends_with(&*l),
                _ => by_ordering(op, s.cmp(&l)),
            }
        }
        (2, Lit::Int(b)) => {
            let b = b != 0;
            let x = match v {
                Value::Bool(x) => *x,
                Value::String(s) if s.eq_ignore_ascii_case("true") => true,
                Value::String(s) if s.eq_ignore_ascii_case("false") => false,
                _ => return false,
            };
            by_ordering(op, x.cmp(&b))
        }
        _ => false,
    }
}
