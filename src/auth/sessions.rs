//! Sessions are refresh-token families kept in the database. Refreshing checks
//! three things (the token exists, its session is not revoked, not expired),
//! then rotates it; a rotated token presented again after the grace interval
//! is reuse and ends the whole session.

use diesel::prelude::*;

use super::tokens::{hash_refresh_token, new_refresh_token};
use crate::clock::Timestamp;
use crate::config::SessionPolicy;
use crate::db::DbConnection;
use crate::db::schema::{refresh_tokens, sessions, users};
use crate::models::audit::{self, Event};
use crate::models::new_id;
use crate::models::user::User;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub user_agent: String,
    pub ip: String,
    pub created_at: Timestamp,
    pub last_used_at: Timestamp,
    pub idle_expires_at: Timestamp,
    pub absolute_expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    pub revoked_reason: Option<String>,
    /// Started with "Keep me signed in on this device": the long lifetimes.
    pub remember: bool,
    /// `web` or `api`: see `Door`.
    pub kind: String,
}

/// The door a session was opened through. Its refresh token works only at
/// that door: an API refresh token sent as a page cookie (or the reverse) is
/// refused, as its access tokens are (`tokens::Audience`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Door {
    Web,
    Api,
}

impl Door {
    pub fn as_str(self) -> &'static str {
        match self {
            Door::Web => "web",
            Door::Api => "api",
        }
    }

    pub fn audience(self) -> super::tokens::Audience {
        match self {
            Door::Web => super::tokens::Audience::Web,
            Door::Api => super::tokens::Audience::Api,
        }
    }
}

impl Session {
    pub fn door(&self) -> Door {
        if self.kind == Door::Api.as_str() { Door::Api } else { Door::Web }
    }

    pub fn is_live(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && now < self.idle_expires_at && now < self.absolute_expires_at
    }
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
struct RefreshTokenRow {
    session_id: String,
    used_at: Option<Timestamp>,
}

/// Why a session ended; stored in `revoked_reason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevokeReason {
    Logout,
    RefreshReuse,
    RoleChanged,
    /// Ended from the person's own list of sessions.
    SignedOutByUser,
    /// Every other session ends when the password changes.
    PasswordChanged,
    /// The account was deactivated by an admin.
    Deactivated,
    /// An admin signed the person out everywhere.
    SignedOutByAdmin,
    /// The account had more live sessions than allowed: the oldest ended.
    SessionLimit,
}

impl RevokeReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RevokeReason::Logout => "logout",
            RevokeReason::RefreshReuse => "refresh_reuse",
            RevokeReason::RoleChanged => "role_changed",
            RevokeReason::SignedOutByUser => "signed_out_by_user",
            RevokeReason::PasswordChanged => "password_changed",
            RevokeReason::Deactivated => "deactivated",
            RevokeReason::SignedOutByAdmin => "signed_out_by_admin",
            RevokeReason::SessionLimit => "session_limit",
        }
    }
}

/// A refresh token handed to the browser, and until when it is good.
#[derive(Clone, Debug)]
pub struct IssuedRefresh {
    pub token: String,
    pub expires_at: Timestamp,
}

/// Starts a session for `user_id` and issues its first refresh token.
/// Call inside the transaction that also records the sign-in.
#[allow(clippy::too_many_arguments)]
pub fn create(
    conn: &mut DbConnection,
    door: Door,
    user_id: &str,
    user_agent: &str,
    ip: &str,
    now: Timestamp,
    policy: &SessionPolicy,
    remember: bool,
) -> QueryResult<(Session, IssuedRefresh)> {
    let (idle, max_age) = policy.lifetimes(remember);
    let absolute = now + max_age;
    let session = Session {
        id: new_id(),
        user_id: user_id.to_owned(),
        user_agent: user_agent.chars().take(400).collect(),
        ip: ip.to_owned(),
        created_at: now,
        last_used_at: now,
        idle_expires_at: (now + idle).min(absolute),
        absolute_expires_at: absolute,
        revoked_at: None,
        revoked_reason: None,
        remember,
        kind: door.as_str().to_owned(),
    };
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(&session.id),
            sessions::user_id.eq(&session.user_id),
            sessions::user_agent.eq(&session.user_agent),
            sessions::ip.eq(&session.ip),
            sessions::created_at.eq(session.created_at),
            sessions::last_used_at.eq(session.last_used_at),
            sessions::idle_expires_at.eq(session.idle_expires_at),
            sessions::absolute_expires_at.eq(session.absolute_expires_at),
            sessions::remember.eq(session.remember),
            sessions::kind.eq(&session.kind),
        ))
        .execute(conn)?;
    let token = insert_token(conn, &session.id, now)?;
    let issued = IssuedRefresh { token, expires_at: session.idle_expires_at };
    Ok((session, issued))
}

