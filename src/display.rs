//! How dates, times, ids and page numbers are shown and read back, for every page.

use time::Date;
use time::macros::format_description;

use crate::clock::Timestamp;
use crate::models::employee::EmployeeStatus;
use crate::models::leave::{LeaveRequest, LeaveStatus};

/// `2026-06-08`, as `<input type="date">` sends and shows it.
pub fn parse_iso_date(text: &str) -> Option<Date> {
    Date::parse(text.trim(), format_description!("[year]-[month]-[day]")).ok()
}

pub fn iso_date(day: Date) -> String {
    day.format(format_description!("[year]-[month]-[day]")).unwrap_or_default()
}

/// "8 June 2026".
pub fn long_date(day: Date) -> String {
    day.format(format_description!("[day padding:none] [month repr:long] [year]")).unwrap_or_default()
}

/// "Firefox on Linux" from a User-Agent header: enough for a person to recognise a device.
pub fn browser_label(user_agent: &str) -> String {
    let has = |needle: &str| user_agent.contains(needle);
    let browser = if has("Edg/") {
        "Edge"
    } else if has("Firefox/") {
        "Firefox"
    } else if has("Chrome/") || has("Chromium/") {
        "Chrome"
    } else if has("Safari/") {
        "Safari"
    } else {
        return if user_agent.trim().is_empty() { "Unknown browser".into() } else { "Other browser".into() };
    };
    let os = if has("Android") {
        " on Android"
    } else if has("iPhone") || has("iPad") {
        " on iOS"
    } else if has("Windows") {
        " on Windows"
    } else if has("Mac OS X") {
        " on macOS"
    } else if has("Linux") {
        " on Linux"
    } else {
        ""
    };
    format!("{browser}{os}")
}

/// "Mon 8 Jun 2026".
pub fn short_date(day: Date) -> String {
    day.format(format_description!("[weekday repr:short] [day padding:none] [month repr:short] [year]"))
        .unwrap_or_default()
}

/// "1 Jun 2026"
pub fn date(t: Timestamp) -> String {
    t.format(format_description!("[day padding:none] [month repr:short] [year]")).unwrap_or_default()
}

/// "2026-06-01 09:00:05": the audit log needs seconds.
pub fn precise(t: Timestamp) -> String {
    t.format(format_description!("[year]-[month]-[day] [hour]:[minute]:[second]")).unwrap_or_default()
}

/// A count with thousands separated: 50000 as "50,000".
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The first 8 characters of an id: enough to tell sessions apart on screen.
pub fn short_id(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// "3", "2.5", "-1.5": half days shown as days.
pub fn format_days(half_days: i32) -> String {
    let sign = if half_days < 0 { "-" } else { "" };
    let abs = half_days.unsigned_abs();
    if abs.is_multiple_of(2) { format!("{sign}{}", abs / 2) } else { format!("{sign}{}.5", abs / 2) }
}

/// "1 day", "0.5 days", "12 days".
pub fn days_phrase(half_days: i32) -> String {
    if half_days == 2 { "1 day".to_owned() } else { format!("{} days", format_days(half_days)) }
}

pub fn leave_status_label(status: LeaveStatus) -> &'static str {
    match status {
        LeaveStatus::Pending => "Pending",
        LeaveStatus::Approved => "Approved",
        LeaveStatus::Rejected => "Rejected",
        LeaveStatus::Cancelled => "Cancelled",
        LeaveStatus::CancelRequested => "Cancellation requested",
    }
}

/// The CSS class of a leave status pill.
pub fn leave_status_class(status: LeaveStatus) -> &'static str {
    match status {
        LeaveStatus::Pending | LeaveStatus::CancelRequested => "pill-amber",
        LeaveStatus::Approved => "pill-green",
        LeaveStatus::Rejected => "pill-red",
        LeaveStatus::Cancelled => "pill-grey",
    }
}

/// The CSS class of an employee status pill.
pub fn employee_status_class(status: EmployeeStatus) -> &'static str {
    match status {
        EmployeeStatus::Active => "pill-green",
        EmployeeStatus::OnLeave => "pill-amber",
        EmployeeStatus::Terminated => "pill-red",
    }
}

/// "Mon 8 Jun 2026 – Fri 12 Jun 2026", or one day, marked when it is a half day.
pub fn date_span(request: &LeaveRequest) -> String {
    if request.first_day == request.last_day {
        let half = if request.half_day { " (half day)" } else { "" };
        format!("{}{half}", short_date(request.first_day))
    } else {
        format!("{} – {}", short_date(request.first_day), short_date(request.last_day))
    }
}

