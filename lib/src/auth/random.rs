//! Randomness and digests for opaque secrets (refresh tokens, API keys, codes, ids): the
//! operating system's generator (`getrandom`) and RustCrypto's SHA-256.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// `n` random bytes.
pub fn bytes(n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    getrandom::getrandom(&mut out).expect("system random source failed");
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
    sha256(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(data).into()
}

/// Constant-time equality of two strings (different lengths are unequal; the length is not
/// secret).
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
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
        assert!(!constant_time_eq("abc", "abcd"));
        // FIPS 180-2 test vector.
        assert_eq!(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
