//! Revocation takes effect at once, without a database query per request.

use axum::http::StatusCode;
use hrms::config::{DatabaseArgs, UserCommand};
use hrms::models::user::Role;

use crate::helpers::{TestApp, claims_of};

backend_tests! {
    async fn a_valid_access_token_needs_no_database() {
        let app = TestApp::with_switchable_database().await;
        let mut browser = app.signed_in("fast@example.com").await;
        let _outage = app.database_down().await;
        // The dashboard reads the profile, so it cannot be served now...
        assert_eq!(browser.get("/dashboard").await.status, StatusCode::SERVICE_UNAVAILABLE);
        // ...but `/` only needs to know who is signed in: it answers from the token alone.
        let res = browser.get("/").await;
        assert_eq!(res.location(), "/dashboard");
    }

    async fn set_role_signs_the_user_out_on_the_running_server() {
        let app = TestApp::new().await;
        let mut browser = app.signed_in("promote@example.com").await;
        let sid = claims_of(&browser.cookie("hrms_access").unwrap()).sid;
        assert_eq!(claims_of(&browser.cookie("hrms_access").unwrap()).role, Role::Employee);

        let cmd = UserCommand::SetRole {
            email: "Promote@example.com".into(),
            role: Role::Hr,
            db: DatabaseArgs { database_url: app.database_url.clone() },
        };
        tokio::task::spawn_blocking(move || hrms::commands::user_blocking(cmd, &mut std::io::empty()))
            .await
            .unwrap()
            .expect("set-role");

        app.poll_revocations().await;
        let res = browser.get("/dashboard").await;
        assert!(res.location().starts_with("/login"), "the old role claim must die at once");
        assert_eq!(app.session(&sid).await.revoked_reason.as_deref(), Some("role_changed"));
        assert_eq!(app.count_events("role_changed").await, 1);

        // Signing in again carries the new role.
        let res = browser.sign_in("promote@example.com", crate::helpers::PASSWORD).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(claims_of(&browser.cookie("hrms_access").unwrap()).role, Role::Hr);
    }

    async fn sign_out_on_one_instance_stops_the_access_token_on_another() {
        let a = TestApp::new().await;
        let b = a.second_instance().await;
        let mut on_a = a.signed_in("multi@example.com").await;
        // The same browser, talking to instance B (same generated signing key from the database).
        let mut on_b = b.browser();
        on_b.jar = on_a.jar.clone();
        assert_eq!(on_b.get("/dashboard").await.status, StatusCode::OK);

        assert_eq!(on_b.sign_out().await.status, StatusCode::SEE_OTHER);
        assert_eq!(on_a.get("/dashboard").await.status, StatusCode::OK, "A has not polled yet");
        a.poll_revocations().await;
        assert!(on_a.get("/dashboard").await.location().starts_with("/login"));
    }

    async fn revoked_sessions_are_forgotten_once_their_access_tokens_have_expired() {
        let app = TestApp::new().await;
        let mut browser = app.signed_in("forget@example.com").await;
        browser.sign_out().await;
        assert_eq!(app.state.revoked.len(), 1);
        app.advance(time::Duration::minutes(16));
        app.poll_revocations().await;
        assert!(app.state.revoked.is_empty(), "memory must not grow with every sign-out");
    }
}

backend_tests! {
    async fn a_restarted_instance_refuses_sessions_signed_out_before_it_started() {
        let app = TestApp::new().await;
        let before = app.signed_in("restart@example.com").await;
        let session = crate::helpers::claims_of(&before.cookie("hrms_access").expect("access")).sid;
        // Signed out elsewhere (the command line, another instance) while this one is down.
        let now = app.now();
        app.state
            .db
            .run(move |conn| {
                Ok(hrms::auth::sessions::revoke(conn, &session, hrms::auth::sessions::RevokeReason::SignedOutByAdmin, now)?)
            })
            .await
            .expect("revoke");
        let restarted = app.second_instance().await;
        let mut after = restarted.browser();
        after.jar = before.jar.clone();
        let res = after.get("/dashboard").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "the first request after the start is already refused");
        assert!(res.location().starts_with("/login"));
    }
}
