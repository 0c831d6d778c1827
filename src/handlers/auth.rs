//! Sign in, register, sign out.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use diesel::Connection;
use serde::Deserialize;
use tower_cookies::Cookies;

use crate::auth::middleware::{Client, CurrentUser};
use crate::auth::password::policy_violation;
use crate::auth::sessions::{self, RevokeReason};
use crate::auth::throttle::{self, Keys};
use crate::config::Registration;
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::forms::{CsrfForm, CsrfOnly, CsrfProtected};
use crate::metrics::Counter;
use crate::models::audit::{self, Event};
use crate::models::employee::{self, Enrollment};
use crate::models::new_id;
use crate::models::user::{self, NewUser, Role, email_problem, normalize_email};
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{
    LoginPage, LogoutPage, RegisterErrors, RegisterPage, RegistrationClosedPage, ok_page, render_page,
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
    registered: Option<String>,
    signed_out: Option<String>,
}

pub async fn login_page(page: Page, query: Result<Query<LoginQuery>, QueryRejection>) -> Response {
    // A mangled query string is not worth an error page here.
    let q = query.map(|Query(q)| q).unwrap_or_default();
    if page.user.is_some() {
        return Redirect::to(safe_next(q.next.as_deref())).into_response();
    }
    let notice = if q.registered.is_some() {
        Some("Your account was created. Sign in to continue.".to_owned())
    } else if q.signed_out.is_some() {
        Some("You have been signed out.".to_owned())
    } else {
        None
    };
    ok_page(&LoginPage {
        layout: page.layout(),
        csrf_token: page.csrf_token.clone(),
        next: q.next.unwrap_or_default(),
        notice,
        ..Default::default()
    })
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
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
    client: Client,
    cookies: Cookies,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> AppResult<Response> {
    let email = normalize_email(&form.email);
    let now = state.clock.now();
    let policy = state.config.throttle;
    let keys = Keys::new(&email, &client.ip);
    let form_again = |status: StatusCode, error: String| {
        let page = LoginPage {
            layout: page.layout(),
            csrf_token: page.csrf_token.clone(),
            email: form.email.trim().to_owned(),
            next: form.next.clone(),
            error: Some(error),
            notice: None,
        };
        render_page(status, &page)
    };

    let (wait, account, keys) = {
        let (email, ip) = (email.clone(), client.ip.clone());
        state
            .db
            .run(move |conn| {
                let wait = throttle::retry_after(conn, &keys, now, &policy)?;
                if wait.is_some() {
                    let entry = audit::Entry { email: Some(&email), ip: Some(&ip), ..Default::default() };
                    audit::record(conn, now, Event::SignInThrottled, entry)?;
                    return Ok((wait, None, keys));
                }
                Ok((None, user::find_by_email(conn, &email)?, keys))
            })
            .await?
    };
    if let Some(secs) = wait {
        state.metrics.count(Counter::SignInThrottled);
        let minutes = secs.div_ceil(60);
        let plural = if minutes == 1 { "" } else { "s" };
        let message = format!("Too many sign-in attempts. Please wait {minutes} minute{plural} and try again.");
        let mut response = form_again(StatusCode::TOO_MANY_REQUESTS, message);
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        return Ok(response);
    }

    // Always run bcrypt, against a dummy hash when there is no account.
    let hash = account.as_ref().map(|u| u.password_hash.clone());
    let password_ok = state.passwords.verify(form.password, hash).await?;
    let Some(account) = account.filter(|u| password_ok && u.active) else {
        let (email, ip) = (email.clone(), client.ip.clone());
        state
            .db
            .transaction(move |conn| {
                throttle::record_failure(conn, &keys, now)?;
                let entry = audit::Entry { email: Some(&email), ip: Some(&ip), ..Default::default() };
                audit::record(conn, now, Event::SignInFailure, entry)
            })
            .await?;
        state.metrics.count(Counter::SignInFailure);
        return Ok(form_again(StatusCode::UNAUTHORIZED, GENERIC_FAILURE.to_owned()));
    };

    let role = account.role()?;
    let session_policy = state.config.sessions;
    let (user_id, ua, ip) = (account.id.clone(), client.user_agent.clone(), client.ip.clone());
    let (session, refresh) = state
        .db
        .transaction(move |conn| {
            throttle::clear_account(conn, &keys)?;
            let (session, refresh) = sessions::create(conn, &user_id, &ua, &ip, now, &session_policy)?;
            let entry = audit::Entry::by(&user_id, &session.id, &ip);
            audit::record(conn, now, Event::SignInSuccess, entry)?;
            Ok((session, refresh))
        })
        .await?;
    let ttl = session_policy.access_ttl;
    let access = state.access_tokens.mint(&account.id, &session.id, role, &account.full_name, now, ttl);
    state.cookies.set_access(&cookies, access, ttl);
    state.cookies.set_refresh(&cookies, refresh.token, refresh.expires_at, now);
    state.metrics.count(Counter::SignIn);
    tracing::info!(user_id = %account.id, session_id = %session.id, "signed in");
    Ok(Redirect::to(safe_next(Some(&form.next))).into_response())
}

#[derive(Debug, Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
    #[serde(default)]
    csrf_token: String,
}

