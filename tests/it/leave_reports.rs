//! HR's view of leave: the list of every request (filters, pages of 25, bad
//! filters answered with a 4xx, HR only) and its CSV download (header,
//! quoting, CSV injection neutralised, the same filters). "Today" is the
//! TestApp clock's Monday 1 June 2026.

use axum::http::StatusCode;
use hrms::models::leave::{self, LeaveStatus, NewLeaveRequest};
use hrms::models::new_id;
use hrms::models::user::Role;
use time::macros::date;
use time::{Date, Duration};

use crate::helpers::{Response, TestApp};
use crate::leave::{department_with, person, team};

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
    stored_half_days(app, employee_id, leave_type, day, 2, status, reason).await
}

/// `stored`, for `half_days` (the request's last day is its first: the
/// report only counts the half days).
async fn stored_half_days(
    app: &TestApp,
    employee_id: &str,
    leave_type: &str,
    day: Date,
    half_days: i32,
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
                    half_days,
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

/// The text of each cell of each body row of a page's table.
fn table_rows(page: &Response) -> Vec<Vec<String>> {
    let body = &page.body[page.body.find("<tbody>").expect("a table")..];
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|cell| {
                    let cell = &cell[cell.find('>').expect("cell") + 1..cell.find("</td>").expect("cell end")];
                    let mut text = String::new();
                    let mut in_tag = false;
                    for c in cell.chars() {
                        match c {
                            '<' => in_tag = true,
                            '>' => in_tag = false,
                            c if !in_tag => text.push(c),
                            _ => {}
                        }
                    }
                    text.trim().to_owned()
                })
                .collect()
        })
        .collect()
}

