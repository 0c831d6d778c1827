//! Every permission decision goes through here: "may this person do this to
//! that record?" Handlers compute how the record relates to the actor (their
//! own, a direct report's, anyone else's) and ask `authorize`; nothing else in
//! the code base compares roles.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use crate::auth::middleware::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::models::employee::{self, Employee};
use crate::models::user::Role;
use crate::state::AppState;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    ViewDashboard,
    /// The directory and profiles of current staff.
    ViewDirectory,
    /// Terminated staff in the directory and their profiles.
    ViewTerminatedStaff,
    CreateEmployee,
    /// Every field of a record: name, title, department, manager, status...
    EditEmployee,
    /// Only the phone number.
    EditPhone,
    TerminateEmployee,
    ManageDepartments,
    RequestLeave,
    ViewLeave,
    CancelLeave,
    DecideLeave,
    /// The queue of every pending request in the company.
    ViewAllPendingLeave,
    ManageLeaveTypes,
    ManageHolidays,
    /// One's own sessions and password.
    ManageOwnAccount,
    /// Roles, deactivation, signing anyone out everywhere.
    ManageUsers,
    ViewAuditLog,
    ViewSecurityEvents,
    /// `/metrics` on the main address.
    ViewMetrics,
}

/// How the record acted upon relates to the person acting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    Own,
    /// The record of someone whose manager is the actor.
    DirectReport,
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
}

/// The policy, as one table: may `role` do `action` to a record with `relation`?
pub fn allows(role: Role, action: Action, relation: Relation) -> bool {
    use Action::*;
    let hr = matches!(role, Role::Hr | Role::Admin);
    let admin = role == Role::Admin;
    match action {
        ViewDashboard | ViewDirectory | ManageOwnAccount => true,
        ViewTerminatedStaff | CreateEmployee | EditEmployee | TerminateEmployee | ManageDepartments => hr,
        ViewAllPendingLeave | ManageLeaveTypes | ManageHolidays => hr,
        EditPhone => relation == Relation::Own || hr,
        RequestLeave | CancelLeave => relation == Relation::Own,
        ViewLeave => relation != Relation::Other || hr,
        // Nobody decides their own request; a manager decides their direct
        // reports', HR anyone else's.
        DecideLeave => relation != Relation::Own && (relation == Relation::DirectReport || hr),
        ManageUsers | ViewAuditLog | ViewSecurityEvents | ViewMetrics => admin,
    }
}

/// The main navigation for a role: only links to pages it may open.
pub fn navigation(role: Role) -> Vec<(&'static str, &'static str)> {
    let any = |action| allows(role, action, Relation::Other);
    let mut links = vec![("/dashboard", "Dashboard"), ("/employees", "Directory"), ("/leave", "Leave")];
    links.push(("/leave/approvals", "Approvals"));
    if any(Action::ManageDepartments) {
        links.push(("/departments", "Departments"));
    }
    if any(Action::ManageLeaveTypes) {
        links.push(("/leave/settings", "Leave settings"));
    }
    if any(Action::ManageUsers) {
        links.push(("/admin/users", "Users"));
    }
    if any(Action::ViewAuditLog) {
        links.push(("/admin/audit", "Audit log"));
    }
    links
}

/// The signed-in person and, when their account is linked to one, their
/// employee record. Taking it as a handler argument protects the route.
#[derive(Clone, Debug)]
pub struct Actor {
    pub user: CurrentUser,
    pub employee: Option<Employee>,
}

impl Actor {
    pub fn role(&self) -> Role {
        self.user.role
    }

    pub fn employee_id(&self) -> Option<&str> {
        self.employee.as_ref().map(|e| e.id.as_str())
    }

    pub fn relation_to(&self, target: &Employee) -> Relation {
        Relation::between(self.employee_id(), target)
    }

    pub fn can(&self, action: Action, relation: Relation) -> bool {
        allows(self.role(), action, relation)
    }

    /// `Ok` or a 403 page.
    pub fn authorize(&self, action: Action, relation: Relation) -> AppResult<()> {
        if self.can(action, relation) {
            Ok(())
        } else {
            Err(AppError::Forbidden("You do not have permission to do this.".into()))
        }
    }

