//! PostgreSQL `LISTEN` on a dedicated connection (backend-specific, like
//! `notify_revoked` in `db.rs`). SQLite has no notifications: there, callers
//! rely on polling alone.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use diesel::RunQueryDsl;

use super::DbTarget;
use super::connection::{DbConnection, Manager};

/// Calls `on_payload` with the payload of every notification on `channel`,
/// on a thread of its own, until `stop` is set; reconnects after failures.
/// Does nothing on SQLite.
pub fn spawn(
    target: &DbTarget,
    channel: &'static str,
    stop: Arc<AtomicBool>,
    on_payload: impl Fn(String) + Send + 'static,
) -> std::io::Result<()> {
    if !matches!(target, DbTarget::Postgres(_)) {
        return Ok(());
    }
    let manager = Manager::new(target.clone());
    std::thread::Builder::new()
        .name(format!("hrms-listen-{channel}"))
        .spawn(move || listen(&manager, channel, &stop, &on_payload))?;
    Ok(())
}

fn listen(manager: &Manager, channel: &str, stop: &AtomicBool, on_payload: &dyn Fn(String)) {
    while !stop.load(Ordering::Relaxed) {
        let mut conn = match manager.establish() {
            Ok(DbConnection::Postgresql(conn)) => conn,
            Ok(DbConnection::Sqlite(_)) => return,
            Err(e) => {
                tracing::warn!(error = %e, channel, "listener cannot connect; retrying");
                std::thread::sleep(Duration::from_secs(1));
                continue;
            }
        };
        if let Err(e) = diesel::sql_query(format!("LISTEN {channel}")).execute(&mut conn) {
            tracing::warn!(error = %e, channel, "listener cannot LISTEN; retrying");
            std::thread::sleep(Duration::from_secs(1));
            continue;
        }
        'connected: while !stop.load(Ordering::Relaxed) {
            for notification in conn.notifications_iter() {
                match notification {
                    Ok(n) => on_payload(n.payload),
                    Err(e) => {
                        tracing::warn!(error = %e, channel, "listener lost its connection; reconnecting");
                        break 'connected;
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
