//! What each message says. A `Letter` is plain data (greeting, paragraphs,
//! one link to follow); `render` turns it into the plain-text and HTML bodies
//! with the two askama templates in `templates/mail/`.

use askama::Template;

/// The portal's name and address, for links and signatures.
#[derive(Clone, Debug)]
pub struct MailContext {
    pub portal: String,
    /// `scheme://host[:port]`, from `--public-url`.
    pub base_url: String,
}

impl MailContext {
    fn link(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

/// The kinds of message, as stored in the outbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LetterKind {
    Verify,
    AlreadyRegistered,
    SignUpRefused,
    Invitation,
    PasswordReset,
    PasswordChanged,
    EmailVerified,
    NewDevice,
    LeaveSubmitted,
    LeaveDecided,
    LeaveCancelRequested,
}

impl LetterKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LetterKind::Verify => "verify",
            LetterKind::AlreadyRegistered => "already_registered",
            LetterKind::SignUpRefused => "sign_up_refused",
            LetterKind::Invitation => "invitation",
            LetterKind::PasswordReset => "password_reset",
            LetterKind::PasswordChanged => "password_changed",
            LetterKind::EmailVerified => "email_verified",
            LetterKind::NewDevice => "new_device",
            LetterKind::LeaveSubmitted => "leave_submitted",
            LetterKind::LeaveDecided => "leave_decided",
            LetterKind::LeaveCancelRequested => "leave_cancel_requested",
        }
    }

    /// Words for the Admins' mail page.
    pub fn label(kind: &str) -> &'static str {
        match kind {
            "verify" => "Sign-up verification",
            "already_registered" => "Sign-up for a known email",
            "sign_up_refused" => "Sign-up refused",
            "invitation" => "Invitation",
            "password_reset" => "Password reset",
            "password_changed" => "Password changed",
            "email_verified" => "Email verified",
            "new_device" => "Sign-in from a new browser",
            "leave_submitted" => "Leave request to decide",
            "leave_decided" => "Leave decision",
            "leave_cancel_requested" => "Leave cancellation",
            _ => "Other",
        }
    }

    /// Messages that carry a sign-in link: their bodies are never shown to
    /// anyone and are emptied once delivered.
    pub fn is_sensitive(self) -> bool {
        matches!(self, LetterKind::Verify | LetterKind::Invitation | LetterKind::PasswordReset)
    }
}

/// One message to one person.
#[derive(Clone, Debug)]
pub struct Letter {
    pub kind: LetterKind,
    pub to: String,
    pub subject: String,
    pub greeting: String,
    pub paragraphs: Vec<String>,
    /// The one link to follow: (button label, absolute URL).
    pub action: Option<(String, String)>,
    /// Why the person got this message, or what to do if it was not them.
    pub footer: String,
}

#[derive(Template)]
#[template(path = "mail/letter.txt")]
struct TextBody<'a> {
    letter: &'a Letter,
    /// The paragraphs wrapped at 72 columns, as plain-text mail is read.
    paragraphs: Vec<String>,
    footer: String,
    portal: &'a str,
}

#[derive(Template)]
#[template(path = "mail/letter.html")]
struct HtmlBody<'a> {
    letter: &'a Letter,
    portal: &'a str,
}

impl Letter {
    /// The plain-text and HTML bodies.
    pub fn render(&self, ctx: &MailContext) -> Result<(String, String), askama::Error> {
        let paragraphs = self.paragraphs.iter().map(|p| wrap(p, 72)).collect();
        let footer = wrap(&self.footer, 72);
        let text = TextBody { letter: self, paragraphs, footer, portal: &ctx.portal }.render()?;
        let html = HtmlBody { letter: self, portal: &ctx.portal }.render()?;
        Ok((text, html))
    }
}

/// Breaks `text` into lines of at most `width` characters at spaces (a
/// longer word, such as a link, keeps a line of its own).
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut line_len = 0;
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if line_len > 0 && line_len + 1 + len > width {
            out.push('\n');
            line_len = 0;
        } else if line_len > 0 {
            out.push(' ');
            line_len += 1;
        }
        out.push_str(word);
        line_len += len;
    }
    out
}

fn hello(name: &str) -> String {
    if name.trim().is_empty() { "Hello,".to_owned() } else { format!("Hello {},", name.trim()) }
}

fn stamp(t: crate::clock::Timestamp) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    t.format(&f).unwrap_or_default()
}

const NOT_YOU: &str = "If this was not you, you can ignore this message: nothing happens without the link.";

pub fn verification(ctx: &MailContext, to: &str, name: &str, token: &str) -> Letter {
    Letter {
        kind: LetterKind::Verify,
        to: to.to_owned(),
        subject: format!("Finish creating your {} account", ctx.portal),
        greeting: hello(name),
        paragraphs: vec![format!(
            "Someone, hopefully you, asked to create an account on {} for this address. \
             Follow the link within 24 hours to choose your password and sign in.",
            ctx.portal
        )],
        action: Some(("Choose your password".into(), ctx.link(&format!("/register/verify/{token}")))),
        footer: NOT_YOU.into(),
    }
}

