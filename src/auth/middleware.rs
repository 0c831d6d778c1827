//! The session middleware: on every page, find out who is signed in. A valid
//! access token is enough (no query). When it is missing or expired and the
//! refresh token is good, rotate, mint a new access token, set both cookies,
//! and let the page render in this same response.

use std::net::SocketAddr;

use axum::extract::connect_info::MockConnectInfo;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use tower_cookies::Cookies;

use super::cookies::CookieNames;
use super::sessions::Door;
use super::tokens::Audience;
use crate::domain::accounts::{self, Refreshed};
use crate::error::{AppResult, ErrorContent, error_page};
use crate::models::user::Role;
use crate::state::AppState;

/// The signed-in person, put into the request by `load_session`. Taking it as
/// a handler argument makes the route protected: without a session the
/// extractor answers `303` to `/login?next=<path>`.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub user_id: String,
    pub session_id: String,
    pub role: Role,
    pub name: String,
}

/// The random pre-session value the sign-in and registration forms are bound to.
#[derive(Clone, Debug)]
pub struct PreSession(pub String);

/// Where a request comes from, for sessions, throttling and the audit log.
/// The address is the TCP peer's.
#[derive(Clone, Debug)]
pub struct Client {
    pub ip: String,
    pub user_agent: String,
    /// The browser id of the device cookie, where the handler read it
    /// (sign-in pages); `None` elsewhere.
    pub device: Option<String>,
}

impl Client {
    fn from_parts(extensions: &axum::http::Extensions, headers: &axum::http::HeaderMap) -> Self {
        // `MockConnectInfo` stands in for the socket in in-process tests.
        let peer = extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr)
            .or_else(|| extensions.get::<MockConnectInfo<SocketAddr>>().map(|MockConnectInfo(addr)| addr));
        // Behind a trusted proxy, `proxy::resolve_client` worked out the real one.
        let ip = match extensions.get::<crate::proxy::ClientIp>() {
            Some(crate::proxy::ClientIp(ip)) => ip.to_string(),
            None => peer.map_or_else(|| "unknown".to_owned(), |addr| addr.ip().to_string()),
        };
        let user_agent = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .chars()
            .take(400)
            .collect();
        Self { ip, user_agent, device: None }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Client::from_parts(&parts.extensions, &parts.headers))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<CurrentUser>().cloned().ok_or_else(|| login_redirect(&parts.uri))
    }
}

/// `303` to the sign-in page, coming back here afterwards.
pub fn login_redirect(uri: &axum::http::Uri) -> Response {
    let here = uri.path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
    let next: String = percent_encoding::utf8_percent_encode(here, percent_encoding::NON_ALPHANUMERIC).to_string();
    Redirect::to(&format!("/login?next={next}")).into_response()
}

pub async fn load_session(State(state): State<AppState>, cookies: Cookies, mut req: Request, next: Next) -> Response {
    // The API reads Bearer tokens only: its addresses (even unknown ones,
    // which end up at the pages' fallback) never look at cookies. Calendar
    // feeds are read by calendar apps with the address as the key: no cookie
    // is read there, nor set.
    if req.uri().path().starts_with("/api/") || req.uri().path().starts_with("/calendar/") {
        return next.run(req).await;
    }
    let client = Client::from_parts(req.extensions(), req.headers());
    match authenticate(&state, &cookies, &client).await {
        Ok(Some(user)) => {
            crate::telemetry::record_user(&user.user_id);
            req.extensions_mut().insert(user);
        }
        Ok(None) => {}
        // The database is down: a 503 page; cookies are kept, nothing rotated.
        Err(e) => return e.into_response(),
    }
    let names = &state.cookies;
    let seed = match CookieNames::get(&cookies, &names.pre_session).filter(|v| state.csrf.seed_is_ours(v)) {
        Some(seed) => seed,
        None => {
            let seed = state.csrf.issue_seed();
            names.set_pre_session(&cookies, seed.clone());
            seed
        }
    };
    let user = req.extensions().get::<CurrentUser>().cloned();
    let path = req.uri().path().to_owned();
    req.extensions_mut().insert(PreSession(seed.clone()));
    let response = next.run(req).await;
    // An error page knows nothing of the request: show it again inside this
    // person's layout (their navigation, the sign-out button), not "Sign in".
    match response.extensions().get::<ErrorContent>().cloned() {
        Some(content) => {
            // With the database unavailable, do not wait on it a second time.
            let unavailable = response.status() == axum::http::StatusCode::SERVICE_UNAVAILABLE;
            let queue = if unavailable { None } else { crate::page::queue_facts(&state, user.as_ref()).await };
            let layout = crate::page::layout(&state, user.as_ref(), &seed, &path, queue);
            // Same status and headers (Retry-After, cookies...), the new body.
            let (mut parts, _) = response.into_parts();
            parts.headers.remove(axum::http::header::CONTENT_LENGTH);
            let page = error_page(layout, parts.status, &content);
            Response::from_parts(parts, page.into_body())
        }
        None => response,
    }
}

async fn authenticate(state: &AppState, cookies: &Cookies, client: &Client) -> AppResult<Option<CurrentUser>> {
    let names = &state.cookies;
    let now = state.clock.now();
    if let Some(access) = CookieNames::get(cookies, &names.access)
        && let Some(claims) = state.access_tokens.verify(&access, Audience::Web, now)
        && !state.revoked.contains(&claims.sid)
    {
        return Ok(Some(CurrentUser {
            user_id: claims.sub,
            session_id: claims.sid,
            role: claims.role,
            name: claims.name,
        }));
    }
    let Some(refresh) = CookieNames::get(cookies, &names.refresh) else {
        return Ok(None);
    };
    match accounts::refresh(state, Door::Web, refresh, client).await? {
        Refreshed::Renewed { user, access_token, refresh } => {
            // Without a new refresh token, another request of this browser
            // rotated first: its response carries the new refresh cookie, so
            // this one must not touch it.
            if let Some(refresh) = refresh {
                names.set_refresh(cookies, refresh.token, refresh.expires_at, now);
            }
            names.set_access(cookies, access_token, state.config.sessions.access_ttl);
            Ok(Some(user))
        }
        Refreshed::Reused | Refreshed::Invalid => {
            names.clear_session(cookies);
            Ok(None)
        }
    }
}
