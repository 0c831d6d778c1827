//! Start-up: migrations, the signing key, the first Admin, the account commands.

use std::io::Cursor;

use axum::http::StatusCode;
use diesel::prelude::*;
use hrms::config::{DatabaseArgs, UserCommand};
use hrms::models::user::Role;

use crate::helpers::{TestApp, claims_of};

fn create_cmd(app: &TestApp, email: &str, role: Role) -> UserCommand {
    UserCommand::Create {
        email: email.into(),
        name: "Cli Person".into(),
        role,
        db: DatabaseArgs { database_url: app.database_url.clone() },
        bcrypt_cost: 4,
    }
}

backend_tests! {
    async fn the_generated_signing_key_survives_a_restart() {
        let app = TestApp::new().await;
        let mut browser = app.signed_in("restart@example.com").await;
        // A new process on the same database: people stay signed in.
        let restarted = app.second_instance().await;
        let mut same_browser = restarted.browser();
        same_browser.jar = browser.jar.clone();
        assert_eq!(same_browser.get("/dashboard").await.status, StatusCode::OK);
        assert_eq!(browser.get("/dashboard").await.status, StatusCode::OK);
    }

    async fn a_configured_secret_is_used_instead_of_the_stored_one() {
        let app = TestApp::with(|a| a.jwt_secret = Some("x".repeat(40))).await;
        let mut browser = app.signed_in("k@example.com").await;
        let token = browser.cookie("hrms_access").unwrap();
        let other_key = hrms::auth::tokens::AccessTokens::new(&[b'x'; 40]);
        assert!(other_key.verify(&token, hrms::auth::tokens::Audience::Web, app.now()).is_some());
        assert_eq!(browser.get("/dashboard").await.status, StatusCode::OK);
    }

    async fn the_first_start_creates_one_admin_and_later_starts_never_do() {
        let app = TestApp::new().await;
        let (email, password) = hrms::commands::bootstrap_admin(&app.state).await.unwrap().expect("admin on first start");
        assert_eq!(email, hrms::commands::BOOTSTRAP_ADMIN_EMAIL);
        assert!(password.len() >= 16);
        assert!(hrms::commands::bootstrap_admin(&app.state).await.unwrap().is_none());
        assert!(hrms::commands::bootstrap_admin(&app.second_instance().await.state).await.unwrap().is_none());

        let mut browser = app.browser();
        assert_eq!(browser.sign_in(&email, &password).await.status, StatusCode::SEE_OTHER);
        assert_eq!(claims_of(&browser.cookie("hrms_access").unwrap()).role, Role::Admin);
        assert_eq!(app.count_events("admin_bootstrapped").await, 1);
    }

    async fn instances_starting_together_bootstrap_exactly_one_admin() {
        let app = TestApp::new().await;
        let mut instances = vec![app.state.clone()];
        for _ in 0..3 {
            instances.push(app.second_instance().await.state.clone());
        }
        let starts = instances.into_iter().map(|state| tokio::spawn(async move { hrms::commands::bootstrap_admin(&state).await }));
        let mut printed = Vec::new();
        for start in starts {
            if let Some(credentials) = start.await.expect("join").expect("bootstrap") {
                printed.push(credentials);
            }
        }
        assert_eq!(printed.len(), 1, "exactly one instance prints credentials");
        assert_eq!(app.count_events("admin_bootstrapped").await, 1);
        let (email, password) = &printed[0];
        assert_eq!(app.browser().sign_in(email, password).await.status, StatusCode::SEE_OTHER, "and they work");
    }

    async fn no_admin_is_made_for_a_database_that_already_has_users() {
        let app = TestApp::new().await;
        app.create_user("existing@example.com", "E", Role::Hr).await;
        assert!(hrms::commands::bootstrap_admin(&app.state).await.unwrap().is_none());
        assert_eq!(app.user_count().await, 1);
    }

    async fn user_create_reads_the_password_from_stdin() {
        let app = TestApp::new().await;
        let cmd = create_cmd(&app, "Cli@Example.com", Role::Hr);
        tokio::task::spawn_blocking(move || hrms::commands::user_blocking(cmd, &mut Cursor::new("paper lantern river\n")))
            .await
            .unwrap()
            .expect("created");
        let mut browser = app.browser();
        assert_eq!(browser.sign_in("cli@example.com", "paper lantern river").await.status, StatusCode::SEE_OTHER);
        assert_eq!(claims_of(&browser.cookie("hrms_access").unwrap()).role, Role::Hr);
    }

    async fn user_create_refuses_weak_passwords_and_duplicates() {
        let app = TestApp::new().await;
        let weak = create_cmd(&app, "w@example.com", Role::Employee);
        let err = tokio::task::spawn_blocking(move || hrms::commands::user_blocking(weak, &mut Cursor::new("password\n")))
            .await
            .unwrap()
            .unwrap_err();
        assert!(err.to_string().contains("at least 12"), "{err}");
        assert_eq!(app.user_count().await, 0);

        app.create_user("dup@example.com", "D", Role::Employee).await;
        let dup = create_cmd(&app, "DUP@example.com", Role::Employee);
        let err = tokio::task::spawn_blocking(move || {
            hrms::commands::user_blocking(dup, &mut Cursor::new("paper lantern river\n"))
        })
        .await
        .unwrap()
        .unwrap_err();
        assert!(err.to_string().contains("already exists"), "{err}");
    }

    /// Loads every table through the hand-written schema: a column the migrations
    /// lack, or of another type, fails here.
    async fn schema_matches_migrations() {
        use hrms::db::schema::*;
        let app = TestApp::new().await;
        app.signed_in("schema@example.com").await;
        app.browser().sign_in("schema@example.com", "wrong password here").await;
        app.state
            .db
            .run(|conn| {
                users::table.select(hrms::models::user::User::as_select()).load(conn)?;
                sessions::table.select(hrms::auth::sessions::Session::as_select()).load(conn)?;
                refresh_tokens::table
                    .select((
                        refresh_tokens::token_hash,
                        refresh_tokens::session_id,
                        refresh_tokens::created_at,
                        refresh_tokens::used_at,
                    ))
                    .load::<(String, String, hrms::clock::Timestamp, Option<hrms::clock::Timestamp>)>(conn)?;
                login_failures::table
                    .select((login_failures::id, login_failures::throttle_key, login_failures::failed_at))
                    .load::<(String, String, hrms::clock::Timestamp)>(conn)?;
                audit_log::table.select(hrms::models::audit::AuditRow::as_select()).load(conn)?;
                settings::table.select((settings::key, settings::value)).load::<(String, String)>(conn)?;
                Ok(())
            })
            .await
            .expect("every table loads through the schema");
    }

    async fn with_the_database_down_a_page_answers_503_within_one_acquire_timeout() {
        let timeout = std::time::Duration::from_millis(1000);
        let app = TestApp::with_switchable_database_timeout(Some(timeout)).await;
        let browser = app.signed_in("down@example.com").await;
        let outage = app.database_down().await;
        // More requests than connections: the later ones wait for a turn at
        // the pool, then for a connection; together that is one timeout.
        let started = std::time::Instant::now();
        let mut pages = Vec::new();
        for _ in 0..24 {
            let mut browser = browser.clone();
            pages.push(tokio::spawn(async move { (browser.get("/dashboard").await.status, started.elapsed()) }));
        }
        let mut slowest = std::time::Duration::ZERO;
        for page in pages {
            let (status, took) = page.await.expect("page");
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
            slowest = slowest.max(took);
        }
        outage.end().await;
        eprintln!("24 pages at once: the slowest 503 after {slowest:?} with a {timeout:?} acquire timeout");
        assert!(slowest < timeout * 3 / 2, "took {slowest:?}");
        let mut browser = browser.clone();
        assert_eq!(browser.get("/dashboard").await.status, StatusCode::OK, "recovers by itself");
    }

    async fn healthz_is_200_with_a_database_and_503_without_one() {
        let app = TestApp::with_switchable_database().await;
        let mut browser = app.browser();
        assert_eq!(browser.get("/healthz").await.status, StatusCode::OK);
        let outage = app.database_down().await; // the database does not answer
        assert_eq!(browser.get("/healthz").await.status, StatusCode::SERVICE_UNAVAILABLE);
        outage.end().await;
        assert_eq!(browser.get("/healthz").await.status, StatusCode::OK, "recovers by itself");
    }
}

#[cfg(unix)]
#[tokio::test]
async fn the_sqlite_files_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let app = TestApp::new().await;
    app.create_user("files@example.com", "F", hrms::models::user::Role::Employee).await; // a write: -wal exists
    let db = app.database_url.trim_start_matches("sqlite://").to_owned();
    for file in [db.clone(), format!("{db}-wal"), format!("{db}-shm")] {
        let mode = std::fs::metadata(&file).unwrap_or_else(|e| panic!("{file}: {e}")).permissions().mode();
        assert_eq!(mode & 0o077, 0, "{file} is mode {:o}", mode & 0o777);
    }
}
