//! Access tokens: short-lived EdDSA JWTs with `kid`, `iss`, `aud`, `sub` (username), `uid`
//! (account id), `iat`, `exp` and `jti`. Verification pins the algorithm, the issuer and the
//! audience, and picks the key by `kid` (an unknown `kid` is refused, never fetched).

use jsonwebtoken::{Algorithm, Header};
use serde::{Deserialize, Serialize};

use super::keys::SigningKeys;
use crate::domain::{DomainError, User};

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Username.
    pub sub: String,
    /// Account id.
    pub uid: String,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Expires at (Unix seconds).
    pub exp: i64,
    /// Token id.
    pub jti: String,
}

/// Signs an access token for `user` valid `ttl_seconds`.
pub fn issue(keys: &SigningKeys, user: &User, ttl_seconds: i64) -> Result<String, DomainError> {
    let now = crate::time::now_unix();
    let claims = Claims {
        iss: keys.issuer.clone(),
        aud: keys.audience.clone(),
        sub: user.username.to_string(),
        uid: user.id.0.clone(),
        iat: now,
        exp: now + ttl_seconds,
        jti: super::random::id(16),
    };
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(keys.current_kid().to_owned());
    jsonwebtoken::encode(&header, &claims, keys.encoding_key())
        .map_err(|e| DomainError::Internal(format!("sign access token: {e}")))
}

/// Verifies `token` and returns its claims, or a 401 problem saying why.
pub fn verify(keys: &SigningKeys, token: &str) -> Result<Claims, DomainError> {
    let unauthenticated = |why: &str| DomainError::Unauthenticated(format!("invalid access token: {why}"));
    let header = jsonwebtoken::decode_header(token).map_err(|_| unauthenticated("malformed"))?;
    if header.alg != Algorithm::EdDSA {
        return Err(unauthenticated("unexpected algorithm"));
    }
    let kid = header.kid.ok_or_else(|| unauthenticated("no key id"))?;
    let key = keys.decoding_key(&kid).ok_or_else(|| unauthenticated("unknown key id"))?;
    jsonwebtoken::decode::<Claims>(token, key, &keys.validation).map(|data| data.claims).map_err(|e| {
        use jsonwebtoken::errors::ErrorKind;
        match e.kind() {
            ErrorKind::ExpiredSignature => unauthenticated("expired"),
            ErrorKind::InvalidIssuer => unauthenticated("wrong issuer"),
            ErrorKind::InvalidAudience => unauthenticated("wrong audience"),
            ErrorKind::InvalidSignature => unauthenticated("bad signature"),
            _ => unauthenticated("rejected"),
        }
    })
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;
    use crate::auth::keys::generate_entry;
    use crate::domain::{Email, NotificationSettings, UserId, Username};

    fn user() -> User {
        User {
            id: UserId("uid1".into()),
            username: Username::parse("alice").unwrap(),
            email: Email::parse("a@example.com").unwrap(),
            verified: true,
            display_name: String::new(),
            bio: String::new(),
            followers: 0,
            followings: 0,
            medias: 0,
            created_at: String::new(),
            updated_at: String::new(),
            password_hash: String::new(),
            api_key_hash: None,
            tokens_valid_after: 0,
            profile_photo: None,
            channel_photo: None,
            settings: NotificationSettings::default(),
        }
    }

    fn keys(value: &str) -> SigningKeys {
        SigningKeys::parse(value, "https://issuer", "api").unwrap()
    }

    fn b64(v: &serde_json::Value) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
    }

    #[test]
    fn round_trip_and_claims() {
        let k = keys(&generate_entry());
        let token = issue(&k, &user(), 900).unwrap();
        let claims = verify(&k, &token).unwrap();
        assert_eq!((claims.sub.as_str(), claims.uid.as_str()), ("alice", "uid1"));
        assert_eq!(claims.exp - claims.iat, 900);
    }

    #[test]
    fn previous_key_still_verifies_after_rotation() {
        let old = generate_entry();
        let token = issue(&keys(&old), &user(), 900).unwrap();
        let rotated = keys(&format!("{},{old}", generate_entry()));
        assert!(verify(&rotated, &token).is_ok());
        assert!(verify(&keys(&generate_entry()), &token).is_err());
    }

    #[test]
    fn refuses_attacks() {
        let entry = generate_entry();
        let k = keys(&entry);
        let good = issue(&k, &user(), 900).unwrap();
        let parts: Vec<&str> = good.split('.').collect();
        let claims: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        let kid = k.current_kid().to_owned();
        // alg none
        let none = format!("{}.{}.", b64(&serde_json::json!({"alg":"none","kid":kid})), parts[1]);
        assert!(verify(&k, &none).is_err());
        // HS256 with the public key as secret
        let hs = format!("{}.{}.{}", b64(&serde_json::json!({"alg":"HS256","kid":kid})), parts[1], parts[2]);
        assert!(verify(&k, &hs).is_err());
        // truncated signature
        assert!(verify(&k, &good[..good.len() - 4]).is_err());
        // tampered claims keep the old signature
        let mut evil = claims.clone();
        evil["sub"] = "mallory".into();
        assert!(verify(&k, &format!("{}.{}.{}", parts[0], b64(&evil), parts[2])).is_err());
        // unknown / injected kid
        let hdr = format!("{}.{}.{}", b64(&serde_json::json!({"alg":"EdDSA","kid":"../../x"})), parts[1], parts[2]);
        assert!(verify(&k, &hdr).is_err());
        // wrong issuer, wrong audience, expired: signed with the right key
        let other = SigningKeys::parse(&entry, "https://evil", "api").unwrap();
        assert!(verify(&k, &issue(&other, &user(), 900).unwrap()).is_err());
        let wrong_aud = SigningKeys::parse(&entry, "https://issuer", "other").unwrap();
        assert!(verify(&k, &issue(&wrong_aud, &user(), 900).unwrap()).is_err());
        assert!(verify(&k, &issue(&k, &user(), -120).unwrap()).is_err());
    }
}
