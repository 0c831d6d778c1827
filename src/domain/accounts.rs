//! Accounts: registering, signing in and out, the changes Admins (and the
//! operator at the command line) make to accounts, one's own password and
//! sessions, and what ending someone's employment does to their account.
//!
//! Rules that hold on every path, pages and command line alike: nobody acts
//! on an account with more power than their own (`access::may_act_on_account`);
//! the last active Admin cannot be demoted, deactivated or terminated; every
//! change that takes rights away ends the person's sessions in the same
//! transaction and returns their ids, so that `App::revoke_now` makes this
//! instance refuse them at once (the others learn it from the database).

use diesel::{Connection, OptionalExtension};
use time::Date;

use super::leave;
use crate::access::{Action, Actor, Relation};
use crate::auth::devices;
use crate::auth::middleware::{Client, CurrentUser};
use crate::auth::password::policy_violation;
use crate::auth::sessions::{self, Door, IssuedRefresh, Refresh, RevokeReason, Session};
use crate::auth::throttle::{self, Keys};
use crate::clock::Timestamp;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::mail::letters;
use crate::metrics::Counter;
use crate::models::audit::{self, Event, Who};
use crate::models::employee::{self, Employee, Enrollment};
use crate::models::user::{self, NewUser, Role, User, email_problem, normalize_email};
use crate::models::{new_id, outbox, settings};
use crate::state::AppState;

const LAST_ADMIN: &str = "This is the last active Admin account. Make someone else an Admin first, \
                          so that somebody can still manage users.";

fn last_admin() -> AppError {
    AppError::conflict("Not possible", LAST_ADMIN)
}

/// Whether taking rights away from `target` would leave no active Admin.
fn is_last_admin(conn: &mut DbConnection, target: &User) -> AppResult<bool> {
    Ok(target.active && target.role()? == Role::Admin && user::count_active_admins(conn)? <= 1)
}

// ---------- Registration ----------

pub mod links;
pub mod requests;

pub(crate) fn full_name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("Enter your full name.")
    } else if name.chars().count() > 100 {
        Some("Use at most 100 characters.")
    } else {
        None
    }
}

// ---------- Signing in and out ----------

/// A new session: what the browser (or API client) is given.
pub struct SignedIn {
    pub user: User,
    pub role: Role,
    pub session: Session,
    pub refresh: IssuedRefresh,
    pub access_token: String,
}

/// Why a sign-in did not succeed. The same for an unknown email, a wrong
/// password and a deactivated account, so that nobody learns which it was.
pub enum SignInRefused {
    /// Too many failures for this email or address: wait this many seconds.
    Throttled(u64),
    Failed,
}

