//! The leave calendar: who sees whom per role, approved and pending leave,
//! weekends and public holidays, no reasons, bad input answered with a 4xx.
//! "Today" is the TestApp clock's Monday 1 June 2026.

use axum::http::StatusCode;
use hrms::models::leave;
use hrms::models::new_id;
use hrms::models::user::Role;
use time::macros::date;

use crate::helpers::{Browser, TestApp};
use crate::leave::{Person, decide, department_with, person};

/// Requests leave with a reason; returns the new request's id.
async fn requested_because(app: &TestApp, who: &mut Person, first: &str, last: &str, reason: &str) -> String {
    let fields = [("leave_type_id", "annual"), ("first_day", first), ("last_day", last), ("reason", reason)];
    let res = who.browser.submit("/leave/new", "/leave", &fields).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "request refused: {}", res.body);
    let id = who.employee_id.clone();
    let all = app.state.db.run(move |conn| Ok(leave::requests_of(conn, &id)?)).await.expect("requests");
    all.into_iter().find(|r| r.reason == reason).expect("stored").id
}

/// Two teams: Mia manages Rob and Sue; Oscar manages Ollie. Rob's leave of
/// 8-10 June is approved, Sue's of 9 June and Ollie's of 9 June are pending;
/// each gave a reason. Plus an HR person with no team.
pub struct Company {
    pub mia: Person,
    pub rob: Person,
    pub sue: Person,
    pub oscar: Person,
    pub ollie: Person,
    pub hana: Person,
}

pub const ROB_REASON: &str = "Rob-private-surgery";
pub const SUE_REASON: &str = "Sue-private-wedding";
pub const OLLIE_REASON: &str = "Ollie-private-court-date";

pub async fn company(app: &TestApp) -> Company {
    let mut mia = person(app, "Mia Manager", "mia@example.com", Role::Employee, None).await;
    let mut rob = person(app, "Rob Report", "rob@example.com", Role::Employee, Some(&mia.employee_id)).await;
    let mut sue = person(app, "Sue Sidekick", "sue@example.com", Role::Employee, Some(&mia.employee_id)).await;
    let oscar = person(app, "Oscar Owner", "oscar@example.com", Role::Employee, None).await;
    let mut ollie = person(app, "Ollie Outsider", "ollie@example.com", Role::Employee, Some(&oscar.employee_id)).await;
    let hana = person(app, "Hana Hr", "hana@example.com", Role::Hr, None).await;
    let rob_leave = requested_because(app, &mut rob, "2026-06-08", "2026-06-10", ROB_REASON).await;
    assert_eq!(decide(&mut mia.browser, &rob_leave, "approve", "").await.status, StatusCode::SEE_OTHER);
    requested_because(app, &mut sue, "2026-06-09", "2026-06-09", SUE_REASON).await;
    requested_because(app, &mut ollie, "2026-06-09", "2026-06-09", OLLIE_REASON).await;
    Company { mia, rob, sue, oscar, ollie, hana }
}

async fn june(browser: &mut Browser) -> String {
    let page = browser.get("/leave/calendar?month=2026-06").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.body
}

