//! A readable tree of a [`CompiledFilter`]: how each attribute path was
//! resolved and how each literal will be compared.
//!
//! ```text
//! and
//!   userName eq "bjensen"
//!     attribute: urn:ietf:params:scim:schemas:core:2.0:User:userName
//!     type: string, caseExact: false, multiValued: false
//!     keys: ["userName"]
//!     literal: string "bjensen" (case-insensitive)
//!   meta.lastModified gt "2011-05-13T04:42:34Z"
//!     …
//!     literal: dateTime 2011-05-13T04:42:34Z
//! ```
//!
//! `pr` and `eq null`/`ne null` show a `test:` line instead of `literal:`.

use std::fmt;

use chrono::SecondsFormat;
use scim_core::ResourceType;

use crate::ast::write_json_string;
use crate::compile::{CompiledFilter, DynLit, Leaf, Node, ResolvedAttr, StrLit, Test};

/// The readable form of a [`CompiledFilter`], from [`CompiledFilter::explain`]
/// (or its `Display`, which does not know the resource type's core schema).
///
/// One node per line, operands indented by two spaces; under each leaf, the
/// attribute it resolved to (URN-qualified), the attribute's type,
/// `caseExact` and `multiValued`, the JSON keys the evaluator follows, and
/// the literal as it will be compared (a dateTime parsed, a string with its
/// case rule). Printed without recursion.
#[derive(Clone, Copy, Debug)]
pub struct Explain<'a> {
    filter: &'a CompiledFilter,
    core: Option<&'a str>,
}

impl CompiledFilter {
    /// The readable tree of this filter, with attributes outside extensions
    /// shown under `rt`'s core schema URN. See [`Explain`].
    pub fn explain<'a>(&'a self, rt: &'a ResourceType) -> Explain<'a> {
        Explain {
            filter: self,
            core: Some(&rt.schema),
        }
    }
}

impl fmt::Display for CompiledFilter {
    /// The tree of [`CompiledFilter::explain`], with attributes outside
    /// extensions shown without a schema URN.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Explain {
            filter: self,
            core: None,
        }
        .fmt(f)
    }
}

/// The nodes of one compiled filter being printed (the whole filter, or a
/// value path's inner filter).
struct Frame<'a> {
    nodes: &'a [Node],
    pc: usize,
    /// The indentation of this filter's root.
    base: usize,
    /// Where the junctions open in this frame end.
    ends: Vec<usize>,
    /// The value path's attribute, inside one.
    parent: Option<&'a ResolvedAttr>,
}

impl fmt::Display for Explain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut frames = vec![Frame {
            nodes: &self.filter.nodes,
            pc: 0,
            base: 0,
            ends: Vec::new(),
            parent: None,
        }];
        while let Some(frame) = frames.last_mut() {
            let Some(node) = frame.nodes.get(frame.pc) else {
                frames.pop();
                continue;
            };
            while frame.ends.last().is_some_and(|&end| end <= frame.pc) {
                frame.ends.pop();
            }
            let depth = frame.base + frame.ends.len();
            let parent = frame.parent;
            let (pc, end) = (frame.pc, node_end(node));
            frame.pc += 1;
            if let Some(end) = end.filter(|&e| e > pc + 1) {
                frame.ends.push(end);
            }
            match node {
                Node::And { .. } => line(f, depth, "and")?,
                Node::Or { .. } => line(f, depth, "or")?,
                Node::Not { .. } => line(f, depth, "not")?,
                Node::Const(b) => line(f, depth, if *b { "true" } else { "false" })?,
                Node::Leaf(leaf) => self.leaf(f, depth, leaf, parent)?,
                Node::ValuePath(vp) => {
                    indent(f, depth)?;
                    write_path(f, &vp.attr, None)?;
                    f.write_str("[…]\n")?;
                    self.attribute(f, depth + 1, &vp.attr, None, &vp.keys)?;
                    line(f, depth + 1, "some element satisfies:")?;
                    frames.push(Frame {
                        nodes: &vp.inner.nodes,
                        pc: 0,
                        base: depth + 2,
                        ends: Vec::new(),
                        parent: Some(&vp.attr),
                    });
                }
            }
        }
        Ok(())
    }
}

