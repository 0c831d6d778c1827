//! The background sender: claims due messages from the outbox, hands them to
//! the transport, and records the outcome. A failure is retried with
//! exponential backoff; after `MAX_ATTEMPTS` the message is marked failed
//! and shown as such to Admins, who can send it again.

use std::time::Duration as StdDuration;

use lettre::Message;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, MultiPart, SinglePart};
use time::Duration;

use super::transport::Delivered;
use crate::error::AppResult;
use crate::models::outbox::{self, OutboxRow};
use crate::state::AppState;

/// How long a claim holds: far longer than one SMTP conversation may take.
const LEASE: Duration = Duration::minutes(5);
/// Messages claimed per pass.
const BATCH: i64 = 20;
/// Attempts before a message is given up (about four hours of retrying).
pub const MAX_ATTEMPTS: i32 = 9;
/// How often the outbox is looked at.
const POLL: StdDuration = StdDuration::from_secs(1);

/// How long to wait after the `attempts`-th failure: 30 s, 1 min, 2 min, ... at most an hour.
pub fn backoff(attempts: i32) -> Duration {
    let doublings = attempts.clamp(1, 8) - 1;
    (Duration::seconds(30) * 2i32.pow(doublings as u32)).min(Duration::hours(1))
}

/// What one pass did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pass {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

/// Delivers what is due now, once. The server calls it every second; tests
/// call it directly.
pub async fn deliver_due(state: &AppState) -> AppResult<Pass> {
    let now = state.clock.now();
    let sender = state.instance_id.clone();
    let claimed = {
        let sender = sender.clone();
        state.db.run(move |conn| Ok(outbox::claim_due(conn, &sender, now, LEASE, BATCH)?)).await?
    };
    let mut pass = Pass::default();
    for row in claimed {
        // A message that cannot even be built (a recipient lettre refuses)
        // will not get better: it fails at once instead of retrying.
        let (result, retryable) = match compose(state, &row) {
            Ok((delivered, email)) => (state.mailer.send(&delivered, email).await, true),
            Err(e) => (Err(e), false),
        };
        let now = state.clock.now();
        let (id, sender) = (row.id.clone(), sender.clone());
        match result {
            Ok(()) => {
                state.db.run(move |conn| Ok(outbox::mark_sent(conn, &id, &sender, now)?)).await?;
                state.metrics.count(crate::metrics::Counter::MailSent);
                pass.sent += 1;
            }
            Err(error) => {
                let retry_at = (retryable && row.attempts < MAX_ATTEMPTS).then(|| now + backoff(row.attempts));
                tracing::warn!(message_id = %row.id, kind = %row.kind, attempts = row.attempts, %error,
                    "mail not delivered{}", if retry_at.is_some() { "; will retry" } else { "; giving up" });
                if retry_at.is_some() {
                    pass.retrying += 1
                } else {
                    pass.failed += 1
                }
                state.metrics.count(crate::metrics::Counter::MailFailed);
                state.db.run(move |conn| Ok(outbox::mark_failed(conn, &id, &sender, &error, retry_at)?)).await?;
            }
        }
    }
    Ok(pass)
}

/// The message as the transport takes it.
fn compose(state: &AppState, row: &OutboxRow) -> Result<(Delivered, Message), String> {
    let to = row.recipient.parse().map_err(|e| format!("the recipient address is not valid: {e}"))?;
    let email = Message::builder()
        .from(state.mailer.from.clone())
        .to(to)
        .subject(&row.subject)
        .multipart(
            MultiPart::alternative()
                .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(plain_body(&row.text_body)))
                .singlepart(SinglePart::html(row.html_body.clone())),
        )
        .map_err(|e| format!("the message could not be built: {e}"))?;
    let delivered = Delivered {
        id: row.id.clone(),
        to: row.recipient.clone(),
        subject: row.subject.clone(),
        text: row.text_body.clone(),
        html: row.html_body.clone(),
    };
    Ok((delivered, email))
}

/// The plain-text part as 7bit when it can be (ASCII, lines within RFC
/// 5322's 998), so that a link reads whole in a `.eml` file opened in a
/// text editor; otherwise whatever lettre chooses (quoted-printable).
fn plain_body(text: &str) -> Body {
    let crlf = text.replace("\r\n", "\n").replace('\n', "\r\n");
    let seven_bit = crlf.is_ascii() && !crlf.contains('\0') && crlf.split("\r\n").all(|line| line.len() <= 998);
    if seven_bit {
        Body::dangerous_pre_encoded(crlf.into_bytes(), ContentTransferEncoding::SevenBit)
    } else {
        Body::new(text.to_owned())
    }
}

/// Delivers due messages every second until aborted.
pub async fn run_forever(state: AppState) {
    let mut ticker = tokio::time::interval(POLL);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        if let Err(e) = deliver_due(&state).await {
            tracing::warn!(error = %e, "the outbox could not be read; will retry");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(1), Duration::seconds(30));
        assert_eq!(backoff(2), Duration::minutes(1));
        assert_eq!(backoff(3), Duration::minutes(2));
        assert_eq!(backoff(8), Duration::hours(1));
        assert_eq!(backoff(50), Duration::hours(1));
    }
}
