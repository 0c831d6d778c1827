//! The dashboard: what each person needs at a glance. Everyone: their profile,
//! leave balances, recent requests and who in their team is out this week.
//! Managers: requests waiting for them. HR: headcount by department and every
//! pending request. Admins: recent security events. One database trip.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use crate::auth::middleware::CurrentUser;
use crate::display::{
    browser_label, date_span, format_days, leave_status_class, leave_status_label, long_date, short_date,
};
use crate::domain::dashboard::{self, working_week};
use crate::error::AppResult;
use crate::models::leave::LeaveRequest;
use crate::notice::Shown;
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{Layout, filters, ok_page};

pub struct ProfileCard {
    pub employee_id: String,
    pub number: String,
    pub title: String,
    pub department: String,
    pub manager: Option<(String, String)>,
    pub hire_date: String,
}

pub struct BalanceCard {
    pub name: String,
    /// "12.5" or "No limit".
    pub left: String,
    pub taken: String,
    pub pending: String,
}

pub struct RequestRow {
    pub id: String,
    pub who: String,
    pub dates: String,
    pub days: String,
    pub type_name: String,
    pub status_label: &'static str,
    pub status_class: &'static str,
    /// A request to cancel approved leave: approving it cancels the leave.
    pub is_cancellation: bool,
}

pub struct Absence {
    pub who: String,
    pub dates: String,
}

/// One bar of the headcount chart, laid out in SVG user units.
pub struct Bar {
    pub label: String,
    pub count: i64,
    pub y: i64,
    pub width: i64,
    pub text_y: i64,
    pub count_x: i64,
}

pub struct SecurityEvent {
    pub when: String,
    pub event: String,
    pub who: String,
    pub ip: String,
}

#[derive(Template)]
#[template(path = "dashboard/index.html")]
pub struct DashboardPage {
    pub layout: Layout,
    /// After following a mailed link: welcome, new password set.
    pub notice: Option<&'static str>,
    pub full_name: String,
    pub email: String,
    pub role_label: &'static str,
    pub member_since: String,
    pub session_started: String,
    pub session_last_active: String,
    pub session_browser: String,
    pub session_ip: String,
    pub profile: Option<ProfileCard>,
    pub year: i32,
    pub balances: Vec<BalanceCard>,
    pub recent: Vec<RequestRow>,
    pub out_this_week: Vec<Absence>,
    pub week: String,
    /// Managers: requests routed to them.
    pub waiting_for_me: Vec<RequestRow>,
    pub is_manager: bool,
    /// HR: the chart and the company-wide queue (`None` for others).
    pub chart: Option<Vec<Bar>>,
    pub chart_height: i64,
    pub all_pending: Option<Vec<RequestRow>>,
    /// Admins: recent security events (`None` for others).
    pub security: Option<Vec<SecurityEvent>>,
    /// HR on a new portal: what to do first (`None` once done, and for others).
    pub first_steps: Option<dashboard::FirstSteps>,
    /// Someone who may create their own employee record has none yet.
    pub needs_own_record: bool,
}

const CHART_ROW: i64 = 34;
const CHART_BAR_START: i64 = 170;
const CHART_BAR_MAX: i64 = 360;

fn headcount_chart(rows: Vec<(String, i64)>) -> Vec<Bar> {
    let max = rows.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    rows.into_iter()
        .enumerate()
        .map(|(i, (label, count))| {
            let y = i as i64 * CHART_ROW + 4;
            let width = (count * CHART_BAR_MAX / max).max(if count > 0 { 2 } else { 0 });
            Bar { label, count, y, width, text_y: y + 18, count_x: CHART_BAR_START + width + 8 }
        })
        .collect()
}

