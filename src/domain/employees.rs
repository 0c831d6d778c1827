//! Employee records: creating and editing them (with every check that needs
//! the database: numbers and emails taken, a real department, a current
//! manager, no management cycles), the directory, and profiles. What ending
//! someone's employment does to their account is `accounts::end_employment`.

pub mod export;
pub mod import;

use std::collections::HashMap;

use diesel::OptionalExtension;
use time::Date;

use super::{accounts, leave};
use crate::access::{Action, Actor, Relation};
use crate::clock::Timestamp;
use crate::db::DbConnection;
use crate::display::{iso_date, long_date, parse_iso_date};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::models::audit::{self, Event, Who};
use crate::models::department::{self, Department};
use crate::models::employee::{
    self, DirectoryFilter, DirectorySort, Employee, EmployeeChanges, EmployeeStatus, NewEmployee,
};
use crate::models::new_id;
use crate::models::user::{self, Role, email_problem, normalize_email};
use crate::state::AppState;

/// A record as typed into the HR form. Fields the sender may not change are
/// ignored, never applied (an employee's own form has only `phone`).
#[derive(Clone, Debug, Default)]
pub struct RecordInput {
    pub employee_number: String,
    pub full_name: String,
    pub work_email: String,
    pub job_title: String,
    pub department_id: String,
    pub manager_id: String,
    pub hire_date: String,
    pub phone: String,
    pub status: String,
}

/// The values of a record that passed the checks that need no database.
#[derive(Clone, Debug)]
pub struct Checked {
    /// Empty when creating: the next free number is used.
    pub number: String,
    pub full_name: String,
    pub work_email: String,
    pub job_title: String,
    pub department_id: Option<String>,
    pub manager_id: Option<String>,
    pub hire_date: Date,
    pub phone: String,
    pub status: EmployeeStatus,
}

impl Checked {
    /// The new record these values make, numbered `number`.
    pub fn new_record<'a>(
        &'a self,
        id: &'a str,
        number: &'a str,
        user_id: Option<&'a str>,
        now: Timestamp,
    ) -> NewEmployee<'a> {
        NewEmployee {
            id,
            employee_number: number,
            user_id,
            full_name: &self.full_name,
            work_email: &self.work_email,
            job_title: &self.job_title,
            department_id: self.department_id.as_deref(),
            manager_id: self.manager_id.as_deref(),
            hire_date: self.hire_date,
            phone: &self.phone,
            status: self.status.as_str(),
            created_at: now,
            updated_at: now,
        }
    }

    /// These values as the changes to a record, with `status` as it is to be
    /// written (an ending goes through `accounts::end_employment` instead).
    pub fn changes<'a>(&'a self, status: &'a str, now: Timestamp) -> EmployeeChanges<'a> {
        EmployeeChanges {
            employee_number: &self.number,
            full_name: &self.full_name,
            work_email: &self.work_email,
            job_title: &self.job_title,
            department_id: self.department_id.as_deref(),
            manager_id: self.manager_id.as_deref(),
            hire_date: self.hire_date,
            phone: &self.phone,
            status,
            updated_at: now,
        }
    }

    /// The names of the fields of `current` these values change.
    pub fn changed_fields(&self, current: &Employee) -> Vec<&'static str> {
        [
            ("employee_number", current.employee_number != self.number),
            ("full_name", current.full_name != self.full_name),
            ("work_email", current.work_email != self.work_email),
            ("job_title", current.job_title != self.job_title),
            ("department", current.department_id != self.department_id),
            ("manager", current.manager_id != self.manager_id),
            ("hire_date", current.hire_date != self.hire_date),
            ("phone", current.phone != self.phone),
            ("status", current.status() != self.status),
        ]
        .into_iter()
        .filter_map(|(name, changed)| changed.then_some(name))
        .collect()
    }
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
pub fn check(input: &RecordInput, editing: bool) -> Result<Checked, FieldErrors> {
    let t = |s: &str| s.trim().to_owned();
    let number = t(&input.employee_number);
    let email = normalize_email(&input.work_email);
    let hire_date_text = t(&input.hire_date);
    let mut errors = FieldErrors::new();
    if number.is_empty() {
        if editing {
            errors.add("employee_number", "Enter the employee number.");
        }
    } else if number.chars().count() > 20 || !number.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        errors.add("employee_number", "Use letters, digits and dashes only, at most 20.");
    }
    errors.check("full_name", required_text(&t(&input.full_name), "Enter the full name."));
    if email.is_empty() {
        errors.add("work_email", "Enter the work email.");
    } else {
        errors.check("work_email", email_problem(&email));
    }
    errors.check("job_title", required_text(&t(&input.job_title), "Enter the job title."));
    let hire_date = parse_iso_date(&hire_date_text);
    if hire_date_text.is_empty() {
        errors.add("hire_date", "Enter the hire date.");
    } else if hire_date.is_none() {
        errors.add("hire_date", "Enter a date like 2026-06-01.");
    }
    let phone = t(&input.phone);
    errors.check("phone", phone_problem(&phone));
    let status = if editing { EmployeeStatus::parse(input.status.trim()) } else { Some(EmployeeStatus::Active) };
    if status.is_none() {
        errors.add("status", "Choose a status.");
    }
    match (errors.is_empty(), hire_date, status) {
        (true, Some(hire_date), Some(status)) => {
            let department_id = t(&input.department_id);
            let manager_id = t(&input.manager_id);
            Ok(Checked {
                number,
                full_name: t(&input.full_name),
                work_email: email,
                job_title: t(&input.job_title),
                department_id: (!department_id.is_empty()).then_some(department_id),
                manager_id: (!manager_id.is_empty()).then_some(manager_id),
                hire_date,
                phone,
                status,
            })
        }
        _ => Err(errors),
    }
}

