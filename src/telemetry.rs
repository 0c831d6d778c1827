//! Request logs and metrics: one span per request with its method, path,
//! request id and (once known) user id; one log line and one metrics sample
//! when it is answered. Never a header value, body, token or password.

use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, Response};
use axum::middleware::Next;
use tracing::{Span, field};

use crate::state::AppState;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A request id from a client goes into every log line of its request: keep
/// it only when it is short and of a plain alphabet (a UUID, a trace id),
/// otherwise drop it so that `SetRequestIdLayer` makes a new one. Nobody
/// writes 7,000 characters or `user_id=...` into the log this way.
pub async fn drop_unsafe_request_id(mut req: Request, next: Next) -> axum::response::Response {
    let safe = |v: &[u8]| {
        !v.is_empty() && v.len() <= 64 && v.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    if req.headers().get(&REQUEST_ID).is_some_and(|v| !safe(v.as_bytes())) {
        req.headers_mut().remove(&REQUEST_ID);
    }
    next.run(req).await
}

/// The span every request runs in.
pub fn request_span<B>(req: &Request<B>) -> Span {
    let request_id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or_default();
    tracing::info_span!(
        "request",
        method = %req.method(),
        path = %loggable_path(req.uri().path()),
        request_id = %request_id,
        user_id = field::Empty,
    )
}

/// Paths that carry a secret in their last segment: a mailed link's token,
/// a calendar feed's.
const LINK_PATHS: [&str; 4] = ["/register/verify/", "/invitation/", "/password/reset/", "/calendar/"];

/// The path as logged: a link token is a password for one use, so it is
/// replaced by `[token]`.
pub fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    match LINK_PATHS.iter().find(|prefix| path.starts_with(*prefix)) {
        Some(prefix) => format!("{prefix}[token]").into(),
        None => path.into(),
    }
}

/// Logs the answer inside the request span.
pub fn log_response<B>(res: &Response<B>, latency: Duration, _span: &Span) {
    tracing::info!(status = res.status().as_u16(), latency_ms = latency.as_secs_f64() * 1000.0, "answered");
}

/// Records the signed-in user on the request span (ids only).
pub fn record_user(user_id: &str) {
    Span::current().record("user_id", user_id);
}

/// Counts the request by its route pattern (not the raw path, which would
/// let anyone grow the label set) and status.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> axum::response::Response {
    let route = req.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let started = Instant::now();
    let res = next.run(req).await;
    state.metrics.observe_request(&route, res.status().as_u16(), started.elapsed());
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_tokens_never_reach_the_log() {
        assert_eq!(loggable_path("/password/reset/abcDEF123"), "/password/reset/[token]");
        assert_eq!(loggable_path("/invitation/x/y"), "/invitation/[token]");
        assert_eq!(loggable_path("/register/verify/t"), "/register/verify/[token]");
        assert_eq!(loggable_path("/calendar/abc.ics"), "/calendar/[token]");
        assert_eq!(loggable_path("/leave/calendar"), "/leave/calendar");
        assert_eq!(loggable_path("/leave/42"), "/leave/42");
    }
}
