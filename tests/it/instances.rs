//! Several instances behind one load balancer, sharing one database.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use hrms::models::user::Role;

use crate::helpers::{PASSWORD, TestApp};

/// A real `hrms serve` process; killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    async fn start(database_url: &str, secret: &str) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let base = format!("http://127.0.0.1:{port}");
        let child = Command::new(env!("CARGO_BIN_EXE_hrms"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--public-url", &base])
            .args(["--database-url", database_url, "--jwt-secret", secret, "--bcrypt-cost", "4"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("start hrms");
        let server = Server { child, base };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(res) = client.get(format!("{}/healthz", server.base)).send().await
                && res.status() == reqwest::StatusCode::OK
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("hrms did not start on {}", server.base);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A cookie jar that can be handed from one instance to another, as a load
/// balancer would send one browser's requests to any of them.
fn client(jar: &std::sync::Arc<reqwest::cookie::Jar>) -> reqwest::Client {
    reqwest::Client::builder().cookie_provider(jar.clone()).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn csrf_token(html: &str) -> String {
    let marker = r#"name="csrf_token" value=""#;
    let start = html.find(marker).expect("a form") + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

backend_tests! {
    /// The CI scenario: sign in on A, refresh on B, sign out on B; A refuses the
    /// old access token within 2 seconds, without a query per request.
    async fn a_session_signed_out_on_one_instance_is_refused_by_another_within_two_seconds() {
        let app = TestApp::new().await; // migrated, with an account; the servers share its database
        app.create_user("two@example.com", "Two Instances", Role::Employee).await;
        let secret = "shared-secret-for-both-instances-0123456789";
        let a = Server::start(&app.database_url, secret).await;
        let b = Server::start(&app.database_url, secret).await;
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let http = client(&jar);

        // Sign in on A.
        let login = http.get(format!("{}/login", a.base)).send().await.unwrap().text().await.unwrap();
        let res = http
            .post(format!("{}/login", a.base))
            .form(&[("email", "two@example.com"), ("password", PASSWORD), ("csrf_token", &csrf_token(&login))])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), reqwest::StatusCode::SEE_OTHER);
        let refresh_token = |res: &reqwest::Response| {
            res.cookies().find(|c| c.name() == "hrms_refresh").map(|c| c.value().to_owned())
        };
        let first_refresh = refresh_token(&res).expect("refresh cookie");

        // Refresh on B: a browser without an access token (as after expiry) gets a new pair there.
        let bare = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let url_b: reqwest::Url = b.base.parse().unwrap();
        bare.add_cookie_str(&format!("hrms_refresh={first_refresh}; Path=/"), &url_b);
        let on_b = client(&bare);
        let res = on_b.get(format!("{}/dashboard", b.base)).send().await.unwrap();
        assert_eq!(res.status(), reqwest::StatusCode::OK);
        let access = res.cookies().find(|c| c.name() == "hrms_access").expect("new access token").value().to_owned();
        assert!(refresh_token(&res).is_some_and(|r| r != first_refresh), "B rotated the refresh token");
        let dashboard = res.text().await.unwrap();

        // A accepts B's access token (same secret, no database involved)...
        let no_cookies = client(&std::sync::Arc::new(reqwest::cookie::Jar::default()));
        let with_access =
            |base: &str| no_cookies.get(format!("{base}/dashboard")).header("cookie", format!("hrms_access={access}"));
        assert_eq!(with_access(&a.base).send().await.unwrap().status(), reqwest::StatusCode::OK);

        // ...until the session is signed out on B.
        let res = on_b.post(format!("{}/logout", b.base)).form(&[("csrf_token", csrf_token(&dashboard))]).send().await.unwrap();
        assert_eq!(res.headers()["location"], "/login?notice=signed_out");
        let signed_out = Instant::now();
        loop {
            let status = with_access(&a.base).send().await.unwrap().status();
            if status == reqwest::StatusCode::SEE_OTHER {
                break;
            }
            assert!(signed_out.elapsed() < Duration::from_secs(2), "A still accepts the token after 2 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        eprintln!("instance A refused the revoked access token after {:?}", signed_out.elapsed());
    }

    async fn two_instances_rotating_the_same_token_at_once_agree_on_one_winner() {
        let a = TestApp::new().await;
        let b = a.second_instance().await;
        let signed_in = a.signed_in("race@example.com").await;
        a.advance(time::Duration::minutes(20));
        let mut on_a = signed_in.clone();
        let mut on_b = b.browser();
        on_b.jar = signed_in.jar.clone();
        let (ra, rb) = tokio::join!(on_a.get("/dashboard"), on_b.get("/dashboard"));
        assert_eq!((ra.status, rb.status), (StatusCode::OK, StatusCode::OK));
        let winners = [&ra, &rb].iter().filter(|r| r.cookie("hrms_refresh").is_some()).count();
        assert_eq!(winners, 1, "the database decides a single winner");
    }

    async fn failed_sign_ins_count_across_instances() {
        let a = TestApp::new().await;
        let b = a.second_instance().await;
        a.create_user("shared@example.com", "S", Role::Employee).await;
        let (mut on_a, mut on_b) = (a.browser(), b.browser());
        for i in 0..5 {
            let browser = if i % 2 == 0 { &mut on_a } else { &mut on_b };
            assert_eq!(browser.sign_in("shared@example.com", "wrong wrong wrong").await.status, StatusCode::UNAUTHORIZED);
        }
        assert_eq!(on_b.sign_in("shared@example.com", PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(on_a.sign_in("shared@example.com", PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
    }
}