/// Checks the password (always running bcrypt, against a dummy hash when
/// there is no account), counts attempts per email and per address, and
/// starts a session. The attempt is counted (a slot reserved) before bcrypt
/// runs, in the transaction that checks the limits, so that a burst of
/// guesses at once gets no more checks than the limit; a success gives its
/// slot back. Throttled attempts are counted in metrics only, and what was
/// typed as an email is stored only when it is a valid email. `remember`
/// ("Keep me signed in on this device") gives the session the long
/// lifetimes when the role may have them (`SessionPolicy::may_remember`).
pub async fn sign_in(
    state: &AppState,
    door: Door,
    client: &Client,
    email: &str,
    password: String,
    remember: bool,
) -> AppResult<Result<SignedIn, SignInRefused>> {
    let email = normalize_email(email);
    let now = state.clock.now();
    let policy = state.config.throttle;
    let valid_email = email_problem(&email).is_none();
    let who = Who::anonymous(&client.ip);
    let (reserved, account, keys) = {
        let (email, ip, device) = (email.clone(), client.ip.clone(), client.device.clone());
        state
            .db
            .atomic(move |conn| {
                // Locks before reading: on SQLite this takes the write lock
                // first, so the transaction never has to upgrade a read lock
                // (which fails at once with "database is locked" under load).
                crate::db::lock_name(conn, &format!("sign-in:{email}"))?;
                let account = if valid_email { user::find_by_email(conn, &email)? } else { None };
                // A browser that signed in to this account before has a
                // counter of its own; everyone else shares the account's.
                let trusted = match (&account, &device) {
                    (Some(account), Some(device)) => devices::is_known(conn, &account.id, device)?.then_some(device),
                    _ => None,
                };
                let keys = match (valid_email, trusted) {
                    (false, _) => Keys::ip_only(&ip, &policy),
                    (true, Some(device)) => Keys::trusted_device(&email, device, &ip, &policy),
                    (true, None) => Keys::new(&email, &ip, &policy),
                };
                let reserved = throttle::reserve(conn, &keys, now, policy.window)?;
                let account = if reserved.is_ok() { account } else { None };
                Ok((reserved, account, keys))
            })
            .await?
    };
    let slots = match reserved {
        Ok(slots) => slots,
        Err(secs) => {
            state.metrics.count(Counter::SignInThrottled);
            return Ok(Err(SignInRefused::Throttled(secs)));
        }
    };

    let hash = account.as_ref().map(|u| u.password_hash.clone());
    let password_ok = state.passwords.verify(password, hash).await?;
    let Some(account) = account.filter(|u| password_ok && u.active) else {
        let typed = valid_email.then_some(email);
        state
            .db
            .transaction(move |conn| {
                audit::record(conn, now, Event::SignInFailure, who.entry().email(typed.as_deref()))
            })
            .await?;
        state.metrics.count(Counter::SignInFailure);
        return Ok(Err(SignInRefused::Failed));
    };

    let role = account.role()?;
    let session_policy = state.config.sessions;
    let (user_id, ua, ip) = (account.id.clone(), client.user_agent.clone(), client.ip.clone());
    let (device, ctx, account_for_mail) = (client.device.clone(), state.mail.clone(), account.clone());
    let (session, refresh, ended) = state
        .db
        .atomic(move |conn| {
            throttle::give_back(conn, &slots)?;
            throttle::clear_account(conn, &keys)?;
            // Signing in with the password cancels any reset link still out.
            crate::auth::links::void_for_user(conn, crate::auth::links::Purpose::Reset, &user_id, now)?;
            let seen = match &device {
                Some(device) => devices::remember(conn, &user_id, device, &ua, &ip, now)?,
                None => devices::Seen::Known,
            };
            let remember = remember && session_policy.may_remember(role);
            let (session, refresh) = sessions::create(conn, door, &user_id, &ua, &ip, now, &session_policy, remember)?;
            let ended = sessions::end_beyond_cap(conn, &user_id, session_policy.max_per_account, now)?;
            let who = Who::account(&user_id, Some(&session.id), Some(&ip));
            let detail = format!("{} oldest session(s) ended", ended.len());
            let entry = if ended.is_empty() { who.entry() } else { who.entry().detail(&detail) };
            audit::record(conn, now, Event::SignInSuccess, entry)?;
            if seen == devices::Seen::New {
                let a = &account_for_mail;
                outbox::enqueue(conn, &ctx, &letters::new_device(&ctx, &a.email, &a.full_name, now, &ip, &ua), now)?;
                audit::record(conn, now, Event::NewDeviceSignIn, who.entry().detail(&ua))?;
            }
            Ok((session, refresh, ended))
        })
        .await?;
    state.revoke_now(&ended);
    let ttl = session_policy.access_ttl;
    let access_token =
        state.access_tokens.mint(door.audience(), &account.id, &session.id, role, &account.full_name, now, ttl);
    state.metrics.count(Counter::SignIn);
    tracing::info!(user_id = %account.id, session_id = %session.id, "signed in");
    Ok(Ok(SignedIn { user: account, role, session, refresh, access_token }))
}

/// Starts a session for an account that has just proven its email by a
/// mailed link; the browser is remembered without a new-browser notice.
fn start_session_in(
    conn: &mut DbConnection,
    account: &User,
    client: &Client,
    now: Timestamp,
    policy: &crate::config::SessionPolicy,
) -> AppResult<(Session, IssuedRefresh)> {
    if let Some(device) = &client.device {
        devices::remember(conn, &account.id, device, &client.user_agent, &client.ip, now)?;
    }
    let (session, refresh) =
        sessions::create(conn, Door::Web, &account.id, &client.user_agent, &client.ip, now, policy, false)?;
    // A reset has just ended every other session; a new account has none.
    sessions::end_beyond_cap(conn, &account.id, policy.max_per_account, now)?;
    let who = Who::account(&account.id, Some(&session.id), Some(&client.ip));
    audit::record(conn, now, Event::SignInSuccess, who.entry().detail("by mailed link"))?;
    Ok((session, refresh))
}

