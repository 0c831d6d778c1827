//! Command line and typed configuration. Every flag also reads an environment
//! variable (`--bind` / `HRMS_BIND`, ...).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};
use time::Duration;

use crate::models::user::Role;

#[derive(Debug, Parser)]
#[command(name = "hrms", version, about = "A small HR portal", args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// `text` for people, `json` (one object per line) for log shippers.
    /// Colours only when standard output is a terminal.
    #[arg(long, global = true, env = "HRMS_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// `hrms` with no subcommand serves, with these flags.
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RememberMe {
    Off,
    Employees,
    All,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the portal (the default).
    Serve(Box<ServeArgs>),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Fill an empty database with a demo organisation and print its accounts.
    Demo {
        #[command(flatten)]
        db: DatabaseArgs,
        /// The password of every demo account.
        #[arg(long, env = "HRMS_DEMO_PASSWORD", default_value = "demo password 2026")]
        password: String,
        #[arg(long, env = "HRMS_BCRYPT_COST", default_value_t = 12, value_parser = parse_bcrypt_cost)]
        bcrypt_cost: u32,
        /// How many people the company has (50 to 100,000); above 2,400 the
        /// departments repeat per office.
        #[arg(long, env = "HRMS_DEMO_PEOPLE", default_value_t = crate::demo::DEFAULT_PEOPLE, value_parser = parse_people)]
        people: usize,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account; the password is read from standard input.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_enum, default_value_t = Role::Employee)]
        role: Role,
        #[command(flatten)]
        db: DatabaseArgs,
        #[arg(long, env = "HRMS_BCRYPT_COST", default_value_t = 12, value_parser = parse_bcrypt_cost)]
        bcrypt_cost: u32,
    },
    /// Change an account's role. Its sessions are revoked: the old role claim must die.
    SetRole {
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: Role,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Print a one-time link (valid one hour) that lets the account choose a
    /// new password. Nothing is mailed and no password is printed.
    ResetPassword {
        #[arg(long)]
        email: String,
        #[command(flatten)]
        db: DatabaseArgs,
        /// The address people use to reach the portal, for the link.
        #[arg(long, env = "HRMS_PUBLIC_URL", default_value = "http://127.0.0.1:3000")]
        public_url: String,
    },
}

