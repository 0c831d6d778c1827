//! Actions that cannot be undone ask first: ending someone's employment on a
//! page of its own (last working day and reason, stored and audited, and the
//! last year's leave pro-rated to that day), and the confirmation pages for
//! deactivating an account, removing a public holiday and cancelling approved
//! leave.

use axum::http::StatusCode;
use hrms::models::employee::EmployeeStatus;
use hrms::models::user::Role;
use time::macros::date;

use crate::employees::{Person, account, hr_signed_in, person_signed_in, post, post_record, record, record_fields};
use crate::helpers::{Response, TestApp, claims_of};
use crate::leave::{decide, requested, team};

/// The termination page of `id`.
fn page_of(id: &str) -> String {
    format!("/employees/{id}/terminate")
}

/// Fills in the termination page of `id` and sends it.
async fn end_employment(browser: &mut crate::helpers::Browser, id: &str, day: &str, reason: &str) -> Response {
    let page = page_of(id);
    browser.submit(&page, &page, &[("last_working_day", day), ("reason", reason)]).await
}

/// Asserts that the record of `id` is as it was before any termination.
async fn nothing_written(app: &TestApp, id: &str) {
    let after = record(app, id).await;
    assert_eq!(after.status(), EmployeeStatus::Active);
    assert_eq!((after.terminated_on, after.termination_reason), (None, None));
    assert!(account(app, after.user_id.as_deref().expect("linked")).await.active, "the account stays active");
    assert_eq!(app.count_events("employee_terminated").await, 0);
}

