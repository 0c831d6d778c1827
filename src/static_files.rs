//! The stylesheet and icon, compiled into the binary so the portal runs from
//! any directory.
//!
//! Pages link the stylesheet under a name that holds a hash of its bytes
//! (`/static/app.<hash>.css`), so that browsers may keep it for a year without
//! asking again: a changed stylesheet is a new name. `/static/app.css` still
//! answers, with a short lifetime, for pages cached before a release.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::error::AppError;

const STYLESHEET: &str = include_str!("../static/app.css");
const FAVICON: &str = include_str!("../static/favicon.svg");

/// Unversioned names: browsers check them again after an hour.
const SHORT_LIFETIME: &str = "public, max-age=3600";
/// A name that changes with the content never needs checking again.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// `app.<first 16 hex digits of the stylesheet's SHA-256>.css`, computed once.
static STYLESHEET_NAME: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(STYLESHEET.as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("app.{hex}.css")
});

static STYLESHEET_HREF: LazyLock<String> = LazyLock::new(|| format!("/static/{}", *STYLESHEET_NAME));

/// Where pages link the stylesheet: `/static/app.<hash>.css` (used by `base.html`).
pub fn stylesheet_href() -> &'static str {
    STYLESHEET_HREF.as_str()
}

pub async fn serve(Path(name): Path<String>) -> Response {
    let (body, content_type, cache): (&'static str, &str, &str) = match name.as_str() {
        n if n == STYLESHEET_NAME.as_str() => (STYLESHEET, "text/css; charset=utf-8", IMMUTABLE),
        "app.css" => (STYLESHEET, "text/css; charset=utf-8", SHORT_LIFETIME),
        "favicon.svg" => (FAVICON, "image/svg+xml", SHORT_LIFETIME),
        // Any other hash too: an old name must not be kept for a year with new content.
        _ => return AppError::NotFound.into_response(),
    };
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, cache)], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stylesheet_name_holds_a_hash_of_its_bytes() {
        let href = stylesheet_href();
        let hash = href.strip_prefix("/static/app.").and_then(|h| h.strip_suffix(".css")).unwrap();
        assert_eq!(hash.len(), 16);
        assert!(hash.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        let digest = Sha256::digest(STYLESHEET.as_bytes());
        assert_eq!(hash[..2], format!("{:02x}", digest[0]));
    }
}
