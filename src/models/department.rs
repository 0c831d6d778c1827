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
