//! Departments: a name and, optionally, a head.

use diesel::prelude::*;

use crate::clock::Timestamp;
use crate::db::DbConnection;
use crate::db::schema::departments;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = departments)]
pub struct Department {
    pub id: String,
    pub name: String,
    pub head_employee_id: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Department>> {
    departments::table.order(departments::name.asc()).select(Department::as_select()).load(conn)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Department> {
    departments::table.find(id).select(Department::as_select()).first(conn)
}

#[derive(Insertable)]
#[diesel(table_name = departments)]
pub struct NewDepartment<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub head_employee_id: Option<&'a str>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Whether another department (not `except_id`) has this name, in any case.
pub fn name_taken(conn: &mut DbConnection, name: &str, except_id: Option<&str>) -> QueryResult<bool> {
    let ids: Vec<String> = departments::table
        .filter(super::employee::lower(departments::name).eq(name.to_lowercase()))
        .select(departments::id)
        .load(conn)?;
    Ok(ids.iter().any(|id| Some(id.as_str()) != except_id))
}

/// Inserts a department. `Ok(false)` when the name is taken.
/// Runs in a savepoint so a violation cannot abort the caller's transaction.
pub fn insert(conn: &mut DbConnection, department: &NewDepartment<'_>) -> QueryResult<bool> {
    match conn.transaction(|conn| diesel::insert_into(departments::table).values(department).execute(conn)) {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Renames and sets the head. `Ok(false)` when the name is taken.
pub fn update(
    conn: &mut DbConnection,
    id: &str,
    name: &str,
    head_employee_id: Option<&str>,
    now: Timestamp,
) -> QueryResult<bool> {
    let changes = (
        departments::name.eq(name),
        departments::head_employee_id.eq(head_employee_id),
        departments::updated_at.eq(now),
    );
    match conn.transaction(|conn| diesel::update(departments::table.find(id)).set(changes).execute(conn)) {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e),
    }
}

pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(departments::table.find(id)).execute(conn)
}