/// Ends the oldest live sessions of `user_id` beyond the newest `cap`, so
/// that nobody (a script signing in in a loop, say) can pile up sessions;
/// returns the ids ended. Call after `create`, in its transaction.
pub fn end_beyond_cap(conn: &mut DbConnection, user_id: &str, cap: usize, now: Timestamp) -> QueryResult<Vec<String>> {
    let live: Vec<String> = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::idle_expires_at.gt(now))
        .filter(sessions::absolute_expires_at.gt(now))
        .order((sessions::created_at.desc(), sessions::id.desc()))
        .select(sessions::id)
        .load(conn)?;
    let mut ended = Vec::new();
    for id in live.into_iter().skip(cap.max(1)) {
        if revoke(conn, &id, RevokeReason::SessionLimit, now)? {
            ended.push(id);
        }
    }
    Ok(ended)
}

fn insert_token(conn: &mut DbConnection, session_id: &str, now: Timestamp) -> QueryResult<String> {
    let token = new_refresh_token();
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::token_hash.eq(hash_refresh_token(&token)),
            refresh_tokens::session_id.eq(session_id),
            refresh_tokens::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(token)
}

/// What presenting a refresh token led to.
#[derive(Debug)]
pub enum Refresh {
    /// This request won the rotation: set the new refresh token.
    Rotated { user: User, session_id: String, refresh: IssuedRefresh },
    /// Another request rotated this token moments ago (two tabs): serve the page
    /// with a new access token, but leave the winner's refresh cookie alone.
    Grace { user: User, session_id: String },
    /// A rotated token came back after the grace interval: the session is now revoked.
    Reused { session_id: String },
    /// Unknown, revoked or expired: sign the browser out.
    Invalid,
}

pub fn refresh(
    conn: &mut DbConnection,
    door: Door,
    presented: &str,
    now: Timestamp,
    policy: &SessionPolicy,
    ip: &str,
) -> QueryResult<Refresh> {
    let hash = hash_refresh_token(presented);
    // 1. It exists.
    let Some(token) = refresh_tokens::table.find(&hash).select(RefreshTokenRow::as_select()).first(conn).optional()?
    else {
        return Ok(Refresh::Invalid);
    };
    let (session, user) = sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(&token.session_id))
        .select((Session::as_select(), User::as_select()))
        .first::<(Session, User)>(conn)?;
    // 2. Not revoked, 3. not expired (idle or absolute); and the account is
    // still active, and the token came through the door its session opened at.
    if !session.is_live(now) || !user.active || session.door() != door {
        return Ok(Refresh::Invalid);
    }

    let used_at = match token.used_at {
        Some(used_at) => used_at,
        None => match rotate(conn, &hash, &session, now, policy)? {
            Some(refresh) => {
                return Ok(Refresh::Rotated { user, session_id: session.id, refresh });
            }
            // Lost the race: the winner's used_at decides grace or reuse.
            None => match refresh_tokens::table.find(&hash).select(refresh_tokens::used_at).first(conn)? {
                Some(used_at) => used_at,
                None => return Ok(Refresh::Invalid),
            },
        },
    };
    if now - used_at <= policy.reuse_grace {
        return Ok(Refresh::Grace { user, session_id: session.id });
    }
    conn.transaction(|conn| {
        revoke(conn, &session.id, RevokeReason::RefreshReuse, now)?;
        audit::record(
            conn,
            now,
            Event::RefreshReuse,
            audit::Who::account(&user.id, Some(&session.id), Some(ip)).entry(),
        )
    })?;
    Ok(Refresh::Reused { session_id: session.id })
}

/// Marks `hash` used and issues its successor, in one transaction. The
/// conditional update lets exactly one of several concurrent requests win;
/// it runs first so SQLite takes the write lock before reading anything.
fn rotate(
    conn: &mut DbConnection,
    hash: &str,
    session: &Session,
    now: Timestamp,
    policy: &SessionPolicy,
) -> QueryResult<Option<IssuedRefresh>> {
    conn.transaction(|conn| {
        let live_sessions = sessions::table.filter(sessions::revoked_at.is_null()).select(sessions::id);
        let won = diesel::update(
            refresh_tokens::table
                .filter(refresh_tokens::token_hash.eq(hash))
                .filter(refresh_tokens::used_at.is_null())
                .filter(refresh_tokens::session_id.eq_any(live_sessions)),
        )
        .set(refresh_tokens::used_at.eq(now))
        .execute(conn)?;
        if won != 1 {
            return Ok(None);
        }
        let token = insert_token(conn, &session.id, now)?;
        let idle_expires_at = (now + policy.lifetimes(session.remember).0).min(session.absolute_expires_at);
        diesel::update(sessions::table.find(&session.id))
            .set((sessions::last_used_at.eq(now), sessions::idle_expires_at.eq(idle_expires_at)))
            .execute(conn)?;
        Ok(Some(IssuedRefresh { token, expires_at: idle_expires_at }))
    })
}

