//! Creating and editing employee records. HR edits every field; someone
//! editing their own record changes only their phone number, and anything
//! else they send is ignored.

use crate::handlers::display::{iso_date, parse_iso_date};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use diesel::{Connection, OptionalExtension, QueryResult};
use serde::Deserialize;
use time::Date;

use super::{AuditBy, SelectOption, end_employment, long_date, staff_options, status_class, visible_employee};
use crate::access::{Action, Actor};
use crate::auth::middleware::Client;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::forms::{CsrfForm, CsrfProtected};
use crate::models::audit::{self, Event};
use crate::models::department::{self, Department};
use crate::models::employee::{self, Employee, EmployeeChanges, EmployeeStatus, NewEmployee};
use crate::models::new_id;
use crate::models::user::{self, email_problem, normalize_email};
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{Layout, render_page};

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

/// A message per field.
#[derive(Clone, Debug, Default)]
pub struct EmployeeErrors {
    pub employee_number: Option<String>,
    pub full_name: Option<String>,
    pub work_email: Option<String>,
    pub job_title: Option<String>,
    pub department_id: Option<String>,
    pub manager_id: Option<String>,
    pub hire_date: Option<String>,
    pub phone: Option<String>,
    pub status: Option<String>,
}

impl EmployeeErrors {
    pub fn is_empty(&self) -> bool {
        [
            &self.employee_number,
            &self.full_name,
            &self.work_email,
            &self.job_title,
            &self.department_id,
            &self.manager_id,
            &self.hire_date,
            &self.phone,
            &self.status,
        ]
        .iter()
        .all(|e| e.is_none())
    }
}

/// The values of a form that passed the checks that need no database.
#[derive(Clone, Debug)]
struct Checked {
    /// Empty when creating: the next free number is used.
    number: String,
    full_name: String,
    work_email: String,
    job_title: String,
    department_id: Option<String>,
    manager_id: Option<String>,
    hire_date: Date,
    phone: String,
    status: EmployeeStatus,
}

/// Digits, spaces and `+ - ( ) . /`, at most 30 characters; empty is allowed.
pub fn phone_problem(phone: &str) -> Option<&'static str> {
    if phone.chars().count() > 30 {
        return Some("Use at most 30 characters.");
    }
    let allowed = |c: char| c.is_ascii_digit() || " +-().,/".contains(c);
    if !phone.chars().all(allowed) {
        return Some("Use digits, spaces and + - ( ) only, like +44 20 7946 0000.");
    }
    if !phone.is_empty() && phone.chars().filter(char::is_ascii_digit).count() < 3 {
        return Some("Enter a phone number with at least 3 digits.");
    }
    None
}

fn required_text(value: &str, missing: &str) -> Option<String> {
    if value.is_empty() {
        Some(missing.into())
    } else if value.chars().count() > 100 {
        Some("Use at most 100 characters.".into())
    } else {
        None
    }
}

/// Checks everything that needs no database. `editing`: the number and
/// status are required (a new record gets the next number and is active).
fn check(form: &EmployeeForm, editing: bool) -> Result<Checked, Box<EmployeeErrors>> {
    let form = form.trimmed();
    let email = normalize_email(&form.work_email);
    let number_problem = if form.employee_number.is_empty() {
        editing.then(|| "Enter the employee number.".to_owned())
    } else if form.employee_number.chars().count() > 20
        || !form.employee_number.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        Some("Use letters, digits and dashes only, at most 20.".to_owned())
    } else {
        None
    };
    let hire_date = parse_iso_date(&form.hire_date).ok_or(());
    let status = if editing { EmployeeStatus::parse(&form.status) } else { Some(EmployeeStatus::Active) };
    let errors = EmployeeErrors {
        employee_number: number_problem,
        full_name: required_text(&form.full_name, "Enter the full name."),
        work_email: if email.is_empty() {
            Some("Enter the work email.".into())
        } else {
            email_problem(&email).map(Into::into)
        },
        job_title: required_text(&form.job_title, "Enter the job title."),
        department_id: None,
        manager_id: None,
        hire_date: match (&hire_date, form.hire_date.is_empty()) {
            (_, true) => Some("Enter the hire date.".into()),
            (Err(_), false) => Some("Enter a date like 2026-06-01.".into()),
            (Ok(_), false) => None,
        },
        phone: phone_problem(&form.phone).map(Into::into),
        status: status.is_none().then(|| "Choose a status.".into()),
    };
    match (errors.is_empty(), hire_date, status) {
        (true, Ok(hire_date), Some(status)) => Ok(Checked {
            number: form.employee_number,
            full_name: form.full_name,
            work_email: email,
            job_title: form.job_title,
            department_id: (!form.department_id.is_empty()).then_some(form.department_id),
            manager_id: (!form.manager_id.is_empty()).then_some(form.manager_id),
            hire_date,
            phone: form.phone,
            status,
        }),
        _ => Err(Box::new(errors)),
    }
}

