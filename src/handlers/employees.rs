//! Employee records: the directory, profiles, the HR form, an employee's own
//! phone number, and termination.

mod directory;
mod form;
mod profile;

pub use directory::directory;
pub use form::{create, edit_page, new_page, update};
pub use profile::{profile, terminate};

use diesel::QueryResult;

use crate::access::Actor;
use crate::auth::middleware::Client;
use crate::auth::sessions::{self, RevokeReason};
use crate::clock::Timestamp;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::models::audit;
use crate::models::employee::{self, Employee, EmployeeStatus};
use crate::models::user;
use crate::state::AppState;

/// One `<option>` of a `<select>`.
#[derive(Clone, Debug)]
pub struct SelectOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl SelectOption {
    pub fn new(value: impl Into<String>, label: impl Into<String>, current: &str) -> Self {
        let value = value.into();
        let selected = value == current;
        SelectOption { value, label: label.into(), selected }
    }
}

/// The pill colour for a status.
pub fn status_class(status: EmployeeStatus) -> &'static str {
    match status {
        EmployeeStatus::Active => "pill-green",
        EmployeeStatus::OnLeave => "pill-amber",
        EmployeeStatus::Terminated => "pill-red",
    }
}

pub use super::display::long_date;

/// The select of people: current staff, by name, with their number.
pub fn staff_options(staff: &[Employee], current: &str, except_id: Option<&str>) -> Vec<SelectOption> {
    staff
        .iter()
        .filter(|e| Some(e.id.as_str()) != except_id)
        .map(|e| SelectOption::new(&e.id, format!("{} ({})", e.full_name, e.employee_number), current))
        .collect()
}

/// The record `id`, if this person may see it; otherwise 404, as if it did not exist.
pub async fn visible_employee(state: &AppState, actor: &Actor, id: String) -> AppResult<Employee> {
    let target = state.db.run(move |conn| Ok(employee::find(conn, &id)?)).await?;
    if actor.may_view_employee(&target) { Ok(target) } else { Err(AppError::NotFound) }
}

/// Marks a record terminated and, when an account is linked to it, deactivates
/// the account and revokes its sessions. Call inside the transaction that
/// records it; returns the revoked session ids (for `state.revoked`).
pub fn end_employment(conn: &mut DbConnection, target: &Employee, now: Timestamp) -> QueryResult<Vec<String>> {
    employee::set_status(conn, &target.id, EmployeeStatus::Terminated, now)?;
    match &target.user_id {
        Some(user_id) => {
            user::set_active(conn, user_id, false, now)?;
            sessions::revoke_all_for_user(conn, user_id, RevokeReason::Deactivated, now)
        }
        None => Ok(Vec::new()),
    }
}

/// Who did it and from where, for the audit log.
#[derive(Clone, Debug)]
pub struct AuditBy {
    pub user_id: String,
    pub session_id: String,
    pub ip: String,
}

impl AuditBy {
    pub fn new(actor: &Actor, client: &Client) -> Self {
        AuditBy {
            user_id: actor.user.user_id.clone(),
            session_id: actor.user.session_id.clone(),
            ip: client.ip.clone(),
        }
    }

    pub fn entry<'a>(&'a self, email: Option<&'a str>, detail: &'a str) -> audit::Entry<'a> {
        audit::Entry::by(&self.user_id, &self.session_id, &self.ip).email(email).detail(detail)
    }
}
