//! The syntax tree of filters and paths, as parsed.
//!
//! The tree is faithful to the text except for what carries no meaning:
//! parentheses that only group, whitespace, and the case of keywords. A chain
//! `a and b and c` is one [`Filter::And`] with three operands; an explicitly
//! parenthesized group of the same operator, as in `a and (b and c)`, stays a
//! nested node so that [`Display`](std::fmt::Display) re-parses to an equal tree.
//! [`Filter::normalize`] flattens such groups: a *normalized* filter has no
//! `and` directly inside an `and`, no `or` directly inside an `or`, and every
//! `and`/`or` has at least two operands. The parser's output for a text without
//! such groups is already normalized.
//!
//! Every node carries a byte [`Span`] into the text it was parsed from. Spans
//! never take part in equality or hashing, so trees parsed from different
//! spellings of the same filter compare equal.
//!
//! Nothing here recurses on the shape of the tree: dropping, cloning,
//! comparing, printing and folding are iterative, so a tree of any depth (the
//! parser's nesting limit can be raised) cannot overflow the stack.

use std::cell::Cell;
use std::fmt;
use std::hash::{Hash, Hasher};

use compact_str::CompactString;

/// A byte range `start..end` in the text a node was parsed from.
///
/// Spans are bookkeeping, not meaning: every span equals every other span and
/// hashes to nothing, so two trees compare by structure alone. Compare the
/// fields to compare positions.
#[derive(Clone, Copy, Default)]
pub struct Span {
    /// The first byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The span `start..end`.
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
}

impl PartialEq for Span {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for Span {}
impl Hash for Span {
    fn hash<H: Hasher>(&self, _: &mut H) {}
}
impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// An attribute path (RFC 7644 §3.4.2.2 `attrPath`): `[URI ":"] ATTRNAME ["." subAttr]`.
///
/// Without a schema registry, a URN prefix is split at its last colon:
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`
/// has `uri` `urn:…:2.0:User`, `name` `manager` and `sub_attr` `value`, and the
/// bare URN `urn:…:enterprise:2.0:User` has `uri` `urn:…:enterprise:2.0` and
/// `name` `User`. Resolution against a registry ([`crate::CompiledFilter`],
/// [`crate::resolve_patch_path`]) re-splits [`AttrPath::full_text`] on the
/// longest registered schema URN, so the bare URN names the extension.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct AttrPath {
    /// The schema URN prefix, without the colon that ends it.
    pub uri: Option<CompactString>,
    /// The attribute name, as spelled.
    pub name: CompactString,
    /// The sub-attribute name, as spelled.
    pub sub_attr: Option<CompactString>,
    /// Where the path was written.
    pub span: Span,
}

impl AttrPath {
    /// A path `name` without URN or sub-attribute (and an empty span).
    pub fn new(name: impl Into<CompactString>) -> Self {
        AttrPath {
            uri: None,
            name: name.into(),
            sub_attr: None,
            span: Span::default(),
        }
    }

    /// This path with the sub-attribute `sub`.
    pub fn with_sub_attr(mut self, sub: impl Into<CompactString>) -> Self {
        self.sub_attr = Some(sub.into());
        self
    }

    /// This path with the URN prefix `uri`.
    pub fn with_uri(mut self, uri: impl Into<CompactString>) -> Self {
        self.uri = Some(uri.into());
        self
    }

    /// The path as written, in canonical form (`uri:name.sub`).
    pub fn full_text(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(uri) = &self.uri {
            f.write_str(uri)?;
            f.write_str(":")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub_attr {
            f.write_str(".")?;
            f.write_str(sub)?;
        }
        Ok(())
    }
}

/// A comparison operator (RFC 7644 §3.4.2.2, Table 3). Parsed in any case,
/// printed in lower case.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum CompareOp {
    /// `eq`: equal.
    Eq,
    /// `ne`: not equal.
    Ne,
    /// `co`: contains (strings).
    Co,
    /// `sw`: starts with (strings).
    Sw,
    /// `ew`: ends with (strings).
    Ew,
    /// `gt`: greater than.
    Gt,
    /// `ge`: greater than or equal.
    Ge,
    /// `lt`: less than.
    Lt,
    /// `le`: less than or equal.
    Le,
}

impl CompareOp {
    /// Every operator, in the RFC's order.
    pub const ALL: [CompareOp; 9] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ];

    /// The operator's keyword in lower case (`"eq"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    /// The operator for a keyword in any case.
    pub fn from_keyword(word: &str) -> Option<CompareOp> {
        let [a, c] = word.as_bytes() else {
            return None;
        };
        Self::from_bytes(*a, *c)
    }

