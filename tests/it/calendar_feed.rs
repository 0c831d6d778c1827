//! Calendar feeds (`/account/calendar`, `GET /calendar/{token}.ics`): what a
//! feed holds and never holds, that its address is the only key (stored
//! hashed, shown once), and that renewing, stopping and deactivation end it.
//! "Today" is the TestApp clock's Monday 1 June 2026.

use axum::http::StatusCode;
use diesel::prelude::*;
use hrms::db::schema::{calendar_feeds, users};
use hrms::models::leave;
use hrms::models::new_id;
use time::macros::date;

use crate::calendar::{OLLIE_REASON, ROB_REASON, SUE_REASON, company};
use crate::helpers::{Browser, TestApp};

const PAGE: &str = "/account/calendar";

/// Makes (or renews) the feed of the person signed in to `browser`; the path
/// of its address, read off the page that is the only place it appears.
async fn make_feed(browser: &mut Browser) -> String {
    let res = browser.submit(PAGE, "/account/calendar/renew", &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    address_in(&res.body)
}

/// The path of the feed address shown on `body`.
fn address_in(body: &str) -> String {
    let at = body.find(r#"id="feed-address""#).expect("the address is shown");
    let value = &body[at..];
    let start = value.find('>').expect("the textarea's text") + 1;
    let address = &value[start..start + value[start..].find('<').expect("end")];
    let path = &address[address.find("/calendar/").expect("a feed path")..];
    assert!(path.ends_with(".ics"), "{path}");
    path.to_owned()
}

/// The feed at `path`, read the way a calendar app reads it: no cookie.
async fn read(app: &TestApp, path: &str) -> crate::helpers::Response {
    app.browser().get(path).await
}

/// The VEVENT blocks of a feed, unfolded.
fn events(ics: &str) -> Vec<String> {
    let unfolded = ics.replace("\r\n ", "");
    unfolded
        .split("BEGIN:VEVENT")
        .skip(1)
        .map(|e| e.split("END:VEVENT").next().unwrap_or_default().to_owned())
        .collect()
}

fn event_with<'a>(all: &'a [String], summary: &str) -> Option<&'a String> {
    all.iter().find(|e| e.contains(&format!("SUMMARY:{summary}\r\n")))
}

