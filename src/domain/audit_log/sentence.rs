//! An audit entry as one sentence a person can read: who did what to whom
//! ("Ann Example approved Ben Ito’s Annual leave, 3–5 Mar 2026").
//!
//! The entries store who acted (an account id, a session, an address), the
//! email the entry is about and a free `detail` text written by the domain
//! function. The names come from `Names`, loaded once per page; what an entry
//! does not hold (an old or unusual detail) falls back to the event's label,
//! so that no entry is ever hidden or wrong. Only what the log holds is shown:
//! it never holds a password or token.

use std::collections::HashMap;

use time::Date;
use time::macros::format_description;

use crate::models::audit::AuditRow;
use crate::models::employee::Employee;
use crate::models::leave::LeaveType;
use crate::models::user::User;

/// A person an entry names: their name, and their account when they have one
/// (to say "their" when they acted on themselves).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub user_id: Option<String>,
}

/// The names a page of entries refers to, looked up in one go.
#[derive(Clone, Debug, Default)]
pub struct Names {
    accounts: HashMap<String, String>,
    by_email: HashMap<String, Person>,
    by_number: HashMap<String, Person>,
    leave_types: HashMap<String, String>,
}

/// What to load for a page: account ids, emails and employee numbers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Wanted {
    pub user_ids: Vec<String>,
    pub emails: Vec<String>,
    pub employee_numbers: Vec<String>,
}

impl Wanted {
    pub fn of(rows: &[AuditRow]) -> Self {
        let mut wanted = Wanted::default();
        for row in rows {
            wanted.user_ids.extend(row.user_id.clone());
            wanted.emails.extend(row.email.clone());
            if let Some(leave) = row.detail.as_deref().and_then(LeaveDetail::parse) {
                wanted.employee_numbers.push(leave.number.to_owned());
            }
        }
        for list in [&mut wanted.user_ids, &mut wanted.emails, &mut wanted.employee_numbers] {
            list.sort();
            list.dedup();
        }
        wanted
    }
}

impl Names {
    /// From the accounts and employee records a page refers to, and the leave types.
    pub fn new(accounts: Vec<User>, employees: Vec<Employee>, leave_types: Vec<LeaveType>) -> Self {
        let mut names = Names::default();
        for e in employees {
            let person = Person { name: e.full_name, user_id: e.user_id };
            names.by_email.insert(e.work_email, person.clone());
            names.by_number.insert(e.employee_number, person);
        }
        // An account's name wins over its employee record's for the same email.
        for u in accounts {
            names.by_email.insert(u.email, Person { name: u.full_name.clone(), user_id: Some(u.id.clone()) });
            names.accounts.insert(u.id, u.full_name);
        }
        names.leave_types = leave_types.into_iter().map(|t| (t.id, t.name)).collect();
        names
    }
}

/// For the tests: names given directly.
#[cfg(test)]
impl Names {
    pub fn with_account(mut self, id: &str, name: &str, email: &str) -> Self {
        self.accounts.insert(id.to_owned(), name.to_owned());
        self.by_email.insert(email.to_owned(), Person { name: name.to_owned(), user_id: Some(id.to_owned()) });
        self
    }

    pub fn with_employee(mut self, number: &str, name: &str, email: &str, user_id: Option<&str>) -> Self {
        let person = Person { name: name.to_owned(), user_id: user_id.map(str::to_owned) };
        self.by_email.entry(email.to_owned()).or_insert_with(|| person.clone());
        self.by_number.insert(number.to_owned(), person);
        self
    }

    pub fn with_leave_type(mut self, id: &str, name: &str) -> Self {
        self.leave_types.insert(id.to_owned(), name.to_owned());
        self
    }
}

/// The leave entries' detail: `request ID of NUMBER: TYPE FIRST to LAST, ...`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct LeaveDetail<'a> {
    number: &'a str,
    type_id: &'a str,
    first: Date,
    last: Date,
}

impl<'a> LeaveDetail<'a> {
    fn parse(detail: &'a str) -> Option<Self> {
        let date = |s: &str| Date::parse(s, format_description!("[year]-[month]-[day]")).ok();
        let (_, rest) = detail.strip_prefix("request ")?.split_once(" of ")?;
        let (number, rest) = rest.split_once(": ")?;
        let (type_id, rest) = rest.split_once(' ')?;
        let (first, rest) = rest.split_once(" to ")?;
        let last = rest.get(..10)?;
        Some(LeaveDetail { number, type_id, first: date(first)?, last: date(last)? })
    }
}

