//! The audit log as Admins read it: filtered by person, event and days (in
//! the portal's time zone), one page at a time or as a CSV download, each
//! entry told as a sentence (`sentence`).

pub mod sentence;

use time::Duration;
use tokio::sync::mpsc;

use crate::access::{Action, Actor};
use crate::clock::Timestamp;
use crate::display::parse_iso_date;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::models::audit::AuditRow;
use crate::models::audit_search::{self, Filter, PAGE_SIZE};
use crate::models::leave as leave_store;
use crate::models::user::normalize_email;
use crate::state::AppState;
use crate::zone::Zone;
use sentence::{Names, Wanted};

/// The longest range of days one can ask for at once.
pub const MAX_SPAN_YEARS: i64 = 5;

/// How many entries the download reads per query.
const CSV_CHUNK: i64 = 500;

/// The columns of the download.
pub const CSV_HEADER: [&str; 6] = ["time", "actor", "event", "sentence", "ip", "detail"];

/// The filters as typed (query string).
#[derive(Clone, Debug, Default)]
pub struct Query {
    pub user: String,
    pub event: String,
    pub from: String,
    pub to: String,
    pub page: String,
}

impl Query {
    /// The filters, cleaned up, as they go back into links (`page` left out).
    pub fn cleaned(&self) -> Vec<(&'static str, String)> {
        vec![
            ("user", normalize_email(&self.user).chars().take(254).collect()),
            ("event", self.event.trim().chars().take(64).collect()),
            ("from", self.from.trim().chars().take(10).collect()),
            ("to", self.to.trim().chars().take(10).collect()),
        ]
    }
}

/// Reads the filters; the days are whole days in `zone`, both included.
/// Problems are messages on `from` or `to`.
pub fn check(query: &Query, zone: Zone) -> Result<Filter, FieldErrors> {
    let cleaned = query.cleaned();
    let value = |name: &str| cleaned.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let (user, event, from_text, to_text) = (value("user"), value("event"), value("from"), value("to"));
    let mut errors = FieldErrors::new();
    let mut day = |field: &'static str, text: &str| {
        if text.is_empty() {
            return None;
        }
        let parsed = parse_iso_date(text).filter(|d| (1900..=9999).contains(&d.year()));
        if parsed.is_none() {
            errors.add(field, format!("“{text}” is not a date: use a date like 2026-03-01."));
        }
        parsed
    };
    let (from, to) = (day("from", &from_text), day("to", &to_text));
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            errors.add("to", "The last day is before the first day: swap them or change one.");
        } else if to - from > Duration::days(366 * MAX_SPAN_YEARS) {
            errors.add(
                "from",
                format!("Choose at most {MAX_SPAN_YEARS} years at a time, or leave a date empty for no limit."),
            );
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let since = from.and_then(|d| zone.start_of(d));
    let before = to.and_then(|d| d.next_day()).and_then(|d| zone.start_of(d));
    Ok(Filter { email: (!user.is_empty()).then_some(user), event: (!event.is_empty()).then_some(event), since, before })
}

/// One entry, told.
#[derive(Clone, Debug)]
pub struct Told {
    pub row: AuditRow,
    pub actor: String,
    pub sentence: String,
    pub label: String,
    /// The account that made the entry, for its email beside the name.
    pub actor_email: Option<String>,
}

