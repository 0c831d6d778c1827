//! Rules the domain layer enforces on every path, each pinned by a test that
//! failed before it: who may end an Admin's employment, what a rehire does to
//! the account, the last Admin on the command line, where pending leave goes
//! when the manager changes or leaves, NUL bytes in addresses, and the layout
//! of error pages.

use std::io::Cursor;

use axum::http::StatusCode;
use hrms::config::{DatabaseArgs, UserCommand};
use hrms::models::employee::{self, EmployeeStatus};
use hrms::models::leave::{self, LeaveRequest};
use hrms::models::user::{self, Role, User};
use time::macros::date;

use crate::employees::{account, post_record, record, record_fields};
use crate::helpers::{Browser, PASSWORD, Response, TestApp, claims_of};
use crate::leave::employee_record;

/// Someone signed in, with an employee record linked to their account.
struct Person {
    browser: Browser,
    employee_id: String,
    user_id: String,
}

/// An account of `role` with a linked, active employee record, signed in.
async fn person(app: &TestApp, name: &str, email: &str, role: Role, manager_id: Option<&str>) -> Person {
    let user_id = app.create_user(email, name, role).await;
    let employee_id =
        employee_record(app, name, email, Some(user_id.clone()), manager_id, EmployeeStatus::Active).await;
    let mut browser = app.browser();
    let res = browser.sign_in(email, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "sign-in failed: {}", res.body);
    Person { browser, employee_id, user_id }
}

async fn account_by_email(app: &TestApp, email: &str) -> User {
    let email = email.to_owned();
    app.state.db.run(move |conn| Ok(user::find_by_email(conn, &email)?)).await.expect("lookup").expect("exists")
}

async fn leave_request(app: &TestApp, id: &str) -> LeaveRequest {
    let id = id.to_owned();
    app.state.db.run(move |conn| Ok(leave::find_request(conn, &id)?)).await.expect("leave request")
}

/// Ends the employment of `id` on the termination page, with today (the
/// tests' 1 June 2026) as the last working day.
async fn terminate(browser: &mut Browser, id: &str) -> Response {
    let page = format!("/employees/{id}/terminate");
    let fields = [("last_working_day", "2026-06-01"), ("reason", "Resigned")];
    browser.submit(&page, &page, &fields).await
}

/// Requests a week's annual leave from 8 June 2026; returns the new request's id.
async fn request_leave(app: &TestApp, who: &mut Person) -> String {
    let fields = [("leave_type_id", "annual"), ("first_day", "2026-06-08"), ("last_day", "2026-06-12"), ("reason", "")];
    let res = who.browser.submit("/leave/new", "/leave", &fields).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "request refused: {}", res.body);
    let id = who.employee_id.clone();
    let mine = app.state.db.run(move |conn| Ok(leave::requests_of(conn, &id)?)).await.expect("requests");
    mine.into_iter().find(|r| r.first_day == date!(2026 - 06 - 08)).expect("stored").id
}

async fn decide(browser: &mut Browser, id: &str, decision: &str, comment: &str) -> Response {
    browser
        .submit("/leave/approvals", &format!("/leave/{id}/decide"), &[("decision", decision), ("comment", comment)])
        .await
}

/// The `<title>` of a page, for failure messages.
fn title(body: &str) -> &str {
    let start = body.find("<title>").map_or(0, |i| i + "<title>".len());
    let end = body[start..].find("</title>").map_or(body.len(), |i| start + i);
    &body[start..end]
}

/// Runs `hrms user set-role` as an operator would.
async fn set_role(app: &TestApp, email: &str, role: Role) -> anyhow::Result<()> {
    let cmd =
        UserCommand::SetRole { email: email.into(), role, db: DatabaseArgs { database_url: app.database_url.clone() } };
    tokio::task::spawn_blocking(move || hrms::commands::user_blocking(cmd, &mut Cursor::new("")))
        .await
        .expect("the command ran")
}

