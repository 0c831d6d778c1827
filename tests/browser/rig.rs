//! The machinery of one browser journey: a real `hrms serve` process on a
//! free loopback port with a fresh SQLite database, a chromedriver of its
//! own, and a headless Chromium with a fresh profile (more sessions, each
//! with a profile of its own, on request). The server writes its mail as
//! `.eml` files to a folder of the journey, which stands for everyone's
//! inbox (`Browser::wait_for_link`).

use std::collections::HashSet;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail, ensure};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// Debian's chromium and chromium-driver; `HRMS_TEST_CHROMIUM` and
/// `HRMS_TEST_CHROMEDRIVER` point elsewhere.
fn chromium() -> String {
    std::env::var("HRMS_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

fn chromedriver() -> String {
    std::env::var("HRMS_TEST_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into())
}

/// The server's access-token lifetime, and how long a journey waits to be
/// sure it has passed.
pub const ACCESS_TTL: &str = "3s";
pub const PAST_ACCESS_EXPIRY: Duration = Duration::from_secs(4);

pub const LAPTOP: (u32, u32) = (1280, 800);
pub const PHONE: (u32, u32) = (390, 844);

/// Upper bound for start-up polling and for a whole journey.
const STARTUP_LIMIT: Duration = Duration::from_secs(10);
const JOURNEY_LIMIT: Duration = Duration::from_secs(90);
/// How long a message may take to reach the mail folder (the server's sender
/// looks at its outbox about once a second).
const MAIL_LIMIT: Duration = Duration::from_secs(15);

/// Is a browser here? Locally, no: skip with one line. With `CI=true`, no:
/// fail.
fn browser_available() -> bool {
    let missing: Vec<String> = [chromium(), chromedriver()].into_iter().filter(|p| !Path::new(p).is_file()).collect();
    if missing.is_empty() {
        return true;
    }
    let why = format!("{} not found", missing.join(" and "));
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("browser tests cannot run with CI=true: {why} (install chromium and chromium-driver)");
    }
    static SKIP: Once = Once::new();
    // Written to stderr directly: the test harness captures `eprintln!`.
    SKIP.call_once(|| {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "browser tests skipped: {why} (install chromium and chromium-driver to run them)"
        );
    });
    false
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free loopback port").port()
}

/// Where screenshots go: `<target dir>/screenshots`.
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("screenshots")
}

/// A child process killed (with its process group) when dropped.
struct Proc {
    child: Child,
    group: bool,
}

