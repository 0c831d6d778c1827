//! Departments: a name and, optionally, a head. Everyone sees the list with
//! headcounts; HR creates, renames, chooses the head and deletes an empty one.

use std::collections::HashMap;

use diesel::OptionalExtension;

use crate::access::{Action, Actor};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::models::audit::{self, Event, Who};
use crate::models::department::{self, Department, NewDepartment};
use crate::models::employee::{self, Employee};
use crate::models::new_id;
use crate::state::AppState;

const NAME_TAKEN: &str = "A department with this name already exists.";

/// The name as it is stored: trimmed, present, at most 80 characters.
fn checked_name(name: &str) -> AppResult<String> {
    let name = name.trim();
    if name.is_empty() {
        Err(AppError::invalid("name", "Enter the department's name."))
    } else if name.chars().count() > 80 {
        Err(AppError::invalid("name", "Use at most 80 characters."))
    } else {
        Ok(name.to_owned())
    }
}

/// A department with its current headcount and its head (when the viewer may
/// see the head's profile).
pub type Row = (Department, i64, Option<Employee>);

/// Every department as a `Row`, and how many current staff have none.
pub struct Overview {
    pub rows: Vec<Row>,
    pub unassigned: i64,
}

/// `department` as a `Row` for `actor`.
fn row(conn: &mut DbConnection, actor: &Actor, department: Department) -> AppResult<Row> {
    let count = employee::headcounts(conn)?
        .into_iter()
        .find_map(|(id, count)| (id.as_deref() == Some(department.id.as_str())).then_some(count))
        .unwrap_or(0);
    let head = match &department.head_employee_id {
        Some(id) => employee::find(conn, id).optional()?.filter(|e| actor.may_view_employee(e)),
        None => None,
    };
    Ok((department, count, head))
}

pub async fn overview(state: &AppState, actor: &Actor) -> AppResult<Overview> {
    actor.authorize_global(Action::ViewDirectory)?;
    let (departments, counts, mut heads) = state
        .db
        .run(|conn| {
            let departments = department::all(conn)?;
            let counts: HashMap<Option<String>, i64> = employee::headcounts(conn)?.into_iter().collect();
            let head_ids: Vec<String> = departments.iter().filter_map(|d| d.head_employee_id.clone()).collect();
            let heads: HashMap<String, Employee> =
                employee::find_many(conn, &head_ids)?.into_iter().map(|e| (e.id.clone(), e)).collect();
            Ok((departments, counts, heads))
        })
        .await?;
    let rows = departments
        .into_iter()
        .map(|d| {
            let head =
                d.head_employee_id.as_ref().and_then(|id| heads.remove(id)).filter(|e| actor.may_view_employee(e));
            let count = counts.get(&Some(d.id.clone())).copied().unwrap_or(0);
            (d, count, head)
        })
        .collect();
    Ok(Overview { rows, unassigned: counts.get(&None).copied().unwrap_or(0) })
}

/// Creates a department and returns it. `Invalid` names the field `name`.
pub async fn create(state: &AppState, actor: &Actor, name: &str) -> AppResult<Row> {
    actor.authorize_global(Action::ManageDepartments)?;
    let name = checked_name(name)?;
    let now = state.clock.now();
    let who = Who::of(actor);
    let acting = actor.clone();
    state
        .db
        .atomic(move |conn| {
            let id = new_id();
            let new = NewDepartment { id: &id, name: &name, head_employee_id: None, created_at: now, updated_at: now };
            if department::name_taken(conn, &name, None)? || !department::insert(conn, &new)? {
                return Err(AppError::invalid("name", NAME_TAKEN));
            }
            audit::record(conn, now, Event::DepartmentCreated, who.entry().detail(&name))?;
            let saved = department::find(conn, &id)?;
            row(conn, &acting, saved)
        })
        .await
}

/// A department with what its edit page offers: the people who may head it
/// (current staff, and a head who has since left, so that saving does not
/// silently drop them) and how many records, former staff included, belong to it.
pub struct ForEdit {
    pub department: Department,
    pub staff: Vec<Employee>,
    pub member_count: i64,
}

