//! Filters and sort keys to SQL over the column map.
//!
//! A [`CompiledFold`] turns a compiled filter into an SQL condition with numbered bind
//! parameters. Every leaf is 0 or 1, never `NULL` (absent values are wrapped in `coalesce`),
//! so `not` negates exactly as the filter evaluator does. Strings compare as the evaluator
//! compares them: case-insensitively by Unicode lowercase (`case_fold`, a function written in
//! Rust and registered on every connection, or an indexed column folded the same way)
//! unless the attribute is `caseExact`, then by code point. An attribute the map has no column
//! for is an `invalidFilter` error naming the searchable attributes; nothing is answered
//! approximately.

use super::columns::{Column, ColumnType, Elements, Table};
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::types::Value as SqlValue;
use scim_core::{ScimError, ScimType};
use scim_filter::{
    CompareOp, CompiledFilter, CompiledFold, Literal, ResolvedAttr, SortKey, SortOrder,
};

/// An SQL condition and its bind parameters (`?n` numbered from the first parameter given
/// to [`condition`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    /// The SQL, true exactly for the matching rows.
    pub(crate) sql: String,
    /// The parameters, in placeholder order.
    pub(crate) params: Vec<SqlValue>,
}

/// Translates `filter` for `table`; placeholders start at `?{first}`.
pub(crate) fn condition(
    table: &Table,
    filter: &CompiledFilter,
    first: usize,
) -> Result<Condition, ScimError> {
    let mut fold = ToSql {
        table,
        first,
        params: Vec::new(),
        elements: None,
    };
    let sql = filter.fold(&mut fold)?;
    Ok(Condition {
        sql,
        params: fold.params,
    })
}

/// Unicode lowercase, character by character: how the filter evaluator and sort keys fold
/// strings that are not `caseExact`, and how the store folds `userName` and profile names.
pub(crate) fn fold(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

/// The `ORDER BY` terms (without the trailing tie-break) for a sort key: resources without
/// a value last in ascending order and first in descending order, as
/// [`SortKey::compare`] orders them.
pub(crate) fn order_by(
    table: &Table,
    key: &SortKey,
    order: SortOrder,
) -> Result<String, ScimError> {
    let attr = key.attr();
    let column = sort_column(table, attr).ok_or_else(|| {
        ScimError::bad_request(
            ScimType::InvalidValue,
            format!(
                "cannot sort by \"{}\": the case-management app sorts by {}",
                display_path(None, attr),
                sortable(table).join(", ")
            ),
        )
    })?;
    let dir = match order {
        SortOrder::Ascending => "ASC",
        SortOrder::Descending => "DESC",
    };
    let (missing, value) = match column.ty {
        ColumnType::Text => (
            format!("coalesce({}, '') = ''", column.sql),
            compared(column, attr.case_exact),
        ),
        ColumnType::Bool | ColumnType::DateTime => {
            (format!("{} IS NULL", column.sql), column.sql.to_owned())
        }
    };
    Ok(format!("{missing} {dir}, {value} {dir}"))
}

fn sort_column<'t>(table: &'t Table, attr: &ResolvedAttr) -> Option<&'t Column> {
    if attr.extension.is_some() {
        return None;
    }
    let path = match &attr.sub_attr {
        Some(sub) => format!("{}.{sub}", attr.name),
        None => attr.name.clone(),
    };
    if let Some(c) = table.column(&path) {
        return Some(c);
    }
    let elements = table.elements(&attr.name).filter(|e| e.single)?;
    elements.column(attr.sub_attr.as_deref().unwrap_or("value"))
}

fn sortable(table: &Table) -> Vec<String> {
    let mut out: Vec<String> = table.columns.iter().map(|(p, _)| (*p).to_owned()).collect();
    for e in table.elements.iter().filter(|e| e.single) {
        out.extend(e.columns.iter().map(|(s, _)| format!("{}.{s}", e.attr)));
    }
    out
}

/// The expression a text column is compared by.
fn compared(column: &Column, case_exact: bool) -> String {
    if case_exact {
        column.sql.to_owned()
    } else {
        match column.folded {
            Some(f) => f.to_owned(),
            None => format!("case_fold({})", column.sql),
        }
    }
}

