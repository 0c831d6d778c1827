//! The leave endpoints of the JSON API: balances by year, requesting,
//! listing, who may see a request, the approvals queue, deciding (and who may
//! not), cancelling, and two decisions at once. "Today" is the TestApp
//! clock's Monday 1 June 2026; annual leave allows 25 days a year.

use axum::http::StatusCode;
use hrms::models::user::Role;
use serde_json::{Value, json};

use crate::helpers::{Api, ApiResponse, TestApp};
use crate::leave::{person, team};

/// Someone with an employee record, signed in through the API.
struct Member {
    api: Api,
    employee_id: String,
}

async fn member(app: &TestApp, name: &str, email: &str, role: Role, manager_id: Option<&str>) -> Member {
    let p = person(app, name, email, role, manager_id).await;
    Member { api: app.api_as(email).await, employee_id: p.employee_id }
}

/// Mia Manager and Rob Report, her direct report, each with an API client.
async fn api_team(app: &TestApp) -> (Member, Member) {
    let (mia, rob) = team(app).await;
    let mia = Member { api: app.api_as("mia@example.com").await, employee_id: mia.employee_id };
    let rob = Member { api: app.api_as("rob@example.com").await, employee_id: rob.employee_id };
    (mia, rob)
}

async fn ask(api: &mut Api, leave_type: &str, first: &str, last: &str) -> ApiResponse {
    api.post("/api/v1/leave/requests", json!({"leave_type_id": leave_type, "first_day": first, "last_day": last})).await
}

/// Requests leave that must be accepted; returns the new request's id.
async fn asked(api: &mut Api, leave_type: &str, first: &str, last: &str) -> String {
    let res = ask(api, leave_type, first, last).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    res.json["id"].as_str().expect("id").to_owned()
}

async fn decide(api: &mut Api, id: &str, decision: &str, comment: &str) -> ApiResponse {
    api.post(&format!("/api/v1/leave/requests/{id}/decision"), json!({"decision": decision, "comment": comment})).await
}

