//! Importing employee records from a CSV file, by HR: the upload is checked
//! and kept (one pending import per account, for an hour) while a preview
//! says what will be created and updated and lists every problem by row and
//! column; the confirmation checks it all again inside one transaction and
//! applies all of it or nothing.
//!
//! Records are matched on `employee_number`: a number the portal knows
//! updates that record, a new one creates a record, so the same file twice
//! updates instead of duplicating. Managers are named by employee number and
//! may be rows further down the file; departments by name (an unknown one is
//! a problem, never created). Every field goes through the record form's
//! own rules (`employees::check`). Changing someone to or from terminated is
//! not done here: ending an employment has a page of its own.

use std::collections::{HashMap, HashSet};

use time::Duration;

use super::{Checked, RecordInput, check};
use crate::access::{Action, Actor, may_act_on_account};
use crate::clock::Timestamp;
use crate::csv::read::{self, Record};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::models::audit::{self, Event, Who};
use crate::models::department::{self, Department};
use crate::models::employee::{self, Employee, EmployeeStatus, NewEmployee};
use crate::models::employee_import::{self as store, NewPendingImport};
use crate::models::new_id;
use crate::models::user::{self, Role, normalize_email};
use crate::state::AppState;

/// The columns of an import file (and of the directory's export), in order.
pub const COLUMNS: [&str; 9] = [
    "employee_number",
    "full_name",
    "work_email",
    "job_title",
    "department",
    "manager_employee_number",
    "hire_date",
    "phone",
    "status",
];

/// The columns every file must have; the others may be left out (empty).
pub const REQUIRED: [&str; 5] = ["employee_number", "full_name", "work_email", "job_title", "hire_date"];

/// The largest file accepted.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;

/// How long an uploaded file waits for its confirmation.
pub const KEPT_FOR: Duration = Duration::hours(1);

/// At most this many problems are listed on the page (all are counted).
pub const MAX_SHOWN_PROBLEMS: usize = 1000;

/// At most this many changed records are described on the preview.
const MAX_SHOWN_CHANGES: usize = 200;

/// One problem: the spreadsheet row (1 is the header; 0: the whole file)
/// and the column (empty: the whole row).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub row: usize,
    pub column: String,
    pub message: String,
}

impl Problem {
    fn new(row: usize, column: &str, message: impl Into<String>) -> Self {
        Problem { row, column: column.to_owned(), message: message.into() }
    }
}

/// The CSV column a field of the record form is read from.
fn column_of(field: &str) -> &'static str {
    match field {
        "department_id" => "department",
        "manager_id" => "manager_employee_number",
        other => COLUMNS.iter().copied().find(|c| *c == other).unwrap_or(""),
    }
}

/// What the import reads of the portal, once.
pub struct Snapshot {
    pub employees: Vec<Employee>,
    pub departments: Vec<Department>,
    /// Every account: id, email, role.
    pub accounts: Vec<(String, String, Role)>,
}

impl Snapshot {
    pub fn load(conn: &mut DbConnection) -> AppResult<Self> {
        let accounts = user::all_roles(conn)?
            .into_iter()
            .map(|(id, email, role)| {
                let role = role.parse().map_err(|e: String| AppError::Internal(anyhow::anyhow!("user {id}: {e}")))?;
                Ok((id, email, role))
            })
            .collect::<AppResult<_>>()?;
        Ok(Snapshot { employees: employee::all(conn)?, departments: department::all(conn)?, accounts })
    }
}

/// What one row does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Create,
    /// The names of the fields that change.
    Update(Vec<&'static str>),
    Unchanged,
}

/// One row of the file as it will be written.
#[derive(Clone, Debug)]
pub struct Step {
    pub row: usize,
    /// The record's id: the existing one, or the new one's.
    pub id: String,
    /// The values, `department_id` and `manager_id` as ids.
    pub values: Checked,
    pub change: Change,
    /// For a manager that changes: the waiting leave requests follow.
    pub manager_changed: bool,
    /// An account with this email that has no record yet: linked to it.
    pub link_account: Option<String>,
}

/// What a file would do, and everything wrong with it.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Rows with data (empty rows are skipped).
    pub rows: usize,
    pub problems: Vec<Problem>,
    /// In the order they are written: managers before those who report to them.
    pub steps: Vec<Step>,
}

impl Plan {
    fn count(&self, pick: impl Fn(&Change) -> bool) -> usize {
        self.steps.iter().filter(|s| pick(&s.change)).count()
    }

