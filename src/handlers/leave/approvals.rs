//! Deciding leave: the queue of requests waiting for the signed-in person, and
//! approving or rejecting one (a request, or a request to cancel approved leave).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use diesel::Connection;
use serde::Deserialize;

use super::requests::{NoticeQuery, detail_response, visible_request};
use super::{Names, RequestView, refusal, relation_for_decision};
use crate::access::{Action, Actor, Relation};
use crate::auth::middleware::Client;
use crate::error::{AppError, AppResult};
use crate::forms::{CsrfForm, CsrfProtected};
use crate::models::audit::{self, Event};
use crate::models::leave::{self, Decision, LeaveStatus, days_phrase};
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{Layout, ok_page};

const MAX_COMMENT_CHARS: usize = 500;

fn notice_text(key: Option<&str>) -> Option<&'static str> {
    match key? {
        "approved" => Some("The request was approved."),
        "rejected" => Some("The request was rejected."),
        "cancel_approved" => Some("The cancellation was approved: the leave is cancelled."),
        "cancel_rejected" => Some("The cancellation was refused: the leave stays approved."),
        _ => None,
    }
}

// ---------- GET /leave/approvals ----------

#[derive(askama::Template)]
#[template(path = "leave/approvals.html")]
pub struct ApprovalsPage {
    pub layout: Layout,
    pub csrf_token: String,
    /// Whether the account has an employee record (and so can have reports).
    pub linked: bool,
    /// Requests routed to this person as the employees' manager.
    pub mine: Vec<RequestView>,
    /// For HR: every other request waiting for a decision, own requests aside.
    pub others: Option<Vec<RequestView>>,
    pub notice: Option<&'static str>,
}

pub async fn queue(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    query: Result<Query<NoticeQuery>, QueryRejection>,
) -> AppResult<Response> {
    let today = state.clock.now().date();
    let me = actor.employee_id().map(str::to_owned);
    let sees_all = actor.can(Action::ViewAllPendingLeave, Relation::Other);
    let (mine, others, names) = state
        .db
        .run(move |conn| {
            let mine = match &me {
                Some(me) => leave::awaiting_approver(conn, me)?,
                None => Vec::new(),
            };
            let others = if sees_all {
                let all = leave::all_awaiting_decision(conn)?;
                let rest: Vec<_> = all
                    .into_iter()
                    .filter(|r| !mine.iter().any(|m| m.id == r.id))
                    .filter(|r| me.as_deref() != Some(r.employee_id.as_str()))
                    .collect();
                Some(rest)
            } else {
                None
            };
            let mut shown = mine.clone();
            shown.extend(others.iter().flatten().cloned());
            let names = Names::load(conn, &shown)?;
            Ok((mine, others, names))
        })
        .await?;
    let view = |requests: &[leave::LeaveRequest]| requests.iter().map(|r| RequestView::new(r, &names, today)).collect();
    let notice = notice_text(query.ok().and_then(|Query(q)| q.notice).as_deref());
    Ok(ok_page(&ApprovalsPage {
        layout: page.layout(),
        csrf_token: page.csrf_token.clone(),
        linked: actor.employee.is_some(),
        mine: view(&mine),
        others: others.as_deref().map(view),
        notice,
    }))
}

// ---------- POST /leave/{id}/decide ----------

#[derive(Debug, Default, Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    csrf_token: String,
}

impl CsrfProtected for DecideForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

enum Outcome {
    Done {
        from: LeaveStatus,
        to: LeaveStatus,
    },
    /// Nothing waits for a decision any more (someone else decided, or the employee cancelled).
    AlreadyDecided(LeaveStatus),
    /// Approving would overdraw the balance; the message says by how much.
    DoesNotFit(String),
}

fn event_for(from: LeaveStatus, to: LeaveStatus) -> (Event, &'static str) {
    match (from, to) {
        (LeaveStatus::CancelRequested, LeaveStatus::Cancelled) => (Event::LeaveCancelApproved, "cancel_approved"),
        (LeaveStatus::CancelRequested, _) => (Event::LeaveCancelRejected, "cancel_rejected"),
        (_, LeaveStatus::Approved) => (Event::LeaveApproved, "approved"),
        _ => (Event::LeaveRejected, "rejected"),
    }
}

