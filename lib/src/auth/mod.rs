//! Authentication: password hashing, access-token signing and verification, opaque tokens
//! (refresh tokens, API keys, verification codes) and who the caller is.

pub mod caller;
pub mod jwt;
pub mod jwt_crypto;
pub mod keys;
pub mod password;
pub mod random;

pub use caller::Caller;
