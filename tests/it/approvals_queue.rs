//! The approvals queue at company scale: pages of 25 with filters that the
//! pager keeps, bad filters answered with a 4xx, the Approvals tab's count
//! (and its absence for people with nothing to decide), approving from the
//! dashboard, bulk approval (changed and foreign requests reported, not
//! decided; at most 100 ids), and a refused rejection kept on the queue.
//! "Today" is the TestApp clock's Monday 1 June 2026.

use axum::http::StatusCode;
use hrms::models::employee::EmployeeStatus;
use hrms::models::leave::{self, LeaveStatus, NewLeaveRequest};
use hrms::models::new_id;
use hrms::models::user::Role;
use time::macros::date;
use time::{Date, Duration, Weekday};

use crate::helpers::{Browser, Response, TestApp};
use crate::leave::{cancel, department_with, employee_record, person, requested, team};

/// Stores a pending one-day request of `employee_id` routed to `approver_id`,
/// as the request form would have. Returns its id.
async fn waiting(app: &TestApp, employee_id: &str, approver_id: &str, leave_type: &str, day: Date) -> String {
    let (employee_id, approver_id, leave_type, now) =
        (employee_id.to_owned(), approver_id.to_owned(), leave_type.to_owned(), app.now());
    app.state
        .db
        .run(move |conn| {
            let id = new_id();
            leave::insert_request(
                conn,
                &NewLeaveRequest {
                    id: &id,
                    employee_id: &employee_id,
                    leave_type_id: &leave_type,
                    first_day: day,
                    last_day: day,
                    half_day: false,
                    half_days: 2,
                    reason: "",
                    status: LeaveStatus::Pending.as_str(),
                    approver_employee_id: Some(&approver_id),
                    created_at: now,
                    updated_at: now,
                },
            )?;
            Ok(id)
        })
        .await
        .expect("request")
}

/// Stores a request of `employee_id` over `first..=last` with `status` and
/// `reason`, routed to `approver_id`. Returns its id.
async fn stored(
    app: &TestApp,
    employee_id: &str,
    approver_id: Option<&str>,
    status: LeaveStatus,
    (first, last): (Date, Date),
    reason: &str,
) -> String {
    let (employee_id, approver_id, reason, now) =
        (employee_id.to_owned(), approver_id.map(str::to_owned), reason.to_owned(), app.now());
    app.state
        .db
        .run(move |conn| {
            let id = new_id();
            leave::insert_request(
                conn,
                &NewLeaveRequest {
                    id: &id,
                    employee_id: &employee_id,
                    leave_type_id: "unpaid",
                    first_day: first,
                    last_day: last,
                    half_day: false,
                    half_days: 2,
                    reason: &reason,
                    status: status.as_str(),
                    approver_employee_id: approver_id.as_deref(),
                    created_at: now,
                    updated_at: now,
                },
            )?;
            Ok(id)
        })
        .await
        .expect("request")
}

