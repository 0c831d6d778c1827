//! Departments: everyone sees them with headcounts; HR creates, renames,
//! sets a head, and deletes only empty ones.

use axum::http::StatusCode;
use hrms::models::employee::EmployeeStatus;
use hrms::models::user::Role;

use crate::employees::{Person, add_department, add_employee, department_names, hr_signed_in, person_signed_in, post};
use crate::helpers::TestApp;

async fn head_of(app: &TestApp, id: &str) -> Option<String> {
    let id = id.to_owned();
    app.state
        .db
        .run(move |conn| Ok(hrms::models::department::find(conn, &id)?.head_employee_id))
        .await
        .expect("department")
}

backend_tests! {
    async fn hr_creates_renames_and_sets_a_head() {
        let app = TestApp::new().await;
        let (mut hr, hr_id) = hr_signed_in(&app).await;

        let page = hr.get("/departments").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("New department"));
        let res = hr.submit("/departments", "/departments", &[("name", "  Finance  ")]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(res.location(), "/departments?notice=department_created");
        assert_eq!(department_names(&app).await, vec!["Finance"]);

        // Names are unique, whatever their case; an empty one is refused.
        let res = hr.submit("/departments", "/departments", &[("name", "FINANCE")]).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("A department with this name already exists."));
        assert!(res.body.contains(r#"value="FINANCE""#));
        let res = hr.submit("/departments", "/departments", &[("name", "")]).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("Enter the department&#39;s name.") || res.body.contains("Enter the department&#x27;s name."), "{}", res.body);
        assert_eq!(department_names(&app).await, vec!["Finance"]);

        let legal = add_department(&app, "Legal").await;
        let finance = app
            .state
            .db
            .run(|conn| Ok(hrms::models::department::all(conn)?))
            .await
            .unwrap()
            .into_iter()
            .find(|d| d.name == "Finance")
            .unwrap()
            .id;
        let edit = hr.get(&format!("/departments/{finance}/edit")).await;
        assert_eq!(edit.status, StatusCode::OK);
        assert!(edit.body.contains("Hana Reyes (E0001)"), "current staff are offered as head");

        let action = format!("/departments/{finance}");
        let res = post(&mut hr, &action, &[("name", "legal"), ("head_employee_id", "")]).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("A department with this name already exists."));
        let res = post(&mut hr, &action, &[("name", "Money"), ("head_employee_id", "nobody")]).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("Choose a head from the list."));
        let gone = add_employee(&app, Person::new("Gone Person", "gone@example.com").status(EmployeeStatus::Terminated)).await;
        let res = post(&mut hr, &action, &[("name", "Money"), ("head_employee_id", &gone)]).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("Gone Person no longer works here"));
        assert_eq!(department_names(&app).await, vec!["Finance", "Legal"]);

        let res = post(&mut hr, &action, &[("name", "Finance & Accounting"), ("head_employee_id", &hr_id)]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(department_names(&app).await, vec!["Finance & Accounting", "Legal"]);
        assert_eq!(head_of(&app, &finance).await.as_deref(), Some(hr_id.as_str()));
        assert_eq!(head_of(&app, &legal).await, None);

        let list = hr.get("/departments").await;
        assert!(list.body.contains(&format!(r#"<a href="/employees/{hr_id}">Hana Reyes</a>"#)));
        assert_eq!(app.count_events("department_created").await, 1);
        assert_eq!(app.count_events("department_updated").await, 1);
    }

    async fn a_department_with_employees_cannot_be_deleted() {
        let app = TestApp::new().await;
        let (mut hr, _) = hr_signed_in(&app).await;
        let busy = add_department(&app, "Busy").await;
        let empty = add_department(&app, "Empty").await;
        add_employee(&app, Person::new("Wen Worker", "wen@example.com").department(&busy)).await;
        // Former staff count too: their records still point at it.
        let old = add_department(&app, "Old").await;
        add_employee(&app, Person::new("Fay Former", "fay@example.com").department(&old).status(EmployeeStatus::Terminated)).await;

        let list = hr.get("/departments").await;
        assert!(list.body.contains(r#"<td class="num">1</td>"#), "Busy has one person");

        for id in [&busy, &old] {
            let res = hr.submit(&format!("/departments/{id}/edit"), &format!("/departments/{id}/delete"), &[]).await;
            assert_eq!(res.status, StatusCode::CONFLICT);
            assert!(res.body.contains("cannot be deleted: 1 employee record belongs to it"), "{}", res.body);
            assert!(res.body.contains("Move them to another department first."));
        }
        assert_eq!(department_names(&app).await, vec!["Busy", "Empty", "Old"]);

        let res = hr.submit(&format!("/departments/{empty}/edit"), &format!("/departments/{empty}/delete"), &[]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(res.location(), "/departments?notice=department_deleted");
        assert_eq!(department_names(&app).await, vec!["Busy", "Old"]);
        assert_eq!(app.count_events("department_deleted").await, 1);
        assert_eq!(hr.get(&format!("/departments/{empty}/edit")).await.status, StatusCode::NOT_FOUND);
    }

    async fn employees_see_departments_but_cannot_change_them() {
        let app = TestApp::new().await;
        let (mut eve, _) = person_signed_in(&app, Person::new("Eve Staff", "eve@example.com"), Role::Employee).await;
        let empty = add_department(&app, "Empty").await;
        let busy = add_department(&app, "Busy").await;
        add_employee(&app, Person::new("Wen Worker", "wen@example.com").department(&busy)).await;

        let list = eve.get("/departments").await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.body.contains("Busy") && list.body.contains(r#"<td class="num">1</td>"#));
        assert!(!list.body.contains("New department") && !list.body.contains("/edit\""));

        assert_eq!(post(&mut eve, "/departments", &[("name", "Shadow IT")]).await.status, StatusCode::FORBIDDEN);
        assert_eq!(eve.get(&format!("/departments/{empty}/edit")).await.status, StatusCode::FORBIDDEN);
        let res = post(&mut eve, &format!("/departments/{empty}"), &[("name", "Renamed"), ("head_employee_id", "")]).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert_eq!(post(&mut eve, &format!("/departments/{empty}/delete"), &[]).await.status, StatusCode::FORBIDDEN);

        assert_eq!(department_names(&app).await, vec!["Busy", "Empty"]);
        for event in ["department_created", "department_updated", "department_deleted"] {
            assert_eq!(app.count_events(event).await, 0, "{event}");
        }
    }
}
