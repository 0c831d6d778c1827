//! Deciding leave: the queue of requests waiting for the signed-in person, and
//! approving or rejecting one (a request, or a request to cancel approved leave).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::RequestView;
use super::requests::detail_response;
use crate::access::Actor;
use crate::display::Pager;
use crate::domain::leave::approvals::{BulkOutcome, PER_PAGE, QueueQuery};
use crate::domain::leave::{self, DecisionInput};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::forms::{CsrfForm, CsrfProtected};
use crate::handlers::employees::SelectOption;
use crate::models::leave::{LeaveRequest, LeaveStatus, QueueFilter};
use crate::notice::{Notice, Shown};
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{Layout, render_page};

// ---------- GET /leave/approvals ----------

/// The filters in the query string (and in the hidden fields of the queue's
/// forms, so that a decision comes back to the same page).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct QueueParams {
    #[serde(default)]
    department: String,
    #[serde(default, rename = "type")]
    leave_type: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: String,
}

impl QueueParams {
    fn query(&self) -> QueueQuery {
        QueueQuery {
            department: self.department.clone(),
            leave_type: self.leave_type.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            page: self.page.clone(),
        }
    }

    /// The queue's address with these filters, when they can be read (and
    /// the plain queue otherwise).
    fn href(&self) -> String {
        match leave::approvals::check_query(&self.query()) {
            Ok((filter, page)) => page_href(QUEUE, &filter_params(&filter), page),
            Err(_) => QUEUE.to_owned(),
        }
    }
}

const QUEUE: &str = "/leave/approvals";

/// A filter as query parameters, for links and hidden fields.
fn filter_params(filter: &QueueFilter) -> Vec<(&'static str, String)> {
    let mut params = Vec::new();
    let date = |d: Option<time::Date>| d.map(|d| d.to_string()).unwrap_or_default();
    params.push(("department", filter.department_id.clone().unwrap_or_default()));
    params.push(("type", filter.leave_type_id.clone().unwrap_or_default()));
    params.push(("from", date(filter.from)));
    params.push(("to", date(filter.to)));
    params.retain(|(_, v)| !v.is_empty());
    params
}

