//! An employee's own leave: balances and requests, the request form, the
//! detail page, cancelling.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::{BalanceView, RequestView, YearLink, asked_year, not_linked, type_option_label, year_links};
use crate::access::{Action, Actor};
use crate::display::iso_date;
use crate::domain::leave::{self, RequestInput, rules};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::forms::{CsrfForm, CsrfOnly, CsrfProtected};
use crate::models::leave::LeaveStatus;
use crate::notice::{Notice, Shown};
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{ConfirmPage, Layout, ok_page, render_page};

// ---------- GET /leave ----------

#[derive(askama::Template)]
#[template(path = "leave/index.html")]
pub struct IndexPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub year: i32,
    pub this_year: i32,
    pub years: Vec<YearLink>,
    pub balances: Vec<BalanceView>,
    pub requests: Vec<RequestView>,
    pub notice: Option<&'static str>,
    /// HR's links to every request and the leave report (`Action::ViewAllLeave`).
    pub sees_all_leave: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct YearQuery {
    year: Option<String>,
}

pub async fn index(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    shown: Shown,
    query: Result<Query<YearQuery>, QueryRejection>,
) -> AppResult<Response> {
    if actor.employee.is_none() {
        return Ok(not_linked(&page));
    }
    let Query(query) = query.map_err(|_| AppError::BadRequest("Choose a year as a number, like 2026.".into()))?;
    let overview = leave::overview(&state, &actor, asked_year(query.year.as_deref())?).await?;
    let today = state.clock.now().date();
    Ok(ok_page(&IndexPage {
        layout: page.layout(),
        csrf_token: page.csrf_token(),
        year: overview.year,
        this_year: overview.this_year,
        years: year_links("/leave", &overview.years, overview.year),
        balances: overview.balances.iter().map(BalanceView::new).collect(),
        requests: overview.requests.iter().map(|r| RequestView::new(r, &overview.names, today)).collect(),
        notice: shown.text(),
        sees_all_leave: actor.can_globally(Action::ViewAllLeave),
    }))
}

// ---------- GET /leave/new, POST /leave ----------

#[derive(Debug, Default, Deserialize)]
pub struct LeaveForm {
    #[serde(default)]
    leave_type_id: String,
    #[serde(default)]
    first_day: String,
    #[serde(default)]
    last_day: String,
    /// A checkbox: present (any value) when ticked.
    #[serde(default)]
    half_day: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    csrf_token: String,
}

impl CsrfProtected for LeaveForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

impl LeaveForm {
    fn input(&self) -> RequestInput {
        RequestInput {
            leave_type_id: self.leave_type_id.clone(),
            first_day: self.first_day.clone(),
            last_day: self.last_day.clone(),
            half_day: !self.half_day.is_empty(),
            reason: self.reason.clone(),
        }
    }
}

pub struct TypeOption {
    pub id: String,
    pub label: String,
    pub selected: bool,
}

#[derive(askama::Template)]
#[template(path = "leave/new.html")]
pub struct NewPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub types: Vec<TypeOption>,
    pub first_day: String,
    pub last_day: String,
    pub half_day: bool,
    pub reason: String,
    pub errors: FieldErrors,
    pub earliest: String,
    pub latest: String,
}

/// Renders the form with these values and errors.
async fn form_page(
    state: &AppState,
    actor: &Actor,
    page: &Page,
    form: &LeaveForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let (types, balances) = leave::request_choices(state, actor).await?;
    let chosen = if form.leave_type_id.is_empty() { "annual" } else { form.leave_type_id.as_str() };
    let types = types
        .iter()
        .map(|t| TypeOption {
            id: t.id.clone(),
            label: type_option_label(t, balances.iter().find(|b| b.leave_type.id == t.id)),
            selected: t.id == chosen,
        })
        .collect();
    let (earliest, latest) = rules::allowed_range(state.clock.now().date());
    Ok(render_page(
        status,
        &NewPage {
            layout: page.layout(),
            csrf_token: page.csrf_token(),
            types,
            first_day: form.first_day.trim().to_owned(),
            last_day: form.last_day.trim().to_owned(),
            half_day: !form.half_day.is_empty(),
            reason: form.reason.trim().to_owned(),
            errors,
            earliest: iso_date(earliest),
            latest: iso_date(latest),
        },
    ))
}

