//! HR's view of leave: the list of every request (filters, pages of 25, bad
//! filters answered with a 4xx, HR only) and its CSV download (header,
//! quoting, CSV injection neutralised, the same filters). "Today" is the
//! TestApp clock's Monday 1 June 2026.

use axum::http::StatusCode;
use diesel::prelude::*;
use hrms::db::schema::employees;
use hrms::models::department::{self, NewDepartment};
use hrms::models::leave::{self, LeaveStatus, NewLeaveRequest};
use hrms::models::new_id;
use hrms::models::user::Role;
use time::macros::date;
use time::{Date, Duration};

use crate::helpers::{Response, TestApp};
use crate::leave::{person, team};

/// A department with `members` in it. Returns its id.
async fn department_with(app: &TestApp, name: &str, members: &[&str]) -> String {
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

/// Stores a one-day request of `employee_id` with `status` and `reason`,
/// made now (the clock then moves on a second, so that each is newer than
/// the one before). Returns its id.
async fn stored(
    app: &TestApp,
    employee_id: &str,
    leave_type: &str,
    day: Date,
    status: LeaveStatus,
    reason: &str,
) -> String {
    let (employee_id, leave_type, reason, now) =
        (employee_id.to_owned(), leave_type.to_owned(), reason.to_owned(), app.now());
    let id = app
        .state
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
                    reason: &reason,
                    status: status.as_str(),
                    approver_employee_id: None,
                    created_at: now,
                    updated_at: now,
                },
            )?;
            Ok(id)
        })
        .await
        .expect("request");
    app.advance(Duration::seconds(1));
    id
}

