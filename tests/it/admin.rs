//! The admin pages: users (roles, deactivation, signing out) and the audit log.

use axum::http::StatusCode;
use hrms::models::audit::{self, Event};
use hrms::models::user::{self, Role, User};
use time::Duration;

use crate::account::{access_token_works, another_browser, sid, signed_in};
use crate::helpers::{Browser, PASSWORD, Response, TestApp, claims_of};

const ADMIN: &str = "admin@example.com";

/// An Admin account, signed in.
async fn admin(app: &TestApp) -> Browser {
    app.create_user(ADMIN, "Ada Admin", Role::Admin).await;
    another_browser(app, ADMIN).await
}

async fn account(app: &TestApp, email: &str) -> User {
    let email = email.to_owned();
    app.state.db.run(move |conn| Ok(user::find_by_email(conn, &email)?)).await.expect("lookup").expect("exists")
}

async fn active_admins(app: &TestApp) -> i64 {
    app.state.db.run(|conn| Ok(user::count_active_admins(conn)?)).await.expect("count")
}

/// Presses a button on the users list: `action` is `role`, `deactivate`, `reactivate` or `sign-out`.
async fn act(browser: &mut Browser, user_id: &str, action: &str, fields: &[(&str, &str)]) -> Response {
    browser.submit("/admin/users", &format!("/admin/users/{user_id}/{action}"), fields).await
}

/// Rows of the users table or of the audit table.
fn user_rows(body: &str) -> usize {
    body.matches("<th scope=\"row\" class=\"person\">").count()
}

fn audit_rows(body: &str) -> usize {
    body.matches("<td class=\"nowrap num-font\">").count()
}