fn rows(
    requests: &[LeaveRequest],
    names: &HashMap<String, String>,
    types: &HashMap<String, String>,
) -> Vec<RequestRow> {
    requests
        .iter()
        .map(|r| RequestRow {
            id: r.id.clone(),
            who: names.get(&r.employee_id).cloned().unwrap_or_default(),
            dates: date_span(r),
            days: format_days(r.half_days),
            type_name: types.get(&r.leave_type_id).cloned().unwrap_or_default(),
            status_label: leave_status_label(r.status()),
            status_class: leave_status_class(r.status()),
            is_cancellation: r.status() == crate::models::leave::LeaveStatus::CancelRequested,
        })
        .collect()
}

pub async fn show(State(state): State<AppState>, user: CurrentUser, page: Page, shown: Shown) -> AppResult<Response> {
    let d = dashboard::load(&state, &user).await?;
    let today = state.clock.now().date();
    let role = d.account.role()?;
    let (monday, friday) = working_week(today);
    let types = &d.types;
    let (mut profile, mut balances, mut recent, mut out_this_week, mut waiting_for_me, mut is_manager) =
        (None, Vec::new(), Vec::new(), Vec::new(), Vec::new(), false);
    if let Some(mine) = d.mine {
        balances = mine
            .balances
            .into_iter()
            .map(|b| BalanceCard {
                left: b.left().map_or_else(|| "No limit".to_owned(), format_days),
                taken: format_days(b.taken),
                pending: format_days(b.pending),
                name: b.leave_type.name,
            })
            .collect();
        recent = rows(&mine.recent, &mine.names, types);
        out_this_week =
            mine.out_this_week.iter().map(|(who, r)| Absence { who: who.clone(), dates: date_span(r) }).collect();
        waiting_for_me = rows(&mine.waiting, &mine.names, types);
        is_manager = mine.is_manager;
        let me = mine.record;
        profile = Some(ProfileCard {
            employee_id: me.id,
            number: me.employee_number,
            title: me.job_title,
            department: mine.department.unwrap_or_default(),
            manager: mine.manager,
            hire_date: long_date(me.hire_date),
        });
    }
    let chart = d.headcounts.map(headcount_chart);
    let chart_height = chart.as_ref().map_or(0, |bars| bars.len() as i64 * CHART_ROW + 8);
    Ok(ok_page(&DashboardPage {
        layout: page.layout(),
        notice: shown.text(),
        full_name: d.account.full_name,
        email: d.account.email,
        role_label: role.label(),
        member_since: long_date(d.account.created_at.date()),
        session_started: state.config.zone.date_time(d.session.created_at),
        session_last_active: state.config.zone.date_time(d.session.last_used_at),
        session_browser: browser_label(&d.session.user_agent),
        session_ip: d.session.ip,
        profile,
        year: today.year(),
        balances,
        recent,
        out_this_week,
        week: format!("{} – {}", short_date(monday), short_date(friday)),
        waiting_for_me,
        is_manager,
        chart_height,
        chart,
        all_pending: d.pending.map(|(pending, who)| rows(&pending, &who, types)),
        security: d.security.map(|events| {
            events
                .into_iter()
                .map(|e| SecurityEvent {
                    when: state.config.zone.date_time(e.occurred_at),
                    event: e.event.replace('_', " "),
                    who: e.email.unwrap_or_default(),
                    ip: e.ip.unwrap_or_default(),
                })
                .collect()
        }),
        needs_own_record: d.first_steps.as_ref().is_some_and(|s| !s.own_record),
        first_steps: d.first_steps,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_bars_scale_to_the_largest_department() {
        let bars = headcount_chart(vec![("Engineering".into(), 40), ("Legal".into(), 10), ("Empty".into(), 0)]);
        assert_eq!(bars.iter().map(|b| b.width).collect::<Vec<_>>(), [CHART_BAR_MAX, CHART_BAR_MAX / 4, 0]);
        assert_eq!(bars[1].y, CHART_ROW + 4);
        assert_eq!(bars[0].count_x, CHART_BAR_START + CHART_BAR_MAX + 8);
    }
}
