//! Password reset and mailed links: the same answer for every email, single
//! use under concurrency, expiry, replacement, throttling, and the ways an
//! Admin and the operator send a reset.

use std::io::Cursor;

use axum::http::StatusCode;
use hrms::config::{DatabaseArgs, UserCommand};
use hrms::models::user::Role;
use time::Duration;

use crate::helpers::{Browser, PASSWORD, Response, TestApp, link_in};

const NEW_PASSWORD: &str = "violet harbour compass 7";

async fn forgot(browser: &mut Browser, email: &str) -> Response {
    browser.submit("/password/forgot", "/password/forgot", &[("email", email)]).await
}

/// Posts a new password to a link page (with the sign-in page's form token,
/// since a dead link's page has no form).
async fn choose(browser: &mut Browser, link: &str, password: &str) -> Response {
    browser.submit("/login", link, &[("password", password), ("password_confirm", password)]).await
}

/// The page without the address it echoes and the form token.
fn without(body: &str, email: &str) -> String {
    body.replace(email, "EMAIL").lines().filter(|l| !l.contains("csrf_token")).collect()
}

async fn outbox_rows(app: &TestApp) -> i64 {
    app.state.db.run(|conn| Ok(hrms::models::outbox::count(conn, None)?)).await.expect("count")
}

