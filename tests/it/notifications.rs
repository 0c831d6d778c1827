//! Who is told by mail: leave requests to their approver, decisions to the
//! requester, cancellations of approved leave to the approver (unless they
//! turned leave notifications off), and security notices to everyone.

use axum::http::StatusCode;
use hrms::models::user::Role;

use crate::helpers::{PASSWORD, TestApp};
use crate::leave::{cancel, decide, person, requested, team};

backend_tests! {
    async fn a_request_mails_the_manager_and_the_decision_mails_the_requester() {
        let app = TestApp::new().await;
        let (mut mia, mut rob) = team(&app).await;
        let id = requested(&app, &mut rob, "annual", "2026-06-15", "2026-06-16").await;
        let to_mia = app.mail_to("mia@example.com").await;
        assert_eq!(to_mia.len(), 1);
        assert!(to_mia[0].subject.contains("Rob Report asks for annual leave"), "{}", to_mia[0].subject);
        assert!(to_mia[0].text.contains(&format!("http://127.0.0.1:3000/leave/{id}")), "{}", to_mia[0].text);
        assert!(to_mia[0].text.contains("2 days"), "{}", to_mia[0].text);

        assert_eq!(decide(&mut mia.browser, &id, "reject", "Release week").await.status, StatusCode::SEE_OTHER);
        let to_rob = app.mail_to("rob@example.com").await;
        assert_eq!(to_rob.len(), 1);
        assert_eq!(to_rob[0].subject, "Your leave request was declined");
        assert!(to_rob[0].text.contains("Comment: Release week"), "{}", to_rob[0].text);
    }

    async fn cancelling_approved_leave_mails_the_approver_and_its_decision_the_requester() {
        let app = TestApp::new().await;
        let (mut mia, mut rob) = team(&app).await;
        let id = requested(&app, &mut rob, "annual", "2026-06-15", "2026-06-16").await;
        decide(&mut mia.browser, &id, "approve", "").await;
        assert_eq!(cancel(&mut rob.browser, &id).await.status, StatusCode::SEE_OTHER);
        let to_mia = app.mail_to("mia@example.com").await;
        assert_eq!(to_mia.len(), 2, "the request and the cancellation");
        assert!(to_mia[1].subject.contains("wants to cancel approved leave"), "{}", to_mia[1].subject);
        decide(&mut mia.browser, &id, "approve", "").await;
        let subjects: Vec<String> = app.mail_to("rob@example.com").await.into_iter().map(|m| m.subject).collect();
        assert_eq!(subjects, ["Your leave request was approved", "Your leave cancellation was approved"]);

        // Withdrawing a pending request tells nobody.
        let pending = requested(&app, &mut rob, "annual", "2026-07-06", "2026-07-06").await;
        cancel(&mut rob.browser, &pending).await;
        assert_eq!(app.mail_to("mia@example.com").await.len(), 3, "only the new request");
    }

    async fn requests_without_a_manager_go_to_hr_and_opting_out_stops_leave_mail_only() {
        let app = TestApp::new().await;
        let mut solo = person(&app, "Sol Solo", "sol@example.com", Role::Employee, None).await;
        let mut hana = person(&app, "Hana HR", "hana@example.com", Role::Hr, None).await;
        requested(&app, &mut solo, "annual", "2026-06-15", "2026-06-15").await;
        assert_eq!(app.mail_to("hana@example.com").await.len(), 1, "HR decides requests without a manager");

        let page = hana.browser.get("/account/notifications").await;
        assert!(page.body.contains(r#"name="leave" type="checkbox" value="on" checked"#), "on by default");
        let res = hana.browser.submit("/account/notifications", "/account/notifications", &[]).await;
        assert_eq!(res.location(), "/account/notifications?notice=notifications_saved");
        assert!(!hana.browser.get("/account/notifications").await.body.contains("checked"));
        requested(&app, &mut solo, "annual", "2026-06-22", "2026-06-22").await;
        assert_eq!(app.mail_to("hana@example.com").await.len(), 1, "no more leave mail");

        // Security notices still come.
        let res = hana
            .browser
            .submit(
                "/account/password",
                "/account/password",
                &[("current_password", PASSWORD), ("new_password", "lilac meadow falcon 9"), ("new_password_confirm", "lilac meadow falcon 9")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let last = app.mail_to("hana@example.com").await.pop().expect("a notice");
        assert!(last.subject.contains("password was changed"), "{}", last.subject);
        assert_eq!(app.count_events("notifications_changed").await, 1);
    }

    async fn a_sign_in_from_a_browser_not_seen_before_is_told_to_the_owner() {
        let app = TestApp::new().await;
        app.create_user("nia@example.com", "Nia", Role::Employee).await;
        let mut laptop = app.browser();
        assert_eq!(laptop.sign_in("nia@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER);
        assert!(app.mail_to("nia@example.com").await.is_empty(), "the first browser is no news");
        laptop.sign_out().await;
        laptop.sign_in("nia@example.com", PASSWORD).await;
        assert!(app.mail_to("nia@example.com").await.is_empty(), "the same browser again is no news");
        // Signing out clears the site's cookies in a real browser: the same
        // browser at the same address is still recognised.
        laptop.sign_out().await;
        laptop.forget("hrms_device");
        laptop.sign_in("nia@example.com", PASSWORD).await;
        assert!(app.mail_to("nia@example.com").await.is_empty(), "same browser and address, cookie cleared");

        // Test browsers send no User-Agent, so a new address stands for a new browser here.
        let mut stranger = app.browser_from([203, 0, 113, 9]);
        stranger.sign_in("nia@example.com", PASSWORD).await;
        let mail = app.mail_to("nia@example.com").await;
        assert_eq!(mail.len(), 1);
        assert!(mail[0].subject.contains("New sign-in") && mail[0].text.contains("203.0.113.9"), "{}", mail[0].text);
        stranger.sign_out().await;
        stranger.sign_in("nia@example.com", PASSWORD).await;
        assert_eq!(app.mail_to("nia@example.com").await.len(), 1, "known now");
        assert_eq!(app.count_events("new_device_sign_in").await, 1);
    }
}
