//! HR's view of leave across the company: every request, filtered and paged
//! in SQL, and the same list as a CSV download read in chunks. Who may see it
//! is `access`'s call (`Action::ViewAllLeave`).

use tokio::sync::mpsc;

use super::Names;
use super::approvals::{QueueQuery, check_query};
use crate::access::{Action, Actor};
use crate::display::{format_days, iso_date, leave_status_label};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::models::department::{self, Department};
use crate::models::leave::{self as store, AllFilter, LeaveRequest, LeaveStatus, LeaveType};
use crate::state::AppState;

/// Requests on one page of the list.
pub const PER_PAGE: i64 = 25;
/// Requests read from the database at a time for the download.
pub const CSV_CHUNK: i64 = 500;
/// The longest name search, in characters.
pub const MAX_PERSON: usize = 100;

/// The filters as typed into the form (the query string); empty: any.
#[derive(Clone, Debug, Default)]
pub struct AllQuery {
    pub person: String,
    pub department: String,
    pub leave_type: String,
    pub status: String,
    pub from: String,
    pub to: String,
    pub page: String,
}

/// The filters once read, and the page; the department, type and date range
/// are read as the approvals queue reads them.
pub fn check_all_query(query: &AllQuery) -> Result<(AllFilter, i64), FieldErrors> {
    let queue = QueueQuery {
        department: query.department.clone(),
        leave_type: query.leave_type.clone(),
        from: query.from.clone(),
        to: query.to.clone(),
        page: query.page.clone(),
    };
    let checked = check_query(&queue);
    let mut errors = match &checked {
        Ok(_) => FieldErrors::new(),
        Err(errors) => errors.clone(),
    };
    let person = query.person.trim();
    if person.chars().count() > MAX_PERSON {
        errors.add("person", format!("Search for at most {MAX_PERSON} characters of a name."));
    }
    let status = match query.status.trim() {
        "" => None,
        typed => {
            let status = LeaveStatus::parse(typed);
            if status.is_none() {
                errors.add("status", "There is no such status: choose one from the list.");
            }
            status
        }
    };
    match checked {
        Ok((queue, page)) if errors.is_empty() => {
            let person = Some(person.to_owned()).filter(|p| !p.is_empty());
            Ok((AllFilter { queue, person, status }, page))
        }
        _ => Err(errors),
    }
}

/// One page of the list.
pub struct Listing {
    pub requests: Vec<LeaveRequest>,
    pub total: i64,
    pub page: i64,
    pub names: Names,
}

/// What the list page shows: the choices of the filter form, and the listing
/// or what is wrong with the filters.
pub struct AllRequests {
    pub departments: Vec<Department>,
    pub types: Vec<LeaveType>,
    pub listing: Result<Listing, FieldErrors>,
}

