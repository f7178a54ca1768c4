//! Filters resolved against a schema registry: [`CompiledFilter`].

use chrono::{DateTime, Utc};
use scim_core::schema::{AttributeDef, AttributeType};
use scim_core::{Resolved, ResourceType, SchemaRegistry};

use crate::ast::{AttrPath, CompValue, CompareOp, Comparison, Filter, PatchPath, Span};
use crate::error::{Context, ErrorKind, FilterError};

/// What to do with attributes the registry does not define.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
#[non_exhaustive]
pub enum UnknownAttributes {
    /// An [`ErrorKind::UnknownAttribute`] error (`invalidFilter`).
    #[default]
    Reject,
    /// Look the attribute up by its path anyway (URN-prefixed attributes under
    /// their URN key) and compare values by their JSON type: strings
    /// case-insensitively, numbers as numbers, booleans with `eq`/`ne` only.
    Dynamic,
}

/// Options of [`CompiledFilter::compile_with`].
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct CompileOptions {
    unknown_attributes: UnknownAttributes,
}

impl CompileOptions {
    /// The defaults: unknown attributes are rejected.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets what to do with attributes the registry does not define.
    pub fn unknown_attributes(mut self, u: UnknownAttributes) -> Self {
        self.unknown_attributes = u;
        self
    }
}

/// An attribute as a compiled filter sees it: canonical names and the
/// characteristics that decide how values compare.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ResolvedAttr {
    /// The URN of the schema that defines the attribute, when the attribute
    /// lives in an extension (its values are nested under this key), or for a
    /// dynamic attribute written with a URN prefix.
    pub extension: Option<String>,
    /// The attribute's canonical name (for a value filter: the sub-attribute's).
    pub name: String,
    /// The sub-attribute's canonical name; for a comparison on a complex
    /// multi-valued attribute without one, `value` (RFC 7644 §3.4.2.2).
    pub sub_attr: Option<String>,
    /// The type of what is compared; `None` for a dynamic attribute.
    pub type_: Option<AttributeType>,
    /// Whether strings compare case-sensitively.
    pub case_exact: bool,
    /// Whether the attribute holds several values.
    pub multi_valued: bool,
}