/// The hidden CSRF token inside the form that posts to `action`.
fn token_in_form(body: &str, action: &str) -> Option<String> {
    let start = body.find(&format!(r#"<form method="post" action="{action}""#))?;
    let form = &body[start..start + body[start..].find("</form>")?];
    let marker = r#"name="csrf_token" value=""#;
    let value = &form[form.find(marker)? + marker.len()..];
    Some(value[..value.find('"')?].to_owned())
}

backend_tests! {
    async fn only_hr_may_open_or_send_the_termination_page() {
        let app = TestApp::new().await;
        let (mut tom, tom_id) = person_signed_in(&app, Person::new("Tom Leaving", "tom@example.com"), Role::Employee).await;
        let (mut eve, _) = person_signed_in(&app, Person::new("Eve Peer", "eve@example.com"), Role::Employee).await;
        let profile = eve.get(&format!("/employees/{tom_id}")).await;
        assert!(!profile.body.contains(&page_of(&tom_id)), "no link for an employee");

        assert_eq!(eve.get(&page_of(&tom_id)).await.status, StatusCode::FORBIDDEN);
        let fields = [("last_working_day", "2026-05-29"), ("reason", "Because I say so")];
        assert_eq!(post(&mut eve, &page_of(&tom_id), &fields).await.status, StatusCode::FORBIDDEN);
        // Nor one's own record, even filled in properly.
        assert_eq!(post(&mut tom, &page_of(&tom_id), &fields).await.status, StatusCode::FORBIDDEN);
        nothing_written(&app, &tom_id).await;
        assert_eq!(tom.get("/dashboard").await.status, StatusCode::OK, "still signed in");
    }

    async fn a_missing_reason_a_future_day_or_one_before_the_hire_date_is_refused_on_the_form() {
        let app = TestApp::new().await;
        let (mut hr, _) = hr_signed_in(&app).await;
        let (_, tom_id) = person_signed_in(&app, Person::new("Tom Leaving", "tom@example.com"), Role::Employee).await;

        let page = hr.get(&page_of(&tom_id)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(r#"type="date""#) && page.body.contains(r#"value="2026-06-01""#), "today by default");
        assert!(page.body.contains("type it as 2026-06-01"), "the hint shows the format the parser reads");
        assert!(page.body.contains(r#"min="2024-03-01" max="2026-06-01""#), "hire date to today");

        let cases = [
            ("2026-05-29", "   ", "reason", "Enter the reason the employment ends."),
            ("2026-06-02", "Resigned", "last_working_day", "access ends when the termination is recorded"),
            ("2024-02-29", "Resigned", "last_working_day", "cannot be before the hire date, 1 March 2024"),
            ("", "Resigned", "last_working_day", "Enter the last working day."),
            ("29/05/2026", "Resigned", "last_working_day", "like 2026-06-30"),
        ];
        for (day, reason, field, message) in cases {
            let res = end_employment(&mut hr, &tom_id, day, reason).await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{day:?} {reason:?}: {}", res.body);
            assert!(res.body.contains(message), "{day:?} {reason:?}: {message:?} missing");
            assert!(res.body.contains(&format!(r#"id="{field}-error""#)), "the message is beside {field}");
            assert!(res.body.contains(&format!(r#"action="{}""#, page_of(&tom_id))), "the form is shown again");
        }
        let long = "x".repeat(501);
        let res = end_employment(&mut hr, &tom_id, "2026-05-29", &long).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("Use at most 500 characters."));
        nothing_written(&app, &tom_id).await;
    }

    async fn ending_employment_stores_the_day_and_reason_audits_them_and_ends_the_account() {
        let app = TestApp::new().await;
        let (mut hr, _) = hr_signed_in(&app).await;
        let (mut tom, tom_id) = person_signed_in(&app, Person::new("Tom Leaving", "tom@example.com"), Role::Employee).await;
        let sid = claims_of(&tom.cookie("hrms_access").expect("signed in")).sid;

        let profile = hr.get(&format!("/employees/{tom_id}")).await;
        assert!(profile.body.contains(&format!(r#"href="{}""#, page_of(&tom_id))), "the profile links to the page");
        assert!(!profile.body.contains(&format!(r#"action="{}""#, page_of(&tom_id))), "no one-click form");

        let res = end_employment(&mut hr, &tom_id, "2026-05-29", "  Moved abroad <b>for good</b>  ").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(res.location(), format!("/employees/{tom_id}?notice=terminated"));

        let after = record(&app, &tom_id).await;
        assert_eq!(after.status(), EmployeeStatus::Terminated);
        assert_eq!(after.terminated_on, Some(date!(2026 - 05 - 29)));
        assert_eq!(after.termination_reason.as_deref(), Some("Moved abroad <b>for good</b>"));
        assert!(!account(&app, after.user_id.as_deref().expect("linked")).await.active);
        let session = app.session(&sid).await;
        assert_eq!(session.revoked_reason.as_deref(), Some("deactivated"));
        assert!(tom.get("/dashboard").await.location().starts_with("/login"), "signed out at once");

        let audit = app.audit_events().await;
        let entry = audit.iter().find(|e| e.event == "employee_terminated").expect("audited");
        let detail = entry.detail.as_deref().unwrap_or_default();
        assert!(detail.contains("last working day: 2026-05-29"), "{detail}");
        assert!(detail.contains("reason: Moved abroad <b>for good</b>"), "{detail}");
        assert!(detail.contains("sessions revoked: 1"), "{detail}");

        // HR sees the former employee's last day and the reason (escaped).
        let profile = hr.get(&format!("/employees/{tom_id}")).await;
        assert!(profile.body.contains("<dt>Last working day</dt><dd>29 May 2026</dd>"), "{}", profile.body);
        assert!(profile.body.contains("Moved abroad &#60;b&#62;for good&#60;/b&#62;"), "the reason, escaped");
        assert!(!profile.body.contains(&page_of(&tom_id)), "nothing more to end");
        // The page itself now leads back to the profile, and a second send changes nothing.
        assert_eq!(hr.get(&page_of(&tom_id)).await.location(), format!("/employees/{tom_id}"));
        let again = post(&mut hr, &page_of(&tom_id), &[("last_working_day", "2026-05-01"), ("reason", "Again")]).await;
        assert_eq!(again.status, StatusCode::SEE_OTHER);
        assert_eq!(record(&app, &tom_id).await.terminated_on, Some(date!(2026 - 05 - 29)));
        assert_eq!(app.count_events("employee_terminated").await, 1);

        // The API shows the last working day.
        let mut api = app.api_as("hana@example.com").await;
        let json = api.get(&format!("/api/v1/employees/{tom_id}")).await.json;
        assert_eq!(json["terminated_on"], "2026-05-29");
    }

    async fn a_leavers_last_year_is_pro_rated_to_the_last_working_day() {
        let app = TestApp::new().await;
        let (mut hr, _) = hr_signed_in(&app).await;
        let (_, tom_id) = person_signed_in(&app, Person::new("Tom Leaving", "tom@example.com"), Role::Employee).await;
        let annual = |app: &TestApp, id: &str| {
            let (app_state, id) = (app.state.clone(), id.to_owned());
            async move {
                let all = app_state
                    .db
                    .run(move |conn| Ok(hrms::domain::leave::balances(conn, &id, 2026)?))
                    .await
                    .expect("balances");
                all.into_iter().find(|b| b.leave_type.id == "annual").expect("annual leave")
            }
        };
        assert_eq!(annual(&app, &tom_id).await.allowance, Some(50), "25 days while employed");

        // 1 January to 31 March: 90 of 365 days of 25 days is 6.16, to the nearest half day 6.
        let res = end_employment(&mut hr, &tom_id, "2026-03-31", "End of contract").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let balance = annual(&app, &tom_id).await;
        assert_eq!((balance.allowance, balance.prorated), (Some(12), true));

        let profile = hr.get(&format!("/employees/{tom_id}")).await;
        let card = profile.body.split(r#"aria-label="Annual leave""#).nth(1).expect("the annual leave card");
        let card = &card[..card.find("</article>").expect("card end")];
        assert!(card.contains("<dt>Allowance</dt><dd>6 days</dd>"), "{card}");
        assert!(card.contains("Pro-rated to the last working day"), "{card}");
        // The year before was a whole year of employment.
        let profile = hr.get(&format!("/employees/{tom_id}?year=2025")).await;
        let card = profile.body.split(r#"aria-label="Annual leave""#).nth(1).expect("the annual leave card");
        assert!(card.contains("<dt>Allowance</dt><dd>25 days</dd>"), "{card}");

        // Rehired: the employment runs on, and the earlier end is forgotten.
        let fields = record_fields(&record(&app, &tom_id).await, &[("status", "active")]);
        assert_eq!(post_record(&mut hr, &tom_id, &fields).await.status, StatusCode::SEE_OTHER);
        let rehired = record(&app, &tom_id).await;
        assert_eq!((rehired.terminated_on, rehired.termination_reason), (None, None));
        assert_eq!(annual(&app, &tom_id).await.allowance, Some(50));
    }

    async fn deactivating_an_account_asks_first_on_a_page_that_posts_to_the_same_place() {
        let app = TestApp::new().await;
        app.create_user("admin@example.com", "Ada Admin", Role::Admin).await;
        let mut admin = app.browser();
        admin.sign_in("admin@example.com", crate::helpers::PASSWORD).await;
        let tom = app.create_user("tom@example.com", "Tom Leaving", Role::Employee).await;

        let list = admin.get("/admin/users?q=tom").await;
        let confirm = format!("/admin/users/{tom}/deactivate?q=tom&#38;page=1");
        assert!(list.body.contains(&format!(r#"href="{confirm}""#)), "the list links to the page");
        assert!(!list.body.contains(&format!(r#"action="/admin/users/{tom}/deactivate""#)), "no one-click form");

        let page = admin.get(&format!("/admin/users/{tom}/deactivate?q=tom&page=1")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Deactivate Tom Leaving’s account?"));
        assert!(page.body.contains("every session of the account ends at once"));
        let action = format!("/admin/users/{tom}/deactivate");
        assert_eq!(token_in_form(&page.body, &action), Some(page.csrf_token()), "the form carries the token");
        assert!(page.body.contains(r#"href="/admin/users?q=tom">Keep it active</a>"#), "{}", page.body);
        assert!(crate::employees::account(&app, &tom).await.active, "opening the page changes nothing");

        let mut employee = app.signed_in("eve@example.com").await;
        assert_eq!(employee.get(&format!("/admin/users/{tom}/deactivate")).await.status, StatusCode::FORBIDDEN);
        assert_eq!(admin.get(&format!("/admin/users/{tom}/role")).await.status, StatusCode::NOT_FOUND);

        let res = admin.submit(&format!("/admin/users/{tom}/deactivate"), &action, &[("q", "tom"), ("page", "1")]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(res.location(), "/admin/users?q=tom&notice=deactivated");
        assert!(!crate::employees::account(&app, &tom).await.active);
    }

    async fn removing_a_holiday_asks_first() {
        let app = TestApp::new().await;
        let (mut hr, _) = hr_signed_in(&app).await;
        let res = hr.submit("/leave/settings", "/leave/holidays", &[("day", "2026-08-31"), ("name", "Summer bank holiday")]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let id = app
            .state
            .db
            .run(|conn| Ok(hrms::models::leave::holidays_between(conn, date!(2026 - 01 - 01), date!(2026 - 12 - 31))?))
            .await
            .expect("holidays")
            .into_iter()
            .find(|h| h.name == "Summer bank holiday")
            .expect("added")
            .id;
        let action = format!("/leave/holidays/{id}/delete");
        let settings = hr.get("/leave/settings").await;
        assert!(settings.body.contains(&format!(r#"href="{action}""#)), "the settings link to the page");
        assert!(!settings.body.contains(&format!(r#"action="{action}""#)), "no one-click form");

        let page = hr.get(&action).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Remove Summer bank holiday?"));
        assert!(page.body.contains("Monday, 31 August 2026 becomes a working day"));
        assert_eq!(token_in_form(&page.body, &action), Some(page.csrf_token()));
        assert!(page.body.contains(r#"href="/leave/settings">Keep it</a>"#));

        let mut employee = app.signed_in("eve@example.com").await;
        assert_eq!(employee.get(&action).await.status, StatusCode::FORBIDDEN);
        assert_eq!(hr.get("/leave/holidays/nope/delete").await.status, StatusCode::NOT_FOUND);

        let res = hr.submit(&action, &action, &[]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert!(!hr.get("/leave/settings").await.body.contains("Summer bank holiday"));
    }

    async fn cancelling_approved_leave_asks_first_and_a_pending_request_does_not() {
        let app = TestApp::new().await;
        let (mut mia, mut rob) = team(&app).await;
        let approved = requested(&app, &mut rob, "annual", "2026-07-06", "2026-07-10").await;
        assert_eq!(decide(&mut mia.browser, &approved, "approve", "").await.status, StatusCode::SEE_OTHER);
        let pending = requested(&app, &mut rob, "annual", "2026-08-03", "2026-08-04").await;

        let confirm = format!("/leave/{approved}/cancel");
        for listing in ["/leave".to_owned(), format!("/leave/{approved}")] {
            let body = rob.browser.get(&listing).await.body;
            assert!(body.contains(&format!(r#"href="{confirm}""#)), "{listing} links to the page");
            assert!(!body.contains(&format!(r#"action="{confirm}""#)), "{listing}: no one-click form");
        }
        let list = rob.browser.get("/leave").await.body;
        assert!(list.contains(&format!(r#"action="/leave/{pending}/cancel""#)), "a pending request cancels at once");

        let page = rob.browser.get(&confirm).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Ask to cancel your annual leave?"));
        assert!(page.body.contains("Mia Manager is asked to agree"));
        assert_eq!(token_in_form(&page.body, &confirm), Some(page.csrf_token()));
        assert!(page.body.contains(&format!(r#"href="/leave/{approved}">Keep my leave</a>"#)));

        // Only its owner may open it.
        assert_eq!(mia.browser.get(&confirm).await.status, StatusCode::FORBIDDEN);

        let res = rob.browser.submit(&confirm, &confirm, &[]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(res.location(), "/leave?notice=cancel_requested");
        // Asked already: the page says why there is nothing more to do.
        let again = rob.browser.get(&confirm).await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        assert!(again.body.contains("You have already asked to cancel this leave"));
    }
}
