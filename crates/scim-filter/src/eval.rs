//! Evaluation of compiled filters against JSON resources.
//!
//! The flat node vector is walked with an explicit stack of open junctions
//! (kept inline up to 16 levels), so evaluation neither recurses on the
//! filter's depth nor allocates in the common case. Values are compared in
//! place: case-insensitive comparison lower-cases character by character
//! without building strings (except for `co` on non-ASCII text).

use std::cmp::Ordering;

use serde_json::{Map, Value};

use crate::ast::CompareOp;
use crate::compile::{DynLit, EvalError, Leaf, Node, StrLit, Test, parse_date_time};

/// A stack of node indices, inline for shallow filters.
struct SmallStack {
    inline: [usize; 16],
    len: usize,
    spill: Vec<usize>,
}

impl SmallStack {
    fn new() -> Self {
        SmallStack {
            inline: [0; 16],
            len: 0,
            spill: Vec::new(),
        }
    }
    fn push(&mut self, v: usize) {
        if let Some(slot) = self.inline.get_mut(self.len) {
            *slot = v;
            self.len += 1;
        } else {
            self.spill.push(v);
        }
    }
    fn last(&self) -> Option<usize> {
        if let Some(&v) = self.spill.last() {
            return Some(v);
        }
        self.len
            .checked_sub(1)
            .and_then(|i| self.inline.get(i).copied())
    }
    fn pop(&mut self) {
        if self.spill.pop().is_none() {
            self.len = self.len.saturating_sub(1);
        }
    }
}

pub(crate) fn run(nodes: &[Node], root: &Value) -> Result<bool, EvalError> {
    let mut stack = SmallStack::new();
    let mut pc = 0;
    loop {
        // Descend to the next leaf.
        let mut r = loop {
            match nodes.get(pc) {
                Some(Node::And { .. } | Node::Or { .. } | Node::Not { .. }) => {
                    stack.push(pc);
                    pc += 1;
                }
                Some(Node::Leaf(leaf)) => {
                    pc += 1;
                    break eval_leaf(leaf, root)?;
                }
                Some(Node::ValuePath(vp)) => {
                    pc += 1;
                    let mut hit = false;
                    for_each_element(root, &vp.keys, &mut |el| {
                        hit = run(&vp.inner.nodes, el)?;
                        Ok(hit)
                    })?;
                    break hit;
                }
                Some(Node::Const(b)) => {
                    pc += 1;
                    break *b;
                }
                None => return Ok(false),
            }
        };
        // Propagate the result up through the junctions it completes.
        loop {
            let Some(top) = stack.last() else {
                return Ok(r);
            };
            match nodes.get(top) {
                Some(Node::Not { .. }) => {
                    r = !r;
                    stack.pop();
                }
                Some(Node::And { end }) => {
                    if !r || pc >= *end {
                        stack.pop();
                        pc = *end;
                    } else {
                        break;
                    }
                }
                Some(Node::Or { end }) => {
                    if r || pc >= *end {
                        stack.pop();
                        pc = *end;
                    } else {
                        break;
                    }
                }
                _ => return Ok(r),
            }
        }
    }
}

