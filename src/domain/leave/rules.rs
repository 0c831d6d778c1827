//! The rules of leave that need no database: working days, the leave year,
//! what a request may become, and when it fits the balance.
//!
//! Amounts are integers in HALF DAYS (a full working day is 2), so half-day
//! leave needs no floating point. A request never crosses 31 December, so each
//! request belongs to the year of its first day and balances are computed per
//! calendar year from that.

use time::{Date, Month, Weekday};

use crate::display::{days_phrase, long_date, parse_iso_date};
use crate::error::FieldErrors;
use crate::models::leave::{LeaveRequest, LeaveStatus, LeaveType};

/// The longest allowance HR may set, in days.
pub const MAX_ALLOWANCE_DAYS: i32 = 366;
pub const MAX_REASON_CHARS: usize = 500;
pub const MAX_COMMENT_CHARS: usize = 500;
pub const MAX_HOLIDAY_NAME_CHARS: usize = 100;

/// Monday to Friday, and not a public holiday.
pub fn is_working_day(day: Date, holidays: &[Date]) -> bool {
    !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) && !holidays.contains(&day)
}

/// How much leave `first..=last` takes, in half days: each working day counts
/// 2, or 1 when `half_day` (which the form only allows for a single day).
/// Weekends and `holidays` count nothing; an empty or reversed range is 0.
pub fn working_half_days(first: Date, last: Date, half_day: bool, holidays: &[Date]) -> i32 {
    let per_day = if half_day { 1 } else { 2 };
    let mut total = 0;
    let mut day = first;
    while day <= last {
        if is_working_day(day, holidays) {
            total += per_day;
        }
        match day.next_day() {
            Some(next) => day = next,
            None => break,
        }
    }
    total
}

pub fn year_start(year: i32) -> Option<Date> {
    Date::from_calendar_date(year, Month::January, 1).ok()
}

pub fn year_end(year: i32) -> Option<Date> {
    Date::from_calendar_date(year, Month::December, 31).ok()
}

/// The years a request may fall in: last year (leave recorded afterwards) to next year.
pub fn allowed_range(today: Date) -> (Date, Date) {
    let start = year_start(today.year() - 1).unwrap_or(today);
    let end = year_end(today.year() + 1).unwrap_or(today);
    (start, end)
}

/// The holidays HR maintains: this year's and next year's.
pub fn holiday_range(today: Date) -> (Date, Date) {
    let start = year_start(today.year()).unwrap_or(today);
    let end = year_end(today.year() + 1).unwrap_or(today);
    (start, end)
}

/// A leave request as a person typed it.
#[derive(Clone, Debug, Default)]
pub struct RequestInput {
    pub leave_type_id: String,
    pub first_day: String,
    pub last_day: String,
    pub half_day: bool,
    pub reason: String,
}

/// A request that passed the checks that need no database.
#[derive(Clone, Debug)]
pub struct CheckedRequest {
    pub leave_type: LeaveType,
    pub first: Date,
    pub last: Date,
    pub half_day: bool,
    pub reason: String,
}

/// Checks a request against everything that needs no database: a known type,
/// real dates within the years one may book, in order, within one year, a
/// half day only on a single day, a reason of sensible length.
pub fn check_request(input: &RequestInput, types: &[LeaveType], today: Date) -> Result<CheckedRequest, FieldErrors> {
    let mut errors = FieldErrors::new();
    let leave_type = types.iter().find(|t| t.id == input.leave_type_id).cloned();
    if leave_type.is_none() {
        errors.add("leave_type_id", "Choose a type of leave from the list.");
    }
    let (earliest, latest) = allowed_range(today);
    let date = |text: &str, which: &str| -> Result<Date, String> {
        if text.trim().is_empty() {
            return Err(format!("Enter the {which} day."));
        }
        let day = parse_iso_date(text).ok_or_else(|| format!("Enter the {which} day as a date, like 2026-06-15."))?;
        if day < earliest || day > latest {
            return Err(format!("Choose a day between {} and {}.", long_date(earliest), long_date(latest)));
        }
        Ok(day)
    };
    let first = date(&input.first_day, "first").map_err(|e| errors.add("first_day", e)).ok();
    let last = date(&input.last_day, "last").map_err(|e| errors.add("last_day", e)).ok();
    if let (Some(first), Some(last)) = (first, last) {
        if last < first {
            errors.add("last_day", "The last day cannot be before the first day.");
        } else if last.year() != first.year() {
            // Each request belongs to one year's allowance.
            errors.add(
                "last_day",
                format!(
                    "Leave cannot run past 31 December. Make two requests: one ending 31 December {}, one starting 1 January {}.",
                    first.year(),
                    last.year()
                ),
            );
        } else if input.half_day && first != last {
            errors
                .add("half_day", "A half day can only be taken on a single day: make the first and last day the same.");
        }
    }
    let reason = input.reason.trim().to_owned();
    if reason.chars().count() > MAX_REASON_CHARS {
        errors.add("reason", format!("Use at most {MAX_REASON_CHARS} characters."));
    }
    match (leave_type, first, last) {
        (Some(leave_type), Some(first), Some(last)) if errors.is_empty() => {
            Ok(CheckedRequest { leave_type, first, last, half_day: input.half_day, reason })
        }
        _ => Err(errors),
    }
}

