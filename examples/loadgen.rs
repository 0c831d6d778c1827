//! The load generator behind `bench/run.sh`. Each connection is one task on
//! its own keep-alive HTTP/1.1 connection, sending requests back to back and
//! keeping its own cookies, so the `refresh` scenario can walk a chain of
//! rotated refresh tokens per connection. The `api-*` scenarios sign in at
//! `/api/v1/auth/login` and send `Authorization: Bearer` instead of cookies.
//! The `hr-*`, `calendar-dept`, `export` and `import` scenarios sign in as
//! the demo HR account (`--email`); `export` and `import` are not load but a
//! few requests one after another, timed one by one, with the server's peak
//! memory during them against its resident memory just before.
//! Prints one line per scenario.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1;
use hyper::{Request, StatusCode, header};
use tokio::net::TcpStream;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

struct Conn {
    sender: http1::SendRequest<Full<Bytes>>,
}

impl Conn {
    async fn open(addr: SocketAddr) -> Result<Self, BoxError> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (sender, conn) = http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
        tokio::spawn(conn);
        Ok(Conn { sender })
    }

    /// Sends a request with a cookie header (if not empty) and a form body
    /// (if any); returns status, Set-Cookie values and body.
    async fn send(
        &mut self,
        method: &str,
        path: &str,
        cookie: &str,
        form: Option<String>,
    ) -> Result<(StatusCode, Vec<String>, Bytes), BoxError> {
        let cookie = (!cookie.is_empty()).then_some((header::COOKIE, cookie));
        let body = form.map(|f| ("application/x-www-form-urlencoded", f));
        self.request(method, path, cookie.as_slice(), body).await
    }

    /// Sends a request with these headers and a body of the given content
    /// type (if any); returns status, Set-Cookie values and body.
    async fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(header::HeaderName, &str)],
        body: Option<(&str, String)>,
    ) -> Result<(StatusCode, Vec<String>, Bytes), BoxError> {
        self.sender.ready().await?;
        let mut req = Request::builder().method(method).uri(path).header(header::HOST, "127.0.0.1");
        for (name, value) in headers {
            req = req.header(name, *value);
        }
        let body = match body {
            Some((content_type, b)) => {
                req = req.header(header::CONTENT_TYPE, content_type);
                Full::new(Bytes::from(b))
            }
            None => Full::new(Bytes::new()),
        };
        let res = self.sender.send_request(req.body(body)?).await?;
        let status = res.status();
        let cookies = res
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().to_owned())
            .collect();
        let body = res.into_body().collect().await?.to_bytes();
        Ok((status, cookies, body))
    }
}

/// A cookie jar of name=value pairs.
#[derive(Clone, Default)]
struct Jar(Vec<(String, String)>);