pub fn already_registered(ctx: &MailContext, to: &str) -> Letter {
    Letter {
        kind: LetterKind::AlreadyRegistered,
        to: to.to_owned(),
        subject: format!("Someone tried to create a {} account with your email", ctx.portal),
        greeting: hello(""),
        paragraphs: vec![
            "Someone asked to create an account for this address, but you already have one, so nothing was created."
                .into(),
            "If it was you and you have forgotten your password, you can choose a new one.".into(),
        ],
        action: Some(("Reset your password".into(), ctx.link("/password/forgot"))),
        footer: "If it was not you, your account is unchanged and you need not do anything.".into(),
    }
}

pub fn sign_up_refused(ctx: &MailContext, to: &str) -> Letter {
    Letter {
        kind: LetterKind::SignUpRefused,
        to: to.to_owned(),
        subject: format!("Your {} account could not be created", ctx.portal),
        greeting: hello(""),
        paragraphs: vec![
            "Someone asked to create an account for this address. It belongs to an employee record that cannot \
             take a new account (it has ended, or it already has one), so nothing was created."
                .into(),
            "If it was you, ask HR.".into(),
        ],
        action: None,
        footer: "If it was not you, you need not do anything.".into(),
    }
}

pub fn invitation(ctx: &MailContext, to: &str, name: &str, inviter: &str, token: &str) -> Letter {
    Letter {
        kind: LetterKind::Invitation,
        to: to.to_owned(),
        subject: format!("You are invited to {}", ctx.portal),
        greeting: hello(name),
        paragraphs: vec![format!(
            "{inviter} invites you to {}, where you can see your team, request leave and keep your details up to \
             date. Follow the link within 7 days to choose your password.",
            ctx.portal
        )],
        action: Some(("Accept the invitation".into(), ctx.link(&format!("/invitation/{token}")))),
        footer: "If you did not expect this, ask HR before following the link.".into(),
    }
}

pub fn password_reset(ctx: &MailContext, to: &str, name: &str, token: &str) -> Letter {
    Letter {
        kind: LetterKind::PasswordReset,
        to: to.to_owned(),
        subject: format!("Reset your {} password", ctx.portal),
        greeting: hello(name),
        paragraphs: vec![
            "Someone, hopefully you, asked to reset the password of your account. Follow the link within one \
             hour to choose a new one. It works once, and signing in with your current password cancels it."
                .into(),
            "Choosing a new password signs you out on every device.".into(),
        ],
        action: Some(("Choose a new password".into(), ctx.link(&format!("/password/reset/{token}")))),
        footer: "If it was not you, ignore this message: your password stays as it is.".into(),
    }
}

pub fn password_changed(ctx: &MailContext, to: &str, name: &str, at: crate::clock::Timestamp, ip: &str) -> Letter {
    Letter {
        kind: LetterKind::PasswordChanged,
        to: to.to_owned(),
        subject: format!("Your {} password was changed", ctx.portal),
        greeting: hello(name),
        paragraphs: vec![format!(
            "The password of your account was changed on {} from the address {ip}. Your other sessions were \
             signed out.",
            stamp(at)
        )],
        action: Some(("Review your sessions".into(), ctx.link("/account/sessions"))),
        footer: "If this was not you, reset your password now from the sign-in page and tell your Admin.".into(),
    }
}

pub fn email_verified(ctx: &MailContext, to: &str, name: &str) -> Letter {
    Letter {
        kind: LetterKind::EmailVerified,
        to: to.to_owned(),
        subject: format!("Welcome to {}", ctx.portal),
        greeting: hello(name),
        paragraphs: vec![format!("Your email is verified and your {} account is ready.", ctx.portal)],
        action: Some(("Open your dashboard".into(), ctx.link("/dashboard"))),
        footer: "If you did not create this account, reset its password from the sign-in page and tell HR.".into(),
    }
}

pub fn new_device(
    ctx: &MailContext,
    to: &str,
    name: &str,
    at: crate::clock::Timestamp,
    ip: &str,
    browser: &str,
) -> Letter {
    let browser = if browser.trim().is_empty() { "an unnamed browser" } else { browser };
    Letter {
        kind: LetterKind::NewDevice,
        to: to.to_owned(),
        subject: format!("New sign-in to your {} account", ctx.portal),
        greeting: hello(name),
        paragraphs: vec![
            format!(
                "Your account was signed in to on {} from a browser not seen before: {browser}, at the address {ip}.",
                stamp(at)
            ),
            "If this was you, you need not do anything.".into(),
        ],
        action: Some(("Review your sessions".into(), ctx.link("/account/sessions"))),
        footer: "If this was not you, sign that session out, change your password and tell your Admin.".into(),
    }
}

