//! Time comes from an injectable clock so that expiry, idle timeout, absolute
//! lifetime and the reuse grace interval are tested without sleeping.

use std::sync::Mutex;

use time::{Duration, OffsetDateTime, PrimitiveDateTime};

/// UTC wall-clock time as stored in the database.
pub type Timestamp = PrimitiveDateTime;

pub trait Clock: Send + Sync + 'static {
    /// Now, in UTC, truncated to microseconds: PostgreSQL keeps no more, and a
    /// value must compare equal after a round trip through either database.
    fn now(&self) -> Timestamp;
}

fn truncate_to_micros(t: OffsetDateTime) -> Timestamp {
    let t = t.to_offset(time::UtcOffset::UTC);
    let micros = t.microsecond();
    let time = t.time().replace_microsecond(micros).unwrap_or(t.time());
    PrimitiveDateTime::new(t.date(), time)
}

/// Seconds since the Unix epoch, for JWT claims.
pub fn unix(t: Timestamp) -> i64 {
    t.assume_utc().unix_timestamp()
}

#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        truncate_to_micros(OffsetDateTime::now_utc())
    }
}

/// A clock that only moves when told to: for tests.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<Timestamp>,
}

impl ManualClock {
    pub fn new(start: OffsetDateTime) -> Self {
        Self { now: Mutex::new(truncate_to_micros(start)) }
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.now.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
