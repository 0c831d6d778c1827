//! Cross-cutting protections applied to every response or request.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::state::AppState;

const CSP: &str = "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// Security headers on every response; `Cache-Control: no-store` on every
/// response that did not set its own (pages show personal data; static files
/// set a caching policy of their own).
pub async fn headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    // Behind https, browsers must never try plain http again for a year.
    if state.config.public_url.https {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"),
    );
    h.insert(HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    res
}

/// Refuses state-changing requests from other sites before any handler runs:
/// `Sec-Fetch-Site: cross-site`, or an `Origin` that is not ours. (The CSRF
/// token is checked as well, by `CsrfForm`.)
pub async fn same_origin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let cross_site = headers.get("sec-fetch-site").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"cross-site"));
    let foreign_origin = headers
        .get(header::ORIGIN)
        .is_some_and(|o| !o.to_str().is_ok_and(|o| o.eq_ignore_ascii_case(&state.config.public_url.origin)));
    if cross_site || foreign_origin {
        return AppError::Forbidden("This request came from another site and was refused.".into()).into_response();
    }
    next.run(req).await
}

/// A NUL byte in the path or query string is never part of a real address
/// (and PostgreSQL refuses it in text): answer 404 before anything reads it.
/// Forms are checked the same way by `CsrfForm`.
pub async fn no_nul_bytes(req: Request, next: Next) -> Response {
    let has_nul = |text: &str| percent_encoding::percent_decode_str(text).any(|b| b == 0);
    let uri = req.uri();
    if has_nul(uri.path()) || uri.query().is_some_and(has_nul) {
        return AppError::NotFound.into_response();
    }
    next.run(req).await
}
