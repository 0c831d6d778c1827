//! The dashboard: what each person needs at a glance. Everyone: their profile,
//! leave balances, recent requests and who in their team is out this week.
//! Managers: requests waiting for them. HR: headcount by department and every
//! pending request. Admins: recent security events. One database trip.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use diesel::prelude::*;
use time::{Date, Duration};

use super::display::{browser_label, date_time, long_date};
use super::leave::date_span;
use crate::access::{self, Action, Relation};
use crate::auth::middleware::CurrentUser;
use crate::auth::sessions;
use crate::db::DbConnection;
use crate::db::schema::{audit_log, employees, leave_requests};
use crate::error::{AppError, AppResult};
use crate::models::audit::AuditRow;
use crate::models::employee;
use crate::models::leave::{self, LeaveRequest, LeaveStatus};
use crate::models::{department, user};
use crate::page::Page;
use crate::state::AppState;
use crate::templates::{Layout, ok_page};

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
}

/// Audit events worth an Admin's eye on the dashboard.
const SECURITY_EVENTS: [&str; 8] = [
    "sign_in_failure",
    "sign_in_throttled",
    "refresh_reuse",
    "role_changed",
    "user_deactivated",
    "user_signed_out_everywhere",
    "password_changed",
    "password_change_failed",
];

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
            days: leave::format_days(r.half_days),
            type_name: types.get(&r.leave_type_id).cloned().unwrap_or_default(),
            status_label: r.status().label(),
            status_class: r.status().pill_class(),
        })
        .collect()
}

/// Monday and Friday of the week `today` is in.
fn working_week(today: Date) -> (Date, Date) {
    let monday = today - Duration::days(i64::from(today.weekday().number_days_from_monday()));
    (monday, monday + Duration::days(4))
}

struct Loaded {
    account: user::User,
    session: sessions::Session,
    profile: Option<ProfileCard>,
    balances: Vec<BalanceCard>,
    recent: Vec<RequestRow>,
    out_this_week: Vec<Absence>,
    waiting_for_me: Vec<RequestRow>,
    is_manager: bool,
    chart: Option<Vec<Bar>>,
    all_pending: Option<Vec<RequestRow>>,
    security: Option<Vec<SecurityEvent>>,
}

/// What the actor may see, decided before the database trip.
struct Sections {
    hr: bool,
    admin: bool,
}

fn load(
    conn: &mut DbConnection,
    actor_user: &str,
    session_id: &str,
    sections: Sections,
    today: Date,
) -> QueryResult<Loaded> {
    let account = user::find(conn, actor_user)?;
    let session = sessions::find(conn, session_id)?;
    let me = employee::find_by_user(conn, actor_user)?;
    let leave_types = leave::all_types(conn)?;
    let types: HashMap<String, String> = leave_types.iter().map(|t| (t.id.clone(), t.name.clone())).collect();
    let (monday, friday) = working_week(today);

    let (mut profile, mut balances, mut recent, mut out_this_week, mut waiting_for_me, mut is_manager) =
        (None, Vec::new(), Vec::new(), Vec::new(), Vec::new(), false);
    if let Some(me) = &me {
        let department = match &me.department_id {
            Some(id) => department::find(conn, id).optional()?.map(|d| d.name).unwrap_or_default(),
            None => String::new(),
        };
        let manager = match &me.manager_id {
            Some(id) => employee::find(conn, id).optional()?.map(|m| (m.id, m.full_name)),
            None => None,
        };
        balances = leave::balances_for_types(conn, leave_types, &me.id, today.year())?
            .into_iter()
            .map(|b| BalanceCard {
                left: b.left().map_or_else(|| "No limit".to_owned(), leave::format_days),
                taken: leave::format_days(b.taken),
                pending: leave::format_days(b.pending),
                name: b.leave_type.name,
            })
            .collect();
        let mine = leave::recent_requests_of(conn, &me.id, 5)?;
        let my_name = HashMap::from([(me.id.clone(), me.full_name.clone())]);
        recent = rows(&mine, &my_name, &types);

        // The team: my manager, the people who share that manager, and my direct reports.
        let reports = employee::direct_reports(conn, &me.id)?;
        is_manager = !reports.is_empty();
        let mut team: HashMap<String, String> = reports.into_iter().map(|e| (e.id, e.full_name)).collect();
        if let Some((manager_id, manager_name)) = &manager {
            team.insert(manager_id.clone(), manager_name.clone());
            team.extend(employee::direct_reports(conn, manager_id)?.into_iter().map(|e| (e.id, e.full_name)));
        }
        team.remove(&me.id);
        // The same people as a subquery, which (unlike a list of ids) lets
        // the statement be prepared once and cached.
        let manager_id = me.manager_id.clone().unwrap_or_default();
        let team_ids = employees::table
            .filter(
                employees::manager_id
                    .eq(me.id.clone())
                    .or(employees::manager_id.eq(manager_id.clone()))
                    .or(employees::id.eq(manager_id)),
            )
            .filter(employees::id.ne(me.id.clone()))
            .select(employees::id);
        let away: Vec<LeaveRequest> = leave_requests::table
            .filter(leave_requests::employee_id.eq_any(team_ids))
            .filter(leave_requests::first_day.le(friday))
            .filter(leave_requests::last_day.ge(monday))
            .order(leave_requests::first_day.asc())
            .select(LeaveRequest::as_select())
            .load(conn)?;
        // The status is checked here, not in SQL: a status condition there
        // leads SQLite to walk every approved request in the company.
        out_this_week = away
            .iter()
            .filter(|r| matches!(r.status(), LeaveStatus::Approved | LeaveStatus::CancelRequested))
            .map(|r| Absence { who: team.get(&r.employee_id).cloned().unwrap_or_default(), dates: date_span(r) })
            .collect();

        if is_manager {
            let waiting = leave::awaiting_approver(conn, &me.id)?;
            waiting_for_me = rows(&waiting, &team, &types);
        }
        profile = Some(ProfileCard {
            employee_id: me.id.clone(),
            number: me.employee_number.clone(),
            title: me.job_title.clone(),
            department,
            manager,
            hire_date: long_date(me.hire_date),
        });
    }

    let (chart, all_pending) = if sections.hr {
        let names: HashMap<Option<String>, String> =
            department::all(conn)?.into_iter().map(|d| (Some(d.id), d.name)).collect();
        let mut counts: Vec<(String, i64)> = employee::headcounts(conn)?
            .into_iter()
            .map(|(id, n)| (names.get(&id).cloned().unwrap_or_else(|| "No department".to_owned()), n))
            .collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let pending: Vec<LeaveRequest> = leave::all_awaiting_decision(conn)?.into_iter().take(10).collect();
        let who = leave::employee_names(conn, &pending.iter().map(|r| r.employee_id.clone()).collect::<Vec<_>>())?;
        (Some(headcount_chart(counts)), Some(rows(&pending, &who, &types)))
    } else {
        (None, None)
    };

    let security = if sections.admin {
        let events: Vec<AuditRow> = audit_log::table
            .filter(audit_log::event.eq_any(SECURITY_EVENTS))
            .order(audit_log::occurred_at.desc())
            .limit(8)
            .select(AuditRow::as_select())
            .load(conn)?;
        Some(
            events
                .into_iter()
                .map(|e| SecurityEvent {
                    when: date_time(e.occurred_at),
                    event: e.event.replace('_', " "),
                    who: e.email.unwrap_or_default(),
                    ip: e.ip.unwrap_or_default(),
                })
                .collect(),
        )
    } else {
        None
    };

    Ok(Loaded {
        account,
        session,
        profile,
        balances,
        recent,
        out_this_week,
        waiting_for_me,
        is_manager,
        chart,
        all_pending,
        security,
    })
}

