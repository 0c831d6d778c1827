//! Sign-in throttling per account and per client IP, counted in the database
//! so that every instance sees the same numbers.

use diesel::prelude::*;

use crate::clock::Timestamp;
use time::Duration;

use crate::config::ThrottlePolicy;
use crate::db::DbConnection;
use crate::db::schema::login_failures;
use crate::models::new_id;
use crate::models::user::normalize_email;

/// Mailed links asked for (sign-up, password reset) per email in the window.
pub const LINKS_PER_EMAIL: u32 = 3;
/// Mailed links asked for from one address in the window.
pub const LINKS_PER_IP: u32 = 20;
/// Links followed from one address that were unknown, used or expired.
pub const BAD_LINKS_PER_IP: u32 = 20;

/// The keys an attempt is counted under, each with its limit. The first key
/// is the person's (an email), cleared when they succeed.
pub struct Keys {
    /// (key, limit, a window of its own instead of the throttle's)
    limits: Vec<(String, u32, Option<Duration>)>,
}

impl Keys {
    fn of(limits: impl IntoIterator<Item = (String, u32)>) -> Self {
        Self { limits: limits.into_iter().map(|(key, limit)| (key, limit, None)).collect() }
    }

    /// A sign-in (or password check). Accounts are counted by email whether
    /// or not they exist, so that the throttle says nothing about which
    /// emails have accounts.
    pub fn new(email: &str, ip: &str, policy: &ThrottlePolicy) -> Self {
        Self::of([
            (format!("account:{}", normalize_email(email)), policy.max_per_account),
            (format!("ip:{ip}"), policy.max_per_ip),
        ])
    }

    /// A sign-in from a browser that has signed in to this account before
    /// (OWASP's device cookies): counted on its own, so that failures from
    /// elsewhere, which lock the account for untrusted clients, do not lock
    /// its owner out.
    pub fn trusted_device(email: &str, device_id: &str, ip: &str, policy: &ThrottlePolicy) -> Self {
        let device = &crate::auth::tokens::hash_refresh_token(device_id)[..16];
        Self::of([
            (format!("device:{}:{device}", normalize_email(email)), policy.max_per_account),
            (format!("ip:{ip}"), policy.max_per_ip),
        ])
    }

    /// A sign-in whose "email" is not an email (perhaps a password typed in
    /// the wrong field): counted per address only, so it is never stored.
    pub fn ip_only(ip: &str, policy: &ThrottlePolicy) -> Self {
        Self::of([(format!("ip:{ip}"), policy.max_per_ip)])
    }

    /// Asking for a mailed link: every request counts, known email or not,
    /// so that it bounds the mail (and rows) anyone can make us produce.
    pub fn link_request(email: &str, ip: &str) -> Self {
        Self::of([
            (format!("link:{}", normalize_email(email)), LINKS_PER_EMAIL),
            (format!("link-ip:{ip}"), LINKS_PER_IP),
        ])
    }

    /// Also counts the request under `key` with `limit` per `window` (the
    /// sign-up form's "a few per address per hour").
    pub fn and_per(mut self, key: String, limit: u32, window: Duration) -> Self {
        self.limits.push((key, limit, Some(window)));
        self
    }

    /// Every key with its limit and window (`window` unless it has its own).
    fn all(&self, window: Duration) -> impl Iterator<Item = (&str, u32, Duration)> {
        self.limits.iter().map(move |(k, l, w)| (k.as_str(), *l, w.unwrap_or(window)))
    }

    /// Following a link that is not (or no longer) valid.
    pub fn bad_link(ip: &str) -> Self {
        Self::of([(format!("bad-link-ip:{ip}"), BAD_LINKS_PER_IP)])
    }
}

/// `Some(seconds)` to wait when either key has reached its limit in the window.
pub fn retry_after(conn: &mut DbConnection, keys: &Keys, now: Timestamp, window: Duration) -> QueryResult<Option<u64>> {
    let mut wait: Option<u64> = None;
    for (key, limit, window) in keys.all(window) {
        let recent: Vec<Timestamp> = login_failures::table
            .filter(login_failures::throttle_key.eq(key))
            .filter(login_failures::failed_at.gt(now - window))
            .order(login_failures::failed_at.desc())
            .limit(i64::from(limit))
            .select(login_failures::failed_at)
            .load(conn)?;
        if limit == 0 || recent.len() < limit as usize {
            continue;
        }
        // The key is free again once the oldest of the last `limit` failures leaves the window.
        let oldest = recent.last().copied().unwrap_or(now);
        let secs = (oldest + window - now).whole_seconds().max(1) as u64;
        wait = Some(wait.map_or(secs, |w| w.max(secs)));
    }
    Ok(wait)
}

/// Counts one attempt under every key; returns the rows written, so that a
/// reserved attempt that succeeds can be given back.
pub fn record_failure(conn: &mut DbConnection, keys: &Keys, now: Timestamp) -> QueryResult<Vec<String>> {
    let mut ids = Vec::with_capacity(keys.limits.len());
    for (key, _, _) in keys.all(Duration::ZERO) {
        let id = new_id();
        diesel::insert_into(login_failures::table)
            .values((
                login_failures::id.eq(&id),
                login_failures::throttle_key.eq(key),
                login_failures::failed_at.eq(now),
            ))
            .execute(conn)?;
        ids.push(id);
    }
    Ok(ids)
}

/// Makes attempts under these keys take turns until the transaction ends,
/// so that "count, then reserve a slot" cannot interleave: of 30 attempts at
/// once, only as many as the limit get a slot.
pub fn lock(conn: &mut DbConnection, keys: &Keys) -> QueryResult<()> {
    let mut names: Vec<&str> = keys.all(Duration::ZERO).map(|(k, _, _)| k).collect();
    names.sort_unstable(); // one order everywhere: no deadlock between two locks
    for name in names {
        crate::db::lock_name(conn, name)?;
    }
    Ok(())
}

/// Checks the limits and, if none is reached, reserves one attempt under
/// every key, in the caller's transaction (take `lock` first). `Err(seconds)`:
/// throttled, nothing written.
pub fn reserve(
    conn: &mut DbConnection,
    keys: &Keys,
    now: Timestamp,
    window: Duration,
) -> QueryResult<Result<Vec<String>, u64>> {
    lock(conn, keys)?;
    if let Some(secs) = retry_after(conn, keys, now, window)? {
        return Ok(Err(secs));
    }
    Ok(Ok(record_failure(conn, keys, now)?))
}

/// A reserved attempt that succeeded is not a failure.
pub fn give_back(conn: &mut DbConnection, slots: &[String]) -> QueryResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::id.eq_any(slots))).execute(conn)?;
    Ok(())
}

/// A successful sign-in resets the account's count (not the IP's).
pub fn clear_account(conn: &mut DbConnection, keys: &Keys) -> QueryResult<()> {
    if let Some((account, _, _)) = keys.limits.first() {
        diesel::delete(login_failures::table.filter(login_failures::throttle_key.eq(account))).execute(conn)?;
    }
    Ok(())
}
