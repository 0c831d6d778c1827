//! Delivery: a mail server that is down loses nothing and slows nothing;
//! retries back off; several instances never send a message twice; Admins
//! see what happened but never a link-carrying body. One test speaks real
//! SMTP to aiosmtpd (Debian's python3-aiosmtpd, installed by .ci/run).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration as StdDuration;

use axum::http::StatusCode;
use hrms::mail::sender::{MAX_ATTEMPTS, deliver_due};
use hrms::models::outbox::{self, OutboxRow};
use hrms::models::user::Role;
use time::Duration;

use crate::helpers::{PASSWORD, TestApp};

async fn forgot(app: &TestApp, email: &str) {
    // From an address of its own each time: the per-address limit is not what this is about.
    let n = u8::try_from(email.len() * 7 % 250).unwrap_or(1) ^ email.as_bytes()[1];
    let res = app
        .browser_from([10, 7, email.as_bytes()[0], n])
        .submit("/password/forgot", "/password/forgot", &[("email", email)])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

async fn rows(app: &TestApp) -> Vec<OutboxRow> {
    use diesel::prelude::*;
    use hrms::db::schema::outbox::dsl;
    app.state.db.run(|conn| Ok(dsl::outbox.select(OutboxRow::as_select()).load(conn)?)).await.expect("outbox")
}

/// A port nothing listens on (yet).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port()
}

/// aiosmtpd storing what it receives in a Maildir; killed on drop.
struct SmtpSink(Child);