pub async fn for_edit(state: &AppState, actor: &Actor, id: String) -> AppResult<ForEdit> {
    actor.authorize_global(Action::ManageDepartments)?;
    state
        .db
        .run(move |conn| {
            let department = department::find(conn, &id)?;
            let mut staff = employee::current_staff(conn)?;
            if let Some(head) = &department.head_employee_id
                && !staff.iter().any(|e| &e.id == head)
                && let Some(e) = employee::find(conn, head).optional()?
            {
                staff.push(e);
            }
            let member_count = employee::count_in_department(conn, &id)?;
            Ok(ForEdit { department, staff, member_count })
        })
        .await
}

/// Renames a department and sets its head (empty: none); returns it as saved.
/// `Invalid` names the fields `name` and `head_employee_id`.
pub async fn update(state: &AppState, actor: &Actor, id: String, name: &str, head: &str) -> AppResult<Row> {
    actor.authorize_global(Action::ManageDepartments)?;
    let name = checked_name(name)?;
    let head = Some(head.trim().to_owned()).filter(|h| !h.is_empty());
    let now = state.clock.now();
    let who = Who::of(actor);
    let acting = actor.clone();
    state
        .db
        .atomic(move |conn| {
            let current = department::find(conn, &id)?;
            if let Some(head_id) = &head {
                let unchanged = current.head_employee_id.as_deref() == Some(head_id.as_str());
                match employee::find(conn, head_id).optional()? {
                    None => return Err(AppError::invalid("head_employee_id", "Choose a head from the list.")),
                    Some(e) if e.is_terminated() && !unchanged => {
                        let msg = format!("{} no longer works here; choose a current employee.", e.full_name);
                        return Err(AppError::invalid("head_employee_id", msg));
                    }
                    Some(_) => {}
                }
            }
            if department::name_taken(conn, &name, Some(&id))?
                || !department::update(conn, &id, &name, head.as_deref(), now)?
            {
                return Err(AppError::Invalid(FieldErrors::one("name", NAME_TAKEN)));
            }
            let mut detail = if current.name == name { name.clone() } else { format!("{} -> {name}", current.name) };
            if current.head_employee_id != head {
                detail.push_str("; head changed");
            }
            audit::record(conn, now, Event::DepartmentUpdated, who.entry().detail(&detail))?;
            let saved = department::find(conn, &id)?;
            row(conn, &acting, saved)
        })
        .await
}

/// What to change of a department; `None` keeps the stored value. For
/// `head_employee_id`, `Some("")` means no head.
#[derive(Clone, Debug, Default)]
pub struct DepartmentPatch {
    pub name: Option<String>,
    pub head_employee_id: Option<String>,
}

/// Changes the fields `patch` gives and keeps the others, through `update`.
pub async fn patch(state: &AppState, actor: &Actor, id: String, patch: DepartmentPatch) -> AppResult<Row> {
    actor.authorize_global(Action::ManageDepartments)?;
    let current = state.db.run(move |conn| Ok(department::find(conn, &id)?)).await?;
    let name = patch.name.unwrap_or(current.name);
    let head = patch.head_employee_id.unwrap_or_else(|| current.head_employee_id.unwrap_or_default());
    update(state, actor, current.id, &name, &head).await
}

/// Deletes a department that no record, former staff included, belongs to;
/// otherwise a `Conflict` that says how many do.
pub async fn delete(state: &AppState, actor: &Actor, id: String) -> AppResult<()> {
    actor.authorize_global(Action::ManageDepartments)?;
    let now = state.clock.now();
    let who = Who::of(actor);
    state
        .db
        .atomic(move |conn| {
            let current = department::find(conn, &id)?;
            let members = employee::count_in_department(conn, &id)?;
            if members > 0 {
                let people = if members == 1 {
                    "1 employee record belongs".to_owned()
                } else {
                    format!("{members} employee records belong")
                };
                return Err(AppError::conflict(
                    "Department in use",
                    format!(
                        "{} cannot be deleted: {people} to it. Move them to another department first.",
                        current.name
                    ),
                ));
            }
            department::delete(conn, &id)?;
            audit::record(conn, now, Event::DepartmentDeleted, who.entry().detail(&current.name))?;
            Ok(())
        })
        .await
}