pub async fn decide(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    client: Client,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<DecideForm>,
) -> AppResult<Response> {
    let (request, owner, _) = visible_request(&state, &actor, id).await?;
    let relation = relation_for_decision(&actor, &request);
    if relation == Relation::Own {
        return Err(AppError::Forbidden(
            "You cannot decide your own leave request: your manager or HR decides it.".into(),
        ));
    }
    actor.authorize(Action::DecideLeave, relation)?;
    let approve = match form.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(AppError::BadRequest("Choose Approve or Reject.".into())),
    };
    let comment = form.comment.trim().to_owned();
    let request_id = request.id.clone();
    let again = |error: String| {
        let comment = comment.clone();
        let id = request_id.clone();
        let (state, actor, page) = (&state, &actor, &page);
        async move { detail_response(state, actor, page, id, StatusCode::UNPROCESSABLE_ENTITY, Some(error), comment).await }
    };
    if comment.chars().count() > MAX_COMMENT_CHARS {
        return again(format!("Use at most {MAX_COMMENT_CHARS} characters.")).await;
    }
    if !approve && comment.is_empty() {
        return again("Add a comment saying why, so that the employee knows.".into()).await;
    }

    let now = state.clock.now();
    let (user_id, session_id, ip) = (actor.user.user_id.clone(), actor.user.session_id.clone(), client.ip.clone());
    let stored_comment = comment.clone();
    let outcome = state
        .db
        .run(move |conn| {
            conn.transaction::<_, AppError, _>(|conn| {
                leave::lock_employee(conn, &owner.id)?;
                // Read again under the lock: decisions and cancellations may have happened meanwhile.
                let current = leave::find_request(conn, &request.id)?;
                let from = current.status();
                let Some(to) = leave::decision_outcome(from, approve) else {
                    return Ok(Outcome::AlreadyDecided(from));
                };
                if from == LeaveStatus::Pending && to == LeaveStatus::Approved {
                    let leave_type = leave::find_type(conn, &current.leave_type_id)?.ok_or(AppError::NotFound)?;
                    let year = current.first_day.year();
                    let balance = leave::balance(conn, &owner.id, &leave_type, year)?;
                    // Other pending requests are not promised yet: only approved leave counts here.
                    if let Some(allowance) = balance.allowance {
                        let free = allowance - balance.taken;
                        if current.half_days > free {
                            return Ok(Outcome::DoesNotFit(format!(
                                "This request needs {}, but only {} of {} {} left for {year} after the leave already approved. Reject it, or ask HR to change the allowance.",
                                days_phrase(current.half_days),
                                days_phrase(free.max(0)),
                                leave_type.name,
                                if free.max(0) == 2 { "is" } else { "are" },
                            )));
                        }
                    }
                }
                let decision =
                    Decision { decided_by_user_id: &user_id, comment: Some(stored_comment.as_str()).filter(|c| !c.is_empty()) };
                if !leave::change_status(conn, &current.id, from, to, Some(decision), now)? {
                    return Ok(Outcome::AlreadyDecided(from));
                }
                let (event, _) = event_for(from, to);
                let detail = format!(
                    "request {} of {}: {} {} to {}, {} -> {}",
                    current.id,
                    owner.employee_number,
                    current.leave_type_id,
                    current.first_day,
                    current.last_day,
                    from.as_str(),
                    to.as_str()
                );
                let entry = audit::Entry::by(&user_id, &session_id, &ip).detail(&detail);
                audit::record(conn, now, event, entry)?;
                Ok(Outcome::Done { from, to })
            })
        })
        .await?;
    match outcome {
        Outcome::Done { from, to } => {
            let (_, notice) = event_for(from, to);
            Ok(Redirect::to(&format!("/leave/approvals?notice={notice}")).into_response())
        }
        Outcome::AlreadyDecided(status) => Ok(refusal(
            &page,
            StatusCode::CONFLICT,
            "Already decided",
            format!(
                "This request is no longer waiting for a decision (it is {}). Nothing was changed.",
                status.label().to_lowercase()
            ),
        )),
        Outcome::DoesNotFit(message) => again(message).await,
    }
}