    pub(crate) fn from_bytes(a: u8, c: u8) -> Option<CompareOp> {
        let op = match [a.to_ascii_lowercase(), c.to_ascii_lowercase()] {
            [b'e', b'q'] => CompareOp::Eq,
            [b'n', b'e'] => CompareOp::Ne,
            [b'c', b'o'] => CompareOp::Co,
            [b's', b'w'] => CompareOp::Sw,
            [b'e', b'w'] => CompareOp::Ew,
            [b'g', b't'] => CompareOp::Gt,
            [b'g', b'e'] => CompareOp::Ge,
            [b'l', b't'] => CompareOp::Lt,
            [b'l', b'e'] => CompareOp::Le,
            _ => return None,
        };
        Some(op)
    }

    /// Whether this is an ordering operator (`gt`, `ge`, `lt`, `le`).
    pub const fn is_ordering(self) -> bool {
        matches!(
            self,
            CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le
        )
    }

    /// Whether this is a substring operator (`co`, `sw`, `ew`).
    pub const fn is_substring(self) -> bool {
        matches!(self, CompareOp::Co | CompareOp::Sw | CompareOp::Ew)
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A comparison value (RFC 7644 §3.4.2.2 `compValue`): `false / null / true / number / string`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum CompValue {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A JSON number (negative, decimal and exponent forms).
    Number(serde_json::Number),
    /// A JSON string, unescaped (short strings are stored inline).
    String(CompactString),
}

impl fmt::Display for CompValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompValue::Null => f.write_str("null"),
            CompValue::Bool(b) => write!(f, "{b}"),
            CompValue::Number(n) => write!(f, "{n}"),
            CompValue::String(s) => write_json_string(f, s),
        }
    }
}

/// Writes `s` as a JSON string: `"`, `\` and control characters escaped.
pub(crate) fn write_json_string(f: &mut impl fmt::Write, s: &str) -> fmt::Result {
    f.write_char('"')?;
    let mut rest = s;
    while let Some(pos) = rest.find(|c: char| c == '"' || c == '\\' || c < ' ') {
        let (plain, tail) = rest.split_at(pos);
        f.write_str(plain)?;
        let mut chars = tail.chars();
        if let Some(c) = chars.next() {
            match c {
                '"' => f.write_str("\\\"")?,
                '\\' => f.write_str("\\\\")?,
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                '\u{8}' => f.write_str("\\b")?,
                '\u{c}' => f.write_str("\\f")?,
                c => write!(f, "\\u{:04x}", u32::from(c))?,
            }
        }
        rest = chars.as_str();
    }
    f.write_str(rest)?;
    f.write_char('"')
}

/// `attrPath compareOp compValue`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Comparison {
    /// The attribute compared.
    pub path: AttrPath,
    /// The operator.
    pub op: CompareOp,
    /// The literal.
    pub value: CompValue,
    /// The whole comparison.
    pub span: Span,
    /// The operator keyword.
    pub op_span: Span,
    /// The literal.
    pub value_span: Span,
}

/// `attrPath "[" valFilter "]"`: some element of a multi-valued attribute
/// satisfies the whole inner filter, whose paths name sub-attributes.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ValuePath {
    /// The multi-valued attribute.
    pub attr: AttrPath,
    /// The filter each element is tested against.
    pub filter: Filter,
    /// From the attribute to the closing bracket.
    pub span: Span,
}

