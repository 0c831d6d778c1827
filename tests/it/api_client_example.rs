//! `examples/api_client.rs` against a real server on a TCP port, on the
//! manual clock: its interceptor meets a 401 after each access-token expiry,
//! refreshes once and retries; once the session has sat idle past its
//! timeout it gives up with an error instead of trying again.

use hrms::models::user::Role;
use reqwest::StatusCode;
use time::Duration;

use crate::helpers::{PASSWORD, TestApp};

#[path = "../../examples/api_client.rs"]
#[allow(dead_code)]
mod api_client;

use api_client::{ApiClient, ClientError};

/// The app served on a free loopback port, until `stop`.
struct Served {
    base: String,
    shutdown: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Served {
    async fn start(app: &TestApp) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(hrms::commands::run_until(listener, app.state.clone(), async {
            let _ = stopped.await;
        }));
        Served { base, shutdown, task }
    }

    async fn stop(self) {
        let _ = self.shutdown.send(());
        self.task.await.expect("server task").expect("server stopped cleanly");
    }
}

/// What `GET /api/v1/me` answers to `access`, without the client's interceptor.
async fn status_of_me(base: &str, access: &str) -> StatusCode {
    let res = reqwest::Client::new().get(format!("{base}/api/v1/me")).bearer_auth(access).send().await.expect("sent");
    res.status()
}

backend_tests! {
    async fn the_example_client_refreshes_once_per_expiry_and_gives_up_when_the_session_is_idle() {
        let app = TestApp::new().await;
        let email = "ada.api@example.com";
        app.create_user(email, "Ada Api", Role::Employee).await;
        let server = Served::start(&app).await;
        let mut api = ApiClient::new(&server.base);

        let signed_in = api.login(email, PASSWORD).await.expect("signed in");
        assert_eq!(signed_in["user"]["email"], email);
        let me = api.get_json("/api/v1/me").await.expect("me");
        assert_eq!(me["user"]["email"], email);
        let session = me["session_id"].clone();
        assert_eq!(api.refreshes, 0, "a good token needs no refresh");

        // Two expiries in a row (15 minutes is the default access TTL), each
        // within the 30-minute idle timeout of the last refresh.
        for expiry in 1..=2 {
            let (old_access, old_refresh) = (api.access.clone().unwrap(), api.refresh.clone().unwrap());
            app.advance(Duration::minutes(16));
            assert_eq!(status_of_me(&server.base, &old_access).await, StatusCode::UNAUTHORIZED, "expired");

            let me = api.get_json("/api/v1/me").await.unwrap_or_else(|e| panic!("after expiry {expiry}: {e}"));
            assert_eq!(me["user"]["email"], email);
            assert_eq!(me["session_id"], session, "the same session, rotated");
            assert_eq!(api.refreshes, expiry, "one refresh for expiry {expiry}");
            let new_access = api.access.clone().unwrap();
            assert_ne!(new_access, old_access, "a new access token");
            assert_ne!(api.refresh.as_deref(), Some(old_refresh.as_str()), "a new refresh token");
            assert_eq!(status_of_me(&server.base, &new_access).await, StatusCode::OK);
        }

        // Another error is not the interceptor's business: no refresh.
        match api.get_json("/api/v1/no-such-route").await {
            Err(ClientError::Status { status, .. }) => assert_eq!(status, StatusCode::NOT_FOUND),
            other => panic!("expected a 404, got {other:?}"),
        }
        assert_eq!(api.refreshes, 2);

        // 31 minutes without a refresh: the access token has expired and the
        // session's idle timeout has passed. One refresh is tried, refused,
        // and the client stops there.
        app.advance(Duration::minutes(31));
        match api.get_json("/api/v1/me").await {
            Err(ClientError::SignInAgain { detail }) => assert!(detail.contains("not valid"), "{detail}"),
            other => panic!("expected SignInAgain, got {other:?}"),
        }
        assert_eq!(api.refreshes, 3, "exactly one refresh tried");
        assert!(api.access.is_none() && api.refresh.is_none(), "the dead tokens are dropped");
        // A call after that fails at once, without going to the refresh route.
        assert!(matches!(api.get_json("/api/v1/me").await, Err(ClientError::SignInAgain { .. })));
        assert_eq!(api.refreshes, 3);

        // Signing in again works, and the client carries on.
        api.login(email, PASSWORD).await.expect("signed in again");
        let me = api.get_json("/api/v1/me").await.expect("me");
        assert_ne!(me["session_id"], session, "a new session");

        drop(api);
        server.stop().await;
    }
}
