//! Calendar feeds: one secret address per account, kept as the SHA-256 hash
//! of its token (see `domain::leave::feed`).

use diesel::prelude::*;

use crate::clock::Timestamp;
use crate::db::DbConnection;
use crate::db::schema::{calendar_feeds, users};
use crate::models::user::User;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = calendar_feeds)]
pub struct CalendarFeed {
    pub user_id: String,
    pub token_hash: String,
    pub created_at: Timestamp,
    /// When a calendar app last read it.
    pub last_read_at: Option<Timestamp>,
}

/// The feed of `user_id`, if they have one.
pub fn of_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<Option<CalendarFeed>> {
    calendar_feeds::table.find(user_id).select(CalendarFeed::as_select()).first(conn).optional()
}

/// Gives `user_id` a feed with `token_hash`, replacing the one they had (whose
/// address stops working); whether it replaced one. Run inside a transaction: the account's row is
/// locked first, so two renewals at once run one after the other instead of
/// both inserting.
pub fn replace(conn: &mut DbConnection, user_id: &str, token_hash: &str, now: Timestamp) -> QueryResult<bool> {
    diesel::update(users::table.find(user_id)).set(users::updated_at.eq(users::updated_at)).execute(conn)?;
    let replaced = remove(conn, user_id)?;
    diesel::insert_into(calendar_feeds::table)
        .values((
            calendar_feeds::user_id.eq(user_id),
            calendar_feeds::token_hash.eq(token_hash),
            calendar_feeds::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(replaced)
}

/// Stops `user_id`'s feed; whether there was one.
pub fn remove(conn: &mut DbConnection, user_id: &str) -> QueryResult<bool> {
    Ok(diesel::delete(calendar_feeds::table.find(user_id)).execute(conn)? > 0)
}

/// The feed with `token_hash` and its account.
pub fn with_owner(conn: &mut DbConnection, token_hash: &str) -> QueryResult<Option<(CalendarFeed, User)>> {
    calendar_feeds::table
        .inner_join(users::table)
        .filter(calendar_feeds::token_hash.eq(token_hash))
        .select((CalendarFeed::as_select(), User::as_select()))
        .first(conn)
        .optional()
}

/// Notes that the feed was read at `now`.
pub fn mark_read(conn: &mut DbConnection, user_id: &str, now: Timestamp) -> QueryResult<()> {
    diesel::update(calendar_feeds::table.find(user_id)).set(calendar_feeds::last_read_at.eq(now)).execute(conn)?;
    Ok(())
}
