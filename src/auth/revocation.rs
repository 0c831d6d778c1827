//! Revoked sessions, kept in memory for as long as their access tokens could
//! still be presented, so that checking an access token needs no query.
//! Each instance learns about revocations made elsewhere (another instance,
//! the command line) by polling the database.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::Duration as StdDuration;

use time::Duration;

use crate::clock::Timestamp;
use crate::state::AppState;

pub struct RevokedSessions {
    /// Session id -> when its last access token has surely expired.
    until: RwLock<HashMap<String, Timestamp>>,
    access_ttl: Duration,
}

impl RevokedSessions {
    pub fn new(access_ttl: Duration) -> Self {
        Self {
            until: RwLock::new(HashMap::new()),
            access_ttl,
        }
    }

    pub fn insert(&self, session_id: &str, revoked_at: Timestamp) {
        let mut map = self.until.write().unwrap_or_else(|p| p.into_inner());
        map.insert(session_id.to_owned(), revoked_at + self.access_ttl);
    }

    pub fn contains(&self, session_id: &str) -> bool {
        self.until
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(session_id)
    }

    /// Forgets sessions whose access tokens have all expired.
    pub fn prune(&self, now: Timestamp) {
        self.until
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, until| *until > now);
    }

    pub fn len(&self) -> usize {
        self.until.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How often each instance asks the database for new revocations.
pub const POLL_INTERVAL: StdDuration = StdDuration::from_millis(500);
/// Overlap between polls, for transactions that commit a little after their
/// `revoked_at` and for clocks of instances that differ slightly.
const POLL_OVERLAP: Duration = Duration::seconds(5);

/// Loads revocations newer than the last poll into memory. Returns the new watermark.
pub async fn poll_once(state: &AppState, since: Timestamp) -> crate::error::AppResult<Timestamp> {
    let now = state.clock.now();
    let rows = state
        .db
        .run(move |conn| Ok(super::sessions::revoked_since(conn, since - POLL_OVERLAP)?))
        .await?;
    for (id, revoked_at) in rows {
        state.revoked.insert(&id, revoked_at);
    }
    state.revoked.prune(now);
    Ok(now)
}

/// Runs until the process ends; a database outage only delays it.
pub async fn poll_forever(state: AppState) {
    let mut since = state.clock.now() - state.config.sessions.access_ttl;
    let mut ticker = tokio::time::interval(POLL_INTERVAL);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        match poll_once(&state, since).await {
            Ok(next) => since = next,
            Err(e) => tracing::warn!(error = %e, "could not poll session revocations"),
        }
    }
}