impl CsrfProtected for RegisterForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

fn registration_closed(page: &Page) -> Response {
    render_page(StatusCode::FORBIDDEN, &RegistrationClosedPage { layout: page.layout() })
}

pub async fn register_page(State(state): State<AppState>, page: Page) -> Response {
    if !state.config.registration.allows_sign_up() {
        return registration_closed(&page);
    }
    ok_page(&RegisterPage {
        layout: page.layout(),
        csrf_token: page.csrf_token.clone(),
        invite_only: state.config.registration == Registration::Invite,
        ..Default::default()
    })
}

const TAKEN: &str = "An account with this email already exists. Sign in instead, or use another address.";
const NO_INVITATION: &str = "This email has no invitation. Ask HR to add you.";
const RECORD_CLAIMED: &str = "This email belongs to an employee record that cannot take a new account. Ask HR.";

/// Why this email may not register in this mode, if it may not.
fn email_refusal(
    conn: &mut DbConnection,
    mode: Registration,
    email: &str,
) -> diesel::QueryResult<Option<&'static str>> {
    if user::find_by_email(conn, email)?.is_some() {
        return Ok(Some(TAKEN));
    }
    Ok(match mode {
        Registration::Invite if employee::invitation_for(conn, email)?.is_none() => Some(NO_INVITATION),
        Registration::Open => employee::find_by_work_email(conn, email)?
            .filter(|e| e.user_id.is_some() || e.is_terminated())
            .map(|_| RECORD_CLAIMED),
        _ => None,
    })
}

