//! Leave: requesting (working days, overlaps, balances, form errors), routing
//! to the manager or HR, deciding, cancelling, who may see and do what, the
//! settings HR maintains, and the audit trail. "Today" is the TestApp clock's
//! Monday 1 June 2026.

use axum::http::StatusCode;
use diesel::prelude::*;
use hrms::db::schema::employees;
use hrms::domain::leave::Balance;
use hrms::models::department::{self, NewDepartment};
use hrms::models::employee::{self, EmployeeStatus, NewEmployee};
use hrms::models::leave::{self, LeaveRequest};
use hrms::models::new_id;
use hrms::models::user::Role;
use time::Date;
use time::macros::date;

use crate::helpers::{Browser, PASSWORD, Response, TestApp};

/// Someone signed in, with an employee record linked to their account.
pub struct Person {
    pub browser: Browser,
    pub employee_id: String,
}

/// An employee record, linked to `user_id` when given.
pub async fn employee_record(
    app: &TestApp,
    name: &str,
    email: &str,
    user_id: Option<String>,
    manager_id: Option<&str>,
    status: EmployeeStatus,
) -> String {
    let (name, email, manager_id, now) = (name.to_owned(), email.to_owned(), manager_id.map(str::to_owned), app.now());
    app.state
        .db
        .run(move |conn| {
            let id = new_id();
            let number = format!("E{}", &id[..8]);
            let record = NewEmployee {
                id: &id,
                employee_number: &number,
                user_id: user_id.as_deref(),
                full_name: &name,
                work_email: &email,
                job_title: "Engineer",
                department_id: None,
                manager_id: manager_id.as_deref(),
                hire_date: date!(2024 - 01 - 15),
                phone: "",
                status: status.as_str(),
                created_at: now,
                updated_at: now,
            };
            assert!(employee::insert(conn, &record)?);
            Ok(id)
        })
        .await
        .expect("employee")
}

pub async fn person(app: &TestApp, name: &str, email: &str, role: Role, manager_id: Option<&str>) -> Person {
    let user_id = app.create_user(email, name, role).await;
    let employee_id = employee_record(app, name, email, Some(user_id), manager_id, EmployeeStatus::Active).await;
    let mut browser = app.browser();
    let res = browser.sign_in(email, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "sign-in failed: {}", res.body);
    Person { browser, employee_id }
}

/// Submits the request form.
async fn request_leave(browser: &mut Browser, leave_type: &str, first: &str, last: &str, half_day: bool) -> Response {
    let mut fields = vec![("leave_type_id", leave_type), ("first_day", first), ("last_day", last), ("reason", "")];
    if half_day {
        fields.push(("half_day", "1"));
    }
    browser.submit("/leave/new", "/leave", &fields).await
}

/// Requests leave that must be accepted, and returns the new request's id.
pub async fn requested(app: &TestApp, who: &mut Person, leave_type: &str, first: &str, last: &str) -> String {
    let res = request_leave(&mut who.browser, leave_type, first, last, false).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "request refused: {}", res.body);
    assert_eq!(res.location(), "/leave?notice=requested");
    let first = parse(first);
    requests_of(app, &who.employee_id).await.into_iter().find(|r| r.first_day == first).expect("stored").id
}

fn parse(day: &str) -> Date {
    Date::parse(day, time::macros::format_description!("[year]-[month]-[day]")).expect("date")
}

async fn requests_of(app: &TestApp, employee_id: &str) -> Vec<LeaveRequest> {
    let id = employee_id.to_owned();
    app.state.db.run(move |conn| Ok(leave::requests_of(conn, &id)?)).await.expect("requests")
}

async fn request(app: &TestApp, id: &str) -> LeaveRequest {
    let id = id.to_owned();
    app.state.db.run(move |conn| Ok(leave::find_request(conn, &id)?)).await.expect("request")
}

async fn balance(app: &TestApp, employee_id: &str, leave_type: &str) -> Balance {
    let (id, leave_type) = (employee_id.to_owned(), leave_type.to_owned());
    let all =
        app.state.db.run(move |conn| Ok(hrms::domain::leave::balances(conn, &id, 2026)?)).await.expect("balances");
    all.into_iter().find(|b| b.leave_type.id == leave_type).expect("type")
}

pub async fn decide(browser: &mut Browser, id: &str, decision: &str, comment: &str) -> Response {
    browser
        .submit("/leave/approvals", &format!("/leave/{id}/decide"), &[("decision", decision), ("comment", comment)])
        .await
}

pub async fn cancel(browser: &mut Browser, id: &str) -> Response {
    browser.submit("/leave", &format!("/leave/{id}/cancel"), &[]).await
}

