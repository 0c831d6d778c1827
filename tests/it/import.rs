//! Importing employee records from CSV (upload, preview, confirm) and the
//! directory's CSV export, on both backends.

use std::time::Instant;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use diesel::prelude::*;
use hrms::db::schema::employee_imports;
use hrms::models::employee::EmployeeStatus;
use hrms::models::user::Role;

use crate::employees::{
    Person, add_department, add_employee, employee_count, hr_signed_in, person_signed_in, record, record_by_email,
};
use crate::helpers::{Browser, Response, TestApp};

const HEADER: &str =
    "employee_number,full_name,work_email,job_title,department,manager_employee_number,hire_date,phone,status\r\n";

/// `bytes` as the upload form sends it, with `token`: (content type, body).
fn multipart(token: &str, file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----hrms-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n").as_bytes(),
    );
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Posts `bytes` as `file_name` to the import with a valid CSRF token (from the dashboard).
async fn upload(browser: &mut Browser, file_name: &str, bytes: &[u8]) -> Response {
    let token = browser.get("/dashboard").await.csrf_token();
    upload_with_token(browser, &token, file_name, bytes).await
}

async fn upload_with_token(browser: &mut Browser, token: &str, file_name: &str, bytes: &[u8]) -> Response {
    let (content_type, body) = multipart(token, file_name, bytes);
    let req = Request::post("/employees/import")
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .expect("request");
    browser.send(req).await
}

/// The id in the preview's confirm form, if it has one.
fn import_id(page: &Response) -> Option<String> {
    let start = page.body.find("action=\"/employees/import/")? + "action=\"/employees/import/".len();
    let len = page.body[start..].find("/confirm")?;
    Some(page.body[start..start + len].to_owned())
}

async fn confirm(browser: &mut Browser, id: &str) -> Response {
    crate::employees::post(browser, &format!("/employees/import/{id}/confirm"), &[]).await
}

/// The preview's problems as (row, column), in the order listed.
fn problems(page: &Response) -> Vec<(String, String)> {
    let Some(start) = page.body.find("import-problems") else { return Vec::new() };
    let table = &page.body[start..start + page.body[start..].find("</table>").expect("table end")];
    table
        .split("<tr>")
        .skip(2) // before the table, the heading row
        .map(|row| {
            let cell = |from: &str, to: &str| {
                let s = row.find(from).map(|i| i + from.len()).expect("cell");
                row[s..s + row[s..].find(to).expect("cell end")].trim().to_owned()
            };
            (cell("<strong>", "</strong>"), cell("<code>", "</code>"))
        })
        .collect()
}

async fn pending_imports(app: &TestApp) -> i64 {
    app.state.db.run(|conn| Ok(employee_imports::table.count().get_result(conn)?)).await.expect("count")
}

fn row(cells: [&str; 9]) -> String {
    hrms::csv::line(&cells)
}

/// `n` valid rows: E00001 runs the company; everyone else reports to the
/// number a tenth of theirs, written after them (managers come later in the file).
fn big_file(n: usize, department: &str) -> String {
    let mut text = String::from(HEADER);
    for i in (1..=n).rev() {
        let manager = if i == 1 { String::new() } else { format!("E{:05}", (i / 10).max(1)) };
        text.push_str(&row([
            &format!("E{i:05}"),
            &format!("Person {i}"),
            &format!("person{i}@example.com"),
            "Engineer",
            department,
            &manager,
            "2025-01-06",
            "+44 20 7946 0000",
            "active",
        ]));
    }
    text
}

fn assert_counts(page: &Response, rows: usize, created: usize, updated: usize, unchanged: usize) {
    let expected = format!(
        "{rows} row{}: {created} to create, {updated} to update, {unchanged} unchanged.",
        if rows == 1 { "" } else { "s" }
    );
    assert!(page.body.contains(&expected), "expected {expected:?} in:\n{}", page.body);
}

