//! Following a mailed link: the page that asks for a password (`view`) and
//! what choosing it does (`finish`), for the three kinds of link. A sign-up
//! link creates the account (linked to the record HR entered for the email,
//! if any); an invitation creates the account of that record; a reset link
//! sets a new password and signs out every session. Each then signs the
//! person in. A link is spent in the same transaction as what it does.

use diesel::OptionalExtension;

use super::{SignedIn, start_session_in};
use crate::auth::links::{self, LinkProblem, LinkToken, Purpose};
use crate::auth::middleware::Client;
use crate::auth::password::policy_violation;
use crate::auth::sessions::{self, RevokeReason};
use crate::auth::throttle::{self, Keys};
use crate::clock::Timestamp;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::mail::{MailContext, letters};
use crate::models::audit::{self, Event, Who};
use crate::models::employee::{self, Enrollment};
use crate::models::user::{self, NewUser, Role, User};
use crate::models::{new_id, outbox};
use crate::state::AppState;

/// Why a link cannot be followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkFailure {
    Problem(LinkProblem),
    /// Too many bad links from this address: wait this many seconds.
    Throttled(u64),
}

/// What the password page shows.
#[derive(Clone, Debug)]
pub struct LinkView {
    pub email: String,
    pub full_name: String,
}

/// Whether the link can be followed. Bad links count against the address
/// they come from, like failed sign-ins.
pub async fn view(
    state: &AppState,
    client: &Client,
    purpose: Purpose,
    token: String,
) -> AppResult<Result<LinkView, LinkFailure>> {
    let now = state.clock.now();
    let window = state.config.throttle.window;
    let ip = client.ip.clone();
    state
        .db
        .atomic(move |conn| {
            let keys = Keys::bad_link(&ip);
            // A bad link is counted below: lock first (see `throttle::lock`).
            throttle::lock(conn, &keys)?;
            if let Some(secs) = throttle::retry_after(conn, &keys, now, window)? {
                return Ok(Err(LinkFailure::Throttled(secs)));
            }
            match links::check(conn, purpose, &token, now)? {
                Ok(link) => Ok(Ok(LinkView { email: link.email, full_name: link.full_name })),
                Err(problem) => {
                    throttle::record_failure(conn, &keys, now)?;
                    let detail = format!("{} link: {problem:?}", purpose.as_str());
                    audit::record(conn, now, Event::LinkRefused, Who::anonymous(&ip).entry().detail(&detail))?;
                    Ok(Err(LinkFailure::Problem(problem)))
                }
            }
        })
        .await
}

/// The password form of a link page.
pub struct NewPassword {
    pub password: String,
    pub confirm: String,
}

/// Why following a link did not finish.
#[derive(Debug)]
pub enum Unfinished {
    Link(LinkFailure),
    /// The password was refused; `email` is the link's, for the form again.
    /// `errors` names `password` and `password_confirm`.
    Invalid {
        email: String,
        errors: FieldErrors,
    },
}

/// Spends the link, does what it is for, and signs the person in.
pub async fn finish(
    state: &AppState,
    client: &Client,
    purpose: Purpose,
    token: String,
    input: NewPassword,
) -> AppResult<Result<SignedIn, Unfinished>> {
    let view = match view(state, client, purpose, token.clone()).await? {
        Ok(view) => view,
        Err(failure) => return Ok(Err(Unfinished::Link(failure))),
    };
    let mut errors = FieldErrors::new();
    errors.check("password", policy_violation(&input.password, &view.email));
    if input.password != input.confirm {
        errors.add("password_confirm", "The passwords do not match.");
    }
    if !errors.is_empty() {
        return Ok(Err(Unfinished::Invalid { email: view.email, errors }));
    }
    let hash = state.passwords.hash(input.password).await?;

    let now = state.clock.now();
    let (policy, throttle_policy, ctx, client) =
        (state.config.sessions, state.config.throttle, state.mail.clone(), client.clone());
    let outcome = state
        .db
        .atomic(move |conn| {
            let link = match links::spend(conn, purpose, &token, now)? {
                Ok(link) => link,
                Err(problem) => return Ok(Err(LinkFailure::Problem(problem))),
            };
            let (account, revoked) = match purpose {
                Purpose::Verify => (create_verified(conn, &link, &hash, &client, &ctx, now)?, Vec::new()),
                Purpose::Invite => (accept_invitation(conn, &link, &hash, &client, now)?, Vec::new()),
                Purpose::Reset => {
                    let (account, revoked) = reset_password(conn, &link, &hash, &client, &ctx, now)?;
                    throttle::clear_account(conn, &Keys::new(&account.email, &client.ip, &throttle_policy))?;
                    (account, revoked)
                }
            };
            let (session, refresh) = start_session_in(conn, &account, &client, now, &policy)?;
            Ok(Ok((account, session, refresh, revoked)))
        })
        .await?;
    let (account, session, refresh, revoked) = match outcome {
        Ok(done) => done,
        Err(failure) => return Ok(Err(Unfinished::Link(failure))),
    };
    state.revoke_now(&revoked);
    let role = account.role()?;
    let access_token = state.access_tokens.mint(
        crate::auth::tokens::Audience::Web,
        &account.id,
        &session.id,
        role,
        &account.full_name,
        now,
        policy.access_ttl,
    );
    Ok(Ok(SignedIn { user: account, role, session, refresh, access_token }))
}