/// The HTML of one day's cell in the grid.
fn cell<'a>(body: &'a str, day: &str) -> &'a str {
    let start = body.find(&format!(r#"data-day="{day}""#)).expect("the day is in the grid");
    let end = body[start..].find("</td>").expect("cell end");
    &body[start..start + end]
}

/// The `<td>` tag of one day in the grid.
fn cell_tag<'a>(body: &'a str, day: &str) -> &'a str {
    let at = body.find(&format!(r#"data-day="{day}""#)).expect("the day is in the grid");
    let start = body[..at].rfind("<td").expect("cell start");
    &body[start..at]
}

backend_tests! {
    async fn an_employee_sees_their_team_and_not_other_teams() {
        let app = TestApp::new().await;
        let mut c = company(&app).await;
        let page = june(&mut c.rob.browser).await;
        let ninth = cell(&page, "2026-06-09");
        assert!(ninth.contains("Rob Report"), "{ninth}");
        assert!(ninth.contains("Sue Sidekick"), "a teammate (same manager) is shown: {ninth}");
        assert!(!page.contains("Ollie Outsider"), "another team is not shown");
        let page = june(&mut c.ollie.browser).await;
        assert!(cell(&page, "2026-06-09").contains("Ollie Outsider"));
        assert!(!page.contains("Rob Report") && !page.contains("Sue Sidekick"), "another team is not shown");
    }

    async fn a_manager_sees_their_reports_and_not_other_teams() {
        let app = TestApp::new().await;
        let mut c = company(&app).await;
        let page = june(&mut c.mia.browser).await;
        let ninth = cell(&page, "2026-06-09");
        assert!(ninth.contains("Rob Report") && ninth.contains("Sue Sidekick"), "{ninth}");
        assert!(!page.contains("Ollie Outsider"));
        let page = june(&mut c.oscar.browser).await;
        assert!(cell(&page, "2026-06-09").contains("Ollie Outsider"));
        assert!(!page.contains("Rob Report") && !page.contains("Sue Sidekick"));
    }

    async fn hr_sees_the_whole_company_or_one_department() {
        let app = TestApp::new().await;
        let mut c = company(&app).await;
        let page = june(&mut c.hana.browser).await;
        assert!(page.contains("Whole company"));
        let ninth = cell(&page, "2026-06-09");
        for name in ["Rob Report", "Sue Sidekick", "Ollie Outsider"] {
            assert!(ninth.contains(name), "{name}: {ninth}");
        }
        let sales = department_with(&app, "Sales", &[&c.ollie.employee_id]).await;
        let page = c.hana.browser.get(&format!("/leave/calendar?month=2026-06&department={sales}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(cell(&page.body, "2026-06-09").contains("Ollie Outsider"));
        assert!(!page.body.contains("Rob Report") && !page.body.contains("Sue Sidekick"), "only Sales is shown");
        assert!(page.body.contains(&format!(r#"href="/leave/calendar?month=2026-07&amp;department={sales}""#)) || page.body.contains(&format!("month=2026-07&#38;department={sales}")), "the month links keep the department");
    }

    async fn pending_leave_is_marked_pending_and_approved_is_not() {
        let app = TestApp::new().await;
        let mut c = company(&app).await;
        let page = june(&mut c.mia.browser).await;
        let ninth = cell(&page, "2026-06-09");
        assert!(ninth.contains(r#"<li class="away-chip away-pending">Sue Sidekick <span class="away-status">(pending)</span></li>"#), "{ninth}");
        assert!(ninth.contains(r#"<li class="away-chip">Rob Report</li>"#), "{ninth}");
        // Rejected leave is not shown at all.
        let sue_leave = {
            let id = c.sue.employee_id.clone();
            app.state.db.run(move |conn| Ok(leave::requests_of(conn, &id)?)).await.expect("requests")[0].id.clone()
        };
        assert_eq!(decide(&mut c.mia.browser, &sue_leave, "reject", "Busy week").await.status, StatusCode::SEE_OTHER);
        let page = june(&mut c.mia.browser).await;
        assert!(!cell(&page, "2026-06-09").contains("Sue Sidekick"));
    }

    async fn weekends_and_public_holidays_are_marked_and_hold_nobody() {
        let app = TestApp::new().await;
        let mut rob = person(&app, "Rob Report", "rob@example.com", Role::Employee, None).await;
        app.state
            .db
            .run(|conn| Ok(leave::add_holiday(conn, &new_id(), date!(2026 - 06 - 17), "Founders Day")?))
            .await
            .expect("holiday");
        // Friday 12 to Monday 22 June, over two weekends and the holiday.
        requested_because(&app, &mut rob, "2026-06-12", "2026-06-22", "long trip").await;
        let page = june(&mut rob.browser).await;
        for weekend in ["2026-06-06", "2026-06-07", "2026-06-13", "2026-06-14"] {
            assert!(cell_tag(&page, weekend).contains("is-weekend"), "{weekend}");
            assert!(!cell(&page, weekend).contains("Rob Report"), "nobody is away on a weekend: {weekend}");
        }
        assert!(!cell_tag(&page, "2026-06-12").contains("is-weekend"));
        assert!(cell(&page, "2026-06-12").contains("Rob Report"));
        assert!(cell_tag(&page, "2026-06-17").contains("is-holiday"));
        assert!(cell(&page, "2026-06-17").contains("Founders Day"));
        assert!(!cell(&page, "2026-06-17").contains("Rob Report"));
        // The phone's list names the holiday and the days with absences, not the empty ones.
        let agenda = &page[page.find("calendar-agenda").expect("agenda")..];
        assert!(agenda.contains("Public holiday: Founders Day"));
        assert!(agenda.contains("Friday 12 June 2026") || agenda.contains("12 June"), "{agenda}");
        assert!(!agenda.contains("Saturday 13 June"));
    }

    async fn the_calendar_never_shows_reasons() {
        let app = TestApp::new().await;
        let mut c = company(&app).await;
        for who in [&mut c.rob, &mut c.sue, &mut c.mia, &mut c.ollie, &mut c.oscar, &mut c.hana] {
            let page = june(&mut who.browser).await;
            for reason in [ROB_REASON, SUE_REASON, OLLIE_REASON] {
                assert!(!page.contains(reason), "a reason on the calendar: {reason}");
            }
        }
    }

    async fn bad_months_and_departments_are_answered_with_a_4xx() {
        let app = TestApp::new().await;
        let mut c = company(&app).await;
        for bad in ["2026-13", "2026-00", "1999-12", "2101-01", "june", "2026-6", "2026-06-01", "2026-0%C3%A9", "+026-06"] {
            let res = c.hana.browser.get(&format!("/leave/calendar?month={bad}")).await;
            assert_eq!(res.status, StatusCode::BAD_REQUEST, "{bad}: {}", res.body);
            assert!(res.body.contains("Choose a"), "{bad}: a message says what to do");
        }
        let res = c.hana.browser.get("/leave/calendar?month=2026-06&department=no-such-department").await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        let sales = department_with(&app, "Sales", &[&c.ollie.employee_id]).await;
        let res = c.rob.browser.get(&format!("/leave/calendar?month=2026-06&department={sales}")).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "only HR filters by department");
        assert!(!res.body.contains("Ollie Outsider"));
    }

    async fn the_month_links_go_to_the_previous_and_next_month_and_stop_at_the_bounds() {
        let app = TestApp::new().await;
        let mut rob = person(&app, "Rob Report", "rob@example.com", Role::Employee, None).await;
        let page = rob.browser.get("/leave/calendar").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("June 2026"), "this month by default");
        assert!(page.body.contains(r#"href="/leave/calendar?month=2026-05""#));
        assert!(page.body.contains(r#"href="/leave/calendar?month=2026-07""#));
        let january = rob.browser.get("/leave/calendar?month=2027-01").await;
        assert!(january.body.contains(r#"href="/leave/calendar?month=2026-12""#));
        let first = rob.browser.get("/leave/calendar?month=2000-01").await;
        assert_eq!(first.status, StatusCode::OK);
        assert!(!first.body.contains(r#"rel="prev""#), "no month before 2000");
        let last = rob.browser.get("/leave/calendar?month=2100-12").await;
        assert!(!last.body.contains(r#"rel="next""#), "no month after 2100");
        let leave = rob.browser.get("/leave").await;
        assert!(leave.body.contains(r#"href="/leave/calendar""#), "the leave page links to the calendar");
    }

    async fn the_decision_page_shows_who_else_in_the_team_is_away_then() {
        let app = TestApp::new().await;
        let mut c = company(&app).await;
        // Another pending teammate, over 9-12 June.
        let mut tia = person(&app, "Tia Teammate", "tia@example.com", Role::Employee, Some(&c.mia.employee_id)).await;
        requested_because(&app, &mut tia, "2026-06-09", "2026-06-12", "Tia-private").await;
        let sue_leave = {
            let id = c.sue.employee_id.clone();
            app.state.db.run(move |conn| Ok(leave::requests_of(conn, &id)?)).await.expect("requests")[0].id.clone()
        };
        let page = c.mia.browser.get(&format!("/leave/{sue_leave}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Your decision"), "Mia may decide");
        assert!(
            page.body.contains("<strong>Also away:</strong> Rob Report (approved, 9 Jun), Tia Teammate (pending, 9 Jun)"),
            "{}",
            page.body
        );
        assert!(!page.body.contains("Ollie Outsider"), "another team's leave is not a clash");
        assert!(!page.body.contains(ROB_REASON) && !page.body.contains("Tia-private"), "no reasons of others");
        // Sue, who cannot decide her own request, is not shown the line.
        let own = c.sue.browser.get(&format!("/leave/{sue_leave}")).await;
        assert!(!own.body.contains("Also away"));
    }

    async fn an_owner_without_a_manager_is_compared_with_their_department_and_without_either_with_nobody() {
        let app = TestApp::new().await;
        let mut hana = person(&app, "Hana Hr", "hana@example.com", Role::Hr, None).await;
        let mut dee = person(&app, "Dee Desk", "dee@example.com", Role::Employee, None).await;
        let mut dan = person(&app, "Dan Desk", "dan@example.com", Role::Employee, None).await;
        let mut xena = person(&app, "Xena Elsewhere", "xena@example.com", Role::Employee, None).await;
        let mut nia = person(&app, "Nia Nobody", "nia@example.com", Role::Employee, None).await;
        department_with(&app, "Operations", &[&dee.employee_id, &dan.employee_id]).await;
        department_with(&app, "Sales", &[&xena.employee_id]).await;
        requested_because(&app, &mut dan, "2026-06-09", "2026-06-10", "Dan-private").await;
        let xenas = requested_because(&app, &mut xena, "2026-06-09", "2026-06-09", "Xena-private").await;
        let dees = requested_because(&app, &mut dee, "2026-06-09", "2026-06-09", "Dee-private").await;
        let nias = requested_because(&app, &mut nia, "2026-06-09", "2026-06-09", "Nia-private").await;

        // Dee has no manager: her department is her team.
        let page = hana.browser.get(&format!("/leave/{dees}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Your decision"), "HR decides for those without a manager");
        assert!(page.body.contains("<strong>Also away:</strong> Dan Desk (pending, 9 Jun)</p>"), "{}", page.body);
        assert!(!page.body.contains("Xena Elsewhere") && !page.body.contains("Nia Nobody"), "other departments are no clash");
        assert!(!page.body.contains("Dan-private"), "no reasons of others");
        // Alone in Sales: compared, and nobody else is away.
        let page = hana.browser.get(&format!("/leave/{xenas}")).await;
        assert!(page.body.contains("Nobody else in the department is away on these days."), "{}", page.body);
        assert!(!page.body.contains("Also away"));
        // Nia has neither a manager nor a department: nothing was compared, and the page does not pretend it was.
        let page = hana.browser.get(&format!("/leave/{nias}")).await;
        assert!(page.body.contains("Your decision"));
        assert!(!page.body.contains("Also away") && !page.body.contains("Nobody else"), "{}", page.body);
        assert!(page.body.contains("there is no team to compare these days with"));
    }
}
