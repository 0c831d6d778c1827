//! Leave: requesting, cancelling, deciding, and the settings HR keeps. Every
//! leave rule that the pages (and the JSON API) rely on lives here or in
//! `rules` (the ones that need no database); the SQL is in `models::leave`.
//!
//! Who approves a request: `approver_for` routes it (the employee's manager
//! while they work here, otherwise HR), `reroute_waiting_of` and
//! `reroute_waiting_of_reports` keep the routing current when managers change or leave, and `access::Relation::for_decision`
//! with `access::allows` decides who may act on it.

pub mod approvals;
pub mod calendar;
pub mod feed;
pub mod notify;
pub mod reports;
pub mod rules;

use std::collections::HashMap;

use diesel::OptionalExtension;
use time::Date;

pub use rules::{Balance, CheckedRequest, Paging, RequestInput};

use crate::access::{Action, Actor, Relation};
use crate::clock::Timestamp;
use crate::db::DbConnection;
use crate::display::{leave_status_label, span_words};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::models::audit::{self, Event, Who};
use crate::models::employee::{self, Employee};
use crate::models::leave::{self as store, Decision, Holiday, LeaveRequest, LeaveStatus, LeaveType, NewLeaveRequest};
use crate::models::new_id;
use crate::state::AppState;

// ---------- Routing: who decides ----------

/// Who decides the requests of the people `manager` manages: the manager
/// while they work here; `None` (HR) once they have left.
fn approver_of_reports(manager: &Employee) -> Option<String> {
    (!manager.is_terminated()).then(|| manager.id.clone())
}

/// Who decides a request of `employee`: their manager, unless they have none
/// or the manager has left; `None` means HR.
pub fn approver_for(conn: &mut DbConnection, employee: &Employee) -> diesel::QueryResult<Option<String>> {
    let Some(manager_id) = employee.manager_id.as_deref() else {
        return Ok(None);
    };
    let manager = employee::find(conn, manager_id).optional()?;
    Ok(manager.as_ref().and_then(approver_of_reports))
}

/// Sends the waiting requests of `employee` (as saved now) to their approver:
/// call in the transaction that changes their manager, so that no queue holds
/// requests its owner may no longer decide.
pub fn reroute_waiting_of(conn: &mut DbConnection, employee: &Employee, now: Timestamp) -> diesel::QueryResult<usize> {
    let approver = approver_for(conn, employee)?;
    store::route_waiting_requests(conn, &employee.id, approver.as_deref(), now)
}

/// Sends the waiting requests of everyone `manager` (as saved now) manages to
/// their approver: to HR when the manager's employment ends, back to the
/// manager on a rehire. One statement, however many reports.
pub fn reroute_waiting_of_reports(
    conn: &mut DbConnection,
    manager: &Employee,
    now: Timestamp,
) -> diesel::QueryResult<usize> {
    store::route_waiting_requests_of_reports(conn, &manager.id, approver_of_reports(manager).as_deref(), now)
}

// ---------- Balances ----------

/// Every type's balance for `employee_id` in the calendar year `year`.
pub fn balances(conn: &mut DbConnection, employee_id: &str, year: i32) -> diesel::QueryResult<Vec<Balance>> {
    let types = store::all_types(conn)?;
    balances_for_types(conn, types, employee_id, year)
}

/// `balances` for callers that have loaded the leave types already.
pub fn balances_for_types(
    conn: &mut DbConnection,
    types: Vec<LeaveType>,
    employee_id: &str,
    year: i32,
) -> diesel::QueryResult<Vec<Balance>> {
    let (Some(start), Some(end)) = (rules::year_start(*rules::BALANCE_YEARS.start()), rules::year_end(year)) else {
        return Ok(Vec::new());
    };
    let requests = store::active_requests_between(conn, employee_id, start, end)?;
    Ok(rules::balances_through(types, &requests, year, employment_of(conn, employee_id)?))
}

/// When `employee_id` worked here, for pro-rating allowances.
fn employment_of(conn: &mut DbConnection, employee_id: &str) -> diesel::QueryResult<rules::Employment> {
    Ok(employee::find(conn, employee_id)
        .optional()?
        .map_or(rules::Employment { hired: Date::MIN, left: None }, |e| employment(&e)))
}

