//! Sign-in throttling per account and per client IP.

use axum::http::StatusCode;
use hrms::models::user::Role;
use time::Duration;

use crate::helpers::{PASSWORD, TestApp};

const WRONG: &str = "definitely not it";

backend_tests! {
    async fn the_sixth_attempt_on_an_account_is_throttled_even_with_the_right_password() {
        let app = TestApp::new().await;
        app.create_user("t@example.com", "T", Role::Employee).await;
        let mut browser = app.browser();
        for _ in 0..5 {
            assert_eq!(browser.sign_in("t@example.com", WRONG).await.status, StatusCode::UNAUTHORIZED);
        }
        let res = browser.sign_in("T@Example.com", PASSWORD).await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(res.body.contains("Too many sign-in attempts"));
        let retry: u64 = res.header("retry-after").parse().expect("Retry-After seconds");
        assert!((1..=900).contains(&retry), "{retry}");
        assert!(res.cookie("hrms_access").is_none());

        // Once the window has passed, the right password works again.
        app.advance(Duration::minutes(15));
        assert_eq!(browser.sign_in("t@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER);
    }

    async fn the_throttle_does_not_reveal_whether_an_account_exists() {
        let app = TestApp::new().await;
        app.create_user("real@example.com", "R", Role::Employee).await;
        let mut browser = app.browser();
        for _ in 0..5 {
            browser.sign_in("real@example.com", WRONG).await;
            browser.sign_in("ghost@example.com", WRONG).await;
        }
        let real = browser.sign_in("real@example.com", WRONG).await;
        let ghost = browser.sign_in("ghost@example.com", WRONG).await;
        assert_eq!((real.status, ghost.status), (StatusCode::TOO_MANY_REQUESTS, StatusCode::TOO_MANY_REQUESTS));
        assert_eq!(real.header("retry-after"), ghost.header("retry-after"));
        assert_eq!(real.body.replace("real@example.com", "EMAIL"), ghost.body.replace("ghost@example.com", "EMAIL"));
    }

    async fn a_successful_sign_in_resets_the_account_count() {
        let app = TestApp::new().await;
        app.create_user("reset@example.com", "R", Role::Employee).await;
        let mut browser = app.browser();
        for _ in 0..4 {
            browser.sign_in("reset@example.com", WRONG).await;
        }
        assert_eq!(browser.sign_in("reset@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER);
        let mut other = app.browser();
        for _ in 0..4 {
            assert_eq!(other.sign_in("reset@example.com", WRONG).await.status, StatusCode::UNAUTHORIZED);
        }
        assert_eq!(other.sign_in("reset@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER);
    }

    async fn one_ip_failing_on_many_accounts_is_throttled_after_the_ip_limit() {
        let app = TestApp::with(|a| a.login_max_failures_per_ip = 8).await;
        app.create_user("ok@example.com", "Ok", Role::Employee).await;
        let mut attacker = app.browser_from([203, 0, 113, 9]);
        for i in 0..8 {
            let email = format!("user{i}@example.com");
            assert_eq!(attacker.sign_in(&email, WRONG).await.status, StatusCode::UNAUTHORIZED);
        }
        assert_eq!(attacker.sign_in("ok@example.com", PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
        // Another address is not affected.
        assert_eq!(
            app.browser_from([198, 51, 100, 1]).sign_in("ok@example.com", PASSWORD).await.status,
            StatusCode::SEE_OTHER
        );
        // Counted in metrics, not written to the audit log row by row.
        assert_eq!(app.state.metrics.sign_ins_throttled.load(std::sync::atomic::Ordering::Relaxed), 1);
        assert_eq!(app.count_events("sign_in_throttled").await, 0);
    }

    async fn the_ip_limit_defaults_to_fifty_failures() {
        let app = TestApp::new().await;
        let mut attacker = app.browser_from([203, 0, 113, 10]);
        for i in 0..50 {
            let email = format!("spray{i}@example.com");
            assert_eq!(attacker.sign_in(&email, WRONG).await.status, StatusCode::UNAUTHORIZED, "attempt {i}");
        }
        assert_eq!(attacker.sign_in("spray-last@example.com", WRONG).await.status, StatusCode::TOO_MANY_REQUESTS);
    }
}

async fn failure_rows(app: &TestApp) -> Vec<(String, String)> {
    use diesel::prelude::*;
    use hrms::db::schema::login_failures::dsl;
    app.state
        .db
        .run(|conn| Ok(dsl::login_failures.select((dsl::id, dsl::throttle_key)).load(conn)?))
        .await
        .expect("rows")
}

backend_tests! {
    async fn thirty_guesses_at_once_get_at_most_five_password_checks() {
        let app = TestApp::new().await;
        app.create_user("burst@example.com", "B", Role::Employee).await;
        // Every browser holds its form first; then all post at the same moment.
        let mut ready = Vec::new();
        for i in 0..30u8 {
            let mut browser = app.browser_from([10, 0, 5, i]);
            let token = browser.get("/login").await.csrf_token();
            ready.push((browser, token, format!("guess number {i:02}")));
        }
        let before = app.state.passwords.checks();
        let mut attempts = Vec::new();
        for (mut browser, token, guess) in ready {
            attempts.push(tokio::spawn(async move {
                let fields = [("email", "burst@example.com"), ("password", guess.as_str()), ("csrf_token", &token)];
                browser.post("/login", &fields).await.status
            }));
        }
        let mut statuses = Vec::new();
        for attempt in attempts {
            statuses.push(attempt.await.expect("attempt"));
        }
        let checked = app.state.passwords.checks() - before;
        let refused = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
        let throttled = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
        eprintln!("30 concurrent guesses: {checked} passwords verified, {refused} refused, {throttled} throttled: {statuses:?}");
        assert!(checked <= 5, "{checked} passwords were verified");
        assert_eq!((refused, throttled), (5, 25));
    }

    async fn a_success_gives_its_slot_back_and_throttled_attempts_store_nothing() {
        let app = TestApp::new().await;
        app.create_user("slot@example.com", "S", Role::Employee).await;
        let mut browser = app.browser();
        assert_eq!(browser.sign_in("slot@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER);
        assert!(failure_rows(&app).await.is_empty(), "a success leaves no row behind");
        let mut browser = app.browser();
        for _ in 0..5 {
            browser.sign_in("slot@example.com", WRONG).await;
        }
        let (rows, audit) = (failure_rows(&app).await.len(), app.audit_events().await.len());
        for _ in 0..10 {
            assert_eq!(browser.sign_in("slot@example.com", WRONG).await.status, StatusCode::TOO_MANY_REQUESTS);
        }
        assert_eq!(failure_rows(&app).await.len(), rows, "throttled attempts write no throttle rows");
        assert_eq!(app.audit_events().await.len(), audit, "nor audit rows");
        assert_eq!(app.state.metrics.sign_ins_throttled.load(std::sync::atomic::Ordering::Relaxed), 10);
    }

    async fn what_was_typed_as_an_email_is_stored_only_when_it_is_one() {
        let app = TestApp::new().await;
        let mut browser = app.browser();
        for typed in ["correct horse battery staple", &format!("{}@example.com", "x".repeat(300))] {
            assert_eq!(browser.sign_in(typed, WRONG).await.status, StatusCode::UNAUTHORIZED);
        }
        let rows = failure_rows(&app).await;
        assert_eq!(rows.iter().map(|(_, k)| k.as_str()).collect::<Vec<_>>(), ["ip:10.0.0.1", "ip:10.0.0.1"]);
        let failures: Vec<_> = app.audit_events().await.into_iter().filter(|e| e.event == "sign_in_failure").collect();
        assert_eq!(failures.len(), 2);
        assert!(failures.iter().all(|e| e.email.is_none()), "a password typed in the email field is not kept");
        // What one refused sign-in with a 15 KB "email" leaves in the database.
        let before: usize = stored_bytes(&app).await;
        browser.sign_in(&format!("{}@example.com", "y".repeat(15_000)), WRONG).await;
        let per_attempt = stored_bytes(&app).await - before;
        eprintln!("one refused sign-in with a 15 KB email stores {per_attempt} bytes of text");
        assert!(per_attempt < 300, "{per_attempt} bytes");
        // A real email is kept, for the owner's security view.
        browser.sign_in("someone@example.com", WRONG).await;
        assert!(failure_rows(&app).await.iter().any(|(_, k)| k == "account:someone@example.com"));
    }
}

backend_tests! {
    async fn sessions_per_account_are_capped_and_the_oldest_ends() {
        let app = TestApp::with(|a| a.max_sessions_per_account = 3).await;
        app.create_user("many@example.com", "M", Role::Employee).await;
        let mut browsers = Vec::new();
        for i in 0..4u8 {
            let mut browser = app.browser_from([10, 0, 6, i]);
            assert_eq!(browser.sign_in("many@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER);
            app.advance(Duration::seconds(1));
            browsers.push(browser);
        }
        let first = browsers[0].get("/dashboard").await;
        assert_eq!(first.status, StatusCode::SEE_OTHER, "the oldest session ended at once");
        for browser in &mut browsers[1..] {
            assert_eq!(browser.get("/dashboard").await.status, StatusCode::OK);
        }
        let live = browsers[1].get("/account/sessions").await;
        assert_eq!(live.body.matches("/revoke\"").count(), 2, "three live sessions: this one and two others");
    }
}

backend_tests! {
    async fn failures_from_elsewhere_do_not_lock_out_a_browser_that_signed_in_before() {
        let app = TestApp::new().await;
        app.create_user("owner@example.com", "O", Role::Employee).await;
        let mut laptop = app.browser_from([10, 0, 7, 1]);
        assert_eq!(laptop.sign_in("owner@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER);
        // Its session ends (expired; signing out would clear the browser id too).
        let session_over = |b: &mut crate::helpers::Browser| {
            b.forget("hrms_access");
            b.forget("hrms_refresh");
        };
        session_over(&mut laptop);
        assert!(laptop.cookie("hrms_device").is_some());

        let mut attacker = app.browser_from([203, 0, 113, 7]);
        for _ in 0..5 {
            assert_eq!(attacker.sign_in("owner@example.com", WRONG).await.status, StatusCode::UNAUTHORIZED);
        }
        let locked = attacker.sign_in("owner@example.com", PASSWORD).await;
        assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "locked for untrusted clients");
        assert!(locked.body.contains("browser you have signed in with before"), "{}", locked.body);
        assert_eq!(laptop.sign_in("owner@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER, "not for its owner");

        // The trusted browser's own failures are counted too, on its own counter.
        session_over(&mut laptop);
        for _ in 0..5 {
            assert_eq!(laptop.sign_in("owner@example.com", WRONG).await.status, StatusCode::UNAUTHORIZED);
        }
        assert_eq!(laptop.sign_in("owner@example.com", PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
        // A forged browser id is just an untrusted client.
        let mut forger = app.browser_from([203, 0, 113, 8]);
        forger.set_cookie("hrms_device", &"A".repeat(43));
        assert_eq!(forger.sign_in("owner@example.com", PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
    }
}

/// Signs in with a wrong password, claiming to come from `forwarded_for`.
async fn wrong_sign_in_forwarded(browser: &mut crate::helpers::Browser, forwarded_for: &str) {
    let token = browser.get("/login").await.csrf_token();
    let body = format!("email=fwd%40example.com&password=nope&csrf_token={token}");
    let req = axum::http::Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-forwarded-for", forwarded_for)
        .body(axum::body::Body::from(body))
        .unwrap();
    assert_eq!(browser.send(req).await.status, StatusCode::UNAUTHORIZED);
}

backend_tests! {
    async fn x_forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let app = TestApp::new().await;
        wrong_sign_in_forwarded(&mut app.browser(), "203.0.113.5").await;
        let keys: Vec<String> = failure_rows(&app).await.into_iter().map(|(_, k)| k).collect();
        assert!(keys.contains(&"ip:10.0.0.1".to_owned()) && !keys.iter().any(|k| k.contains("203.0.113.5")), "{keys:?}");

        let app = TestApp::with(|a| a.trusted_proxies = "10.0.0.0/8".into()).await;
        wrong_sign_in_forwarded(&mut app.browser(), "6.6.6.6, 203.0.113.5").await;
        let keys: Vec<String> = failure_rows(&app).await.into_iter().map(|(_, k)| k).collect();
        assert!(keys.contains(&"ip:203.0.113.5".to_owned()), "the rightmost address before the proxy: {keys:?}");
        let audit = app.audit_events().await;
        assert_eq!(audit.last().and_then(|e| e.ip.clone()).as_deref(), Some("203.0.113.5"));
    }
}

/// The text the throttle table and the audit log hold, in bytes.
async fn stored_bytes(app: &TestApp) -> usize {
    let rows = failure_rows(app).await;
    let throttle: usize = rows.iter().map(|(id, key)| id.len() + key.len()).sum();
    let audit: usize = app
        .audit_events()
        .await
        .iter()
        .map(|e| {
            e.id.len()
                + e.event.len()
                + [&e.user_id, &e.email, &e.session_id, &e.ip, &e.detail]
                    .iter()
                    .map(|f| f.as_ref().map_or(0, |v| v.len()))
                    .sum::<usize>()
        })
        .sum();
    throttle + audit
}
