//! Prometheus metrics, kept in memory and rendered in the text format at
//! `/metrics`. Small and dependency-free: counters are atomics, per-route
//! figures sit behind one short-held mutex.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
pub struct Metrics {
    /// (route, status) -> count
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    /// route -> latency histogram
    latency: Mutex<BTreeMap<String, Histogram>>,
    pub sign_ins: AtomicU64,
    pub sign_in_failures: AtomicU64,
    pub sign_ins_throttled: AtomicU64,
    pub refreshes: AtomicU64,
    pub refresh_reuse: AtomicU64,
    pub mail_sent: AtomicU64,
    pub mail_failed: AtomicU64,
}

/// One of the event counters.
#[derive(Clone, Copy, Debug)]
pub enum Counter {
    SignIn,
    SignInFailure,
    SignInThrottled,
    Refresh,
    RefreshReuse,
    MailSent,
    /// A delivery attempt that failed (it may be retried).
    MailFailed,
}

impl Metrics {
    pub fn count(&self, counter: Counter) {
        let c = match counter {
            Counter::SignIn => &self.sign_ins,
            Counter::SignInFailure => &self.sign_in_failures,
            Counter::SignInThrottled => &self.sign_ins_throttled,
            Counter::Refresh => &self.refreshes,
            Counter::RefreshReuse => &self.refresh_reuse,
            Counter::MailSent => &self.mail_sent,
            Counter::MailFailed => &self.mail_failed,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    pub fn observe_request(&self, route: &str, status: u16, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        {
            let mut requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
            *requests.entry((route.to_owned(), status)).or_default() += 1;
        }
        let mut latency = self.latency.lock().unwrap_or_else(|p| p.into_inner());
        let h = latency.entry(route.to_owned()).or_default();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                h.counts[i] += 1;
            }
        }
        h.count += 1;
        h.sum += secs;
    }

    /// The Prometheus text exposition format; `active_sessions` is read from
    /// the database by the caller, `password_checks` from `Passwords::checks`.
    pub fn render(&self, active_sessions: i64, password_checks: u64) -> String {
        let mut out = String::new();
        let counter = |out: &mut String, name: &str, help: &str, value: u64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}");
        };
        let _ = writeln!(out, "# HELP hrms_http_requests_total HTTP requests by route and status.");
        let _ = writeln!(out, "# TYPE hrms_http_requests_total counter");
        for ((route, status), n) in self.requests.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            let _ = writeln!(out, "hrms_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}");
        }
        let _ = writeln!(out, "# HELP hrms_http_request_duration_seconds Time to answer, by route.");
        let _ = writeln!(out, "# TYPE hrms_http_request_duration_seconds histogram");
        for (route, h) in self.latency.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            for (bound, n) in BUCKETS.iter().zip(h.counts) {
                let _ =
                    writeln!(out, "hrms_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}");
            }
            let _ =
                writeln!(out, "hrms_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}", h.count);
            let _ = writeln!(out, "hrms_http_request_duration_seconds_sum{{route=\"{route}\"}} {}", h.sum);
            let _ = writeln!(out, "hrms_http_request_duration_seconds_count{{route=\"{route}\"}} {}", h.count);
        }
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        counter(&mut out, "hrms_sign_ins_total", "Successful sign-ins.", load(&self.sign_ins));
        counter(&mut out, "hrms_sign_in_failures_total", "Failed sign-ins.", load(&self.sign_in_failures));
        counter(
            &mut out,
            "hrms_sign_ins_throttled_total",
            "Sign-ins refused by throttling.",
            load(&self.sign_ins_throttled),
        );
        counter(&mut out, "hrms_refreshes_total", "Refresh-token rotations.", load(&self.refreshes));
        counter(
            &mut out,
            "hrms_refresh_reuse_total",
            "Reused refresh tokens (sessions revoked).",
            load(&self.refresh_reuse),
        );
        counter(&mut out, "hrms_password_checks_total", "Passwords verified with bcrypt.", password_checks);
        counter(&mut out, "hrms_mail_sent_total", "Messages delivered.", load(&self.mail_sent));
        counter(&mut out, "hrms_mail_failed_attempts_total", "Delivery attempts that failed.", load(&self.mail_failed));
        let _ = writeln!(
            out,
            "# HELP hrms_active_sessions Sessions neither revoked nor expired.\n# TYPE hrms_active_sessions gauge\nhrms_active_sessions {active_sessions}"
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_route_and_status_with_a_latency_histogram() {
        let m = Metrics::default();
        m.observe_request("/dashboard", 200, Duration::from_millis(3));
        m.observe_request("/dashboard", 200, Duration::from_millis(30));
        m.observe_request("/login", 401, Duration::from_millis(300));
        m.count(Counter::SignInFailure);
        let text = m.render(7, 3);
        assert!(text.contains("hrms_http_requests_total{route=\"/dashboard\",status=\"200\"} 2"));
        assert!(text.contains("hrms_http_requests_total{route=\"/login\",status=\"401\"} 1"));
        assert!(text.contains("hrms_http_request_duration_seconds_bucket{route=\"/dashboard\",le=\"0.005\"} 1"));
        assert!(text.contains("hrms_http_request_duration_seconds_bucket{route=\"/dashboard\",le=\"0.05\"} 2"));
        assert!(text.contains("hrms_http_request_duration_seconds_count{route=\"/dashboard\"} 2"));
        assert!(text.contains("hrms_sign_in_failures_total 1"));
        assert!(text.contains("hrms_active_sessions 7"));
        assert!(text.contains("hrms_password_checks_total 3"));
    }
}
