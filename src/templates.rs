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

/// The page an action that cannot be undone goes through first: what will
/// happen, the confirming POST form (with the CSRF token and any fields the
/// action needs), and a way back that changes nothing. Works without JavaScript.
#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub layout: Layout,
    pub csrf_token: String,
    /// The page's heading, a question: "Deactivate Tom Leaving's account?"
    pub title: String,
    /// What the action is about, in one line.
    pub subject: String,
    /// What will happen, one consequence a line.
    pub consequences: Vec<String>,
    /// The POST address that does it.
    pub action: String,
    /// Hidden fields the action needs beside the token: (name, value).
    pub fields: Vec<(&'static str, String)>,
    pub confirm_label: String,
    /// Where "keep it" goes, and what its button says.
    pub back_href: String,
    pub back_label: String,
    /// The breadcrumb to the same place: "Users", "Leave settings".
    pub crumb: String,
}

/// Filters for the page templates. A module whose template uses one brings
/// them into scope with `use crate::templates::filters;` (askama looks for
/// `filters::name` next to the template's struct).
pub mod filters {
    use std::fmt::Display;

    use askama::filters::{Escaper, Html, Safe};

    /// `{{ email|email_break }}`: an address that may wrap only before its `@`.
    /// The two halves are HTML-escaped and each kept whole by the `.email-part`
    /// style, so "ann.example" and "@company.com" never break mid-word (a half
    /// wider than its box still breaks rather than overflow).
    #[askama::filter_fn]
    pub fn email_break(email: impl Display, _: &dyn askama::Values) -> askama::Result<Safe<String>> {
        Ok(Safe(email_html(&email.to_string())))
    }

    fn email_html(email: &str) -> String {
        let part = |html: &mut String, text: &str| {
            html.push_str(r#"<span class="email-part">"#);
            // Writing into a String cannot fail.
            let _ = Html.write_escaped_str(&mut *html, text);
            html.push_str("</span>");
        };
        let mut html = String::from(r#"<span class="email">"#);
        match email.rsplit_once('@') {
            Some((local, domain)) => {
                part(&mut html, local);
                html.push_str("<wbr>");
                part(&mut html, &format!("@{domain}"));
            }
            None => part(&mut html, email),
        }
        html.push_str("</span>");
        html
    }

    #[cfg(test)]
    mod tests {
        use super::email_html;

        #[test]
        fn emails_break_only_before_the_at_and_stay_escaped() {
            assert_eq!(
                email_html("ann.lee@my-company.example"),
                r#"<span class="email"><span class="email-part">ann.lee</span><wbr><span class="email-part">@my-company.example</span></span>"#
            );
            assert_eq!(
                email_html("<b>x</b>&@e.com"),
                r#"<span class="email"><span class="email-part">&#60;b&#62;x&#60;/b&#62;&#38;</span><wbr><span class="email-part">@e.com</span></span>"#
            );
            assert_eq!(email_html("no-at"), r#"<span class="email"><span class="email-part">no-at</span></span>"#);
        }
    }
}
