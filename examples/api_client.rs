//! A small client of the JSON API (`/api/v1`) that does what an Angular HTTP
//! interceptor does: sign in once, send `Authorization: Bearer <access>` with
//! every call, and when a call answers 401, trade the refresh token for a new
//! pair (`POST /api/v1/auth/refresh`) once and send the call again. When the
//! refresh token is refused too (the session ended, or sat idle past
//! `--refresh-ttl`), it gives up with `ClientError::SignInAgain`: no loop.
//!
//! ```sh
//! HRMS_API_PASSWORD='demo password 2026' \
//!   cargo run --example api_client -- http://127.0.0.1:3000 someone@example.com
//! ```
//!
//! Arguments, each also read from the environment: the base URL
//! (`HRMS_API_URL`, default `http://127.0.0.1:3000`), the email
//! (`HRMS_API_EMAIL`) and the password (`HRMS_API_PASSWORD`; prefer the
//! variable, arguments show in `ps`). Prints `/api/v1/me` and the first page
//! of `/api/v1/employees`.
//!
//! The integration test `tests/it/api_client_example.rs` includes this file
//! as a module and runs `ApiClient` across access-token expiries.

use std::fmt;

use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

/// Why a call failed.
#[derive(Debug)]
pub enum ClientError {
    /// The request could not be sent, or its answer not read.
    Transport(reqwest::Error),
    /// The server answered with an error status; `detail` is the problem's
    /// `detail` (RFC 9457), or the body as text.
    Status { status: StatusCode, detail: String },
    /// The access token was refused and no new one could be had with the
    /// refresh token (or there is none): sign in again.
    SignInAgain { detail: String },
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Transport(e) => write!(f, "could not reach the API: {e}"),
            ClientError::Status { status, detail } => write!(f, "the API answered {status}: {detail}"),
            ClientError::SignInAgain { detail } => write!(f, "signed out, sign in again: {detail}"),
        }
    }
}

impl std::error::Error for ClientError {}

impl From<reqwest::Error> for ClientError {
    fn from(e: reqwest::Error) -> Self {
        ClientError::Transport(e)
    }
}

/// An answer: its status and its body as JSON (`Null` when empty or not JSON).
struct Answer {
    status: StatusCode,
    json: Value,
    text: String,
}

impl Answer {
    /// The problem's `detail`, else the body itself.
    fn detail(&self) -> String {
        match self.json.get("detail").and_then(Value::as_str) {
            Some(detail) => detail.to_owned(),
            None => self.text.clone(),
        }
    }

    fn into_error(self) -> ClientError {
        ClientError::Status { status: self.status, detail: self.detail() }
    }
}

/// A signed-in API client holding its token pair.
pub struct ApiClient {
    /// Like `http://127.0.0.1:3000`, without a trailing slash.
    pub base: String,
    pub access: Option<String>,
    pub refresh: Option<String>,
    http: reqwest::Client,
    /// How many times the client went to `/api/v1/auth/refresh`.
    pub refreshes: u32,
}

impl ApiClient {
    pub fn new(base: &str) -> Self {
        ApiClient {
            base: base.trim_end_matches('/').to_owned(),
            access: None,
            refresh: None,
            http: reqwest::Client::new(),
            refreshes: 0,
        }
    }

    /// Signs in with email and password and keeps the token pair. Returns
    /// the whole answer (`user`, `device_id`, lifetimes).
    pub async fn login(&mut self, email: &str, password: &str) -> Result<Value, ClientError> {
        let body = json!({ "email": email, "password": password, "client_name": "api_client example" });
        let answer = self.send(Method::POST, "/api/v1/auth/login", Some(&body), false).await?;
        if answer.status != StatusCode::OK {
            return Err(answer.into_error());
        }
        self.keep_tokens(&answer.json);
        Ok(answer.json)
    }

    /// `GET path` with the access token, refreshing it once on a 401.
    pub async fn get_json(&mut self, path: &str) -> Result<Value, ClientError> {
        self.call(Method::GET, path, None).await
    }

