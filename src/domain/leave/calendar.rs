//! The month calendar: who is away on each day of one month, approved or
//! still pending, with weekends and public holidays. It shows names and
//! dates only, never a reason or a leave type: those stay on the request's
//! own page, for those who may read it.
//!
//! Who is shown (`access::Action::ViewTeamCalendar` / `ViewCompanyCalendar`):
//! everyone sees themselves, those who share their manager and their direct
//! reports; HR sees the whole company or one department.

use std::collections::HashMap;

use time::{Date, Month, Weekday};

use crate::access::{Action, Actor, Relation};
use crate::error::{AppError, AppResult};
use crate::models::calendar::{self as store, Scope};
use crate::models::department::{self, Department};
use crate::models::employee::{self, Employee};
use crate::models::leave::{self as leave_store, LeaveRequest, LeaveStatus};
use crate::state::AppState;

/// The years a calendar may show.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// The first day of the month named `YYYY-MM`, or why it is not one.
pub fn parse_month(text: &str) -> Result<Date, String> {
    const HOW: &str = "Choose a month as YYYY-MM, like 2026-03.";
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    if bytes.len() != 7 || bytes[4] != b'-' || !digits(0..4) || !digits(5..7) {
        return Err(HOW.into());
    }
    let year: i32 = text[..4].parse().map_err(|_| HOW.to_owned())?;
    let month: u8 = text[5..].parse().map_err(|_| HOW.to_owned())?;
    if !YEARS.contains(&year) {
        return Err(format!("Choose a year from {} to {}.", YEARS.start(), YEARS.end()));
    }
    let month = Month::try_from(month).map_err(|_| "Choose a month from 01 to 12.".to_owned())?;
    Date::from_calendar_date(year, month, 1).map_err(|_| HOW.to_owned())
}

/// `YYYY-MM` of the month holding `day`.
pub fn month_key(day: Date) -> String {
    format!("{:04}-{:02}", day.year(), u8::from(day.month()))
}

/// The last day of the month starting `first`.
pub fn month_end(first: Date) -> Date {
    Date::from_calendar_date(first.year(), first.month(), first.month().length(first.year())).unwrap_or(first)
}

/// Someone away on a day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Away {
    pub employee_id: String,
    pub name: String,
    /// Still waiting for a decision.
    pub pending: bool,
}

/// One day of the month.
#[derive(Clone, Debug)]
pub struct Day {
    pub date: Date,
    pub weekend: bool,
    /// The public holiday's name.
    pub holiday: Option<String>,
    /// Who is away, by name (nobody on weekends and holidays: no leave is taken then).
    pub away: Vec<Away>,
}

/// What the calendar page shows.
pub struct MonthCalendar {
    /// The first day of the month.
    pub first: Date,
    pub days: Vec<Day>,
    /// How many people the calendar covers.
    pub people: usize,
    /// The department shown (HR's filter).
    pub department: Option<Department>,
    /// The departments HR may choose from; empty for everyone else.
    pub departments: Vec<Department>,
    /// Whether this is the whole company (HR without a filter).
    pub company: bool,
}

