//! Does the sign-up form (and "forgot password") answer a known email in the
//! same time as an unknown one? Runs the portal in-process on a temporary
//! SQLite database, posts each form for 200 emails that have accounts and 200
//! that do not (interleaved, each from an address of its own so that no
//! throttle interferes), and prints the latency of each group.
//!
//! `cargo run --release --example signup_timing`

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Request, StatusCode, header};
use hrms::clock::SystemClock;
use hrms::config::{Config, MailDelivery, ServeArgs};
use tower::ServiceExt;

const N: usize = 200;

fn summary(mut ms: Vec<f64>) -> String {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    format!("median {:6.3} ms   p90 {:6.3} ms   max {:6.3} ms", at(0.5), at(0.9), at(1.0))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut args = ServeArgs { bcrypt_cost: 4, ..ServeArgs::default() };
    args.db.database_url = format!("sqlite://{}", dir.path().join("timing.db").display());
    let mut config = Config::try_from(args).map_err(anyhow::Error::msg)?;
    config.mail.delivery = MailDelivery::Memory(Default::default());
    let state = hrms::AppState::new(config, Arc::new(SystemClock)).await?;

    // Accounts for the "known" half.
    let hash = state.passwords.hash("timing password 2026".to_owned()).await?;
    let now = state.clock.now();
    state
        .db
        .run(move |conn| {
            for i in 0..N {
                let (id, email) = (hrms::models::new_id(), format!("known{i}@example.com"));
                let user = hrms::models::user::NewUser {
                    id: &id,
                    email: &email,
                    full_name: "Known",
                    password_hash: &hash,
                    role: "employee",
                    active: true,
                    created_at: now,
                    updated_at: now,
                };
                hrms::models::user::insert(conn, &user)?;
            }
            Ok(())
        })
        .await?;

    // One pre-session cookie and its form token serve every post.
    let app = hrms::build_app(state.clone());
    let page = app
        .clone()
        .layer(MockConnectInfo(SocketAddr::from(([10, 0, 0, 1], 1))))
        .oneshot(Request::get("/register").body(Body::empty())?)
        .await?;
    let cookie = page
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
        .collect::<Vec<_>>()
        .join("; ");
    let html = String::from_utf8(axum::body::to_bytes(page.into_body(), usize::MAX).await?.to_vec())?;
    let marker = r#"name="csrf_token" value=""#;
    let start = html.find(marker).ok_or_else(|| anyhow::anyhow!("no form token"))? + marker.len();
    let token = html[start..start + html[start..].find('"').unwrap_or(0)].to_owned();

    for (form, path) in [("sign-up", "/register"), ("forgot password", "/password/forgot")] {
        let (mut known, mut unknown) = (Vec::with_capacity(N), Vec::with_capacity(N));
        for i in 0..N {
            for (is_known, email) in
                [(true, format!("known{i}@example.com")), (false, format!("stranger{i}@example.com"))]
            {
                let body = serde_urlencoded::to_string([
                    ("full_name", "Timing Person"),
                    ("email", email.as_str()),
                    ("csrf_token", token.as_str()),
                ])?;
                let ip = [
                    10,
                    1,
                    (i / 200) as u8 + u8::from(is_known) * 100 + if path == "/register" { 0 } else { 50 },
                    (i % 200) as u8,
                ];
                let req = Request::post(path)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header(header::COOKIE, &cookie)
                    .body(Body::from(body))?;
                let started = Instant::now();
                let res = app.clone().layer(MockConnectInfo(SocketAddr::from((ip, 1)))).oneshot(req).await?;
                let status = res.status();
                axum::body::to_bytes(res.into_body(), usize::MAX).await?;
                let ms = started.elapsed().as_secs_f64() * 1000.0;
                anyhow::ensure!(status == StatusCode::OK, "{form} for {email} answered {status}");
                if is_known { known.push(ms) } else { unknown.push(ms) }
            }
        }
        println!("{form:<16} known email   {}", summary(known));
        println!("{form:<16} unknown email {}", summary(unknown));
    }
    Ok(())
}
