//! The users list for admins: change a role, deactivate or reactivate an
//! account, sign someone out everywhere. Every change that takes rights away
//! ends the person's sessions in the same transaction, and at once on every
//! instance.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use diesel::Connection;
use serde::Deserialize;

use crate::access::{Action, Actor};
use crate::auth::middleware::Client;
use crate::auth::sessions::{self, RevokeReason};
use crate::error::{AppError, AppResult};
use crate::forms::{CsrfForm, CsrfProtected};
use crate::handlers::display::{Pager, date};
use crate::models::audit::{self, Event};
use crate::models::user::{self, PAGE_SIZE, Role, User};
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{Layout, ok_page, render_page};

const USERS_PATH: &str = "/admin/users";
/// Longer searches are cut: nobody's name or email is longer.
const MAX_QUERY_CHARS: usize = 254;

pub struct UserRow {
    pub id: String,
    pub full_name: String,
    pub email: String,
    pub role: Role,
    pub active: bool,
    pub created: String,
    /// The admin looking at the list.
    pub is_self: bool,
}

#[derive(askama::Template)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub q: String,
    pub page: i64,
    pub pager: Pager,
    pub users: Vec<UserRow>,
    pub roles: [Role; 3],
    pub notice: Option<&'static str>,
}

#[derive(askama::Template)]
#[template(path = "admin/refused.html")]
pub struct RefusedPage {
    pub layout: Layout,
    pub message: String,
    pub back: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct UsersQuery {
    q: Option<String>,
    page: Option<String>,
    done: Option<String>,
}

fn clean_query(q: &str) -> String {
    q.trim().chars().take(MAX_QUERY_CHARS).collect()
}

/// The message after a change; fixed texts chosen by key, never the query's words.
fn notice(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "role" => {
            Some("Role changed. The person was signed out everywhere and gets the new role at their next sign-in.")
        }
        "deactivated" => Some("Account deactivated and signed out everywhere."),
        "reactivated" => Some("Account reactivated: the person can sign in again."),
        "signed-out" => Some("The person was signed out everywhere."),
        "unchanged" => Some("Nothing changed: the account was already like that."),
        _ => None,
    }
}

pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    query: Result<Query<UsersQuery>, QueryRejection>,
) -> AppResult<Response> {
    actor.authorize_global(Action::ManageUsers)?;
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let q = clean_query(query.q.as_deref().unwrap_or_default());
    let requested = query.page.clone();
    let (users, pager) = {
        let q = q.clone();
        state
            .db
            .run(move |conn| {
                let total = user::count_matching(conn, &q)?;
                let pager = Pager::new(requested.as_deref(), total, PAGE_SIZE);
                Ok((user::search(conn, &q, PAGE_SIZE, pager.offset())?, pager))
            })
            .await?
    };
    let users = users.into_iter().map(|u| row(u, &actor.user.user_id)).collect::<AppResult<Vec<_>>>()?;
    Ok(ok_page(&UsersPage {
        layout: page.layout(),
        csrf_token: page.csrf_token.clone(),
        page: pager.page,
        pager: pager.with_links(USERS_PATH, &[("q", &q)]),
        q,
        users,
        roles: [Role::Employee, Role::Hr, Role::Admin],
        notice: notice(query.done.as_deref()),
    }))
}

fn row(u: User, me: &str) -> AppResult<UserRow> {
    Ok(UserRow {
        role: u.role()?,
        is_self: u.id == me,
        created: date(u.created_at),
        id: u.id,
        full_name: u.full_name,
        email: u.email,
        active: u.active,
    })
}

/// The forms on the list carry the search and page, to come back to the same place.
#[derive(Debug, Deserialize)]
pub struct UserActionForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: String,
    #[serde(default)]
    csrf_token: String,
}

impl CsrfProtected for UserActionForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