#[derive(Clone, Debug, Args)]
pub struct DatabaseArgs {
    /// `sqlite://PATH` (or a bare path) for the embedded database, `postgres://...` for PostgreSQL.
    #[arg(long, env = "HRMS_DATABASE_URL", default_value = "sqlite://hrms.db")]
    pub database_url: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Registration {
    /// Anyone may create an Employee account, once they prove their email.
    Open,
    /// Only the command line creates accounts (and HR's invitations).
    Closed,
    /// Accounts come from HR's invitations: the public form creates nothing.
    Invite,
}

#[derive(Clone, Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "HRMS_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// The address people use to reach the portal. https makes cookies Secure and `__Host-` prefixed.
    #[arg(long, env = "HRMS_PUBLIC_URL", default_value = "http://127.0.0.1:3000")]
    pub public_url: String,
    /// HS256 key for access tokens, at least 32 bytes. Unset: a random key is kept in the database.
    #[arg(long, env = "HRMS_JWT_SECRET", hide_env_values = true, conflicts_with = "jwt_secret_file")]
    pub jwt_secret: Option<String>,
    /// A file holding the HS256 key (systemd credentials, Kubernetes secrets),
    /// instead of `--jwt-secret`; a trailing newline is ignored.
    #[arg(long, env = "HRMS_JWT_SECRET_FILE")]
    pub jwt_secret_file: Option<PathBuf>,
    /// Lifetime of an access token.
    #[arg(long, env = "HRMS_ACCESS_TTL", default_value = "15m", value_parser = parse_duration)]
    pub access_ttl: Duration,
    /// A session unused for this long ends (idle timeout; ASVS level 2: 30 minutes).
    #[arg(long, env = "HRMS_REFRESH_TTL", default_value = "30m", value_parser = parse_duration)]
    pub refresh_ttl: Duration,
    /// A session ends this long after sign-in, however active (absolute lifetime; ASVS level 2: 12 hours).
    #[arg(long, env = "HRMS_SESSION_MAX_AGE", default_value = "12h", value_parser = parse_duration)]
    pub session_max_age: Duration,
    /// Idle timeout of a session started with "Keep me signed in on this device".
    #[arg(long, env = "HRMS_REMEMBER_IDLE", default_value = "7d", value_parser = parse_duration)]
    pub remember_idle: Duration,
    /// Absolute lifetime of a session started with "Keep me signed in on this device".
    #[arg(long, env = "HRMS_REMEMBER_MAX_AGE", default_value = "30d", value_parser = parse_duration)]
    pub remember_max_age: Duration,
    /// Who is offered "Keep me signed in on this device": nobody, Employees
    /// only (HR and Admin sessions always use the short lifetimes), or all.
    #[arg(long, env = "HRMS_REMEMBER_ME", value_enum, default_value_t = RememberMe::Employees)]
    pub remember_me: RememberMe,
    /// A rotated refresh token presented again within this interval (two tabs) is tolerated.
    #[arg(long, env = "HRMS_REUSE_GRACE", default_value = "10s", value_parser = parse_duration)]
    pub reuse_grace: Duration,
    /// Origins (like https://app.example.com) whose pages may call the JSON API
    /// from a browser, comma-separated. None by default: no CORS at all.
    #[arg(long, env = "HRMS_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Requests one API session may make per minute on each instance; beyond
    /// it the API answers 429 with Retry-After.
    #[arg(long, env = "HRMS_API_REQUESTS_PER_MINUTE", default_value_t = 600, value_parser = clap::value_parser!(u32).range(1..))]
    pub api_requests_per_minute: u32,
    /// Sign-up requests one address may make per hour (each mails a link).
    #[arg(long, env = "HRMS_SIGN_UPS_PER_IP_PER_HOUR", default_value_t = 5)]
    pub sign_ups_per_ip_per_hour: u32,
    /// Live sessions one account may have; a new sign-in beyond it ends the oldest.
    #[arg(long, env = "HRMS_MAX_SESSIONS_PER_ACCOUNT", default_value_t = 50)]
    pub max_sessions_per_account: usize,
    /// bcrypt cost for new password hashes (4 to 31; below 10 only for tests).
    #[arg(long, env = "HRMS_BCRYPT_COST", default_value_t = 12, value_parser = parse_bcrypt_cost)]
    pub bcrypt_cost: u32,
    /// Whether anyone may register.
    #[arg(long, env = "HRMS_REGISTRATION", value_enum, default_value_t = Registration::Open)]
    pub registration: Registration,
    /// Failed sign-ins per account within the window before it is throttled.
    #[arg(long, env = "HRMS_LOGIN_MAX_FAILURES_PER_ACCOUNT", default_value_t = 5)]
    pub login_max_failures_per_account: u32,
    /// Failed sign-ins per client IP within the window before it is throttled.
    #[arg(long, env = "HRMS_LOGIN_MAX_FAILURES_PER_IP", default_value_t = 50)]
    pub login_max_failures_per_ip: u32,
    /// Database connections per instance (default: 8 on SQLite, 16 on PostgreSQL).
    #[arg(long, env = "HRMS_DB_POOL_SIZE")]
    pub db_pool_size: Option<u32>,
    /// How long a request waits for a database connection before it gets a 503.
    #[arg(long, env = "HRMS_DB_ACQUIRE_TIMEOUT", default_value = "3s", value_parser = parse_std_duration)]
    pub db_acquire_timeout: std::time::Duration,
    /// Serve `/metrics` (Prometheus) on this separate address, without sign-in.
    /// Unset: `/metrics` on the main address, for Admins only.
    #[arg(long, env = "HRMS_METRICS_BIND")]
    pub metrics_bind: Option<SocketAddr>,
    /// A request's header must arrive whole within this time (counted from
    /// the connection opening, or the previous response); else the connection closes.
    #[arg(long, env = "HRMS_HEADER_READ_TIMEOUT", default_value = "10s", value_parser = parse_std_duration)]
    pub header_read_timeout: std::time::Duration,
    /// A connection waiting for its client (idle between requests, or stalled
    /// in a header or body) with nothing arriving for this long is closed.
    #[arg(long, env = "HRMS_KEEP_ALIVE_TIMEOUT", default_value = "5s", value_parser = parse_std_duration)]
    pub keep_alive_timeout: std::time::Duration,
    /// Client connections served at once; further ones wait to be accepted.
    #[arg(long, env = "HRMS_MAX_CONNECTIONS", default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// On SIGTERM or SIGINT, requests in flight get this long to finish; then
    /// the remaining connections are closed and the process exits.
    #[arg(long, env = "HRMS_SHUTDOWN_TIMEOUT", default_value = "10s", value_parser = parse_std_duration)]
    pub shutdown_timeout: std::time::Duration,
    /// Ended sessions are deleted this long after they ended.
    #[arg(long, env = "HRMS_SESSION_RETENTION", default_value = "30d", value_parser = parse_duration)]
    pub session_retention: Duration,
    /// Audit log rows are deleted when older than this.
    #[arg(long, env = "HRMS_AUDIT_RETENTION", default_value = "365d", value_parser = parse_duration)]
    pub audit_retention: Duration,
    /// The window over which failed sign-ins are counted.
    #[arg(long, env = "HRMS_LOGIN_THROTTLE_WINDOW", default_value = "15m", value_parser = parse_duration)]
    pub login_throttle_window: Duration,
    /// The mail server: `smtp://host:port` (plain; add `?tls=required` for
    /// STARTTLS) or `smtps://host:port`, with `user:password@` or
    /// `--smtp-password-file`. Unset: mail is written to `--mail-dir`.
    #[arg(long, env = "HRMS_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` is believed (addresses and
    /// CIDR blocks, comma-separated). Empty: the header is ignored.
    #[arg(long, env = "HRMS_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: String,
    /// A file holding the SMTP password (for the user named in `--smtp-url`).
    #[arg(long, env = "HRMS_SMTP_PASSWORD_FILE")]
    pub smtp_password_file: Option<PathBuf>,
    /// The sender of every message.
    #[arg(long, env = "HRMS_MAIL_FROM", default_value = "HRMS <hrms@localhost>")]
    pub mail_from: String,
    /// Without `--smtp-url`, messages are written here as `.eml` files
    /// (default: `mail` beside the SQLite database, or `./mail`).
    #[arg(long, env = "HRMS_MAIL_DIR")]
    pub mail_dir: Option<PathBuf>,
    /// The time zone pages show times in (the audit log and its export):
    /// `UTC` or a fixed offset like `+01:00`. A fixed offset does not follow
    /// daylight saving time. Times are stored in UTC whatever this says.
    #[arg(long, env = "HRMS_TIME_ZONE", default_value = "UTC")]
    pub time_zone: String,
}

