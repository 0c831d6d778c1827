//! The account pages: one's own sessions, and changing one's password.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use hrms::models::user::Role;
use time::Duration;

use crate::helpers::{Browser, PASSWORD, TestApp, claims_of};

const FIREFOX_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0";
const CHROME_WINDOWS: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36";
const NEW_PASSWORD: &str = "quartz meadow violin 77";

/// A browser signed in as `email` (which must exist), sending `agent` as its User-Agent.
async fn sign_in_with_agent(app: &TestApp, email: &str, agent: &str) -> Browser {
    let mut browser = app.browser();
    let token = browser.get("/login").await.csrf_token();
    let body =
        serde_urlencoded::to_string([("email", email), ("password", PASSWORD), ("csrf_token", &token)]).expect("form");
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::USER_AGENT, agent)
        .body(Body::from(body))
        .expect("request");
    let res = browser.send(req).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "sign-in failed: {}", res.body);
    browser
}

/// Another browser for an existing account.
pub async fn another_browser(app: &TestApp, email: &str) -> Browser {
    let mut browser = app.browser();
    assert_eq!(browser.sign_in(email, PASSWORD).await.status, StatusCode::SEE_OTHER);
    browser
}

/// The session id inside a browser's access token.
pub fn sid(browser: &Browser) -> String {
    claims_of(&browser.cookie("hrms_access").expect("signed in")).sid
}

/// Whether the browser still gets its dashboard, using only its access token:
/// with the refresh cookie gone, nothing but the access token can sign it in.
pub async fn access_token_works(browser: &Browser) -> bool {
    let mut copy = browser.clone();
    copy.forget("hrms_refresh");
    let res = copy.get("/dashboard").await;
    match res.status {
        StatusCode::OK => true,
        StatusCode::SEE_OTHER if res.location().starts_with("/login") => false,
        other => panic!("unexpected {other}: {}", res.body),
    }
}

/// Whether the browser, with all its cookies, is still signed in.
pub async fn signed_in(browser: &mut Browser) -> bool {
    let res = browser.get("/dashboard").await;
    match res.status {
        StatusCode::OK => true,
        StatusCode::SEE_OTHER if res.location().starts_with("/login") => false,
        other => panic!("unexpected {other}: {}", res.body),
    }
}

/// The `<tr>` of the sessions table that contains `needle`.
fn row_with<'a>(body: &'a str, needle: &str) -> &'a str {
    let at = body.find(needle).unwrap_or_else(|| panic!("{needle:?} not on the page"));
    let start = body[..at].rfind("<tr").expect("row start");
    let end = at + body[at..].find("</tr>").expect("row end");
    &body[start..end]
}

async fn change_password(browser: &mut Browser, current: &str, new: &str, confirm: &str) -> crate::helpers::Response {
    browser
        .submit(
            "/account/password",
            "/account/password",
            &[("current_password", current), ("new_password", new), ("new_password_confirm", confirm)],
        )
        .await
}

