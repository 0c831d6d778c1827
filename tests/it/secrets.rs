//! Never log a password, token or secret: everything the app logs during a
//! whole session lifecycle is captured at TRACE level and searched.

use axum::http::StatusCode;
use time::Duration;

use crate::helpers::{LogCapture, TestApp, claims_of};

backend_tests! {
    async fn no_password_or_token_reaches_the_logs() {
        let (captured, _default) = LogCapture::start(tracing::Level::TRACE);

        let app = TestApp::new().await;
        let password = "sapphire kettle drum 1987";
        let mut browser = app.browser();
        let res = browser.submit("/register", "/register", &[("full_name", "Log Watcher"), ("email", "log@example.com")]).await;
        assert_eq!(res.status, StatusCode::OK);
        let verify = app.link_mailed_to("log@example.com").await;
        browser.get(&verify).await;
        let res = browser.submit(&verify, &verify, &[("password", password), ("password_confirm", password)]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        browser.sign_out().await;
        let res = app.browser().submit("/password/forgot", "/password/forgot", &[("email", "log@example.com")]).await;
        assert_eq!(res.status, StatusCode::OK);
        let reset = app.link_mailed_to("log@example.com").await;
        assert!(reset.starts_with("/password/reset/"), "{reset}");
        assert_eq!(app.browser().get(&reset).await.status, StatusCode::OK);
        let link_tokens = [verify.rsplit('/').next().unwrap().to_owned(), reset.rsplit('/').next().unwrap().to_owned()];
        browser.sign_in("log@example.com", "a wrong guess here").await;
        assert_eq!(browser.sign_in("log@example.com", password).await.status, StatusCode::SEE_OTHER);
        let first_access = browser.cookie("hrms_access").unwrap();
        let first_refresh = browser.cookie("hrms_refresh").unwrap();
        app.advance(Duration::minutes(16));
        assert_eq!(browser.get("/dashboard").await.status, StatusCode::OK);
        let second_refresh = browser.cookie("hrms_refresh").unwrap();
        browser.sign_out().await;

        let logs = captured.text();
        assert!(logs.contains("signed in"), "the capture works: {logs}");
        assert!(logs.contains(&claims_of(&first_access).sid), "ids may be logged");
        assert!(logs.contains("/password/reset/[token]"), "link paths are logged without their token");
        for secret in [password, "a wrong guess here", &first_access, &first_refresh, &second_refresh, &link_tokens[0], &link_tokens[1]] {
            assert!(!logs.contains(secret), "a secret reached the logs");
        }
        let signature = first_access.rsplit('.').next().unwrap();
        assert!(!logs.contains(signature));
    }

    async fn connections_get_the_documented_settings() {
        use diesel::RunQueryDsl;
        use diesel::sql_types::Text;
        #[derive(diesel::QueryableByName)]
        struct Setting {
            #[diesel(sql_type = Text)]
            value: String,
        }
        let app = TestApp::new().await;
        let settings = app
            .state
            .db
            .run(|conn| {
                let one = |conn: &mut hrms::db::DbConnection, sql: &str| -> diesel::QueryResult<String> {
                    Ok(diesel::sql_query(sql).get_result::<Setting>(conn)?.value)
                };
                Ok(match conn {
                    hrms::db::DbConnection::Sqlite(_) => vec![
                        one(conn, "SELECT CAST(foreign_keys AS TEXT) AS value FROM pragma_foreign_keys")?,
                        one(conn, "SELECT CAST(timeout AS TEXT) AS value FROM pragma_busy_timeout")?,
                        one(conn, "SELECT journal_mode AS value FROM pragma_journal_mode")?,
                    ],
                    hrms::db::DbConnection::Postgresql(_) => {
                        vec![one(conn, "SELECT current_setting('statement_timeout') AS value")?, one(conn, "SELECT current_setting('TimeZone') AS value")?]
                    }
                })
            })
            .await
            .unwrap();
        let expected: &[&str] = if app.database_url.starts_with("postgres") { &["5s", "UTC"] } else { &["1", "5000", "wal"] };
        assert_eq!(settings, expected);
    }
}
