//! Rows and the queries that read and write them. Functions take a connection
//! so that callers can group writes that belong together in one transaction.

pub mod audit;
pub mod audit_search;
pub mod calendar;
pub mod calendar_feed;
pub mod department;
pub mod employee;
pub mod employee_import;
pub mod leave;
pub mod outbox;
pub mod settings;
pub mod user;

/// A new random id (UUID v4 as text: portable across both backends).
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