impl Explain<'_> {
    fn leaf(
        &self,
        f: &mut fmt::Formatter<'_>,
        depth: usize,
        leaf: &Leaf,
        parent: Option<&ResolvedAttr>,
    ) -> fmt::Result {
        indent(f, depth)?;
        write_path(f, &leaf.attr, None)?;
        match &leaf.test {
            Test::Present => f.write_str(" pr\n")?,
            Test::Null { eq } => f.write_str(if *eq { " eq null\n" } else { " ne null\n" })?,
            test => {
                write!(f, " {} ", leaf.op)?;
                write_literal(f, test)?;
                f.write_str("\n")?;
            }
        }
        self.attribute(f, depth + 1, &leaf.attr, parent, &leaf.keys)?;
        indent(f, depth + 1)?;
        match &leaf.test {
            Test::Present => f.write_str("test: the attribute has a non-empty value")?,
            Test::Null { eq: true } => f.write_str("test: the attribute has no value")?,
            Test::Null { eq: false } => f.write_str("test: the attribute has a value")?,
            _ => f.write_str("literal: ")?,
        }
        match &leaf.test {
            Test::Present | Test::Null { .. } => {}
            Test::Str { lit, case_exact } => {
                f.write_str("string ")?;
                write_str_lit(f, lit)?;
                f.write_str(if *case_exact {
                    " (case-exact)"
                } else {
                    " (case-insensitive)"
                })?;
            }
            Test::Num(n) => write!(f, "number {n}")?,
            Test::Bool(b) => write!(f, "boolean {b}")?,
            Test::DateTime(dt) => write!(
                f,
                "dateTime {}",
                dt.to_rfc3339_opts(SecondsFormat::AutoSi, true)
            )?,
            Test::Dyn(lit) => {
                f.write_str("dynamic ")?;
                match lit {
                    DynLit::Str(s) => {
                        f.write_str("string ")?;
                        write_str_lit(f, s)?;
                        f.write_str(" (case-insensitive)")?;
                    }
                    DynLit::Num(n) => write!(f, "number {n}")?,
                    DynLit::Bool(b) => write!(f, "boolean {b}")?,
                }
                f.write_str(", compared by the JSON type of each value")?;
            }
        }
        f.write_str("\n")
    }

    /// The `attribute:`, `type:` and `keys:` lines.
    fn attribute(
        &self,
        f: &mut fmt::Formatter<'_>,
        depth: usize,
        attr: &ResolvedAttr,
        parent: Option<&ResolvedAttr>,
        keys: &[Box<str>],
    ) -> fmt::Result {
        indent(f, depth)?;
        f.write_str("attribute: ")?;
        let schema = parent
            .unwrap_or(attr)
            .extension
            .as_deref()
            .or(if attr.type_.is_some() {
                self.core
            } else {
                None
            });
        if let Some(s) = schema {
            write!(f, "{s}:")?;
        }
        match parent {
            Some(p) => {
                write_path(f, p, Some(false))?;
                write!(f, ".{}", attr.name)?;
                if let Some(sub) = &attr.sub_attr {
                    write!(f, ".{sub}")?;
                }
            }
            None => write_path(f, attr, Some(false))?,
        }
        f.write_str("\n")?;
        indent(f, depth)?;
        match attr.type_ {
            Some(t) => writeln!(
                f,
                "type: {}, caseExact: {}, multiValued: {}",
                t.as_str(),
                attr.case_exact,
                attr.multi_valued
            )?,
            None => f.write_str("type: unknown (not in the schema; dynamic)\n")?,
        }
        indent(f, depth)?;
        f.write_str("keys: [")?;
        for (i, k) in keys.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write_json_string(f, k)?;
        }
        f.write_str("]\n")
    }
}

/// Where the junction `node` ends, if it is one.
fn node_end(node: &Node) -> Option<usize> {
    match node {
        Node::And { end } | Node::Or { end } | Node::Not { end } => Some(*end),
        _ => None,
    }
}

fn indent(f: &mut fmt::Formatter<'_>, depth: usize) -> fmt::Result {
    (0..depth).try_for_each(|_| f.write_str("  "))
}

fn line(f: &mut fmt::Formatter<'_>, depth: usize, text: &str) -> fmt::Result {
    indent(f, depth)?;
    f.write_str(text)?;
    f.write_str("\n")
}

/// `[extension:]name[.sub]`; the extension is left out when `with_ext` is `Some(false)`.
fn write_path(
    f: &mut fmt::Formatter<'_>,
    attr: &ResolvedAttr,
    with_ext: Option<bool>,
) -> fmt::Result {
    if let (Some(ext), None | Some(true)) = (&attr.extension, with_ext) {
        write!(f, "{ext}:")?;
    }
    f.write_str(&attr.name)?;
    if let Some(sub) = &attr.sub_attr {
        write!(f, ".{sub}")?;
    }
    Ok(())
}

fn write_str_lit(f: &mut fmt::Formatter<'_>, lit: &StrLit) -> fmt::Result {
    write_json_string(f, &lit.text)
}

/// The literal of a comparison as it was written, in canonical form.
fn write_literal(f: &mut fmt::Formatter<'_>, test: &Test) -> fmt::Result {
    match test {
        Test::Present | Test::Null { .. } => f.write_str("null"),
        Test::Str { lit, .. } | Test::Dyn(DynLit::Str(lit)) => write_str_lit(f, lit),
        Test::Num(n) | Test::Dyn(DynLit::Num(n)) => write!(f, "{n}"),
        Test::Bool(b) | Test::Dyn(DynLit::Bool(b)) => write!(f, "{b}"),
        Test::DateTime(dt) => {
            f.write_str("\"")?;
            f.write_str(&dt.to_rfc3339_opts(SecondsFormat::AutoSi, true))?;
            f.write_str("\"")
        }
    }
}
