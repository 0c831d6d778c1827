//! Every permission decision goes through here: "may this person do this to
//! that record?" The domain modules compute how the record relates to the
//! actor (their own, a direct report's, a request routed to them, anyone
//! else's) with the functions below and ask `allows`; nothing else in the code
//! base compares roles.
//!
//! Who approves a leave request: `Relation::for_decision` (the approver the
//! request is routed to, see `domain::leave::approver_for`) and the `DecideLeave`
//! row of `allows`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use crate::auth::middleware::{Client, CurrentUser};
use crate::error::{AppError, AppResult};
use crate::models::employee::{self, Employee};
use crate::models::leave::LeaveRequest;
use crate::models::user::Role;
use crate::state::AppState;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    ViewDashboard,
    /// The directory and profiles of current staff.
    ViewDirectory,
    /// The org chart: one's own branch (relation `Own`: the manager chain up
    /// and everyone below), or the whole company (`Other`).
    ViewOrgChart,
    /// Terminated staff in the directory and their profiles.
    ViewTerminatedStaff,
    CreateEmployee,
    /// Create and update many records at once from a CSV file.
    ImportEmployees,
    /// Mail someone on a record without an account a link to create one.
    InviteEmployee,
    /// Every field of a record: name, title, department, manager, status...
    EditEmployee,
    /// Only the phone number.
    EditPhone,
    /// End someone's employment (or take them back).
    TerminateEmployee,
    /// Why someone's employment ended, as HR wrote it on the termination page.
    ViewTerminationReason,
    ManageDepartments,
    RequestLeave,
    ViewLeave,
    CancelLeave,
    DecideLeave,
    /// The queue of every pending request in the company.
    ViewAllPendingLeave,
    /// Every request in the company, whatever its status, and the leave report.
    ViewAllLeave,
    /// The month calendar of one's own team (relation `Own`): who is away, never why.
    ViewTeamCalendar,
    /// The month calendar of any department or the whole company.
    ViewCompanyCalendar,
    /// A secret calendar feed of one's own leave and team (relation `Own`).
    SubscribeCalendarFeed,
    ManageLeaveTypes,
    ManageHolidays,
    /// One's own sessions and password.
    ManageOwnAccount,
    /// Roles, deactivation, signing anyone out everywhere.
    ManageUsers,
    ViewAuditLog,
    ViewSecurityEvents,
    /// The outbox: what was mailed, to whom, and whether it arrived.
    ViewMailLog,
    /// `/metrics` on the main address.
    ViewMetrics,
}

/// How the record acted upon relates to the person acting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    Own,
    /// The record of someone whose manager is the actor.
    DirectReport,
    /// A leave request routed to the actor as its approver.
    Approver,
    Other,
}

impl Relation {
    /// How `target` relates to someone whose employee record is `actor_employee`.
    pub fn between(actor_employee: Option<&str>, target: &Employee) -> Self {
        match actor_employee {
            Some(me) if me == target.id => Relation::Own,
            Some(me) if target.manager_id.as_deref() == Some(me) => Relation::DirectReport,
            _ => Relation::Other,
        }
    }

    /// How a leave request relates to `actor` when deciding it: their own; one
    /// routed to them as approver (while they still work here); anyone else's.
    pub fn for_decision(actor: &Actor, request: &LeaveRequest) -> Self {
        match &actor.employee {
            Some(me) if me.id == request.employee_id => Relation::Own,
            Some(me) if !me.is_terminated() && request.approver_employee_id.as_deref() == Some(me.id.as_str()) => {
                Relation::Approver
            }
            _ => Relation::Other,
        }
    }

    /// How a leave request relates to `actor` when viewing it: as for deciding,
    /// and the employee's current manager sees it too.
    pub fn for_viewing(actor: &Actor, request: &LeaveRequest, owner: &Employee) -> Self {
        match Self::for_decision(actor, request) {
            Relation::Other if actor.relation_to(owner) == Relation::DirectReport => Relation::DirectReport,
            relation => relation,
        }
    }
}

