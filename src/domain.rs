//! The rules of the portal, one module per area. The pages (`handlers`) and
//! the JSON API are two doors to these functions: they parse a request, call
//! one function here, and render what it returns. Each function takes the
//! `Actor` (who is acting), plain inputs and the state or a connection, asks
//! `access` for every permission decision, writes its audit entry, and
//! returns a typed outcome or an `AppError` (refused, conflict, not found,
//! invalid with a message per field). SQL stays in `models` and `auth`.
//!
//! - `accounts`: registration, signing in and out, account changes by Admins
//!   and the command line, passwords and sessions, ending employment.
//! - `employees`: records, the directory, profiles.
//! - `departments`: departments and their heads.
//! - `org_chart`: the reporting lines as a tree.
//! - `leave`: requests, approvals, balances, leave types and holidays.
//! - `dashboard`: what each person sees first.
//! - `outbox`: what Admins see of outgoing mail.
//! - `audit_log`: the audit log as Admins read it, in sentences, and its export.
//!
//! `accounts::requests` and `accounts::links` hold the mailed-link flows:
//! verified sign-up, invitations and password resets.

pub mod accounts;
pub mod audit_log;
pub mod dashboard;
pub mod departments;
pub mod employees;
pub mod leave;
pub mod org_chart;
pub mod outbox;