/// What presenting a refresh token at a door gave.
pub enum Refreshed {
    /// A new access token; and the next refresh token when this request won
    /// the rotation. `None`: another request (a second tab, a retried call)
    /// rotated it a moment ago, within `--reuse-grace`, and holds the new one.
    Renewed { user: CurrentUser, access_token: String, refresh: Option<IssuedRefresh> },
    /// A rotated token came back after the grace: the whole session is revoked.
    Reused,
    /// Unknown, revoked, expired, of an inactive account, or from the other door.
    Invalid,
}

/// Checks three things (the token exists, its session is not revoked, not
/// expired), rotates the token, and mints an access token for `door`. The
/// pages' middleware and `POST /api/v1/auth/refresh` both come here.
pub async fn refresh(state: &AppState, door: Door, presented: String, client: &Client) -> AppResult<Refreshed> {
    let now = state.clock.now();
    let policy = state.config.sessions;
    let ip = client.ip.clone();
    let outcome = state.db.run(move |conn| Ok(sessions::refresh(conn, door, &presented, now, &policy, &ip)?)).await?;
    let (user, session_id, refresh) = match outcome {
        Refresh::Rotated { user, session_id, refresh } => {
            state.metrics.count(Counter::Refresh);
            (user, session_id, Some(refresh))
        }
        Refresh::Grace { user, session_id } => (user, session_id, None),
        Refresh::Reused { session_id } => {
            state.metrics.count(Counter::RefreshReuse);
            tracing::warn!(session_id = %session_id, ip = %client.ip, "refresh token reuse: session revoked");
            state.revoke_now(&[session_id]);
            return Ok(Refreshed::Reused);
        }
        Refresh::Invalid => return Ok(Refreshed::Invalid),
    };
    let role = user.role()?;
    let access_token =
        state.access_tokens.mint(door.audience(), &user.id, &session_id, role, &user.full_name, now, policy.access_ttl);
    let user = CurrentUser { user_id: user.id, session_id, role, name: user.full_name };
    Ok(Refreshed::Renewed { user, access_token, refresh })
}

/// Ends the actor's own session, here and on every instance.
pub async fn sign_out(state: &AppState, actor: &Actor) -> AppResult<()> {
    let session_id = actor.account()?.session_id.clone();
    let now = state.clock.now();
    let (who, ended) = (Who::of(actor), session_id.clone());
    state
        .db
        .transaction(move |conn| {
            sessions::revoke(conn, &ended, RevokeReason::Logout, now)?;
            audit::record(conn, now, Event::Logout, who.entry())
        })
        .await?;
    state.revoke_now(&[session_id]);
    Ok(())
}

// ---------- Accounts made by the operator ----------

/// A new account as the command line describes it; the password is hashed already.
pub struct NewAccount {
    pub email: String,
    pub full_name: String,
    pub role: Role,
    pub password_hash: String,
}

/// Checks what the command line was given, before anything is hashed.
pub fn check_new_account(email: &str, full_name: &str, password: &str) -> Result<(String, String), FieldErrors> {
    let email = normalize_email(email);
    let name = full_name.trim().to_owned();
    let mut errors = FieldErrors::new();
    errors.check("email", email_problem(&email));
    errors.check("full_name", full_name_problem(&name));
    errors.check("password", policy_violation(password, &email));
    if errors.is_empty() { Ok((email, name)) } else { Err(errors) }
}

/// Who made a change to an account, for the audit log: the signed-in person,
/// or, for the operator at the command line (who has no account), the
/// account itself, as the command line has always recorded it.
fn who_changed(actor: &Actor, account_id: &str) -> Who {
    if actor.user.is_some() { Who::of(actor) } else { Who::account(account_id, None, None) }
}

/// Creates an account and, as an open registration does, links it to the
/// record HR entered for its email, or else gives it one of its own. Only an
/// actor with at least the new account's power may create it. `Ok(None)`:
/// the email already has an account.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    account: &NewAccount,
    now: Timestamp,
) -> AppResult<Option<Enrollment>> {
    actor.authorize_global(Action::ManageUsers)?;
    actor.authorize_over(account.role)?;
    conn.transaction(|conn| {
        let id = new_id();
        let new_user = NewUser {
            id: &id,
            email: &account.email,
            full_name: &account.full_name,
            password_hash: &account.password_hash,
            role: account.role.as_str(),
            active: true,
            created_at: now,
            updated_at: now,
        };
        if !user::insert(conn, &new_user)? {
            return Ok(None);
        }
        let enrollment = employee::enroll(conn, &id, &account.email, &account.full_name, now)?;
        let role = account.role.as_str();
        let detail = match &enrollment {
            Enrollment::Linked(_) => format!("{role}; linked to the employee record HR entered"),
            Enrollment::Created(_) => format!("{role}; new employee record"),
            Enrollment::Unavailable => format!("{role}; no employee record"),
        };
        let who = who_changed(actor, &id);
        audit::record(conn, now, Event::UserCreated, who.entry().email(account.email.as_str()).detail(&detail))?;
        Ok(Some(enrollment))
    })
}

