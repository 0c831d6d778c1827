//! The pages of mailed links: "forgot password", and the pages a link opens
//! to choose a password (sign-up verification, invitation, reset). The rules
//! are in `domain::accounts::requests` and `domain::accounts::links`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use tower_cookies::Cookies;

use super::auth::{set_session_cookies, too_many, wait_message};
use crate::auth::devices::new_device_id;
use crate::auth::links::{LinkProblem, Purpose};
use crate::auth::middleware::Client;
use crate::domain::accounts::links::{self, LinkFailure, NewPassword, Unfinished};
use crate::domain::accounts::requests::{self, Throttled};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::forms::{CsrfForm, CsrfProtected};
use crate::models::user::normalize_email;
use crate::notice::Notice;
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{CheckInboxPage, ChoosePasswordPage, ForgotPage, LinkProblemPage, ok_page, render_page};

// ---------- Forgot password ----------

#[derive(Debug, Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    csrf_token: String,
}

impl CsrfProtected for ForgotForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

pub async fn forgot_page(page: Page) -> Response {
    ok_page(&ForgotPage { layout: page.layout(), csrf_token: page.csrf_token(), ..Default::default() })
}

/// The same answer for every well-formed email.
pub async fn forgot_submit(
    State(state): State<AppState>,
    page: Page,
    client: Client,
    CsrfForm(form): CsrfForm<ForgotForm>,
) -> AppResult<Response> {
    let again = |errors: FieldErrors, error: Option<String>| ForgotPage {
        layout: page.layout(),
        csrf_token: page.csrf_token(),
        email: form.email.trim().to_owned(),
        errors,
        error,
    };
    match requests::request_password_reset(&state, &client, &form.email).await {
        Ok(Ok(())) => Ok(ok_page(&CheckInboxPage {
            layout: page.layout(),
            title: "Check your inbox",
            message: format!(
                "If an account uses {}, we sent it a link to choose a new password. The link works for one hour.",
                normalize_email(&form.email)
            ),
        })),
        Ok(Err(Throttled(secs))) => {
            let page = again(FieldErrors::new(), Some(wait_message("requests for this address", secs)));
            Ok(too_many(secs, render_page(StatusCode::TOO_MANY_REQUESTS, &page)))
        }
        Err(AppError::Invalid(errors)) => Ok(render_page(StatusCode::UNPROCESSABLE_ENTITY, &again(errors, None))),
        Err(e) => Err(e),
    }
}

// ---------- The pages a link opens ----------

/// What differs between the three kinds of link.
struct Kind {
    purpose: Purpose,
    path: &'static str,
    title: &'static str,
    lead: &'static str,
    button: &'static str,
    done: Notice,
    /// Where to ask for a new link.
    again: Option<(&'static str, &'static str)>,
}

const VERIFY: Kind = Kind {
    purpose: Purpose::Verify,
    path: "/register/verify",
    title: "Choose your password",
    lead: "Your email is confirmed. Choose a password to finish creating your account.",
    button: "Create my account",
    done: Notice::Welcome,
    again: Some(("Sign up again", "/register")),
};

const INVITATION: Kind = Kind {
    purpose: Purpose::Invite,
    path: "/invitation",
    title: "Accept your invitation",
    lead: "Choose a password for your account. It is linked to the employee record HR keeps for you.",
    button: "Create my account",
    done: Notice::InvitationAccepted,
    again: None,
};

const RESET: Kind = Kind {
    purpose: Purpose::Reset,
    path: "/password/reset",
    title: "Choose a new password",
    lead: "Choose a new password. Every session of your account will be signed out, and you will be signed in here.",
    button: "Set my new password",
    done: Notice::PasswordReset,
    again: Some(("Ask for a new link", "/password/forgot")),
};

