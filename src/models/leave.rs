//! Leave: types with a yearly allowance, public holidays, and requests.
//!
//! Amounts are integers in HALF DAYS (a full working day is 2), so half-day
//! leave needs no floating point. A request never crosses 31 December (the
//! form refuses it), so each request belongs to the year of its first day and
//! balances are computed per calendar year from that.

use std::collections::HashMap;

use diesel::prelude::*;
use time::{Date, Month, Weekday};

use crate::clock::Timestamp;
use crate::db::DbConnection;
use crate::db::schema::{employees, leave_requests, leave_types, public_holidays, users};
use crate::models::employee::{self, Employee};

/// The longest allowance HR may set, in days.
pub const MAX_ALLOWANCE_DAYS: i32 = 366;

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

    pub fn label(self) -> &'static str {
        match self {
            LeaveStatus::Pending => "Pending",
            LeaveStatus::Approved => "Approved",
            LeaveStatus::Rejected => "Rejected",
            LeaveStatus::Cancelled => "Cancelled",
            LeaveStatus::CancelRequested => "Cancellation requested",
        }
    }

    /// The CSS class of the status pill.
    pub fn pill_class(self) -> &'static str {
        match self {
            LeaveStatus::Pending | LeaveStatus::CancelRequested => "pill-amber",
            LeaveStatus::Approved => "pill-green",
            LeaveStatus::Rejected => "pill-red",
            LeaveStatus::Cancelled => "pill-grey",
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

/// Pending, or approved with a cancellation asked for.
fn awaiting_decision() -> diesel::dsl::Or<StatusIs, StatusIs> {
    status_is(LeaveStatus::Pending).or(status_is(LeaveStatus::CancelRequested))
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

// ---------- Working days (pure) ----------

/// Monday to Friday, and not a public holiday.
pub fn is_working_day(day: Date, holidays: &[Date]) -> bool {
    !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) && !holidays.contains(&day)
}

/// How much leave `first..=last` takes, in half days: each working day counts
/// 2, or 1 when `half_day` (which the form only allows for a single day).
/// Weekends and `holidays` count nothing; an empty or reversed range is 0.
pub fn working_half_days(first: Date, last: Date, half_day: bool, holidays: &[Date]) -> i32 {
    let per_day = if half_day { 1 } else { 2 };
    let mut total = 0;
    let mut day = first;
    while day <= last {
        if is_working_day(day, holidays) {
            total += per_day;
        }
        match day.next_day() {
            Some(next) => day = next,
            None => break,
        }
    }
    total
}

/// "3", "2.5", "-1.5": half days shown as days.
pub fn format_days(half_days: i32) -> String {
    let sign = if half_days < 0 { "-" } else { "" };
    let abs = half_days.unsigned_abs();
    if abs.is_multiple_of(2) { format!("{sign}{}", abs / 2) } else { format!("{sign}{}.5", abs / 2) }
}

/// "1 day", "0.5 days", "12 days".
pub fn days_phrase(half_days: i32) -> String {
    if half_days == 2 { "1 day".to_owned() } else { format!("{} days", format_days(half_days)) }
}

pub fn year_start(year: i32) -> Option<Date> {
    Date::from_calendar_date(year, Month::January, 1).ok()
}

pub fn year_end(year: i32) -> Option<Date> {
    Date::from_calendar_date(year, Month::December, 31).ok()
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

/// Requests routed to `approver_id` that wait for a decision, oldest leave first.
pub fn awaiting_approver(conn: &mut DbConnection, approver_id: &str) -> QueryResult<Vec<LeaveRequest>> {
    leave_requests::table
        .filter(leave_requests::approver_employee_id.eq(approver_id))
        .filter(awaiting_decision())
        .order((leave_requests::first_day.asc(), leave_requests::created_at.asc()))
        .select(LeaveRequest::as_select())
        .load(conn)
}

/// Every request in the company that waits for a decision, oldest leave first.
pub fn all_awaiting_decision(conn: &mut DbConnection) -> QueryResult<Vec<LeaveRequest>> {
    leave_requests::table
        .filter(awaiting_decision())
        .order((leave_requests::first_day.asc(), leave_requests::created_at.asc()))
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

/// Who decides a new request of `employee`: their manager, unless they have
/// none or the manager has left; `None` means HR.
pub fn approver_for(conn: &mut DbConnection, employee: &Employee) -> QueryResult<Option<String>> {
    let Some(manager_id) = employee.manager_id.as_deref() else {
        return Ok(None);
    };
    let manager = match employee::find(conn, manager_id) {
        Ok(manager) => Some(manager),
        Err(diesel::result::Error::NotFound) => None,
        Err(e) => return Err(e),
    };
    Ok(manager.filter(|m| !m.is_terminated()).map(|m| m.id))
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
    pub decided_by_user_id: &'a str,
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

/// What cancelling does to a request in `status` whose leave starts on
/// `first_day`: a pending request is simply cancelled; approved leave that has
/// not started goes back to the approver as a cancellation request. Anything
/// else is refused with the reason.
pub fn cancel_outcome(status: LeaveStatus, first_day: Date, today: Date) -> Result<LeaveStatus, &'static str> {
    match status {
        LeaveStatus::Pending => Ok(LeaveStatus::Cancelled),
        LeaveStatus::Approved if first_day > today => Ok(LeaveStatus::CancelRequested),
        LeaveStatus::Approved => {
            Err("This leave has already started, so it can no longer be cancelled here. Ask HR if it needs to change.")
        }
        LeaveStatus::CancelRequested => Err("You have already asked to cancel this leave; your approver will decide."),
        LeaveStatus::Rejected => Err("This request was rejected; there is nothing to cancel."),
        LeaveStatus::Cancelled => Err("This request is already cancelled."),
    }
}

/// Where a decision takes a request in `status`: a pending request is
/// approved or rejected; for a cancellation request, approving cancels the
/// leave and rejecting keeps it approved. `None`: nothing is waiting for a decision.
pub fn decision_outcome(status: LeaveStatus, approve: bool) -> Option<LeaveStatus> {
    match (status, approve) {
        (LeaveStatus::Pending, true) => Some(LeaveStatus::Approved),
        (LeaveStatus::Pending, false) => Some(LeaveStatus::Rejected),
        (LeaveStatus::CancelRequested, true) => Some(LeaveStatus::Cancelled),
        (LeaveStatus::CancelRequested, false) => Some(LeaveStatus::Approved),
        _ => None,
    }
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

// ---------- Balances ----------

/// One leave type's balance for one employee and year, in half days.
#[derive(Clone, Debug)]
pub struct Balance {
    pub leave_type: LeaveType,
    /// `None`: unlimited.
    pub allowance: Option<i32>,
    /// Approved, and approved with a cancellation asked for.
    pub taken: i32,
    pub pending: i32,
}

impl Balance {
    /// What can still be requested; `None` for unlimited types.
    pub fn left(&self) -> Option<i32> {
        self.allowance.map(|a| a - self.taken - self.pending)
    }
}

/// Sums the requests of the year into balances, one per type.
fn tally(types: Vec<LeaveType>, requests: &[LeaveRequest], year: i32) -> Vec<Balance> {
    types
        .into_iter()
        .map(|leave_type| {
            let mut balance = Balance { allowance: leave_type.allowance_half_days(), taken: 0, pending: 0, leave_type };
            for r in requests.iter().filter(|r| r.leave_type_id == balance.leave_type.id && r.first_day.year() == year)
            {
                match r.status() {
                    LeaveStatus::Approved | LeaveStatus::CancelRequested => balance.taken += r.half_days,
                    LeaveStatus::Pending => balance.pending += r.half_days,
                    LeaveStatus::Rejected | LeaveStatus::Cancelled => {}
                }
            }
            balance
        })
        .collect()
}

fn active_requests_in_year(conn: &mut DbConnection, employee_id: &str, year: i32) -> QueryResult<Vec<LeaveRequest>> {
    let (Some(start), Some(end)) = (year_start(year), year_end(year)) else {
        return Ok(Vec::new());
    };
    leave_requests::table
        .filter(leave_requests::employee_id.eq(employee_id))
        .filter(holding_days())
        .filter(leave_requests::first_day.ge(start))
        .filter(leave_requests::first_day.le(end))
        .select(LeaveRequest::as_select())
        .load(conn)
}

/// Every type's balance for `employee_id` in the calendar year `year`.
pub fn balances(conn: &mut DbConnection, employee_id: &str, year: i32) -> QueryResult<Vec<Balance>> {
    let types = all_types(conn)?;
    balances_for_types(conn, types, employee_id, year)
}

/// `balances` for callers that have loaded the leave types already.
pub fn balances_for_types(
    conn: &mut DbConnection,
    types: Vec<LeaveType>,
    employee_id: &str,
    year: i32,
) -> QueryResult<Vec<Balance>> {
    let requests = active_requests_in_year(conn, employee_id, year)?;
    Ok(tally(types, &requests, year))
}

/// One type's balance for `employee_id` in `year`.
pub fn balance(conn: &mut DbConnection, employee_id: &str, leave_type: &LeaveType, year: i32) -> QueryResult<Balance> {
    let requests = active_requests_in_year(conn, employee_id, year)?;
    let mut all = tally(vec![leave_type.clone()], &requests, year);
    all.pop().ok_or(diesel::result::Error::NotFound)
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        let may_day = [date!(2026 - 06 - 03)];
        #[rustfmt::skip]
        let cases: &[(Date, Date, bool, &[Date], i32)] = &[
            // Monday to Friday: five days.
            (date!(2026 - 06 - 01), date!(2026 - 06 - 05), false, &[], 10),
            // Through a weekend: Friday and Monday.
            (date!(2026 - 06 - 05), date!(2026 - 06 - 08), false, &[], 4),
            // A holiday on Wednesday.
            (date!(2026 - 06 - 01), date!(2026 - 06 - 05), false, &may_day, 8),
            // A half day.
            (date!(2026 - 06 - 02), date!(2026 - 06 - 02), true, &[], 1),
            // A half day on a Saturday, a full Sunday, a holiday: nothing.
            (date!(2026 - 06 - 06), date!(2026 - 06 - 06), true, &[], 0),
            (date!(2026 - 06 - 07), date!(2026 - 06 - 07), false, &[], 0),
            (date!(2026 - 06 - 03), date!(2026 - 06 - 03), false, &may_day, 0),
            // Reversed: nothing.
            (date!(2026 - 06 - 05), date!(2026 - 06 - 01), false, &[], 0),
        ];
        for &(first, last, half, holidays, expected) in cases {
            assert_eq!(working_half_days(first, last, half, holidays), expected, "{first}..{last} half={half}");
        }
    }

    #[test]
    fn half_days_read_as_days() {
        for (half_days, text, phrase) in [
            (0, "0", "0 days"),
            (1, "0.5", "0.5 days"),
            (2, "1", "1 day"),
            (5, "2.5", "2.5 days"),
            (-3, "-1.5", "-1.5 days"),
        ] {
            assert_eq!(format_days(half_days), text);
            assert_eq!(days_phrase(half_days), phrase);
        }
    }

    #[test]
    fn cancelling_depends_on_status_and_start() {
        let today = date!(2026 - 06 - 01);
        let (past, now, future) = (date!(2026 - 05 - 29), today, date!(2026 - 06 - 02));
        use LeaveStatus::*;
        assert_eq!(cancel_outcome(Pending, past, today), Ok(Cancelled));
        assert_eq!(cancel_outcome(Pending, future, today), Ok(Cancelled));
        assert_eq!(cancel_outcome(Approved, future, today), Ok(CancelRequested));
        assert!(cancel_outcome(Approved, now, today).is_err());
        assert!(cancel_outcome(Approved, past, today).is_err());
        for done in [Rejected, Cancelled, CancelRequested] {
            assert!(cancel_outcome(done, future, today).is_err(), "{done:?}");
        }
    }

    #[test]
    fn decisions_move_requests() {
        use LeaveStatus::*;
        assert_eq!(decision_outcome(Pending, true), Some(Approved));
        assert_eq!(decision_outcome(Pending, false), Some(Rejected));
        assert_eq!(decision_outcome(CancelRequested, true), Some(Cancelled));
        assert_eq!(decision_outcome(CancelRequested, false), Some(Approved));
        for decided in [Approved, Rejected, Cancelled] {
            assert_eq!(decision_outcome(decided, true), None);
            assert_eq!(decision_outcome(decided, false), None);
        }
    }

    #[test]
    fn statuses_round_trip() {
        for status in LeaveStatus::ALL {
            assert_eq!(LeaveStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(LeaveStatus::parse("maybe"), None);
    }
}
