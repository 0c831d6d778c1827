//! Sign in, register, sign out.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_cookies::Cookies;

use crate::access::Actor;
use crate::auth::devices::new_device_id;
use crate::auth::middleware::{Client, CurrentUser};
use crate::auth::sessions::Door;
use crate::config::Registration;
use crate::domain::accounts::requests::{self, SignUpInput, Throttled};
use crate::domain::accounts::{self, SignInRefused, SignedIn};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::forms::{CsrfForm, CsrfOnly, CsrfProtected};
use crate::models::user::normalize_email;
use crate::notice::{Notice, Shown};
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{
    CheckInboxPage, LoginPage, LogoutPage, RegisterPage, RegistrationClosedPage, ok_page, render_page,
};

const AFTER_SIGN_IN: &str = "/dashboard";
const GENERIC_FAILURE: &str = "The email or password is not correct.";

/// Only a local path is honoured as a place to return to after signing in.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.chars().any(char::is_control) =>
        {
            n
        }
        _ => AFTER_SIGN_IN,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

pub async fn login_page(
    State(state): State<AppState>,
    page: Page,
    shown: Shown,
    query: Result<Query<LoginQuery>, QueryRejection>,
) -> Response {
    // A mangled query string is not worth an error page here.
    let q = query.map(|Query(q)| q).unwrap_or_default();
    if page.user.is_some() {
        return Redirect::to(safe_next(q.next.as_deref())).into_response();
    }
    ok_page(&LoginPage {
        layout: page.layout(),
        csrf_token: page.csrf_token(),
        next: q.next.unwrap_or_default(),
        notice: shown.text().map(str::to_owned),
        offer_remember: state.config.sessions.remember_me != crate::config::RememberMe::Off,
        ..Default::default()
    })
}

/// Hands a new session to the browser, with its browser id.
pub fn set_session_cookies(state: &AppState, cookies: &Cookies, signed_in: SignedIn, device: &str) {
    let now = state.clock.now();
    state.cookies.set_access(cookies, signed_in.access_token, state.config.sessions.access_ttl);
    state.cookies.set_refresh(cookies, signed_in.refresh.token, signed_in.refresh.expires_at, now);
    state.cookies.set_device(cookies, device.to_owned());
    // A new pre-session value: whatever was bound to the old one is done.
    state.cookies.set_pre_session(cookies, state.csrf.issue_seed());
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
    /// The "Keep me signed in on this device" box: sent only when ticked.
    #[serde(default)]
    remember: Option<String>,
    #[serde(default)]
    csrf_token: String,
}

impl CsrfProtected for LoginForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

pub async fn login_submit(
    State(state): State<AppState>,
    page: Page,
    mut client: Client,
    cookies: Cookies,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> AppResult<Response> {
    let device = state.cookies.device(&cookies).unwrap_or_else(new_device_id);
    client.device = Some(device.clone());
    let form_again = |status: StatusCode, error: String| {
        let page = LoginPage {
            layout: page.layout(),
            csrf_token: page.csrf_token(),
            email: form.email.trim().to_owned(),
            next: form.next.clone(),
            error: Some(error),
            notice: None,
            offer_remember: state.config.sessions.remember_me != crate::config::RememberMe::Off,
        };
        render_page(status, &page)
    };
    let remember = form.remember.is_some();
    match accounts::sign_in(&state, Door::Web, &client, &form.email, form.password.clone(), remember).await? {
        Ok(signed_in) => {
            set_session_cookies(&state, &cookies, signed_in, &device);
            Ok(Redirect::to(safe_next(Some(&form.next))).into_response())
        }
        Err(SignInRefused::Throttled(secs)) => {
            let message = format!(
                "{} You can still sign in from a browser you have signed in with before, or reset your password.",
                wait_message("sign-in attempts", secs)
            );
            Ok(too_many(secs, form_again(StatusCode::TOO_MANY_REQUESTS, message)))
        }
        Err(SignInRefused::Failed) => Ok(form_again(StatusCode::UNAUTHORIZED, GENERIC_FAILURE.to_owned())),
    }
}

#[derive(Debug, Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    csrf_token: String,
}

