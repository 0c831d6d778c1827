//! What operators rely on: metrics, request ids, pruning.

use axum::http::StatusCode;
use hrms::maintenance::{Pruned, Retention, prune};
use hrms::models::user::Role;
use time::Duration;

use crate::helpers::{PASSWORD, TestApp};

backend_tests! {
    async fn metrics_are_for_admins_and_count_what_happens() {
        let app = TestApp::new().await;
        app.create_user("admin@example.com", "Admin", Role::Admin).await;
        let mut employee = app.signed_in("staff@example.com").await;
        employee.sign_out().await;
        app.browser().sign_in("staff@example.com", "not my password at all").await;
        let mut again = app.browser();
        again.sign_in("staff@example.com", PASSWORD).await;
        app.advance(Duration::minutes(16));
        again.get("/dashboard").await; // one refresh

        assert!(app.browser().get("/metrics").await.location().starts_with("/login"));
        assert_eq!(again.get("/metrics").await.status, StatusCode::FORBIDDEN);
        let mut admin = app.browser();
        admin.sign_in("admin@example.com", PASSWORD).await;
        let res = admin.get("/metrics").await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.header("content-type").starts_with("text/plain"));
        for line in [
            "hrms_sign_ins_total 3",
            "hrms_sign_in_failures_total 1",
            "hrms_refreshes_total 1",
            "hrms_refresh_reuse_total 0",
            "hrms_active_sessions 2",
            // sign_out() loads the dashboard for its form, then the refresh loads it again
            "hrms_http_requests_total{route=\"/dashboard\",status=\"200\"} 2",
        ] {
            assert!(res.body.contains(line), "missing {line:?} in\n{}", res.body);
        }
        assert!(res.body.contains("hrms_http_request_duration_seconds_bucket{route=\"/login\",le=\"+Inf\"}"));
    }

    async fn every_response_carries_a_request_id() {
        let app = TestApp::new().await;
        let mut browser = app.browser();
        let a = browser.get("/login").await;
        let b = browser.get("/login").await;
        let (a, b) = (a.header("x-request-id").to_owned(), b.header("x-request-id").to_owned());
        assert_eq!(a.len(), 36, "a UUID: {a:?}");
        assert_ne!(a, b);
    }

    async fn pruning_removes_what_outlived_its_retention_and_nothing_live() {
        let app = TestApp::new().await;
        let mut old = app.signed_in("old@example.com").await;
        old.sign_out().await; // ended now
        app.browser().sign_in("old@example.com", "wrong wrong wrong").await;
        app.advance(Duration::days(40));
        let mut live = app.browser();
        live.sign_in("old@example.com", PASSWORD).await;
        app.advance(Duration::minutes(16));
        live.get("/dashboard").await; // rotates: the live session has a used token too

        let keep = Retention { sessions: Duration::days(30), audit: Duration::days(35), login_failures: Duration::minutes(15) };
        let now = app.now();
        let pruned = app.state.db.run(move |conn| Ok(prune(conn, now, &keep)?)).await.unwrap();
        assert_eq!(
            pruned,
            Pruned { sessions: 1, refresh_tokens: 1, login_failures: 1, audit_rows: 3, devices: 1, ..Pruned::default() },
            "the ended session with its one token; the failure's IP row (the later sign-in cleared the \
             account row); the first sign-in, sign-out and failure from the audit log; the first browser, \
             unseen for 40 days"
        );
        // The live session still refreshes, and reuse of its rotated token is still detected.
        live.forget("hrms_access");
        app.advance(Duration::minutes(1));
        assert_eq!(live.get("/dashboard").await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn metrics_bind_serves_metrics_without_sign_in() {
    use tower::ServiceExt;
    let app = TestApp::new().await;
    let req = axum::http::Request::get("/metrics").body(axum::body::Body::empty()).unwrap();
    let res = hrms::router::metrics_app(app.state.clone()).oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    assert!(String::from_utf8_lossy(&body).contains("hrms_active_sessions 0"));
}

/// SIGTERM while a sign-in is being checked (bcrypt at cost 12 takes a while):
/// the request is answered, then the process exits cleanly.
#[tokio::test]
async fn sigterm_finishes_requests_in_flight_then_exits() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_hrms"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--public-url", &base, "--bcrypt-cost", "12"])
        .args(["--database-url", &dir.path().join("hrms.db").display().to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let http =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut page = None;
    for _ in 0..200 {
        if let Ok(res) = http.get(format!("{base}/login")).send().await {
            page = Some(res.text().await.unwrap());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let page = page.expect("server started");
    let marker = r#"name="csrf_token" value=""#;
    let start = page.find(marker).unwrap() + marker.len();
    let token = page[start..start + page[start..].find('"').unwrap()].to_owned();

    let in_flight = tokio::spawn({
        let http = http.clone();
        let url = format!("{base}/login");
        async move {
            http.post(url)
                .form(&[("email", "nobody@example.com"), ("password", "x"), ("csrf_token", &token)])
                .send()
                .await
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(150)).await; // the request is now hashing
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let res = in_flight.await.unwrap().expect("the in-flight request was answered");
    assert_eq!(res.status(), reqwest::StatusCode::UNAUTHORIZED);
    let status = tokio::task::spawn_blocking(move || child.wait()).await.unwrap().unwrap();
    assert!(status.success(), "exit status {status}");
    assert!(http.get(format!("{base}/login")).send().await.is_err(), "no longer accepting");
}

/// Starts `hrms serve` with `extra` flags and stdout piped, makes one request,
/// stops it, and returns what it wrote to stdout.
async fn logs_of_a_short_run(extra: &[&str]) -> String {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_hrms"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--public-url", &base])
        .args(["--database-url", &dir.path().join("hrms.db").display().to_string()])
        .args(extra)
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut answered = false;
    for _ in 0..200 {
        if reqwest::get(format!("{base}/login")).await.is_ok() {
            answered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(answered, "server started");
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output()).await.unwrap().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn logs_carry_no_colour_codes_when_not_on_a_terminal_and_json_is_one_object_a_line() {
    let text = logs_of_a_short_run(&[]).await;
    assert!(text.contains("hrms is serving"), "{text}");
    assert!(!text.contains('\u{1b}'), "escape codes in a piped log: {text:?}");

    let json = logs_of_a_short_run(&["--log-format", "json"]).await;
    let lines: Vec<&str> = json.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() >= 3, "{json}");
    for line in &lines {
        let value: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(value["level"].is_string() && value["fields"].is_object(), "{line}");
    }
    assert!(lines.iter().any(|l| l.contains("\"path\":\"/login\"")), "request spans are included: {json}");
}

/// A real SQLite "disk full" (the page limit reached) becomes the storage-full answer.
#[test]
fn sqlite_running_out_of_space_answers_storage_full() {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, RunQueryDsl};
    let dir = tempfile::tempdir().unwrap();
    let mut conn = diesel::SqliteConnection::establish(&dir.path().join("full.db").display().to_string()).unwrap();
    conn.batch_execute("CREATE TABLE t (v TEXT); PRAGMA max_page_count = 2;").unwrap();
    let err = diesel::sql_query("INSERT INTO t (v) VALUES (printf('%.10000c', 'x'))").execute(&mut conn).unwrap_err();
    let app_error = hrms::error::AppError::from(err);
    assert_eq!(app_error.status(), axum::http::StatusCode::SERVICE_UNAVAILABLE);
    assert!(app_error.public_message().1.contains("storage is full"), "{app_error}");
}
