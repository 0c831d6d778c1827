//! `/api/v1/employees`: the directory and records, with the pages' rules
//! (`domain::employees`).

use serde::Serialize;
use utoipa::ToSchema;

use super::{iso_date, iso_time};
use crate::models::employee::Employee;

/// An employee record.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmployeeOut {
    pub id: String,
    pub employee_number: String,
    pub full_name: String,
    pub work_email: String,
    pub job_title: String,
    pub department_id: Option<String>,
    pub manager_id: Option<String>,
    /// `YYYY-MM-DD`.
    pub hire_date: String,
    pub phone: String,
    /// `active`, `on_leave` or `terminated`.
    pub status: String,
    /// Whether the person has an account.
    pub has_account: bool,
    pub updated_at: String,
}

impl From<&Employee> for EmployeeOut {
    fn from(e: &Employee) -> Self {
        EmployeeOut {
            id: e.id.clone(),
            employee_number: e.employee_number.clone(),
            full_name: e.full_name.clone(),
            work_email: e.work_email.clone(),
            job_title: e.job_title.clone(),
            department_id: e.department_id.clone(),
            manager_id: e.manager_id.clone(),
            hire_date: iso_date(e.hire_date),
            phone: e.phone.clone(),
            status: e.status().as_str().to_owned(),
            has_account: e.user_id.is_some(),
            updated_at: iso_time(e.updated_at),
        }
    }
}