/// When `record` worked here: from the hire date to the last working day
/// stored when the employment ended (the first and the last year are
/// pro-rated). A record terminated before last days were kept, or current
/// again, has no end.
pub fn employment(record: &Employee) -> rules::Employment {
    let left = if record.is_terminated() { record.terminated_on } else { None };
    rules::Employment { hired: record.hire_date, left }
}

/// One type's balance for `employee_id` in `year`.
pub fn balance(
    conn: &mut DbConnection,
    employee_id: &str,
    leave_type: &LeaveType,
    year: i32,
) -> diesel::QueryResult<Balance> {
    let mut all = balances_for_types(conn, vec![leave_type.clone()], employee_id, year)?;
    all.pop().ok_or(diesel::result::Error::NotFound)
}

// ---------- Reading ----------

/// The names a list of requests mentions: employees, deciders, leave types.
#[derive(Debug, Default)]
pub struct Names {
    pub employees: HashMap<String, String>,
    pub users: HashMap<String, String>,
    pub types: HashMap<String, String>,
}

impl Names {
    pub fn load(conn: &mut DbConnection, requests: &[LeaveRequest]) -> diesel::QueryResult<Self> {
        let mut employee_ids: Vec<String> = requests.iter().map(|r| r.employee_id.clone()).collect();
        employee_ids.extend(requests.iter().filter_map(|r| r.approver_employee_id.clone()));
        let user_ids: Vec<String> = requests.iter().filter_map(|r| r.decided_by_user_id.clone()).collect();
        Ok(Names {
            employees: store::employee_names(conn, &employee_ids)?,
            users: store::user_names(conn, &user_ids)?,
            types: store::all_types(conn)?.into_iter().map(|t| (t.id, t.name)).collect(),
        })
    }

    pub fn employee(&self, id: &str) -> String {
        self.employees.get(id).cloned().unwrap_or_else(|| "Unknown employee".into())
    }
}

/// One's own leave in one year: its balances and requests, and the years
/// one may switch to.
pub struct Overview {
    pub year: i32,
    pub this_year: i32,
    /// Every year with requests, this year and next, in order.
    pub years: Vec<i32>,
    pub balances: Vec<Balance>,
    pub requests: Vec<LeaveRequest>,
    pub names: Names,
}

/// One's own leave in `year` (`None`: this year). `Invalid` names the field
/// `year` when it is outside `rules::BALANCE_YEARS`.
pub async fn overview(state: &AppState, actor: &Actor, year: Option<i32>) -> AppResult<Overview> {
    let me = actor.employee()?.id.clone();
    actor.authorize(Action::ViewLeave, Relation::Own)?;
    let this_year = state.clock.now().date().year();
    let year = rules::check_balance_year(year.unwrap_or(this_year)).map_err(|why| AppError::invalid("year", why))?;
    state.db.run(move |conn| Ok(leave_in_year(conn, &me, year, this_year)?)).await
}

/// `employee_id`'s balances and requests in `year`, and the years to switch to.
fn leave_in_year(
    conn: &mut DbConnection,
    employee_id: &str,
    year: i32,
    this_year: i32,
) -> diesel::QueryResult<Overview> {
    let balances = balances(conn, employee_id, year)?;
    let all = store::requests_of(conn, employee_id)?;
    let years = rules::years_to_show(&all, this_year);
    let requests: Vec<LeaveRequest> = all.into_iter().filter(|r| r.first_day.year() == year).collect();
    let names = Names::load(conn, &requests)?;
    Ok(Overview { year, this_year, years, balances, requests, names })
}

/// Someone's leave as their profile shows it, when the actor may see it
/// (HR, and their manager): `None` for anyone else.
pub fn on_profile(
    conn: &mut DbConnection,
    actor: &Actor,
    target: &Employee,
    year: i32,
    this_year: i32,
) -> diesel::QueryResult<Option<Overview>> {
    if !actor.can(Action::ViewLeave, actor.relation_to(target)) {
        return Ok(None);
    }
    leave_in_year(conn, &target.id, year, this_year).map(Some)
}

/// One's own balances in one calendar year.
pub struct YearBalances {
    pub year: i32,
    pub balances: Vec<Balance>,
}