/// The member `key` of an object: exact first (resources are canonicalized),
/// then ASCII case-insensitively.
pub(crate) fn get<'v>(m: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    if m.len() <= 16 {
        // Small objects (a resource's top level, elements of multi-valued
        // attributes, `name`): one scan, comparing lengths first, is cheaper
        // than hashing the key and touches fewer cache lines.
        let mut folded = None;
        for (k, v) in m {
            if k == key {
                return Some(v);
            }
            if folded.is_none() && k.eq_ignore_ascii_case(key) {
                folded = Some(v);
            }
        }
        return folded;
    }
    m.get(key).or_else(|| {
        m.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// Calls `f` on every value at `keys` below `v` (arrays along the way fan
/// out, one level each), until `f` returns true. Bounded by `keys.len()`.
fn for_each_value(
    v: &Value,
    keys: &[Box<str>],
    f: &mut dyn FnMut(&Value) -> Result<bool, EvalError>,
) -> Result<bool, EvalError> {
    let Some((k, rest)) = keys.split_first() else {
        return match v {
            Value::Array(items) => {
                for item in items {
                    if f(item)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            other => f(other),
        };
    };
    match v {
        Value::Object(m) => match get(m, k) {
            Some(child) => for_each_value(child, rest, f),
            None => Ok(false),
        },
        Value::Array(items) => {
            for item in items {
                if let Value::Object(m) = item
                    && let Some(child) = get(m, k)
                    && for_each_value(child, rest, f)?
                {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        _ => Ok(false),
    }
}

/// Calls `f` on each element of the attribute at `keys` (a single complex
/// value counts as one element).
fn for_each_element(
    root: &Value,
    keys: &[Box<str>],
    f: &mut dyn FnMut(&Value) -> Result<bool, EvalError>,
) -> Result<bool, EvalError> {
    for_each_value(root, keys, &mut |v| match v {
        Value::Null => Ok(false),
        other => f(other),
    })
}

/// RFC 7644 `pr`: not absent, `null`, `""`, `[]` or `{}`.
pub(crate) fn is_present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => a.iter().any(is_present),
        Value::Object(o) => !o.is_empty(),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

fn eval_leaf(leaf: &Leaf, root: &Value) -> Result<bool, EvalError> {
    match &leaf.test {
        Test::Present => for_each_value(root, &leaf.keys, &mut |v| Ok(is_present(v))),
        Test::Null { eq } => {
            let p = for_each_value(root, &leaf.keys, &mut |v| Ok(is_present(v)))?;
            Ok(p != *eq)
        }
        test => {
            let op = leaf.op;
            if op == CompareOp::Ne {
                // Some value differs, or there is no value at all.
                let mut seen = false;
                let differs = for_each_value(root, &leaf.keys, &mut |v| {
                    if v.is_null() {
                        return Ok(false);
                    }
                    seen = true;
                    Ok(!compare_one(test, CompareOp::Eq, v, leaf)?)
                })?;
                Ok(differs || !seen)
            } else {
                for_each_value(root, &leaf.keys, &mut |v| compare_one(test, op, v, leaf))
            }
        }
    }
}

fn by_ordering(op: CompareOp, ord: Ordering) -> bool {
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

/// Whether one value satisfies `op` against the literal (`ne` is handled by the caller).
fn compare_one(test: &Test, op: CompareOp, v: &Value, leaf: &Leaf) -> Result<bool, EvalError> {
    Ok(match test {
        Test::Str { lit, case_exact } => match v {
            Value::String(s) => str_test(op, s, lit, *case_exact),
            _ => false,
        },
        Test::Num(n) => match v {
            Value::Number(x) => num_cmp(x, n).is_some_and(|o| by_ordering(op, o)),
            // Integers sent as strings.
            Value::String(s) => crate::parse::number_from_str(s.trim())
                .and_then(|x| num_cmp(&x, n))
                .is_some_and(|o| by_ordering(op, o)),
            _ => false,
        },
        Test::Bool(b) => match v {
            Value::Bool(x) => by_ordering(op, x.cmp(b)),
            Value::String(s) if s.eq_ignore_ascii_case("true") => by_ordering(op, true.cmp(b)),
            Value::String(s) if s.eq_ignore_ascii_case("false") => by_ordering(op, false.cmp(b)),
            _ => false,
        },
        Test::DateTime(dt) => match v {
            Value::String(s) => parse_date_time(s).is_some_and(|x| by_ordering(op, x.cmp(dt))),
            _ => false,
        },
        Test::Dyn(lit) => match (lit, v) {
            (DynLit::Str(l), Value::String(s)) => str_test(op, s, l, false),
            (DynLit::Num(n), Value::Number(x)) => num_cmp(x, n).is_some_and(|o| by_ordering(op, o)),
            (_, Value::Bool(x)) if op.is_ordering() || op.is_substring() => {
                let _ = x;
                return Err(EvalError {
                    op,
                    attr: leaf.keys.join("."),
                    offset: leaf.span.start,
                });
            }
            (DynLit::Bool(b), Value::Bool(x)) => by_ordering(op, x.cmp(b)),
            _ => false,
        },
        Test::Present | Test::Null { .. } => false,
    })
}

pub(crate) fn num_cmp(a: &serde_json::Number, b: &serde_json::Number) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return Some(x.cmp(&y));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

fn lower(s: &str) -> impl DoubleEndedIterator<Item = char> + '_ {
    s.chars().flat_map(char::to_lowercase)
}

/// Case-insensitive ordering of `s` against a pre-lowered literal.
pub(crate) fn cmp_ci(s: &str, lit_lower: &str) -> Ordering {
    if s.is_ascii() && lit_lower.is_ascii() {
        s.bytes()
            .map(|b| b.to_ascii_lowercase())
            .cmp(lit_lower.bytes())
    } else {
        lower(s).cmp(lit_lower.chars())
    }
}

fn str_test(op: CompareOp, s: &str, lit: &StrLit, case_exact: bool) -> bool {
    if case_exact {
        let l: &str = &lit.text;
        return match op {
            CompareOp::Co => s.contains(l),
            CompareOp::Sw => s.starts_with(l),
            CompareOp::Ew => s.ends_with(l),
            _ => by_ordering(op, s.cmp(l)),
        };
    }
    let l: &str = &lit.lower;
    let ascii = lit.ascii && s.is_ascii();
    match op {
        CompareOp::Eq | CompareOp::Ne => {
            let eq = if ascii {
                s.eq_ignore_ascii_case(l)
            } else {
                lower(s).eq(l.chars())
            };
            eq == (op == CompareOp::Eq)
        }
        CompareOp::Sw => {
            if ascii {
                s.as_bytes()
                    .get(..l.len())
                    .is_some_and(|p| p.eq_ignore_ascii_case(l.as_bytes()))
            } else {
                let mut it = lower(s);
                l.chars().all(|c| it.next() == Some(c))
            }
        }
        CompareOp::Ew => {
            if ascii {
                s.len()
                    .checked_sub(l.len())
                    .and_then(|i| s.as_bytes().get(i..))
                    .is_some_and(|p| p.eq_ignore_ascii_case(l.as_bytes()))
            } else {
                let mut it = s.chars().rev().flat_map(|c| c.to_lowercase().rev());
                l.chars().rev().all(|c| it.next() == Some(c))
            }
        }
        CompareOp::Co => {
            if ascii {
                let n = l.len();
                n == 0
                    || s.as_bytes()
                        .windows(n)
                        .any(|w| w.eq_ignore_ascii_case(l.as_bytes()))
            } else {
                lower(s).collect::<String>().contains(l)
            }
        }
        _ => by_ordering(op, cmp_ci(s, l)),
    }
}