/// The checks that need the database. `current`: the record being edited.
fn check_against_db(
    conn: &mut DbConnection,
    c: &Checked,
    current: Option<&Employee>,
) -> diesel::QueryResult<FieldErrors> {
    let self_id = current.map(|e| e.id.as_str());
    let mut errors = FieldErrors::new();
    if !c.number.is_empty() && employee::number_taken(conn, &c.number, self_id)? {
        errors.add("employee_number", format!("{} is already someone else's number.", c.number));
    }
    if employee::email_taken(conn, &c.work_email, self_id)? {
        errors.add("work_email", "Another employee record already has this work email.");
    }
    if let Some(id) = &c.department_id
        && department::find(conn, id).optional()?.is_none()
    {
        errors.add("department_id", "Choose a department from the list.");
    }
    if let Some(manager_id) = &c.manager_id {
        let unchanged = current.is_some_and(|e| e.manager_id.as_deref() == Some(manager_id.as_str()));
        match employee::find(conn, manager_id).optional()? {
            _ if Some(manager_id.as_str()) == self_id => errors.add("manager_id", "Nobody can be their own manager."),
            None => errors.add("manager_id", "Choose a manager from the list."),
            Some(m) if m.is_terminated() && !unchanged => {
                errors.add("manager_id", format!("{} no longer works here; choose a current employee.", m.full_name))
            }
            Some(m) => {
                if let Some(me) = current
                    && employee::would_create_cycle(conn, &me.id, &m.id)?
                {
                    errors.add(
                        "manager_id",
                        format!("{} already reports to {}; choose another manager.", m.full_name, me.full_name),
                    );
                }
            }
        }
    }
    Ok(errors)
}

/// The account with this email, if it has no employee record yet.
fn unlinked_account(conn: &mut DbConnection, email: &str) -> diesel::QueryResult<Option<String>> {
    match user::find_by_email(conn, email)? {
        Some(account) if employee::find_by_user(conn, &account.id)?.is_none() => Ok(Some(account.id)),
        _ => Ok(None),
    }
}

/// The role of the account linked to `record`, if any.
pub fn linked_role(conn: &mut DbConnection, record: &Employee) -> AppResult<Option<Role>> {
    match &record.user_id {
        Some(user_id) => Ok(Some(user::find(conn, user_id)?.role()?)),
        None => Ok(None),
    }
}

// ---------- Seeing records ----------

/// The record `id`, if this person may see it; otherwise 404, as if it did not exist.
pub async fn visible(state: &AppState, actor: &Actor, id: String) -> AppResult<Employee> {
    let target = state.db.run(move |conn| Ok(employee::find(conn, &id)?)).await?;
    if actor.may_view_employee(&target) { Ok(target) } else { Err(AppError::NotFound) }
}

