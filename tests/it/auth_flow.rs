//! Registration, sign-in, the dashboard and sign-out through the router.

use axum::http::StatusCode;
use hrms::models::user::Role;

use crate::helpers::{PASSWORD, TestApp};

const NEW_PASSWORD: &str = "plum orbit lantern 42";

async fn register(app: &TestApp, name: &str, email: &str) -> crate::helpers::Response {
    let mut browser = app.browser();
    browser.submit("/register", "/register", &[("full_name", name), ("email", email)]).await
}

/// The page without the one thing that differs between two sign-ups: the address echoed back.
fn without(body: &str, email: &str) -> String {
    body.replace(email, "EMAIL").lines().filter(|l| !l.contains("csrf_token")).collect()
}

backend_tests! {
    async fn sign_up_mails_a_link_and_following_it_creates_the_account_and_signs_in() {
        let app = TestApp::new().await;
        let res = register(&app, "Ada Lovelace", "Ada@Example.com").await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.body.contains("Check your inbox to finish creating your account"), "{}", res.body);
        assert_eq!(app.user_count().await, 0, "nothing can sign in before the link is followed");

        let link = app.link_mailed_to("ada@example.com").await;
        assert!(link.starts_with("/register/verify/"), "{link}");
        let mut browser = app.browser();
        let page = browser.get(&link).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(r#"value="ada@example.com""#), "the page shows the address");
        let res = browser.submit(&link, &link, &[("password", NEW_PASSWORD), ("password_confirm", NEW_PASSWORD)]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(res.location(), "/dashboard?notice=welcome");
        for name in ["hrms_access", "hrms_refresh", "hrms_device"] {
            let cookie = res.cookie(name).unwrap_or_else(|| panic!("{name} not set"));
            assert!(cookie.has("HttpOnly") && cookie.has("SameSite=Lax") && cookie.has("Path=/"), "{cookie:?}");
            assert!(!cookie.has("Secure"), "plain http must not mark cookies Secure");
        }
        let dash = browser.get("/dashboard?notice=welcome").await;
        assert_eq!(dash.status, StatusCode::OK);
        let email = r#"<span class="email-part">ada</span><wbr><span class="email-part">@example.com</span>"#;
        for expected in ["Ada Lovelace", email, "Employee", "account is ready"] {
            assert!(dash.body.contains(expected), "dashboard lacks {expected:?}");
        }
        assert_eq!(app.count_events("email_verified").await, 1);
        let welcome = app.mail_to("ada@example.com").await;
        assert_eq!(welcome.len(), 2, "the link, then the welcome");
        assert!(welcome[1].subject.starts_with("Welcome"), "{}", welcome[1].subject);

        // The chosen password signs in from another browser.
        let mut other = app.browser();
        assert_eq!(other.sign_in("ada@example.com", NEW_PASSWORD).await.status, StatusCode::SEE_OTHER);
        // And the link does not work twice.
        let again = other.get(&link).await;
        assert_eq!(again.status, StatusCode::GONE);
        assert!(again.body.contains("already used"), "{}", again.body);
    }

    async fn invalid_sign_up_gets_422_with_a_message_per_field_and_keeps_values() {
        let app = TestApp::new().await;
        let mut browser = app.browser();
        let res = browser.submit("/register", "/register", &[("full_name", "  "), ("email", "not-an-email")]).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("Enter an email address like name@company.com."));
        assert!(res.body.contains("Enter your full name."));
        assert!(res.body.contains(r#"value="not-an-email""#), "email not kept");
        assert_eq!(app.deliver_mail().await.sent, 0, "nothing is mailed");
        assert_eq!(app.user_count().await, 0);
    }

    async fn a_weak_password_on_the_link_page_is_refused_and_the_link_still_works() {
        let app = TestApp::new().await;
        register(&app, "Grace Hopper", "grace@example.com").await;
        let link = app.link_mailed_to("grace@example.com").await;
        let mut browser = app.browser();
        let res = browser.submit(&link, &link, &[("password", "qwerty123456"), ("password_confirm", "qwerty123456")]).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("too common"), "{}", res.body);
        let res = browser.submit(&link, &link, &[("password", "short"), ("password_confirm", "other")]).await;
        assert!(res.body.contains("Use at least 12 characters.") && res.body.contains("The passwords do not match."));
        assert!(!res.body.contains(r#"value="short""#), "the password must never be echoed");
        assert_eq!(app.user_count().await, 0);
        let res = browser.submit(&link, &link, &[("password", NEW_PASSWORD), ("password_confirm", NEW_PASSWORD)]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(app.user_count().await, 1);
    }

    async fn a_known_email_gets_the_same_answer_and_a_mail_offering_a_reset() {
        let app = TestApp::new().await;
        app.create_user("ann@example.com", "Ann One", Role::Employee).await;
        let known = register(&app, "Ann Two", "  ANN@example.COM ").await;
        let unknown = register(&app, "Bob New", "bob@example.com").await;
        assert_eq!(known.status, unknown.status);
        assert_eq!(without(&known.body, "ann@example.com"), without(&unknown.body, "bob@example.com"));
        assert!(!known.body.contains("already"), "the page must not tell: {}", known.body);

        let to_ann = app.mail_to("ann@example.com").await;
        assert_eq!(to_ann.len(), 1);
        assert!(to_ann[0].subject.contains("Someone tried to create"), "{}", to_ann[0].subject);
        assert_eq!(crate::helpers::link_in(&to_ann[0].text).as_deref(), Some("/password/forgot"));
        assert_eq!(app.user_count().await, 1);
    }

    async fn new_accounts_are_employees_even_if_the_form_asks_for_more() {
        let app = TestApp::new().await;
        let mut browser = app.browser();
        browser.submit("/register", "/register", &[("full_name", "Eve"), ("email", "eve@example.com"), ("role", "admin")]).await;
        let link = app.link_mailed_to("eve@example.com").await;
        let res = browser
            .submit(&link, &link, &[("password", NEW_PASSWORD), ("password_confirm", NEW_PASSWORD), ("role", "admin")])
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let user = app
            .state
            .db
            .run(|conn| Ok(hrms::models::user::find_by_email(conn, "eve@example.com")?))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(user.role().unwrap(), Role::Employee);
    }

    async fn closed_registration_refuses_and_creates_nothing() {
        let app = TestApp::with(|a| a.registration = hrms::config::Registration::Closed).await;
        let mut browser = app.browser();
        let page = browser.get("/register").await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert!(page.body.contains("Registration is closed"));
        // Even with a valid token from the sign-in form.
        let token = browser.get("/login").await.csrf_token();
        let res = browser
            .post(
                "/register",
                &[
                    ("full_name", "Mallory"),
                    ("email", "m@example.com"),
                    ("password", NEW_PASSWORD),
                    ("password_confirm", NEW_PASSWORD),
                    ("csrf_token", &token),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert_eq!(app.user_count().await, 0);
        assert!(
            !browser.get("/login").await.body.contains(r#"href="/register""#),
            "sign-in page still offers registration"
        );
    }

    async fn a_failed_sign_in_says_the_same_for_unknown_email_and_wrong_password() {
        let app = TestApp::new().await;
        app.create_user("known@example.com", "Known", Role::Employee).await;
        let mut browser = app.browser();
        let wrong_password = browser.sign_in("known@example.com", "not the password at all").await;
        let unknown_email = browser.sign_in("nobody@example.com", PASSWORD).await;
        for res in [&wrong_password, &unknown_email] {
            assert_eq!(res.status, StatusCode::UNAUTHORIZED);
            assert!(res.body.contains("The email or password is not correct."));
            assert!(res.cookie("hrms_access").is_none() && res.cookie("hrms_refresh").is_none());
        }
        // The entered email is kept, the password is not.
        assert!(wrong_password.body.contains(r#"value="known@example.com""#));
        assert!(!wrong_password.body.contains("not the password at all"));
        assert_eq!(app.count_events("sign_in_failure").await, 2);
    }

    async fn sign_in_is_case_insensitive_on_email() {
        let app = TestApp::new().await;
        app.create_user("mixed@example.com", "Mixed", Role::Employee).await;
        let res = app.browser().sign_in("  MIXED@Example.com", PASSWORD).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
    }

    async fn sign_in_returns_to_a_local_next_only() {
        let app = TestApp::new().await;
        app.create_user("n@example.com", "N", Role::Employee).await;
        let mut browser = app.browser();
        let token = browser.get("/login").await.csrf_token();
        let fields = |next: &'static str| [("email", "n@example.com"), ("password", PASSWORD), ("next", next)];
        let res =
            browser.post("/login", &[&fields("/dashboard?x=1")[..], &[("csrf_token", token.as_str())]].concat()).await;
        assert_eq!(res.location(), "/dashboard?x=1");
        let mut other = app.browser();
        let token = other.get("/login").await.csrf_token();
        let res =
            other.post("/login", &[&fields("https://evil.example/")[..], &[("csrf_token", token.as_str())]].concat()).await;
        assert_eq!(res.location(), "/dashboard");
    }

    async fn protected_pages_redirect_to_sign_in_with_next() {
        let app = TestApp::new().await;
        let mut browser = app.browser();
        let res = browser.get("/dashboard?tab=leave").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(res.location(), "/login?next=%2Fdashboard%3Ftab%3Dleave");
        let login = browser.get(res.location()).await;
        assert!(login.body.contains(r#"name="next" value="/dashboard?tab=leave""#), "{}", login.body);
    }

    async fn root_redirects_by_sign_in_state() {
        let app = TestApp::new().await;
        assert_eq!(app.browser().get("/").await.location(), "/login");
        let mut signed_in = app.signed_in("root@example.com").await;
        assert_eq!(signed_in.get("/").await.location(), "/dashboard");
        assert_eq!(signed_in.get("/login").await.location(), "/dashboard");
    }

    async fn sign_out_ends_the_session_and_neither_cookie_works_afterwards() {
        let app = TestApp::new().await;
        let mut browser = app.signed_in("out@example.com").await;
        let old_cookies = browser.jar.clone();
        let access = browser.cookie("hrms_access").unwrap();
        let session_id = crate::helpers::claims_of(&access).sid;

        let res = browser.sign_out().await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(res.location(), "/login?notice=signed_out");
        for name in ["hrms_access", "hrms_refresh"] {
            assert!(res.cookie(name).is_some_and(|c| c.is_removal()), "{name} not expired");
        }
        assert_eq!(res.header("clear-site-data"), r#""cache", "cookies""#, "no cached personal page on Back");
        assert!(app.session(&session_id).await.revoked_at.is_some());
        assert_eq!(app.count_events("logout").await, 1);
        assert!(browser.get("/dashboard").await.location().starts_with("/login"));

        // Replaying the old cookies: the access token is refused at once (not at its
        // expiry), and the refresh token cannot start a new one.
        let mut replay = app.browser();
        replay.jar = old_cookies.clone();
        assert!(replay.get("/dashboard").await.location().starts_with("/login"));
        let mut only_refresh = app.browser();
        only_refresh.set_cookie("hrms_refresh", &old_cookies["hrms_refresh"]);
        assert!(only_refresh.get("/dashboard").await.location().starts_with("/login"));
    }

    async fn get_logout_changes_nothing() {
        let app = TestApp::new().await;
        let mut browser = app.signed_in("stay@example.com").await;
        let page = browser.get("/logout").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Sign out?"));
        assert_eq!(browser.get("/dashboard").await.status, StatusCode::OK);
        assert_eq!(app.count_events("logout").await, 0);
    }

    async fn https_public_url_makes_cookies_secure_and_host_prefixed() {
        let app = TestApp::with(|a| a.public_url = "https://hr.example.com".into()).await;
        app.create_user("s@example.com", "S", Role::Employee).await;
        let mut browser = app.browser();
        let res = browser.sign_in("s@example.com", PASSWORD).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        for name in ["__Host-hrms_access", "__Host-hrms_refresh"] {
            let c = res.cookie(name).unwrap_or_else(|| panic!("{name} missing"));
            assert!(c.has("Secure") && c.has("HttpOnly") && c.has("Path=/"), "{c:?}");
        }
        assert_eq!(browser.get("/dashboard").await.status, StatusCode::OK);
    }

    async fn pages_carry_security_headers_and_personal_pages_are_not_cached() {
        let app = TestApp::new().await;
        let mut browser = app.signed_in("h@example.com").await;
        let res = browser.get("/dashboard").await;
        let csp = res.header("content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'none'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(res.header("x-content-type-options"), "nosniff");
        assert_eq!(res.header("referrer-policy"), "same-origin");
        assert_eq!(res.header("cache-control"), "no-store");
        assert!(!res.body.contains("<script"), "pages must need no JavaScript");
        let css = browser.get("/static/app.css").await;
        assert_eq!(css.status, StatusCode::OK);
        assert!(css.header("cache-control").starts_with("public"));
        assert_eq!(browser.get("/static/nope.js").await.status, StatusCode::NOT_FOUND);
    }
}

backend_tests! {
    async fn one_address_may_ask_for_only_a_few_sign_ups_an_hour() {
        let app = TestApp::new().await;
        app.create_user("known@example.com", "K", Role::Employee).await;
        let mut statuses = Vec::new();
        for i in 0..5 {
            statuses.push(register(&app, "Someone", &format!("new{i}@example.com")).await.status);
        }
        assert!(statuses.iter().all(|s| *s == StatusCode::OK), "{statuses:?}");
        // The sixth is refused, for a new and a known email alike.
        let new = register(&app, "Someone", "new5@example.com").await;
        let known = register(&app, "Someone", "known@example.com").await;
        assert_eq!((new.status, known.status), (StatusCode::TOO_MANY_REQUESTS, StatusCode::TOO_MANY_REQUESTS));
        assert!(!new.header("retry-after").is_empty());
        app.advance(time::Duration::minutes(20));
        assert_eq!(register(&app, "Someone", "new6@example.com").await.status, StatusCode::TOO_MANY_REQUESTS, "an hour, not the 15-minute sign-in window");
        let mut elsewhere = app.browser_from([10, 0, 9, 9]);
        let res = elsewhere.submit("/register", "/register", &[("full_name", "Other"), ("email", "other@example.com")]).await;
        assert_eq!(res.status, StatusCode::OK, "another address is not affected");
        app.advance(time::Duration::minutes(41));
        assert_eq!(register(&app, "Someone", "new7@example.com").await.status, StatusCode::OK);
    }
}
