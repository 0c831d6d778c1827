//! The connection type that serves both backends, and the pool that hands it out.
//!
//! The backend is chosen from the URL scheme, never by trying one and falling
//! back: diesel's derived `establish` would happily open a SQLite file named
//! `postgres://...` when PostgreSQL is down.

use std::time::Duration;

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, R2D2Connection};
use diesel::sqlite::SqliteConnection;

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// Where the database lives, parsed from `--database-url`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DbTarget {
    /// A file path for SQLite.
    Sqlite(String),
    /// A libpq connection URL.
    Postgres(String),
}

impl DbTarget {
    /// `postgres://` / `postgresql://` select PostgreSQL; `sqlite://PATH` or a bare path select SQLite.
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbTarget::Postgres(url.to_owned()));
        }
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        if path.is_empty() {
            return Err("the database URL is empty".into());
        }
        if path.contains("://") {
            return Err(format!("unsupported database URL scheme in {url:?}: use sqlite://PATH or postgres://..."));
        }
        Ok(DbTarget::Sqlite(path.to_owned()))
    }
}

/// SQLite settings applied to every new connection (WAL is set once, at migration).
const SQLITE_PRAGMAS: &str = "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;";
/// PostgreSQL settings applied to every new connection.
const POSTGRES_SETTINGS: &str = "SET statement_timeout = '5s'; SET TIME ZONE 'UTC';";

/// Creates a new SQLite file readable by its owner only (it holds the
/// generated signing key and everyone's personal data). SQLite gives the
/// `-wal` and `-shm` files the database file's permissions. An existing
/// file is left as the operator made it.
fn create_private(path: &str) -> std::io::Result<()> {
    if path == ":memory:" || path.starts_with("file:") {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Opens connections for the pool, for the backend named by the target.
#[derive(Clone, Debug)]
pub struct Manager {
    target: DbTarget,
}

impl Manager {
    pub fn new(target: DbTarget) -> Self {
        Self { target }
    }

    pub fn establish(&self) -> Result<DbConnection, diesel::ConnectionError> {
        match &self.target {
            DbTarget::Sqlite(path) => {
                create_private(path).map_err(|e| {
                    diesel::ConnectionError::BadConnection(format!("could not create the database file {path}: {e}"))
                })?;
                let mut conn = SqliteConnection::establish(path)?;
                conn.batch_execute(SQLITE_PRAGMAS).map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                if let Some(ms) = slow_query_ms() {
                    diesel::Connection::set_instrumentation(&mut conn, SlowQueries { over: ms, started: None });
                }
                Ok(DbConnection::Sqlite(conn))
            }
            DbTarget::Postgres(url) => {
                let mut conn = PgConnection::establish(url)?;
                conn.batch_execute(POSTGRES_SETTINGS).map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                if let Some(ms) = slow_query_ms() {
                    diesel::Connection::set_instrumentation(&mut conn, SlowQueries { over: ms, started: None });
                }
                Ok(DbConnection::Postgresql(conn))
            }
        }
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        self.establish().map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

pub type Pool = r2d2::Pool<Manager>;

/// Builds a pool that does not connect eagerly, so that the server starts (and
/// `/healthz` answers 503) while the database is down, and recovers by itself.
pub fn build_pool(target: DbTarget, max_size: u32, acquire_timeout: Duration) -> Pool {
    r2d2::Pool::builder()
        .max_size(max_size)
        .min_idle(Some(0))
        .connection_timeout(acquire_timeout)
        // A ping on checkout drops connections that died with a database
        // server; an embedded SQLite connection cannot die that way.
        .test_on_check_out(matches!(target, DbTarget::Postgres(_)))
        .build_unchecked(Manager::new(target))
}

/// `HRMS_SLOW_QUERY_MS`: statements slower than this are logged (their SQL
/// only, never the bound values), to find where a page's time goes.
fn slow_query_ms() -> Option<u128> {
    std::env::var("HRMS_SLOW_QUERY_MS").ok()?.parse().ok()
}

struct SlowQueries {
    over: u128,
    started: Option<std::time::Instant>,
}

impl diesel::connection::Instrumentation for SlowQueries {
    fn on_connection_event(&mut self, event: diesel::connection::InstrumentationEvent<'_>) {
        use diesel::connection::InstrumentationEvent;
        match event {
            InstrumentationEvent::StartQuery { .. } => self.started = Some(std::time::Instant::now()),
            InstrumentationEvent::FinishQuery { query, .. } => {
                let took = self.started.take().map_or(0, |t| t.elapsed().as_millis());
                if took >= self.over {
                    let text = query.to_string();
                    let sql = text.split(" -- binds:").next().unwrap_or_default();
                    tracing::warn!(ms = took as u64, sql, "slow query");
                }
            }
            _ => {}
        }
    }
}
