//! Sign-in throttling per account and per client IP, counted in the database
//! so that every instance sees the same numbers.

use diesel::prelude::*;

use crate::clock::Timestamp;
use crate::config::ThrottlePolicy;
use crate::db::DbConnection;
use crate::db::schema::login_failures;
use crate::models::new_id;
use crate::models::user::normalize_email;

/// The keys a sign-in attempt is counted under, with their limits.
pub struct Keys {
    account: String,
    ip: String,
}

impl Keys {
    /// Accounts are counted by email whether or not they exist, so that the
    /// throttle says nothing about which emails have accounts.
    pub fn new(email: &str, ip: &str) -> Self {
        Self { account: format!("account:{}", normalize_email(email)), ip: format!("ip:{ip}") }
    }

    fn with_limits(&self, policy: &ThrottlePolicy) -> [(&str, u32); 2] {
        [(&self.account, policy.max_per_account), (&self.ip, policy.max_per_ip)]
    }
}

/// `Some(seconds)` to wait when either key has reached its limit in the window.
pub fn retry_after(
    conn: &mut DbConnection,
    keys: &Keys,
    now: Timestamp,
    policy: &ThrottlePolicy,
) -> QueryResult<Option<u64>> {
    let mut wait: Option<u64> = None;
    for (key, limit) in keys.with_limits(policy) {
        let recent: Vec<Timestamp> = login_failures::table
            .filter(login_failures::throttle_key.eq(key))
            .filter(login_failures::failed_at.gt(now - policy.window))
            .order(login_failures::failed_at.desc())
            .limit(i64::from(limit))
            .select(login_failures::failed_at)
            .load(conn)?;
        if limit == 0 || recent.len() < limit as usize {
            continue;
        }
        // The key is free again once the oldest of the last `limit` failures leaves the window.
        let oldest = recent.last().copied().unwrap_or(now);
        let secs = (oldest + policy.window - now).whole_seconds().max(1) as u64;
        wait = Some(wait.map_or(secs, |w| w.max(secs)));
    }
    Ok(wait)
}

pub fn record_failure(conn: &mut DbConnection, keys: &Keys, now: Timestamp) -> QueryResult<()> {
    for key in [&keys.account, &keys.ip] {
        diesel::insert_into(login_failures::table)
            .values((
                login_failures::id.eq(new_id()),
                login_failures::throttle_key.eq(key),
                login_failures::failed_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A successful sign-in resets the account's count (not the IP's).
pub fn clear_account(conn: &mut DbConnection, keys: &Keys) -> QueryResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::throttle_key.eq(&keys.account))).execute(conn)?;
    Ok(())
}
