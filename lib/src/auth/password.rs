//! Password hashing with Argon2id at OWASP's recommended parameters (19 MiB, t=2, p=1).
//! Hashing is CPU-bound, so it runs on the blocking pool, off the request executor.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::domain::{DomainError, Password};

fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The PHC string of `password` with a fresh salt.
pub async fn hash(password: &Password) -> Result<String, DomainError> {
    let secret = password.expose().to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&super::random::bytes(16))
            .map_err(|e| DomainError::Internal(format!("salt: {e}")))?;
        hasher()
            .hash_password(secret.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| DomainError::Internal(format!("argon2 hash: {e}")))
    })
    .await
    .map_err(|e| DomainError::Internal(format!("hash task: {e}")))?
}

/// Whether `candidate` matches the stored PHC string. A malformed stored hash never matches.
pub async fn verify(candidate: &str, phc: &str) -> bool {
    let candidate = candidate.to_owned();
    let phc = phc.to_owned();
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&phc)
            .map(|parsed| hasher().verify_password(candidate.as_bytes(), &parsed).is_ok())
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// Spends the time of one verification against a dummy hash, so an unknown account answers
/// as slowly as a wrong password (no user enumeration by timing).
pub async fn verify_dummy(candidate: &str) {
    const DUMMY: &str =
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$W4Cg8/e1VQ8L0Xk7hNbY7CKrJtnZ5V2C8Fo/5mAUxZ0";
    let _ = verify(candidate, DUMMY).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn round_trip() {
        let pw = Password::parse("correct horse").unwrap();
        let phc = hash(&pw).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse", &phc).await);
        assert!(!verify("wrong horse", &phc).await);
        assert!(!verify("correct horse", "not a hash").await);
    }
}
