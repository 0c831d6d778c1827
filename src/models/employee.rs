//! Employee records: who works here, in which department, for whom.

use diesel::prelude::*;
use time::Date;

use crate::clock::Timestamp;
use crate::db::DbConnection;
use crate::db::schema::{departments, employees};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmployeeStatus {
    Active,
    OnLeave,
    Terminated,
}

impl EmployeeStatus {
    pub const ALL: [EmployeeStatus; 3] = [EmployeeStatus::Active, EmployeeStatus::OnLeave, EmployeeStatus::Terminated];

    pub fn as_str(self) -> &'static str {
        match self {
            EmployeeStatus::Active => "active",
            EmployeeStatus::OnLeave => "on_leave",
            EmployeeStatus::Terminated => "terminated",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EmployeeStatus::Active => "Active",
            EmployeeStatus::OnLeave => "On leave",
            EmployeeStatus::Terminated => "Terminated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = employees)]
pub struct Employee {
    pub id: String,
    pub employee_number: String,
    pub user_id: Option<String>,
    pub full_name: String,
    pub work_email: String,
    pub job_title: String,
    pub department_id: Option<String>,
    pub manager_id: Option<String>,
    pub hire_date: Date,
    pub phone: String,
    pub status: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The last working day, when the employment ended through the
    /// termination page (or the edit form, which records the day it was saved).
    pub terminated_on: Option<Date>,
    /// Why it ended, as HR wrote it: shown to HR only.
    pub termination_reason: Option<String>,
}

impl Employee {
    /// Unknown values read as Active: the column is only written through `EmployeeStatus`.
    pub fn status(&self) -> EmployeeStatus {
        EmployeeStatus::parse(&self.status).unwrap_or(EmployeeStatus::Active)
    }

    pub fn is_terminated(&self) -> bool {
        self.status() == EmployeeStatus::Terminated
    }
}

#[derive(Insertable)]
#[diesel(table_name = employees)]
pub struct NewEmployee<'a> {
    pub id: &'a str,
    pub employee_number: &'a str,
    pub user_id: Option<&'a str>,
    pub full_name: &'a str,
    pub work_email: &'a str,
    pub job_title: &'a str,
    pub department_id: Option<&'a str>,
    pub manager_id: Option<&'a str>,
    pub hire_date: Date,
    pub phone: &'a str,
    pub status: &'a str,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Employee> {
    employees::table.find(id).select(Employee::as_select()).first(conn)
}

pub fn find_by_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<Option<Employee>> {
    employees::table.filter(employees::user_id.eq(user_id)).select(Employee::as_select()).first(conn).optional()
}

pub fn find_by_work_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<Employee>> {
    employees::table
        .filter(employees::work_email.eq(super::user::normalize_email(email)))
        .select(Employee::as_select())
        .first(conn)
        .optional()
}

/// Everyone whose manager is `manager_id`, terminated staff excluded, by name.
pub fn direct_reports(conn: &mut DbConnection, manager_id: &str) -> QueryResult<Vec<Employee>> {
    employees::table
        .filter(employees::manager_id.eq(manager_id))
        .filter(employees::status.ne(EmployeeStatus::Terminated.as_str()))
        .order(employees::full_name.asc())
        .select(Employee::as_select())
        .load(conn)
}

/// Inserts a record. `Ok(false)` when the work email or number is taken.
/// Runs in a savepoint so a violation cannot abort the caller's transaction.
pub fn insert(conn: &mut DbConnection, employee: &NewEmployee<'_>) -> QueryResult<bool> {
    match conn.transaction(|conn| diesel::insert_into(employees::table).values(employee).execute(conn)) {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Every record, terminated ones included: the import reads them once.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Employee>> {
    employees::table.order(employees::employee_number.asc()).select(Employee::as_select()).load(conn)
}

/// Inserts records without `insert`'s savepoint per row: for the import,
/// which checked them all first; a violation fails the caller's transaction.
/// A thousand records a statement (13 parameters each: within both backends'
/// limits); a `MultiConnection` has no batch insert, so each backend's own
/// connection does it.
pub fn insert_all(conn: &mut DbConnection, records: &[NewEmployee<'_>]) -> QueryResult<()> {
    crate::insert_in_chunks!(conn, employees::table, records, 1000);
    Ok(())
}

/// The next free employee number, `E0001` style.
pub fn next_employee_number(conn: &mut DbConnection) -> QueryResult<String> {
    let numbers: Vec<String> =
        employees::table.select(employees::employee_number).filter(employees::employee_number.like("E%")).load(conn)?;
    let max = numbers.iter().filter_map(|n| n.strip_prefix('E')?.parse::<u32>().ok()).max().unwrap_or(0);
    Ok(format!("E{:04}", max + 1))
}

/// Whether making `manager_id` the manager of `employee_id` would close a
/// loop (someone managing themselves, directly or through others).
pub fn would_create_cycle(conn: &mut DbConnection, employee_id: &str, manager_id: &str) -> QueryResult<bool> {
    let mut current = Some(manager_id.to_owned());
    let mut steps = 0;
    while let Some(id) = current {
        if id == employee_id {
            return Ok(true);
        }
        steps += 1;
        if steps > 10_000 {
            return Ok(true); // a loop already exists above: refuse rather than spin
        }
        current = employees::table.find(&id).select(employees::manager_id).first(conn).optional()?.flatten();
    }
    Ok(false)
}

diesel::define_sql_function! {
    /// Lower-cases text; both backends have it (SQLite folds ASCII letters only).
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

diesel::define_sql_function! {
    /// `lower` for a column that may be NULL (the department of someone without one).
    #[sql_name = "lower"]
    fn lower_nullable(x: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

/// `%text%` for a case-insensitive LIKE, with the wildcards in `text` escaped.
pub(crate) fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// How the directory is ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DirectorySort {
    #[default]
    Name,
    Number,
    Department,
    Title,
}

impl DirectorySort {
    pub const ALL: [DirectorySort; 4] =
        [DirectorySort::Name, DirectorySort::Number, DirectorySort::Department, DirectorySort::Title];

    pub fn as_str(self) -> &'static str {
        match self {
            DirectorySort::Name => "name",
            DirectorySort::Number => "number",
            DirectorySort::Department => "department",
            DirectorySort::Title => "title",
        }
    }

    /// Unknown values sort by name.
    pub fn parse(s: &str) -> Self {
        Self::ALL.into_iter().find(|sort| sort.as_str() == s).unwrap_or_default()
    }
}

/// What the directory is narrowed to. Empty strings are treated as "any".
#[derive(Clone, Debug, Default)]
pub struct DirectoryFilter {
    /// Part of the name, any case.
    pub name: String,
    pub department_id: Option<String>,
    /// Part of the job title, any case.
    pub title: String,
    pub include_terminated: bool,
}

type DirectoryQuery<'a> = diesel::dsl::IntoBoxed<
    'a,
    diesel::dsl::LeftJoin<employees::table, departments::table>,
    crate::db::connection::MultiBackend,
>;

fn directory_query(filter: &DirectoryFilter) -> DirectoryQuery<'static> {
    let mut query = employees::table.left_join(departments::table).into_boxed();
    if !filter.name.trim().is_empty() {
        query = query.filter(lower(employees::full_name).like(contains_pattern(filter.name.trim())).escape('\\'));
    }
    if !filter.title.trim().is_empty() {
        query = query.filter(lower(employees::job_title).like(contains_pattern(filter.title.trim())).escape('\\'));
    }
    if let Some(department_id) = &filter.department_id {
        query = query.filter(employees::department_id.eq(department_id.clone()));
    }
    if !filter.include_terminated {
        query = query.filter(employees::status.ne(EmployeeStatus::Terminated.as_str()));
    }
    query
}

/// How many records match `filter`, counting no further than `limit`: a page
/// of 25 should not make the database count fifty thousand matches.
pub fn directory_count_up_to(conn: &mut DbConnection, filter: &DirectoryFilter, limit: i64) -> QueryResult<i64> {
    let ids: Vec<String> = directory_query(filter).select(employees::id).limit(limit).load(conn)?;
    Ok(ids.len() as i64)
}

/// One page of the directory: each record with its department's name.
pub fn directory_page(
    conn: &mut DbConnection,
    filter: &DirectoryFilter,
    sort: DirectorySort,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<(Employee, Option<String>)>> {
    let query = directory_query(filter);
    // Ties are broken by name, then id, so pages never overlap or skip a row.
    let query = match sort {
        DirectorySort::Name => query.order_by(lower(employees::full_name).asc()),
        DirectorySort::Number => query.order_by(employees::employee_number.asc()),
        DirectorySort::Title => query.order_by(lower(employees::job_title).asc()),
        // Those without a department last, on both backends (they disagree on NULLs).
        DirectorySort::Department => query
            .order_by(departments::name.is_null().asc())
            .then_order_by(lower_nullable(departments::name.nullable()).asc()),
    };
    query
        .then_order_by(lower(employees::full_name).asc())
        .then_order_by(employees::id.asc())
        .select((Employee::as_select(), departments::name.nullable()))
        .limit(limit)
        .offset(offset)
        .load(conn)
}

/// Everyone not terminated, by name: the people one may pick as a manager or head.
pub fn current_staff(conn: &mut DbConnection) -> QueryResult<Vec<Employee>> {
    employees::table
        .filter(employees::status.ne(EmployeeStatus::Terminated.as_str()))
        .order((employees::full_name.asc(), employees::id.asc()))
        .select(Employee::as_select())
        .load(conn)
}

pub fn find_many(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<Employee>> {
    employees::table.filter(employees::id.eq_any(ids)).select(Employee::as_select()).load(conn)
}

/// Whether another record (not `except_id`) has this work email.
pub fn email_taken(conn: &mut DbConnection, email: &str, except_id: Option<&str>) -> QueryResult<bool> {
    let found: Option<String> = employees::table
        .filter(employees::work_email.eq(super::user::normalize_email(email)))
        .select(employees::id)
        .first(conn)
        .optional()?;
    Ok(found.is_some_and(|id| Some(id.as_str()) != except_id))
}

/// Whether another record (not `except_id`) has this employee number.
pub fn number_taken(conn: &mut DbConnection, number: &str, except_id: Option<&str>) -> QueryResult<bool> {
    let found: Option<String> =
        employees::table.filter(employees::employee_number.eq(number)).select(employees::id).first(conn).optional()?;
    Ok(found.is_some_and(|id| Some(id.as_str()) != except_id))
}

/// The fields HR edits; written together.
#[derive(AsChangeset)]
#[diesel(table_name = employees, treat_none_as_null = true)]
pub struct EmployeeChanges<'a> {
    pub employee_number: &'a str,
    pub full_name: &'a str,
    pub work_email: &'a str,
    pub job_title: &'a str,
    pub department_id: Option<&'a str>,
    pub manager_id: Option<&'a str>,
    pub hire_date: Date,
    pub phone: &'a str,
    pub status: &'a str,
    pub updated_at: Timestamp,
}

/// Writes `changes`. `Ok(false)` when the work email or number is taken.
/// Runs in a savepoint so a violation cannot abort the caller's transaction.
pub fn update(conn: &mut DbConnection, id: &str, changes: &EmployeeChanges<'_>) -> QueryResult<bool> {
    match conn.transaction(|conn| diesel::update(employees::table.find(id)).set(changes).execute(conn)) {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e),
    }
}

pub fn set_phone(conn: &mut DbConnection, id: &str, phone: &str, now: Timestamp) -> QueryResult<usize> {
    diesel::update(employees::table.find(id))
        .set((employees::phone.eq(phone), employees::updated_at.eq(now)))
        .execute(conn)
}

/// Marks a record terminated with its last working day and the reason given.
pub fn set_terminated(
    conn: &mut DbConnection,
    id: &str,
    last_day: Date,
    reason: Option<&str>,
    now: Timestamp,
) -> QueryResult<usize> {
    diesel::update(employees::table.find(id))
        .set((
            employees::status.eq(EmployeeStatus::Terminated.as_str()),
            employees::terminated_on.eq(Some(last_day)),
            employees::termination_reason.eq(reason),
            employees::updated_at.eq(now),
        ))
        .execute(conn)
}

/// Forgets the end of an employment that has restarted (a rehire): the
/// audit log keeps what it was.
pub fn clear_termination(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::update(employees::table.find(id))
        .set((employees::terminated_on.eq(None::<Date>), employees::termination_reason.eq(None::<String>)))
        .execute(conn)
}

/// Links a sign-in account to a record that has none. `false` if it already had one.
pub fn link_user(conn: &mut DbConnection, employee_id: &str, user_id: &str, now: Timestamp) -> QueryResult<bool> {
    let n = diesel::update(employees::table.find(employee_id).filter(employees::user_id.is_null()))
        .set((employees::user_id.eq(user_id), employees::updated_at.eq(now)))
        .execute(conn)?;
    Ok(n == 1)
}

/// Every record in a department, terminated ones included.
pub fn count_in_department(conn: &mut DbConnection, department_id: &str) -> QueryResult<i64> {
    employees::table.filter(employees::department_id.eq(department_id)).count().get_result(conn)
}

/// Current staff per department (`None`: no department).
pub fn headcounts(conn: &mut DbConnection) -> QueryResult<Vec<(Option<String>, i64)>> {
    employees::table
        .filter(employees::status.ne(EmployeeStatus::Terminated.as_str()))
        .group_by(employees::department_id)
        .select((employees::department_id, diesel::dsl::count_star()))
        .load(conn)
}

/// The record an invitation-only sign-up may claim: this work email, no
/// account linked yet, not terminated.
pub fn invitation_for(conn: &mut DbConnection, email: &str) -> QueryResult<Option<Employee>> {
    Ok(find_by_work_email(conn, email)?.filter(|e| e.user_id.is_none() && !e.is_terminated()))
}

/// What giving a new account its employee record led to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Enrollment {
    /// HR had entered a record with this email: the account is linked to it.
    Linked(String),
    /// A new record of its own, with no department.
    Created(String),
    /// The email is on a record that cannot be claimed (linked to another
    /// account, or terminated).
    Unavailable,
}

/// Gives a new account (`user_id`, `email`) an employee record: the unlinked
/// one HR entered with that email, else a new one. Call inside the transaction
/// that creates the account.
pub fn enroll(
    conn: &mut DbConnection,
    user_id: &str,
    email: &str,
    full_name: &str,
    now: Timestamp,
) -> QueryResult<Enrollment> {
    if let Some(existing) = find_by_work_email(conn, email)? {
        if existing.is_terminated() || !link_user(conn, &existing.id, user_id, now)? {
            return Ok(Enrollment::Unavailable);
        }
        return Ok(Enrollment::Linked(existing.id));
    }
    let id = super::new_id();
    let email = super::user::normalize_email(email);
    // Two sign-ups at once may pick the same next number: the loser tries the next one.
    for _ in 0..5 {
        let number = next_employee_number(conn)?;
        let record = NewEmployee {
            id: &id,
            employee_number: &number,
            user_id: Some(user_id),
            full_name,
            work_email: &email,
            job_title: "Employee",
            department_id: None,
            manager_id: None,
            hire_date: now.date(),
            phone: "",
            status: EmployeeStatus::Active.as_str(),
            created_at: now,
            updated_at: now,
        };
        if insert(conn, &record)? {
            return Ok(Enrollment::Created(id));
        }
        if find_by_work_email(conn, &email)?.is_some() {
            break;
        }
    }
    Ok(Enrollment::Unavailable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(contains_pattern("Ann"), "%ann%");
        assert_eq!(contains_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }

    #[test]
    fn sort_keys_parse() {
        assert_eq!(DirectorySort::parse("department"), DirectorySort::Department);
        assert_eq!(DirectorySort::parse("bogus"), DirectorySort::Name);
    }
}