/// Who is editing whom: the full form (HR) or the phone number only (oneself).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Editor {
    Full,
    PhoneOnly,
}

/// How `actor` may edit `target`, whose account (if any) has `target_role`.
pub fn editor_for(actor: &Actor, target: &Employee, target_role: Option<Role>) -> AppResult<Editor> {
    let relation = actor.relation_to(target);
    if actor.can(Action::EditEmployee, relation) {
        if let Some(role) = target_role {
            actor.authorize_over(role)?;
        }
        Ok(Editor::Full)
    } else if actor.can(Action::EditPhone, relation) {
        Ok(Editor::PhoneOnly)
    } else {
        Err(AppError::forbidden("You can only change your own phone number."))
    }
}

/// The record `id` and how `actor` may edit it; 403 when they may not.
pub async fn for_edit(state: &AppState, actor: &Actor, id: String) -> AppResult<(Employee, Editor)> {
    let target = visible(state, actor, id).await?;
    let loaded = target.clone();
    let role = state.db.run(move |conn| linked_role(conn, &loaded)).await?;
    let editor = editor_for(actor, &target, role)?;
    Ok((target, editor))
}

/// One person with the people and department around them, and what the
/// viewer may do with the record.
pub struct Profile {
    pub target: Employee,
    pub department: Option<Department>,
    pub manager: Option<Employee>,
    pub reports: Vec<Employee>,
    pub is_own: bool,
    pub editor: Option<Editor>,
    pub may_terminate: bool,
    /// Whether the viewer may read why the employment ended (HR).
    pub may_see_termination_reason: bool,
    /// The record has no account yet and HR may invite its person.
    pub may_invite: bool,
    /// Their balances and requests in the year asked for, when the viewer
    /// may see their leave (HR, their manager, themselves).
    pub leave: Option<leave::Overview>,
}

/// `year`: the leave year to show (`None`: this year). `Invalid` names the
/// field `year` when it is outside `leave::rules::BALANCE_YEARS`.
pub async fn profile(state: &AppState, actor: &Actor, id: String, year: Option<i32>) -> AppResult<Profile> {
    let target = visible(state, actor, id).await?;
    let this_year = state.clock.now().date().year();
    let year =
        leave::rules::check_balance_year(year.unwrap_or(this_year)).map_err(|why| AppError::invalid("year", why))?;
    let loaded = target.clone();
    let viewer = actor.clone();
    let (department, manager, reports, role, leave) = state
        .db
        .run(move |conn| {
            let department = loaded.department_id.as_deref().map(|id| department::find(conn, id)).transpose()?;
            let manager = loaded.manager_id.as_deref().map(|id| employee::find(conn, id)).transpose()?;
            let reports = employee::direct_reports(conn, &loaded.id)?;
            let leave = leave::on_profile(conn, &viewer, &loaded, year, this_year)?;
            Ok((department, manager, reports, linked_role(conn, &loaded)?, leave))
        })
        .await?;
    let relation = actor.relation_to(&target);
    let outranked = role.is_some_and(|role| actor.authorize_over(role).is_err());
    Ok(Profile {
        is_own: relation == Relation::Own,
        editor: editor_for(actor, &target, role).ok(),
        may_terminate: !target.is_terminated() && !outranked && actor.can(Action::TerminateEmployee, relation),
        may_see_termination_reason: actor.can(Action::ViewTerminationReason, relation),
        may_invite: target.user_id.is_none() && !target.is_terminated() && actor.can(Action::InviteEmployee, relation),
        department,
        manager,
        reports,
        target,
        leave,
    })
}

/// What the HR form offers: departments, the people one may pick as manager
/// (a terminated manager of the record being edited still shows, so saving
/// does not silently drop them), and the next free number.
pub struct FormChoices {
    pub departments: Vec<Department>,
    pub staff: Vec<Employee>,
    pub next_number: String,
}