/// A literal as the compiled filter compares it.
#[derive(Clone, Copy, PartialEq, Debug)]
#[non_exhaustive]
pub enum Literal<'a> {
    /// `null` (only with `eq`/`ne`: absent / present).
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(&'a serde_json::Number),
    /// A string.
    String(&'a str),
    /// A dateTime, parsed once.
    DateTime(DateTime<Utc>),
}

#[derive(Clone, Debug)]
pub(crate) struct StrLit {
    pub(crate) text: Box<str>,
    /// The text lower-cased character by character (for case-insensitive compares).
    pub(crate) lower: Box<str>,
    pub(crate) ascii: bool,
}

impl StrLit {
    pub(crate) fn new(text: &str) -> Self {
        let ascii = text.is_ascii();
        // Per-char lowercasing (not `str::to_lowercase`, whose final-sigma rule differs);
        // for ASCII both are the bytewise fold.
        let lower = if ascii {
            text.to_ascii_lowercase()
        } else {
            text.chars().flat_map(char::to_lowercase).collect()
        };
        StrLit {
            text: text.into(),
            lower: lower.into(),
            ascii,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) enum DynLit {
    Str(StrLit),
    Num(serde_json::Number),
    Bool(bool),
}

#[derive(Clone, Debug)]
pub(crate) enum Test {
    Present,
    Null { eq: bool },
    Str { lit: StrLit, case_exact: bool },
    Num(serde_json::Number),
    Bool(bool),
    DateTime(DateTime<Utc>),
    Dyn(DynLit),
}

#[derive(Clone, Debug)]
pub(crate) struct Leaf {
    /// Object keys from the root (resource or element) to the values.
    pub(crate) keys: Vec<Box<str>>,
    pub(crate) attr: ResolvedAttr,
    pub(crate) op: CompareOp,
    pub(crate) test: Test,
    pub(crate) span: Span,
}

#[derive(Clone, Debug)]
pub(crate) struct VpNode {
    pub(crate) keys: Vec<Box<str>>,
    pub(crate) attr: ResolvedAttr,
    pub(crate) inner: CompiledFilter,
}

#[derive(Clone, Debug)]
pub(crate) enum Node {
    Leaf(Box<Leaf>),
    ValuePath(Box<VpNode>),
    Const(bool),
    And { end: usize },
    Or { end: usize },
    Not { end: usize },
}

/// A filter resolved once against a schema registry: attribute definitions
/// looked up, `caseExact` and types decided, literals converted (dateTimes
/// parsed), `and`/`or` flattened. Evaluation ([`CompiledFilter::matches`]),
/// store translation ([`CompiledFilter::fold`]) and PATCH value filters use
/// this form.
///
/// The nodes are kept in one flat vector and evaluated with an explicit
/// stack, so neither evaluation nor `Drop` recurses on the filter's depth.
#[derive(Clone, Debug)]
pub struct CompiledFilter {
    pub(crate) nodes: Vec<Node>,
}

#[derive(Clone, Copy)]
enum Scope<'a> {
    Resource {
        registry: &'a SchemaRegistry,
        rt: &'a ResourceType,
    },
    /// Inside a value filter: paths name sub-attributes of this attribute
    /// (`None`: a dynamic attribute).
    Element(Option<&'a AttributeDef>),
}

struct Compiler<'a> {
    scope: Scope<'a>,
    options: CompileOptions,
}

fn err(span: Span, kind: ErrorKind) -> FilterError {
    FilterError::new("", span, kind, Context::Filter)
}

impl CompiledFilter {
    /// Resolves `filter` against the schemas of `rt`. Unknown attributes are
    /// an error; see [`Self::compile_with`].
    ///
    /// The error's spans point into the text the filter was parsed from; use
    /// [`FilterError::with_input`] to attach that text for rendering, or
    /// [`Self::parse_and_compile`] to do both.
    pub fn compile(
        filter: &Filter,
        registry: &SchemaRegistry,
        rt: &ResourceType,
    ) -> Result<CompiledFilter, FilterError> {
        Self::compile_with(filter, registry, rt, CompileOptions::default())
    }

    /// [`Self::compile`] with options.
    pub fn compile_with(
        filter: &Filter,
        registry: &SchemaRegistry,
        rt: &ResourceType,
        options: CompileOptions,
    ) -> Result<CompiledFilter, FilterError> {
        Compiler {
            scope: Scope::Resource { registry, rt },
            options,
        }
        .program(filter)
    }

    /// Parses `text` with the default limits and compiles it; errors carry the text.
    pub fn parse_and_compile(
        text: &str,
        registry: &SchemaRegistry,
        rt: &ResourceType,
    ) -> Result<CompiledFilter, FilterError> {
        let f = crate::parse_filter(text)?;
        Self::compile(&f, registry, rt).map_err(|e| e.with_input(text))
    }

    /// Compiles a value filter (the part in brackets of `emails[type eq "work"]`)
    /// against the sub-attributes of the multi-valued or complex attribute
    /// `attr`. The result tests one element with [`Self::matches_element`]: the
    /// PATCH engine uses this to pick the elements a path like
    /// `emails[type eq "work"].value` targets. For a multi-valued attribute of
    /// a simple type, the name `value` stands for the element itself.
    pub fn compile_value_filter(
        filter: &Filter,
        attr: &AttributeDef,
    ) -> Result<CompiledFilter, FilterError> {
        Compiler {
            scope: Scope::Element(Some(attr)),
            options: CompileOptions::default(),
        }
        .program(filter)
    }

    /// Whether the canonicalized resource matches.
    ///
    /// Errors only where the types are known at run time alone: an ordering
    /// operator meeting a boolean value of a dynamic attribute.
    pub fn matches(&self, resource: &serde_json::Value) -> Result<bool, EvalError> {
        crate::eval::run(&self.nodes, resource)
    }

    /// Whether one element of a multi-valued attribute matches a filter made
    /// by [`Self::compile_value_filter`].
    pub fn matches_element(&self, element: &serde_json::Value) -> Result<bool, EvalError> {
        crate::eval::run(&self.nodes, element)
    }

    /// Folds the compiled filter bottom-up (see [`CompiledFold`]), without
    /// recursion on its depth.
    pub fn fold<F: CompiledFold>(&self, folder: &mut F) -> F::Output {
        fold_nodes(&self.nodes, folder)
    }
}

impl<'a> Compiler<'a> {
    /// Pre-order emission with explicit tasks; same-kind junctions are flattened.
    fn program(&self, filter: &Filter) -> Result<CompiledFilter, FilterError> {
        enum Task<'f> {
            Visit(&'f Filter, Option<bool>),
            Close(usize),
        }
        let mut nodes: Vec<Node> = Vec::new();
        let mut tasks = vec![Task::Visit(filter, None)];
        while let Some(t) = tasks.pop() {
            match t {
                Task::Close(idx) => {
                    let end = nodes.len();
                    if end == idx + 1 {
                        // A junction left without operands.
                        if let Some(n) = nodes.get_mut(idx) {
                            *n = Node::Const(matches!(n, Node::And { .. }));
                        }
                        continue;
                    }
                    if let Some(Node::And { end: e } | Node::Or { end: e } | Node::Not { end: e }) =
                        nodes.get_mut(idx)
                    {
                        *e = end;
                    }
                }
                Task::Visit(f, inline_into) => match f {
                    Filter::Compare(c) => nodes.push(Node::Leaf(Box::new(self.comparison(c)?))),
                    Filter::Present(p) => nodes.push(Node::Leaf(Box::new(self.present(p)?))),
                    Filter::Not(inner) => {
                        let idx = nodes.len();
                        nodes.push(Node::Not { end: 0 });
                        tasks.push(Task::Close(idx));
                        tasks.push(Task::Visit(inner, None));
                    }
                    Filter::And(v) | Filter::Or(v) => {
                        let is_and = matches!(f, Filter::And(_));
                        if inline_into == Some(is_and) {
                            tasks.extend(v.iter().rev().map(|c| Task::Visit(c, Some(is_and))));
                        } else if let [only] = v.as_slice() {
                            tasks.push(Task::Visit(only, inline_into));
                        } else {
                            let idx = nodes.len();
                            nodes.push(if is_and {
                                Node::And { end: 0 }
                            } else {
                                Node::Or { end: 0 }
                            });
                            tasks.push(Task::Close(idx));
                            tasks.extend(v.iter().rev().map(|c| Task::Visit(c, Some(is_and))));
                        }
                    }
                    Filter::ValuePath(vp) => {
                        let Scope::Resource { .. } = self.scope else {
                            return Err(err(vp.span, ErrorKind::NestedValuePath));
                        };
                        let (keys, attr, def) = self.value_path_target(&vp.attr)?;
                        let inner = Compiler {
                            scope: Scope::Element(def),
                            options: self.options,
                        }
                        .program(&vp.filter)?;
                        nodes.push(Node::ValuePath(Box::new(VpNode { keys, attr, inner })));
                    }
                },
            }
        }
        Ok(CompiledFilter { nodes })
    }

    /// Keys and definition of a value path's attribute.
    fn value_path_target(&self, path: &AttrPath) -> Result<VpTarget<'a>, FilterError> {
        match self.resolve(path)? {
            Target::Known { keys, attr, def } => {
                if !def.multi_valued && def.type_ != AttributeType::Complex {
                    return Err(err(path.span, ErrorKind::NotMultiValued(path.to_string())));
                }
                Ok((keys, attr, Some(def)))
            }
            Target::Dynamic { keys, attr } => Ok((keys, attr, None)),
            Target::Schema { .. } => {
                Err(err(path.span, ErrorKind::NotMultiValued(path.to_string())))
            }
        }
    }

    fn present(&self, path: &AttrPath) -> Result<Leaf, FilterError> {
        let (keys, attr) = match self.resolve(path)? {
            Target::Known { keys, attr, .. } | Target::Dynamic { keys, attr } => (keys, attr),
            Target::Schema { keys, attr } => (keys, attr),
        };
        Ok(Leaf {
            keys,
            attr,
            op: CompareOp::Eq,
            test: Test::Present,
            span: path.span,
        })
    }

    fn comparison(&self, c: &Comparison) -> Result<Leaf, FilterError> {
        let (mut keys, mut attr, def) = match self.resolve(&c.path)? {
            Target::Known { keys, attr, def } => (keys, attr, Some(def)),
            Target::Dynamic { keys, attr } => (keys, attr, None),
            Target::Schema { .. } => {
                return Err(err(
                    c.path.span,
                    ErrorKind::ComplexComparison(c.path.to_string()),
                ));
            }
        };
        let mut def = def;
        if let Some(d) = def
            && d.type_ == AttributeType::Complex
            && attr.sub_attr.is_none()
        {
            // `emails co "example.com"` compares the `value` sub-attribute.
            match d.sub_attribute("value") {
                Some(v) if d.multi_valued => {
                    keys.push(v.name.as_str().into());
                    attr.sub_attr = Some(v.name.clone());
                    attr.type_ = Some(v.type_);
                    attr.case_exact = exact(v);
                    def = Some(v);
                }
                _ => {
                    return Err(err(
                        c.path.span,
                        ErrorKind::ComplexComparison(c.path.to_string()),
                    ));
                }
            }
        }
        let test = literal_test(c, def)?;
        Ok(Leaf {
            keys,
            attr,
            op: c.op,
            test,
            span: c.span,
        })
    }

    fn resolve(&self, path: &AttrPath) -> Result<Target<'a>, FilterError> {
        let unknown = || err(path.span, ErrorKind::UnknownAttribute(path.to_string()));
        match self.scope {
            Scope::Resource { registry, rt } => {
                let text = path.to_string();
                match registry.resolve(rt, &text) {
                    Some(Resolved::Attribute {
                        schema,
                        attr,
                        sub,
                        extension,
                    }) => {
                        let mut keys: Vec<Box<str>> = Vec::with_capacity(3);
                        if extension {
                            keys.push(schema.id.as_str().into());
                        }
                        keys.push(attr.name.as_str().into());
                        if let Some(s) = sub {
                            keys.push(s.name.as_str().into());
                        }
                        let target = sub.unwrap_or(attr);
                        Ok(Target::Known {
                            keys,
                            attr: ResolvedAttr {
                                extension: extension.then(|| schema.id.clone()),
                                name: attr.name.clone(),
                                sub_attr: sub.map(|s| s.name.clone()),
                                type_: Some(target.type_),
                                case_exact: exact(target),
                                multi_valued: attr.multi_valued,
                            },
                            def: target,
                        })
                    }
                    Some(Resolved::Schema(schema)) => Ok(Target::Schema {
                        keys: vec![schema.id.as_str().into()],
                        attr: ResolvedAttr {
                            extension: Some(schema.id.clone()),
                            name: String::new(),
                            sub_attr: None,
                            type_: Some(AttributeType::Complex),
                            case_exact: false,
                            multi_valued: false,
                        },
                    }),
                    None if path.uri.is_none()
                        && path.sub_attr.is_none()
                        && path.name.eq_ignore_ascii_case("schemas") =>
                    {
                        Ok(Target::Known {
                            keys: vec!["schemas".into()],
                            attr: ResolvedAttr {
                                extension: None,
                                name: "schemas".into(),
                                sub_attr: None,
                                type_: Some(AttributeType::String),
                                case_exact: false,
                                multi_valued: true,
                            },
                            def: schemas_def(),
                        })
                    }
                    None => match self.options.unknown_attributes {
                        UnknownAttributes::Reject => Err(unknown()),
                        UnknownAttributes::Dynamic => Ok(dynamic(path)),
                    },
                }
            }
            Scope::Element(None) => Ok(dynamic(path)),
            Scope::Element(Some(parent)) => {
                if path.uri.is_none() && path.sub_attr.is_none() {
                    if let Some(sub) = parent.sub_attribute(&path.name) {
                        return Ok(Target::Known {
                            keys: vec![sub.name.as_str().into()],
                            attr: ResolvedAttr {
                                extension: None,
                                name: sub.name.clone(),
                                sub_attr: None,
                                type_: Some(sub.type_),
                                case_exact: exact(sub),
                                multi_valued: sub.multi_valued,
                            },
                            def: sub,
                        });
                    }
                    if parent.type_ != AttributeType::Complex
                        && path.name.eq_ignore_ascii_case("value")
                    {
                        // A simple multi-valued attribute: `value` is the element.
                        return Ok(Target::Known {
                            keys: Vec::new(),
                            attr: ResolvedAttr {
                                extension: None,
                                name: "value".into(),
                                sub_attr: None,
                                type_: Some(parent.type_),
                                case_exact: exact(parent),
                                multi_valued: false,
                            },
                            def: parent,
                        });
                    }
                }
                match self.options.unknown_attributes {
                    UnknownAttributes::Reject => Err(unknown()),
                    UnknownAttributes::Dynamic => Ok(dynamic(path)),
                }
            }
        }
    }
}

