//! What the month calendar reads: the people it shows, then their leave that
//! touches the month in one query (not one per person).

use diesel::prelude::*;
use time::Date;

use crate::db::DbConnection;
use crate::db::schema::{employees, leave_requests};
use crate::models::employee::EmployeeStatus;
use crate::models::leave::{LeaveRequest, LeaveStatus};

type Backend = <DbConnection as diesel::Connection>::Backend;

/// Whose leave a calendar shows (current staff only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Someone, those who share their manager, and their direct reports.
    Team { me: String, manager: Option<String> },
    /// Everyone in one department.
    Department(String),
    /// Everyone.
    Company,
}

/// (employee id, full name) of the people in `scope`, by name.
pub fn people(conn: &mut DbConnection, scope: &Scope) -> QueryResult<Vec<(String, String)>> {
    let mut query = employees::table
        .filter(employees::status.ne(EmployeeStatus::Terminated.as_str()))
        .select((employees::id, employees::full_name))
        .into_boxed::<Backend>();
    match scope.clone() {
        Scope::Team { me, manager } => {
            let mine = employees::id.eq(me.clone()).or(employees::manager_id.eq(me));
            query = match manager {
                Some(manager) => query.filter(mine.or(employees::manager_id.eq(manager))),
                None => query.filter(mine),
            };
        }
        Scope::Department(id) => query = query.filter(employees::department_id.eq(id)),
        Scope::Company => {}
    }
    query.order((employees::full_name.asc(), employees::id.asc())).load(conn)
}

/// Ids per statement: well under the bind-parameter limits of both backends.
const IDS_PER_QUERY: usize = 5_000;

/// The approved and pending requests (and approved ones whose cancellation
/// waits) of `employee_ids` that share a day with `from..=to`: one query
/// (one per 5,000 people).
pub fn absences_between(
    conn: &mut DbConnection,
    employee_ids: &[String],
    from: Date,
    to: Date,
) -> QueryResult<Vec<LeaveRequest>> {
    let statuses: Vec<&str> = LeaveStatus::ACTIVE.iter().map(|s| s.as_str()).collect();
    let mut all = Vec::new();
    for ids in employee_ids.chunks(IDS_PER_QUERY) {
        all.extend(
            leave_requests::table
                .filter(leave_requests::employee_id.eq_any(ids))
                .filter(leave_requests::status.eq_any(&statuses))
                .filter(leave_requests::first_day.le(to))
                .filter(leave_requests::last_day.ge(from))
                .order((leave_requests::first_day.asc(), leave_requests::id.asc()))
                .select(LeaveRequest::as_select())
                .load(conn)?,
        );
    }
    Ok(all)
}

/// Someone's approved or pending request, with their name and what puts
/// them in a team: their manager and department.
#[derive(Clone, Debug)]
pub struct TeamAbsence {
    pub request: LeaveRequest,
    pub name: String,
    pub manager_id: Option<String>,
    pub department_id: Option<String>,
}

/// The approved and pending requests that share a day with `from..=to` of
/// current staff who report to any of `manager_ids` or belong to any of
/// `department_ids`: one query for a whole page of the approvals queue
/// (the caller narrows each request's team and days in memory).
pub fn teams_away(
    conn: &mut DbConnection,
    manager_ids: &[String],
    department_ids: &[String],
    from: Date,
    to: Date,
) -> QueryResult<Vec<TeamAbsence>> {
    if manager_ids.is_empty() && department_ids.is_empty() {
        return Ok(Vec::new());
    }
    let statuses: Vec<&str> = LeaveStatus::ACTIVE.iter().map(|s| s.as_str()).collect();
    let rows: Vec<(LeaveRequest, String, Option<String>, Option<String>)> = leave_requests::table
        .inner_join(employees::table.on(employees::id.eq(leave_requests::employee_id)))
        .filter(employees::manager_id.eq_any(manager_ids).or(employees::department_id.eq_any(department_ids)))
        .filter(employees::status.ne(EmployeeStatus::Terminated.as_str()))
        .filter(leave_requests::status.eq_any(statuses))
        .filter(leave_requests::first_day.le(to))
        .filter(leave_requests::last_day.ge(from))
        .order((employees::full_name.asc(), employees::id.asc(), leave_requests::first_day.asc()))
        .select((LeaveRequest::as_select(), employees::full_name, employees::manager_id, employees::department_id))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(request, name, manager_id, department_id)| TeamAbsence { request, name, manager_id, department_id })
        .collect())
}
