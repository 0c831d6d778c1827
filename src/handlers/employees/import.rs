//! Importing employee records from CSV (`/employees/import`): the upload
//! form with the columns explained, the preview of an upload, and its
//! confirmation; the template file. The directory's export is `export`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::access::Actor;
use crate::domain::employees::import::{self, Confirmed, MAX_FILE_BYTES, Preview};
use crate::error::{AppError, AppResult};
use crate::forms::{CsrfForm, CsrfOnly, CsrfUpload};
use crate::notice::Notice;
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{Layout, render_page};

/// What each column holds, as the import page explains it.
const COLUMN_HELP: [(&str, bool, &str); 9] = [
    (
        "employee_number",
        true,
        "Letters, digits and dashes, like E0042. A number the portal knows updates that record; a new one creates a record.",
    ),
    ("full_name", true, "At most 100 characters."),
    ("work_email", true, "One per person. It links the record to the person's account, now or when they sign up."),
    ("job_title", true, "At most 100 characters."),
    ("department", false, "The name of a department that exists (any case). Empty: no department."),
    (
        "manager_employee_number",
        false,
        "The employee number of their manager: someone in the portal or anywhere in the file. Empty: no manager.",
    ),
    ("hire_date", true, "Year-month-day, like 2026-06-01."),
    ("phone", false, "Digits, spaces and + - ( ) . /, like +44 20 7946 0000."),
    (
        "status",
        false,
        "active or on_leave (terminated only for someone already terminated, or a new record). Empty: active, or unchanged.",
    ),
];

pub struct ColumnHelp {
    pub name: &'static str,
    pub required: bool,
    pub meaning: &'static str,
}

pub struct ProblemView {
    /// "Row 3", "Header", "File".
    pub row: String,
    pub column: String,
    pub message: String,
}

pub struct ChangeView {
    pub row: usize,
    pub number: String,
    pub name: String,
    pub fields: String,
}

pub struct PreviewView {
    /// The file's name, counts and the id to confirm; its problems and
    /// changes are taken out into the fields below, as they are shown.
    pub summary: Preview,
    pub problems: Vec<ProblemView>,
    /// Problems beyond those listed.
    pub more_problems: usize,
    pub changes: Vec<ChangeView>,
    /// Shown again after a confirmation: something changed meanwhile.
    pub refused: bool,
}

impl PreviewView {
    fn of(mut summary: Preview, refused: bool) -> Self {
        let problems: Vec<ProblemView> = std::mem::take(&mut summary.problems)
            .into_iter()
            .map(|problem| ProblemView {
                row: match problem.row {
                    0 => "File".to_owned(),
                    1 if !problem.column.is_empty() => "Header (row 1)".to_owned(),
                    n => format!("Row {n}"),
                },
                column: if problem.column.is_empty() { "—".to_owned() } else { problem.column },
                message: problem.message,
            })
            .collect();
        let changes = std::mem::take(&mut summary.changes)
            .into_iter()
            .map(|(row, number, name, fields)| ChangeView { row, number, name, fields: fields.join(", ") })
            .collect();
        PreviewView {
            more_problems: summary.problem_count.saturating_sub(problems.len()),
            problems,
            changes,
            summary,
            refused,
        }
    }
}

#[derive(Template)]
#[template(path = "employees/import.html")]
pub struct ImportPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub columns: Vec<ColumnHelp>,
    pub max_mib: usize,
    pub preview: Option<PreviewView>,
    /// The upload itself was refused (too large).
    pub error: Option<String>,
}

fn render(page: &Page, status: StatusCode, preview: Option<PreviewView>, error: Option<String>) -> Response {
    let columns = COLUMN_HELP.iter().map(|&(name, required, meaning)| ColumnHelp { name, required, meaning }).collect();
    render_page(
        status,
        &ImportPage {
            layout: page.layout(),
            csrf_token: page.csrf_token(),
            columns,
            max_mib: MAX_FILE_BYTES / (1024 * 1024),
            preview,
            error,
        },
    )
}

fn too_large(page: &Page) -> Response {
    let message = format!(
        "The file is larger than {} MiB, the most an import accepts. Split it into several files and import them one after another.",
        MAX_FILE_BYTES / (1024 * 1024)
    );
    render(page, StatusCode::PAYLOAD_TOO_LARGE, None, Some(message))
}

/// `GET /employees/import`
pub async fn page(actor: Actor, page: Page) -> AppResult<Response> {
    import::may_import(&actor)?;
    Ok(render(&page, StatusCode::OK, None, None))
}

/// `POST /employees/import` (multipart): checks the file and shows its preview.
pub async fn upload(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    upload: Result<CsrfUpload, AppError>,
) -> AppResult<Response> {
    import::may_import(&actor)?;
    let CsrfUpload(upload) = match upload {
        Err(AppError::PayloadTooLarge) => return Ok(too_large(&page)),
        other => other?,
    };
    match import::upload(&state, &actor, &upload.file_name, upload.bytes).await {
        Ok(preview) => {
            let status = if preview.problem_count > 0 { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
            Ok(render(&page, status, Some(PreviewView::of(preview, false)), None))
        }
        Err(AppError::PayloadTooLarge) => Ok(too_large(&page)),
        Err(e) => Err(e),
    }
}

/// `POST /employees/import/{id}/confirm`
pub async fn confirm(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    match import::confirm(&state, &actor, id).await? {
        Confirmed::Applied { .. } => Ok(Notice::EmployeesImported.redirect("/employees")),
        Confirmed::Refused(preview) => {
            Ok(render(&page, StatusCode::CONFLICT, Some(PreviewView::of(preview, true)), None))
        }
    }
}

/// `GET /employees/import/template.csv`: the header row to fill in.
pub async fn template(actor: Actor) -> AppResult<Response> {
    import::may_import(&actor)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"employees-template.csv\""),
        ],
        import::template_csv(),
    )
        .into_response())
}
