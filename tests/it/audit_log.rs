//! The audit log read as sentences, filtered by days in the portal's time
//! zone, and downloaded as CSV.

use axum::http::StatusCode;
use hrms::models::audit::{self, Event};
use hrms::models::user::Role;
use time::macros::datetime;

use crate::account::another_browser;
use crate::helpers::{Browser, TestApp};
use crate::leave::{decide, person, requested};

const ADMIN: &str = "admin@example.com";

async fn admin(app: &TestApp) -> Browser {
    app.create_user(ADMIN, "Ada Admin", Role::Admin).await;
    another_browser(app, ADMIN).await
}

/// Entries made by the command line at these instants (UTC), their detail naming them.
async fn entries_at(app: &TestApp, entries: &[(time::PrimitiveDateTime, &str)]) {
    let entries: Vec<_> = entries.iter().map(|(t, d)| (*t, d.to_string())).collect();
    app.state
        .db
        .transaction(move |conn| {
            for (at, detail) in &entries {
                audit::record(conn, *at, Event::DepartmentCreated, audit::Who::default().entry().detail(detail))?;
            }
            Ok(())
        })
        .await
        .unwrap();
}

fn audit_rows(body: &str) -> usize {
    body.matches("<td class=\"nowrap num-font\">").count()
}

backend_tests! {
    async fn a_leave_approval_reads_as_a_sentence_with_both_names_and_the_days() {
        let app = TestApp::new().await;
        let mut admin = admin(&app).await;
        let mut ann = person(&app, "Ann Example", "ann@example.com", Role::Employee, None).await;
        let mut ben = person(&app, "Ben Ito", "ben@example.com", Role::Employee, Some(&ann.employee_id)).await;
        let id = requested(&app, &mut ben, "annual", "2026-06-08", "2026-06-10").await;
        assert_eq!(decide(&mut ann.browser, &id, "approve", "").await.status, StatusCode::SEE_OTHER);

        let page = admin.get("/admin/audit?event=leave_approved").await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(audit_rows(&page.body), 1);
        assert!(page.body.contains("Ann Example approved Ben Ito’s Annual leave, 8–10 Jun 2026."), "{}", page.body);
        let asked = admin.get("/admin/audit?event=leave_requested").await;
        assert!(asked.body.contains("Ben Ito asked for Annual leave, 8–10 Jun 2026."), "{}", asked.body);

        // An Admin's change to an account names both people too.
        let ben_id = hrms::models::user::normalize_email("ben@example.com");
        let ben_account = app
            .state
            .db
            .run(move |conn| Ok(hrms::models::user::find_by_email(conn, &ben_id)?))
            .await
            .unwrap()
            .unwrap();
        let res = admin
            .submit("/admin/users", &format!("/admin/users/{}/role", ben_account.id), &[("role", "hr")])
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let roles = admin.get("/admin/audit?event=role_changed").await;
        assert!(roles.body.contains("Ada Admin changed Ben Ito’s role to HR."), "{}", roles.body);
        // And a failed sign-in names the address tried.
        app.browser().sign_in("nobody@example.com", "wrong password 123").await;
        let failed = admin.get("/admin/audit?event=sign_in_failure").await;
        assert!(failed.body.contains("Sign-in failed for nobody@example.com."), "{}", failed.body);
    }

    async fn the_date_filter_takes_whole_days_in_the_portal_zone_both_included() {
        let app = TestApp::with(|args| args.time_zone = "+01:00".into()).await;
        let mut admin = admin(&app).await;
        entries_at(
            &app,
            &[
                (datetime!(2026-03-02 22:30), "before-the-range"),  // 2 Mar 23:30 at +01:00
                (datetime!(2026-03-02 23:30), "first-day-at-00-30"), // 3 Mar 00:30 at +01:00
                (datetime!(2026-03-04 22:59), "last-day-at-23-59"),  // 4 Mar 23:59 at +01:00
                (datetime!(2026-03-04 23:00), "after-the-range"),    // 5 Mar 00:00 at +01:00
            ],
        )
        .await;
        let page = admin.get("/admin/audit?from=2026-03-03&to=2026-03-04").await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(audit_rows(&page.body), 2, "{}", page.body);
        assert!(page.body.contains("first-day-at-00-30") && page.body.contains("last-day-at-23-59"));
        assert!(!page.body.contains("before-the-range") && !page.body.contains("after-the-range"));
        assert!(page.body.contains("2026-03-03 00:30:00"), "shown in the portal's zone");
        assert!(page.body.contains("Times are UTC+01:00."));
        assert!(page.body.contains(r#"value="2026-03-03""#) && page.body.contains(r#"value="2026-03-04""#));
        assert!(page.body.contains(r#"href="/admin/audit.csv?from=2026-03-03&#38;to=2026-03-04""#));
        // In UTC the same days hold other entries.
        let one_day = admin.get("/admin/audit?from=2026-03-02&to=2026-03-02").await;
        assert!(one_day.body.contains("before-the-range") && !one_day.body.contains("first-day-at-00-30"));

        // Pages keep the filters.
        let many: Vec<_> = (0..55).map(|i| (datetime!(2026-03-03 09:00) + time::Duration::seconds(i), "busy")).collect();
        entries_at(&app, &many).await;
        let first = admin.get("/admin/audit?from=2026-03-03&to=2026-03-04&event=department_created").await;
        assert!(first.body.contains("Showing 1–50 of 57 entries"), "{}", first.body);
        let next = r#"href="/admin/audit?event=department_created&#38;from=2026-03-03&#38;to=2026-03-04&#38;page=2""#;
        assert!(first.body.contains(next), "{}", first.body);
        let second = admin.get("/admin/audit?event=department_created&from=2026-03-03&to=2026-03-04&page=2").await;
        assert_eq!(audit_rows(&second.body), 7);
    }

    async fn a_bad_date_range_is_a_422_with_a_message_on_the_page() {
        let app = TestApp::new().await;
        let mut admin = admin(&app).await;
        for (query, message) in [
            ("from=2026-03-05&to=2026-03-01", "The last day is before the first day"),
            ("from=yesterday", "“yesterday” is not a date: use a date like 2026-03-01."),
            ("to=2026-02-30", "is not a date"),
            ("from=2020-01-01&to=2026-01-02", "Choose at most 5 years at a time"),
        ] {
            let res = admin.get(&format!("/admin/audit?{query}")).await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
            assert!(res.body.contains(message), "{query}: {}", res.body);
            assert!(res.body.contains(r#"aria-invalid="true""#), "{query}");
            assert_eq!(audit_rows(&res.body), 0);
            let csv = admin.get(&format!("/admin/audit.csv?{query}")).await;
            assert_eq!(csv.status, StatusCode::UNPROCESSABLE_ENTITY, "{query} (CSV)");
        }
    }

    async fn the_csv_holds_the_filtered_rows_with_formulas_neutralised() {
        let app = TestApp::with(|args| args.time_zone = "+01:00".into()).await;
        let mut admin = admin(&app).await;
        app.create_user("evil@example.com", "=1+2 Evil", Role::Employee).await;
        another_browser(&app, "evil@example.com").await;
        entries_at(&app, &[(datetime!(2026-03-02 23:30), "outside the filter")]).await;

        let res = admin.get("/admin/audit.csv?user=evil%40example.com&event=sign_in_success").await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(res.header("content-type"), "text/csv; charset=utf-8");
        assert_eq!(res.header("content-disposition"), "attachment; filename=\"audit-log.csv\"");
        let lines: Vec<&str> = res.body.split("\r\n").collect();
        assert_eq!(lines[0], "time,actor,event,sentence,ip,detail");
        assert_eq!(
            lines[1],
            "2026-06-01T10:00:00+01:00,'=1+2 Evil,sign_in_success,'=1+2 Evil signed in.,10.0.0.1,",
            "time in the portal's zone, formula cells neutralised"
        );
        assert_eq!(lines.len(), 3, "one row and the final line break: {:?}", lines);

        // Unfiltered: every entry, newest first.
        let all = admin.get("/admin/audit.csv").await;
        let rows: Vec<&str> = all.body.lines().skip(1).collect();
        assert_eq!(rows.len(), app.audit_events().await.len());
        assert!(rows.last().unwrap().starts_with("2026-03-03T00:30:00+01:00,The operator,department_created,"));
    }

    async fn only_admins_get_the_audit_page_and_its_csv() {
        let app = TestApp::new().await;
        let mut admin = admin(&app).await;
        app.create_user("hr@example.com", "Harriet", Role::Hr).await;
        let mut hr = another_browser(&app, "hr@example.com").await;
        let mut employee = app.signed_in("plain@example.com").await;
        for path in ["/admin/audit", "/admin/audit.csv", "/admin/audit.csv?from=2026-01-01"] {
            assert_eq!(hr.get(path).await.status, StatusCode::FORBIDDEN, "HR: {path}");
            assert_eq!(employee.get(path).await.status, StatusCode::FORBIDDEN, "employee: {path}");
            assert_eq!(admin.get(path).await.status, StatusCode::OK, "Admin: {path}");
        }
        let signed_out = app.browser().get("/admin/audit.csv").await;
        assert_eq!(signed_out.status, StatusCode::SEE_OTHER, "to the sign-in page");
    }
}