/// At request time: pending and approved leave both count against what is
/// left. `Err` says why it does not fit.
pub fn fits_at_request(balance: &Balance, half_days: i32, today: Date, year: i32) -> Result<(), String> {
    match balance.left() {
        Some(left) if half_days > left => {
            let for_year = if year == today.year() { String::new() } else { format!(" for {year}") };
            Err(format!(
                "You have {} of {} left{for_year}; this request needs {}.",
                days_phrase(left.max(0)),
                balance.leave_type.name,
                days_phrase(half_days)
            ))
        }
        _ => Ok(()),
    }
}

/// At approval time: other pending requests are not promised yet, so only
/// approved leave counts. `Err` says why it does not fit.
pub fn fits_at_approval(balance: &Balance, half_days: i32, year: i32) -> Result<(), String> {
    let Some(free) = balance.free_after_taken() else {
        return Ok(());
    };
    if half_days <= free {
        return Ok(());
    }
    Err(format!(
        "This request needs {}, but only {} of {} {} left for {year} after the leave already approved. Reject it, or ask HR to change the allowance.",
        days_phrase(half_days),
        days_phrase(free.max(0)),
        balance.leave_type.name,
        if free.max(0) == 2 { "is" } else { "are" },
    ))
}

/// An allowance as HR typed it. Empty: unlimited; otherwise a whole number of
/// days from 0 to 366.
pub fn parse_allowance(text: &str) -> Result<Option<i32>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<i32>() {
        Ok(days) if (0..=MAX_ALLOWANCE_DAYS).contains(&days) => Ok(Some(days)),
        _ => Err(format!(
            "Enter a whole number of days from 0 to {MAX_ALLOWANCE_DAYS}, or leave the field empty for unlimited."
        )),
    }
}

/// A public holiday as HR typed it: a day in `range` and a name.
pub fn check_holiday(day: &str, name: &str, range: (Date, Date)) -> Result<(Date, String), FieldErrors> {
    let (start, end) = range;
    let mut errors = FieldErrors::new();
    let day = if day.trim().is_empty() {
        errors.add("day", "Enter the day.");
        None
    } else {
        match parse_iso_date(day) {
            Some(day) if day >= start && day <= end => Some(day),
            Some(_) => {
                errors.add("day", format!("Choose a day between {} and {}.", long_date(start), long_date(end)));
                None
            }
            None => {
                errors.add("day", "Enter the day as a date, like 2026-12-25.");
                None
            }
        }
    };
    let name = name.trim().to_owned();
    if name.is_empty() {
        errors.add("name", "Enter a name for the holiday.");
    } else if name.chars().count() > MAX_HOLIDAY_NAME_CHARS {
        errors.add("name", format!("Use at most {MAX_HOLIDAY_NAME_CHARS} characters."));
    }
    match day {
        Some(day) if errors.is_empty() => Ok((day, name)),
        _ => Err(errors),
    }
}

