//! Who is told about a leave change, by mail: a new request goes to its
//! approver (HR when it has none); a decision to the requester; a request
//! to cancel approved leave to the approver. Written to the outbox in the
//! transaction of the change. People who turned leave notifications off,
//! and deactivated accounts, get nothing.

use crate::clock::Timestamp;
use crate::db::DbConnection;
use crate::display::{days_phrase, span_words};
use crate::error::AppResult;
use crate::mail::MailContext;
use crate::mail::letters::{self, LeaveSummary};
use crate::models::employee::{self, Employee};
use crate::models::leave::{self as store, LeaveRequest, LeaveStatus};
use crate::models::outbox;
use crate::models::user::{self, User};

use super::Moved;

/// The accounts that decide `request`: its approver's, or HR's.
fn deciders(conn: &mut DbConnection, request: &LeaveRequest) -> AppResult<Vec<User>> {
    match &request.approver_employee_id {
        Some(approver) => {
            let record = employee::find(conn, approver)?;
            Ok(match record.user_id {
                Some(account) => user::leave_recipient(conn, &account)?.into_iter().collect(),
                None => Vec::new(),
            })
        }
        None => Ok(user::hr_leave_recipients(conn)?),
    }
}

fn owner_account(conn: &mut DbConnection, owner: &Employee) -> AppResult<Option<User>> {
    Ok(match &owner.user_id {
        Some(account) => user::leave_recipient(conn, account)?,
        None => None,
    })
}

fn summary_parts(conn: &mut DbConnection, request: &LeaveRequest) -> AppResult<(String, String, String)> {
    let leave_type = store::find_type(conn, &request.leave_type_id)?.map_or_else(|| "Leave".to_owned(), |t| t.name);
    Ok((leave_type, span_words(request), days_phrase(request.half_days)))
}

/// A request was made: its deciders are asked.
pub fn submitted(
    conn: &mut DbConnection,
    ctx: &MailContext,
    request_id: &str,
    owner: &Employee,
    now: Timestamp,
) -> AppResult<()> {
    let request = store::find_request(conn, request_id)?;
    let (leave_type, span, days) = summary_parts(conn, &request)?;
    let summary =
        LeaveSummary { request_id, requester: &owner.full_name, leave_type: &leave_type, span: &span, days: &days };
    for decider in deciders(conn, &request)? {
        if decider.id == owner.user_id.clone().unwrap_or_default() {
            continue;
        }
        let letter = letters::leave_submitted(ctx, &decider.email, &decider.full_name, &summary);
        outbox::enqueue(conn, ctx, &letter, now)?;
    }
    Ok(())
}

/// A request moved: the person who has to know is told.
pub fn moved(
    conn: &mut DbConnection,
    ctx: &MailContext,
    owner: &Employee,
    moved: &Moved,
    comment: &str,
    now: Timestamp,
) -> AppResult<()> {
    let request = &moved.before;
    let (leave_type, span, days) = summary_parts(conn, request)?;
    let summary = LeaveSummary {
        request_id: &request.id,
        requester: &owner.full_name,
        leave_type: &leave_type,
        span: &span,
        days: &days,
    };
    if (moved.from, moved.to) == (LeaveStatus::Approved, LeaveStatus::CancelRequested) {
        for decider in deciders(conn, request)? {
            let letter = letters::leave_cancel_requested(ctx, &decider.email, &decider.full_name, &summary);
            outbox::enqueue(conn, ctx, &letter, now)?;
        }
        return Ok(());
    }
    // (about a cancellation, approved); withdrawing a pending request tells nobody.
    let decided = match (moved.from, moved.to) {
        (LeaveStatus::Pending, LeaveStatus::Approved) => Some((false, true)),
        (LeaveStatus::Pending, LeaveStatus::Rejected) => Some((false, false)),
        (LeaveStatus::CancelRequested, LeaveStatus::Cancelled) => Some((true, true)),
        (LeaveStatus::CancelRequested, LeaveStatus::Approved) => Some((true, false)),
        _ => None,
    };
    if let (Some((cancellation, approved)), Some(account)) = (decided, owner_account(conn, owner)?) {
        let letter = letters::leave_decided(ctx, &account.email, &summary, cancellation, approved, comment);
        outbox::enqueue(conn, ctx, &letter, now)?;
    }
    Ok(())
}
