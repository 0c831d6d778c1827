//! Single-use links sent by mail: sign-up verification, invitations and
//! password resets. A token is 256 random bits; only its SHA-256 hash is
//! stored. It is spent by a conditional update (`used_at IS NULL` and not
//! expired), so of two clicks at once exactly one wins.

use diesel::prelude::*;
use time::Duration;

use super::tokens::{hash_refresh_token as sha256_hex, new_refresh_token as new_token};
use crate::clock::Timestamp;
use crate::db::DbConnection;
use crate::db::schema::link_tokens;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Proves a sign-up's email; the account is created when it is followed.
    Verify,
    /// HR invites the person on an employee record.
    Invite,
    /// Choose a new password.
    Reset,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Verify => "verify",
            Purpose::Invite => "invite",
            Purpose::Reset => "reset",
        }
    }

    /// How long a link of this kind can be followed.
    pub fn lifetime(self) -> Duration {
        match self {
            Purpose::Verify => Duration::hours(24),
            Purpose::Invite => Duration::days(7),
            Purpose::Reset => Duration::hours(1),
        }
    }
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = link_tokens)]
pub struct LinkToken {
    pub token_hash: String,
    pub purpose: String,
    pub email: String,
    pub full_name: String,
    pub user_id: Option<String>,
    pub employee_id: Option<String>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
}

/// Whom a link is for.
#[derive(Clone, Debug, Default)]
pub struct Subject {
    pub email: String,
    pub full_name: String,
    pub user_id: Option<String>,
    pub employee_id: Option<String>,
}

/// Why a link cannot be followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkProblem {
    /// Malformed, or never issued (or for another purpose).
    Unknown,
    Expired,
    /// Followed already, or replaced by a newer link, or cancelled by a sign-in.
    Used,
}

/// Base64url of 32 bytes, as `new_token` makes them.
fn well_formed(token: &str) -> bool {
    super::tokens::is_token_shaped(token)
}

/// Issues a new link and returns its token (to be mailed, never stored).
/// Earlier unused links of the same purpose for the same person stop working.
pub fn issue(conn: &mut DbConnection, purpose: Purpose, subject: &Subject, now: Timestamp) -> QueryResult<String> {
    let earlier = link_tokens::table
        .filter(link_tokens::purpose.eq(purpose.as_str()))
        .filter(link_tokens::used_at.is_null())
        .filter(link_tokens::email.eq(&subject.email));
    diesel::update(earlier).set(link_tokens::used_at.eq(now)).execute(conn)?;
    if let Some(user_id) = &subject.user_id {
        void_for_user(conn, purpose, user_id, now)?;
    }
    if let Some(employee_id) = &subject.employee_id {
        let earlier = link_tokens::table
            .filter(link_tokens::purpose.eq(purpose.as_str()))
            .filter(link_tokens::used_at.is_null())
            .filter(link_tokens::employee_id.eq(employee_id));
        diesel::update(earlier).set(link_tokens::used_at.eq(now)).execute(conn)?;
    }
    let token = new_token();
    diesel::insert_into(link_tokens::table)
        .values((
            link_tokens::token_hash.eq(sha256_hex(&token)),
            link_tokens::purpose.eq(purpose.as_str()),
            link_tokens::email.eq(&subject.email),
            link_tokens::full_name.eq(&subject.full_name),
            link_tokens::user_id.eq(&subject.user_id),
            link_tokens::employee_id.eq(&subject.employee_id),
            link_tokens::created_at.eq(now),
            link_tokens::expires_at.eq(now + purpose.lifetime()),
        ))
        .execute(conn)?;
    Ok(token)
}

fn find(conn: &mut DbConnection, purpose: Purpose, token: &str) -> QueryResult<Option<LinkToken>> {
    if !well_formed(token) {
        return Ok(None);
    }
    link_tokens::table
        .find(sha256_hex(token))
        .filter(link_tokens::purpose.eq(purpose.as_str()))
        .select(LinkToken::as_select())
        .first(conn)
        .optional()
}

/// Whether the link can still be followed, without spending it (the page
/// that asks for a password).
pub fn check(
    conn: &mut DbConnection,
    purpose: Purpose,
    token: &str,
    now: Timestamp,
) -> QueryResult<Result<LinkToken, LinkProblem>> {
    Ok(match find(conn, purpose, token)? {
        None => Err(LinkProblem::Unknown),
        Some(link) if link.used_at.is_some() => Err(LinkProblem::Used),
        Some(link) if link.expires_at <= now => Err(LinkProblem::Expired),
        Some(link) => Ok(link),
    })
}

/// Spends the link: exactly one caller gets `Ok`. Call inside the
/// transaction that does what the link allows, so that a refusal later in
/// it leaves the link unspent.
pub fn spend(
    conn: &mut DbConnection,
    purpose: Purpose,
    token: &str,
    now: Timestamp,
) -> QueryResult<Result<LinkToken, LinkProblem>> {
    if !well_formed(token) {
        return Ok(Err(LinkProblem::Unknown));
    }
    let won = diesel::update(
        link_tokens::table
            .filter(link_tokens::token_hash.eq(sha256_hex(token)))
            .filter(link_tokens::purpose.eq(purpose.as_str()))
            .filter(link_tokens::used_at.is_null())
            .filter(link_tokens::expires_at.gt(now)),
    )
    .set(link_tokens::used_at.eq(now))
    .execute(conn)?;
    Ok(match find(conn, purpose, token)? {
        None => Err(LinkProblem::Unknown),
        Some(link) if won == 1 => Ok(link),
        Some(link) if link.used_at.is_some() => Err(LinkProblem::Used),
        Some(_) => Err(LinkProblem::Expired),
    })
}

/// Every unused link of this purpose for this account stops working (a
/// sign-in cancels password resets).
pub fn void_for_user(conn: &mut DbConnection, purpose: Purpose, user_id: &str, now: Timestamp) -> QueryResult<usize> {
    diesel::update(
        link_tokens::table
            .filter(link_tokens::purpose.eq(purpose.as_str()))
            .filter(link_tokens::used_at.is_null())
            .filter(link_tokens::user_id.eq(user_id)),
    )
    .set(link_tokens::used_at.eq(now))
    .execute(conn)
}

/// Links that expired before `before` are deleted.
pub fn prune(conn: &mut DbConnection, before: Timestamp) -> QueryResult<usize> {
    diesel::delete(link_tokens::table.filter(link_tokens::expires_at.lt(before))).execute(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tokens_shaped_like_ours_are_looked_up() {
        assert!(well_formed(&new_token()));
        assert!(!well_formed(""));
        assert!(!well_formed(&"a".repeat(44)));
        assert!(!well_formed(&format!("{}%", "a".repeat(42))));
        assert!(!well_formed(&format!("{}\0", "a".repeat(42))));
    }
}