/// What cancelling does to a request in `status` whose leave starts on
/// `first_day`: a pending request is simply cancelled; approved leave that has
/// not started goes back to the approver as a cancellation request. Anything
/// else is refused with the reason.
pub fn cancel_outcome(status: LeaveStatus, first_day: Date, today: Date) -> Result<LeaveStatus, &'static str> {
    match status {
        LeaveStatus::Pending => Ok(LeaveStatus::Cancelled),
        LeaveStatus::Approved if first_day > today => Ok(LeaveStatus::CancelRequested),
        LeaveStatus::Approved => {
            Err("This leave has already started, so it can no longer be cancelled here. Ask HR if it needs to change.")
        }
        LeaveStatus::CancelRequested => Err("You have already asked to cancel this leave; your approver will decide."),
        LeaveStatus::Rejected => Err("This request was rejected; there is nothing to cancel."),
        LeaveStatus::Cancelled => Err("This request is already cancelled."),
    }
}

/// Where a decision takes a request in `status`: a pending request is
/// approved or rejected; for a cancellation request, approving cancels the
/// leave and rejecting keeps it approved. `None`: nothing is waiting for a decision.
pub fn decision_outcome(status: LeaveStatus, approve: bool) -> Option<LeaveStatus> {
    match (status, approve) {
        (LeaveStatus::Pending, true) => Some(LeaveStatus::Approved),
        (LeaveStatus::Pending, false) => Some(LeaveStatus::Rejected),
        (LeaveStatus::CancelRequested, true) => Some(LeaveStatus::Cancelled),
        (LeaveStatus::CancelRequested, false) => Some(LeaveStatus::Approved),
        _ => None,
    }
}

/// The years one's leave page links to: every year with a request, this
/// year and next, in order.
pub fn years_to_show(requests: &[LeaveRequest], this_year: i32) -> Vec<i32> {
    let mut years: Vec<i32> = requests.iter().map(|r| r.first_day.year()).chain([this_year, this_year + 1]).collect();
    years.retain(|y| BALANCE_YEARS.contains(y));
    years.sort_unstable();
    years.dedup();
    years
}

/// The years whose balances may be looked up.
pub const BALANCE_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// The year before `year`, `year` and the year after, as far as they lie in
/// `BALANCE_YEARS`: a switcher offers no year that would be refused.
pub fn neighbouring_years(year: i32) -> Vec<i32> {
    (year.saturating_sub(1)..=year.saturating_add(1)).filter(|y| BALANCE_YEARS.contains(y)).collect()
}

/// A year asked for in a balance lookup. `Err` says which ones may be asked for.
pub fn check_balance_year(year: i32) -> Result<i32, String> {
    if BALANCE_YEARS.contains(&year) {
        Ok(year)
    } else {
        Err(format!("Choose a year from {} to {}.", BALANCE_YEARS.start(), BALANCE_YEARS.end()))
    }
}

/// How many items a page of a list has unless asked otherwise, and at most.
pub const DEFAULT_PER_PAGE: i64 = 25;
pub const MAX_PER_PAGE: i64 = 100;

/// A page of a list as asked for: `page` counts from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paging {
    pub page: i64,
    pub per_page: i64,
}

impl Paging {
    /// `page` from 1 (default 1), `per_page` from 1 to `MAX_PER_PAGE` (default
    /// `DEFAULT_PER_PAGE`). A page past the end is simply empty.
    pub fn check(page: Option<i64>, per_page: Option<i64>) -> Result<Self, FieldErrors> {
        let (page, per_page) = (page.unwrap_or(1), per_page.unwrap_or(DEFAULT_PER_PAGE));
        let mut errors = FieldErrors::new();
        if page < 1 {
            errors.add("page", "Pages are numbered from 1.");
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            errors.add("per_page", format!("Choose from 1 to {MAX_PER_PAGE} items per page."));
        }
        if errors.is_empty() { Ok(Paging { page, per_page }) } else { Err(errors) }
    }

    /// How many items come before this page.
    pub fn offset(self) -> i64 {
        (self.page - 1).saturating_mul(self.per_page)
    }

    /// This page's items of the whole list `all`.
    pub fn slice<T>(self, all: Vec<T>) -> Vec<T> {
        let skip = usize::try_from(self.offset()).unwrap_or(usize::MAX);
        let take = usize::try_from(self.per_page).unwrap_or(0);
        all.into_iter().skip(skip).take(take).collect()
    }
}