fn page_href(path: &str, params: &[(&'static str, String)], page: i64) -> String {
    let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    crate::display::page_href(path, &pairs, page)
}

/// One row of the queue.
pub struct QueueRow {
    pub r: RequestView,
    /// The message beside this request's comment box, and what was typed.
    pub error: Option<String>,
    pub comment: String,
    /// "Ann (approved, 3–4 Jun), ...": who else in the team is away then.
    pub also_away: Option<String>,
}

/// What a bulk approval did, in words.
pub struct BulkReport {
    pub summary: String,
    /// Whether everything selected was approved.
    pub all_done: bool,
    /// One line per request that was not approved, saying why.
    pub details: Vec<String>,
}

#[derive(askama::Template)]
#[template(path = "leave/approvals.html")]
pub struct ApprovalsPage {
    pub layout: Layout,
    pub csrf_token: String,
    /// Whether the account has an employee record (and so can have reports).
    pub linked: bool,
    /// Requests routed to this person as the employees' manager (this page's).
    pub mine: Vec<QueueRow>,
    /// For HR: every other request waiting for a decision, own requests aside (this page's).
    pub others: Option<Vec<QueueRow>>,
    pub total_mine: i64,
    pub total_others: i64,
    pub total: i64,
    /// "26–50 of 60"
    pub showing: String,
    pub notice: Option<String>,
    /// A message for the whole page (nothing selected; a decision on a request not on this page).
    pub error: Option<String>,
    pub bulk: Option<BulkReport>,
    // The filter form.
    pub departments: Vec<SelectOption>,
    pub types: Vec<SelectOption>,
    pub from: String,
    pub to: String,
    pub errors: FieldErrors,
    pub filtered: bool,
    /// The filters and page, as hidden fields of the decision forms.
    pub hidden: Vec<(&'static str, String)>,
    pub pager: Pager,
    /// The page asked for is past the end of the list.
    pub past_end: bool,
}

/// What to show beside the queue, besides the queue.
#[derive(Default)]
struct Extras {
    notice: Option<String>,
    error: Option<String>,
    bulk: Option<BulkReport>,
    /// (request id, message, comment typed)
    row_error: Option<(String, String, String)>,
}

async fn render_queue(
    state: &AppState,
    actor: &Actor,
    page: &Page,
    params: &QueueParams,
    status: StatusCode,
    extras: Extras,
) -> AppResult<Response> {
    let shown = leave::approvals::approvals(state, actor, &params.query()).await?;
    let today = state.clock.now().date();
    let departments = SelectOption::with_none(
        "Any department",
        params.department.trim(),
        shown.departments.into_iter().map(|d| (d.id, d.name)),
    );
    let types =
        SelectOption::with_none("Any type", params.leave_type.trim(), shown.types.into_iter().map(|t| (t.id, t.name)));
    let Extras { notice, mut error, bulk, row_error } = extras;
    let (status, listing, errors) = match shown.listing {
        Ok(listing) => (status, Some(listing), FieldErrors::new()),
        Err(errors) => (StatusCode::BAD_REQUEST, None, errors),
    };
    let filter = shown.filter;
    let params_now = filter_params(&filter);
    let (mut mine, mut others, mut total_mine, mut total_others, mut current) = (Vec::new(), None, 0, 0, 1);
    let mut row_error_shown = false;
    if let Some(listing) = &listing {
        let mut row = |r: &LeaveRequest| {
            let (error, comment) = match &row_error {
                Some((id, message, comment)) if *id == r.id => {
                    row_error_shown = true;
                    (Some(message.clone()), comment.clone())
                }
                _ => (None, String::new()),
            };
            let also_away = listing.clashes.get(&r.id).and_then(|c| c.as_ref()?.line());
            QueueRow { r: RequestView::new(r, &listing.names, today), error, comment, also_away }
        };
        mine = listing.mine.iter().map(&mut row).collect();
        others = listing.others.as_ref().map(|o| o.iter().map(&mut row).collect());
        (total_mine, total_others, current) = (listing.total_mine, listing.total_others, listing.paging.page);
    }
    if let Some((_, message, _)) = &row_error
        && !row_error_shown
    {
        error = Some(message.clone());
    }
    let total = total_mine + total_others;
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    let pairs: Vec<(&str, &str)> = params_now.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let pager =
        Pager { page: current, pages, total, per_page: PER_PAGE, exact: true, prev_href: None, next_href: None }
            .with_links(QUEUE, &pairs);
    let shown_rows = i64::try_from(mine.len() + others.as_ref().map_or(0, Vec::len)).unwrap_or(0);
    let showing = if shown_rows == 0 {
        String::new()
    } else {
        format!("{}–{} of {total}", pager.offset() + 1, pager.offset() + shown_rows)
    };
    let mut hidden = params_now.clone();
    if current > 1 {
        hidden.push(("page", current.to_string()));
    }
    Ok(render_page(
        status,
        &ApprovalsPage {
            layout: page.layout(),
            csrf_token: page.csrf_token(),
            linked: shown.linked || shown.sees_all,
            mine,
            others,
            total_mine,
            total_others,
            total,
            showing,
            notice,
            error,
            bulk,
            departments,
            types,
            from: params.from.trim().to_owned(),
            to: params.to.trim().to_owned(),
            errors,
            filtered: !params_now.is_empty(),
            hidden,
            past_end: listing.is_some() && shown_rows == 0 && current > pages,
            pager,
        },
    ))
}

pub async fn queue(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    shown: Shown,
    params: Result<Query<QueueParams>, QueryRejection>,
) -> AppResult<Response> {
    let Query(params) = params.map_err(|_| {
        AppError::BadRequest(
            "The filters in this address could not be read. Open Approvals again from the menu.".into(),
        )
    })?;
    let extras = Extras { notice: shown.text().map(str::to_owned), ..Extras::default() };
    render_queue(&state, &actor, &page, &params, StatusCode::OK, extras).await
}

// ---------- POST /leave/approvals/bulk ----------

/// "Approve selected": the ids ticked (one `ids` field each), the filters to
/// come back to, and the CSRF token.
#[derive(Debug, Default, Deserialize)]
#[serde(from = "Vec<(String, String)>")]
pub struct BulkForm {
    ids: Vec<String>,
    params: QueueParams,
    csrf_token: String,
}

impl From<Vec<(String, String)>> for BulkForm {
    fn from(fields: Vec<(String, String)>) -> Self {
        let mut form = BulkForm::default();
        for (name, value) in fields {
            match name.as_str() {
                "ids" => form.ids.push(value),
                "csrf_token" => form.csrf_token = value,
                "department" => form.params.department = value,
                "type" => form.params.leave_type = value,
                "from" => form.params.from = value,
                "to" => form.params.to = value,
                "page" => form.params.page = value,
                _ => {}
            }
        }
        form
    }
}

impl CsrfProtected for BulkForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn bulk_report(outcome: &BulkOutcome) -> BulkReport {
    let names = &outcome.names;
    let mut parts = vec![format!("{} approved", outcome.approved.len())];
    let mut details = Vec::new();
    if !outcome.changed.is_empty() {
        parts.push(format!("{} already decided", plural(outcome.changed.len(), "was", "were")));
        for r in &outcome.changed {
            details.push(format!(
                "{}: no longer waiting (it is {} now); left as it is.",
                leave::approvals::label(r, names),
                leave::approvals::now_is(r)
            ));
        }
    }
    if !outcome.refused.is_empty() {
        parts.push(format!("{} not be approved", plural(outcome.refused.len(), "could", "could")));
        for (r, why) in &outcome.refused {
            details.push(format!("{}: {why}", leave::approvals::label(r, names)));
        }
    }
    if outcome.not_yours > 0 {
        parts.push(format!("{} not yours to decide", plural(outcome.not_yours, "is", "are")));
        details.push(format!(
            "{} not found among the requests you may decide; nothing was done to {}.",
            plural(outcome.not_yours, "request was", "requests were"),
            if outcome.not_yours == 1 { "it" } else { "them" }
        ));
    }
    let all_done = details.is_empty();
    BulkReport { summary: format!("{}.", parts.join("; ")), all_done, details }
}

pub async fn bulk(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    CsrfForm(form): CsrfForm<BulkForm>,
) -> AppResult<Response> {
    match leave::approvals::approve_many(&state, &actor, form.ids).await {
        Ok(outcome) => {
            let page = page.with_fresh_queue(&state).await;
            let extras = Extras { bulk: Some(bulk_report(&outcome)), ..Extras::default() };
            render_queue(&state, &actor, &page, &form.params, StatusCode::OK, extras).await
        }
        Err(AppError::Invalid(errors)) => {
            let extras = Extras { error: errors.get("ids").map(str::to_owned), ..Extras::default() };
            render_queue(&state, &actor, &page, &form.params, StatusCode::UNPROCESSABLE_ENTITY, extras).await
        }
        Err(e) => Err(e),
    }
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
    /// Where the form was: "queue" (with the queue's filters) or "dashboard";
    /// anything else is the request's own page.
    #[serde(default)]
    back: String,
    #[serde(flatten)]
    params: QueueParams,
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
            Ok(match form.back.as_str() {
                "dashboard" => notice.redirect("/dashboard"),
                "queue" => notice.redirect(&form.params.href()),
                _ => notice.redirect(QUEUE),
            })
        }
        // The queue again, with the message beside that request's comment box.
        Err(AppError::Invalid(errors)) if form.back == "queue" => {
            let message = errors.get("comment").unwrap_or("This request cannot be decided as it is.").to_owned();
            let extras = Extras { row_error: Some((id, message, comment)), ..Extras::default() };
            render_queue(&state, &actor, &page, &form.params, StatusCode::UNPROCESSABLE_ENTITY, extras).await
        }
        // The page again, with the message beside the comment and the comment kept.
        Err(AppError::Invalid(errors)) => {
            let error = errors.get("comment").map(str::to_owned);
            detail_response(&state, &actor, &page, id, StatusCode::UNPROCESSABLE_ENTITY, error, comment).await
        }
        Err(e) => Err(e),
    }
}
