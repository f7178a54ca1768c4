//! Allocation-free ASCII lowercasing of short keys for case-insensitive map lookups.

/// The longest key lowercased on the stack; longer keys fall back to a heap copy.
const STACK: usize = 128;

/// Calls `f` with the ASCII-lowercased form of `s`, without allocating when `s` is short.
pub(crate) fn with_ascii_lowercase<R>(s: &str, f: impl FnOnce(&str) -> R) -> R {
    if s.len() <= STACK {
        let mut buf = [0u8; STACK];
        let dst = buf.get_mut(..s.len());
        if let Some(dst) = dst {
            dst.copy_from_slice(s.as_bytes());
            dst.make_ascii_lowercase();
            // ASCII lowercasing keeps UTF-8 valid.
            if let Ok(lower) = std::str::from_utf8(dst) {
                return f(lower);
            }
        }
    }
    f(&s.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercases_short_and_long_keys() {
        assert_eq!(with_ascii_lowercase("UserName", str::to_owned), "username");
        let long = "A".repeat(300);
        assert_eq!(with_ascii_lowercase(&long, str::to_owned), "a".repeat(300));
        assert_eq!(with_ascii_lowercase("Ødegård", str::to_owned), "Ødegård");
    }
}
