//! The only cryptography `jsonwebtoken` may use here: Ed25519 (EdDSA) through `ed25519-dalek`.
//!
//! `jsonwebtoken`'s built-in providers implement every JWA algorithm (RSA, ECDSA, HMAC) and
//! bring a whole crypto library into every binary. We issue and accept EdDSA only, so the
//! provider we install knows nothing else: a token claiming another algorithm cannot even
//! reach a verifier (and `jwt::verify` refuses it before that).

use ed25519_dalek::ed25519::signature::{self, Signer, Verifier};
use ed25519_dalek::pkcs8::DecodePrivateKey;
use ed25519_dalek::{Signature, SigningKey, VerifyingKey};
use jsonwebtoken::crypto::{CryptoProvider, JwkUtils, JwtSigner, JwtVerifier};
use jsonwebtoken::errors::{Error, ErrorKind};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};

/// EdDSA only; JWK thumbprints and RSA/EC key helpers are never used here.
static EDDSA_ONLY: CryptoProvider = CryptoProvider {
    signer_factory: new_signer,
    verifier_factory: new_verifier,
    jwk_utils: JwkUtils::new_unimplemented(),
};

/// Installs the EdDSA-only provider for this process (idempotent; must run before the first
/// `jsonwebtoken::encode`/`decode`, which [`SigningKeys::parse`](super::keys::SigningKeys::parse)
/// guarantees).
pub fn install() {
    // Err means a provider is already installed: ours, by an earlier call.
    let _ = EDDSA_ONLY.install_default();
}

struct EdDsaSigner(SigningKey);

impl Signer<Vec<u8>> for EdDsaSigner {
    fn try_sign(&self, msg: &[u8]) -> Result<Vec<u8>, signature::Error> {
        Ok(self.0.sign(msg).to_bytes().to_vec())
    }
}

impl JwtSigner for EdDsaSigner {
    fn algorithm(&self) -> Algorithm {
        Algorithm::EdDSA
    }
}

struct EdDsaVerifier(VerifyingKey);

impl Verifier<Vec<u8>> for EdDsaVerifier {
    fn verify(&self, msg: &[u8], signature: &Vec<u8>) -> Result<(), signature::Error> {
        // Strict verification: no malleable or small-order-key signatures.
        self.0.verify_strict(msg, &Signature::from_slice(signature)?)
    }
}

impl JwtVerifier for EdDsaVerifier {
    fn algorithm(&self) -> Algorithm {
        Algorithm::EdDSA
    }
}

fn new_signer(algorithm: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>, Error> {
    if *algorithm != Algorithm::EdDSA {
        return Err(ErrorKind::InvalidAlgorithm.into());
    }
    let key = SigningKey::from_pkcs8_der(key.inner()).map_err(|_| Error::from(ErrorKind::InvalidEddsaKey))?;
    Ok(Box::new(EdDsaSigner(key)))
}

fn new_verifier(algorithm: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>, Error> {
    if *algorithm != Algorithm::EdDSA {
        return Err(ErrorKind::InvalidAlgorithm.into());
    }
    let bytes: &[u8; 32] = key.as_bytes().try_into().map_err(|_| Error::from(ErrorKind::InvalidEddsaKey))?;
    let key = VerifyingKey::from_bytes(bytes).map_err(|_| Error::from(ErrorKind::InvalidEddsaKey))?;
    Ok(Box::new(EdDsaVerifier(key)))
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{Header, Validation};

    use super::*;

    #[test]
    fn only_eddsa_signs_and_verifies() {
        install();
        install(); // a second call is harmless
        let signing = SigningKey::from_bytes(&[7u8; 32]);
        let der = ed25519_dalek::pkcs8::EncodePrivateKey::to_pkcs8_der(&signing).unwrap();
        let encoding = EncodingKey::from_ed_der(der.as_bytes());
        let claims = serde_json::json!({ "sub": "alice", "exp": 4_000_000_000u64 });
        let token = jsonwebtoken::encode(&Header::new(Algorithm::EdDSA), &claims, &encoding).unwrap();

        let public = signing.verifying_key().to_bytes();
        let decoding = DecodingKey::from_ed_der(&public);
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.required_spec_claims.clear();
        validation.validate_aud = false;
        let back = jsonwebtoken::decode::<serde_json::Value>(&token, &decoding, &validation).unwrap();
        assert_eq!(back.claims["sub"], "alice");

        // Another key does not verify it; one flipped signature bit does not either.
        let other = DecodingKey::from_ed_der(&SigningKey::from_bytes(&[8u8; 32]).verifying_key().to_bytes());
        assert!(jsonwebtoken::decode::<serde_json::Value>(&token, &other, &validation).is_err());
        let mut forged = token.clone().into_bytes();
        let last = forged.len() - 2;
        forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
        let forged = String::from_utf8(forged).unwrap();
        assert!(jsonwebtoken::decode::<serde_json::Value>(&forged, &decoding, &validation).is_err());

        // HMAC cannot be used at all, for signing or verifying.
        let hs = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(b"k"));
        assert!(matches!(hs.unwrap_err().kind(), ErrorKind::InvalidAlgorithm));
    }
}