/// The checks that need the database. `current`: the record being edited.
fn check_against_db(
    conn: &mut DbConnection,
    c: &Checked,
    current: Option<&Employee>,
    actor_employee_id: Option<&str>,
) -> QueryResult<EmployeeErrors> {
    let self_id = current.map(|e| e.id.as_str());
    let mut errors = EmployeeErrors::default();
    if !c.number.is_empty() && employee::number_taken(conn, &c.number, self_id)? {
        errors.employee_number = Some(format!("{} is already someone else's number.", c.number));
    }
    if employee::email_taken(conn, &c.work_email, self_id)? {
        errors.work_email = Some("Another employee record already has this work email.".into());
    }
    if let Some(id) = &c.department_id
        && department::find(conn, id).optional()?.is_none()
    {
        errors.department_id = Some("Choose a department from the list.".into());
    }
    if let Some(manager_id) = &c.manager_id {
        let unchanged = current.is_some_and(|e| e.manager_id.as_deref() == Some(manager_id.as_str()));
        match employee::find(conn, manager_id).optional()? {
            _ if Some(manager_id.as_str()) == self_id => {
                errors.manager_id = Some("Nobody can be their own manager.".into());
            }
            None => errors.manager_id = Some("Choose a manager from the list.".into()),
            Some(m) if m.is_terminated() && !unchanged => {
                errors.manager_id = Some(format!("{} no longer works here; choose a current employee.", m.full_name));
            }
            Some(m) => {
                if let Some(me) = current
                    && employee::would_create_cycle(conn, &me.id, &m.id)?
                {
                    errors.manager_id =
                        Some(format!("{} already reports to {}; choose another manager.", m.full_name, me.full_name));
                }
            }
        }
    }
    if c.status == EmployeeStatus::Terminated
        && self_id.is_some()
        && self_id == actor_employee_id
        && current.is_some_and(|e| !e.is_terminated())
    {
        errors.status = Some("You cannot terminate your own record. Ask someone else in HR.".into());
    }
    Ok(errors)
}

