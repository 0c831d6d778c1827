//! `TestApp` runs the real router in-process against a fresh database with a
//! manual clock; `Browser` keeps cookies the way a browser would.
//!
//! Every test written inside `backend_tests!` runs once on SQLite (a temp file)
//! and, when `HRMS_TEST_DATABASE_URL` names a PostgreSQL database, once more
//! there, in a schema of its own that is dropped afterwards.

#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use hrms::clock::{Clock, ManualClock};
use hrms::config::{Config, ServeArgs};
use hrms::models::user::Role;
use hrms::{AppState, build_app};
use time::macros::datetime;
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery staple";

/// The database a test runs against.
#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite,
    /// Base URL of a PostgreSQL database in which each test makes a schema.
    Postgres(String),
}

/// The PostgreSQL database to test against, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var("HRMS_TEST_DATABASE_URL").ok().filter(|u| !u.trim().is_empty())
}

pub fn backends() -> Vec<Backend> {
    let mut all = vec![Backend::Sqlite];
    all.extend(postgres_url().map(Backend::Postgres));
    all
}

thread_local! {
    static CURRENT: RefCell<Backend> = const { RefCell::new(Backend::Sqlite) };
}

/// Makes `TestApp`s built on this thread use `backend` until the guard drops.
pub fn use_backend(backend: Backend) -> impl Drop {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            CURRENT.with(|c| *c.borrow_mut() = Backend::Sqlite);
        }
    }
    eprintln!("--- backend: {backend:?}");
    CURRENT.with(|c| *c.borrow_mut() = backend);
    Reset
}

