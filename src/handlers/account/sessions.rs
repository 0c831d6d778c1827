//! "Your sessions": every device where this person is signed in; sign one out,
//! or every other one.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use diesel::{Connection, OptionalExtension};
use serde::Deserialize;

use crate::access::{Action, Actor, Relation};
use crate::auth::middleware::Client;
use crate::auth::sessions::{self, RevokeReason};
use crate::error::{AppError, AppResult};
use crate::forms::{CsrfForm, CsrfOnly};
use crate::handlers::display::browser_label;
use crate::handlers::display::{date_time, short_id};
use crate::models::audit::{self, Event};
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

/// Which message to show after a redirect; only these fixed texts, never the query's.
#[derive(Debug, Default, Deserialize)]
pub struct NoticeQuery {
    done: Option<String>,
}

fn notice(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "revoked" => Some("The session was signed out."),
        "others" => Some("All your other sessions were signed out."),
        "ended" => Some("That session had already ended."),
        _ => None,
    }
}

pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    query: Result<Query<NoticeQuery>, QueryRejection>,
) -> AppResult<Response> {
    actor.authorize(Action::ManageOwnAccount, Relation::Own)?;
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let now = state.clock.now();
    let user_id = actor.user.user_id.clone();
    let live = state.db.run(move |conn| Ok(sessions::live_for_user(conn, &user_id, now)?)).await?;
    let current = &actor.user.session_id;
    let mut rows: Vec<SessionRow> = live
        .into_iter()
        .map(|s| SessionRow {
            current: &s.id == current,
            browser: browser_label(&s.user_agent),
            ip: s.ip,
            signed_in: date_time(s.created_at),
            last_active: date_time(s.last_used_at),
            id: s.id,
        })
        .collect();
    // This device first; the rest stay most recently active first.
    rows.sort_by_key(|r| !r.current);
    Ok(ok_page(&SessionsPage {
        layout: page.layout(),
        csrf_token: page.csrf_token.clone(),
        sessions: rows,
        notice: notice(query.done.as_deref()),
    }))
}

fn back(done: &str) -> Response {
    Redirect::to(&format!("{SESSIONS_PATH}?done={done}")).into_response()
}

/// `POST /account/sessions/{id}/revoke`: signs out one of the person's own
/// sessions. Anyone else's session id is answered as if it did not exist.
pub async fn revoke_one(
    State(state): State<AppState>,
    actor: Actor,
    client: Client,
    Path(session_id): Path<String>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    actor.authorize(Action::ManageOwnAccount, Relation::Own)?;
    if session_id == actor.user.session_id {
        return Err(AppError::BadRequest("This is the session you are using now. To end it, sign out.".into()));
    }
    let now = state.clock.now();
    let (user_id, current, ip) = (actor.user.user_id.clone(), actor.user.session_id.clone(), client.ip);
    let target = session_id.clone();
    let revoked = state
        .db
        .run(move |conn| {
            conn.transaction::<_, AppError, _>(|conn| {
                if sessions::revoke_for_user(conn, &target, &user_id, RevokeReason::SignedOutByUser, now)? {
                    let detail = format!("from session {}", short_id(&current));
                    let entry = audit::Entry::by(&user_id, &target, &ip).detail(&detail);
                    audit::record(conn, now, Event::SessionRevoked, entry)?;
                    return Ok(true);
                }
                // Nothing revoked: already ended if it is theirs, otherwise not theirs to know about.
                match sessions::find(conn, &target).optional()? {
                    Some(s) if s.user_id == user_id => Ok(false),
                    _ => Err(AppError::NotFound),
                }
            })
        })
        .await?;
    if !revoked {
        return Ok(back("ended"));
    }
    // This instance refuses that session's access token from now on.
    state.revoked.insert(&session_id, now);
    Ok(back("revoked"))
}

/// `POST /account/sessions/revoke-others`: everywhere but here.
pub async fn revoke_others(
    State(state): State<AppState>,
    actor: Actor,
    client: Client,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    actor.authorize(Action::ManageOwnAccount, Relation::Own)?;
    let now = state.clock.now();
    let (user_id, current, ip) = (actor.user.user_id.clone(), actor.user.session_id.clone(), client.ip);
    let revoked = state
        .db
        .transaction(move |conn| {
            let ids = sessions::revoke_others_for_user(conn, &user_id, &current, RevokeReason::SignedOutByUser, now)?;
            let detail = format!("{} session(s) signed out", ids.len());
            let entry = audit::Entry::by(&user_id, &current, &ip).detail(&detail);
            audit::record(conn, now, Event::OtherSessionsRevoked, entry)?;
            Ok(ids)
        })
        .await?;
    for id in &revoked {
        state.revoked.insert(id, now);
    }
    Ok(back("others"))
}