backend_tests! {
    async fn the_sessions_page_lists_only_ones_own_live_sessions_with_this_device_marked() {
        let app = TestApp::new().await;
        app.create_user("ann@example.com", "Ann", Role::Employee).await;
        app.create_user("bob@example.com", "Bob", Role::Employee).await;
        // Idle for longer than the refresh lifetime (7 days): expired.
        let expired = sid(&another_browser(&app, "ann@example.com").await);
        app.advance(Duration::days(8));
        let mut signed_out = another_browser(&app, "ann@example.com").await;
        let signed_out_sid = sid(&signed_out);
        signed_out.sign_out().await;
        let bobs = sid(&another_browser(&app, "bob@example.com").await);
        let phone = sign_in_with_agent(&app, "ann@example.com", CHROME_WINDOWS).await;
        let mut laptop = sign_in_with_agent(&app, "ann@example.com", FIREFOX_LINUX).await;

        let res = laptop.get("/account/sessions").await;
        assert_eq!(res.status, StatusCode::OK);
        let body = &res.body;
        assert_eq!(body.matches("This device").count(), 1);
        let this_row = row_with(body, "This device");
        assert!(this_row.contains("Firefox on Linux") && this_row.contains("10.0.0.1"), "{this_row}");
        assert!(!this_row.contains(&sid(&laptop)), "the current session has no revoke button");
        let phone_row = row_with(body, "Chrome on Windows");
        assert!(phone_row.contains(&format!("/account/sessions/{}/revoke", sid(&phone))), "{phone_row}");
        assert!(phone_row.contains("9 Jun 2026, 09:00 UTC"), "signed in / last active: {phone_row}");
        for gone in [&expired, &signed_out_sid, &bobs] {
            assert!(!body.contains(gone.as_str()), "session {gone} must not be listed");
        }
        assert!(body.contains("Sign out all other sessions"));
        assert!(body.contains("Your sessions <span class=\"muted\">(2)</span>"), "two live sessions");
    }

    async fn revoking_a_session_stops_its_access_token_at_once_and_keeps_this_one() {
        let app = TestApp::new().await;
        let mut here = app.signed_in("rev@example.com").await;
        let mut there = another_browser(&app, "rev@example.com").await;
        let there_sid = sid(&there);
        assert!(access_token_works(&there).await);

        let res = here.submit("/account/sessions", &format!("/account/sessions/{there_sid}/revoke"), &[]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(res.location(), "/account/sessions?notice=session_revoked");
        assert!(here.get(res.location()).await.body.contains("The session was signed out."));

        // Its access token has not expired, yet it is refused now, by this instance, without a poll.
        assert!(!access_token_works(&there).await, "the revoked access token still works");
        assert!(!signed_in(&mut there).await);
        assert!(signed_in(&mut here).await);
        assert!(access_token_works(&here).await);
        let session = app.session(&there_sid).await;
        assert_eq!(session.revoked_reason.as_deref(), Some("signed_out_by_user"));
        let entry = app.audit_events().await.into_iter().find(|e| e.event == "session_revoked").expect("audited");
        assert_eq!(entry.session_id.as_deref(), Some(there_sid.as_str()));
        assert_eq!(app.count_events("session_revoked").await, 1);

        // Again: it has already ended; nothing more happens.
        let res = here.submit("/account/sessions", &format!("/account/sessions/{there_sid}/revoke"), &[]).await;
        assert_eq!(res.location(), "/account/sessions?notice=session_ended");
        assert_eq!(app.count_events("session_revoked").await, 1);
    }

    async fn revoking_a_session_reaches_the_other_instances() {
        let a = TestApp::new().await;
        let b = a.second_instance().await;
        let mut here = a.signed_in("two-servers@example.com").await;
        let there_on_a = another_browser(&a, "two-servers@example.com").await;
        // The same browser, talking to instance B.
        let mut there = b.browser();
        there.jar = there_on_a.jar.clone();
        assert!(access_token_works(&there).await);

        let res = here.submit("/account/sessions", &format!("/account/sessions/{}/revoke", sid(&there)), &[]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        b.poll_revocations().await;
        assert!(!access_token_works(&there).await, "instance B still accepts the access token");
        assert!(!signed_in(&mut there).await);
    }

    async fn sign_out_all_other_sessions_keeps_only_this_one() {
        let app = TestApp::new().await;
        let mut here = app.signed_in("others@example.com").await;
        let mut others = vec![
            another_browser(&app, "others@example.com").await,
            another_browser(&app, "others@example.com").await,
        ];
        let bystander = app.signed_in("bystander@example.com").await;

        let res = here.submit("/account/sessions", "/account/sessions/revoke-others", &[]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(res.location(), "/account/sessions?notice=others_signed_out");
        for other in &mut others {
            assert!(!access_token_works(other).await, "another session's access token still works");
            assert!(!signed_in(other).await);
        }
        assert!(signed_in(&mut here).await);
        assert!(access_token_works(&bystander).await, "someone else's session was touched");
        let page = here.get("/account/sessions?notice=others_signed_out").await;
        assert!(page.body.contains("All your other sessions were signed out."));
        assert!(!page.body.contains("Sign out all other sessions"), "nothing else is left to sign out");
        let entry = app.audit_events().await.into_iter().find(|e| e.event == "other_sessions_revoked").expect("audit");
        assert_eq!(entry.detail.as_deref(), Some("2 session(s) signed out"));
    }

    async fn another_users_session_cannot_be_revoked_and_stays_alive() {
        let app = TestApp::new().await;
        let mut mallory = app.signed_in("mallory@example.com").await;
        let mut victim = app.signed_in("victim@example.com").await;
        let victim_sid = sid(&victim);

        let res = mallory.submit("/account/sessions", &format!("/account/sessions/{victim_sid}/revoke"), &[]).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        let res = mallory.submit("/account/sessions", "/account/sessions/no-such-session/revoke", &[]).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        assert!(app.session(&victim_sid).await.revoked_at.is_none());
        assert!(access_token_works(&victim).await);
        assert!(signed_in(&mut victim).await);
        assert_eq!(app.count_events("session_revoked").await, 0);
    }

    async fn revoking_needs_a_csrf_token_and_the_current_session_is_ended_by_signing_out() {
        let app = TestApp::new().await;
        let mut here = app.signed_in("csrf-rev@example.com").await;
        let mut there = another_browser(&app, "csrf-rev@example.com").await;
        let (here_sid, there_sid) = (sid(&here), sid(&there));

        let res = here.post(&format!("/account/sessions/{there_sid}/revoke"), &[]).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert_eq!(here.post("/account/sessions/revoke-others", &[]).await.status, StatusCode::FORBIDDEN);
        assert!(signed_in(&mut there).await);

        let res = here.submit("/account/sessions", &format!("/account/sessions/{here_sid}/revoke"), &[]).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(res.body.contains("To end it, sign out."));
        assert!(signed_in(&mut here).await);
    }

    async fn the_account_pages_need_a_session() {
        let app = TestApp::new().await;
        let mut stranger = app.browser();
        for path in ["/account/sessions", "/account/password"] {
            let res = stranger.get(path).await;
            assert_eq!(res.status, StatusCode::SEE_OTHER);
            assert!(res.location().starts_with("/login?next="), "{path}");
        }
    }

    async fn a_password_change_needs_the_right_current_password_and_changes_nothing_otherwise() {
        let app = TestApp::new().await;
        let mut here = app.signed_in("pw@example.com").await;
        let mut there = another_browser(&app, "pw@example.com").await;

        let res = change_password(&mut here, "not my password", NEW_PASSWORD, NEW_PASSWORD).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("This is not your current password."));
        assert!(!res.body.contains(NEW_PASSWORD), "passwords are never echoed");
        let res = change_password(&mut here, "", NEW_PASSWORD, NEW_PASSWORD).await;
        assert!(res.body.contains("Enter your current password."));

        assert!(signed_in(&mut there).await);
        assert_eq!(app.browser().sign_in("pw@example.com", NEW_PASSWORD).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(app.browser().sign_in("pw@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER);
        assert_eq!(app.count_events("password_changed").await, 0);
        assert_eq!(app.count_events("password_change_failed").await, 1);
    }

    async fn a_new_password_must_meet_the_policy_and_be_confirmed() {
        let app = TestApp::new().await;
        let mut here = app.signed_in("policy@example.com").await;
        let cases = [
            ("short", "short", "Use at least 12 characters."),
            ("qwerty123456", "qwerty123456", "too common"),
            ("my policy secret phrase", "my policy secret phrase", "must not contain your email"),
            (PASSWORD, PASSWORD, "different from your current one"),
            (NEW_PASSWORD, "something else entirely", "The new passwords do not match."),
        ];
        for (new, confirm, message) in cases {
            let res = change_password(&mut here, PASSWORD, new, confirm).await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{new}");
            assert!(res.body.contains(message), "{new}: {message:?} missing");
        }
        assert_eq!(app.browser().sign_in("policy@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER);
        assert_eq!(app.count_events("password_changed").await, 0);
    }

    async fn changing_the_password_signs_out_the_other_sessions_and_keeps_this_one() {
        let app = TestApp::new().await;
        let mut here = app.signed_in("change@example.com").await;
        let mut there = another_browser(&app, "change@example.com").await;
        let there_sid = sid(&there);

        let res = change_password(&mut here, PASSWORD, NEW_PASSWORD, NEW_PASSWORD).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(res.location(), "/account/password?notice=password_changed");
        let page = here.get(res.location()).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Password changed; your other sessions were signed out."));

        assert!(!access_token_works(&there).await, "the other session's access token still works");
        assert!(!signed_in(&mut there).await);
        assert!(access_token_works(&here).await);
        assert!(signed_in(&mut here).await);
        assert_eq!(app.session(&there_sid).await.revoked_reason.as_deref(), Some("password_changed"));

        assert_eq!(app.browser().sign_in("change@example.com", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(app.browser().sign_in("change@example.com", NEW_PASSWORD).await.status, StatusCode::SEE_OTHER);
        let entry = app.audit_events().await.into_iter().find(|e| e.event == "password_changed").expect("audited");
        assert_eq!(entry.session_id.as_deref(), Some(sid(&here).as_str()));
        assert_eq!(entry.detail.as_deref(), Some("1 other session(s) signed out"));
    }

    async fn wrong_current_passwords_are_throttled_like_failed_sign_ins() {
        let app = TestApp::new().await;
        let mut here = app.signed_in("guess@example.com").await;
        for i in 0..5 {
            let res = change_password(&mut here, &format!("guess number {i}"), NEW_PASSWORD, NEW_PASSWORD).await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "attempt {i}");
        }
        // The sixth try is refused even with the right password, and so is signing in.
        let res = change_password(&mut here, PASSWORD, NEW_PASSWORD, NEW_PASSWORD).await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(res.body.contains("Too many attempts with a wrong password."));
        let retry: u64 = res.header("retry-after").parse().expect("Retry-After seconds");
        assert!((1..=900).contains(&retry), "{retry}");
        assert_eq!(app.browser().sign_in("guess@example.com", PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(app.count_events("password_change_failed").await, 5);
        assert_eq!(app.count_events("password_changed").await, 0);

        // After the window the right password works, and the count starts again.
        app.advance(Duration::minutes(15));
        let res = change_password(&mut here, PASSWORD, NEW_PASSWORD, NEW_PASSWORD).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(app.browser().sign_in("guess@example.com", NEW_PASSWORD).await.status, StatusCode::SEE_OTHER);
    }
}