/// Defines `#[tokio::test]`s whose bodies run once per backend.
macro_rules! backend_tests {
    ($( $(#[$meta:meta])* async fn $name:ident() $body:block )*) => {$(
        $(#[$meta])*
        #[tokio::test]
        async fn $name() {
            for backend in $crate::helpers::backends() {
                let _backend = $crate::helpers::use_backend(backend);
                async $body.await;
            }
        }
    )*};
}

/// Where a test's data lives; removed when the last instance using it is dropped.
pub enum Storage {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { base_url: String, schema: String },
}

impl Drop for Storage {
    fn drop(&mut self) {
        if let Storage::Postgres { base_url, schema } = self {
            use diesel::{Connection, RunQueryDsl};
            if let Ok(mut conn) = diesel::PgConnection::establish(base_url) {
                let _ = diesel::sql_query(format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(&mut conn);
            }
        }
    }
}

impl Storage {
    /// A fresh, empty database for one test, and the URL the app should use.
    pub fn new() -> (Self, String) {
        match CURRENT.with(|c| c.borrow().clone()) {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("hrms.db").display());
                (Storage::Sqlite(dir), url)
            }
            Backend::Postgres(base_url) => {
                use diesel::{Connection, RunQueryDsl};
                let schema = format!("hrms_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn =
                    diesel::PgConnection::establish(&base_url).expect("HRMS_TEST_DATABASE_URL must be reachable");
                diesel::sql_query(format!("CREATE SCHEMA {schema}")).execute(&mut conn).expect("create schema");
                // libpq applies `options` to every connection: all of them see only this schema.
                let sep = if base_url.contains('?') { '&' } else { '?' };
                let url = format!("{base_url}{sep}options=-csearch_path%3D{schema}");
                (Storage::Postgres { base_url, schema }, url)
            }
        }
    }
}

/// Mail goes to memory unless the test chose SMTP.
fn in_memory_mail(config: &mut Config) -> hrms::mail::transport::Mailbox {
    let mailbox = hrms::mail::transport::Mailbox::default();
    if !matches!(config.mail.delivery, hrms::config::MailDelivery::Smtp { .. }) {
        config.mail.delivery = hrms::config::MailDelivery::Memory(mailbox.clone());
    }
    mailbox
}

/// The command-line defaults, on this database, with a cheap bcrypt cost.
fn test_args(database_url: String) -> ServeArgs {
    let mut args = ServeArgs { bcrypt_cost: 4, ..ServeArgs::default() };
    args.db.database_url = database_url;
    args
}

pub struct TestApp {
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    /// What the portal delivered: the in-process mail transport.
    pub mailbox: hrms::mail::transport::Mailbox,
    /// What `--database-url` would be for this test's database.
    pub database_url: String,
    _storage: Arc<Storage>,
    proxy: Option<Arc<Proxy>>,
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with(|_| {}).await
    }

    /// A fresh app; `configure` adjusts the command-line defaults.
    pub async fn with(configure: impl FnOnce(&mut ServeArgs)) -> Self {
        let (storage, database_url) = Storage::new();
        let mut args = test_args(database_url.clone());
        configure(&mut args);
        let mut config = Config::try_from(args).expect("valid test config");
        let mailbox = in_memory_mail(&mut config);
        let clock = Arc::new(ManualClock::new(datetime!(2026-06-01 09:00 UTC)));
        let state = AppState::new(config, clock.clone()).await.expect("app state");
        TestApp { state, clock, mailbox, database_url, _storage: Arc::new(storage), proxy: None }
    }

    /// Another instance of the portal on the same database and clock, as a
    /// second server behind a load balancer would be.
    pub async fn second_instance(&self) -> TestApp {
        let state = AppState::new(self.state.config.clone(), self.clock.clone()).await.expect("second instance");
        TestApp {
            state,
            clock: self.clock.clone(),
            mailbox: self.mailbox.clone(),
            database_url: self.database_url.clone(),
            _storage: self._storage.clone(),
            proxy: None,
        }
    }

    /// Lets this instance learn revocations made elsewhere, as its poller does.
    pub async fn poll_revocations(&self) {
        let since = self.now() - time::Duration::minutes(1);
        hrms::auth::revocation::poll_once(&self.state.db, &self.state.revoked, self.state.clock.now(), since)
            .await
            .expect("poll");
    }

    /// A browser with an empty cookie jar, connecting from 10.0.0.1.
    pub fn browser(&self) -> Browser {
        self.browser_from([10, 0, 0, 1])
    }

    pub fn browser_from(&self, ip: [u8; 4]) -> Browser {
        let router = build_app(self.state.clone()).layer(MockConnectInfo(SocketAddr::from((ip, 40000))));
        Browser { router, jar: BTreeMap::new() }
    }

    pub fn advance(&self, by: time::Duration) {
        self.clock.advance(by);
    }

    pub fn now(&self) -> hrms::clock::Timestamp {
        self.clock.now()
    }

    /// Runs the mail sender once, as the server does every second.
    pub async fn deliver_mail(&self) -> hrms::mail::sender::Pass {
        hrms::mail::sender::deliver_due(&self.state).await.expect("deliver mail")
    }

    /// Everything delivered to `email` so far (after delivering what is due).
    pub async fn mail_to(&self, email: &str) -> Vec<hrms::mail::transport::Delivered> {
        self.deliver_mail().await;
        self.mailbox.all().into_iter().filter(|m| m.to == email).collect()
    }

    /// The path of the link in the newest message to `email`.
    pub async fn link_mailed_to(&self, email: &str) -> String {
        let all = self.mail_to(email).await;
        let last = all.last().unwrap_or_else(|| panic!("no mail to {email}"));
        link_in(&last.text).unwrap_or_else(|| panic!("no link in mail to {email}: {}", last.text))
    }

    /// Signs up through the public form, follows the mailed link and
    /// chooses `PASSWORD`: the browser ends signed in.
    pub async fn sign_up(&self, browser: &mut Browser, name: &str, email: &str) -> Response {
        let res = browser.submit("/register", "/register", &[("full_name", name), ("email", email)]).await;
        assert_eq!(res.status, StatusCode::OK, "sign-up form: {}", res.body);
        let link = self.link_mailed_to(email).await;
        assert!(link.starts_with("/register/verify/"), "{link}");
        browser.submit(&link, &link, &[("password", PASSWORD), ("password_confirm", PASSWORD)]).await
    }

    /// Creates an account directly (as the `user create` command would).
    pub async fn create_user(&self, email: &str, name: &str, role: Role) -> String {
        let hash = self.state.passwords.hash(PASSWORD.to_owned()).await.expect("hash");
        let (email, name, now) = (email.to_owned(), name.to_owned(), self.now());
        self.state
            .db
            .run(move |conn| {
                let id = hrms::models::new_id();
                let user = hrms::models::user::NewUser {
                    id: &id,
                    email: &hrms::models::user::normalize_email(&email),
                    full_name: &name,
                    password_hash: &hash,
                    role: role.as_str(),
                    active: true,
                    created_at: now,
                    updated_at: now,
                };
                assert!(hrms::models::user::insert(conn, &user)?);
                Ok(id)
            })
            .await
            .expect("create user")
    }

    /// A signed-in browser for a new Employee account.
    pub async fn signed_in(&self, email: &str) -> Browser {
        self.create_user(email, "Test Person", Role::Employee).await;
        let mut browser = self.browser();
        let res = browser.sign_in(email, PASSWORD).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "sign-in failed: {}", res.body);
        browser
    }

    pub async fn audit_events(&self) -> Vec<hrms::models::audit::AuditRow> {
        self.state.db.run(|conn| Ok(hrms::models::audit::recent(conn, 1000)?)).await.expect("audit log")
    }

    pub async fn count_events(&self, event: &str) -> usize {
        self.audit_events().await.iter().filter(|e| e.event == event).count()
    }

    pub async fn user_count(&self) -> i64 {
        self.state.db.run(|conn| Ok(hrms::models::user::count(conn)?)).await.expect("count")
    }

    pub async fn session(&self, id: &str) -> hrms::auth::sessions::Session {
        let id = id.to_owned();
        self.state.db.run(move |conn| Ok(hrms::auth::sessions::find(conn, &id)?)).await.expect("session")
    }

    /// An app whose database can be taken away with `database_down`: on
    /// SQLite by holding its only pooled connection, on PostgreSQL by cutting
    /// the network between the app and the server (a TCP proxy in between).
    pub async fn with_switchable_database() -> Self {
        Self::with_switchable_database_timeout(None).await
    }

    /// As `with_switchable_database`, with this acquire timeout (default:
    /// 200 ms on SQLite, 500 ms on PostgreSQL).
    pub async fn with_switchable_database_timeout(timeout: Option<std::time::Duration>) -> Self {
        let (storage, database_url) = Storage::new();
        let mut args = test_args(database_url.clone());
        let mut proxy = None;
        args.db.database_url = match &storage {
            Storage::Sqlite(_) => {
                args.db_pool_size = Some(1);
                args.db_acquire_timeout = timeout.unwrap_or(std::time::Duration::from_millis(200));
                database_url.clone()
            }
            Storage::Postgres { .. } => {
                args.db_acquire_timeout = timeout.unwrap_or(std::time::Duration::from_millis(500));
                let (upstream, rewrite) = split_authority(&database_url);
                let started = Proxy::start(upstream).await;
                let url = rewrite(&started.addr.to_string());
                proxy = Some(Arc::new(started));
                url
            }
        };
        let mut config = Config::try_from(args).expect("valid test config");
        let mailbox = in_memory_mail(&mut config);
        let clock = Arc::new(ManualClock::new(datetime!(2026-06-01 09:00 UTC)));
        let state = AppState::new(config, clock.clone()).await.expect("app state");
        TestApp { state, clock, mailbox, database_url, _storage: Arc::new(storage), proxy }
    }

    /// The database stops answering until `Outage::end`.
    pub async fn database_down(&self) -> Outage {
        if let Some(proxy) = &self.proxy {
            proxy.cut();
            return Outage::Network(proxy.clone());
        }
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let (held_tx, held) = tokio::sync::oneshot::channel();
        let db = self.state.db.clone();
        let task = tokio::spawn(async move {
            db.run(move |_conn| {
                let _ = held_tx.send(());
                let _ = wait.recv();
                Ok(())
            })
            .await
        });
        held.await.expect("connection taken");
        Outage::Held { release, task }
    }
}