/// One page of entries, and how many match.
#[derive(Clone, Debug)]
pub struct Listing {
    pub entries: Vec<Told>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

/// What the audit page shows: the event names for the filter, and the
/// listing or what is wrong with the filters.
pub struct Shown {
    pub events: Vec<String>,
    pub listing: Result<Listing, FieldErrors>,
}

/// Loads the names a set of entries refers to (three small queries, whatever
/// the number of entries) and tells each entry.
fn tell(conn: &mut crate::db::DbConnection, rows: Vec<AuditRow>) -> AppResult<Vec<Told>> {
    let wanted = Wanted::of(&rows);
    let accounts = audit_search::accounts(conn, &wanted.user_ids, &wanted.emails)?;
    let account_emails: std::collections::HashMap<String, String> =
        accounts.iter().map(|a| (a.id.clone(), a.email.clone())).collect();
    let employees = audit_search::employees(conn, &wanted.employee_numbers, &wanted.emails)?;
    let types = if wanted.employee_numbers.is_empty() { Vec::new() } else { leave_store::all_types(conn)? };
    let names = Names::new(accounts, employees, types);
    Ok(rows
        .into_iter()
        .map(|row| {
            let label = event_label(&row.event);
            Told {
                actor: sentence::actor(&row, &names),
                sentence: sentence::sentence(&row, &names, &label),
                actor_email: row.user_id.as_ref().and_then(|id| account_emails.get(id)).cloned(),
                label,
                row,
            }
        })
        .collect())
}

/// `GET /admin/audit`: one page of the filtered log, newest first.
pub async fn list(state: &AppState, actor: &Actor, query: &Query) -> AppResult<Shown> {
    actor.authorize_global(Action::ViewAuditLog)?;
    let checked = check(query, state.config.zone);
    let requested = query.page.clone();
    state
        .db
        .run(move |conn| {
            let events = audit_search::event_names(conn)?;
            let filter = match checked {
                Ok(filter) => filter,
                Err(errors) => return Ok(Shown { events, listing: Err(errors) }),
            };
            let total = audit_search::count(conn, &filter)?;
            let pager = crate::display::Pager::new(Some(&requested), total, PAGE_SIZE);
            let rows = audit_search::page(conn, &filter, PAGE_SIZE, pager.offset())?;
            let entries = tell(conn, rows)?;
            Ok(Shown { events, listing: Ok(Listing { entries, total, page: pager.page, pages: pager.pages }) })
        })
        .await
}

/// One line of the download.
fn csv_line(told: &Told, zone: Zone) -> String {
    crate::csv::line(&[
        zone.iso(told.row.occurred_at).as_str(),
        told.actor.as_str(),
        told.row.event.as_str(),
        told.sentence.as_str(),
        told.row.ip.as_deref().unwrap_or_default(),
        told.row.detail.as_deref().unwrap_or_default(),
    ])
}

/// `GET /admin/audit.csv`: the whole filtered log, newest first, streamed
/// in chunks. Filters that do not read are refused (422) before anything is sent.
pub async fn csv(state: &AppState, actor: &Actor, query: &Query) -> AppResult<mpsc::Receiver<AppResult<String>>> {
    actor.authorize_global(Action::ViewAuditLog)?;
    let zone = state.config.zone;
    let filter = check(query, zone).map_err(AppError::Invalid)?;
    // The newest entry when the download began: entries made while it runs
    // would shift the pages under it.
    let until: Timestamp = state.clock.now() + Duration::seconds(1);
    let filter = Filter { before: Some(filter.before.map_or(until, |b| b.min(until))), ..filter };
    let read = move |conn: &mut crate::db::DbConnection, offset: i64| -> AppResult<(i64, String)> {
        let rows = audit_search::page(conn, &filter, CSV_CHUNK, offset)?;
        let told = tell(conn, rows)?;
        Ok((told.len() as i64, told.iter().map(|t| csv_line(t, zone)).collect()))
    };
    Ok(crate::csv::stream::pages(state.db.clone(), crate::csv::line(&CSV_HEADER), CSV_CHUNK, read))
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
        "employees_imported" => "Employee records imported from a CSV file",
        other => {
            let words = other.replace('_', " ");
            let mut chars = words.chars();
            return chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default();
        }
    };
    known.to_owned()
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn query(from: &str, to: &str) -> Query {
        Query { from: from.into(), to: to.into(), ..Query::default() }
    }

    #[test]
    fn events_have_readable_labels() {
        assert_eq!(event_label("password_changed"), "Password changed");
        assert_eq!(event_label("leave_request_approved"), "Leave request approved");
        assert_eq!(event_label(""), "");
    }

    #[test]
    fn days_are_whole_days_in_the_portal_zone_both_included() {
        let zone = Zone::parse("+01:00").unwrap();
        let f = check(&query("2026-03-03", "2026-03-04"), zone).unwrap();
        assert_eq!(f.since, Some(datetime!(2026-03-02 23:00)));
        assert_eq!(f.before, Some(datetime!(2026-03-04 23:00)));
        let open = check(&query("", "2026-03-04"), Zone::UTC).unwrap();
        assert_eq!((open.since, open.before), (None, Some(datetime!(2026-03-05 00:00))));
        let f = check(&Query { user: " ANN@example.com ".into(), event: "logout".into(), ..Query::default() }, zone)
            .unwrap();
        assert_eq!((f.email.as_deref(), f.event.as_deref()), (Some("ann@example.com"), Some("logout")));
    }

    #[test]
    fn bad_days_backward_and_too_long_ranges_are_refused_with_a_message() {
        let errors = check(&query("yesterday", "2026-02-30"), Zone::UTC).unwrap_err();
        assert!(errors.get("from").unwrap().contains("is not a date"));
        assert!(errors.get("to").unwrap().contains("is not a date"));
        let backward = check(&query("2026-03-05", "2026-03-01"), Zone::UTC).unwrap_err();
        assert!(backward.get("to").unwrap().contains("before the first day"));
        let long = check(&query("2020-01-01", "2026-01-02"), Zone::UTC).unwrap_err();
        assert!(long.get("from").unwrap().contains("at most 5 years"));
        assert!(check(&query("2021-01-01", "2026-01-01"), Zone::UTC).is_ok(), "five years is fine");
        assert!(check(&query("0001-01-01", ""), Zone::UTC).is_err(), "no day before 1900");
    }
}
