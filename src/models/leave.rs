//! Leave storage: types with a yearly allowance, public holidays, requests,
//! and the queries that read and write them. The rules (working days,
//! balances, what may happen to a request) are in `domain::leave`.

use std::collections::HashMap;

use diesel::prelude::*;
use time::Date;

use crate::clock::Timestamp;
use crate::db::DbConnection;
use crate::db::schema::{employees, leave_requests, leave_types, public_holidays, users};
use crate::models::employee::Employee;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeaveStatus {
    Pending,
    Approved,
    Rejected,
    Cancelled,
    /// Approved leave the employee asked to cancel; the approver decides.
    CancelRequested,
}

impl LeaveStatus {
    pub const ALL: [LeaveStatus; 5] = [
        LeaveStatus::Pending,
        LeaveStatus::Approved,
        LeaveStatus::Rejected,
        LeaveStatus::Cancelled,
        LeaveStatus::CancelRequested,
    ];

    /// The statuses that hold days: they count against the balance and
    /// block overlapping requests.
    pub const ACTIVE: [LeaveStatus; 3] = [LeaveStatus::Pending, LeaveStatus::Approved, LeaveStatus::CancelRequested];

    /// The statuses waiting for a decision.
    pub const AWAITING_DECISION: [LeaveStatus; 2] = [LeaveStatus::Pending, LeaveStatus::CancelRequested];

    pub fn as_str(self) -> &'static str {
        match self {
            LeaveStatus::Pending => "pending",
            LeaveStatus::Approved => "approved",
            LeaveStatus::Rejected => "rejected",
            LeaveStatus::Cancelled => "cancelled",
            LeaveStatus::CancelRequested => "cancel_requested",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }
}

// `eq_any` would have diesel prepare these queries afresh each time (it never
// caches a statement with an IN list); these fixed OR chains are cached.
type StatusIs = diesel::dsl::Eq<leave_requests::status, &'static str>;

fn status_is(status: LeaveStatus) -> StatusIs {
    leave_requests::status.eq(status.as_str())
}

/// Pending, or approved with a cancellation asked for. An `IN`, not an
/// `OR`: with `OR` SQLite reads every waiting request in the company through
/// the status index instead of one approver's through theirs (42 ms against
/// 0.03 ms per Approvals tab at 50,000 people).
fn awaiting_decision() -> diesel::dsl::EqAny<leave_requests::status, Vec<&'static str>> {
    leave_requests::status.eq_any(LeaveStatus::AWAITING_DECISION.iter().map(|s| s.as_str()).collect::<Vec<_>>())
}

/// Requests that hold days: pending, approved, cancellation asked for.
fn holding_days() -> diesel::dsl::Or<diesel::dsl::Or<StatusIs, StatusIs>, StatusIs> {
    status_is(LeaveStatus::Pending).or(status_is(LeaveStatus::Approved)).or(status_is(LeaveStatus::CancelRequested))
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = leave_types)]
pub struct LeaveType {
    pub id: String,
    pub name: String,
    /// `None`: unlimited.
    pub yearly_allowance_days: Option<i32>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The most unused days that carry into the next year, in half days.
    pub max_carry_over_half_days: i32,
}

impl LeaveType {
    pub fn allowance_half_days(&self) -> Option<i32> {
        self.yearly_allowance_days.map(|d| d * 2)
    }
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = public_holidays)]
pub struct Holiday {
    pub id: String,
    pub day: Date,
    pub name: String,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = leave_requests)]
