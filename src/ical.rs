//! Writing iCalendar (RFC 5545) for calendar feeds, as pure functions: text
//! escaping, line folding and all-day events, so that a name with a comma or
//! a long holiday name cannot break the file a calendar app reads.

use time::{Date, PrimitiveDateTime};

/// One all-day event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Stable across reads, so calendar apps update the event instead of adding it again.
    pub uid: String,
    pub summary: String,
    pub first_day: Date,
    /// Inclusive; written as the exclusive `DTEND` the format wants.
    pub last_day: Date,
    /// Not yet decided (`STATUS:TENTATIVE`).
    pub tentative: bool,
    /// Does not make the reader look busy (someone else's absence, a holiday).
    pub free: bool,
}

/// A whole calendar named `name`, its events stamped `stamp` (UTC), lines
/// ended by CRLF and folded at 75 octets.
pub fn calendar(name: &str, stamp: PrimitiveDateTime, events: &[Event]) -> String {
    let mut out = String::new();
    let mut put = |line: String| out.push_str(&fold(&line));
    put("BEGIN:VCALENDAR".into());
    put("VERSION:2.0".into());
    put("PRODID:-//hrms//leave calendar//EN".into());
    put("CALSCALE:GREGORIAN".into());
    put("METHOD:PUBLISH".into());
    put(format!("X-WR-CALNAME:{}", text(name)));
    let stamp = format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        stamp.year(),
        u8::from(stamp.month()),
        stamp.day(),
        stamp.hour(),
        stamp.minute(),
        stamp.second()
    );
    for event in events {
        put("BEGIN:VEVENT".into());
        put(format!("UID:{}", text(&event.uid)));
        put(format!("DTSTAMP:{stamp}"));
        put(format!("DTSTART;VALUE=DATE:{}", day(event.first_day)));
        // DTEND of an all-day event is the day after the last one.
        let end = event.last_day.next_day().unwrap_or(event.last_day);
        put(format!("DTEND;VALUE=DATE:{}", day(end)));
        put(format!("SUMMARY:{}", text(&event.summary)));
        put(format!("STATUS:{}", if event.tentative { "TENTATIVE" } else { "CONFIRMED" }));
        put(format!("TRANSP:{}", if event.free { "TRANSPARENT" } else { "OPAQUE" }));
        put("END:VEVENT".into());
    }
    put("END:VCALENDAR".into());
    out
}

fn day(date: Date) -> String {
    format!("{:04}{:02}{:02}", date.year(), u8::from(date.month()), date.day())
}

/// A TEXT value: backslash, semicolon and comma escaped, newlines as `\n`,
/// other control characters dropped.
pub fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// One content line, folded so that no line is longer than 75 octets (a
/// continuation starts with a space) and never inside a UTF-8 character,
/// ended by CRLF.
pub fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for c in line.chars() {
        // A continuation line's leading space counts towards its 75.
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    #[test]
    fn text_values_escape_what_the_format_reserves() {
        assert_eq!(text("Ann, Bo; and C\\D"), "Ann\\, Bo\\; and C\\\\D");
        assert_eq!(text("two\nlines\r\u{7}"), "two\\nlines");
        assert_eq!(text("Zoë"), "Zoë");
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_a_character() {
        let line = format!("SUMMARY:{}", "é".repeat(60));
        let folded = fold(&line);
        assert!(folded.ends_with("\r\n"));
        for part in folded.trim_end_matches("\r\n").split("\r\n") {
            assert!(part.len() <= 75, "{} octets: {part:?}", part.len());
        }
        let unfolded = folded.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, line, "unfolding gives the line back");
        assert_eq!(fold("SHORT:x"), "SHORT:x\r\n");
    }

    #[test]
    fn an_all_day_event_ends_the_day_after_its_last_day() {
        let event = Event {
            uid: "r1@hrms".into(),
            summary: "Ann Example: away".into(),
            first_day: date!(2026 - 12 - 30),
            last_day: date!(2026 - 12 - 31),
            tentative: true,
            free: true,
        };
        let ics = calendar("hrms: Ann", datetime!(2026-12-03 09:05:07), &[event]);
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        for line in [
            "DTSTAMP:20261203T090507Z",
            "DTSTART;VALUE=DATE:20261230",
            "DTEND;VALUE=DATE:20270101",
            "STATUS:TENTATIVE",
            "TRANSP:TRANSPARENT",
            "X-WR-CALNAME:hrms: Ann",
        ] {
            assert!(ics.contains(&format!("\r\n{line}\r\n")), "{line} in {ics}");
        }
        assert!(!ics.replace("\r\n", "").contains('\n'), "every line ends with CRLF");
    }
}