/// The calendar of `month` (`YYYY-MM`; `None`: this month) for `actor`,
/// narrowed to `department` (HR only). Bad input is `BadRequest`, a
/// department filter from someone else `Forbidden`, an unknown department
/// `NotFound`.
pub async fn month(
    state: &AppState,
    actor: &Actor,
    month: Option<&str>,
    department: Option<&str>,
) -> AppResult<MonthCalendar> {
    let today = state.clock.now().date();
    let first = match month.filter(|m| !m.is_empty()) {
        Some(text) => parse_month(text).map_err(AppError::BadRequest)?,
        None => today.replace_day(1).map_err(|e| AppError::Internal(e.into()))?,
    };
    let last = month_end(first);
    let department = department.filter(|d| !d.is_empty()).map(str::to_owned);
    let company = actor.can_globally(Action::ViewCompanyCalendar);
    let scope = match (&department, company) {
        (Some(_), false) => return Err(AppError::forbidden("Only HR can choose a department on the calendar.")),
        (Some(id), true) => Scope::Department(id.clone()),
        (None, true) => Scope::Company,
        (None, false) => {
            let me = actor.employee()?;
            actor.authorize(Action::ViewTeamCalendar, Relation::Own)?;
            Scope::Team { me: me.id.clone(), manager: me.manager_id.clone() }
        }
    };
    state
        .db
        .run(move |conn| {
            let (department, departments) = if company {
                let all = department::all(conn)?;
                let chosen = match &department {
                    Some(id) => Some(all.iter().find(|d| &d.id == id).cloned().ok_or(AppError::NotFound)?),
                    None => None,
                };
                (chosen, all)
            } else {
                (None, Vec::new())
            };
            let people: HashMap<String, String> = store::people(conn, &scope)?.into_iter().collect();
            let ids: Vec<String> = people.keys().cloned().collect();
            let requests = store::absences_between(conn, &ids, first, last)?;
            let holidays: HashMap<Date, String> =
                leave_store::holidays_between(conn, first, last)?.into_iter().map(|h| (h.day, h.name)).collect();
            let mut days = Vec::new();
            let mut day = first;
            loop {
                let weekend = matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday);
                let holiday = holidays.get(&day).cloned();
                let mut away: Vec<Away> = if weekend || holiday.is_some() {
                    Vec::new()
                } else {
                    requests
                        .iter()
                        .filter(|r| r.first_day <= day && day <= r.last_day)
                        .filter_map(|r| {
                            people.get(&r.employee_id).map(|name| Away {
                                employee_id: r.employee_id.clone(),
                                name: name.clone(),
                                pending: r.status() == LeaveStatus::Pending,
                            })
                        })
                        .collect()
                };
                away.sort_by(|a, b| a.name.cmp(&b.name).then(a.employee_id.cmp(&b.employee_id)));
                away.dedup_by(|a, b| a.employee_id == b.employee_id);
                days.push(Day { date: day, weekend, holiday, away });
                match day.next_day() {
                    Some(next) if next <= last => day = next,
                    _ => break,
                }
            }
            let company = company && department.is_none();
            Ok(MonthCalendar { first, days, people: people.len(), department, departments, company })
        })
        .await
}

/// Someone else in the team away (or asking to be) on some of a request's days.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clash {
    pub name: String,
    pub pending: bool,
    /// The days shared with the request.
    pub first: Date,
    pub last: Date,
}

/// Whom a request is compared with: those who share the owner's manager,
/// or, for an owner without a manager, the others in their department.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Team {
    Manager(String),
    Department(String),
}

impl Team {
    /// `None` when the owner has neither a manager nor a department: there is
    /// nobody to compare with (which is not the same as nobody being away).
    pub fn of(owner: &Employee) -> Option<Team> {
        match (&owner.manager_id, &owner.department_id) {
            (Some(manager), _) => Some(Team::Manager(manager.clone())),
            (None, Some(department)) => Some(Team::Department(department.clone())),
            (None, None) => None,
        }
    }

    fn holds(&self, someone: &store::TeamAbsence) -> bool {
        match self {
            Team::Manager(id) => someone.manager_id.as_ref() == Some(id),
            Team::Department(id) => someone.department_id.as_ref() == Some(id),
        }
    }
}

/// The clashes of one request, and with whom it was compared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamClashes {
    pub team: Team,
    pub clashes: Vec<Clash>,
}

impl TeamClashes {
    /// "Ann (approved, 3–4 Jun), ...", or `None` when nobody else is away.
    pub fn line(&self) -> Option<String> {
        (!self.clashes.is_empty()).then(|| clash_line(&self.clashes))
    }

    /// "team" or "department": what "nobody else in the ... is away" names.
    pub fn team_word(&self) -> &'static str {
        match self.team {
            Team::Manager(_) => "team",
            Team::Department(_) => "department",
        }
    }
}

/// Who else in `owner`'s team (see `Team`) is away, approved or pending, on
/// any day of `request`: what the approver weighs. `None` when the owner has
/// no team to compare with. Names and dates only, never a reason.
pub fn clashes(
    conn: &mut crate::db::DbConnection,
    owner: &Employee,
    request: &LeaveRequest,
) -> diesel::QueryResult<Option<TeamClashes>> {
    let mut found = clashes_of(conn, &[(owner, request)])?;
    Ok(found.remove(&request.id).flatten())
}

/// The clashes of every request on a page of the approvals queue, by request
/// id: two queries however long the page (the owners, then every absence of
/// their teams over the page's days), narrowed per request in memory.
pub fn clashes_for_page(
    conn: &mut crate::db::DbConnection,
    requests: &[LeaveRequest],
) -> diesel::QueryResult<HashMap<String, Option<TeamClashes>>> {
    let mut owner_ids: Vec<String> = requests.iter().map(|r| r.employee_id.clone()).collect();
    owner_ids.sort();
    owner_ids.dedup();
    let owners: HashMap<String, Employee> =
        employee::find_many(conn, &owner_ids)?.into_iter().map(|e| (e.id.clone(), e)).collect();
    let pairs: Vec<(&Employee, &LeaveRequest)> =
        requests.iter().filter_map(|r| Some((owners.get(&r.employee_id)?, r))).collect();
    clashes_of(conn, &pairs)
}

