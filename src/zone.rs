//! The portal's time zone (`--time-zone`): how stored times, always UTC, are
//! shown to people and how the days they type are read back.
//!
//! A fixed offset from UTC (`UTC`, `+01:00`, `-05:30`), not a named zone: the
//! `time` crate has no time-zone database, and adding one (chrono-tz, jiff)
//! for the audit page alone was not worth a dependency. The price, documented
//! on the flag: the offset does not follow daylight saving time changes.

use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::clock::Timestamp;

/// A fixed offset from UTC and its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zone {
    offset: UtcOffset,
}

impl Default for Zone {
    fn default() -> Self {
        Zone::UTC
    }
}

impl Zone {
    pub const UTC: Zone = Zone { offset: UtcOffset::UTC };

    /// `UTC` (or `Z`), `+01:00`, `-05:30`, `+0100` or `+1`; at most 18 hours
    /// either way. A named zone is refused with a message saying what to use.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let refuse = || {
            format!(
                "--time-zone {text:?} is not a UTC offset: use UTC or an offset like +01:00 or -05:30 \
                 (named zones such as Europe/Berlin are not supported; the offset does not follow daylight saving time)"
            )
        };
        if text.eq_ignore_ascii_case("utc") || text.eq_ignore_ascii_case("z") {
            return Ok(Zone::UTC);
        }
        let rest = text.strip_prefix("UTC").or_else(|| text.strip_prefix("utc")).unwrap_or(text);
        let (sign, digits) = match rest.chars().next() {
            Some('+') => (1, &rest[1..]),
            Some('-') => (-1, &rest[1..]),
            _ => return Err(refuse()),
        };
        let (hours, minutes) = match digits.split_once(':') {
            Some((h, m)) => (h, m),
            None if digits.len() == 4 => digits.split_at(2),
            None => (digits, "0"),
        };
        let number = |s: &str| -> Option<i8> {
            (!s.is_empty() && s.len() <= 2 && s.chars().all(|c| c.is_ascii_digit())).then(|| s.parse().ok()).flatten()
        };
        let (Some(hours), Some(minutes)) = (number(hours), number(minutes)) else {
            return Err(refuse());
        };
        if hours > 18 || minutes > 59 {
            return Err(refuse());
        }
        let offset = UtcOffset::from_hms(sign * hours, sign * minutes, 0).map_err(|_| refuse())?;
        Ok(Zone { offset })
    }

    /// `UTC`, or `UTC+01:00`: shown beside every time.
    pub fn name(&self) -> String {
        if self.offset.is_utc() {
            return "UTC".to_owned();
        }
        format!("UTC{}", self.offset_text())
    }

    /// `+01:00` (`+00:00` for UTC), as ISO 8601 writes it.
    fn offset_text(&self) -> String {
        self.offset.format(format_description!("[offset_hour sign:mandatory]:[offset_minute]")).unwrap_or_default()
    }

    /// A stored (UTC) time as the wall clock here reads it.
    pub fn local(&self, t: Timestamp) -> OffsetDateTime {
        let utc = t.assume_utc();
        utc.checked_to_offset(self.offset).unwrap_or(utc)
    }

    /// The day a stored time falls on here.
    pub fn day_of(&self, t: Timestamp) -> Date {
        self.local(t).date()
    }

    /// The stored (UTC) time at which `day` begins here; `None` at the ends of the calendar.
    pub fn start_of(&self, day: Date) -> Option<Timestamp> {
        let utc =
            PrimitiveDateTime::new(day, Time::MIDNIGHT).assume_offset(self.offset).checked_to_offset(UtcOffset::UTC)?;
        Some(PrimitiveDateTime::new(utc.date(), utc.time()))
    }

    /// "2026-06-01 10:00:05": the audit log needs seconds (the zone is named once on the page).
    pub fn precise(&self, t: Timestamp) -> String {
        self.local(t).format(format_description!("[year]-[month]-[day] [hour]:[minute]:[second]")).unwrap_or_default()
    }

    /// "1 Jun 2026, 10:00 UTC+01:00".
    pub fn date_time(&self, t: Timestamp) -> String {
        let text = self
            .local(t)
            .format(format_description!("[day padding:none] [month repr:short] [year], [hour]:[minute]"))
            .unwrap_or_default();
        format!("{text} {}", self.name())
    }

    /// "2026-06-01T10:00:05+01:00": ISO 8601 with the offset, for exports.
    pub fn iso(&self, t: Timestamp) -> String {
        let text = self
            .local(t)
            .format(format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"))
            .unwrap_or_default();
        format!("{text}{}", self.offset_text())
    }
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    #[test]
    fn offsets_parse_and_named_zones_are_refused() {
        assert_eq!(Zone::parse("UTC"), Ok(Zone::UTC));
        assert_eq!(Zone::parse(" z "), Ok(Zone::UTC));
        assert_eq!(Zone::parse("+00:00").map(|z| z.name()), Ok("UTC".to_owned()));
        assert_eq!(Zone::parse("+01:00").map(|z| z.name()), Ok("UTC+01:00".to_owned()));
        assert_eq!(Zone::parse("UTC+1").map(|z| z.name()), Ok("UTC+01:00".to_owned()));
        assert_eq!(Zone::parse("-0530").map(|z| z.name()), Ok("UTC-05:30".to_owned()));
        assert_eq!(Zone::parse("+05:45").map(|z| z.name()), Ok("UTC+05:45".to_owned()));
        for bad in ["", "Europe/Berlin", "CET", "+25:00", "+01:60", "+1:2:3", "++1", "+", "+abc", "1"] {
            let err = Zone::parse(bad).unwrap_err();
            assert!(err.contains("--time-zone") && err.contains("+01:00"), "{bad}: {err}");
        }
    }

    #[test]
    fn times_are_shown_in_the_zone_and_days_start_at_local_midnight() {
        let plus_one = Zone::parse("+01:00").unwrap();
        let late = datetime!(2026-03-02 23:30);
        assert_eq!(plus_one.day_of(late), date!(2026 - 03 - 03), "23:30 UTC is the next day at +01:00");
        assert_eq!(Zone::UTC.day_of(late), date!(2026 - 03 - 02));
        assert_eq!(plus_one.precise(late), "2026-03-03 00:30:00");
        assert_eq!(plus_one.iso(late), "2026-03-03T00:30:00+01:00");
        assert_eq!(Zone::UTC.iso(late), "2026-03-02T23:30:00+00:00");
        assert_eq!(plus_one.date_time(late), "3 Mar 2026, 00:30 UTC+01:00");
        assert_eq!(plus_one.start_of(date!(2026 - 03 - 03)), Some(datetime!(2026-03-02 23:00)));
        assert_eq!(Zone::parse("-05:00").unwrap().start_of(date!(2026 - 03 - 03)), Some(datetime!(2026-03-03 05:00)));
        assert_eq!(plus_one.start_of(Date::MIN), None, "never a panic at the ends of the calendar");
    }
}
