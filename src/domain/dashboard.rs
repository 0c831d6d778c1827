//! The dashboard: what each person needs at a glance, loaded in one database
//! trip. Everyone: their account, this session, their record, leave balances,
//! recent requests and who in their team is out this week. Managers: requests
//! waiting for them. HR: headcount by department and the company's pending
//! requests. Admins: recent security events. HR on a new portal: the first
//! steps (`FirstSteps`).

use std::collections::HashMap;

use diesel::OptionalExtension;
use time::{Date, Duration};

use super::leave::{self, Balance};
use crate::access::{self, Action, Relation};
use crate::auth::middleware::CurrentUser;
use crate::auth::sessions::{self, Session};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::models::audit::{self, AuditRow};
use crate::models::department;
use crate::models::employee::{self, Employee};
use crate::models::leave::{self as store, LeaveRequest, LeaveStatus};
use crate::models::user::{self, User};
use crate::state::AppState;

/// Monday and Friday of the week `today` is in.
pub fn working_week(today: Date) -> (Date, Date) {
    let monday = today - Duration::days(i64::from(today.weekday().number_days_from_monday()));
    (monday, monday + Duration::days(4))
}

/// What the person's own record brings to the dashboard.
pub struct Mine {
    pub record: Employee,
    pub department: Option<String>,
    /// (id, name)
    pub manager: Option<(String, String)>,
    pub balances: Vec<Balance>,
    pub recent: Vec<LeaveRequest>,
    /// Approved leave of the team this week, with the person's name.
    pub out_this_week: Vec<(String, LeaveRequest)>,
    /// Requests routed to this person; empty when they manage nobody.
    pub waiting: Vec<LeaveRequest>,
    pub is_manager: bool,
    /// The names of the team (and this person), by employee id.
    pub names: HashMap<String, String>,
}

/// The first steps of HR on a new portal: their own record, departments,
/// people. Shown on their dashboard until all three are done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FirstSteps {
    /// They have an employee record of their own.
    pub own_record: bool,
    pub departments: usize,
    /// Current staff, themselves included.
    pub staff: i64,
}

impl FirstSteps {
    pub fn all_done(&self) -> bool {
        self.own_record && self.departments > 0 && self.staff > 1
    }
}

pub struct Dashboard {
    pub account: User,
    pub session: Session,
    pub mine: Option<Mine>,
    /// Leave type id -> name.
    pub types: HashMap<String, String>,
    /// HR: (department name, current staff), largest first.
    pub headcounts: Option<Vec<(String, i64)>>,
    /// HR: the oldest ten waiting requests of the company, and their people's names.
    pub pending: Option<(Vec<LeaveRequest>, HashMap<String, String>)>,
    /// Admins: the newest security events.
    pub security: Option<Vec<AuditRow>>,
    /// Those who add people, while the portal is new (see `FirstSteps`).
    pub first_steps: Option<FirstSteps>,
}

/// Takes the signed-in user rather than an `Actor`: every decision here
/// depends on the role alone, and the employee record is loaded with the
/// rest in the same trip.
pub async fn load(state: &AppState, user: &CurrentUser) -> AppResult<Dashboard> {
    let can = |action| access::allows(user.role, action, Relation::Other);
    if !can(Action::ViewDashboard) {
        return Err(AppError::forbidden("You do not have permission to do this."));
    }
    let seen = Seen {
        hr: can(Action::ViewAllPendingLeave),
        admin: can(Action::ViewSecurityEvents),
        setup: can(Action::CreateEmployee) && can(Action::ManageDepartments),
    };
    let (user_id, session_id) = (user.user_id.clone(), user.session_id.clone());
    let today = state.clock.now().date();
    state.db.run(move |conn| Ok(load_in(conn, &user_id, &session_id, seen, today)?)).await
}

/// Which of the role-dependent cards the dashboard loads.
#[derive(Clone, Copy)]
struct Seen {
    hr: bool,
    admin: bool,
    setup: bool,
}

