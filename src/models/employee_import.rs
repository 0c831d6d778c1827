//! Uploaded employee CSVs waiting for their confirmation: one per account at
//! most, each expiring (see the migration `employee_imports`).

use diesel::prelude::*;

use crate::clock::Timestamp;
use crate::db::DbConnection;
use crate::db::schema::employee_imports;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = employee_imports)]
pub struct PendingImport {
    pub id: String,
    pub user_id: String,
    pub file_name: String,
    pub content: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

#[derive(Insertable)]
#[diesel(table_name = employee_imports)]
pub struct NewPendingImport<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub file_name: &'a str,
    pub content: &'a str,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// Keeps `import` as its account's one pending import: the account's earlier
/// one is replaced, and everyone's expired ones are deleted on the way.
pub fn replace(conn: &mut DbConnection, import: &NewPendingImport<'_>, now: Timestamp) -> QueryResult<()> {
    conn.transaction(|conn| {
        diesel::delete(
            employee_imports::table
                .filter(employee_imports::user_id.eq(import.user_id).or(employee_imports::expires_at.le(now))),
        )
        .execute(conn)?;
        diesel::insert_into(employee_imports::table).values(import).execute(conn)?;
        Ok(())
    })
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<PendingImport>> {
    employee_imports::table.find(id).select(PendingImport::as_select()).first(conn).optional()
}

pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(employee_imports::table.find(id)).execute(conn)
}