    pub fn created(&self) -> usize {
        self.count(|c| *c == Change::Create)
    }

    pub fn updated(&self) -> usize {
        self.count(|c| matches!(c, Change::Update(_)))
    }

    pub fn unchanged(&self) -> usize {
        self.count(|c| *c == Change::Unchanged)
    }
}

/// A row as read, before the checks that look across rows.
struct Row {
    row: usize,
    number: String,
    email: String,
    manager_number: String,
    /// `None` when the row's own checks failed.
    values: Option<Checked>,
    existing: Option<usize>,
}

/// The file's text, or the problem that stops it being read at all: not
/// UTF-8, or control characters (which no field may hold, and PostgreSQL
/// cannot store).
pub fn decode(bytes: &[u8]) -> Result<&str, Problem> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        Problem::new(
            0,
            "",
            "The file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8 (comma delimited)”.",
        )
    })?;
    if let Some(at) = text.find(|c: char| c.is_control() && !matches!(c, '\t' | '\r' | '\n')) {
        let row = text[..at].matches('\n').count() + 1;
        return Err(Problem::new(row, "", "The file contains control characters: is it really a CSV file?"));
    }
    Ok(text)
}

/// Everything `text` would do to the portal as it is in `portal`, for
/// someone with `role`. Pure: the same file and portal give the same plan.
pub fn plan(text: &str, portal: &Snapshot, role: Role) -> Plan {
    let records = match read::records(text) {
        Ok(records) => records,
        Err(e) => return Plan { problems: vec![Problem::new(e.row, "", e.message)], ..Plan::default() },
    };
    let Some((header, data)) = records.split_first() else {
        return Plan {
            problems: vec![Problem::new(1, "", "The file is empty: download the template and fill it in.")],
            ..Plan::default()
        };
    };
    let (positions, mut problems) = read_header(header);
    if REQUIRED.iter().any(|c| !positions.contains_key(c)) {
        return Plan { problems, ..Plan::default() };
    }
    let by_number: HashMap<&str, usize> =
        portal.employees.iter().enumerate().map(|(i, e)| (e.employee_number.as_str(), i)).collect();
    let departments: HashMap<String, &str> =
        portal.departments.iter().map(|d| (d.name.to_lowercase(), d.id.as_str())).collect();
    let width = header.cells.len();
    let mut rows = Vec::new();
    let mut first_row_of_number: HashMap<String, usize> = HashMap::new();
    for record in data {
        if record.cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if record.cells.len() != width {
            problems.push(Problem::new(
                record.row,
                "",
                format!("This row has {} values where the header has {width}.", record.cells.len()),
            ));
            continue;
        }
        let row = read_row(record, &positions, portal, &by_number, &departments, &mut problems);
        if !row.number.is_empty() {
            match first_row_of_number.get(&row.number) {
                Some(first) => problems.push(Problem::new(
                    row.row,
                    "employee_number",
                    format!("{} is also on row {first}.", row.number),
                )),
                None => {
                    first_row_of_number.insert(row.number.clone(), row.row);
                }
            }
        }
        rows.push(row);
    }
    let mut plan = Plan { rows: rows.len(), problems, steps: Vec::new() };
    check_emails(&rows, portal, &first_row_of_number, &mut plan.problems);
    check_managers(&rows, portal, &first_row_of_number, &mut plan.problems);
    plan.steps = steps(&rows, portal, &first_row_of_number, role, &mut plan.problems);
    plan.problems.sort_by_key(|p| (p.row, COLUMNS.iter().position(|c| *c == p.column)));
    plan
}

/// Where each known column is, and the header's problems.
fn read_header(header: &Record) -> (HashMap<&'static str, usize>, Vec<Problem>) {
    let mut positions = HashMap::new();
    let mut problems = Vec::new();
    for (i, name) in header.cells.iter().enumerate() {
        let name = name.trim().to_lowercase();
        match COLUMNS.iter().find(|c| **c == name) {
            Some(known) if positions.contains_key(known) => {
                problems.push(Problem::new(1, known, "This column appears twice."));
            }
            Some(known) => {
                positions.insert(*known, i);
            }
            None if name.is_empty() => {
                problems.push(Problem::new(1, "", format!("Column {} has no name.", i + 1)));
            }
            None => problems.push(Problem::new(
                1,
                &name,
                format!("Unknown column. The columns are: {}.", COLUMNS.join(", ")),
            )),
        }
    }
    for required in REQUIRED {
        if !positions.contains_key(required) {
            problems.push(Problem::new(1, required, "This column is required and missing."));
        }
    }
    (positions, problems)
}

