//! The silent refresh: rotation, the grace interval, reuse detection, idle and
//! absolute expiry. Time moves by the manual clock, never by sleeping.

use axum::http::StatusCode;
use time::Duration;

use hrms::models::user::Role;

use crate::helpers::{PASSWORD, TestApp, claims_of};

backend_tests! {
    async fn an_expired_access_token_is_refreshed_and_the_page_renders_in_the_same_response() {
        let app = TestApp::new().await;
        let mut browser = app.signed_in("a@example.com").await;
        let old_access = browser.cookie("hrms_access").unwrap();
        let old_refresh = browser.cookie("hrms_refresh").unwrap();

        app.advance(Duration::minutes(15)); // exactly the access TTL: zero leeway
        let res = browser.get("/dashboard").await;
        assert_eq!(res.status, StatusCode::OK, "expected the page, not a redirect");
        // The profile card shows the email, breakable only before the @.
        assert!(res.body.contains(r#"<span class="email-part">a</span><wbr><span class="email-part">@example.com</span>"#));
        let new_access = res.cookie("hrms_access").expect("new access token").value.clone();
        let new_refresh = res.cookie("hrms_refresh").expect("rotated refresh token").value.clone();
        assert_ne!(new_access, old_access);
        assert_ne!(new_refresh, old_refresh);
        assert_eq!(claims_of(&new_access).sid, claims_of(&old_access).sid, "same session");
        assert_eq!(claims_of(&new_access).exp, hrms::clock::unix(app.now() + Duration::minutes(15)));
    }

    async fn a_valid_access_token_is_not_refreshed() {
        let app = TestApp::new().await;
        let mut browser = app.signed_in("b@example.com").await;
        app.advance(Duration::minutes(14));
        let res = browser.get("/dashboard").await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.cookie("hrms_refresh").is_none() && res.cookie("hrms_access").is_none());
    }

    async fn a_missing_access_cookie_is_refreshed_too() {
        let app = TestApp::new().await;
        let mut browser = app.signed_in("c@example.com").await;
        browser.forget("hrms_access");
        let res = browser.get("/dashboard").await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.cookie("hrms_access").is_some());
    }

    async fn a_rotated_token_replayed_after_the_grace_interval_kills_the_whole_session() {
        let app = TestApp::new().await;
        let mut browser = app.signed_in("victim@example.com").await;
        let stolen = browser.cookie("hrms_refresh").unwrap();
        let sid = claims_of(&browser.cookie("hrms_access").unwrap()).sid;

        app.advance(Duration::minutes(16));
        assert_eq!(browser.get("/dashboard").await.status, StatusCode::OK); // the victim rotates

        app.advance(Duration::seconds(11)); // past the 10 s grace
        let mut attacker = app.browser_from([192, 0, 2, 66]);
        attacker.set_cookie("hrms_refresh", &stolen);
        let res = attacker.get("/dashboard").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert!(res.location().starts_with("/login"));
        assert!(res.cookie("hrms_refresh").is_some_and(|c| c.is_removal()));

        let session = app.session(&sid).await;
        assert_eq!(session.revoked_reason.as_deref(), Some("refresh_reuse"));
        let events = app.audit_events().await;
        let reuse = events.iter().find(|e| e.event == "refresh_reuse").expect("audited");
        assert_eq!(reuse.session_id.as_deref(), Some(sid.as_str()));
        assert_eq!(reuse.ip.as_deref(), Some("192.0.2.66"));
        assert!(!format!("{reuse:?}").contains(&stolen), "the token must never be logged");

        // The victim's current tokens die with the session, access token included, at once.
        assert!(browser.get("/dashboard").await.location().starts_with("/login"));
        app.advance(Duration::minutes(16));
        assert!(browser.get("/dashboard").await.location().starts_with("/login"));
    }

    async fn two_tabs_refreshing_at_once_both_render_and_the_session_survives() {
        let app = TestApp::new().await;
        let browser = app.signed_in("tabs@example.com").await;
        app.advance(Duration::minutes(20));

        let (mut tab1, mut tab2) = (browser.clone(), browser.clone());
        let (r1, r2) = tokio::join!(tab1.get("/dashboard"), tab2.get("/dashboard"));
        assert_eq!((r1.status, r2.status), (StatusCode::OK, StatusCode::OK));
        let rotated: Vec<_> = [&r1, &r2].into_iter().filter_map(|r| r.cookie("hrms_refresh")).collect();
        assert_eq!(rotated.len(), 1, "exactly one request wins the rotation");
        assert!(!rotated[0].is_removal(), "the loser must not clear the winner's cookie");
        assert!(r1.cookie("hrms_access").is_some() && r2.cookie("hrms_access").is_some());

        // The browser ends up with the winner's refresh token, and it works later.
        let mut after = browser.clone();
        after.set_cookie("hrms_refresh", &rotated[0].value);
        after.forget("hrms_access");
        app.advance(Duration::seconds(30));
        assert_eq!(after.get("/dashboard").await.status, StatusCode::OK);
    }

    async fn a_request_with_the_previous_token_inside_the_grace_interval_keeps_its_session() {
        let app = TestApp::new().await;
        let mut browser = app.signed_in("slow@example.com").await;
        let previous = browser.cookie("hrms_refresh").unwrap();
        app.advance(Duration::minutes(16));
        assert_eq!(browser.get("/dashboard").await.status, StatusCode::OK);

        app.advance(Duration::seconds(10)); // still inside the grace interval
        let mut late_tab = app.browser();
        late_tab.set_cookie("hrms_refresh", &previous);
        let res = late_tab.get("/dashboard").await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.cookie("hrms_access").is_some());
        assert!(res.cookie("hrms_refresh").is_none(), "must not overwrite the winner's refresh cookie");
        // And the winner's session is alive.
        browser.forget("hrms_access");
        assert_eq!(browser.get("/dashboard").await.status, StatusCode::OK);
    }

    async fn an_idle_session_ends_after_the_refresh_ttl() {
        let app = TestApp::with(|a| a.refresh_ttl = Duration::hours(8)).await;
        let mut browser = app.signed_in("idle@example.com").await;
        app.advance(Duration::hours(7));
        assert_eq!(browser.get("/dashboard").await.status, StatusCode::OK, "used within the idle timeout");
        app.advance(Duration::hours(8)); // unused for the whole idle timeout
        let res = browser.get("/dashboard").await;
        assert!(res.location().starts_with("/login"));
    }

    async fn an_active_session_still_ends_at_its_absolute_lifetime() {
        let app = TestApp::with(|a| {
            a.refresh_ttl = Duration::days(2);
            a.session_max_age = Duration::days(5);
        })
        .await;
        let mut browser = app.signed_in("busy@example.com").await;
        for day in 1..5 {
            app.advance(Duration::days(1));
            assert_eq!(browser.get("/dashboard").await.status, StatusCode::OK, "day {day}");
        }
        app.advance(Duration::days(1)); // five days after sign-in, though used daily
        assert!(browser.get("/dashboard").await.location().starts_with("/login"));
    }

    async fn the_refresh_cookie_lives_no_longer_than_the_session() {
        let app = TestApp::with(|a| {
            a.refresh_ttl = Duration::days(7);
            a.session_max_age = Duration::days(8);
        })
        .await;
        let mut browser = app.signed_in("cookie@example.com").await;
        app.advance(Duration::days(3));
        let res = browser.get("/dashboard").await;
        let refresh = res.cookie("hrms_refresh").expect("rotated");
        // min(now + 7 d, sign-in + 8 d) = 5 days from now
        assert!(refresh.has(&format!("Max-Age={}", Duration::days(5).whole_seconds())), "{refresh:?}");
    }

    async fn garbage_refresh_tokens_just_sign_the_browser_out() {
        let app = TestApp::new().await;
        let mut browser = app.browser();
        browser.set_cookie("hrms_refresh", "garbage");
        browser.set_cookie("hrms_access", "not.a.jwt");
        let res = browser.get("/dashboard").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert!(res.cookie("hrms_refresh").is_some_and(|c| c.is_removal()));
    }

    async fn a_database_failure_during_refresh_is_a_503_that_keeps_cookies_and_rotates_nothing() {
        let app = TestApp::with_switchable_database().await;
        let mut browser = app.signed_in("db@example.com").await;
        let refresh_before = browser.cookie("hrms_refresh").unwrap();
        app.advance(Duration::minutes(16));
        let outage = app.database_down().await;
        let res = browser.get("/dashboard").await;
        assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(res.body.contains("cannot reach its database"));
        assert!(res.set_cookies.iter().all(|c| !c.name.starts_with("hrms_access") && !c.name.starts_with("hrms_refresh")));
        assert_eq!(browser.cookie("hrms_refresh").unwrap(), refresh_before);

        // When the database is back, the same cookie still works.
        outage.end().await;
        assert_eq!(browser.get("/dashboard").await.status, StatusCode::OK);
    }
}