/// A SCIM filter (RFC 7644 §3.4.2.2).
///
/// The entailment `emails[type eq "work"].value eq "x"` (sent by some
/// clients as a filter) is parsed as the equivalent
/// `emails[type eq "work" and value eq "x"]`.
///
/// The derived-looking traits (`Clone`, `PartialEq`, `Hash`, `Debug`, `Drop`)
/// are implemented without recursion.
pub enum Filter {
    /// `attrPath op compValue`, e.g. `userName eq "bjensen"`.
    Compare(Box<Comparison>),
    /// `attrPath pr`: the attribute has a non-empty value.
    Present(Box<AttrPath>),
    /// `not ( filter )`.
    Not(Box<Filter>),
    /// `filter and filter …`: every operand matches.
    And(Vec<Filter>),
    /// `filter or filter …`: some operand matches.
    Or(Vec<Filter>),
    /// `attr[filter]`: see [`ValuePath`].
    ValuePath(Box<ValuePath>),
}

impl Filter {
    /// `path op value` with empty spans.
    pub fn compare(path: AttrPath, op: CompareOp, value: CompValue) -> Filter {
        Filter::Compare(Box::new(Comparison {
            path,
            op,
            value,
            span: Span::default(),
            op_span: Span::default(),
            value_span: Span::default(),
        }))
    }

    /// `path pr`.
    pub fn present(path: AttrPath) -> Filter {
        Filter::Present(Box::new(path))
    }

    /// `not (f)`.
    pub fn negate(f: Filter) -> Filter {
        Filter::Not(Box::new(f))
    }

    /// `attr[f]` with an empty span.
    pub fn value_path(attr: AttrPath, f: Filter) -> Filter {
        Filter::ValuePath(Box::new(ValuePath {
            attr,
            filter: f,
            span: Span::default(),
        }))
    }

    /// The conjunction of `operands`, flattening nested `and`s; a single
    /// operand is returned as is. Panics never; an empty list gives an empty `And`.
    pub fn and(operands: impl IntoIterator<Item = Filter>) -> Filter {
        Self::junction(operands, true)
    }

    /// The disjunction of `operands`, flattening nested `or`s; a single
    /// operand is returned as is.
    pub fn or(operands: impl IntoIterator<Item = Filter>) -> Filter {
        Self::junction(operands, false)
    }

    fn junction(operands: impl IntoIterator<Item = Filter>, is_and: bool) -> Filter {
        let mut out = Vec::new();
        for mut f in operands {
            match (&mut f, is_and) {
                (Filter::And(v), true) | (Filter::Or(v), false) => out.append(v),
                _ => out.push(f),
            }
        }
        if out.len() == 1
            && let Some(f) = out.pop()
        {
            return f;
        }
        if is_and {
            Filter::And(out)
        } else {
            Filter::Or(out)
        }
    }

    /// The operands of a junction, `not` or value path.
    pub(crate) fn children(&self) -> &[Filter] {
        match self {
            Filter::And(v) | Filter::Or(v) => v,
            Filter::Not(b) => std::slice::from_ref(&**b),
            Filter::ValuePath(vp) => std::slice::from_ref(&vp.filter),
            Filter::Compare(_) | Filter::Present(_) => &[],
        }
    }

    /// Whether the tree is in normal form: no `and` directly inside an `and`,
    /// no `or` directly inside an `or`, every `and`/`or` with two or more operands.
    pub fn is_normalized(&self) -> bool {
        let mut stack = vec![self];
        while let Some(f) = stack.pop() {
            match f {
                Filter::And(v) | Filter::Or(v) => {
                    let is_and = matches!(f, Filter::And(_));
                    if v.len() < 2 {
                        return false;
                    }
                    for c in v {
                        match (c, is_and) {
                            (Filter::And(_), true) | (Filter::Or(_), false) => return false,
                            _ => stack.push(c),
                        }
                    }
                }
                other => stack.extend(other.children()),
            }
        }
        true
    }

    /// The normal form of this filter (see the [module docs](self)): nested
    /// `and`s and `or`s of the same kind are flattened, single-operand
    /// junctions unwrapped. Linear in the size of the tree, for any depth.
    pub fn normalize(self) -> Filter {
        // Top-down: each junction gathers the operands of its same-kind
        // descendants in one pass, then its operands are normalized in turn.
        let mut root = self;
        normalize_in_place(&mut root);
        root
    }

