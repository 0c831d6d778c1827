use axum::extract::State;
use axum::response::Response;
use time::macros::format_description;

use crate::access::{Action, Actor};
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

/// "Firefox on Linux" from a User-Agent header: enough for a person to recognise a device.
pub fn browser_label(user_agent: &str) -> String {
    let has = |needle: &str| user_agent.contains(needle);
    let browser = if has("Edg/") {
        "Edge"
    } else if has("Firefox/") {
        "Firefox"
    } else if has("Chrome/") || has("Chromium/") {
        "Chrome"
    } else if has("Safari/") {
        "Safari"
    } else {
        return if user_agent.trim().is_empty() { "Unknown browser".into() } else { "Other browser".into() };
    };
    let os = if has("Android") {
        " on Android"
    } else if has("iPhone") || has("iPad") {
        " on iOS"
    } else if has("Windows") {
        " on Windows"
    } else if has("Mac OS X") {
        " on macOS"
    } else if has("Linux") {
        " on Linux"
    } else {
        ""
    };
    format!("{browser}{os}")
}

pub async fn show(State(state): State<AppState>, actor: Actor, page: Page) -> AppResult<Response> {
    actor.authorize_global(Action::ViewDashboard)?;
    let (user_id, session_id) = (actor.user.user_id.clone(), actor.user.session_id.clone());
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
        session_last_active: date_time(session.last_used_at),
        session_browser: browser_label(&session.user_agent),
        session_ip: session.ip,
    }))
}

#[cfg(test)]
mod tests {
    use super::browser_label;

    #[test]
    fn browsers_are_named_from_their_user_agent() {
        let chrome_linux =
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0 Safari/537.36";
        assert_eq!(browser_label(chrome_linux), "Chrome on Linux");
        let firefox_win = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:130.0) Gecko/20100101 Firefox/130.0";
        assert_eq!(browser_label(firefox_win), "Firefox on Windows");
        let safari_ios = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(browser_label(safari_ios), "Safari on iOS");
        assert_eq!(browser_label(""), "Unknown browser");
        assert_eq!(browser_label("curl/8.0"), "Other browser");
    }
}