pub enum Outage {
    Held { release: std::sync::mpsc::Sender<()>, task: tokio::task::JoinHandle<hrms::error::AppResult<()>> },
    Network(Arc<Proxy>),
}

impl Outage {
    /// The database answers again.
    pub async fn end(self) {
        match self {
            Outage::Held { release, task } => {
                drop(release);
                task.await.expect("holder").expect("held");
            }
            Outage::Network(proxy) => proxy.restore(),
        }
    }
}

/// `host:port` of a PostgreSQL URL, and a function that puts another one in its place.
fn split_authority(url: &str) -> (String, impl Fn(&str) -> String) {
    let scheme_end = url.find("://").expect("URL has a scheme") + 3;
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let host_start = authority.rfind('@').map_or(0, |i| i + 1);
    let host_port = &authority[host_start..];
    let upstream = if host_port.contains(':') { host_port.to_owned() } else { format!("{host_port}:5432") };
    let (before, after) = (url[..scheme_end + host_start].to_owned(), url[scheme_end + authority_end..].to_owned());
    (upstream, move |replacement: &str| format!("{before}{replacement}{after}"))
}

/// A TCP proxy to the database server that can cut every connection and
/// refuse new ones, as a network failure or a server restart would.
pub struct Proxy {
    pub addr: SocketAddr,
    up: Arc<std::sync::atomic::AtomicBool>,
    connections: Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("proxy port");
        let addr = listener.local_addr().expect("proxy address");
        let up = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let connections = Arc::new(std::sync::Mutex::new(Vec::new()));
        let accept = {
            let (up, connections) = (up.clone(), connections.clone());
            tokio::spawn(async move {
                while let Ok((mut inbound, _)) = listener.accept().await {
                    if !up.load(Ordering::SeqCst) {
                        continue; // dropped: connection refused, in effect
                    }
                    let upstream = upstream.clone();
                    let task = tokio::spawn(async move {
                        if let Ok(mut outbound) = tokio::net::TcpStream::connect(upstream).await {
                            let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    });
                    connections.lock().expect("proxy list").push(task.abort_handle());
                }
            })
        };
        Proxy { addr, up, connections, accept }
    }

