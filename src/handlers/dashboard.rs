use axum::extract::State;
use axum::response::Response;
use time::macros::format_description;

use crate::access::{self, Action};
use crate::auth::middleware::CurrentUser;
use crate::auth::sessions;
use crate::clock::Timestamp;
use crate::error::AppResult;
use crate::models::user;
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{DashboardPage, ok_page};

fn long_date(t: Timestamp) -> String {
    t.format(format_description!("[day padding:none] [month repr:long] [year]")).unwrap_or_default()
}

fn date_time(t: Timestamp) -> String {
    t.format(format_description!("[day padding:none] [month repr:short] [year], [hour]:[minute] UTC"))
        .unwrap_or_default()
}

pub async fn show(State(state): State<AppState>, user: CurrentUser, page: Page) -> AppResult<Response> {
    access::authorize(&user, Action::ViewOwnDashboard)?;
    let (user_id, session_id) = (user.user_id.clone(), user.session_id.clone());
    let (account, session) =
        state.db.run(move |conn| Ok((user::find(conn, &user_id)?, sessions::find(conn, &session_id)?))).await?;
    let role = account.role()?;
    Ok(ok_page(&DashboardPage {
        layout: page.layout(),
        full_name: account.full_name,
        email: account.email,
        role_label: role.label(),
        member_since: long_date(account.created_at),
        session_started: date_time(session.created_at),
    }))
}
