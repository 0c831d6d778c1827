//! Sign-in: passwords, tokens, sessions, the session middleware, CSRF and throttling.

pub mod cookies;
pub mod csrf;
pub mod devices;
pub mod links;
pub mod middleware;
pub mod password;
pub mod revocation;
pub mod sessions;
pub mod throttle;
pub mod tokens;
