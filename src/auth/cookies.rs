//! The cookies: access token, refresh token, the pre-session CSRF seed and
//! the browser id (`devices`). All HttpOnly, SameSite=Lax, Path=/; over https also Secure with the
//! `__Host-` prefix, which binds them to this exact origin.

use time::Duration;
use tower_cookies::cookie::SameSite;
use tower_cookies::{Cookie, Cookies};

use crate::clock::Timestamp;

#[derive(Clone, Debug)]
pub struct CookieNames {
    pub access: String,
    pub refresh: String,
    pub pre_session: String,
    pub device: String,
    secure: bool,
}

impl CookieNames {
    pub fn new(https: bool) -> Self {
        let prefix = if https { "__Host-" } else { "" };
        Self {
            access: format!("{prefix}hrms_access"),
            refresh: format!("{prefix}hrms_refresh"),
            pre_session: format!("{prefix}hrms_presession"),
            device: format!("{prefix}hrms_device"),
            secure: https,
        }
    }

    fn build(&self, name: &str, value: String, max_age: Option<Duration>) -> Cookie<'static> {
        let mut cookie = Cookie::build((name.to_owned(), value))
            .http_only(true)
            .same_site(SameSite::Lax)
            .path("/")
            .secure(self.secure);
        if let Some(age) = max_age {
            cookie = cookie.max_age(age.max(Duration::ZERO));
        }
        cookie.build()
    }

    pub fn set_access(&self, cookies: &Cookies, token: String, ttl: Duration) {
        cookies.add(self.build(&self.access, token, Some(ttl)));
    }

    pub fn set_refresh(&self, cookies: &Cookies, token: String, expires_at: Timestamp, now: Timestamp) {
        cookies.add(self.build(&self.refresh, token, Some(expires_at - now)));
    }

    /// Expires both session cookies in the browser.
    pub fn clear_session(&self, cookies: &Cookies) {
        for name in [&self.access, &self.refresh] {
            cookies.add(self.build(name, String::new(), Some(Duration::ZERO)));
        }
    }

    /// A browser-session cookie (no Max-Age): the CSRF seed before sign-in.
    pub fn set_pre_session(&self, cookies: &Cookies, value: String) {
        cookies.add(self.build(&self.pre_session, value, None));
    }

    /// The browser id, kept for 400 days (the longest browsers allow).
    pub fn set_device(&self, cookies: &Cookies, device_id: String) {
        cookies.add(self.build(&self.device, device_id, Some(Duration::days(400))));
    }

    /// This browser's id, if it carries one of ours.
    pub fn device(&self, cookies: &Cookies) -> Option<String> {
        Self::get(cookies, &self.device).filter(|d| crate::auth::devices::is_device_id(d))
    }

    pub fn get(cookies: &Cookies, name: &str) -> Option<String> {
        cookies.get(name).map(|c| c.value().to_owned()).filter(|v| !v.is_empty())
    }
}
