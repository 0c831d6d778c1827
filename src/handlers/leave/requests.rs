//! An employee's own leave: balances and requests, the request form, the
//! detail page, cancelling.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use diesel::Connection;
use serde::Deserialize;
use time::Date;

use super::{
    BalanceView, Names, RequestView, iso_date, long_date, not_linked, parse_date, refusal, relation_for_decision,
    relation_for_view, type_option_label,
};
use crate::access::{Action, Actor, Relation};
use crate::auth::middleware::Client;
use crate::error::{AppError, AppResult};
use crate::forms::{CsrfForm, CsrfOnly, CsrfProtected};
use crate::models::audit::{self, Event};
use crate::models::employee::{self, Employee};
use crate::models::leave::{self, LeaveRequest, LeaveStatus, LeaveType, NewLeaveRequest, days_phrase};
use crate::models::new_id;
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{Layout, ok_page, render_page};

const MAX_REASON_CHARS: usize = 500;

#[derive(Debug, Default, Deserialize)]
pub struct NoticeQuery {
    pub notice: Option<String>,
}

/// The message for a `?notice=` key: fixed texts only, the query is never echoed.
fn notice_text(key: Option<&str>) -> Option<&'static str> {
    match key? {
        "requested" => Some("Your request was sent for approval."),
        "cancelled" => Some("Your request was cancelled."),
        "cancel_requested" => Some("You asked to cancel this leave. It stays booked until your approver agrees."),
        _ => None,
    }
}

fn notice_of(query: Result<Query<NoticeQuery>, QueryRejection>) -> Option<&'static str> {
    let key = query.ok().and_then(|Query(q)| q.notice);
    notice_text(key.as_deref())
}

// ---------- GET /leave ----------

#[derive(askama::Template)]
#[template(path = "leave/index.html")]
pub struct IndexPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub year: i32,
    pub balances: Vec<BalanceView>,
    pub requests: Vec<RequestView>,
    pub notice: Option<&'static str>,
}

