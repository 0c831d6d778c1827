//! Compressed responses (gzip) and the stylesheet under a content-hashed name.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use axum::routing::get;
use http_body_util::BodyExt;
use tokio::sync::mpsc;
use tower::ServiceExt;

use crate::employees::{Person, add_employee, hr_signed_in};
use crate::helpers::{Browser, TestApp};

/// An answer as bytes, as they came over the wire.
struct Raw {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Raw {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }
}

/// GET `path` with `browser`'s cookies and `extra` headers, the body left as it came.
async fn raw_get(app: &TestApp, browser: &Browser, path: &str, extra: &[(&str, &str)]) -> Raw {
    let router = hrms::build_app(app.state.clone()).layer(MockConnectInfo(SocketAddr::from(([10, 0, 0, 1], 40000))));
    let mut req = Request::get(path);
    let cookies = browser.jar.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    if !cookies.is_empty() {
        req = req.header(header::COOKIE, cookies);
    }
    for (name, value) in extra {
        req = req.header(*name, *value);
    }
    let res = router.oneshot(req.body(Body::empty()).expect("request")).await.expect("infallible");
    let (parts, body) = res.into_parts();
    let body = body.collect().await.expect("body").to_bytes();
    Raw { status: parts.status, headers: parts.headers, body }
}

/// CRC-32 (IEEE), as gzip's trailer holds it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// Asserts that `gz` is a whole gzip member whose content is `plain`: its
/// trailer holds the CRC-32 and the length of what was compressed.
fn assert_gzip_of(gz: &[u8], plain: &[u8]) {
    assert!(gz.len() > 18 && gz[..3] == [0x1f, 0x8b, 8], "not gzip: {:?}", &gz[..gz.len().min(10)]);
    let trailer = &gz[gz.len() - 8..];
    let crc = u32::from_le_bytes(trailer[..4].try_into().unwrap());
    let size = u32::from_le_bytes(trailer[4..].try_into().unwrap());
    assert_eq!(size as usize, plain.len(), "uncompressed length");
    assert_eq!(crc, crc32(plain), "the compressed content is not the plain one");
}

#[test]
fn crc32_matches_the_standard_check_value() {
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
}

backend_tests! {
    async fn pages_are_gzipped_for_clients_that_accept_it() {
        let app = TestApp::new().await;
        let browser = app.signed_in("e@example.com").await;
        let plain = raw_get(&app, &browser, "/dashboard", &[]).await;
        assert_eq!(plain.status, StatusCode::OK);
        assert_eq!(plain.header("content-encoding"), "");
        assert!(String::from_utf8_lossy(&plain.body).contains("Sign out"), "the dashboard, signed in");

        let gz = raw_get(&app, &browser, "/dashboard", &[("accept-encoding", "gzip, deflate, br")]).await;
        assert_eq!(gz.status, StatusCode::OK);
        assert_eq!(gz.header("content-encoding"), "gzip");
        assert_eq!(gz.header("content-type"), plain.header("content-type"));
        assert!(gz.header("vary").to_ascii_lowercase().contains("accept-encoding"), "{:?}", gz.headers);
        // The page's own headers stay.
        assert_eq!(gz.header("cache-control"), "no-store");
        assert!(gz.header("content-security-policy").contains("default-src 'self'"));
        assert_gzip_of(&gz.body, &plain.body);
        assert!(gz.body.len() * 2 < plain.body.len(), "{} -> {}", plain.body.len(), gz.body.len());
    }

    async fn small_answers_and_clients_without_gzip_get_plain_bodies() {
        let app = TestApp::new().await;
        let browser = app.browser();
        let health = raw_get(&app, &browser, "/healthz", &[("accept-encoding", "gzip")]).await;
        assert_eq!(health.status, StatusCode::OK);
        assert_eq!(health.header("content-encoding"), "", "a tiny body is not worth compressing");
        assert_eq!(&health.body[..], b"ok\n");

        let login = raw_get(&app, &browser, "/login", &[]).await;
        assert_eq!(login.status, StatusCode::OK);
        assert_eq!(login.header("content-encoding"), "");
        assert!(login.header("content-type").starts_with("text/html"));
        assert!(String::from_utf8_lossy(&login.body).contains("name=\"csrf_token\""));
        let identity = raw_get(&app, &browser, "/login", &[("accept-encoding", "identity")]).await;
        assert_eq!(identity.header("content-encoding"), "");
    }

    async fn pages_asked_for_by_another_site_are_not_compressed() {
        // BREACH needs compressed answers to requests another site makes the
        // victim's browser send.
        let app = TestApp::new().await;
        let browser = app.signed_in("e@example.com").await;
        for site in ["cross-site", "same-site", "Cross-Site"] {
            let res = raw_get(&app, &browser, "/dashboard", &[("accept-encoding", "gzip"), ("sec-fetch-site", site)]).await;
            assert_eq!(res.status, StatusCode::OK);
            assert_eq!(res.header("content-encoding"), "", "Sec-Fetch-Site: {site}");
            assert!(String::from_utf8_lossy(&res.body).contains("Sign out"));
        }
        for site in ["same-origin", "none"] {
            let res = raw_get(&app, &browser, "/dashboard", &[("accept-encoding", "gzip"), ("sec-fetch-site", site)]).await;
            assert_eq!(res.header("content-encoding"), "gzip", "Sec-Fetch-Site: {site}");
        }
    }

    async fn json_and_csv_downloads_are_gzipped_too() {
        let app = TestApp::new().await;
        let (hr, _) = hr_signed_in(&app).await;
        for i in 0..30 {
            add_employee(&app, Person::new(&format!("Person {i}"), &format!("p{i}@example.com"))).await;
        }
        let plain = raw_get(&app, &hr, "/employees.csv", &[]).await;
        assert_eq!(plain.status, StatusCode::OK);
        assert!(plain.header("content-type").starts_with("text/csv"));
        assert!(plain.body.len() > 1024, "{}", plain.body.len());
        let gz = raw_get(&app, &hr, "/employees.csv", &[("accept-encoding", "gzip")]).await;
        assert_eq!(gz.header("content-encoding"), "gzip");
        assert!(gz.header("content-disposition").starts_with("attachment"));
        assert_gzip_of(&gz.body, &plain.body);

        let css = raw_get(&app, &hr, "/static/app.css", &[("accept-encoding", "gzip")]).await;
        assert_eq!(css.header("content-encoding"), "gzip");
        assert_eq!(css.header("content-length"), "", "a compressed body's length is not the file's");
        assert_gzip_of(&css.body, include_bytes!("../../static/app.css"));

        let spec = raw_get(&app, &hr, "/api/openapi.json", &[]).await;
        assert_eq!(spec.status, StatusCode::OK);
        let gz = raw_get(&app, &hr, "/api/openapi.json", &[("accept-encoding", "gzip")]).await;
        assert_eq!(gz.header("content-encoding"), "gzip");
        assert!(gz.header("content-type").starts_with("application/json"), "{}", gz.header("content-type"));
        assert_gzip_of(&gz.body, &spec.body);
    }

    async fn the_stylesheet_is_linked_under_its_hash_and_kept_for_a_year() {
        let app = TestApp::new().await;
        let mut browser = app.browser();
        let page = browser.get("/login").await;
        let start = page.body.find("href=\"/static/app.").expect("a hashed stylesheet link") + "href=\"".len();
        let href = &page.body[start..start + page.body[start..].find('"').unwrap()];
        let hash = href.strip_prefix("/static/app.").and_then(|h| h.strip_suffix(".css")).expect(href);
        assert!(hash.len() >= 8 && hash.bytes().all(|b| b.is_ascii_hexdigit()), "{href}");
        assert_eq!(href, hrms::static_files::stylesheet_href());
        assert!(!page.body.contains("href=\"/static/app.css\""));

        let css = browser.get(href).await;
        assert_eq!(css.status, StatusCode::OK);
        assert!(css.header("content-type").starts_with("text/css"));
        assert_eq!(css.header("cache-control"), "public, max-age=31536000, immutable");
        assert_eq!(css.body, include_str!("../../static/app.css"));

        // Pages cached before a release still find it, kept for a short time.
        let old = browser.get("/static/app.css").await;
        assert_eq!(old.status, StatusCode::OK);
        assert_eq!(old.header("cache-control"), "public, max-age=3600");
        assert_eq!(old.body, css.body);

        let wrong = format!("/static/app.{}.css", "0".repeat(hash.len()));
        assert_eq!(browser.get(&wrong).await.status, StatusCode::NOT_FOUND);
        assert_eq!(browser.get("/static/app..css").await.status, StatusCode::NOT_FOUND);
        assert_eq!(browser.get(&format!("/static/app.{hash}.js")).await.status, StatusCode::NOT_FOUND);
    }
}

