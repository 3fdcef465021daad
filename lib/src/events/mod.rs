//! Event consumers: the table's stream (derived work such as erasing a deleted account's data)
//! and their shared error type.

pub mod cascade;
pub mod comments;
pub mod derived;
pub mod files;
pub mod notify;
pub mod playlists;
#[cfg(test)]
pub(crate) mod properties;
pub mod table;

/// A consumer failed as a whole (the batch is retried).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct EventError(pub String);
