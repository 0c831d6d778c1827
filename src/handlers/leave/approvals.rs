//! Deciding leave: the queue of requests waiting for the signed-in person, and
//! approving or rejecting one (a request, or a request to cancel approved leave).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::RequestView;
use super::requests::detail_response;
use crate::access::Actor;
use crate::domain::leave::{self, DecisionInput};
use crate::error::{AppError, AppResult};
use crate::forms::{CsrfForm, CsrfProtected};
use crate::models::leave::{LeaveRequest, LeaveStatus};
use crate::notice::{Notice, Shown};
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{Layout, ok_page};

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

pub async fn queue(State(state): State<AppState>, actor: Actor, page: Page, shown: Shown) -> AppResult<Response> {
    let queue = leave::queue(&state, &actor).await?;
    let today = state.clock.now().date();
    let view = |requests: &[LeaveRequest]| requests.iter().map(|r| RequestView::new(r, &queue.names, today)).collect();
    Ok(ok_page(&ApprovalsPage {
        layout: page.layout(),
        csrf_token: page.csrf_token(),
        linked: actor.employee.is_some(),
        mine: view(&queue.mine),
        others: queue.others.as_deref().map(view),
        notice: shown.text(),
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

pub async fn decide(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<DecideForm>,
) -> AppResult<Response> {
    let comment = form.comment.trim().to_owned();
    let input = DecisionInput { decision: form.decision, comment: comment.clone() };
    match leave::decide(&state, &actor, id.clone(), input).await {
        Ok((from, to)) => {
            let notice = match (from, to) {
                (LeaveStatus::CancelRequested, LeaveStatus::Cancelled) => Notice::CancelApproved,
                (LeaveStatus::CancelRequested, _) => Notice::CancelRejected,
                (_, LeaveStatus::Approved) => Notice::Approved,
                _ => Notice::Rejected,
            };
            Ok(notice.redirect("/leave/approvals"))
        }
        // The page again, with the message beside the comment and the comment kept.
        Err(AppError::Invalid(errors)) => {
            let error = errors.get("comment").map(str::to_owned);
            detail_response(&state, &actor, &page, id, StatusCode::UNPROCESSABLE_ENTITY, error, comment).await
        }
        Err(e) => Err(e),
    }
}