pub async fn new_form(State(state): State<AppState>, actor: Actor, page: Page) -> AppResult<Response> {
    if actor.employee.is_none() {
        return Ok(not_linked(&page));
    }
    form_page(&state, &actor, &page, &LeaveForm::default(), FieldErrors::new(), StatusCode::OK).await
}

pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    CsrfForm(form): CsrfForm<LeaveForm>,
) -> AppResult<Response> {
    match leave::request(&state, &actor, form.input()).await {
        Ok(_) => Ok(Notice::LeaveRequested.redirect("/leave")),
        Err(AppError::Invalid(errors)) => {
            form_page(&state, &actor, &page, &form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

// ---------- GET /leave/{id} ----------

#[derive(askama::Template)]
#[template(path = "leave/show.html")]
pub struct DetailPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub request: RequestView,
    pub is_own: bool,
    pub can_decide: bool,
    /// "Ann (approved, 3–4 Jun), ...": who else in the team is away then.
    pub also_away: Option<String>,
    /// With whom the request was compared ("team", "department"); `None`
    /// when the owner has neither a manager nor a department.
    pub compared_with: Option<&'static str>,
    pub balance: BalanceView,
    pub balance_year: i32,
    /// Shown beside the comment field when a decision was refused.
    pub decision_error: Option<String>,
    pub comment: String,
}

/// The detail page, with the decision form's state.
pub(super) async fn detail_response(
    state: &AppState,
    actor: &Actor,
    page: &Page,
    id: String,
    status: StatusCode,
    decision_error: Option<String>,
    comment: String,
) -> AppResult<Response> {
    let detail = leave::detail(state, actor, id).await?;
    let today = state.clock.now().date();
    Ok(render_page(
        status,
        &DetailPage {
            layout: page.layout(),
            csrf_token: page.csrf_token(),
            request: RequestView::new(&detail.request, &detail.names, today),
            is_own: detail.is_own,
            can_decide: detail.can_decide,
            also_away: detail.clashes.as_ref().and_then(|c| c.line()),
            compared_with: detail.clashes.as_ref().map(|c| c.team_word()),
            balance: BalanceView::new(&detail.balance),
            balance_year: detail.request.first_day.year(),
            decision_error,
            comment,
        },
    ))
}

pub async fn show(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    Path(id): Path<String>,
) -> AppResult<Response> {
    detail_response(&state, &actor, &page, id, StatusCode::OK, None, String::new()).await
}

// ---------- POST /leave/{id}/cancel ----------

pub async fn cancel(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    let notice = match leave::cancel(&state, &actor, id).await? {
        LeaveStatus::Cancelled => Notice::LeaveCancelled,
        _ => Notice::CancelRequested,
    };
    Ok(notice.redirect("/leave"))
}

// ---------- GET /leave/{id}/cancel ----------

/// What cancelling does (for approved leave: the approver is asked to agree),
/// and the button that does it (`cancel`).
pub async fn confirm_cancel(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (shown, to) = leave::cancel_preview(&state, &actor, id).await?;
    let r = RequestView::new(&shown.request, &shown.names, state.clock.now().date());
    let back_href = format!("/leave/{}", r.id);
    let (title, consequences, confirm_label, back_label) = if to == LeaveStatus::CancelRequested {
        (
            format!("Ask to cancel your {}?", r.type_name.to_lowercase()),
            vec![
                format!("{} is asked to agree to cancel this approved leave.", r.approver),
                format!("Until they agree, the leave stays booked and the {} stay taken.", r.days_phrase),
                "If they agree, the days come back to your balance. You cannot take the request back once sent."
                    .to_owned(),
            ],
            "Ask to cancel",
            "Keep my leave",
        )
    } else {
        (
            format!("Cancel your {} request?", r.type_name.to_lowercase()),
            vec![
                format!("The request is withdrawn: {} no longer has it to decide.", r.approver),
                "To take the days after all, make a new request.".to_owned(),
            ],
            "Cancel the request",
            "Keep the request",
        )
    };
    Ok(ok_page(&ConfirmPage {
        layout: page.layout(),
        csrf_token: page.csrf_token(),
        title,
        subject: format!("{} · {} · {}", r.type_name, r.dates, r.days_phrase),
        consequences,
        action: format!("/leave/{}/cancel", r.id),
        fields: Vec::new(),
        confirm_label: confirm_label.to_owned(),
        back_label: back_label.to_owned(),
        back_href,
        crumb: "The request".to_owned(),
    }))
}
