//! Opaque, tamper-evident pagination cursors: the position (a DynamoDB key) as JSON, MACed with
//! a server secret together with the list it belongs to, so a cursor can be neither forged,
//! edited, nor replayed against another list.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::DomainError;

/// A position in a list: key attribute → string value.
pub type Position = BTreeMap<String, String>;

/// Seals and opens cursors.
pub struct CursorCodec {
    mac: Hmac<Sha256>,
}

const TAG_LEN: usize = 16;

impl CursorCodec {
    /// A codec keyed by `secret`.
    pub fn new(secret: &[u8]) -> Self {
        Self { mac: Hmac::new_from_slice(secret).expect("HMAC takes keys of any length") }
    }

    fn tag(&self, scope: &str, payload: &[u8]) -> Vec<u8> {
        let mut mac = self.mac.clone();
        mac.update(scope.as_bytes());
        mac.update(&[0]);
        mac.update(payload);
        mac.finalize().into_bytes()[..TAG_LEN].to_vec()
    }

    /// Seals `position` for the list named `scope`.
    pub fn seal(&self, scope: &str, position: &Position) -> String {
        let payload = serde_json::to_vec(position).unwrap_or_default();
        let tag = self.tag(scope, &payload);
        format!("{}.{}", URL_SAFE_NO_PAD.encode(&payload), URL_SAFE_NO_PAD.encode(tag))
    }

    /// Opens a cursor made by [`seal`](Self::seal) for the same `scope`; anything else is a
    /// 400 naming the `cursor` parameter.
    pub fn open(&self, scope: &str, cursor: &str) -> Result<Position, DomainError> {
        let invalid = || DomainError::invalid("cursor", "is not a cursor of this list");
        let (payload_b64, tag_b64) = cursor.split_once('.').ok_or_else(invalid)?;
        let payload = URL_SAFE_NO_PAD.decode(payload_b64).map_err(|_| invalid())?;
        let tag = URL_SAFE_NO_PAD.decode(tag_b64).map_err(|_| invalid())?;
        let expected = self.tag(scope, &payload);
        if tag.len() != TAG_LEN || !bool::from(subtle::ConstantTimeEq::ct_eq(&tag[..], &expected[..])) {
            return Err(invalid());
        }
        serde_json::from_slice(&payload).map_err(|_| invalid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos() -> Position {
        BTreeMap::from([("PK".into(), "USERS".into()), ("SK".into(), "2026#alice".into())])
    }

    #[test]
    fn round_trip() {
        let c = CursorCodec::new(b"secret");
        let sealed = c.seal("users", &pos());
        assert_eq!(c.open("users", &sealed).unwrap(), pos());
    }

    #[test]
    fn tampering_is_refused() {
        let c = CursorCodec::new(b"secret");
        let sealed = c.seal("users", &pos());
        let (payload, tag) = sealed.split_once('.').unwrap();
        let mut forged = pos();
        forged.insert("SK".into(), "9999#zed".into());
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        for bad in [
            format!("{forged_payload}.{tag}"),
            format!("{payload}.{}", URL_SAFE_NO_PAD.encode([0u8; 16])),
            format!("{payload}x.{tag}"),
            "garbage".to_owned(),
            String::new(),
        ] {
            assert!(c.open("users", &bad).is_err(), "{bad} accepted");
        }
        assert!(c.open("search:users:al", &sealed).is_err(), "replayed on another list");
        assert!(CursorCodec::new(b"other").open("users", &sealed).is_err());
    }
}
