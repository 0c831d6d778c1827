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
        assert!(app.count_events("sign_in_throttled").await >= 1);
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