/// Checks the filters against what exists: a department or leave type that
/// does not is an error on its field.
fn check_exists(filter: &AllFilter, departments: &[Department], types: &[LeaveType]) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    if let Some(id) = &filter.queue.department_id
        && !departments.iter().any(|d| &d.id == id)
    {
        errors.add("department", "There is no such department: choose one from the list.");
    }
    if let Some(id) = &filter.queue.leave_type_id
        && !types.iter().any(|t| &t.id == id)
    {
        errors.add("leave_type", "There is no such type of leave: choose one from the list.");
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// HR's list of every request for `query`, newest first, 25 a page.
pub async fn all_requests(state: &AppState, actor: &Actor, query: &AllQuery) -> AppResult<AllRequests> {
    actor.authorize_global(Action::ViewAllLeave)?;
    let checked = check_all_query(query);
    state
        .db
        .run(move |conn| {
            let departments = department::all(conn)?;
            let types = store::all_types(conn)?;
            let listing = match checked
                .and_then(|(filter, page)| check_exists(&filter, &departments, &types).map(|()| (filter, page)))
            {
                Err(errors) => Err(errors),
                Ok((filter, page)) => {
                    let total = store::count_all(conn, &filter)?;
                    let offset = (page - 1).saturating_mul(PER_PAGE);
                    let requests =
                        if offset < total { store::all_page(conn, &filter, PER_PAGE, offset)? } else { Vec::new() };
                    let names = Names::load(conn, &requests)?;
                    Ok(Listing { requests, total, page, names })
                }
            };
            Ok(AllRequests { departments, types, listing })
        })
        .await
}

/// The header row of the download.
pub const CSV_HEADER: [&str; 12] = [
    "Request",
    "Employee",
    "Leave type",
    "First day",
    "Last day",
    "Days",
    "Status",
    "Reason",
    "Approver",
    "Decided by",
    "Decision comment",
    "Requested on",
];

fn csv_row(request: &LeaveRequest, names: &Names) -> String {
    let type_name = names.types.get(&request.leave_type_id).cloned().unwrap_or_default();
    let approver = match &request.approver_employee_id {
        Some(id) => names.employee(id),
        None => "HR".to_owned(),
    };
    let decided_by =
        request.decided_by_user_id.as_ref().and_then(|id| names.users.get(id)).cloned().unwrap_or_default();
    crate::csv::line(&[
        request.id.clone(),
        names.employee(&request.employee_id),
        type_name,
        iso_date(request.first_day),
        iso_date(request.last_day),
        format_days(request.half_days),
        leave_status_label(request.status()).to_owned(),
        request.reason.clone(),
        approver,
        decided_by,
        request.decision_comment.clone().unwrap_or_default(),
        iso_date(request.created_at.date()),
    ])
}

/// The whole list for `query` as CSV, a header row then one row per
/// request: checked here (refused, or `Invalid` per field), then read
/// `CSV_CHUNK` requests at a time and sent down the channel as it goes.
pub async fn all_requests_csv(
    state: &AppState,
    actor: &Actor,
    query: &AllQuery,
) -> AppResult<mpsc::Receiver<AppResult<String>>> {
    actor.authorize_global(Action::ViewAllLeave)?;
    let (filter, _) = check_all_query(query).map_err(AppError::Invalid)?;
    let checked = filter.clone();
    state
        .db
        .run(move |conn| {
            check_exists(&checked, &department::all(conn)?, &store::all_types(conn)?).map_err(AppError::Invalid)
        })
        .await?;
    Ok(crate::csv::stream::pages(state.db.clone(), crate::csv::line(&CSV_HEADER), CSV_CHUNK, move |conn, offset| {
        let requests = store::all_page(conn, &filter, CSV_CHUNK, offset)?;
        let names = Names::load(conn, &requests)?;
        Ok((requests.len() as i64, requests.iter().map(|r| csv_row(r, &names)).collect::<String>()))
    }))
}

// ---------- The leave report ----------

/// One person's balances in the report, one per leave type.
pub struct ReportRow {
    pub employee: crate::models::employee::Employee,
    pub balances: Vec<super::Balance>,
}

/// The leave report for a year: every current employee's balances.
pub struct LeaveReport {
    pub year: i32,
    pub rows: Vec<ReportRow>,
}

/// The leave report for `year` (this year if `None`): for every current
/// employee, per leave type, what `leave::balances` computes (pro-rated
/// allowance, carried over, taken, pending), from one read of the staff and
/// one of the requests, however many people there are.
pub async fn leave_report(state: &AppState, actor: &Actor, year: Option<i32>) -> AppResult<LeaveReport> {
    use super::rules;
    actor.authorize_global(Action::ViewAllLeave)?;
    let year = year.unwrap_or_else(|| state.clock.now().date().year());
    let year = rules::check_balance_year(year).map_err(|why| AppError::invalid("year", why))?;
    state
        .db
        .run(move |conn| {
            let types = store::all_types(conn)?;
            let staff = crate::models::employee::current_staff(conn)?;
            let (Some(start), Some(end)) = (rules::year_start(*rules::BALANCE_YEARS.start()), rules::year_end(year))
            else {
                return Ok(LeaveReport { year, rows: Vec::new() });
            };
            let mut by_employee: std::collections::HashMap<String, Vec<LeaveRequest>> =
                std::collections::HashMap::new();
            for request in store::all_active_requests_between(conn, start, end)? {
                by_employee.entry(request.employee_id.clone()).or_default().push(request);
            }
            let rows = staff
                .into_iter()
                .map(|employee| {
                    let requests = by_employee.remove(&employee.id).unwrap_or_default();
                    let employment = super::employment(&employee);
                    let balances = rules::balances_through(types.clone(), &requests, year, employment);
                    ReportRow { employee, balances }
                })
                .collect();
            Ok(LeaveReport { year, rows })
        })
        .await
}

/// The header row of the report's download.
pub const REPORT_HEADER: [&str; 8] =
    ["Employee", "Employee number", "Leave type", "Allowance", "Carried over", "Taken", "Pending", "Left"];

/// The report's lines of CSV, one per person and leave type, in chunks.
pub fn report_csv(report: &LeaveReport) -> mpsc::Receiver<AppResult<String>> {
    let mut chunks = vec![crate::csv::line(&REPORT_HEADER)];
    for people in report.rows.chunks(100) {
        let mut chunk = String::new();
        for row in people {
            for b in &row.balances {
                let or_unlimited = |v: Option<i32>| v.map(format_days).unwrap_or_else(|| "Unlimited".to_owned());
                chunk.push_str(&crate::csv::line(&[
                    row.employee.full_name.clone(),
                    row.employee.employee_number.clone(),
                    b.leave_type.name.clone(),
                    or_unlimited(b.allowance),
                    format_days(b.carried),
                    format_days(b.taken),
                    format_days(b.pending),
                    or_unlimited(b.left()),
                ]));
            }
        }
        chunks.push(chunk);
    }
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        for chunk in chunks {
            if tx.send(Ok(chunk)).await.is_err() {
                return;
            }
        }
    });
    rx
}