/// "3 Mar 2026", "3–5 Mar 2026", "28 Feb – 3 Mar 2026", "30 Dec 2025 – 2 Jan 2026".
pub fn day_span(first: Date, last: Date) -> String {
    let full =
        |d: Date| d.format(format_description!("[day padding:none] [month repr:short] [year]")).unwrap_or_default();
    let day_month =
        |d: Date| d.format(format_description!("[day padding:none] [month repr:short]")).unwrap_or_default();
    if first == last {
        full(first)
    } else if first.year() == last.year() && first.month() == last.month() {
        format!("{}–{}", first.day(), full(last))
    } else if first.year() == last.year() {
        format!("{} – {}", day_month(first), full(last))
    } else {
        format!("{} – {}", full(first), full(last))
    }
}

fn role_name(role: &str) -> &str {
    match role {
        "admin" => "Admin",
        "hr" => "HR",
        "employee" => "Employee",
        other => other,
    }
}

/// Who made an entry: the account's name, "Someone at <ip>" when nobody was
/// signed in, "The operator" for the command line (no session, no address).
pub fn actor(row: &AuditRow, names: &Names) -> String {
    match (&row.user_id, &row.ip) {
        (Some(_), None) if row.session_id.is_none() => "The operator".to_owned(),
        (Some(id), _) => names.accounts.get(id).cloned().unwrap_or_else(|| "A removed account".to_owned()),
        (None, Some(ip)) => format!("Someone at {ip}"),
        (None, None) => "The operator".to_owned(),
    }
}

