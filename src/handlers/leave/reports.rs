//! HR's view of leave: every request in the company, filtered and paged
//! (`/leave/requests`), and the same list as a CSV download
//! (`/leave/requests.csv`).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::{RequestView, YearLink, year_links};
use crate::access::Actor;
use crate::display::Pager;
use crate::domain::leave::reports::{self, AllQuery, PER_PAGE};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::handlers::employees::SelectOption;
use crate::models::leave::LeaveStatus;
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{Layout, render_page};

const LIST: &str = "/leave/requests";

/// The filters in the query string.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct AllParams {
    #[serde(default)]
    person: String,
    #[serde(default)]
    department: String,
    #[serde(default, rename = "type")]
    leave_type: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: String,
}

impl AllParams {
    fn query(&self) -> AllQuery {
        AllQuery {
            person: self.person.clone(),
            department: self.department.clone(),
            leave_type: self.leave_type.clone(),
            status: self.status.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            page: self.page.clone(),
        }
    }

    /// The filters (not the page) as query parameters, the empty ones left out.
    fn filters(&self) -> Vec<(&'static str, String)> {
        let mut params = vec![
            ("person", self.person.trim().to_owned()),
            ("department", self.department.trim().to_owned()),
            ("type", self.leave_type.trim().to_owned()),
            ("status", self.status.trim().to_owned()),
            ("from", self.from.trim().to_owned()),
            ("to", self.to.trim().to_owned()),
        ];
        params.retain(|(_, v)| !v.is_empty());
        params
    }
}

fn read_params(params: Result<Query<AllParams>, QueryRejection>) -> AppResult<AllParams> {
    let Query(params) = params.map_err(|_| {
        AppError::BadRequest("The filters in this address could not be read. Open All requests again.".into())
    })?;
    Ok(params)
}

#[derive(askama::Template)]
#[template(path = "leave/all_requests.html")]
pub struct AllRequestsPage {
    pub layout: Layout,
    pub rows: Vec<RequestView>,
    pub person: String,
    pub departments: Vec<SelectOption>,
    pub types: Vec<SelectOption>,
    pub statuses: Vec<SelectOption>,
    pub from: String,
    pub to: String,
    pub errors: FieldErrors,
    pub filtered: bool,
    pub pager: Pager,
    /// The download of this selection.
    pub csv_href: String,
}

/// `GET /leave/requests`: HR's list of every request.
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    params: Result<Query<AllParams>, QueryRejection>,
) -> AppResult<Response> {
    let params = read_params(params)?;
    let shown = reports::all_requests(&state, &actor, &params.query()).await?;
    let today = state.clock.now().date();
    let departments = SelectOption::with_none(
        "Any department",
        params.department.trim(),
        shown.departments.into_iter().map(|d| (d.id, d.name)),
    );
    let types =
        SelectOption::with_none("Any type", params.leave_type.trim(), shown.types.into_iter().map(|t| (t.id, t.name)));
    let statuses = SelectOption::with_none(
        "Any status",
        params.status.trim(),
        LeaveStatus::ALL.into_iter().map(|s| (s.as_str().to_owned(), crate::display::leave_status_label(s).to_owned())),
    );
    let filters = params.filters();
    let pairs: Vec<(&str, &str)> = filters.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, rows, errors, pager) = match shown.listing {
        Ok(listing) => {
            let pages = ((listing.total + PER_PAGE - 1) / PER_PAGE).max(1);
            let pager = Pager {
                page: listing.page,
                pages,
                total: listing.total,
                per_page: PER_PAGE,
                exact: true,
                prev_href: None,
                next_href: None,
            }
            .with_links(LIST, &pairs);
            let rows = listing.requests.iter().map(|r| RequestView::new(r, &listing.names, today)).collect();
            (StatusCode::OK, rows, FieldErrors::new(), pager)
        }
        Err(errors) => (StatusCode::BAD_REQUEST, Vec::new(), errors, Pager::new(None, 0, PER_PAGE)),
    };
    let csv_href = crate::display::page_href("/leave/requests.csv", &pairs, 1);
    Ok(render_page(
        status,
        &AllRequestsPage {
            layout: page.layout(),
            rows,
            person: params.person.trim().to_owned(),
            departments,
            types,
            statuses,
            from: params.from.trim().to_owned(),
            to: params.to.trim().to_owned(),
            errors,
            filtered: !filters.is_empty(),
            pager,
            csv_href,
        },
    ))
}

