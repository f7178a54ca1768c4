//! A step's value as the engine receives it: borrowed from a [`crate::Plan`] that may be
//! applied again (copied where it goes), or owned, from a plan applied once by
//! [`crate::Patcher::apply`] (moved into the resource, never copied).

use serde_json::Value;
use std::borrow::Cow;

/// A step's value, borrowed or owned.
pub(crate) type Given<'s> = Option<Cow<'s, Value>>;

/// The items of an array value, borrowed or owned.
pub(crate) fn items(v: Cow<'_, Value>) -> Cow<'_, [Value]> {
    match v {
        Cow::Borrowed(Value::Array(a)) => Cow::Borrowed(a.as_slice()),
        Cow::Owned(Value::Array(a)) => Cow::Owned(a),
        Cow::Borrowed(other) => Cow::Borrowed(std::slice::from_ref(other)),
        Cow::Owned(other) => Cow::Owned(vec![other]),
    }
}

/// Each item, borrowed or owned as the list is.
pub(crate) fn each<'s>(items: Cow<'s, [Value]>) -> Each<'s> {
    match items {
        Cow::Borrowed(a) => Each::Borrowed(a.iter()),
        Cow::Owned(a) => Each::Owned(a.into_iter()),
    }
}

/// The iterator of [`each`].
#[derive(Debug)]
pub(crate) enum Each<'s> {
    Borrowed(std::slice::Iter<'s, Value>),
    Owned(std::vec::IntoIter<Value>),
}

impl<'s> Iterator for Each<'s> {
    type Item = Cow<'s, Value>;

    fn next(&mut self) -> Option<Cow<'s, Value>> {
        match self {
            Each::Borrowed(i) => i.next().map(Cow::Borrowed),
            Each::Owned(i) => i.next().map(Cow::Owned),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Each::Borrowed(i) => i.size_hint(),
            Each::Owned(i) => i.size_hint(),
        }
    }
}

/// The value for one of several uses: moved out on the `last` use, copied before.
pub(crate) fn give(v: &mut Given<'_>, last: bool) -> Option<Value> {
    if last {
        v.take().map(Cow::into_owned)
    } else {
        v.as_deref().cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn borrowed_values_are_copied_and_owned_ones_moved() {
        let v = json!([1, 2]);
        let got: Vec<Cow<'_, Value>> = each(items(Cow::Borrowed(&v))).collect();
        assert!(matches!(got.first(), Some(Cow::Borrowed(_))));
        let got: Vec<Value> = each(items(Cow::Owned(v.clone())))
            .map(Cow::into_owned)
            .collect();
        assert_eq!(got, [json!(1), json!(2)]);
        assert_eq!(items(Cow::Owned(json!(3))).len(), 1);
        let mut g: Given<'_> = Some(Cow::Owned(json!("x")));
        assert_eq!(give(&mut g, false), Some(json!("x")));
        assert_eq!(give(&mut g, true), Some(json!("x")));
        assert_eq!(g, None);
    }
}
