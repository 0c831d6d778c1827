//! `/account/calendar`: one's calendar feed address (made, renewed, stopped),
//! and `GET /calendar/{token}.ics`, the feed that calendar apps read. The
//! rules are in `domain::leave::feed`.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::access::Actor;
use crate::domain::leave::feed::{self, FeedStatus};
use crate::error::AppResult;
use crate::forms::{CsrfForm, CsrfProtected};
use crate::notice::{Notice, Shown};
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{Layout, ok_page};

const CALENDAR_PATH: &str = "/account/calendar";

#[derive(askama::Template)]
#[template(path = "account/calendar.html")]
pub struct CalendarFeedPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub feed: Option<FeedShown>,
    /// The new address, on the page that answers making it: the only time it is shown.
    pub address: Option<String>,
    pub notice: Option<&'static str>,
}

/// A feed's dates as the page shows them.
pub struct FeedShown {
    pub created: String,
    pub last_read: Option<String>,
}

fn feed_shown(state: &AppState, feed: Option<FeedStatus>) -> Option<FeedShown> {
    let when = |t| state.config.zone.date_time(t);
    feed.map(|f| FeedShown { created: when(f.created_at), last_read: f.last_read_at.map(when) })
}

pub async fn show(State(state): State<AppState>, actor: Actor, page: Page, shown: Shown) -> AppResult<Response> {
    let feed = feed::status(&state, &actor).await?;
    Ok(ok_page(&CalendarFeedPage {
        layout: page.layout(),
        csrf_token: page.csrf_token(),
        feed: feed_shown(&state, feed),
        address: None,
        notice: shown.text(),
    }))
}

/// Only the CSRF token: the buttons carry nothing else.
#[derive(Debug, Deserialize)]
pub struct ButtonForm {
    #[serde(default)]
    csrf_token: String,
}

impl CsrfProtected for ButtonForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// Makes a new address and shows it (answered, not redirected: the token is
/// not kept, so this page is the only place it appears; the response is
/// `no-store` like every page).
pub async fn renew(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    CsrfForm(_): CsrfForm<ButtonForm>,
) -> AppResult<Response> {
    let token = feed::renew(&state, &actor).await?;
    let feed = feed::status(&state, &actor).await?;
    let address = format!("{}{}", state.config.public_url.origin, feed::path(&token));
    Ok(ok_page(&CalendarFeedPage {
        layout: page.layout(),
        csrf_token: page.csrf_token(),
        feed: feed_shown(&state, feed),
        address: Some(address),
        notice: None,
    }))
}

pub async fn stop(
    State(state): State<AppState>,
    actor: Actor,
    CsrfForm(_): CsrfForm<ButtonForm>,
) -> AppResult<Response> {
    feed::stop(&state, &actor).await?;
    Ok(Notice::CalendarFeedStopped.redirect(CALENDAR_PATH))
}

/// `GET /calendar/{token}.ics`: no cookie, no session; the address is the key.
pub async fn ics(State(state): State<AppState>, Path(file): Path<String>) -> AppResult<Response> {
    let body = feed::read(&state, &file).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "inline; filename=\"hrms.ics\""),
        ],
        body,
    )
        .into_response())
}
