//! A request budget per API session, so that one runaway script cannot take
//! the portal down for everyone: at most N requests per minute per session
//! (`--api-requests-per-minute`), counted per instance in fixed one-minute
//! windows. Only sessions with a valid token are counted, so an anonymous
//! client cannot grow the table; finished windows are dropped as it grows.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::clock::{Timestamp, unix};

pub struct SessionRate {
    per_minute: u32,
    windows: Mutex<HashMap<String, (i64, u32)>>,
}

/// Above this many sessions in the table, finished windows are swept out.
const SWEEP_ABOVE: usize = 10_000;

impl SessionRate {
    pub fn new(per_minute: u32) -> Self {
        Self { per_minute, windows: Mutex::new(HashMap::new()) }
    }

    /// `Ok` to go ahead, or the seconds until this session's next window.
    pub fn admit(&self, session_id: &str, now: Timestamp) -> Result<(), u64> {
        let now = unix(now);
        let minute = now.div_euclid(60);
        let mut windows = self.windows.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if windows.len() > SWEEP_ABOVE {
            windows.retain(|_, (m, _)| *m == minute);
        }
        let entry = windows.entry(session_id.to_owned()).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        if entry.1 >= self.per_minute {
            return Err(((minute + 1) * 60 - now).max(1) as u64);
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn a_session_gets_its_budget_per_minute_and_others_are_untouched() {
        let rate = SessionRate::new(3);
        let t = datetime!(2026-01-01 12:00:10);
        for _ in 0..3 {
            assert_eq!(rate.admit("a", t), Ok(()));
        }
        assert_eq!(rate.admit("a", t), Err(50), "told to come back when the minute ends");
        assert_eq!(rate.admit("b", t), Ok(()), "another session has its own budget");
        assert_eq!(rate.admit("a", t + time::Duration::seconds(50)), Ok(()), "a new minute, a new budget");
    }
}
