//! Every permission decision goes through `authorize`: "may this user do this?"
//! Handlers call it before acting; later features add their actions here.

use crate::auth::middleware::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::models::user::Role;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// See one's own dashboard.
    ViewOwnDashboard,
}

pub fn allows(role: Role, action: Action) -> bool {
    match action {
        Action::ViewOwnDashboard => matches!(role, Role::Employee | Role::Hr | Role::Admin),
    }
}

pub fn authorize(user: &CurrentUser, action: Action) -> AppResult<()> {
    if allows(user.role, action) { Ok(()) } else { Err(AppError::Forbidden("Your role does not allow this.".into())) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_access_matrix() {
        let table = [
            (Role::Employee, Action::ViewOwnDashboard, true),
            (Role::Hr, Action::ViewOwnDashboard, true),
            (Role::Admin, Action::ViewOwnDashboard, true),
        ];
        for (role, action, expected) in table {
            assert_eq!(allows(role, action), expected, "{role:?} {action:?}");
        }
    }
}
