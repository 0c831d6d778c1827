//! Reading the audit log for the admin page and its export: filters,
//! counting, one page, and the people a page names.

use diesel::prelude::*;

use super::audit::AuditRow;
use super::employee::Employee;
use super::user::User;
use crate::clock::Timestamp;
use crate::db::DbConnection;
use crate::db::schema::{audit_log, employees, users};

/// How many entries the audit page shows per page.
pub const PAGE_SIZE: i64 = 50;

type Backend = <DbConnection as diesel::Connection>::Backend;

/// What the audit page is narrowed to; `None` means any.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// A normalised email: entries about it, or made by the account that has it.
    pub email: Option<String>,
    pub event: Option<String>,
    /// Entries at or after this instant (UTC).
    pub since: Option<Timestamp>,
    /// Entries strictly before this instant (UTC).
    pub before: Option<Timestamp>,
}

fn filtered(filter: &Filter) -> audit_log::BoxedQuery<'static, Backend> {
    let mut query = audit_log::table.into_boxed();
    if let Some(email) = &filter.email {
        let account_ids = users::table.filter(users::email.eq(email.clone())).select(users::id.nullable());
        query = query.filter(audit_log::email.eq(email.clone()).or(audit_log::user_id.eq_any(account_ids)));
    }
    if let Some(event) = &filter.event {
        query = query.filter(audit_log::event.eq(event.clone()));
    }
    if let Some(since) = filter.since {
        query = query.filter(audit_log::occurred_at.ge(since));
    }
    if let Some(before) = filter.before {
        query = query.filter(audit_log::occurred_at.lt(before));
    }
    query
}

pub fn count(conn: &mut DbConnection, filter: &Filter) -> QueryResult<i64> {
    filtered(filter).count().get_result(conn)
}

/// Newest first; entries of the same instant in a fixed order, so pages never overlap.
pub fn page(conn: &mut DbConnection, filter: &Filter, limit: i64, offset: i64) -> QueryResult<Vec<AuditRow>> {
    filtered(filter)
        .order((audit_log::occurred_at.desc(), audit_log::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(AuditRow::as_select())
        .load(conn)
}

/// Every event name that occurs in the log, for the filter.
pub fn event_names(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    audit_log::table.select(audit_log::event).distinct().order(audit_log::event).load(conn)
}

/// The accounts with these ids or emails, in one query: who acted on a page, and whom it was about.
pub fn accounts(conn: &mut DbConnection, ids: &[String], emails: &[String]) -> QueryResult<Vec<User>> {
    if ids.is_empty() && emails.is_empty() {
        return Ok(Vec::new());
    }
    users::table.filter(users::id.eq_any(ids).or(users::email.eq_any(emails))).select(User::as_select()).load(conn)
}

/// The employee records with these numbers or work emails, in one query.
pub fn employees(conn: &mut DbConnection, numbers: &[String], emails: &[String]) -> QueryResult<Vec<Employee>> {
    if numbers.is_empty() && emails.is_empty() {
        return Ok(Vec::new());
    }
    employees::table
        .filter(employees::employee_number.eq_any(numbers).or(employees::work_email.eq_any(emails)))
        .select(Employee::as_select())
        .load(conn)
}
