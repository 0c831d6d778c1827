//! `/api/v1/auth`: the original ASP.NET API's endpoints, done right. Signing
//! in has the sign-in form's throttling, counters and device rules (the
//! same `accounts::sign_in`); refresh rotates with reuse detection (the same
//! `accounts::refresh` as the pages' middleware); tokens travel in bodies,
//! never in addresses.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::account::UserOut;
use super::{ApiActor, ApiError, ApiJson, ApiResult, Problem};
use crate::auth::devices::{is_device_id, new_device_id};
use crate::auth::middleware::Client;
use crate::auth::sessions::{Door, IssuedRefresh};
use crate::config::Registration;
use crate::domain::accounts::requests::{self, SignUpInput, Throttled};
use crate::domain::accounts::{self, Refreshed, SignInRefused};
use crate::error::AppError;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginIn {
    #[schema(example = "ann@example.com")]
    pub email: String,
    #[schema(example = "correct horse battery staple")]
    pub password: String,
    /// Ask for the long session lifetimes ("Keep me signed in"), where the
    /// portal offers them to this role.
    #[serde(default)]
    pub remember: bool,
    /// The `device_id` an earlier sign-in returned. A client that keeps and
    /// sends it is a known device: no "new sign-in" mail, and failures from
    /// elsewhere do not lock it out.
    #[serde(default)]
    #[schema(example = json!(null))]
    pub device_id: Option<String>,
    /// How this client should appear in the person's list of sessions, like
    /// "Payroll sync" (at most 100 characters); else its User-Agent.
    #[serde(default)]
    #[schema(example = "Payroll sync")]
    pub client_name: Option<String>,
}

