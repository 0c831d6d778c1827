//! `GET /employees`: search, filter, sort and page through the staff.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::SelectOption;
use crate::access::{Action, Actor};
use crate::display::employee_status_class;
use crate::domain::employees::{self, DirectoryQuery as Asked, PER_PAGE};
use crate::error::AppResult;
use crate::models::employee::DirectorySort;
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{Layout, ok_page};

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
}

/// The filters as they appear in links, so that sorting and paging keep them.
#[derive(Clone, Debug, Default)]
struct Params {
    q: String,
    department: String,
    title: String,
    include_terminated: bool,
    sort: DirectorySort,
}

impl Params {
    fn href(&self, sort: DirectorySort, page: i64) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        for (name, value) in [("q", &self.q), ("department", &self.department), ("title", &self.title)] {
            if !value.is_empty() {
                pairs.push((name, value.clone()));
            }
        }
        if self.include_terminated {
            pairs.push(("include", "terminated".into()));
        }
        if sort != DirectorySort::default() {
            pairs.push(("sort", sort.as_str().into()));
        }
        if page > 1 {
            pairs.push(("page", page.to_string()));
        }
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        if query.is_empty() { "/employees".into() } else { format!("/employees?{query}") }
    }
}

pub struct Row {
    pub id: String,
    pub name: String,
    pub number: String,
    pub title: String,
    pub department: String,
    pub status_label: &'static str,
    pub status_class: &'static str,
}

/// A sortable column heading.
pub struct Column {
    pub label: &'static str,
    pub href: String,
    pub current: bool,
}

/// One entry of the pagination bar; `href: None` is a gap ("…").
pub struct PageLink {
    pub label: String,
    pub href: Option<String>,
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
    pub rows: Vec<Row>,
    pub total: i64,
    pub showing: String,
    pub filtered: bool,
    pub columns: Vec<Column>,
    pub pages: Vec<PageLink>,
    pub previous: Option<String>,
    pub next: Option<String>,
}

/// Page numbers to show: the first, the last, and two either side of the current one.
fn page_window(current: i64, last: i64) -> Vec<Option<i64>> {
    let mut shown = Vec::new();
    for n in 1..=last {
        if n == 1 || n == last || (n - current).abs() <= 2 {
            shown.push(Some(n));
        } else if shown.last().is_some_and(Option::is_some) {
            shown.push(None);
        }
    }
    shown
}

pub async fn directory(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    query: Result<Query<DirectoryQuery>, QueryRejection>,
) -> AppResult<Response> {
    // A mangled query string shows the whole directory rather than an error.
    let q = query.map(|Query(q)| q).unwrap_or_default();
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
    let found = employees::directory(&state, &actor, asked.clone()).await?;
    let params = Params {
        q: asked.name,
        department: asked.department_id.unwrap_or_default(),
        title: asked.title,
        include_terminated: found.include_terminated,
        sort: asked.sort,
    };
    let (total, current_page, last_page) = (found.total, found.page, found.last_page);
    let departments = found.departments;
    let rows: Vec<Row> = found
        .rows
        .into_iter()
        .map(|(e, department)| Row {
            status_label: e.status().label(),
            status_class: employee_status_class(e.status()),
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
        _ if last_page == 1 => format!("{total} people"),
        _ => format!("{first_shown}–{} of {total} people", first_shown + rows.len() as i64 - 1),
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
    let pages = if last_page > 1 {
        page_window(current_page, last_page)
            .into_iter()
            .map(|n| match n {
                Some(n) => PageLink {
                    label: n.to_string(),
                    href: Some(params.href(params.sort, n)),
                    current: n == current_page,
                },
                None => PageLink { label: "…".into(), href: None, current: false },
            })
            .collect()
    } else {
        Vec::new()
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
        rows,
        total,
        showing,
        columns,
        pages,
        previous: (current_page > 1).then(|| params.href(params.sort, current_page - 1)),
        next: (current_page < last_page).then(|| params.href(params.sort, current_page + 1)),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_window_keeps_ends_and_neighbours() {
        assert_eq!(page_window(1, 3), vec![Some(1), Some(2), Some(3)]);
        assert_eq!(
            page_window(5, 10),
            vec![Some(1), None, Some(3), Some(4), Some(5), Some(6), Some(7), None, Some(10)]
        );
    }

    #[test]
    fn links_keep_the_filters() {
        let p = Params {
            q: "ann lee".into(),
            department: "d1".into(),
            title: String::new(),
            include_terminated: true,
            sort: DirectorySort::Title,
        };
        assert_eq!(
            p.href(DirectorySort::Title, 2),
            "/employees?q=ann+lee&department=d1&include=terminated&sort=title&page=2"
        );
        assert_eq!(Params::default().href(DirectorySort::Name, 1), "/employees");
    }
}