pub async fn form_choices(state: &AppState, actor: &Actor, editing: Option<&Employee>) -> AppResult<FormChoices> {
    match editing {
        Some(target) => actor.authorize(Action::EditEmployee, actor.relation_to(target))?,
        None => actor.authorize_global(Action::CreateEmployee)?,
    }
    let keep_manager = editing.and_then(|e| e.manager_id.clone());
    let mut choices = state
        .db
        .run(move |conn| {
            let mut staff = employee::current_staff(conn)?;
            if let Some(id) = keep_manager
                && !staff.iter().any(|e| e.id == id)
                && let Some(m) = employee::find(conn, &id).optional()?
            {
                staff.push(m);
            }
            Ok(FormChoices {
                departments: department::all(conn)?,
                staff,
                next_number: employee::next_employee_number(conn)?,
            })
        })
        .await?;
    choices.staff.sort_by_key(|e| e.full_name.to_lowercase());
    Ok(choices)
}

/// The department and manager names shown beside one's own phone form.
pub async fn surroundings(state: &AppState, target: &Employee) -> AppResult<(Option<String>, Option<String>)> {
    let (department_id, manager_id) = (target.department_id.clone(), target.manager_id.clone());
    state
        .db
        .run(move |conn| {
            let department = department_id.map(|id| department::find(conn, &id)).transpose()?;
            let manager = manager_id.map(|id| employee::find(conn, &id)).transpose()?;
            Ok((department.map(|d| d.name), manager.map(|m| m.full_name)))
        })
        .await
}

// ---------- Creating and editing ----------

/// HR creates a record; an account that already has this email is linked to
/// it. Returns the new record.
pub async fn create(state: &AppState, actor: &Actor, input: RecordInput) -> AppResult<Employee> {
    actor.authorize_global(Action::CreateEmployee)?;
    let checked = check(&input, false).map_err(AppError::Invalid)?;
    let now = state.clock.now();
    let who = Who::of(actor);
    state
        .db
        .atomic(move |conn| {
            check_against_db(conn, &checked, None)?.into_result()?;
            let number = match checked.number.as_str() {
                "" => employee::next_employee_number(conn)?,
                given => given.to_owned(),
            };
            let user_id = unlinked_account(conn, &checked.work_email)?;
            let id = new_id();
            // `check` made a new record's status Active.
            let record = checked.new_record(&id, &number, user_id.as_deref(), now);
            if !employee::insert(conn, &record)? {
                // Someone took the email or number a moment ago.
                let mut errors = check_against_db(conn, &checked, None)?;
                errors.add("employee_number", format!("{number} was just taken; try again."));
                return Err(AppError::Invalid(errors));
            }
            let linked = if user_id.is_some() { "; linked to the existing account" } else { "" };
            let detail = format!("{number} {}{linked}", checked.full_name);
            let entry = who.entry().email(checked.work_email.as_str()).detail(&detail);
            audit::record(conn, now, Event::EmployeeCreated, entry)?;
            Ok(employee::find(conn, &id)?)
        })
        .await
}

/// Saves an edit: every field when HR edits, the phone only when someone edits
/// their own record (anything else sent is ignored). A change of status to
/// terminated is refused: the termination page (`terminate`) does that.
pub async fn update(state: &AppState, actor: &Actor, id: String, input: RecordInput) -> AppResult<()> {
    let (target, editor) = for_edit(state, actor, id).await?;
    save(state, actor, target, editor, input).await
}

/// The fields of a record to change; `None` keeps the stored value. For
/// `department_id` and `manager_id`, `Some("")` means none.
#[derive(Clone, Debug, Default)]
pub struct RecordPatch {
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

impl RecordPatch {
    /// The fields given other than `phone`, by name.
    fn beyond_phone(&self) -> Vec<&'static str> {
        [
            ("employee_number", self.employee_number.is_some()),
            ("full_name", self.full_name.is_some()),
            ("work_email", self.work_email.is_some()),
            ("job_title", self.job_title.is_some()),
            ("department_id", self.department_id.is_some()),
            ("manager_id", self.manager_id.is_some()),
            ("hire_date", self.hire_date.is_some()),
            ("status", self.status.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, given)| given.then_some(name))
        .collect()
    }

