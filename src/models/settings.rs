//! Small key-value settings kept in the database (the generated JWT key).

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::settings;

pub fn get(conn: &mut DbConnection, key: &str) -> QueryResult<Option<String>> {
    settings::table.find(key).select(settings::value).first(conn).optional()
}

/// Stores `value` unless the key already has one, and returns the value that won:
/// two instances starting together on an empty database agree on one.
pub fn get_or_insert(conn: &mut DbConnection, key: &str, value: &str) -> QueryResult<String> {
    conn.transaction(|conn| {
        if let Some(existing) = get(conn, key)? {
            return Ok(existing);
        }
        match diesel::insert_into(settings::table)
            .values((settings::key.eq(key), settings::value.eq(value)))
            .execute(conn)
        {
            Ok(_) => Ok(value.to_owned()),
            Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {
                Err(diesel::result::Error::RollbackTransaction)
            }
            Err(e) => Err(e),
        }
    })
    .or_else(|e| match e {
        // Somebody else inserted first: theirs wins.
        diesel::result::Error::RollbackTransaction => get(conn, key)?.ok_or(diesel::result::Error::NotFound),
        other => Err(other),
    })
}

pub fn set(conn: &mut DbConnection, key: &str, value: &str) -> QueryResult<()> {
    conn.transaction(|conn| {
        let updated = diesel::update(settings::table.find(key)).set(settings::value.eq(value)).execute(conn)?;
        if updated == 0 {
            diesel::insert_into(settings::table)
                .values((settings::key.eq(key), settings::value.eq(value)))
                .execute(conn)?;
        }
        Ok(())
    })
}
