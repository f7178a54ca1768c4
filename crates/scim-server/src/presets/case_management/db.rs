//! Connections and where SQLite work runs.
//!
//! SQLite calls block, so they run on tokio's blocking threads. Writes go through one writer
//! connection behind an async mutex; a write transaction may span several blocking steps
//! (a PATCH reads, lets the engine apply the patch on the async side, then writes) while the
//! store holds the [`Writer`], which rolls back whatever it has not committed when dropped.
//! A file database also has a small pool of reader connections, which WAL lets read beside
//! the writer; an in-memory database reads through the writer.

use super::tables;
use crate::store::StoreError;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::OwnedMutexGuard;

/// How many idle reader connections are kept.
const MAX_IDLE_READERS: usize = 4;

pub(crate) type R<T> = Result<T, StoreError>;

/// A backend failure.
pub(crate) fn backend(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Backend(Box::new(e))
}

/// `?` for rusqlite results.
pub(crate) trait Sql<T> {
    /// The result with a rusqlite error as [`StoreError::Backend`].
    fn sql(self) -> R<T>;
}

impl<T> Sql<T> for rusqlite::Result<T> {
    fn sql(self) -> R<T> {
        self.map_err(backend)
    }
}

/// Runs `f` on a blocking thread.
pub(crate) async fn blocking<T: Send + 'static>(f: impl FnOnce() -> R<T> + Send + 'static) -> R<T> {
    tokio::task::spawn_blocking(f).await.map_err(backend)?
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// The database: the writer and, for a file, the readers.
pub(crate) struct Db {
    writer: Arc<tokio::sync::Mutex<Connection>>,
    readers: Option<Readers>,
}

struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("path", &self.readers.as_ref().map(|r| &r.path))
            .finish_non_exhaustive()
    }
}

fn connect(path: &Path) -> R<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .sql()?;
    tables::prepare(&conn, true).sql()?;
    Ok(conn)
}

impl Db {
    /// Opens (creating if needed) the database file at `path` and its tables.
    pub(crate) fn open(path: &Path) -> R<Db> {
        let conn = connect(path)?;
        tables::create(&conn).sql()?;
        Ok(Db {
            writer: Arc::new(tokio::sync::Mutex::new(conn)),
            readers: Some(Readers {
                path: path.to_path_buf(),
                idle: Mutex::new(Vec::new()),
            }),
        })
    }

    /// A new private in-memory database with the tables.
    pub(crate) fn in_memory() -> R<Db> {
        let conn = Connection::open_in_memory().sql()?;
        tables::prepare(&conn, false).sql()?;
        tables::create(&conn).sql()?;
        Ok(Db {
            writer: Arc::new(tokio::sync::Mutex::new(conn)),
            readers: None,
        })
    }

    /// The file, if the database is one.
    pub(crate) fn path(&self) -> Option<&Path> {
        self.readers.as_ref().map(|r| r.path.as_path())
    }

    /// Waits for the writer connection.
    pub(crate) async fn writer(&self) -> Writer {
        Writer(self.writer.clone().lock_owned().await)
    }

    /// Runs `f` in one write transaction: committed when it returns `Ok`, rolled back
    /// otherwise.
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> R<T> + Send + 'static,
    ) -> R<T> {
        let w = self.writer().await;
        blocking(move || {
            w.begin()?;
            let out = f(&w)?;
            w.commit()?;
            Ok(out)
        })
        .await
    }

    /// Runs `f` in one read transaction (a consistent snapshot).
    pub(crate) async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> R<T> + Send + 'static,
    ) -> R<T> {
        let Some(readers) = &self.readers else {
            let w = self.writer().await;
            return blocking(move || {
                w.execute_batch("BEGIN").sql()?;
                let out = f(&w)?;
                w.commit()?;
                Ok(out)
            })
            .await;
        };
        let pooled = lock(&readers.idle).pop();
        let path = readers.path.clone();
        let (conn, out) = blocking(move || {
            let conn = match pooled {
                Some(c) => c,
                None => connect(&path)?,
            };
            let out = (|| {
                let tx = conn.unchecked_transaction().sql()?;
                let out = f(&tx)?;
                tx.commit().sql()?;
                Ok(out)
            })();
            Ok((conn, out))
        })
        .await?;
        let mut idle = lock(&readers.idle);
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
        out
    }
}

/// The writer connection, held exclusively. Dropping it rolls back an open transaction.
pub(crate) struct Writer(OwnedMutexGuard<Connection>);

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").finish_non_exhaustive()
    }
}

impl Writer {
    /// Starts a write transaction (taking SQLite's write lock now, not at the first write).
    pub(crate) fn begin(&self) -> R<()> {
        self.0.execute_batch("BEGIN IMMEDIATE").sql()
    }

    /// Commits the open transaction.
    pub(crate) fn commit(&self) -> R<()> {
        self.0.execute_batch("COMMIT").sql()
    }

    /// Rolls back the open transaction, if any.
    pub(crate) fn rollback(&self) -> R<()> {
        if self.0.is_autocommit() {
            return Ok(());
        }
        self.0.execute_batch("ROLLBACK").sql()
    }
}

impl std::ops::Deref for Writer {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        &self.0
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        let _ = self.rollback();
    }
}