    /// The whole record as the HR form would send it: these fields over `current`.
    fn over(self, current: &Employee) -> RecordInput {
        RecordInput {
            employee_number: self.employee_number.unwrap_or_else(|| current.employee_number.clone()),
            full_name: self.full_name.unwrap_or_else(|| current.full_name.clone()),
            work_email: self.work_email.unwrap_or_else(|| current.work_email.clone()),
            job_title: self.job_title.unwrap_or_else(|| current.job_title.clone()),
            department_id: self.department_id.unwrap_or_else(|| current.department_id.clone().unwrap_or_default()),
            manager_id: self.manager_id.unwrap_or_else(|| current.manager_id.clone().unwrap_or_default()),
            hire_date: self.hire_date.unwrap_or_else(|| iso_date(current.hire_date)),
            phone: self.phone.unwrap_or_else(|| current.phone.clone()),
            status: self.status.unwrap_or_else(|| current.status.clone()),
        }
    }
}

/// Changes the fields `patch` gives and keeps the others, through the same
/// checks as `update`. Someone who may change only their own phone number is
/// refused (403, naming the fields) when they send any other field: nothing
/// sent is silently ignored. Returns the record as saved.
pub async fn patch(state: &AppState, actor: &Actor, id: String, patch: RecordPatch) -> AppResult<Employee> {
    let (target, editor) = for_edit(state, actor, id).await?;
    let beyond = patch.beyond_phone();
    if editor == Editor::PhoneOnly && !beyond.is_empty() {
        return Err(AppError::forbidden(format!(
            "You can only change your own phone number; ask HR to change {}.",
            beyond.join(", ")
        )));
    }
    let id = target.id.clone();
    let input = patch.over(&target);
    save(state, actor, target, editor, input).await?;
    state.db.run(move |conn| Ok(employee::find(conn, &id)?)).await
}

/// Saves `input` over `target` as `editor` allows (see `update`).
async fn save(state: &AppState, actor: &Actor, target: Employee, editor: Editor, input: RecordInput) -> AppResult<()> {
    let now = state.clock.now();
    let who = Who::of(actor);
    match editor {
        Editor::PhoneOnly => {
            let phone = input.phone.trim().to_owned();
            if let Some(problem) = phone_problem(&phone) {
                return Err(AppError::invalid("phone", problem));
            }
            state
                .db
                .transaction(move |conn| {
                    employee::set_phone(conn, &target.id, &phone, now)?;
                    let detail = format!("{} {}: phone", target.employee_number, target.full_name);
                    let entry = who.entry().email(target.work_email.as_str()).detail(&detail);
                    audit::record(conn, now, Event::EmployeeUpdated, entry)
                })
                .await
        }
        Editor::Full => {
            let checked = check(&input, true).map_err(AppError::Invalid)?;
            let acting = actor.clone();
            state.db.atomic(move |conn| save_full(conn, &acting, &target.id, &checked, &who, now)).await
        }
    }
}

/// HR's edit, inside one transaction: every field, and what a change of
/// status or manager means. Ending an employment is refused here: it has a
/// page of its own (`terminate`).
fn save_full(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
    c: &Checked,
    who: &Who,
    now: Timestamp,
) -> AppResult<()> {
    let current = employee::find(conn, id)?;
    // Re-checked inside the transaction: the linked account may have changed meanwhile.
    editor_for(actor, &current, linked_role(conn, &current)?)?;
    check_against_db(conn, c, Some(&current))?.into_result()?;
    let ending = c.status == EmployeeStatus::Terminated && !current.is_terminated();
    if ending && actor.relation_to(&current) == Relation::Own {
        return Err(AppError::invalid("status", "You cannot terminate your own record. Ask someone else in HR."));
    }
    if ending {
        // One way to end an employment: the termination page (`terminate`),
        // which asks for the last working day and a reason.
        return Err(AppError::invalid(
            "status",
            "End an employment with \"End employment\" on the profile: it asks for the last working day and a reason.",
        ));
    }
    let changes = c.changes(c.status.as_str(), now);
    if !employee::update(conn, id, &changes)? {
        let mut errors = check_against_db(conn, c, Some(&current))?;
        errors.add("work_email", "This work email or number was just taken; try again.");
        return Err(AppError::Invalid(errors));
    }
    let mut notes = Vec::new();
    let rehired = current.is_terminated() && c.status != EmployeeStatus::Terminated;
    let manager_changed = current.manager_id != c.manager_id;
    if rehired || manager_changed {
        let saved = employee::find(conn, id)?;
        if rehired {
            // The record is current again and its reports' requests come back
            // to it. A deactivated account stays so: reactivating is an Admin's decision.
            leave::reroute_waiting_of_reports(conn, &saved, now)?;
            // The employment runs again: its earlier end no longer pro-rates leave.
            employee::clear_termination(conn, id)?;
            notes.push("rehired".to_owned());
        }
        if manager_changed {
            // Pending requests follow the person to their new manager at once.
            leave::reroute_waiting_of(conn, &saved, now)?;
        }
    }
    if current.user_id.is_none()
        && let Some(user_id) = unlinked_account(conn, &c.work_email)?
        && employee::link_user(conn, id, &user_id, now)?
    {
        notes.push("linked to the existing account".to_owned());
    }
    let changed = c.changed_fields(&current);
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
    audit::record(conn, now, Event::EmployeeUpdated, who.entry().email(c.work_email.as_str()).detail(&detail))?;
    Ok(())
}

