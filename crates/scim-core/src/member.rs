//! Looking up a member of a JSON object by its exact name.
//!
//! `serde_json` objects hash every name they are asked for. A resource's objects are small
//! (a User has a dozen top-level members, a complex value two to five), and comparing the
//! names in turn (lengths first) is cheaper than hashing the one wanted: these functions
//! scan objects of up to [`SCAN_LIMIT`] members and hash only larger ones.
//!
//! ```
//! use scim_core::member;
//! use serde_json::json;
//!
//! let mut user = json!({"userName": "bjensen", "active": true});
//! let map = user.as_object_mut().unwrap();
//! assert_eq!(member::get(map, "userName"), Some(&json!("bjensen")));
//! assert!(member::get(map, "username").is_none(), "names are exact");
//! if let Some(active) = member::get_mut(map, "active") {
//!     *active = json!(false);
//! }
//! assert_eq!(user["active"], false);
//! ```

use serde_json::{Map, Value};

/// Objects with at most this many members are scanned rather than hashed into.
pub const SCAN_LIMIT: usize = 16;

/// Whether `map` has the member `name`.
pub fn contains(map: &Map<String, Value>, name: &str) -> bool {
    if map.len() <= SCAN_LIMIT {
        map.keys().any(|k| k == name)
    } else {
        map.contains_key(name)
    }
}

/// The member `name` of `map`.
pub fn get<'m>(map: &'m Map<String, Value>, name: &str) -> Option<&'m Value> {
    if map.len() <= SCAN_LIMIT {
        map.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    } else {
        map.get(name)
    }
}

/// The member `name` of `map`, mutably.
pub fn get_mut<'m>(map: &'m mut Map<String, Value>, name: &str) -> Option<&'m mut Value> {
    if map.len() <= SCAN_LIMIT {
        map.iter_mut().find(|(k, _)| *k == name).map(|(_, v)| v)
    } else {
        map.get_mut(name)
    }
}

/// The member `name` of `value` when it is an object.
pub fn of<'v>(value: &'v Value, name: &str) -> Option<&'v Value> {
    value.as_object().and_then(|map| get(map, name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn small_and_large_objects_answer_alike() {
        for n in [0, 1, SCAN_LIMIT, SCAN_LIMIT + 1, 40] {
            let mut map: Map<String, Value> = (0..n).map(|i| (format!("k{i}"), json!(i))).collect();
            for i in 0..n + 2 {
                let name = format!("k{i}");
                let want = map.get(&name).cloned();
                assert_eq!(get(&map, &name).cloned(), want, "{n} members, {name}");
                assert_eq!(contains(&map, &name), want.is_some());
                assert_eq!(get_mut(&mut map, &name).map(|v| v.clone()), want);
            }
        }
        assert_eq!(of(&json!({"a": 1}), "a"), Some(&json!(1)));
        assert_eq!(of(&json!([1]), "a"), None);
    }
}
