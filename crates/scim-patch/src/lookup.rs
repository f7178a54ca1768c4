//! Member lookups in the small JSON objects a resource is made of. serde_json's map hashes
//! a key with SipHash (about a hundred instructions for a short name); below a few dozen
//! members, comparing the stored keys' lengths, and the bytes of those as long, is cheaper.

use serde_json::{Map, Value};

/// Objects with more members than this are looked up through their hash table.
const SCAN_MAX: usize = 24;

/// The value of `key` in `m`.
pub(crate) fn get<'m>(m: &'m Map<String, Value>, key: &str) -> Option<&'m Value> {
    if m.len() > SCAN_MAX {
        return m.get(key);
    }
    m.iter().find(|(k, _)| same_key(k, key)).map(|(_, v)| v)
}

/// The value of `key` in `m`, mutably.
pub(crate) fn get_mut<'m>(m: &'m mut Map<String, Value>, key: &str) -> Option<&'m mut Value> {
    if m.len() > SCAN_MAX {
        return m.get_mut(key);
    }
    m.iter_mut().find(|(k, _)| same_key(k, key)).map(|(_, v)| v)
}

/// `k == key`, deciding most mismatches on the length and the first byte before calling
/// `memcmp`.
#[inline]
fn same_key(k: &str, key: &str) -> bool {
    k.len() == key.len() && k.as_bytes().first() == key.as_bytes().first() && k == key
}

/// The value of member `key` of `v`, when `v` is an object.
pub(crate) fn member<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    match v {
        Value::Object(m) => get(m, key),
        _ => None,
    }
}

/// The elements of attribute `key` (of extension object `ext`, when given) of `root`;
/// none when it holds no array.
pub(crate) fn elements<'v>(
    root: &'v Map<String, Value>,
    ext: Option<&str>,
    key: &str,
) -> &'v [Value] {
    let container = match ext {
        None => Some(root),
        Some(urn) => get(root, urn).and_then(Value::as_object),
    };
    match container.and_then(|c| get(c, key)) {
        Some(Value::Array(a)) => a,
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scans_and_hashes_agree() {
        for n in [0, 1, 5, SCAN_MAX, SCAN_MAX + 1, 40] {
            let mut m: Map<String, Value> = (0..n).map(|i| (format!("k{i}"), json!(i))).collect();
            for i in 0..=n {
                let k = format!("k{i}");
                assert_eq!(get(&m, &k), m.get(&k));
                assert_eq!(get_mut(&mut m, &k).cloned(), m.get(&k).cloned());
            }
            assert_eq!(get(&m, "K0"), None);
        }
        assert_eq!(member(&json!({"a": 1}), "a"), Some(&json!(1)));
        assert_eq!(member(&json!([1]), "a"), None);
    }
}
