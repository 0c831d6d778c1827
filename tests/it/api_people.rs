//! The JSON API's employees and departments: the directory with the pages'
//! visibility, paging and its bounds, records one may not see answering 404,
//! HR creating and changing records, an employee changing their own phone
//! number and nothing else, departments, and problems for every error.

use axum::http::StatusCode;
use hrms::models::employee::EmployeeStatus;
use hrms::models::user::Role;
use serde_json::{Value, json};

use crate::employees::{Person, add_department, add_employee, department_names, employee_count, record};
use crate::helpers::{Api, ApiResponse, TestApp};

/// An API client for someone whose account (of `role`) is linked to the
/// record `person`; returns it and the record's id.
async fn api_person(app: &TestApp, person: Person, role: Role) -> (Api, String) {
    let user_id = app.create_user(&person.email, &person.name, role).await;
    let email = person.email.clone();
    let id = add_employee(app, person.account(&user_id)).await;
    (app.api_as(&email).await, id)
}

async fn api_hr(app: &TestApp) -> (Api, String) {
    api_person(app, Person::new("Hana Reyes", "hana@example.com").title("HR partner"), Role::Hr).await
}

async fn api_employee(app: &TestApp) -> (Api, String) {
    api_person(app, Person::new("Eve Staff", "eve@example.com"), Role::Employee).await
}

/// The `full_name`s of a list's items, in order.
fn names(res: &ApiResponse) -> Vec<String> {
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    res.json["items"].as_array().expect("items").iter().map(|e| e["full_name"].as_str().unwrap().to_owned()).collect()
}

/// The message of `field` in a 422 problem, without JSON quotes.
fn message(res: &ApiResponse, field: &str) -> String {
    res.problem(StatusCode::UNPROCESSABLE_ENTITY);
    res.field_error(field).unwrap_or_else(|| panic!("no message for {field}: {}", res.text))
}

fn new_record(name: &str, email: &str) -> Value {
    json!({"full_name": name, "work_email": email, "job_title": "Analyst", "hire_date": "2026-06-01"})
}

