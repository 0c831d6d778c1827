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

/// What the Approvals tab needs to know of the person signed in.
///
/// Read from the database on every page render for signed-in people: one
/// count on an index (`leave_requests_approver`, or the status index for HR),
/// plus, when nothing waits, one indexed look-up for direct reports. A claim
/// in the access token would cost nothing but go stale for the token's
/// lifetime after every request and decision, which is exactly when the
/// count matters. `None` when it cannot be read (the database is down): the
/// page still renders, `access::navigation` decides what to show then.
pub async fn queue_facts(state: &AppState, user: Option<&CurrentUser>) -> Option<access::QueueFacts> {
    let user = user?;
    crate::domain::leave::approvals::tab_facts(state, user).await.ok()
}

/// The shared layout for someone (or no one) signed in, on `path`, with
/// their `queue` (see `queue_facts`).
pub fn layout(
    state: &AppState,
    user: Option<&CurrentUser>,
    pre_session: &str,
    path: &str,
    queue: Option<access::QueueFacts>,
) -> Layout {
    let binding = match user {
        Some(u) => Binding::Session(&u.session_id),
        None => Binding::PreSession(pre_session),
    };
    Layout {
        user: user.map(|u| NavUser {
            name: u.name.clone(),
            role_label: u.role.label(),
            links: access::navigation(u.role, queue),
        }),
        csrf_token: state.csrf.token(binding),
        registration_open: state.config.registration == crate::config::Registration::Open,
        current_path: path.to_owned(),
    }
}

impl Page {
    /// The same page with the Approvals tab read again: for a page rendered
    /// after decisions that changed what waits.
    pub async fn with_fresh_queue(mut self, state: &AppState) -> Self {
        if let (Some(user), Some(nav)) = (&self.user, self.layout.user.as_mut()) {
            nav.links = access::navigation(user.role, queue_facts(state, Some(user)).await);
        }
        self
    }
}

impl FromRequestParts<AppState> for Page {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let user = parts.extensions.get::<CurrentUser>().cloned();
        let pre_session = parts.extensions.get::<PreSession>().map(|p| p.0.as_str()).unwrap_or_default();
        let queue = queue_facts(state, user.as_ref()).await;
        let layout = layout(state, user.as_ref(), pre_session, parts.uri.path(), queue);
        Ok(Page { user, layout })
    }
}