/// Moved to `crate::csv::stream::response`, shared by every download.
pub use crate::csv::stream::response as csv_response;

/// `GET /leave/requests.csv`: the whole filtered list as CSV.
pub async fn list_csv(
    State(state): State<AppState>,
    actor: Actor,
    params: Result<Query<AllParams>, QueryRejection>,
) -> AppResult<Response> {
    let params = read_params(params)?;
    let chunks = reports::all_requests_csv(&state, &actor, &params.query()).await?;
    Ok(csv_response("leave-requests.csv", chunks))
}

// ---------- GET /leave/report ----------

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ReportParams {
    #[serde(default)]
    year: String,
}

impl ReportParams {
    /// The year asked for; `None`: this year. Anything but a number is `Invalid` on `year`.
    fn year(&self) -> AppResult<Option<i32>> {
        match self.year.trim() {
            "" => Ok(None),
            typed => typed.parse().map(Some).map_err(|_| AppError::invalid("year", "Enter a year like 2026.")),
        }
    }
}

/// One line of the report: a person's balance of one type.
pub struct ReportLine {
    pub employee_id: String,
    pub employee: String,
    pub type_name: String,
    pub allowance: String,
    pub carried: String,
    pub taken: String,
    pub pending: String,
    pub left: String,
    pub overdrawn: bool,
}

#[derive(askama::Template)]
#[template(path = "leave/report.html")]
pub struct ReportPage {
    pub layout: Layout,
    pub year: i32,
    /// The year switcher: the years around this one that can be shown.
    pub years: Vec<YearLink>,
    pub lines: Vec<ReportLine>,
    pub people: usize,
}

fn read_report_params(params: Result<Query<ReportParams>, QueryRejection>) -> AppResult<Option<i32>> {
    let Query(params) = params.map_err(|_| {
        AppError::BadRequest("The year in this address could not be read. Open the report again.".into())
    })?;
    params.year()
}

/// `GET /leave/report?year=`: every current employee's balances in a year.
pub async fn report(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    params: Result<Query<ReportParams>, QueryRejection>,
) -> AppResult<Response> {
    use crate::display::format_days;
    let year = read_report_params(params)?;
    let report = reports::leave_report(&state, &actor, year).await?;
    let people = report.rows.len();
    let mut lines = Vec::new();
    for row in report.rows {
        for b in &row.balances {
            let left = b.left();
            lines.push(ReportLine {
                employee_id: row.employee.id.clone(),
                employee: row.employee.full_name.clone(),
                type_name: b.leave_type.name.clone(),
                allowance: b.allowance.map(format_days).unwrap_or_else(|| "No limit".into()),
                carried: format_days(b.carried),
                taken: format_days(b.taken),
                pending: format_days(b.pending),
                left: left.map(format_days).unwrap_or_else(|| "No limit".into()),
                overdrawn: left.is_some_and(|l| l < 0),
            });
        }
    }
    let years = year_links("/leave/report", &crate::domain::leave::rules::neighbouring_years(report.year), report.year);
    Ok(render_page(StatusCode::OK, &ReportPage { layout: page.layout(), year: report.year, years, lines, people }))
}

/// `GET /leave/report.csv?year=`: the report as CSV.
pub async fn report_csv(
    State(state): State<AppState>,
    actor: Actor,
    params: Result<Query<ReportParams>, QueryRejection>,
) -> AppResult<Response> {
    let year = read_report_params(params)?;
    let report = reports::leave_report(&state, &actor, year).await?;
    let chunks = reports::report_csv(&report);
    Ok(csv_response(&format!("leave-report-{}.csv", report.year), chunks))
}
