//! One error type for the whole app. Each variant turns into a proper HTML page
//! with the right status; causes are logged, never shown.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::templates::{ErrorPage, render_page};

pub type AppResult<T> = Result<T, AppError>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// The request could not be understood; the message is shown to the person.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The person may not do this; the message is shown to them.
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("too many attempts")]
    TooManyRequests { retry_after_secs: u64 },
    /// The database (or its pool) cannot serve us right now.
    #[error("service unavailable: {0}")]
    Unavailable(anyhow::Error),
    #[error("internal error: {0}")]
    Internal(anyhow::Error),
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => AppError::NotFound,
            // Anything else from the database is treated as the database being
            // unavailable: a 503, with nothing half-written (transactions roll back).
            other => AppError::Unavailable(other.into()),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the person is told: never the cause.
    fn public_message(&self) -> (&'static str, String) {
        match self {
            AppError::NotFound => ("Page not found", "There is nothing at this address.".into()),
            AppError::BadRequest(msg) => ("Request not understood", msg.clone()),
            AppError::Forbidden(msg) => ("Not allowed", msg.clone()),
            AppError::PayloadTooLarge => {
                ("Too much data", "The form you sent is larger than this site accepts.".into())
            }
            AppError::TooManyRequests { .. } => ("Too many attempts", "Please wait a while and try again.".into()),
            AppError::Unavailable(_) => (
                "Temporarily unavailable",
                "The portal cannot reach its database right now. Your work is safe; please try again in a minute."
                    .into(),
            ),
            AppError::Internal(_) => {
                ("Something went wrong", "An unexpected error occurred. It has been logged.".into())
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match &self {
            AppError::Unavailable(cause) => tracing::warn!(error = %cause, "database unavailable"),
            AppError::Internal(cause) => tracing::error!(error = ?cause, "internal error"),
            _ => {}
        }
        let status = self.status();
        let (title, message) = self.public_message();
        let page = ErrorPage { layout: Default::default(), status: status.as_u16(), title, message };
        let mut response = render_page(status, &page);
        if let AppError::TooManyRequests { retry_after_secs } = self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}