/// One's own balances in `year` (`None`: this year). `Invalid` names the
/// field `year` when it is outside `rules::BALANCE_YEARS`.
pub async fn balances_in(state: &AppState, actor: &Actor, year: Option<i32>) -> AppResult<YearBalances> {
    let me = actor.employee()?.id.clone();
    actor.authorize(Action::ViewLeave, Relation::Own)?;
    let year = year.unwrap_or_else(|| state.clock.now().date().year());
    let year = rules::check_balance_year(year).map_err(|why| AppError::invalid("year", why))?;
    state.db.run(move |conn| Ok(YearBalances { year, balances: balances(conn, &me, year)? })).await
}

/// One page of a list of requests, with the names they mention.
pub struct RequestPage {
    pub requests: Vec<LeaveRequest>,
    pub names: Names,
    pub paging: Paging,
    /// How many there are on every page together.
    pub total: i64,
}

fn check_paging(page: Option<i64>, per_page: Option<i64>) -> AppResult<Paging> {
    Paging::check(page, per_page).map_err(AppError::Invalid)
}

/// One page of one's own requests, latest leave first. `Invalid` names the
/// fields `page` and `per_page`.
pub async fn own_requests(
    state: &AppState,
    actor: &Actor,
    page: Option<i64>,
    per_page: Option<i64>,
) -> AppResult<RequestPage> {
    let me = actor.employee()?.id.clone();
    actor.authorize(Action::ViewLeave, Relation::Own)?;
    let paging = check_paging(page, per_page)?;
    state
        .db
        .run(move |conn| {
            let total = store::count_requests_of(conn, &me)?;
            let requests = store::requests_of_page(conn, &me, paging.per_page, paging.offset())?;
            let names = Names::load(conn, &requests)?;
            Ok(RequestPage { requests, names, paging, total })
        })
        .await
}

/// What the request form offers: the types, with this year's balances.
pub async fn request_choices(state: &AppState, actor: &Actor) -> AppResult<(Vec<LeaveType>, Vec<Balance>)> {
    let me = actor.employee()?.id.clone();
    actor.authorize(Action::RequestLeave, Relation::Own)?;
    let year = state.clock.now().date().year();
    state.db.run(move |conn| Ok((store::all_types(conn)?, balances(conn, &me, year)?))).await
}

/// A request the actor may see (anything else is 404), its owner, and how it
/// relates to the actor.
pub struct Visible {
    pub request: LeaveRequest,
    pub owner: Employee,
    pub relation: Relation,
}

pub async fn visible(state: &AppState, actor: &Actor, id: String) -> AppResult<Visible> {
    let (request, owner) = state
        .db
        .run(move |conn| {
            let request = store::find_request(conn, &id)?;
            let owner = employee::find(conn, &request.employee_id)?;
            Ok((request, owner))
        })
        .await?;
    let relation = Relation::for_viewing(actor, &request, &owner);
    if !actor.can(Action::ViewLeave, relation) {
        return Err(AppError::NotFound);
    }
    Ok(Visible { request, owner, relation })
}

/// One request with what its page shows beside it.
pub struct Detail {
    pub request: LeaveRequest,
    pub names: Names,
    /// The owner's balance of that type, in the year of the request.
    pub balance: Balance,
    pub is_own: bool,
    /// Whether the actor may decide it now.
    pub can_decide: bool,
    /// When the actor may decide and the owner has a team (a manager, or
    /// else a department): the others in it away on its days.
    pub clashes: Option<calendar::TeamClashes>,
}

pub async fn detail(state: &AppState, actor: &Actor, id: String) -> AppResult<Detail> {
    let Visible { request, owner, relation } = visible(state, actor, id).await?;
    let year = request.first_day.year();
    let loaded = request.clone();
    let waiting = rules::decision_outcome(request.status(), true).is_some();
    let can_decide = waiting && actor.can(Action::DecideLeave, Relation::for_decision(actor, &request));
    let (names, balance, clashes) = state
        .db
        .run(move |conn| {
            let names = Names::load(conn, std::slice::from_ref(&loaded))?;
            let leave_type = store::find_type(conn, &loaded.leave_type_id)?.ok_or(AppError::NotFound)?;
            let clashes = if can_decide { calendar::clashes(conn, &owner, &loaded)? } else { None };
            Ok((names, balance(conn, &owner.id, &leave_type, year)?, clashes))
        })
        .await?;
    Ok(Detail { request, names, balance, is_own: relation == Relation::Own, can_decide, clashes })
}

