//! The dashboard per role, and the demo organisation it is usually seen with.

use std::collections::HashMap;

use axum::http::StatusCode;
use diesel::prelude::*;
use hrms::db::schema::{departments, employees, leave_requests};
use hrms::demo::{self, Organisation};
use hrms::models::leave::{self, LeaveStatus, NewLeaveRequest};
use hrms::models::new_id;
use hrms::models::user::Role;
use time::Duration;

use crate::helpers::{Browser, PASSWORD, TestApp};

async fn demo_app() -> (TestApp, Organisation) {
    let app = TestApp::new().await;
    let hash = app.state.passwords.hash(PASSWORD.to_owned()).await.unwrap();
    let now = app.now();
    let org =
        app.state.db.run(move |conn| Ok(demo::fill(conn, now, &hash, demo::DEFAULT_PEOPLE)?)).await.expect("demo");
    (app, org)
}

async fn signed_in(app: &TestApp, email: &str) -> Browser {
    let mut browser = app.browser();
    assert_eq!(browser.sign_in(email, PASSWORD).await.status, StatusCode::SEE_OTHER, "{email}");
    browser
}

/// Inserts a request of `employee_id` in `status`, starting `from_today` days from now.
async fn leave_of(
    app: &TestApp,
    employee_id: &str,
    approver: Option<String>,
    status: LeaveStatus,
    from_today: i64,
    days: i64,
) {
    let (employee_id, now) = (employee_id.to_owned(), app.now());
    app.state
        .db
        .run(move |conn| {
            let first = now.date() + Duration::days(from_today);
            let last = first + Duration::days(days - 1);
            leave::insert_request(
                conn,
                &NewLeaveRequest {
                    id: &new_id(),
                    employee_id: &employee_id,
                    leave_type_id: "annual",
                    first_day: first,
                    last_day: last,
                    half_day: false,
                    half_days: hrms::domain::leave::rules::working_half_days(first, last, false, &[]),
                    reason: "",
                    status: status.as_str(),
                    approver_employee_id: approver.as_deref(),
                    created_at: now,
                    updated_at: now,
                },
            )?;
            Ok(())
        })
        .await
        .unwrap();
}