    fn cut(&self) {
        self.up.store(false, std::sync::atomic::Ordering::SeqCst);
        for connection in self.connections.lock().expect("proxy list").drain(..) {
            connection.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

/// One `Set-Cookie` header, parsed.
#[derive(Clone, Debug)]
pub struct SetCookie {
    pub name: String,
    pub value: String,
    pub attributes: Vec<String>,
}

impl SetCookie {
    fn parse(raw: &str) -> Option<Self> {
        let mut parts = raw.split(';').map(str::trim);
        let (name, value) = parts.next()?.split_once('=')?;
        Some(SetCookie {
            name: name.to_owned(),
            value: value.to_owned(),
            attributes: parts.map(str::to_owned).collect(),
        })
    }

    pub fn has(&self, attribute: &str) -> bool {
        self.attributes.iter().any(|a| a.eq_ignore_ascii_case(attribute))
    }

    pub fn is_removal(&self) -> bool {
        self.value.is_empty() || self.has("Max-Age=0")
    }
}

pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    pub set_cookies: Vec<SetCookie>,
}

impl Response {
    pub fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    pub fn cookie(&self, name: &str) -> Option<&SetCookie> {
        self.set_cookies.iter().find(|c| c.name == name)
    }

    /// The CSRF token of the first form on the page.
    pub fn csrf_token(&self) -> String {
        let marker = r#"name="csrf_token" value=""#;
        let start = self.body.find(marker).map(|i| i + marker.len()).expect("page has a CSRF token");
        let len = self.body[start..].find('"').expect("closing quote");
        self.body[start..start + len].to_owned()
    }
}

#[derive(Clone)]
pub struct Browser {
    router: Router,
    /// Cookie name -> value, as the browser would send them.
    pub jar: BTreeMap<String, String>,
}

impl Browser {
    pub async fn send(&mut self, mut req: Request<Body>) -> Response {
        if !self.jar.is_empty() && !req.headers().contains_key(header::COOKIE) {
            let cookie = self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
            req.headers_mut().insert(header::COOKIE, cookie.parse().expect("cookie header"));
        }
        let res = self.router.clone().oneshot(req).await.expect("router is infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let set_cookies: Vec<SetCookie> = headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().and_then(SetCookie::parse))
            .collect();
        for c in &set_cookies {
            if c.is_removal() {
                self.jar.remove(&c.name);
            } else {
                self.jar.insert(c.name.clone(), c.value.clone());
            }
        }
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.expect("body");
        Response { status, headers, body: String::from_utf8_lossy(&bytes).into_owned(), set_cookies }
    }

    pub async fn get(&mut self, path: &str) -> Response {
        self.send(Request::get(path).body(Body::empty()).expect("request")).await
    }

    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Response {
        let body = serde_urlencoded::to_string(fields).expect("form");
        self.post_raw(path, body.into_bytes()).await
    }

    pub async fn post_raw(&mut self, path: &str, body: Vec<u8>) -> Response {
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }

    /// Loads `page` and submits its form with `fields` and the page's CSRF token.
    pub async fn submit(&mut self, page: &str, action: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.get(page).await.csrf_token();
        let mut all = fields.to_vec();
        all.push(("csrf_token", &token));
        self.post(action, &all).await
    }

    pub async fn sign_in(&mut self, email: &str, password: &str) -> Response {
        self.submit("/login", "/login", &[("email", email), ("password", password)]).await
    }

    /// Presses the sign-out button on the dashboard.
    pub async fn sign_out(&mut self) -> Response {
        self.submit("/dashboard", "/logout", &[]).await
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar.get(name).cloned()
    }

    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.jar.insert(name.to_owned(), value.to_owned());
    }

    pub fn forget(&mut self, name: &str) {
        self.jar.remove(name);
    }
}

/// The access token's claims, read without verification (for assertions).
pub fn claims_of(token: &str) -> hrms::auth::tokens::AccessClaims {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("JWT payload");
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).expect("base64");
    serde_json::from_slice(&json).expect("claims")
}

/// The first portal link (`http://127.0.0.1:3000/...`) in a mail's text, as a path.
pub fn link_in(text: &str) -> Option<String> {
    let origin = "http://127.0.0.1:3000";
    let start = text.find(origin)? + origin.len();
    let rest = &text[start..];
    let end = rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len());
    Some(rest[..end].to_owned())
}

