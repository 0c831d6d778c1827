//! Connection limits over real TCP: slow and silent clients are cut, the
//! connection cap holds, and shutdown ends by its deadline.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::routing::{get, post};
use clap::Parser;
use hrms::clock::SystemClock;
use hrms::config::{Cli, Config, ServeArgs};
use hrms::serve::ConnectionLimits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::{Instant, timeout};

const HALF_A_HEADER: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: hrms.test\r\nUser-Agent: slow\r\n";
const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: hrms.test\r\n\r\n";

/// The portal through `commands::run_until`, stopped by `stop`.
struct Portal {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
    _dir: tempfile::TempDir,
}

async fn portal(configure: impl FnOnce(&mut ServeArgs)) -> Portal {
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut args = ServeArgs::default();
    args.db.database_url = dir.path().join("connections.db").display().to_string();
    args.public_url = format!("http://{addr}");
    args.bcrypt_cost = 4;
    configure(&mut args);
    let state = hrms::AppState::new(Config::try_from(args).unwrap(), Arc::new(SystemClock)).await.unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(hrms::commands::run_until(listener, state, async {
        let _ = stopped.await;
    }));
    Portal { addr, stop: Some(stop), task, _dir: dir }
}

async fn half_sent(addr: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(HALF_A_HEADER).await.unwrap();
    stream
}

/// Reads (and discards) until the server closes; `None` if it is still open after `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Instant> {
    let mut buf = [0u8; 1024];
    timeout(limit, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return Instant::now(),
                Ok(_) => {}
            }
        }
    })
    .await
    .ok()
}

/// Reads one response (head and a `Content-Length` body) and returns it as text.
async fn response(stream: &mut TcpStream) -> String {
    let mut bytes = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "closed before a whole response: {:?}", String::from_utf8_lossy(&bytes));
        bytes.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
                .map_or(0, |v| v.parse::<usize>().unwrap());
            if bytes.len() >= end + 4 + length {
                return text;
            }
        }
    }
}

async fn healthz(stream: &mut TcpStream) -> String {
    stream.write_all(HEALTHZ).await.unwrap();
    response(stream).await
}

#[test]
fn the_flags_parse_and_default_to_the_documented_values() {
    let defaults = Config::try_from(ServeArgs::default()).unwrap().connections;
    assert_eq!(
        defaults,
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(10),
            keep_alive_timeout: Duration::from_secs(5),
            max_connections: 512,
            shutdown_timeout: Duration::from_secs(10),
        }
    );
    let cli = Cli::parse_from([
        "hrms",
        "--header-read-timeout",
        "300ms",
        "--keep-alive-timeout",
        "1m",
        "--max-connections",
        "8",
        "--shutdown-timeout",
        "2s",
    ]);
    let limits = Config::try_from(cli.serve).unwrap().connections;
    assert_eq!(limits.header_read_timeout, Duration::from_millis(300));
    assert_eq!(limits.keep_alive_timeout, Duration::from_secs(60));
    assert_eq!(limits.max_connections, 8);
    assert_eq!(limits.shutdown_timeout, Duration::from_secs(2));
    assert!(Cli::try_parse_from(["hrms", "--max-connections", "0"]).is_err());
}

/// Half a header, or a header trickled a line at a time, is cut once the
/// header-read timeout has passed; a whole request still gets its answer.
#[tokio::test]
async fn a_half_sent_header_is_cut_after_the_header_read_timeout() {
    let portal = portal(|a| {
        a.header_read_timeout = Duration::from_millis(300);
        a.keep_alive_timeout = Duration::from_secs(30); // not the one at work here
    })
    .await;

    let start = Instant::now();
    let mut silent = half_sent(portal.addr).await;
    let mut trickling = half_sent(portal.addr).await;
    let trickle = tokio::spawn(async move {
        // A line every 100 ms: never silent, never finished (slowloris).
        for i in 0.. {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if trickling.write_all(format!("X-Slow-{i}: x\r\n").as_bytes()).await.is_err() {
                break;
            }
            if let Some(at) = closed_within(&mut trickling, Duration::from_millis(1)).await {
                return at;
            }
        }
        Instant::now()
    });

    let silent_cut = closed_within(&mut silent, Duration::from_secs(3)).await.expect("the half-sent header was cut");
    let trickle_cut = timeout(Duration::from_secs(3), trickle).await.expect("the trickled header was cut").unwrap();
    for (what, at) in [("silent", silent_cut), ("trickling", trickle_cut)] {
        let after = at - start;
        assert!(after >= Duration::from_millis(250), "{what} client cut too early: {after:?}");
        assert!(after < Duration::from_millis(2000), "{what} client cut late: {after:?}");
    }

    let mut stream = TcpStream::connect(portal.addr).await.unwrap();
    assert!(healthz(&mut stream).await.starts_with("HTTP/1.1 200"));
    portal.task.abort();
}