backend_tests! {
    async fn keep_me_signed_in_gives_employees_the_long_lifetimes_and_never_hr() {
        let app = TestApp::new().await;
        app.create_user("emp@example.com", "E", Role::Employee).await;
        app.create_user("hr@example.com", "H", Role::Hr).await;
        let sign_in = |email: &'static str, remember: bool| {
            let mut browser = app.browser();
            async move {
                let mut fields = vec![("email", email), ("password", PASSWORD)];
                if remember {
                    fields.push(("remember", "on"));
                }
                let res = browser.submit("/login", "/login", &fields).await;
                assert_eq!(res.status, StatusCode::SEE_OTHER);
                let max_age = res.cookie("hrms_refresh").expect("refresh").attributes.iter().find_map(|a| a.strip_prefix("Max-Age=").map(str::to_owned));
                (browser, max_age)
            }
        };
        assert!(app.browser().get("/login").await.body.contains("Keep me signed in on this device"));
        let (mut kept, kept_age) = sign_in("emp@example.com", true).await;
        let (mut short, short_age) = sign_in("emp@example.com", false).await;
        let (mut hr, hr_age) = sign_in("hr@example.com", true).await;
        assert_eq!(kept_age.as_deref(), Some("604800"), "7 days idle");
        assert_eq!(short_age.as_deref(), Some("1800"), "30 minutes idle by default (ASVS level 2)");
        assert_eq!(hr_age.as_deref(), Some("1800"), "HR never gets the long lifetimes");

        app.advance(Duration::minutes(31));
        assert_eq!(kept.get("/dashboard").await.status, StatusCode::OK, "remembered: still signed in");
        assert_eq!(short.get("/dashboard").await.status, StatusCode::SEE_OTHER);
        assert_eq!(hr.get("/dashboard").await.status, StatusCode::SEE_OTHER);
        // The refresh keeps the long idle timeout; the absolute 30 days still end it.
        app.advance(Duration::days(6));
        assert_eq!(kept.get("/dashboard").await.status, StatusCode::OK);
    }

    async fn sessions_end_after_twelve_hours_however_active_by_default() {
        let app = TestApp::new().await;
        let mut browser = app.signed_in("busy@example.com").await;
        for _ in 0..24 {
            app.advance(Duration::minutes(29));
            assert_eq!(browser.get("/dashboard").await.status, StatusCode::OK);
        }
        app.advance(Duration::minutes(25)); // 12 h 1 min after sign-in, never idle for 30 minutes
        assert_eq!(browser.get("/dashboard").await.status, StatusCode::SEE_OTHER);
    }
}
