//! Key patterns of the single table (documented in `docs/data-model.md`). Every key string is
//! built here and nowhere else.

use crate::domain::Username;

/// Partition of a user: profile, sessions, verification code.
pub fn user_pk(username: &Username) -> String {
    format!("USER#{username}")
}
/// Sort key of the profile item.
pub const PROFILE: &str = "PROFILE";
/// Sort key of the pending email verification.
pub const VERIFY: &str = "VERIFY";
/// Sort key of a refresh-token family (a session).
pub fn session_sk(family: &str) -> String {
    format!("SESSION#{family}")
}
/// Uniqueness item of an email address.
pub fn email_pk(email: &str) -> String {
    format!("EMAIL#{email}")
}
/// Sort key of single-item partitions.
pub const ONE: &str = "#";
/// Item of an API key, by the hash of the key.
pub fn api_key_pk(hash: &str) -> String {
    format!("APIKEY#{hash}")
}
/// Item of a refresh token, by the hash of the token.
pub fn refresh_pk(hash: &str) -> String {
    format!("REFRESH#{hash}")
}
/// Item recording a sent mail job (de-duplication).
pub fn mail_pk(job_id: &str) -> String {
    format!("MAIL#{job_id}")
}
/// GSI1 partition listing every user, newest first.
pub const ALL_USERS: &str = "USERS";
/// GSI1 sort key of a user.
pub fn user_list_sk(created_at: &str, username: &Username) -> String {
    format!("{created_at}#{username}")
}
/// Partition of a search prefix in a collection.
pub fn search_pk(collection: &str, prefix: &str) -> String {
    format!("SEARCH#{collection}#{prefix}")
}