/// The policy, as one table: may `role` do `action` to a record with `relation`?
pub fn allows(role: Role, action: Action, relation: Relation) -> bool {
    use Action::*;
    let hr = matches!(role, Role::Hr | Role::Admin);
    let admin = role == Role::Admin;
    match action {
        ViewDashboard | ViewDirectory | ManageOwnAccount => true,
        ViewTerminatedStaff | CreateEmployee | InviteEmployee | EditEmployee | ManageDepartments => hr,
        ImportEmployees => hr,
        ViewTerminationReason => hr,
        // Nobody ends their own employment.
        TerminateEmployee => hr && relation != Relation::Own,
        ViewAllPendingLeave | ViewAllLeave | ManageLeaveTypes | ManageHolidays => hr,
        ViewTeamCalendar => relation == Relation::Own || hr,
        ViewCompanyCalendar => hr,
        ViewOrgChart => relation == Relation::Own || hr,
        SubscribeCalendarFeed => relation == Relation::Own,
        EditPhone => relation == Relation::Own || hr,
        RequestLeave | CancelLeave => relation == Relation::Own,
        ViewLeave => relation != Relation::Other || hr,
        // Nobody decides their own request; the approver it is routed to
        // decides it, HR anyone else's.
        DecideLeave => relation == Relation::Approver || (hr && relation != Relation::Own),
        ManageUsers | ViewAuditLog | ViewSecurityEvents | ViewMailLog | ViewMetrics => admin,
    }
}

/// How much power a role carries: nobody acts on an account that has more
/// than their own.
fn rank(role: Role) -> u8 {
    match role {
        Role::Employee => 0,
        Role::Hr => 1,
        Role::Admin => 2,
    }
}

/// Whether someone with `actor` may act on an account with `target` (or on
/// the employee record linked to it): never on one with more power.
pub fn may_act_on_account(actor: Role, target: Role) -> bool {
    rank(actor) >= rank(target)
}

/// What the navigation knows of someone's approvals queue (see
/// `domain::leave::approvals::tab_facts`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueFacts {
    /// How many requests wait in their queue.
    pub waiting: i64,
    /// Whether they manage anyone who still works here.
    pub has_reports: bool,
}

/// Whether someone has an approvals queue worth a tab: HR decides any
/// request; others when they manage someone or have requests routed to them.
/// (The queue page itself stays open to everyone and shows what they may decide.)
pub fn has_approvals_queue(role: Role, facts: QueueFacts) -> bool {
    allows(role, Action::ViewAllPendingLeave, Relation::Other) || facts.has_reports || facts.waiting > 0
}