/// What a leave message says about the request.
pub struct LeaveSummary<'a> {
    pub request_id: &'a str,
    pub requester: &'a str,
    pub leave_type: &'a str,
    pub span: &'a str,
    pub days: &'a str,
}

const LEAVE_FOOTER: &str = "You can turn leave notifications off on your account page.";

pub fn leave_submitted(ctx: &MailContext, to: &str, approver: &str, leave: &LeaveSummary<'_>) -> Letter {
    Letter {
        kind: LetterKind::LeaveSubmitted,
        to: to.to_owned(),
        subject: format!("{} asks for {}", leave.requester, leave.leave_type.to_lowercase()),
        greeting: hello(approver),
        paragraphs: vec![format!(
            "{} asks for {} ({}): {}. The request waits for your decision.",
            leave.requester,
            leave.leave_type.to_lowercase(),
            leave.days,
            leave.span
        )],
        action: Some(("Decide the request".into(), ctx.link(&format!("/leave/{}", leave.request_id)))),
        footer: LEAVE_FOOTER.into(),
    }
}

/// A decision on a request, or on a request to cancel approved leave.
pub fn leave_decided(
    ctx: &MailContext,
    to: &str,
    leave: &LeaveSummary<'_>,
    cancellation: bool,
    approved: bool,
    comment: &str,
) -> Letter {
    let outcome = if approved { "approved" } else { "declined" };
    let what = if cancellation { "request to cancel" } else { "request for" };
    let mut paragraphs = vec![format!(
        "Your {what} {} ({}), {}, was {outcome}.",
        leave.leave_type.to_lowercase(),
        leave.days,
        leave.span
    )];
    if !comment.trim().is_empty() {
        paragraphs.push(format!("Comment: {}", comment.trim()));
    }
    Letter {
        kind: LetterKind::LeaveDecided,
        to: to.to_owned(),
        subject: format!("Your {} was {outcome}", if cancellation { "leave cancellation" } else { "leave request" }),
        greeting: hello(leave.requester),
        paragraphs,
        action: Some(("See the request".into(), ctx.link(&format!("/leave/{}", leave.request_id)))),
        footer: LEAVE_FOOTER.into(),
    }
}

pub fn leave_cancel_requested(ctx: &MailContext, to: &str, approver: &str, leave: &LeaveSummary<'_>) -> Letter {
    Letter {
        kind: LetterKind::LeaveCancelRequested,
        to: to.to_owned(),
        subject: format!("{} wants to cancel approved leave", leave.requester),
        greeting: hello(approver),
        paragraphs: vec![format!(
            "{} asks to cancel their approved {} ({}): {}.",
            leave.requester,
            leave.leave_type.to_lowercase(),
            leave.days,
            leave.span
        )],
        action: Some(("See the request".into(), ctx.link(&format!("/leave/{}", leave.request_id)))),
        footer: LEAVE_FOOTER.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> MailContext {
        MailContext { portal: "HRMS".into(), base_url: "https://hr.example.com".into() }
    }

    #[test]
    fn both_bodies_carry_the_link_and_the_html_is_escaped() {
        let letter = verification(&ctx(), "a@example.com", "<Ada>", "TOKEN123");
        let (text, html) = letter.render(&ctx()).expect("renders");
        assert!(text.contains("https://hr.example.com/register/verify/TOKEN123"), "{text}");
        assert!(html.contains("href=\"https://hr.example.com/register/verify/TOKEN123\""), "{html}");
        assert!(text.contains("Hello <Ada>,"), "plain text is not escaped: {text}");
        assert!(html.contains("Hello &#60;Ada&#62;,") || html.contains("Hello &lt;Ada&gt;,"), "{html}");
        assert!(!html.contains("<Ada>"));
    }

    #[test]
    fn plain_text_is_wrapped_at_72_columns_and_links_stay_whole() {
        let letter = password_reset(&ctx(), "a@example.com", "Ann", &"x".repeat(43));
        let (text, _) = letter.render(&ctx()).expect("renders");
        for line in text.lines().filter(|l| !l.starts_with("https://")) {
            assert!(line.chars().count() <= 72, "{line:?}");
        }
        assert!(text.lines().any(|l| l == format!("https://hr.example.com/password/reset/{}", "x".repeat(43))));
        assert_eq!(wrap("a bb ccc", 4), "a bb\nccc");
    }

    #[test]
    fn only_messages_with_sign_in_links_are_sensitive() {
        assert!(LetterKind::PasswordReset.is_sensitive());
        assert!(LetterKind::Invitation.is_sensitive());
        assert!(LetterKind::Verify.is_sensitive());
        assert!(!LetterKind::PasswordChanged.is_sensitive());
        assert!(!LetterKind::LeaveSubmitted.is_sensitive());
    }
}
