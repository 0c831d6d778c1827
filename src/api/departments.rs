//! `/api/v1/departments`: the list with headcounts (everyone signed in), and
//! for HR creating, renaming, choosing a head and deleting an empty one
//! (`domain::departments`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::employees::{none_as_empty, nullable};
use super::{ApiActor, ApiJson, ApiResult};
use crate::domain::departments::{self, DepartmentPatch, Row};
use crate::error::AppError;
use crate::state::AppState;

/// A department.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DepartmentOut {
    pub id: String,
    pub name: String,
    /// The head's record, when there is one this person may see.
    pub head_employee_id: Option<String>,
    pub head_name: Option<String>,
    /// Current staff in it (former staff not counted).
    pub headcount: i64,
}

impl From<Row> for DepartmentOut {
    fn from((department, headcount, head): Row) -> Self {
        DepartmentOut {
            id: department.id,
            name: department.name,
            head_employee_id: head.as_ref().map(|e| e.id.clone()),
            head_name: head.map(|e| e.full_name),
            headcount,
        }
    }
}

/// Every department, by name.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DepartmentsOut {
    pub items: Vec<DepartmentOut>,
    /// Current staff in no department.
    pub unassigned: i64,
}

/// Every department with its head and headcount.
#[utoipa::path(
    get,
    path = "/api/v1/departments",
    operation_id = "list_departments",
    tag = "departments",
    security(("bearer" = [])),
    responses((status = 200, description = "Every department, by name", body = DepartmentsOut))
)]
pub async fn list(State(state): State<AppState>, actor: ApiActor) -> ApiResult<Json<DepartmentsOut>> {
    let overview = departments::overview(&state, &actor.0).await?;
    Ok(Json(DepartmentsOut {
        items: overview.rows.into_iter().map(DepartmentOut::from).collect(),
        unassigned: overview.unassigned,
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DepartmentIn {
    /// At most 80 characters, unique whatever the case.
    #[schema(required = true)]
    pub name: String,
}

/// Create a department (HR).
#[utoipa::path(
    post,
    path = "/api/v1/departments",
    operation_id = "create_department",
    tag = "departments",
    security(("bearer" = [])),
    request_body = DepartmentIn,
    responses(
        (status = 201, description = "Created; `Location` is its address", body = DepartmentOut,
         headers(("Location" = String, description = "The new department's address"))),
        (status = 403, description = "Only HR manages departments", body = super::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    actor: ApiActor,
    ApiJson(body): ApiJson<DepartmentIn>,
) -> ApiResult<(StatusCode, [(header::HeaderName, HeaderValue); 1], Json<DepartmentOut>)> {
    let created = DepartmentOut::from(departments::create(&state, &actor.0, &body.name).await?);
    let location = HeaderValue::from_str(&format!("/api/v1/departments/{}", created.id))
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(created)))
}

/// The fields to change; those absent keep their value.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DepartmentPatchIn {
    pub name: Option<String>,
    /// The id of a current employee; `null`: no head.
    #[serde(deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub head_employee_id: Option<Option<String>>,
}

/// Rename a department or choose its head (HR).
#[utoipa::path(
    patch,
    path = "/api/v1/departments/{id}",
    operation_id = "patch_department",
    tag = "departments",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The department's id")),
    request_body = DepartmentPatchIn,
    responses(
        (status = 200, description = "The department as saved", body = DepartmentOut),
        (status = 403, description = "Only HR manages departments", body = super::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn patch(
    State(state): State<AppState>,
    actor: ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DepartmentPatchIn>,
) -> ApiResult<Json<DepartmentOut>> {
    let patch = DepartmentPatch { name: body.name, head_employee_id: none_as_empty(body.head_employee_id) };
    let saved = departments::patch(&state, &actor.0, id, patch).await?;
    Ok(Json(DepartmentOut::from(saved)))
}

/// Delete a department no record belongs to (HR).
#[utoipa::path(
    delete,
    path = "/api/v1/departments/{id}",
    operation_id = "delete_department",
    tag = "departments",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The department's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Only HR manages departments", body = super::Problem,
         content_type = "application/problem+json"),
        (status = 409, description = "Records, former staff's included, still belong to it", body = super::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn delete(State(state): State<AppState>, actor: ApiActor, Path(id): Path<String>) -> ApiResult<StatusCode> {
    departments::delete(&state, &actor.0, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