/// One page of the approvals queue as a single list: the requests routed to
/// the actor first, then (for HR) everyone else's, each part oldest leave
/// first. Counted and paged in SQL; see `approvals` for the filtered page.
pub async fn queue_page(
    state: &AppState,
    actor: &Actor,
    page: Option<i64>,
    per_page: Option<i64>,
) -> AppResult<RequestPage> {
    approvals::whole_queue_page(state, actor, page, per_page).await
}

/// A request as it is now, with the names it mentions: what the JSON API
/// answers after changing one.
pub struct Shown {
    pub request: LeaveRequest,
    pub names: Names,
}

/// Reads a request the actor has just made or changed (and so may see).
async fn shown(state: &AppState, id: String) -> AppResult<Shown> {
    state
        .db
        .run(move |conn| {
            let request = store::find_request(conn, &id)?;
            let names = Names::load(conn, std::slice::from_ref(&request))?;
            Ok(Shown { request, names })
        })
        .await
}

// ---------- Requesting ----------

/// Makes concurrent leave changes for one employee take turns (see
/// `models::leave::lock_employee`) and checks the request, in one transaction.
pub async fn request(state: &AppState, actor: &Actor, input: RequestInput) -> AppResult<String> {
    let me = actor.employee()?.clone();
    actor.authorize(Action::RequestLeave, Relation::Own)?;
    let now = state.clock.now();
    let today = now.date();
    let types = state.db.run(|conn| Ok(store::all_types(conn)?)).await?;
    let checked = rules::check_request(&input, &types, today).map_err(AppError::Invalid)?;
    let who = Who::of(actor);
    let ctx = state.mail.clone();
    state
        .db
        .atomic(move |conn| {
            let id = create_request(conn, &me, checked, &who, now)?;
            notify::submitted(conn, &ctx, &id, &me, now)?;
            Ok(id)
        })
        .await
}

/// `request`, then the new request as it was saved.
pub async fn request_shown(state: &AppState, actor: &Actor, input: RequestInput) -> AppResult<Shown> {
    let id = request(state, actor, input).await?;
    shown(state, id).await
}

fn create_request(
    conn: &mut DbConnection,
    employee: &Employee,
    checked: CheckedRequest,
    who: &Who,
    now: Timestamp,
) -> AppResult<String> {
    store::lock_employee(conn, &employee.id)?;
    let CheckedRequest { leave_type, first, last, half_day, reason } = checked;
    let holidays = store::holiday_days_between(conn, first, last)?;
    let half_days = rules::working_half_days(first, last, half_day, &holidays);
    if half_days == 0 {
        return Err(AppError::invalid(
            "first_day",
            "There are no working days in these dates: weekends and public holidays do not count.",
        ));
    }
    if let Some(existing) = store::find_overlap(conn, &employee.id, first, last)? {
        return Err(AppError::invalid(
            "first_day",
            format!(
                "You already have leave {} ({}).",
                span_words(&existing),
                leave_status_label(existing.status()).to_lowercase()
            ),
        ));
    }
    let balance = balance(conn, &employee.id, &leave_type, first.year())?;
    rules::fits_at_request(&balance, half_days, now.date(), first.year())
        .map_err(|why| AppError::invalid("leave_type_id", why))?;
    let approver = approver_for(conn, employee)?;
    let id = new_id();
    store::insert_request(
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
        crate::display::format_days(half_days),
        if approver.is_some() { "manager" } else { "HR" },
    );
    audit::record(conn, now, Event::LeaveRequested, who.entry().detail(&detail))?;
    Ok(id)
}

// ---------- Changing a request ----------

/// What happens to a request.
#[derive(Clone, Debug)]
pub enum Change {
    /// Its owner cancels it (or asks to, when it is approved).
    Cancel,
    /// Its approver or HR decides it.
    Decide { approve: bool, decided_by: Option<String>, comment: Option<String> },
}

