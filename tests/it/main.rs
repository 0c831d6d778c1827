//! The integration suite: one binary, one shared helper.

#[macro_use]
mod helpers;

mod auth_flow;
mod csrf_and_input;
mod instances;
mod leave;
mod refresh;
mod revocation;
mod schema;
mod secrets;
mod startup;
mod tcp;
mod throttle;