fn schemas_def() -> &'static AttributeDef {
    static DEF: std::sync::OnceLock<AttributeDef> = std::sync::OnceLock::new();
    DEF.get_or_init(|| AttributeDef::string("schemas").multi())
}

/// Whether strings of this attribute compare case-sensitively: `caseExact`,
/// and always for `binary` and `reference` (RFC 7643 §2.3.6, §2.3.7).
fn exact(def: &AttributeDef) -> bool {
    def.compares_exactly() || def.type_ == AttributeType::Reference
}

type VpTarget<'a> = (Vec<Box<str>>, ResolvedAttr, Option<&'a AttributeDef>);

enum Target<'a> {
    Known {
        keys: Vec<Box<str>>,
        attr: ResolvedAttr,
        def: &'a AttributeDef,
    },
    Schema {
        keys: Vec<Box<str>>,
        attr: ResolvedAttr,
    },
    Dynamic {
        keys: Vec<Box<str>>,
        attr: ResolvedAttr,
    },
}

fn dynamic<'a>(path: &AttrPath) -> Target<'a> {
    let mut keys: Vec<Box<str>> = Vec::with_capacity(3);
    if let Some(u) = &path.uri {
        keys.push(u.as_str().into());
    }
    keys.push(path.name.as_str().into());
    if let Some(s) = &path.sub_attr {
        keys.push(s.as_str().into());
    }
    Target::Dynamic {
        keys,
        attr: ResolvedAttr {
            extension: path.uri.as_ref().map(|u| u.to_string()),
            name: path.name.to_string(),
            sub_attr: path.sub_attr.as_ref().map(|s| s.to_string()),
            type_: None,
            case_exact: false,
            multi_valued: false,
        },
    }
}

