//! Stage three: checked steps applied to a resource, atomically.
//!
//! Every change is recorded in an undo log as it happens: the old value moved out (not
//! cloned) when an attribute is set or removed, the old length when items are appended,
//! a copy of one element when it is edited in place, the removed elements with their
//! positions when elements are removed. When a step fails, the log is replayed backwards
//! and the resource is exactly as before, key order included. A request never clones the
//! resource or a whole multi-valued attribute. The recording primitives are in [`store`];
//! this module decides, step by step, which to call.

mod store;

use crate::error::{PatchError, invalid_value, mutability, no_target};
use crate::given::{self, Given};
use crate::index::{self, Key};
use crate::kept::KeptIndex;
use crate::lookup;
use crate::path::Matcher;
use crate::plan::{AttrTarget, Step, Target};
use crate::scan::IdSet;
use scim_core::message::PatchOpKind;
use scim_core::schema::Mutability;
use scim_core::{AttributeDef, Compat, Quirk, ScimType};
use serde_json::{Map, Value};
use std::borrow::Cow;
use store::{Changed, Tx};

/// The steps of a plan, and whether their values may be moved into the resource.
#[derive(Debug)]
pub(crate) enum Steps<'s, 'r> {
    /// The plan is applied again later: values are copied into the resource.
    Kept(&'s [Step<'r>]),
    /// The plan is applied once: values are moved into the resource.
    Spent(&'s mut [Step<'r>]),
}

impl<'r> Steps<'_, 'r> {
    fn all(&self) -> &[Step<'r>] {
        match self {
            Steps::Kept(s) => s,
            Steps::Spent(s) => s,
        }
    }

    /// Step `i` and its value.
    fn take(&mut self, i: usize) -> Option<(&Step<'r>, Given<'_>)> {
        match self {
            Steps::Kept(s) => {
                let step = s.get(i)?;
                Some((step, step.value.as_ref().map(Cow::Borrowed)))
            }
            Steps::Spent(s) => {
                let step = s.get_mut(i)?;
                let value = step.value.take().map(Cow::Owned);
                Some((step, value))
            }
        }
    }
}

/// Why a request was refused: an operation failed, or the caller's check of the result.
#[derive(Debug)]
pub(crate) enum Refused<E> {
    Patch(PatchError),
    Check(E),
}

/// What a successful request changed.
pub(crate) struct Executed {
    pub(crate) changed: Vec<String>,
    pub(crate) deltas: Vec<crate::ElementDelta>,
}

/// Runs `steps` on `resource`, then `check` on the result; when a step or the check fails,
/// every change is undone. `kept` identities, when given, are used and brought up to date
/// (left as they were on error).
pub(crate) fn execute<E>(
    resource: &mut Value,
    steps: Steps<'_, '_>,
    compat: Compat,
    kept: Option<&mut KeptIndex>,
    check: impl FnOnce(&Value) -> Result<(), E>,
) -> Result<Executed, Refused<E>> {
    let Value::Object(root) = resource else {
        return Err(Refused::Patch(PatchError::new(
            ScimType::InvalidSyntax,
            "a resource must be a JSON object",
        )));
    };
    let tx = Tx::new(root, compat, kept);
    let (changed, log) = run_steps(tx, steps).map_err(Refused::Patch)?;
    let checked = check(resource);
    let Value::Object(root) = resource else {
        return Err(Refused::Patch(invalid_value(
            "the resource stopped being an object",
        )));
    };
    let mut tx = Tx::resume(root, log);
    if let Err(e) = checked {
        tx.rollback_to(0);
        return Err(Refused::Check(e));
    }
    let deltas = tx.commit();
    Ok(Executed { changed, deltas })
}

/// Runs every step; on error every change is undone. Returns the changed paths and the
/// suspended transaction, to be committed or rolled back.
fn run_steps<'k, 'r>(
    mut tx: Tx<'_, 'k, 'r>,
    mut steps: Steps<'_, 'r>,
) -> Result<(Vec<String>, store::Log<'k, 'r>), PatchError> {
    let mut i = 0;
    while i < steps.all().len() {
        // A run of member adds or filtered member removals on one attribute is applied in
        // one pass over the attribute (one index), not one pass per operation; on any
        // error the run is undone and replayed step by step for the exact error.
        let run = batchable_run(steps.all(), i);
        if run > 1 {
            let mark = tx.undo.len();
            let changed = tx.changed.len();
            let batch = steps.all().get(i..i + run).unwrap_or_default();
            if tx.run_batch(batch).is_ok() {
                i += run;
                continue;
            }
            tx.rollback_to(mark);
            tx.changed.truncate(changed);
        }
        let Some((step, value)) = steps.take(i) else {
            break;
        };
        if let Err(e) = tx.run(step, value) {
            tx.rollback_to(0);
            return Err(e.at(step.index, Some(&step.label)));
        }
        i += 1;
    }
    let changed = tx.changed.iter().map(Changed::path).collect();
    Ok((changed, tx.suspend()))
}