const BOOTSTRAPPED: &str = "admin_bootstrapped";
pub const BOOTSTRAP_ADMIN_EMAIL: &str = "admin@hrms.local";

/// On the first start against an empty database, creates an Admin account with
/// a random password and returns its credentials; never again afterwards.
pub async fn bootstrap_admin(state: &AppState) -> AppResult<Option<(String, String)>> {
    let needed =
        state.db.run(|conn| Ok(settings::get(conn, BOOTSTRAPPED)?.is_none() && user::count(conn)? == 0)).await?;
    if !needed {
        return Ok(None);
    }
    let password = crate::auth::tokens::hex(&crate::auth::tokens::random_bytes::<12>());
    let hash = state.passwords.hash(password.clone()).await?;
    let now = state.clock.now();
    let created = state
        .db
        .transaction(move |conn| {
            // Instances starting together take turns here, and re-check:
            // exactly one creates the Admin and prints its password.
            crate::db::lock_name(conn, BOOTSTRAPPED)?;
            if settings::get(conn, BOOTSTRAPPED)?.is_some() || user::count(conn)? > 0 {
                return Ok(false);
            }
            let id = new_id();
            let admin = NewUser {
                id: &id,
                email: BOOTSTRAP_ADMIN_EMAIL,
                full_name: "Administrator",
                password_hash: &hash,
                role: Role::Admin.as_str(),
                active: true,
                created_at: now,
                updated_at: now,
            };
            if !user::insert(conn, &admin)? {
                return Ok(false);
            }
            settings::set(conn, BOOTSTRAPPED, "yes")?;
            audit::record(conn, now, Event::AdminBootstrapped, Who::account(&id, None, None).entry())?;
            Ok(true)
        })
        .await?;
    Ok(created.then(|| (BOOTSTRAP_ADMIN_EMAIL.to_owned(), password)))
}

// ---------- Changes Admins make ----------

/// What an Admin (or the operator) does to an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountChange {
    Role(Role),
    Deactivate,
    Reactivate,
    SignOutEverywhere,
}

/// How an account change went.
#[derive(Debug, PartialEq, Eq)]
pub enum Changed {
    /// Done; these sessions were revoked.
    Done(Vec<String>),
    /// The account was already like that.
    Unchanged,
}

/// Makes one change in one transaction: the change, the revocation of the
/// person's sessions, and the audit entry land together or not at all.
pub fn change_in(
    conn: &mut DbConnection,
    actor: &Actor,
    target_id: &str,
    change: AccountChange,
    now: Timestamp,
) -> AppResult<Changed> {
    conn.transaction(|conn| {
        user::lock_account_changes(conn)?;
        // The actor's own rights, as they are now: a demotion a moment ago
        // may not have reached this instance's memory yet.
        if let Some(me) = actor.user_id() {
            let me = user::find(conn, me)?;
            if !me.active || !crate::access::allows(me.role()?, Action::ManageUsers, Relation::Other) {
                return Err(AppError::forbidden(crate::access::NOT_PERMITTED));
            }
        }
        actor.authorize_global(Action::ManageUsers)?;
        let target = user::find(conn, target_id)?;
        let old_role = target.role()?;
        actor.authorize_over(old_role)?;
        let (event, reason, detail) = match change {
            AccountChange::Role(new_role) => {
                actor.authorize_over(new_role)?;
                if new_role == old_role {
                    return Ok(Changed::Unchanged);
                }
                if is_last_admin(conn, &target)? {
                    return Err(last_admin());
                }
                user::set_role(conn, &target.id, new_role, now)?;
                let detail = format!("{} -> {}", old_role.as_str(), new_role.as_str());
                (Event::RoleChanged, Some(RevokeReason::RoleChanged), detail)
            }
            AccountChange::Deactivate => {
                if actor.user_id() == Some(target.id.as_str()) {
                    return Err(AppError::conflict("Not possible", "You cannot deactivate your own account."));
                }
                if !target.active {
                    return Ok(Changed::Unchanged);
                }
                if is_last_admin(conn, &target)? {
                    return Err(last_admin());
                }
                user::set_active(conn, &target.id, false, now)?;
                (Event::UserDeactivated, Some(RevokeReason::Deactivated), String::new())
            }
            AccountChange::Reactivate => {
                if target.active {
                    return Ok(Changed::Unchanged);
                }
                user::set_active(conn, &target.id, true, now)?;
                (Event::UserReactivated, None, String::new())
            }
            AccountChange::SignOutEverywhere => {
                (Event::UserSignedOutEverywhere, Some(RevokeReason::SignedOutByAdmin), String::new())
            }
        };
        let revoked = match reason {
            Some(reason) => sessions::revoke_all_for_user(conn, &target.id, reason, now)?,
            None => Vec::new(),
        };
        // Made by the actor, about the person (email, detail).
        let mut detail = if detail.is_empty() { target.email.clone() } else { format!("{}: {detail}", target.email) };
        if reason.is_some() {
            detail.push_str(&format!("; {} session(s) signed out", revoked.len()));
        }
        let who = who_changed(actor, &target.id);
        audit::record(conn, now, event, who.entry().email(target.email.as_str()).detail(&detail))?;
        Ok(Changed::Done(revoked))
    })
}

