//! Embedded migrations, one folder per backend with the same version names.

use diesel::connection::SimpleConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::connection::DbConnection;

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Any number: it only has to be the same in every instance of hrms.
const POSTGRES_MIGRATION_LOCK: i64 = 0x6872_6d73; // "hrms"

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Applies pending migrations. On PostgreSQL an advisory lock makes instances
/// that start together take turns, so only the first one migrates.
pub fn run_pending(conn: &mut DbConnection) -> Result<(), BoxError> {
    match conn {
        // --- backend-specific SQL lives here and in connection.rs only ---
        DbConnection::Sqlite(conn) => {
            conn.batch_execute("PRAGMA journal_mode = WAL;")?;
            conn.run_pending_migrations(SQLITE)?;
        }
        DbConnection::Postgresql(conn) => {
            conn.batch_execute(&format!("SELECT pg_advisory_lock({POSTGRES_MIGRATION_LOCK});"))?;
            let result = conn.run_pending_migrations(POSTGRES).map(|_| ());
            conn.batch_execute(&format!("SELECT pg_advisory_unlock({POSTGRES_MIGRATION_LOCK});"))?;
            result?;
        }
    }
    Ok(())
}