/// What a step is, for batching: an `add` of items without `primary` to a multi-valued
/// attribute, or a `remove attr[value eq "x"]`.
#[derive(PartialEq, Eq)]
enum Batch {
    Add,
    Remove,
}

fn batch_kind<'s, 'r>(step: &'s Step<'r>) -> Option<(Batch, &'s AttrTarget<'r>)> {
    let Target::Attr(t) = &step.target else {
        return None;
    };
    if !t.attr.multi_valued || t.sub.is_some() {
        return None;
    }
    match (step.op, &t.filter, &step.value) {
        (PatchOpKind::Add, None, Some(Value::Array(items)))
            if items.iter().all(|i| lookup::member(i, "primary").is_none()) =>
        {
            Some((Batch::Add, t))
        }
        (PatchOpKind::Remove, Some(m), None)
            if m.identity_set().is_some_and(|ids| ids.len() == 1) =>
        {
            Some((Batch::Remove, t))
        }
        _ => None,
    }
}

/// How many steps from `i` form one batchable run (same kind, same attribute).
fn batchable_run(steps: &[Step<'_>], i: usize) -> usize {
    let Some((kind, t)) = steps.get(i).and_then(batch_kind) else {
        return 0;
    };
    1 + steps
        .get(i + 1..)
        .unwrap_or_default()
        .iter()
        .take_while(|s| {
            batch_kind(s)
                .is_some_and(|(k, u)| k == kind && std::ptr::eq(u.attr, t.attr) && u.ext == t.ext)
        })
        .count()
}

/// Whether an element-level merge keeps immutable sub-attributes that already have a value
/// (re-adding an existing member) or refuses to change them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Merge {
    KeepImmutable,
    Refuse,
}

/// `attr.sub_attribute(name)`, comparing lengths before the case-folded bytes.
fn sub_def<'a>(attr: &'a AttributeDef, name: &str) -> Option<&'a AttributeDef> {
    attr.sub_attributes
        .iter()
        .find(|a| a.name.len() == name.len() && a.name.eq_ignore_ascii_case(name))
}

fn is_true(v: &Value, key: &str) -> bool {
    lookup::member(v, key).and_then(Value::as_bool) == Some(true)
}

fn present(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| !v.is_null())
}

fn too_many_primaries(attr: &AttributeDef) -> PatchError {
    invalid_value(format!(
        "more than one {} would have primary set to true",
        attr.name
    ))
}

/// An element that claimed `primary: true` but lost it to a later one: its `primary` is
/// what it was before, unless that was `true` (then it is cleared).
fn demote(new: &mut Map<String, Value>, old: &Map<String, Value>) {
    match lookup::get(old, "primary") {
        Some(p) if p.as_bool() != Some(true) => {
            new.insert("primary".to_owned(), p.clone());
        }
        _ => {
            new.shift_remove("primary");
        }
    }
}

impl<'r> Tx<'_, '_, 'r> {
    fn quirk(&self, q: Quirk) -> bool {
        self.compat.allows(q)
    }

    // ----- steps -----