/// `change_in` for the pages and the API: the revoked sessions die at once here.
pub async fn change(state: &AppState, actor: &Actor, target_id: String, change: AccountChange) -> AppResult<Changed> {
    let now = state.clock.now();
    let acting = actor.clone();
    let changed = state.db.run(move |conn| change_in(conn, &acting, &target_id, change, now)).await?;
    if let Changed::Done(revoked) = &changed {
        state.revoke_now(revoked);
    }
    Ok(changed)
}

/// The account `id` as an Admin sees it before changing it (the
/// confirmation page); 404 when there is none.
pub async fn for_change(state: &AppState, actor: &Actor, id: String) -> AppResult<User> {
    actor.authorize_global(Action::ManageUsers)?;
    state.db.run(move |conn| user::find(conn, &id).optional()?.ok_or(AppError::NotFound)).await
}

/// One page of the accounts whose email or name contains `q`, and how many match.
pub async fn search(
    state: &AppState,
    actor: &Actor,
    q: String,
    page: Option<String>,
) -> AppResult<(Vec<User>, crate::display::Pager)> {
    actor.authorize_global(Action::ManageUsers)?;
    state
        .db
        .run(move |conn| {
            let total = user::count_matching(conn, &q)?;
            let pager = crate::display::Pager::new(page.as_deref(), total, user::PAGE_SIZE);
            Ok((user::search(conn, &q, user::PAGE_SIZE, pager.offset())?, pager))
        })
        .await
}

// ---------- Ending and restoring employment ----------

/// What ending someone's employment does: the record is terminated with its
/// last working day and the reason given; the account linked to it (if any)
/// is deactivated and every session of it revoked; requests waiting for this
/// person's decision go to HR. Refused for one's own record, for a record
/// whose account has more power than the actor's, and when it would leave no
/// active Admin. Call inside the transaction that records it; returns the
/// revoked session ids.
pub fn end_employment(
    conn: &mut DbConnection,
    actor: &Actor,
    record: &Employee,
    last_day: Date,
    reason: Option<&str>,
    now: Timestamp,
) -> AppResult<Vec<String>> {
    actor.authorize(Action::TerminateEmployee, actor.relation_to(record))?;
    let account = match &record.user_id {
        Some(id) => user::find(conn, id).optional()?,
        None => None,
    };
    if let Some(account) = &account {
        actor.authorize_over(account.role()?)?;
        if is_last_admin(conn, account)? {
            return Err(last_admin());
        }
    }
    employee::set_terminated(conn, &record.id, last_day, reason, now)?;
    let ended = employee::find(conn, &record.id)?;
    leave::reroute_waiting_of_reports(conn, &ended, now)?;
    match account {
        Some(account) => {
            user::set_active(conn, &account.id, false, now)?;
            Ok(sessions::revoke_all_for_user(conn, &account.id, RevokeReason::Deactivated, now)?)
        }
        None => Ok(Vec::new()),
    }
}

// ---------- One's own password and sessions ----------

