//! How API handlers read a request: `ApiActor` (the Bearer token, and the
//! person behind it), `ApiJson` and `ApiQuery`, whose refusals are problems
//! that say what to fix, never axum's plain-text rejections.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::problem::ApiError;
use crate::access::Actor;
use crate::auth::middleware::{Client, CurrentUser};
use crate::auth::tokens::Audience;
use crate::error::AppError;
use crate::models::employee;
use crate::state::AppState;

/// The person an API request acts for, proven by `Authorization: Bearer`.
/// Cookies are never read here: no other site can make a browser send this
/// header, so the API needs no CSRF token.
pub struct ApiActor(pub Actor);

impl ApiActor {
    pub fn user(&self) -> &CurrentUser {
        // An `ApiActor` is only ever built with a signed-in user.
        self.0.user.as_ref().expect("an API actor is signed in")
    }
}

/// The token of `Authorization: Bearer <token>`, if the header has that shape.
pub fn bearer_token(parts: &Parts) -> Result<&str, ApiError> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
        return Err(ApiError::Unauthorized {
            invalid_token: false,
            detail: "Send an access token in the Authorization header: Bearer <token>.",
        });
    };
    let text = value.to_str().unwrap_or_default();
    match text.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => Ok(token.trim()),
        _ => Err(ApiError::Unauthorized {
            invalid_token: true,
            detail: "The Authorization header must read: Bearer <token>.",
        }),
    }
}

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let now = state.clock.now();
        let token = bearer_token(parts)?;
        let Some(claims) = state.access_tokens.verify(token, Audience::Api, now) else {
            return Err(ApiError::Unauthorized {
                invalid_token: true,
                detail: "The access token is not valid or has expired. Refresh it, or sign in again.",
            });
        };
        if state.revoked.contains(&claims.sid) {
            return Err(ApiError::Unauthorized {
                invalid_token: true,
                detail: "This session has ended. Sign in again.",
            });
        }
        if let Err(retry_after_secs) = state.api_rate.admit(&claims.sid, now) {
            return Err(AppError::TooManyRequests { retry_after_secs }.into());
        }
        crate::telemetry::record_user(&claims.sub);
        let user = CurrentUser { user_id: claims.sub, session_id: claims.sid, role: claims.role, name: claims.name };
        let client = Client::from_request_parts(parts, state).await.unwrap_or_else(|never| match never {});
        let user_id = user.user_id.clone();
        let employee = state.db.run(move |conn| Ok(employee::find_by_user(conn, &user_id)?)).await?;
        Ok(ApiActor(Actor::signed_in(user, employee, client.ip)))
    }
}

/// A JSON body. Anything else is a problem: 415 for another content type,
/// 413 when too large, 400 when it is not JSON, 422 when it is JSON of the
/// wrong shape (with serde's account of where).
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| {
            let essence = ct.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
            essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
        });
        if !is_json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let body = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge
            } else {
                AppError::BadRequest("The body could not be read.".into())
            }
        })?;
        let value: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
            ApiError::from(AppError::BadRequest(format!(
                "The body is not valid JSON (line {}, column {}).",
                e.line(),
                e.column()
            )))
        })?;
        // Every body of this API is an object. serde would also fill a struct
        // from an array, field by field (`["a@b.c", "pw"]`): refuse that here.
        if !value.is_object() {
            return Err(ApiError::BadShape("The body must be a JSON object, like {\"name\": \"...\"}.".into()));
        }
        serde_json::from_value::<T>(value)
            .map(ApiJson)
            .map_err(|e| ApiError::BadShape(format!("The body does not fit this route: {e}.")))
    }
}

/// A query string; a value of the wrong type is a 400 that names it.
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str::<T>(query)
            .map(ApiQuery)
            .map_err(|e| AppError::BadRequest(format!("The query string could not be read: {e}.")).into())
    }
}