backend_tests! {
    async fn hr_cannot_end_the_employment_of_an_admins_record() {
        let app = TestApp::new().await;
        let mut hr = person(&app, "Hana HR", "hana@example.com", Role::Hr, None).await;
        let mut ada = person(&app, "Ada Admin", "ada@example.com", Role::Admin, None).await;
        let ada_sid = claims_of(&ada.browser.cookie("hrms_access").expect("signed in")).sid;

        // The terminate button.
        let res = terminate(&mut hr.browser, &ada.employee_id).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "HR ended an Admin's employment: {}", res.body);

        // The edit form, with every field unchanged but the status.
        let fields = record_fields(&record(&app, &ada.employee_id).await, &[("status", "terminated")]);
        let res = post_record(&mut hr.browser, &ada.employee_id, &fields).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "HR terminated an Admin through the edit form: {}", res.body);

        assert_eq!(record(&app, &ada.employee_id).await.status(), EmployeeStatus::Active);
        assert!(account(&app, &ada.user_id).await.active, "the last Admin account must stay active");
        let session = app.session(&ada_sid).await;
        assert_eq!((session.revoked_at, session.revoked_reason), (None, None), "the Admin's sessions stay");
        assert_eq!(ada.browser.get("/admin/users").await.status, StatusCode::OK, "still signed in as Admin");
        assert_eq!(app.count_events("employee_terminated").await, 0);
    }

    async fn ending_employment_never_leaves_the_portal_without_an_active_admin() {
        // The rule lives in `accounts::end_employment`, whoever calls it: even
        // with an Admin's power (the operator), the last active Admin's
        // record cannot be ended, and nothing is written.
        let app = TestApp::new().await;
        let ada = person(&app, "Ada Admin", "ada@example.com", Role::Admin, None).await;
        let (record_id, now) = (ada.employee_id.clone(), app.now());
        let outcome = app
            .state
            .db
            .atomic(move |conn| {
                let record = employee::find(conn, &record_id)?;
                hrms::domain::accounts::end_employment(conn, &hrms::access::Actor::operator(), &record, now.date(), None, now)
            })
            .await;
        match outcome {
            Err(hrms::error::AppError::Conflict { message, .. }) => assert!(message.contains("last active Admin")),
            other => panic!("the last Admin's employment was ended: {:?}", other.map(|ids| ids.len())),
        }
        assert_eq!(record(&app, &ada.employee_id).await.status(), EmployeeStatus::Active);
        assert!(account(&app, &ada.user_id).await.active);

        // With a second active Admin, it may end.
        app.create_user("ben@example.com", "Ben Admin", Role::Admin).await;
        let (record_id, now) = (ada.employee_id.clone(), app.now());
        let revoked = app
            .state
            .db
            .atomic(move |conn| {
                let record = employee::find(conn, &record_id)?;
                hrms::domain::accounts::end_employment(conn, &hrms::access::Actor::operator(), &record, now.date(), None, now)
            })
            .await
            .expect("ended with another Admin left");
        assert_eq!(revoked.len(), 1, "Ada's session ends");
        assert!(!account(&app, &ada.user_id).await.active);
    }

    async fn rehiring_does_not_reactivate_an_account_an_admin_deactivated() {
        let app = TestApp::new().await;
        let mut hr = person(&app, "Hana HR", "hana@example.com", Role::Hr, None).await;
        let tom = person(&app, "Tom Leaving", "tom@example.com", Role::Employee, None).await;

        assert_eq!(terminate(&mut hr.browser, &tom.employee_id).await.status, StatusCode::SEE_OTHER);
        assert!(record(&app, &tom.employee_id).await.is_terminated());
        assert!(!account(&app, &tom.user_id).await.active, "termination deactivates the account");

        // Rehired through the edit form.
        let fields = record_fields(&record(&app, &tom.employee_id).await, &[("status", "active")]);
        let res = post_record(&mut hr.browser, &tom.employee_id, &fields).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(record(&app, &tom.employee_id).await.status(), EmployeeStatus::Active, "the record is active again");

        // Reactivating the account is an Admin's decision, not a side effect of HR's edit.
        assert!(!account(&app, &tom.user_id).await.active, "HR's rehire reactivated the account");
        let mut again = app.browser();
        assert_eq!(again.sign_in("tom@example.com", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    }

    async fn the_command_line_cannot_demote_the_last_admin() {
        let app = TestApp::new().await;
        app.create_user("ada@example.com", "Ada Admin", Role::Admin).await;

        let outcome = set_role(&app, "ada@example.com", Role::Employee).await;
        let error = match outcome {
            Ok(()) => panic!("set-role demoted the last active Admin"),
            Err(e) => format!("{e:#}"),
        };
        let lower = error.to_lowercase();
        assert!(lower.contains("last") && lower.contains("admin"), "the error should mention the last Admin: {error}");
        assert_eq!(account_by_email(&app, "ada@example.com").await.role().unwrap(), Role::Admin);
        assert_eq!(app.count_events("role_changed").await, 0);

        // With a second active Admin, the first may step down.
        app.create_user("ben@example.com", "Ben Admin", Role::Admin).await;
        set_role(&app, "ada@example.com", Role::Employee).await.expect("set-role with another Admin left");
        assert_eq!(account_by_email(&app, "ada@example.com").await.role().unwrap(), Role::Employee);
    }

    async fn pending_leave_follows_the_new_manager() {
        let app = TestApp::new().await;
        let mut hr = person(&app, "Hana HR", "hana@example.com", Role::Hr, None).await;
        let mut mia = person(&app, "Mia Manager", "mia@example.com", Role::Employee, None).await;
        let mut max = person(&app, "Max Manager", "max@example.com", Role::Employee, None).await;
        let mut rob = person(&app, "Rob Report", "rob@example.com", Role::Employee, Some(&mia.employee_id)).await;
        let id = request_leave(&app, &mut rob).await;
        assert_eq!(leave_request(&app, &id).await.approver_employee_id.as_deref(), Some(mia.employee_id.as_str()));

        let fields = record_fields(&record(&app, &rob.employee_id).await, &[("manager_id", &max.employee_id)]);
        let res = post_record(&mut hr.browser, &rob.employee_id, &fields).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(record(&app, &rob.employee_id).await.manager_id.as_deref(), Some(max.employee_id.as_str()));

        let moved = leave_request(&app, &id).await;
        assert_eq!(
            moved.approver_employee_id.as_deref(),
            Some(max.employee_id.as_str()),
            "the pending request must go to the new manager at once"
        );
        let decide_form = format!("/leave/{id}/decide");
        assert!(max.browser.get("/leave/approvals").await.body.contains(&decide_form), "Max's queue lacks it");
        assert!(!mia.browser.get("/leave/approvals").await.body.contains(&decide_form), "Mia's queue still has it");
        let res = decide(&mut mia.browser, &id, "approve", "").await;
        let refused = res.status == StatusCode::FORBIDDEN || res.status == StatusCode::NOT_FOUND;
        assert!(refused, "Mia may no longer decide it, but got {}", res.status);
        assert_eq!(leave_request(&app, &id).await.status, "pending");

        assert_eq!(decide(&mut max.browser, &id, "approve", "").await.status, StatusCode::SEE_OTHER);
        assert_eq!(leave_request(&app, &id).await.status, "approved");
    }

    async fn pending_leave_goes_to_hr_when_the_manager_leaves() {
        let app = TestApp::new().await;
        let mut hr = person(&app, "Hana HR", "hana@example.com", Role::Hr, None).await;
        let mia = person(&app, "Mia Manager", "mia@example.com", Role::Employee, None).await;
        let mut rob = person(&app, "Rob Report", "rob@example.com", Role::Employee, Some(&mia.employee_id)).await;
        let id = request_leave(&app, &mut rob).await;
        assert_eq!(leave_request(&app, &id).await.approver_employee_id.as_deref(), Some(mia.employee_id.as_str()));

        assert_eq!(terminate(&mut hr.browser, &mia.employee_id).await.status, StatusCode::SEE_OTHER);
        assert!(record(&app, &mia.employee_id).await.is_terminated());

        assert_eq!(
            leave_request(&app, &id).await.approver_employee_id,
            None,
            "the pending request must go to HR at once when the manager leaves"
        );
        assert!(hr.browser.get("/leave/approvals").await.body.contains(&format!("/leave/{id}/decide")));
        assert_eq!(decide(&mut hr.browser, &id, "approve", "").await.status, StatusCode::SEE_OTHER);
        assert_eq!(leave_request(&app, &id).await.status, "approved");
    }

    async fn a_nul_byte_in_an_id_or_query_is_not_a_database_error() {
        let app = TestApp::new().await;
        // HR: every one of these pages reaches the database.
        let mut hr = person(&app, "Hana HR", "hana@example.com", Role::Hr, None).await;
        let mut wrong = Vec::new();
        for path in ["/employees/%00abc", "/employees/%00abc/edit", "/leave/%00", "/departments/%00/edit"] {
            let res = hr.browser.get(path).await;
            if res.status != StatusCode::NOT_FOUND {
                wrong.push(format!("GET {path}: {} {:?}, expected 404", res.status, title(&res.body)));
            }
        }
        for path in ["/employees?q=%00", "/employees?title=%00", "/employees?department=%00"] {
            let res = hr.browser.get(path).await;
            if res.status != StatusCode::OK && res.status != StatusCode::NOT_FOUND {
                wrong.push(format!("GET {path}: {} {:?}, expected 200 or 404", res.status, title(&res.body)));
            }
        }
        assert!(wrong.is_empty(), "a NUL byte is treated as a database failure:\n{}", wrong.join("\n"));
        // Still answering normally afterwards.
        assert_eq!(hr.browser.get("/employees").await.status, StatusCode::OK);
    }

    async fn error_pages_keep_the_signed_in_layout() {
        let app = TestApp::new().await;
        let mut eve = person(&app, "Eve Staff", "eve@example.com", Role::Employee, None).await;
        let pages = [("/admin/users", StatusCode::FORBIDDEN), ("/employees/does-not-exist", StatusCode::NOT_FOUND)];
        for (path, status) in pages {
            let res = eve.browser.get(path).await;
            assert_eq!(res.status, status, "GET {path}");
            let title = title(&res.body);
            assert!(res.body.contains(r#"action="/logout""#), "GET {path}: no sign-out button on {title:?}");
            assert!(res.body.contains("Eve Staff"), "GET {path}: the signed-in person is not named");
            assert!(!res.body.contains("Sign in"), "GET {path}: offers to sign in to someone signed in");
        }
    }
}
