//! Changing one's own password. The rules (the current password checked and
//! wrong ones counted like failed sign-ins, every other session ended) are in
//! `domain::accounts::change_password`.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;

use crate::access::{Action, Actor, Relation};
use crate::domain::accounts::{self, PasswordInput, PasswordRefused};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::forms::{CsrfForm, CsrfProtected};
use crate::notice::{Notice, Shown};
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{Layout, ok_page, render_page};

const PASSWORD_PATH: &str = "/account/password";

#[derive(askama::Template, Default)]
#[template(path = "account/password.html")]
pub struct PasswordPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub errors: FieldErrors,
    /// Above the form, in red: throttling, a change made meanwhile.
    pub error: Option<String>,
    pub notice: Option<&'static str>,
}

pub async fn form(actor: Actor, page: Page, shown: Shown) -> AppResult<Response> {
    actor.authorize(Action::ManageOwnAccount, Relation::Own)?;
    Ok(ok_page(&PasswordPage {
        layout: page.layout(),
        csrf_token: page.csrf_token(),
        notice: shown.text(),
        ..Default::default()
    }))
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_confirm: String,
    #[serde(default)]
    csrf_token: String,
}

impl CsrfProtected for PasswordForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

pub async fn submit(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> AppResult<Response> {
    let form_again = |status: StatusCode, errors: FieldErrors, error: Option<String>| {
        // Passwords are never sent back into the form.
        let page = PasswordPage { layout: page.layout(), csrf_token: page.csrf_token(), errors, error, notice: None };
        render_page(status, &page)
    };
    let input = PasswordInput {
        current_password: form.current_password,
        new_password: form.new_password,
        new_password_confirm: form.new_password_confirm,
    };
    match accounts::change_password(&state, &actor, input).await {
        Ok(Ok(())) => Ok(Notice::PasswordChanged.redirect(PASSWORD_PATH)),
        Ok(Err(PasswordRefused::Throttled(secs))) => {
            let minutes = secs.div_ceil(60);
            let plural = if minutes == 1 { "" } else { "s" };
            let message =
                format!("Too many attempts with a wrong password. Please wait {minutes} minute{plural} and try again.");
            let mut response = form_again(StatusCode::TOO_MANY_REQUESTS, FieldErrors::new(), Some(message));
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
            Ok(response)
        }
        Err(AppError::Invalid(errors)) => Ok(form_again(StatusCode::UNPROCESSABLE_ENTITY, errors, None)),
        Err(AppError::Conflict { message, .. }) => {
            Ok(form_again(StatusCode::CONFLICT, FieldErrors::one("current_password", message), None))
        }
        Err(e) => Err(e),
    }
}
