//! Creating and editing employee records. HR edits every field; someone
//! editing their own record changes only their phone number, and anything
//! else they send is ignored.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::{SelectOption, staff_options};
use crate::access::Actor;
use crate::display::{employee_status_class, iso_date, long_date};
use crate::domain::accounts;
use crate::domain::employees::{self, Editor, RecordInput};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::forms::{CsrfForm, CsrfProtected};
use crate::models::employee::{Employee, EmployeeStatus};
use crate::notice::Notice;
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{Layout, filters, render_page};

/// The record form as posted. Fields the sender may not change are ignored,
/// never applied (an employee's own form has only `phone`).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct EmployeeForm {
    #[serde(default)]
    pub employee_number: String,
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub work_email: String,
    #[serde(default)]
    pub job_title: String,
    #[serde(default)]
    pub department_id: String,
    #[serde(default)]
    pub manager_id: String,
    #[serde(default)]
    pub hire_date: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    csrf_token: String,
}

impl CsrfProtected for EmployeeForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

impl EmployeeForm {
    fn of(e: &Employee) -> Self {
        EmployeeForm {
            employee_number: e.employee_number.clone(),
            full_name: e.full_name.clone(),
            work_email: e.work_email.clone(),
            job_title: e.job_title.clone(),
            department_id: e.department_id.clone().unwrap_or_default(),
            manager_id: e.manager_id.clone().unwrap_or_default(),
            hire_date: iso_date(e.hire_date),
            phone: e.phone.clone(),
            status: e.status.clone(),
            csrf_token: String::new(),
        }
    }

    fn input(&self) -> RecordInput {
        RecordInput {
            employee_number: self.employee_number.clone(),
            full_name: self.full_name.clone(),
            work_email: self.work_email.clone(),
            job_title: self.job_title.clone(),
            department_id: self.department_id.clone(),
            manager_id: self.manager_id.clone(),
            hire_date: self.hire_date.clone(),
            phone: self.phone.clone(),
            status: self.status.clone(),
        }
    }

    /// The values as they are shown again: trimmed, nothing else changed.
    fn trimmed(&self) -> Self {
        let t = |s: &str| s.trim().to_owned();
        EmployeeForm {
            employee_number: t(&self.employee_number),
            full_name: t(&self.full_name),
            work_email: t(&self.work_email),
            job_title: t(&self.job_title),
            department_id: t(&self.department_id),
            manager_id: t(&self.manager_id),
            hire_date: t(&self.hire_date),
            phone: t(&self.phone),
            status: t(&self.status),
            csrf_token: String::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "employees/form.html")]
pub struct EmployeeFormPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub heading: String,
    pub action: String,
    pub submit_label: &'static str,
    pub cancel_href: String,
    pub editing: bool,
    pub next_number: String,
    pub form: EmployeeForm,
    pub errors: FieldErrors,
    pub departments: Vec<SelectOption>,
    pub managers: Vec<SelectOption>,
    pub statuses: Vec<SelectOption>,
}

/// The phone form for one's own record, with the rest shown read-only.
#[derive(Template)]
#[template(path = "employees/edit_phone.html")]
pub struct PhoneFormPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub id: String,
    pub full_name: String,
    pub number: String,
    pub job_title: String,
    pub work_email: String,
    pub department: String,
    pub manager: String,
    pub hire_date: String,
    pub status_label: &'static str,
    pub status_class: &'static str,
    pub phone: String,
    pub error: Option<String>,
}