/// Parses an `xsd:dateTime`: RFC 3339, or without an offset (read as UTC).
pub(crate) fn parse_date_time(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.to_utc());
    }
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|n| n.and_utc())
}

fn literal_test(c: &Comparison, def: Option<&AttributeDef>) -> Result<Test, FilterError> {
    let op = c.op;
    let op_not_allowed =
        |attr_type: &'static str| err(c.op_span, ErrorKind::OperatorNotAllowed { op, attr_type });
    let bad_literal =
        |expected: &'static str| err(c.value_span, ErrorKind::InvalidLiteral { expected });
    if let CompValue::Null = c.value {
        return match op {
            CompareOp::Eq => Ok(Test::Null { eq: true }),
            CompareOp::Ne => Ok(Test::Null { eq: false }),
            _ => Err(bad_literal("a value other than null for this operator")),
        };
    }
    let Some(def) = def else {
        return Ok(Test::Dyn(match &c.value {
            CompValue::Bool(b) => {
                if op.is_ordering() || op.is_substring() {
                    return Err(op_not_allowed("boolean"));
                }
                DynLit::Bool(*b)
            }
            CompValue::Number(n) => {
                if op.is_substring() {
                    return Err(bad_literal("a string"));
                }
                DynLit::Num(n.clone())
            }
            CompValue::String(s) => DynLit::Str(StrLit::new(s)),
            CompValue::Null => return Err(bad_literal("a value")),
        }));
    };
    match def.type_ {
        AttributeType::String | AttributeType::Reference | AttributeType::Binary => {
            if def.type_ == AttributeType::Binary && op.is_ordering() {
                return Err(op_not_allowed("binary"));
            }
            match &c.value {
                CompValue::String(s) => Ok(Test::Str {
                    lit: StrLit::new(s),
                    case_exact: exact(def),
                }),
                _ => Err(bad_literal("a string")),
            }
        }
        AttributeType::Boolean => {
            if op.is_ordering() || op.is_substring() {
                return Err(op_not_allowed("boolean"));
            }
            match &c.value {
                CompValue::Bool(b) => Ok(Test::Bool(*b)),
                CompValue::String(s) if s.eq_ignore_ascii_case("true") => Ok(Test::Bool(true)),
                CompValue::String(s) if s.eq_ignore_ascii_case("false") => Ok(Test::Bool(false)),
                _ => Err(bad_literal("true or false")),
            }
        }
        AttributeType::Integer | AttributeType::Decimal => {
            let name = if def.type_ == AttributeType::Integer {
                "integer"
            } else {
                "decimal"
            };
            if op.is_substring() {
                return Err(op_not_allowed(name));
            }
            match &c.value {
                CompValue::Number(n) => Ok(Test::Num(n.clone())),
                CompValue::String(s) => match crate::parse::number_from_str(s.trim()) {
                    Some(n) => Ok(Test::Num(n)),
                    None => Err(bad_literal("a number")),
                },
                _ => Err(bad_literal("a number")),
            }
        }
        AttributeType::DateTime => match &c.value {
            CompValue::String(s) if op.is_substring() => Ok(Test::Str {
                lit: StrLit::new(s),
                case_exact: true,
            }),
            CompValue::String(s) => match parse_date_time(s) {
                Some(dt) => Ok(Test::DateTime(dt)),
                None => Err(bad_literal("a dateTime such as \"2011-05-13T04:42:34Z\"")),
            },
            _ => Err(bad_literal("a dateTime such as \"2011-05-13T04:42:34Z\"")),
        },
        AttributeType::Complex => Err(err(
            c.path.span,
            ErrorKind::ComplexComparison(c.path.to_string()),
        )),
    }
}

