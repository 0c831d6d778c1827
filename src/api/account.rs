//! `/api/v1/me` and `/api/v1/sessions`: the signed-in person, and the
//! sessions of their account (pages and API alike), which they can end.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use super::employees::EmployeeOut;
use super::{ApiActor, ApiResult, iso_time};
use crate::auth::sessions::Session;
use crate::domain::accounts;
use crate::models::user::{Role, User};
use crate::state::AppState;

/// An account.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    pub id: String,
    pub email: String,
    pub full_name: String,
    /// `employee`, `hr` or `admin`.
    pub role: &'static str,
}

impl UserOut {
    pub fn new(user: &User, role: Role) -> Self {
        UserOut {
            id: user.id.clone(),
            email: user.email.clone(),
            full_name: user.full_name.clone(),
            role: role.as_str(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeOut {
    pub user: UserOut,
    /// The employee record linked to the account, if any.
    pub employee: Option<EmployeeOut>,
    /// The session this token belongs to.
    pub session_id: String,
}

/// The signed-in person: their account and employee record.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "account",
    security(("bearer" = [])),
    responses((status = 200, description = "The signed-in person", body = MeOut))
)]
pub async fn me(State(state): State<AppState>, actor: ApiActor) -> ApiResult<Json<MeOut>> {
    let user = accounts::own_account(&state, &actor.0).await?;
    let role = user.role()?;
    Ok(Json(MeOut {
        user: UserOut::new(&user, role),
        employee: actor.0.employee.as_ref().map(EmployeeOut::from),
        session_id: actor.user().session_id.clone(),
    }))
}

/// A session of the account: a browser or an API client.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionOut {
    pub id: String,
    /// `web` (a browser) or `api` (a Bearer client).
    pub kind: &'static str,
    /// The browser's User-Agent, or the API client's name.
    pub client: String,
    pub ip: String,
    pub created_at: String,
    pub last_used_at: String,
    /// When it ends if unused (idle timeout), at the latest `absolute_expires_at`.
    pub idle_expires_at: String,
    pub absolute_expires_at: String,
    /// The session of the token making this request.
    pub current: bool,
}

impl SessionOut {
    fn new(s: &Session, current: &str) -> Self {
        SessionOut {
            id: s.id.clone(),
            kind: s.door().as_str(),
            client: s.user_agent.clone(),
            ip: s.ip.clone(),
            created_at: iso_time(s.created_at),
            last_used_at: iso_time(s.last_used_at),
            idle_expires_at: iso_time(s.idle_expires_at),
            absolute_expires_at: iso_time(s.absolute_expires_at),
            current: s.id == current,
        }
    }
}

/// The account's live sessions, most recently active first.
#[utoipa::path(
    get,
    path = "/api/v1/sessions",
    tag = "account",
    security(("bearer" = [])),
    responses((status = 200, description = "Live sessions", body = Vec<SessionOut>))
)]
pub async fn sessions(State(state): State<AppState>, actor: ApiActor) -> ApiResult<Json<Vec<SessionOut>>> {
    let live = accounts::live_sessions(&state, &actor.0).await?;
    let current = actor.user().session_id.as_str();
    Ok(Json(live.iter().map(|s| SessionOut::new(s, current)).collect()))
}

/// End one of the account's other sessions (to end this one, log out).
#[utoipa::path(
    delete,
    path = "/api/v1/sessions/{id}",
    tag = "account",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The session's id")),
    responses((status = 204, description = "Ended (or had ended already)"))
)]
pub async fn end_session(
    State(state): State<AppState>,
    actor: ApiActor,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    accounts::revoke_session(&state, &actor.0, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
