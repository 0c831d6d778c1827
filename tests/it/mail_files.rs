//! Reading what the portal mailed: `.eml` files and raw SMTP messages.

use std::path::Path;
use std::time::Duration;

/// Undoes quoted-printable's soft line breaks and `=3D`, enough to find a link.
pub fn unfold(raw: &str) -> String {
    raw.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=")
}

/// The first link to `base` in a message, whole.
pub fn link_to(message: &str, base: &str) -> Option<String> {
    let text = unfold(message);
    let start = text.find(base)?;
    let rest = &text[start..];
    let end = rest.find(|c: char| c.is_whitespace() || c == '"' || c == '<').unwrap_or(rest.len());
    Some(rest[..end].to_owned())
}

/// Waits (up to 15 s) for a `.eml` file to `to` in `dir`, and returns the newest one.
pub async fn wait_for_message(dir: &Path, to: &str) -> String {
    for _ in 0..150 {
        let mut found: Vec<(String, String)> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .filter_map(|e| {
                Some((e.file_name().to_string_lossy().into_owned(), std::fs::read_to_string(e.path()).ok()?))
            })
            .filter(|(_, text)| text.contains(&format!("To: {to}")))
            .collect();
        found.sort();
        if let Some((_, text)) = found.pop() {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no mail to {to} in {}", dir.display());
}