/// Why evaluating a compiled filter failed: an operator met a value it cannot
/// compare (only possible for dynamic attributes, whose type is known at run time).
/// Maps to `invalidFilter`.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[error("operator \"{op}\" cannot compare the boolean value of \"{attr}\" (filter byte {offset})")]
pub struct EvalError {
    pub(crate) op: CompareOp,
    pub(crate) attr: String,
    pub(crate) offset: usize,
}

impl EvalError {
    /// The operator.
    pub fn op(&self) -> CompareOp {
        self.op
    }

    /// The byte offset of the comparison in the filter text.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The RFC 7644 §3.12 error: 400 `invalidFilter`.
    pub fn to_scim_error(&self) -> scim_core::ScimError {
        scim_core::ScimError::new(
            400,
            Some(scim_core::ScimType::InvalidFilter),
            self.to_string(),
        )
    }
}

/// A bottom-up fold over a [`CompiledFilter`], for translating it into a
/// store's query language. Junctions are flattened; constants appear only for
/// hand-built empty junctions.
pub trait CompiledFold {
    /// What each node becomes.
    type Output;
    /// `attr pr`.
    fn present(&mut self, attr: &ResolvedAttr) -> Self::Output;
    /// `attr op literal`; `eq null`/`ne null` arrive with [`Literal::Null`].
    fn compare(&mut self, attr: &ResolvedAttr, op: CompareOp, literal: Literal<'_>)
    -> Self::Output;
    /// All operands (two or more).
    fn and(&mut self, operands: Vec<Self::Output>) -> Self::Output;
    /// Some operand (two or more).
    fn or(&mut self, operands: Vec<Self::Output>) -> Self::Output;
    /// The negation.
    fn not(&mut self, operand: Self::Output) -> Self::Output;
    /// Always true or always false.
    fn constant(&mut self, value: bool) -> Self::Output;
    /// Called before the inner filter of a value path is folded.
    fn enter_value_path(&mut self, attr: &ResolvedAttr) {
        let _ = attr;
    }
    /// Some element of `attr` satisfies `inner`.
    fn value_path(&mut self, attr: &ResolvedAttr, inner: Self::Output) -> Self::Output;
}

fn leaf_literal(leaf: &Leaf) -> Option<Literal<'_>> {
    Some(match &leaf.test {
        Test::Present => return None,
        Test::Null { .. } => Literal::Null,
        Test::Str { lit, .. } | Test::Dyn(DynLit::Str(lit)) => Literal::String(&lit.text),
        Test::Num(n) | Test::Dyn(DynLit::Num(n)) => Literal::Number(n),
        Test::Bool(b) | Test::Dyn(DynLit::Bool(b)) => Literal::Bool(*b),
        Test::DateTime(dt) => Literal::DateTime(*dt),
    })
}

