//! Outgoing mail. A change that causes a message writes it to the outbox in
//! its own transaction (`models::outbox::enqueue`); the background sender
//! (`sender`) delivers it through the configured transport, with retries, so
//! a mail server that is down never fails or slows a page.
//!
//! - `letters`: what each message says (plain data, rendered by askama).
//! - `transport`: SMTP, `.eml` files, or memory for tests.
//! - `sender`: claims due rows, sends them, records the outcome.

pub mod letters;
pub mod sender;
pub mod transport;

pub use letters::{Letter, LetterKind, MailContext};