backend_tests! {
    async fn employees_and_hr_get_403_on_every_admin_page_and_action_and_nothing_changes() {
        let app = TestApp::new().await;
        let mut target = app.signed_in("target@example.com").await;
        let target_id = account(&app, "target@example.com").await.id;
        app.create_user("hr@example.com", "Harriet", Role::Hr).await;
        let employee = app.signed_in("plain@example.com").await;
        let hr = another_browser(&app, "hr@example.com").await;

        for (mut browser, email) in [(employee, "plain@example.com"), (hr, "hr@example.com")] {
            let own_id = account(&app, email).await.id;
            for path in ["/admin/users", "/admin/audit", "/admin/users?q=target", "/admin/audit?event=logout"] {
                assert_eq!(browser.get(path).await.status, StatusCode::FORBIDDEN, "{email} GET {path}");
            }
            // A valid CSRF token, from a page they may open.
            let token = browser.get("/dashboard").await.csrf_token();
            for id in [&target_id, &own_id] {
                for (action, extra) in
                    [("role", Some("admin")), ("deactivate", None), ("reactivate", None), ("sign-out", None)]
                {
                    let mut fields = vec![("csrf_token", token.as_str())];
                    fields.extend(extra.map(|role| ("role", role)));
                    let res = browser.post(&format!("/admin/users/{id}/{action}"), &fields).await;
                    assert_eq!(res.status, StatusCode::FORBIDDEN, "{email} POST {action} on {id}");
                }
            }
            let me = account(&app, email).await;
            assert!(me.active);
            assert_eq!(claims_of(&browser.cookie("hrms_access").unwrap()).role, me.role().unwrap());
        }
        let target_now = account(&app, "target@example.com").await;
        assert_eq!((target_now.role().unwrap(), target_now.active), (Role::Employee, true));
        assert!(signed_in(&mut target).await);
        assert!(access_token_works(&target).await);
        for event in ["role_changed", "user_deactivated", "user_reactivated", "user_signed_out_everywhere"] {
            assert_eq!(app.count_events(event).await, 0, "{event}");
        }
    }

    async fn the_users_list_is_searchable_and_paginated_by_25() {
        let app = TestApp::new().await;
        let mut admin = admin(&app).await;
        for i in 0..30 {
            app.create_user(&format!("p{i:02}@corp.example"), &format!("Person {i:02}"), Role::Employee).await;
        }
        let res = admin.get("/admin/users").await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(user_rows(&res.body), 25);
        assert!(res.body.contains("Showing 1–25 of 31 users"), "{}", res.body);
        assert!(res.body.contains("Page 1 of 2"));
        assert!(res.body.contains(r#"href="/admin/users?page=2""#));
        // Sorted by name: Ada Admin first, her own row marked.
        assert!(res.body.find("Ada Admin").unwrap() < res.body.find("Person 00").unwrap());
        assert!(res.body.contains(r#"Ada Admin <span class="badge">You</span>"#));

        let last = admin.get("/admin/users?page=2").await;
        assert_eq!(user_rows(&last.body), 6);
        assert!(last.body.contains("Person 29"));
        assert_eq!(user_rows(&admin.get("/admin/users?page=99").await.body), 6, "past the end: the last page");
        assert_eq!(user_rows(&admin.get("/admin/users?page=abc").await.body), 25);

        // By email or by name, whatever the case; the links keep the search.
        assert_eq!(user_rows(&admin.get("/admin/users?q=P1").await.body), 10);
        assert_eq!(user_rows(&admin.get("/admin/users?q=person+2").await.body), 10);
        let all = admin.get("/admin/users?q=CORP.example").await;
        assert_eq!(user_rows(&all.body), 25);
        assert!(all.body.contains(r#"href="/admin/users?q=CORP.example&#38;page=2""#), "the next link keeps the search");
        assert!(all.body.contains(r#"name="q" value="CORP.example""#));
        // Wildcards are taken literally.
        let none = admin.get("/admin/users?q=%25").await;
        assert_eq!(user_rows(&none.body), 0);
        assert!(none.body.contains("No users match"));
        assert_eq!(user_rows(&admin.get("/admin/users?q=p_1").await.body), 0);
    }

    async fn a_role_change_ends_the_persons_sessions_at_once_and_the_next_sign_in_carries_the_new_role() {
        let app = TestApp::new().await;
        let mut admin = admin(&app).await;
        let mut promoted = app.signed_in("promoted@example.com").await;
        let promoted_sid = sid(&promoted);
        let before = account(&app, "promoted@example.com").await;
        app.advance(Duration::minutes(1));

        let res = act(&mut admin, &before.id, "role", &[("role", "hr"), ("q", "prom"), ("page", "1")]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(res.location(), "/admin/users?q=prom&notice=role");
        assert!(admin.get(res.location()).await.body.contains("Role changed."));

        // The old token, still unexpired and claiming Employee, is refused now.
        assert!(!access_token_works(&promoted).await, "the old role claim must die at once");
        assert!(!signed_in(&mut promoted).await);
        assert_eq!(app.session(&promoted_sid).await.revoked_reason.as_deref(), Some("role_changed"));
        let after = account(&app, "promoted@example.com").await;
        assert_eq!(after.role().unwrap(), Role::Hr);
        assert!(after.updated_at > before.updated_at);

        assert_eq!(promoted.sign_in("promoted@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER);
        assert_eq!(claims_of(&promoted.cookie("hrms_access").unwrap()).role, Role::Hr);
        assert!(signed_in(&mut admin).await, "the admin's own session is untouched");

        let entry = app.audit_events().await.into_iter().find(|e| e.event == "role_changed").expect("audited");
        assert_eq!(entry.user_id.as_deref(), Some(account(&app, ADMIN).await.id.as_str()), "made by the admin");
        assert_eq!(entry.email.as_deref(), Some("promoted@example.com"), "about the person");
        assert_eq!(entry.detail.as_deref(), Some("promoted@example.com: employee -> hr; 1 session(s) signed out"));
    }

    async fn the_same_role_again_changes_nothing_and_a_bad_role_or_user_is_refused() {
        let app = TestApp::new().await;
        let mut admin = admin(&app).await;
        let mut person = app.signed_in("same@example.com").await;
        let id = account(&app, "same@example.com").await.id;

        let res = act(&mut admin, &id, "role", &[("role", "employee")]).await;
        assert_eq!(res.location(), "/admin/users?notice=unchanged");
        assert!(signed_in(&mut person).await, "no change, no sign-out");
        let res = act(&mut admin, &id, "role", &[("role", "superuser")]).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(res.body.contains("Choose a role"));
        let res = act(&mut admin, &id, "role", &[]).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        for action in ["role", "deactivate", "reactivate", "sign-out"] {
            let res = act(&mut admin, "no-such-user", action, &[("role", "hr")]).await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{action}");
        }
        assert!(signed_in(&mut person).await);
        assert_eq!(account(&app, "same@example.com").await.role().unwrap(), Role::Employee);
        assert_eq!(app.count_events("role_changed").await, 0);
    }

    async fn deactivation_ends_every_session_and_blocks_sign_in_until_reactivated() {
        let app = TestApp::new().await;
        let mut admin = admin(&app).await;
        let mut one = app.signed_in("leaver@example.com").await;
        let mut two = another_browser(&app, "leaver@example.com").await;
        let id = account(&app, "leaver@example.com").await.id;

        let res = act(&mut admin, &id, "deactivate", &[]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(res.location(), "/admin/users?notice=deactivated");
        for browser in [&mut one, &mut two] {
            assert!(!access_token_works(browser).await);
            assert!(!signed_in(browser).await);
        }
        assert!(!account(&app, "leaver@example.com").await.active);
        assert_eq!(app.browser().sign_in("leaver@example.com", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
        let list = admin.get("/admin/users").await;
        assert!(list.body.contains("Deactivated") && list.body.contains(&format!("/admin/users/{id}/reactivate")));

        let res = act(&mut admin, &id, "reactivate", &[]).await;
        assert_eq!(res.location(), "/admin/users?notice=reactivated");
        assert!(account(&app, "leaver@example.com").await.active);
        assert_eq!(app.browser().sign_in("leaver@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER);
        let entry = app.audit_events().await.into_iter().find(|e| e.event == "user_deactivated").expect("audited");
        assert_eq!(entry.detail.as_deref(), Some("leaver@example.com; 2 session(s) signed out"));
        assert_eq!(app.count_events("user_reactivated").await, 1);
    }

    async fn the_last_active_admin_cannot_be_demoted_or_deactivated_nor_an_admin_deactivate_themselves() {
        let app = TestApp::new().await;
        let mut ada = admin(&app).await;
        let ada_id = account(&app, ADMIN).await.id;

        let res = act(&mut ada, &ada_id, "role", &[("role", "employee")]).await;
        assert_eq!(res.status, StatusCode::CONFLICT);
        assert!(res.body.contains("This is the last active Admin account."));
        assert!(res.body.contains("Nothing was changed."));
        let res = act(&mut ada, &ada_id, "deactivate", &[]).await;
        assert_eq!(res.status, StatusCode::CONFLICT);
        assert!(res.body.contains("You cannot deactivate your own account."));
        assert!(!ada.get("/admin/users").await.body.contains(&format!("/admin/users/{ada_id}/deactivate")));

        // A deactivated Admin does not count.
        let ben_id = app.create_user("ben@example.com", "Ben Admin", Role::Admin).await;
        assert_eq!(act(&mut ada, &ben_id, "deactivate", &[]).await.status, StatusCode::SEE_OTHER);
        assert_eq!(act(&mut ada, &ada_id, "role", &[("role", "hr")]).await.status, StatusCode::CONFLICT);
        assert_eq!(account(&app, ADMIN).await.role().unwrap(), Role::Admin);
        assert!(signed_in(&mut ada).await);
        assert_eq!(app.count_events("role_changed").await, 0);

        // With another active Admin, Ada may step down (and is signed out, like anyone whose role changes).
        assert_eq!(act(&mut ada, &ben_id, "reactivate", &[]).await.status, StatusCode::SEE_OTHER);
        assert_eq!(act(&mut ada, &ada_id, "role", &[("role", "hr")]).await.status, StatusCode::SEE_OTHER);
        assert!(!signed_in(&mut ada).await);
        assert_eq!(active_admins(&app).await, 1);

        // Now Ben is the last one.
        let mut ben = another_browser(&app, "ben@example.com").await;
        assert_eq!(act(&mut ben, &ben_id, "role", &[("role", "employee")]).await.status, StatusCode::CONFLICT);
        assert_eq!(active_admins(&app).await, 1);
    }

    async fn two_admins_demoting_each_other_at_once_leave_one_admin() {
        for _round in 0..5 {
            let app = TestApp::new().await;
            let mut ada = admin(&app).await;
            let ben_id = app.create_user("ben@example.com", "Ben Admin", Role::Admin).await;
            let mut ben = another_browser(&app, "ben@example.com").await;
            let ada_id = account(&app, ADMIN).await.id;
            let (ada_token, ben_token) =
                (ada.get("/admin/users").await.csrf_token(), ben.get("/admin/users").await.csrf_token());

            let (demote_ben, demote_ada) = (format!("/admin/users/{ben_id}/role"), format!("/admin/users/{ada_id}/role"));
            let ada_form = [("role", "employee"), ("csrf_token", ada_token.as_str())];
            let ben_form = [("role", "employee"), ("csrf_token", ben_token.as_str())];
            let (by_ada, by_ben) = tokio::join!(ada.post(&demote_ben, &ada_form), ben.post(&demote_ada, &ben_form));
            // The loser is refused, or finds itself signed out already (demoted, so its session ended).
            let outcomes = [(by_ada.status, by_ada.location().to_owned()), (by_ben.status, by_ben.location().to_owned())];
            let done = outcomes.iter().filter(|(_, location)| location == "/admin/users?notice=role").count();
            assert_eq!(done, 1, "{outcomes:?}");
            assert_eq!(active_admins(&app).await, 1);
        }
    }

    async fn sign_out_everywhere_ends_every_session_of_that_person_only() {
        let app = TestApp::new().await;
        let mut admin = admin(&app).await;
        let mut one = app.signed_in("everywhere@example.com").await;
        let mut two = another_browser(&app, "everywhere@example.com").await;
        let mut bystander = app.signed_in("bystander@example.com").await;
        let id = account(&app, "everywhere@example.com").await.id;

        let res = act(&mut admin, &id, "sign-out", &[("page", "1")]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(res.location(), "/admin/users?notice=signed_out_everywhere");
        for browser in [&mut one, &mut two] {
            assert!(!access_token_works(browser).await);
            assert!(!signed_in(browser).await);
        }
        assert!(signed_in(&mut bystander).await);
        assert!(signed_in(&mut admin).await);
        // Not a deactivation: signing in again works.
        assert_eq!(one.sign_in("everywhere@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER);
        let entry =
            app.audit_events().await.into_iter().find(|e| e.event == "user_signed_out_everywhere").expect("audited");
        assert_eq!(entry.detail.as_deref(), Some("everywhere@example.com; 2 session(s) signed out"));
        assert_eq!(entry.session_id.as_deref(), Some(sid(&admin).as_str()));
    }

    async fn the_audit_log_filters_by_user_and_event_and_paginates_by_50() {
        let app = TestApp::new().await;
        let mut admin = admin(&app).await;
        let ann_id = app.create_user("ann@example.com", "Ann Example", Role::Employee).await;
        app.create_user("bob@example.com", "Bob Example", Role::Employee).await;
        let start = app.now();
        app.state
            .db
            .transaction(move |conn| {
                for i in 0..60 {
                    let detail = format!("attempt {i:02}");
                    let who = audit::Who::anonymous("192.0.2.7");
                    let entry = who.entry().email("ann@example.com").detail(&detail);
                    audit::record(conn, start + Duration::seconds(i), Event::SignInFailure, entry)?;
                }
                for i in 0..3 {
                    let who = audit::Who::account(&ann_id, Some("5e55104d-aaaa"), None);
                    audit::record(conn, start + Duration::seconds(100 + i), Event::Logout, who.entry())?;
                }
                for i in 0..5 {
                    let who = audit::Who::default();
                    audit::record(conn, start + Duration::seconds(200 + i), Event::SignInFailure, who.entry().email("bob@example.com"))?;
                }
                Ok(())
            })
            .await
            .unwrap();

        let everything = admin.get("/admin/audit").await;
        assert_eq!(everything.status, StatusCode::OK);
        assert_eq!(audit_rows(&everything.body), 50);
        assert!(everything.body.contains(r#"<option value="logout">Signed out</option>"#));
        assert!(everything.body.contains(r#"<option value="sign_in_failure">Sign-in failed</option>"#));
        // Newest first: Bob's failures came last.
        assert!(everything.body.find("bob@example.com").unwrap() < everything.body.find("Ann Example").unwrap());
        for cookie in ["hrms_access", "hrms_refresh"] {
            assert!(!everything.body.contains(&admin.cookie(cookie).unwrap()), "a token on the audit page");
        }

        // By user: entries naming the email, and entries by the account with that email.
        let ann = admin.get("/admin/audit?user=ANN%40example.com").await;
        assert!(ann.body.contains("Showing 1–50 of 63 entries"), "{}", ann.body);
        assert!(!ann.body.contains("bob@example.com"));
        assert!(ann.body.contains(r#"href="/admin/audit?user=ann%40example.com&#38;page=2""#));
        let logouts = admin.get("/admin/audit?user=ann%40example.com&event=logout").await;
        assert_eq!(audit_rows(&logouts.body), 3);
        assert!(logouts.body.contains("Ann Example") && logouts.body.contains("<code>5e55104d</code>"));
        assert!(logouts.body.contains(r#"<option value="logout" selected>"#));

        // Two pages of Ann's failures: every entry once, none twice.
        let first = admin.get("/admin/audit?user=ann%40example.com&event=sign_in_failure").await;
        assert!(first.body.contains("Page 1 of 2"));
        let next = r#"href="/admin/audit?user=ann%40example.com&#38;event=sign_in_failure&#38;page=2""#;
        assert!(first.body.contains(next), "the next link keeps both filters");
        let second = admin.get("/admin/audit?user=ann%40example.com&event=sign_in_failure&page=2").await;
        assert_eq!((audit_rows(&first.body), audit_rows(&second.body)), (50, 10));
        assert!(first.body.contains("attempt 59") && second.body.contains("attempt 00"));
        for i in 0..60 {
            let needle = format!("attempt {i:02}");
            let seen = first.body.matches(&needle).count() + second.body.matches(&needle).count();
            assert_eq!(seen, 1, "{needle}");
        }
        assert!(second.body.contains(r#"href="/admin/audit?user=ann%40example.com&#38;event=sign_in_failure""#));

        let nobody = admin.get("/admin/audit?user=nobody%40example.com").await;
        assert_eq!(audit_rows(&nobody.body), 0);
        assert!(nobody.body.contains("No entries match these filters."));
    }

    async fn admin_actions_are_in_the_audit_log_with_who_did_them() {
        let app = TestApp::new().await;
        let mut admin = admin(&app).await;
        let id = app.create_user("subject@example.com", "Sam Subject", Role::Employee).await;
        act(&mut admin, &id, "role", &[("role", "admin")]).await;
        act(&mut admin, &id, "deactivate", &[]).await;
        let res = admin.get("/admin/audit?user=subject%40example.com").await;
        assert_eq!(audit_rows(&res.body), 2);
        assert!(res.body.contains("Account deactivated") && res.body.contains("Role changed"));
        assert!(res.body.contains("Ada Admin"), "who did it");
        assert!(res.body.contains("subject@example.com: employee -&#62; admin; 0 session(s) signed out"));
        // And under the admin's own email too.
        let by_admin = admin.get("/admin/audit?user=admin%40example.com&event=user_deactivated").await;
        assert_eq!(audit_rows(&by_admin.body), 1);
    }

    async fn the_users_page_breaks_emails_only_before_the_at_escaped_and_stacks_with_labels() {
        let app = TestApp::new().await;
        let mut admin = admin(&app).await;
        app.create_user("x<b>&y@corp.example", "Odd Address", Role::Employee).await;
        let res = admin.get("/admin/users").await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.body.contains(concat!(
            r#"<span class="who-email"><span class="email"><span class="email-part">admin</span><wbr>"#,
            r#"<span class="email-part">@example.com</span></span></span>"#
        )));
        // The halves are still HTML-escaped: markup in an address stays text.
        assert!(res.body.contains(r#"<span class="email-part">x&#60;b&#62;&#38;y</span><wbr><span class="email-part">@corp.example</span>"#), "{}", res.body);
        assert!(!res.body.contains("x<b>"));
        assert!(res.body.contains(r#"<div class="table-wrap" tabindex="0" role="region" aria-label="User accounts">"#));
        for label in ["Role", "Status", "Created"] {
            assert_eq!(res.body.matches(&format!(r#"data-label="{label}""#)).count(), 2, "{label}");
        }
    }
}
