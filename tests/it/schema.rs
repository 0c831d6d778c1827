//! The two migration folders must build the same schema, the one the code
//! (src/db/schema.rs) relies on. Each backend's live schema is read back and
//! compared with one expected description, so the two cannot drift apart.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use hrms::db::DbConnection;

use crate::helpers::TestApp;

/// (table, column) -> (portable type, nullable), as src/db/schema.rs declares them.
fn expected() -> BTreeMap<(String, String), (&'static str, bool)> {
    let t = |table: &str, columns: &[(&str, &'static str, bool)]| {
        columns.iter().map(move |(c, ty, null)| ((table.to_owned(), (*c).to_owned()), (*ty, *null))).collect::<Vec<_>>()
    };
    [
        t(
            "users",
            &[
                ("id", "text", false),
                ("email", "text", false),
                ("full_name", "text", false),
                ("password_hash", "text", false),
                ("role", "text", false),
                ("active", "bool", false),
                ("created_at", "timestamp", false),
                ("updated_at", "timestamp", false),
                ("leave_notifications", "bool", false),
            ],
        ),
        t(
            "sessions",
            &[
                ("id", "text", false),
                ("user_id", "text", false),
                ("user_agent", "text", false),
                ("ip", "text", false),
                ("created_at", "timestamp", false),
                ("last_used_at", "timestamp", false),
                ("idle_expires_at", "timestamp", false),
                ("absolute_expires_at", "timestamp", false),
                ("revoked_at", "timestamp", true),
                ("revoked_reason", "text", true),
                ("remember", "bool", false),
                ("kind", "text", false),
            ],
        ),
        t(
            "refresh_tokens",
            &[
                ("token_hash", "text", false),
                ("session_id", "text", false),
                ("created_at", "timestamp", false),
                ("used_at", "timestamp", true),
            ],
        ),
        t(
            "login_failures",
            &[("id", "text", false), ("throttle_key", "text", false), ("failed_at", "timestamp", false)],
        ),
        t(
            "audit_log",
            &[
                ("id", "text", false),
                ("occurred_at", "timestamp", false),
                ("event", "text", false),
                ("user_id", "text", true),
                ("email", "text", true),
                ("session_id", "text", true),
                ("ip", "text", true),
                ("detail", "text", true),
            ],
        ),
        t("settings", &[("key", "text", false), ("value", "text", false)]),
        t(
            "departments",
            &[
                ("id", "text", false),
                ("name", "text", false),
                ("head_employee_id", "text", true),
                ("created_at", "timestamp", false),
                ("updated_at", "timestamp", false),
            ],
        ),
        t(
            "employees",
            &[
                ("id", "text", false),
                ("employee_number", "text", false),
                ("user_id", "text", true),
                ("full_name", "text", false),
                ("work_email", "text", false),
                ("job_title", "text", false),
                ("department_id", "text", true),
                ("manager_id", "text", true),
                ("hire_date", "date", false),
                ("phone", "text", false),
                ("status", "text", false),
                ("created_at", "timestamp", false),
                ("updated_at", "timestamp", false),
                ("terminated_on", "date", true),
                ("termination_reason", "text", true),
            ],
        ),
        t(
            "leave_types",
            &[
                ("id", "text", false),
                ("name", "text", false),
                ("yearly_allowance_days", "integer", true),
                ("created_at", "timestamp", false),
                ("updated_at", "timestamp", false),
                ("max_carry_over_half_days", "integer", false),
            ],
        ),
        t("public_holidays", &[("id", "text", false), ("day", "date", false), ("name", "text", false)]),
        t(
            "leave_requests",
            &[
                ("id", "text", false),
                ("employee_id", "text", false),
                ("leave_type_id", "text", false),
                ("first_day", "date", false),
                ("last_day", "date", false),
                ("half_day", "bool", false),
                ("half_days", "integer", false),
                ("reason", "text", false),
                ("status", "text", false),
                ("approver_employee_id", "text", true),
                ("decided_by_user_id", "text", true),
                ("decided_at", "timestamp", true),
                ("decision_comment", "text", true),
                ("created_at", "timestamp", false),
                ("updated_at", "timestamp", false),
            ],
        ),
        t(
            "link_tokens",
            &[
                ("token_hash", "text", false),
                ("purpose", "text", false),
                ("email", "text", false),
                ("full_name", "text", false),
                ("user_id", "text", true),
                ("employee_id", "text", true),
                ("created_at", "timestamp", false),
                ("expires_at", "timestamp", false),
                ("used_at", "timestamp", true),
            ],
        ),
        t(
            "outbox",
            &[
                ("id", "text", false),
                ("kind", "text", false),
                ("recipient", "text", false),
                ("subject", "text", false),
                ("text_body", "text", false),
                ("html_body", "text", false),
                ("sensitive", "bool", false),
                ("status", "text", false),
                ("attempts", "integer", false),
                ("next_attempt_at", "timestamp", false),
                ("claimed_by", "text", true),
                ("claimed_until", "timestamp", true),
                ("last_error", "text", true),
                ("created_at", "timestamp", false),
                ("sent_at", "timestamp", true),
            ],
        ),
        t(
            "calendar_feeds",
            &[
                ("user_id", "text", false),
                ("token_hash", "text", false),
                ("created_at", "timestamp", false),
                ("last_read_at", "timestamp", true),
            ],
        ),
        t(
            "known_devices",
            &[
                ("user_id", "text", false),
                ("device_hash", "text", false),
                ("first_seen_at", "timestamp", false),
                ("last_seen_at", "timestamp", false),
            ],
        ),
        t(
            "employee_imports",
            &[
                ("id", "text", false),
                ("user_id", "text", false),
                ("file_name", "text", false),
                ("content", "text", false),
                ("created_at", "timestamp", false),
                ("expires_at", "timestamp", false),
            ],
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn portable(declared: &str) -> String {
    match declared.to_ascii_lowercase().as_str() {
        "text" => "text".into(),
        "boolean" => "bool".into(),
        "timestamp" | "timestamp without time zone" => "timestamp".into(),
        "date" => "date".into(),
        "integer" => "integer".into(),
        other => format!("unportable type {other}"),
    }
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    #[diesel(column_name = "type")]
    declared: String,
    #[diesel(sql_type = Integer)]
    notnull: i32,
}

#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

fn live_schema(conn: &mut DbConnection) -> QueryResult<BTreeMap<(String, String), (String, bool)>> {
    Ok(match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(
            "SELECT m.name AS table_name, p.name, p.type, p.\"notnull\" FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations'",
        )
        .load::<SqliteColumn>(c)?
        .into_iter()
        .map(|col| ((col.table_name, col.name), (portable(&col.declared), col.notnull == 0)))
        .collect(),
        DbConnection::Postgresql(c) => diesel::sql_query(
            "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name <> '__diesel_schema_migrations'",
        )
        .load::<PgColumn>(c)?
        .into_iter()
        .map(|col| ((col.table_name, col.column_name), (portable(&col.data_type), col.is_nullable == "YES")))
        .collect(),
    })
}

backend_tests! {
    async fn each_backend_builds_the_schema_the_code_expects() {
        let app = TestApp::new().await;
        let live = app.state.db.run(|conn| Ok(live_schema(conn)?)).await.expect("schema");
        let expected: BTreeMap<_, _> = expected().into_iter().map(|(k, (ty, null))| (k, (ty.to_owned(), null))).collect();
        assert_eq!(live, expected);
    }
}
