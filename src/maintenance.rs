//! Housekeeping: ended sessions, their refresh tokens, old sign-in failures
//! and old audit rows are deleted by a background task, so the tables stay
//! the size of what is in use.

use std::time::Duration as StdDuration;

use diesel::prelude::*;

use crate::clock::Timestamp;
pub use crate::config::Retention;
use crate::db::DbConnection;
use crate::db::schema::{audit_log, login_failures, refresh_tokens, sessions};
use crate::state::AppState;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    pub sessions: usize,
    pub refresh_tokens: usize,
    pub login_failures: usize,
    pub audit_rows: usize,
    pub link_tokens: usize,
    pub outbox: usize,
    pub devices: usize,
}

/// Deletes what has outlived its retention, in one transaction.
pub fn prune(conn: &mut DbConnection, now: Timestamp, keep: &Retention) -> QueryResult<Pruned> {
    conn.transaction(|conn| {
        let cutoff = now - keep.sessions;
        let ended_long_ago = sessions::revoked_at
            .lt(cutoff)
            .or(sessions::idle_expires_at.lt(cutoff))
            .or(sessions::absolute_expires_at.lt(cutoff));
        let old_sessions = sessions::table.filter(ended_long_ago).select(sessions::id);
        let refresh_tokens =
            diesel::delete(refresh_tokens::table.filter(refresh_tokens::session_id.eq_any(old_sessions)))
                .execute(conn)?;
        let sessions = diesel::delete(sessions::table.filter(ended_long_ago)).execute(conn)?;
        // Rotated tokens of live sessions are kept: presenting one is how reuse is detected.
        let login_failures =
            diesel::delete(login_failures::table.filter(login_failures::failed_at.lt(now - keep.login_failures)))
                .execute(conn)?;
        let audit_rows =
            diesel::delete(audit_log::table.filter(audit_log::occurred_at.lt(now - keep.audit))).execute(conn)?;
        // Links a day past their expiry: kept that long to say "expired" rather than "unknown".
        let link_tokens = crate::auth::links::prune(conn, now - time::Duration::days(1))?;
        // Delivered or abandoned mail, and browsers unseen, are kept as long as ended sessions.
        let outbox = crate::models::outbox::prune(conn, cutoff)?;
        let devices = crate::auth::devices::prune(conn, now - keep.audit)?;
        Ok(Pruned { sessions, refresh_tokens, login_failures, audit_rows, link_tokens, outbox, devices })
    })
}

/// Prunes at start and then every hour, until aborted.
pub async fn prune_forever(state: AppState, keep: Retention) {
    let mut ticker = tokio::time::interval(StdDuration::from_secs(3600));
    loop {
        ticker.tick().await;
        let now = state.clock.now();
        match state.db.run(move |conn| Ok(prune(conn, now, &keep)?)).await {
            Ok(p) => tracing::info!(
                sessions = p.sessions,
                refresh_tokens = p.refresh_tokens,
                login_failures = p.login_failures,
                audit_rows = p.audit_rows,
                link_tokens = p.link_tokens,
                outbox = p.outbox,
                devices = p.devices,
                "pruned"
            ),
            Err(e) => tracing::warn!(error = %e, "pruning failed; will retry"),
        }
    }
}