backend_tests! {
    async fn a_reset_link_sets_a_new_password_and_signs_out_every_session() {
        let app = TestApp::new().await;
        let mut old = app.signed_in("ann@example.com").await;
        let mut other = app.browser_from([10, 0, 0, 2]);
        assert!(other.get("/login").await.body.contains(r#"href="/password/forgot""#), "the sign-in page offers it");
        let res = forgot(&mut other, "ANN@example.com").await;
        assert_eq!(res.status, StatusCode::OK);
        let link = app.link_mailed_to("ann@example.com").await;
        assert!(link.starts_with("/password/reset/"), "{link}");

        let res = choose(&mut other, &link, NEW_PASSWORD).await;
        assert_eq!(res.location(), "/dashboard?notice=password_reset", "{}", res.body);
        assert_eq!(other.get("/dashboard").await.status, StatusCode::OK, "signed in here");
        // The session in the other browser is over, at once.
        let res = old.get("/dashboard").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert!(res.location().starts_with("/login"));

        let mut fresh = app.browser();
        assert_eq!(fresh.sign_in("ann@example.com", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(fresh.sign_in("ann@example.com", NEW_PASSWORD).await.status, StatusCode::SEE_OTHER);
        let notice = app.mail_to("ann@example.com").await;
        assert!(notice.iter().any(|m| m.subject.contains("password was changed")), "the owner is told");
        assert_eq!(app.count_events("password_reset").await, 1);
        // Single use.
        assert_eq!(app.browser().get(&link).await.status, StatusCode::GONE);
    }

    async fn forgot_password_answers_the_same_for_known_and_unknown_emails() {
        let app = TestApp::new().await;
        app.create_user("real@example.com", "Real", Role::Employee).await;
        let known = forgot(&mut app.browser(), "real@example.com").await;
        let unknown = forgot(&mut app.browser(), "ghost@example.com").await;
        assert_eq!(known.status, unknown.status);
        assert_eq!(without(&known.body, "real@example.com"), without(&unknown.body, "ghost@example.com"));
        assert_eq!(app.mail_to("real@example.com").await.len(), 1);
        assert!(app.mail_to("ghost@example.com").await.is_empty(), "nothing is sent to an unknown address");
        // A malformed address is a form error, and nothing is stored for it.
        let bad = forgot(&mut app.browser(), "not an email").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("Enter an email address"), "{}", bad.body);
    }

    async fn a_reset_link_expires_after_an_hour_and_a_newer_one_or_a_sign_in_cancels_it() {
        let app = TestApp::new().await;
        app.create_user("bo@example.com", "Bo", Role::Employee).await;
        forgot(&mut app.browser(), "bo@example.com").await;
        let expiring = app.link_mailed_to("bo@example.com").await;
        app.advance(Duration::minutes(61));
        let res = app.browser().get(&expiring).await;
        assert_eq!(res.status, StatusCode::GONE);
        assert!(res.body.contains("expired") && res.body.contains(r#"href="/password/forgot""#), "{}", res.body);
        assert_eq!(choose(&mut app.browser(), &expiring, NEW_PASSWORD).await.status, StatusCode::GONE);

        forgot(&mut app.browser(), "bo@example.com").await;
        let older = app.link_mailed_to("bo@example.com").await;
        forgot(&mut app.browser(), "bo@example.com").await;
        let newer = app.link_mailed_to("bo@example.com").await;
        assert_eq!(app.browser().get(&older).await.status, StatusCode::GONE, "a newer link replaces it");
        assert_eq!(app.browser().get(&newer).await.status, StatusCode::OK);
        // Remembering the password cancels the link.
        assert_eq!(app.browser().sign_in("bo@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER);
        assert_eq!(choose(&mut app.browser(), &newer, NEW_PASSWORD).await.status, StatusCode::GONE);
        assert_eq!(app.browser().sign_in("bo@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER);
    }

    async fn a_link_followed_many_times_at_once_works_exactly_once() {
        let app = TestApp::new().await;
        app.create_user("cy@example.com", "Cy", Role::Employee).await;
        forgot(&mut app.browser(), "cy@example.com").await;
        let link = app.link_mailed_to("cy@example.com").await;
        // Every browser loads the page first; then all submit at once.
        let mut ready = Vec::new();
        for i in 0..10u8 {
            let mut browser = app.browser_from([10, 0, 1, i]);
            let page = browser.get(&link).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            ready.push((browser, page.csrf_token(), format!("{NEW_PASSWORD} {i}")));
        }
        let mut attempts = Vec::new();
        for (mut browser, token, password) in ready {
            let link = link.clone();
            attempts.push(tokio::spawn(async move {
                let fields = [("password", password.as_str()), ("password_confirm", password.as_str()), ("csrf_token", &token)];
                (browser.post(&link, &fields).await.status, password)
            }));
        }
        let mut winners = Vec::new();
        for attempt in attempts {
            let (status, password) = attempt.await.expect("attempt");
            match status {
                StatusCode::SEE_OTHER => winners.push(password),
                // A losing click sees the link used, or, if too many new
                // passwords were already waiting to be hashed, "busy".
                other => assert!(matches!(other, StatusCode::GONE | StatusCode::SERVICE_UNAVAILABLE), "{other}"),
            }
        }
        assert_eq!(winners.len(), 1, "exactly one click wins");
        assert_eq!(app.browser().sign_in("cy@example.com", &winners[0]).await.status, StatusCode::SEE_OTHER);
        assert_eq!(app.count_events("password_reset").await, 1);
    }

    async fn malformed_foreign_and_deactivated_links_change_nothing() {
        let app = TestApp::new().await;
        let user_id = app.create_user("di@example.com", "Di", Role::Employee).await;
        forgot(&mut app.browser(), "di@example.com").await;
        let link = app.link_mailed_to("di@example.com").await;
        let token = link.rsplit('/').next().expect("token").to_owned();

        let mut browser = app.browser();
        for bad in ["/password/reset/x", "/password/reset/%00", &format!("/password/reset/{token}x")] {
            assert_eq!(browser.get(bad).await.status, StatusCode::NOT_FOUND, "{bad}");
        }
        // A reset token is no invitation and no sign-up link.
        assert_eq!(browser.get(&format!("/invitation/{token}")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(choose(&mut browser, &format!("/register/verify/{token}"), NEW_PASSWORD).await.status, StatusCode::NOT_FOUND);

        // Deactivated after the link was sent: the link cannot bring the account back.
        let now = app.now();
        app.state.db.run(move |conn| Ok(hrms::models::user::set_active(conn, &user_id, false, now)?)).await.expect("deactivate");
        let res = choose(&mut browser, &link, NEW_PASSWORD).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        assert!(res.body.contains("deactivated"));
        assert!(browser.cookie("hrms_access").is_none());
        assert_eq!(app.count_events("password_reset").await, 0);
    }

    async fn twenty_requests_in_a_minute_send_three_links_and_store_no_more() {
        let app = TestApp::new().await;
        app.create_user("ed@example.com", "Ed", Role::Employee).await;
        let mut statuses = Vec::new();
        for i in 0..20u8 {
            // From many addresses: the per-email limit holds on its own.
            let res = forgot(&mut app.browser_from([10, 0, 2, i]), "ed@example.com").await;
            statuses.push(res.status);
            app.advance(Duration::seconds(3));
        }
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 3, "{statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count(), 17);
        assert_eq!(app.mail_to("ed@example.com").await.len(), 3);
        assert_eq!(outbox_rows(&app).await, 3, "throttled requests write no mail");
        // An unknown email is throttled alike, so the limit tells nothing either.
        let mut ghost = Vec::new();
        for i in 0..4u8 {
            ghost.push(forgot(&mut app.browser_from([10, 0, 3, i]), "ghost@example.com").await.status);
        }
        assert_eq!(ghost, [StatusCode::OK, StatusCode::OK, StatusCode::OK, StatusCode::TOO_MANY_REQUESTS]);
        // One address asking for many emails is stopped too.
        let mut browser = app.browser_from([10, 0, 4, 1]);
        let mut last = StatusCode::OK;
        for i in 0..25 {
            last = forgot(&mut browser, &format!("spray{i}@example.com")).await.status;
        }
        assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    }

    async fn bad_links_from_one_address_are_throttled() {
        let app = TestApp::new().await;
        let mut browser = app.browser();
        for i in 0..20 {
            let fake = format!("/password/reset/{:0>43}", i);
            assert_eq!(browser.get(&fake).await.status, StatusCode::NOT_FOUND);
        }
        let res = browser.get(&format!("/password/reset/{:0>43}", 99)).await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(!res.header("retry-after").is_empty());
        // Another address is not affected.
        assert_eq!(app.browser_from([10, 9, 9, 9]).get("/password/reset/abc").await.status, StatusCode::NOT_FOUND);
    }

    async fn an_admin_sends_a_reset_from_the_users_page_and_hr_cannot() {
        let app = TestApp::new().await;
        app.create_user("admin@example.com", "Ada Admin", Role::Admin).await;
        let target = app.create_user("fay@example.com", "Fay", Role::Employee).await;
        let mut admin = app.browser();
        admin.sign_in("admin@example.com", PASSWORD).await;
        let page = admin.get("/admin/users").await;
        assert!(page.body.contains(&format!("/admin/users/{target}/send-reset")));
        let res = admin.submit("/admin/users", &format!("/admin/users/{target}/send-reset"), &[]).await;
        assert_eq!(res.location(), "/admin/users?notice=reset_sent");
        let link = app.link_mailed_to("fay@example.com").await;
        assert_eq!(choose(&mut app.browser(), &link, NEW_PASSWORD).await.status, StatusCode::SEE_OTHER);

        let mut hr = app.signed_in("hr@example.com").await;
        let hr_id = app.create_user("hr2@example.com", "Hal", Role::Hr).await;
        let mut hal = app.browser();
        hal.sign_in("hr2@example.com", PASSWORD).await;
        let res = hal.submit("/dashboard", &format!("/admin/users/{target}/send-reset"), &[]).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = hr.submit("/dashboard", &format!("/admin/users/{hr_id}/send-reset"), &[]).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert_eq!(app.mail_to("fay@example.com").await.len(), 2, "the link and the password-changed notice only");
    }

    async fn the_operator_prints_a_reset_link_and_nothing_is_mailed() {
        let app = TestApp::new().await;
        app.create_user("root@example.com", "Root", Role::Admin).await;
        let cmd = UserCommand::ResetPassword {
            email: "ROOT@example.com".into(),
            db: DatabaseArgs { database_url: app.database_url.clone() },
            public_url: "http://127.0.0.1:3000".into(),
        };
        tokio::task::spawn_blocking(move || hrms::commands::user_blocking(cmd, &mut Cursor::new(Vec::new())))
            .await
            .expect("join")
            .expect("reset-password");
        assert_eq!(outbox_rows(&app).await, 0, "nothing is mailed");
        assert_eq!(app.count_events("password_reset_link_printed").await, 1);

        let missing = UserCommand::ResetPassword {
            email: "nobody@example.com".into(),
            db: DatabaseArgs { database_url: app.database_url.clone() },
            public_url: "http://127.0.0.1:3000".into(),
        };
        let err = tokio::task::spawn_blocking(move || hrms::commands::user_blocking(missing, &mut Cursor::new(Vec::new())))
            .await
            .expect("join")
            .expect_err("no such account");
        assert!(err.to_string().contains("no account with the email nobody@example.com"), "{err}");
    }
}

/// The link the command prints works like a mailed one (checked through the
/// domain function the command calls, which returns the link it prints).
#[tokio::test]
async fn the_printed_reset_link_works_once() {
    let app = TestApp::new().await;
    app.create_user("root@example.com", "Root", Role::Admin).await;
    let (ctx, now) = (app.state.mail.clone(), app.now());
    let url = app
        .state
        .db
        .run(move |conn| {
            hrms::domain::accounts::requests::operator_reset_link(
                conn,
                &hrms::access::Actor::operator(),
                "root@example.com",
                &ctx,
                now,
            )
        })
        .await
        .expect("link")
        .expect("account exists");
    let link = link_in(&url).expect("a portal link");
    let mut browser = app.browser();
    assert_eq!(choose(&mut browser, &link, NEW_PASSWORD).await.location(), "/dashboard?notice=password_reset");
    assert_eq!(choose(&mut app.browser(), &link, NEW_PASSWORD).await.status, StatusCode::GONE);
}
