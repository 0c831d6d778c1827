//! Password rules and hashing. bcrypt runs on the blocking pool behind a
//! semaphore of one permit per core, so a burst of sign-ins never stalls pages.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};
use tokio::sync::{OnceCell, Semaphore};

use crate::error::{AppError, AppResult};

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 128;

/// 19,640 common passwords (Django's list, from Royce Williams' breach
/// compilation), lower-cased, one per line.
static COMMON: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("../../data/common-passwords.txt").lines().collect());

/// Why a new password is refused, in words a person understands; `None` if acceptable.
pub fn policy_violation(password: &str, email: &str) -> Option<&'static str> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Some("Use at least 12 characters.");
    }
    if chars > MAX_CHARS {
        return Some("Use at most 128 characters.");
    }
    let lower = password.to_lowercase();
    // "password2024!" is as weak as "password": strip what people append.
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    let repeated = lower.chars().all(|c| lower.starts_with(c));
    if COMMON.contains(lower.as_str()) || (stem.chars().count() >= 4 && COMMON.contains(stem)) || repeated {
        return Some("This password is too common. Choose a longer phrase that is not easy to guess.");
    }
    let email = email.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or_default();
    if !email.is_empty() && (lower == email || (local.len() >= 4 && lower.contains(local))) {
        return Some("Your password must not contain your email address.");
    }
    None
}

/// bcrypt reads at most 72 bytes. Rather than truncate silently or refuse long
/// passphrases, hash a fixed-length digest of the password (44 base64 bytes,
/// never a NUL) and use bcrypt's non-truncating API to be sure.
fn prehash(password: &str) -> String {
    STANDARD.encode(Sha256::digest(password.as_bytes()))
}

pub fn hash_blocking(password: &str, cost: u32) -> AppResult<String> {
    bcrypt::non_truncating_hash(prehash(password), cost).map_err(|e| AppError::Internal(e.into()))
}

fn verify_blocking(password: &str, hash: &str) -> bool {
    bcrypt::non_truncating_verify(prehash(password), hash).unwrap_or(false)
}

pub struct Passwords {
    cost: u32,
    permits: Arc<Semaphore>,
    /// A real hash at the configured cost, verified against when the email is
    /// unknown, so that both failures take about the same time.
    dummy_hash: OnceCell<String>,
    /// Passwords verified so far (metrics, and the throttle's tests).
    checks: std::sync::atomic::AtomicU64,
    /// New hashes waiting for a core; beyond `max_waiting_hashes` a request
    /// that needs one is answered 503 at once (load shedding), so that a
    /// flood of sign-ups or resets never makes sign-ins wait behind it.
    waiting_hashes: Arc<std::sync::atomic::AtomicUsize>,
    max_waiting_hashes: usize,
}