/// The main navigation for a role: only links to pages it may open. `queue`
/// is `None` when it could not be read (an error page with the database
/// down): then only those who see every request keep the Approvals tab.
pub fn navigation(role: Role, queue: Option<QueueFacts>) -> Vec<(&'static str, String)> {
    let any = |action| allows(role, action, Relation::Other);
    let mut links: Vec<(&'static str, String)> =
        vec![("/dashboard", "Dashboard".into()), ("/employees", "Directory".into()), ("/leave", "Leave".into())];
    let facts = queue.unwrap_or_default();
    if has_approvals_queue(role, facts) {
        let label = if facts.waiting > 0 { format!("Approvals ({})", facts.waiting) } else { "Approvals".into() };
        links.push(("/leave/approvals", label));
    }
    if any(Action::ManageDepartments) {
        links.push(("/departments", "Departments".into()));
    }
    if any(Action::ManageLeaveTypes) {
        links.push(("/leave/settings", "Leave settings".into()));
    }
    if any(Action::ManageUsers) {
        links.push(("/admin/users", "Users".into()));
    }
    if any(Action::ViewAuditLog) {
        links.push(("/admin/audit", "Audit log".into()));
    }
    if any(Action::ViewMailLog) {
        links.push(("/admin/mail", "Mail".into()));
    }
    links
}

pub const NOT_PERMITTED: &str = "You do not have permission to do this.";

/// Who is acting: a signed-in person (with their employee record, when their
/// account is linked to one, and the address they came from), or the operator
/// at the command line, who has an Admin's power and no account.
#[derive(Clone, Debug)]
pub struct Actor {
    /// `None`: the operator at the command line.
    pub user: Option<CurrentUser>,
    pub employee: Option<Employee>,
    pub ip: Option<String>,
}

impl Actor {
    pub fn signed_in(user: CurrentUser, employee: Option<Employee>, ip: impl Into<String>) -> Self {
        Actor { user: Some(user), employee, ip: Some(ip.into()) }
    }

    /// The operator running `hrms user ...` on the server.
    pub fn operator() -> Self {
        Actor { user: None, employee: None, ip: None }
    }

    pub fn role(&self) -> Role {
        self.user.as_ref().map_or(Role::Admin, |u| u.role)
    }

    pub fn user_id(&self) -> Option<&str> {
        self.user.as_ref().map(|u| u.user_id.as_str())
    }

    pub fn session_id(&self) -> Option<&str> {
        self.user.as_ref().map(|u| u.session_id.as_str())
    }

    /// The signed-in person; the operator has no account of their own.
    pub fn account(&self) -> AppResult<&CurrentUser> {
        self.user.as_ref().ok_or_else(|| AppError::forbidden("This needs a signed-in account."))
    }

    pub fn employee_id(&self) -> Option<&str> {
        self.employee.as_ref().map(|e| e.id.as_str())
    }

    /// The actor's employee record, or a refusal that says why there is none.
    pub fn employee(&self) -> AppResult<&Employee> {
        self.employee.as_ref().ok_or_else(|| AppError::forbidden(NOT_LINKED))
    }

    pub fn relation_to(&self, target: &Employee) -> Relation {
        Relation::between(self.employee_id(), target)
    }

    pub fn can(&self, action: Action, relation: Relation) -> bool {
        allows(self.role(), action, relation)
    }

    /// `Ok` or a 403 page.
    pub fn authorize(&self, action: Action, relation: Relation) -> AppResult<()> {
        if self.can(action, relation) { Ok(()) } else { Err(AppError::forbidden(NOT_PERMITTED)) }
    }

    /// For actions that are not about one record.
    pub fn can_globally(&self, action: Action) -> bool {
        self.can(action, Relation::Other)
    }

    /// For actions that are not about one record.
    pub fn authorize_global(&self, action: Action) -> AppResult<()> {
        self.authorize(action, Relation::Other)
    }

    /// `Ok` unless the account acted upon (or linked to the record acted upon)
    /// has more power than the actor's.
    pub fn authorize_over(&self, target: Role) -> AppResult<()> {
        if may_act_on_account(self.role(), target) {
            Ok(())
        } else {
            Err(AppError::forbidden(format!(
                "This record belongs to an {} account, which has more rights than yours. Ask an Admin.",
                target.label()
            )))
        }
    }

    /// Whether this person may see `target`'s profile. Terminated staff are
    /// visible to HR only, and otherwise answer 404, as if they did not exist.
    pub fn may_view_employee(&self, target: &Employee) -> bool {
        let relation = self.relation_to(target);
        self.can(Action::ViewDirectory, relation)
            && (!target.is_terminated() || self.can(Action::ViewTerminatedStaff, relation))
    }
}

/// Shown to accounts without an employee record where one is needed.
pub const NOT_LINKED: &str = "Your account is not linked to an employee record; ask HR.";

impl FromRequestParts<AppState> for Actor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        let client = Client::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        let user_id = user.user_id.clone();
        let employee = state
            .db
            .run(move |conn| Ok(employee::find_by_user(conn, &user_id)?))
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Actor::signed_in(user, employee, client.ip))
    }
}

#[cfg(test)]
mod tests {
    use super::Action::*;
    use super::Relation::{Approver, DirectReport, Other, Own};
    use super::*;

