//! The audit log for admins (`/admin/audit`): newest first, each entry a
//! sentence, filtered by person, event and days; and the same selection as a
//! CSV download (`/admin/audit.csv`). Times are shown in the portal's zone.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::access::Actor;
use crate::display::{Pager, page_href, short_id};
use crate::domain::audit_log::{self, event_label};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::models::audit_search::PAGE_SIZE;
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{Layout, render_page};

const AUDIT_PATH: &str = "/admin/audit";

pub struct EntryRow {
    pub time: String,
    pub event_label: String,
    pub event: String,
    /// What happened, as a sentence naming the people.
    pub sentence: String,
    /// The email of the account that acted, when it still exists.
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
    pub from: String,
    pub to: String,
    /// (name, label) of every event in the log.
    pub events: Vec<(String, String)>,
    pub entries: Vec<EntryRow>,
    pub pager: Pager,
    pub filtered: bool,
    pub errors: FieldErrors,
    /// The portal's time zone, named: every time on the page is in it.
    pub zone: String,
    /// The download of this selection.
    pub csv_href: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    user: String,
    #[serde(default)]
    event: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: String,
}

impl AuditQuery {
    fn query(self) -> audit_log::Query {
        audit_log::Query { user: self.user, event: self.event, from: self.from, to: self.to, page: self.page }
    }
}

fn read_query(query: Result<Query<AuditQuery>, QueryRejection>) -> AppResult<audit_log::Query> {
    let Query(query) = query.map_err(|_| {
        AppError::BadRequest("The filters in this address could not be read. Open the audit log again.".into())
    })?;
    Ok(query.query())
}

/// `GET /admin/audit`.
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> AppResult<Response> {
    let query = read_query(query)?;
    let shown = audit_log::list(&state, &actor, &query).await?;
    let zone = state.config.zone;
    let filters = query.cleaned();
    let pairs: Vec<(&str, &str)> = filters.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let value = |name: &str| filters.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let (status, entries, errors, pager) = match shown.listing {
        Ok(listing) => {
            let pager = Pager {
                page: listing.page,
                pages: listing.pages,
                total: listing.total,
                per_page: PAGE_SIZE,
                exact: true,
                prev_href: None,
                next_href: None,
            }
            .with_links(AUDIT_PATH, &pairs);
            let entries = listing
                .entries
                .into_iter()
                .map(|t| EntryRow {
                    time: zone.precise(t.row.occurred_at),
                    event_label: t.label,
                    sentence: t.sentence,
                    // An entry without an account (a failed sign-in) names the email in its sentence.
                    who_email: t.actor_email,
                    ip: t.row.ip.unwrap_or_default(),
                    session: t.row.session_id.as_deref().map(short_id).unwrap_or_default().to_owned(),
                    detail: t.row.detail.unwrap_or_default(),
                    event: t.row.event,
                })
                .collect();
            (StatusCode::OK, entries, FieldErrors::new(), pager)
        }
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, Vec::new(), errors, Pager::new(None, 0, PAGE_SIZE)),
    };
    let mut events: Vec<(String, String)> = shown
        .events
        .into_iter()
        .map(|name| {
            let label = event_label(&name);
            (name, label)
        })
        .collect();
    events.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(render_page(
        status,
        &AuditPage {
            layout: page.layout(),
            pager,
            user: value("user"),
            event: value("event"),
            from: value("from"),
            to: value("to"),
            events,
            entries,
            filtered: pairs.iter().any(|(_, v)| !v.is_empty()),
            errors,
            zone: zone.name(),
            csv_href: page_href("/admin/audit.csv", &pairs, 1),
        },
    ))
}

/// `GET /admin/audit.csv`: the filtered log as CSV, times in the portal's zone.
pub async fn list_csv(
    State(state): State<AppState>,
    actor: Actor,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> AppResult<Response> {
    let query = read_query(query)?;
    let chunks = audit_log::csv(&state, &actor, &query).await?;
    Ok(crate::csv::stream::response("audit-log.csv", chunks))
}
