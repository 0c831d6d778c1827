//! The leave year: a year switcher on one's leave page, carry-over of unused
//! days into the next year (set by HR, computed from the year before),
//! allowances pro-rated from the hire date, and a person's leave on their
//! profile for HR and their manager only. "Today" is the TestApp clock's
//! Monday 1 June 2026; annual leave allows 25 days a year; `person` records
//! were hired on 15 January 2024.

use axum::http::StatusCode;
use diesel::prelude::*;
use hrms::db::schema::employees;
use hrms::domain::leave::Balance;
use hrms::models::user::Role;
use time::Date;
use time::macros::date;

use crate::helpers::TestApp;
use crate::leave::{Person, decide, person, requested, team};

async fn balance_in(app: &TestApp, employee_id: &str, leave_type: &str, year: i32) -> Balance {
    let (id, leave_type) = (employee_id.to_owned(), leave_type.to_owned());
    let all =
        app.state.db.run(move |conn| Ok(hrms::domain::leave::balances(conn, &id, year)?)).await.expect("balances");
    all.into_iter().find(|b| b.leave_type.id == leave_type).expect("type")
}

async fn set_hire_date(app: &TestApp, employee_id: &str, day: Date) {
    let id = employee_id.to_owned();
    app.state
        .db
        .run(move |conn| {
            diesel::update(employees::table.find(id)).set(employees::hire_date.eq(day)).execute(conn)?;
            Ok(())
        })
        .await
        .expect("hire date");
}

/// HR saves a type's allowance and most carried over.
async fn save_type(hr: &mut Person, leave_type: &str, allowance: &str, carry_over: &str) -> crate::helpers::Response {
    hr.browser
        .submit(
            "/leave/settings",
            &format!("/leave/types/{leave_type}"),
            &[("allowance", allowance), ("carry_over", carry_over)],
        )
        .await
}