/// Ends a session. `false` if it was already ended.
pub fn revoke(conn: &mut DbConnection, session_id: &str, reason: RevokeReason, now: Timestamp) -> QueryResult<bool> {
    let n = diesel::update(sessions::table.find(session_id).filter(sessions::revoked_at.is_null()))
        .set((sessions::revoked_at.eq(now), sessions::revoked_reason.eq(reason.as_str())))
        .execute(conn)?;
    if n == 1 {
        crate::db::notify_revoked(conn, &[session_id.to_owned()])?;
    }
    Ok(n == 1)
}

/// Ends every live session of a user; returns their ids.
pub fn revoke_all_for_user(
    conn: &mut DbConnection,
    user_id: &str,
    reason: RevokeReason,
    now: Timestamp,
) -> QueryResult<Vec<String>> {
    conn.transaction(|conn| {
        let ids: Vec<String> = sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::revoked_at.is_null())
            .select(sessions::id)
            .load(conn)?;
        diesel::update(sessions::table.filter(sessions::id.eq_any(&ids)))
            .set((sessions::revoked_at.eq(now), sessions::revoked_reason.eq(reason.as_str())))
            .execute(conn)?;
        crate::db::notify_revoked(conn, &ids)?;
        Ok(ids)
    })
}

/// Sessions revoked at or after `since`, for the revocation poller.
pub fn revoked_since(conn: &mut DbConnection, since: Timestamp) -> QueryResult<Vec<(String, Timestamp)>> {
    sessions::table
        .filter(sessions::revoked_at.ge(since))
        .select((sessions::id, sessions::revoked_at.assume_not_null()))
        .load(conn)
}

/// Sessions neither revoked nor expired.
pub fn count_live(conn: &mut DbConnection, now: Timestamp) -> QueryResult<i64> {
    sessions::table
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::idle_expires_at.gt(now))
        .filter(sessions::absolute_expires_at.gt(now))
        .count()
        .get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Session> {
    sessions::table.find(id).select(Session::as_select()).first(conn)
}

/// A user's sessions that can still be used (not revoked, not expired), most
/// recently active first.
pub fn live_for_user(conn: &mut DbConnection, user_id: &str, now: Timestamp) -> QueryResult<Vec<Session>> {
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::idle_expires_at.gt(now))
        .filter(sessions::absolute_expires_at.gt(now))
        .order((sessions::last_used_at.desc(), sessions::created_at.desc(), sessions::id))
        .select(Session::as_select())
        .load(conn)
}

/// Ends one session only if it belongs to `user_id`. `false` when it does
/// not, does not exist, or had already ended. The update comes first so that
/// SQLite takes its write lock before anything is read.
pub fn revoke_for_user(
    conn: &mut DbConnection,
    session_id: &str,
    user_id: &str,
    reason: RevokeReason,
    now: Timestamp,
) -> QueryResult<bool> {
    let n = diesel::update(
        sessions::table.find(session_id).filter(sessions::user_id.eq(user_id)).filter(sessions::revoked_at.is_null()),
    )
    .set((sessions::revoked_at.eq(now), sessions::revoked_reason.eq(reason.as_str())))
    .execute(conn)?;
    if n == 1 {
        crate::db::notify_revoked(conn, &[session_id.to_owned()])?;
    }
    Ok(n == 1)
}

/// Ends every session of a user except `keep`; returns the ids ended. One
/// statement, so SQLite takes its write lock before anything is read.
pub fn revoke_others_for_user(
    conn: &mut DbConnection,
    user_id: &str,
    keep: &str,
    reason: RevokeReason,
    now: Timestamp,
) -> QueryResult<Vec<String>> {
    let ids: Vec<String> = diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::id.ne(keep))
            .filter(sessions::revoked_at.is_null()),
    )
    .set((sessions::revoked_at.eq(now), sessions::revoked_reason.eq(reason.as_str())))
    .returning(sessions::id)
    .get_results(conn)?;
    crate::db::notify_revoked(conn, &ids)?;
    Ok(ids)
}
