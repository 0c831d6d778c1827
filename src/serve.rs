//! The HTTP server: HTTP/1.1 connections under limits, so that slow or silent
//! clients cannot hold the process open (slowloris), and a shutdown that ends.
//!
//! `axum::serve` has no header timeout, no idle timeout and no connection cap,
//! and its graceful shutdown waits forever for a client that sent half a
//! request. This serves the same `Router` through hyper's HTTP/1 builder:
//!
//! - at most `max_connections` connections are accepted at once; the next ones
//!   wait in the kernel's listen queue until one closes;
//! - a request head must arrive whole within `header_read_timeout` of the
//!   server starting to wait for it (hyper starts that clock when the
//!   connection opens and again after every response, so it also bounds an
//!   idle keep-alive connection);
//! - a connection on which the server waits for the client (between requests,
//!   in a header, in a request body, or to take the response) and nothing
//!   moves for `keep_alive_timeout` is closed; time a handler spends working
//!   does not count;
//! - on shutdown the listener closes, idle connections close, requests in
//!   flight finish (answered with `Connection: close`), and whatever is still
//!   open after `shutdown_timeout` is cut.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::{Body, Bytes, Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tower::ServiceExt;

/// Limits on client connections (`--header-read-timeout`, `--keep-alive-timeout`,
/// `--max-connections`, `--shutdown-timeout`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// A request head must arrive whole within this time.
    pub header_read_timeout: Duration,
    /// A connection waiting for its client with nothing moving is closed after this long.
    pub keep_alive_timeout: Duration,
    /// Connections served at once; more wait to be accepted.
    pub max_connections: usize,
    /// After a shutdown signal, connections still open this long are cut.
    pub shutdown_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            keep_alive_timeout: Duration::from_secs(5),
            max_connections: 512,
            shutdown_timeout: Duration::from_secs(10),
        }
    }
}

/// What a finished [`serve`] saw; logged, and useful to tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stopped {
    /// Connections still open when the shutdown deadline passed, closed unanswered.
    pub cut_at_deadline: usize,
}

/// Serves `app` on `listener` until `shutdown` completes, then stops accepting,
/// lets the open connections finish for up to `limits.shutdown_timeout` and
/// closes the rest. Handlers see the client address as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) -> Stopped {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        // Forget finished connections (their slots are free already).
        while connections.try_join_next().is_some() {}
        // A slot first, then accept: beyond the cap, clients wait in the
        // listen queue instead of costing this process a file descriptor.
        let slot = tokio::select! {
            biased;
            () = &mut shutdown => break,
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
        };
        let (stream, peer) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // A connection that failed before it was accepted is its
                    // client's problem; anything else (out of file descriptors)
                    // is ours: wait a little instead of spinning.
                    if !is_connection_error(&e) {
                        tracing::error!(error = %e, "could not accept a connection");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    continue;
                }
            },
        };
        connections.spawn(connection(stream, peer, app.clone(), limits, stop_rx.clone(), slot));
    }
    drop(listener);
    while connections.try_join_next().is_some() {}
    let open = connections.len();
    let _ = stop_tx.send(true);
    tracing::info!(open, deadline = ?limits.shutdown_timeout, "stopped accepting; finishing the open connections");
    let drained =
        tokio::time::timeout(limits.shutdown_timeout, async { while connections.join_next().await.is_some() {} }).await;
    let mut stopped = Stopped::default();
    if drained.is_err() {
        stopped.cut_at_deadline = connections.len();
        tracing::warn!(
            connections = stopped.cut_at_deadline,
            "shutdown deadline passed: closing the connections still open"
        );
        connections.shutdown().await;
    }
    stopped
}

/// File descriptors kept for everything but client connections: the
/// database pool, mail, the metrics listener, log and mail files.
const RESERVED_FDS: usize = 128;

/// `max_connections`, lowered if the process may not open that many files
/// (after raising its soft `RLIMIT_NOFILE` towards the hard one), so that the
/// cap, not the operating system, is what makes clients wait.
pub fn fit_to_fd_limit(max_connections: usize) -> usize {
    #[cfg(unix)]
    {
        let wanted = (max_connections + RESERVED_FDS) as libc::rlim_t;
        let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit writes only into the struct it is given.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
            return max_connections;
        }
        let soft = limit.rlim_cur;
        if soft >= wanted {
            return max_connections;
        }
        let raised = libc::rlimit { rlim_cur: wanted.min(limit.rlim_max), ..limit };
        // SAFETY: setrlimit reads only the struct it is given; raising the
        // soft limit up to the hard one needs no privilege.
        let soft = if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 { raised.rlim_cur } else { soft };
        if soft < wanted {
            let fitted = usize::try_from(soft).unwrap_or(usize::MAX).saturating_sub(RESERVED_FDS).max(1);
            tracing::warn!(
                max_connections,
                fitted,
                open_files_limit = soft,
                "--max-connections is more than the open-files limit allows; serving at most {fitted} connections at once"
            );
            return fitted;
        }
    }
    max_connections
}

fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    )
}

/// Drives one connection to its end; `_slot` frees its place under the cap when dropped.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    limits: ConnectionLimits,
    mut stop: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
) {
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched { inner: stream, activity: activity.clone() });
    let service = {
        let activity = activity.clone();
        hyper::service::service_fn(move |request: Request<Incoming>| {
            // Counted from the moment the head is read: the handler's own time
            // never counts as the client's silence.
            let working = Working::start(activity.clone());
            let mut request =
                request.map(|body| WatchedBody { inner: body, activity: activity.clone(), waiting: false });
            request.extensions_mut().insert(ConnectInfo(peer));
            let app = app.clone();
            async move {
                let response = app.oneshot(request).await;
                drop(working);
                response
            }
        })
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let mut stopping = false;
    loop {
        let check_at = activity.silent_deadline(limits.keep_alive_timeout);
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    // Header timeouts, resets, clients that vanish: routine.
                    tracing::debug!(error = %e, %peer, "connection ended with an error");
                }
                return;
            }
            _ = stop.changed(), if !stopping => {
                stopping = true;
                // Closes an idle connection now; one with a request in flight
                // after its response. The deadline in `serve` does the rest.
                conn.as_mut().graceful_shutdown();
            }
            () = tokio::time::sleep_until(check_at) => {
                if activity.waiting_for_client() && activity.silent_for() >= limits.keep_alive_timeout {
                    tracing::debug!(%peer, "closing a connection silent for {:?}", limits.keep_alive_timeout);
                    return;
                }
            }
        }
    }
}

/// What one connection is doing, shared by its socket, its requests and its task.
struct Activity {
    origin: Instant,
    /// Milliseconds after `origin` when a byte last moved, or a handler finished.
    last_progress: AtomicU64,
    /// Requests whose handler has not answered yet.
    working: AtomicUsize,
    /// Of those, the ones waiting for more of their request body.
    reading_body: AtomicUsize,
}

impl Activity {
    fn new() -> Self {
        Self {
            origin: Instant::now(),
            last_progress: AtomicU64::new(0),
            working: AtomicUsize::new(0),
            reading_body: AtomicUsize::new(0),
        }
    }

    fn progress(&self) {
        let ms = u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_progress.store(ms, Ordering::Relaxed);
    }

    fn silent_for(&self) -> Duration {
        self.origin.elapsed().saturating_sub(Duration::from_millis(self.last_progress.load(Ordering::Relaxed)))
    }

    /// Whether the connection is waiting for its client: no handler at work,
    /// or the one at work waiting for its request body.
    fn waiting_for_client(&self) -> bool {
        self.working.load(Ordering::Relaxed) == 0 || self.reading_body.load(Ordering::Relaxed) > 0
    }

    /// When to look again: `limit` after the last progress, or, while a
    /// handler works, `limit` from now.
    fn silent_deadline(&self, limit: Duration) -> Instant {
        if self.waiting_for_client() {
            self.origin + Duration::from_millis(self.last_progress.load(Ordering::Relaxed)) + limit
        } else {
            Instant::now() + limit
        }
    }
}

/// A request being handled; the silence clock restarts when its handler answers.
struct Working(Arc<Activity>);

impl Working {
    fn start(activity: Arc<Activity>) -> Self {
        activity.working.fetch_add(1, Ordering::Relaxed);
        Self(activity)
    }
}

impl Drop for Working {
    fn drop(&mut self) {
        self.0.progress();
        self.0.working.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The socket, noting every byte that moves either way.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.progress();
        }
        result
    }
}

impl AsyncWrite for Watched {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.progress();
        }
        result
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.progress();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A request body, noting while its handler waits for the client to send more.
struct WatchedBody {
    inner: Incoming,
    activity: Arc<Activity>,
    waiting: bool,
}

impl WatchedBody {
    fn set_waiting(&mut self, waiting: bool) {
        if waiting != self.waiting {
            self.waiting = waiting;
            if waiting {
                self.activity.reading_body.fetch_add(1, Ordering::Relaxed);
            } else {
                self.activity.reading_body.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }
}

impl Body for WatchedBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let result = Pin::new(&mut self.inner).poll_frame(cx);
        self.set_waiting(result.is_pending());
        result
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for WatchedBody {
    fn drop(&mut self) {
        self.set_waiting(false);
    }
}