/// A registration transaction either commits, or rolls back with a message for the email field.
enum Refused {
    Email(&'static str),
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for Refused {
    fn from(e: diesel::result::Error) -> Self {
        Refused::Db(e)
    }
}

fn validate_registration(form: &RegisterForm, email: &str) -> RegisterErrors {
    let name = form.full_name.trim();
    RegisterErrors {
        full_name: if name.is_empty() {
            Some("Enter your full name.".into())
        } else if name.chars().count() > 100 {
            Some("Use at most 100 characters.".into())
        } else {
            None
        },
        email: email_problem(email).map(Into::into),
        password: policy_violation(&form.password, email).map(Into::into),
        password_confirm: (form.password != form.password_confirm).then(|| "The passwords do not match.".into()),
    }
}

pub async fn register_submit(
    State(state): State<AppState>,
    page: Page,
    client: Client,
    CsrfForm(form): CsrfForm<RegisterForm>,
) -> AppResult<Response> {
    let mode = state.config.registration;
    if !mode.allows_sign_up() {
        return Ok(registration_closed(&page));
    }
    let email = normalize_email(&form.email);
    let mut errors = validate_registration(&form, &email);
    let form_again = |errors: RegisterErrors| {
        let page = RegisterPage {
            layout: page.layout(),
            csrf_token: page.csrf_token.clone(),
            full_name: form.full_name.trim().to_owned(),
            email: form.email.trim().to_owned(),
            errors,
            invite_only: mode == Registration::Invite,
        };
        render_page(StatusCode::UNPROCESSABLE_ENTITY, &page)
    };
    if errors.email.is_none() {
        let lookup = email.clone();
        errors.email = state.db.run(move |conn| Ok(email_refusal(conn, mode, &lookup)?)).await?.map(Into::into);
    }
    if !errors.is_empty() {
        return Ok(form_again(errors));
    }

    let hash = state.passwords.hash(form.password.clone()).await?;
    let now = state.clock.now();
    let (name, ip) = (form.full_name.trim().to_owned(), client.ip.clone());
    // The account and its employee record are made together, or not at all.
    let outcome = state
        .db
        .run(move |conn| {
            let outcome = conn.transaction(|conn| -> Result<(), Refused> {
                let id = new_id();
                let new_user = NewUser {
                    id: &id,
                    email: &email,
                    full_name: &name,
                    password_hash: &hash,
                    role: Role::Employee.as_str(),
                    active: true,
                    created_at: now,
                    updated_at: now,
                };
                if !user::insert(conn, &new_user)? {
                    return Err(Refused::Email(TAKEN));
                }
                let record = match mode {
                    Registration::Invite => {
                        let invitation =
                            employee::invitation_for(conn, &email)?.ok_or(Refused::Email(NO_INVITATION))?;
                        if !employee::link_user(conn, &invitation.id, &id, now)? {
                            return Err(Refused::Email(NO_INVITATION));
                        }
                        format!("linked to employee record {}", invitation.employee_number)
                    }
                    _ => match employee::enroll(conn, &id, &email, &name, now)? {
                        Enrollment::Linked(_) => "linked to the employee record HR entered".to_owned(),
                        Enrollment::Created(_) => "new employee record".to_owned(),
                        Enrollment::Unavailable => return Err(Refused::Email(RECORD_CLAIMED)),
                    },
                };
                let entry = audit::Entry {
                    user_id: Some(&id),
                    email: Some(&email),
                    ip: Some(&ip),
                    detail: Some(&record),
                    ..Default::default()
                };
                audit::record(conn, now, Event::Registration, entry)?;
                Ok(())
            });
            match outcome {
                Ok(()) => Ok(None),
                Err(Refused::Email(message)) => Ok(Some(message)),
                Err(Refused::Db(e)) => Err(e.into()),
            }
        })
        .await?;
    if let Some(message) = outcome {
        return Ok(form_again(RegisterErrors { email: Some(message.into()), ..Default::default() }));
    }
    Ok(Redirect::to("/login?registered=1").into_response())
}

/// `GET /logout` changes nothing: it asks for confirmation.
pub async fn logout_page(_user: CurrentUser, page: Page) -> Response {
    ok_page(&LogoutPage { layout: page.layout() })
}

pub async fn logout(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    cookies: Cookies,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    let now = state.clock.now();
    let (session_id, user_id, ip) = (user.session_id.clone(), user.user_id.clone(), client.ip);
    state
        .db
        .transaction(move |conn| {
            sessions::revoke(conn, &session_id, RevokeReason::Logout, now)?;
            let entry = audit::Entry::by(&user_id, &session_id, &ip);
            audit::record(conn, now, Event::Logout, entry)
        })
        .await?;
    // The access token dies now, not at its expiry.
    state.revoked.insert(&user.session_id, now);
    state.cookies.clear_session(&cookies);
    // Chromium's back/forward cache restores the dashboard on Back without
    // asking us, whatever `no-store` says, unless the site's cookies are
    // cleared: this header does that, and drops the page too.
    let clear_cache =
        [(HeaderName::from_static("clear-site-data"), HeaderValue::from_static("\"cache\", \"cookies\""))];
    Ok((clear_cache, Redirect::to("/login?signed_out=1")).into_response())
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
