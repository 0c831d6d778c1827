//! Employee records: the directory, profiles, the HR form, an employee's own
//! phone number, and the termination page.

mod directory;
mod form;
pub mod import;
mod org_chart;
mod profile;
mod termination;

pub use directory::{directory, directory_csv};
pub use form::{create, edit_page, new_page, update};
pub use org_chart::org_chart;
pub use profile::{invite, profile};
pub use termination::{terminate, terminate_page};

use crate::models::employee::Employee;

/// One `<option>` of a `<select>`.
#[derive(Clone, Debug)]
pub struct SelectOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl SelectOption {
    pub fn new(value: impl Into<String>, label: impl Into<String>, current: &str) -> Self {
        let value = value.into();
        let selected = value == current;
        SelectOption { value, label: label.into(), selected }
    }

    /// A select's options: `none` (the empty value: any, all, none) first,
    /// then each `(value, label)`, the one equal to `current` selected.
    pub fn with_none(none: &str, current: &str, all: impl IntoIterator<Item = (String, String)>) -> Vec<SelectOption> {
        let mut options = vec![SelectOption::new("", none, current)];
        options.extend(all.into_iter().map(|(value, label)| SelectOption::new(value, label, current)));
        options
    }
}

/// The select of people: current staff, by name, with their number.
pub fn staff_options(staff: &[Employee], current: &str, except_id: Option<&str>) -> Vec<SelectOption> {
    staff
        .iter()
        .filter(|e| Some(e.id.as_str()) != except_id)
        .map(|e| SelectOption::new(&e.id, format!("{} ({})", e.full_name, e.employee_number), current))
        .collect()
}