impl Default for ServeArgs {
    fn default() -> Self {
        // The same defaults as the command line, so tests and code agree with it.
        Cli::parse_from(["hrms"]).serve
    }
}

/// Parses `90s`, `15m`, `12h`, `7d` (a bare number is seconds).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    let n: i64 = digits.parse().map_err(|_| format!("{s:?} is not a duration like 30s, 15m, 12h or 7d"))?;
    let d = match unit {
        "" | "s" => Duration::seconds(n),
        "m" => Duration::minutes(n),
        "h" => Duration::hours(n),
        "d" => Duration::days(n),
        _ => return Err(format!("unknown unit {unit:?} in {s:?}: use s, m, h or d")),
    };
    if d.is_zero() {
        return Err("a duration must be longer than zero".into());
    }
    Ok(d)
}

/// Like `parse_duration`, but also takes milliseconds (`250ms`), for timeouts.
pub fn parse_std_duration(s: &str) -> Result<std::time::Duration, String> {
    if let Some(ms) = s.trim().strip_suffix("ms") {
        let ms: u64 = ms.parse().map_err(|_| format!("{s:?} is not a duration like 250ms or 3s"))?;
        return Ok(std::time::Duration::from_millis(ms));
    }
    let d = parse_duration(s)?;
    Ok(std::time::Duration::from_secs(d.whole_seconds().unsigned_abs()))
}

fn parse_bcrypt_cost(s: &str) -> Result<u32, String> {
    let cost: u32 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    if (4..=31).contains(&cost) { Ok(cost) } else { Err("the bcrypt cost must be between 4 and 31".into()) }
}