impl CsrfProtected for RegisterForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// Only open registration has a public form; invite mode explains the invitations.
fn registration_closed(state: &AppState, page: &Page) -> Response {
    let invite_only = state.config.registration == Registration::Invite;
    render_page(StatusCode::FORBIDDEN, &RegistrationClosedPage { layout: page.layout(), invite_only })
}

fn register_form(page: &Page, form: Option<&RegisterForm>, errors: FieldErrors, error: Option<String>) -> RegisterPage {
    RegisterPage {
        layout: page.layout(),
        csrf_token: page.csrf_token(),
        full_name: form.map(|f| f.full_name.trim().to_owned()).unwrap_or_default(),
        email: form.map(|f| f.email.trim().to_owned()).unwrap_or_default(),
        errors,
        error,
    }
}

pub async fn register_page(State(state): State<AppState>, page: Page) -> Response {
    if state.config.registration != Registration::Open {
        return registration_closed(&state, &page);
    }
    ok_page(&register_form(&page, None, FieldErrors::new(), None))
}

/// The same answer whether or not the email is known (see `request_sign_up`).
pub async fn register_submit(
    State(state): State<AppState>,
    page: Page,
    client: Client,
    CsrfForm(form): CsrfForm<RegisterForm>,
) -> AppResult<Response> {
    if state.config.registration != Registration::Open {
        return Ok(registration_closed(&state, &page));
    }
    let input = SignUpInput { full_name: form.full_name.clone(), email: form.email.clone() };
    match requests::request_sign_up(&state, &client, input).await {
        Ok(Ok(())) => Ok(ok_page(&CheckInboxPage {
            layout: page.layout(),
            title: "Check your inbox",
            message: format!(
                "Check your inbox to finish creating your account: we sent a message to {}.",
                normalize_email(&form.email)
            ),
        })),
        Ok(Err(Throttled(secs))) => {
            let page = register_form(
                &page,
                Some(&form),
                FieldErrors::new(),
                Some(wait_message("requests for this address", secs)),
            );
            Ok(too_many(secs, render_page(StatusCode::TOO_MANY_REQUESTS, &page)))
        }
        Err(AppError::Invalid(errors)) => {
            Ok(render_page(StatusCode::UNPROCESSABLE_ENTITY, &register_form(&page, Some(&form), errors, None)))
        }
        Err(e) => Err(e),
    }
}

/// "Too many {what}. Please wait N minutes", for throttled forms.
pub fn wait_message(what: &str, secs: u64) -> String {
    let minutes = secs.div_ceil(60);
    let plural = if minutes == 1 { "" } else { "s" };
    format!("Too many {what}. Please wait {minutes} minute{plural} and try again.")
}

/// Adds `Retry-After` to a 429 page.
pub fn too_many(secs: u64, mut response: Response) -> Response {
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
    response
}

/// `GET /logout` changes nothing: it asks for confirmation.
pub async fn logout_page(_user: CurrentUser, page: Page) -> Response {
    ok_page(&LogoutPage { layout: page.layout() })
}

pub async fn logout(
    State(state): State<AppState>,
    actor: Actor,
    cookies: Cookies,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    accounts::sign_out(&state, &actor).await?;
    state.cookies.clear_session(&cookies);
    // Chromium's back/forward cache restores the dashboard on Back without
    // asking us, whatever `no-store` says, unless the site's cookies are
    // cleared: this header does that, and drops the page too. (Tried: "cache"
    // alone is not enough.) The browser id goes with it, so after signing
    // out a browser is trusted again only once it signs in (`auth::devices`).
    let clear_cache =
        [(HeaderName::from_static("clear-site-data"), HeaderValue::from_static("\"cache\", \"cookies\""))];
    Ok((clear_cache, Notice::SignedOut.redirect("/login")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/dashboard?tab=1")), "/dashboard?tab=1");
        for bad in ["https://evil.example", "//evil.example", "/\\evil.example", "dashboard", "", "/a\nb"] {
            assert_eq!(safe_next(Some(bad)), AFTER_SIGN_IN, "{bad:?}");
        }
        assert_eq!(safe_next(None), AFTER_SIGN_IN);
    }
}