/// One row through the record form's checks, with its department found by name.
fn read_row(
    record: &Record,
    positions: &HashMap<&'static str, usize>,
    portal: &Snapshot,
    by_number: &HashMap<&str, usize>,
    departments: &HashMap<String, &str>,
    problems: &mut Vec<Problem>,
) -> Row {
    let row = record.row;
    let mut clean = true;
    let mut get = |column: &str| -> String {
        let value = positions.get(column).and_then(|&i| record.cells.get(i)).map(String::as_str).unwrap_or("");
        let value = read::unneutralise(value.trim()).trim();
        if value.chars().any(|c| c.is_control() || crate::forms::is_invisible_format(c)) {
            problems.push(Problem::new(
                row,
                column,
                "Contains a line break, tab or invisible formatting character; remove it.",
            ));
            clean = false;
        }
        value.to_owned()
    };
    let number = get("employee_number");
    let department = get("department");
    let manager_number = get("manager_employee_number");
    let existing = by_number.get(number.as_str()).copied();
    let current = existing.map(|i| &portal.employees[i]);
    let mut status = get("status");
    if status.is_empty() {
        // Left out: kept, or active for a new record.
        status = current.map_or(EmployeeStatus::Active.as_str(), |e| e.status().as_str()).to_owned();
    }
    let input = RecordInput {
        employee_number: number.clone(),
        full_name: get("full_name"),
        work_email: get("work_email"),
        job_title: get("job_title"),
        department_id: String::new(),
        manager_id: String::new(),
        hire_date: get("hire_date"),
        phone: get("phone"),
        status,
    };
    let email = normalize_email(&input.work_email);
    let mut values = match check(&input, true) {
        Ok(values) => Some(values),
        Err(errors) => {
            for (field, message) in errors.iter() {
                let message =
                    if field == "status" { "Use active, on_leave or terminated (or leave it empty)." } else { message };
                problems.push(Problem::new(row, column_of(field), message));
            }
            None
        }
    };
    let department_id = if department.is_empty() {
        None
    } else if let Some(id) = departments.get(&department.to_lowercase()) {
        Some((*id).to_owned())
    } else {
        problems.push(Problem::new(
            row,
            "department",
            format!(
                "No department is called “{department}”. Create it on the Departments page first, or correct the name."
            ),
        ));
        values = None;
        None
    };
    if let (Some(v), Some(current)) = (&values, current)
        && current.is_terminated() != (v.status == EmployeeStatus::Terminated)
    {
        problems.push(Problem::new(
            row,
            "status",
            "Ending someone's employment, or taking them back, is done on their profile, not by import.",
        ));
        values = None;
    }
    if let Some(v) = values.as_mut() {
        v.department_id = department_id;
    }
    Row { row, number, email, manager_number, values: values.filter(|_| clean), existing }
}

/// No two records may share a work email once the file is applied.
fn check_emails(rows: &[Row], portal: &Snapshot, in_file: &HashMap<String, usize>, problems: &mut Vec<Problem>) {
    // Records the file leaves alone keep their emails.
    let kept: HashMap<&str, &Employee> = portal
        .employees
        .iter()
        .filter(|e| !in_file.contains_key(&e.employee_number))
        .map(|e| (e.work_email.as_str(), e))
        .collect();
    let mut first_row_of_email: HashMap<&str, usize> = HashMap::new();
    for row in rows.iter().filter(|r| !r.email.is_empty()) {
        if let Some(other) = kept.get(row.email.as_str()) {
            problems.push(Problem::new(
                row.row,
                "work_email",
                format!("{} {} already has this work email.", other.employee_number, other.full_name),
            ));
        } else if let Some(first) = first_row_of_email.get(row.email.as_str()) {
            problems.push(Problem::new(row.row, "work_email", format!("This work email is also on row {first}.")));
        } else {
            first_row_of_email.insert(&row.email, row.row);
        }
    }
}

