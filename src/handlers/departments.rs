//! Departments: the list with headcounts (everyone), and for HR creating,
//! renaming, choosing a head and deleting an empty one.

use std::collections::HashMap;

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use diesel::{Connection, OptionalExtension, QueryResult};
use serde::Deserialize;

use crate::access::{Action, Actor, Relation};
use crate::auth::middleware::Client;
use crate::error::AppResult;
use crate::forms::{CsrfForm, CsrfOnly, CsrfProtected};
use crate::handlers::employees::{AuditBy, SelectOption, staff_options};
use crate::models::audit::{self, Event};
use crate::models::department::{self, Department, NewDepartment};
use crate::models::employee;
use crate::models::new_id;
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

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    created: Option<String>,
    deleted: Option<String>,
    saved: Option<String>,
}

const NAME_TAKEN: &str = "A department with this name already exists.";

fn name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        Some("Enter the department's name.".into())
    } else if name.chars().count() > 80 {
        Some("Use at most 80 characters.".into())
    } else {
        None
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
    let (departments, counts, heads) = state
        .db
        .run(|conn| {
            let departments = department::all(conn)?;
            let counts: HashMap<Option<String>, i64> = employee::headcounts(conn)?.into_iter().collect();
            let head_ids: Vec<String> = departments.iter().filter_map(|d| d.head_employee_id.clone()).collect();
            let heads: HashMap<String, employee::Employee> =
                employee::find_many(conn, &head_ids)?.into_iter().map(|e| (e.id.clone(), e)).collect();
            Ok((departments, counts, heads))
        })
        .await?;
    let rows = departments
        .into_iter()
        .map(|d| DepartmentRow {
            head: d
                .head_employee_id
                .as_ref()
                .and_then(|id| heads.get(id))
                .filter(|e| actor.may_view_employee(e))
                .map(|e| (e.id.clone(), e.full_name.clone())),
            headcount: counts.get(&Some(d.id.clone())).copied().unwrap_or(0),
            id: d.id,
            name: d.name,
        })
        .collect();
    Ok(render_page(
        status,
        &DepartmentsPage {
            layout: page.layout(),
            csrf_token: page.csrf_token.clone(),
            may_manage: actor.can(Action::ManageDepartments, Relation::Other),
            rows,
            unassigned: counts.get(&None).copied().unwrap_or(0),
            name,
            name_error,
            notice,
        },
    ))
}

pub async fn index(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> AppResult<Response> {
    actor.authorize_global(Action::ViewDirectory)?;
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let notice = if q.created.is_some() {
        Some("The department was created.")
    } else if q.saved.is_some() {
        Some("The department was saved.")
    } else if q.deleted.is_some() {
        Some("The department was deleted.")
    } else {
        None
    };
    list_page(&state, &actor, &page, StatusCode::OK, String::new(), None, notice).await
}

pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    client: Client,
    CsrfForm(form): CsrfForm<DepartmentForm>,
) -> AppResult<Response> {
    actor.authorize_global(Action::ManageDepartments)?;
    let name = form.name.trim().to_owned();
    if let Some(problem) = name_problem(&name) {
        return list_page(&state, &actor, &page, StatusCode::UNPROCESSABLE_ENTITY, name, Some(problem), None).await;
    }
    let now = state.clock.now();
    let by = AuditBy::new(&actor, &client);
    let created = {
        let name = name.clone();
        state
            .db
            .transaction(move |conn| {
                if department::name_taken(conn, &name, None)? {
                    return Ok(false);
                }
                let id = new_id();
                let new =
                    NewDepartment { id: &id, name: &name, head_employee_id: None, created_at: now, updated_at: now };
                if !department::insert(conn, &new)? {
                    return Ok(false);
                }
                audit::record(conn, now, Event::DepartmentCreated, by.entry(None, &name))?;
                Ok(true)
            })
            .await?
    };
    if !created {
        let error = Some(NAME_TAKEN.to_owned());
        return list_page(&state, &actor, &page, StatusCode::UNPROCESSABLE_ENTITY, name, error, None).await;
    }
    Ok(Redirect::to("/departments?created=1").into_response())
}

struct EditState {
    department: Department,
    staff: Vec<employee::Employee>,
    member_count: i64,
}

async fn load_for_edit(state: &AppState, id: String) -> AppResult<EditState> {
    state
        .db
        .run(move |conn| {
            let department = department::find(conn, &id)?;
            let mut staff = employee::current_staff(conn)?;
            // A head who has since left still shows, so saving does not silently drop them.
            if let Some(head) = &department.head_employee_id
                && !staff.iter().any(|e| &e.id == head)
                && let Some(e) = employee::find(conn, head).optional()?
            {
                staff.push(e);
            }
            let member_count = employee::count_in_department(conn, &id)?;
            Ok(EditState { department, staff, member_count })
        })
        .await
}

