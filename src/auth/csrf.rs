//! CSRF tokens: an HMAC of what the form is bound to, the session when signed
//! in, or a random pre-session cookie on the sign-in and registration forms.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// What a CSRF token is bound to.
#[derive(Clone, Copy, Debug)]
pub enum Binding<'a> {
    Session(&'a str),
    PreSession(&'a str),
}

pub struct Csrf {
    key: Vec<u8>,
}

impl Csrf {
    /// Derives its own key from the application secret, so that a CSRF token
    /// can never be confused with any other MAC made with that secret.
    pub fn new(app_secret: &[u8]) -> Self {
        Self { key: mac(app_secret, b"hrms csrf key v1") }
    }

    pub fn token(&self, binding: Binding<'_>) -> String {
        URL_SAFE_NO_PAD.encode(mac(&self.key, message(binding).as_bytes()))
    }

    pub fn verify(&self, binding: Binding<'_>, token: &str) -> bool {
        let Ok(tag) = URL_SAFE_NO_PAD.decode(token.trim()) else {
            return false;
        };
        let Ok(mut m) = HmacSha256::new_from_slice(&self.key) else {
            return false;
        };
        m.update(message(binding).as_bytes());
        m.verify_slice(&tag).is_ok() // constant time
    }
}

impl Csrf {
    /// A new pre-session value: a random nonce and its MAC, so that only
    /// values this server issued are ever accepted (never one a client chose).
    pub fn issue_seed(&self) -> String {
        let nonce = URL_SAFE_NO_PAD.encode(super::tokens::random_bytes::<18>());
        let tag = URL_SAFE_NO_PAD.encode(&mac(&self.key, format!("seed:{nonce}").as_bytes())[..18]);
        format!("{nonce}.{tag}")
    }

    /// Whether `seed` is a pre-session value this server issued.
    pub fn seed_is_ours(&self, seed: &str) -> bool {
        let Some((nonce, tag)) = seed.split_once('.') else {
            return false;
        };
        let (Ok(tag), Ok(mut m)) = (URL_SAFE_NO_PAD.decode(tag), HmacSha256::new_from_slice(&self.key)) else {
            return false;
        };
        m.update(format!("seed:{nonce}").as_bytes());
        nonce.len() == 24 && m.verify_truncated_left(&tag).is_ok() && tag.len() == 18
    }
}

fn message(binding: Binding<'_>) -> String {
    match binding {
        Binding::Session(id) => format!("session:{id}"),
        Binding::PreSession(id) => format!("pre-session:{id}"),
    }
}

fn mac(key: &[u8], msg: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length.
    let mut m = HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    m.update(msg);
    m.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pre_session_values_this_server_issued_are_ours() {
        let csrf = Csrf::new(b"0123456789abcdef0123456789abcdef");
        let seed = csrf.issue_seed();
        assert!(csrf.seed_is_ours(&seed));
        assert_ne!(seed, csrf.issue_seed());
        let (nonce, _) = seed.split_once('.').unwrap();
        assert!(!csrf.seed_is_ours(&format!("{nonce}.AAAAAAAAAAAAAAAAAAAAAAAA")));
        assert!(!csrf.seed_is_ours(&"a".repeat(43)), "a value a client chose");
        assert!(!Csrf::new(b"another secret another secret xx").seed_is_ours(&seed));
    }

    #[test]
    fn a_token_is_valid_only_for_its_binding() {
        let csrf = Csrf::new(b"0123456789abcdef0123456789abcdef");
        let t = csrf.token(Binding::Session("s1"));
        assert!(csrf.verify(Binding::Session("s1"), &t));
        assert!(!csrf.verify(Binding::Session("s2"), &t));
        assert!(!csrf.verify(Binding::PreSession("s1"), &t));
        assert!(!csrf.verify(Binding::Session("s1"), ""));
        assert!(!csrf.verify(Binding::Session("s1"), "not base64!"));
        let other = Csrf::new(b"another secret another secret xx");
        assert!(!other.verify(Binding::Session("s1"), &t));
    }
}
