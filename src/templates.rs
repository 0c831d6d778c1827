//! Page templates (askama, auto-escaped) and the one function that renders them.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// What the shared layout needs on every page.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    /// Who is signed in, for the navigation bar.
    pub user: Option<NavUser>,
    /// CSRF token for the forms in the layout (the sign-out button).
    pub csrf_token: String,
    /// Whether to offer the registration link.
    pub registration_open: bool,
    /// The path of this page, to mark the current navigation link.
    pub current_path: String,
}

#[derive(Clone, Debug)]
pub struct NavUser {
    pub name: String,
    pub role_label: &'static str,
    /// The navigation links this person may follow: (path, label).
    pub links: Vec<(&'static str, String)>,
}

/// Renders a template into a response with the given status. A template that
/// fails to render is a bug: the person gets a plain 500, the cause is logged.
pub fn render_page<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "Something went wrong. It has been logged.",
            )
                .into_response()
        }
    }
}

/// Shorthand for a 200 page.
pub fn ok_page<T: Template>(page: &T) -> Response {
    render_page(StatusCode::OK, page)
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub status: u16,
    pub title: &'static str,
    pub message: String,
}

#[derive(Template, Default)]
#[template(path = "auth/login.html")]
pub struct LoginPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub email: String,
    pub next: String,
    /// Shown above the form in red: wrong credentials, throttling.
    pub error: Option<String>,
    /// Shown above the form in green/blue: account created, signed out.
    pub notice: Option<String>,
    /// Offer "Keep me signed in on this device" (`--remember-me` not `off`).
    pub offer_remember: bool,
}

#[derive(Template, Default)]
#[template(path = "auth/register.html")]
pub struct RegisterPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub full_name: String,
    pub email: String,
    pub errors: crate::error::FieldErrors,
    /// Shown above the form: too many requests.
    pub error: Option<String>,
}

/// "Check your inbox": the one answer of the sign-up and forgot-password forms.
#[derive(Template)]
#[template(path = "auth/check_inbox.html")]
pub struct CheckInboxPage {
    pub layout: Layout,
    pub title: &'static str,
    pub message: String,
}

#[derive(Template, Default)]
#[template(path = "auth/forgot.html")]
pub struct ForgotPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub email: String,
    pub errors: crate::error::FieldErrors,
    pub error: Option<String>,
}

/// The page a mailed link opens: choose a password.
#[derive(Template)]
#[template(path = "auth/choose_password.html")]
pub struct ChoosePasswordPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub title: &'static str,
    pub lead: String,
    pub email: String,
    pub action: String,
    pub button: &'static str,
    pub errors: crate::error::FieldErrors,
    pub error: Option<String>,
}

/// A link that cannot be followed, and what to do instead.
#[derive(Template)]
#[template(path = "auth/link_problem.html")]
pub struct LinkProblemPage {
    pub layout: Layout,
    pub title: &'static str,
    pub message: String,
    /// (label, href) of the way to ask again.
    pub again: Option<(&'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "auth/registration_closed.html")]
pub struct RegistrationClosedPage {
    pub layout: Layout,
    /// `--registration invite`: HR's invitations are the way in.
    pub invite_only: bool,
}

#[derive(Template)]
#[template(path = "auth/logout.html")]
pub struct LogoutPage {
    pub layout: Layout,
}
