//! Asking for a mailed link: signing up, forgetting one's password, an
//! Admin sending a reset, the operator's printed reset link, and HR's
//! invitations. The public forms answer the same whatever the email, and
//! take about the same time: each writes one message to the outbox (or none)
//! in one transaction, and counts the request per email and per address.

use super::{full_name_problem, who_changed};
use crate::access::{Action, Actor};
use crate::auth::links::{self, Purpose, Subject};
use crate::auth::middleware::Client;
use crate::auth::throttle::{self, Keys};
use crate::clock::Timestamp;
use crate::config::Registration;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::mail::{MailContext, letters};
use crate::models::audit::{self, Event, Who};
use crate::models::employee;
use crate::models::outbox;
use crate::models::user::{self, email_problem, normalize_email};
use crate::state::AppState;

pub const RECORD_CLAIMED: &str = "This email belongs to an employee record that cannot take a new account. Ask HR.";
pub const INVITE_ONLY: &str = "Accounts here are by invitation: HR sends you a link by email.";
pub const CLOSED: &str = "Registration is closed. Ask HR for an account.";

/// Too many requests for this email or from this address: wait this many seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Throttled(pub u64);

/// The sign-up form: a name and a work email. The password is chosen after
/// the emailed link is followed, so nobody can set one for someone else's
/// address.
#[derive(Clone, Debug, Default)]
pub struct SignUpInput {
    pub full_name: String,
    pub email: String,
}

/// Counts a request for a mailed link, or says how long to wait.
fn count_request(
    conn: &mut DbConnection,
    keys: &Keys,
    now: Timestamp,
    window: time::Duration,
) -> AppResult<Option<u64>> {
    if let Some(secs) = throttle::retry_after(conn, keys, now, window)? {
        return Ok(Some(secs));
    }
    throttle::record_failure(conn, keys, now)?;
    Ok(None)
}

/// Open registration: mails a verification link to a new email; to an email
/// that has an account, a note offering a password reset; to an email whose
/// record cannot take an account, a note saying so. The caller always shows
/// the same answer. `Invalid` names `full_name` and `email`.
pub async fn request_sign_up(
    state: &AppState,
    client: &Client,
    input: SignUpInput,
) -> AppResult<Result<(), Throttled>> {
    match state.config.registration {
        Registration::Open => {}
        Registration::Invite => return Err(AppError::forbidden(INVITE_ONLY)),
        Registration::Closed => return Err(AppError::forbidden(CLOSED)),
    }
    let email = normalize_email(&input.email);
    let name = input.full_name.trim().to_owned();
    let mut errors = FieldErrors::new();
    errors.check("full_name", full_name_problem(&name));
    errors.check("email", email_problem(&email));
    errors.into_result()?;

    let now = state.clock.now();
    let (window, ctx, ip) = (state.config.throttle.window, state.mail.clone(), client.ip.clone());
    let per_hour = state.config.throttle.sign_ups_per_ip_per_hour;
    state
        .db
        .atomic(move |conn| {
            // Every sign-up request counts, known email or not: otherwise the
            // limit itself would tell which emails have accounts.
            let keys =
                Keys::link_request(&email, &ip).and_per(format!("sign-up-ip:{ip}"), per_hour, time::Duration::hours(1));
            if let Some(secs) = count_request(conn, &keys, now, window)? {
                return Ok(Err(Throttled(secs)));
            }
            let claimed =
                employee::find_by_work_email(conn, &email)?.is_some_and(|e| e.user_id.is_some() || e.is_terminated());
            let (letter, detail) = if user::find_by_email(conn, &email)?.is_some() {
                (letters::already_registered(&ctx, &email), "has an account: offered a reset")
            } else if claimed {
                (letters::sign_up_refused(&ctx, &email), "record cannot take an account")
            } else {
                let subject = Subject { email: email.clone(), full_name: name.clone(), ..Subject::default() };
                let token = links::issue(conn, Purpose::Verify, &subject, now)?;
                (letters::verification(&ctx, &email, &name, &token), "verification link sent")
            };
            outbox::enqueue(conn, &ctx, &letter, now)?;
            audit::record(
                conn,
                now,
                Event::SignUpRequested,
                Who::anonymous(&ip).entry().email(email.as_str()).detail(detail),
            )?;
            Ok(Ok(()))
        })
        .await
}

