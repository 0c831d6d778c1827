//! Streaming a CSV download page by page, so that a large one never sits in
//! memory whole and the first bytes leave at once.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use tokio::sync::mpsc;

use crate::db::{Db, DbConnection};
use crate::error::AppResult;

/// `header`, then the text of each page `read(conn, offset)` returns (how
/// many records it read, their lines), until a page holds fewer than
/// `per_page` records. Each page is read with a connection of its own; a
/// receiver that goes away (the client left) stops the reading. An error is
/// sent down the channel and ends it.
pub fn pages<F>(db: Db, header: String, per_page: i64, read: F) -> mpsc::Receiver<AppResult<String>>
where
    F: Fn(&mut DbConnection, i64) -> AppResult<(i64, String)> + Clone + Send + 'static,
{
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        if tx.send(Ok(header)).await.is_err() {
            return;
        }
        let mut offset = 0;
        loop {
            let read = read.clone();
            match db.run(move |conn| read(conn, offset)).await {
                Ok((count, text)) => {
                    if count > 0 && tx.send(Ok(text)).await.is_err() {
                        return;
                    }
                    if count < per_page {
                        return;
                    }
                    offset += count;
                }
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
            }
        }
    });
    rx
}

/// The chunks of a download as a stream for the response body.
struct Chunks(mpsc::Receiver<AppResult<String>>);

impl futures_core::Stream for Chunks {
    type Item = Result<String, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx).map(|chunk| chunk.map(|c| c.map_err(|e| std::io::Error::other(e.to_string()))))
    }
}

/// A CSV download streamed from `chunks` (as `pages` makes them), saved as
/// `filename`. An error after the first bytes ends the body early: the
/// client sees a broken download, never a half file passed off as whole.
pub fn response(filename: &str, chunks: mpsc::Receiver<AppResult<String>>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Body::from_stream(Chunks(chunks)),
    )
        .into_response()
}
