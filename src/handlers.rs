//! Request handlers: thin, they parse, call the models and render.

pub mod auth;
pub mod dashboard;
pub mod health;
pub mod leave;