fn edit_page_for(
    page: &Page,
    loaded: &EditState,
    name: String,
    head: &str,
    errors: (Option<String>, Option<String>),
    delete_error: Option<String>,
) -> DepartmentEditPage {
    let mut heads = vec![SelectOption::new("", "No head", head)];
    heads.extend(staff_options(&loaded.staff, head, None));
    DepartmentEditPage {
        layout: page.layout(),
        csrf_token: page.csrf_token.clone(),
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

pub async fn edit(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    Path(id): Path<String>,
) -> AppResult<Response> {
    actor.authorize_global(Action::ManageDepartments)?;
    let loaded = load_for_edit(&state, id).await?;
    let head = loaded.department.head_employee_id.clone().unwrap_or_default();
    let tpl = edit_page_for(&page, &loaded, loaded.department.name.clone(), &head, (None, None), None);
    Ok(render_page(StatusCode::OK, &tpl))
}

/// Why a department edit was refused: (name, head) messages.
type EditErrors = (Option<String>, Option<String>);

pub async fn update(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    client: Client,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<DepartmentForm>,
) -> AppResult<Response> {
    actor.authorize_global(Action::ManageDepartments)?;
    let loaded = load_for_edit(&state, id.clone()).await?;
    let name = form.name.trim().to_owned();
    let head = form.head_employee_id.trim().to_owned();
    let unprocessable = |errors: EditErrors| {
        render_page(StatusCode::UNPROCESSABLE_ENTITY, &edit_page_for(&page, &loaded, name.clone(), &head, errors, None))
    };
    if let Some(problem) = name_problem(&name) {
        return Ok(unprocessable((Some(problem), None)));
    }
    let now = state.clock.now();
    let by = AuditBy::new(&actor, &client);
    let outcome = {
        let (name, head) = (name.clone(), head.clone());
        state
            .db
            .run(move |conn| {
                let outcome = conn.transaction(|conn| -> QueryResult<Result<(), EditErrors>> {
                    let current = department::find(conn, &id)?;
                    let head = (!head.is_empty()).then_some(head);
                    if let Some(head_id) = &head {
                        let unchanged = current.head_employee_id.as_deref() == Some(head_id.as_str());
                        match employee::find(conn, head_id).optional()? {
                            None => return Ok(Err((None, Some("Choose a head from the list.".into())))),
                            Some(e) if e.is_terminated() && !unchanged => {
                                let msg = format!("{} no longer works here; choose a current employee.", e.full_name);
                                return Ok(Err((None, Some(msg))));
                            }
                            Some(_) => {}
                        }
                    }
                    if department::name_taken(conn, &name, Some(&id))?
                        || !department::update(conn, &id, &name, head.as_deref(), now)?
                    {
                        return Ok(Err((Some(NAME_TAKEN.into()), None)));
                    }
                    let mut detail =
                        if current.name == name { name.clone() } else { format!("{} -> {name}", current.name) };
                    if current.head_employee_id != head {
                        detail.push_str("; head changed");
                    }
                    audit::record(conn, now, Event::DepartmentUpdated, by.entry(None, &detail))?;
                    Ok(Ok(()))
                })?;
                Ok(outcome)
            })
            .await?
    };
    match outcome {
        Ok(()) => Ok(Redirect::to("/departments?saved=1").into_response()),
        Err(errors) => Ok(unprocessable(errors)),
    }
}

pub async fn delete(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    client: Client,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    actor.authorize_global(Action::ManageDepartments)?;
    let now = state.clock.now();
    let by = AuditBy::new(&actor, &client);
    let target = id.clone();
    // `Some(n)`: refused, n records still belong to it.
    let refused = state
        .db
        .transaction(move |conn| {
            let current = department::find(conn, &target)?;
            let members = employee::count_in_department(conn, &target)?;
            if members > 0 {
                return Ok(Some(members));
            }
            department::delete(conn, &target)?;
            audit::record(conn, now, Event::DepartmentDeleted, by.entry(None, &current.name))?;
            Ok(None)
        })
        .await?;
    let Some(members) = refused else {
        return Ok(Redirect::to("/departments?deleted=1").into_response());
    };
    let loaded = load_for_edit(&state, id).await?;
    let people = if members == 1 {
        "1 employee record belongs".to_owned()
    } else {
        format!("{members} employee records belong")
    };
    let message =
        format!("{} cannot be deleted: {people} to it. Move them to another department first.", loaded.department.name);
    let head = loaded.department.head_employee_id.clone().unwrap_or_default();
    let tpl = edit_page_for(&page, &loaded, loaded.department.name.clone(), &head, (None, None), Some(message));
    Ok(render_page(StatusCode::CONFLICT, &tpl))
}
