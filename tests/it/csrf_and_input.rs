//! CSRF protection and bad input: clear 4xx answers that change nothing.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use hrms::models::user::Role;

use crate::helpers::{PASSWORD, TestApp};

backend_tests! {
    async fn sign_in_without_or_with_a_wrong_csrf_token_is_refused() {
        let app = TestApp::new().await;
        app.create_user("c@example.com", "C", Role::Employee).await;
        let mut browser = app.browser();
        browser.get("/login").await; // gets the pre-session cookie
        let missing = browser.post("/login", &[("email", "c@example.com"), ("password", PASSWORD)]).await;
        let wrong =
            browser.post("/login", &[("email", "c@example.com"), ("password", PASSWORD), ("csrf_token", "AAAA")]).await;
        for res in [missing, wrong] {
            assert_eq!(res.status, StatusCode::FORBIDDEN);
            assert!(res.body.contains("This form has expired or did not come from this site"));
            assert!(res.cookie("hrms_access").is_none());
        }
        assert_eq!(app.count_events("sign_in_success").await + app.count_events("sign_in_failure").await, 0);
    }

    async fn a_token_from_another_browser_is_refused() {
        let app = TestApp::new().await;
        app.create_user("x@example.com", "X", Role::Employee).await;
        let token_of_attacker = app.browser().get("/login").await.csrf_token();
        let mut victim = app.browser();
        victim.get("/login").await;
        let res = victim
            .post("/login", &[("email", "x@example.com"), ("password", PASSWORD), ("csrf_token", &token_of_attacker)])
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
    }

    async fn sign_out_without_the_token_is_refused_and_the_session_lives_on() {
        let app = TestApp::new().await;
        let mut browser = app.signed_in("keep@example.com").await;
        let res = browser.post("/logout", &[]).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert_eq!(browser.get("/dashboard").await.status, StatusCode::OK);
        assert_eq!(app.count_events("logout").await, 0);
    }

    async fn a_foreign_origin_or_cross_site_fetch_is_refused_even_with_a_valid_token() {
        let app = TestApp::new().await;
        let mut browser = app.signed_in("origin@example.com").await;
        let token = browser.get("/dashboard").await.csrf_token();
        let body = format!("csrf_token={token}");
        for (name, value) in [("origin", "https://evil.example"), ("origin", "null"), ("sec-fetch-site", "cross-site")] {
            let req = Request::post("/logout")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(name, value)
                .body(Body::from(body.clone()))
                .unwrap();
            let res = browser.send(req).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{name}: {value}");
        }
        assert_eq!(browser.get("/dashboard").await.status, StatusCode::OK);
        // Our own origin and same-origin fetches pass.
        let req = Request::post("/logout")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("origin", "http://127.0.0.1:3000")
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(body))
            .unwrap();
        assert_eq!(browser.send(req).await.status, StatusCode::SEE_OTHER);
    }

    async fn oversized_bodies_get_413() {
        let app = TestApp::new().await;
        let mut browser = app.browser();
        let token = browser.get("/register").await.csrf_token();
        let huge = format!("full_name={}&csrf_token={token}", "a".repeat(100_000));
        let res = browser.post_raw("/register", huge.into_bytes()).await;
        assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(res.body.contains("larger than this site accepts"));
        assert_eq!(app.user_count().await, 0);
    }

    async fn invalid_utf8_nul_bytes_and_malformed_forms_get_400_and_change_nothing() {
        let app = TestApp::new().await;
        let mut browser = app.browser();
        let token = browser.get("/register").await.csrf_token();
        let cases: Vec<Vec<u8>> = vec![
            format!("full_name=%FF%FE&email=a%40example.com&password=x&password_confirm=x&csrf_token={token}").into_bytes(),
            format!("full_name=Nul%00Byte&email=a%40example.com&password=x&password_confirm=x&csrf_token={token}")
                .into_bytes(),
            [b"full_name=".as_slice(), &[0xC3, 0x28], format!("&csrf_token={token}").as_bytes()].concat(),
            format!("email=a%40example.com&email=b%40example.com&csrf_token={token}").into_bytes(),
        ];
        for body in cases {
            let res = browser.post_raw("/register", body.clone()).await;
            assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", String::from_utf8_lossy(&body));
            assert!(res.body.contains("form"), "a message a person understands");
        }
        assert_eq!(app.user_count().await, 0);
    }

    async fn a_post_that_is_not_a_form_gets_400() {
        let app = TestApp::new().await;
        let mut browser = app.browser();
        let req = Request::post("/login").header(header::CONTENT_TYPE, "application/json").body(Body::from("{}")).unwrap();
        let res = browser.send(req).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(res.body.contains("expects a web form"));
    }

    async fn garbage_cookies_never_cause_a_server_error() {
        let app = TestApp::new().await;
        let mut browser = app.browser();
        for cookie in [
            "hrms_access=%%%; hrms_refresh=;;;",
            "hrms_access=a.b.c",
            "=; ==; hrms_presession=\u{fc}\u{e9}",
            "hrms_refresh=eyJ",
        ] {
            let value = axum::http::HeaderValue::from_bytes(cookie.as_bytes()).unwrap();
            let req = Request::get("/dashboard").header(header::COOKIE, value.clone()).body(Body::empty()).unwrap();
            let res = browser.send(req).await;
            assert_eq!(res.status, StatusCode::SEE_OTHER, "{cookie}");
            let req = Request::get("/login").header(header::COOKIE, value).body(Body::empty()).unwrap();
            assert_eq!(browser.send(req).await.status, StatusCode::OK, "{cookie}");
        }
    }

    async fn unknown_pages_get_a_404_page() {
        let app = TestApp::new().await;
        let res = app.browser().get("/no/such/page").await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        assert!(res.body.contains("Page not found"));
    }
}