/// Everything logged on this thread at `level` and above, without colours,
/// until the returned guard drops.
#[derive(Clone, Default)]
pub struct LogCapture(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogCapture {
    pub fn start(level: tracing::Level) -> (Self, tracing::subscriber::DefaultGuard) {
        let capture = LogCapture::default();
        let writer = capture.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let guard = tracing::subscriber::set_default(subscriber);
        // Callsites first hit by tests on other threads (no subscriber there)
        // may have cached "never": ask them again now that this one exists.
        tracing::callsite::rebuild_interest_cache();
        (capture, guard)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log buffer")).into_owned()
    }
}

/// A client of the JSON API: no cookie jar, a Bearer token once signed in.
#[derive(Clone)]
pub struct Api {
    router: Router,
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
}

/// An API answer, its body parsed as JSON (`Null` when empty or not JSON).
#[derive(Debug)]
pub struct ApiResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: serde_json::Value,
    pub text: String,
}

impl ApiResponse {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    /// Asserts an RFC 9457 problem with `status`, and returns it.
    pub fn problem(&self, status: StatusCode) -> &serde_json::Value {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(self.header("content-type"), "application/problem+json", "{}", self.text);
        assert_eq!(self.json["status"], status.as_u16(), "{}", self.text);
        assert!(self.json["title"].is_string() && self.json["detail"].is_string(), "{}", self.text);
        &self.json
    }