impl Jar {
    fn absorb(&mut self, set_cookies: &[String]) {
        for c in set_cookies {
            if let Some((name, value)) = c.split_once('=') {
                self.0.retain(|(n, _)| n != name);
                if !value.is_empty() {
                    self.0.push((name.to_owned(), value.to_owned()));
                }
            }
        }
    }
    fn header(&self) -> String {
        self.0.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ")
    }
    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

fn csrf_token(html: &[u8]) -> String {
    let html = String::from_utf8_lossy(html);
    let marker = r#"name="csrf_token" value=""#;
    let start = html.find(marker).map(|i| i + marker.len()).unwrap_or(0);
    html[start..].split('"').next().unwrap_or_default().to_owned()
}

fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{k}={}", percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Signs in over `conn`; returns the jar with both session cookies.
async fn sign_in(conn: &mut Conn, email: &str, password: &str) -> Result<Jar, BoxError> {
    let mut jar = Jar::default();
    let (_, cookies, body) = conn.send("GET", "/login", "", None).await?;
    jar.absorb(&cookies);
    let token = csrf_token(&body);
    let f = form(&[("email", email), ("password", password), ("csrf_token", &token)]);
    let (status, cookies, _) = conn.send("POST", "/login", &jar.header(), Some(f)).await?;
    if status != StatusCode::SEE_OTHER {
        return Err(format!("sign-in as {email} answered {status}").into());
    }
    jar.absorb(&cookies);
    Ok(jar)
}

/// Signs in at the JSON API over `conn`; returns the `Authorization` header value.
async fn api_sign_in(conn: &mut Conn, email: &str, password: &str) -> Result<String, BoxError> {
    let body = serde_json::json!({ "email": email, "password": password, "client_name": "loadgen" }).to_string();
    let (status, _, answer) = conn.request("POST", "/api/v1/auth/login", &[], Some(("application/json", body))).await?;
    if status != StatusCode::OK {
        return Err(format!("API sign-in as {email} answered {status}").into());
    }
    let answer: serde_json::Value = serde_json::from_slice(&answer)?;
    let token = answer["access_token"].as_str().ok_or("no access_token in the sign-in answer")?;
    Ok(format!("Bearer {token}"))
}

#[derive(Default)]
struct Outcome {
    latencies_us: Vec<u32>,
    errors: u64,
}

impl Outcome {
    fn merge(mut self, other: Outcome) -> Outcome {
        self.latencies_us.extend(other.latencies_us);
        self.errors += other.errors;
        self
    }
    fn percentile(&self, sorted: &[u32], p: f64) -> f64 {
        if sorted.is_empty() {
            return 0.0;
        }
        let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        f64::from(sorted[i]) / 1000.0
    }
}

/// What each connection does per request: returns false on an unexpected answer.
#[derive(Clone)]
enum Work {
    Get {
        path: String,
        /// The credential sent with every request: `Cookie` for the pages,
        /// `Authorization: Bearer` for the API; none for the baseline.
        credential: Option<(header::HeaderName, String)>,
        expect: StatusCode,
    },
    /// Present an expired access token and the connection's current refresh
    /// token; keep the rotated one for the next request.
    RefreshChain {
        expired_access: String,
    },
    Login {
        email: String,
        password: String,
    },
}

async fn connection_loop(addr: SocketAddr, work: Work, mut jar: Jar, until: Instant) -> Outcome {
    let mut out = Outcome::default();
    let Ok(mut conn) = Conn::open(addr).await else {
        out.errors += 1;
        return out;
    };
    let mut login_form = None;
    if let Work::Login { email, password } = &work
        && let Ok((_, cookies, body)) = conn.send("GET", "/login", "", None).await
    {
        jar.absorb(&cookies);
        login_form = Some(form(&[("email", email), ("password", password), ("csrf_token", &csrf_token(&body))]));
    }
    while Instant::now() < until {
        let started = Instant::now();
        let ok = match &work {
            Work::Get { path, credential, expect } => {
                let header = credential.as_ref().map(|(name, value)| (name.clone(), value.as_str()));
                matches!(conn.request("GET", path, header.as_slice(), None).await, Ok((s, _, _)) if s == *expect)
            }
            Work::RefreshChain { expired_access } => {
                let refresh = jar.get("hrms_refresh").unwrap_or_default().to_owned();
                let cookie = format!("hrms_access={expired_access}; hrms_refresh={refresh}");
                match conn.send("GET", "/dashboard", &cookie, None).await {
                    Ok((StatusCode::OK, cookies, _)) => {
                        jar.absorb(&cookies);
                        cookies.iter().any(|c| c.starts_with("hrms_refresh="))
                    }
                    _ => false,
                }
            }
            Work::Login { .. } => {
                let f = login_form.clone().unwrap_or_default();
                let cookie = jar.header();
                matches!(conn.send("POST", "/login", &cookie, Some(f)).await, Ok((StatusCode::SEE_OTHER, _, _)))
            }
        };
        if ok {
            out.latencies_us.push(started.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
        } else {
            out.errors += 1;
            if let Ok(c) = Conn::open(addr).await {
                conn = c;
            } else {
                break;
            }
        }
    }
    out
}

struct Figures {
    requests_per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
}

/// Runs `connections` for `seconds`, spread over `addrs` in turn (several
/// instances of the server behind no balancer: the load generator balances).
async fn run(addrs: Vec<SocketAddr>, connections: Vec<(Work, Jar)>, seconds: u64) -> Figures {
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let tasks: Vec<_> = connections
        .into_iter()
        .enumerate()
        .map(|(i, (work, jar))| tokio::spawn(connection_loop(addrs[i % addrs.len()], work, jar, until)))
        .collect();
    let mut total = Outcome::default();
    for t in tasks {
        if let Ok(o) = t.await {
            total = total.merge(o);
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut sorted = total.latencies_us.clone();
    sorted.sort_unstable();
    Figures {
        requests_per_s: sorted.len() as f64 / elapsed,
        p50_ms: total.percentile(&sorted, 0.50),
        p99_ms: total.percentile(&sorted, 0.99),
        errors: total.errors,
    }
}

/// The largest peak resident memory of the servers since the last reset, in MiB.
fn peak_rss_mib(pids: &[u32]) -> f64 {
    pids.iter().map(|pid| peak_rss_one(*pid)).fold(0.0, f64::max)
}

fn peak_rss_one(pid: u32) -> f64 {
    status_mib(pid, "VmHWM:")
}

/// A memory figure (`VmHWM:`, `VmRSS:`) of `/proc/<pid>/status`, in MiB; 0 if unreadable.
fn status_mib(pid: u32, field: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

/// Starts a new peak-RSS measurement (Linux: writing 5 to clear_refs).
fn reset_peak_rss(pids: &[u32]) {
    for pid in pids {
        let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
    }
}

fn print(name: &str, f: &Figures, pid: &[u32], extra: &str) {
    println!(
        "{name:<10} {:>9.0} req/s   p50 {:>7.2} ms   p99 {:>7.2} ms   peak RSS {:>6.1} MiB   errors {}{extra}",
        f.requests_per_s,
        f.p50_ms,
        f.p99_ms,
        peak_rss_mib(pid),
        f.errors
    );
}

struct Args {
    /// `--addr a,b`: one or more instances.
    addrs: Vec<SocketAddr>,
    /// `--pid p,q`: their processes, for memory.
    pids: Vec<u32>,
    scenario: String,
    seconds: u64,
    connections: usize,
    email: String,
    password: String,
    path: String,
    bcrypt_cost: u32,
    /// `--repeat`: downloads in the `export` scenario.
    repeat: usize,
    /// `--rows`: rows of the file the `import` scenario uploads.
    rows: usize,
}

fn parse_args() -> Result<Args, BoxError> {
    let mut a = Args {
        addrs: vec!["127.0.0.1:3000".parse()?],
        pids: Vec::new(),
        scenario: String::new(),
        seconds: 10,
        connections: 64,
        email: String::new(),
        password: String::new(),
        path: "/dashboard".into(),
        bcrypt_cost: 12,
        repeat: 3,
        rows: 10_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--addr" => a.addrs = value()?.split(',').map(str::parse).collect::<Result<_, _>>()?,
            "--pid" => a.pids = value()?.split(',').map(str::parse).collect::<Result<_, _>>()?,
            "--seconds" => a.seconds = value()?.parse()?,
            "--connections" => a.connections = value()?.parse()?,
            "--email" => a.email = value()?,
            "--password" => a.password = value()?,
            "--path" => a.path = value()?,
            "--bcrypt-cost" => a.bcrypt_cost = value()?.parse()?,
            "--repeat" => a.repeat = value()?.parse()?,
            "--rows" => a.rows = value()?.parse()?,
            s if !s.starts_with("--") => a.scenario = s.to_owned(),
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    Ok(a)
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let a = parse_args()?;
    // Sign-ins go to the first instance; with several, they share one database.
    let addr = a.addrs[0];
    let addrs = a.addrs.clone();
    match a.scenario.as_str() {
        // A trivial route through the same middleware stack: no auth, no database.
        "baseline" => {
            let work = Work::Get { path: "/static/favicon.svg".into(), credential: None, expect: StatusCode::OK };
            reset_peak_rss(&a.pids);
            let f = run(addrs.clone(), vec![(work, Jar::default()); a.connections], a.seconds).await;
            print("baseline", &f, &a.pids, "");
        }
        // Pages with an access cookie: as the Employee (dashboard,
        // directory) or as HR (hr-dashboard, hr-queue), per `--email`.
        "dashboard" | "directory" | "hr-dashboard" | "hr-queue" => {
            let jar = sign_in(&mut Conn::open(addr).await?, &a.email, &a.password).await?;
            let cookie = format!("hrms_access={}", jar.get("hrms_access").ok_or("no access token")?);
            let work =
                Work::Get { path: a.path.clone(), credential: Some((header::COOKIE, cookie)), expect: StatusCode::OK };
            reset_peak_rss(&a.pids);
            let f = run(addrs.clone(), vec![(work, Jar::default()); a.connections], a.seconds).await;
            print(&a.scenario, &f, &a.pids, "");
        }
        // The JSON API with one Bearer token shared by every connection (one
        // session: run the server with a high --api-requests-per-minute).
        "api-me" | "api-list" => {
            let bearer = api_sign_in(&mut Conn::open(addr).await?, &a.email, &a.password).await?;
            let credential = Some((header::AUTHORIZATION, bearer));
            let work = Work::Get { path: a.path.clone(), credential, expect: StatusCode::OK };
            reset_peak_rss(&a.pids);
            let f = run(addrs.clone(), vec![(work, Jar::default()); a.connections], a.seconds).await;
            print(&a.scenario, &f, &a.pids, "");
        }
        // The server runs with a 1 s access TTL: every request's access token has expired.
        "refresh" => {
            let mut connections = Vec::new();
            let mut expired_access = String::new();
            for _ in 0..a.connections {
                let jar = sign_in(&mut Conn::open(addr).await?, &a.email, &a.password).await?;
                expired_access = jar.get("hrms_access").unwrap_or_default().to_owned();
                connections.push(jar);
            }
            tokio::time::sleep(Duration::from_millis(1100)).await;
            let work = Work::RefreshChain { expired_access };
            reset_peak_rss(&a.pids);
            let f =
                run(addrs.clone(), connections.into_iter().map(|jar| (work.clone(), jar)).collect(), a.seconds).await;
            print("refresh", &f, &a.pids, " (rotations)");
        }
        // Form logins at the configured bcrypt cost while the dashboard is served beside them.
        "login" => {
            let hash_started = Instant::now();
            let rounds = 3;
            for _ in 0..rounds {
                bcrypt::hash("benchmark", a.bcrypt_cost)?;
            }
            let one_hash = hash_started.elapsed().as_secs_f64() / f64::from(rounds);
            let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) as f64;
            let ceiling = cores / one_hash;

            let jar = sign_in(&mut Conn::open(addr).await?, &a.email, &a.password).await?;
            let cookie = format!("hrms_access={}", jar.get("hrms_access").ok_or("no access token")?);
            let dashboard = Work::Get {
                path: "/dashboard".into(),
                credential: Some((header::COOKIE, cookie)),
                expect: StatusCode::OK,
            };
            let login = Work::Login { email: a.email.clone(), password: a.password.clone() };
            reset_peak_rss(&a.pids);
            let logins = tokio::spawn(run(addrs.clone(), vec![(login, Jar::default()); 8], a.seconds));
            let pages = run(addrs.clone(), vec![(dashboard, Jar::default()); a.connections], a.seconds).await;
            let logins = logins.await?;
            let share = logins.requests_per_s / ceiling * 100.0;
            print(
                "login",
                &logins,
                &a.pids,
                &format!(
                    " | ceiling {ceiling:.2}/s ({cores} cores / {:.0} ms per hash) = {share:.0}% | dashboard during storm: {:.0} req/s, p99 {:.2} ms",
                    one_hash * 1000.0,
                    pages.requests_per_s,
                    pages.p99_ms
                ),
            );
        }
        // Holds many idle keep-alive connections, each after one request, and reports RSS.
        "idle" => {
            let mut held = Vec::new();
            for _ in 0..a.connections {
                let mut c = Conn::open(addr).await?;
                c.send("GET", "/static/favicon.svg", "", None).await?;
                held.push(c);
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            println!("idle       {} open connections: server RSS peak {:.1} MiB", held.len(), peak_rss_mib(&a.pids));
        }
        // The month calendar of one department as HR: the department whose
        // headcount is closest to 300 (the largest in a small company).
        "calendar-dept" => {
            let bearer = api_sign_in(&mut Conn::open(addr).await?, &a.email, &a.password).await?;
            let (departments, staff) = department_list(&mut Conn::open(addr).await?, &bearer).await?;
            let (id, name, size) = departments
                .into_iter()
                .min_by_key(|(_, _, n)| ((n - 300).abs(), -n))
                .ok_or("the company has no departments")?;
            let joiner = if a.path.contains('?') { '&' } else { '?' };
            let path = format!("{}{joiner}department={id}", a.path);
            let jar = sign_in(&mut Conn::open(addr).await?, &a.email, &a.password).await?;
            let cookie = format!("hrms_access={}", jar.get("hrms_access").ok_or("no access token")?);
            let (status, _, _) =
                Conn::open(addr).await?.request("GET", &path, &[(header::COOKIE, cookie.as_str())], None).await?;
            if status != StatusCode::OK {
                return Err(format!("GET {path} answered {status}").into());
            }
            let work = Work::Get { path, credential: Some((header::COOKIE, cookie)), expect: StatusCode::OK };
            reset_peak_rss(&a.pids);
            let f = run(addrs.clone(), vec![(work, Jar::default()); a.connections], a.seconds).await;
            print("calendar-dept", &f, &a.pids, &format!(" | department {name:?}: {size} people of {staff}"));
        }
        // The whole directory as CSV, `--repeat` downloads one after another
        // on one connection, against the first instance.
        "export" => {
            let pid = &a.pids[..a.pids.len().min(1)];
            let jar = sign_in(&mut Conn::open(addr).await?, &a.email, &a.password).await?;
            let cookie = format!("hrms_access={}", jar.get("hrms_access").ok_or("no access token")?);
            let mut conn = Conn::open(addr).await?;
            tokio::time::sleep(Duration::from_millis(200)).await;
            reset_peak_rss(pid);
            let before = pid.first().map_or(0.0, |p| status_mib(*p, "VmRSS:"));
            let started = Instant::now();
            let mut out = Outcome::default();
            let (mut rows, mut bytes, mut seconds) = (0, 0, Vec::new());
            for _ in 0..a.repeat {
                let t = Instant::now();
                match conn.request("GET", &a.path, &[(header::COOKIE, cookie.as_str())], None).await {
                    Ok((StatusCode::OK, _, body)) => {
                        let elapsed = t.elapsed();
                        out.latencies_us.push(elapsed.as_micros().min(u128::from(u32::MAX)) as u32);
                        seconds.push(format!("{:.1}", elapsed.as_secs_f64() * 1000.0));
                        bytes = body.len();
                        // Lines after the header; the last may lack its newline.
                        let lines = body.iter().filter(|b| **b == b'\n').count()
                            + usize::from(body.last().is_some_and(|b| *b != b'\n'));
                        rows = lines.saturating_sub(1);
                    }
                    _ => {
                        out.errors += 1;
                        conn = Conn::open(addr).await?;
                    }
                }
            }
            let elapsed = started.elapsed().as_secs_f64();
            let mut sorted = out.latencies_us.clone();
            sorted.sort_unstable();
            let f = Figures {
                requests_per_s: sorted.len() as f64 / elapsed,
                p50_ms: out.percentile(&sorted, 0.50),
                p99_ms: out.percentile(&sorted, 0.99),
                errors: out.errors,
            };
            let peak = peak_rss_mib(pid);
            print(
                "export",
                &f,
                pid,
                &format!(
                    " | {} downloads in turn: {} ms; {rows} rows, {bytes} bytes; RSS {before:.1} MiB before, +{:.1} MiB at peak",
                    a.repeat,
                    seconds.join(", "),
                    peak - before
                ),
            );
        }
        // Uploads a file of `--rows` new people and confirms it, once, each timed.
        "import" => import(&a).await?,
        other => {
            return Err(format!(
                "unknown scenario {other:?}: baseline, dashboard, directory, api-me, api-list, hr-dashboard, \
                 hr-queue, calendar-dept, export, refresh, login, idle, import"
            )
            .into());
        }
    }
    Ok(())
}

/// Every department as (id, name, headcount), and the company's current
/// staff (the headcounts plus those in no department), from the API.
async fn department_list(conn: &mut Conn, bearer: &str) -> Result<(Vec<(String, String, i64)>, i64), BoxError> {
    let (status, _, body) =
        conn.request("GET", "/api/v1/departments", &[(header::AUTHORIZATION, bearer)], None).await?;
    if status != StatusCode::OK {
        return Err(format!("GET /api/v1/departments answered {status}").into());
    }
    let list: serde_json::Value = serde_json::from_slice(&body)?;
    let items: Vec<(String, String, i64)> = list["items"]
        .as_array()
        .ok_or("no items in /api/v1/departments")?
        .iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap_or_default().to_owned(),
                d["name"].as_str().unwrap_or_default().to_owned(),
                d["headcount"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    let staff = items.iter().map(|(_, _, n)| n).sum::<i64>() + list["unassigned"].as_i64().unwrap_or(0);
    Ok((items, staff))
}

/// A text of `<tag>...</tag>`-free words near `marker` in `html`, to say why a page refused.
fn gist(html: &[u8], marker: &str) -> String {
    let html = String::from_utf8_lossy(html);
    let from = html.find(marker).unwrap_or(0);
    let mut text = String::new();
    let mut in_tag = false;
    for c in html[from..].chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
        if text.len() > 2000 {
            break;
        }
    }
    text.split_whitespace().take(60).collect::<Vec<_>>().join(" ")
}

/// `bytes` as the upload form sends it, with `token`: (content type, body).
fn multipart(token: &str, file_name: &str, csv: &str) -> (String, String) {
    let boundary = "----hrms-loadgen-boundary-5c1d2b7e";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
    );
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// `import`: a file of `a.rows` new people (new numbers and emails, spread
/// over the departments that exist, no manager) uploaded to
/// `/employees/import` as HR, then confirmed; prints the time of each and
/// checks that the company grew by that many.
async fn import(a: &Args) -> Result<(), BoxError> {
    let addr = a.addrs[0];
    let pid = &a.pids[..a.pids.len().min(1)];
    let bearer = api_sign_in(&mut Conn::open(addr).await?, &a.email, &a.password).await?;
    let (departments, staff_before) = department_list(&mut Conn::open(addr).await?, &bearer).await?;
    if departments.is_empty() {
        return Err("the company has no departments".into());
    }
    let mut csv = String::from(
        "employee_number,full_name,work_email,job_title,department,manager_employee_number,hire_date,phone,status\r\n",
    );
    for n in 1..=a.rows {
        let department = &departments[n % departments.len()].1;
        let department = if department.contains([',', '"']) {
            format!("\"{}\"", department.replace('"', "\"\""))
        } else {
            department.clone()
        };
        csv.push_str(&format!(
            "BI-{n:06},Bench Import {n},bench.import.{n}@example.com,Analyst,{department},,2025-06-02,,\r\n"
        ));
    }
    let file_bytes = csv.len();

    let mut conn = Conn::open(addr).await?;
    let mut jar = sign_in(&mut conn, &a.email, &a.password).await?;
    let (status, cookies, page) = conn.send("GET", "/employees/import", &jar.header(), None).await?;
    if status != StatusCode::OK {
        return Err(format!("GET /employees/import answered {status}").into());
    }
    jar.absorb(&cookies);
    let token = csrf_token(&page);
    let (content_type, body) = multipart(&token, "bench-import.csv", &csv);
    drop(csv);

    tokio::time::sleep(Duration::from_millis(200)).await;
    reset_peak_rss(pid);
    let before = pid.first().map_or(0.0, |p| status_mib(*p, "VmRSS:"));
    let cookie = jar.header();
    let t = Instant::now();
    let (status, cookies, preview) = conn
        .request("POST", "/employees/import", &[(header::COOKIE, cookie.as_str())], Some((content_type.as_str(), body)))
        .await?;
    let preview_s = t.elapsed().as_secs_f64();
    if status != StatusCode::OK {
        return Err(format!("the import's preview answered {status}: {}", gist(&preview, "import-problems")).into());
    }
    jar.absorb(&cookies);
    let marker = "action=\"/employees/import/";
    let text = String::from_utf8_lossy(&preview);
    let start = text.find(marker).map(|i| i + marker.len()).ok_or("no confirm form in the preview")?;
    let id = text[start..].split('/').next().unwrap_or_default().to_owned();
    let token = csrf_token(&preview);
    drop(text);

    let t = Instant::now();
    let (status, _, answer) = conn
        .send("POST", &format!("/employees/import/{id}/confirm"), &jar.header(), Some(form(&[("csrf_token", &token)])))
        .await?;
    let confirm_s = t.elapsed().as_secs_f64();
    if status != StatusCode::SEE_OTHER {
        return Err(format!("the import's confirmation answered {status}: {}", gist(&answer, "<main")).into());
    }
    let peak = peak_rss_mib(pid);
    let (_, staff_after) = department_list(&mut Conn::open(addr).await?, &bearer).await?;
    let added = staff_after - staff_before;
    let errors = usize::from(added != i64::try_from(a.rows).unwrap_or(i64::MAX));
    println!(
        "import     {} rows ({:.2} MiB) as one upload: preview {:.2} s, confirm {:.2} s   peak RSS {peak:>6.1} MiB   errors {errors} | staff {staff_before} -> {staff_after}; RSS {before:.1} MiB before, +{:.1} MiB at peak",
        a.rows,
        file_bytes as f64 / (1024.0 * 1024.0),
        preview_s,
        confirm_s,
        peak - before
    );
    Ok(())
}