pub async fn index(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    query: Result<Query<NoticeQuery>, QueryRejection>,
) -> AppResult<Response> {
    let Some(me) = actor.employee.clone() else {
        return Ok(not_linked(&page));
    };
    actor.authorize(Action::ViewLeave, Relation::Own)?;
    let today = state.clock.now().date();
    let year = today.year();
    let (balances, requests, names) = state
        .db
        .run(move |conn| {
            let balances = leave::balances(conn, &me.id, year)?;
            let requests = leave::requests_of(conn, &me.id)?;
            let names = Names::load(conn, &requests)?;
            Ok((balances, requests, names))
        })
        .await?;
    Ok(ok_page(&IndexPage {
        layout: page.layout(),
        csrf_token: page.csrf_token.clone(),
        year,
        balances: balances.iter().map(BalanceView::new).collect(),
        requests: requests.iter().map(|r| RequestView::new(r, &names, today)).collect(),
        notice: notice_of(query),
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

/// A message per field of the request form.
#[derive(Clone, Debug, Default)]
pub struct LeaveErrors {
    pub leave_type_id: Option<String>,
    pub first_day: Option<String>,
    pub last_day: Option<String>,
    pub half_day: Option<String>,
    pub reason: Option<String>,
}

impl LeaveErrors {
    pub fn is_empty(&self) -> bool {
        self.leave_type_id.is_none()
            && self.first_day.is_none()
            && self.last_day.is_none()
            && self.half_day.is_none()
            && self.reason.is_none()
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
    pub errors: LeaveErrors,
    pub earliest: String,
    pub latest: String,
}

/// The years a request may fall in: last year (leave recorded afterwards) to next year.
fn allowed_range(today: Date) -> (Date, Date) {
    let start = leave::year_start(today.year() - 1).unwrap_or(today);
    let end = leave::year_end(today.year() + 1).unwrap_or(today);
    (start, end)
}

/// Renders the form with these values and errors.
async fn form_page(
    state: &AppState,
    page: &Page,
    me: &Employee,
    form: &LeaveForm,
    errors: LeaveErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let today = state.clock.now().date();
    let (employee_id, year) = (me.id.clone(), today.year());
    let (types, balances) =
        state.db.run(move |conn| Ok((leave::all_types(conn)?, leave::balances(conn, &employee_id, year)?))).await?;
    let chosen = if form.leave_type_id.is_empty() { "annual" } else { form.leave_type_id.as_str() };
    let types = types
        .iter()
        .map(|t| TypeOption {
            id: t.id.clone(),
            label: type_option_label(t, balances.iter().find(|b| b.leave_type.id == t.id)),
            selected: t.id == chosen,
        })
        .collect();
    let (earliest, latest) = allowed_range(today);
    Ok(render_page(
        status,
        &NewPage {
            layout: page.layout(),
            csrf_token: page.csrf_token.clone(),
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
    let Some(me) = actor.employee.clone() else {
        return Ok(not_linked(&page));
    };
    actor.authorize(Action::RequestLeave, Relation::Own)?;
    form_page(&state, &page, &me, &LeaveForm::default(), LeaveErrors::default(), StatusCode::OK).await
}

/// A request that passed the checks that need no database.
struct Checked {
    leave_type: LeaveType,
    first: Date,
    last: Date,
    half_day: bool,
    reason: String,
}

fn check_form(form: &LeaveForm, types: &[LeaveType], today: Date) -> Result<Checked, LeaveErrors> {
    let mut errors = LeaveErrors::default();
    let leave_type = types.iter().find(|t| t.id == form.leave_type_id).cloned();
    if leave_type.is_none() {
        errors.leave_type_id = Some("Choose a type of leave from the list.".into());
    }
    let (earliest, latest) = allowed_range(today);
    let date = |text: &str, which: &str| -> Result<Date, String> {
        if text.trim().is_empty() {
            return Err(format!("Enter the {which} day."));
        }
        let day = parse_date(text).ok_or_else(|| format!("Enter the {which} day as a date, like 2026-06-15."))?;
        if day < earliest || day > latest {
            return Err(format!("Choose a day between {} and {}.", long_date(earliest), long_date(latest)));
        }
        Ok(day)
    };
    let first = date(&form.first_day, "first").map_err(|e| errors.first_day = Some(e)).ok();
    let last = date(&form.last_day, "last").map_err(|e| errors.last_day = Some(e)).ok();
    let half_day = !form.half_day.is_empty();
    if let (Some(first), Some(last)) = (first, last) {
        if last < first {
            errors.last_day = Some("The last day cannot be before the first day.".into());
        } else if last.year() != first.year() {
            // Each request belongs to one year's allowance.
            errors.last_day = Some(format!(
                "Leave cannot run past 31 December. Make two requests: one ending 31 December {}, one starting 1 January {}.",
                first.year(),
                last.year()
            ));
        } else if half_day && first != last {
            errors.half_day =
                Some("A half day can only be taken on a single day: make the first and last day the same.".into());
        }
    }
    let reason = form.reason.trim().to_owned();
    if reason.chars().count() > MAX_REASON_CHARS {
        errors.reason = Some(format!("Use at most {MAX_REASON_CHARS} characters."));
    }
    match (leave_type, first, last) {
        (Some(leave_type), Some(first), Some(last)) if errors.is_empty() => {
            Ok(Checked { leave_type, first, last, half_day, reason })
        }
        _ => Err(errors),
    }
}

/// "on 8 June 2026" or "from 8 June 2026 to 12 June 2026".
fn span_words(request: &LeaveRequest) -> String {
    if request.first_day == request.last_day {
        format!("on {}", long_date(request.first_day))
    } else {
        format!("from {} to {}", long_date(request.first_day), long_date(request.last_day))
    }
}

pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    client: Client,
    CsrfForm(form): CsrfForm<LeaveForm>,
) -> AppResult<Response> {
    let Some(me) = actor.employee.clone() else {
        return Err(AppError::Forbidden(super::NOT_LINKED.into()));
    };
    actor.authorize(Action::RequestLeave, Relation::Own)?;
    let now = state.clock.now();
    let today = now.date();
    let types = state.db.run(|conn| Ok(leave::all_types(conn)?)).await?;
    let checked = match check_form(&form, &types, today) {
        Ok(checked) => checked,
        Err(errors) => return form_page(&state, &page, &me, &form, errors, StatusCode::UNPROCESSABLE_ENTITY).await,
    };

    let (employee, user_id, session_id, ip) =
        (me.clone(), actor.user.user_id.clone(), actor.user.session_id.clone(), client.ip.clone());
    let outcome = state
        .db
        .run(move |conn| {
            conn.transaction::<_, AppError, _>(|conn| {
                leave::lock_employee(conn, &employee.id)?;
                let Checked { leave_type, first, last, half_day, reason } = checked;
                let holidays = leave::holiday_days_between(conn, first, last)?;
                let half_days = leave::working_half_days(first, last, half_day, &holidays);
                if half_days == 0 {
                    return Ok(Err(LeaveErrors {
                        first_day: Some(
                            "There are no working days in these dates: weekends and public holidays do not count."
                                .into(),
                        ),
                        ..Default::default()
                    }));
                }
                if let Some(existing) = leave::find_overlap(conn, &employee.id, first, last)? {
                    return Ok(Err(LeaveErrors {
                        first_day: Some(format!(
                            "You already have leave {} ({}).",
                            span_words(&existing),
                            existing.status().label().to_lowercase()
                        )),
                        ..Default::default()
                    }));
                }
                let balance = leave::balance(conn, &employee.id, &leave_type, first.year())?;
                if let Some(left) = balance.left()
                    && half_days > left
                {
                    let year =
                        if first.year() == today.year() { String::new() } else { format!(" for {}", first.year()) };
                    return Ok(Err(LeaveErrors {
                        leave_type_id: Some(format!(
                            "You have {} of {} left{year}; this request needs {}.",
                            days_phrase(left.max(0)),
                            leave_type.name,
                            days_phrase(half_days)
                        )),
                        ..Default::default()
                    }));
                }
                let approver = leave::approver_for(conn, &employee)?;
                let id = new_id();
                leave::insert_request(
                    conn,
                    &NewLeaveRequest {
                        id: &id,
                        employee_id: &employee.id,
                        leave_type_id: &leave_type.id,
                        first_day: first,
                        last_day: last,
                        half_day,
                        half_days,
                        reason: &reason,
                        status: LeaveStatus::Pending.as_str(),
                        approver_employee_id: approver.as_deref(),
                        created_at: now,
                        updated_at: now,
                    },
                )?;
                let detail = format!(
                    "request {id} of {}: {} {first} to {last}, {} days, decided by {}",
                    employee.employee_number,
                    leave_type.id,
                    leave::format_days(half_days),
                    if approver.is_some() { "manager" } else { "HR" },
                );
                let entry = audit::Entry::by(&user_id, &session_id, &ip).detail(&detail);
                audit::record(conn, now, Event::LeaveRequested, entry)?;
                Ok(Ok(id))
            })
        })
        .await?;
    match outcome {
        Ok(_) => Ok(Redirect::to("/leave?notice=requested").into_response()),
        Err(errors) => form_page(&state, &page, &me, &form, errors, StatusCode::UNPROCESSABLE_ENTITY).await,
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
    pub balance: BalanceView,
    pub balance_year: i32,
    /// Shown beside the comment field when a decision was refused.
    pub decision_error: Option<String>,
    pub comment: String,
}

/// Loads a request the actor may see (anything else is 404) and its employee.
pub(super) async fn visible_request(
    state: &AppState,
    actor: &Actor,
    id: String,
) -> AppResult<(LeaveRequest, Employee, Relation)> {
    let (request, owner) = state
        .db
        .run(move |conn| {
            let request = leave::find_request(conn, &id)?;
            let owner = employee::find(conn, &request.employee_id)?;
            Ok((request, owner))
        })
        .await?;
    let relation = relation_for_view(actor, &request, &owner);
    if !actor.can(Action::ViewLeave, relation) {
        return Err(AppError::NotFound);
    }
    Ok((request, owner, relation))
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
    let (request, owner, relation) = visible_request(state, actor, id).await?;
    let today = state.clock.now().date();
    let year = request.first_day.year();
    let loaded = request.clone();
    let (names, balance) = state
        .db
        .run(move |conn| {
            let names = Names::load(conn, std::slice::from_ref(&loaded))?;
            let leave_type = leave::find_type(conn, &loaded.leave_type_id)?.ok_or(AppError::NotFound)?;
            let balance = leave::balance(conn, &owner.id, &leave_type, year)?;
            Ok((names, balance))
        })
        .await?;
    let waiting = leave::decision_outcome(request.status(), true).is_some();
    let can_decide = waiting && actor.can(Action::DecideLeave, relation_for_decision(actor, &request));
    Ok(render_page(
        status,
        &DetailPage {
            layout: page.layout(),
            csrf_token: page.csrf_token.clone(),
            request: RequestView::new(&request, &names, today),
            is_own: relation == Relation::Own,
            can_decide,
            balance: BalanceView::new(&balance),
            balance_year: year,
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
    page: Page,
    client: Client,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    let (request, owner, relation) = visible_request(&state, &actor, id).await?;
    actor.authorize(Action::CancelLeave, relation)?;
    let now = state.clock.now();
    let (user_id, session_id, ip) = (actor.user.user_id.clone(), actor.user.session_id.clone(), client.ip.clone());
    let outcome = state
        .db
        .run(move |conn| {
            conn.transaction::<_, AppError, _>(|conn| {
                leave::lock_employee(conn, &owner.id)?;
                // Read again under the lock: the approver may have acted meanwhile.
                let current = leave::find_request(conn, &request.id)?;
                let to = match leave::cancel_outcome(current.status(), current.first_day, now.date()) {
                    Ok(to) => to,
                    Err(why) => return Ok(Err(why)),
                };
                if !leave::change_status(conn, &current.id, current.status(), to, None, now)? {
                    return Ok(Err("This request changed while you were looking at it. Reload and try again."));
                }
                let event =
                    if to == LeaveStatus::Cancelled { Event::LeaveCancelled } else { Event::LeaveCancelRequested };
                let detail = format!(
                    "request {} of {}: {} {} to {}, {} -> {}",
                    current.id,
                    owner.employee_number,
                    current.leave_type_id,
                    current.first_day,
                    current.last_day,
                    current.status,
                    to.as_str()
                );
                let entry = audit::Entry::by(&user_id, &session_id, &ip).detail(&detail);
                audit::record(conn, now, event, entry)?;
                Ok(Ok(to))
            })
        })
        .await?;
    match outcome {
        Ok(LeaveStatus::Cancelled) => Ok(Redirect::to("/leave?notice=cancelled").into_response()),
        Ok(_) => Ok(Redirect::to("/leave?notice=cancel_requested").into_response()),
        Err(why) => Ok(refusal(&page, StatusCode::CONFLICT, "Cannot cancel this leave", why)),
    }
}