    /// Folds the tree bottom-up with `folder`, without recursion. See [`Fold`].
    pub fn fold<F: Fold>(&self, folder: &mut F) -> F::Output {
        enum Task<'a> {
            Visit(&'a Filter),
            Build(&'a Filter),
        }
        let mut tasks = vec![Task::Visit(self)];
        let mut out: Vec<F::Output> = Vec::new();
        while let Some(task) = tasks.pop() {
            match task {
                Task::Visit(f) => match f {
                    Filter::Compare(c) => out.push(folder.compare(c)),
                    Filter::Present(p) => out.push(folder.present(p)),
                    Filter::ValuePath(vp) => {
                        folder.enter_value_path(vp);
                        tasks.push(Task::Build(f));
                        tasks.push(Task::Visit(&vp.filter));
                    }
                    _ => {
                        tasks.push(Task::Build(f));
                        tasks.extend(f.children().iter().rev().map(Task::Visit));
                    }
                },
                Task::Build(f) => {
                    let n = f.children().len();
                    let args = out.split_off(out.len().saturating_sub(n));
                    let r = match f {
                        Filter::And(_) => folder.and(args),
                        Filter::Or(_) => folder.or(args),
                        Filter::Not(_) => folder.not(args.into_iter().next_back()),
                        Filter::ValuePath(vp) => {
                            folder.value_path(vp, args.into_iter().next_back())
                        }
                        Filter::Compare(c) => folder.compare(c),
                        Filter::Present(p) => folder.present(p),
                    };
                    out.push(r);
                }
            }
        }
        // One output remains: the root's.
        match out.pop() {
            Some(o) => o,
            None => folder.and(Vec::new()),
        }
    }
}

fn normalize_in_place(root: &mut Filter) {
    let mut stack: Vec<&mut Filter> = vec![root];
    while let Some(f) = stack.pop() {
        let is_and = matches!(f, Filter::And(_));
        match f {
            Filter::And(v) | Filter::Or(v) => {
                if v.iter().any(|c| same_kind(c, is_and)) {
                    // Gather operands in order, expanding same-kind groups.
                    let mut gathered = Vec::with_capacity(v.len());
                    let mut pending: Vec<std::vec::IntoIter<Filter>> =
                        vec![std::mem::take(v).into_iter()];
                    while let Some(top) = pending.last_mut() {
                        match top.next() {
                            Some(mut c) => {
                                if same_kind(&c, is_and) {
                                    if let Filter::And(inner) | Filter::Or(inner) = &mut c {
                                        pending.push(std::mem::take(inner).into_iter());
                                    }
                                } else {
                                    gathered.push(c);
                                }
                            }
                            None => {
                                pending.pop();
                            }
                        }
                    }
                    *v = gathered;
                }
                if v.len() == 1 {
                    if let Some(only) = v.pop() {
                        *f = only;
                        stack.push(f);
                    }
                    continue;
                }
                if let Filter::And(v) | Filter::Or(v) = f {
                    stack.extend(v.iter_mut());
                }
            }
            Filter::Not(b) => stack.push(b),
            Filter::ValuePath(vp) => stack.push(&mut vp.filter),
            Filter::Compare(_) | Filter::Present(_) => {}
        }
    }
}

fn same_kind(f: &Filter, is_and: bool) -> bool {
    match f {
        Filter::And(_) => is_and,
        Filter::Or(_) => !is_and,
        _ => false,
    }
}

/// A bottom-up fold over a [`Filter`], for translating a filter into another
/// form (a store's query, say) without writing a recursive walk. Operands are
/// folded before the node that holds them, and [`Filter::fold`] keeps its own
/// stack, so any depth is safe.
pub trait Fold {
    /// What each node becomes.
    type Output;
    /// `attrPath op value`.
    fn compare(&mut self, c: &Comparison) -> Self::Output;
    /// `attrPath pr`.
    fn present(&mut self, path: &AttrPath) -> Self::Output;
    /// `a and b …`, operands folded in order (empty only for a hand-built empty `And`).
    fn and(&mut self, operands: Vec<Self::Output>) -> Self::Output;
    /// `a or b …`, operands folded in order.
    fn or(&mut self, operands: Vec<Self::Output>) -> Self::Output;
    /// `not (…)`; the operand is always `Some`.
    fn not(&mut self, operand: Option<Self::Output>) -> Self::Output;
    /// Called before the inner filter of a value path is folded, so the
    /// folder knows that the paths it sees next are sub-attributes of `vp.attr`.
    fn enter_value_path(&mut self, vp: &ValuePath) {
        let _ = vp;
    }
    /// `attr[filter]`, after the inner filter was folded; the operand is always `Some`.
    fn value_path(&mut self, vp: &ValuePath, inner: Option<Self::Output>) -> Self::Output;
}

impl Drop for Filter {
    #[inline]
    fn drop(&mut self) {
        // Leaves, and nodes whose operands are all leaves, need no care.
        let deep = match self {
            Filter::Compare(_) | Filter::Present(_) => return,
            Filter::And(v) | Filter::Or(v) => v.iter().any(Filter::has_operands),
            Filter::Not(b) => b.has_operands(),
            Filter::ValuePath(vp) => vp.filter.has_operands(),
        };
        if deep {
            drop_deep(self);
        }
    }
}

impl Filter {
    /// Whether this node holds other filters.
    #[inline]
    fn has_operands(&self) -> bool {
        match self {
            Filter::Compare(_) | Filter::Present(_) => false,
            Filter::And(v) | Filter::Or(v) => !v.is_empty(),
            Filter::Not(_) | Filter::ValuePath(_) => true,
        }
    }
}

/// Drops the operands of `f`, some of which have operands of their own.
fn drop_deep(f: &mut Filter) {
    // Shallow trees (the common case) drop recursively, without allocating;
    // the recursion is bounded by a per-thread depth count, and anything
    // deeper is dropped from an explicit stack.
    let depth = DROP_DEPTH.with(Cell::get);
    if depth < SHALLOW {
        DROP_DEPTH.with(|d| d.set(depth + 1));
        match f {
            Filter::And(v) | Filter::Or(v) => drop(std::mem::take(v)),
            Filter::Not(b) => drop(std::mem::replace(&mut **b, Filter::And(Vec::new()))),
            Filter::ValuePath(vp) => {
                drop(std::mem::replace(&mut vp.filter, Filter::And(Vec::new())));
            }
            Filter::Compare(_) | Filter::Present(_) => {}
        }
        DROP_DEPTH.with(|d| d.set(depth));
        return;
    }
    let mut stack: Vec<Filter> = Vec::new();
    take_children(f, &mut stack);
    while let Some(mut f) = stack.pop() {
        take_children(&mut f, &mut stack);
    }
}

/// Trees up to this depth drop recursively.
const SHALLOW: usize = 32;

thread_local! {
    static DROP_DEPTH: Cell<usize> = const { Cell::new(0) };
}

fn take_children(f: &mut Filter, into: &mut Vec<Filter>) {
    match f {
        Filter::And(v) | Filter::Or(v) => into.append(v),
        Filter::Not(b) => into.push(std::mem::replace(&mut **b, Filter::And(Vec::new()))),
        Filter::ValuePath(vp) => {
            into.push(std::mem::replace(&mut vp.filter, Filter::And(Vec::new())));
        }
        Filter::Compare(_) | Filter::Present(_) => {}
    }
}

impl Clone for Filter {
    fn clone(&self) -> Self {
        struct Cloner;
        impl Fold for Cloner {
            type Output = Filter;
            fn compare(&mut self, c: &Comparison) -> Filter {
                Filter::Compare(Box::new(c.clone()))
            }
            fn present(&mut self, p: &AttrPath) -> Filter {
                Filter::Present(Box::new(p.clone()))
            }
            fn and(&mut self, v: Vec<Filter>) -> Filter {
                Filter::And(v)
            }
            fn or(&mut self, v: Vec<Filter>) -> Filter {
                Filter::Or(v)
            }
            fn not(&mut self, f: Option<Filter>) -> Filter {
                Filter::Not(Box::new(f.unwrap_or_else(|| Filter::And(Vec::new()))))
            }
            fn value_path(&mut self, vp: &ValuePath, f: Option<Filter>) -> Filter {
                Filter::ValuePath(Box::new(ValuePath {
                    attr: vp.attr.clone(),
                    filter: f.unwrap_or_else(|| Filter::And(Vec::new())),
                    span: vp.span,
                }))
            }
        }
        self.fold(&mut Cloner)
    }
}

impl PartialEq for Filter {
    fn eq(&self, other: &Self) -> bool {
        let mut stack = vec![(self, other)];
        while let Some((a, b)) = stack.pop() {
            let same = match (a, b) {
                (Filter::Compare(x), Filter::Compare(y)) => x == y,
                (Filter::Present(x), Filter::Present(y)) => x == y,
                (Filter::Not(_), Filter::Not(_)) => true,
                (Filter::And(x), Filter::And(y)) | (Filter::Or(x), Filter::Or(y)) => {
                    x.len() == y.len()
                }
                (Filter::ValuePath(x), Filter::ValuePath(y)) => x.attr == y.attr,
                _ => false,
            };
            if !same {
                return false;
            }
            stack.extend(a.children().iter().zip(b.children()));
        }
        true
    }
}

impl Eq for Filter {}

impl Hash for Filter {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let mut stack = vec![self];
        while let Some(f) = stack.pop() {
            std::mem::discriminant(f).hash(state);
            match f {
                Filter::Compare(c) => c.hash(state),
                Filter::Present(p) => p.hash(state),
                Filter::And(v) | Filter::Or(v) => v.len().hash(state),
                Filter::ValuePath(vp) => vp.attr.hash(state),
                Filter::Not(_) => {}
            }
            stack.extend(f.children().iter().rev());
        }
    }
}