/// With 8 slots, 12 clients that send half a header: 8 are served (and cut by
/// the header timeout), the other 4 are only accepted once slots free, so they
/// are cut a timeout later; a well-behaved client waits in the queue, then is answered.
#[tokio::test]
async fn the_connection_cap_holds_and_healthz_answers_once_slots_free() {
    let header_timeout = Duration::from_millis(500);
    let portal = portal(|a| {
        a.max_connections = 8;
        a.header_read_timeout = header_timeout;
        a.keep_alive_timeout = Duration::from_secs(30);
    })
    .await;

    let start = Instant::now();
    let mut watchers = Vec::new();
    for _ in 0..12 {
        let mut stream = half_sent(portal.addr).await;
        watchers.push(tokio::spawn(async move { closed_within(&mut stream, Duration::from_secs(4)).await }));
    }
    // The 13th client is well behaved; beyond the cap it is not even accepted yet.
    let mut polite = TcpStream::connect(portal.addr).await.unwrap();
    polite.write_all(HEALTHZ).await.unwrap();
    let answer = timeout(Duration::from_secs(4), response(&mut polite)).await.expect("healthz answered");
    let answered_after = start.elapsed();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answered_after >= header_timeout - Duration::from_millis(50),
        "answered after {answered_after:?}: the cap did not hold"
    );

    let mut cut = Vec::new();
    for watcher in watchers {
        cut.push(watcher.await.unwrap().expect("every half-sent client is cut") - start);
    }
    cut.sort();
    // Never more than 8 at once: the last 4 were accepted only when the first
    // 8 were cut, so they lasted two timeouts.
    assert!(cut[0] >= header_timeout - Duration::from_millis(50), "{cut:?}");
    assert!(cut[8] >= header_timeout * 2 - Duration::from_millis(50), "more than 8 accepted at once: {cut:?}");

    // Slots free again: answered at once.
    let asked = Instant::now();
    let mut stream = TcpStream::connect(portal.addr).await.unwrap();
    assert!(healthz(&mut stream).await.starts_with("HTTP/1.1 200"));
    assert!(asked.elapsed() < header_timeout, "{:?}", asked.elapsed());
    portal.task.abort();
}

/// On shutdown: no new connections, an idle connection closes at once, a
/// request finished after the signal is still answered, and a client stuck
/// in its header is cut at the deadline, after which `run` returns Ok.
#[tokio::test]
async fn shutdown_answers_requests_in_flight_and_cuts_stuck_clients_at_the_deadline() {
    let deadline = Duration::from_millis(500);
    let mut portal = portal(|a| {
        a.header_read_timeout = Duration::from_secs(30);
        a.keep_alive_timeout = Duration::from_secs(30);
        a.shutdown_timeout = deadline;
    })
    .await;
    let mut idle = TcpStream::connect(portal.addr).await.unwrap();
    assert!(healthz(&mut idle).await.starts_with("HTTP/1.1 200"));
    let mut stuck = half_sent(portal.addr).await;
    let mut late = half_sent(portal.addr).await;
    tokio::time::sleep(Duration::from_millis(50)).await; // all three accepted

    let start = Instant::now();
    portal.stop.take().unwrap().send(()).unwrap();
    let idle_closed = closed_within(&mut idle, Duration::from_secs(2)).await.expect("the idle connection closed");
    assert!(idle_closed - start < Duration::from_millis(300), "{:?}", idle_closed - start);

    tokio::time::sleep(Duration::from_millis(100)).await;
    late.write_all(b"\r\n").await.unwrap();
    let answer = timeout(Duration::from_secs(2), response(&mut late)).await.expect("answered during shutdown");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("connection: close"), "{answer}");
    assert!(TcpStream::connect(portal.addr).await.is_err(), "still accepting after the signal");

    let result = timeout(Duration::from_secs(3), &mut portal.task).await.expect("run returned by the deadline");
    let returned = start.elapsed();
    result.unwrap().unwrap();
    assert!(returned >= deadline - Duration::from_millis(50), "returned after {returned:?}, before the deadline");
    assert!(returned < deadline + Duration::from_millis(1000), "returned after {returned:?}");
    let stuck_closed = closed_within(&mut stuck, Duration::from_secs(1)).await.expect("the stuck client was cut");
    assert!(stuck_closed - start >= deadline - Duration::from_millis(50));
}