backend_tests! {
    async fn the_directory_pages_with_per_page_and_refuses_sizes_out_of_bounds() {
        let app = TestApp::new().await;
        let (mut hr, _) = api_hr(&app).await;
        for (name, email) in [
            ("Ann Avery", "ann@example.com"),
            ("Bo Berg", "bo@example.com"),
            ("Cy Cole", "cy@example.com"),
            ("Di Dunn", "di@example.com"),
        ] {
            add_employee(&app, Person::new(name, email)).await;
        }

        // Five people, by name; 25 a page unless asked.
        let all = hr.get("/api/v1/employees").await;
        assert_eq!(names(&all), ["Ann Avery", "Bo Berg", "Cy Cole", "Di Dunn", "Hana Reyes"]);
        assert_eq!(
            (all.json["page"].as_i64(), all.json["per_page"].as_i64(), all.json["total"].as_i64()),
            (Some(1), Some(25), Some(5))
        );

        let second = hr.get("/api/v1/employees?per_page=2&page=2").await;
        assert_eq!(names(&second), ["Cy Cole", "Di Dunn"]);
        assert_eq!(
            (second.json["page"].as_i64(), second.json["per_page"].as_i64(), second.json["total"].as_i64()),
            (Some(2), Some(2), Some(5))
        );
        assert_eq!(names(&hr.get("/api/v1/employees?per_page=2&page=3").await), ["Hana Reyes"]);
        // Past the last page: empty, so that reading until empty ends.
        let past = hr.get("/api/v1/employees?per_page=2&page=4").await;
        assert!(names(&past).is_empty());
        assert_eq!((past.json["page"].as_i64(), past.json["total"].as_i64()), (Some(4), Some(5)));
        assert_eq!(names(&hr.get("/api/v1/employees?per_page=100").await).len(), 5);

        for bad in ["per_page=0", "per_page=101", "per_page=-5"] {
            let res = hr.get(&format!("/api/v1/employees?{bad}")).await;
            assert!(message(&res, "per_page").contains("1 to 100"), "{bad}: {}", res.text);
        }
        let res = hr.get("/api/v1/employees?page=0").await;
        assert!(message(&res, "page").contains("from 1"), "{}", res.text);
    }

    async fn the_directory_searches_by_name_and_department() {
        let app = TestApp::new().await;
        let (mut eve, _) = api_employee(&app).await;
        let sales = add_department(&app, "Sales").await;
        add_employee(&app, Person::new("Ann Avery", "ann@example.com").department(&sales)).await;
        add_employee(&app, Person::new("Annika Berg", "annika@example.com")).await;
        add_employee(&app, Person::new("Bo Berg", "bo@example.com").department(&sales)).await;

        assert_eq!(names(&eve.get("/api/v1/employees?q=ANN").await), ["Ann Avery", "Annika Berg"]);
        assert_eq!(names(&eve.get(&format!("/api/v1/employees?department={sales}")).await), ["Ann Avery", "Bo Berg"]);
        assert_eq!(names(&eve.get(&format!("/api/v1/employees?department={sales}&q=bo")).await), ["Bo Berg"]);
        // As on the pages: an unknown department has nobody in it.
        let unknown = eve.get("/api/v1/employees?department=no-such-department").await;
        assert!(names(&unknown).is_empty());
        assert_eq!(unknown.json["total"], 0);
        let listed = eve.get(&format!("/api/v1/employees?department={sales}&q=ann")).await;
        let item = &listed.json["items"][0];
        assert_eq!(item["department_id"], sales.as_str());
        assert_eq!(item["hire_date"], "2024-03-01");
        assert_eq!(item["status"], "active");
        assert_eq!(item["has_account"], false);
    }

    async fn an_employee_never_sees_former_staff_in_the_list_and_hr_does_when_asked() {
        let app = TestApp::new().await;
        let (mut hr, _) = api_hr(&app).await;
        let (mut eve, _) = api_employee(&app).await;
        add_employee(&app, Person::new("Fay Former", "fay@example.com").status(EmployeeStatus::Terminated)).await;

        for path in ["/api/v1/employees", "/api/v1/employees?include_terminated=true"] {
            let res = eve.get(path).await;
            assert_eq!(names(&res), ["Eve Staff", "Hana Reyes"], "{path}");
            assert_eq!(res.json["total"], 2, "{path}");
        }
        assert_eq!(names(&hr.get("/api/v1/employees").await), ["Eve Staff", "Hana Reyes"]);
        let with_former = hr.get("/api/v1/employees?include_terminated=true").await;
        assert_eq!(names(&with_former), ["Eve Staff", "Fay Former", "Hana Reyes"]);
        assert_eq!(with_former.json["items"][1]["status"], "terminated");
    }

    async fn a_record_one_may_not_see_answers_404() {
        let app = TestApp::new().await;
        let (mut hr, _) = api_hr(&app).await;
        let (mut eve, eve_id) = api_employee(&app).await;
        let fay =
            add_employee(&app, Person::new("Fay Former", "fay@example.com").status(EmployeeStatus::Terminated)).await;

        let own = eve.get(&format!("/api/v1/employees/{eve_id}")).await;
        assert_eq!(own.status, StatusCode::OK, "{}", own.text);
        assert_eq!(
            (own.json["id"].as_str(), own.json["full_name"].as_str(), own.json["has_account"].as_bool()),
            (Some(eve_id.as_str()), Some("Eve Staff"), Some(true))
        );

        let hidden = eve.get(&format!("/api/v1/employees/{fay}")).await;
        hidden.problem(StatusCode::NOT_FOUND);
        let unknown = eve.get("/api/v1/employees/no-such-record").await;
        unknown.problem(StatusCode::NOT_FOUND);
        assert_eq!(hidden.json, unknown.json, "a hidden record looks like no record at all");

        let seen = hr.get(&format!("/api/v1/employees/{fay}")).await;
        assert_eq!(seen.status, StatusCode::OK, "{}", seen.text);
        assert_eq!(seen.json["status"], "terminated");
    }

    async fn hr_creates_a_record_with_201_and_its_location() {
        let app = TestApp::new().await;
        let (mut hr, hr_id) = api_hr(&app).await;
        let sales = add_department(&app, "Sales").await;
        let mut body = new_record("  Gil Green ", "Gil@Example.com");
        body["department_id"] = json!(sales);
        body["manager_id"] = json!(hr_id);
        body["phone"] = json!("+1 555 0100");

        let res = hr.post("/api/v1/employees", body).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
        let id = res.json["id"].as_str().expect("id").to_owned();
        assert_eq!(res.header("location"), format!("/api/v1/employees/{id}"));
        let j = &res.json;
        assert_eq!(j["full_name"], "Gil Green");
        assert_eq!(j["work_email"], "gil@example.com");
        assert_eq!(j["employee_number"], "E0002", "the next free number");
        assert_eq!(j["department_id"], sales.as_str());
        assert_eq!(j["manager_id"], hr_id.as_str());
        assert_eq!(j["hire_date"], "2026-06-01");
        assert_eq!(j["phone"], "+1 555 0100");
        assert_eq!(j["status"], "active");
        assert_eq!(j["has_account"], false);

        let again = hr.get(res.header("location")).await;
        assert_eq!(again.status, StatusCode::OK);
        assert_eq!(again.json, res.json);
        assert_eq!(record(&app, &id).await.full_name, "Gil Green");
        assert_eq!(app.count_events("employee_created").await, 1);

        // A number may be given; no department or manager is fine.
        let mut numbered = new_record("Ida Irwin", "ida@example.com");
        numbered["employee_number"] = json!("X-7");
        let res = hr.post("/api/v1/employees", numbered).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
        assert_eq!((res.json["employee_number"].as_str(), res.json["department_id"].as_str()), (Some("X-7"), None));
    }

    async fn creating_a_record_with_bad_values_names_each_field_in_a_422() {
        let app = TestApp::new().await;
        let (mut hr, _) = api_hr(&app).await;
        let before = employee_count(&app).await;

        let res = hr
            .post("/api/v1/employees", json!({"work_email": "not an email", "hire_date": "1 June", "phone": "call me"}))
            .await;
        assert!(message(&res, "full_name").contains("Enter the full name."), "{}", res.text);
        assert!(!message(&res, "work_email").is_empty());
        assert!(message(&res, "job_title").contains("Enter the job title."));
        assert!(message(&res, "hire_date").contains("Enter a date like 2026-06-01."));
        assert!(!message(&res, "phone").is_empty());

        // The checks that need the database, each on its field.
        let mut body = new_record("Gil Green", "HANA@example.com");
        body["department_id"] = json!("no-such-department");
        body["manager_id"] = json!("no-such-person");
        let res = hr.post("/api/v1/employees", body).await;
        assert!(message(&res, "work_email").contains("already has this work email"), "{}", res.text);
        assert!(message(&res, "department_id").contains("Choose a department"));
        assert!(message(&res, "manager_id").contains("Choose a manager"));

        // A field the record does not have, or a value of the wrong type, is refused too.
        let mut body = new_record("Gil Green", "gil@example.com");
        body["status"] = json!("terminated");
        let res = hr.post("/api/v1/employees", body).await;
        assert!(
            res.problem(StatusCode::UNPROCESSABLE_ENTITY)["detail"].as_str().unwrap().contains("status"),
            "{}",
            res.text
        );
        let mut body = new_record("Gil Green", "gil@example.com");
        body["full_name"] = json!(42);
        res_is_422(&hr.post("/api/v1/employees", body).await);

        assert_eq!(employee_count(&app).await, before);
        assert_eq!(app.count_events("employee_created").await, 0);
    }

    async fn an_employee_may_not_create_records() {
        let app = TestApp::new().await;
        let (mut eve, _) = api_employee(&app).await;
        let before = employee_count(&app).await;
        let res = eve.post("/api/v1/employees", new_record("Gil Green", "gil@example.com")).await;
        res.problem(StatusCode::FORBIDDEN);
        // Refused before the values are read: no hint about them either.
        let res = eve.post("/api/v1/employees", json!({})).await;
        res.problem(StatusCode::FORBIDDEN);
        assert_eq!(employee_count(&app).await, before);
    }

    async fn hr_patches_only_the_fields_sent() {
        let app = TestApp::new().await;
        let (mut hr, hr_id) = api_hr(&app).await;
        let sales = add_department(&app, "Sales").await;
        let boss = add_employee(&app, Person::new("Bo Boss", "bo@example.com")).await;
        let gil = add_employee(&app, Person::new("Gil Green", "gil@example.com").manager(&boss)).await;
        let before = record(&app, &gil).await;

        let res = hr
            .patch(
                &format!("/api/v1/employees/{gil}"),
                json!({"job_title": "Lead", "department_id": sales, "status": "on_leave"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        assert_eq!(
            (res.json["job_title"].as_str(), res.json["department_id"].as_str(), res.json["status"].as_str()),
            (Some("Lead"), Some(sales.as_str()), Some("on_leave"))
        );
        let after = record(&app, &gil).await;
        assert_eq!(
            (after.job_title.as_str(), after.status(), after.department_id.as_deref()),
            ("Lead", EmployeeStatus::OnLeave, Some(sales.as_str()))
        );
        // What was not sent keeps its value.
        assert_eq!(
            (after.full_name, after.work_email, after.phone, after.employee_number, after.hire_date),
            (before.full_name, before.work_email, before.phone, before.employee_number, before.hire_date)
        );
        assert_eq!(after.manager_id.as_deref(), Some(boss.as_str()));

        // `null` clears; another manager is taken.
        let res =
            hr.patch(&format!("/api/v1/employees/{gil}"), json!({"department_id": null, "manager_id": hr_id})).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        assert_eq!(
            (res.json["department_id"].clone(), res.json["manager_id"].as_str()),
            (Value::Null, Some(hr_id.as_str()))
        );
        assert_eq!(record(&app, &gil).await.department_id, None);

        // The form's rules hold: a bad status, nobody their own manager.
        let res = hr.patch(&format!("/api/v1/employees/{gil}"), json!({"status": "fired"})).await;
        assert!(message(&res, "status").contains("Choose a status."), "{}", res.text);
        let res = hr.patch(&format!("/api/v1/employees/{gil}"), json!({"manager_id": gil})).await;
        assert!(message(&res, "manager_id").contains("own manager"), "{}", res.text);
        // An unknown field is refused, not ignored.
        let res = hr.patch(&format!("/api/v1/employees/{gil}"), json!({"salary": 1_000_000})).await;
        res.problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(record(&app, &gil).await.status(), EmployeeStatus::OnLeave);

        // Ending an employment needs a last day and a reason: not a PATCH.
        let res = hr.patch(&format!("/api/v1/employees/{gil}"), json!({"status": "terminated"})).await;
        assert!(message(&res, "status").contains("last working day and a reason"), "{}", res.text);
        assert_eq!(record(&app, &gil).await.status(), EmployeeStatus::OnLeave);
        hr.patch("/api/v1/employees/no-such-record", json!({"job_title": "Ghost"}))
            .await
            .problem(StatusCode::NOT_FOUND);
    }

    async fn an_employee_patches_their_own_phone() {
        let app = TestApp::new().await;
        let (mut eve, eve_id) = api_employee(&app).await;
        let before = record(&app, &eve_id).await;

        let res = eve.patch(&format!("/api/v1/employees/{eve_id}"), json!({"phone": " +44 161 496 0000 "})).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        assert_eq!(res.json["phone"], "+44 161 496 0000");
        let after = record(&app, &eve_id).await;
        assert_eq!(after.phone, "+44 161 496 0000");
        assert_eq!((after.job_title, after.full_name), (before.job_title, before.full_name));
        assert_eq!(app.count_events("employee_updated").await, 1);

        let res = eve.patch(&format!("/api/v1/employees/{eve_id}"), json!({"phone": "call me"})).await;
        assert!(!message(&res, "phone").is_empty());
        assert_eq!(record(&app, &eve_id).await.phone, "+44 161 496 0000");
    }

    async fn an_employee_patching_any_field_but_their_phone_gets_403() {
        let app = TestApp::new().await;
        let (mut eve, eve_id) = api_employee(&app).await;
        let before = record(&app, &eve_id).await;

        let res = eve
            .patch(
                &format!("/api/v1/employees/{eve_id}"),
                json!({"phone": "+1 555 0199", "job_title": "CEO", "status": "on_leave"}),
            )
            .await;
        let detail = res.problem(StatusCode::FORBIDDEN)["detail"].as_str().unwrap().to_owned();
        assert!(detail.contains("job_title") && detail.contains("status") && !detail.contains("phone,"), "{detail}");
        // Nothing was saved, not even the phone.
        let after = record(&app, &eve_id).await;
        assert_eq!((after.phone, after.job_title, after.status), (before.phone, before.job_title, before.status));
        assert_eq!(app.count_events("employee_updated").await, 0);
    }

    async fn an_employee_may_not_patch_someone_else() {
        let app = TestApp::new().await;
        let (mut eve, _) = api_employee(&app).await;
        let gil = add_employee(&app, Person::new("Gil Green", "gil@example.com")).await;
        let fay =
            add_employee(&app, Person::new("Fay Former", "fay@example.com").status(EmployeeStatus::Terminated)).await;

        eve.patch(&format!("/api/v1/employees/{gil}"), json!({"phone": "+1 555 0199"}))
            .await
            .problem(StatusCode::FORBIDDEN);
        eve.patch(&format!("/api/v1/employees/{fay}"), json!({"phone": "+1 555 0199"}))
            .await
            .problem(StatusCode::NOT_FOUND);
        assert_eq!(record(&app, &gil).await.phone, "+44 20 7946 0000");
        assert_eq!(record(&app, &fay).await.phone, "+44 20 7946 0000");
        assert_eq!(app.count_events("employee_updated").await, 0);
    }

    async fn hr_creates_renames_heads_and_deletes_departments() {
        let app = TestApp::new().await;
        let (mut hr, hr_id) = api_hr(&app).await;

        let res = hr.post("/api/v1/departments", json!({"name": "  Finance "})).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
        let id = res.json["id"].as_str().expect("id").to_owned();
        assert_eq!(res.header("location"), format!("/api/v1/departments/{id}"));
        assert_eq!(
            res.json,
            json!({"id": id, "name": "Finance", "head_employee_id": null, "head_name": null, "headcount": 0})
        );
        assert!(
            message(&hr.post("/api/v1/departments", json!({"name": "FINANCE"})).await, "name")
                .contains("already exists")
        );
        assert!(message(&hr.post("/api/v1/departments", json!({})).await, "name").contains("Enter the department"));

        let path = format!("/api/v1/departments/{id}");
        let res = hr.patch(&path, json!({"head_employee_id": hr_id})).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        assert_eq!(
            (res.json["name"].as_str(), res.json["head_employee_id"].as_str(), res.json["head_name"].as_str()),
            (Some("Finance"), Some(hr_id.as_str()), Some("Hana Reyes"))
        );
        // A new name keeps the head.
        let res = hr.patch(&path, json!({"name": "Money"})).await;
        assert_eq!(
            (res.json["name"].as_str(), res.json["head_employee_id"].as_str()),
            (Some("Money"), Some(hr_id.as_str())),
            "{}",
            res.text
        );
        assert!(
            message(&hr.patch(&path, json!({"head_employee_id": "nobody"})).await, "head_employee_id")
                .contains("Choose a head")
        );
        let res = hr.patch(&path, json!({"head_employee_id": null})).await;
        assert_eq!((res.status, res.json["head_employee_id"].clone()), (StatusCode::OK, Value::Null), "{}", res.text);

        add_employee(&app, Person::new("Wen Worker", "wen@example.com").department(&id)).await;
        let list = hr.get("/api/v1/departments").await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.text);
        assert_eq!(
            list.json["items"],
            json!([{"id": id, "name": "Money", "head_employee_id": null, "head_name": null, "headcount": 1}])
        );
        assert_eq!(list.json["unassigned"], 1, "Hana has no department");

        let empty =
            hr.post("/api/v1/departments", json!({"name": "Empty"})).await.json["id"].as_str().unwrap().to_owned();
        let res = hr.delete(&format!("/api/v1/departments/{empty}")).await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text);
        assert!(res.text.is_empty());
        assert_eq!(department_names(&app).await, ["Money"]);
        hr.delete(&format!("/api/v1/departments/{empty}")).await.problem(StatusCode::NOT_FOUND);
        hr.patch(&format!("/api/v1/departments/{empty}"), json!({"name": "Back"})).await.problem(StatusCode::NOT_FOUND);
        assert_eq!(app.count_events("department_created").await, 2);
        assert_eq!(app.count_events("department_updated").await, 3);
        assert_eq!(app.count_events("department_deleted").await, 1);
    }

    async fn a_department_in_use_cannot_be_deleted_409() {
        let app = TestApp::new().await;
        let (mut hr, _) = api_hr(&app).await;
        let busy = add_department(&app, "Busy").await;
        // Former staff count too: their records still point at it.
        add_employee(
            &app,
            Person::new("Fay Former", "fay@example.com").department(&busy).status(EmployeeStatus::Terminated),
        )
        .await;

        let res = hr.delete(&format!("/api/v1/departments/{busy}")).await;
        let problem = res.problem(StatusCode::CONFLICT);
        assert_eq!(problem["title"], "Department in use");
        assert!(problem["detail"].as_str().unwrap().contains("1 employee record belongs to it"), "{}", res.text);
        assert_eq!(department_names(&app).await, ["Busy"]);
        // Its headcount is current staff only.
        assert_eq!(hr.get("/api/v1/departments").await.json["items"][0]["headcount"], 0);
    }

    async fn employees_list_departments_but_may_not_change_them() {
        let app = TestApp::new().await;
        let (mut eve, _) = api_employee(&app).await;
        let sales = add_department(&app, "Sales").await;

        let list = eve.get("/api/v1/departments").await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.text);
        assert_eq!(list.json["items"][0]["name"], "Sales");
        eve.post("/api/v1/departments", json!({"name": "Shadow IT"})).await.problem(StatusCode::FORBIDDEN);
        eve.patch(&format!("/api/v1/departments/{sales}"), json!({"name": "Mine"}))
            .await
            .problem(StatusCode::FORBIDDEN);
        eve.delete(&format!("/api/v1/departments/{sales}")).await.problem(StatusCode::FORBIDDEN);
        assert_eq!(department_names(&app).await, ["Sales"]);
    }

    async fn a_head_who_has_left_is_shown_to_hr_only() {
        let app = TestApp::new().await;
        let (mut hr, _) = api_hr(&app).await;
        let (mut eve, _) = api_employee(&app).await;
        let sales = add_department(&app, "Sales").await;
        let fay =
            add_employee(&app, Person::new("Fay Former", "fay@example.com").status(EmployeeStatus::Terminated)).await;
        let (id, head, now) = (sales.clone(), fay.clone(), app.now());
        app.state
            .db
            .run(move |conn| Ok(hrms::models::department::update(conn, &id, "Sales", Some(&head), now)?))
            .await
            .expect("set head");

        let seen = hr.get("/api/v1/departments").await;
        assert_eq!(
            (seen.json["items"][0]["head_employee_id"].as_str(), seen.json["items"][0]["head_name"].as_str()),
            (Some(fay.as_str()), Some("Fay Former")),
            "{}",
            seen.text
        );
        let hidden = eve.get("/api/v1/departments").await;
        assert_eq!(hidden.status, StatusCode::OK, "{}", hidden.text);
        assert_eq!(
            (hidden.json["items"][0]["head_employee_id"].clone(), hidden.json["items"][0]["head_name"].clone()),
            (Value::Null, Value::Null)
        );
    }

    async fn a_wrong_typed_query_value_is_a_400_problem() {
        let app = TestApp::new().await;
        let (mut hr, _) = api_hr(&app).await;
        for query in ["page=two", "per_page=ten", "include_terminated=maybe", "page=1.5"] {
            let res = hr.get(&format!("/api/v1/employees?{query}")).await;
            let detail = res.problem(StatusCode::BAD_REQUEST)["detail"].as_str().unwrap().to_owned();
            assert!(detail.contains("query string"), "{query}: {detail}");
        }
    }

    async fn every_error_of_these_routes_is_a_problem() {
        let app = TestApp::new().await;
        let (mut eve, eve_id) = api_employee(&app).await;
        let mut anonymous = app.api();
        for path in ["/api/v1/employees", "/api/v1/departments", &format!("/api/v1/employees/{eve_id}")] {
            anonymous.get(path).await.problem(StatusCode::UNAUTHORIZED);
        }
        anonymous.post("/api/v1/departments", json!({"name": "X"})).await.problem(StatusCode::UNAUTHORIZED);
        // Not JSON, malformed JSON, a method the address does not take.
        let req = axum::http::Request::patch(format!("/api/v1/employees/{eve_id}"))
            .header("content-type", "text/plain")
            .body(axum::body::Body::from("phone=1"))
            .unwrap();
        eve.send(req).await.problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let req = axum::http::Request::patch(format!("/api/v1/employees/{eve_id}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from("{\"phone\": "))
            .unwrap();
        eve.send(req).await.problem(StatusCode::BAD_REQUEST);
        eve.delete(&format!("/api/v1/employees/{eve_id}")).await.problem(StatusCode::METHOD_NOT_ALLOWED);
        eve.patch(&format!("/api/v1/employees/{eve_id}"), json!({"phone": 12345}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
    }

    async fn the_document_describes_every_people_route() {
        let app = TestApp::new().await;
        let doc = app.api().get("/api/openapi.json").await;
        assert_eq!(doc.status, StatusCode::OK);
        let paths = &doc.json["paths"];
        for (path, methods, tag) in [
            ("/api/v1/employees", &["get", "post"][..], "employees"),
            ("/api/v1/employees/{id}", &["get", "patch"][..], "employees"),
            ("/api/v1/departments", &["get", "post"][..], "departments"),
            ("/api/v1/departments/{id}", &["patch", "delete"][..], "departments"),
        ] {
            for method in methods {
                let op = &paths[path][method];
                assert_eq!(op["tags"][0], tag, "{method} {path}");
                assert!(op["security"][0]["bearer"].is_array(), "{method} {path}");
                for (status, response) in op["responses"].as_object().expect("responses") {
                    assert!(
                        response["description"].as_str().is_some_and(|d| !d.is_empty()),
                        "{method} {path} {status}"
                    );
                }
            }
        }
        let operation_ids: Vec<&str> = paths
            .as_object()
            .unwrap()
            .values()
            .flat_map(|item| item.as_object().unwrap().values())
            .filter_map(|op| op["operationId"].as_str())
            .collect();
        for id in [
            "list_employees",
            "create_employee",
            "get_employee",
            "patch_employee",
            "list_departments",
            "create_department",
            "patch_department",
            "delete_department",
        ] {
            assert_eq!(operation_ids.iter().filter(|o| **o == id).count(), 1, "{id} in {operation_ids:?}");
        }
        let tags: Vec<&str> = doc.json["tags"].as_array().unwrap().iter().filter_map(|t| t["name"].as_str()).collect();
        assert!(tags.contains(&"employees") && tags.contains(&"departments"), "{tags:?}");
        let list_params: Vec<&str> = paths["/api/v1/employees"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        assert_eq!(list_params, ["q", "department", "include_terminated", "page", "per_page"]);
        let required = &doc.json["components"]["schemas"]["EmployeeIn"]["required"];
        assert_eq!(required, &json!(["full_name", "work_email", "job_title", "hire_date"]));
    }
}

fn res_is_422(res: &ApiResponse) {
    res.problem(StatusCode::UNPROCESSABLE_ENTITY);
}