impl Drop for Proc {
    fn drop(&mut self) {
        if self.group {
            // chromedriver runs in a process group of its own, which the
            // browser it started shares: end them together, by group id.
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", self.child.id())])
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One browser session (WebDriver session) with a fresh profile: its own
/// cookies, so its own sign-in. Each can read the journey's mail.
pub struct Browser {
    pub journey: &'static str,
    pub base: String,
    pub client: Client,
    mail: MailFolder,
}

/// The journey's server and driver, and its first browser session (which
/// the rig dereferences to).
pub struct Rig {
    browser: Browser,
    driver_url: String,
    /// Sessions opened with `another_browser`: closed (and, on failure,
    /// photographed) with the first one.
    others: Mutex<Vec<Client>>,
    server_log: PathBuf,
    // Dropped in this order: driver (and browsers), then server, then files.
    _driver: Proc,
    _server: Proc,
    _dir: tempfile::TempDir,
}

impl Deref for Rig {
    type Target = Browser;

    fn deref(&self) -> &Browser {
        &self.browser
    }
}

impl Rig {
    /// Starts everything for `journey`, or `None` when browser tests are
    /// skipped here.
    pub async fn start(journey: &'static str) -> Option<Rig> {
        Self::start_with(journey, async |_| Ok(())).await
    }

    /// Like `start`, but first runs `setup` with the journey's database URL,
    /// before the server (and any browser) starts.
    pub async fn start_with(journey: &'static str, setup: impl AsyncFnOnce(&str) -> Result<()>) -> Option<Rig> {
        if !browser_available() {
            return None;
        }
        match Self::try_start(journey, setup).await {
            Ok(rig) => Some(rig),
            Err(e) => panic!("journey {journey:?}: could not start: {e:#}"),
        }
    }

    async fn try_start(journey: &'static str, setup: impl AsyncFnOnce(&str) -> Result<()>) -> Result<Rig> {
        let dir = tempfile::tempdir()?;
        remove_failure_shots(journey);
        let database_url = format!("sqlite://{}", dir.path().join("hrms.db").display());
        setup(&database_url).await.context("setting up the organisation")?;
        let mail = MailFolder::new(dir.path().join("mail"));

        // The portal.
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let server_log = dir.path().join("server.log");
        let log = std::fs::File::create(&server_log)?;
        let server = Proc {
            child: Command::new(env!("CARGO_BIN_EXE_hrms"))
                .arg("serve")
                .args(["--bind", &format!("127.0.0.1:{port}")])
                .args(["--database-url", &database_url])
                .args(["--public-url", &base])
                .args(["--access-ttl", ACCESS_TTL])
                .args(["--bcrypt-cost", "4"])
                // No SMTP server, whatever the environment says: every
                // message goes to the journey's mail folder.
                .env_remove("HRMS_SMTP_URL")
                .arg("--mail-dir")
                .arg(&mail.dir)
                .stdin(Stdio::null())
                .stdout(log.try_clone()?)
                .stderr(log)
                .spawn()
                .context("spawning hrms serve")?,
            group: false,
        };
        wait_healthy(&base).await.with_context(|| format!("server log:\n{}", tail(&server_log)))?;

        // The driver, in its own process group (see `Proc::drop`).
        let driver_port = free_port();
        let driver = Proc {
            child: {
                use std::os::unix::process::CommandExt;
                Command::new(chromedriver())
                    .arg(format!("--port={driver_port}"))
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .process_group(0)
                    .spawn()
                    .context("spawning chromedriver")?
            },
            group: true,
        };
        wait_accepting(SocketAddr::from(([127, 0, 0, 1], driver_port))).await?;

        // The browser, with a fresh profile.
        let driver_url = format!("http://127.0.0.1:{driver_port}");
        let browser = open_browser(journey, &base, &driver_url, &mail, &dir.path().join("profile")).await?;
        Ok(Rig {
            browser,
            driver_url,
            others: Mutex::new(Vec::new()),
            server_log,
            _driver: driver,
            _server: server,
            _dir: dir,
        })
    }

    /// Opens another browser session on the same driver, with a fresh
    /// profile of its own: nothing (no cookie) shared with the others.
    pub async fn another_browser(&self) -> Result<Browser> {
        let n = self.others.lock().map_err(|_| anyhow!("poisoned"))?.len() + 2;
        let profile = self._dir.path().join(format!("profile-{n}"));
        let browser = open_browser(self.journey, &self.base, &self.driver_url, &self.mail, &profile).await?;
        self.others.lock().map_err(|_| anyhow!("poisoned"))?.push(browser.client.clone());
        Ok(browser)
    }

    /// Runs `journey` (bounded in time), then closes the browser; on failure
    /// saves a screenshot and panics naming the journey, with the server's log.
    pub async fn run(self, journey: impl AsyncFnOnce(&Rig) -> Result<()>) {
        let result = match tokio::time::timeout(JOURNEY_LIMIT, journey(&self)).await {
            Ok(result) => result,
            Err(_) => Err(anyhow!("timed out after {JOURNEY_LIMIT:?}")),
        };
        let others: Vec<Client> = self.others.lock().map(|o| o.clone()).unwrap_or_default();
        let mut failure = None;
        if let Err(e) = result {
            let url = self.client.current_url().await.map(|u| u.to_string());
            let shot = self.screenshot("FAILED").await.map(|p| p.display().to_string());
            let mut more = String::new();
            for (i, client) in others.iter().enumerate() {
                let other = Browser {
                    journey: self.journey,
                    base: self.base.clone(),
                    client: client.clone(),
                    mail: self.mail.clone(),
                };
                let shot = other.screenshot(&format!("FAILED-{}", i + 2)).await;
                more += &format!(
                    "\n  browser {} at: {}\n  screenshot: {}",
                    i + 2,
                    other.where_am_i().await,
                    shot.map(|p| p.display().to_string()).unwrap_or_else(|e| format!("none ({e:#})")),
                );
            }
            failure = Some(format!(
                "journey {:?} failed: {e:#}\n  browser at: {}\n  screenshot: {}{more}\n  server log (tail):\n{}",
                self.journey,
                url.unwrap_or_else(|e| format!("? ({e})")),
                shot.unwrap_or_else(|e| format!("none ({e:#})")),
                tail(&self.server_log),
            ));
        }
        for client in others {
            let _ = client.close().await;
        }
        let _ = self.client.clone().close().await;
        drop(self);
        if let Some(failure) = failure {
            panic!("{failure}");
        }
    }
}

impl Browser {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn goto(&self, path: &str) -> Result<()> {
        self.client.goto(&self.url(path)).await.with_context(|| format!("opening {path}"))
    }

    pub async fn path(&self) -> Result<String> {
        Ok(self.client.current_url().await?.path().to_owned())
    }

    pub async fn text(&self, css: &str) -> Result<String> {
        self.find(css).await?.text().await.with_context(|| format!("reading the text of {css}"))
    }

    /// Waits (bounded) for an element, as after a click that navigates.
    pub async fn find(&self, css: &str) -> Result<fantoccini::elements::Element> {
        let found = self.client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(css)).await;
        match found {
            Ok(element) => Ok(element),
            Err(e) => Err(e).context(format!("no element {css} on {}", self.where_am_i().await)),
        }
    }

    pub async fn exists(&self, css: &str) -> Result<bool> {
        Ok(!self.client.find_all(Locator::Css(css)).await?.is_empty())
    }

    pub async fn fill(&self, css: &str, value: &str) -> Result<()> {
        let field = self.find(css).await?;
        field.clear().await?;
        field.send_keys(value).await.with_context(|| format!("typing into {css}"))
    }

    pub async fn click(&self, css: &str) -> Result<()> {
        self.find(css).await?.click().await.with_context(|| format!("clicking {css}"))
    }

    pub async fn where_am_i(&self) -> String {
        match self.client.current_url().await {
            Ok(u) => u.to_string(),
            Err(e) => format!("? ({e})"),
        }
    }

    /// The value of a cookie, `None` when the browser has no such cookie.
    pub async fn cookie(&self, name: &str) -> Result<Option<String>> {
        match self.client.get_named_cookie(name).await {
            Ok(c) => Ok(Some(c.value().to_owned())),
            Err(e) if e.is_no_such_cookie() => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading cookie {name}")),
        }
    }

    /// Runs a WebDriver script (it is not page script, so the pages' CSP
    /// `script-src 'none'` does not apply to it).
    pub async fn script(&self, js: &str, args: Vec<serde_json::Value>) -> Result<serde_json::Value> {
        self.client.execute(js, args).await.with_context(|| format!("running {js}"))
    }

    /// The time origin of the current document: a new value means a new
    /// document was loaded.
    pub async fn time_origin(&self) -> Result<f64> {
        self.script("return performance.timeOrigin;", vec![])
            .await?
            .as_f64()
            .context("performance.timeOrigin is not a number")
    }

    /// Clicks something that navigates, and waits (bounded) until the next
    /// document has loaded.
    pub async fn click_and_wait(&self, css: &str) -> Result<()> {
        let before = self.time_origin().await?;
        self.click(css).await?;
        self.wait_new_document(before).await.with_context(|| format!("after clicking {css}"))
    }

    /// Follows the link whose text is exactly `text`, and waits (bounded)
    /// until the next document has loaded.
    pub async fn click_link(&self, text: &str) -> Result<()> {
        let found = self.client.wait().at_most(Duration::from_secs(10)).for_element(Locator::LinkText(text)).await;
        let link = match found {
            Ok(link) => link,
            Err(e) => return Err(e).context(format!("no link {text:?} on {}", self.where_am_i().await)),
        };
        let before = self.time_origin().await?;
        link.click().await.with_context(|| format!("clicking the link {text:?}"))?;
        self.wait_new_document(before).await.with_context(|| format!("after clicking the link {text:?}"))
    }

    /// Waits (bounded) until the current window shows a document other than
    /// the one whose time origin was `before`, fully loaded.
    pub async fn wait_new_document(&self, before: f64) -> Result<()> {
        let start = Instant::now();
        loop {
            // Mid-navigation the script may fail: that is "not yet".
            let state = self.client.execute("return [performance.timeOrigin, document.readyState];", vec![]).await;
            if let Ok(state) = state
                && state[0].as_f64() != Some(before)
                && state[1] == "complete"
            {
                return Ok(());
            }
            ensure!(
                start.elapsed() < Duration::from_secs(10),
                "no new page loaded within 10 s (still at {})",
                self.where_am_i().await
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Resizes the window so that the page's viewport is `size`.
    pub async fn set_viewport(&self, (width, height): (u32, u32)) -> Result<()> {
        self.client.set_window_size(width, height).await?;
        let inner = self.script("return [window.innerWidth, window.innerHeight];", vec![]).await?;
        let (w, h) = (inner[0].as_u64().unwrap_or(0), inner[1].as_u64().unwrap_or(0));
        if (w, h) != (u64::from(width), u64::from(height)) {
            // Account for any window decoration.
            let (ow, oh) = self.client.get_window_size().await?;
            let width2 = u32::try_from(ow + u64::from(width) - w)?;
            let height2 = u32::try_from(oh + u64::from(height) - h)?;
            self.client.set_window_size(width2, height2).await?;
        }
        Ok(())
    }

    /// Saves the current page as `<journey>-<page>.png` at the current size.
    pub async fn screenshot(&self, page: &str) -> Result<PathBuf> {
        let png = self.client.screenshot().await.context("taking a screenshot")?;
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{}-{page}.png", self.journey));
        std::fs::write(&path, png)?;
        Ok(path)
    }

    /// Saves the current page on a laptop-size and on a phone-size window,
    /// then restores the laptop size. The phone shot reloads nothing: it is
    /// the same document, laid out again.
    pub async fn screenshots(&self, page: &str) -> Result<()> {
        self.screenshot(&format!("{page}-laptop")).await?;
        self.set_viewport(PHONE).await?;
        let shot = self.screenshot(&format!("{page}-phone")).await;
        self.set_viewport(LAPTOP).await?;
        shot.map(drop)
    }

    /// Like `screenshots`, with the page scrolled at each size so that the
    /// element `css` is at the top: for what lies below the first screen.
    pub async fn screenshots_at(&self, page: &str, css: &str) -> Result<()> {
        let scroll = "document.querySelector(arguments[0]).scrollIntoView({block: 'start'});";
        self.find(css).await?;
        self.script(scroll, vec![json!(css)]).await?;
        self.screenshot(&format!("{page}-laptop")).await?;
        self.set_viewport(PHONE).await?;
        let shot = match self.script(scroll, vec![json!(css)]).await {
            Ok(_) => self.screenshot(&format!("{page}-phone")).await,
            Err(e) => Err(e),
        };
        self.set_viewport(LAPTOP).await?;
        self.script("window.scrollTo(0, 0);", vec![]).await?;
        shot.map(drop)
    }

    /// Waits (bounded) for a message to `to` in the journey's mail folder
    /// with a link `<base><path_prefix>...` that no browser of this journey
    /// took before, and returns the link's path (from `path_prefix` on), to
    /// open with `goto`. Takes the newest such message; fails at once when
    /// the message's link points at another origin than the server's
    /// `--public-url`.
    pub async fn wait_for_link(&self, to: &str, path_prefix: &str) -> Result<String> {
        let start = Instant::now();
        loop {
            if let Some(path) = self.mail.take_newest_link(to, &self.base, path_prefix)? {
                return Ok(path);
            }
            if start.elapsed() > MAIL_LIMIT {
                bail!(
                    "no message to {to} with a new link {}{path_prefix}... arrived within {MAIL_LIMIT:?}; {}",
                    self.base,
                    self.mail.describe()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Sets a field's value directly (for date inputs, whose typing order
    /// depends on the browser's locale); the form then submits it as typed.
    pub async fn set_value(&self, css: &str, value: &str) -> Result<()> {
        self.find(css).await?;
        let set = "const field = document.querySelector(arguments[0]); field.value = arguments[1]; return field.value;";
        let now = self.script(set, vec![json!(css), json!(value)]).await?;
        ensure!(now == json!(value), "{css} holds {now} after setting it to {value:?}");
        Ok(())
    }

    /// Chooses the option of the `select` whose visible text starts with
    /// `label`.
    pub async fn select_starting_with(&self, select: &str, label: &str) -> Result<()> {
        let select = self.find(select).await?;
        let xpath = format!(".//option[starts-with(normalize-space(.), '{label}')]");
        select.find(Locator::XPath(&xpath)).await.with_context(|| format!("no option {label:?}"))?.click().await?;
        Ok(())
    }
}

/// A WebDriver session on the driver at `driver_url`, with its profile in
/// `profile` (created here), at laptop size.
async fn open_browser(
    journey: &'static str,
    base: &str,
    driver_url: &str,
    mail: &MailFolder,
    profile: &Path,
) -> Result<Browser> {
    std::fs::create_dir(profile)?;
    let caps = json!({
        "browserName": "chrome",
        "pageLoadStrategy": "normal",
        "timeouts": { "pageLoad": 20_000, "script": 10_000, "implicit": 0 },
        "goog:chromeOptions": {
            "binary": chromium(),
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                format!("--user-data-dir={}", profile.display()),
            ],
        },
    });
    let serde_json::Value::Object(caps) = caps else { unreachable!() };
    // With seven journeys starting Chromium at once on two cores, chromedriver
    // now and then drops the first request (seen once in CI: "webdriver server
    // did not respond"). Starting the session is retried; nothing else is.
    let mut attempt = 1;
    let client = loop {
        let started = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(driver_url)
            .await;
        match started {
            Ok(client) => break client,
            Err(e) if attempt < 3 => {
                eprintln!("journey {journey}: starting a Chromium session failed ({e}); trying again");
                attempt += 1;
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            Err(e) => return Err(e).context("starting a Chromium session"),
        }
    };
    let browser = Browser { journey, base: base.to_owned(), client, mail: mail.clone() };
    browser.set_viewport(LAPTOP).await?;
    Ok(browser)
}

/// Creates an account with the real binary's `hrms user create`, the
/// password on standard input, as an operator would.
pub async fn create_user(database_url: &str, email: &str, name: &str, role: &str, password: &str) -> Result<()> {
    use tokio::io::AsyncWriteExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_hrms"))
        .args(["user", "create", "--email", email, "--name", name, "--role", role])
        .args(["--database-url", database_url, "--bcrypt-cost", "4"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("spawning hrms user create")?;
    let mut stdin = child.stdin.take().context("no stdin for hrms user create")?;
    stdin.write_all(format!("{password}\n").as_bytes()).await?;
    drop(stdin);
    let out = tokio::time::timeout(STARTUP_LIMIT, child.wait_with_output())
        .await
        .context("hrms user create did not finish in time")??;
    ensure!(
        out.status.success(),
        "hrms user create --email {email} failed ({}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

/// Removes the failure screenshots of an earlier run of `journey`.
fn remove_failure_shots(journey: &str) {
    let prefix = format!("{journey}-FAILED");
    let Ok(entries) = std::fs::read_dir(screenshot_dir()) else { return };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

async fn wait_healthy(base: &str) -> Result<()> {
    let http = reqwest::Client::new();
    let url = format!("{base}/healthz");
    let start = Instant::now();
    loop {
        if let Ok(res) = http.get(&url).send().await
            && res.status() == reqwest::StatusCode::OK
        {
            return Ok(());
        }
        if start.elapsed() > STARTUP_LIMIT {
            bail!("{url} did not answer 200 within {STARTUP_LIMIT:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_accepting(addr: SocketAddr) -> Result<()> {
    let start = Instant::now();
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        ensure!(start.elapsed() < STARTUP_LIMIT, "chromedriver did not listen on {addr} within {STARTUP_LIMIT:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

fn tail(path: &Path) -> String {
    let log = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(25)..].join("\n")
}

// ---------------------------------------------------------------------------
// The mail folder.

/// The folder the journey's server writes every message to, as
/// `<unix-nanos>-<id>.eml` (it runs without `--smtp-url`): the inbox of
/// everyone in the journey.
#[derive(Clone)]
struct MailFolder {
    dir: PathBuf,
    /// Links already handed out: each is taken once, so that an older
    /// message is never mistaken for the one a step waits for.
    taken: Arc<Mutex<HashSet<String>>>,
}

/// What a journey needs of one message.
struct Eml {
    name: String,
    to: Vec<String>,
    subject: String,
    /// The plain-text part, decoded.
    text: Option<String>,
}

impl MailFolder {
    fn new(dir: PathBuf) -> Self {
        Self { dir, taken: Arc::default() }
    }

    /// The messages in the folder, newest first (the file names start with
    /// the time of writing). A missing folder holds none.
    fn messages(&self) -> Result<Vec<Eml>> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).with_context(|| format!("reading the mail folder {}", self.dir.display())),
        };
        let mut names = Vec::new();
        for entry in entries {
            let name = entry?.file_name().to_string_lossy().into_owned();
            // Messages being written are `.<name>.partial`.
            if name.ends_with(".eml") && !name.starts_with('.') {
                let stamp: u128 = name.split('-').next().and_then(|n| n.parse().ok()).unwrap_or(0);
                names.push((stamp, name));
            }
        }
        names.sort_unstable_by(|a, b| b.cmp(a));
        let mut messages = Vec::new();
        for (_, name) in names {
            let raw = std::fs::read(self.dir.join(&name)).with_context(|| format!("reading the message {name}"))?;
            messages.push(parse_eml(name, &String::from_utf8_lossy(&raw)));
        }
        Ok(messages)
    }

    /// The path of the link `<base><path_prefix>...` in the newest message
    /// to `to` that holds one not taken before, now taken.
    fn take_newest_link(&self, to: &str, base: &str, path_prefix: &str) -> Result<Option<String>> {
        for message in self.messages()? {
            if !message.to.iter().any(|address| address.eq_ignore_ascii_case(to)) {
                continue;
            }
            let Some(text) = &message.text else { continue };
            for path in links_in(text, base, path_prefix).with_context(|| format!("in the message {}", message.name))? {
                let mut taken = self.taken.lock().map_err(|_| anyhow!("poisoned"))?;
                if taken.insert(path.clone()) {
                    return Ok(Some(path));
                }
            }
        }
        Ok(None)
    }

    /// For failure messages: what the folder holds.
    fn describe(&self) -> String {
        match self.messages() {
            Ok(messages) if messages.is_empty() => format!("the mail folder {} holds no message", self.dir.display()),
            Ok(messages) => {
                let list: Vec<String> = messages
                    .iter()
                    .map(|m| format!("\n    {} to {} ({:?})", m.name, m.to.join(", "), m.subject))
                    .collect();
                format!("the mail folder {} holds:{}", self.dir.display(), list.concat())
            }
            Err(e) => format!("{e:#}"),
        }
    }
}

/// Reads a message as the portal writes it: headers, then (usually) a
/// `multipart/alternative` body whose plain-text part is 7bit,
/// quoted-printable or base64.
fn parse_eml(name: String, raw: &str) -> Eml {
    let raw = raw.replace("\r\n", "\n");
    let (headers, body) = split_headers(&raw);
    let to = header(&headers, "to")
        .map(|value| {
            value
                .split(',')
                .map(|address| {
                    let address = address.trim();
                    match (address.rfind('<'), address.rfind('>')) {
                        (Some(start), Some(end)) if start < end => address[start + 1..end].trim().to_owned(),
                        _ => address.to_owned(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let subject = header(&headers, "subject").unwrap_or_default().to_owned();
    Eml { name, to, subject, text: plain_text(&headers, body) }
}

/// The headers (names lower-cased, folded lines joined) and the body.
fn split_headers(part: &str) -> (Vec<(String, String)>, &str) {
    let (head, body) = part.split_once("\n\n").unwrap_or((part, ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    (headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// The first `text/plain` part, decoded; looks into nested multiparts.
fn plain_text(headers: &[(String, String)], body: &str) -> Option<String> {
    let content_type = header(headers, "content-type").unwrap_or("text/plain").to_ascii_lowercase();
    if content_type.starts_with("multipart/") {
        let boundary = header(headers, "content-type")?.split(';').find_map(|param| {
            let (key, value) = param.split_once('=')?;
            key.trim().eq_ignore_ascii_case("boundary").then(|| value.trim().trim_matches('"').to_owned())
        })?;
        let delimiter = format!("--{boundary}");
        return body.split(&delimiter).skip(1).take_while(|part| !part.starts_with("--")).find_map(|part| {
            let (headers, body) = split_headers(part.trim_start_matches('\n'));
            plain_text(&headers, body)
        });
    }
    if !content_type.starts_with("text/plain") {
        return None;
    }
    let encoding = header(headers, "content-transfer-encoding").unwrap_or("7bit").to_ascii_lowercase();
    match encoding.as_str() {
        "quoted-printable" => Some(quoted_printable(body)),
        "base64" => {
            use base64::Engine;
            let compact: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            let bytes = base64::engine::general_purpose::STANDARD.decode(compact).ok()?;
            Some(String::from_utf8_lossy(&bytes).into_owned())
        }
        _ => Some(body.to_owned()),
    }
}

/// Undoes quoted-printable: soft line breaks (`=` at a line's end), then
/// `=XX` escapes (`=3D` for `=`, and the bytes of UTF-8 text).
fn quoted_printable(body: &str) -> String {
    let joined = body.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'=')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The paths of the links `<base><path_prefix><rest>` in `text`, in order.
/// A link to `path_prefix` on another origin is an error: the portal's
/// links must be absolute, on its `--public-url`.
fn links_in(text: &str, base: &str, path_prefix: &str) -> Result<Vec<String>> {
    let mut paths = Vec::new();
    for (at, _) in text.match_indices(path_prefix) {
        let end = text[at..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | ')'))
            .map_or(text.len(), |n| at + n);
        let path = &text[at..end];
        let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
        ensure!(
            text[..at].ends_with(base),
            "the link to {path} does not start with {base}: {:?}",
            &text[line_start..end]
        );
        ensure!(path.len() > path_prefix.len(), "the link {base}{path} ends where its token should begin");
        paths.push(path.to_owned());
    }
    Ok(paths)
}