fn problem_page(page: &Page, kind: &Kind, failure: LinkFailure) -> Response {
    let (status, title, message) = match failure {
        LinkFailure::Throttled(secs) => {
            let page = LinkProblemPage {
                layout: page.layout(),
                title: "Too many attempts",
                message: wait_message("links that do not work from your address", secs),
                again: None,
            };
            return too_many(secs, render_page(StatusCode::TOO_MANY_REQUESTS, &page));
        }
        LinkFailure::Problem(LinkProblem::Expired) => (
            StatusCode::GONE,
            "This link has expired",
            "The link is no longer valid: it was only good for a limited time.",
        ),
        LinkFailure::Problem(LinkProblem::Used) => (
            StatusCode::GONE,
            "This link was already used",
            "The link works only once, and a newer link (or signing in) cancels older ones.",
        ),
        LinkFailure::Problem(LinkProblem::Unknown) => (
            StatusCode::NOT_FOUND,
            "This link is not valid",
            "The link is incomplete or was never sent. Copy the whole address from the message.",
        ),
    };
    let message = match kind.again {
        Some(_) => format!("{message} Ask for a new one below."),
        None => format!("{message} Ask HR to send you a new invitation."),
    };
    render_page(status, &LinkProblemPage { layout: page.layout(), title, message, again: kind.again })
}

fn password_form(page: &Page, kind: &Kind, token: &str, email: String, errors: FieldErrors) -> ChoosePasswordPage {
    ChoosePasswordPage {
        layout: page.layout(),
        csrf_token: page.csrf_token(),
        title: kind.title,
        lead: kind.lead.to_owned(),
        email,
        action: format!("{}/{token}", kind.path),
        button: kind.button,
        errors,
        error: None,
    }
}

async fn show(state: &AppState, page: &Page, client: &Client, kind: &Kind, token: String) -> AppResult<Response> {
    match links::view(state, client, kind.purpose, token.clone()).await? {
        Ok(view) => Ok(ok_page(&password_form(page, kind, &token, view.email, FieldErrors::new()))),
        Err(failure) => Ok(problem_page(page, kind, failure)),
    }
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
    #[serde(default)]
    csrf_token: String,
}

impl CsrfProtected for PasswordForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

async fn finish(
    state: &AppState,
    page: &Page,
    mut client: Client,
    cookies: &Cookies,
    kind: &Kind,
    token: String,
    form: PasswordForm,
) -> AppResult<Response> {
    let device = state.cookies.device(cookies).unwrap_or_else(new_device_id);
    client.device = Some(device.clone());
    let input = NewPassword { password: form.password, confirm: form.password_confirm };
    match links::finish(state, &client, kind.purpose, token.clone(), input).await {
        Ok(Ok(signed_in)) => {
            set_session_cookies(state, cookies, signed_in, &device);
            Ok(kind.done.redirect("/dashboard"))
        }
        Ok(Err(Unfinished::Link(failure))) => Ok(problem_page(page, kind, failure)),
        Ok(Err(Unfinished::Invalid { email, errors })) => {
            Ok(render_page(StatusCode::UNPROCESSABLE_ENTITY, &password_form(page, kind, &token, email, errors)))
        }
        Err(e) => Err(e),
    }
}

pub async fn verify_page(
    State(state): State<AppState>,
    page: Page,
    client: Client,
    Path(token): Path<String>,
) -> AppResult<Response> {
    show(&state, &page, &client, &VERIFY, token).await
}

pub async fn verify_submit(
    State(state): State<AppState>,
    page: Page,
    client: Client,
    cookies: Cookies,
    Path(token): Path<String>,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> AppResult<Response> {
    finish(&state, &page, client, &cookies, &VERIFY, token, form).await
}

pub async fn invitation_page(
    State(state): State<AppState>,
    page: Page,
    client: Client,
    Path(token): Path<String>,
) -> AppResult<Response> {
    show(&state, &page, &client, &INVITATION, token).await
}

pub async fn invitation_submit(
    State(state): State<AppState>,
    page: Page,
    client: Client,
    cookies: Cookies,
    Path(token): Path<String>,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> AppResult<Response> {
    finish(&state, &page, client, &cookies, &INVITATION, token, form).await
}

pub async fn reset_page(
    State(state): State<AppState>,
    page: Page,
    client: Client,
    Path(token): Path<String>,
) -> AppResult<Response> {
    show(&state, &page, &client, &RESET, token).await
}

pub async fn reset_submit(
    State(state): State<AppState>,
    page: Page,
    client: Client,
    cookies: Cookies,
    Path(token): Path<String>,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> AppResult<Response> {
    finish(&state, &page, client, &cookies, &RESET, token, form).await
}