/// The queue row of request `id`, up to the end of its employee cell.
fn row_of<'a>(page: &'a Response, id: &str) -> &'a str {
    let start = page.body.find(&format!(r#"value="{id}""#)).expect("the request is on the page");
    let end = start + page.body[start..].find(r#"data-label="Dates""#).expect("the dates cell");
    &page.body[start..end]
}

/// `n` working days from Monday 8 June 2026 on.
fn working_days(n: usize) -> Vec<Date> {
    let mut days = Vec::new();
    let mut day = date!(2026 - 06 - 08);
    while days.len() < n {
        if !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
            days.push(day);
        }
        day += Duration::days(1);
    }
    days
}

async fn status_of(app: &TestApp, id: &str) -> String {
    let id = id.to_owned();
    app.state.db.run(move |conn| Ok(leave::find_request(conn, &id)?)).await.expect("request").status
}

/// The ids of the requests a queue page offers to tick, in order.
fn ticked(page: &Response) -> Vec<String> {
    let marker = r#"<input type="checkbox" name="ids" value=""#;
    page.body
        .match_indices(marker)
        .map(|(i, _)| {
            let rest = &page.body[i + marker.len()..];
            rest[..rest.find('"').expect("quote")].to_owned()
        })
        .collect()
}

/// The navigation bar of a page.
fn nav(page: &Response) -> &str {
    let start = page.body.find(r#"<nav class="subnav""#).expect("navigation");
    let end = start + page.body[start..].find("</nav>").expect("end of navigation");
    &page.body[start..end]
}

/// Posts "Approve selected" with `ids`, with the token of the queue page.
async fn bulk(browser: &mut Browser, ids: &[&str]) -> Response {
    let token = browser.get("/leave/approvals").await.csrf_token();
    let mut fields: Vec<(&str, &str)> = ids.iter().map(|id| ("ids", *id)).collect();
    fields.push(("csrf_token", &token));
    browser.post("/leave/approvals/bulk", &fields).await
}

backend_tests! {
    async fn the_queue_shows_25_a_page_and_filters_by_department_type_and_dates_across_pages() {
        let app = TestApp::new().await;
        let (mut mia, rob) = team(&app).await;
        let sue = person(&app, "Sue Sales", "sue@example.com", Role::Employee, Some(&mia.employee_id)).await;
        let engineering = department_with(&app, "Engineering", &[&rob.employee_id]).await;
        let sales = department_with(&app, "Sales", &[&sue.employee_id]).await;
        let days = working_days(30);
        let mut robs = Vec::new();
        for day in &days {
            robs.push(waiting(&app, &rob.employee_id, &mia.employee_id, "unpaid", *day).await);
        }
        let mut sues = Vec::new();
        for day in &days[..3] {
            sues.push(waiting(&app, &sue.employee_id, &mia.employee_id, "sick", *day).await);
        }

        // Unfiltered: 33 requests, oldest leave first, 25 then 8.
        let first = mia.browser.get("/leave/approvals").await;
        assert_eq!(first.status, StatusCode::OK);
        let page_one = ticked(&first);
        assert_eq!(page_one.len(), 25, "page 1");
        assert!(first.body.contains("Page 1 of 2") && first.body.contains(r#"href="/leave/approvals?page=2""#));
        let second = mia.browser.get("/leave/approvals?page=2").await;
        let page_two = ticked(&second);
        assert_eq!(page_two.len(), 8, "page 2");
        assert!(page_one.iter().all(|id| !page_two.contains(id)), "a request on both pages");
        assert_eq!(page_two.last(), Some(&robs[29]), "the latest leave comes last");

        // By department: Sales has Sue's three; Engineering Rob's 30, and the pager keeps the filter.
        let page = mia.browser.get(&format!("/leave/approvals?department={sales}")).await;
        let mut shown = ticked(&page);
        shown.sort();
        let mut expected = sues.clone();
        expected.sort();
        assert_eq!(shown, expected, "Sales");
        let page = mia.browser.get(&format!("/leave/approvals?department={engineering}")).await;
        assert_eq!(ticked(&page).len(), 25);
        let next = format!("/leave/approvals?department={engineering}&#38;page=2");
        assert!(page.body.contains(&format!(r#"href="{next}""#)), "the next link drops the filter");
        let page = mia.browser.get(&next.replace("&#38;", "&")).await;
        assert_eq!(ticked(&page), robs[25..].to_vec(), "Engineering page 2");
        assert!(page.body.contains(&format!(r#"<option value="{engineering}" selected>"#)), "the form keeps the filter");

        // By type: only the sick leave.
        let page = mia.browser.get("/leave/approvals?type=sick").await;
        assert_eq!(ticked(&page).len(), 3);
        assert!(ticked(&page).iter().all(|id| sues.contains(id)));

        // By dates: requests with a day in the range (8-10 June: Rob's 3 and Sue's 3).
        let page = mia.browser.get("/leave/approvals?from=2026-06-08&to=2026-06-10").await;
        let mut shown = ticked(&page);
        shown.sort();
        let mut expected: Vec<String> = robs[..3].iter().chain(&sues).cloned().collect();
        expected.sort();
        assert_eq!(shown, expected, "8-10 June");
        // All filters at once.
        let page =
            mia.browser.get(&format!("/leave/approvals?department={engineering}&type=unpaid&from=2026-06-09&to=2026-06-09")).await;
        assert_eq!(ticked(&page), vec![robs[1].clone()]);
    }

    async fn bad_filters_get_a_4xx_with_a_message_never_a_500() {
        let app = TestApp::new().await;
        let (mut mia, _rob) = team(&app).await;
        let cases = [
            ("from=2024-01-01&to=2026-06-01", "Choose a range of at most two years."),
            ("from=2026-07-01&to=2026-06-01", "The end of the range cannot be before its start."),
            ("from=2026-13-45", "Enter a date like 2026-06-15."),
            ("to=tomorrow", "Enter a date like 2026-06-15."),
            ("department=no-such-department", "There is no such department"),
            ("type=holiday", "There is no such type of leave"),
            ("page=0", "Pages are numbered from 1."),
            ("page=-2", "Pages are numbered from 1."),
            ("page=two", "Pages are numbered from 1."),
            ("page=1&page=2", "The filters in this address could not be read."),
        ];
        for (query, message) in cases {
            let res = mia.browser.get(&format!("/leave/approvals?{query}")).await;
            assert_eq!(res.status, StatusCode::BAD_REQUEST, "{query}");
            assert!(res.body.contains(message), "{query}: expected {message:?} in {}", res.body);
        }
        // A page past the end is not an error: it says there is nothing there.
        let res = mia.browser.get("/leave/approvals?page=9").await;
        assert_eq!(res.status, StatusCode::OK);
    }

    async fn the_approvals_tab_counts_what_waits_and_is_hidden_from_those_with_nothing_to_decide() {
        let app = TestApp::new().await;
        let (mut mia, mut rob) = team(&app).await;
        let mut eve = person(&app, "Eve", "eve@example.com", Role::Employee, None).await;
        let mut hana = person(&app, "Hana HR", "hana@example.com", Role::Hr, None).await;

        // No reports, nothing routed, not HR: no tab.
        let page = eve.browser.get("/employees").await;
        assert!(!nav(&page).contains("/leave/approvals"), "{}", nav(&page));
        let page = rob.browser.get("/employees").await;
        assert!(!nav(&page).contains("/leave/approvals"));
        // A manager with nothing waiting, and HR with nothing waiting: the tab, no count.
        assert!(nav(&mia.browser.get("/employees").await).contains(r#"<a href="/leave/approvals">Approvals</a>"#));
        assert!(nav(&hana.browser.get("/employees").await).contains(r#"<a href="/leave/approvals">Approvals</a>"#));

        let first = requested(&app, &mut rob, "annual", "2026-06-08", "2026-06-09").await;
        requested(&app, &mut rob, "annual", "2026-06-15", "2026-06-16").await;
        requested(&app, &mut hana, "annual", "2026-06-08", "2026-06-09").await;
        assert!(nav(&mia.browser.get("/employees").await).contains(">Approvals (2)</a>"));
        // HR counts every waiting request but their own; on every page, the queue marked current.
        assert!(nav(&hana.browser.get("/employees").await).contains(">Approvals (2)</a>"));
        assert!(nav(&hana.browser.get("/leave/approvals").await).contains(r#"<a href="/leave/approvals" aria-current="page">Approvals (2)</a>"#));
        assert!(!nav(&eve.browser.get("/employees").await).contains("/leave/approvals"), "still none for Eve");

        crate::leave::decide(&mut mia.browser, &first, "approve", "").await;
        assert!(nav(&mia.browser.get("/employees").await).contains(">Approvals (1)</a>"));
        // An error page shows the same tab.
        assert!(nav(&mia.browser.get("/no-such-page").await).contains(">Approvals (1)</a>"));
    }

    async fn a_manager_approves_from_the_dashboard_and_comes_back_to_it() {
        let app = TestApp::new().await;
        let (mut mia, mut rob) = team(&app).await;
        let id = requested(&app, &mut rob, "annual", "2026-06-08", "2026-06-09").await;

        let dashboard = mia.browser.get("/dashboard").await;
        assert!(dashboard.body.contains(&format!(r#"<form method="post" action="/leave/{id}/decide""#)), "{}", dashboard.body);
        let token = dashboard.csrf_token();
        let res = mia
            .browser
            .post(&format!("/leave/{id}/decide"), &[("decision", "approve"), ("back", "dashboard"), ("csrf_token", &token)])
            .await;
        assert_eq!((res.status, res.location()), (StatusCode::SEE_OTHER, "/dashboard?notice=approved"));
        assert_eq!(status_of(&app, &id).await, "approved");
        let dashboard = mia.browser.get(res.location()).await;
        assert!(dashboard.body.contains("The request was approved."));
        assert!(!dashboard.body.contains(&format!("/leave/{id}/decide")), "still offered");
        assert_eq!(app.count_events("leave_approved").await, 1);
    }

    async fn bulk_approval_approves_each_and_reports_one_changed_meanwhile_and_one_of_another_team() {
        let app = TestApp::new().await;
        let (mut mia, mut rob) = team(&app).await;
        let yan = person(&app, "Yan", "yan@example.com", Role::Employee, None).await;
        let mut xena = person(&app, "Xena Other", "xena@example.com", Role::Employee, Some(&yan.employee_id)).await;
        let a = requested(&app, &mut rob, "annual", "2026-06-08", "2026-06-09").await;
        let b = requested(&app, &mut rob, "annual", "2026-06-15", "2026-06-16").await;
        let c = requested(&app, &mut rob, "annual", "2026-06-22", "2026-06-23").await;
        let x = requested(&app, &mut xena, "annual", "2026-06-08", "2026-06-09").await;

        // Mia's page is loaded with all three; Rob cancels one before she sends.
        let queue = mia.browser.get("/leave/approvals").await;
        assert_eq!(ticked(&queue), vec![a.clone(), b.clone(), c.clone()]);
        assert!(queue.body.contains(r#"<form id="bulk" method="post" action="/leave/approvals/bulk""#));
        assert_eq!(cancel(&mut rob.browser, &c).await.status, StatusCode::SEE_OTHER);

        let res = bulk(&mut mia.browser, &[&a, &b, &c, &x]).await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.body.contains("2 approved; 1 was already decided; 1 is not yours to decide."), "{}", res.body);
        assert!(res.body.contains("Rob Report, Mon 22 Jun 2026 – Tue 23 Jun 2026: no longer waiting (it is cancelled now)"), "{}", res.body);
        assert!(!res.body.contains("Xena"), "nothing may be told of another team's request");
        assert_eq!(
            (status_of(&app, &a).await, status_of(&app, &b).await, status_of(&app, &c).await, status_of(&app, &x).await),
            ("approved".into(), "approved".into(), "cancelled".into(), "pending".into())
        );
        assert_eq!(app.count_events("leave_approved").await, 2);
        assert!(ticked(&res).is_empty(), "the queue below is empty now");
        assert!(nav(&res).contains(r#"<a href="/leave/approvals">Approvals</a>"#), "the tab counts what waits now");
    }

    async fn an_employee_can_neither_decide_nor_bulk_decide_another_teams_request_by_its_id() {
        let app = TestApp::new().await;
        let (_mia, mut rob) = team(&app).await;
        let mut eve = person(&app, "Eve", "eve@example.com", Role::Employee, None).await;
        let id = requested(&app, &mut rob, "annual", "2026-06-08", "2026-06-09").await;
        let events_before = app.audit_events().await.len();

        let res = eve
            .browser
            .submit("/leave/approvals", &format!("/leave/{id}/decide"), &[("decision", "approve"), ("back", "queue")])
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        let res = bulk(&mut eve.browser, &[&id]).await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.body.contains("0 approved; 1 is not yours to decide."), "{}", res.body);
        assert!(!res.body.contains("Rob Report"));
        assert_eq!(status_of(&app, &id).await, "pending");
        assert_eq!(app.audit_events().await.len(), events_before, "nothing may be audited as done");
    }

    async fn rejecting_without_a_comment_keeps_the_queue_with_the_message_beside_that_request() {
        let app = TestApp::new().await;
        let (mut mia, mut rob) = team(&app).await;
        let id = requested(&app, &mut rob, "annual", "2026-06-08", "2026-06-09").await;
        let other = requested(&app, &mut rob, "annual", "2026-06-15", "2026-06-16").await;

        let res = mia
            .browser
            .submit(
                "/leave/approvals?type=annual",
                &format!("/leave/{id}/decide"),
                &[("decision", "reject"), ("comment", "  "), ("back", "queue"), ("type", "annual")],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("<h1>Approvals</h1>"), "not the queue: {}", res.body);
        let error = format!(r#"<p class="field-error" id="comment-error-{id}" role="alert">Add a comment saying why"#);
        let at = res.body.find(&error).expect("the message beside the request");
        // Beside that request: after its comment box, before the next request's row.
        assert!(res.body[..at].contains(&format!(r#"id="comment-mine-{id}""#)));
        assert!(!res.body[..at].contains(&format!(r#"value="{other}" form="bulk""#)));
        assert!(res.body.contains(r#"<option value="annual" selected>"#), "the filter is kept");
        assert_eq!(ticked(&res), vec![id.clone(), other.clone()], "the queue is shown");
        assert_eq!(status_of(&app, &id).await, "pending");

        // With a comment it goes through, back to the same filtered queue.
        let res = mia
            .browser
            .submit(
                "/leave/approvals?type=annual",
                &format!("/leave/{id}/decide"),
                &[("decision", "reject"), ("comment", "Team offsite"), ("back", "queue"), ("type", "annual")],
            )
            .await;
        assert_eq!((res.status, res.location()), (StatusCode::SEE_OTHER, "/leave/approvals?type=annual&notice=rejected"));
        assert_eq!(status_of(&app, &id).await, "rejected");
    }

    async fn a_bulk_post_carries_at_most_100_ids_and_at_least_one() {
        let app = TestApp::new().await;
        let (mut mia, mut rob) = team(&app).await;
        let id = requested(&app, &mut rob, "annual", "2026-06-08", "2026-06-09").await;
        let mut ids: Vec<String> = (0..100).map(|_| new_id()).collect();
        ids.push(id.clone());
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();

        let res = bulk(&mut mia.browser, &refs).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(res.body.contains("At most 100 requests can be approved at once; 101 were sent."), "{}", res.body);
        assert_eq!(status_of(&app, &id).await, "pending", "nothing decided above the cap");

        let res = bulk(&mut mia.browser, &[]).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("Select at least one request to approve."));

        // 100 is fine.
        let res = bulk(&mut mia.browser, &refs[1..]).await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.body.contains("1 approved; 99 are not yours to decide."), "{}", res.body);
        assert_eq!(status_of(&app, &id).await, "approved");
    }

    async fn each_queue_row_shows_who_else_in_the_team_is_away_then_with_names_and_dates_only() {
        let app = TestApp::new().await;
        let (mut mia, rob) = team(&app).await;
        let sue = person(&app, "Sue Sidekick", "sue@example.com", Role::Employee, Some(&mia.employee_id)).await;
        let tia = person(&app, "Tia Teammate", "tia@example.com", Role::Employee, Some(&mia.employee_id)).await;
        let oscar = person(&app, "Oscar Owner", "oscar@example.com", Role::Employee, None).await;
        let ollie = person(&app, "Ollie Outsider", "ollie@example.com", Role::Employee, Some(&oscar.employee_id)).await;
        let (mia_id, oscar_id) = (mia.employee_id.clone(), oscar.employee_id.clone());
        let june = |d: u8| date!(2026 - 06 - 01).replace_day(d).expect("day");
        let robs = stored(&app, &rob.employee_id, Some(&mia_id), LeaveStatus::Pending, (june(9), june(10)), "").await;
        let sues = stored(&app, &sue.employee_id, Some(&mia_id), LeaveStatus::Pending, (june(10), june(10)), "").await;
        let lone = stored(&app, &sue.employee_id, Some(&mia_id), LeaveStatus::Pending, (june(22), june(22)), "").await;
        stored(&app, &tia.employee_id, Some(&mia_id), LeaveStatus::Approved, (june(8), june(9)), "Tia-private-surgery").await;
        stored(&app, &ollie.employee_id, Some(&oscar_id), LeaveStatus::Approved, (june(9), june(10)), "Ollie-private").await;

        let page = mia.browser.get("/leave/approvals").await;
        assert_eq!(page.status, StatusCode::OK);
        let row = row_of(&page, &robs);
        assert!(
            row.contains("<strong>Also away:</strong> Sue Sidekick (pending, 10 Jun), Tia Teammate (approved, 9 Jun)"),
            "{row}"
        );
        let row = row_of(&page, &sues);
        assert!(row.contains("<strong>Also away:</strong> Rob Report (pending, 10 Jun)</span>"), "{row}");
        assert!(!row_of(&page, &lone).contains("Also away"), "nobody else is away on 22 June");
        assert!(!page.body.contains("Ollie Outsider"), "another team's leave is no clash");
        assert!(!page.body.contains("Tia-private") && !page.body.contains("Ollie-private"), "no reasons of others");
    }

    async fn the_clashes_of_a_whole_page_are_read_in_a_constant_number_of_queries() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        use diesel::connection::{Connection, InstrumentationEvent};
        use hrms::domain::leave::calendar;

        let app = TestApp::new().await;
        // 25 teams of two, each with one request waiting and a teammate away the same day.
        let day = date!(2026 - 06 - 09);
        let mut waiting_ids = Vec::new();
        for i in 0..25 {
            let active = EmployeeStatus::Active;
            let lead = employee_record(&app, &format!("Lead {i}"), &format!("lead{i}@example.com"), None, None, active).await;
            let asker =
                employee_record(&app, &format!("Asker {i}"), &format!("asker{i}@example.com"), None, Some(&lead), active).await;
            let mate =
                employee_record(&app, &format!("Mate {i}"), &format!("mate{i}@example.com"), None, Some(&lead), active).await;
            waiting_ids.push(stored(&app, &asker, Some(&lead), LeaveStatus::Pending, (day, day), "").await);
            stored(&app, &mate, Some(&lead), LeaveStatus::Approved, (day, day), "").await;
        }
        let (one, all) = app
            .state
            .db
            .run(move |conn| {
                let requests = leave::find_requests(conn, &waiting_ids)?;
                assert_eq!(requests.len(), 25);
                let count = Arc::new(AtomicUsize::new(0));
                let counter = count.clone();
                conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
                    if matches!(event, InstrumentationEvent::StartQuery { .. }) {
                        counter.fetch_add(1, Ordering::SeqCst);
                    }
                });
                let first = calendar::clashes_for_page(conn, &requests[..1])?;
                let one = count.swap(0, Ordering::SeqCst);
                let whole = calendar::clashes_for_page(conn, &requests)?;
                let all = count.load(Ordering::SeqCst);
                conn.set_instrumentation(|_: InstrumentationEvent<'_>| {});
                assert_eq!(first.len(), 1);
                // Each request's clash is its own teammate, and only them.
                for r in &requests {
                    let found = whole.get(&r.id).cloned().flatten().expect("compared with the team");
                    let names: Vec<&str> = found.clashes.iter().map(|c| c.name.as_str()).collect();
                    assert_eq!(names.len(), 1, "{names:?}");
                    assert!(names[0].starts_with("Mate "), "{names:?}");
                }
                Ok((one, all))
            })
            .await
            .expect("clashes");
        assert!(one >= 1, "the counter counts");
        assert_eq!(all, one, "25 requests cost as many queries as one ({one})");
        assert!(all <= 2, "{all} queries");
    }
}