/// One read of the absences of all the teams involved, over the span from
/// the earliest first day to the latest last day.
fn clashes_of(
    conn: &mut crate::db::DbConnection,
    pairs: &[(&Employee, &LeaveRequest)],
) -> diesel::QueryResult<HashMap<String, Option<TeamClashes>>> {
    let teams: Vec<(Option<Team>, &Employee, &LeaveRequest)> =
        pairs.iter().map(|(owner, request)| (Team::of(owner), *owner, *request)).collect();
    let (mut managers, mut departments) = (Vec::new(), Vec::new());
    for (team, _, _) in &teams {
        match team {
            Some(Team::Manager(id)) => managers.push(id.clone()),
            Some(Team::Department(id)) => departments.push(id.clone()),
            None => {}
        }
    }
    let span = teams
        .iter()
        .filter(|(team, _, _)| team.is_some())
        .map(|(_, _, r)| (r.first_day, r.last_day))
        .reduce(|(a, b), (c, d)| (a.min(c), b.max(d)));
    let away = match span {
        Some((from, to)) => store::teams_away(conn, &managers, &departments, from, to)?,
        None => Vec::new(),
    };
    Ok(teams
        .into_iter()
        .map(|(team, owner, request)| {
            let clashes = team.map(|team| {
                let clashes = away
                    .iter()
                    .filter(|a| a.request.employee_id != owner.id && team.holds(a))
                    .filter(|a| a.request.first_day <= request.last_day && request.first_day <= a.request.last_day)
                    .map(|a| Clash {
                        name: a.name.clone(),
                        pending: a.request.status() == LeaveStatus::Pending,
                        first: a.request.first_day.max(request.first_day),
                        last: a.request.last_day.min(request.last_day),
                    })
                    .collect();
                TeamClashes { team, clashes }
            });
            (request.id.clone(), clashes)
        })
        .collect())
}

/// "Ann (approved, 3–4 Jun), Bo (pending, 4 Jun)".
pub fn clash_line(clashes: &[Clash]) -> String {
    let day = |d: Date| format!("{} {}", d.day(), &d.month().to_string()[..3]);
    clashes
        .iter()
        .map(|c| {
            let status = if c.pending { "pending" } else { "approved" };
            let days = if c.first == c.last {
                day(c.first)
            } else if c.first.month() == c.last.month() {
                format!("{}–{}", c.first.day(), day(c.last))
            } else {
                format!("{} – {}", day(c.first), day(c.last))
            };
            format!("{} ({status}, {days})", c.name)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn months_are_read_strictly() {
        assert_eq!(parse_month("2026-03"), Ok(date!(2026 - 03 - 01)));
        assert_eq!(parse_month("2000-01"), Ok(date!(2000 - 01 - 01)));
        assert_eq!(parse_month("2100-12"), Ok(date!(2100 - 12 - 01)));
        for bad in ["2026-13", "2026-00", "1999-12", "2101-01", "2026-3", "26-03", "2026/03", "+026-03", "abcd-ef", ""]
        {
            assert!(parse_month(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn months_end_on_their_last_day() {
        assert_eq!(month_end(date!(2028 - 02 - 01)), date!(2028 - 02 - 29));
        assert_eq!(month_end(date!(2026 - 12 - 01)), date!(2026 - 12 - 31));
        assert_eq!(month_key(date!(2026 - 03 - 17)), "2026-03");
    }

    #[test]
    fn clashes_read_as_one_line() {
        let clash = |name: &str, pending, first, last| Clash { name: name.into(), pending, first, last };
        let line = clash_line(&[
            clash("Ann", false, date!(2026 - 03 - 03), date!(2026 - 03 - 04)),
            clash("Bo", true, date!(2026 - 03 - 04), date!(2026 - 03 - 04)),
            clash("Cy", false, date!(2026 - 03 - 31), date!(2026 - 04 - 01)),
        ]);
        assert_eq!(line, "Ann (approved, 3–4 Mar), Bo (pending, 4 Mar), Cy (approved, 31 Mar – 1 Apr)");
    }
}