fn parse_people(s: &str) -> Result<usize, String> {
    let range = crate::demo::PEOPLE;
    match s.parse::<usize>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(format!("the demo company has from {} to {} people", range.start(), range.end())),
    }
}

/// The public origin, parsed once from `--public-url`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicUrl {
    /// `scheme://host[:port]`, compared with the `Origin` header.
    pub origin: String,
    pub https: bool,
}

impl PublicUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        let (https, rest) = if let Some(rest) = url.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = url.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(format!("--public-url {url:?} must start with http:// or https://"));
        };
        let host = rest.split('/').next().unwrap_or_default();
        if host.is_empty() {
            return Err(format!("--public-url {url:?} has no host"));
        }
        let scheme = if https { "https" } else { "http" };
        Ok(Self { origin: format!("{scheme}://{}", host.to_ascii_lowercase()), https })
    }
}

/// Rules of the session lifecycle.
#[derive(Clone, Copy, Debug)]
pub struct SessionPolicy {
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    pub max_age: Duration,
    pub reuse_grace: Duration,
    /// Live sessions one account may have; the oldest end beyond it.
    pub max_per_account: usize,
    pub remember_idle: Duration,
    pub remember_max_age: Duration,
    pub remember_me: RememberMe,
}

impl SessionPolicy {
    /// (idle timeout, absolute lifetime) of a session.
    pub fn lifetimes(&self, remember: bool) -> (Duration, Duration) {
        if remember { (self.remember_idle, self.remember_max_age) } else { (self.refresh_ttl, self.max_age) }
    }

    /// Whether someone with `role` may keep a session on their device.
    pub fn may_remember(&self, role: Role) -> bool {
        match self.remember_me {
            RememberMe::Off => false,
            RememberMe::Employees => role == Role::Employee,
            RememberMe::All => true,
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct ThrottlePolicy {
    pub max_per_account: u32,
    pub max_per_ip: u32,
    pub window: Duration,
    /// Sign-up requests per address per hour.
    pub sign_ups_per_ip_per_hour: u32,
}

/// How long to keep things once they no longer matter.
#[derive(Clone, Copy, Debug)]
pub struct Retention {
    /// Ended (revoked or expired) sessions, kept for the "who was signed in" record.
    pub sessions: Duration,
    pub audit: Duration,
    /// Sign-in failures older than the throttle window count for nothing.
    pub login_failures: Duration,
}

/// Validated configuration of a running server.
#[derive(Clone, Debug)]
pub struct Config {
    pub bind: SocketAddr,
    pub database_url: String,
    pub db_pool_size: Option<u32>,
    pub db_acquire_timeout: std::time::Duration,
    pub public_url: PublicUrl,
    pub jwt_secret: Option<Vec<u8>>,
    pub sessions: SessionPolicy,
    pub bcrypt_cost: u32,
    pub registration: Registration,
    pub throttle: ThrottlePolicy,
    pub metrics_bind: Option<SocketAddr>,
    pub connections: crate::serve::ConnectionLimits,
    pub retention: Retention,
    pub mail: MailConfig,
    pub trusted_proxies: crate::proxy::TrustedProxies,
    pub api: ApiConfig,
    /// Where the people using the portal are: times are shown in this zone.
    pub zone: crate::zone::Zone,
}

/// The JSON API's own settings.
#[derive(Clone, Debug)]
pub struct ApiConfig {
    /// Exact origins allowed by CORS; empty: no CORS headers at all.
    pub cors_origins: Vec<String>,
    pub requests_per_minute: u32,
}

/// `scheme://host[:port]` with nothing after it, as browsers send `Origin`.
fn parse_origin(text: &str) -> Result<String, String> {
    let origin = text.trim().trim_end_matches('/');
    let rest = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(['/', '?', '#', '*', ' ', '@']) => {
            Ok(origin.to_ascii_lowercase())
        }
        _ => Err(format!("--cors-origins: {text:?} is not an origin like https://app.example.com")),
    }
}

/// Where outgoing mail goes, and from whom.
#[derive(Clone, Debug)]
pub struct MailConfig {
    pub delivery: MailDelivery,
    /// `Name <address>`, checked at start-up.
    pub from: String,
}

#[derive(Clone, Debug)]
pub enum MailDelivery {
    Smtp {
        url: Secret,
        password: Option<Secret>,
    },
    /// `.eml` files in this folder: the embedded default.
    Directory(PathBuf),
    /// Kept in memory, for tests.
    Memory(crate::mail::transport::Mailbox),
}

/// A value that never appears in logs or `Debug` output.
#[derive(Clone)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[secret]")
    }
}