/// The entry as a sentence, ending with a full stop.
pub fn sentence(row: &AuditRow, names: &Names, label: &str) -> String {
    let who = actor(row, names);
    let detail = row.detail.as_deref().unwrap_or_default();
    let email = row.email.as_deref();
    // The person the entry is about, by its email.
    let subject = email.map(|e| names.by_email.get(e).cloned().unwrap_or(Person { name: e.to_owned(), user_id: None }));
    let acted_on_self = |p: &Person| p.user_id.is_some() && p.user_id == row.user_id;
    let whose = |p: &Person| if acted_on_self(p) { "their".to_owned() } else { format!("{}’s", p.name) };
    let about = subject.as_ref().map(|p| p.name.clone()).unwrap_or_else(|| "someone".to_owned());
    let about_whose = subject.as_ref().map(whose).unwrap_or_else(|| "someone’s".to_owned());
    let acting_account = row.user_id.as_deref().and_then(|id| names.accounts.get(id)).cloned();
    let own = acting_account.clone().unwrap_or_else(|| about.clone());

    let text = match row.event.as_str() {
        "sign_in_success" if detail == "by mailed link" => format!("{who} signed in by a mailed link"),
        "sign_in_success" => format!("{who} signed in"),
        "sign_in_failure" => match email {
            Some(e) if !e.is_empty() => format!("Sign-in failed for {e}"),
            _ => "Sign-in failed (no email given)".to_owned(),
        },
        "sign_in_throttled" => match email {
            Some(e) => format!("Sign-in throttled for {e} after too many failures"),
            None => "Sign-in throttled after too many failures".to_owned(),
        },
        "logout" => format!("{who} signed out"),
        "registration" => format!("{who} registered"),
        "refresh_reuse" => format!("A sign-in token of {own} was used twice (possibly stolen): the session was ended"),
        "role_changed" => {
            let change = detail.split(';').next().unwrap_or_default();
            match change.split_once(" -> ") {
                Some((_, new)) => format!("{who} changed {about_whose} role to {}", role_name(new.trim())),
                None => format!("{who} changed {about_whose} role"),
            }
        }
        "user_created" => format!("{who} created an account for {about}"),
        "admin_bootstrapped" => format!("The first Admin account was created for {own}"),
        "session_revoked" => format!("{who} signed out one of their sessions"),
        "other_sessions_revoked" => format!("{who} signed out their other sessions"),
        "password_changed" => format!("{who} changed their password"),
        "password_change_failed" => format!("{who} typed a wrong current password when changing their password"),
        "user_deactivated" => format!("{who} deactivated {about_whose} account"),
        "user_reactivated" => format!("{who} reactivated {about_whose} account"),
        "user_signed_out_everywhere" => format!("{who} signed {about} out everywhere"),
        "employee_created" => format!("{who} added an employee record for {about}"),
        "employee_updated" => format!("{who} updated {about_whose} employee record"),
        "employee_terminated" => format!("{who} ended {about_whose} employment"),
        "employees_imported" => format!("{who} imported employee records from a CSV file"),
        "department_created" => format!("{who} created the department {detail}"),
        "department_updated" => {
            let name = detail.split(';').next().unwrap_or_default();
            match name.split_once(" -> ") {
                Some((old, new)) => format!("{who} renamed the department {old} to {new}"),
                None => format!("{who} updated the department {name}"),
            }
        }
        "department_deleted" => format!("{who} deleted the department {detail}"),
        "holiday_added" | "holiday_deleted" => {
            let verb = if row.event == "holiday_added" { "added" } else { "removed" };
            let day = detail.get(..10).and_then(|d| Date::parse(d, format_description!("[year]-[month]-[day]")).ok());
            match (day, detail.get(10..).and_then(|r| r.strip_prefix(": "))) {
                (Some(day), Some(name)) => {
                    format!("{who} {verb} the public holiday {name} on {}", day_span(day, day))
                }
                _ => format!("{who} {verb} a public holiday"),
            }
        }
        "leave_type_updated" => format!("{who} changed a leave type"),
        "leave_requested"
        | "leave_cancelled"
        | "leave_cancel_requested"
        | "leave_approved"
        | "leave_rejected"
        | "leave_cancel_approved"
        | "leave_cancel_rejected" => match LeaveDetail::parse(detail) {
            Some(leave) => {
                let owner = names
                    .by_number
                    .get(leave.number)
                    .cloned()
                    .unwrap_or(Person { name: format!("employee {}", leave.number), user_id: None });
                let type_name = names.leave_types.get(leave.type_id).map(String::as_str).unwrap_or(leave.type_id);
                let what = format!("{} {type_name}, {}", whose(&owner), day_span(leave.first, leave.last));
                let verb = match row.event.as_str() {
                    "leave_requested" if acted_on_self(&owner) => {
                        return finish(format!("{who} asked for {type_name}, {}", day_span(leave.first, leave.last)));
                    }
                    "leave_requested" => "asked for",
                    "leave_cancelled" => "cancelled",
                    "leave_cancel_requested" => "asked to cancel",
                    "leave_approved" => "approved",
                    "leave_rejected" => "rejected",
                    "leave_cancel_approved" => "agreed to cancel",
                    _ => "refused to cancel",
                };
                format!("{who} {verb} {what}")
            }
            None => format!("{who}: {label}"),
        },
        "sign_up_requested" => match email {
            Some(e) => format!("{who} asked to sign up as {e}"),
            None => format!("{who} asked to sign up"),
        },
        "email_verified" => format!("{about} verified their email; the account was created"),
        "invitation_sent" => format!("{who} invited {about}"),
        "invitation_accepted" => format!("{about} accepted their invitation; the account was created"),
        "password_reset_requested" => match &row.ip {
            Some(ip) => format!("Someone at {ip} asked for a password reset link for {about}"),
            None => format!("A password reset link was asked for {about}"),
        },
        "password_reset_sent" => format!("{who} sent {about} a password reset link"),
        "password_reset_link_printed" => format!("The operator printed a password reset link for {about}"),
        "password_reset" => format!("{about} chose a new password with a mailed link"),
        "link_refused" => format!("{who} opened a mailed link that was refused (unknown, used or expired)"),
        "new_device_sign_in" => format!("{who} signed in from a new browser"),
        "notifications_changed" if detail.ends_with(" off") => format!("{who} turned leave notifications off"),
        "notifications_changed" => format!("{who} turned leave notifications on"),
        "calendar_feed_created" => format!("{who} made a new calendar feed address"),
        "calendar_feed_stopped" => format!("{who} stopped their calendar feed"),
        "mail_retried" => format!("{who} sent a failed message again"),
        _ => format!("{who}: {label}"),
    };
    finish(text)
}