fn exists_already() -> AppError {
    AppError::conflict(
        "You already have an account",
        "An account with this email exists already. Sign in, or reset your password from the sign-in page.",
    )
}

fn insert_employee_account(
    conn: &mut DbConnection,
    email: &str,
    name: &str,
    hash: &str,
    now: Timestamp,
) -> AppResult<String> {
    let id = new_id();
    let new_user = NewUser {
        id: &id,
        email,
        full_name: name,
        password_hash: hash,
        role: Role::Employee.as_str(),
        active: true,
        created_at: now,
        updated_at: now,
    };
    if !user::insert(conn, &new_user)? {
        return Err(exists_already());
    }
    Ok(id)
}

/// A sign-up whose email is now proven: the account, and its employee record
/// (the one HR entered for this email, or a new one).
fn create_verified(
    conn: &mut DbConnection,
    link: &LinkToken,
    hash: &str,
    client: &Client,
    ctx: &MailContext,
    now: Timestamp,
) -> AppResult<User> {
    if user::find_by_email(conn, &link.email)?.is_some() {
        return Err(exists_already());
    }
    let id = insert_employee_account(conn, &link.email, &link.full_name, hash, now)?;
    let detail = match employee::enroll(conn, &id, &link.email, &link.full_name, now)? {
        Enrollment::Linked(_) => "linked to the employee record HR entered",
        Enrollment::Created(_) => "new employee record",
        Enrollment::Unavailable => return Err(AppError::conflict("Ask HR", super::requests::RECORD_CLAIMED)),
    };
    let who = Who::account(&id, None, Some(&client.ip));
    audit::record(conn, now, Event::EmailVerified, who.entry().email(link.email.as_str()).detail(detail))?;
    outbox::enqueue(conn, ctx, &letters::email_verified(ctx, &link.email, &link.full_name), now)?;
    Ok(user::find(conn, &id)?)
}

/// An invitation accepted: the account of the record it was sent for, as
/// long as the record is still without one and its email is unchanged.
fn accept_invitation(
    conn: &mut DbConnection,
    link: &LinkToken,
    hash: &str,
    client: &Client,
    now: Timestamp,
) -> AppResult<User> {
    let no_longer = |why: &str| AppError::conflict("This invitation no longer works", format!("{why} Ask HR."));
    let record = match &link.employee_id {
        Some(id) => employee::find(conn, id).optional()?,
        None => None,
    };
    let Some(record) = record else {
        return Err(no_longer("The employee record it was for is gone."));
    };
    if record.user_id.is_some() {
        return Err(no_longer("The record it was for has an account already."));
    }
    if record.is_terminated() {
        return Err(no_longer("The employment it was for has ended."));
    }
    if record.work_email != link.email {
        return Err(no_longer("The work email on your record changed after it was sent."));
    }
    if user::find_by_email(conn, &record.work_email)?.is_some() {
        return Err(exists_already());
    }
    let id = insert_employee_account(conn, &record.work_email, &record.full_name, hash, now)?;
    if !employee::link_user(conn, &record.id, &id, now)? {
        return Err(no_longer("The record it was for has an account already."));
    }
    let who = Who::account(&id, None, Some(&client.ip));
    let detail = format!("linked to employee record {}", record.employee_number);
    audit::record(conn, now, Event::InvitationAccepted, who.entry().email(record.work_email.as_str()).detail(&detail))?;
    Ok(user::find(conn, &id)?)
}

/// A new password by reset link: every session of the account ends, and
/// the owner is told by mail.
fn reset_password(
    conn: &mut DbConnection,
    link: &LinkToken,
    hash: &str,
    client: &Client,
    ctx: &MailContext,
    now: Timestamp,
) -> AppResult<(User, Vec<String>)> {
    let account = match &link.user_id {
        Some(id) => user::find(conn, id).optional()?,
        None => None,
    };
    let Some(account) = account.filter(|a| a.email == link.email) else {
        return Err(AppError::conflict("This link no longer works", "The account it was for is gone."));
    };
    if !account.active {
        return Err(AppError::forbidden(
            "This account is deactivated, so its password cannot be reset. Ask your Admin.",
        ));
    }
    user::set_password_hash(conn, &account.id, hash, now)?;
    let revoked = sessions::revoke_all_for_user(conn, &account.id, RevokeReason::PasswordChanged, now)?;
    links::void_for_user(conn, Purpose::Reset, &account.id, now)?;
    let who = Who::account(&account.id, None, Some(&client.ip));
    let detail = format!("{} session(s) signed out", revoked.len());
    audit::record(conn, now, Event::PasswordReset, who.entry().email(account.email.as_str()).detail(&detail))?;
    let letter = letters::password_changed(ctx, &account.email, &account.full_name, now, &client.ip);
    outbox::enqueue(conn, ctx, &letter, now)?;
    Ok((user::find(conn, &account.id)?, revoked))
}
