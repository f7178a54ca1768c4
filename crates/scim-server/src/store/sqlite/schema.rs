//! The database schema, versioned in code: migration `n` takes `PRAGMA user_version` from
//! `n` to `n + 1`, inside one transaction.

use rusqlite::Connection;

/// The migrations, in order. Never edit a released one; append.
const MIGRATIONS: &[&str] = &[
    // 1: resources, indexed attribute values, group memberships.
    "
    -- One row per resource. `seq` is the insertion order (AUTOINCREMENT: never reused), the
    -- default list order and the keyset for paging. `body` is the canonical JSON without
    -- `meta.version` (the `version` column), a user's derived `groups`, or a group's member
    -- list (kept in `members`; the body holds `\"members\": []` where the list goes).
    CREATE TABLE resources (
        seq     INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant  TEXT NOT NULL,
        rtype   TEXT NOT NULL,
        id      TEXT NOT NULL,
        version INTEGER NOT NULL,
        body    TEXT NOT NULL
    );
    CREATE UNIQUE INDEX resources_by_id ON resources (tenant, id, rtype);
    CREATE INDEX resources_in_order ON resources (tenant, rtype, seq);

    -- The indexed attribute values (`userName` case-folded, `externalId`, a group's
    -- `displayName` case-folded, ...), folded in Rust.
    CREATE TABLE attr_index (
        tenant TEXT NOT NULL,
        rtype  TEXT NOT NULL,
        name   TEXT NOT NULL,
        folded TEXT NOT NULL,
        seq    INTEGER NOT NULL,
        PRIMARY KEY (tenant, rtype, name, folded, seq)
    ) WITHOUT ROWID;
    CREATE INDEX attr_index_by_seq ON attr_index (seq);

    -- Group members, in order. `member` is the member's id as given, `mfold` its case-folded
    -- form (the PATCH engine matches members case-insensitively), `body` the member object.
    CREATE TABLE members (
        gseq   INTEGER NOT NULL,
        pos    INTEGER NOT NULL,
        tenant TEXT NOT NULL,
        member TEXT NOT NULL,
        mfold  TEXT NOT NULL,
        body   TEXT NOT NULL,
        PRIMARY KEY (gseq, pos)
    ) WITHOUT ROWID;
    CREATE INDEX members_by_member ON members (tenant, member);
    CREATE INDEX members_by_fold ON members (gseq, mfold);
    ",
];

/// The schema version this code writes.
pub(crate) const CURRENT: i64 = MIGRATIONS.len() as i64;

/// Brings the database up to [`CURRENT`]; refuses a database from newer code.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), MigrateError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > CURRENT {
        return Err(MigrateError::TooNew(version));
    }
    for (n, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(version).unwrap_or(0))
    {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (n + 1) as i64)?;
    }
    tx.commit()?;
    Ok(())
}

/// Why a migration failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum MigrateError {
    /// The file was written by a newer version.
    #[error("the database has schema version {0}, newer than this build's {CURRENT}")]
    TooNew(i64),
    /// SQLite failed.
    #[error(transparent)]
    Sql(#[from] rusqlite::Error),
}