/// Renders the HR form with the choices it needs.
async fn form_page(
    state: &AppState,
    actor: &Actor,
    page: &Page,
    status: StatusCode,
    editing: Option<&Employee>,
    form: EmployeeForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let choices = employees::form_choices(state, actor, editing).await?;
    let mut department_options = vec![SelectOption::new("", "No department", &form.department_id)];
    department_options
        .extend(choices.departments.into_iter().map(|d| SelectOption::new(d.id, d.name, &form.department_id)));
    let mut managers = vec![SelectOption::new("", "No manager", &form.manager_id)];
    managers.extend(staff_options(&choices.staff, &form.manager_id, editing.map(|e| e.id.as_str())));
    // Terminated is offered only to a record that is: ending an employment
    // has a page of its own, which asks for the last day and a reason.
    let terminated = editing.is_some_and(Employee::is_terminated);
    let statuses = EmployeeStatus::ALL
        .into_iter()
        .filter(|s| *s != EmployeeStatus::Terminated || terminated)
        .map(|s| SelectOption::new(s.as_str(), s.label(), &form.status))
        .collect();
    let (heading, action, cancel_href, submit_label) = match editing {
        Some(e) => (
            format!("Edit {}", e.full_name),
            format!("/employees/{}", e.id),
            format!("/employees/{}", e.id),
            "Save changes",
        ),
        None => ("New employee".into(), "/employees".into(), "/employees".into(), "Create record"),
    };
    Ok(render_page(
        status,
        &EmployeeFormPage {
            layout: page.layout(),
            csrf_token: page.csrf_token(),
            heading,
            action,
            submit_label,
            cancel_href,
            editing: editing.is_some(),
            next_number: choices.next_number,
            form,
            errors,
            departments: department_options,
            managers,
            statuses,
        },
    ))
}

async fn phone_page(
    state: &AppState,
    page: &Page,
    status: StatusCode,
    target: &Employee,
    phone: String,
    error: Option<String>,
) -> AppResult<Response> {
    let (department, manager) = employees::surroundings(state, target).await?;
    Ok(render_page(
        status,
        &PhoneFormPage {
            layout: page.layout(),
            csrf_token: page.csrf_token(),
            id: target.id.clone(),
            full_name: target.full_name.clone(),
            number: target.employee_number.clone(),
            job_title: target.job_title.clone(),
            work_email: target.work_email.clone(),
            department: department.unwrap_or_default(),
            manager: manager.unwrap_or_default(),
            hire_date: long_date(target.hire_date),
            status_label: target.status().label(),
            status_class: employee_status_class(target.status()),
            phone,
            error,
        },
    ))
}

/// `?for=me`: the form filled in with one's own name and email, for HR or an
/// Admin who has no record yet (creating it links their account, as for
/// anyone whose email has an account).
#[derive(Debug, Default, Deserialize)]
pub struct NewRecordQuery {
    #[serde(default, rename = "for")]
    for_whom: String,
}

pub async fn new_page(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    axum::extract::Query(query): axum::extract::Query<NewRecordQuery>,
) -> AppResult<Response> {
    let mut form = EmployeeForm { hire_date: iso_date(state.clock.now().date()), ..Default::default() };
    if query.for_whom == "me" {
        let me = accounts::own_account(&state, &actor).await?;
        (form.full_name, form.work_email) = (me.full_name, me.email);
    }
    form_page(&state, &actor, &page, StatusCode::OK, None, form, FieldErrors::new()).await
}

pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    CsrfForm(form): CsrfForm<EmployeeForm>,
) -> AppResult<Response> {
    match employees::create(&state, &actor, form.input()).await {
        Ok(record) => Ok(Notice::EmployeeCreated.redirect(&format!("/employees/{}", record.id))),
        Err(AppError::Invalid(errors)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            form_page(&state, &actor, &page, status, None, form.trimmed(), errors).await
        }
        Err(e) => Err(e),
    }
}

pub async fn edit_page(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (target, editor) = employees::for_edit(&state, &actor, id).await?;
    match editor {
        Editor::Full => {
            let form = EmployeeForm::of(&target);
            form_page(&state, &actor, &page, StatusCode::OK, Some(&target), form, FieldErrors::new()).await
        }
        Editor::PhoneOnly => phone_page(&state, &page, StatusCode::OK, &target, target.phone.clone(), None).await,
    }
}

pub async fn update(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<EmployeeForm>,
) -> AppResult<Response> {
    match employees::update(&state, &actor, id.clone(), form.input()).await {
        Ok(()) => Ok(Notice::EmployeeSaved.redirect(&format!("/employees/{id}"))),
        Err(AppError::Invalid(errors)) => {
            let (target, editor) = employees::for_edit(&state, &actor, id).await?;
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            match editor {
                Editor::Full => form_page(&state, &actor, &page, status, Some(&target), form.trimmed(), errors).await,
                Editor::PhoneOnly => {
                    let error = errors.get("phone").map(str::to_owned);
                    phone_page(&state, &page, status, &target, form.phone.trim().to_owned(), error).await
                }
            }
        }
        Err(e) => Err(e),
    }
}