    /// A call with the access token and an optional JSON body; on a 401 the
    /// token pair is refreshed once and the call sent again (the interceptor).
    pub async fn call(&mut self, method: Method, path: &str, body: Option<&Value>) -> Result<Value, ClientError> {
        let mut answer = self.send(method.clone(), path, body, true).await?;
        if answer.status == StatusCode::UNAUTHORIZED {
            self.refresh_tokens(answer.detail()).await?;
            answer = self.send(method, path, body, true).await?;
            if answer.status == StatusCode::UNAUTHORIZED {
                // A fresh token refused at once: refreshing again would not help.
                return Err(ClientError::SignInAgain { detail: answer.detail() });
            }
        }
        if answer.status.is_success() { Ok(answer.json) } else { Err(answer.into_error()) }
    }

    /// Trades the refresh token for a new pair. On a refusal both tokens are
    /// dropped: the session is over and only a new sign-in helps.
    pub async fn refresh_tokens(&mut self, why: String) -> Result<(), ClientError> {
        let Some(token) = self.refresh.clone() else {
            return Err(ClientError::SignInAgain { detail: why });
        };
        self.refreshes += 1;
        let body = json!({ "refresh_token": token });
        let answer = self.send(Method::POST, "/api/v1/auth/refresh", Some(&body), false).await?;
        match answer.status {
            StatusCode::OK => {
                self.keep_tokens(&answer.json);
                Ok(())
            }
            StatusCode::UNAUTHORIZED => {
                self.access = None;
                self.refresh = None;
                Err(ClientError::SignInAgain { detail: answer.detail() })
            }
            _ => Err(answer.into_error()),
        }
    }

    /// Signs out: the session ends on the server, the tokens are dropped here.
    pub async fn logout(&mut self) -> Result<(), ClientError> {
        let result = self.call(Method::POST, "/api/v1/auth/logout", None).await.map(drop);
        self.access = None;
        self.refresh = None;
        result
    }

    fn keep_tokens(&mut self, answer: &Value) {
        if let Some(access) = answer["access_token"].as_str() {
            self.access = Some(access.to_owned());
        }
        // Absent when another request of this session rotated the token a
        // moment ago; the one kept is then still the newest this client has.
        if let Some(refresh) = answer["refresh_token"].as_str() {
            self.refresh = Some(refresh.to_owned());
        }
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        with_access: bool,
    ) -> Result<Answer, ClientError> {
        let mut request =
            self.http.request(method, format!("{}{path}", self.base)).header(header::ACCEPT, "application/json");
        if with_access && let Some(access) = &self.access {
            request = request.bearer_auth(access);
        }
        if let Some(body) = body {
            request = request.header(header::CONTENT_TYPE, "application/json").body(body.to_string());
        }
        let response = request.send().await?;
        let status = response.status();
        let bytes = response.bytes().await?;
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok(Answer { status, json, text: String::from_utf8_lossy(&bytes).into_owned() })
    }
}

/// The n-th argument, else the environment variable, else the default.
fn setting(n: usize, var: &str, default: Option<&str>) -> Result<String, String> {
    std::env::args()
        .nth(n)
        .or_else(|| std::env::var(var).ok())
        .or_else(|| default.map(str::to_owned))
        .ok_or_else(|| format!("give argument {n} or set {var} (usage: api_client [BASE_URL [EMAIL [PASSWORD]]])"))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = setting(1, "HRMS_API_URL", Some("http://127.0.0.1:3000"))?;
    let email = setting(2, "HRMS_API_EMAIL", None)?;
    let password = setting(3, "HRMS_API_PASSWORD", None)?;

    let mut api = ApiClient::new(&base);
    let signed_in = api.login(&email, &password).await?;
    let user = |field: &str| signed_in["user"][field].as_str().unwrap_or_default().to_owned();
    println!("signed in as {} ({})", user("full_name"), user("role"));

    let me = api.get_json("/api/v1/me").await?;
    println!("GET /api/v1/me\n{}", serde_json::to_string_pretty(&me)?);

    let employees = api.get_json("/api/v1/employees").await?;
    println!("GET /api/v1/employees");
    match employees["items"].as_array() {
        Some(items) => {
            for e in items {
                let field = |name: &str| e[name].as_str().unwrap_or_default().to_owned();
                println!("  {:<8} {:<32} {}", field("employee_number"), field("full_name"), field("job_title"));
            }
            println!("page {} ({} a page), {} in all", employees["page"], employees["per_page"], employees["total"]);
        }
        None => println!("{}", serde_json::to_string_pretty(&employees)?),
    }
    Ok(())
}
