//! Where messages go: an SMTP server, `.eml` files in a folder (the embedded
//! default, so a fresh install can finish a password reset), or memory.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use lettre::message::Mailbox as Address;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{MailConfig, MailDelivery};

/// How long one SMTP conversation may take before it counts as a failure.
const SMTP_TIMEOUT: Duration = Duration::from_secs(15);

/// A message as handed to the transport, kept by `Mailbox` for tests.
#[derive(Clone, Debug)]
pub struct Delivered {
    pub id: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Messages delivered to memory, shared with whoever holds a clone.
#[derive(Clone, Debug, Default)]
pub struct Mailbox(Arc<Mutex<Vec<Delivered>>>);

impl Mailbox {
    pub fn all(&self) -> Vec<Delivered> {
        self.0.lock().map(|m| m.clone()).unwrap_or_default()
    }

    fn push(&self, message: Delivered) {
        if let Ok(mut all) = self.0.lock() {
            all.push(message);
        }
    }
}

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Directory(PathBuf),
    Memory(Mailbox),
}

/// The configured transport and sender address, checked at start-up.
pub struct Mailer {
    pub transport: Transport,
    pub from: Address,
}

impl Mailer {
    pub fn new(config: &MailConfig) -> anyhow::Result<Self> {
        let from: Address =
            config.from.parse().with_context(|| format!("--mail-from {:?} is not an address", config.from))?;
        let transport = match &config.delivery {
            MailDelivery::Smtp { url, password } => {
                let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url.0)
                    .map_err(|e| anyhow::anyhow!("--smtp-url is not usable: {e}"))?
                    .timeout(Some(SMTP_TIMEOUT));
                if let Some(password) = password {
                    let user = smtp_user(&url.0).context("--smtp-password-file needs a user name in --smtp-url")?;
                    builder = builder.credentials(Credentials::new(user, password.0.clone()));
                }
                Transport::Smtp(builder.build())
            }
            MailDelivery::Directory(dir) => {
                create_private_dir(dir)?;
                Transport::Directory(dir.clone())
            }
            MailDelivery::Memory(mailbox) => Transport::Memory(mailbox.clone()),
        };
        Ok(Mailer { transport, from })
    }

    /// For the start-up banner: where mail goes, without credentials.
    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Smtp(_) => "sent through the SMTP server of --smtp-url".to_owned(),
            Transport::Directory(dir) => {
                let shown = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone());
                format!("written as .eml files to {} (no --smtp-url given)", shown.display())
            }
            Transport::Memory(_) => "kept in memory".to_owned(),
        }
    }

    /// Sends one message. The error is for the outbox's "last error" column.
    pub async fn send(&self, message: &Delivered, email: Message) -> Result<(), String> {
        match &self.transport {
            Transport::Smtp(smtp) => smtp.send(email).await.map(|_| ()).map_err(|e| e.to_string()),
            Transport::Directory(dir) => write_eml(dir, message, &email.formatted()).await.map_err(|e| e.to_string()),
            Transport::Memory(mailbox) => {
                mailbox.push(message.clone());
                Ok(())
            }
        }
    }
}

/// The user name of `smtp://user@host`, percent-decoded.
fn smtp_user(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next()?;
    let userinfo = authority.rsplit_once('@')?.0;
    let user = userinfo.split(':').next()?;
    let user = percent_encoding::percent_decode_str(user).decode_utf8().ok()?.into_owned();
    (!user.is_empty()).then_some(user)
}

/// The folder holds reset links: only the portal's own user may read it.
fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("could not create the mail folder {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("could not restrict the mail folder {}", dir.display()))?;
    }
    Ok(())
}

/// Writes `<time>-<id>.eml`, readable by the owner only, via a temporary
/// name so that a reader never sees half a message.
async fn write_eml(dir: &Path, message: &Delivered, bytes: &[u8]) -> std::io::Result<()> {
    let stamp = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
    let name = format!("{stamp}-{}.eml", message.id);
    let partial = dir.join(format!(".{name}.partial"));
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(&partial).await?;
    tokio::io::AsyncWriteExt::write_all(&mut file, bytes).await?;
    file.sync_all().await?;
    tokio::fs::rename(&partial, dir.join(name)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smtp_user_is_read_from_the_url() {
        assert_eq!(smtp_user("smtp://mailer@mail.example:587"), Some("mailer".into()));
        assert_eq!(smtp_user("smtps://a%40b:pw@mail.example"), Some("a@b".into()));
        assert_eq!(smtp_user("smtp://mail.example:25"), None);
    }
}
