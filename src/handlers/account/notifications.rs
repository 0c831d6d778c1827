//! `GET/POST /account/notifications`: whether leave notifications are mailed.
//! Security notices (password changed, a new browser) are always sent.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

use crate::access::Actor;
use crate::domain::accounts;
use crate::error::AppResult;
use crate::forms::{CsrfForm, CsrfProtected};
use crate::notice::{Notice, Shown};
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{Layout, ok_page};

const NOTIFICATIONS_PATH: &str = "/account/notifications";

#[derive(askama::Template)]
#[template(path = "account/notifications.html")]
pub struct NotificationsPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub leave: bool,
    pub notice: Option<&'static str>,
}

pub async fn form(State(state): State<AppState>, actor: Actor, page: Page, shown: Shown) -> AppResult<Response> {
    let leave = accounts::leave_notifications(&state, &actor).await?;
    Ok(ok_page(&NotificationsPage {
        layout: page.layout(),
        csrf_token: page.csrf_token(),
        leave,
        notice: shown.text(),
    }))
}

/// An unticked checkbox is not sent at all: its absence means "off".
#[derive(Debug, Deserialize)]
pub struct NotificationsForm {
    #[serde(default)]
    leave: Option<String>,
    #[serde(default)]
    csrf_token: String,
}

impl CsrfProtected for NotificationsForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

pub async fn submit(
    State(state): State<AppState>,
    actor: Actor,
    CsrfForm(form): CsrfForm<NotificationsForm>,
) -> AppResult<Response> {
    accounts::set_leave_notifications(&state, &actor, form.leave.is_some()).await?;
    Ok(Notice::NotificationsSaved.redirect(NOTIFICATIONS_PATH))
}
