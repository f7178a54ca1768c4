//! Reads and writes of rows, inside the transaction the caller opened.
//!
//! A row's version bumps only when what it shows changes: a user's when its own columns or
//! its profiles change (and a profile's name, which its `groups` show), a profile's when its
//! name or members change (and a member's `userName`/`displayName`, which `members` show).

use super::db::{R, Sql, backend};
use super::filter::fold;
use super::rows::{Email, Link, ProfileRow, Stamp, UserRow};
use crate::store::{Precondition, StoreError};
use chrono::{SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use scim_core::{ScimError, ScimType};
use std::collections::BTreeSet;

/// A `meta.created`/`lastModified` timestamp for now, in the one format stored (UTC,
/// milliseconds), so text order is time order.
pub(crate) fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A new id: a lowercase UUID.
fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Fails with [`StoreError::VersionMismatch`] unless the precondition holds for `stamp`.
pub(crate) fn check_precondition(stamp: &Stamp, precondition: Option<&str>) -> R<()> {
    match precondition {
        Some(v) if v != stamp.version.to_string() => Err(StoreError::VersionMismatch {
            id: stamp.id.clone(),
            current: stamp.version.to_string(),
        }),
        _ => Ok(()),
    }
}

/// An owned [`Precondition`], to move into blocking work.
pub(crate) fn owned_precondition(p: Precondition<'_>) -> Option<String> {
    match p {
        Precondition::None => None,
        Precondition::Version(v) => Some(v.to_owned()),
    }
}

// ---------------------------------------------------------------------------------------
// Users

/// The columns of a user, in the order [`user_from_sql`] reads them.
pub(crate) const USER_COLUMNS: &str = "u.id, u.created, u.last_modified, u.version, \
     u.user_name, u.first_name, u.last_name, u.display_name, u.email, u.email_type, \
     u.email_primary, u.active, u.external_id";

/// Reads a row selected with [`USER_COLUMNS`].
pub(crate) fn user_from_sql(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Stamp, UserRow)> {
    let stamp = Stamp {
        id: r.get(0)?,
        created: r.get(1)?,
        last_modified: r.get(2)?,
        version: r.get(3)?,
    };
    let email = match r.get::<_, Option<String>>(8)? {
        Some(value) => Some(Email {
            value,
            kind: r.get(9)?,
            primary: r.get(10)?,
        }),
        None => None,
    };
    let row = UserRow {
        user_name: r.get(4)?,
        first_name: r.get(5)?,
        last_name: r.get(6)?,
        display_name: r.get(7)?,
        email,
        active: r.get(11)?,
        external_id: r.get(12)?,
    };
    Ok((stamp, row))
}

/// The user `id` of `tenant`.
pub(crate) fn load_user(c: &Connection, tenant: &str, id: &str) -> R<Option<(Stamp, UserRow)>> {
    c.prepare_cached(&format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.tenant = ?1 AND u.id = ?2"
    ))
    .sql()?
    .query_row(params![tenant, id], user_from_sql)
    .optional()
    .sql()
}

/// The profiles a user holds, in the order the profiles were created.
pub(crate) fn user_groups(c: &Connection, tenant: &str, id: &str) -> R<Vec<Link>> {
    let mut stmt = c
        .prepare_cached(
            "SELECT g.id, g.name FROM user_profiles l JOIN profiles g \
             ON g.tenant = l.tenant AND g.id = l.profile_id \
             WHERE l.tenant = ?1 AND l.user_id = ?2 ORDER BY g.seq",
        )
        .sql()?;
    let rows = stmt
        .query_map(params![tenant, id], |r| {
            Ok(Link {
                id: r.get(0)?,
                display: r.get(1)?,
            })
        })
        .sql()?;
    rows.collect::<Result<_, _>>().sql()
}

fn check_user_name(c: &Connection, tenant: &str, user_name: &str, own: &str) -> R<()> {
    let taken: Option<i64> = c
        .prepare_cached(
            "SELECT 1 FROM users WHERE tenant = ?1 AND user_name_folded = ?2 AND id <> ?3",
        )
        .sql()?
        .query_row(params![tenant, fold(user_name), own], |r| r.get(0))
        .optional()
        .sql()?;
    match taken {
        Some(_) => Err(StoreError::Uniqueness(format!(
            "userName {user_name:?} is already in use"
        ))),
        None => Ok(()),
    }
}