#[tokio::test]
async fn a_refused_cross_origin_post_logs_the_origin_it_saw_and_the_one_expected() {
    let (captured, _default) = crate::helpers::LogCapture::start(tracing::Level::INFO);

    let app = crate::helpers::TestApp::new().await;
    let mut browser = app.browser();
    let token = browser.get("/login").await.csrf_token();
    let req = axum::http::Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "http://127.0.0.1:8080")
        .body(axum::body::Body::from(format!("email=a%40example.com&password=x&csrf_token={token}")))
        .unwrap();
    assert_eq!(browser.send(req).await.status, axum::http::StatusCode::FORBIDDEN);
    let logs = captured.text();
    assert!(logs.contains("refused a cross-origin POST"), "{logs}");
    assert!(logs.contains("origin=http://127.0.0.1:8080") && logs.contains("expected=http://127.0.0.1:3000"), "{logs}");
}

backend_tests! {
    async fn the_sign_in_forms_token_dies_with_the_sign_in() {
        let app = crate::helpers::TestApp::new().await;
        app.create_user("rot@example.com", "R", hrms::models::user::Role::Employee).await;
        let mut browser = app.browser();
        let login_token = browser.get("/login").await.csrf_token();
        let seed_before = browser.cookie("hrms_presession").expect("seed");
        let res = browser
            .post("/login", &[("email", "rot@example.com"), ("password", crate::helpers::PASSWORD), ("csrf_token", &login_token)])
            .await;
        assert_eq!(res.status, axum::http::StatusCode::SEE_OTHER);
        assert_ne!(browser.cookie("hrms_presession").expect("seed"), seed_before, "signing in starts a new pre-session value");
        // The token of the sign-in form no longer works for anything.
        let res = browser.post("/logout", &[("csrf_token", &login_token)]).await;
        assert_eq!(res.status, axum::http::StatusCode::FORBIDDEN);
        assert_eq!(browser.get("/dashboard").await.status, axum::http::StatusCode::OK, "still signed in");
    }

    async fn a_pre_session_value_the_client_chose_is_never_used() {
        let app = crate::helpers::TestApp::new().await;
        let mut browser = app.browser();
        let chosen = "a".repeat(43);
        browser.set_cookie("hrms_presession", &chosen);
        let res = browser.get("/login").await;
        let issued = res.cookie("hrms_presession").expect("a value of the server's own").value.clone();
        assert_ne!(issued, chosen);
        assert!(issued.contains('.'), "nonce and MAC: {issued}");
    }
}
