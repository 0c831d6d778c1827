//! The outbox: messages written in the transaction of the change that caused
//! them, delivered later by `mail::sender`. A row is claimed by one sender at
//! a time with a conditional update (like a refresh-token rotation), so
//! several instances never deliver the same message twice.

use diesel::prelude::*;

use crate::clock::Timestamp;
use crate::db::DbConnection;
use crate::db::schema::outbox;
use crate::error::{AppError, AppResult};
use crate::mail::{Letter, MailContext};

pub const QUEUED: &str = "queued";
pub const SENDING: &str = "sending";
pub const SENT: &str = "sent";
pub const FAILED: &str = "failed";

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: String,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub sensitive: bool,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Timestamp,
    pub claimed_by: Option<String>,
    pub claimed_until: Option<Timestamp>,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
}

/// What the Admins' page shows of a message: never its body.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxSummary {
    pub id: String,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Timestamp,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
}

/// Writes `letter` to the outbox; call inside the transaction of the change
/// that causes it, so that both land or neither does.
pub fn enqueue(conn: &mut DbConnection, ctx: &MailContext, letter: &Letter, now: Timestamp) -> AppResult<()> {
    let (text, html) = letter.render(ctx).map_err(|e| AppError::Internal(anyhow::anyhow!("mail template: {e}")))?;
    diesel::insert_into(outbox::table)
        .values((
            outbox::id.eq(super::new_id()),
            outbox::kind.eq(letter.kind.as_str()),
            outbox::recipient.eq(&letter.to),
            outbox::subject.eq(&letter.subject),
            outbox::text_body.eq(text),
            outbox::html_body.eq(html),
            outbox::sensitive.eq(letter.kind.is_sensitive()),
            outbox::status.eq(QUEUED),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Rows a sender may take: queued and due, or claimed by a sender whose
/// lease ran out (it stopped, or lost its connection, mid-delivery).
macro_rules! claimable {
    ($now:expr) => {
        outbox::status
            .eq(QUEUED)
            .and(outbox::next_attempt_at.le($now))
            .or(outbox::status.eq(SENDING).and(outbox::claimed_until.lt($now)))
    };
}

/// Claims up to `limit` due messages for `sender` until `now + lease`. Each
/// row is taken with a conditional update: of two senders racing for it,
/// exactly one sees one row changed, and only that one delivers it.
pub fn claim_due(
    conn: &mut DbConnection,
    sender: &str,
    now: Timestamp,
    lease: time::Duration,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    let candidates: Vec<String> = outbox::table
        .filter(claimable!(now))
        .order(outbox::next_attempt_at.asc())
        .limit(limit)
        .select(outbox::id)
        .load(conn)?;
    let mut claimed = Vec::with_capacity(candidates.len());
    for id in candidates {
        let won = diesel::update(outbox::table.filter(outbox::id.eq(&id)).filter(claimable!(now)))
            .set((
                outbox::status.eq(SENDING),
                outbox::claimed_by.eq(sender),
                outbox::claimed_until.eq(now + lease),
                outbox::attempts.eq(outbox::attempts + 1),
            ))
            .execute(conn)?;
        if won == 1 {
            claimed.push(outbox::table.find(&id).select(OutboxRow::as_select()).first(conn)?);
        }
    }
    Ok(claimed)
}

/// Delivered: a message with a sign-in link keeps no copy of it.
pub fn mark_sent(conn: &mut DbConnection, id: &str, sender: &str, now: Timestamp) -> QueryResult<()> {
    let mine = outbox::table.filter(outbox::id.eq(id)).filter(outbox::claimed_by.eq(sender));
    diesel::update(mine)
        .set((
            outbox::status.eq(SENT),
            outbox::sent_at.eq(now),
            outbox::claimed_until.eq(None::<Timestamp>),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    diesel::update(mine.filter(outbox::sensitive.eq(true)))
        .set((outbox::text_body.eq(""), outbox::html_body.eq("")))
        .execute(conn)?;
    Ok(())
}

/// Not delivered: try again at `retry_at`, or give up when it is `None`.
pub fn mark_failed(
    conn: &mut DbConnection,
    id: &str,
    sender: &str,
    error: &str,
    retry_at: Option<Timestamp>,
) -> QueryResult<()> {
    let error: String = error.chars().take(500).collect();
    let mine = outbox::table.filter(outbox::id.eq(id)).filter(outbox::claimed_by.eq(sender));
    match retry_at {
        Some(at) => diesel::update(mine)
            .set((
                outbox::status.eq(QUEUED),
                outbox::next_attempt_at.eq(at),
                outbox::claimed_until.eq(None::<Timestamp>),
                outbox::last_error.eq(error),
            ))
            .execute(conn)?,
        None => diesel::update(mine)
            .set((outbox::status.eq(FAILED), outbox::claimed_until.eq(None::<Timestamp>), outbox::last_error.eq(error)))
            .execute(conn)?,
    };
    Ok(())
}

/// An Admin asks for a failed message to be tried again now. `false`: it
/// was not failed (or sensitive and too old to be of use any more).
pub fn retry(conn: &mut DbConnection, id: &str, now: Timestamp) -> QueryResult<bool> {
    let changed = diesel::update(outbox::table.filter(outbox::id.eq(id)).filter(outbox::status.eq(FAILED)))
        .set((outbox::status.eq(QUEUED), outbox::next_attempt_at.eq(now), outbox::attempts.eq(0)))
        .execute(conn)?;
    Ok(changed == 1)
}

pub const PAGE_SIZE: i64 = 50;

/// Newest first, optionally only one status.
pub fn page(conn: &mut DbConnection, status: Option<&str>, limit: i64, offset: i64) -> QueryResult<Vec<OutboxSummary>> {
    let mut query = outbox::table.select(OutboxSummary::as_select()).into_boxed();
    if let Some(status) = status {
        query = query.filter(outbox::status.eq(status.to_owned()));
    }
    query.order((outbox::created_at.desc(), outbox::id.desc())).limit(limit).offset(offset).load(conn)
}

pub fn count(conn: &mut DbConnection, status: Option<&str>) -> QueryResult<i64> {
    let mut query = outbox::table.count().into_boxed();
    if let Some(status) = status {
        query = query.filter(outbox::status.eq(status.to_owned()));
    }
    query.get_result(conn)
}

/// Delivered and abandoned messages older than `before` are deleted.
pub fn prune(conn: &mut DbConnection, before: Timestamp) -> QueryResult<usize> {
    diesel::delete(outbox::table.filter(outbox::status.eq_any([SENT, FAILED])).filter(outbox::created_at.lt(before)))
        .execute(conn)
}
