//! The users list for admins: change a role, deactivate or reactivate an
//! account, sign someone out everywhere. The rules (the last Admin, nobody
//! acting above their own power, sessions ending at once) are in
//! `domain::accounts`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::access::Actor;
use crate::display::{Pager, date};
use crate::domain::accounts::{self, AccountChange, Changed};
use crate::error::{AppError, AppResult};
use crate::forms::{CsrfForm, CsrfProtected};
use crate::models::user::{Role, User};
use crate::notice::{Notice, Shown};
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{ConfirmPage, Layout, filters, ok_page, render_page};

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
    /// `?q=…&page=…`: where the confirmation pages come back to.
    pub place: String,
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
}

fn clean_query(q: &str) -> String {
    q.trim().chars().take(MAX_QUERY_CHARS).collect()
}

pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    shown: Shown,
    query: Result<axum::extract::Query<UsersQuery>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Response> {
    let query = query.map(|axum::extract::Query(q)| q).unwrap_or_default();
    let q = clean_query(query.q.as_deref().unwrap_or_default());
    let (users, pager) = accounts::search(&state, &actor, q.clone(), query.page.clone()).await?;
    let me = actor.user_id().unwrap_or_default().to_owned();
    let users = users.into_iter().map(|u| row(u, &me)).collect::<AppResult<Vec<_>>>()?;
    Ok(ok_page(&UsersPage {
        layout: page.layout(),
        csrf_token: page.csrf_token(),
        page: pager.page,
        place: format!("?{}", place_query(&q, pager.page)),
        pager: pager.with_links(USERS_PATH, &[("q", &q)]),
        q,
        users,
        roles: [Role::Employee, Role::Hr, Role::Admin],
        notice: shown.text(),
    }))
}

/// `q=…&page=…`, for the links that must come back to this place in the list.
fn place_query(q: &str, page: i64) -> String {
    serde_urlencoded::to_string([("q", q), ("page", &page.to_string())]).unwrap_or_default()
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

/// The forms on the list carry the search and page, to come back to the same
/// place (and so does the address of the confirmation page).
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
    /// Back to the same search and page.
    fn back(&self) -> String {
        let page = self.page.trim().parse::<i64>().unwrap_or(1).max(1);
        let q = clean_query(&self.q);
        crate::display::page_href(USERS_PATH, &[("q", &q)], page)
    }
}

/// `GET /admin/users/{id}/deactivate`: what deactivating the account does,
/// and the button that does it (`act`); the search and page come along to
/// return to the same place in the list. Other actions have no such page.
pub async fn confirm(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    Path((id, action)): Path<(String, String)>,
    query: Result<axum::extract::Query<UserActionForm>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Response> {
    if action != "deactivate" {
        return Err(AppError::NotFound);
    }
    let axum::extract::Query(place) =
        query.map_err(|_| AppError::BadRequest("The address of this page is not one the portal made.".into()))?;
    let account = accounts::for_change(&state, &actor, id).await?;
    let back = place.back();
    if !account.active {
        return Ok(Notice::Unchanged.redirect(&back));
    }
    let name = account.full_name.clone();
    Ok(ok_page(&ConfirmPage {
        layout: page.layout(),
        csrf_token: page.csrf_token(),
        title: format!("Deactivate {name}’s account?"),
        subject: format!("{name} · {} · {}", account.email, account.role()?.label()),
        consequences: vec![
            format!("{name} can no longer sign in, and every session of the account ends at once, on every device."),
            "Their employee record stays as it is: to end their employment, use End employment on their profile."
                .to_owned(),
            "An Admin can reactivate the account later; the sessions ended now do not come back.".to_owned(),
        ],
        action: format!("/admin/users/{}/deactivate", account.id),
        fields: vec![("q", clean_query(&place.q)), ("page", place.page.trim().to_owned())],
        confirm_label: "Deactivate the account".to_owned(),
        back_label: "Keep it active".to_owned(),
        back_href: back,
        crumb: "Users".to_owned(),
    }))
}

/// `POST /admin/users/{id}/{action}`: `role`, `deactivate`, `reactivate`,
/// `sign-out` or `send-reset` (mails a password reset link). Refusals (the last Admin, one's own account) come back as a
/// page that links back to the same place in the list.
pub async fn act(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    Path((id, action)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<UserActionForm>,
) -> AppResult<Response> {
    let refused = |message: String| {
        render_page(StatusCode::CONFLICT, &RefusedPage { layout: page.layout(), message, back: form.back() })
    };
    if action == "send-reset" {
        return match crate::domain::accounts::requests::send_password_reset(&state, &actor, id).await {
            Ok(_) => Ok(Notice::ResetSent.redirect(&form.back())),
            Err(AppError::Conflict { message, .. }) => Ok(refused(message)),
            Err(e) => Err(e),
        };
    }
    let (change, done) = match action.as_str() {
        "role" => {
            let role: Role =
                form.role.parse().map_err(|_| AppError::BadRequest("Choose a role: Employee, HR or Admin.".into()))?;
            (AccountChange::Role(role), Notice::RoleChanged)
        }
        "deactivate" => (AccountChange::Deactivate, Notice::Deactivated),
        "reactivate" => (AccountChange::Reactivate, Notice::Reactivated),
        "sign-out" => (AccountChange::SignOutEverywhere, Notice::SignedOutEverywhere),
        _ => return Err(AppError::NotFound),
    };
    match accounts::change(&state, &actor, id, change).await {
        Ok(Changed::Done(_)) => Ok(done.redirect(&form.back())),
        Ok(Changed::Unchanged) => Ok(Notice::Unchanged.redirect(&form.back())),
        Err(AppError::Conflict { message, .. }) => Ok(refused(message)),
        Err(e) => Err(e),
    }
}
