//! Request handlers: thin, they parse, call the models and render.

pub mod account;
pub mod admin;
pub mod auth;
pub mod dashboard;
pub mod departments;
pub mod employees;
pub mod health;
pub mod leave;
pub mod links;