// ---------- Ending employment ----------

/// The longest reason HR may give for ending someone's employment.
pub const MAX_TERMINATION_REASON_CHARS: usize = 500;

/// The termination form as typed.
#[derive(Clone, Debug, Default)]
pub struct TerminationInput {
    pub last_working_day: String,
    pub reason: String,
}

/// Checks the termination form against the record's hire date and today: a
/// real day (`YYYY-MM-DD`, as the date input sends it), not before the hire
/// date and not after today, and a reason. The day cannot lie ahead because
/// the account is deactivated when the termination is recorded: a future
/// leaver is terminated on their last day. Returns the day and the trimmed reason.
pub fn check_termination(input: &TerminationInput, hired: Date, today: Date) -> Result<(Date, String), FieldErrors> {
    let mut errors = FieldErrors::new();
    let text = input.last_working_day.trim();
    let day = if text.is_empty() {
        errors.add("last_working_day", "Enter the last working day.");
        None
    } else {
        match parse_iso_date(text) {
            None => {
                errors.add("last_working_day", "Enter the last working day as a date, like 2026-06-30.");
                None
            }
            Some(day) if day < hired => {
                errors.add(
                    "last_working_day",
                    format!("The last working day cannot be before the hire date, {}.", long_date(hired)),
                );
                None
            }
            Some(day) if day > today => {
                errors.add(
                    "last_working_day",
                    format!(
                        "The last working day cannot be after today, {}: access ends when the termination is recorded, so record it on or after the last day.",
                        long_date(today)
                    ),
                );
                None
            }
            Some(day) => Some(day),
        }
    };
    let reason = input.reason.trim().to_owned();
    if reason.is_empty() {
        errors.add("reason", "Enter the reason the employment ends.");
    } else if reason.chars().count() > MAX_TERMINATION_REASON_CHARS {
        errors.add("reason", format!("Use at most {MAX_TERMINATION_REASON_CHARS} characters."));
    }
    match day {
        Some(day) if errors.is_empty() => Ok((day, reason)),
        _ => Err(errors),
    }
}

/// The record whose employment `actor` wants to end, once it is clear they
/// may: HR, never their own record, never one whose account has more power
/// than theirs (403). A record that is already terminated is returned as it is.
pub async fn for_termination(state: &AppState, actor: &Actor, id: String) -> AppResult<Employee> {
    let target = visible(state, actor, id).await?;
    actor.authorize(Action::TerminateEmployee, actor.relation_to(&target))?;
    let loaded = target.clone();
    if let Some(role) = state.db.run(move |conn| linked_role(conn, &loaded)).await? {
        actor.authorize_over(role)?;
    }
    Ok(target)
}

