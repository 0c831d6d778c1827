//! What HR maintains: each leave type's yearly allowance and the list of
//! public holidays (which do not count as leave days).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use diesel::Connection;
use serde::Deserialize;
use time::Date;

use super::requests::NoticeQuery;
use super::{long_date, parse_date};
use crate::access::{Action, Actor};
use crate::auth::middleware::Client;
use crate::error::{AppError, AppResult};
use crate::forms::{CsrfForm, CsrfOnly, CsrfProtected};
use crate::models::audit::{self, Event};
use crate::models::leave::{self, MAX_ALLOWANCE_DAYS};
use crate::models::new_id;
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{Layout, render_page};

const MAX_HOLIDAY_NAME_CHARS: usize = 100;

fn notice_text(key: Option<&str>) -> Option<&'static str> {
    match key? {
        "type_saved" => Some("The allowance was saved."),
        "holiday_added" => Some("The public holiday was added."),
        "holiday_deleted" => Some("The public holiday was removed."),
        _ => None,
    }
}

pub struct TypeRow {
    pub id: String,
    pub name: String,
    /// What the allowance field shows: the stored value, or what was typed.
    pub allowance: String,
    pub summary: String,
    pub error: Option<String>,
}

pub struct HolidayRow {
    pub id: String,
    pub day: String,
    pub name: String,
}

pub struct HolidayYear {
    pub year: i32,
    pub holidays: Vec<HolidayRow>,
}

#[derive(askama::Template)]
#[template(path = "leave/settings.html")]
pub struct SettingsPage {
    pub layout: Layout,
    pub csrf_token: String,
    pub types: Vec<TypeRow>,
    pub years: Vec<HolidayYear>,
    pub new_day: String,
    pub new_name: String,
    pub day_error: Option<String>,
    pub name_error: Option<String>,
    pub earliest: String,
    pub latest: String,
    pub notice: Option<&'static str>,
    pub max_allowance: i32,
}

/// What a failed form puts back on the page.
#[derive(Default)]
struct Kept {
    /// (type id, typed value, error)
    type_error: Option<(String, String, String)>,
    new_day: String,
    new_name: String,
    day_error: Option<String>,
    name_error: Option<String>,
}

fn authorize(actor: &Actor) -> AppResult<()> {
    actor.authorize_global(Action::ManageLeaveTypes)?;
    actor.authorize_global(Action::ManageHolidays)
}

/// The holidays HR maintains here: this year's and next year's.
fn holiday_range(today: Date) -> (Date, Date) {
    let start = leave::year_start(today.year()).unwrap_or(today);
    let end = leave::year_end(today.year() + 1).unwrap_or(today);
    (start, end)
}

async fn settings_page(
    state: &AppState,
    page: &Page,
    status: StatusCode,
    kept: Kept,
    notice: Option<&'static str>,
) -> AppResult<Response> {
    let today = state.clock.now().date();
    let (start, end) = holiday_range(today);
    let (types, holidays) =
        state.db.run(move |conn| Ok((leave::all_types(conn)?, leave::holidays_between(conn, start, end)?))).await?;
    let types = types
        .into_iter()
        .map(|t| {
            let stored = t.yearly_allowance_days.map(|d| d.to_string()).unwrap_or_default();
            let summary = match t.yearly_allowance_days {
                Some(1) => "1 day a year".to_owned(),
                Some(d) => format!("{d} days a year"),
                None => "Unlimited".to_owned(),
            };
            let (allowance, error) = match &kept.type_error {
                Some((id, typed, error)) if *id == t.id => (typed.clone(), Some(error.clone())),
                _ => (stored, None),
            };
            TypeRow { id: t.id, name: t.name, allowance, summary, error }
        })
        .collect();
    let years = [today.year(), today.year() + 1]
        .into_iter()
        .map(|year| HolidayYear {
            year,
            holidays: holidays
                .iter()
                .filter(|h| h.day.year() == year)
                .map(|h| HolidayRow {
                    id: h.id.clone(),
                    day: format!("{}, {}", h.day.weekday(), long_date(h.day)),
                    name: h.name.clone(),
                })
                .collect(),
        })
        .collect();
    Ok(render_page(
        status,
        &SettingsPage {
            layout: page.layout(),
            csrf_token: page.csrf_token.clone(),
            types,
            years,
            new_day: kept.new_day,
            new_name: kept.new_name,
            day_error: kept.day_error,
            name_error: kept.name_error,
            earliest: super::iso_date(start),
            latest: super::iso_date(end),
            notice,
            max_allowance: MAX_ALLOWANCE_DAYS,
        },
    ))
}

pub async fn show(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    query: Result<Query<NoticeQuery>, QueryRejection>,
) -> AppResult<Response> {
    authorize(&actor)?;
    let notice = notice_text(query.ok().and_then(|Query(q)| q.notice).as_deref());
    settings_page(&state, &page, StatusCode::OK, Kept::default(), notice).await
}

fn audit_entry<'a>(actor: &'a Actor, ip: &'a str, detail: &'a str) -> audit::Entry<'a> {
    audit::Entry::by(&actor.user.user_id, &actor.user.session_id, ip).detail(detail)
}

// ---------- POST /leave/types/{id} ----------

#[derive(Debug, Default, Deserialize)]
pub struct AllowanceForm {
    #[serde(default)]
    allowance: String,
    #[serde(default)]
    csrf_token: String,
}