/// The account with this email, if it has no employee record yet.
fn unlinked_account(conn: &mut DbConnection, email: &str) -> QueryResult<Option<String>> {
    match user::find_by_email(conn, email)? {
        Some(account) if employee::find_by_user(conn, &account.id)?.is_none() => Ok(Some(account.id)),
        _ => Ok(None),
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
    pub errors: EmployeeErrors,
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

/// Who is editing whom: the full form (HR) or the phone number only (oneself).
enum Editor {
    Full,
    PhoneOnly,
}

fn editor_for(actor: &Actor, target: &Employee) -> AppResult<Editor> {
    let relation = actor.relation_to(target);
    if actor.can(Action::EditEmployee, relation) {
        Ok(Editor::Full)
    } else if actor.can(Action::EditPhone, relation) {
        Ok(Editor::PhoneOnly)
    } else {
        Err(AppError::Forbidden("You can only change your own phone number.".into()))
    }
}

/// Renders the HR form with the choices it needs.
async fn form_page(
    state: &AppState,
    page: &Page,
    status: StatusCode,
    editing: Option<&Employee>,
    form: EmployeeForm,
    errors: EmployeeErrors,
) -> AppResult<Response> {
    let keep_manager = editing.and_then(|e| e.manager_id.clone());
    let (departments, mut staff, next_number): (Vec<Department>, Vec<Employee>, String) = state
        .db
        .run(move |conn| {
            let mut staff = employee::current_staff(conn)?;
            // A terminated manager still shows, so saving does not silently drop them.
            if let Some(id) = keep_manager
                && !staff.iter().any(|e| e.id == id)
                && let Some(m) = employee::find(conn, &id).optional()?
            {
                staff.push(m);
            }
            Ok((department::all(conn)?, staff, employee::next_employee_number(conn)?))
        })
        .await?;
    staff.sort_by_key(|e| e.full_name.to_lowercase());
    let mut department_options = vec![SelectOption::new("", "No department", &form.department_id)];
    department_options.extend(departments.into_iter().map(|d| SelectOption::new(d.id, d.name, &form.department_id)));
    let mut managers = vec![SelectOption::new("", "No manager", &form.manager_id)];
    managers.extend(staff_options(&staff, &form.manager_id, editing.map(|e| e.id.as_str())));
    let statuses =
        EmployeeStatus::ALL.into_iter().map(|s| SelectOption::new(s.as_str(), s.label(), &form.status)).collect();
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
            csrf_token: page.csrf_token.clone(),
            heading,
            action,
            submit_label,
            cancel_href,
            editing: editing.is_some(),
            next_number,
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
    let (department_id, manager_id) = (target.department_id.clone(), target.manager_id.clone());
    let (department, manager) = state
        .db
        .run(move |conn| {
            let department = department_id.map(|id| department::find(conn, &id)).transpose()?;
            let manager = manager_id.map(|id| employee::find(conn, &id)).transpose()?;
            Ok((department.map(|d| d.name), manager.map(|m| m.full_name)))
        })
        .await?;
    Ok(render_page(
        status,
        &PhoneFormPage {
            layout: page.layout(),
            csrf_token: page.csrf_token.clone(),
            id: target.id.clone(),
            full_name: target.full_name.clone(),
            number: target.employee_number.clone(),
            job_title: target.job_title.clone(),
            work_email: target.work_email.clone(),
            department: department.unwrap_or_default(),
            manager: manager.unwrap_or_default(),
            hire_date: long_date(target.hire_date),
            status_label: target.status().label(),
            status_class: status_class(target.status()),
            phone,
            error,
        },
    ))
}

pub async fn new_page(State(state): State<AppState>, actor: Actor, page: Page) -> AppResult<Response> {
    actor.authorize_global(Action::CreateEmployee)?;
    let form = EmployeeForm { hire_date: iso_date(state.clock.now().date()), ..Default::default() };
    form_page(&state, &page, StatusCode::OK, None, form, EmployeeErrors::default()).await
}

pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    client: Client,
    CsrfForm(form): CsrfForm<EmployeeForm>,
) -> AppResult<Response> {
    actor.authorize_global(Action::CreateEmployee)?;
    let checked = match check(&form, false) {
        Ok(checked) => checked,
        Err(errors) => {
            return form_page(&state, &page, StatusCode::UNPROCESSABLE_ENTITY, None, form.trimmed(), *errors).await;
        }
    };
    let now = state.clock.now();
    let by = AuditBy::new(&actor, &client);
    let outcome = state
        .db
        .run(move |conn| {
            let outcome = conn.transaction(|conn| -> QueryResult<Result<String, EmployeeErrors>> {
                let errors = check_against_db(conn, &checked, None, None)?;
                if !errors.is_empty() {
                    return Ok(Err(errors));
                }
                let number = match checked.number.as_str() {
                    "" => employee::next_employee_number(conn)?,
                    given => given.to_owned(),
                };
                let user_id = unlinked_account(conn, &checked.work_email)?;
                let id = new_id();
                let record = NewEmployee {
                    id: &id,
                    employee_number: &number,
                    user_id: user_id.as_deref(),
                    full_name: &checked.full_name,
                    work_email: &checked.work_email,
                    job_title: &checked.job_title,
                    department_id: checked.department_id.as_deref(),
                    manager_id: checked.manager_id.as_deref(),
                    hire_date: checked.hire_date,
                    phone: &checked.phone,
                    status: EmployeeStatus::Active.as_str(),
                    created_at: now,
                    updated_at: now,
                };
                if !employee::insert(conn, &record)? {
                    // Someone took the email or number a moment ago.
                    let mut errors = check_against_db(conn, &checked, None, None)?;
                    if errors.is_empty() {
                        errors.employee_number = Some(format!("{number} was just taken; try again."));
                    }
                    return Ok(Err(errors));
                }
                let linked = if user_id.is_some() { "; linked to the existing account" } else { "" };
                let detail = format!("{number} {}{linked}", checked.full_name);
                audit::record(conn, now, Event::EmployeeCreated, by.entry(Some(&checked.work_email), &detail))?;
                Ok(Ok(id))
            })?;
            Ok(outcome)
        })
        .await?;
    match outcome {
        Ok(id) => Ok(Redirect::to(&format!("/employees/{id}?created=1")).into_response()),
        Err(errors) => form_page(&state, &page, StatusCode::UNPROCESSABLE_ENTITY, None, form.trimmed(), errors).await,
    }
}

pub async fn edit_page(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let target = visible_employee(&state, &actor, id).await?;
    match editor_for(&actor, &target)? {
        Editor::Full => {
            let form = EmployeeForm::of(&target);
            form_page(&state, &page, StatusCode::OK, Some(&target), form, EmployeeErrors::default()).await
        }
        Editor::PhoneOnly => phone_page(&state, &page, StatusCode::OK, &target, target.phone.clone(), None).await,
    }
}

pub async fn update(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    client: Client,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<EmployeeForm>,
) -> AppResult<Response> {
    let target = visible_employee(&state, &actor, id).await?;
    let editor = editor_for(&actor, &target)?;
    let now = state.clock.now();
    let by = AuditBy::new(&actor, &client);
    let href = format!("/employees/{}", target.id);
    match editor {
        Editor::PhoneOnly => {
            // Only the phone is read from this form: whatever else was sent is ignored.
            let phone = form.phone.trim().to_owned();
            if let Some(problem) = phone_problem(&phone) {
                let error = Some(problem.to_owned());
                return phone_page(&state, &page, StatusCode::UNPROCESSABLE_ENTITY, &target, phone, error).await;
            }
            let target_id = target.id.clone();
            state
                .db
                .transaction(move |conn| {
                    employee::set_phone(conn, &target_id, &phone, now)?;
                    let detail = format!("{} {}: phone", target.employee_number, target.full_name);
                    audit::record(conn, now, Event::EmployeeUpdated, by.entry(Some(&target.work_email), &detail))
                })
                .await?;
        }
        Editor::Full => {
            let checked = match check(&form, true) {
                Ok(checked) => checked,
                Err(errors) => {
                    let status = StatusCode::UNPROCESSABLE_ENTITY;
                    return form_page(&state, &page, status, Some(&target), form.trimmed(), *errors).await;
                }
            };
            let actor_employee = actor.employee_id().map(str::to_owned);
            let target_id = target.id.clone();
            let outcome = state
                .db
                .run(move |conn| {
                    let outcome = conn.transaction(|conn| {
                        save_full(conn, &target_id, &checked, actor_employee.as_deref(), &by, now)
                    })?;
                    Ok(outcome)
                })
                .await?;
            match outcome {
                Ok(revoked) => {
                    for session_id in &revoked {
                        state.revoked.insert(session_id, now);
                    }
                }
                Err(errors) => {
                    let status = StatusCode::UNPROCESSABLE_ENTITY;
                    return form_page(&state, &page, status, Some(&target), form.trimmed(), errors).await;
                }
            }
        }
    }
    Ok(Redirect::to(&format!("{href}?saved=1")).into_response())
}

/// HR's edit, inside one transaction: every field, and what a change of
/// status means for the linked account. Returns the sessions revoked.
fn save_full(
    conn: &mut DbConnection,
    id: &str,
    c: &Checked,
    actor_employee: Option<&str>,
    by: &AuditBy,
    now: crate::clock::Timestamp,
) -> QueryResult<Result<Vec<String>, EmployeeErrors>> {
    let current = employee::find(conn, id)?;
    let errors = check_against_db(conn, c, Some(&current), actor_employee)?;
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let changes = EmployeeChanges {
        employee_number: &c.number,
        full_name: &c.full_name,
        work_email: &c.work_email,
        job_title: &c.job_title,
        department_id: c.department_id.as_deref(),
        manager_id: c.manager_id.as_deref(),
        hire_date: c.hire_date,
        phone: &c.phone,
        // A termination goes through `end_employment` below.
        status: if c.status == EmployeeStatus::Terminated { &current.status } else { c.status.as_str() },
        updated_at: now,
    };
    if !employee::update(conn, id, &changes)? {
        let mut errors = check_against_db(conn, c, Some(&current), actor_employee)?;
        if errors.is_empty() {
            errors.work_email = Some("This work email or number was just taken; try again.".into());
        }
        return Ok(Err(errors));
    }
    let mut revoked = Vec::new();
    let mut notes = Vec::new();
    if c.status == EmployeeStatus::Terminated && !current.is_terminated() {
        revoked = end_employment(conn, &current, now)?;
        notes.push(format!("terminated, sessions revoked: {}", revoked.len()));
    } else if current.is_terminated() && c.status != EmployeeStatus::Terminated {
        // Rehired: the account the termination deactivated may sign in again.
        if let Some(user_id) = &current.user_id {
            user::set_active(conn, user_id, true, now)?;
            notes.push("account reactivated".to_owned());
        }
    }
    if current.user_id.is_none()
        && let Some(user_id) = unlinked_account(conn, &c.work_email)?
        && employee::link_user(conn, id, &user_id, now)?
    {
        notes.push("linked to the existing account".to_owned());
    }
    let changed: Vec<&str> = [
        ("employee_number", current.employee_number != c.number),
        ("full_name", current.full_name != c.full_name),
        ("work_email", current.work_email != c.work_email),
        ("job_title", current.job_title != c.job_title),
        ("department", current.department_id != c.department_id),
        ("manager", current.manager_id != c.manager_id),
        ("hire_date", current.hire_date != c.hire_date),
        ("phone", current.phone != c.phone),
        ("status", current.status() != c.status),
    ]
    .into_iter()
    .filter_map(|(name, changed)| changed.then_some(name))
    .collect();
    let mut detail = format!(
        "{} {}: {}",
        c.number,
        c.full_name,
        if changed.is_empty() { "no changes".to_owned() } else { changed.join(", ") }
    );
    for note in notes {
        detail.push_str("; ");
        detail.push_str(&note);
    }
    audit::record(conn, now, Event::EmployeeUpdated, by.entry(Some(&c.work_email), &detail))?;
    Ok(Ok(revoked))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers() {
        for ok in ["", "+44 20 7946 0000", "(555) 123-4567", "0301/123"] {
            assert_eq!(phone_problem(ok), None, "{ok:?}");
        }
        for bad in ["call me", "12", "+1 555 0000 ext. 5", &"1".repeat(31)] {
            assert!(phone_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn a_new_record_needs_no_number_and_is_active() {
        let form = EmployeeForm {
            full_name: " Ann Lee ".into(),
            work_email: "Ann@Example.com".into(),
            job_title: "Engineer".into(),
            hire_date: "2026-06-01".into(),
            status: "terminated".into(),
            ..Default::default()
        };
        let c = check(&form, false).expect("valid");
        assert_eq!(
            (c.number.as_str(), c.full_name.as_str(), c.work_email.as_str()),
            ("", "Ann Lee", "ann@example.com")
        );
        assert_eq!(c.status, EmployeeStatus::Active);
        let errors = check(&form, true).expect_err("editing needs a number");
        assert!(errors.employee_number.is_some());
    }

    #[test]
    fn bad_values_get_a_message_each() {
        let form = EmployeeForm { hire_date: "1 June".into(), phone: "x".into(), ..Default::default() };
        let e = check(&form, true).expect_err("invalid");
        for field in [&e.full_name, &e.work_email, &e.job_title, &e.hire_date, &e.phone, &e.status, &e.employee_number]
        {
            assert!(field.is_some());
        }
    }
}
