//! `Page`: what every handler needs to render the shared layout (who is signed
//! in, the CSRF token for the forms on the page).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::access;
use crate::auth::csrf::Binding;
use crate::auth::middleware::{CurrentUser, PreSession};
use crate::state::AppState;
use crate::templates::{Layout, NavUser};

pub struct Page {
    pub user: Option<CurrentUser>,
    layout: Layout,
}

impl Page {
    pub fn layout(&self) -> Layout {
        self.layout.clone()
    }

    /// For the forms on this page: bound to the session when signed in,
    /// otherwise to the pre-session cookie.
    pub fn csrf_token(&self) -> String {
        self.layout.csrf_token.clone()
    }
}

/// The shared layout for someone (or no one) signed in, on `path`.
pub fn layout(state: &AppState, user: Option<&CurrentUser>, pre_session: &str, path: &str) -> Layout {
    let binding = match user {
        Some(u) => Binding::Session(&u.session_id),
        None => Binding::PreSession(pre_session),
    };
    Layout {
        user: user.map(|u| NavUser {
            name: u.name.clone(),
            role_label: u.role.label(),
            links: access::navigation(u.role),
        }),
        csrf_token: state.csrf.token(binding),
        registration_open: state.config.registration == crate::config::Registration::Open,
        current_path: path.to_owned(),
    }
}

impl FromRequestParts<AppState> for Page {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let user = parts.extensions.get::<CurrentUser>().cloned();
        let pre_session = parts.extensions.get::<PreSession>().map(|p| p.0.as_str()).unwrap_or_default();
        let layout = layout(state, user.as_ref(), pre_session, parts.uri.path());
        Ok(Page { user, layout })
    }
}