/// A token pair, as RFC 6749 names its fields.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokensOut {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// The next refresh token. Absent when another request rotated this one a
    /// moment ago (within the reuse grace): that request holds it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Seconds until the refresh token expires if unused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_expires_in: Option<i64>,
    /// The person signed in (at login only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<UserOut>,
    /// Keep it and send it with the next login (at login only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshIn {
    pub refresh_token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterIn {
    pub full_name: String,
    pub email: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordResetIn {
    pub email: String,
}

/// An answer that says what happens next, the same whatever the email.
#[derive(Debug, Serialize, ToSchema)]
pub struct AcceptedOut {
    pub message: String,
}

/// Token responses must not be stored by any cache (RFC 6749 section 5.1).
fn no_store(status: StatusCode, body: impl Serialize) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.headers_mut().insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

fn refresh_fields(state: &AppState, refresh: Option<IssuedRefresh>) -> (Option<String>, Option<i64>) {
    let now = state.clock.now();
    match refresh {
        Some(r) => (Some(r.token), Some((r.expires_at - now).whole_seconds().max(0))),
        None => (None, None),
    }
}

fn throttled(secs: u64) -> ApiError {
    AppError::TooManyRequests { retry_after_secs: secs }.into()
}

/// A label a person can read in their list of sessions.
fn client_label(name: Option<&str>, user_agent: &str) -> String {
    let name: String = name.unwrap_or_default().chars().filter(|c| !c.is_control()).take(100).collect();
    let name = name.trim();
    if name.is_empty() { user_agent.to_owned() } else { name.to_owned() }
}

/// Sign in with email and password.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "auth",
    request_body = LoginIn,
    responses(
        (status = 200, description = "Signed in: a token pair", body = TokensOut),
        (status = 401, description = "The email or password is not correct (the same answer for each)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn login(State(state): State<AppState>, mut client: Client, body: ApiJson<LoginIn>) -> ApiResult<Response> {
    let ApiJson(body) = body;
    let device = body.device_id.filter(|d| is_device_id(d)).unwrap_or_else(new_device_id);
    client.device = Some(device.clone());
    client.user_agent = client_label(body.client_name.as_deref(), &client.user_agent);
    match accounts::sign_in(&state, Door::Api, &client, &body.email, body.password, body.remember).await? {
        Ok(signed_in) => {
            let (refresh_token, refresh_expires_in) = refresh_fields(&state, Some(signed_in.refresh));
            let user = UserOut::new(&signed_in.user, signed_in.role);
            Ok(no_store(
                StatusCode::OK,
                TokensOut {
                    access_token: signed_in.access_token,
                    token_type: "Bearer",
                    expires_in: state.config.sessions.access_ttl.whole_seconds(),
                    refresh_token,
                    refresh_expires_in,
                    user: Some(user),
                    device_id: Some(device),
                },
            ))
        }
        Err(SignInRefused::Throttled(secs)) => Err(throttled(secs)),
        Err(SignInRefused::Failed) => Err(ApiError::SignInFailed),
    }
}

/// Trade a refresh token for a new pair. Each refresh token works once: a
/// used one presented again after the reuse grace ends the whole session.
#[utoipa::path(
    post,
    path = "/api/v1/auth/refresh",
    tag = "auth",
    request_body = RefreshIn,
    responses(
        (status = 200, description = "A new access token, and the next refresh token", body = TokensOut),
        (status = 400, description = "The refresh token was sent in the address instead of the body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`invalid_grant`: unknown, expired, revoked or reused (the session is then ended)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn refresh(
    State(state): State<AppState>,
    uri: Uri,
    client: Client,
    body: Result<ApiJson<RefreshIn>, ApiError>,
) -> ApiResult<Response> {
    let in_query = uri.query().is_some_and(|q| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(q)
            .map(|pairs| pairs.iter().any(|(k, _)| k.eq_ignore_ascii_case("refresh_token")))
            .unwrap_or(true)
    });
    if in_query {
        return Err(AppError::BadRequest(
            "Send the refresh token in the JSON body ({\"refresh_token\": \"...\"}), not in the address: \
             addresses end up in logs and browser history. Treat this token as exposed and sign in again."
                .into(),
        )
        .into());
    }
    let ApiJson(body) = body?;
    match accounts::refresh(&state, Door::Api, body.refresh_token, &client).await? {
        Refreshed::Renewed { access_token, refresh, .. } => {
            let (refresh_token, refresh_expires_in) = refresh_fields(&state, refresh);
            Ok(no_store(
                StatusCode::OK,
                TokensOut {
                    access_token,
                    token_type: "Bearer",
                    expires_in: state.config.sessions.access_ttl.whole_seconds(),
                    refresh_token,
                    refresh_expires_in,
                    user: None,
                    device_id: None,
                },
            ))
        }
        Refreshed::Reused => Err(ApiError::InvalidGrant(
            "This refresh token had been used already, so its session was ended to be safe. Sign in again.",
        )),
        Refreshed::Invalid => {
            Err(ApiError::InvalidGrant("The refresh token is not valid, has expired, or its session has ended."))
        }
    }
}

/// Sign out: the session ends at once, on every instance.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 204, description = "Signed out"))
)]
pub async fn logout(State(state): State<AppState>, ApiActor(actor): ApiActor) -> ApiResult<StatusCode> {
    accounts::sign_out(&state, &actor).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn registration_refused(state: &AppState) -> ApiError {
    let message = match state.config.registration {
        Registration::Invite => "Accounts are created from HR's invitations: ask HR to invite you.",
        _ => requests::CLOSED,
    };
    AppError::forbidden(message).into()
}

/// Ask for an account. A link to finish it is mailed; the answer is the same
/// whether or not the email has an account already.
#[utoipa::path(
    post,
    path = "/api/v1/auth/register",
    tag = "auth",
    request_body = RegisterIn,
    responses((status = 202, description = "A message is on its way to the email", body = AcceptedOut))
)]
pub async fn register(
    State(state): State<AppState>,
    client: Client,
    ApiJson(body): ApiJson<RegisterIn>,
) -> ApiResult<Response> {
    if state.config.registration != Registration::Open {
        return Err(registration_refused(&state));
    }
    let email = crate::models::user::normalize_email(&body.email);
    let input = SignUpInput { full_name: body.full_name, email: body.email };
    match requests::request_sign_up(&state, &client, input).await? {
        Ok(()) => Ok(no_store(
            StatusCode::ACCEPTED,
            AcceptedOut {
                message: format!("Check your inbox to finish creating your account: we sent a message to {email}."),
            },
        )),
        Err(Throttled(secs)) => Err(throttled(secs)),
    }
}

/// Ask for a password reset link. The answer is the same for every email.
#[utoipa::path(
    post,
    path = "/api/v1/auth/password-reset",
    tag = "auth",
    request_body = PasswordResetIn,
    responses((status = 202, description = "If the email has an account, a link is on its way", body = AcceptedOut))
)]
pub async fn password_reset(
    State(state): State<AppState>,
    client: Client,
    ApiJson(body): ApiJson<PasswordResetIn>,
) -> ApiResult<Response> {
    match requests::request_password_reset(&state, &client, &body.email).await? {
        Ok(()) => Ok(no_store(
            StatusCode::ACCEPTED,
            AcceptedOut {
                message: "If this email has an account, a link to choose a new password is on its way. \
                          It works for one hour."
                    .into(),
            },
        )),
        Err(Throttled(secs)) => Err(throttled(secs)),
    }
}
