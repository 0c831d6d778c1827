//! Request handlers: thin, they parse, call the models and render.

pub mod account;
pub mod admin;
pub mod auth;
pub mod dashboard;
pub mod display;
pub mod health;
