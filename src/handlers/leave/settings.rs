//! What HR maintains: each leave type's yearly allowance and the list of
//! public holidays (which do not count as leave days).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::access::Actor;
use crate::display::{iso_date, long_date};
use crate::domain::leave::{self, rules::MAX_ALLOWANCE_DAYS};
use crate::error::{AppError, AppResult};
use crate::forms::{CsrfForm, CsrfOnly, CsrfProtected};
use crate::notice::{Notice, Shown};
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{Layout, render_page};

const SETTINGS_PATH: &str = "/leave/settings";

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

async fn settings_page(
    state: &AppState,
    actor: &Actor,
    page: &Page,
    status: StatusCode,
    kept: Kept,
    notice: Option<&'static str>,
) -> AppResult<Response> {
    let leave::Settings { types, holidays, range: (start, end) } = leave::settings(state, actor).await?;
    let today = state.clock.now().date();
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
            csrf_token: page.csrf_token(),
            types,
            years,
            new_day: kept.new_day,
            new_name: kept.new_name,
            day_error: kept.day_error,
            name_error: kept.name_error,
            earliest: iso_date(start),
            latest: iso_date(end),
            notice,
            max_allowance: MAX_ALLOWANCE_DAYS,
        },
    ))
}

pub async fn show(State(state): State<AppState>, actor: Actor, page: Page, shown: Shown) -> AppResult<Response> {
    settings_page(&state, &actor, &page, StatusCode::OK, Kept::default(), shown.text()).await
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

pub async fn update_type(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<AllowanceForm>,
) -> AppResult<Response> {
    match leave::set_allowance(&state, &actor, id.clone(), &form.allowance).await {
        Ok(()) => Ok(Notice::TypeSaved.redirect(SETTINGS_PATH)),
        Err(AppError::Invalid(errors)) => {
            let error = errors.get("allowance").unwrap_or_default().to_owned();
            let kept = Kept { type_error: Some((id, form.allowance.trim().to_owned(), error)), ..Default::default() };
            settings_page(&state, &actor, &page, StatusCode::UNPROCESSABLE_ENTITY, kept, None).await
        }
        Err(e) => Err(e),
    }
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

pub async fn add_holiday(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    CsrfForm(form): CsrfForm<HolidayForm>,
) -> AppResult<Response> {
    match leave::add_holiday(&state, &actor, &form.day, &form.name).await {
        Ok(()) => Ok(Notice::HolidayAdded.redirect(SETTINGS_PATH)),
        Err(AppError::Invalid(errors)) => {
            let kept = Kept {
                new_day: form.day.trim().to_owned(),
                new_name: form.name.trim().to_owned(),
                day_error: errors.get("day").map(str::to_owned),
                name_error: errors.get("name").map(str::to_owned),
                ..Default::default()
            };
            settings_page(&state, &actor, &page, StatusCode::UNPROCESSABLE_ENTITY, kept, None).await
        }
        Err(e) => Err(e),
    }
}

// ---------- POST /leave/holidays/{id}/delete ----------

pub async fn delete_holiday(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    leave::delete_holiday(&state, &actor, id).await?;
    Ok(Notice::HolidayDeleted.redirect(SETTINGS_PATH))
}