/// "Forgot password": mails a reset link if an active account has this
/// email, and nothing otherwise; the caller shows the same answer either
/// way. `Invalid` names `email`.
pub async fn request_password_reset(
    state: &AppState,
    client: &Client,
    email: &str,
) -> AppResult<Result<(), Throttled>> {
    let email = normalize_email(email);
    let mut errors = FieldErrors::new();
    errors.check("email", email_problem(&email));
    errors.into_result()?;
    let now = state.clock.now();
    let (window, ctx, ip) = (state.config.throttle.window, state.mail.clone(), client.ip.clone());
    state
        .db
        .atomic(move |conn| {
            if let Some(secs) = count_request(conn, &Keys::link_request(&email, &ip), now, window)? {
                return Ok(Err(Throttled(secs)));
            }
            if let Some(account) = user::find_by_email(conn, &email)?.filter(|a| a.active) {
                let token = issue_reset(conn, &account, now)?;
                let letter = letters::password_reset(&ctx, &account.email, &account.full_name, &token);
                outbox::enqueue(conn, &ctx, &letter, now)?;
                let who = Who::account(&account.id, None, Some(&ip));
                audit::record(conn, now, Event::PasswordResetRequested, who.entry().email(account.email.as_str()))?;
            }
            Ok(Ok(()))
        })
        .await
}

fn issue_reset(conn: &mut DbConnection, account: &user::User, now: Timestamp) -> AppResult<String> {
    let subject = Subject {
        email: account.email.clone(),
        full_name: account.full_name.clone(),
        user_id: Some(account.id.clone()),
        employee_id: None,
    };
    Ok(links::issue(conn, Purpose::Reset, &subject, now)?)
}

/// The account an Admin (or the operator) may send a reset for.
fn resettable(actor: &Actor, account: &user::User) -> AppResult<()> {
    actor.authorize_global(Action::ManageUsers)?;
    actor.authorize_over(account.role()?)?;
    if !account.active {
        return Err(AppError::conflict(
            "Account deactivated",
            "A deactivated account cannot reset its password. Reactivate it first.",
        ));
    }
    Ok(())
}

/// An Admin mails a reset link to an account; returns its email.
pub async fn send_password_reset(state: &AppState, actor: &Actor, user_id: String) -> AppResult<String> {
    actor.authorize_global(Action::ManageUsers)?;
    let now = state.clock.now();
    let (acting, ctx) = (actor.clone(), state.mail.clone());
    state
        .db
        .atomic(move |conn| {
            let account = user::find(conn, &user_id)?;
            resettable(&acting, &account)?;
            let token = issue_reset(conn, &account, now)?;
            outbox::enqueue(
                conn,
                &ctx,
                &letters::password_reset(&ctx, &account.email, &account.full_name, &token),
                now,
            )?;
            let who = who_changed(&acting, &account.id);
            audit::record(conn, now, Event::PasswordResetSent, who.entry().email(account.email.as_str()))?;
            Ok(account.email)
        })
        .await
}

/// `hrms user reset-password`: a one-time reset link for an operator who
/// has lost the Admin password. Nothing is mailed. `Ok(None)`: no account
/// has this email.
pub fn operator_reset_link(
    conn: &mut DbConnection,
    actor: &Actor,
    email: &str,
    ctx: &MailContext,
    now: Timestamp,
) -> AppResult<Option<String>> {
    let Some(account) = user::find_by_email(conn, &normalize_email(email))? else {
        return Ok(None);
    };
    resettable(actor, &account)?;
    let token = issue_reset(conn, &account, now)?;
    let who = who_changed(actor, &account.id);
    audit::record(conn, now, Event::PasswordResetLinkPrinted, who.entry().email(account.email.as_str()))?;
    Ok(Some(format!("{}/password/reset/{token}", ctx.base_url)))
}

/// HR invites the person on a record without an account; returns the
/// address it went to. A newer invitation replaces an older one.
pub async fn invite(state: &AppState, actor: &Actor, employee_id: String) -> AppResult<String> {
    actor.authorize_global(Action::InviteEmployee)?;
    let now = state.clock.now();
    let (who, ctx) = (Who::of(actor), state.mail.clone());
    let inviter = actor.user.as_ref().map_or_else(|| "HR".to_owned(), |u| u.name.clone());
    state
        .db
        .atomic(move |conn| {
            let record = employee::find(conn, &employee_id)?;
            if record.user_id.is_some() {
                return Err(AppError::conflict("Already has an account", "This person has an account already."));
            }
            if record.is_terminated() {
                return Err(AppError::conflict("Employment ended", "This person no longer works here."));
            }
            if user::find_by_email(conn, &record.work_email)?.is_some() {
                return Err(AppError::conflict(
                    "Email in use",
                    format!(
                        "An account already uses {}. Change the work email on the record, or ask an Admin.",
                        record.work_email
                    ),
                ));
            }
            let subject = Subject {
                email: record.work_email.clone(),
                full_name: record.full_name.clone(),
                user_id: None,
                employee_id: Some(record.id.clone()),
            };
            let token = links::issue(conn, Purpose::Invite, &subject, now)?;
            let letter = letters::invitation(&ctx, &record.work_email, &record.full_name, &inviter, &token);
            outbox::enqueue(conn, &ctx, &letter, now)?;
            let detail = format!("employee record {}", record.employee_number);
            audit::record(
                conn,
                now,
                Event::InvitationSent,
                who.entry().email(record.work_email.as_str()).detail(&detail),
            )?;
            Ok(record.work_email)
        })
        .await
}
