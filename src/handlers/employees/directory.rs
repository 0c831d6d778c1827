//! `GET /employees`: search, filter, sort and page through the staff.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::SelectOption;
use crate::access::{Action, Actor};
use crate::display::{Pager, employee_status_class};
use crate::domain::employees::{self, DirectoryQuery as Asked, PER_PAGE};
use crate::error::AppResult;
use crate::models::employee::DirectorySort;
use crate::notice::Shown;
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{Layout, filters, ok_page};

#[derive(Debug, Default, Deserialize)]
pub struct DirectoryQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    page: String,
    #[serde(default)]
    include: String,
    /// The optional columns, each a checkbox (`on`).
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    manager: String,
}

/// Which optional columns the directory shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Extra {
    pub email: bool,
    pub phone: bool,
    pub manager: bool,
}

impl Extra {
    fn of(q: &DirectoryQuery) -> Self {
        Extra { email: !q.email.is_empty(), phone: !q.phone.is_empty(), manager: !q.manager.is_empty() }
    }
}

/// The filters as they appear in links, so that sorting and paging keep them.
#[derive(Clone, Debug, Default)]
struct Params {
    q: String,
    department: String,
    title: String,
    include_terminated: bool,
    sort: DirectorySort,
    extra: Extra,
}

impl Params {
    fn href(&self, sort: DirectorySort, page: i64) -> String {
        self.href_at("/employees", sort, page)
    }

    /// The same selection at `path` (the page, or its CSV).
    fn href_at(&self, path: &str, sort: DirectorySort, page: i64) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        for (name, value) in [("q", &self.q), ("department", &self.department), ("title", &self.title)] {
            if !value.is_empty() {
                pairs.push((name, value.clone()));
            }
        }
        if self.include_terminated {
            pairs.push(("include", "terminated".into()));
        }
        for (name, shown) in [("email", self.extra.email), ("phone", self.extra.phone), ("manager", self.extra.manager)]
        {
            if shown {
                pairs.push((name, "on".into()));
            }
        }
        if sort != DirectorySort::default() {
            pairs.push(("sort", sort.as_str().into()));
        }
        if page > 1 {
            pairs.push(("page", page.to_string()));
        }
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        if query.is_empty() { path.into() } else { format!("{path}?{query}") }
    }
}

pub struct Row {
    pub id: String,
    pub name: String,
    pub number: String,
    pub title: String,
    pub department: String,
    pub email: String,
    pub phone: String,
    /// (id, name) of the manager, when the viewer may see them.
    pub manager: Option<(String, String)>,
    pub status_label: &'static str,
    pub status_class: &'static str,
}

/// A sortable column heading.
pub struct Column {
    pub label: &'static str,
    pub href: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "employees/directory.html")]
pub struct DirectoryPage {
    pub layout: Layout,
    pub q: String,
    pub title: String,
    /// Kept when searching again; empty for the default order.
    pub sort: String,
    pub departments: Vec<SelectOption>,
    pub include_terminated: bool,
    pub may_include_terminated: bool,
    pub may_create: bool,
    pub may_import: bool,
    /// The optional columns shown.
    pub extra: Extra,
    /// The download of this selection (every page).
    pub csv_href: String,
    pub notice: Option<&'static str>,
    pub rows: Vec<Row>,
    pub total: i64,
    pub showing: String,
    pub filtered: bool,
    pub columns: Vec<Column>,
    /// The pager every list shares (`admin/pagination.html`).
    pub pager: Pager,
}

/// What the query string asks for. A mangled one asks for the whole
/// directory rather than an error.
fn asked(query: Result<Query<DirectoryQuery>, QueryRejection>) -> (Asked, Extra) {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let extra = Extra::of(&q);
    let asked = Asked {
        name: q.q.trim().chars().take(100).collect(),
        department_id: Some(q.department.trim().to_owned()).filter(|d| !d.is_empty()),
        title: q.title.trim().chars().take(100).collect(),
        include_terminated: q.include == "terminated",
        sort: DirectorySort::parse(&q.sort),
        page: q.page.trim().parse::<i64>().unwrap_or(1),
        per_page: PER_PAGE,
        exact_page: false,
    };
    (asked, extra)
}

