//! Leave pages: requesting and cancelling (`requests`), deciding
//! (`approvals`), and the types and public holidays HR maintains (`settings`).
//! What they share: who may see or decide a request, and how a request is shown.

pub mod approvals;
pub mod requests;
pub mod settings;

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::Response;
use time::Date;

use crate::access::{Actor, Relation};
use crate::db::DbConnection;
use crate::models::employee::Employee;
use crate::models::leave::{self, Balance, LeaveRequest, LeaveStatus, LeaveType, days_phrase, format_days};
use crate::page::Page;
use crate::templates::{ErrorPage, Layout, render_page};

pub const NOT_LINKED: &str = "Your account is not linked to an employee record; ask HR.";

/// Shown instead of the leave pages to accounts without an employee record.
#[derive(askama::Template)]
#[template(path = "leave/not_linked.html")]
pub struct NotLinkedPage {
    pub layout: Layout,
    pub message: &'static str,
}

pub fn not_linked(page: &Page) -> Response {
    crate::templates::ok_page(&NotLinkedPage { layout: page.layout(), message: NOT_LINKED })
}

/// A refusal page with a status of our choosing (409 and 422 have no `AppError`).
pub fn refusal(page: &Page, status: StatusCode, title: &'static str, message: impl Into<String>) -> Response {
    render_page(status, &ErrorPage { layout: page.layout(), status: status.as_u16(), title, message: message.into() })
}

pub use super::display::{iso_date, long_date, parse_iso_date as parse_date, short_date};

/// "Mon 8 Jun 2026 – Fri 12 Jun 2026", or one day, marked when it is a half day.
pub fn date_span(request: &LeaveRequest) -> String {
    if request.first_day == request.last_day {
        let half = if request.half_day { " (half day)" } else { "" };
        format!("{}{half}", short_date(request.first_day))
    } else {
        format!("{} – {}", short_date(request.first_day), short_date(request.last_day))
    }
}

/// How a request relates to the actor when deciding it: their own; one routed
/// to them as the employee's manager (while they are still employed); anyone else's.
pub fn relation_for_decision(actor: &Actor, request: &LeaveRequest) -> Relation {
    match &actor.employee {
        Some(me) if me.id == request.employee_id => Relation::Own,
        Some(me) if !me.is_terminated() && request.approver_employee_id.as_deref() == Some(me.id.as_str()) => {
            Relation::DirectReport
        }
        _ => Relation::Other,
    }
}

/// How a request relates to the actor when viewing it: as for deciding, and
/// the employee's current manager sees it too.
pub fn relation_for_view(actor: &Actor, request: &LeaveRequest, owner: &Employee) -> Relation {
    match relation_for_decision(actor, request) {
        Relation::Other if actor.relation_to(owner) == Relation::DirectReport => Relation::DirectReport,
        relation => relation,
    }
}

/// The names a list of requests mentions: employees, deciders, leave types.
#[derive(Default)]
pub struct Names {
    employees: HashMap<String, String>,
    users: HashMap<String, String>,
    types: HashMap<String, String>,
}

impl Names {
    pub fn load(conn: &mut DbConnection, requests: &[LeaveRequest]) -> diesel::QueryResult<Self> {
        let mut employee_ids: Vec<String> = requests.iter().map(|r| r.employee_id.clone()).collect();
        employee_ids.extend(requests.iter().filter_map(|r| r.approver_employee_id.clone()));
        let user_ids: Vec<String> = requests.iter().filter_map(|r| r.decided_by_user_id.clone()).collect();
        Ok(Names {
            employees: leave::employee_names(conn, &employee_ids)?,
            users: leave::user_names(conn, &user_ids)?,
            types: leave::all_types(conn)?.into_iter().map(|t| (t.id, t.name)).collect(),
        })
    }

    fn employee(&self, id: &str) -> String {
        self.employees.get(id).cloned().unwrap_or_else(|| "Unknown employee".into())
    }
}

/// One request, ready to show.
pub struct RequestView {
    pub id: String,
    pub employee_name: String,
    pub type_name: String,
    pub dates: String,
    /// "2.5"
    pub days: String,
    /// "2.5 days"
    pub days_phrase: String,
    pub reason: String,
    pub status: LeaveStatus,
    /// The manager's name, or "HR".
    pub approver: String,
    pub decided_by: Option<String>,
    pub decided_on: Option<String>,
    pub comment: Option<String>,
    pub requested_on: String,
    /// The label of the owner's cancel button, when cancelling is possible.
    pub cancel_label: Option<&'static str>,
}

impl RequestView {
    pub fn new(request: &LeaveRequest, names: &Names, today: Date) -> Self {
        let status = request.status();
        let cancel_label = match leave::cancel_outcome(status, request.first_day, today) {
            Ok(LeaveStatus::CancelRequested) => Some("Ask to cancel"),
            Ok(_) => Some("Cancel request"),
            Err(_) => None,
        };
        RequestView {
            id: request.id.clone(),
            employee_name: names.employee(&request.employee_id),
            type_name: names
                .types
                .get(&request.leave_type_id)
                .cloned()
                .unwrap_or_else(|| request.leave_type_id.clone()),
            dates: date_span(request),
            days: format_days(request.half_days),
            days_phrase: days_phrase(request.half_days),
            reason: request.reason.clone(),
            status,
            approver: match &request.approver_employee_id {
                Some(id) => names.employee(id),
                None => "HR".into(),
            },
            decided_by: request.decided_by_user_id.as_ref().map(|id| names.users.get(id).cloned().unwrap_or_default()),
            decided_on: request.decided_at.map(|t| long_date(t.date())),
            comment: request.decision_comment.clone().filter(|c| !c.is_empty()),
            requested_on: long_date(request.created_at.date()),
            cancel_label,
        }
    }

    pub fn status_label(&self) -> &'static str {
        self.status.label()
    }

    pub fn status_class(&self) -> &'static str {
        self.status.pill_class()
    }

    pub fn is_cancellation(&self) -> bool {
        self.status == LeaveStatus::CancelRequested
    }
}

/// One leave type's balance, in days, ready to show.
pub struct BalanceView {
    pub name: String,
    /// "25 days" or "Unlimited".
    pub allowance: String,
    pub taken: String,
    pub pending: String,
    /// `None` for unlimited types.
    pub left: Option<String>,
    /// Less than nothing left (HR lowered the allowance).
    pub overdrawn: bool,
}

impl BalanceView {
    pub fn new(balance: &Balance) -> Self {
        BalanceView {
            name: balance.leave_type.name.clone(),
            allowance: balance.allowance.map_or_else(|| "Unlimited".into(), days_phrase),
            taken: format_days(balance.taken),
            pending: format_days(balance.pending),
            left: balance.left().map(format_days),
            overdrawn: balance.left().is_some_and(|l| l < 0),
        }
    }
}

/// "Annual leave" with what is left: for the type select.
pub fn type_option_label(leave_type: &LeaveType, balance: Option<&Balance>) -> String {
    match balance.and_then(Balance::left) {
        Some(left) => format!("{} ({} left)", leave_type.name, days_phrase(left.max(0))),
        None if leave_type.yearly_allowance_days.is_none() => format!("{} (unlimited)", leave_type.name),
        None => leave_type.name.clone(),
    }
}