/// The ids of the requests a list page links to, in order.
fn listed(page: &Response) -> Vec<String> {
    let marker = r#"<td data-label="Employee"><span><a href="/leave/"#;
    page.body
        .match_indices(marker)
        .map(|(i, _)| {
            let rest = &page.body[i + marker.len()..];
            rest[..rest.find('"').expect("quote")].to_owned()
        })
        .collect()
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

backend_tests! {
    async fn hr_lists_every_request_newest_first_25_a_page_filtered_by_person_department_type_status_and_dates() {
        let app = TestApp::new().await;
        let (_mia, rob) = team(&app).await;
        let sue = person(&app, "Sue Sales", "sue@example.com", Role::Employee, None).await;
        let mut hana = person(&app, "Hana HR", "hana@example.com", Role::Hr, None).await;
        let sales = department_with(&app, "Sales", &[&sue.employee_id]).await;
        let mut robs = Vec::new();
        for n in 0..28 {
            let status = if n % 2 == 0 { LeaveStatus::Approved } else { LeaveStatus::Pending };
            robs.push(stored(&app, &rob.employee_id, "unpaid", date!(2026 - 06 - 08) + Duration::days(n), status, "").await);
        }
        let sues = vec![
            stored(&app, &sue.employee_id, "sick", date!(2026 - 09 - 01), LeaveStatus::Rejected, "").await,
            stored(&app, &sue.employee_id, "sick", date!(2026 - 09 - 02), LeaveStatus::Cancelled, "").await,
        ];

        // Unfiltered: 30 requests, newest first, 25 then 5.
        let first = hana.browser.get("/leave/requests").await;
        assert_eq!(first.status, StatusCode::OK);
        let page_one = listed(&first);
        assert_eq!(page_one.len(), 25);
        assert_eq!(page_one[..2], [sues[1].clone(), sues[0].clone()], "the newest first");
        assert!(first.body.contains("Page 1 of 2") && first.body.contains(r#"href="/leave/requests?page=2""#));
        let second = listed(&hana.browser.get("/leave/requests?page=2").await);
        assert_eq!(second, robs[..5].iter().rev().cloned().collect::<Vec<_>>(), "the oldest last");

        // By person (part of the name, any case), department, type, status and dates.
        let page = hana.browser.get("/leave/requests?person=sUE").await;
        assert_eq!(sorted(listed(&page)), sorted(sues.clone()), "person");
        let page = hana.browser.get(&format!("/leave/requests?department={sales}")).await;
        assert_eq!(sorted(listed(&page)), sorted(sues.clone()), "department");
        let page = hana.browser.get("/leave/requests?type=sick").await;
        assert_eq!(sorted(listed(&page)), sorted(sues.clone()), "type");
        let page = hana.browser.get("/leave/requests?status=rejected").await;
        assert_eq!(listed(&page), vec![sues[0].clone()], "status");
        let page = hana.browser.get("/leave/requests?from=2026-06-08&to=2026-06-09").await;
        assert_eq!(sorted(listed(&page)), sorted(robs[..2].to_vec()), "dates");
        // Filters together, and the pager keeps them.
        let page = hana.browser.get("/leave/requests?person=rob&status=approved").await;
        assert_eq!(listed(&page).len(), 14);
        let page = hana.browser.get("/leave/requests?person=rob&type=unpaid").await;
        assert_eq!(listed(&page).len(), 25);
        assert!(page.body.contains(r#"href="/leave/requests?person=rob&#38;type=unpaid&#38;page=2""#), "{}", page.body);
    }

    async fn bad_filters_on_the_list_and_the_csv_get_a_4xx_with_the_message_by_the_field() {
        let app = TestApp::new().await;
        let mut hana = person(&app, "Hana HR", "hana@example.com", Role::Hr, None).await;
        let long = "x".repeat(101);
        let cases = [
            ("from=2024-01-01&to=2026-06-01".to_owned(), "to", "Choose a range of at most two years."),
            ("from=2026-13-45".to_owned(), "from", "Enter a date like 2026-06-15."),
            ("department=no-such-department".to_owned(), "department", "There is no such department"),
            ("type=holiday".to_owned(), "leave_type", "There is no such type of leave"),
            ("status=lost".to_owned(), "status", "There is no such status"),
            (format!("person={long}"), "person", "Search for at most 100 characters"),
            ("page=0".to_owned(), "page", "Pages are numbered from 1."),
        ];
        for (query, field, message) in &cases {
            let res = hana.browser.get(&format!("/leave/requests?{query}")).await;
            assert_eq!(res.status, StatusCode::BAD_REQUEST, "{query}");
            assert!(res.body.contains(&format!(r#"id="{field}-error">{message}"#)), "{query}: {}", res.body);
            if *field != "page" {
                let res = hana.browser.get(&format!("/leave/requests.csv?{query}")).await;
                assert!(res.status.is_client_error(), "{query}: {}", res.status);
                assert!(res.body.contains(message), "{query}: {}", res.body);
            }
        }
        let res = hana.browser.get("/leave/requests?page=1&page=2").await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
    }

    async fn people_who_are_not_hr_get_403_for_the_list_and_its_csv() {
        let app = TestApp::new().await;
        let (mut mia, mut rob) = team(&app).await;
        for who in [&mut mia, &mut rob] {
            for path in ["/leave/requests", "/leave/requests.csv"] {
                let res = who.browser.get(path).await;
                assert_eq!(res.status, StatusCode::FORBIDDEN, "{path}");
            }
        }
    }

    async fn the_csv_has_a_header_row_quotes_commas_quotes_and_newlines_and_neutralises_formulas() {
        let app = TestApp::new().await;
        let (_mia, rob) = team(&app).await;
        let mut hana = person(&app, "Hana HR", "hana@example.com", Role::Hr, None).await;
        let quoted = stored(&app, &rob.employee_id, "unpaid", date!(2026 - 06 - 08), LeaveStatus::Pending, "Move, \"big\" one\nsecond line").await;
        let formula = stored(&app, &rob.employee_id, "unpaid", date!(2026 - 06 - 09), LeaveStatus::Approved, "=cmd|' /C calc'!A0").await;

        let res = hana.browser.get("/leave/requests.csv").await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(res.header("content-type"), "text/csv; charset=utf-8");
        assert_eq!(res.header("content-disposition"), r#"attachment; filename="leave-requests.csv""#);
        let mut lines = res.body.split("\r\n");
        assert_eq!(
            lines.next(),
            Some("Request,Employee,Leave type,First day,Last day,Days,Status,Reason,Approver,Decided by,Decision comment,Requested on")
        );
        assert_eq!(
            lines.next(),
            Some(format!("{formula},Rob Report,Unpaid leave,2026-06-09,2026-06-09,1,Approved,'=cmd|' /C calc'!A0,HR,,,2026-06-01").as_str()),
            "newest first, the formula neutralised"
        );
        assert_eq!(
            lines.next(),
            Some(format!("{quoted},Rob Report,Unpaid leave,2026-06-08,2026-06-08,1,Pending,\"Move, \"\"big\"\" one\nsecond line\",HR,,,2026-06-01").as_str()),
            "quoted, quotes doubled"
        );
        assert_eq!(lines.next(), Some(""), "ends with CRLF");
        assert_eq!(lines.next(), None);
    }

    async fn the_csv_holds_the_whole_filtered_list_beyond_one_chunk() {
        let app = TestApp::new().await;
        let (_mia, rob) = team(&app).await;
        let sue = person(&app, "Sue Sales", "sue@example.com", Role::Employee, None).await;
        let mut hana = person(&app, "Hana HR", "hana@example.com", Role::Hr, None).await;
        let (rob_id, now) = (rob.employee_id.clone(), app.now());
        // 520 of Rob's requests (more than one chunk of 500), stored at once.
        app.state
            .db
            .run(move |conn| {
                for n in 0..520 {
                    let id = new_id();
                    leave::insert_request(
                        conn,
                        &NewLeaveRequest {
                            id: &id,
                            employee_id: &rob_id,
                            leave_type_id: "unpaid",
                            first_day: date!(2026 - 06 - 08) + Duration::days(n),
                            last_day: date!(2026 - 06 - 08) + Duration::days(n),
                            half_day: false,
                            half_days: 2,
                            reason: "",
                            status: LeaveStatus::Cancelled.as_str(),
                            approver_employee_id: None,
                            created_at: now,
                            updated_at: now,
                        },
                    )?;
                }
                Ok(())
            })
            .await
            .expect("requests");
        stored(&app, &sue.employee_id, "sick", date!(2026 - 06 - 08), LeaveStatus::Pending, "").await;

        let res = hana.browser.get("/leave/requests.csv").await;
        assert_eq!(res.status, StatusCode::OK);
        let rows: Vec<&str> = res.body.split("\r\n").filter(|l| !l.is_empty()).skip(1).collect();
        assert_eq!(rows.len(), 521);
        let mut ids: Vec<&str> = rows.iter().map(|r| r.split(',').next().expect("id")).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 521, "no row twice");
        let res = hana.browser.get("/leave/requests.csv?person=sue").await;
        let rows: Vec<&str> = res.body.split("\r\n").filter(|l| !l.is_empty()).skip(1).collect();
        assert_eq!(rows.len(), 1, "the filters apply");
        assert!(rows[0].contains(",Sue Sales,Sick leave,"), "{}", rows[0]);
    }
}
