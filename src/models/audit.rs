//! The audit log: who did what, when, from where. Never a password or token.

use diesel::prelude::*;

use crate::clock::Timestamp;
use crate::db::DbConnection;
use crate::db::schema::audit_log;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    SignInSuccess,
    SignInFailure,
    SignInThrottled,
    Logout,
    Registration,
    RefreshReuse,
    RoleChanged,
    UserCreated,
    AdminBootstrapped,
    SessionRevoked,
    OtherSessionsRevoked,
    PasswordChanged,
    PasswordChangeFailed,
    UserDeactivated,
    UserReactivated,
    UserSignedOutEverywhere,
    EmployeeCreated,
    EmployeeUpdated,
    EmployeeTerminated,
    DepartmentCreated,
    DepartmentUpdated,
    DepartmentDeleted,
    LeaveRequested,
    LeaveCancelled,
    LeaveCancelRequested,
    LeaveApproved,
    LeaveRejected,
    LeaveCancelApproved,
    LeaveCancelRejected,
    LeaveTypeUpdated,
    HolidayAdded,
    HolidayDeleted,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Event::SignInSuccess => "sign_in_success",
            Event::SignInFailure => "sign_in_failure",
            Event::SignInThrottled => "sign_in_throttled",
            Event::Logout => "logout",
            Event::Registration => "registration",
            Event::RefreshReuse => "refresh_reuse",
            Event::RoleChanged => "role_changed",
            Event::UserCreated => "user_created",
            Event::AdminBootstrapped => "admin_bootstrapped",
            Event::SessionRevoked => "session_revoked",
            Event::OtherSessionsRevoked => "other_sessions_revoked",
            Event::PasswordChanged => "password_changed",
            Event::PasswordChangeFailed => "password_change_failed",
            Event::UserDeactivated => "user_deactivated",
            Event::UserReactivated => "user_reactivated",
            Event::UserSignedOutEverywhere => "user_signed_out_everywhere",
            Event::EmployeeCreated => "employee_created",
            Event::EmployeeUpdated => "employee_updated",
            Event::EmployeeTerminated => "employee_terminated",
            Event::DepartmentCreated => "department_created",
            Event::DepartmentUpdated => "department_updated",
            Event::DepartmentDeleted => "department_deleted",
            Event::LeaveRequested => "leave_requested",
            Event::LeaveCancelled => "leave_cancelled",
            Event::LeaveCancelRequested => "leave_cancel_requested",
            Event::LeaveApproved => "leave_approved",
            Event::LeaveRejected => "leave_rejected",
            Event::LeaveCancelApproved => "leave_cancel_approved",
            Event::LeaveCancelRejected => "leave_cancel_rejected",
            Event::LeaveTypeUpdated => "leave_type_updated",
            Event::HolidayAdded => "holiday_added",
            Event::HolidayDeleted => "holiday_deleted",
        }
    }
}

/// One audit entry; unset fields are stored as NULL.
#[derive(Clone, Debug, Default)]
pub struct Entry<'a> {
    pub user_id: Option<&'a str>,
    pub email: Option<&'a str>,
    pub session_id: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub detail: Option<&'a str>,
}

impl<'a> Entry<'a> {
    /// Done by a signed-in person: their account, session and address.
    pub fn by(user_id: &'a str, session_id: &'a str, ip: &'a str) -> Self {
        Entry { user_id: Some(user_id), session_id: Some(session_id), ip: Some(ip), ..Default::default() }
    }

    pub fn detail(self, detail: &'a str) -> Self {
        Entry { detail: Some(detail), ..self }
    }

    pub fn email(self, email: Option<&'a str>) -> Self {
        Entry { email, ..self }
    }
}

pub fn record(conn: &mut DbConnection, now: Timestamp, event: Event, entry: Entry<'_>) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::id.eq(super::new_id()),
            audit_log::occurred_at.eq(now),
            audit_log::event.eq(event.as_str()),
            audit_log::user_id.eq(entry.user_id),
            audit_log::email.eq(entry.email),
            audit_log::session_id.eq(entry.session_id),
            audit_log::ip.eq(entry.ip),
            audit_log::detail.eq(entry.detail),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: String,
    pub occurred_at: Timestamp,
    pub event: String,
    pub user_id: Option<String>,
    pub email: Option<String>,
    pub session_id: Option<String>,
    pub ip: Option<String>,
    pub detail: Option<String>,
}

/// The newest entries first.
pub fn recent(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<AuditRow>> {
    audit_log::table.order(audit_log::occurred_at.desc()).limit(limit).select(AuditRow::as_select()).load(conn)
}