impl CsrfProtected for AllowanceForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// Empty: unlimited; otherwise a whole number of days from 0 to 366.
fn parse_allowance(text: &str) -> Result<Option<i32>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<i32>() {
        Ok(days) if (0..=MAX_ALLOWANCE_DAYS).contains(&days) => Ok(Some(days)),
        _ => Err(format!(
            "Enter a whole number of days from 0 to {MAX_ALLOWANCE_DAYS}, or leave the field empty for unlimited."
        )),
    }
}

pub async fn update_type(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    client: Client,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<AllowanceForm>,
) -> AppResult<Response> {
    authorize(&actor)?;
    let lookup = id.clone();
    let Some(leave_type) = state.db.run(move |conn| Ok(leave::find_type(conn, &lookup)?)).await? else {
        return Err(AppError::NotFound);
    };
    let days = match parse_allowance(&form.allowance) {
        Ok(days) => days,
        Err(error) => {
            let kept = Kept { type_error: Some((id, form.allowance.trim().to_owned(), error)), ..Default::default() };
            return settings_page(&state, &page, StatusCode::UNPROCESSABLE_ENTITY, kept, None).await;
        }
    };
    let now = state.clock.now();
    let show = |d: Option<i32>| d.map_or_else(|| "unlimited".to_owned(), |d| d.to_string());
    let detail = format!("{}: {} -> {}", leave_type.id, show(leave_type.yearly_allowance_days), show(days));
    state
        .db
        .run(move |conn| {
            conn.transaction::<_, AppError, _>(|conn| {
                if !leave::set_allowance(conn, &leave_type.id, days, now)? {
                    return Err(AppError::NotFound);
                }
                audit::record(conn, now, Event::LeaveTypeUpdated, audit_entry(&actor, &client.ip, &detail))?;
                Ok(())
            })
        })
        .await?;
    Ok(Redirect::to("/leave/settings?notice=type_saved").into_response())
}

// ---------- POST /leave/holidays ----------

#[derive(Debug, Default, Deserialize)]
pub struct HolidayForm {
    #[serde(default)]
    day: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    csrf_token: String,
}

impl CsrfProtected for HolidayForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

fn duplicate_message(day: Date, name: &str) -> String {
    format!("{} is already a public holiday ({name}).", long_date(day))
}

pub async fn add_holiday(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    client: Client,
    CsrfForm(form): CsrfForm<HolidayForm>,
) -> AppResult<Response> {
    authorize(&actor)?;
    let (start, end) = holiday_range(state.clock.now().date());
    let name = form.name.trim().to_owned();
    let mut kept = Kept { new_day: form.day.trim().to_owned(), new_name: name.clone(), ..Default::default() };
    let day = if form.day.trim().is_empty() {
        kept.day_error = Some("Enter the day.".into());
        None
    } else {
        match parse_date(&form.day) {
            Some(day) if day >= start && day <= end => Some(day),
            Some(_) => {
                kept.day_error = Some(format!("Choose a day between {} and {}.", long_date(start), long_date(end)));
                None
            }
            None => {
                kept.day_error = Some("Enter the day as a date, like 2026-12-25.".into());
                None
            }
        }
    };
    if name.is_empty() {
        kept.name_error = Some("Enter a name for the holiday.".into());
    } else if name.chars().count() > MAX_HOLIDAY_NAME_CHARS {
        kept.name_error = Some(format!("Use at most {MAX_HOLIDAY_NAME_CHARS} characters."));
    }
    let Some(day) = day.filter(|_| kept.name_error.is_none()) else {
        return settings_page(&state, &page, StatusCode::UNPROCESSABLE_ENTITY, kept, None).await;
    };

    let now = state.clock.now();
    let stored_name = name.clone();
    let duplicate = state
        .db
        .run(move |conn| {
            conn.transaction::<_, AppError, _>(|conn| {
                if let Some(existing) = leave::holiday_on(conn, day)? {
                    return Ok(Some(existing.name));
                }
                let id = new_id();
                // The unique index has the last word when two people add the same day at once.
                if !leave::add_holiday(conn, &id, day, &stored_name)? {
                    return Ok(Some(leave::holiday_on(conn, day)?.map(|h| h.name).unwrap_or_default()));
                }
                let detail = format!("{day}: {stored_name}");
                audit::record(conn, now, Event::HolidayAdded, audit_entry(&actor, &client.ip, &detail))?;
                Ok(None)
            })
        })
        .await?;
    if let Some(existing) = duplicate {
        kept.day_error = Some(duplicate_message(day, &existing));
        return settings_page(&state, &page, StatusCode::UNPROCESSABLE_ENTITY, kept, None).await;
    }
    Ok(Redirect::to("/leave/settings?notice=holiday_added").into_response())
}

// ---------- POST /leave/holidays/{id}/delete ----------

pub async fn delete_holiday(
    State(state): State<AppState>,
    actor: Actor,
    client: Client,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    authorize(&actor)?;
    let now = state.clock.now();
    state
        .db
        .run(move |conn| {
            conn.transaction::<_, AppError, _>(|conn| {
                let holiday = leave::find_holiday(conn, &id)?;
                if !leave::delete_holiday(conn, &holiday.id)? {
                    return Err(AppError::NotFound);
                }
                let detail = format!("{}: {}", holiday.day, holiday.name);
                audit::record(conn, now, Event::HolidayDeleted, audit_entry(&actor, &client.ip, &detail))?;
                Ok(())
            })
        })
        .await?;
    Ok(Redirect::to("/leave/settings?notice=holiday_deleted").into_response())
}
