//! The application state: one `App` behind an `Arc`, cloned into every handler.

use std::ops::Deref;
use std::sync::Arc;

use anyhow::Context;

use crate::auth::cookies::CookieNames;
use crate::auth::csrf::Csrf;
use crate::auth::password::Passwords;
use crate::auth::revocation::RevokedSessions;
use crate::auth::tokens::{AccessTokens, hex, random_bytes};
use crate::clock::Clock;
use crate::config::Config;
use crate::db::{Db, DbTarget};
use crate::models::settings;

pub struct App {
    pub config: Config,
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub access_tokens: AccessTokens,
    pub csrf: Csrf,
    pub revoked: Arc<RevokedSessions>,
    pub passwords: Passwords,
    pub cookies: CookieNames,
    pub metrics: crate::metrics::Metrics,
    pub mailer: crate::mail::transport::Mailer,
    /// The portal's name and address, for what mail says and links to.
    pub mail: crate::mail::MailContext,
    /// Names this process as the claimant of outbox rows.
    pub instance_id: String,
    /// Each API session's request budget (`--api-requests-per-minute`).
    pub api_rate: crate::api::limit::SessionRate,
}

#[derive(Clone)]
pub struct AppState(Arc<App>);

impl Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

impl App {
    /// Makes this instance refuse the access tokens of these sessions at once
    /// (the other instances learn it from the database). Every domain action
    /// that ends sessions returns their ids for this.
    pub fn revoke_now(&self, session_ids: &[String]) {
        let now = self.clock.now();
        for id in session_ids {
            self.revoked.insert(id, now);
        }
    }
}

/// Where the generated signing key is kept when `--jwt-secret` is not given.
const JWT_SECRET_KEY: &str = "jwt_secret";

impl AppState {
    /// Opens the database, applies migrations and loads (or creates) the signing key.
    pub async fn new(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let target = DbTarget::parse(&config.database_url).map_err(anyhow::Error::msg)?;
        let db = Db::new(target, config.db_pool_size, config.db_acquire_timeout);
        let mailer = crate::mail::transport::Mailer::new(&config.mail)?;
        let configured_secret = config.jwt_secret.clone();
        let (db, secret) = tokio::task::spawn_blocking(move || -> anyhow::Result<(Db, Vec<u8>)> {
            db.migrate().context("could not prepare the database")?;
            let secret = match configured_secret {
                Some(secret) => secret,
                None => db
                    .run_blocking(|conn| {
                        Ok(settings::get_or_insert(conn, JWT_SECRET_KEY, &hex(&random_bytes::<32>()))?)
                    })
                    .context("could not load the signing key")?
                    .into_bytes(),
            };
            Ok((db, secret))
        })
        .await??;

        // Revocations are in memory before the first request is answered:
        // a session signed out before a restart is refused from the start.
        let revoked = Arc::new(RevokedSessions::new(config.sessions.access_ttl));
        let now = clock.now();
        crate::auth::revocation::poll_once(&db, &revoked, now, now - config.sessions.access_ttl)
            .await
            .map_err(|e| anyhow::anyhow!("could not load revoked sessions: {e}"))?;

        Ok(AppState(Arc::new(App {
            db,
            clock,
            access_tokens: AccessTokens::new(&secret).with_lifetime(config.sessions.access_ttl),
            csrf: Csrf::new(&secret),
            revoked,
            passwords: Passwords::new(config.bcrypt_cost),
            cookies: CookieNames::new(config.public_url.https),
            metrics: Default::default(),
            mailer,
            mail: crate::mail::MailContext { portal: "HRMS".to_owned(), base_url: config.public_url.origin.clone() },
            instance_id: crate::models::new_id(),
            api_rate: crate::api::limit::SessionRate::new(config.api.requests_per_minute),
            config,
        })))
    }
}
