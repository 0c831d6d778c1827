//! `GET /employees/{id}`: one person, their manager and direct reports;
//! `POST /employees/{id}/invite`.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::access::Actor;
use crate::display::{employee_status_class, long_date};
use crate::domain::employees::{self, Editor};
use crate::error::{AppError, AppResult};
use crate::forms::{CsrfForm, CsrfOnly};
use crate::handlers::leave::{BalanceView, RequestView, YearLink, asked_year, year_links};
use crate::models::employee::Employee;
use crate::notice::{Notice, Shown};
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{Layout, filters, ok_page};

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
    /// A former employee's last working day, when it was recorded.
    pub last_working_day: Option<String>,
    /// Why their employment ended, to those who may read it (HR).
    pub termination_reason: Option<String>,
    /// (id, name)
    pub department: Option<(String, String)>,
    pub manager: Option<PersonLink>,
    pub reports: Vec<PersonLink>,
    pub is_own: bool,
    pub may_edit: bool,
    pub edit_label: &'static str,
    pub may_terminate: bool,
    pub may_invite: bool,
    pub notice: Option<&'static str>,
    /// Their leave in one year, when the viewer may see it.
    pub leave: Option<ProfileLeave>,
}

/// A person's leave in one year, as their profile shows it.
pub struct ProfileLeave {
    pub year: i32,
    pub years: Vec<YearLink>,
    pub balances: Vec<BalanceView>,
    pub requests: Vec<RequestView>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ProfileQuery {
    year: Option<String>,
}

pub async fn profile(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    Path(id): Path<String>,
    shown: Shown,
    query: Result<Query<ProfileQuery>, QueryRejection>,
) -> AppResult<Response> {
    let Query(query) = query.map_err(|_| AppError::BadRequest("Choose a year as a number, like 2026.".into()))?;
    let p = employees::profile(&state, &actor, id.clone(), asked_year(query.year.as_deref())?).await?;
    let today = state.clock.now().date();
    // A leaver's last year is pro-rated to their last working day.
    let left_in = p.target.terminated_on.filter(|_| p.target.is_terminated()).map(|day| day.year());
    let leave = p.leave.map(|o| ProfileLeave {
        year: o.year,
        years: year_links(&format!("/employees/{id}"), &o.years, o.year),
        balances: o
            .balances
            .iter()
            .map(|b| {
                let mut view = BalanceView::new(b);
                if b.prorated && left_in == Some(o.year) {
                    view.allowance_note = Some("Pro-rated to the last working day");
                }
                view
            })
            .collect(),
        requests: o.requests.iter().map(|r| RequestView::new(r, &o.names, today)).collect(),
    });
    let target = p.target;
    let status = target.status();
    Ok(ok_page(&ProfilePage {
        layout: page.layout(),
        csrf_token: page.csrf_token(),
        is_own: p.is_own,
        may_edit: p.editor.is_some(),
        edit_label: if p.editor == Some(Editor::Full) { "Edit record" } else { "Edit phone number" },
        may_terminate: p.may_terminate,
        may_invite: p.may_invite,
        department: p.department.map(|d| (d.id, d.name)),
        manager: p.manager.map(|m| PersonLink::of(&actor, &m)),
        reports: p.reports.iter().map(|r| PersonLink::of(&actor, r)).collect(),
        status_label: status.label(),
        status_class: employee_status_class(status),
        terminated: target.is_terminated(),
        last_working_day: target.terminated_on.filter(|_| target.is_terminated()).map(long_date),
        termination_reason: target
            .termination_reason
            .clone()
            .filter(|_| target.is_terminated() && p.may_see_termination_reason),
        hire_date: long_date(target.hire_date),
        id: target.id,
        full_name: target.full_name,
        number: target.employee_number,
        job_title: target.job_title,
        work_email: target.work_email,
        phone: target.phone,
        notice: shown.text(),
        leave,
    }))
}

/// HR mails the person on a record without an account an invitation.
pub async fn invite(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    crate::domain::accounts::requests::invite(&state, &actor, id.clone()).await?;
    Ok(Notice::InvitationSent.redirect(&format!("/employees/{id}")))
}
