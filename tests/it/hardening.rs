//! Hardening found by a penetration test (issue 11), one item at a time:
//! response headers, request ids a client may set, invisible text.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::helpers::TestApp;

backend_tests! {
    async fn pages_carry_hsts_behind_https_and_isolation_headers_always() {
        let plain = TestApp::new().await;
        let res = plain.browser().get("/login").await;
        assert_eq!(res.header("cross-origin-opener-policy"), "same-origin");
        assert!(res.header("permissions-policy").contains("camera=()"), "{:?}", res.headers);
        assert_eq!(res.header("strict-transport-security"), "", "no HSTS over plain http");

        let secure = TestApp::with(|a| a.public_url = "https://hr.example.com".into()).await;
        let res = secure.browser().get("/login").await;
        assert_eq!(res.header("strict-transport-security"), "max-age=31536000; includeSubDomains");
    }

    async fn a_client_request_id_is_kept_only_when_short_and_plain() {
        let app = TestApp::new().await;
        let mut browser = app.browser();
        let with_id = |id: &str| Request::get("/login").header("x-request-id", id).body(Body::empty()).expect("request");

        let kept = browser.send(with_id("3f2a9c1e-7b7d-4c1e-9a51-0c2f4e6a8b10")).await;
        assert_eq!(kept.header("x-request-id"), "3f2a9c1e-7b7d-4c1e-9a51-0c2f4e6a8b10");

        for forged in ["x".repeat(7000), "abc user_id=admin".to_owned(), "a\"b".to_owned()] {
            let res = browser.send(with_id(&forged)).await;
            let id = res.header("x-request-id");
            assert_ne!(id, forged, "a forged request id was kept");
            assert!(uuid::Uuid::parse_str(id).is_ok(), "a new id was not made: {id:?}");
        }
    }

    async fn names_with_right_to_left_overrides_are_refused_and_nothing_is_stored() {
        let app = TestApp::new().await;
        let mut browser = app.browser();
        // U+202E RIGHT-TO-LEFT OVERRIDE inside a name.
        let name = "Ann \u{202E}eeL";
        let res = browser
            .submit(
                "/register",
                "/register",
                &[
                    ("full_name", name),
                    ("email", "ann@example.com"),
                    ("password", "tangerine kayak orbit"),
                    ("password_confirm", "tangerine kayak orbit"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(res.body.contains("invisible formatting characters"), "{}", res.body);
        assert_eq!(app.user_count().await, 0);

        // The same name without the override is fine.
        let res = browser
            .submit(
                "/register",
                "/register",
                &[("full_name", "Ann Lee"), ("email", "ann@example.com")],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
}