fn fold_nodes<F: CompiledFold>(nodes: &[Node], folder: &mut F) -> F::Output {
    // Open junctions: (node index, end, operands so far).
    let mut open: Vec<(usize, usize, Vec<F::Output>)> = Vec::new();
    let mut pc = 0;
    let mut last = None;
    while let Some(node) = nodes.get(pc) {
        let done = match node {
            Node::And { end } | Node::Or { end } | Node::Not { end } => {
                open.push((pc, *end, Vec::new()));
                pc += 1;
                continue;
            }
            Node::Const(b) => folder.constant(*b),
            Node::Leaf(leaf) => match (&leaf.test, leaf_literal(leaf)) {
                (Test::Null { eq: false }, _) => {
                    folder.compare(&leaf.attr, CompareOp::Ne, Literal::Null)
                }
                (Test::Null { eq: true }, _) => {
                    folder.compare(&leaf.attr, CompareOp::Eq, Literal::Null)
                }
                (_, Some(lit)) => folder.compare(&leaf.attr, leaf.op, lit),
                (_, None) => folder.present(&leaf.attr),
            },
            Node::ValuePath(vp) => {
                folder.enter_value_path(&vp.attr);
                let inner = fold_nodes(&vp.inner.nodes, folder);
                folder.value_path(&vp.attr, inner)
            }
        };
        pc += 1;
        let mut out = done;
        // Close every junction that ends here.
        loop {
            match open.last_mut() {
                Some((_, end, args)) if *end > pc => {
                    args.push(out);
                    break;
                }
                Some(_) => {
                    let Some((idx, _, mut args)) = open.pop() else {
                        break;
                    };
                    args.push(out);
                    out = match nodes.get(idx) {
                        Some(Node::And { .. }) => folder.and(args),
                        Some(Node::Or { .. }) => folder.or(args),
                        _ => match args.pop() {
                            Some(a) => folder.not(a),
                            None => folder.constant(false),
                        },
                    };
                }
                None => {
                    last = Some(out);
                    break;
                }
            }
        }
        if last.is_some() {
            break;
        }
    }
    match last {
        Some(o) => o,
        None => folder.constant(false),
    }
}