pub struct LeaveRequest {
    pub id: String,
    pub employee_id: String,
    pub leave_type_id: String,
    pub first_day: Date,
    pub last_day: Date,
    pub half_day: bool,
    pub half_days: i32,
    pub reason: String,
    pub status: String,
    pub approver_employee_id: Option<String>,
    pub decided_by_user_id: Option<String>,
    pub decided_at: Option<Timestamp>,
    pub decision_comment: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl LeaveRequest {
    /// Unknown values read as Cancelled (inert): the column is only written through `LeaveStatus`.
    pub fn status(&self) -> LeaveStatus {
        LeaveStatus::parse(&self.status).unwrap_or(LeaveStatus::Cancelled)
    }
}

#[derive(Insertable)]
#[diesel(table_name = leave_requests)]
pub struct NewLeaveRequest<'a> {
    pub id: &'a str,
    pub employee_id: &'a str,
    pub leave_type_id: &'a str,
    pub first_day: Date,
    pub last_day: Date,
    pub half_day: bool,
    pub half_days: i32,
    pub reason: &'a str,
    pub status: &'a str,
    pub approver_employee_id: Option<&'a str>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

// ---------- Leave types ----------

pub fn all_types(conn: &mut DbConnection) -> QueryResult<Vec<LeaveType>> {
    leave_types::table.order(leave_types::name.asc()).select(LeaveType::as_select()).load(conn)
}

pub fn find_type(conn: &mut DbConnection, id: &str) -> QueryResult<Option<LeaveType>> {
    leave_types::table.find(id).select(LeaveType::as_select()).first(conn).optional()
}

/// `None` makes the type unlimited. Returns whether the type exists.
pub fn set_allowance(conn: &mut DbConnection, id: &str, days: Option<i32>, now: Timestamp) -> QueryResult<bool> {
    let updated = diesel::update(leave_types::table.find(id))
        .set((leave_types::yearly_allowance_days.eq(days), leave_types::updated_at.eq(now)))
        .execute(conn)?;
    Ok(updated > 0)
}

/// Sets a type's allowance (`None`: unlimited) and the most it carries into
/// the next year, in half days. Returns whether the type exists.
pub fn set_allowance_and_carry_over(
    conn: &mut DbConnection,
    id: &str,
    days: Option<i32>,
    max_carry_over_half_days: i32,
    now: Timestamp,
) -> QueryResult<bool> {
    let updated = diesel::update(leave_types::table.find(id))
        .set((
            leave_types::yearly_allowance_days.eq(days),
            leave_types::max_carry_over_half_days.eq(max_carry_over_half_days),
            leave_types::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(updated > 0)
}

// ---------- Public holidays ----------

/// The holidays from `from` to `to`, inclusive, by day.
pub fn holidays_between(conn: &mut DbConnection, from: Date, to: Date) -> QueryResult<Vec<Holiday>> {
    public_holidays::table
        .filter(public_holidays::day.ge(from))
        .filter(public_holidays::day.le(to))
        .order(public_holidays::day.asc())
        .select(Holiday::as_select())
        .load(conn)
}

pub fn holiday_days_between(conn: &mut DbConnection, from: Date, to: Date) -> QueryResult<Vec<Date>> {
    Ok(holidays_between(conn, from, to)?.into_iter().map(|h| h.day).collect())
}

pub fn find_holiday(conn: &mut DbConnection, id: &str) -> QueryResult<Holiday> {
    public_holidays::table.find(id).select(Holiday::as_select()).first(conn)
}

pub fn holiday_on(conn: &mut DbConnection, day: Date) -> QueryResult<Option<Holiday>> {
    public_holidays::table.filter(public_holidays::day.eq(day)).select(Holiday::as_select()).first(conn).optional()
}

/// Adds a holiday. `Ok(false)` when that day already has one (the unique
/// index decides). Runs in a savepoint so a violation cannot abort the
/// caller's transaction on PostgreSQL.
pub fn add_holiday(conn: &mut DbConnection, id: &str, day: Date, name: &str) -> QueryResult<bool> {
    let insert = conn.transaction(|conn| {
        diesel::insert_into(public_holidays::table)
            .values((public_holidays::id.eq(id), public_holidays::day.eq(day), public_holidays::name.eq(name)))
            .execute(conn)
    });
    match insert {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e),
    }
}

pub fn delete_holiday(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    Ok(diesel::delete(public_holidays::table.find(id)).execute(conn)? > 0)
}

// ---------- Requests ----------

pub fn find_request(conn: &mut DbConnection, id: &str) -> QueryResult<LeaveRequest> {
    leave_requests::table.find(id).select(LeaveRequest::as_select()).first(conn)
}

/// The requests with these ids (those that exist), in no particular order.
pub fn find_requests(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<LeaveRequest>> {
    leave_requests::table.filter(leave_requests::id.eq_any(ids)).select(LeaveRequest::as_select()).load(conn)
}

/// One employee's requests, the latest leave first.
pub fn requests_of(conn: &mut DbConnection, employee_id: &str) -> QueryResult<Vec<LeaveRequest>> {
    recent_requests_of(conn, employee_id, i64::MAX)
}

/// The newest `limit` requests of an employee, by first day.
pub fn recent_requests_of(conn: &mut DbConnection, employee_id: &str, limit: i64) -> QueryResult<Vec<LeaveRequest>> {
    leave_requests::table
        .filter(leave_requests::employee_id.eq(employee_id))
        .order((leave_requests::first_day.desc(), leave_requests::created_at.desc()))
        .limit(limit)
        .select(LeaveRequest::as_select())
        .load(conn)
}

/// One page of an employee's requests, latest leave first (ties: newest
/// first, then by id, so that pages neither repeat nor skip a request).
pub fn requests_of_page(
    conn: &mut DbConnection,
    employee_id: &str,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<LeaveRequest>> {
    leave_requests::table
        .filter(leave_requests::employee_id.eq(employee_id))
        .order((leave_requests::first_day.desc(), leave_requests::created_at.desc(), leave_requests::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(LeaveRequest::as_select())
        .load(conn)
}

/// How many requests an employee has made, any status.
pub fn count_requests_of(conn: &mut DbConnection, employee_id: &str) -> QueryResult<i64> {
    leave_requests::table.filter(leave_requests::employee_id.eq(employee_id)).count().get_result(conn)
}

/// Requests routed to `approver_id` that wait for a decision, oldest leave first.
pub fn awaiting_approver(conn: &mut DbConnection, approver_id: &str) -> QueryResult<Vec<LeaveRequest>> {
    leave_requests::table
        .filter(leave_requests::approver_employee_id.eq(approver_id))
        .filter(awaiting_decision())
        .order((leave_requests::first_day.asc(), leave_requests::created_at.asc()))
        .select(LeaveRequest::as_select())
        .load(conn)
}

/// The first `limit` requests in the company that wait for a decision, oldest leave first.
pub fn first_awaiting_decision(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<LeaveRequest>> {
    leave_requests::table
        .filter(awaiting_decision())
        .order((leave_requests::first_day.asc(), leave_requests::created_at.asc()))
        .limit(limit)
        .select(LeaveRequest::as_select())
        .load(conn)
}

/// The first of the employee's pending, approved or cancel-requested requests
/// that shares a day with `first..=last`; rejected and cancelled ones do not count.
pub fn find_overlap(
    conn: &mut DbConnection,
    employee_id: &str,
    first: Date,
    last: Date,
) -> QueryResult<Option<LeaveRequest>> {
    leave_requests::table
        .filter(leave_requests::employee_id.eq(employee_id))
        .filter(holding_days())
        .filter(leave_requests::first_day.le(last))
        .filter(leave_requests::last_day.ge(first))
        .order(leave_requests::first_day.asc())
        .select(LeaveRequest::as_select())
        .first(conn)
        .optional()
}

/// Routes every request of `employee_id` that waits for a decision to
/// `approver_id` (`None`: HR). Returns how many moved.
pub fn route_waiting_requests(
    conn: &mut DbConnection,
    employee_id: &str,
    approver_id: Option<&str>,
    now: Timestamp,
) -> QueryResult<usize> {
    diesel::update(
        leave_requests::table.filter(leave_requests::employee_id.eq(employee_id)).filter(awaiting_decision()),
    )
    .set((leave_requests::approver_employee_id.eq(approver_id), leave_requests::updated_at.eq(now)))
    .execute(conn)
}

/// Routes every waiting request of the people whose manager is `manager_id`
/// to `approver_id` (`None`: HR). Returns how many moved.
pub fn route_waiting_requests_of_reports(
    conn: &mut DbConnection,
    manager_id: &str,
    approver_id: Option<&str>,
    now: Timestamp,
) -> QueryResult<usize> {
    let reports = employees::table.filter(employees::manager_id.eq(manager_id)).select(employees::id);
    diesel::update(
        leave_requests::table.filter(leave_requests::employee_id.eq_any(reports)).filter(awaiting_decision()),
    )
    .set((leave_requests::approver_employee_id.eq(approver_id), leave_requests::updated_at.eq(now)))
    .execute(conn)
}

/// The requests of the people around `me` (those who share my manager, my
/// manager, my direct reports) that touch `from..=to`, any status. The team
/// is a subquery, which (unlike a list of ids) lets the statement be
/// prepared once and cached.
pub fn team_requests_between(
    conn: &mut DbConnection,
    me: &Employee,
    from: Date,
    to: Date,
) -> QueryResult<Vec<LeaveRequest>> {
    let manager_id = me.manager_id.clone().unwrap_or_default();
    let team_ids = employees::table
        .filter(
            employees::manager_id
                .eq(me.id.clone())
                .or(employees::manager_id.eq(manager_id.clone()))
                .or(employees::id.eq(manager_id)),
        )
        .filter(employees::id.ne(me.id.clone()))
        .select(employees::id);
    leave_requests::table
        .filter(leave_requests::employee_id.eq_any(team_ids))
        .filter(leave_requests::first_day.le(to))
        .filter(leave_requests::last_day.ge(from))
        .order(leave_requests::first_day.asc())
        .select(LeaveRequest::as_select())
        .load(conn)
}

/// Makes concurrent leave changes for one employee take turns until the
/// transaction ends, so that "check the balance, then write" cannot interleave:
/// a no-op UPDATE locks the employee's row on PostgreSQL and takes the write
/// lock on SQLite. Call it first in the transaction.
pub fn lock_employee(conn: &mut DbConnection, employee_id: &str) -> QueryResult<()> {
    diesel::update(employees::table.find(employee_id))
        .set(employees::updated_at.eq(employees::updated_at))
        .execute(conn)?;
    Ok(())
}

pub fn insert_request(conn: &mut DbConnection, request: &NewLeaveRequest<'_>) -> QueryResult<()> {
    diesel::insert_into(leave_requests::table).values(request).execute(conn)?;
    Ok(())
}

/// Who decided, and what they said.
pub struct Decision<'a> {
    pub decided_by_user_id: Option<&'a str>,
    pub comment: Option<&'a str>,
}

/// Moves a request from `from` to `to`, only if it is still in `from`: of two
/// people acting at once, one wins and the other gets `Ok(false)`.
pub fn change_status(
    conn: &mut DbConnection,
    id: &str,
    from: LeaveStatus,
    to: LeaveStatus,
    decision: Option<Decision<'_>>,
    now: Timestamp,
) -> QueryResult<bool> {
    let target =
        leave_requests::table.filter(leave_requests::id.eq(id)).filter(leave_requests::status.eq(from.as_str()));
    let updated = match decision {
        Some(d) => diesel::update(target)
            .set((
                leave_requests::status.eq(to.as_str()),
                leave_requests::decided_by_user_id.eq(d.decided_by_user_id),
                leave_requests::decided_at.eq(now),
                leave_requests::decision_comment.eq(d.comment),
                leave_requests::updated_at.eq(now),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set((leave_requests::status.eq(to.as_str()), leave_requests::updated_at.eq(now)))
            .execute(conn)?,
    };
    Ok(updated > 0)
}

/// Employee id -> full name, for the given ids.
pub fn employee_names(conn: &mut DbConnection, ids: &[String]) -> QueryResult<HashMap<String, String>> {
    let rows: Vec<(String, String)> =
        employees::table.filter(employees::id.eq_any(ids)).select((employees::id, employees::full_name)).load(conn)?;
    Ok(rows.into_iter().collect())
}

/// User id -> full name, for the given ids.
pub fn user_names(conn: &mut DbConnection, ids: &[String]) -> QueryResult<HashMap<String, String>> {
    let rows: Vec<(String, String)> =
        users::table.filter(users::id.eq_any(ids)).select((users::id, users::full_name)).load(conn)?;
    Ok(rows.into_iter().collect())
}

/// The requests of `employee_id` that hold days (pending, approved, cancellation
/// asked for) and start from `start` to `end`.
pub fn active_requests_between(
    conn: &mut DbConnection,
    employee_id: &str,
    start: Date,
    end: Date,
) -> QueryResult<Vec<LeaveRequest>> {
    leave_requests::table
        .filter(leave_requests::employee_id.eq(employee_id))
        .filter(holding_days())
        .filter(leave_requests::first_day.ge(start))
        .filter(leave_requests::first_day.le(end))
        .select(LeaveRequest::as_select())
        .load(conn)
}

// ---------- The approvals queue ----------

type Backend = <DbConnection as diesel::Connection>::Backend;

/// What the approvals queue is narrowed to; `None`: any.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueueFilter {
    pub department_id: Option<String>,
    pub leave_type_id: Option<String>,
    /// Requests that share a day with `from..=to`; either end may be open.
    pub from: Option<Date>,
    pub to: Option<Date>,
}

/// One part of someone's approvals queue.
#[derive(Clone, Copy, Debug)]
pub enum QueuePart<'a> {
    /// The requests routed to this employee as approver.
    RoutedTo(&'a str),
    /// Every other waiting request (HR's view): neither routed to nor made by
    /// this employee (`None`: an account without a record, so every one).
    Rest(Option<&'a str>),
}

fn queue_query(part: QueuePart<'_>, filter: &QueueFilter) -> leave_requests::BoxedQuery<'static, Backend> {
    let mut query = leave_requests::table.filter(awaiting_decision()).into_boxed();
    match part {
        QueuePart::RoutedTo(me) => query = query.filter(leave_requests::approver_employee_id.eq(me.to_owned())),
        QueuePart::Rest(Some(me)) => {
            query = query
                .filter(
                    leave_requests::approver_employee_id
                        .is_null()
                        .or(leave_requests::approver_employee_id.ne(me.to_owned())),
                )
                .filter(leave_requests::employee_id.ne(me.to_owned()));
        }
        QueuePart::Rest(None) => {}
    }
    if let Some(department_id) = &filter.department_id {
        let staff = employees::table.filter(employees::department_id.eq(department_id.clone())).select(employees::id);
        query = query.filter(leave_requests::employee_id.eq_any(staff));
    }
    if let Some(type_id) = &filter.leave_type_id {
        query = query.filter(leave_requests::leave_type_id.eq(type_id.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(leave_requests::last_day.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(leave_requests::first_day.le(to));
    }
    query
}

/// How many requests of one part of the queue match `filter`.
pub fn count_queue(conn: &mut DbConnection, part: QueuePart<'_>, filter: &QueueFilter) -> QueryResult<i64> {
    queue_query(part, filter).count().get_result(conn)
}

/// One page of one part of the queue, oldest leave first (ties by creation,
/// then id, so that pages neither repeat nor skip a request).
pub fn queue_page(
    conn: &mut DbConnection,
    part: QueuePart<'_>,
    filter: &QueueFilter,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<LeaveRequest>> {
    queue_query(part, filter)
        .order((leave_requests::first_day.asc(), leave_requests::created_at.asc(), leave_requests::id.asc()))
        .limit(limit)
        .offset(offset)
        .select(LeaveRequest::as_select())
        .load(conn)
}

/// How many waiting requests are routed to the account `user_id` as approver.
pub fn count_routed_to_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<i64> {
    // The record first: an equality lets the (approver, status) index answer.
    let me: Option<String> =
        employees::table.filter(employees::user_id.eq(user_id)).select(employees::id).first(conn).optional()?;
    let Some(me) = me else { return Ok(0) };
    leave_requests::table
        .filter(leave_requests::approver_employee_id.eq(me))
        .filter(awaiting_decision())
        .count()
        .get_result(conn)
}

/// How many requests in the company wait for a decision, the account's own aside.
pub fn count_waiting_except_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<i64> {
    let me = employees::table.filter(employees::user_id.eq(user_id.to_owned())).select(employees::id);
    leave_requests::table
        .filter(awaiting_decision())
        .filter(diesel::dsl::not(leave_requests::employee_id.eq_any(me)))
        .count()
        .get_result(conn)
}

/// Whether the account `user_id` manages anyone who still works here.
pub fn user_has_reports(conn: &mut DbConnection, user_id: &str) -> QueryResult<bool> {
    let managers = diesel::alias!(employees as managers);
    let me = managers
        .filter(managers.field(employees::user_id).eq(user_id.to_owned()))
        .select(managers.field(employees::id).nullable());
    let report = employees::table
        .filter(employees::manager_id.eq_any(me))
        .filter(employees::status.ne(crate::models::employee::EmployeeStatus::Terminated.as_str()))
        .select(employees::id)
        .first::<String>(conn)
        .optional()?;
    Ok(report.is_some())
}

// ---------- HR's list of every request ----------

/// What HR's list of every request is narrowed to: the queue's filters, a
/// part of the person's name and a status; `None`: any.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllFilter {
    pub queue: QueueFilter,
    pub person: Option<String>,
    pub status: Option<LeaveStatus>,
}

diesel::define_sql_function! {
    /// Lower-cases text, for the name search.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

fn all_query(filter: &AllFilter) -> leave_requests::BoxedQuery<'static, Backend> {
    use crate::models::employee::contains_pattern;
    let mut query = leave_requests::table.into_boxed();
    let queue = &filter.queue;
    if let Some(department_id) = &queue.department_id {
        let staff = employees::table.filter(employees::department_id.eq(department_id.clone())).select(employees::id);
        query = query.filter(leave_requests::employee_id.eq_any(staff));
    }
    if let Some(person) = &filter.person {
        let named = employees::table
            .filter(lower(employees::full_name).like(contains_pattern(person)).escape('\\'))
            .select(employees::id);
        query = query.filter(leave_requests::employee_id.eq_any(named));
    }
    if let Some(type_id) = &queue.leave_type_id {
        query = query.filter(leave_requests::leave_type_id.eq(type_id.clone()));
    }
    if let Some(status) = filter.status {
        query = query.filter(status_is(status));
    }
    if let Some(from) = queue.from {
        query = query.filter(leave_requests::last_day.ge(from));
    }
    if let Some(to) = queue.to {
        query = query.filter(leave_requests::first_day.le(to));
    }
    query
}

/// How many requests match `filter`.
pub fn count_all(conn: &mut DbConnection, filter: &AllFilter) -> QueryResult<i64> {
    all_query(filter).count().get_result(conn)
}

/// One page of the requests matching `filter`, newest first (ties by id, so
/// that pages neither repeat nor skip a request).
pub fn all_page(
    conn: &mut DbConnection,
    filter: &AllFilter,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<LeaveRequest>> {
    all_query(filter)
        .order((leave_requests::created_at.desc(), leave_requests::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(LeaveRequest::as_select())
        .load(conn)
}

/// Every request that holds days (pending, approved, cancellation asked
/// for) starting in `start..=end`, whoever made it: the leave report's one read.
pub fn all_active_requests_between(conn: &mut DbConnection, start: Date, end: Date) -> QueryResult<Vec<LeaveRequest>> {
    leave_requests::table
        .filter(holding_days())
        .filter(leave_requests::first_day.ge(start))
        .filter(leave_requests::first_day.le(end))
        .select(LeaveRequest::as_select())
        .load(conn)
}
