//! `/api/v1/leave`: one's balances and requests, cancelling, and deciding the
//! requests waiting for one, with the pages' rules (`domain::leave`).
//! Amounts are in days, halves included (2.5); the domain counts half days.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiActor, ApiJson, ApiQuery, ApiResult, List, Problem, iso_date, iso_time};
use crate::domain::leave::{self, Balance, DecisionInput, Names, RequestInput, RequestPage, Shown};
use crate::models::leave::LeaveRequest;
use crate::state::AppState;

/// Half days, as days: 5 -> 2.5.
fn days(half_days: i32) -> f64 {
    f64::from(half_days) / 2.0
}

/// One leave type's balance in one year.
#[derive(Debug, Serialize, ToSchema)]
pub struct BalanceOut {
    /// The calendar year it is for.
    pub year: i32,
    pub leave_type_id: String,
    /// The type's name, like "Annual leave".
    pub leave_type: String,
    /// The year's allowance in days, pro-rated from the hire date in the
    /// first year; `null`: unlimited.
    pub allowance_days: Option<f64>,
    /// Unused days carried over from the year before; left out when none were.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carried_over_days: Option<f64>,
    /// Approved leave, including approved leave with a cancellation asked for.
    pub taken_days: f64,
    /// Requests waiting for a decision.
    pub pending_days: f64,
    /// What can still be requested, carried-over days included (negative
    /// when the allowance was lowered below what is taken); `null`: unlimited.
    pub left_days: Option<f64>,
}

impl BalanceOut {
    fn new(year: i32, b: &Balance) -> Self {
        BalanceOut {
            year,
            leave_type_id: b.leave_type.id.clone(),
            leave_type: b.leave_type.name.clone(),
            allowance_days: b.allowance.map(days),
            carried_over_days: (b.carried > 0).then(|| days(b.carried)),
            taken_days: days(b.taken),
            pending_days: days(b.pending),
            left_days: b.left().map(days),
        }
    }
}

/// A leave request.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeaveRequestOut {
    pub id: String,
    pub employee_id: String,
    pub employee_name: String,
    pub leave_type_id: String,
    /// The type's name, like "Annual leave".
    pub leave_type: String,
    /// `YYYY-MM-DD`.
    pub first_day: String,
    /// `YYYY-MM-DD`, the same as `first_day` for a single day.
    pub last_day: String,
    /// A half day (only ever on a single day).
    pub half_day: bool,
    /// Working days taken: weekends and public holidays do not count.
    pub days: f64,
    /// `pending`, `approved`, `rejected`, `cancelled`, or `cancel_requested`
    /// (approved leave whose owner asked to cancel it; the approver decides).
    pub status: &'static str,
    /// What the employee wrote; `null` when nothing.
    pub reason: Option<String>,
    /// The manager it is routed to; `null`: HR decides it.
    pub approver_employee_id: Option<String>,
    /// The approver's name; `null`: HR.
    pub approver_name: Option<String>,
    /// The account that made the last decision.
    pub decided_by_user_id: Option<String>,
    /// That account's name.
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    /// What the decider wrote.
    pub decision_comment: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl LeaveRequestOut {
    fn new(r: &LeaveRequest, names: &Names) -> Self {
        LeaveRequestOut {
            id: r.id.clone(),
            employee_id: r.employee_id.clone(),
            employee_name: names.employee(&r.employee_id),
            leave_type_id: r.leave_type_id.clone(),
            leave_type: names.types.get(&r.leave_type_id).cloned().unwrap_or_else(|| r.leave_type_id.clone()),
            first_day: iso_date(r.first_day),
            last_day: iso_date(r.last_day),
            half_day: r.half_day,
            days: days(r.half_days),
            status: r.status().as_str(),
            reason: Some(r.reason.clone()).filter(|s| !s.is_empty()),
            approver_employee_id: r.approver_employee_id.clone(),
            approver_name: r.approver_employee_id.as_deref().map(|id| names.employee(id)),
            decided_by_user_id: r.decided_by_user_id.clone(),
            decided_by: r.decided_by_user_id.as_ref().and_then(|id| names.users.get(id).cloned()),
            decided_at: r.decided_at.map(iso_time),
            decision_comment: r.decision_comment.clone().filter(|c| !c.is_empty()),
            created_at: iso_time(r.created_at),
            updated_at: iso_time(r.updated_at),
        }
    }
}

