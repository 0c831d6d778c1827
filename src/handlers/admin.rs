//! Administration: accounts (roles, deactivation, signing out) and the audit log.

pub mod audit;
pub mod mail;
pub mod users;