/// How an attribute is written in messages: `name.givenName`, `emails[…].type` as `emails.type`.
fn display_path(parent: Option<&Elements>, attr: &ResolvedAttr) -> String {
    let mut s = String::new();
    if let Some(ext) = &attr.extension {
        s.push_str(ext);
        s.push(':');
    }
    if let Some(p) = parent {
        s.push_str(p.attr);
        s.push('.');
    }
    s.push_str(&attr.name);
    if let Some(sub) = &attr.sub_attr {
        s.push('.');
        s.push_str(sub);
    }
    s
}

/// Where a filter's attribute is.
enum Target<'t> {
    /// A column of the resource's row.
    Column(&'t Column),
    /// A sub-attribute of a multi-valued attribute, outside a value path: some element's.
    Element(&'t Elements, &'t Column),
    /// A multi-valued attribute as a whole (`emails pr`).
    Elements(&'t Elements),
}

struct ToSql<'t> {
    table: &'t Table,
    first: usize,
    params: Vec<SqlValue>,
    /// Inside a value path: the multi-valued attribute whose elements the leaves test (an
    /// error when the attribute has no elements in the map).
    elements: Option<Result<&'t Elements, ScimError>>,
}

type Out = Result<String, ScimError>;

impl<'t> ToSql<'t> {
    fn bind(&mut self, v: SqlValue) -> String {
        self.params.push(v);
        format!("?{}", self.first + self.params.len() - 1)
    }

    fn unmapped(&self, parent: Option<&Elements>, attr: &ResolvedAttr) -> ScimError {
        ScimError::bad_request(
            ScimType::InvalidFilter,
            format!(
                "attribute \"{}\" cannot be searched in the case-management app; searchable: {}",
                display_path(parent, attr),
                self.table.searchable().join(", ")
            ),
        )
    }

    fn target(&self, attr: &ResolvedAttr) -> Result<Target<'t>, ScimError> {
        let parent = match &self.elements {
            Some(Ok(p)) => Some(*p),
            Some(Err(e)) => return Err(e.clone()),
            None => None,
        };
        if let Some(parent) = parent {
            if attr.extension.is_some() || attr.sub_attr.is_some() {
                return Err(self.unmapped(Some(parent), attr));
            }
            return parent
                .column(&attr.name)
                .map(Target::Column)
                .ok_or_else(|| self.unmapped(Some(parent), attr));
        }
        if attr.extension.is_some() {
            return Err(self.unmapped(None, attr));
        }
        let path = match &attr.sub_attr {
            Some(sub) => format!("{}.{sub}", attr.name),
            None => attr.name.clone(),
        };
        if let Some(c) = self.table.column(&path) {
            return Ok(Target::Column(c));
        }
        if let Some(e) = self.table.elements(&attr.name) {
            return match &attr.sub_attr {
                Some(sub) => e
                    .column(sub)
                    .map(|c| Target::Element(e, c))
                    .ok_or_else(|| self.unmapped(None, attr)),
                None => Ok(Target::Elements(e)),
            };
        }
        Err(self.unmapped(None, attr))
    }

    /// `attr op literal` on one column, 0 or 1.
    fn leaf(
        &mut self,
        column: &Column,
        attr: &ResolvedAttr,
        op: CompareOp,
        literal: Literal<'_>,
    ) -> Out {
        let unsupported = || {
            ScimError::bad_request(
                ScimType::InvalidFilter,
                format!(
                    "\"{} {op}\" with that value is not supported by the case-management app",
                    display_path(None, attr)
                ),
            )
        };
        match (column.ty, literal) {
            (_, Literal::Null) => match op {
                CompareOp::Eq => Ok(format!("NOT {}", present(column))),
                CompareOp::Ne => Ok(present(column)),
                _ => Err(unsupported()),
            },
            (ColumnType::Text, Literal::String(s)) => {
                let lhs = compared(column, attr.case_exact);
                let lit = if attr.case_exact {
                    s.to_owned()
                } else {
                    fold(s)
                };
                let p = self.bind(SqlValue::Text(lit));
                Ok(text_test(&lhs, op, &p))
            }
            (ColumnType::DateTime, Literal::String(s)) if op.is_substring() => {
                let p = self.bind(SqlValue::Text(s.to_owned()));
                Ok(text_test(column.sql, op, &p))
            }
            (ColumnType::DateTime, Literal::DateTime(dt)) => self.date_time(column, op, dt),
            (ColumnType::Bool, Literal::Bool(b)) => {
                let p = self.bind(SqlValue::Integer(i64::from(b)));
                let eq = format!("coalesce({} = {p}, 0)", column.sql);
                match op {
                    CompareOp::Eq => Ok(eq),
                    CompareOp::Ne => Ok(format!("NOT {eq}")),
                    _ => Err(unsupported()),
                }
            }
            _ => Err(unsupported()),
        }
    }

    /// A dateTime comparison. Stored values have milliseconds; a literal with a finer part
    /// lies strictly between two of them, which the operators below account for.
    fn date_time(&mut self, column: &Column, op: CompareOp, dt: DateTime<Utc>) -> Out {
        let sub_ms = dt.timestamp_subsec_nanos() % 1_000_000;
        let exact = sub_ms == 0;
        let floor = dt - chrono::Duration::nanoseconds(i64::from(sub_ms));
        let text = floor.to_rfc3339_opts(SecondsFormat::Millis, true);
        let col = column.sql;
        let cmp = |this: &mut Self, sql_op: &str| {
            let p = this.bind(SqlValue::Text(text.clone()));
            format!("coalesce({col} {sql_op} {p}, 0)")
        };
        Ok(match (op, exact) {
            (CompareOp::Eq, true) => cmp(self, "="),
            (CompareOp::Eq, false) => "0".into(),
            (CompareOp::Ne, true) => format!("NOT {}", cmp(self, "=")),
            (CompareOp::Ne, false) => "1".into(),
            (CompareOp::Gt, _) | (CompareOp::Ge, false) => cmp(self, ">"),
            (CompareOp::Ge, true) => cmp(self, ">="),
            (CompareOp::Lt, true) => cmp(self, "<"),
            (CompareOp::Lt, false) | (CompareOp::Le, _) => cmp(self, "<="),
            (CompareOp::Co | CompareOp::Sw | CompareOp::Ew, _) => {
                return Err(ScimError::bad_request(
                    ScimType::InvalidFilter,
                    format!("\"{op}\" compares a dateTime as text: give a string"),
                ));
            }
        })
    }

    /// A test on some element of a multi-valued attribute, outside a value path: "some element
    /// satisfies it", except `ne` ("some element differs, or there is none") and `eq null`
    /// ("no element has a value").
    fn on_elements(
        &mut self,
        elements: &Elements,
        column: &Column,
        attr: &ResolvedAttr,
        op: CompareOp,
        literal: Literal<'_>,
    ) -> Out {
        match (op, literal) {
            (CompareOp::Eq, Literal::Null) => {
                Ok(format!("NOT {}", elements.some(&present(column))))
            }
            (CompareOp::Ne, Literal::Null) => Ok(elements.some(&present(column))),
            (CompareOp::Ne, _) => {
                let leaf = self.leaf(column, attr, op, literal)?;
                Ok(format!(
                    "(NOT {} OR {})",
                    elements.some("1"),
                    elements.some(&leaf)
                ))
            }
            _ => {
                let leaf = self.leaf(column, attr, op, literal)?;
                Ok(elements.some(&leaf))
            }
        }
    }
}

