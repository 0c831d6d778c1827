//! Departments: the list with headcounts (everyone), and for HR creating,
//! renaming, choosing a head and deleting an empty one.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::access::{Action, Actor};
use crate::domain::departments::{self, ForEdit};
use crate::error::{AppError, AppResult};
use crate::forms::{CsrfForm, CsrfOnly, CsrfProtected};
use crate::handlers::employees::{SelectOption, staff_options};
use crate::notice::{Notice, Shown};
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{Layout, render_page};

pub struct DepartmentRow {
    pub id: String,
    pub name: String,
    pub head: Option<(String, String)>,
    pub headcount: i64,
}

#[derive(Template)]
#[template(path = "departments/index.html")]
pub struct DepartmentsPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub may_manage: bool,
    pub rows: Vec<DepartmentRow>,
    /// Current staff with no department.
    pub unassigned: i64,
    pub name: String,
    pub name_error: Option<String>,
    pub notice: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "departments/edit.html")]
pub struct DepartmentEditPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub id: String,
    pub original_name: String,
    pub name: String,
    pub name_error: Option<String>,
    pub heads: Vec<SelectOption>,
    pub head_error: Option<String>,
    /// Every record in the department, terminated ones included.
    pub member_count: i64,
    pub delete_error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DepartmentForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    head_employee_id: String,
    #[serde(default)]
    csrf_token: String,
}

impl CsrfProtected for DepartmentForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

async fn list_page(
    state: &AppState,
    actor: &Actor,
    page: &Page,
    status: StatusCode,
    name: String,
    name_error: Option<String>,
    notice: Option<&'static str>,
) -> AppResult<Response> {
    let overview = departments::overview(state, actor).await?;
    let rows = overview
        .rows
        .into_iter()
        .map(|(d, headcount, head)| DepartmentRow {
            head: head.map(|e| (e.id, e.full_name)),
            headcount,
            id: d.id,
            name: d.name,
        })
        .collect();
    Ok(render_page(
        status,
        &DepartmentsPage {
            layout: page.layout(),
            csrf_token: page.csrf_token(),
            may_manage: actor.can_globally(Action::ManageDepartments),
            rows,
            unassigned: overview.unassigned,
            name,
            name_error,
            notice,
        },
    ))
}

pub async fn index(State(state): State<AppState>, actor: Actor, page: Page, shown: Shown) -> AppResult<Response> {
    list_page(&state, &actor, &page, StatusCode::OK, String::new(), None, shown.text()).await
}

pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    CsrfForm(form): CsrfForm<DepartmentForm>,
) -> AppResult<Response> {
    match departments::create(&state, &actor, &form.name).await {
        Ok(_) => Ok(Notice::DepartmentCreated.redirect("/departments")),
        Err(AppError::Invalid(errors)) => {
            let (name, error) = (form.name.trim().to_owned(), errors.get("name").map(str::to_owned));
            list_page(&state, &actor, &page, StatusCode::UNPROCESSABLE_ENTITY, name, error, None).await
        }
        Err(e) => Err(e),
    }
}

/// The edit page with these values and messages.
fn edit_page_for(
    page: &Page,
    loaded: &ForEdit,
    name: String,
    head: &str,
    errors: (Option<String>, Option<String>),
    delete_error: Option<String>,
) -> DepartmentEditPage {
    let mut heads = vec![SelectOption::new("", "No head", head)];
    heads.extend(staff_options(&loaded.staff, head, None));
    DepartmentEditPage {
        layout: page.layout(),
        csrf_token: page.csrf_token(),
        id: loaded.department.id.clone(),
        original_name: loaded.department.name.clone(),
        name,
        name_error: errors.0,
        heads,
        head_error: errors.1,
        member_count: loaded.member_count,
        delete_error,
    }
}

/// The edit page as stored, with an optional message about deleting.
fn stored_edit_page(page: &Page, loaded: &ForEdit, delete_error: Option<String>) -> DepartmentEditPage {
    let head = loaded.department.head_employee_id.clone().unwrap_or_default();
    edit_page_for(page, loaded, loaded.department.name.clone(), &head, (None, None), delete_error)
}

pub async fn edit(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let loaded = departments::for_edit(&state, &actor, id).await?;
    Ok(render_page(StatusCode::OK, &stored_edit_page(&page, &loaded, None)))
}

pub async fn update(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<DepartmentForm>,
) -> AppResult<Response> {
    match departments::update(&state, &actor, id.clone(), &form.name, &form.head_employee_id).await {
        Ok(_) => Ok(Notice::DepartmentSaved.redirect("/departments")),
        Err(AppError::Invalid(errors)) => {
            let loaded = departments::for_edit(&state, &actor, id).await?;
            let (name, head) = (form.name.trim().to_owned(), form.head_employee_id.trim().to_owned());
            let messages = (errors.get("name").map(str::to_owned), errors.get("head_employee_id").map(str::to_owned));
            let tpl = edit_page_for(&page, &loaded, name, &head, messages, None);
            Ok(render_page(StatusCode::UNPROCESSABLE_ENTITY, &tpl))
        }
        Err(e) => Err(e),
    }
}

pub async fn delete(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    match departments::delete(&state, &actor, id.clone()).await {
        Ok(()) => Ok(Notice::DepartmentDeleted.redirect("/departments")),
        // The edit page again, saying why.
        Err(AppError::Conflict { message, .. }) => {
            let loaded = departments::for_edit(&state, &actor, id).await?;
            Ok(render_page(StatusCode::CONFLICT, &stored_edit_page(&page, &loaded, Some(message))))
        }
        Err(e) => Err(e),
    }
}