    /// The message for `field` of a 422 problem.
    pub fn field_error(&self, field: &str) -> Option<String> {
        self.json["errors"].as_array()?.iter().find(|e| e["field"] == field).map(|e| e["message"].to_string())
    }
}

impl TestApp {
    /// An API client with no token, connecting from 10.0.0.1.
    pub fn api(&self) -> Api {
        self.api_from([10, 0, 0, 1])
    }

    pub fn api_from(&self, ip: [u8; 4]) -> Api {
        let router = build_app(self.state.clone()).layer(MockConnectInfo(SocketAddr::from((ip, 40000))));
        Api { router, access_token: None, refresh_token: None }
    }

    /// An API client signed in as `email` with `PASSWORD`.
    pub async fn api_as(&self, email: &str) -> Api {
        let mut api = self.api();
        let res = api.login(email, PASSWORD).await;
        assert_eq!(res.status, StatusCode::OK, "API sign-in failed: {}", res.text);
        api
    }

    /// A new Employee account, signed in through the API.
    pub async fn api_signed_in(&self, email: &str) -> Api {
        self.create_user(email, "Test Person", Role::Employee).await;
        self.api_as(email).await
    }
}

impl Api {
    pub async fn send(&mut self, mut req: Request<Body>) -> ApiResponse {
        if let Some(token) = &self.access_token
            && !req.headers().contains_key(header::AUTHORIZATION)
        {
            req.headers_mut().insert(header::AUTHORIZATION, format!("Bearer {token}").parse().expect("header"));
        }
        let res = self.router.clone().oneshot(req).await.expect("router is infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.expect("body");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        ApiResponse { status, headers, json, text }
    }

    fn with_json(method: &str, path: &str, body: &serde_json::Value) -> Request<Body> {
        Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("request")
    }

    pub async fn get(&mut self, path: &str) -> ApiResponse {
        self.send(Request::get(path).body(Body::empty()).expect("request")).await
    }

    pub async fn post(&mut self, path: &str, body: serde_json::Value) -> ApiResponse {
        self.send(Self::with_json("POST", path, &body)).await
    }

    pub async fn patch(&mut self, path: &str, body: serde_json::Value) -> ApiResponse {
        self.send(Self::with_json("PATCH", path, &body)).await
    }

    pub async fn delete(&mut self, path: &str) -> ApiResponse {
        self.send(Request::delete(path).body(Body::empty()).expect("request")).await
    }

    /// Signs in; on success keeps the token pair for the next requests.
    pub async fn login(&mut self, email: &str, password: &str) -> ApiResponse {
        let res = self.post("/api/v1/auth/login", serde_json::json!({"email": email, "password": password})).await;
        if res.status == StatusCode::OK {
            self.access_token = res.json["access_token"].as_str().map(str::to_owned);
            self.refresh_token = res.json["refresh_token"].as_str().map(str::to_owned);
        }
        res
    }

    /// Trades the kept refresh token; keeps what comes back.
    pub async fn refresh(&mut self) -> ApiResponse {
        let token = self.refresh_token.clone().unwrap_or_default();
        let res = self.post("/api/v1/auth/refresh", serde_json::json!({"refresh_token": token})).await;
        if res.status == StatusCode::OK {
            self.access_token = res.json["access_token"].as_str().map(str::to_owned);
            if let Some(r) = res.json["refresh_token"].as_str() {
                self.refresh_token = Some(r.to_owned());
            }
        }
        res
    }
}
