//! `GET /admin/mail`: the outbox for Admins; `POST /admin/mail/{id}/retry`.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::access::Actor;
use crate::display::{Pager, precise};
use crate::domain::outbox;
use crate::error::AppResult;
use crate::forms::{CsrfForm, CsrfOnly};
use crate::mail::LetterKind;
use crate::notice::{Notice, Shown};
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{Layout, ok_page};

const MAIL_PATH: &str = "/admin/mail";

pub struct MessageRow {
    pub id: String,
    pub created: String,
    pub kind: &'static str,
    pub recipient: String,
    pub subject: String,
    pub status: String,
    pub status_class: &'static str,
    pub attempts: i32,
    /// When it was sent, or when the next attempt is due.
    pub when: String,
    pub last_error: String,
    pub failed: bool,
}

#[derive(askama::Template)]
#[template(path = "admin/mail.html")]
pub struct MailPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub status: String,
    pub counts: Vec<(&'static str, i64)>,
    pub messages: Vec<MessageRow>,
    pub pager: Pager,
    pub notice: Option<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
pub struct MailQuery {
    status: Option<String>,
    page: Option<String>,
}

fn status_class(status: &str) -> &'static str {
    match status {
        "sent" => "pill-green",
        "failed" => "pill-red",
        "sending" => "pill-grey",
        _ => "pill-amber",
    }
}

pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    shown: Shown,
    query: Result<Query<MailQuery>, QueryRejection>,
) -> AppResult<Response> {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let log = outbox::log(&state, &actor, query.status.clone(), query.page.clone()).await?;
    let status = query.status.filter(|s| outbox::STATUSES.contains(&s.as_str())).unwrap_or_default();
    let messages = log
        .messages
        .into_iter()
        .map(|m| MessageRow {
            created: precise(m.created_at),
            kind: LetterKind::label(&m.kind),
            status_class: status_class(&m.status),
            when: match (m.sent_at, m.status.as_str()) {
                (Some(at), _) => format!("sent {}", precise(at)),
                (None, "queued") => format!("next try {}", precise(m.next_attempt_at)),
                _ => String::new(),
            },
            failed: m.status == "failed",
            last_error: m.last_error.unwrap_or_default(),
            id: m.id,
            recipient: m.recipient,
            subject: m.subject,
            status: m.status,
            attempts: m.attempts,
        })
        .collect();
    Ok(ok_page(&MailPage {
        layout: page.layout(),
        csrf_token: page.csrf_token(),
        pager: log.pager.with_links(MAIL_PATH, &[("status", &status)]),
        status,
        counts: log.counts,
        messages,
        notice: shown.text(),
    }))
}

pub async fn retry(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    outbox::retry(&state, &actor, id).await?;
    Ok(Notice::MailRetried.redirect(MAIL_PATH))
}