impl Passwords {
    pub fn new(cost: u32) -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Self {
            cost,
            permits: Arc::new(Semaphore::new(cores)),
            dummy_hash: OnceCell::new(),
            checks: Default::default(),
            waiting_hashes: Default::default(),
            max_waiting_hashes: 2 * cores,
        }
    }

    async fn on_blocking_pool<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
        let permit = self.permits.clone().acquire_owned().await.map_err(|e| AppError::Internal(e.into()))?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            f()
        })
        .await
        .map_err(|e| AppError::Internal(e.into()))
    }

    pub async fn hash(&self, password: String) -> AppResult<String> {
        use std::sync::atomic::Ordering;
        struct Waiting(Arc<std::sync::atomic::AtomicUsize>);
        impl Drop for Waiting {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::AcqRel);
            }
        }
        if self.permits.available_permits() == 0
            && self.waiting_hashes.load(Ordering::Acquire) >= self.max_waiting_hashes
        {
            return Err(AppError::Busy { retry_after_secs: 2 });
        }
        self.waiting_hashes.fetch_add(1, Ordering::AcqRel);
        let waiting = Waiting(self.waiting_hashes.clone());
        let cost = self.cost;
        let permit = self.permits.clone().acquire_owned().await.map_err(|e| AppError::Internal(e.into()))?;
        drop(waiting);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            hash_blocking(&password, cost)
        })
        .await
        .map_err(|e| AppError::Internal(e.into()))?
    }

    /// Checks `password` against `hash`, or against the dummy hash when there is
    /// no account, so that the answer takes the same time either way.
    pub async fn verify(&self, password: String, hash: Option<String>) -> AppResult<bool> {
        self.checks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (hash, real) = match hash {
            Some(h) => (h, true),
            None => (self.dummy_hash().await?.to_owned(), false),
        };
        let matches = self.on_blocking_pool(move || verify_blocking(&password, &hash)).await?;
        Ok(real && matches)
    }

    /// How many passwords have been verified since start.
    pub fn checks(&self) -> u64 {
        self.checks.load(std::sync::atomic::Ordering::Relaxed)
    }

    async fn dummy_hash(&self) -> AppResult<&str> {
        self.dummy_hash
            .get_or_try_init(|| async {
                let random = super::tokens::hex(&super::tokens::random_bytes::<16>());
                self.hash(random).await
            })
            .await
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn new_hashes_beyond_the_queue_bound_are_shed_at_once() {
        let passwords = Passwords { max_waiting_hashes: 1, ..Passwords::new(4) };
        // Every core busy...
        let held: Vec<_> = (0..passwords.permits.available_permits())
            .map(|_| passwords.permits.clone().try_acquire_owned().expect("permit"))
            .collect();
        // ...one hash may wait for one...
        let (first, second) = tokio::join!(
            tokio::time::timeout(std::time::Duration::from_millis(200), passwords.hash("a long enough phrase".into())),
            async {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                passwords.hash("another long phrase".into()).await
            }
        );
        assert!(first.is_err(), "the first waits (and times out here) for a core");
        // ...the next one is answered "busy" without waiting.
        assert!(matches!(second, Err(AppError::Busy { .. })), "{second:?}");
        drop(held);
        assert!(passwords.hash("a long enough phrase".into()).await.is_ok(), "free again once cores are");
    }

    #[test]
    fn length_limits_count_characters() {
        assert_eq!(policy_violation("short-pass1", ""), Some("Use at least 12 characters."));
        assert_eq!(policy_violation("tangerine kayak orbit", ""), None);
        assert_eq!(policy_violation(&"üb".repeat(64), ""), None);
        assert_eq!(policy_violation(&"zq".repeat(65), ""), Some("Use at most 128 characters."));
    }

    #[test]
    fn common_passwords_are_refused_even_with_a_suffix() {
        for pw in ["qwerty123456", "1q2w3e4r5t6y", "Password12345!", "iloveyou123456", "aaaaaaaaaaaaaa"] {
            assert!(policy_violation(pw, "").is_some_and(|m| m.contains("too common")), "{pw} accepted");
        }
    }

    #[test]
    fn a_password_containing_the_email_is_refused() {
        assert!(policy_violation("jane.doe@example.com", "Jane.Doe@example.com").is_some());
        assert!(policy_violation("my jane.doe secret", "jane.doe@example.com").is_some());
    }

    #[test]
    fn long_passwords_are_not_truncated_at_72_bytes() {
        let base = "x".repeat(72);
        let hash = hash_blocking(&format!("{base}-one"), 4).unwrap();
        assert!(verify_blocking(&format!("{base}-one"), &hash));
        assert!(!verify_blocking(&format!("{base}-two"), &hash), "bytes past 72 were ignored");
    }

    #[tokio::test]
    async fn the_dummy_hash_has_the_configured_cost() {
        for cost in [4, 5] {
            let passwords = Passwords::new(cost);
            assert!(passwords.dummy_hash().await.unwrap().starts_with(&format!("$2b$0{cost}$")));
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_hashes_run_at_once_than_there_are_cores() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let passwords = Arc::new(Passwords::new(4));
        let cores = passwords.permits.available_permits();
        let (running, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let tasks: Vec<_> = (0..cores * 4)
            .map(|_| {
                let (passwords, running, peak) = (passwords.clone(), running.clone(), peak.clone());
                tokio::spawn(async move {
                    passwords
                        .on_blocking_pool(move || {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            peak.fetch_max(now, Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_millis(20));
                            running.fetch_sub(1, Ordering::SeqCst);
                        })
                        .await
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        let peak = peak.load(Ordering::SeqCst);
        assert!(peak <= cores, "{peak} hashes ran at once on {cores} cores");
        assert!(peak >= 1);
    }

    #[tokio::test]
    async fn unknown_accounts_never_verify_but_still_hash() {
        let passwords = Passwords::new(4);
        assert!(!passwords.verify("anything at all".into(), None).await.unwrap());
        let hash = passwords.hash("correct horse battery".into()).await.unwrap();
        assert!(hash.starts_with("$2b$04$"));
        assert!(passwords.verify("correct horse battery".into(), Some(hash.clone())).await.unwrap());
        assert!(!passwords.verify("wrong horse battery".into(), Some(hash)).await.unwrap());
    }
}