impl From<Shown> for LeaveRequestOut {
    fn from(s: Shown) -> Self {
        LeaveRequestOut::new(&s.request, &s.names)
    }
}

impl From<RequestPage> for List<LeaveRequestOut> {
    fn from(p: RequestPage) -> Self {
        List {
            items: p.requests.iter().map(|r| LeaveRequestOut::new(r, &p.names)).collect(),
            page: p.paging.page,
            per_page: p.paging.per_page,
            total: p.total,
            total_exact: true,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// The calendar year, from 2000 to 2100 (default: this year).
    #[serde(default)]
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// From 1 (default 1); a page past the end is empty.
    #[serde(default)]
    #[param(minimum = 1)]
    pub page: Option<i64>,
    /// From 1 to 100 (default 25).
    #[serde(default)]
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

/// A leave request to make.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LeaveRequestIn {
    /// One of the leave types' ids, like `annual`.
    pub leave_type_id: String,
    /// `YYYY-MM-DD`, from last year to next year.
    pub first_day: String,
    /// `YYYY-MM-DD`, in the same year as `first_day`, not before it.
    pub last_day: String,
    /// Only half of the day (`first_day` and `last_day` must be the same).
    #[serde(default)]
    pub half_day: bool,
    /// For whoever decides; at most 500 characters.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Read as a string first, so that any other value is refused with a
/// message that names the field and the values it takes.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", try_from = "String")]
pub enum DecisionChoice {
    Approve,
    Reject,
}

impl TryFrom<String> for DecisionChoice {
    type Error = String;

    fn try_from(value: String) -> Result<Self, String> {
        match value.as_str() {
            "approve" => Ok(DecisionChoice::Approve),
            "reject" => Ok(DecisionChoice::Reject),
            other => Err(format!("`decision` must be `approve` or `reject`, not {other:?}")),
        }
    }
}

/// A decision on a request (or on a request to cancel approved leave).
#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionIn {
    /// On a `cancel_requested` request, `approve` cancels the leave and
    /// `reject` keeps it approved.
    pub decision: DecisionChoice,
    /// Shown to the employee; needed to reject. At most 500 characters.
    #[serde(default)]
    pub comment: Option<String>,
}

/// One's own balances in a year, one per leave type.
#[utoipa::path(
    get,
    path = "/api/v1/leave/balances",
    tag = "leave",
    security(("bearer" = [])),
    params(YearQuery),
    responses(
        (status = 200, description = "Every leave type's balance in that year", body = Vec<BalanceOut>),
        (status = 403, description = "The account is not linked to an employee record", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`year` is outside 2000 to 2100", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn balances(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(query): ApiQuery<YearQuery>,
) -> ApiResult<Json<Vec<BalanceOut>>> {
    let found = leave::balances_in(&state, &actor, query.year).await?;
    Ok(Json(found.balances.iter().map(|b| BalanceOut::new(found.year, b)).collect()))
}

/// One's own requests, latest leave first.
#[utoipa::path(
    get,
    path = "/api/v1/leave/requests",
    tag = "leave",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of one's own requests", body = List<LeaveRequestOut>),
        (status = 403, description = "The account is not linked to an employee record", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`page` or `per_page` is out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_requests(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<List<LeaveRequestOut>>> {
    let page = leave::own_requests(&state, &actor, query.page, query.per_page).await?;
    Ok(Json(page.into()))
}

/// Request leave. It goes to one's manager for a decision (to HR when there
/// is none); it must fit what is left of the year's allowance.
#[utoipa::path(
    post,
    path = "/api/v1/leave/requests",
    tag = "leave",
    security(("bearer" = [])),
    request_body = LeaveRequestIn,
    responses(
        (status = 201, description = "Requested: the new request, at the address in Location", body = LeaveRequestOut,
         headers(("Location" = String, description = "The new request's address"))),
        (status = 403, description = "The account is not linked to an employee record", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field breaks a rule (dates, type, overlap, not enough days left): one message per field", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_request(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<LeaveRequestIn>,
) -> ApiResult<Response> {
    let input = RequestInput {
        leave_type_id: body.leave_type_id,
        first_day: body.first_day,
        last_day: body.last_day,
        half_day: body.half_day,
        reason: body.reason.unwrap_or_default(),
    };
    let out = LeaveRequestOut::from(leave::request_shown(&state, &actor, input).await?);
    let location = format!("/api/v1/leave/requests/{}", out.id);
    let mut response = (StatusCode::CREATED, Json(out)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// One request: one's own, one routed to one for a decision, a direct
/// report's, or (for HR) anyone's.
#[utoipa::path(
    get,
    path = "/api/v1/leave/requests/{id}",
    tag = "leave",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The request's id")),
    responses(
        (status = 200, description = "The request", body = LeaveRequestOut),
        (status = 404, description = "No such request, or not one this person may see", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_request(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<LeaveRequestOut>> {
    let detail = leave::detail(&state, &actor, id).await?;
    Ok(Json(LeaveRequestOut::new(&detail.request, &detail.names)))
}

/// Cancel one's own request. A pending one is cancelled at once; approved
/// leave that has not started becomes `cancel_requested`, for the approver
/// to agree to.
#[utoipa::path(
    post,
    path = "/api/v1/leave/requests/{id}/cancel",
    tag = "leave",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The request's id")),
    responses(
        (status = 200, description = "Cancelled, or cancellation asked for: the request as it is now", body = LeaveRequestOut),
        (status = 403, description = "Not one's own request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request, or not one this person may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It cannot be cancelled (already started, rejected, cancelled, or asked for already)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn cancel_request(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<LeaveRequestOut>> {
    Ok(Json(leave::cancel_shown(&state, &actor, id).await?.into()))
}

/// The requests waiting for one's decision: those routed to one first, then
/// (for HR) everyone else's, one's own aside.
#[utoipa::path(
    get,
    path = "/api/v1/leave/approvals",
    tag = "leave",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of the requests waiting for a decision", body = List<LeaveRequestOut>),
        (status = 422, description = "`page` or `per_page` is out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn approvals(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<List<LeaveRequestOut>>> {
    let page = leave::queue_page(&state, &actor, query.page, query.per_page).await?;
    Ok(Json(page.into()))
}

/// Approve or reject a request routed to one (HR: anyone's but their own).
/// Rejecting needs a comment; approving must fit the allowance.
#[utoipa::path(
    post,
    path = "/api/v1/leave/requests/{id}/decision",
    tag = "leave",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The request's id")),
    request_body = DecisionIn,
    responses(
        (status = 200, description = "Decided: the request as it is now", body = LeaveRequestOut),
        (status = 403, description = "One's own request, or one this person may not decide", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request, or not one this person may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided: nothing was changed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown `decision`, a rejection without a comment, or an approval that no longer fits the allowance", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn decide_request(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecisionIn>,
) -> ApiResult<Json<LeaveRequestOut>> {
    let decision = match body.decision {
        DecisionChoice::Approve => "approve",
        DecisionChoice::Reject => "reject",
    };
    let input = DecisionInput { decision: decision.to_owned(), comment: body.comment.unwrap_or_default() };
    Ok(Json(leave::decide_shown(&state, &actor, id, input).await?.into()))
}