/// A request that moved, as it was before, and where it went.
pub struct Moved {
    pub before: LeaveRequest,
    pub from: LeaveStatus,
    pub to: LeaveStatus,
}

/// The one place a request changes status. Takes the owner's lock, reads the
/// request again (someone may have acted meanwhile), checks that it still
/// belongs to `expected_owner`, applies the rules of `change` and writes with
/// a conditional update. Call inside a transaction.
pub fn transition(
    conn: &mut DbConnection,
    id: &str,
    expected_owner: &str,
    change: &Change,
    now: Timestamp,
) -> AppResult<Moved> {
    store::lock_employee(conn, expected_owner)?;
    let current = store::find_request(conn, id)?;
    if current.employee_id != expected_owner {
        return Err(AppError::NotFound);
    }
    let from = current.status();
    let (to, decision) = match change {
        Change::Cancel => {
            let to = rules::cancel_outcome(from, current.first_day, now.date())
                .map_err(|why| AppError::conflict("Cannot cancel this leave", why))?;
            (to, None)
        }
        Change::Decide { approve, decided_by, comment } => {
            let Some(to) = rules::decision_outcome(from, *approve) else {
                return Err(already_decided(from));
            };
            if from == LeaveStatus::Pending && to == LeaveStatus::Approved {
                let leave_type = store::find_type(conn, &current.leave_type_id)?.ok_or(AppError::NotFound)?;
                let year = current.first_day.year();
                let balance = balance(conn, expected_owner, &leave_type, year)?;
                rules::fits_at_approval(&balance, current.half_days, year)
                    .map_err(|why| AppError::invalid("comment", why))?;
            }
            let decision = Decision {
                decided_by_user_id: decided_by.as_deref(),
                comment: comment.as_deref().filter(|c| !c.is_empty()),
            };
            (to, Some(decision))
        }
    };
    if !store::change_status(conn, &current.id, from, to, decision, now)? {
        return Err(match change {
            Change::Cancel => AppError::conflict(
                "Cannot cancel this leave",
                "This request changed while you were looking at it. Reload and try again.",
            ),
            Change::Decide { .. } => already_decided(from),
        });
    }
    Ok(Moved { before: current, from, to })
}

fn already_decided(status: LeaveStatus) -> AppError {
    AppError::conflict(
        "Already decided",
        format!(
            "This request is no longer waiting for a decision (it is {}). Nothing was changed.",
            leave_status_label(status).to_lowercase()
        ),
    )
}

fn audit_move(conn: &mut DbConnection, who: &Who, owner: &Employee, moved: &Moved, now: Timestamp) -> AppResult<()> {
    let event = match (moved.from, moved.to) {
        (LeaveStatus::CancelRequested, LeaveStatus::Cancelled) => Event::LeaveCancelApproved,
        (LeaveStatus::CancelRequested, _) => Event::LeaveCancelRejected,
        (LeaveStatus::Pending, LeaveStatus::Approved) => Event::LeaveApproved,
        (LeaveStatus::Pending, LeaveStatus::Rejected) => Event::LeaveRejected,
        (_, LeaveStatus::Cancelled) => Event::LeaveCancelled,
        _ => Event::LeaveCancelRequested,
    };
    let r = &moved.before;
    let detail = format!(
        "request {} of {}: {} {} to {}, {} -> {}",
        r.id,
        owner.employee_number,
        r.leave_type_id,
        r.first_day,
        r.last_day,
        moved.from.as_str(),
        moved.to.as_str()
    );
    audit::record(conn, now, event, who.entry().detail(&detail))?;
    Ok(())
}

/// The owner cancels a request (or asks to cancel approved leave that has not
/// started). Returns where it went.
pub async fn cancel(state: &AppState, actor: &Actor, id: String) -> AppResult<LeaveStatus> {
    let Visible { request, owner, relation } = visible(state, actor, id).await?;
    actor.authorize(Action::CancelLeave, relation)?;
    let now = state.clock.now();
    let who = Who::of(actor);
    let ctx = state.mail.clone();
    state
        .db
        .atomic(move |conn| {
            let moved = transition(conn, &request.id, &owner.id, &Change::Cancel, now)?;
            audit_move(conn, &who, &owner, &moved, now)?;
            notify::moved(conn, &ctx, &owner, &moved, "", now)?;
            Ok(moved.to)
        })
        .await
}

