//! hrms: a small HR portal with sign-in done right.

pub mod access;
pub mod api;
pub mod auth;
pub mod clock;
pub mod commands;
pub mod config;
pub mod csv;
pub mod db;
pub mod demo;
pub mod display;
pub mod domain;
pub mod error;
pub mod forms;
pub mod handlers;
pub mod ical;
pub mod mail;
pub mod maintenance;
pub mod metrics;
pub mod models;
pub mod notice;
pub mod page;
pub mod proxy;
pub mod router;
pub mod security;
pub mod serve;
pub mod state;
pub mod static_files;
pub mod telemetry;
pub mod templates;
pub mod zone;

pub use router::build_app;
pub use state::AppState;