/// A streamed body: chunks as a channel gives them.
struct Chunks(mpsc::Receiver<String>);

impl futures_core::Stream for Chunks {
    type Item = Result<String, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx).map(|c| c.map(Ok))
    }
}

#[tokio::test]
async fn a_streamed_download_is_compressed_as_it_goes_not_at_its_end() {
    let (tx, rx) = mpsc::channel::<String>(4);
    let rx = Arc::new(Mutex::new(Some(rx)));
    let download = move || {
        let rx = rx.lock().unwrap().take().expect("one request");
        async move { ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], Body::from_stream(Chunks(rx))) }
    };
    let router: Router = Router::new().route("/download.csv", get(download)).layer(hrms::router::compression());
    let req = Request::get("/download.csv").header("accept-encoding", "gzip").body(Body::empty()).unwrap();
    let res = router.oneshot(req).await.unwrap();
    assert_eq!(res.headers().get("content-encoding").map(|v| v.as_bytes()), Some(&b"gzip"[..]));
    let mut body = res.into_body();

    let first = "id,name\n".to_owned() + &"1,Someone\n".repeat(50);
    tx.send(first.clone()).await.unwrap();
    // The producer is still open and sends nothing more: what was sent must
    // leave now, not when the download ends.
    let mut received = Vec::new();
    let frame = tokio::time::timeout(Duration::from_secs(5), body.frame())
        .await
        .expect("the first rows left before the download ended")
        .expect("a frame")
        .expect("no error");
    received.extend_from_slice(frame.data_ref().expect("data"));
    // Sync-flushed deflate output: the rows are in what arrived (the gzip
    // header and at least one block, ending in the 00 00 ff ff flush marker).
    assert_eq!(received[..2], [0x1f, 0x8b]);
    let early = tokio::time::timeout(Duration::from_millis(200), async {
        while !received.ends_with(&[0, 0, 0xff, 0xff]) {
            match body.frame().await {
                Some(Ok(f)) => received.extend_from_slice(f.data_ref().expect("data")),
                other => panic!("the stream ended early: {:?}", other.map(|r| r.is_ok())),
            }
        }
    })
    .await;
    assert!(early.is_ok(), "the first chunk was not flushed: {} bytes so far", received.len());

    let second = "2,Someone else\n".repeat(50);
    tx.send(second.clone()).await.unwrap();
    drop(tx);
    let rest = body.collect().await.unwrap().to_bytes();
    received.extend_from_slice(&rest);
    assert_gzip_of(&received, (first + &second).as_bytes());
}