/// `pr` on a column: a value that is not `null` (nor `""` for text).
fn present(column: &Column) -> String {
    match column.ty {
        ColumnType::Text => format!("coalesce({} <> '', 0)", column.sql),
        ColumnType::Bool | ColumnType::DateTime => format!("({} IS NOT NULL)", column.sql),
    }
}

/// A string test of `lhs` against the bound literal `p`, 0 or 1.
fn text_test(lhs: &str, op: CompareOp, p: &str) -> String {
    let test = match op {
        CompareOp::Eq => format!("{lhs} = {p}"),
        CompareOp::Ne => return format!("NOT coalesce({lhs} = {p}, 0)"),
        CompareOp::Co => format!("instr({lhs}, {p}) > 0"),
        CompareOp::Sw => format!("substr({lhs}, 1, length({p})) = {p}"),
        CompareOp::Ew => {
            format!("{lhs} IS NOT NULL AND (length({p}) = 0 OR substr({lhs}, -length({p})) = {p})")
        }
        CompareOp::Gt => format!("{lhs} > {p}"),
        CompareOp::Ge => format!("{lhs} >= {p}"),
        CompareOp::Lt => format!("{lhs} < {p}"),
        CompareOp::Le => format!("{lhs} <= {p}"),
    };
    format!("coalesce({test}, 0)")
}

fn junction(operands: Vec<Out>, sep: &str) -> Out {
    let parts = operands.into_iter().collect::<Result<Vec<_>, _>>()?;
    Ok(format!("({})", parts.join(sep)))
}