/// `mail` beside a SQLite database file, else `./mail`.
fn default_mail_dir(database_url: &str) -> PathBuf {
    match crate::db::DbTarget::parse(database_url) {
        Ok(crate::db::DbTarget::Sqlite(path)) => {
            Path::new(&path).parent().map_or_else(|| PathBuf::from("mail"), |dir| dir.join("mail"))
        }
        _ => PathBuf::from("mail"),
    }
}

impl MailConfig {
    fn from_args(a: &ServeArgs) -> Result<Self, String> {
        let delivery = match &a.smtp_url {
            Some(url) => {
                let password = match &a.smtp_password_file {
                    Some(path) => {
                        let text = std::fs::read_to_string(path)
                            .map_err(|e| format!("--smtp-password-file {}: {e}", path.display()))?;
                        Some(Secret(text.trim_end_matches(['\r', '\n']).to_owned()))
                    }
                    None => None,
                };
                MailDelivery::Smtp { url: Secret(url.trim().to_owned()), password }
            }
            None => MailDelivery::Directory(a.mail_dir.clone().unwrap_or_else(|| default_mail_dir(&a.db.database_url))),
        };
        Ok(MailConfig { delivery, from: a.mail_from.trim().to_owned() })
    }
}

/// The shortest HS256 key we accept (RFC 7518 wants at least the hash size).
pub const MIN_SECRET_BYTES: usize = 32;

impl TryFrom<ServeArgs> for Config {
    type Error = String;

