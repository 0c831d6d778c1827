//! The signed-in person's own account: where they are signed in, and their password.

pub mod calendar;
pub mod notifications;
pub mod password;
pub mod sessions;
