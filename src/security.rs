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
    // `/api/docs` sets its own (Swagger UI runs scripts); everything else gets ours.
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(CSP));
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
    // The API authenticates by a header no other site can make a browser
    // send; which origins may call it from a browser is CORS's business.
    let api = req.uri().path().starts_with("/api/");
    if api || matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let cross_site = headers.get("sec-fetch-site").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"cross-site"));
    let foreign_origin = headers
        .get(header::ORIGIN)
        .is_some_and(|o| !o.to_str().is_ok_and(|o| o.eq_ignore_ascii_case(&state.config.public_url.origin)));
    if cross_site || foreign_origin {
        // Say why in the log: a wrong --public-url refuses every form, and
        // "status=403" alone does not tell the operator that. (Origin is at
        // most a scheme, host and port; it is cut short all the same.)
        let seen: String = headers
            .get(header::ORIGIN)
            .map(|o| String::from_utf8_lossy(o.as_bytes()).chars().take(100).collect())
            .unwrap_or_else(|| "(none)".to_owned());
        tracing::warn!(
            origin = %seen.escape_debug(),
            expected = %state.config.public_url.origin,
            sec_fetch_site_cross_site = cross_site,
            "refused a cross-origin POST: its Origin is not --public-url"
        );
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

/// What is wrong, if anything, with serving on `bind` for people who use
/// `public`: forms posted from a page at another origin are refused, so a
/// `--public-url` that names a different host or port than the one the
/// browser sees makes every sign-in fail. Only the cases that are surely
/// wrong are reported (a proxy in front may map ports legitimately).
pub fn public_url_mismatch(bind: std::net::SocketAddr, public: &crate::config::PublicUrl) -> Option<String> {
    let authority = public.origin.split_once("://").map_or(public.origin.as_str(), |(_, a)| a);
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => (h, p.parse::<u16>().ok()),
        _ => (authority, None),
    };
    let port = port.unwrap_or(if public.https { 443 } else { 80 });
    let loopback_host = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
    if loopback_host && bind.ip().is_loopback() && port != bind.port() {
        return Some(format!(
            "--public-url is {} but the server listens on {bind}: browsers will post forms from port {}, \
             which is refused as another origin. Set --public-url http://{host}:{}",
            public.origin,
            bind.port(),
            bind.port()
        ));
    }
    None
}

#[cfg(test)]
mod mismatch_tests {
    use super::public_url_mismatch;
    use crate::config::PublicUrl;

    fn check(bind: &str, public: &str) -> Option<String> {
        public_url_mismatch(bind.parse().unwrap(), &PublicUrl::parse(public).unwrap())
    }

    #[test]
    fn a_public_url_that_refuses_every_form_is_reported() {
        assert!(check("127.0.0.1:8080", "http://127.0.0.1:3000").unwrap().contains("http://127.0.0.1:8080"));
        assert!(check("127.0.0.1:8080", "http://localhost:3000").is_some());
        assert_eq!(check("127.0.0.1:3000", "http://127.0.0.1:3000"), None);
        assert_eq!(check("127.0.0.1:3000", "http://localhost:3000"), None);
        assert_eq!(check("0.0.0.0:8080", "https://hr.example.com"), None, "a proxy in front maps the port");
        assert_eq!(check("127.0.0.1:3000", "https://hr.example.com"), None, "a proxy on this machine");
    }
}
