//! Leave pages: requesting and cancelling (`requests`), deciding
//! (`approvals`), and the types and public holidays HR maintains (`settings`).
//! What they share: who may see or decide a request, and how a request is shown.

pub mod approvals;
pub mod calendar;
pub mod reports;
pub mod requests;
pub mod settings;

use axum::response::Response;
use time::Date;

use crate::access::NOT_LINKED;
use crate::display::{date_span, days_phrase, format_days, leave_status_class, leave_status_label, long_date};
use crate::domain::leave::{Balance, Names, rules};
use crate::models::leave::{LeaveRequest, LeaveStatus, LeaveType};
use crate::page::Page;
use crate::templates::Layout;

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
        let cancel_label = match rules::cancel_outcome(status, request.first_day, today) {
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
        leave_status_label(self.status)
    }

    /// Cancelling approved leave asks first, on its own page
    /// (`GET /leave/{id}/cancel`); a pending request is withdrawn at once.
    pub fn cancel_confirms(&self) -> bool {
        self.status == LeaveStatus::Approved && self.cancel_label.is_some()
    }

    pub fn status_class(&self) -> &'static str {
        leave_status_class(self.status)
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
    /// "Pro-rated from the hire date", when the year's allowance is.
    pub allowance_note: Option<&'static str>,
    /// "Carried over from 2025: 3 days", when anything was.
    pub carried: Option<String>,
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
            allowance_note: balance.prorated.then_some("Pro-rated from the hire date"),
            carried: (balance.carried > 0)
                .then(|| format!("Carried over from {}: {}", balance.year - 1, days_phrase(balance.carried))),
            taken: format_days(balance.taken),
            pending: format_days(balance.pending),
            left: balance.left().map(format_days),
            overdrawn: balance.left().is_some_and(|l| l < 0),
        }
    }
}

/// A year as asked for in `?year=`: empty is `None` (this year); anything
/// but a number is a 400. The domain checks the range.
pub fn asked_year(text: Option<&str>) -> Result<Option<i32>, crate::error::AppError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => t
            .parse::<i32>()
            .map(Some)
            .map_err(|_| crate::error::AppError::BadRequest("Choose a year as a number, like 2026.".into())),
    }
}

/// One link of the year switcher.
pub struct YearLink {
    pub year: i32,
    pub href: String,
    pub current: bool,
}

/// Links to each of `years` at `path?year=`, the one shown marked.
pub fn year_links(path: &str, years: &[i32], shown: i32) -> Vec<YearLink> {
    years.iter().map(|&year| YearLink { year, href: format!("{path}?year={year}"), current: year == shown }).collect()
}

/// "Annual leave" with what is left: for the type select.
pub fn type_option_label(leave_type: &LeaveType, balance: Option<&Balance>) -> String {
    match balance.and_then(Balance::left) {
        Some(left) => format!("{} ({} left)", leave_type.name, days_phrase(left.max(0))),
        None if leave_type.yearly_allowance_days.is_none() => format!("{} (unlimited)", leave_type.name),
        None => leave_type.name.clone(),
    }
}
