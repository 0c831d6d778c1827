//! "Your sessions": every device where this person is signed in; sign one out,
//! or every other one.

use axum::extract::{Path, State};
use axum::response::Response;

use crate::access::Actor;
use crate::auth::sessions::Door;
use crate::display::browser_label;
use crate::domain::accounts;
use crate::error::AppResult;
use crate::forms::{CsrfForm, CsrfOnly};
use crate::notice::{Notice, Shown};
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{Layout, ok_page};

const SESSIONS_PATH: &str = "/account/sessions";

pub struct SessionRow {
    pub id: String,
    pub browser: String,
    pub ip: String,
    pub signed_in: String,
    pub last_active: String,
    pub current: bool,
}

#[derive(askama::Template)]
#[template(path = "account/sessions.html")]
pub struct SessionsPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub sessions: Vec<SessionRow>,
    pub notice: Option<&'static str>,
}

impl SessionsPage {
    fn others(&self) -> usize {
        self.sessions.iter().filter(|s| !s.current).count()
    }
}

pub async fn list(State(state): State<AppState>, actor: Actor, page: Page, shown: Shown) -> AppResult<Response> {
    let live = accounts::live_sessions(&state, &actor).await?;
    let current = actor.session_id().unwrap_or_default();
    let mut rows: Vec<SessionRow> = live
        .into_iter()
        .map(|s| SessionRow {
            current: s.id == current,
            browser: match s.door() {
                // An API client named itself at sign-in (or sent its User-Agent).
                Door::Api => format!("API client: {}", s.user_agent.chars().take(100).collect::<String>()),
                Door::Web => browser_label(&s.user_agent),
            },
            ip: s.ip,
            signed_in: state.config.zone.date_time(s.created_at),
            last_active: state.config.zone.date_time(s.last_used_at),
            id: s.id,
        })
        .collect();
    // This device first; the rest stay most recently active first.
    rows.sort_by_key(|r| !r.current);
    Ok(ok_page(&SessionsPage {
        layout: page.layout(),
        csrf_token: page.csrf_token(),
        sessions: rows,
        notice: shown.text(),
    }))
}

/// `POST /account/sessions/{id}/revoke`: signs out one of the person's own
/// sessions. Anyone else's session id is answered as if it did not exist.
pub async fn revoke_one(
    State(state): State<AppState>,
    actor: Actor,
    Path(session_id): Path<String>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    let notice = if accounts::revoke_session(&state, &actor, session_id).await? {
        Notice::SessionRevoked
    } else {
        Notice::SessionAlreadyEnded
    };
    Ok(notice.redirect(SESSIONS_PATH))
}

/// `POST /account/sessions/revoke-others`: everywhere but here.
pub async fn revoke_others(
    State(state): State<AppState>,
    actor: Actor,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    accounts::revoke_other_sessions(&state, &actor).await?;
    Ok(Notice::OtherSessionsRevoked.redirect(SESSIONS_PATH))
}