/// Ends someone's employment from the termination page, with the last
/// working day and the reason (`check_termination`): the record is
/// terminated, their account deactivated and every session of it revoked,
/// all in one transaction with the audit entry (see
/// `accounts::end_employment`). Already terminated: nothing. Returns the
/// record's id.
pub async fn terminate(state: &AppState, actor: &Actor, id: String, input: TerminationInput) -> AppResult<String> {
    let target = for_termination(state, actor, id).await?;
    if target.is_terminated() {
        return Ok(target.id);
    }
    let now = state.clock.now();
    let (last_day, reason) = check_termination(&input, target.hire_date, now.date()).map_err(AppError::Invalid)?;
    let (who, acting) = (Who::of(actor), actor.clone());
    let target_id = target.id.clone();
    let revoked = state
        .db
        .atomic(move |conn| {
            user::lock_account_changes(conn)?;
            // Re-read inside the transaction: someone may have changed it meanwhile.
            let current = employee::find(conn, &target.id)?;
            if current.is_terminated() {
                return Ok(Vec::new());
            }
            let revoked = accounts::end_employment(conn, &acting, &current, last_day, Some(&reason), now)?;
            let detail = format!(
                "{} {}; last working day: {}; reason: {}; account deactivated: {}; sessions revoked: {}",
                current.employee_number,
                current.full_name,
                iso_date(last_day),
                reason,
                if current.user_id.is_some() { "yes" } else { "no account" },
                revoked.len()
            );
            let entry = who.entry().email(current.work_email.as_str()).detail(&detail);
            audit::record(conn, now, Event::EmployeeTerminated, entry)?;
            Ok(revoked)
        })
        .await?;
    state.revoke_now(&revoked);
    Ok(target_id)
}

// ---------- The directory ----------

/// How many people a directory page shows unless asked otherwise.
pub const PER_PAGE: i64 = 25;

/// The most people one page may be asked to show.
pub const MAX_PER_PAGE: i64 = 100;

/// What the directory was asked for.
#[derive(Clone, Debug)]
pub struct DirectoryQuery {
    pub name: String,
    pub department_id: Option<String>,
    pub title: String,
    /// Honoured only for those who may see former staff.
    pub include_terminated: bool,
    pub sort: DirectorySort,
    pub page: i64,
    /// 1 to `MAX_PER_PAGE`; `PER_PAGE` by default.
    pub per_page: i64,
    /// How `page` is read. `false` (the pages): any number, shown as the
    /// nearest page there is. `true` (the API): a page below 1 is refused,
    /// and one past the last is empty, so that a client reading page after
    /// page until one is empty comes to an end.
    pub exact_page: bool,
}

impl Default for DirectoryQuery {
    fn default() -> Self {
        DirectoryQuery {
            name: String::new(),
            department_id: None,
            title: String::new(),
            include_terminated: false,
            sort: DirectorySort::default(),
            page: 1,
            per_page: PER_PAGE,
            exact_page: false,
        }
    }
}

pub struct Directory {
    pub departments: Vec<Department>,
    /// Whether former staff are included (asked for, and allowed).
    pub include_terminated: bool,
    /// How many match; with `total_exact` false, counting stopped there and
    /// there are more.
    pub total: i64,
    pub total_exact: bool,
    /// The page shown: the one asked for (within range unless `exact_page`).
    pub page: i64,
    pub per_page: i64,
    /// The last page, or (with `total_exact` false) the last one counted.
    pub last_page: i64,
    /// Each record with its department's name.
    pub rows: Vec<(Employee, Option<String>)>,
    /// The names of the managers of the page's records, by id (one query):
    /// a manager who has left only for those who may see former staff.
    pub managers: HashMap<String, String>,
}

/// The directory counts matches up to the next multiple of this past the page
/// asked for, then says "more than": the cost of a page stays that of a page
/// however large the company (a search for "a" matches most of it).
const COUNT_STEP: i64 = 1000;

/// How far to count for `page`: the next multiple of `COUNT_STEP` past its last row.
fn count_horizon(page: i64, per_page: i64) -> i64 {
    let end = page.saturating_mul(per_page);
    (end / COUNT_STEP).saturating_add(1).saturating_mul(COUNT_STEP)
}