async fn status_of(api: &mut Api, id: &str) -> String {
    let res = api.get(&format!("/api/v1/leave/requests/{id}")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    res.json["status"].as_str().expect("status").to_owned()
}

/// One type's balance from `GET /api/v1/leave/balances` (this year when `year` is empty).
async fn balance(api: &mut Api, year: &str, leave_type: &str) -> Value {
    let path = if year.is_empty() {
        "/api/v1/leave/balances".to_owned()
    } else {
        format!("/api/v1/leave/balances?year={year}")
    };
    let res = api.get(&path).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    res.json.as_array().expect("a list").iter().find(|b| b["leave_type_id"] == leave_type).expect("type").clone()
}

fn ids(res: &ApiResponse) -> Vec<String> {
    res.json["items"].as_array().expect("items").iter().map(|r| r["id"].as_str().expect("id").to_owned()).collect()
}

backend_tests! {
    async fn api_balances_for_this_year_another_year_and_a_bad_year() {
        let app = TestApp::new().await;
        let (mut mia, mut rob) = api_team(&app).await;
        let approved = asked(&mut rob.api, "annual", "2026-06-08", "2026-06-12").await; // 5 days
        assert_eq!(decide(&mut mia.api, &approved, "approve", "").await.status, StatusCode::OK);
        let half = rob
            .api
            .post(
                "/api/v1/leave/requests",
                json!({"leave_type_id": "annual", "first_day": "2026-06-15", "last_day": "2026-06-15", "half_day": true}),
            )
            .await;
        assert_eq!(half.status, StatusCode::CREATED, "{}", half.text);
        assert_eq!((half.json["half_day"].as_bool(), half.json["days"].as_f64()), (Some(true), Some(0.5)));
        asked(&mut rob.api, "annual", "2027-01-04", "2027-01-06").await; // 3 days, next year
        asked(&mut rob.api, "unpaid", "2026-08-03", "2026-08-07").await; // 5 days, unlimited

        // This year, by default and by name.
        for year in ["", "2026"] {
            let annual = balance(&mut rob.api, year, "annual").await;
            assert_eq!(
                annual,
                json!({"year": 2026, "leave_type_id": "annual", "leave_type": "Annual leave", "allowance_days": 25.0,
                       "taken_days": 5.0, "pending_days": 0.5, "left_days": 19.5}),
                "year {year:?}"
            );
            let unpaid = balance(&mut rob.api, year, "unpaid").await;
            assert_eq!((unpaid["allowance_days"].clone(), unpaid["left_days"].clone()), (Value::Null, Value::Null));
            assert_eq!(unpaid["pending_days"], 5.0);
        }
        // Next year's leave counts in next year only; last year is untouched.
        let next = balance(&mut rob.api, "2027", "annual").await;
        assert_eq!((next["year"].as_i64(), next["taken_days"].as_f64(), next["pending_days"].as_f64(), next["left_days"].as_f64()),
                   (Some(2027), Some(0.0), Some(3.0), Some(22.0)));
        let last = balance(&mut rob.api, "2025", "annual").await;
        assert_eq!((last["taken_days"].as_f64(), last["pending_days"].as_f64(), last["left_days"].as_f64()), (Some(0.0), Some(0.0), Some(25.0)));
        // Mia's balances are her own.
        assert_eq!(balance(&mut mia.api, "", "annual").await["taken_days"], 0.0);

        // Years outside 2000..=2100 break a rule; a year that is not a number cannot be read.
        for bad in ["1999", "2101", "-5"] {
            let res = rob.api.get(&format!("/api/v1/leave/balances?year={bad}")).await;
            res.problem(StatusCode::UNPROCESSABLE_ENTITY);
            assert!(res.field_error("year").is_some_and(|m| m.contains("Choose a year from 2000 to 2100")), "{bad}: {}", res.text);
        }
        for bad in ["abc", "2026.5", "99999999999"] {
            let res = rob.api.get(&format!("/api/v1/leave/balances?year={bad}")).await;
            res.problem(StatusCode::BAD_REQUEST);
        }
    }

    async fn api_request_is_created_201_or_refused_422_per_field() {
        let app = TestApp::new().await;
        let (mia, mut rob) = api_team(&app).await;

        let res = rob
            .api
            .post(
                "/api/v1/leave/requests",
                json!({"leave_type_id": "annual", "first_day": "2026-06-08", "last_day": "2026-06-12", "reason": "  Beach  "}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
        let id = res.json["id"].as_str().expect("id").to_owned();
        assert_eq!(res.header("location"), format!("/api/v1/leave/requests/{id}"));
        let body = &res.json;
        assert_eq!(body["employee_id"], rob.employee_id.as_str());
        assert_eq!(body["employee_name"], "Rob Report");
        assert_eq!((body["leave_type_id"].as_str(), body["leave_type"].as_str()), (Some("annual"), Some("Annual leave")));
        assert_eq!((body["first_day"].as_str(), body["last_day"].as_str()), (Some("2026-06-08"), Some("2026-06-12")));
        assert_eq!((body["days"].as_f64(), body["half_day"].as_bool()), (Some(5.0), Some(false)));
        assert_eq!((body["status"].as_str(), body["reason"].as_str()), (Some("pending"), Some("Beach")));
        assert_eq!(body["approver_employee_id"], mia.employee_id.as_str());
        assert_eq!(body["approver_name"], "Mia Manager");
        assert_eq!((body["decided_by"].clone(), body["decided_at"].clone()), (Value::Null, Value::Null));
        assert_eq!(body["created_at"], "2026-06-01T09:00:00Z");
        let again = rob.api.get(res.header("location")).await;
        assert_eq!((again.status, &again.json), (StatusCode::OK, body), "Location shows the same request");
        assert_eq!(app.count_events("leave_requested").await, 1);

        // (type, first, last, half day, the field with the error, part of its message)
        let cases = [
            ("annual", "2026-06-19", "2026-06-15", false, "last_day", "The last day cannot be before the first day."),
            ("annual", "next monday", "2026-06-16", false, "first_day", "Enter the first day as a date, like 2026-06-15."),
            ("annual", "2026-02-30", "2026-03-02", false, "first_day", "Enter the first day as a date"),
            ("annual", "2026-06-15", "", false, "last_day", "Enter the last day."),
            ("annual", "2026-06-15", "2026-06-16", true, "half_day", "A half day can only be taken on a single day"),
            ("annual", "2026-12-28", "2027-01-04", false, "last_day", "Leave cannot run past 31 December."),
            ("annual", "2031-06-02", "2031-06-03", false, "first_day", "Choose a day between 1 January 2025 and 31 December 2027."),
            ("annual", "2026-06-20", "2026-06-21", false, "first_day", "There are no working days in these dates"),
            ("annual", "2026-06-10", "2026-06-16", false, "first_day", "You already have leave"),
            ("holiday", "2026-06-15", "2026-06-16", false, "leave_type_id", "Choose a type of leave from the list."),
            // 20 days are left; 15 June to 17 July is 25 working days.
            ("annual", "2026-06-15", "2026-07-17", false, "leave_type_id", "You have 20 days of Annual leave left; this request needs 25 days."),
        ];
        for (leave_type, first, last, half_day, field, message) in cases {
            let res = rob
                .api
                .post(
                    "/api/v1/leave/requests",
                    json!({"leave_type_id": leave_type, "first_day": first, "last_day": last, "half_day": half_day}),
                )
                .await;
            res.problem(StatusCode::UNPROCESSABLE_ENTITY);
            let error = res.field_error(field);
            assert!(error.as_deref().is_some_and(|m| m.contains(message)), "{field}: expected {message:?} in {}", res.text);
        }
        // A body of the wrong shape is refused as a whole, saying why.
        let res = rob.api.post("/api/v1/leave/requests", json!({"leave_type_id": "annual", "first_day": "2026-06-15"})).await;
        let problem = res.problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(problem["detail"].as_str().is_some_and(|d| d.contains("last_day")), "{}", res.text);
        let res = rob.api.post("/api/v1/leave/requests", json!({"leave_type_id": "annual", "first_day": "2026-06-15", "last_day": "2026-06-15", "half_day": "yes"})).await;
        res.problem(StatusCode::UNPROCESSABLE_ENTITY);

        let list = rob.api.get("/api/v1/leave/requests").await;
        assert_eq!((list.json["total"].as_i64(), ids(&list)), (Some(1), vec![id]), "nothing else may be stored");
        assert_eq!(app.count_events("leave_requested").await, 1);
    }

    async fn api_lists_own_requests_page_by_page() {
        let app = TestApp::new().await;
        let (mut mia, mut rob) = api_team(&app).await;
        let mut made = Vec::new();
        for week in ["2026-06-08", "2026-06-15", "2026-06-22", "2026-06-29", "2026-07-06"] {
            made.push(asked(&mut rob.api, "sick", week, week).await);
        }
        asked(&mut mia.api, "sick", "2026-06-08", "2026-06-08").await;
        // Latest leave first.
        made.reverse();

        let all = rob.api.get("/api/v1/leave/requests").await;
        assert_eq!(all.status, StatusCode::OK, "{}", all.text);
        assert_eq!((all.json["page"].as_i64(), all.json["per_page"].as_i64(), all.json["total"].as_i64()), (Some(1), Some(25), Some(5)));
        assert_eq!(ids(&all), made, "Rob's five, latest first, none of Mia's");

        let mut seen = Vec::new();
        for (page, expected) in [(1, 2), (2, 2), (3, 1), (4, 0)] {
            let res = rob.api.get(&format!("/api/v1/leave/requests?page={page}&per_page=2")).await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.text);
            assert_eq!((res.json["page"].as_i64(), res.json["per_page"].as_i64(), res.json["total"].as_i64()), (Some(page), Some(2), Some(5)));
            assert_eq!(ids(&res).len(), expected, "page {page}");
            seen.extend(ids(&res));
        }
        assert_eq!(seen, made, "the pages together hold every request once");
        let res = rob.api.get("/api/v1/leave/requests?per_page=100").await;
        assert_eq!(ids(&res).len(), 5);

        for (query, field) in [("per_page=101", "per_page"), ("per_page=0", "per_page"), ("page=0", "page"), ("page=-3", "page")] {
            let res = rob.api.get(&format!("/api/v1/leave/requests?{query}")).await;
            res.problem(StatusCode::UNPROCESSABLE_ENTITY);
            assert!(res.field_error(field).is_some(), "{query}: {}", res.text);
        }
        rob.api.get("/api/v1/leave/requests?page=two").await.problem(StatusCode::BAD_REQUEST);
    }

    async fn api_another_teams_request_is_404_to_a_manager_and_to_others() {
        let app = TestApp::new().await;
        let (mut mia, mut rob) = api_team(&app).await;
        let mut yan = member(&app, "Yan", "yan@example.com", Role::Employee, None).await;
        let mut xena = member(&app, "Xena", "xena@example.com", Role::Employee, Some(&yan.employee_id)).await;
        let mut eve = member(&app, "Eve", "eve@example.com", Role::Employee, None).await;
        let mut hana = member(&app, "Hana HR", "hana@example.com", Role::Hr, None).await;
        let xenas = asked(&mut xena.api, "annual", "2026-06-08", "2026-06-09").await;
        let robs = asked(&mut rob.api, "annual", "2026-06-08", "2026-06-09").await;
        let events_before = app.audit_events().await.len();

        for (who, api) in [("Mia", &mut mia.api), ("Eve", &mut eve.api), ("Rob", &mut rob.api)] {
            let res = api.get(&format!("/api/v1/leave/requests/{xenas}")).await;
            res.problem(StatusCode::NOT_FOUND);
            assert!(!res.text.contains("Xena"), "{who}: {}", res.text);
            api.post(&format!("/api/v1/leave/requests/{xenas}/cancel"), json!({})).await.problem(StatusCode::NOT_FOUND);
            decide(api, &xenas, "approve", "").await.problem(StatusCode::NOT_FOUND);
            decide(api, &xenas, "reject", "No").await.problem(StatusCode::NOT_FOUND);
            let queue = api.get("/api/v1/leave/approvals").await;
            assert!(!ids(&queue).contains(&xenas), "{who}");
        }
        eve.api.get(&format!("/api/v1/leave/requests/{robs}")).await.problem(StatusCode::NOT_FOUND);
        mia.api.get("/api/v1/leave/requests/no-such-request").await.problem(StatusCode::NOT_FOUND);
        assert_eq!(status_of(&mut xena.api, &xenas).await, "pending");
        assert_eq!(app.audit_events().await.len(), events_before, "nothing may be audited as done");

        // The owner, her manager and HR see it, reason included.
        for api in [&mut xena.api, &mut hana.api] {
            let res = api.get(&format!("/api/v1/leave/requests/{xenas}")).await;
            assert_eq!((res.status, res.json["employee_name"].as_str()), (StatusCode::OK, Some("Xena")));
        }
        assert_eq!(yan.api.get(&format!("/api/v1/leave/requests/{xenas}")).await.status, StatusCode::OK);
        assert_eq!(mia.api.get(&format!("/api/v1/leave/requests/{robs}")).await.status, StatusCode::OK);
    }

    async fn api_the_manager_sees_the_request_in_approvals_and_approves_it() {
        let app = TestApp::new().await;
        let (mut mia, mut rob) = api_team(&app).await;
        let mut hana = member(&app, "Hana HR", "hana@example.com", Role::Hr, None).await;
        let id = asked(&mut rob.api, "annual", "2026-06-08", "2026-06-12").await;
        let own = asked(&mut hana.api, "annual", "2026-06-08", "2026-06-09").await;

        let queue = mia.api.get("/api/v1/leave/approvals").await;
        assert_eq!(queue.status, StatusCode::OK, "{}", queue.text);
        assert_eq!((ids(&queue), queue.json["total"].as_i64()), (vec![id.clone()], Some(1)));
        assert_eq!(queue.json["items"][0]["employee_name"], "Rob Report");
        // HR sees the rest of the company, but not their own; Rob has nothing to decide.
        let hr_queue = hana.api.get("/api/v1/leave/approvals").await;
        assert_eq!(ids(&hr_queue), vec![id.clone()], "{}", hr_queue.text);
        assert!(!ids(&hr_queue).contains(&own));
        let nothing = rob.api.get("/api/v1/leave/approvals").await;
        assert_eq!((nothing.status, nothing.json["total"].as_i64()), (StatusCode::OK, Some(0)));

        let res = decide(&mut mia.api, &id, "approve", "Enjoy").await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        assert_eq!(res.json["id"], id.as_str());
        assert_eq!(res.json["status"], "approved");
        assert_eq!((res.json["decided_by"].as_str(), res.json["decision_comment"].as_str()), (Some("Mia Manager"), Some("Enjoy")));
        assert_eq!(res.json["decided_at"], "2026-06-01T09:00:00Z");
        assert_eq!(status_of(&mut rob.api, &id).await, "approved");
        assert_eq!(app.count_events("leave_approved").await, 1);
        assert_eq!(mia.api.get("/api/v1/leave/approvals").await.json["total"], 0);
        assert_eq!(balance(&mut rob.api, "", "annual").await["taken_days"], 5.0);
    }

    async fn api_nobody_decides_their_own_request_403() {
        let app = TestApp::new().await;
        let (_mia, mut rob) = api_team(&app).await;
        let mut hana = member(&app, "Hana HR", "hana@example.com", Role::Hr, None).await;
        for api in [&mut rob.api, &mut hana.api] {
            let id = asked(api, "annual", "2026-06-08", "2026-06-09").await;
            for decision in ["approve", "reject"] {
                let res = decide(api, &id, decision, "Fine by me").await;
                let problem = res.problem(StatusCode::FORBIDDEN);
                assert!(problem["detail"].as_str().is_some_and(|d| d.contains("You cannot decide your own leave request")), "{}", res.text);
            }
            let res = api.get(&format!("/api/v1/leave/requests/{id}")).await;
            assert_eq!((res.json["status"].as_str(), res.json["decided_by"].clone()), (Some("pending"), Value::Null));
        }
        assert_eq!(app.count_events("leave_approved").await + app.count_events("leave_rejected").await, 0);
    }

    async fn api_rejecting_without_a_comment_is_422_and_an_unknown_decision_is_refused() {
        let app = TestApp::new().await;
        let (mut mia, mut rob) = api_team(&app).await;
        let id = asked(&mut rob.api, "annual", "2026-06-08", "2026-06-09").await;

        for comment in [json!(""), json!("   ")] {
            let res = mia.api.post(&format!("/api/v1/leave/requests/{id}/decision"), json!({"decision": "reject", "comment": comment})).await;
            res.problem(StatusCode::UNPROCESSABLE_ENTITY);
            assert!(res.field_error("comment").is_some_and(|m| m.contains("Add a comment saying why")), "{}", res.text);
        }
        let res = mia.api.post(&format!("/api/v1/leave/requests/{id}/decision"), json!({"decision": "reject"})).await;
        res.problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.field_error("comment").is_some(), "no comment at all: {}", res.text);
        let res = decide(&mut mia.api, &id, "reject", &"x".repeat(501)).await;
        assert!(res.field_error("comment").is_some_and(|m| m.contains("at most 500")), "{}", res.text);
        for decision in ["maybe", "Approve", ""] {
            let res = decide(&mut mia.api, &id, decision, "Hmm").await;
            let problem = res.problem(StatusCode::UNPROCESSABLE_ENTITY);
            assert!(problem["detail"].as_str().is_some_and(|d| d.contains("`decision` must be `approve` or `reject`")), "{decision}: {}", res.text);
        }
        for body in [json!({"decision": true}), json!({"comment": "No decision"})] {
            let res = mia.api.post(&format!("/api/v1/leave/requests/{id}/decision"), body).await;
            res.problem(StatusCode::UNPROCESSABLE_ENTITY);
        }
        assert_eq!(status_of(&mut rob.api, &id).await, "pending");
        assert_eq!(app.count_events("leave_rejected").await, 0);

        let res = decide(&mut mia.api, &id, "reject", "Release week").await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        assert_eq!((res.json["status"].as_str(), res.json["decision_comment"].as_str()), (Some("rejected"), Some("Release week")));
    }

    async fn api_deciding_twice_is_409_and_changes_nothing() {
        let app = TestApp::new().await;
        let (mut mia, mut rob) = api_team(&app).await;
        let id = asked(&mut rob.api, "annual", "2026-06-08", "2026-06-09").await;
        assert_eq!(decide(&mut mia.api, &id, "approve", "Have fun").await.status, StatusCode::OK);
        for (decision, comment) in [("approve", "Again"), ("reject", "Changed my mind")] {
            let res = decide(&mut mia.api, &id, decision, comment).await;
            let problem = res.problem(StatusCode::CONFLICT);
            assert!(problem["detail"].as_str().is_some_and(|d| d.contains("no longer waiting for a decision")), "{}", res.text);
        }
        let res = rob.api.get(&format!("/api/v1/leave/requests/{id}")).await;
        assert_eq!((res.json["status"].as_str(), res.json["decision_comment"].as_str()), (Some("approved"), Some("Have fun")));
        assert_eq!(app.count_events("leave_approved").await, 1);
        assert_eq!(app.count_events("leave_rejected").await, 0);
    }

    async fn api_cancel_pending_and_approved_leave() {
        let app = TestApp::new().await;
        let (mut mia, mut rob) = api_team(&app).await;
        let cancel = |id: &str| format!("/api/v1/leave/requests/{id}/cancel");

        // Pending: cancelled at once; then there is nothing left to cancel.
        let pending = asked(&mut rob.api, "annual", "2026-06-08", "2026-06-09").await;
        mia.api.post(&cancel(&pending), json!({})).await.problem(StatusCode::FORBIDDEN);
        let res = rob.api.post(&cancel(&pending), json!({})).await;
        assert_eq!((res.status, res.json["status"].as_str()), (StatusCode::OK, Some("cancelled")), "{}", res.text);
        let res = rob.api.post(&cancel(&pending), json!({})).await;
        let problem = res.problem(StatusCode::CONFLICT);
        assert!(problem["detail"].as_str().is_some_and(|d| d.contains("already cancelled")), "{}", res.text);
        assert_eq!(app.count_events("leave_cancelled").await, 1);
        assert_eq!(balance(&mut rob.api, "", "annual").await["pending_days"], 0.0);

        // Approved, not started: the approver is asked; the days stay taken until she agrees.
        let approved = asked(&mut rob.api, "annual", "2026-06-15", "2026-06-19").await;
        assert_eq!(decide(&mut mia.api, &approved, "approve", "").await.status, StatusCode::OK);
        let res = rob.api.post(&cancel(&approved), json!({})).await;
        assert_eq!((res.status, res.json["status"].as_str()), (StatusCode::OK, Some("cancel_requested")), "{}", res.text);
        assert_eq!(balance(&mut rob.api, "", "annual").await["taken_days"], 5.0);
        assert_eq!(ids(&mia.api.get("/api/v1/leave/approvals").await), vec![approved.clone()]);
        let res = decide(&mut mia.api, &approved, "approve", "OK").await;
        assert_eq!((res.status, res.json["status"].as_str()), (StatusCode::OK, Some("cancelled")), "{}", res.text);
        assert_eq!(balance(&mut rob.api, "", "annual").await["taken_days"], 0.0);

        // Approved leave that has started cannot be cancelled here.
        let started = asked(&mut rob.api, "annual", "2026-06-01", "2026-06-02").await;
        assert_eq!(decide(&mut mia.api, &started, "approve", "").await.status, StatusCode::OK);
        let res = rob.api.post(&cancel(&started), json!({})).await;
        let problem = res.problem(StatusCode::CONFLICT);
        assert!(problem["detail"].as_str().is_some_and(|d| d.contains("already started")), "{}", res.text);
        assert_eq!(status_of(&mut rob.api, &started).await, "approved");
    }

    async fn api_two_approvals_at_once_one_wins_and_the_days_count_once() {
        let app = TestApp::new().await;
        let (mut mia, mut rob) = api_team(&app).await;
        let mut hana = member(&app, "Hana HR", "hana@example.com", Role::Hr, None).await;
        for round in 0..3 {
            let first = ["2026-06-08", "2026-06-15", "2026-06-22"][round];
            let last = ["2026-06-12", "2026-06-19", "2026-06-26"][round];
            let id = asked(&mut rob.api, "annual", first, last).await;
            let (by_mia, by_hana) = tokio::join!(decide(&mut mia.api, &id, "approve", "Mia says yes"), decide(&mut hana.api, &id, "approve", "HR says yes"));
            let mut statuses = [by_mia.status, by_hana.status];
            statuses.sort();
            assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT], "round {round}: {} / {}", by_mia.text, by_hana.text);
            let winner = if by_mia.status == StatusCode::OK { &by_mia } else { &by_hana };
            let loser = if by_mia.status == StatusCode::OK { &by_hana } else { &by_mia };
            loser.problem(StatusCode::CONFLICT);
            let stored = rob.api.get(&format!("/api/v1/leave/requests/{id}")).await;
            assert_eq!(stored.json["status"], "approved");
            assert_eq!(stored.json["decision_comment"], winner.json["decision_comment"], "the winner's decision is the one kept");
            assert_eq!(app.count_events("leave_approved").await, round + 1);
            let annual = balance(&mut rob.api, "", "annual").await;
            let days = 5.0 * (round + 1) as f64;
            assert_eq!((annual["taken_days"].as_f64(), annual["pending_days"].as_f64()), (Some(days), Some(0.0)), "round {round}");
            assert_eq!(annual["left_days"].as_f64(), Some(25.0 - days));
        }
    }

    async fn api_leave_needs_a_token_and_an_employee_record() {
        let app = TestApp::new().await;
        let mut anonymous = app.api();
        for path in ["/api/v1/leave/balances", "/api/v1/leave/requests", "/api/v1/leave/approvals"] {
            anonymous.get(path).await.problem(StatusCode::UNAUTHORIZED);
        }
        let mut nobody = app.api_signed_in("nobody@example.com").await;
        for path in ["/api/v1/leave/balances", "/api/v1/leave/requests"] {
            let res = nobody.get(path).await;
            let problem = res.problem(StatusCode::FORBIDDEN);
            assert!(problem["detail"].as_str().is_some_and(|d| d.contains("not linked to an employee record")), "{path}");
        }
        let res = ask(&mut nobody, "annual", "2026-06-08", "2026-06-08").await;
        res.problem(StatusCode::FORBIDDEN);
        let queue = nobody.get("/api/v1/leave/approvals").await;
        assert_eq!((queue.status, queue.json["total"].as_i64()), (StatusCode::OK, Some(0)));
        assert_eq!(app.count_events("leave_requested").await, 0);
    }

    async fn api_leave_routes_are_in_the_openapi_document() {
        let app = TestApp::new().await;
        let doc = app.api().get("/api/openapi.json").await;
        assert_eq!(doc.status, StatusCode::OK);
        let paths = &doc.json["paths"];
        for (path, method) in [
            ("/api/v1/leave/balances", "get"),
            ("/api/v1/leave/requests", "get"),
            ("/api/v1/leave/requests", "post"),
            ("/api/v1/leave/requests/{id}", "get"),
            ("/api/v1/leave/requests/{id}/cancel", "post"),
            ("/api/v1/leave/approvals", "get"),
            ("/api/v1/leave/requests/{id}/decision", "post"),
        ] {
            let op = &paths[path][method];
            assert_eq!(op["tags"], json!(["leave"]), "{method} {path}");
            assert!(op["security"].to_string().contains("bearer"), "{method} {path}");
            for (status, response) in op["responses"].as_object().expect("responses") {
                assert!(response["description"].as_str().is_some_and(|d| !d.is_empty()), "{method} {path} {status}");
            }
        }
        assert!(doc.json["tags"].as_array().expect("tags").iter().any(|t| t["name"] == "leave"));
        let decision = &doc.json["components"]["schemas"]["DecisionChoice"];
        assert_eq!(decision["enum"], json!(["approve", "reject"]), "{decision}");
    }
}
