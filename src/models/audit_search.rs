//! Reading the audit log for the admin page: filters, counting, one page.

use diesel::prelude::*;

use super::audit::AuditRow;
use crate::db::DbConnection;
use crate::db::schema::{audit_log, users};

/// How many entries the audit page shows per page.
pub const PAGE_SIZE: i64 = 50;

type Backend = <DbConnection as diesel::Connection>::Backend;

/// What the audit page is narrowed to; `None` means any.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// A normalised email: entries about it, or made by the account that has it.
    pub email: Option<String>,
    pub event: Option<String>,
}

fn filtered(filter: &Filter) -> audit_log::BoxedQuery<'static, Backend> {
    let mut query = audit_log::table.into_boxed();
    if let Some(email) = &filter.email {
        let account_ids = users::table.filter(users::email.eq(email.clone())).select(users::id.nullable());
        query = query.filter(audit_log::email.eq(email.clone()).or(audit_log::user_id.eq_any(account_ids)));
    }
    if let Some(event) = &filter.event {
        query = query.filter(audit_log::event.eq(event.clone()));
    }
    query
}

pub fn count(conn: &mut DbConnection, filter: &Filter) -> QueryResult<i64> {
    filtered(filter).count().get_result(conn)
}

/// Newest first; entries of the same instant in a fixed order, so pages never overlap.
pub fn page(conn: &mut DbConnection, filter: &Filter, limit: i64, offset: i64) -> QueryResult<Vec<AuditRow>> {
    filtered(filter)
        .order((audit_log::occurred_at.desc(), audit_log::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(AuditRow::as_select())
        .load(conn)
}

/// Every event name that occurs in the log, for the filter.
pub fn event_names(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    audit_log::table.select(audit_log::event).distinct().order(audit_log::event).load(conn)
}