/// One leave type's balance for one employee and year, in half days.
#[derive(Clone, Debug)]
pub struct Balance {
    pub leave_type: LeaveType,
    /// The calendar year it is for.
    pub year: i32,
    /// The year's allowance, pro-rated in the first year of employment;
    /// `None`: unlimited.
    pub allowance: Option<i32>,
    /// Whether `allowance` is less than the type's full allowance because
    /// the person joined during the year (see `prorated`).
    pub prorated: bool,
    /// Unused days carried over from the year before (see `carried_over`).
    pub carried: i32,
    /// Approved, and approved with a cancellation asked for.
    pub taken: i32,
    pub pending: i32,
}

impl Balance {
    /// What can still be requested; `None` for unlimited types.
    pub fn left(&self) -> Option<i32> {
        self.allowance.map(|a| a + self.carried - self.taken - self.pending)
    }

    /// What approved leave leaves free; `None` for unlimited types.
    pub fn free_after_taken(&self) -> Option<i32> {
        self.allowance.map(|a| a + self.carried - self.taken)
    }
}

/// Sums the requests of `year` into balances, one per type, with the full
/// allowance and nothing carried over.
pub fn tally(types: Vec<LeaveType>, requests: &[LeaveRequest], year: i32) -> Vec<Balance> {
    types
        .into_iter()
        .map(|leave_type| {
            let mut balance = Balance {
                allowance: leave_type.allowance_half_days(),
                year,
                prorated: false,
                carried: 0,
                taken: 0,
                pending: 0,
                leave_type,
            };
            for r in requests.iter().filter(|r| r.leave_type_id == balance.leave_type.id && r.first_day.year() == year)
            {
                match r.status() {
                    LeaveStatus::Approved | LeaveStatus::CancelRequested => balance.taken += r.half_days,
                    LeaveStatus::Pending => balance.pending += r.half_days,
                    LeaveStatus::Rejected | LeaveStatus::Cancelled => {}
                }
            }
            balance
        })
        .collect()
}

/// When someone worked here: from `hired`, until `left` when their
/// employment ended on a known day.
#[derive(Clone, Copy, Debug)]
pub struct Employment {
    pub hired: Date,
    pub left: Option<Date>,
}

/// The share of a yearly allowance of `full` half days for the part of
/// `year` from `hired` (or 1 January) to `left` (or 31 December), by calendar
/// days, rounded to the nearest half day (halfway rounds up). A year wholly
/// before hiring or after leaving gets nothing.
pub fn prorated(full: i32, year: i32, employment: Employment) -> i32 {
    let (Some(start), Some(end)) = (year_start(year), year_end(year)) else {
        return full;
    };
    let from = employment.hired.max(start);
    let to = employment.left.map_or(end, |left| left.min(end));
    if to < from {
        return 0;
    }
    let in_year = (end - start).whole_days() + 1;
    let employed = (to - from).whole_days() + 1;
    let share = (2 * i64::from(full) * employed + in_year) / (2 * in_year);
    i32::try_from(share).unwrap_or(full)
}

/// How much of `previous` (the year before's balance) carries into the next
/// year: its unused days (allowance and what it carried itself, less the
/// leave taken), at most `max_carry` half days. Pending requests do not hold
/// days back; unlimited types carry nothing.
pub fn carried_over(max_carry: i32, previous: &Balance) -> i32 {
    previous.free_after_taken().map_or(0, |unused| unused.clamp(0, max_carry.max(0)))
}

/// The balances of `year`, one per type: each year from the first one that
/// can matter (hiring or the first request, not before `BALANCE_YEARS`) is
/// tallied in turn, its allowance pro-rated by `employment`, and what it
/// leaves unused carried into the next. `requests` are the person's requests
/// that hold days, up to the end of `year`.
pub fn balances_through(
    types: Vec<LeaveType>,
    requests: &[LeaveRequest],
    year: i32,
    employment: Employment,
) -> Vec<Balance> {
    let first_year = requests
        .iter()
        .map(|r| r.first_day.year())
        .chain([employment.hired.year()])
        .min()
        .unwrap_or(year)
        .max(*BALANCE_YEARS.start())
        .min(year);
    let mut carried = vec![0; types.len()];
    let mut balances = Vec::new();
    for y in first_year..=year {
        balances = tally(types.clone(), requests, y);
        for (balance, carried) in balances.iter_mut().zip(&carried) {
            if let Some(full) = balance.allowance {
                let share = prorated(full, y, employment);
                balance.prorated = share < full;
                balance.allowance = Some(share);
                balance.carried = *carried;
            }
        }
        carried = balances.iter().map(|b| carried_over(b.leave_type.max_carry_over_half_days, b)).collect();
    }
    balances
}