async fn add_holiday(app: &TestApp, day: Date, name: &str) {
    let name = name.to_owned();
    app.state.db.run(move |conn| Ok(leave::add_holiday(conn, &new_id(), day, &name)?)).await.expect("holiday");
}

/// An employee with a manager, and the manager.
pub async fn team(app: &TestApp) -> (Person, Person) {
    let manager = person(app, "Mia Manager", "mia@example.com", Role::Employee, None).await;
    let report = person(app, "Rob Report", "rob@example.com", Role::Employee, Some(&manager.employee_id)).await;
    (manager, report)
}

backend_tests! {
    async fn only_working_days_count() {
        let app = TestApp::new().await;
        let mut ann = person(&app, "Ann", "ann@example.com", Role::Employee, None).await;
        // Wednesday 17 June is a public holiday.
        add_holiday(&app, date!(2026 - 06 - 17), "Founders' Day").await;
        // (first, last, half day, half days stored, or None: refused for having no working day)
        let cases: &[(&str, &str, bool, Option<i32>)] = &[
            ("2026-06-08", "2026-06-12", false, Some(10)), // Monday to Friday
            ("2026-06-19", "2026-06-22", false, Some(4)),  // Friday to Monday, over a weekend
            ("2026-06-15", "2026-06-18", false, Some(6)),  // Monday to Thursday with the holiday
            ("2026-06-23", "2026-06-23", true, Some(1)),   // a half day
            ("2026-06-27", "2026-06-27", false, None),     // a Saturday
            ("2026-06-27", "2026-06-28", false, None),     // a weekend
            ("2026-06-17", "2026-06-17", false, None),     // the holiday
        ];
        for &(first, last, half_day, expected) in cases {
            let res = request_leave(&mut ann.browser, "unpaid", first, last, half_day).await;
            match expected {
                Some(half_days) => {
                    assert_eq!(res.status, StatusCode::SEE_OTHER, "{first}..{last}: {}", res.body);
                    let stored = requests_of(&app, &ann.employee_id).await;
                    let r = stored.iter().find(|r| r.first_day == parse(first)).expect("stored");
                    assert_eq!((r.half_days, r.half_day, r.status.as_str()), (half_days, half_day, "pending"), "{first}..{last}");
                }
                None => {
                    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{first}..{last}");
                    assert!(res.body.contains("There are no working days in these dates"), "{first}..{last}: {}", res.body);
                }
            }
        }
        assert_eq!(requests_of(&app, &ann.employee_id).await.len(), 4);
        assert_eq!(app.count_events("leave_requested").await, 4);
    }

    async fn bad_requests_get_a_message_beside_the_field_and_keep_the_values() {
        let app = TestApp::new().await;
        let mut ann = person(&app, "Ann", "ann@example.com", Role::Employee, None).await;
        let long_reason = "x".repeat(501);
        // (type, first, last, half day, reason, field with the error, message)
        let cases: Vec<(&str, &str, &str, bool, &str, &str, &str)> = vec![
            ("annual", "2026-06-12", "2026-06-08", false, "Beach", "last_day", "The last day cannot be before the first day."),
            ("annual", "2026-06-08", "2026-06-09", true, "Beach", "half_day", "A half day can only be taken on a single day"),
            ("annual", "next monday", "2026-06-09", false, "Beach", "first_day", "Enter the first day as a date, like 2026-06-15."),
            ("annual", "2026-06-08", "", false, "Beach", "last_day", "Enter the last day."),
            ("holiday", "2026-06-08", "2026-06-09", false, "Beach", "leave_type_id", "Choose a type of leave from the list."),
            ("annual", "2026-12-28", "2027-01-04", false, "Beach", "last_day", "Leave cannot run past 31 December."),
            ("annual", "2031-06-02", "2031-06-03", false, "Beach", "first_day", "Choose a day between 1 January 2025 and 31 December 2027."),
            ("annual", "2026-06-08", "2026-06-09", false, &long_reason, "reason", "Use at most 500 characters."),
        ];
        for (leave_type, first, last, half_day, reason, field, message) in cases {
            let mut fields = vec![("leave_type_id", leave_type), ("first_day", first), ("last_day", last), ("reason", reason)];
            if half_day {
                fields.push(("half_day", "1"));
            }
            let res = ann.browser.submit("/leave/new", "/leave", &fields).await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {message}");
            let error = format!(r#"<p class="field-error" id="{field}-error">{message}"#);
            assert!(res.body.contains(&error), "{field}: expected {message:?} in {}", res.body);
            assert!(res.body.contains(&format!(r#"value="{first}""#)), "first day not kept");
            assert!(res.body.contains(&format!(r#"value="{last}""#)), "last day not kept");
            if reason.len() < 100 {
                assert!(res.body.contains(&format!(">{reason}</textarea>")), "reason not kept");
            }
            if half_day {
                assert!(res.body.contains(" checked"), "half day not kept");
            }
        }
        assert!(requests_of(&app, &ann.employee_id).await.is_empty(), "nothing may be stored");
        assert_eq!(app.count_events("leave_requested").await, 0);
    }

    async fn overlapping_pending_or_approved_leave_is_refused_but_not_rejected_or_cancelled() {
        let app = TestApp::new().await;
        let (mut mia, mut rob) = team(&app).await;
        let pending = requested(&app, &mut rob, "annual", "2026-06-08", "2026-06-12").await;
        let approved = requested(&app, &mut rob, "annual", "2026-06-22", "2026-06-26").await;
        assert_eq!(decide(&mut mia.browser, &approved, "approve", "Enjoy").await.status, StatusCode::SEE_OTHER);

        for (first, last, expected) in [
            ("2026-06-12", "2026-06-15", "You already have leave from 8 June 2026 to 12 June 2026 (pending)."),
            ("2026-06-10", "2026-06-10", "You already have leave from 8 June 2026 to 12 June 2026 (pending)."),
            ("2026-06-19", "2026-06-22", "You already have leave from 22 June 2026 to 26 June 2026 (approved)."),
        ] {
            let res = request_leave(&mut rob.browser, "sick", first, last, false).await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{first}..{last}");
            assert!(res.body.contains(expected), "{first}..{last}: {}", res.body);
        }
        assert_eq!(requests_of(&app, &rob.employee_id).await.len(), 2);

        // Once rejected or cancelled, the days are free again.
        assert_eq!(decide(&mut mia.browser, &approved, "approve", "").await.status, StatusCode::CONFLICT);
        assert_eq!(cancel(&mut rob.browser, &pending).await.status, StatusCode::SEE_OTHER);
        let retry = requested(&app, &mut rob, "annual", "2026-06-08", "2026-06-12").await;
        assert_eq!(decide(&mut mia.browser, &retry, "reject", "Release week").await.status, StatusCode::SEE_OTHER);
        requested(&app, &mut rob, "sick", "2026-06-08", "2026-06-10").await;
    }

    async fn balances_count_allowance_taken_pending_and_left() {
        let app = TestApp::new().await;
        let (mut mia, mut rob) = team(&app).await;
        let approved = requested(&app, &mut rob, "annual", "2026-06-08", "2026-06-12").await; // 5 days
        assert_eq!(decide(&mut mia.browser, &approved, "approve", "").await.status, StatusCode::SEE_OTHER);
        let res = request_leave(&mut rob.browser, "annual", "2026-06-15", "2026-06-15", true).await; // 0.5
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        requested(&app, &mut rob, "annual", "2026-06-16", "2026-06-17").await; // 2 days
        let rejected = requested(&app, &mut rob, "annual", "2026-07-06", "2026-07-10").await; // 5, rejected
        assert_eq!(decide(&mut mia.browser, &rejected, "reject", "Busy").await.status, StatusCode::SEE_OTHER);
        requested(&app, &mut rob, "unpaid", "2026-08-03", "2026-08-14").await; // 10 days
        // Next year's leave belongs to next year's balance.
        requested(&app, &mut rob, "annual", "2027-01-04", "2027-01-08").await;

        let annual = balance(&app, &rob.employee_id, "annual").await;
        assert_eq!((annual.allowance, annual.taken, annual.pending, annual.left()), (Some(50), 10, 5, Some(35)));
        let sick = balance(&app, &rob.employee_id, "sick").await;
        assert_eq!((sick.allowance, sick.taken, sick.pending, sick.left()), (Some(20), 0, 0, Some(20)));
        let unpaid = balance(&app, &rob.employee_id, "unpaid").await;
        assert_eq!((unpaid.allowance, unpaid.taken, unpaid.pending, unpaid.left()), (None, 0, 20, None));

        let page = rob.browser.get("/leave").await;
        assert_eq!(page.status, StatusCode::OK);
        for expected in [
            "Balances for 2026",
            r#"<span class="stat-value">17.5</span> <span class="stat-label">days left</span>"#,
            "<dt>Allowance</dt><dd>25 days</dd>",
            "<dt>Taken</dt><dd>5</dd>",
            "<dt>Pending</dt><dd>2.5</dd>",
            "<dt>Allowance</dt><dd>Unlimited</dd>",
            "No limit",
            "<dt>Pending</dt><dd>10</dd>",
        ] {
            assert!(page.body.contains(expected), "/leave lacks {expected:?}");
        }
    }

    async fn more_days_than_are_left_are_refused_with_the_numbers() {
        let app = TestApp::new().await;
        let mut ann = person(&app, "Ann", "ann@example.com", Role::Employee, None).await;
        // 20 working days, pending: they count against what is left.
        requested(&app, &mut ann, "annual", "2026-06-08", "2026-07-03").await;
        let res = request_leave(&mut ann.browser, "annual", "2026-07-06", "2026-07-17", false).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            res.body.contains("You have 5 days of Annual leave left; this request needs 10 days."),
            "{}",
            res.body
        );
        assert!(res.body.contains(r#"id="leave_type_id-error""#));
        // Exactly what is left fits; then nothing does.
        requested(&app, &mut ann, "annual", "2026-07-06", "2026-07-10").await;
        let res = request_leave(&mut ann.browser, "annual", "2026-07-13", "2026-07-13", true).await;
        assert!(res.body.contains("You have 0 days of Annual leave left; this request needs 0.5 days."), "{}", res.body);
        // Other types have their own allowance; unlimited ones have none.
        requested(&app, &mut ann, "sick", "2026-07-13", "2026-07-14").await;
        requested(&app, &mut ann, "unpaid", "2026-07-20", "2026-09-30").await;
    }

    async fn requests_go_to_the_manager_or_to_hr() {
        let app = TestApp::new().await;
        let (mut mia, mut rob) = team(&app).await;
        let gone = employee_record(&app, "Gus Gone", "gus@example.com", None, None, EmployeeStatus::Terminated).await;
        let mut orphan = person(&app, "Olga", "olga@example.com", Role::Employee, Some(&gone)).await;
        let mut solo = person(&app, "Sam", "sam@example.com", Role::Employee, None).await;
        let mut hr = person(&app, "Hana HR", "hana@example.com", Role::Hr, None).await;

        let to_mia = requested(&app, &mut rob, "annual", "2026-06-08", "2026-06-09").await;
        let from_orphan = requested(&app, &mut orphan, "annual", "2026-06-08", "2026-06-09").await;
        let from_solo = requested(&app, &mut solo, "annual", "2026-06-08", "2026-06-09").await;
        assert_eq!(request(&app, &to_mia).await.approver_employee_id.as_deref(), Some(mia.employee_id.as_str()));
        assert_eq!(request(&app, &from_orphan).await.approver_employee_id, None, "a terminated manager cannot decide");
        assert_eq!(request(&app, &from_solo).await.approver_employee_id, None);

        // Mia sees her report's request, and only that.
        let queue = mia.browser.get("/leave/approvals").await;
        assert_eq!(queue.status, StatusCode::OK);
        assert!(queue.body.contains(&format!("/leave/{to_mia}/decide")));
        assert!(!queue.body.contains(&from_solo) && !queue.body.contains(&from_orphan));
        assert!(!queue.body.contains("Everyone else"));

        // HR sees everything else in a second table, routed to HR or not.
        let queue = hr.browser.get("/leave/approvals").await;
        let others = &queue.body[queue.body.find(r#"id="others""#).expect("HR table")..];
        for id in [&to_mia, &from_orphan, &from_solo] {
            assert!(others.contains(&format!("/leave/{id}/decide")), "HR queue lacks {id}");
        }
        // HR decides one routed to HR.
        assert_eq!(decide(&mut hr.browser, &from_solo, "approve", "OK").await.status, StatusCode::SEE_OTHER);
        assert_eq!(request(&app, &from_solo).await.status, "approved");
        let page = solo.browser.get("/leave").await;
        assert!(page.body.contains("HR<br><span class=\"muted\">decided by Hana HR</span>"), "{}", page.body);
        // The manager's own page shows whom each request went to.
        let page = orphan.browser.get(&format!("/leave/{from_orphan}")).await;
        assert!(page.body.contains("<dt>Approver</dt><dd>HR</dd>"), "{}", page.body);
    }

    async fn nobody_decides_their_own_request_not_even_hr() {
        let app = TestApp::new().await;
        let mut hana = person(&app, "Hana HR", "hana@example.com", Role::Hr, None).await;
        let mut adam = person(&app, "Adam Admin", "adam@example.com", Role::Admin, None).await;
        for who in [&mut hana, &mut adam] {
            let id = requested(&app, who, "annual", "2026-06-08", "2026-06-09").await;
            let queue = who.browser.get("/leave/approvals").await;
            assert!(!queue.body.contains(&format!("/leave/{id}/decide")), "own request offered for decision");
            let page = who.browser.get(&format!("/leave/{id}")).await;
            assert_eq!(page.status, StatusCode::OK);
            assert!(!page.body.contains("/decide"), "own request page offers a decision");
            for decision in ["approve", "reject"] {
                let res = decide(&mut who.browser, &id, decision, "Fine by me").await;
                assert_eq!(res.status, StatusCode::FORBIDDEN, "{decision}");
                assert!(res.body.contains("You cannot decide your own leave request"));
            }
            let stored = request(&app, &id).await;
            assert_eq!((stored.status.as_str(), stored.decided_by_user_id), ("pending", None));
        }
        // Another HR person can.
        let hana_request = requests_of(&app, &hana.employee_id).await.remove(0).id;
        assert_eq!(decide(&mut adam.browser, &hana_request, "approve", "").await.status, StatusCode::SEE_OTHER);
        assert_eq!(request(&app, &hana_request).await.status, "approved");
        assert_eq!(app.count_events("leave_approved").await, 1);
    }

    async fn a_manager_cannot_decide_or_see_a_request_of_someone_who_is_not_their_report() {
        let app = TestApp::new().await;
        let (mut mia, mut rob) = team(&app).await;
        let yan = person(&app, "Yan", "yan@example.com", Role::Employee, None).await;
        let mut xena = person(&app, "Xena", "xena@example.com", Role::Employee, Some(&yan.employee_id)).await;
        let xenas = requested(&app, &mut xena, "annual", "2026-06-08", "2026-06-09").await;
        let robs = requested(&app, &mut rob, "annual", "2026-06-08", "2026-06-09").await;

        assert_eq!(mia.browser.get(&format!("/leave/{xenas}")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(decide(&mut mia.browser, &xenas, "approve", "").await.status, StatusCode::NOT_FOUND);
        assert_eq!(request(&app, &xenas).await.status, "pending");
        // Her own report's request she sees and may decide, but not cancel.
        let page = mia.browser.get(&format!("/leave/{robs}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Rob Report") && page.body.contains(&format!("/leave/{robs}/decide")));
        assert_eq!(cancel(&mut mia.browser, &robs).await.status, StatusCode::FORBIDDEN);
        assert_eq!(request(&app, &robs).await.status, "pending");
        assert_eq!(app.count_events("leave_approved").await + app.count_events("leave_cancelled").await, 0);
    }

    async fn an_unrelated_employee_can_neither_see_nor_touch_someone_elses_request() {
        let app = TestApp::new().await;
        let (_mia, mut rob) = team(&app).await;
        let mut eve = person(&app, "Eve", "eve@example.com", Role::Employee, None).await;
        let id = requested(&app, &mut rob, "annual", "2026-06-08", "2026-06-09").await;
        let events_before = app.audit_events().await.len();

        assert_eq!(eve.browser.get(&format!("/leave/{id}")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(cancel(&mut eve.browser, &id).await.status, StatusCode::NOT_FOUND);
        for decision in ["approve", "reject"] {
            assert_eq!(decide(&mut eve.browser, &id, decision, "No").await.status, StatusCode::NOT_FOUND);
        }
        assert!(!eve.browser.get("/leave/approvals").await.body.contains(&id));
        let stored = request(&app, &id).await;
        assert_eq!((stored.status.as_str(), stored.decided_by_user_id, stored.decision_comment), ("pending", None, None));
        assert_eq!(app.audit_events().await.len(), events_before, "nothing may be audited as done");
        // The owner and HR see it.
        assert_eq!(rob.browser.get(&format!("/leave/{id}")).await.status, StatusCode::OK);
        let mut hr = person(&app, "Hana HR", "hana@example.com", Role::Hr, None).await;
        assert_eq!(hr.browser.get(&format!("/leave/{id}")).await.status, StatusCode::OK);
        assert_eq!(app.browser().get(&format!("/leave/{id}")).await.status, StatusCode::SEE_OTHER, "signed out");
    }

    async fn cancelling_pending_leave_and_asking_to_cancel_approved_leave() {
        let app = TestApp::new().await;
        let (mut mia, mut rob) = team(&app).await;

        // Pending: cancelled at once.
        let pending = requested(&app, &mut rob, "annual", "2026-06-08", "2026-06-09").await;
        let res = cancel(&mut rob.browser, &pending).await;
        assert_eq!((res.status, res.location()), (StatusCode::SEE_OTHER, "/leave?notice=cancelled"));
        assert_eq!(request(&app, &pending).await.status, "cancelled");
        assert_eq!(app.count_events("leave_cancelled").await, 1);
        assert_eq!(cancel(&mut rob.browser, &pending).await.status, StatusCode::CONFLICT, "twice");

        // Approved and in the future: goes back to the approver; still counted as taken.
        let approved = requested(&app, &mut rob, "annual", "2026-06-15", "2026-06-19").await;
        assert_eq!(decide(&mut mia.browser, &approved, "approve", "").await.status, StatusCode::SEE_OTHER);
        let page = rob.browser.get("/leave").await;
        assert!(page.body.contains("Ask to cancel"));
        let res = cancel(&mut rob.browser, &approved).await;
        assert_eq!((res.status, res.location()), (StatusCode::SEE_OTHER, "/leave?notice=cancel_requested"));
        assert_eq!(request(&app, &approved).await.status, "cancel_requested");
        assert_eq!(app.count_events("leave_cancel_requested").await, 1);
        assert_eq!(balance(&app, &rob.employee_id, "annual").await.taken, 10);
        let queue = mia.browser.get("/leave/approvals").await;
        assert!(queue.body.contains("Cancellation requested") && queue.body.contains("Approve cancellation"));

        // The approver refuses once (the leave stays), then the employee asks again and she agrees.
        assert_eq!(decide(&mut mia.browser, &approved, "reject", "We need you that week").await.status, StatusCode::SEE_OTHER);
        assert_eq!(request(&app, &approved).await.status, "approved");
        assert_eq!(app.count_events("leave_cancel_rejected").await, 1);
        assert_eq!(cancel(&mut rob.browser, &approved).await.status, StatusCode::SEE_OTHER);
        let res = decide(&mut mia.browser, &approved, "approve", "OK").await;
        assert_eq!((res.status, res.location()), (StatusCode::SEE_OTHER, "/leave/approvals?notice=cancel_approved"));
        let stored = request(&app, &approved).await;
        assert_eq!((stored.status.as_str(), stored.decision_comment.as_deref()), ("cancelled", Some("OK")));
        assert_eq!(app.count_events("leave_cancel_approved").await, 1);
        assert_eq!(balance(&app, &rob.employee_id, "annual").await.taken, 0);

        // Approved leave that has started cannot be cancelled by the employee.
        let today = requested(&app, &mut rob, "annual", "2026-06-01", "2026-06-02").await;
        assert_eq!(decide(&mut mia.browser, &today, "approve", "").await.status, StatusCode::SEE_OTHER);
        let res = cancel(&mut rob.browser, &today).await;
        assert_eq!(res.status, StatusCode::CONFLICT);
        assert!(res.body.contains("This leave has already started"), "{}", res.body);
        assert_eq!(request(&app, &today).await.status, "approved");
    }

    async fn decisions_are_recorded_and_audited_and_cannot_be_made_twice() {
        let app = TestApp::new().await;
        let (mut mia, mut rob) = team(&app).await;
        let first = requested(&app, &mut rob, "annual", "2026-06-08", "2026-06-09").await;
        let second = requested(&app, &mut rob, "annual", "2026-06-15", "2026-06-16").await;

        let res = decide(&mut mia.browser, &first, "approve", "Have fun").await;
        assert_eq!((res.status, res.location()), (StatusCode::SEE_OTHER, "/leave/approvals?notice=approved"));
        let approved = request(&app, &first).await;
        assert_eq!(approved.status, "approved");
        assert_eq!(approved.decision_comment.as_deref(), Some("Have fun"));
        assert_eq!(approved.decided_at, Some(app.now()));
        assert!(approved.decided_by_user_id.is_some());

        // Rejecting needs a comment; the page says so and keeps nothing changed.
        let res = decide(&mut mia.browser, &second, "reject", "  ").await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("Add a comment saying why"), "{}", res.body);
        assert_eq!(request(&app, &second).await.status, "pending");
        let res = decide(&mut mia.browser, &second, "reject", "Team offsite").await;
        assert_eq!(res.location(), "/leave/approvals?notice=rejected");
        assert_eq!(request(&app, &second).await.decision_comment.as_deref(), Some("Team offsite"));
        let res = decide(&mut mia.browser, &second, "maybe", "").await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);

        // Deciding again changes nothing.
        let res = decide(&mut mia.browser, &first, "reject", "Changed my mind").await;
        assert_eq!(res.status, StatusCode::CONFLICT);
        assert!(res.body.contains("no longer waiting for a decision"), "{}", res.body);
        let again = request(&app, &first).await;
        assert_eq!((again.status, again.decision_comment), ("approved".to_owned(), Some("Have fun".to_owned())));

        let events = app.audit_events().await;
        let approved_event = events.iter().find(|e| e.event == "leave_approved").expect("approval audited");
        assert!(approved_event.detail.as_deref().is_some_and(|d| d.contains(&first) && d.contains("pending -> approved")));
        assert_eq!(approved_event.user_id, approved.decided_by_user_id);
        assert_eq!(app.count_events("leave_approved").await, 1);
        assert_eq!(app.count_events("leave_rejected").await, 1);
        // The employee sees the outcome and the comment.
        let page = rob.browser.get("/leave").await;
        assert!(page.body.contains("pill-green") && page.body.contains("Have fun"));
        assert!(page.body.contains("pill-red") && page.body.contains("Team offsite"));
        assert!(page.body.contains("Mia Manager"));
    }

    async fn approving_checks_the_balance_again() {
        let app = TestApp::new().await;
        let (mut mia, mut rob) = team(&app).await;
        let mut hr = person(&app, "Hana HR", "hana@example.com", Role::Hr, None).await;
        let three_weeks = requested(&app, &mut rob, "annual", "2026-06-08", "2026-06-26").await; // 15 days
        let two_weeks = requested(&app, &mut rob, "annual", "2026-07-06", "2026-07-17").await; // 10 days
        // HR lowers the allowance meanwhile: both still pending, 25 days asked, 20 allowed.
        let res = hr.browser.submit("/leave/settings", "/leave/types/annual", &[("allowance", "20")]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);

        assert_eq!(decide(&mut mia.browser, &three_weeks, "approve", "").await.status, StatusCode::SEE_OTHER);
        let res = decide(&mut mia.browser, &two_weeks, "approve", "Sure").await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            res.body.contains("This request needs 10 days, but only 5 days of Annual leave are left for 2026"),
            "{}",
            res.body
        );
        assert!(res.body.contains(">Sure</textarea>"), "comment kept");
        let stored = request(&app, &two_weeks).await;
        assert_eq!((stored.status.as_str(), stored.decided_by_user_id), ("pending", None));
        assert_eq!(app.count_events("leave_approved").await, 1);
        // Rejecting it is still possible.
        assert_eq!(decide(&mut mia.browser, &two_weeks, "reject", "No days left").await.status, StatusCode::SEE_OTHER);
    }

    async fn hr_maintains_allowances_and_public_holidays() {
        let app = TestApp::new().await;
        let mut hr = person(&app, "Hana HR", "hana@example.com", Role::Hr, None).await;
        let mut ann = person(&app, "Ann", "ann@example.com", Role::Employee, None).await;
        assert_eq!(ann.browser.get("/leave/settings").await.status, StatusCode::FORBIDDEN);
        let res = ann.browser.submit("/leave", "/leave/types/annual", &[("allowance", "300")]).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = ann.browser.submit("/leave", "/leave/holidays", &[("day", "2026-06-10"), ("name", "Mine")]).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);

        let page = hr.browser.get("/leave/settings").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Annual leave") && page.body.contains("25 days a year"));

        // Allowances: a whole number from 0 to 366, or empty for unlimited.
        for bad in ["367", "-1", "2.5", "lots"] {
            let res = hr.browser.submit("/leave/settings", "/leave/types/sick", &[("allowance", bad)]).await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
            assert!(res.body.contains("Enter a whole number of days from 0 to 366"), "{bad}");
            assert!(res.body.contains(&format!(r#"value="{bad}""#)), "{bad} not kept");
        }
        let res = hr.browser.submit("/leave/settings", "/leave/types/sick", &[("allowance", "12")]).await;
        assert_eq!((res.status, res.location()), (StatusCode::SEE_OTHER, "/leave/settings?notice=type_saved"));
        assert_eq!(balance(&app, &ann.employee_id, "sick").await.allowance, Some(24));
        let res = hr.browser.submit("/leave/settings", "/leave/types/annual", &[("allowance", "")]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(balance(&app, &ann.employee_id, "annual").await.allowance, None);
        let res = hr.browser.submit("/leave/settings", "/leave/types/parental", &[("allowance", "5")]).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        assert_eq!(app.count_events("leave_type_updated").await, 2);

        // Holidays: added, refused twice on one day, and they stop counting as leave days.
        let res = hr.browser.submit("/leave/settings", "/leave/holidays", &[("day", "2026-06-10"), ("name", "Summer Day")]).await;
        assert_eq!((res.status, res.location()), (StatusCode::SEE_OTHER, "/leave/settings?notice=holiday_added"));
        let res = hr.browser.submit("/leave/settings", "/leave/holidays", &[("day", "2026-06-10"), ("name", "Again")]).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("10 June 2026 is already a public holiday (Summer Day)."), "{}", res.body);
        assert!(res.body.contains(r#"value="Again""#));
        for (day, name, message) in [
            ("", "Nameless", "Enter the day."),
            ("10/06/2026", "Slashes", "Enter the day as a date, like 2026-12-25."),
            ("2029-01-01", "Far", "Choose a day between 1 January 2026 and 31 December 2027."),
            ("2026-06-11", "", "Enter a name for the holiday."),
        ] {
            let res = hr.browser.submit("/leave/settings", "/leave/holidays", &[("day", day), ("name", name)]).await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{day} {name}");
            assert!(res.body.contains(message), "{day} {name}: {}", res.body);
        }
        let page = hr.browser.get("/leave/settings").await;
        assert!(page.body.contains("Summer Day") && page.body.contains("Wednesday, 10 June 2026"));
        let id = requested(&app, &mut ann, "sick", "2026-06-08", "2026-06-12").await;
        assert_eq!(request(&app, &id).await.half_days, 8, "the holiday is not a leave day");

        let holiday = app
            .state
            .db
            .run(|conn| Ok(leave::holiday_on(conn, date!(2026 - 06 - 10))?))
            .await
            .expect("query")
            .expect("holiday");
        let res = hr.browser.submit("/leave/settings", &format!("/leave/holidays/{}/delete", holiday.id), &[]).await;
        assert_eq!((res.status, res.location()), (StatusCode::SEE_OTHER, "/leave/settings?notice=holiday_deleted"));
        assert!(!hr.browser.get("/leave/settings").await.body.contains("Summer Day"));
        let res = hr.browser.submit("/leave/settings", &format!("/leave/holidays/{}/delete", holiday.id), &[]).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        assert_eq!(app.count_events("holiday_added").await, 1);
        assert_eq!(app.count_events("holiday_deleted").await, 1);
    }

    async fn an_account_without_an_employee_record_is_told_to_ask_hr() {
        let app = TestApp::new().await;
        let mut browser = app.signed_in("nobody@example.com").await;
        for path in ["/leave", "/leave/new"] {
            let page = browser.get(path).await;
            assert_eq!(page.status, StatusCode::OK, "{path}");
            assert!(page.body.contains("Your account is not linked to an employee record; ask HR."), "{path}");
        }
        let res = browser
            .submit("/leave", "/leave", &[("leave_type_id", "annual"), ("first_day", "2026-06-08"), ("last_day", "2026-06-08")])
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert_eq!(app.count_events("leave_requested").await, 0);
        let queue = browser.get("/leave/approvals").await;
        assert_eq!(queue.status, StatusCode::OK);
        assert!(queue.body.contains("Nothing is waiting for you"));
    }

    async fn the_leave_page_lists_requests_with_their_status_and_cancel_buttons() {
        let app = TestApp::new().await;
        let (mut mia, mut rob) = team(&app).await;
        let pending = requested(&app, &mut rob, "annual", "2026-06-08", "2026-06-12").await;
        let rejected = requested(&app, &mut rob, "sick", "2026-06-15", "2026-06-15").await;
        assert_eq!(decide(&mut mia.browser, &rejected, "reject", "See a doctor").await.status, StatusCode::SEE_OTHER);
        let page = rob.browser.get("/leave?notice=requested").await;
        assert!(page.body.contains("Your request was sent for approval."));
        assert!(page.body.contains("Mon 8 Jun 2026 – Fri 12 Jun 2026"));
        assert!(page.body.contains(&format!(r#"action="/leave/{pending}/cancel""#)), "pending can be cancelled");
        assert!(!page.body.contains(&format!(r#"action="/leave/{rejected}/cancel""#)), "rejected cannot");
        assert!(page.body.contains("Mia Manager"));
        assert!(rob.browser.get("/leave?notice=%3Cscript%3E").await.body.contains("Your leave"));
        let form = rob.browser.get("/leave/new").await;
        assert!(form.body.contains("Annual leave (20 days left)"), "{}", form.body);
        assert!(form.body.contains("Unpaid leave (unlimited)"));
    }
}

/// A department with `members` (employee ids) in it. Returns its id.
pub async fn department_with(app: &TestApp, name: &str, members: &[&str]) -> String {
    let (name, members, now) = (name.to_owned(), members.iter().map(|m| m.to_string()).collect::<Vec<_>>(), app.now());
    app.state
        .db
        .run(move |conn| {
            let id = new_id();
            let new = NewDepartment { id: &id, name: &name, head_employee_id: None, created_at: now, updated_at: now };
            assert!(department::insert(conn, &new)?);
            for member in &members {
                diesel::update(employees::table.find(member)).set(employees::department_id.eq(&id)).execute(conn)?;
            }
            Ok(id)
        })
        .await
        .expect("department")
}
