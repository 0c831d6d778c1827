//! Employee records: who may see and change what, the directory, profiles,
//! termination, and how accounts get their record (registration, the CLI).

use std::io::Cursor;

use axum::http::StatusCode;
use diesel::prelude::*;
use hrms::config::{DatabaseArgs, Registration, UserCommand};
use hrms::db::schema::{departments, employees};
use hrms::models::employee::{self, Employee, EmployeeStatus, NewEmployee};
use hrms::models::user::Role;
use time::macros::date;

use crate::helpers::{Browser, PASSWORD, TestApp, claims_of};

/// A record to insert directly, as HR would have entered it.
#[derive(Clone, Debug)]
pub struct Person {
    pub name: String,
    pub email: String,
    pub title: String,
    pub number: Option<String>,
    pub department: Option<String>,
    pub manager: Option<String>,
    pub status: EmployeeStatus,
    pub user_id: Option<String>,
    pub phone: String,
}

impl Person {
    pub fn new(name: &str, email: &str) -> Self {
        Person {
            name: name.into(),
            email: email.into(),
            title: "Engineer".into(),
            number: None,
            department: None,
            manager: None,
            status: EmployeeStatus::Active,
            user_id: None,
            phone: "+44 20 7946 0000".into(),
        }
    }
    pub fn title(mut self, title: &str) -> Self {
        self.title = title.into();
        self
    }
    pub fn number(mut self, number: &str) -> Self {
        self.number = Some(number.into());
        self
    }
    pub fn department(mut self, id: &str) -> Self {
        self.department = Some(id.into());
        self
    }
    pub fn manager(mut self, id: &str) -> Self {
        self.manager = Some(id.into());
        self
    }
    pub fn status(mut self, status: EmployeeStatus) -> Self {
        self.status = status;
        self
    }
    pub fn account(mut self, user_id: &str) -> Self {
        self.user_id = Some(user_id.into());
        self
    }
}

/// Inserts an employee record; returns its id.
pub async fn add_employee(app: &TestApp, p: Person) -> String {
    let now = app.now();
    app.state
        .db
        .run(move |conn| {
            let id = hrms::models::new_id();
            let number = match p.number {
                Some(n) => n,
                None => employee::next_employee_number(conn)?,
            };
            let record = NewEmployee {
                id: &id,
                employee_number: &number,
                user_id: p.user_id.as_deref(),
                full_name: &p.name,
                work_email: &hrms::models::user::normalize_email(&p.email),
                job_title: &p.title,
                department_id: p.department.as_deref(),
                manager_id: p.manager.as_deref(),
                hire_date: date!(2024 - 03 - 01),
                phone: &p.phone,
                status: p.status.as_str(),
                created_at: now,
                updated_at: now,
            };
            assert!(employee::insert(conn, &record)?, "duplicate test record");
            Ok(id)
        })
        .await
        .expect("add employee")
}

pub async fn add_department(app: &TestApp, name: &str) -> String {
    let (name, now) = (name.to_owned(), app.now());
    app.state
        .db
        .run(move |conn| {
            let id = hrms::models::new_id();
            let new = hrms::models::department::NewDepartment {
                id: &id,
                name: &name,
                head_employee_id: None,
                created_at: now,
                updated_at: now,
            };
            assert!(hrms::models::department::insert(conn, &new)?);
            Ok(id)
        })
        .await
        .expect("add department")
}

pub async fn record(app: &TestApp, id: &str) -> Employee {
    let id = id.to_owned();
    app.state.db.run(move |conn| Ok(employee::find(conn, &id)?)).await.expect("employee")
}

pub async fn record_by_email(app: &TestApp, email: &str) -> Option<Employee> {
    let email = email.to_owned();
    app.state.db.run(move |conn| Ok(employee::find_by_work_email(conn, &email)?)).await.expect("employee")
}

pub async fn employee_count(app: &TestApp) -> i64 {
    app.state.db.run(|conn| Ok(employees::table.count().get_result(conn)?)).await.expect("count")
}

pub async fn department_names(app: &TestApp) -> Vec<String> {
    app.state
        .db
        .run(|conn| Ok(departments::table.select(departments::name).order(departments::name).load(conn)?))
        .await
        .expect("departments")
}

pub async fn account(app: &TestApp, user_id: &str) -> hrms::models::user::User {
    let id = user_id.to_owned();
    app.state.db.run(move |conn| Ok(hrms::models::user::find(conn, &id)?)).await.expect("user")
}

/// A signed-in person with an account of `role` and an employee record linked
/// to it; returns the browser and the record's id.
pub async fn person_signed_in(app: &TestApp, person: Person, role: Role) -> (Browser, String) {
    let user_id = app.create_user(&person.email, &person.name, role).await;
    let email = person.email.clone();
    let id = add_employee(app, person.account(&user_id)).await;
    let mut browser = app.browser();
    let res = browser.sign_in(&email, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "sign-in failed: {}", res.body);
    (browser, id)
}

pub async fn hr_signed_in(app: &TestApp) -> (Browser, String) {
    person_signed_in(app, Person::new("Hana Reyes", "hana@example.com").title("HR partner"), Role::Hr).await
}

/// Posts `fields` with a CSRF token taken from the dashboard (every signed-in page has one).
pub async fn post(browser: &mut Browser, action: &str, fields: &[(&str, &str)]) -> crate::helpers::Response {
    browser.submit("/dashboard", action, fields).await
}

