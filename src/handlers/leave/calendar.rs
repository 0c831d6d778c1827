//! `GET /leave/calendar`: the month calendar of who is away (see
//! `domain::leave::calendar`). A grid on a laptop, a list of the days with
//! absences on a phone, both from the same HTML.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use time::Date;

use crate::access::Actor;
use crate::display::long_date;
use crate::domain::leave::calendar::{self, Away, MonthCalendar};
use crate::error::{AppError, AppResult};
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{Layout, ok_page};

#[derive(Debug, Default, Deserialize)]
pub struct CalendarQuery {
    month: Option<String>,
    department: Option<String>,
}

/// A department HR may choose.
pub struct DepartmentOption {
    pub id: String,
    pub name: String,
    pub selected: bool,
}

/// One cell of the grid: a day of the month or padding before and after it.
pub struct Cell {
    pub day: Option<DayView>,
}

pub struct DayView {
    pub number: u8,
    pub label: String,
    pub iso: String,
    pub weekend: bool,
    pub today: bool,
    pub holiday: Option<String>,
    pub away: Vec<Away>,
}

#[derive(askama::Template)]
#[template(path = "leave/calendar.html")]
pub struct CalendarPage {
    pub layout: Layout,
    pub title: String,
    pub scope: String,
    pub month: String,
    pub previous_href: String,
    pub next_href: String,
    pub this_month_href: String,
    pub department_id: String,
    pub departments: Vec<DepartmentOption>,
    pub weeks: Vec<Vec<Cell>>,
    /// The days with someone away or a holiday: the phone's list.
    pub listed: Vec<DayView>,
    pub people: usize,
}

fn href(first: Option<Date>, department: &str) -> String {
    let mut params = Vec::new();
    if let Some(first) = first {
        params.push(format!("month={}", calendar::month_key(first)));
    }
    if !department.is_empty() {
        params.push(format!("department={}", urlencoding(department)));
    }
    if params.is_empty() { "/leave/calendar".into() } else { format!("/leave/calendar?{}", params.join("&")) }
}

/// Department ids are UUIDs; anything else is percent-encoded all the same.
fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b == b'-' { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

fn day_view(day: &calendar::Day, today: Date) -> DayView {
    DayView {
        number: day.date.day(),
        label: long_date(day.date),
        iso: crate::display::iso_date(day.date),
        weekend: day.weekend,
        today: day.date == today,
        holiday: day.holiday.clone(),
        away: day.away.clone(),
    }
}

fn weeks(month: &MonthCalendar, today: Date) -> Vec<Vec<Cell>> {
    let lead = month.first.weekday().number_days_from_monday() as usize;
    let mut cells: Vec<Cell> = (0..lead).map(|_| Cell { day: None }).collect();
    cells.extend(month.days.iter().map(|d| Cell { day: Some(day_view(d, today)) }));
    while !cells.len().is_multiple_of(7) {
        cells.push(Cell { day: None });
    }
    let mut weeks = Vec::new();
    let mut cells = cells.into_iter().peekable();
    while cells.peek().is_some() {
        weeks.push(cells.by_ref().take(7).collect());
    }
    weeks
}

pub async fn show(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    query: Result<Query<CalendarQuery>, QueryRejection>,
) -> AppResult<Response> {
    let Query(query) =
        query.map_err(|_| AppError::BadRequest("Choose a month as YYYY-MM and a department from the list.".into()))?;
    let month = calendar::month(&state, &actor, query.month.as_deref(), query.department.as_deref()).await?;
    let today = state.clock.now().date();
    let department_id = month.department.as_ref().map(|d| d.id.clone()).unwrap_or_default();
    let previous = month.first.previous_day().and_then(|d| d.replace_day(1).ok());
    let next = calendar::month_end(month.first).next_day();
    let in_range = |d: &Date| calendar::YEARS.contains(&d.year());
    let scope = match (&month.department, month.company) {
        (Some(d), _) => d.name.clone(),
        (None, true) => "Whole company".into(),
        (None, false) => "Your team".into(),
    };
    Ok(ok_page(&CalendarPage {
        layout: page.layout(),
        title: format!("{} {}", month.first.month(), month.first.year()),
        scope,
        month: calendar::month_key(month.first),
        previous_href: previous.filter(in_range).map(|d| href(Some(d), &department_id)).unwrap_or_default(),
        next_href: next.filter(in_range).map(|d| href(Some(d), &department_id)).unwrap_or_default(),
        this_month_href: href(None, &department_id),
        departments: month
            .departments
            .iter()
            .map(|d| DepartmentOption { id: d.id.clone(), name: d.name.clone(), selected: d.id == department_id })
            .collect(),
        department_id,
        weeks: weeks(&month, today),
        listed: month
            .days
            .iter()
            .filter(|d| !d.away.is_empty() || d.holiday.is_some())
            .map(|d| day_view(d, today))
            .collect(),
        people: month.people,
    }))
}
