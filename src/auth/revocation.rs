//! Revoked sessions, kept in memory for as long as their access tokens could
//! still be presented, so that checking an access token needs no query.
//! Each instance learns about revocations made elsewhere (another instance,
//! the command line) by polling the database.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration as StdDuration;

use time::Duration;

use crate::clock::{Clock, Timestamp};
use crate::db::{Db, REVOKED_CHANNEL};
use crate::error::AppResult;

pub struct RevokedSessions {
    /// Session id -> when its last access token has surely expired.
    until: RwLock<HashMap<String, Timestamp>>,
    access_ttl: Duration,
}

impl RevokedSessions {
    pub fn new(access_ttl: Duration) -> Self {
        Self { until: RwLock::new(HashMap::new()), access_ttl }
    }

    pub fn insert(&self, session_id: &str, revoked_at: Timestamp) {
        let mut map = self.until.write().unwrap_or_else(|p| p.into_inner());
        map.insert(session_id.to_owned(), revoked_at + self.access_ttl);
    }

    pub fn contains(&self, session_id: &str) -> bool {
        self.until.read().unwrap_or_else(|p| p.into_inner()).contains_key(session_id)
    }

    /// Forgets sessions whose access tokens have all expired.
    pub fn prune(&self, now: Timestamp) {
        self.until.write().unwrap_or_else(|p| p.into_inner()).retain(|_, until| *until > now);
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

/// Loads revocations newer than `since` into memory. Returns the new watermark.
pub async fn poll_once(db: &Db, revoked: &RevokedSessions, now: Timestamp, since: Timestamp) -> AppResult<Timestamp> {
    let rows = db.run(move |conn| Ok(super::sessions::revoked_since(conn, since - POLL_OVERLAP)?)).await?;
    for (id, revoked_at) in rows {
        revoked.insert(&id, revoked_at);
    }
    revoked.prune(now);
    Ok(now)
}

/// The background work that keeps this instance's revoked set current; stops when dropped.
pub struct Watcher {
    poller: tokio::task::JoinHandle<()>,
    stop_listener: Arc<AtomicBool>,
}

impl Watcher {
    /// Polls the database on every backend; on PostgreSQL also LISTENs, so a
    /// revocation elsewhere takes effect here within milliseconds.
    pub fn start(db: &Db, revoked: Arc<RevokedSessions>, clock: Arc<dyn Clock>) -> Self {
        let stop_listener = Arc::new(AtomicBool::new(false));
        let listening = {
            let (revoked, clock) = (revoked.clone(), clock.clone());
            db.listen(REVOKED_CHANNEL, stop_listener.clone(), move |session_id| {
                revoked.insert(&session_id, clock.now())
            })
        };
        if let Err(e) = listening {
            tracing::warn!(error = %e, "could not start the revocation listener; polling only");
        }
        Self { poller: tokio::spawn(poll_forever(db.clone(), revoked, clock)), stop_listener }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.poller.abort();
        self.stop_listener.store(true, Ordering::Relaxed);
    }
}

/// Runs until aborted; a database outage only delays it.
async fn poll_forever(db: Db, revoked: Arc<RevokedSessions>, clock: Arc<dyn Clock>) {
    let mut since = clock.now() - revoked.access_ttl;
    let mut ticker = tokio::time::interval(POLL_INTERVAL);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        match poll_once(&db, &revoked, clock.now(), since).await {
            Ok(next) => since = next,
            Err(e) => tracing::warn!(error = %e, "could not poll session revocations"),
        }
    }
}