backend_tests! {
    async fn every_kind_of_error_is_reported_by_row_and_column_and_nothing_is_written() {
        let app = TestApp::new().await;
        let (mut hr, _) = hr_signed_in(&app).await;
        add_department(&app, "Engineering").await;
        add_employee(&app, Person::new("Ann Lee", "ann@example.com").number("E0100")).await;
        let before = employee_count(&app).await;
        let text = [
            "employee_number,full_name,work_email,job_title,department,manager_employee_number,hire_date,phone,status,nickname",
            "E1,Good Person,good@example.com,Dev,engineering,,2026-01-05,,,",
            "E2,Bad Email,not-an-email,Dev,Engineering,,2026-01-05,,,",
            "E3,Unknown Dept,u@example.com,Dev,Marketing,,2026-01-05,,,",
            "E4,No Manager,nm@example.com,Dev,,E999,2026-01-05,,,",
            "E1,Dup Number,dup@example.com,Dev,,,2026-01-05,,,",
            "E5,Dup Email,ann@example.com,Dev,,,2026-01-05,,,",
            "E6,Cycle A,ca@example.com,Dev,,E7,2026-01-05,,,",
            "E7,Cycle B,cb@example.com,Dev,,E6,2026-01-05,,,",
            "E8,Bad Date,bd@example.com,Dev,,,05/01/2026,,,",
            "E9,,x9@example.com,Dev,,,2026-01-05,,,",
            "E10,Short row",
            "E11,Same Email,GOOD@example.com,Dev,,,2026-01-05,,,",
            "E12,Bad Phone,bp@example.com,Dev,,,2026-01-05,call me,,",
            "E13,Bad Status,bs@example.com,Dev,,,2026-01-05,,retired,",
            "E14,Own Manager,om@example.com,Dev,,E14,2026-01-05,,,",
        ]
        .join("\r\n");
        let page = upload(&mut hr, "staff.csv", text.as_bytes()).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
        let found = problems(&page);
        let expected = [
            ("Header (row 1)", "nickname"),
            ("Row 3", "work_email"),
            ("Row 4", "department"),
            ("Row 5", "manager_employee_number"),
            ("Row 6", "employee_number"),
            ("Row 7", "work_email"),
            ("Row 8", "manager_employee_number"),
            ("Row 9", "manager_employee_number"),
            ("Row 10", "hire_date"),
            ("Row 11", "full_name"),
            ("Row 12", "—"),
            ("Row 13", "work_email"),
            ("Row 14", "phone"),
            ("Row 15", "status"),
            ("Row 16", "manager_employee_number"),
        ];
        for (row, column) in expected {
            assert!(found.contains(&(row.to_owned(), column.to_owned())), "{row} {column} not in {found:?}");
        }
        assert!(!found.iter().any(|(row, _)| row == "Row 2"), "row 2 is fine: {found:?}");
        assert!(page.body.contains("A management cycle: E6 → E7 → E6."), "{}", page.body);
        assert!(page.body.contains("This work email is also on row 2."));
        assert!(page.body.contains("Ann Lee already has this work email."));
        assert_eq!(import_id(&page), None, "nothing to confirm");
        assert_eq!(employee_count(&app).await, before, "nothing written");
        assert_eq!(pending_imports(&app).await, 0, "a file with problems is not kept");

        // A required column missing: said once, on the header.
        let page = upload(&mut hr, "x.csv", b"employee_number,full_name,work_email,job_title\r\nE1,A,a@example.com,Dev\r\n").await;
        assert_eq!(problems(&page), [("Header (row 1)".to_owned(), "hire_date".to_owned())]);
        // Not UTF-8: said, not guessed at.
        let page = upload(&mut hr, "latin1.csv", b"employee_number,full_name\r\nE1,Jos\xe9\r\n").await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.body.contains("not UTF-8"), "{}", page.body);
        assert_eq!(employee_count(&app).await, before);
    }

    async fn ten_thousand_rows_import_and_the_same_file_again_updates_instead_of_duplicating() {
        let app = TestApp::new().await;
        let (mut hr, _) = hr_signed_in(&app).await;
        add_department(&app, "Engineering").await;
        let before = employee_count(&app).await;
        let text = big_file(10_000, "Engineering");

        let started = Instant::now();
        let page = upload(&mut hr, "big.csv", text.as_bytes()).await;
        eprintln!("preview of 10,000 rows: {:?}", started.elapsed());
        assert_eq!(page.status, StatusCode::OK, "{}", &page.body[..page.body.len().min(3000)]);
        assert_counts(&page, 10_000, 10_000, 0, 0);
        let id = import_id(&page).expect("confirm form");
        let started = Instant::now();
        let done = confirm(&mut hr, &id).await;
        eprintln!("import of 10,000 rows: {:?}", started.elapsed());
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        assert_eq!(done.location(), "/employees?notice=imported");
        assert_eq!(employee_count(&app).await, before + 10_000);
        let leaf = record_by_email(&app, "person9999@example.com").await.expect("imported");
        let manager = record(&app, leaf.manager_id.as_deref().expect("has a manager")).await;
        assert_eq!(manager.employee_number, "E00999", "managers written later in the file are found");
        assert_eq!(app.count_events("employees_imported").await, 1);
        assert_eq!(pending_imports(&app).await, 0, "a confirmed import is gone");

        // The same file again: every record is there already, nothing changes.
        let page = upload(&mut hr, "big.csv", text.as_bytes()).await;
        assert_counts(&page, 10_000, 0, 0, 10_000);
        // One title changed: one update, no duplicates.
        let changed = text.replace(
            "E00042,Person 42,person42@example.com,Engineer",
            "E00042,Person 42,person42@example.com,Lead engineer",
        );
        let page = upload(&mut hr, "big.csv", changed.as_bytes()).await;
        assert_counts(&page, 10_000, 0, 1, 9_999);
        assert!(page.body.contains("Row 9960: E00042 Person 42 — job_title"), "the change is named");
        let started = Instant::now();
        let done = confirm(&mut hr, &import_id(&page).expect("confirm form")).await;
        eprintln!("second import of 10,000 rows (1 change): {:?}", started.elapsed());
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        assert_eq!(employee_count(&app).await, before + 10_000, "no duplicates");
        let lead = record_by_email(&app, "person42@example.com").await.expect("still there");
        assert_eq!(lead.job_title, "Lead engineer");
        let directory = hr.get("/employees?q=Person+42").await;
        assert!(directory.body.contains("Lead engineer"));
    }

    async fn an_export_imports_back_unchanged() {
        let app = TestApp::new().await;
        let (mut hr, hana) = hr_signed_in(&app).await;
        let admin_user = app.create_user("ceo@example.com", "Cleo Executive", Role::Admin).await;
        let eng = add_department(&app, "Engineering, Platform").await;
        let ceo = add_employee(&app, Person::new("Cleo Executive", "ceo@example.com").number("E0002").account(&admin_user)).await;
        let lead = add_employee(
            &app,
            Person::new("O'Brien, \"Pat\"", "pat@example.com").title("=HYPERLINK(\"x\")").department(&eng).manager(&ceo),
        )
        .await;
        add_employee(&app, Person::new("Bo Ito", "bo@example.com").department(&eng).manager(&lead)).await;
        add_employee(
            &app,
            Person::new("Gone Person", "gone@example.com").manager(&lead).status(EmployeeStatus::Terminated),
        )
        .await;
        add_employee(&app, Person::new("Rita Reports", "rita@example.com").manager(&hana)).await;
        let before = employee_count(&app).await;

        let export = hr.get("/employees.csv?include=terminated").await;
        assert_eq!(export.status, StatusCode::OK);
        assert!(export.header("content-type").starts_with("text/csv"));
        assert_eq!(export.body.lines().count(), 1 + before as usize, "{}", export.body);
        let page = upload(&mut hr, "employees.csv", export.body.as_bytes()).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_counts(&page, before as usize, 0, 0, before as usize);
        // Confirming changes nothing either.
        let done = confirm(&mut hr, &import_id(&page).expect("confirm form")).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER);
        let again = hr.get("/employees.csv?include=terminated").await;
        assert_eq!(again.body, export.body, "the records are as they were");
    }

    async fn an_employee_can_neither_open_nor_post_the_import() {
        let app = TestApp::new().await;
        let (mut hr, _) = hr_signed_in(&app).await;
        let (mut employee, _) =
            person_signed_in(&app, Person::new("Eve Staff", "eve@example.com"), Role::Employee).await;
        let before = employee_count(&app).await;
        assert_eq!(employee.get("/employees/import").await.status, StatusCode::FORBIDDEN);
        assert_eq!(employee.get("/employees/import/template.csv").await.status, StatusCode::FORBIDDEN);
        let file = format!("{HEADER}E9,New Person,new@example.com,Dev,,,2026-01-05,,\r\n");
        let refused = upload(&mut employee, "x.csv", file.as_bytes()).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(pending_imports(&app).await, 0);
        // Nor confirm HR's.
        let page = upload(&mut hr, "x.csv", file.as_bytes()).await;
        let id = import_id(&page).expect("confirm form");
        assert_eq!(confirm(&mut employee, &id).await.status, StatusCode::FORBIDDEN);
        assert_eq!(employee_count(&app).await, before, "nothing written");
        // The directory offers them the export, not the import.
        let directory = employee.get("/employees").await;
        assert!(directory.body.contains("Download CSV") && !directory.body.contains("/employees/import"));
    }

    async fn an_upload_needs_the_csrf_token() {
        let app = TestApp::new().await;
        let (mut hr, _) = hr_signed_in(&app).await;
        let file = format!("{HEADER}E9,New Person,new@example.com,Dev,,,2026-01-05,,\r\n");
        assert_eq!(upload_with_token(&mut hr, "", "x.csv", file.as_bytes()).await.status, StatusCode::FORBIDDEN);
        assert_eq!(upload_with_token(&mut hr, "forged", "x.csv", file.as_bytes()).await.status, StatusCode::FORBIDDEN);
        assert_eq!(pending_imports(&app).await, 0);
        // The other forms still refuse a multipart body: only the upload reads one.
        let token = hr.get("/dashboard").await.csrf_token();
        let (content_type, body) = multipart(&token, "x.csv", b"");
        let req = Request::post("/departments").header(header::CONTENT_TYPE, content_type).body(Body::from(body)).expect("request");
        assert_eq!(hr.send(req).await.status, StatusCode::BAD_REQUEST);
    }

    async fn a_file_over_the_limit_is_refused_with_a_message() {
        let app = TestApp::new().await;
        let (mut hr, _) = hr_signed_in(&app).await;
        let limit = hrms::domain::employees::import::MAX_FILE_BYTES;
        // Just over the limit (within the request's room), then far over it.
        for size in [limit + 1, limit + 2 * 1024 * 1024] {
            let mut file = String::from(HEADER);
            while file.len() < size {
                file.push_str("E1,Padding Person,pad@example.com,Dev,,,2026-01-05,,\r\n");
            }
            let page = upload(&mut hr, "huge.csv", &file.as_bytes()[..size]).await;
            assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE, "{size} bytes");
            assert!(page.body.contains("larger than 5 MiB"), "{size} bytes: {}", page.body);
        }
        assert_eq!(pending_imports(&app).await, 0);
    }

    async fn a_confirm_of_an_expired_replaced_or_someone_elses_import_is_refused() {
        let app = TestApp::new().await;
        let (mut hr, _) = hr_signed_in(&app).await;
        let (mut other_hr, _) =
            person_signed_in(&app, Person::new("Olu Other", "olu@example.com"), Role::Hr).await;
        let before = employee_count(&app).await;
        let file = format!("{HEADER}E9,New Person,new@example.com,Dev,,,2026-01-05,,\r\n");

        let first = import_id(&upload(&mut hr, "a.csv", file.as_bytes()).await).expect("confirm form");
        let second = import_id(&upload(&mut hr, "b.csv", file.as_bytes()).await).expect("confirm form");
        assert_eq!(pending_imports(&app).await, 1, "a new upload replaces the earlier one");
        assert_eq!(confirm(&mut hr, &first).await.status, StatusCode::NOT_FOUND, "replaced");
        assert_eq!(confirm(&mut other_hr, &second).await.status, StatusCode::NOT_FOUND, "someone else's");
        // An hour passes (the session kept alive, as by someone working).
        for _ in 0..3 {
            app.advance(time::Duration::minutes(20) + time::Duration::seconds(20));
            assert_eq!(hr.get("/dashboard").await.status, StatusCode::OK);
            assert_eq!(other_hr.get("/dashboard").await.status, StatusCode::OK);
        }
        let expired = confirm(&mut hr, &second).await;
        assert_eq!(expired.status, StatusCode::CONFLICT);
        assert!(expired.body.contains("Upload the file again"), "{}", expired.body);
        assert_eq!(employee_count(&app).await, before, "nothing written");
        // An expired upload is cleared by the next one, whoever makes it.
        upload(&mut other_hr, "c.csv", file.as_bytes()).await;
        assert_eq!(pending_imports(&app).await, 1);
    }

    async fn a_confirm_checks_the_file_again_and_refuses_what_no_longer_fits() {
        let app = TestApp::new().await;
        let (mut hr, _) = hr_signed_in(&app).await;
        let before = employee_count(&app).await;
        let file = format!(
            "{HEADER}E9,New Person,new@example.com,Dev,,,2026-01-05,,\r\nE10,Other New,other@example.com,Dev,,E9,2026-01-05,,\r\n"
        );
        let id = import_id(&upload(&mut hr, "a.csv", file.as_bytes()).await).expect("confirm form");
        // Meanwhile someone enters a record with the same email.
        add_employee(&app, Person::new("Quick Typist", "new@example.com")).await;
        let refused = confirm(&mut hr, &id).await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
        assert!(problems(&refused).contains(&("Row 2".to_owned(), "work_email".to_owned())), "{}", refused.body);
        assert_eq!(import_id(&refused), None);
        assert_eq!(employee_count(&app).await, before + 1, "only the record typed meanwhile");
    }

    async fn the_export_quotes_and_neutralises_what_a_spreadsheet_would_misread() {
        let app = TestApp::new().await;
        let (mut hr, _) = hr_signed_in(&app).await;
        add_employee(&app, Person::new("Smith, \"Jo\"", "jo@example.com").title("=cmd|' /C calc'!A0").number("E0042")).await;
        let export = hr.get("/employees.csv").await;
        assert!(export.header("content-disposition").contains("employees.csv"));
        assert!(export.body.starts_with(HEADER), "{}", export.body);
        assert!(
            export.body.contains("E0042,\"Smith, \"\"Jo\"\"\",jo@example.com,'=cmd|' /C calc'!A0,,,2024-03-01,'+44 20 7946 0000,active\r\n"),
            "{}",
            export.body
        );
    }

    async fn the_export_honours_the_filters_and_shows_only_what_the_viewer_may_see() {
        let app = TestApp::new().await;
        let (mut hr, _) = hr_signed_in(&app).await;
        let eng = add_department(&app, "Engineering").await;
        let gone = add_employee(
            &app,
            Person::new("Gina Gone", "gina@example.com").number("E0050").department(&eng).status(EmployeeStatus::Terminated),
        )
        .await;
        add_employee(&app, Person::new("Ravi Reports", "ravi@example.com").number("E0051").department(&eng).manager(&gone)).await;
        add_employee(&app, Person::new("Sales Sam", "sam@example.com").number("E0052")).await;
        let (mut employee, _) =
            person_signed_in(&app, Person::new("Eve Staff", "eve@example.com").number("E0053"), Role::Employee).await;

        let numbers = |body: &str| -> Vec<String> {
            body.lines().skip(1).map(|l| l.split(',').next().unwrap_or_default().to_owned()).collect()
        };
        let hr_all = hr.get(&format!("/employees.csv?department={eng}&include=terminated")).await;
        assert_eq!(numbers(&hr_all.body), ["E0050", "E0051"], "{}", hr_all.body);
        assert!(hr_all.body.contains("E0051,Ravi Reports,ravi@example.com,Engineer,Engineering,E0050,"));
        let hr_current = hr.get(&format!("/employees.csv?department={eng}")).await;
        assert_eq!(numbers(&hr_current.body), ["E0051"], "terminated staff only when asked for");
        let by_name = hr.get("/employees.csv?q=sam").await;
        assert_eq!(numbers(&by_name.body), ["E0052"]);

        // An employee never gets former staff, asked or not, nor a manager who has left.
        let theirs = employee.get(&format!("/employees.csv?department={eng}&include=terminated")).await;
        assert_eq!(theirs.status, StatusCode::OK);
        assert_eq!(numbers(&theirs.body), ["E0051"], "{}", theirs.body);
        assert!(theirs.body.contains("E0051,Ravi Reports,ravi@example.com,Engineer,Engineering,,"), "{}", theirs.body);
        assert!(!theirs.body.contains("E0050") && !theirs.body.contains("Gina"));

        // The directory's link keeps its filters.
        let directory = hr.get("/employees?q=ravi&include=terminated").await;
        assert!(directory.body.contains("href=\"/employees.csv?q=ravi&#38;include=terminated\""), "{}", directory.body);
    }
}