/// Every manager exists (in the portal or the file), works here, is not the
/// person themselves, and nobody ends up managing themselves through others.
fn check_managers(rows: &[Row], portal: &Snapshot, in_file: &HashMap<String, usize>, problems: &mut Vec<Problem>) {
    let number_of: HashMap<&str, &str> =
        portal.employees.iter().map(|e| (e.id.as_str(), e.employee_number.as_str())).collect();
    // Everyone's manager and status once the file is applied, by number.
    let mut manager_of: HashMap<&str, Option<&str>> = HashMap::new();
    let mut terminated: HashMap<&str, bool> = HashMap::new();
    let mut name_of: HashMap<&str, &str> = HashMap::new();
    for e in portal.employees.iter().filter(|e| !in_file.contains_key(&e.employee_number)) {
        let manager = e.manager_id.as_deref().and_then(|id| number_of.get(id).copied());
        manager_of.insert(&e.employee_number, manager);
        terminated.insert(&e.employee_number, e.is_terminated());
        name_of.insert(&e.employee_number, &e.full_name);
    }
    let first_rows = rows.iter().filter(|r| !r.number.is_empty() && in_file.get(&r.number) == Some(&r.row));
    for r in first_rows.clone() {
        manager_of.insert(&r.number, Some(r.manager_number.as_str()).filter(|m| !m.is_empty()));
        let current = r.existing.map(|i| &portal.employees[i]);
        let ends = match &r.values {
            Some(v) => v.status == EmployeeStatus::Terminated,
            None => current.is_some_and(Employee::is_terminated),
        };
        terminated.insert(&r.number, ends);
        name_of.insert(&r.number, r.values.as_ref().map_or("", |v| v.full_name.as_str()));
    }
    const COLUMN: &str = "manager_employee_number";
    for r in rows.iter().filter(|r| !r.manager_number.is_empty()) {
        let m = r.manager_number.as_str();
        let unchanged = r.existing.is_some_and(|i| {
            portal.employees[i].manager_id.as_deref().and_then(|id| number_of.get(id).copied()) == Some(m)
        });
        if m == r.number {
            problems.push(Problem::new(r.row, COLUMN, "Nobody can be their own manager."));
        } else if !manager_of.contains_key(m) {
            problems.push(Problem::new(
                r.row,
                COLUMN,
                format!("No employee has the number {m}, in this file or in the portal."),
            ));
        } else if terminated.get(m) == Some(&true) && !unchanged {
            let name = name_of.get(m).copied().unwrap_or("");
            problems.push(Problem::new(
                r.row,
                COLUMN,
                format!("{m} {name} no longer works here; choose a current employee."),
            ));
        }
    }
    // Cycles: follow each row's chain of managers; a chain that comes back to
    // one of its own links is a cycle, reported on each of its rows.
    let mut done: HashSet<&str> = HashSet::new();
    let mut in_cycle: HashMap<&str, String> = HashMap::new();
    for start in first_rows.clone() {
        let mut path: Vec<&str> = Vec::new();
        let mut on_path: HashSet<&str> = HashSet::new();
        let mut current = Some(start.number.as_str());
        while let Some(n) = current {
            if done.contains(n) {
                break;
            }
            if on_path.contains(n) {
                let from = path.iter().position(|p| *p == n).unwrap_or(0);
                let cycle = &path[from..];
                if cycle.len() == 1 {
                    break; // someone as their own manager: reported above
                }
                let mut shown: Vec<&str> = cycle.to_vec();
                shown.push(n);
                let description = format!("A management cycle: {}.", shown.join(" → "));
                for link in cycle {
                    in_cycle.insert(link, description.clone());
                }
                break;
            }
            on_path.insert(n);
            path.push(n);
            current = manager_of.get(n).copied().flatten();
        }
        done.extend(path);
    }
    for r in first_rows {
        if let Some(description) = in_cycle.get(r.number.as_str()) {
            problems.push(Problem::new(r.row, COLUMN, description.clone()));
        }
    }
}