/// The password form as sent.
pub struct PasswordInput {
    pub current_password: String,
    pub new_password: String,
    pub new_password_confirm: String,
}

/// Why a password change did not happen, beside the field messages.
pub enum PasswordRefused {
    /// Too many wrong passwords for this account or address: wait this many seconds.
    Throttled(u64),
}

/// Changes one's own password: the current one is checked (and wrong ones are
/// counted like failed sign-ins), the new one must meet the policy, and every
/// other session ends. `Invalid` names `current_password`, `new_password`,
/// `new_password_confirm`; a change made meanwhile from another session is a
/// `Conflict` with a message for `current_password`.
pub async fn change_password(
    state: &AppState,
    actor: &Actor,
    input: PasswordInput,
) -> AppResult<Result<(), PasswordRefused>> {
    actor.authorize(Action::ManageOwnAccount, Relation::Own)?;
    let me = actor.account()?.clone();
    let ip = actor.ip.clone().unwrap_or_default();
    let now = state.clock.now();
    let policy = state.config.throttle;
    let who = Who::of(actor);
    let account = {
        let user_id = me.user_id.clone();
        state.db.run(move |conn| Ok(user::find(conn, &user_id)?)).await?
    };

    let mut errors = FieldErrors::new();
    if input.current_password.is_empty() {
        errors.add("current_password", "Enter your current password.");
    }
    errors.check("new_password", policy_violation(&input.new_password, &account.email));
    if input.new_password == input.current_password {
        errors.add("new_password", "Choose a password different from your current one.");
    }
    if input.new_password != input.new_password_confirm {
        errors.add("new_password_confirm", "The new passwords do not match.");
    }
    // The current password is checked through the sign-in counter: a slot
    // is reserved before bcrypt runs, and given back when it was right.
    let mut slots = Vec::new();
    if !errors.has("current_password") {
        let keys = Keys::new(&account.email, &ip, &policy);
        let reserved = state.db.atomic(move |conn| Ok(throttle::reserve(conn, &keys, now, policy.window)?)).await?;
        slots = match reserved {
            Ok(slots) => slots,
            Err(secs) => {
                state.metrics.count(Counter::SignInThrottled);
                return Ok(Err(PasswordRefused::Throttled(secs)));
            }
        };
        let current_ok =
            state.passwords.verify(input.current_password.clone(), Some(account.password_hash.clone())).await?;
        if !current_ok {
            let (email, who) = (account.email.clone(), who.clone());
            state
                .db
                .transaction(move |conn| {
                    audit::record(conn, now, Event::PasswordChangeFailed, who.entry().email(email.as_str()))
                })
                .await?;
            errors.add("current_password", "This is not your current password.");
            slots.clear();
        }
    }
    if !errors.is_empty() {
        if !slots.is_empty() {
            state.db.transaction(move |conn| throttle::give_back(conn, &slots)).await?;
        }
        return Err(AppError::Invalid(errors));
    }

    let new_hash = state.passwords.hash(input.new_password).await?;
    let (email, old_hash) = (account.email.clone(), account.password_hash.clone());
    let (name, ctx) = (account.full_name.clone(), state.mail.clone());
    let (user_id, session_id) = (me.user_id.clone(), me.session_id.clone());
    let revoked = state
        .db
        .atomic(move |conn| {
            // The conditional write comes first: SQLite takes its write lock
            // before anything is read, and of two racing changes one wins.
            if !user::replace_password_hash(conn, &user_id, &old_hash, &new_hash, now)? {
                return Err(AppError::conflict(
                    "Password changed elsewhere",
                    "Your password was changed a moment ago from another session. Enter the new one.",
                ));
            }
            // A session revoked a moment ago elsewhere may not change the password.
            if !sessions::find(conn, &session_id)?.is_live(now) {
                return Err(AppError::forbidden("Your session has ended. Sign in again."));
            }
            let revoked =
                sessions::revoke_others_for_user(conn, &user_id, &session_id, RevokeReason::PasswordChanged, now)?;
            throttle::give_back(conn, &slots)?;
            throttle::clear_account(conn, &Keys::new(&email, &ip, &policy))?;
            let detail = format!("{} other session(s) signed out", revoked.len());
            audit::record(conn, now, Event::PasswordChanged, who.entry().email(email.as_str()).detail(&detail))?;
            let letter = letters::password_changed(&ctx, &email, &name, now, &ip);
            outbox::enqueue(conn, &ctx, &letter, now)?;
            Ok(revoked)
        })
        .await?;
    state.revoke_now(&revoked);
    Ok(Ok(()))
}