impl UserActionForm {
    fn back(&self, done: Option<&str>) -> String {
        let page = self.page.trim().parse::<i64>().unwrap_or(1).max(1);
        let q = clean_query(&self.q);
        let href = crate::handlers::display::page_href(USERS_PATH, &[("q", &q)], page);
        match done {
            Some(done) => {
                let sep = if href.contains('?') { '&' } else { '?' };
                format!("{href}{sep}done={done}")
            }
            None => href,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Change {
    Role(Role),
    Deactivate,
    Reactivate,
    SignOut,
}

enum Outcome {
    /// Done; these sessions were revoked.
    Done(Vec<String>),
    Unchanged,
    Refused(String),
}

pub async fn change_role(
    state: State<AppState>,
    actor: Actor,
    page: Page,
    client: Client,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<UserActionForm>,
) -> AppResult<Response> {
    actor.authorize_global(Action::ManageUsers)?;
    let role: Role =
        form.role.parse().map_err(|_| AppError::BadRequest("Choose a role: Employee, HR or Admin.".into()))?;
    apply(state, actor, page, client, id, form, Change::Role(role)).await
}

pub async fn deactivate(
    state: State<AppState>,
    actor: Actor,
    page: Page,
    client: Client,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<UserActionForm>,
) -> AppResult<Response> {
    actor.authorize_global(Action::ManageUsers)?;
    apply(state, actor, page, client, id, form, Change::Deactivate).await
}

pub async fn reactivate(
    state: State<AppState>,
    actor: Actor,
    page: Page,
    client: Client,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<UserActionForm>,
) -> AppResult<Response> {
    actor.authorize_global(Action::ManageUsers)?;
    apply(state, actor, page, client, id, form, Change::Reactivate).await
}

pub async fn sign_out(
    state: State<AppState>,
    actor: Actor,
    page: Page,
    client: Client,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<UserActionForm>,
) -> AppResult<Response> {
    actor.authorize_global(Action::ManageUsers)?;
    apply(state, actor, page, client, id, form, Change::SignOut).await
}

const LAST_ADMIN: &str = "This is the last active Admin account. Make someone else an Admin first, \
                          so that somebody can still manage users.";

/// Makes one change in one transaction: the change, the revocation of the
/// person's sessions, and the audit entry land together or not at all.
async fn apply(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    client: Client,
    target_id: String,
    form: UserActionForm,
    change: Change,
) -> AppResult<Response> {
    let now = state.clock.now();
    let (actor_id, actor_session, ip) = (actor.user.user_id.clone(), actor.user.session_id.clone(), client.ip);
    let outcome = state
        .db
        .run(move |conn| {
            conn.transaction::<_, AppError, _>(|conn| {
                user::lock_account_changes(conn)?;
                // The admin's own rights, as they are now: a demotion a moment
                // ago may not have reached this instance's memory yet.
                let me = user::find(conn, &actor_id)?;
                if !me.active || me.role()? != Role::Admin {
                    return Err(AppError::Forbidden("You do not have permission to do this.".into()));
                }
                let target = user::find(conn, &target_id)?;
                let old_role = target.role()?;
                let is_last_admin = target.active && old_role == Role::Admin && user::count_active_admins(conn)? <= 1;
                let (event, reason, detail) = match change {
                    Change::Role(new_role) => {
                        if new_role == old_role {
                            return Ok(Outcome::Unchanged);
                        }
                        if is_last_admin {
                            return Ok(Outcome::Refused(LAST_ADMIN.into()));
                        }
                        user::set_role(conn, &target.id, new_role, now)?;
                        let detail = format!("{} -> {}", old_role.as_str(), new_role.as_str());
                        (Event::RoleChanged, Some(RevokeReason::RoleChanged), detail)
                    }
                    Change::Deactivate => {
                        if target.id == actor_id {
                            return Ok(Outcome::Refused("You cannot deactivate your own account.".into()));
                        }
                        if !target.active {
                            return Ok(Outcome::Unchanged);
                        }
                        if is_last_admin {
                            return Ok(Outcome::Refused(LAST_ADMIN.into()));
                        }
                        user::set_active(conn, &target.id, false, now)?;
                        (Event::UserDeactivated, Some(RevokeReason::Deactivated), String::new())
                    }
                    Change::Reactivate => {
                        if target.active {
                            return Ok(Outcome::Unchanged);
                        }
                        user::set_active(conn, &target.id, true, now)?;
                        (Event::UserReactivated, None, String::new())
                    }
                    Change::SignOut => {
                        (Event::UserSignedOutEverywhere, Some(RevokeReason::SignedOutByAdmin), String::new())
                    }
                };
                let revoked = match reason {
                    Some(reason) => sessions::revoke_all_for_user(conn, &target.id, reason, now)?,
                    None => Vec::new(),
                };
                // Made by the admin (user, session, IP), about the person (email, detail).
                let mut detail =
                    if detail.is_empty() { target.email.clone() } else { format!("{}: {detail}", target.email) };
                if reason.is_some() {
                    detail.push_str(&format!("; {} session(s) signed out", revoked.len()));
                }
                let entry = audit::Entry {
                    user_id: Some(&actor_id),
                    email: Some(&target.email),
                    session_id: Some(&actor_session),
                    ip: Some(&ip),
                    detail: Some(&detail),
                };
                audit::record(conn, now, event, entry)?;
                Ok(Outcome::Done(revoked))
            })
        })
        .await?;
    match outcome {
        Outcome::Done(revoked) => {
            // This instance refuses their access tokens from now on; the others
            // learn it from the database.
            for id in &revoked {
                state.revoked.insert(id, now);
            }
            let done = match change {
                Change::Role(_) => "role",
                Change::Deactivate => "deactivated",
                Change::Reactivate => "reactivated",
                Change::SignOut => "signed-out",
            };
            Ok(Redirect::to(&form.back(Some(done))).into_response())
        }
        Outcome::Unchanged => Ok(Redirect::to(&form.back(Some("unchanged"))).into_response()),
        Outcome::Refused(message) => Ok(render_page(
            StatusCode::CONFLICT,
            &RefusedPage { layout: page.layout(), message, back: form.back(None) },
        )),
    }
}
