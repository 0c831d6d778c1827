//! The org chart (`/employees/chart`): HR sees the whole company, everyone
//! else their own branch (managers up, reports down) and no other; a box per
//! person, each a link to the profile; current staff only; a loop in the
//! reporting lines neither hangs the page nor repeats anyone.

use std::time::Duration;

use axum::http::StatusCode;
use diesel::prelude::*;
use hrms::db::schema::employees;
use hrms::models::employee::EmployeeStatus;
use hrms::models::user::Role;

use crate::helpers::{Browser, TestApp};
use crate::leave::{Person, employee_record, person};

/// Ann runs the company; Bob and Cat report to her; Dan to Bob, Eve to Cat.
/// Tom, who reported to Ann, has left. Hana is HR, outside the lines.
struct Company {
    ann: String,
    bob: Person,
    cat: String,
    dan: String,
    eve: String,
    tom: String,
    hana: Person,
}

async fn company(app: &TestApp) -> Company {
    let active = EmployeeStatus::Active;
    let ann = employee_record(app, "Ann Apex", "ann@example.com", None, None, active).await;
    let bob = person(app, "Bob Branch", "bob@example.com", Role::Employee, Some(&ann)).await;
    let cat = employee_record(app, "Cat Crosswise", "cat@example.com", None, Some(&ann), active).await;
    let dan = employee_record(app, "Dan Downline", "dan@example.com", None, Some(&bob.employee_id), active).await;
    let eve = employee_record(app, "Eve Elsewhere", "eve@example.com", None, Some(&cat), active).await;
    let tom =
        employee_record(app, "Tom Terminated", "tom@example.com", None, Some(&ann), EmployeeStatus::Terminated).await;
    let hana = person(app, "Hana Hr", "hana@example.com", Role::Hr, None).await;
    Company { ann, bob, cat, dan, eve, tom, hana }
}

async fn chart(browser: &mut Browser) -> String {
    let page = tokio::time::timeout(Duration::from_secs(10), browser.get("/employees/chart"))
        .await
        .expect("the chart answers in time");
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.body
}

/// The profile links of the boxes, in order.
fn boxes(body: &str) -> Vec<String> {
    let marker = r#"<a class="org-box"#;
    body.match_indices(marker)
        .map(|(i, _)| {
            let rest = &body[i..];
            let href = &rest[rest.find(r#"href="/employees/"#).expect("a link") + 6..];
            href[..href.find('"').expect("quote")].to_owned()
        })
        .collect()
}

fn profile(id: &str) -> String {
    format!("/employees/{id}")
}

backend_tests! {
    async fn hr_sees_everyone_at_work_each_box_a_link_to_the_profile() {
        let app = TestApp::new().await;
        let mut c = company(&app).await;
        let page = chart(&mut c.hana.browser).await;
        assert!(page.contains("Everyone who works here"), "{page}");
        let shown = boxes(&page);
        let mut expected: Vec<String> =
            [&c.ann, &c.bob.employee_id, &c.cat, &c.dan, &c.eve, &c.hana.employee_id].iter().map(|id| profile(id)).collect();
        let mut sorted = shown.clone();
        sorted.sort();
        expected.sort();
        assert_eq!(sorted, expected, "one box per current employee, each linking to the profile");
        assert!(!page.contains("Tom Terminated") && !page.contains(&c.tom), "current staff only");
        // Nested: Dan inside Bob's item, which is inside Ann's list.
        let at = |id: &str| shown.iter().position(|s| *s == profile(id)).expect("shown");
        assert!(at(&c.ann) < at(&c.bob.employee_id) && at(&c.bob.employee_id) < at(&c.dan));
        assert!(at(&c.cat) < at(&c.eve));
        assert!(page.contains("Bob Branch") && page.contains("Engineer"), "names and job titles");
        assert_eq!(page.matches("<ul").count(), page.matches("</ul>").count(), "balanced lists");
    }

    async fn an_employee_sees_their_branch_and_not_another() {
        let app = TestApp::new().await;
        let mut c = company(&app).await;
        let page = chart(&mut c.bob.browser).await;
        assert_eq!(
            boxes(&page),
            vec![profile(&c.ann), profile(&c.bob.employee_id), profile(&c.dan)],
            "Ann above, Bob, Dan below"
        );
        for other in ["Cat Crosswise", "Eve Elsewhere", "Hana Hr"] {
            assert!(!page.contains(other), "{other} is on another branch");
        }
        assert!(page.contains(r#"aria-current="true""#) && page.contains("(you)"), "Bob's own box is marked");
    }

    async fn a_loop_in_the_reporting_lines_does_not_hang_the_chart() {
        let app = TestApp::new().await;
        let mut c = company(&app).await;
        // Xav and Yan manage each other: the forms refuse it, old data may hold it.
        let mut xav = person(&app, "Xav Loop", "xav@example.com", Role::Employee, None).await;
        let yan = employee_record(&app, "Yan Loop", "yan@example.com", None, Some(&xav.employee_id), EmployeeStatus::Active).await;
        let (x, y) = (xav.employee_id.clone(), yan.clone());
        app.state
            .db
            .run(move |conn| {
                diesel::update(employees::table.find(&x)).set(employees::manager_id.eq(&y)).execute(conn)?;
                Ok(())
            })
            .await
            .expect("a loop");
        let page = chart(&mut c.hana.browser).await;
        let shown = boxes(&page);
        assert_eq!(shown.iter().filter(|s| **s == profile(&xav.employee_id)).count(), 1, "Xav once");
        assert_eq!(shown.iter().filter(|s| **s == profile(&yan)).count(), 1, "Yan once");
        assert_eq!(shown.len(), 8, "everyone at work, each once");
        let page = chart(&mut xav.browser).await;
        assert_eq!(boxes(&page), vec![profile(&yan), profile(&xav.employee_id)], "the loop is climbed once");
    }

    async fn the_directory_links_to_the_chart() {
        let app = TestApp::new().await;
        let mut c = company(&app).await;
        let page = c.bob.browser.get("/employees").await;
        assert!(page.body.contains(r#"href="/employees/chart""#));
    }
}