backend_tests! {
    async fn the_demo_builds_a_believable_organisation() {
        let (app, org) = demo_app().await;
        assert_eq!(org.people.len(), 200);
        let (people, with_manager, heads, statuses) = app
            .state
            .db
            .run(|conn| {
                let people: i64 = employees::table.count().get_result(conn)?;
                let with_manager: i64 = employees::table.filter(employees::manager_id.is_not_null()).count().get_result(conn)?;
                let heads: i64 = departments::table.filter(departments::head_employee_id.is_not_null()).count().get_result(conn)?;
                let statuses: Vec<String> = leave_requests::table.select(leave_requests::status).distinct().load(conn)?;
                Ok((people, with_manager, heads, statuses))
            })
            .await
            .unwrap();
        assert_eq!((people, with_manager, heads), (200, 199, 8), "one CEO, everyone else reports to someone, 8 heads");
        for status in ["approved", "pending", "rejected"] {
            assert!(statuses.iter().any(|s| s == status), "no {status} leave in the demo");
        }
        // Nobody is over their allowance, and nobody's leave overlaps their own.
        let requests = app.state.db.run(|conn| Ok(leave_requests::table.select(leave::LeaveRequest::as_select()).load(conn)?)).await.unwrap();
        let mut by_person: HashMap<&str, Vec<&leave::LeaveRequest>> = HashMap::new();
        for r in requests.iter().filter(|r| r.status() != LeaveStatus::Rejected) {
            by_person.entry(r.employee_id.as_str()).or_default().push(r);
        }
        for (person, list) in &by_person {
            for (i, a) in list.iter().enumerate() {
                for b in &list[i + 1..] {
                    assert!(a.last_day < b.first_day || b.last_day < a.first_day, "overlap for {person}");
                }
            }
            let annual: i32 = list.iter().filter(|r| r.leave_type_id == "annual" && r.first_day.year() == 2026).map(|r| r.half_days).sum();
            assert!(annual <= 50, "{person} has {annual} half days of annual leave in 2026");
        }
        assert!(!app.state.db.run(|conn| Ok(demo::is_empty(conn)?)).await.unwrap(), "a second fill is refused");
        // Every showcased account signs in.
        for (_, email) in org.showcase() {
            signed_in(&app, email).await;
        }
    }

    async fn an_employee_sees_their_own_things_and_nothing_of_hr_or_admin() {
        let (app, org) = demo_app().await;
        let me = org.people.iter().rev().find(|p| p.role == Role::Employee).unwrap();
        // A colleague with the same manager is away this week.
        let colleague = org.people.iter().find(|p| p.manager_id == me.manager_id && p.employee_id != me.employee_id).unwrap();
        leave_of(&app, &colleague.employee_id, colleague.manager_id.clone(), LeaveStatus::Approved, 0, 3).await;
        let page = signed_in(&app, &me.email).await.get("/dashboard").await;
        assert_eq!(page.status, StatusCode::OK);
        for expected in ["Your profile", &me.name, "Annual leave", "days left", "Out this week", &colleague.name, "Your recent requests"] {
            assert!(page.body.contains(expected), "missing {expected:?}");
        }
        for hidden in ["Headcount by department", "Pending leave, company-wide", "Recent security events", "Waiting for your decision"] {
            assert!(!page.body.contains(hidden), "an employee sees {hidden:?}");
        }
    }

    async fn a_manager_sees_requests_waiting_for_them() {
        let (app, org) = demo_app().await;
        let lead = &org.people[9]; // the first team lead
        let report = org.people.iter().find(|p| p.manager_id.as_deref() == Some(&lead.employee_id)).unwrap();
        leave_of(&app, &report.employee_id, Some(lead.employee_id.clone()), LeaveStatus::Pending, 14, 2).await;
        let page = signed_in(&app, &lead.email).await.get("/dashboard").await;
        assert!(page.body.contains("Waiting for your decision"));
        assert!(page.body.contains(&report.name));
        assert!(!page.body.contains("Headcount by department"));
    }

    async fn hr_sees_headcount_as_a_chart_and_every_pending_request() {
        let (app, org) = demo_app().await;
        let hr = org.people.iter().find(|p| p.role == Role::Hr).unwrap();
        let page = signed_in(&app, &hr.email).await.get("/dashboard").await;
        assert!(page.body.contains("Headcount by department"));
        assert!(page.body.contains("<svg class=\"chart\""), "server-rendered SVG");
        // Engineering is the largest: 1 head + 3 leads + 48 members.
        assert!(page.body.contains("Engineering: 52."), "the chart's text alternative gives the counts");
        assert!(page.body.contains("Pending leave, company-wide"));
        assert!(!page.body.contains("<script"));
        assert!(!page.body.contains("Recent security events"));
    }

    async fn an_admin_also_sees_recent_security_events() {
        let (app, org) = demo_app().await;
        app.browser().sign_in("intruder@example.com", "guessing at random").await;
        let admin = org.people.iter().find(|p| p.role == Role::Admin).unwrap();
        let page = signed_in(&app, &admin.email).await.get("/dashboard").await;
        assert!(page.body.contains("Recent security events"));
        assert!(page.body.contains("sign in failure"));
        assert!(page.body.contains("intruder@example.com"));
        assert!(page.body.contains("Headcount by department"), "Admins can do all HR can");
    }

    async fn a_new_admin_is_guided_through_the_first_steps_until_they_are_done() {
        let app = TestApp::new().await;
        app.create_user("ada@example.com", "Ada Admin", Role::Admin).await;
        let mut ada = signed_in(&app, "ada@example.com").await;
        let page = ada.get("/dashboard").await;
        assert!(page.body.contains("Getting started"), "{}", page.body);
        assert!(page.body.contains(r#"href="/employees/new?for=me""#), "a way to create one's own record");
        assert!(page.body.contains(r#"href="/employees/import""#) && page.body.contains(r#"href="/departments""#));
        assert!(page.body.contains("No one is on record yet"), "the empty headcount card says what would be there");
        assert!(!page.body.contains("ask HR"), "an Admin is not told to ask HR for a record");

        let form = ada.get("/employees/new?for=me").await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.body.contains(r#"value="Ada Admin""#) && form.body.contains(r#"value="ada@example.com""#), "filled in");
        let fields = [
            ("employee_number", "E-1"),
            ("full_name", "Ada Admin"),
            ("work_email", "ada@example.com"),
            ("job_title", "Founder"),
            ("department_id", ""),
            ("manager_id", ""),
            ("hire_date", "2026-01-05"),
            ("phone", ""),
            ("status", "active"),
        ];
        let res = ada.submit("/employees/new?for=me", "/employees", &fields).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let page = ada.get("/dashboard").await;
        assert!(page.body.contains("Your profile") && page.body.contains("Founder"), "the record is linked to her account");
        assert!(page.body.contains(r#"<li class="step-done">"#) && page.body.contains("Getting started"));

        let res = ada.submit("/departments", "/departments", &[("name", "Engineering"), ("head_employee_id", "")]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let bo = [("employee_number", "E-2"), ("full_name", "Bo Builder"), ("work_email", "bo@example.com"), ("job_title", "Engineer"), ("department_id", ""), ("manager_id", ""), ("hire_date", "2026-02-02"), ("phone", ""), ("status", "active")];
        assert_eq!(ada.submit("/employees/new", "/employees", &bo).await.status, StatusCode::SEE_OTHER);
        let page = ada.get("/dashboard").await;
        assert!(!page.body.contains("Getting started"), "all three steps done: the card is gone");

        app.create_user("eve@example.com", "Eve Employee", Role::Employee).await;
        let page = signed_in(&app, "eve@example.com").await.get("/dashboard").await;
        assert!(!page.body.contains("Getting started"), "employees add nobody");
    }

    async fn an_account_without_an_employee_record_still_gets_a_dashboard() {
        let app = TestApp::new().await;
        let page = app.signed_in("solo@example.com").await.get("/dashboard").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("not linked to an employee record"));
    }
}