impl CompiledFold for ToSql<'_> {
    type Output = Out;

    fn present(&mut self, attr: &ResolvedAttr) -> Out {
        match self.target(attr)? {
            Target::Column(c) => Ok(present(c)),
            Target::Element(e, c) => Ok(e.some(&present(c))),
            Target::Elements(e) => Ok(e.some("1")),
        }
    }

    fn compare(&mut self, attr: &ResolvedAttr, op: CompareOp, literal: Literal<'_>) -> Out {
        match self.target(attr)? {
            Target::Column(c) => self.leaf(c, attr, op, literal),
            Target::Element(e, c) => self.on_elements(e, c, attr, op, literal),
            Target::Elements(_) => Err(self.unmapped(None, attr)),
        }
    }

    fn and(&mut self, operands: Vec<Out>) -> Out {
        junction(operands, " AND ")
    }

    fn or(&mut self, operands: Vec<Out>) -> Out {
        junction(operands, " OR ")
    }

    fn not(&mut self, operand: Out) -> Out {
        Ok(format!("NOT ({})", operand?))
    }

    fn constant(&mut self, value: bool) -> Out {
        Ok(if value { "1" } else { "0" }.into())
    }

    fn enter_value_path(&mut self, attr: &ResolvedAttr) {
        let elements = match attr.extension {
            None => self.table.elements(&attr.name),
            Some(_) => None,
        };
        self.elements = Some(elements.ok_or_else(|| self.unmapped(None, attr)));
    }

    fn value_path(&mut self, attr: &ResolvedAttr, inner: Out) -> Out {
        let elements = self.elements.take();
        let elements = match elements {
            Some(e) => e?,
            None => return Err(self.unmapped(None, attr)),
        };
        Ok(elements.some(&inner?))
    }
}

#[cfg(test)]
mod tests {
    use super::super::columns::{PROFILES, USERS};
    use super::*;
    use crate::FilterPolicy;
    use scim_core::SchemaRegistry;

    fn registry() -> SchemaRegistry {
        super::super::config::registry().unwrap()
    }

    fn compile(text: &str, rt: &str) -> CompiledFilter {
        let registry = registry();
        let rt = registry.resource_type(rt).unwrap();
        CompiledFilter::parse_and_compile(text, &registry, rt).unwrap()
    }

    fn users(text: &str) -> Condition {
        condition(&USERS, &compile(text, "User"), 2).unwrap()
    }

    fn text(s: &str) -> SqlValue {
        SqlValue::Text(s.into())
    }