/// `serve` on its own, with handlers the portal lacks: the client address
/// reaches handlers, a handler's own time is not silence, and silence while
/// the server waits for the client (idle, or a stalled body) is cut.
#[tokio::test]
async fn silence_is_cut_but_slow_handlers_finish_and_the_client_address_is_kept() {
    let keep_alive = Duration::from_millis(300);
    let app = Router::new()
        .route("/peer", get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.to_string() }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(900)).await;
                "done"
            }),
        )
        .route("/echo", post(|body: String| async move { body }));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = ConnectionLimits {
        header_read_timeout: Duration::from_secs(30),
        keep_alive_timeout: keep_alive,
        max_connections: 8,
        shutdown_timeout: Duration::from_secs(2),
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(hrms::serve::serve(listener, app, limits, async {
        let _ = stopped.await;
    }));

    // The address the handler sees is this client's.
    let mut client = TcpStream::connect(addr).await.unwrap();
    client.write_all(b"GET /peer HTTP/1.1\r\nHost: t\r\n\r\n").await.unwrap();
    let answer = response(&mut client).await;
    assert!(answer.ends_with(&client.local_addr().unwrap().to_string()), "{answer}");
    // Then idle on a kept-alive connection: closed after the keep-alive timeout.
    let answered = Instant::now();
    let closed = closed_within(&mut client, Duration::from_secs(3)).await.expect("the idle connection was closed");
    assert!(closed - answered >= keep_alive - Duration::from_millis(50), "{:?}", closed - answered);

    // A handler working three times the keep-alive timeout is not cut.
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /slow HTTP/1.1\r\nHost: t\r\n\r\n").await.unwrap();
    let answer = timeout(Duration::from_secs(3), response(&mut slow)).await.expect("the slow handler answered");
    assert!(answer.ends_with("done"), "{answer}");

    // A body that stops arriving is cut; one that arrives in time is echoed.
    let mut stalled = TcpStream::connect(addr).await.unwrap();
    let sent = Instant::now();
    stalled.write_all(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nonly ten..").await.unwrap();
    let cut = closed_within(&mut stalled, Duration::from_secs(3)).await.expect("the stalled body was cut");
    assert!(cut - sent >= keep_alive - Duration::from_millis(50), "{:?}", cut - sent);
    let mut steady = TcpStream::connect(addr).await.unwrap();
    steady.write_all(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nhalf").await.unwrap();
    tokio::time::sleep(keep_alive / 2).await;
    steady.write_all(b" whole").await.unwrap();
    assert!(response(&mut steady).await.ends_with("half whole"));

    // Shutdown in the middle of a slow request: it is answered, nothing is cut.
    let mut in_flight = TcpStream::connect(addr).await.unwrap();
    in_flight.write_all(b"GET /slow HTTP/1.1\r\nHost: t\r\n\r\n").await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.send(()).unwrap();
    let answer = timeout(Duration::from_secs(3), response(&mut in_flight)).await.expect("answered");
    assert!(answer.ends_with("done"), "{answer}");
    let stopped = timeout(Duration::from_secs(3), server).await.expect("serve returned").unwrap();
    assert_eq!(stopped.cut_at_deadline, 0);
}