/// "on 8 June 2026" or "from 8 June 2026 to 12 June 2026".
pub fn span_words(request: &LeaveRequest) -> String {
    if request.first_day == request.last_day {
        format!("on {}", long_date(request.first_day))
    } else {
        format!("from {} to {}", long_date(request.first_day), long_date(request.last_day))
    }
}

/// Where a paginated list is, and the links to its neighbours.
#[derive(Clone, Debug)]
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub per_page: i64,
    /// False when counting stopped early: there are more than `total`, on
    /// more than `pages` pages.
    pub exact: bool,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
}

impl Pager {
    /// `requested` is the `page` query parameter: anything that is not a page
    /// number means the first page; past the end means the last one.
    pub fn new(requested: Option<&str>, total: i64, per_page: i64) -> Self {
        let pages = ((total + per_page - 1) / per_page).max(1);
        let page = requested.and_then(|p| p.trim().parse::<i64>().ok()).unwrap_or(1).clamp(1, pages);
        Pager { page, pages, total, per_page, exact: true, prev_href: None, next_href: None }
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }

    /// Fills in the links to the previous and next pages of `path`, keeping
    /// the non-empty `params` (the filters).
    pub fn with_links(mut self, path: &str, params: &[(&str, &str)]) -> Self {
        let href = |page: i64| page_href(path, params, page);
        self.prev_href = (self.page > 1).then(|| href(self.page - 1));
        self.next_href = (self.page < self.pages).then(|| href(self.page + 1));
        self
    }

    /// 1-based numbers of the first and last item shown, for "1–25 of 60".
    pub fn first_item(&self) -> i64 {
        if self.total == 0 { 0 } else { self.offset() + 1 }
    }

    pub fn last_item(&self) -> i64 {
        (self.offset() + self.per_page).min(self.total)
    }
}

/// `path?filters&page=N`, leaving out empty filters and page 1.
pub fn page_href(path: &str, params: &[(&str, &str)], page: i64) -> String {
    let page = page.to_string();
    let mut pairs: Vec<(&str, &str)> = params.iter().copied().filter(|(_, v)| !v.is_empty()).collect();
    if page != "1" {
        pairs.push(("page", &page));
    }
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    if query.is_empty() { path.to_owned() } else { format!("{path}?{query}") }
}

#[cfg(test)]
mod tests {
    #[test]
    fn browsers_are_named_from_their_user_agent() {
        let chrome_linux =
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0 Safari/537.36";
        assert_eq!(browser_label(chrome_linux), "Chrome on Linux");
        let firefox_win = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:130.0) Gecko/20100101 Firefox/130.0";
        assert_eq!(browser_label(firefox_win), "Firefox on Windows");
        let safari_ios = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(browser_label(safari_ios), "Safari on iOS");
        assert_eq!(browser_label(""), "Unknown browser");
        assert_eq!(browser_label("curl/8.0"), "Other browser");
    }

    use super::*;

    #[test]
    fn counts_are_grouped_in_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(50000), "50,000");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(-1000), "-1,000");
    }

    #[test]
    fn pages_are_clamped_and_links_keep_the_filters() {
        let pager = Pager::new(Some("9"), 60, 25).with_links("/admin/users", &[("q", "ann & co"), ("x", "")]);
        assert_eq!((pager.page, pager.pages, pager.offset()), (3, 3, 50));
        assert_eq!(pager.prev_href.as_deref(), Some("/admin/users?q=ann+%26+co&page=2"));
        assert_eq!(pager.next_href, None);
        assert_eq!((pager.first_item(), pager.last_item()), (51, 60));
        let first = Pager::new(Some("nonsense"), 0, 25).with_links("/a", &[]);
        assert_eq!((first.page, first.pages, first.first_item(), first.last_item()), (1, 1, 0, 0));
        assert_eq!(page_href("/a", &[], 1), "/a");
        assert_eq!(Pager::new(Some("-4"), 100, 25).page, 1);
    }

    #[test]
    fn half_days_read_as_days() {
        for (half_days, text, phrase) in [
            (0, "0", "0 days"),
            (1, "0.5", "0.5 days"),
            (2, "1", "1 day"),
            (5, "2.5", "2.5 days"),
            (-3, "-1.5", "-1.5 days"),
        ] {
            assert_eq!(format_days(half_days), text);
            assert_eq!(days_phrase(half_days), phrase);
        }
    }

    #[test]
    fn short_ids_never_panic() {
        assert_eq!(short_id("0123456789"), "01234567");
        assert_eq!(short_id("abc"), "abc");
        assert_eq!(short_id("ééééé"), "éééé");
    }
}
