//! Errors of the JSON API as RFC 9457 `application/problem+json`. Every
//! error under `/api` leaves as one of these: the domain's `AppError`s (with
//! the same messages the pages show), the API's own (a missing or bad Bearer
//! token, a body that is not JSON), and whatever axum or a layer answered on
//! its own (unknown route, wrong method), which `problem_json` rewrites.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{AppError, ErrorContent};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem: what went wrong, for a person and for a program.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status and `title` say what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// A short summary, the same for every occurrence of this kind of problem.
    pub title: String,
    pub status: u16,
    /// What happened this time, in words a person understands.
    pub detail: String,
    /// One message per field that broke a rule (status 422).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// The OAuth 2.0 error code where one applies (RFC 6749 and 6750):
    /// `invalid_token`, `invalid_grant`, `invalid_request`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'static str>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The JSON field, as named in the request.
    pub field: String,
    pub message: String,
}

/// Why an API request was refused. Most are the domain's `AppError`; the rest
/// belong to the API's door.
#[derive(Debug)]
pub enum ApiError {
    App(AppError),
    /// No token, or one that is not (or no longer) good: 401 with
    /// `WWW-Authenticate: Bearer`, plus `error="invalid_token"` for a bad one.
    Unauthorized {
        invalid_token: bool,
        detail: &'static str,
    },
    /// A refresh token that is unknown, expired, revoked or reused.
    InvalidGrant(&'static str),
    /// A wrong email or password (the same answer for each).
    SignInFailed,
    UnsupportedMediaType,
    /// The body is JSON but not of the shape the route reads.
    BadShape(String),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError::App(e)
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        ApiError::App(e.into())
    }
}

const REALM: &str = "Bearer realm=\"hrms\"";

impl Problem {
    pub fn new(status: StatusCode, title: impl Into<String>, detail: impl Into<String>) -> Self {
        Problem {
            kind: "about:blank",
            title: title.into(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
            error: None,
        }
    }

    pub fn into_response_with(self, extra: &[(header::HeaderName, HeaderValue)]) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        for (name, value) in extra {
            headers.insert(name.clone(), value.clone());
        }
        response.extensions_mut().insert(IsProblem);
        response
    }
}

/// Marks a response that is a problem already.
#[derive(Clone, Copy)]
struct IsProblem;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::App(e) => {
                let status = e.status();
                let (title, detail) = e.public_message();
                let mut problem = Problem::new(status, title, detail);
                if let AppError::Invalid(errors) = &e {
                    problem.title = "Invalid input".into();
                    problem.errors = errors
                        .iter()
                        .map(|(field, message)| FieldProblem { field: field.to_owned(), message: message.to_owned() })
                        .collect();
                }
                let retry = match &e {
                    AppError::TooManyRequests { retry_after_secs } | AppError::Busy { retry_after_secs } => {
                        Some(*retry_after_secs)
                    }
                    AppError::Unavailable(_) | AppError::StorageFull(_) => Some(30),
                    _ => None,
                };
                e.log();
                let extra: Vec<_> = retry.map(|s| (header::RETRY_AFTER, HeaderValue::from(s))).into_iter().collect();
                problem.into_response_with(&extra)
            }
            ApiError::Unauthorized { invalid_token, detail } => {
                let mut problem = Problem::new(StatusCode::UNAUTHORIZED, "Unauthorized", detail);
                let challenge = if invalid_token {
                    problem.error = Some("invalid_token");
                    format!("{REALM}, error=\"invalid_token\", error_description=\"{detail}\"")
                } else {
                    REALM.to_owned()
                };
                let value = HeaderValue::from_str(&challenge).unwrap_or(HeaderValue::from_static(REALM));
                problem.into_response_with(&[(header::WWW_AUTHENTICATE, value)])
            }
            ApiError::InvalidGrant(detail) => {
                let mut problem = Problem::new(StatusCode::UNAUTHORIZED, "Invalid grant", detail);
                problem.error = Some("invalid_grant");
                problem.into_response_with(&[(header::WWW_AUTHENTICATE, HeaderValue::from_static(REALM))])
            }
            ApiError::SignInFailed => {
                Problem::new(StatusCode::UNAUTHORIZED, "Sign-in failed", "The email or password is not correct.")
                    .into_response_with(&[(header::WWW_AUTHENTICATE, HeaderValue::from_static(REALM))])
            }
            ApiError::UnsupportedMediaType => Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Unsupported media type",
                "Send a JSON body with Content-Type: application/json.",
            )
            .into_response_with(&[]),
            ApiError::BadShape(detail) => {
                Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "Invalid input", detail).into_response_with(&[])
            }
        }
    }
}

/// Rewrites every error under `/api` that is not a problem yet (axum's own
/// 404 and 405, a layer's 413 or 403, a 503 from the database deadline)
/// into one, keeping its status, headers and, where the error page had one,
/// its message.
pub async fn problem_json(req: Request, next: Next) -> Response {
    let is_api = req.uri().path() == "/api" || req.uri().path().starts_with("/api/");
    let response = next.run(req).await;
    let status = response.status();
    if !is_api || status.as_u16() < 400 || response.extensions().get::<IsProblem>().is_some() {
        return response;
    }
    let content = response.extensions().get::<ErrorContent>().cloned();
    let (mut parts, _) = response.into_parts();
    let (title, detail) = match content {
        // An unknown address got the pages' 404: say it in the API's words.
        Some(c) if status != StatusCode::NOT_FOUND => (c.title.to_owned(), c.message),
        _ => fallback_words(status),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    let rewritten = Problem::new(status, title, detail).into_response_with(&[]);
    let (new_parts, body) = rewritten.into_parts();
    for (name, value) in new_parts.headers.iter() {
        parts.headers.insert(name.clone(), value.clone());
    }
    parts.extensions.insert(IsProblem);
    Response::from_parts(parts, body)
}

fn fallback_words(status: StatusCode) -> (String, String) {
    let title = status.canonical_reason().unwrap_or("Error").to_owned();
    let detail = match status {
        StatusCode::NOT_FOUND => "There is no API route at this address. See /api/docs.".to_owned(),
        StatusCode::METHOD_NOT_ALLOWED => {
            "This address does not accept this method. See /api/docs for the ones it does.".to_owned()
        }
        StatusCode::PAYLOAD_TOO_LARGE => "The body is larger than this API accepts.".to_owned(),
        _ => format!("The request was refused ({}).", status.as_u16()),
    };
    (title, detail)
}
