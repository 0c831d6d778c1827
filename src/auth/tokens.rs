//! Access tokens (JWT, HS256, zero leeway) and opaque refresh tokens.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::clock::{Timestamp, unix};
use crate::models::user::Role;

const ISSUER: &str = "hrms";

/// Who an access token is for. A token minted for the JSON API is not a page
/// cookie, and a page cookie is not a Bearer token: a token that leaks from
/// one door does not open the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// The pages, through the `access` cookie.
    Web,
    /// `/api/v1`, through `Authorization: Bearer`.
    Api,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Web => "hrms-web",
            Audience::Api => "hrms-api",
        }
    }
}
/// Marks a token as an access token, so that no other kind of token we might
/// sign with the same key is ever accepted as one.
const ACCESS_TYPE: &str = "access";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// User id.
    pub sub: String,
    /// Session (refresh-token family) id.
    pub sid: String,
    pub role: Role,
    /// Display name for the navigation bar, so a page needs no query to show it.
    pub name: String,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    pub typ: String,
}

pub struct AccessTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// The longest an access token is honoured after it was issued, whatever
    /// its `exp` says: after a restart with a shorter `--access-ttl`, tokens
    /// minted under the longer one stop working as soon as the revoked-session
    /// set (which remembers revocations for the current lifetime) forgets them.
    lifetime: Option<time::Duration>,
}

impl AccessTokens {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.leeway = 0;
        // Expiry is checked below against the injectable clock, with zero leeway;
        // presence and type of `exp` are still enforced by the typed claims.
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.set_issuer(&[ISSUER]);
        // Either audience passes here; `verify` then demands the one asked for.
        validation.set_audience(&[Audience::Web.as_str(), Audience::Api.as_str()]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            lifetime: None,
        }
    }

    /// Honours tokens for at most `lifetime` after they were issued.
    pub fn with_lifetime(mut self, lifetime: time::Duration) -> Self {
        self.lifetime = Some(lifetime);
        self
    }

    #[allow(clippy::too_many_arguments)]
    pub fn mint(
        &self,
        audience: Audience,
        user_id: &str,
        session_id: &str,
        role: Role,
        name: &str,
        now: Timestamp,
        ttl: time::Duration,
    ) -> String {
        let claims = AccessClaims {
            sub: user_id.to_owned(),
            sid: session_id.to_owned(),
            role,
            name: name.to_owned(),
            iat: unix(now),
            exp: unix(now + ttl),
            iss: ISSUER.to_owned(),
            aud: audience.as_str().to_owned(),
            typ: ACCESS_TYPE.to_owned(),
        };
        // HS256 signing of a serializable struct cannot fail.
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).unwrap_or_default()
    }

    /// The claims of a valid, unexpired access token for `audience`; `None`
    /// for anything else.
    pub fn verify(&self, token: &str, audience: Audience, now: Timestamp) -> Option<AccessClaims> {
        let claims = jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation).ok()?.claims;
        let within_lifetime = self.lifetime.is_none_or(|l| unix(now) < claims.iat.saturating_add(l.whole_seconds()));
        let for_this_door = claims.aud == audience.as_str();
        (claims.typ == ACCESS_TYPE && for_this_door && unix(now) < claims.exp && within_lifetime).then_some(claims)
    }
}

