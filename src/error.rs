//! One error type for the whole app, shared by the domain modules and the
//! handlers. Each variant turns into a proper HTML page with the right status;
//! causes are logged, never shown.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::templates::{ErrorPage, Layout, render_page};

pub type AppResult<T> = Result<T, AppError>;

/// Messages per form field, in the order they were found. The pages show each
/// beside its field; a JSON client would get them by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// One message for one field.
    pub fn one(field: &'static str, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    /// Adds a message, unless the field already has one (the first problem found is the one shown).
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        if !self.has(field) {
            self.0.push((field, message.into()));
        }
    }

    /// Adds the message when there is one.
    pub fn check(&mut self, field: &'static str, problem: Option<impl Into<String>>) {
        if let Some(message) = problem {
            self.add(field, message);
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(name, _)| *name == field).map(|(_, message)| message.as_str())
    }

    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.0.iter().map(|(name, message)| (*name, message.as_str()))
    }

    /// `Ok(())` when there is nothing to report.
    pub fn into_result(self) -> AppResult<()> {
        if self.is_empty() { Ok(()) } else { Err(AppError::Invalid(self)) }
    }
}

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
    /// The request is fine but the record is not in a state that allows it
    /// (already decided, still in use, the last Admin...).
    #[error("conflict: {message}")]
    Conflict { title: &'static str, message: String },
    /// The values sent break a rule; a message per field.
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("too many attempts")]
    TooManyRequests { retry_after_secs: u64 },
    /// The database (or its pool) cannot serve us right now.
    #[error("service unavailable: {0}")]
    Unavailable(anyhow::Error),
    /// The database's disk is full: nothing can be saved until an operator acts.
    #[error("storage full: {0}")]
    StorageFull(anyhow::Error),
    /// Too much work is queued (password hashing): shed this request at once.
    #[error("busy")]
    Busy { retry_after_secs: u64 },
    #[error("internal error: {0}")]
    Internal(anyhow::Error),
}

impl AppError {
    pub fn forbidden(message: impl Into<String>) -> Self {
        AppError::Forbidden(message.into())
    }

    pub fn conflict(title: &'static str, message: impl Into<String>) -> Self {
        AppError::Conflict { title, message: message.into() }
    }

    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        AppError::Invalid(FieldErrors::one(field, message))
    }
}

impl From<DieselError> for AppError {
    /// Like crates.io: a missing row is a 404; a database we cannot reach (a
    /// lost connection, a lock or statement timeout) is a 503; anything else
    /// is a bug or a broken database, a 500 logged with its cause.
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => AppError::NotFound,
            DieselError::DatabaseError(_, ref info) if is_storage_full(info.message()) => {
                AppError::StorageFull(e.into())
            }
            DieselError::DatabaseError(kind, ref info) if is_unavailable(kind, info.message()) => {
                AppError::Unavailable(e.into())
            }
            DieselError::BrokenTransactionManager => AppError::Unavailable(e.into()),
            other => AppError::Internal(other.into()),
        }
    }
}

/// SQLite's SQLITE_FULL, PostgreSQL's "could not extend file" and ENOSPC.
fn is_storage_full(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("database or disk is full")
        || m.contains("no space left on device")
        || m.contains("could not extend file")
}

/// Errors that mean "try again in a moment", not "this request is wrong".
fn is_unavailable(kind: DatabaseErrorKind, message: &str) -> bool {
    matches!(
        kind,
        DatabaseErrorKind::ClosedConnection
            | DatabaseErrorKind::UnableToSendCommand
            | DatabaseErrorKind::SerializationFailure
    ) || [
        "database is locked",
        "database table is locked",
        "statement timeout",
        "terminating connection",
        "server closed the connection",
        "no connection to the server",
        "could not connect",
    ]
    .iter()
    .any(|needle| message.contains(needle))
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(e.into())
    }
}