pub async fn directory(state: &AppState, actor: &Actor, query: DirectoryQuery) -> AppResult<Directory> {
    actor.authorize_global(Action::ViewDirectory)?;
    let per_page = query.per_page;
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        return Err(AppError::invalid("per_page", format!("Ask for 1 to {MAX_PER_PAGE} people per page.")));
    }
    if query.exact_page && query.page < 1 {
        return Err(AppError::invalid("page", "Pages are numbered from 1."));
    }
    let sees_former_staff = actor.can_globally(Action::ViewTerminatedStaff);
    let include_terminated = query.include_terminated && sees_former_staff;
    let filter = DirectoryFilter {
        name: query.name,
        department_id: query.department_id,
        title: query.title,
        include_terminated,
    };
    let (sort, exact, requested) = (query.sort, query.exact_page, query.page);
    state
        .db
        .run(move |conn| {
            let departments = department::all(conn)?;
            let horizon = count_horizon(requested.max(1), per_page);
            let counted = employee::directory_count_up_to(conn, &filter, horizon.saturating_add(1))?;
            let total_exact = counted <= horizon;
            let total = counted.min(horizon);
            let last_page = ((total + per_page - 1) / per_page).max(1);
            let page = if exact { requested } else { requested.clamp(1, last_page) };
            let rows = if page > last_page {
                Vec::new()
            } else {
                employee::directory_page(conn, &filter, sort, per_page, (page - 1) * per_page)?
            };
            let manager_ids: Vec<String> = rows.iter().filter_map(|(e, _)| e.manager_id.clone()).collect();
            let managers = employee::find_many(conn, &manager_ids)?
                .into_iter()
                .filter(|m| sees_former_staff || !m.is_terminated())
                .map(|m| (m.id, m.full_name))
                .collect();
            Ok(Directory {
                departments,
                include_terminated,
                total,
                total_exact,
                page,
                per_page,
                last_page,
                rows,
                managers,
            })
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_directory_counts_to_the_next_thousand_past_the_page() {
        assert_eq!(count_horizon(1, 25), 1000);
        assert_eq!(count_horizon(39, 25), 1000);
        assert_eq!(count_horizon(40, 25), 2000);
        assert_eq!(count_horizon(1, 100), 1000);
        assert_eq!(count_horizon(i64::MAX, 100), i64::MAX);
    }

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
        let input = RecordInput {
            full_name: " Ann Lee ".into(),
            work_email: "Ann@Example.com".into(),
            job_title: "Engineer".into(),
            hire_date: "2026-06-01".into(),
            status: "terminated".into(),
            ..Default::default()
        };
        let c = check(&input, false).expect("valid");
        assert_eq!(
            (c.number.as_str(), c.full_name.as_str(), c.work_email.as_str()),
            ("", "Ann Lee", "ann@example.com")
        );
        assert_eq!(c.status, EmployeeStatus::Active);
        let errors = check(&input, true).expect_err("editing needs a number");
        assert!(errors.has("employee_number"));
    }

    #[test]
    fn a_termination_needs_a_day_from_hiring_to_today_and_a_reason() {
        use time::macros::date;
        let (hired, today) = (date!(2024 - 03 - 01), date!(2026 - 06 - 01));
        let input = |day: &str, reason: &str| TerminationInput { last_working_day: day.into(), reason: reason.into() };
        let ok = check_termination(&input(" 2024-03-01 ", "  Resigned "), hired, today).expect("the hire date");
        assert_eq!(ok, (hired, "Resigned".to_owned()));
        assert!(check_termination(&input("2026-06-01", "Resigned"), hired, today).is_ok(), "today");
        for (day, reason, field) in [
            ("2024-02-29", "Resigned", "last_working_day"),
            ("2026-06-02", "Resigned", "last_working_day"),
            ("1 June 2026", "Resigned", "last_working_day"),
            ("", "Resigned", "last_working_day"),
            ("2026-05-01", " ", "reason"),
            ("2026-05-01", &"x".repeat(MAX_TERMINATION_REASON_CHARS + 1), "reason"),
        ] {
            let errors = check_termination(&input(day, reason), hired, today).expect_err(day);
            assert!(errors.has(field), "{day:?} {reason:?}");
        }
    }

    #[test]
    fn bad_values_get_a_message_each() {
        let input = RecordInput { hire_date: "1 June".into(), phone: "x".into(), ..Default::default() };
        let e = check(&input, true).expect_err("invalid");
        for field in ["full_name", "work_email", "job_title", "hire_date", "phone", "status", "employee_number"] {
            assert!(e.has(field), "{field}");
        }
    }
}