/// Pieces the iterative printers emit.
enum Piece<'a> {
    Node(&'a Filter),
    Text(&'static str),
}

impl fmt::Debug for Filter {
    /// An S-expression of the tree with spans, printed without recursion:
    /// `And[Compare(userName@0..8 eq "x"@12..15), Not(Present(title@20..25))]`.
    /// The alternate form (`{:#?}`) puts each operand on its own line,
    /// indented by four spaces per level.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            return debug_pretty(self, f);
        }
        let mut stack = vec![Piece::Node(self)];
        while let Some(p) = stack.pop() {
            let node = match p {
                Piece::Text(t) => {
                    f.write_str(t)?;
                    continue;
                }
                Piece::Node(n) => n,
            };
            match node {
                Filter::Compare(_) | Filter::Present(_) => debug_leaf(node, f)?,
                Filter::Not(b) => {
                    f.write_str("Not(")?;
                    stack.push(Piece::Text(")"));
                    stack.push(Piece::Node(b));
                }
                Filter::ValuePath(vp) => {
                    write!(f, "ValuePath({}@{:?}, ", vp.attr, vp.attr.span)?;
                    stack.push(Piece::Text(")"));
                    stack.push(Piece::Node(&vp.filter));
                }
                Filter::And(v) | Filter::Or(v) => {
                    f.write_str(if matches!(node, Filter::And(_)) {
                        "And["
                    } else {
                        "Or["
                    })?;
                    stack.push(Piece::Text("]"));
                    for (i, c) in v.iter().enumerate().rev() {
                        stack.push(Piece::Node(c));
                        if i > 0 {
                            stack.push(Piece::Text(", "));
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// `Compare(path@span op value@span)` or `Present(path@span)`.
fn debug_leaf(node: &Filter, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match node {
        Filter::Compare(c) => write!(
            f,
            "Compare({}@{:?} {} {}@{:?})",
            c.path, c.path.span, c.op, c.value, c.value_span
        ),
        Filter::Present(p) => write!(f, "Present({}@{:?})", p, p.span),
        _ => Ok(()),
    }
}

/// The alternate Debug form: one node per line, closers on their own lines.
fn debug_pretty(root: &Filter, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    /// A node to print at a depth, or a closer (with the comma after it
    /// unless it closes the root).
    enum Line<'a> {
        Node(&'a Filter, usize),
        Close(&'static str, usize),
    }
    let indent =
        |f: &mut fmt::Formatter<'_>, depth: usize| (0..depth).try_for_each(|_| f.write_str("    "));
    let mut stack = vec![Line::Node(root, 0)];
    while let Some(line) = stack.pop() {
        let (node, depth) = match line {
            Line::Close(text, depth) => {
                indent(f, depth)?;
                f.write_str(text)?;
                f.write_str(if depth > 0 { ",\n" } else { "" })?;
                continue;
            }
            Line::Node(node, depth) => (node, depth),
        };
        indent(f, depth)?;
        let (open, close, children): (&str, &'static str, &[Filter]) = match node {
            Filter::Compare(_) | Filter::Present(_) => {
                debug_leaf(node, f)?;
                f.write_str(if depth > 0 { ",\n" } else { "" })?;
                continue;
            }
            Filter::Not(b) => ("Not(", ")", std::slice::from_ref(&**b)),
            Filter::ValuePath(vp) => {
                f.write_str("ValuePath(\n")?;
                indent(f, depth + 1)?;
                write!(f, "{}@{:?},", vp.attr, vp.attr.span)?;
                ("", ")", std::slice::from_ref(&vp.filter))
            }
            Filter::And(v) => ("And[", "]", v),
            Filter::Or(v) => ("Or[", "]", v),
        };
        f.write_str(open)?;
        f.write_str("\n")?;
        stack.push(Line::Close(close, depth));
        stack.extend(children.iter().rev().map(|c| Line::Node(c, depth + 1)));
    }
    Ok(())
}

impl fmt::Display for Filter {
    /// The canonical text: lower-case keywords, single spaces, JSON literals,
    /// parentheses only where the tree needs them. Printed without recursion.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut stack = vec![Piece::Node(self)];
        while let Some(p) = stack.pop() {
            let node = match p {
                Piece::Text(t) => {
                    f.write_str(t)?;
                    continue;
                }
                Piece::Node(n) => n,
            };
            match node {
                Filter::Compare(c) => write!(f, "{} {} {}", c.path, c.op, c.value)?,
                Filter::Present(p) => write!(f, "{p} pr")?,
                Filter::Not(b) => {
                    f.write_str("not (")?;
                    stack.push(Piece::Text(")"));
                    stack.push(Piece::Node(b));
                }
                Filter::ValuePath(vp) => {
                    write!(f, "{}[", vp.attr)?;
                    stack.push(Piece::Text("]"));
                    stack.push(Piece::Node(&vp.filter));
                }
                Filter::And(v) | Filter::Or(v) => {
                    let is_and = matches!(node, Filter::And(_));
                    let sep = if is_and { " and " } else { " or " };
                    for (i, c) in v.iter().enumerate().rev() {
                        // `and` binds tighter: an `or` inside an `and`, and any
                        // junction inside one of its own kind, needs parentheses.
                        let paren = match c {
                            Filter::Or(_) => true,
                            Filter::And(_) => is_and,
                            _ => false,
                        };
                        if paren {
                            stack.push(Piece::Text(")"));
                            stack.push(Piece::Node(c));
                            stack.push(Piece::Text("("));
                        } else {
                            stack.push(Piece::Node(c));
                        }
                        if i > 0 {
                            stack.push(Piece::Text(sep));
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// A PATCH operation's `path` (RFC 7644 §3.5.2): `attrPath / valuePath [subAttr]`.
///
/// - `name.givenName`: `attr` is the whole path, no filter;
/// - `members[value eq "2819c223"]`: `attr` is `members`, `filter` is the value filter;
/// - `emails[type eq "work"].value`: additionally `sub_attr` is `value`;
/// - `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`: the bare
///   extension URN; see [`AttrPath`] for how it is split and resolved.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct PatchPath {
    /// The attribute (for a plain path, possibly with its sub-attribute).
    pub attr: AttrPath,
    /// The value filter in brackets.
    pub filter: Option<Filter>,
    /// The sub-attribute after the closing bracket.
    pub sub_attr: Option<CompactString>,
    /// The whole path.
    pub span: Span,
}

impl fmt::Display for PatchPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.attr)?;
        if let Some(filter) = &self.filter {
            write!(f, "[{filter}]")?;
        }
        if let Some(sub) = &self.sub_attr {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}