/// "3", "3.0" or "2.5" (a comma works too) in half days; anything else is `None`.
fn parse_half_days(text: &str) -> Option<i32> {
    let (whole, fraction) = match text.split_once(['.', ',']) {
        Some((whole, fraction)) => (whole, fraction),
        None => (text, ""),
    };
    if whole.is_empty() || whole.len() > 4 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let half = match fraction {
        "" | "0" | "00" => 0,
        "5" | "50" => 1,
        _ => return None,
    };
    whole.parse::<i32>().ok().map(|days| days * 2 + half)
}

/// A most-carried-over amount as HR typed it, in half days: whole or half
/// days ("3", "2.5"), from 0 to the allowance of `allowance_days` (unlimited
/// types carry nothing, so only 0 or empty). Empty means 0.
pub fn parse_carry_over(text: &str, allowance_days: Option<i32>) -> Result<i32, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(0);
    }
    let Some(max) = allowance_days else {
        return match parse_half_days(text) {
            Some(0) => Ok(0),
            _ => Err("Unlimited types carry nothing over: leave this at 0, or set an allowance first.".into()),
        };
    };
    match parse_half_days(text) {
        Some(half_days) if (0..=max * 2).contains(&half_days) => Ok(half_days),
        _ => {
            Err(format!("Enter whole or half days from 0 to the allowance ({}), like 5 or 2.5.", days_phrase(max * 2)))
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        let may_day = [date!(2026 - 06 - 03)];
        #[rustfmt::skip]
        let cases: &[(Date, Date, bool, &[Date], i32)] = &[
            // Monday to Friday: five days.
            (date!(2026 - 06 - 01), date!(2026 - 06 - 05), false, &[], 10),
            // Through a weekend: Friday and Monday.
            (date!(2026 - 06 - 05), date!(2026 - 06 - 08), false, &[], 4),
            // A holiday on Wednesday.
            (date!(2026 - 06 - 01), date!(2026 - 06 - 05), false, &may_day, 8),
            // A half day.
            (date!(2026 - 06 - 02), date!(2026 - 06 - 02), true, &[], 1),
            // A half day on a Saturday, a full Sunday, a holiday: nothing.
            (date!(2026 - 06 - 06), date!(2026 - 06 - 06), true, &[], 0),
            (date!(2026 - 06 - 07), date!(2026 - 06 - 07), false, &[], 0),
            (date!(2026 - 06 - 03), date!(2026 - 06 - 03), false, &may_day, 0),
            // Reversed: nothing.
            (date!(2026 - 06 - 05), date!(2026 - 06 - 01), false, &[], 0),
        ];
        for &(first, last, half, holidays, expected) in cases {
            assert_eq!(working_half_days(first, last, half, holidays), expected, "{first}..{last} half={half}");
        }
    }

    #[test]
    fn cancelling_depends_on_status_and_start() {
        let today = date!(2026 - 06 - 01);
        let (past, now, future) = (date!(2026 - 05 - 29), today, date!(2026 - 06 - 02));
        use LeaveStatus::*;
        assert_eq!(cancel_outcome(Pending, past, today), Ok(Cancelled));
        assert_eq!(cancel_outcome(Pending, future, today), Ok(Cancelled));
        assert_eq!(cancel_outcome(Approved, future, today), Ok(CancelRequested));
        assert!(cancel_outcome(Approved, now, today).is_err());
        assert!(cancel_outcome(Approved, past, today).is_err());
        for done in [Rejected, Cancelled, CancelRequested] {
            assert!(cancel_outcome(done, future, today).is_err(), "{done:?}");
        }
    }

    #[test]
    fn decisions_move_requests() {
        use LeaveStatus::*;
        assert_eq!(decision_outcome(Pending, true), Some(Approved));
        assert_eq!(decision_outcome(Pending, false), Some(Rejected));
        assert_eq!(decision_outcome(CancelRequested, true), Some(Cancelled));
        assert_eq!(decision_outcome(CancelRequested, false), Some(Approved));
        for decided in [Approved, Rejected, Cancelled] {
            assert_eq!(decision_outcome(decided, true), None);
            assert_eq!(decision_outcome(decided, false), None);
        }
    }

    #[test]
    fn balance_years() {
        assert_eq!(check_balance_year(2000), Ok(2000));
        assert_eq!(check_balance_year(2100), Ok(2100));
        assert!(check_balance_year(1999).is_err());
        assert!(check_balance_year(2101).is_err());
    }

    #[test]
    fn paging() {
        assert_eq!(Paging::check(None, None), Ok(Paging { page: 1, per_page: DEFAULT_PER_PAGE }));
        assert_eq!(Paging::check(Some(3), Some(100)), Ok(Paging { page: 3, per_page: 100 }));
        for (page, per_page, field) in [(0, 25, "page"), (-1, 25, "page"), (1, 0, "per_page"), (1, 101, "per_page")] {
            let errors = Paging::check(Some(page), Some(per_page)).expect_err("refused");
            assert!(errors.has(field), "{page} {per_page}");
        }
        let paging = Paging::check(Some(2), Some(2)).expect("fine");
        assert_eq!(paging.offset(), 2);
        assert_eq!(paging.slice(vec![1, 2, 3, 4, 5]), vec![3, 4]);
        assert_eq!(Paging { page: 4, per_page: 2 }.slice(vec![1, 2, 3]), Vec::<i32>::new());
        assert_eq!(Paging { page: i64::MAX, per_page: 100 }.offset(), i64::MAX);
    }

    fn leave_type(allowance_days: Option<i32>, max_carry_over_half_days: i32) -> LeaveType {
        let at = time::macros::datetime!(2026-01-01 00:00);
        LeaveType {
            id: "annual".into(),
            name: "Annual leave".into(),
            yearly_allowance_days: allowance_days,
            created_at: at,
            updated_at: at,
            max_carry_over_half_days,
        }
    }

    fn approved(first: Date, half_days: i32, status: LeaveStatus) -> LeaveRequest {
        let at = time::macros::datetime!(2026-01-01 00:00);
        LeaveRequest {
            id: format!("r{first}"),
            employee_id: "e".into(),
            leave_type_id: "annual".into(),
            first_day: first,
            last_day: first,
            half_day: false,
            half_days,
            reason: String::new(),
            status: status.as_str().into(),
            approver_employee_id: None,
            decided_by_user_id: None,
            decided_at: None,
            decision_comment: None,
            created_at: at,
            updated_at: at,
        }
    }

    const LONG_AGO: Employment = Employment { hired: date!(2020 - 01 - 01), left: None };

    #[test]
    fn pro_rating_from_the_hire_date() {
        let hired = |day: Date| Employment { hired: day, left: None };
        // 25 days = 50 half days.
        assert_eq!(prorated(50, 2026, hired(date!(2026 - 01 - 01))), 50, "1 January: the full year");
        assert_eq!(prorated(50, 2026, hired(date!(2019 - 05 - 17))), 50, "hired years before");
        // 1 July: 184 of 365 days, 25.2 half days: 12.5 days, about half.
        assert_eq!(prorated(50, 2026, hired(date!(2026 - 07 - 01))), 25);
        // 31 December: 1 day of 365 is 0.14 half days: nothing.
        assert_eq!(prorated(50, 2026, hired(date!(2026 - 12 - 31))), 0);
        // Rounded to the nearest half day: 20 days from 1 October, 92/365 * 40 = 10.08 half days.
        assert_eq!(prorated(40, 2026, hired(date!(2026 - 10 - 01))), 10);
        // 2 April: 274/365 * 50 = 37.53 half days rounds up to 38 (19 days).
        assert_eq!(prorated(50, 2026, hired(date!(2026 - 04 - 02))), 38);
        // A leap year counts 366 days: 1 July 2028 is 184 of 366, 25.14.
        assert_eq!(prorated(50, 2028, hired(date!(2028 - 07 - 01))), 25);
        assert_eq!(prorated(50, 2025, hired(date!(2026 - 07 - 01))), 0, "a year before the hire");
        assert_eq!(prorated(0, 2026, hired(date!(2026 - 07 - 01))), 0);
    }

    #[test]
    fn pro_rating_to_a_last_day() {
        let worked = |hired: Date, left: Date| Employment { hired, left: Some(left) };
        // Left on 30 June 2026: 181 of 365 days, 24.8 half days.
        assert_eq!(prorated(50, 2026, worked(date!(2020 - 01 - 01), date!(2026 - 06 - 30))), 25);
        assert_eq!(prorated(50, 2026, worked(date!(2020 - 01 - 01), date!(2026 - 12 - 31))), 50);
        assert_eq!(prorated(50, 2027, worked(date!(2020 - 01 - 01), date!(2026 - 06 - 30))), 0, "after leaving");
        // Hired and left in one year: 1 April to 30 September is 183 days, 25.07.
        assert_eq!(prorated(50, 2026, worked(date!(2026 - 04 - 01), date!(2026 - 09 - 30))), 25);
    }

    #[test]
    fn carry_over_is_the_unused_days_up_to_the_maximum() {
        let balance = |allowance: Option<i32>, carried: i32, taken: i32, pending: i32| Balance {
            leave_type: leave_type(allowance.map(|a| a / 2), 6),
            year: 2026,
            allowance,
            prorated: false,
            carried,
            taken,
            pending,
        };
        // 5 days unused, at most 3 carried.
        assert_eq!(carried_over(6, &balance(Some(50), 0, 40, 0)), 6);
        // 2 days unused, all of them carried.
        assert_eq!(carried_over(6, &balance(Some(50), 0, 46, 0)), 4);
        // What the year carried itself counts as unused too.
        assert_eq!(carried_over(6, &balance(Some(50), 4, 50, 0)), 4);
        // Pending requests do not hold days back.
        assert_eq!(carried_over(6, &balance(Some(50), 0, 46, 4)), 4);
        // Overdrawn or nothing left: nothing; no maximum: nothing.
        assert_eq!(carried_over(6, &balance(Some(50), 0, 52, 0)), 0);
        assert_eq!(carried_over(0, &balance(Some(50), 0, 0, 0)), 0);
        // Unlimited types carry nothing.
        assert_eq!(carried_over(6, &balance(None, 0, 0, 0)), 0);
    }

    #[test]
    fn balances_carry_from_year_to_year() {
        use LeaveStatus::*;
        let requests = [
            approved(date!(2025 - 03 - 02), 44, Approved), // 22 of 25 days in 2025: 3 unused
            approved(date!(2026 - 03 - 02), 20, Pending),
            approved(date!(2026 - 04 - 02), 10, Rejected),
        ];
        // At most 2 days (4 half days) carry; hired at the start of 2025.
        let types = vec![leave_type(Some(25), 4)];
        let since_2025 = Employment { hired: date!(2025 - 01 - 01), left: None };
        let y2026 = &balances_through(types.clone(), &requests, 2026, since_2025)[0];
        assert_eq!(
            (y2026.year, y2026.allowance, y2026.carried, y2026.taken, y2026.pending),
            (2026, Some(50), 4, 0, 20)
        );
        assert_eq!(y2026.left(), Some(34), "25 + 2 carried - 10 pending");
        // 2026 leaves 27 days unused, 2 carry into 2027; 2028 gets 2 again from 2027.
        let y2027 = &balances_through(types.clone(), &requests, 2027, since_2025)[0];
        assert_eq!((y2027.carried, y2027.left()), (4, Some(54)));
        assert_eq!(balances_through(types.clone(), &requests, 2028, since_2025)[0].carried, 4);
        // Nothing came before the year of hiring.
        assert_eq!(balances_through(types.clone(), &requests, 2025, since_2025)[0].carried, 0);
        // Hired long before, every unused year carried its 2 days into the next.
        assert_eq!(balances_through(types, &requests, 2025, LONG_AGO)[0].carried, 4);
        // No carry-over set: nothing carries.
        let none = &balances_through(vec![leave_type(Some(25), 0)], &requests, 2026, since_2025)[0];
        assert_eq!((none.carried, none.left()), (0, Some(30)));
        // Unlimited: nothing carries, nothing is left to count.
        let unlimited = &balances_through(vec![leave_type(None, 4)], &requests, 2026, LONG_AGO)[0];
        assert_eq!((unlimited.allowance, unlimited.carried, unlimited.left()), (None, 0, None));
    }

    #[test]
    fn a_pro_rated_first_year_carries_what_it_left_unused() {
        // Hired 1 July 2026: 12.5 days, 10.5 taken, 2 unused; at most 5 carry.
        let employment = Employment { hired: date!(2026 - 07 - 01), left: None };
        let requests = [approved(date!(2026 - 09 - 01), 21, LeaveStatus::Approved)];
        let types = vec![leave_type(Some(25), 10)];
        let first = &balances_through(types.clone(), &requests, 2026, employment)[0];
        assert_eq!((first.allowance, first.prorated, first.left()), (Some(25), true, Some(4)));
        let second = &balances_through(types, &requests, 2027, employment)[0];
        assert_eq!((second.allowance, second.prorated, second.carried, second.left()), (Some(50), false, 4, Some(54)));
    }

    #[test]
    fn fitting_counts_the_carried_days() {
        let b = Balance {
            leave_type: leave_type(Some(25), 6),
            year: 2027,
            allowance: Some(50),
            prorated: false,
            carried: 6,
            taken: 40,
            pending: 10,
        };
        let today = date!(2026 - 06 - 01);
        // 25 + 3 - 20 - 5 = 3 days left to request.
        assert!(fits_at_request(&b, 6, today, 2027).is_ok());
        assert_eq!(
            fits_at_request(&b, 7, today, 2027),
            Err("You have 3 days of Annual leave left for 2027; this request needs 3.5 days.".into())
        );
        // Approving counts approved leave only: 8 days free.
        assert!(fits_at_approval(&b, 16, 2027).is_ok());
        assert!(fits_at_approval(&b, 17, 2027).is_err());
    }

    #[test]
    fn carry_over_as_typed() {
        assert_eq!(parse_carry_over("", Some(25)), Ok(0));
        assert_eq!(parse_carry_over(" 3 ", Some(25)), Ok(6));
        assert_eq!(parse_carry_over("2.5", Some(25)), Ok(5));
        assert_eq!(parse_carry_over("2,5", Some(25)), Ok(5));
        assert_eq!(parse_carry_over("4.0", Some(25)), Ok(8));
        assert_eq!(parse_carry_over("25", Some(25)), Ok(50));
        assert_eq!(parse_carry_over("0", None), Ok(0));
        for bad in ["26", "25.5", "-1", "1.25", "2.5.5", ".5", "x", "1e3", "99999"] {
            assert!(parse_carry_over(bad, Some(25)).is_err(), "{bad}");
        }
        assert!(parse_carry_over("3", None).is_err(), "unlimited types carry nothing");
        assert!(parse_carry_over("1", Some(0)).is_err());
    }

    #[test]
    fn neighbouring_years_stay_within_the_years_that_can_be_asked_for() {
        assert_eq!(neighbouring_years(2026), vec![2025, 2026, 2027]);
        assert_eq!(neighbouring_years(2000), vec![2000, 2001]);
        assert_eq!(neighbouring_years(2100), vec![2099, 2100]);
    }

    #[test]
    fn years_to_show_have_requests_or_are_this_year_or_next() {
        let requests = [
            approved(date!(2024 - 03 - 02), 2, LeaveStatus::Approved),
            approved(date!(2024 - 05 - 02), 2, LeaveStatus::Cancelled),
            approved(date!(2027 - 01 - 04), 2, LeaveStatus::Pending),
        ];
        assert_eq!(years_to_show(&requests, 2026), vec![2024, 2026, 2027]);
        assert_eq!(years_to_show(&[], 2026), vec![2026, 2027]);
    }

    #[test]
    fn statuses_round_trip() {
        for status in LeaveStatus::ALL {
            assert_eq!(LeaveStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(LeaveStatus::parse("maybe"), None);
    }
}
