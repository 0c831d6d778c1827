//! The whole journey through a real TCP listener with a cookie-keeping client.

use std::sync::Arc;

use hrms::clock::SystemClock;
use hrms::config::{Config, ServeArgs};
use reqwest::StatusCode;

#[tokio::test]
async fn sign_up_by_mailed_link_and_sign_out_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut args = ServeArgs::default();
    args.db.database_url = dir.path().join("tcp.db").display().to_string();
    args.public_url = format!("http://{addr}");
    args.bcrypt_cost = 4;
    let state = hrms::AppState::new(Config::try_from(args).unwrap(), Arc::new(SystemClock)).await.unwrap();
    let server = tokio::spawn(hrms::commands::run(listener, state));

    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let base = format!("http://{addr}");
    let token = |html: &str| {
        let marker = r#"name="csrf_token" value=""#;
        let start = html.find(marker).unwrap() + marker.len();
        html[start..start + html[start..].find('"').unwrap()].to_owned()
    };

    let page = client.get(format!("{base}/register")).send().await.unwrap().text().await.unwrap();
    let res = client
        .post(format!("{base}/register"))
        .form(&[("full_name", "Tess Tcp"), ("email", "tess@example.com"), ("csrf_token", &token(&page))])
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("Check your inbox"));

    // With no --smtp-url the server's sender writes the message beside the database.
    let message = crate::mail_files::wait_for_message(&dir.path().join("mail"), "tess@example.com").await;
    let link = crate::mail_files::link_to(&message, &base).expect("a link in the message");
    let page = client.get(&link).send().await.unwrap().text().await.unwrap();
    let res = client
        .post(&link)
        .form(&[
            ("password", "over the wire 2026"),
            ("password_confirm", "over the wire 2026"),
            ("csrf_token", &token(&page)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.url().path(), "/dashboard");
    let dashboard = res.text().await.unwrap();
    assert!(dashboard.contains("Welcome, Tess Tcp"));

    let res = client.post(format!("{base}/logout")).form(&[("csrf_token", token(&dashboard))]).send().await.unwrap();
    assert_eq!(res.url().path(), "/login");
    let res = client.get(format!("{base}/dashboard")).send().await.unwrap();
    assert_eq!(res.url().path(), "/login", "signed out for real");
    server.abort();
}
