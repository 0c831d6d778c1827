//! Changing one's password. It needs the current password, and wrong guesses
//! count as failed sign-ins: the same per-account and per-IP limits apply, so
//! a borrowed session cannot be used to try passwords without end. A change
//! signs out every other session; this one stays signed in.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use diesel::Connection;
use serde::Deserialize;

use crate::access::{Action, Actor, Relation};
use crate::auth::middleware::Client;
use crate::auth::password::policy_violation;
use crate::auth::sessions::{self, RevokeReason};
use crate::auth::throttle::{self, Keys};
use crate::error::{AppError, AppResult};
use crate::forms::{CsrfForm, CsrfProtected};
use crate::models::audit::{self, Event};
use crate::models::user;
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{Layout, ok_page, render_page};

const PASSWORD_PATH: &str = "/account/password";
const CHANGED: &str = "Password changed; your other sessions were signed out.";

#[derive(Clone, Debug, Default)]
pub struct PasswordErrors {
    pub current_password: Option<String>,
    pub new_password: Option<String>,
    pub new_password_confirm: Option<String>,
}

impl PasswordErrors {
    pub fn is_empty(&self) -> bool {
        self.current_password.is_none() && self.new_password.is_none() && self.new_password_confirm.is_none()
    }
}

#[derive(askama::Template, Default)]
#[template(path = "account/password.html")]
pub struct PasswordPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub errors: PasswordErrors,
    /// Above the form, in red: throttling, a change made meanwhile.
    pub error: Option<String>,
    pub notice: Option<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ChangedQuery {
    changed: Option<String>,
}

pub async fn form(actor: Actor, page: Page, query: Result<Query<ChangedQuery>, QueryRejection>) -> AppResult<Response> {
    actor.authorize(Action::ManageOwnAccount, Relation::Own)?;
    let changed = query.is_ok_and(|Query(q)| q.changed.is_some());
    Ok(ok_page(&PasswordPage {
        layout: page.layout(),
        csrf_token: page.csrf_token.clone(),
        notice: changed.then_some(CHANGED),
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

/// Everything about the new password that needs no database.
fn validate(form: &PasswordForm, email: &str) -> PasswordErrors {
    let new_password = policy_violation(&form.new_password, email).map(str::to_owned).or_else(|| {
        (form.new_password == form.current_password)
            .then(|| "Choose a password different from your current one.".to_owned())
    });
    PasswordErrors {
        current_password: form.current_password.is_empty().then(|| "Enter your current password.".into()),
        new_password,
        new_password_confirm: (form.new_password != form.new_password_confirm)
            .then(|| "The new passwords do not match.".into()),
    }
}

/// How the final transaction went.
enum Outcome {
    Changed(Vec<String>),
    /// The password was changed from elsewhere between the check and the write.
    Stale,
}

pub async fn submit(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    client: Client,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> AppResult<Response> {
    actor.authorize(Action::ManageOwnAccount, Relation::Own)?;
    let form_again = |status: StatusCode, errors: PasswordErrors, error: Option<String>| {
        // Passwords are never sent back into the form.
        let page =
            PasswordPage { layout: page.layout(), csrf_token: page.csrf_token.clone(), errors, error, notice: None };
        render_page(status, &page)
    };

    let now = state.clock.now();
    let policy = state.config.throttle;
    let (user_id, session_id, ip) = (actor.user.user_id.clone(), actor.user.session_id.clone(), client.ip.clone());
    let (account, wait) = {
        let (user_id, ip) = (user_id.clone(), ip.clone());
        state
            .db
            .run(move |conn| {
                let account = user::find(conn, &user_id)?;
                let keys = Keys::new(&account.email, &ip);
                let wait = throttle::retry_after(conn, &keys, now, &policy)?;
                if wait.is_some() {
                    let entry = audit::Entry {
                        user_id: Some(&user_id),
                        email: Some(&account.email),
                        session_id: None,
                        ip: Some(&ip),
                        detail: Some("password change"),
                    };
                    audit::record(conn, now, Event::SignInThrottled, entry)?;
                }
                Ok((account, wait))
            })
            .await?
    };
    if let Some(secs) = wait {
        let minutes = secs.div_ceil(60);
        let plural = if minutes == 1 { "" } else { "s" };
        let message =
            format!("Too many attempts with a wrong password. Please wait {minutes} minute{plural} and try again.");
        let mut response = form_again(StatusCode::TOO_MANY_REQUESTS, PasswordErrors::default(), Some(message));
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        return Ok(response);
    }

    let mut errors = validate(&form, &account.email);
    if errors.current_password.is_none() {
        let current_ok =
            state.passwords.verify(form.current_password.clone(), Some(account.password_hash.clone())).await?;
        if !current_ok {
            let (user_id, email, session_id, ip) =
                (user_id.clone(), account.email.clone(), session_id.clone(), ip.clone());
            state
                .db
                .transaction(move |conn| {
                    throttle::record_failure(conn, &Keys::new(&email, &ip), now)?;
                    let entry = audit::Entry {
                        user_id: Some(&user_id),
                        email: Some(&email),
                        session_id: Some(&session_id),
                        ip: Some(&ip),
                        detail: None,
                    };
                    audit::record(conn, now, Event::PasswordChangeFailed, entry)
                })
                .await?;
            errors.current_password = Some("This is not your current password.".into());
        }
    }
    if !errors.is_empty() {
        return Ok(form_again(StatusCode::UNPROCESSABLE_ENTITY, errors, None));
    }

    let new_hash = state.passwords.hash(form.new_password).await?;
    let (email, old_hash) = (account.email.clone(), account.password_hash.clone());
    let outcome = state
        .db
        .run(move |conn| {
            conn.transaction::<_, AppError, _>(|conn| {
                // The conditional write comes first: SQLite takes its write lock
                // before anything is read, and of two racing changes one wins.
                if !user::replace_password_hash(conn, &user_id, &old_hash, &new_hash, now)? {
                    return Ok(Outcome::Stale);
                }
                // A session revoked a moment ago elsewhere may not change the password.
                if !sessions::find(conn, &session_id)?.is_live(now) {
                    return Err(AppError::Forbidden("Your session has ended. Sign in again.".into()));
                }
                let revoked =
                    sessions::revoke_others_for_user(conn, &user_id, &session_id, RevokeReason::PasswordChanged, now)?;
                throttle::clear_account(conn, &Keys::new(&email, &ip))?;
                let detail = format!("{} other session(s) signed out", revoked.len());
                let entry = audit::Entry {
                    user_id: Some(&user_id),
                    email: Some(&email),
                    session_id: Some(&session_id),
                    ip: Some(&ip),
                    detail: Some(&detail),
                };
                audit::record(conn, now, Event::PasswordChanged, entry)?;
                Ok(Outcome::Changed(revoked))
            })
        })
        .await?;
    match outcome {
        Outcome::Changed(revoked) => {
            for id in &revoked {
                state.revoked.insert(id, now);
            }
            Ok(Redirect::to(&format!("{PASSWORD_PATH}?changed=1")).into_response())
        }
        Outcome::Stale => {
            let errors = PasswordErrors {
                current_password: Some(
                    "Your password was changed a moment ago from another session. Enter the new one.".into(),
                ),
                ..Default::default()
            };
            Ok(form_again(StatusCode::CONFLICT, errors, None))
        }
    }
}