    /// Every role against every action and relation. `E`, `H`, `A`: whether
    /// an Employee, HR or Admin may, for records that are their own, a direct
    /// report's, a leave request routed to them, or anyone else's.
    #[test]
    fn the_access_matrix() {
        /// (Employee, HR, Admin) for one relation.
        type ByRole = (bool, bool, bool);
        const ALL: ByRole = (true, true, true);
        const HR: ByRole = (false, true, true);
        const ADMIN: ByRole = (false, false, true);
        const NONE: ByRole = (false, false, false);
        #[rustfmt::skip]
        let table: &[(Action, [ByRole; 4])] = &[
            //                      Own    DirectReport Approver Other
            (ViewDashboard,        [ALL,   ALL,         ALL,     ALL]),
            (ViewDirectory,        [ALL,   ALL,         ALL,     ALL]),
            (ViewOrgChart,         [ALL,   HR,          HR,      HR]),
            (ViewTerminatedStaff,  [HR,    HR,          HR,      HR]),
            (CreateEmployee,       [HR,    HR,          HR,      HR]),
            (ImportEmployees,      [HR,    HR,          HR,      HR]),
            (InviteEmployee,       [HR,    HR,          HR,      HR]),
            (EditEmployee,         [HR,    HR,          HR,      HR]),
            (EditPhone,            [ALL,   HR,          HR,      HR]),
            (TerminateEmployee,    [NONE,  HR,          HR,      HR]),
            (ViewTerminationReason,[HR,    HR,          HR,      HR]),
            (ManageDepartments,    [HR,    HR,          HR,      HR]),
            (RequestLeave,         [ALL,   NONE,        NONE,    NONE]),
            (ViewLeave,            [ALL,   ALL,         ALL,     HR]),
            (CancelLeave,          [ALL,   NONE,        NONE,    NONE]),
            (DecideLeave,          [NONE,  HR,          ALL,     HR]),
            (ViewAllPendingLeave,  [HR,    HR,          HR,      HR]),
            (ViewAllLeave,         [HR,    HR,          HR,      HR]),
            (ViewTeamCalendar,     [ALL,   HR,          HR,      HR]),
            (ViewCompanyCalendar,  [HR,    HR,          HR,      HR]),
            (SubscribeCalendarFeed,[ALL,   NONE,        NONE,    NONE]),
            (ManageLeaveTypes,     [HR,    HR,          HR,      HR]),
            (ManageHolidays,       [HR,    HR,          HR,      HR]),
            (ManageOwnAccount,     [ALL,   ALL,         ALL,     ALL]),
            (ManageUsers,          [ADMIN, ADMIN,       ADMIN,   ADMIN]),
            (ViewAuditLog,         [ADMIN, ADMIN,       ADMIN,   ADMIN]),
            (ViewSecurityEvents,   [ADMIN, ADMIN,       ADMIN,   ADMIN]),
            (ViewMailLog,          [ADMIN, ADMIN,       ADMIN,   ADMIN]),
            (ViewMetrics,          [ADMIN, ADMIN,       ADMIN,   ADMIN]),
        ];
        for (action, by_relation) in table {
            for (relation, (e, h, a)) in [Own, DirectReport, Approver, Other].into_iter().zip(by_relation) {
                for (role, expected) in [(Role::Employee, e), (Role::Hr, h), (Role::Admin, a)] {
                    assert_eq!(allows(role, *action, relation), *expected, "{role:?} {action:?} {relation:?}");
                }
            }
        }
    }

    #[test]
    fn the_approvals_tab_shows_for_hr_managers_and_approvers_with_the_count() {
        let tab = |role, waiting, has_reports| {
            navigation(role, Some(QueueFacts { waiting, has_reports }))
                .into_iter()
                .find(|(href, _)| *href == "/leave/approvals")
                .map(|(_, label)| label)
        };
        assert_eq!(tab(Role::Employee, 0, false), None, "nothing to decide");
        assert_eq!(tab(Role::Employee, 0, true).as_deref(), Some("Approvals"));
        assert_eq!(tab(Role::Employee, 3, false).as_deref(), Some("Approvals (3)"), "routed to them");
        assert_eq!(tab(Role::Hr, 0, false).as_deref(), Some("Approvals"));
        assert_eq!(tab(Role::Admin, 12, false).as_deref(), Some("Approvals (12)"));
        let unknown = |role| navigation(role, None).iter().any(|(href, _)| *href == "/leave/approvals");
        assert!(unknown(Role::Hr) && !unknown(Role::Employee), "unread facts: only those who see every request");
    }

    #[test]
    fn nobody_acts_on_an_account_with_more_power() {
        use Role::{Admin, Employee, Hr};
        #[rustfmt::skip]
        let cases = [
            (Employee, Employee, true), (Employee, Hr, false), (Employee, Admin, false),
            (Hr, Employee, true),       (Hr, Hr, true),        (Hr, Admin, false),
            (Admin, Employee, true),    (Admin, Hr, true),     (Admin, Admin, true),
        ];
        for (actor, target, expected) in cases {
            assert_eq!(may_act_on_account(actor, target), expected, "{actor:?} on {target:?}");
        }
        assert_eq!(Actor::operator().role(), Admin, "the command line has an Admin's power");
    }
}