/// Inserts a user; returns its id.
pub(crate) fn insert_user(c: &Connection, tenant: &str, row: &UserRow) -> R<String> {
    check_user_name(c, tenant, &row.user_name, "")?;
    let (id, ts) = (new_id(), now());
    let email = row.email.as_ref();
    c.prepare_cached(
        "INSERT INTO users (tenant, id, user_name, user_name_folded, first_name, last_name, \
         display_name, email, email_type, email_primary, active, external_id, created, \
         last_modified, version) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, 1)",
    )
    .sql()?
    .execute(params![
        tenant,
        id,
        row.user_name,
        fold(&row.user_name),
        row.first_name,
        row.last_name,
        row.display_name,
        email.map(|e| &e.value),
        email.and_then(|e| e.kind.as_ref()),
        email.and_then(|e| e.primary),
        row.active,
        row.external_id,
        ts,
    ])
    .sql()?;
    Ok(id)
}

/// Writes a user's new columns; `false` (and no version bump) when nothing changes.
pub(crate) fn update_user(
    c: &Connection,
    tenant: &str,
    stamp: &Stamp,
    old: &UserRow,
    new: &UserRow,
) -> R<bool> {
    if old == new {
        return Ok(false);
    }
    check_user_name(c, tenant, &new.user_name, &stamp.id)?;
    let ts = now();
    let email = new.email.as_ref();
    c.prepare_cached(
        "UPDATE users SET user_name = ?3, user_name_folded = ?4, first_name = ?5, \
         last_name = ?6, display_name = ?7, email = ?8, email_type = ?9, email_primary = ?10, \
         active = ?11, external_id = ?12, last_modified = ?13, version = version + 1 \
         WHERE tenant = ?1 AND id = ?2",
    )
    .sql()?
    .execute(params![
        tenant,
        stamp.id,
        new.user_name,
        fold(&new.user_name),
        new.first_name,
        new.last_name,
        new.display_name,
        email.map(|e| &e.value),
        email.and_then(|e| e.kind.as_ref()),
        email.and_then(|e| e.primary),
        new.active,
        new.external_id,
        ts,
    ])
    .sql()?;
    if !old.same_display(new) {
        touch_profiles_of(c, tenant, &stamp.id, &ts)?;
    }
    Ok(true)
}

/// Deletes a user and its links.
pub(crate) fn delete_user(c: &Connection, tenant: &str, id: &str) -> R<()> {
    touch_profiles_of(c, tenant, id, &now())?;
    c.prepare_cached("DELETE FROM users WHERE tenant = ?1 AND id = ?2")
        .sql()?
        .execute(params![tenant, id])
        .sql()?;
    Ok(())
}

/// Bumps the profiles `user` holds (their `members` show it).
fn touch_profiles_of(c: &Connection, tenant: &str, user: &str, ts: &str) -> R<()> {
    c.prepare_cached(
        "UPDATE profiles SET version = version + 1, last_modified = ?3 \
         WHERE tenant = ?1 AND id IN \
         (SELECT profile_id FROM user_profiles WHERE tenant = ?1 AND user_id = ?2)",
    )
    .sql()?
    .execute(params![tenant, user, ts])
    .sql()?;
    Ok(())
}