/// What cancelling request `id` would do, for its owner's confirmation
/// page: the request with its names, and the status it would move to
/// (`Cancelled`, or `CancelRequested` for approved leave). Refused, with the
/// reason, as `cancel` would refuse it.
pub async fn cancel_preview(state: &AppState, actor: &Actor, id: String) -> AppResult<(Shown, LeaveStatus)> {
    let Visible { request, relation, .. } = visible(state, actor, id).await?;
    actor.authorize(Action::CancelLeave, relation)?;
    let to = rules::cancel_outcome(request.status(), request.first_day, state.clock.now().date())
        .map_err(|why| AppError::conflict("Cannot cancel this leave", why))?;
    Ok((shown(state, request.id).await?, to))
}

/// `cancel`, then the request as it is now.
pub async fn cancel_shown(state: &AppState, actor: &Actor, id: String) -> AppResult<Shown> {
    cancel(state, actor, id.clone()).await?;
    shown(state, id).await
}

/// A decision as sent: "approve" or "reject", and a comment.
pub struct DecisionInput {
    pub decision: String,
    pub comment: String,
}

/// Approves or rejects a request (or a request to cancel approved leave).
/// Rejecting needs a comment; approving must fit the balance. Returns the
/// statuses it moved between.
pub async fn decide(
    state: &AppState,
    actor: &Actor,
    id: String,
    input: DecisionInput,
) -> AppResult<(LeaveStatus, LeaveStatus)> {
    let Visible { request, owner, .. } = visible(state, actor, id).await?;
    let relation = Relation::for_decision(actor, &request);
    if relation == Relation::Own {
        return Err(AppError::forbidden("You cannot decide your own leave request: your manager or HR decides it."));
    }
    actor.authorize(Action::DecideLeave, relation)?;
    let approve = match input.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(AppError::BadRequest("Choose Approve or Reject.".into())),
    };
    let comment = input.comment.trim().to_owned();
    if comment.chars().count() > rules::MAX_COMMENT_CHARS {
        return Err(AppError::invalid("comment", format!("Use at most {} characters.", rules::MAX_COMMENT_CHARS)));
    }
    if !approve && comment.is_empty() {
        return Err(AppError::invalid("comment", "Add a comment saying why, so that the employee knows."));
    }
    let now = state.clock.now();
    let who = Who::of(actor);
    let ctx = state.mail.clone();
    let change =
        Change::Decide { approve, decided_by: actor.user_id().map(str::to_owned), comment: Some(comment.clone()) };
    state
        .db
        .atomic(move |conn| {
            let moved = transition(conn, &request.id, &owner.id, &change, now)?;
            audit_move(conn, &who, &owner, &moved, now)?;
            notify::moved(conn, &ctx, &owner, &moved, &comment, now)?;
            Ok((moved.from, moved.to))
        })
        .await
}

/// `decide`, then the request as it is now.
pub async fn decide_shown(state: &AppState, actor: &Actor, id: String, input: DecisionInput) -> AppResult<Shown> {
    decide(state, actor, id.clone(), input).await?;
    shown(state, id).await
}

// ---------- Settings: leave types and public holidays ----------

fn authorize_settings(actor: &Actor) -> AppResult<()> {
    actor.authorize_global(Action::ManageLeaveTypes)?;
    actor.authorize_global(Action::ManageHolidays)
}

/// What HR maintains: the types and this year's and next year's holidays.
pub struct Settings {
    pub types: Vec<LeaveType>,
    pub holidays: Vec<Holiday>,
    pub range: (Date, Date),
}

pub async fn settings(state: &AppState, actor: &Actor) -> AppResult<Settings> {
    authorize_settings(actor)?;
    let range = rules::holiday_range(state.clock.now().date());
    let (start, end) = range;
    let (types, holidays) =
        state.db.run(move |conn| Ok((store::all_types(conn)?, store::holidays_between(conn, start, end)?))).await?;
    Ok(Settings { types, holidays, range })
}

