//! `/api/v1/employees`: the directory and records, with the pages' rules
//! (`domain::employees`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiActor, ApiJson, ApiQuery, ApiResult, List, iso_date, iso_time};
use crate::domain::employees::{self, DirectoryQuery, PER_PAGE, RecordInput, RecordPatch};
use crate::models::employee::Employee;
use crate::state::AppState;

/// An employee record.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
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
    /// `YYYY-MM-DD`: a former employee's last working day, when it was
    /// recorded; `null` for current staff.
    pub terminated_on: Option<String>,
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
            terminated_on: e.terminated_on.filter(|_| e.is_terminated()).map(iso_date),
            has_account: e.user_id.is_some(),
            updated_at: iso_time(e.updated_at),
        }
    }
}

/// Reads a field that may be absent (`None`), `null` (`Some(None)`) or a value,
/// for PATCH bodies, where `null` clears and absent keeps.
pub(crate) fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// `null` (none) as the domain spells it: an empty string.
pub(crate) fn none_as_empty(value: Option<Option<String>>) -> Option<String> {
    value.map(Option::unwrap_or_default)
}

fn first_page() -> i64 {
    1
}

fn default_per_page() -> i64 {
    PER_PAGE
}

/// What the directory is narrowed to, and which page of it.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EmployeeListQuery {
    /// Part of the name, any case.
    #[serde(default)]
    pub q: String,
    /// A department's id: only the people in it (none for an unknown id).
    #[serde(default)]
    pub department: Option<String>,
    /// Former staff too. Honoured for HR only; for anyone else the list is
    /// current staff whatever this says.
    #[serde(default)]
    pub include_terminated: bool,
    /// From 1. A page past the last is empty.
    #[serde(default = "first_page")]
    #[param(minimum = 1, default = 1)]
    pub page: i64,
    /// People per page, 1 to 100.
    #[serde(default = "default_per_page")]
    #[param(minimum = 1, maximum = 100, default = 25)]
    pub per_page: i64,
}

/// The directory: current staff (and, for HR when asked, former staff), by name.
#[utoipa::path(
    get,
    path = "/api/v1/employees",
    operation_id = "list_employees",
    tag = "employees",
    security(("bearer" = [])),
    params(EmployeeListQuery),
    responses(
        (status = 200, description = "One page of the directory", body = List<EmployeeOut>),
        (status = 422, description = "`page` below 1, or `per_page` outside 1 to 100", body = super::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    actor: ApiActor,
    ApiQuery(query): ApiQuery<EmployeeListQuery>,
) -> ApiResult<Json<List<EmployeeOut>>> {
    let asked = DirectoryQuery {
        name: query.q.trim().to_owned(),
        department_id: query.department.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty()),
        include_terminated: query.include_terminated,
        page: query.page,
        per_page: query.per_page,
        exact_page: true,
        ..DirectoryQuery::default()
    };
    let found = employees::directory(&state, &actor.0, asked).await?;
    Ok(Json(List {
        items: found.rows.iter().map(|(e, _)| EmployeeOut::from(e)).collect(),
        page: found.page,
        per_page: found.per_page,
        total: found.total,
        total_exact: found.total_exact,
    }))
}

/// One record.
#[utoipa::path(
    get,
    path = "/api/v1/employees/{id}",
    operation_id = "get_employee",
    tag = "employees",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The record's id")),
    responses(
        (status = 200, description = "The record", body = EmployeeOut),
        (status = 404, description = "No such record, or one this person may not see (former staff, for anyone but HR)",
         body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn show(
    State(state): State<AppState>,
    actor: ApiActor,
    Path(id): Path<String>,
) -> ApiResult<Json<EmployeeOut>> {
    let record = employees::visible(&state, &actor.0, id).await?;
    Ok(Json(EmployeeOut::from(&record)))
}

/// A new record, as HR enters it. It is active, and gets the next free
/// number unless one is given.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct EmployeeIn {
    #[schema(required = true)]
    pub full_name: String,
    #[schema(required = true)]
    pub work_email: String,
    #[schema(required = true)]
    pub job_title: String,
    pub department_id: Option<String>,
    /// The id of a current employee.
    pub manager_id: Option<String>,
    /// `YYYY-MM-DD`.
    #[schema(required = true)]
    pub hire_date: String,
    pub phone: Option<String>,
    /// Letters, digits and dashes; the next free number when absent.
    pub employee_number: Option<String>,
}

/// Create a record (HR). An account that already has this work email is linked to it.
#[utoipa::path(
    post,
    path = "/api/v1/employees",
    operation_id = "create_employee",
    tag = "employees",
    security(("bearer" = [])),
    request_body = EmployeeIn,
    responses(
        (status = 201, description = "Created; `Location` is its address", body = EmployeeOut,
         headers(("Location" = String, description = "The new record's address"))),
        (status = 403, description = "Only HR creates records", body = super::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    actor: ApiActor,
    ApiJson(body): ApiJson<EmployeeIn>,
) -> ApiResult<(StatusCode, [(header::HeaderName, HeaderValue); 1], Json<EmployeeOut>)> {
    let input = RecordInput {
        employee_number: body.employee_number.unwrap_or_default(),
        full_name: body.full_name,
        work_email: body.work_email,
        job_title: body.job_title,
        department_id: body.department_id.unwrap_or_default(),
        manager_id: body.manager_id.unwrap_or_default(),
        hire_date: body.hire_date,
        phone: body.phone.unwrap_or_default(),
        status: String::new(),
    };
    let record = employees::create(&state, &actor.0, input).await?;
    let location = HeaderValue::from_str(&format!("/api/v1/employees/{}", record.id))
        .map_err(|e| crate::error::AppError::Internal(e.into()))?;
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(EmployeeOut::from(&record))))
}

/// The fields to change; those absent keep their value. HR may change any;
/// someone editing their own record only `phone`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct EmployeePatchIn {
    pub employee_number: Option<String>,
    pub full_name: Option<String>,
    pub work_email: Option<String>,
    pub job_title: Option<String>,
    /// `null`: no department.
    #[serde(deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub department_id: Option<Option<String>>,
    /// `null`: no manager.
    #[serde(deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub manager_id: Option<Option<String>>,
    /// `YYYY-MM-DD`.
    pub hire_date: Option<String>,
    pub phone: Option<String>,
    /// `active`, `on_leave` or `terminated`. Terminating ends the employment:
    /// the linked account is deactivated and its sessions end.
    pub status: Option<String>,
}

/// Change some fields of a record.
#[utoipa::path(
    patch,
    path = "/api/v1/employees/{id}",
    operation_id = "patch_employee",
    tag = "employees",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The record's id")),
    request_body = EmployeePatchIn,
    responses(
        (status = 200, description = "The record as saved", body = EmployeeOut),
        (status = 403, description = "Not HR, and not one's own record, or a field other than `phone` sent for one's own",
         body = super::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn patch(
    State(state): State<AppState>,
    actor: ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EmployeePatchIn>,
) -> ApiResult<Json<EmployeeOut>> {
    let patch = RecordPatch {
        employee_number: body.employee_number,
        full_name: body.full_name,
        work_email: body.work_email,
        job_title: body.job_title,
        department_id: none_as_empty(body.department_id),
        manager_id: none_as_empty(body.manager_id),
        hire_date: body.hire_date,
        phone: body.phone,
        status: body.status,
    };
    let record = employees::patch(&state, &actor.0, id, patch).await?;
    Ok(Json(EmployeeOut::from(&record)))
}