/// A PATCH path resolved against a resource type (RFC 7644 §3.5.2).
#[derive(Clone, Debug)]
pub struct ResolvedPatchPath<'a> {
    /// The schema of the target (the extension's for extension attributes).
    pub schema: &'a scim_core::Schema,
    /// Whether the target lives in an extension (nested under the schema URN).
    pub extension: bool,
    /// The attribute, or `None` when the path is a bare schema URN (the whole extension object).
    pub attr: Option<&'a AttributeDef>,
    /// The value filter compiled against the attribute's sub-attributes; test
    /// elements with [`CompiledFilter::matches_element`].
    pub value_filter: Option<CompiledFilter>,
    /// The sub-attribute: of `name.givenName`, or after the filter in
    /// `emails[type eq "work"].value`.
    pub sub_attr: Option<&'a AttributeDef>,
}

/// Resolves a PATCH path against `rt`; errors are `invalidPath` and carry the path text.
pub fn resolve_patch_path<'a>(
    path: &PatchPath,
    registry: &'a SchemaRegistry,
    rt: &ResourceType,
) -> Result<ResolvedPatchPath<'a>, FilterError> {
    let text = path.to_string();
    let as_path = |e: FilterError| e.with_context(Context::PatchPath).with_input(&text);
    let unknown = || {
        as_path(err(
            path.attr.span,
            ErrorKind::UnknownAttribute(path.attr.to_string()),
        ))
    };
    let resolved = registry
        .resolve(rt, &path.attr.to_string())
        .ok_or_else(unknown)?;
    let (schema, attr, sub, extension) = match resolved {
        Resolved::Schema(s) => {
            if path.filter.is_some() || path.sub_attr.is_some() {
                return Err(unknown());
            }
            return Ok(ResolvedPatchPath {
                schema: s,
                extension: true,
                attr: None,
                value_filter: None,
                sub_attr: None,
            });
        }
        Resolved::Attribute {
            schema,
            attr,
            sub,
            extension,
        } => (schema, attr, sub, extension),
    };
    let value_filter = match &path.filter {
        Some(f) => {
            if !attr.multi_valued && attr.type_ != AttributeType::Complex {
                return Err(as_path(err(
                    path.attr.span,
                    ErrorKind::NotMultiValued(path.attr.to_string()),
                )));
            }
            Some(CompiledFilter::compile_value_filter(f, attr).map_err(as_path)?)
        }
        None => None,
    };
    let sub_attr = match (&path.sub_attr, sub) {
        (Some(name), _) => Some(attr.sub_attribute(name).ok_or_else(|| {
            as_path(err(
                path.span,
                ErrorKind::UnknownAttribute(format!("{}.{name}", path.attr)),
            ))
        })?),
        (None, s) => s,
    };
    Ok(ResolvedPatchPath {
        schema,
        extension,
        attr: Some(attr),
        value_filter,
        sub_attr,
    })
}