/// One's own account.
pub async fn own_account(state: &AppState, actor: &Actor) -> AppResult<User> {
    actor.authorize(Action::ManageOwnAccount, Relation::Own)?;
    let user_id = actor.account()?.user_id.clone();
    state.db.run(move |conn| Ok(user::find(conn, &user_id)?)).await
}

/// One's own sessions that can still be used, most recently active first.
pub async fn live_sessions(state: &AppState, actor: &Actor) -> AppResult<Vec<Session>> {
    actor.authorize(Action::ManageOwnAccount, Relation::Own)?;
    let user_id = actor.account()?.user_id.clone();
    let now = state.clock.now();
    state.db.run(move |conn| Ok(sessions::live_for_user(conn, &user_id, now)?)).await
}

/// Signs out one of one's own sessions (not this one: that is signing out).
/// `Ok(false)`: it had already ended. Anyone else's session id is answered
/// as if it did not exist.
pub async fn revoke_session(state: &AppState, actor: &Actor, session_id: String) -> AppResult<bool> {
    actor.authorize(Action::ManageOwnAccount, Relation::Own)?;
    let me = actor.account()?;
    if session_id == me.session_id {
        return Err(AppError::BadRequest("This is the session you are using now. To end it, sign out.".into()));
    }
    let now = state.clock.now();
    let (user_id, current, who) = (me.user_id.clone(), me.session_id.clone(), Who::of(actor));
    let target = session_id.clone();
    let revoked = state
        .db
        .atomic(move |conn| {
            if sessions::revoke_for_user(conn, &target, &user_id, RevokeReason::SignedOutByUser, now)? {
                let detail = format!("from session {}", crate::display::short_id(&current));
                audit::record(conn, now, Event::SessionRevoked, who.in_session(&target).entry().detail(&detail))?;
                return Ok(true);
            }
            // Nothing revoked: already ended if it is theirs, otherwise not theirs to know about.
            match sessions::find(conn, &target).optional()? {
                Some(s) if s.user_id == user_id => Ok(false),
                _ => Err(AppError::NotFound),
            }
        })
        .await?;
    if revoked {
        state.revoke_now(&[session_id]);
    }
    Ok(revoked)
}

/// Signs out every one of one's sessions but this one.
pub async fn revoke_other_sessions(state: &AppState, actor: &Actor) -> AppResult<usize> {
    actor.authorize(Action::ManageOwnAccount, Relation::Own)?;
    let me = actor.account()?;
    let now = state.clock.now();
    let (user_id, current, who) = (me.user_id.clone(), me.session_id.clone(), Who::of(actor));
    let revoked = state
        .db
        .transaction(move |conn| {
            let ids = sessions::revoke_others_for_user(conn, &user_id, &current, RevokeReason::SignedOutByUser, now)?;
            let detail = format!("{} session(s) signed out", ids.len());
            audit::record(conn, now, Event::OtherSessionsRevoked, who.entry().detail(&detail))?;
            Ok(ids)
        })
        .await?;
    state.revoke_now(&revoked);
    Ok(revoked.len())
}

// ---------- Notification settings ----------

/// Whether the actor gets leave notifications by mail.
pub async fn leave_notifications(state: &AppState, actor: &Actor) -> AppResult<bool> {
    actor.authorize(Action::ManageOwnAccount, Relation::Own)?;
    let user_id = actor.account()?.user_id.clone();
    state.db.run(move |conn| Ok(user::find(conn, &user_id)?.leave_notifications)).await
}

/// Turns one's leave notifications on or off. Security notices (password
/// changed, a new browser) are always sent.
pub async fn set_leave_notifications(state: &AppState, actor: &Actor, on: bool) -> AppResult<()> {
    actor.authorize(Action::ManageOwnAccount, Relation::Own)?;
    let user_id = actor.account()?.user_id.clone();
    let (who, now) = (Who::of(actor), state.clock.now());
    state
        .db
        .atomic(move |conn| {
            user::set_leave_notifications(conn, &user_id, on, now)?;
            let detail = if on { "leave notifications on" } else { "leave notifications off" };
            audit::record(conn, now, Event::NotificationsChanged, who.entry().detail(detail))?;
            Ok(())
        })
        .await
}
