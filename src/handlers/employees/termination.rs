//! `GET /employees/{id}/terminate`: the page that ends someone's employment,
//! with the last working day and the reason; `POST` does it. The rules are in
//! `domain::employees::terminate`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::access::Actor;
use crate::display::{iso_date, long_date};
use crate::domain::employees::{self, MAX_TERMINATION_REASON_CHARS, TerminationInput};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::forms::{CsrfForm, CsrfProtected};
use crate::models::employee::Employee;
use crate::notice::Notice;
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{Layout, render_page};

#[derive(Template)]
#[template(path = "employees/terminate.html")]
pub struct TerminatePage {
    pub layout: Layout,
    pub csrf_token: String,
    pub id: String,
    pub full_name: String,
    pub number: String,
    pub job_title: String,
    pub hire_date: String,
    /// The bounds of the date input, `YYYY-MM-DD`: the hire date and today.
    pub earliest: String,
    pub latest: String,
    pub has_account: bool,
    pub last_working_day: String,
    pub reason: String,
    pub max_reason: usize,
    pub errors: FieldErrors,
}

/// The termination form as posted.
#[derive(Debug, Default, Deserialize)]
pub struct TerminationForm {
    #[serde(default)]
    last_working_day: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    csrf_token: String,
}

impl CsrfProtected for TerminationForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

fn form_page(
    state: &AppState,
    page: &Page,
    status: StatusCode,
    target: &Employee,
    last_working_day: String,
    reason: String,
    errors: FieldErrors,
) -> Response {
    let today = state.clock.now().date();
    render_page(
        status,
        &TerminatePage {
            layout: page.layout(),
            csrf_token: page.csrf_token(),
            id: target.id.clone(),
            full_name: target.full_name.clone(),
            number: target.employee_number.clone(),
            job_title: target.job_title.clone(),
            hire_date: long_date(target.hire_date),
            earliest: iso_date(target.hire_date),
            latest: iso_date(today),
            has_account: target.user_id.is_some(),
            last_working_day,
            reason,
            max_reason: MAX_TERMINATION_REASON_CHARS,
            errors,
        },
    )
}

/// The form, with today as the last working day. A record already
/// terminated goes back to its profile.
pub async fn terminate_page(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let target = employees::for_termination(&state, &actor, id).await?;
    if target.is_terminated() {
        return Ok(Redirect::to(&format!("/employees/{}", target.id)).into_response());
    }
    let today = iso_date(state.clock.now().date());
    Ok(form_page(&state, &page, StatusCode::OK, &target, today, String::new(), FieldErrors::new()))
}

/// Ends the employment; a refused form comes back with its messages (422).
pub async fn terminate(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<TerminationForm>,
) -> AppResult<Response> {
    let input = TerminationInput { last_working_day: form.last_working_day.clone(), reason: form.reason.clone() };
    match employees::terminate(&state, &actor, id.clone(), input).await {
        Ok(id) => Ok(Notice::EmployeeTerminated.redirect(&format!("/employees/{id}"))),
        Err(AppError::Invalid(errors)) => {
            let target = employees::for_termination(&state, &actor, id).await?;
            let (day, reason) = (form.last_working_day.trim().to_owned(), form.reason.trim().to_owned());
            Ok(form_page(&state, &page, StatusCode::UNPROCESSABLE_ENTITY, &target, day, reason, errors))
        }
        Err(e) => Err(e),
    }
}
