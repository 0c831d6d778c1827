use std::fmt;
use std::str::FromStr;

use diesel::prelude::*;

use crate::clock::Timestamp;
use crate::db::DbConnection;
use crate::db::schema::users;
use crate::error::{AppError, AppResult};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Employee,
    Hr,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Employee => "employee",
            Role::Hr => "hr",
            Role::Admin => "admin",
        }
    }

    /// How the role is shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Role::Employee => "Employee",
            Role::Hr => "HR",
            Role::Admin => "Admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "employee" => Ok(Role::Employee),
            "hr" => Ok(Role::Hr),
            "admin" => Ok(Role::Admin),
            other => Err(format!("unknown role {other:?}")),
        }
    }
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub email: String,
    pub full_name: String,
    pub password_hash: String,
    pub role: String,
    pub active: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub leave_notifications: bool,
}

impl User {
    /// The role column is written only through `Role`, so a bad value is data corruption.
    pub fn role(&self) -> AppResult<Role> {
        self.role.parse().map_err(|e: String| AppError::Internal(anyhow::anyhow!("user {}: {e}", self.id)))
    }
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub full_name: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub active: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Emails are compared case-insensitively: they are stored trimmed and lower-cased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A plausible address: one `@`, something before it, a dotted domain after it, no spaces.
pub fn email_problem(email: &str) -> Option<&'static str> {
    if email.is_empty() {
        return Some("Enter your email address.");
    }
    if email.chars().count() > 254 {
        return Some("This email address is too long.");
    }
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && local.len() <= 64
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    };
    (!valid).then_some("Enter an email address like name@company.com.")
}

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<User>> {
    users::table.filter(users::email.eq(normalize_email(email))).select(User::as_select()).first(conn).optional()
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<User> {
    users::table.find(id).select(User::as_select()).first(conn)
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

/// Inserts a user. `Ok(false)` when the email is taken (the unique index decides,
/// so two registrations racing for one email cannot both succeed).
/// Runs in a savepoint: on PostgreSQL a failed statement would otherwise abort
/// the caller's whole transaction.
pub fn insert(conn: &mut DbConnection, user: &NewUser<'_>) -> QueryResult<bool> {
    match conn.transaction(|conn| diesel::insert_into(users::table).values(user).execute(conn)) {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e),
    }
}

pub fn set_role(conn: &mut DbConnection, id: &str, role: Role, now: Timestamp) -> QueryResult<usize> {
    diesel::update(users::table.find(id)).set((users::role.eq(role.as_str()), users::updated_at.eq(now))).execute(conn)
}

/// How many users the admin list shows per page.
pub const PAGE_SIZE: i64 = 25;

#[diesel::declare_sql_function]
extern "SQL" {
    /// SQL `lower()`: on both backends (ASCII-only on SQLite).
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

type Backend = <DbConnection as diesel::Connection>::Backend;

/// `text` as a literal inside a LIKE pattern (escape character `\`).
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Users whose email or name contains `q` (case-insensitively); all when `q` is blank.
fn matching(q: &str) -> users::BoxedQuery<'static, Backend> {
    let q = q.trim();
    let query = users::table.into_boxed();
    if q.is_empty() {
        return query;
    }
    let pattern = format!("%{}%", escape_like(&q.to_lowercase()));
    query.filter(users::email.like(pattern.clone()).escape('\\').or(lower(users::full_name).like(pattern).escape('\\')))
}

/// One page of the users matching `q`, by name.
pub fn search(conn: &mut DbConnection, q: &str, limit: i64, offset: i64) -> QueryResult<Vec<User>> {
    matching(q)
        .order((lower(users::full_name), users::email))
        .limit(limit)
        .offset(offset)
        .select(User::as_select())
        .load(conn)
}

pub fn count_matching(conn: &mut DbConnection, q: &str) -> QueryResult<i64> {
    matching(q).count().get_result(conn)
}

/// Users by id, for naming the people in the audit log.
/// Every account's id, email and role, for checks over many records at once.
pub fn all_roles(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, String)>> {
    users::table.select((users::id, users::email, users::role)).load(conn)
}

pub fn find_many(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<User>> {
    users::table.filter(users::id.eq_any(ids)).select(User::as_select()).load(conn)
}

/// Deactivated accounts cannot sign in or refresh a session.
pub fn set_active(conn: &mut DbConnection, id: &str, active: bool, now: Timestamp) -> QueryResult<usize> {
    diesel::update(users::table.find(id)).set((users::active.eq(active), users::updated_at.eq(now))).execute(conn)
}

pub fn count_active_admins(conn: &mut DbConnection) -> QueryResult<i64> {
    users::table.filter(users::role.eq(Role::Admin.as_str())).filter(users::active.eq(true)).count().get_result(conn)
}

/// Replaces the password hash only if it is still `old_hash`: of two changes
/// racing from two sessions, the second one fails instead of overwriting.
pub fn replace_password_hash(
    conn: &mut DbConnection,
    id: &str,
    old_hash: &str,
    new_hash: &str,
    now: Timestamp,
) -> QueryResult<bool> {
    let n = diesel::update(users::table.find(id).filter(users::password_hash.eq(old_hash)))
        .set((users::password_hash.eq(new_hash), users::updated_at.eq(now)))
        .execute(conn)?;
    Ok(n == 1)
}

/// Sets the password hash whatever it was (a password reset by mailed link).
pub fn set_password_hash(conn: &mut DbConnection, id: &str, hash: &str, now: Timestamp) -> QueryResult<usize> {
    diesel::update(users::table.find(id)).set((users::password_hash.eq(hash), users::updated_at.eq(now))).execute(conn)
}

pub fn set_leave_notifications(conn: &mut DbConnection, id: &str, on: bool, now: Timestamp) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((users::leave_notifications.eq(on), users::updated_at.eq(now)))
        .execute(conn)
}

/// The account, if it is active and wants leave notifications.
pub fn leave_recipient(conn: &mut DbConnection, id: &str) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .filter(users::active.eq(true))
        .filter(users::leave_notifications.eq(true))
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// Active HR accounts that want leave notifications: they decide requests
/// that have no manager to go to.
pub fn hr_leave_recipients(conn: &mut DbConnection) -> QueryResult<Vec<User>> {
    users::table
        .filter(users::role.eq(Role::Hr.as_str()))
        .filter(users::active.eq(true))
        .filter(users::leave_notifications.eq(true))
        .select(User::as_select())
        .load(conn)
}

/// The settings row that changes to roles and activation lock.
const ACCOUNT_CHANGES_LOCK: &str = "account_changes_lock";

/// Call first in a transaction that changes roles or activation: such
/// transactions then run one after another on both backends, so two admins
/// demoting each other at once cannot leave the company without an Admin
/// (on PostgreSQL, each would otherwise not see the other's change). On
/// SQLite it also takes the write lock before anything is read.
pub fn lock_account_changes(conn: &mut DbConnection) -> QueryResult<()> {
    use crate::db::schema::settings;
    let touch = |conn: &mut DbConnection| {
        diesel::update(settings::table.find(ACCOUNT_CHANGES_LOCK)).set(settings::value.eq("")).execute(conn)
    };
    if touch(conn)? == 0 {
        crate::models::settings::get_or_insert(conn, ACCOUNT_CHANGES_LOCK, "")?;
        touch(conn)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_shapes() {
        assert_eq!(email_problem("ann@example.com"), None);
        for bad in ["", "ann", "ann@", "@example.com", "ann@example", "a b@example.com", "a@b@example.com", "ann@.com"]
        {
            assert!(email_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn like_patterns_match_wildcards_literally() {
        assert_eq!(escape_like("50%_a\\b"), "50\\%\\_a\\\\b");
        assert_eq!(escape_like("ann"), "ann");
    }
}