    #[test]
    fn user_name_uses_the_folded_column() {
        let c = users(r#"userName eq "BJensen""#);
        assert_eq!(c.sql, "coalesce(u.user_name_folded = ?2, 0)");
        assert_eq!(c.params, [text("bjensen")]);
        let c = users(r#"userName sw "A""#);
        assert_eq!(
            c.sql,
            "coalesce(substr(u.user_name_folded, 1, length(?2)) = ?2, 0)"
        );
        assert_eq!(c.params, [text("a")]);
    }

    #[test]
    fn other_text_columns_fold_in_rust() {
        let c = users(r#"name.givenName co "ÅN""#);
        assert_eq!(c.sql, "coalesce(instr(case_fold(u.first_name), ?2) > 0, 0)");
        assert_eq!(c.params, [text("ån")]);
        let c = users(r#"externalId eq "E-1""#);
        assert_eq!(c.sql, "coalesce(u.external_id = ?2, 0)", "caseExact");
        assert_eq!(c.params, [text("E-1")]);
    }

    #[test]
    fn alias_expansions_become_an_or() {
        let registry = registry();
        let rt = registry.resource_type("User").unwrap();
        let policy = FilterPolicy::default().alias("name", &["name.givenName", "name.familyName"]);
        let parsed = scim_filter::parse_filter(r#"name eq "Ann""#).unwrap();
        let rewritten = policy.apply(&parsed, &registry, rt).unwrap();
        let f = CompiledFilter::compile(&rewritten, &registry, rt).unwrap();
        let c = condition(&USERS, &f, 2).unwrap();
        let direct = users(r#"name.givenName eq "Ann" or name.familyName eq "Ann""#);
        assert_eq!(c, direct);
        assert_eq!(
            c.sql,
            "(coalesce(case_fold(u.first_name) = ?2, 0) OR coalesce(case_fold(u.last_name) = ?3, 0))"
        );
        assert_eq!(c.params, [text("ann"), text("ann")]);
    }

    #[test]
    fn booleans_and_junctions() {
        let c = users("active eq true");
        assert_eq!(c.sql, "coalesce(u.active = ?2, 0)");
        assert_eq!(c.params, [SqlValue::Integer(1)]);
        let c = users(r#"not (active eq false) and userName pr"#);
        assert_eq!(
            c.sql,
            "(NOT (coalesce(u.active = ?2, 0)) AND coalesce(u.user_name <> '', 0))"
        );
    }

    #[test]
    fn the_one_email_is_a_group_of_columns() {
        let c = users(r#"emails[type eq "work" and value ew "@X.org"]"#);
        assert_eq!(
            c.sql,
            "(u.email IS NOT NULL AND ((coalesce(case_fold(u.email_type) = ?2, 0) AND \
             coalesce(case_fold(u.email) IS NOT NULL AND (length(?3) = 0 OR \
             substr(case_fold(u.email), -length(?3)) = ?3), 0))))"
        );
        assert_eq!(c.params, [text("work"), text("@x.org")]);
        let c = users(r#"emails ne "a@x.org""#);
        assert!(
            c.sql.starts_with("(NOT (u.email IS NOT NULL AND (1)) OR"),
            "{}",
            c.sql
        );
    }

    #[test]
    fn links_are_exists_subqueries() {
        let c = users(r#"groups.display eq "Clerks""#);
        assert!(
            c.sql
                .starts_with("EXISTS (SELECT 1 FROM user_profiles l JOIN profiles g")
        );
        assert!(
            c.sql.contains("coalesce(g.name_folded = ?2, 0)"),
            "{}",
            c.sql
        );
        let c = condition(
            &PROFILES,
            &compile(r#"members[value eq "ABC"]"#, "Group"),
            2,
        )
        .unwrap();
        assert!(c.sql.contains("coalesce(l.user_id = ?2, 0)"), "{}", c.sql);
        assert_eq!(c.params, [text("abc")]);
    }

    #[test]
    fn date_times_compare_at_millisecond_precision() {
        let c = users(r#"meta.created gt "2024-01-01T01:00:00+01:00""#);
        assert_eq!(c.sql, "coalesce(u.created > ?2, 0)");
        assert_eq!(c.params, [text("2024-01-01T00:00:00.000Z")]);
        let c = users(r#"meta.created ge "2024-01-01T00:00:00.0005Z""#);
        assert_eq!(
            c.sql, "coalesce(u.created > ?2, 0)",
            "finer than stored: strictly after"
        );
        let c = users(r#"meta.created eq "2024-01-01T00:00:00.0005Z""#);
        assert_eq!(c.sql, "0");
    }

    #[test]
    fn unmapped_attributes_are_invalid_filters() {
        let registry = SchemaRegistry::builtin();
        let rt = registry.resource_type("User").unwrap();
        for text in [
            r#"title eq "Boss""#,
            r#"emails.display eq "x""#,
            r#"emails[display eq "x"]"#,
            r#"phoneNumbers[type eq "work"]"#,
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "1""#,
            r#"userName eq "a" or name.middleName pr"#,
        ] {
            let f = CompiledFilter::parse_and_compile(text, &registry, rt).unwrap();
            let e = condition(&USERS, &f, 1).unwrap_err();
            assert_eq!(e.scim_type(), Some(ScimType::InvalidFilter), "{text}");
            assert_eq!(e.status(), 400);
            assert!(
                e.detail().contains("searchable: id, externalId, userName"),
                "{}",
                e.detail()
            );
        }
        let e = condition(&USERS, &compile(r#"name pr"#, "User"), 1).unwrap_err();
        assert!(e.detail().contains("\"name\""), "{}", e.detail());
    }

    #[test]
    fn sort_terms() {
        let registry = registry();
        let rt = registry.resource_type("User").unwrap();
        let key = |p: &str| {
            SortKey::compile(&scim_filter::parse_attr_path(p).unwrap(), &registry, rt).unwrap()
        };
        assert_eq!(
            order_by(&USERS, &key("userName"), SortOrder::Ascending).unwrap(),
            "coalesce(u.user_name, '') = '' ASC, u.user_name_folded ASC"
        );
        assert_eq!(
            order_by(&USERS, &key("emails"), SortOrder::Descending).unwrap(),
            "coalesce(u.email, '') = '' DESC, case_fold(u.email) DESC"
        );
        let e = order_by(&USERS, &key("groups.display"), SortOrder::Ascending).unwrap_err();
        assert_eq!(e.scim_type(), Some(ScimType::InvalidValue));
    }
}
