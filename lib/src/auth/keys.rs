//! Access-token keys: Ed25519 (EdDSA) pairs with a `kid`. The first configured key signs; all
//! of them verify and are published in the JWKS, so a rotation (add a new first key, keep the
//! old one until its tokens expire) needs no downtime.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Validation};

/// Unusable key configuration.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The value has no usable entry.
    #[error("no signing key configured")]
    Empty,
    /// An entry is not `kid:base64url(pkcs8)`.
    #[error("key entry {0}: {1}")]
    Malformed(usize, String),
}

/// The signing key, every verification key by `kid`, and the token rules.
pub struct SigningKeys {
    current_kid: String,
    encoding: EncodingKey,
    decoding: HashMap<String, DecodingKey>,
    jwks: serde_json::Value,
    /// Token rules: EdDSA only, issuer and audience pinned, `exp` required.
    pub validation: Validation,
    /// `iss` of issued tokens.
    pub issuer: String,
    /// `aud` of issued tokens.
    pub audience: String,
}

impl SigningKeys {
    /// Parses `kid:base64url(pkcs8),kid2:…` (first entry signs).
    pub fn parse(value: &str, issuer: &str, audience: &str) -> Result<Self, KeyError> {
        super::jwt_crypto::install();
        let mut decoding = HashMap::new();
        let mut jwk_list = Vec::new();
        let mut current: Option<(String, EncodingKey)> = None;
        for (i, entry) in value.split(',').map(str::trim).filter(|e| !e.is_empty()).enumerate() {
            let (kid, der_b64) =
                entry.split_once(':').ok_or_else(|| KeyError::Malformed(i, "expected kid:key".into()))?;
            let der = URL_SAFE_NO_PAD.decode(der_b64).map_err(|e| KeyError::Malformed(i, format!("base64: {e}")))?;
            let pair = SigningKey::from_pkcs8_der(&der).map_err(|e| KeyError::Malformed(i, format!("pkcs8: {e}")))?;
            let x = URL_SAFE_NO_PAD.encode(pair.verifying_key().as_bytes());
            let key = DecodingKey::from_ed_components(&x).map_err(|e| KeyError::Malformed(i, e.to_string()))?;
            decoding.insert(kid.to_owned(), key);
            jwk_list.push(serde_json::json!({
                "kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig"
            }));
            if current.is_none() {
                current = Some((kid.to_owned(), EncodingKey::from_ed_der(&der)));
            }
        }
        let (current_kid, encoding) = current.ok_or(KeyError::Empty)?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        Ok(Self {
            current_kid,
            encoding,
            decoding,
            jwks: serde_json::json!({ "keys": jwk_list }),
            validation,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        })
    }

    /// `kid` of the signing key.
    pub fn current_kid(&self) -> &str {
        &self.current_kid
    }

    /// The signing key.
    pub fn encoding_key(&self) -> &EncodingKey {
        &self.encoding
    }

    /// The verification key for `kid`.
    pub fn decoding_key(&self, kid: &str) -> Option<&DecodingKey> {
        self.decoding.get(kid)
    }

    /// The public JWK Set.
    pub fn jwks(&self) -> &serde_json::Value {
        &self.jwks
    }
}

/// One new key entry `kid:base64url(pkcs8)`.
pub fn generate_entry() -> String {
    let seed: [u8; 32] = super::random::bytes(32).try_into().expect("32 bytes");
    let pkcs8 = SigningKey::from_bytes(&seed).to_pkcs8_der().expect("ed25519 pkcs8 encoding");
    let kid = super::random::id(12);
    format!("{kid}:{}", URL_SAFE_NO_PAD.encode(pkcs8.as_bytes()))
}

/// A fresh `JWT_SIGNING_KEYS` value with one key.
pub fn generate_signing_keys_value() -> String {
    generate_entry()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_generated_keys_and_publishes_all() {
        let value = format!("{},{}", generate_entry(), generate_entry());
        let keys = SigningKeys::parse(&value, "iss", "aud").unwrap();
        let jwks = keys.jwks()["keys"].as_array().unwrap().clone();
        assert_eq!(jwks.len(), 2);
        assert_eq!(jwks[0]["kid"], keys.current_kid());
        assert_eq!(jwks[0]["crv"], "Ed25519");
    }

    /// Keys made before the switch to RustCrypto were PKCS#8 v2 documents (seed and public key,
    /// as aws-lc writes them); they must keep working, and a v2 whose public key does not match
    /// its seed must not.
    #[test]
    fn accepts_pkcs8_v2_keys_from_earlier_versions() {
        let seed = [42u8; 32];
        let public = SigningKey::from_bytes(&seed).verifying_key().to_bytes();
        let v2 = |public: &[u8; 32]| {
            let mut der = vec![0x30, 0x51, 0x02, 0x01, 0x01, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70];
            der.extend([0x04, 0x22, 0x04, 0x20]);
            der.extend(seed);
            der.extend([0x81, 0x21, 0x00]);
            der.extend(public);
            format!("old:{}", URL_SAFE_NO_PAD.encode(der))
        };
        let keys = SigningKeys::parse(&v2(&public), "i", "a").unwrap();
        assert_eq!(keys.jwks()["keys"][0]["x"], URL_SAFE_NO_PAD.encode(public));
        assert!(SigningKeys::parse(&v2(&[9u8; 32]), "i", "a").is_err());
    }

    #[test]
    fn refuses_garbage() {
        assert!(SigningKeys::parse("", "i", "a").is_err());
        assert!(SigningKeys::parse("nokey", "i", "a").is_err());
        assert!(SigningKeys::parse("k:!!!", "i", "a").is_err());
        assert!(SigningKeys::parse("k:AAAA", "i", "a").is_err());
    }
}