/// Annual leave at 25 days a year with at most 3 days carried over, and
/// Rob's requests (hired in 2024, so 3 days carry into 2025 as well): 20 days taken in 2025 (8 unused, 3 carried), 2 days taken
/// and 1 pending in 2026, and a rejected one that does not count.
async fn robs_year(app: &TestApp, rob: &str) {
    let now = app.now();
    app.state
        .db
        .run(move |conn| Ok(leave::set_allowance_and_carry_over(conn, "annual", Some(25), 6, now)?))
        .await
        .expect("carry-over");
    stored_half_days(app, rob, "annual", date!(2025 - 03 - 02), 40, LeaveStatus::Approved, "").await;
    stored_half_days(app, rob, "annual", date!(2026 - 07 - 06), 4, LeaveStatus::Approved, "").await;
    stored_half_days(app, rob, "annual", date!(2026 - 08 - 03), 2, LeaveStatus::Pending, "").await;
    stored_half_days(app, rob, "annual", date!(2026 - 09 - 07), 10, LeaveStatus::Rejected, "").await;
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

    async fn the_report_shows_allowance_carried_over_taken_pending_and_left_per_person_and_type() {
        let app = TestApp::new().await;
        let (_mia, rob) = team(&app).await;
        let mut hana = person(&app, "Hana HR", "hana@example.com", Role::Hr, None).await;
        robs_year(&app, &rob.employee_id).await;

        let page = hana.browser.get("/leave/report?year=2026").await;
        assert_eq!(page.status, StatusCode::OK);
        let rows = table_rows(&page);
        let line = |who: &str, kind: &str| {
            rows.iter().find(|r| r[0] == who && r[1] == kind).map(|r| r[2..].to_vec()).expect("a line")
        };
        // Employee, type | allowance, carried over, taken, pending, left.
        assert_eq!(line("Rob Report", "Annual leave"), ["25", "3", "2", "1", "25"]);
        assert_eq!(line("Mia Manager", "Annual leave"), ["25", "3", "0", "0", "28"], "everyone is listed (Mia carries 3 unused days from 2025)");
        assert_eq!(line("Rob Report", "Unpaid leave"), ["No limit", "0", "0", "0", "No limit"]);
        // The year before, through the year switcher.
        assert!(page.body.contains(r#"href="/leave/report?year=2025""#));
        let page = hana.browser.get("/leave/report?year=2025").await;
        let rows = table_rows(&page);
        let rob_2025 = rows.iter().find(|r| r[0] == "Rob Report" && r[1] == "Annual leave").expect("2025");
        assert_eq!(rob_2025[2..], ["25", "3", "20", "0", "8"]);
        // No year: this year's.
        let page = hana.browser.get("/leave/report").await;
        assert!(page.body.contains("<h1>Leave report 2026</h1>"));
    }

    async fn the_report_csv_has_a_header_and_a_line_per_person_and_type() {
        let app = TestApp::new().await;
        let (_mia, rob) = team(&app).await;
        let mut hana = person(&app, "Hana HR", "hana@example.com", Role::Hr, None).await;
        robs_year(&app, &rob.employee_id).await;

        let res = hana.browser.get("/leave/report.csv?year=2026").await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(res.header("content-type"), "text/csv; charset=utf-8");
        assert_eq!(res.header("content-disposition"), r#"attachment; filename="leave-report-2026.csv""#);
        let lines: Vec<&str> = res.body.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(lines[0], "Employee,Employee number,Leave type,Allowance,Carried over,Taken,Pending,Left");
        // Three people, three types each.
        assert_eq!(lines.len(), 1 + 3 * 3, "{}", res.body);
        let rob_annual = lines.iter().find(|l| l.starts_with("Rob Report,") && l.contains(",Annual leave,")).expect("Rob");
        assert!(rob_annual.ends_with(",Annual leave,25,3,2,1,25"), "{rob_annual}");
        let rob_unpaid = lines.iter().find(|l| l.starts_with("Rob Report,") && l.contains(",Unpaid leave,")).expect("Rob");
        assert!(rob_unpaid.ends_with(",Unpaid leave,Unlimited,0,0,0,Unlimited"), "{rob_unpaid}");
    }

    async fn a_bad_report_year_gets_a_4xx_with_a_message() {
        let app = TestApp::new().await;
        let mut hana = person(&app, "Hana HR", "hana@example.com", Role::Hr, None).await;
        for path in ["/leave/report", "/leave/report.csv"] {
            for (year, message) in [("abc", "Enter a year like 2026."), ("1800", "Choose a year from 2000 to 2100."), ("99999999999", "Enter a year like 2026.")] {
                let res = hana.browser.get(&format!("{path}?year={year}")).await;
                assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{path} {year}");
                assert!(res.body.contains(message), "{path} {year}: {}", res.body);
            }
        }
    }

    async fn people_who_are_not_hr_get_403_for_the_report_and_its_csv() {
        let app = TestApp::new().await;
        let (mut mia, mut rob) = team(&app).await;
        for who in [&mut mia, &mut rob] {
            for path in ["/leave/report", "/leave/report?year=2026", "/leave/report.csv?year=2026"] {
                let res = who.browser.get(path).await;
                assert_eq!(res.status, StatusCode::FORBIDDEN, "{path}");
            }
        }
    }

    async fn hr_finds_all_requests_and_the_report_on_the_leave_page_and_others_do_not() {
        let app = TestApp::new().await;
        let mut hana = person(&app, "Hana HR", "hana@example.com", Role::Hr, None).await;
        let (mut mia, mut rob) = team(&app).await;
        let page = hana.browser.get("/leave").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(r#"href="/leave/requests">All requests</a>"#), "{}", page.body);
        assert!(page.body.contains(r#"href="/leave/report">Leave report</a>"#));
        for who in [&mut mia, &mut rob] {
            let page = who.browser.get("/leave").await;
            assert_eq!(page.status, StatusCode::OK);
            assert!(!page.body.contains(r#"href="/leave/requests""#) && !page.body.contains(r#"href="/leave/report""#));
        }
    }

    async fn year_switchers_offer_no_year_that_would_be_refused() {
        let app = TestApp::new().await;
        let mut hana = person(&app, "Hana HR", "hana@example.com", Role::Hr, None).await;
        let (_mia, rob) = team(&app).await;
        let page = hana.browser.get("/leave/report?year=2000").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("year=1999"), "no year before 2000");
        assert!(page.body.contains(r#"href="/leave/report?year=2001""#));
        let page = hana.browser.get("/leave/report?year=2100").await;
        assert!(!page.body.contains("year=2101"), "no year after 2100");
        assert!(page.body.contains(r#"href="/leave/report?year=2099""#));
        // Every year link on the report, the balances and a profile opens.
        for path in [
            "/leave/report?year=2000".to_owned(),
            "/leave/report?year=2100".to_owned(),
            "/leave/report".to_owned(),
            "/leave?year=2000".to_owned(),
            "/leave?year=2100".to_owned(),
            format!("/employees/{}?year=2100", rob.employee_id),
            format!("/employees/{}?year=2000", rob.employee_id),
        ] {
            let page = hana.browser.get(&path).await;
            assert_eq!(page.status, StatusCode::OK, "{path}");
            let links = year_links(&page);
            assert!(!links.is_empty(), "{path} has a year switcher");
            for link in links {
                let res = hana.browser.get(&link).await;
                assert_eq!(res.status, StatusCode::OK, "{path} links to {link}");
            }
        }
    }
}

/// The addresses of a page's year switcher.
fn year_links(page: &Response) -> Vec<String> {
    let Some(start) = page.body.find("year-tabs") else { return Vec::new() };
    let end = start + page.body[start..].find("</nav>").expect("end of the switcher");
    page.body[start..end]
        .split(r#"href=""#)
        .skip(1)
        .map(|rest| rest[..rest.find('"').expect("quote")].replace("&#38;", "&").replace("&amp;", "&"))
        .map(|href| href.split('#').next().unwrap_or_default().to_owned())
        .collect()
}