/// Takes `CurrentUser` rather than `Actor`: every decision here depends on
/// the role alone, and the employee record is loaded with the rest in one trip.
pub async fn show(State(state): State<AppState>, user: CurrentUser, page: Page) -> AppResult<Response> {
    let can = |action| access::allows(user.role, action, Relation::Other);
    if !can(Action::ViewDashboard) {
        return Err(AppError::Forbidden("You do not have permission to do this.".into()));
    }
    let sections = Sections { hr: can(Action::ViewAllPendingLeave), admin: can(Action::ViewSecurityEvents) };
    let (user_id, session_id) = (user.user_id.clone(), user.session_id.clone());
    let today = state.clock.now().date();
    let loaded = state.db.run(move |conn| Ok(load(conn, &user_id, &session_id, sections, today)?)).await?;
    let role = loaded.account.role()?;
    let (monday, friday) = working_week(today);
    let chart_height = loaded.chart.as_ref().map_or(0, |bars| bars.len() as i64 * CHART_ROW + 8);
    Ok(ok_page(&DashboardPage {
        layout: page.layout(),
        full_name: loaded.account.full_name,
        email: loaded.account.email,
        role_label: role.label(),
        member_since: long_date(loaded.account.created_at.date()),
        session_started: date_time(loaded.session.created_at),
        session_last_active: date_time(loaded.session.last_used_at),
        session_browser: browser_label(&loaded.session.user_agent),
        session_ip: loaded.session.ip,
        profile: loaded.profile,
        year: today.year(),
        balances: loaded.balances,
        recent: loaded.recent,
        out_this_week: loaded.out_this_week,
        week: format!("{} – {}", super::display::short_date(monday), super::display::short_date(friday)),
        waiting_for_me: loaded.waiting_for_me,
        is_manager: loaded.is_manager,
        chart_height,
        chart: loaded.chart,
        all_pending: loaded.all_pending,
        security: loaded.security,
    }))
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn the_week_runs_monday_to_friday() {
        assert_eq!(working_week(date!(2026 - 06 - 03)), (date!(2026 - 06 - 01), date!(2026 - 06 - 05)));
        assert_eq!(working_week(date!(2026 - 06 - 07)), (date!(2026 - 06 - 01), date!(2026 - 06 - 05)));
        assert_eq!(working_week(date!(2026 - 06 - 01)), (date!(2026 - 06 - 01), date!(2026 - 06 - 05)));
    }

    #[test]
    fn chart_bars_scale_to_the_largest_department() {
        let bars = headcount_chart(vec![("Engineering".into(), 40), ("Legal".into(), 10), ("Empty".into(), 0)]);
        assert_eq!(bars.iter().map(|b| b.width).collect::<Vec<_>>(), [CHART_BAR_MAX, CHART_BAR_MAX / 4, 0]);
        assert_eq!(bars[1].y, CHART_ROW + 4);
        assert_eq!(bars[0].count_x, CHART_BAR_START + CHART_BAR_MAX + 8);
    }
}