/// `GET /employees.csv`: the directory with the same filters, every page, as CSV.
pub async fn directory_csv(
    State(state): State<AppState>,
    actor: Actor,
    query: Result<Query<DirectoryQuery>, QueryRejection>,
) -> AppResult<Response> {
    let chunks = employees::export::directory_csv(&state, &actor, asked(query).0).await?;
    Ok(crate::handlers::leave::reports::csv_response("employees.csv", chunks))
}

pub async fn directory(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    notice: Shown,
    query: Result<Query<DirectoryQuery>, QueryRejection>,
) -> AppResult<Response> {
    let (asked, extra) = asked(query);
    let found = employees::directory(&state, &actor, asked.clone()).await?;
    let params = Params {
        q: asked.name,
        department: asked.department_id.unwrap_or_default(),
        title: asked.title,
        include_terminated: found.include_terminated,
        sort: asked.sort,
        extra,
    };
    let (total, exact, current_page, last_page) = (found.total, found.total_exact, found.page, found.last_page);
    let departments = found.departments;
    let managers = found.managers;
    let rows: Vec<Row> = found
        .rows
        .into_iter()
        .map(|(e, department)| Row {
            status_label: e.status().label(),
            status_class: employee_status_class(e.status()),
            manager: e.manager_id.as_ref().and_then(|id| managers.get(id).map(|name| (id.clone(), name.clone()))),
            email: e.work_email,
            phone: e.phone,
            id: e.id,
            name: e.full_name,
            number: e.employee_number,
            title: e.job_title,
            department: department.unwrap_or_default(),
        })
        .collect();
    let first_shown = (current_page - 1) * PER_PAGE + 1;
    let showing = match total {
        0 => String::new(),
        1 => "1 person".into(),
        _ if last_page == 1 => format!("{} people", crate::display::thousands(total)),
        _ => {
            let last_shown = first_shown + rows.len() as i64 - 1;
            let of = if exact { "of" } else { "of more than" };
            let n = crate::display::thousands;
            format!("{}–{} {of} {} people", n(first_shown), n(last_shown), n(total))
        }
    };
    let columns = [
        ("Name", DirectorySort::Name),
        ("Number", DirectorySort::Number),
        ("Title", DirectorySort::Title),
        ("Department", DirectorySort::Department),
    ]
    .into_iter()
    .map(|(label, sort)| Column { label, href: params.href(sort, 1), current: sort == params.sort })
    .collect();
    let pager = Pager {
        page: current_page,
        pages: last_page,
        total,
        per_page: PER_PAGE,
        exact,
        prev_href: (current_page > 1).then(|| params.href(params.sort, current_page - 1)),
        next_href: (current_page < last_page).then(|| params.href(params.sort, current_page + 1)),
    };
    let department_options =
        SelectOption::with_none("All departments", &params.department, departments.into_iter().map(|d| (d.id, d.name)));

    Ok(ok_page(&DirectoryPage {
        layout: page.layout(),
        filtered: !params.q.is_empty() || !params.department.is_empty() || !params.title.is_empty(),
        q: params.q.clone(),
        title: params.title.clone(),
        sort: if params.sort == DirectorySort::default() { String::new() } else { params.sort.as_str().into() },
        departments: department_options,
        include_terminated: params.include_terminated,
        may_include_terminated: actor.can_globally(Action::ViewTerminatedStaff),
        may_create: actor.can_globally(Action::CreateEmployee),
        may_import: actor.can_globally(Action::ImportEmployees),
        extra,
        csv_href: params.href_at("/employees.csv", params.sort, 1),
        notice: notice.text(),
        rows,
        total,
        showing,
        columns,
        pager,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_filters() {
        let p = Params {
            q: "ann lee".into(),
            department: "d1".into(),
            title: String::new(),
            include_terminated: true,
            sort: DirectorySort::Title,
            extra: Extra { email: true, phone: false, manager: true },
        };
        assert_eq!(
            p.href(DirectorySort::Title, 2),
            "/employees?q=ann+lee&department=d1&include=terminated&email=on&manager=on&sort=title&page=2"
        );
        assert_eq!(Params::default().href(DirectorySort::Name, 1), "/employees");
        assert_eq!(
            p.href_at("/employees.csv", DirectorySort::Title, 1),
            "/employees.csv?q=ann+lee&department=d1&include=terminated&email=on&manager=on&sort=title"
        );
    }
}