/// A new refresh token: 256 bits from the operating system, base64url.
pub fn new_refresh_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// Whether `value` is shaped like `new_refresh_token`'s output (base64url of
/// 32 bytes: 43 characters from the URL-safe alphabet). Secrets that arrive
/// from outside are checked with this before they are hashed and looked up.
pub fn is_token_shaped(value: &str) -> bool {
    value.len() == 43 && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What the database keeps instead of the refresh token.
pub fn hash_refresh_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // Without an OS random source nothing here can be secure: stop.
    getrandom::fill(&mut buf).expect("the operating system's random source failed");
    buf
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_minted_under_a_longer_lifetime_ends_with_the_current_one() {
        let minted =
            AccessTokens::new(SECRET).mint(Audience::Web, "u", "s", Role::Employee, "U", t0(), Duration::minutes(60));
        let now_shorter = AccessTokens::new(SECRET).with_lifetime(Duration::minutes(15));
        assert!(now_shorter.verify(&minted, Audience::Web, t0() + Duration::minutes(14)).is_some());
        assert!(
            now_shorter.verify(&minted, Audience::Web, t0() + Duration::minutes(16)).is_none(),
            "its exp is 44 min away"
        );
    }
    use time::Duration;
    use time::macros::datetime;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn t0() -> Timestamp {
        datetime!(2026-01-01 12:00:00)
    }

    #[test]
    fn a_fresh_token_verifies_and_expires_exactly_at_exp() {
        let tokens = AccessTokens::new(SECRET);
        let token = tokens.mint(Audience::Web, "u1", "s1", Role::Hr, "Ann", t0(), Duration::seconds(60));
        let claims = tokens.verify(&token, Audience::Web, t0()).expect("valid");
        assert_eq!((claims.sub.as_str(), claims.sid.as_str(), claims.role), ("u1", "s1", Role::Hr));
        assert!(tokens.verify(&token, Audience::Web, t0() + Duration::seconds(59)).is_some());
        // Zero leeway: not one second of grace after exp.
        assert!(tokens.verify(&token, Audience::Web, t0() + Duration::seconds(60)).is_none());
    }

    #[test]
    fn a_token_signed_with_another_key_is_rejected() {
        let token = AccessTokens::new(b"another-secret-another-secret-xx").mint(
            Audience::Web,
            "u",
            "s",
            Role::Admin,
            "A",
            t0(),
            Duration::hours(1),
        );
        assert!(AccessTokens::new(SECRET).verify(&token, Audience::Web, t0()).is_none());
    }

    /// An unsigned token with the given header and claims JSON.
    fn forge(header: &str, claims: &str) -> String {
        format!("{}.{}.", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(claims))
    }

    fn claims_json(exp: i64, typ: &str) -> String {
        format!(
            r#"{{"sub":"u","sid":"s","role":"admin","name":"A","iat":0,"exp":{exp},"iss":"hrms","aud":"hrms-web","typ":"{typ}"}}"#
        )
    }

    #[test]
    fn alg_none_is_rejected() {
        let token = forge(r#"{"alg":"none","typ":"JWT"}"#, &claims_json(unix(t0()) + 3600, "access"));
        assert!(AccessTokens::new(SECRET).verify(&token, Audience::Web, t0()).is_none());
        // Also with a signature from the right key appended: the header still says none.
        let token = format!("{token}c2ln");
        assert!(AccessTokens::new(SECRET).verify(&token, Audience::Web, t0()).is_none());
    }

    #[test]
    fn other_algorithms_are_rejected_even_when_correctly_signed() {
        let key = EncodingKey::from_secret(SECRET);
        let tokens = AccessTokens::new(SECRET);
        let claims = tokens
            .verify(
                &tokens.mint(Audience::Web, "u", "s", Role::Admin, "A", t0(), Duration::hours(1)),
                Audience::Web,
                t0(),
            )
            .unwrap();
        for alg in [Algorithm::HS384, Algorithm::HS512] {
            let token = jsonwebtoken::encode(&Header::new(alg), &claims, &key).unwrap();
            assert!(tokens.verify(&token, Audience::Web, t0()).is_none(), "{alg:?} accepted");
        }
    }

    #[test]
    fn a_token_of_another_type_is_not_an_access_token() {
        let tokens = AccessTokens::new(SECRET);
        let mut claims = tokens
            .verify(
                &tokens.mint(Audience::Web, "u", "s", Role::Admin, "A", t0(), Duration::hours(1)),
                Audience::Web,
                t0(),
            )
            .unwrap();
        claims.typ = "refresh".into();
        let token =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(SECRET)).unwrap();
        assert!(tokens.verify(&token, Audience::Web, t0()).is_none());
    }

    #[test]
    fn a_token_without_exp_or_with_a_string_exp_is_rejected() {
        #[derive(Serialize)]
        struct NoExp<'a> {
            sub: &'a str,
            sid: &'a str,
            role: &'a str,
            name: &'a str,
            iat: i64,
            iss: &'a str,
            aud: &'a str,
            typ: &'a str,
        }
        let key = EncodingKey::from_secret(SECRET);
        let no_exp = NoExp {
            sub: "u",
            sid: "s",
            role: "admin",
            name: "A",
            iat: 0,
            iss: ISSUER,
            aud: "hrms-web",
            typ: ACCESS_TYPE,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &no_exp, &key).unwrap();
        assert!(AccessTokens::new(SECRET).verify(&token, Audience::Web, t0()).is_none());

        // CVE-2026-25537: a mistyped exp must not skip the expiry check.
        #[derive(Serialize)]
        #[serde(untagged)]
        enum V {
            S(&'static str),
            N(i64),
        }
        let claims: std::collections::BTreeMap<&str, V> = [
            ("sub", V::S("u")),
            ("sid", V::S("s")),
            ("role", V::S("admin")),
            ("name", V::S("A")),
            ("iat", V::N(0)),
            ("exp", V::S("99999999999")),
            ("iss", V::S(ISSUER)),
            ("aud", V::S("hrms-web")),
            ("typ", V::S(ACCESS_TYPE)),
        ]
        .into_iter()
        .collect();
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key).unwrap();
        assert!(AccessTokens::new(SECRET).verify(&token, Audience::Web, t0()).is_none());
    }

    #[test]
    fn wrong_issuer_or_audience_is_rejected() {
        let tokens = AccessTokens::new(SECRET);
        let key = EncodingKey::from_secret(SECRET);
        let good = tokens
            .verify(
                &tokens.mint(Audience::Web, "u", "s", Role::Admin, "A", t0(), Duration::hours(1)),
                Audience::Web,
                t0(),
            )
            .unwrap();
        let bad_iss = AccessClaims { iss: "someone-else".into(), ..good.clone() };
        let bad_aud = AccessClaims { aud: "other-app".into(), ..good };
        for claims in [bad_iss, bad_aud] {
            let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key).unwrap();
            assert!(tokens.verify(&token, Audience::Web, t0()).is_none());
        }
    }

    #[test]
    fn a_token_for_one_door_does_not_open_the_other() {
        let tokens = AccessTokens::new(SECRET);
        let api = tokens.mint(Audience::Api, "u", "s", Role::Employee, "U", t0(), Duration::hours(1));
        let web = tokens.mint(Audience::Web, "u", "s", Role::Employee, "U", t0(), Duration::hours(1));
        assert!(tokens.verify(&api, Audience::Api, t0()).is_some());
        assert!(tokens.verify(&api, Audience::Web, t0()).is_none(), "an API token is not a page cookie");
        assert!(tokens.verify(&web, Audience::Api, t0()).is_none(), "a page cookie is not a Bearer token");
    }

    #[test]
    fn garbage_is_rejected_without_panicking() {
        let tokens = AccessTokens::new(SECRET);
        for junk in ["", ".", "..", "a.b.c", "\u{0}", "eyJhbGciOiJIUzI1NiJ9.e30.", &"x".repeat(10_000)] {
            assert!(tokens.verify(junk, Audience::Web, t0()).is_none());
        }
    }

    #[test]
    fn refresh_tokens_are_256_bit_random_and_only_their_hash_is_kept() {
        let a = new_refresh_token();
        let b = new_refresh_token();
        assert_ne!(a, b);
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
        let h = hash_refresh_token(&a);
        assert_eq!(h.len(), 64);
        assert!(!h.contains(&a));
        assert_eq!(h, hash_refresh_token(&a));
    }
}
