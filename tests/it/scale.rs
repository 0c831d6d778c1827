//! What keeps a page's cost that of a page in a large company: the directory
//! counts no further than the next thousand past the page asked for, on the
//! page and in the API.

use axum::http::StatusCode;
use diesel::prelude::*;
use hrms::db::schema::employees;
use hrms::demo;
use hrms::models::user::Role;

use crate::helpers::{PASSWORD, TestApp};

/// A demo company of 1,200 people; the email of its HR person and how many
/// of its people are current staff.
async fn company_of_1200(app: &TestApp) -> (String, i64) {
    let hash = app.state.passwords.hash(PASSWORD.to_owned()).await.unwrap();
    let now = app.now();
    let org = app.state.db.run(move |conn| Ok(demo::fill(conn, now, &hash, 1200)?)).await.expect("demo");
    let hr = org.people.iter().find(|p| p.role == Role::Hr).expect("an HR person").email.clone();
    let current = app
        .state
        .db
        .run(|conn| Ok(employees::table.filter(employees::status.ne("terminated")).count().get_result::<i64>(conn)?))
        .await
        .unwrap();
    (hr, current)
}

backend_tests! {
    async fn the_directory_says_more_than_a_thousand_instead_of_counting_everyone() {
        let app = TestApp::new().await;
        let (hr, current) = company_of_1200(&app).await;
        assert!(current > 1000 && current <= 1200, "{current}");
        let mut browser = app.browser();
        assert_eq!(browser.sign_in(&hr, PASSWORD).await.status, StatusCode::SEE_OTHER);

        let first = browser.get("/employees").await;
        assert_eq!(first.status, StatusCode::OK);
        assert!(first.body.contains("1–25 of more than 1,000 people"), "{}", first.body);
        assert!(first.body.contains("Page 1</span>"), "no page count when counting stopped");
        assert!(first.body.contains("rel=\"next\""));

        // Page 41 lies past the first thousand: counted again, to the end this time.
        let deep = browser.get("/employees?page=41").await;
        assert_eq!(deep.status, StatusCode::OK);
        let n = hrms::display::thousands;
        let last_shown = 1025.min(current);
        assert!(deep.body.contains(&format!("1,001–{} of {} people", n(last_shown), n(current))), "{}", deep.body);
        assert!(deep.body.contains(&format!("Page 41 of {}", (current + 24) / 25)));
    }

    async fn the_api_list_says_when_its_total_is_only_a_lower_bound() {
        let app = TestApp::new().await;
        let (hr, current) = company_of_1200(&app).await;
        let mut api = app.api_as(&hr).await;

        let first = api.get("/api/v1/employees").await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.text);
        assert_eq!((first.json["total"].as_i64(), first.json["total_exact"].as_bool()), (Some(1000), Some(false)));
        assert_eq!(first.json["items"].as_array().map(Vec::len), Some(25));

        let deep = api.get("/api/v1/employees?page=11&per_page=100").await;
        assert_eq!((deep.json["total"].as_i64(), deep.json["total_exact"].as_bool()), (Some(current), Some(true)));
        assert_eq!(deep.json["items"].as_array().map(Vec::len), Some((current - 1000).min(100) as usize));

        let narrow = api.get("/api/v1/employees?q=zzzz").await;
        assert_eq!((narrow.json["total"].as_i64(), narrow.json["total_exact"].as_bool()), (Some(0), Some(true)));
    }
}
