//! The integration suite: one binary, one shared helper.

#[macro_use]
mod helpers;

mod account;
mod admin;
mod api_auth;
mod api_client_example;
mod api_leave;
mod api_people;
mod approvals_queue;
mod audit_log;
mod auth_flow;
mod calendar;
mod calendar_feed;
mod compression;
mod connections;
mod csrf_and_input;
mod dashboard;
mod departments;
mod employees;
mod hardening;
mod import;
mod instances;
mod leave;
mod leave_reports;
mod leave_year;
mod mail;
mod mail_files;
mod notifications;
mod operations;
mod org_chart;
mod outbox;
mod refresh;
mod revocation;
mod rules;
mod scale;
mod schema;
mod secrets;
mod startup;
mod tcp;
mod termination;
mod throttle;
