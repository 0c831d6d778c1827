//! Browsers an account has signed in from. Each browser carries a random id
//! in a long-lived cookie; the database keeps its hash per account, so that
//! a sign-in from a browser not seen before can be told to the account's
//! owner by mail, and so that failures from elsewhere do not lock it out
//! (`throttle::Keys::trusted_device`). Signing out clears the site's cookies
//! (`Clear-Site-Data`, see `handlers::auth::logout`), the browser id with
//! them: for the new-browser notice, a browser without the cookie still
//! counts as known when a session of the account came from the same browser
//! (user agent) and address in the last 30 days; the throttle trusts only
//! the cookie.

use diesel::prelude::*;

use super::tokens::{hash_refresh_token as sha256_hex, new_refresh_token};
use crate::clock::Timestamp;
use crate::db::DbConnection;
use crate::db::schema::{known_devices, sessions};

/// A new browser id for the device cookie.
pub fn new_device_id() -> String {
    new_refresh_token()
}

/// Only ids shaped like ours are honoured (base64url, 43 characters).
pub fn is_device_id(value: &str) -> bool {
    super::tokens::is_token_shaped(value)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seen {
    /// This browser has signed in to this account before.
    Known,
    /// The account's first browser: nothing to warn about.
    First,
    /// A browser not seen before on an account used elsewhere already.
    New,
}

/// How far back a session from the same browser and address vouches for it.
const SAME_BROWSER_WINDOW: time::Duration = time::Duration::days(30);

/// Records that `device_id` signed in to `user_id` (from `user_agent` at
/// `ip`) and says whether it was seen before. Call before the new session is
/// created, so that it does not vouch for itself.
pub fn remember(
    conn: &mut DbConnection,
    user_id: &str,
    device_id: &str,
    user_agent: &str,
    ip: &str,
    now: Timestamp,
) -> QueryResult<Seen> {
    let hash = sha256_hex(device_id);
    let touched = diesel::update(known_devices::table.find((user_id, &hash)))
        .set(known_devices::last_seen_at.eq(now))
        .execute(conn)?;
    if touched == 1 {
        return Ok(Seen::Known);
    }
    let others: i64 = known_devices::table.filter(known_devices::user_id.eq(user_id)).count().get_result(conn)?;
    let same_browser: i64 = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::user_agent.eq(user_agent))
        .filter(sessions::ip.eq(ip))
        .filter(sessions::created_at.gt(now - SAME_BROWSER_WINDOW))
        .count()
        .get_result(conn)?;
    diesel::insert_into(known_devices::table)
        .values((
            known_devices::user_id.eq(user_id),
            known_devices::device_hash.eq(&hash),
            known_devices::first_seen_at.eq(now),
            known_devices::last_seen_at.eq(now),
        ))
        .execute(conn)?;
    Ok(if others == 0 {
        Seen::First
    } else if same_browser > 0 {
        Seen::Known
    } else {
        Seen::New
    })
}

/// Whether this browser has signed in to this account before (its cookie,
/// not the user-agent guess: the throttle trusts only the cookie).
pub fn is_known(conn: &mut DbConnection, user_id: &str, device_id: &str) -> QueryResult<bool> {
    let hash = sha256_hex(device_id);
    let n: i64 = known_devices::table.find((user_id, &hash)).count().get_result(conn)?;
    Ok(n == 1)
}

/// Browsers not seen for longer than the retention are forgotten.
pub fn prune(conn: &mut DbConnection, before: Timestamp) -> QueryResult<usize> {
    diesel::delete(known_devices::table.filter(known_devices::last_seen_at.lt(before))).execute(conn)
}