/// Sets a type's yearly allowance from what HR typed (empty: unlimited).
/// `Invalid` names the field `allowance`. The most it carries over stays, but
/// never more than the new allowance.
pub async fn set_allowance(state: &AppState, actor: &Actor, type_id: String, typed: &str) -> AppResult<()> {
    update_type(state, actor, type_id, typed, None).await
}

/// Sets a type's yearly allowance (empty: unlimited) and, when given, the
/// most unused days it carries into the next year (empty: 0). `Invalid`
/// names the fields `allowance` and `carry_over`.
pub async fn update_type(
    state: &AppState,
    actor: &Actor,
    type_id: String,
    allowance: &str,
    carry_over: Option<&str>,
) -> AppResult<()> {
    authorize_settings(actor)?;
    let lookup = type_id.clone();
    let leave_type = state.db.run(move |conn| Ok(store::find_type(conn, &lookup)?)).await?.ok_or(AppError::NotFound)?;
    let days = rules::parse_allowance(allowance).map_err(|why| AppError::invalid("allowance", why))?;
    let carry = match carry_over {
        Some(typed) => rules::parse_carry_over(typed, days).map_err(|why| AppError::invalid("carry_over", why))?,
        None => days.map_or(0, |d| leave_type.max_carry_over_half_days.min(d * 2)),
    };
    let now = state.clock.now();
    let show = |d: Option<i32>| d.map_or_else(|| "unlimited".to_owned(), |d| d.to_string());
    let detail = format!(
        "{}: {} -> {}, carry-over {} -> {}",
        leave_type.id,
        show(leave_type.yearly_allowance_days),
        show(days),
        crate::display::format_days(leave_type.max_carry_over_half_days),
        crate::display::format_days(carry)
    );
    let who = Who::of(actor);
    state
        .db
        .atomic(move |conn| {
            if !store::set_allowance_and_carry_over(conn, &leave_type.id, days, carry, now)? {
                return Err(AppError::NotFound);
            }
            audit::record(conn, now, Event::LeaveTypeUpdated, who.entry().detail(&detail))?;
            Ok(())
        })
        .await
}

/// Adds a public holiday. `Invalid` names the fields `day` and `name`.
pub async fn add_holiday(state: &AppState, actor: &Actor, day: &str, name: &str) -> AppResult<()> {
    authorize_settings(actor)?;
    let range = rules::holiday_range(state.clock.now().date());
    let (day, name) = rules::check_holiday(day, name, range).map_err(AppError::Invalid)?;
    let now = state.clock.now();
    let who = Who::of(actor);
    let taken_by = state
        .db
        .atomic(move |conn| {
            if let Some(existing) = store::holiday_on(conn, day)? {
                return Ok(Some(existing.name));
            }
            // The unique index has the last word when two people add the same day at once.
            if !store::add_holiday(conn, &new_id(), day, &name)? {
                return Ok(Some(store::holiday_on(conn, day)?.map(|h| h.name).unwrap_or_default()));
            }
            audit::record(conn, now, Event::HolidayAdded, who.entry().detail(&format!("{day}: {name}")))?;
            Ok(None)
        })
        .await?;
    match taken_by {
        Some(existing) => Err(AppError::Invalid(FieldErrors::one(
            "day",
            format!("{} is already a public holiday ({existing}).", crate::display::long_date(day)),
        ))),
        None => Ok(()),
    }
}

/// The holiday `id`, for HR about to remove it (the confirmation page);
/// 404 when there is none.
pub async fn holiday_for_removal(state: &AppState, actor: &Actor, id: String) -> AppResult<Holiday> {
    authorize_settings(actor)?;
    state.db.run(move |conn| store::find_holiday(conn, &id).optional()?.ok_or(AppError::NotFound)).await
}

pub async fn delete_holiday(state: &AppState, actor: &Actor, id: String) -> AppResult<()> {
    authorize_settings(actor)?;
    let now = state.clock.now();
    let who = Who::of(actor);
    state
        .db
        .atomic(move |conn| {
            let holiday = store::find_holiday(conn, &id)?;
            if !store::delete_holiday(conn, &holiday.id)? {
                return Err(AppError::NotFound);
            }
            let detail = format!("{}: {}", holiday.day, holiday.name);
            audit::record(conn, now, Event::HolidayDeleted, who.entry().detail(&detail))?;
            Ok(())
        })
        .await
}