fn finish(mut text: String) -> String {
    if !text.ends_with(['.', '!', '?']) {
        text.push('.');
    }
    text
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    fn row(
        event: &str,
        user_id: Option<&str>,
        ip: Option<&str>,
        email: Option<&str>,
        detail: Option<&str>,
    ) -> AuditRow {
        AuditRow {
            id: "e1".into(),
            occurred_at: datetime!(2026-03-01 09:00),
            event: event.into(),
            user_id: user_id.map(Into::into),
            email: email.map(Into::into),
            // People act in a session; the command line has none.
            session_id: user_id.filter(|_| ip.is_some()).map(|_| "s1".into()),
            ip: ip.map(Into::into),
            detail: detail.map(Into::into),
        }
    }

    fn names() -> Names {
        Names::default()
            .with_account("u-ann", "Ann Example", "ann@example.com")
            .with_account("u-ben", "Ben Ito", "ben@example.com")
            .with_employee("E002", "Ben Ito", "ben@example.com", Some("u-ben"))
            .with_employee("E009", "Cy Noaccount", "cy@example.com", None)
            .with_leave_type("annual", "Annual leave")
    }

    fn say(event: &str, user_id: Option<&str>, email: Option<&str>, detail: Option<&str>) -> String {
        sentence(&row(event, user_id, Some("192.0.2.7"), email, detail), &names(), "Label")
    }

    const IP: Option<&str> = Some("192.0.2.7");

    #[test]
    fn actors_are_named_by_account_address_or_the_command_line() {
        let n = names();
        assert_eq!(actor(&row("logout", Some("u-ann"), IP, None, None), &n), "Ann Example");
        assert_eq!(actor(&row("logout", Some("gone"), IP, None, None), &n), "A removed account");
        assert_eq!(actor(&row("registration", None, IP, None, None), &n), "Someone at 192.0.2.7");
        assert_eq!(actor(&row("user_created", Some("u-ben"), None, None, None), &n), "The operator");
        assert_eq!(actor(&row("user_created", None, None, None, None), &n), "The operator");
    }

    #[test]
    fn leave_decisions_name_both_people_the_type_and_the_days() {
        let detail = "request r1 of E002: annual 2026-03-03 to 2026-03-05, pending -> approved";
        assert_eq!(
            say("leave_approved", Some("u-ann"), None, Some(detail)),
            "Ann Example approved Ben Ito’s Annual leave, 3–5 Mar 2026."
        );
        assert_eq!(
            say("leave_rejected", Some("u-ann"), None, Some(detail)),
            "Ann Example rejected Ben Ito’s Annual leave, 3–5 Mar 2026."
        );
        assert_eq!(
            say("leave_cancelled", Some("u-ben"), None, Some(detail)),
            "Ben Ito cancelled their Annual leave, 3–5 Mar 2026."
        );
        assert_eq!(
            say("leave_cancel_requested", Some("u-ben"), None, Some(detail)),
            "Ben Ito asked to cancel their Annual leave, 3–5 Mar 2026."
        );
        assert_eq!(
            say("leave_cancel_approved", Some("u-ann"), None, Some(detail)),
            "Ann Example agreed to cancel Ben Ito’s Annual leave, 3–5 Mar 2026."
        );
        assert_eq!(
            say("leave_cancel_rejected", Some("u-ann"), None, Some(detail)),
            "Ann Example refused to cancel Ben Ito’s Annual leave, 3–5 Mar 2026."
        );
        let requested = "request r2 of E002: annual 2026-02-27 to 2026-03-02, 2 days, decided by manager";
        assert_eq!(
            say("leave_requested", Some("u-ben"), None, Some(requested)),
            "Ben Ito asked for Annual leave, 27 Feb – 2 Mar 2026."
        );
        let unknown = "request r3 of E404: parental 2026-03-03 to 2026-03-03, pending -> approved";
        assert_eq!(
            say("leave_approved", Some("u-ann"), None, Some(unknown)),
            "Ann Example approved employee E404’s parental, 3 Mar 2026.",
            "a deleted record or type still reads"
        );
        assert_eq!(say("leave_approved", Some("u-ann"), None, Some("old format")), "Ann Example: Label.");
    }

    #[test]
    fn account_changes_name_the_person_changed() {
        let role = "ben@example.com: employee -> hr; 1 session(s) signed out";
        assert_eq!(
            say("role_changed", Some("u-ann"), Some("ben@example.com"), Some(role)),
            "Ann Example changed Ben Ito’s role to HR."
        );
        assert_eq!(
            say("user_deactivated", Some("u-ann"), Some("ben@example.com"), None),
            "Ann Example deactivated Ben Ito’s account."
        );
        assert_eq!(
            say("user_reactivated", Some("u-ann"), Some("new@example.com"), None),
            "Ann Example reactivated new@example.com’s account.",
            "an email with no account left still names the subject"
        );
        assert_eq!(
            say("user_signed_out_everywhere", Some("u-ann"), Some("ben@example.com"), None),
            "Ann Example signed Ben Ito out everywhere."
        );
        assert_eq!(
            say("user_created", Some("u-ann"), Some("ben@example.com"), Some("hr; new employee record")),
            "Ann Example created an account for Ben Ito."
        );
        let by_cli = row("user_created", Some("u-ben"), None, Some("ben@example.com"), None);
        assert_eq!(sentence(&by_cli, &names(), ""), "The operator created an account for Ben Ito.");
        let printed = row("password_reset_link_printed", Some("u-ben"), None, Some("ben@example.com"), None);
        assert_eq!(sentence(&printed, &names(), ""), "The operator printed a password reset link for Ben Ito.");
        let boot = row("admin_bootstrapped", Some("u-ann"), None, None, None);
        assert_eq!(sentence(&boot, &names(), ""), "The first Admin account was created for Ann Example.");
    }

    #[test]
    fn sign_ins_and_own_account_events_read_plainly() {
        assert_eq!(say("sign_in_success", Some("u-ann"), None, None), "Ann Example signed in.");
        assert_eq!(
            say("sign_in_success", Some("u-ann"), None, Some("by mailed link")),
            "Ann Example signed in by a mailed link."
        );
        assert_eq!(say("sign_in_failure", None, Some("ben@example.com"), None), "Sign-in failed for ben@example.com.");
        assert_eq!(say("sign_in_failure", None, None, None), "Sign-in failed (no email given).");
        assert_eq!(
            say("sign_in_throttled", None, Some("ben@example.com"), None),
            "Sign-in throttled for ben@example.com after too many failures."
        );
        assert_eq!(say("logout", Some("u-ann"), None, None), "Ann Example signed out.");
        assert_eq!(say("registration", None, None, None), "Someone at 192.0.2.7 registered.");
        assert_eq!(
            say("refresh_reuse", Some("u-ann"), None, None),
            "A sign-in token of Ann Example was used twice (possibly stolen): the session was ended."
        );
        assert_eq!(say("session_revoked", Some("u-ann"), None, None), "Ann Example signed out one of their sessions.");
        assert_eq!(
            say("other_sessions_revoked", Some("u-ann"), None, None),
            "Ann Example signed out their other sessions."
        );
        assert_eq!(say("password_changed", Some("u-ann"), None, None), "Ann Example changed their password.");
        assert_eq!(
            say("password_change_failed", Some("u-ann"), None, None),
            "Ann Example typed a wrong current password when changing their password."
        );
        assert_eq!(say("new_device_sign_in", Some("u-ann"), None, None), "Ann Example signed in from a new browser.");
        assert_eq!(
            say("notifications_changed", Some("u-ann"), None, Some("leave notifications off")),
            "Ann Example turned leave notifications off."
        );
        assert_eq!(
            say("notifications_changed", Some("u-ann"), None, Some("leave notifications on")),
            "Ann Example turned leave notifications on."
        );
        assert_eq!(
            say("calendar_feed_created", Some("u-ann"), None, Some("created")),
            "Ann Example made a new calendar feed address."
        );
        assert_eq!(say("calendar_feed_stopped", Some("u-ann"), None, None), "Ann Example stopped their calendar feed.");
    }

    #[test]
    fn mailed_link_flows_name_the_address_and_the_person() {
        assert_eq!(
            say("sign_up_requested", None, Some("new@example.com"), None),
            "Someone at 192.0.2.7 asked to sign up as new@example.com."
        );
        assert_eq!(
            say("email_verified", Some("u-ben"), Some("ben@example.com"), None),
            "Ben Ito verified their email; the account was created."
        );
        assert_eq!(
            say("invitation_sent", Some("u-ann"), Some("cy@example.com"), None),
            "Ann Example invited Cy Noaccount."
        );
        assert_eq!(
            say("invitation_accepted", Some("u-ben"), Some("ben@example.com"), None),
            "Ben Ito accepted their invitation; the account was created."
        );
        assert_eq!(
            say("password_reset_requested", Some("u-ben"), Some("ben@example.com"), None),
            "Someone at 192.0.2.7 asked for a password reset link for Ben Ito."
        );
        assert_eq!(
            say("password_reset_sent", Some("u-ann"), Some("ben@example.com"), None),
            "Ann Example sent Ben Ito a password reset link."
        );
        assert_eq!(
            say("password_reset", Some("u-ben"), Some("ben@example.com"), None),
            "Ben Ito chose a new password with a mailed link."
        );
        assert_eq!(
            say("link_refused", None, None, Some("reset link: Expired")),
            "Someone at 192.0.2.7 opened a mailed link that was refused (unknown, used or expired)."
        );
    }

    #[test]
    fn records_departments_and_holidays_are_named() {
        let ann = Some("u-ann");
        assert_eq!(
            say("employee_created", ann, Some("cy@example.com"), Some("E009 Cy Noaccount")),
            "Ann Example added an employee record for Cy Noaccount."
        );
        assert_eq!(
            say("employee_updated", ann, Some("ben@example.com"), None),
            "Ann Example updated Ben Ito’s employee record."
        );
        assert_eq!(
            say("employee_terminated", ann, Some("ben@example.com"), None),
            "Ann Example ended Ben Ito’s employment."
        );
        assert_eq!(
            say("employees_imported", ann, None, Some("3 created")),
            "Ann Example imported employee records from a CSV file."
        );
        assert_eq!(say("department_created", ann, None, Some("Sales")), "Ann Example created the department Sales.");
        assert_eq!(
            say("department_updated", ann, None, Some("Sales -> Revenue; head changed")),
            "Ann Example renamed the department Sales to Revenue."
        );
        assert_eq!(say("department_updated", ann, None, Some("Sales")), "Ann Example updated the department Sales.");
        assert_eq!(say("department_deleted", ann, None, Some("Sales")), "Ann Example deleted the department Sales.");
        assert_eq!(
            say("holiday_added", ann, None, Some("2026-12-25: Christmas Day")),
            "Ann Example added the public holiday Christmas Day on 25 Dec 2026."
        );
        assert_eq!(say("holiday_deleted", ann, None, Some("garbled")), "Ann Example removed a public holiday.");
        assert_eq!(say("leave_type_updated", ann, None, Some("annual")), "Ann Example changed a leave type.");
        assert_eq!(say("mail_retried", ann, None, Some("message m1")), "Ann Example sent a failed message again.");
        assert_eq!(say("something_new", ann, None, None), "Ann Example: Label.", "an unknown event still reads");
    }

    #[test]
    fn day_spans_say_each_month_and_year_once() {
        assert_eq!(day_span(date!(2026 - 03 - 03), date!(2026 - 03 - 03)), "3 Mar 2026");
        assert_eq!(day_span(date!(2026 - 03 - 03), date!(2026 - 03 - 05)), "3–5 Mar 2026");
        assert_eq!(day_span(date!(2026 - 02 - 27), date!(2026 - 03 - 02)), "27 Feb – 2 Mar 2026");
        assert_eq!(day_span(date!(2025 - 12 - 30), date!(2026 - 01 - 02)), "30 Dec 2025 – 2 Jan 2026");
    }

    #[test]
    fn the_page_loads_each_referenced_person_once() {
        let detail = "request r1 of E002: annual 2026-03-03 to 2026-03-05, pending -> approved";
        let rows = [
            row("leave_approved", Some("u-ann"), IP, None, Some(detail)),
            row("logout", Some("u-ann"), IP, None, None),
            row("sign_in_failure", None, IP, Some("ben@example.com"), None),
        ];
        let wanted = Wanted::of(&rows);
        assert_eq!(wanted.user_ids, ["u-ann"]);
        assert_eq!(wanted.emails, ["ben@example.com"]);
        assert_eq!(wanted.employee_numbers, ["E002"]);
    }
}