/// The balance card of `name` on a leave page: from its heading to the end of the card.
fn card<'a>(body: &'a str, name: &str) -> &'a str {
    let start = body.find(&format!(r#"aria-label="{name}""#)).expect("card");
    let rest = &body[start..];
    &rest[..rest.find("</article>").expect("card end")]
}

backend_tests! {
    async fn year_switcher_shows_next_years_request_under_next_year() {
        let app = TestApp::new().await;
        let (_mia, mut rob) = team(&app).await;
        let this_year = requested(&app, &mut rob, "annual", "2026-06-08", "2026-06-12").await; // 5 days
        let next_year = requested(&app, &mut rob, "annual", "2027-01-04", "2027-01-06").await; // 3 days
        let last_year = requested(&app, &mut rob, "annual", "2025-12-01", "2025-12-01").await; // 1 day

        // This year: this year's request and balance only, and a link to every year with requests.
        let page = rob.browser.get("/leave").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Balances for 2026"));
        assert!(page.body.contains(&format!("/leave/{this_year}")));
        assert!(!page.body.contains(&format!("/leave/{next_year}")), "next year's request shown under 2026");
        assert!(!page.body.contains(&format!("/leave/{last_year}")), "last year's request shown under 2026");
        assert!(card(&page.body, "Annual leave").contains(r#"<span class="stat-value">20</span>"#));
        for year in [2025, 2026, 2027] {
            assert!(page.body.contains(&format!(r#"href="/leave?year={year}""#)), "no link to {year}");
        }
        assert!(page.body.contains(r#"href="/leave?year=2026" aria-current="page""#));

        // Next year: its request, and 25 - 3 = 22 days left.
        let page = rob.browser.get("/leave?year=2027").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Balances for 2027"));
        assert!(page.body.contains(&format!("/leave/{next_year}")));
        assert!(!page.body.contains(&format!("/leave/{this_year}")));
        assert!(card(&page.body, "Annual leave").contains(r#"<span class="stat-value">22</span>"#));
        assert!(page.body.contains(r#"href="/leave?year=2027" aria-current="page""#));

        // A year with nothing in it is simply empty.
        let page = rob.browser.get("/leave?year=2030").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("You have no leave requests in 2030."));
    }

    async fn a_bad_year_is_a_4xx_page_never_a_500() {
        let app = TestApp::new().await;
        let (mut hr, rob) = (
            person(&app, "Hana HR", "hana@example.com", Role::Hr, None).await,
            person(&app, "Rob Report", "rob@example.com", Role::Employee, None).await,
        );
        let mut rob = rob;
        for (path, status, message) in [
            ("/leave?year=abc", StatusCode::BAD_REQUEST, "Choose a year as a number, like 2026."),
            ("/leave?year=2026.5", StatusCode::BAD_REQUEST, "Choose a year as a number, like 2026."),
            ("/leave?year=99999999999", StatusCode::BAD_REQUEST, "Choose a year as a number, like 2026."),
            ("/leave?year=1999", StatusCode::UNPROCESSABLE_ENTITY, "Choose a year from 2000 to 2100."),
            ("/leave?year=2101", StatusCode::UNPROCESSABLE_ENTITY, "Choose a year from 2000 to 2100."),
            ("/leave?year=-5", StatusCode::UNPROCESSABLE_ENTITY, "Choose a year from 2000 to 2100."),
        ] {
            let res = rob.browser.get(path).await;
            assert_eq!(res.status, status, "{path}");
            assert!(res.body.contains(message), "{path}: {}", res.body);
        }
        let profile = format!("/employees/{}", rob.employee_id);
        let res = hr.browser.get(&format!("{profile}?year=abc")).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        let res = hr.browser.get(&format!("{profile}?year=3000")).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("Choose a year from 2000 to 2100."));
        // An empty year is this year.
        assert_eq!(rob.browser.get("/leave?year=").await.status, StatusCode::OK);
    }

    async fn carried_over_days_show_as_a_line_and_count_toward_what_can_be_requested() {
        let app = TestApp::new().await;
        let mut hr = person(&app, "Hana HR", "hana@example.com", Role::Hr, None).await;
        let (mut mia, mut rob) = team(&app).await;
        // 20 of 2026's 25 days taken; at most 3 unused days carry over.
        let july = requested(&app, &mut rob, "annual", "2026-07-06", "2026-07-31").await;
        assert_eq!(decide(&mut mia.browser, &july, "approve", "").await.status, StatusCode::SEE_OTHER);
        assert_eq!(balance_in(&app, &rob.employee_id, "annual", 2027).await.carried, 0, "0 by default");
        let res = save_type(&mut hr, "annual", "25", "3").await;
        assert_eq!((res.status, res.location()), (StatusCode::SEE_OTHER, "/leave/settings?notice=type_saved"));

        let this = balance_in(&app, &rob.employee_id, "annual", 2026).await;
        assert_eq!((this.allowance, this.carried, this.taken, this.left()), (Some(50), 6, 40, Some(16)));
        let next = balance_in(&app, &rob.employee_id, "annual", 2027).await;
        assert_eq!((next.allowance, next.carried, next.left()), (Some(50), 6, Some(56)));
        let page = rob.browser.get("/leave?year=2027").await;
        let annual = card(&page.body, "Annual leave");
        assert!(annual.contains("Carried over from 2026: 3 days"), "{annual}");
        assert!(annual.contains(r#"<span class="stat-value">28</span>"#), "{annual}");
        // The JSON API shows the same.
        let mut api = app.api_as("rob@example.com").await;
        let res = api.get("/api/v1/leave/balances?year=2027").await;
        let annual = res.json.as_array().expect("list").iter().find(|b| b["leave_type_id"] == "annual").expect("annual").clone();
        assert_eq!((annual["carried_over_days"].as_f64(), annual["left_days"].as_f64()), (Some(3.0), Some(28.0)));
        // Rob was hired in 2024 and took nothing in 2025: 3 days came into 2026 too.
        let page = rob.browser.get("/leave").await;
        let annual = card(&page.body, "Annual leave");
        assert!(annual.contains("Carried over from 2025: 3 days"), "{annual}");
        assert!(annual.contains(r#"<span class="stat-value">8</span>"#), "{annual}");

        // 26 days fit only thanks to the 3 carried over; they are accepted and approved.
        let long = requested(&app, &mut rob, "annual", "2027-01-04", "2027-02-08").await;
        assert_eq!(balance_in(&app, &rob.employee_id, "annual", 2027).await.pending, 52);
        assert_eq!(decide(&mut mia.browser, &long, "approve", "").await.status, StatusCode::SEE_OTHER);
        // 2 days are left; 3 more are refused.
        let res = rob
            .browser
            .submit(
                "/leave/new",
                "/leave",
                &[("leave_type_id", "annual"), ("first_day", "2027-03-01"), ("last_day", "2027-03-03"), ("reason", "")],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("You have 2 days of Annual leave left for 2027; this request needs 3 days."), "{}", res.body);

        // Unused days of 2026 shrink when more 2026 leave is approved: the carry follows.
        let more = requested(&app, &mut rob, "annual", "2026-08-03", "2026-08-10").await; // 6 days
        assert_eq!(decide(&mut mia.browser, &more, "approve", "").await.status, StatusCode::SEE_OTHER);
        assert_eq!(balance_in(&app, &rob.employee_id, "annual", 2027).await.carried, 4, "2 days unused in 2026");
        // Unlimited types carry nothing.
        assert_eq!(balance_in(&app, &rob.employee_id, "unpaid", 2027).await.carried, 0);
    }

    async fn settings_validate_carry_over_whole_or_half_days_up_to_the_allowance() {
        let app = TestApp::new().await;
        let mut hr = person(&app, "Hana HR", "hana@example.com", Role::Hr, None).await;
        let mut ann = person(&app, "Ann", "ann@example.com", Role::Employee, None).await;
        let res = ann.browser.submit("/leave", "/leave/types/annual", &[("allowance", "25"), ("carry_over", "5")]).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);

        for bad in ["26", "-1", "1.25", "lots", "2.5.5"] {
            let res = save_type(&mut hr, "annual", "25", bad).await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
            assert!(res.body.contains("Enter whole or half days from 0 to the allowance (25 days), like 5 or 2.5."), "{bad}");
            assert!(res.body.contains(&format!(r#"value="{bad}""#)), "{bad} not kept");
        }
        let res = save_type(&mut hr, "unpaid", "", "3").await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("Unlimited types carry nothing over"));

        let res = save_type(&mut hr, "annual", "25", "2.5").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let page = hr.browser.get("/leave/settings").await;
        assert!(page.body.contains("25 days a year; up to 2.5 days carried over"));
        assert!(page.body.contains(r#"value="2.5""#));
        // The allowance form without the field keeps it; a lower allowance lowers it.
        assert_eq!(hr.browser.submit("/leave/settings", "/leave/types/annual", &[("allowance", "20")]).await.status, StatusCode::SEE_OTHER);
        assert!(hr.browser.get("/leave/settings").await.body.contains("20 days a year; up to 2.5 days carried over"));
        assert_eq!(hr.browser.submit("/leave/settings", "/leave/types/annual", &[("allowance", "2")]).await.status, StatusCode::SEE_OTHER);
        assert!(hr.browser.get("/leave/settings").await.body.contains("2 days a year; up to 2 days carried over"));
        // Empty means none.
        assert_eq!(save_type(&mut hr, "annual", "25", "").await.status, StatusCode::SEE_OTHER);
        let page = hr.browser.get("/leave/settings").await;
        assert!(page.body.contains("25 days a year</td>"));
        assert_eq!(app.count_events("leave_type_updated").await, 4);
    }

    async fn the_first_year_is_pro_rated_from_the_hire_date() {
        let app = TestApp::new().await;
        let mut joe = person(&app, "Joe New", "joe@example.com", Role::Employee, None).await;
        // Hired on 1 July 2026: 184 of 365 days, 25 * 184 / 365 = 12.6, so 12.5 days.
        set_hire_date(&app, &joe.employee_id, date!(2026 - 07 - 01)).await;
        let first = balance_in(&app, &joe.employee_id, "annual", 2026).await;
        assert_eq!((first.allowance, first.prorated), (Some(25), true));
        assert_eq!(balance_in(&app, &joe.employee_id, "annual", 2027).await.allowance, Some(50), "a full year after");
        assert_eq!(balance_in(&app, &joe.employee_id, "annual", 2025).await.allowance, Some(0), "before the hire");
        assert_eq!(balance_in(&app, &joe.employee_id, "unpaid", 2026).await.allowance, None, "unlimited stays so");
        let page = joe.browser.get("/leave").await;
        let annual = card(&page.body, "Annual leave");
        assert!(annual.contains("Pro-rated from the hire date") && annual.contains("12.5 days"), "{annual}");
        // 13 days do not fit the pro-rated 12.5.
        let res = joe
            .browser
            .submit(
                "/leave/new",
                "/leave",
                &[("leave_type_id", "annual"), ("first_day", "2026-09-01"), ("last_day", "2026-09-17"), ("reason", "")],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("You have 12.5 days of Annual leave left; this request needs 13 days."), "{}", res.body);
    }

    async fn profile_shows_balances_and_history_to_hr_and_the_manager_not_to_a_colleague() {
        let app = TestApp::new().await;
        let mut hr = person(&app, "Hana HR", "hana@example.com", Role::Hr, None).await;
        let (mut mia, mut rob) = team(&app).await;
        let mut cat = person(&app, "Cat Colleague", "cat@example.com", Role::Employee, None).await;
        let june = requested(&app, &mut rob, "annual", "2026-06-08", "2026-06-12").await;
        let next = requested(&app, &mut rob, "annual", "2027-01-04", "2027-01-06").await;
        let profile = format!("/employees/{}", rob.employee_id);

        for (who, viewer) in [("HR", &mut hr), ("the manager", &mut mia)] {
            let page = viewer.browser.get(&profile).await;
            assert_eq!(page.status, StatusCode::OK, "{who}");
            assert!(page.body.contains("Leave in 2026"), "{who}");
            assert!(card(&page.body, "Annual leave").contains(r#"<span class="stat-value">20</span>"#), "{who}");
            assert!(page.body.contains(&format!("/leave/{june}")), "{who}");
            assert!(!page.body.contains(&format!("/leave/{next}")), "{who}");
            let page = viewer.browser.get(&format!("{profile}?year=2027")).await;
            assert!(page.body.contains("Leave in 2027") && page.body.contains(&format!("/leave/{next}")), "{who}");
        }

        // A colleague sees the profile, but neither balances nor history, in any year.
        for path in [profile.clone(), format!("{profile}?year=2027")] {
            let page = cat.browser.get(&path).await;
            assert_eq!(page.status, StatusCode::OK);
            assert!(page.body.contains("Rob Report"));
            for hidden in ["Leave in", "Annual leave", "days left", &format!("/leave/{june}"), &format!("/leave/{next}")] {
                assert!(!page.body.contains(hidden), "{path}: a colleague sees {hidden:?}");
            }
        }
        // Nor can they open the request itself.
        assert_eq!(cat.browser.get(&format!("/leave/{june}")).await.status, StatusCode::NOT_FOUND);
    }
}