/// Put on an error response so that `load_session` can render it again inside
/// the signed-in layout (the error itself knows nothing of the request).
#[derive(Clone, Debug)]
pub struct ErrorContent {
    pub title: &'static str,
    pub message: String,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) | AppError::StorageFull(_) | AppError::Busy { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the person is told: never the cause.
    pub fn public_message(&self) -> (&'static str, String) {
        match self {
            AppError::NotFound => ("Page not found", "There is nothing at this address.".into()),
            AppError::BadRequest(msg) => ("Request not understood", msg.clone()),
            AppError::Forbidden(msg) => ("Not allowed", msg.clone()),
            AppError::Conflict { title, message } => (title, message.clone()),
            AppError::Invalid(errors) => {
                let all: Vec<&str> = errors.iter().map(|(_, message)| message).collect();
                ("Please correct the form", all.join(" "))
            }
            AppError::PayloadTooLarge => {
                ("Too much data", "The form you sent is larger than this site accepts.".into())
            }
            AppError::TooManyRequests { .. } => ("Too many attempts", "Please wait a while and try again.".into()),
            AppError::Unavailable(_) => (
                "Temporarily unavailable",
                "The portal cannot reach its database right now. Your work is safe; please try again in a minute."
                    .into(),
            ),
            AppError::StorageFull(_) => (
                "Storage full",
                "The portal cannot save anything right now because its storage is full. Nothing you sent was \
                 saved; please try again later. The operator has been told in the logs."
                    .into(),
            ),
            AppError::Busy { .. } => {
                ("Busy", "The portal is very busy right now. Please try again in a few seconds.".into())
            }
            AppError::Internal(_) => {
                ("Something went wrong", "An unexpected error occurred. It has been logged.".into())
            }
        }
    }
}

/// The error page for `status`, inside `layout`.
pub fn error_page(layout: Layout, status: StatusCode, content: &ErrorContent) -> Response {
    let page = ErrorPage { layout, status: status.as_u16(), title: content.title, message: content.message.clone() };
    let mut response = render_page(status, &page);
    response.extensions_mut().insert(content.clone());
    response
}

impl AppError {
    /// Logs the cause of the errors an operator must hear about; the person
    /// sees `public_message` only.
    pub fn log(&self) {
        match self {
            AppError::Unavailable(cause) => tracing::warn!(error = %cause, "database unavailable"),
            AppError::StorageFull(cause) => {
                tracing::error!(error = %cause, "the database's storage is full: free disk space")
            }
            AppError::Internal(cause) => tracing::error!(error = ?cause, "internal error"),
            _ => {}
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let status = self.status();
        let (title, message) = self.public_message();
        let mut response = error_page(Layout::default(), status, &ErrorContent { title, message });
        if let AppError::TooManyRequests { retry_after_secs } | AppError::Busy { retry_after_secs } = self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use diesel::result::DatabaseErrorInformation;

    use super::*;

    struct Info(&'static str);

    impl DatabaseErrorInformation for Info {
        fn message(&self) -> &str {
            self.0
        }
        fn details(&self) -> Option<&str> {
            None
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            None
        }
        fn column_name(&self) -> Option<&str> {
            None
        }
        fn constraint_name(&self) -> Option<&str> {
            None
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    fn db_error(kind: DatabaseErrorKind, message: &'static str) -> AppError {
        DieselError::DatabaseError(kind, Box::new(Info(message))).into()
    }

    #[test]
    fn database_errors_map_to_what_they_mean() {
        assert_eq!(AppError::from(DieselError::NotFound).status(), StatusCode::NOT_FOUND);
        let unavailable = [
            db_error(DatabaseErrorKind::ClosedConnection, "server closed the connection unexpectedly"),
            db_error(DatabaseErrorKind::Unknown, "database is locked"),
            db_error(DatabaseErrorKind::Unknown, "canceling statement due to statement timeout"),
        ];
        for e in unavailable {
            assert_eq!(e.status(), StatusCode::SERVICE_UNAVAILABLE, "{e}");
        }
        // A bug, not an outage: a 500, so that operators look at the log, not at the database server.
        let bug = db_error(DatabaseErrorKind::Unknown, "no such column: nonsense");
        assert_eq!(bug.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let violated = db_error(DatabaseErrorKind::UniqueViolation, "UNIQUE constraint failed");
        assert_eq!(violated.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn a_full_disk_says_so() {
        let full = db_error(DatabaseErrorKind::Unknown, "database or disk is full");
        assert_eq!(full.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(full.public_message().1.contains("storage is full"), "not 'cannot reach its database'");
        let pg = db_error(DatabaseErrorKind::Unknown, "could not extend file \"base/1/2\": No space left on device");
        assert!(matches!(pg, AppError::StorageFull(_)));
    }

    #[test]
    fn field_errors_keep_the_first_message_per_field() {
        let mut errors = FieldErrors::new();
        errors.add("email", "Enter your email.");
        errors.add("email", "Second problem.");
        errors.check("name", None::<String>);
        errors.check("name", Some("Enter your name."));
        assert_eq!(errors.get("email"), Some("Enter your email."));
        assert_eq!(errors.iter().map(|(f, _)| f).collect::<Vec<_>>(), ["email", "name"]);
        assert!(FieldErrors::new().into_result().is_ok());
    }
}
