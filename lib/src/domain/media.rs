//! Medias: photos, videos, music and text posts, with the validated values they are made of.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Checks free text: trimmed, `min..=max` characters, no control characters except newlines
/// and tabs.
fn text(raw: &str, min: usize, max: usize) -> Result<String, String> {
    let value = raw.trim();
    let count = value.chars().count();
    if count < min {
        return Err(if min == 1 { "must not be empty".into() } else { format!("must be at least {min} characters") });
    }
    if count > max {
        return Err(format!("must be at most {max} characters"));
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err("contains control characters".into());
    }
    Ok(value.to_owned())
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $min:expr, $max:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Validates `raw`.
            pub fn parse(raw: &str) -> Result<Self, String> {
                text(raw, $min, $max).map(Self)
            }
            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}

text_type!(
    /// A media or playlist title: 1–200 characters.
    Title, 1, 200
);
text_type!(
    /// A description: up to 5,000 characters.
    Description, 0, 5000
);
text_type!(
    /// The text of a post: 1–280 characters.
    PostBody, 1, 280
);
text_type!(
    /// A comment: 1–2,000 characters.
    CommentBody, 1, 2000
);

/// A short opaque id made by the server (medias, comments, playlists): 11 URL-safe characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ShortId(String);

/// Length of a [`ShortId`].
pub const SHORT_ID_LEN: usize = 11;

impl ShortId {
    /// A fresh random id (66 bits).
    pub fn generate() -> Self {
        Self(crate::auth::random::id(SHORT_ID_LEN))
    }
    /// Validates `raw`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let ok = raw.len() == SHORT_ID_LEN && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok { Ok(Self(raw.to_owned())) } else { Err("is not a valid id".into()) }
    }
    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for ShortId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ShortId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Id of a media.
pub type MediaId = ShortId;

/// A tag: 1–32 of `[a-z0-9-]`, lowercase.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Tag(String);

/// Tags per media.
pub const MAX_TAGS: usize = 20;

impl Tag {
    /// Validates and lowercases `raw`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let tag = raw.trim().to_ascii_lowercase();
        if tag.is_empty() || tag.len() > 32 {
            return Err("must be 1 to 32 characters".into());
        }
        if !tag.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return Err("may contain only letters a-z, digits and hyphens".into());
        }
        Ok(Self(tag))
    }
    /// The tag.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a media is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MediaKind {
    /// An image.
    Photo,
    /// A video.
    Video,
    /// Audio.
    Music,
    /// Text only (a tweet).
    Post,
}

impl MediaKind {
    /// Parses `photo | video | music | post`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "photo" => Ok(Self::Photo),
            "video" => Ok(Self::Video),
            "music" => Ok(Self::Music),
            "post" => Ok(Self::Post),
            _ => Err("must be one of photo, video, music, post".into()),
        }
    }
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Photo => "photo",
            Self::Video => "video",
            Self::Music => "music",
            Self::Post => "post",
        }
    }
}

/// Processing state of a media.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MediaStatus {
    /// Waiting for the file.
    Uploading,
    /// The file arrived and is being transcoded.
    Processing,
    /// Playable.
    Ready,
    /// Processing refused or failed (see `statusReason`).
    Failed,
}

impl MediaStatus {
    /// Parses the lowercase name.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "uploading" => Some(Self::Uploading),
            "processing" => Some(Self::Processing),
            "ready" => Some(Self::Ready),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Uploading => "uploading",
            Self::Processing => "processing",
            Self::Ready => "ready",
            Self::Failed => "failed",
        }
    }
}

/// A stored media.
#[derive(Clone, Debug)]
pub struct Media {
    /// Id (the `{url}` of the routes).
    pub id: MediaId,
    /// Kind.
    pub kind: MediaKind,
    /// Owner's username.
    pub owner: super::Username,
    /// Owner's account id.
    pub owner_uid: super::UserId,
    /// Title (empty for posts).
    pub title: String,
    /// Description.
    pub description: String,
    /// Text of a post (empty for files).
    pub body: String,
    /// Tags, in the order added.
    pub tags: Vec<Tag>,
    /// Processing state.
    pub status: MediaStatus,
    /// Why processing failed.
    pub status_reason: Option<String>,
    /// Counters.
    pub likes: u64,
    /// See `likes`.
    pub comments: u64,
    /// See `likes`.
    pub reposts: u64,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
    /// Processed files as JSON (set by processing), `None` until ready.
    pub files: Option<serde_json::Value>,
    /// The upload (id) holding the file, for file medias.
    pub upload: Option<String>,
    /// Processing details later steps need (the video ladder, the audio file…), internal.
    pub details: Option<serde_json::Value>,
    /// WebVTT subtitle URLs by language (videos).
    pub subtitles: std::collections::BTreeMap<String, String>,
    /// Object key of the latest cover artwork (music), and the one embedded in the files.
    pub cover: Option<String>,
    /// See `cover`.
    pub cover_applied: Option<String>,
    /// Attachments refused by processing, by slot (`subtitles/en`, `cover`) → reason.
    pub rejected: std::collections::BTreeMap<String, String>,
}

impl Media {
    /// The text search indexes: title, description, body and tags.
    pub fn search_text(&self) -> String {
        let tags: Vec<&str> = self.tags.iter().map(Tag::as_str).collect();
        format!("{} {} {} {}", self.title, self.description, self.body, tags.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert!(Title::parse("  ").is_err());
        assert!(Title::parse(&"t".repeat(201)).is_err());
        assert_eq!(Title::parse(" Hello ").unwrap().as_str(), "Hello");
        assert!(Description::parse("").is_ok());
        assert!(Description::parse(&"d".repeat(5001)).is_err());
        assert!(PostBody::parse(&"é".repeat(280)).is_ok());
        assert!(PostBody::parse(&"é".repeat(281)).is_err());
        assert!(CommentBody::parse(&"c".repeat(2001)).is_err());
        assert_eq!(Tag::parse("Rust-Lang").unwrap().as_str(), "rust-lang");
        assert!(Tag::parse("no spaces").is_err() && Tag::parse(&"t".repeat(33)).is_err() && Tag::parse("").is_err());
        assert_eq!(ShortId::generate().as_str().len(), 11);
        assert!(ShortId::parse("short").is_err() && ShortId::parse("abc/def/ghi").is_err());
        assert_eq!(MediaKind::parse("music").unwrap(), MediaKind::Music);
        assert!(MediaKind::parse("gif").is_err());
    }
}