/// The directory's rows, as the names in them, in order.
fn listed_names(body: &str) -> Vec<String> {
    body.split(r#"<th scope="row"><a href="/employees/"#)
        .skip(1)
        .filter_map(|rest| {
            let start = rest.find('>')? + 1;
            let end = rest[start..].find('<')?;
            Some(rest[start..start + end].to_owned())
        })
        .collect()
}

/// Every field of `e` as the HR form would post it, with some replaced or added.
pub fn record_fields(e: &Employee, overrides: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = [
        ("employee_number", e.employee_number.clone()),
        ("full_name", e.full_name.clone()),
        ("work_email", e.work_email.clone()),
        ("job_title", e.job_title.clone()),
        ("department_id", e.department_id.clone().unwrap_or_default()),
        ("manager_id", e.manager_id.clone().unwrap_or_default()),
        ("hire_date", e.hire_date.to_string()),
        ("phone", e.phone.clone()),
        ("status", e.status.clone()),
    ]
    .into_iter()
    .map(|(n, v)| (n.to_owned(), v))
    .collect();
    for (name, value) in overrides {
        match fields.iter_mut().find(|(n, _)| n == name) {
            Some(field) => field.1 = (*value).to_owned(),
            None => fields.push(((*name).to_owned(), (*value).to_owned())),
        }
    }
    fields
}

pub async fn post_record(browser: &mut Browser, id: &str, fields: &[(String, String)]) -> crate::helpers::Response {
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    post(browser, &format!("/employees/{id}"), &borrowed).await
}

/// Signs up through the public form and follows the mailed link.
async fn register(app: &TestApp, name: &str, email: &str) -> crate::helpers::Response {
    app.sign_up(&mut app.browser(), name, email).await
}

backend_tests! {
    async fn an_unrelated_employee_is_refused_every_protected_action_and_nothing_changes() {
        let app = TestApp::new().await;
        let (_hr, _) = hr_signed_in(&app).await;
        let (mut eve, _) = person_signed_in(&app, Person::new("Eve Intruder", "eve@example.com"), Role::Employee).await;
        let bob = add_employee(&app, Person::new("Bob Other", "bob@example.com")).await;
        let gone = add_employee(&app, Person::new("Gina Gone", "gina@example.com").status(EmployeeStatus::Terminated)).await;
        let bob_before = record(&app, &bob).await;
        let count_before = employee_count(&app).await;

        assert_eq!(eve.get("/employees/new").await.status, StatusCode::FORBIDDEN);
        let res = post(&mut eve, "/employees", &[
            ("full_name", "Sneaky New"), ("work_email", "sneaky@example.com"), ("job_title", "CEO"), ("hire_date", "2026-01-01"),
        ]).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);

        assert_eq!(eve.get(&format!("/employees/{bob}/edit")).await.status, StatusCode::FORBIDDEN);
        let fields = record_fields(&bob_before, &[("full_name", "Bob Renamed"), ("phone", "+1 555 0100"), ("status", "on_leave")]);
        assert_eq!(post_record(&mut eve, &bob, &fields).await.status, StatusCode::FORBIDDEN);
        assert_eq!(post(&mut eve, &format!("/employees/{bob}/terminate"), &[]).await.status, StatusCode::FORBIDDEN);

        // Terminated staff do not exist for her.
        assert_eq!(eve.get(&format!("/employees/{gone}")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(eve.get(&format!("/employees/{gone}/edit")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(post(&mut eve, &format!("/employees/{gone}"), &[("phone", "123456")]).await.status, StatusCode::NOT_FOUND);
        assert_eq!(post(&mut eve, &format!("/employees/{gone}/terminate"), &[]).await.status, StatusCode::NOT_FOUND);

        let bob_after = record(&app, &bob).await;
        assert_eq!(
            (bob_after.full_name.as_str(), bob_after.phone.as_str(), bob_after.status.as_str()),
            (bob_before.full_name.as_str(), bob_before.phone.as_str(), "active")
        );
        assert_eq!(record(&app, &gone).await.phone, bob_before.phone, "the terminated record is untouched");
        assert_eq!(employee_count(&app).await, count_before);
        assert!(record_by_email(&app, "sneaky@example.com").await.is_none());
        for event in ["employee_created", "employee_updated", "employee_terminated"] {
            assert_eq!(app.count_events(event).await, 0, "{event}");
        }
        // What she may see has no buttons to do any of it.
        let directory = eve.get("/employees").await;
        assert_eq!(directory.status, StatusCode::OK);
        assert!(!directory.body.contains("/employees/new"));
        let profile = eve.get(&format!("/employees/{bob}")).await;
        assert_eq!(profile.status, StatusCode::OK);
        assert!(!profile.body.contains("/edit\"") && !profile.body.contains("/terminate"));
    }

    async fn a_manager_may_not_edit_a_direct_reports_record() {
        let app = TestApp::new().await;
        let (mut boss, boss_id) = person_signed_in(&app, Person::new("Mia Manager", "mia@example.com"), Role::Employee).await;
        let report = add_employee(&app, Person::new("Ray Report", "ray@example.com").manager(&boss_id)).await;
        let before = record(&app, &report).await;
        assert_eq!(boss.get(&format!("/employees/{report}/edit")).await.status, StatusCode::FORBIDDEN);
        let fields = record_fields(&before, &[("phone", "+1 555 0199"), ("job_title", "Intern")]);
        assert_eq!(post_record(&mut boss, &report, &fields).await.status, StatusCode::FORBIDDEN);
        assert_eq!(post(&mut boss, &format!("/employees/{report}/terminate"), &[]).await.status, StatusCode::FORBIDDEN);
        let after = record(&app, &report).await;
        assert_eq!((after.phone, after.job_title, after.status), (before.phone, before.job_title, before.status));
    }

    async fn an_employee_edits_their_own_phone_and_nothing_else() {
        let app = TestApp::new().await;
        let other = add_employee(&app, Person::new("Olga Other", "olga@example.com")).await;
        let (mut ann, ann_id) = person_signed_in(&app, Person::new("Ann Able", "ann@example.com"), Role::Employee).await;
        let before = record(&app, &ann_id).await;

        let page = ann.get(&format!("/employees/{ann_id}/edit")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(r#"name="phone""#));
        for field in ["full_name", "work_email", "job_title", "manager_id", "status", "employee_number", "department_id"] {
            assert!(!page.body.contains(&format!(r#"name="{field}""#)), "{field} must not be editable by her");
        }
        assert!(page.body.contains("Ann Able") && page.body.contains(&before.employee_number), "read-only summary");

        let res = post(&mut ann, &format!("/employees/{ann_id}"), &[
            ("phone", "+49 30 1234567"),
            ("role", "admin"),
            ("manager_id", other.as_str()),
            ("status", "terminated"),
            ("full_name", "Ann Boss"),
            ("job_title", "Chief Executive"),
            ("employee_number", "X-1"),
            ("work_email", "boss@example.com"),
        ]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(res.location(), format!("/employees/{ann_id}?notice=employee_saved"));

        let after = record(&app, &ann_id).await;
        assert_eq!(after.phone, "+49 30 1234567");
        assert_eq!(after.full_name, before.full_name);
        assert_eq!(after.manager_id, None);
        assert_eq!(after.status, "active");
        assert_eq!(after.job_title, before.job_title);
        assert_eq!(after.employee_number, before.employee_number);
        assert_eq!(after.work_email, before.work_email);
        let user = account(&app, after.user_id.as_deref().unwrap()).await;
        assert_eq!((user.role.as_str(), user.active), ("employee", true));
        assert_eq!(app.count_events("employee_updated").await, 1);
        // Still signed in, with the same role.
        assert_eq!(ann.get("/dashboard").await.status, StatusCode::OK);
        assert_eq!(claims_of(&ann.cookie("hrms_access").unwrap()).role, Role::Employee);
    }

    async fn a_bad_phone_number_is_refused_with_the_value_kept() {
        let app = TestApp::new().await;
        let (mut ann, ann_id) = person_signed_in(&app, Person::new("Ann Able", "ann@example.com"), Role::Employee).await;
        let res = post(&mut ann, &format!("/employees/{ann_id}"), &[("phone", "call my mum")]).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("Use digits, spaces and + - ( ) only"), "{}", res.body);
        assert!(res.body.contains(r#"value="call my mum""#));
        assert_eq!(record(&app, &ann_id).await.phone, "+44 20 7946 0000");
    }

    async fn hr_creates_a_record_with_the_next_number_and_links_an_existing_account() {
        let app = TestApp::new().await;
        let (mut hr, hr_id) = hr_signed_in(&app).await;
        let dept = add_department(&app, "Engineering").await;
        let user_id = app.create_user("carl@example.com", "Carl Coder", Role::Employee).await;

        let form = hr.get("/employees/new").await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.body.contains("Leave empty for the next free number, E0002."), "{}", form.body);
        assert!(form.body.contains(r#"type="date""#));

        let res = hr.submit("/employees/new", "/employees", &[
            ("full_name", "Carl Coder"),
            ("work_email", " Carl@Example.com "),
            ("job_title", "Backend engineer"),
            ("department_id", dept.as_str()),
            ("manager_id", hr_id.as_str()),
            ("hire_date", "2026-05-04"),
            ("phone", "+1 (555) 010-0200"),
            ("employee_number", ""),
        ]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let carl = record_by_email(&app, "carl@example.com").await.expect("created");
        assert_eq!(res.location(), format!("/employees/{}?notice=employee_created", carl.id));
        assert_eq!(carl.employee_number, "E0002");
        assert_eq!(carl.user_id.as_deref(), Some(user_id.as_str()), "the existing account is linked");
        assert_eq!(carl.department_id.as_deref(), Some(dept.as_str()));
        assert_eq!(carl.manager_id.as_deref(), Some(hr_id.as_str()));
        assert_eq!(carl.hire_date, date!(2026 - 05 - 04));
        assert_eq!(carl.status, "active");
        assert_eq!(app.count_events("employee_created").await, 1);

        let profile = hr.get(&format!("/employees/{}?notice=employee_created", carl.id)).await;
        for expected in ["Carl Coder", "E0002", "Backend engineer", "Engineering", "Hana Reyes", "4 May 2026", "The employee record was created."] {
            assert!(profile.body.contains(expected), "profile lacks {expected:?}");
        }
        // Hana's profile lists Carl as a direct report.
        let hana = hr.get(&format!("/employees/{hr_id}")).await;
        assert!(hana.body.contains(&format!(r#"<a href="/employees/{}">Carl Coder</a>"#, carl.id)));
    }

    async fn the_record_form_shows_errors_beside_fields_and_keeps_values() {
        let app = TestApp::new().await;
        let (mut hr, _) = hr_signed_in(&app).await;
        add_employee(&app, Person::new("Taken Person", "taken@example.com").number("T-1")).await;
        let count = employee_count(&app).await;

        let res = hr.submit("/employees/new", "/employees", &[
            ("full_name", ""),
            ("work_email", "not-an-email"),
            ("job_title", "Analyst <b>"),
            ("hire_date", "01/06/2026"),
            ("phone", "abc"),
            ("employee_number", "has space"),
        ]).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        for message in [
            "Enter the full name.",
            "Enter an email address like name@company.com.",
            "Enter a date like 2026-06-01.",
            "Use digits, spaces and + - ( ) only",
            "Use letters, digits and dashes only",
        ] {
            assert!(res.body.contains(message), "missing {message:?}");
        }
        assert!(res.body.contains(r#"value="not-an-email""#) && res.body.contains(r#"value="01/06/2026""#));
        assert!(res.body.contains(r#"value="Analyst &#60;b&#62;""#) || res.body.contains(r#"value="Analyst &lt;b&gt;""#), "kept and escaped");
        assert!(res.body.contains(r#"aria-invalid="true" aria-describedby="full_name-error""#));

        let res = hr.submit("/employees/new", "/employees", &[
            ("full_name", "Dup Licate"),
            ("work_email", "TAKEN@example.com"),
            ("job_title", "Analyst"),
            ("hire_date", "2026-06-01"),
            ("employee_number", "T-1"),
            ("department_id", "no-such-department"),
        ]).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("Another employee record already has this work email."));
        assert!(res.body.contains("T-1 is already someone else&#39;s number.") || res.body.contains("T-1 is already someone else&#x27;s number."), "{}", res.body);
        assert!(res.body.contains("Choose a department from the list."));
        assert!(res.body.contains(r#"value="Dup Licate""#));
        assert_eq!(employee_count(&app).await, count, "nothing written");
        assert_eq!(app.count_events("employee_created").await, 0);
    }

    async fn hr_edits_every_field_but_manager_cycles_and_self_management_are_refused() {
        let app = TestApp::new().await;
        let (mut hr, _) = hr_signed_in(&app).await;
        let dept = add_department(&app, "Sales").await;
        let alice = add_employee(&app, Person::new("Alice Top", "alice@example.com")).await;
        let bruno = add_employee(&app, Person::new("Bruno Middle", "bruno@example.com").manager(&alice)).await;
        let chen = add_employee(&app, Person::new("Chen Bottom", "chen@example.com").manager(&bruno)).await;
        let alice_before = record(&app, &alice).await;

        let page = hr.get(&format!("/employees/{alice}/edit")).await;
        assert_eq!(page.status, StatusCode::OK);
        for field in ["full_name", "work_email", "job_title", "manager_id", "status", "employee_number", "department_id", "hire_date", "phone"] {
            assert!(page.body.contains(&format!(r#"name="{field}""#)), "HR edits {field}");
        }
        assert!(!page.body.contains(&format!(r#"<option value="{alice}""#)), "nobody is offered as their own manager");

        let res = post_record(&mut hr, &alice, &record_fields(&alice_before, &[("manager_id", &chen), ("job_title", "Changed")])).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("Chen Bottom already reports to Alice Top; choose another manager."), "{}", res.body);
        assert!(res.body.contains(r#"value="Changed""#), "entered values are kept");

        let res = post_record(&mut hr, &alice, &record_fields(&alice_before, &[("manager_id", &alice)])).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("Nobody can be their own manager."));
        let unchanged = record(&app, &alice).await;
        assert_eq!((unchanged.manager_id, unchanged.job_title), (None, alice_before.job_title.clone()));

        // A manager from elsewhere in the tree is fine; so is every other field.
        let res = post_record(&mut hr, &chen, &record_fields(&record(&app, &chen).await, &[
            ("manager_id", &alice),
            ("full_name", "Chen Moved"),
            ("job_title", "Account lead"),
            ("department_id", &dept),
            ("hire_date", "2025-01-31"),
            ("phone", ""),
            ("employee_number", "S-77"),
            ("work_email", "chen.moved@example.com"),
            ("status", "on_leave"),
        ])).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let chen_after = record(&app, &chen).await;
        assert_eq!(chen_after.manager_id.as_deref(), Some(alice.as_str()));
        assert_eq!(
            (chen_after.full_name.as_str(), chen_after.job_title.as_str(), chen_after.employee_number.as_str(), chen_after.work_email.as_str()),
            ("Chen Moved", "Account lead", "S-77", "chen.moved@example.com")
        );
        assert_eq!((chen_after.department_id.as_deref(), chen_after.phone.as_str()), (Some(dept.as_str()), ""));
        assert_eq!((chen_after.hire_date, chen_after.status()), (date!(2025 - 01 - 31), EmployeeStatus::OnLeave));
        let audit = app.audit_events().await;
        let updated = audit.iter().find(|e| e.event == "employee_updated").expect("audited");
        assert!(updated.detail.as_deref().unwrap_or_default().contains("manager"), "{updated:?}");
        assert_eq!(app.count_events("employee_updated").await, 1, "refused edits are not audited");
    }

    async fn terminating_deactivates_the_account_revokes_its_sessions_and_blocks_sign_in() {
        let app = TestApp::new().await;
        let (mut hr, _) = hr_signed_in(&app).await;
        let (mut tom, tom_id) = person_signed_in(&app, Person::new("Tom Leaving", "tom@example.com"), Role::Employee).await;
        let sid = claims_of(&tom.cookie("hrms_access").unwrap()).sid;
        assert_eq!(tom.get("/dashboard").await.status, StatusCode::OK);

        let profile = hr.get(&format!("/employees/{tom_id}")).await;
        assert!(profile.body.contains(&format!(r#"href="/employees/{tom_id}/terminate""#)));
        let page = format!("/employees/{tom_id}/terminate");
        let fields = [("last_working_day", "2026-06-01"), ("reason", "Moved abroad")];
        let res = hr.submit(&page, &page, &fields).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(res.location(), format!("/employees/{tom_id}?notice=terminated"));

        let after = record(&app, &tom_id).await;
        assert_eq!(after.status(), EmployeeStatus::Terminated);
        assert!(!account(&app, after.user_id.as_deref().unwrap()).await.active);
        let session = app.session(&sid).await;
        assert!(session.revoked_at.is_some());
        assert_eq!(session.revoked_reason.as_deref(), Some("deactivated"));
        assert_eq!(app.count_events("employee_terminated").await, 1);

        // His access token dies at once, and he cannot sign in again.
        assert!(tom.get("/dashboard").await.location().starts_with("/login"));
        let mut again = app.browser();
        assert_eq!(again.sign_in("tom@example.com", PASSWORD).await.status, StatusCode::UNAUTHORIZED);

        // A second press changes nothing more.
        let res = post(&mut hr, &format!("/employees/{tom_id}/terminate"), &[]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(app.count_events("employee_terminated").await, 1);
    }

    async fn the_edit_form_leaves_ending_an_employment_to_the_termination_page() {
        let app = TestApp::new().await;
        let (mut hr, hr_id) = hr_signed_in(&app).await;
        let (mut tom, tom_id) = person_signed_in(&app, Person::new("Tom Leaving", "tom@example.com"), Role::Employee).await;
        let form = hr.get(&format!("/employees/{tom_id}/edit")).await;
        assert!(!form.body.contains(r#"value="terminated""#), "the form does not offer it");
        let fields = record_fields(&record(&app, &tom_id).await, &[("status", "terminated")]);
        let res = post_record(&mut hr, &tom_id, &fields).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("it asks for the last working day and a reason"), "{}", res.body);
        assert!(!record(&app, &tom_id).await.is_terminated(), "nothing changed");
        assert_eq!(tom.get("/dashboard").await.status, StatusCode::OK, "still signed in");

        let page = format!("/employees/{tom_id}/terminate");
        let res = hr.submit(&page, &page, &[("last_working_day", "2026-06-01"), ("reason", "Moved abroad")]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let after = record(&app, &tom_id).await;
        assert!(after.is_terminated());
        assert!(!account(&app, after.user_id.as_deref().unwrap()).await.active);
        assert!(tom.get("/dashboard").await.location().starts_with("/login"));

        // Rehired: the record is current again, but the account stays
        // deactivated until an Admin reactivates it (an Admin's decision only).
        let fields = record_fields(&record(&app, &tom_id).await, &[("status", "active")]);
        assert_eq!(post_record(&mut hr, &tom_id, &fields).await.status, StatusCode::SEE_OTHER);
        assert!(!record(&app, &tom_id).await.is_terminated());
        assert!(!account(&app, after.user_id.as_deref().unwrap()).await.active);
        assert_eq!(tom.sign_in("tom@example.com", PASSWORD).await.status, StatusCode::UNAUTHORIZED);

        // HR cannot terminate themselves, by either route.
        let own = record_fields(&record(&app, &hr_id).await, &[("status", "terminated")]);
        let res = post_record(&mut hr, &hr_id, &own).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("You cannot terminate your own record."));
        assert_eq!(post(&mut hr, &format!("/employees/{hr_id}/terminate"), &[]).await.status, StatusCode::FORBIDDEN);
        assert!(!record(&app, &hr_id).await.is_terminated());
    }

    async fn the_directory_shows_email_phone_and_manager_columns_when_asked() {
        let app = TestApp::new().await;
        let (mut hr, _) = hr_signed_in(&app).await;
        let boss = add_employee(&app, Person::new("Bea Boss", "bea@example.com")).await;
        let gone = add_employee(&app, Person::new("Gus Gone", "gus@example.com").status(EmployeeStatus::Terminated)).await;
        add_employee(&app, Person::new("Cy Current", "cy.current@example.com").manager(&boss)).await;
        add_employee(&app, Person::new("Ola Orphan", "ola@example.com").manager(&gone)).await;
        let (mut eve, _) = person_signed_in(&app, Person::new("Eve Employee", "eve@example.com"), Role::Employee).await;

        let plain = eve.get("/employees").await;
        assert!(!plain.body.contains(r#"data-label="Email""#) && !plain.body.contains(r#"data-label="Manager""#), "not unless asked");
        let page = eve.get("/employees?email=on&phone=on&manager=on").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(r#"<th scope="col">Email</th>"#) && page.body.contains(r#"<th scope="col">Manager</th>"#));
        assert!(page.body.contains("cy.current</span><wbr>"), "emails break before the @");
        assert!(page.body.contains("+44 20 7946 0000"));
        assert!(page.body.contains(&format!(r#"<a href="/employees/{boss}">Bea Boss</a>"#)), "the manager links to the profile");
        assert!(!page.body.contains("Gus Gone"), "a manager who has left is not named to an employee");
        assert!(page.body.contains("email=on&#38;phone=on&#38;manager=on&#38;sort=number"), "sorting keeps the columns");
        let page = hr.get("/employees?manager=on").await;
        assert!(page.body.contains("Gus Gone"), "HR sees a former manager's name");
    }

    async fn the_directory_searches_filters_sorts_and_pages() {
        let app = TestApp::new().await;
        let (mut hr, _) = hr_signed_in(&app).await;
        let eng = add_department(&app, "Engineering").await;
        let ops = add_department(&app, "Operations").await;
        // 30 people: names run one way, numbers the other.
        for i in 1..=30 {
            let (dept, title) = if i % 3 == 0 { (&ops, "Operations analyst") } else { (&eng, "Software engineer") };
            let person = Person::new(&format!("Person {i:02}"), &format!("p{i}@example.com"))
                .number(&format!("N{:03}", 100 - i))
                .title(title)
                .department(dept);
            add_employee(&app, person).await;
        }

        let page1 = hr.get("/employees").await;
        assert_eq!(page1.status, StatusCode::OK);
        let names = listed_names(&page1.body);
        assert_eq!(names.len(), 25);
        assert_eq!(names[0], "Hana Reyes");
        assert_eq!(names[1], "Person 01");
        assert!(page1.body.contains("1–25 of 31 people"), "{}", page1.body);
        assert!(page1.body.contains(r#"href="/employees?page=2""#));
        let page2 = hr.get("/employees?page=2").await;
        let names2 = listed_names(&page2.body);
        assert_eq!(names2, vec!["Person 25", "Person 26", "Person 27", "Person 28", "Person 29", "Person 30"]);
        // Past the end: the last page.
        assert_eq!(listed_names(&hr.get("/employees?page=99").await.body), names2);

        // Name search, any case; filters are kept in the pagination links.
        let found = listed_names(&hr.get("/employees?q=PERSON+1").await.body);
        assert_eq!(found, (10..=19).map(|i| format!("Person {i}")).collect::<Vec<_>>());
        let ops_page = hr.get(&format!("/employees?department={ops}")).await;
        let in_ops = listed_names(&ops_page.body);
        assert_eq!(in_ops.len(), 10);
        assert!(in_ops.iter().all(|n| n.trim_start_matches("Person ").parse::<u32>().unwrap() % 3 == 0));
        assert!(ops_page.body.contains(&format!(r#"<option value="{ops}" selected>Operations</option>"#)));
        let analysts = listed_names(&hr.get("/employees?title=analyst").await.body);
        assert_eq!(analysts, in_ops);
        let none = hr.get("/employees?q=nobody%25").await;
        assert!(listed_names(&none.body).is_empty());
        assert!(none.body.contains("No one matches your search."));

        let eng_page = hr.get(&format!("/employees?department={eng}&q=person")).await;
        assert_eq!(listed_names(&eng_page.body).len(), 20);
        assert!(eng_page.body.contains("1–20 of 20 people") || eng_page.body.contains("20 people"));

        // Sorting by number reverses the order of names.
        let by_number = listed_names(&hr.get("/employees?sort=number").await.body);
        assert_eq!(by_number[0], "Hana Reyes", "E0001 sorts before N…");
        assert_eq!(by_number[1], "Person 30");
        assert_eq!(by_number[2], "Person 29");
        let page2_by_number = hr.get("/employees?sort=number&page=2").await;
        assert_eq!(listed_names(&page2_by_number.body).last().map(String::as_str), Some("Person 01"));
        assert!(page2_by_number.body.contains(r#"href="/employees?sort=number""#), "previous keeps the sort");
        // By department: Engineering, then Operations, then those without one.
        let by_department = listed_names(&hr.get("/employees?sort=department&page=2").await.body);
        assert_eq!(by_department.last().map(String::as_str), Some("Hana Reyes"));
        let by_title = listed_names(&hr.get("/employees?sort=title").await.body);
        assert_eq!(by_title[0], "Hana Reyes", "HR partner < Operations analyst < Software engineer");
        assert_eq!(by_title[1], "Person 03");
        // A mangled query shows the first page rather than an error.
        assert_eq!(hr.get("/employees?page=abc&sort=bogus").await.status, StatusCode::OK);
    }

    async fn terminated_staff_are_hidden_from_employees_and_shown_to_hr_on_request() {
        let app = TestApp::new().await;
        let (mut hr, _) = hr_signed_in(&app).await;
        let (mut eve, _) = person_signed_in(&app, Person::new("Eve Staff", "eve@example.com"), Role::Employee).await;
        let gone = add_employee(&app, Person::new("Gina Gone", "gina@example.com").status(EmployeeStatus::Terminated)).await;
        add_employee(&app, Person::new("Lou Onleave", "lou@example.com").status(EmployeeStatus::OnLeave)).await;

        for path in ["/employees", "/employees?include=terminated", "/employees?q=gina&include=terminated"] {
            let res = eve.get(path).await;
            assert!(!listed_names(&res.body).contains(&"Gina Gone".to_owned()), "{path}");
            assert!(!res.body.contains("Include terminated staff"));
        }
        assert!(listed_names(&eve.get("/employees").await.body).contains(&"Lou Onleave".to_owned()));
        assert_eq!(eve.get(&format!("/employees/{gone}")).await.status, StatusCode::NOT_FOUND);

        let default_view = hr.get("/employees").await;
        assert!(!listed_names(&default_view.body).contains(&"Gina Gone".to_owned()));
        assert!(default_view.body.contains("Include terminated staff"));
        let with_terminated = hr.get("/employees?include=terminated").await;
        assert!(listed_names(&with_terminated.body).contains(&"Gina Gone".to_owned()));
        assert!(with_terminated.body.contains(r#"<span class="pill pill-red">Terminated</span>"#));
        let profile = hr.get(&format!("/employees/{gone}")).await;
        assert_eq!(profile.status, StatusCode::OK);
        assert!(profile.body.contains("no longer works here"));
        assert!(!profile.body.contains("/terminate"), "no second termination offered");
    }

    async fn a_profile_shows_the_manager_and_direct_reports() {
        let app = TestApp::new().await;
        let (mut eve, eve_id) = person_signed_in(&app, Person::new("Eve Staff", "eve@example.com"), Role::Employee).await;
        let boss = add_employee(&app, Person::new("Bea Boss", "bea@example.com").title("Head of things")).await;
        let mid = add_employee(&app, Person::new("Max Middle", "max@example.com").manager(&boss)).await;
        add_employee(&app, Person::new("Rita Report", "rita@example.com").manager(&mid)).await;
        add_employee(&app, Person::new("Gone Report", "gone@example.com").manager(&mid).status(EmployeeStatus::Terminated)).await;

        let res = eve.get(&format!("/employees/{mid}")).await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.body.contains(&format!(r#"<a href="/employees/{boss}">Bea Boss</a>"#)));
        assert!(res.body.contains("Rita Report"));
        assert!(!res.body.contains("Gone Report"), "terminated reports are not listed");
        assert!(!res.body.contains("Edit record") && !res.body.contains("Edit phone number"));

        let own = eve.get(&format!("/employees/{eve_id}")).await;
        assert!(own.body.contains(&format!(r#"href="/employees/{eve_id}/edit""#)) && own.body.contains("Edit phone number"));
        assert_eq!(eve.get("/employees/no-such-id").await.status, StatusCode::NOT_FOUND);
    }

    async fn the_directory_needs_a_session() {
        let app = TestApp::new().await;
        let res = app.browser().get("/employees").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert!(res.location().starts_with("/login?next="));
    }

    async fn invitations_link_the_record_and_the_public_form_creates_nothing() {
        let app = TestApp::with(|a| a.registration = Registration::Invite).await;
        let login = app.browser().get("/login").await;
        assert!(!login.body.contains(r#"href="/register""#), "invite mode offers no public sign-up");
        let page = app.browser().get("/register").await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert!(page.body.contains("Accounts are by invitation"), "{}", page.body);

        let invited = add_employee(&app, Person::new("Una Invited", "una@example.com").title("Designer")).await;
        let mut stranger = app.browser();
        let token = stranger.get("/login").await.csrf_token();
        let res = stranger
            .post("/register", &[("full_name", "Una"), ("email", "una@example.com"), ("csrf_token", &token)])
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert_eq!((app.user_count().await, app.deliver_mail().await.sent), (0, 0), "the public form creates nothing");

        let (mut hr, _) = hr_signed_in(&app).await;
        let profile = hr.get(&format!("/employees/{invited}")).await;
        assert!(profile.body.contains("Send invitation"), "a record without an account offers an invitation");
        let res = post(&mut hr, &format!("/employees/{invited}/invite"), &[]).await;
        assert_eq!(res.location(), format!("/employees/{invited}?notice=invitation_sent"));
        let first = app.link_mailed_to("una@example.com").await;
        post(&mut hr, &format!("/employees/{invited}/invite"), &[]).await;
        let link = app.link_mailed_to("una@example.com").await;
        assert!(link.starts_with("/invitation/") && link != first, "{link}");
        assert_eq!(app.browser().get(&first).await.status, StatusCode::GONE, "a newer invitation replaces the older");

        let mut una = app.browser();
        let res = una.submit(&link, &link, &[("password", PASSWORD), ("password_confirm", PASSWORD)]).await;
        assert_eq!(res.location(), "/dashboard?notice=invitation_accepted", "{}", res.body);
        let linked = record(&app, &invited).await;
        let user_id = linked.user_id.clone().expect("linked");
        assert_eq!(account(&app, &user_id).await.email, "una@example.com");
        assert_eq!((linked.job_title.as_str(), linked.full_name.as_str()), ("Designer", "Una Invited"), "HR's record is kept");
        assert_eq!(employee_count(&app).await, 2, "no second record (HR's own and Una's)");
        assert!(una.get(&format!("/employees/{invited}")).await.body.contains("Edit phone number"));

        // Used up; and the record now has an account, so no new invitation.
        assert_eq!(app.browser().get(&link).await.status, StatusCode::GONE);
        assert_eq!(post(&mut hr, &format!("/employees/{invited}/invite"), &[]).await.status, StatusCode::CONFLICT);
        assert!(!hr.get(&format!("/employees/{invited}")).await.body.contains("Send invitation"));
    }

    async fn only_hr_invites_and_never_to_an_ended_record() {
        let app = TestApp::new().await;
        let target = add_employee(&app, Person::new("Tom Target", "tom@example.com")).await;
        let gone = add_employee(&app, Person::new("Old Timer", "old@example.com").status(EmployeeStatus::Terminated)).await;
        let (mut eve, _) = person_signed_in(&app, Person::new("Eve Staff", "eve@example.com"), Role::Employee).await;
        assert!(!eve.get(&format!("/employees/{target}")).await.body.contains("Send invitation"));
        assert_eq!(post(&mut eve, &format!("/employees/{target}/invite"), &[]).await.status, StatusCode::FORBIDDEN);
        let (mut hr, _) = hr_signed_in(&app).await;
        assert_eq!(post(&mut hr, &format!("/employees/{gone}/invite"), &[]).await.status, StatusCode::CONFLICT);
        assert!(app.mail_to("tom@example.com").await.is_empty() && app.mail_to("old@example.com").await.is_empty());
    }

    async fn open_registration_gives_the_account_a_record_of_its_own() {
        let app = TestApp::new().await;
        let res = register(&app, "Olly Open", "olly@example.com").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let olly = record_by_email(&app, "olly@example.com").await.expect("record created");
        assert_eq!(olly.employee_number, "E0001");
        assert_eq!(olly.full_name, "Olly Open");
        assert_eq!((olly.department_id, olly.manager_id), (None, None));
        assert_eq!(olly.hire_date, app.now().date());
        assert_eq!((olly.phone.as_str(), olly.status.as_str()), ("", "active"));
        let user_id = olly.user_id.expect("linked");
        assert_eq!(account(&app, &user_id).await.email, "olly@example.com");

        // A record HR entered beforehand is linked instead of duplicated.
        let entered = add_employee(&app, Person::new("Pia Prepared", "pia@example.com")).await;
        assert_eq!(register(&app, "Pia P", "pia@example.com").await.status, StatusCode::SEE_OTHER);
        assert!(record(&app, &entered).await.user_id.is_some());
        assert_eq!(employee_count(&app).await, 2);

        // An ended record cannot be taken over: its address is told so, and nothing is created.
        let gone = add_employee(&app, Person::new("Old Timer", "old@example.com").status(EmployeeStatus::Terminated)).await;
        let mut browser = app.browser();
        browser.submit("/register", "/register", &[("full_name", "Old Timer"), ("email", "old@example.com")]).await;
        let mail = app.mail_to("old@example.com").await;
        assert_eq!(mail.len(), 1);
        assert!(mail[0].subject.contains("could not be created") && crate::helpers::link_in(&mail[0].text).is_none());
        assert_eq!(record(&app, &gone).await.user_id, None);
    }

    async fn accounts_made_on_the_command_line_get_a_record_too() {
        let app = TestApp::new().await;
        let entered = add_employee(&app, Person::new("Kim Known", "kim@example.com")).await;
        for email in ["kim@example.com", "new.hr@example.com"] {
            let cmd = UserCommand::Create {
                email: email.into(),
                name: "Cli Person".into(),
                role: Role::Hr,
                db: DatabaseArgs { database_url: app.database_url.clone() },
                bcrypt_cost: 4,
            };
            let mut stdin = Cursor::new(format!("{PASSWORD}\n"));
            tokio::task::spawn_blocking(move || hrms::commands::user_blocking(cmd, &mut stdin))
                .await
                .unwrap()
                .expect("user create");
        }
        assert!(record(&app, &entered).await.user_id.is_some(), "linked to HR's record");
        let created = record_by_email(&app, "new.hr@example.com").await.expect("a record of its own");
        assert_eq!((created.full_name.as_str(), created.department_id), ("Cli Person", None));
        assert!(created.user_id.is_some());
        assert_eq!(employee_count(&app).await, 2);
    }

    async fn the_directory_stacks_into_labelled_cards_scrolls_by_keyboard_and_shares_the_pager() {
        let app = TestApp::new().await;
        let (mut hr, _) = hr_signed_in(&app).await;
        let mut ids = Vec::new();
        for i in 0..25 {
            ids.push(add_employee(&app, Person::new(&format!("Person {i:02}"), &format!("p{i:02}@my-company.example"))).await);
        }
        let page = hr.get("/employees").await;
        assert_eq!(page.status, StatusCode::OK);
        // Reachable by keyboard when it scrolls sideways, named for screen readers.
        assert!(page.body.contains(r#"<div class="table-wrap" tabindex="0" role="region" aria-label="Employees">"#), "{}", page.body);
        // On phones each row is a card whose values carry their column's name.
        assert!(page.body.contains(r#"<table class="table stack-table directory-table">"#));
        for label in ["Number", "Title", "Department", "Status"] {
            assert_eq!(page.body.matches(&format!(r#"data-label="{label}""#)).count(), 25, "{label}");
        }
        // The pager every list shares, not a style of its own.
        assert!(page.body.contains(r#"<span class="page-status">Page 1 of 2</span>"#));
        assert!(page.body.contains(r#"<a href="/employees?page=2" rel="next">Next →</a>"#));
        // The profile's work email may break only before its @.
        let profile = hr.get(&format!("/employees/{}", ids[0])).await;
        assert!(
            profile.body.contains(concat!(
                r#"<a href="mailto:p00@my-company.example"><span class="email"><span class="email-part">p00</span>"#,
                r#"<wbr><span class="email-part">@my-company.example</span></span></a>"#
            )),
            "{}",
            profile.body
        );
    }
}

backend_tests! {
    async fn a_sign_up_and_an_invitation_finished_at_once_on_two_instances_make_one_account() {
        let app = TestApp::new().await;
        let other = app.second_instance().await;
        let record = add_employee(&app, Person::new("Zoe Twice", "zoe@example.com")).await;
        let (mut hr, _) = hr_signed_in(&app).await;
        post(&mut hr, &format!("/employees/{record}/invite"), &[]).await;
        let invitation = app.link_mailed_to("zoe@example.com").await;
        let mut stranger = app.browser_from([10, 0, 8, 1]);
        stranger.submit("/register", "/register", &[("full_name", "Zoe"), ("email", "zoe@example.com")]).await;
        let verification = app.link_mailed_to("zoe@example.com").await;
        assert!(invitation.starts_with("/invitation/") && verification.starts_with("/register/verify/"));

        let (mut a, mut b) = (app.browser_from([10, 0, 8, 2]), other.browser_from([10, 0, 8, 3]));
        let (ta, tb) = (a.get(&invitation).await.csrf_token(), b.get(&verification).await.csrf_token());
        let fa = [("password", PASSWORD), ("password_confirm", PASSWORD), ("csrf_token", ta.as_str())];
        let fb = [("password", PASSWORD), ("password_confirm", PASSWORD), ("csrf_token", tb.as_str())];
        let (ra, rb) = tokio::join!(a.post(&invitation, &fa), b.post(&verification, &fb));
        let mut statuses = [ra.status, rb.status];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::SEE_OTHER, StatusCode::CONFLICT], "{} / {}", ra.body, rb.body);
        let loser = if ra.status == StatusCode::CONFLICT { &ra } else { &rb };
        assert!(loser.body.contains("already") , "a clear message, not a database error: {}", loser.body);
        assert_eq!(app.user_count().await, 2, "HR's and Zoe's: one account for her");
        assert!(record_by_email(&app, "zoe@example.com").await.expect("record").user_id.is_some(), "linked to HR's record");
    }
}
