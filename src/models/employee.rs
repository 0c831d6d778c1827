//! Employee records: who works here, in which department, for whom.

use diesel::prelude::*;
use time::Date;

use crate::clock::Timestamp;
use crate::db::DbConnection;
use crate::db::schema::employees;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmployeeStatus {
    Active,
    OnLeave,
    Terminated,
}

impl EmployeeStatus {
    pub const ALL: [EmployeeStatus; 3] = [EmployeeStatus::Active, EmployeeStatus::OnLeave, EmployeeStatus::Terminated];

    pub fn as_str(self) -> &'static str {
        match self {
            EmployeeStatus::Active => "active",
            EmployeeStatus::OnLeave => "on_leave",
            EmployeeStatus::Terminated => "terminated",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EmployeeStatus::Active => "Active",
            EmployeeStatus::OnLeave => "On leave",
            EmployeeStatus::Terminated => "Terminated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = employees)]
pub struct Employee {
    pub id: String,
    pub employee_number: String,
    pub user_id: Option<String>,
    pub full_name: String,
    pub work_email: String,
    pub job_title: String,
    pub department_id: Option<String>,
    pub manager_id: Option<String>,
    pub hire_date: Date,
    pub phone: String,
    pub status: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Employee {
    /// Unknown values read as Active: the column is only written through `EmployeeStatus`.
    pub fn status(&self) -> EmployeeStatus {
        EmployeeStatus::parse(&self.status).unwrap_or(EmployeeStatus::Active)
    }

    pub fn is_terminated(&self) -> bool {
        self.status() == EmployeeStatus::Terminated
    }
}

#[derive(Insertable)]
#[diesel(table_name = employees)]
pub struct NewEmployee<'a> {
    pub id: &'a str,
    pub employee_number: &'a str,
    pub user_id: Option<&'a str>,
    pub full_name: &'a str,
    pub work_email: &'a str,
    pub job_title: &'a str,
    pub department_id: Option<&'a str>,
    pub manager_id: Option<&'a str>,
    pub hire_date: Date,
    pub phone: &'a str,
    pub status: &'a str,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Employee> {
    employees::table.find(id).select(Employee::as_select()).first(conn)
}

pub fn find_by_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<Option<Employee>> {
    employees::table.filter(employees::user_id.eq(user_id)).select(Employee::as_select()).first(conn).optional()
}

pub fn find_by_work_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<Employee>> {
    employees::table
        .filter(employees::work_email.eq(super::user::normalize_email(email)))
        .select(Employee::as_select())
        .first(conn)
        .optional()
}

/// Everyone whose manager is `manager_id`, terminated staff excluded, by name.
pub fn direct_reports(conn: &mut DbConnection, manager_id: &str) -> QueryResult<Vec<Employee>> {
    employees::table
        .filter(employees::manager_id.eq(manager_id))
        .filter(employees::status.ne(EmployeeStatus::Terminated.as_str()))
        .order(employees::full_name.asc())
        .select(Employee::as_select())
        .load(conn)
}

/// Inserts a record. `Ok(false)` when the work email or number is taken.
/// Runs in a savepoint so a violation cannot abort the caller's transaction.
pub fn insert(conn: &mut DbConnection, employee: &NewEmployee<'_>) -> QueryResult<bool> {
    match conn.transaction(|conn| diesel::insert_into(employees::table).values(employee).execute(conn)) {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The next free employee number, `E0001` style.
pub fn next_employee_number(conn: &mut DbConnection) -> QueryResult<String> {
    let numbers: Vec<String> =
        employees::table.select(employees::employee_number).filter(employees::employee_number.like("E%")).load(conn)?;
    let max = numbers.iter().filter_map(|n| n.strip_prefix('E')?.parse::<u32>().ok()).max().unwrap_or(0);
    Ok(format!("E{:04}", max + 1))
}

/// Whether making `manager_id` the manager of `employee_id` would close a
/// loop (someone managing themselves, directly or through others).
pub fn would_create_cycle(conn: &mut DbConnection, employee_id: &str, manager_id: &str) -> QueryResult<bool> {
    let mut current = Some(manager_id.to_owned());
    let mut steps = 0;
    while let Some(id) = current {
        if id == employee_id {
            return Ok(true);
        }
        steps += 1;
        if steps > 10_000 {
            return Ok(true); // a loop already exists above: refuse rather than spin
        }
        current = employees::table.find(&id).select(employees::manager_id).first(conn).optional()?.flatten();
    }
    Ok(false)
}