/// The rows that passed their checks as writes, managers first.
fn steps(
    rows: &[Row],
    portal: &Snapshot,
    in_file: &HashMap<String, usize>,
    role: Role,
    problems: &mut Vec<Problem>,
) -> Vec<Step> {
    // Each number's id once applied: the existing record's, or a new one.
    let mut id_of: HashMap<&str, String> =
        portal.employees.iter().map(|e| (e.employee_number.as_str(), e.id.clone())).collect();
    for r in rows.iter().filter(|r| r.existing.is_none() && in_file.get(&r.number) == Some(&r.row)) {
        id_of.insert(&r.number, new_id());
    }
    let linked: HashSet<&str> = portal.employees.iter().filter_map(|e| e.user_id.as_deref()).collect();
    let role_of: HashMap<&str, Role> = portal.accounts.iter().map(|(id, _, role)| (id.as_str(), *role)).collect();
    let unlinked_by_email: HashMap<&str, &str> = portal
        .accounts
        .iter()
        .filter(|(id, _, _)| !linked.contains(id.as_str()))
        .map(|(id, email, _)| (email.as_str(), id.as_str()))
        .collect();
    let mut steps = Vec::new();
    for r in rows.iter().filter(|r| in_file.get(&r.number) == Some(&r.row)) {
        let Some(mut values) = r.values.clone() else { continue };
        values.manager_id = match r.manager_number.as_str() {
            "" => None,
            m => id_of.get(m).cloned(),
        };
        let link = |values: &Checked| {
            (values.status != EmployeeStatus::Terminated)
                .then(|| unlinked_by_email.get(values.work_email.as_str()).map(|id| (*id).to_owned()))
                .flatten()
        };
        let Some(id) = id_of.get(r.number.as_str()).cloned() else { continue };
        let step = match r.existing.map(|i| &portal.employees[i]) {
            None => Step {
                row: r.row,
                link_account: link(&values),
                id,
                values,
                change: Change::Create,
                manager_changed: false,
            },
            Some(current) => {
                let fields = values.changed_fields(current);
                if !fields.is_empty()
                    && let Some(owner) = current.user_id.as_deref().and_then(|u| role_of.get(u))
                    && !may_act_on_account(role, *owner)
                {
                    problems.push(Problem::new(
                        r.row,
                        "employee_number",
                        format!(
                            "This record belongs to an {} account, which has more rights than yours; leave the row as it is or ask an Admin.",
                            owner.label()
                        ),
                    ));
                }
                let changes = !fields.is_empty();
                Step {
                    row: r.row,
                    link_account: if changes && current.user_id.is_none() { link(&values) } else { None },
                    manager_changed: current.manager_id != values.manager_id,
                    id,
                    values,
                    change: if changes { Change::Update(fields) } else { Change::Unchanged },
                }
            }
        };
        steps.push(step);
    }
    managers_first(steps)
}

/// Orders steps so that a new record's manager is written before it (the
/// manager column refers to an existing row). Cycles were refused already;
/// should one be here, it ends the walk instead of looping.
fn managers_first(steps: Vec<Step>) -> Vec<Step> {
    let index_of: HashMap<&str, usize> = steps.iter().enumerate().map(|(i, s)| (s.id.as_str(), i)).collect();
    let mut placed = vec![false; steps.len()];
    let mut order = Vec::with_capacity(steps.len());
    for i in 0..steps.len() {
        let mut chain = Vec::new();
        let mut seen = HashSet::new();
        let mut current = Some(i);
        while let Some(j) = current {
            if placed[j] || !seen.insert(j) {
                break;
            }
            chain.push(j);
            current = steps[j].values.manager_id.as_deref().and_then(|m| index_of.get(m).copied());
        }
        for j in chain.into_iter().rev() {
            placed[j] = true;
            order.push(j);
        }
    }
    let mut slots: Vec<Option<Step>> = steps.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// Writes `plan` (which has no problems): new records in batches, each
/// written before any update that may name one of them as manager.
fn apply(conn: &mut DbConnection, plan: &Plan, now: Timestamp) -> AppResult<()> {
    let mut new_records = Vec::new();
    for step in &plan.steps {
        let v = &step.values;
        match &step.change {
            Change::Unchanged => {}
            Change::Create => new_records.push(v.new_record(&step.id, &v.number, step.link_account.as_deref(), now)),
            Change::Update(_) => {
                insert_all(conn, std::mem::take(&mut new_records))?;
                if !employee::update(conn, &step.id, &v.changes(v.status.as_str(), now))? {
                    return Err(taken_meanwhile());
                }
                if let Some(user_id) = &step.link_account {
                    employee::link_user(conn, &step.id, user_id, now)?;
                }
                if step.manager_changed {
                    // Waiting leave requests follow the person to their new manager.
                    let saved = employee::find(conn, &step.id)?;
                    super::leave::reroute_waiting_of(conn, &saved, now)?;
                }
            }
        }
    }
    insert_all(conn, new_records)
}

fn insert_all(conn: &mut DbConnection, records: Vec<NewEmployee<'_>>) -> AppResult<()> {
    employee::insert_all(conn, &records).map_err(|e| match e {
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
            taken_meanwhile()
        }
        other => other.into(),
    })
}