    fn try_from(a: ServeArgs) -> Result<Self, String> {
        let mail = MailConfig::from_args(&a)?;
        let from_file = match &a.jwt_secret_file {
            Some(path) => Some(
                std::fs::read_to_string(path)
                    .map_err(|e| format!("--jwt-secret-file {}: {e}", path.display()))?
                    .trim_end_matches(['\r', '\n'])
                    .to_owned(),
            ),
            None => None,
        };
        let jwt_secret = match a.jwt_secret.clone().or(from_file) {
            Some(s) if s.len() < MIN_SECRET_BYTES => {
                return Err(format!(
                    "--jwt-secret is {} bytes long; it must be at least {MIN_SECRET_BYTES} bytes (try: openssl rand -base64 48)",
                    s.len()
                ));
            }
            other => other.map(String::into_bytes),
        };
        if a.session_max_age < a.access_ttl || a.remember_max_age < a.access_ttl {
            return Err("--session-max-age must be longer than --access-ttl".into());
        }
        Ok(Config {
            bind: a.bind,
            database_url: a.db.database_url,
            db_pool_size: a.db_pool_size,
            db_acquire_timeout: a.db_acquire_timeout,
            public_url: PublicUrl::parse(&a.public_url)?,
            jwt_secret,
            sessions: SessionPolicy {
                access_ttl: a.access_ttl,
                refresh_ttl: a.refresh_ttl,
                max_age: a.session_max_age,
                reuse_grace: a.reuse_grace,
                max_per_account: a.max_sessions_per_account,
                remember_idle: a.remember_idle,
                remember_max_age: a.remember_max_age,
                remember_me: a.remember_me,
            },
            bcrypt_cost: a.bcrypt_cost,
            registration: a.registration,
            metrics_bind: a.metrics_bind,
            connections: crate::serve::ConnectionLimits {
                header_read_timeout: a.header_read_timeout,
                keep_alive_timeout: a.keep_alive_timeout,
                max_connections: a.max_connections as usize,
                shutdown_timeout: a.shutdown_timeout,
            },
            mail,
            trusted_proxies: crate::proxy::TrustedProxies::parse(&a.trusted_proxies)?,
            zone: crate::zone::Zone::parse(&a.time_zone)?,
            api: ApiConfig {
                cors_origins: a
                    .cors_origins
                    .iter()
                    .filter(|o| !o.trim().is_empty())
                    .map(|o| parse_origin(o))
                    .collect::<Result<_, _>>()?,
                requests_per_minute: a.api_requests_per_minute,
            },
            retention: Retention {
                sessions: a.session_retention,
                audit: a.audit_retention,
                // The sign-up count looks back an hour.
                login_failures: a.login_throttle_window.max(Duration::hours(1)),
            },
            throttle: ThrottlePolicy {
                max_per_account: a.login_max_failures_per_account,
                max_per_ip: a.login_max_failures_per_ip,
                window: a.login_throttle_window,
                sign_ups_per_ip_per_hour: a.sign_ups_per_ip_per_hour,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("2s"), Ok(Duration::seconds(2)));
        assert_eq!(parse_duration("15m"), Ok(Duration::minutes(15)));
        assert_eq!(parse_duration("12h"), Ok(Duration::hours(12)));
        assert_eq!(parse_duration("7d"), Ok(Duration::days(7)));
        assert!(parse_duration("7w").is_err());
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("m").is_err());
    }

    #[test]
    fn short_jwt_secret_is_refused() {
        let args = ServeArgs { jwt_secret: Some("too-short".into()), ..ServeArgs::default() };
        let err = Config::try_from(args).unwrap_err();
        assert!(err.contains("at least 32 bytes"), "{err}");
    }

    #[test]
    fn the_signing_key_can_come_from_a_file_but_not_from_both() {
        let dir = std::env::temp_dir().join(format!("hrms-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("key");
        std::fs::write(&file, format!("{}\n", "k".repeat(40))).unwrap();
        let args = ServeArgs { jwt_secret_file: Some(file.clone()), ..ServeArgs::default() };
        assert_eq!(Config::try_from(args).unwrap().jwt_secret, Some(vec![b'k'; 40]), "the newline is not part of it");
        std::fs::write(&file, "short\n").unwrap();
        let args = ServeArgs { jwt_secret_file: Some(file.clone()), ..ServeArgs::default() };
        assert!(Config::try_from(args).unwrap_err().contains("at least 32 bytes"));
        let both = Cli::try_parse_from(["hrms", "--jwt-secret", &"x".repeat(40), "--jwt-secret-file", "/k"]);
        assert!(both.is_err(), "one source of the key at a time");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn public_url_origin_drops_path_and_detects_https() {
        let u = PublicUrl::parse("https://HR.example.com/portal/").unwrap();
        assert_eq!(u.origin, "https://hr.example.com");
        assert!(u.https);
        assert!(PublicUrl::parse("ftp://x").is_err());
    }

    #[test]
    fn defaults_match_the_documented_ones() {
        let c = Config::try_from(ServeArgs::default()).unwrap();
        assert_eq!(c.bind.to_string(), "127.0.0.1:3000");
        assert_eq!(c.database_url, "sqlite://hrms.db");
        assert_eq!(c.sessions.access_ttl, Duration::minutes(15));
        assert_eq!(c.sessions.refresh_ttl, Duration::minutes(30));
        assert_eq!(c.sessions.max_age, Duration::hours(12));
        assert_eq!(c.sessions.lifetimes(true), (Duration::days(7), Duration::days(30)));
        assert!(c.sessions.may_remember(Role::Employee) && !c.sessions.may_remember(Role::Hr));
        assert_eq!(c.sessions.reuse_grace, Duration::seconds(10));
        assert_eq!(c.bcrypt_cost, 12);
        assert_eq!(c.registration, Registration::Open);
        assert_eq!(c.zone, crate::zone::Zone::UTC);
    }

    #[test]
    fn the_time_zone_is_a_fixed_offset_and_a_named_zone_refuses_to_start() {
        let cli = Cli::try_parse_from(["hrms", "serve", "--time-zone", "+01:00"]).unwrap();
        let Some(Command::Serve(args)) = cli.command else { panic!("serve") };
        assert_eq!(Config::try_from(*args).unwrap().zone.name(), "UTC+01:00");
        let args = ServeArgs { time_zone: "Europe/Berlin".into(), ..ServeArgs::default() };
        let err = Config::try_from(args).unwrap_err();
        assert!(err.contains("--time-zone \"Europe/Berlin\" is not a UTC offset"), "{err}");
    }
}
