//! Keyset paging for `startIndex`: remembers, per (tenant, resource type, filter), where the
//! pages served so far ended, so the next page starts with `seq > last` on the insertion-order
//! index instead of an `OFFSET` scan, and the total is counted once, then only over rows
//! inserted since.
//!
//! Positions stay right while only creates happen (a new resource gets a `seq` above every
//! other, so it never shifts an earlier one); any other write in the tenant bumps the tenant's
//! generation, which retires its entries. The file is owned by one process: a second process
//! writing the same file would not bump this one's generations.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// The most filters remembered; past it, the cache starts over.
const MAX_ENTRIES: usize = 256;
/// The most page ends remembered per filter; past it, the entry starts over.
const MAX_POSITIONS: usize = 4096;

#[derive(Debug, Default)]
pub(crate) struct Cursors {
    inner: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    generations: HashMap<String, u64>,
    entries: HashMap<Key, Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    pub(crate) tenant: String,
    pub(crate) rtype: String,
    /// The SQL condition and its parameters, as text.
    pub(crate) query: String,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Entry {
    generation: u64,
    /// Matches before a position → the `seq` of the last of them.
    positions: BTreeMap<usize, i64>,
    /// The matches counted, and the highest `seq` when they were.
    pub(crate) total: Option<(usize, i64)>,
}

impl Entry {
    /// The largest remembered position at or before `skip`, with its `seq` (0: the start).
    pub(crate) fn resume(&self, skip: usize) -> (usize, i64) {
        self.positions
            .range(..=skip)
            .next_back()
            .map(|(p, s)| (*p, *s))
            .unwrap_or((0, 0))
    }
}

impl Cursors {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        match self.inner.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// The tenant's current generation.
    pub(crate) fn generation(&self, tenant: &str) -> u64 {
        self.lock().generations.get(tenant).copied().unwrap_or(0)
    }

    /// Retires every entry of the tenant (called before and after a write that may move
    /// resources in or out of a filter's results).
    pub(crate) fn bump(&self, tenant: &str) {
        let mut s = self.lock();
        *s.generations.entry(tenant.to_owned()).or_insert(0) += 1;
        s.entries.retain(|k, _| k.tenant != tenant);
    }

    /// The entry for `key` if it is of `generation`, else an empty one.
    pub(crate) fn get(&self, key: &Key, generation: u64) -> Entry {
        match self.lock().entries.get(key) {
            Some(e) if e.generation == generation => e.clone(),
            _ => Entry {
                generation,
                ..Entry::default()
            },
        }
    }

    /// Records a page end and the total, if the tenant is still at `generation`.
    pub(crate) fn record(
        &self,
        key: Key,
        generation: u64,
        end: Option<(usize, i64)>,
        total: (usize, i64),
    ) {
        let mut s = self.lock();
        if s.generations.get(&key.tenant).copied().unwrap_or(0) != generation {
            return;
        }
        if s.entries.len() >= MAX_ENTRIES && !s.entries.contains_key(&key) {
            s.entries.clear();
        }
        let e = s.entries.entry(key).or_default();
        if e.generation != generation {
            *e = Entry {
                generation,
                ..Entry::default()
            };
        }
        if e.positions.len() >= MAX_POSITIONS {
            e.positions.clear();
        }
        if let Some((p, seq)) = end {
            e.positions.insert(p, seq);
        }
        e.total = Some(total);
    }
}