backend_tests! {
    async fn a_feed_holds_own_leave_the_team_and_holidays_and_never_a_reason() {
        let app = TestApp::new().await;
        let mut c = company(&app).await;
        app.state
            .db
            .run(|conn| Ok(leave::add_holiday(conn, &new_id(), date!(2026 - 12 - 25), "Christmas Day")?))
            .await
            .expect("holiday");
        let path = make_feed(&mut c.rob.browser).await;
        let res = read(&app, &path).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.header("content-type"), "text/calendar; charset=utf-8");
        assert!(res.header("set-cookie").is_empty(), "a calendar app gets no cookie");
        assert!(res.body.starts_with("BEGIN:VCALENDAR\r\n"), "{}", res.body);
        let all = events(&res.body);
        let own = event_with(&all, "Annual leave").expect("Rob's own approved leave, with its type");
        assert!(own.contains("DTSTART;VALUE=DATE:20260608") && own.contains("DTEND;VALUE=DATE:20260611"), "{own}");
        assert!(own.contains("STATUS:CONFIRMED") && own.contains("TRANSP:OPAQUE"), "{own}");
        let sue = event_with(&all, "Sue Sidekick: away (pending)").expect("a teammate's pending leave");
        assert!(sue.contains("STATUS:TENTATIVE") && sue.contains("TRANSP:TRANSPARENT"), "{sue}");
        assert!(event_with(&all, "Christmas Day").is_some(), "public holidays");
        assert!(!res.body.contains("Ollie"), "another team is not in the feed");
        for reason in [ROB_REASON, SUE_REASON, OLLIE_REASON] {
            assert!(!res.body.contains(reason), "no reason, not even one's own: {reason}");
        }
        assert_eq!(all.len(), 3, "{all:?}");
    }

    async fn the_address_is_stored_hashed_and_shown_only_once() {
        let app = TestApp::new().await;
        let mut c = company(&app).await;
        let path = make_feed(&mut c.rob.browser).await;
        let token = path.trim_start_matches("/calendar/").trim_end_matches(".ics").to_owned();
        assert_eq!(token.len(), 43, "256 random bits, base64url");
        let stored: Vec<String> = app
            .state
            .db
            .run(|conn| Ok(calendar_feeds::table.select(calendar_feeds::token_hash).load(conn)?))
            .await
            .expect("feeds");
        assert_eq!(stored, vec![hrms::auth::tokens::hash_refresh_token(&token)], "only the hash is kept");
        let page = c.rob.browser.get(PAGE).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("You have a feed"), "{}", page.body);
        assert!(!page.body.contains(&token), "the account page never shows the address again");
        assert_eq!(app.count_events("calendar_feed_created").await, 1);
    }

    async fn renewing_stops_the_old_address_and_stopping_stops_the_feed() {
        let app = TestApp::new().await;
        let mut c = company(&app).await;
        let old = make_feed(&mut c.rob.browser).await;
        let new = make_feed(&mut c.rob.browser).await;
        assert_ne!(old, new);
        assert_eq!(read(&app, &old).await.status, StatusCode::NOT_FOUND, "the old address stopped");
        assert_eq!(read(&app, &new).await.status, StatusCode::OK);
        let res = c.rob.browser.submit(PAGE, "/account/calendar/stop", &[]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(read(&app, &new).await.status, StatusCode::NOT_FOUND, "a stopped feed is gone");
        let page = c.rob.browser.get(res.location()).await;
        assert!(page.body.contains("You have no feed") && page.body.contains("was stopped"), "{}", page.body);
        assert_eq!(app.count_events("calendar_feed_stopped").await, 1);
    }

    async fn a_deactivated_account_s_feed_stops() {
        let app = TestApp::new().await;
        let mut c = company(&app).await;
        let path = make_feed(&mut c.rob.browser).await;
        assert_eq!(read(&app, &path).await.status, StatusCode::OK);
        app.state
            .db
            .run(|conn| {
                Ok(diesel::update(users::table.filter(users::email.eq("rob@example.com")))
                    .set(users::active.eq(false))
                    .execute(conn)?)
            })
            .await
            .expect("deactivate");
        assert_eq!(read(&app, &path).await.status, StatusCode::NOT_FOUND);
    }

    async fn wrong_addresses_are_not_found_and_store_nothing() {
        let app = TestApp::new().await;
        let mut c = company(&app).await;
        let real = make_feed(&mut c.rob.browser).await;
        let before = app.audit_events().await.len();
        let token = real.trim_start_matches("/calendar/").trim_end_matches(".ics");
        let mut flipped = token.to_owned();
        flipped.replace_range(0..1, if token.starts_with('A') { "B" } else { "A" });
        for path in [
            format!("/calendar/{flipped}.ics"),
            format!("/calendar/{token}"),
            format!("/calendar/{token}.ics.ics"),
            "/calendar/short.ics".to_owned(),
            format!("/calendar/{}.ics", "%00".repeat(15)),
        ] {
            let res = read(&app, &path).await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
        }
        assert_eq!(app.audit_events().await.len(), before, "a wrong address writes nothing");
        assert_eq!(read(&app, &real).await.status, StatusCode::OK, "and does not lock the real one out");
    }

    async fn making_a_feed_needs_a_session_and_a_csrf_token() {
        let app = TestApp::new().await;
        let mut c = company(&app).await;
        let res = app.browser().get(PAGE).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "signed out: to the sign-in page");
        let res = c.rob.browser.post("/account/calendar/renew", &[]).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "no CSRF token");
        let res = c.rob.browser.post("/account/calendar/renew", &[("csrf_token", "forged")]).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "a wrong CSRF token");
        let stored: i64 = app.state.db.run(|conn| Ok(calendar_feeds::table.count().get_result(conn)?)).await.expect("count");
        assert_eq!(stored, 0, "nothing was made");
    }

    async fn renewals_at_once_leave_one_working_address() {
        let app = TestApp::new().await;
        let c = company(&app).await;
        let mut rob = c.rob.browser.clone();
        let token = rob.get(PAGE).await.csrf_token();
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let mut browser = rob.clone();
            let token = token.clone();
            set.spawn(async move { browser.post("/account/calendar/renew", &[("csrf_token", token.as_str())]).await });
        }
        let mut addresses = Vec::new();
        while let Some(res) = set.join_next().await {
            let res = res.expect("task");
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
            addresses.push(address_in(&res.body));
        }
        let stored: i64 = app.state.db.run(|conn| Ok(calendar_feeds::table.count().get_result(conn)?)).await.expect("count");
        assert_eq!(stored, 1, "one feed per account");
        let mut working = 0;
        for path in &addresses {
            if read(&app, path).await.status == StatusCode::OK {
                working += 1;
            }
        }
        assert_eq!(working, 1, "only the last renewal's address works: {addresses:?}");
    }
}
