//! Database access: the two-backend connection, the schema, migrations, and
//! `Db::run`, which runs blocking diesel code on the blocking thread pool.

pub mod connection;
pub mod listen;
pub mod migrate;
pub mod schema;

use std::time::Duration;

use diesel::Connection;

pub use connection::{DbConnection, DbTarget};

use crate::error::{AppError, AppResult};

/// The PostgreSQL channel on which revoked session ids are announced.
pub const REVOKED_CHANNEL: &str = "hrms_session_revoked";

/// Tells every instance at once that these sessions were revoked (PostgreSQL
/// NOTIFY, delivered when the transaction commits). SQLite has no such thing:
/// there, instances learn from their poll of the sessions table.
pub fn notify_revoked(conn: &mut DbConnection, session_ids: &[String]) -> diesel::QueryResult<()> {
    // --- backend-specific SQL: see also connection.rs and migrate.rs ---
    if let DbConnection::Postgresql(pg) = conn {
        use diesel::RunQueryDsl;
        for id in session_ids {
            diesel::sql_query("SELECT pg_notify($1, $2)")
                .bind::<diesel::sql_types::Text, _>(REVOKED_CHANNEL)
                .bind::<diesel::sql_types::Text, _>(id)
                .execute(pg)?;
        }
    }
    Ok(())
}

/// Takes a lock named `name` until the transaction ends: PostgreSQL's
/// transaction-scoped advisory lock on the name's hash; on SQLite a write
/// statement, which takes the database's one write lock. Call inside a
/// transaction.
pub fn lock_name(conn: &mut DbConnection, name: &str) -> diesel::QueryResult<()> {
    use diesel::RunQueryDsl;
    // --- backend-specific SQL: see also connection.rs and migrate.rs ---
    match conn {
        DbConnection::Postgresql(pg) => {
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                .bind::<diesel::sql_types::Text, _>(name)
                .execute(pg)?;
        }
        DbConnection::Sqlite(lite) => {
            diesel::sql_query("UPDATE settings SET value = value WHERE key = 'lock'").execute(lite)?;
        }
    }
    Ok(())
}

/// Inserts the rows of a slice into a table `$per` rows a statement, through
/// each backend's own connection: a `MultiConnection` has no multi-row
/// insert. Keep `$per` times the columns under SQLite's 32,766 parameters.
/// For bulk loads whose rows were checked first (the import, the demo): a
/// violation fails the caller's transaction.
#[macro_export]
macro_rules! insert_in_chunks {
    ($conn:expr, $table:expr, $rows:expr, $per:expr) => {{
        use diesel::RunQueryDsl as _;
        // --- backend-specific: see also db.rs ---
        match $conn {
            $crate::db::DbConnection::Postgresql(pg) => {
                for chunk in $rows.chunks($per) {
                    diesel::insert_into($table).values(chunk).execute(pg)?;
                }
            }
            $crate::db::DbConnection::Sqlite(lite) => {
                for chunk in $rows.chunks($per) {
                    diesel::insert_into($table).values(chunk).execute(lite)?;
                }
            }
        }
    }};
}

tokio::task_local! {
    /// When the current request must have its database connections by.
    static DEADLINE: std::time::Instant;
}

/// Runs `f` (a request) with a budget for waiting on database connections:
/// however many queries it makes, together they wait at most `budget`, so a
/// page answers 503 within the acquire timeout while the database is down,
/// not once per query.
pub async fn with_deadline<F: std::future::Future>(budget: Duration, f: F) -> F::Output {
    DEADLINE.scope(std::time::Instant::now() + budget, f).await
}

#[derive(Clone)]
pub struct Db {
    pool: connection::Pool,
    target: DbTarget,
    acquire_timeout: Duration,
    /// One permit per pooled connection: requests beyond that wait here,
    /// asynchronously, instead of as blocked threads contending for the pool.
    permits: std::sync::Arc<tokio::sync::Semaphore>,
}

impl Db {
    /// `pool_size` defaults by backend; `acquire_timeout` is how long a request
    /// waits for a free connection before it gets a 503.
    pub fn new(target: DbTarget, pool_size: Option<u32>, acquire_timeout: Duration) -> Self {
        let max_size = pool_size.unwrap_or(match target {
            // SQLite has one writer at a time; a few readers beside it are plenty.
            DbTarget::Sqlite(_) => 8,
            DbTarget::Postgres(_) => 16,
        });
        let max_size = max_size.max(1);
        Self {
            pool: connection::build_pool(target.clone(), max_size, acquire_timeout),
            target,
            acquire_timeout,
            permits: std::sync::Arc::new(tokio::sync::Semaphore::new(max_size as usize)),
        }
    }

    pub fn target(&self) -> &DbTarget {
        &self.target
    }

    /// Runs `f` with a pooled connection on the blocking pool. A pool that
    /// cannot hand out a connection in time is `AppError::Unavailable` (503).
    pub async fn run<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let deadline = DEADLINE
            .try_with(|d| *d)
            .unwrap_or_else(|_| std::time::Instant::now() + self.acquire_timeout)
            .min(std::time::Instant::now() + self.acquire_timeout);
        let left = || deadline.saturating_duration_since(std::time::Instant::now());
        let permit = tokio::time::timeout(left(), self.permits.clone().acquire_owned())
            .await
            .map_err(|_| AppError::Unavailable(anyhow::anyhow!("no database connection free in time")))?
            .map_err(|e| AppError::Internal(e.into()))?;
        // What is left of the budget, for the pool (r2d2 wants more than zero).
        let wait = left().max(Duration::from_millis(1));
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut conn = pool.get_timeout(wait).map_err(|e| AppError::Unavailable(e.into()))?;
            f(&mut conn)
        })
        .await
        .map_err(|e| AppError::Internal(e.into()))?
    }

    /// Runs `f` in one database transaction: all of its writes land, or none.
    pub async fn transaction<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> diesel::QueryResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.run(move |conn| Ok(conn.transaction(f)?)).await
    }

    /// Runs `f` in one database transaction, for domain functions whose
    /// refusals (`AppError`) roll back whatever they had written.
    pub async fn atomic<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.run(move |conn| conn.transaction(f)).await
    }

    /// Blocking variant for start-up and the command line.
    pub fn run_blocking<T>(&self, f: impl FnOnce(&mut DbConnection) -> AppResult<T>) -> AppResult<T> {
        let mut conn = self.pool.get().map_err(|e| AppError::Unavailable(e.into()))?;
        f(&mut conn)
    }

    /// Calls `on_payload` for every PostgreSQL notification on `channel`
    /// until `stop` is set (nothing on SQLite). See `listen.rs`.
    pub fn listen(
        &self,
        channel: &'static str,
        stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
        on_payload: impl Fn(String) + Send + 'static,
    ) -> std::io::Result<()> {
        listen::spawn(&self.target, channel, stop, on_payload)
    }

    pub fn migrate(&self) -> AppResult<()> {
        self.run_blocking(|conn| {
            migrate::run_pending(conn).map_err(|e| AppError::Internal(anyhow::anyhow!("migration failed: {e}")))
        })
    }
}