/// A unique work email or number taken between the checks and the writes
/// (two records swapping emails, or someone saving a record meanwhile).
fn taken_meanwhile() -> AppError {
    AppError::conflict(
        "Import not applied",
        "A work email or employee number in the file was taken while it was being saved (two records \
         exchanging emails do this too). Nothing was saved; upload the file again.",
    )
}

// ---------- The pages' functions ----------

/// What the preview shows.
#[derive(Clone, Debug, Default)]
pub struct Preview {
    /// What to confirm; `None` when there is nothing to confirm (problems).
    pub import_id: Option<String>,
    pub file_name: String,
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// The first `MAX_SHOWN_PROBLEMS`, by row.
    pub problems: Vec<Problem>,
    pub problem_count: usize,
    /// Records that change: row, number, name and the fields that change.
    pub changes: Vec<(usize, String, String, Vec<&'static str>)>,
    pub more_changes: usize,
}

impl Preview {
    fn of(plan: Plan, file_name: &str, import_id: Option<String>) -> Self {
        let updates: Vec<_> = plan
            .steps
            .iter()
            .filter_map(|s| match &s.change {
                Change::Update(fields) => {
                    Some((s.row, s.values.number.clone(), s.values.full_name.clone(), fields.clone()))
                }
                _ => None,
            })
            .collect();
        let more_changes = updates.len().saturating_sub(MAX_SHOWN_CHANGES);
        let problem_count = plan.problems.len();
        Preview {
            import_id: import_id.filter(|_| plan.problems.is_empty()),
            file_name: file_name.to_owned(),
            rows: plan.rows,
            created: plan.created(),
            updated: plan.updated(),
            unchanged: plan.unchanged(),
            changes: updates.into_iter().take(MAX_SHOWN_CHANGES).collect(),
            more_changes,
            problems: plan.problems.into_iter().take(MAX_SHOWN_PROBLEMS).collect(),
            problem_count,
        }
    }

