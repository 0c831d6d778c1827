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
    EmployeesImported,
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
    SignUpRequested,
    EmailVerified,
    InvitationSent,
    InvitationAccepted,
    PasswordResetRequested,
    PasswordResetSent,
    PasswordResetLinkPrinted,
    PasswordReset,
    LinkRefused,
    NewDeviceSignIn,
    NotificationsChanged,
    MailRetried,
    CalendarFeedCreated,
    CalendarFeedStopped,
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
            Event::EmployeesImported => "employees_imported",
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
            Event::SignUpRequested => "sign_up_requested",
            Event::EmailVerified => "email_verified",
            Event::InvitationSent => "invitation_sent",
            Event::InvitationAccepted => "invitation_accepted",
            Event::PasswordResetRequested => "password_reset_requested",
            Event::PasswordResetSent => "password_reset_sent",
            Event::PasswordResetLinkPrinted => "password_reset_link_printed",
            Event::PasswordReset => "password_reset",
            Event::LinkRefused => "link_refused",
            Event::NewDeviceSignIn => "new_device_sign_in",
            Event::NotificationsChanged => "notifications_changed",
            Event::MailRetried => "mail_retried",
            Event::CalendarFeedCreated => "calendar_feed_created",
            Event::CalendarFeedStopped => "calendar_feed_stopped",
        }
    }
}

/// Who did something, and from where: the one way audit entries are made.
/// Owned, so it can move into the database closure with the rest of an action.
#[derive(Clone, Debug, Default)]
pub struct Who {
    user_id: Option<String>,
    session_id: Option<String>,
    ip: Option<String>,
}

impl Who {
    /// The person acting (their account, session and address), or the
    /// operator at the command line (none of these).
    pub fn of(actor: &crate::access::Actor) -> Self {
        Who {
            user_id: actor.user_id().map(str::to_owned),
            session_id: actor.session_id().map(str::to_owned),
            ip: actor.ip.clone(),
        }
    }

    /// Someone not signed in (a failed sign-in, a registration), from `ip`.
    pub fn anonymous(ip: &str) -> Self {
        Who { ip: Some(ip.to_owned()), ..Default::default() }
    }

    /// An account acting without a session of its own yet (it is being
    /// created or signed in): its id, and the session when there is one.
    pub fn account(user_id: &str, session_id: Option<&str>, ip: Option<&str>) -> Self {
        Who { user_id: Some(user_id.to_owned()), session_id: session_id.map(str::to_owned), ip: ip.map(str::to_owned) }
    }

    /// The same person, acting in another session (a session of theirs they revoked).
    pub fn in_session(&self, session_id: &str) -> Self {
        Who { session_id: Some(session_id.to_owned()), ..self.clone() }
    }

    /// An entry made by this person; add what it is about with `email` and `detail`.
    pub fn entry(&self) -> Entry<'_> {
        Entry {
            user_id: self.user_id.as_deref(),
            session_id: self.session_id.as_deref(),
            ip: self.ip.as_deref(),
            email: None,
            detail: None,
        }
    }
}

/// One audit entry, made with `Who::entry`; unset fields are stored as NULL.
#[derive(Clone, Debug)]
pub struct Entry<'a> {
    user_id: Option<&'a str>,
    email: Option<&'a str>,
    session_id: Option<&'a str>,
    ip: Option<&'a str>,
    detail: Option<&'a str>,
}

impl<'a> Entry<'a> {
    pub fn detail(self, detail: &'a str) -> Self {
        Entry { detail: Some(detail), ..self }
    }

    /// The email of the account or record the entry is about.
    pub fn email(self, email: impl Into<Option<&'a str>>) -> Self {
        Entry { email: email.into(), ..self }
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

/// Events worth an Admin's eye on the dashboard.
pub const SECURITY_EVENTS: [Event; 11] = [
    Event::SignInFailure,
    Event::SignInThrottled,
    Event::RefreshReuse,
    Event::RoleChanged,
    Event::UserDeactivated,
    Event::UserSignedOutEverywhere,
    Event::PasswordChanged,
    Event::PasswordChangeFailed,
    Event::PasswordReset,
    Event::PasswordResetLinkPrinted,
    Event::NewDeviceSignIn,
];

/// The newest security events (`SECURITY_EVENTS`) first.
pub fn recent_security_events(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .filter(audit_log::event.eq_any(SECURITY_EVENTS.map(Event::as_str)))
        .order(audit_log::occurred_at.desc())
        .limit(limit)
        .select(AuditRow::as_select())
        .load(conn)
}
