//! `CsrfForm<T>`: the only way handlers read a POSTed form. It refuses bodies
//! that are too large, not a form, not UTF-8 or carrying control characters
//! (400/413, with a message a person understands), and forms whose
//! `csrf_token` does not match the session or pre-session cookie (403).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;

use crate::auth::csrf::Binding;
use crate::auth::middleware::{CurrentUser, PreSession};
use crate::error::AppError;
use crate::state::AppState;

mod upload;

pub use upload::{CsrfUpload, Upload};

/// Forms protected against CSRF expose their token.
pub trait CsrfProtected {
    fn csrf_token(&self) -> &str;
}

/// A form with nothing but the CSRF token (sign out).
#[derive(Debug, serde::Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf_token: String,
}

impl CsrfProtected for CsrfOnly {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

pub struct CsrfForm<T>(pub T);

impl<T> FromRequest<AppState> for CsrfForm<T>
where
    T: DeserializeOwned + CsrfProtected + Send,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        if !has_content_type(&req, "application/x-www-form-urlencoded") {
            return Err(AppError::BadRequest("This address expects a web form.".into()));
        }
        let owner = TokenOwner::of(&req);
        let body = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge
            } else {
                AppError::BadRequest("The form could not be read.".into())
            }
        })?;
        check_text(&body)?;
        let form: T = serde_urlencoded::from_bytes(&body)
            .map_err(|_| AppError::BadRequest("The form could not be read: a field is missing or malformed.".into()))?;

        owner.check(state, form.csrf_token())?;
        Ok(CsrfForm(form))
    }
}

/// Whether the request's body is of this media type (any parameters, any case).
fn has_content_type(req: &Request, media_type: &str) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim_start().to_ascii_lowercase().starts_with(media_type))
}

/// Whom a request's CSRF token must be bound to: the session when signed
/// in, else the pre-session cookie. Taken before the body is read.
struct TokenOwner {
    user: Option<CurrentUser>,
    pre_session: Option<PreSession>,
}

impl TokenOwner {
    fn of(req: &Request) -> Self {
        TokenOwner {
            user: req.extensions().get::<CurrentUser>().cloned(),
            pre_session: req.extensions().get::<PreSession>().cloned(),
        }
    }

    /// `Ok` when `token` is theirs; otherwise a 403 that says what to do.
    fn check(&self, state: &AppState, token: &str) -> Result<(), AppError> {
        // Signed in, only the session's token counts: the sign-in form's
        // token dies with the sign-in.
        let ok = match &self.user {
            Some(u) => state.csrf.verify(Binding::Session(&u.session_id), token),
            None => self.pre_session.as_ref().is_some_and(|p| state.csrf.verify(Binding::PreSession(&p.0), token)),
        };
        if ok {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "This form has expired or did not come from this site. Go back, reload the page and try again.".into(),
            ))
        }
    }
}

/// Every name and value must decode to UTF-8 text without control characters
/// (tab and line breaks aside): nothing downstream has to think about NUL.
fn check_text(body: &[u8]) -> Result<(), AppError> {
    for part in body.split(|b| *b == b'&') {
        let plus_as_space: Vec<u8> = part.iter().map(|&b| if b == b'+' { b' ' } else { b }).collect();
        let decoded: Vec<u8> = percent_encoding::percent_decode(&plus_as_space).collect();
        let text = std::str::from_utf8(&decoded)
            .map_err(|_| AppError::BadRequest("The form contained text that is not valid UTF-8.".into()))?;
        if text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n')) {
            return Err(AppError::BadRequest("The form contained characters that are not allowed.".into()));
        }
        if text.chars().any(is_invisible_format) {
            return Err(AppError::BadRequest(
                "The form contained invisible formatting characters (such as right-to-left overrides). \
                 Remove them and try again."
                    .into(),
            ));
        }
    }
    Ok(())
}

/// Characters that change how text around them is shown without being seen:
/// bidirectional embeddings, overrides, isolates and marks, zero-width spaces
/// and the byte-order mark. A name holding one could display right-to-left
/// over the rest of a table row. (Zero-width joiners stay: scripts and emoji need them.)
pub(crate) fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{061C}' | '\u{200B}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::check_text;

    #[test]
    fn text_checks() {
        assert!(check_text(b"a=b&c=d+e%20f&g=%C3%BC").is_ok());
        assert!(check_text(b"a=%00").is_err());
        assert!(check_text(b"a=%FF%FE").is_err());
        assert!(check_text(b"a=\x01").is_err());
        assert!(check_text(b"a=line%0Abreak").is_ok());
        // A right-to-left override, an isolate, a zero-width space: refused.
        for hidden in ["%E2%80%AE", "%E2%81%A6", "%E2%80%8B", "%EF%BB%BF"] {
            assert!(check_text(format!("name=Ann{hidden}ee").as_bytes()).is_err(), "{hidden}");
        }
        // Persian names need the zero-width non-joiner; emoji the joiner.
        assert!(check_text("name=%D9%85%DB%8C%E2%80%8C%D8%B1%D8%A7".as_bytes()).is_ok());
        assert!(check_text("e=%F0%9F%91%A9%E2%80%8D%F0%9F%92%BB".as_bytes()).is_ok());
    }
}