fn load_in(
    conn: &mut DbConnection,
    user_id: &str,
    session_id: &str,
    Seen { hr, admin, setup }: Seen,
    today: Date,
) -> diesel::QueryResult<Dashboard> {
    let account = user::find(conn, user_id)?;
    let session = sessions::find(conn, session_id)?;
    let leave_types = store::all_types(conn)?;
    let types: HashMap<String, String> = leave_types.iter().map(|t| (t.id.clone(), t.name.clone())).collect();
    let mine = match employee::find_by_user(conn, user_id)? {
        Some(me) => Some(mine(conn, me, leave_types, today)?),
        None => None,
    };
    let departments = if hr || setup { department::all(conn)? } else { Vec::new() };
    let department_count = departments.len();
    let (headcounts, pending) = if hr {
        let names: HashMap<Option<String>, String> = departments.into_iter().map(|d| (Some(d.id), d.name)).collect();
        let mut counts: Vec<(String, i64)> = employee::headcounts(conn)?
            .into_iter()
            .map(|(id, n)| (names.get(&id).cloned().unwrap_or_else(|| "No department".to_owned()), n))
            .collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let waiting: Vec<LeaveRequest> = store::first_awaiting_decision(conn, 10)?;
        let who = store::employee_names(conn, &waiting.iter().map(|r| r.employee_id.clone()).collect::<Vec<_>>())?;
        (Some(counts), Some((waiting, who)))
    } else {
        (None, None)
    };
    let security = if admin { Some(audit::recent_security_events(conn, 8)?) } else { None };
    let first_steps = if setup {
        let staff = match &headcounts {
            Some(counts) => counts.iter().map(|(_, n)| n).sum(),
            None => employee::headcounts(conn)?.into_iter().map(|(_, n)| n).sum(),
        };
        Some(FirstSteps { own_record: mine.is_some(), departments: department_count, staff })
            .filter(|steps| !steps.all_done())
    } else {
        None
    };
    Ok(Dashboard { account, session, mine, types, headcounts, pending, security, first_steps })
}

fn mine(
    conn: &mut DbConnection,
    me: Employee,
    leave_types: Vec<store::LeaveType>,
    today: Date,
) -> diesel::QueryResult<Mine> {
    let department = match &me.department_id {
        Some(id) => department::find(conn, id).optional()?.map(|d| d.name),
        None => None,
    };
    let manager = match &me.manager_id {
        Some(id) => employee::find(conn, id).optional()?.map(|m| (m.id, m.full_name)),
        None => None,
    };
    let balances = leave::balances_for_types(conn, leave_types, &me.id, today.year())?;
    let recent = store::recent_requests_of(conn, &me.id, 5)?;

    // The team: my manager, the people who share that manager, and my direct reports.
    let reports = employee::direct_reports(conn, &me.id)?;
    let is_manager = !reports.is_empty();
    let mut names: HashMap<String, String> = reports.into_iter().map(|e| (e.id, e.full_name)).collect();
    if let Some((manager_id, manager_name)) = &manager {
        names.insert(manager_id.clone(), manager_name.clone());
        names.extend(employee::direct_reports(conn, manager_id)?.into_iter().map(|e| (e.id, e.full_name)));
    }
    names.remove(&me.id);
    let (monday, friday) = working_week(today);
    // The status is checked here, not in SQL: a status condition there
    // leads SQLite to walk every approved request in the company.
    let out_this_week = store::team_requests_between(conn, &me, monday, friday)?
        .into_iter()
        .filter(|r| matches!(r.status(), LeaveStatus::Approved | LeaveStatus::CancelRequested))
        .map(|r| (names.get(&r.employee_id).cloned().unwrap_or_default(), r))
        .collect();
    let waiting = if is_manager { store::awaiting_approver(conn, &me.id)? } else { Vec::new() };
    names.insert(me.id.clone(), me.full_name.clone());
    Ok(Mine { record: me, department, manager, balances, recent, out_this_week, waiting, is_manager, names })
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn the_first_steps_are_done_with_a_record_a_department_and_someone_else() {
        let steps = |own_record, departments, staff| FirstSteps { own_record, departments, staff }.all_done();
        assert!(steps(true, 1, 2));
        assert!(!steps(false, 1, 2), "no record of one's own");
        assert!(!steps(true, 0, 2), "no department");
        assert!(!steps(true, 1, 1), "nobody but oneself");
    }

    #[test]
    fn the_week_runs_monday_to_friday() {
        assert_eq!(working_week(date!(2026 - 06 - 03)), (date!(2026 - 06 - 01), date!(2026 - 06 - 05)));
        assert_eq!(working_week(date!(2026 - 06 - 07)), (date!(2026 - 06 - 01), date!(2026 - 06 - 05)));
        assert_eq!(working_week(date!(2026 - 06 - 01)), (date!(2026 - 06 - 01), date!(2026 - 06 - 05)));
    }
}
