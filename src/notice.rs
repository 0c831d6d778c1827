//! The message shown after an action: a redirect carries `?notice=KEY`, and
//! the page shows the fixed text for that key, never words from the query.

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

macro_rules! notices {
    ($( $variant:ident = $key:literal => $text:literal, )*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Notice { $( $variant, )* }

        impl Notice {
            pub const ALL: &'static [Notice] = &[$( Notice::$variant, )*];

            pub fn key(self) -> &'static str {
                match self { $( Notice::$variant => $key, )* }
            }

            pub fn text(self) -> &'static str {
                match self { $( Notice::$variant => $text, )* }
            }
        }
    };
}

notices! {
    Welcome = "welcome" => "Your email is verified and your account is ready. Welcome!",
    InvitationAccepted = "invitation_accepted" => "Your account is ready and linked to your employee record. Welcome!",
    PasswordReset = "password_reset" => "Your new password is set. Every other session was signed out.",
    InvitationSent = "invitation_sent" => "The invitation was sent. The link in it works for 7 days.",
    ResetSent = "reset_sent" => "A password reset link was sent to the person's email. It works for one hour.",
    NotificationsSaved = "notifications_saved" => "Your notification settings were saved.",
    CalendarFeedStopped = "calendar_feed_stopped" => "Your calendar feed was stopped: its address no longer works.",
    MailRetried = "mail_retried" => "The message will be sent again in a moment.",
    SignedOut = "signed_out" => "You have been signed out.",
    LeaveRequested = "requested" => "Your request was sent for approval.",
    LeaveCancelled = "cancelled" => "Your request was cancelled.",
    CancelRequested = "cancel_requested" => "You asked to cancel this leave. It stays booked until your approver agrees.",
    Approved = "approved" => "The request was approved.",
    Rejected = "rejected" => "The request was rejected.",
    CancelApproved = "cancel_approved" => "The cancellation was approved: the leave is cancelled.",
    CancelRejected = "cancel_rejected" => "The cancellation was refused: the leave stays approved.",
    TypeSaved = "type_saved" => "The allowance was saved.",
    HolidayAdded = "holiday_added" => "The public holiday was added.",
    HolidayDeleted = "holiday_deleted" => "The public holiday was removed.",
    SessionRevoked = "session_revoked" => "The session was signed out.",
    OtherSessionsRevoked = "others_signed_out" => "All your other sessions were signed out.",
    SessionAlreadyEnded = "session_ended" => "That session had already ended.",
    PasswordChanged = "password_changed" => "Password changed; your other sessions were signed out.",
    RoleChanged = "role" => "Role changed. The person was signed out everywhere and gets the new role at their next sign-in.",
    Deactivated = "deactivated" => "Account deactivated and signed out everywhere.",
    Reactivated = "reactivated" => "Account reactivated: the person can sign in again.",
    SignedOutEverywhere = "signed_out_everywhere" => "The person was signed out everywhere.",
    Unchanged = "unchanged" => "Nothing changed: the account was already like that.",
    EmployeeCreated = "employee_created" => "The employee record was created.",
    EmployeeSaved = "employee_saved" => "Your changes were saved.",
    EmployeesImported = "imported" => "The import was applied: every record in the file is saved.",
    EmployeeTerminated = "terminated" => "The employee was terminated. Their account can no longer sign in.",
    DepartmentCreated = "department_created" => "The department was created.",
    DepartmentSaved = "department_saved" => "The department was saved.",
    DepartmentDeleted = "department_deleted" => "The department was deleted.",
}

impl Notice {
    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|n| n.key() == key)
    }

    /// `303` to `href` (which may carry a query already) with this notice.
    pub fn redirect(self, href: &str) -> Response {
        let sep = if href.contains('?') { '&' } else { '?' };
        Redirect::to(&format!("{href}{sep}notice={}", self.key())).into_response()
    }
}

/// The notice named in the query string, if any; anything else in the query
/// (or a query that cannot be read) is ignored.
#[derive(Clone, Copy, Debug, Default)]
pub struct Shown(pub Option<Notice>);

impl Shown {
    pub fn text(self) -> Option<&'static str> {
        self.0.map(Notice::text)
    }
}

#[derive(Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for Shown {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let query = Query::<NoticeQuery>::from_request_parts(parts, state).await;
        Ok(Shown(query.ok().and_then(|Query(q)| q.notice).as_deref().and_then(Notice::parse)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_round_trip() {
        for notice in Notice::ALL {
            assert_eq!(Notice::parse(notice.key()), Some(*notice));
        }
        let mut keys: Vec<_> = Notice::ALL.iter().map(|n| n.key()).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), Notice::ALL.len());
        assert_eq!(Notice::parse("<script>"), None);
    }

    #[test]
    fn redirects_keep_the_query() {
        let to = |r: Response| r.headers()["location"].to_str().unwrap().to_owned();
        assert_eq!(to(Notice::Approved.redirect("/leave/approvals")), "/leave/approvals?notice=approved");
        assert_eq!(to(Notice::RoleChanged.redirect("/admin/users?q=ann")), "/admin/users?q=ann&notice=role");
    }
}