/// Resolves a plain attribute path (`sortBy`): the keys to its values and how they compare.
/// A complex multi-valued attribute without a sub-attribute resolves to its `value`.
pub(crate) fn resolve_attr_path(
    path: &AttrPath,
    registry: &SchemaRegistry,
    rt: &ResourceType,
    options: CompileOptions,
) -> Result<(Vec<Box<str>>, ResolvedAttr), FilterError> {
    let c = Compiler {
        scope: Scope::Resource { registry, rt },
        options,
    };
    match c.resolve(path)? {
        Target::Known {
            mut keys,
            mut attr,
            def,
        } => {
            if def.type_ == AttributeType::Complex && attr.sub_attr.is_none() {
                match def.sub_attribute("value") {
                    Some(v) => {
                        keys.push(v.name.as_str().into());
                        attr.sub_attr = Some(v.name.clone());
                        attr.type_ = Some(v.type_);
                        attr.case_exact = exact(v);
                    }
                    None => {
                        return Err(err(
                            path.span,
                            ErrorKind::ComplexComparison(path.to_string()),
                        ));
                    }
                }
            }
            Ok((keys, attr))
        }
        Target::Dynamic { keys, attr } => Ok((keys, attr)),
        Target::Schema { .. } => Err(err(
            path.span,
            ErrorKind::ComplexComparison(path.to_string()),
        )),
    }
}
