//! The JSON API's door: signing in, refresh with rotation and reuse
//! detection, sign-out, sign-up and reset, `/me` and sessions; tokens that
//! work at one door only; problems for every error; CORS, the per-session
//! rate limit and the docs' own CSP.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;
use time::Duration;

use hrms::access::Actor;
use hrms::domain::accounts::{self, AccountChange};
use hrms::models::user::Role;

use crate::helpers::{PASSWORD, TestApp, claims_of};

backend_tests! {
    async fn login_returns_a_bearer_pair_for_the_api_audience_that_no_cache_keeps() {
        let app = TestApp::new().await;
        app.create_user("ann@example.com", "Ann Api", Role::Hr).await;
        let mut api = app.api();
        let res = api.login("ann@example.com", PASSWORD).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        assert_eq!(res.header("cache-control"), "no-store");
        let j = &res.json;
        assert_eq!(j["token_type"], "Bearer");
        assert_eq!(j["expires_in"], 900);
        assert!(j["refresh_expires_in"].as_i64().unwrap() > 0);
        assert_eq!(j["user"]["email"], "ann@example.com");
        assert_eq!(j["user"]["role"], "hr");
        assert_eq!(j["device_id"].as_str().unwrap().len(), 43);
        let claims = claims_of(j["access_token"].as_str().unwrap());
        assert_eq!(claims.aud, "hrms-api");
        assert_eq!(app.session(&claims.sid).await.kind, "api");

        let me = api.get("/api/v1/me").await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.text);
        assert_eq!(me.json["user"]["full_name"], "Ann Api");
        assert_eq!(me.json["session_id"], claims.sid.as_str());
    }

    async fn a_wrong_password_and_an_unknown_email_get_the_same_401_problem() {
        let app = TestApp::new().await;
        app.create_user("bo@example.com", "Bo", Role::Employee).await;
        let wrong = app.api().login("bo@example.com", "not the password").await;
        let unknown = app.api().login("nobody@example.com", PASSWORD).await;
        for res in [&wrong, &unknown] {
            res.problem(StatusCode::UNAUTHORIZED);
            assert!(res.header("www-authenticate").starts_with("Bearer"), "{:?}", res.headers);
        }
        assert_eq!(wrong.json, unknown.json);
        assert_eq!(app.count_events("sign_in_failure").await, 2, "counted as the form counts them");
    }

    async fn api_sign_ins_are_throttled_like_the_form_with_retry_after() {
        let app = TestApp::new().await;
        app.create_user("cy@example.com", "Cy", Role::Employee).await;
        for _ in 0..5 {
            assert_eq!(app.api().login("cy@example.com", "guess").await.status, StatusCode::UNAUTHORIZED);
        }
        let res = app.api().login("cy@example.com", PASSWORD).await;
        res.problem(StatusCode::TOO_MANY_REQUESTS);
        assert!(res.header("retry-after").parse::<u64>().unwrap() > 0);
        // The form shares the same counter: the browser is refused too.
        let page = app.browser().sign_in("cy@example.com", PASSWORD).await;
        assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    }

    async fn an_api_token_is_not_a_page_cookie_and_a_page_cookie_is_not_a_bearer_token() {
        let app = TestApp::new().await;
        let api = app.api_signed_in("di@example.com").await;
        let browser_of_someone = app.signed_in("ed@example.com").await;

        let mut browser = app.browser();
        browser.set_cookie("hrms_access", api.access_token.as_deref().unwrap());
        let page = browser.get("/dashboard").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "an API token must not open a page");

        let mut thief = app.api();
        thief.access_token = browser_of_someone.cookie("hrms_access");
        let res = thief.get("/api/v1/me").await;
        res.problem(StatusCode::UNAUTHORIZED);
        assert_eq!(res.json["error"], "invalid_token");
        assert!(res.header("www-authenticate").contains("error=\"invalid_token\""));
    }

    async fn a_refresh_token_works_only_at_its_own_door() {
        let app = TestApp::new().await;
        let api = app.api_signed_in("fa@example.com").await;
        let web = app.signed_in("gu@example.com").await;

        let mut browser = app.browser();
        browser.set_cookie("hrms_refresh", api.refresh_token.as_deref().unwrap());
        assert_eq!(browser.get("/dashboard").await.status, StatusCode::SEE_OTHER);

        let mut other = app.api();
        other.refresh_token = web.cookie("hrms_refresh");
        let res = other.refresh().await;
        res.problem(StatusCode::UNAUTHORIZED);
        assert_eq!(res.json["error"], "invalid_grant");
        // Refused, not revoked: both sessions still work at their own doors.
        let mut api = api;
        assert_eq!(api.refresh().await.status, StatusCode::OK);
        let mut web = web;
        web.forget("hrms_access");
        assert_eq!(web.get("/dashboard").await.status, StatusCode::OK);
    }

    async fn refresh_rotates_tolerates_a_retry_within_the_grace_and_revokes_on_reuse_after_it() {
        let app = TestApp::new().await;
        let mut api = app.api_signed_in("ha@example.com").await;
        let first = api.refresh_token.clone().unwrap();
        let sid = claims_of(api.access_token.as_deref().unwrap()).sid;

        let rotated = api.refresh().await;
        assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text);
        assert_eq!(rotated.header("cache-control"), "no-store");
        let second = rotated.json["refresh_token"].as_str().unwrap().to_owned();
        assert_ne!(second, first);
        assert_eq!(claims_of(rotated.json["access_token"].as_str().unwrap()).sid, sid, "same session");

        // A retry of the same call a moment later (a lost response): an access token, no refresh token.
        app.advance(Duration::seconds(5));
        let mut retry = app.api();
        retry.refresh_token = Some(first.clone());
        let graced = retry.refresh().await;
        assert_eq!(graced.status, StatusCode::OK, "{}", graced.text);
        assert!(graced.json["access_token"].is_string());
        assert!(graced.json.get("refresh_token").is_none(), "the winner holds the refresh token: {}", graced.text);

        // After the grace it is reuse: the whole session ends.
        app.advance(Duration::seconds(10));
        let reused = retry.refresh().await;
        reused.problem(StatusCode::UNAUTHORIZED);
        assert_eq!(reused.json["error"], "invalid_grant");
        assert_eq!(app.session(&sid).await.revoked_reason.as_deref(), Some("refresh_reuse"));
        api.refresh_token = Some(second);
        assert_eq!(api.refresh().await.status, StatusCode::UNAUTHORIZED, "the family is dead");
        let me = api.get("/api/v1/me").await;
        assert_eq!(me.status, StatusCode::UNAUTHORIZED, "its access tokens are refused at once");
    }

    async fn many_refreshes_of_one_token_at_once_rotate_it_exactly_once() {
        let app = TestApp::new().await;
        let api = app.api_signed_in("ia@example.com").await;
        let sid = claims_of(api.access_token.as_deref().unwrap()).sid;
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..12 {
            let mut client = api.clone();
            set.spawn(async move { client.refresh().await });
        }
        let mut winners = 0;
        while let Some(res) = set.join_next().await {
            let res = res.unwrap();
            assert_eq!(res.status, StatusCode::OK, "{}", res.text);
            if res.json.get("refresh_token").is_some() {
                winners += 1;
            }
        }
        assert_eq!(winners, 1, "exactly one request may hold the next refresh token");
        assert!(app.session(&sid).await.revoked_at.is_none(), "racing within the grace is not reuse");
    }

    async fn a_refresh_token_in_the_address_is_refused_with_a_400_that_says_where_it_goes() {
        let app = TestApp::new().await;
        let api = app.api_signed_in("jo@example.com").await;
        let token = api.refresh_token.clone().unwrap();
        let mut client = app.api();
        let req = Request::post(format!("/api/v1/auth/refresh?refresh_token={token}")).body(Body::empty()).unwrap();
        let res = client.send(req).await;
        res.problem(StatusCode::BAD_REQUEST);
        assert!(res.json["detail"].as_str().unwrap().contains("body"), "{}", res.text);
        // Also when a body is sent as well: the token in the address is the problem.
        let req = Request::post(format!("/api/v1/auth/refresh?refresh_token={token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json!({"refresh_token": token}).to_string()))
            .unwrap();
        client.send(req).await.problem(StatusCode::BAD_REQUEST);
    }

    async fn logout_ends_the_session_at_once_here_and_on_another_instance() {
        let app = TestApp::new().await;
        let mut api = app.api_signed_in("ka@example.com").await;
        let other = app.second_instance().await;
        let mut there = other.api();
        there.access_token = api.access_token.clone();
        assert_eq!(there.get("/api/v1/me").await.status, StatusCode::OK);

        let res = api.post("/api/v1/auth/logout", json!({})).await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text);
        let me = api.get("/api/v1/me").await;
        me.problem(StatusCode::UNAUTHORIZED);
        assert_eq!(me.json["error"], "invalid_token");
        assert_eq!(api.refresh().await.status, StatusCode::UNAUTHORIZED, "its refresh token is dead too");
        other.poll_revocations().await;
        assert_eq!(there.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
    }

    async fn a_deactivated_account_loses_its_api_access_at_once() {
        let app = TestApp::new().await;
        let mut api = app.api_signed_in("la@example.com").await;
        let me = api.get("/api/v1/me").await;
        let user_id = me.json["user"]["id"].as_str().unwrap().to_owned();
        accounts::change(&app.state, &Actor::operator(), user_id, AccountChange::Deactivate).await.unwrap();
        assert_eq!(api.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(api.refresh().await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(api.login("la@example.com", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    }

    async fn register_and_password_reset_answer_202_the_same_whatever_the_email() {
        let app = TestApp::new().await;
        app.create_user("mo@example.com", "Mo", Role::Employee).await;
        let mut api = app.api();
        let known = api.post("/api/v1/auth/register", json!({"full_name": "Mo", "email": "mo@example.com"})).await;
        let new = api.post("/api/v1/auth/register", json!({"full_name": "Nu", "email": "nu@example.com"})).await;
        assert_eq!((known.status, new.status), (StatusCode::ACCEPTED, StatusCode::ACCEPTED), "{}", known.text);
        assert_eq!(known.json["message"].as_str().unwrap().replace("mo@", "nu@"), new.json["message"].as_str().unwrap());
        assert!(app.link_mailed_to("nu@example.com").await.starts_with("/register/verify/"));
        assert!(app.mail_to("mo@example.com").await[0].text.contains("password"), "the owner is offered a reset");

        let known = api.post("/api/v1/auth/password-reset", json!({"email": "mo@example.com"})).await;
        let unknown = api.post("/api/v1/auth/password-reset", json!({"email": "zz@example.com"})).await;
        assert_eq!((known.status, unknown.status), (StatusCode::ACCEPTED, StatusCode::ACCEPTED));
        assert_eq!(known.json, unknown.json);
        assert!(app.link_mailed_to("mo@example.com").await.starts_with("/password/reset/"));
        assert!(app.mail_to("zz@example.com").await.is_empty());

        let bad = api.post("/api/v1/auth/register", json!({"full_name": "", "email": "not an email"})).await;
        bad.problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.field_error("email").is_some() && bad.field_error("full_name").is_some(), "{}", bad.text);
    }

    async fn register_is_refused_when_registration_is_not_open() {
        let app = TestApp::with(|a| a.registration = hrms::config::Registration::Invite).await;
        let res = app.api().post("/api/v1/auth/register", json!({"full_name": "Oz", "email": "oz@example.com"})).await;
        res.problem(StatusCode::FORBIDDEN);
        assert!(res.json["detail"].as_str().unwrap().contains("invit"), "{}", res.text);
        assert!(app.mail_to("oz@example.com").await.is_empty());
    }

    async fn api_sessions_are_listed_beside_browsers_and_can_be_ended_by_their_owner_only() {
        let app = TestApp::new().await;
        app.create_user("pa@example.com", "Pa", Role::Employee).await;
        let mut browser = app.browser();
        browser.sign_in("pa@example.com", PASSWORD).await;
        let mut api = app.api();
        let res = api
            .post(
                "/api/v1/auth/login",
                json!({"email": "pa@example.com", "password": PASSWORD, "client_name": "Payroll sync"}),
            )
            .await;
        api.access_token = res.json["access_token"].as_str().map(str::to_owned);
        let mine = claims_of(api.access_token.as_deref().unwrap()).sid;

        let list = api.get("/api/v1/sessions").await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.text);
        let items = list.json.as_array().unwrap();
        assert_eq!(items.len(), 2);
        let me = items.iter().find(|s| s["current"] == true).unwrap();
        assert_eq!((me["kind"].as_str(), me["client"].as_str()), (Some("api"), Some("Payroll sync")));
        let web = items.iter().find(|s| s["kind"] == "web").unwrap()["id"].as_str().unwrap().to_owned();

        // The sessions page shows the API client by the name it gave.
        let page = browser.get("/account/sessions").await;
        assert!(page.body.contains("API client: Payroll sync"), "{}", page.body);

        api.delete(&format!("/api/v1/sessions/{mine}")).await.problem(StatusCode::BAD_REQUEST);
        let mut stranger = app.api_signed_in("qu@example.com").await;
        stranger.delete(&format!("/api/v1/sessions/{web}")).await.problem(StatusCode::NOT_FOUND);
        assert_eq!(api.delete(&format!("/api/v1/sessions/{web}")).await.status, StatusCode::NO_CONTENT);
        assert_eq!(browser.get("/dashboard").await.status, StatusCode::SEE_OTHER, "the browser is signed out");
    }

    async fn a_device_id_kept_from_an_earlier_sign_in_is_a_known_device() {
        let app = TestApp::new().await;
        app.create_user("ra@example.com", "Ra", Role::Employee).await;
        let first = app.api().login("ra@example.com", PASSWORD).await;
        let device = first.json["device_id"].as_str().unwrap().to_owned();
        assert!(app.mail_to("ra@example.com").await.is_empty(), "the first device is no news");
        let mut elsewhere = app.api_from([203, 0, 113, 7]);
        let body = json!({"email": "ra@example.com", "password": PASSWORD, "device_id": device});
        assert_eq!(elsewhere.post("/api/v1/auth/login", body).await.status, StatusCode::OK);
        assert!(app.mail_to("ra@example.com").await.is_empty(), "a kept device id is known");
        let mut stranger = app.api_from([198, 51, 100, 1]);
        assert_eq!(stranger.login("ra@example.com", PASSWORD).await.status, StatusCode::OK);
        let mail = app.mail_to("ra@example.com").await;
        assert_eq!(mail.len(), 1, "a new device from a new address is told");
        assert!(mail[0].subject.contains("New sign-in"));
    }

    async fn every_error_under_api_is_a_problem_never_html() {
        let app = TestApp::new().await;
        let mut api = app.api_signed_in("sa@example.com").await;
        let send = |method: &str, path: &str, ct: Option<&str>, body: &str| {
            let mut b = Request::builder().method(method).uri(path);
            if let Some(ct) = ct {
                b = b.header(header::CONTENT_TYPE, ct);
            }
            b.body(Body::from(body.to_owned())).unwrap()
        };
        let cases = [
            (send("POST", "/api/v1/auth/login", Some("application/json"), "{not json"), StatusCode::BAD_REQUEST),
            (send("POST", "/api/v1/auth/login", Some("text/plain"), "{}"), StatusCode::UNSUPPORTED_MEDIA_TYPE),
            (send("POST", "/api/v1/auth/login", None, "{}"), StatusCode::UNSUPPORTED_MEDIA_TYPE),
            (send("POST", "/api/v1/auth/login", Some("application/json"), r#"{"email": 5}"#), StatusCode::UNPROCESSABLE_ENTITY),
            (send("POST", "/api/v1/auth/login", Some("application/json"), &"x".repeat(40_000)), StatusCode::PAYLOAD_TOO_LARGE),
            // serde would fill the struct from an array, field by field.
            (send("POST", "/api/v1/auth/login", Some("application/json"), r#"["sa@example.com", "correct horse battery staple"]"#), StatusCode::UNPROCESSABLE_ENTITY),
            (send("POST", "/api/v1/auth/login", Some("application/json"), "null"), StatusCode::UNPROCESSABLE_ENTITY),
            (send("GET", "/api/v1/no-such-thing", None, ""), StatusCode::NOT_FOUND),
            (send("GET", "/api/v2/me", None, ""), StatusCode::NOT_FOUND),
            (send("DELETE", "/api/v1/me", None, ""), StatusCode::METHOD_NOT_ALLOWED),
            (send("GET", "/api/v1/auth/login", None, ""), StatusCode::METHOD_NOT_ALLOWED),
            (send("GET", "/api/v1/me%00", None, ""), StatusCode::NOT_FOUND),
        ];
        for (req, status) in cases {
            let what = format!("{} {}", req.method(), req.uri());
            let res = api.send(req).await;
            assert_eq!(res.status, status, "{what}: {}", res.text);
            res.problem(status);
            assert!(!res.text.contains("<html"), "{what}");
        }
        let mut anonymous = app.api();
        let res = anonymous.get("/api/v1/me").await;
        res.problem(StatusCode::UNAUTHORIZED);
        assert_eq!(res.header("www-authenticate"), "Bearer realm=\"hrms\"", "no error code without a token (RFC 6750)");
        let req = Request::get("/api/v1/me").header(header::AUTHORIZATION, "Basic YTpi").body(Body::empty()).unwrap();
        anonymous.send(req).await.problem(StatusCode::UNAUTHORIZED);
    }

    async fn cookies_are_ignored_under_api_and_no_pre_session_cookie_is_set() {
        let app = TestApp::new().await;
        let browser = app.signed_in("ta@example.com").await;
        let mut api = app.api();
        let cookies = browser.jar.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        let req = Request::get("/api/v1/me").header(header::COOKIE, cookies).body(Body::empty()).unwrap();
        let res = api.send(req).await;
        res.problem(StatusCode::UNAUTHORIZED);
        assert!(res.headers.get(header::SET_COOKIE).is_none(), "{:?}", res.headers);
    }

    async fn each_api_session_has_a_request_budget_per_minute() {
        let app = TestApp::with(|a| a.api_requests_per_minute = 3).await;
        let mut api = app.api_signed_in("ua@example.com").await;
        let mut other = app.api_signed_in("va@example.com").await;
        for _ in 0..3 {
            assert_eq!(api.get("/api/v1/me").await.status, StatusCode::OK);
        }
        let res = api.get("/api/v1/me").await;
        res.problem(StatusCode::TOO_MANY_REQUESTS);
        let wait: i64 = res.header("retry-after").parse().unwrap();
        assert!((1..=60).contains(&wait), "{wait}");
        assert_eq!(other.get("/api/v1/me").await.status, StatusCode::OK, "another session is not slowed");
        app.advance(Duration::seconds(wait));
        assert_eq!(api.get("/api/v1/me").await.status, StatusCode::OK, "a new minute, a new budget");
    }

    async fn cors_answers_only_the_listed_origins() {
        let closed = TestApp::new().await;
        let preflight = |origin: &str| {
            Request::builder()
                .method("OPTIONS")
                .uri("/api/v1/me")
                .header(header::ORIGIN, origin)
                .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
                .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "authorization")
                .body(Body::empty())
                .unwrap()
        };
        let res = closed.api().send(preflight("https://app.example.com")).await;
        assert!(res.headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none(), "no CORS by default");

        let open = TestApp::with(|a| a.cors_origins = vec!["https://app.example.com".into()]).await;
        let res = open.api().send(preflight("https://app.example.com")).await;
        assert!(res.status.is_success(), "{}", res.status);
        assert_eq!(res.header("access-control-allow-origin"), "https://app.example.com");
        assert!(res.header("access-control-allow-headers").to_ascii_lowercase().contains("authorization"));
        let res = open.api().send(preflight("https://evil.example")).await;
        assert!(res.headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());

        // A listed origin's POST is not refused as cross-site: the token is what counts.
        let mut api = open.api_signed_in("wa@example.com").await;
        let req = Request::post("/api/v1/auth/logout")
            .header(header::ORIGIN, "https://app.example.com")
            .header("sec-fetch-site", "cross-site")
            .body(Body::empty())
            .unwrap();
        assert_eq!(api.send(req).await.status, StatusCode::NO_CONTENT);
    }

    async fn the_openapi_document_and_docs_are_served_and_only_the_docs_may_run_scripts() {
        let app = TestApp::new().await;
        let mut api = app.api();
        let doc = api.get("/api/openapi.json").await;
        assert_eq!(doc.status, StatusCode::OK);
        assert_eq!(doc.json["openapi"], "3.1.0");
        assert_eq!(doc.json["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
        // Every route of the API, each with its methods.
        let routes: &[(&str, &[&str])] = &[
            ("/api/v1/auth/login", &["post"]),
            ("/api/v1/auth/refresh", &["post"]),
            ("/api/v1/auth/logout", &["post"]),
            ("/api/v1/auth/register", &["post"]),
            ("/api/v1/auth/password-reset", &["post"]),
            ("/api/v1/me", &["get"]),
            ("/api/v1/sessions", &["get"]),
            ("/api/v1/sessions/{id}", &["delete"]),
            ("/api/v1/employees", &["get", "post"]),
            ("/api/v1/employees/{id}", &["get", "patch"]),
            ("/api/v1/departments", &["get", "post"]),
            ("/api/v1/departments/{id}", &["patch", "delete"]),
            ("/api/v1/leave/balances", &["get"]),
            ("/api/v1/leave/requests", &["get", "post"]),
            ("/api/v1/leave/requests/{id}", &["get"]),
            ("/api/v1/leave/requests/{id}/cancel", &["post"]),
            ("/api/v1/leave/requests/{id}/decision", &["post"]),
            ("/api/v1/leave/approvals", &["get"]),
        ];
        for (path, methods) in routes {
            for method in *methods {
                let op = &doc.json["paths"][path][method];
                assert!(op.is_object(), "{method} {path} undocumented");
                assert!(op["responses"]["429"].is_object() && op["responses"]["503"].is_object(), "{method} {path}");
            }
        }
        assert_eq!(doc.json["paths"].as_object().unwrap().len(), routes.len(), "a route the test does not know");
        assert!(doc.json["paths"]["/api/v1/me"]["get"]["responses"]["401"].is_object());

        let docs = api.get("/api/docs/").await;
        assert_eq!(docs.status, StatusCode::OK);
        assert!(docs.text.contains("swagger-ui"), "{}", docs.text);
        assert!(docs.header("content-security-policy").contains("script-src 'self'"));
        let script = api.get("/api/docs/swagger-ui-bundle.js").await;
        assert_eq!(script.status, StatusCode::OK, "vendored, served from the binary");
        let page = app.browser().get("/login").await;
        assert!(page.header("content-security-policy").contains("script-src 'none'"), "pages keep theirs");
    }
}