fn touch_user(c: &Connection, tenant: &str, id: &str, ts: &str) -> R<()> {
    c.prepare_cached(
        "UPDATE users SET version = version + 1, last_modified = ?3 \
         WHERE tenant = ?1 AND id = ?2",
    )
    .sql()?
    .execute(params![tenant, id, ts])
    .sql()?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Profiles

/// The columns of a profile, in the order [`profile_from_sql`] reads them.
pub(crate) const PROFILE_COLUMNS: &str = "p.id, p.created, p.last_modified, p.version, p.name";

/// Reads a row selected with [`PROFILE_COLUMNS`]: the stamp and the name.
pub(crate) fn profile_from_sql(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Stamp, String)> {
    Ok((
        Stamp {
            id: r.get(0)?,
            created: r.get(1)?,
            last_modified: r.get(2)?,
            version: r.get(3)?,
        },
        r.get(4)?,
    ))
}

/// The profile `id` of `tenant`.
pub(crate) fn load_profile(c: &Connection, tenant: &str, id: &str) -> R<Option<(Stamp, String)>> {
    c.prepare_cached(&format!(
        "SELECT {PROFILE_COLUMNS} FROM profiles p WHERE p.tenant = ?1 AND p.id = ?2"
    ))
    .sql()?
    .query_row(params![tenant, id], profile_from_sql)
    .optional()
    .sql()
}

/// The id of the profile called `name` (any case), if there is one.
pub(crate) fn find_profile(c: &Connection, tenant: &str, name: &str) -> R<Option<String>> {
    c.prepare_cached("SELECT id FROM profiles WHERE tenant = ?1 AND name_folded = ?2")
        .sql()?
        .query_row(params![tenant, fold(name)], |r| r.get(0))
        .optional()
        .sql()
}

/// A profile's members, in the order they were added.
pub(crate) fn profile_members(c: &Connection, tenant: &str, id: &str) -> R<Vec<Link>> {
    let mut stmt = c
        .prepare_cached(
            "SELECT m.id, coalesce(m.display_name, m.user_name) FROM user_profiles l \
             JOIN users m ON m.tenant = l.tenant AND m.id = l.user_id \
             WHERE l.tenant = ?1 AND l.profile_id = ?2 ORDER BY l.rowid",
        )
        .sql()?;
    let rows = stmt
        .query_map(params![tenant, id], |r| {
            Ok(Link {
                id: r.get(0)?,
                display: r.get(1)?,
            })
        })
        .sql()?;
    rows.collect::<Result<_, _>>().sql()
}

fn check_profile_name(c: &Connection, tenant: &str, name: &str, own: &str) -> R<()> {
    match find_profile(c, tenant, name)? {
        Some(id) if id != own => Err(StoreError::Uniqueness(format!(
            "displayName {name:?} is already the name of another profile"
        ))),
        _ => Ok(()),
    }
}

/// The user ids that member values name (ids compare case-insensitively, as the PATCH
/// engine compares member values), without repeats, in order. A value that names no user of
/// the tenant is an `invalidValue`: the app's profiles hold existing users only.
pub(crate) fn resolve_members(c: &Connection, tenant: &str, values: &[String]) -> R<Vec<String>> {
    let mut stmt = c
        .prepare_cached("SELECT id FROM users WHERE tenant = ?1 AND id = ?2")
        .sql()?;
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(values.len());
    for v in values {
        let id: Option<String> = stmt
            .query_row(params![tenant, fold(v)], |r| r.get(0))
            .optional()
            .sql()?;
        let Some(id) = id else {
            return Err(StoreError::Scim(ScimError::bad_request(
                ScimType::InvalidValue,
                format!("members: no user has id {v:?} (profiles hold existing users only)"),
            )));
        };
        if seen.insert(id.clone()) {
            out.push(id);
        }
    }
    Ok(out)
}

/// Inserts a profile with its members; returns its id.
pub(crate) fn insert_profile(c: &Connection, tenant: &str, row: &ProfileRow) -> R<String> {
    check_profile_name(c, tenant, &row.name, "")?;
    let members = resolve_members(c, tenant, &row.members)?;
    let (id, ts) = (new_id(), now());
    c.prepare_cached(
        "INSERT INTO profiles (tenant, id, name, name_folded, created, last_modified, version) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, 1)",
    )
    .sql()?
    .execute(params![tenant, id, row.name, fold(&row.name), ts])
    .sql()?;
    link(c, tenant, &id, &members, &ts)?;
    Ok(id)
}

/// Gives `users` (existing user ids) the profile; returns how many did not hold it yet. Each
/// of those is bumped.
pub(crate) fn link(
    c: &Connection,
    tenant: &str,
    profile: &str,
    users: &[String],
    ts: &str,
) -> R<usize> {
    each_link(
        c,
        "INSERT OR IGNORE INTO user_profiles (tenant, profile_id, user_id) VALUES (?1, ?2, ?3)",
        tenant,
        profile,
        users,
        ts,
    )
}

/// Takes the profile from the users whose ids fold to `folded`; returns how many held it.
/// Each of those is bumped.
pub(crate) fn unlink(
    c: &Connection,
    tenant: &str,
    profile: &str,
    folded: &[String],
    ts: &str,
) -> R<usize> {
    each_link(
        c,
        "DELETE FROM user_profiles WHERE tenant = ?1 AND profile_id = ?2 AND user_id = ?3",
        tenant,
        profile,
        folded,
        ts,
    )
}

/// Runs `sql` (tenant, profile, user) for each user; bumps and counts the users it changed.
fn each_link(
    c: &Connection,
    sql: &str,
    tenant: &str,
    profile: &str,
    users: &[String],
    ts: &str,
) -> R<usize> {
    let mut stmt = c.prepare_cached(sql).sql()?;
    let mut changed = 0;
    for u in users {
        if stmt.execute(params![tenant, profile, u]).sql()? > 0 {
            touch_user(c, tenant, u, ts)?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// Bumps a profile's version.
pub(crate) fn touch_profile(c: &Connection, tenant: &str, id: &str, ts: &str) -> R<()> {
    c.prepare_cached(
        "UPDATE profiles SET version = version + 1, last_modified = ?3 \
         WHERE tenant = ?1 AND id = ?2",
    )
    .sql()?
    .execute(params![tenant, id, ts])
    .sql()?;
    Ok(())
}

/// Writes a profile's new name and members (as link inserts and deletes, never rewriting the
/// list); `false` (and no version bump) when nothing changes.
pub(crate) fn update_profile(
    c: &Connection,
    tenant: &str,
    stamp: &Stamp,
    old_name: &str,
    new: &ProfileRow,
) -> R<bool> {
    let ts = now();
    let wanted = resolve_members(c, tenant, &new.members)?;
    let current: BTreeSet<String> = profile_members(c, tenant, &stamp.id)?
        .into_iter()
        .map(|l| l.id)
        .collect();
    let wanted_set: BTreeSet<&String> = wanted.iter().collect();
    let gone: Vec<String> = current
        .iter()
        .filter(|id| !wanted_set.contains(id))
        .cloned()
        .collect();
    let new_ones: Vec<String> = wanted
        .iter()
        .filter(|id| !current.contains(*id))
        .cloned()
        .collect();
    let renamed = old_name != new.name;
    if renamed {
        check_profile_name(c, tenant, &new.name, &stamp.id)?;
        c.prepare_cached(
            "UPDATE profiles SET name = ?3, name_folded = ?4 WHERE tenant = ?1 AND id = ?2",
        )
        .sql()?
        .execute(params![tenant, stamp.id, new.name, fold(&new.name)])
        .sql()?;
        // The holders' `groups` show the name.
        c.prepare_cached(
            "UPDATE users SET version = version + 1, last_modified = ?3 \
             WHERE tenant = ?1 AND id IN \
             (SELECT user_id FROM user_profiles WHERE tenant = ?1 AND profile_id = ?2)",
        )
        .sql()?
        .execute(params![tenant, stamp.id, ts])
        .sql()?;
    }
    let removed = unlink(c, tenant, &stamp.id, &gone, &ts)?;
    let added = link(c, tenant, &stamp.id, &new_ones, &ts)?;
    if !renamed && removed == 0 && added == 0 {
        return Ok(false);
    }
    touch_profile(c, tenant, &stamp.id, &ts)?;
    Ok(true)
}

/// Deletes a profile and its links.
pub(crate) fn delete_profile(c: &Connection, tenant: &str, id: &str) -> R<()> {
    let ts = now();
    c.prepare_cached(
        "UPDATE users SET version = version + 1, last_modified = ?3 \
         WHERE tenant = ?1 AND id IN \
         (SELECT user_id FROM user_profiles WHERE tenant = ?1 AND profile_id = ?2)",
    )
    .sql()?
    .execute(params![tenant, id, ts])
    .sql()?;
    c.prepare_cached("DELETE FROM profiles WHERE tenant = ?1 AND id = ?2")
        .sql()?
        .execute(params![tenant, id])
        .sql()?;
    Ok(())
}

/// A count from SQLite as `usize`.
pub(crate) fn count(n: i64) -> R<usize> {
    usize::try_from(n).map_err(backend)
}
