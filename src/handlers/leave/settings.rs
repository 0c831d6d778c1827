//! What HR maintains: each leave type's yearly allowance and the list of
//! public holidays (which do not count as leave days).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::access::Actor;
use crate::display::{days_phrase, format_days, iso_date, long_date};
use crate::domain::leave::{self, rules::MAX_ALLOWANCE_DAYS};
use crate::error::{AppError, AppResult};
use crate::forms::{CsrfForm, CsrfOnly, CsrfProtected};
use crate::notice::{Notice, Shown};
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{ConfirmPage, Layout, ok_page, render_page};

const SETTINGS_PATH: &str = "/leave/settings";

pub struct TypeRow {
    pub id: String,
    pub name: String,
    /// What the allowance field shows: the stored value, or what was typed.
    pub allowance: String,
    pub summary: String,
    pub error: Option<String>,
    /// What the carry-over field shows: the stored days, or what was typed.
    pub carry_over: String,
    pub carry_error: Option<String>,
    /// Unlimited types carry nothing over.
    pub unlimited: bool,
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

/// A type's form as sent, with what was wrong with it.
struct TypeError {
    id: String,
    allowance: String,
    carry_over: String,
    allowance_error: Option<String>,
    carry_error: Option<String>,
}

/// What a failed form puts back on the page.
#[derive(Default)]
struct Kept {
    type_error: Option<TypeError>,
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
            let carry = t.max_carry_over_half_days;
            let summary = match t.yearly_allowance_days {
                Some(1) => "1 day a year".to_owned(),
                Some(d) => format!("{d} days a year"),
                None => "Unlimited".to_owned(),
            };
            let summary =
                if carry > 0 { format!("{summary}; up to {} carried over", days_phrase(carry)) } else { summary };
            let (allowance, error, carry_over, carry_error) = match &kept.type_error {
                Some(e) if e.id == t.id => {
                    (e.allowance.clone(), e.allowance_error.clone(), e.carry_over.clone(), e.carry_error.clone())
                }
                _ => (stored, None, format_days(carry), None),
            };
            let unlimited = t.yearly_allowance_days.is_none();
            TypeRow { id: t.id, name: t.name, allowance, summary, error, carry_over, carry_error, unlimited }
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
    /// Absent from older forms: the most carried over then stays.
    carry_over: Option<String>,
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
    match leave::update_type(&state, &actor, id.clone(), &form.allowance, form.carry_over.as_deref()).await {
        Ok(()) => Ok(Notice::TypeSaved.redirect(SETTINGS_PATH)),
        Err(AppError::Invalid(errors)) => {
            let type_error = TypeError {
                id,
                allowance: form.allowance.trim().to_owned(),
                carry_over: form.carry_over.as_deref().unwrap_or_default().trim().to_owned(),
                allowance_error: errors.get("allowance").map(str::to_owned),
                carry_error: errors.get("carry_over").map(str::to_owned),
            };
            let kept = Kept { type_error: Some(type_error), ..Default::default() };
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

// ---------- GET and POST /leave/holidays/{id}/delete ----------

/// What removing the holiday does, and the button that does it.
pub async fn confirm_delete_holiday(
    State(state): State<AppState>,
    actor: Actor,
    page: Page,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let holiday = leave::holiday_for_removal(&state, &actor, id).await?;
    let day = format!("{}, {}", holiday.day.weekday(), long_date(holiday.day));
    Ok(ok_page(&ConfirmPage {
        layout: page.layout(),
        csrf_token: page.csrf_token(),
        title: format!("Remove {}?", holiday.name),
        subject: format!("A public holiday on {day}."),
        consequences: vec![
            format!("{day} becomes a working day: leave requested for it from now on takes a day from the balance."),
            "Requests already made keep the days they were counted with.".to_owned(),
            "It leaves the calendars. To have it back, add it again.".to_owned(),
        ],
        action: format!("/leave/holidays/{}/delete", holiday.id),
        fields: Vec::new(),
        confirm_label: "Remove the holiday".to_owned(),
        back_href: SETTINGS_PATH.to_owned(),
        back_label: "Keep it".to_owned(),
        crumb: "Leave settings".to_owned(),
    }))
}

pub async fn delete_holiday(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    leave::delete_holiday(&state, &actor, id).await?;
    Ok(Notice::HolidayDeleted.redirect(SETTINGS_PATH))
}