    /// A file that could not be read at all.
    fn unreadable(file_name: &str, problem: Problem) -> Self {
        Preview { file_name: file_name.to_owned(), problems: vec![problem], problem_count: 1, ..Preview::default() }
    }
}

/// `Ok` when `actor` may import.
pub fn may_import(actor: &Actor) -> AppResult<()> {
    actor.authorize_global(Action::ImportEmployees)
}

/// The name a file is shown with: its last path part, printable, short.
fn shown_name(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or("");
    let name: String =
        base.chars().filter(|c| !c.is_control() && !crate::forms::is_invisible_format(*c)).take(100).collect();
    if name.trim().is_empty() { "upload.csv".to_owned() } else { name }
}

/// Checks an uploaded file against the portal and keeps it, when it has no
/// problems, as the uploader's one pending import (replacing an earlier one).
/// `PayloadTooLarge` beyond `MAX_FILE_BYTES`.
pub async fn upload(state: &AppState, actor: &Actor, file_name: &str, bytes: Vec<u8>) -> AppResult<Preview> {
    may_import(actor)?;
    let user_id = actor.account()?.user_id.clone();
    if bytes.len() > MAX_FILE_BYTES {
        return Err(AppError::PayloadTooLarge);
    }
    let file_name = shown_name(file_name);
    let text = match decode(&bytes) {
        Ok(text) => text.to_owned(),
        Err(problem) => return Ok(Preview::unreadable(&file_name, problem)),
    };
    let (role, now) = (actor.role(), state.clock.now());
    state
        .db
        .run(move |conn| {
            let plan = plan(&text, &Snapshot::load(conn)?, role);
            let mut import_id = None;
            if plan.problems.is_empty() {
                let id = new_id();
                let pending = NewPendingImport {
                    id: &id,
                    user_id: &user_id,
                    file_name: &file_name,
                    content: &text,
                    created_at: now,
                    expires_at: now + KEPT_FOR,
                };
                store::replace(conn, &pending, now)?;
                import_id = Some(id);
            }
            Ok(Preview::of(plan, &file_name, import_id))
        })
        .await
}

/// What a confirmation did.
pub enum Confirmed {
    /// Applied: how many records were created, updated, left as they were.
    Applied { created: usize, updated: usize, unchanged: usize },
    /// Something changed since the preview and the file now has problems:
    /// nothing was written, and the pending import is gone.
    Refused(Preview),
}

/// Applies `actor`'s pending import `id`, checked again against the portal
/// as it is now, all in one transaction. Someone else's import, or none, is
/// 404; an expired one is refused.
pub async fn confirm(state: &AppState, actor: &Actor, id: String) -> AppResult<Confirmed> {
    may_import(actor)?;
    let user_id = actor.account()?.user_id.clone();
    let (role, now, who) = (actor.role(), state.clock.now(), Who::of(actor));
    state
        .db
        .atomic(move |conn| {
            // Taken first: one import at a time, and on SQLite the write lock before any read.
            crate::db::lock_name(conn, "employee_import")?;
            let pending = store::find(conn, &id)?.filter(|p| p.user_id == user_id).ok_or(AppError::NotFound)?;
            if pending.expires_at <= now {
                return Err(AppError::conflict(
                    "Import expired",
                    "This upload waited more than an hour for its confirmation. Upload the file again.",
                ));
            }
            store::delete(conn, &pending.id)?;
            let plan = plan(&pending.content, &Snapshot::load(conn)?, role);
            if !plan.problems.is_empty() {
                return Ok(Confirmed::Refused(Preview::of(plan, &pending.file_name, None)));
            }
            apply(conn, &plan, now)?;
            let (created, updated, unchanged) = (plan.created(), plan.updated(), plan.unchanged());
            let detail = format!(
                "{}: {} rows; {created} created, {updated} updated, {unchanged} unchanged",
                pending.file_name, plan.rows
            );
            audit::record(conn, now, Event::EmployeesImported, who.entry().detail(&detail))?;
            Ok(Confirmed::Applied { created, updated, unchanged })
        })
        .await
}

/// The template: the header row alone.
pub fn template_csv() -> String {
    crate::csv::line(&COLUMNS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn portal() -> Snapshot {
        Snapshot { employees: Vec::new(), departments: Vec::new(), accounts: Vec::new() }
    }

    const HEADER: &str =
        "employee_number,full_name,work_email,job_title,department,manager_employee_number,hire_date,phone,status\n";

    fn problems(text: &str) -> Vec<(usize, String)> {
        plan(text, &portal(), Role::Hr).problems.into_iter().map(|p| (p.row, p.column)).collect()
    }

    #[test]
    fn managers_may_come_later_in_the_file_and_are_written_first() {
        let text = format!("{HEADER}E2,Bo,bo@x.io,Dev,,E1,2026-01-01,,\nE1,Al,al@x.io,CEO,,,2026-01-01,,\n");
        let plan = plan(&text, &portal(), Role::Hr);
        assert!(plan.problems.is_empty(), "{:?}", plan.problems);
        let numbers: Vec<&str> = plan.steps.iter().map(|s| s.values.number.as_str()).collect();
        assert_eq!(numbers, ["E1", "E2"]);
        assert_eq!(plan.steps[1].values.manager_id.as_deref(), Some(plan.steps[0].id.as_str()));
        assert_eq!(plan.created(), 2);
    }

    #[test]
    fn a_cycle_is_reported_on_each_of_its_rows() {
        let text = format!(
            "{HEADER}E1,A,a@x.io,T,,E3,2026-01-01,,\nE2,B,b@x.io,T,,E1,2026-01-01,,\nE3,C,c@x.io,T,,E2,2026-01-01,,\nE4,D,d@x.io,T,,E1,2026-01-01,,\n"
        );
        let found = problems(&text);
        let cycle: Vec<usize> =
            found.iter().filter(|(_, c)| c == "manager_employee_number").map(|(row, _)| *row).collect();
        assert_eq!(cycle, [2, 3, 4], "E4 reports into the cycle but is not in it");
    }

    #[test]
    fn a_missing_required_column_stops_at_the_header() {
        let found = problems("employee_number,full_name,nickname\nE1,A,x\n");
        assert!(found.contains(&(1, "nickname".into())));
        assert!(found.contains(&(1, "work_email".into())));
        assert!(found.iter().all(|(row, _)| *row == 1), "{found:?}");
    }

    #[test]
    fn file_names_are_shown_plainly() {
        assert_eq!(shown_name("C:\\Users\\ann\\staff.csv"), "staff.csv");
        assert_eq!(shown_name("../x/\u{202E}vsc.exe"), "vsc.exe");
        assert_eq!(shown_name(""), "upload.csv");
    }
}
