//! Randomness and digests for opaque secrets (refresh tokens, API keys, codes, ids), from the
//! one crypto library the binaries already carry (aws-lc).

use aws_lc_rs::digest;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// `n` random bytes.
pub fn bytes(n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    SystemRandom::new().fill(&mut out).expect("system random source failed");
    out
}

/// A URL-safe random token of `n` bytes of entropy.
pub fn token(n: usize) -> String {
    URL_SAFE_NO_PAD.encode(bytes(n))
}

/// A random id of the given length over `[A-Za-z0-9_-]` (≈ 6 bits per character).
pub fn id(len: usize) -> String {
    let mut s = token(len);
    s.truncate(len);
    s
}

/// A decimal code of `digits` digits, uniformly distributed (rejection sampling).
pub fn digits(digits: u32) -> String {
    let modulus = 10u64.pow(digits);
    let limit = u64::MAX - (u64::MAX % modulus);
    loop {
        let raw = u64::from_le_bytes(bytes(8).try_into().expect("8 bytes"));
        if raw < limit {
            return format!("{:0width$}", raw % modulus, width = digits as usize);
        }
    }
}

/// Hex SHA-256 of a high-entropy secret. Such secrets need no slow hash: guessing the input
/// is as hard as guessing the secret itself.
pub fn sha256_hex(secret: &str) -> String {
    let d = digest::digest(&digest::SHA256, secret.as_bytes());
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Constant-time equality of two strings of equal length.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a.as_bytes(), b.as_bytes()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(token(32).len(), 43);
        assert_eq!(id(11).len(), 11);
        let code = digits(6);
        assert_eq!(code.len(), 6);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
        assert_ne!(token(32), token(32));
        assert_eq!(sha256_hex("abc").len(), 64);
        assert!(constant_time_eq("abc", "abc") && !constant_time_eq("abc", "abd"));
    }
}