impl SmtpSink {
    async fn start(port: u16, maildir: &Path) -> Self {
        let python = ["/usr/bin/python3", "python3"]
            .into_iter()
            .find(|p| Command::new(p).args(["-c", "import aiosmtpd"]).status().is_ok_and(|s| s.success()))
            .expect("aiosmtpd is needed for this test: apt-get install python3-aiosmtpd (.ci/run does)");
        let sink = SmtpSink(
            Command::new(python)
                .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
                .arg(maildir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start aiosmtpd"),
        );
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return sink;
            }
            tokio::time::sleep(StdDuration::from_millis(100)).await;
        }
        panic!("aiosmtpd did not start listening on {port}");
    }

    fn received(maildir: &Path) -> Vec<String> {
        std::fs::read_dir(maildir.join("new"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

backend_tests! {
    async fn smtp_down_then_back_delivers_every_message_once_over_real_smtp() {
        let port = free_port();
        let app = TestApp::with(|a| a.smtp_url = Some(format!("smtp://127.0.0.1:{port}"))).await;
        for who in ["a", "b", "c"] {
            app.create_user(&format!("{who}@example.com"), who, Role::Employee).await;
        }
        // The server is down: the pages answer all the same, and nothing is lost.
        for who in ["a", "b", "c"] {
            forgot(&app, &format!("{who}@example.com")).await;
        }
        let pass = deliver_due(&app.state).await.expect("pass");
        assert_eq!((pass.sent, pass.retrying), (0, 3));
        let waiting = rows(&app).await;
        assert!(waiting.iter().all(|r| r.status == "queued" && r.attempts == 1 && r.last_error.is_some()));
        assert_eq!(deliver_due(&app.state).await.expect("pass").retrying, 0, "not due again before the backoff");
        app.advance(Duration::seconds(31));
        assert_eq!(deliver_due(&app.state).await.expect("pass").retrying, 3, "second attempt, still down");

        // The server comes back.
        let dir = tempfile::tempdir().expect("maildir");
        let maildir = dir.path().join("box");
        let _sink = SmtpSink::start(port, &maildir).await;
        app.advance(Duration::minutes(1));
        let pass = deliver_due(&app.state).await.expect("pass");
        assert_eq!(pass.sent, 3, "{pass:?} {:?}", rows(&app).await.iter().map(|r| r.last_error.clone()).collect::<Vec<_>>());
        app.advance(Duration::minutes(10));
        assert_eq!(deliver_due(&app.state).await.expect("pass"), Default::default(), "nothing is sent twice");
        let received = SmtpSink::received(&maildir);
        assert_eq!(received.len(), 3, "each message arrived once");
        let sent = rows(&app).await;
        assert!(sent.iter().all(|r| r.status == "sent" && r.attempts == 3 && r.text_body.is_empty()), "link bodies are emptied once sent");

        // The link in the received message finishes the reset.
        let to_a = received.iter().find(|m| m.contains("To: a@example.com")).expect("mail to a");
        let link = crate::mail_files::link_to(to_a, "http://127.0.0.1:3000/password/reset/").expect("link");
        let path = link.trim_start_matches("http://127.0.0.1:3000").to_owned();
        let mut browser = app.browser();
        let res = browser.submit(&path, &path, &[("password", "saffron tide beacon 3"), ("password_confirm", "saffron tide beacon 3")]).await;
        assert_eq!(res.location(), "/dashboard?notice=password_reset", "{}", res.body);
    }

    async fn two_instances_sending_at_once_never_send_a_message_twice() {
        let app = TestApp::new().await;
        let other = app.second_instance().await;
        for i in 0..30 {
            let email = format!("p{i}@example.com");
            app.create_user(&email, "P", Role::Employee).await;
            forgot(&app, &email).await;
        }
        let (mut a, mut b) = (0, 0);
        for _ in 0..5 {
            let (pa, pb) = tokio::join!(deliver_due(&app.state), deliver_due(&other.state));
            a += pa.expect("a").sent;
            b += pb.expect("b").sent;
        }
        assert_eq!(a + b, 30, "{a} + {b}");
        let delivered = app.mailbox.all();
        let ids: BTreeSet<&str> = delivered.iter().map(|m| m.id.as_str()).collect();
        assert_eq!((delivered.len(), ids.len()), (30, 30), "every message exactly once");
    }

    async fn a_message_that_keeps_failing_is_given_up_shown_to_admins_and_can_be_sent_again() {
        let port = free_port();
        let app = TestApp::with(|a| a.smtp_url = Some(format!("smtp://127.0.0.1:{port}"))).await;
        app.create_user("admin@example.com", "Ada Admin", Role::Admin).await;
        app.create_user("zed@example.com", "Zed", Role::Employee).await;
        forgot(&app, "zed@example.com").await;
        for _ in 0..MAX_ATTEMPTS {
            deliver_due(&app.state).await.expect("pass");
            app.advance(Duration::hours(1));
        }
        let row = rows(&app).await.pop().expect("row");
        assert_eq!((row.status.as_str(), row.attempts), ("failed", MAX_ATTEMPTS));

        let mut admin = app.browser();
        admin.sign_in("admin@example.com", PASSWORD).await;
        let page = admin.get("/admin/mail?status=failed").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("zed@example.com") && page.body.contains("Password reset"), "{}", page.body);
        assert!(page.body.contains("Connection refused") || page.body.contains("connection"), "the last error is shown");
        assert!(!page.body.contains("/password/reset/"), "never the link");
        let res = admin.submit("/admin/mail", &format!("/admin/mail/{}/retry", row.id), &[]).await;
        assert_eq!(res.location(), "/admin/mail?notice=mail_retried");
        assert_eq!(rows(&app).await.pop().expect("row").status, "queued");

        let mut zed = app.browser();
        zed.sign_in("zed@example.com", PASSWORD).await;
        assert_eq!(zed.get("/admin/mail").await.status, StatusCode::FORBIDDEN);
        let count = app.state.db.run(|conn| Ok(outbox::count(conn, None)?)).await.expect("count");
        assert_eq!(count, 1);
    }
}

#[tokio::test]
async fn a_message_to_an_address_the_mailer_refuses_fails_at_once() {
    let app = TestApp::new().await;
    let (ctx, now) = (app.state.mail.clone(), app.now());
    app.state
        .db
        .run(move |conn| {
            // email_problem lets quotes through; lettre's address parser does not.
            let letter = hrms::mail::letters::already_registered(&ctx, "a\"b@example.com");
            outbox::enqueue(conn, &ctx, &letter, now)
        })
        .await
        .expect("enqueue");
    let pass = deliver_due(&app.state).await.expect("pass");
    assert_eq!((pass.sent, pass.retrying, pass.failed), (0, 0, 1));
    let row = rows(&app).await.pop().expect("row");
    assert_eq!((row.status.as_str(), row.attempts), ("failed", 1));
    assert!(row.last_error.unwrap_or_default().contains("recipient address"));
}
