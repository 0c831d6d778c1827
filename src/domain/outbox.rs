//! What Admins see of outgoing mail: each message's status, attempts and
//! last error (never its body), and sending a failed one again.

use crate::access::{Action, Actor};
use crate::display::Pager;
use crate::error::{AppError, AppResult};
use crate::models::audit::{self, Event, Who};
use crate::models::outbox::{self, FAILED, OutboxSummary, QUEUED, SENDING, SENT};
use crate::state::AppState;

/// The statuses one can filter by.
pub const STATUSES: [&str; 4] = [QUEUED, SENDING, SENT, FAILED];

pub struct MailLog {
    pub messages: Vec<OutboxSummary>,
    pub pager: Pager,
    /// (status, how many), for the filter.
    pub counts: Vec<(&'static str, i64)>,
}

/// One page of messages, newest first; `status` filters when it is one of `STATUSES`.
pub async fn log(state: &AppState, actor: &Actor, status: Option<String>, page: Option<String>) -> AppResult<MailLog> {
    actor.authorize_global(Action::ViewMailLog)?;
    let status = status.and_then(|s| STATUSES.iter().copied().find(|known| *known == s));
    state
        .db
        .run(move |conn| {
            let mut counts = Vec::with_capacity(STATUSES.len());
            for s in STATUSES {
                counts.push((s, outbox::count(conn, Some(s))?));
            }
            let total = outbox::count(conn, status)?;
            let pager = Pager::new(page.as_deref(), total, outbox::PAGE_SIZE);
            let messages = outbox::page(conn, status, outbox::PAGE_SIZE, pager.offset())?;
            Ok(MailLog { messages, pager, counts })
        })
        .await
}

/// Puts a failed message back in the queue, to be sent at once.
pub async fn retry(state: &AppState, actor: &Actor, id: String) -> AppResult<()> {
    actor.authorize_global(Action::ViewMailLog)?;
    let (who, now) = (Who::of(actor), state.clock.now());
    state
        .db
        .atomic(move |conn| {
            if !outbox::retry(conn, &id, now)? {
                return Err(AppError::conflict("Not failed", "Only a message that failed can be sent again."));
            }
            audit::record(conn, now, Event::MailRetried, who.entry().detail(&format!("message {id}")))?;
            Ok(())
        })
        .await
}