    /// A run from [`batchable_run`], in one pass; an error means "replay step by step".
    fn run_batch(&mut self, batch: &[Step<'r>]) -> Result<(), PatchError> {
        let Some((kind, t)) = batch.first().and_then(batch_kind) else {
            return Err(invalid_value("not a batch"));
        };
        if kind == Batch::Add {
            let items: Vec<Value> = batch
                .iter()
                .filter_map(|s| s.value.as_ref().and_then(Value::as_array))
                .flatten()
                .cloned()
                .collect();
            return self.add_items(t, Cow::Owned(items));
        }
        let key = t.attr.name.as_str();
        let by = index::Ids::new(t.attr);
        let mut ids = IdSet::new(by.exact(), batch.len());
        for s in batch {
            let Target::Attr(AttrTarget {
                filter: Some(m), ..
            }) = &s.target
            else {
                return Err(invalid_value("not a batch"));
            };
            for id in m.identity_set().unwrap_or_default() {
                if ids.insert(id, false).is_some() {
                    // The same member twice: the second removal has no target.
                    return Err(no_target("repeated"));
                }
            }
        }
        let arr = self.array(t.ext, key);
        let mut hits = Vec::new();
        ids.scan(by, arr, |i, found, _| {
            if let Some(found) = found {
                *found = true;
                hits.push(i);
            }
        });
        if ids.values().any(|found| !found) {
            return Err(no_target("a member was not found"));
        }
        if t.attr.required && hits.len() == arr.len() {
            return Err(invalid_value("required"));
        }
        self.check_elements_removable(t.attr)?;
        self.remove_elems(t.ext, key, index::Ids::new(t.attr), &hits);
        self.mark(t, None);
        Ok(())
    }

    fn run(&mut self, step: &Step<'r>, value: Given<'_>) -> Result<(), PatchError> {
        match &step.target {
            Target::Ignore => Ok(()),
            Target::Schemas => self.schemas_step(value.as_deref()),
            Target::Extension(schema, required) => {
                if *required {
                    return Err(invalid_value(format!(
                        "the extension {} is required",
                        schema.id
                    )));
                }
                let urn = schema.id.as_str();
                if self.root.contains_key(urn) {
                    self.remove(None, urn);
                    self.remove_schema(urn);
                    self.mark_path(Changed {
                        ext: None,
                        attr: urn,
                        sub: None,
                    });
                }
                Ok(())
            }
            Target::Attr(t) => match (&t.filter, t.sub) {
                (None, None) => self.whole(step, t, value),
                (None, Some(sub)) if !t.attr.multi_valued => {
                    self.sub_of_single(step, t, sub, value)
                }
                (Some(m), _) if !t.attr.multi_valued => self.filtered_single(step, t, m, value),
                (m, _) => self.elements(step, t, m.as_deref(), value),
            },
        }
    }

    fn schemas_step(&mut self, value: Option<&Value>) -> Result<(), PatchError> {
        let same = match (value, lookup::get(self.root, "schemas")) {
            (Some(Value::Array(new)), Some(Value::Array(cur))) => {
                let has = |a: &[Value], b: &Value| {
                    a.iter().any(|x| match (x.as_str(), b.as_str()) {
                        (Some(x), Some(b)) => x.eq_ignore_ascii_case(b),
                        _ => false,
                    })
                };
                new.iter().all(|v| has(cur, v)) && cur.iter().all(|v| has(new, v))
            }
            _ => false,
        };
        if same && self.quirk(Quirk::IgnoreUnchangedReadOnly) {
            Ok(())
        } else {
            Err(mutability("schemas cannot be changed by PATCH"))
        }
    }

    /// Checks a change of a whole attribute (or sub-attribute) from `cur` to `new` against
    /// its mutability; `Ok(false)` when nothing changes.
    fn check(
        &self,
        def: &AttributeDef,
        cur: Option<&Value>,
        new: Option<&Value>,
    ) -> Result<bool, PatchError> {
        let cur = present(cur);
        if cur == new {
            if def.mutability == Mutability::ReadOnly && !self.quirk(Quirk::IgnoreUnchangedReadOnly)
            {
                return Err(mutability(format!("{} is read-only", def.name)));
            }
            return Ok(false);
        }
        match def.mutability {
            Mutability::ReadOnly => Err(mutability(format!("{} is read-only", def.name))),
            Mutability::Immutable if cur.is_some() => Err(mutability(format!(
                "{} is immutable and already has a value",
                def.name
            ))),
            _ => Ok(true),
        }
    }

    /// Removes the whole attribute `t` names (which has a value): refused when it is required
    /// or not writable.
    fn clear(&mut self, t: &AttrTarget<'r>) -> Result<(), PatchError> {
        if t.attr.required {
            return Err(invalid_value(format!("{} is required", t.attr.name)));
        }
        let key = t.attr.name.as_str();
        self.check(t.attr, self.get(t.ext, key), None)?;
        self.remove(t.ext, key);
        self.mark(t, None);
        Ok(())
    }

    /// `attr` without filter or sub-attribute.
    fn whole(
        &mut self,
        step: &Step<'r>,
        t: &AttrTarget<'r>,
        value: Given<'_>,
    ) -> Result<(), PatchError> {
        let key = t.attr.name.as_str();
        let cur = self.get(t.ext, key);
        if step.op == PatchOpKind::Remove {
            if cur.is_none() {
                return Ok(());
            }
            if let Some(Value::Array(items)) = value.as_deref() {
                return self.remove_listed(t, items);
            }
            return self.clear(t);
        }
        let Some(value) = value else {
            return Ok(());
        };
        if t.attr.multi_valued {
            let Value::Array(items) = &*value else {
                return Err(invalid_value(format!("{} takes an array", t.attr.name)));
            };
            if step.op == PatchOpKind::Add {
                if t.attr.mutability == Mutability::ReadOnly {
                    self.check(t.attr, cur, Some(&value))?;
                }
                return self.add_items(t, given::items(value));
            }
            if items.is_empty() {
                if cur.is_none() {
                    return Ok(());
                }
                return self.clear(t);
            }
            let value = dedupe(t.attr, given::items(value));
            if !self.check(t.attr, cur, Some(&value))? {
                return Ok(());
            }
            self.set(t.ext, key, value);
            self.mark(t, None);
            return Ok(());
        }
        let new = match (t.attr.is_complex(), &*value, cur) {
            (true, Value::Object(add), Some(Value::Object(old))) => {
                let mut merged = old.clone();
                merge_object(t.attr, &mut merged, add, Merge::Refuse, self.compat)?;
                Value::Object(merged)
            }
            _ => value.into_owned(),
        };
        if !self.check(t.attr, cur, Some(&new))? {
            return Ok(());
        }
        self.set(t.ext, key, new);
        self.mark(t, None);
        Ok(())
    }

    /// `name.givenName`: a sub-attribute of a single-valued complex attribute.
    fn sub_of_single(
        &mut self,
        step: &Step<'r>,
        t: &AttrTarget<'r>,
        sub: &'r AttributeDef,
        value: Given<'_>,
    ) -> Result<(), PatchError> {
        let key = t.attr.name.as_str();
        let obj = match self.get(t.ext, key) {
            Some(Value::Object(o)) => Some(o),
            _ => None,
        };
        let cur = obj.and_then(|o| present(lookup::get(o, &sub.name)));
        let new = match step.op {
            PatchOpKind::Remove => {
                if cur.is_none() {
                    return Ok(());
                }
                if sub.required {
                    return Err(invalid_value(format!(
                        "{}.{} is required",
                        t.attr.name, sub.name
                    )));
                }
                None
            }
            _ => value,
        };
        if !self.check(sub, cur, new.as_deref())? {
            return Ok(());
        }
        if t.attr.mutability == Mutability::ReadOnly {
            return Err(mutability(format!("{} is read-only", t.attr.name)));
        }
        let exists = obj.is_some();
        let only = obj.is_some_and(|o| o.len() == 1 && lookup::get(o, &sub.name).is_some());
        match (new.map(Cow::into_owned), exists) {
            (Some(v), true) => self.set_sub(t.ext, key, None, &sub.name, Some(v)),
            (Some(v), false) => {
                let mut o = Map::new();
                o.insert(sub.name.clone(), v);
                self.set(t.ext, key, Value::Object(o));
            }
            (None, _) if only => self.remove(t.ext, key),
            (None, _) => self.set_sub(t.ext, key, None, &sub.name, None),
        }
        self.mark(t, Some(&sub.name));
        Ok(())
    }

    /// `manager[value eq "x"]` on a single-valued complex attribute (tolerant): the value
    /// is an element that matches or not.
    fn filtered_single(
        &mut self,
        step: &Step<'r>,
        t: &AttrTarget<'r>,
        m: &Matcher<'r>,
        value: Given<'_>,
    ) -> Result<(), PatchError> {
        let hit = self.get(t.ext, &t.attr.name).is_some_and(|v| m.matches(v));
        if !hit {
            return Err(no_target(format!("no {} matched the filter", t.attr.name)));
        }
        let plain = AttrTarget {
            ext: t.ext,
            attr: t.attr,
            sub: t.sub,
            filter: None,
        };
        match t.sub {
            Some(sub) => self.sub_of_single(step, &plain, sub, value),
            None => self.whole(step, &plain, value),
        }
    }

    /// `remove members` with a value list (tolerant): removes exactly the listed elements.
    fn remove_listed(&mut self, t: &AttrTarget<'r>, items: &[Value]) -> Result<(), PatchError> {
        let key = t.attr.name.as_str();
        let by = index::Ids::new(t.attr);
        let arr = self.array(t.ext, key);
        let mut ids = IdSet::new(by.exact(), items.len());
        let mut whole: Vec<&Value> = Vec::new();
        for item in items {
            // The plan reduced items with a `value` to that string.
            let id = match item {
                Value::String(s) if t.attr.is_complex() => Some(s.as_str()),
                _ => by.of(item),
            };
            match id {
                Some(id) => {
                    ids.insert(id, ());
                }
                None => whole.push(item),
            }
        }
        let mut hits: Vec<usize> = Vec::with_capacity(items.len());
        ids.scan(by, arr, |i, found, e| {
            if found.is_some() || whole.contains(&e) {
                hits.push(i);
            }
        });
        if hits.is_empty() {
            return Ok(());
        }
        if t.attr.required && hits.len() == arr.len() {
            return Err(invalid_value(format!("{} is required", t.attr.name)));
        }
        self.check_elements_removable(t.attr)?;
        self.remove_elems(t.ext, key, index::Ids::new(t.attr), &hits);
        self.mark(t, None);
        Ok(())
    }

    fn check_elements_removable(&self, attr: &AttributeDef) -> Result<(), PatchError> {
        if matches!(
            attr.mutability,
            Mutability::ReadOnly | Mutability::Immutable
        ) {
            return Err(mutability(format!("{} cannot be changed", attr.name)));
        }
        Ok(())
    }

    /// `add` of items to a multi-valued attribute: items already present (same `value`,
    /// or equal whole) are merged, not duplicated.
    fn add_items(&mut self, t: &AttrTarget<'r>, items: Cow<'_, [Value]>) -> Result<(), PatchError> {
        if t.attr.mutability == Mutability::Immutable && self.get(t.ext, &t.attr.name).is_some() {
            return Err(mutability(format!(
                "{} is immutable and already has a value",
                t.attr.name
            )));
        }
        let key = t.attr.name.as_str();
        let ids = index::Ids::new(t.attr);
        let exact = ids.exact();
        // Items the kept identities show are new need no look among the elements.
        let absent = self.known_absent(t.ext, key, ids, &items);
        let is_absent = |k: usize| absent.as_ref().and_then(|a| a.get(k)).copied() == Some(true);
        let arr = self.array(t.ext, key);
        let n = arr.len();
        // Where each item goes: an existing element's index, or a new element.
        let mut placed: Vec<Option<usize>> = Vec::with_capacity(items.len());
        {
            let items: &[Value] = &items;
            // Several items: one pass over the elements finds where each item's identity
            // first occurs. One item: a scan for it.
            let unknown = (0..items.len()).filter(|k| !is_absent(*k)).count();
            let existing = (unknown > 1 && n > 16).then(|| {
                let mut set = IdSet::new(exact, unknown);
                let looked_for = items.iter().enumerate().filter(|(k, _)| !is_absent(*k));
                for id in looked_for.filter_map(|(_, item)| ids.of(item)) {
                    set.insert(id, None);
                }
                set.scan(ids, arr, |i, first, _| {
                    if let Some(first) = first
                        && first.is_none()
                    {
                        *first = Some(i);
                    }
                });
                set
            });
            // Items of this request already placed as new elements; one item needs no map.
            let mut fresh =
                index::index_with_capacity(if items.len() > 1 { items.len() } else { 0 });
            let mut next = n;
            for (k, item) in items.iter().enumerate() {
                let id = ids.of(item);
                let found = match id {
                    _ if is_absent(k) => None,
                    Some(id) if let Some(set) = &existing => set.get(id).copied().flatten(),
                    Some(id) => ids.position(arr, id),
                    None => arr
                        .iter()
                        .position(|e| index::same_element(t.attr, exact, e, item)),
                };
                let found = found.or_else(|| match id {
                    Some(id) => fresh.get(&Key::new(id, exact)).copied(),
                    None => placed
                        .iter()
                        .zip(items)
                        .find(|(p, it)| p.is_some_and(|p| p >= n) && **it == *item)
                        .and_then(|(p, _)| *p),
                });
                match found {
                    Some(i) => placed.push(Some(i)),
                    None => {
                        if let Some(id) = id
                            && items.len() > 1
                        {
                            fresh.insert(Key::new(id, exact), next);
                        }
                        placed.push(Some(next));
                        next += 1;
                    }
                }
            }
        }
        let mut touched = Vec::new();
        let mut new_items: Vec<Value> = Vec::new();
        for (item, at) in given::each(items).zip(placed) {
            let Some(at) = at else { continue };
            if at >= n {
                let k = at - n;
                match new_items.get_mut(k) {
                    Some(Value::Object(existing)) => {
                        if let Value::Object(add) = &*item {
                            merge_object(t.attr, existing, add, Merge::KeepImmutable, self.compat)?;
                        }
                    }
                    Some(_) => {}
                    None => new_items.push(item.into_owned()),
                }
                if !touched.contains(&at) {
                    touched.push(at);
                }
                continue;
            }
            let Some(old) = self.array(t.ext, key).get(at) else {
                continue;
            };
            let (Value::Object(old_map), Value::Object(add)) = (old, &*item) else {
                continue;
            };
            if add
                .iter()
                .all(|(k, v)| k == "value" || lookup::get(old_map, k) == Some(v) || v.is_null())
            {
                continue;
            }
            let mut merged = old_map.clone();
            merge_object(t.attr, &mut merged, add, Merge::KeepImmutable, self.compat)?;
            if merged != *old_map {
                self.set_elem(t.ext, key, at, Value::Object(merged));
                touched.push(at);
            }
        }
        if touched.is_empty() {
            return Ok(());
        }
        if let Some(max) = t.attr.max_items
            && n + new_items.len() > max
        {
            return Err(invalid_value(format!(
                "{} takes at most {max} values",
                t.attr.name
            )));
        }
        self.append(t.ext, key, new_items);
        self.primary(t, &touched)?;
        self.mark(t, None);
        Ok(())
    }

    /// Makes the touched elements' `primary: true` unique by clearing it elsewhere.
    fn primary(&mut self, t: &AttrTarget<'r>, touched: &[usize]) -> Result<(), PatchError> {
        if sub_def(t.attr, "primary").is_none() {
            return Ok(());
        }
        let arr = self.array(t.ext, &t.attr.name);
        // The touched elements with `primary: true` (a repeat counts again); the last wins.
        let mut winners = touched
            .iter()
            .copied()
            .filter(|&i| arr.get(i).is_some_and(|v| is_true(v, "primary")));
        let Some(first) = winners.next() else {
            return Ok(());
        };
        let (more, keep) = winners.fold((false, first), |(_, m), i| (true, m.max(i)));
        if more && !self.quirk(Quirk::KeepLastPrimary) {
            return Err(too_many_primaries(t.attr));
        }
        self.clear_primary_except(t, keep);
        Ok(())
    }

    /// Clears `primary: true` on every element but `keep`; whether any was cleared.
    fn clear_primary_except(&mut self, t: &AttrTarget<'r>, keep: usize) -> bool {
        let key = t.attr.name.as_str();
        let mut from = 0;
        let mut cleared = false;
        while let Some(i) = self
            .array(t.ext, key)
            .iter()
            .enumerate()
            .skip(from)
            .find(|(i, v)| *i != keep && is_true(v, "primary"))
            .map(|(i, _)| i)
        {
            self.set_sub(t.ext, key, Some(i), "primary", None);
            cleared = true;
            from = i + 1;
        }
        cleared
    }

    /// The element that ends up primary when a filtered `add`/`replace` sets `primary: true`
    /// on the selected elements (`hits`): the value is an object with `primary: true`, or
    /// the `primary` sub-attribute set to `true`. Every selected element claims it, changed
    /// or not, so the winner depends on the request alone, never on which elements already
    /// had the value: with several, the last wins (`KeepLastPrimary`) or the request is
    /// `invalidValue`. `None` when the request sets no primary.
    fn primary_claim(
        &self,
        t: &AttrTarget<'r>,
        op: PatchOpKind,
        value: Option<&Value>,
        hits: &[usize],
    ) -> Result<Option<usize>, PatchError> {
        let Some(primary) = sub_def(t.attr, "primary") else {
            return Ok(None);
        };
        let claims = match (op, t.sub, value) {
            (PatchOpKind::Remove, _, _) | (_, _, None) => false,
            (_, Some(sub), Some(v)) => std::ptr::eq(sub, primary) && v.as_bool() == Some(true),
            (_, None, Some(v)) => is_true(v, "primary"),
        };
        if !claims {
            return Ok(None);
        }
        let arr = self.array(t.ext, &t.attr.name);
        let mut objects = hits
            .iter()
            .copied()
            .filter(|&i| arr.get(i).is_some_and(Value::is_object));
        let Some(first) = objects.next() else {
            return Ok(None);
        };
        let (more, keep) = objects.fold((false, first), |(_, m), i| (true, m.max(i)));
        if more && !self.quirk(Quirk::KeepLastPrimary) {
            return Err(too_many_primaries(t.attr));
        }
        Ok(Some(keep))
    }

    /// Elements of a multi-valued attribute selected by a filter (or all of them, for
    /// `emails.value` without a filter), optionally through a sub-attribute.
    fn elements(
        &mut self,
        step: &Step<'r>,
        t: &AttrTarget<'r>,
        m: Option<&Matcher<'r>>,
        mut value: Given<'_>,
    ) -> Result<(), PatchError> {
        let key = t.attr.name.as_str();
        let mut hits = self.select(t, m);
        if hits.is_empty() {
            let len = self.array(t.ext, key).len();
            let upsert = match step.op {
                PatchOpKind::Remove => false,
                PatchOpKind::Replace => {
                    if m.is_some_and(|m| m.is_primary_true())
                        && len == 1
                        && self.quirk(Quirk::PrimaryEmailFallback)
                    {
                        hits.push(0);
                        false
                    } else {
                        self.quirk(Quirk::FilteredReplaceUpsert)
                    }
                }
                PatchOpKind::Add => self.quirk(Quirk::FilteredAddUpsert),
            };
            if hits.is_empty() {
                if upsert
                    && let Some(m) = m
                    && let Some(template) = m.template()
                {
                    return self.upsert(step, t, m, template, value);
                }
                if step.op == PatchOpKind::Remove && m.is_none() {
                    return Ok(());
                }
                return Err(no_target(format!(
                    "no {} matched {}",
                    t.attr.name, step.label
                )));
            }
        }
        match (step.op, t.sub) {
            (PatchOpKind::Remove, None) => {
                if t.attr.required && hits.len() == self.array(t.ext, key).len() {
                    return Err(invalid_value(format!("{} is required", t.attr.name)));
                }
                self.check_elements_removable(t.attr)?;
                self.remove_elems(t.ext, key, index::Ids::new(t.attr), &hits);
                self.mark(t, None);
                Ok(())
            }
            (op, sub) => {
                // Which selected element keeps a `primary: true` this request sets; the
                // others' target state has it cleared before they are compared, so an
                // element already in its target state is left alone (re-applying is a
                // no-op).
                let winner = self.primary_claim(t, op, value.as_deref(), &hits)?;
                let mut touched = Vec::new();
                let last = hits.last().copied();
                for &i in &hits {
                    let Some(Value::Object(old)) = self.array(t.ext, key).get(i) else {
                        continue;
                    };
                    let read_only = t.attr.mutability == Mutability::ReadOnly;
                    let demoted = winner.is_some_and(|w| w != i);
                    // The value is copied into every selected element but the last, which
                    // takes it (when the plan is applied once).
                    let is_last = Some(i) == last;
                    // Sub-attribute edits happen in place, recorded per sub-attribute.
                    let edit = match (op, sub, value.as_deref()) {
                        // `primary` set to true here, but a later element keeps it.
                        (_, Some(sub), Some(_)) if demoted => {
                            let cur = lookup::get(old, &sub.name);
                            if cur.and_then(Value::as_bool) != Some(true) {
                                continue;
                            }
                            self.check(sub, cur, None)?;
                            Some((sub, false))
                        }
                        (PatchOpKind::Remove, Some(sub), _) => {
                            let cur = present(lookup::get(old, &sub.name));
                            if cur.is_none() {
                                continue;
                            }
                            if sub.required {
                                return Err(invalid_value(format!(
                                    "{}.{} is required",
                                    t.attr.name, sub.name
                                )));
                            }
                            self.check(sub, cur, None)?;
                            Some((sub, false))
                        }
                        (_, Some(sub), Some(v)) => {
                            if !self.check(sub, lookup::get(old, &sub.name), Some(v))? {
                                continue;
                            }
                            Some((sub, true))
                        }
                        _ => None,
                    };
                    if let Some((sub, set)) = edit {
                        if read_only {
                            return Err(mutability(format!("{} is read-only", t.attr.name)));
                        }
                        let v = if set {
                            given::give(&mut value, is_last)
                        } else {
                            None
                        };
                        self.set_sub(t.ext, key, Some(i), &sub.name, v);
                        touched.push(i);
                        continue;
                    }
                    let mut new = match (op, value.as_deref()) {
                        (PatchOpKind::Add, Some(Value::Object(add))) => {
                            let mut new = old.clone();
                            merge_object(t.attr, &mut new, add, Merge::Refuse, self.compat)?;
                            new
                        }
                        (PatchOpKind::Replace, Some(Value::Object(rep))) => {
                            check_element_replace(t.attr, old, rep, self.compat)?;
                            match given::give(&mut value, is_last) {
                                Some(Value::Object(rep)) => rep,
                                _ => continue,
                            }
                        }
                        _ => continue,
                    };
                    if demoted {
                        demote(&mut new, old);
                    }
                    if new != *old {
                        if read_only {
                            return Err(mutability(format!("{} is read-only", t.attr.name)));
                        }
                        self.set_elem(t.ext, key, i, Value::Object(new));
                        touched.push(i);
                    }
                }
                let cleared = winner.is_some_and(|w| self.clear_primary_except(t, w));
                if !touched.is_empty() || cleared {
                    self.mark(t, sub.map(|s| s.name.as_str()));
                }
                Ok(())
            }
        }
    }

    /// The indices of the elements a filter selects (all of them without a filter).
    fn select(&self, t: &AttrTarget<'r>, m: Option<&Matcher<'r>>) -> Vec<usize> {
        let arr = self.array(t.ext, &t.attr.name);
        let Some(m) = m else {
            return (0..arr.len()).collect();
        };
        if arr.len() > 64
            && let Some(ids) = m.identity_set()
            && ids.len() > 1
        {
            let by = index::Ids::new(t.attr);
            let mut set = IdSet::new(by.exact(), ids.len());
            for id in ids {
                set.insert(id, ());
            }
            let mut hits = Vec::new();
            set.scan(by, arr, |i, found, _| {
                if found.is_some() {
                    hits.push(i);
                }
            });
            return hits;
        }
        arr.iter()
            .enumerate()
            .filter(|(_, e)| m.matches(e))
            .map(|(i, _)| i)
            .collect()
    }

    /// The tolerant upsert: a new element built from the filter's `eq` comparisons plus the
    /// value (`emails[type eq "work"].value` → `{"type": "work", "value": …}`).
    fn upsert(
        &mut self,
        step: &Step<'r>,
        t: &AttrTarget<'r>,
        m: &Matcher<'r>,
        mut elem: Map<String, Value>,
        value: Given<'_>,
    ) -> Result<(), PatchError> {
        match (t.sub, value) {
            (Some(sub), Some(v)) => {
                elem.insert(sub.name.clone(), v.into_owned());
            }
            (None, Some(Cow::Owned(Value::Object(add)))) => elem.extend(add),
            (None, Some(Cow::Borrowed(Value::Object(add)))) => {
                elem.extend(add.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            _ => return Err(no_target(format!("no {} matched", t.attr.name))),
        }
        let mut elem = Value::Object(elem);
        scim_core::value::coerce_mut(t.attr, &mut elem, self.compat, &step.label)
            .map_err(|e| PatchError::from_scim(&e))?;
        if !m.matches(&elem) {
            return Err(no_target(format!(
                "no {} matched, and the value contradicts the filter",
                t.attr.name
            )));
        }
        if t.attr.mutability == Mutability::ReadOnly {
            return Err(mutability(format!("{} is read-only", t.attr.name)));
        }
        let key = t.attr.name.as_str();
        let at = self.array(t.ext, key).len();
        if let Some(max) = t.attr.max_items
            && at + 1 > max
        {
            return Err(invalid_value(format!(
                "{} takes at most {max} values",
                t.attr.name
            )));
        }
        self.append(t.ext, key, vec![elem]);
        self.primary(t, &[at])?;
        self.mark(t, t.sub.map(|s| s.name.as_str()));
        Ok(())
    }
}

/// The items without repeats (by identity, or whole for items without `value`); the
/// first occurrence stays.
fn dedupe(attr: &AttributeDef, items: Cow<'_, [Value]>) -> Value {
    let keep: Vec<bool> = {
        let ids = index::Ids::new(attr);
        let mut seen = index::index_with_capacity(items.len());
        let mut kept: Vec<&Value> = Vec::with_capacity(items.len());
        items
            .iter()
            .map(|item| {
                let dup = match ids.of(item) {
                    Some(id) => seen.insert(Key::new(id, ids.exact()), ()).is_some(),
                    None => kept.contains(&item),
                };
                if !dup {
                    kept.push(item);
                }
                !dup
            })
            .collect()
    };
    Value::Array(
        given::each(items)
            .zip(keep)
            .filter(|(_, keep)| *keep)
            .map(|(item, _)| item.into_owned())
            .collect(),
    )
}

/// Merges `add`'s sub-attributes into `target`, checking their mutability.
fn merge_object(
    attr: &AttributeDef,
    target: &mut Map<String, Value>,
    add: &Map<String, Value>,
    mode: Merge,
    compat: Compat,
) -> Result<(), PatchError> {
    for (k, v) in add {
        let cur = present(lookup::get(target, k));
        // The identity matched (perhaps in another case); it is not rewritten.
        if cur == Some(v) || (mode == Merge::KeepImmutable && k == "value") {
            continue;
        }
        if let Some(sub) = sub_def(attr, k) {
            match sub.mutability {
                Mutability::ReadOnly => {
                    if mode == Merge::KeepImmutable && cur.is_some() {
                        continue;
                    }
                    return Err(mutability(format!(
                        "{}.{} is read-only",
                        attr.name, sub.name
                    )));
                }
                Mutability::Immutable if cur.is_some() => {
                    if mode == Merge::KeepImmutable {
                        continue;
                    }
                    return Err(mutability(format!(
                        "{}.{} is immutable and already has a value",
                        attr.name, sub.name
                    )));
                }
                _ => {}
            }
        }
        let _ = compat;
        target.insert(k.clone(), v.clone());
    }
    Ok(())
}

/// A filtered element replace may not change immutable or read-only sub-attributes that
/// have a value.
fn check_element_replace(
    attr: &AttributeDef,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    compat: Compat,
) -> Result<(), PatchError> {
    let _ = compat;
    for sub in &attr.sub_attributes {
        let (o, n) = (
            present(lookup::get(old, &sub.name)),
            present(lookup::get(new, &sub.name)),
        );
        if o == n {
            continue;
        }
        let refused = match sub.mutability {
            Mutability::ReadOnly => true,
            Mutability::Immutable => o.is_some(),
            _ => false,
        };
        if refused {
            return Err(PatchError::new(
                ScimType::Mutability,
                format!("{}.{} cannot be changed", attr.name, sub.name),
            ));
        }
    }
    Ok(())
}
