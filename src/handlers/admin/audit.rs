//! The audit log for admins: newest first, filtered by person and event.

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::access::{Action, Actor};
use crate::display::{Pager, precise, short_id};
use crate::error::AppResult;
use crate::models::audit_search::{self, Filter, PAGE_SIZE};
use crate::models::user::{self, normalize_email};
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{Layout, ok_page};

const AUDIT_PATH: &str = "/admin/audit";

pub struct EntryRow {
    pub time: String,
    pub event_label: String,
    pub event: String,
    /// The account the entry belongs to, when it still exists.
    pub who_name: Option<String>,
    pub who_email: Option<String>,
    pub ip: String,
    pub session: String,
    pub detail: String,
}

#[derive(askama::Template)]
#[template(path = "admin/audit.html")]
pub struct AuditPage {
    pub layout: Layout,
    pub user: String,
    pub event: String,
    /// (name, label) of every event in the log.
    pub events: Vec<(String, String)>,
    pub entries: Vec<EntryRow>,
    pub pager: Pager,
    pub filtered: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    user: Option<String>,
    event: Option<String>,
    page: Option<String>,
}

/// How an event is named on the page. Events added elsewhere without a label
/// here are still shown readably.
pub fn event_label(event: &str) -> String {
    let known = match event {
        "sign_in_success" => "Signed in",
        "sign_in_failure" => "Sign-in failed",
        "sign_in_throttled" => "Sign-in throttled",
        "logout" => "Signed out",
        "registration" => "Registered",
        "refresh_reuse" => "Stolen token suspected (refresh reuse)",
        "role_changed" => "Role changed",
        "user_created" => "Account created",
        "admin_bootstrapped" => "First Admin created",
        "session_revoked" => "Session signed out",
        "other_sessions_revoked" => "Other sessions signed out",
        "password_changed" => "Password changed",
        "password_change_failed" => "Password change: wrong current password",
        "user_deactivated" => "Account deactivated",
        "user_reactivated" => "Account reactivated",
        "user_signed_out_everywhere" => "Signed out everywhere by an Admin",
        "sign_up_requested" => "Sign-up asked for (mail sent)",
        "email_verified" => "Email verified, account created",
        "invitation_sent" => "Invitation sent",
        "invitation_accepted" => "Invitation accepted, account created",
        "password_reset_requested" => "Password reset asked for",
        "password_reset_sent" => "Password reset sent by an Admin",
        "password_reset_link_printed" => "Password reset link printed on the command line",
        "password_reset" => "Password reset by mailed link",
        "link_refused" => "Mailed link refused (unknown, used or expired)",
        "new_device_sign_in" => "Signed in from a new browser",
        "notifications_changed" => "Notification settings changed",
        "calendar_feed_created" => "Calendar feed address created",
        "calendar_feed_stopped" => "Calendar feed stopped",
        "mail_retried" => "Failed message sent again",
        other => {
            let words = other.replace('_', " ");
            let mut chars = words.chars();
            return chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default();
        }
    };
    known.to_owned()
}

pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> AppResult<Response> {
    actor.authorize_global(Action::ViewAuditLog)?;
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let user_filter = normalize_email(query.user.as_deref().unwrap_or_default()).chars().take(254).collect::<String>();
    let event_filter = query.event.as_deref().unwrap_or_default().trim().chars().take(64).collect::<String>();
    let filter = Filter {
        email: (!user_filter.is_empty()).then(|| user_filter.clone()),
        event: (!event_filter.is_empty()).then(|| event_filter.clone()),
    };
    let requested = query.page.clone();
    let filtered = filter.email.is_some() || filter.event.is_some();
    let (rows, accounts, names, pager) = state
        .db
        .run(move |conn| {
            let total = audit_search::count(conn, &filter)?;
            let pager = Pager::new(requested.as_deref(), total, PAGE_SIZE);
            let rows = audit_search::page(conn, &filter, PAGE_SIZE, pager.offset())?;
            // The people named on this page, in one query.
            let mut ids: Vec<String> = rows.iter().filter_map(|r| r.user_id.clone()).collect();
            ids.sort();
            ids.dedup();
            let accounts = user::find_many(conn, &ids)?;
            Ok((rows, accounts, audit_search::event_names(conn)?, pager))
        })
        .await?;
    let accounts: HashMap<String, user::User> = accounts.into_iter().map(|u| (u.id.clone(), u)).collect();
    let entries = rows
        .into_iter()
        .map(|r| {
            let account = r.user_id.as_ref().and_then(|id| accounts.get(id));
            EntryRow {
                time: precise(r.occurred_at),
                event_label: event_label(&r.event),
                who_name: account.map(|a| a.full_name.clone()),
                // An entry without an account (a failed sign-in) names the email tried.
                who_email: account.map(|a| a.email.clone()).or(r.email),
                ip: r.ip.unwrap_or_default(),
                session: r.session_id.as_deref().map(short_id).unwrap_or_default().to_owned(),
                detail: r.detail.unwrap_or_default(),
                event: r.event,
            }
        })
        .collect();
    let mut events: Vec<(String, String)> = names
        .into_iter()
        .map(|name| {
            let label = event_label(&name);
            (name, label)
        })
        .collect();
    events.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(ok_page(&AuditPage {
        layout: page.layout(),
        pager: pager.with_links(AUDIT_PATH, &[("user", &user_filter), ("event", &event_filter)]),
        user: user_filter,
        event: event_filter,
        events,
        entries,
        filtered,
    }))
}

#[cfg(test)]
mod tests {
    use super::event_label;

    #[test]
    fn events_have_readable_labels() {
        assert_eq!(event_label("password_changed"), "Password changed");
        assert_eq!(event_label("leave_request_approved"), "Leave request approved");
        assert_eq!(event_label(""), "");
    }
}
