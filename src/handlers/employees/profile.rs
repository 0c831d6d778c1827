//! `GET /employees/{id}`: one person, their manager and direct reports;
//! `POST /employees/{id}/terminate`.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{AuditBy, end_employment, long_date, status_class, visible_employee};
use crate::access::{Action, Actor, Relation};
use crate::auth::middleware::Client;
use crate::error::{AppError, AppResult};
use crate::forms::{CsrfForm, CsrfOnly};
use crate::models::audit::{self, Event};
use crate::models::department;
use crate::models::employee::{self, Employee};
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{Layout, ok_page};

/// Someone mentioned on a profile: a link when the viewer may open theirs.
pub struct PersonLink {
    pub name: String,
    pub title: String,
    pub href: Option<String>,
}

impl PersonLink {
    fn of(actor: &Actor, e: &Employee) -> Self {
        PersonLink {
            name: e.full_name.clone(),
            title: e.job_title.clone(),
            href: actor.may_view_employee(e).then(|| format!("/employees/{}", e.id)),
        }
    }
}

#[derive(Template)]
#[template(path = "employees/profile.html")]
pub struct ProfilePage {
    pub layout: Layout,
    pub csrf_token: String,
    pub id: String,
    pub full_name: String,
    pub number: String,
    pub job_title: String,
    pub work_email: String,
    pub phone: String,
    pub hire_date: String,
    pub status_label: &'static str,
    pub status_class: &'static str,
    pub terminated: bool,
    /// (id, name)
    pub department: Option<(String, String)>,
    pub manager: Option<PersonLink>,
    pub reports: Vec<PersonLink>,
    pub is_own: bool,
    pub may_edit: bool,
    pub edit_label: &'static str,
    pub may_terminate: bool,
    pub notice: Option<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ProfileQuery {
    created: Option<String>,
    saved: Option<String>,
    terminated: Option<String>,
}

pub async fn profile(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    Path(id): Path<String>,
    query: Result<Query<ProfileQuery>, QueryRejection>,
) -> AppResult<Response> {
    let target = visible_employee(&state, &actor, id).await?;
    let relation = actor.relation_to(&target);
    let (department_id, manager_id, target_id) =
        (target.department_id.clone(), target.manager_id.clone(), target.id.clone());
    let (department, manager, reports) = state
        .db
        .run(move |conn| {
            let department = department_id.map(|id| department::find(conn, &id)).transpose()?;
            let manager = manager_id.map(|id| employee::find(conn, &id)).transpose()?;
            Ok((department, manager, employee::direct_reports(conn, &target_id)?))
        })
        .await?;
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let notice = if q.created.is_some() {
        Some("The employee record was created.")
    } else if q.saved.is_some() {
        Some("Your changes were saved.")
    } else if q.terminated.is_some() {
        Some("The employee was terminated. Their account can no longer sign in.")
    } else {
        None
    };
    let status = target.status();
    Ok(ok_page(&ProfilePage {
        layout: page.layout(),
        csrf_token: page.csrf_token.clone(),
        is_own: relation == Relation::Own,
        may_edit: actor.can(Action::EditEmployee, relation) || actor.can(Action::EditPhone, relation),
        edit_label: if actor.can(Action::EditEmployee, relation) { "Edit record" } else { "Edit phone number" },
        may_terminate: !target.is_terminated()
            && relation != Relation::Own
            && actor.can(Action::TerminateEmployee, relation),
        department: department.map(|d| (d.id, d.name)),
        manager: manager.map(|m| PersonLink::of(&actor, &m)),
        reports: reports.iter().map(|r| PersonLink::of(&actor, r)).collect(),
        status_label: status.label(),
        status_class: status_class(status),
        terminated: target.is_terminated(),
        hire_date: long_date(target.hire_date),
        id: target.id,
        full_name: target.full_name,
        number: target.employee_number,
        job_title: target.job_title,
        work_email: target.work_email,
        phone: target.phone,
        notice,
    }))
}

/// Ends someone's employment: the record is terminated, their account
/// deactivated and every session of it revoked, all in one transaction.
pub async fn terminate(
    State(state): State<AppState>,
    actor: Actor,
    client: Client,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    let target = visible_employee(&state, &actor, id).await?;
    let relation = actor.relation_to(&target);
    actor.authorize(Action::TerminateEmployee, relation)?;
    if relation == Relation::Own {
        return Err(AppError::Forbidden("You cannot terminate your own record. Ask someone else in HR.".into()));
    }
    let href = format!("/employees/{}", target.id);
    if target.is_terminated() {
        return Ok(Redirect::to(&href).into_response());
    }
    let now = state.clock.now();
    let by = AuditBy::new(&actor, &client);
    let revoked = state
        .db
        .transaction(move |conn| {
            // Re-read inside the transaction: someone may have changed it meanwhile.
            let current = employee::find(conn, &target.id)?;
            if current.is_terminated() {
                return Ok(Vec::new());
            }
            let revoked = end_employment(conn, &current, now)?;
            let detail = format!(
                "{} {}; account deactivated: {}; sessions revoked: {}",
                current.employee_number,
                current.full_name,
                if current.user_id.is_some() { "yes" } else { "no account" },
                revoked.len()
            );
            audit::record(conn, now, Event::EmployeeTerminated, by.entry(Some(&current.work_email), &detail))?;
            Ok(revoked)
        })
        .await?;
    // Their access tokens die now on this instance, not at expiry.
    for session_id in &revoked {
        state.revoked.insert(session_id, now);
    }
    Ok(Redirect::to(&format!("{href}?terminated=1")).into_response())
}