    /// For actions that are not about one record.
    pub fn can_globally(&self, action: Action) -> bool {
        self.can(action, Relation::Other)
    }

    /// For actions that are not about one record.
    pub fn authorize_global(&self, action: Action) -> AppResult<()> {
        self.authorize(action, Relation::Other)
    }

    /// Whether this person may see `target`'s profile. Terminated staff are
    /// visible to HR only, and otherwise answer 404, as if they did not exist.
    pub fn may_view_employee(&self, target: &Employee) -> bool {
        let relation = self.relation_to(target);
        self.can(Action::ViewDirectory, relation)
            && (!target.is_terminated() || self.can(Action::ViewTerminatedStaff, relation))
    }
}

impl FromRequestParts<AppState> for Actor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        let user_id = user.user_id.clone();
        let employee = state
            .db
            .run(move |conn| Ok(employee::find_by_user(conn, &user_id)?))
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Actor { user, employee })
    }
}

#[cfg(test)]
mod tests {
    use super::Action::*;
    use super::Relation::{DirectReport, Other, Own};
    use super::*;

    /// Every role against every action and relation. `E`, `H`, `A`: whether
    /// an Employee, HR or Admin may, for records that are their own, a direct
    /// report's, or anyone else's.
    #[test]
    fn the_access_matrix() {
        /// (Employee, HR, Admin) for one relation.
        type ByRole = (bool, bool, bool);
        #[rustfmt::skip]
        let table: &[(Action, [ByRole; 3])] = &[
            //                       Own                   DirectReport          Other
            //                       (E,     H,     A)
            (ViewDashboard,        [(true,  true,  true),  (true,  true,  true),  (true,  true,  true)]),
            (ViewDirectory,        [(true,  true,  true),  (true,  true,  true),  (true,  true,  true)]),
            (ViewTerminatedStaff,  [(false, true,  true),  (false, true,  true),  (false, true,  true)]),
            (CreateEmployee,       [(false, true,  true),  (false, true,  true),  (false, true,  true)]),
            (EditEmployee,         [(false, true,  true),  (false, true,  true),  (false, true,  true)]),
            (EditPhone,            [(true,  true,  true),  (false, true,  true),  (false, true,  true)]),
            (TerminateEmployee,    [(false, true,  true),  (false, true,  true),  (false, true,  true)]),
            (ManageDepartments,    [(false, true,  true),  (false, true,  true),  (false, true,  true)]),
            (RequestLeave,         [(true,  true,  true),  (false, false, false), (false, false, false)]),
            (ViewLeave,            [(true,  true,  true),  (true,  true,  true),  (false, true,  true)]),
            (CancelLeave,          [(true,  true,  true),  (false, false, false), (false, false, false)]),
            (DecideLeave,          [(false, false, false), (true,  true,  true),  (false, true,  true)]),
            (ViewAllPendingLeave,  [(false, true,  true),  (false, true,  true),  (false, true,  true)]),
            (ManageLeaveTypes,     [(false, true,  true),  (false, true,  true),  (false, true,  true)]),
            (ManageHolidays,       [(false, true,  true),  (false, true,  true),  (false, true,  true)]),
            (ManageOwnAccount,     [(true,  true,  true),  (true,  true,  true),  (true,  true,  true)]),
            (ManageUsers,          [(false, false, true),  (false, false, true),  (false, false, true)]),
            (ViewAuditLog,         [(false, false, true),  (false, false, true),  (false, false, true)]),
            (ViewSecurityEvents,   [(false, false, true),  (false, false, true),  (false, false, true)]),
            (ViewMetrics,          [(false, false, true),  (false, false, true),  (false, false, true)]),
        ];
        for (action, by_relation) in table {
            for (relation, (e, h, a)) in [Own, DirectReport, Other].into_iter().zip(by_relation) {
                for (role, expected) in [(Role::Employee, e), (Role::Hr, h), (Role::Admin, a)] {
                    assert_eq!(allows(role, *action, relation), *expected, "{role:?} {action:?} {relation:?}");
                }
            }
        }
    }
}
