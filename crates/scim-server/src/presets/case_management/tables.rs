//! The app's tables and how a connection to them is set up.
//!
//! These are the case-management app's own relational tables, not a JSON document store:
//! one row per user and per authorization profile, and a link table for who holds which
//! profile. Every key starts with the tenant. The tables are created when missing, so the
//! store opens an app database that already has them.

use super::filter::fold;
use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;
use std::time::Duration;

/// The tables and indexes.
const TABLES: &str = "
-- Users. `seq` is the insertion order (the default list order); `user_name_folded` is the
-- user name in Unicode lowercase (folded in Rust), unique per tenant.
CREATE TABLE IF NOT EXISTS users (
    seq              INTEGER PRIMARY KEY,
    tenant           TEXT NOT NULL,
    id               TEXT NOT NULL,
    user_name        TEXT NOT NULL,
    user_name_folded TEXT NOT NULL,
    first_name       TEXT,
    last_name        TEXT,
    display_name     TEXT,
    email            TEXT,
    email_type       TEXT,
    email_primary    INTEGER,
    active           INTEGER NOT NULL DEFAULT 1,
    external_id      TEXT,
    created          TEXT NOT NULL,
    last_modified    TEXT NOT NULL,
    version          INTEGER NOT NULL,
    UNIQUE (tenant, id),
    UNIQUE (tenant, user_name_folded)
);

-- Authorization profiles; names are unique per tenant, case-insensitively.
CREATE TABLE IF NOT EXISTS profiles (
    seq           INTEGER PRIMARY KEY,
    tenant        TEXT NOT NULL,
    id            TEXT NOT NULL,
    name          TEXT NOT NULL,
    name_folded   TEXT NOT NULL,
    created       TEXT NOT NULL,
    last_modified TEXT NOT NULL,
    version       INTEGER NOT NULL,
    UNIQUE (tenant, id),
    UNIQUE (tenant, name_folded)
);

-- Who holds which profile, in the order they were given it (rowid). Deleting a user or a
-- profile deletes its links.
CREATE TABLE IF NOT EXISTS user_profiles (
    tenant     TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    profile_id TEXT NOT NULL,
    PRIMARY KEY (tenant, profile_id, user_id),
    FOREIGN KEY (tenant, user_id) REFERENCES users (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, profile_id) REFERENCES profiles (tenant, id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS user_profiles_by_user ON user_profiles (tenant, user_id);
";

/// Sets up a new connection: foreign keys on, a busy timeout, `case_fold`, and (when `wal`)
/// WAL journaling with `synchronous = FULL`, so a write that returned survives a crash.
pub(crate) fn prepare(conn: &Connection, wal: bool) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    if wal {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
    }
    conn.create_scalar_function(
        "case_fold",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            Ok(match ctx.get_raw(0).as_str_or_null() {
                Ok(Some(s)) => Some(fold(s)),
                _ => None,
            })
        },
    )?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// Creates the tables that are missing.
pub(crate) fn create(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(TABLES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_created_once_and_case_fold_folds_unicode() {
        let conn = Connection::open_in_memory().unwrap();
        prepare(&conn, false).unwrap();
        create(&conn).unwrap();
        create(&conn).unwrap();
        let folded: String = conn
            .query_row("SELECT case_fold('ÅSA Ødegård')", [], |r| r.get(0))
            .unwrap();
        assert_eq!(folded, "åsa ødegård");
        let null: Option<String> = conn
            .query_row("SELECT case_fold(NULL)", [], |r| r.get(0))
            .unwrap();
        assert_eq!(null, None);
        let fk: i64 = conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
    }
}
